/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtap_vnet against the real kernel (root; integration suite).
 *
 * In a private network namespace, a TAP with IFF_VNET_HDR and the offloads
 * rtap_vnet_tun_offload() asks for.  This program plays the link peer:
 *  - kernel -> us: UDP and UDP GSO (UDP_SEGMENT), TCP SYN and TCP TSO data
 *    from real sockets, IPv4 and IPv6; every frame the kernel sends (ARP, ND,
 *    MLD included) must decode without error; checksum-partial frames,
 *    finished the way the kernel would, must verify with DPDK's
 *    rte_ipv4/6_udptcp_cksum_verify() (proves the kernel seeds the field
 *    with the pseudo-header *including* the L4 length, the convention
 *    tx_encode writes); GSO frames come out as LRO with the right tso_segsz.
 *  - us -> kernel: a SYN-ACK (TX_IP_CKSUM + TX_TCP_CKSUM) and a 3-segment
 *    TSO frame encoded by rtap_vnet_tx_encode(), IPv4 and IPv6; the kernel
 *    must complete the handshake (it verifies our IPv4 header checksum)
 *    and the socket must read back exactly our payload; the same encoder's
 *    checksum-offload, TSO and USO frames (v4 and v6) forwarded by the
 *    kernel to a second TAP without offloads come out with correct
 *    checksums and our bytes, segmented at our gso_size.
 * Fails (exit 1) with a message when not root or when the kernel refuses.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_tun.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "rtap_vnet.h"

/*
 * DPDK 22.11's RTE_IPV4() shifts an int: 198 << 24 overflows (UBSan).
 * Build the address in unsigned arithmetic instead.
 */
#define TV_IP4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	 ((uint32_t)(c) << 8) | (uint32_t)(d))

#define IFNAME		"rtvk0"
#define IFNAME2		"rtvk1"
#define FRAME_MAX	(65536 + 64)
#define SEG_ROOM	2048	/* scattered Rx, like the PMD */

static unsigned int n_checks, n_fails;
static struct rte_mempool *pool;
static int tapfd = -1;
static uint8_t peer_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x02 };
static uint8_t tap_mac[6];

static void __rte_format_printf(2, 3)
fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	n_fails++;
	fprintf(stderr, "FAIL line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK_EQ(a, b) do { \
	unsigned long long a_ = (unsigned long long)(a); \
	unsigned long long b_ = (unsigned long long)(b); \
	n_checks++; \
	if (a_ != b_) \
		fail_at(__LINE__, "%s = 0x%llx, expected %s = 0x%llx", \
			#a, a_, #b, b_); \
} while (0)

static void __rte_format_printf(1, 2)
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "test_vnet_kernel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		die("'%s' failed (%d)", cmd, rc);
}

/* ------------------------------------------------------------------ */

struct rx_frame {
	uint8_t buf[sizeof(struct virtio_net_hdr) + FRAME_MAX];
	uint32_t len;			/* frame bytes after the header */
	struct virtio_net_hdr hdr;
	const uint8_t *data;
};

static struct {
	unsigned int frames, partial, good, gso, verified;
} st;

static struct rte_mbuf *
chain(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t n = RTE_MIN((uint32_t)SEG_ROOM, len - off);

		if (m == NULL)
			die("mbuf pool empty");
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), data + off, n);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
		off += n;
	} while (off < len);
	return head;
}

/*
 * Finish a partial checksum like skb_checksum_help() on a copy and verify
 * it with DPDK's own verifier.
 */
static void
verify_partial(const struct rx_frame *f, const struct rte_mbuf *m)
{
	static uint8_t copy[FRAME_MAX];
	uint32_t start = rte_le_to_cpu_16(f->hdr.csum_start);
	uint32_t off = rte_le_to_cpu_16(f->hdr.csum_offset);
	uint16_t c;
	const void *l3, *l4;
	int rc;

	memcpy(copy, f->data, f->len);
	c = (uint16_t)~rte_raw_cksum(copy + start, f->len - start);
	if (c == 0)
		c = 0xffff;
	memcpy(copy + start + off, &c, 2);
	l3 = copy + m->l2_len;
	l4 = copy + m->l2_len + m->l3_len;
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type))
		rc = rte_ipv4_udptcp_cksum_verify(l3, l4);
	else
		rc = rte_ipv6_udptcp_cksum_verify(l3, l4);
	CHECK_EQ(rc, 0);
	st.verified += rc == 0;
}

