/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtap_compat.h against the DPDK it is built with (22.11 here; 24.11 and
 * 25.11 through devtools/compat-build.sh): every spelling it maps must
 * behave the same on each release.
 *  - RTAP_LOG: one line, "<function>(): <message>" and exactly one "\n"
 *    (RTE_LOG_LINE_PREFIX from 24.03, rte_log + "\n" before);
 *  - rtap_kvargs_process: a bare key ("persist") reaches the handler with a
 *    NULL value (23.11's rte_kvargs_process refuses it: _opt needed);
 *  - rtap_tel_dict_u64 adds a u64 to a telemetry dict;
 *  - the relaxed atomics;
 *  - rtap_ctrl_thread_create/join (rte_ctrl_thread_create, removed in 24.11,
 *    or rte_thread_create_control): the thread runs, off the lcore cpuset,
 *    and its return value is joined.
 * EAL is started (no hugepages, no PCI) for the control thread only.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_telemetry.h>

#include "rtap_compat.h"
#include "rtap_test_rundir.h"

RTE_LOG_REGISTER(rtap_logtype, pmd.net.rtap.compat_test, DEBUG);

static int failures;
static int checks;

#define CHECK(c, ...) do { \
	checks++; \
	if (!(c)) { \
		failures++; \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static void
log_one_line(void)
{
	char buf[256] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	FILE *old = rte_log_get_stream();
	const char *want = "log_one_line(): value 42 ok\n";

	CHECK(f != NULL, "fmemopen");
	if (f == NULL)
		return;
	rte_openlog_stream(f);
	RTAP_LOG(ERR, "value %d %s", 42, "ok");
	RTAP_LOG(DEBUG, "no arguments");
	fflush(f);
	rte_openlog_stream(old);
	fclose(f);
	/* Some releases prefix the level or a timestamp: look for the line. */
	CHECK(strstr(buf, want) != NULL, "log text '%s' lacks '%s'", buf, want);
	CHECK(strstr(buf, "log_one_line(): no arguments\n") != NULL,
	      "argument-less log missing in '%s'", buf);
	CHECK(strstr(buf, "\n\n") == NULL, "double newline in '%s'", buf);
}

struct kv_seen {
	int calls;
	int bare;
	char iface[32];
};

static int
kv_handler(const char *key, const char *value, void *opaque)
{
	struct kv_seen *s = opaque;

	s->calls++;
	if (value == NULL)
		s->bare += strcmp(key, "persist") == 0;
	else if (strcmp(key, "iface") == 0)
		snprintf(s->iface, sizeof(s->iface), "%s", value);
	return 0;
}

static void
kvargs_bare_key(void)
{
	struct kv_seen s = { 0 };
	struct rte_kvargs *kv = rte_kvargs_parse("persist,iface=rt0", NULL);
	int ret;

	CHECK(kv != NULL, "kvargs parse");
	if (kv == NULL)
		return;
	ret = rtap_kvargs_process(kv, NULL, kv_handler, &s);
	CHECK(ret == 0, "process returned %d", ret);
	CHECK(s.calls == 2, "%d handler calls, want 2", s.calls);
	CHECK(s.bare == 1, "bare 'persist' seen %d times with NULL value", s.bare);
	CHECK(strcmp(s.iface, "rt0") == 0, "iface '%s'", s.iface);
	rte_kvargs_free(kv);
}

static void
telemetry_u64(void)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	CHECK(d != NULL, "tel alloc");
	if (d == NULL)
		return;
	CHECK(rte_tel_data_start_dict(d) == 0, "start dict");
	CHECK(rtap_tel_dict_u64(d, "frames", UINT64_C(1) << 40) == 0,
	      "add u64");
	rte_tel_data_free(d);
}

static void
atomics(void)
{
	uint64_t v = 5;

	rtap_store_relaxed(&v, 7);
	CHECK(rtap_add_relaxed(&v, 3) == 7, "fetch_add returns the old value");
	CHECK(rtap_load_relaxed(&v) == 10, "v = %" PRIu64, v);
}

static volatile int ctl_ran;
static volatile int ctl_on_lcore_cpu;

static rtap_ctrl_thread_ret_t
ctl_main(void *arg)
{
	ctl_ran = *(int *)arg;
	/* The EAL pins the main thread to lcore 0's CPU; a control thread
	 * must not inherit that pinning. */
	ctl_on_lcore_cpu = rte_lcore_id() != LCORE_ID_ANY;
	return 0;
}

static void
ctrl_thread(void)
{
	char prefix[64];
	const char *args[] = { "test_compat", "--no-huge", "--no-pci", "-m",
		"64", "--no-shconf", "--file-prefix", prefix, "--log-level",
		"*:warning", "-l", "0" };
	char *eal_args[RTE_DIM(args)];
	rtap_ctrl_thread_t t;
	int magic = 4242, ret;
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "rtap_compat_%d", (int)getpid());
	for (i = 0; i < RTE_DIM(args); i++)	/* EAL wants char *[] */
		eal_args[i] = (char *)(uintptr_t)args[i];
	rtap_test_rundir_at_exit(prefix);
	ret = rte_eal_init((int)RTE_DIM(eal_args), eal_args);
	CHECK(ret >= 0, "rte_eal_init: %d", ret);
	if (ret < 0)
		return;
	ret = rtap_ctrl_thread_create(&t, "rtap-compat", ctl_main, &magic);
	CHECK(ret == 0, "control thread create: %d", ret);
	if (ret == 0) {
		ret = rtap_ctrl_thread_join(t);
		CHECK(ret == 0, "join: %d", ret);
		CHECK(ctl_ran == magic, "control thread did not run (%d)", ctl_ran);
		CHECK(!ctl_on_lcore_cpu, "control thread has an lcore id");
	}
	rte_eal_cleanup();
}

int
main(void)
{
	log_one_line();
	kvargs_bare_key();
	telemetry_u64();
	atomics();
	ctrl_thread();
	printf("test_compat (%s): %d checks, %d failed\n", rte_version(),
	       checks, failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
