/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap control path against the real kernel (private netns):
 * devargs (default name, mac=fixed/explicit, persist, bad values),
 * dev_infos, link up/down both ways with LSC events, carrier, MTU both
 * ways, MAC both ways, promiscuous/allmulticast flags, link speed, and
 * imissed counting exactly the frames the kernel dropped for us.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include <ethdev_driver.h>
#include "rte_pmd_rtap.h"
#include "rtap.h"
#include "rtap_test.h"

static volatile uint32_t lsc_count;

static int
lsc_cb(uint16_t port __rte_unused, enum rte_eth_event_type ev,
       void *arg __rte_unused, void *ret __rte_unused)
{
	if (ev == RTE_ETH_EVENT_INTR_LSC)
		__atomic_fetch_add(&lsc_count, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Wait until cond() holds or fail after ms. */
#define WAIT_FOR(cond, ms, ...) do { \
	uint64_t end_ = rt_now_ms() + (ms); \
	while (!(cond) && rt_now_ms() < end_) \
		usleep(10000); \
	RT_CHECK(cond, __VA_ARGS__); \
} while (0)

static int
link_up(uint16_t port)
{
	struct rte_eth_link l;

	if (rte_eth_link_get_nowait(port, &l) != 0)
		return 0;
	return l.link_status == RTE_ETH_LINK_UP;
}

static int
kflag(const char *ifn, const char *flag)
{
	return rt_sh_rc("ip -o link show %s | grep -q '[<,]%s[,>]'", ifn,
			flag) == 0;
}

static void
test_devargs(void)
{
	struct rte_ether_addr mac;
	char out[128];
	uint16_t p;
	static const char *const bad[] = {
		"iface=waytoolongname0123",
		"iface=a/b",
		"mac=zz:00:00:00:00:01",
		"mac=01:00:00:00:00:01",	/* multicast */
		"persist=maybe",
		"backend=nosuch",
		"colour=blue",
		"iface=x,iface=y",
		"fanout=hash",			/* not a TAP option */
	};
	unsigned int i, fds0;

	/* Default name and mac=fixed. */
	RT_CHECK(rte_vdev_init("net_rtap9", "mac=fixed") == 0, "probe default");
	p = rt_port_by_name("net_rtap9");
	RT_CHECK(strncmp(rt_ifname(p), "rtap", 4) == 0, "default name %s",
		 rt_ifname(p));
	rte_eth_macaddr_get(p, &mac);
	RT_CHECK(mac.addr_bytes[0] == 0x02 && mac.addr_bytes[1] == 'r' &&
		 mac.addr_bytes[2] == 't' && mac.addr_bytes[3] == 'a' &&
		 mac.addr_bytes[4] == 'p', "fixed mac");
	RT_CHECK(rte_pmd_rtap_get_ifindex(p) ==
		 (int)if_nametoindex(rt_ifname(p)), "ifindex");
	RT_CHECK(rte_vdev_uninit("net_rtap9") == 0, "remove");
	RT_CHECK(rt_sh_rc("ip link show rtap0 >/dev/null 2>&1") != 0,
		 "interface left after close without persist");

	/* Explicit MAC, persist. */
	RT_CHECK(rte_vdev_init("net_rtap8",
			       "iface=rtp0,mac=02:11:22:33:44:55,persist=1") == 0,
		 "probe persist");
	rt_sh_out(out, sizeof(out),
		  "ip -o link show rtp0 | sed -n 's/.*link\\/ether \\([^ ]*\\).*/\\1/p'");
	RT_CHECK(strcmp(out, "02:11:22:33:44:55") == 0, "kernel mac %s", out);
	RT_CHECK(rte_vdev_uninit("net_rtap8") == 0, "remove persist");
	RT_CHECK(rt_sh_rc("ip link show rtp0 >/dev/null") == 0,
		 "persist interface gone after close");
	/* Re-attach to the persistent one, then let it go. */
	RT_CHECK(rte_vdev_init("net_rtap8", "iface=rtp0") == 0, "reattach");
	RT_CHECK(rte_vdev_uninit("net_rtap8") == 0, "remove again");
	RT_CHECK(rt_sh_rc("ip link show rtp0 >/dev/null 2>&1") != 0,
		 "persist=0 on reattach must drop persistence");

	fds0 = rt_count_fds();
	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret = rte_vdev_init("net_rtap7", bad[i]);

		RT_CHECK(ret < 0, "bad devargs '%s' accepted", bad[i]);
		RT_CHECK(rte_eth_dev_get_port_by_name("net_rtap7", &p) != 0,
			 "port left after failed probe of '%s'", bad[i]);
	}
	RT_CHECK(rt_count_fds() == fds0, "fd leak on failed probes: %u -> %u",
		 fds0, rt_count_fds());
	RT_OK("devargs: default name, mac=fixed/explicit, persist kept and dropped, %u bad strings refused without leaks",
	      (unsigned int)RTE_DIM(bad));
}

