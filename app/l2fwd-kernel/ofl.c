/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Per-packet offload metadata between the two ports of a pair.
 *
 * A frame received on one port carries Rx metadata (RTE_MBUF_F_RX_*,
 * tso_segsz); before it is sent on the other port that metadata must be
 * turned into the Tx requests (RTE_MBUF_F_TX_*) the egress port
 * understands.  Two facts from the kernel side drive it:
 *
 * - net_rtap reports a CHECKSUM_PARTIAL frame (virtio NEEDS_CSUM) as
 *   RTE_MBUF_F_RX_L4_CKSUM_NONE, which is exactly DPDK's meaning of that
 *   value ("checksum not correct in the packet, but the data is intact"),
 *   and a kernel GSO frame as RTE_MBUF_F_RX_LRO with tso_segsz.  Such a
 *   frame must leave with a checksum request (and TSO for GSO) or the
 *   receiver sees a bad checksum.
 * - The reverse direction has no way to say "checksum verified" to tun:
 *   the kernel's virtio_net_hdr_to_skb() only understands NEEDS_CSUM and
 *   GSO, so RTE_MBUF_F_RX_L4_CKSUM_GOOD from the NIC is dropped on the
 *   floor and the kernel verifies the checksum itself (cheap, it is done
 *   while copying to the socket).  LRO frames from the NIC become GSO frames
 *   for the kernel (TSO request), so they stay one skb.
 */

#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "l2fk.h"

/* Rx flags worth keeping across ports (the FQ-CoDel flow hash uses it). */
#define L2FK_KEEP_FLAGS	RTE_MBUF_F_RX_RSS_HASH

static int
ofl_lens(struct rte_mbuf *m)
{
	struct rte_net_hdr_lens hl;
	uint32_t pt;

	pt = rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
			       RTE_PTYPE_L4_MASK);
	if (!RTE_ETH_IS_IPV4_HDR(pt) && !RTE_ETH_IS_IPV6_HDR(pt))
		return -1;
	m->packet_type = pt;
	m->l2_len = hl.l2_len;
	m->l3_len = hl.l3_len;
	m->l4_len = hl.l4_len;
	return 0;
}

/* Checksum in software, for a NIC without L4 Tx checksum offload. */
static int
ofl_sw_cksum(struct rte_mbuf *m)
{
	uint32_t l4off = m->l2_len + m->l3_len;
	uint32_t l4type = m->packet_type & RTE_PTYPE_L4_MASK;
	uint16_t *field, ck;
	void *l3;

	if (rte_pktmbuf_data_len(m) < l4off + (l4type == RTE_PTYPE_L4_TCP ?
			sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr)))
		return -1;
	l3 = rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
	if (l4type == RTE_PTYPE_L4_TCP)
		field = &rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
						 l4off)->cksum;
	else if (l4type == RTE_PTYPE_L4_UDP)
		field = &rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *,
						 l4off)->dgram_cksum;
	else
		return -1;
	*field = 0;
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type))
		ck = rte_ipv4_udptcp_cksum_mbuf(m, l3, l4off);
	else
		ck = rte_ipv6_udptcp_cksum_mbuf(m, l3, l4off);
	*field = ck;
	return 0;
}

