/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * CPU priority of the forwarding lcores.
 *
 * A forwarding lcore is the only server of every queue it owns: while it
 * is off the CPU nothing moves in either direction, and the frames wait
 * in the kernel's rings in front of it (tun ring, AF_PACKET socket),
 * where no AQM sees them.  In the kernel's own datapath the same work is
 * softirq (NAPI), which preempts every task.  At default priority a
 * spinning lcore gets a fair share only: on the 2-core test VM at load
 * 7-8 that is a third of a core, in slices of milliseconds, and the ping
 * RTT under flent rrul follows the scheduler (doc/guides/apps/
 * l2fwd-kernel.rst: median 3-5 ms, p99 23-70 ms at nice 0).
 *
 * So the lcores run at nice -10 (weight 9548 vs 1024: a busy lcore keeps
 * ~90% of its core against one default task, and EEVDF picks it first on
 * wakeup), but only when a core is left for the kernel (fewer lcores
 * than online CPUs): the stack behind the TAP needs CPU too, and an
 * lcore that spins on every core would starve it.  Not SCHED_FIFO: a
 * busy real-time spinner leaves the normal tasks of its core (ksoftirqd,
 * kworkers: softirq work deferred under load) only the kernel's
 * fair-server budget (50 ms per second since Linux 6.12), taken in one
 * piece that also stalls the lcore; nice keeps the kernel's share
 * proportional.  Measured under rrul on the test VM (15 s, two runs
 * each, load 7-8): nice 0 p99 70 / 23 ms, SCHED_FIFO 28 / 7.4 ms,
 * nice -10 14.5 / 13.3 ms -- FIFO is no clear win for that risk.
 * Idle lcores sleep on Rx interrupts (fwd.c) whatever their priority.
 *
 * Needs CAP_SYS_NICE (the app runs as root for TAP and netns anyway);
 * without it one line is logged and the default priority kept.
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
		printf("  lcore priority:  default (--sched=default)\n");
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
