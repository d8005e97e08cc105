/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap multi-process support.
 *
 * The primary owns the kernel interface and the control path; the queue
 * structs (slots, mbufs, counters) are in DPDK shared memory.  What a
 * process cannot share is kept in dev->process_private (struct rtap_proc):
 * its fds for the queues and its io_uring rings.  A secondary gets the
 * queue fds from the primary over DPDK's mp channel (SCM_RIGHTS, at most
 * RTE_MP_MAX_FD_NUM per message, so it pages through them) and makes a
 * ring for a queue the first time it polls it (rtap_rxtx.c).
 *
 * Before the primary gives slot mbufs back to the pool or closes the
 * fds (queue stop, port stop, close), it asks every secondary to drop
 * its rings (cancelling the reads posted into those slots) and, for the
 * port, its fds, and waits for the answers (rtap_mp_release).  On close
 * the secondaries also switch the port's bursts to no-ops and raise
 * RTE_ETH_EVENT_INTR_RMV so the application detaches it.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "rtap.h"
#include "rtap_mp.h"

#define RTAP_MP_NAME		"net_rtap_mp"
#define RTAP_MP_TIMEOUT_S	5
/* A burst that began before the primary cleared c.started ends well
 * within this; then the secondary's rings are torn down under it. */
#define RTAP_MP_GRACE_US	10000

enum rtap_mp_op {
	RTAP_MP_OP_GET_FDS = 1,	/* secondary -> primary */
	RTAP_MP_OP_RELEASE,	/* primary -> secondaries */
};

struct rtap_mp_req {
	uint32_t op;
	uint32_t scope;		/* RELEASE: enum rtap_mp_scope */
	uint16_t qid;		/* RELEASE: queue; GET_FDS: first fd index */
	uint32_t seq;		/* RELEASE: p->run_seq when sent */
	char name[RTE_ETH_NAME_MAX_LEN];
};

struct rtap_mp_ans {
	int32_t result;		/* 0 or -errno */
	uint32_t gen;		/* GET_FDS: p->fd_gen of these fds */
	uint16_t nb_fds;	/* GET_FDS: fds the port has in total */
	uint16_t first;		/* GET_FDS: index of fds[0] */
};

_Static_assert(sizeof(struct rtap_mp_req) <= RTE_MP_MAX_PARAM_LEN,
	       "mp request too large");
_Static_assert(sizeof(struct rtap_mp_ans) <= RTE_MP_MAX_PARAM_LEN,
	       "mp answer too large");

/* Serialises fd publication/retraction with the GET_FDS handler (primary)
 * and fd fetching between a secondary's lcores. */
static pthread_mutex_t rtap_mp_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int rtap_mp_users;
static int rtap_mp_registered;

/* ------------------------------------------------------- process state */

struct rtap_proc *
rtap_proc_alloc(const char *name, int primary)
{
	struct rtap_proc *pp;
	unsigned int i;

	pp = rte_zmalloc(name, sizeof(*pp), RTE_CACHE_LINE_SIZE);
	if (pp == NULL)
		return NULL;
	pp->pid = (int32_t)getpid();
	pp->primary = primary;
	pthread_mutex_init(&pp->lock, NULL);
	for (i = 0; i < RTAP_MAX_QUEUES; i++)
		pp->qfd[i] = -1;
	return pp;
}

void
rtap_proc_free(struct rtap_proc *pp)
{
	if (pp != NULL)
		pthread_mutex_destroy(&pp->lock);
	rte_free(pp);
}

void
rtap_proc_publish_fds(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_proc *pp = RTAP_PROC(dev);
	uint16_t i;

	pthread_mutex_lock(&rtap_mp_lock);
	for (i = 0; i < RTAP_MAX_QUEUES; i++)
		pp->qfd[i] = i < p->nb_fds ? p->qfd[i] : -1;
	pp->nb_fds = p->nb_fds;
	/* Never 0: a secondary's gen 0 means "no fds". */
	if (++p->fd_gen == 0)
		p->fd_gen = 1;
	pp->gen = p->fd_gen;
	pthread_mutex_unlock(&rtap_mp_lock);
}

