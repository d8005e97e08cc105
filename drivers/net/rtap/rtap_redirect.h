/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the redirect backends (AF_PACKET, AF_XDP): they attach
 * to an interface the kernel already owns instead of creating one.
 */

#ifndef RTAP_REDIRECT_H
#define RTAP_REDIRECT_H

#include <rte_ether.h>

/* Backend devargs (parsed by the backend from the same devargs string). */
#define RTAP_PACKET_ARG_FANOUT		"fanout"	/* hash|lb|cpu|qm */
#define RTAP_PACKET_ARG_QDISC_BYPASS	"qdisc_bypass"	/* 0|1 */
#define RTAP_PACKET_ARG_SOCKBUF		"sockbuf"	/* bytes[k|m] */
#define RTAP_PACKET_ARG_RXMODE		"rxmode"	/* mmsg|ring */
#define RTAP_XDP_ARG_MODE		"xdp_mode"	/* auto|native|skb */
#define RTAP_XDP_ARG_BUSY_BUDGET	"busy_budget"	/* 0 = off */

/*
 * Check that name is an existing, administratively up Ethernet interface
 * in our netns; log one clear line and return -errno if not.  On success
 * fill *ifindex and *mac (may be NULL).
 */
int rtap_redirect_check_iface(const char *backend, const char *name,
			      int *ifindex, struct rte_ether_addr *mac);

/* "hash", "lb", "cpu", "qm" -> PACKET_FANOUT_*; -EINVAL otherwise. */
int rtap_packet_parse_fanout(const char *v, int *type);

#endif /* RTAP_REDIRECT_H */
