/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io_uring datapath shared by the fd based backends (TAP, AF_PACKET).
 *
 * Rx, frames that fit one mbuf (the default MTU, no LRO): one
 * IORING_OP_READ_MULTISHOT per queue over a provided-buffer ring whose
 * buffers are the data rooms of mbufs lent to the kernel, the vnet header
 * in their headroom.  rx_burst harvests one CQE per frame and hands that
 * mbuf up as is (no copy), lending a fresh one in its place.  One poll
 * entry on the tun queue: a frame wakes one request, where posted reads
 * are woken all together for every frame (see the multishot section).
 *
 * Rx, larger frames (jumbo beyond one mbuf, LRO): readv slots.  Each
 * slot's IORING_OP_READV reads into iov[0], the slot's virtio_net_hdr,
 * and iov[1..maxseg], the data rooms of maxseg mbufs, enough for the
 * largest frame the queue can get (MTU, or 64 KB with LRO).  The reads
 * are RWF_NOWAIT tries submitted by rx_burst, as many as the queue has
 * been giving, with one io_uring_enter, and harvested in the same burst:
 * nothing waits on the tun queue (see rtap_rx_harvest for why).  The
 * segments a frame used are chained and delivered and replaced from the
 * mempool; the unused tail mbufs stay in the slot.
 *
 * Tx: one SQE per frame, the whole burst submitted with one
 * io_uring_enter: a plain IORING_OP_WRITE with the header in the
 * headroom when the mbuf is one direct segment we own alone (no iovec
 * import in the kernel), IORING_OP_WRITEV (header + one iovec per
 * segment) otherwise.  tun's write path is synchronous, so completions
 * are normally ready when submit returns; they are reaped before and
 * after each submit and free the mbufs in bulk.
 *
 * Ring flags: none of SINGLE_ISSUER, DEFER_TASKRUN or COOP_TASKRUN.  A
 * request that had to wait (the multishot read, the Rx interrupt poll,
 * readv slots on a kernel without RWF_NOWAIT for tun) completes through
 * task work run by the thread that submitted it, which is the polling
 * lcore, while dev_stop runs on a control thread and must cancel and
 * drain those reads before their mbufs go back to the pool:
 *  - SINGLE_ISSUER/DEFER_TASKRUN refuse the control thread (-EEXIST) and
 *    leave the task work to an lcore that may never enter again;
 *  - COOP_TASKRUN queues it without waking the lcore, so a stopped
 *    (sleeping) lcore would keep the cancellations from completing.
 * The default (signal-based task work) wakes or interrupts the submitter,
 * so completions appear in the CQ without a system call by the poller.
 * COOP_TASKRUN|TASKRUN_FLAG measured no faster for 64-byte txonly/rxonly
 * (tun writes complete inline; doc/performance.md).
 *
 * Ring lifecycle.  The queue structs, slots and mbufs are in DPDK shared
 * memory; rings and fds are per process (struct rtap_proc).  dev_start
 * (primary, control thread) fills the Rx slots with mbufs and resets the
 * Tx slot stack; the ring itself is created by the first burst in the
 * process and thread that polls the queue (rtap_rxq_attach /
 * rtap_txq_attach), which claims the queue for its process (c.owner) and
 * posts the reads.  A process that never polls a queue has no ring for it
 * and never takes its frames.  Teardown (rtap_*q_detach) cancels and
 * drains the ring in the owning process: on the control thread at
 * dev_stop/queue stop in the primary, from the mp handler in a secondary
 * (rtap_mp.c), and at a secondary's dev_close.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <ethdev_driver.h>
#include <rte_malloc.h>

#include "rtap.h"
#include "rtap_mp.h"
#include "rtap_vnet.h"

#define RTAP_RX_CQE_BATCH 64
#define RTAP_STOP_WAIT_MS 2000

static unsigned int rtap_ring_flags = UINT32_MAX;	/* learnt once */

