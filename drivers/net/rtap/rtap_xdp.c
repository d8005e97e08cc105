/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_XDP backend: DPDK takes the frames of an existing kernel interface
 * (iface=) with one XDP socket (XSK) per queue index.
 *
 * XDP program: six eBPF instructions built here and loaded with libbpf,
 * redirecting every frame of rx queue i to the XSK in slot i of an XSKMAP,
 * or passing it to the stack when slot i is empty.  Not libxdp's
 * xsk_socket__create(): libxdp 1.3 loads through its multi-program
 * dispatcher (needs bpffs, and failed here with bpffs mounted) and
 * registers UMEM without tx_metadata_len.  Nothing is pinned, so bpffs is
 * not needed.  The program is attached in native (driver) mode, veth has
 * it; when the driver refuses, generic (skb) mode with one log line.
 *
 * UMEM: a dedicated, page-aligned anonymous area per XSK, not the mempool.
 * Rx frames are copied into mbufs from the pool and go straight back to the
 * fill ring; Tx copies mbuf data into free Tx frames.  Reasons: on veth and
 * in generic mode the kernel copies anyway (no zero copy), mempool-backed
 * UMEM ties every mbuf size and the pool's memory layout to the XSK chunk
 * geometry, and a frame held by an application can never starve the fill
 * ring.  Frames are 4 KB chunks (aligned mode).
 *
 * Frames larger than one chunk use multi-buffer XSK (XDP_USE_SG, 6.6): the
 * program is loaded with BPF_F_XDP_HAS_FRAGS and descriptors carry
 * XDP_PKT_CONTD.  L4 Tx checksums use AF_XDP Tx metadata
 * (XDP_TXMD_FLAGS_CHECKSUM, 6.8; generic/copy mode handles it in
 * xsk_build_skb) when the kernel accepts a UMEM with tx_metadata_len and
 * the socket is in copy mode; otherwise the checksum is computed here.
 * Either way the offload is provided, so dev_infos_get advertises it.
 *
 * need_wakeup is always requested: the kernel is only entered (sendto /
 * recvfrom) when a ring says so.  Preferred busy polling
 * (SO_PREFER_BUSY_POLL, 5.11) is set per socket when busy_budget > 0.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "rtap.h"
#include "rtap_redirect.h"

#ifndef RTAP_HAVE_XDP

static int
rtap_xdp_dev_open(struct rtap_priv *p)
{
	RTAP_LOG(ERR, "%s: backend=xdp: this build has no libbpf (install libbpf-dev and rebuild)",
		 p->args.iface);
	return -ENOTSUP;
}

const struct rtap_backend_ops rtap_xdp_ops = {
	.name = "xdp",
	.dev_open = rtap_xdp_dev_open,
};

#else /* RTAP_HAVE_XDP */

#include <dirent.h>
#include <poll.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <ethdev_driver.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_kvargs.h>
#include <rte_devargs.h>

/*
 * Kernel ABI newer than Debian 12's 6.1 uapi headers
 * (include/uapi/linux/if_xdp.h); the running kernel decides.
 */
#ifndef XDP_USE_SG
#define XDP_USE_SG		(1 << 4)	/* 6.6 */
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD		(1 << 0)	/* 6.6 */
#endif
#ifndef XDP_UMEM_TX_SW_CSUM
#define XDP_UMEM_TX_SW_CSUM	(1 << 1)	/* 6.8 */
#endif
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)	/* 6.11, stable 6.8+ */
#endif
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA		(1 << 1)	/* desc.options, 6.8 */
#endif
#define RTAP_TXMD_FLAGS_CHECKSUM (1 << 1)	/* XDP_TXMD_FLAGS_CHECKSUM */
#ifndef BPF_F_XDP_HAS_FRAGS
#define BPF_F_XDP_HAS_FRAGS	(1U << 5)	/* 5.18 */
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL	69		/* 5.11 */
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET	70		/* 5.11 */
#endif

/* struct xdp_umem_reg as of 6.8 (tx_metadata_len was padding before). */
struct rtap_umem_reg {
	uint64_t addr;
	uint64_t len;
	uint32_t chunk_size;
	uint32_t headroom;
	uint32_t flags;
	uint32_t tx_metadata_len;
};

/* struct xsk_tx_metadata (6.8), request half. */
struct rtap_xsk_tx_meta {
	uint64_t flags;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint32_t pad;
	uint64_t pad2;
};

#define RTAP_XSK_FRAME		4096u	/* chunk size, aligned mode */
#define RTAP_XSK_TX_OFF		64u	/* Tx data offset: room for metadata */
#define RTAP_XSK_TX_ROOM	(RTAP_XSK_FRAME - RTAP_XSK_TX_OFF)
/* Copy mode puts Rx data XDP_PACKET_HEADROOM into the chunk. */
#define RTAP_XSK_RX_ROOM	(RTAP_XSK_FRAME - XDP_PACKET_HEADROOM)
#define RTAP_XSK_MAX_FRAGS	17u	/* MAX_SKB_FRAGS + 1, generic xmit */
#define RTAP_XSK_DEF_DESC	1024u
#define RTAP_XSK_MAX_DESC	8192u
#define RTAP_XSK_KICK_TRIES	8
#define RTAP_XDP_DEF_BUDGET	64
#define RTAP_XSK_BIND_TRIES	100
#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID	56		/* 4.12 */
#endif

/* Busy polling state of an XSK: off, set but not yet seen to have a NAPI
 * instance to poll, confirmed. */
#define RTAP_XSK_BP_OFF		0
#define RTAP_XSK_BP_UNKNOWN	1
#define RTAP_XSK_BP_ON		2

struct rtap_xsk_ring {
	uint32_t cached_prod;
	uint32_t cached_cons;
	uint32_t mask;
	uint32_t size;
	uint32_t *producer;
	uint32_t *consumer;
	uint32_t *flags;
	void *desc;
	void *map;
	size_t map_len;
};

struct rtap_xsk {
	int fd;
	uint16_t qid;
	uint8_t copy_mode;
	uint8_t sg;
	uint8_t txmd;
	uint8_t busy_poll;	/* RTAP_XSK_BP_* */
	uint8_t *umem;
	size_t umem_len;
	uint32_t nb_rx_frames;	/* frames [0, nb_rx_frames) cycle via fill */
	uint32_t nb_tx_frames;	/* the rest: Tx, free stack below */
	uint32_t nb_tx_free;
	uint64_t *tx_free;
	struct rtap_xsk_ring fq, cq, rx, tx;
};

struct rtap_xdp_rxq {
	struct rtap_rxq base;	/* first: shared stats, xstats, info */
	struct rtap_xsk *xsk;
	uint32_t mbuf_room;
};

struct rtap_xdp_txq {
	struct rtap_txq base;	/* first: shared stats, xstats, info */
	struct rtap_xsk *xsk;
};

