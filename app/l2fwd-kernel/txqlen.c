/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Size the TAP's tun ring (txqueuelen) from what the path drains.
 *
 * tun orphans every skb it queues (tun_net_xmit -> skb_orphan_frags_rx /
 * skb_orphan), so TCP small queues never see the frames waiting in its
 * ring, and tun never stops the netdev queue: the qdisc above it stays
 * empty and the ring (txqueuelen entries per queue, 1000 by default, each
 * up to a 64 KB GSO frame) is the standing queue under load whenever the
 * forwarding lcore is slower than the senders (measured here: ping 18-24
 * ms under a 4-flow upload).  This kernel has no fq_codel/cake module, so
 * the only control we have over that ring is its length.
 *
 * Like BQL, the length is learned: every L2FK_TXQLEN_TICK_MS the bytes
 * and frames read from the TAP give a drain rate; the ring is sized to
 * hold L2FK_TXQLEN_TARGET_MS of the best rate seen in the last second
 * (a windowed max, so a moment of CPU starvation does not collapse it),
 * in frames of the average size seen, clamped to [floor, the
 * length the TAP had at start].  A full ring tail-drops (counted by the
 * kernel as the TAP's tx_dropped), which TCP reads as congestion.  The
 * kernel resizes the live rings on NETDEV_CHANGE_TX_QUEUE_LEN
 * (tun_queue_resize), so only changes beyond 1/4 are applied.  The
 * original length is restored at exit.
 */

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "l2fk.h"

#define L2FK_TXQLEN_TICK_MS	100
#define L2FK_TXQLEN_WIN		10	/* ticks in the max filter: 1 s */
/*
 * 1 ms of drain, not CoDel's 5 ms target: the ring is an unmanaged
 * tail-drop FIFO in front of the only AQM, and every millisecond it holds
 * adds to the RTT of every flow, ping included; it only has to cover the
 * lcore's gaps in service.  Floor 16 frames (16 x 64 KB GSO = 1 MB, about
 * 1-2 ms at the 4-8 Gbit/s seen here; 32 held 2 MB).  It was 8 while
 * net_rtap kept up to 64 reads waiting on the TAP, which took frames out
 * of the ring whenever the lcore entered the kernel; since net_rtap's
 * reads are RWF_NOWAIT tries the ring is the only buffer, and 8 dropped
 * 21-23k frames per rrul run (3-8 % of the pings), 16 about 7k (1.5 %;
 * doc/performance.md, session 4).  Measured with
 * devtools/run-demo.sh, flent rrul 30 s, alternated runs, load 10-14:
 * 5 ms/32 ICMP median 2.67/1.24/3.56 ms, p99 97.9/43.6/18.9 ms, TCP
 * totals 3074/1643/5522 Mbit/s; 1 ms/8: median 0.80/2.27/0.97 ms, p99
 * 21.4/39.1/20.9 ms, totals 4282/3389/4212 Mbit/s.
 */
#define L2FK_TXQLEN_TARGET_MS	1
#define L2FK_TXQLEN_MIN		16
/*
 * Floor when the kernel segments some GSO skbs itself before the TAP (the
 * path lacks TSO, TCP/IPv6 TSO or USO: validate_xmit_skb): one such skb
 * arrives as a back-to-back train of up to 45 TCP segments (64 KB / MSS
 * 1448) or a UDP_SEGMENT send's datagrams (64 and more), and a ring
 * shorter than the train tail-drops the same segments of every train
 * (seen: datagrams 9-11 of every 11-datagram send lost at 8).
 */
#define L2FK_TXQLEN_MIN_SEG	64

struct txqlen_state {
	bool active;
	uint32_t orig;		/* length at start, restored at exit */
	uint32_t cur;		/* length last set */
	uint64_t last_t;
	uint64_t last_bytes;
	uint64_t last_pkts;
	uint64_t win_bytes[L2FK_TXQLEN_WIN];	/* per tick */
	uint64_t win_pkts[L2FK_TXQLEN_WIN];
	uint64_t win_cycles[L2FK_TXQLEN_WIN];
	unsigned int slot;
};

static struct txqlen_state tq[L2FK_MAX_PAIRS];
static int ioc_fd = -1;

static int
txqlen_ioctl(int ifindex, unsigned long req, uint32_t *len)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (if_indextoname(ifindex, ifr.ifr_name) == NULL)
		return -errno;
	if (req == SIOCSIFTXQLEN)
		ifr.ifr_qlen = (int)*len;
	if (ioctl(ioc_fd, req, &ifr) < 0)
		return -errno;
	if (req == SIOCGIFTXQLEN)
		*len = ifr.ifr_qlen > 0 ? (uint32_t)ifr.ifr_qlen : 0;
	return 0;
}

/*
 * Pure part: ring length for `rate_bps` bytes/s drained in frames of
 * `avg_frame` bytes, per queue, clamped to [MIN, max].
 */
