/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap multi-process: a real secondary process (this binary again,
 * --proc-type=secondary) runs Rx and Tx on queue 1 while the primary runs
 * queue 0.  Driven by test_pmd_mp.sh, which reserves the hugepages DPDK
 * needs to share memory between processes.
 *
 *   test_pmd_mp primary tap|packet|xdp HUGEDIR PREFIX
 *   test_pmd_mp secondary MODE PREFIX HUGEDIR   (spawned by the primary)
 *
 * TAP (2 Rx / 2 Tx queues): the secondary sends 16 UDP frames on Tx queue
 * 1, which a kernel AF_PACKET socket must see byte for byte; tun records
 * each flow against the queue that sent it, so the kernel's replies to
 * those flows come back on Rx queue 1 (the secondary's) and replies to the
 * primary's flows on queue 0: each process must receive exactly its 64
 * frames, none of the other's.  Stats (per queue, seen from both
 * processes), a second secondary attaching after the first exited and
 * closing the port on its side (the interface and the primary's queues
 * keep working), a secondary probed before the primary configured the
 * queues (clear error), the primary stopping and closing the port while a
 * secondary polls (the secondary gets INTR_RMV and detaches), the mempool
 * back to full and the primary's fd count back to its start.
 * tap-lro: the same with LRO queues (the readv Rx mode, RWF_NOWAIT tries:
 * nothing is lent to the kernel between bursts).
 * packet (veth): the same Tx check and Rx spread by the socket fanout:
 * every frame exactly once, all frames of a flow in one process, counts
 * equal to each process's queue stats.  xdp and ring (backend=packet,
 * rxmode=ring): a secondary is refused.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "rtap.h"
#include "rte_pmd_rtap.h"
#include "rtap_test.h"

#define VDEV		"net_rtap_mp0"
#define POOL		"mp_pool"
#define POOL_N		2047u
#define NFLOW		16u	/* flows per process */
#define NREP		4u	/* replies per flow */
#define SEC_SPORT	5000u
#define PRI_SPORT	6000u
#define KPORT		7000
#define PKT_NFLOW	32u	/* packet: flows injected */
#define KMAC		"02:00:00:00:00:01"	/* kernel side of the port */

static const char *self;
static char prefix[64];
static const char *hugedir;
static char backend[16];
static int lro;	/* tap-lro: LRO queues, i.e. the readv mode */
static char dpdk_if[IFNAMSIZ], kern_if[IFNAMSIZ];
static uint16_t port;
static struct rte_mempool *pool;
static struct rte_ether_addr kmac;	/* kernel side MAC */

/* ------------------------------------------------------------ frames */

/* DPDK -> kernel: 198.18.0.2:sport -> 198.18.0.1:7000, tagged payload. */
static struct rte_mbuf *
out_frame(uint16_t sport, unsigned int k)
{
	char pl[32];

	snprintf(pl, sizeof(pl), "out-%u-%u", sport, k);
	return rt_udp4_frame(pool, port, RT_IP_DPDK, RT_IP_KERN, sport, KPORT,
			     pl, (uint32_t)strlen(pl), 0);
}

