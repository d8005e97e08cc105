/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Control-path mirror between the kernel's view of the TAP and the NIC.
 *
 *   TAP admin up/down        -> NIC rte_eth_dev_set_link_up/down
 *   NIC link (LSC, polled, and the carrier of the NIC's own kernel netdev
 *   when it has one)         -> TAP carrier (TUNSETCARRIER) + link speed
 *   TAP MTU                  -> NIC MTU (reverted/clamped on the TAP if
 *                               the NIC refuses, with one log line)
 *   TAP MAC                  -> NIC default MAC (reverted if refused)
 *   TAP promisc / allmulti   -> NIC promiscuous / allmulticast
 *   TAP multicast list       -> NIC rte_eth_dev_set_mc_addr_list (falls
 *                               back to allmulticast if unsupported)
 *   ethtool -K on the TAP    -> NIC Tx offloads (tso/tx csum), port
 *                               reconfigured with workers paused
 *
 * No loops: the two directions touch different attributes (admin state
 * flows kernel->NIC, carrier flows NIC->kernel), and every value we write
 * back to the TAP (a reverted MTU/MAC) is first stored in the pair, so
 * its echo event compares equal and is ignored.  Carrier changes on the
 * TAP (our own TUNSETCARRIER) are never acted upon.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <rte_pmd_rtap.h>
#include <rtap_nlmon.h>

#include "l2fk.h"

#define L2FK_MAX_MC	64
#define L2FK_MC_POLL_SEC	1

static struct rtap_nlmon *nlm;
static int feat_tso = -1, feat_tso6 = -1, feat_uso = -1, feat_csum = -1;

static struct {
	bool nic_carrier;	/* carrier of the NIC's kernel netdev */
	bool carrier_set;	/* TAP carrier mirrored at least once */
	bool lsc_pending;
	uint8_t mc[L2FK_MAX_MC][6];
	int nb_mc;
	uint64_t mc_next;
} st[L2FK_MAX_PAIRS];

static struct l2fk_pair *
pair_by_ifindex(int ifindex, bool *is_kern)
{
	unsigned int i;

	for (i = 0; i < l2fk.nb_pairs; i++) {
		if (l2fk.pairs[i].kern_ifindex == ifindex) {
			*is_kern = true;
			return &l2fk.pairs[i];
		}
		if (l2fk.pairs[i].nic_ifindex > 0 &&
		    l2fk.pairs[i].nic_ifindex == ifindex) {
			*is_kern = false;
			return &l2fk.pairs[i];
		}
	}
	return NULL;
}

static void
nic_link_update(struct l2fk_pair *p, const char *why)
{
	struct rte_eth_link l;
	bool up;
	int ret;

	memset(&l, 0, sizeof(l));
	if (rte_eth_link_get_nowait(p->nic_port, &l) < 0)
		return;
	up = l.link_status == RTE_ETH_LINK_UP;
	if (p->nic_ifindex > 0)
		up = up && st[p->idx].nic_carrier;
	if (st[p->idx].carrier_set && up == p->nic_link_up)
		return;
	ret = rte_pmd_rtap_set_carrier(p->kern_port, up);
	if (ret < 0) {
		p->ctl_errors++;
		L2FK_LOG(ERR, "%s: cannot set carrier %s: %s", p->kern_ifname,
			 up ? "on" : "off", rte_strerror(-ret));
	}
	if (up && l.link_speed != RTE_ETH_SPEED_NUM_NONE &&
	    l.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN &&
	    l.link_speed != p->link_speed) {
		if (rte_pmd_rtap_set_link_speed(p->kern_port, l.link_speed,
						l.link_duplex) == 0)
			p->link_speed = l.link_speed;
	}
	st[p->idx].carrier_set = true;
	p->nic_link_up = up;
	p->ctl_events++;
	L2FK_LOG(INFO, "%s link %s (%s) -> %s carrier %s, speed %u Mbit/s",
		 p->nic_name, up ? "up" : "down", why, p->kern_ifname,
		 up ? "on" : "off", p->link_speed);
}

