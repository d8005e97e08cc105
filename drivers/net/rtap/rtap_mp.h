/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap multi-process support: the per-process queue state (struct
 * rtap_proc in rtap.h) and the messages on DPDK's mp channel that hand
 * queue fds to secondaries and make them let go of their rings.
 */

#ifndef RTAP_MP_H
#define RTAP_MP_H

#include <stdint.h>
#include <rte_ethdev.h>

struct rtap_priv;
struct rtap_proc;

/* What rtap_mp_release() asks the secondaries to let go of. */
enum rtap_mp_scope {
	RTAP_MP_RXQ,		/* the ring of one Rx queue */
	RTAP_MP_TXQ,		/* the ring of one Tx queue */
	RTAP_MP_PORT,		/* every ring and fd (port stop) */
	RTAP_MP_CLOSE,		/* port stop + the port is gone (close) */
};

/* Per-process state: allocated at probe in every process. */
struct rtap_proc *rtap_proc_alloc(const char *name, int primary);
void rtap_proc_free(struct rtap_proc *pp);
/* Primary: publish p->qfd[0..nb_fds) as this process's fds, new gen. */
void rtap_proc_publish_fds(struct rte_eth_dev *dev);
/* Drop this process's rings of the given scope (and fds for PORT/CLOSE). */
void rtap_proc_release(struct rte_eth_dev *dev, enum rtap_mp_scope scope,
		       uint16_t qid);

/* Register/unregister the mp action (refcounted per process). */
int rtap_mp_init(void);
void rtap_mp_uninit(void);
/* Secondary: fetch the primary's current queue fds (paged, 8 per msg). */
int rtap_mp_sync_fds(struct rte_eth_dev *dev);
/*
 * Primary: ask every secondary to drop its rings of scope (and the fds),
 * waiting for the answers, before the primary frees the slot mbufs.
 */
void rtap_mp_release(struct rte_eth_dev *dev, enum rtap_mp_scope scope,
		     uint16_t qid);

#endif /* RTAP_MP_H */
