/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * FQ-CoDel (RFC 8290). Packets live in one pool of slots (limit + 1 of
 * them) linked per flow queue, so memory does not scale with
 * flows x depth. Flow queues are chained on the new or old list by index.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "codel_internal.h"
#include "rtap_fq_codel.h"

#define NIL UINT32_MAX
#define FQ_MAX_FLOWS 65536

enum fq_list_id { FQ_LIST_NONE = 0, FQ_LIST_NEW, FQ_LIST_OLD };

struct fq_slot {
	struct rte_mbuf *m;
	uint64_t ts;
	uint32_t next;
	uint32_t mem;
};

struct fq_flow {
	uint32_t head;      /* slot index or NIL */
	uint32_t tail;
	uint32_t next;      /* next flow on its list or NIL */
	uint32_t pkts;
	uint64_t backlog;   /* bytes (pkt_len) */
	int32_t deficit;
	uint8_t list;       /* enum fq_list_id */
	struct codel_vars cv;
};

struct fq_list {
	uint32_t head;
	uint32_t tail;
	uint32_t len;
};

struct rtap_fq_codel {
	struct rtap_fq_codel_params p;
	uint64_t us_mul;
	uint32_t nflows;
	uint32_t nslots;
	uint32_t free_head;   /* free slot list */
	uint32_t pkts;        /* backlog packets */
	uint64_t backlog;     /* backlog bytes */
	uint64_t memory;      /* accounted memory */
	struct fq_list new_list;
	struct fq_list old_list;
	struct rtap_fq_codel_stats st;
	struct fq_flow *flows;
	struct fq_slot *slots;
	/* Pop context for the CoDel core. */
	struct fq_flow *cur;
};

int
rtap_fq_codel_params_init(struct rtap_fq_codel_params *p, uint64_t hz)
{
	int ret;

	memset(p, 0, sizeof(*p));
	ret = rtap_codel_params_init(&p->codel, hz);
	if (ret != 0)
		return ret;
	p->flows = RTAP_FQ_CODEL_FLOWS;
	p->limit = RTAP_FQ_CODEL_LIMIT;
	p->memory_limit = RTAP_FQ_CODEL_MEMORY_LIMIT;
	p->quantum = p->codel.mtu + 14;
	p->drop_batch = RTAP_FQ_CODEL_DROP_BATCH;
	p->hash_seed = 0;
	p->use_rss_hash = true;
	return 0;
}

static void
fq_reset_state(struct rtap_fq_codel *fq)
{
	uint32_t i;

	for (i = 0; i < fq->nflows; i++) {
		struct fq_flow *f = &fq->flows[i];

		f->head = NIL;
		f->tail = NIL;
		f->next = NIL;
		f->pkts = 0;
		f->backlog = 0;
		f->deficit = 0;
		f->list = FQ_LIST_NONE;
		codel_vars_init(&f->cv);
	}
	for (i = 0; i < fq->nslots; i++) {
		fq->slots[i].m = NULL;
		fq->slots[i].next = i + 1 < fq->nslots ? i + 1 : NIL;
	}
	fq->free_head = 0;
	fq->pkts = 0;
	fq->backlog = 0;
	fq->memory = 0;
	fq->new_list = (struct fq_list){ NIL, NIL, 0 };
	fq->old_list = (struct fq_list){ NIL, NIL, 0 };
}

struct rtap_fq_codel *
rtap_fq_codel_create(const char *name,
		     const struct rtap_fq_codel_params *params, int socket_id)
{
	struct rtap_fq_codel *fq;

	if (name == NULL || params == NULL ||
	    codel_params_check(&params->codel) != 0 ||
	    params->flows == 0 || params->flows > FQ_MAX_FLOWS ||
	    params->limit == 0 || params->limit >= NIL - 1 ||
	    params->quantum == 0 || params->quantum > INT32_MAX / 2 ||
	    params->drop_batch == 0 || params->memory_limit == 0) {
		CODEL_LOG(ERR, "%s: invalid FQ-CoDel parameters",
			  name ? name : "?");
		rte_errno = EINVAL;
		return NULL;
	}
	fq = rte_zmalloc_socket(name, sizeof(*fq), RTE_CACHE_LINE_SIZE,
				socket_id);
	if (fq == NULL)
		goto nomem;
	fq->p = *params;
	fq->us_mul = codel_us_mul(params->codel.hz);
	fq->nflows = params->flows;
	fq->nslots = params->limit + 1;
	fq->flows = rte_zmalloc_socket(name, sizeof(fq->flows[0]) * fq->nflows,
				       RTE_CACHE_LINE_SIZE, socket_id);
	fq->slots = rte_zmalloc_socket(name, sizeof(fq->slots[0]) * fq->nslots,
				       RTE_CACHE_LINE_SIZE, socket_id);
	if (fq->flows == NULL || fq->slots == NULL)
		goto nomem;
	fq_reset_state(fq);
	return fq;
nomem:
	if (fq != NULL) {
		rte_free(fq->flows);
		rte_free(fq->slots);
		rte_free(fq);
	}
	rte_errno = ENOMEM;
	return NULL;
}