static void
kern_admin(struct l2fk_pair *p, bool up)
{
	const char *via = "";
	int ret;

	p->kern_admin_up = up;
	ret = up ? rte_eth_dev_set_link_up(p->nic_port) :
		rte_eth_dev_set_link_down(p->nic_port);
	if (ret == -ENOTSUP && p->nic_ifindex > 0) {
		/* No link control in the driver (net_af_packet), but the
		 * port has a kernel netdev: its admin state is the NIC's. */
		ret = rtap_nlmon_set_link(p->nic_ifindex, up);
		via = " (via its netdev)";
	}
	p->ctl_events++;
	if (ret < 0 && ret != -ENOTSUP) {
		p->ctl_errors++;
		L2FK_LOG(ERR, "%s admin %s -> %s link %s failed: %s",
			 p->kern_ifname, up ? "up" : "down", p->nic_name,
			 up ? "up" : "down", rte_strerror(-ret));
	} else {
		L2FK_LOG(INFO, "%s admin %s -> %s link %s%s%s", p->kern_ifname,
			 up ? "up" : "down", p->nic_name, up ? "up" : "down",
			 via, ret == -ENOTSUP ? " (no link control in the "
			 "driver: frames are dropped while down)" : "");
	}
	nic_link_update(p, "admin");
}

static void
kern_mtu(struct l2fk_pair *p, uint32_t mtu)
{
	uint16_t max = p->nic_info.max_mtu, old = p->mtu;
	int ret;

	if (mtu == p->mtu)
		return;		/* our own echo, or nothing to do */
	p->ctl_events++;
	ret = mtu > UINT16_MAX ? -EINVAL :
		rte_eth_dev_set_mtu(p->nic_port, (uint16_t)mtu);
	if (ret == 0) {
		p->mtu = (uint16_t)mtu;
		L2FK_LOG(INFO, "%s MTU %u -> %s MTU %u", p->kern_ifname, old,
			 p->nic_name, p->mtu);
		return;
	}
	p->ctl_errors++;
	if (mtu > max && max > old &&
	    rte_eth_dev_set_mtu(p->nic_port, max) == 0) {
		p->mtu = max;
		L2FK_LOG(WARNING, "%s MTU %u above %s maximum: clamped, both "
			 "now %u", p->kern_ifname, mtu, p->nic_name, max);
	} else {
		L2FK_LOG(WARNING, "%s MTU %u rejected by %s (%s): %s MTU "
			 "reverted to %u", p->kern_ifname, mtu, p->nic_name,
			 rte_strerror(-ret), p->kern_ifname, p->mtu);
	}
	ret = rtap_nlmon_set_mtu(p->kern_ifindex, p->mtu);
	if (ret < 0)
		L2FK_LOG(ERR, "%s: cannot set MTU %u: %s", p->kern_ifname,
			 p->mtu, strerror(-ret));
}

static void
kern_mac(struct l2fk_pair *p, const uint8_t *addr)
{
	struct rte_ether_addr mac;
	char s[RTE_ETHER_ADDR_FMT_SIZE];
	int ret;

	memcpy(mac.addr_bytes, addr, RTE_ETHER_ADDR_LEN);
	if (rte_is_same_ether_addr(&mac, &p->mac))
		return;
	p->ctl_events++;
	rte_ether_format_addr(s, sizeof(s), &mac);
	ret = rte_eth_dev_default_mac_addr_set(p->nic_port, &mac);
	if (ret == 0) {
		p->mac = mac;
		L2FK_LOG(INFO, "%s MAC -> %s MAC %s", p->kern_ifname,
			 p->nic_name, s);
		return;
	}
	p->ctl_errors++;
	L2FK_LOG(WARNING, "%s MAC %s rejected by %s (%s): reverted",
		 p->kern_ifname, s, p->nic_name, rte_strerror(-ret));
	rtap_nlmon_set_mac(p->kern_ifindex, p->mac.addr_bytes);
}

static void
kern_flag(struct l2fk_pair *p, const char *what, bool on,
	  int (*en)(uint16_t), int (*dis)(uint16_t))
{
	int ret = on ? en(p->nic_port) : dis(p->nic_port);

	p->ctl_events++;
	if (ret < 0)
		p->ctl_errors++;
	L2FK_LOG(INFO, "%s %s %s -> %s%s%s", p->kern_ifname, what,
		 on ? "on" : "off", p->nic_name, ret < 0 ? ": failed, " : "",
		 ret < 0 ? rte_strerror(-ret) : "");
}

/*
 * The NIC's allmulticast state wanted by the kernel side: the TAP's own
 * IFF_ALLMULTI, or the fallback for a multicast list the NIC cannot
 * filter.  Leaving the last group (or the TAP's allmulti) turns it off
 * again, so the NIC does not keep taking every group's traffic.
 */
