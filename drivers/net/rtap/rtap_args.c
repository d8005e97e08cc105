/* SPDX-License-Identifier: BSD-3-Clause */
/* devargs parsing and validation for net_rtap. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_kvargs.h>

#include "rtap_compat.h"
#include "rtap_args.h"

/* Keys of the redirect backends: parsed and validated by the backend
 * itself from the same string (rtap_packet.c, rtap_xdp.c). */
static const char *const rtap_backend_keys[] = {
	"fanout", "qdisc_bypass", "sockbuf", "rxmode", "xdp_mode",
	"busy_budget",
};

static const char *const rtap_valid_keys[] = {
	RTAP_ARG_IFACE,
	RTAP_ARG_PERSIST,
	RTAP_ARG_MAC,
	RTAP_ARG_BACKEND,
	"fanout", "qdisc_bypass", "sockbuf", "rxmode", "xdp_mode",
	"busy_budget",
	NULL
};

struct rtap_args_ctx {
	struct rtap_args *a;
	char *err;
	size_t errlen;
	int seen_iface;
	int seen_mac;
	int seen_persist;
	int seen_backend;
	const char *backend_key;	/* first backend-specific key seen */
};

/* Kernel rules for interface names (dev_valid_name in net/core/dev.c). */
static int
rtap_iface_valid(const char *v, char *why, size_t len)
{
	size_t n = strlen(v);
	const char *pct;

	if (n == 0 || n >= IFNAMSIZ) {
		snprintf(why, len, "must be 1..%d characters", IFNAMSIZ - 1);
		return 0;
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		snprintf(why, len, "'.' and '..' are reserved");
		return 0;
	}
	if (strpbrk(v, "/: \t\n") != NULL) {
		snprintf(why, len, "must not contain '/', ':' or whitespace");
		return 0;
	}
	pct = strchr(v, '%');
	if (pct != NULL && (pct[1] != 'd' || strchr(pct + 1, '%') != NULL)) {
		snprintf(why, len, "only one '%%d' template is allowed");
		return 0;
	}
	return 1;
}

static int
rtap_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	unsigned int i;

	if (v == NULL || *v == '\0') {	/* bare "persist" */
		*out = 1;
		return 0;
	}
	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
rtap_arg_handler(const char *key, const char *value, void *opaque)
{
	struct rtap_args_ctx *ctx = opaque;
	struct rtap_args *a = ctx->a;
	char why[96];

	if (strcmp(key, RTAP_ARG_IFACE) == 0) {
		if (ctx->seen_iface++) {
			snprintf(ctx->err, ctx->errlen, "iface given twice");
			return -1;
		}
		if (value == NULL || !rtap_iface_valid(value, why, sizeof(why))) {
			snprintf(ctx->err, ctx->errlen,
				 "invalid iface '%s': %s", value ? value : "",
				 value ? why : "missing value");
			return -1;
		}
		snprintf(a->iface, sizeof(a->iface), "%s", value);
	} else if (strcmp(key, RTAP_ARG_PERSIST) == 0) {
		if (ctx->seen_persist++) {
			snprintf(ctx->err, ctx->errlen, "persist given twice");
			return -1;
		}
		if (rtap_bool(value, &a->persist) < 0) {
			snprintf(ctx->err, ctx->errlen,
				 "invalid persist '%s': use 0/1, yes/no, true/false, on/off",
				 value);
			return -1;
		}
	} else if (strcmp(key, RTAP_ARG_MAC) == 0) {
		if (ctx->seen_mac++) {
			snprintf(ctx->err, ctx->errlen, "mac given twice");
			return -1;
		}
		if (value == NULL || *value == '\0') {
			snprintf(ctx->err, ctx->errlen,
				 "mac needs a value: 'fixed' or xx:xx:xx:xx:xx:xx");
			return -1;
		}
		if (strcasecmp(value, "fixed") == 0) {
			a->mac_mode = RTAP_MAC_FIXED;
			return 0;
		}
		if (rte_ether_unformat_addr(value, &a->mac) < 0 ||
		    strlen(value) != 17) {
			snprintf(ctx->err, ctx->errlen,
				 "invalid mac '%s': use 'fixed' or xx:xx:xx:xx:xx:xx",
				 value);
			return -1;
		}
		if (!rte_is_unicast_ether_addr(&a->mac) ||
		    rte_is_zero_ether_addr(&a->mac)) {
			snprintf(ctx->err, ctx->errlen,
				 "invalid mac '%s': must be a non-zero unicast address",
				 value);
			return -1;
		}
		a->mac_mode = RTAP_MAC_EXPLICIT;
	} else if (strcmp(key, RTAP_ARG_BACKEND) == 0) {
		if (ctx->seen_backend++) {
			snprintf(ctx->err, ctx->errlen, "backend given twice");
			return -1;
		}
		if (value == NULL || *value == '\0' ||
		    strlen(value) >= sizeof(a->backend)) {
			snprintf(ctx->err, ctx->errlen, "invalid backend '%s'",
				 value ? value : "");
			return -1;
		}
		snprintf(a->backend, sizeof(a->backend), "%s", value);
	} else {
		unsigned int i;

		for (i = 0; i < RTE_DIM(rtap_backend_keys); i++)
			if (strcmp(key, rtap_backend_keys[i]) == 0 &&
			    ctx->backend_key == NULL)
				ctx->backend_key = rtap_backend_keys[i];
	}
	return 0;
}

int
rtap_args_parse(const char *str, struct rtap_args *a, char *err,
		size_t errlen)
{
	struct rtap_args_ctx ctx = {
		.a = a, .err = err, .errlen = errlen,
	};
	struct rte_kvargs *kv;
	int ret;

	memset(a, 0, sizeof(*a));
	snprintf(a->iface, sizeof(a->iface), "%s", RTAP_DEFAULT_IFACE);
	snprintf(a->backend, sizeof(a->backend), "%s", RTAP_DEFAULT_BACKEND);
	if (errlen > 0)
		err[0] = '\0';
	if (str == NULL || *str == '\0')
		return 0;

	kv = rte_kvargs_parse(str, rtap_valid_keys);
	if (kv == NULL) {
		snprintf(err, errlen,
			 "cannot parse '%s' (valid keys: iface, persist, mac, backend and the backend's own)",
			 str);
		return -EINVAL;
	}
	ret = rtap_kvargs_process(kv, NULL, rtap_arg_handler, &ctx);
	rte_kvargs_free(kv);
	if (ret != 0) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "invalid devargs '%s'", str);
		return -EINVAL;
	}
	if (ctx.backend_key != NULL && strcmp(a->backend, "tap") == 0) {
		snprintf(err, errlen, "'%s' is not a TAP backend option",
			 ctx.backend_key);
		return -EINVAL;
	}
	return 0;
}
