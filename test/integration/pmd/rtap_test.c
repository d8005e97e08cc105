/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers for the net_rtap integration tests (see rtap_test.h). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <liburing.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "rte_pmd_rtap.h"
#include "rtap_test.h"
#include "rtap_test_rundir.h"

const char *rt_eal_lcores = "0";

uint64_t
rt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
rt_require_env(void)
{
	struct io_uring ring;

	if (geteuid() != 0)
		RT_FAIL("integration test needs root (netns, TAP); run it as root");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		RT_FAIL("/dev/net/tun not usable: %s", strerror(errno));
	if (io_uring_queue_init(8, &ring, 0) != 0)
		RT_FAIL("io_uring not available in this kernel/sandbox");
	io_uring_queue_exit(&ring);
}

int
rt_netns_new(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) != 0)
		RT_FAIL("unshare(CLONE_NEWNET): %s", strerror(errno));
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		RT_FAIL("open netns: %s", strerror(errno));
	rt_sh("ip link set lo up");
	/* No IPv6 chatter (DAD, RS, MLD) in the frames tests count. */
	rt_sh("sysctl -qw net.ipv6.conf.default.disable_ipv6=1");
	rt_sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1");
	return fd;
}

void
rt_netns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) != 0)
		RT_FAIL("setns: %s", strerror(errno));
}

void
rt_eal_init(const char *prog, int nvdev, const char *const *vdevs)
{
	char *argv[32];
	char prefix[64];
	int argc = 0, i;

	snprintf(prefix, sizeof(prefix), "rtapt%d", getpid());
	rtap_test_rundir_at_exit(prefix);
	argv[argc++] = (char *)(uintptr_t)prog;
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = (char *)(uintptr_t)rt_eal_lcores;
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = (char *)(uintptr_t)"512";
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)(uintptr_t)"--log-level=pmd.net.rtap:info";
	for (i = 0; i < nvdev && argc < 30; i++) {
		argv[argc++] = (char *)(uintptr_t)"--vdev";
		argv[argc++] = (char *)(uintptr_t)vdevs[i];
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0)
		RT_FAIL("rte_eal_init: %s", rte_strerror(rte_errno));
}

struct rte_mempool *
rt_pool(const char *name, unsigned int n, uint16_t data_room)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, 0, 0, data_room,
				     rte_socket_id());
	if (mp == NULL)
		RT_FAIL("mempool %s: %s", name, rte_strerror(rte_errno));
	return mp;
}

static int
rt_vsh(const char *fmt, va_list ap)
{
	char cmd[1024];
	int rc;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	rc = system(cmd);
	if (rc == -1)
		return -1;
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

void
rt_sh(const char *fmt, ...)
{
	va_list ap;
	char cmd[1024];
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		RT_FAIL("command failed (%d): %s", rc, cmd);
}

int
rt_sh_rc(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rt_vsh(fmt, ap);
	va_end(ap);
	return rc;
}

void
rt_sh_out(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f == NULL)
		RT_FAIL("popen %s", cmd);
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	pclose(f);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

uint16_t
rt_port_by_name(const char *vdev_name)
{
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(vdev_name, &port) != 0)
		RT_FAIL("no port for %s", vdev_name);
	return port;
}

void
rt_port_start(uint16_t port, uint16_t nrxq, uint16_t ntxq, uint64_t rx_offl,
	      uint64_t tx_offl, struct rte_mempool *mp, int intr_rxq)
{
	struct rte_eth_conf conf;
	uint16_t q, mtu;
	int ret;

	memset(&conf, 0, sizeof(conf));
	/* Keep the MTU the port has (configure would reset it to 1500). */
	if (rte_eth_dev_get_mtu(port, &mtu) == 0)
		conf.rxmode.mtu = mtu;
	conf.rxmode.offloads = rx_offl;
	conf.txmode.offloads = tx_offl;
	conf.intr_conf.lsc = 1;
	conf.intr_conf.rxq = intr_rxq;
	ret = rte_eth_dev_configure(port, nrxq, ntxq, &conf);
	if (ret < 0)
		RT_FAIL("configure port %u: %s", port, strerror(-ret));
	for (q = 0; q < nrxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, 256, rte_socket_id(),
					     NULL, mp);
		if (ret < 0)
			RT_FAIL("rxq %u setup: %s", q, strerror(-ret));
	}
	for (q = 0; q < ntxq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, 256, rte_socket_id(),
					     NULL);
		if (ret < 0)
			RT_FAIL("txq %u setup: %s", q, strerror(-ret));
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		RT_FAIL("start port %u: %s", port, strerror(-ret));
}

const char *
rt_ifname(uint16_t port)
{
	static char names[RTE_MAX_ETHPORTS][IF_NAMESIZE];

	if (rte_pmd_rtap_get_ifname(port, names[port], IF_NAMESIZE) != 0)
		RT_FAIL("rte_pmd_rtap_get_ifname(%u)", port);
	return names[port];
}

