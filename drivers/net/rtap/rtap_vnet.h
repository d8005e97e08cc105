/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net header <-> mbuf offload translation.
 *
 * Pure functions: no I/O, no global state, no allocation.  Used by every
 * fd-based backend (TAP with IFF_VNET_HDR, AF_PACKET with PACKET_VNET_HDR),
 * unit tested and fuzzed on their own.
 *
 * The header is the legacy 10-byte struct virtio_net_hdr (little endian on
 * every host Linux supports tun on; see TUNSETVNETLE in drivers/net/tun.c).
 */

#ifndef RTAP_VNET_H
#define RTAP_VNET_H

#include <stdint.h>
#include <linux/virtio_net.h>

#include <rte_mbuf.h>

/*
 * Kernel ABI values missing from Debian 12's 6.1 uapi headers (added in
 * 6.2 with USO): include/uapi/linux/virtio_net.h and linux/if_tun.h.
 */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5	/* GSO frame, UDP L4 (USO) */
#endif
#define RTAP_TUN_F_USO4	0x20	/* TUN_F_USO4: kernel may send USO over IPv4 */
#define RTAP_TUN_F_USO6	0x40	/* TUN_F_USO6: kernel may send USO over IPv6 */

/* Offloads the kernel peer accepts from us (mirror of TUN_F_*). */
#define RTAP_VNET_PEER_CSUM	(1u << 0)	/* NEEDS_CSUM accepted */
#define RTAP_VNET_PEER_TSO4	(1u << 1)	/* GSO_TCPV4 */
#define RTAP_VNET_PEER_TSO6	(1u << 2)	/* GSO_TCPV6 */
#define RTAP_VNET_PEER_TSO_ECN	(1u << 3)	/* GSO_ECN bit */
#define RTAP_VNET_PEER_USO4	(1u << 4)	/* GSO_UDP_L4 over IPv4 */
#define RTAP_VNET_PEER_USO6	(1u << 5)	/* GSO_UDP_L4 over IPv6 */

/* Result codes of rtap_vnet_rx_decode() / rtap_vnet_tx_encode(). */
enum rtap_vnet_err {
	RTAP_VNET_OK = 0,
	RTAP_VNET_EBADHDR = -1,	/* malformed or inconsistent header */
	RTAP_VNET_EGSO = -2,	/* GSO type unknown or unsupported */
	RTAP_VNET_ECSUM = -3,	/* csum_start/offset outside the frame */
	RTAP_VNET_ETXOFL = -4,	/* Tx offload request we cannot express */
};

/* What rx_decode learned, for the caller's xstats. */
struct rtap_vnet_rx_info {
	uint8_t csum;		/* RTAP_VNET_CSUM_* */
	uint8_t gso;		/* 1 if the frame is a GSO (LRO) frame */
	uint8_t ecn;		/* 1 if GSO_ECN was set */
};

#define RTAP_VNET_CSUM_NONE	0	/* no information */
#define RTAP_VNET_CSUM_GOOD	1	/* DATA_VALID: kernel verified it */
#define RTAP_VNET_CSUM_PARTIAL	2	/* NEEDS_CSUM: not yet computed */

/*
 * Translate the header that came with frame m (m->pkt_len bytes, possibly
 * chained) into m->ol_flags, m->tso_segsz, m->packet_type and
 * m->l2_len/l3_len/l4_len.  Every offset in hdr is validated against the
 * frame.  On error m's offload fields are left cleared and the caller counts
 * and drops (or delivers without offload info, its choice).
 */
int rtap_vnet_rx_decode(const struct virtio_net_hdr *hdr, struct rte_mbuf *m,
			struct rtap_vnet_rx_info *info);

/*
 * Fill hdr for sending m.  peer is a mask of RTAP_VNET_PEER_*: what the
 * kernel side was told it will receive.  RTE_MBUF_F_TX_IP_CKSUM is done in
 * software here (writes the IPv4 header of m, which must be in the first
 * segment).  L4 checksum requests and TSO become NEEDS_CSUM / GSO_* using
 * m->l2_len/l3_len/l4_len.  Returns RTAP_VNET_ETXOFL when the request cannot
 * be expressed (e.g. TSO without the lengths, or a GSO type the peer
 * refuses); hdr is then zeroed.
 */
int rtap_vnet_tx_encode(struct rte_mbuf *m, struct virtio_net_hdr *hdr,
			uint32_t peer);

/*
 * For an application that did not enable Rx L4 checksum offload: finish
 * in software the checksum of a frame rx_decode flagged
 * RTE_MBUF_F_RX_L4_CKSUM_NONE (the kernel's CHECKSUM_PARTIAL), so the
 * bytes it forwards are correct, and flag it L4_CKSUM_GOOD.  A GSO frame
 * gets the checksum of the whole frame (the kernel's seed covers its full
 * length).  Returns 0, or RTAP_VNET_ECSUM if the chain is inconsistent.
 * Backends that cannot tell the kernel to stop sending partial checksums
 * (AF_PACKET) need it; TAP is told with TUNSETOFFLOAD instead.
 */
int rtap_vnet_rx_csum_finish(struct rte_mbuf *m);

/* Write len bytes at offset off of a chain whose data_len are set. */
void rtap_vnet_write(struct rte_mbuf *m, uint32_t off, const void *src,
		     uint32_t len);

/*
 * Pseudo-header sum of the IPv4 (ipv 4) or IPv6 header at l3 for an L4
 * segment of l4_len bytes, folded and not complemented: what the L4
 * checksum field of a CHECKSUM_PARTIAL frame holds.
 */
uint16_t rtap_vnet_phdr_sum(const void *l3, int ipv, uint8_t proto,
			    uint32_t l4_len);

/* TUN_F_* bits for TUNSETOFFLOAD from the configured Rx offloads. */
unsigned int rtap_vnet_tun_offload(uint64_t rx_offloads, int uso_supported);

#endif /* RTAP_VNET_H */