enum rtap_xdp_mode { RTAP_XDP_AUTO, RTAP_XDP_NATIVE, RTAP_XDP_SKB };

struct rtap_xdp {
	enum rtap_xdp_mode mode;
	int busy_budget;
	int map_fd;
	int prog_fd;
	uint32_t attach_flags;	/* XDP_FLAGS_* the program went in with */
	int frags;		/* program loaded with BPF_F_XDP_HAS_FRAGS */
	int txmd_ok;		/* kernel takes tx_metadata_len */
	int sg_ok;		/* kernel >= 6.6 semantics (probed at bind) */
	uint16_t dev_queues;	/* real rx queues of the interface */
	uint16_t nb_xsk;
	uint64_t missed_closed;	/* XDP_STATISTICS drops of closed XSKs */
	struct rtap_xsk *xsk[RTAP_MAX_QUEUES];
};

/* ---- ring helpers (the kernel is the other side: acquire/release) ---- */

static inline uint32_t
rtap_ring_free(struct rtap_xsk_ring *r, uint32_t nb)
{
	uint32_t free = r->cached_cons - r->cached_prod;

	if (free >= nb)
		return free;
	r->cached_cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE) +
			 r->size;
	return r->cached_cons - r->cached_prod;
}

static inline uint32_t
rtap_ring_avail(struct rtap_xsk_ring *r, uint32_t nb)
{
	uint32_t n = r->cached_prod - r->cached_cons;

	if (n == 0) {
		r->cached_prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		n = r->cached_prod - r->cached_cons;
	}
	return RTE_MIN(n, nb);
}

static inline void
rtap_ring_submit(struct rtap_xsk_ring *r)
{
	__atomic_store_n(r->producer, r->cached_prod, __ATOMIC_RELEASE);
}

static inline void
rtap_ring_release(struct rtap_xsk_ring *r)
{
	__atomic_store_n(r->consumer, r->cached_cons, __ATOMIC_RELEASE);
}

static inline int
rtap_ring_needs_wakeup(const struct rtap_xsk_ring *r)
{
	return __atomic_load_n(r->flags, __ATOMIC_RELAXED) &
	       XDP_RING_NEED_WAKEUP;
}

static inline uint64_t *
rtap_ring_addr(struct rtap_xsk_ring *r, uint32_t idx)
{
	return &((uint64_t *)r->desc)[idx & r->mask];
}

static inline struct xdp_desc *
rtap_ring_desc(struct rtap_xsk_ring *r, uint32_t idx)
{
	return &((struct xdp_desc *)r->desc)[idx & r->mask];
}

/* ---- devargs ---- */

struct rtap_xdp_kv {
	struct rtap_xdp *x;
	const char *ifname;
	int bad;
};

static int
rtap_xdp_kv(const char *key, const char *value, void *opaque)
{
	struct rtap_xdp_kv *kv = opaque;
	char *end;
	long v;

	if (value == NULL)
		value = "";
	if (strcmp(key, RTAP_XDP_ARG_MODE) == 0) {
		if (strcasecmp(value, "auto") == 0)
			kv->x->mode = RTAP_XDP_AUTO;
		else if (strcasecmp(value, "native") == 0 ||
			 strcasecmp(value, "drv") == 0)
			kv->x->mode = RTAP_XDP_NATIVE;
		else if (strcasecmp(value, "skb") == 0 ||
			 strcasecmp(value, "generic") == 0)
			kv->x->mode = RTAP_XDP_SKB;
		else
			goto bad;
	} else if (strcmp(key, RTAP_XDP_ARG_BUSY_BUDGET) == 0) {
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || *value == '\0' || *end != '\0' || v < 0 ||
		    v > 1024)
			goto bad;
		kv->x->busy_budget = (int)v;
	}
	return 0;
bad:
	RTAP_LOG(ERR, "%s: invalid %s '%s' (xdp_mode=auto|native|skb, busy_budget=0..1024)",
		 kv->ifname, key, value);
	kv->bad = 1;
	return -1;
}

static int
rtap_xdp_args(struct rtap_priv *p, struct rtap_xdp *x)
{
	struct rtap_xdp_kv ctx = { .x = x, .ifname = p->args.iface };
	const struct rte_devargs *da = NULL;
	struct rte_kvargs *kv;

	if (p->dev != NULL && p->dev->device != NULL)
		da = p->dev->device->devargs;
	if (da == NULL || da->args == NULL || da->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(da->args, NULL);
	if (kv == NULL)
		return 0;
	rte_kvargs_process(kv, RTAP_XDP_ARG_MODE, rtap_xdp_kv, &ctx);
	if (!ctx.bad)
		rte_kvargs_process(kv, RTAP_XDP_ARG_BUSY_BUDGET, rtap_xdp_kv,
				   &ctx);
	rte_kvargs_free(kv);
	return ctx.bad ? -EINVAL : 0;
}

/* ---- program and map ---- */

static int
rtap_xdp_load_prog(struct rtap_xdp *x, const char *ifname)
{
	struct bpf_insn insns[] = {
		/* r2 = ctx->rx_queue_index */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		/* r1 = &xsks_map (64-bit immediate, two slots) */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = x->map_fd },
		{ .code = 0 },
		/* r3 = XDP_PASS: action when the slot is empty (5.3) */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd;

	/* Frags-aware so jumbo MTUs and multi-buffer frames can attach. */
	opts.prog_flags = BPF_F_XDP_HAS_FRAGS;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rtap_xsk", "Dual BSD/GPL",
			   insns, RTE_DIM(insns), &opts);
	if (fd < 0) {
		opts.prog_flags = 0;
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rtap_xsk",
				   "Dual BSD/GPL", insns, RTE_DIM(insns),
				   &opts);
		if (fd >= 0)
			RTAP_LOG(INFO, "%s: kernel has no XDP frags support: frames larger than one page are dropped by XDP",
				 ifname);
	} else {
		x->frags = 1;
	}
	if (fd < 0) {
		RTAP_LOG(ERR, "%s: cannot load the XDP program: %s%s", ifname,
			 strerror(errno),
			 errno == EPERM ? " (needs CAP_BPF/CAP_NET_ADMIN, memlock)" : "");
		return -errno;
	}
	x->prog_fd = fd;
	return 0;
}

static const char *
rtap_xdp_attach_hint(int err)
{
	switch (err) {
	case EBUSY:
	case EEXIST:
		return " (the interface already has an XDP program; remove it with 'ip link set dev IF xdp off')";
	case EOPNOTSUPP:
		return " (the driver has no native XDP)";
	case ERANGE:
	case EINVAL:
		return " (MTU too large for XDP on this driver, or flags refused)";
	default:
		return "";
	}
}

