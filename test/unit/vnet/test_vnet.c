/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of rtap_vnet.c: virtio-net header <-> mbuf offload fields.
 *
 * Real IPv4/IPv6 TCP/UDP frames in real mbufs (EAL in memory, no
 * hugepages), every Rx case repeated over several segmentations so headers
 * straddle segments, byte-exact header expectations (the header is built
 * and compared as little-endian bytes, not through the struct), checksums
 * checked with an independent RFC 1071 implementation written here, and a
 * Tx -> Rx round trip.  Also rtap_seg.c, the software segmentation of
 * kernel GSO frames for queues without LRO: every segment's headers,
 * payload bytes and finished checksum against the same references.  Exit
 * status 0 only if every check passed.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rtap_seg.h"
#include "rtap_vnet.h"

/* ------------------------------------------------------------------ */
/* Minimal test harness                                                */

static const char *cur_test = "";
static unsigned int n_checks, n_fails;

static void __rte_format_printf(2, 3)
fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	n_fails++;
	fprintf(stderr, "FAIL line %d [%s]: ", line, cur_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK(cond) do { \
	n_checks++; \
	if (!(cond)) \
		fail_at(__LINE__, "%s", #cond); \
} while (0)

#define CHECK_EQ(a, b) do { \
	unsigned long long a_ = (unsigned long long)(a); \
	unsigned long long b_ = (unsigned long long)(b); \
	n_checks++; \
	if (a_ != b_) \
		fail_at(__LINE__, "%s = 0x%llx, expected %s = 0x%llx", \
			#a, a_, #b, b_); \
} while (0)

/* ------------------------------------------------------------------ */
/* Independent reference checksum (RFC 1071), big-endian words.        */

static uint32_t
ref_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------------ */
/* Frame builder                                                       */

#define FBUF_MAX 70000

struct fspec {
	int vlan;		/* one 802.1Q tag */
	int ipv;		/* 4, 6, or 0 for an ARP frame */
	int ip_opts;		/* IPv4 option bytes, multiple of 4 */
	int ext;		/* IPv6 hop-by-hop header bytes, 8 * n */
	uint8_t proto;		/* IPPROTO_TCP / UDP / ICMP */
	int tcp_opts;		/* TCP option bytes, multiple of 4 */
	uint8_t tcp_flags;
	uint32_t payload;
	int seed;		/* L4 checksum field = pseudo-header sum only */
};

struct frame {
	uint8_t b[FBUF_MAX];
	uint32_t len;
	uint32_t l2, l3, l4;	/* header lengths */
	uint32_t l4_total;	/* L4 header + payload */
	uint32_t csum_field;	/* offset of the L4 checksum field */
};

static uint16_t
ref_phdr(const struct frame *f, const struct fspec *s)
{
	const uint8_t *ip = f->b + f->l2;
	uint32_t sum = 0;

	if (s->ipv == 4)
		sum = ref_add(sum, ip + 12, 8);
	else
		sum = ref_add(sum, ip + 8, 32);
	sum += s->proto;
	sum += f->l4_total;
	return ref_fold(sum);
}

/* 0xffff if the L4 checksum of f verifies. */
static uint16_t
ref_l4_verify(const struct frame *f, const struct fspec *s)
{
	uint32_t sum = ref_phdr(f, s);

	sum = ref_add(sum, f->b + f->l2 + f->l3, f->l4_total);
	return ref_fold(sum);
}

static void
build(struct frame *f, const struct fspec *s)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *p = f->b, *ip, *l4;
	uint32_t i, off;

	memset(f, 0, sizeof(*f));
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	off = 12;
	if (s->vlan) {
		put16(p + off, 0x8100);
		put16(p + off + 2, 0x0064);	/* VID 100 */
		off += 4;
	}
	if (s->ipv == 0) {
		put16(p + off, 0x0806);
		off += 2;
		/* ARP request body, 28 bytes */
		for (i = 0; i < 28; i++)
			p[off + i] = (uint8_t)i;
		f->len = off + 28;
		f->l2 = off;
		return;
	}
	put16(p + off, s->ipv == 4 ? 0x0800 : 0x86dd);
	off += 2;
	f->l2 = off;
	ip = p + off;
	f->l3 = s->ipv == 4 ? 20 + s->ip_opts : 40 + s->ext;
	/* UDP header or ICMP echo header: both 8 bytes */
	f->l4 = s->proto == IPPROTO_TCP ? 20 + s->tcp_opts : 8;
	f->l4_total = f->l4 + s->payload;
	f->len = f->l2 + f->l3 + f->l4_total;
	if (s->ipv == 4) {
		ip[0] = 0x40 | (f->l3 / 4);
		ip[1] = 0;
		put16(ip + 2, f->l3 + f->l4_total);
		put16(ip + 4, 0x1234);
		put16(ip + 6, 0x4000);		/* DF */
		ip[8] = 64;
		ip[9] = s->proto;
		/* 198.18.0.1 -> 198.19.0.2 */
		ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
		ip[16] = 198; ip[17] = 19; ip[18] = 0; ip[19] = 2;
		for (i = 20; i < f->l3; i++)
			ip[i] = 1;		/* NOP options */
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, f->l3)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, f->l3 - 40 + f->l4_total);
		ip[6] = s->ext ? 0 : s->proto;	/* 0: hop-by-hop */
		ip[7] = 64;
		/* 2001:2::1 -> 2001:2::2 */
		ip[8] = 0x20; ip[9] = 0x01; ip[11] = 0x02; ip[23] = 1;
		ip[24] = 0x20; ip[25] = 0x01; ip[27] = 0x02; ip[39] = 2;
		if (s->ext) {
			ip[40] = s->proto;	/* next header */
			ip[41] = (uint8_t)(s->ext / 8 - 1);
			ip[42] = 1;		/* PadN, 4 bytes */
			ip[43] = 4;		/* then Pad1 (zeros) */
		}
	}
	l4 = ip + f->l3;
	if (s->proto == IPPROTO_TCP) {
		put16(l4, 40000);
		put16(l4 + 2, 5201);
		put16(l4 + 4, 0x0102); put16(l4 + 6, 0x0304);	/* seq */
		l4[12] = (uint8_t)((f->l4 / 4) << 4);
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x18;	/* PSH|ACK */
		put16(l4 + 14, 0xffff);
		for (i = 20; i < f->l4; i++)
			l4[i] = 1;			/* NOP options */
		f->csum_field = f->l2 + f->l3 + 16;
	} else if (s->proto == IPPROTO_UDP) {
		put16(l4, 40000);
		put16(l4 + 2, 4789);
		put16(l4 + 4, f->l4_total);
		f->csum_field = f->l2 + f->l3 + 6;
	} else {
		l4[0] = 8;				/* ICMP echo */
		put16(l4 + 4, 0x4242);
		f->csum_field = f->l2 + f->l3 + 2;
	}
	for (i = 0; i < s->payload; i++)
		l4[f->l4 + i] = (uint8_t)(i * 7 + 3);
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		uint16_t c;

		put16(f->b + f->csum_field, 0);
		if (s->seed) {
			c = ref_phdr(f, s);
		} else {
			c = (uint16_t)~ref_l4_verify(f, s);
			if (c == 0 && s->proto == IPPROTO_UDP)
				c = 0xffff;
		}
		put16(f->b + f->csum_field, c);
	} else {
		put16(l4 + 2, (uint16_t)~ref_fold(ref_add(0, l4,
					f->l4_total)));
	}
}

/* ------------------------------------------------------------------ */
/* mbufs                                                               */

static struct rte_mempool *pool;

/* Copy data into a chain whose segments hold segsz bytes (0: as few as
 * possible).  The first segment may be given a different size. */
static struct rte_mbuf *
mk_mbuf(const uint8_t *data, uint32_t len, uint32_t first, uint32_t segsz)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t room;
		uint32_t n;
		char *dst;

		if (m == NULL) {
			fprintf(stderr, "mbuf pool exhausted\n");
			exit(1);
		}
		room = rte_pktmbuf_tailroom(m);
		n = off == 0 && first ? first : segsz ? segsz : room;
		n = RTE_MIN(RTE_MIN(n, (uint32_t)room), len - off);
		dst = rte_pktmbuf_append(m, (uint16_t)n);
		if (n > 0)
			memcpy(dst, data + off, n);
		off += n;
		/* chained by hand: rte_pktmbuf_chain() walks the chain */
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
	} while (off < len);
	return head;
}

static void
mbuf_bytes(const struct rte_mbuf *m, uint8_t *out)
{
	const void *p = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), out);

	if (p != out)
		memcpy(out, p, rte_pktmbuf_pkt_len(m));
}

static void
mkhdr(struct virtio_net_hdr *h, uint8_t flags, uint8_t gso_type,
      uint16_t hdr_len, uint16_t gso_size, uint16_t start, uint16_t off)
{
	/* virtio 1.0 layout, little endian, byte by byte. */
	uint8_t b[10] = {
		flags, gso_type,
		hdr_len & 0xff, hdr_len >> 8,
		gso_size & 0xff, gso_size >> 8,
		start & 0xff, start >> 8,
		off & 0xff, off >> 8,
	};

	memcpy(h, b, sizeof(b));
}

