/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Counters: periodic one-line stats, the exit summary and the telemetry
 * endpoints (/l2fk/...).  Readers run in other threads than the lcores
 * that write the counters; 64-bit aligned loads are atomic on the targets
 * we build for, and a stale value is fine for a report.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <rtap_compat.h>

#include "l2fk.h"

struct dir_sum {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t aqm_drops, marks, tail_drops, bad_ofl, link_drops;
	uint64_t backpressure, backlog, sojourn_max_us;
	uint64_t p50_us, p99_us;
	uint64_t bql_limit, bql_inflight, completions, completed_bytes;
};

static uint64_t
us(uint64_t cycles)
{
	return l2fk.hz ? cycles * 1000000 / l2fk.hz : 0;
}

static void
dir_sum(const struct l2fk_pair *p, bool up, struct dir_sum *s)
{
	struct rtap_fq_codel_stats fs;
	struct rtap_codel_stats all;
	uint16_t q;
	unsigned int b;

	memset(s, 0, sizeof(*s));
	memset(&all, 0, sizeof(all));
	for (q = 0; q < p->plan.nb_queues; q++) {
		const struct l2fk_qp *qp = &p->qp[q];
		const struct l2fk_txq *t = up ? &qp->to_nic : &qp->to_kern;
		const struct l2fk_dir_stats *d = up ? &qp->up : &qp->down;

		l2fk_txq_fq_stats(t, &fs);
		s->rx_pkts += d->rx_pkts;
		s->rx_bytes += d->rx_bytes;
		s->tx_pkts += t->st.tx_pkts;
		s->tx_bytes += t->st.tx_bytes;
		s->aqm_drops += fs.codel.drops;
		s->marks += fs.codel.ecn_marks;
		s->tail_drops += fs.codel.tail_drops + t->st.bypass_drops;
		s->bad_ofl += d->bad_ofl;
		s->link_drops += d->link_down_drops;
		s->backpressure += d->backpressure;
		s->backlog += l2fk_txq_backlog(t);
		if (us(fs.codel.sojourn_max) > s->sojourn_max_us)
			s->sojourn_max_us = us(fs.codel.sojourn_max);
		for (b = 0; b < RTAP_CODEL_HIST_BUCKETS; b++)
			all.sojourn_hist[b] += fs.codel.sojourn_hist[b];
		if (t->bql) {
			s->bql_limit += t->dql.limit;
			s->bql_inflight += rtap_dql_inflight(&t->dql);
			s->completions += t->st.completions;
			s->completed_bytes += t->st.completed_bytes;
		}
	}
	s->p50_us = rtap_codel_sojourn_percentile_us(&all, 50);
	s->p99_us = rtap_codel_sojourn_percentile_us(&all, 99);
}

void
l2fk_stats_print(void)
{
	static struct dir_sum prev_up[L2FK_MAX_PAIRS], prev_dn[L2FK_MAX_PAIRS];
	static uint64_t prev_tsc;
	uint64_t now = rte_rdtsc(), dt = now - prev_tsc;
	struct dir_sum u, d;
	unsigned int i, lc, sleeping = 0;
	double sec;

	if (prev_tsc == 0)
		dt = l2fk.hz * l2fk.cfg.stats_period;
	sec = (double)dt / (double)l2fk.hz;
	prev_tsc = now;
	RTE_LCORE_FOREACH(lc)
		sleeping += l2fk.lcore_sleeping[lc];
	for (i = 0; i < l2fk.nb_pairs; i++) {
		const struct l2fk_pair *p = &l2fk.pairs[i];

		dir_sum(p, true, &u);
		dir_sum(p, false, &d);
		printf("[%s] up %.0f pps %.1f Mb/s drop %" PRIu64 " mark %"
		       PRIu64 " soj p99<%" PRIu64 "us bql %" PRIu64 "/%" PRIu64
		       " | down %.0f pps %.1f Mb/s drop %" PRIu64 " mark %"
		       PRIu64 " soj p99<%" PRIu64 "us | link %s%s\n",
		       p->kern_ifname,
		       (u.tx_pkts - prev_up[i].tx_pkts) / sec,
		       (u.tx_bytes - prev_up[i].tx_bytes) * 8 / sec / 1e6,
		       u.aqm_drops + u.tail_drops, u.marks, u.p99_us,
		       u.bql_inflight, u.bql_limit,
		       (d.tx_pkts - prev_dn[i].tx_pkts) / sec,
		       (d.tx_bytes - prev_dn[i].tx_bytes) * 8 / sec / 1e6,
		       d.aqm_drops + d.tail_drops, d.marks, d.p99_us,
		       p->nic_link_up ? "up" : "down",
		       sleeping ? " idle" : "");
		prev_up[i] = u;
		prev_dn[i] = d;
	}
	fflush(stdout);
}

