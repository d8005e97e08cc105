/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap backend operations.
 *
 * The ethdev layer (rtap_ethdev.c) owns everything that is the same for
 * all backends: devargs, the control path over rtnetlink on p->ifindex
 * (link state/LSC, MTU, MAC, promisc/allmulti, imissed), stats/xstats and
 * the queue bookkeeping.  A backend only says how to get at the kernel
 * interface and its packets.
 *
 * Two kinds of backend:
 *  - fd based (TAP, AF_PACKET): the backend opens one fd per queue index
 *    (open_queue) that reads/writes whole frames preceded by a 10-byte
 *    struct virtio_net_hdr; the shared io_uring datapath (rtap_rxtx.c)
 *    does the rest.  Rx queue i reads fd i; Tx queue j writes fd
 *    (j % nb_fds) where nb_fds = max(nb_rx_queues, 1), so no fd is ever
 *    left unread (a TAP steers kernel Tx to every attached queue).
 *  - own datapath (AF_XDP): set the rx_/tx_queue_* and burst hooks; the
 *    ethdev layer calls them instead of the io_uring code.
 *
 * Every hook returns 0 or a negative errno and logs one clear line on
 * failure.  Hooks marked optional may be NULL.
 */

#ifndef RTAP_BACKEND_H
#define RTAP_BACKEND_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

struct rtap_priv;

/* Backend capability flags (rtap_backend_ops.flags). */
#define RTAP_BE_F_CREATES_IF	(1u << 0) /* creates the interface (TAP);
					   * else iface= must exist */
#define RTAP_BE_F_FD_QUEUES	(1u << 1) /* uses open_queue + io_uring */
#define RTAP_BE_F_VNET_HDR	(1u << 2) /* fds carry a virtio_net_hdr */
#define RTAP_BE_F_QUEUE_FLAGS	(1u << 3) /* own datapath whose bursts
					   * honour c.started: per-queue
					   * start/stop are flag flips */
#define RTAP_BE_F_RX_SOCK_INTR	(1u << 4) /* own datapath whose rxq
					   * base.efd is the pollable
					   * socket itself (see
					   * rtap_rx_queue_intr_enable) */
#define RTAP_BE_F_SECONDARY	(1u << 5) /* queues usable from a secondary
					   * process (fds passed, rtap_mp.c) */

struct rtap_backend_ops {
	const char *name;	/* value of the backend= devarg */
	uint32_t flags;		/* RTAP_BE_F_* */

	/*
	 * Create or attach the kernel interface named p->args.iface (a
	 * "%d" template is allowed for creating backends).  Must set
	 * p->ifname and p->ifindex, and p->vnet_peer (RTAP_VNET_PEER_*:
	 * which offloads the kernel accepts in frames we send) and
	 * p->uso_supported.  Called once at probe.
	 */
	int (*dev_open)(struct rtap_priv *p);
	/* Release everything dev_open made; honour p->args.persist. */
	void (*dev_close)(struct rtap_priv *p);

	/*
	 * Optional: may a secondary process attach to this port as the
	 * primary configured it?  Log one clear line and return -errno if
	 * not.  Called in the secondary, after its flag check.
	 */
	int (*secondary_ok)(const struct rtap_priv *p);

	/* Optional: adjust offload capas/limits in dev_infos_get. */
	void (*dev_info)(struct rtap_priv *p, struct rte_eth_dev_info *info);

	/*
	 * Optional: tell the kernel what it may hand us, from the
	 * configured Rx offloads (TAP: TUNSETOFFLOAD).  Called from
	 * dev_configure and again after queues are (re)opened.
	 */
	int (*set_offload)(struct rtap_priv *p, uint64_t rx_offloads);

	/*
	 * fd based backends: open the fd for queue index idx (0-based,
	 * idx < nb_fds) in non-blocking mode; return it in *fd.
	 * close_queue undoes it.  Called at dev_start / queue reconfigure.
	 */
	int (*open_queue)(struct rtap_priv *p, uint16_t idx, int *fd);
	void (*close_queue)(struct rtap_priv *p, uint16_t idx, int fd);

	/* Optional: carrier control (TAP: TUNSETCARRIER); else -ENOTSUP. */
	int (*set_carrier)(struct rtap_priv *p, int on);
	/* Optional: advertised speed/duplex (TAP: ethtool); else -ENOTSUP. */
	int (*set_link_speed)(struct rtap_priv *p, uint32_t mbps,
			      int full_duplex);
	/*
	 * Optional: frames the kernel dropped because we did not read them
	 * fast enough (-> imissed).  Default: IFLA_STATS64 rx_dropped of
	 * p->ifindex.  TAP: tx_dropped (the kernel transmits towards us).
	 */
	int (*get_missed)(struct rtap_priv *p, uint64_t *missed);

	/*
	 * Optional own datapath (AF_XDP).  When rx_burst is non-NULL the
	 * queue hooks below replace the io_uring ones; the queue objects
	 * they store in dev->data->rx_queues[]/tx_queues[] must start with
	 * struct rtap_queue_common (rtap.h) so stats and state are shared.
	 */
	int (*rx_queue_setup)(struct rte_eth_dev *dev, uint16_t qid,
			      uint16_t nb_desc, unsigned int socket,
			      const struct rte_eth_rxconf *conf,
			      struct rte_mempool *mp);
	int (*tx_queue_setup)(struct rte_eth_dev *dev, uint16_t qid,
			      uint16_t nb_desc, unsigned int socket,
			      const struct rte_eth_txconf *conf);
	void (*rx_queue_release)(struct rte_eth_dev *dev, uint16_t qid);
	void (*tx_queue_release)(struct rte_eth_dev *dev, uint16_t qid);
	int (*queues_start)(struct rte_eth_dev *dev);
	void (*queues_stop)(struct rte_eth_dev *dev);
	eth_rx_burst_t rx_burst;
	eth_tx_burst_t tx_burst;
};

/* Backends, looked up by name (rtap_backend.c). */
const struct rtap_backend_ops *rtap_backend_find(const char *name);
/* "tap, packet, ..." for error messages. */
void rtap_backend_names(char *buf, size_t len);

extern const struct rtap_backend_ops rtap_tap_ops;
extern const struct rtap_backend_ops rtap_packet_ops, rtap_xdp_ops;

#endif /* RTAP_BACKEND_H */
