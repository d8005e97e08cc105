/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net header <-> mbuf offload translation (contract in rtap_vnet.h).
 *
 * Rx (kernel -> DPDK), header written by virtio_net_hdr_from_skb():
 *  - DATA_VALID (CHECKSUM_UNNECESSARY): RTE_MBUF_F_RX_L4_CKSUM_GOOD.
 *  - NEEDS_CSUM (CHECKSUM_PARTIAL): the L4 checksum field holds only the
 *    pseudo-header sum, the payload is intact (it never left the host), so
 *    RTE_MBUF_F_RX_L4_CKSUM_NONE ("checksum not correct in the packet data,
 *    integrity verified"), when csum_start/csum_offset point at the checksum
 *    field of the TCP/UDP header we parsed.  If they point anywhere else
 *    inside the frame (tunnel inner header, MPLS, IPv6 routing oddities) we
 *    finish the checksum in software, as skb_checksum_help() would, so the
 *    frame is delivered complete and nothing is lost.
 *  - IPv4 header checksum: verified here in software (20-60 bytes, cheap)
 *    and reported GOOD or BAD; the kernel itself never tells us.
 *  - GSO_TCPV4/TCPV6/UDP_L4 (+ECN for TCP): RTE_MBUF_F_RX_LRO with
 *    tso_segsz = gso_size; the type must match the parsed L3/L4.
 *  - hdr_len is only a hint (skb_headlen()) and is ignored.
 *
 * Tx (DPDK -> kernel), header read by virtio_net_hdr_to_skb():
 *  - The kernel wants the pseudo-header sum in the L4 checksum field of a
 *    CHECKSUM_PARTIAL frame *including the L4 length* (also for GSO: see
 *    tcp_gso_segment() and __udp_gso_segment(), which adjust it per
 *    segment).  DPDK's convention for TSO leaves the length out
 *    (rte_ipv4_phdr_cksum() with RTE_MBUF_F_TX_TCP_SEG), and apps that skip
 *    rte_eth_tx_prepare() may not write it at all, so we always compute and
 *    write it from the packet itself: correct whichever convention the app
 *    followed (virtio's PMD patches the same field in its tx_prepare).
 *  - Headers (l2_len + l3_len [+ l4_len]) must be in the first segment and
 *    writable, the same contract as RTE_MBUF_F_TX_IP_CKSUM.
 *  - Tunnel offloads and SCTP CRC cannot be expressed: RTAP_VNET_ETXOFL.
 *
 * No I/O, no global state, no allocation; all fields little endian
 * (virtio 1.0 / TUNSETVNETLE).
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_tun.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "rtap_vnet.h"

#define RTAP_VNET_TCP_CSUM_OFF	offsetof(struct rte_tcp_hdr, cksum)
#define RTAP_VNET_UDP_CSUM_OFF	offsetof(struct rte_udp_hdr, dgram_cksum)
#define RTAP_VNET_TCP_HLEN_MIN	sizeof(struct rte_tcp_hdr)
#define RTAP_VNET_UDP_HLEN	sizeof(struct rte_udp_hdr)
#define RTAP_VNET_IPV4_HLEN_MAX	60
#define RTAP_VNET_GSO_BY_FRAGS	0xFFFF	/* kernel-internal gso_size marker */
#define RTAP_VNET_TCP_CWR	0x80	/* TCP Congestion Window Reduced */

/* mbuf length bit-fields: l2_len:7, l3_len:9, l4_len:8. */
#define RTAP_VNET_MBUF_L2_MAX	127
#define RTAP_VNET_MBUF_L3_MAX	511

#define RTAP_VNET_RX_OL_MASK	(RTE_MBUF_F_RX_IP_CKSUM_MASK | \
				 RTE_MBUF_F_RX_L4_CKSUM_MASK | \
				 RTE_MBUF_F_RX_LRO)

#define RTAP_VNET_TX_OL_MASK	(RTE_MBUF_F_TX_IP_CKSUM | \
				 RTE_MBUF_F_TX_L4_MASK | \
				 RTE_MBUF_F_TX_TCP_SEG | \
				 RTE_MBUF_F_TX_UDP_SEG)