void
rtap_fq_codel_purge(struct rtap_fq_codel *fq)
{
	uint32_t i;

	for (i = 0; i < fq->nslots; i++)
		if (fq->slots[i].m != NULL)
			rte_pktmbuf_free(fq->slots[i].m);
	fq_reset_state(fq);
}

void
rtap_fq_codel_free(struct rtap_fq_codel *fq)
{
	if (fq == NULL)
		return;
	rtap_fq_codel_purge(fq);
	rte_free(fq->flows);
	rte_free(fq->slots);
	rte_free(fq);
}

static inline struct fq_list *
fq_list_of(struct rtap_fq_codel *fq, uint8_t id)
{
	return id == FQ_LIST_NEW ? &fq->new_list : &fq->old_list;
}

static inline void
fq_list_push_tail(struct rtap_fq_codel *fq, uint8_t id, uint32_t idx)
{
	struct fq_list *l = fq_list_of(fq, id);
	struct fq_flow *f = &fq->flows[idx];

	f->next = NIL;
	f->list = id;
	if (l->tail == NIL)
		l->head = idx;
	else
		fq->flows[l->tail].next = idx;
	l->tail = idx;
	l->len++;
}

/* Remove the head flow of list @p id (which must be non-empty). */
static inline uint32_t
fq_list_pop_head(struct rtap_fq_codel *fq, uint8_t id)
{
	struct fq_list *l = fq_list_of(fq, id);
	uint32_t idx = l->head;
	struct fq_flow *f = &fq->flows[idx];

	l->head = f->next;
	if (l->head == NIL)
		l->tail = NIL;
	l->len--;
	f->next = NIL;
	f->list = FQ_LIST_NONE;
	return idx;
}

static inline uint32_t
fq_mbuf_mem(const struct rte_mbuf *m)
{
	return (uint32_t)m->nb_segs * (m->buf_len + sizeof(struct rte_mbuf));
}

static inline uint32_t
fq_classify(const struct rtap_fq_codel *fq, const struct rte_mbuf *m)
{
	uint32_t h;

	if (fq->p.use_rss_hash && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		h = m->hash.rss;
	else
		h = rtap_flow_hash(m, fq->p.hash_seed);
	/* Map the 32-bit hash onto [0, nflows) without a division. */
	return (uint32_t)(((uint64_t)h * fq->nflows) >> 32);
}

uint32_t
rtap_fq_codel_classify(const struct rtap_fq_codel *fq,
		       const struct rte_mbuf *m)
{
	return fq_classify(fq, m);
}

/* Unlink the head packet of flow @p f; the caller frees or returns it. */
static inline struct rte_mbuf *
fq_flow_pop(struct rtap_fq_codel *fq, struct fq_flow *f, uint64_t *ts)
{
	uint32_t si = f->head;
	struct fq_slot *s;
	struct rte_mbuf *m;
	uint32_t len;

	if (si == NIL)
		return NULL;
	s = &fq->slots[si];
	m = s->m;
	*ts = s->ts;
	f->head = s->next;
	if (f->head == NIL)
		f->tail = NIL;
	len = rte_pktmbuf_pkt_len(m);
	f->pkts--;
	f->backlog -= len;
	fq->pkts--;
	fq->backlog -= len;
	fq->memory -= s->mem;
	s->m = NULL;
	s->next = fq->free_head;
	fq->free_head = si;
	return m;
}

static struct rte_mbuf *
fq_codel_pop(void *arg, uint64_t *ts)
{
	struct rtap_fq_codel *fq = arg;

	return fq_flow_pop(fq, fq->cur, ts);
}

/*
 * Overflow: drop from the head of the queue with the largest byte
 * backlog, up to drop_batch packets or until half of its backlog is gone
 * (RFC 8290 section 4.1; batching amortises the linear search).
 */
static void
fq_drop_fattest(struct rtap_fq_codel *fq, bool memory)
{
	uint64_t max = 0, threshold, dropped = 0;
	uint32_t i, fat = 0, n = 0;
	struct fq_flow *f;

	for (i = 0; i < fq->nflows; i++) {
		if (fq->flows[i].backlog > max ||
		    (max == 0 && fq->flows[i].pkts > 0)) {
			max = fq->flows[i].backlog;
			fat = i;
		}
	}
	f = &fq->flows[fat];
	threshold = max >> 1;
	while (f->pkts > 0 && n < fq->p.drop_batch) {
		uint64_t ts;
		struct rte_mbuf *m = fq_flow_pop(fq, f, &ts);

		dropped += rte_pktmbuf_pkt_len(m);
		rte_pktmbuf_free(m);
		n++;
		if (dropped >= threshold)
			break;
	}
	fq->st.codel.tail_drops += n;
	if (memory)
		fq->st.memory_drops += n;
	else
		fq->st.overflow_drops += n;
}

uint16_t
rtap_fq_codel_enqueue_burst(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t now)
{
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t idx = fq_classify(fq, m);
		struct fq_flow *f = &fq->flows[idx];
		uint32_t si = fq->free_head;
		struct fq_slot *s = &fq->slots[si];
		uint32_t len = rte_pktmbuf_pkt_len(m);

		/* pkts <= limit < nslots holds here, so a slot is free. */
		fq->free_head = s->next;
		s->m = m;
		s->ts = now;
		s->next = NIL;
		s->mem = fq_mbuf_mem(m);
		if (f->tail == NIL)
			f->head = si;
		else
			fq->slots[f->tail].next = si;
		f->tail = si;
		f->pkts++;
		f->backlog += len;
		fq->pkts++;
		fq->backlog += len;
		fq->memory += s->mem;
		bytes += len;
		if (f->list == FQ_LIST_NONE) {
			fq_list_push_tail(fq, FQ_LIST_NEW, idx);
			f->deficit = (int32_t)fq->p.quantum;
			fq->st.new_flows++;
		}
		while (fq->pkts > fq->p.limit)
			fq_drop_fattest(fq, false);
		while (fq->memory > fq->p.memory_limit && fq->pkts > 0)
			fq_drop_fattest(fq, true);
	}
	fq->st.codel.enq_pkts += n;
	fq->st.codel.enq_bytes += bytes;
	if (fq->pkts > fq->st.codel.backlog_max_pkts)
		fq->st.codel.backlog_max_pkts = fq->pkts;
	return n;
}

