/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software segmentation of a kernel GSO frame (contract in rtap_seg.h).
 *
 * Why: a packet socket cannot be told which offloads the reader takes
 * (there is no TUNSETOFFLOAD for it), so with PACKET_VNET_HDR the kernel
 * hands over GSO skbs whole: a veth peer's TSO/USO sends and a NIC's GRO
 * frames, up to 64 KB.  A port whose application did not enable
 * RTE_ETH_RX_OFFLOAD_TCP_LRO must still never see a frame longer than
 * its MTU, as with any NIC, and must not lose the data either; so such a
 * frame is cut here into the frames the kernel would have put on a wire
 * (validate_xmit_skb() -> skb_gso_segment()).
 *
 * Pure: no I/O, no global state; mbufs come from the caller's pool.
 */

#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "rtap_seg.h"
#include "rtap_vnet.h"

#define RTAP_SEG_TCP_FIN	0x01
#define RTAP_SEG_TCP_PSH	0x08
#define RTAP_SEG_TCP_CWR	0x80
#define RTAP_SEG_IP_MF		0x2000
#define RTAP_SEG_IP_OFF		0x1fff
#define RTAP_SEG_CHAIN_MAX	64	/* mbufs per segment (jumbo MSS) */

/* Where the headers of the frame are, once validated. */
struct rtap_seg_layout {
	uint32_t l2;
	uint32_t l3;
	uint32_t l4;
	int ipv;
	uint8_t proto;
};

static int
rtap_seg_parse(const struct virtio_net_hdr *hdr, const uint8_t *f,
	       uint32_t len, struct rtap_seg_layout *lo)
{
	uint8_t gso = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	uint16_t type;
	uint32_t off = RTE_ETHER_HDR_LEN;
	int vlans = 0;

	if (hdr->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
			   VIRTIO_NET_HDR_F_DATA_VALID))
		return RTAP_SEG_EINVAL;
	if (len < off)
		return RTAP_SEG_EINVAL;
	memcpy(&type, f + 12, sizeof(type));
	/* 802.1Q / 802.1ad tags, as the kernel's GSO skips them. */
	while ((type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) && vlans < 2) {
		if (len < off + 4)
			return RTAP_SEG_EINVAL;
		memcpy(&type, f + off + 2, sizeof(type));
		off += 4;
		vlans++;
	}
	lo->l2 = off;
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)(f + off);
		uint16_t frag;

		if (len < off + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
			return RTAP_SEG_EINVAL;
		lo->l3 = (uint32_t)(ip->version_ihl & 0xf) * 4;
		memcpy(&frag, &ip->fragment_offset, sizeof(frag));
		frag = rte_be_to_cpu_16(frag);
		if (lo->l3 < sizeof(*ip) || len < off + lo->l3 ||
		    (frag & (RTAP_SEG_IP_MF | RTAP_SEG_IP_OFF)) != 0)
			return RTAP_SEG_EINVAL;
		lo->ipv = 4;
		lo->proto = ip->next_proto_id;
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const void *)(f + off);

		if (len < off + sizeof(*ip6) ||
		    (f[off] >> 4) != 6)
			return RTAP_SEG_EINVAL;
		/* No extension headers: the L4 header follows directly. */
		lo->l3 = sizeof(*ip6);
		lo->ipv = 6;
		lo->proto = ip6->proto;
	} else {
		return RTAP_SEG_EINVAL;
	}
	off += lo->l3;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (lo->proto != IPPROTO_TCP ||
		    lo->ipv != (gso == VIRTIO_NET_HDR_GSO_TCPV4 ? 4 : 6) ||
		    len < off + sizeof(struct rte_tcp_hdr))
			return RTAP_SEG_EINVAL;
		lo->l4 = (uint32_t)(f[off + 12] >> 4) * 4;
		if (lo->l4 < sizeof(struct rte_tcp_hdr))
			return RTAP_SEG_EINVAL;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		/* Same rule as virtio_net_hdr_to_skb(): USO is always
		 * CHECKSUM_PARTIAL, and carries no ECN. */
		if (lo->proto != IPPROTO_UDP ||
		    (hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN) ||
		    !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			return RTAP_SEG_EINVAL;
		lo->l4 = sizeof(struct rte_udp_hdr);
		break;
	default:
		return RTAP_SEG_EINVAL;
	}
	/* A partial checksum must be the L4 header's own, as for
	 * rtap_vnet_rx_decode(). */
	if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (rte_le_to_cpu_16(hdr->csum_start) != off ||
	     rte_le_to_cpu_16(hdr->csum_offset) !=
	     (lo->proto == IPPROTO_TCP ?
	      offsetof(struct rte_tcp_hdr, cksum) :
	      offsetof(struct rte_udp_hdr, dgram_cksum))))
		return RTAP_SEG_EINVAL;
	if (len <= off + lo->l4 || off + lo->l4 > RTAP_SEG_HDR_MAX)
		return RTAP_SEG_EINVAL;	/* no payload to cut */
	return 0;
}

