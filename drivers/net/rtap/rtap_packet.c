/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_PACKET backend: DPDK takes the frames of an existing kernel interface
 * (iface=) through one SOCK_RAW packet socket per queue.
 *
 * Every socket has PACKET_VNET_HDR, so each frame crosses with the same
 * 10-byte struct virtio_net_hdr the TAP backend uses (net/packet/af_packet.c
 * packet_rcv_vnet()/packet_snd()): a CHECKSUM_PARTIAL skb from a veth peer
 * arrives flagged NEEDS_CSUM instead of with an unfinished checksum, and a
 * GSO frame goes out whole (the kernel segments it, or the device does).
 * The fds are then driven by the shared io_uring datapath (rtap_rxtx.c):
 * readv/writev on a packet socket is recvmsg/sendmsg without a name.
 *
 * Queues share the interface's traffic through PACKET_FANOUT (hash by
 * default; fanout=lb|cpu|qm), optionally bypass the qdisc on Tx
 * (qdisc_bypass=1) and ignore frames sent by the host, ours included
 * (PACKET_IGNORE_OUTGOING, 4.20), so DPDK never receives its own Tx.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_devargs.h>
#include <ethdev_driver.h>

#include "rtap.h"
#include "rtap_vnet.h"
#include "rtap_redirect.h"

/* Kernel ABI (include/uapi/linux/if_packet.h), older headers may lack them. */
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING		23
#endif
#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID	0x2000
#endif

/* Room for two 64 KB GSO frames per queue at least; root may force it. */
#define RTAP_PACKET_SOCKBUF	(4u << 20)

struct rtap_packet {
	int fanout_type;	/* PACKET_FANOUT_* */
	int qdisc_bypass;
	int fanout_id;		/* group id while members > 0 */
	unsigned int members;
	uint64_t drops;		/* PACKET_STATISTICS tp_drops, accumulated */
};

static const struct {
	const char *name;
	int type;
} rtap_fanout_modes[] = {
	{ "hash", PACKET_FANOUT_HASH },
	{ "lb", PACKET_FANOUT_LB },
	{ "cpu", PACKET_FANOUT_CPU },
	{ "qm", PACKET_FANOUT_QM },
};

int
rtap_packet_parse_fanout(const char *v, int *type)
{
	unsigned int i;

	if (v == NULL)
		return -EINVAL;
	for (i = 0; i < RTE_DIM(rtap_fanout_modes); i++) {
		if (strcasecmp(v, rtap_fanout_modes[i].name) == 0) {
			*type = rtap_fanout_modes[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *
rtap_fanout_name(int type)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(rtap_fanout_modes); i++)
		if (rtap_fanout_modes[i].type == type)
			return rtap_fanout_modes[i].name;
	return "?";
}

struct rtap_packet_kv {
	struct rtap_packet *pk;
	const char *ifname;
	int bad;
};

static int
rtap_packet_kv(const char *key, const char *value, void *opaque)
{
	struct rtap_packet_kv *kv = opaque;

	if (strcmp(key, RTAP_PACKET_ARG_FANOUT) == 0) {
		if (rtap_packet_parse_fanout(value, &kv->pk->fanout_type) < 0) {
			RTAP_LOG(ERR, "%s: invalid fanout '%s': use hash, lb, cpu or qm",
				 kv->ifname, value ? value : "");
			kv->bad = 1;
			return -1;
		}
	} else if (strcmp(key, RTAP_PACKET_ARG_QDISC_BYPASS) == 0) {
		if (value == NULL || (strcmp(value, "0") != 0 &&
				      strcmp(value, "1") != 0)) {
			RTAP_LOG(ERR, "%s: invalid qdisc_bypass '%s': use 0 or 1",
				 kv->ifname, value ? value : "");
			kv->bad = 1;
			return -1;
		}
		kv->pk->qdisc_bypass = value[0] == '1';
	}
	return 0;
}

/*
 * Backend options ride in the same devargs string as the common ones;
 * keys that are not ours are the ethdev layer's business.
 */
static int
rtap_packet_args(struct rtap_priv *p, struct rtap_packet *pk)
{
	struct rtap_packet_kv ctx = { .pk = pk, .ifname = p->args.iface };
	const struct rte_devargs *da = NULL;
	struct rte_kvargs *kv;

	if (p->dev != NULL && p->dev->device != NULL)
		da = p->dev->device->devargs;
	if (da == NULL || da->args == NULL || da->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(da->args, NULL);
	if (kv == NULL)
		return 0;	/* the common parser reported it already */
	rte_kvargs_process(kv, RTAP_PACKET_ARG_FANOUT, rtap_packet_kv, &ctx);
	if (!ctx.bad)
		rte_kvargs_process(kv, RTAP_PACKET_ARG_QDISC_BYPASS,
				   rtap_packet_kv, &ctx);
	rte_kvargs_free(kv);
	return ctx.bad ? -EINVAL : 0;
}

int
rtap_redirect_check_iface(const char *backend, const char *name, int *ifindex,
			  struct rte_ether_addr *mac)
{
	struct ifreq ifr;
	int s, idx, ret = 0;

	if (strchr(name, '%') != NULL) {
		RTAP_LOG(ERR, "backend=%s needs iface= naming an existing interface, not a template ('%s')",
			 backend, name);
		return -EINVAL;
	}
	idx = if_nametoindex(name);
	if (idx == 0) {
		ret = -errno;
		RTAP_LOG(ERR, "backend=%s: interface '%s' does not exist in this network namespace: %s",
			 backend, name, strerror(-ret));
		return ret == 0 ? -ENODEV : ret;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "backend=%s: %s: SIOCGIFHWADDR: %s", backend, name,
			 strerror(-ret));
		goto out;
	}
	/* Frames must be Ethernet: no loopback, no tun (ARPHRD_NONE), no ip6gre. */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		RTAP_LOG(ERR, "backend=%s: %s is not an Ethernet interface (ARPHRD %u)",
			 backend, name, ifr.ifr_hwaddr.sa_family);
		ret = -EPROTOTYPE;
		goto out;
	}
	if (mac != NULL)
		memcpy(mac->addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "backend=%s: %s: SIOCGIFFLAGS: %s", backend, name,
			 strerror(-ret));
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		RTAP_LOG(ERR, "backend=%s: interface %s is down; bring it up first (ip link set %s up)",
			 backend, name, name);
		ret = -ENETDOWN;
		goto out;
	}
	*ifindex = idx;
out:
	close(s);
	return ret;
}