/* ------------------------------------------------------------------ */
/* Rx                                                                  */

struct rx_exp {
	int rc;
	uint64_t ol;
	uint32_t ptype;
	uint16_t l2, l3, l4;
	uint16_t segsz;
	uint8_t csum, gso, ecn;
};

static uint8_t rx_out[FBUF_MAX];

/*
 * Decode hdr with frame data under several segmentations; every one must
 * give exp, and the data must come out as want (NULL: unchanged).
 */
static void
rx_case(const char *name, const struct virtio_net_hdr *hdr,
	const uint8_t *data, uint32_t len, const struct rx_exp *e,
	const uint8_t *want)
{
	static const uint32_t small[] = { 0, 1, 2, 3, 7, 13, 16, 37, 64 };
	static const uint32_t big[] = { 0, 1000, 1499 };
	const uint32_t *segs = len <= 4096 ? small : big;
	unsigned int nsegs = len <= 4096 ? RTE_DIM(small) : RTE_DIM(big);
	unsigned int i, fails_before = n_fails;

	cur_test = name;
	for (i = 0; i < nsegs; i++) {
		struct rte_mbuf *m = mk_mbuf(data, len, 0, segs[i]);
		struct rtap_vnet_rx_info info;
		int rc;

		/* Leftovers a recycled mbuf could carry must go. */
		m->ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_BAD;
		m->packet_type = RTE_PTYPE_TUNNEL_GRE;
		m->tso_segsz = 77;
		memset(&info, 0xee, sizeof(info));
		rc = rtap_vnet_rx_decode(hdr, m, &info);
		if (rc != e->rc)
			fail_at(__LINE__, "segsz %u: rc %d, expected %d",
				segs[i], rc, e->rc);
		CHECK_EQ(m->ol_flags, e->ol);
		CHECK_EQ(m->packet_type, e->ptype);
		CHECK_EQ(m->l2_len, e->l2);
		CHECK_EQ(m->l3_len, e->l3);
		CHECK_EQ(m->l4_len, e->l4);
		CHECK_EQ(m->tso_segsz, e->segsz);
		CHECK_EQ(info.csum, e->csum);
		CHECK_EQ(info.gso, e->gso);
		CHECK_EQ(info.ecn, e->ecn);
		CHECK_EQ(rte_pktmbuf_pkt_len(m), len);
		mbuf_bytes(m, rx_out);
		n_checks++;
		if (memcmp(rx_out, want ? want : data, len) != 0)
			fail_at(__LINE__, "segsz %u: frame data differs",
				segs[i]);
		rte_pktmbuf_free(m);
		/* rc and flags must not depend on where segments split */
		if (n_fails != fails_before)
			break;
	}
	/* info may be NULL */
	{
		struct rte_mbuf *m = mk_mbuf(data, len, 0, 0);

		CHECK_EQ(rtap_vnet_rx_decode(hdr, m, NULL), e->rc);
		rte_pktmbuf_free(m);
	}
}

#define P4TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP)
#define P4UDP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP)
#define P6TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP)
#define P6UDP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP)
#define IPG RTE_MBUF_F_RX_IP_CKSUM_GOOD
#define NEEDS VIRTIO_NET_HDR_F_NEEDS_CSUM
#define VALID VIRTIO_NET_HDR_F_DATA_VALID

static struct frame fr, fr2;

static void
test_rx_basic(void)
{
	struct virtio_net_hdr h;
	struct fspec s;
	struct rx_exp e;
	static const struct {
		int ipv;
		uint8_t proto;
		uint32_t ptype;
	} kinds[] = {
		{ 4, IPPROTO_TCP, P4TCP }, { 4, IPPROTO_UDP, P4UDP },
		{ 6, IPPROTO_TCP, P6TCP }, { 6, IPPROTO_UDP, P6UDP },
	};
	unsigned int k;

	for (k = 0; k < RTE_DIM(kinds); k++) {
		uint16_t l3 = kinds[k].ipv == 4 ? 20 : 40;
		uint16_t l4 = kinds[k].proto == IPPROTO_TCP ? 20 : 8;
		uint16_t csoff = kinds[k].proto == IPPROTO_TCP ? 16 : 6;
		uint64_t ipg = kinds[k].ipv == 4 ? IPG : 0;

		memset(&s, 0, sizeof(s));
		s.ipv = kinds[k].ipv;
		s.proto = kinds[k].proto;
		s.payload = 100;
		build(&fr, &s);

		/* No information at all. */
		mkhdr(&h, 0, 0, 0, 0, 0, 0);
		e = (struct rx_exp){ 0, ipg, kinds[k].ptype, 14, l3, l4,
				     0, RTAP_VNET_CSUM_NONE, 0, 0 };
		rx_case("rx none", &h, fr.b, fr.len, &e, NULL);
		CHECK_EQ(ref_l4_verify(&fr, &s), 0xffff);

		/* DATA_VALID: checksum verified by the kernel. */
		mkhdr(&h, VALID, 0, 0, 0, 0, 0);
		e.ol = ipg | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		e.csum = RTAP_VNET_CSUM_GOOD;
		rx_case("rx data_valid", &h, fr.b, fr.len, &e, NULL);

		/* NEEDS_CSUM: field holds the pseudo-header sum only. */
		s.seed = 1;
		build(&fr, &s);
		mkhdr(&h, NEEDS, 0, 0, 0, 14 + l3, csoff);
		e.ol = ipg | RTE_MBUF_F_RX_L4_CKSUM_NONE;
		e.csum = RTAP_VNET_CSUM_PARTIAL;
		rx_case("rx needs_csum", &h, fr.b, fr.len, &e, NULL);

		/* Both bits: NEEDS_CSUM wins, as in the kernel. */
		mkhdr(&h, NEEDS | VALID, 0, 0, 0, 14 + l3, csoff);
		rx_case("rx needs_csum+data_valid", &h, fr.b, fr.len, &e,
			NULL);

		/* GSO, with and without ECN (TCP only), 64 KB frame. */
		if (kinds[k].ipv == 6)
			s.payload = 65535 - l4;	/* payload_len max */
		else
			s.payload = 65535 - l3 - l4;	/* tot_len max */
		build(&fr, &s);
		{
			uint8_t gt = kinds[k].proto == IPPROTO_UDP ?
				VIRTIO_NET_HDR_GSO_UDP_L4 :
				kinds[k].ipv == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
				VIRTIO_NET_HDR_GSO_TCPV6;

			mkhdr(&h, NEEDS, gt, 14 + l3 + l4, 1448, 14 + l3,
			      csoff);
			e.ol = ipg | RTE_MBUF_F_RX_L4_CKSUM_NONE |
			       RTE_MBUF_F_RX_LRO;
			e.segsz = 1448;
			e.gso = 1;
			rx_case("rx gso", &h, fr.b, fr.len, &e, NULL);
			if (kinds[k].proto == IPPROTO_TCP) {
				mkhdr(&h, NEEDS, gt | VIRTIO_NET_HDR_GSO_ECN,
				      14 + l3 + l4, 1448, 14 + l3, csoff);
				e.ecn = 1;
				rx_case("rx gso ecn", &h, fr.b, fr.len, &e,
					NULL);
				e.ecn = 0;
				/* TCP GSO with DATA_VALID is legal too. */
				s.seed = 0;
				build(&fr, &s);
				mkhdr(&h, VALID, gt, 0, 536, 0, 0);
				e.ol = ipg | RTE_MBUF_F_RX_L4_CKSUM_GOOD |
				       RTE_MBUF_F_RX_LRO;
				e.segsz = 536;
				e.csum = RTAP_VNET_CSUM_GOOD;
				rx_case("rx gso data_valid", &h, fr.b, fr.len,
					&e, NULL);
			} else {
				/* GSO_UDP_L4 needs NEEDS_CSUM (kernel rule) */
				mkhdr(&h, VALID, gt, 0, 1448, 0, 0);
				e = (struct rx_exp){ RTAP_VNET_EBADHDR, 0, 0,
						     0, 0, 0, 0, 0, 0, 0 };
				rx_case("rx uso without needs_csum", &h, fr.b,
					fr.len, &e, NULL);
			}
		}
	}
}