static int
rtap_xdp_attach(struct rtap_priv *p, struct rtap_xdp *x)
{
	uint32_t base = XDP_FLAGS_UPDATE_IF_NOEXIST;
	int ret = -EINVAL;

	if (x->mode != RTAP_XDP_SKB) {
		ret = bpf_xdp_attach(p->ifindex, x->prog_fd,
				     base | XDP_FLAGS_DRV_MODE, NULL);
		if (ret == 0) {
			x->attach_flags = base | XDP_FLAGS_DRV_MODE;
			return 0;
		}
		if (x->mode == RTAP_XDP_NATIVE || ret == -EBUSY ||
		    ret == -EEXIST) {
			RTAP_LOG(ERR, "%s: cannot attach XDP in native mode: %s%s",
				 p->ifname, strerror(-ret),
				 rtap_xdp_attach_hint(-ret));
			return ret;
		}
		RTAP_LOG(WARNING, "%s: native XDP refused (%s); falling back to generic (skb, copy) mode",
			 p->ifname, strerror(-ret));
	}
	ret = bpf_xdp_attach(p->ifindex, x->prog_fd, base | XDP_FLAGS_SKB_MODE,
			     NULL);
	if (ret < 0) {
		RTAP_LOG(ERR, "%s: cannot attach XDP in generic mode: %s%s",
			 p->ifname, strerror(-ret), rtap_xdp_attach_hint(-ret));
		return ret;
	}
	x->attach_flags = base | XDP_FLAGS_SKB_MODE;
	return 0;
}

static void
rtap_xdp_detach(struct rtap_priv *p, struct rtap_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = x->prog_fd);
	int ret;

	if (x->attach_flags == 0)
		return;
	/* Remove only our program, whatever someone else did meanwhile. */
	ret = bpf_xdp_detach(p->ifindex, (x->attach_flags &
			     ~XDP_FLAGS_UPDATE_IF_NOEXIST) | XDP_FLAGS_REPLACE,
			     &opts);
	if (ret < 0 && ret != -ENODEV && !p->gone)
		RTAP_LOG(WARNING, "%s: cannot detach XDP program: %s",
			 p->ifname, strerror(-ret));
	x->attach_flags = 0;
}

/* ---- XSK ---- */

static int
rtap_xsk_map_ring(int fd, struct rtap_xsk_ring *r, uint32_t n,
		  const struct xdp_ring_offset *off, size_t elem, off_t pgoff)
{
	r->map_len = off->desc + (size_t)n * elem;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_POPULATE, fd, pgoff);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->producer = (uint32_t *)((uint8_t *)r->map + off->producer);
	r->consumer = (uint32_t *)((uint8_t *)r->map + off->consumer);
	r->flags = (uint32_t *)((uint8_t *)r->map + off->flags);
	r->desc = (uint8_t *)r->map + off->desc;
	r->mask = n - 1;
	r->size = n;
	r->cached_prod = *r->producer;
	r->cached_cons = *r->consumer;
	return 0;
}

