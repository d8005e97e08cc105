/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nlmon integration test.  Runs inside a netns prepared by nlmon.sh:
 *   test_nlmon <ifA> <ifB> <other-netns> <ifC-in-other-netns>
 * ifA <-> ifB is a veth pair (both up) in our netns; ifC lives in another
 * netns.  Every step changes the real interface with ip(8)/ethtool(8) or a
 * library helper and asserts the exact events delivered.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/genetlink.h>
#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "rtap_nlmon.h"

#define MAXREC 4096

enum rec_type { R_LINK, R_ADDR, R_FEAT, R_MCAST };

struct rec {
	enum rec_type type;
	union {
		struct rtap_nlmon_link l;
		struct rtap_nlmon_addr a;
		struct rtap_nlmon_features f;
		int mc_ifindex;
	} u;
};

static struct rec recs[MAXREC];
static unsigned int nrec;
static unsigned int overflowed_recs;
static struct rtap_nlmon *nl;
static const char *ifa, *ifb, *other_ns, *ifc;
static int ia, ib;
static unsigned int checks;

static void
fail(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL test_nlmon.c:%d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define CHECK(c, ...) do { checks++; if (!(c)) fail(__LINE__, __VA_ARGS__); } while (0)

static void
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	printf("  $ %s\n", cmd);
	fflush(stdout);
	r = system(cmd);
	if (r != 0)
		fail(__LINE__, "command failed (%d): %s", r, cmd);
}

