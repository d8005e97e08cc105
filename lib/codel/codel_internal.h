/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#ifndef RTAP_CODEL_INTERNAL_H
#define RTAP_CODEL_INTERNAL_H

/*
 * CoDel state machine shared by the FIFO queue (rtap_codel.c) and the
 * per-flow queues of FQ-CoDel (rtap_fq_codel.c). Written from RFC 8289
 * section 5 (pseudo-code in words) and DESIGN.md; everything is static
 * inline so each user gets its own queue access inlined.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "rtap_codel.h"

extern int rtap_codel_logtype;
#define CODEL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, rtap_codel_logtype, "rtap_codel: " fmt "\n", \
		##__VA_ARGS__)

/* Per-queue CoDel variables (RFC 8289 section 5.1 naming). */
struct codel_vars {
	uint64_t first_above_time; /* 0: sojourn not above target */
	uint64_t drop_next;        /* next scheduled drop while dropping */
	uint32_t count;            /* drops since entering dropping state */
	uint32_t lastcount;        /* count when dropping state was entered */
	uint32_t rec_inv_sqrt;     /* Q0.32 of 1/sqrt(count) */
	bool dropping;
};

/* Per dequeue_burst call. */
struct codel_burst {
	const struct rtap_codel_params *p;
	struct rtap_codel_stats *st;
	uint64_t us_mul;   /* (1e6 << 32) / hz: clock units -> us */
	uint32_t drops_left;
	bool cap_hit;
};

/*
 * Queue access for the state machine: pop the head packet (returning its
 * enqueue time) and keep *backlog (bytes still queued after the pop)
 * current. Returns NULL when empty.
 */
typedef struct rte_mbuf *(*codel_pop_t)(void *q, uint64_t *ts);

static inline void
codel_vars_init(struct codel_vars *v)
{
	v->first_above_time = 0;
	v->drop_next = 0;
	v->count = 0;
	v->lastcount = 0;
	v->rec_inv_sqrt = UINT32_MAX;
	v->dropping = false;
}

/* t + interval / sqrt(count), with the cached Q0.32 reciprocal. */
static inline uint64_t
codel_control_law(uint64_t t, uint64_t interval, uint32_t rec_inv_sqrt)
{
	__extension__ unsigned __int128 prod =
		(unsigned __int128)interval * rec_inv_sqrt;

	return t + (uint64_t)(prod >> 32);
}

static inline void
codel_set_count(struct codel_vars *v, uint32_t count)
{
	v->count = count;
	v->rec_inv_sqrt = rtap_codel_rec_inv_sqrt(count);
}

static inline void
codel_record_sojourn(struct codel_burst *b, uint64_t sojourn)
{
	struct rtap_codel_stats *st = b->st;
	__extension__ unsigned __int128 us128 =
		((unsigned __int128)sojourn * b->us_mul) >> 32;
	uint64_t us = us128 > UINT64_MAX ? UINT64_MAX : (uint64_t)us128;
	unsigned int bucket;

	if (us == 0)
		bucket = 0;
	else {
		bucket = 64 - __builtin_clzll(us);
		if (bucket >= RTAP_CODEL_HIST_BUCKETS)
			bucket = RTAP_CODEL_HIST_BUCKETS - 1;
	}
	st->sojourn_hist[bucket]++;
	if (sojourn > st->sojourn_max)
		st->sojourn_max = sojourn;
	/* EWMA with weight 1/16. */
	st->sojourn_ewma = st->sojourn_ewma - (st->sojourn_ewma >> 4) +
		(sojourn >> 4);
}

static inline void
codel_drop(struct codel_burst *b, struct rte_mbuf *m)
{
	b->st->drops++;
	b->st->drop_bytes += rte_pktmbuf_pkt_len(m);
	rte_pktmbuf_free(m);
}

/* Budget check before a drop or mark; false when the cap is reached. */
static inline bool
codel_may_drop(struct codel_burst *b)
{
	if (b->drops_left == 0) {
		b->cap_hit = true;
		return false;
	}
	b->drops_left--;
	return true;
}