uint32_t
l2fk_txqlen_calc(uint64_t rate_Bps, uint64_t avg_frame, unsigned int nb_queues,
		 uint32_t min, uint32_t max)
{
	uint64_t len;

	if (avg_frame == 0 || nb_queues == 0)
		return RTE_MIN(min, max);
	len = rate_Bps * L2FK_TXQLEN_TARGET_MS / 1000 / avg_frame / nb_queues;
	len = RTE_MAX(len, (uint64_t)min);
	return (uint32_t)RTE_MIN(len, (uint64_t)max);
}

/* Does the kernel hand us every GSO skb whole?  (See L2FK_TXQLEN_MIN_SEG.) */
static uint32_t
txqlen_floor(const struct l2fk_plan *pl)
{
	if (pl->kern_gso && !pl->user_no_tso && pl->kern_tso6 && pl->nic_uso)
		return L2FK_TXQLEN_MIN;
	return L2FK_TXQLEN_MIN_SEG;
}

void
l2fk_txqlen_init(void)
{
	unsigned int i;
	uint32_t len;
	int ret;

	ioc_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioc_fd < 0) {
		L2FK_LOG(WARNING, "txqueuelen sizing off: socket: %s",
			 strerror(errno));
		return;
	}
	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];

		memset(&tq[i], 0, sizeof(tq[i]));
		if (l2fk.cfg.no_aqm)
			continue;	/* bench baseline: kernel default */
		ret = txqlen_ioctl(p->kern_ifindex, SIOCGIFTXQLEN, &len);
		if (ret < 0 || len == 0) {
			L2FK_LOG(WARNING, "%s: txqueuelen sizing off: %s",
				 p->kern_ifname, ret < 0 ? strerror(-ret) :
				 "txqueuelen 0");
			continue;
		}
		tq[i].active = true;
		tq[i].orig = len;
		tq[i].cur = len;
		tq[i].last_t = rte_get_timer_cycles();
	}
}

static void
pair_counts(const struct l2fk_pair *p, uint64_t *bytes, uint64_t *pkts)
{
	unsigned int q;

	*bytes = 0;
	*pkts = 0;
	for (q = 0; q < p->plan.nb_queues; q++) {
		*bytes += p->qp[q].up.rx_bytes;
		*pkts += p->qp[q].up.rx_pkts;
	}
}

void
l2fk_txqlen_update(void)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	uint64_t bytes, pkts, best, wb, wp;
	unsigned int i, k;
	uint32_t len, min_len;
	int ret;

	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];
		struct txqlen_state *s = &tq[i];

		best = wb = wp = 0;
		if (!s->active || now - s->last_t < hz * L2FK_TXQLEN_TICK_MS / 1000)
			continue;
		pair_counts(p, &bytes, &pkts);
		k = s->slot++ % L2FK_TXQLEN_WIN;
		s->win_bytes[k] = bytes - s->last_bytes;
		s->win_pkts[k] = pkts - s->last_pkts;
		s->win_cycles[k] = now - s->last_t;
		s->last_bytes = bytes;
		s->last_pkts = pkts;
		s->last_t = now;
		for (k = 0; k < L2FK_TXQLEN_WIN; k++) {
			if (s->win_cycles[k] == 0)
				continue;
			best = RTE_MAX(best, s->win_bytes[k] * hz /
				       s->win_cycles[k]);
			wb += s->win_bytes[k];
			wp += s->win_pkts[k];
		}
		min_len = txqlen_floor(&p->plan);
		len = l2fk_txqlen_calc(best, wp ? wb / wp : 0,
				       p->plan.nb_queues, min_len, s->orig);
		/* Dead band: each change reallocates the rings (and a shrink
		 * drops what no longer fits), so ignore changes under 1/4;
		 * but the bounds are always reached: an idle path must end
		 * at the floor, not anywhere within 1/4 above it. */
		if (len == s->cur ||
		    (len != min_len && len != s->orig &&
		     len * 4 > s->cur * 3 && len * 4 < s->cur * 5))
			continue;
		ret = txqlen_ioctl(p->kern_ifindex, SIOCSIFTXQLEN, &len);
		if (ret < 0) {
			/* One line, one error, then leave the TAP alone. */
			L2FK_LOG(WARNING, "%s: cannot set txqueuelen %u: %s; "
				 "sizing off", p->kern_ifname, len,
				 strerror(-ret));
			p->ctl_errors++;
			s->active = false;
			continue;
		}
		s->cur = len;
		p->txqlen_sets++;
	}
}

uint32_t
l2fk_txqlen_get(unsigned int pair)
{
	/* Last length set (kept after restore, for the exit summary). */
	return pair < L2FK_MAX_PAIRS ? tq[pair].cur : 0;
}

void
l2fk_txqlen_restore(void)
{
	unsigned int i;

	for (i = 0; i < l2fk.nb_pairs; i++) {
		if (!tq[i].active)
			continue;
		if (tq[i].cur != tq[i].orig)
			txqlen_ioctl(l2fk.pairs[i].kern_ifindex, SIOCSIFTXQLEN,
				     &tq[i].orig);
		tq[i].active = false;
	}
	if (ioc_fd >= 0)
		close(ioc_fd);
	ioc_fd = -1;
}
