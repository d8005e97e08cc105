/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap: probe/remove, devargs, dev_ops and the control path glue
 * (LSC over the rtnetlink monitor, Rx interrupts, stats).
 */

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/rtnetlink.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <rte_kvargs.h>

#include "rtap.h"
#include "rtap_mp.h"
#include "rtap_netlink.h"
#include "rtap_xstats.h"
#include "rte_pmd_rtap.h"

RTE_LOG_REGISTER(rtap_logtype, pmd.net.rtap, NOTICE);

#define RTAP_RX_CAPA (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
		      RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
		      RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
		      RTE_ETH_RX_OFFLOAD_TCP_LRO | \
		      RTE_ETH_RX_OFFLOAD_SCATTER)
#define RTAP_TX_CAPA (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
		      RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
		      RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		      RTE_ETH_TX_OFFLOAD_TCP_TSO | \
		      RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define RTAP_DEFAULT_DESC 512
#define RTAP_MAX_DESC 4096
#define RTAP_MIN_DESC 8
#define RTAP_RX_MAX_POSTED 64

static const struct eth_dev_ops rtap_ops;
static const struct eth_dev_ops rtap_sec_ops;
static int rtap_rxq_layout(struct rte_eth_dev *dev, struct rtap_rxq *q);
static uint32_t rtap_rx_capacity(struct rte_eth_dev *dev);
static unsigned int rtap_fixed_mac_idx;

/* ------------------------------------------------------------ helpers */

/* Read-only information, valid in any process. */
static struct rtap_priv *
rtap_port_priv_any(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	return rtap_dev_is_ours(dev) ? RTAP_PRIV(dev) : NULL;
}

static struct rtap_priv *
rtap_port_priv(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &rtap_ops)
		return NULL;	/* control path: primary only */
	return RTAP_PRIV(dev);
}

int
rtap_dev_is_ours(const struct rte_eth_dev *dev)
{
	return dev->dev_ops == &rtap_ops || dev->dev_ops == &rtap_sec_ops;
}

/* The port created its interface (TAP) rather than attaching to one. */
static int
rtap_creates_if(const struct rtap_priv *p)
{
	return p->be != NULL && (p->be->flags & RTAP_BE_F_CREATES_IF);
}

static uint32_t
rtap_frame_len(uint32_t mtu)
{
	return mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
}

static void
rtap_link_from_nl(struct rtap_priv *p, const struct rtap_nl_link *l,
		  struct rte_eth_link *link)
{
	memset(link, 0, sizeof(*link));
	link->link_status = !p->gone && rtap_nl_link_is_up(l) ?
		RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	link->link_speed = link->link_status ? p->link_speed :
		RTE_ETH_SPEED_NUM_NONE;
	link->link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link->link_autoneg = RTE_ETH_LINK_FIXED;
}

static int
rtap_gone_err(struct rtap_priv *p, int ret, const char *what)
{
	if (ret == -ENODEV)
		p->gone = 1;
	RTAP_LOG(ERR, "%s: %s: %s", p->ifname, what, strerror(-ret));
	return ret;
}

/* One clear line for what an own-datapath backend cannot do. */
static int
rtap_own_notsup(struct rte_eth_dev *dev, const char *what)
{
	struct rtap_priv *p = RTAP_PRIV(dev);

	RTAP_LOG(ERR, "port %u: %s not supported by backend=%s (start/stop the whole port)",
		 p->port_id, what, p->be->name);
	return -ENOTSUP;
}

/* ------------------------------------------------------------ LSC */

/*
 * The kernel's MTU now.  Link events queue up behind our own changes, so
 * an old one (1500) handled after a newer rte_eth_dev_set_mtu (9000) must
 * not undo it: the event only says "look again".
 */
static uint32_t
rtap_kernel_mtu(struct rtap_priv *p, uint32_t fallback)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->ifname);
	if (p->ioctl_sock < 0 || ioctl(p->ioctl_sock, SIOCGIFMTU, &ifr) < 0 ||
	    ifr.ifr_mtu <= 0)
		return fallback;
	return (uint32_t)ifr.ifr_mtu;
}