/* First line of a shell command's output. */
static void
sh_out(char *out, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (p == NULL || fgets(out, (int)len, p) == NULL)
		fail(__LINE__, "no output from: %s", cmd);
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static const char *
mac_str(const uint8_t *a, unsigned int len)
{
	static char s[4][3 * RTAP_NLMON_ADDR_MAX + 1];
	static int k;
	char *p = s[k++ & 3];
	unsigned int i;

	p[0] = '\0';
	for (i = 0; i < len; i++)
		sprintf(p + (i ? 3 * i - 1 : 0), i ? ":%02x" : "%02x", a[i]);
	return p;
}

static void
print_link(const struct rtap_nlmon_link *l)
{
	printf("  link %s(%d)%s%s changed=0x%x flags=0x%x oper=%u carrier=%d mtu=%u mac=%s",
	       l->ifname, l->ifindex, l->deleted ? " DELETED" : "",
	       l->resync ? " RESYNC" : "", l->changed, l->flags,
	       l->operstate, l->carrier, l->mtu, mac_str(l->addr, l->addr_len));
	if (l->changed & RTAP_NLMON_LINK_CHG_MTU)
		printf(" [mtu %u->%u]", l->old_mtu, l->mtu);
	if (l->changed & RTAP_NLMON_LINK_CHG_MAC)
		printf(" [mac %s->%s]", mac_str(l->old_addr, l->old_addr_len),
		       mac_str(l->addr, l->addr_len));
	if (l->changed & (RTAP_NLMON_LINK_CHG_UP | RTAP_NLMON_LINK_CHG_FLAGS |
			  RTAP_NLMON_LINK_CHG_PROMISC | RTAP_NLMON_LINK_CHG_ALLMULTI |
			  RTAP_NLMON_LINK_CHG_RUNNING))
		printf(" [flags 0x%x->0x%x]", l->old_flags, l->flags);
	if (l->changed & RTAP_NLMON_LINK_CHG_OPERSTATE)
		printf(" [oper %u->%u]", l->old_operstate, l->operstate);
	printf("\n");
}

static void
print_feat(const struct rtap_nlmon_features *f)
{
	unsigned int b;

	printf("  features %s(%d)%s%s nbits=%u changed:", f->ifname, f->ifindex,
	       f->first ? " FIRST" : "", f->resync ? " RESYNC" : "", f->nbits);
	for (b = 0; b < RTAP_NLMON_FEAT_MAX; b++)
		if (rtap_nlmon_feat_test(f->changed, b))
			printf(" %s%s", rtap_nlmon_feat_test(f->active, b) ? "+" : "-",
			       rtap_nlmon_feature_name(nl, b) ?: "?");
	printf("\n");
}

static struct rec *
add_rec(enum rec_type t)
{
	if (nrec == MAXREC) {
		overflowed_recs++;
		return NULL;
	}
	recs[nrec].type = t;
	return &recs[nrec++];
}

static void
on_link(const struct rtap_nlmon_link *ev, void *arg)
{
	struct rec *r = add_rec(R_LINK);

	(void)arg;
	print_link(ev);
	if (r != NULL)
		r->u.l = *ev;
}

static void
on_addr(const struct rtap_nlmon_addr *ev, void *arg)
{
	struct rec *r = add_rec(R_ADDR);
	char s[INET6_ADDRSTRLEN];

	(void)arg;
	inet_ntop(ev->family, &ev->addr, s, sizeof(s));
	printf("  addr %s ifindex %d %s/%u\n", ev->deleted ? "DEL" : "NEW",
	       ev->ifindex, s, ev->prefixlen);
	if (r != NULL)
		r->u.a = *ev;
}

static void
on_feat(const struct rtap_nlmon_features *ev, void *arg)
{
	struct rec *r = add_rec(R_FEAT);

	(void)arg;
	print_feat(ev);
	if (r != NULL)
		r->u.f = *ev;
}

static void
on_mcast(int ifindex, void *arg)
{
	struct rec *r = add_rec(R_MCAST);

	(void)arg;
	printf("  mcast ifindex %d\n", ifindex);
	if (r != NULL)
		r->u.mc_ifindex = ifindex;
}

static void
on_log(const char *msg, void *arg)
{
	(void)arg;
	printf("  [nlmon] %s\n", msg);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Collect events until none arrived for `quiet` ms.  linkwatch
 * (net/core/link_watch.c) rate-limits non-urgent operstate updates to one
 * per second, so 1.2 s of silence means nothing is still on its way.
 */
static void
collect_q(long quiet)
{
	long start = now_ms(), last = start;
	struct pollfd p = { .fd = rtap_nlmon_fd(nl), .events = POLLIN };

	nrec = 0;
	overflowed_recs = 0;
	while (now_ms() - last < quiet && now_ms() - start < 10000) {
		int r = poll(&p, 1, 50);

		CHECK(r >= 0, "poll: %s", strerror(errno));
		if (r > 0) {
			int n = rtap_nlmon_process(nl);

			CHECK(n >= 0, "rtap_nlmon_process: %s", strerror(-n));
			if (n > 0)
				last = now_ms();
		}
	}
	CHECK(overflowed_recs == 0, "event recorder overflow");
}

static void
collect(void)
{
	collect_q(1200);
}

static unsigned int
count(enum rec_type t)
{
	unsigned int i, n = 0;

	for (i = 0; i < nrec; i++)
		n += recs[i].type == t;
	return n;
}

/* Remove multicast hints for ifA from recs[]; returns how many. */
static unsigned int
drop_mcast(void)
{
	unsigned int i, j = 0, n = 0;

	for (i = 0; i < nrec; i++) {
		if (recs[i].type == R_MCAST) {
			CHECK(recs[i].u.mc_ifindex == ia, "mcast ifindex %d",
			      recs[i].u.mc_ifindex);
			n++;
			continue;
		}
		recs[j++] = recs[i];
	}
	nrec = j;
	return n;
}

/*
 * Exactly one link event for ifA, plus exactly n_mc multicast-membership
 * hints (admin down/up makes IPv4 leave/join the all-hosts group 224.0.0.1,
 * RFC 1112, in ip_mc_down()/ip_mc_up()) and nothing else.
 */
static const struct rtap_nlmon_link *
only_link_mc(const char *what, unsigned int n_mc)
{
	unsigned int i;
	const struct rtap_nlmon_link *l = NULL;

	CHECK(nrec == 1 + n_mc && count(R_LINK) == 1 && count(R_MCAST) == n_mc,
	      "%s: expected one link event and %u mcast, got %u events (%u link, %u feat, %u addr, %u mcast)",
	      what, n_mc, nrec, count(R_LINK), count(R_FEAT), count(R_ADDR),
	      count(R_MCAST));
	for (i = 0; i < nrec; i++) {
		if (recs[i].type == R_LINK)
			l = &recs[i].u.l;
		else
			CHECK(recs[i].u.mc_ifindex == ia, "%s: mcast ifindex %d",
			      what, recs[i].u.mc_ifindex);
	}
	CHECK(l->ifindex == ia, "%s: event for ifindex %d, expected %d",
	      what, l->ifindex, ia);
	CHECK(!l->deleted && !l->resync, "%s: unexpected deleted/resync flag",
	      what);
	return l;
}

static const struct rtap_nlmon_link *
only_link(const char *what)
{
	return only_link_mc(what, 0);
}

static const struct rtap_nlmon_features *
only_feat(const char *what)
{
	CHECK(nrec == 1 && recs[0].type == R_FEAT,
	      "%s: expected exactly one features event, got %u events (%u link, %u feat)",
	      what, nrec, count(R_LINK), count(R_FEAT));
	CHECK(recs[0].u.f.ifindex == ia, "%s: features for ifindex %d", what,
	      recs[0].u.f.ifindex);
	CHECK(!recs[0].u.f.first && !recs[0].u.f.resync,
	      "%s: unexpected first/resync flag", what);
	return &recs[0].u.f;
}

/* ip -j link show field via jq. */
static void
ipj(char *out, size_t len, const char *ifn, const char *jq)
{
	sh_out(out, len, "ip -j link show dev %s | jq -r '.[0]%s'", ifn, jq);
}

static int
bit_of(const char *name)
{
	int b = rtap_nlmon_feature_bit(nl, name);

	CHECK(b >= 0, "feature name %s unknown", name);
	return b;
}

/* ---------------------------------------------------------------- */

static void
test_mtu(void)
{
	const struct rtap_nlmon_link *l;

	printf("== mtu\n");
	sh("ip link set %s mtu 1400", ifa);
	collect();
	l = only_link("mtu");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_MTU, "mtu: changed=0x%x",
	      l->changed);
	CHECK(l->old_mtu == 1500 && l->mtu == 1400, "mtu: %u->%u",
	      l->old_mtu, l->mtu);
	CHECK(strcmp(l->ifname, ifa) == 0, "mtu: ifname %s", l->ifname);
}

static void
test_mac(void)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };
	const struct rtap_nlmon_link *l;
	struct rtap_nlmon_link before;

	printf("== mac\n");
	CHECK(rtap_nlmon_get_link(ia, &before) == 0, "get_link");
	sh("ip link set %s address 02:00:5e:10:20:30", ifa);
	collect();
	l = only_link("mac");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_MAC, "mac: changed=0x%x",
	      l->changed);
	CHECK(l->addr_len == 6 && memcmp(l->addr, mac, 6) == 0,
	      "mac: new %s", mac_str(l->addr, l->addr_len));
	CHECK(l->old_addr_len == 6 && memcmp(l->old_addr, before.addr, 6) == 0,
	      "mac: old %s expected %s", mac_str(l->old_addr, 6),
	      mac_str(before.addr, 6));
}