static void
test_rx_layouts(void)
{
	struct virtio_net_hdr h;
	struct fspec s;
	struct rx_exp e;

	/* VLAN tag: csum_start counts it (tun adds vlan_hlen). */
	memset(&s, 0, sizeof(s));
	s.vlan = 1;
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 300;
	s.seed = 1;
	build(&fr, &s);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 100, 18 + 20, 16);
	e = (struct rx_exp){ 0, IPG | RTE_MBUF_F_RX_L4_CKSUM_NONE |
			     RTE_MBUF_F_RX_LRO,
			     RTE_PTYPE_L2_ETHER_VLAN | RTE_PTYPE_L3_IPV4 |
			     RTE_PTYPE_L4_TCP, 18, 20, 20, 100,
			     RTAP_VNET_CSUM_PARTIAL, 1, 0 };
	rx_case("rx vlan gso", &h, fr.b, fr.len, &e, NULL);

	/* IPv4 options and TCP options. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.ip_opts = 4;
	s.proto = IPPROTO_TCP;
	s.tcp_opts = 12;
	s.payload = 1000;
	s.seed = 1;
	build(&fr, &s);
	mkhdr(&h, NEEDS, 0, 0, 0, 14 + 24, 16);
	e = (struct rx_exp){ 0, IPG | RTE_MBUF_F_RX_L4_CKSUM_NONE,
			     RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT |
			     RTE_PTYPE_L4_TCP, 14, 24, 32, 0,
			     RTAP_VNET_CSUM_PARTIAL, 0, 0 };
	rx_case("rx ipv4 options", &h, fr.b, fr.len, &e, NULL);

	/* IPv6 hop-by-hop extension header, UDP GSO. */
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.ext = 8;
	s.proto = IPPROTO_UDP;
	s.payload = 3000;
	s.seed = 1;
	build(&fr, &s);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 0, 1200, 14 + 48, 6);
	e = (struct rx_exp){ 0, RTE_MBUF_F_RX_L4_CKSUM_NONE |
			     RTE_MBUF_F_RX_LRO,
			     RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT |
			     RTE_PTYPE_L4_UDP, 14, 48, 8, 1200,
			     RTAP_VNET_CSUM_PARTIAL, 1, 0 };
	rx_case("rx ipv6 ext uso", &h, fr.b, fr.len, &e, NULL);

	/* Bad IPv4 header checksum is reported, not dropped. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 20;
	build(&fr, &s);
	fr.b[14 + 10] ^= 0x01;
	mkhdr(&h, VALID, 0, 0, 0, 0, 0);
	e = (struct rx_exp){ 0, RTE_MBUF_F_RX_IP_CKSUM_BAD |
			     RTE_MBUF_F_RX_L4_CKSUM_GOOD, P4UDP, 14, 20, 8,
			     0, RTAP_VNET_CSUM_GOOD, 0, 0 };
	rx_case("rx bad ip csum", &h, fr.b, fr.len, &e, NULL);

	/* Ethernet padding after a short datagram is fine. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 2;
	build(&fr, &s);
	memset(fr.b + fr.len, 0, 60 - fr.len);
	e = (struct rx_exp){ 0, IPG | RTE_MBUF_F_RX_L4_CKSUM_GOOD, P4UDP,
			     14, 20, 8, 0, RTAP_VNET_CSUM_GOOD, 0, 0 };
	rx_case("rx padded", &h, fr.b, 60, &e, NULL);

	/* ARP: L2 only, no offload info. */
	memset(&s, 0, sizeof(s));
	build(&fr, &s);
	mkhdr(&h, 0, 0, 0, 0, 0, 0);
	e = (struct rx_exp){ 0, 0, RTE_PTYPE_L2_ETHER, 14, 0, 0, 0,
			     RTAP_VNET_CSUM_NONE, 0, 0 };
	rx_case("rx arp", &h, fr.b, fr.len, &e, NULL);

	/* Runt frames: nothing to parse, no crash. */
	e = (struct rx_exp){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	rx_case("rx 0 bytes", &h, fr.b, 0, &e, NULL);
	rx_case("rx 13 bytes", &h, fr.b, 13, &e, NULL);

	/* IPv4 header whose datagram is cut short: L2 only, no offload. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 100;
	build(&fr, &s);
	e = (struct rx_exp){ 0, 0, RTE_PTYPE_L2_ETHER, 14, 0, 0, 0,
			     RTAP_VNET_CSUM_NONE, 0, 0 };
	rx_case("rx truncated datagram", &h, fr.b, fr.len - 1, &e, NULL);
	/* ... and DATA_VALID on it cannot mark an L4 checksum good. */
	mkhdr(&h, VALID, 0, 0, 0, 0, 0);
	e.csum = RTAP_VNET_CSUM_GOOD;
	rx_case("rx truncated datagram valid", &h, fr.b, fr.len - 1, &e,
		NULL);
}

/* Headers that parse but cannot be trusted or described. */
static void
test_rx_odd_headers(void)
{
	static const struct rx_exp ebad = { RTAP_VNET_EBADHDR, 0, 0, 0, 0, 0,
					    0, 0, 0, 0 };
	struct virtio_net_hdr h;
	struct fspec s;
	struct rx_exp e;

	/* UDP header cut by the IP total length (frame padded to 60). */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 0;
	build(&fr, &s);
	put16(fr.b + 16, 20 + 6);
	put16(fr.b + 24, 0);
	put16(fr.b + 24, (uint16_t)~ref_fold(ref_add(0, fr.b + 14, 20)));
	memset(fr.b + fr.len, 0, 60 - fr.len);
	mkhdr(&h, VALID, 0, 0, 0, 0, 0);
	e = (struct rx_exp){ 0, IPG, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4,
			     14, 20, 0, 0, RTAP_VNET_CSUM_GOOD, 0, 0 };
	rx_case("rx udp header past datagram", &h, fr.b, 60, &e, NULL);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 0, 1000, 34, 6);
	rx_case("rx uso udp header past datagram", &h, fr.b, 60, &ebad, NULL);

	/* IPv6 extension headers longer than mbuf l3_len can hold (511). */
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.ext = 472;		/* l3_len 512 */
	s.proto = IPPROTO_UDP;
	s.payload = 100;
	build(&fr, &s);
	mkhdr(&h, VALID, 0, 0, 0, 0, 0);
	e = (struct rx_exp){ 0, 0, RTE_PTYPE_L2_ETHER, 14, 0, 0, 0,
			     RTAP_VNET_CSUM_GOOD, 0, 0 };
	rx_case("rx ipv6 l3_len 512", &h, fr.b, fr.len, &e, NULL);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 0, 1000, 14 + 512, 6);
	rx_case("rx uso ipv6 l3_len 512", &h, fr.b, fr.len, &ebad, NULL);
	/* ... while 504 bytes still fit */
	s.ext = 464;
	build(&fr, &s);
	mkhdr(&h, VALID, 0, 0, 0, 0, 0);
	e = (struct rx_exp){ 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
			     RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT |
			     RTE_PTYPE_L4_UDP, 14, 504, 8, 0,
			     RTAP_VNET_CSUM_GOOD, 0, 0 };
	rx_case("rx ipv6 l3_len 504", &h, fr.b, fr.len, &e, NULL);
}

/*
 * NEEDS_CSUM that does not point at the parsed TCP/UDP checksum: finished
 * in software so the frame is delivered with a correct checksum.
 */
static void
test_rx_sw_csum(void)
{
	struct virtio_net_hdr h;
	struct fspec s;
	struct rx_exp e;
	uint32_t l4off;

	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_ICMP;
	s.payload = 57;		/* odd length */
	build(&fr, &s);
	l4off = fr.l2 + fr.l3;
	memcpy(&fr2, &fr, sizeof(fr));
	/* The kernel would hand the field as 0 (ICMP has no pseudo-header) */
	put16(fr.b + l4off + 2, 0);
	mkhdr(&h, NEEDS, 0, 0, 0, l4off, 2);
	e = (struct rx_exp){ 0, IPG, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4,
			     14, 20, 0, 0, RTAP_VNET_CSUM_NONE, 0, 0 };
	rx_case("rx sw csum icmp", &h, fr.b, fr.len, &e, fr2.b);
	CHECK_EQ(ref_fold(ref_add(0, fr2.b + l4off, fr2.l4_total)), 0xffff);

	/*
	 * A UDP frame whose csum_start points past the UDP header (as for a
	 * tunnel's inner header): the bytes at start+offset get the sum of
	 * [start, end) folded and complemented.
	 */
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.proto = IPPROTO_UDP;
	s.payload = 64;
	build(&fr, &s);
	memcpy(&fr2, &fr, sizeof(fr));
	{
		uint32_t start = fr.l2 + fr.l3 + 8 + 16, off = 6;
		uint16_t c;

		put16(fr.b + start + off, 0x1234);	/* seed */
		memcpy(fr2.b, fr.b, fr.len);
		c = (uint16_t)~ref_fold(ref_add(0, fr.b + start,
						fr.len - start));
		put16(fr2.b + start + off, c ? c : 0xffff);
		mkhdr(&h, NEEDS, 0, 0, 0, start, off);
		e = (struct rx_exp){ 0, 0, P6UDP, 14, 40, 8, 0,
				     RTAP_VNET_CSUM_NONE, 0, 0 };
		rx_case("rx sw csum inner", &h, fr.b, fr.len, &e, fr2.b);
		/* the seed is part of the sum, like a pseudo-header */
		CHECK_EQ(ref_fold(ref_add(0x1234, fr2.b + start,
					  fr.len - start)), 0xffff);

		/* field in the last two bytes of the frame: still inside */
		start = fr.len - 10;
		off = 8;
		memcpy(fr2.b, fr.b, fr.len);
		put16(fr2.b + start + off, 0);
		c = (uint16_t)~ref_fold(ref_add(0, fr.b + start, 8));
		put16(fr2.b + start + off, c ? c : 0xffff);
		memcpy(fr.b + start + off, "\0\0", 2);
		mkhdr(&h, NEEDS, 0, 0, 0, start, off);
		rx_case("rx sw csum at end", &h, fr.b, fr.len, &e, fr2.b);
	}
}