#define RTAP_VNET_TX_TUNNEL_OL	(RTE_MBUF_F_TX_TUNNEL_MASK | \
				 RTE_MBUF_F_TX_OUTER_IP_CKSUM | \
				 RTE_MBUF_F_TX_OUTER_UDP_CKSUM | \
				 RTE_MBUF_F_TX_OUTER_IPV4 | \
				 RTE_MBUF_F_TX_OUTER_IPV6)

/* What the Rx parser could establish about a frame. */
struct rtap_vnet_frame {
	uint32_t ptype;		/* only the layers that passed validation */
	uint16_t l2_len;
	uint16_t l3_len;
	uint16_t l4_len;
	uint8_t l3;		/* 4, 6, or 0: no trustworthy IP header */
	uint8_t l4;		/* IPPROTO_TCP/UDP/SCTP, complete header */
	uint8_t ip_csum_bad;	/* IPv4 header checksum wrong */
};

/*
 * Parse m with DPDK's software parser, then keep only what is really
 * there: rte_net_get_ptype() trusts version/IHL/payload lengths and the
 * TCP data offset, a peer may send anything.
 */
static void
rtap_vnet_rx_parse(const struct rte_mbuf *m, struct rtap_vnet_frame *f)
{
	struct rte_net_hdr_lens lens;
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint32_t ptype, l4type, off, dgram_end;

	memset(f, 0, sizeof(*f));
	memset(&lens, 0, sizeof(lens));
	ptype = rte_net_get_ptype(m, &lens, RTE_PTYPE_ALL_MASK);
	f->ptype = ptype & RTE_PTYPE_L2_MASK;
	if (f->ptype == 0 || lens.l2_len > RTAP_VNET_MBUF_L2_MAX)
		return;
	off = lens.l2_len;
	if (off > pkt_len)	/* truncated VLAN tag */
		return;
	f->l2_len = lens.l2_len;

	if ((ptype & RTE_PTYPE_L3_MASK) != 0 && RTE_ETH_IS_IPV4_HDR(ptype)) {
		uint8_t copy[RTAP_VNET_IPV4_HLEN_MAX];
		const struct rte_ipv4_hdr *ip;
		uint32_t ihl = lens.l3_len;	/* 20..60 (ptype: 0x45..0x4f) */
		uint32_t tot;

		if (ihl < sizeof(*ip) || ihl > sizeof(copy))
			return;
		ip = rte_pktmbuf_read(m, off, ihl, copy);
		if (ip == NULL)
			return;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (tot < ihl || off + tot > pkt_len)
			return;
		f->ip_csum_bad = rte_raw_cksum(ip, ihl) != 0xffff;
		f->l3 = 4;
		dgram_end = off + tot;
	} else if ((ptype & RTE_PTYPE_L3_MASK) != 0 &&
		   RTE_ETH_IS_IPV6_HDR(ptype)) {
		struct rte_ipv6_hdr copy;
		const struct rte_ipv6_hdr *ip6;

		ip6 = rte_pktmbuf_read(m, off, sizeof(*ip6), &copy);
		if (ip6 == NULL ||
		    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
			return;
		dgram_end = off + sizeof(*ip6) +
			rte_be_to_cpu_16(ip6->payload_len);
		if (dgram_end > pkt_len || lens.l3_len < sizeof(*ip6))
			return;
		f->l3 = 6;
	} else {
		return;		/* not IP: L2 only */
	}
	if (lens.l3_len > RTAP_VNET_MBUF_L3_MAX ||
	    off + lens.l3_len > dgram_end) {
		f->l3 = 0;	/* extension headers we cannot describe */
		return;
	}
	f->l3_len = lens.l3_len;
	f->ptype |= ptype & RTE_PTYPE_L3_MASK;
	off += lens.l3_len;

	l4type = ptype & RTE_PTYPE_L4_MASK;
	switch (l4type) {
	case RTE_PTYPE_L4_TCP:
		if (lens.l4_len < RTAP_VNET_TCP_HLEN_MIN ||
		    off + lens.l4_len > dgram_end)
			return;
		f->l4 = IPPROTO_TCP;
		f->l4_len = lens.l4_len;
		break;
	case RTE_PTYPE_L4_UDP:
		if (off + RTAP_VNET_UDP_HLEN > dgram_end)
			return;
		f->l4 = IPPROTO_UDP;
		f->l4_len = RTAP_VNET_UDP_HLEN;
		break;
	case RTE_PTYPE_L4_SCTP:
		if (off + lens.l4_len > dgram_end)
			return;
		f->l4 = IPPROTO_SCTP;
		f->l4_len = lens.l4_len;
		break;
	default:
		/* fragment, other protocol, or a tunnel DPDK recognised */
		f->ptype |= ptype & (RTE_PTYPE_TUNNEL_MASK |
				     RTE_PTYPE_INNER_L2_MASK |
				     RTE_PTYPE_INNER_L3_MASK |
				     RTE_PTYPE_INNER_L4_MASK);
		f->ptype |= l4type;
		return;
	}
	f->ptype |= l4type;
}

void
rtap_vnet_write(struct rte_mbuf *m, uint32_t off, const void *src,
		uint32_t len)
{
	const uint8_t *s = src;

	while (m != NULL && len > 0) {
		uint32_t seg_len = rte_pktmbuf_data_len(m);

		if (off < seg_len) {
			uint32_t n = RTE_MIN(len, seg_len - off);

			memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), s,
			       n);
			s += n;
			len -= n;
			off = 0;
		} else {
			off -= seg_len;
		}
		m = m->next;
	}
}