static void
rtap_xsk_unmap_ring(struct rtap_xsk_ring *r)
{
	if (r->map != NULL)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

static void
rtap_xsk_free(struct rtap_xsk *s)
{
	if (s == NULL)
		return;
	rtap_xsk_unmap_ring(&s->rx);
	rtap_xsk_unmap_ring(&s->tx);
	rtap_xsk_unmap_ring(&s->fq);
	rtap_xsk_unmap_ring(&s->cq);
	if (s->fd >= 0)
		close(s->fd);
	if (s->umem != NULL)
		munmap(s->umem, s->umem_len);
	rte_free(s->tx_free);
	rte_free(s);
}

static int
rtap_setsockopt_u32(int fd, int level, int opt, uint32_t v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int
rtap_xsk_reg_umem(struct rtap_xsk *s, int txmd)
{
	struct rtap_umem_reg reg = {
		.addr = (uintptr_t)s->umem,
		.len = s->umem_len,
		.chunk_size = RTAP_XSK_FRAME,
		.headroom = 0,
	};

	if (txmd) {
		reg.flags = XDP_UMEM_TX_METADATA_LEN;
		reg.tx_metadata_len = sizeof(struct rtap_xsk_tx_meta);
	}
	if (setsockopt(s->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) < 0)
		return -errno;
	return 0;
}

static int
rtap_xsk_bind(struct rtap_priv *p, struct rtap_xsk *s, uint16_t flags)
{
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = (uint32_t)p->ifindex,
		.sxdp_queue_id = s->qid,
		.sxdp_flags = flags,
	};
	int i, ret = 0;

	/*
	 * A socket closed by the previous dev_stop leaves the queue busy
	 * until its buffer pool is released from a workqueue
	 * (xp_release_deferred): retry -EBUSY for up to a second.
	 */
	for (i = 0; i < RTAP_XSK_BIND_TRIES; i++) {
		ret = bind(s->fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) < 0 ?
			-errno : 0;
		if (ret != -EBUSY)
			break;
		rte_delay_us_sleep(10 * 1000);
	}
	return ret;
}

static int
rtap_xsk_create(struct rtap_priv *p, struct rtap_xdp *x, uint16_t qid,
		uint32_t nb_rx, uint32_t nb_tx, struct rtap_xsk **out)
{
	struct xdp_mmap_offsets off;
	struct xdp_options opt;
	socklen_t len;
	struct rtap_xsk *s;
	uint16_t bflags;
	const char *what;
	uint32_t i;
	int ret;

	s = rte_zmalloc("rtap_xsk", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	s->fd = -1;
	s->qid = qid;
	s->nb_rx_frames = nb_rx;
	s->nb_tx_frames = nb_tx;
	s->umem_len = (size_t)(nb_rx + nb_tx) * RTAP_XSK_FRAME;
	s->tx_free = rte_malloc("rtap_xsk_txf", sizeof(uint64_t) * nb_tx, 0);
	s->umem = mmap(NULL, s->umem_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->umem == MAP_FAILED || s->tx_free == NULL) {
		if (s->umem == MAP_FAILED)
			s->umem = NULL;
		ret = -ENOMEM;
		what = "UMEM area";
		goto fail;
	}
	for (i = 0; i < nb_tx; i++)
		s->tx_free[i] = (uint64_t)(nb_rx + i) * RTAP_XSK_FRAME;
	s->nb_tx_free = nb_tx;

	s->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ret = -errno;
		what = "AF_XDP socket";
		goto fail;
	}
	what = "XDP_UMEM_REG";
	ret = -EINVAL;
	if (x->txmd_ok)
		ret = rtap_xsk_reg_umem(s, 1);
	if (ret == 0) {
		s->txmd = 1;
	} else {
		ret = rtap_xsk_reg_umem(s, 0);
		if (ret < 0)
			goto fail;
	}
	/*
	 * The kernel publishes its consumer index of the fill and Tx rings
	 * lazily (when its cached entries run out), so a ring exactly as
	 * large as the frame set can look full while frames wait for us:
	 * give the rings we produce into (and the completion ring) twice
	 * as many slots as there are frames.
	 */
	what = "ring sizes";
	if ((ret = rtap_setsockopt_u32(s->fd, SOL_XDP, XDP_UMEM_FILL_RING,
				       2 * nb_rx)) < 0 ||
	    (ret = rtap_setsockopt_u32(s->fd, SOL_XDP,
				       XDP_UMEM_COMPLETION_RING,
				       2 * nb_tx)) < 0 ||
	    (ret = rtap_setsockopt_u32(s->fd, SOL_XDP, XDP_RX_RING,
				       nb_rx)) < 0 ||
	    (ret = rtap_setsockopt_u32(s->fd, SOL_XDP, XDP_TX_RING,
				       2 * nb_tx)) < 0)
		goto fail;
	len = sizeof(off);
	what = "XDP_MMAP_OFFSETS";
	if (getsockopt(s->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) < 0) {
		ret = -errno;
		goto fail;
	}
	what = "ring mmap";
	if ((ret = rtap_xsk_map_ring(s->fd, &s->fq, 2 * nb_rx, &off.fr,
				     sizeof(uint64_t),
				     XDP_UMEM_PGOFF_FILL_RING)) < 0 ||
	    (ret = rtap_xsk_map_ring(s->fd, &s->cq, 2 * nb_tx, &off.cr,
				     sizeof(uint64_t),
				     XDP_UMEM_PGOFF_COMPLETION_RING)) < 0 ||
	    (ret = rtap_xsk_map_ring(s->fd, &s->rx, nb_rx, &off.rx,
				     sizeof(struct xdp_desc),
				     XDP_PGOFF_RX_RING)) < 0 ||
	    (ret = rtap_xsk_map_ring(s->fd, &s->tx, 2 * nb_tx, &off.tx,
				     sizeof(struct xdp_desc),
				     XDP_PGOFF_TX_RING)) < 0)
		goto fail;
	/* Producer rings start empty from our side: all slots are free. */
	s->fq.cached_cons += s->fq.size;
	s->tx.cached_cons += s->tx.size;

	/* Every Rx frame goes to the fill ring before bind. */
	for (i = 0; i < nb_rx; i++)
		*rtap_ring_addr(&s->fq, s->fq.cached_prod++) =
			(uint64_t)i * RTAP_XSK_FRAME;
	rtap_ring_submit(&s->fq);

	bflags = XDP_USE_NEED_WAKEUP;
	if (x->attach_flags & XDP_FLAGS_SKB_MODE)
		bflags |= XDP_COPY;
	what = "bind";
	ret = -EINVAL;
	if (x->sg_ok) {
		ret = rtap_xsk_bind(p, s, bflags | XDP_USE_SG);
		if (ret == 0)
			s->sg = 1;
		else if (ret != -EINVAL && ret != -EOPNOTSUPP)
			goto fail;
	}
	if (!s->sg) {
		ret = rtap_xsk_bind(p, s, bflags);
		if (ret < 0)
			goto fail;
		if (x->sg_ok) {
			RTAP_LOG(INFO, "%s: queue %u: no multi-buffer AF_XDP (XDP_USE_SG): frames are limited to %u bytes",
				 p->ifname, qid, RTAP_XSK_RX_ROOM);
			x->sg_ok = 0;
		}
	}
	len = sizeof(opt);
	s->copy_mode = 1;
	if (getsockopt(s->fd, SOL_XDP, XDP_OPTIONS, &opt, &len) == 0 &&
	    (opt.flags & XDP_OPTIONS_ZEROCOPY))
		s->copy_mode = 0;
	/*
	 * Checksum metadata: generic (copy) mode implements it for every
	 * driver; in zero-copy mode it depends on the driver's
	 * xsk_tx_metadata_ops, which we cannot see from here: compute in
	 * software there.
	 */
	if (!s->copy_mode)
		s->txmd = 0;

	if (x->busy_budget > 0) {
		if (rtap_setsockopt_u32(s->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL,
					1) == 0 &&
		    rtap_setsockopt_u32(s->fd, SOL_SOCKET, SO_BUSY_POLL,
					20) == 0 &&
		    rtap_setsockopt_u32(s->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET,
					(uint32_t)x->busy_budget) == 0)
			s->busy_poll = RTAP_XSK_BP_UNKNOWN;
		else if (qid == 0)
			RTAP_LOG(INFO, "%s: preferred busy polling not available: %s",
				 p->ifname, strerror(errno));
	}
	what = "XSKMAP update";
	i = qid;
	if (bpf_map_update_elem(x->map_fd, &i, &s->fd, BPF_ANY) < 0) {
		ret = -errno;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	RTAP_LOG(ERR, "%s: queue %u: %s: %s", p->ifname, qid, what,
		 strerror(-ret));
	rtap_xsk_free(s);
	return ret;
}

/* ---- feature tests ---- */

/* Does the kernel take a UMEM with tx_metadata_len (6.8/6.11 ABI)? */
static int
rtap_xdp_probe_txmd(void)
{
	struct rtap_xsk s = { .fd = -1 };
	int ret;

	s.umem_len = 2 * RTAP_XSK_FRAME;
	s.umem = mmap(NULL, s.umem_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.umem == MAP_FAILED)
		return 0;
	s.fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	ret = s.fd >= 0 && rtap_xsk_reg_umem(&s, 1) == 0;
	if (s.fd >= 0)
		close(s.fd);
	munmap(s.umem, s.umem_len);
	return ret;
}

static uint16_t
rtap_xdp_dev_queues(const char *ifname)
{
	char path[64 + IFNAMSIZ];
	struct dirent *de;
	uint16_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rx-", 3) == 0)
			n++;
	closedir(d);
	return n > 0 ? n : 1;
}

/* ---- backend ops ---- */

static int
rtap_xdp_dev_open(struct rtap_priv *p)
{
	struct rtap_xdp *x;
	int ret, s;

	ret = rtap_redirect_check_iface("xdp", p->args.iface, &p->ifindex,
					&p->mac);
	if (ret < 0)
		return ret;
	snprintf(p->ifname, sizeof(p->ifname), "%s", p->args.iface);
	x = rte_zmalloc("rtap_xdp", sizeof(*x), 0);
	if (x == NULL)
		return -ENOMEM;
	x->map_fd = -1;
	x->prog_fd = -1;
	x->busy_budget = RTAP_XDP_DEF_BUDGET;
	ret = rtap_xdp_args(p, x);
	if (ret < 0)
		goto fail;
	s = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: AF_XDP sockets not available: %s", p->ifname,
			 strerror(-ret));
		goto fail;
	}
	close(s);
	x->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "rtap_xsks",
				   sizeof(uint32_t), sizeof(int),
				   RTAP_MAX_QUEUES, NULL);
	if (x->map_fd < 0) {
		ret = -errno;
		RTAP_LOG(ERR, "%s: cannot create XSKMAP: %s", p->ifname,
			 strerror(-ret));
		goto fail;
	}
	ret = rtap_xdp_load_prog(x, p->ifname);
	if (ret < 0)
		goto fail;
	x->txmd_ok = rtap_xdp_probe_txmd();
	x->sg_ok = 1;	/* confirmed or dropped at the first bind */
	x->dev_queues = rtap_xdp_dev_queues(p->ifname);
	p->be_priv = x;
	p->keep_fd = -1;
	p->vnet_peer = 0;
	RTAP_LOG(INFO, "%s: AF_XDP ifindex %d, %u queue(s), mode %s, tx csum %s, busy poll budget %d",
		 p->ifname, p->ifindex, x->dev_queues,
		 x->mode == RTAP_XDP_SKB ? "skb" :
		 x->mode == RTAP_XDP_NATIVE ? "native" : "auto",
		 x->txmd_ok ? "metadata" : "software", x->busy_budget);
	return 0;