/*
 * Read frames until match() accepts one (or the timeout); every frame
 * read must decode.  Returns the decoded mbuf of the match, or NULL.
 */
typedef int (*match_fn)(const struct rx_frame *f, const struct rte_mbuf *m,
			const void *arg);

static struct rte_mbuf *
rx_until(struct rx_frame *f, match_fn match, const void *arg, int ms)
{
	struct pollfd p = { .fd = tapfd, .events = POLLIN };

	while (poll(&p, 1, ms) == 1) {
		struct rtap_vnet_rx_info info;
		struct rte_mbuf *m;
		ssize_t n = read(tapfd, f->buf, sizeof(f->buf));
		int rc;

		if (n < (ssize_t)sizeof(f->hdr))
			die("tap read: %zd (%s)", n, strerror(errno));
		memcpy(&f->hdr, f->buf, sizeof(f->hdr));
		f->data = f->buf + sizeof(f->hdr);
		f->len = (uint32_t)n - sizeof(f->hdr);
		m = chain(f->data, f->len);
		rc = rtap_vnet_rx_decode(&f->hdr, m, &info);
		st.frames++;
		if (rc != RTAP_VNET_OK) {
			fail_at(__LINE__, "kernel frame rejected: rc %d, "
				"flags %u gso %u gso_size %u start %u off %u "
				"len %u", rc, f->hdr.flags, f->hdr.gso_type,
				f->hdr.gso_size, f->hdr.csum_start,
				f->hdr.csum_offset, f->len);
			rte_pktmbuf_free(m);
			continue;
		}
		if (info.csum == RTAP_VNET_CSUM_PARTIAL) {
			st.partial++;
			verify_partial(f, m);
		} else if (info.csum == RTAP_VNET_CSUM_GOOD) {
			st.good++;
		}
		st.gso += info.gso;
		if (match(f, m, arg))
			return m;
		rte_pktmbuf_free(m);
	}
	return NULL;
}

static int
match_l4(const struct rx_frame *f, const struct rte_mbuf *m, const void *arg)
{
	uint32_t want = *(const uint32_t *)arg;

	(void)f;
	return (m->packet_type & (RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK)) ==
	       want;
}

static int
match_gso(const struct rx_frame *f, const struct rte_mbuf *m, const void *arg)
{
	(void)f;
	(void)arg;
	return (m->ol_flags & RTE_MBUF_F_RX_LRO) != 0;
}

static int
match_none(const struct rx_frame *f, const struct rte_mbuf *m,
	   const void *arg)
{
	(void)f;
	(void)m;
	(void)arg;
	return 0;
}

/* ------------------------------------------------------------------ */

static void
tx_frame(struct rte_mbuf *m, uint64_t ol, uint16_t l3, uint16_t l4,
	 uint16_t segsz)
{
	struct virtio_net_hdr h;
	struct iovec iov[2];
	static uint8_t lin[FRAME_MAX];
	const void *p;
	ssize_t n;
	int rc;

	m->ol_flags = ol;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = l3;
	m->l4_len = l4;
	m->tso_segsz = segsz;
	rc = rtap_vnet_tx_encode(m, &h, RTAP_VNET_PEER_CSUM |
				 RTAP_VNET_PEER_TSO4 | RTAP_VNET_PEER_TSO6 |
				 RTAP_VNET_PEER_USO4 | RTAP_VNET_PEER_USO6);
	CHECK_EQ(rc, 0);
	p = rte_pktmbuf_read(m, 0, m->pkt_len, lin);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = m->pkt_len;
	n = writev(tapfd, iov, 2);
	if (n != (ssize_t)(sizeof(h) + m->pkt_len))
		fail_at(__LINE__, "tap write: %zd (%s)", n, strerror(errno));
	rte_pktmbuf_free(m);
}