/*
 * Finish a CHECKSUM_PARTIAL checksum we cannot hand to the application:
 * ones' complement of the sum from start to the end of the frame (the
 * field already holds the seed), stored at start + offset; 0 is sent as
 * 0xffff like skb_checksum_help() does (RFC 768: 0 means "no checksum").
 */
static int
rtap_vnet_csum_finish(struct rte_mbuf *m, uint32_t start, uint32_t offset)
{
	const struct rte_mbuf *seg;
	uint32_t off = start, done = 0, sum = 0;
	uint16_t csum;

	/*
	 * Per segment, folded to 16 bits before the odd-offset byte swap
	 * (RFC 1071 section 2(B)).  DPDK 22.11's rte_raw_cksum_mbuf() swaps
	 * the unfolded 32-bit sum and gets odd-length segments wrong.
	 */
	for (seg = m; seg != NULL; seg = seg->next) {
		uint32_t len = rte_pktmbuf_data_len(seg);
		uint16_t part;

		if (off >= len) {
			off -= len;
			continue;
		}
		part = __rte_raw_cksum_reduce(__rte_raw_cksum(
			rte_pktmbuf_mtod_offset(seg, const void *, off),
			len - off, 0));
		if (done & 1)
			part = rte_bswap16(part);
		sum += part;
		done += len - off;
		off = 0;
	}
	if (start + done != rte_pktmbuf_pkt_len(m))
		return -1;	/* chain shorter than pkt_len */
	csum = (uint16_t)~__rte_raw_cksum_reduce(sum);
	if (csum == 0)
		csum = 0xffff;
	/* Ones' complement sums are byte-order neutral: store as computed. */
	rtap_vnet_write(m, start + offset, &csum, sizeof(csum));
	return 0;
}

static void
rtap_vnet_rx_clear(struct rte_mbuf *m)
{
	m->ol_flags &= ~RTAP_VNET_RX_OL_MASK;
	m->packet_type = 0;
	m->tso_segsz = 0;
	m->l2_len = 0;
	m->l3_len = 0;
	m->l4_len = 0;
}

