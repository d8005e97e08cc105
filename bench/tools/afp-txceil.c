/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afp-txceil: the kernel's own ceiling for 64-byte AF_PACKET Tx on an
 * interface, with no DPDK and no per-frame user-space work: the same
 * frame sent over and over, virtio-net header and PACKET_QDISC_BYPASS as
 * net_rtap backend=packet uses them, in one of two ways:
 *
 *   mmsg  sendmmsg() of 32 frames per call (what backend=packet does)
 *   ring  a TPACKET_V2 PACKET_TX_RING, 32 frames per sendto() kick
 *         (what DPDK's net_af_packet does, there without the bypass)
 *
 * It prints what it submitted; count what the peer received
 * (bench/tools/afp-txceil.sh).  If this loop cannot reach a rate, no PMD
 * built on the same socket can.
 *
 *   afp-txceil IFNAME mmsg|ring SECONDS
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* sendmmsg */
#endif
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#define TXC_BATCH	32
#define TXC_LEN		60	/* 64 on the wire with the FCS */

static double
txc_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long
txc_mmsg(int fd, const uint8_t *frame, double end)
{
	static struct virtio_net_hdr vh;
	struct mmsghdr m[TXC_BATCH];
	struct iovec iov[TXC_BATCH][2];
	long n = 0;
	int i, k;

	memset(m, 0, sizeof(m));
	for (i = 0; i < TXC_BATCH; i++) {
		iov[i][0].iov_base = &vh;
		iov[i][0].iov_len = sizeof(vh);
		iov[i][1].iov_base = (void *)(uintptr_t)frame;
		iov[i][1].iov_len = TXC_LEN;
		m[i].msg_hdr.msg_iov = iov[i];
		m[i].msg_hdr.msg_iovlen = 2;
	}
	while (txc_now() < end) {
		k = sendmmsg(fd, m, TXC_BATCH, MSG_DONTWAIT);
		if (k > 0)
			n += k;
	}
	return n;
}

static long
txc_ring(int fd, const uint8_t *frame, double end)
{
	struct tpacket_req req = {
		.tp_block_size = 16384, .tp_block_nr = 64,
		.tp_frame_size = 256, .tp_frame_nr = 64 * 64,
	};
	const size_t off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
	struct virtio_net_hdr vh;
	int v = TPACKET_V2, i, q;
	unsigned int idx = 0;
	uint8_t *ring;
	long n = 0;

	memset(&vh, 0, sizeof(vh));
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) != 0) {
		perror("afp-txceil: PACKET_TX_RING");
		return -1;
	}
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr,
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("afp-txceil: mmap");
		return -1;
	}
	while (txc_now() < end) {
		for (q = 0, i = 0; i < TXC_BATCH; i++) {
			struct tpacket2_hdr *h = (void *)(ring +
				(size_t)idx * req.tp_frame_size);
			uint8_t *d = (uint8_t *)h + off;

			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE)
				break;
			memcpy(d, &vh, sizeof(vh));
			memcpy(d + sizeof(vh), frame, TXC_LEN);
			h->tp_len = TXC_LEN + sizeof(vh);
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
					 __ATOMIC_RELEASE);
			idx = (idx + 1) % req.tp_frame_nr;
			q++;
		}
		if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != ENOBUFS) {
			perror("afp-txceil: sendto");
			return -1;
		}
		n += q;
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct sockaddr_ll sll;
	uint8_t frame[TXC_LEN];
	double secs, t0;
	int fd, one = 1;
	long n;

	if (argc != 4 || (strcmp(argv[2], "mmsg") && strcmp(argv[2], "ring")) ||
	    (secs = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: afp-txceil IFNAME mmsg|ring SECONDS\n");
		return 2;
	}
	/* Broadcast UDP/IPv4 to nowhere: the peer counts and drops it. */
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[6] = 0x02;
	frame[12] = 0x08;
	frame[14] = 0x45;
	frame[17] = TXC_LEN - 14;
	frame[22] = 64;
	frame[23] = 17;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || sll.sll_ifindex == 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) ||
	    bind(fd, (void *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "afp-txceil: socket on %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	t0 = txc_now();
	n = argv[2][0] == 'm' ? txc_mmsg(fd, frame, t0 + secs) :
				txc_ring(fd, frame, t0 + secs);
	if (n < 0)
		return 1;
	printf("afp-txceil: %s submitted=%ld secs=%.3f pps=%.0f\n", argv[2], n,
	       txc_now() - t0, (double)n / (txc_now() - t0));
	return 0;
}
