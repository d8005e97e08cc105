/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * redirect-tpv3: standalone experiment for issue 3 ("choose the AF_PACKET
 * Rx I/O method by measurement").  One spinning thread receives from a
 * PACKET_VNET_HDR packet socket bound to an interface, the way the
 * backend=packet Rx burst does, with one of two methods:
 *
 *   recvmmsg  batches of 32 recvmmsg(MSG_DONTWAIT) straight into 2 KB
 *             buffers (what rtap_packet.c does: the kernel copies once,
 *             into the mbuf)
 *   tpv3      a TPACKET_V3 block ring (PACKET_RX_RING, mmap); each frame
 *             is copied out of the ring into a 2 KB buffer, as a PMD must
 *             (the ring slot is returned when the whole block is done)
 *   tpv2      a TPACKET_V2 frame ring (fixed 2 KB slots, per-frame status,
 *             what DPDK's net_af_packet uses), same copy out
 *
 * Every frame's virtio-net header is read in both modes.  Prints
 *
 *   redirect-tpv3: mode=M frames=N secs=S pps=P drops=D
 *
 * drops: PACKET_STATISTICS tp_drops (socket buffer or ring full).
 * Usage: redirect-tpv3 -i IFACE -m recvmmsg|tpv3|tpv2 [-t SECS] [-r RINGBYTES]
 * Driven by bench/tools/redirect-tpv3.sh.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define RT_BATCH	32
#define RT_BUF		2048
#define RT_NBUF		1024

static uint8_t rt_pool[RT_NBUF][RT_BUF];
static volatile uint64_t rt_sink;

static double
rt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
rt_socket(const char *ifname, int rcvbuf)
{
	struct sockaddr_ll sll;
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one))) {
		perror("setsockopt");
		exit(1);
	}
	if (rcvbuf > 0) {
		rcvbuf /= 2;	/* the kernel doubles it */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			   sizeof(rcvbuf));
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		exit(1);
	}
	return fd;
}

static uint64_t
rt_run_recvmmsg(int fd, double end)
{
	struct virtio_net_hdr hdr[RT_BATCH];
	struct iovec iov[RT_BATCH][2];
	struct mmsghdr msg[RT_BATCH];
	uint64_t frames = 0;
	unsigned int next = 0;
	int i, n;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < RT_BATCH; i++) {
		iov[i][0].iov_base = &hdr[i];
		iov[i][0].iov_len = sizeof(hdr[i]);
		iov[i][1].iov_len = RT_BUF;
		msg[i].msg_hdr.msg_iov = iov[i];
		msg[i].msg_hdr.msg_iovlen = 2;
	}
	while (rt_now() < end) {
		for (i = 0; i < RT_BATCH; i++)
			iov[i][1].iov_base = rt_pool[(next + i) % RT_NBUF];
		n = recvmmsg(fd, msg, RT_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++)
			rt_sink += hdr[i].flags + msg[i].msg_len;
		next += (unsigned int)n;
		frames += (uint64_t)n;
	}
	return frames;
}

