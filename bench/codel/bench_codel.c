/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Micro-benchmark: cost per packet of enqueue + dequeue through CoDel and
 * FQ-CoDel, with a standing backlog, at 1, 16 and 1024 flows.
 *
 * A fixed set of mbufs circulates: every iteration dequeues a burst and
 * enqueues the same mbufs again, so no allocation is measured. Sojourn
 * stays far below target (no drops): this is the fast path a forwarding
 * loop pays on every packet. Times come from rte_rdtsc() and
 * rte_get_tsc_hz(); run_loop() is the function to count instructions of
 * under callgrind (--toggle-collect=run_loop).
 *
 * Usage: bench_codel [--algo codel|fq_codel] [--flows N] [--hash rss|sw]
 *                    [--iters N] [--burst N] [--backlog N]
 * Prints one line: algo flows hash burst backlog pkts cycles ns_per_pkt
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "rtap_codel.h"
#include "rtap_fq_codel.h"
#include "rtap_test_rundir.h"

#define MAX_BURST 256

struct bench {
	bool fq;
	struct rtap_codel *q;
	struct rtap_fq_codel *fq_q;
};

static struct rte_mbuf *
mk_pkt(struct rte_mempool *mp, uint32_t flow, bool rss)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	const uint16_t len = 64;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	memset(eth, 0, len);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120000 | (flow & 0xffff));
	ip->dst_addr = rte_cpu_to_be_32(0xc6130001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + flow));
	udp->dst_port = RTE_BE16(5201);
	if (rss) {
		/* Distinct flows land in distinct queues (of 1024), as
		 * distinct 5-tuples mostly would with a NIC's RSS.
		 */
		m->hash.rss = (flow % 1024) << 22 | (flow / 1024);
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	return m;
}

static uint16_t
enq(struct bench *b, struct rte_mbuf **p, uint16_t n, uint64_t now)
{
	return b->fq ? rtap_fq_codel_enqueue_burst(b->fq_q, p, n, now) :
		rtap_codel_enqueue_burst(b->q, p, n, now);
}

static uint16_t
deq(struct bench *b, struct rte_mbuf **p, uint16_t n, uint64_t now)
{
	return b->fq ? rtap_fq_codel_dequeue_burst(b->fq_q, p, n, now) :
		rtap_codel_dequeue_burst(b->q, p, n, now);
}

/* Measured loop; kept out of line so callgrind can toggle on it. */
__attribute__((noinline)) static uint64_t
run_loop(struct bench *b, uint64_t iters, uint16_t burst)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t i, moved = 0;

	for (i = 0; i < iters; i++) {
		uint64_t now = rte_rdtsc();
		uint16_t n = deq(b, pkts, burst, now);

		moved += n;
		if (enq(b, pkts, n, now) != n)
			break;
	}
	return moved;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"256",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
		(char *)(uintptr_t)"--log-level", (char *)(uintptr_t)"lib.eal:error",
		(char *)(uintptr_t)"--file-prefix", prefix,
	};
	const char *algo = "fq_codel", *hash = "rss";
	uint32_t flows = 1, backlog = 1024, i;
	uint64_t iters = 200000, pkts, t0, t1;
	uint16_t burst = 32;
	struct rte_mempool *mp;
	struct bench b = { 0 };
	struct rte_mbuf **all;
	int opt;
	static const struct option lopts[] = {
		{ "algo", required_argument, NULL, 'a' },
		{ "flows", required_argument, NULL, 'f' },
		{ "hash", required_argument, NULL, 'h' },
		{ "iters", required_argument, NULL, 'i' },
		{ "burst", required_argument, NULL, 'b' },
		{ "backlog", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'a': algo = optarg; break;
		case 'f': flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': hash = optarg; break;
		case 'i': iters = strtoull(optarg, NULL, 0); break;
		case 'b': burst = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'q': backlog = (uint32_t)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "bad option\n");
			return 2;
		}
	}
	if (flows == 0 || burst == 0 || burst > MAX_BURST ||
	    backlog < burst || (strcmp(algo, "codel") &&
				strcmp(algo, "fq_codel")) ||
	    (strcmp(hash, "rss") && strcmp(hash, "sw"))) {
		fprintf(stderr, "invalid arguments\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "rtap-bench-codel-%d", (int)getpid());
	rtap_test_rundir_at_exit(prefix);
	if (rte_eal_init(RTE_DIM(eal_argv), eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("bench", backlog + 2 * MAX_BURST, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	all = calloc(backlog, sizeof(*all));
	if (mp == NULL || all == NULL) {
		fprintf(stderr, "pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	b.fq = strcmp(algo, "fq_codel") == 0;
	if (b.fq) {
		struct rtap_fq_codel_params p;

		rtap_fq_codel_params_init(&p, rte_get_tsc_hz());
		p.use_rss_hash = strcmp(hash, "rss") == 0;
		b.fq_q = rtap_fq_codel_create("bench", &p, SOCKET_ID_ANY);
	} else {
		struct rtap_codel_params p;

		rtap_codel_params_init(&p, rte_get_tsc_hz());
		b.q = rtap_codel_create("bench", backlog, &p, SOCKET_ID_ANY);
	}
	if (b.q == NULL && b.fq_q == NULL) {
		fprintf(stderr, "create: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* Standing backlog, packets of the flows interleaved. */
	for (i = 0; i < backlog; i++) {
		all[i] = mk_pkt(mp, i % flows, strcmp(hash, "rss") == 0);
		if (all[i] == NULL) {
			fprintf(stderr, "alloc\n");
			return 1;
		}
	}
	enq(&b, all, (uint16_t)RTE_MIN(backlog, 65535u), rte_rdtsc());
	run_loop(&b, iters / 10 + 1, burst); /* warm up */
	t0 = rte_rdtsc();
	pkts = run_loop(&b, iters, burst);
	t1 = rte_rdtsc();
	printf("algo=%s flows=%u hash=%s burst=%u backlog=%u pkts=%" PRIu64
	       " cycles=%" PRIu64 " tsc_hz=%" PRIu64 " ns_per_pkt=%.2f\n",
	       algo, flows, hash, burst, backlog, pkts, t1 - t0,
	       rte_get_tsc_hz(),
	       pkts ? (double)(t1 - t0) * 1e9 / rte_get_tsc_hz() / pkts : 0.0);
	if (b.fq) {
		struct rtap_fq_codel_stats st;

		rtap_fq_codel_stats_get(b.fq_q, &st);
		if (st.codel.drops || st.codel.tail_drops)
			fprintf(stderr, "warning: %" PRIu64 " drops\n",
				st.codel.drops + st.codel.tail_drops);
		rtap_fq_codel_free(b.fq_q);
	} else {
		struct rtap_codel_stats st;

		rtap_codel_stats_get(b.q, &st);
		if (st.drops || st.tail_drops)
			fprintf(stderr, "warning: %" PRIu64 " drops\n",
				st.drops + st.tail_drops);
		rtap_codel_free(b.q);
	}
	free(all);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return pkts == iters * burst ? 0 : 1;
}
