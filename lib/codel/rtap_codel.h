/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#ifndef RTAP_CODEL_H
#define RTAP_CODEL_H

/**
 * @file
 * CoDel (RFC 8289) over a FIFO of mbufs, with a DPDK burst API.
 *
 * - Time is an argument ("now") in caller clock units, normally TSC
 *   cycles (rte_rdtsc()); parameters are converted from microseconds
 *   with the caller's clock rate (hz), see rtap_codel_params_init().
 * - Enqueue timestamps are kept in a parallel array next to the mbuf
 *   pointers (no mbuf dynfield), so the library needs no global
 *   registration and leaves every mbuf field untouched except the IP
 *   ECN bits/checksum when it CE-marks.
 * - Ownership: every mbuf passed to an enqueue call belongs to the queue
 *   afterwards. Packets that do not fit are tail-dropped and freed by the
 *   library; packets dropped by CoDel at dequeue are freed by the library.
 *   The caller never frees what it enqueued, only what it dequeued.
 * - Not thread safe: one lcore enqueues and dequeues (or the caller
 *   serialises).
 *
 * FQ-CoDel (RFC 8290) is in rtap_fq_codel.h and shares the parameter
 * and statistics structures defined here.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

/** Default target sojourn time, microseconds (RFC 8289 section 4.4). */
#define RTAP_CODEL_TARGET_US 5000
/** Default interval, microseconds (RFC 8289 section 4.3). */
#define RTAP_CODEL_INTERVAL_US 100000
/** Default MTU for the "backlog above one MTU" rule, bytes (frame). */
#define RTAP_CODEL_MTU 1514
/** Default cap on CoDel drops per dequeue burst call. */
#define RTAP_CODEL_MAX_DROPS 64
/** Re-entering the dropping state within this many intervals resumes the
 * drop count (RFC 8289 section 5.6 / Linux: 16 intervals).
 */
#define RTAP_CODEL_RESUME_INTERVALS 16

/** Sojourn histogram: bucket 0 is < 1 us, bucket i (i >= 1) is
 * [2^(i-1), 2^i) us; the last bucket also collects everything above.
 */
#define RTAP_CODEL_HIST_BUCKETS 28

/** CoDel parameters, all times in caller clock units. */
struct rtap_codel_params {
	uint64_t hz;        /**< caller clock rate, units per second */
	uint64_t target;    /**< target sojourn time */
	uint64_t interval;  /**< interval (~ worst expected RTT) */
	uint32_t mtu;       /**< never drop when backlog <= mtu bytes */
	uint32_t max_drops; /**< cap on CoDel drops (or marks) per dequeue
			     * burst call; 0 = no cap */
	bool ecn;           /**< CE-mark ECT(0)/ECT(1) IP packets instead of
			     * dropping them (RFC 3168); non-ECT and non-IP
			     * packets are still dropped */
};

/**
 * Fill @p p with the defaults (5 ms, 100 ms, MTU 1514, 64 drops per
 * burst, no ECN) for a clock running at @p hz units per second.
 *
 * @return 0, or -EINVAL if hz is 0.
 */
int
rtap_codel_params_init(struct rtap_codel_params *p, uint64_t hz);

/**
 * Set target and interval from microseconds, using p->hz.
 *
 * @return 0, or -EINVAL if hz is 0, target_us is 0 or target_us >=
 *   interval_us.
 */
int
rtap_codel_params_set_us(struct rtap_codel_params *p, uint32_t target_us,
			 uint32_t interval_us);

/** Statistics. Counters are cumulative since create/stats_reset. */
struct rtap_codel_stats {
	uint64_t enq_pkts;      /**< packets accepted by enqueue */
	uint64_t enq_bytes;
	uint64_t deq_pkts;      /**< packets returned by dequeue */
	uint64_t deq_bytes;
	uint64_t drops;         /**< CoDel (AQM) drops at dequeue */
	uint64_t drop_bytes;
	uint64_t ecn_marks;     /**< packets CE-marked instead of dropped */
	uint64_t tail_drops;    /**< dropped at enqueue: queue full, or for
				 * FQ-CoDel packet/memory limit overflow */
	uint64_t drop_cap_hits; /**< dequeue calls that hit max_drops */
	uint64_t backlog_pkts;  /**< current backlog (gauge) */
	uint64_t backlog_bytes; /**< current backlog (gauge) */
	uint64_t backlog_max_pkts; /**< high-water mark of backlog_pkts */
	uint64_t sojourn_ewma;  /**< EWMA (weight 1/16) of sojourn of dequeued
				 * packets, caller clock units */
	uint64_t sojourn_max;   /**< largest sojourn seen, caller units */
	uint64_t sojourn_hist[RTAP_CODEL_HIST_BUCKETS]; /**< see
				 * RTAP_CODEL_HIST_BUCKETS, dequeued packets */
};