static void
test_flag(const char *cmd, unsigned int iff, uint32_t chg, bool on)
{
	const struct rtap_nlmon_link *l;

	printf("== %s %s\n", cmd, on ? "on" : "off");
	sh("ip link set %s %s %s", ifa, cmd, on ? "on" : "off");
	collect();
	l = only_link(cmd);
	CHECK(l->changed == chg, "%s: changed=0x%x expected 0x%x", cmd,
	      l->changed, chg);
	CHECK(!!(l->flags & iff) == on && !!(l->old_flags & iff) == !on,
	      "%s: flags 0x%x->0x%x", cmd, l->old_flags, l->flags);
}

static void
test_admin_down_up(void)
{
	const struct rtap_nlmon_link *l;
	const uint32_t down_chg = RTAP_NLMON_LINK_CHG_UP |
		RTAP_NLMON_LINK_CHG_RUNNING | RTAP_NLMON_LINK_CHG_FLAGS |
		RTAP_NLMON_LINK_CHG_OPERSTATE | RTAP_NLMON_LINK_CHG_CARRIER;

	printf("== admin down\n");
	sh("ip link set %s down", ifa);
	collect();
	/* dev_close(): one RTM_NEWLINK with IFF_UP, IFF_RUNNING and
	 * IFF_LOWER_UP cleared; rtnetlink reports operstate DOWN and
	 * carrier 0 for a device that is not running (rtnl_fill_ifinfo). */
	l = only_link_mc("down", 1);
	CHECK(l->changed == down_chg, "down: changed=0x%x expected 0x%x",
	      l->changed, down_chg);
	CHECK(!(l->flags & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)),
	      "down: flags 0x%x", l->flags);
	CHECK(l->operstate == IF_OPER_DOWN && !l->carrier,
	      "down: oper %u carrier %d", l->operstate, l->carrier);

	printf("== admin up\n");
	sh("ip link set %s up", ifa);
	collect();
	/* dev_open() sends IFF_UP at once; carrier (veth_open turns it on
	 * when the peer is up) and operstate UP follow from linkwatch as a
	 * second message.  The final state must be up/running/carrier.
	 * ip_mc_up() rejoins 224.0.0.1: one multicast hint. */
	CHECK(drop_mcast() == 1, "up: expected one mcast hint");
	CHECK(nrec >= 1 && nrec <= 2 && count(R_LINK) == nrec,
	      "up: %u events", nrec);
	CHECK(recs[0].u.l.changed & RTAP_NLMON_LINK_CHG_UP, "up: first event changed=0x%x",
	      recs[0].u.l.changed);
	l = &recs[nrec - 1].u.l;
	CHECK((l->flags & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)) ==
	      (IFF_UP | IFF_RUNNING | IFF_LOWER_UP) && l->carrier &&
	      l->operstate == IF_OPER_UP, "up: final flags 0x%x oper %u carrier %d",
	      l->flags, l->operstate, l->carrier);
	/* Seen on 6.18: first IFF_UP|LOWER_UP with carrier and the stale
	 * operstate LOWERLAYERDOWN, then linkwatch's IFF_RUNNING + UP. */
	if (nrec == 2)
		CHECK((recs[0].u.l.changed | recs[1].u.l.changed) == down_chg &&
		      !(recs[1].u.l.changed & RTAP_NLMON_LINK_CHG_UP),
		      "up: split changes 0x%x + 0x%x", recs[0].u.l.changed,
		      recs[1].u.l.changed);
	else
		CHECK(l->changed == down_chg, "up: changed 0x%x", l->changed);
}

static void
test_carrier(void)
{
	const struct rtap_nlmon_link *l;
	const uint32_t chg = RTAP_NLMON_LINK_CHG_RUNNING |
		RTAP_NLMON_LINK_CHG_FLAGS | RTAP_NLMON_LINK_CHG_OPERSTATE |
		RTAP_NLMON_LINK_CHG_CARRIER;

	printf("== carrier off (peer down)\n");
	sh("ip link set %s down", ifb);
	collect();
	/* Only ifA is watched: ifB's own admin-down event is filtered. */
	l = only_link("carrier off");
	CHECK(l->changed == chg, "carrier off: changed=0x%x expected 0x%x",
	      l->changed, chg);
	CHECK(!l->carrier && (l->flags & IFF_UP) && !(l->flags & IFF_LOWER_UP),
	      "carrier off: carrier %d flags 0x%x", l->carrier, l->flags);
	/* RFC 2863 via rfc2863_policy(): a stacked device (iflink !=
	 * ifindex, as veth) without carrier is LOWERLAYERDOWN. */
	CHECK(l->operstate == IF_OPER_LOWERLAYERDOWN, "carrier off: oper %u",
	      l->operstate);

	printf("== carrier on (peer up)\n");
	sh("ip link set %s up", ifb);
	collect();
	l = only_link("carrier on");
	CHECK(l->changed == chg, "carrier on: changed=0x%x", l->changed);
	CHECK(l->carrier && l->operstate == IF_OPER_UP &&
	      (l->flags & IFF_LOWER_UP), "carrier on: carrier %d oper %u",
	      l->carrier, l->operstate);
}

