/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * The forwarding loop of one lcore.
 *
 * For every queue pair it owns: NIC Rx -> offload translation -> FQ-CoDel
 * -> rtap Tx (the kernel), and rtap Rx -> translation -> FQ-CoDel -> BQL
 * gate -> NIC Tx.  Frames are timestamped when they enter FQ-CoDel and
 * judged when they leave it, so the sojourn CoDel sees is the time spent
 * waiting for the egress port.
 *
 * Idle policy: spin while there is work; after L2FK_IDLE_SPINS empty
 * rounds with nothing queued, arm Rx interrupts on every queue that has
 * them and sleep in epoll.  On a 2-core machine a spinning lcore takes
 * CPU from the kernel stack behind the TAP (DESIGN.md: ~8% throughput).
 * A port without Rx interrupts (net_af_packet) is polled with
 * exponential backoff instead (sleep_idle()).
 */

#include <errno.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "l2fk.h"

#define L2FK_IDLE_SPINS		512
#define L2FK_SLEEP_MS_INTR	10	/* re-check quit/pause this often */
#define L2FK_NAP_MIN_US		16
#define L2FK_NAP_MAX_US		1000
/* Stop reading the NIC while this many frames wait for the kernel: the
 * NIC ring then fills and the NIC counts imissed -- visible backpressure
 * instead of a silent drop here. */
#define L2FK_BACKPRESSURE	(3 * 1024)
#define L2FK_DRAIN_MS		200
#define L2FK_RX_ROUNDS		8
#define L2FK_GSO_SEGS		128	/* 64 KB / 536-byte MSS, rounded up */

/* Drop frames whose metadata cannot be expressed on the egress port;
 * compacts the array, returns the frames kept. */
static uint16_t
xlate(struct rte_mbuf **pkts, uint16_t n, const struct l2fk_plan *plan,
      bool to_nic, struct l2fk_dir_stats *st)
{
	uint16_t i, k = 0;
	int ret;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		st->rx_bytes += m->pkt_len;
		if (m->ol_flags & RTE_MBUF_F_RX_LRO)
			st->gso_frames++;
		ret = to_nic ? l2fk_ofl_to_nic(m, plan) :
			l2fk_ofl_to_kern(m, plan);
		if (unlikely(ret < 0)) {
			if (st->bad_ofl++ == 0)
				L2FK_LOG(WARNING, "%s: dropping frame with "
					 "untranslatable offload metadata "
					 "(len %u segsz %u); counted in bad_ofl",
					 to_nic ? "kernel->NIC" : "NIC->kernel",
					 m->pkt_len, m->tso_segsz);
			rte_pktmbuf_free(m);
			continue;
		}
		pkts[k++] = m;
	}
	st->rx_pkts += n;
	return k;
}

/* rte_eth_tx_prepare() fixes pseudo-header checksums etc. for drivers
 * that need it; frames it rejects are dropped and counted. */
static uint16_t
prepare(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
	struct l2fk_dir_stats *st)
{
	uint16_t ok, k = 0;

	while (k < n) {
		ok = rte_eth_tx_prepare(port, q, pkts + k, n - k);
		k += ok;
		if (k < n) {
			st->bad_ofl++;
			rte_pktmbuf_free(pkts[k]);
			pkts[k] = pkts[n - 1];
			n--;
		}
	}
	return n;
}

/* --gso=sw: segment kernel GSO frames here, then enqueue the segments. */
static void
sw_gso_enqueue(struct l2fk_qp *qp, struct rte_mbuf **pkts, uint16_t n,
	       uint64_t now)
{
	struct rte_mbuf *segs[L2FK_GSO_SEGS];
	uint16_t i, k;

	for (i = 0; i < n; i++) {
		k = l2fk_sw_gso(pkts[i], qp->pair->mtu, segs, RTE_DIM(segs));
		if (k == 0)
			qp->up.bad_ofl++;
		l2fk_txq_enqueue(&qp->to_nic, segs, k, now);
	}
}

/*
 * Receive up to L2FK_RX_ROUNDS bursts from one port into the managed
 * queue towards the other.  Reading more than one burst per round, and
 * before transmitting, drains the ingress port (above all the TAP: tun
 * orphans every skb it queues, so TCP's small-queue accounting cannot see
 * frames waiting in its ring, and that ring holds up to txqueuelen GSO
 * frames).  The standing queue then forms in FQ-CoDel, where CoDel sees
 * and controls it, and not in a ring nobody manages.
 */