int
rtap_vnet_rx_decode(const struct virtio_net_hdr *hdr, struct rte_mbuf *m,
		    struct rtap_vnet_rx_info *info)
{
	struct rtap_vnet_rx_info dummy;
	struct rtap_vnet_frame f;
	uint64_t ol = 0;
	uint8_t flags = hdr->flags;
	uint8_t gso = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	uint8_t ecn = hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN;
	uint16_t gso_size = rte_le_to_cpu_16(hdr->gso_size);
	uint32_t start = rte_le_to_cpu_16(hdr->csum_start);
	uint32_t offset = rte_le_to_cpu_16(hdr->csum_offset);
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint32_t l4_min = 0;
	uint8_t gso_proto = 0;
	int partial = 0;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	rtap_vnet_rx_clear(m);

	/* RSC_INFO is for virtio devices only; tun never sets it. */
	if (flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
		      VIRTIO_NET_HDR_F_DATA_VALID))
		return RTAP_VNET_EBADHDR;

	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (ecn)
			return RTAP_VNET_EBADHDR;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		gso_proto = IPPROTO_TCP;
		l4_min = RTAP_VNET_TCP_HLEN_MIN;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		/* Same rules as virtio_net_hdr_to_skb(). */
		if (ecn || !(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			return RTAP_VNET_EBADHDR;
		gso_proto = IPPROTO_UDP;
		l4_min = RTAP_VNET_UDP_HLEN;
		break;
	default:
		/* GSO_UDP (UFO, gone since Linux 4.14) and anything unknown */
		return RTAP_VNET_EGSO;
	}
	if (gso_proto != 0 &&
	    (gso_size == 0 || gso_size == RTAP_VNET_GSO_BY_FRAGS))
		return RTAP_VNET_EBADHDR;

	if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* Kernel's bound: the whole L4 header and the field. */
		if (start + RTE_MAX(l4_min, offset + 2) > pkt_len ||
		    start < RTE_ETHER_HDR_LEN)
			return RTAP_VNET_ECSUM;
	}

	rtap_vnet_rx_parse(m, &f);

	if (gso_proto != 0) {
		uint8_t want_l3 = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? 4 :
				  gso == VIRTIO_NET_HDR_GSO_TCPV6 ? 6 : f.l3;

		if (f.l4 != gso_proto || f.l3 != want_l3 || f.l3 == 0)
			return RTAP_VNET_EBADHDR;
	}

	if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t l4_off = (uint32_t)f.l2_len + f.l3_len;

		if ((f.l4 == IPPROTO_TCP && start == l4_off &&
		     offset == RTAP_VNET_TCP_CSUM_OFF) ||
		    (f.l4 == IPPROTO_UDP && start == l4_off &&
		     offset == RTAP_VNET_UDP_CSUM_OFF)) {
			partial = 1;
		} else if (gso_proto != 0) {
			/* A GSO frame's checksum must be its L4 header's. */
			return RTAP_VNET_EBADHDR;
		} else {
			if (rtap_vnet_csum_finish(m, start, offset) != 0)
				return RTAP_VNET_ECSUM;
			/* The write may have hit a parsed header: describe
			 * the frame as it now is (found by fuzzing). */
			rtap_vnet_rx_parse(m, &f);
		}
	}

	/*
	 * NEEDS_CSUM wins over DATA_VALID if a peer sets both, as in the
	 * kernel's virtio_net_hdr_to_skb(): the data is still intact.
	 */
	if (partial) {
		ol |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		info->csum = RTAP_VNET_CSUM_PARTIAL;
	} else if (flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		if (f.l4 != 0)
			ol |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		info->csum = RTAP_VNET_CSUM_GOOD;
	}

	if (f.l3 == 4)
		ol |= f.ip_csum_bad ? RTE_MBUF_F_RX_IP_CKSUM_BAD :
				      RTE_MBUF_F_RX_IP_CKSUM_GOOD;

	if (gso_proto != 0) {
		ol |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = gso_size;
		info->gso = 1;
		info->ecn = ecn != 0;
	}

	m->ol_flags |= ol;
	m->packet_type = f.ptype;
	m->l2_len = f.l2_len;
	m->l3_len = f.l3_len;
	m->l4_len = f.l4_len;
	return RTAP_VNET_OK;
}