static bool
is_tso(const char *n)
{
	size_t l = strlen(n);

	return strncmp(n, "tx-tcp", 6) == 0 && l > 12 &&
	       strcmp(n + l - 12, "segmentation") == 0;
}

static void
test_features(void)
{
	const struct rtap_nlmon_features *f;
	struct rtap_nlmon_features before;
	uint64_t expect[RTAP_NLMON_FEAT_WORDS] = { 0 };
	unsigned int i;
	int b;

	printf("== ethtool -K tso off\n");
	CHECK(rtap_nlmon_get_features(ia, &before) == 0, "get_features");
	/* ethtool's "tso" is NETIF_F_ALL_TSO: every tx-tcp*-segmentation
	 * feature (tx-tcp-accecn-segmentation appeared in Linux 6.18). */
	for (i = 0; i < RTAP_NLMON_FEAT_MAX; i++) {
		const char *n = rtap_nlmon_feature_name(nl, i);

		if (n != NULL && is_tso(n) &&
		    rtap_nlmon_feat_test(before.active, i))
			expect[i / 64] |= UINT64_C(1) << (i % 64);
	}
	b = bit_of("tx-tcp-segmentation");
	CHECK(rtap_nlmon_feat_test(before.active, (unsigned int)b),
	      "veth should start with TSO on");
	sh("ethtool -K %s tso off", ifa);
	collect();
	/* NETDEV_FEAT_CHANGE also makes rtnetlink send RTM_NEWLINK, but no
	 * tracked link field changes, so it yields no link event. */
	f = only_feat("tso off");
	CHECK(memcmp(f->changed, expect, sizeof(expect)) == 0,
	      "tso off: changed %016llx%016llx expected %016llx%016llx",
	      (unsigned long long)f->changed[1], (unsigned long long)f->changed[0],
	      (unsigned long long)expect[1], (unsigned long long)expect[0]);
	for (i = 0; i < RTAP_NLMON_FEAT_MAX; i++) {
		const char *n = rtap_nlmon_feature_name(nl, i);

		CHECK(n == NULL || !is_tso(n) || !rtap_nlmon_feat_test(f->active, i),
		      "tso off: %s still active", n);
	}

	printf("== ethtool -K gro on\n");
	b = bit_of("rx-gro");
	CHECK(rtap_nlmon_get_features(ia, &before) == 0, "get_features");
	CHECK(!rtap_nlmon_feat_test(before.active, (unsigned int)b),
	      "veth should start with GRO off");
	sh("ethtool -K %s gro on", ifa);
	collect();
	f = only_feat("gro on");
	memset(expect, 0, sizeof(expect));
	expect[b / 64] = UINT64_C(1) << (b % 64);
	CHECK(memcmp(f->changed, expect, sizeof(expect)) == 0,
	      "gro on: changed %016llx%016llx", (unsigned long long)f->changed[1],
	      (unsigned long long)f->changed[0]);
	CHECK(rtap_nlmon_feat_test(f->active, (unsigned int)b) &&
	      rtap_nlmon_feat_test(f->wanted, (unsigned int)b), "gro on: not active");

	printf("== rtap_nlmon_set_feature(tx-tcp-segmentation, on)\n");
	CHECK(rtap_nlmon_set_feature(ia, "tx-tcp-segmentation", true) == 0,
	      "set_feature");
	collect();
	f = only_feat("set_feature tso");
	b = bit_of("tx-tcp-segmentation");
	memset(expect, 0, sizeof(expect));
	expect[b / 64] = UINT64_C(1) << (b % 64);
	CHECK(memcmp(f->changed, expect, sizeof(expect)) == 0,
	      "set_feature: changed %016llx%016llx",
	      (unsigned long long)f->changed[1], (unsigned long long)f->changed[0]);
	{
		char out[128];

		sh_out(out, sizeof(out),
		       "ethtool -k %s | awk '$1==\"tx-tcp-segmentation:\"{print $2}'",
		       ifa);
		CHECK(strcmp(out, "on") == 0, "ethtool -k says tso %s", out);
	}
	CHECK(rtap_nlmon_set_feature(ia, "no-such-feature", true) < 0,
	      "set_feature accepted a bogus name");
	collect_q(300);
	CHECK(nrec == 0, "bogus set_feature produced %u events", nrec);
}