/*
 * USO in virtio_net_hdr_to_skb() (GSO_UDP_L4) came with 6.2; the packet
 * socket has no TUNSETOFFLOAD-like probe, so ask the running kernel.
 */
static int
rtap_kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > maj || (a == maj && b >= min);
}

static int
rtap_packet_dev_open(struct rtap_priv *p)
{
	struct rtap_packet *pk;
	int ret;

	ret = rtap_redirect_check_iface("packet", p->args.iface, &p->ifindex,
					&p->mac);
	if (ret < 0)
		return ret;
	pk = rte_zmalloc("rtap_packet", sizeof(*pk), 0);
	if (pk == NULL)
		return -ENOMEM;
	pk->fanout_type = PACKET_FANOUT_HASH;
	ret = rtap_packet_args(p, pk);
	if (ret < 0) {
		rte_free(pk);
		return ret;
	}
	snprintf(p->ifname, sizeof(p->ifname), "%s", p->args.iface);
	p->be_priv = pk;
	p->keep_fd = -1;
	/* packet_snd() accepts every header virtio_net_hdr_to_skb() knows. */
	p->uso_supported = rtap_kernel_at_least(6, 2);
	p->vnet_peer = RTAP_VNET_PEER_CSUM | RTAP_VNET_PEER_TSO4 |
		       RTAP_VNET_PEER_TSO6 | RTAP_VNET_PEER_TSO_ECN;
	if (p->uso_supported)
		p->vnet_peer |= RTAP_VNET_PEER_USO4 | RTAP_VNET_PEER_USO6;
	RTAP_LOG(INFO, "%s: AF_PACKET ifindex %d, fanout %s, qdisc bypass %s%s",
		 p->ifname, p->ifindex, rtap_fanout_name(pk->fanout_type),
		 pk->qdisc_bypass ? "on" : "off",
		 p->uso_supported ? ", uso" : "");
	return 0;
}

static void
rtap_packet_dev_close(struct rtap_priv *p)
{
	/* The interface is not ours: nothing to delete, persist is moot. */
	rte_free(p->be_priv);
	p->be_priv = NULL;
}

