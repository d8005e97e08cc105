/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Unit tests for lib/dql with a fake clock (plain integers). Expected
 * values are worked out by hand from the algorithm in DESIGN.md; the
 * comments show the arithmetic.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtap_dql.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: %s: ", __func__, __LINE__, #cond); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define HOLD 1000

/* Give @p d a limit of @p limit with no clamps, through the public API. */
static void
force_limit(struct rtap_dql *d, uint32_t limit)
{
	CHECK(rtap_dql_set_limits(d, limit, RTAP_DQL_MAX_LIMIT) == 0, "set");
	CHECK(rtap_dql_set_limits(d, 0, RTAP_DQL_MAX_LIMIT) == 0, "unset");
	CHECK(d->limit == limit, "limit %u", d->limit);
}

/* Move all free-running counters by @p off, as if that many bytes had
 * already passed through an idle queue.
 */
static void
offset_counters(struct rtap_dql *d, uint32_t off)
{
	d->num_queued += off;
	d->num_completed += off;
	d->prev_num_queued += off;
	d->adj_limit += off;
}

static void
test_init_first_packet(void)
{
	struct rtap_dql d;

	rtap_dql_init(&d, HOLD, 0);
	CHECK(d.limit == 0, "limit %u", d.limit);
	/* Nothing queued: not stopped, the first packet always goes. */
	CHECK(!rtap_dql_stopped(&d), "stopped before any packet");
	CHECK(rtap_dql_avail(&d) == 0, "avail %d", rtap_dql_avail(&d));
	rtap_dql_queued(&d, 1500);
	CHECK(rtap_dql_stopped(&d), "not stopped over limit 0");
	CHECK(rtap_dql_avail(&d) == -1500, "avail %d", rtap_dql_avail(&d));
	CHECK(rtap_dql_inflight(&d) == 1500, "inflight");
}

/* Starved queue: over its limit and then fully drained -> grow. */
static void
test_growth_when_starved(void)
{
	struct rtap_dql d;
	uint32_t round;
	uint64_t now = 0;

	rtap_dql_init(&d, HOLD, now);
	rtap_dql_queued(&d, 1500);
	/* completed=1500, ovlimit=posdiff(1500,0)=1500, inprogress=0:
	 * limit += posdiff(1500, prev_num_queued=0) + 0 = 1500.
	 */
	CHECK(rtap_dql_completed(&d, 1500, ++now) == 0, "ret");
	CHECK(d.limit == 1500, "limit %u", d.limit);
	CHECK(d.n_grow == 1, "n_grow %" PRIu64, d.n_grow);
	CHECK(!rtap_dql_stopped(&d), "stopped after drain");

	/* Round 2: fill until stopped with 1500-byte packets. adj_limit =
	 * 1500 + 1500 = 3000, num_queued 1500: after one packet avail = 0
	 * (not stopped), after two -1500 (stopped): num_queued = 4500.
	 * completed = 4500, ovlimit = posdiff(4500 - 1500, 1500) = 1500,
	 * inprogress 0, prev_ovlimit 0 (the limit changed last time) ->
	 * limit += posdiff(4500, prev_num_queued 1500) + 0 -> 4500.
	 */
	while (!rtap_dql_stopped(&d))
		rtap_dql_queued(&d, 1500);
	CHECK(d.num_queued == 4500, "queued %u", d.num_queued);
	rtap_dql_completed(&d, rtap_dql_inflight(&d), ++now);
	CHECK(d.limit == 4500, "limit %u", d.limit);
	CHECK(d.prev_ovlimit == 0, "prev_ovlimit %u after a limit change",
	      d.prev_ovlimit);

	/* Keeps growing while it starves, strictly. */
	for (round = 0; round < 5; round++) {
		uint32_t prev = d.limit;

		while (!rtap_dql_stopped(&d))
			rtap_dql_queued(&d, 1500);
		rtap_dql_completed(&d, rtap_dql_inflight(&d), ++now);
		CHECK(d.limit > prev, "round %u: %u !> %u", round, d.limit,
		      prev);
	}
}

