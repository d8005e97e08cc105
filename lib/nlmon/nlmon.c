/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor: two netlink sockets (rtnetlink groups, ethtool genl monitor
 * group) behind one epoll fd, per-ifindex remembered state, diffing, event
 * delivery and resync after overflow.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>

#include "nlmon_priv.h"

/* Added in Linux 6.12 (IP multicast membership notifications); the build
 * host's uapi headers may predate them. */
#define NLMON_RTNLGRP_IPV4_MCADDR	37
#define NLMON_RTNLGRP_IPV6_MCADDR	38
#define NLMON_RTM_NEWMULTICAST		56
#define NLMON_RTM_DELMULTICAST		57

/* Datagrams read per socket per rtap_nlmon_process() call; the epoll fd is
 * level-triggered, so anything left makes it readable again. */
#define NLMON_BUDGET	4096

struct nlmon_if {
	int ifindex;
	bool have_link;
	bool have_feat;
	bool seen;		/* present in the current resync dump */
	struct rtap_nlmon_link link;
	struct rtap_nlmon_features feat;
};

struct rtap_nlmon {
	unsigned int flags;
	struct rtap_nlmon_ops ops;
	void *arg;
	struct mnl_socket *rt;		/* rtnetlink notifications */
	struct mnl_socket *gn;		/* ethtool notifications (or NULL) */
	int epfd;
	struct nlmon_genl_ids ids;
	struct nlmon_feat_names names;
	struct nlmon_if *ifs;
	unsigned int n_ifs, cap_ifs;
	int *watch;			/* empty: all interfaces */
	unsigned int n_watch;
	bool in_resync;		/* events get ev->resync */
	bool dumping;		/* a features dump follows: no per-link get */
	struct rtap_nlmon_stats st;
	char *buf;
};

