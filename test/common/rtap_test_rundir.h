/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL (22.11) leaves its runtime directory (/var/run/dpdk/<prefix> as
 * root: config and fbarray files, 6.5 MB with --no-huge) behind after
 * rte_eal_cleanup().  A test calls rtap_test_rundir_at_exit() right after
 * rte_eal_init() and the directory goes on any exit, failures included.
 */

#ifndef RTAP_TEST_RUNDIR_H
#define RTAP_TEST_RUNDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

static char rtap_test_rundir[256];

static inline void
rtap_test_rundir_rm(void)
{
	struct dirent *e;
	DIR *d;

	if (rtap_test_rundir[0] == '\0')
		return;
	d = opendir(rtap_test_rundir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (rmdir(rtap_test_rundir) != 0)
		fprintf(stderr, "cannot remove %s\n", rtap_test_rundir);
	rtap_test_rundir[0] = '\0';
}

static inline void
rtap_test_rundir_at_exit(void)
{
	const char *dir = rte_eal_get_runtime_dir();

	if (dir == NULL || dir[0] == '\0' ||
	    snprintf(rtap_test_rundir, sizeof(rtap_test_rundir), "%s",
		     dir) >= (int)sizeof(rtap_test_rundir)) {
		rtap_test_rundir[0] = '\0';
		return;
	}
	atexit(rtap_test_rundir_rm);
}

#endif /* RTAP_TEST_RUNDIR_H */
