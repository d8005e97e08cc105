/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * FQ-CoDel unit tests: classification, sparse-flow priority through the
 * new-flow list, DRR byte fairness, fattest-flow overflow drops, the
 * memory limit, per-queue CoDel isolation, and mbuf leak checks. Fake
 * clock in ns (hz = 1e9). Most tests steer flows through the RSS hash
 * (queue = hash * flows >> 32), so queue indices are known exactly.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "codel_test_common.h"
#include "rtap_fq_codel.h"

#define HZ UINT64_C(1000000000)
#define US UINT64_C(1000)
#define MS (1000 * US)
#define BASE UINT64_C(1000000000000)
#define FLOWS 1024

/* RSS hash that lands in queue @p q of FLOWS. */
static uint32_t
rss_for(uint32_t q)
{
	return q << 22;
}

static struct rtap_fq_codel *
mk_fq(uint32_t limit, uint64_t memory_limit)
{
	struct rtap_fq_codel_params p;
	struct rtap_fq_codel *fq;

	CHECK(rtap_fq_codel_params_init(&p, HZ) == 0, "params");
	CHECK(p.quantum == 1514 + 14 && p.flows == FLOWS, "defaults");
	if (limit)
		p.limit = limit;
	if (memory_limit)
		p.memory_limit = memory_limit;
	fq = rtap_fq_codel_create("ut_fq", &p, SOCKET_ID_ANY);
	if (fq == NULL) {
		printf("FAIL: rtap_fq_codel_create: %s\n",
		       rte_strerror(rte_errno));
		exit(EXIT_FAILURE);
	}
	return fq;
}

static void
put(struct rtap_fq_codel *fq, uint32_t queue, uint16_t len, uint32_t seq,
    uint64_t now)
{
	struct rte_mbuf *m = test_pkt_rss(rss_for(queue), len, seq);

	CHECK(rtap_fq_codel_enqueue_burst(fq, &m, 1, now) == 1, "enqueue");
}

static struct rte_mbuf *
get1(struct rtap_fq_codel *fq, uint64_t now)
{
	struct rte_mbuf *m = NULL;

	if (rtap_fq_codel_dequeue_burst(fq, &m, 1, now) != 1)
		return NULL;
	return m;
}

static uint32_t
queue_of(const struct rte_mbuf *m)
{
	return (uint32_t)(((uint64_t)m->hash.rss * FLOWS) >> 32);
}