static void
nlmon_log(const struct rtap_nlmon *nl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
nlmon_log(const struct rtap_nlmon *nl, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	/* clang 14 false positive: ap is started just above.
	 * NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (nl->ops.log != NULL)
		nl->ops.log(msg, nl->arg);
	else
		fprintf(stderr, "nlmon: %s\n", msg);
}

/* ---- per-interface state ---- */

static struct nlmon_if *
if_find(struct rtap_nlmon *nl, int ifindex)
{
	unsigned int i;

	for (i = 0; i < nl->n_ifs; i++)
		if (nl->ifs[i].ifindex == ifindex)
			return &nl->ifs[i];
	return NULL;
}

static struct nlmon_if *
if_get(struct rtap_nlmon *nl, int ifindex)
{
	struct nlmon_if *e = if_find(nl, ifindex);

	if (e != NULL)
		return e;
	if (nl->n_ifs == nl->cap_ifs) {
		unsigned int cap = nl->cap_ifs ? nl->cap_ifs * 2 : 16;
		struct nlmon_if *n = realloc(nl->ifs, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		nl->ifs = n;
		nl->cap_ifs = cap;
	}
	e = &nl->ifs[nl->n_ifs++];
	memset(e, 0, sizeof(*e));
	e->ifindex = ifindex;
	return e;
}

static void
if_remove(struct rtap_nlmon *nl, struct nlmon_if *e)
{
	*e = nl->ifs[--nl->n_ifs];
}

static bool
watched(const struct rtap_nlmon *nl, int ifindex)
{
	unsigned int i;

	if (nl->n_watch == 0)
		return true;
	for (i = 0; i < nl->n_watch; i++)
		if (nl->watch[i] == ifindex)
			return true;
	return false;
}

/* ---- event handling ---- */

static int
deliver_link(struct rtap_nlmon *nl, const struct rtap_nlmon_link *ev)
{
	if (!watched(nl, ev->ifindex)) {
		nl->st.filtered++;
		return 0;
	}
	if (nl->ops.link == NULL || !(nl->flags & RTAP_NLMON_F_LINK))
		return 0;
	nl->st.events++;
	nl->ops.link(ev, nl->arg);
	return 1;
}

static int
deliver_features(struct rtap_nlmon *nl, const struct rtap_nlmon_features *ev)
{
	if (!watched(nl, ev->ifindex)) {
		nl->st.filtered++;
		return 0;
	}
	if (nl->ops.features == NULL)
		return 0;
	nl->st.events++;
	nl->ops.features(ev, nl->arg);
	return 1;
}

static int fetch_features(struct rtap_nlmon *nl, int ifindex);

/* Apply a parsed link message; `quiet` updates state without callbacks. */
static int
handle_link(struct rtap_nlmon *nl, struct rtap_nlmon_link *ev, bool quiet)
{
	struct nlmon_if *e = if_find(nl, ev->ifindex);
	bool known = e != NULL && e->have_link;
	bool fetch;
	int n = 0;

	ev->resync = nl->in_resync;
	nlmon_link_diff(ev, known ? &e->link : NULL);
	if (ev->deleted) {
		/* Keep the last known name in the event. */
		if (known && ev->ifname[0] == '\0')
			memcpy(ev->ifname, e->link.ifname, sizeof(ev->ifname));
		if (e != NULL)
			if_remove(nl, e);
		return quiet ? 0 : deliver_link(nl, ev);
	}
	if (e == NULL) {
		e = if_get(nl, ev->ifindex);
		if (e == NULL) {
			nlmon_log(nl, "out of memory tracking ifindex %d",
				  ev->ifindex);
			return -ENOMEM;
		}
	}
	/* A new interface: learn its features so that later feature
	 * notifications have a baseline (they only say what is, not what
	 * changed).  Decided before the callback, which may call
	 * rtap_nlmon_watch() and so move nl->ifs. */
	fetch = !known && !e->have_feat && nl->ids.family != 0 && !nl->dumping;
	e->seen = true;
	e->have_link = true;
	e->link = *ev;
	e->link.changed = 0;
	e->link.resync = false;
	if (!quiet && ev->changed != 0)
		n = deliver_link(nl, ev);
	if (fetch)
		(void)fetch_features(nl, ev->ifindex);
	return n;
}

static int
handle_features(struct rtap_nlmon *nl, struct rtap_nlmon_features *ev,
		bool quiet)
{
	struct nlmon_if *e = if_get(nl, ev->ifindex);
	bool diff = false;

	if (e == NULL)
		return -ENOMEM;
	ev->resync = nl->in_resync;
	if (e->have_feat) {
		for (unsigned int i = 0; i < RTAP_NLMON_FEAT_WORDS; i++) {
			ev->changed[i] = ev->active[i] ^ e->feat.active[i];
			if (ev->changed[i] != 0 ||
			    ev->wanted[i] != e->feat.wanted[i] ||
			    ev->hw[i] != e->feat.hw[i])
				diff = true;
		}
	} else {
		ev->first = true;
		diff = true;
	}
	if (ev->ifname[0] == '\0' && e->have_link)
		memcpy(ev->ifname, e->link.ifname, sizeof(ev->ifname));
	e->have_feat = true;
	e->feat = *ev;
	memset(e->feat.changed, 0, sizeof(e->feat.changed));
	e->feat.first = false;
	e->feat.resync = false;
	if (quiet || !diff)
		return 0;
	return deliver_features(nl, ev);
}

struct feat_dump_ctx {
	struct rtap_nlmon *nl;
	bool quiet;
	int events;
};

static int
features_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct feat_dump_ctx *c = data;
	struct rtap_nlmon_features ev;
	int r;

	c->nl->st.msgs++;
	if (nlmon_parse_features(nlh, &ev, &c->nl->names) < 0) {
		c->nl->st.malformed++;
		nlmon_log(c->nl, "malformed ethtool features reply dropped");
		return MNL_CB_OK;
	}
	r = handle_features(c->nl, &ev, c->quiet);
	if (r > 0)
		c->events += r;
	return MNL_CB_OK;
}

static int
fetch_features(struct rtap_nlmon *nl, int ifindex)
{
	char buf[256] = { 0 };
	struct feat_dump_ctx c = { .nl = nl, .quiet = true };
	struct nlmsghdr *nlh = nlmon_features_get_req(buf, nl->ids.family,
						       ifindex);
	int ret = nlmon_talk_once(NETLINK_GENERIC, nlh, features_reply_cb, &c);

	/* The interface may be gone already, or not support ethtool
	 * (-EOPNOTSUPP): not an error for the monitor. */
	return ret == -ENODEV || ret == -EOPNOTSUPP ? 0 : ret;
}

static int
handle_rt_msg(struct rtap_nlmon *nl, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi;
	struct rtap_nlmon_link lev;
	struct rtap_nlmon_addr aev;
	int r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
			goto bad;
		ifi = mnl_nlmsg_get_payload(nlh);
		/* AF_BRIDGE port messages share RTNLGRP_LINK but describe
		 * bridge port state, not the link. */
		if (ifi->ifi_family != AF_UNSPEC)
			return 0;
		if (nlmon_parse_link(nlh, &lev) < 0)
			goto bad;
		return handle_link(nl, &lev, false);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = nlmon_parse_addr(nlh, &aev);
		if (r == -EAFNOSUPPORT)
			return 0;
		if (r < 0)
			goto bad;
		if (!watched(nl, aev.ifindex)) {
			nl->st.filtered++;
			return 0;
		}
		if (nl->ops.addr == NULL)
			return 0;
		nl->st.events++;
		nl->ops.addr(&aev, nl->arg);
		return 1;
	case NLMON_RTM_NEWMULTICAST:
	case NLMON_RTM_DELMULTICAST:
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
			goto bad;
		r = (int)((const struct ifaddrmsg *)
			  mnl_nlmsg_get_payload(nlh))->ifa_index;
		if (!watched(nl, r)) {
			nl->st.filtered++;
			return 0;
		}
		if (nl->ops.mcast == NULL)
			return 0;
		nl->st.events++;
		nl->ops.mcast(r, nl->arg);
		return 1;
	default:
		return 0;
	}
bad:
	nl->st.malformed++;
	nlmon_log(nl, "malformed rtnetlink message type %u len %u dropped",
		  nlh->nlmsg_type, nlh->nlmsg_len);
	return 0;
}

static int
handle_gn_msg(struct rtap_nlmon *nl, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g;
	struct rtap_nlmon_features ev;

	if (nlh->nlmsg_type != nl->ids.family)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN))
		goto bad;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != ETHTOOL_MSG_FEATURES_NTF)
		return 0;	/* other ethtool notifications: not tracked */
	if (nlmon_parse_features(nlh, &ev, &nl->names) < 0)
		goto bad;
	return handle_features(nl, &ev, false);