uint16_t
rtap_fq_codel_dequeue_burst(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t now)
{
	return rtap_fq_codel_dequeue_bytes(fq, pkts, n, UINT64_MAX, now);
}

uint16_t
rtap_fq_codel_dequeue_bytes(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t max_bytes, uint64_t now)
{
	struct codel_burst b = {
		.p = &fq->p.codel,
		.st = &fq->st.codel,
		.us_mul = fq->us_mul,
		.drops_left = fq->p.codel.max_drops ?
			fq->p.codel.max_drops : UINT32_MAX,
		.cap_hit = false,
	};
	uint64_t bytes = 0;
	uint16_t i = 0;

	while (i < n && bytes < max_bytes) {
		uint8_t lid;
		uint32_t idx;
		struct fq_flow *f;
		struct rte_mbuf *m;

		if (fq->new_list.head != NIL)
			lid = FQ_LIST_NEW;
		else if (fq->old_list.head != NIL)
			lid = FQ_LIST_OLD;
		else
			break;
		idx = fq_list_of(fq, lid)->head;
		f = &fq->flows[idx];
		if (f->deficit <= 0) {
			/* Used its quantum: next round, at the old tail. */
			f->deficit += (int32_t)fq->p.quantum;
			fq_list_pop_head(fq, lid);
			fq_list_push_tail(fq, FQ_LIST_OLD, idx);
			continue;
		}
		fq->cur = f;
		m = codel_dequeue(&f->cv, &b, fq, fq_codel_pop, &f->backlog,
				  now);
		if (m == NULL) {
			fq_list_pop_head(fq, lid);
			/*
			 * An emptied new flow goes to the old list once so
			 * a flow cannot stay "new" forever by emptying and
			 * refilling (RFC 8290 section 4.2).
			 */
			if (lid == FQ_LIST_NEW && fq->old_list.head != NIL)
				fq_list_push_tail(fq, FQ_LIST_OLD, idx);
			continue;
		}
		f->deficit -= (int32_t)rte_pktmbuf_pkt_len(m);
		bytes += rte_pktmbuf_pkt_len(m);
		pkts[i++] = m;
	}
	fq->st.codel.deq_pkts += i;
	fq->st.codel.deq_bytes += bytes;
	if (b.cap_hit)
		fq->st.codel.drop_cap_hits++;
	return i;
}

uint32_t
rtap_fq_codel_backlog_pkts(const struct rtap_fq_codel *fq)
{
	return fq->pkts;
}

uint64_t
rtap_fq_codel_backlog_bytes(const struct rtap_fq_codel *fq)
{
	return fq->backlog;
}

uint64_t
rtap_fq_codel_flow_backlog_bytes(const struct rtap_fq_codel *fq, uint32_t idx)
{
	if (idx >= fq->nflows)
		return 0;
	return fq->flows[idx].backlog;
}

void
rtap_fq_codel_stats_get(const struct rtap_fq_codel *fq,
			struct rtap_fq_codel_stats *st)
{
	*st = fq->st;
	st->codel.backlog_pkts = fq->pkts;
	st->codel.backlog_bytes = fq->backlog;
	st->new_flows_len = fq->new_list.len;
	st->old_flows_len = fq->old_list.len;
	st->memory_usage = fq->memory;
}

void
rtap_fq_codel_stats_reset(struct rtap_fq_codel *fq)
{
	memset(&fq->st, 0, sizeof(fq->st));
}
