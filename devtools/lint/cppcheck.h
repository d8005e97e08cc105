/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Macros cppcheck cannot see (system headers are not parsed by
 * devtools/lint.sh): give it their shape so it checks the code around them.
 */
#define LIBBPF_OPTS(TYPE, NAME, ...) struct TYPE NAME = { __VA_ARGS__ }
