/* Responder TCP path: accepting connections (within max_connections), reassembling
 * length-prefixed messages (u32 big endian + bytes) from partial reads, answering each in order
 * with the same framing, output backpressure, and closing a connection on an oversize length, a
 * failed call or idleness with a log line, without touching the others. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "responder/responder.h"
#include "util/bytes.h"
#include "util/clock.h"
#include "xdperf/plugin.h"

#define READ_ROOM 4096 /* free room the receive buffer keeps (it doubles when needed) */
#define READ_BUDGET (256u << 10) /* bytes read per wake-up before other sockets get their turn */
#define BUF_KEEP (256u << 10)    /* larger idle buffers are given back */

struct rs_conn {
	struct rs_ev ev;           /* first: epoll data points here */
	struct rs_conn *prev, *next;
	uint8_t key[RS_KEY_LEN];
	char peer[72];
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, wcap;         /* wbuf[0..wlen) is unsent output */
	uint32_t events;           /* registered epoll events */
	bool eof;                  /* the peer finished sending: close once the answers are out */
	uint64_t active_ms;        /* last byte received or sent (coarse monotonic clock) */
	uint64_t rx_total, tx_total; /* bytes received and sent (stated when it is closed as idle) */
	struct xdperf_proto_buf out;
};

static void conn_close(struct rs_worker *wk, struct rs_conn *cn)
{
	epoll_ctl(wk->epfd, EPOLL_CTL_DEL, cn->ev.fd, NULL);
	close(cn->ev.fd);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		wk->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	rs_add(wk->cnt[cn->ev.li].open_connections, (uint64_t)-1);
	atomic_fetch_sub(&wk->s->open_conns, 1);
	free(cn->rbuf);
	free(cn->wbuf);
	free(cn->out.data);
	free(cn);
}

void rs_tcp_close_all(struct rs_worker *wk)
{
	while (wk->conns)
		conn_close(wk, wk->conns);
}

void rs_tcp_accept(struct rs_worker *wk, uint32_t li, int lfd)
{
	struct xdperf_responder *s = wk->s;
	struct rs_listener *l = &s->ls[li];
	struct rs_counters *c = &wk->cnt[li];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer, local;
		socklen_t plen = sizeof peer, llen = sizeof local;
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && wk->spare_fd >= 0) {
			/* Out of descriptors: the pending connection would keep the listener readable (and
			 * this loop spinning); accept it on the spare descriptor and close it. */
			int e = errno;
			close(wk->spare_fd);
			fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			wk->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			rs_add(c->refused, 1);
			rs_log(wk, XDPERF_LOG_ERROR, "%s: connection refused: %s (raise the limit with ulimit -n, or lower "
			       "--max-connections)", l->url, strerror(e));
			continue;
		}
		if (fd < 0) {
			if (errno == ENOBUFS || errno == ENOMEM)
				rs_log(wk, XDPERF_LOG_ERROR, "%s: accept: %s", l->url, strerror(errno));
			return;
		}
		char pa[72];
		rs_format_addr((struct sockaddr *)&peer, pa, sizeof pa);
		if (atomic_fetch_add(&s->open_conns, 1) >= s->opts.max_connections) {
			atomic_fetch_sub(&s->open_conns, 1);
			rs_add(c->refused, 1);
			rs_log(wk, XDPERF_LOG_WARN, "%s: connection from %s refused: %u connections open (the limit)",
			       l->url, pa, s->opts.max_connections);
			close(fd);
			continue;
		}
		struct rs_conn *cn = calloc(1, sizeof *cn);
		getsockname(fd, (struct sockaddr *)&local, &llen);
		if (!cn) {
			atomic_fetch_sub(&s->open_conns, 1);
			rs_log(wk, XDPERF_LOG_ERROR, "%s: connection from %s closed: out of memory", l->url, pa);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		cn->ev = (struct rs_ev){ .kind = RS_EV_CONN, .fd = fd, .li = li };
		snprintf(cn->peer, sizeof cn->peer, "%s", pa);
		rs_flow_key(cn->key, IPPROTO_TCP, (struct sockaddr *)&peer, (struct sockaddr *)&local);
		cn->events = EPOLLIN | EPOLLRDHUP;
		cn->active_ms = xdperf_mono_coarse_ms();
		struct epoll_event e = { .events = cn->events, .data.ptr = cn };
		if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, fd, &e)) {
			rs_log(wk, XDPERF_LOG_ERROR, "%s: connection from %s closed: epoll: %s", l->url, pa, strerror(errno));
			atomic_fetch_sub(&s->open_conns, 1);
			close(fd);
			free(cn);
			continue;
		}
		cn->next = wk->conns;
		if (wk->conns)
			wk->conns->prev = cn;
		wk->conns = cn;
		rs_add(c->connections, 1);
		rs_add(c->open_connections, 1);
	}
}

static void set_events(struct rs_worker *wk, struct rs_conn *cn, uint32_t events)
{
	if (events == cn->events)
		return;
	struct epoll_event e = { .events = events, .data.ptr = cn };
	if (!epoll_ctl(wk->epfd, EPOLL_CTL_MOD, cn->ev.fd, &e))
		cn->events = events;
}