static void
print_dir(const char *name, const struct dir_sum *s)
{
	printf("  %-13s rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
	       " pkts %" PRIu64 " bytes\n", name, s->rx_pkts, s->rx_bytes,
	       s->tx_pkts, s->tx_bytes);
	printf("  %-13s codel drops %" PRIu64 ", ECN marks %" PRIu64
	       ", overflow drops %" PRIu64 ", bad offload %" PRIu64
	       ", link-down drops %" PRIu64 ", backpressure %" PRIu64 "\n", "",
	       s->aqm_drops, s->marks, s->tail_drops, s->bad_ofl,
	       s->link_drops, s->backpressure);
	printf("  %-13s sojourn p50 <%" PRIu64 " us, p99 <%" PRIu64
	       " us, max %" PRIu64 " us", "", s->p50_us, s->p99_us,
	       s->sojourn_max_us);
	if (s->completions)
		printf("; BQL limit %" PRIu64 " B, avg completion %" PRIu64
		       " B", s->bql_limit, s->completed_bytes / s->completions);
	printf("\n");
}

static void
print_port(const char *what, uint16_t port)
{
	struct rte_eth_stats es;

	if (rte_eth_stats_get(port, &es) < 0)
		return;
	printf("  %-13s port %u: ipackets %" PRIu64 " imissed %" PRIu64
	       " ierrors %" PRIu64 " rx_nombuf %" PRIu64 ", opackets %" PRIu64
	       " oerrors %" PRIu64 "\n", what, port, es.ipackets, es.imissed,
	       es.ierrors, es.rx_nombuf, es.opackets, es.oerrors);
}

void
l2fk_stats_summary(void)
{
	struct dir_sum s;
	unsigned int i;

	printf("== l2fwd-kernel summary\n");
	for (i = 0; i < l2fk.nb_pairs; i++) {
		const struct l2fk_pair *p = &l2fk.pairs[i];

		printf("pair %u: %s <-> %s, %u queue(s), control events %" PRIu64
		       " (errors %" PRIu64 ", reconfigurations %" PRIu64 ")\n",
		       i, p->nic_name, p->kern_ifname, p->plan.nb_queues,
		       p->ctl_events, p->ctl_errors, p->reconfigs);
		printf("  TAP txqueuelen: last %u (%" PRIu64 " changes)\n",
		       l2fk_txqlen_get(i), p->txqlen_sets);
		dir_sum(p, true, &s);
		print_dir("kernel->NIC", &s);
		dir_sum(p, false, &s);
		print_dir("NIC->kernel", &s);
		print_port("NIC", p->nic_port);
		print_port("kernel", p->kern_port);
	}
	fflush(stdout);
}

/* ---- telemetry ---- */

static const struct l2fk_pair *
tel_pair(const char *params)
{
	char *end;
	unsigned long i = 0;

	if (params != NULL && *params != '\0') {
		i = strtoul(params, &end, 10);
		if (*end != '\0')
			return NULL;
	}
	return i < l2fk.nb_pairs ? &l2fk.pairs[i] : NULL;
}

static void
tel_dir(struct rte_tel_data *d, const struct dir_sum *s)
{
	rte_tel_data_start_dict(d);
	rtap_tel_dict_u64(d, "rx_pkts", s->rx_pkts);
	rtap_tel_dict_u64(d, "rx_bytes", s->rx_bytes);
	rtap_tel_dict_u64(d, "tx_pkts", s->tx_pkts);
	rtap_tel_dict_u64(d, "tx_bytes", s->tx_bytes);
	rtap_tel_dict_u64(d, "codel_drops", s->aqm_drops);
	rtap_tel_dict_u64(d, "ecn_marks", s->marks);
	rtap_tel_dict_u64(d, "overflow_drops", s->tail_drops);
	rtap_tel_dict_u64(d, "bad_offload", s->bad_ofl);
	rtap_tel_dict_u64(d, "link_down_drops", s->link_drops);
	rtap_tel_dict_u64(d, "backpressure", s->backpressure);
	rtap_tel_dict_u64(d, "backlog_pkts", s->backlog);
	rtap_tel_dict_u64(d, "sojourn_p50_us", s->p50_us);
	rtap_tel_dict_u64(d, "sojourn_p99_us", s->p99_us);
	rtap_tel_dict_u64(d, "sojourn_max_us", s->sojourn_max_us);
	rtap_tel_dict_u64(d, "bql_limit", s->bql_limit);
	rtap_tel_dict_u64(d, "bql_inflight", s->bql_inflight);
	rtap_tel_dict_u64(d, "completions", s->completions);
	rtap_tel_dict_u64(d, "completed_bytes", s->completed_bytes);
}