static int
rtap_ring_init(struct io_uring *ring, unsigned int sq_entries,
	       unsigned int cq_entries, int fd)
{
	struct io_uring_params prm;
	/* SUBMIT_ALL (5.18): a bad SQE does not hold back the burst. */
	unsigned int want[] = {
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	unsigned int i;
	int ret = -EINVAL;

	for (i = 0; i < RTE_DIM(want); i++) {
		if (rtap_ring_flags != UINT32_MAX && want[i] != rtap_ring_flags)
			continue;
		memset(&prm, 0, sizeof(prm));
		prm.flags = want[i] | IORING_SETUP_CQSIZE;
		prm.cq_entries = cq_entries;
		ret = io_uring_queue_init_params(sq_entries, ring, &prm);
		if (ret == 0) {
			rtap_ring_flags = want[i];
			break;
		}
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		RTAP_LOG(ERR, "io_uring_queue_init(%u): %s", sq_entries,
			 strerror(-ret));
		return ret;
	}
	ret = io_uring_register_files(ring, &fd, 1);
	if (ret < 0) {
		RTAP_LOG(ERR, "io_uring_register_files: %s", strerror(-ret));
		io_uring_queue_exit(ring);
		return ret;
	}
	/*
	 * No io_uring_register_ring_fd(): a registered ring fd belongs to
	 * the registering thread, and the ring is torn down by the control
	 * thread (dev_stop), not by the lcore that polls it.
	 */
	return 0;
}

void
rtap_size_bucket(uint64_t *b, uint32_t len)
{
	if (len <= 64)
		b[RTAP_SZ_64]++;
	else if (len <= 127)
		b[RTAP_SZ_65_127]++;
	else if (len <= 255)
		b[RTAP_SZ_128_255]++;
	else if (len <= 511)
		b[RTAP_SZ_256_511]++;
	else if (len <= 1023)
		b[RTAP_SZ_512_1023]++;
	else if (len <= 1518)
		b[RTAP_SZ_1024_1518]++;
	else
		b[RTAP_SZ_1519_MAX]++;
}

uint16_t
rtap_burst_none(void *queue __rte_unused, struct rte_mbuf **pkts __rte_unused,
		uint16_t n __rte_unused)
{
	return 0;
}

/* ---------------------------------------------------------------- Rx */

static inline void
rtap_rx_slot_iov(struct rtap_rxq *q, struct rtap_rx_slot *s, uint16_t from,
		 uint16_t to)
{
	uint16_t j;

	for (j = from; j < to; j++) {
		s->iov[1 + j].iov_base = rte_pktmbuf_mtod(s->m[j], void *);
		s->iov[1 + j].iov_len = q->seg_room;
	}
}

static inline int
rtap_rx_post(struct rtap_rxq *q, struct io_uring *ring, uint16_t idx)
{
	struct rtap_rx_slot *s = &q->slots[idx];
	struct io_uring_sqe *sqe;

	sqe = io_uring_get_sqe(ring);
	if (unlikely(sqe == NULL))
		return -EBUSY;	/* cannot happen: SQ >= nb_slots + 1 */
	io_uring_prep_readv(sqe, 0, s->iov, RTAP_RX_IOVS(q->maxseg), 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	/* Readv mode: a try, not a waiter (see rtap_rx_burst). */
	if (!q->rd_wait)
		sqe->rw_flags = RWF_NOWAIT;
	io_uring_sqe_set_data64(sqe, idx);
	s->posted = 1;
	q->in_flight++;
	return 0;
}

/*
 * Claim a queue for this process: only the owner's ring may post into its
 * shared slots.  An owner that died took its ring and posted requests with
 * it (its address space is gone, so nothing is written into the slots any
 * more): the queue is taken over and *stale set.
 */
static int
rtap_queue_claim(struct rtap_queue_common *c, int32_t me, int *stale)
{
	int32_t cur = 0;

	*stale = 0;
	if (__atomic_compare_exchange_n(&c->owner, &cur, me, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
	    cur == me)
		return 0;
	if (kill(cur, 0) == 0 || errno != ESRCH)
		return -EBUSY;
	if (!__atomic_compare_exchange_n(&c->owner, &cur, me, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	*stale = 1;
	return 0;
}

static void
rtap_queue_unclaim(struct rtap_queue_common *c, int32_t me)
{
	int32_t cur = me;

	__atomic_compare_exchange_n(&c->owner, &cur, 0, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}

/* The fd of a queue in this process (a secondary asks the primary for
 * the current ones first); Tx queue j uses fd j % nb_fds. */
static int
rtap_proc_fd_lookup(struct rtap_proc *pp, struct rtap_queue_common *c,
		    int tx)
{
	uint16_t idx = c->qid;

	if (pp->nb_fds == 0 ||
	    (!pp->primary && pp->gen != rtap_load_relaxed(&c->priv->fd_gen)))
		return -1;
	if (tx)
		idx %= pp->nb_fds;
	return idx < pp->nb_fds ? pp->qfd[idx] : -1;
}

int
rtap_proc_queue_fd(struct rtap_queue_common *c, int tx)
{
	struct rtap_proc *pp = rtap_proc_of(c);

	/* No lock held here: the fetch waits for the mp thread. */
	if (!pp->primary &&
	    pp->gen != rtap_load_relaxed(&c->priv->fd_gen) &&
	    rtap_mp_sync_fds(&rte_eth_devices[c->port_id]) < 0)
		return -1;
	return rtap_proc_fd_lookup(pp, c, tx);
}

static int
rtap_claim_refused(struct rtap_queue_common *c, struct rtap_qproc *r,
		   const char *dir)
{
	if (!r->refused)
		RTAP_LOG(ERR, "port %u %s queue %u is polled by process %d; a queue is served by one process at a time",
			 c->port_id, dir, c->qid,
			 (int)rtap_load_relaxed(&c->owner));
	r->refused = 1;
	return -EBUSY;
}

/* ------------------------------------------------ Rx, multishot mode */

/*
 * A frame that fits one mbuf (no jumbo beyond the mbuf, no LRO) is read
 * by one IORING_OP_READ_MULTISHOT (6.7) per queue: the kernel picks each
 * frame's buffer from a provided-buffer ring whose entries are the data
 * rooms of mbufs lent to it (the vnet header lands in the headroom), and
 * posts one CQE per frame naming the buffer id.  One poll entry on the
 * tun queue instead of one per posted read: a frame wakes one request,
 * which then reads every queued frame in the same task-work run, and the
 * mbuf is delivered as is (no copy).  The buffer-id table (br_m) is in
 * shared memory like the readv slots; the buffer ring itself belongs to
 * the owner's io_uring (struct rtap_qproc).
 */

#define RTAP_MSHOT_UD		(UINT64_MAX - 1)	/* the multishot read */
#define RTAP_POLL_UD		(UINT64_MAX - 2)	/* readv: interrupt poll */
#define RTAP_CANCEL_UD		UINT64_MAX
#define RTAP_MSHOT_BGID		0
#define RTAP_MSHOT_MIN_BUFS	64u
#define RTAP_MSHOT_MAX_BUFS	4096u

static int rtap_mshot_ok = -1;	/* kernel has IORING_OP_READ_MULTISHOT */

static int
rtap_rx_mshot_supported(void)
{
	struct io_uring_probe *pr;

	if (rtap_mshot_ok < 0) {
		pr = io_uring_get_probe();
		rtap_mshot_ok = pr != NULL &&
			io_uring_opcode_supported(pr, IORING_OP_READ_MULTISHOT);
		if (pr != NULL)
			io_uring_free_probe(pr);
	}
	return rtap_mshot_ok;
}

/* Lend mbuf m to the kernel as buffer bid, at tail offset off. */
static inline void
rtap_rx_mshot_give(struct rtap_rxq *q, struct rtap_qproc *r, uint16_t bid,
		   struct rte_mbuf *m, int off)
{
	q->br_m[bid] = m;
	/* The vnet header lands in the headroom, the frame at mtod. */
	io_uring_buf_ring_add(r->br,
			      rte_pktmbuf_mtod_offset(m, char *,
						      -(int)RTAP_VNET_HDR_LEN),
			      RTAP_VNET_HDR_LEN + q->seg_room, bid,
			      io_uring_buf_ring_mask(q->br_nb), off);
}

/*
 * Give mbufs to the buffer ids that have none (taken by delivered frames,
 * or left empty by an earlier allocation failure); with r, also lend them
 * to the kernel and publish them plus the 'added' entries already written.
 * Returns 0, or -ENOMEM when the pool could not refill everything (the
 * ring runs short until a later burst manages; tun keeps frames queued
 * meanwhile).
 */
static int
rtap_rx_mshot_refill(struct rtap_rxq *q, struct rtap_qproc *r, int added)
{
	struct rte_mbuf *m[RTAP_RX_CQE_BATCH];
	int ret = 0;

	while (q->br_nb_empty > 0) {
		unsigned int k = RTE_MIN(q->br_nb_empty, RTAP_RX_CQE_BATCH);
		unsigned int i;

		if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, m, k) != 0)) {
			ret = -ENOMEM;
			break;
		}
		for (i = 0; i < k; i++) {
			uint16_t bid = q->br_empty[--q->br_nb_empty];

			if (r != NULL)
				rtap_rx_mshot_give(q, r, bid, m[i], added++);
			else
				q->br_m[bid] = m[i];
		}
	}
	if (added > 0)
		io_uring_buf_ring_advance(r->br, added);
	return ret;
}

/* Primary, dev_start: the buffer-id table, every id with an mbuf. */
static int
rtap_rx_mshot_start(struct rtap_rxq *q)
{
	unsigned int nb = rte_align32prevpow2(RTE_MAX((unsigned int)q->nb_desc,
						      RTAP_MSHOT_MIN_BUFS));
	unsigned int i;

	nb = RTE_MIN(nb, RTAP_MSHOT_MAX_BUFS);
	q->br_m = rte_zmalloc_socket("rtap_rx_br_m", sizeof(*q->br_m) * nb, 0,
				     q->socket);
	q->br_empty = rte_malloc_socket("rtap_rx_br_empty",
					sizeof(*q->br_empty) * nb, 0,
					q->socket);
	q->br_nb = (uint16_t)nb;
	q->br_nb_empty = 0;
	if (q->br_m == NULL || q->br_empty == NULL)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		q->br_empty[q->br_nb_empty++] = (uint16_t)(nb - 1 - i);
	if (rtap_rx_mshot_refill(q, NULL, 0) != 0) {
		RTAP_LOG(ERR, "rxq %u: mempool %s cannot fill %u Rx buffers",
			 q->c.qid, q->mp->name, nb);
		return -ENOMEM;
	}
	return 0;
}

/* The buffer-id table and its mbufs back to the pool; returns the count. */
static unsigned int
rtap_rx_mshot_free(struct rtap_rxq *q)
{
	unsigned int i, freed = 0;

	if (q->br_m != NULL)
		for (i = 0; i < q->br_nb; i++)
			if (q->br_m[i] != NULL) {
				rte_pktmbuf_free(q->br_m[i]);
				freed++;
			}
	rte_free(q->br_m);
	rte_free(q->br_empty);
	q->br_m = NULL;
	q->br_empty = NULL;
	q->br_nb = 0;
	q->br_nb_empty = 0;
	return freed;
}

/*
 * Primary, after every process detached.  A process that did not release
 * the queue still has the read armed on buffers it may fill: keep them
 * (rtap_rxq_free_leftovers takes them back once it let go).
 */
static void
rtap_rx_mshot_stop(struct rtap_rxq *q)
{
	int32_t owner = rtap_load_relaxed(&q->c.owner);

	if (owner != 0 && q->br_m != NULL) {
		RTAP_LOG(ERR, "rxq %u: multishot read of process %d not cancelled: its %u buffers stay out of the pool until it releases them",
			 q->c.qid, (int)owner, q->br_nb);
		return;
	}
	rtap_rx_mshot_free(q);
	q->in_flight = 0;
}

static inline void
rtap_rx_mshot_arm(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (unlikely(sqe == NULL))
		return;	/* cannot happen: nothing else queues SQEs */
	/* len 0: each read takes a whole provided buffer. */
	io_uring_prep_read_multishot(sqe, 0, 0, 0, RTAP_MSHOT_BGID);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, RTAP_MSHOT_UD);
	r->mshot_armed = 1;
	q->in_flight = 1;
}

/* Owner, in attach: the buffer ring with every mbuf lent, the read armed. */
static int
rtap_rx_mshot_attach(struct rtap_rxq *q, struct rtap_qproc *r)
{
	uint16_t bid;
	int ret, added = 0;

	r->br = io_uring_setup_buf_ring(&r->ring, q->br_nb, RTAP_MSHOT_BGID, 0,
					&ret);
	if (r->br == NULL) {
		RTAP_LOG(ERR, "rxq %u: io_uring_setup_buf_ring(%u): %s",
			 q->c.qid, q->br_nb, strerror(-ret));
		return ret;
	}
	for (bid = 0; bid < q->br_nb; bid++)
		if (q->br_m[bid] != NULL)
			rtap_rx_mshot_give(q, r, bid, q->br_m[bid], added++);
	rtap_rx_mshot_refill(q, r, added);
	r->mshot_armed = 0;
	if (q->br_nb_empty < q->br_nb)
		rtap_rx_mshot_arm(q, r);
	return 0;
}

/* Owner: cancel the read, wait for its last CQE, drop the buffer ring. */
static void
rtap_rx_mshot_detach(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	unsigned int waited = 0;

	if (r->mshot_armed) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

		if (sqe != NULL) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, RTAP_CANCEL_UD);
		}
		io_uring_submit(&r->ring);
	}
	while (r->mshot_armed && waited < RTAP_STOP_WAIT_MS) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);

		if (ret == -ETIME || ret == -EINTR) {
			waited += 100;
			continue;
		}
		if (ret < 0)
			break;
		/* A frame read meanwhile stays in its (still lent) mbuf. */
		if (cqe->user_data == RTAP_MSHOT_UD &&
		    !(cqe->flags & IORING_CQE_F_MORE))
			r->mshot_armed = 0;
		io_uring_cqe_seen(&r->ring, cqe);
	}
	if (r->mshot_armed) {
		/* Never hand the pool a buffer the kernel may still write:
		 * forget the table, the mbufs leak. */
		RTAP_LOG(ERR, "rxq %u: multishot read not cancelled, leaking %u mbufs",
			 q->c.qid, q->br_nb);
		rte_free(q->br_m);
		q->br_m = NULL;
	} else {
		io_uring_free_buf_ring(&r->ring, r->br, q->br_nb,
				       RTAP_MSHOT_BGID);
	}
	r->br = NULL;
	r->mshot_armed = 0;
	q->in_flight = 0;
}