static void
rtap_nl_event(const struct rtap_nl_link *l, void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rte_eth_link link, old;
	uint32_t mtu;

	if (l->ifindex != p->ifindex)
		return;
	if (l->type == RTM_DELLINK) {
		/* Deleted, or moved to another netns (same message). */
		if (!p->gone)
			RTAP_LOG(ERR, "%s (ifindex %d) left this namespace; port %u link down",
				 p->ifname, p->ifindex, p->port_id);
		p->gone = 1;
		memset(&link, 0, sizeof(link));
		link.link_status = RTE_ETH_LINK_DOWN;
	} else {
		if (l->ifname[0] != '\0')
			snprintf(p->ifname, sizeof(p->ifname), "%s", l->ifname);
		mtu = l->mtu != 0 ? rtap_kernel_mtu(p, l->mtu) : 0;
		if (mtu != 0 && mtu != dev->data->mtu) {
			RTAP_LOG(INFO, "%s: kernel MTU %u -> port %u", p->ifname,
				 mtu, p->port_id);
			dev->data->mtu = (uint16_t)mtu;
		}
		if (l->has_mac && dev->data->mac_addrs != NULL)
			rte_ether_addr_copy(&l->mac, &dev->data->mac_addrs[0]);
		rtap_link_from_nl(p, l, &link);
	}
	old = dev->data->dev_link;
	if (rte_eth_linkstatus_set(dev, &link) == 0 &&
	    old.link_status == link.link_status)
		return;
	if (old.link_status == link.link_status)
		return;
	p->lsc_events++;
	if (dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static void
rtap_lsc_handler(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_nl_link l;

	if (rtap_nl_monitor_read(p->mon, rtap_nl_event, dev) == -ENOBUFS) {
		/* Events lost: re-read the state. */
		if (rtap_nl_get_link(&p->nl, p->ifindex, &l) == 0) {
			l.type = RTM_NEWLINK;
			rtap_nl_event(&l, dev);
		}
	}
}

static int
rtap_lsc_start(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret;

	p->mon = rtap_nl_monitor_open();
	if (p->mon == NULL) {
		RTAP_LOG(ERR, "netlink monitor socket: %s", strerror(errno));
		return -errno;
	}
	p->lsc_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (p->lsc_intr == NULL)
		goto fail;
	if (rte_intr_type_set(p->lsc_intr, RTE_INTR_HANDLE_EXT) ||
	    rte_intr_fd_set(p->lsc_intr, rtap_nl_monitor_fd(p->mon)))
		goto fail;
	ret = rte_intr_callback_register(p->lsc_intr, rtap_lsc_handler, dev);
	if (ret < 0) {
		RTAP_LOG(ERR, "cannot register netlink monitor: %s",
			 strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	rte_intr_instance_free(p->lsc_intr);
	p->lsc_intr = NULL;
	rtap_nl_monitor_close(p->mon);
	p->mon = NULL;
	return -ENOMEM;
}

static void
rtap_lsc_stop(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret, tries = 0;

	if (p->lsc_intr != NULL) {
		do {
			ret = rte_intr_callback_unregister(p->lsc_intr,
							   rtap_lsc_handler,
							   dev);
			if (ret == -EAGAIN)
				usleep(1000);
		} while (ret == -EAGAIN && ++tries < 5000);
		rte_intr_instance_free(p->lsc_intr);
		p->lsc_intr = NULL;
	}
	rtap_nl_monitor_close(p->mon);
	p->mon = NULL;
}

/* ------------------------------------------------------------ Rx intr */

static void
rtap_rx_intr_uninstall(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);

	if (p->rx_intr == NULL)
		return;
	rte_intr_free_epoll_fd(p->rx_intr);
	rte_intr_vec_list_free(p->rx_intr);
	rte_intr_nb_efd_set(p->rx_intr, 0);
}

static int
rtap_rx_intr_install(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint16_t i, n = dev->data->nb_rx_queues;

	if (!dev->data->dev_conf.intr_conf.rxq)
		return 0;
	if (n > RTE_MAX_RXTX_INTR_VEC_ID) {
		RTAP_LOG(ERR, "Rx interrupts support at most %d queues",
			 RTE_MAX_RXTX_INTR_VEC_ID);
		return -EINVAL;
	}
	if (rte_intr_vec_list_alloc(p->rx_intr, NULL, n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct rtap_rxq *q = dev->data->rx_queues[i];

		if (rte_intr_vec_list_index_set(p->rx_intr, i,
						RTE_INTR_VEC_RXTX_OFFSET + i) ||
		    rte_intr_efds_index_set(p->rx_intr, i, q->efd))
			return -rte_errno;
	}
	if (rte_intr_nb_efd_set(p->rx_intr, n) ||
	    rte_intr_max_intr_set(p->rx_intr, n + 1))
		return -rte_errno;
	return 0;
}

/*
 * Rx interrupts.  TAP: an eventfd per queue that the io_uring ring
 * signals on completions, only while the application sleeps: polling
 * keeps it off (IORING_CQ_EVENTFD_DISABLED, a flag in the shared CQ
 * ring, no system call), so completions reaped by busy bursts neither
 * cost an eventfd signal each nor leave a count that would wake the
 * next sleep at once.  RTAP_BE_F_RX_SOCK_INTR backends (packet): the
 * queue's socket is the interrupt fd.  The EAL registers it EPOLLET and
 * every frame queued wakes the socket (sk_data_ready), so enable and
 * disable have nothing to arm: an application sleeps after an empty
 * rx_burst, and any frame after that is a new edge.  Its counter size is
 * 0 (probe) so the EAL never read()s the socket, which would eat a frame.
 */
static int
rtap_rx_intr_drain(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int
rtap_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_rxq *q = dev->data->rx_queues[qid];
	const struct rtap_backend_ops *be = RTAP_PRIV(dev)->be;
	struct rtap_qproc *r;
	uint64_t one = 1;

	if (be->flags & RTAP_BE_F_RX_SOCK_INTR)
		return q != NULL && q->efd >= 0 ? 0 : -EINVAL;
	if (be->rx_burst != NULL)
		return rtap_own_notsup(dev, "Rx interrupts");

	if (q == NULL || q->efd < 0)
		return -EINVAL;
	r = &RTAP_PROC(dev)->rxq[qid];
	/* Called on the polling thread: make the ring if no burst did. */
	if (!r->ring_ok && rtap_rxq_attach(q, r) < 0)
		return -EIO;
	rtap_rx_intr_drain(q->efd);
	io_uring_cq_eventfd_toggle(&r->ring, true);
	if (rtap_rxq_intr_arm(q, r) < 0)
		return -EIO;
	/* Frames that completed before the app armed epoll. */
	if (io_uring_cq_ready(&r->ring) > 0 &&
	    write(q->efd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static int
rtap_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_rxq *q = dev->data->rx_queues[qid];
	const struct rtap_backend_ops *be = RTAP_PRIV(dev)->be;
	struct rtap_qproc *r;

	if (be->flags & RTAP_BE_F_RX_SOCK_INTR)
		return q != NULL && q->efd >= 0 ? 0 : -EINVAL;
	if (be->rx_burst != NULL)
		return rtap_own_notsup(dev, "Rx interrupts");

	if (q == NULL || q->efd < 0)
		return -EINVAL;
	r = &RTAP_PROC(dev)->rxq[qid];
	if (r->ring_ok)
		io_uring_cq_eventfd_toggle(&r->ring, false);
	/* The EAL does not read EXT/VDEV counters for us: drain it. */
	return rtap_rx_intr_drain(q->efd);
}

/* ------------------------------------------------------------ dev ops */

static int
rtap_dev_configure(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint64_t rx = conf->rxmode.offloads, tx = conf->txmode.offloads;

	if (dev->data->nb_rx_queues > RTAP_MAX_QUEUES ||
	    dev->data->nb_tx_queues > RTAP_MAX_QUEUES) {
		RTAP_LOG(ERR, "port %u: at most %d Rx and %d Tx queues",
			 p->port_id, RTAP_MAX_QUEUES, RTAP_MAX_QUEUES);
		return -EINVAL;
	}
	if (rx & ~RTAP_RX_CAPA) {
		RTAP_LOG(ERR, "port %u: unsupported Rx offloads 0x%" PRIx64,
			 p->port_id, rx & ~RTAP_RX_CAPA);
		return -ENOTSUP;
	}
	if ((tx & RTE_ETH_TX_OFFLOAD_UDP_TSO) && !p->uso_supported) {
		RTAP_LOG(ERR, "port %u: UDP TSO needs kernel >= 6.2 (TUN_F_USO4)",
			 p->port_id);
		return -ENOTSUP;
	}
	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS)
		return -ENOTSUP;
	/* The kernel spreads frames over the queues itself (tun flow
	 * hash); RSS hash configuration cannot be honoured. */
	dev->data->lro = !!(rx & RTE_ETH_RX_OFFLOAD_TCP_LRO);
	/*
	 * ethdev took the MTU from rxmode.mtu, substituting RTE_ETHER_MTU
	 * for 0, so "the app did not ask" and "the app asked for 1500" look
	 * the same here.  A created TAP is programmed like a NIC.  An
	 * attached interface belongs to the kernel: a default 1500 keeps
	 * the kernel's MTU (rte_eth_dev_set_mtu(1500) still forces it);
	 * any other value is an explicit request and is pushed.
	 */
	if (!p->gone) {
		struct rtap_nl_link l;
		int ret = rtap_nl_get_link(&p->nl, p->ifindex, &l);

		if (ret == 0 && l.mtu != dev->data->mtu &&
		    !rtap_creates_if(p) && dev->data->mtu == RTE_ETHER_MTU) {
			RTAP_LOG(INFO, "port %u: keeping %s's MTU %u (rxmode.mtu default)",
				 p->port_id, p->ifname, l.mtu);
			dev->data->mtu = (uint16_t)l.mtu;
			conf->rxmode.mtu = l.mtu;
		} else if (ret == 0 && l.mtu != dev->data->mtu) {
			ret = rtap_nl_set_mtu(&p->nl, p->ifindex,
					      dev->data->mtu);
		}
		if (ret < 0)
			return rtap_gone_err(p, ret, "configure MTU");
	}
	return 0;
}

static int
rtap_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct rtap_priv *p = RTAP_PRIV(dev);

	info->if_index = p->ifindex > 0 ? (uint32_t)p->ifindex : 0;
	info->max_mac_addrs = 1;
	info->max_rx_queues = RTAP_MAX_QUEUES;
	info->max_tx_queues = RTAP_MAX_QUEUES;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->max_rx_pktlen = RTAP_MAX_GSO_FRAME;
	info->max_lro_pkt_size = RTAP_MAX_GSO_FRAME;
	info->min_mtu = RTAP_MIN_MTU;
	info->max_mtu = RTAP_MAX_MTU;
	info->rx_offload_capa = RTAP_RX_CAPA;
	info->tx_offload_capa = RTAP_TX_CAPA;
	info->rx_queue_offload_capa = 0;
	info->tx_queue_offload_capa = 0;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	info->rx_desc_lim.nb_max = RTAP_MAX_DESC;
	info->rx_desc_lim.nb_min = RTAP_MIN_DESC;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = RTAP_DEFAULT_DESC;
	info->default_txportconf.ring_size = RTAP_DEFAULT_DESC;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->dev_capa = 0;
	/* p->be is the primary's address; each process has its own. */
	if (RTAP_PROC(dev)->be->dev_info != NULL)
		RTAP_PROC(dev)->be->dev_info(p, info);
	return 0;
}

/*
 * Queue fds are opened by interface name (TUNSETIFF) or bound to sockets:
 * both resolve in the calling thread's netns, which need not be the one
 * the port was probed in.  Enter the port's netns for the duration.
 */
static int
rtap_netns_enter(struct rtap_priv *p, int *saved)
{
	struct stat a, b;

	*saved = -1;
	if (p->netns_fd < 0 || fstat(p->netns_fd, &a) != 0 ||
	    stat("/proc/thread-self/ns/net", &b) != 0 ||
	    (a.st_ino == b.st_ino && a.st_dev == b.st_dev))
		return 0;
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || setns(p->netns_fd, CLONE_NEWNET) != 0) {
		int err = -errno;

		RTAP_LOG(ERR, "%s: cannot enter the port's netns: %s",
			 p->ifname, strerror(-err));
		if (*saved >= 0)
			close(*saved);
		*saved = -1;
		return err;
	}
	return 0;
}

static void
rtap_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) != 0)
		RTAP_LOG(ERR, "cannot return to the caller's netns: %s",
			 strerror(errno));
	close(saved);
}

