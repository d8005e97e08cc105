/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "codel_test_common.h"
#include "rtap_test_rundir.h"

int test_failures;
struct rte_mempool *test_pool;

void
test_eal_init(const char *prog, unsigned int nb_mbufs)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)prog, (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"128",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--log-level", (char *)(uintptr_t)"lib.eal:warning",
		(char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
		(char *)(uintptr_t)"--file-prefix", prefix,
	};

	snprintf(prefix, sizeof(prefix), "rtap-ut-%s-%d", prog, (int)getpid());
	for (char *p = prefix; *p; p++)
		if (*p == '/')
			*p = '_';
	rtap_test_rundir_at_exit(prefix);
	if (rte_eal_init(RTE_DIM(argv), argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		exit(EXIT_FAILURE);
	}
	test_pool = rte_pktmbuf_pool_create("ut_pool", nb_mbufs, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	if (test_pool == NULL) {
		printf("FAIL: mempool: %s\n", rte_strerror(rte_errno));
		exit(EXIT_FAILURE);
	}
}

void
test_eal_cleanup(void)
{
	rte_mempool_free(test_pool);
	rte_eal_cleanup();
}

struct rte_mbuf *
test_pkt(const struct test_flow *f, uint16_t len, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;
	uint8_t *p;
	uint16_t off, l3len;

	if (m == NULL) {
		printf("FAIL: mbuf alloc (pool exhausted)\n");
		exit(EXIT_FAILURE);
	}
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		printf("FAIL: append %u\n", len);
		exit(EXIT_FAILURE);
	}
	memset(p, 0, len);
	eth = (struct rte_ether_hdr *)p;
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->dst_addr.addr_bytes[0] = 0x02;
	eth->dst_addr.addr_bytes[5] = 1;
	off = sizeof(*eth);
	if (f->vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(p + off);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(f->vlan);
		vh->eth_proto = rte_cpu_to_be_16(f->ipv6 ?
			RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
		off += sizeof(*vh);
	} else {
		eth->ether_type = rte_cpu_to_be_16(f->ipv6 ?
			RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	}
	l3len = len - off;
	if (!f->ipv6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);

		ip->version_ihl = 0x45;
		ip->type_of_service = f->ecn & 3;
		ip->total_length = rte_cpu_to_be_16(l3len);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		ip->time_to_live = 64;
		ip->next_proto_id = f->proto ? f->proto : IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(f->src4);
		ip->dst_addr = rte_cpu_to_be_32(f->dst4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		off += sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 |
			(uint32_t)(f->ecn & 3) << 20 | 0x12345);
		ip6->payload_len = rte_cpu_to_be_16(l3len - sizeof(*ip6));
		ip6->proto = f->proto ? f->proto : IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(&ip6->src_addr, f->src6, 16);
		memcpy(&ip6->dst_addr, f->dst6, 16);
		off += sizeof(*ip6);
	}
	udp = (struct rte_udp_hdr *)(p + off);
	udp->src_port = rte_cpu_to_be_16(f->sport);
	udp->dst_port = rte_cpu_to_be_16(f->dport);
	udp->dgram_len = rte_cpu_to_be_16(len - off);
	off += sizeof(*udp);
	if (off + 4 > len) {
		printf("FAIL: packet too short for seq\n");
		exit(EXIT_FAILURE);
	}
	memcpy(p + len - 4, &seq, 4);
	return m;
}

struct rte_mbuf *
test_pkt_rss(uint32_t rss, uint16_t len, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);
	uint8_t *p;

	if (m == NULL || len < 18) {
		printf("FAIL: mbuf alloc\n");
		exit(EXIT_FAILURE);
	}
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0, len);
	memcpy(p + len - 4, &seq, 4);
	m->hash.rss = rss;
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	return m;
}

uint32_t
test_pkt_seq(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *,
					     rte_pktmbuf_data_len(m) - 4), 4);
	return seq;
}

void
test_check_no_leak(const char *what)
{
	unsigned int in_use = rte_mempool_in_use_count(test_pool);
	unsigned int avail = rte_mempool_avail_count(test_pool);

	CHECK(in_use == 0 && avail == test_pool->size,
	      "%s: %u mbufs in use, %u of %u available", what, in_use, avail,
	      test_pool->size);
}

void
test_free_all(struct rte_mbuf **pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}
