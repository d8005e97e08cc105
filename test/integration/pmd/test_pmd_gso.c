/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GSO both ways through net_rtap with a real kernel TCP connection:
 *
 *   netns A: TCP client on rga (port A)   netns B: TCP server on rgb (port B)
 *                 \                                /
 *                  DPDK worker lcore forwards A <-> B
 *
 * The kernel in A hands port A 64 KB GSO frames (TUNSETOFFLOAD from the
 * LRO/checksum Rx offloads); they must arrive as one LRO mbuf chain with
 * tso_segsz.  The forwarder sends them to port B as TSO (TX_TCP_SEG), and
 * the TCP server in B must receive every byte, in order.  Then the same
 * the other way, and once more over IPv6.  The ports are polled on a worker lcore, not the thread
 * that set them up.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "rtap_test.h"

#define RX_OFFL (RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_SCATTER | \
		 RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
		 RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
#define TX_OFFL (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		 RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define XFER (8u << 20)

static uint16_t pa, pb;
static volatile int stop_fwd;
static uint64_t lro_seen, lro_max_segs, lro_max_len, lro_segsz;

/* What an L2 forwarder must do: Rx offload state -> Tx offload request. */
static void
rx_to_tx_offload(struct rte_mbuf *m)
{
	uint64_t rx = m->ol_flags;
	uint32_t l3 = m->packet_type & RTE_PTYPE_L3_MASK;
	uint32_t l4 = m->packet_type & RTE_PTYPE_L4_MASK;
	uint64_t tx = 0;

	if (RTE_ETH_IS_IPV4_HDR(l3))
		tx |= RTE_MBUF_F_TX_IPV4;
	else if (RTE_ETH_IS_IPV6_HDR(l3))
		tx |= RTE_MBUF_F_TX_IPV6;
	if (rx & RTE_MBUF_F_RX_LRO) {
		lro_seen++;
		if (m->nb_segs > lro_max_segs)
			lro_max_segs = m->nb_segs;
		if (m->pkt_len > lro_max_len)
			lro_max_len = m->pkt_len;
		lro_segsz = m->tso_segsz;
		tx |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
	} else if ((rx & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		   RTE_MBUF_F_RX_L4_CKSUM_NONE) {
		/* Partial checksum from the sender: let the peer finish. */
		if (l4 == RTE_PTYPE_L4_TCP)
			tx |= RTE_MBUF_F_TX_TCP_CKSUM;
		else if (l4 == RTE_PTYPE_L4_UDP)
			tx |= RTE_MBUF_F_TX_UDP_CKSUM;
	}
	if (!(tx & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK)))
		tx = 0;
	m->ol_flags = tx;
}

static int
fwd_loop(void *arg __rte_unused)
{
	struct rte_mbuf *b[32];
	uint16_t from[2] = { pa, pb }, to[2] = { pb, pa };
	int d;

	while (!stop_fwd) {
		for (d = 0; d < 2; d++) {
			uint16_t n = rte_eth_rx_burst(from[d], 0, b, 32), i, s;

			for (i = 0; i < n; i++)
				rx_to_tx_offload(b[i]);
			s = 0;
			while (s < n && !stop_fwd)
				s += rte_eth_tx_burst(to[d], 0, b + s, n - s);
			if (s < n)
				rte_pktmbuf_free_bulk(b + s, n - s);
		}
	}
	return 0;
}

struct xfer {
	int fd;
	int ret;
};

static void *
sender(void *arg)
{
	struct xfer *x = arg;
	static uint8_t buf[65536];
	size_t off = 0;

	while (off < XFER) {
		size_t chunk = RTE_MIN(sizeof(buf), (size_t)XFER - off), i;
		ssize_t n;

		for (i = 0; i < chunk; i++)
			buf[i] = (uint8_t)((off + i) * 13 + ((off + i) >> 16));
		n = send(x->fd, buf, chunk, 0);
		if (n <= 0) {
			x->ret = -errno;
			return NULL;
		}
		off += (size_t)n;
		if ((size_t)n < chunk)	/* resend the rest next round */
			continue;
	}
	shutdown(x->fd, SHUT_WR);
	x->ret = 0;
	return NULL;
}