static void
test_addr(void)
{
	uint8_t mc[64][6];
	static const uint8_t sol[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };
	struct in_addr v4;
	unsigned int i;
	int n;
	bool found = false;

	printf("== addr v4\n");
	sh("ip addr add 198.18.0.1/24 dev %s", ifa);
	collect();
	CHECK(nrec == 1 && recs[0].type == R_ADDR, "v4 addr: %u events", nrec);
	inet_pton(AF_INET, "198.18.0.1", &v4);
	CHECK(recs[0].u.a.family == AF_INET && recs[0].u.a.prefixlen == 24 &&
	      recs[0].u.a.addr.v4.s_addr == v4.s_addr && !recs[0].u.a.deleted &&
	      recs[0].u.a.ifindex == ia, "v4 addr: wrong event");

	printf("== addr v6\n");
	sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=0", ifa);
	collect();	/* link-local fe80:: address and ff02::1 joins */
	CHECK(count(R_ADDR) == 1 && count(R_LINK) == 0 && count(R_FEAT) == 0,
	      "ipv6 on: %u events", nrec);
	sh("ip addr add 2001:2::1/64 dev %s nodad", ifa);
	collect();
	/* One RTM_NEWADDR; joining the solicited-node group ff02::1:ff00:1
	 * (RFC 4291 2.7.1) may add an RTM_NEWMULTICAST (Linux >= 6.12). */
	CHECK(count(R_ADDR) == 1 && count(R_LINK) == 0 && count(R_FEAT) == 0,
	      "v6 addr: %u events", nrec);
	for (i = 0; i < nrec; i++) {
		if (recs[i].type == R_MCAST)
			CHECK(recs[i].u.mc_ifindex == ia, "mcast ifindex");
		if (recs[i].type != R_ADDR)
			continue;
		CHECK(recs[i].u.a.family == AF_INET6 && recs[i].u.a.prefixlen == 64,
		      "v6 addr: family/prefix");
	}
	n = rtap_nlmon_get_mc_list(ia, mc, 64);
	CHECK(n > 0 && n <= 64, "get_mc_list: %d", n);
	for (i = 0; i < (unsigned int)n; i++)
		found |= memcmp(mc[i], sol, 6) == 0;
	CHECK(found, "solicited-node MAC 33:33:ff:00:00:01 not in mc list");
	sh("ip maddr add 01:00:5e:01:02:03 dev %s", ifa);
	n = rtap_nlmon_get_mc_list(ia, mc, 64);
	found = false;
	for (i = 0; i < (unsigned int)n; i++)
		found |= memcmp(mc[i], "\x01\x00\x5e\x01\x02\x03", 6) == 0;
	CHECK(found, "01:00:5e:01:02:03 not in mc list after ip maddr add");
	collect_q(300);	/* no notification exists for ip maddr; drain */

	sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", ifa);
	collect();	/* the v6 addresses go again */
	CHECK(count(R_ADDR) == 2 && count(R_LINK) == 0 && count(R_FEAT) == 0,
	      "ipv6 off: %u events", nrec);

	printf("== addr del v4\n");
	sh("ip addr del 198.18.0.1/24 dev %s", ifa);
	collect();
	CHECK(nrec == 1 && recs[0].type == R_ADDR && recs[0].u.a.deleted &&
	      recs[0].u.a.addr.v4.s_addr == v4.s_addr, "v4 del: wrong events");
}

static void
test_helpers(void)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0xaa, 0xbb, 0xcc };
	const struct rtap_nlmon_link *l;
	struct rtap_nlmon_link g;
	char out[256];

	printf("== helpers\n");
	CHECK(rtap_nlmon_set_mtu(ia, 1280) == 0, "set_mtu");
	ipj(out, sizeof(out), ifa, ".mtu");
	CHECK(strcmp(out, "1280") == 0, "ip says mtu %s", out);
	collect();
	l = only_link("set_mtu");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_MTU && l->old_mtu == 1400 &&
	      l->mtu == 1280, "set_mtu event");

	CHECK(rtap_nlmon_set_mac(ia, mac) == 0, "set_mac");
	ipj(out, sizeof(out), ifa, ".address");
	CHECK(strcmp(out, "02:00:5e:aa:bb:cc") == 0, "ip says mac %s", out);
	collect();
	l = only_link("set_mac");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_MAC && memcmp(l->addr, mac, 6) == 0,
	      "set_mac event");

	CHECK(rtap_nlmon_set_promisc(ia, false) == 0, "set_promisc");
	ipj(out, sizeof(out), ifa, ".flags | index(\"PROMISC\")");
	CHECK(strcmp(out, "null") == 0, "ip still says PROMISC");
	collect();
	l = only_link("set_promisc");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_PROMISC && !(l->flags & IFF_PROMISC),
	      "set_promisc event");

	CHECK(rtap_nlmon_set_allmulti(ia, false) == 0, "set_allmulti");
	ipj(out, sizeof(out), ifa, ".flags | index(\"ALLMULTI\")");
	CHECK(strcmp(out, "null") == 0, "ip still says ALLMULTI");
	collect();
	l = only_link("set_allmulti");
	CHECK(l->changed == RTAP_NLMON_LINK_CHG_ALLMULTI, "set_allmulti event");

	CHECK(rtap_nlmon_set_link(ia, false) == 0, "set_link down");
	ipj(out, sizeof(out), ifa, ".flags | index(\"UP\")");
	CHECK(strcmp(out, "null") == 0, "ip still says UP");
	collect();
	l = only_link_mc("set_link down", 1);
	CHECK((l->changed & RTAP_NLMON_LINK_CHG_UP) && !(l->flags & IFF_UP),
	      "set_link down event");
	CHECK(rtap_nlmon_set_link(ia, true) == 0, "set_link up");
	ipj(out, sizeof(out), ifa, ".flags | index(\"UP\") != null");
	CHECK(strcmp(out, "true") == 0, "ip says not UP");
	collect();
	CHECK(drop_mcast() == 1, "set_link up: expected one mcast hint");
	CHECK(nrec >= 1 && nrec <= 2 && count(R_LINK) == nrec &&
	      (recs[0].u.l.changed & RTAP_NLMON_LINK_CHG_UP) &&
	      (recs[nrec - 1].u.l.flags & IFF_RUNNING),
	      "set_link up events");

	CHECK(rtap_nlmon_get_link(ia, &g) == 0, "get_link");
	CHECK(g.mtu == 1280 && memcmp(g.addr, mac, 6) == 0 &&
	      (g.flags & IFF_UP) && strcmp(g.ifname, ifa) == 0, "get_link values");
	CHECK(rtap_nlmon_set_mtu(ia, 10) == -EINVAL, "set_mtu(10) not -EINVAL");
	CHECK(rtap_nlmon_get_link(999999, &g) == -ENODEV, "get_link(bogus)");
	collect_q(300);
	CHECK(nrec == 0, "failed helpers produced %u events", nrec);
}

