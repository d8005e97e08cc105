/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap datapath through the real kernel stack (one private netns):
 * Tx with checksum offload verified by kernel UDP sockets, Rx of kernel
 * datagrams byte for byte, jumbo frames (MTU 9000, chains both ways),
 * multi-queue spread, reconfigure up/down, queue stop/start, exact
 * stats/xstats, Rx interrupt wakeup (multishot and readv modes), no
 * request left waiting on an idle readv queue, and no mbuf left behind.
 */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <ethdev_driver.h>
#include "rtap.h"
#include "rtap_test.h"

#define TX_OFFL (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
		 RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define RX_OFFL (RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
		 RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)

static struct rte_mempool *mp;
static uint16_t port;

static void
restart(uint16_t nrx, uint16_t ntx, uint64_t rx_offl, int intr)
{
	rt_port_start(port, nrx, ntx, rx_offl, TX_OFFL, mp, intr);
	/* Carrier off/on may flush neighbours: state ours again. */
	rt_sh("ip neigh replace %s lladdr %s dev %s nud permanent",
	      RT_IP_DPDK, RT_MAC_DPDK, rt_ifname(port));
}

static void
fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + seed);
}

static uint64_t
snmp_udp(const char *field)
{
	char cmd[256], out[64];

	snprintf(cmd, sizeof(cmd),
		 "awk '/^Udp:/{if(!h){for(i=1;i<=NF;i++)n[i]=$i;h=1}else{for(i=1;i<=NF;i++)if(n[i]==\"%s\")print $i}}' /proc/net/snmp",
		 field);
	rt_sh_out(out, sizeof(out), "%s", cmd);
	return strtoull(out, NULL, 10);
}

/* Kernel -> DPDK: send n datagrams of len bytes from a kernel socket. */
static void
kernel_send(unsigned int n, uint32_t len, uint16_t sport_base, int vary)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	static uint8_t buf[65536];
	unsigned int i;

	dst.sin_port = htons(7001);
	inet_pton(AF_INET, RT_IP_DPDK, &dst.sin_addr);
	for (i = 0; i < n; i++) {
		int fd = rt_udp_sock(RT_IP_KERN,
				     (uint16_t)(sport_base + (vary ? i : 0)));

		fill(buf, len, i);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != (ssize_t)len)
			RT_FAIL("sendto: %s", strerror(errno));
		close(fd);
	}
}

static void
check_udp_rx(struct rte_mbuf *m, uint32_t len, unsigned int seed)
{
	static uint8_t want[65536], got[65536];
	const struct rte_ipv4_hdr *ip;
	struct rte_ipv4_hdr iph;
	uint32_t hl = RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(struct rte_udp_hdr);

	if (m->pkt_len != hl + len)
		rte_pktmbuf_dump(stderr, m, 96);
	RT_CHECK(m->pkt_len == hl + len, "pkt_len %u want %u", m->pkt_len,
		 hl + len);
	ip = rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN, sizeof(iph), &iph);
	RT_CHECK(ip->next_proto_id == IPPROTO_UDP, "proto %u",
		 ip->next_proto_id);
	RT_CHECK(rte_pktmbuf_read(m, hl, len, got) != NULL, "read payload");
	fill(want, len, seed);
	RT_CHECK(memcmp(rte_pktmbuf_read(m, hl, len, got), want, len) == 0,
		 "payload differs (len %u seed %u)", len, seed);
	RT_CHECK((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP,
		 "ptype 0x%x", m->packet_type);
}