static void
test_infos(uint16_t port)
{
	struct rte_eth_dev_info di;

	RT_CHECK(rte_eth_dev_info_get(port, &di) == 0, "info");
	RT_CHECK(di.max_rx_queues >= 16 && di.max_tx_queues >= 16, "queues");
	RT_CHECK(di.max_rx_pktlen >= 9018 && di.max_lro_pkt_size >= 65535,
		 "lengths");
	RT_CHECK((di.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_TCP_LRO |
		  RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) ==
		 (RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_SCATTER |
		  RTE_ETH_RX_OFFLOAD_TCP_CKSUM), "rx capa 0x%" PRIx64,
		 di.rx_offload_capa);
	RT_CHECK((di.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_TCP_TSO |
		  RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) ==
		 (RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS),
		 "tx capa");
	RT_CHECK(di.if_index == if_nametoindex(rt_ifname(port)), "if_index");
	RT_OK("dev_infos: %u/%u queues, max_rx_pktlen %u, rx capa 0x%" PRIx64 ", tx capa 0x%" PRIx64,
	      di.max_rx_queues, di.max_tx_queues, di.max_rx_pktlen,
	      di.rx_offload_capa, di.tx_offload_capa);
}

static void
test_link(uint16_t port)
{
	const char *ifn = rt_ifname(port);
	uint32_t c0;

	WAIT_FOR(link_up(port), 2000, "link not up after start");
	c0 = lsc_count;
	RT_CHECK(rte_eth_dev_set_link_down(port) == 0, "set_link_down");
	RT_CHECK(!kflag(ifn, "UP"), "kernel still UP");
	WAIT_FOR(!link_up(port) && lsc_count > c0, 2000,
		 "no link down/LSC after set_link_down (lsc %u)", lsc_count);
	c0 = lsc_count;
	RT_CHECK(rte_eth_dev_set_link_up(port) == 0, "set_link_up");
	WAIT_FOR(link_up(port) && lsc_count > c0, 2000,
		 "no link up/LSC after set_link_up");
	/* Kernel side. */
	c0 = lsc_count;
	rt_sh("ip link set %s down", ifn);
	WAIT_FOR(!link_up(port) && lsc_count > c0, 2000,
		 "kernel 'ip link set down' not seen");
	c0 = lsc_count;
	rt_sh("ip link set %s up", ifn);
	WAIT_FOR(link_up(port) && lsc_count > c0, 2000,
		 "kernel 'ip link set up' not seen");
	/* Carrier (TUNSETCARRIER). */
	c0 = lsc_count;
	RT_CHECK(rte_pmd_rtap_set_carrier(port, 0) == 0, "carrier off");
	WAIT_FOR(!link_up(port) && lsc_count > c0, 2000, "carrier off not seen");
	RT_CHECK(rt_sh_rc("ip -o link show %s | grep -q NO-CARRIER", ifn) == 0,
		 "kernel has carrier");
	c0 = lsc_count;
	RT_CHECK(rte_pmd_rtap_set_carrier(port, 1) == 0, "carrier on");
	WAIT_FOR(link_up(port) && lsc_count > c0, 2000, "carrier on not seen");
	RT_OK("link: set_link_down/up, kernel down/up and carrier off/on each gave link state + LSC (%u events)",
	      lsc_count);
}