bad:
	nl->st.malformed++;
	nlmon_log(nl, "malformed ethtool notification len %u dropped",
		  nlh->nlmsg_len);
	return 0;
}

/* ---- dumps and resync ---- */

struct link_dump_ctx {
	struct rtap_nlmon *nl;
	bool quiet;
	int events;
};

static int
link_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump_ctx *c = data;
	struct rtap_nlmon_link ev;
	int r;

	c->nl->st.msgs++;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (nlmon_parse_link(nlh, &ev) < 0) {
		c->nl->st.malformed++;
		nlmon_log(c->nl, "malformed link dump entry dropped");
		return MNL_CB_OK;
	}
	r = handle_link(c->nl, &ev, c->quiet);
	if (r > 0)
		c->events += r;
	return MNL_CB_OK;
}

static int
dump_links(struct rtap_nlmon *nl, bool quiet, int *events)
{
	char buf[128] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct link_dump_ctx c = { .nl = nl, .quiet = quiet };
	struct ifinfomsg *ifi;
	int ret;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* Skip per-link stats: they make each entry ~1 KiB larger. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nlmon_talk_once(NETLINK_ROUTE, nlh, link_reply_cb, &c);
	*events += c.events;
	return ret;
}

static int
dump_features(struct rtap_nlmon *nl, bool quiet, int *events)
{
	char buf[256] = { 0 };
	struct feat_dump_ctx c = { .nl = nl, .quiet = quiet };
	struct nlmsghdr *nlh;
	int ret;

	if (nl->ids.family == 0)
		return 0;
	nlh = nlmon_features_get_req(buf, nl->ids.family, 0);
	ret = nlmon_talk_once(NETLINK_GENERIC, nlh, features_reply_cb, &c);
	*events += c.events;
	return ret;
}

