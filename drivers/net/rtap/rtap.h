/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap private device and queue state shared by the ethdev layer,
 * the io_uring datapath and the backends.
 */

#ifndef RTAP_H
#define RTAP_H

#include <stdint.h>
#include <pthread.h>
#include <net/if.h>
#include <linux/virtio_net.h>

#include <liburing.h>
#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_mbuf.h>

#include "rtap_compat.h"
#include "rtap_args.h"
#include "rtap_backend.h"
#include "rtap_netlink.h"

#define RTAP_MAX_QUEUES		64	/* tun allows 256 (MAX_TAP_QUEUES) */
#define RTAP_VNET_HDR_LEN	((uint32_t)sizeof(struct virtio_net_hdr))
/* Largest frame a GSO skb can hand us: 64 KB IP packet + L2 header. */
#define RTAP_MAX_GSO_FRAME	(65535u + RTE_ETHER_HDR_LEN + 4u)
#define RTAP_MAX_TX_SEGS	64	/* iovecs per Tx frame (+1 header) */
#define RTAP_MIN_MTU		68u	/* IPv4 minimum (RFC 791) */
#define RTAP_MAX_MTU		65521u	/* tun's MAX_MTU-ish: 64 KB - hdrs */
/* Rx offloads under which the application accepts unfinished checksums. */
#define RTAP_RX_L4_CSUM_OFFLOADS (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
				  RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
				  RTE_ETH_RX_OFFLOAD_TCP_LRO)
#define RTAP_DEFAULT_SPEED	RTE_ETH_SPEED_NUM_10G

/* Fields every queue starts with, whatever the backend. */
struct rtap_queue_common {
	struct rtap_priv *priv;
	uint16_t qid;
	uint16_t port_id;
	uint8_t started;	/* queue_start/stop state */
	uint8_t dead;		/* fd failed for good (interface gone) */
	int32_t owner;		/* pid whose io_uring ring serves the queue,
				 * 0: none (see struct rtap_proc) */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;
	uint64_t dropped;	/* counted drops (bad frames, alloc failure) */
};

/* Rx size buckets (RFC 2819 etherStatsPkts*Octets, without FCS). */
enum {
	RTAP_SZ_64, RTAP_SZ_65_127, RTAP_SZ_128_255, RTAP_SZ_256_511,
	RTAP_SZ_512_1023, RTAP_SZ_1024_1518, RTAP_SZ_1519_MAX, RTAP_SZ_NB
};

struct rtap_rx_xstats {
	uint64_t size[RTAP_SZ_NB];
	uint64_t csum_good;	/* VIRTIO_NET_HDR_F_DATA_VALID */
	uint64_t csum_partial;	/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	uint64_t csum_none;
	uint64_t lro;		/* GSO frames delivered as LRO */
	uint64_t lro_ecn;
	uint64_t sw_gso;	/* GSO frames cut in software (no LRO) */
	uint64_t sw_gso_segs;	/* the frames they became */
	uint64_t multiseg;
	uint64_t alloc_fail;	/* frames dropped: no mbuf to refill */
	uint64_t bad_vnet;	/* header rejected by rtap_vnet_rx_decode */
	uint64_t bad_len;	/* short read / impossible length */
	uint64_t read_err;	/* CQE with -errno */
	uint64_t read_again;	/* -EAGAIN: another posted read took the frame */
	uint64_t submit_err;
	uint64_t no_buf;	/* multishot read ended: buffer ring empty */
};

struct rtap_tx_xstats {
	uint64_t size[RTAP_SZ_NB];
	uint64_t tso;		/* frames sent as GSO */
	uint64_t csum_offload;	/* frames with NEEDS_CSUM */
	uint64_t multiseg;
	uint64_t bad_offload;	/* request the vnet header cannot carry */
	uint64_t too_many_segs;
	uint64_t short_write;
	uint64_t write_err;
	uint64_t submit_err;
	uint64_t ring_full;	/* bursts cut short: no slot/SQE */
	uint64_t link_down;	/* packets refused: interface gone */
};