static inline int
rtap_rx_fatal(int res);

/* A multishot CQE without a buffer: an error or the end of the read. */
static void
rtap_rx_mshot_error(struct rtap_rxq *q, int res)
{
	struct rtap_priv *p = q->c.priv;

	if (res == -ENOBUFS) {
		/* Every buffer was full: tun keeps the frame queued and the
		 * read is armed again once buffers are back. */
		q->xs.no_buf++;
		return;
	}
	if (res >= 0)
		return;	/* 0: nothing read; the read ended, re-armed */
	q->xs.read_err++;
	q->c.errors++;
	if (rtap_rx_fatal(res)) {
		if (!q->c.dead)
			RTAP_LOG(ERR, "%s rxq %u: read failed: %s; queue stopped",
				 p->ifname, q->c.qid, strerror(-res));
		q->c.dead = 1;
		return;
	}
	if (q->xs.read_err == 1)
		RTAP_LOG(WARNING, "%s rxq %u: read failed: %s (counted in rx_read_errors, read re-armed)",
			 p->ifname, q->c.qid, strerror(-res));
}

static uint16_t
rtap_rx_burst_mshot(struct rtap_rxq *q, struct rtap_qproc *r,
		    struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct io_uring_cqe *cqes[RTAP_RX_CQE_BATCH];
	unsigned int n, i;
	uint16_t nb_rx = 0;
	uint64_t bytes = 0;
	int added = 0;

	/* Enters the kernel only when the CQ is empty and task work or an
	 * overflow is pending (liburing checks the SQ ring flags). */
	n = io_uring_peek_batch_cqe(&r->ring, cqes,
				    RTE_MIN(nb_pkts, RTAP_RX_CQE_BATCH));
	for (i = 0; i < n; i++) {
		const struct io_uring_cqe *cqe = cqes[i];
		struct rtap_vnet_rx_info info;
		struct rte_mbuf *m;
		uint32_t len;
		uint16_t bid;

		if (unlikely(cqe->user_data != RTAP_MSHOT_UD))
			continue;	/* cancel CQE */
		if (unlikely(!(cqe->flags & IORING_CQE_F_MORE))) {
			r->mshot_armed = 0;
			q->in_flight = 0;
		}
		if (unlikely(!(cqe->flags & IORING_CQE_F_BUFFER))) {
			rtap_rx_mshot_error(q, cqe->res);
			continue;
		}
		bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		if (unlikely(bid >= q->br_nb || q->br_m[bid] == NULL)) {
			q->xs.read_err++;	/* not a buffer we lent */
			q->c.errors++;
			continue;
		}
		m = q->br_m[bid];
		len = cqe->res < 0 ? 0 : (uint32_t)cqe->res;
		/*
		 * tun truncates a frame larger than the buffer to its size
		 * and returns the bytes copied: a full buffer is a frame
		 * longer than the queue takes (kernel MTU raised under us).
		 */
		if (unlikely(len < RTAP_VNET_HDR_LEN + RTE_ETHER_HDR_LEN ||
			     len >= RTAP_VNET_HDR_LEN + q->seg_room)) {
			if (cqe->res < 0) {
				rtap_rx_mshot_error(q, cqe->res);
			} else {
				q->xs.bad_len++;
				q->c.errors++;
			}
			rtap_rx_mshot_give(q, r, bid, m, added++);
			continue;
		}
		len -= RTAP_VNET_HDR_LEN;
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		m->port = q->c.port_id;
		if (unlikely(rtap_vnet_rx_decode(
				rte_pktmbuf_mtod_offset(m, struct virtio_net_hdr *,
							-(int)RTAP_VNET_HDR_LEN),
				m, &info) != RTAP_VNET_OK)) {
			q->xs.bad_vnet++;
			q->c.errors++;
			rte_pktmbuf_reset(m);
			rtap_rx_mshot_give(q, r, bid, m, added++);
			continue;
		}
		switch (info.csum) {
		case RTAP_VNET_CSUM_GOOD:
			q->xs.csum_good++;
			break;
		case RTAP_VNET_CSUM_PARTIAL:
			q->xs.csum_partial++;
			break;
		default:
			q->xs.csum_none++;
			break;
		}
		if (unlikely(info.gso)) {
			q->xs.lro++;
			q->xs.lro_ecn += info.ecn;
		}
		rtap_size_bucket(q->xs.size, len);
		bytes += len;
		pkts[nb_rx++] = m;
		q->br_m[bid] = NULL;
		q->br_empty[q->br_nb_empty++] = bid;
	}
	io_uring_cq_advance(&r->ring, n);
	if ((added > 0 || q->br_nb_empty > 0) &&
	    unlikely(rtap_rx_mshot_refill(q, r, added) != 0)) {
		q->xs.alloc_fail++;
		/* p->dev is the primary's pointer: use ours. */
		rte_eth_devices[q->c.port_id].data->rx_mbuf_alloc_failed++;
	}
	/* Re-arm once some buffer is back (not on a dead fd). */
	if (unlikely(!r->mshot_armed) && !q->c.dead &&
	    q->br_nb_empty < q->br_nb) {
		int ret;

		rtap_rx_mshot_arm(q, r);
		ret = io_uring_submit(&r->ring);
		if (unlikely(ret < 0 && ret != -EAGAIN && ret != -EBUSY &&
			     ret != -EINTR))
			q->xs.submit_err++;
	}
	q->c.pkts += nb_rx;
	q->c.bytes += bytes;
	return nb_rx;
}