static void
test_tx_csum(void)
{
	int fd = rt_udp_sock(RT_IP_KERN, 7000);
	uint8_t pl[512], buf[2048];
	struct rte_mbuf *m[10];
	uint64_t csum_err0 = snmp_udp("InCsumErrors");
	unsigned int i;
	int n;

	for (i = 0; i < 10; i++) {
		fill(pl, sizeof(pl), i);
		m[i] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 5000,
				     7000, pl, sizeof(pl), 1);
	}
	rt_tx_all(port, 0, m, 10);
	for (i = 0; i < 10; i++) {
		n = rt_recv_timeout(fd, buf, sizeof(buf), 2000);
		RT_CHECK(n == (int)sizeof(pl), "datagram %u: got %d", i, n);
		fill(pl, sizeof(pl), i);
		RT_CHECK(memcmp(buf, pl, sizeof(pl)) == 0, "payload %u", i);
	}
	/* Control: a wrong checksum without offload must be refused by
	 * the kernel, so the ten above really were verified. */
	fill(pl, sizeof(pl), 99);
	m[0] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 5000, 7000, pl,
			     sizeof(pl), 0);
	rte_pktmbuf_mtod_offset(m[0], struct rte_udp_hdr *,
		RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))->dgram_cksum ^= 0x1234;
	rt_tx_all(port, 0, m, 1);
	RT_CHECK(rt_recv_timeout(fd, buf, sizeof(buf), 300) < 0,
		 "kernel accepted a bad UDP checksum");
	RT_CHECK(snmp_udp("InCsumErrors") == csum_err0 + 1,
		 "InCsumErrors %" PRIu64 " -> %" PRIu64, csum_err0,
		 snmp_udp("InCsumErrors"));
	close(fd);
	RT_OK("Tx: 10 UDP frames with IP+UDP checksum offload accepted by the kernel, bad checksum refused");
}

/*
 * Tx of a single-segment mbuf the PMD owns alone goes out as one WRITE
 * with the vnet header in the mbuf's headroom; a shared mbuf (refcnt 2),
 * an indirect clone and one with less headroom than the header must take
 * the iovec path and leave every byte outside their data untouched.  All
 * four datagrams must arrive intact, checksums verified by the kernel.
 */
static void
test_tx_paths(void)
{
	int fd = rt_udp_sock(RT_IP_KERN, 7010);
	uint8_t pl[256], buf[2048], room_before[RTE_PKTMBUF_HEADROOM];
	struct rte_mbuf *m[4], *shared, *clone_src, *sent[1];
	uint64_t good0 = rt_xstat(port, "tx_good_packets");
	unsigned int i;
	uint16_t len;
	char *data;
	int n;

	for (i = 0; i < 4; i++) {
		fill(pl, sizeof(pl), 40 + i);
		m[i] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 5010,
				     7010, pl, sizeof(pl), 1);
	}
	/* m[1]: shared with the test, which checks its headroom after. */
	shared = m[1];
	memset(shared->buf_addr, 0xa5, rte_pktmbuf_headroom(shared));
	memcpy(room_before, shared->buf_addr, rte_pktmbuf_headroom(shared));
	rte_mbuf_refcnt_update(shared, 1);
	/* m[2]: an indirect clone of a frame the test keeps. */
	clone_src = m[2];
	m[2] = rte_pktmbuf_clone(clone_src, mp);
	RT_CHECK(m[2] != NULL && RTE_MBUF_CLONED(m[2]), "clone");
	/* m[3]: 4 bytes of headroom, less than the 10-byte header. */
	len = m[3]->data_len;
	data = rte_pktmbuf_mtod(m[3], char *);
	memmove((char *)m[3]->buf_addr + 4, data, len);
	m[3]->data_off = 4;
	for (i = 0; i < 4; i++) {
		sent[0] = m[i];
		rt_tx_all(port, 0, sent, 1);
		n = rt_recv_timeout(fd, buf, sizeof(buf), 2000);
		RT_CHECK(n == (int)sizeof(pl), "path %u: got %d", i, n);
		fill(pl, sizeof(pl), 40 + i);
		RT_CHECK(memcmp(buf, pl, sizeof(pl)) == 0, "path %u payload", i);
	}
	/* The completion of the shared frame dropped our extra reference. */
	for (i = 0; i < 100 && rte_mbuf_refcnt_read(shared) != 1; i++) {
		sent[0] = NULL;
		rte_eth_tx_burst(port, 0, sent, 0);	/* reaps */
		usleep(1000);
	}
	RT_CHECK(rte_mbuf_refcnt_read(shared) == 1, "shared refcnt %u",
		 rte_mbuf_refcnt_read(shared));
	RT_CHECK(memcmp(room_before, shared->buf_addr,
			rte_pktmbuf_headroom(shared)) == 0,
		 "headroom of a shared mbuf was written");
	RT_CHECK(rte_mbuf_refcnt_read(clone_src) == 1, "clone source refcnt %u",
		 rte_mbuf_refcnt_read(clone_src));
	rte_pktmbuf_free(shared);
	rte_pktmbuf_free(clone_src);
	RT_CHECK(rt_xstat(port, "tx_good_packets") == good0 + 4,
		 "tx_good_packets +%" PRIu64 ", want +4",
		 rt_xstat(port, "tx_good_packets") - good0);
	close(fd);
	RT_OK("Tx paths: own mbuf (header in headroom), shared, indirect clone, 4-byte headroom: 4 datagrams intact, shared headroom untouched");
}

