/* SPDX-License-Identifier: BSD-3-Clause */
/* rtnetlink requests and link monitor for net_rtap (libmnl). */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "rtap_compat.h"
#include "rtap_netlink.h"

static int
rtap_nl_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtap_nl_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			l->operstate = mnl_attr_get_u8(attr);
		break;
	case IFLA_CARRIER:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) {
			l->carrier = mnl_attr_get_u8(attr);
			l->has_carrier = 1;
		}
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == RTE_ETHER_ADDR_LEN) {
			memcpy(&l->mac, mnl_attr_get_payload(attr),
			       RTE_ETHER_ADDR_LEN);
			l->has_mac = 1;
		}
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->ifname, sizeof(l->ifname), "%s",
				 mnl_attr_get_str(attr));
		break;
	case IFLA_STATS64:
		/* Older kernels send a shorter struct: copy what is there. */
		memcpy(&l->stats, mnl_attr_get_payload(attr),
		       RTE_MIN(sizeof(l->stats),
			       (size_t)mnl_attr_get_payload_len(attr)));
		l->has_stats = 1;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int
rtap_nl_parse(const struct nlmsghdr *nlh, struct rtap_nl_link *l)
{
	const struct ifinfomsg *ifm;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -1;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)))
		return -1;
	ifm = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	l->type = nlh->nlmsg_type;
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (mnl_attr_parse(nlh, sizeof(*ifm), rtap_nl_attr_cb, l) < 0)
		return -1;
	return 0;
}

static int
rtap_nl_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtap_nl_link *l = data;

	if (rtap_nl_parse(nlh, l) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

int
rtap_nl_open(struct rtap_nl *nl)
{
	struct timeval tv = { .tv_sec = 2 };

	rte_spinlock_init(&nl->lock);
	nl->seq = (unsigned int)time(NULL);
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return err;
	}
	/* Never hang a control call on a lost answer. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		   &tv, sizeof(tv));
	return 0;
}

void
rtap_nl_close(struct rtap_nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Send one request and run cb on the answer (or just check the ACK). */
static int
rtap_nl_talk(struct rtap_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
	     void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid, seq;
	int ret;

	if (nl->sock == NULL)
		return -EBADF;
	rte_spinlock_lock(&nl->lock);
	portid = mnl_socket_get_portid(nl->sock);
	seq = ++nl->seq;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, n, seq, portid, cb, data);
		/* A stale answer to an earlier, timed-out request. */
		if (ret < 0 && errno == EPROTO)
			ret = 1;
	} while (ret > 0);
	ret = ret < 0 ? -errno : 0;
out:
	rte_spinlock_unlock(&nl->lock);
	return ret;
}

int
rtap_nl_get_link(struct rtap_nl *nl, int ifindex, struct rtap_nl_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_GETLINK;
	/* ACK ends the exchange after the single RTM_NEWLINK answer. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	memset(l, 0, sizeof(*l));
	return rtap_nl_talk(nl, nlh, rtap_nl_get_cb, l);
}

static struct nlmsghdr *
rtap_nl_setlink_msg(char *buf, int ifindex, unsigned int flags,
		    unsigned int mask)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = flags;
	ifm->ifi_change = mask;
	return nlh;
}

int
rtap_nl_set_flags(struct rtap_nl *nl, int ifindex, unsigned int flags, unsigned int mask)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return rtap_nl_talk(nl, rtap_nl_setlink_msg(buf, ifindex, flags, mask),
			    NULL, NULL);
}

int
rtap_nl_set_mtu(struct rtap_nl *nl, int ifindex, uint32_t mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = rtap_nl_setlink_msg(buf, ifindex, 0, 0);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtap_nl_talk(nl, nlh, NULL, NULL);
}

int
rtap_nl_set_mac(struct rtap_nl *nl, int ifindex, const struct rte_ether_addr *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = rtap_nl_setlink_msg(buf, ifindex, 0, 0);

	mnl_attr_put(nlh, IFLA_ADDRESS, RTE_ETHER_ADDR_LEN, mac->addr_bytes);
	return rtap_nl_talk(nl, nlh, NULL, NULL);
}

int
rtap_nl_link_is_up(const struct rtap_nl_link *l)
{
	if (!(l->flags & IFF_UP))
		return 0;
	/* RFC 2863 states that mean "not usable" whatever the carrier. */
	if (l->operstate == IF_OPER_NOTPRESENT ||
	    l->operstate == IF_OPER_DORMANT)
		return 0;
	/*
	 * The carrier is current; operstate follows it through linkwatch,
	 * up to a second later (linkwatch_fire_event), so a fresh "up" would
	 * read DOWN for that long.  Use operstate only without IFLA_CARRIER.
	 * tun reports IF_OPER_UNKNOWN while up.
	 */
	if (l->has_carrier)
		return l->carrier != 0;
	return l->operstate != IF_OPER_DOWN &&
	       l->operstate != IF_OPER_LOWERLAYERDOWN;
}

struct mnl_socket *
rtap_nl_monitor_open(void)
{
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl == NULL)
		return NULL;
	if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	/* Report lost events as ENOBUFS instead of silently. */
	mnl_socket_setsockopt(nl, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	return nl;
}

int
rtap_nl_monitor_fd(struct mnl_socket *s)
{
	return mnl_socket_get_fd(s);
}

void
rtap_nl_monitor_close(struct mnl_socket *s)
{
	if (s != NULL)
		mnl_socket_close(s);
}

struct rtap_nl_mon_ctx {
	rtap_nl_link_cb cb;
	void *arg;
	int count;
};

static int
rtap_nl_mon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtap_nl_mon_ctx *ctx = data;
	struct rtap_nl_link l;

	if (rtap_nl_parse(nlh, &l) == 0) {
		ctx->count++;
		ctx->cb(&l, ctx->arg);
	}
	return MNL_CB_OK;
}

int
rtap_nl_monitor_read(struct mnl_socket *s, rtap_nl_link_cb cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtap_nl_mon_ctx ctx = { .cb = cb, .arg = arg };
	int lost = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = 1;
				continue;
			}
			break;	/* EAGAIN: drained */
		}
		/* seq/portid 0: multicast notifications. */
		mnl_cb_run(buf, n, 0, 0, rtap_nl_mon_cb, &ctx);
	}
	return lost ? -ENOBUFS : ctx.count;
}
