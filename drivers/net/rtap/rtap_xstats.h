/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTAP_XSTATS_H
#define RTAP_XSTATS_H

#include <rte_ethdev.h>

int rtap_xstats_get_names(struct rte_eth_dev *dev,
			  struct rte_eth_xstat_name *names, unsigned int size);
int rtap_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		    unsigned int n);
int rtap_xstats_reset(struct rte_eth_dev *dev);

#endif /* RTAP_XSTATS_H */