int
rtap_vnet_rx_csum_finish(struct rte_mbuf *m)
{
	uint32_t start = (uint32_t)m->l2_len + m->l3_len;
	uint32_t offset;

	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
	    RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return RTAP_VNET_OK;
	switch (m->packet_type & RTE_PTYPE_L4_MASK) {
	case RTE_PTYPE_L4_TCP:
		offset = RTAP_VNET_TCP_CSUM_OFF;
		break;
	case RTE_PTYPE_L4_UDP:
		offset = RTAP_VNET_UDP_CSUM_OFF;
		break;
	default:
		return RTAP_VNET_ECSUM;	/* rx_decode never flags others */
	}
	if (start + offset + 2 > rte_pktmbuf_pkt_len(m) ||
	    rtap_vnet_csum_finish(m, start, offset) != 0)
		return RTAP_VNET_ECSUM;
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) |
		      RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return RTAP_VNET_OK;
}

/*
 * Pseudo-header sum (RFC 793 / RFC 768 / RFC 8200 section 8.1), folded and
 * not complemented, as CHECKSUM_PARTIAL expects in the L4 checksum field.
 */
uint16_t
rtap_vnet_phdr_sum(const void *l3, int ipv, uint8_t proto, uint32_t l4_len)
{
	uint32_t sum;

	if (ipv == 4) {
		const struct rte_ipv4_hdr *ip = l3;

		sum = __rte_raw_cksum(&ip->src_addr, 8, 0);
	} else {
		const struct rte_ipv6_hdr *ip6 = l3;

		/* &: an array before 24.11, struct rte_ipv6_addr since */
		sum = __rte_raw_cksum(&ip6->src_addr, 32, 0);
	}
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)(l4_len >> 16));
	sum += rte_cpu_to_be_16((uint16_t)l4_len);
	return __rte_raw_cksum_reduce(sum);
}