/* Kernel -> DPDK reply to flow sport, k-th: raw bytes into buf. */
static size_t
reply_bytes(uint8_t *buf, uint16_t sport, unsigned int k)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	char *pl = (char *)(udp + 1);
	int plen = snprintf(pl, 32, "rep-%u-%u", sport, k);

	memset(buf, 0, sizeof(*eh) + sizeof(*ip) + sizeof(*udp));
	rte_ether_unformat_addr(RT_MAC_DPDK, &eh->dst_addr);
	rte_ether_addr_copy(&kmac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) +
					    sizeof(*udp) + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	inet_pton(AF_INET, RT_IP_KERN, &ip->src_addr);
	inet_pton(AF_INET, RT_IP_DPDK, &ip->dst_addr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(KPORT);
	udp->dst_port = rte_cpu_to_be_16(sport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + (size_t)plen;
}

/* Is m exactly one of the replies to flows [s0, s0+n)?  Returns sport. */
static int
check_reply(const struct rte_mbuf *m, uint16_t s0, uint16_t n,
	    unsigned int *seen)
{
	const struct rte_ether_hdr *eh;
	const struct rte_udp_hdr *udp;
	uint8_t want[128];
	uint16_t sport;
	unsigned int k;

	RT_CHECK(m->nb_segs == 1 && m->pkt_len >= 42, "frame shape %u/%u",
		 m->nb_segs, m->pkt_len);
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	udp = (const struct rte_udp_hdr *)((const uint8_t *)eh + 34);
	sport = rte_be_to_cpu_16(udp->dst_port);
	RT_CHECK(eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		 sport >= s0 && sport < s0 + n,
		 "frame for port %u, expected [%u, %u)", sport, s0, (unsigned int)(s0 + n));
	k = seen[sport - s0];
	RT_CHECK(k < NREP * 2, "too many frames of flow %u", sport);
	RT_CHECK(m->pkt_len == reply_bytes(want, sport, k % NREP) &&
		 memcmp(rte_pktmbuf_mtod(m, const void *), want,
			m->pkt_len) == 0,
		 "flow %u frame %u: bytes differ", sport, k);
	seen[sport - s0]++;
	return sport;
}

/* Poll one queue until n frames (or timeout), then 200 ms for extras. */
static unsigned int
rx_queue(uint16_t q, struct rte_mbuf **out, unsigned int max,
	 unsigned int n, unsigned int ms)
{
	uint64_t end = rt_now_ms() + ms, quiet = 0;
	unsigned int got = 0;

	while (rt_now_ms() < end && got < max) {
		uint16_t r = rte_eth_rx_burst(port, q, out + got,
				(uint16_t)RTE_MIN(max - got, 32u));

		got += r;
		if (got >= n && quiet == 0)
			quiet = rt_now_ms() + 200;
		if (quiet != 0 && rt_now_ms() > quiet)
			break;
		if (r == 0)
			usleep(100);
	}
	return got;
}

/*
 * This process's fd count once it equals want, or what it is after 1 s:
 * EAL's own threads (mp, interrupts) may hold an fd for a moment.
 */
static unsigned int
fds_settled(unsigned int want)
{
	unsigned int n = rt_count_fds(), i;

	for (i = 0; i < 20 && n != want; i++) {
		usleep(50 * 1000);
		n = rt_count_fds();
	}
	return n;
}

/* ------------------------------------------------------------ EAL */

static void
eal_init(int primary, const char *lcore)
{
	char *argv[24];
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)self;
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = (char *)(uintptr_t)lcore;
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)(uintptr_t)"--huge-dir";
	argv[argc++] = (char *)(uintptr_t)hugedir;
	argv[argc++] = (char *)(uintptr_t)"--proc-type";
	argv[argc++] = (char *)(uintptr_t)(primary ? "primary" :
					   "secondary");
	if (primary) {
		argv[argc++] = (char *)(uintptr_t)"-m";
		argv[argc++] = (char *)(uintptr_t)"128";
	}
	/* Same fixed base in every process: EAL's default (4 GB) lies in
	 * ASan's shadow gap, so under ASan the primary's memory landed at
	 * random addresses a secondary could not always map again ("Cannot
	 * init memory", seen once in CI's ASan pass).  32 TB is free in
	 * both layouts. */
	argv[argc++] = (char *)(uintptr_t)"--base-virtaddr=0x200000000000";
	argv[argc++] = (char *)(uintptr_t)"--log-level=pmd.net.rtap:info";
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0)
		RT_FAIL("rte_eal_init (%s): %s", primary ? "primary" :
			"secondary", rte_strerror(rte_errno));
}

/* ------------------------------------------------------------ secondary */

static volatile int rmv_seen;

static int
on_rmv(uint16_t p __rte_unused, enum rte_eth_event_type ev __rte_unused,
       void *arg __rte_unused, void *ret __rte_unused)
{
	rmv_seen = 1;
	return 0;
}

static void
sec_stats(uint64_t opk1, uint64_t ipk1)
{
	struct rte_eth_stats st;

	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats in secondary");
	RT_CHECK(st.q_opackets[1] == opk1 && st.q_ipackets[1] == ipk1,
		 "secondary sees q1 out %" PRIu64 " in %" PRIu64
		 ", want %" PRIu64 "/%" PRIu64, st.q_opackets[1],
		 st.q_ipackets[1], opk1, ipk1);
}

