/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#ifndef RTAP_DQL_H
#define RTAP_DQL_H

/**
 * @file
 * Dynamic queue limits (byte queue limits, BQL), Linux semantics.
 *
 * Learns how many bytes may be outstanding in a device queue (the NIC
 * ring, a TAP txqueue, an io_uring submission backlog) so that the queue
 * never starves but does not hold more than needed: excess queueing then
 * happens in front of it, where CoDel can see and manage it.
 *
 * Usage on a transmit path:
 *
 *	if (rtap_dql_stopped(&dql))
 *		keep packets in the AQM queue;      // "XOFF"
 *	else {
 *		sent = tx_burst(...);
 *		rtap_dql_queued(&dql, bytes_of(sent));
 *	}
 *	...
 *	// when the device reports n bytes done (descriptor status, freed mbufs,
 *	// io_uring completions):
 *	rtap_dql_completed(&dql, n, now);
 *
 * The algorithm is pure: time is an argument, in any monotonic unit the
 * caller likes (TSC cycles, ns); the slack hold time is given in the same
 * unit. Counters are free-running uint32_t and compared through signed
 * differences, so they may wrap.
 *
 * Single producer / single consumer on one lcore: no locking, no atomics.
 * (If queued() and completed() run on different lcores, the caller must
 * serialise them.)
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest byte count accepted in one rtap_dql_queued() call. */
#define RTAP_DQL_MAX_OBJECT (UINT32_MAX / 16)
/** Largest limit; keeps every signed difference of counters meaningful. */
#define RTAP_DQL_MAX_LIMIT ((UINT32_MAX / 16) - RTAP_DQL_MAX_OBJECT / 16)

/** State of one queue. Fields are public for inspection; change them only
 * through the functions below.
 */
struct rtap_dql {
	/* Producer side, touched on every enqueue. */
	uint32_t num_queued;      /**< bytes ever queued (free running) */
	uint32_t adj_limit;       /**< limit + num_completed */
	uint32_t last_obj_cnt;    /**< size of the last queued() call */

	/* Consumer side, touched on completion. */
	uint32_t limit;           /**< current limit in bytes */
	uint32_t num_completed;   /**< bytes ever completed (free running) */
	uint32_t prev_ovlimit;    /**< over-limit amount at previous completion */
	uint32_t prev_num_queued; /**< num_queued at previous completion */
	uint32_t prev_last_obj_cnt; /**< last_obj_cnt at previous completion */
	uint32_t lowest_slack;    /**< lowest slack seen in the hold window */
	uint64_t slack_start_time; /**< start of the current hold window */

	/* Configuration. */
	uint32_t max_limit;       /**< upper clamp (default RTAP_DQL_MAX_LIMIT) */
	uint32_t min_limit;       /**< lower clamp (default 0) */
	uint64_t slack_hold_time; /**< hold time before shrinking, caller units */

	/* Statistics (never reset by rtap_dql_reset()). */
	uint64_t n_grow;          /**< completions that raised the limit */
	uint64_t n_shrink;        /**< completions that lowered the limit */
	uint64_t n_bad_completion; /**< completed() calls for more bytes than
				    * were in flight (clamped, see below) */
};

/**
 * Initialise @p dql: limit 0 (the first packet always goes), min 0,
 * max RTAP_DQL_MAX_LIMIT, and the given slack hold time (Linux: 1 s),
 * in the caller's time unit.
 *
 * @param now
 *   Current time, starts the first slack window.
 */
void
rtap_dql_init(struct rtap_dql *dql, uint64_t hold_time, uint64_t now);

/**
 * Forget the learned state (limit back to min_limit, counters to 0) but
 * keep the configuration (clamps, hold time) and statistics. Use after a
 * device reset, when nothing is in flight any more.
 */
void
rtap_dql_reset(struct rtap_dql *dql, uint64_t now);

/**
 * Set the clamps. min_limit is raised to at most max_limit; max_limit is
 * capped to RTAP_DQL_MAX_LIMIT. The current limit is clamped at once.
 *
 * @return 0, or -EINVAL if min_limit > max_limit (nothing changed).
 */
int
rtap_dql_set_limits(struct rtap_dql *dql, uint32_t min_limit,
		    uint32_t max_limit);

/**
 * Record @p bytes handed to the device. Call after a successful transmit.
 * A count above RTAP_DQL_MAX_OBJECT is a caller bug; it is accepted but
 * can make the limit meaningless.
 */
static inline void
rtap_dql_queued(struct rtap_dql *dql, uint32_t bytes)
{
	dql->last_obj_cnt = bytes;
	dql->num_queued += bytes;
}

/**
 * Bytes that may still be queued before the limit is hit. Negative once
 * the queue is over its limit.
 */
static inline int32_t
rtap_dql_avail(const struct rtap_dql *dql)
{
	return (int32_t)(dql->adj_limit - dql->num_queued);
}

/**
 * True when the caller must stop handing bytes to the device (Linux's
 * netdev_tx_sent_queue() XOFF: avail < 0, i.e. strictly over the limit,
 * so one packet may overshoot, which is what lets the limit grow).
 * DESIGN.md words it as "num_queued - (limit + num_completed) >= 0";
 * we follow Linux: a queue exactly at its limit is not yet stopped.
 */
static inline bool
rtap_dql_stopped(const struct rtap_dql *dql)
{
	return rtap_dql_avail(dql) < 0;
}

/** Bytes handed to the device and not yet completed. */
static inline uint32_t
rtap_dql_inflight(const struct rtap_dql *dql)
{
	return dql->num_queued - dql->num_completed;
}

/**
 * Record @p bytes completed by the device at time @p now and adapt the
 * limit (see DESIGN.md "Algorithms, in words" / Linux lib/dynamic_queue_limits).
 *
 * Completing more than is in flight is a caller bug: the count is clamped
 * to the in-flight amount, n_bad_completion is incremented and -ERANGE
 * returned (the state stays consistent).
 *
 * @return 0 or -ERANGE.
 */
int
rtap_dql_completed(struct rtap_dql *dql, uint32_t bytes, uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* RTAP_DQL_H */