static void
rtap_close_fds(struct rtap_priv *p)
{
	uint16_t i;

	for (i = 0; i < p->nb_fds; i++) {
		if (p->qfd[i] >= 0)
			p->be->close_queue(p, i, p->qfd[i]);
		p->qfd[i] = -1;
	}
	p->nb_fds = 0;
}

static void
rtap_queues_stop(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_queue_common *c = dev->data->rx_queues[i];

		if (c != NULL)
			rtap_store_relaxed(&c->started, 0);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_queue_common *c = dev->data->tx_queues[i];

		if (c != NULL)
			rtap_store_relaxed(&c->started, 0);
	}
	/*
	 * Every process lets go of its rings (cancelling the reads posted
	 * into the shared slots) and fds before the mbufs go back to the
	 * pool and the fds are closed.
	 */
	rtap_mp_release(dev, RTAP_MP_PORT, 0);
	rtap_proc_release(dev, RTAP_MP_PORT, 0);
	if (p->be->rx_burst != NULL) {
		if (p->be->queues_stop != NULL)
			p->be->queues_stop(dev);
		return;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		rtap_rxq_stop(q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		rtap_txq_stop(q);
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	rtap_close_fds(p);
}

/*
 * Before a new run starts anything: no live process may still own a
 * queue of the last one (a secondary that did not answer the release),
 * and a release it answers late must not hit the new run's rings.
 */
static int
rtap_run_begin(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint16_t i;
	int ret = 0;

	for (i = 0; ret == 0 && i < dev->data->nb_rx_queues; i++)
		if (dev->data->rx_queues[i] != NULL)
			ret = rtap_queue_start_check(dev->data->rx_queues[i],
						     "Rx");
	for (i = 0; ret == 0 && i < dev->data->nb_tx_queues; i++)
		if (dev->data->tx_queues[i] != NULL)
			ret = rtap_queue_start_check(dev->data->tx_queues[i],
						     "Tx");
	if (ret == 0)
		rtap_add_relaxed(&p->run_seq, 1);
	return ret;
}

static int
rtap_queues_start(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint16_t i, nb_fds;
	int ret = 0, saved_ns;

	ret = rtap_run_begin(dev);
	if (ret < 0)
		return ret;
	if (p->be->rx_burst != NULL) {
		ret = p->be->queues_start != NULL ?
		      p->be->queues_start(dev) : 0;
		if (ret == 0)
			rtap_proc_publish_fds(dev);
		return ret;
	}
	nb_fds = RTE_MAX(dev->data->nb_rx_queues, 1);
	ret = rtap_netns_enter(p, &saved_ns);
	if (ret < 0)
		return ret;
	for (i = 0; i < nb_fds; i++) {
		ret = p->be->open_queue(p, i, &p->qfd[i]);
		if (ret < 0)
			break;
		p->nb_fds = i + 1;
	}
	rtap_netns_leave(saved_ns);
	if (ret < 0)
		goto fail;
	rtap_proc_publish_fds(dev);
	if (p->be->set_offload != NULL) {
		ret = p->be->set_offload(p, dev->data->dev_conf.rxmode.offloads);
		if (ret < 0)
			goto fail;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_rxq *q = dev->data->rx_queues[i];

		if (q == NULL) {
			RTAP_LOG(ERR, "port %u: Rx queue %u not set up",
				 p->port_id, i);
			ret = -EINVAL;
			goto fail;
		}
		q->fd = p->qfd[i];
		/* Owner check before the slot arrays may be reshaped. */
		ret = rtap_queue_start_check(&q->c, "Rx");
		if (ret == 0)
			ret = rtap_rxq_layout(dev, q);
		if (ret == 0)
			ret = rtap_rxq_start(q,
					     dev->data->dev_conf.intr_conf.rxq);
		if (ret < 0)
			goto fail;
		q->c.started = 1;
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_txq *q = dev->data->tx_queues[i];

		if (q == NULL) {
			RTAP_LOG(ERR, "port %u: Tx queue %u not set up",
				 p->port_id, i);
			ret = -EINVAL;
			goto fail;
		}
		q->fd = p->qfd[i % nb_fds];
		ret = rtap_txq_start(q);
		if (ret < 0)
			goto fail;
		q->c.started = 1;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
fail:
	rtap_queues_stop(dev);
	return ret;
}

static int
rtap_dev_start(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_nl_link l;
	int ret;

	if (p->gone) {
		RTAP_LOG(ERR, "port %u: interface %s is gone", p->port_id,
			 p->ifname);
		return -ENODEV;
	}
	ret = rtap_queues_start(dev);
	if (ret < 0)
		return ret;
	ret = rtap_rx_intr_install(dev);
	if (ret < 0) {
		RTAP_LOG(ERR, "port %u: Rx interrupts: %s", p->port_id,
			 strerror(-ret));
		rtap_rx_intr_uninstall(dev);
		rtap_queues_stop(dev);
		return ret;
	}
	/* An attached interface keeps the admin state the kernel gave it
	 * (probe required it up; the app may still use set_link_up/down). */
	if (rtap_creates_if(p)) {
		ret = rtap_nl_set_flags(&p->nl, p->ifindex, IFF_UP, IFF_UP);
		if (ret < 0) {
			rtap_gone_err(p, ret, "set link up");
			rtap_rx_intr_uninstall(dev);
			rtap_queues_stop(dev);
			return ret;
		}
		if (p->be->set_carrier != NULL)
			(void)p->be->set_carrier(p, 1);
	}
	p->started = 1;
	/* Own datapath Rx buffers are sized at queue setup, not here. */
	if (p->be->rx_burst != NULL &&
	    rtap_frame_len(dev->data->mtu) > rtap_rx_capacity(dev))
		RTAP_LOG(WARNING, "port %u: MTU %u frames exceed the Rx buffers (%u bytes): they will be dropped and counted in rx_bad_length_errors; set up the Rx queues again",
			 p->port_id, dev->data->mtu, rtap_rx_capacity(dev));
	if (rtap_nl_get_link(&p->nl, p->ifindex, &l) == 0) {
		struct rte_eth_link link;

		rtap_link_from_nl(p, &l, &link);
		rte_eth_linkstatus_set(dev, &link);
	}
	return 0;
}

static int
rtap_dev_stop(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rte_eth_link link = { .link_status = RTE_ETH_LINK_DOWN };

	dev->data->dev_started = 0;
	p->started = 0;
	rtap_rx_intr_uninstall(dev);
	/*
	 * A stopped port looks like a NIC without link: carrier off keeps
	 * the kernel's addresses, routes and permanent neighbours (admin
	 * down would flush them); admin down only where the backend has no
	 * carrier control.  Only for interfaces the port created: an
	 * attached one (packet, xdp) belongs to the kernel and its other
	 * users, so stop and close leave its admin state and carrier alone.
	 */
	if (!p->gone && rtap_creates_if(p)) {
		int ret = p->be->set_carrier != NULL ?
			  p->be->set_carrier(p, 0) : -ENOTSUP;

		if (ret < 0) {
			RTAP_LOG(INFO, "%s: carrier off: %s; setting link down",
				 p->ifname, strerror(-ret));
			(void)rtap_nl_set_flags(&p->nl, p->ifindex, 0, IFF_UP);
		}
	}
	rtap_queues_stop(dev);
	rte_eth_linkstatus_set(dev, &link);
	return 0;
}

static int
rtap_set_link_up(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret = rtap_nl_set_flags(&p->nl, p->ifindex, IFF_UP, IFF_UP);

	return ret < 0 ? rtap_gone_err(p, ret, "set link up") : 0;
}

static int
rtap_set_link_down(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret = rtap_nl_set_flags(&p->nl, p->ifindex, 0, IFF_UP);

	return ret < 0 ? rtap_gone_err(p, ret, "set link down") : 0;
}

static int
rtap_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rte_eth_link link = { .link_status = RTE_ETH_LINK_DOWN };
	struct rtap_nl_link l;
	int ret;

	if (!p->gone) {
		ret = rtap_nl_get_link(&p->nl, p->ifindex, &l);
		if (ret == -ENODEV)
			p->gone = 1;
		else if (ret == 0)
			rtap_link_from_nl(p, &l, &link);
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static int
rtap_flag(struct rte_eth_dev *dev, unsigned int flag, int on,
	  const char *what)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret = rtap_nl_set_flags(&p->nl, p->ifindex, on ? flag : 0, flag);

	return ret < 0 ? rtap_gone_err(p, ret, what) : 0;
}

static int
rtap_promisc_enable(struct rte_eth_dev *dev)
{
	return rtap_flag(dev, IFF_PROMISC, 1, "promiscuous on");
}

static int
rtap_promisc_disable(struct rte_eth_dev *dev)
{
	return rtap_flag(dev, IFF_PROMISC, 0, "promiscuous off");
}

static int
rtap_allmulti_enable(struct rte_eth_dev *dev)
{
	return rtap_flag(dev, IFF_ALLMULTI, 1, "allmulticast on");
}

static int
rtap_allmulti_disable(struct rte_eth_dev *dev)
{
	return rtap_flag(dev, IFF_ALLMULTI, 0, "allmulticast off");
}

/*
 * Largest frame the Rx buffers of the started queues can take: the posted
 * reads (io_uring datapath), or what an own-datapath backend sized its
 * queue for (packet: recvmmsg iovecs fixed at queue setup; xdp: UMEM frame
 * or its multi-buffer fragments, set at start).  Both backends keep it in
 * their struct rtap_rxq base.
 */
static uint32_t
rtap_rx_capacity(struct rte_eth_dev *dev)
{
	uint32_t cap = UINT32_MAX;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_rxq *q = dev->data->rx_queues[i];

		if (q == NULL || q->maxseg == 0 || !q->c.started)
			continue;
		cap = RTE_MIN(cap, (uint32_t)q->maxseg * q->seg_room);
	}
	return cap;
}

static int
rtap_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	int ret;

	if (dev->data->dev_started &&
	    rtap_frame_len(mtu) > rtap_rx_capacity(dev)) {
		RTAP_LOG(ERR, "port %u: MTU %u does not fit the Rx buffers (%u bytes); %s",
			 p->port_id, mtu, rtap_rx_capacity(dev),
			 p->be->rx_burst == NULL ? "stop the port first" :
			 "stop the port and set up the Rx queues again (scatter or larger mbufs)");
		return -EBUSY;
	}
	ret = rtap_nl_set_mtu(&p->nl, p->ifindex, mtu);
	if (ret < 0)
		return rtap_gone_err(p, ret, "set MTU");
	dev->data->mtu = mtu;
	return 0;
}

