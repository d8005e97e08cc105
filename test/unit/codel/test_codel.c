/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * CoDel unit tests with a fake clock in nanoseconds (hz = 1e9), real
 * mbufs from a mempool and a leak check after every test.
 *
 * Most tests drive a "standing queue": packets arrive one per microsecond
 * and leave one per microsecond behind a backlog of S packets, so every
 * packet's sojourn is S us. The expected drop times are computed here
 * from RFC 8289 in double precision: first drop one interval after the
 * first dequeue that saw sojourn >= target, then drop_next += interval /
 * sqrt(count). Drops can only happen at a dequeue, i.e. on the 1 us tick
 * grid, so the expected time is the first tick at or after drop_next.
 */

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "codel_test_common.h"
#include "rtap_codel.h"

#define HZ UINT64_C(1000000000)        /* fake clock: ns */
#define US UINT64_C(1000)
#define TICK US
#define INTERVAL (100000 * US)
#define TARGET (5000 * US)
#define BASE UINT64_C(1000000000000)   /* start far from 0 */
#define STANDING 8000            /* 8 ms sojourn */
#define PKT_LEN 1000

struct drive {
	struct rtap_codel *q;
	uint64_t now;
	uint32_t seq;
	struct test_flow flow;
	uint64_t drops_seen;
	uint64_t marks_seen;
	unsigned int bad_cksum;
	unsigned int ce_delivered;
};

static struct rtap_codel *
mk_queue(uint32_t cap, bool ecn, uint32_t max_drops, uint32_t mtu)
{
	struct rtap_codel_params p;
	struct rtap_codel *q;

	CHECK(rtap_codel_params_init(&p, HZ) == 0, "params");
	CHECK(p.target == TARGET && p.interval == INTERVAL,
	      "defaults %" PRIu64 "/%" PRIu64, p.target, p.interval);
	p.ecn = ecn;
	p.max_drops = max_drops;
	p.mtu = mtu;
	q = rtap_codel_create("ut", cap, &p, SOCKET_ID_ANY);
	if (q == NULL) {
		printf("FAIL: rtap_codel_create: %s\n", rte_strerror(rte_errno));
		exit(EXIT_FAILURE);
	}
	return q;
}

static void
drive_init(struct drive *d, struct rtap_codel *q, uint8_t ecn)
{
	memset(d, 0, sizeof(*d));
	d->q = q;
	d->now = BASE;
	d->flow.src4 = 0xc6120001; /* 198.18.0.1 */
	d->flow.dst4 = 0xc6130001; /* 198.19.0.1 */
	d->flow.sport = 1000;
	d->flow.dport = 2000;
	d->flow.ecn = ecn;
}

static void
put(struct drive *d)
{
	struct rte_mbuf *m = test_pkt(&d->flow, PKT_LEN, d->seq++);

	CHECK(rtap_codel_enqueue_burst(d->q, &m, 1, d->now) == 1, "enqueue");
}

static void
check_ipv4(struct drive *d, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));

	if (d->flow.ipv6 || d->flow.vlan)
		return;
	/* Receiver's check: the one's complement sum over the header,
	 * checksum included, is 0xffff.
	 */
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		d->bad_cksum++;
	if ((ip->type_of_service & 3) == 3)
		d->ce_delivered++;
}

/* Dequeue up to n at d->now, check and free them; returns the count. */
static unsigned int
get(struct drive *d, unsigned int n)
{
	struct rte_mbuf *pkts[64];
	struct rtap_codel_stats st;
	unsigned int got, i;

	got = rtap_codel_dequeue_burst(d->q, pkts, (uint16_t)n, d->now);
	for (i = 0; i < got; i++)
		check_ipv4(d, pkts[i]);
	test_free_all(pkts, got);
	rtap_codel_stats_get(d->q, &st);
	d->drops_seen = st.drops;
	d->marks_seen = st.ecn_marks;
	return got;
}

/*
 * Build a standing queue of @p standing packets (one per tick, no
 * dequeue), then one in / one out per tick until @p want drop-or-mark
 * events; their times go to ev[]. *t0 is the first dequeue time.
 */