static void
rtap_proc_drop_fds(struct rtap_proc *pp, struct rtap_priv *p)
{
	uint16_t i;

	pthread_mutex_lock(&rtap_mp_lock);
	for (i = 0; i < RTAP_MAX_QUEUES; i++) {
		/* The primary's fds belong to the backend (p->qfd). */
		if (!pp->primary && pp->qfd[i] >= 0)
			close(pp->qfd[i]);
		pp->qfd[i] = -1;
	}
	pp->nb_fds = 0;
	pp->gen = 0;
	if (pp->primary && p != NULL && ++p->fd_gen == 0)
		p->fd_gen = 1;
	pthread_mutex_unlock(&rtap_mp_lock);
}

void
rtap_proc_release(struct rte_eth_dev *dev, enum rtap_mp_scope scope,
		  uint16_t qid)
{
	struct rtap_proc *pp = RTAP_PROC(dev);
	struct rte_eth_dev_data *d = dev->data;
	uint16_t i;

	if (pp == NULL)
		return;
	pthread_mutex_lock(&pp->lock);
	/* Rings exist for the io_uring datapath only; own-datapath
	 * backends (packet) hold just the fds. */
	if (pp->be != NULL && pp->be->rx_burst == NULL) {
		for (i = 0; i < d->nb_rx_queues && d->rx_queues != NULL; i++)
			if ((scope >= RTAP_MP_PORT ||
			     (scope == RTAP_MP_RXQ && i == qid)) &&
			    d->rx_queues[i] != NULL)
				rtap_rxq_detach(d->rx_queues[i], &pp->rxq[i]);
		for (i = 0; i < d->nb_tx_queues && d->tx_queues != NULL; i++)
			if ((scope >= RTAP_MP_PORT ||
			     (scope == RTAP_MP_TXQ && i == qid)) &&
			    d->tx_queues[i] != NULL)
				rtap_txq_detach(d->tx_queues[i], &pp->txq[i]);
	}
	if (scope >= RTAP_MP_PORT)
		rtap_proc_drop_fds(pp, pp->primary ? RTAP_PRIV(dev) : NULL);
	pthread_mutex_unlock(&pp->lock);
}

/* ------------------------------------------------------- mp handler */

static struct rte_eth_dev *
rtap_mp_port(const char *name)
{
	uint16_t port;
	struct rte_eth_dev *dev;

	if (rte_eth_dev_get_port_by_name(name, &port) != 0)
		return NULL;
	dev = &rte_eth_devices[port];
	if (dev->process_private == NULL || !rtap_dev_is_ours(dev))
		return NULL;
	return dev;
}

/* Primary: hand out up to RTE_MP_MAX_FD_NUM queue fds from req->qid. */
static void
rtap_mp_get_fds(struct rte_eth_dev *dev, const struct rtap_mp_req *req,
		struct rte_mp_msg *rep, struct rtap_mp_ans *ans)
{
	struct rtap_proc *pp = RTAP_PROC(dev);
	uint16_t i, n;

	/* Published inside dev_start, before ethdev sets dev_started: a
	 * secondary polling a queue that just started gets them. */
	if (pp->nb_fds == 0) {
		ans->result = -EAGAIN;	/* not started: no fds yet */
		return;
	}
	if (req->qid >= pp->nb_fds) {
		ans->result = -EINVAL;
		return;
	}
	n = RTE_MIN((uint16_t)(pp->nb_fds - req->qid),
		    (uint16_t)RTE_MP_MAX_FD_NUM);
	for (i = 0; i < n; i++)
		rep->fds[i] = pp->qfd[req->qid + i];
	rep->num_fds = n;
	ans->gen = pp->gen;
	ans->nb_fds = pp->nb_fds;
	ans->first = req->qid;
	ans->result = 0;
}

