/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * CoDel over one FIFO of mbufs: a power-of-two ring of (mbuf, enqueue
 * time) pairs with free-running head/tail indices.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "codel_internal.h"
#include "rtap_codel.h"

#define CODEL_MAX_CAPACITY (1u << 24)

struct codel_item {
	struct rte_mbuf *m;
	uint64_t ts;
};

struct rtap_codel {
	struct rtap_codel_params p;
	struct codel_vars vars;
	uint64_t us_mul;
	uint32_t mask;        /* capacity - 1 */
	uint32_t head;        /* next to dequeue (free running) */
	uint32_t tail;        /* next free slot (free running) */
	uint64_t backlog;     /* bytes queued */
	struct rtap_codel_stats st;
	struct codel_item *ring;
};

struct rtap_codel *
rtap_codel_create(const char *name, uint32_t capacity,
		  const struct rtap_codel_params *params, int socket_id)
{
	struct rtap_codel *q;
	uint32_t cap;

	if (name == NULL || capacity == 0 || capacity > CODEL_MAX_CAPACITY ||
	    codel_params_check(params) != 0) {
		CODEL_LOG(ERR, "%s: invalid capacity %u (1..2^24) or CoDel parameters",
			  name ? name : "?", capacity);
		rte_errno = EINVAL;
		return NULL;
	}
	cap = rte_align32pow2(capacity);
	q = rte_zmalloc_socket(name, sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (q == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	q->ring = rte_zmalloc_socket(name, sizeof(q->ring[0]) * cap,
				     RTE_CACHE_LINE_SIZE, socket_id);
	if (q->ring == NULL) {
		rte_free(q);
		rte_errno = ENOMEM;
		return NULL;
	}
	q->p = *params;
	q->us_mul = codel_us_mul(params->hz);
	q->mask = cap - 1;
	codel_vars_init(&q->vars);
	return q;
}

void
rtap_codel_purge(struct rtap_codel *q)
{
	while (q->head != q->tail) {
		rte_pktmbuf_free(q->ring[q->head & q->mask].m);
		q->ring[q->head & q->mask].m = NULL;
		q->head++;
	}
	q->backlog = 0;
	codel_vars_init(&q->vars);
}

void
rtap_codel_free(struct rtap_codel *q)
{
	if (q == NULL)
		return;
	rtap_codel_purge(q);
	rte_free(q->ring);
	rte_free(q);
}

uint16_t
rtap_codel_enqueue_burst(struct rtap_codel *q, struct rte_mbuf **pkts,
			 uint16_t n, uint64_t now)
{
	uint32_t space = q->mask + 1 - (q->tail - q->head);
	uint16_t acc = n < space ? n : (uint16_t)space;
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < acc; i++) {
		struct codel_item *it = &q->ring[q->tail & q->mask];

		it->m = pkts[i];
		it->ts = now;
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
		q->tail++;
	}
	q->backlog += bytes;
	q->st.enq_pkts += acc;
	q->st.enq_bytes += bytes;
	if (q->tail - q->head > q->st.backlog_max_pkts)
		q->st.backlog_max_pkts = q->tail - q->head;
	/* Queue full: tail drop, we own and free the rest. */
	for (; i < n; i++) {
		q->st.tail_drops++;
		rte_pktmbuf_free(pkts[i]);
	}
	return acc;
}

static struct rte_mbuf *
codel_fifo_pop(void *arg, uint64_t *ts)
{
	struct rtap_codel *q = arg;
	struct codel_item *it;
	struct rte_mbuf *m;

	if (q->head == q->tail)
		return NULL;
	it = &q->ring[q->head & q->mask];
	m = it->m;
	*ts = it->ts;
	it->m = NULL;
	q->head++;
	q->backlog -= rte_pktmbuf_pkt_len(m);
	return m;
}

uint16_t
rtap_codel_dequeue_burst(struct rtap_codel *q, struct rte_mbuf **pkts,
			 uint16_t n, uint64_t now)
{
	struct codel_burst b = {
		.p = &q->p,
		.st = &q->st,
		.us_mul = q->us_mul,
		.drops_left = q->p.max_drops ? q->p.max_drops : UINT32_MAX,
		.cap_hit = false,
	};
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = codel_dequeue(&q->vars, &b, q,
						   codel_fifo_pop, &q->backlog,
						   now);

		if (m == NULL)
			break;
		pkts[i] = m;
		bytes += rte_pktmbuf_pkt_len(m);
	}
	q->st.deq_pkts += i;
	q->st.deq_bytes += bytes;
	if (b.cap_hit)
		q->st.drop_cap_hits++;
	return i;
}

uint32_t
rtap_codel_backlog_pkts(const struct rtap_codel *q)
{
	return q->tail - q->head;
}

uint64_t
rtap_codel_backlog_bytes(const struct rtap_codel *q)
{
	return q->backlog;
}

uint64_t
rtap_codel_head_time(const struct rtap_codel *q)
{
	if (q->head == q->tail)
		return 0;
	return q->ring[q->head & q->mask].ts;
}

void
rtap_codel_stats_get(const struct rtap_codel *q, struct rtap_codel_stats *st)
{
	*st = q->st;
	st->backlog_pkts = q->tail - q->head;
	st->backlog_bytes = q->backlog;
}

void
rtap_codel_stats_reset(struct rtap_codel *q)
{
	memset(&q->st, 0, sizeof(q->st));
}

void
rtap_codel_params_get(const struct rtap_codel *q, struct rtap_codel_params *p)
{
	*p = q->p;
}
