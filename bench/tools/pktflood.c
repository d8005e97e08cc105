/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktflood: flood an interface with small UDP/IPv4 frames from a raw
 * AF_PACKET socket, in sendmmsg() batches, for a fixed time.
 *
 * The kernel-side sender for the rxonly (kernel -> DPDK) benchmark: sent
 * on a TAP, the frames go to whoever reads the TAP; sent on a veth end,
 * they arrive on its peer.  It prints one result line that bench/ parses:
 *
 *   pktflood: sent=N errors=E secs=S pps=P
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PF_MAX_BATCH 1024
#define PF_MIN_FRAME 42		/* Ethernet + IPv4 + UDP headers, no payload */
#define PF_MAX_FRAME 9014

static volatile sig_atomic_t pf_stop;

static void
pf_on_signal(int sig)
{
	(void)sig;
	pf_stop = 1;
}

static void
pf_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -i IFACE [-t SECS] [-s FRAME_BYTES] [-b BATCH] [-B]\n"
		"  -i IFACE   interface to send on (required)\n"
		"  -t SECS    duration, 1..3600 (default 10)\n"
		"  -s BYTES   frame size without FCS, %d..%d (default 60 = 64 on the wire)\n"
		"  -b BATCH   frames per sendmmsg(), 1..%d (default 64)\n"
		"  -B         PACKET_QDISC_BYPASS (skip the qdisc layer)\n",
		prog, PF_MIN_FRAME, PF_MAX_FRAME, PF_MAX_BATCH);
}

static int
pf_parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* RFC 1071 Internet checksum over a buffer, folded to 16 bits. */
static uint16_t
pf_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Ethernet broadcast / IPv4 198.18.0.1 -> 198.18.0.2 / UDP 9 (discard),
 * checksums complete so any receiver may validate them.
 */
static void
pf_build_frame(uint8_t *f, size_t len, const uint8_t *src_mac)
{
	struct ether_header *eh = (struct ether_header *)f;
	struct iphdr *ip = (struct iphdr *)(eh + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l3len = len - sizeof(*eh);
	size_t l4len = l3len - sizeof(*ip);
	uint8_t pseudo[12];
	uint32_t sum = 0;
	size_t i;

	memset(f, 0, len);
	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, src_mac, ETH_ALEN);
	eh->ether_type = htons(ETHERTYPE_IP);

	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)l3len);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(0xc6120001);	/* 198.18.0.1 */
	ip->daddr = htonl(0xc6120002);	/* 198.18.0.2 */
	ip->check = htons(pf_csum(ip, sizeof(*ip), 0));

	udp->source = htons(9);
	udp->dest = htons(9);
	udp->len = htons((uint16_t)l4len);
	for (i = 0; i < l4len - sizeof(*udp); i++)
		((uint8_t *)(udp + 1))[i] = (uint8_t)i;

	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(l4len >> 8);
	pseudo[11] = (uint8_t)l4len;
	/* Sum the pseudo header (not complemented) then the datagram. */
	for (i = 0; i < sizeof(pseudo); i += 2)
		sum += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	udp->check = htons(pf_csum(udp, l4len, sum));
	if (udp->check == 0)
		udp->check = 0xffff;	/* RFC 768: 0 means "no checksum" */
}

static double
pf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static struct mmsghdr msgs[PF_MAX_BATCH];
	static uint8_t frame[PF_MAX_FRAME];
	const char *ifname = NULL;
	long secs = 10, size = 60, batch = 64;
	int bypass = 0, opt, fd, one = 1, sndbuf = 4 << 20;
	unsigned long long sent = 0, errors = 0;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct iovec iov;
	double t0, t1, deadline;
	long i;

	while ((opt = getopt(argc, argv, "i:t:s:b:Bh")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 't':
			if (pf_parse_num(optarg, 1, 3600, &secs) < 0) {
				fprintf(stderr, "pktflood: bad -t '%s' (1..3600)\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (pf_parse_num(optarg, PF_MIN_FRAME, PF_MAX_FRAME, &size) < 0) {
				fprintf(stderr, "pktflood: bad -s '%s' (%d..%d)\n",
					optarg, PF_MIN_FRAME, PF_MAX_FRAME);
				return 2;
			}
			break;
		case 'b':
			if (pf_parse_num(optarg, 1, PF_MAX_BATCH, &batch) < 0) {
				fprintf(stderr, "pktflood: bad -b '%s' (1..%d)\n",
					optarg, PF_MAX_BATCH);
				return 2;
			}
			break;
		case 'B':
			bypass = 1;
			break;
		default:
			pf_usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (ifname == NULL || optind != argc) {
		pf_usage(argv[0]);
		return 2;
	}
	if (strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "pktflood: interface name too long: %s\n", ifname);
		return 2;
	}

	/* Protocol 0: this socket only sends, it never queues received frames. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "pktflood: socket(AF_PACKET): %s (needs CAP_NET_RAW)\n",
			strerror(errno));
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "pktflood: no interface %s: %s\n", ifname, strerror(errno));
		close(fd);
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "pktflood: SIOCGIFHWADDR %s: %s\n", ifname, strerror(errno));
		close(fd);
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "pktflood: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		fprintf(stderr, "pktflood: SO_SNDBUF: %s (continuing)\n", strerror(errno));
	if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			sizeof(one)) < 0) {
		fprintf(stderr, "pktflood: PACKET_QDISC_BYPASS: %s\n", strerror(errno));
		close(fd);
		return 1;
	}

	pf_build_frame(frame, (size_t)size, (const uint8_t *)ifr.ifr_hwaddr.sa_data);
	iov.iov_base = frame;
	iov.iov_len = (size_t)size;
	for (i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	signal(SIGINT, pf_on_signal);
	signal(SIGTERM, pf_on_signal);
	t0 = pf_now();
	deadline = t0 + secs;
	while (!pf_stop) {
		int n = sendmmsg(fd, msgs, (unsigned int)batch, 0);
		int err = errno;

		if (n > 0) {
			sent += (unsigned long long)n;
		} else if (n < 0 && (err == ENOBUFS || err == EAGAIN)) {
			/* The device queue is full: count it and keep pushing. */
			errors++;
		} else if (n < 0 && err != EINTR) {
			fprintf(stderr, "pktflood: sendmmsg on %s: %s\n", ifname,
				strerror(err));
			errors++;
			break;
		}
		/* Check the clock once per batch: cheap next to the syscall. */
		if (pf_now() >= deadline)
			break;
	}
	t1 = pf_now();
	close(fd);
	printf("pktflood: iface=%s size=%ld batch=%ld sent=%llu errors=%llu secs=%.3f pps=%.0f\n",
		ifname, size, batch, sent, errors, t1 - t0,
		t1 > t0 ? sent / (t1 - t0) : 0.0);
	return sent > 0 ? 0 : 1;
}