/* ------------------------------------------- Rx, posted readv mode */

/*
 * At (re)start in the primary: a process that still owns the queue (a
 * secondary that did not answer the release at stop) would keep posting
 * into the slots about to be refilled.  A dead owner's requests died with
 * it.
 */
int
rtap_queue_start_check(struct rtap_queue_common *c, const char *dir)
{
	int32_t cur = rtap_load_relaxed(&c->owner);

	if (cur == 0)
		return 0;
	if (kill(cur, 0) != 0 && errno == ESRCH) {
		rtap_store_relaxed(&c->owner, 0);
		return 0;
	}
	RTAP_LOG(ERR, "port %u %s queue %u: still served by process %d, which did not release it at stop; stop polling it there (or end that process), then start again",
		 c->port_id, dir, c->qid, (int)cur);
	return -EBUSY;
}

/*
 * Mbufs still in the slots from a stop that could not take them back (a
 * read of an unresponsive secondary was still posted; it released them
 * later, or died).  Only once no process owns the queue.
 */
void
rtap_rxq_free_leftovers(struct rtap_rxq *q)
{
	size_t k, n = (size_t)q->nb_slots * q->maxseg;
	unsigned int freed = 0;

	for (k = 0; k < n && q->mbufs != NULL; k++) {
		if (q->mbufs[k] != NULL) {
			rte_pktmbuf_free(q->mbufs[k]);
			q->mbufs[k] = NULL;
			freed++;
		}
	}
	for (k = 0; k < q->nb_slots && q->slots != NULL; k++)
		q->slots[k].posted = 0;
	q->in_flight = 0;
	freed += rtap_rx_mshot_free(q);
	if (freed > 0)
		RTAP_LOG(NOTICE, "rxq %u: %u mbufs left from the last stop returned to the pool",
			 q->c.qid, freed);
}

/*
 * Fill the slots with mbufs (primary, dev_start / queue start).  No ring
 * yet: the first burst of the process polling the queue makes it.
 */
int
rtap_rxq_start(struct rtap_rxq *q, int want_intr)
{
	uint16_t i;
	int ret;

	ret = rtap_queue_start_check(&q->c, "Rx");
	if (ret < 0)
		return ret;
	rtap_rxq_free_leftovers(q);
	q->efd = -1;
	q->c.dead = 0;
	q->in_flight = 0;
	/*
	 * A frame that fits one mbuf: multishot read into lent mbufs.
	 * Larger frames (jumbo over the mbuf, LRO) need a chain per read:
	 * posted readv slots.
	 */
	q->mshot = q->maxseg == 1 && rtap_rx_mshot_supported();
	if (q->mshot) {
		ret = rtap_rx_mshot_start(q);
		if (ret < 0) {
			rtap_rxq_stop(q);
			return ret;
		}
	}
	for (i = 0; i < q->nb_slots && !q->mshot; i++) {
		struct rtap_rx_slot *s = &q->slots[i];

		s->m = &q->mbufs[(size_t)i * q->maxseg];
		s->iov = &q->iovs[(size_t)i * RTAP_RX_IOVS(q->maxseg)];
		s->iov[0].iov_base = &s->hdr;
		s->iov[0].iov_len = RTAP_VNET_HDR_LEN;
		s->iov[1 + q->maxseg].iov_base = s->tail;
		s->iov[1 + q->maxseg].iov_len = RTAP_RX_TAIL;
		s->posted = 0;
		if (rte_pktmbuf_alloc_bulk(q->mp, s->m, q->maxseg) != 0) {
			RTAP_LOG(ERR, "rxq %u: mempool %s cannot fill %u reads of %u mbufs",
				 q->c.qid, q->mp->name, q->nb_slots, q->maxseg);
			q->nb_slots = i;	/* free what we have */
			rtap_rxq_stop(q);
			return -ENOMEM;
		}
		rtap_rx_slot_iov(q, s, 0, q->maxseg);
	}
	if (want_intr) {
		/* Registered with the ring when the poller creates it. */
		q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (q->efd < 0) {
			ret = -errno;
			RTAP_LOG(ERR, "rxq %u: Rx interrupt eventfd: %s",
				 q->c.qid, strerror(-ret));
			rtap_rxq_stop(q);
			return ret;
		}
	}
	return 0;
}

