/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nlmon parsing unit test: hand-built netlink messages (valid, and
 * malformed in each length field) through the pure parsers, plus the link
 * state diff.  No sockets, no privileges.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/genetlink.h>
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>

#include "nlmon_priv.h"

static unsigned int checks;

#define CHECK(c, ...) do {						\
	checks++;							\
	if (!(c)) {							\
		fprintf(stderr, "FAIL test_nlmon_parse.c:%d: ", __LINE__); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	}								\
} while (0)

static char buf[4096];

static struct nlmsghdr *
newlink(int ifindex, unsigned int flags)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	return nlh;
}

static void
test_link(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct rtap_nlmon_link l, p;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	uint8_t big[40] = { 0 };

	nlh = newlink(7, IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth7");
	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, 1);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	CHECK(nlmon_parse_link(nlh, &l) == 0, "valid link rejected");
	CHECK(l.ifindex == 7 && strcmp(l.ifname, "eth7") == 0 && l.mtu == 9000 &&
	      l.operstate == IF_OPER_UP && l.carrier && l.addr_len == 6 &&
	      memcmp(l.addr, mac, 6) == 0 && !l.deleted, "link fields");

	/* no IFLA_CARRIER/OPERSTATE: derived from IFF_LOWER_UP */
	nlh = newlink(7, IFF_UP);
	CHECK(nlmon_parse_link(nlh, &l) == 0 && !l.carrier &&
	      l.operstate == IF_OPER_DOWN, "fallback carrier");

	nlh = newlink(7, 0);
	nlh->nlmsg_type = RTM_DELLINK;
	CHECK(nlmon_parse_link(nlh, &l) == 0 && l.deleted, "dellink");

	/* truncated ifinfomsg */
	nlh = newlink(7, 0);
	nlh->nlmsg_len = mnl_nlmsg_size(4);
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "short ifinfomsg");
	/* ifindex 0 */
	nlh = newlink(0, 0);
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "ifindex 0");
	/* IFLA_MTU with a 2-byte payload */
	nlh = newlink(7, 0);
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "short IFLA_MTU");
	/* IFLA_OPERSTATE as u32 */
	nlh = newlink(7, 0);
	mnl_attr_put_u32(nlh, IFLA_OPERSTATE, 6);
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "wide IFLA_OPERSTATE");
	/* IFLA_ADDRESS longer than MAX_ADDR_LEN */
	nlh = newlink(7, 0);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(big), big);
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "long IFLA_ADDRESS");
	/* IFLA_IFNAME without NUL, and too long */
	nlh = newlink(7, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth7");
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "unterminated IFLA_IFNAME");
	nlh = newlink(7, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abcdefghijklmnopqrstuvwxyz");
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "long IFLA_IFNAME");
	/* attribute claiming more bytes than the message has */
	nlh = newlink(7, 0);
	a = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	a->nla_len = 64;
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "overlong attribute");
	/* trailing garbage shorter than an attribute header */
	nlh = newlink(7, 0);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	nlh->nlmsg_len += 2;
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "trailing bytes");
	/* nla_len smaller than the attribute header */
	nlh = newlink(7, 0);
	a = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	a->nla_len = 2;
	CHECK(nlmon_parse_link(nlh, &l) == -EBADMSG, "tiny nla_len");

	/* diff */
	memset(&p, 0, sizeof(p));
	p.ifindex = 7;
	strcpy(p.ifname, "eth7");
	p.flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	p.operstate = IF_OPER_UP;
	p.carrier = true;
	p.mtu = 1500;
	p.addr_len = 6;
	memcpy(p.addr, mac, 6);
	l = p;
	nlmon_link_diff(&l, NULL);
	CHECK(l.changed == RTAP_NLMON_LINK_NEW, "diff new");
	l = p;
	nlmon_link_diff(&l, &p);
	CHECK(l.changed == 0, "diff identical: 0x%x", l.changed);
	l = p;
	l.mtu = 9000;
	l.flags |= IFF_PROMISC;
	nlmon_link_diff(&l, &p);
	CHECK(l.changed == (RTAP_NLMON_LINK_CHG_MTU | RTAP_NLMON_LINK_CHG_PROMISC) &&
	      l.old_mtu == 1500 && l.old_flags == p.flags, "diff mtu+promisc");
	l = p;
	l.flags &= ~(unsigned int)(IFF_RUNNING | IFF_LOWER_UP);
	l.carrier = false;
	l.operstate = IF_OPER_LOWERLAYERDOWN;
	nlmon_link_diff(&l, &p);
	CHECK(l.changed == (RTAP_NLMON_LINK_CHG_RUNNING | RTAP_NLMON_LINK_CHG_FLAGS |
			    RTAP_NLMON_LINK_CHG_CARRIER | RTAP_NLMON_LINK_CHG_OPERSTATE) &&
	      l.old_carrier && l.old_operstate == IF_OPER_UP, "diff carrier");
	l = p;
	l.addr[5] = 2;
	strcpy(l.ifname, "wan0");
	l.flags |= IFF_ALLMULTI;
	l.flags &= ~(unsigned int)IFF_UP;
	nlmon_link_diff(&l, &p);
	CHECK(l.changed == (RTAP_NLMON_LINK_CHG_MAC | RTAP_NLMON_LINK_CHG_NAME |
			    RTAP_NLMON_LINK_CHG_ALLMULTI | RTAP_NLMON_LINK_CHG_UP) &&
	      l.old_addr[5] == 1 && strcmp(l.old_ifname, "eth7") == 0, "diff mac/name");
	memset(&l, 0, sizeof(l));
	l.ifindex = 7;
	l.deleted = true;
	nlmon_link_diff(&l, &p);
	CHECK(l.changed == 0 && l.old_mtu == 1500, "diff deleted");
}

