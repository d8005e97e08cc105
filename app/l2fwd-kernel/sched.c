/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * CPU priority of the forwarding lcores: default, or nice -10 with
 * --sched=nice (bench A/B).  Measured, not a default.
 *
 * The idea: a forwarding lcore is the only server of every queue it owns;
 * while it is off the CPU nothing moves and frames wait in the kernel's
 * rings in front of it (tun ring, AF_PACKET socket), where no AQM sees
 * them.  The kernel's own datapath does this work in softirq, which
 * preempts every task, while a busy lcore at the default priority gets
 * a fair share of its core only (a third at load 7-8 on the 2-core VM).
 * nice -10 (weight 9548 vs 1024) keeps ~90% of the core against one
 * default task.  Applied only when a core is left for the kernel (fewer
 * lcores than online CPUs).
 *
 * The measurement (devtools/run-demo.sh, flent rrul 30 s, alternated
 * runs, 3 each, load 8-12): ICMP median 0.28-0.61 ms instead of 3.0-4.0
 * ms, but p99 15-32 ms either way (default 14-33 ms), and TCP totals
 * 2113-4212 Mbit/s instead of 4674-6304: the spinning lcore takes the CPU
 * the TCP senders and receivers behind the TAP need.  SCHED_FIFO (15 s
 * runs) was no better on p99 and, as a busy real-time spinner, leaves
 * its core's ksoftirqd/kworkers only the fair-server budget (50 ms per
 * second since Linux 6.12).  So the default stays the default.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "l2fk.h"

#define L2FK_LCORE_NICE		(-10)

static int sched_nice;		/* nice for the lcores, 0: leave alone */

void
l2fk_sched_init(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int lcores = rte_lcore_count();

	sched_nice = 0;
	if (!l2fk.cfg.sched_prio) {
		printf("  lcore priority:  default\n");
		return;
	}
	if (cpus > 0 && lcores >= (unsigned int)cpus) {
		printf("  lcore priority:  default (%u lcores on %ld CPUs: no "
		       "core left for the kernel)\n", lcores, cpus);
		return;
	}
	sched_nice = L2FK_LCORE_NICE;
	printf("  lcore priority:  nice %d (%u lcore(s), %ld CPUs)\n",
	       sched_nice, lcores, cpus);
}

/* Called by each forwarding lcore on itself. */
void
l2fk_sched_apply(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (sched_nice == 0)
		return;
	if (setpriority(PRIO_PROCESS, (id_t)tid, sched_nice) < 0)
		L2FK_LOG(WARNING, "lcore %u: cannot set nice %d: %s; default "
			 "priority kept", rte_lcore_id(), sched_nice,
			 strerror(errno));
}