/*
 * rtap_vnet_rx_csum_finish(): a partial-checksum frame (pseudo-header seed
 * in the field, as the kernel hands it) comes out with a checksum that
 * verifies, flagged GOOD, for TCP/UDP over IPv4/IPv6 and for a GSO frame
 * under several segmentations; frames without the NONE flag are untouched.
 */
static void
test_rx_csum_finish(void)
{
	static const struct { int ipv; uint8_t proto; uint32_t payload; uint8_t gso; } c[] = {
		{ 4, IPPROTO_TCP, 100, 0 }, { 4, IPPROTO_UDP, 33, 0 },
		{ 6, IPPROTO_TCP, 1, 0 }, { 6, IPPROTO_UDP, 1400, 0 },
		{ 4, IPPROTO_TCP, 60000, VIRTIO_NET_HDR_GSO_TCPV4 },
		{ 6, IPPROTO_TCP, 30001, VIRTIO_NET_HDR_GSO_TCPV6 },
	};
	static const uint32_t segsz[] = { 0, 7, 333 };
	struct virtio_net_hdr h;
	struct rtap_vnet_rx_info info;
	struct fspec s;
	unsigned int i, j;

	cur_test = "rx csum finish";
	for (i = 0; i < RTE_DIM(c); i++) {
		memset(&s, 0, sizeof(s));
		s.ipv = c[i].ipv;
		s.proto = c[i].proto;
		s.payload = c[i].payload;
		s.seed = 1;
		build(&fr, &s);
		mkhdr(&h, NEEDS, c[i].gso, 0, c[i].gso ? 1448 : 0,
		      fr.l2 + fr.l3, fr.csum_field - fr.l2 - fr.l3);
		for (j = 0; j < RTE_DIM(segsz); j++) {
			/* tiny segments only for small frames: pool size */
			struct rte_mbuf *m = mk_mbuf(fr.b, fr.len, 0,
				segsz[j] * (fr.len > 2000 ? 3 : 1));

			CHECK_EQ(rtap_vnet_rx_decode(&h, m, &info), RTAP_VNET_OK);
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_NONE);
			CHECK_EQ(rtap_vnet_rx_csum_finish(m), RTAP_VNET_OK);
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
			CHECK_EQ(!!(m->ol_flags & RTE_MBUF_F_RX_LRO), !!c[i].gso);
			mbuf_bytes(m, fr2.b);
			fr2.len = fr.len;
			fr2.l2 = fr.l2;
			fr2.l3 = fr.l3;
			fr2.l4_total = fr.l4_total;
			CHECK_EQ(ref_l4_verify(&fr2, &s), 0xffff);
			/* only the checksum field changed */
			CHECK_EQ(memcmp(fr2.b, fr.b, fr.csum_field), 0);
			CHECK_EQ(memcmp(fr2.b + fr.csum_field + 2,
					fr.b + fr.csum_field + 2,
					fr.len - fr.csum_field - 2), 0);
			/* a second call is a no-op */
			CHECK_EQ(rtap_vnet_rx_csum_finish(m), RTAP_VNET_OK);
			mbuf_bytes(m, rx_out);
			CHECK_EQ(memcmp(rx_out, fr2.b, fr.len), 0);
			rte_pktmbuf_free(m);
		}
	}
}

/* The software checksum comes out as 0: sent as 0xffff (RFC 768). */
static void
test_rx_sw_csum_zero(void)
{
	struct virtio_net_hdr h;
	struct fspec s;
	struct rx_exp e;
	uint32_t l4off, fix;

	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_ICMP;
	s.payload = 40;
	build(&fr, &s);
	l4off = fr.l2 + fr.l3;
	put16(fr.b + l4off + 2, 0);
	/* choose one payload word so that the whole sum is 0xffff */
	fix = l4off + 8;
	put16(fr.b + fix, 0);
	put16(fr.b + fix, (uint16_t)~ref_fold(ref_add(0, fr.b + l4off,
						     fr.l4_total)));
	CHECK_EQ(ref_fold(ref_add(0, fr.b + l4off, fr.l4_total)), 0xffff);
	memcpy(&fr2, &fr, sizeof(fr));
	put16(fr2.b + l4off + 2, 0xffff);
	mkhdr(&h, NEEDS, 0, 0, 0, l4off, 2);
	e = (struct rx_exp){ 0, IPG, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4,
			     14, 20, 0, 0, RTAP_VNET_CSUM_NONE, 0, 0 };
	rx_case("rx sw csum zero", &h, fr.b, fr.len, &e, fr2.b);
}

/*
 * A peer's csum_start/offset may point into the IP header: the software
 * checksum then rewrites parsed bytes, and what we report must describe
 * the frame as delivered (a zero-header decode of the result agrees).
 */
static void
test_rx_sw_csum_in_header(void)
{
	static const struct { uint16_t start, off; } c[] = {
		{ 14, 8 }, { 14, 6 }, { 14, 0 }, { 19, 0 }, { 16, 6 },
		{ 14, 22 }, { 30, 10 },
	};
	struct virtio_net_hdr h, zero;
	struct fspec s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 100;
	mkhdr(&zero, 0, 0, 0, 0, 0, 0);
	cur_test = "rx sw csum in header";
	for (i = 0; i < RTE_DIM(c); i++) {
		struct rte_mbuf *m, *m2;
		int rc;

		build(&fr, &s);
		m = mk_mbuf(fr.b, fr.len, 0, 5);
		mkhdr(&h, NEEDS, 0, 0, 0, c[i].start, c[i].off);
		rc = rtap_vnet_rx_decode(&h, m, NULL);
		CHECK_EQ(rc, 0);
		mbuf_bytes(m, rx_out);
		n_checks++;
		if (memcmp(rx_out, fr.b, fr.len) == 0)
			fail_at(__LINE__, "case %u: nothing written", i);
		m2 = mk_mbuf(rx_out, fr.len, 0, 0);
		CHECK_EQ(rtap_vnet_rx_decode(&zero, m2, NULL), 0);
		CHECK_EQ(m->packet_type, m2->packet_type);
		CHECK_EQ(m->l3_len, m2->l3_len);
		CHECK_EQ(m->l4_len, m2->l4_len);
		CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
			 m2->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m2);
	}
}