/*
 * Secondary: the primary is closing the port.  Its queue arrays are
 * about to be freed, so this process's bursts for the port become
 * no-ops (the per-process fast-path table, which ethdev only resets at
 * release), and the application learns it through INTR_RMV.
 */
static void
rtap_mp_port_gone(struct rte_eth_dev *dev)
{
	struct rte_eth_fp_ops *fpo = &rte_eth_fp_ops[dev->data->port_id];

	RTAP_PROC(dev)->closed = 1;
	fpo->rx_pkt_burst = rtap_burst_none;
	fpo->tx_pkt_burst = rtap_burst_none;
	dev->rx_pkt_burst = rtap_burst_none;
	dev->tx_pkt_burst = rtap_burst_none;
	RTAP_LOG(NOTICE, "port %u (%s): closed by the primary; bursts return 0, detach the port",
		 dev->data->port_id, dev->data->name);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
}

static int
rtap_mp_action(const struct rte_mp_msg *msg, const void *peer)
{
	const struct rtap_mp_req *req = (const void *)msg->param;
	struct rte_mp_msg rep;
	struct rtap_mp_ans *ans = (void *)rep.param;
	struct rte_eth_dev *dev = NULL;
	char name[RTE_ETH_NAME_MAX_LEN];
	int primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	int ret;

	memset(&rep, 0, sizeof(rep));
	strlcpy(rep.name, RTAP_MP_NAME, sizeof(rep.name));
	rep.len_param = sizeof(*ans);
	ans->result = -EINVAL;
	if (msg->len_param != sizeof(*req))
		goto reply;
	strlcpy(name, req->name, sizeof(name));
	dev = rtap_mp_port(name);
	if (req->op == RTAP_MP_OP_GET_FDS && primary) {
		pthread_mutex_lock(&rtap_mp_lock);
		if (dev == NULL)
			ans->result = -ENODEV;
		else
			rtap_mp_get_fds(dev, req, &rep, ans);
		/* Send under the lock: the fds must not be closed before
		 * sendmsg() duplicated them into the peer. */
		ret = rte_mp_reply(&rep, peer);
		pthread_mutex_unlock(&rtap_mp_lock);
		return ret;
	}
	if (req->op == RTAP_MP_OP_RELEASE && !primary) {
		ans->result = 0;
		if (dev == NULL || RTAP_PROC(dev)->closed)
			goto reply;	/* nothing of it here */
		/*
		 * Answered late (this process was stopped or slow) after the
		 * primary started the queues again: the rings here belong to
		 * the new run (a start is refused while an owner of the old
		 * one is alive), so the request is stale.  Close is final.
		 */
		if (req->scope != RTAP_MP_CLOSE &&
		    req->seq != rtap_load_relaxed(&RTAP_PRIV(dev)->run_seq)) {
			RTAP_LOG(INFO, "port %u: stale release ignored (run %u, now %u)",
				 dev->data->port_id, req->seq,
				 RTAP_PRIV(dev)->run_seq);
			goto reply;
		}
		/* Even when idle: a burst may be making a ring right now
		 * (rtap_proc_release waits for it under pp->lock). */
		usleep(RTAP_MP_GRACE_US);
		rtap_proc_release(dev, (enum rtap_mp_scope)req->scope,
				  req->qid);
		if (req->scope == RTAP_MP_CLOSE)
			rtap_mp_port_gone(dev);
	}
reply:
	return rte_mp_reply(&rep, peer);
}

int
rtap_mp_init(void)
{
	if (rtap_mp_users++ > 0)
		return 0;
	if (rte_mp_action_register(RTAP_MP_NAME, rtap_mp_action) == 0) {
		rtap_mp_registered = 1;
		return 0;
	}
	if (rte_errno == EEXIST)
		return 0;
	if (rte_errno == ENOTSUP &&
	    rte_eal_process_type() == RTE_PROC_PRIMARY) {
		/* --in-memory / --no-shconf: no secondary can exist. */
		return 0;
	}
	rtap_mp_users--;
	RTAP_LOG(ERR, "cannot register mp action %s: %s", RTAP_MP_NAME,
		 rte_strerror(rte_errno));
	return -rte_errno;
}