/* Dump everything; with !quiet deliver differences and vanished links. */
static int
snapshot(struct rtap_nlmon *nl, bool quiet)
{
	struct rtap_nlmon_link ev;
	int events = 0, ret;
	unsigned int i;

	for (i = 0; i < nl->n_ifs; i++)
		nl->ifs[i].seen = false;
	nl->in_resync = !quiet;
	nl->dumping = true;
	ret = dump_links(nl, quiet, &events);
	if (ret == 0) {
		/* Links that vanished while we were not listening. */
		for (i = 0; i < nl->n_ifs; ) {
			struct nlmon_if *e = &nl->ifs[i];

			if (e->seen) {
				i++;
				continue;
			}
			if (!e->have_link) {
				/* features-only leftover of a vanished link */
				if_remove(nl, e);
				continue;
			}
			ev = e->link;
			ev.deleted = true;
			if (handle_link(nl, &ev, quiet) > 0)
				events++;
			/* handle_link removed entry i (swapped with last) */
		}
		ret = dump_features(nl, quiet, &events);
	}
	nl->in_resync = false;
	nl->dumping = false;
	return ret < 0 ? ret : events;
}

/* Discard everything queued on a socket that overflowed: its contents are
 * superseded by the dump that follows. */
static void
drain(struct rtap_nlmon *nl, int fd)
{
	unsigned int i;

	for (i = 0; i < 16 * NLMON_BUDGET; i++) {
		ssize_t n = recv(fd, nl->buf, NLMON_BUFSZ, MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno != ENOBUFS && errno != EINTR)
			break;
	}
}

int
rtap_nlmon_resync(struct rtap_nlmon *nl)
{
	int ret;

	nl->st.resyncs++;
	ret = snapshot(nl, false);
	if (ret < 0)
		nlmon_log(nl, "resync failed: %s", strerror(-ret));
	return ret;
}

/* ---- public API ---- */

static int
add_group(struct mnl_socket *s, unsigned int grp)
{
	return mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &grp,
				     sizeof(grp)) < 0 ? -errno : 0;
}

static int
epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