/*
 * Create this process's ring for the queue (multishot: arm the read); on
 * the polling thread: a read that has to wait completes through task work
 * of the thread that submitted it, and that must not be a control thread
 * asleep in its own loop.
 */
static int
rtap_rxq_attach_locked(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct rtap_proc *pp = rtap_proc_of(&q->c);
	uint16_t i;
	int fd, ret, stale;

	if (r->ring_ok)
		return 0;
	/* Under pp->lock: a release cannot close it meanwhile. */
	fd = rtap_proc_fd_lookup(pp, &q->c, 0);
	if (fd < 0)
		return -EAGAIN;
	if (rtap_queue_claim(&q->c, pp->pid, &stale) < 0)
		return rtap_claim_refused(&q->c, r, "Rx");
	if (stale) {
		RTAP_LOG(WARNING, "port %u rxq %u: previous owner died; taking its %u reads over",
			 q->c.port_id, q->c.qid, q->in_flight);
		for (i = 0; i < q->nb_slots; i++)
			q->slots[i].posted = 0;
		q->in_flight = 0;
	}
	/* The CQ holds a CQE for every buffer or posted read, so nothing
	 * ends on a full CQ. */
	if (q->mshot)
		ret = rtap_ring_init(&r->ring, 8, 2u * q->br_nb, fd);
	else
		ret = rtap_ring_init(&r->ring, q->nb_slots + 1,
				     2u * (q->nb_slots + 1), fd);
	if (ret < 0)
		goto fail;
	if (pp->primary && q->efd >= 0) {
		ret = io_uring_register_eventfd(&r->ring, q->efd);
		if (ret < 0) {
			RTAP_LOG(ERR, "rxq %u: io_uring_register_eventfd: %s",
				 q->c.qid, strerror(-ret));
			io_uring_unregister_files(&r->ring);
			io_uring_queue_exit(&r->ring);
			goto fail;
		}
		/* Off until rx_intr_enable (see rtap_ethdev.c).  A kernel
		 * without CQ ring flags keeps it on: every completion then
		 * signals it, and rx_intr_enable drains the count. */
		(void)io_uring_cq_eventfd_toggle(&r->ring, false);
	}
	if (q->mshot) {
		ret = rtap_rx_mshot_attach(q, r);
		if (ret < 0) {
			io_uring_unregister_files(&r->ring);
			io_uring_queue_exit(&r->ring);
			goto fail;
		}
	}
	r->ring_ok = 1;
	r->refused = 0;
	r->poll_armed = 0;
	r->rd_want = 1;
	r->rd_next = 0;
	/* Multishot: the armed read.  Readv mode: the bursts post reads. */
	ret = q->mshot ? io_uring_submit(&r->ring) : 0;
	if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -EINTR) {
		q->xs.submit_err++;
		RTAP_LOG(ERR, "rxq %u: io_uring_submit: %s", q->c.qid,
			 strerror(-ret));
	}
	return 0;
fail:
	rtap_queue_unclaim(&q->c, pp->pid);
	return ret;
}

/*
 * Serialised with rtap_proc_release (the primary's stop, a secondary's mp
 * handler): a queue stopped while this burst was making its ring (a
 * secondary fetches the fds over the mp channel, which takes a while)
 * gets no ring, instead of one claimed after the release went by.
 */
int
rtap_rxq_attach(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct rtap_proc *pp = rtap_proc_of(&q->c);
	int ret = -EAGAIN;

	/* Fetch fds first, outside the lock (the mp handler takes it). */
	if (rtap_proc_queue_fd(&q->c, 0) < 0)
		return -EBADF;
	pthread_mutex_lock(&pp->lock);
	if (rtap_load_relaxed(&q->c.started))
		ret = rtap_rxq_attach_locked(q, r);
	pthread_mutex_unlock(&pp->lock);
	return ret;
}

/*
 * Cancel every read this process posted and wait for its CQE: the kernel
 * may be copying into the mbufs until then.  The mbufs stay in the slots
 * for the next owner (or rtap_rxq_stop).
 */
void
rtap_rxq_detach(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	unsigned int waited = 0;

	if (!r->ring_ok)
		return;
	if (q->mshot)
		rtap_rx_mshot_detach(q, r);
	else if (q->in_flight > 0 || r->poll_armed) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

		if (sqe != NULL) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, UINT64_MAX);
			io_uring_submit(&r->ring);
		}
		while ((q->in_flight > 0 || r->poll_armed) &&
		       waited < RTAP_STOP_WAIT_MS) {
			int ret = io_uring_wait_cqe_timeout(&r->ring, &cqe,
							    &ts);

			if (ret == -ETIME || ret == -EINTR) {
				waited += 100;
				continue;
			}
			if (ret < 0)
				break;
			if (cqe->user_data < q->nb_slots &&
			    q->slots[cqe->user_data].posted) {
				q->slots[cqe->user_data].posted = 0;
				q->in_flight--;
			} else if (cqe->user_data == RTAP_POLL_UD) {
				r->poll_armed = 0;
			}
			io_uring_cqe_seen(&r->ring, cqe);
		}
	}
	/* The ring's teardown is asynchronous: drop its file reference now
	 * so closing the fd really closes the queue. */
	io_uring_unregister_files(&r->ring);
	io_uring_queue_exit(&r->ring);
	r->ring_ok = 0;
	rtap_queue_unclaim(&q->c, rtap_proc_of(&q->c)->pid);
}

/*
 * Give the slot mbufs back to the pool (primary, after every process
 * detached).  A read still posted (not cancelled in time, or by a
 * secondary that did not answer) keeps its mbufs: the kernel may still
 * write them.
 */