static unsigned int
episode(struct drive *d, unsigned int standing, unsigned int want,
	uint64_t *ev, uint64_t *t0)
{
	unsigned int i, nev = 0;
	uint64_t events = d->drops_seen + d->marks_seen;
	uint64_t limit;

	for (i = 0; i < standing; i++) {
		put(d);
		d->now += TICK;
	}
	*t0 = d->now;
	limit = d->now + 5 * HZ;
	while (nev < want && d->now < limit) {
		put(d);
		if (get(d, 1) != 1) {
			CHECK(0, "dequeue returned nothing at %" PRIu64,
			      d->now - BASE);
			break;
		}
		if (d->drops_seen + d->marks_seen != events) {
			CHECK(d->drops_seen + d->marks_seen == events + 1,
			      "%" PRIu64 " events in one tick",
			      d->drops_seen + d->marks_seen - events);
			events = d->drops_seen + d->marks_seen;
			ev[nev++] = d->now;
		}
		d->now += TICK;
	}
	return nev;
}

/* Dequeue everything at one instant (sojourn falls below target inside
 * the burst, so CoDel leaves the dropping state); must not drop.
 */
static void
drain(struct drive *d)
{
	uint64_t before = d->drops_seen;

	while (get(d, 64) > 0)
		;
	CHECK(rtap_codel_backlog_pkts(d->q) == 0, "not drained");
	CHECK(d->drops_seen == before, "drain dropped %" PRIu64,
	      d->drops_seen - before);
}

/*
 * Compare event times with the control law, starting at count c0 at
 * the first event: ev[0] == t0 + interval (for the first entry), and
 * ev[k] == first tick >= drop_next_{k-1}, drop_next_0 = ev[0] +
 * I/sqrt(c0), drop_next_k = drop_next_{k-1} + I/sqrt(c0 + k).
 */
static void
check_schedule(const char *what, const uint64_t *ev, unsigned int n,
	       uint64_t first, uint32_t c0, uint64_t tick_origin)
{
	double dn;
	unsigned int k;

	CHECK(n > 0 && ev[0] == first, "%s: first event at +%.3f ms, want "
	      "+%.3f ms", what, n ? (double)(ev[0] - tick_origin) / 1e6 : -1,
	      (double)(first - tick_origin) / 1e6);
	if (n == 0)
		return;
	dn = (double)ev[0] + (double)INTERVAL / sqrt(c0);
	for (k = 1; k < n; k++) {
		double rel = (dn - (double)tick_origin) / TICK;
		uint64_t want = tick_origin + (uint64_t)ceil(rel) * TICK;
		/* Fixed point may land a few ns early/late: at a tick
		 * boundary either neighbouring tick is right.
		 */
		double frac = rel - floor(rel);
		bool edge = frac < 0.001 || frac > 0.999;

		CHECK(ev[k] == want || (edge && (ev[k] + TICK == want ||
					      ev[k] == want + TICK)),
		      "%s: event %u at +%" PRIu64 " ns, want +%" PRIu64
		      " (drop_next %.1f)", what, k, ev[k] - tick_origin,
		      want - tick_origin, dn - (double)tick_origin);
		dn += (double)INTERVAL / sqrt(c0 + k);
	}
}

