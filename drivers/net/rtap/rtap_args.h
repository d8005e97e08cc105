/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_rtap devargs: parsed and validated without EAL, so the unit test
 * drives it directly.
 */

#ifndef RTAP_ARGS_H
#define RTAP_ARGS_H

#include <stddef.h>
#include <net/if.h>
#include <rte_ether.h>

#define RTAP_ARG_IFACE		"iface"
#define RTAP_ARG_PERSIST	"persist"
#define RTAP_ARG_MAC		"mac"
#define RTAP_ARG_BACKEND	"backend"

#define RTAP_DEFAULT_IFACE	"rtap%d"
#define RTAP_DEFAULT_BACKEND	"tap"

enum rtap_mac_mode {
	RTAP_MAC_KERNEL = 0,	/* keep the address the kernel chose */
	RTAP_MAC_FIXED,		/* 02:72:74:61:70:<n>, stable per index */
	RTAP_MAC_EXPLICIT,	/* mac=xx:xx:xx:xx:xx:xx */
};

struct rtap_args {
	char iface[IFNAMSIZ];	/* name or template with one %d */
	char backend[16];
	int persist;
	enum rtap_mac_mode mac_mode;
	struct rte_ether_addr mac;
};

/*
 * Parse a devargs string ("iface=x,persist=1,...", NULL or "" for
 * defaults).  Returns 0, or -EINVAL with a one-line reason in err.
 * Backend names are checked for syntax here and for availability by
 * the caller (rtap_backend_find).
 */
int rtap_args_parse(const char *str, struct rtap_args *a, char *err,
		    size_t errlen);

#endif /* RTAP_ARGS_H */
