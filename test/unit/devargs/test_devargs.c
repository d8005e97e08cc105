/* SPDX-License-Identifier: BSD-3-Clause */
/* net_rtap devargs parser: defaults, every key, and every refusal. */

#include <stdio.h>
#include <string.h>

#include "rtap_args.h"

static int failures;

#define CHECK(c, ...) do { if (!(c)) { failures++; \
	printf("FAIL line %d: %s: ", __LINE__, #c); printf(__VA_ARGS__); \
	printf("\n"); } } while (0)

static void
good(const char *s, const char *iface, const char *backend, int persist,
     enum rtap_mac_mode mode, const char *mac)
{
	struct rtap_args a;
	char err[160], buf[RTE_ETHER_ADDR_FMT_SIZE];
	int ret = rtap_args_parse(s, &a, err, sizeof(err));

	CHECK(ret == 0, "'%s' refused: %s", s ? s : "(null)", err);
	if (ret != 0)
		return;
	CHECK(strcmp(a.iface, iface) == 0, "'%s': iface %s", s, a.iface);
	CHECK(strcmp(a.backend, backend) == 0, "'%s': backend %s", s,
	      a.backend);
	CHECK(a.persist == persist, "'%s': persist %d", s, a.persist);
	CHECK(a.mac_mode == mode, "'%s': mac mode %d", s, a.mac_mode);
	if (mac != NULL) {
		rte_ether_format_addr(buf, sizeof(buf), &a.mac);
		CHECK(strcasecmp(buf, mac) == 0, "'%s': mac %s", s, buf);
	}
}

static void
bad(const char *s, const char *why)
{
	struct rtap_args a;
	char err[160];
	int ret = rtap_args_parse(s, &a, err, sizeof(err));

	CHECK(ret == -EINVAL, "'%s' accepted", s);
	CHECK(strstr(err, why) != NULL, "'%s': error '%s' lacks '%s'", s, err,
	      why);
}

int
main(void)
{
	good(NULL, "rtap%d", "tap", 0, RTAP_MAC_KERNEL, NULL);
	good("", "rtap%d", "tap", 0, RTAP_MAC_KERNEL, NULL);
	good("iface=dp0", "dp0", "tap", 0, RTAP_MAC_KERNEL, NULL);
	good("iface=k%d,persist=1", "k%d", "tap", 1, RTAP_MAC_KERNEL, NULL);
	good("persist=yes", "rtap%d", "tap", 1, RTAP_MAC_KERNEL, NULL);
	good("persist=off", "rtap%d", "tap", 0, RTAP_MAC_KERNEL, NULL);
	good("persist", "rtap%d", "tap", 1, RTAP_MAC_KERNEL, NULL);
	good("mac=fixed", "rtap%d", "tap", 0, RTAP_MAC_FIXED, NULL);
	good("mac=02:AB:cd:00:00:01,iface=x", "x", "tap", 0, RTAP_MAC_EXPLICIT,
	     "02:ab:cd:00:00:01");
	good("backend=tap", "rtap%d", "tap", 0, RTAP_MAC_KERNEL, NULL);
	good("backend=packet,iface=eth0,fanout=hash", "eth0", "packet", 0,
	     RTAP_MAC_KERNEL, NULL);
	good("backend=packet,iface=eth0,rxmode=ring", "eth0", "packet", 0,
	     RTAP_MAC_KERNEL, NULL);
	good("iface=123456789012345", "123456789012345", "tap", 0,
	     RTAP_MAC_KERNEL, NULL);

	bad("iface=1234567890123456", "1..15");
	bad("iface=", "1..15");
	bad("iface=a/b", "must not contain");
	bad("iface=a b", "must not contain");
	bad("iface=..", "reserved");
	bad("iface=a%s", "%d");
	bad("iface=a%d%d", "%d");
	bad("iface=a,iface=b", "twice");
	bad("persist=2", "invalid persist");
	bad("mac=", "needs a value");
	bad("mac=02:00:00:00:00", "invalid mac");
	bad("mac=01:00:5e:00:00:01", "unicast");
	bad("mac=00:00:00:00:00:00", "unicast");
	bad("mac=2:0:0:0:0:1", "invalid mac");
	bad("backend=", "invalid backend");
	bad("backend=averyveryverylongname", "invalid backend");
	bad("speed=10", "valid keys");
	bad("fanout=hash", "not a TAP backend option");
	bad("backend=tap,xdp_mode=native", "not a TAP backend option");
	bad("rxmode=ring", "not a TAP backend option");

	if (failures) {
		printf("%d failure(s)\n", failures);
		return 1;
	}
	printf("PASS test_devargs\n");
	return 0;
}