void
rtap_rxq_stop(struct rtap_rxq *q)
{
	uint16_t i, held = 0;

	if (q->mshot)
		rtap_rx_mshot_stop(q);
	for (i = 0; i < q->nb_slots && !q->mshot; i++) {
		struct rtap_rx_slot *s = &q->slots[i];
		uint16_t j;

		if (s->m == NULL)
			continue;
		if (s->posted) {
			/* Never hand the pool a buffer the kernel may
			 * still write: keep it (rtap_rxq_free_leftovers
			 * takes it back once the owner let go). */
			held++;
			continue;
		}
		for (j = 0; j < q->maxseg; j++) {
			rte_pktmbuf_free(s->m[j]);
			s->m[j] = NULL;
		}
	}
	if (held > 0)
		RTAP_LOG(ERR, "rxq %u: %u reads of process %d not cancelled: their %u mbufs stay out of the pool until it releases them",
			 q->c.qid, held, (int)rtap_load_relaxed(&q->c.owner),
			 held * q->maxseg);
	if (q->efd >= 0)
		close(q->efd);
	q->efd = -1;
	/* The owner's late detach still waits for these (multishot: the
	 * armed read, kept by rtap_rx_mshot_stop). */
	if (!q->mshot)
		q->in_flight = held;
}

/* Put the segments of a dropped chain back into the slot, reset. */
static inline void
rtap_rx_recycle(struct rtap_rx_slot *s, uint16_t nseg)
{
	uint16_t j;

	for (j = 0; j < nseg; j++)
		rte_pktmbuf_reset(s->m[j]);
}

static inline int
rtap_rx_fatal(int res)
{
	/* The queue or the device behind the fd is gone (tun: -EBADFD
	 * after unregister, -EIO/-ENODEV from other backends). */
	return res == -EBADFD || res == -EBADF || res == -ENODEV ||
	       res == -ENXIO || res == -EIO;
}

/*
 * Readv mode.  Every read is tried with RWF_NOWAIT: a frame in the tun
 * queue is copied at submit time, an empty queue answers -EAGAIN at once,
 * and no read ever waits on the tun queue.  Waiting reads cost the
 * kernel's sender dearly: tun wakes every waiter for each frame it
 * queues, io_uring runs each one as task work on the polling thread
 * (an IPI to the lcore's CPU) and all but one re-arm their poll
 * (tun_chr_poll under the wait-queue lock).  On this VM that was a
 * quarter of the forwarding lcore's samples in a kernel TCP transfer
 * (perf, doc/performance.md).  The number of reads tried per burst
 * follows the queue: double while every read returns a frame, back to
 * what returned one (plus one) when the queue runs dry, so an idle queue
 * costs one read per burst.  A sleeping application waits on one
 * single-shot poll armed by rx_intr_enable instead (RTAP_POLL_UD).
 */
struct rtap_rx_harvest {
	uint64_t bytes;
	uint16_t ok;		/* reads that returned a frame */
	uint16_t empty;		/* reads that found the queue empty */
};

static uint16_t
rtap_rx_harvest(struct rtap_rxq *q, struct rtap_qproc *r,
		struct rte_mbuf **pkts, uint16_t nb_pkts,
		struct rtap_rx_harvest *h)
{
	struct io_uring_cqe *cqes[RTAP_RX_CQE_BATCH];
	struct rtap_priv *p = q->c.priv;
	unsigned int n, i;
	uint16_t nb_rx = 0;

	n = io_uring_peek_batch_cqe(&r->ring, cqes,
				    RTE_MIN(nb_pkts, RTAP_RX_CQE_BATCH));
	for (i = 0; i < n; i++) {
		uint64_t idx = cqes[i]->user_data;
		int res = cqes[i]->res;
		struct rtap_rx_slot *s;
		struct rtap_vnet_rx_info info;
		struct rte_mbuf *head, *prev;
		uint32_t len, left;
		uint16_t nseg, j;

		if (unlikely(idx >= q->nb_slots || !q->slots[idx].posted)) {
			if (idx == RTAP_POLL_UD)
				r->poll_armed = 0;
			continue;	/* the interrupt poll, cancel or stale */
		}
		s = &q->slots[idx];
		s->posted = 0;
		q->in_flight--;
		if (unlikely(res < 0)) {
			/*
			 * RWF_NOWAIT: the queue is empty.  Waiting reads
			 * (rd_wait) all sit on the tun queue, a frame wakes
			 * them all and the losers end with -EAGAIN on the
			 * non-blocking fd.  Neither is an error.
			 */
			if (res == -EAGAIN) {
				if (q->rd_wait)
					q->xs.read_again++;
				else
					h->empty++;
				continue;
			}
			if (res == -EOPNOTSUPP && !q->rd_wait) {
				RTAP_LOG(NOTICE, "%s rxq %u: no RWF_NOWAIT reads on this kernel: posting waiting reads",
					 p->ifname, q->c.qid);
				q->rd_wait = 1;
				continue;
			}
			q->xs.read_err++;
			q->c.errors++;
			if (rtap_rx_fatal(res)) {
				if (!q->c.dead)
					RTAP_LOG(ERR, "%s rxq %u: read failed: %s; queue stopped",
						 p->ifname, q->c.qid,
						 strerror(-res));
				q->c.dead = 1;
				continue;
			}
			/* Transient: say which once per queue, count the rest. */
			if (q->xs.read_err == 1)
				RTAP_LOG(WARNING, "%s rxq %u: read failed: %s (counted in rx_read_errors, read re-posted)",
					 p->ifname, q->c.qid, strerror(-res));
			continue;
		}
		len = (uint32_t)res;
		/* Short, or reaching into the tail: oversized (truncated). */
		if (unlikely(len < RTAP_VNET_HDR_LEN + RTE_ETHER_HDR_LEN ||
			     len - RTAP_VNET_HDR_LEN >
			     (uint32_t)q->maxseg * q->seg_room)) {
			q->xs.bad_len++;
			q->c.errors++;
			continue;
		}
		len -= RTAP_VNET_HDR_LEN;
		nseg = (uint16_t)((len + q->seg_room - 1) / q->seg_room);
		head = s->m[0];
		prev = NULL;
		left = len;
		for (j = 0; j < nseg; j++) {
			struct rte_mbuf *m = s->m[j];

			m->data_len = (uint16_t)RTE_MIN(left, q->seg_room);
			left -= m->data_len;
			m->next = NULL;
			if (prev != NULL)
				prev->next = m;
			prev = m;
		}
		head->pkt_len = len;
		head->nb_segs = nseg;
		head->port = q->c.port_id;
		if (unlikely(rtap_vnet_rx_decode(&s->hdr, head, &info) !=
			     RTAP_VNET_OK)) {
			q->xs.bad_vnet++;
			q->c.errors++;
			rtap_rx_recycle(s, nseg);
			continue;
		}
		if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, s->m, nseg) != 0)) {
			/* Keep the ring full: drop this frame, reuse. */
			struct rte_mbuf *m = head;

			for (j = 0; j < nseg; j++) {
				s->m[j] = m;
				m = m->next;
			}
			rtap_rx_recycle(s, nseg);
			q->xs.alloc_fail++;
			q->c.dropped++;
			/* p->dev is the primary's pointer: use ours. */
			rte_eth_devices[q->c.port_id].data->
				rx_mbuf_alloc_failed++;
			continue;
		}
		rtap_rx_slot_iov(q, s, 0, nseg);
		switch (info.csum) {
		case RTAP_VNET_CSUM_GOOD:
			q->xs.csum_good++;
			break;
		case RTAP_VNET_CSUM_PARTIAL:
			q->xs.csum_partial++;
			break;
		default:
			q->xs.csum_none++;
			break;
		}
		if (info.gso) {
			q->xs.lro++;
			q->xs.lro_ecn += info.ecn;
		}
		if (nseg > 1)
			q->xs.multiseg++;
		rtap_size_bucket(q->xs.size, len);
		h->bytes += len;
		h->ok++;
		pkts[nb_rx++] = head;
	}
	io_uring_cq_advance(&r->ring, n);
	return nb_rx;
}