struct rtap_nlmon *
rtap_nlmon_create(unsigned int flags, const struct rtap_nlmon_ops *ops,
		  void *arg)
{
	struct rtap_nlmon *nl;
	struct mnl_socket *ctl = NULL;
	int ret;

	if (flags == 0 || (flags & ~RTAP_NLMON_F_ALL)) {
		errno = EINVAL;
		return NULL;
	}
	nl = calloc(1, sizeof(*nl));
	if (nl == NULL)
		return NULL;
	nl->epfd = -1;
	nl->flags = flags;
	if (ops != NULL)
		nl->ops = *ops;
	nl->arg = arg;
	nl->buf = malloc(NLMON_BUFSZ);
	if (nl->buf == NULL) {
		ret = -ENOMEM;
		goto err;
	}
	nl->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (nl->epfd < 0) {
		ret = -errno;
		goto err;
	}

	nl->rt = nlmon_sock_open(NETLINK_ROUTE);
	if (nl->rt == NULL) {
		ret = -errno;
		goto err;
	}
	/* Always follow links: address and feature events are keyed by
	 * ifindex, and deletions must clear remembered state. */
	ret = add_group(nl->rt, RTNLGRP_LINK);
	if (ret == 0 && (flags & RTAP_NLMON_F_ADDR)) {
		ret = add_group(nl->rt, RTNLGRP_IPV4_IFADDR);
		if (ret == 0)
			ret = add_group(nl->rt, RTNLGRP_IPV6_IFADDR);
	}
	if (ret < 0)
		goto err;
	if (flags & RTAP_NLMON_F_MCAST) {
		/* Absent before Linux 6.12: EINVAL, documented as ignored. */
		(void)add_group(nl->rt, NLMON_RTNLGRP_IPV4_MCADDR);
		(void)add_group(nl->rt, NLMON_RTNLGRP_IPV6_MCADDR);
	}
	ret = epoll_add(nl->epfd, mnl_socket_get_fd(nl->rt));
	if (ret < 0)
		goto err;

	if (flags & RTAP_NLMON_F_FEATURES) {
		ctl = nlmon_sock_open(NETLINK_GENERIC);
		if (ctl == NULL) {
			ret = -errno;
			goto err;
		}
		ret = nlmon_ethtool_resolve(ctl, &nl->ids);
		if (ret == 0 && (nl->ids.family == 0 || nl->ids.monitor_grp == 0))
			ret = -EOPNOTSUPP;
		if (ret < 0) {
			nlmon_log(nl, "ethtool netlink unavailable: %s",
				  strerror(-ret));
			goto err;
		}
		ret = nlmon_fetch_feat_names(ctl, nl->ids.family, &nl->names);
		if (ret < 0) {
			nlmon_log(nl, "cannot read ethtool feature names: %s",
				  strerror(-ret));
			goto err;
		}
		mnl_socket_close(ctl);
		ctl = NULL;
		nl->gn = nlmon_sock_open(NETLINK_GENERIC);
		if (nl->gn == NULL) {
			ret = -errno;
			goto err;
		}
		ret = add_group(nl->gn, nl->ids.monitor_grp);
		if (ret == 0)
			ret = epoll_add(nl->epfd, mnl_socket_get_fd(nl->gn));
		if (ret < 0)
			goto err;
	}

	/* Subscribe first, then dump: a change racing with the dump is then
	 * either in the dump or queued as a notification, never lost. */
	ret = snapshot(nl, true);
	if (ret < 0)
		goto err;
	return nl;
err:
	if (ctl != NULL)
		mnl_socket_close(ctl);
	rtap_nlmon_destroy(nl);
	errno = -ret;
	return NULL;
}

void
rtap_nlmon_destroy(struct rtap_nlmon *nl)
{
	if (nl == NULL)
		return;
	if (nl->rt != NULL)
		mnl_socket_close(nl->rt);
	if (nl->gn != NULL)
		mnl_socket_close(nl->gn);
	if (nl->epfd >= 0)
		close(nl->epfd);
	nlmon_free_feat_names(&nl->names);
	free(nl->ifs);
	free(nl->watch);
	free(nl->buf);
	free(nl);
}

int
rtap_nlmon_fd(const struct rtap_nlmon *nl)
{
	return nl->epfd;
}

