/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink link/address message parsing and state diffing (pure: no I/O).
 *
 * Every attribute length is validated before use (mnl_attr_validate*);
 * a message that fails validation is rejected as a whole with -EBADMSG.
 */

#include <errno.h>
#include <string.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nlmon_priv.h"

/* Walk by hand: libmnl's iterators stop silently at a bad attribute, and
 * the last attribute may lack trailing padding. */
static bool
attrs_fill(const char *p, const char *end)
{
	while (p + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < sizeof(*a) || p + a->nla_len > end)
			return false;
		p += MNL_ALIGN(a->nla_len);
	}
	return p >= end;
}

bool
nlmon_attrs_complete(const struct nlmsghdr *nlh, size_t off)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(off))
		return false;
	return attrs_fill((const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(off),
			  (const char *)nlh + nlh->nlmsg_len);
}

bool
nlmon_nest_complete(const struct nlattr *nest)
{
	return attrs_fill((const char *)mnl_attr_get_payload(nest),
			  (const char *)nest + nest->nla_len);
}

static int
link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > RTAP_NLMON_IFNAMSIZ)
			return MNL_CB_ERROR;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_OPERSTATE:
	case IFLA_CARRIER:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) > RTAP_NLMON_ADDR_MAX)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

int
nlmon_parse_link(const struct nlmsghdr *nlh, struct rtap_nlmon_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return -EBADMSG;
	if (!nlmon_attrs_complete(nlh, sizeof(*ifi)) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;

	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME] != NULL)
		strncpy(out->ifname, mnl_attr_get_str(tb[IFLA_IFNAME]),
			sizeof(out->ifname) - 1);
	if (tb[IFLA_MTU] != NULL)
		out->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	/* Without IFLA_OPERSTATE (very old kernels) derive it like
	 * rtnetlink does for running devices. */
	if (tb[IFLA_OPERSTATE] != NULL)
		out->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	else
		out->operstate = (ifi->ifi_flags & IFF_LOWER_UP) ?
			IF_OPER_UP : IF_OPER_DOWN;
	if (tb[IFLA_CARRIER] != NULL)
		out->carrier = mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0;
	else
		out->carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	if (tb[IFLA_ADDRESS] != NULL) {
		out->addr_len = (uint8_t)mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
		memcpy(out->addr, mnl_attr_get_payload(tb[IFLA_ADDRESS]),
		       out->addr_len);
	}
	out->deleted = nlh->nlmsg_type == RTM_DELLINK;
	return 0;
}

static int
addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		break;	/* length checked against the family by the caller */
	case IFA_FLAGS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

int
nlmon_parse_addr(const struct nlmsghdr *nlh, struct rtap_nlmon_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET)
		alen = sizeof(struct in_addr);
	else if (ifa->ifa_family == AF_INET6)
		alen = sizeof(struct in6_addr);
	else
		return -EAFNOSUPPORT;
	if (!nlmon_attrs_complete(nlh, sizeof(*ifa)) ||
	    mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	/* IPv4: IFA_LOCAL is the interface address, IFA_ADDRESS the peer on
	 * point-to-point links; IPv6 only sends IFA_ADDRESS (or IFA_LOCAL
	 * plus IFA_ADDRESS for peers). */
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != alen)
		return -EBADMSG;
	out->ifindex = (int)ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = tb[IFA_FLAGS] != NULL ? mnl_attr_get_u32(tb[IFA_FLAGS]) :
		ifa->ifa_flags;
	memcpy(&out->addr, mnl_attr_get_payload(a), alen);
	out->deleted = nlh->nlmsg_type == RTM_DELADDR;
	return 0;
}

void
nlmon_link_diff(struct rtap_nlmon_link *cur, const struct rtap_nlmon_link *prev)
{
	unsigned int fl;
	uint32_t ch = 0;

	if (prev == NULL) {
		cur->changed = RTAP_NLMON_LINK_NEW;
		return;
	}
	memcpy(cur->old_ifname, prev->ifname, sizeof(cur->old_ifname));
	cur->old_flags = prev->flags;
	cur->old_operstate = prev->operstate;
	cur->old_carrier = prev->carrier;
	cur->old_mtu = prev->mtu;
	cur->old_addr_len = prev->addr_len;
	memcpy(cur->old_addr, prev->addr, sizeof(cur->old_addr));

	/* RTM_DELLINK may omit attributes we know; a deletion is reported
	 * as such, not as a change of every field. */
	if (cur->deleted)
		return;

	fl = cur->flags ^ prev->flags;
	if (fl & IFF_UP)
		ch |= RTAP_NLMON_LINK_CHG_UP;
	if (fl & IFF_RUNNING)
		ch |= RTAP_NLMON_LINK_CHG_RUNNING;
	if (fl & IFF_PROMISC)
		ch |= RTAP_NLMON_LINK_CHG_PROMISC;
	if (fl & IFF_ALLMULTI)
		ch |= RTAP_NLMON_LINK_CHG_ALLMULTI;
	if (fl & ~(unsigned int)(IFF_UP | IFF_RUNNING | IFF_PROMISC | IFF_ALLMULTI))
		ch |= RTAP_NLMON_LINK_CHG_FLAGS;
	if (cur->operstate != prev->operstate)
		ch |= RTAP_NLMON_LINK_CHG_OPERSTATE;
	if (cur->carrier != prev->carrier)
		ch |= RTAP_NLMON_LINK_CHG_CARRIER;
	if (cur->mtu != prev->mtu)
		ch |= RTAP_NLMON_LINK_CHG_MTU;
	if (cur->addr_len != prev->addr_len ||
	    memcmp(cur->addr, prev->addr, cur->addr_len) != 0)
		ch |= RTAP_NLMON_LINK_CHG_MAC;
	if (strcmp(cur->ifname, prev->ifname) != 0)
		ch |= RTAP_NLMON_LINK_CHG_NAME;
	cur->changed = ch;
}