static void
test_rx(unsigned int n, uint32_t len)
{
	struct rte_mbuf *m[64];
	unsigned int got, i;
	uint64_t partial0 = rt_xstat(port, "rx_l4_csum_partial_packets");

	kernel_send(n, len, 6000, 0);
	got = rt_rx_wait(port, 1, m, n, 3000, NULL);
	if (got != n) {
		rt_dump_xstats(port);
		if (got > 0)
			rte_pktmbuf_dump(stderr, m[0], 64);
		rt_sh_rc("ip neigh; ip -s link");
	}
	RT_CHECK(got == n, "received %u of %u", got, n);
	for (i = 0; i < got; i++) {
		check_udp_rx(m[i], len, i);
		/* Locally generated UDP is CHECKSUM_PARTIAL in the kernel:
		 * NEEDS_CSUM -> L4 "none" (payload intact, field partial). */
		RT_CHECK((m[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
			 RTE_MBUF_F_RX_L4_CKSUM_NONE, "ol_flags 0x%" PRIx64,
			 m[i]->ol_flags);
		RT_CHECK((m[i]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
			 RTE_MBUF_F_RX_IP_CKSUM_GOOD, "ip csum flags 0x%" PRIx64,
			 m[i]->ol_flags);
		if (len + 42 > 2048)
			RT_CHECK(m[i]->nb_segs > 1, "jumbo not chained");
		rte_pktmbuf_free(m[i]);
	}
	RT_CHECK(rt_xstat(port, "rx_l4_csum_partial_packets") == partial0 + n,
		 "csum_partial xstat");
	RT_OK("Rx: %u kernel UDP datagrams of %u bytes, exact bytes and flags", n,
	      len);
}

static void
test_jumbo(void)
{
	static uint8_t pl[8000], buf[9000];
	char mtu[32];
	struct rte_mbuf *m;
	uint16_t got_mtu;
	int fd, n;

	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_eth_dev_set_mtu(port, 9000) == 0, "set mtu 9000");
	rt_sh_out(mtu, sizeof(mtu),
		  "ip -o link show %s | sed -n 's/.* mtu \\([0-9]*\\).*/\\1/p'",
		  rt_ifname(port));
	RT_CHECK(strcmp(mtu, "9000") == 0, "kernel mtu %s", mtu);
	restart(1, 1, RX_OFFL | RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	RT_CHECK(rte_eth_dev_get_mtu(port, &got_mtu) == 0 && got_mtu == 9000,
		 "mtu %u", got_mtu);
	fd = rt_udp_sock(RT_IP_KERN, 7002);
	fill(pl, sizeof(pl), 42);
	m = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 5000, 7002, pl,
			  sizeof(pl), 1);
	RT_CHECK(m->nb_segs >= 4, "tx chain %u segs", m->nb_segs);
	rt_tx_all(port, 0, &m, 1);
	n = rt_recv_timeout(fd, buf, sizeof(buf), 2000);
	RT_CHECK(n == (int)sizeof(pl) && memcmp(buf, pl, sizeof(pl)) == 0,
		 "jumbo tx: got %d", n);
	close(fd);
	RT_CHECK(rt_xstat(port, "tx_multiseg_packets") >= 1, "tx multiseg");
	test_rx(4, 8000);
	RT_CHECK(rt_xstat(port, "rx_multiseg_packets") >= 4, "rx multiseg");
	RT_OK("jumbo: MTU 9000 set in the kernel, 8000-byte chains both ways");
}

/* MTU changed while stopped, port started again without queue setup:
 * the posted reads must follow the new MTU. */
static void
test_mtu_restart(void)
{
	struct rte_eth_rxq_info qi;

	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_eth_dev_set_mtu(port, 1500) == 0, "mtu 1500");
	RT_CHECK(rte_eth_dev_start(port) == 0, "start");
	RT_CHECK(rte_eth_rx_queue_info_get(port, 0, &qi) == 0 &&
		 !qi.scattered_rx, "1500: reads still scattered");
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_eth_dev_set_mtu(port, 9000) == 0, "mtu 9000");
	RT_CHECK(rte_eth_dev_start(port) == 0, "start");
	RT_CHECK(rte_eth_rx_queue_info_get(port, 0, &qi) == 0 &&
		 qi.scattered_rx, "9000: reads not scattered");
	rt_sh("ip neigh replace %s lladdr %s dev %s nud permanent",
	      RT_IP_DPDK, RT_MAC_DPDK, rt_ifname(port));
	test_rx(2, 8000);
	RT_OK("MTU 9000 -> 1500 -> 9000 while stopped: reads re-sized at start without queue setup");
}