static void
mc_allmulti_apply(struct l2fk_pair *p, bool want_fallback)
{
	bool want = p->kern_allmulti || want_fallback;
	int ret;

	if (want_fallback == p->mc_allmulti &&
	    (rte_eth_allmulticast_get(p->nic_port) == 1) == want)
		return;
	p->mc_allmulti = want_fallback;
	if (p->no_allmulti_ctl)
		return;
	ret = want ? rte_eth_allmulticast_enable(p->nic_port) :
		rte_eth_allmulticast_disable(p->nic_port);
	p->ctl_events++;
	if (ret == -ENOTSUP) {
		/* No filter and no switch (net_af_packet: the socket sees
		 * every frame on its netdev anyway): nothing to mirror. */
		p->no_allmulti_ctl = true;
		L2FK_LOG(INFO, "%s: no multicast filter or allmulticast "
			 "control: it is taken to pass all multicast",
			 p->nic_name);
		return;
	}
	if (ret < 0) {
		p->ctl_errors++;
		L2FK_LOG(WARNING, "%s: allmulticast %s: %s%s", p->nic_name,
			 want ? "on" : "off", rte_strerror(-ret),
			 want ? " (multicast frames may not arrive)" : "");
		return;
	}
	L2FK_LOG(INFO, "%s: allmulticast %s (%s)", p->nic_name,
		 want ? "on" : "off", p->kern_allmulti ?
		 "TAP allmulti" : want_fallback ? "multicast list the NIC "
		 "cannot filter" : "no multicast group left");
}

static void
mc_sync(struct l2fk_pair *p)
{
	uint8_t mc[L2FK_MAX_MC][6];
	struct rte_ether_addr list[L2FK_MAX_MC];
	int n, i, ret;

	n = rtap_nlmon_get_mc_list(p->kern_ifindex, mc, L2FK_MAX_MC);
	if (n < 0)
		return;
	if (n > L2FK_MAX_MC)
		n = L2FK_MAX_MC + 1;	/* too many: allmulti below */
	if (n == st[p->idx].nb_mc &&
	    memcmp(mc, st[p->idx].mc, RTE_MIN(n, L2FK_MAX_MC) * 6) == 0)
		return;
	st[p->idx].nb_mc = n;
	memcpy(st[p->idx].mc, mc, RTE_MIN(n, L2FK_MAX_MC) * 6);
	p->mc_count = (uint32_t)n;
	p->ctl_events++;
	ret = -ENOSPC;
	if (n <= L2FK_MAX_MC) {
		for (i = 0; i < n; i++)
			memcpy(list[i].addr_bytes, mc[i], 6);
		ret = rte_eth_dev_set_mc_addr_list(p->nic_port,
						   n ? list : NULL, n);
	}
	p->mc_filter = ret == 0;
	if (ret == 0)
		L2FK_LOG(INFO, "%s multicast list (%d) -> %s filters",
			 p->kern_ifname, n, p->nic_name);
	else
		L2FK_LOG(INFO, "%s multicast list (%d): %s has no filter for "
			 "it (%s)", p->kern_ifname, n, p->nic_name,
			 rte_strerror(-ret));
	mc_allmulti_apply(p, ret != 0 && n > 0);
}

/*
 * GSO types the path cannot carry stay off on the TAP, so the kernel
 * segments them before the TAP (validate_xmit_skb) instead of handing us
 * frames we would have to drop:
 *   tx-tcp6-segmentation  with software GSO: rte_gso segments TCP over
 *                         IPv4 only (gso_tcp4 in DPDK 22.11);
 *   tx-udp-segmentation   unless the NIC has UDP TSO (ports.c: rte_gso's
 *                         UDP GSO makes IP fragments, not datagrams).
 * tun offers both whenever it offers TSO (TUNSETOFFLOAD), and a user may
 * switch them back on with ethtool -K: f (the TAP's current features, or
 * NULL at start) tells whether they are on; turned off again, logged.
 */
static void
kern_gso_types(struct l2fk_pair *p, const struct rtap_nlmon_features *f)
{
	static const struct {
		const char *name;
		const char *why;
	} ft[2] = {
		{ "tx-tcp6-segmentation", "software GSO here is TCP/IPv4 "
		  "only" },
		{ "tx-udp-segmentation", "the NIC has no UDP TSO" },
	};
	bool off[2] = { p->plan.sw_gso, !p->plan.nic_uso };
	int bit[2] = { feat_tso6, feat_uso };
	unsigned int i;

	if (!p->plan.kern_gso)
		return;		/* TAP offers no GSO at all */
	for (i = 0; i < RTE_DIM(ft); i++) {
		if (!off[i])
			continue;
		if (f != NULL && (bit[i] < 0 ||
				  !rtap_nlmon_feat_test(f->active, bit[i])))
			continue;
		if (rtap_nlmon_set_feature(p->kern_ifindex, ft[i].name,
					   false) < 0) {
			p->ctl_errors++;
			L2FK_LOG(WARNING, "%s: cannot turn off %s (%s): such "
				 "GSO frames will be dropped (bad_offload)",
				 p->kern_ifname, ft[i].name, ft[i].why);
			continue;
		}
		p->ctl_events++;
		L2FK_LOG(INFO, "%s: %s off (%s): the kernel segments those",
			 p->kern_ifname, ft[i].name, ft[i].why);
	}
}

