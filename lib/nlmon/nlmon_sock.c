/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Netlink socket plumbing for lib/nlmon: receive with source checks and
 * synchronous request/reply.
 *
 * Every datagram's source address is checked: only the kernel sends with
 * nl_pid 0 (a userspace socket always has a non-zero port id, see
 * netlink_autobind()), so anything else is a forgery or a stray unicast.
 * We never set NETLINK_LISTEN_ALL_NSID, so the kernel only delivers our
 * own namespace's notifications; an nsid control message (cmsg type
 * NETLINK_LISTEN_ALL_NSID) would mean the opposite, and such datagrams are
 * dropped too.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "nlmon_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct mnl_socket *
nlmon_sock_open(int bus)
{
	struct mnl_socket *s;
	int one = 1;

	s = mnl_socket_open2(bus, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s == NULL)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	/* Extended ACKs give better error messages; harmless if refused. */
	(void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Errors for our requests only, never the request echoed back. */
	(void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	return s;
err:
	{
		int e = errno;

		mnl_socket_close(s);
		errno = e;
	}
	return NULL;
}

ssize_t
nlmon_recv(int fd, void *buf, size_t len, int flags)
{
	struct sockaddr_nl sa;
	union {
		char b[CMSG_SPACE(sizeof(int)) * 4];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.b,
		.msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid != 0)
		return -EPERM;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_LISTEN_ALL_NSID)
			return -EPERM;
	return n;
}

/* Wait up to 5 s for a reply: the kernel answers synchronously, so this
 * only guards against a lost reply hanging the caller forever. */
static int
wait_readable(int fd)
{
	struct timeval tv = { .tv_sec = 5 };
	fd_set rfds;
	int r;

	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	do {
		r = select(fd + 1, &rfds, NULL, NULL, &tv);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int
nlmon_talk(struct mnl_socket *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	   void *data)
{
	static unsigned int seq_base;
	unsigned int portid = mnl_socket_get_portid(s);
	unsigned int seq;
	char *buf;
	int fd = mnl_socket_get_fd(s);
	int ret;

	if (seq_base == 0)
		seq_base = (unsigned int)time(NULL);
	seq = __atomic_add_fetch(&seq_base, 1, __ATOMIC_RELAXED);
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;

	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	buf = malloc(NLMON_BUFSZ);
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n = nlmon_recv(fd, buf, NLMON_BUFSZ, MSG_DONTWAIT);

		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			ret = wait_readable(fd);
			if (ret < 0)
				break;
			continue;
		}
		if (n == -EINTR || n == -EPERM)
			continue;	/* forged/foreign: ignore, keep waiting */
		if (n < 0) {
			ret = (int)n;
			break;
		}
		/* mnl_cb_run checks seq and port id and turns NLMSG_ERROR
		 * into errno; returns MNL_CB_STOP on ACK or NLMSG_DONE. */
		errno = 0;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (ret == MNL_CB_ERROR) {
			/* errno: the kernel's NACK, or 0 if our parser
			 * rejected the reply. */
			ret = errno ? -errno : -EBADMSG;
			/* A stale reply to an earlier timed-out request has
			 * another sequence number: skip it. */
			if (ret == -EPROTO)
				continue;
			break;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
	}
	free(buf);
	return ret;
}

int
nlmon_talk_once(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *s = nlmon_sock_open(bus);
	int ret;

	if (s == NULL)
		return -errno;
	ret = nlmon_talk(s, nlh, cb, data);
	mnl_socket_close(s);
	return ret;
}
