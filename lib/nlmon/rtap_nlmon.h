/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtap netlink monitor: typed link / address / ethtool-feature events.
 *
 * A monitor owns one non-blocking netlink socket subscribed to rtnetlink
 * link + address groups and to the ethtool generic-netlink "monitor"
 * multicast group (family and group ids resolved via CTRL_CMD_GETFAMILY).
 * The caller polls rtap_nlmon_fd() (DPDK interrupt thread via rte_intr,
 * or its own loop) and calls rtap_nlmon_process() when it is readable.
 *
 * The monitor remembers the last known state per ifindex and reports
 * *changes* ("MTU 1500 -> 9000"), not raw messages: a message that changes
 * nothing the monitor tracks produces no callback (the kernel sends
 * RTM_NEWLINK for many reasons, e.g. every feature change and linkwatch
 * runs).  Messages are accepted only from the kernel (source nl_pid 0) and
 * only from the caller's network namespace (NETLINK_LISTEN_ALL_NSID is
 * never set; a message carrying an nsid cmsg is dropped anyway).
 *
 * On ENOBUFS (socket overflow, events lost) the monitor drains the socket,
 * re-dumps link state and ethtool features over a separate socket, and
 * delivers the differences with ev->resync set; links that disappeared
 * meanwhile are reported as deleted.
 *
 * No DPDK dependency: plain C + libmnl.  Not thread-safe: use one monitor
 * from one thread.  The synchronous helpers (rtap_nlmon_set_*, get_*) open
 * their own short-lived socket and may be called from any thread.
 *
 * All functions returning int return >= 0 on success and -errno on error.
 */

#ifndef RTAP_NLMON_H
#define RTAP_NLMON_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Subscriptions for rtap_nlmon_create().  RTNLGRP_LINK is always joined
 * (state is keyed by link); F_LINK only enables link events. */
#define RTAP_NLMON_F_LINK	(1u << 0) /* RTNLGRP_LINK */
#define RTAP_NLMON_F_ADDR	(1u << 1) /* RTNLGRP_IPV4_IFADDR + IPV6_IFADDR */
#define RTAP_NLMON_F_FEATURES	(1u << 2) /* ethtool genl "monitor" group */
/*
 * IP-level multicast membership changes (RTNLGRP_IPV4_MCADDR/IPV6_MCADDR,
 * kernel >= 6.12).  Used as a hint to re-read the link-layer multicast list
 * with rtap_nlmon_get_mc_list(): the kernel sends no notification when a
 * link-layer address is added with `ip maddr add`, so a caller that must
 * follow those too has to poll rtap_nlmon_get_mc_list().  Silently ignored
 * (no error) on kernels without these groups.
 */
#define RTAP_NLMON_F_MCAST	(1u << 3)
#define RTAP_NLMON_F_ALL	(RTAP_NLMON_F_LINK | RTAP_NLMON_F_ADDR | \
				 RTAP_NLMON_F_FEATURES | RTAP_NLMON_F_MCAST)

/* Interface name buffer size, = IF_NAMESIZE/IFNAMSIZ.  Not taken from
 * <net/if.h> so that this header works whichever of <net/if.h> and
 * <linux/if.h> (which conflict when included in that order) the user has. */
#define RTAP_NLMON_IFNAMSIZ	16

/* Longest link-layer address (kernel MAX_ADDR_LEN). */
#define RTAP_NLMON_ADDR_MAX	32

/* Bits of rtap_nlmon_link.changed. */
#define RTAP_NLMON_LINK_NEW		(1u << 0)  /* first time seen */
#define RTAP_NLMON_LINK_CHG_UP		(1u << 1)  /* IFF_UP (admin state) */
#define RTAP_NLMON_LINK_CHG_RUNNING	(1u << 2)  /* IFF_RUNNING */
#define RTAP_NLMON_LINK_CHG_PROMISC	(1u << 3)  /* IFF_PROMISC */
#define RTAP_NLMON_LINK_CHG_ALLMULTI	(1u << 4)  /* IFF_ALLMULTI */
#define RTAP_NLMON_LINK_CHG_FLAGS	(1u << 5)  /* any other IFF_* bit */
#define RTAP_NLMON_LINK_CHG_OPERSTATE	(1u << 6)  /* IFLA_OPERSTATE */
#define RTAP_NLMON_LINK_CHG_CARRIER	(1u << 7)  /* IFLA_CARRIER */
#define RTAP_NLMON_LINK_CHG_MTU		(1u << 8)  /* IFLA_MTU */
#define RTAP_NLMON_LINK_CHG_MAC		(1u << 9)  /* IFLA_ADDRESS */
#define RTAP_NLMON_LINK_CHG_NAME	(1u << 10) /* IFLA_IFNAME (rename) */