/* Receive XFER bytes on fd and check the pattern. */
static void
receive_check(int fd, const char *dir)
{
	static uint8_t buf[65536];
	uint64_t end = rt_now_ms() + 30000;
	size_t off = 0;

	while (off < XFER) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n, i;

		RT_CHECK(rt_now_ms() < end, "%s: %zu of %u bytes in 30 s", dir,
			 off, XFER);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		RT_CHECK(n > 0, "%s: recv %zd (%s) at %zu", dir, n,
			 strerror(errno), off);
		for (i = 0; i < n; i++)
			RT_CHECK(buf[i] == (uint8_t)((off + i) * 13 +
						     ((off + i) >> 16)),
				 "%s: byte %zu differs", dir, off + i);
		off += (size_t)n;
	}
}

static void
transfer(int nsa, int nsb, int a_to_b, int v6)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr *addr = v6 ? (struct sockaddr *)&sa6 :
				     (struct sockaddr *)&sa;
	socklen_t alen = v6 ? sizeof(sa6) : sizeof(sa);
	int ls, cs, as, one = 1, fam = v6 ? AF_INET6 : AF_INET;
	struct xfer x;
	pthread_t th;

	/* Server in B. */
	rt_netns_enter(nsb);
	ls = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons(5201);
	inet_pton(AF_INET, "198.18.0.2", &sa.sin_addr);
	sa6.sin6_port = htons(5201);
	inet_pton(AF_INET6, "2001:2::2", &sa6.sin6_addr);
	RT_CHECK(bind(ls, addr, alen) == 0 && listen(ls, 1) == 0,
		 "listen: %s", strerror(errno));
	/* Client in A. */
	rt_netns_enter(nsa);
	cs = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	RT_CHECK(connect(cs, addr, alen) == 0,
		 "connect through DPDK: %s", strerror(errno));
	as = accept(ls, NULL, NULL);
	RT_CHECK(as >= 0, "accept: %s", strerror(errno));
	x.fd = a_to_b ? cs : as;
	x.ret = 1;
	pthread_create(&th, NULL, sender, &x);
	receive_check(a_to_b ? as : cs, a_to_b ? "A->B" : "B->A");
	pthread_join(th, NULL);
	RT_CHECK(x.ret == 0, "sender: %s", strerror(-x.ret));
	close(as);
	close(cs);
	close(ls);
}