static void
test_mtu_mac_flags(uint16_t port)
{
	const char *ifn = rt_ifname(port);
	struct rte_ether_addr mac, want;
	struct rte_eth_link l;
	uint16_t mtu;
	char out[64];

	RT_CHECK(rte_eth_dev_set_mtu(port, 1400) == 0, "set mtu");
	rt_sh_out(out, sizeof(out),
		  "ip -o link show %s | sed -n 's/.* mtu \\([0-9]*\\).*/\\1/p'", ifn);
	RT_CHECK(strcmp(out, "1400") == 0, "kernel mtu %s", out);
	rt_sh("ip link set %s mtu 1280", ifn);
	WAIT_FOR(rte_eth_dev_get_mtu(port, &mtu) == 0 && mtu == 1280, 2000,
		 "kernel mtu change not seen (%u)", mtu);
	RT_CHECK(rte_eth_dev_set_mtu(port, 9000) == -EBUSY,
		 "MTU beyond the posted Rx buffers accepted while started");

	rte_ether_unformat_addr("02:aa:bb:cc:dd:01", &want);
	RT_CHECK(rte_eth_dev_default_mac_addr_set(port, &want) == 0, "mac set");
	rt_sh_out(out, sizeof(out),
		  "ip -o link show %s | sed -n 's/.*link\\/ether \\([^ ]*\\).*/\\1/p'", ifn);
	RT_CHECK(strcmp(out, "02:aa:bb:cc:dd:01") == 0, "kernel mac %s", out);
	rt_sh("ip link set %s address 02:aa:bb:cc:dd:02", ifn);
	rte_ether_unformat_addr("02:aa:bb:cc:dd:02", &want);
	WAIT_FOR(rte_eth_macaddr_get(port, &mac) == 0 &&
		 rte_is_same_ether_addr(&mac, &want), 2000,
		 "kernel mac change not seen");

	RT_CHECK(rte_eth_promiscuous_enable(port) == 0 && kflag(ifn, "PROMISC"),
		 "promisc on");
	RT_CHECK(rte_eth_promiscuous_disable(port) == 0 &&
		 !kflag(ifn, "PROMISC"), "promisc off");
	RT_CHECK(rte_eth_allmulticast_enable(port) == 0 &&
		 kflag(ifn, "ALLMULTI"), "allmulti on");
	RT_CHECK(rte_eth_allmulticast_disable(port) == 0 &&
		 !kflag(ifn, "ALLMULTI"), "allmulti off");

	RT_CHECK(rte_pmd_rtap_set_link_speed(port, 25000, 1) == 0, "speed");
	rt_sh("ethtool %s | grep -q 'Speed: 25000Mb/s'", ifn);
	RT_CHECK(rte_eth_link_get_nowait(port, &l) == 0, "link get");
	RT_CHECK(l.link_speed == 25000, "link speed %u", l.link_speed);
	rte_pmd_rtap_set_link_speed(port, 10000, 1);
	RT_OK("MTU both ways (1400 set, kernel 1280 seen, 9000 refused while started), MAC both ways, promisc/allmulti in kernel flags, speed 25G via ethtool");
}