/* Ethernet + IPv4/IPv6 + TCP from the peer (port 5201) to the tap. */
static struct rte_mbuf *
peer_tcp(int v6, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	 const uint8_t *opt, uint8_t optlen, uint32_t payload)
{
	uint32_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) :
			   sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = sizeof(struct rte_tcp_hdr) + optlen;
	uint32_t len = RTE_ETHER_HDR_LEN + l3 + l4 + payload;
	static uint8_t b[FRAME_MAX];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)b;
	struct rte_tcp_hdr *th;
	uint32_t i;

	memset(b, 0, len);
	memcpy(&eh->dst_addr, tap_mac, 6);
	memcpy(&eh->src_addr, peer_mac, 6);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:2::2", &ip6->src_addr);
		inet_pton(AF_INET6, "2001:2::1", &ip6->dst_addr);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 +
							       payload));
		ip->packet_id = rte_cpu_to_be_16(7);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->hdr_checksum = 0xdead;	/* TX_IP_CKSUM must fix it */
		ip->src_addr = rte_cpu_to_be_32(TV_IP4(198, 18, 0, 2));
		ip->dst_addr = rte_cpu_to_be_32(TV_IP4(198, 18, 0, 1));
	}
	th = (struct rte_tcp_hdr *)(b + RTE_ETHER_HDR_LEN + l3);
	th->src_port = rte_cpu_to_be_16(5201);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((l4 / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	if (optlen)
		memcpy(th + 1, opt, optlen);
	for (i = 0; i < payload; i++)
		b[len - payload + i] = (uint8_t)(i * 13 + 5);
	return chain(b, len);
}

static void
test_udp(int family, int gso)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} a;
	static uint8_t payload[4500];
	size_t plen = gso ? sizeof(payload) : 100;
	uint32_t want = family == AF_INET ?
		RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP :
		RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP;
	struct rx_frame *f = malloc(sizeof(*f));
	struct rte_mbuf *m;
	int s = socket(family, SOCK_DGRAM, 0);
	int seg = 1000;

	if (s < 0 || f == NULL)
		die("udp socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	if (family == AF_INET) {
		a.v4.sin_family = AF_INET;
		a.v4.sin_port = htons(9);
		inet_pton(AF_INET, "198.18.0.2", &a.v4.sin_addr);
	} else {
		a.v6.sin6_family = AF_INET6;
		a.v6.sin6_port = htons(9);
		inet_pton(AF_INET6, "2001:2::2", &a.v6.sin6_addr);
	}
	if (gso && setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)))
		die("UDP_SEGMENT: %s", strerror(errno));
	memset(payload, 0x5a, sizeof(payload));
	if (sendto(s, payload, plen, 0, (struct sockaddr *)&a,
		   family == AF_INET ? sizeof(a.v4) : sizeof(a.v6)) !=
	    (ssize_t)plen)
		die("udp sendto: %s", strerror(errno));
	m = rx_until(f, match_l4, &want, 2000);
	if (m == NULL) {
		fail_at(__LINE__, "no UDP frame from the kernel (family %d "
			"gso %d)", family, gso);
	} else {
		printf("kernel UDP%s%s: flags %u gso_type %u gso_size %u "
		       "csum %u/%u len %u -> ol 0x%" PRIx64 " segsz %u\n",
		       family == AF_INET ? "v4" : "v6", gso ? " GSO" : "",
		       f->hdr.flags, f->hdr.gso_type, f->hdr.gso_size,
		       f->hdr.csum_start, f->hdr.csum_offset, f->len,
		       m->ol_flags, m->tso_segsz);
		CHECK_EQ(m->pkt_len, m->l2_len + m->l3_len + 8 + plen);
		CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
		if (gso) {
			CHECK_EQ(f->hdr.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_LRO,
				 RTE_MBUF_F_RX_LRO);
			CHECK_EQ(m->tso_segsz, seg);
			CHECK_EQ(m->nb_segs, (m->pkt_len + SEG_ROOM - 1) /
				 SEG_ROOM);
		} else {
			CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_LRO, 0);
		}
		rte_pktmbuf_free(m);
	}
	close(s);
	free(f);
}