/* Resolve the ethtool genl family id and "monitor" group id ourselves. */
static int
fam_cb(const struct nlmsghdr *nlh, void *data)
{
	uint32_t *ids = data;	/* [0] family, [1] monitor group */
	const struct nlattr *a, *g, *f;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			ids[0] = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(g, a) {
			uint32_t id = 0;
			bool mon = false;

			mnl_attr_for_each_nested(f, g) {
				if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(f);
				if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_NAME)
					mon = strcmp(mnl_attr_get_str(f), "monitor") == 0;
			}
			if (mon)
				ids[1] = id;
		}
	}
	return MNL_CB_OK;
}

static void
ethtool_ids(uint32_t ids[2])
{
	char buf[8192] = { 0 };
	struct mnl_socket *s = mnl_socket_open(NETLINK_GENERIC);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	ssize_t n;

	CHECK(s != NULL && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0,
	      "genl socket");
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "ethtool");
	CHECK(mnl_socket_sendto(s, nlh, nlh->nlmsg_len) > 0, "genl send");
	n = mnl_socket_recvfrom(s, buf, sizeof(buf));
	CHECK(n > 0, "genl recv");
	ids[0] = ids[1] = 0;
	mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(s), fam_cb, ids);
	mnl_socket_close(s);
	CHECK(ids[0] != 0 && ids[1] != 0, "ethtool family %u group %u",
	      ids[0], ids[1]);
}

/* Forge an RTM_NEWLINK (and an ethtool NTF) from a userspace socket to the
 * multicast groups the monitor listens on: its source port id is not 0. */
static void
test_forged(void)
{
	struct rtap_nlmon_stats st0, st1;
	struct mnl_socket *s;
	char buf[512] = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };

	printf("== forged messages\n");
	rtap_nlmon_stats_get(nl, &st0);
	s = mnl_socket_open(NETLINK_ROUTE);
	CHECK(s != NULL && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0,
	      "forger socket");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ia;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifa);
	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	dst.nl_groups = 1u << (RTNLGRP_LINK - 1);
	CHECK(sendto(mnl_socket_get_fd(s), nlh, nlh->nlmsg_len, 0,
		     (struct sockaddr *)&dst, sizeof(dst)) == (ssize_t)nlh->nlmsg_len,
	      "forged multicast send: %s", strerror(errno));
	mnl_socket_close(s);

	/* ethtool FEATURES_NTF claiming every feature turned on */
	{
		uint32_t ids[2], all[4] = { ~0u, ~0u, 0, 0 };
		struct genlmsghdr *g;
		struct nlattr *n1;

		ethtool_ids(ids);
		s = mnl_socket_open(NETLINK_GENERIC);
		CHECK(s != NULL && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0,
		      "forger genl socket");
		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = (uint16_t)ids[0];
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->cmd = ETHTOOL_MSG_FEATURES_NTF;
		g->version = ETHTOOL_GENL_VERSION;
		n1 = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ia);
		mnl_attr_nest_end(nlh, n1);
		n1 = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_ACTIVE);
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
		mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_VALUE, 8, all);
		mnl_attr_nest_end(nlh, n1);
		/* Groups above 32 cannot be addressed by nl_groups; genl
		 * ids for ethtool are small on a fresh boot.  */
		CHECK(ids[1] >= 1 && ids[1] <= 32, "monitor group id %u", ids[1]);
		dst.nl_groups = 1u << (ids[1] - 1);
		CHECK(sendto(mnl_socket_get_fd(s), nlh, nlh->nlmsg_len, 0,
			     (struct sockaddr *)&dst, sizeof(dst)) ==
		      (ssize_t)nlh->nlmsg_len, "forged genl send: %s",
		      strerror(errno));
		mnl_socket_close(s);
	}
	collect_q(300);
	rtap_nlmon_stats_get(nl, &st1);
	CHECK(nrec == 0, "forged messages produced %u events", nrec);
	CHECK(st1.foreign == st0.foreign + 2, "foreign %llu -> %llu",
	      (unsigned long long)st0.foreign, (unsigned long long)st1.foreign);
}