/* Scratch after the mbufs of a read: tun truncates an oversized frame
 * silently to the buffer and returns the bytes copied, so a read that
 * reaches into here is a frame larger than the queue takes. */
#define RTAP_RX_TAIL 8

struct rtap_rx_slot {
	struct virtio_net_hdr hdr;
	uint16_t posted;	/* a read is in flight */
	uint8_t tail[RTAP_RX_TAIL];
	struct rte_mbuf **m;	/* maxseg mbufs, always full */
	struct iovec *iov;	/* header + maxseg + tail */
};
#define RTAP_RX_IOVS(maxseg) ((size_t)(maxseg) + 2)

struct rtap_rxq {
	struct rtap_queue_common c;
	struct rte_mempool *mp;
	uint16_t nb_desc;
	uint16_t nb_slots;
	uint16_t maxseg;	/* mbufs per posted read */
	uint16_t in_flight;	/* reads posted by the owner's ring */
	uint8_t rd_wait;	/* readv: waiting reads (no RWF_NOWAIT) */
	uint32_t seg_room;	/* data bytes per mbuf */
	uint64_t offloads;
	int fd;			/* primary's fd (informational) */
	int socket;		/* NUMA socket for the slot arrays */
	int efd;		/* primary's Rx interrupt eventfd or -1 */
	struct rtap_rx_slot *slots;
	struct rte_mbuf **mbufs;	/* nb_slots * maxseg */
	struct iovec *iovs;		/* nb_slots * RTAP_RX_IOVS(maxseg) */
	/*
	 * Multishot mode (a frame fits one mbuf): one READ_MULTISHOT on the
	 * fd, its buffers picked by the kernel from a provided-buffer ring
	 * whose entries are mbuf data rooms (vnet header in the headroom).
	 */
	uint8_t mshot;		/* this mode, not the posted readv slots */
	uint16_t br_nb;		/* buffer ids (power of 2) */
	uint16_t br_nb_empty;	/* ids without an mbuf */
	struct rte_mbuf **br_m;	/* [br_nb] mbuf lent per buffer id */
	uint16_t *br_empty;	/* [br_nb] stack of ids without an mbuf */
	struct rtap_rx_xstats xs;
};

struct rtap_tx_slot {
	struct virtio_net_hdr hdr;
	struct rte_mbuf *m;
	uint32_t len;		/* header + frame bytes expected */
	uint16_t tso;
};

struct rtap_txq {
	struct rtap_queue_common c;
	uint16_t nb_desc;
	uint16_t nb_free;
	uint16_t *free_idx;	/* stack of free slot indexes */
	int fd;			/* primary's fd (informational) */
	uint64_t offloads;
	struct rtap_tx_slot *slots;
	struct iovec *iovs;	/* nb_desc * (1 + RTAP_MAX_TX_SEGS) */
	struct rtap_tx_xstats xs;
};

struct rtap_priv {
	struct rte_eth_dev *dev;
	uint16_t port_id;
	const struct rtap_backend_ops *be;
	struct rtap_args args;
	char ifname[IFNAMSIZ];
	int ifindex;
	struct rte_ether_addr mac;

	/* fd based backends */
	int keep_fd;		/* TAP: detached queue keeping the device */
	int qfd[RTAP_MAX_QUEUES];
	uint16_t nb_fds;
	uint32_t fd_gen;	/* bumped whenever qfd[] is reopened/closed */
	uint32_t run_seq;	/* bumped before queues start: a release sent
				 * before is stale (rtap_mp.c) */
	uint32_t vnet_peer;	/* RTAP_VNET_PEER_* */
	int uso_supported;
	int napi;
	unsigned int tun_offload;	/* TUN_F_* last set */
	void *be_priv;