static void
test_tcp(int v6)
{
	static const uint8_t mss_opt[4] = { 2, 4, 0x05, 0xb4 };	/* 1460 */
	uint32_t want = (v6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4) |
			RTE_PTYPE_L4_TCP;
	uint64_t l3fl = v6 ? RTE_MBUF_F_TX_IPV6 :
			     RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	uint16_t l3 = v6 ? 40 : 20;
	struct rx_frame *f = malloc(sizeof(*f));
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} a;
	const struct rte_tcp_hdr *th;
	static uint8_t out[20000], in[3000];
	struct rte_mbuf *m;
	uint32_t isn, got = 0;
	uint16_t cport;
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
		       0);
	struct pollfd p;

	if (s < 0 || f == NULL)
		die("tcp socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	if (v6) {
		a.v6.sin6_family = AF_INET6;
		a.v6.sin6_port = htons(5201);
		inet_pton(AF_INET6, "2001:2::2", &a.v6.sin6_addr);
	} else {
		a.v4.sin_family = AF_INET;
		a.v4.sin_port = htons(5201);
		inet_pton(AF_INET, "198.18.0.2", &a.v4.sin_addr);
	}
	if (connect(s, (struct sockaddr *)&a, v6 ? sizeof(a.v6) :
		    sizeof(a.v4)) == 0 || errno != EINPROGRESS)
		die("connect: %s", strerror(errno));

	/* SYN: a partial-checksum TCP frame */
	m = rx_until(f, match_l4, &want, 2000);
	if (m == NULL)
		die("no SYN from the kernel");
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
				     m->l2_len + m->l3_len);
	CHECK_EQ(th->tcp_flags & RTE_TCP_SYN_FLAG, RTE_TCP_SYN_FLAG);
	CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
		 RTE_MBUF_F_RX_L4_CKSUM_NONE);
	isn = rte_be_to_cpu_32(th->sent_seq);
	cport = rte_be_to_cpu_16(th->src_port);
	memcpy(tap_mac, rte_pktmbuf_mtod_offset(m, const uint8_t *, 6), 6);
	rte_pktmbuf_free(m);

	/* our SYN-ACK through tx_encode: IP checksum + TCP partial */
	tx_frame(peer_tcp(v6, cport, 1000, isn + 1,
			  RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, mss_opt, 4, 0),
		 l3fl | RTE_MBUF_F_TX_TCP_CKSUM, l3, 24, 0);
	p = (struct pollfd){ .fd = s, .events = POLLOUT };
	if (poll(&p, 1, 2000) != 1)
		die("handshake did not complete: kernel refused our SYN-ACK");
	{
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
		CHECK_EQ(err, 0);
	}

	/* kernel TSO: one send, GSO frames of MSS 1460 */
	memset(out, 0x77, sizeof(out));
	if (send(s, out, sizeof(out), 0) <= 0)
		die("send: %s", strerror(errno));
	m = rx_until(f, match_gso, NULL, 2000);
	if (m == NULL) {
		fail_at(__LINE__, "no TCP GSO frame from the kernel");
	} else {
		printf("kernel TCPv%c GSO: flags %u gso_type %u gso_size %u "
		       "hdr_len %u csum %u/%u len %u -> ol 0x%" PRIx64
		       " segsz %u nb_segs %u\n", v6 ? '6' : '4', f->hdr.flags,
		       f->hdr.gso_type, f->hdr.gso_size, f->hdr.hdr_len,
		       f->hdr.csum_start, f->hdr.csum_offset, f->len,
		       m->ol_flags, m->tso_segsz, m->nb_segs);
		CHECK_EQ(f->hdr.gso_type & ~VIRTIO_NET_HDR_GSO_ECN,
			 v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
			 VIRTIO_NET_HDR_GSO_TCPV4);
		/* our MSS option, capped by the 1500 MTU for IPv6 */
		CHECK_EQ(m->tso_segsz, v6 ? 1440 : 1460);
		CHECK_EQ(m->packet_type, RTE_PTYPE_L2_ETHER | want);
		CHECK_EQ(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
		rte_pktmbuf_free(m);
	}

	/* our TSO frame: 3000 bytes in 1000-byte segments */
	tx_frame(peer_tcp(v6, cport, 1001, isn + 1,
			  RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, NULL, 0,
			  sizeof(in)),
		 l3fl | RTE_MBUF_F_TX_TCP_SEG, l3, 20, 1000);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	while (got < sizeof(in) && poll(&p, 1, 2000) == 1) {
		ssize_t n = recv(s, in + got, sizeof(in) - got, 0);

		if (n <= 0)
			break;
		got += (uint32_t)n;
	}
	CHECK_EQ(got, sizeof(in));
	{
		uint32_t i, bad = 0;

		for (i = 0; i < got; i++)
			bad += in[i] != (uint8_t)(i * 13 + 5);
		CHECK_EQ(bad, 0);
	}
	printf("our TSOv%c frame: socket read %u of %zu bytes\n",
	       v6 ? '6' : '4', got, sizeof(in));
	close(s);
	free(f);
}