static void
kern_features(struct l2fk_pair *p, const struct rtap_nlmon_features *f)
{
	struct l2fk_plan np;
	bool no_tso = p->plan.user_no_tso, no_csum = p->plan.user_no_csum;
	char b[256];

	if (feat_tso >= 0 && rtap_nlmon_feat_test(f->hw, feat_tso))
		no_tso = !rtap_nlmon_feat_test(f->active, feat_tso) &&
			!(feat_tso6 >= 0 &&
			  rtap_nlmon_feat_test(f->active, feat_tso6));
	if (feat_csum >= 0 && rtap_nlmon_feat_test(f->hw, feat_csum))
		no_csum = !rtap_nlmon_feat_test(f->active, feat_csum);
	kern_gso_types(p, f);
	if (no_tso == p->plan.user_no_tso && no_csum == p->plan.user_no_csum)
		return;
	l2fk_plan_compute(&p->nic_info, &p->kern_info, p->plan.nb_queues,
			  no_tso, no_csum, p->plan.sw_gso, &np);
	/* The rtap port is not reconfigured: the user's ethtool setting is
	 * already what the kernel obeys. */
	np.kern_rx_ofl = p->plan.kern_rx_ofl;
	np.kern_gso = p->plan.kern_gso && !no_tso;
	np.kern_csum = p->plan.kern_csum && !no_csum;
	p->ctl_events++;
	if (np.nic_tx_ofl == p->plan.nic_tx_ofl) {
		p->plan = np;
		L2FK_LOG(INFO, "%s ethtool: tso %s, tx-csum %s (NIC offloads "
			 "unchanged)", p->kern_ifname, no_tso ? "off" : "on",
			 no_csum ? "off" : "on");
		return;
	}
	l2fk_pause_workers();
	p->plan = np;
	l2fk_pair_reconfigure(p);
	l2fk_resume_workers();
	l2fk_ofl_str(np.nic_tx_ofl, true, b, sizeof(b));
	L2FK_LOG(INFO, "%s ethtool: tso %s, tx-csum %s -> %s Tx offloads now "
		 "%s", p->kern_ifname, no_tso ? "off" : "on",
		 no_csum ? "off" : "on", p->nic_name, b);
}

static void
on_link(const struct rtap_nlmon_link *ev, void *arg __rte_unused)
{
	struct l2fk_pair *p;
	bool kern;

	p = pair_by_ifindex(ev->ifindex, &kern);
	if (p == NULL || ev->deleted)
		return;
	if (!kern) {
		if (ev->changed & (RTAP_NLMON_LINK_CHG_CARRIER |
				   RTAP_NLMON_LINK_CHG_RUNNING |
				   RTAP_NLMON_LINK_CHG_UP |
				   RTAP_NLMON_LINK_NEW)) {
			st[p->idx].nic_carrier = ev->carrier &&
				(ev->flags & IFF_UP);
			nic_link_update(p, "carrier");
		}
		return;
	}
	if (ev->changed & RTAP_NLMON_LINK_CHG_UP &&
	    !!(ev->flags & IFF_UP) != p->kern_admin_up)
		kern_admin(p, ev->flags & IFF_UP);
	if (ev->changed & RTAP_NLMON_LINK_CHG_MTU)
		kern_mtu(p, ev->mtu);
	if (ev->changed & RTAP_NLMON_LINK_CHG_MAC && ev->addr_len == 6)
		kern_mac(p, ev->addr);
	if (ev->changed & RTAP_NLMON_LINK_CHG_PROMISC)
		kern_flag(p, "promisc", ev->flags & IFF_PROMISC,
			  rte_eth_promiscuous_enable,
			  rte_eth_promiscuous_disable);
	if (ev->changed & RTAP_NLMON_LINK_CHG_ALLMULTI) {
		p->kern_allmulti = ev->flags & IFF_ALLMULTI;
		mc_allmulti_apply(p, p->mc_allmulti);
	}
}