static int
rtap_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_nl_link l;
	int ret;

	/*
	 * rte_eth_dev_start() replays the default MAC through this hook on
	 * every start.  The kernel raises NETDEV_CHANGEADDR even for the
	 * address it already has, and ARP/NDISC answer that by flushing the
	 * interface's neighbours, permanent ones included (neigh_changeaddr):
	 * after a port stop/start the kernel could no longer reach anything
	 * and sent only ARP requests.  Skip a set that changes nothing.
	 */
	ret = rtap_nl_get_link(&p->nl, p->ifindex, &l);
	if (ret == 0 && l.has_mac && rte_is_same_ether_addr(&l.mac, mac))
		ret = 0;
	else
		ret = rtap_nl_set_mac(&p->nl, p->ifindex, mac);
	if (ret < 0)
		return rtap_gone_err(p, ret, "set MAC");
	rte_ether_addr_copy(mac, &p->mac);
	rte_ether_addr_copy(mac, &dev->data->mac_addrs[0]);
	return 0;
}

static int
rtap_stats_get(RTAP_STATS_GET_ARGS)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint64_t missed;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_queue_common *c = dev->data->rx_queues[i];

		if (c == NULL)
			continue;
		st->ipackets += c->pkts;
		st->ibytes += c->bytes;
		st->ierrors += c->errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			uint64_t *v;

			v = RTAP_QSTAT(q_ipackets, i);
			if (v != NULL)
				*v = c->pkts;
			v = RTAP_QSTAT(q_ibytes, i);
			if (v != NULL)
				*v = c->bytes;
			v = RTAP_QSTAT(q_errors, i);
			if (v != NULL)
				*v = c->errors;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_queue_common *c = dev->data->tx_queues[i];

		if (c == NULL)
			continue;
		st->opackets += c->pkts;
		st->obytes += c->bytes;
		st->oerrors += c->errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			uint64_t *v;

			v = RTAP_QSTAT(q_opackets, i);
			if (v != NULL)
				*v = c->pkts;
			v = RTAP_QSTAT(q_obytes, i);
			if (v != NULL)
				*v = c->bytes;
		}
	}
	st->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	/* imissed asks the kernel over the primary's sockets. */
	if (!p->gone && RTAP_PROC(dev)->primary &&
	    p->be->get_missed != NULL &&
	    p->be->get_missed(p, &missed) == 0)
		st->imissed = missed - p->imissed_base;
	return 0;
}