fail:
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	if (x->map_fd >= 0)
		close(x->map_fd);
	rte_free(x);
	return ret;
}

static void
rtap_xdp_queues_stop(struct rte_eth_dev *dev);

static void
rtap_xdp_dev_close(struct rtap_priv *p)
{
	struct rtap_xdp *x = p->be_priv;

	if (x == NULL)
		return;
	if (p->dev != NULL)
		rtap_xdp_queues_stop(p->dev);
	rtap_xdp_detach(p, x);
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	if (x->map_fd >= 0)
		close(x->map_fd);
	rte_free(x);
	p->be_priv = NULL;
}

static void
rtap_xdp_dev_info(struct rtap_priv *p, struct rte_eth_dev_info *info)
{
	struct rtap_xdp *x = p->be_priv;
	uint32_t maxlen;

	/*
	 * What this backend really does: no Rx checksum or GSO information
	 * (an XSK descriptor has none), Tx L3/L4 checksums (metadata or
	 * software), multi-segment both ways.  No TSO.
	 */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
				RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	info->max_lro_pkt_size = 0;
	maxlen = x != NULL && x->sg_ok ?
		RTAP_XSK_MAX_FRAGS * RTAP_XSK_TX_ROOM : RTAP_XSK_RX_ROOM;
	maxlen = RTE_MIN(maxlen, (uint32_t)RTE_ETHER_MAX_JUMBO_FRAME_LEN +
			 (RTAP_XSK_RX_ROOM * 2u));
	info->max_rx_pktlen = maxlen;
	info->max_mtu = RTE_MIN(info->max_mtu, maxlen - RTE_ETHER_HDR_LEN);
	if (x != NULL) {
		info->max_rx_queues = RTE_MIN(x->dev_queues, RTAP_MAX_QUEUES);
		info->max_tx_queues = info->max_rx_queues;
	}
	info->rx_desc_lim.nb_max = RTAP_XSK_MAX_DESC;
	info->tx_desc_lim.nb_max = RTAP_XSK_MAX_DESC;
	info->default_rxportconf.ring_size = RTAP_XSK_DEF_DESC;
	info->default_txportconf.ring_size = RTAP_XSK_DEF_DESC;
}

static uint32_t
rtap_pow2(uint32_t n)
{
	if (n == 0)
		n = RTAP_XSK_DEF_DESC;
	n = RTE_MIN(n, RTAP_XSK_MAX_DESC);
	return rte_align32pow2(RTE_MAX(n, 64u));
}

static int
rtap_xdp_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			uint16_t nb_desc, unsigned int socket,
			const struct rte_eth_rxconf *conf,
			struct rte_mempool *mp)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_xdp_rxq *q;
	uint32_t room = rte_pktmbuf_data_room_size(mp);

	if (room <= RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		RTAP_LOG(ERR, "port %u rxq %u: mbufs of pool %s too small (%u)",
			 p->port_id, qid, mp->name, room);
		return -EINVAL;
	}
	if (dev->data->rx_queues[qid] != NULL) {
		rte_free(dev->data->rx_queues[qid]);
		dev->data->rx_queues[qid] = NULL;
	}
	q = rte_zmalloc_socket("rtap_xdp_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->base.c.priv = p;
	q->base.c.qid = qid;
	q->base.c.port_id = p->port_id;
	q->base.mp = mp;
	q->base.nb_desc = (uint16_t)rtap_pow2(nb_desc);
	q->base.fd = -1;
	q->base.efd = -1;
	q->base.offloads = dev->data->dev_conf.rxmode.offloads |
			   (conf != NULL ? conf->offloads : 0);
	q->mbuf_room = room - RTE_PKTMBUF_HEADROOM;
	q->base.seg_room = q->mbuf_room;
	q->base.maxseg = 1;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
rtap_xdp_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			uint16_t nb_desc, unsigned int socket,
			const struct rte_eth_txconf *conf)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_xdp_txq *q;

	if (dev->data->tx_queues[qid] != NULL) {
		rte_free(dev->data->tx_queues[qid]);
		dev->data->tx_queues[qid] = NULL;
	}
	q = rte_zmalloc_socket("rtap_xdp_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->base.c.priv = p;
	q->base.c.qid = qid;
	q->base.c.port_id = p->port_id;
	q->base.nb_desc = (uint16_t)rtap_pow2(nb_desc);
	q->base.fd = -1;
	q->base.offloads = dev->data->dev_conf.txmode.offloads |
			   (conf != NULL ? conf->offloads : 0);
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void
rtap_xdp_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->rx_queues[qid]);
	dev->data->rx_queues[qid] = NULL;
}

static void
rtap_xdp_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

/*
 * Frames the kernel had for an XSK and dropped: no fill-ring buffer
 * (rx_dropped) or Rx ring full (rx_ring_full), net/xdp/xsk.c
 * __xsk_rcv().  The counters live in the socket and never reset.
 */