	/* control path */
	struct rtap_nl nl;	/* requests, in the probe-time netns */
	int ioctl_sock;		/* AF_INET socket for ethtool ioctls */
	int netns_fd;		/* netns the port was probed in */
	struct rte_intr_handle *lsc_intr;	/* netlink monitor socket */
	struct rte_intr_handle *rx_intr;	/* Rx queue eventfds */
	struct mnl_socket *mon;
	volatile int gone;	/* interface deleted / moved away */
	uint32_t link_speed;
	int started;
	uint64_t imissed_base;	/* kernel rx_dropped at stats reset */
	uint64_t lsc_events;
};

#define RTAP_PRIV(dev) ((struct rtap_priv *)(dev)->data->dev_private)

/*
 * Per-process state (dev->process_private, never in shared memory).
 * Everything above lives in DPDK shared memory and is seen by primary
 * and secondary processes at the same address; fds and io_uring rings
 * are process-local.  A queue's ring is created lazily by the first
 * burst in the process (and thread) that polls it, and the queue is
 * marked owned by that process (c.owner) until the ring is torn down,
 * so two processes never post reads into the same slots.
 */
struct rtap_qproc {
	struct io_uring ring;
	uint8_t ring_ok;
	uint8_t refused;	/* owner conflict already logged */
	uint8_t mshot_armed;	/* Rx multishot read in the kernel */
	uint8_t poll_armed;	/* Rx readv: the interrupt poll is armed */
	uint16_t rd_want;	/* Rx readv: reads to try in the next burst */
	uint16_t rd_next;	/* Rx readv: next slot to post */
	struct io_uring_buf_ring *br;	/* Rx multishot: lent mbufs */
};

struct rtap_proc {
	const struct rtap_backend_ops *be;	/* this process's address */
	pthread_mutex_t lock;	/* ring attach vs release (rtap_mp.c) */
	int32_t pid;
	int primary;
	int closed;		/* secondary: the primary closed the port */
	uint32_t gen;		/* p->fd_gen that qfd[] belongs to */
	uint16_t nb_fds;
	int qfd[RTAP_MAX_QUEUES];	/* valid in this process, or -1 */
	struct rtap_qproc rxq[RTAP_MAX_QUEUES];
	struct rtap_qproc txq[RTAP_MAX_QUEUES];
};

#define RTAP_PROC(dev) ((struct rtap_proc *)(dev)->process_private)

/* This process's state of the port a queue belongs to. */
static inline struct rtap_proc *
rtap_proc_of(const struct rtap_queue_common *c)
{
	return rte_eth_devices[c->port_id].process_private;
}

/* rtap_ethdev.c: the port's ops are net_rtap's (either process's set). */
int rtap_dev_is_ours(const struct rte_eth_dev *dev);

/* rtap_rxtx.c: io_uring datapath for fd based backends */
int rtap_proc_queue_fd(struct rtap_queue_common *c, int tx);
int rtap_queue_start_check(struct rtap_queue_common *c, const char *dir);
void rtap_rxq_free_leftovers(struct rtap_rxq *q);
int rtap_rxq_start(struct rtap_rxq *q, int want_intr);
void rtap_rxq_stop(struct rtap_rxq *q);
int rtap_rxq_attach(struct rtap_rxq *q, struct rtap_qproc *r);
int rtap_rxq_intr_arm(struct rtap_rxq *q, struct rtap_qproc *r);
void rtap_rxq_detach(struct rtap_rxq *q, struct rtap_qproc *r);
int rtap_txq_start(struct rtap_txq *q);
void rtap_txq_stop(struct rtap_txq *q);
int rtap_txq_attach(struct rtap_txq *q, struct rtap_qproc *r);
void rtap_txq_detach(struct rtap_txq *q, struct rtap_qproc *r);
uint16_t rtap_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t rtap_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t rtap_burst_none(void *queue, struct rte_mbuf **pkts, uint16_t n);
void rtap_size_bucket(uint64_t *b, uint32_t len);

#endif /* RTAP_H */
