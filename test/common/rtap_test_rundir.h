/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL (22.11) leaves its runtime directory (/var/run/dpdk/<prefix> as
 * root: config and fbarray files, 6.5 MB with --no-huge) behind after
 * rte_eal_cleanup().  A test calls rtap_test_rundir_at_exit() with its
 * file prefix before rte_eal_init() and the directory goes on any exit,
 * failures included.
 */

#ifndef RTAP_TEST_RUNDIR_H
#define RTAP_TEST_RUNDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

/*
 * Where EAL 22.11 puts the runtime directory of file prefix @p prefix
 * (eal_create_runtime_dir(): /var/run as root, else $XDG_RUNTIME_DIR or
 * /tmp, then dpdk/<prefix>).  Call before rte_eal_init(): a failed init
 * leaves its directory too.
 */
static inline void
rtap_test_rundir_at_exit(const char *prefix)
{
	const char *base = "/var/run";
	int n;

	if (geteuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	n = snprintf(rtap_test_rundir, sizeof(rtap_test_rundir),
		     "%s/dpdk/%s", base, prefix);
	if (n < 0 || n >= (int)sizeof(rtap_test_rundir)) {
		rtap_test_rundir[0] = '\0';
		return;
	}
	atexit(rtap_test_rundir_rm);
}

#endif /* RTAP_TEST_RUNDIR_H */