static void
test_imissed(uint16_t port)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rte_mbuf *m[64];
	struct rte_eth_stats st;
	unsigned int sent = 0, got = 0, i, r;
	int fd, big = 64 << 20;
	char pl[64] = "imissed";
	const struct rtap_rxq *q = rte_eth_devices[port].data->rx_queues[0];
	uint64_t nobuf0;

	rt_kif_addr(port, RT_IP_KERN, RT_IP_DPDK, RT_MAC_DPDK);
	fd = rt_udp_sock(RT_IP_KERN, 7100);
	/* Drain anything pending, then reset. */
	while (rte_eth_rx_burst(port, 0, m, 64) > 0)
		;
	rte_pktmbuf_free_bulk(m, 0);
	RT_CHECK(rte_eth_stats_reset(port) == 0, "reset");
	/* 64-byte frames into 2 KB mbufs on kernel 6.18: the multishot
	 * read over lent mbufs (rtap.rst), not posted readv. */
	RT_CHECK(q->mshot == 1 && q->br_nb > 0, "rxq 0 not in multishot mode");
	nobuf0 = rt_xstat(port, "rx_no_buffer_events");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	dst.sin_port = htons(7101);
	inet_pton(AF_INET, RT_IP_DPDK, &dst.sin_addr);
	/* Nobody polls: the lent buffers + the tun queue (1000) fill up,
	 * the rest is dropped by the kernel and must show as imissed. */
	for (i = 0; i < 3000; i++)
		if (sendto(fd, pl, sizeof(pl), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == sizeof(pl))
			sent++;
	close(fd);
	do {
		r = rt_rx_wait(port, 1, m, 64, 200, NULL);
		rte_pktmbuf_free_bulk(m, r);
		got += r;
	} while (r > 0);
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	RT_CHECK(st.ipackets == got, "ipackets %" PRIu64 " got %u", st.ipackets,
		 got);
	RT_CHECK(got < sent, "nothing dropped (%u of %u): test invalid", got,
		 sent);
	RT_CHECK(st.imissed == sent - got, "imissed %" PRIu64 " want %u",
		 st.imissed, sent - got);
	/* The buffers ran out once (the read ended with -ENOBUFS) and the
	 * bursts above re-armed it: the tun queue's frames came after. */
	RT_CHECK(rt_xstat(port, "rx_no_buffer_events") > nobuf0,
		 "rx_no_buffer_events did not move (%" PRIu64 ")", nobuf0);
	RT_CHECK(got > q->br_nb, "got %u, not more than the %u buffers", got,
		 q->br_nb);
	RT_OK("imissed: %u sent by the kernel while not polling, %u received (%u lent buffers ran out, read re-armed), imissed %" PRIu64 " (exact)",
	      sent, got, q->br_nb, st.imissed);
}

/* Kernel MTU raised above the posted (single-mbuf) reads while started:
 * the oversized frame is counted and dropped, the next small one flows. */
static void
test_kernel_mtu_overflow(uint16_t port)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	static char big[3000];
	struct rte_mbuf *m[4];
	uint64_t err0 = rt_xstat(port, "rx_read_errors") +
			rt_xstat(port, "rx_bad_length_errors");
	uint64_t err1;
	int fd = rt_udp_sock(RT_IP_KERN, 7300);

	rt_sh("ip link set %s mtu 4000", rt_ifname(port));
	dst.sin_port = htons(7301);
	inet_pton(AF_INET, RT_IP_DPDK, &dst.sin_addr);
	RT_CHECK(sendto(fd, big, sizeof(big), 0, (struct sockaddr *)&dst,
			sizeof(dst)) == sizeof(big), "send big");
	if (rt_rx_wait(port, 1, m, 1, 500, NULL) != 0) {
		rte_pktmbuf_dump(stderr, m[0], 64);
		rt_dump_xstats(port);
		RT_FAIL("oversized frame delivered");
	}
	err1 = rt_xstat(port, "rx_read_errors") +
	       rt_xstat(port, "rx_bad_length_errors");
	RT_CHECK(err1 == err0 + 1, "oversized frame not counted (%" PRIu64
		 " -> %" PRIu64 ")", err0, err1);
	RT_CHECK(sendto(fd, "small", 5, 0, (struct sockaddr *)&dst,
			sizeof(dst)) == 5, "send small");
	RT_CHECK(rt_rx_wait(port, 1, m, 1, 2000, NULL) == 1,
		 "queue dead after an oversized frame");
	rte_pktmbuf_free(m[0]);
	close(fd);
	rt_sh("ip link set %s mtu 1500", rt_ifname(port));
	RT_OK("kernel MTU 4000 over 2 KB reads: oversized frame counted as an Rx error and dropped, queue keeps working");
}