static int
secondary(const char *mode)
{
	struct rte_mbuf *tx[NFLOW], *rx[256];
	unsigned int seen[NFLOW] = { 0 }, i, got, nflow;
	uint16_t s0;

	eal_init(0, "1");
	if (strcmp(mode, "early") == 0) {
		/* Probed before the primary configured the queues. */
		RT_CHECK(rte_eth_dev_get_port_by_name(VDEV, &port) != 0,
			 "early secondary got a port");
		printf("EARLY-REFUSED\n");
		fflush(stdout);
		rte_eal_cleanup();
		return 0;
	}
	if (rte_eth_dev_get_port_by_name(VDEV, &port) != 0)
		RT_FAIL("secondary: no port %s", VDEV);
	pool = rte_mempool_lookup(POOL);
	RT_CHECK(pool != NULL, "secondary: no mempool %s", POOL);
	rte_ether_unformat_addr(KMAC, &kmac);	/* the kernel side's */
	if (strcmp(mode, "linger") == 0) {
		RT_CHECK(rte_eth_dev_callback_register(port,
				RTE_ETH_EVENT_INTR_RMV, on_rmv, NULL) == 0,
			 "rmv callback");
		got = rte_eth_rx_burst(port, 1, rx, 32);	/* makes the ring */
		RT_CHECK(got == 0, "linger: %u stray frames", got);
		printf("POLLING %d\n", (int)getpid());
		fflush(stdout);
		/* Across the primary's stop/start: new fds, fetched again
		 * by the first burst after the restart. */
		nflow = 0;
		for (i = 0; i < 100000 && !rmv_seen; i++) {
			unsigned int j;

			got = rte_eth_rx_burst(port, 1, rx, 32);
			for (j = 0; j < got; j++)
				check_reply(rx[j], PRI_SPORT + 50, 1, seen);
			rte_pktmbuf_free_bulk(rx, got);
			nflow += got;
			if (got > 0 && nflow == NREP) {
				printf("RESUMED %u\n", nflow);
				fflush(stdout);
			}
			usleep(100);
		}
		RT_CHECK(nflow == NREP, "linger: %u of %u frames after the restart",
			 nflow, NREP);
		RT_CHECK(rmv_seen, "no INTR_RMV after the primary closed");
		/* Bursts after the close are no-ops, not use-after-free. */
		RT_CHECK(rte_eth_rx_burst(port, 1, rx, 32) == 0, "rx after close");
		RT_CHECK(rte_eth_dev_close(port) == 0, "close after rmv");
		printf("RMV-DETACHED\n");
		fflush(stdout);
		rte_eal_cleanup();
		return 0;
	}
	{
		char ifn[IF_NAMESIZE];

		/* Read-only port info works here; control does not. */
		RT_CHECK(rte_pmd_rtap_get_ifname(port, ifn, sizeof(ifn)) == 0 &&
			 (int)if_nametoindex(ifn) == rte_pmd_rtap_get_ifindex(port),
			 "secondary: ifname/ifindex");
		RT_CHECK(rte_pmd_rtap_set_carrier(port, 0) < 0 &&
			 rte_eth_dev_set_mtu(port, 1400) < 0,
			 "secondary: control path accepted");
	}
	/* "first"/"again" (tap): 16 or 4 flows; "pkt": 16 flows, fanout. */
	nflow = strcmp(mode, "again") == 0 ? 4 : NFLOW;
	s0 = strcmp(mode, "again") == 0 ? SEC_SPORT + 100 : SEC_SPORT;
	for (i = 0; i < nflow; i++)
		tx[i] = out_frame((uint16_t)(s0 + i), 0);
	rt_tx_all(port, 1, tx, nflow);
	/* Make the Rx ring before the replies are sent. */
	got = rte_eth_rx_burst(port, 1, rx, 32);
	printf("SENT %u\n", nflow);
	fflush(stdout);
	if (strcmp(mode, "pkt") == 0) {
		/* Fanout decides the queue: report what we got, the
		 * primary checks the union. */
		got += rx_queue(1, rx + got, RTE_DIM(rx) - got,
				RTE_DIM(rx), 3000);
		printf("GOT");
		for (i = 0; i < got; i++) {
			const struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(
				rx[i], const struct rte_udp_hdr *, 34);
			uint8_t want[128];
			uint16_t sp = rte_be_to_cpu_16(u->dst_port);
			unsigned int k = (unsigned int)(rte_pktmbuf_mtod_offset(
				rx[i], const char *, 42)[9] - '0');

			RT_CHECK(rx[i]->pkt_len ==
				 reply_bytes(want, sp, k) &&
				 memcmp(rte_pktmbuf_mtod(rx[i], void *), want,
					rx[i]->pkt_len) == 0,
				 "pkt frame %u bytes", i);
			printf(" %u/%u", sp, k);
		}
		printf("\n");
		sec_stats(nflow, got);
		rte_pktmbuf_free_bulk(rx, got);
		printf("DONE\n");
		fflush(stdout);
		rte_eal_cleanup();
		return 0;
	}
	got += rx_queue(1, rx + got, RTE_DIM(rx) - got, nflow * NREP, 5000);
	RT_CHECK(got == nflow * NREP, "secondary got %u of %u replies", got,
		 nflow * NREP);
	for (i = 0; i < got; i++)
		check_reply(rx[i], s0, (uint16_t)nflow, seen);
	for (i = 0; i < nflow; i++)
		RT_CHECK(seen[i] == NREP, "flow %u: %u replies", s0 + i,
			 seen[i]);
	rte_pktmbuf_free_bulk(rx, got);
	if (strcmp(mode, "first") == 0) {
		sec_stats(NFLOW, NFLOW * NREP);
	} else {
		sec_stats(NFLOW + 4, NFLOW * NREP + 4 * NREP);
		/* dev_close in a secondary: only this process's state. */
		RT_CHECK(rte_eth_dev_close(port) == 0, "secondary close");
		printf("CLOSED\n");
	}
	printf("DONE %u\n", got);
	fflush(stdout);
	rte_eal_cleanup();
	return 0;
}

