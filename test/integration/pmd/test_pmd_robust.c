/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap under abuse (private netns):
 *  - bad Tx requests (TSO without header lengths, too many segments) are
 *    counted and freed, the queue keeps working;
 *  - the kernel interface is deleted under traffic, or moved to another
 *    netns (deletion also with an LRO queue, i.e. the readv mode): link
 *    goes down, errors are counted, bursts return 0, nothing
 *    crashes, no mbuf leaks, stop/close still work;
 *  - 100 create/start/stop/destroy cycles leave no fd behind.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "rtap_test.h"

#define TX_OFFL (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
		 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

static struct rte_mempool *mp;
static int ns_main;
static volatile int flood_stop;

static int
link_up(uint16_t port)
{
	struct rte_eth_link l;

	if (rte_eth_link_get_nowait(port, &l) != 0)
		return 0;
	return l.link_status == RTE_ETH_LINK_UP;
}

static void
test_bad_tx(uint16_t port)
{
	struct rte_mbuf *m[2], *seg;
	uint64_t bad0 = rt_xstat(port, "tx_bad_offload_errors");
	uint64_t segs0 = rt_xstat(port, "tx_too_many_segs_errors");
	unsigned int inuse0 = rte_mempool_in_use_count(mp), i;
	int fd = rt_udp_sock(RT_IP_KERN, 7200);
	char buf[64];

	/* TSO asked, but no l4_len / tso_segsz. */
	m[0] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 1, 7200, "bad",
			     3, 0);
	m[0]->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4;
	/* 100 segments: more than one writev may carry here. */
	m[1] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 1, 7200, "x", 1,
			     0);
	for (i = 0; i < 99; i++) {
		seg = rte_pktmbuf_alloc(mp);
		RT_CHECK(seg != NULL && rte_pktmbuf_chain(m[1], seg) == 0,
			 "chain");
	}
	RT_CHECK(rte_eth_tx_burst(port, 0, m, 2) == 2,
		 "bad frames must be consumed (counted and freed)");
	RT_CHECK(rt_xstat(port, "tx_bad_offload_errors") == bad0 + 1,
		 "bad offload not counted");
	RT_CHECK(rt_xstat(port, "tx_too_many_segs_errors") == segs0 + 1,
		 "too many segs not counted");
	RT_CHECK(rte_mempool_in_use_count(mp) == inuse0, "bad frames leaked");
	/* Queue still fine. */
	m[0] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 1, 7200, "good",
			     4, 1);
	rt_tx_all(port, 0, m, 1);
	RT_CHECK(rt_recv_timeout(fd, buf, sizeof(buf), 2000) == 4 &&
		 memcmp(buf, "good", 4) == 0, "good frame after bad ones");
	close(fd);
	RT_OK("bad Tx requests counted (bad offload, 100 segments), freed, queue still delivers");
}

static void *
flood(void *arg __rte_unused)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd;

	rt_netns_enter(ns_main);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dst.sin_port = htons(7201);
	inet_pton(AF_INET, RT_IP_DPDK, &dst.sin_addr);
	while (!flood_stop) {
		/* Errors expected once the interface is gone. */
		if (sendto(fd, "flood", 5, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			usleep(1000);
	}
	close(fd);
	return NULL;
}

/* Traffic both ways, then yank(); bursts must wind down to 0. */
static void
yank_under_traffic(uint16_t port, const char *how, const char *cmd)
{
	struct rte_mbuf *rx[32], *tx[32];
	uint64_t t_yank = 0, end, rxn = 0, txn = 0, after_rx = 0,
		 after_tx = 0, last_nonzero = 0;
	uint64_t errs;
	struct rte_eth_stats st;
	pthread_t th;
	unsigned int i;

	flood_stop = 0;
	pthread_create(&th, NULL, flood, NULL);
	end = rt_now_ms() + 1500;
	while (rt_now_ms() < end) {
		uint16_t r = rte_eth_rx_burst(port, 0, rx, 32), s;

		rte_pktmbuf_free_bulk(rx, r);
		for (i = 0; i < 8; i++)
			tx[i] = rt_udp4_frame(mp, port, RT_IP_DPDK,
					      RT_IP_KERN, 1, 9, "yank", 4, 1);
		s = rte_eth_tx_burst(port, 0, tx, 8);
		rte_pktmbuf_free_bulk(tx + s, 8 - s);
		rxn += r;
		txn += s;
		if (t_yank == 0 && rt_now_ms() + 1000 > end) {
			t_yank = rt_now_ms();
			rt_sh("%s", cmd);
		}
		if (t_yank != 0) {
			after_rx += r;
			after_tx += s;
			if (r || s)
				last_nonzero = rt_now_ms();
		}
	}
	flood_stop = 1;
	pthread_join(th, NULL);
	RT_CHECK(rxn > 0 && txn > 0, "no traffic before the yank");
	RT_CHECK(!link_up(port), "link still up after %s", how);
	RT_CHECK(last_nonzero == 0 || last_nonzero < t_yank + 500,
		 "bursts still moving frames %" PRIu64 " ms after %s",
		 last_nonzero - t_yank, how);
	errs = rt_xstat(port, "tx_link_down_refused") +
	       rt_xstat(port, "rx_read_errors") +
	       rt_xstat(port, "tx_write_errors");
	RT_CHECK(errs > 0, "nothing counted after %s", how);
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats after %s", how);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop after %s", how);
	RT_CHECK(rte_mempool_in_use_count(mp) == 0,
		 "%u mbufs in use after %s", rte_mempool_in_use_count(mp), how);
	RT_CHECK(rte_eth_dev_close(port) == 0, "close after %s", how);
	RT_OK("%s under traffic: %" PRIu64 " rx / %" PRIu64 " tx before, bursts drained to 0, link down, %" PRIu64 " errors/refusals counted, stop/close clean, no mbuf leak",
	      how, rxn - after_rx, txn - after_tx, errs);
}