static uint64_t
rtap_xsk_drops(const struct rtap_xsk *s)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (s == NULL || s->fd < 0 ||
	    getsockopt(s->fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return 0;
	return st.rx_dropped + st.rx_ring_full;
}

static int
rtap_xdp_get_missed(struct rtap_priv *p, uint64_t *missed)
{
	struct rtap_xdp *x = p->be_priv;
	uint64_t n;
	uint16_t i;

	if (x == NULL)
		return -ENOTSUP;
	n = x->missed_closed;
	for (i = 0; i < x->nb_xsk; i++)
		n += rtap_xsk_drops(x->xsk[i]);
	*missed = n;
	return 0;
}

static void
rtap_xdp_queues_stop(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_xdp *x = p->be_priv;
	uint16_t i;

	if (x == NULL)
		return;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct rtap_xdp_rxq *q = dev->data->rx_queues[i];

		if (q != NULL) {
			q->base.c.started = 0;
			q->xsk = NULL;
			q->base.efd = -1;
			dev->data->rx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STOPPED;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct rtap_xdp_txq *q = dev->data->tx_queues[i];

		if (q != NULL) {
			q->base.c.started = 0;
			q->xsk = NULL;
			dev->data->tx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STOPPED;
		}
	}
	/* Kernel traffic goes back to the stack while DPDK is stopped. */
	rtap_xdp_detach(p, x);
	for (i = 0; i < x->nb_xsk; i++) {
		uint32_t k = i;

		bpf_map_delete_elem(x->map_fd, &k);
		x->missed_closed += rtap_xsk_drops(x->xsk[i]);
		rtap_xsk_free(x->xsk[i]);
		x->xsk[i] = NULL;
	}
	x->nb_xsk = 0;
}

static int
rtap_xdp_queues_start(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	struct rtap_xdp *x = p->be_priv;
	uint16_t nrx = dev->data->nb_rx_queues, ntx = dev->data->nb_tx_queues;
	uint16_t n = RTE_MAX(nrx, ntx), i;
	int ret;

	if (n > x->dev_queues) {
		RTAP_LOG(ERR, "%s: %u queues requested but the interface has %u (veth: create it with numrxqueues/numtxqueues)",
			 p->ifname, n, x->dev_queues);
		return -EINVAL;
	}
	/* The program decides copy or not: attach first, then bind. */
	ret = rtap_xdp_attach(p, x);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		struct rtap_xdp_rxq *rq = i < nrx ? dev->data->rx_queues[i] :
						     NULL;
		struct rtap_xdp_txq *tq = i < ntx ? dev->data->tx_queues[i] :
						     NULL;

		if ((i < nrx && rq == NULL) || (i < ntx && tq == NULL)) {
			RTAP_LOG(ERR, "port %u: queue %u not set up",
				 p->port_id, i);
			ret = -EINVAL;
			goto fail;
		}
		ret = rtap_xsk_create(p, x, i,
				      rq != NULL ? rq->base.nb_desc : 64u,
				      tq != NULL ? tq->base.nb_desc : 64u,
				      &x->xsk[i]);
		if (ret < 0)
			goto fail;
		x->nb_xsk = i + 1;
		if (rq != NULL) {
			rq->xsk = x->xsk[i];
			/*
			 * Rx interrupt fd (RTAP_BE_F_RX_SOCK_INTR): the XSK
			 * polls EPOLLIN while its Rx ring holds descriptors
			 * and every flush to it calls sk_data_ready
			 * (net/xdp/xsk.c xsk_flush), a new edge per batch.
			 */
			rq->base.efd = x->xsk[i]->fd;
			rq->base.maxseg = x->xsk[i]->sg ? RTAP_XSK_MAX_FRAGS : 1;
			rq->base.c.dead = 0;
			rq->base.c.started = 1;
			dev->data->rx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STARTED;
		}
		if (tq != NULL) {
			tq->xsk = x->xsk[i];
			tq->base.c.dead = 0;
			tq->base.c.started = 1;
			dev->data->tx_queue_state[i] =
				RTE_ETH_QUEUE_STATE_STARTED;
		}
	}
	RTAP_LOG(INFO, "%s: %u XSK(s) bound, %s mode%s%s%s", p->ifname, n,
		 (x->attach_flags & XDP_FLAGS_SKB_MODE) ? "generic" : "native",
		 x->xsk[0]->copy_mode ? ", copy" : ", zero-copy",
		 x->xsk[0]->sg ? ", multi-buffer" : "",
		 x->xsk[0]->txmd ? ", tx csum metadata" : "");
	return 0;
fail:
	rtap_xdp_queues_stop(dev);
	return ret;
}

/* ---- datapath ---- */

static inline void
rtap_xsk_kick_rx(struct rtap_xsk *s)
{
	/* Drives NAPI with busy polling; else wakes the driver's Rx. */
	recvfrom(s->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* Append len bytes to the chain ending at *tail; 0 or -ENOMEM. */
static inline int
rtap_xdp_append(struct rte_mbuf *head, struct rte_mbuf **tail,
		struct rte_mempool *mp, uint32_t room, const uint8_t *src,
		uint32_t len)
{
	struct rte_mbuf *t = *tail;

	while (len > 0) {
		uint32_t space = room - t->data_len - (t->data_off -
			RTE_PKTMBUF_HEADROOM);
		uint32_t n;

		if (space == 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (unlikely(m == NULL))
				return -ENOMEM;
			t->next = m;
			t = m;
			head->nb_segs++;
			continue;
		}
		n = RTE_MIN(space, len);
		rte_memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len),
			   src, n);
		t->data_len += n;
		head->pkt_len += n;
		src += n;
		len -= n;
	}
	*tail = t;
	return 0;
}

/*
 * A busy-poll recvfrom() only polls when the socket learned the NAPI
 * instance its frames come from (sk_napi_id, taken from the XDP Rx
 * queue info in xsk_rcv_check()).  veth registers its XDP Rx queues
 * before its NAPI instances get an id, so there it stays 0 and every
 * empty-ring recvfrom() was a system call that did nothing (perf on
 * 64-byte rxonly: ~3/4 of the lcore in recvfrom, no napi_busy_loop).
 * Checked once, after the first frames: without an id, the Rx ring is
 * only kicked when the fill ring asks (need_wakeup).
 */
static void
rtap_xsk_check_napi(struct rtap_xsk *s, const struct rtap_rxq *b)
{
	unsigned int id = 0;
	socklen_t len = sizeof(id);

	if (getsockopt(s->fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &id, &len) ==
	    0 && id != 0) {
		s->busy_poll = RTAP_XSK_BP_ON;
		return;
	}
	s->busy_poll = RTAP_XSK_BP_OFF;
	RTAP_LOG(INFO, "%s rxq %u: no NAPI id on the XSK (driver: XDP Rx queue registered without one): busy polling disabled, Rx kicked only on need_wakeup",
		 b->c.priv->ifname, b->c.qid);
}