int
rtap_nlmon_set_rcvbuf(struct rtap_nlmon *nl, int bytes, bool force)
{
	int opt = force ? SO_RCVBUFFORCE : SO_RCVBUF;

	if (setsockopt(mnl_socket_get_fd(nl->rt), SOL_SOCKET, opt, &bytes,
		       sizeof(bytes)) < 0)
		return -errno;
	if (nl->gn != NULL &&
	    setsockopt(mnl_socket_get_fd(nl->gn), SOL_SOCKET, opt, &bytes,
		       sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

int
rtap_nlmon_watch(struct rtap_nlmon *nl, int ifindex)
{
	struct rtap_nlmon_link cur;
	int *w;
	int ret;

	if (ifindex < 0)
		return -EINVAL;
	if (ifindex == 0) {
		free(nl->watch);
		nl->watch = NULL;
		nl->n_watch = 0;
		return 0;
	}
	if (nl->n_watch > 0 && watched(nl, ifindex))
		return 0;
	/* State is tracked for every link; make sure this one is current
	 * (it may have appeared after the snapshot). */
	ret = rtap_nlmon_get_link(ifindex, &cur);
	if (ret < 0)
		return ret;
	if (if_find(nl, ifindex) == NULL) {
		ret = handle_link(nl, &cur, true);
		if (ret < 0)
			return ret;
	}
	w = realloc(nl->watch, (nl->n_watch + 1) * sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	nl->watch = w;
	nl->watch[nl->n_watch++] = ifindex;
	return 0;
}

int
rtap_nlmon_unwatch(struct rtap_nlmon *nl, int ifindex)
{
	unsigned int i;

	for (i = 0; i < nl->n_watch; i++) {
		if (nl->watch[i] == ifindex) {
			nl->watch[i] = nl->watch[--nl->n_watch];
			return 0;
		}
	}
	return -ENOENT;
}

/* Read one socket until EAGAIN or budget; returns events, sets *overflow. */
static int
read_sock(struct rtap_nlmon *nl, struct mnl_socket *s, bool rt,
	  bool *overflow)
{
	int fd = mnl_socket_get_fd(s);
	int events = 0, budget;

	for (budget = 0; budget < NLMON_BUDGET; budget++) {
		const struct nlmsghdr *nlh;
		ssize_t n = nlmon_recv(fd, nl->buf, NLMON_BUFSZ, MSG_DONTWAIT);
		int len;

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n == -EINTR)
			continue;
		if (n == -ENOBUFS) {
			nlmon_log(nl, "%s socket overflow: events lost, resyncing",
				  rt ? "rtnetlink" : "ethtool");
			*overflow = true;
			drain(nl, fd);
			break;
		}
		if (n == -EPERM) {
			nl->st.foreign++;
			nlmon_log(nl, "%s message not from the kernel (or from another netns) dropped",
				  rt ? "rtnetlink" : "ethtool");
			continue;
		}
		if (n == -EMSGSIZE) {
			nl->st.malformed++;
			nlmon_log(nl, "truncated netlink datagram dropped");
			continue;
		}
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			int r;

			nl->st.msgs++;
			r = rt ? handle_rt_msg(nl, nlh) : handle_gn_msg(nl, nlh);
			if (r > 0)
				events += r;
		}
		if (len != 0) {
			nl->st.malformed++;
			nlmon_log(nl, "%d trailing bytes in netlink datagram dropped",
				  len);
		}
	}
	return events;
}

int
rtap_nlmon_process(struct rtap_nlmon *nl)
{
	struct epoll_event evs[2];
	bool overflow = false;
	int events = 0, r;

	/* Consume the epoll readiness (level-triggered: no state kept). */
	(void)epoll_wait(nl->epfd, evs, 2, 0);

	r = read_sock(nl, nl->rt, true, &overflow);
	if (r < 0)
		return r;
	events += r;
	if (nl->gn != NULL) {
		r = read_sock(nl, nl->gn, false, &overflow);
		if (r < 0)
			return r;
		events += r;
	}
	if (overflow) {
		r = rtap_nlmon_resync(nl);
		if (r < 0)
			return r;
		events += r;
	}
	return events;
}

int
rtap_nlmon_sync(struct rtap_nlmon *nl)
{
	unsigned int i;
	int events = 0;

	for (i = 0; i < nl->n_ifs; i++) {
		struct nlmon_if e = nl->ifs[i];

		if (e.have_link) {
			e.link.changed = RTAP_NLMON_LINK_NEW;
			events += deliver_link(nl, &e.link);
		}
		if (e.have_feat) {
			e.feat.first = true;
			events += deliver_features(nl, &e.feat);
		}
	}
	return events;
}

void
rtap_nlmon_stats_get(const struct rtap_nlmon *nl, struct rtap_nlmon_stats *st)
{
	*st = nl->st;
}

const char *
rtap_nlmon_feature_name(const struct rtap_nlmon *nl, unsigned int bit)
{
	if (bit >= RTAP_NLMON_FEAT_MAX)
		return NULL;
	return nl->names.name[bit];
}

int
rtap_nlmon_feature_bit(const struct rtap_nlmon *nl, const char *name)
{
	unsigned int i;

	for (i = 0; i < RTAP_NLMON_FEAT_MAX; i++)
		if (nl->names.name[i] != NULL && strcmp(nl->names.name[i], name) == 0)
			return (int)i;
	return -ENOENT;
}