static int
rtap_stats_reset(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint64_t missed;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_queue_common *c = dev->data->rx_queues[i];

		if (c != NULL)
			c->pkts = c->bytes = c->errors = c->dropped = 0;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_queue_common *c = dev->data->tx_queues[i];

		if (c != NULL)
			c->pkts = c->bytes = c->errors = c->dropped = 0;
	}
	dev->data->rx_mbuf_alloc_failed = 0;
	if (!p->gone && p->be->get_missed != NULL &&
	    p->be->get_missed(p, &missed) == 0)
		p->imissed_base = missed;
	return 0;
}

static void
rtap_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_rxq *q = dev->data->rx_queues[qid];

	if (p->be->rx_queue_release != NULL) {
		p->be->rx_queue_release(dev, qid);
		return;
	}
	if (q == NULL)
		return;
	/* Stopped: no ring; the slots are empty unless a process that did
	 * not answer at stop still has reads in them (then they leak). */
	if (rtap_queue_start_check(&q->c, "Rx") == 0)
		rtap_rxq_free_leftovers(q);
	rte_free(q->slots);
	rte_free(q->mbufs);
	rte_free(q->iovs);
	rte_free(q);
	dev->data->rx_queues[qid] = NULL;
}

static void
rtap_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_txq *q = dev->data->tx_queues[qid];

	if (p->be->tx_queue_release != NULL) {
		p->be->tx_queue_release(dev, qid);
		return;
	}
	if (q == NULL)
		return;
	rte_free(q->slots);
	rte_free(q->free_idx);
	rte_free(q->iovs);
	rte_free(q);
	dev->data->tx_queues[qid] = NULL;
}

/*
 * Size the posted reads for the frames the queue can get now: the MTU, or
 * 64 KB with LRO.  Called at setup and again at every (queue) start, so an
 * MTU changed while the port was stopped is honoured without a new
 * rx_queue_setup.  Reallocates the slot arrays when the shape changed.
 */
static int
rtap_rxq_layout(struct rte_eth_dev *dev, struct rtap_rxq *q)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint32_t need = rtap_frame_len(dev->data->mtu);
	uint16_t maxseg, nb_slots;

	if (q->offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		need = RTE_MAX(need, RTAP_MAX_GSO_FRAME);
	maxseg = (uint16_t)((need + q->seg_room - 1) / q->seg_room);
	if (maxseg > 1 && !(q->offloads & (RTE_ETH_RX_OFFLOAD_SCATTER |
					   RTE_ETH_RX_OFFLOAD_TCP_LRO))) {
		RTAP_LOG(ERR, "port %u rxq %u: %u-byte frames need %u mbufs of %u bytes: enable RTE_ETH_RX_OFFLOAD_SCATTER or use larger mbufs",
			 p->port_id, q->c.qid, need, maxseg, q->seg_room);
		return -EINVAL;
	}
	if (maxseg > 1)
		dev->data->scattered_rx = 1;
	/*
	 * nb_desc counts mbufs: readv slots x mbufs per slot, and at most
	 * RTAP_RX_MAX_POSTED slots: the most reads one burst tries (they
	 * never wait, rtap_rxtx.c).  The TAP's own queue (txqueuelen)
	 * buffers behind them.
	 */
	nb_slots = RTE_MIN(RTE_MAX(q->nb_desc / maxseg, RTAP_MIN_DESC),
			   RTAP_RX_MAX_POSTED);
	if (q->slots != NULL && maxseg == q->maxseg && nb_slots == q->nb_slots)
		return 0;
	rtap_rxq_free_leftovers(q);
	rte_free(q->slots);
	rte_free(q->mbufs);
	rte_free(q->iovs);
	q->maxseg = maxseg;
	q->nb_slots = nb_slots;
	q->slots = rte_zmalloc_socket("rtap_rx_slots",
				      sizeof(*q->slots) * nb_slots, 0,
				      q->socket);
	q->mbufs = rte_zmalloc_socket("rtap_rx_mbufs",
				      sizeof(struct rte_mbuf *) * nb_slots *
				      maxseg, 0, q->socket);
	q->iovs = rte_zmalloc_socket("rtap_rx_iovs", sizeof(*q->iovs) *
				     nb_slots * RTAP_RX_IOVS(maxseg), 0,
				     q->socket);
	if (q->slots == NULL || q->mbufs == NULL || q->iovs == NULL) {
		rte_free(q->slots);
		rte_free(q->mbufs);
		rte_free(q->iovs);
		q->slots = NULL;
		q->mbufs = NULL;
		q->iovs = NULL;
		q->nb_slots = 0;
		return -ENOMEM;
	}
	return 0;
}

