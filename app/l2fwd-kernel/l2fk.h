/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * l2fwd-kernel: shared state of the application.
 *
 * One "pair" joins a NIC port (any ethdev the user named) with a
 * kernel-facing net_rtap port the application creates.  Each pair has
 * nb_queues queue pairs; queue q of both ports is served by one lcore
 * (struct l2fk_qp).  The control thread (sync.c, main.c) never touches the
 * datapath state except through the pause handshake.
 */

#ifndef L2FK_H
#define L2FK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "queue.h"

extern int l2fk_logtype;
#define L2FK_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, l2fk_logtype, "l2fk: " fmt "\n", \
		##__VA_ARGS__)

#define L2FK_MAX_PAIRS		8
#define L2FK_MAX_QUEUES		16
#define L2FK_BURST		32
#define L2FK_NB_RXD		1024
#define L2FK_NB_TXD		1024
/* Per direction and forwarding round (queue.c, l2fk_txq_xmit). */
#define L2FK_ROUND_BYTES	(256u << 10)

/* Offload plan of one pair, derived from rte_eth_dev_info (ports.c). */
struct l2fk_plan {
	uint64_t nic_rx_ofl;	/* Rx offloads enabled on the NIC port */
	uint64_t nic_tx_ofl;	/* Tx offloads enabled on the NIC port */
	uint64_t kern_rx_ofl;	/* Rx offloads of the rtap port = what the
				 * kernel may send us (TUNSETOFFLOAD) */
	uint64_t kern_tx_ofl;	/* Tx offloads we may ask of the kernel */
	bool kern_gso;		/* kernel hands us GSO (TSO) frames */
	bool kern_csum;		/* kernel hands us CHECKSUM_PARTIAL frames */
	bool nic_tso;		/* NIC segments TCP itself */
	bool nic_lro;		/* NIC may hand us LRO frames */
	bool rss;		/* RSS on the NIC (nb_queues > 1) */
	bool sw_gso;		/* NIC lacks TSO: segment and checksum
				 * kernel GSO frames here (rte_gso) */
	bool kern_tso6;		/* kernel may hand us TCP/IPv6 GSO frames */
	bool nic_uso;		/* NIC segments UDP (UDP_SEGMENT) itself:
				 * kernel may hand us UDP GSO frames */
	uint16_t nb_queues;
	/* What the user switched off on the TAP with ethtool -K (sync.c). */
	bool user_no_tso;
	bool user_no_csum;
};

/* Per-direction counters, written by one lcore only. */
struct l2fk_dir_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_retry;	/* tx_burst accepted fewer than offered */
	uint64_t bad_ofl;	/* offload metadata we could not translate */
	uint64_t gso_frames;	/* frames carrying TSO/LRO metadata */
	uint64_t backpressure;	/* polls skipped because the queue was full */
	uint64_t link_down_drops; /* dropped while the egress link was down */
};

struct l2fk_pair;

/* One queue pair (queue q on both ports of a pair), one lcore. */
struct l2fk_qp {
	struct l2fk_pair *pair;
	uint16_t qid;
	unsigned int lcore;
	struct l2fk_txq to_nic;		/* kernel -> NIC: FQ-CoDel + BQL */
	struct l2fk_txq to_kern;	/* NIC -> kernel: FQ-CoDel */
	struct l2fk_dir_stats up;	/* kernel -> NIC */
	struct l2fk_dir_stats down;	/* NIC -> kernel */
	bool intr_nic;			/* NIC queue has Rx interrupts */
	bool intr_kern;
};

struct l2fk_pair {
	unsigned int idx;
	uint16_t nic_port;
	uint16_t kern_port;
	char nic_name[RTE_ETH_NAME_MAX_LEN];
	char kern_ifname[IF_NAMESIZE];
	char kern_vdev[RTE_ETH_NAME_MAX_LEN];
	int kern_ifindex;
	int nic_ifindex;		/* kernel netdev behind the NIC, or 0 */
	int socket;
	struct rte_eth_dev_info nic_info;
	struct rte_eth_dev_info kern_info;
	struct l2fk_plan plan;
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint32_t link_speed;
	bool nic_lsc;			/* NIC port raises LSC interrupts */
	/* Link state as last mirrored (sync.c), read by the datapath. */
	volatile bool nic_link_up;
	volatile bool kern_admin_up;
	/* Multicast mirror (sync.c): the TAP's list -> NIC filters. */
	uint32_t mc_count;		/* addresses on the TAP's list */
	bool mc_filter;			/* NIC took the list as filters */
	bool mc_allmulti;		/* NIC allmulticast: list fallback */
	bool kern_allmulti;		/* TAP's own IFF_ALLMULTI */
	bool no_allmulti_ctl;		/* NIC: allmulticast -ENOTSUP */
	/* Echo suppression: what we last set on the kernel side. */
	uint32_t set_kern_mtu;
	struct l2fk_qp qp[L2FK_MAX_QUEUES];
	/* Control-path counters. */
	uint64_t ctl_events;
	uint64_t ctl_errors;
	uint64_t reconfigs;
	uint64_t txqlen_sets;		/* TAP txqueuelen changes (txqlen.c) */
};