static void
test_multiqueue(uint16_t nrx, uint16_t ntx)
{
	struct rte_mbuf *m[256];
	uint16_t qc[16] = { 0 };
	struct rte_eth_stats st;
	unsigned int got, i, used = 0;
	int fd;

	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	restart(nrx, ntx, RX_OFFL | RTE_ETH_RX_OFFLOAD_SCATTER, 0);
	rte_eth_stats_reset(port);
	rte_eth_xstats_reset(port);
	kernel_send(128, 100, 20000, 1);
	got = rt_rx_wait(port, nrx, m, 128, 3000, qc);
	if (got != 128) {
		struct rtap_rxq *rq = rte_eth_devices[port].data->rx_queues[0];
		struct rtap_qproc *rr = &RTAP_PROC(&rte_eth_devices[port])->rxq[0];

		fprintf(stderr, "DBG in_flight %u slots %u ring %u cq_ready %u sq_ready %u\n",
			rq->in_flight, rq->nb_slots, rr->ring_ok,
			rr->ring_ok ? io_uring_cq_ready(&rr->ring) : 0,
			rr->ring_ok ? io_uring_sq_ready(&rr->ring) : 0);
		rt_dump_xstats(port);
		rt_sh_rc("tc -s qdisc show dev %s", rt_ifname(port));
	}
	RT_CHECK(got == 128, "mq rx %u of 128", got);
	for (i = 0; i < nrx; i++)
		used += qc[i] > 0;
	if (nrx > 1)
		RT_CHECK(used >= 2, "128 flows all on one of %u queues", nrx);
	rte_pktmbuf_free_bulk(m, got);
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	RT_CHECK(st.ipackets == 128 && st.ibytes == 128 * 142,
		 "ipackets %" PRIu64 " ibytes %" PRIu64, st.ipackets,
		 st.ibytes);
	for (i = 0; i < nrx; i++)
		RT_CHECK(st.q_ipackets[i] == qc[i], "q%u %" PRIu64 " vs %u", i,
			 st.q_ipackets[i], qc[i]);
	RT_CHECK(rt_xstat(port, "rx_size_128_to_255_packets") == 128,
		 "size bucket");
	/* Every Tx queue reaches the kernel. */
	fd = rt_udp_sock(RT_IP_KERN, 7003);
	for (i = 0; i < ntx; i++) {
		uint8_t pl[64], buf[128];

		fill(pl, sizeof(pl), i);
		m[0] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 5000,
				     7003, pl, sizeof(pl), 1);
		rt_tx_all(port, (uint16_t)i, m, 1);
		RT_CHECK(rt_recv_timeout(fd, buf, sizeof(buf), 2000) == 64 &&
			 memcmp(buf, pl, 64) == 0, "txq %u", i);
	}
	close(fd);
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	RT_CHECK(st.opackets == ntx && st.obytes == (uint64_t)ntx * 106,
		 "opackets %" PRIu64 " obytes %" PRIu64, st.opackets,
		 st.obytes);
	for (i = 0; i < ntx; i++)
		RT_CHECK(st.q_opackets[i] == 1, "q_opackets[%u]", i);
	RT_OK("multi-queue %u Rx / %u Tx: 128 flows on %u queues, stats exact",
	      nrx, ntx, used);
}

