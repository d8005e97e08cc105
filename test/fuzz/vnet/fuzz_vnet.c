/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for rtap_vnet.c.
 *
 * Input: bytes 0-9 are a struct virtio_net_hdr as the kernel (or a
 * malicious peer) would write it; byte 10 is a control byte; the rest is
 * the frame.  Control bit 7 selects Tx mode; bits 0-6 give the segment
 * size of the mbuf chain (0: one segment), so headers straddle segments.
 *
 * The mbufs are built by hand over malloc()ed buffers of exactly the
 * segment length, with no mempool and no EAL, so AddressSanitizer sees any
 * read or write past a segment.
 *
 * Rx mode: rtap_vnet_rx_decode() on the frame, then invariants: error =>
 * offload fields cleared; success => lengths inside the frame, LRO only on
 * TCP/UDP with tso_segsz, CKSUM_NONE only with NEEDS_CSUM.  A decoded frame
 * is then re-encoded for Tx from its Rx description and, if that succeeds,
 * decoded again: both decodes must describe the same packet.
 *
 * Tx mode: header bytes 0-7 become ol_flags/lengths/tso_segsz/peer, then
 * rtap_vnet_tx_encode(); error => zero header; success => header fields
 * inside the frame and consistent.
 *
 * Built as a libFuzzer target (clang -fsanitize=fuzzer) and, with
 * regress_main.c, as a plain program that replays the corpus in `make test`.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "rtap_vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FRAME	65535
#define FUZZ_MAX_SEGS	1024
#define FUZZ_HDR	10
#define FUZZ_CTL_TX	0x80

#define FUZZ_RX_OL	(RTE_MBUF_F_RX_IP_CKSUM_MASK | \
			 RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_LRO)

#define FUZZ_ASSERT(c) do { \
	if (!(c)) { \
		fprintf(stderr, "fuzz_vnet: invariant failed, line %d: %s\n", \
			__LINE__, #c); \
		abort(); \
	} \
} while (0)

static void
fuzz_free(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		free(m->buf_addr);
		free(m);
		m = next;
	}
}

/* A chain over exact-size heap buffers; segsz 0: one segment. */
static struct rte_mbuf *
fuzz_mbuf(const uint8_t *frame, uint32_t len, uint32_t segsz)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t off = 0;

	if (segsz == 0 || (len + segsz - 1) / segsz > FUZZ_MAX_SEGS)
		segsz = len;
	do {
		uint32_t n = RTE_MIN(segsz, len - off);
		struct rte_mbuf *m = aligned_alloc(RTE_CACHE_LINE_SIZE,
			RTE_ALIGN_CEIL(sizeof(*m), RTE_CACHE_LINE_SIZE));

		if (m == NULL)
			abort();
		memset(m, 0, sizeof(*m));
		m->buf_addr = malloc(n ? n : 1);
		if (m->buf_addr == NULL)
			abort();
		if (n)
			memcpy(m->buf_addr, frame + off, n);
		m->buf_len = (uint16_t)n;
		m->data_off = 0;
		m->data_len = (uint16_t)n;
		m->nb_segs = 1;
		rte_mbuf_refcnt_set(m, 1);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
		}
		tail = m;
		off += n;
	} while (off < len);
	head->pkt_len = len;
	return head;
}

static void
fuzz_linear(const struct rte_mbuf *m, uint8_t *out)
{
	for (; m != NULL; m = m->next) {
		memcpy(out, rte_pktmbuf_mtod(m, const void *), m->data_len);
		out += m->data_len;
	}
}

static int
fuzz_valid_rc(int rc)
{
	return rc == RTAP_VNET_OK || rc == RTAP_VNET_EBADHDR ||
	       rc == RTAP_VNET_EGSO || rc == RTAP_VNET_ECSUM;
}