static unsigned int
fwd_rx(struct l2fk_qp *qp, bool to_nic, uint64_t now)
{
	struct l2fk_pair *p = qp->pair;
	struct l2fk_txq *out = to_nic ? &qp->to_nic : &qp->to_kern;
	struct l2fk_dir_stats *st = to_nic ? &qp->up : &qp->down;
	uint16_t in_port = to_nic ? p->kern_port : p->nic_port;
	struct rte_mbuf *pkts[L2FK_BURST];
	unsigned int work = 0, r;
	uint16_t n;

	for (r = 0; r < L2FK_RX_ROUNDS; r++) {
		if (l2fk_txq_backlog(out) >= L2FK_BACKPRESSURE) {
			st->backpressure++;
			break;
		}
		n = rte_eth_rx_burst(in_port, qp->qid, pkts, L2FK_BURST);
		if (n == 0)
			break;
		work += n;
		if (unlikely(to_nic ? !p->nic_link_up : !p->kern_admin_up)) {
			st->rx_pkts += n;
			st->link_down_drops += n;
			rte_pktmbuf_free_bulk(pkts, n);
			continue;
		}
		n = xlate(pkts, n, &p->plan, to_nic, st);
		if (to_nic && p->plan.sw_gso) {
			sw_gso_enqueue(qp, pkts, n, now);
			if (n < L2FK_BURST)
				break;
			continue;
		}
		if (to_nic && (p->plan.nic_tx_ofl & ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
			n = prepare(p->nic_port, qp->qid, pkts, n, st);
		l2fk_txq_enqueue(out, pkts, n, now);
		if (n < L2FK_BURST)
			break;
	}
	return work;
}

/*
 * One round of a queue pair.  The TAP is read a second time between the
 * two egresses: writing to the TAP runs the kernel's receive path inline
 * (up to the round budget), and meanwhile the kernel's own senders keep
 * filling the tun ring, whose length (txqlen.c) is the only buffer in
 * front of us since net_rtap's TAP reads stopped waiting in the kernel.
 * Measured with l2fwd-kernel's demo, flent rrul 30 s: the TAP's tail
 * drops fell from 6.0-6.6k to 1.6-1.8k per run (doc/performance.md,
 * session 4).  An empty second read is one RWF_NOWAIT try.
 */
static unsigned int
fwd_qp(struct l2fk_qp *qp, uint64_t now)
{
	unsigned int work;

	work = fwd_rx(qp, false, now);
	work += fwd_rx(qp, true, now);
	work += l2fk_txq_xmit(&qp->to_kern, now);
	work += fwd_rx(qp, true, now);
	work += l2fk_txq_xmit(&qp->to_nic, now);
	return work;
}

static void
intr_setup(struct l2fk_qp *qp)
{
	struct l2fk_pair *p = qp->pair;
	void *data = (void *)(uintptr_t)qp;

	qp->intr_nic = !l2fk.cfg.poll_only &&
		rte_eth_dev_rx_intr_ctl_q(p->nic_port, qp->qid,
					  RTE_EPOLL_PER_THREAD,
					  RTE_INTR_EVENT_ADD, data) == 0;
	qp->intr_kern = !l2fk.cfg.poll_only &&
		rte_eth_dev_rx_intr_ctl_q(p->kern_port, qp->qid,
					  RTE_EPOLL_PER_THREAD,
					  RTE_INTR_EVENT_ADD, data) == 0;
}

static void
intr_teardown(struct l2fk_qp *qp)
{
	struct l2fk_pair *p = qp->pair;

	if (qp->intr_nic)
		rte_eth_dev_rx_intr_ctl_q(p->nic_port, qp->qid,
					  RTE_EPOLL_PER_THREAD,
					  RTE_INTR_EVENT_DEL, NULL);
	if (qp->intr_kern)
		rte_eth_dev_rx_intr_ctl_q(p->kern_port, qp->qid,
					  RTE_EPOLL_PER_THREAD,
					  RTE_INTR_EVENT_DEL, NULL);
	qp->intr_nic = qp->intr_kern = false;
}

/*
 * Sleep until a packet may be there.  When every queue has Rx interrupts,
 * sleep in epoll (woken by the first frame, bounded so quit/pause are
 * seen).  A port without them (net_af_packet) can only be polled: back
 * off from L2FK_NAP_MIN_US, doubling up to L2FK_NAP_MAX_US while idle, so
 * a short gap in a flow costs microseconds and a quiet link costs almost
 * no CPU.
 */
static void
sleep_idle(struct l2fk_qp **qps, unsigned int nq, unsigned int lc,
	   unsigned int *nap_us)
{
	struct rte_epoll_event ev[8];
	bool all_intr = true;
	unsigned int i;

	for (i = 0; i < nq; i++)
		if (!qps[i]->intr_nic || !qps[i]->intr_kern)
			all_intr = false;
	l2fk.lcore_sleeping[lc] = 1;
	if (!all_intr) {
		rte_delay_us_sleep(*nap_us);
		*nap_us = RTE_MIN(*nap_us * 2, (unsigned int)L2FK_NAP_MAX_US);
		goto out;
	}
	for (i = 0; i < nq; i++) {
		rte_eth_dev_rx_intr_enable(qps[i]->pair->nic_port, qps[i]->qid);
		rte_eth_dev_rx_intr_enable(qps[i]->pair->kern_port, qps[i]->qid);
	}
	rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, RTE_DIM(ev),
		       L2FK_SLEEP_MS_INTR);
	for (i = 0; i < nq; i++) {
		rte_eth_dev_rx_intr_disable(qps[i]->pair->nic_port,
					    qps[i]->qid);
		rte_eth_dev_rx_intr_disable(qps[i]->pair->kern_port,
					    qps[i]->qid);
	}
out:
	l2fk.lcore_sleeping[lc] = 0;
	l2fk.lcore_wakeups[lc]++;
}

static void
park(void)
{
	__atomic_fetch_add(&l2fk.paused, 1, __ATOMIC_SEQ_CST);
	while (l2fk.pause_req && !l2fk.quit)
		rte_delay_us_sleep(500);
	__atomic_fetch_sub(&l2fk.paused, 1, __ATOMIC_SEQ_CST);
}

void
l2fk_pause_workers(void)
{
	unsigned int i;

	l2fk.pause_req = true;
	rte_smp_mb();
	for (i = 0; i < 4000; i++) {
		if (__atomic_load_n(&l2fk.paused, __ATOMIC_SEQ_CST) >=
		    l2fk.nb_workers)
			return;
		rte_delay_us_sleep(500);
	}
	L2FK_LOG(WARNING, "workers did not pause within 2 s");
}

void
l2fk_resume_workers(void)
{
	l2fk.pause_req = false;
	rte_smp_mb();
}

static bool
queues_busy(struct l2fk_qp **qps, unsigned int nq)
{
	unsigned int i;

	for (i = 0; i < nq; i++)
		if (l2fk_txq_backlog(&qps[i]->to_nic) != 0 ||
		    l2fk_txq_backlog(&qps[i]->to_kern) != 0)
			return true;
	return false;
}

int
l2fk_worker(void *arg __rte_unused)
{
	unsigned int lc = rte_lcore_id(), nq = l2fk.lcore_nb_qps[lc];
	struct l2fk_qp **qps = l2fk.lcore_qps[lc];
	unsigned int i, idle = 0, work, nap_us = L2FK_NAP_MIN_US;
	uint64_t now, end;

	if (nq == 0)
		return 0;
	l2fk_sched_apply();
	for (i = 0; i < nq; i++)
		intr_setup(qps[i]);
	while (!l2fk.quit) {
		if (unlikely(l2fk.pause_req)) {
			/* A reconfigured port gets new interrupt vectors. */
			for (i = 0; i < nq; i++)
				intr_teardown(qps[i]);
			park();
			for (i = 0; i < nq; i++)
				intr_setup(qps[i]);
			continue;
		}
		now = rte_rdtsc();
		work = 0;
		for (i = 0; i < nq; i++)
			work += fwd_qp(qps[i], now);
		l2fk.lcore_polls[lc]++;
		if (work != 0) {
			l2fk.lcore_busy_polls[lc]++;
			idle = 0;
			nap_us = L2FK_NAP_MIN_US;
			continue;
		}
		if (l2fk.cfg.poll_only || ++idle < L2FK_IDLE_SPINS ||
		    queues_busy(qps, nq))
			continue;
		sleep_idle(qps, nq, lc, &nap_us);
	}
	/* Drain what is queued towards both sides, bounded in time. */
	end = rte_rdtsc() + l2fk.hz * L2FK_DRAIN_MS / 1000;
	while (queues_busy(qps, nq) && rte_rdtsc() < end)
		for (i = 0; i < nq; i++) {
			now = rte_rdtsc();
			l2fk_txq_xmit(&qps[i]->to_kern, now);
			l2fk_txq_xmit(&qps[i]->to_nic, now);
		}
	for (i = 0; i < nq; i++)
		intr_teardown(qps[i]);
	return 0;
}
