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
 * The sockets are driven by batched recvmmsg()/sendmmsg() (one system
 * call per burst each way), not by the shared io_uring datapath: see the
 * measurements above rtap_pkt_rx_need().  rxmode=ring receives through a
 * TPACKET_V3 block ring per queue instead (see "rxmode=ring" below); Tx
 * stays on sendmmsg() either way.
 *
 * Queues share the interface's traffic through PACKET_FANOUT (hash by
 * default; fanout=lb|cpu|qm), bypass the qdisc on Tx by default
 * (qdisc_bypass=0 keeps it) and ignore frames sent by the host, ours
 * included (PACKET_IGNORE_OUTGOING, 4.20, and the fanout group's flag),
 * so DPDK never receives its own Tx.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
#include "rtap_seg.h"
#include "rtap_vnet.h"
#include "rtap_redirect.h"

/* Kernel ABI (include/uapi/linux/if_packet.h), older headers may lack them. */
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING		23
#endif
#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID	0x2000
#endif
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING	0x4000	/* not in 6.1 uapi */
#endif

/*
 * Every member joins with the group's ignore-outgoing flag.  A socket in
 * a fanout group receives through the group's packet_type hook, not its
 * own, so the socket's PACKET_IGNORE_OUTGOING alone is not consulted by
 * dev_queue_xmit_nit(): measured here, the host's own MLD reports and
 * router solicitations reached DPDK until the group had the flag (test
 * packet-ownmc).  Our own Tx never loops back either way (skb_loop_sk()
 * matches the group through its id_match).
 */
#define RTAP_FANOUT_FLAGS	PACKET_FANOUT_FLAG_IGNORE_OUTGOING

/*
 * Socket buffer limit (sk_rcvbuf/sk_sndbuf, what SO_RCVBUF reads back and
 * ss -m shows as rb/tb), per queue.  The receive buffer is a FIFO in
 * front of DPDK that nothing manages: 4 MB here was measured holding up
 * to 4.7 MB (~13 ms at 2.8 Gbit/s) under flent rrul through l2fwd-kernel,
 * the largest standing queue left.  256 KB is ~0.7 ms at 2.8 Gbit/s
 * (~2 ms at 1 Gbit/s) and still fits three 64 KB GSO skbs by truesize;
 * sockbuf= raises it where bursts matter more than latency.
 *
 * With LRO the kernel queues whole 64 KB GRO skbs, and 256 KB is a
 * tail-drop queue of four of them: one TSO burst of the sender fills it,
 * and every frame behind it is lost, small ones included (packet_rcv
 * drops anything once sk_rmem_alloc >= sk_rcvbuf).  Measured through
 * l2fwd-kernel under flent rrul 30 s: 256 KB lost 16-23 % of the ICMP
 * echo replies (the p99 of the rest looked good, 3.6 ms), 512 KB 2.5 %,
 * 1 MB and 4 MB 0-0.5 % at a p99 of 7-8 ms; kernel TCP down through
 * tap <-> packet with CUBIC 4.8-5.1 Gbit/s at 256 KB (438-461 frames
 * dropped per 8 s) vs 9.3 at 4 MB.  So a port with LRO enabled gets
 * 1 MB (16 GSO frames, 0.8 ms at 10 Gbit/s) unless sockbuf= says.
 */
#define RTAP_PACKET_SOCKBUF_DEFAULT	(256u << 10)
#define RTAP_PACKET_SOCKBUF_LRO		(1u << 20)
#define RTAP_PACKET_SOCKBUF_MIN		(64u << 10)	/* one GSO frame */
#define RTAP_PACKET_SOCKBUF_MAX		(256u << 20)	/* 2x fits in int */

/* How Rx queues read their socket (rxmode= devarg). */
enum rtap_pkt_rxmode {
	RTAP_PKT_RX_MMSG = 0,	/* recvmmsg() into posted mbufs */
	RTAP_PKT_RX_RING,	/* TPACKET_V3 block ring, copied out */
};

struct rtap_packet {
	int fanout_type;	/* PACKET_FANOUT_* */
	int qdisc_bypass;
	enum rtap_pkt_rxmode rxmode;
	unsigned int sockbuf;	/* sockbuf=, bytes (rtap_packet_sockbuf) */
	int sockbuf_set;	/* sockbuf= given: no LRO-based default */
	int fanout_id;		/* group id while members > 0 */
	unsigned int members;
	uint64_t drops;		/* PACKET_STATISTICS tp_drops, accumulated */
	uint16_t nb_fds;
	int fd[RTAP_MAX_QUEUES];
	/*
	 * rxmode=ring: the primary's mapping of each Rx queue's ring.  Only
	 * the primary polls such queues (secondaries are refused at attach,
	 * rtap_packet_secondary_ok), so a process-local address here is
	 * never used by another process.
	 */
	uint8_t *map[RTAP_MAX_QUEUES];
	size_t map_len[RTAP_MAX_QUEUES];
};

/* Frames per recvmmsg/sendmmsg call. */
#define RTAP_PKT_BATCH		32
#define RTAP_PKT_MAX_SEGS	64	/* 64 KB GSO frame in 1 KB mbufs */

struct rtap_pkt_rx_slot {
	struct virtio_net_hdr hdr;
	struct rte_mbuf *m[RTAP_PKT_MAX_SEGS];
	/* header, the mbufs, and the spill area (no LRO, see below) */
	struct iovec iov[2 + RTAP_PKT_MAX_SEGS];
};

struct rtap_pkt_rxq {
	struct rtap_rxq base;	/* first: shared stats, xstats, info */
	int fd;
	uint16_t maxseg;
	/* rxmode=ring (else ring == NULL and the slots below are used) */
	uint8_t *ring;		/* primary's mapping, blk_nr * blk_size */
	uint32_t blk_size;
	uint32_t blk_nr;
	uint32_t blk;		/* block read next */
	uint32_t blk_left;	/* frames of blk not read yet, 0: not open */
	uint32_t blk_off;	/* offset in blk of the next frame */
	struct rtap_pkt_rx_slot slot[RTAP_PKT_BATCH];
	struct mmsghdr msg[RTAP_PKT_BATCH];
	/*
	 * Without LRO (rtap_seg.c): a kernel GSO frame overflows the posted
	 * mbufs into the slot's spill area (spill + i * spill_stride, the
	 * first posted bytes left free to make the frame contiguous) and is
	 * cut into MTU frames.  Those a full burst had no room for wait in
	 * seg[], and the frames of the same recvmmsg batch still unread wait
	 * in their slots: slot[rx_cur, rx_n).
	 */
	uint8_t *spill;
	uint32_t spill_stride;
	uint32_t posted;	/* maxseg * seg_room */
	uint16_t rx_cur;
	uint16_t rx_n;
	uint16_t seg_head;
	uint16_t seg_n;
	struct rte_mbuf *seg[RTAP_SEG_MAX];
};

struct rtap_pkt_txq {
	struct rtap_txq base;	/* first: shared stats, xstats, info */
	int fd;
	struct virtio_net_hdr hdr[RTAP_PKT_BATCH];
	struct iovec iov[RTAP_PKT_BATCH][1 + RTAP_PKT_MAX_SEGS];
	struct mmsghdr msg[RTAP_PKT_BATCH];
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

/* "262144", "256k", "4m": a whole number of bytes within the limits. */
static int
rtap_packet_parse_sockbuf(const char *v, unsigned int *out)
{
	unsigned long long n;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || n > RTAP_PACKET_SOCKBUF_MAX)
		return -EINVAL;
	if (*end == 'k' || *end == 'K') {
		n <<= 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		n <<= 20;
		end++;
	}
	if (*end != '\0' || n < RTAP_PACKET_SOCKBUF_MIN ||
	    n > RTAP_PACKET_SOCKBUF_MAX)
		return -EINVAL;
	/* Even: the kernel stores twice the (integer) half we pass. */
	*out = (unsigned int)n & ~1u;
	return 0;
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
	} else if (strcmp(key, RTAP_PACKET_ARG_RXMODE) == 0) {
		if (value != NULL && strcmp(value, "mmsg") == 0) {
			kv->pk->rxmode = RTAP_PKT_RX_MMSG;
		} else if (value != NULL && strcmp(value, "ring") == 0) {
			kv->pk->rxmode = RTAP_PKT_RX_RING;
		} else {
			RTAP_LOG(ERR, "%s: invalid rxmode '%s': use mmsg (recvmmsg) or ring (TPACKET_V3)",
				 kv->ifname, value ? value : "");
			kv->bad = 1;
			return -1;
		}
	} else if (strcmp(key, RTAP_PACKET_ARG_SOCKBUF) == 0) {
		kv->pk->sockbuf_set = 1;
		if (rtap_packet_parse_sockbuf(value, &kv->pk->sockbuf) < 0) {
			RTAP_LOG(ERR, "%s: invalid sockbuf '%s': use bytes (k/m suffix allowed) from %u to %u",
				 kv->ifname, value ? value : "",
				 RTAP_PACKET_SOCKBUF_MIN,
				 RTAP_PACKET_SOCKBUF_MAX);
			kv->bad = 1;
			return -1;
		}
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
	if (!ctx.bad)
		rte_kvargs_process(kv, RTAP_PACKET_ARG_SOCKBUF,
				   rtap_packet_kv, &ctx);
	if (!ctx.bad)
		rte_kvargs_process(kv, RTAP_PACKET_ARG_RXMODE,
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
		ret = errno != 0 ? -errno : -ENODEV;
		RTAP_LOG(ERR, "backend=%s: interface '%s' does not exist in this network namespace: %s",
			 backend, name, strerror(-ret));
		return ret;
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
	pk->sockbuf = RTAP_PACKET_SOCKBUF_DEFAULT;
	/*
	 * Qdisc bypass by default (as DPDK's net_af_packet): 64-byte txonly
	 * 0.509 vs 0.447 Mpps, every interleaved round faster (doc/
	 * performance.md, redirect).  A full driver queue then pushes back
	 * (ENOBUFS: the frame stays with the caller) instead of filling a
	 * qdisc that the application's own queue management cannot see.
	 */
	pk->qdisc_bypass = 1;
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
	RTAP_LOG(INFO, "%s: AF_PACKET ifindex %d, fanout %s, qdisc bypass %s, sockbuf %u%s, rxmode %s%s",
		 p->ifname, p->ifindex, rtap_fanout_name(pk->fanout_type),
		 pk->qdisc_bypass ? "on" : "off", pk->sockbuf,
		 pk->sockbuf_set ? "" : " (1 MB with LRO)",
		 pk->rxmode == RTAP_PKT_RX_RING ? "ring" : "mmsg",
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
		val = (pk->fanout_type | RTAP_FANOUT_FLAGS |
		       PACKET_FANOUT_FLAG_UNIQUEID) << 16;
		ret = rtap_sockopt(fd, SOL_PACKET, PACKET_FANOUT, val);
		if (ret == 0 && getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val,
					   &len) < 0)
			ret = -errno;
		if (ret == 0)
			pk->fanout_id = val & 0xffff;
	} else {
		val = pk->fanout_id |
		      ((pk->fanout_type | RTAP_FANOUT_FLAGS) << 16);
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

/*
 * The buffer limit of the port's sockets: sockbuf= if given, else by
 * whether the port was configured with LRO (queues open at start, after
 * configure, so it is known; see RTAP_PACKET_SOCKBUF_LRO).
 */
static unsigned int
rtap_packet_sockbuf(const struct rtap_priv *p, const struct rtap_packet *pk)
{
	if (pk->sockbuf_set)
		return pk->sockbuf;
	return p->dev != NULL && p->dev->data->lro ?
	       RTAP_PACKET_SOCKBUF_LRO : RTAP_PACKET_SOCKBUF_DEFAULT;
}

/*
 * The kernel doubles what setsockopt asks for (socket(7): room for its
 * bookkeeping), so ask for half to get the limit we want.  FORCE
 * needs CAP_NET_ADMIN; without it the plain call is capped by
 * rmem_max/wmem_max, which is reported, not fatal.
 */
static void
rtap_packet_set_sockbuf(struct rtap_priv *p, struct rtap_packet *pk, int fd,
			uint16_t idx)
{
	static const struct {
		int force, plain;
		const char *name;
	} opt[] = {
		{ SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF" },
		{ SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF" },
	};
	unsigned int limit = rtap_packet_sockbuf(p, pk);
	int want = (int)(limit / 2), got;
	socklen_t len;
	unsigned int i;

	for (i = 0; i < RTE_DIM(opt); i++) {
		if (rtap_sockopt(fd, SOL_SOCKET, opt[i].force, want) < 0)
			rtap_sockopt(fd, SOL_SOCKET, opt[i].plain, want);
		len = sizeof(got);
		if (getsockopt(fd, SOL_SOCKET, opt[i].plain, &got, &len) == 0 &&
		    (unsigned int)got != limit)
			RTAP_LOG(WARNING, "%s: queue %u: %s is %d, not %u (no CAP_NET_ADMIN: capped by net.core.[rw]mem_max)",
				 p->ifname, idx, opt[i].name, got, limit);
	}
}

/*
 * Open queue idx's socket; with req, give it a TPACKET_V3 Rx ring before
 * bind (nothing reaches the socket before it is bound, so no frame is
 * left in the receive queue that the ring's reader would never see).
 * PACKET_VNET_HDR must come first: the kernel refuses it (EBUSY) once a
 * ring exists.
 */
static int
rtap_packet_open_sock(struct rtap_priv *p, uint16_t idx, int *fdp,
		      const struct tpacket_req3 *req)
{
	struct rtap_packet *pk = p->be_priv;
	struct sockaddr_ll sll;
	const char *what;
	int fd, ret;

	/*
	 * Protocol 0: nothing is queued to us before bind() picks the device.
	 * Non-blocking: the datapath only ever uses MSG_DONTWAIT anyway.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
	rtap_packet_set_sockbuf(p, pk, fd, idx);
	if (req != NULL) {
		what = "PACKET_VERSION TPACKET_V3";
		ret = rtap_sockopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3);
		if (ret < 0)
			goto fail;
		what = "PACKET_RX_RING (TPACKET_V3 with PACKET_VNET_HDR needs Linux >= 5.1)";
		if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req,
			       sizeof(*req)) < 0) {
			ret = -errno;
			goto fail;
		}
	}

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

static int
rtap_packet_open_queue(struct rtap_priv *p, uint16_t idx, int *fdp)
{
	return rtap_packet_open_sock(p, idx, fdp, NULL);
}

/*
 * Frames the kernel dropped for queue idx's socket (full receive buffer,
 * or every block of the ring still ours) go to imissed.  A TPACKET_V3
 * socket also counts how often its ring froze (tp_freeze_q_cnt: all
 * blocks with user space), reported as the queue's rx_no_buffer_events;
 * other versions copy only struct tpacket_stats and say so in len.
 */
static void
rtap_packet_account_drops(struct rtap_priv *p, struct rtap_packet *pk,
			  uint16_t idx, int fd)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);
	struct rtap_pkt_rxq *q = NULL;

	memset(&st, 0, sizeof(st));
	/* Reading the counters resets them (packet_getsockopt). */
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0)
		return;
	pk->drops += st.tp_drops;
	if (p->dev != NULL && p->dev->data->rx_queues != NULL &&
	    idx < p->dev->data->nb_rx_queues)
		q = p->dev->data->rx_queues[idx];
	if (q != NULL && len >= sizeof(st))
		q->base.xs.no_buf += st.tp_freeze_q_cnt;
}

static void
rtap_packet_close_queue(struct rtap_priv *p, uint16_t idx, int fd)
{
	struct rtap_packet *pk = p->be_priv;

	if (pk != NULL) {
		rtap_packet_account_drops(p, pk, idx, fd);
		if (pk->members > 0 && --pk->members == 0)
			pk->fanout_id = 0;
		if (idx < RTAP_MAX_QUEUES && pk->map[idx] != NULL) {
			munmap(pk->map[idx], pk->map_len[idx]);
			pk->map[idx] = NULL;
			pk->map_len[idx] = 0;
		}
	}
	close(fd);
}


/*
 * ---- datapath ----
 *
 * Measured first with the shared io_uring datapath (rtap_rxtx.c): every
 * posted read on a socket is an entry on the socket's wait queue, and
 * every frame in (sock_def_readable) or every Tx skb freed
 * (sock_def_write_space) walks all of them.  With 512 reads posted,
 * 64-byte txonly ran at 0.04 Mpps (0.24 Mpps with 64 posted; perf: 84%
 * in the wake-up's irqrestore) and TCP through tap<->packet at 0.35/2.0
 * Gbit/s.  A packet socket needs no posted buffers, so this backend
 * batches plain recvmmsg()/sendmmsg() with MSG_DONTWAIT instead: one
 * system call per burst each way, no waiter, no per-packet call.
 */

/*
 * ---- rxmode=ring: TPACKET_V3 block ring ----
 *
 * The kernel's packet handler (tpacket_rcv) copies each frame into the
 * current block of a ring shared with us, the virtio-net header just
 * before the MAC header (tpacket_rcv fills it since Linux 5.1, commit
 * 58d19b19cd99 "packet: vnet_hdr support for tpacket_rcv"), and frees
 * the skb in the softirq; the block is handed over (block_status
 * TP_STATUS_USER) when full or after tp_retire_blk_tov ms.  rx_burst then
 * needs no system call: it copies frames out of user-owned blocks into
 * fresh mbufs (chains past one mbuf) and gives each block back as soon as
 * its last frame is copied.  The price: at low rates a frame waits up to
 * the block timeout (doc/guides/nics/rtap.rst, rxmode).
 *
 * Geometry (Documentation/networking/packet_mmap.rst): blocks are a
 * power-of-two number of pages; a frame never spans blocks, so a block
 * holds the largest frame the kernel may hand over plus the block
 * descriptor, struct tpacket3_hdr + sockaddr_ll, the vnet header and
 * alignment: 128 KB, as a 64 KB GSO frame comes whether or not the queue
 * has LRO (without, it is cut, rtap_seg.c).  sockbuf= sizes the ring
 * (whole blocks, at least RTAP_PKT_RING_MIN_BLKS) as it sizes the receive
 * buffer in mmsg mode.
 * Blocks, not bytes, bound how long the poller may be away: at low
 * rates the timeout hands over blocks holding a few frames each (an
 * unread 4-block ring held 262 paced 100-byte frames, not the ~2200 its
 * bytes fit), so small blocks and at least 8 of them.  tp_frame_size
 * only feeds packet_set_ring's arithmetic: V3 packs frames by their
 * real size.
 */
#define RTAP_PKT_RING_HDROOM	256u
#define RTAP_PKT_RING_BLK_MIN	(16u << 10)
#define RTAP_PKT_RING_MIN_BLKS	8u
#define RTAP_PKT_RING_FRAME	2048u
#define RTAP_PKT_RING_TOV_MS	1u

static void
rtap_pkt_ring_geometry(uint32_t frame_max, unsigned int bytes,
		       struct tpacket_req3 *req)
{
	uint32_t blk = RTAP_PKT_RING_BLK_MIN;

	while (blk < frame_max + RTAP_PKT_RING_HDROOM)
		blk <<= 1;
	memset(req, 0, sizeof(*req));
	req->tp_block_size = blk;
	req->tp_block_nr = RTE_MAX(bytes / blk, RTAP_PKT_RING_MIN_BLKS);
	req->tp_frame_size = RTAP_PKT_RING_FRAME;
	req->tp_frame_nr = blk / RTAP_PKT_RING_FRAME * req->tp_block_nr;
	req->tp_retire_blk_tov = RTAP_PKT_RING_TOV_MS;
}

static int
rtap_pkt_ring_map(struct rtap_priv *p, struct rtap_packet *pk, uint16_t idx,
		  const struct tpacket_req3 *req)
{
	size_t len = (size_t)req->tp_block_size * req->tp_block_nr;
	void *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 pk->fd[idx], 0);
	if (m == MAP_FAILED) {
		int ret = -errno;

		RTAP_LOG(ERR, "%s: queue %u: mmap of the %zu-byte TPACKET_V3 ring: %s",
			 p->ifname, idx, len, strerror(-ret));
		return ret;
	}
	pk->map[idx] = m;
	pk->map_len[idx] = len;
	return 0;
}

static uint32_t
rtap_pkt_rx_need(struct rte_eth_dev *dev, uint64_t offl)
{
	uint32_t mtu = dev->data->mtu ? dev->data->mtu : RTE_ETHER_MTU;

	if (offl & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		return RTAP_MAX_GSO_FRAME;
	/* Room for the MTU and VLAN tags; more with scatter (jumbo). */
	mtu = RTE_MAX(mtu, (offl & RTE_ETH_RX_OFFLOAD_SCATTER) ? 9000u :
		      RTE_ETHER_MTU);
	return mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN;
}

static int
rtap_pkt_slot_fill(struct rtap_pkt_rxq *q, struct rtap_pkt_rx_slot *s,
		   uint16_t from)
{
	uint16_t j;

	if (from < q->maxseg &&
	    rte_pktmbuf_alloc_bulk(q->base.mp, &s->m[from],
				   q->maxseg - from) != 0)
		return -ENOMEM;
	s->iov[0].iov_base = &s->hdr;
	s->iov[0].iov_len = RTAP_VNET_HDR_LEN;
	for (j = from; j < q->maxseg; j++) {
		s->iov[1 + j].iov_base = rte_pktmbuf_mtod(s->m[j], void *);
		s->iov[1 + j].iov_len = q->base.seg_room;
	}
	return 0;
}

/* Segments cut but not handed out (stop, release). */
static void
rtap_pkt_rxq_drop_segs(struct rtap_pkt_rxq *q)
{
	while (q->seg_n > 0) {
		q->seg_n--;
		rte_pktmbuf_free(q->seg[q->seg_head++]);
	}
	q->seg_head = 0;
	q->rx_cur = q->rx_n = 0;
}

static void
rtap_pkt_rxq_free_mbufs(struct rtap_pkt_rxq *q)
{
	uint16_t i, j;

	for (i = 0; i < RTAP_PKT_BATCH; i++)
		for (j = 0; j < RTAP_PKT_MAX_SEGS; j++) {
			rte_pktmbuf_free(q->slot[i].m[j]);
			q->slot[i].m[j] = NULL;
		}
	rtap_pkt_rxq_drop_segs(q);
}

static void
rtap_pkt_rxq_free(struct rtap_pkt_rxq *q)
{
	rtap_pkt_rxq_free_mbufs(q);
	rte_free(q->spill);
	rte_free(q);
}

static int
rtap_pkt_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			uint16_t nb_desc, unsigned int socket,
			const struct rte_eth_rxconf *conf,
			struct rte_mempool *mp)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_packet *pk = p->be_priv;
	uint64_t offl = dev->data->dev_conf.rxmode.offloads |
			(conf != NULL ? conf->offloads : 0);
	uint32_t room = rte_pktmbuf_data_room_size(mp), need;
	struct rtap_pkt_rxq *q;
	uint16_t i;

	if (room <= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		RTAP_LOG(ERR, "port %u rxq %u: mbufs of pool %s too small (%u)",
			 p->port_id, qid, mp->name, room);
		return -EINVAL;
	}
	room -= RTE_PKTMBUF_HEADROOM;
	need = rtap_pkt_rx_need(dev, offl);
	if (!(offl & (RTE_ETH_RX_OFFLOAD_SCATTER |
		      RTE_ETH_RX_OFFLOAD_TCP_LRO)))
		need = RTE_MIN(need, room);
	if ((need + room - 1) / room > RTAP_PKT_MAX_SEGS) {
		RTAP_LOG(ERR, "port %u rxq %u: %u-byte frames need more than %u mbufs of %u bytes",
			 p->port_id, qid, need, RTAP_PKT_MAX_SEGS, room);
		return -EINVAL;
	}
	if (dev->data->rx_queues[qid] != NULL) {
		rtap_pkt_rxq_free(dev->data->rx_queues[qid]);
		dev->data->rx_queues[qid] = NULL;
	}
	q = rte_zmalloc_socket("rtap_pkt_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->base.c.priv = p;
	q->base.c.qid = qid;
	q->base.c.port_id = p->port_id;
	q->base.mp = mp;
	q->base.nb_desc = nb_desc ? nb_desc : RTAP_PKT_BATCH;
	q->base.fd = -1;
	q->base.efd = -1;
	q->base.offloads = offl;
	q->base.seg_room = room;
	q->maxseg = (uint16_t)((need + room - 1) / room);
	q->base.maxseg = q->maxseg;
	q->posted = (uint32_t)q->maxseg * room;
	q->fd = -1;
	/* Without LRO the kernel still sends GSO frames whole: room to
	 * take them in, and cut them (rtap_seg.c). */
	if (!(offl & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
	    pk->rxmode != RTAP_PKT_RX_RING) {
		q->spill_stride = RTE_ALIGN_CEIL(q->posted + RTAP_MAX_GSO_FRAME,
						 RTE_CACHE_LINE_SIZE);
		q->spill = rte_malloc_socket("rtap_pkt_spill",
					     (size_t)RTAP_PKT_BATCH *
					     q->spill_stride,
					     RTE_CACHE_LINE_SIZE, (int)socket);
		/* Degrade, not fail: such frames are then dropped and
		 * counted, as before this area existed. */
		if (q->spill == NULL)
			RTAP_LOG(WARNING, "port %u rxq %u: no memory for the %u KB GSO spill area: kernel GSO frames will be dropped (rx_bad_length_errors); enable TCP_LRO to take them",
				 p->port_id, qid,
				 RTAP_PKT_BATCH * q->spill_stride >> 10);
	}
	for (i = 0; i < RTAP_PKT_BATCH; i++) {
		struct rtap_pkt_rx_slot *s = &q->slot[i];

		q->msg[i].msg_hdr.msg_iov = s->iov;
		q->msg[i].msg_hdr.msg_iovlen = 1 + q->maxseg;
		/* rxmode=ring copies into fresh mbufs: nothing posted. */
		if (pk->rxmode == RTAP_PKT_RX_RING)
			continue;
		if (rtap_pkt_slot_fill(q, s, 0) < 0) {
			RTAP_LOG(ERR, "port %u rxq %u: cannot get %u mbufs from %s",
				 p->port_id, qid, RTAP_PKT_BATCH * q->maxseg,
				 mp->name);
			rtap_pkt_rxq_free(q);
			return -ENOMEM;
		}
		if (q->spill != NULL) {
			s->iov[1 + q->maxseg].iov_base = q->spill +
				(size_t)i * q->spill_stride + q->posted;
			s->iov[1 + q->maxseg].iov_len = RTAP_MAX_GSO_FRAME;
			q->msg[i].msg_hdr.msg_iovlen = 2 + q->maxseg;
		}
	}
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
rtap_pkt_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			uint16_t nb_desc, unsigned int socket,
			const struct rte_eth_txconf *conf)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_pkt_txq *q;
	uint16_t i;

	if (dev->data->tx_queues[qid] != NULL) {
		rte_free(dev->data->tx_queues[qid]);
		dev->data->tx_queues[qid] = NULL;
	}
	q = rte_zmalloc_socket("rtap_pkt_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->base.c.priv = p;
	q->base.c.qid = qid;
	q->base.c.port_id = p->port_id;
	q->base.nb_desc = nb_desc ? nb_desc : RTAP_PKT_BATCH;
	q->base.fd = -1;
	q->base.offloads = dev->data->dev_conf.txmode.offloads |
			   (conf != NULL ? conf->offloads : 0);
	q->fd = -1;
	for (i = 0; i < RTAP_PKT_BATCH; i++)
		q->msg[i].msg_hdr.msg_iov = q->iov[i];
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void
rtap_pkt_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct rtap_pkt_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL)
		return;
	rtap_pkt_rxq_free(q);
	dev->data->rx_queues[qid] = NULL;
}

static void
rtap_pkt_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

static void
rtap_pkt_queues_stop(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_packet *pk = p->be_priv;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_pkt_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		q->base.c.started = 0;
		q->fd = -1;
		q->base.efd = -1;
		q->ring = NULL;	/* unmapped with its socket below */
		q->blk_left = 0;
		rtap_pkt_rxq_drop_segs(q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_pkt_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		q->base.c.started = 0;
		q->fd = -1;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	if (pk == NULL)
		return;
	p->nb_fds = 0;	/* the fd table handed to secondaries */
	for (i = 0; i < pk->nb_fds; i++) {
		p->qfd[i] = -1;
		if (pk->fd[i] >= 0)
			rtap_packet_close_queue(p, i, pk->fd[i]);
	}
	pk->nb_fds = 0;
}

static int
rtap_pkt_queues_start(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_packet *pk = p->be_priv;
	uint16_t nfd = RTE_MAX(dev->data->nb_rx_queues, 1), i;
	int ret;

	for (i = 0; i < nfd; i++) {
		struct tpacket_req3 req, *ring = NULL;

		if (pk->rxmode == RTAP_PKT_RX_RING &&
		    i < dev->data->nb_rx_queues &&
		    dev->data->rx_queues[i] != NULL) {
			struct rtap_pkt_rxq *q = dev->data->rx_queues[i];

			/* The kernel sends GSO frames whatever the queue
			 * takes: blocks hold one, cut without LRO. */
			rtap_pkt_ring_geometry(RTE_MAX((uint32_t)q->maxseg *
						       q->base.seg_room,
						       RTAP_MAX_GSO_FRAME),
					       rtap_packet_sockbuf(p, pk),
					       &req);
			q->blk_size = req.tp_block_size;
			q->blk_nr = req.tp_block_nr;
			ring = &req;
		}
		ret = rtap_packet_open_sock(p, i, &pk->fd[i], ring);
		if (ret < 0)
			goto fail;
		pk->nb_fds = i + 1;
		if (ring != NULL) {
			ret = rtap_pkt_ring_map(p, pk, i, ring);
			if (ret < 0)
				goto fail;
		}
		/* Secondaries get these over the mp channel (rtap_mp.c). */
		p->qfd[i] = pk->fd[i];
		p->nb_fds = pk->nb_fds;
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_pkt_rxq *q = dev->data->rx_queues[i];

		if (q == NULL) {
			ret = -EINVAL;
			goto fail;
		}
		q->fd = pk->fd[i];
		/* Pollable: the Rx interrupt fd (RTAP_BE_F_RX_SOCK_INTR);
		 * with a ring it polls readable once a block is ours. */
		q->base.efd = q->fd;
		q->ring = pk->map[i];	/* geometry set when mapped */
		q->blk = 0;
		q->blk_left = 0;
		q->rx_cur = q->rx_n = 0;
		q->base.c.dead = 0;
		q->base.c.started = 1;
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_pkt_txq *q = dev->data->tx_queues[i];

		if (q == NULL) {
			ret = -EINVAL;
			goto fail;
		}
		/* Same mapping as the fd datapath: no socket left unread. */
		q->fd = pk->fd[i % nfd];
		q->base.c.dead = 0;
		q->base.c.started = 1;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
fail:
	RTAP_LOG(ERR, "%s: cannot start queues: %s", p->ifname,
		 strerror(-ret));
	rtap_pkt_queues_stop(dev);
	return ret;
}

/* Counters of a frame delivered by either Rx mode. */
static inline void
rtap_pkt_rx_account(struct rtap_rxq *b, const struct rtap_vnet_rx_info *info,
		    uint32_t len, uint16_t nseg)
{
	switch (info->csum) {
	case RTAP_VNET_CSUM_GOOD:
		b->xs.csum_good++;
		break;
	case RTAP_VNET_CSUM_PARTIAL:
		b->xs.csum_partial++;
		break;
	default:
		b->xs.csum_none++;
	}
	if (info->gso) {
		b->xs.lro++;
		if (info->ecn)
			b->xs.lro_ecn++;
	}
	if (nseg > 1)
		b->xs.multiseg++;
	rtap_size_bucket(b->xs.size, len);
	b->c.bytes += len;
}

/* Header decode, and the checksum finished when the app did not ask for
 * unfinished ones (the packet socket cannot be told not to send them). */
static inline int
rtap_pkt_rx_decode(struct rtap_rxq *b, const struct virtio_net_hdr *hdr,
		   struct rte_mbuf *head, struct rtap_vnet_rx_info *info)
{
	return rtap_vnet_rx_decode(hdr, head, info) != RTAP_VNET_OK ||
	       (info->csum == RTAP_VNET_CSUM_PARTIAL &&
		!(b->offloads & RTAP_RX_L4_CSUM_OFFLOADS) &&
		rtap_vnet_rx_csum_finish(head) != RTAP_VNET_OK) ? -EINVAL : 0;
}

static inline void
rtap_pkt_ring_next_block(struct rtap_pkt_rxq *q, struct tpacket_block_desc *bd)
{
	/* Our reads of the block happen before the kernel may refill it. */
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	q->blk = q->blk + 1 == q->blk_nr ? 0 : q->blk + 1;
	q->blk_left = 0;
}

/* Copy one frame (vnet header at vh, len bytes at data) into an mbuf
 * chain; -ENOMEM leaves the frame in the ring for the next burst. */
static int
rtap_pkt_ring_copy(struct rtap_pkt_rxq *q, const uint8_t *vh,
		   const uint8_t *data, uint32_t len, struct rte_mbuf **out)
{
	struct rtap_rxq *b = &q->base;
	struct rte_mbuf *seg[RTAP_PKT_MAX_SEGS];
	struct rtap_vnet_rx_info info;
	struct virtio_net_hdr hdr;
	uint16_t nseg = (uint16_t)((len + b->seg_room - 1) / b->seg_room), j;
	uint32_t left = len;

	if (unlikely(rte_pktmbuf_alloc_bulk(b->mp, seg, nseg) != 0)) {
		b->xs.alloc_fail++;
		rte_eth_devices[b->c.port_id].data->rx_mbuf_alloc_failed++;
		return -ENOMEM;
	}
	memcpy(&hdr, vh, sizeof(hdr));
	for (j = 0; j < nseg; j++) {
		uint16_t n = (uint16_t)RTE_MIN(left, b->seg_room);

		rte_memcpy(rte_pktmbuf_mtod(seg[j], void *), data, n);
		seg[j]->data_len = n;
		seg[j]->next = j + 1 < nseg ? seg[j + 1] : NULL;
		data += n;
		left -= n;
	}
	seg[0]->pkt_len = len;
	seg[0]->nb_segs = nseg;
	seg[0]->port = b->c.port_id;
	if (unlikely(rtap_pkt_rx_decode(b, &hdr, seg[0], &info) < 0)) {
		b->xs.bad_vnet++;
		b->c.errors++;
		rte_pktmbuf_free(seg[0]);
		return -EINVAL;
	}
	rtap_pkt_rx_account(b, &info, len, nseg);
	*out = seg[0];
	return 0;
}

static uint16_t rtap_pkt_rx_split(struct rtap_pkt_rxq *q,
				  const struct virtio_net_hdr *hdr,
				  const uint8_t *frame, uint32_t len,
				  struct rte_mbuf **pkts, uint16_t room);

/* Frames out of user-owned blocks; the caller counts them in c.pkts. */
static uint16_t
rtap_pkt_ring_rx(struct rtap_pkt_rxq *q, struct rte_mbuf **pkts,
		 uint16_t nb_pkts)
{
	struct rtap_rxq *b = &q->base;
	const uint32_t hlen = (uint32_t)sizeof(struct tpacket3_hdr);
	const uint32_t limit = (uint32_t)q->maxseg * b->seg_room;
	uint16_t nb_rx = 0;

	while (nb_rx < nb_pkts && q->seg_n == 0) {
		uint8_t *base = q->ring + (size_t)q->blk * q->blk_size;
		struct tpacket_block_desc *bd = (void *)base;
		const struct tpacket3_hdr *h;
		uint32_t off, room, snap, len, mac, next;
		int ret;

		if (q->blk_left == 0) {
			if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
					      __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				break;
			q->blk_left = bd->hdr.bh1.num_pkts;
			q->blk_off = bd->hdr.bh1.offset_to_first_pkt;
			if (q->blk_left == 0) {
				rtap_pkt_ring_next_block(q, bd);
				continue;
			}
		}
		/*
		 * Every offset and length read from the ring is checked
		 * against the block before use.  A frame header we cannot
		 * place loses the rest of the block (counted); a frame that
		 * is only itself wrong is counted and skipped.
		 */
		off = q->blk_off;
		/* V3 frames are 8-byte aligned (V3_ALIGNMENT in af_packet.c);
		 * 4 is what reading the header's u32 fields needs. */
		if (unlikely(off < sizeof(*bd) || off > q->blk_size - hlen ||
			     (off & 3) != 0)) {
			b->xs.bad_len += q->blk_left;
			b->c.errors += q->blk_left;
			rtap_pkt_ring_next_block(q, bd);
			continue;
		}
		h = (const void *)(base + off);
		room = q->blk_size - off;
		snap = h->tp_snaplen;
		len = h->tp_len;
		mac = h->tp_mac;
		next = h->tp_next_offset;
		if (likely(mac >= hlen + RTAP_VNET_HDR_LEN && mac < room &&
			   snap <= room - mac && snap == len &&
			   len >= RTE_ETHER_HDR_LEN && len <= limit &&
			   h->tp_net >= mac && h->tp_net - mac <= snap)) {
			struct rte_mbuf *m;

			ret = rtap_pkt_ring_copy(q, base + off + mac -
						 RTAP_VNET_HDR_LEN,
						 base + off + mac, len, &m);
			if (unlikely(ret == -ENOMEM))
				break;
			if (ret == 0)
				pkts[nb_rx++] = m;
		} else if (mac >= hlen + RTAP_VNET_HDR_LEN && mac < room &&
			   snap <= room - mac && snap == len &&
			   len > limit) {
			/* Whole in the block but longer than the queue
			 * takes: a GSO frame without LRO is cut. */
			struct virtio_net_hdr vh;

			memcpy(&vh, base + off + mac - RTAP_VNET_HDR_LEN,
			       sizeof(vh));
			nb_rx += rtap_pkt_rx_split(q, &vh, base + off + mac,
						   len, pkts + nb_rx,
						   (uint16_t)(nb_pkts - nb_rx));
		} else {
			/* Truncated (snaplen < len: larger than the block or
			 * than this queue takes) or impossible. */
			b->xs.bad_len++;
			b->c.errors++;
		}
		if (--q->blk_left == 0) {
			rtap_pkt_ring_next_block(q, bd);
			continue;
		}
		if (unlikely(next < hlen || next > room - hlen)) {
			b->xs.bad_len += q->blk_left;
			b->c.errors += q->blk_left;
			rtap_pkt_ring_next_block(q, bd);
			continue;
		}
		q->blk_off = off + next;
	}
	return nb_rx;
}

static int
rtap_pkt_fatal(int err)
{
	return err == ENXIO || err == ENODEV || err == ENETDOWN ||
	       err == EBADF;
}

/* Hand the segments a previous burst had no room for. */
static uint16_t
rtap_pkt_seg_drain(struct rtap_pkt_rxq *q, struct rte_mbuf **pkts,
		   uint16_t nb_pkts)
{
	uint16_t k = RTE_MIN(q->seg_n, nb_pkts);

	memcpy(pkts, &q->seg[q->seg_head], k * sizeof(pkts[0]));
	q->seg_head = (uint16_t)(q->seg_head + k);
	q->seg_n = (uint16_t)(q->seg_n - k);
	if (q->seg_n == 0)
		q->seg_head = 0;
	return k;
}

/*
 * A kernel GSO frame on a queue without LRO (rtap_seg.c), contiguous at
 * frame: cut it; the segments past the burst (room) wait in q->seg,
 * which is empty when this is called.  Returns the segments put in pkts.
 */
static uint16_t
rtap_pkt_rx_split(struct rtap_pkt_rxq *q, const struct virtio_net_hdr *hdr,
		  const uint8_t *frame, uint32_t len, struct rte_mbuf **pkts,
		  uint16_t room)
{
	struct rtap_rxq *b = &q->base;
	struct rte_mbuf *seg[RTAP_SEG_MAX];
	struct virtio_net_hdr sh[RTAP_SEG_MAX];
	uint16_t nb = 0;
	int n, k;

	if (hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		/* Longer than the queue takes and not GSO: as MSG_TRUNC. */
		b->xs.bad_len++;
		b->c.errors++;
		return 0;
	}
	n = rtap_seg_split(hdr, frame, len, b->mp, b->seg_room, seg, sh,
			   RTAP_SEG_MAX);
	if (unlikely(n < 0)) {
		if (n == RTAP_SEG_ENOMEM) {
			b->xs.alloc_fail++;
			b->c.dropped++;
			rte_eth_devices[b->c.port_id].data->
				rx_mbuf_alloc_failed++;
		} else {
			/* Headers that do not match the GSO type, or a
			 * segment count the kernel would not make. */
			b->xs.bad_vnet++;
			b->c.errors++;
		}
		return 0;
	}
	b->xs.sw_gso++;
	for (k = 0; k < n; k++) {
		struct rtap_vnet_rx_info info;
		struct rte_mbuf *m = seg[k];

		m->port = b->c.port_id;
		if (unlikely(rtap_pkt_rx_decode(b, &sh[k], m, &info) < 0)) {
			b->xs.bad_vnet++;
			b->c.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		rtap_pkt_rx_account(b, &info, m->pkt_len, m->nb_segs);
		b->xs.sw_gso_segs++;
		if (nb < room)
			pkts[nb++] = m;
		else
			q->seg[q->seg_n++] = m;
	}
	return nb;
}

/*
 * recvmmsg mode: the frame overflowed the slot's mbufs into its spill
 * area, which starts q->posted bytes in.  Copy the mbufs' part in front
 * to make it contiguous.  The slot keeps its mbufs.
 */
static uint16_t
rtap_pkt_rx_spilled(struct rtap_pkt_rxq *q, struct rtap_pkt_rx_slot *s,
		    uint8_t *spill, uint32_t len, struct rte_mbuf **pkts,
		    uint16_t room)
{
	uint16_t j;

	if (s->hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		for (j = 0; j < q->maxseg; j++)
			memcpy(spill + (uint32_t)j * q->base.seg_room,
			       s->iov[1 + j].iov_base, q->base.seg_room);
	return rtap_pkt_rx_split(q, &s->hdr, spill, len, pkts, room);
}

static uint16_t
rtap_pkt_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_pkt_rxq *q = queue;
	struct rtap_rxq *b = &q->base;
	struct rtap_priv *p = b->c.priv;
	uint16_t nb_rx = 0;
	int n, fd;

	if (unlikely(!b->c.started || b->c.dead ||
		     rtap_load_relaxed(&p->gone)))
		return 0;
	if (unlikely(q->seg_n > 0)) {
		nb_rx = rtap_pkt_seg_drain(q, pkts, nb_pkts);
		if (q->seg_n > 0)
			goto out;
	}
	if (q->ring != NULL) {
		nb_rx += rtap_pkt_ring_rx(q, pkts + nb_rx,
					  (uint16_t)(nb_pkts - nb_rx));
		goto out;
	}
	if (q->rx_cur == q->rx_n) {
		if (nb_rx == nb_pkts)
			goto out;
		/* q is shared memory; the socket's fd number is this
		 * process's. */
		fd = rtap_proc_of(&b->c)->qfd[b->c.qid];
		if (unlikely(fd < 0) &&
		    (fd = rtap_proc_queue_fd(&b->c, 0)) < 0)
			goto out;
		n = recvmmsg(fd, q->msg,
			     RTE_MIN((uint16_t)(nb_pkts - nb_rx),
				     RTAP_PKT_BATCH),
			     MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				b->xs.read_err++;
				b->c.errors++;
				if (rtap_pkt_fatal(errno)) {
					RTAP_LOG(ERR, "%s rxq %u: recvmmsg: %s; queue stopped",
						 p->ifname, b->c.qid,
						 strerror(errno));
					b->c.dead = 1;
				}
			}
			goto out;
		}
		q->rx_cur = 0;
		q->rx_n = (uint16_t)n;
	}
	/* Stop at a full burst only with segments waiting: without GSO
	 * frames the batch never holds more frames than the burst asked. */
	while (q->rx_cur < q->rx_n && q->seg_n == 0 && nb_rx < nb_pkts) {
		uint16_t i = q->rx_cur++;
		struct rtap_pkt_rx_slot *s = &q->slot[i];
		struct rtap_vnet_rx_info info;
		struct rte_mbuf *head = s->m[0];
		struct rte_mbuf *fresh[RTAP_PKT_MAX_SEGS];
		uint32_t len = q->msg[i].msg_len, left;
		uint16_t nseg, j;

		/* The kernel's length is validated, never trusted. */
		if (unlikely((q->msg[i].msg_hdr.msg_flags & MSG_TRUNC) ||
			     len < RTAP_VNET_HDR_LEN + RTE_ETHER_HDR_LEN)) {
			b->xs.bad_len++;
			b->c.errors++;
			continue;	/* slot keeps its mbufs */
		}
		len -= RTAP_VNET_HDR_LEN;
		if (unlikely(len > q->posted)) {
			if (q->spill == NULL ||
			    len > q->posted + RTAP_MAX_GSO_FRAME) {
				b->xs.bad_len++;
				b->c.errors++;
				continue;
			}
			nb_rx += rtap_pkt_rx_spilled(q, s,
				q->spill + (size_t)i * q->spill_stride, len,
				pkts + nb_rx, (uint16_t)(nb_pkts - nb_rx));
			continue;
		}
		nseg = (uint16_t)((len + b->seg_room - 1) / b->seg_room);
		left = len;
		for (j = 0; j < nseg; j++) {
			struct rte_mbuf *m = s->m[j];

			m->data_off = RTE_PKTMBUF_HEADROOM;
			m->data_len = (uint16_t)RTE_MIN(left, b->seg_room);
			left -= m->data_len;
			m->next = j + 1 < nseg ? s->m[j + 1] : NULL;
		}
		head->pkt_len = len;
		head->nb_segs = nseg;
		head->port = b->c.port_id;
		head->ol_flags = 0;
		if (unlikely(rtap_pkt_rx_decode(b, &s->hdr, head, &info) < 0)) {
			/* The kernel cannot be told to stop sending partial
			 * checksums on a packet socket: an application that
			 * did not ask for them gets finished ones. */
			b->xs.bad_vnet++;
			b->c.errors++;
			for (j = 0; j < nseg; j++)
				s->m[j]->next = NULL;
			continue;
		}
		if (unlikely(rte_pktmbuf_alloc_bulk(b->mp, fresh, nseg) != 0)) {
			/* Nothing to replace them with: drop, keep buffers. */
			for (j = 0; j < nseg; j++)
				s->m[j]->next = NULL;
			b->xs.alloc_fail++;
			b->c.dropped++;
			rte_eth_devices[b->c.port_id].data->
				rx_mbuf_alloc_failed++;
			continue;
		}
		/* The used mbufs leave with the frame; fresh ones take
		 * their place (a 64-byte frame costs one allocation). */
		for (j = 0; j < nseg; j++) {
			s->m[j] = fresh[j];
			s->iov[1 + j].iov_base =
				rte_pktmbuf_mtod(fresh[j], void *);
		}
		rtap_pkt_rx_account(b, &info, len, nseg);
		pkts[nb_rx++] = head;
	}
out:
	b->c.pkts += nb_rx;
	return nb_rx;
}


/*
 * Send msgs [0, n) of the batch; returns how many the kernel took.  On
 * push-back (EAGAIN, ENOBUFS) the rest stays with the caller.
 */
static int
rtap_pkt_send(struct rtap_pkt_txq *q, int fd, unsigned int n)
{
	struct rtap_txq *b = &q->base;
	unsigned int done = 0;
	int k;

	while (done < n) {
		k = sendmmsg(fd, &q->msg[done], n - done, MSG_DONTWAIT);
		if (k > 0) {
			done += (unsigned int)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS)
			break;
		/*
		 * A frame the kernel refuses (EMSGSIZE: too big without
		 * GSO, EINVAL: header it rejects) is dropped and counted,
		 * so one bad frame cannot wedge the queue.
		 */
		b->xs.write_err++;
		b->c.errors++;
		if (rtap_pkt_fatal(errno)) {
			if (!b->c.dead)
				RTAP_LOG(ERR, "%s txq %u: sendmmsg: %s; queue stopped",
					 b->c.priv->ifname, b->c.qid,
					 strerror(errno));
			b->c.dead = 1;
			break;
		}
		q->msg[done].msg_len = UINT32_MAX;	/* mark: dropped */
		done++;
	}
	return (int)done;
}

static uint16_t
rtap_pkt_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_pkt_txq *q = queue;
	struct rtap_txq *b = &q->base;
	struct rtap_priv *p = b->c.priv;
	struct rte_mbuf *batch[RTAP_PKT_BATCH];
	struct rtap_proc *pp = rtap_proc_of(&b->c);
	uint16_t i = 0, consumed = 0;
	int fd;

	if (unlikely(!b->c.started))
		return 0;
	if (unlikely(b->c.dead || rtap_load_relaxed(&p->gone))) {
		b->xs.link_down += nb_pkts;
		return 0;
	}
	/* Same mapping as queues_start; the fd number is this process's. */
	fd = pp->nb_fds > 0 ? pp->qfd[b->c.qid % pp->nb_fds] : -1;
	if (unlikely(fd < 0) && (fd = rtap_proc_queue_fd(&b->c, 1)) < 0)
		return 0;
	while (i < nb_pkts) {
		unsigned int n = 0, k, sent;

		/* Build a batch up to the next frame we cannot encode. */
		while (i < nb_pkts && n < RTAP_PKT_BATCH) {
			struct rte_mbuf *m = pkts[i], *seg;
			struct iovec *iov = q->iov[n];
			uint16_t j;

			if (unlikely(m->nb_segs > RTAP_PKT_MAX_SEGS ||
				     m->pkt_len == 0)) {
				if (n > 0)
					break;
				b->xs.too_many_segs++;
				b->c.errors++;
				rte_pktmbuf_free(m);
				consumed = ++i;
				continue;
			}
			if (unlikely(rtap_vnet_tx_encode(m, &q->hdr[n],
					p->vnet_peer) != RTAP_VNET_OK)) {
				if (n > 0)
					break;	/* send what precedes it */
				b->xs.bad_offload++;
				b->c.errors++;
				rte_pktmbuf_free(m);
				consumed = ++i;
				continue;
			}
			iov[0].iov_base = &q->hdr[n];
			iov[0].iov_len = RTAP_VNET_HDR_LEN;
			for (seg = m, j = 1; seg != NULL; seg = seg->next, j++) {
				iov[j].iov_base = rte_pktmbuf_mtod(seg, void *);
				iov[j].iov_len = seg->data_len;
			}
			q->msg[n].msg_hdr.msg_iovlen = j;
			q->msg[n].msg_len = 0;
			batch[n++] = m;
			i++;
		}
		if (n == 0)
			continue;
		sent = (unsigned int)rtap_pkt_send(q, fd, n);
		for (k = 0; k < sent; k++) {
			/* sent <= n: rtap_pkt_send counts what it was given.
			 * NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
			struct rte_mbuf *m = batch[k];

			if (q->msg[k].msg_len != UINT32_MAX) {
				if (q->hdr[k].gso_type !=
				    VIRTIO_NET_HDR_GSO_NONE)
					b->xs.tso++;
				if (q->hdr[k].flags &
				    VIRTIO_NET_HDR_F_NEEDS_CSUM)
					b->xs.csum_offload++;
				if (m->nb_segs > 1)
					b->xs.multiseg++;
				rtap_size_bucket(b->xs.size, m->pkt_len);
				b->c.pkts++;
				b->c.bytes += m->pkt_len;
			}
			rte_pktmbuf_free(m);
		}
		consumed = (uint16_t)(consumed + sent);
		if (sent < n) {
			/* Kernel pushed back: the rest stays with the caller. */
			b->xs.ring_full += nb_pkts - consumed;
			break;
		}
	}
	return consumed;
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
	for (i = 0; i < pk->nb_fds; i++)
		if (pk->fd[i] >= 0)
			rtap_packet_account_drops(p, pk, i, pk->fd[i]);
	*missed = pk->drops;
	return 0;
}

/*
 * A ring is mapped per process, and a secondary's mapping would keep the
 * socket (and its copy of every frame) alive after the primary closed it
 * at stop: rxmode=ring ports are for the primary alone.
 */
static int
rtap_packet_secondary_ok(const struct rtap_priv *p)
{
	const struct rtap_packet *pk = p->be_priv;

	if (pk != NULL && pk->rxmode == RTAP_PKT_RX_RING) {
		RTAP_LOG(ERR, "%s: backend=packet with rxmode=ring cannot be used from a secondary process (the TPACKET_V3 ring is mapped by the primary alone); use rxmode=mmsg",
			 p->ifname);
		return -ENOTSUP;
	}
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
	.flags = RTAP_BE_F_VNET_HDR | RTAP_BE_F_QUEUE_FLAGS |
		 RTAP_BE_F_RX_SOCK_INTR | RTAP_BE_F_SECONDARY,
	.dev_open = rtap_packet_dev_open,
	.dev_close = rtap_packet_dev_close,
	.dev_info = rtap_packet_dev_info,
	.secondary_ok = rtap_packet_secondary_ok,
	/* Kept for the fd datapath: rtap_rxtx.c works on these sockets
	 * too, but measured slower (see the datapath comment). */
	.open_queue = rtap_packet_open_queue,
	.close_queue = rtap_packet_close_queue,
	.get_missed = rtap_packet_get_missed,
	.rx_queue_setup = rtap_pkt_rx_queue_setup,
	.tx_queue_setup = rtap_pkt_tx_queue_setup,
	.rx_queue_release = rtap_pkt_rx_queue_release,
	.tx_queue_release = rtap_pkt_tx_queue_release,
	.queues_start = rtap_pkt_queues_start,
	.queues_stop = rtap_pkt_queues_stop,
	.rx_burst = rtap_pkt_rx_burst,
	.tx_burst = rtap_pkt_tx_burst,
};