/* Changes in another netns are invisible even with the filter off. */
static void
test_other_netns(void)
{
	printf("== other netns\n");
	CHECK(rtap_nlmon_watch(nl, 0) == 0, "watch all");
	sh("ip netns exec %s ip link set %s mtu 1300", other_ns, ifc);
	sh("ip netns exec %s ip link set %s down", other_ns, ifc);
	collect();
	CHECK(nrec == 0, "other netns produced %u events", nrec);
	CHECK(rtap_nlmon_watch(nl, ia) == 0, "watch A");
}

static void
test_overflow(void)
{
	struct rtap_nlmon_stats st0, st1;
	struct rtap_nlmon_link g;
	const struct rtap_nlmon_link *l = NULL;
	const struct rtap_nlmon_features *f = NULL;
	char path[] = "/tmp/nlmon-batch-XXXXXX";
	unsigned int i, nlink = 0, nfeat = 0;
	char ife[RTAP_NLMON_IFNAMSIZ], iff[RTAP_NLMON_IFNAMSIZ];
	bool gone = false;
	int fd, b, ie;
	FILE *fp;

	printf("== overflow\n");
	/* A second watched link that disappears while events are being
	 * lost: the resync must report it deleted. */
	snprintf(ife, sizeof(ife), "%.*se", (int)strlen(ifa) - 1, ifa);
	snprintf(iff, sizeof(iff), "%.*sf", (int)strlen(ifa) - 1, ifa);
	sh("ip link add %s type veth peer name %s", ife, iff);
	ie = (int)if_nametoindex(ife);
	CHECK(ie > 0, "%s missing", ife);
	CHECK(rtap_nlmon_watch(nl, ie) == 0, "watch %s", ife);
	collect();
	/* Only the IPv6 ff02::1/ff01::1 joins done at registration
	 * (ipv6_add_dev) may show up, as mcast hints for ifE. */
	CHECK(count(R_LINK) == 0 && count(R_FEAT) == 0 && count(R_ADDR) == 0,
	      "new unwatched-then-watched link: %u events", nrec);
	rtap_nlmon_stats_get(nl, &st0);
	CHECK(rtap_nlmon_set_rcvbuf(nl, 1, false) == 0, "set_rcvbuf");
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	fp = fdopen(fd, "w");
	for (i = 0; i < 300; i++)
		fprintf(fp, "link set %s mtu %u\n", ifa, 1000 + i);
	fprintf(fp, "link set %s mtu 1450\n", ifa);
	fprintf(fp, "link del %s\n", ife);
	fclose(fp);
	sh("ip -batch %s", path);
	unlink(path);
	/* And feature flips (ethtool socket overflows too): end with GRO off. */
	for (i = 0; i < 20; i++)
		sh("ethtool -K %s gro %s", ifa, i % 2 ? "on" : "off");
	sh("ethtool -K %s gro off", ifa);
	collect();
	CHECK(rtap_nlmon_set_rcvbuf(nl, 1 << 20, false) == 0, "set_rcvbuf");
	rtap_nlmon_stats_get(nl, &st1);
	CHECK(st1.resyncs == st0.resyncs + 1, "resyncs %llu -> %llu",
	      (unsigned long long)st0.resyncs, (unsigned long long)st1.resyncs);
	for (i = 0; i < nrec; i++) {
		if (recs[i].type == R_LINK && recs[i].u.l.ifindex == ie) {
			CHECK(recs[i].u.l.deleted && recs[i].u.l.resync &&
			      strcmp(recs[i].u.l.ifname, ife) == 0 && !gone,
			      "overflow: %s event not a single resync deletion",
			      ife);
			gone = true;
		} else if (recs[i].type == R_LINK) {
			l = &recs[i].u.l;
			nlink++;
		} else if (recs[i].type == R_FEAT) {
			f = &recs[i].u.f;
			nfeat++;
		}
	}
	printf("  %u events after overflow (%u link, %u features)\n", nrec,
	       nlink, nfeat);
	/* Events read before the overflow point are delivered normally;
	 * the last link and features events carry the final state from the
	 * resync dump. */
	CHECK(gone, "overflow: vanished %s not reported deleted", ife);
	CHECK(rtap_nlmon_unwatch(nl, ie) == 0, "unwatch");
	CHECK(l != NULL && l->resync && l->mtu == 1450 &&
	      (l->changed & RTAP_NLMON_LINK_CHG_MTU), "overflow: final link event");
	b = bit_of("rx-gro");
	CHECK(f != NULL && !rtap_nlmon_feat_test(f->active, (unsigned int)b),
	      "overflow: final features event has GRO on");
	CHECK(rtap_nlmon_get_link(ia, &g) == 0 && g.mtu == 1450, "get_link mtu");
	CHECK(recs[nrec - 1].type == R_LINK ? recs[nrec - 1].u.l.resync :
	      recs[nrec - 1].type == R_FEAT ? recs[nrec - 1].u.f.resync : false,
	      "overflow: last event is not a resync event");

	/* After the resync the state is consistent: one more change gives
	 * one exact event. */
	sh("ip link set %s mtu 1500", ifa);
	collect();
	l = only_link("post-resync mtu");
	CHECK(l->old_mtu == 1450 && l->mtu == 1500 &&
	      l->changed == RTAP_NLMON_LINK_CHG_MTU, "post-resync: %u->%u",
	      l->old_mtu, l->mtu);
}