static int
rtap_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_rxconf *conf,
		    struct rte_mempool *mp)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint64_t offl = dev->data->dev_conf.rxmode.offloads |
			(conf != NULL ? conf->offloads : 0);
	struct rtap_rxq *q;
	uint32_t room;
	int ret;

	if (p->be->rx_queue_setup != NULL)
		return p->be->rx_queue_setup(dev, qid, nb_desc, socket, conf,
					     mp);
	if (nb_desc == 0)
		nb_desc = RTAP_DEFAULT_DESC;
	room = rte_pktmbuf_data_room_size(mp);
	if (room <= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		RTAP_LOG(ERR, "port %u rxq %u: mbufs of pool %s too small (%u)",
			 p->port_id, qid, mp->name, room);
		return -EINVAL;
	}
	rtap_rx_queue_release(dev, qid);
	q = rte_zmalloc_socket("rtap_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	q->c.priv = p;
	q->c.qid = qid;
	q->c.port_id = p->port_id;
	q->mp = mp;
	q->nb_desc = nb_desc;
	q->seg_room = room - RTE_PKTMBUF_HEADROOM;
	q->offloads = offl;
	q->socket = (int)socket;
	q->fd = -1;
	q->efd = -1;
	ret = rtap_rxq_layout(dev, q);
	if (ret < 0) {
		rte_free(q);
		return ret;
	}
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
rtap_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_txq *q;

	if (p->be->tx_queue_setup != NULL)
		return p->be->tx_queue_setup(dev, qid, nb_desc, socket, conf);
	if (nb_desc == 0)
		nb_desc = RTAP_DEFAULT_DESC;
	rtap_tx_queue_release(dev, qid);
	q = rte_zmalloc_socket("rtap_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	q->c.priv = p;
	q->c.qid = qid;
	q->c.port_id = p->port_id;
	q->nb_desc = nb_desc;
	q->fd = -1;
	q->offloads = dev->data->dev_conf.txmode.offloads |
		      (conf != NULL ? conf->offloads : 0);
	q->slots = rte_zmalloc_socket("rtap_tx_slots",
				      sizeof(*q->slots) * nb_desc, 0, socket);
	q->free_idx = rte_zmalloc_socket("rtap_tx_free",
					 sizeof(*q->free_idx) * nb_desc, 0,
					 socket);
	q->iovs = rte_zmalloc_socket("rtap_tx_iovs", sizeof(*q->iovs) *
				     nb_desc * (1 + RTAP_MAX_TX_SEGS), 0,
				     socket);
	dev->data->tx_queues[qid] = q;
	if (q->slots == NULL || q->free_idx == NULL || q->iovs == NULL) {
		rtap_tx_queue_release(dev, qid);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Per-queue start/stop of an own-datapath backend.  packet: its sockets
 * stay open and bound for the whole port run, its bursts return 0 on a
 * stopped queue; frames the kernel keeps steering to a stopped Rx queue
 * wait in that socket and are dropped when its buffer is full (counted
 * in imissed).  xdp: an XSK cannot be paused on its own; refused.
 */
static int
rtap_own_queue_state(struct rte_eth_dev *dev, uint16_t qid, int rx, int on)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_queue_common *c = rx ? dev->data->rx_queues[qid] :
					    dev->data->tx_queues[qid];
	uint8_t *state = rx ? &dev->data->rx_queue_state[qid] :
			      &dev->data->tx_queue_state[qid];

	if (!(p->be->flags & RTAP_BE_F_QUEUE_FLAGS))
		return rtap_own_notsup(dev, on ? "queue start" : "queue stop");
	if (c == NULL)
		return -EINVAL;
	if (on && (!dev->data->dev_started || c->dead)) {
		RTAP_LOG(ERR, "port %u: %s queue %u: %s", p->port_id,
			 rx ? "Rx" : "Tx", qid, c->dead ?
			 "its socket failed; restart the port" :
			 "port not started");
		return -EIO;
	}
	rtap_store_relaxed(&c->started, (uint8_t)on);
	*state = on ? RTE_ETH_QUEUE_STATE_STARTED :
		      RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

/*
 * Queue stop/start: the fds stay open (a TAP keeps steering frames to a
 * stopped Rx queue's fd; they wait in its kernel queue and are dropped
 * there when it is full, counted in imissed).  The ring is torn down and
 * rebuilt so no mbuf is held while stopped.
 */
static int
rtap_rx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_rxq *q = dev->data->rx_queues[qid];
	int ret;

	if (p->be->rx_burst != NULL)
		return rtap_own_queue_state(dev, qid, 1, 1);

	if (q == NULL || p->nb_fds == 0)
		return -EINVAL;
	if (q->c.started)
		return 0;
	ret = rtap_queue_start_check(&q->c, "Rx");
	if (ret == 0)
		ret = rtap_rxq_layout(dev, q);
	if (ret < 0)
		return ret;
	rtap_add_relaxed(&p->run_seq, 1);
	q->fd = p->qfd[qid];
	ret = rtap_rxq_start(q, dev->data->dev_conf.intr_conf.rxq);
	if (ret < 0)
		return ret;
	if (dev->data->dev_conf.intr_conf.rxq)
		rte_intr_efds_index_set(p->rx_intr, qid, q->efd);
	q->c.started = 1;
	dev->data->rx_queue_state[qid] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
rtap_rx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_rxq *q = dev->data->rx_queues[qid];

	if (RTAP_PRIV(dev)->be->rx_burst != NULL)
		return rtap_own_queue_state(dev, qid, 1, 0);

	if (q == NULL)
		return -EINVAL;
	rtap_store_relaxed(&q->c.started, 0);
	rtap_mp_release(dev, RTAP_MP_RXQ, qid);
	rtap_proc_release(dev, RTAP_MP_RXQ, qid);
	rtap_rxq_stop(q);
	dev->data->rx_queue_state[qid] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static int
rtap_tx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_txq *q = dev->data->tx_queues[qid];
	int ret;

	if (p->be->rx_burst != NULL)
		return rtap_own_queue_state(dev, qid, 0, 1);

	if (q == NULL || p->nb_fds == 0)
		return -EINVAL;
	if (q->c.started)
		return 0;
	q->fd = p->qfd[qid % p->nb_fds];
	ret = rtap_txq_start(q);
	if (ret < 0)
		return ret;
	rtap_add_relaxed(&p->run_seq, 1);
	q->c.started = 1;
	dev->data->tx_queue_state[qid] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
rtap_tx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_txq *q = dev->data->tx_queues[qid];

	if (RTAP_PRIV(dev)->be->rx_burst != NULL)
		return rtap_own_queue_state(dev, qid, 0, 0);

	if (q == NULL)
		return -EINVAL;
	rtap_store_relaxed(&q->c.started, 0);
	rtap_mp_release(dev, RTAP_MP_TXQ, qid);
	rtap_proc_release(dev, RTAP_MP_TXQ, qid);
	rtap_txq_stop(q);
	dev->data->tx_queue_state[qid] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static void
rtap_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		  struct rte_eth_rxq_info *qinfo)
{
	struct rtap_rxq *q = dev->data->rx_queues[qid];

	qinfo->mp = q->mp;
	qinfo->scattered_rx = q->maxseg > 1;
	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.offloads = q->offloads;
	qinfo->rx_buf_size = (uint16_t)q->seg_room;
}

static void
rtap_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		  struct rte_eth_txq_info *qinfo)
{
	struct rtap_txq *q = dev->data->tx_queues[qid];

	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.offloads = q->offloads;
}

static int
rtap_dev_close(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	uint16_t i;

	if (dev->data->dev_started)
		rtap_dev_stop(dev);
	/* The secondaries' queue arrays are freed after this: tell them. */
	rtap_mp_release(dev, RTAP_MP_CLOSE, 0);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		rtap_rx_queue_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		rtap_tx_queue_release(dev, i);
	rtap_lsc_stop(dev);
	rtap_close_fds(p);
	if (p->be != NULL && p->be->dev_close != NULL)
		p->be->dev_close(p);
	p->be = NULL;
	rtap_nl_close(&p->nl);
	if (p->ioctl_sock >= 0)
		close(p->ioctl_sock);
	p->ioctl_sock = -1;
	if (p->netns_fd >= 0)
		close(p->netns_fd);
	p->netns_fd = -1;
	rte_intr_instance_free(p->rx_intr);
	p->rx_intr = NULL;
	dev->intr_handle = NULL;
	rtap_proc_free(RTAP_PROC(dev));
	dev->process_private = NULL;
	rtap_mp_uninit();
	/* mac_addrs is freed by rte_eth_dev_release_port(). */
	return 0;
}

static const struct eth_dev_ops rtap_ops = {
	.dev_configure = rtap_dev_configure,
	.dev_infos_get = rtap_dev_infos_get,
	.dev_start = rtap_dev_start,
	.dev_stop = rtap_dev_stop,
	.dev_close = rtap_dev_close,
	.dev_set_link_up = rtap_set_link_up,
	.dev_set_link_down = rtap_set_link_down,
	.link_update = rtap_link_update,
	.promiscuous_enable = rtap_promisc_enable,
	.promiscuous_disable = rtap_promisc_disable,
	.allmulticast_enable = rtap_allmulti_enable,
	.allmulticast_disable = rtap_allmulti_disable,
	.mtu_set = rtap_mtu_set,
	.mac_addr_set = rtap_mac_addr_set,
	.stats_get = rtap_stats_get,
	.stats_reset = rtap_stats_reset,
	.xstats_get = rtap_xstats_get,
	.xstats_get_names = rtap_xstats_get_names,
	.xstats_reset = rtap_xstats_reset,
	.rx_queue_setup = rtap_rx_queue_setup,
	.tx_queue_setup = rtap_tx_queue_setup,
	.rx_queue_release = rtap_rx_queue_release,
	.tx_queue_release = rtap_tx_queue_release,
	.rx_queue_start = rtap_rx_queue_start,
	.rx_queue_stop = rtap_rx_queue_stop,
	.tx_queue_start = rtap_tx_queue_start,
	.tx_queue_stop = rtap_tx_queue_stop,
	.rx_queue_intr_enable = rtap_rx_queue_intr_enable,
	.rx_queue_intr_disable = rtap_rx_queue_intr_disable,
	.rxq_info_get = rtap_rxq_info_get,
	.txq_info_get = rtap_txq_info_get,
};

/* ------------------------------------------------------------ secondary */

/* The primary's LSC handler keeps dev->data->dev_link current. */
static int
rtap_sec_link_update(struct rte_eth_dev *dev __rte_unused,
		     int wait __rte_unused)
{
	return 0;
}

/*
 * A secondary's close drops only what this process holds (its rings,
 * cancelling their reads, and its fds); the interface, the queues and
 * the slot mbufs stay the primary's.  After the primary closed the port
 * (pp->closed) dev->data is no longer ours to read.
 */
static int
rtap_sec_dev_close(struct rte_eth_dev *dev)
{
	struct rtap_proc *pp = RTAP_PROC(dev);

	if (pp == NULL)
		return 0;
	if (!pp->closed)
		rtap_proc_release(dev, RTAP_MP_PORT, 0);
	rtap_proc_free(pp);
	dev->process_private = NULL;
	rtap_mp_uninit();
	return 0;
}

/* What a secondary may do: datapath, information and counters. */
static const struct eth_dev_ops rtap_sec_ops = {
	.dev_infos_get = rtap_dev_infos_get,
	.dev_close = rtap_sec_dev_close,
	.link_update = rtap_sec_link_update,
	.stats_get = rtap_stats_get,
	.xstats_get = rtap_xstats_get,
	.xstats_get_names = rtap_xstats_get_names,
	.rxq_info_get = rtap_rxq_info_get,
	.txq_info_get = rtap_txq_info_get,
};

static int
rtap_probe_secondary(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	const struct rtap_backend_ops *be;
	struct rte_eth_dev *dev;
	struct rtap_proc *pp;
	struct rtap_priv *p;
	uint16_t i;
	int ret;

	dev = rte_eth_dev_attach_secondary(name);
	if (dev == NULL) {
		RTAP_LOG(ERR, "%s: the primary process has no such port (a secondary attaches to a port the primary created)",
			 name);
		return -ENODEV;
	}
	p = RTAP_PRIV(dev);
	be = rtap_backend_find(p->args.backend);
	if (be == NULL || !(be->flags & RTAP_BE_F_SECONDARY)) {
		RTAP_LOG(ERR, "%s: backend=%s cannot be used from a secondary process (AF_XDP sockets and their UMEM are not shared between processes; use tap or packet)",
			 name, p->args.backend);
		ret = -ENOTSUP;
		goto fail;
	}
	if (be->secondary_ok != NULL) {
		ret = be->secondary_ok(p);
		if (ret < 0)
			goto fail;
	}
	/*
	 * ethdev copies the queue arrays' address into this process's
	 * fast-path table at attach: the primary must have configured the
	 * port and set every queue up by now.
	 */
	ret = dev->data->rx_queues == NULL || dev->data->tx_queues == NULL ||
	      dev->data->nb_rx_queues == 0 || dev->data->nb_tx_queues == 0;
	for (i = 0; !ret && i < dev->data->nb_rx_queues; i++)
		ret = dev->data->rx_queues[i] == NULL;
	for (i = 0; !ret && i < dev->data->nb_tx_queues; i++)
		ret = dev->data->tx_queues[i] == NULL;
	if (ret) {
		RTAP_LOG(ERR, "%s: the primary has not configured and set up the port's queues yet; start secondaries after the primary's rte_eth_dev_configure() and queue setup",
			 name);
		ret = -EAGAIN;
		goto fail;
	}
	pp = rtap_proc_alloc(name, 0);
	if (pp == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	pp->be = be;
	ret = rtap_mp_init();
	if (ret < 0) {
		rtap_proc_free(pp);
		goto fail;
	}
	dev->process_private = pp;
	dev->device = &vdev->device;
	dev->dev_ops = &rtap_sec_ops;
	dev->rx_pkt_burst = be->rx_burst != NULL ? be->rx_burst :
			    rtap_rx_burst;
	dev->tx_pkt_burst = be->tx_burst != NULL ? be->tx_burst :
			    rtap_tx_burst;
	/* Fds now if the port runs; else the first burst asks again. */
	if (dev->data->dev_started) {
		ret = rtap_mp_sync_fds(dev);
		if (ret < 0) {
			dev->process_private = NULL;
			rtap_proc_free(pp);
			rtap_mp_uninit();
			goto fail;
		}
	}
	rte_eth_dev_probing_finish(dev);
	RTAP_LOG(INFO, "%s: secondary attached to port %u on %s (backend %s, %u fds)",
		 name, dev->data->port_id, p->ifname, be->name, pp->nb_fds);
	return 0;
fail:
	rte_eth_dev_release_port(dev);
	return ret;
}

/* ------------------------------------------------------------ probe */

static int
rtap_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	const char *params = rte_vdev_device_args(vdev);
	struct rte_eth_dev *dev;
	struct rtap_priv *p;
	struct rtap_nl_link l;
	struct rtap_args args;
	const struct rtap_backend_ops *be;
	char err[160];
	uint16_t i;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return rtap_probe_secondary(vdev);
	ret = rtap_args_parse(params, &args, err, sizeof(err));
	if (ret < 0) {
		RTAP_LOG(ERR, "%s: %s", name, err);
		return ret;
	}
	be = rtap_backend_find(args.backend);
	if (be == NULL) {
		rtap_backend_names(err, sizeof(err));
		RTAP_LOG(ERR, "%s: backend '%s' is not available in this build (have: %s)",
			 name, args.backend, err);
		return -EINVAL;
	}
	if (!(be->flags & RTAP_BE_F_CREATES_IF) && strchr(args.iface, '%')) {
		RTAP_LOG(ERR, "%s: backend %s needs iface=<existing interface>",
			 name, be->name);
		return -EINVAL;
	}

	dev = rte_eth_vdev_allocate(vdev, sizeof(*p));
	if (dev == NULL) {
		RTAP_LOG(ERR, "%s: cannot allocate ethdev", name);
		return -ENOMEM;
	}
	p = RTAP_PRIV(dev);
	p->dev = dev;
	p->port_id = dev->data->port_id;
	p->args = args;
	p->be = be;
	p->keep_fd = -1;
	p->link_speed = RTAP_DEFAULT_SPEED;
	dev->process_private = rtap_proc_alloc(name, 1);
	if (dev->process_private == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	RTAP_PROC(dev)->be = be;
	ret = rtap_mp_init();
	if (ret < 0) {
		rtap_proc_free(RTAP_PROC(dev));
		rte_eth_dev_release_port(dev);
		return ret;
	}
	p->ioctl_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	p->netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ret = rtap_nl_open(&p->nl);
	if (ret < 0 || p->ioctl_sock < 0) {
		RTAP_LOG(ERR, "%s: control sockets: %s", name,
			 strerror(ret < 0 ? -ret : errno));
		ret = ret < 0 ? ret : -errno;
		goto fail;
	}
	for (i = 0; i < RTAP_MAX_QUEUES; i++)
		p->qfd[i] = -1;

	dev->dev_ops = &rtap_ops;
	dev->rx_pkt_burst = be->rx_burst != NULL ? be->rx_burst :
			    rtap_rx_burst;
	dev->tx_pkt_burst = be->tx_burst != NULL ? be->tx_burst :
			    rtap_tx_burst;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
				RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->mac_addrs = rte_zmalloc(name, RTE_ETHER_ADDR_LEN, 0);
	p->rx_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (dev->data->mac_addrs == NULL || p->rx_intr == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	rte_intr_type_set(p->rx_intr, RTE_INTR_HANDLE_VDEV);
	rte_intr_efd_counter_size_set(p->rx_intr,
				      (be->flags & RTAP_BE_F_RX_SOCK_INTR) ?
				      0 : sizeof(uint64_t));
	rte_intr_fd_set(p->rx_intr, -1);
	dev->intr_handle = p->rx_intr;

	ret = be->dev_open(p);
	if (ret < 0)
		goto fail;
	if (args.mac_mode != RTAP_MAC_KERNEL) {
		struct rte_ether_addr mac = args.mac;

		if (args.mac_mode == RTAP_MAC_FIXED) {
			/* 02:'r':'t':'a':'p':n, locally administered. */
			static const uint8_t fixed[] = {
				0x02, 'r', 't', 'a', 'p' };

			memcpy(mac.addr_bytes, fixed, sizeof(fixed));
			mac.addr_bytes[5] = (uint8_t)rtap_fixed_mac_idx++;
		}
		ret = rtap_nl_set_mac(&p->nl, p->ifindex, &mac);
		if (ret < 0) {
			RTAP_LOG(ERR, "%s: cannot set MAC: %s", p->ifname,
				 strerror(-ret));
			goto fail;
		}
	}
	ret = rtap_nl_get_link(&p->nl, p->ifindex, &l);
	if (ret < 0 || !l.has_mac) {
		RTAP_LOG(ERR, "%s: cannot read link state: %s", p->ifname,
			 strerror(ret < 0 ? -ret : EPROTO));
		ret = ret < 0 ? ret : -EPROTO;
		goto fail;
	}
	rte_ether_addr_copy(&l.mac, &p->mac);
	rte_ether_addr_copy(&l.mac, &dev->data->mac_addrs[0]);
	dev->data->mtu = (uint16_t)l.mtu;
	ret = rtap_lsc_start(dev);
	if (ret < 0)
		goto fail;
	rte_eth_dev_probing_finish(dev);
	RTAP_LOG(INFO, "%s: port %u on %s (backend %s)", name, p->port_id,
		 p->ifname, be->name);
	return 0;
fail:
	rtap_lsc_stop(dev);
	if (p->be != NULL && p->be->dev_close != NULL && p->ifindex > 0)
		p->be->dev_close(p);
	rtap_nl_close(&p->nl);
	if (p->ioctl_sock >= 0)
		close(p->ioctl_sock);
	if (p->netns_fd >= 0)
		close(p->netns_fd);
	rte_intr_instance_free(p->rx_intr);
	dev->intr_handle = NULL;
	rtap_proc_free(RTAP_PROC(dev));
	dev->process_private = NULL;
	rtap_mp_uninit();
	rte_eth_dev_release_port(dev);
	return ret;
}

static int
rtap_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	/* A secondary may have closed its side already: the name still
	 * resolves in the shared data, the port is unused here. */
	if (dev == NULL || dev->state == RTE_ETH_DEV_UNUSED)
		return 0;	/* already closed */
	rte_eth_dev_close(dev->data->port_id);
	return 0;
}

/* ------------------------------------------------------------ public API */

int
rte_pmd_rtap_get_ifname(uint16_t port_id, char *buf, size_t len)
{
	struct rtap_priv *p = rtap_port_priv_any(port_id);

	if (p == NULL)
		return -ENODEV;
	if (buf == NULL || strlen(p->ifname) >= len)
		return -ENOSPC;
	memcpy(buf, p->ifname, strlen(p->ifname) + 1);
	return 0;
}

int
rte_pmd_rtap_get_ifindex(uint16_t port_id)
{
	struct rtap_priv *p = rtap_port_priv_any(port_id);

	if (p == NULL)
		return -ENODEV;
	return p->ifindex;
}

int
rte_pmd_rtap_set_carrier(uint16_t port_id, int on)
{
	struct rtap_priv *p = rtap_port_priv(port_id);

	if (p == NULL)
		return -ENODEV;
	/* The kernel owns an attached interface's carrier (its driver). */
	if (!rtap_creates_if(p) || p->be->set_carrier == NULL)
		return -ENOTSUP;
	return p->be->set_carrier(p, on);
}

int
rte_pmd_rtap_set_link_speed(uint16_t port_id, uint32_t mbps, int full_duplex)
{
	struct rtap_priv *p = rtap_port_priv(port_id);
	int ret = -ENOTSUP;

	if (p == NULL)
		return -ENODEV;
	if (p->be->set_link_speed != NULL)
		ret = p->be->set_link_speed(p, mbps, full_duplex);
	if (ret == 0 || ret == -ENOTSUP) {
		p->link_speed = mbps;	/* reported either way */
		/* No netlink event for this: refresh the cached link. */
		rtap_link_update(p->dev, 0);
	}
	return ret;
}

static struct rte_vdev_driver rtap_vdev_drv = {
	.probe = rtap_probe,
	.remove = rtap_remove,
};

RTE_PMD_REGISTER_VDEV(net_rtap, rtap_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_rtap,
	RTAP_ARG_IFACE "=<ifname or template, default rtap%d> "
	RTAP_ARG_PERSIST "=<0|1> "
	RTAP_ARG_MAC "=<fixed|xx:xx:xx:xx:xx:xx> "
	RTAP_ARG_BACKEND "=<tap|packet|xdp> "
	"fanout=<hash|lb|cpu|qm> qdisc_bypass=<0|1> "
	"sockbuf=<bytes[k|m]> rxmode=<mmsg|ring> "
	"xdp_mode=<auto|native|skb> busy_budget=<0..1024>");