/*
 * testpmd "port stop all; port start all" left a TAP port receiving
 * nothing: rte_eth_dev_start() replays the MAC, the kernel flushed the
 * interface's neighbours on the (same-address) change and then sent only
 * ARP requests.  After stop/start cycles the permanent neighbour is still
 * there, kernel frames arrive and no Rx error is counted.
 */
static void
test_restart(uint16_t port)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rte_mbuf *m[32];
	struct rte_eth_stats st;
	unsigned int got, i, cycle;
	int fd = rt_udp_sock(RT_IP_KERN, 7400);
	char buf[256];

	dst.sin_port = htons(7401);
	inet_pton(AF_INET, RT_IP_DPDK, &dst.sin_addr);
	for (cycle = 0; cycle < 3; cycle++) {
		RT_CHECK(rte_eth_dev_stop(port) == 0, "stop %u", cycle);
		RT_CHECK(rte_eth_dev_start(port) == 0, "start %u", cycle);
		WAIT_FOR(link_up(port), 3000, "link not up after restart");
		RT_CHECK(rte_eth_stats_reset(port) == 0, "stats reset");
		rt_sh_out(buf, sizeof(buf), "ip neigh show %s dev %s",
			  RT_IP_DPDK, rt_ifname(port));
		RT_CHECK(strstr(buf, "PERMANENT") != NULL,
			 "permanent neighbour lost after stop/start %u: '%s'",
			 cycle, buf);
		for (i = 0; i < 16; i++)
			RT_CHECK(sendto(fd, "restart", 7, 0,
					(struct sockaddr *)&dst,
					sizeof(dst)) == 7, "send");
		got = rt_rx_wait(port, 1, m, 16, 2000, NULL);
		rte_pktmbuf_free_bulk(m, got);
		RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
		if (got != 16 || st.ierrors != 0) {
			rt_dump_xstats(port);
			RT_FAIL("after stop/start %u: %u of 16 frames, %" PRIu64
				" Rx errors", cycle, got, st.ierrors);
		}
	}
	close(fd);
	RT_OK("3 stop/start cycles: permanent neighbour kept, 16/16 kernel frames received each time, no Rx error");
}

int
main(int argc __rte_unused, char **argv)
{
	const char *vdev[] = { "net_rtap0,iface=rtc0" };
	struct rte_mempool *mp;
	uint16_t port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rt_require_env();
	rt_netns_new();
	rt_eal_init(argv[0], 1, vdev);
	test_devargs();
	port = rt_port_by_name("net_rtap0");
	mp = rt_pool("ctrl", 4096, RTE_MBUF_DEFAULT_BUF_SIZE);
	rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, lsc_cb,
				      NULL);
	rt_port_start(port, 1, 1, 0, 0, mp, 0);
	test_infos(port);
	test_link(port);
	test_mtu_mac_flags(port);
	test_imissed(port);
	test_kernel_mtu_overflow(port);
	test_restart(port);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_mempool_in_use_count(mp) == 0, "mbufs in use");
	RT_CHECK(rte_eth_dev_close(port) == 0, "close");
	RT_CHECK(rt_sh_rc("ip link show rtc0 >/dev/null 2>&1") != 0,
		 "interface left after close");
	rte_eal_cleanup();
	printf("PASS test_pmd_ctrl\n");
	return 0;
}