int
l2fk_ofl_to_nic(struct rte_mbuf *m, const struct l2fk_plan *plan)
{
	uint64_t rx = m->ol_flags, tx = 0;
	bool gso = (rx & RTE_MBUF_F_RX_LRO) && m->tso_segsz != 0;
	bool partial = (rx & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		RTE_MBUF_F_RX_L4_CKSUM_NONE;
	uint32_t l4;

	m->ol_flags = rx & L2FK_KEEP_FLAGS;
	if (!gso && !partial)
		return 0;
	/* rx_decode filled the lengths; recompute if it could not. */
	if ((m->l2_len == 0 || m->l3_len == 0) && ofl_lens(m) < 0)
		return -1;
	l4 = m->packet_type & RTE_PTYPE_L4_MASK;
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type))
		tx |= RTE_MBUF_F_TX_IPV4;
	else if (RTE_ETH_IS_IPV6_HDR(m->packet_type))
		tx |= RTE_MBUF_F_TX_IPV6;
	else
		return -1;
	if (gso && l4 == RTE_PTYPE_L4_UDP) {
		/* Kernel USO frame: only offered when the NIC segments UDP
		 * (ports.c); one in flight across a change is dropped. */
		if (!plan->nic_uso || m->l4_len != sizeof(struct rte_udp_hdr))
			return -1;
		m->ol_flags |= tx | RTE_MBUF_F_TX_UDP_SEG |
			RTE_MBUF_F_TX_UDP_CKSUM;
		if ((tx & RTE_MBUF_F_TX_IPV4) &&
		    (plan->nic_tx_ofl & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		return 0;
	}
	if (gso) {
		if (l4 != RTE_PTYPE_L4_TCP || m->l4_len == 0)
			return -1;
		if (plan->sw_gso) {
			/* Segmented by l2fk_sw_gso() before enqueue; rte_gso
			 * has no TCP/IPv6 (the kernel is told to segment it,
			 * sync.c; one in flight is dropped and counted). */
			if (!(tx & RTE_MBUF_F_TX_IPV4))
				return -1;
			m->ol_flags |= tx | RTE_MBUF_F_TX_TCP_SEG;
			return 0;
		}
		/* Only requested from the kernel when the NIC has TSO; a
		 * frame in flight across an ethtool change may still come. */
		if (!(plan->nic_tx_ofl & RTE_ETH_TX_OFFLOAD_TCP_TSO))
			return -1;
		tx |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		if ((tx & RTE_MBUF_F_TX_IPV4) &&
		    (plan->nic_tx_ofl & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))
			tx |= RTE_MBUF_F_TX_IP_CKSUM;
		m->ol_flags |= tx;
		return 0;
	}
	m->tso_segsz = 0;
	if (l4 == RTE_PTYPE_L4_TCP &&
	    (plan->nic_tx_ofl & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		tx |= RTE_MBUF_F_TX_TCP_CKSUM;
	else if (l4 == RTE_PTYPE_L4_UDP &&
		 (plan->nic_tx_ofl & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
		tx |= RTE_MBUF_F_TX_UDP_CKSUM;
	else
		return ofl_sw_cksum(m);
	m->ol_flags |= tx;
	return 0;
}

int
l2fk_ofl_to_kern(struct rte_mbuf *m, const struct l2fk_plan *plan)
{
	uint64_t rx = m->ol_flags, tx = 0;
	bool lro = (rx & RTE_MBUF_F_RX_LRO) && m->tso_segsz != 0;
	bool partial = (rx & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		RTE_MBUF_F_RX_L4_CKSUM_NONE;
	uint32_t l4;

	m->ol_flags = rx & L2FK_KEEP_FLAGS;
	if (!lro && !partial)
		return 0;
	if (ofl_lens(m) < 0)
		return lro ? -1 : 0;
	l4 = m->packet_type & RTE_PTYPE_L4_MASK;
	tx = RTE_ETH_IS_IPV4_HDR(m->packet_type) ? RTE_MBUF_F_TX_IPV4 :
		RTE_MBUF_F_TX_IPV6;
	if (lro && l4 == RTE_PTYPE_L4_UDP) {
		/* UDP GSO from the wire: the kernel takes it as one skb
		 * (TUN_F_USO) and segments it if the socket wants that. */
		if (!(plan->kern_tx_ofl & RTE_ETH_TX_OFFLOAD_UDP_TSO))
			return -1;
		m->ol_flags |= tx | RTE_MBUF_F_TX_UDP_SEG |
			RTE_MBUF_F_TX_UDP_CKSUM;
		return 0;
	}
	if (lro) {
		if (!(plan->kern_tx_ofl & RTE_ETH_TX_OFFLOAD_TCP_TSO) ||
		    l4 != RTE_PTYPE_L4_TCP)
			return -1;
		m->ol_flags |= tx | RTE_MBUF_F_TX_TCP_SEG |
			RTE_MBUF_F_TX_TCP_CKSUM;
		return 0;
	}
	m->tso_segsz = 0;
	if (l4 == RTE_PTYPE_L4_TCP &&
	    (plan->kern_tx_ofl & RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		m->ol_flags |= tx | RTE_MBUF_F_TX_TCP_CKSUM;
	else if (l4 == RTE_PTYPE_L4_UDP &&
		 (plan->kern_tx_ofl & RTE_ETH_TX_OFFLOAD_UDP_CKSUM))
		m->ol_flags |= tx | RTE_MBUF_F_TX_UDP_CKSUM;
	else if (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP)
		return ofl_sw_cksum(m);
	return 0;
}

/* ---- software GSO (NIC without TSO; --gso=kernel turns it off) ---- */

static struct rte_mempool *gso_indirect;

int
l2fk_sw_gso_init(void)
{
	if (gso_indirect != NULL)
		return 0;
	gso_indirect = rte_pktmbuf_pool_create("l2fk_gso_ind", 65535, 256, 0,
					       0, (int)rte_socket_id());
	if (gso_indirect == NULL) {
		L2FK_LOG(ERR, "cannot create the GSO indirect pool: %s",
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

void
l2fk_sw_gso_fini(void)
{
	rte_mempool_free(gso_indirect);
	gso_indirect = NULL;
}

/* Finish one segment: the NIC has no checksum offload, compute the IPv4
 * header and TCP checksums over the (two-segment) mbuf chain. */
static void
sw_gso_cksum(struct rte_mbuf *s)
{
	uint32_t l4off = s->l2_len + s->l3_len;
	struct rte_tcp_hdr *th;

	th = rte_pktmbuf_mtod_offset(s, struct rte_tcp_hdr *, l4off);
	th->cksum = 0;
	if (s->ol_flags & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(s,
			struct rte_ipv4_hdr *, s->l2_len);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = rte_ipv4_udptcp_cksum_mbuf(s, ip, l4off);
	} else {
		th->cksum = rte_ipv6_udptcp_cksum_mbuf(s,
			rte_pktmbuf_mtod_offset(s, void *, s->l2_len), l4off);
	}
	s->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
}

/*
 * Segment a GSO frame marked by l2fk_ofl_to_nic() into MTU-sized frames
 * (rte_gso: header copy + indirect payload per segment) and checksum
 * them.  Consumes m.  Returns the number of frames stored in out[], 0 if
 * the frame was dropped (no memory).
 */
uint16_t
l2fk_sw_gso(struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
	    uint16_t max)
{
	struct rte_gso_ctx ctx = {
		.direct_pool = l2fk.pool,
		.indirect_pool = gso_indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)(mtu + RTE_ETHER_HDR_LEN),
		.flag = 0,
	};
	int n, i;

	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
		out[0] = m;
		return 1;
	}
	n = rte_gso_segment(m, &ctx, out, max);
	if (n <= 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/* The segments hold references to m's data; drop ours. */
	rte_pktmbuf_free(m);
	for (i = 0; i < n; i++)
		sw_gso_cksum(out[i]);
	return (uint16_t)n;
}
