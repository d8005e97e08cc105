/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interfaces shared by the lib/nlmon source files. */

#ifndef RTAP_NLMON_PRIV_H
#define RTAP_NLMON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "rtap_nlmon.h"

/* Receive buffer: netlink messages are at most one page per skb for
 * notifications, dumps use up to 32 KiB skbs (netlink_dump). */
#define NLMON_BUFSZ	((size_t)64 * 1024)

/*
 * Request buffers are zero-initialised: libmnl 1.0.4's mnl_attr_put() does
 * not clear attribute padding, which would send stack garbage to the kernel.
 */

/* Names of the ETH_SS_FEATURES bits (index = bit). */
struct nlmon_feat_names {
	unsigned int count;
	char *name[RTAP_NLMON_FEAT_MAX];
};

/* ---- nlmon_sock.c: sockets and request/response with kernel checks ---- */

/* Open a netlink socket of `bus`, bound with an automatic port id. */
struct mnl_socket *nlmon_sock_open(int bus);

/*
 * Receive one datagram; returns its length, or -errno.  Datagrams whose
 * source is not the kernel (nl_pid != 0) or that carry an nsid cmsg (other
 * namespace) return -EPERM (already consumed); truncated ones -EMSGSIZE.
 */
ssize_t nlmon_recv(int fd, void *buf, size_t len, int flags);

/*
 * Send `nlh` (NLM_F_REQUEST set here, NLM_F_ACK added unless dump) and run
 * `cb` on each reply message until ACK/DONE.  Only kernel replies matching
 * the sequence number and our port id are accepted.  Returns 0 or -errno
 * (the kernel's error for a NACK).
 */
int nlmon_talk(struct mnl_socket *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data);

/* One-shot: open a socket on `bus`, talk, close. */
int nlmon_talk_once(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* ---- nlmon_link.c: rtnetlink message parsing (pure) ---- */

/*
 * True if the attributes after `off` bytes of payload exactly fill the
 * message (libmnl's iterators silently stop at a truncated attribute).
 */
bool nlmon_attrs_complete(const struct nlmsghdr *nlh, size_t off);

/* Same for the attributes nested in `nest` (its nla_len already checked). */
bool nlmon_nest_complete(const struct nlattr *nest);

/* Parse RTM_NEWLINK/RTM_DELLINK into out (event fields zeroed). */
int nlmon_parse_link(const struct nlmsghdr *nlh, struct rtap_nlmon_link *out);

/* Parse RTM_NEWADDR/RTM_DELADDR.  -EAFNOSUPPORT for non-IP families. */
int nlmon_parse_addr(const struct nlmsghdr *nlh, struct rtap_nlmon_addr *out);

/*
 * Compare `cur` with the previous state `prev` (NULL: first sighting) and
 * fill cur->changed and cur->old_*.
 */
void nlmon_link_diff(struct rtap_nlmon_link *cur,
		     const struct rtap_nlmon_link *prev);

/* ---- nlmon_ethtool.c: ethtool generic netlink ---- */

struct nlmon_genl_ids {
	uint16_t family;	/* 0 if ethtool netlink is unavailable */
	uint32_t monitor_grp;	/* 0 if the group was not found */
};

/* Resolve "ethtool" family id and its "monitor" group via nlctrl. */
int nlmon_ethtool_resolve(struct mnl_socket *s, struct nlmon_genl_ids *ids);

/*
 * Parse an ethtool bitset nest (compact or verbose) into `bits` (nwords
 * 64-bit words, zeroed first).  Bits beyond nwords*64 are an error.
 * With `names`, verbose names are recorded for bits that have none yet.
 * *nbits receives ETHTOOL_A_BITSET_SIZE.
 */
int nlmon_parse_bitset(const struct nlattr *nest, uint64_t *bits,
		       unsigned int nwords, unsigned int *nbits,
		       struct nlmon_feat_names *names);

/* Parse ETHTOOL_MSG_FEATURES_GET_REPLY / _NTF (payload after genl hdr). */
int nlmon_parse_features(const struct nlmsghdr *nlh,
			 struct rtap_nlmon_features *out,
			 struct nlmon_feat_names *names);

/* Fetch ETH_SS_FEATURES names. */
int nlmon_fetch_feat_names(struct mnl_socket *s, uint16_t family,
			   struct nlmon_feat_names *names);
void nlmon_free_feat_names(struct nlmon_feat_names *names);

/*
 * Build an ETHTOOL_MSG_FEATURES_GET request into buf (dump if ifindex is
 * 0), compact bitsets.
 */
struct nlmsghdr *nlmon_features_get_req(void *buf, uint16_t family,
					int ifindex);

#endif /* RTAP_NLMON_PRIV_H */