static uint16_t
rtap_xdp_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_xdp_rxq *q = queue;
	struct rtap_xsk *s = q->xsk;
	struct rtap_rxq *b = &q->base;
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t avail, i, done = 0, idx, nfill, fill_idx;
	uint16_t nb_rx = 0;
	int in_frame = 0, bad = 0;

	if (unlikely(s == NULL || !b->c.started ||
		     rtap_load_relaxed(&b->c.priv->gone)))
		return 0;
	avail = rtap_ring_avail(&s->rx, (uint32_t)nb_pkts * 4u);
	if (avail == 0) {
		if (s->busy_poll || rtap_ring_needs_wakeup(&s->fq))
			rtap_xsk_kick_rx(s);
		return 0;
	}
	/* Frames go back to the fill ring as they are consumed. */
	nfill = rtap_ring_free(&s->fq, avail);
	if (unlikely(nfill < avail))
		avail = nfill;	/* cannot happen: as many frames as slots */
	fill_idx = s->fq.cached_prod;
	idx = s->rx.cached_cons;
	for (i = 0; i < avail; i++) {
		const struct xdp_desc *d = rtap_ring_desc(&s->rx, idx + i);
		uint64_t base = d->addr & ~(uint64_t)(RTAP_XSK_FRAME - 1);
		uint64_t off = d->addr - base;
		int more = !!(d->options & XDP_PKT_CONTD);

		if (!in_frame) {
			if (nb_rx == nb_pkts)
				break;
			/* Stop before a frame whose last part is not there. */
			if (more) {
				uint32_t j = i + 1;

				while (j < avail && (rtap_ring_desc(&s->rx,
					idx + j)->options & XDP_PKT_CONTD))
					j++;
				if (j >= avail)
					break;
			}
			in_frame = 1;
			bad = 0;
			head = rte_pktmbuf_alloc(b->mp);
			if (unlikely(head == NULL)) {
				b->xs.alloc_fail++;
				b->c.dropped++;
				bad = 1;
			}
			tail = head;
		}
		if (!bad && unlikely(base >= s->nb_rx_frames *
				     (uint64_t)RTAP_XSK_FRAME ||
				     off + d->len > RTAP_XSK_FRAME)) {
			/* The kernel never does this; do not trust it. */
			b->xs.bad_len++;
			b->c.errors++;
			bad = 1;
		}
		if (!bad && rtap_xdp_append(head, &tail, b->mp, q->mbuf_room,
					    s->umem + d->addr, d->len) < 0) {
			b->xs.alloc_fail++;
			b->c.dropped++;
			bad = 1;
		}
		/* Same chunk back to the kernel, whatever happened. */
		if (base < s->nb_rx_frames * (uint64_t)RTAP_XSK_FRAME)
			*rtap_ring_addr(&s->fq, fill_idx++) = base;
		done = i + 1;
		if (more)
			continue;
		in_frame = 0;
		if (bad) {
			rte_pktmbuf_free(head);
		} else {
			head->port = b->c.port_id;
			head->packet_type = 0;
			if (head->nb_segs > 1)
				b->xs.multiseg++;
			b->xs.csum_none++;
			rtap_size_bucket(b->xs.size, head->pkt_len);
			b->c.bytes += head->pkt_len;
			pkts[nb_rx++] = head;
		}
		head = NULL;
	}
	s->fq.cached_prod = fill_idx;
	rtap_ring_submit(&s->fq);
	s->rx.cached_cons += done;
	rtap_ring_release(&s->rx);
	b->c.pkts += nb_rx;
	if (unlikely(s->busy_poll == RTAP_XSK_BP_UNKNOWN) && nb_rx > 0)
		rtap_xsk_check_napi(s, b);
	if (rtap_ring_needs_wakeup(&s->fq))
		rtap_xsk_kick_rx(s);
	return nb_rx;
}

static inline void
rtap_xsk_reap(struct rtap_xsk *s)
{
	uint32_t n = rtap_ring_avail(&s->cq, s->cq.size), i;

	for (i = 0; i < n; i++)
		s->tx_free[s->nb_tx_free++] =
			*rtap_ring_addr(&s->cq, s->cq.cached_cons + i) &
			~(uint64_t)(RTAP_XSK_FRAME - 1);
	s->cq.cached_cons += n;
	if (n > 0)
		rtap_ring_release(&s->cq);
}

/* Ones' complement sum of the L4 bytes with the checksum field skipped. */
static uint16_t
rtap_l4_cksum(const struct rte_mbuf *m, uint32_t l4off, uint32_t csum_off,
	      uint32_t phdr)
{
	const uint8_t *f = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						   l4off + csum_off);
	uint16_t raw = 0, field;
	uint32_t sum;

	memcpy(&field, f, sizeof(field));
	if (rte_raw_cksum_mbuf(m, l4off, m->pkt_len - l4off, &raw) < 0)
		return 0;
	/* Remove whatever the field holds (RFC 1624 subtraction). */
	sum = (uint32_t)raw + (uint16_t)~field + phdr;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Fill the Tx checksums of frame copy `d` (the first chunk, which holds
 * all headers) for mbuf m; set metadata when the socket has it.
 * Returns 0, or -1 when the request is malformed.
 */
static int
rtap_xdp_tx_csum(struct rtap_xsk *s, const struct rte_mbuf *m, uint8_t *d,
		 uint32_t first_len, struct rtap_xsk_tx_meta *md)
{
	uint64_t ol = m->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	uint32_t l3off = m->l2_len, l4off = m->l2_len + m->l3_len;
	uint32_t csum_off, phdr;
	uint16_t ck;

	if (!(ol & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return 0;
	if (ol & RTE_MBUF_F_TX_TCP_SEG)
		return -1;	/* no GSO over AF_XDP */
	if (m->l2_len == 0 || m->l3_len == 0)
		return -1;
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM)
		csum_off = offsetof(struct rte_tcp_hdr, cksum);
	else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM)
		csum_off = offsetof(struct rte_udp_hdr, dgram_cksum);
	else if (l4 == 0)
		csum_off = 0;
	else
		return -1;	/* SCTP: not offered */
	if (l4off + csum_off + 2 > first_len || l4off + 8 > m->pkt_len ||
	    l4off + csum_off + 2 > m->data_len)
		return -1;
	if (ol & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l3off);

		if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		if (l4 == 0)
			return 0;
		phdr = rte_ipv4_phdr_cksum(ip, 0);
	} else if (ol & RTE_MBUF_F_TX_IPV6) {
		if (l4 == 0)
			return 0;
		phdr = rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(d + l3off),
					   0);
	} else {
		return -1;
	}
	if (md != NULL && s->txmd) {
		/* Kernel finishes it: seed with the pseudo-header sum. */
		memset(md, 0, sizeof(*md));
		ck = (uint16_t)phdr;
		memcpy(d + l4off + csum_off, &ck, sizeof(ck));
		md->flags = RTAP_TXMD_FLAGS_CHECKSUM;
		md->csum_start = (uint16_t)l4off;
		md->csum_offset = (uint16_t)csum_off;
		return 1;
	}
	ck = rtap_l4_cksum(m, l4off, csum_off, phdr);
	if (ck == 0 && l4 == RTE_MBUF_F_TX_UDP_CKSUM)
		ck = 0xffff;	/* RFC 768: zero means no checksum */
	memcpy(d + l4off + csum_off, &ck, sizeof(ck));
	return 0;
}