struct l2fk_config {
	unsigned int stats_period;	/* seconds, 0 = off */
	bool poll_only;			/* never sleep on interrupts */
	bool no_aqm;			/* bench only: bypass FQ-CoDel/BQL */
	bool ecn;			/* CE-mark ECT packets instead of drop */
	bool sw_gso;			/* allow software GSO (--gso=kernel: no) */
	bool sched_prio;		/* raise lcore priority (sched.c) */
	uint32_t round_bytes;		/* per direction and round, 0: off */
	const char *kernel_names[L2FK_MAX_PAIRS];
	unsigned int nb_kernel_names;
};

struct l2fk_app {
	struct l2fk_config cfg;
	struct l2fk_pair pairs[L2FK_MAX_PAIRS];
	unsigned int nb_pairs;
	struct rte_mempool *pool;
	uint64_t hz;
	/* Datapath control. */
	volatile bool quit;
	volatile bool pause_req;
	unsigned int nb_workers;	/* lcores with at least one qp */
	volatile unsigned int paused;	/* workers parked (atomic) */
	struct l2fk_qp *lcore_qps[RTE_MAX_LCORE][L2FK_MAX_PAIRS * L2FK_MAX_QUEUES];
	unsigned int lcore_nb_qps[RTE_MAX_LCORE];
	/* Worker state, for stats: 1 = sleeping on interrupts. */
	volatile uint8_t lcore_sleeping[RTE_MAX_LCORE];
	uint64_t lcore_wakeups[RTE_MAX_LCORE];
	uint64_t lcore_polls[RTE_MAX_LCORE];
	uint64_t lcore_busy_polls[RTE_MAX_LCORE];
};

extern struct l2fk_app l2fk;

/* ports.c */
void l2fk_plan_compute(const struct rte_eth_dev_info *nic,
		       const struct rte_eth_dev_info *kern,
		       uint16_t nb_queues, bool user_no_tso, bool user_no_csum,
		       bool sw_gso, struct l2fk_plan *plan);
int l2fk_ports_create(void);
int l2fk_pair_start(struct l2fk_pair *p);
int l2fk_pair_reconfigure(struct l2fk_pair *p);
void l2fk_ports_close(void);
void l2fk_ofl_str(uint64_t ofl, bool tx, char *buf, size_t len);
void l2fk_pair_summary(const struct l2fk_pair *p);

/* ofl.c: per-packet offload metadata translation between the ports. */
int l2fk_ofl_to_nic(struct rte_mbuf *m, const struct l2fk_plan *plan);
int l2fk_ofl_to_kern(struct rte_mbuf *m, const struct l2fk_plan *plan);
int l2fk_sw_gso_init(void);
void l2fk_sw_gso_fini(void);
uint16_t l2fk_sw_gso(struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
		     uint16_t max);

/* fwd.c */
int l2fk_worker(void *arg);
void l2fk_pause_workers(void);
void l2fk_resume_workers(void);

/* sync.c */
int l2fk_sync_start(void);
void l2fk_sync_poll(int timeout_ms);
void l2fk_sync_stop(void);
int l2fk_sync_fd(void);

/* txqlen.c: TAP txqueuelen learned from the drain rate (control thread) */
uint32_t l2fk_txqlen_calc(uint64_t rate_Bps, uint64_t avg_frame,
			  unsigned int nb_queues, uint32_t min, uint32_t max);
void l2fk_txqlen_init(void);
void l2fk_txqlen_update(void);
uint32_t l2fk_txqlen_get(unsigned int pair);
void l2fk_txqlen_restore(void);

/* sched.c: CPU priority of the forwarding lcores */
void l2fk_sched_init(void);
void l2fk_sched_apply(void);

/* stats.c */
void l2fk_stats_print(void);
void l2fk_stats_summary(void);
void l2fk_telemetry_register(void);

#endif /* L2FK_H */