void
rtap_mp_uninit(void)
{
	if (rtap_mp_users == 0 || --rtap_mp_users > 0)
		return;
	if (rtap_mp_registered)
		rte_mp_action_unregister(RTAP_MP_NAME);
	rtap_mp_registered = 0;
}

/* ------------------------------------------------------- requests */

static void
rtap_mp_req_init(struct rte_mp_msg *msg, struct rte_eth_dev *dev,
		 enum rtap_mp_op op, uint32_t scope, uint16_t qid)
{
	struct rtap_mp_req *req;

	memset(msg, 0, sizeof(*msg));
	req = (void *)msg->param;
	strlcpy(msg->name, RTAP_MP_NAME, sizeof(msg->name));
	msg->len_param = sizeof(*req);
	req->op = op;
	req->scope = scope;
	req->qid = qid;
	strlcpy(req->name, dev->data->name, sizeof(req->name));
}

static void
rtap_close_fds_upto(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* One page of fds from the primary; returns how many, or -errno. */
static int
rtap_mp_get_page(struct rte_eth_dev *dev, uint16_t first, int *fds,
		 uint32_t *gen, uint16_t *nb_fds)
{
	struct timespec ts = { .tv_sec = RTAP_MP_TIMEOUT_S };
	struct rte_mp_msg msg;
	struct rte_mp_reply reply = { 0 };
	const struct rte_mp_msg *r;
	const struct rtap_mp_ans *ans;
	int ret, i;

	rtap_mp_req_init(&msg, dev, RTAP_MP_OP_GET_FDS, 0, first);
	ret = rte_mp_request_sync(&msg, &reply, &ts);
	if (ret < 0 || reply.nb_received != 1) {
		ret = ret < 0 ? -rte_errno : -ETIMEDOUT;
		RTAP_LOG(ERR, "port %u (%s): no answer from the primary for the queue fds: %s",
			 dev->data->port_id, dev->data->name, strerror(-ret));
		free(reply.msgs);
		return ret;
	}
	r = &reply.msgs[0];
	ans = (const void *)r->param;
	if (r->len_param != sizeof(*ans) || ans->result < 0) {
		ret = r->len_param != sizeof(*ans) ? -EPROTO : ans->result;
		rtap_close_fds_upto((int *)(uintptr_t)r->fds, r->num_fds);
		free(reply.msgs);
		return ret;
	}
	/* Validate what the peer claims before using it. */
	if (ans->first != first || ans->nb_fds > RTAP_MAX_QUEUES ||
	    r->num_fds <= 0 ||
	    r->num_fds != RTE_MIN(ans->nb_fds - first, RTE_MP_MAX_FD_NUM)) {
		RTAP_LOG(ERR, "port %u: malformed fd answer (first %u/%u, %d fds of %u)",
			 dev->data->port_id, ans->first, first, r->num_fds,
			 ans->nb_fds);
		rtap_close_fds_upto((int *)(uintptr_t)r->fds, r->num_fds);
		free(reply.msgs);
		return -EPROTO;
	}
	for (i = 0; i < r->num_fds; i++)
		fds[i] = r->fds[i];
	*gen = ans->gen;
	*nb_fds = ans->nb_fds;
	ret = r->num_fds;
	free(reply.msgs);
	return ret;
}

int
rtap_mp_sync_fds(struct rte_eth_dev *dev)
{
	struct rtap_proc *pp = RTAP_PROC(dev);
	struct rtap_priv *p = RTAP_PRIV(dev);
	int fds[RTAP_MAX_QUEUES];
	uint32_t gen = 0, g = 0;
	uint16_t nb = 0, n = 0, first;
	int ret = 0, tries;

	if (pp->nb_fds > 0 && pp->gen == rtap_load_relaxed(&p->fd_gen))
		return 0;	/* another lcore of ours just did it */
	/*
	 * No lock while asking: the answer is delivered by this process's
	 * mp thread, which may be waiting for our locks in a release.
	 */
	for (tries = 0; tries < 3; tries++) {
		first = 0;
		do {
			ret = rtap_mp_get_page(dev, first, &fds[first], &g, &n);
			if (ret < 0)
				break;
			if (first == 0) {
				gen = g;
				nb = n;
			} else if (g != gen || n != nb) {
				ret = -EAGAIN;	/* restarted meanwhile */
				break;
			}
			first = (uint16_t)(first + ret);
		} while (first < nb);
		if (ret >= 0)
			break;
		rtap_close_fds_upto(fds, first);
		if (ret != -EAGAIN)
			break;
		if (tries == 0 && !dev->data->dev_started)
			break;
	}
	if (ret < 0) {
		if (ret == -EAGAIN)
			RTAP_LOG(ERR, "port %u (%s): the primary has not started the port: no queue fds yet",
				 dev->data->port_id, dev->data->name);
		return ret;
	}
	/* Same order as rtap_proc_release: attach reads qfd[] under
	 * pp->lock, the GET_FDS side under rtap_mp_lock. */
	pthread_mutex_lock(&pp->lock);
	pthread_mutex_lock(&rtap_mp_lock);
	ret = 0;
	if (pp->nb_fds > 0 && pp->gen == gen) {
		/* Another lcore of ours installed the same ones. */
		rtap_close_fds_upto(fds, nb);
		goto out;
	}
	/* Fds of an older generation go; their rings were released. */
	for (first = 0; first < RTAP_MAX_QUEUES; first++) {
		if (pp->qfd[first] >= 0)
			close(pp->qfd[first]);
		pp->qfd[first] = first < nb ? fds[first] : -1;
	}
	pp->nb_fds = nb;
	pp->gen = gen;
	RTAP_LOG(INFO, "port %u (%s): %u queue fds from the primary (gen %u)",
		 dev->data->port_id, dev->data->name, nb, gen);
out:
	pthread_mutex_unlock(&rtap_mp_lock);
	pthread_mutex_unlock(&pp->lock);
	return ret;
}

void
rtap_mp_release(struct rte_eth_dev *dev, enum rtap_mp_scope scope,
		uint16_t qid)
{
	struct timespec ts = { .tv_sec = RTAP_MP_TIMEOUT_S };
	struct rte_mp_msg msg;
	struct rte_mp_reply reply = { 0 };
	int ret, i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || !rtap_mp_registered)
		return;
	rtap_mp_req_init(&msg, dev, RTAP_MP_OP_RELEASE, scope, qid);
	((struct rtap_mp_req *)msg.param)->seq =
		rtap_load_relaxed(&RTAP_PRIV(dev)->run_seq);
	ret = rte_mp_request_sync(&msg, &reply, &ts);
	if (ret < 0) {
		RTAP_LOG(ERR, "port %u: not every secondary process answered the release (%s); queues they poll keep their mbufs",
			 dev->data->port_id, rte_strerror(rte_errno));
	} else if (reply.nb_received < reply.nb_sent) {
		RTAP_LOG(ERR, "port %u: %d of %d secondary processes did not answer; queues they polled keep their mbufs",
			 dev->data->port_id, reply.nb_sent - reply.nb_received,
			 reply.nb_sent);
	}
	for (i = 0; i < reply.nb_received; i++) {
		const struct rtap_mp_ans *ans =
			(const void *)reply.msgs[i].param;

		if (reply.msgs[i].len_param == sizeof(*ans) &&
		    ans->result < 0)
			RTAP_LOG(ERR, "port %u: a secondary failed to release its queues: %s",
				 dev->data->port_id, strerror(-ans->result));
	}
	free(reply.msgs);
}
