/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAP backend: the PMD creates a multi-queue tun/tap interface with a
 * virtio-net header on every frame (drivers/net/tun.c).
 *
 * One fd per queue index; a keep-alive fd, detached from the queue set
 * (TUNSETQUEUE IFF_DETACH_QUEUE), holds the interface while queues are
 * closed and reopened on reconfigure.  A detached queue gets no frames
 * steered to it and still keeps a non-persistent device alive
 * (tun->numdisabled in __tun_detach()).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <rte_malloc.h>

#include "rtap.h"
#include "rtap_netlink.h"
#include "rtap_vnet.h"

/* Newer than Debian 12's 6.1 uapi headers; the kernel decides at run time. */
#ifndef IFF_NAPI
#define IFF_NAPI 0x0010
#endif
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

#define RTAP_TUN_DEV "/dev/net/tun"
#define RTAP_TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)

struct rtap_tap {
	short flags;		/* flags accepted at creation (IFF_NAPI?) */
};

static int
rtap_tap_attach(const char *name, short flags, int *fd, char *out_name)
{
	struct ifreq ifr;
	int hdrsz = RTAP_VNET_HDR_LEN;
	int f;

	f = open(RTAP_TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(f, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(f);
		return err;
	}
	/* 10 is the default; say it so a persistent device set otherwise
	 * by someone else cannot shift every frame. */
	if (ioctl(f, TUNSETVNETHDRSZ, &hdrsz) < 0) {
		int err = -errno;

		close(f);
		return err;
	}
	if (out_name != NULL)
		snprintf(out_name, IFNAMSIZ, "%s", ifr.ifr_name);
	*fd = f;
	return 0;
}

/*
 * Run a device ioctl that needs an attached queue (tun_get() is NULL for
 * a detached one): any open queue fd will do; when none is open, attach
 * the keep-alive fd for the duration of the call.
 */
static int
rtap_tap_dev_ioctl(struct rtap_priv *p, unsigned long cmd, unsigned long arg)
{
	struct ifreq ifr;
	int ret, err;

	if (p->nb_fds > 0 && p->qfd[0] >= 0)
		return ioctl(p->qfd[0], cmd, arg) < 0 ? -errno : 0;
	if (p->keep_fd < 0)
		return -EBADF;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_ATTACH_QUEUE;
	if (ioctl(p->keep_fd, TUNSETQUEUE, &ifr) < 0)
		return -errno;
	ret = ioctl(p->keep_fd, cmd, arg) < 0 ? -errno : 0;
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	if (ioctl(p->keep_fd, TUNSETQUEUE, &ifr) < 0) {
		err = errno;
		RTAP_LOG(WARNING, "%s: cannot detach keep-alive queue: %s",
			 p->ifname, strerror(err));
	}
	return ret;
}

/* Through the probe-time socket: the device lives in that netns. */
static int
rtap_tap_ethtool(struct rtap_priv *p, void *cmd)
{
	struct ifreq ifr;

	if (p->ioctl_sock < 0)
		return -EBADF;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", p->ifname);
	ifr.ifr_data = cmd;
	return ioctl(p->ioctl_sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

static int
rtap_tap_set_link_speed(struct rtap_priv *p, uint32_t mbps, int full_duplex)
{
	struct ethtool_cmd ec;
	int ret;

	memset(&ec, 0, sizeof(ec));
	ec.cmd = ETHTOOL_GSET;
	ret = rtap_tap_ethtool(p, &ec);
	if (ret < 0)
		return ret;
	ec.cmd = ETHTOOL_SSET;
	ethtool_cmd_speed_set(&ec, mbps);
	ec.duplex = full_duplex ? DUPLEX_FULL : DUPLEX_HALF;
	ec.autoneg = AUTONEG_DISABLE;
	return rtap_tap_ethtool(p, &ec);
}

static int
rtap_tap_dev_open(struct rtap_priv *p)
{
	struct rtap_tap *t;
	struct ifreq ifr;
	unsigned int probe;
	/*
	 * No IFF_NAPI.  With it every write queues the skb for tun's NAPI
	 * instance and schedules it; the local_bh_enable() at the end of
	 * the same write runs the poll for that one skb (GRO, list receive,
	 * napi_complete), so nothing is ever merged across writes and each
	 * frame pays a softirq round.  Without it tun hands the skb straight
	 * to netif_receive_skb() (tun_rx_batched with rx_batched 0).
	 * Measured in doc/performance.md, "net_rtap TAP 64 B".
	 */
	short flags = RTAP_TAP_FLAGS;
	int ret, fd = -1;

	t = rte_zmalloc("rtap_tap", sizeof(*t), 0);
	if (t == NULL)
		return -ENOMEM;
	ret = rtap_tap_attach(p->args.iface, flags, &fd, p->ifname);
	if (ret < 0) {
		RTAP_LOG(ERR, "cannot create TAP '%s' (%s): %s", p->args.iface,
			 RTAP_TUN_DEV, strerror(-ret));
		rte_free(t);
		return ret;
	}
	t->flags = flags;
	p->napi = !!(flags & IFF_NAPI);
	p->be_priv = t;
	p->keep_fd = fd;

	if (ioctl(fd, TUNSETPERSIST, (unsigned long)!!p->args.persist) < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: TUNSETPERSIST: %s", p->ifname, strerror(-ret));
		goto fail;
	}
	/* Feature test while the fd is still attached: UDP GSO (6.2). */
	probe = TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6;
	p->uso_supported = ioctl(fd, TUNSETOFFLOAD, (unsigned long)probe) == 0;
	if (ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: TUNSETOFFLOAD: %s", p->ifname, strerror(-ret));
		goto fail;
	}
	p->tun_offload = 0;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	if (ioctl(fd, TUNSETQUEUE, &ifr) < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: detach keep-alive queue: %s", p->ifname,
			 strerror(-ret));
		goto fail;
	}
	p->ifindex = if_nametoindex(p->ifname);
	if (p->ifindex <= 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: no ifindex: %s", p->ifname, strerror(-ret));
		goto fail;
	}
	/* tun accepts every GSO type it knows in frames we write
	 * (virtio_net_hdr_to_skb); UDP_L4 only where USO exists. */
	p->vnet_peer = RTAP_VNET_PEER_CSUM | RTAP_VNET_PEER_TSO4 |
		       RTAP_VNET_PEER_TSO6 | RTAP_VNET_PEER_TSO_ECN;
	if (p->uso_supported)
		p->vnet_peer |= RTAP_VNET_PEER_USO4 | RTAP_VNET_PEER_USO6;
	/* tun advertises 10 Mbit/s by default; say what we report. */
	ret = rtap_tap_set_link_speed(p, p->link_speed, 1);
	if (ret < 0)
		RTAP_LOG(INFO, "%s: cannot set ethtool speed: %s", p->ifname,
			 strerror(-ret));
	RTAP_LOG(INFO, "%s: TAP ifindex %d%s%s%s", p->ifname, p->ifindex,
		 p->napi ? ", napi" : "", p->uso_supported ? ", uso" : "",
		 p->args.persist ? ", persist" : "");
	return 0;
fail:
	close(fd);
	p->keep_fd = -1;
	rte_free(t);
	p->be_priv = NULL;
	return ret;
}

static void
rtap_tap_dev_close(struct rtap_priv *p)
{
	struct rtap_nl_link l;
	int i;

	/* Without TUNSETPERSIST the last close unregisters the device. */
	if (p->keep_fd >= 0)
		close(p->keep_fd);
	p->keep_fd = -1;
	/* The last file reference may be dropped asynchronously (io_uring
	 * ring teardown): wait so that close means "gone" to the caller. */
	for (i = 0; !p->args.persist && p->ifindex > 0 && i < 200; i++) {
		if (rtap_nl_get_link(&p->nl, p->ifindex, &l) != 0)
			break;
		usleep(10 * 1000);
	}
	if (i == 200)
		RTAP_LOG(WARNING, "%s: still present 2 s after close",
			 p->ifname);
	rte_free(p->be_priv);
	p->be_priv = NULL;
}

static int
rtap_tap_set_offload(struct rtap_priv *p, uint64_t rx_offloads)
{
	unsigned int f = rtap_vnet_tun_offload(rx_offloads, p->uso_supported);
	int ret;

	ret = rtap_tap_dev_ioctl(p, TUNSETOFFLOAD, f);
	if (ret < 0) {
		RTAP_LOG(ERR, "%s: TUNSETOFFLOAD 0x%x: %s", p->ifname, f,
			 strerror(-ret));
		return ret;
	}
	p->tun_offload = f;
	return 0;
}

static int
rtap_tap_open_queue(struct rtap_priv *p, uint16_t idx, int *fd)
{
	struct rtap_tap *t = p->be_priv;
	int ret;

	ret = rtap_tap_attach(p->ifname, t->flags, fd, NULL);
	if (ret < 0)
		RTAP_LOG(ERR, "%s: cannot open queue %u: %s", p->ifname, idx,
			 strerror(-ret));
	return ret;
}

static void
rtap_tap_close_queue(struct rtap_priv *p __rte_unused, uint16_t idx __rte_unused,
		     int fd)
{
	close(fd);
}

static int
rtap_tap_set_carrier(struct rtap_priv *p, int on)
{
	int v = !!on;

	return rtap_tap_dev_ioctl(p, TUNSETCARRIER, (unsigned long)&v);
}

/*
 * Frames the kernel meant for us but dropped because our queue was full
 * are the TAP's tx_dropped (tun_net_xmit), not rx_dropped.
 */
static int
rtap_tap_get_missed(struct rtap_priv *p, uint64_t *missed)
{
	struct rtap_nl_link l;
	int ret;

	ret = rtap_nl_get_link(&p->nl, p->ifindex, &l);
	if (ret < 0)
		return ret;
	if (!l.has_stats)
		return -ENOTSUP;
	*missed = l.stats.tx_dropped;
	return 0;
}

static void
rtap_tap_dev_info(struct rtap_priv *p, struct rte_eth_dev_info *info)
{
	if (p->uso_supported)
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_UDP_TSO;
}

const struct rtap_backend_ops rtap_tap_ops = {
	.name = "tap",
	.flags = RTAP_BE_F_CREATES_IF | RTAP_BE_F_FD_QUEUES |
		 RTAP_BE_F_VNET_HDR | RTAP_BE_F_SECONDARY,
	.dev_open = rtap_tap_dev_open,
	.dev_close = rtap_tap_dev_close,
	.dev_info = rtap_tap_dev_info,
	.set_offload = rtap_tap_set_offload,
	.open_queue = rtap_tap_open_queue,
	.close_queue = rtap_tap_close_queue,
	.set_carrier = rtap_tap_set_carrier,
	.set_link_speed = rtap_tap_set_link_speed,
	.get_missed = rtap_tap_get_missed,
};
