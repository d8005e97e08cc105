/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap public API: what an application may ask of an rtap port
 * beyond the generic ethdev calls.
 */

#ifndef RTE_PMD_RTAP_H
#define RTE_PMD_RTAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kernel interface name of the port (NUL terminated).
 * Returns 0, -ENODEV (not an rtap port) or -ENOSPC (buf too small).
 */
int rte_pmd_rtap_get_ifname(uint16_t port_id, char *buf, size_t len);

/* Kernel ifindex of the port (> 0), or -ENODEV. */
int rte_pmd_rtap_get_ifindex(uint16_t port_id);

/*
 * Set the carrier of the kernel interface (TAP: TUNSETCARRIER, kernel
 * 4.20+).  0, -ENOTSUP for backends attached to an existing interface
 * (packet, xdp: its driver owns the carrier), or -errno.
 */
int rte_pmd_rtap_set_carrier(uint16_t port_id, int on);

/*
 * Speed/duplex the kernel interface advertises (ethtool) and the port
 * reports in rte_eth_link.  Best effort: 0 or -errno/-ENOTSUP.
 */
int rte_pmd_rtap_set_link_speed(uint16_t port_id, uint32_t mbps,
				int full_duplex);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_RTAP_H */