static void
fuzz_check_rx(const struct virtio_net_hdr *h, const struct rte_mbuf *m,
	      const struct rtap_vnet_rx_info *info, int rc)
{
	uint32_t l4 = m->packet_type & RTE_PTYPE_L4_MASK;

	FUZZ_ASSERT(fuzz_valid_rc(rc));
	if (rc != RTAP_VNET_OK) {
		FUZZ_ASSERT((m->ol_flags & FUZZ_RX_OL) == 0);
		FUZZ_ASSERT(m->packet_type == 0 && m->tso_segsz == 0);
		FUZZ_ASSERT(m->l2_len == 0 && m->l3_len == 0 &&
			    m->l4_len == 0);
		FUZZ_ASSERT(info->csum == 0 && info->gso == 0 &&
			    info->ecn == 0);
		return;
	}
	FUZZ_ASSERT((uint32_t)m->l2_len + m->l3_len + m->l4_len <=
		    m->pkt_len);
	FUZZ_ASSERT((m->ol_flags & ~FUZZ_RX_OL) == 0);
	if (m->ol_flags & RTE_MBUF_F_RX_LRO) {
		FUZZ_ASSERT(m->tso_segsz != 0 && info->gso == 1);
		FUZZ_ASSERT(l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP);
		FUZZ_ASSERT(m->l4_len != 0);
	} else {
		FUZZ_ASSERT(m->tso_segsz == 0 && info->gso == 0 &&
			    info->ecn == 0);
		FUZZ_ASSERT(h->gso_type == VIRTIO_NET_HDR_GSO_NONE);
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
	    RTE_MBUF_F_RX_L4_CKSUM_NONE) {
		FUZZ_ASSERT(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
		FUZZ_ASSERT(info->csum == RTAP_VNET_CSUM_PARTIAL);
		FUZZ_ASSERT(l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP);
		FUZZ_ASSERT(rte_le_to_cpu_16(h->csum_start) ==
			    m->l2_len + m->l3_len);
	}
	if (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK)
		FUZZ_ASSERT(RTE_ETH_IS_IPV4_HDR(m->packet_type));
	if (m->l4_len != 0)
		FUZZ_ASSERT(l4 == RTE_PTYPE_L4_TCP ||
			    l4 == RTE_PTYPE_L4_UDP ||
			    l4 == RTE_PTYPE_L4_SCTP);
}

/*
 * Describe the decoded frame back as a Tx request; if the encoder takes
 * it, the decoder must read the same packet out of the encoder's header.
 */
static void
fuzz_round_trip(const struct rte_mbuf *rx, const uint8_t *frame,
		uint32_t len)
{
	struct rte_mbuf *m = fuzz_mbuf(frame, len, 0);
	struct rtap_vnet_rx_info info;
	struct virtio_net_hdr h;
	uint32_t l4 = rx->packet_type & RTE_PTYPE_L4_MASK;
	uint64_t ol = 0;
	int rc;

	if (RTE_ETH_IS_IPV4_HDR(rx->packet_type))
		ol |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else if (RTE_ETH_IS_IPV6_HDR(rx->packet_type))
		ol |= RTE_MBUF_F_TX_IPV6;
	if (l4 == RTE_PTYPE_L4_TCP)
		ol |= RTE_MBUF_F_TX_TCP_CKSUM;
	else if (l4 == RTE_PTYPE_L4_UDP)
		ol |= RTE_MBUF_F_TX_UDP_CKSUM;
	if (rx->ol_flags & RTE_MBUF_F_RX_LRO)
		ol |= l4 == RTE_PTYPE_L4_TCP ? RTE_MBUF_F_TX_TCP_SEG :
					       RTE_MBUF_F_TX_UDP_SEG;
	m->ol_flags = ol;
	m->l2_len = rx->l2_len;
	m->l3_len = rx->l3_len;
	m->l4_len = rx->l4_len;
	m->tso_segsz = rx->tso_segsz;
	rc = rtap_vnet_tx_encode(m, &h, UINT32_MAX);
	FUZZ_ASSERT(rc == RTAP_VNET_OK || rc == RTAP_VNET_ETXOFL);
	if (rc == RTAP_VNET_OK) {
		m->ol_flags = 0;	/* as a fresh Rx mbuf */
		rc = rtap_vnet_rx_decode(&h, m, &info);
		fuzz_check_rx(&h, m, &info, rc);
		FUZZ_ASSERT(rc == RTAP_VNET_OK);
		FUZZ_ASSERT(m->packet_type == rx->packet_type);
		FUZZ_ASSERT(m->l2_len == rx->l2_len &&
			    m->l3_len == rx->l3_len &&
			    m->l4_len == rx->l4_len);
		FUZZ_ASSERT((m->ol_flags & RTE_MBUF_F_RX_LRO) ==
			    (rx->ol_flags & RTE_MBUF_F_RX_LRO));
		FUZZ_ASSERT(m->tso_segsz == rx->tso_segsz);
		/* IP_CKSUM was asked for: the header checksum is now good */
		if (RTE_ETH_IS_IPV4_HDR(m->packet_type))
			FUZZ_ASSERT((m->ol_flags &
				     RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
				    RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	}
	fuzz_free(m);
}

static void
fuzz_rx(const struct virtio_net_hdr *h, const uint8_t *frame, uint32_t len,
	uint32_t segsz)
{
	static uint8_t lin[FUZZ_MAX_FRAME];
	struct rte_mbuf *m = fuzz_mbuf(frame, len, segsz);
	struct rtap_vnet_rx_info info;
	int rc;

	rc = rtap_vnet_rx_decode(h, m, &info);
#ifdef FUZZ_VNET_TRACE
	fprintf(stderr, "rx rc %d ol 0x%" PRIx64 " ptype 0x%x lens %u/%u/%u "
		"segsz %u\n", rc, m->ol_flags, m->packet_type, m->l2_len,
		m->l3_len, m->l4_len, m->tso_segsz);
#endif
	fuzz_check_rx(h, m, &info, rc);
	if (rc == RTAP_VNET_OK) {
		fuzz_linear(m, lin);
		fuzz_round_trip(m, lin, len);
	}
	fuzz_free(m);
}

static void
fuzz_tx(const uint8_t *hb, const uint8_t *frame, uint32_t len,
	uint32_t segsz)
{
	static const uint64_t l4req[4] = {
		RTE_MBUF_F_TX_L4_NO_CKSUM, RTE_MBUF_F_TX_TCP_CKSUM,
		RTE_MBUF_F_TX_UDP_CKSUM, RTE_MBUF_F_TX_SCTP_CKSUM,
	};
	struct rte_mbuf *m = fuzz_mbuf(frame, len, segsz);
	struct virtio_net_hdr h;
	uint64_t ol = l4req[hb[0] & 3];
	int rc;

	if (hb[0] & 0x04)
		ol |= RTE_MBUF_F_TX_IP_CKSUM;
	if (hb[0] & 0x08)
		ol |= RTE_MBUF_F_TX_IPV4;
	if (hb[0] & 0x10)
		ol |= RTE_MBUF_F_TX_IPV6;
	if (hb[0] & 0x20)
		ol |= RTE_MBUF_F_TX_TCP_SEG;
	if (hb[0] & 0x40)
		ol |= RTE_MBUF_F_TX_UDP_SEG;
	if (hb[0] & 0x80)
		ol |= RTE_MBUF_F_TX_OUTER_IPV4;
	m->ol_flags = ol;
	m->l2_len = hb[1] & 0x7f;
	m->l3_len = (uint16_t)(hb[2] | (hb[1] & 0x80) << 1);
	m->l4_len = hb[3];
	m->tso_segsz = (uint16_t)(hb[4] | hb[5] << 8);
	memset(&h, 0x5a, sizeof(h));
	rc = rtap_vnet_tx_encode(m, &h, hb[6]);
#ifdef FUZZ_VNET_TRACE
	fprintf(stderr, "tx rc %d flags %u gso %u hdr_len %u gso_size %u "
		"start %u off %u\n", rc, h.flags, h.gso_type, h.hdr_len,
		h.gso_size, h.csum_start, h.csum_offset);
#endif
	FUZZ_ASSERT(rc == RTAP_VNET_OK || rc == RTAP_VNET_ETXOFL);
	if (rc != RTAP_VNET_OK) {
		static const struct virtio_net_hdr zero;

		FUZZ_ASSERT(memcmp(&h, &zero, sizeof(h)) == 0);
	} else if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t start = rte_le_to_cpu_16(h.csum_start);
		uint32_t off = rte_le_to_cpu_16(h.csum_offset);

		FUZZ_ASSERT(h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
		FUZZ_ASSERT(start == (uint32_t)m->l2_len + m->l3_len);
		FUZZ_ASSERT(off == 16 || off == 6);
		FUZZ_ASSERT(start + off + 2 <= len);
		if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			FUZZ_ASSERT(rte_le_to_cpu_16(h.gso_size) ==
				    m->tso_segsz && m->tso_segsz != 0);
			FUZZ_ASSERT(rte_le_to_cpu_16(h.hdr_len) <= len);
		}
	} else {
		FUZZ_ASSERT(h.flags == 0 && h.gso_type == 0 &&
			    h.gso_size == 0 && h.hdr_len == 0 &&
			    h.csum_start == 0 && h.csum_offset == 0);
	}
	fuzz_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr h;
	uint8_t ctl;
	uint32_t len;

	if (size < FUZZ_HDR + 1 || size - FUZZ_HDR - 1 > FUZZ_MAX_FRAME)
		return 0;
	memcpy(&h, data, sizeof(h));
	ctl = data[FUZZ_HDR];
	len = (uint32_t)(size - FUZZ_HDR - 1);
	if (ctl & FUZZ_CTL_TX)
		fuzz_tx(data, data + FUZZ_HDR + 1, len, ctl & 0x7f);
	else
		fuzz_rx(&h, data + FUZZ_HDR + 1, len, ctl & 0x7f);
	return 0;
}
