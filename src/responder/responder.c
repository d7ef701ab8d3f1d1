/* Protocol responder (include/xdperf/serve.h): lifecycle, the worker threads' event loop,
 * routing one message through the registry, rate-limited logging and counters. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "responder/responder.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/opts.h"
#include "xdperf/plugin.h"

#define RS_LOG_PER_SEC 10

void rs_log(struct rs_worker *wk, int level, const char *fmt, ...)
{
	struct xdperf_responder *s = wk->s;
	if (!xdperf_log_limit_pass(&wk->log_limit, RS_LOG_PER_SEC, s->opts.log, s->opts.log_ctx, "serve",
				   wk->log_what))
		return;
	va_list ap;
	va_start(ap, fmt);
	xdperf_vlogf(s->opts.log, s->opts.log_ctx, "serve", level, fmt, ap);
	va_end(ap);
}

int rs_call(struct rs_worker *wk, uint32_t li, const uint8_t key[RS_KEY_LEN], const uint8_t *in, size_t len,
	    struct xdperf_proto_buf *out)
{
	struct rs_listener *l = &wk->s->ls[li];
	return xdperf_registry_route(wk->s->r, l->shared ? NULL : wk->w, l->id, key, RS_KEY_LEN, in, len, out, NULL,
				     wk->err, sizeof wk->err);
}

int xdperf_responder_new(struct xdperf_registry *r, const struct xdperf_responder_opts *opts,
			 struct xdperf_responder **out, char *err, size_t errlen)
{
	struct xdperf_responder_opts o = { .sz = sizeof o };
	xdperf_opts_copy(&o, sizeof o, opts);
	o.sz = sizeof o;
	if (!o.workers)
		o.workers = 1;
	if (!o.max_message)
		o.max_message = 1u << 20;
	if (!o.max_connections)
		o.max_connections = 1024;
	if (!o.batch)
		o.batch = 32;
	if (!o.idle_timeout_ms)
		o.idle_timeout_ms = 300000;
	if (o.workers > 256 || o.batch > 256 || o.max_message > (1u << 30)) {
		xdperf_errf(err, errlen, "serve: workers (%u, at most 256), batch (%u, at most 256) or max "
			    "message (%u, at most 1 GiB) out of range", o.workers, o.batch, o.max_message);
		return -EINVAL;
	}
	struct xdperf_responder *s = calloc(1, sizeof *s);
	if (!s) {
		xdperf_errf(err, errlen, "serve: out of memory");
		return -ENOMEM;
	}
	s->r = r;
	s->opts = o;
	s->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->stopfd < 0) {
		int e = errno;
		free(s);
		xdperf_errf(err, errlen, "serve: eventfd: %s", strerror(e));
		return -e;
	}
	*out = s;
	return 0;
}

int xdperf_responder_listen(struct xdperf_responder *s, const char *url, const char *id,
			    const struct xdperf_listen_opts *opts, char *err, size_t errlen)
{
	struct xdperf_listen_opts lo = { .sz = sizeof lo };
	xdperf_opts_copy(&lo, sizeof lo, opts);
	if (s->started) {
		xdperf_errf(err, errlen, "%s: the responder is already running; add listeners before starting it", url);
		return -EBUSY;
	}
	if (!id || !*id || strlen(id) >= XDPERF_PROTO_ID_MAX) {
		xdperf_errf(err, errlen, "%s: a protocol id (1..%d bytes) is needed", url, XDPERF_PROTO_ID_MAX - 1);
		return -EINVAL;
	}
	struct rs_listener l = { .shared = lo.shared };
	int rc = rs_parse_url(url, &l.tcp, &l.addr, &l.addrlen, err, errlen);
	if (rc)
		return rc;
	snprintf(l.url, sizeof l.url, "%s", url);
	snprintf(l.id, sizeof l.id, "%s", id);
	l.fds = calloc(s->opts.workers, sizeof *l.fds);
	struct rs_listener *ls = realloc(s->ls, (s->nls + 1) * sizeof *ls);
	if (!l.fds || !ls) {
		free(l.fds);
		if (ls)
			s->ls = ls;
		xdperf_errf(err, errlen, "serve: out of memory");
		return -ENOMEM;
	}
	s->ls = ls;
	rc = rs_bind(s, &l, err, errlen);
	if (rc) {
		free(l.fds);
		return rc;
	}
	s->ls[s->nls++] = l;
	return 0;
}

static void worker_free(struct rs_worker *wk)
{
	rs_tcp_close_all(wk);
	rs_udp_free(wk);
	if (wk->w)
		xdperf_worker_free(wk->w);
	wk->w = NULL;
	if (wk->epfd >= 0)
		close(wk->epfd);
	wk->epfd = -1;
	if (wk->spare_fd >= 0)
		close(wk->spare_fd);
	wk->spare_fd = -1;
	free(wk->lev);
	wk->lev = NULL;
}

static void *worker_main(void *arg)
{
	struct rs_worker *wk = arg;
	struct epoll_event evs[64];
	int sweep = rs_tcp_sweep_interval(wk->s); /* ms, or -1: connections never idle out */
	for (;;) {
		int timeout = -1;
		if (sweep >= 0 && wk->conns) { /* until the next sweep is due */
			uint64_t now = xdperf_mono_coarse_ms(), due = wk->idle_swept_ms + (uint64_t)sweep;
			timeout = due > now ? (int)(due - now) : 0;
		}
		int n = epoll_wait(wk->epfd, evs, 64, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rs_log(wk, XDPERF_LOG_ERROR, "worker %u: epoll_wait: %s; worker stops", wk->idx, strerror(errno));
			break;
		}
		bool stop = false;
		for (int i = 0; i < n; i++) {
			struct rs_ev *ev = evs[i].data.ptr;
			switch (ev->kind) {
			case RS_EV_STOP:
				stop = true;
				break;
			case RS_EV_UDP:
				rs_udp_ready(wk, ev->li, ev->fd);
				break;
			case RS_EV_TCP_LISTEN:
				rs_tcp_accept(wk, ev->li, ev->fd);
				break;
			case RS_EV_CONN:
				rs_tcp_event(wk, ev, evs[i].events);
				break;
			}
		}
		if (stop)
			break;
		if (sweep >= 0 && wk->conns) {
			uint64_t now = xdperf_mono_coarse_ms();
			if (now - wk->idle_swept_ms >= (uint64_t)sweep)
				rs_tcp_sweep(wk, now);
		}
	}
	/* The registry handle is freed on this thread, outside any call. */
	xdperf_worker_free(wk->w);
	wk->w = NULL;
	return NULL;
}