static void
test_rx_errors(void)
{
	static const struct rx_exp ebad = { RTAP_VNET_EBADHDR, 0, 0, 0, 0, 0,
					    0, 0, 0, 0 };
	static const struct rx_exp egso = { RTAP_VNET_EGSO, 0, 0, 0, 0, 0,
					    0, 0, 0, 0 };
	static const struct rx_exp ecsum = { RTAP_VNET_ECSUM, 0, 0, 0, 0, 0,
					     0, 0, 0, 0 };
	static const uint8_t bad_gso[] = { 2, 3, 6, 7, 0x7f, 0x83, 0x85 };
	struct virtio_net_hdr h;
	struct fspec s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 3000;
	s.seed = 1;
	build(&fr, &s);

	/* flags: RSC_INFO and unknown bits */
	for (i = 2; i < 8; i++) {
		mkhdr(&h, (uint8_t)(1u << i), 0, 0, 0, 0, 0);
		rx_case("rx unknown flag", &h, fr.b, fr.len, &ebad, NULL);
	}
	/* unknown / unsupported gso types (3 = UFO) */
	for (i = 0; i < RTE_DIM(bad_gso); i++) {
		mkhdr(&h, NEEDS, bad_gso[i], 0, 1448, 34, 16);
		rx_case("rx unknown gso", &h, fr.b, fr.len,
			bad_gso[i] == 0x85 ? &ebad : &egso, NULL);
	}
	/* ECN without GSO */
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_ECN, 0, 0, 34, 16);
	rx_case("rx ecn without gso", &h, fr.b, fr.len, &ebad, NULL);
	/* gso_size 0 and GSO_BY_FRAGS */
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 0, 34, 16);
	rx_case("rx gso_size 0", &h, fr.b, fr.len, &ebad, NULL);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 0xffff, 34, 16);
	rx_case("rx gso_size 0xffff", &h, fr.b, fr.len, &ebad, NULL);
	/* GSO type vs parsed L3/L4 */
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV6, 0, 1448, 34, 16);
	rx_case("rx tcpv6 on ipv4", &h, fr.b, fr.len, &ebad, NULL);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 0, 1448, 34, 6);
	rx_case("rx udp_l4 on tcp", &h, fr.b, fr.len, &ebad, NULL);
	/* GSO whose checksum does not point at its L4 header */
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 34, 6);
	rx_case("rx gso csum_offset mismatch", &h, fr.b, fr.len, &ebad, NULL);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 38, 16);
	rx_case("rx gso csum_start mismatch", &h, fr.b, fr.len, &ebad, NULL);
	/* csum_start/offset outside the frame */
	mkhdr(&h, NEEDS, 0, 0, 0, (uint16_t)fr.len, 0);
	rx_case("rx csum_start = len", &h, fr.b, fr.len, &ecsum, NULL);
	mkhdr(&h, NEEDS, 0, 0, 0, (uint16_t)(fr.len - 1), 0);
	rx_case("rx csum field past end", &h, fr.b, fr.len, &ecsum, NULL);
	mkhdr(&h, NEEDS, 0, 0, 0, 34, 0xffff);
	rx_case("rx csum_offset 0xffff", &h, fr.b, fr.len, &ecsum, NULL);
	mkhdr(&h, NEEDS, 0, 0, 0, 0xffff, 0xffff);
	rx_case("rx csum both 0xffff", &h, fr.b, fr.len, &ecsum, NULL);
	mkhdr(&h, NEEDS, 0, 0, 0, 4, 0);
	rx_case("rx csum_start in l2", &h, fr.b, fr.len, &ecsum, NULL);
	/* GSO frame shorter than the L4 header the csum bound needs */
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 34, 16);
	rx_case("rx tcp header cut", &h, fr.b, 34 + 19, &ecsum, NULL);

	/* IPv6 frame with GSO_TCPV4 */
	s.ipv = 6;
	build(&fr, &s);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 54, 16);
	rx_case("rx tcpv4 on ipv6", &h, fr.b, fr.len, &ebad, NULL);

	/* Truncated L4: datagram (and frame) ends inside the TCP header. */
	s.ipv = 4;
	s.payload = 0;
	s.tcp_opts = 0;
	build(&fr, &s);
	fr.b[14 + 3] = 20 + 10;		/* tot_len: 10 bytes of TCP */
	fr.b[14 + 10] = 0;
	fr.b[14 + 11] = 0;
	put16(fr.b + 14 + 10, (uint16_t)~ref_fold(ref_add(0, fr.b + 14, 20)));
	mkhdr(&h, 0, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 0, 0);
	rx_case("rx gso truncated tcp", &h, fr.b, 44, &ebad, NULL);
	mkhdr(&h, NEEDS, 0, 0, 0, 34, 16);
	rx_case("rx needs_csum truncated tcp", &h, fr.b, 44, &ecsum, NULL);

	/* TCP data offset below 5 words. */
	s.payload = 100;
	build(&fr, &s);
	fr.b[34 + 12] = 4 << 4;
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 34, 16);
	rx_case("rx tcp doff 4", &h, fr.b, fr.len, &ebad, NULL);
	/* TCP data offset beyond the datagram. */
	fr.b[34 + 12] = 15 << 4;
	s.payload = 20;
	build(&fr, &s);
	fr.b[34 + 12] = 15 << 4;
	rx_case("rx tcp doff past end", &h, fr.b, fr.len, &ebad, NULL);

	/* IP version nibble lies: 0x46 in an IPv6 ethertype frame */
	s.ipv = 6;
	s.payload = 100;
	build(&fr, &s);
	fr.b[14] = 0x45;
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV6, 0, 1448, 54, 16);
	rx_case("rx ipv6 bad version", &h, fr.b, fr.len, &ebad, NULL);
	/* IPv6 payload_len larger than the frame */
	build(&fr, &s);
	fr.b[14 + 4] = 0x7f;
	rx_case("rx ipv6 payload_len past end", &h, fr.b, fr.len, &ebad,
		NULL);

	/* IPv4 IHL < 5 */
	s.ipv = 4;
	build(&fr, &s);
	fr.b[14] = 0x44;
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 34, 16);
	rx_case("rx ihl 4", &h, fr.b, fr.len, &ebad, NULL);
	/* IPv4 fragment with GSO */
	build(&fr, &s);
	fr.b[14 + 6] = 0x20;		/* MF */
	rx_case("rx gso on fragment", &h, fr.b, fr.len, &ebad, NULL);

	/* GSO on ARP */
	memset(&s, 0, sizeof(s));
	build(&fr, &s);
	mkhdr(&h, 0, VIRTIO_NET_HDR_GSO_TCPV4, 0, 1448, 0, 0);
	rx_case("rx gso on arp", &h, fr.b, fr.len, &ebad, NULL);
}

/* ------------------------------------------------------------------ */
/* Tx                                                                  */

#define PEER_ALL (RTAP_VNET_PEER_CSUM | RTAP_VNET_PEER_TSO4 | \
		  RTAP_VNET_PEER_TSO6 | RTAP_VNET_PEER_TSO_ECN | \
		  RTAP_VNET_PEER_USO4 | RTAP_VNET_PEER_USO6)

static uint8_t tx_out[FBUF_MAX];

struct tx_req {
	uint64_t ol;
	uint16_t l2, l3, l4, segsz;
	uint32_t peer;
	uint32_t first;		/* first segment size, 0: full */
};

/*
 * Encode; compare the header bytes with want_hdr and the frame with
 * want (NULL: unchanged).  On success, decode the result again (Tx -> Rx
 * round trip) and check it describes the same packet.
 */
static void
tx_case(const char *name, const struct frame *f, const struct tx_req *r,
	int want_rc, const struct virtio_net_hdr *want_hdr,
	const uint8_t *want, uint32_t want_ptype)
{
	struct rte_mbuf *m = mk_mbuf(f->b, f->len, r->first, 0);
	struct virtio_net_hdr h;
	struct rtap_vnet_rx_info info;
	int rc;

	cur_test = name;
	m->ol_flags = r->ol;
	m->l2_len = r->l2;
	m->l3_len = r->l3;
	m->l4_len = r->l4;
	m->tso_segsz = r->segsz;
	memset(&h, 0xaa, sizeof(h));
	rc = rtap_vnet_tx_encode(m, &h, r->peer);
	CHECK_EQ(rc, want_rc);
	n_checks++;
	if (memcmp(&h, want_hdr, sizeof(h)) != 0) {
		const uint8_t *a = (const uint8_t *)&h;
		const uint8_t *b = (const uint8_t *)want_hdr;

		fail_at(__LINE__, "hdr %02x %02x %02x%02x %02x%02x %02x%02x "
			"%02x%02x, expected %02x %02x %02x%02x %02x%02x "
			"%02x%02x %02x%02x", a[0], a[1], a[2], a[3], a[4],
			a[5], a[6], a[7], a[8], a[9], b[0], b[1], b[2], b[3],
			b[4], b[5], b[6], b[7], b[8], b[9]);
	}
	mbuf_bytes(m, tx_out);
	n_checks++;
	if (memcmp(tx_out, want ? want : f->b, f->len) != 0)
		fail_at(__LINE__, "frame data differs");

	if (rc == 0 && want_ptype != 0) {
		rte_pktmbuf_free(m);
		m = mk_mbuf(tx_out, f->len, 0, 0);
		rc = rtap_vnet_rx_decode(&h, m, &info);
		CHECK_EQ(rc, 0);
		CHECK_EQ(m->packet_type, want_ptype);
		CHECK_EQ(m->l2_len, r->l2);
		CHECK_EQ(m->l3_len, r->l3);
		if (r->l4)
			CHECK_EQ(m->l4_len, r->l4);
		if (h.gso_type != 0) {
			CHECK(m->ol_flags & RTE_MBUF_F_RX_LRO);
			CHECK_EQ(m->tso_segsz, r->segsz);
			CHECK_EQ(info.ecn,
				 !!(h.gso_type & VIRTIO_NET_HDR_GSO_ECN));
		} else {
			CHECK(!(m->ol_flags & RTE_MBUF_F_RX_LRO));
		}
		if (h.flags & NEEDS)
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_NONE);
		if (want_ptype & RTE_PTYPE_L3_IPV4)
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
				 RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	}
	rte_pktmbuf_free(m);
}

/* What the kernel does with NEEDS_CSUM (skb_checksum_help), then verify. */
static void
kernel_finish_and_verify(uint8_t *b, uint32_t len, uint32_t start,
			 uint32_t off, const struct frame *f,
			 const struct fspec *s)
{
	struct frame *tmp = malloc(sizeof(*tmp));
	uint16_t c = (uint16_t)~ref_fold(ref_add(0, b + start, len - start));

	put16(b + start + off, c);
	memcpy(tmp, f, sizeof(*tmp));
	memcpy(tmp->b, b, len);
	CHECK_EQ(ref_l4_verify(tmp, s), 0xffff);
	free(tmp);
}