void
rt_kif_addr(uint16_t port, const char *kern_ip, const char *dpdk_ip,
	    const char *dpdk_mac)
{
	const char *ifn = rt_ifname(port);

	rt_sh("ip addr add %s/24 dev %s", kern_ip, ifn);
	rt_sh("ip link set %s up", ifn);
	rt_sh("ip neigh replace %s lladdr %s dev %s nud permanent", dpdk_ip,
	      dpdk_mac, ifn);
}

unsigned int
rt_rx_wait(uint16_t port, uint16_t nq, struct rte_mbuf **out, unsigned int n,
	   unsigned int timeout_ms, uint16_t *qcount)
{
	uint64_t end = rt_now_ms() + timeout_ms;
	unsigned int got = 0;
	uint16_t q;

	while (got < n && rt_now_ms() < end) {
		for (q = 0; q < nq && got < n; q++) {
			uint16_t r = rte_eth_rx_burst(port, q, out + got,
					(uint16_t)RTE_MIN(n - got, 32u));

			if (qcount != NULL)
				qcount[q] += r;
			got += r;
		}
		if (got < n)
			usleep(50);
	}
	return got;
}

void
rt_tx_all(uint16_t port, uint16_t q, struct rte_mbuf **pkts, unsigned int n)
{
	uint64_t end = rt_now_ms() + 5000;
	unsigned int sent = 0;

	while (sent < n) {
		sent += rte_eth_tx_burst(port, q, pkts + sent,
					 (uint16_t)RTE_MIN(n - sent, 32u));
		if (sent < n && rt_now_ms() > end)
			RT_FAIL("tx stuck: %u of %u sent", sent, n);
	}
}

struct rte_mbuf *
rt_udp4_frame(struct rte_mempool *mp, uint16_t port, const char *src_ip,
	      const char *dst_ip, uint16_t sport, uint16_t dport,
	      const void *payload, uint32_t plen, int csum_offload)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *tail;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_ether_addr dst;
	uint32_t hl = sizeof(*eh) + sizeof(*ip) + sizeof(*udp), off;
	uint16_t room;
	const uint8_t *src = payload;

	if (m == NULL)
		RT_FAIL("mbuf alloc");
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)hl);
	rte_eth_macaddr_get(port, &dst);
	rte_ether_addr_copy(&dst, &eh->dst_addr);
	rte_ether_unformat_addr(RT_MAC_DPDK, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) +
				sizeof(*udp) + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	inet_pton(AF_INET, src_ip, &ip->src_addr);
	inet_pton(AF_INET, dst_ip, &ip->dst_addr);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	udp->dgram_cksum = 0;
	/* payload, chained over as many segments as needed */
	tail = m;
	off = 0;
	while (off < plen) {
		room = rte_pktmbuf_tailroom(tail);
		if (room == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(mp);

			if (n == NULL || rte_pktmbuf_chain(m, n) != 0)
				RT_FAIL("mbuf chain");
			tail = n;
			continue;
		}
		room = (uint16_t)RTE_MIN((uint32_t)room, plen - off);
		memcpy(rte_pktmbuf_mtod_offset(tail, void *, tail->data_len),
		       src + off, room);
		tail->data_len += room;
		m->pkt_len += room;
		off += room;
	}
	m->l2_len = sizeof(*eh);
	m->l3_len = sizeof(*ip);
	if (csum_offload) {
		/* Garbage in both checksums: the kernel must finish them. */
		ip->hdr_checksum = 0xdead;
		udp->dgram_cksum = 0xbeef;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_UDP_CKSUM;
	} else {
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (m->nb_segs == 1)
			udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		else
			udp->dgram_cksum = 0;	/* RFC 768: none */
	}
	return m;
}

int
rt_udp_sock(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, big = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		RT_FAIL("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	sa.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		RT_FAIL("bind %s:%u: %s", ip, port, strerror(errno));
	return fd;
}

int
rt_recv_timeout(int fd, void *buf, size_t len, unsigned int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, (int)ms) <= 0)
		return -1;
	return (int)recv(fd, buf, len, 0);
}

uint64_t
rt_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0)
		RT_FAIL("no xstat %s", name);
	if (rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		RT_FAIL("xstat %s read", name);
	return v;
}

unsigned int
rt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned int n = 0;

	if (d == NULL)
		RT_FAIL("opendir /proc/self/fd");
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

void
rt_dump_xstats(uint16_t port)
{
	struct rte_eth_xstat_name names[128];
	struct rte_eth_xstat xs[128];
	struct rte_eth_stats st;
	int n, i;

	n = rte_eth_xstats_get_names(port, names, 128);
	if (n <= 0 || n > 128 || rte_eth_xstats_get(port, xs, 128) != n)
		return;
	for (i = 0; i < n; i++)
		if (xs[i].value != 0)
			fprintf(stderr, "  xstat %s = %" PRIu64 "\n",
				names[xs[i].id].name, xs[i].value);
	if (rte_eth_stats_get(port, &st) == 0)
		fprintf(stderr, "  ipackets %" PRIu64 " ierrors %" PRIu64
			" imissed %" PRIu64 " opackets %" PRIu64
			" oerrors %" PRIu64 "\n", st.ipackets, st.ierrors,
			st.imissed, st.opackets, st.oerrors);
}