int
main(int argc __rte_unused, char **argv)
{
	const char *vdev[] = { "net_rtap0,iface=rga" };
	struct rte_mempool *mp;
	uint64_t tso_b, lro_a, rx_lro_b, tso_a;
	int nsa, nsb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rt_require_env();
	if (rte_lcore_count() > 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		RT_FAIL("needs 2 CPUs (a worker lcore polls the ports)");
	nsa = rt_netns_new();
	rt_eal_lcores = "0,1";
	rt_eal_init(argv[0], 1, vdev);
	pa = rt_port_by_name("net_rtap0");
	/* Port B lives in its own netns: created while we are there. */
	nsb = rt_netns_new();
	RT_CHECK(rte_vdev_init("net_rtap1", "iface=rgb") == 0, "probe B");
	pb = rt_port_by_name("net_rtap1");
	mp = rt_pool("gso", 16384, RTE_MBUF_DEFAULT_BUF_SIZE);
	rt_port_start(pa, 1, 1, RX_OFFL, TX_OFFL, mp, 0);
	rt_port_start(pb, 1, 1, RX_OFFL, TX_OFFL, mp, 0);
	rt_sh("sysctl -qw net.ipv6.conf.rgb.disable_ipv6=0");
	rt_sh("ip addr add 198.18.0.2/24 dev rgb && ip link set rgb up");
	rt_sh("ip addr add 2001:2::2/64 dev rgb nodad");
	rt_netns_enter(nsa);
	rt_sh("sysctl -qw net.ipv6.conf.rga.disable_ipv6=0");
	rt_sh("ip addr add 198.18.0.1/24 dev rga && ip link set rga up");
	rt_sh("ip addr add 2001:2::1/64 dev rga nodad");
	rt_sh("ethtool -k rga | grep -q 'tcp-segmentation-offload: on'");
	RT_CHECK(rte_eal_remote_launch(fwd_loop, NULL, 1) == 0, "launch");

	transfer(nsa, nsb, 1, 0);
	lro_a = rt_xstat(pa, "rx_lro_packets");
	tso_b = rt_xstat(pb, "tx_tso_packets");
	RT_CHECK(lro_a > 0 && lro_seen > 0, "no LRO frame from kernel A");
	RT_CHECK(tso_b > 0, "no TSO frame sent to kernel B");
	RT_CHECK(lro_max_segs > 1 && lro_max_len > 1514,
		 "largest LRO frame %" PRIu64 " bytes in %" PRIu64 " segs",
		 lro_max_len, lro_max_segs);
	RT_CHECK(lro_segsz >= 536 && lro_segsz <= 1460, "tso_segsz %" PRIu64,
		 lro_segsz);
	RT_OK("A->B: %u bytes intact; %" PRIu64 " LRO frames from A (largest %" PRIu64 " B in %" PRIu64 " segs, tso_segsz %" PRIu64 "), %" PRIu64 " TSO frames to B",
	      XFER, lro_a, lro_max_len, lro_max_segs, lro_segsz, tso_b);

	transfer(nsa, nsb, 0, 0);
	rx_lro_b = rt_xstat(pb, "rx_lro_packets");
	tso_a = rt_xstat(pa, "tx_tso_packets");
	RT_CHECK(rx_lro_b > 0 && tso_a > 0, "B->A: lro %" PRIu64 " tso %" PRIu64,
		 rx_lro_b, tso_a);
	RT_OK("B->A: %u bytes intact; %" PRIu64 " LRO frames from B, %" PRIu64 " TSO frames to A",
	      XFER, rx_lro_b, tso_a);
	/* TCP over IPv6: GSO_TCPV6 in, TSO6 out. */
	lro_a = rt_xstat(pa, "rx_lro_packets");
	tso_b = rt_xstat(pb, "tx_tso_packets");
	transfer(nsa, nsb, 1, 1);
	lro_a = rt_xstat(pa, "rx_lro_packets") - lro_a;
	tso_b = rt_xstat(pb, "tx_tso_packets") - tso_b;
	RT_CHECK(lro_a > 0 && tso_b > 0, "IPv6: lro %" PRIu64 " tso %" PRIu64,
		 lro_a, tso_b);
	RT_OK("A->B over IPv6: %u bytes intact; %" PRIu64 " LRO frames from A, %" PRIu64 " TSO frames to B",
	      XFER, lro_a, tso_b);
	RT_CHECK(rt_xstat(pa, "rx_bad_vnet_hdr_errors") == 0 &&
		 rt_xstat(pb, "rx_bad_vnet_hdr_errors") == 0 &&
		 rt_xstat(pa, "tx_bad_offload_errors") == 0 &&
		 rt_xstat(pb, "tx_bad_offload_errors") == 0, "offload errors");

	stop_fwd = 1;
	rte_eal_mp_wait_lcore();
	RT_CHECK(rte_eth_dev_stop(pa) == 0 && rte_eth_dev_stop(pb) == 0,
		 "stop");
	RT_CHECK(rte_mempool_in_use_count(mp) == 0, "%u mbufs in use",
		 rte_mempool_in_use_count(mp));
	rte_eth_dev_close(pa);
	rte_eth_dev_close(pb);
	rte_eal_cleanup();
	printf("PASS test_pmd_gso\n");
	return 0;
}