/*
 * Busy all the time with slack: shrink by the lowest slack, but only once
 * the hold time has passed (strictly: now - start > hold).
 * limit 10000; queue 2000, then each tick complete 500 and queue 500, so
 * 1500-2000 bytes stay in flight: slack = posdiff(10000 + 0, 2*500) =
 * 9000 -> at t = HOLD + 1 the limit becomes 10000 - 9000 = 1000.
 */
static void
test_shrink_after_hold(void)
{
	struct rtap_dql d;
	uint64_t t;

	rtap_dql_init(&d, HOLD, 0);
	force_limit(&d, 10000);
	rtap_dql_queued(&d, 2000);
	for (t = 1; t <= HOLD; t++) {
		rtap_dql_completed(&d, 500, t);
		rtap_dql_queued(&d, 500);
		if (d.limit != 10000) {
			CHECK(d.limit == 10000, "shrunk early at t=%" PRIu64
			      " to %u", t, d.limit);
			return;
		}
	}
	CHECK(d.lowest_slack == 9000, "lowest_slack %u", d.lowest_slack);
	rtap_dql_completed(&d, 500, HOLD + 1);
	CHECK(d.limit == 1000, "limit %u after hold", d.limit);
	CHECK(d.n_shrink == 1, "n_shrink %" PRIu64, d.n_shrink);
	CHECK(d.slack_start_time == HOLD + 1, "window restarted at %" PRIu64,
	      d.slack_start_time);
	CHECK(d.lowest_slack == UINT32_MAX, "lowest_slack reset");
}

/*
 * "All previous completed" holds with equality: completed ==
 * prev_num_queued. limit 1000, queue 3000 (ovlimit 2000), complete 1000
 * (saves prev_ovlimit 2000, prev_num_queued 3000), queue 500 more, then
 * complete exactly 2000: completed 3000 == prev_num_queued with
 * prev_ovlimit set -> starved: limit += posdiff(3000,3000) + 2000 = 3000.
 * Completing 1999 instead (one byte short) must NOT grow.
 */
static void
equality_case(uint32_t last, uint32_t expect_limit, uint64_t expect_grow)
{
	struct rtap_dql d;

	rtap_dql_init(&d, HOLD, 0);
	force_limit(&d, 1000);
	rtap_dql_queued(&d, 3000);
	rtap_dql_completed(&d, 1000, 1);
	CHECK(d.limit == 1000, "limit %u", d.limit);
	CHECK(d.prev_ovlimit == 2000, "prev_ovlimit %u", d.prev_ovlimit);
	rtap_dql_queued(&d, 500);
	rtap_dql_completed(&d, last, 2);
	CHECK(d.limit == expect_limit, "last=%u: limit %u, want %u", last,
	      d.limit, expect_limit);
	CHECK(d.n_grow == expect_grow, "last=%u: n_grow %" PRIu64, last,
	      d.n_grow);
}

static void
test_all_prev_completed_equality(void)
{
	equality_case(2000, 3000, 1);
	equality_case(1999, 1000, 0);
}

/*
 * A scripted workload (growth, busy periods, shrink, idle) run twice: from
 * zeroed counters and from counters just below UINT32_MAX so that they
 * wrap in the middle. Every observable must be identical.
 */
struct trace_step {
	int32_t limit;
	int32_t avail;
	int stopped;
};

