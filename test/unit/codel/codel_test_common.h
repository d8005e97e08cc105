/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#ifndef CODEL_TEST_COMMON_H
#define CODEL_TEST_COMMON_H

/* Helpers shared by the CoDel and FQ-CoDel unit tests: EAL bring-up,
 * a packet mempool, packet builders and a leak check.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

extern int test_failures;
extern struct rte_mempool *test_pool;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		test_failures++; \
		printf("FAIL %s:%d: %s: ", __func__, __LINE__, #cond); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

/* EAL with --no-huge -m 128 --no-pci --no-shconf and a unique prefix
 * (--in-memory is refused together with --no-huge by DPDK 22.11);
 * creates test_pool with @p nb_mbufs. Exits on failure.
 */
void
test_eal_init(const char *prog, unsigned int nb_mbufs);

void
test_eal_cleanup(void);

struct test_flow {
	bool ipv6;
	uint32_t src4, dst4;       /* host order */
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport;     /* host order */
	uint8_t proto;             /* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t ecn;               /* low two bits of TOS/traffic class */
	uint16_t vlan;             /* 0: untagged */
};

/* Ethernet/IPv4|IPv6/UDP frame of @p len bytes (>= headers + 4) with a
 * valid IPv4 header checksum and @p seq in the first payload word.
 */
struct rte_mbuf *
test_pkt(const struct test_flow *f, uint16_t len, uint32_t seq);

/* Plain frame of @p len bytes whose RSS hash is set to @p rss
 * (RTE_MBUF_F_RX_RSS_HASH), seq at offset 14.
 */
struct rte_mbuf *
test_pkt_rss(uint32_t rss, uint16_t len, uint32_t seq);

/* seq stored by test_pkt()/test_pkt_rss(). */
uint32_t
test_pkt_seq(const struct rte_mbuf *m);

/* Mempool must be full again: every mbuf freed exactly once. */
void
test_check_no_leak(const char *what);

void
test_free_all(struct rte_mbuf **pkts, unsigned int n);

#endif
