/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink control path (libmnl): link flags, MTU, MAC, operstate and
 * carrier, IFLA_STATS64, and the RTM_NEWLINK/DELLINK monitor behind LSC.
 * Requests go through a per-port socket opened at probe (struct rtap_nl),
 * so a port keeps talking to the network namespace it was created in even
 * when the calling thread has moved to another one; a spinlock makes it
 * safe from the app and the interrupt thread.
 */

#ifndef RTAP_NETLINK_H
#define RTAP_NETLINK_H

#include <stdint.h>
#include <net/if.h>
#include <linux/if_link.h>

#include <rte_ether.h>

#include <rte_spinlock.h>

struct mnl_socket;

struct rtap_nl {
	struct mnl_socket *sock;
	rte_spinlock_t lock;
	unsigned int seq;
};

int rtap_nl_open(struct rtap_nl *nl);
void rtap_nl_close(struct rtap_nl *nl);

struct rtap_nl_link {
	int ifindex;
	uint16_t type;		/* RTM_NEWLINK or RTM_DELLINK */
	unsigned int flags;	/* IFF_* */
	uint32_t mtu;
	uint8_t operstate;	/* IF_OPER_* (RFC 2863) */
	uint8_t carrier;
	uint8_t has_carrier;
	uint8_t has_mac;
	uint8_t has_stats;
	struct rte_ether_addr mac;
	struct rtnl_link_stats64 stats;
	char ifname[IFNAMSIZ];
};

int rtap_nl_get_link(struct rtap_nl *nl, int ifindex, struct rtap_nl_link *l);
/* Change the IFF_* bits in mask to the values in flags. */
int rtap_nl_set_flags(struct rtap_nl *nl, int ifindex, unsigned int flags, unsigned int mask);
int rtap_nl_set_mtu(struct rtap_nl *nl, int ifindex, uint32_t mtu);
int rtap_nl_set_mac(struct rtap_nl *nl, int ifindex, const struct rte_ether_addr *mac);

/* Link up as DPDK means it: administratively up and lower layer up. */
int rtap_nl_link_is_up(const struct rtap_nl_link *l);

/* Non-blocking socket subscribed to RTMGRP_LINK. */
struct mnl_socket *rtap_nl_monitor_open(void);
int rtap_nl_monitor_fd(struct mnl_socket *s);
void rtap_nl_monitor_close(struct mnl_socket *s);
/*
 * Drain the monitor socket; cb runs for every link message.  Returns the
 * number of messages seen, or -errno (-ENOBUFS: events were lost, the
 * caller should re-read the state).
 */
typedef void (*rtap_nl_link_cb)(const struct rtap_nl_link *l, void *arg);
int rtap_nl_monitor_read(struct mnl_socket *s, rtap_nl_link_cb cb, void *arg);

#endif /* RTAP_NETLINK_H */