/* ------------------------------------------------------------ primary */

static FILE *sec_out;

static void
sec_spawn(const char *mode)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "exec '%s' secondary %s %s '%s' 2>&1",
		 self, mode, prefix, hugedir);
	fflush(stdout);
	sec_out = popen(cmd, "r");
	RT_CHECK(sec_out != NULL, "popen secondary: %s", strerror(errno));
}

/* Read the secondary's lines (echoed) until one starts with key. */
static void
sec_expect(const char *key, char *line, size_t len)
{
	while (fgets(line, (int)len, sec_out) != NULL) {
		printf("  [secondary] %s", line);
		if (strncmp(line, key, strlen(key)) == 0)
			return;
	}
	RT_FAIL("secondary ended before printing %s", key);
}

/* Until EOF; fails unless the secondary exited 0.  Returns whether any
 * line contained needle. */
static int
sec_finish(const char *needle)
{
	char line[1024];
	int st, found = 0;

	while (fgets(line, sizeof(line), sec_out) != NULL) {
		printf("  [secondary] %s", line);
		if (needle != NULL && strstr(line, needle) != NULL)
			found = 1;
	}
	st = pclose(sec_out);
	sec_out = NULL;
	RT_CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		 "secondary exit status 0x%x", st);
	return found;
}

static int
raw_sock(const char *ifn, int ignore_outgoing)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_ALL));
	int one = 1;

	RT_CHECK(fd >= 0, "packet socket: %s", strerror(errno));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifn);
	RT_CHECK(sll.sll_ifindex > 0, "no interface %s", ifn);
	RT_CHECK(bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == 0,
		 "bind %s: %s", ifn, strerror(errno));
	if (ignore_outgoing)
		RT_CHECK(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING,
				    &one, sizeof(one)) == 0, "ignore outgoing");
	return fd;
}

/* The capture socket must see exactly these DPDK frames (any order). */
static void
capture_expect(int cap, uint16_t s0, unsigned int n)
{
	uint8_t buf[2048];
	unsigned int got = 0, seen[64] = { 0 }, i;

	while (got < n) {
		int len = rt_recv_timeout(cap, buf, sizeof(buf), 3000);
		struct rte_mbuf *m;
		const struct rte_udp_hdr *u;
		uint16_t sp;

		RT_CHECK(len > 0, "kernel saw %u of %u frames from port %u+",
			 got, n, s0);
		if (len < 42 || buf[12] != 0x08 || buf[13] != 0x00 ||
		    buf[23] != IPPROTO_UDP)
			continue;	/* not ours */
		u = (const struct rte_udp_hdr *)(buf + 34);
		sp = rte_be_to_cpu_16(u->src_port);
		RT_CHECK(sp >= s0 && sp < s0 + n,
			 "unexpected frame from port %u (want %u+%u)", sp, s0,
			 n);
		m = out_frame(sp, 0);
		RT_CHECK((uint32_t)len == m->pkt_len &&
			 memcmp(buf, rte_pktmbuf_mtod(m, void *), m->pkt_len) == 0,
			 "frame from port %u: %d bytes differ from what was sent",
			 sp, len);
		rte_pktmbuf_free(m);
		seen[sp - s0]++;
		got++;
	}
	for (i = 0; i < n; i++)
		RT_CHECK(seen[i] == 1, "port %u seen %u times", s0 + i, seen[i]);
}

static void
inject(int fd, uint16_t s0, unsigned int nflow, unsigned int nrep)
{
	uint8_t buf[128];
	unsigned int f, k;

	for (k = 0; k < nrep; k++)
		for (f = 0; f < nflow; f++) {
			size_t len = reply_bytes(buf, (uint16_t)(s0 + f), k);

			RT_CHECK(send(fd, buf, len, 0) == (ssize_t)len,
				 "inject: %s", strerror(errno));
		}
}