static void
run_workload(struct rtap_dql *d, struct trace_step *out, unsigned int n)
{
	unsigned int i;
	uint64_t now = 0;
	uint32_t r = 12345;

	for (i = 0; i < n; i++) {
		uint32_t inflight, done;

		/* Producer: up to 8 packets of 64..1514 bytes while open. */
		for (int k = 0; k < 8 && !rtap_dql_stopped(d); k++) {
			r = r * 1103515245 + 12345;
			rtap_dql_queued(d, 64 + (r >> 16) % 1451);
		}
		/* Device: completes a pseudo-random share of what's in flight. */
		inflight = rtap_dql_inflight(d);
		r = r * 1103515245 + 12345;
		done = (i % 50 < 25) ? inflight : inflight / (1 + (r >> 16) % 4);
		now += 7;
		rtap_dql_completed(d, done, now);
		out[i].limit = (int32_t)d->limit;
		out[i].avail = rtap_dql_avail(d);
		out[i].stopped = rtap_dql_stopped(d);
	}
}

static void
test_wraparound(void)
{
	enum { N = 5000, OFFSETS = 64 };
	static struct trace_step a[N], b[N];
	struct rtap_dql d0, d1;
	unsigned int i, o, mismatch = 0, wrapped = 0;
	uint32_t r = 777;

	rtap_dql_init(&d0, 700, 0);
	run_workload(&d0, a, N);
	CHECK(d0.n_grow > 0 && d0.n_shrink > 0,
	      "workload should grow and shrink (%" PRIu64 "/%" PRIu64 ")",
	      d0.n_grow, d0.n_shrink);
	/* Start the counters at many distances below UINT32_MAX so the wrap
	 * falls at different points of the workload (growth, shrink, idle).
	 */
	for (o = 0; o < OFFSETS; o++) {
		uint32_t start;

		r = r * 1103515245 + 12345;
		start = o < 4 ? UINT32_MAX - o :
			UINT32_MAX - (r % d0.num_queued);
		rtap_dql_init(&d1, 700, 0);
		offset_counters(&d1, start + 1);
		run_workload(&d1, b, N);
		wrapped += d1.num_queued < start + 1 || start + 1 == 0;
		for (i = 0; i < N; i++) {
			if (memcmp(&a[i], &b[i], sizeof(a[i])) != 0) {
				if (mismatch++ == 0)
					CHECK(0, "offset %u step %u: limit %d/%d "
					      "avail %d/%d", start, i, a[i].limit,
					      b[i].limit, a[i].avail,
					      b[i].avail);
			}
		}
		CHECK(rtap_dql_inflight(&d0) == rtap_dql_inflight(&d1),
		      "inflight differs");
	}
	CHECK(wrapped == OFFSETS, "only %u of %u runs wrapped", wrapped,
	      (unsigned int)OFFSETS);
	CHECK(mismatch == 0, "%u mismatching steps", mismatch);
}

static void
test_clamp(void)
{
	struct rtap_dql d;
	uint64_t now = 0, t;
	int i;

	rtap_dql_init(&d, HOLD, 0);
	CHECK(rtap_dql_set_limits(&d, 6000, 5000) == -EINVAL, "min > max");
	CHECK(rtap_dql_set_limits(&d, 3000, 5000) == 0, "set");
	CHECK(d.limit == 3000, "limit raised to min: %u", d.limit);
	CHECK(rtap_dql_avail(&d) == 3000, "avail %d", rtap_dql_avail(&d));
	/* Starve repeatedly: capped at 5000. */
	for (i = 0; i < 10; i++) {
		while (!rtap_dql_stopped(&d))
			rtap_dql_queued(&d, 1500);
		rtap_dql_completed(&d, rtap_dql_inflight(&d), ++now);
		CHECK(d.limit >= 3000 && d.limit <= 5000, "limit %u", d.limit);
	}
	CHECK(d.limit == 5000, "limit %u, want max 5000", d.limit);
	/* Slack of ~4000 for many hold times: floored at 3000. */
	rtap_dql_queued(&d, 1000);
	for (t = now + 1; t < now + 10 * HOLD; t++) {
		rtap_dql_completed(&d, 100, t);
		rtap_dql_queued(&d, 100);
		if (d.limit < 3000)
			break;
	}
	CHECK(d.limit == 3000, "limit %u, want min 3000", d.limit);
	/* max above the representable maximum is capped. */
	CHECK(rtap_dql_set_limits(&d, 0, UINT32_MAX) == 0, "set");
	CHECK(d.max_limit == RTAP_DQL_MAX_LIMIT, "max %u", d.max_limit);
}