static void
test_tx(void)
{
	static const struct virtio_net_hdr zero;
	struct virtio_net_hdr h;
	struct tx_req r;
	struct fspec s;
	static uint8_t want[FBUF_MAX];
	uint16_t ph;

	/* No offload: all-zero header, frame untouched. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 500;
	build(&fr, &s);
	r = (struct tx_req){ 0, 14, 20, 20, 0, PEER_ALL, 0 };
	tx_case("tx none", &fr, &r, 0, &zero, NULL, 0);
	/* VLAN insert etc. is not ours: still a zero header */
	r.ol = RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_IPV4;
	tx_case("tx no l3/l4 offload", &fr, &r, 0, &zero, NULL, 0);

	/* IPv4 header checksum in software. */
	memcpy(want, fr.b, fr.len);
	fr.b[24] = 0xde;
	fr.b[25] = 0xad;
	r = (struct tx_req){ RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4,
			     14, 20, 0, 0, 0, 0 };
	tx_case("tx ip cksum", &fr, &r, 0, &zero, want, P4TCP);
	CHECK_EQ(ref_fold(ref_add(0, want + 14, 20)), 0xffff);
	{
		/* and DPDK's own function agrees */
		struct rte_ipv4_hdr ip;
		uint16_t stored;

		memcpy(&ip, want + 14, 20);
		memcpy(&stored, want + 24, 2);
		ip.hdr_checksum = 0;
		CHECK_EQ(rte_ipv4_cksum(&ip), stored);
	}
	build(&fr, &s);

	/* TCP checksum, IPv4, chained payload. */
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	{
		/* cross-check the reference with DPDK's pseudo-header */
		struct rte_ipv4_hdr ip;

		memcpy(&ip, fr.b + 14, 20);
		CHECK_EQ(rte_be_to_cpu_16(rte_ipv4_phdr_cksum(&ip, 0)), ph);
	}
	mkhdr(&h, NEEDS, 0, 0, 0, 34, 16);
	r = (struct tx_req){ RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4,
			     14, 20, 20, 0, RTAP_VNET_PEER_CSUM, 100 };
	tx_case("tx tcp4 cksum", &fr, &r, 0, &h, want, P4TCP);
	kernel_finish_and_verify(want, fr.len, 34, 16, &fr, &s);
	/* IPv4 and L4 together, IPV4 flag left out (inferred). */
	r.ol = RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IP_CKSUM;
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	tx_case("tx tcp4+ip cksum", &fr, &r, 0, &h, want, P4TCP);

	/* UDP checksum over IPv6. */
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.proto = IPPROTO_UDP;
	s.payload = 333;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	{
		struct rte_ipv6_hdr ip6;

		memcpy(&ip6, fr.b + 14, 40);
		CHECK_EQ(rte_be_to_cpu_16(rte_ipv6_phdr_cksum(&ip6, 0)), ph);
	}
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, 0, 0, 0, 54, 6);
	r = (struct tx_req){ RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV6,
			     14, 40, 8, 0, RTAP_VNET_PEER_CSUM, 0 };
	tx_case("tx udp6 cksum", &fr, &r, 0, &h, want, P6UDP);
	kernel_finish_and_verify(want, fr.len, 54, 6, &fr, &s);

	/* IPv6 with an extension header: csum_start after it. */
	s.ext = 8;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, 0, 0, 0, 62, 6);
	r.l3 = 48;
	tx_case("tx udp6 ext cksum", &fr, &r, 0, &h, want,
		RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP);
	kernel_finish_and_verify(want, fr.len, 62, 6, &fr, &s);

	/* TSO IPv4, 64 KB chained, TCP options, with and without CWR. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.tcp_opts = 12;
	s.payload = 65535 - 20 - 32;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	want[24] = fr.b[24];
	want[25] = fr.b[25];
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4, 14 + 20 + 32, 1448, 34, 16);
	r = (struct tx_req){ RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
			     RTE_MBUF_F_TX_IP_CKSUM, 14, 20, 32, 1448,
			     PEER_ALL, 0 };
	tx_case("tx tso4", &fr, &r, 0, &h, want, P4TCP);
	r.peer = RTAP_VNET_PEER_CSUM | RTAP_VNET_PEER_TSO4;
	tx_case("tx tso4 min peer", &fr, &r, 0, &h, want, P4TCP);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_TSO4;
	tx_case("tx tso4 peer refuses", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_CSUM;
	tx_case("tx tso4 peer no csum", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	s.tcp_flags = 0x80 | 0x10;	/* CWR|ACK */
	build(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
	      66, 1448, 34, 16);
	r.peer = PEER_ALL;
	tx_case("tx tso4 ecn", &fr, &r, 0, &h, want, P4TCP);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_TSO_ECN;
	tx_case("tx tso4 ecn refused", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);

	/* TSO IPv6. */
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.proto = IPPROTO_TCP;
	s.payload = 30000;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_TCPV6, 74, 8000, 54, 16);
	r = (struct tx_req){ RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6,
			     14, 40, 20, 8000, PEER_ALL, 0 };
	tx_case("tx tso6", &fr, &r, 0, &h, want, P6TCP);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_TSO6;
	tx_case("tx tso6 peer refuses", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	/*
	 * DPDK's TSO convention (pseudo-header without the length, as
	 * rte_net_intel_cksum_prepare() writes) is corrected to the kernel's.
	 */
	{
		struct rte_ipv6_hdr ip6;
		uint16_t dp;

		memcpy(&ip6, fr.b + 14, 40);
		dp = rte_ipv6_phdr_cksum(&ip6, RTE_MBUF_F_TX_TCP_SEG);
		memcpy(fr.b + fr.csum_field, &dp, 2);
		r.peer = PEER_ALL;
		tx_case("tx tso6 dpdk phdr", &fr, &r, 0, &h, want, P6TCP);
	}

	/* UDP GSO (USO) both families. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 20000;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 42, 1400, 34, 6);
	r = (struct tx_req){ RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_IPV4 |
			     RTE_MBUF_F_TX_UDP_CKSUM, 14, 20, 8, 1400,
			     PEER_ALL, 0 };
	tx_case("tx uso4", &fr, &r, 0, &h, want, P4UDP);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_USO4;
	tx_case("tx uso4 refused", &fr, &r, RTAP_VNET_ETXOFL, &zero, NULL, 0);
	s.ipv = 6;
	build(&fr, &s);
	ph = ref_phdr(&fr, &s);
	memcpy(want, fr.b, fr.len);
	put16(want + fr.csum_field, ph);
	mkhdr(&h, NEEDS, VIRTIO_NET_HDR_GSO_UDP_L4, 62, 1400, 54, 6);
	r = (struct tx_req){ RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_IPV6,
			     14, 40, 8, 1400, PEER_ALL, 0 };
	tx_case("tx uso6", &fr, &r, 0, &h, want, P6UDP);
	r.peer = PEER_ALL & ~RTAP_VNET_PEER_USO6;
	tx_case("tx uso6 refused", &fr, &r, RTAP_VNET_ETXOFL, &zero, NULL, 0);
}

/* Requests we cannot express: ETXOFL, zero header, frame untouched. */
static void
test_tx_errors(void)
{
	static const struct virtio_net_hdr zero;
	struct fspec s;
	struct tx_req r;
	unsigned int i;
	static const struct {
		const char *name;
		struct tx_req r;
		int ipv;
		uint8_t proto;
	} c[] = {
#define T4 (RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4)
		{ "tx csum peer refuses", { T4, 14, 20, 20, 0, 0, 0 },
		  4, IPPROTO_TCP },
		{ "tx sctp", { RTE_MBUF_F_TX_SCTP_CKSUM | RTE_MBUF_F_TX_IPV4,
		  14, 20, 12, 0, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx tunnel", { T4 | RTE_MBUF_F_TX_TUNNEL_VXLAN |
		  RTE_MBUF_F_TX_OUTER_IPV4, 14, 20, 20, 0, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
		{ "tx outer ip cksum", { T4 | RTE_MBUF_F_TX_OUTER_IP_CKSUM,
		  14, 20, 20, 0, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx tso segsz 0", { T4 | RTE_MBUF_F_TX_TCP_SEG, 14, 20, 20,
		  0, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx tso l4_len 0", { T4 | RTE_MBUF_F_TX_TCP_SEG, 14, 20, 0,
		  1000, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx tso l4_len != doff", { T4 | RTE_MBUF_F_TX_TCP_SEG, 14,
		  20, 24, 1000, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx l2_len 0", { T4, 0, 20, 20, 0, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
		{ "tx l3_len != ihl", { T4, 14, 24, 20, 0, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
		{ "tx ipv4 flag on ipv6", { T4, 14, 40, 20, 0, PEER_ALL, 0 },
		  6, IPPROTO_TCP },
		{ "tx ipv4+ipv6 flags", { T4 | RTE_MBUF_F_TX_IPV6, 14, 20,
		  20, 0, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx ip cksum on ipv6", { RTE_MBUF_F_TX_IP_CKSUM, 14, 40, 20,
		  0, PEER_ALL, 0 }, 6, IPPROTO_TCP },
		{ "tx tcp cksum on udp", { T4, 14, 20, 8, 0, PEER_ALL, 0 },
		  4, IPPROTO_UDP },
		{ "tx udp cksum on tcp", { RTE_MBUF_F_TX_UDP_CKSUM, 14, 20,
		  20, 0, PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx tcp cksum on udp6", { RTE_MBUF_F_TX_TCP_CKSUM |
		  RTE_MBUF_F_TX_IPV6, 14, 40, 20, 0, PEER_ALL, 0 },
		  6, IPPROTO_UDP },
		{ "tx tso on udp6", { RTE_MBUF_F_TX_TCP_SEG |
		  RTE_MBUF_F_TX_IPV6, 14, 40, 20, 1000, PEER_ALL, 0 },
		  6, IPPROTO_UDP },
		{ "tx headers split", { T4, 14, 20, 20, 0, PEER_ALL, 40 },
		  4, IPPROTO_TCP },
		{ "tx tso headers split", { T4 | RTE_MBUF_F_TX_TCP_SEG, 14,
		  20, 20, 1000, PEER_ALL, 50 }, 4, IPPROTO_TCP },
		{ "tx tso + udp cksum", { RTE_MBUF_F_TX_UDP_CKSUM |
		  RTE_MBUF_F_TX_TCP_SEG, 14, 20, 20, 1000, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
		{ "tx tso + uso", { RTE_MBUF_F_TX_UDP_SEG |
		  RTE_MBUF_F_TX_TCP_SEG, 14, 20, 20, 1000, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
		{ "tx uso on tcp", { RTE_MBUF_F_TX_UDP_SEG, 14, 20, 20, 1000,
		  PEER_ALL, 0 }, 4, IPPROTO_TCP },
		{ "tx uso l4_len 0", { RTE_MBUF_F_TX_UDP_SEG, 14, 20, 0, 1000,
		  PEER_ALL, 0 }, 4, IPPROTO_UDP },
		{ "tx arp csum", { RTE_MBUF_F_TX_TCP_CKSUM, 14, 20, 20, 0,
		  PEER_ALL, 0 }, 0, 0 },
		{ "tx l2 past seg", { T4, 100, 20, 20, 0, PEER_ALL, 0 },
		  4, IPPROTO_TCP },
#undef T4
	};

	for (i = 0; i < RTE_DIM(c); i++) {
		memset(&s, 0, sizeof(s));
		s.ipv = c[i].ipv;
		s.proto = c[i].proto;
		s.payload = 60;
		build(&fr, &s);
		tx_case(c[i].name, &fr, &c[i].r, RTAP_VNET_ETXOFL, &zero,
			NULL, 0);
	}

	/* Inconsistent lengths in the packet itself. */
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 60;
	build(&fr, &s);
	r = (struct tx_req){ RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV4,
			     14, 20, 8, 0, PEER_ALL, 0 };
	fr.b[34 + 5] ^= 1;		/* UDP length */
	tx_case("tx udp len mismatch", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	build(&fr, &s);
	fr.b[14 + 2] = 0x7f;		/* tot_len past the frame */
	tx_case("tx ip len past frame", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	build(&fr, &s);
	fr.b[14 + 6] = 0x20;		/* MF: fragment */
	tx_case("tx cksum on fragment", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	s.payload = 3000;
	build(&fr, &s);
	put16(fr.b + 34 + 4, (uint16_t)(get16(fr.b + 34 + 4) + 2));
	r = (struct tx_req){ RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_IPV4,
			     14, 20, 8, 1000, PEER_ALL, 0 };
	tx_case("tx uso udp len mismatch", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
	/* TSO frame longer than its IP datagram (padding is not TSO). */
	s.proto = IPPROTO_TCP;
	s.payload = 3000;
	build(&fr, &s);
	put16(fr.b + 16, (uint16_t)(get16(fr.b + 16) - 1));
	r = (struct tx_req){ RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4,
			     14, 20, 20, 1000, PEER_ALL, 0 };
	tx_case("tx tso ip len short", &fr, &r, RTAP_VNET_ETXOFL, &zero,
		NULL, 0);
}

static void
test_tun_offload(void)
{
	cur_test = "tun_offload";
	/* kernel ABI values (include/uapi/linux/if_tun.h) */
	CHECK_EQ(RTAP_TUN_F_USO4, 0x20);
	CHECK_EQ(RTAP_TUN_F_USO6, 0x40);
	CHECK_EQ(VIRTIO_NET_HDR_GSO_UDP_L4, 5);
	CHECK_EQ(rtap_vnet_tun_offload(0, 1), 0);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, 1), 0);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_TCP_CKSUM, 1),
		 0x01);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_UDP_CKSUM, 0),
		 0x01);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_CHECKSUM, 1), 0x01);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_TCP_LRO, 0),
		 0x01 | 0x02 | 0x04 | 0x08);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_TCP_LRO, 1),
		 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_TCP_LRO |
				       RTE_ETH_RX_OFFLOAD_CHECKSUM, 1),
		 0x7f & ~0x10);
	CHECK_EQ(rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_SCATTER, 1), 0);
}

/* ------------------------------------------------------------------ */
/* rtap_seg_split: kernel GSO frame -> MTU frames                      */

static void
seg_linear(const struct rte_mbuf *m, uint8_t *out)
{
	const struct rte_mbuf *seg;
	uint32_t off = 0;

	for (seg = m; seg != NULL; seg = seg->next) {
		memcpy(out + off, rte_pktmbuf_mtod(seg, const void *),
		       seg->data_len);
		off += seg->data_len;
	}
}

/*
 * Split the GSO frame built from s (payload bytes, gso_size mss) and check
 * every segment against what the kernel's GSO would have sent.
 */
static void
seg_check(const struct fspec *s, uint8_t gso_type, uint16_t mss,
	  uint16_t seg_room, int partial)
{
	static struct frame f, g;
	static uint8_t lin[FBUF_MAX];
	struct rte_mbuf *out[RTAP_SEG_MAX];
	struct virtio_net_hdr oh[RTAP_SEG_MAX], h;
	struct fspec gs = *s;
	uint32_t hlen, nseg, i, done, plen;
	int n;

	build(&f, s);
	hlen = f.l2 + f.l3 + f.l4;
	memset(&h, 0, sizeof(h));
	h.gso_type = gso_type;
	h.gso_size = rte_cpu_to_le_16(mss);
	if (partial) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = rte_cpu_to_le_16((uint16_t)(f.l2 + f.l3));
		h.csum_offset = rte_cpu_to_le_16(
			(uint16_t)(f.csum_field - f.l2 - f.l3));
	} else {
		h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	nseg = (s->payload + mss - 1) / mss;
	n = rtap_seg_split(&h, f.b, f.len, pool, seg_room, out, oh,
			   RTAP_SEG_MAX);
	CHECK_EQ(n, nseg);
	if (n != (int)nseg)
		return;
	for (i = 0, done = 0; i < nseg; i++, done += mss) {
		struct rtap_vnet_rx_info info;
		const uint8_t *ip, *l4;
		uint8_t want_flags;

		plen = RTE_MIN((uint32_t)mss, s->payload - done);
		CHECK_EQ(out[i]->pkt_len, hlen + plen);
		CHECK_EQ(out[i]->nb_segs,
			 (hlen + plen + seg_room - 1) / seg_room);
		seg_linear(out[i], lin);
		/* Ethernet (+VLAN) header unchanged */
		CHECK(memcmp(lin, f.b, f.l2) == 0);
		ip = lin + f.l2;
		l4 = ip + f.l3;
		if (s->ipv == 4) {
			CHECK_EQ(get16(ip + 2), f.l3 + f.l4 + plen);
			CHECK_EQ(get16(ip + 4), (uint16_t)(0x1234 + i));
			CHECK_EQ(ref_fold(ref_add(0, ip, f.l3)), 0xffff);
			CHECK(memcmp(ip + 6, f.b + f.l2 + 6, 4) == 0);
			CHECK(memcmp(ip + 12, f.b + f.l2 + 12, f.l3 - 12) == 0);
		} else {
			CHECK_EQ(get16(ip + 4), f.l4 + plen);
			CHECK(memcmp(ip + 6, f.b + f.l2 + 6, 34) == 0);
		}
		if (s->proto == IPPROTO_TCP) {
			uint32_t seq = (uint32_t)get16(l4 + 4) << 16 |
				       get16(l4 + 6);

			CHECK_EQ(seq, 0x01020304u + done);
			want_flags = s->tcp_flags;
			if (i + 1 < nseg)
				want_flags &= (uint8_t)~0x09;	/* FIN, PSH */
			if (i > 0)
				want_flags &= (uint8_t)~0x80;	/* CWR */
			CHECK_EQ(l4[13], want_flags);
			/* ports, ack, offset, window, options unchanged */
			CHECK(memcmp(l4, f.b + f.l2 + f.l3, 4) == 0);
			CHECK(memcmp(l4 + 8, f.b + f.l2 + f.l3 + 8, 5) == 0);
			CHECK(memcmp(l4 + 14, f.b + f.l2 + f.l3 + 14, 2) == 0);
			CHECK(memcmp(l4 + 20, f.b + f.l2 + f.l3 + 20,
				     f.l4 - 20) == 0);
		} else {
			CHECK_EQ(get16(l4 + 4), 8 + plen);
			CHECK(memcmp(l4, f.b + f.l2 + f.l3, 4) == 0);
		}
		CHECK(memcmp(lin + hlen, f.b + hlen + done, plen) == 0);
		/* The L4 field holds this segment's pseudo-header sum. */
		gs.payload = plen;
		build(&g, &gs);
		memcpy(g.b, lin, hlen);
		CHECK_EQ(get16(lin + f.csum_field),
			 ref_phdr(&g, &gs));
		/* NEEDS_CSUM header for the L4 field, no GSO left */
		CHECK_EQ(oh[i].flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		CHECK_EQ(oh[i].gso_type, VIRTIO_NET_HDR_GSO_NONE);
		CHECK_EQ(rte_le_to_cpu_16(oh[i].csum_start), f.l2 + f.l3);
		CHECK_EQ(rte_le_to_cpu_16(oh[i].csum_offset),
			 f.csum_field - f.l2 - f.l3);
		/* Through the Rx translation, then finished: the checksum
		 * verifies with the reference over the segment. */
		CHECK_EQ(rtap_vnet_rx_decode(&oh[i], out[i], &info),
			 RTAP_VNET_OK);
		CHECK_EQ(info.csum, RTAP_VNET_CSUM_PARTIAL);
		CHECK_EQ(info.gso, 0);
		CHECK_EQ(out[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
		CHECK_EQ(rtap_vnet_rx_csum_finish(out[i]), RTAP_VNET_OK);
		seg_linear(out[i], g.b);
		g.len = hlen + plen;
		CHECK_EQ(ref_l4_verify(&g, &gs), 0xffff);
		rte_pktmbuf_free(out[i]);
	}
}

static void
test_seg_split(void)
{
	struct fspec s;

	cur_test = "seg tcp4";
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.tcp_opts = 12;
	s.tcp_flags = 0x80 | 0x10 | 0x08 | 0x01;	/* CWR ACK PSH FIN */
	s.payload = 10000;
	s.seed = 1;
	seg_check(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 2048, 1);
	cur_test = "seg tcp4 chains";
	seg_check(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 1000, 1);
	cur_test = "seg tcp4 vlan ip options";
	s.vlan = 1;
	s.ip_opts = 8;
	seg_check(&s, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
		  1448, 2048, 1);
	cur_test = "seg tcp4 64 KB, GRO frame (DATA_VALID)";
	s.vlan = 0;
	s.ip_opts = 0;
	s.payload = 65535 - 20 - 32;
	s.seed = 0;
	seg_check(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 2048, 0);
	cur_test = "seg tcp6";
	s.ipv = 6;
	s.payload = 3000;
	s.seed = 1;
	seg_check(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1428, 2048, 1);
	cur_test = "seg udp4 (USO)";
	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_UDP;
	s.payload = 8000;
	s.seed = 1;
	seg_check(&s, VIRTIO_NET_HDR_GSO_UDP_L4, 1000, 2048, 1);
	cur_test = "seg udp6 (USO), odd tail";
	s.ipv = 6;
	s.payload = 2501;
	seg_check(&s, VIRTIO_NET_HDR_GSO_UDP_L4, 1000, 2048, 1);
}

/* rtap_seg_split into the shared pool with room for every segment. */
static int
seg_try(const struct virtio_net_hdr *h, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *out[RTAP_SEG_MAX];
	struct virtio_net_hdr oh[RTAP_SEG_MAX];

	return rtap_seg_split(h, frame, len, pool, 2048, out, oh,
			      RTAP_SEG_MAX);
}

/* Frames the segmentation must refuse, without allocating anything. */
static void
test_seg_errors(void)
{
	static struct frame f;
	struct rte_mbuf *out[RTAP_SEG_MAX];
	struct virtio_net_hdr oh[RTAP_SEG_MAX], h;
	struct rte_mempool *tiny;
	struct fspec s;
	unsigned int avail = rte_mempool_avail_count(pool);

	memset(&s, 0, sizeof(s));
	s.ipv = 4;
	s.proto = IPPROTO_TCP;
	s.payload = 4000;
	s.seed = 1;
	build(&f, &s);
	memset(&h, 0, sizeof(h));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = rte_cpu_to_le_16(1448);
	h.csum_start = rte_cpu_to_le_16(34);
	h.csum_offset = rte_cpu_to_le_16(16);

	cur_test = "seg error: gso type / L3 mismatch";
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	cur_test = "seg error: csum_start elsewhere";
	h.csum_start = rte_cpu_to_le_16(14);
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	h.csum_start = rte_cpu_to_le_16(34);
	cur_test = "seg error: unknown flag";
	h.flags |= 0x80;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	cur_test = "seg error: gso_size 0";
	h.gso_size = 0;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	cur_test = "seg error: more segments than allowed";
	h.gso_size = rte_cpu_to_le_16(8);
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_E2BIG);
	h.gso_size = rte_cpu_to_le_16(1448);
	CHECK_EQ(rtap_seg_split(&h, f.b, f.len, pool, 2048, out, oh, 2),
		 RTAP_SEG_E2BIG);
	cur_test = "seg error: headers only, truncated headers";
	CHECK_EQ(seg_try(&h, f.b, 54), RTAP_SEG_EINVAL);
	CHECK_EQ(seg_try(&h, f.b, 50), RTAP_SEG_EINVAL);
	CHECK_EQ(seg_try(&h, f.b, 13), RTAP_SEG_EINVAL);
	cur_test = "seg error: IPv4 fragment";
	f.b[14 + 6] |= 0x20;	/* MF */
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	f.b[14 + 6] &= (uint8_t)~0x20;
	cur_test = "seg error: TCP data offset past the frame";
	f.b[34 + 12] = 0xf0;	/* 60-byte header */
	CHECK_EQ(seg_try(&h, f.b, 14 + 20 + 40), RTAP_SEG_EINVAL);
	f.b[34 + 12] = 0x50;
	cur_test = "seg error: USO without NEEDS_CSUM";
	memset(&s, 0, sizeof(s));
	s.ipv = 6;
	s.proto = IPPROTO_UDP;
	s.payload = 3000;
	build(&f, &s);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	cur_test = "seg error: IPv6 extension header";
	s.proto = IPPROTO_TCP;
	s.ext = 8;
	build(&f, &s);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	CHECK_EQ(seg_try(&h, f.b, f.len), RTAP_SEG_EINVAL);
	cur_test = "seg error: no mbufs, none kept";
	tiny = rte_pktmbuf_pool_create("seg_tiny", 2, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	CHECK(tiny != NULL);
	if (tiny != NULL) {
		memset(&s, 0, sizeof(s));
		s.ipv = 4;
		s.proto = IPPROTO_TCP;
		s.payload = 4000;
		s.seed = 1;
		build(&f, &s);
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		CHECK_EQ(rtap_seg_split(&h, f.b, f.len, tiny, 2048, out, oh,
					RTAP_SEG_MAX), RTAP_SEG_ENOMEM);
		CHECK_EQ(rte_mempool_avail_count(tiny), 2);
		rte_mempool_free(tiny);
	}
	CHECK_EQ(rte_mempool_avail_count(pool), avail);
}

int
main(int argc, char **argv)
{
	static const char *const args[] = {
		/* --in-memory clashes with --no-huge (legacy mem) in 22.11 */
		"test_vnet", "--no-huge", "-m", "64", "--no-pci",
		"--no-shconf", "--file-prefix", NULL, "--log-level",
		"lib.eal:error", "--no-telemetry",
	};
	static char argbuf[RTE_DIM(args)][64];
	char *eal_args[RTE_DIM(args) + 1];
	char rundir[PATH_MAX];
	unsigned int i, navail;

	(void)argc;
	(void)argv;
	RTE_BUILD_BUG_ON(sizeof(struct virtio_net_hdr) != 10);
	for (i = 0; i < RTE_DIM(args); i++) {
		if (args[i] != NULL)
			snprintf(argbuf[i], sizeof(argbuf[i]), "%s", args[i]);
		else	/* unique per run: tests may run in parallel */
			snprintf(argbuf[i], sizeof(argbuf[i]), "rtap-vnet-%d",
				 (int)getpid());
		eal_args[i] = argbuf[i];
	}
	eal_args[i] = NULL;
	if (rte_eal_init((int)RTE_DIM(args), eal_args) < 0) {
		fprintf(stderr, "test_vnet: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("vnet", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "test_vnet: mempool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	navail = rte_mempool_avail_count(pool);

	test_rx_basic();
	test_rx_layouts();
	test_rx_odd_headers();
	test_rx_sw_csum();
	test_rx_sw_csum_zero();
	test_rx_sw_csum_in_header();
	test_rx_csum_finish();
	test_rx_errors();
	test_tx();
	test_tx_errors();
	test_tun_offload();
	test_seg_split();
	test_seg_errors();

	cur_test = "mbuf leak";
	CHECK_EQ(rte_mempool_avail_count(pool), navail);

	printf("test_vnet: %u checks, %u failed\n", n_checks, n_fails);
	rte_mempool_free(pool);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* EAL leaves its (empty, thanks to --no-shconf) runtime dir behind */
	if (rmdir(rundir) != 0)
		fprintf(stderr, "test_vnet: rmdir %s: %s\n", rundir,
			strerror(errno));
	return n_fails ? 1 : 0;
}
