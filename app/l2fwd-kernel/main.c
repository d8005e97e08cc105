/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * dpdk-l2fwd-kernel: share a NIC with the Linux kernel.
 *
 *   dpdk-l2fwd-kernel [EAL options: the NIC port(s)] -- [options]
 *
 * The user names only the NIC port(s); everything else is detected.
 * Start-up: EAL, ports + offload plan (ports.c), netlink mirror (sync.c),
 * one forwarding loop per lcore (fwd.c) and a control thread that runs
 * the mirror and the periodic stats.  SIGINT/SIGTERM: the loops drain
 * their queues and return, then ports are stopped and closed, which
 * removes the kernel interfaces.
 */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rtap_compat.h>

#include "l2fk.h"

RTE_LOG_REGISTER(l2fk_logtype, app.l2fwd_kernel, INFO);

struct l2fk_app l2fk;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "  Name the NIC port(s) with EAL options (-a PCI or --vdev, e.g.\n"
	       "  --vdev net_af_packet0,iface=eth0); a kernel TAP is created\n"
	       "  for each one.  Options:\n"
	       "  --kernel-name NAME[,NAME..]  kernel interface name(s), one\n"
	       "                               per NIC port, in port order\n"
	       "  --stats SECS                 one-line stats period (0: off,\n"
	       "                               default 0); a summary is\n"
	       "                               always printed at exit\n"
	       "  --poll                       never sleep: busy-poll (bench)\n"
	       "  --no-aqm                     bypass FQ-CoDel and BQL (bench\n"
	       "                               baseline only)\n"
	       "  --no-ecn                     CoDel drops instead of CE-marking\n"
	       "                               ECN-capable packets\n"
	       "  --gso auto|kernel            NIC without TSO: segment kernel\n"
	       "                               GSO frames here with rte_gso\n"
	       "                               (auto, measured faster) or let\n"
	       "                               the kernel segment (bench only)\n"
	       "  --sched default|nice         forwarding lcores at the default\n"
	       "                               priority, or at nice -10 when a\n"
	       "                               core is left for the kernel\n"
	       "                               (bench only: measured, it costs\n"
	       "                               throughput, see sched.c)\n"
	       "  --round-kb KB                bytes each direction may send\n"
	       "                               per forwarding round (default\n"
	       "                               %u, 0: no bound; bench A/B)\n",
	       prog, L2FK_ROUND_BYTES >> 10);
}

static int
parse_names(char *arg)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (l2fk.cfg.nb_kernel_names == L2FK_MAX_PAIRS ||
		    strlen(tok) == 0 || strlen(tok) >= IF_NAMESIZE) {
			fprintf(stderr, "--kernel-name: bad or too many names "
				"(max %d, each < %d chars)\n", L2FK_MAX_PAIRS,
				IF_NAMESIZE);
			return -1;
		}
		l2fk.cfg.kernel_names[l2fk.cfg.nb_kernel_names++] = tok;
	}
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kernel-name", required_argument, NULL, 'k' },
		{ "stats", required_argument, NULL, 's' },
		{ "poll", no_argument, NULL, 'p' },
		{ "no-aqm", no_argument, NULL, 'A' },
		{ "no-ecn", no_argument, NULL, 'E' },
		{ "gso", required_argument, NULL, 'G' },
		{ "sched", required_argument, NULL, 'S' },
		{ "round-kb", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	l2fk.cfg.ecn = true;
	l2fk.cfg.sw_gso = true;
	l2fk.cfg.round_bytes = L2FK_ROUND_BYTES;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_names(optarg) < 0)
				return -1;
			break;
		case 's':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0 || v > 3600) {
				fprintf(stderr, "--stats: 0..3600 seconds\n");
				return -1;
			}
			l2fk.cfg.stats_period = (unsigned int)v;
			break;
		case 'p':
			l2fk.cfg.poll_only = true;
			break;
		case 'A':
			l2fk.cfg.no_aqm = true;
			break;
		case 'E':
			l2fk.cfg.ecn = false;
			break;
		case 'G':
			if (strcmp(optarg, "kernel") == 0) {
				l2fk.cfg.sw_gso = false;
			} else if (strcmp(optarg, "auto") != 0) {
				fprintf(stderr, "--gso: auto or kernel\n");
				return -1;
			}
			break;
		case 'S':
			if (strcmp(optarg, "nice") == 0) {
				l2fk.cfg.sched_prio = true;
			} else if (strcmp(optarg, "default") != 0) {
				fprintf(stderr, "--sched: default or nice\n");
				return -1;
			}
			break;
		case 'R':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0 || v > 65536) {
				fprintf(stderr, "--round-kb: 0..65536 (0: no bound)\n");
				return -1;
			}
			l2fk.cfg.round_bytes = (uint32_t)v << 10;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig __rte_unused)
{
	l2fk.quit = true;
}

