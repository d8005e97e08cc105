/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/* Parameters, fixed-point control-law helper, statistics and ECN marking
 * shared by CoDel and FQ-CoDel.
 */

#include <errno.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "codel_internal.h"
#include "rtap_codel.h"

RTE_LOG_REGISTER(rtap_codel_logtype, rtap.codel, NOTICE);

static uint64_t
us_to_units(uint64_t hz, uint32_t us)
{
	__extension__ unsigned __int128 v = (unsigned __int128)hz * us;

	return (uint64_t)(v / 1000000);
}

int
rtap_codel_params_init(struct rtap_codel_params *p, uint64_t hz)
{
	if (hz == 0)
		return -EINVAL;
	p->hz = hz;
	p->mtu = RTAP_CODEL_MTU;
	p->max_drops = RTAP_CODEL_MAX_DROPS;
	p->ecn = false;
	return rtap_codel_params_set_us(p, RTAP_CODEL_TARGET_US,
					RTAP_CODEL_INTERVAL_US);
}

int
rtap_codel_params_set_us(struct rtap_codel_params *p, uint32_t target_us,
			 uint32_t interval_us)
{
	if (p->hz == 0 || target_us == 0 || target_us >= interval_us)
		return -EINVAL;
	p->target = us_to_units(p->hz, target_us);
	p->interval = us_to_units(p->hz, interval_us);
	if (p->target == 0)
		p->target = 1;
	return 0;
}

int
codel_params_check(const struct rtap_codel_params *p)
{
	if (p == NULL || p->hz == 0 || p->target == 0 ||
	    p->interval <= p->target)
		return -EINVAL;
	return 0;
}

uint64_t
codel_us_mul(uint64_t hz)
{
	/* Rounded up, so that whole microseconds do not fall into the
	 * bucket below through truncation (1000 ns * floor(2^32/1000) is
	 * just under 2^32).
	 */
	__extension__ unsigned __int128 v =
		(((unsigned __int128)1000000 << 32) + hz - 1) / hz;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/*
 * 2^32 / sqrt(x) by Newton's iteration for the reciprocal square root,
 * y' = y * (3 - x * y^2) / 2, in Q0.32 with 128-bit intermediates. The
 * seed 2^-ceil(bits(x)/2) lies within a factor of two below the root,
 * from where the iteration rises monotonically; six steps reach the
 * Q0.32 resolution for every 32-bit x (relative error 0.5 -> 0.31 ->
 * 0.14 -> 0.029 -> 1.2e-3 -> 2.3e-6 -> ~1e-11), then truncation bounds
 * the error to a few units of 2^-32. We iterate until the value stops
 * changing, at most 8 times.
 */
uint32_t
rtap_codel_rec_inv_sqrt(uint32_t x)
{
	__extension__ typedef unsigned __int128 u128;
	unsigned int bits, i;
	uint64_t y, prev = 0;

	if (x <= 1)
		return UINT32_MAX;
	bits = 32 - __builtin_clz(x);
	y = (uint64_t)1 << (32 - (bits + 1) / 2);
	for (i = 0; i < 8 && y != prev; i++) {
		u128 xy2 = ((u128)x * y * y) >> 32;  /* Q32 of x*y^2 */
		u128 three = (u128)3 << 32;
		u128 t;

		prev = y;
		if (xy2 >= three)
			break; /* cannot happen from a seed below the root */
		t = three - xy2;
		y = (uint64_t)(((u128)y * t) >> 33);
	}
	return y > UINT32_MAX ? UINT32_MAX : (uint32_t)y;
}

uint64_t
rtap_codel_sojourn_percentile_us(const struct rtap_codel_stats *st,
				 unsigned int pct)
{
	uint64_t total = 0, want, seen = 0;
	unsigned int i;

	if (pct == 0)
		pct = 1;
	if (pct > 100)
		pct = 100;
	for (i = 0; i < RTAP_CODEL_HIST_BUCKETS; i++)
		total += st->sojourn_hist[i];
	if (total == 0)
		return 0;
	/* Rank of the percentile, rounded up: ceil(total * pct / 100). */
	want = (total * pct + 99) / 100;
	for (i = 0; i < RTAP_CODEL_HIST_BUCKETS; i++) {
		seen += st->sojourn_hist[i];
		if (seen >= want)
			break;
	}
	if (i >= RTAP_CODEL_HIST_BUCKETS)
		i = RTAP_CODEL_HIST_BUCKETS - 1;
	/* Upper bound of bucket i: 1 us for bucket 0, else 2^i us. */
	return (uint64_t)1 << i;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one's complement sums. */
static uint16_t
csum_replace16(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc + (uint16_t)~old + (uint32_t)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool
rtap_codel_ecn_mark(struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t proto;
	unsigned int vlans;

	if (len < off)
		return false;
	proto = ((const struct rte_ether_hdr *)data)->ether_type;
	for (vlans = 0; vlans < 2; vlans++) {
		const struct rte_vlan_hdr *vh;

		if (proto != RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
		    proto != RTE_BE16(RTE_ETHER_TYPE_QINQ))
			break;
		if (len < off + sizeof(*vh))
			return false;
		vh = (const struct rte_vlan_hdr *)(data + off);
		proto = vh->eth_proto;
		off += sizeof(*vh);
	}

	if (proto == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip;
		uint16_t old_word, new_word;
		uint8_t tos;

		if (len < off + sizeof(*ip))
			return false;
		ip = (struct rte_ipv4_hdr *)(data + off);
		if ((ip->version_ihl >> 4) != 4)
			return false;
		tos = ip->type_of_service;
		if ((tos & 3) == 0)
			return false; /* Not-ECT: must be dropped */
		if ((tos & 3) == 3)
			return true;  /* already CE */
		/* The checksum covers version_ihl|tos as one 16-bit word. */
		old_word = (uint16_t)(ip->version_ihl << 8 | tos);
		new_word = (uint16_t)(ip->version_ihl << 8 | tos | 3);
		ip->type_of_service = tos | 3;
		ip->hdr_checksum = rte_cpu_to_be_16(csum_replace16(
			rte_be_to_cpu_16(ip->hdr_checksum), old_word,
			new_word));
		return true;
	}
	if (proto == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip6;
		uint32_t vtc;

		if (len < off + sizeof(*ip6))
			return false;
		ip6 = (struct rte_ipv6_hdr *)(data + off);
		vtc = rte_be_to_cpu_32(ip6->vtc_flow);
		if ((vtc >> 28) != 6)
			return false;
		/* ECN is the low two bits of the traffic class, bits 20-21
		 * of the first word; IPv6 has no header checksum.
		 */
		if (((vtc >> 20) & 3) == 0)
			return false;
		vtc |= 3u << 20;
		ip6->vtc_flow = rte_cpu_to_be_32(vtc);
		return true;
	}
	return false;
}
