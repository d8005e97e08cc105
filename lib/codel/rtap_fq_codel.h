/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

#ifndef RTAP_FQ_CODEL_H
#define RTAP_FQ_CODEL_H

/**
 * @file
 * FQ-CoDel (RFC 8290) over mbufs: flows hashed into N queues, deficit
 * round robin with a byte quantum, new/old flow lists (sparse flows are
 * served first), CoDel per queue, overflow drops from the fattest queue,
 * packet and memory limits.
 *
 * Same conventions as rtap_codel.h: time in caller clock units, the
 * queue owns every mbuf passed to enqueue and frees what it drops,
 * single lcore.
 *
 * Each queue runs its own CoDel state; the "backlog above one MTU" rule
 * looks at that queue's own backlog (RFC 8290 section 5: CoDel per
 * queue), so a sparse flow's lone packet is never dropped.
 *
 * Flow classification: the mbuf RSS hash when RTE_MBUF_F_RX_RSS_HASH is
 * set in ol_flags (and params.use_rss_hash), otherwise a hash of the
 * 5-tuple parsed from Ethernet (up to two VLAN tags) / IPv4 or IPv6 /
 * TCP or UDP (ports omitted for fragments and other protocols; non-IP
 * frames hash on the EtherType and MAC addresses).
 */

#include <stdbool.h>
#include <stdint.h>

#include "rtap_codel.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Defaults (Linux fq_codel / RFC 8290 section 4). */
#define RTAP_FQ_CODEL_FLOWS 1024
#define RTAP_FQ_CODEL_LIMIT 10240
#define RTAP_FQ_CODEL_MEMORY_LIMIT (32u << 20)
#define RTAP_FQ_CODEL_DROP_BATCH 64

struct rtap_fq_codel_params {
	struct rtap_codel_params codel; /**< per-queue CoDel parameters */
	uint32_t flows;        /**< number of queues (1..65536) */
	uint32_t limit;        /**< max packets over all queues */
	uint64_t memory_limit; /**< max memory held, bytes: per packet
				* nb_segs * (buf_len + sizeof(struct rte_mbuf)) */
	uint32_t quantum;      /**< DRR quantum, bytes (default mtu + 14) */
	uint32_t drop_batch;   /**< max packets dropped from the fattest queue
				* per overflow event */
	uint32_t hash_seed;    /**< perturbation for the 5-tuple hash */
	bool use_rss_hash;     /**< trust mbuf->hash.rss when flagged */
};

/**
 * Defaults: CoDel defaults for @p hz, 1024 flows, limit 10240 packets,
 * 32 MiB, quantum 1514 + 14, drop batch 64, seed 0, use_rss_hash true.
 *
 * @return 0, or -EINVAL if hz is 0.
 */
int
rtap_fq_codel_params_init(struct rtap_fq_codel_params *p, uint64_t hz);

/** FQ-CoDel statistics: the CoDel counters summed over all queues plus
 * scheduler counters.
 */
struct rtap_fq_codel_stats {
	struct rtap_codel_stats codel; /**< tail_drops counts overflow drops */
	uint64_t overflow_drops;   /**< drops because limit was exceeded */
	uint64_t memory_drops;     /**< drops because memory_limit was exceeded */
	uint64_t new_flows;        /**< times a queue joined the new list */
	uint64_t new_flows_len;    /**< gauge: queues on the new list */
	uint64_t old_flows_len;    /**< gauge: queues on the old list */
	uint64_t memory_usage;     /**< gauge: bytes accounted */
};

/** Opaque FQ-CoDel scheduler. */
struct rtap_fq_codel;

/**
 * Create a scheduler on NUMA @p socket_id.
 *
 * @return the scheduler, or NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct rtap_fq_codel *
rtap_fq_codel_create(const char *name,
		     const struct rtap_fq_codel_params *params, int socket_id);

/** Free all queued mbufs and the scheduler. NULL is ignored. */
void
rtap_fq_codel_free(struct rtap_fq_codel *fq);

/**
 * Classify and enqueue up to @p n packets at time @p now. Takes
 * ownership of all n mbufs. When the packet or memory limit is exceeded
 * the fattest queue loses up to drop_batch packets from its head (they
 * are freed, counted in overflow_drops/memory_drops and tail_drops); this
 * may include packets of this very burst.
 *
 * @return n (every packet was accepted into a queue, even if a later
 *   overflow drop removed it again).
 */
uint16_t
rtap_fq_codel_enqueue_burst(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t now);

/**
 * Dequeue up to @p n packets at time @p now by DRR over the new then old
 * lists, CoDel applied per queue (drops freed inside, counted).
 *
 * @return number of packets stored in pkts[].
 */
uint16_t
rtap_fq_codel_dequeue_burst(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t now);

/**
 * Like rtap_fq_codel_dequeue_burst(), but stop once the packets taken
 * reach @p max_bytes (the last one may cross it: with max_bytes > 0 at
 * least one packet is taken if any is queued).  For a caller that hands
 * packets on by byte budget (BQL, a per-round budget): what it cannot
 * send yet stays in the flow queues, where the next sparse flow still
 * goes first and CoDel sees the wait, instead of in a FIFO of its own.
 */
uint16_t
rtap_fq_codel_dequeue_bytes(struct rtap_fq_codel *fq, struct rte_mbuf **pkts,
			    uint16_t n, uint64_t max_bytes, uint64_t now);

/** Queue index @p m would be classified into (for tests/diagnostics). */
uint32_t
rtap_fq_codel_classify(const struct rtap_fq_codel *fq,
		       const struct rte_mbuf *m);

/** Packets currently queued over all flows. */
uint32_t
rtap_fq_codel_backlog_pkts(const struct rtap_fq_codel *fq);

/** Bytes (sum of pkt_len) currently queued over all flows. */
uint64_t
rtap_fq_codel_backlog_bytes(const struct rtap_fq_codel *fq);

/** Bytes queued in flow queue @p idx (0 if idx is out of range). */
uint64_t
rtap_fq_codel_flow_backlog_bytes(const struct rtap_fq_codel *fq, uint32_t idx);

/** Free every queued mbuf (not counted as drops); all state resets. */
void
rtap_fq_codel_purge(struct rtap_fq_codel *fq);

/** Copy the statistics (gauges are current). */
void
rtap_fq_codel_stats_get(const struct rtap_fq_codel *fq,
			struct rtap_fq_codel_stats *st);

/** Zero the counters and histogram. */
void
rtap_fq_codel_stats_reset(struct rtap_fq_codel *fq);

#ifdef __cplusplus
}
#endif

#endif /* RTAP_FQ_CODEL_H */