static void
primary_setup_port(void)
{
	struct rte_eth_conf conf;
	char args[128];
	uint16_t q;
	int ret;

	if (strcmp(backend, "tap") == 0)
		snprintf(args, sizeof(args), "iface=%s,mac=%s", dpdk_if,
			 KMAC);
	else if (strcmp(backend, "ring") == 0)
		snprintf(args, sizeof(args),
			 "backend=packet,iface=%s,rxmode=ring", dpdk_if);
	else
		snprintf(args, sizeof(args), "backend=%s,iface=%s", backend,
			 dpdk_if);
	RT_CHECK(rte_vdev_init(VDEV, args) == 0, "vdev %s %s", VDEV, args);
	port = rt_port_by_name(VDEV);
	if (strcmp(backend, "tap") == 0) {
		rt_sh("ip addr add %s/24 dev %s", RT_IP_KERN, dpdk_if);
		rt_sh("ip link set %s up", dpdk_if);
		rt_sh("ip neigh replace %s lladdr %s dev %s nud permanent",
		      RT_IP_DPDK, RT_MAC_DPDK, dpdk_if);
	}
	rte_ether_unformat_addr(KMAC, &kmac);

	if (strcmp(backend, "xdp") == 0) {
		/* XSKs and their UMEM are not shared: refused, clearly. */
		sec_spawn("early");
		RT_CHECK(sec_finish("backend=xdp cannot be used from a secondary process"),
			 "xdp secondary: no clear error line");
		RT_OK("backend=xdp: a secondary is refused with a clear error");
		return;
	}
	if (strcmp(backend, "ring") == 0) {
		/* The TPACKET_V3 ring is mapped by the primary alone. */
		sec_spawn("early");
		RT_CHECK(sec_finish("rxmode=ring cannot be used from a secondary process"),
			 "rxmode=ring secondary: no clear error line");
		RT_OK("backend=packet,rxmode=ring: a secondary is refused with a clear error");
		return;
	}
	/* A secondary before the queues exist: refused, clearly. */
	sec_spawn("early");
	RT_CHECK(sec_finish("has not configured and set up the port's queues yet"),
		 "early secondary: no clear error line");
	RT_OK("secondary probed before queue setup is refused with a clear error");

	memset(&conf, 0, sizeof(conf));
	if (lro)
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_TCP_LRO;
	ret = rte_eth_dev_configure(port, 2, 2, &conf);
	RT_CHECK(ret == 0, "configure: %s", strerror(-ret));
	for (q = 0; q < 2; q++) {
		RT_CHECK(rte_eth_rx_queue_setup(port, q, 64, rte_socket_id(),
						NULL, pool) == 0, "rxq %u", q);
		RT_CHECK(rte_eth_tx_queue_setup(port, q, 64, rte_socket_id(),
						NULL) == 0, "txq %u", q);
	}
	ret = rte_eth_dev_start(port);
	RT_CHECK(ret == 0, "start: %s", strerror(-ret));
}

