/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 rtap authors
 */

/*
 * Ports: find the NIC ports the user named, create one kernel-facing
 * net_rtap port per NIC port, and decide the offloads of both from what
 * the NIC reports in rte_eth_dev_info -- never from a user knob.
 *
 * Offload plan (l2fk_plan_compute):
 *
 *   kernel -> NIC   NIC with TSO (+ TCP checksum, multi-segment Tx): the
 *                   kernel may hand us GSO and CHECKSUM_PARTIAL frames
 *                   (TUNSETOFFLOAD, through the rtap port's Rx offloads)
 *                   and they leave as TSO requests.  NIC without TSO but
 *                   with multi-segment Tx: still take GSO frames from the
 *                   kernel and segment + checksum them here (rte_gso,
 *                   ofl.c).  Measured on the testbed against letting the
 *                   kernel segment before the TAP (--gso=kernel): 623 vs
 *                   464 Mbit/s mean over 10 runs each (net_af_packet NIC,
 *                   one lcore) -- one TAP read per 64 KB instead of per
 *                   1.5 KB.  A NIC with TCP checksum but no TSO gets
 *                   CHECKSUM_PARTIAL frames only.
 *   NIC -> kernel   NIC LRO frames are passed to the kernel as GSO frames
 *                   (TSO on the rtap port); checksum partial frames as
 *                   NEEDS_CSUM; see ofl.c.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_string_fns.h>

#include <rte_pmd_rtap.h>
#include <rtap_nlmon.h>

#include "l2fk.h"

#define L2FK_MBUFS_PER_QP	16384
#define L2FK_MBUF_CACHE		256

void
l2fk_plan_compute(const struct rte_eth_dev_info *nic,
		  const struct rte_eth_dev_info *kern, uint16_t nb_queues,
		  bool user_no_tso, bool user_no_csum, bool sw_gso,
		  struct l2fk_plan *plan)
{
	uint64_t ntx = nic->tx_offload_capa, nrx = nic->rx_offload_capa;
	uint64_t ktx = kern->tx_offload_capa, krx = kern->rx_offload_capa;

	memset(plan, 0, sizeof(*plan));
	plan->nb_queues = nb_queues;
	plan->user_no_tso = user_no_tso;
	plan->user_no_csum = user_no_csum;

	/* kernel -> NIC */
	plan->nic_tx_ofl = ntx & (RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				  RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				  RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	plan->kern_csum = (ntx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
		(krx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) && !user_no_csum;
	plan->nic_tso = plan->kern_csum &&
		(ntx & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		(ntx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
		(krx & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
		(krx & RTE_ETH_RX_OFFLOAD_SCATTER) && !user_no_tso;
	if (sw_gso && !plan->nic_tso && !user_no_tso && !user_no_csum &&
	    (ntx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
	    (krx & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
	    (krx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) {
		/* NIC without TSO: take GSO + CHECKSUM_PARTIAL frames from
		 * the kernel and segment/checksum them here (rte_gso,
		 * ofl.c); measured faster, see the comment at the top. */
		plan->sw_gso = true;
		plan->kern_csum = true;
		plan->kern_gso = true;
		plan->kern_rx_ofl |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
	}
	if (plan->kern_csum)
		plan->kern_rx_ofl |= krx & (RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
					    RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	if (plan->nic_tso) {
		plan->nic_tx_ofl |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		plan->kern_rx_ofl |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
		plan->kern_gso = true;
		/* DPDK's TSO request covers IPv6 (RTE_MBUF_F_TX_IPV6). */
		plan->kern_tso6 = true;
	}
	/*
	 * UDP GSO (the kernel's USO, UDP_SEGMENT): the kernel only hands us
	 * such frames when the TAP offers tx-udp-segmentation, which tun
	 * ties to TSO (TUN_F_USO4/6 need TUN_F_CSUM).  Only a NIC that
	 * segments UDP itself (RTE_ETH_TX_OFFLOAD_UDP_TSO) may take them.
	 * rte_gso cannot stand in: its "UDP" GSO makes IPv4 fragments of
	 * one datagram, while a USO frame is N datagrams (udp_gso_segment()
	 * in the kernel); a receiver would get one 64 KB datagram instead of
	 * N.  Without NIC USO the kernel segments before the TAP (sync.c
	 * turns tx-udp-segmentation off there).
	 */
	if (plan->kern_csum && (krx & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
	    (ntx & RTE_ETH_TX_OFFLOAD_UDP_TSO) &&
	    (ntx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) &&
	    (ntx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) {
		plan->nic_uso = true;
		plan->nic_tx_ofl |= RTE_ETH_TX_OFFLOAD_UDP_TSO;
	}
	plan->kern_rx_ofl |= krx & RTE_ETH_RX_OFFLOAD_SCATTER;

	/* NIC -> kernel */
	plan->nic_rx_ofl = nrx & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
				  RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
				  RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
				  RTE_ETH_RX_OFFLOAD_SCATTER);
	plan->kern_tx_ofl = ktx & (RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				   RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				   RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				   RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	if ((nrx & RTE_ETH_RX_OFFLOAD_TCP_LRO) &&
	    (ktx & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (ktx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) {
		plan->nic_lro = true;
		plan->nic_rx_ofl |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
		plan->kern_tx_ofl |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		/* A NIC "LRO" frame may be UDP GSO (net_rtap on a packet
		 * socket passes the peer's UDP_SEGMENT skbs through). */
		plan->kern_tx_ofl |= ktx & RTE_ETH_TX_OFFLOAD_UDP_TSO;
	}
	if (nb_queues > 1 && (nrx & RTE_ETH_RX_OFFLOAD_RSS_HASH)) {
		plan->rss = true;
		plan->nic_rx_ofl |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	}
}

void
l2fk_ofl_str(uint64_t ofl, bool tx, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int bit;
	const char *name;

	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(ofl & (UINT64_C(1) << bit)))
			continue;
		name = tx ? rte_eth_dev_tx_offload_name(UINT64_C(1) << bit) :
			rte_eth_dev_rx_offload_name(UINT64_C(1) << bit);
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				off ? "," : "", name);
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

/* Interface name for the kernel side: --kernel-name, else the NIC's own
 * kernel name (af_packet/af_xdp/rtap redirect) with a 'k' suffix, else the
 * ethdev name without its "net_" prefix. */
static void
kern_name(struct l2fk_pair *p)
{
	char nicif[IF_NAMESIZE], buf[IF_NAMESIZE];
	const char *s;
	size_t i, o = 0;

	if (p->idx < l2fk.cfg.nb_kernel_names) {
		strlcpy(p->kern_ifname, l2fk.cfg.kernel_names[p->idx],
			sizeof(p->kern_ifname));
		return;
	}
	if (p->nic_ifindex > 0 && if_indextoname(p->nic_ifindex, nicif)) {
		snprintf(buf, sizeof(buf), "%.13sk", nicif);
	} else {
		s = p->nic_name;
		if (strncmp(s, "net_", 4) == 0)
			s += 4;
		for (i = 0; s[i] != '\0' && o < IF_NAMESIZE - 1; i++)
			if ((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
				buf[o++] = s[i];
		buf[o] = '\0';
	}
	strlcpy(p->kern_ifname, buf, sizeof(p->kern_ifname));
}

static int
port_setup(uint16_t port, uint16_t nq, const struct rte_eth_conf *conf,
	   int socket)
{
	uint16_t nb_rxd = L2FK_NB_RXD, nb_txd = L2FK_NB_TXD, q;
	int ret;

	ret = rte_eth_dev_configure(port, nq, nq, conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret < 0)
		return ret;
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL,
					     l2fk.pool);
		if (ret < 0)
			return ret;
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Configure with Rx interrupts if the port takes them, else without. */
static int
port_configure(uint16_t port, uint16_t nq, struct rte_eth_conf *conf,
	       int socket, bool *intr)
{
	int ret;

	*intr = false;
	if (!l2fk.cfg.poll_only) {
		conf->intr_conf.rxq = 1;
		ret = port_setup(port, nq, conf, socket);
		if (ret == 0) {
			*intr = true;
			return 0;
		}
	}
	conf->intr_conf.rxq = 0;
	return port_setup(port, nq, conf, socket);
}

static int
nic_conf(struct l2fk_pair *p, struct rte_eth_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rxmode.offloads = p->plan.nic_rx_ofl;
	c->txmode.offloads = p->plan.nic_tx_ofl;
	c->rxmode.mtu = p->mtu;
	c->intr_conf.lsc = p->nic_lsc;
	if (p->plan.rss) {
		c->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		c->rx_adv_conf.rss_conf.rss_hf =
			p->nic_info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	return 0;
}

/* Configure the NIC port from the plan (LSC and MTU fallbacks). */
static int
nic_configure(struct l2fk_pair *p, bool *intr)
{
	struct rte_eth_conf conf;
	uint16_t nq = p->plan.nb_queues;
	int ret;

	nic_conf(p, &conf);
	ret = port_configure(p->nic_port, nq, &conf, p->socket, intr);
	if (ret < 0 && p->nic_lsc) {
		/* Some drivers announce LSC but refuse it when configured. */
		p->nic_lsc = false;
		conf.intr_conf.lsc = 0;
		ret = port_configure(p->nic_port, nq, &conf, p->socket, intr);
	}
	if (ret == -EINVAL && p->mtu > RTE_ETHER_MTU) {
		/* ethdev validates the MTU against max_rx_pktlen, which some
		 * drivers under-report (net_af_packet: 1518 whatever the
		 * netdev's MTU).  Configure the ethdev at 1500 and keep the
		 * real MTU for the kernel side. */
		L2FK_LOG(WARNING, "%s: ethdev refuses MTU %u (max frame %u): "
			 "configured at %u, kernel side keeps %u", p->nic_name,
			 p->mtu, p->nic_info.max_rx_pktlen, RTE_ETHER_MTU,
			 p->mtu);
		conf.rxmode.mtu = RTE_ETHER_MTU;
		ret = port_configure(p->nic_port, nq, &conf, p->socket, intr);
	}
	if (ret < 0)
		L2FK_LOG(ERR, "%s: configure failed: %s", p->nic_name,
			 rte_strerror(-ret));
	return ret;
}

static int
pair_queues_init(struct l2fk_pair *p)
{
	char name[64];
	uint16_t q;
	int ret;

	for (q = 0; q < p->plan.nb_queues; q++) {
		struct l2fk_qp *qp = &p->qp[q];

		qp->pair = p;
		qp->qid = q;
		snprintf(name, sizeof(name), "l2fk_n%u_%u", p->idx, q);
		ret = l2fk_txq_init(&qp->to_nic, name, p->nic_port, q,
				    p->socket, p->mtu, true, !l2fk.cfg.no_aqm,
				    l2fk.cfg.ecn, l2fk.cfg.round_bytes, l2fk.hz);
		if (ret < 0)
			return ret;
		snprintf(name, sizeof(name), "l2fk_k%u_%u", p->idx, q);
		ret = l2fk_txq_init(&qp->to_kern, name, p->kern_port, q,
				    p->socket, p->mtu, false, !l2fk.cfg.no_aqm,
				    l2fk.cfg.ecn, l2fk.cfg.round_bytes, l2fk.hz);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
pair_create(struct l2fk_pair *p, uint16_t nic_port, uint16_t nb_lcores)
{
	struct rte_eth_conf conf;
	char args[128], mac[RTE_ETHER_ADDR_FMT_SIZE];
	char vdev[RTE_ETH_NAME_MAX_LEN];
	struct rtap_nlmon_link nl;
	bool intr;
	uint16_t nq;
	int ret;

	p->nic_port = nic_port;
	rte_eth_dev_get_name_by_port(nic_port, p->nic_name);
	ret = rte_eth_dev_info_get(nic_port, &p->nic_info);
	if (ret < 0) {
		L2FK_LOG(ERR, "%s: cannot get device info: %s", p->nic_name,
			 rte_strerror(-ret));
		return ret;
	}
	p->socket = rte_eth_dev_socket_id(nic_port);
	if (p->socket < 0)
		p->socket = (int)rte_socket_id();
	p->nic_ifindex = (int)p->nic_info.if_index;
	p->nic_lsc = p->nic_info.dev_flags != NULL &&
		(*p->nic_info.dev_flags & RTE_ETH_DEV_INTR_LSC);
	rte_eth_macaddr_get(nic_port, &p->mac);
	/* The NIC's MTU: ethdev's, or the real one of its kernel netdev. */
	p->mtu = RTE_ETHER_MTU;
	if (p->nic_ifindex > 0 && rtap_nlmon_get_link(p->nic_ifindex, &nl) == 0)
		p->mtu = nl.mtu;
	else
		rte_eth_dev_get_mtu(nic_port, &p->mtu);

	kern_name(p);
	snprintf(vdev, sizeof(vdev), "net_rtap_l2fk%u", p->idx);
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	snprintf(args, sizeof(args), "iface=%s,mac=%s", p->kern_ifname, mac);
	ret = rte_vdev_init(vdev, args);
	if (ret < 0) {
		L2FK_LOG(ERR, "%s: cannot create %s (%s): %s", p->nic_name,
			 vdev, args, rte_strerror(-ret));
		return ret;
	}
	strlcpy(p->kern_vdev, vdev, sizeof(p->kern_vdev));
	ret = rte_eth_dev_get_port_by_name(p->kern_vdev, &p->kern_port);
	if (ret < 0)
		return ret;
	rte_eth_dev_info_get(p->kern_port, &p->kern_info);
	p->kern_ifindex = rte_pmd_rtap_get_ifindex(p->kern_port);
	rte_pmd_rtap_get_ifname(p->kern_port, p->kern_ifname,
				sizeof(p->kern_ifname));

	nq = RTE_MIN(nb_lcores, (uint16_t)L2FK_MAX_QUEUES);
	nq = RTE_MIN(nq, p->nic_info.max_rx_queues);
	nq = RTE_MIN(nq, p->nic_info.max_tx_queues);
	nq = RTE_MIN(nq, p->kern_info.max_rx_queues);
	nq = RTE_MIN(nq, p->kern_info.max_tx_queues);
	if (nq == 0)
		nq = 1;
	l2fk_plan_compute(&p->nic_info, &p->kern_info, nq, false, false,
			  l2fk.cfg.sw_gso, &p->plan);

	ret = nic_configure(p, &intr);
	if (ret < 0)
		return ret;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = p->plan.kern_rx_ofl;
	conf.txmode.offloads = p->plan.kern_tx_ofl;
	conf.rxmode.mtu = p->mtu;
	ret = port_configure(p->kern_port, nq, &conf, p->socket, &intr);
	if (ret < 0) {
		L2FK_LOG(ERR, "%s: configure failed: %s", p->kern_ifname,
			 rte_strerror(-ret));
		return ret;
	}
	return pair_queues_init(p);
}

int
l2fk_pair_start(struct l2fk_pair *p)
{
	int ret;

	ret = rte_eth_dev_start(p->nic_port);
	if (ret < 0) {
		L2FK_LOG(ERR, "%s: start failed: %s", p->nic_name,
			 rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_start(p->kern_port);
	if (ret < 0) {
		L2FK_LOG(ERR, "%s: start failed: %s", p->kern_ifname,
			 rte_strerror(-ret));
		return ret;
	}
	return 0;
}

/* The NIC's offloads changed (ethtool -K on the TAP): workers are paused
 * by the caller.  Stop, reconfigure with the new plan, start. */
int
l2fk_pair_reconfigure(struct l2fk_pair *p)
{
	uint16_t q;
	bool intr;
	int ret;

	ret = rte_eth_dev_stop(p->nic_port);
	if (ret < 0)
		L2FK_LOG(WARNING, "%s: stop: %s", p->nic_name,
			 rte_strerror(-ret));
	for (q = 0; q < p->plan.nb_queues; q++)
		l2fk_txq_purge(&p->qp[q].to_nic);
	ret = nic_configure(p, &intr);
	if (ret == 0)
		ret = rte_eth_dev_start(p->nic_port);
	if (ret < 0)
		L2FK_LOG(ERR, "%s: reconfigure failed: %s", p->nic_name,
			 rte_strerror(-ret));
	p->reconfigs++;
	return ret;
}

void
l2fk_pair_summary(const struct l2fk_pair *p)
{
	char b[512], mac[RTE_ETHER_ADDR_FMT_SIZE];
	const struct l2fk_plan *pl = &p->plan;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	printf("pair %u: NIC port %u (%s, driver %s%s%s) <-> kernel port %u "
	       "(%s, ifindex %d)\n", p->idx, p->nic_port, p->nic_name,
	       p->nic_info.driver_name, p->nic_ifindex ? ", netdev " : "",
	       p->nic_ifindex ? "yes" : "", p->kern_port, p->kern_ifname,
	       p->kern_ifindex);
	printf("  queues %u (lcores follow), MTU %u, MAC %s, link events %s\n",
	       pl->nb_queues, p->mtu, mac,
	       p->nic_lsc ? "LSC interrupt" : "polled");
	l2fk_ofl_str(p->nic_info.tx_offload_capa, true, b, sizeof(b));
	printf("  NIC Tx capa:     %s\n", b);
	l2fk_ofl_str(p->nic_info.rx_offload_capa, false, b, sizeof(b));
	printf("  NIC Rx capa:     %s\n", b);
	l2fk_ofl_str(pl->nic_tx_ofl, true, b, sizeof(b));
	printf("  NIC Tx enabled:  %s\n", b);
	l2fk_ofl_str(pl->nic_rx_ofl, false, b, sizeof(b));
	printf("  NIC Rx enabled:  %s\n", b);
	l2fk_ofl_str(pl->kern_rx_ofl, false, b, sizeof(b));
	printf("  kernel may send: %s  => GSO frames %s, CHECKSUM_PARTIAL %s\n",
	       b, pl->sw_gso ? "yes (software GSO here)" : pl->kern_gso ?
	       "yes (NIC TSO)" : "no (NIC lacks TSO: kernel segments)",
	       pl->sw_gso ? "yes (software csum here)" : pl->kern_csum ?
	       "yes (NIC csum)" : "no (kernel checksums)");
	printf("  GSO types:       TCP/IPv6 %s, UDP (USO) %s\n",
	       pl->kern_tso6 ? "NIC TSO" : pl->kern_gso ?
	       "kernel segments (rte_gso: TCP/IPv4 only)" : "kernel segments",
	       pl->nic_uso ? "NIC USO" : "kernel segments");
	l2fk_ofl_str(pl->kern_tx_ofl, true, b, sizeof(b));
	printf("  to kernel:       %s%s\n", b,
	       pl->nic_lro ? " (NIC LRO frames passed as GSO)" : "");
	printf("  queueing: kernel->NIC FQ-CoDel %s + BQL; NIC->kernel "
	       "FQ-CoDel %s; ECN %s; idle: %s\n",
	       l2fk.cfg.no_aqm ? "OFF" : "5ms/100ms",
	       l2fk.cfg.no_aqm ? "OFF" : "5ms/100ms",
	       l2fk.cfg.ecn ? "mark" : "drop",
	       l2fk.cfg.poll_only ? "poll (forced)" : "sleep on Rx interrupts");
	fflush(stdout);
}

int
l2fk_ports_create(void)
{
	uint16_t nics[L2FK_MAX_PAIRS], port, nb = 0, nb_lcores;
	unsigned int i, mbufs;
	int ret;

	RTE_ETH_FOREACH_DEV(port) {
		if (nb == L2FK_MAX_PAIRS) {
			L2FK_LOG(ERR, "more than %d NIC ports", L2FK_MAX_PAIRS);
			return -E2BIG;
		}
		nics[nb++] = port;
	}
	if (nb == 0) {
		L2FK_LOG(ERR, "no NIC port: name one with the EAL allow-list "
			 "(-a) or --vdev (e.g. --vdev net_af_packet0,iface=eth0)");
		return -ENODEV;
	}
	if (l2fk.cfg.nb_kernel_names > nb) {
		L2FK_LOG(ERR, "%u --kernel-name given for %u NIC port(s)",
			 l2fk.cfg.nb_kernel_names, nb);
		return -EINVAL;
	}
	nb_lcores = (uint16_t)rte_lcore_count();
	mbufs = L2FK_MBUFS_PER_QP * RTE_MIN(nb_lcores, L2FK_MAX_QUEUES) * nb +
		8192;
	l2fk.pool = rte_pktmbuf_pool_create("l2fk_pool", mbufs,
					    L2FK_MBUF_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	if (l2fk.pool == NULL) {
		L2FK_LOG(ERR, "cannot create mbuf pool of %u: %s", mbufs,
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (i = 0; i < nb; i++) {
		l2fk.pairs[i].idx = i;
		l2fk.nb_pairs = i + 1;
		ret = pair_create(&l2fk.pairs[i], nics[i], nb_lcores);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
l2fk_ports_close(void)
{
	unsigned int i;
	uint16_t q;

	for (i = 0; i < l2fk.nb_pairs; i++) {
		struct l2fk_pair *p = &l2fk.pairs[i];

		rte_eth_dev_stop(p->nic_port);
		if (p->kern_vdev[0] != '\0')
			rte_eth_dev_stop(p->kern_port);
		for (q = 0; q < p->plan.nb_queues; q++) {
			l2fk_txq_free(&p->qp[q].to_nic);
			l2fk_txq_free(&p->qp[q].to_kern);
		}
		rte_eth_dev_close(p->nic_port);
		if (p->kern_vdev[0] != '\0') {
			rte_eth_dev_close(p->kern_port);
			rte_vdev_uninit(p->kern_vdev);
		}
	}
}