static void
test_bad_completion(void)
{
	struct rtap_dql d;

	rtap_dql_init(&d, HOLD, 0);
	rtap_dql_queued(&d, 1000);
	CHECK(rtap_dql_completed(&d, 5000, 1) == -ERANGE, "not rejected");
	CHECK(d.n_bad_completion == 1, "not counted");
	CHECK(rtap_dql_inflight(&d) == 0, "inflight %u", rtap_dql_inflight(&d));
	CHECK(d.num_completed == 1000, "clamped to in-flight");
}

/*
 * Batchy completions: a device sends RATE bytes per tick but reports
 * completions only every BATCH ticks (as when Tx completions are learned
 * from freed mbufs on a ring cleanup threshold). The producer keeps the
 * queue full with 1500-byte packets whenever not stopped. To never idle
 * the device the limit must cover one batch, RATE * BATCH; BQL's growth
 * rule overshoots by what was queued over the limit. We check it
 * converges, stays bounded (<= 3 * RATE * BATCH + 3 packets) and the
 * device hardly idles once converged, and print the values.
 */
static void
batchy(uint32_t batch)
{
	enum { RATE = 3000, PKT = 1500, TICKS = 200000 };
	struct rtap_dql d;
	uint64_t t, idle = 0, pending = 0;
	uint64_t device = 0; /* bytes queued at the device, not yet sent */
	uint32_t maxlim = 0, lim_at_half = 0;
	uint64_t bound = 3ull * RATE * batch + 3 * PKT;

	rtap_dql_init(&d, 1000, 0);
	for (t = 1; t <= TICKS; t++) {
		uint64_t sent;

		while (!rtap_dql_stopped(&d)) {
			rtap_dql_queued(&d, PKT);
			device += PKT;
		}
		sent = device < RATE ? device : RATE;
		if (t > TICKS / 2 && sent < RATE)
			idle += RATE - sent;
		device -= sent;
		pending += sent;
		if (t % batch == 0 && pending) {
			rtap_dql_completed(&d, (uint32_t)pending, t);
			pending = 0;
		}
		if (t > TICKS / 2 && d.limit > maxlim)
			maxlim = d.limit;
		if (t == TICKS / 2)
			lim_at_half = d.limit;
	}
	printf("batchy: batch=%u ticks rate=%u B/tick: limit %u (at half %u, "
	       "max in 2nd half %u, bound %" PRIu64 "), idle %.3f%% in 2nd "
	       "half, grows %" PRIu64 " shrinks %" PRIu64 "\n",
	       batch, RATE, d.limit, lim_at_half, maxlim, bound,
	       100.0 * idle / ((double)RATE * TICKS / 2), d.n_grow,
	       d.n_shrink);
	CHECK(maxlim <= bound, "batch %u: limit %u above bound %" PRIu64,
	      batch, maxlim, bound);
	CHECK(d.limit >= (uint64_t)RATE * (batch - 1), "batch %u: limit %u "
	      "below one batch", batch, d.limit);
	CHECK(idle * 100 <= (uint64_t)RATE * TICKS / 2,
	      "batch %u: device idle %" PRIu64 " bytes (> 1%%)", batch, idle);
}

static void
test_batchy_completions(void)
{
	batchy(1);
	batchy(8);
	batchy(32);
	batchy(128);
}

int
main(void)
{
	test_init_first_packet();
	test_growth_when_starved();
	test_shrink_after_hold();
	test_all_prev_completed_equality();
	test_wraparound();
	test_clamp();
	test_bad_completion();
	test_batchy_completions();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return EXIT_FAILURE;
	}
	printf("all dql tests passed\n");
	return EXIT_SUCCESS;
}