static void
primary_tap(void)
{
	struct rte_mbuf *tx[NFLOW], *rx[256];
	unsigned int seen[NFLOW] = { 0 }, i, got, fds0, fds1;
	struct rte_eth_stats st;
	struct rtap_rxq *q1;
	char line[512];
	unsigned int held;
	pid_t sec_pid;
	int ret;
	int cap, inj, sink;

	cap = raw_sock(dpdk_if, 1);
	inj = raw_sock(dpdk_if, 0);
	sink = rt_udp_sock(RT_IP_KERN, KPORT);	/* no ICMP unreachables */

	/* ---- secondary 1: queue 1 both ways, primary queue 0 ---- */
	sec_spawn("first");
	sec_expect("SENT", line, sizeof(line));
	capture_expect(cap, SEC_SPORT, NFLOW);
	RT_OK("16 frames sent by the secondary on txq 1 reached the kernel byte for byte");
	for (i = 0; i < NFLOW; i++)
		tx[i] = out_frame((uint16_t)(PRI_SPORT + i), 0);
	rt_tx_all(port, 0, tx, NFLOW);
	capture_expect(cap, PRI_SPORT, NFLOW);
	/* tun learnt flow -> queue from the writes: replies follow. */
	inject(inj, SEC_SPORT, NFLOW, NREP);
	inject(inj, PRI_SPORT, NFLOW, NREP);
	got = rx_queue(0, rx, RTE_DIM(rx), NFLOW * NREP, 5000);
	RT_CHECK(got == NFLOW * NREP, "primary rxq 0 got %u of %u", got,
		 NFLOW * NREP);
	for (i = 0; i < got; i++)
		check_reply(rx[i], PRI_SPORT, NFLOW, seen);
	rte_pktmbuf_free_bulk(rx, got);
	sec_expect("DONE", line, sizeof(line));
	sec_finish(NULL);
	RT_OK("kernel replies: 64 to the primary's flows on rxq 0, 64 to the secondary's on rxq 1, none crossed");
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	RT_CHECK(st.q_ipackets[0] == NFLOW * NREP &&
		 st.q_ipackets[1] == NFLOW * NREP &&
		 st.q_opackets[0] == NFLOW && st.q_opackets[1] == NFLOW &&
		 st.ipackets == 2 * NFLOW * NREP && st.opackets == 2 * NFLOW &&
		 st.ierrors == 0 && st.oerrors == 0,
		 "stats in %" PRIu64 "/%" PRIu64 " out %" PRIu64 "/%" PRIu64
		 " err %" PRIu64 "/%" PRIu64, st.q_ipackets[0],
		 st.q_ipackets[1], st.q_opackets[0], st.q_opackets[1],
		 st.ierrors, st.oerrors);
	q1 = rte_eth_devices[port].data->rx_queues[1];
	RT_CHECK(q1->c.owner == 0 && q1->in_flight == 0,
		 "rxq 1 still owned by %d with %u reads after the secondary exit",
		 q1->c.owner, q1->in_flight);
	RT_CHECK(RTAP_PROC(&rte_eth_devices[port])->rxq[1].ring_ok == 0,
		 "primary made a ring for rxq 1 it never polled");
	RT_OK("per-queue stats exact from both processes; the exiting secondary released rxq 1 (no reads left posted)");
	/* The primary's own rings for queue 0 exist by now. */
	fds0 = rt_count_fds();

	/* ---- secondary 2 attaches again, closes its side ---- */
	sec_spawn("again");
	sec_expect("SENT", line, sizeof(line));
	capture_expect(cap, SEC_SPORT + 100, 4);
	inject(inj, SEC_SPORT + 100, 4, NREP);
	sec_expect("DONE", line, sizeof(line));
	sec_finish(NULL);
	RT_CHECK(if_nametoindex(dpdk_if) != 0,
		 "%s gone after a secondary's dev_close", dpdk_if);
	tx[0] = out_frame(PRI_SPORT, 0);
	rt_tx_all(port, 0, tx, 1);
	capture_expect(cap, PRI_SPORT, 1);
	inject(inj, PRI_SPORT, 1, 1);
	memset(seen, 0, sizeof(seen));
	got = rx_queue(0, rx, RTE_DIM(rx), 1, 3000);
	RT_CHECK(got == 1, "primary after secondary close: %u frames", got);
	check_reply(rx[0], PRI_SPORT, 1, seen);
	rte_pktmbuf_free(rx[0]);
	fds1 = fds_settled(fds0);
	RT_CHECK(fds1 == fds0, "primary fds %u -> %u across two secondaries",
		 fds0, fds1);
	RT_OK("second secondary attached, 4 frames each way, closed its port: interface and primary datapath intact; primary fds %u -> %u",
	      fds0, fds1);

	/* ---- primary stops and closes while a secondary polls ---- */
	sec_spawn("linger");
	sec_expect("POLLING", line, sizeof(line));
	sec_pid = (pid_t)atoi(line + 8);
	/* rxq 1 is the secondary's now: a burst here must not touch it. */
	RT_CHECK(rte_eth_rx_burst(port, 1, rx, 32) == 0, "stole from rxq 1");
	RT_CHECK(q1->c.owner == sec_pid &&
		 RTAP_PROC(&rte_eth_devices[port])->rxq[1].ring_ok == 0 &&
		 RTAP_PROC(&rte_eth_devices[port])->rxq[1].refused == 1,
		 "rxq 1 owner %d, secondary %s", q1->c.owner, line + 8);
	RT_OK("a queue polled by the secondary is refused to the primary (one owner per queue)");
	/* Restart under the secondary: it re-fetches the new fds. */
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(q1->c.owner == 0, "stop left rxq 1 owned by %d",
		 q1->c.owner);
	RT_CHECK(rte_mempool_avail_count(pool) == POOL_N,
		 "mempool %u of %u after stop", rte_mempool_avail_count(pool),
		 POOL_N);
	RT_CHECK(rte_eth_dev_start(port) == 0, "restart");
	/* Teach tun the flow on queue 1 (primary Tx), reply to it. */
	tx[0] = out_frame(PRI_SPORT + 50, 0);
	rt_tx_all(port, 1, tx, 1);
	capture_expect(cap, PRI_SPORT + 50, 1);
	inject(inj, PRI_SPORT + 50, 1, NREP);
	sec_expect("RESUMED", line, sizeof(line));
	RT_OK("primary stop/start under a polling secondary: its rings dropped at stop (mempool full), new fds fetched after the start, %u frames on rxq 1",
	      NREP);

	/* A secondary that cannot answer the release (stopped). */
	RT_CHECK(kill(sec_pid, SIGSTOP) == 0, "SIGSTOP %d", (int)sec_pid);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop with a stopped secondary");
	/*
	 * The mbufs lent to its multishot read, or readv slots with a try
	 * in flight: the readv mode lends nothing between bursts, so
	 * usually none (a try posted but not yet submitted when the
	 * SIGSTOP came keeps its slot).
	 */
	RT_CHECK(q1->mshot == !lro, "rxq 1 mode: mshot %u with lro %d",
		 q1->mshot, lro);
	held = q1->mshot ? (unsigned int)(q1->br_nb - q1->br_nb_empty) :
			   (unsigned int)q1->in_flight * q1->maxseg;
	RT_CHECK(q1->c.owner == sec_pid && (held > 0 || lro) &&
		 rte_mempool_avail_count(pool) == POOL_N - held,
		 "owner %d held %u avail %u", q1->c.owner, held,
		 rte_mempool_avail_count(pool));
	ret = rte_eth_dev_start(port);
	RT_CHECK(ret == -EBUSY, "start while rxq 1 is still owned: %d", ret);
	RT_CHECK(kill(sec_pid, SIGCONT) == 0, "SIGCONT");
	for (i = 0; i < 60 && q1->c.owner != 0; i++)
		usleep(50 * 1000);
	RT_CHECK(q1->c.owner == 0 && q1->in_flight == 0,
		 "late release: owner %d in flight %u", q1->c.owner,
		 q1->in_flight);
	ret = rte_eth_dev_start(port);
	RT_CHECK(ret == 0, "start after the late release: %d", ret);
	RT_OK("an unresponsive secondary: stop keeps its %u posted mbufs out of the pool, start refused (-EBUSY) until it released them",
	      held);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_mempool_avail_count(pool) == POOL_N,
		 "mempool %u of %u after stop", rte_mempool_avail_count(pool),
		 POOL_N);
	RT_CHECK(rte_eth_dev_close(port) == 0, "close");
	RT_CHECK(sec_finish("RMV-DETACHED"), "secondary did not detach");
	RT_CHECK(if_nametoindex(dpdk_if) == 0, "%s still there after close",
		 dpdk_if);
	close(cap);
	close(inj);
	close(sink);
	RT_OK("stop/close with a polling secondary: mempool full (%u), secondary got INTR_RMV and detached, interface removed",
	      POOL_N);
}