/* Post up to k reads on idle slots, round robin from r->rd_next. */
static uint16_t
rtap_rx_try(struct rtap_rxq *q, struct rtap_qproc *r, uint16_t k)
{
	uint16_t i, idx, posted = 0;

	for (i = 0; i < q->nb_slots && posted < k; i++) {
		idx = r->rd_next;
		r->rd_next = (uint16_t)(idx + 1 == q->nb_slots ? 0 : idx + 1);
		if (q->slots[idx].posted || q->slots[idx].m[0] == NULL)
			continue;
		if (rtap_rx_post(q, &r->ring, idx) < 0)
			break;
		posted++;
	}
	return posted;
}

uint16_t
rtap_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_rxq *q = queue;
	struct rtap_qproc *r = &rtap_proc_of(&q->c)->rxq[q->c.qid];
	struct rtap_priv *p = q->c.priv;
	struct rtap_rx_harvest h = { 0, 0, 0 };
	uint16_t nb_rx, k, want;
	int ret;

	if (unlikely(!q->c.started || q->c.dead ||
		     rtap_load_relaxed(&p->gone)))
		return 0;
	/* First burst in this process: make the ring. */
	if (unlikely(!r->ring_ok) && rtap_rxq_attach(q, r) < 0)
		return 0;
	if (q->mshot)
		return rtap_rx_burst_mshot(q, r, pkts, nb_pkts);
	/* Frames a previous burst had no room for, the interrupt poll. */
	nb_rx = rtap_rx_harvest(q, r, pkts, nb_pkts, &h);
	/*
	 * Try reads until one finds the queue empty or the burst is full:
	 * a burst drains what tun holds (its ring is short, see
	 * l2fwd-kernel's txqlen.c, and now the only buffer in front of us).
	 * Waiting reads (no RWF_NOWAIT): keep every idle slot posted.
	 */
	do {
		want = q->rd_wait ? q->nb_slots :
			RTE_MIN(r->rd_want, (uint16_t)(nb_pkts - nb_rx));
		k = rtap_rx_try(q, r, want);
		if (k > 0 || io_uring_cq_has_overflow(&r->ring)) {
			ret = io_uring_submit(&r->ring);
			if (unlikely(ret < 0 && ret != -EAGAIN &&
				     ret != -EBUSY && ret != -EINTR))
				q->xs.submit_err++;
		}
		if (k == 0 || q->rd_wait)
			break;
		/* RWF_NOWAIT reads completed inside the submit. */
		h.ok = h.empty = 0;
		nb_rx += rtap_rx_harvest(q, r, pkts + nb_rx,
					 (uint16_t)(nb_pkts - nb_rx), &h);
		if (h.empty == 0 && h.ok == k)
			r->rd_want = (uint16_t)RTE_MIN(2u * k, q->nb_slots);
		else
			r->rd_want = (uint16_t)RTE_MIN(h.ok + 1u, q->nb_slots);
	} while (h.empty == 0 && h.ok == k && nb_rx < nb_pkts);
	q->c.pkts += nb_rx;
	q->c.bytes += h.bytes;
	return nb_rx;
}

/*
 * rx_intr_enable, readv mode: the reads never wait, so one single-shot
 * poll does, and its CQE signals the ring's eventfd.  Armed on an empty
 * queue it completes at once if a frame is already there.
 */
int
rtap_rxq_intr_arm(struct rtap_rxq *q, struct rtap_qproc *r)
{
	struct io_uring_sqe *sqe;
	int ret;

	if (q->mshot || q->rd_wait || r->poll_armed)
		return 0;
	sqe = io_uring_get_sqe(&r->ring);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, 0, POLLIN);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, RTAP_POLL_UD);
	ret = io_uring_submit(&r->ring);
	if (ret < 0) {
		q->xs.submit_err++;
		return ret;
	}
	r->poll_armed = 1;
	return 0;
}

/* ---------------------------------------------------------------- Tx */

static void
rtap_txq_reset(struct rtap_txq *q)
{
	uint16_t i;

	q->c.dead = 0;
	q->nb_free = q->nb_desc;
	for (i = 0; i < q->nb_desc; i++) {
		q->free_idx[i] = (uint16_t)(q->nb_desc - 1 - i);
		q->slots[i].m = NULL;
	}
}

/* Reset the slot stack (primary, dev_start / queue start). */
int
rtap_txq_start(struct rtap_txq *q)
{
	int ret = rtap_queue_start_check(&q->c, "Tx");

	if (ret == 0)
		rtap_txq_reset(q);
	return ret;
}