static void
test_queue_stop_start(void)
{
	struct rte_mbuf *m[4];

	RT_CHECK(rte_eth_dev_rx_queue_stop(port, 0) == 0, "rxq stop");
	kernel_send(2, 64, 6000, 0);
	RT_CHECK(rt_rx_wait(port, 1, m, 2, 300, NULL) == 0,
		 "stopped queue delivered");
	RT_CHECK(rte_eth_dev_rx_queue_start(port, 0) == 0, "rxq start");
	/* The two frames waited in the kernel queue. */
	RT_CHECK(rt_rx_wait(port, 1, m, 2, 2000, NULL) == 2,
		 "after restart");
	rte_pktmbuf_free_bulk(m, 2);
	RT_CHECK(rte_eth_dev_tx_queue_stop(port, 0) == 0, "txq stop");
	m[0] = rt_udp4_frame(mp, port, RT_IP_DPDK, RT_IP_KERN, 1, 2, "x", 1, 0);
	RT_CHECK(rte_eth_tx_burst(port, 0, m, 1) == 0, "stopped txq took a frame");
	RT_CHECK(rte_eth_dev_tx_queue_start(port, 0) == 0, "txq start");
	rt_tx_all(port, 0, m, 1);
	RT_OK("queue stop/start: stopped queues move nothing, frames wait in the kernel");
}

static void *
late_sender(void *arg)
{
	int ns = *(int *)arg;

	rt_netns_enter(ns);
	usleep(300 * 1000);
	kernel_send(1, 64, 6000, 0);
	return NULL;
}

/*
 * Rx interrupt armed on queue 0: epoll stays quiet for 200 ms, then wakes
 * for a frame sent 300 ms later; the frame is read into *m.  Returns the
 * wake-up time in ms.
 */
static uint64_t
sleep_until_late_frame(int ns, struct rte_mbuf **m)
{
	struct rte_epoll_event ev;
	pthread_t th;
	uint64_t t0, dt;
	int n;

	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 200);
	RT_CHECK(n == 0, "woke up with no traffic (%d)", n);
	pthread_create(&th, NULL, late_sender, &ns);
	t0 = rt_now_ms();
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 3000);
	dt = rt_now_ms() - t0;
	pthread_join(th, NULL);
	RT_CHECK(n == 1, "no Rx interrupt within 3 s (%d)", n);
	RT_CHECK(dt >= 250 && dt < 2000, "woke after %" PRIu64 " ms", dt);
	RT_CHECK(rte_eth_dev_rx_intr_disable(port, 0) == 0, "intr disable");
	RT_CHECK(rt_rx_wait(port, 1, m, 1, 500, NULL) == 1,
		 "frame after wakeup");
	return dt;
}

static void
test_rx_intr(int ns)
{
	struct rte_mbuf *m[4];
	uint64_t dt;

	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	restart(1, 1, RX_OFFL | RTE_ETH_RX_OFFLOAD_SCATTER, 1);
	RT_CHECK(rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
					   RTE_INTR_EVENT_ADD, NULL) == 0,
		 "rx_intr_ctl_q");
	RT_CHECK(rte_eth_dev_rx_intr_enable(port, 0) == 0, "intr enable");
	dt = sleep_until_late_frame(ns, m);
	rte_pktmbuf_free(m[0]);
	rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
				  RTE_INTR_EVENT_DEL, NULL);
	RT_OK("Rx interrupt: epoll timed out idle, woke %" PRIu64 " ms after a frame was sent 300 ms later",
	      dt);
}

/*
 * io_uring requests of this process waiting on a file: the "PollList"
 * of every ring's fdinfo (kernel 5.x+: one "  op=N, ..." line per armed
 * poll, including the internal poll of a read that would block).
 */
static void
count_polls(unsigned int *readv, unsigned int *poll)
{
	char path[300], link[64], line[256];
	struct dirent *de;
	unsigned int rings = 0;
	DIR *d = opendir("/proc/self/fd");

	*readv = *poll = 0;
	RT_CHECK(d != NULL, "opendir /proc/self/fd");
	while ((de = readdir(d)) != NULL) {
		ssize_t n;
		int in_list = 0, seen_list = 0, op;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strcmp(link, "anon_inode:[io_uring]") != 0)
			continue;
		rings++;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s",
			 de->d_name);
		f = fopen(path, "r");
		RT_CHECK(f != NULL, "open %s", path);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "PollList:", 9) == 0) {
				in_list = seen_list = 1;
				continue;
			}
			if (in_list && sscanf(line, " op=%d", &op) == 1) {
				if (op == IORING_OP_READV)
					(*readv)++;
				else if (op == IORING_OP_POLL_ADD)
					(*poll)++;
				continue;
			}
			in_list = 0;
		}
		fclose(f);
		RT_CHECK(seen_list, "%s has no PollList section", path);
	}
	closedir(d);
	RT_CHECK(rings >= 1, "no io_uring fd: the Rx queue has no ring");
}