static int
rtap_sockopt(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int
rtap_packet_join_fanout(struct rtap_priv *p, struct rtap_packet *pk, int fd,
			uint16_t idx)
{
	socklen_t len = sizeof(int);
	int val, ret;

	if (pk->members == 0) {
		/* Let the kernel pick a group id no other process uses. */
		val = (pk->fanout_type | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		ret = rtap_sockopt(fd, SOL_PACKET, PACKET_FANOUT, val);
		if (ret == 0 && getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val,
					   &len) < 0)
			ret = -errno;
		if (ret == 0)
			pk->fanout_id = val & 0xffff;
	} else {
		val = pk->fanout_id | (pk->fanout_type << 16);
		ret = rtap_sockopt(fd, SOL_PACKET, PACKET_FANOUT, val);
	}
	if (ret < 0) {
		RTAP_LOG(ERR, "%s: queue %u: PACKET_FANOUT %s: %s", p->ifname,
			 idx, rtap_fanout_name(pk->fanout_type), strerror(-ret));
		return ret;
	}
	pk->members++;
	return 0;
}

static int
rtap_packet_open_queue(struct rtap_priv *p, uint16_t idx, int *fdp)
{
	struct rtap_packet *pk = p->be_priv;
	struct sockaddr_ll sll;
	const char *what;
	int fd, ret;

	/*
	 * Protocol 0: nothing is queued to us before bind() picks the device.
	 * No O_NONBLOCK on purpose: io_uring first tries every read/write
	 * without waiting and arms an internal poll when the socket has
	 * nothing (or no room), so the submitter never blocks.  With
	 * O_NONBLOCK sock_read_iter() turns each of those tries into a
	 * -EAGAIN completion instead (measured: 384 spurious read errors
	 * for 1200 frames on an idle-ish queue).
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: queue %u: AF_PACKET socket: %s%s", p->ifname,
			 idx, strerror(-ret),
			 ret == -EPERM ? " (needs CAP_NET_RAW)" : "");
		return ret;
	}
	what = "PACKET_VNET_HDR";
	ret = rtap_sockopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1);
	if (ret < 0)
		goto fail;
	what = "PACKET_IGNORE_OUTGOING";
	ret = rtap_sockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
	if (ret < 0)
		goto fail;
	if (pk->qdisc_bypass) {
		what = "PACKET_QDISC_BYPASS";
		ret = rtap_sockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
		if (ret < 0)
			goto fail;
	}
	/* Best effort: FORCE needs CAP_NET_ADMIN, plain is capped by rmem_max. */
	if (rtap_sockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, RTAP_PACKET_SOCKBUF) < 0)
		rtap_sockopt(fd, SOL_SOCKET, SO_RCVBUF, RTAP_PACKET_SOCKBUF);
	if (rtap_sockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, RTAP_PACKET_SOCKBUF) < 0)
		rtap_sockopt(fd, SOL_SOCKET, SO_SNDBUF, RTAP_PACKET_SOCKBUF);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		what = "bind";
		goto fail;
	}
	/* A group of one costs nothing and keeps queue 0 like the others. */
	ret = rtap_packet_join_fanout(p, pk, fd, idx);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
fail:
	RTAP_LOG(ERR, "%s: queue %u: %s: %s", p->ifname, idx, what,
		 strerror(-ret));
	close(fd);
	return ret;
}

static void
rtap_packet_account_drops(struct rtap_packet *pk, int fd)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* Reading the counters resets them (packet_getsockopt). */
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		pk->drops += st.tp_drops;
}

static void
rtap_packet_close_queue(struct rtap_priv *p, uint16_t idx __rte_unused,
			int fd)
{
	struct rtap_packet *pk = p->be_priv;

	if (pk != NULL) {
		rtap_packet_account_drops(pk, fd);
		if (pk->members > 0 && --pk->members == 0)
			pk->fanout_id = 0;
	}
	close(fd);
}

/*
 * imissed: frames the kernel had for us and dropped because a socket's
 * receive buffer was full (tp_drops, per socket, summed over queues).
 */
static int
rtap_packet_get_missed(struct rtap_priv *p, uint64_t *missed)
{
	struct rtap_packet *pk = p->be_priv;
	uint16_t i;

	if (pk == NULL)
		return -ENOTSUP;
	for (i = 0; i < p->nb_fds && i < RTAP_MAX_QUEUES; i++)
		if (p->qfd[i] >= 0)
			rtap_packet_account_drops(pk, p->qfd[i]);
	*missed = pk->drops;
	return 0;
}

static void
rtap_packet_dev_info(struct rtap_priv *p, struct rte_eth_dev_info *info)
{
	if (p->uso_supported)
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_UDP_TSO;
}

const struct rtap_backend_ops rtap_packet_ops = {
	.name = "packet",
	.flags = RTAP_BE_F_FD_QUEUES | RTAP_BE_F_VNET_HDR,
	.dev_open = rtap_packet_dev_open,
	.dev_close = rtap_packet_dev_close,
	.dev_info = rtap_packet_dev_info,
	.open_queue = rtap_packet_open_queue,
	.close_queue = rtap_packet_close_queue,
	.get_missed = rtap_packet_get_missed,
};