static void
test_classify(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct test_flow f = {
		.src4 = 0xc6120001, .dst4 = 0xc6130001, .dport = 5201,
	};
	uint8_t seen[FLOWS] = { 0 };
	unsigned int i, distinct = 0, unstable = 0;
	struct rte_mbuf *a, *b;

	/* 200 UDP flows differing in source port: stable per flow, and
	 * spread (expected distinct queues for 200 balls in 1024 bins is
	 * ~181; 170 leaves room for an unlucky hash but not a broken one).
	 */
	for (i = 0; i < 200; i++) {
		uint32_t qa, qb;

		f.sport = (uint16_t)(10000 + i);
		a = test_pkt(&f, 100, 1);
		b = test_pkt(&f, 1400, 2);
		qa = rtap_fq_codel_classify(fq, a);
		qb = rtap_fq_codel_classify(fq, b);
		unstable += qa != qb;
		CHECK(qa < FLOWS, "queue %u", qa);
		if (qa < FLOWS && !seen[qa]++)
			distinct++;
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
	CHECK(unstable == 0, "%u flows not stable", unstable);
	CHECK(distinct >= 170, "only %u distinct queues for 200 flows",
	      distinct);

	/* IPv6 and VLAN-tagged: ports matter, VLAN tag is skipped. */
	f.ipv6 = true;
	f.src6[0] = 0x20; f.src6[1] = 0x01; f.src6[2] = 0; f.src6[3] = 2;
	f.dst6[0] = 0x20; f.dst6[1] = 0x01; f.dst6[3] = 2; f.dst6[15] = 1;
	distinct = 0;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 50; i++) {
		uint32_t qa, qb;

		f.sport = (uint16_t)(20000 + i);
		f.vlan = 0;
		a = test_pkt(&f, 200, 1);
		f.vlan = 42;
		b = test_pkt(&f, 200, 1);
		qa = rtap_fq_codel_classify(fq, a);
		qb = rtap_fq_codel_classify(fq, b);
		CHECK(qa == qb, "VLAN tag changed the queue (%u/%u)", qa, qb);
		if (!seen[qa]++)
			distinct++;
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
	CHECK(distinct >= 40, "IPv6: only %u distinct queues for 50 flows",
	      distinct);

	/* IPv4 fragments: no ports, so different "port" bytes in a
	 * fragment do not split a datagram.
	 */
	f.ipv6 = false;
	f.vlan = 0;
	f.sport = 1;
	a = test_pkt(&f, 200, 1);
	f.sport = 2;
	b = test_pkt(&f, 200, 1);
	rte_pktmbuf_mtod_offset(a, struct rte_ipv4_hdr *, 14)->fragment_offset =
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	rte_pktmbuf_mtod_offset(b, struct rte_ipv4_hdr *, 14)->fragment_offset =
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	CHECK(rtap_fq_codel_classify(fq, a) == rtap_fq_codel_classify(fq, b),
	      "fragments split");
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);

	/* RSS hash is used when flagged. */
	a = test_pkt_rss(rss_for(777), 64, 0);
	CHECK(rtap_fq_codel_classify(fq, a) == 777, "rss queue %u",
	      rtap_fq_codel_classify(fq, a));
	rte_pktmbuf_free(a);
	/* Runt frame: still classified, nothing read out of bounds. */
	a = test_pkt_rss(1, 20, 0);
	a->ol_flags = 0;
	rte_pktmbuf_trim(a, 10);
	CHECK(rtap_fq_codel_classify(fq, a) < FLOWS, "runt");
	rte_pktmbuf_free(a);

	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * A bulk flow (queue 1, 1000 x 1500 B) is backlogged; a sparse flow
 * (queue 2) sends one 100 B packet every 10 bulk packets. Each sparse
 * packet joins the new-flow list and must be the very next packet out,
 * with a sojourn of 1 us, while bulk packets wait milliseconds.
 */
static void
test_sparse_vs_bulk(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct rtap_fq_codel_stats st;
	uint64_t now = BASE;
	unsigned int i, k, first = 0, bulk_out = 0;
	uint64_t bulk_sojourn_max = 0;

	for (i = 0; i < 1000; i++)
		put(fq, 1, 1500, i, now);
	for (k = 0; k < 20; k++) {
		struct rte_mbuf *m;

		for (i = 0; i < 10; i++) {
			now += 10 * US;
			m = get1(fq, now);
			CHECK(m != NULL && queue_of(m) == 1, "bulk expected");
			if (m) {
				bulk_out++;
				if (now - BASE > bulk_sojourn_max)
					bulk_sojourn_max = now - BASE;
				rte_pktmbuf_free(m);
			}
		}
		now += 10 * US;
		put(fq, 2, 100, 5000 + k, now);
		now += US;
		m = get1(fq, now);
		if (m != NULL && queue_of(m) == 2 && test_pkt_seq(m) == 5000 + k)
			first++;
		else
			CHECK(0, "sparse packet %u not served first", k);
		rte_pktmbuf_free(m);
	}
	CHECK(first == 20, "sparse served first %u/20", first);
	rtap_fq_codel_stats_get(fq, &st);
	CHECK(st.new_flows == 21, "new_flows %" PRIu64 " (1 bulk + 20 sparse)",
	      st.new_flows);
	CHECK(st.codel.drops == 0, "drops %" PRIu64, st.codel.drops);
	CHECK(bulk_sojourn_max > 2 * MS, "bulk sojourn only %" PRIu64,
	      bulk_sojourn_max);
	/* 20 sparse packets at 1 us: the [1, 2) us bucket. */
	CHECK(st.codel.sojourn_hist[1] == 20, "1 us bucket %" PRIu64,
	      st.codel.sojourn_hist[1]);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * Byte-budgeted dequeue (l2fwd-kernel's BQL and round budget): it stops
 * at the budget, leaves the rest in the flow queues, and a sparse packet
 * that arrives afterwards still goes before the bulk that was left.
 */
static void
test_dequeue_bytes(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct rte_mbuf *pkts[32];
	uint64_t now = BASE;
	uint16_t n, i;

	for (i = 0; i < 10; i++) {
		/* A 60000-byte GSO frame as the queue sees it (pkt_len). */
		struct rte_mbuf *m = test_pkt_rss(rss_for(1), 1500, i);

		m->pkt_len = 60000;
		CHECK(rtap_fq_codel_enqueue_burst(fq, &m, 1, now) == 1,
		      "enqueue");
	}
	now += 10 * US;
	/* 2 x 60000 < 131072 <= 3 x 60000: the third crosses, then stop. */
	n = rtap_fq_codel_dequeue_bytes(fq, pkts, 32, 131072, now);
	CHECK(n == 3, "131072-byte budget took %u frames, not 3", n);
	for (i = 0; i < n; i++) {
		CHECK(test_pkt_seq(pkts[i]) == i, "order %u", i);
		rte_pktmbuf_free(pkts[i]);
	}
	CHECK(rtap_fq_codel_backlog_bytes(fq) == 7 * 60000,
	      "left %" PRIu64 " bytes", rtap_fq_codel_backlog_bytes(fq));
	n = rtap_fq_codel_dequeue_bytes(fq, pkts, 32, 1, now);
	CHECK(n == 1 && test_pkt_seq(pkts[0]) == 3, "1-byte budget: %u", n);
	rte_pktmbuf_free_bulk(pkts, n);
	n = rtap_fq_codel_dequeue_bytes(fq, pkts, 32, 0, now);
	CHECK(n == 0, "0-byte budget took %u", n);
	/* The packet count still caps it. */
	n = rtap_fq_codel_dequeue_bytes(fq, pkts, 2, UINT64_MAX, now);
	CHECK(n == 2 && test_pkt_seq(pkts[1]) == 5, "2-packet cap: %u", n);
	rte_pktmbuf_free_bulk(pkts, n);
	now += 10 * US;
	put(fq, 2, 100, 777, now);
	now += US;
	n = rtap_fq_codel_dequeue_bytes(fq, pkts, 32, 1, now);
	CHECK(n == 1 && queue_of(pkts[0]) == 2 && test_pkt_seq(pkts[0]) == 777,
	      "the sparse packet did not overtake the bulk left queued");
	rte_pktmbuf_free_bulk(pkts, n);
	n = rtap_fq_codel_dequeue_burst(fq, pkts, 32, now);
	CHECK(n == 4, "rest: %u", n);
	for (i = 0; i < n; i++)
		CHECK(test_pkt_seq(pkts[i]) == 6u + i, "rest order %u", i);
	rte_pktmbuf_free_bulk(pkts, n);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/* The same with real UDP packets classified by the software 5-tuple
 * hash (no RSS flag): the sparse flow's packet overtakes 200 bulk ones.
 */
static void
test_sparse_vs_bulk_5tuple(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct test_flow bulk = { .src4 = 0xc6120001, .dst4 = 0xc6130001,
				  .sport = 40000, .dport = 5201 };
	struct test_flow sparse = bulk;
	struct rte_mbuf *m;
	uint64_t now = BASE;
	unsigned int i;

	sparse.sport = 40001;
	m = test_pkt(&bulk, 64, 0);
	while (1) {
		struct rte_mbuf *s2 = test_pkt(&sparse, 64, 0);
		bool same = rtap_fq_codel_classify(fq, m) ==
			rtap_fq_codel_classify(fq, s2);

		rte_pktmbuf_free(s2);
		if (!same)
			break;
		sparse.sport++; /* hash collision: pick another port */
	}
	rte_pktmbuf_free(m);
	for (i = 0; i < 200; i++) {
		m = test_pkt(&bulk, 1500, i);
		rtap_fq_codel_enqueue_burst(fq, &m, 1, now);
	}
	for (i = 0; i < 5; i++) {
		m = get1(fq, now);
		CHECK(m != NULL && test_pkt_seq(m) == i, "bulk order");
		rte_pktmbuf_free(m);
	}
	m = test_pkt(&sparse, 80, 9999);
	rtap_fq_codel_enqueue_burst(fq, &m, 1, now);
	m = get1(fq, now);
	CHECK(m != NULL && test_pkt_seq(m) == 9999 &&
	      rte_pktmbuf_pkt_len(m) == 80, "sparse packet not first");
	rte_pktmbuf_free(m);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * DRR: two backlogged flows with 1500 B and 300 B packets get equal
 * bytes, within one quantum plus one packet, over any prefix of the
 * schedule.
 */
static void
test_drr_fairness(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	uint64_t now = BASE, bytes[2] = { 0, 0 }, worst = 0;
	unsigned int i;

	for (i = 0; i < 600; i++) {
		put(fq, 10, 1500, i, now);
		put(fq, 20, 300, i, now);
	}
	for (i = 0; i < 400; i++) {
		struct rte_mbuf *m = get1(fq, now);
		uint64_t diff;

		if (m == NULL) {
			CHECK(0, "short at %u", i);
			break;
		}
		bytes[queue_of(m) == 10 ? 0 : 1] += rte_pktmbuf_pkt_len(m);
		rte_pktmbuf_free(m);
		diff = bytes[0] > bytes[1] ? bytes[0] - bytes[1] :
			bytes[1] - bytes[0];
		if (diff > worst)
			worst = diff;
	}
	printf("drr: 1500 B flow %" PRIu64 " bytes, 300 B flow %" PRIu64
	       " bytes, worst gap %" PRIu64 "\n", bytes[0], bytes[1], worst);
	CHECK(worst <= 1528 + 1500, "byte gap %" PRIu64, worst);
	CHECK(bytes[0] > 90000 && bytes[1] > 90000, "unfair split");
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * Overflow: limit 100. A has 80 x 1000 B, B 15, C 5 (100 queued). One
 * more C packet makes 101: the fattest queue (A) loses packets from its
 * head until half of its 80000 bytes are gone: 40 packets (seq 0..39).
 */
static void
test_fattest_overflow(void)
{
	struct rtap_fq_codel *fq = mk_fq(100, 0);
	struct rtap_fq_codel_stats st;
	uint64_t now = BASE;
	uint32_t next_seq[3] = { 40, 0, 0 };
	unsigned int i, bad_order = 0, got = 0;
	struct rte_mbuf *m;

	for (i = 0; i < 80; i++)
		put(fq, 100, 1000, i, now);
	for (i = 0; i < 15; i++)
		put(fq, 200, 1000, i, now);
	for (i = 0; i < 5; i++)
		put(fq, 300, 1000, i, now);
	rtap_fq_codel_stats_get(fq, &st);
	CHECK(st.overflow_drops == 0 && st.codel.backlog_pkts == 100,
	      "no drop at the limit");
	put(fq, 300, 1000, 5, now);
	rtap_fq_codel_stats_get(fq, &st);
	CHECK(st.overflow_drops == 40 && st.codel.tail_drops == 40,
	      "overflow drops %" PRIu64, st.overflow_drops);
	CHECK(st.codel.backlog_pkts == 61, "backlog %" PRIu64,
	      st.codel.backlog_pkts);
	CHECK(rtap_fq_codel_flow_backlog_bytes(fq, 100) == 40000 &&
	      rtap_fq_codel_flow_backlog_bytes(fq, 200) == 15000 &&
	      rtap_fq_codel_flow_backlog_bytes(fq, 300) == 6000,
	      "per-flow backlog %" PRIu64 "/%" PRIu64 "/%" PRIu64,
	      rtap_fq_codel_flow_backlog_bytes(fq, 100),
	      rtap_fq_codel_flow_backlog_bytes(fq, 200),
	      rtap_fq_codel_flow_backlog_bytes(fq, 300));
	CHECK(rte_mempool_in_use_count(test_pool) == 61, "in use %u",
	      rte_mempool_in_use_count(test_pool));
	while ((m = get1(fq, now)) != NULL) {
		unsigned int fl = queue_of(m) / 100 - 1;

		if (fl > 2 || test_pkt_seq(m) != next_seq[fl])
			bad_order++;
		else
			next_seq[fl]++;
		got++;
		rte_pktmbuf_free(m);
	}
	CHECK(got == 61 && bad_order == 0 && next_seq[0] == 80 &&
	      next_seq[1] == 15 && next_seq[2] == 6,
	      "got %u bad %u seqs %u/%u/%u", got, bad_order, next_seq[0],
	      next_seq[1], next_seq[2]);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * Memory limit of 20 mbufs' worth: the 21st packet of a single flow
 * overflows it and the flow loses half its bytes (11 packets); 30
 * packets leave 19 queued and memory never exceeds the limit.
 */
static void
test_memory_limit(void)
{
	struct rte_mbuf *probe = test_pkt_rss(0, 100, 0);
	uint64_t mem = probe->buf_len + sizeof(struct rte_mbuf);
	struct rtap_fq_codel *fq;
	struct rtap_fq_codel_stats st;
	unsigned int i, over = 0;

	rte_pktmbuf_free(probe);
	fq = mk_fq(0, 20 * mem);
	for (i = 0; i < 30; i++) {
		put(fq, 5, 100, i, BASE);
		rtap_fq_codel_stats_get(fq, &st);
		over += st.memory_usage > 20 * mem;
	}
	CHECK(over == 0, "memory above limit %u times", over);
	CHECK(st.memory_drops == 11 && st.overflow_drops == 0,
	      "memory drops %" PRIu64 " overflow %" PRIu64, st.memory_drops,
	      st.overflow_drops);
	CHECK(st.codel.backlog_pkts == 19 && st.memory_usage == 19 * mem,
	      "backlog %" PRIu64 " mem %" PRIu64, st.codel.backlog_pkts,
	      st.memory_usage);
	/* Free with packets still queued releases them. */
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/*
 * CoDel runs per queue: a bulk flow with a 200 ms standing queue is
 * dropped from on the control-law schedule, a sparse flow sharing the
 * scheduler never is.
 */
static void
test_per_flow_codel(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct rtap_fq_codel_stats st;
	uint64_t now = BASE;
	uint32_t seq = 0, sparse_seq = 0, sparse_got = 0;
	unsigned int i, t;

	for (i = 0; i < 2000; i++) {
		put(fq, 3, 1000, seq++, now);
		now += 100 * US;
	}
	for (t = 0; t < 5000; t++) {
		struct rte_mbuf *m;

		put(fq, 3, 1000, seq++, now);
		if (t % 100 == 0)
			put(fq, 4, 100, sparse_seq++, now);
		now += 100 * US;
		while ((m = get1(fq, now)) != NULL) {
			if (queue_of(m) == 4) {
				CHECK(test_pkt_seq(m) == sparse_got,
				      "sparse seq %u want %u", test_pkt_seq(m),
				      sparse_got);
				sparse_got++;
			}
			rte_pktmbuf_free(m);
			if (queue_of(m) == 3)
				break; /* one bulk packet per tick */
		}
	}
	rtap_fq_codel_stats_get(fq, &st);
	/* Control law over the 500 ms run: drops at 100, 200, 270.7,
	 * 328.4, 378.4, 423.2, 464.0 ms (next 501.8): exactly 7.
	 */
	CHECK(st.codel.drops == 7, "bulk drops %" PRIu64, st.codel.drops);
	CHECK(sparse_got == sparse_seq, "sparse %u of %u delivered",
	      sparse_got, sparse_seq);
	printf("per-flow codel: bulk drops %" PRIu64 ", sparse %u/%u "
	       "delivered\n", st.codel.drops, sparse_got, sparse_seq);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

/* Every queue active once: all served, each counted as a new flow. */
static void
test_all_queues(void)
{
	struct rtap_fq_codel *fq = mk_fq(0, 0);
	struct rtap_fq_codel_stats st;
	struct rte_mbuf *pkts[64];
	unsigned int i, got = 0, n;
	uint8_t seen[FLOWS] = { 0 };

	for (i = 0; i < FLOWS; i++)
		put(fq, i, 64, i, BASE);
	rtap_fq_codel_stats_get(fq, &st);
	CHECK(st.new_flows == FLOWS && st.new_flows_len == FLOWS,
	      "new flows %" PRIu64 "/%" PRIu64, st.new_flows,
	      st.new_flows_len);
	while ((n = rtap_fq_codel_dequeue_burst(fq, pkts, 64, BASE)) > 0) {
		for (i = 0; i < n; i++) {
			uint32_t q = queue_of(pkts[i]);

			/* New flows are served in arrival order. */
			CHECK(q == got + i, "order: queue %u at %u", q, got + i);
			seen[q]++;
		}
		got += n;
		test_free_all(pkts, n);
	}
	CHECK(got == FLOWS, "got %u", got);
	rtap_fq_codel_stats_get(fq, &st);
	CHECK(st.codel.backlog_pkts == 0 && st.memory_usage == 0 &&
	      st.codel.deq_pkts == FLOWS, "after drain");
	/* Purge keeps the scheduler usable. */
	for (i = 0; i < 100; i++)
		put(fq, i % 7, 500, i, BASE);
	rtap_fq_codel_purge(fq);
	CHECK(rtap_fq_codel_backlog_pkts(fq) == 0 &&
	      rtap_fq_codel_backlog_bytes(fq) == 0, "purge");
	test_check_no_leak("after purge");
	put(fq, 1, 500, 1, BASE);
	CHECK(rtap_fq_codel_dequeue_burst(fq, pkts, 64, BASE) == 1, "reuse");
	test_free_all(pkts, 1);
	rtap_fq_codel_free(fq);
	test_check_no_leak(__func__);
}

static void
test_params(void)
{
	struct rtap_fq_codel_params p;

	CHECK(rtap_fq_codel_params_init(&p, 0) == -EINVAL, "hz 0");
	CHECK(rtap_fq_codel_params_init(&p, HZ) == 0, "init");
	p.flows = 0;
	rte_errno = 0;
	CHECK(rtap_fq_codel_create("x", &p, SOCKET_ID_ANY) == NULL &&
	      rte_errno == EINVAL, "0 flows");
	rtap_fq_codel_free(NULL);
}

int
main(int argc, char **argv)
{
	(void)argc;
	test_eal_init(argv[0], 12288);
	test_params();
	test_classify();
	test_sparse_vs_bulk();
	test_sparse_vs_bulk_5tuple();
	test_dequeue_bytes();
	test_drr_fairness();
	test_fattest_overflow();
	test_memory_limit();
	test_per_flow_codel();
	test_all_queues();
	test_eal_cleanup();
	if (test_failures) {
		printf("%d check(s) failed\n", test_failures);
		return EXIT_FAILURE;
	}
	printf("all fq_codel tests passed\n");
	return EXIT_SUCCESS;
}