static int
tel_stats(const char *cmd __rte_unused, const char *params,
	  struct rte_tel_data *d)
{
	const struct l2fk_pair *p = tel_pair(params);
	struct rte_tel_data *up, *dn;
	struct dir_sum s;

	if (p == NULL)
		return -EINVAL;
	up = rte_tel_data_alloc();
	dn = rte_tel_data_alloc();
	if (up == NULL || dn == NULL) {
		rte_tel_data_free(up);
		rte_tel_data_free(dn);
		return -ENOMEM;
	}
	dir_sum(p, true, &s);
	tel_dir(up, &s);
	dir_sum(p, false, &s);
	tel_dir(dn, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, "kernel_to_nic", up, 0);
	rte_tel_data_add_dict_container(d, "nic_to_kernel", dn, 0);
	rtap_tel_dict_u64(d, "ctl_events", p->ctl_events);
	rtap_tel_dict_u64(d, "ctl_errors", p->ctl_errors);
	rtap_tel_dict_u64(d, "reconfigs", p->reconfigs);
	rtap_tel_dict_u64(d, "tap_txqlen", l2fk_txqlen_get(p->idx));
	rtap_tel_dict_u64(d, "tap_txqlen_sets", p->txqlen_sets);
	return 0;
}

static int
tel_pairs(const char *cmd __rte_unused, const char *params,
	  struct rte_tel_data *d)
{
	const struct l2fk_pair *p = tel_pair(params);
	char b[512], mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (p == NULL)
		return -EINVAL;
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	rte_tel_data_start_dict(d);
	rtap_tel_dict_u64(d, "nb_pairs", l2fk.nb_pairs);
	rte_tel_data_add_dict_string(d, "nic", p->nic_name);
	rte_tel_data_add_dict_string(d, "nic_driver", p->nic_info.driver_name);
	rte_tel_data_add_dict_int(d, "nic_port", p->nic_port);
	rte_tel_data_add_dict_string(d, "kernel", p->kern_ifname);
	rte_tel_data_add_dict_int(d, "kernel_port", p->kern_port);
	rte_tel_data_add_dict_int(d, "kernel_ifindex", p->kern_ifindex);
	rte_tel_data_add_dict_int(d, "queues", p->plan.nb_queues);
	rte_tel_data_add_dict_int(d, "mtu", p->mtu);
	rte_tel_data_add_dict_string(d, "mac", mac);
	rte_tel_data_add_dict_int(d, "nic_link_up", p->nic_link_up);
	rte_tel_data_add_dict_int(d, "kernel_admin_up", p->kern_admin_up);
	rte_tel_data_add_dict_int(d, "kernel_gso", p->plan.kern_gso);
	rte_tel_data_add_dict_int(d, "kernel_csum", p->plan.kern_csum);
	rte_tel_data_add_dict_int(d, "nic_tso", p->plan.nic_tso);
	rte_tel_data_add_dict_int(d, "nic_lro", p->plan.nic_lro);
	rte_tel_data_add_dict_int(d, "sw_gso", p->plan.sw_gso);
	rte_tel_data_add_dict_int(d, "kernel_tso6", p->plan.kern_tso6);
	rte_tel_data_add_dict_int(d, "nic_uso", p->plan.nic_uso);
	rte_tel_data_add_dict_int(d, "mc_count", p->mc_count);
	rte_tel_data_add_dict_int(d, "mc_filter", p->mc_filter);
	rte_tel_data_add_dict_int(d, "mc_allmulti_fallback", p->mc_allmulti);
	rte_tel_data_add_dict_int(d, "nic_allmulti",
				  rte_eth_allmulticast_get(p->nic_port));
	l2fk_ofl_str(p->plan.nic_tx_ofl, true, b, sizeof(b));
	rte_tel_data_add_dict_string(d, "nic_tx_offloads", b);
	l2fk_ofl_str(p->plan.nic_rx_ofl, false, b, sizeof(b));
	rte_tel_data_add_dict_string(d, "nic_rx_offloads", b);
	l2fk_ofl_str(p->plan.kern_rx_ofl, false, b, sizeof(b));
	rte_tel_data_add_dict_string(d, "kernel_rx_offloads", b);
	l2fk_ofl_str(p->plan.kern_tx_ofl, true, b, sizeof(b));
	rte_tel_data_add_dict_string(d, "kernel_tx_offloads", b);
	return 0;
}