static uint16_t
new_port_rx(const char *name, const char *ifn, uint64_t rx_offl)
{
	char args[64];
	uint16_t port;

	snprintf(args, sizeof(args), "iface=%s", ifn);
	RT_CHECK(rte_vdev_init(name, args) == 0, "probe %s", name);
	port = rt_port_by_name(name);
	rt_port_start(port, 1, 1, rx_offl, TX_OFFL, mp, 0);
	rt_kif_addr(port, RT_IP_KERN, RT_IP_DPDK, RT_MAC_DPDK);
	return port;
}

static uint16_t
new_port(const char *name, const char *ifn)
{
	return new_port_rx(name, ifn, 0);
}

static void
test_cycles(void)
{
	unsigned int fds0 = 0, i;
	uint16_t port;

	/* First cycle warms up EAL-side allocations (interrupt thread
	 * epoll entries, mempool caches): count fds after it. */
	for (i = 0; i < 101; i++) {
		RT_CHECK(rte_vdev_init("net_rtap5", "iface=rcy0") == 0,
			 "cycle %u probe", i);
		port = rt_port_by_name("net_rtap5");
		rt_port_start(port, 2, 2, 0, 0, mp, 0);
		RT_CHECK(rte_eth_dev_stop(port) == 0, "cycle %u stop", i);
		RT_CHECK(rte_vdev_uninit("net_rtap5") == 0, "cycle %u remove",
			 i);
		if (i == 0)
			fds0 = rt_count_fds();
	}
	RT_CHECK(rt_count_fds() == fds0, "fd leak: %u -> %u after 100 cycles",
		 fds0, rt_count_fds());
	RT_CHECK(rte_mempool_in_use_count(mp) == 0, "mbuf leak after cycles");
	RT_CHECK(rt_sh_rc("ip link show rcy0 >/dev/null 2>&1") != 0,
		 "interface left after cycles");
	RT_OK("100 create/start/stop/destroy cycles (2+2 queues): %u fds before and after, no mbuf in use",
	      fds0);
}

int
main(int argc __rte_unused, char **argv)
{
	uint16_t port;
	pid_t child;
	int pipefd[2];
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rt_require_env();
	ns_main = rt_netns_new();
	rt_eal_init(argv[0], 0, NULL);
	mp = rt_pool("robust", 8192, RTE_MBUF_DEFAULT_BUF_SIZE);

	port = new_port("net_rtap0", "rrb0");
	test_bad_tx(port);
	RT_CHECK(rte_eth_dev_stop(port) == 0 && rte_eth_dev_close(port) == 0,
		 "close");

	port = new_port("net_rtap1", "rrd0");
	yank_under_traffic(port, "ip link del", "ip link del rrd0");
	/* LRO: 64 KB reads over chains of 2 KB mbufs, the readv mode's
	 * RWF_NOWAIT tries instead of the multishot read. */
	port = new_port_rx("net_rtap3", "rrl0", RTE_ETH_RX_OFFLOAD_TCP_LRO);
	{
		struct rte_eth_rxq_info qi;

		RT_CHECK(rte_eth_rx_queue_info_get(port, 0, &qi) == 0 &&
			 qi.scattered_rx, "LRO port not in the readv mode");
	}
	yank_under_traffic(port, "ip link del (readv mode)", "ip link del rrl0");

	/* A child in its own netns to move the interface into. */
	RT_CHECK(pipe(pipefd) == 0, "pipe");
	child = fork();
	if (child == 0) {
		if (unshare(CLONE_NEWNET) != 0)
			_exit(1);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	RT_CHECK(read(pipefd[0], &c, 1) == 1, "child netns");
	port = new_port("net_rtap2", "rrm0");
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "ip link set rrm0 netns %d", child);
		yank_under_traffic(port, "move to another netns", cmd);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	test_cycles();
	rte_eal_cleanup();
	printf("PASS test_pmd_robust\n");
	return 0;
}