static struct nlmsghdr *
newaddr(int family, uint8_t plen)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = 3;
	return nlh;
}

static void
test_addr(void)
{
	struct rtap_nlmon_addr a;
	struct nlmsghdr *nlh;
	struct in_addr l4, p4;
	struct in6_addr v6;

	inet_pton(AF_INET, "198.18.0.1", &l4);
	inet_pton(AF_INET, "198.18.0.2", &p4);
	inet_pton(AF_INET6, "2001:2::1", &v6);

	nlh = newaddr(AF_INET, 24);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &p4);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &l4);
	mnl_attr_put_u32(nlh, IFA_FLAGS, 0x80);
	CHECK(nlmon_parse_addr(nlh, &a) == 0 && a.family == AF_INET &&
	      a.addr.v4.s_addr == l4.s_addr && a.prefixlen == 24 &&
	      a.ifindex == 3 && a.flags == 0x80, "v4 prefers IFA_LOCAL");
	nlh = newaddr(AF_INET6, 64);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, &v6);
	nlh->nlmsg_type = RTM_DELADDR;
	CHECK(nlmon_parse_addr(nlh, &a) == 0 && a.deleted &&
	      memcmp(&a.addr.v6, &v6, 16) == 0, "v6 del");
	nlh = newaddr(AF_INET6, 64);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &l4);
	CHECK(nlmon_parse_addr(nlh, &a) == -EBADMSG, "v6 with 4-byte address");
	nlh = newaddr(AF_INET, 24);
	CHECK(nlmon_parse_addr(nlh, &a) == -EBADMSG, "no address");
	nlh = newaddr(AF_PACKET, 0);
	CHECK(nlmon_parse_addr(nlh, &a) == -EAFNOSUPPORT, "AF_PACKET");
	nlh = newaddr(AF_INET, 24);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &l4);
	mnl_attr_put_u16(nlh, IFA_FLAGS, 1);
	CHECK(nlmon_parse_addr(nlh, &a) == -EBADMSG, "short IFA_FLAGS");
}

/* ---- ethtool bitsets ---- */

static struct nlmsghdr *
feat_msg(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *h;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ETHTOOL_MSG_FEATURES_NTF;
	h = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, 5);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, "veth5");
	mnl_attr_nest_end(nlh, h);
	return nlh;
}

static void
put_compact(struct nlmsghdr *nlh, uint16_t type, uint32_t size,
	    const uint32_t *words, unsigned int nwords)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, size);
	mnl_attr_put(nlh, ETHTOOL_A_BITSET_VALUE, nwords * 4, words);
	mnl_attr_nest_end(nlh, n);
}

static void
put_verbose_bit(struct nlmsghdr *nlh, uint32_t idx, const char *name,
		bool value)
{
	struct nlattr *b = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);

	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_BIT_INDEX, idx);
	if (name != NULL)
		mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, name);
	if (value)
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL);
	mnl_attr_nest_end(nlh, b);
}