static void
primary_packet(void)
{
	struct rte_mbuf *tx[NFLOW], *rx[256];
	unsigned int i, got, fds0, fds1, owner[PKT_NFLOW] = { 0 };
	unsigned int cnt[PKT_NFLOW][2];
	unsigned int sec_n = 0;
	struct rte_eth_stats st;
	char line[4096], *tok, *save;
	int cap, inj;

	memset(cnt, 0, sizeof(cnt));
	cap = raw_sock(kern_if, 1);
	inj = raw_sock(kern_if, 0);
	fds0 = rt_count_fds();
	sec_spawn("pkt");
	sec_expect("SENT", line, sizeof(line));
	capture_expect(cap, SEC_SPORT, NFLOW);
	RT_OK("packet: 16 frames sent by the secondary on txq 1 reached the veth peer byte for byte");
	for (i = 0; i < NFLOW; i++)
		tx[i] = out_frame((uint16_t)(PRI_SPORT + i), 0);
	rt_tx_all(port, 0, tx, NFLOW);
	capture_expect(cap, PRI_SPORT, NFLOW);
	inject(inj, SEC_SPORT, PKT_NFLOW, 2);
	got = rx_queue(0, rx, RTE_DIM(rx), RTE_DIM(rx), 3000);
	sec_expect("GOT", line, sizeof(line));
	for (tok = strtok_r(line + 3, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save)) {
		unsigned int sp, k;

		RT_CHECK(sscanf(tok, "%u/%u", &sp, &k) == 2 &&
			 sp >= SEC_SPORT && sp < SEC_SPORT + PKT_NFLOW && k < 2,
			 "bad token %s", tok);
		cnt[sp - SEC_SPORT][k]++;
		owner[sp - SEC_SPORT] |= 2;
		sec_n++;
	}
	sec_expect("DONE", line, sizeof(line));
	sec_finish(NULL);
	for (i = 0; i < got; i++) {
		const struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(rx[i],
					const struct rte_udp_hdr *, 34);
		uint16_t sp = rte_be_to_cpu_16(u->dst_port);
		unsigned int k = (unsigned int)(rte_pktmbuf_mtod_offset(rx[i],
					const char *, 42)[9] - '0');
		uint8_t want[128];

		RT_CHECK(sp >= SEC_SPORT && sp < SEC_SPORT + PKT_NFLOW &&
			 k < 2 && rx[i]->pkt_len == reply_bytes(want, sp, k) &&
			 memcmp(rte_pktmbuf_mtod(rx[i], void *), want,
				rx[i]->pkt_len) == 0, "primary frame %u", i);
		cnt[sp - SEC_SPORT][k]++;
		owner[sp - SEC_SPORT] |= 1;
	}
	rte_pktmbuf_free_bulk(rx, got);
	for (i = 0; i < PKT_NFLOW; i++) {
		RT_CHECK(cnt[i][0] == 1 && cnt[i][1] == 1,
			 "flow %u: frames seen %u/%u times", SEC_SPORT + i,
			 cnt[i][0], cnt[i][1]);
		RT_CHECK(owner[i] == 1 || owner[i] == 2,
			 "flow %u split between processes", SEC_SPORT + i);
	}
	RT_CHECK(got > 0 && sec_n > 0 && got + sec_n == 2 * PKT_NFLOW,
		 "primary %u + secondary %u of %u", got, sec_n,
		 2 * PKT_NFLOW);
	RT_CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	RT_CHECK(st.q_ipackets[0] == got && st.q_ipackets[1] == sec_n &&
		 st.q_opackets[0] == NFLOW && st.q_opackets[1] == NFLOW,
		 "packet stats in %" PRIu64 "/%" PRIu64 " out %" PRIu64
		 "/%" PRIu64, st.q_ipackets[0], st.q_ipackets[1],
		 st.q_opackets[0], st.q_opackets[1]);
	fds1 = fds_settled(fds0);
	RT_CHECK(fds1 == fds0, "primary fds %u -> %u", fds0, fds1);
	RT_OK("packet: 64 injected frames, %u on the primary's rxq 0 and %u on the secondary's rxq 1, each once, flows never split; stats match; fds stable",
	      got, sec_n);
	RT_CHECK(rte_eth_dev_stop(port) == 0, "stop");
	RT_CHECK(rte_eth_dev_close(port) == 0, "close");
	/* packet rx queues keep their own mbufs until release (close). */
	RT_CHECK(rte_mempool_avail_count(pool) == POOL_N,
		 "mempool %u of %u after close", rte_mempool_avail_count(pool),
		 POOL_N);
	RT_CHECK(if_nametoindex(dpdk_if) != 0, "attached %s deleted", dpdk_if);
	close(cap);
	close(inj);
	RT_OK("packet: close leaves the attached veth, mempool full");
}