/*
 * Forwarded through the kernel to a second TAP without any offload: the
 * kernel must finish our partial checksums (skb_checksum_help) and
 * segment our GSO frames in software (tcp_gso_segment/__udp_gso_segment,
 * which adjust the pseudo-header sum we seeded).  Every frame that comes
 * out must carry a correct checksum and our bytes, in order.
 */
static struct rte_mbuf *
fwd_pkt(int v6, uint8_t proto, uint32_t payload)
{
	uint32_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) :
			   sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) :
					     sizeof(struct rte_udp_hdr);
	uint32_t len = RTE_ETHER_HDR_LEN + l3 + l4 + payload;
	static uint8_t b[FRAME_MAX];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)b;
	uint8_t *l4p = b + RTE_ETHER_HDR_LEN + l3;
	uint32_t i;

	memset(b, 0, len);
	memcpy(&eh->dst_addr, tap_mac, 6);
	memcpy(&eh->src_addr, peer_mac, 6);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
		ip6->proto = proto;
		ip6->hop_limits = 64;
		inet_pton(AF_INET6, "2001:2::2", &ip6->src_addr);
		inet_pton(AF_INET6, "2001:3::2", &ip6->dst_addr);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 +
							       payload));
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		ip->src_addr = rte_cpu_to_be_32(TV_IP4(198, 18, 0, 2));
		ip->dst_addr = rte_cpu_to_be_32(TV_IP4(198, 19, 0, 2));
	}
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4p;

		th->src_port = rte_cpu_to_be_16(5201);
		th->dst_port = rte_cpu_to_be_16(40000);
		th->sent_seq = rte_cpu_to_be_32(1);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		th->rx_win = rte_cpu_to_be_16(65535);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4p;

		uh->src_port = rte_cpu_to_be_16(5201);
		uh->dst_port = rte_cpu_to_be_16(40000);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
	}
	for (i = 0; i < payload; i++)
		l4p[l4 + i] = (uint8_t)(i * 29 + 11);
	return chain(b, len);
}

static int tap2fd = -1;

