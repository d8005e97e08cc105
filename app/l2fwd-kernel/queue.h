/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * A managed transmit queue: FQ-CoDel (lib/codel) in front of one Tx queue
 * of one port, optionally gated by BQL (lib/dql) in bytes.
 *
 * BQL needs to know when the device is done with a frame.  ethdev has no
 * generic "bytes completed" report, so queue.c holds one extra reference
 * on every segment it hands to tx_burst and calls a frame complete when
 * the driver has dropped its reference (refcnt back to 1).  That works
 * for any PMD that frees mbufs when the hardware (or kernel) is done,
 * which is what the ethdev API requires; it also measures how batchy the
 * driver's completions are (stats: completions, completed bytes).
 */

#ifndef L2FK_QUEUE_H
#define L2FK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <rtap_dql.h>
#include <rtap_fq_codel.h>

#define L2FK_TXQ_PEND	64
#define L2FK_TXQ_INFL	4096	/* frames tracked in flight (power of 2) */

struct l2fk_txq_stats {
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_partial;	/* tx_burst took fewer than offered */
	uint64_t bql_stops;	/* xmit calls stopped by the BQL limit */
	uint64_t completions;	/* completion reaps that found work */
	uint64_t completed_bytes;
	uint64_t infl_full;	/* in-flight tracking ring full */
	uint64_t pokes;		/* completions asked for while stopped */
	uint64_t stall_kicks;	/* sent past the limit: no completion */
	uint64_t bypass_drops;	/* no_aqm mode: tail drops */
	uint64_t round_stops;	/* xmit calls ended by the round budget
				 * with frames left for the next round */
};

struct l2fk_txq {
	uint16_t port;
	uint16_t qid;
	bool bql;
	bool cleanup_ok;	/* rte_eth_tx_done_cleanup() works */
	struct rtap_fq_codel *fq;	/* NULL: bypass (bench only) */
	struct rtap_dql dql;
	uint64_t hz;
	uint32_t round_bytes;	/* bytes per xmit call, 0: no bound */
	uint64_t stall_since;	/* stopped without completions since */
	/* Dequeued from the AQM but not yet taken by the driver. */
	struct rte_mbuf *pend[L2FK_TXQ_PEND];
	uint16_t nb_pend;
	uint16_t pend_head;
	/* Frames handed to the driver, oldest first (BQL only). */
	struct rte_mbuf **infl;
	uint32_t *infl_len;
	uint32_t infl_head;
	uint32_t infl_tail;
	struct l2fk_txq_stats st;
};

int l2fk_txq_init(struct l2fk_txq *q, const char *name, uint16_t port,
		  uint16_t qid, int socket, uint32_t mtu, bool bql, bool aqm,
		  bool ecn, uint32_t round_bytes, uint64_t hz);
void l2fk_txq_free(struct l2fk_txq *q);
void l2fk_txq_enqueue(struct l2fk_txq *q, struct rte_mbuf **pkts,
		      uint16_t n, uint64_t now);
uint16_t l2fk_txq_xmit(struct l2fk_txq *q, uint64_t now);
/* Frames held: AQM backlog + pending + in flight. */
uint32_t l2fk_txq_held(const struct l2fk_txq *q);
uint32_t l2fk_txq_backlog(const struct l2fk_txq *q);
void l2fk_txq_purge(struct l2fk_txq *q);
void l2fk_txq_fq_stats(const struct l2fk_txq *q,
		       struct rtap_fq_codel_stats *st);

#endif /* L2FK_QUEUE_H */