static void
test_control_law(void)
{
	struct drive d;
	uint64_t ev[20], t0;
	unsigned int n;

	drive_init(&d, mk_queue(16384, false, 0, 1514), 0);
	n = episode(&d, STANDING, RTE_DIM(ev), ev, &t0);
	CHECK(n == RTE_DIM(ev), "only %u drops", n);
	check_schedule("control law", ev, n, t0 + INTERVAL, 1, t0);
	printf("control law: drops at +ms:");
	for (unsigned int i = 0; i < n; i++)
		printf(" %.3f", (double)(ev[i] - t0) / 1e6);
	printf("\n");
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/*
 * Resume rule: an episode with 5 drops ends at count 5, lastcount 1.
 * Re-entering about 108 ms later (< 16 intervals after drop_next)
 * starts at count = 5 - 1 = 4: second drop 50 ms after the first.
 * After that episode (4 drops: count 7, lastcount 4), a pause of 17
 * intervals makes the next entry start again at count 1 (second drop
 * one full interval after the first).
 */
static void
test_resume(void)
{
	struct drive d;
	uint64_t ev[5], t0;
	unsigned int n;

	drive_init(&d, mk_queue(16384, false, 0, 1514), 0);
	n = episode(&d, STANDING, 5, ev, &t0);
	check_schedule("episode 1", ev, n, t0 + INTERVAL, 1, t0);
	d.now += TICK;
	drain(&d);

	n = episode(&d, STANDING, 4, ev, &t0);
	check_schedule("resumed", ev, n, t0 + INTERVAL, 4, t0);
	CHECK(n >= 2 && ev[1] - ev[0] == INTERVAL / 2,
	      "resumed: 2nd drop after %.3f ms, want 50", n >= 2 ?
	      (double)(ev[1] - ev[0]) / 1e6 : -1.0);
	d.now += TICK;
	drain(&d);

	d.now += (RTAP_CODEL_RESUME_INTERVALS + 1) * INTERVAL;
	n = episode(&d, STANDING, 3, ev, &t0);
	check_schedule("after long pause", ev, n, t0 + INTERVAL, 1, t0);
	CHECK(n >= 2 && ev[1] - ev[0] == INTERVAL,
	      "long pause: 2nd drop after %.3f ms, want 100", n >= 2 ?
	      (double)(ev[1] - ev[0]) / 1e6 : -1.0);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/* Standing queue of 4 ms (< 5 ms target) for 2 s: nothing dropped. */
static void
test_below_target(void)
{
	struct drive d;
	uint64_t ev[1], t0;
	struct rtap_codel_stats st;

	drive_init(&d, mk_queue(16384, false, 0, 1514), 0);
	/* episode() gives up after 5 s of fake time without events. */
	CHECK(episode(&d, 4000, 1, ev, &t0) == 0, "dropped below target");
	rtap_codel_stats_get(d.q, &st);
	CHECK(st.drops == 0 && st.ecn_marks == 0 && st.tail_drops == 0,
	      "drops %" PRIu64 " marks %" PRIu64, st.drops, st.ecn_marks);
	CHECK(st.deq_pkts == 5 * HZ / TICK, "deq %" PRIu64, st.deq_pkts);
	/* Sojourn was 4 ms for all but the first packets: p50 in the
	 * [2048, 4096) us bucket, EWMA ~4 ms.
	 */
	CHECK(rtap_codel_sojourn_percentile_us(&st, 50) == 4096, "p50 %" PRIu64,
	      rtap_codel_sojourn_percentile_us(&st, 50));
	CHECK(st.sojourn_ewma > 3900 * US && st.sojourn_ewma <= 4000 * US,
	      "ewma %" PRIu64, st.sojourn_ewma);
	CHECK(st.sojourn_max == 4000 * US, "max %" PRIu64, st.sojourn_max);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/*
 * Never drop the last packet: with mtu 0 (so only the "queue empty after
 * this packet" rule protects) a queue holding one packet at a time, each
 * waiting 10 ms, is never dropped over 3 s. The same with two packets
 * queued does drop (so the test can fail).
 */
static void
last_packet(unsigned int depth, bool expect_drops)
{
	struct drive d;
	struct rtap_codel_stats st;
	unsigned int i, k, delivered = 0;

	drive_init(&d, mk_queue(64, false, 0, 0), 0);
	for (k = 1; k < depth; k++)
		put(&d);
	for (i = 0; i < 300; i++) {
		put(&d);
		d.now += 10000 * US;
		delivered += get(&d, 1);
	}
	rtap_codel_stats_get(d.q, &st);
	if (expect_drops)
		CHECK(st.drops > 0, "depth %u: no drops", depth);
	else
		CHECK(st.drops == 0 && delivered == 300,
		      "depth %u: %" PRIu64 " drops, %u delivered", depth,
		      st.drops, delivered);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

static void
test_never_drop_last(void)
{
	last_packet(1, false);
	last_packet(2, true);
}

/* MTU rule: a backlog of one 1000-byte packet behind the head (<= mtu
 * 1514) is never dropped from, even with long sojourn.
 */
static void
test_mtu_rule(void)
{
	struct drive d;
	struct rtap_codel_stats st;
	unsigned int i;

	drive_init(&d, mk_queue(64, false, 0, 1514), 0);
	put(&d);
	for (i = 0; i < 300; i++) {
		put(&d);
		d.now += 10000 * US;
		get(&d, 1);
	}
	rtap_codel_stats_get(d.q, &st);
	CHECK(st.drops == 0, "%" PRIu64 " drops with backlog <= mtu",
	      st.drops);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/*
 * Drop cap: enter the dropping state, then dequeue nothing for 1 s.
 * drop_next is far in the past, so ~30 drops are due at the next
 * dequeue (sum of 100/sqrt(k) ms). With max_drops 3 one burst drops
 * exactly 3 and still returns 32 packets; uncapped it drops many more.
 */
static void
cap_case(uint32_t cap, uint64_t *drops1, uint64_t *hits)
{
	struct drive d;
	struct rtap_codel_stats st;
	uint64_t ev[1], t0;

	drive_init(&d, mk_queue(16384, false, cap, 1514), 0);
	CHECK(episode(&d, STANDING, 1, ev, &t0) == 1, "no first drop");
	d.now += HZ;
	CHECK(get(&d, 32) == 32, "burst short");
	rtap_codel_stats_get(d.q, &st);
	*drops1 = st.drops - 1;
	*hits = st.drop_cap_hits;
	if (cap) {
		CHECK(get(&d, 32) == 32, "burst short");
		rtap_codel_stats_get(d.q, &st);
		CHECK(st.drops - 1 - *drops1 == cap, "second burst dropped %"
		      PRIu64, st.drops - 1 - *drops1);
	}
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

static void
test_drop_cap(void)
{
	uint64_t drops, hits;

	cap_case(3, &drops, &hits);
	CHECK(drops == 3, "capped burst dropped %" PRIu64, drops);
	CHECK(hits == 1, "cap hits %" PRIu64, hits);
	cap_case(0, &drops, &hits);
	CHECK(drops > 10, "uncapped burst dropped only %" PRIu64, drops);
	CHECK(hits == 0, "cap hits %" PRIu64, hits);
	printf("drop cap: uncapped burst after 1 s dropped %" PRIu64 "\n",
	       drops);
}

/*
 * ECN: ECT(0) and ECT(1) IPv4 packets are CE-marked at exactly the times
 * they would have been dropped, nothing is dropped, every delivered
 * header checksum verifies and exactly the marked packets carry CE.
 * Not-ECT packets are still dropped with ecn on.
 */
static void
ecn_case(uint8_t ecn, bool ipv6)
{
	struct drive d;
	uint64_t ev[8], t0;
	unsigned int n;

	drive_init(&d, mk_queue(16384, true, 0, 1514), ecn);
	d.flow.ipv6 = ipv6;
	n = episode(&d, STANDING, RTE_DIM(ev), ev, &t0);
	CHECK(n == RTE_DIM(ev), "ecn %u: %u events", ecn, n);
	check_schedule(ecn ? "ecn marks" : "not-ect drops", ev, n,
		       t0 + INTERVAL, 1, t0);
	if (ecn) {
		CHECK(d.drops_seen == 0 && d.marks_seen == n,
		      "ecn %u ipv6 %d: drops %" PRIu64 " marks %" PRIu64, ecn,
		      ipv6, d.drops_seen, d.marks_seen);
		if (!ipv6)
			CHECK(d.ce_delivered == n, "CE delivered %u, marks %u",
			      d.ce_delivered, n);
	} else {
		CHECK(d.drops_seen == n && d.marks_seen == 0,
		      "not-ect: drops %" PRIu64 " marks %" PRIu64,
		      d.drops_seen, d.marks_seen);
	}
	CHECK(d.bad_cksum == 0, "%u bad IPv4 checksums", d.bad_cksum);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

static void
test_ecn_queue(void)
{
	ecn_case(2, false); /* ECT(0) */
	ecn_case(1, false); /* ECT(1) */
	ecn_case(2, true);  /* IPv6 ECT(0) */
	ecn_case(0, false); /* Not-ECT: dropped */
}

/*
 * rtap_codel_ecn_mark() on its own: random IPv4 headers (random TOS with
 * ECT set, ids, addresses, TTL) keep a checksum equal to a full
 * recomputation (RFC 1624 incremental update); IPv6 and VLAN-tagged
 * frames get CE; Not-ECT and non-IP frames are left alone.
 */
static void
test_ecn_mark_unit(void)
{
	struct test_flow f = { .src4 = 1, .dst4 = 2, .sport = 1, .dport = 2 };
	unsigned int i, bad = 0, bad_sum = 0;
	uint32_t r = 4242;

	for (i = 0; i < 20000; i++) {
		struct rte_mbuf *m;
		struct rte_ipv4_hdr *ip;
		uint16_t stored;
		uint8_t tos;

		r = r * 1103515245 + 12345;
		f.src4 = r;
		r = r * 1103515245 + 12345;
		f.dst4 = r ^ (r << 7);
		f.ecn = 1 + (r >> 30) % 2;
		f.vlan = (i % 5 == 0) ? 100 : 0;
		m = test_pkt(&f, 64 + (r >> 20) % 1400, r);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
			sizeof(struct rte_ether_hdr) +
			(f.vlan ? sizeof(struct rte_vlan_hdr) : 0));
		tos = (uint8_t)((r >> 8) & 0xfc) | f.ecn;
		ip->type_of_service = tos;
		ip->time_to_live = (uint8_t)(r >> 3);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		CHECK(rtap_codel_ecn_mark(m), "ECT not marked");
		CHECK(ip->type_of_service == (tos | 3), "tos %#x from %#x",
		      ip->type_of_service, tos);
		bad_sum += rte_raw_cksum(ip, sizeof(*ip)) != 0xffff;
		stored = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		bad += stored != rte_ipv4_cksum(ip);
		rte_pktmbuf_free(m);
	}
	CHECK(bad_sum == 0, "%u headers fail verification", bad_sum);
	CHECK(bad == 0, "%u checksums differ from full recomputation", bad);

	/* Not-ECT and already-CE IPv4, IPv6 ECT(1), non-IP. */
	{
		struct rte_mbuf *m;
		struct rte_ipv4_hdr before;
		struct rte_ipv6_hdr *ip6;

		f.vlan = 0;
		f.ecn = 0;
		m = test_pkt(&f, 100, 1);
		memcpy(&before, rte_pktmbuf_mtod_offset(m, void *, 14),
		       sizeof(before));
		CHECK(!rtap_codel_ecn_mark(m), "Not-ECT marked");
		CHECK(memcmp(&before, rte_pktmbuf_mtod_offset(m, void *, 14),
			     sizeof(before)) == 0, "Not-ECT header changed");
		rte_pktmbuf_free(m);

		f.ecn = 3;
		m = test_pkt(&f, 100, 1);
		memcpy(&before, rte_pktmbuf_mtod_offset(m, void *, 14),
		       sizeof(before));
		CHECK(rtap_codel_ecn_mark(m), "CE not reported as marked");
		CHECK(memcmp(&before, rte_pktmbuf_mtod_offset(m, void *, 14),
			     sizeof(before)) == 0, "CE header changed");
		rte_pktmbuf_free(m);

		f.ipv6 = true;
		f.ecn = 1;
		f.vlan = 7;
		m = test_pkt(&f, 100, 1);
		CHECK(rtap_codel_ecn_mark(m), "IPv6 ECT(1) not marked");
		ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 18);
		CHECK(rte_be_to_cpu_32(ip6->vtc_flow) ==
		      (6u << 28 | 3u << 20 | 0x12345), "vtc_flow %#x",
		      rte_be_to_cpu_32(ip6->vtc_flow));
		rte_pktmbuf_free(m);

		m = test_pkt_rss(1, 60, 1); /* ethertype 0 */
		CHECK(!rtap_codel_ecn_mark(m), "non-IP marked");
		rte_pktmbuf_free(m);
		/* Truncated: Ethernet + 10 bytes of "IPv4". */
		f.ipv6 = false;
		f.vlan = 0;
		f.ecn = 2;
		m = test_pkt(&f, 100, 1);
		rte_pktmbuf_trim(m, 100 - 24);
		CHECK(!rtap_codel_ecn_mark(m), "truncated header marked");
		rte_pktmbuf_free(m);
	}
	test_check_no_leak(__func__);
}

/* Full queue: the queue takes all mbufs and frees what does not fit. */
static void
test_tail_drop(void)
{
	struct drive d;
	struct rte_mbuf *pkts[20];
	struct rtap_codel_stats st;
	unsigned int i;

	drive_init(&d, mk_queue(10, false, 0, 1514), 0); /* rounds to 16 */
	for (i = 0; i < 20; i++)
		pkts[i] = test_pkt(&d.flow, 200, i);
	CHECK(rtap_codel_enqueue_burst(d.q, pkts, 20, d.now) == 16,
	      "accepted != capacity");
	CHECK(rte_mempool_in_use_count(test_pool) == 16, "in use %u",
	      rte_mempool_in_use_count(test_pool));
	rtap_codel_stats_get(d.q, &st);
	CHECK(st.tail_drops == 4 && st.enq_pkts == 16 &&
	      st.backlog_pkts == 16 && st.backlog_bytes == 16 * 200,
	      "tail %" PRIu64 " enq %" PRIu64 " backlog %" PRIu64 "/%" PRIu64,
	      st.tail_drops, st.enq_pkts, st.backlog_pkts, st.backlog_bytes);
	CHECK(rtap_codel_head_time(d.q) == d.now, "head time");
	/* FIFO order. */
	for (i = 0; i < 16; i++) {
		struct rte_mbuf *m;

		if (rtap_codel_dequeue_burst(d.q, &m, 1, d.now) != 1) {
			CHECK(0, "short");
			break;
		}
		CHECK(test_pkt_seq(m) == i, "seq %u want %u", test_pkt_seq(m),
		      i);
		rte_pktmbuf_free(m);
	}
	/* Purge and free with packets inside free them. */
	for (i = 0; i < 5; i++)
		put(&d);
	rtap_codel_purge(d.q);
	CHECK(rtap_codel_backlog_pkts(d.q) == 0 &&
	      rtap_codel_backlog_bytes(d.q) == 0, "purge");
	for (i = 0; i < 5; i++)
		put(&d);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

static void
test_params(void)
{
	struct rtap_codel_params p;

	CHECK(rtap_codel_params_init(&p, 0) == -EINVAL, "hz 0");
	CHECK(rtap_codel_params_init(&p, UINT64_C(2500000000)) == 0, "init");
	CHECK(p.target == 12500000 && p.interval == 250000000,
	      "2.5 GHz: %" PRIu64 "/%" PRIu64, p.target, p.interval);
	CHECK(rtap_codel_params_set_us(&p, 100, 100) == -EINVAL,
	      "target == interval");
	CHECK(rtap_codel_params_set_us(&p, 0, 100) == -EINVAL, "target 0");
	CHECK(rtap_codel_params_set_us(&p, 1000, 20000) == 0 &&
	      p.target == 2500000 && p.interval == 50000000, "set_us");
	rte_errno = 0;
	CHECK(rtap_codel_create("x", 0, &p, SOCKET_ID_ANY) == NULL &&
	      rte_errno == EINVAL, "capacity 0");
	p.target = 0;
	CHECK(rtap_codel_create("x", 16, &p, SOCKET_ID_ANY) == NULL,
	      "target 0 accepted");
}

/* Sojourn histogram: 90 packets at 3 us, 10 at 1000 us. */
static void
test_percentiles(void)
{
	struct drive d;
	struct rtap_codel_stats st;
	unsigned int i;

	drive_init(&d, mk_queue(256, false, 0, 1514), 0);
	for (i = 0; i < 90; i++)
		put(&d);
	d.now += 3 * US;
	CHECK(get(&d, 64) + get(&d, 64) == 90, "deq");
	for (i = 0; i < 10; i++)
		put(&d);
	d.now += 1000 * US;
	CHECK(get(&d, 64) == 10, "deq");
	rtap_codel_stats_get(d.q, &st);
	CHECK(st.sojourn_hist[2] == 90 && st.sojourn_hist[10] == 10,
	      "buckets %" PRIu64 " %" PRIu64, st.sojourn_hist[2],
	      st.sojourn_hist[10]);
	CHECK(rtap_codel_sojourn_percentile_us(&st, 50) == 4, "p50");
	CHECK(rtap_codel_sojourn_percentile_us(&st, 90) == 4, "p90");
	CHECK(rtap_codel_sojourn_percentile_us(&st, 91) == 1024, "p91");
	CHECK(rtap_codel_sojourn_percentile_us(&st, 99) == 1024, "p99");
	CHECK(st.sojourn_max == 1000 * US, "max");
	rtap_codel_stats_reset(d.q);
	rtap_codel_stats_get(d.q, &st);
	CHECK(rtap_codel_sojourn_percentile_us(&st, 99) == 0 &&
	      st.deq_pkts == 0, "reset");
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/*
 * A dequeue clock behind the enqueue stamps (e.g. TSC read on another
 * lcore) must not look like a huge sojourn: no drops, sojourn 0.
 */
static void
test_clock_behind(void)
{
	struct drive d;
	struct rtap_codel_stats st;
	uint64_t start;
	unsigned int i;

	drive_init(&d, mk_queue(16384, false, 0, 1514), 0);
	start = d.now;
	d.now = start + 10 * HZ; /* stamps 10 s ahead of the dequeue clock */
	for (i = 0; i < 3000; i++)
		put(&d);
	/* 1 s of dequeues, 2 per ms, always behind the stamps. */
	for (i = 0; i < 1000; i++) {
		d.now = start + i * 1000 * US;
		CHECK(get(&d, 2) == 2, "short dequeue");
	}
	rtap_codel_stats_get(d.q, &st);
	CHECK(st.drops == 0, "%" PRIu64 " drops with a clock behind",
	      st.drops);
	CHECK(st.sojourn_max == 0 && st.sojourn_hist[0] == 2000,
	      "sojourn max %" PRIu64 " bucket0 %" PRIu64, st.sojourn_max,
	      st.sojourn_hist[0]);
	rtap_codel_free(d.q);
	test_check_no_leak(__func__);
}

/* Precision of the control law's reciprocal square root. */
static void
test_rec_inv_sqrt(void)
{
	double worst = 0;
	uint32_t worst_at = 0, x;

	CHECK(rtap_codel_rec_inv_sqrt(1) == UINT32_MAX, "count 1");
	CHECK(rtap_codel_rec_inv_sqrt(0) == UINT32_MAX, "count 0");
	/* Every count up to 2^16, then every 7th up to 2^20 (keeps the
	 * test quick under valgrind).
	 */
	for (x = 2; x <= (1u << 20); x += x < (1u << 16) ? 1 : 7) {
		double exact = 4294967296.0 / sqrt((double)x);
		double err = fabs(rtap_codel_rec_inv_sqrt(x) - exact) / exact;

		if (err > worst) {
			worst = err;
			worst_at = x;
		}
	}
	for (x = UINT32_MAX; x > (1u << 20); x -= 999983) {
		double exact = 4294967296.0 / sqrt((double)x);
		double err = fabs(rtap_codel_rec_inv_sqrt(x) - exact) / exact;

		if (err > worst) {
			worst = err;
			worst_at = x;
		}
	}
	printf("rec_inv_sqrt: worst relative error %.3g at count %u\n", worst,
	       worst_at);
	CHECK(worst < 2e-5, "relative error %g at %u", worst, worst_at);
}

int
main(int argc, char **argv)
{
	(void)argc;
	test_eal_init(argv[0], 12288);
	test_params();
	test_rec_inv_sqrt();
	test_control_law();
	test_resume();
	test_below_target();
	test_never_drop_last();
	test_mtu_rule();
	test_drop_cap();
	test_ecn_queue();
	test_ecn_mark_unit();
	test_tail_drop();
	test_percentiles();
	test_clock_behind();
	test_eal_cleanup();
	if (test_failures) {
		printf("%d check(s) failed\n", test_failures);
		return EXIT_FAILURE;
	}
	printf("all codel tests passed\n");
	return EXIT_SUCCESS;
}