/* Account one write; returns the mbuf for the caller to free in bulk. */
static inline struct rte_mbuf *
rtap_tx_complete(struct rtap_txq *q, struct rtap_tx_slot *s, int res)
{
	struct rte_mbuf *m = s->m;

	if (unlikely(res < 0)) {
		q->xs.write_err++;
		q->c.errors++;
		if (rtap_rx_fatal(res))
			q->c.dead = 1;
	} else if (unlikely((uint32_t)res != s->len)) {
		q->xs.short_write++;
		q->c.errors++;
	} else {
		q->c.pkts++;
		q->c.bytes += m->pkt_len;
		rtap_size_bucket(q->xs.size, m->pkt_len);
		q->xs.tso += s->tso;
		q->xs.multiseg += m->nb_segs > 1;
		q->xs.csum_offload +=
			!!(s->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	}
	s->m = NULL;
	return m;
}

static inline void
rtap_tx_reap(struct rtap_txq *q, struct io_uring *ring)
{
	struct io_uring_cqe *cqes[64];
	struct rte_mbuf *done[64];
	unsigned int n, i, nd;

	do {
		n = io_uring_peek_batch_cqe(ring, cqes, RTE_DIM(cqes));
		nd = 0;
		for (i = 0; i < n; i++) {
			uint64_t idx = cqes[i]->user_data;

			if (unlikely(idx >= q->nb_desc ||
				     q->slots[idx].m == NULL))
				continue;
			done[nd++] = rtap_tx_complete(q, &q->slots[idx],
						      cqes[i]->res);
			q->free_idx[q->nb_free++] = (uint16_t)idx;
		}
		io_uring_cq_advance(ring, n);
		if (nd > 0)
			rte_pktmbuf_free_bulk(done, nd);
	} while (n == RTE_DIM(cqes));
}

/* This process's ring for the queue, on the thread that first sends. */
static int
rtap_txq_attach_locked(struct rtap_txq *q, struct rtap_qproc *r)
{
	struct rtap_proc *pp = rtap_proc_of(&q->c);
	uint16_t i;
	int fd, ret, stale;

	if (r->ring_ok)
		return 0;
	fd = rtap_proc_fd_lookup(pp, &q->c, 1);
	if (fd < 0)
		return -EAGAIN;
	if (rtap_queue_claim(&q->c, pp->pid, &stale) < 0)
		return rtap_claim_refused(&q->c, r, "Tx");
	if (stale) {
		/* Writes of a dead owner completed or died with it. */
		RTAP_LOG(WARNING, "port %u txq %u: previous owner died; freeing its %u unreaped writes",
			 q->c.port_id, q->c.qid, q->nb_desc - q->nb_free);
		for (i = 0; i < q->nb_desc; i++)
			rte_pktmbuf_free(q->slots[i].m);
		rtap_txq_reset(q);
	}
	ret = rtap_ring_init(&r->ring, q->nb_desc, 2u * q->nb_desc, fd);
	if (ret < 0) {
		rtap_queue_unclaim(&q->c, pp->pid);
		return ret;
	}
	r->ring_ok = 1;
	r->refused = 0;
	return 0;
}

int
rtap_txq_attach(struct rtap_txq *q, struct rtap_qproc *r)
{
	struct rtap_proc *pp = rtap_proc_of(&q->c);
	int ret = -EAGAIN;

	if (rtap_proc_queue_fd(&q->c, 1) < 0)
		return -EBADF;
	pthread_mutex_lock(&pp->lock);
	if (rtap_load_relaxed(&q->c.started))
		ret = rtap_txq_attach_locked(q, r);
	pthread_mutex_unlock(&pp->lock);
	return ret;
}

/* Wait for this process's writes, free their mbufs, drop the ring. */
void
rtap_txq_detach(struct rtap_txq *q, struct rtap_qproc *r)
{
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	unsigned int waited = 0;

	if (!r->ring_ok)
		return;
	io_uring_submit(&r->ring);
	while (q->nb_free < q->nb_desc && waited < RTAP_STOP_WAIT_MS) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);

		if (ret == -ETIME || ret == -EINTR) {
			waited += 100;
			continue;
		}
		if (ret < 0)
			break;
		rtap_tx_reap(q, &r->ring);
	}
	io_uring_unregister_files(&r->ring);
	io_uring_queue_exit(&r->ring);
	r->ring_ok = 0;
	rtap_queue_unclaim(&q->c, rtap_proc_of(&q->c)->pid);
}

/* Primary, after every process detached: what is left never completed. */
void
rtap_txq_stop(struct rtap_txq *q)
{
	uint16_t i;

	if (rtap_load_relaxed(&q->c.owner) != 0)
		return;	/* a secondary did not detach: keep its writes */
	for (i = 0; i < q->nb_desc; i++) {
		if (q->slots[i].m != NULL) {
			RTAP_LOG(ERR, "txq %u: write %u never completed, leaking its mbuf",
				 q->c.qid, i);
			q->slots[i].m = NULL;
		}
	}
}

uint16_t
rtap_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_txq *q = queue;
	struct rtap_qproc *r = &rtap_proc_of(&q->c)->txq[q->c.qid];
	struct rtap_priv *p = q->c.priv;
	uint16_t i, queued = 0;

	if (unlikely(!q->c.started))
		return 0;
	if (unlikely(!r->ring_ok) && rtap_txq_attach(q, r) < 0)
		return 0;
	rtap_tx_reap(q, &r->ring);
	if (unlikely(q->c.dead || rtap_load_relaxed(&p->gone))) {
		q->xs.link_down += nb_pkts;
		return 0;
	}
	for (i = 0; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i], *seg;
		struct rtap_tx_slot *s;
		struct io_uring_sqe *sqe;
		struct iovec *iov;
		uint16_t idx, k;

		if (unlikely(q->nb_free == 0 ||
			     io_uring_sq_space_left(&r->ring) == 0)) {
			q->xs.ring_full++;
			break;
		}
		idx = q->free_idx[q->nb_free - 1];
		s = &q->slots[idx];
		if (unlikely(m->nb_segs > RTAP_MAX_TX_SEGS)) {
			q->xs.too_many_segs++;
			q->c.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(rtap_vnet_tx_encode(m, &s->hdr, p->vnet_peer) !=
			     RTAP_VNET_OK)) {
			q->xs.bad_offload++;
			q->c.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		/*
		 * One contiguous buffer when the mbuf is ours alone: the
		 * header goes into its headroom (as rte_pktmbuf_prepend
		 * would) and a plain WRITE saves the kernel the iovec import
		 * and the per-segment copy loop.
		 */
		if (likely(m->next == NULL && RTE_MBUF_DIRECT(m) &&
			   rte_mbuf_refcnt_read(m) == 1 &&
			   rte_pktmbuf_headroom(m) >= RTAP_VNET_HDR_LEN)) {
			char *h = rte_pktmbuf_mtod_offset(m, char *,
						-(int)RTAP_VNET_HDR_LEN);

			memcpy(h, &s->hdr, RTAP_VNET_HDR_LEN);
			sqe = io_uring_get_sqe(&r->ring);
			io_uring_prep_write(sqe, 0, h,
					    RTAP_VNET_HDR_LEN + m->data_len, 0);
			goto queued;
		}
		iov = &q->iovs[(size_t)idx * (1 + RTAP_MAX_TX_SEGS)];
		iov[0].iov_base = &s->hdr;
		iov[0].iov_len = RTAP_VNET_HDR_LEN;
		/* Walk the chain itself, bounded: nb_segs may lie. */
		for (seg = m, k = 1; seg != NULL && k <= RTAP_MAX_TX_SEGS;
		     seg = seg->next, k++) {
			iov[k].iov_base = rte_pktmbuf_mtod(seg, void *);
			iov[k].iov_len = seg->data_len;
		}
		if (unlikely(seg != NULL)) {
			q->xs.too_many_segs++;
			q->c.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		sqe = io_uring_get_sqe(&r->ring);
		io_uring_prep_writev(sqe, 0, iov, k, 0);
queued:
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, idx);
		q->nb_free--;
		s->m = m;
		s->len = RTAP_VNET_HDR_LEN + m->pkt_len;
		s->tso = s->hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE;
		queued++;
	}
	if (queued > 0) {
		int ret = io_uring_submit(&r->ring);

		/* SQEs not taken stay queued and go with the next enter. */
		if (unlikely(ret < 0 && ret != -EAGAIN && ret != -EBUSY &&
			     ret != -EINTR))
			q->xs.submit_err++;
		rtap_tx_reap(q, &r->ring);
	}
	return i;
}