int
rtap_vnet_tx_encode(struct rte_mbuf *m, struct virtio_net_hdr *hdr,
		    uint32_t peer)
{
	uint64_t ol = m->ol_flags;
	uint64_t l4_req = ol & RTE_MBUF_F_TX_L4_MASK;
	uint32_t l2 = m->l2_len, l3 = m->l3_len, l4 = m->l4_len;
	uint32_t seg0 = rte_pktmbuf_data_len(m);
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint32_t l4_total, hdrs, csum_off = 0, need_peer = 0;
	uint8_t proto = 0, gso_type = VIRTIO_NET_HDR_GSO_NONE;
	int any_proto = 0;	/* IPv6 extension headers: protocol unchecked */
	uint8_t *l3p;
	int ipv;

	memset(hdr, 0, sizeof(*hdr));
	if (!(ol & RTAP_VNET_TX_OL_MASK))
		return RTAP_VNET_OK;

	/* The legacy header has no tunnel fields; SCTP uses CRC32c. */
	if ((ol & RTAP_VNET_TX_TUNNEL_OL) ||
	    l4_req == RTE_MBUF_F_TX_SCTP_CKSUM)
		return RTAP_VNET_ETXOFL;
	if ((ol & RTE_MBUF_F_TX_TCP_SEG) && (ol & RTE_MBUF_F_TX_UDP_SEG))
		return RTAP_VNET_ETXOFL;
	if ((ol & RTE_MBUF_F_TX_TCP_SEG) &&
	    l4_req != RTE_MBUF_F_TX_L4_NO_CKSUM &&
	    l4_req != RTE_MBUF_F_TX_TCP_CKSUM)
		return RTAP_VNET_ETXOFL;
	if ((ol & RTE_MBUF_F_TX_UDP_SEG) &&
	    l4_req != RTE_MBUF_F_TX_L4_NO_CKSUM &&
	    l4_req != RTE_MBUF_F_TX_UDP_CKSUM)
		return RTAP_VNET_ETXOFL;

	/* L3: from the flags when given, checked against the packet. */
	if (l2 < RTE_ETHER_HDR_LEN || l2 + sizeof(struct rte_ipv4_hdr) > seg0)
		return RTAP_VNET_ETXOFL;
	l3p = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
	ipv = l3p[0] >> 4;
	if ((ol & RTE_MBUF_F_TX_IPV4) && (ol & RTE_MBUF_F_TX_IPV6))
		return RTAP_VNET_ETXOFL;
	if (((ol & RTE_MBUF_F_TX_IPV4) && ipv != 4) ||
	    ((ol & RTE_MBUF_F_TX_IPV6) && ipv != 6))
		return RTAP_VNET_ETXOFL;
	if (ipv == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3p;
		uint32_t tot = rte_be_to_cpu_16(ip->total_length);

		if (l3 != rte_ipv4_hdr_len(ip) || l3 < sizeof(*ip) ||
		    l2 + l3 > seg0 || tot < l3 || l2 + tot > pkt_len)
			return RTAP_VNET_ETXOFL;
		proto = ip->next_proto_id;
		l4_total = tot - l3;
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK |
				     RTE_IPV4_HDR_MF_FLAG))
			proto = 0;	/* no L4 offload on fragments */
	} else if (ipv == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3p;
		uint32_t dgram;

		if (ol & RTE_MBUF_F_TX_IP_CKSUM)
			return RTAP_VNET_ETXOFL;
		dgram = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (l3 < sizeof(*ip6) || l2 + l3 > seg0 || dgram < l3 ||
		    l2 + dgram > pkt_len)
			return RTAP_VNET_ETXOFL;
		/*
		 * With extension headers, l3_len says where L4 starts; only
		 * without them can we check the protocol.
		 */
		proto = ip6->proto;
		any_proto = l3 != sizeof(*ip6);
		l4_total = dgram - l3;
	} else {
		return RTAP_VNET_ETXOFL;
	}

	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		struct rte_tcp_hdr *th;

		if ((proto != IPPROTO_TCP && !any_proto) ||
		    l4 < RTAP_VNET_TCP_HLEN_MIN || m->tso_segsz == 0 ||
		    l2 + l3 + l4 > seg0 || l4_total < l4 ||
		    l2 + l3 + l4_total != pkt_len)
			return RTAP_VNET_ETXOFL;
		th = (struct rte_tcp_hdr *)(l3p + l3);
		if ((uint32_t)((th->data_off & 0xf0) >> 2) != l4)
			return RTAP_VNET_ETXOFL;
		proto = IPPROTO_TCP;
		csum_off = RTAP_VNET_TCP_CSUM_OFF;
		gso_type = ipv == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
				      VIRTIO_NET_HDR_GSO_TCPV6;
		need_peer = RTAP_VNET_PEER_CSUM | (ipv == 4 ?
			RTAP_VNET_PEER_TSO4 : RTAP_VNET_PEER_TSO6);
		/* RFC 3168: CWR must reach the peer's segmenter intact. */
		if (th->tcp_flags & RTAP_VNET_TCP_CWR) {
			gso_type |= VIRTIO_NET_HDR_GSO_ECN;
			need_peer |= RTAP_VNET_PEER_TSO_ECN;
		}
		hdrs = l2 + l3 + l4;
	} else if (ol & RTE_MBUF_F_TX_UDP_SEG) {
		struct rte_udp_hdr *uh;

		if ((proto != IPPROTO_UDP && !any_proto) ||
		    l4 != RTAP_VNET_UDP_HLEN || m->tso_segsz == 0 ||
		    l2 + l3 + l4 > seg0 || l4_total < l4 ||
		    l2 + l3 + l4_total != pkt_len)
			return RTAP_VNET_ETXOFL;
		uh = (struct rte_udp_hdr *)(l3p + l3);
		if (rte_be_to_cpu_16(uh->dgram_len) != l4_total)
			return RTAP_VNET_ETXOFL;
		proto = IPPROTO_UDP;
		csum_off = RTAP_VNET_UDP_CSUM_OFF;
		gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		need_peer = RTAP_VNET_PEER_CSUM | (ipv == 4 ?
			RTAP_VNET_PEER_USO4 : RTAP_VNET_PEER_USO6);
		hdrs = l2 + l3 + l4;
	} else if (l4_req == RTE_MBUF_F_TX_TCP_CKSUM) {
		if ((proto != IPPROTO_TCP && !any_proto) ||
		    l4_total < RTAP_VNET_TCP_HLEN_MIN ||
		    l2 + l3 + RTAP_VNET_TCP_HLEN_MIN > seg0)
			return RTAP_VNET_ETXOFL;
		proto = IPPROTO_TCP;
		csum_off = RTAP_VNET_TCP_CSUM_OFF;
		need_peer = RTAP_VNET_PEER_CSUM;
		hdrs = 0;
	} else if (l4_req == RTE_MBUF_F_TX_UDP_CKSUM) {
		struct rte_udp_hdr *uh;

		if ((proto != IPPROTO_UDP && !any_proto) ||
		    l4_total < RTAP_VNET_UDP_HLEN ||
		    l2 + l3 + RTAP_VNET_UDP_HLEN > seg0)
			return RTAP_VNET_ETXOFL;
		uh = (struct rte_udp_hdr *)(l3p + l3);
		if (rte_be_to_cpu_16(uh->dgram_len) != l4_total)
			return RTAP_VNET_ETXOFL;
		proto = IPPROTO_UDP;
		csum_off = RTAP_VNET_UDP_CSUM_OFF;
		need_peer = RTAP_VNET_PEER_CSUM;
		hdrs = 0;
	} else {
		hdrs = 0;	/* RTE_MBUF_F_TX_IP_CKSUM only */
	}
	if ((peer & need_peer) != need_peer)
		return RTAP_VNET_ETXOFL;

	/* Everything checked: now write the packet and the header. */
	if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3p;

		if (ipv != 4)
			return RTAP_VNET_ETXOFL;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (csum_off != 0) {
		uint16_t phdr = rtap_vnet_phdr_sum(l3p, ipv, proto, l4_total);

		memcpy(l3p + l3 + csum_off, &phdr, sizeof(phdr));
		hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = rte_cpu_to_le_16((uint16_t)(l2 + l3));
		hdr->csum_offset = rte_cpu_to_le_16((uint16_t)csum_off);
	}
	if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		hdr->gso_type = gso_type;
		hdr->gso_size = rte_cpu_to_le_16(m->tso_segsz);
		hdr->hdr_len = rte_cpu_to_le_16((uint16_t)hdrs);
	}
	return RTAP_VNET_OK;
}

unsigned int
rtap_vnet_tun_offload(uint64_t rx_offloads, int uso_supported)
{
	unsigned int tun = 0;

	/*
	 * TUN_F_CSUM lets the kernel hand us CHECKSUM_PARTIAL frames, whose
	 * L4 checksum is unfinished in the data: only for applications that
	 * look at the L4 checksum flags (or take LRO frames, which are always
	 * partial).  IPv4 header checksum alone does not qualify: we verify
	 * that one in software anyway.
	 */
	if (rx_offloads & (RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			   RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			   RTE_ETH_RX_OFFLOAD_TCP_LRO))
		tun |= TUN_F_CSUM;
	/* tun refuses TSO/USO without CSUM (set_offload() in tun.c). */
	if (rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO) {
		tun |= TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
		if (uso_supported)
			tun |= RTAP_TUN_F_USO4 | RTAP_TUN_F_USO6;
	}
	return tun;
}