static void
on_features(const struct rtap_nlmon_features *f, void *arg __rte_unused)
{
	struct l2fk_pair *p;
	bool kern;

	p = pair_by_ifindex(f->ifindex, &kern);
	if (p != NULL && kern)
		kern_features(p, f);
}

static void
on_mcast(int ifindex, void *arg __rte_unused)
{
	struct l2fk_pair *p;
	bool kern;

	p = pair_by_ifindex(ifindex, &kern);
	if (p != NULL && kern)
		mc_sync(p);
}

static int
on_lsc(uint16_t port, enum rte_eth_event_type type __rte_unused,
       void *arg __rte_unused, void *ret_param __rte_unused)
{
	unsigned int i;

	for (i = 0; i < l2fk.nb_pairs; i++)
		if (l2fk.pairs[i].nic_port == port)
			st[i].lsc_pending = true;
	return 0;
}

int
l2fk_sync_start(void)
{
	static const struct rtap_nlmon_ops ops = {
		.link = on_link,
		.features = on_features,
		.mcast = on_mcast,
	};
	struct rtap_nlmon_link kl, nl;
	unsigned int i;

	nlm = rtap_nlmon_create(RTAP_NLMON_F_LINK | RTAP_NLMON_F_FEATURES |
				RTAP_NLMON_F_MCAST, &ops, NULL);
	if (nlm == NULL) {
		L2FK_LOG(ERR, "netlink monitor: %s", strerror(errno));
		return -errno;
	}
	feat_tso = rtap_nlmon_feature_bit(nlm, "tx-tcp-segmentation");
	feat_tso6 = rtap_nlmon_feature_bit(nlm, "tx-tcp6-segmentation");
	feat_uso = rtap_nlmon_feature_bit(nlm, "tx-udp-segmentation");
	feat_csum = rtap_nlmon_feature_bit(nlm, "tx-checksum-ip-generic");
	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];

		rtap_nlmon_watch(nlm, p->kern_ifindex);
		if (p->nic_ifindex > 0) {
			rtap_nlmon_watch(nlm, p->nic_ifindex);
			st[i].nic_carrier =
				rtap_nlmon_get_link(p->nic_ifindex, &nl) == 0 &&
				nl.carrier && (nl.flags & IFF_UP);
		}
		if (p->nic_lsc)
			rte_eth_dev_callback_register(p->nic_port,
				RTE_ETH_EVENT_INTR_LSC, on_lsc, NULL);
		/* Start state: the TAP's MTU follows the NIC. */
		if (rtap_nlmon_get_link(p->kern_ifindex, &kl) == 0) {
			if (kl.mtu != p->mtu)
				rtap_nlmon_set_mtu(p->kern_ifindex, p->mtu);
			p->kern_admin_up = kl.flags & IFF_UP;
		}
		kern_gso_types(p, NULL);
		/* A NIC follows its kernel owner: down until the TAP is up. */
		if (!p->kern_admin_up)
			kern_admin(p, false);
		nic_link_update(p, "start");
		mc_sync(p);
	}
	return 0;
}

int
l2fk_sync_fd(void)
{
	return nlm != NULL ? rtap_nlmon_fd(nlm) : -1;
}

void
l2fk_sync_poll(int timeout_ms)
{
	struct pollfd pfd = { .fd = l2fk_sync_fd(), .events = POLLIN };
	uint64_t now;
	unsigned int i;

	if (nlm == NULL)
		return;
	if (poll(&pfd, 1, timeout_ms) > 0)
		rtap_nlmon_process(nlm);
	now = rte_get_timer_cycles();
	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];

		/* LSC or not, ask the driver: some report link only when
		 * asked (net_af_packet), and an LSC may be missed. */
		nic_link_update(p, st[i].lsc_pending ? "LSC" : "polled");
		st[i].lsc_pending = false;
		/* `ip maddr add` sends no netlink event: poll the list. */
		if (now >= st[i].mc_next) {
			st[i].mc_next = now +
				rte_get_timer_hz() * L2FK_MC_POLL_SEC;
			mc_sync(p);
		}
	}
}

void
l2fk_sync_stop(void)
{
	unsigned int i;

	for (i = 0; i < l2fk.nb_pairs; i++)
		if (l2fk.pairs[i].nic_lsc)
			rte_eth_dev_callback_unregister(l2fk.pairs[i].nic_port,
				RTE_ETH_EVENT_INTR_LSC, on_lsc, NULL);
	rtap_nlmon_destroy(nlm);
	nlm = NULL;
}