/*
 * Link state and, in events, what changed since the previous state the
 * monitor knew for this ifindex (old_* hold the previous values and are
 * only meaningful for the bits set in `changed`).
 */
struct rtap_nlmon_link {
	int ifindex;
	char ifname[RTAP_NLMON_IFNAMSIZ];
	unsigned int flags;	/* IFF_* from ifi_flags (IFF_UP, IFF_RUNNING,
				 * IFF_PROMISC, IFF_ALLMULTI, IFF_LOWER_UP..) */
	uint8_t operstate;	/* IF_OPER_* (RFC 2863), linux/if.h */
	bool carrier;		/* IFLA_CARRIER (falls back to IFF_LOWER_UP) */
	uint32_t mtu;
	uint8_t addr_len;	/* 6 for Ethernet, 0 if the link has none */
	uint8_t addr[RTAP_NLMON_ADDR_MAX];

	/* Event-only fields (zero from rtap_nlmon_get_link()). */
	uint32_t changed;	/* RTAP_NLMON_LINK_* bits */
	bool deleted;		/* RTM_DELLINK (or gone at resync) */
	bool resync;		/* produced by a resync after overflow */
	char old_ifname[RTAP_NLMON_IFNAMSIZ];
	unsigned int old_flags;
	uint8_t old_operstate;
	bool old_carrier;
	uint32_t old_mtu;
	uint8_t old_addr_len;
	uint8_t old_addr[RTAP_NLMON_ADDR_MAX];
};

/* An interface address was added or removed (RTM_NEWADDR/RTM_DELADDR). */
struct rtap_nlmon_addr {
	int ifindex;
	int family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint8_t scope;		/* RT_SCOPE_* */
	uint32_t flags;		/* IFA_F_* (IFA_FLAGS if present) */
	bool deleted;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;			/* IFA_LOCAL for v4 when present, else IFA_ADDRESS */
};

/*
 * ethtool feature bitsets, bit numbers as the kernel's ETH_SS_FEATURES
 * string set (netdev feature bits).  Names: rtap_nlmon_feature_name().
 */
#define RTAP_NLMON_FEAT_MAX	128
#define RTAP_NLMON_FEAT_WORDS	(RTAP_NLMON_FEAT_MAX / 64)

struct rtap_nlmon_features {
	int ifindex;
	char ifname[RTAP_NLMON_IFNAMSIZ];
	unsigned int nbits;	/* bitset size reported by the kernel */
	uint64_t hw[RTAP_NLMON_FEAT_WORDS];	/* changeable (ETHTOOL_A_FEATURES_HW) */
	uint64_t wanted[RTAP_NLMON_FEAT_WORDS];	/* requested by user */
	uint64_t active[RTAP_NLMON_FEAT_WORDS];	/* in effect */
	uint64_t nochange[RTAP_NLMON_FEAT_WORDS];	/* fixed */

	/* Event-only fields. */
	uint64_t changed[RTAP_NLMON_FEAT_WORDS];	/* active XOR previous active */
	bool first;		/* no previous state was known (changed = 0) */
	bool resync;		/* produced by a resync after overflow */
};

static inline bool
rtap_nlmon_feat_test(const uint64_t *set, unsigned int bit)
{
	return bit < RTAP_NLMON_FEAT_MAX && ((set[bit / 64] >> (bit % 64)) & 1);
}

/*
 * Callbacks; any may be NULL.  Called from rtap_nlmon_process() (and
 * rtap_nlmon_sync()) in the caller's thread.  Event structs are only valid
 * during the call.  Callbacks must not destroy the monitor or call
 * rtap_nlmon_process/resync/sync; they may call rtap_nlmon_watch/unwatch
 * and the synchronous helpers (their own echoes arrive as later events,
 * and only if they change something).
 */
struct rtap_nlmon_ops {
	void (*link)(const struct rtap_nlmon_link *ev, void *arg);
	void (*addr)(const struct rtap_nlmon_addr *ev, void *arg);
	void (*features)(const struct rtap_nlmon_features *ev, void *arg);
	/* IP multicast membership changed on ifindex (RTAP_NLMON_F_MCAST):
	 * re-read the link-layer list with rtap_nlmon_get_mc_list(). */
	void (*mcast)(int ifindex, void *arg);
	/* One line per dropped/bad message or resync (no newline).  NULL:
	 * the library prints "nlmon: <msg>" to stderr. */
	void (*log)(const char *msg, void *arg);
};

struct rtap_nlmon_stats {
	uint64_t msgs;		/* netlink messages parsed */
	uint64_t events;	/* callbacks invoked */
	uint64_t resyncs;	/* ENOBUFS recoveries */
	uint64_t foreign;	/* dropped: not from the kernel / other netns */
	uint64_t malformed;	/* dropped: bad length or attributes */
	uint64_t filtered;	/* dropped: ifindex not watched */
};

struct rtap_nlmon;