/* Read nseg frames of (v6, proto) from tap2; verify them. */
static void
fwd_expect(const char *name, int v6, uint8_t proto, uint32_t payload,
	   uint32_t segsz)
{
	static uint8_t b[FRAME_MAX];
	struct pollfd p = { .fd = tap2fd, .events = POLLIN };
	uint32_t nseg = segsz ? (payload + segsz - 1) / segsz : 1;
	uint32_t got = 0, segs = 0, bad_csum = 0, bad_data = 0;

	while (segs < nseg && poll(&p, 1, 1000) == 1) {
		ssize_t n = read(tap2fd, b, sizeof(b));
		const uint8_t *l4p;
		uint32_t l3, l4, plen, i;
		int rc;

		if (n < RTE_ETHER_HDR_LEN + 40)
			continue;
		if (!v6 && b[12] == 0x08 && b[13] == 0x00 &&
		    b[RTE_ETHER_HDR_LEN + 9] == proto) {
			const struct rte_ipv4_hdr *ip =
				(const void *)(b + RTE_ETHER_HDR_LEN);

			l3 = rte_ipv4_hdr_len(ip);
			n_checks++;
			if (rte_raw_cksum(ip, l3) != 0xffff)
				bad_csum++;
			l4p = b + RTE_ETHER_HDR_LEN + l3;
			rc = rte_ipv4_udptcp_cksum_verify(ip, l4p);
			plen = rte_be_to_cpu_16(ip->total_length) - l3;
		} else if (v6 && b[12] == 0x86 && b[13] == 0xdd &&
			   b[RTE_ETHER_HDR_LEN + 6] == proto) {
			const struct rte_ipv6_hdr *ip6 =
				(const void *)(b + RTE_ETHER_HDR_LEN);

			l3 = sizeof(*ip6);
			l4p = b + RTE_ETHER_HDR_LEN + l3;
			rc = rte_ipv6_udptcp_cksum_verify(ip6, l4p);
			plen = rte_be_to_cpu_16(ip6->payload_len);
		} else {
			continue;	/* not ours (ND, MLD, ...) */
		}
		bad_csum += rc != 0;
		l4 = proto == IPPROTO_TCP ? (uint32_t)(l4p[12] >> 4) * 4 : 8;
		plen -= l4;
		if (segsz && segs + 1 < nseg && plen != segsz)
			bad_data++;
		for (i = 0; i < plen; i++)
			bad_data += l4p[l4 + i] != (uint8_t)((got + i) * 29 +
							     11);
		got += plen;
		segs++;
	}
	printf("forwarded %s: %u frames, %u payload bytes, %u bad "
	       "checksums, %u bad bytes\n", name, segs, got, bad_csum,
	       bad_data);
	CHECK_EQ(segs, nseg);
	CHECK_EQ(got, payload);
	CHECK_EQ(bad_csum, 0);
	CHECK_EQ(bad_data, 0);
}