static int worker_setup(struct xdperf_responder *s, struct rs_worker *wk, char *err, size_t errlen)
{
	wk->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (wk->epfd < 0) {
		int e = errno;
		xdperf_errf(err, errlen, "serve: epoll_create1: %s", strerror(e));
		return -e;
	}
	wk->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	wk->lev = calloc(s->nls, sizeof *wk->lev);
	wk->cnt = calloc(s->nls, sizeof *wk->cnt);
	if (!wk->lev || !wk->cnt) {
		xdperf_errf(err, errlen, "serve: out of memory");
		return -ENOMEM;
	}
	int rc = xdperf_worker_new(s->r, &wk->w, err, errlen);
	if (rc)
		return rc;
	rc = rs_udp_setup(wk);
	if (rc) {
		xdperf_errf(err, errlen, "serve: out of memory for the datagram buffers");
		return rc;
	}
	wk->stop_ev = (struct rs_ev){ .kind = RS_EV_STOP, .fd = s->stopfd };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &wk->stop_ev };
	if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, s->stopfd, &e))
		goto fail;
	for (uint32_t i = 0; i < s->nls; i++) {
		struct rs_listener *l = &s->ls[i];
		wk->lev[i] = (struct rs_ev){ .kind = l->tcp ? RS_EV_TCP_LISTEN : RS_EV_UDP, .fd = l->fds[wk->idx],
					     .li = i };
		e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &wk->lev[i] };
		if (epoll_ctl(wk->epfd, EPOLL_CTL_ADD, wk->lev[i].fd, &e))
			goto fail;
	}
	return 0;
fail:
	rc = -errno;
	xdperf_errf(err, errlen, "serve: epoll_ctl: %s", strerror(errno));
	return rc;
}

/* Raises the descriptor limit to what max_connections needs (up to the hard limit), or warns. */
static void raise_fd_limit(struct xdperf_responder *s)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)s->opts.max_connections + (rlim_t)s->opts.workers * (s->nls + 4) + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < need) /* the limit in force, raised or not */
		xdperf_logf(s->opts.log, s->opts.log_ctx, "serve", XDPERF_LOG_WARN,
			    "open-file limit %llu is below the %llu descriptors %u connections need; connections over "
			    "it are refused (raise it with ulimit -n)", (unsigned long long)rl.rlim_cur,
			    (unsigned long long)need, s->opts.max_connections);
}

