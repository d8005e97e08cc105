/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Dynamic queue limits, written from the description of Linux BQL in
 * DESIGN.md ("Algorithms, in words"). Free-running u32 counters are
 * compared through signed differences so they may wrap.
 */

#include <errno.h>
#include <stdint.h>

#include "rtap_dql.h"

/* max(0, a - b) for wrapping counters. */
static inline uint32_t
posdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0 ? a - b : 0;
}

static void
dql_clear(struct rtap_dql *dql, uint64_t now)
{
	dql->num_queued = 0;
	dql->last_obj_cnt = 0;
	dql->limit = dql->min_limit;
	dql->num_completed = 0;
	dql->adj_limit = dql->limit;
	dql->prev_ovlimit = 0;
	dql->prev_num_queued = 0;
	dql->prev_last_obj_cnt = 0;
	dql->lowest_slack = UINT32_MAX;
	dql->slack_start_time = now;
}

void
rtap_dql_init(struct rtap_dql *dql, uint64_t hold_time, uint64_t now)
{
	dql->max_limit = RTAP_DQL_MAX_LIMIT;
	dql->min_limit = 0;
	dql->slack_hold_time = hold_time;
	dql->n_grow = 0;
	dql->n_shrink = 0;
	dql->n_bad_completion = 0;
	dql_clear(dql, now);
}

void
rtap_dql_reset(struct rtap_dql *dql, uint64_t now)
{
	dql_clear(dql, now);
}

int
rtap_dql_set_limits(struct rtap_dql *dql, uint32_t min_limit,
		    uint32_t max_limit)
{
	if (max_limit > RTAP_DQL_MAX_LIMIT)
		max_limit = RTAP_DQL_MAX_LIMIT;
	if (min_limit > max_limit)
		return -EINVAL;
	dql->min_limit = min_limit;
	dql->max_limit = max_limit;
	if (dql->limit < min_limit)
		dql->limit = min_limit;
	if (dql->limit > max_limit)
		dql->limit = max_limit;
	dql->adj_limit = dql->limit + dql->num_completed;
	return 0;
}

int
rtap_dql_completed(struct rtap_dql *dql, uint32_t count, uint64_t now)
{
	uint32_t num_queued = dql->num_queued;
	uint32_t inflight = num_queued - dql->num_completed;
	uint32_t completed, ovlimit, inprogress, prev_inprogress;
	uint64_t limit = dql->limit;
	int all_prev_completed;
	int ret = 0;

	if (count > inflight) {
		/* The device cannot finish bytes it was never given. */
		dql->n_bad_completion++;
		count = inflight;
		ret = -ERANGE;
	}

	completed = dql->num_completed + count;
	ovlimit = posdiff(num_queued - dql->num_completed, dql->limit);
	inprogress = num_queued - completed;
	prev_inprogress = dql->prev_num_queued - dql->num_completed;
	/* ">= 0": completing exactly what was queued at the previous
	 * completion counts as "all previous completed".
	 */
	all_prev_completed = (int32_t)(completed - dql->prev_num_queued) >= 0;

	if ((ovlimit && !inprogress) ||
	    (dql->prev_ovlimit && all_prev_completed)) {
		/*
		 * Starved: the queue was over its limit and drained
		 * completely (or everything queued by last time finished
		 * while we were over the limit). Grow by what was queued
		 * since then plus the previous overshoot.
		 */
		limit += posdiff(completed, dql->prev_num_queued) +
			dql->prev_ovlimit;
		dql->slack_start_time = now;
		dql->lowest_slack = UINT32_MAX;
	} else if (inprogress && prev_inprogress && !all_prev_completed) {
		/*
		 * Busy for the whole interval: the slack is how much of the
		 * limit was not needed. Shrink by the lowest slack seen only
		 * once it held for slack_hold_time, so a short lull does not
		 * cut the limit.
		 */
		uint32_t slack, slack_last;

		slack = posdiff((uint32_t)limit + dql->prev_ovlimit,
				2 * (completed - dql->num_completed));
		slack_last = dql->prev_ovlimit ?
			posdiff(dql->prev_last_obj_cnt, dql->prev_ovlimit) : 0;
		if (slack_last > slack)
			slack = slack_last;
		if (slack < dql->lowest_slack)
			dql->lowest_slack = slack;
		if (now - dql->slack_start_time > dql->slack_hold_time) {
			limit = limit > dql->lowest_slack ?
				limit - dql->lowest_slack : 0;
			dql->lowest_slack = UINT32_MAX;
			dql->slack_start_time = now;
		}
	}

	if (limit > dql->max_limit)
		limit = dql->max_limit;
	if (limit < dql->min_limit)
		limit = dql->min_limit;

	if (limit != dql->limit) {
		if (limit > dql->limit)
			dql->n_grow++;
		else
			dql->n_shrink++;
		dql->limit = (uint32_t)limit;
		/* The overshoot was measured against the old limit. */
		ovlimit = 0;
	}

	dql->adj_limit = dql->limit + completed;
	dql->prev_ovlimit = ovlimit;
	dql->prev_last_obj_cnt = dql->last_obj_cnt;
	dql->num_completed = completed;
	dql->prev_num_queued = num_queued;
	return ret;
}