static uint64_t
rt_run_tpv3(int fd, double end, unsigned int ring)
{
	struct tpacket_req3 req;
	unsigned int bsz = 128u << 10, b = 0, nb;
	int v = TPACKET_V3;
	uint64_t frames = 0;
	unsigned int next = 0;
	uint8_t *map;

	nb = ring / bsz;
	if (nb < 2)
		nb = 2;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = bsz;
	req.tp_block_nr = nb;
	req.tp_frame_size = RT_BUF;
	req.tp_frame_nr = bsz / RT_BUF * nb;
	req.tp_retire_blk_tov = 1;	/* ms: a partly filled block goes to
					 * user space after at most 1 ms */
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		perror("TPACKET_V3 ring");
		exit(1);
	}
	map = mmap(NULL, (size_t)bsz * nb, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	while (rt_now() < end) {
		struct tpacket_block_desc *bd =
			(void *)(map + (size_t)b * bsz);
		struct tpacket3_hdr *h;
		uint32_t k, num;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			continue;
		num = bd->hdr.bh1.num_pkts;
		h = (void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (k = 0; k < num; k++) {
			const uint8_t *mac = (uint8_t *)h + h->tp_mac;
			const struct virtio_net_hdr *vh =
				(const void *)(mac - sizeof(*vh));
			uint32_t len = h->tp_snaplen;

			if (len > RT_BUF)
				len = RT_BUF;
			memcpy(rt_pool[next++ % RT_NBUF], mac, len);
			rt_sink += vh->flags;
			h = (void *)((uint8_t *)h + h->tp_next_offset);
		}
		frames += num;
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		b = (b + 1) % nb;
	}
	munmap(map, (size_t)bsz * nb);
	return frames;
}

static uint64_t
rt_run_tpv2(int fd, double end, unsigned int ring)
{
	struct tpacket_req req;
	unsigned int fsz, nf, f = 0;
	int v = TPACKET_V2;
	uint64_t frames = 0;
	unsigned int next = 0;
	uint8_t *map;

	/* 4 KB blocks of one 2 KB + header frame: the slot must fit a
	 * 1514-byte frame, its vnet header and struct tpacket2_hdr. */
	fsz = 4096;
	nf = ring / fsz;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = fsz;
	req.tp_block_nr = nf;
	req.tp_frame_size = fsz;
	req.tp_frame_nr = nf;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		perror("TPACKET_V2 ring");
		exit(1);
	}
	map = mmap(NULL, (size_t)fsz * nf, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	while (rt_now() < end) {
		unsigned int k;

		for (k = 0; k < RT_BATCH; k++) {
			struct tpacket2_hdr *h = (void *)(map + (size_t)f * fsz);
			const uint8_t *mac;
			const struct virtio_net_hdr *vh;
			uint32_t len;

			if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				break;
			mac = (uint8_t *)h + h->tp_mac;
			vh = (const void *)(mac - sizeof(*vh));
			len = h->tp_snaplen > RT_BUF ? RT_BUF : h->tp_snaplen;
			memcpy(rt_pool[next++ % RT_NBUF], mac, len);
			rt_sink += vh->flags;
			__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
					 __ATOMIC_RELEASE);
			f = (f + 1) % nf;
			frames++;
		}
	}
	munmap(map, (size_t)fsz * nf);
	return frames;
}

int
main(int argc, char **argv)
{
	const char *ifname = NULL, *mode = "recvmmsg";
	unsigned int ring = 1u << 20;
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);
	double secs = 5, t0, t1;
	uint64_t frames;
	int c, fd;

	while ((c = getopt(argc, argv, "i:m:t:r:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'm': mode = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'r': ring = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s -i IFACE -m recvmmsg|tpv3|tpv2 [-t SECS] [-r RINGBYTES]\n",
				argv[0]);
			return 2;
		}
	}
	if (ifname == NULL)
		return 2;
	/* recvmmsg: socket buffer = the ring's bytes (same memory budget). */
	fd = rt_socket(ifname, strcmp(mode, "recvmmsg") == 0 ? (int)ring : 0);
	memset(&st, 0, sizeof(st));
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len); /* reset */
	t0 = rt_now();
	if (strcmp(mode, "tpv3") == 0)
		frames = rt_run_tpv3(fd, t0 + secs, ring);
	else if (strcmp(mode, "tpv2") == 0)
		frames = rt_run_tpv2(fd, t0 + secs, ring);
	else
		frames = rt_run_recvmmsg(fd, t0 + secs);
	t1 = rt_now();
	len = sizeof(st);
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len);
	printf("redirect-tpv3: mode=%s frames=%llu secs=%.3f pps=%.0f drops=%u\n",
	       mode, (unsigned long long)frames, t1 - t0, frames / (t1 - t0),
	       st.tp_drops);
	close(fd);
	return 0;
}