int xdperf_responder_start(struct xdperf_responder *s, char *err, size_t errlen)
{
	if (s->started) {
		xdperf_errf(err, errlen, "serve: the responder is already running");
		return -EBUSY;
	}
	if (!s->nls) {
		xdperf_errf(err, errlen, "serve: no listener (add one with --listen udp://ADDR:PORT or tcp://ADDR:PORT)");
		return -EINVAL;
	}
	raise_fd_limit(s);
	s->ws = calloc(s->opts.workers, sizeof *s->ws);
	if (!s->ws) {
		xdperf_errf(err, errlen, "serve: out of memory");
		return -ENOMEM;
	}
	s->started = true;
	int rc = 0;
	for (uint32_t i = 0; i < s->opts.workers; i++) {
		struct rs_worker *wk = &s->ws[i];
		wk->s = s;
		wk->idx = i;
		snprintf(wk->log_what, sizeof wk->log_what, "lines like the above (worker %u)", i);
		wk->epfd = -1;
		wk->spare_fd = -1;
	}
	for (uint32_t i = 0; i < s->opts.workers && !rc; i++) {
		struct rs_worker *wk = &s->ws[i];
		rc = worker_setup(s, wk, err, errlen);
		if (rc)
			break;
		rc = -pthread_create(&wk->thread, NULL, worker_main, wk);
		if (rc)
			xdperf_errf(err, errlen, "serve: cannot start worker thread %u: %s", i, strerror(-rc));
		else
			wk->started = true;
	}
	if (rc)
		xdperf_responder_stop(s);
	else
		for (uint32_t i = 0; i < s->nls; i++) {
			char idle[48] = "";
			if (s->ls[i].tcp && s->opts.idle_timeout_ms == XDPERF_IDLE_NEVER)
				snprintf(idle, sizeof idle, ", no idle timeout");
			else if (s->ls[i].tcp)
				snprintf(idle, sizeof idle, ", idle timeout %g s", (double)s->opts.idle_timeout_ms / 1000.0);
			xdperf_logf(s->opts.log, s->opts.log_ctx, "serve", XDPERF_LOG_INFO,
				    "listening on %s for protocol %s (%u worker%s%s%s)", s->ls[i].url, s->ls[i].id,
				    s->opts.workers, s->opts.workers == 1 ? "" : "s",
				    s->ls[i].shared ? ", one shared instance" : "", idle);
		}
	return rc;
}

void xdperf_responder_stop(struct xdperf_responder *s)
{
	if (!s || !s->started || atomic_load(&s->stopped))
		return;
	atomic_store(&s->stopped, true);
	uint64_t one = 1;
	if (write(s->stopfd, &one, sizeof one) < 0)
		xdperf_logf(s->opts.log, s->opts.log_ctx, "serve", XDPERF_LOG_ERROR, "stop: eventfd write: %s",
			    strerror(errno));
	for (uint32_t i = 0; i < s->opts.workers; i++) {
		struct rs_worker *wk = &s->ws[i];
		if (wk->started)
			pthread_join(wk->thread, NULL);
		wk->started = false;
		worker_free(wk);
	}
}

void xdperf_responder_free(struct xdperf_responder *s)
{
	if (!s)
		return;
	xdperf_responder_stop(s);
	for (uint32_t i = 0; i < s->nls; i++) {
		for (uint32_t j = 0; j < s->opts.workers; j++)
			if (s->ls[i].fds[j] >= 0)
				close(s->ls[i].fds[j]);
		free(s->ls[i].fds);
	}
	if (s->ws)
		for (uint32_t i = 0; i < s->opts.workers; i++)
			free(s->ws[i].cnt);
	free(s->ws);
	free(s->ls);
	close(s->stopfd);
	free(s);
}

#define LOAD(f) __atomic_load_n(&(f), __ATOMIC_RELAXED)

int xdperf_responder_stats(struct xdperf_responder *s, struct xdperf_listener_stats **out, size_t *n)
{
	struct xdperf_listener_stats *st = calloc(s->nls ? s->nls : 1, sizeof *st);
	if (!st)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nls; i++) {
		struct xdperf_listener_stats *o = &st[i];
		snprintf(o->url, sizeof o->url, "%s", s->ls[i].url);
		snprintf(o->protocol, sizeof o->protocol, "%s", s->ls[i].id);
		o->tcp = s->ls[i].tcp;
		for (uint32_t w = 0; s->ws && w < s->opts.workers; w++) {
			struct rs_counters *c = s->ws[w].cnt ? &s->ws[w].cnt[i] : NULL;
			if (!c)
				continue;
			o->requests += LOAD(c->requests);
			o->replies += LOAD(c->replies);
			o->empty += LOAD(c->empty);
			o->failed += LOAD(c->failed);
			o->send_errors += LOAD(c->send_errors);
			o->rx_bytes += LOAD(c->rx_bytes);
			o->tx_bytes += LOAD(c->tx_bytes);
			o->connections += LOAD(c->connections);
			o->open_connections += LOAD(c->open_connections);
			o->framing_errors += LOAD(c->framing_errors);
			o->refused += LOAD(c->refused);
			o->idle_closed += LOAD(c->idle_closed);
		}
	}
	*out = st;
	*n = s->nls;
	return 0;
}