/**
 * Percentile of the sojourn histogram, in microseconds: the upper bound
 * of the bucket holding the pct-th percentile (so accurate to a factor of
 * two). @p pct in 1..100. Returns 0 when nothing was recorded.
 */
uint64_t
rtap_codel_sojourn_percentile_us(const struct rtap_codel_stats *st,
				 unsigned int pct);

/**
 * Approximate 2^32 / sqrt(count) for count >= 1, as used by the control
 * law (interval / sqrt(count)). Integer Newton iteration on Q0.32 fixed
 * point; exported for tests. Truncation limits precision to about one
 * unit of the result, so the relative error grows with count: worst
 * measured 1.5e-5 near 2^32 (result ~2^16), far lower for the counts a
 * queue reaches; the unit test checks < 2e-5 over every count up to 2^16
 * and samples up to 2^32-1. Count 0 and 1 give 0xffffffff (1.0 - 2^-32).
 */
uint32_t
rtap_codel_rec_inv_sqrt(uint32_t count);

/** Opaque CoDel queue. */
struct rtap_codel;

/**
 * Create a CoDel queue holding at most @p capacity packets (rounded up to
 * a power of two, at most 2^24) on NUMA @p socket_id (SOCKET_ID_ANY ok).
 * @p name is used for the memory zone/log messages only; it need not be
 * unique.
 *
 * @return the queue, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct rtap_codel *
rtap_codel_create(const char *name, uint32_t capacity,
		  const struct rtap_codel_params *params, int socket_id);

/** Free all queued mbufs and the queue. NULL is ignored. */
void
rtap_codel_free(struct rtap_codel *q);

/**
 * Enqueue up to @p n packets stamped with time @p now.
 * The queue takes ownership of ALL n mbufs: those that do not fit are
 * freed (counted in tail_drops).
 *
 * @return number of packets accepted (the first ones of the array).
 */
uint16_t
rtap_codel_enqueue_burst(struct rtap_codel *q, struct rte_mbuf **pkts,
			 uint16_t n, uint64_t now);

/**
 * Dequeue up to @p n packets at time @p now, applying CoDel: packets the
 * control law drops are freed inside (counted in drops), or CE-marked and
 * returned when params.ecn is set and they are ECT.
 *
 * @return number of packets stored in pkts[].
 */
uint16_t
rtap_codel_dequeue_burst(struct rtap_codel *q, struct rte_mbuf **pkts,
			 uint16_t n, uint64_t now);

/** Packets currently queued. */
uint32_t
rtap_codel_backlog_pkts(const struct rtap_codel *q);

/** Bytes (sum of pkt_len) currently queued. */
uint64_t
rtap_codel_backlog_bytes(const struct rtap_codel *q);

/** Enqueue time of the head packet, or 0 if the queue is empty. */
uint64_t
rtap_codel_head_time(const struct rtap_codel *q);

/** Free every queued mbuf (not counted as drops); CoDel state resets. */
void
rtap_codel_purge(struct rtap_codel *q);

/** Copy the statistics (the gauges are current). */
void
rtap_codel_stats_get(const struct rtap_codel *q, struct rtap_codel_stats *st);

/** Zero the counters and histogram (gauges keep their current value). */
void
rtap_codel_stats_reset(struct rtap_codel *q);

/** Current parameters. */
void
rtap_codel_params_get(const struct rtap_codel *q,
		      struct rtap_codel_params *p);

/**
 * CE-mark an ECT IPv4/IPv6 packet (Ethernet, up to two VLAN tags) in
 * place, updating the IPv4 header checksum incrementally (RFC 1624).
 * Exported for tests and for callers that mark elsewhere.
 *
 * @return true if the packet is now CE (it was ECT or already CE), false
 *   if it is Not-ECT, not IP, or its headers are not in the first segment.
 */
bool
rtap_codel_ecn_mark(struct rte_mbuf *m);

#ifdef __cplusplus
}
#endif

#endif /* RTAP_CODEL_H */