/* A chain of flen bytes in seg_room pieces, or NULL. */
static struct rte_mbuf *
rtap_seg_chain(struct rte_mempool *mp, uint16_t seg_room, uint32_t flen)
{
	struct rte_mbuf *seg[RTAP_SEG_CHAIN_MAX];
	uint32_t nseg = (flen + seg_room - 1) / seg_room, left = flen, j;

	if (nseg == 0 || nseg > RTE_DIM(seg) ||
	    rte_pktmbuf_alloc_bulk(mp, seg, nseg) != 0)
		return NULL;
	for (j = 0; j < nseg; j++) {
		seg[j]->data_len = (uint16_t)RTE_MIN(left, seg_room);
		left -= seg[j]->data_len;
		seg[j]->next = j + 1 < nseg ? seg[j + 1] : NULL;
	}
	seg[0]->pkt_len = flen;
	seg[0]->nb_segs = (uint16_t)nseg;
	return seg[0];
}

int
rtap_seg_split(const struct virtio_net_hdr *hdr, const uint8_t *frame,
	       uint32_t len, struct rte_mempool *mp, uint16_t seg_room,
	       struct rte_mbuf **out, struct virtio_net_hdr *out_hdr,
	       uint16_t max_out)
{
	uint8_t h[RTAP_SEG_HDR_MAX];
	struct rtap_seg_layout lo;
	uint32_t hlen, pay, mss, nseg, done, i;
	uint16_t ip_id = 0, csum_off;
	uint32_t seq = 0;
	uint8_t tcp_flags = 0;

	if (rtap_seg_parse(hdr, frame, len, &lo) != 0)
		return RTAP_SEG_EINVAL;
	mss = rte_le_to_cpu_16(hdr->gso_size);
	hlen = lo.l2 + lo.l3 + lo.l4;
	pay = len - hlen;
	if (mss == 0 || seg_room == 0)
		return RTAP_SEG_EINVAL;
	nseg = (pay + mss - 1) / mss;
	if (nseg > max_out)
		return RTAP_SEG_E2BIG;
	if (lo.ipv == 4) {
		const struct rte_ipv4_hdr *ip =
			(const void *)(frame + lo.l2);

		ip_id = rte_be_to_cpu_16(ip->packet_id);
	}
	if (lo.proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th =
			(const void *)(frame + lo.l2 + lo.l3);

		seq = rte_be_to_cpu_32(th->sent_seq);
		tcp_flags = th->tcp_flags;
		csum_off = offsetof(struct rte_tcp_hdr, cksum);
	} else {
		csum_off = offsetof(struct rte_udp_hdr, dgram_cksum);
	}
	for (i = 0, done = 0; i < nseg; i++, done += mss) {
		uint32_t plen = RTE_MIN(mss, pay - done);
		uint32_t l4_len = lo.l4 + plen;
		uint8_t *l3 = h + lo.l2, *l4 = l3 + lo.l3;
		uint16_t phdr;

		memcpy(h, frame, hlen);
		if (lo.ipv == 4) {
			struct rte_ipv4_hdr *ip = (void *)l3;

			ip->total_length = rte_cpu_to_be_16(
				(uint16_t)(lo.l3 + l4_len));
			ip->packet_id = rte_cpu_to_be_16(
				(uint16_t)(ip_id + i));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, lo.l3);
		} else {
			struct rte_ipv6_hdr *ip6 = (void *)l3;

			ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		}
		if (lo.proto == IPPROTO_TCP) {
			struct rte_tcp_hdr *th = (void *)l4;

			th->sent_seq = rte_cpu_to_be_32(seq + done);
			th->tcp_flags = tcp_flags;
			if (i + 1 < nseg)
				th->tcp_flags &= (uint8_t)~(RTAP_SEG_TCP_FIN |
							    RTAP_SEG_TCP_PSH);
			if (i > 0)
				th->tcp_flags &= (uint8_t)~RTAP_SEG_TCP_CWR;
		} else {
			struct rte_udp_hdr *uh = (void *)l4;

			uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4_len);
		}
		phdr = rtap_vnet_phdr_sum(l3, lo.ipv, lo.proto, l4_len);
		memcpy(l4 + csum_off, &phdr, sizeof(phdr));
		out[i] = rtap_seg_chain(mp, seg_room, hlen + plen);
		if (out[i] == NULL) {
			while (i > 0)
				rte_pktmbuf_free(out[--i]);
			return RTAP_SEG_ENOMEM;
		}
		rtap_vnet_write(out[i], 0, h, hlen);
		rtap_vnet_write(out[i], hlen, frame + hlen + done, plen);
		memset(&out_hdr[i], 0, sizeof(out_hdr[i]));
		out_hdr[i].flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		out_hdr[i].gso_type = VIRTIO_NET_HDR_GSO_NONE;
		out_hdr[i].csum_start = rte_cpu_to_le_16(
			(uint16_t)(lo.l2 + lo.l3));
		out_hdr[i].csum_offset = rte_cpu_to_le_16(csum_off);
	}
	return (int)nseg;
}