/*
 * RFC 8289 dodequeue(): pop the head and decide whether it may be
 * dropped: sojourn above target for at least one interval, and more than
 * one MTU still queued behind it (which also means the last packet of a
 * queue is never dropped).
 */
static inline struct rte_mbuf *
codel_dodequeue(struct codel_vars *v, const struct rtap_codel_params *p,
		void *q, codel_pop_t pop, const uint64_t *backlog,
		uint64_t now, uint64_t *ts, bool *ok_to_drop)
{
	struct rte_mbuf *m = pop(q, ts);
	uint64_t sojourn;

	*ok_to_drop = false;
	if (m == NULL) {
		v->first_above_time = 0;
		return NULL;
	}
	/* A "now" older than the stamp (clock read on another lcore, or a
	 * caller bug) counts as no wait rather than a huge one.
	 */
	sojourn = now > *ts ? now - *ts : 0;
	if (sojourn < p->target || *backlog <= p->mtu) {
		v->first_above_time = 0;
	} else if (v->first_above_time == 0) {
		v->first_above_time = now + p->interval;
	} else if (now >= v->first_above_time) {
		*ok_to_drop = true;
	}
	return m;
}

/* RFC 8289 dequeue() for one packet, with ECN marking and a drop cap. */
static inline struct rte_mbuf *
codel_dequeue(struct codel_vars *v, struct codel_burst *b, void *q,
	      codel_pop_t pop, const uint64_t *backlog, uint64_t now)
{
	const struct rtap_codel_params *p = b->p;
	struct rte_mbuf *m;
	uint64_t ts;
	bool ok;

	m = codel_dodequeue(v, p, q, pop, backlog, now, &ts, &ok);
	if (m == NULL) {
		v->dropping = false;
		return NULL;
	}

	if (v->dropping) {
		if (!ok) {
			/* Sojourn fell below target: leave dropping state. */
			v->dropping = false;
		}
		while (v->dropping && now >= v->drop_next) {
			if (!codel_may_drop(b))
				break; /* deliver; drop_next stays due */
			codel_set_count(v, v->count + 1);
			if (p->ecn && rtap_codel_ecn_mark(m)) {
				b->st->ecn_marks++;
				v->drop_next = codel_control_law(v->drop_next,
					p->interval, v->rec_inv_sqrt);
				break; /* deliver the marked packet */
			}
			codel_drop(b, m);
			m = codel_dodequeue(v, p, q, pop, backlog, now, &ts, &ok);
			if (!ok)
				v->dropping = false;
			else
				v->drop_next = codel_control_law(v->drop_next,
					p->interval, v->rec_inv_sqrt);
		}
	} else if (ok && codel_may_drop(b)) {
		uint32_t delta = v->count - v->lastcount;
		bool marked = p->ecn && rtap_codel_ecn_mark(m);

		if (marked) {
			b->st->ecn_marks++;
		} else {
			codel_drop(b, m);
			/* ok was true, so more than one MTU is queued. */
			m = codel_dodequeue(v, p, q, pop, backlog, now, &ts,
					    &ok);
		}
		v->dropping = true;
		/*
		 * Resume rule: re-entering soon after the last dropping
		 * episode starts from the drops that episode needed beyond
		 * its start, since the load has probably not changed. Signed
		 * compare: a drop_next still in the future is "recent" too.
		 */
		if (delta > 1 && (int64_t)(now - v->drop_next) <
		    (int64_t)(RTAP_CODEL_RESUME_INTERVALS * p->interval))
			codel_set_count(v, delta);
		else
			codel_set_count(v, 1);
		v->drop_next = codel_control_law(now, p->interval,
						 v->rec_inv_sqrt);
		v->lastcount = v->count;
	}
	if (m != NULL)
		codel_record_sojourn(b, now > ts ? now - ts : 0);
	return m;
}

/* Shared helpers (rtap_codel_common.c). */
uint64_t
codel_us_mul(uint64_t hz);
int
codel_params_check(const struct rtap_codel_params *p);

/* 5-tuple / RSS flow hash (rtap_flow_hash.c). */
uint32_t
rtap_flow_hash(const struct rte_mbuf *m, uint32_t seed);

#endif /* RTAP_CODEL_INTERNAL_H */