/*
 * Readv mode (a frame needs more than one mbuf): every read is an
 * RWF_NOWAIT try, so an idle queue leaves nothing waiting on the tun
 * queue (waiting reads were woken all together for every frame); a
 * sleeping application waits on the one poll rx_intr_enable arms.
 */
static void
test_rx_readv(int ns)
{
	struct rte_eth_rxq_info qi;
	struct rte_mbuf *m[4];
	unsigned int readv, poll, i;
	uint64_t dt;

	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_eth_dev_set_mtu(port, 9000) == 0, "set mtu 9000");
	restart(1, 1, RX_OFFL | RTE_ETH_RX_OFFLOAD_SCATTER, 1);
	RT_CHECK(rte_eth_rx_queue_info_get(port, 0, &qi) == 0 &&
		 qi.scattered_rx, "MTU 9000 with 2 KB mbufs: not scattered");
	for (i = 0; i < 100; i++)
		RT_CHECK(rte_eth_rx_burst(port, 0, m, 4) == 0, "idle frame");
	count_polls(&readv, &poll);
	RT_CHECK(readv == 0 && poll == 0,
		 "idle readv queue: %u reads and %u polls wait on the tun queue",
		 readv, poll);
	/* Reads tried per burst grow with the backlog: 40 in order. */
	test_rx(40, 3000);

	RT_CHECK(rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
					   RTE_INTR_EVENT_ADD, NULL) == 0,
		 "rx_intr_ctl_q");
	RT_CHECK(rte_eth_dev_rx_intr_enable(port, 0) == 0, "intr enable");
	count_polls(&readv, &poll);
	RT_CHECK(readv == 0 && poll == 1, "armed: %u reads, %u polls (want 0, 1)",
		 readv, poll);
	dt = sleep_until_late_frame(ns, m);
	check_udp_rx(m[0], 64, 0);
	rte_pktmbuf_free(m[0]);
	count_polls(&readv, &poll);
	RT_CHECK(readv == 0 && poll == 0,
		 "after the wakeup: %u reads, %u polls still wait", readv, poll);
	/* Armed and never fired: the stop must cancel it. */
	RT_CHECK(rte_eth_dev_rx_intr_enable(port, 0) == 0, "intr enable");
	RT_CHECK(rte_eth_dev_rx_intr_disable(port, 0) == 0, "intr disable");
	rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
				  RTE_INTR_EVENT_DEL, NULL);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop with the poll armed");
	RT_CHECK(rt_xstat(port, "rx_read_errors") == 0, "rx_read_errors %" PRIu64,
		 rt_xstat(port, "rx_read_errors"));
	RT_OK("readv mode: idle queue leaves 0 waiting requests, 40 x 3000 B in order, one poll armed by intr enable, woke %" PRIu64 " ms after a late frame",
	      dt);
}

int
main(int argc __rte_unused, char **argv)
{
	const char *vdev[] = { "net_rtap0,iface=rtt%d" };
	int ns;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rt_require_env();
	ns = rt_netns_new();
	rt_eal_init(argv[0], 1, vdev);
	port = rt_port_by_name("net_rtap0");
	mp = rt_pool("rxtx", 8192, RTE_MBUF_DEFAULT_BUF_SIZE);
	rt_port_start(port, 1, 1, RX_OFFL, TX_OFFL, mp, 0);
	RT_CHECK(strncmp(rt_ifname(port), "rtt", 3) == 0, "ifname %s",
		 rt_ifname(port));
	rt_kif_addr(port, RT_IP_KERN, RT_IP_DPDK, RT_MAC_DPDK);

	test_tx_csum();
	test_tx_paths();
	test_rx(16, 512);
	test_jumbo();
	test_mtu_restart();
	test_multiqueue(1, 1);
	test_multiqueue(4, 2);
	test_multiqueue(2, 3);	/* more Tx than Rx queues */
	test_multiqueue(1, 1);	/* and back down */
	test_queue_stop_start();
	test_rx_intr(ns);
	test_rx_readv(ns);

	RT_CHECK(rte_eth_dev_stop(port) == 0, "final stop");
	RT_CHECK(rte_mempool_in_use_count(mp) == 0, "%u mbufs still in use",
		 rte_mempool_in_use_count(mp));
	RT_CHECK(rte_eth_dev_close(port) == 0, "close");
	rte_eal_cleanup();
	printf("PASS test_pmd_rxtx\n");
	return 0;
}