static int
primary(void)
{
	unsigned int fds_start, fds_end;
	int nsfd;

	rt_require_env();
	nsfd = rt_netns_new();
	(void)nsfd;
	snprintf(dpdk_if, sizeof(dpdk_if), "mp%d", getpid() % 100000);
	if (strcmp(backend, "tap") != 0) {
		snprintf(kern_if, sizeof(kern_if), "mk%d", getpid() % 100000);
		rt_sh("ip link add %s type veth peer name %s", dpdk_if,
		      kern_if);
		rt_sh("ip link set %s address 02:00:00:00:00:03", dpdk_if);
		rt_sh("ip link set %s address %s", kern_if, KMAC);
		rt_sh("ip link set %s up", dpdk_if);
		rt_sh("ip link set %s up", kern_if);
	}
	eal_init(1, "0");
	pool = rte_pktmbuf_pool_create(POOL, POOL_N, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	RT_CHECK(pool != NULL, "pool: %s", rte_strerror(rte_errno));
	fds_start = rt_count_fds();
	primary_setup_port();
	if (strcmp(backend, "tap") == 0)
		primary_tap();
	else if (strcmp(backend, "packet") == 0)
		primary_packet();
	else
		RT_CHECK(rte_eth_dev_close(port) == 0, "close %s port",
			 backend);
	fds_end = fds_settled(fds_start);
	RT_CHECK(fds_end == fds_start, "primary fds %u at start, %u after close",
		 fds_start, fds_end);
	RT_OK("primary fds back to %u after close", fds_start);
	rte_eal_cleanup();
	printf("PASS test_pmd_mp %s%s\n", backend, lro ? " (LRO, readv mode)" : "");
	return 0;
}

int
main(int argc, char **argv)
{
	self = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "primary") == 0) {
		lro = strcmp(argv[2], "tap-lro") == 0;
		snprintf(backend, sizeof(backend), "%s", lro ? "tap" : argv[2]);
		hugedir = argv[3];
		snprintf(prefix, sizeof(prefix), "%s", argv[4]);
		RT_CHECK(strcmp(backend, "tap") == 0 ||
			 strcmp(backend, "packet") == 0 ||
			 strcmp(backend, "xdp") == 0 ||
			 strcmp(backend, "ring") == 0, "backend %s", backend);
		return primary();
	}
	if (argc == 5 && strcmp(argv[1], "secondary") == 0) {
		snprintf(prefix, sizeof(prefix), "%s", argv[3]);
		hugedir = argv[4];
		return secondary(argv[2]);
	}
	fprintf(stderr, "usage: %s primary tap|tap-lro|packet|xdp|ring HUGEDIR PREFIX\n",
		argv[0]);
	return 2;
}