/*
 * Open a monitor subscribed to the groups in `flags` (RTAP_NLMON_F_*),
 * and take a silent snapshot of the current link/feature state so that
 * the first events already carry correct "old" values.
 * Returns NULL with errno set on failure.
 */
struct rtap_nlmon *
rtap_nlmon_create(unsigned int flags, const struct rtap_nlmon_ops *ops,
		  void *arg);

void
rtap_nlmon_destroy(struct rtap_nlmon *nl);

/*
 * File descriptor to poll for POLLIN: an epoll fd over the monitor's
 * rtnetlink and ethtool sockets.  Poll it level-triggered (poll(), select(),
 * default epoll, rte_intr callbacks): rtap_nlmon_process() reads at most
 * 4096 datagrams per socket per call and leaves the rest readable.
 */
int
rtap_nlmon_fd(const struct rtap_nlmon *nl);

/*
 * Restrict events to ifindex (additive: call once per interface).
 * ifindex 0 removes the filter (all interfaces).  Default: all.
 * Watching an interface fetches its current state silently.
 */
int
rtap_nlmon_watch(struct rtap_nlmon *nl, int ifindex);

int
rtap_nlmon_unwatch(struct rtap_nlmon *nl, int ifindex);

/*
 * Read and dispatch everything pending without blocking.
 * Returns the number of callbacks invoked, or -errno on a socket error
 * other than EAGAIN/ENOBUFS (ENOBUFS is handled by a resync).
 */
int
rtap_nlmon_process(struct rtap_nlmon *nl);

/*
 * Re-dump link and feature state now and deliver differences (with
 * ev->resync set), as done automatically after ENOBUFS.  Counts as a
 * resync in the stats.  Returns callbacks invoked or -errno.
 */
int
rtap_nlmon_resync(struct rtap_nlmon *nl);

/*
 * Deliver the remembered state of every watched interface to the callbacks
 * as if new (changed = RTAP_NLMON_LINK_NEW, features->first = true); e.g.
 * at application start.  Returns callbacks invoked.
 */
int
rtap_nlmon_sync(struct rtap_nlmon *nl);

/*
 * Set SO_RCVBUF of the monitor sockets (bytes; the kernel doubles it and
 * enforces a minimum).  Default is net.core.rmem_default.  With
 * force (root/CAP_NET_ADMIN) SO_RCVBUFFORCE ignores net.core.rmem_max.
 * Larger buffers make overflow (and thus resyncs) rarer.
 */
int
rtap_nlmon_set_rcvbuf(struct rtap_nlmon *nl, int bytes, bool force);

void
rtap_nlmon_stats_get(const struct rtap_nlmon *nl, struct rtap_nlmon_stats *st);

/*
 * Feature name for a bit (from the kernel's ETH_SS_FEATURES string set,
 * fetched at create), or NULL.  rtap_nlmon_feature_bit() is the reverse
 * lookup ("tx-tcp-segmentation" -> bit) or -ENOENT.
 */
const char *
rtap_nlmon_feature_name(const struct rtap_nlmon *nl, unsigned int bit);

int
rtap_nlmon_feature_bit(const struct rtap_nlmon *nl, const char *name);

/* ---- Synchronous helpers (own socket, wait for the kernel's ACK). ---- */

int rtap_nlmon_set_mtu(int ifindex, uint32_t mtu);
int rtap_nlmon_set_link(int ifindex, bool up);
int rtap_nlmon_set_mac(int ifindex, const uint8_t mac[6]);
int rtap_nlmon_set_promisc(int ifindex, bool on);
int rtap_nlmon_set_allmulti(int ifindex, bool on);

/* Current state via RTM_GETLINK (event-only fields zeroed). */
int rtap_nlmon_get_link(int ifindex, struct rtap_nlmon_link *out);

/* Current features via ETHTOOL_MSG_FEATURES_GET (event-only fields zeroed). */
int rtap_nlmon_get_features(int ifindex, struct rtap_nlmon_features *out);

/*
 * Turn one feature on/off by its ETH_SS_FEATURES name (ethtool -K style,
 * e.g. "tx-tcp-segmentation", "rx-gro") with ETHTOOL_MSG_FEATURES_SET.
 * Returns 0 if the kernel accepted the request; -EOPNOTSUPP if the request
 * was accepted but the feature did not take the wanted value (fixed, or
 * depends on another feature).
 */
int rtap_nlmon_set_feature(int ifindex, const char *name, bool on);

/*
 * Link-layer multicast addresses of ifindex, read from /proc/net/dev_mcast
 * (per network namespace; there is no rtnetlink dump of the link-layer
 * list).  Fills up to `max` entries and returns the total count (which may
 * exceed max), or -errno.
 */
int rtap_nlmon_get_mc_list(int ifindex, uint8_t (*macs)[6], unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* RTAP_NLMON_H */