static void
test_delete(void)
{
	const struct rtap_nlmon_link *l;
	struct rtap_nlmon_link g;
	unsigned int i;

	printf("== delete\n");
	sh("ip link del %s", ifa);
	collect();
	/* Deleting a veth removes both ends; ifB is not watched.
	 * unregister_netdevice_many() first closes the device (dev_close:
	 * the same admin-down RTM_NEWLINK as above), then addresses and
	 * multicast memberships go (RTM_DELADDR, hints), then RTM_DELLINK. */
	CHECK(count(R_LINK) == 2 && count(R_FEAT) == 0, "delete: %u link events",
	      count(R_LINK));
	for (i = 0; i < nrec; i++) {
		if (recs[i].type == R_ADDR)
			CHECK(recs[i].u.a.deleted && recs[i].u.a.ifindex == ia,
			      "delete: address event not a deletion");
		if (recs[i].type == R_MCAST)
			CHECK(recs[i].u.mc_ifindex == ia, "delete: mcast ifindex");
	}
	for (i = 0; i < nrec && recs[i].type != R_LINK; i++)
		;
	l = &recs[i].u.l;
	CHECK(!l->deleted && (l->changed & RTAP_NLMON_LINK_CHG_UP) &&
	      !(l->flags & IFF_UP), "delete: first link event is not admin down");
	for (i = i + 1; i < nrec && recs[i].type != R_LINK; i++)
		;
	l = &recs[i].u.l;
	CHECK(l->deleted && l->ifindex == ia && strcmp(l->ifname, ifa) == 0 &&
	      l->changed == 0, "delete: event deleted=%d ifindex=%d changed=0x%x",
	      l->deleted, l->ifindex, l->changed);
	CHECK(rtap_nlmon_get_link(ia, &g) == -ENODEV, "link still there");
}

int
main(int argc, char **argv)
{
	static const struct rtap_nlmon_ops ops = {
		.link = on_link, .addr = on_addr, .features = on_feat,
		.mcast = on_mcast, .log = on_log,
	};
	struct rtap_nlmon_stats st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5) {
		fprintf(stderr, "usage: %s ifA ifB other-netns ifC\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "FAIL: test_nlmon needs root (netns, ip link)\n");
		return 1;
	}
	ifa = argv[1];
	ifb = argv[2];
	other_ns = argv[3];
	ifc = argv[4];
	ia = (int)if_nametoindex(ifa);
	ib = (int)if_nametoindex(ifb);
	CHECK(ia > 0 && ib > 0, "interfaces %s/%s not found", ifa, ifb);

	nl = rtap_nlmon_create(RTAP_NLMON_F_ALL, &ops, NULL);
	CHECK(nl != NULL, "rtap_nlmon_create: %s", strerror(errno));
	CHECK(rtap_nlmon_feature_bit(nl, "tx-tcp-segmentation") >= 0 &&
	      rtap_nlmon_feature_bit(nl, "rx-gro") >= 0,
	      "ETH_SS_FEATURES names not loaded");
	CHECK(rtap_nlmon_watch(nl, ia) == 0, "watch");
	collect();	/* anything left over from the setup */
	nrec = 0;
	CHECK(rtap_nlmon_sync(nl) == 2 && nrec == 2, "sync: %u events", nrec);
	CHECK(recs[0].type == R_LINK && recs[0].u.l.ifindex == ia &&
	      recs[0].u.l.changed == RTAP_NLMON_LINK_NEW &&
	      recs[0].u.l.mtu == 1500 && recs[0].u.l.carrier &&
	      (recs[0].u.l.flags & IFF_UP), "sync: link event");
	CHECK(recs[1].type == R_FEAT && recs[1].u.f.first &&
	      recs[1].u.f.ifindex == ia, "sync: features event");

	test_mtu();
	test_mac();
	test_flag("promisc", IFF_PROMISC, RTAP_NLMON_LINK_CHG_PROMISC, true);
	test_flag("allmulticast", IFF_ALLMULTI, RTAP_NLMON_LINK_CHG_ALLMULTI, true);
	test_admin_down_up();
	test_carrier();
	test_features();
	test_addr();
	test_helpers();
	test_forged();
	test_other_netns();
	test_overflow();
	test_delete();

	rtap_nlmon_stats_get(nl, &st);
	printf("stats: msgs=%llu events=%llu resyncs=%llu foreign=%llu malformed=%llu filtered=%llu\n",
	       (unsigned long long)st.msgs, (unsigned long long)st.events,
	       (unsigned long long)st.resyncs, (unsigned long long)st.foreign,
	       (unsigned long long)st.malformed, (unsigned long long)st.filtered);
	CHECK(st.malformed == 0, "malformed messages from the kernel: %llu",
	      (unsigned long long)st.malformed);
	rtap_nlmon_destroy(nl);
	printf("PASS: %u checks\n", checks);
	return 0;
}
