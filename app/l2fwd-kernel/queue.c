/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "l2fk.h"
#include "queue.h"

/* Per direction and queue.  At 10 Gbit/s CoDel's 5 ms target is ~6 MB;
 * 8 MiB of accounted memory (buffers + mbuf headers) leaves room for the
 * standing queue CoDel allows and bounds what one queue can pin. */
#define L2FK_FQ_MEMORY	(8u << 20)
#define L2FK_FQ_LIMIT	4096

/* Linux's BQL hold time: shrink the limit only after 1 s of slack. */
#define L2FK_BQL_HOLD_SEC	1
/*
 * Cap on the BQL limit.  Completions seen through freed mbufs are batchy
 * (a driver releases a ring's worth at once; net_rtap's AF_PACKET backend
 * completes a write when the skb enters the qdisc, not when it leaves),
 * which reads as starvation and grows the limit without bound: measured
 * here, 1.4-3.5 MB with 64 KB GSO frames.  256 KB is four GSO frames, or
 * 0.2 ms at 10 Gbit/s -- Linux NIC queues run with similar limits.
 */
#define L2FK_BQL_MAX		(256u << 10)
/* Stopped this long (1/DIV s) with no completion: kick (see xmit). */
#define L2FK_BQL_STALL_DIV	1000

int
l2fk_txq_init(struct l2fk_txq *q, const char *name, uint16_t port,
	      uint16_t qid, int socket, uint32_t mtu, bool bql, bool aqm,
	      bool ecn, uint32_t round_bytes, uint64_t hz)
{
	struct rtap_fq_codel_params fp;

	memset(q, 0, sizeof(*q));
	q->port = port;
	q->qid = qid;
	q->bql = bql;
	q->hz = hz;
	q->cleanup_ok = true;
	q->round_bytes = round_bytes;
	if (aqm) {
		if (rtap_fq_codel_params_init(&fp, hz) < 0)
			return -EINVAL;
		fp.codel.mtu = mtu + RTE_ETHER_HDR_LEN;
		fp.codel.ecn = ecn;
		fp.quantum = mtu + RTE_ETHER_HDR_LEN;
		fp.limit = L2FK_FQ_LIMIT;
		fp.memory_limit = L2FK_FQ_MEMORY;
		q->fq = rtap_fq_codel_create(name, &fp, socket);
		if (q->fq == NULL) {
			L2FK_LOG(ERR, "%s: cannot create FQ-CoDel: %s", name,
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	if (bql) {
		q->infl = rte_zmalloc_socket(name,
			L2FK_TXQ_INFL * sizeof(q->infl[0]), 0, socket);
		q->infl_len = rte_zmalloc_socket(name,
			L2FK_TXQ_INFL * sizeof(q->infl_len[0]), 0, socket);
		if (q->infl == NULL || q->infl_len == NULL) {
			l2fk_txq_free(q);
			return -ENOMEM;
		}
		rtap_dql_init(&q->dql, L2FK_BQL_HOLD_SEC * hz, rte_rdtsc());
		rtap_dql_set_limits(&q->dql, 0, L2FK_BQL_MAX);
	}
	return 0;
}

void
l2fk_txq_purge(struct l2fk_txq *q)
{
	uint16_t i;

	if (q->fq != NULL)
		rtap_fq_codel_purge(q->fq);
	for (i = 0; i < q->nb_pend; i++)
		rte_pktmbuf_free(q->pend[(q->pend_head + i) % L2FK_TXQ_PEND]);
	q->nb_pend = 0;
	q->pend_head = 0;
	/* In-flight frames: drop our reference; the driver still owns its
	 * own (ports are stopped before this is called on shutdown). */
	while (q->infl != NULL && q->infl_tail != q->infl_head) {
		rte_pktmbuf_free(q->infl[q->infl_tail % L2FK_TXQ_INFL]);
		q->infl_tail++;
	}
	if (q->bql)
		rtap_dql_reset(&q->dql, rte_rdtsc());
}

void
l2fk_txq_free(struct l2fk_txq *q)
{
	l2fk_txq_purge(q);
	rtap_fq_codel_free(q->fq);
	q->fq = NULL;
	rte_free(q->infl);
	rte_free(q->infl_len);
	q->infl = NULL;
	q->infl_len = NULL;
}

void
l2fk_txq_enqueue(struct l2fk_txq *q, struct rte_mbuf **pkts, uint16_t n,
		 uint64_t now)
{
	uint32_t len[L2FK_BURST];
	uint16_t sent, i, k;

	if (n == 0)
		return;
	if (q->fq != NULL) {
		rtap_fq_codel_enqueue_burst(q->fq, pkts, n, now);
		return;
	}
	/* Bypass (bench baseline): straight to the driver, tail drop.
	 * Lengths first: the driver may free a frame inside tx_burst. */
	while (n > 0) {
		k = RTE_MIN(n, (uint16_t)L2FK_BURST);
		for (i = 0; i < k; i++)
			len[i] = pkts[i]->pkt_len;
		sent = rte_eth_tx_burst(q->port, q->qid, pkts, k);
		for (i = 0; i < sent; i++) {
			q->st.tx_pkts++;
			q->st.tx_bytes += len[i];
		}
		if (sent < k) {
			q->st.bypass_drops += k - sent;
			rte_pktmbuf_free_bulk(&pkts[sent], k - sent);
		}
		pkts += k;
		n -= k;
	}
}

static void
txq_ref(struct rte_mbuf *m, int16_t v)
{
	for (; m != NULL; m = m->next)
		rte_mbuf_refcnt_update(m, v);
}

/* Frames the driver has released, oldest first, complete BQL bytes. */
static void
txq_reap(struct l2fk_txq *q, uint64_t now)
{
	uint32_t bytes = 0;
	struct rte_mbuf *m;

	while (q->infl_tail != q->infl_head) {
		m = q->infl[q->infl_tail % L2FK_TXQ_INFL];
		if (rte_mbuf_refcnt_read(m) != 1)
			break;
		bytes += q->infl_len[q->infl_tail % L2FK_TXQ_INFL];
		rte_pktmbuf_free(m);
		q->infl_tail++;
	}
	if (bytes != 0) {
		q->stall_since = 0;
		rtap_dql_completed(&q->dql, bytes, now);
		q->st.completions++;
		q->st.completed_bytes += bytes;
	}
}

/*
 * Bytes to take from FQ-CoDel now (at least one frame): what BQL leaves
 * room for and what is left of this call's round budget.  A whole burst
 * of 64 KB GSO frames is 2 MB; taken in one go it would sit in pend[],
 * a FIFO in front of every flow that CoDel cannot see, while the round
 * budget sends it out over several rounds: measured under flent rrul,
 * the ping waited ~1.1 ms each way there.  Left in FQ-CoDel, the next
 * sparse flow goes first and CoDel judges the rest.
 */
static uint64_t
txq_budget(const struct l2fk_txq *q, uint64_t done)
{
	uint64_t b = UINT64_MAX;
	int32_t avail;

	if (q->round_bytes != 0)
		b = q->round_bytes > done ? q->round_bytes - done : 1;
	if (q->bql) {
		avail = rtap_dql_avail(&q->dql);
		b = RTE_MIN(b, avail > 0 ? (uint64_t)avail : 1);
	}
	return b;
}

/*
 * Stopped by BQL with frames in flight: many drivers (net_rtap's io_uring
 * backends, most NICs) release transmitted mbufs only inside a later
 * tx_burst call.  Without this we would wait forever for a completion we
 * prevent.  Ask with tx_done_cleanup() where implemented, else with an
 * empty tx_burst, which the ethdev API allows and drivers use to reclaim.
 */
static void
txq_poke(struct l2fk_txq *q, uint64_t now)
{
	struct rte_mbuf *none[1];

	if (q->infl_tail == q->infl_head)
		return;
	if (q->cleanup_ok &&
	    rte_eth_tx_done_cleanup(q->port, q->qid, 0) == -ENOTSUP)
		q->cleanup_ok = false;
	if (!q->cleanup_ok)
		rte_eth_tx_burst(q->port, q->qid, none, 0);
	q->st.pokes++;
	txq_reap(q, now);
}

/*
 * Frames of pend[] that fit in what is left of this call's byte budget
 * (at least one), so a burst of 64 KB GSO frames cannot overshoot it by
 * 2 MB.
 */
static uint16_t
txq_fit(const struct l2fk_txq *q, uint16_t n, uint64_t done)
{
	uint64_t sum = 0;
	uint16_t i;

	if (q->round_bytes == 0)
		return n;
	for (i = 0; i < n; i++) {
		sum += q->pend[q->pend_head + i]->pkt_len;
		if (done + sum > q->round_bytes)
			return RTE_MAX(i, (uint16_t)1);
	}
	return n;
}

/*
 * Hand frames from FQ-CoDel to the driver: as far as BQL allows and, per
 * call, up to round_bytes.  The round budget bounds the work one
 * direction does per forwarding round: a write to a TAP or an AF_PACKET
 * send runs the receiving kernel stack inline on this lcore (tun_get_user
 * -> netif_receive_skb, veth_xmit -> softirq), so 2 MB of GSO frames
 * written in one go is a millisecond during which the other direction
 * (and its ping) waits in kernel rings nobody manages.  What is left
 * stays in FQ-CoDel, where sparse flows go first and CoDel judges the
 * rest.
 */
uint16_t
l2fk_txq_xmit(struct l2fk_txq *q, uint64_t now)
{
	struct rte_mbuf *burst[L2FK_BURST];
	uint32_t len[L2FK_BURST];
	uint16_t total = 0, n, sent, i;
	uint64_t done = 0;
	bool kick = false;
	uint32_t bytes;

	if (q->fq == NULL)
		return 0;
	if (q->bql) {
		txq_reap(q, now);
		if (rtap_dql_stopped(&q->dql))
			txq_poke(q, now);
		if (!rtap_dql_stopped(&q->dql))
			q->stall_since = 0;
		else if (q->stall_since == 0)
			q->stall_since = now;
		else if (now - q->stall_since > q->hz / L2FK_BQL_STALL_DIV &&
			 q->nb_pend + rtap_fq_codel_backlog_pkts(q->fq) != 0) {
			/* The driver completes only when it is given work
			 * (seen with io_uring DEFER_TASKRUN backends): let
			 * one burst through rather than deadlock. */
			q->st.stall_kicks++;
			q->stall_since = 0;
			kick = true;
		}
	}
	for (;;) {
		if (q->bql && !kick && rtap_dql_stopped(&q->dql)) {
			q->st.bql_stops++;
			break;
		}
		kick = false;
		if (q->nb_pend == 0) {
			q->pend_head = 0;
			q->nb_pend = rtap_fq_codel_dequeue_bytes(q->fq, q->pend,
					L2FK_BURST, txq_budget(q, done), now);
			if (q->nb_pend == 0)
				break;
		}
		n = txq_fit(q, q->nb_pend, done);
		if (q->bql && n > L2FK_TXQ_INFL - (q->infl_head - q->infl_tail))
			n = L2FK_TXQ_INFL - (q->infl_head - q->infl_tail);
		if (n == 0) {
			q->st.infl_full++;
			break;
		}
		memcpy(burst, &q->pend[q->pend_head], n * sizeof(burst[0]));
		/* Lengths first: without our extra reference the driver may
		 * free a frame inside tx_burst. */
		for (i = 0; i < n; i++) {
			len[i] = burst[i]->pkt_len;
			if (q->bql)
				txq_ref(burst[i], 1);
		}
		sent = rte_eth_tx_burst(q->port, q->qid, burst, n);
		bytes = 0;
		for (i = 0; i < sent; i++) {
			bytes += len[i];
			if (q->bql) {
				q->infl[q->infl_head % L2FK_TXQ_INFL] = burst[i];
				q->infl_len[q->infl_head % L2FK_TXQ_INFL] = len[i];
				q->infl_head++;
			}
		}
		if (q->bql) {
			for (i = sent; i < n; i++)
				txq_ref(burst[i], -1);
			if (bytes != 0)
				rtap_dql_queued(&q->dql, bytes);
		}
		q->st.tx_pkts += sent;
		q->st.tx_bytes += bytes;
		done += bytes;
		total += sent;
		q->pend_head += sent;
		q->nb_pend -= sent;
		if (sent < n) {
			/* Device ring full: keep the rest here and let the
			 * AQM queue absorb (and judge) the backlog. */
			q->st.tx_partial++;
			break;
		}
		if (q->bql)
			txq_reap(q, now);
		if (q->round_bytes != 0 && done >= q->round_bytes) {
			if (q->nb_pend + rtap_fq_codel_backlog_pkts(q->fq) != 0)
				q->st.round_stops++;
			break;
		}
	}
	return total;
}

uint32_t
l2fk_txq_backlog(const struct l2fk_txq *q)
{
	return (q->fq != NULL ? rtap_fq_codel_backlog_pkts(q->fq) : 0) +
		q->nb_pend;
}

uint32_t
l2fk_txq_held(const struct l2fk_txq *q)
{
	return l2fk_txq_backlog(q) + (q->infl_head - q->infl_tail);
}

void
l2fk_txq_fq_stats(const struct l2fk_txq *q, struct rtap_fq_codel_stats *st)
{
	if (q->fq != NULL)
		rtap_fq_codel_stats_get(q->fq, st);
	else
		memset(st, 0, sizeof(*st));
}