static void
test_forward(void)
{
	static const struct {
		const char *name;
		int v6;
		uint8_t proto;
		uint32_t payload;
		uint16_t segsz;
	} c[] = {
		{ "tcp4 csum", 0, IPPROTO_TCP, 1001, 0 },
		{ "udp4 csum", 0, IPPROTO_UDP, 777, 0 },
		{ "tcp6 csum", 1, IPPROTO_TCP, 1001, 0 },
		{ "udp6 csum", 1, IPPROTO_UDP, 777, 0 },
		{ "tcp4 tso", 0, IPPROTO_TCP, 5000, 1400 },
		{ "tcp6 tso", 1, IPPROTO_TCP, 20000, 1000 },
		{ "udp4 uso", 0, IPPROTO_UDP, 3333, 1000 },
		{ "udp6 uso", 1, IPPROTO_UDP, 4000, 1200 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(c); i++) {
		uint64_t ol = c[i].v6 ? RTE_MBUF_F_TX_IPV6 :
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		uint16_t l4 = c[i].proto == IPPROTO_TCP ? 20 : 8;

		if (c[i].segsz)
			ol |= c[i].proto == IPPROTO_TCP ?
				RTE_MBUF_F_TX_TCP_SEG : RTE_MBUF_F_TX_UDP_SEG;
		else
			ol |= c[i].proto == IPPROTO_TCP ?
				RTE_MBUF_F_TX_TCP_CKSUM :
				RTE_MBUF_F_TX_UDP_CKSUM;
		tx_frame(fwd_pkt(c[i].v6, c[i].proto, c[i].payload), ol,
			 c[i].v6 ? 40 : 20, l4, c[i].segsz);
		fwd_expect(c[i].name, c[i].v6, c[i].proto, c[i].payload,
			   c[i].segsz);
	}
}

int
main(void)
{
	static const char *const args[] = {
		"test_vnet_kernel", "--no-huge", "-m", "128", "--no-pci",
		"--no-shconf", "--file-prefix", NULL, "--log-level",
		"lib.eal:error", "--no-telemetry",
	};
	static char argbuf[RTE_DIM(args)][64];
	char *eal_args[RTE_DIM(args) + 1];
	char rundir[PATH_MAX];
	struct ifreq ifr;
	unsigned int i, navail, tun;

	if (geteuid() != 0)
		die("needs root (network namespace, TAP device)");
	if (unshare(CLONE_NEWNET) != 0)
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	for (i = 0; i < RTE_DIM(args); i++) {
		if (args[i] != NULL)
			snprintf(argbuf[i], sizeof(argbuf[i]), "%s", args[i]);
		else
			snprintf(argbuf[i], sizeof(argbuf[i]), "rtap-vnetk-%d",
				 (int)getpid());
		eal_args[i] = argbuf[i];
	}
	eal_args[i] = NULL;
	if (rte_eal_init((int)RTE_DIM(args), eal_args) < 0)
		die("rte_eal_init: %s", rte_strerror(rte_errno));
	pool = rte_pktmbuf_pool_create("vnetk", 2047, 0, 0,
				       SEG_ROOM + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		die("mempool: %s", rte_strerror(rte_errno));
	navail = rte_mempool_avail_count(pool);

	tapfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tapfd < 0)
		die("/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(tapfd, TUNSETIFF, &ifr) != 0)
		die("TUNSETIFF: %s", strerror(errno));
	tun = rtap_vnet_tun_offload(RTE_ETH_RX_OFFLOAD_TCP_LRO |
				    RTE_ETH_RX_OFFLOAD_CHECKSUM, 1);
	if (ioctl(tapfd, TUNSETOFFLOAD, tun) != 0)
		die("TUNSETOFFLOAD 0x%x: %s (kernel without USO?)", tun,
		    strerror(errno));
	{
		int sk = socket(AF_INET, SOCK_DGRAM, 0);

		if (sk < 0 || ioctl(sk, SIOCGIFHWADDR, &ifr) != 0)
			die("SIOCGIFHWADDR: %s", strerror(errno));
		memcpy(tap_mac, ifr.ifr_hwaddr.sa_data, 6);
		close(sk);
	}
	/* the egress TAP: no vnet header, no offloads at all */
	tap2fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap2fd < 0)
		die("/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME2);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(tap2fd, TUNSETIFF, &ifr) != 0)
		die("TUNSETIFF %s: %s", IFNAME2, strerror(errno));
	sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"
	   " && ip link set " IFNAME2 " up && "
	   "ip addr add 198.19.0.1/24 dev " IFNAME2 " && "
	   "ip -6 addr add 2001:3::1/64 dev " IFNAME2 " nodad && "
	   "ip neigh add 198.19.0.2 lladdr 02:00:5e:00:00:03 dev " IFNAME2
	   " nud permanent && "
	   "ip -6 neigh add 2001:3::2 lladdr 02:00:5e:00:00:03 dev " IFNAME2
	   " nud permanent");
	sh("ip link set " IFNAME " up && "
	   "ip addr add 198.18.0.1/24 dev " IFNAME " && "
	   "ip -6 addr add 2001:2::1/64 dev " IFNAME " nodad && "
	   "ip neigh add 198.18.0.2 lladdr 02:00:5e:00:00:02 dev " IFNAME
	   " nud permanent && "
	   "ip -6 neigh add 2001:2::2 lladdr 02:00:5e:00:00:02 dev " IFNAME
	   " nud permanent");

	test_udp(AF_INET, 0);
	test_udp(AF_INET, 1);
	test_udp(AF_INET6, 0);
	test_udp(AF_INET6, 1);
	test_tcp(0);
	test_tcp(1);
	test_forward();
	/* drain the rest (more TSO data, ND, MLD): all must decode */
	{
		struct rx_frame *f = malloc(sizeof(*f));

		if (f == NULL || rx_until(f, match_none, NULL, 300) != NULL)
			die("drain");
		free(f);
	}
	CHECK_EQ(rte_mempool_avail_count(pool), navail);
	printf("kernel frames %u: partial %u (verified %u), data_valid %u, "
	       "gso %u\n", st.frames, st.partial, st.verified, st.good,
	       st.gso);
	printf("test_vnet_kernel: %u checks, %u failed\n", n_checks,
	       n_fails);
	close(tapfd);
	close(tap2fd);
	rte_mempool_free(pool);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (rmdir(rundir) != 0)
		fprintf(stderr, "rmdir %s: %s\n", rundir, strerror(errno));
	return n_fails ? 1 : 0;
}
