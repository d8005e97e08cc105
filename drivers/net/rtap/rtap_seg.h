/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software segmentation of a kernel GSO frame received by a queue without
 * RTE_ETH_RX_OFFLOAD_TCP_LRO (rtap_seg.c).
 */
#ifndef RTAP_SEG_H
#define RTAP_SEG_H

#include <stdint.h>
#include <linux/virtio_net.h>

#include <rte_mbuf.h>

/* Most segments one frame may become: the kernel's UDP_MAX_SEGMENTS, and
 * 64 KB of TCP down to a 512-byte MSS. */
#define RTAP_SEG_MAX	128

/* Longest Ethernet + IP + L4 header block a segment repeats. */
#define RTAP_SEG_HDR_MAX	(14 + 2 * 4 + 60 + 60)

#define RTAP_SEG_EINVAL	(-1)	/* headers do not match the GSO header */
#define RTAP_SEG_E2BIG	(-2)	/* more than max_out segments */
#define RTAP_SEG_ENOMEM	(-3)	/* no mbufs; nothing is left allocated */

/*
 * Split frame[0, len), Ethernet header first, whose virtio-net header hdr
 * has a GSO type, into frames of at most gso_size L4 payload bytes, as the
 * kernel's tcp_gso_segment() / __udp_gso_segment() would: IPv4 total
 * length, ID (+1 per segment) and header checksum, IPv6 payload length,
 * TCP sequence number (FIN/PSH on the last segment only, CWR on the first
 * only), UDP length.  Each segment is written into mbufs from mp (a chain
 * when longer than seg_room) and gets in out_hdr[i] a NEEDS_CSUM header
 * with its pseudo-header sum in the L4 checksum field: the payload is
 * intact, only the checksum is left to finish, exactly like the frames
 * the kernel sends unsegmented.  Returns the number of segments, or
 * RTAP_SEG_E*; the input is never modified.
 */
int rtap_seg_split(const struct virtio_net_hdr *hdr, const uint8_t *frame,
		   uint32_t len, struct rte_mempool *mp, uint16_t seg_room,
		   struct rte_mbuf **out, struct virtio_net_hdr *out_hdr,
		   uint16_t max_out);

#endif /* RTAP_SEG_H */
