/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for the net_rtap integration tests: every test runs in network
 * namespaces it creates with unshare(CLONE_NEWNET), so everything it makes
 * (TAPs, addresses, sockets) disappears with the process, even on a crash.
 */

#ifndef RTAP_TEST_H
#define RTAP_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define RT_FAIL(...) do { \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fprintf(stderr, "\n"); \
	exit(1); \
} while (0)

#define RT_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: (%s) ", __FILE__, __LINE__, \
			#cond); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		exit(1); \
	} \
} while (0)

#define RT_OK(...) do { printf("ok: "); printf(__VA_ARGS__); \
	printf("\n"); fflush(stdout); } while (0)

#define RT_IP_DPDK "198.18.0.2"	/* the DPDK side's address */
#define RT_IP_KERN "198.18.0.1"	/* the TAP's kernel address */
#define RT_MAC_DPDK "02:00:00:00:00:02"

/* Root + /dev/net/tun + io_uring, or exit 1 with the reason. */
void rt_require_env(void);
/* New netns for the calling thread (lo up); returns an fd to it. */
int rt_netns_new(void);
void rt_netns_enter(int fd);
extern const char *rt_eal_lcores;	/* -l argument, default "0" */
/* EAL with --no-pci --no-huge and the given --vdev args. */
void rt_eal_init(const char *prog, int nvdev, const char *const *vdevs);
struct rte_mempool *rt_pool(const char *name, unsigned int n,
			    uint16_t data_room);
/* system() with printf formatting; fails the test on non-zero exit. */
void rt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_sh_rc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Output of a shell command (first line, trimmed). */
void rt_sh_out(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint16_t rt_port_by_name(const char *vdev_name);
void rt_port_start(uint16_t port, uint16_t nrxq, uint16_t ntxq,
		   uint64_t rx_offl, uint64_t tx_offl, struct rte_mempool *mp,
		   int intr_rxq);
/* Kernel address on the port's interface, static neighbour for DPDK. */
void rt_kif_addr(uint16_t port, const char *kern_ip, const char *dpdk_ip,
		 const char *dpdk_mac);
const char *rt_ifname(uint16_t port);

/* Poll all Rx queues of port until n frames or timeout; returns count. */
unsigned int rt_rx_wait(uint16_t port, uint16_t nq, struct rte_mbuf **out,
			unsigned int n, unsigned int timeout_ms,
			uint16_t *qcount);
/* Send all, retrying bursts; fails the test after timeout. */
void rt_tx_all(uint16_t port, uint16_t q, struct rte_mbuf **pkts,
	       unsigned int n);

/* Ethernet/IPv4/UDP frame, checksums per flags (see .c). */
struct rte_mbuf *rt_udp4_frame(struct rte_mempool *mp, uint16_t port,
			       const char *src_ip, const char *dst_ip,
			       uint16_t sport, uint16_t dport,
			       const void *payload, uint32_t plen,
			       int csum_offload);
/* UDP socket bound to ip:port in the current netns, non-blocking. */
int rt_udp_sock(const char *ip, uint16_t port);
/* recv with timeout; returns length or -1. */
int rt_recv_timeout(int fd, void *buf, size_t len, unsigned int ms);

void rt_dump_xstats(uint16_t port);
uint64_t rt_xstat(uint16_t port, const char *name);
unsigned int rt_count_fds(void);
uint64_t rt_now_ms(void);

#endif /* RTAP_TEST_H */
