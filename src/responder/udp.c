/* Responder UDP path: a batch of datagrams with recvmmsg (each with its local address from
 * IP_PKTINFO / IPV6_PKTINFO), one routed call per datagram, the answers back with sendmmsg from
 * the address each client sent to. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "responder/responder.h"
#include "xdperf/plugin.h"

#define UDP_MAX_ANSWER 65507 /* largest UDP payload over IPv4 */

int rs_udp_setup(struct rs_worker *wk)
{
	uint32_t b = wk->s->opts.batch;
	wk->rx = calloc(b, sizeof *wk->rx);
	wk->tx = calloc(b, sizeof *wk->tx);
	wk->riov = calloc(b, sizeof *wk->riov);
	wk->tiov = calloc(b, sizeof *wk->tiov);
	wk->peers = calloc(b, sizeof *wk->peers);
	wk->rctl = calloc(b, sizeof *wk->rctl);
	wk->tctl = calloc(b, sizeof *wk->tctl);
	wk->outs = calloc(b, sizeof *wk->outs);
	void *m = mmap(NULL, (size_t)b * RS_UDP_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	wk->rbuf = m == MAP_FAILED ? NULL : m;
	if (!wk->rx || !wk->tx || !wk->riov || !wk->tiov || !wk->peers || !wk->rctl || !wk->tctl || !wk->outs ||
	    !wk->rbuf)
		return -ENOMEM;
	for (uint32_t i = 0; i < b; i++) {
		wk->riov[i] = (struct iovec){ .iov_base = wk->rbuf + (size_t)i * RS_UDP_MAX, .iov_len = RS_UDP_MAX };
	}
	return 0;
}

void rs_udp_free(struct rs_worker *wk)
{
	uint32_t b = wk->s->opts.batch;
	if (wk->outs)
		for (uint32_t i = 0; i < b; i++)
			free(wk->outs[i].data);
	if (wk->rbuf)
		munmap(wk->rbuf, (size_t)b * RS_UDP_MAX);
	wk->rbuf = NULL;
	free(wk->rx);
	free(wk->tx);
	free(wk->riov);
	free(wk->tiov);
	free(wk->peers);
	free(wk->rctl);
	free(wk->tctl);
	free(wk->outs);
	wk->rx = wk->tx = NULL;
	wk->riov = wk->tiov = NULL;
	wk->peers = NULL;
	wk->rctl = wk->tctl = NULL;
	wk->outs = NULL;
}

/* One control message (level, type, data) in ctl; returns the space it takes. */
static size_t put_cmsg(uint8_t ctl[64], int level, int type, const void *data, size_t len)
{
	struct cmsghdr *o = (struct cmsghdr *)ctl;
	o->cmsg_level = level;
	o->cmsg_type = type;
	o->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(o), data, len);
	return CMSG_SPACE(len);
}

/* Local address of a received datagram (from its pktinfo) into *local (port = the listener's);
 * and the control message that makes the answer leave from that address, into ctl. */
static size_t local_of(const struct msghdr *mh, const struct rs_listener *l, struct sockaddr_storage *local,
		       uint8_t ctl[64])
{
	*local = l->addr;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
			struct in_pktinfo reply = { .ipi_spec_dst = pi.ipi_addr };
			return put_cmsg(ctl, IPPROTO_IP, IP_PKTINFO, &reply, sizeof reply);
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
			return put_cmsg(ctl, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
		}
	}
	return 0;
}

/* Sends tx[0..n); waits for room in the socket buffer rather than drop, up to 1 s per batch and
 * not once the responder is stopping (then what is left is dropped and counted, so a stuck
 * socket cannot hold the worker or a stop). */
static void send_all(struct rs_worker *wk, struct rs_counters *c, int fd, uint32_t n, const char *url)
{
	uint32_t done = 0;
	int stalls = 0;
	while (done < n) {
		int k = sendmmsg(fd, wk->tx + done, n - done, MSG_DONTWAIT);
		if (k > 0) {
			for (int i = 0; i < k; i++)
				rs_add(c->tx_bytes, wk->tx[done + i].msg_len);
			rs_add(c->replies, (uint64_t)k);
			done += (uint32_t)k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) && stalls < 10 &&
		    !atomic_load(&wk->s->stopped)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			poll(&p, 1, 100);
			stalls++;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		/* This datagram cannot be sent (e.g. the client's address is unreachable): skip it. */
		rs_log(wk, XDPERF_LOG_WARN, "%s: answer not sent: %s", url, k < 0 ? strerror(errno) : "stalled");
		rs_add(c->send_errors, 1);
		done++;
	}
}

void rs_udp_ready(struct rs_worker *wk, uint32_t li, int fd)
{
	struct xdperf_responder *s = wk->s;
	struct rs_listener *l = &s->ls[li];
	struct rs_counters *c = &wk->cnt[li];
	uint32_t b = s->opts.batch;
	/* A few batches per wake-up, then back to the loop so other sockets get their turn. */
	for (int round = 0; round < 8; round++) {
		if (atomic_load(&s->stopped))
			return; /* what the socket still holds is not taken: the stop comes first */
		for (uint32_t i = 0; i < b; i++) {
			wk->rx[i].msg_hdr = (struct msghdr){ .msg_name = &wk->peers[i], .msg_namelen = sizeof wk->peers[i],
							     .msg_iov = &wk->riov[i], .msg_iovlen = 1,
							     .msg_control = wk->rctl[i], .msg_controllen = sizeof wk->rctl[i] };
		}
		int n = recvmmsg(fd, wk->rx, b, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rs_log(wk, XDPERF_LOG_WARN, "%s: receive: %s", l->url, strerror(errno));
			return;
		}
		uint32_t ntx = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &wk->rx[i].msg_hdr;
			size_t len = wk->rx[i].msg_len;
			rs_add(c->requests, 1);
			rs_add(c->rx_bytes, len);
			struct sockaddr_storage local;
			uint8_t key[RS_KEY_LEN];
			size_t ctllen = local_of(mh, l, &local, wk->tctl[ntx]);
			rs_flow_key(key, IPPROTO_UDP, (struct sockaddr *)&wk->peers[i], (struct sockaddr *)&local);
			struct xdperf_proto_buf *out = &wk->outs[ntx];
			int rc = rs_call(wk, li, key, wk->riov[i].iov_base, len, out);
			if (rc) {
				rs_add(c->failed, 1);
				rs_log(wk, XDPERF_LOG_WARN, "%s: %s", l->url, wk->err);
				continue;
			}
			if (!out->len) {
				rs_add(c->empty, 1);
				continue;
			}
			if (out->len > UDP_MAX_ANSWER) {
				rs_add(c->failed, 1);
				rs_log(wk, XDPERF_LOG_WARN, "%s: %s answered %zu bytes, more than a UDP datagram holds "
				       "(%d); not sent", l->url, l->id, out->len, UDP_MAX_ANSWER);
				continue;
			}
			wk->tiov[ntx] = (struct iovec){ .iov_base = out->data, .iov_len = out->len };
			wk->tx[ntx].msg_hdr = (struct msghdr){ .msg_name = &wk->peers[i], .msg_namelen = mh->msg_namelen,
							       .msg_iov = &wk->tiov[ntx], .msg_iovlen = 1,
							       .msg_control = ctllen ? wk->tctl[ntx] : NULL,
							       .msg_controllen = ctllen };
			ntx++;
		}
		if (ntx)
			send_all(wk, c, fd, ntx, l->url);
		if ((uint32_t)n < b)
			return;
	}
}