static inline void
rtap_xsk_kick_tx(struct rtap_xsk *s, struct rtap_txq *b)
{
	int i;

	if (!s->copy_mode && !rtap_ring_needs_wakeup(&s->tx))
		return;
	/* Generic xmit sends a bounded batch per call (-EAGAIN: more). */
	for (i = 0; i < RTAP_XSK_KICK_TRIES; i++) {
		if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			return;
		if (errno == EAGAIN || errno == EBUSY) {
			if (__atomic_load_n(s->tx.consumer, __ATOMIC_ACQUIRE) ==
			    s->tx.cached_prod)
				return;
			continue;
		}
		if (errno == ENOBUFS)
			return;	/* completion ring full: reaped next call */
		b->xs.write_err++;
		if (errno == ENXIO || errno == ENETDOWN || errno == ENODEV)
			b->c.dead = 1;
		return;
	}
}

/* Copy a frame of nfrag chunks into free Tx chunks from tx ring slot
 * tx_idx on (descriptors written, not yet published). */
static void
rtap_xdp_tx_copy(struct rtap_xsk *s, const struct rte_mbuf *m, uint32_t len,
		 uint32_t nfrag, uint32_t tx_idx)
{
	const struct rte_mbuf *seg = m;
	uint32_t f, segoff = 0;

	for (f = 0; f < nfrag; f++) {
		uint64_t base = s->tx_free[--s->nb_tx_free];
		uint8_t *dst = s->umem + base + RTAP_XSK_TX_OFF;
		uint32_t n = RTE_MIN(len - f * RTAP_XSK_TX_ROOM,
				     RTAP_XSK_TX_ROOM), c = 0;
		struct xdp_desc *d = rtap_ring_desc(&s->tx, tx_idx + f);

		while (c < n) {
			uint32_t k = RTE_MIN(n - c,
				(uint32_t)seg->data_len - segoff);

			rte_memcpy(dst + c, rte_pktmbuf_mtod_offset(seg,
				   const uint8_t *, segoff), k);
			c += k;
			segoff += k;
			if (segoff == seg->data_len && seg->next) {
				seg = seg->next;
				segoff = 0;
			}
		}
		d->addr = base + RTAP_XSK_TX_OFF;
		d->len = n;
		d->options = f + 1 < nfrag ? XDP_PKT_CONTD : 0;
	}
}

#define RTAP_XDP_FREE_BATCH 32

static uint16_t
rtap_xdp_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct rtap_xdp_txq *q = queue;
	struct rtap_xsk *s = q->xsk;
	struct rtap_txq *b = &q->base;
	struct rte_mbuf *done[RTAP_XDP_FREE_BATCH];
	uint16_t i, sent = 0, nb_done = 0;

	if (unlikely(s == NULL || !b->c.started))
		return 0;
	if (unlikely(rtap_load_relaxed(&b->c.priv->gone))) {
		/* Interface gone: refuse and count, the caller keeps them. */
		b->xs.link_down += nb_pkts;
		return 0;
	}
	rtap_xsk_reap(s);
	for (i = 0; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = m->pkt_len, nfrag, tx_idx;
		struct rtap_xsk_tx_meta *md;
		struct xdp_desc *d0;
		int meta;

		if (nb_done == RTAP_XDP_FREE_BATCH) {
			rte_pktmbuf_free_bulk(done, nb_done);
			nb_done = 0;
		}
		nfrag = likely(len <= RTAP_XSK_TX_ROOM) ? 1 :
			(len + RTAP_XSK_TX_ROOM - 1) / RTAP_XSK_TX_ROOM;
		if (unlikely(len == 0 || nfrag > RTAP_XSK_MAX_FRAGS ||
			     (nfrag > 1 && !s->sg))) {
			b->xs.too_many_segs++;
			b->c.errors++;
			done[nb_done++] = m;
			sent++;	/* consumed: dropped and counted */
			continue;
		}
		if (s->nb_tx_free < nfrag || rtap_ring_free(&s->tx, nfrag) <
		    nfrag) {
			rtap_xsk_reap(s);
			if (s->nb_tx_free < nfrag ||
			    rtap_ring_free(&s->tx, nfrag) < nfrag) {
				b->xs.ring_full += nb_pkts - i;
				break;
			}
		}
		tx_idx = s->tx.cached_prod;
		d0 = rtap_ring_desc(&s->tx, tx_idx);
		if (likely(nfrag == 1 && m->nb_segs == 1)) {
			/* The common case: one copy, one descriptor. */
			uint64_t base = s->tx_free[--s->nb_tx_free];

			rte_memcpy(s->umem + base + RTAP_XSK_TX_OFF,
				   rte_pktmbuf_mtod(m, const uint8_t *), len);
			d0->addr = base + RTAP_XSK_TX_OFF;
			d0->len = len;
			d0->options = 0;
		} else {
			rtap_xdp_tx_copy(s, m, len, nfrag, tx_idx);
		}
		/*
		 * Metadata sits just before the data of the first chunk
		 * (tx_metadata_len): the kernel reads it only with
		 * XDP_TX_METADATA, so it is written only then.
		 */
		md = (struct rtap_xsk_tx_meta *)(s->umem + d0->addr -
						 sizeof(*md));
		meta = rtap_xdp_tx_csum(s, m, s->umem + d0->addr,
					RTE_MIN(len, RTAP_XSK_TX_ROOM), md);
		if (unlikely(meta < 0)) {
			/* Give the frames back: nothing was published. */
			s->nb_tx_free += nfrag;
			b->xs.bad_offload++;
			b->c.errors++;
			done[nb_done++] = m;
			sent++;
			continue;
		}
		if (meta > 0) {
			d0->options |= XDP_TX_METADATA;
			b->xs.csum_offload++;
		}
		s->tx.cached_prod += nfrag;
		if (m->nb_segs > 1 || nfrag > 1)
			b->xs.multiseg++;
		rtap_size_bucket(b->xs.size, len);
		b->c.pkts++;
		b->c.bytes += len;
		done[nb_done++] = m;
		sent++;
	}
	if (nb_done > 0)
		rte_pktmbuf_free_bulk(done, nb_done);
	if (s->tx.cached_prod != *s->tx.producer) {
		rtap_ring_submit(&s->tx);
		rtap_xsk_kick_tx(s, b);
	}
	return sent;
}

const struct rtap_backend_ops rtap_xdp_ops = {
	.name = "xdp",
	.flags = RTAP_BE_F_RX_SOCK_INTR,
	.dev_open = rtap_xdp_dev_open,
	.dev_close = rtap_xdp_dev_close,
	.dev_info = rtap_xdp_dev_info,
	.rx_queue_setup = rtap_xdp_rx_queue_setup,
	.tx_queue_setup = rtap_xdp_tx_queue_setup,
	.rx_queue_release = rtap_xdp_rx_queue_release,
	.tx_queue_release = rtap_xdp_tx_queue_release,
	.queues_start = rtap_xdp_queues_start,
	.queues_stop = rtap_xdp_queues_stop,
	.get_missed = rtap_xdp_get_missed,
	.rx_burst = rtap_xdp_rx_burst,
	.tx_burst = rtap_xdp_tx_burst,
};

#endif /* RTAP_HAVE_XDP */