static void
test_features(void)
{
	struct nlmon_feat_names names = { 0 };
	struct rtap_nlmon_features f;
	struct nlmsghdr *nlh;
	struct nlattr *n, *bits, *a;
	uint32_t w[4] = { 0x00010001, 0x80000000, 0, 0 };
	uint64_t set[2];
	unsigned int nb;

	/* compact: bits 0, 16, 63 */
	nlh = feat_msg();
	put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 64, w, 2);
	w[0] = 0x2;
	put_compact(nlh, ETHTOOL_A_FEATURES_HW, 64, w, 2);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == 0, "compact rejected");
	CHECK(f.ifindex == 5 && strcmp(f.ifname, "veth5") == 0 && f.nbits == 64,
	      "compact header");
	CHECK(f.active[0] == ((UINT64_C(1) << 63) | (1u << 16) | 1) &&
	      f.active[1] == 0, "compact active %016llx",
	      (unsigned long long)f.active[0]);
	CHECK(f.hw[0] == ((UINT64_C(1) << 63) | 2), "compact hw");

	/* compact, 100 bits over 4 words: bit 99 */
	nlh = feat_msg();
	w[0] = 0;
	w[1] = 0;
	w[3] = 1u << 3;
	put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 100, w, 4);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == 0 &&
	      f.active[1] == (UINT64_C(1) << 35) && f.active[0] == 0, "bit 99");
	/* VALUE shorter than SIZE needs */
	nlh = feat_msg();
	put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 100, w, 3);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -EBADMSG, "short VALUE");
	/* a set bit at or beyond SIZE */
	nlh = feat_msg();
	w[3] = 1u << 31;
	put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 100, w, 4);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -EBADMSG, "bit beyond SIZE");
	/* more bits than we track */
	nlh = feat_msg();
	{
		uint32_t big[8] = { 0 };

		big[6] = 1;	/* bit 192 */
		put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 256, big, 8);
	}
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -ERANGE, "bit 192");

	/* verbose, NOMASK (kernel notifications): listed bits are set */
	nlh = feat_msg();
	n = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_ACTIVE);
	mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 66);
	bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	put_verbose_bit(nlh, 3, "tx-checksum-ipv4", false);
	put_verbose_bit(nlh, 65, "rx-gro-list", false);
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, n);
	CHECK(nlmon_parse_features(nlh, &f, &names) == 0, "verbose rejected");
	CHECK(f.active[0] == 8 && f.active[1] == 2 && f.nbits == 66,
	      "verbose bits");
	CHECK(names.name[3] != NULL && strcmp(names.name[3], "tx-checksum-ipv4") == 0 &&
	      names.name[65] != NULL && names.count == 66, "verbose names");
	nlmon_free_feat_names(&names);

	/* verbose with mask: only bits with VALUE are set */
	nlh = feat_msg();
	n = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_WANTED);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
	bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	put_verbose_bit(nlh, 1, NULL, true);
	put_verbose_bit(nlh, 2, NULL, false);
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, n);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == 0 && f.wanted[0] == 2,
	      "verbose masked");

	/* verbose bit without INDEX */
	nlh = feat_msg();
	n = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_ACTIVE);
	bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	a = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);
	mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, "x");
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, n);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -EBADMSG, "no INDEX");

	/* nested attribute overrunning its parent */
	nlh = feat_msg();
	n = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_ACTIVE);
	a = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
	mnl_attr_nest_end(nlh, n);
	a->nla_len = 12;
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -EBADMSG, "nested overrun");

	/* no header */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	put_compact(nlh, ETHTOOL_A_FEATURES_ACTIVE, 64, w, 2);
	CHECK(nlmon_parse_features(nlh, &f, NULL) == -EBADMSG, "no header");

	/* direct bitset call on an empty verbose set */
	nlh = feat_msg();
	n = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_ACTIVE);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
	mnl_attr_nest_end(nlh, n);
	CHECK(nlmon_parse_bitset(n, set, 2, &nb, NULL) == 0 && set[0] == 0 &&
	      set[1] == 0 && nb == 64, "empty set");
}

int
main(void)
{
	test_link();
	test_addr();
	test_features();
	printf("PASS: %u checks\n", checks);
	return 0;
}