/* Spread every (pair, queue) over the lcores, round robin. */
static void
assign_lcores(void)
{
	unsigned int lcores[RTE_MAX_LCORE], nb = 0, i, k = 0, lc;
	uint16_t q;

	RTE_LCORE_FOREACH(lc)
		lcores[nb++] = lc;
	RTE_VERIFY(nb > 0);	/* the main lcore is always in the set */
	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];

		for (q = 0; q < p->plan.nb_queues; q++) {
			lc = lcores[k++ % nb];
			p->qp[q].lcore = lc;
			l2fk.lcore_qps[lc][l2fk.lcore_nb_qps[lc]++] = &p->qp[q];
		}
	}
	for (i = 0; i < nb; i++)
		if (l2fk.lcore_nb_qps[lcores[i]] != 0)
			l2fk.nb_workers++;
}

/* Control thread: netlink mirror (sync.c) and the periodic stats line.
 * The forwarding lcores never block on it. */
static rtap_ctrl_thread_ret_t
ctl_thread_main(void *arg __rte_unused)
{
	uint64_t next = 0, now, hz = rte_get_timer_hz();

	while (!l2fk.quit) {
		l2fk_sync_poll(50);
		l2fk_txqlen_update();
		if (l2fk.cfg.stats_period == 0)
			continue;
		now = rte_get_timer_cycles();
		if (next == 0)
			next = now + hz * l2fk.cfg.stats_period;
		if (now >= next) {
			next = now + hz * l2fk.cfg.stats_period;
			l2fk_stats_print();
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	rtap_ctrl_thread_t ctl;
	unsigned int i;
	bool ctl_started = false;
	int ret, rc = EXIT_FAILURE;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "l2fwd-kernel: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) < 0)
		goto out_eal;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	l2fk.hz = rte_get_tsc_hz();

	if (l2fk_ports_create() < 0)
		goto out_ports;
	for (i = 0; i < l2fk.nb_pairs; i++)
		if (l2fk.pairs[i].plan.sw_gso && l2fk_sw_gso_init() < 0)
			goto out_ports;
	for (i = 0; i < l2fk.nb_pairs; i++)
		if (l2fk_pair_start(&l2fk.pairs[i]) < 0)
			goto out_ports;
	assign_lcores();
	if (l2fk_sync_start() < 0)
		goto out_ports;
	for (i = 0; i < l2fk.nb_pairs; i++)
		l2fk_pair_summary(&l2fk.pairs[i]);
	l2fk_sched_init();
	l2fk_txqlen_init();
	l2fk_telemetry_register();
	if (l2fk.quit)
		goto out_sync;
	if (rtap_ctrl_thread_create(&ctl, "l2fk-ctl", ctl_thread_main,
				    NULL) != 0) {
		L2FK_LOG(ERR, "cannot start the control thread");
		goto out_sync;
	}
	ctl_started = true;
	printf("l2fwd-kernel: forwarding on %u lcore(s); Ctrl-C to stop\n",
	       l2fk.nb_workers);
	fflush(stdout);

	rte_eal_mp_remote_launch(l2fk_worker, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	rc = EXIT_SUCCESS;

out_sync:
	l2fk.quit = true;
	if (ctl_started)
		rtap_ctrl_thread_join(ctl);
	l2fk_sync_stop();
	l2fk_txqlen_restore();
out_ports:
	if (l2fk.nb_pairs > 0)
		l2fk_stats_summary();
	l2fk_ports_close();
	l2fk_sw_gso_fini();
	if (l2fk.pool != NULL)
		rte_mempool_free(l2fk.pool);
out_eal:
	rte_eal_cleanup();
	return rc;
}