static int
tel_queues(const char *cmd __rte_unused, const char *params,
	   struct rte_tel_data *d)
{
	const struct l2fk_pair *p = tel_pair(params);
	struct rtap_fq_codel_stats fs;
	struct rte_tel_data *q;
	char key[32];
	uint16_t i;
	int dir;

	if (p == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	for (i = 0; i < p->plan.nb_queues; i++) {
		for (dir = 0; dir < 2; dir++) {
			const struct l2fk_txq *t = dir == 0 ?
				&p->qp[i].to_nic : &p->qp[i].to_kern;

			q = rte_tel_data_alloc();
			if (q == NULL)
				return -ENOMEM;
			l2fk_txq_fq_stats(t, &fs);
			rte_tel_data_start_dict(q);
			rte_tel_data_add_dict_int(q, "lcore", p->qp[i].lcore);
			rtap_tel_dict_u64(q, "backlog_pkts",
						  l2fk_txq_backlog(t));
			rtap_tel_dict_u64(q, "codel_drops",
						  fs.codel.drops);
			rtap_tel_dict_u64(q, "ecn_marks",
						  fs.codel.ecn_marks);
			rtap_tel_dict_u64(q, "overflow_drops",
						  fs.codel.tail_drops);
			rtap_tel_dict_u64(q, "sojourn_ewma_us",
						  us(fs.codel.sojourn_ewma));
			rtap_tel_dict_u64(q, "sojourn_p99_us",
				rtap_codel_sojourn_percentile_us(&fs.codel, 99));
			rtap_tel_dict_u64(q, "tx_partial",
						  t->st.tx_partial);
			rtap_tel_dict_u64(q, "round_stops",
						  t->st.round_stops);
			if (t->bql) {
				rtap_tel_dict_u64(q, "bql_limit",
							  t->dql.limit);
				rtap_tel_dict_u64(q, "bql_inflight",
					rtap_dql_inflight(&t->dql));
				rtap_tel_dict_u64(q, "bql_stops",
							  t->st.bql_stops);
				rtap_tel_dict_u64(q, "completions",
							  t->st.completions);
				rtap_tel_dict_u64(q, "pokes",
							  t->st.pokes);
				rtap_tel_dict_u64(q, "stall_kicks",
							  t->st.stall_kicks);
				rtap_tel_dict_u64(q, "completed_bytes",
					t->st.completed_bytes);
			}
			snprintf(key, sizeof(key), "%s%u",
				 dir == 0 ? "to_nic_q" : "to_kernel_q", i);
			rte_tel_data_add_dict_container(d, key, q, 0);
		}
	}
	return 0;
}

static int
tel_lcores(const char *cmd __rte_unused, const char *params __rte_unused,
	   struct rte_tel_data *d)
{
	struct rte_tel_data *l;
	char key[32];
	unsigned int lc;

	rte_tel_data_start_dict(d);
	RTE_LCORE_FOREACH(lc) {
		if (l2fk.lcore_nb_qps[lc] == 0)
			continue;
		l = rte_tel_data_alloc();
		if (l == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(l);
		rte_tel_data_add_dict_int(l, "queues", l2fk.lcore_nb_qps[lc]);
		rte_tel_data_add_dict_int(l, "sleeping", l2fk.lcore_sleeping[lc]);
		rtap_tel_dict_u64(l, "wakeups", l2fk.lcore_wakeups[lc]);
		rtap_tel_dict_u64(l, "polls", l2fk.lcore_polls[lc]);
		rtap_tel_dict_u64(l, "busy_polls",
					  l2fk.lcore_busy_polls[lc]);
		snprintf(key, sizeof(key), "lcore%u", lc);
		rte_tel_data_add_dict_container(d, key, l, 0);
	}
	return 0;
}

void
l2fk_telemetry_register(void)
{
	rte_telemetry_register_cmd("/l2fk/pairs", tel_pairs,
		"Pair configuration and offload plan. Param: pair index");
	rte_telemetry_register_cmd("/l2fk/stats", tel_stats,
		"Counters per direction (drops, marks, sojourn, BQL). "
		"Param: pair index");
	rte_telemetry_register_cmd("/l2fk/queues", tel_queues,
		"Per-queue FQ-CoDel and BQL state. Param: pair index");
	rte_telemetry_register_cmd("/l2fk/lcores", tel_lcores,
		"Forwarding lcores: sleeping, wakeups, polls");
}