/* True when rbuf holds a whole message (or a length that closes the connection). */
static bool message_waiting(const struct rs_worker *wk, const struct rs_conn *cn)
{
	if (cn->rlen < 4)
		return false;
	uint32_t mlen = get_be32(cn->rbuf);
	return mlen > wk->s->opts.max_message || cn->rlen - 4 >= mlen;
}

/* Writes what is pending; false when the connection failed (closed by the caller). */
static bool flush(struct rs_worker *wk, struct rs_conn *cn)
{
	size_t off = 0;
	while (off < cn->wlen) {
		ssize_t k = send(cn->ev.fd, cn->wbuf + off, cn->wlen - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			off += (size_t)k;
			cn->tx_total += (uint64_t)k;
			cn->active_ms = xdperf_mono_coarse_ms();
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		rs_log(wk, XDPERF_LOG_INFO, "%s: connection from %s: send: %s; closing it", wk->s->ls[cn->ev.li].url,
		       cn->peer, k < 0 ? strerror(errno) : "no progress");
		rs_add(wk->cnt[cn->ev.li].send_errors, 1);
		return false;
	}
	size_t pending = cn->wlen - off;
	if (off) {
		/* Keep only what is unsent, at the front: the buffer holds at most the pending output
		 * plus one batch of answers. */
		memmove(cn->wbuf, cn->wbuf + off, pending);
		cn->wlen = pending;
	}
	if (!pending && cn->wcap > BUF_KEEP) {
		free(cn->wbuf); /* one large burst does not pin its memory to the connection */
		cn->wbuf = NULL;
		cn->wcap = 0;
	}
	/* Messages held back while output was paused, with nothing left to send and nothing more
	 * to read, would wait for an event that never comes: a writable socket is that event. */
	uint32_t ev = pending || message_waiting(wk, cn) ? EPOLLOUT : 0;
	if (pending < RS_TCP_PAUSE && !cn->eof)
		ev |= EPOLLIN | EPOLLRDHUP; /* backpressure: a client that does not read its answers is not read either */
	set_events(wk, cn, ev);
	return true;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	uint8_t *p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Answers every complete message in rbuf; false when the connection must close. */
static bool process(struct rs_worker *wk, struct rs_conn *cn)
{
	struct rs_listener *l = &wk->s->ls[cn->ev.li];
	struct rs_counters *c = &wk->cnt[cn->ev.li];
	size_t off = 0;
	bool ok = true;
	/* Stops with unsent output over RS_TCP_PAUSE: the rest waits in rbuf until it drains. */
	while (cn->rlen - off >= 4 && cn->wlen < RS_TCP_PAUSE) {
		const uint8_t *h = cn->rbuf + off;
		uint32_t mlen = get_be32(h);
		if (mlen > wk->s->opts.max_message) {
			rs_add(c->framing_errors, 1);
			rs_log(wk, XDPERF_LOG_WARN, "%s: connection from %s sent a message length of %u bytes, over the "
			       "%u-byte limit; closing it", l->url, cn->peer, mlen, wk->s->opts.max_message);
			ok = false;
			break;
		}
		if (cn->rlen - off - 4 < mlen) {
			if (grow(&cn->rbuf, &cn->rcap, off + 4 + (size_t)mlen)) {
				rs_log(wk, XDPERF_LOG_ERROR, "%s: connection from %s: out of memory for a %u-byte "
				       "message; closing it", l->url, cn->peer, mlen);
				ok = false;
			}
			break;
		}
		rs_add(c->requests, 1);
		rs_add(c->rx_bytes, mlen);
		int rc = rs_call(wk, cn->ev.li, cn->key, h + 4, mlen, &cn->out);
		off += 4 + (size_t)mlen;
		if (rc) {
			rs_add(c->failed, 1);
			rs_log(wk, XDPERF_LOG_WARN, "%s: connection from %s closed: %s", l->url, cn->peer, wk->err);
			ok = false;
			break;
		}
		if (cn->out.len > UINT32_MAX || grow(&cn->wbuf, &cn->wcap, cn->wlen + 4 + cn->out.len)) {
			rs_add(c->failed, 1);
			rs_log(wk, XDPERF_LOG_ERROR, "%s: connection from %s closed: no room for a %zu-byte answer",
			       l->url, cn->peer, cn->out.len);
			ok = false;
			break;
		}
		uint32_t ol = (uint32_t)cn->out.len;
		put_be32(cn->wbuf + cn->wlen, ol);
		if (ol)
			memcpy(cn->wbuf + cn->wlen + 4, cn->out.data, ol);
		cn->wlen += 4 + (size_t)ol;
		rs_add(c->replies, 1);
		rs_add(c->tx_bytes, ol);
		if (!ol)
			rs_add(c->empty, 1);
	}
	if (off) {
		memmove(cn->rbuf, cn->rbuf + off, cn->rlen - off);
		cn->rlen -= off;
	}
	if (!cn->rlen && cn->rcap > BUF_KEEP) {
		free(cn->rbuf);
		cn->rbuf = NULL;
		cn->rcap = 0;
	}
	return ok;
}

/* Reads what the socket has (within the budget and while output is not paused), answering as
 * messages complete; false when the connection must close. */
static bool read_some(struct rs_worker *wk, struct rs_conn *cn)
{
	struct rs_listener *l = &wk->s->ls[cn->ev.li];
	size_t got = 0;
	while (got < READ_BUDGET && cn->wlen < RS_TCP_PAUSE) {
		if (grow(&cn->rbuf, &cn->rcap, cn->rlen + READ_ROOM)) {
			rs_log(wk, XDPERF_LOG_ERROR, "%s: connection from %s: out of memory; closing it", l->url, cn->peer);
			return false;
		}
		ssize_t k = recv(cn->ev.fd, cn->rbuf + cn->rlen, cn->rcap - cn->rlen, MSG_DONTWAIT);
		if (k > 0) {
			cn->rlen += (size_t)k;
			got += (size_t)k;
			cn->rx_total += (uint64_t)k;
			cn->active_ms = xdperf_mono_coarse_ms();
			if (!process(wk, cn))
				return false;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (k < 0) {
			rs_log(wk, XDPERF_LOG_INFO, "%s: connection from %s: receive: %s", l->url, cn->peer, strerror(errno));
			return false;
		}
		cn->eof = true; /* the client is done sending: answer what came, then close */
		return true;
	}
	return true;
}

void rs_tcp_event(struct rs_worker *wk, struct rs_ev *ev, uint32_t events)
{
	struct rs_conn *cn = (struct rs_conn *)ev;
	struct rs_listener *l = &wk->s->ls[ev->li];
	if (events & (EPOLLERR | EPOLLHUP)) {
		/* Reset, or closed in both directions: no answer can reach the client any more. */
		conn_close(wk, cn);
		return;
	}
	bool ok = true;
	if ((events & EPOLLOUT) && !flush(wk, cn)) {
		conn_close(wk, cn);
		return;
	}
	/* Messages held back while output was paused go first, then new input. */
	if (cn->rlen && cn->wlen < RS_TCP_PAUSE)
		ok = process(wk, cn);
	if (ok && (events & (EPOLLIN | EPOLLRDHUP)) && !cn->eof)
		ok = read_some(wk, cn);
	if (!ok) {
		/* Closing for an error: the answers to the messages before it still go out first, and
		 * nothing more is read or answered (eof, rbuf emptied). */
		cn->eof = true;
		cn->rlen = 0;
	}
	if (!flush(wk, cn)) {
		conn_close(wk, cn);
		return;
	}
	if (cn->eof && !cn->wlen && !message_waiting(wk, cn)) {
		if (cn->rlen)
			rs_log(wk, XDPERF_LOG_INFO, "%s: connection from %s ended inside a message (%zu bytes of it "
			       "left unanswered)", l->url, cn->peer, cn->rlen);
		conn_close(wk, cn);
	}
}

int rs_tcp_sweep_interval(const struct xdperf_responder *s)
{
	uint32_t t = s->opts.idle_timeout_ms;
	if (t == XDPERF_IDLE_NEVER)
		return -1;
	return t >= 4000 ? 1000 : t >= 4 ? (int)(t / 4) : 1;
}

void rs_tcp_sweep(struct rs_worker *wk, uint64_t now_ms)
{
	uint32_t limit = wk->s->opts.idle_timeout_ms;
	wk->idle_swept_ms = now_ms;
	for (struct rs_conn *cn = wk->conns, *next; cn; cn = next) {
		next = cn->next;
		if (now_ms < cn->active_ms || now_ms - cn->active_ms < limit)
			continue;
		/* A busy worker may not have got to this connection's events yet: input waiting to be
		 * read (when it is being read at all), or room to send, is activity, not idleness. */
		uint8_t b;
		if ((cn->events & EPOLLIN) && recv(cn->ev.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
			cn->active_ms = now_ms;
			continue;
		}
		if (cn->wlen && !flush(wk, cn)) {
			conn_close(wk, cn);
			continue;
		}
		if (now_ms - cn->active_ms < limit)
			continue;
		rs_add(wk->cnt[cn->ev.li].idle_closed, 1);
		/* The byte counts date the last activity for a client that notes when it sent which
		 * byte: it can check the idle time from its side (tests/cases/serve_idle.sh). */
		char unread[64] = "";
		if (cn->wlen)
			snprintf(unread, sizeof unread, ", with %zu bytes of answers it did not read", cn->wlen);
		rs_log(wk, XDPERF_LOG_INFO, "%s: connection from %s closed: idle for %.1f s (the limit, --idle-timeout) "
		       "after %" PRIu64 " bytes received and %" PRIu64 " sent%s", wk->s->ls[cn->ev.li].url, cn->peer,
		       (double)(now_ms - cn->active_ms) / 1000.0, cn->rx_total, cn->tx_total, unread);
		conn_close(wk, cn);
	}
}
