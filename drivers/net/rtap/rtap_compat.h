/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every DPDK-version-dependent spelling used by rtap, in one place.
 *
 * How each branch is checked (see "Portability" in doc/guides/nics/rtap.rst):
 *  [built]  compiled and run: 22.11 (devtools/deps.sh, the whole tree) and
 *           24.11 / 25.11 (devtools/compat-build.sh: lib/, vnet, devargs,
 *           test/unit/compat; the PMD itself cannot be built there, Debian
 *           ships no driver SDK headers);
 *  [read]   taken from the release notes / the public headers only.
 */

#ifndef RTAP_COMPAT_H
#define RTAP_COMPAT_H

#include <rte_version.h>
#include <rte_log.h>

/*
 * Logging [built 22.11, 24.11, 25.11 by test/unit/compat]: RTE_LOG_LINE and
 * RTE_LOG_LINE_PREFIX (the newline appended by DPDK, format checked) are in
 * 24.03+; before that the driver appends "\n" itself, which works on every
 * release.  24.03 is the safe lower bound: whether 23.11 already has the
 * _PREFIX form is not verified here, and rte_log() is in all of them.
 */
extern int rtap_logtype;
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
#define RTE_LOGTYPE_RTAP rtap_logtype
#define RTAP_LOG(level, ...) \
	RTE_LOG_LINE_PREFIX(level, RTAP, "%s(): ", __func__, __VA_ARGS__)
#else
#define RTAP_LOG_(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, rtap_logtype, "%s(): " fmt "%s\n", \
		__func__, __VA_ARGS__)
#define RTAP_LOG(level, ...) RTAP_LOG_(level, __VA_ARGS__, "")
#endif

/*
 * stats_get [read]: 25.11 passes per-queue counters to stats_get as a
 * separate structure (struct eth_queue_stats, in ethdev_driver.h) and
 * dropped the q_* arrays from rte_eth_stats (checked in the 25.11 public
 * rte_ethdev.h: they are gone; 24.11 still has them).  The prototype
 * itself is in the driver SDK, which no package here ships.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define RTAP_STATS_GET_ARGS \
	struct rte_eth_dev *dev, struct rte_eth_stats *st, \
	struct eth_queue_stats *qst
#define RTAP_QSTAT(field, q) (qst != NULL ? &qst->field[q] : NULL)
#else
#define RTAP_STATS_GET_ARGS struct rte_eth_dev *dev, struct rte_eth_stats *st
#define RTAP_QSTAT(field, q) (&st->field[q])
#endif

/*
 * Atomics [built]: 23.11 introduced rte_stdatomic.h (C11 atomics behind
 * -Denable_stdatomic, off by default) and deprecates rte_atomicNN_*; the GCC
 * builtins below compile unchanged on every release and on plain fields, so
 * the driver uses them through these names only (rtap_xdp.c's ring
 * acquire/release pairs use the builtins directly, same reason).
 */
#define rtap_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define rtap_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define rtap_add_relaxed(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

/*
 * kvargs [built 22.11, 24.11, 25.11; test/unit/compat and devargs]: 23.11
 * made rte_kvargs_process() reject keys given without a value and added
 * rte_kvargs_process_opt() for the old behaviour ("persist").
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define rtap_kvargs_process rte_kvargs_process_opt
#else
#define rtap_kvargs_process rte_kvargs_process
#endif

/*
 * Telemetry [built 22.11, 24.11, 25.11]: 23.03 added
 * rte_tel_data_add_dict_uint() and 24.11 marks rte_tel_data_add_dict_u64()
 * deprecated (-Werror breaks the build of app/l2fwd-kernel).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define rtap_tel_dict_u64 rte_tel_data_add_dict_uint
#else
#define rtap_tel_dict_u64 rte_tel_data_add_dict_u64
#endif

/*
 * Control threads [built 22.11, 24.11, 25.11 by test/unit/compat]: 23.11
 * added rte_thread_create_control() (rte_thread_t, a uint32_t-returning
 * function) and deprecated rte_ctrl_thread_create(), which 24.11 removed
 * (found by devtools/compat-build.sh's symbol check of l2fwd-kernel).  Both
 * run the thread on the EAL control cpuset, off the polling lcores.
 */
#include <rte_thread.h>
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
typedef rte_thread_t rtap_ctrl_thread_t;
typedef uint32_t rtap_ctrl_thread_ret_t;
#define rtap_ctrl_thread_create(t, name, fn, arg) \
	rte_thread_create_control((t), (name), (fn), (arg))
#define rtap_ctrl_thread_join(t) rte_thread_join((t), NULL)
#else
#include <pthread.h>
#include <rte_lcore.h>
typedef pthread_t rtap_ctrl_thread_t;
typedef void *rtap_ctrl_thread_ret_t;
#define rtap_ctrl_thread_create(t, name, fn, arg) \
	rte_ctrl_thread_create((t), (name), NULL, (fn), (arg))
#define rtap_ctrl_thread_join(t) pthread_join((t), NULL)
#endif

#endif /* RTAP_COMPAT_H */
