/* SPDX-License-Identifier: BSD-3-Clause */
/* net_rtap extended statistics, summed over the queues. */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>

#include "rtap.h"
#include "rtap_xstats.h"

struct rtap_xstat_def {
	const char *name;
	size_t off;
};

#define RX(n, f) { n, offsetof(struct rtap_rx_xstats, f) }
#define TX(n, f) { n, offsetof(struct rtap_tx_xstats, f) }

static const struct rtap_xstat_def rtap_rx_defs[] = {
	RX("rx_size_64_packets", size[RTAP_SZ_64]),
	RX("rx_size_65_to_127_packets", size[RTAP_SZ_65_127]),
	RX("rx_size_128_to_255_packets", size[RTAP_SZ_128_255]),
	RX("rx_size_256_to_511_packets", size[RTAP_SZ_256_511]),
	RX("rx_size_512_to_1023_packets", size[RTAP_SZ_512_1023]),
	RX("rx_size_1024_to_1518_packets", size[RTAP_SZ_1024_1518]),
	RX("rx_size_1519_to_max_packets", size[RTAP_SZ_1519_MAX]),
	RX("rx_l4_csum_good_packets", csum_good),
	RX("rx_l4_csum_partial_packets", csum_partial),
	RX("rx_l4_csum_none_packets", csum_none),
	RX("rx_lro_packets", lro),
	RX("rx_lro_ecn_packets", lro_ecn),
	RX("rx_gso_split_frames", sw_gso),
	RX("rx_gso_split_segments", sw_gso_segs),
	RX("rx_multiseg_packets", multiseg),
	RX("rx_mbuf_alloc_errors", alloc_fail),
	RX("rx_bad_vnet_hdr_errors", bad_vnet),
	RX("rx_bad_length_errors", bad_len),
	RX("rx_read_errors", read_err),
	RX("rx_read_retries", read_again),
	RX("rx_submit_errors", submit_err),
	RX("rx_no_buffer_events", no_buf),
};

static const struct rtap_xstat_def rtap_tx_defs[] = {
	TX("tx_size_64_packets", size[RTAP_SZ_64]),
	TX("tx_size_65_to_127_packets", size[RTAP_SZ_65_127]),
	TX("tx_size_128_to_255_packets", size[RTAP_SZ_128_255]),
	TX("tx_size_256_to_511_packets", size[RTAP_SZ_256_511]),
	TX("tx_size_512_to_1023_packets", size[RTAP_SZ_512_1023]),
	TX("tx_size_1024_to_1518_packets", size[RTAP_SZ_1024_1518]),
	TX("tx_size_1519_to_max_packets", size[RTAP_SZ_1519_MAX]),
	TX("tx_tso_packets", tso),
	TX("tx_l4_csum_offload_packets", csum_offload),
	TX("tx_multiseg_packets", multiseg),
	TX("tx_bad_offload_errors", bad_offload),
	TX("tx_too_many_segs_errors", too_many_segs),
	TX("tx_short_write_errors", short_write),
	TX("tx_write_errors", write_err),
	TX("tx_submit_errors", submit_err),
	TX("tx_ring_full", ring_full),
	TX("tx_link_down_refused", link_down),
};

#define RTAP_NB_XSTATS (RTE_DIM(rtap_rx_defs) + RTE_DIM(rtap_tx_defs) + 1)

int
rtap_xstats_get_names(struct rte_eth_dev *dev __rte_unused,
		      struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int i, k = 0;

	if (names == NULL || size < RTAP_NB_XSTATS)
		return RTAP_NB_XSTATS;
	for (i = 0; i < RTE_DIM(rtap_rx_defs); i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s",
			 rtap_rx_defs[i].name);
	for (i = 0; i < RTE_DIM(rtap_tx_defs); i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s",
			 rtap_tx_defs[i].name);
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "lsc_events");
	return k;
}

int
rtap_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		unsigned int n)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	unsigned int i, q, k = 0;

	if (xs == NULL || n < RTAP_NB_XSTATS)
		return RTAP_NB_XSTATS;
	for (i = 0; i < RTE_DIM(rtap_rx_defs); i++, k++) {
		xs[k].id = k;
		xs[k].value = 0;
		for (q = 0; q < dev->data->nb_rx_queues; q++) {
			struct rtap_rxq *rq = dev->data->rx_queues[q];

			if (rq != NULL)
				xs[k].value += *(const uint64_t *)
					((const char *)&rq->xs + rtap_rx_defs[i].off);
		}
	}
	for (i = 0; i < RTE_DIM(rtap_tx_defs); i++, k++) {
		xs[k].id = k;
		xs[k].value = 0;
		for (q = 0; q < dev->data->nb_tx_queues; q++) {
			struct rtap_txq *tq = dev->data->tx_queues[q];

			if (tq != NULL)
				xs[k].value += *(const uint64_t *)
					((const char *)&tq->xs + rtap_tx_defs[i].off);
		}
	}
	xs[k].id = k;
	xs[k].value = p->lsc_events;
	k++;
	return k;
}

int
rtap_xstats_reset(struct rte_eth_dev *dev)
{
	struct rtap_priv *p = RTAP_PRIV(dev);
	unsigned int q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct rtap_rxq *rq = dev->data->rx_queues[q];

		if (rq != NULL)
			memset(&rq->xs, 0, sizeof(rq->xs));
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct rtap_txq *tq = dev->data->tx_queues[q];

		if (tq != NULL)
			memset(&tq->xs, 0, sizeof(tq->xs));
	}
	p->lsc_events = 0;
	return 0;
}
