/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every DPDK-version-dependent spelling used by net_rtap, in one place.
 * Built and tested against 22.11 LTS; the other branches follow the
 * release notes of 23.11, 24.11 and 25.11.
 */

#ifndef RTAP_COMPAT_H
#define RTAP_COMPAT_H

#include <rte_version.h>
#include <rte_log.h>

/*
 * Logging: 23.11 added RTE_LOG_LINE (appends the newline, checks the
 * format); before that the driver appends "\n" itself.
 */
extern int rtap_logtype;
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
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
 * 25.11 passes per-queue counters to stats_get as a separate structure and
 * dropped the RTE_ETHDEV_QUEUE_STAT_CNTRS arrays from rte_eth_stats.
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
 * Atomics: 23.11 introduced rte_stdatomic.h (optional C11 atomics); the
 * GCC builtins below compile unchanged on every release, so the driver
 * uses them through these two names only.
 */
#define rtap_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define rtap_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define rtap_add_relaxed(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

/*
 * 23.11 made rte_kvargs_process() reject keys given without a value and
 * added rte_kvargs_process_opt() for the old behaviour ("persist").
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define rtap_kvargs_process rte_kvargs_process_opt
#else
#define rtap_kvargs_process rte_kvargs_process
#endif

/*
 * Telemetry: 23.03 added rte_tel_data_add_dict_uint() and 24.11 marks
 * rte_tel_data_add_dict_u64() deprecated (-Werror breaks the build).
 * Found by building app/l2fwd-kernel against 24.11 (devtools/compat-build.sh).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define rtap_tel_dict_u64 rte_tel_data_add_dict_uint
#else
#define rtap_tel_dict_u64 rte_tel_data_add_dict_u64
#endif

#endif /* RTAP_COMPAT_H */
