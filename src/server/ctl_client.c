/* The generator's side of the server control connection (include/xdperf/server.h): connect
 * and hello, reset, stats, and the report after waiting for the last frames to arrive. Every
 * wait is bounded and looks at the caller's stop request (in slices of SLICE_MS). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "server/stats_json.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/opts.h"
#include "xdperf/server.h"

#define SLICE_MS 50      /* longest wait between looks at the stop request */
#define STOP_GRACE_MS 400 /* once stopped: the most any wait goes on (a wait cut by the stop
			   * and the report call after it: 0.8 s in all, within the second a
			   * stop may take) */

struct xdperf_server_ctl {
	int fd;
	int timeout_ms;
	const volatile sig_atomic_t *stop;
	double stop_seen;  /* when the stop request was first seen (ms), 0 = not yet */
	unsigned stale;    /* answers still to come to calls that gave up waiting: skipped */
	char addr[300];
	char mode[16];
	uint16_t port;
	bool stamp;
	char *buf;
	size_t used, cap;
};

static double now_ms(void)
{
	return xdperf_mono() * 1e3;
}

/* The deadline of a call or wait that started at `started` (ms), cut once the stop request is
 * seen: at most STOP_GRACE_MS after the later of the stop and its start. So a wait ends soon
 * after a stop, and the call that follows it still gets its grace. */
static double cut(struct xdperf_server_ctl *c, double deadline, double started)
{
	if (!c->stop || !*c->stop)
		return deadline;
	if (!c->stop_seen)
		c->stop_seen = now_ms();
	double from = c->stop_seen > started ? c->stop_seen : started;
	return deadline < from + STOP_GRACE_MS ? deadline : from + STOP_GRACE_MS;
}

/* Sends {"cmd":cmd} and reads one answer line, waiting at most until `limit` (ms; INFINITY:
 * the timeout); *ans is the parsed object with "ok": true. */
static int call(struct xdperf_server_ctl *c, const char *cmd, json_t **ans, double limit,
		char *err, size_t errlen)
{
	double started = now_ms();
	char req[64];
	int n = snprintf(req, sizeof req, "{\"cmd\":\"%s\"}\n", cmd);
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		xdperf_errf(err, errlen, "server %s: sending '%s': %s", c->addr, cmd,
			    strerror(errno));
		return -EIO;
	}
	double deadline = started + c->timeout_ms;
	if (deadline > limit)
		deadline = limit;
	for (;;) {
		char *nl = c->used ? memchr(c->buf, '\n', c->used) : NULL;
		if (nl) {
			*nl = '\0';
			json_error_t je;
			json_t *o = json_loads(c->buf, 0, &je);
			size_t rest = c->used - (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, rest);
			c->used = rest;
			if (c->stale) { /* the late answer to an earlier call */
				c->stale--;
				json_decref(o);
				continue;
			}
			if (!json_is_object(o)) {
				json_decref(o);
				xdperf_errf(err, errlen, "server %s: answer to '%s' is not JSON", c->addr, cmd);
				return -EPROTO;
			}
			if (!json_is_true(json_object_get(o, "ok"))) {
				const char *m = json_string_value(json_object_get(o, "error"));
				xdperf_errf(err, errlen, "server %s: '%s' refused: %s", c->addr, cmd,
					    m ? m : "no reason given");
				json_decref(o);
				return -EPROTO;
			}
			*ans = o;
			return 0;
		}
		if (c->used + 65536 > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			if (cap > (256u << 20)) {
				xdperf_errf(err, errlen, "server %s: answer to '%s' too long", c->addr, cmd);
				return -E2BIG;
			}
			char *b = realloc(c->buf, cap + 1);
			if (!b)
				return -ENOMEM;
			c->buf = b;
			c->cap = cap;
		}
		int left = (int)(cut(c, deadline, started) - now_ms());
		struct pollfd p = { c->fd, POLLIN, 0 };
		int pr = left > 0 ? poll(&p, 1, left < SLICE_MS ? left : SLICE_MS) : 0;
		if (pr == 0 && left > SLICE_MS)
			continue;
		if (pr == 0) {
			if (c->stop_seen)
				xdperf_errf(err, errlen, "server %s: no answer to '%s' before stopping",
					    c->addr, cmd);
			else
				xdperf_errf(err, errlen, "server %s: no answer to '%s' within %d ms",
					    c->addr, cmd, c->timeout_ms);
			c->stale++;
			return -ETIMEDOUT;
		}
		if (pr < 0 && errno == EINTR)
			continue;
		ssize_t r = recv(c->fd, c->buf + c->used, c->cap - c->used, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			xdperf_errf(err, errlen, "server %s: connection closed%s%s", c->addr,
				    r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			return -ECONNRESET;
		}
		c->used += (size_t)r;
	}
}

/* Waits for a non-blocking connect on fd: 0, -ETIMEDOUT, -EINTR (stopped) or -errno. */
static int connected(struct xdperf_server_ctl *c, int fd)
{
	double deadline = now_ms() + c->timeout_ms;
	for (;;) {
		if (c->stop && *c->stop)
			return -EINTR;
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pf = { fd, POLLOUT, 0 };
		int pr = poll(&pf, 1, left < SLICE_MS ? left : SLICE_MS);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr > 0)
			break;
	}
	int so = 0;
	socklen_t sl = sizeof so;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl))
		return -errno;
	return so ? -so : 0;
}

/* A port in digits must be 1..65535: getaddrinfo takes "70000" as 70000 mod 65536 = 4464 and
 * would connect there. A service name is left to getaddrinfo. */
static bool port_ok(const char *port)
{
	size_t n = strlen(port);
	if (strspn(port, "0123456789") != n)
		return true;
	unsigned long v = n <= 5 ? strtoul(port, NULL, 10) : 0;
	return v >= 1 && v <= 65535;
}

int xdperf_server_ctl_connect(const char *addr, int timeout_ms, struct xdperf_server_ctl **out,
			      char *err, size_t errlen)
{
	LIBXDPERF_OPTS(xdperf_server_ctl_opts, o, .timeout_ms = timeout_ms);
	return xdperf_server_ctl_open(addr, &o, out, err, errlen);
}

int xdperf_server_ctl_fd(const struct xdperf_server_ctl *c)
{
	return c ? c->fd : -1;
}

int xdperf_server_ctl_open(const char *addr, const struct xdperf_server_ctl_opts *opts,
			   struct xdperf_server_ctl **out, char *err, size_t errlen)
{
	struct xdperf_server_ctl_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	int timeout_ms = o.timeout_ms;
	char host[256];
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	const char *h = addr;
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	if (addr && addr[0] == '[') { /* [v6]:port */
		h = addr + 1;
		hl = hl >= 2 && addr[hl - 1] == ']' ? hl - 2 : sizeof host;
	}
	if (!colon || !colon[1] || hl == 0 || hl >= sizeof host) {
		xdperf_errf(err, errlen, "--server-addr '%s': want HOST:PORT", addr ? addr : "");
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (!port_ok(colon + 1)) {
		xdperf_errf(err, errlen, "--server-addr '%s': port %s is not from 1 to 65535", addr,
			    colon + 1);
		return -EINVAL;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int g = getaddrinfo(host, colon + 1, &hints, &ai);
	if (g) {
		xdperf_errf(err, errlen, "--server-addr %s: %s", addr, gai_strerror(g));
		return -EINVAL;
	}
	struct xdperf_server_ctl *c = calloc(1, sizeof *c);
	if (!c) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	c->stop = o.stop;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->fd = -1;
	int e = -ECONNREFUSED;
	for (struct addrinfo *p = ai; p && c->fd < 0; p = p->ai_next) {
		int fd = socket(p->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, p->ai_addr, p->ai_addrlen) && errno != EINPROGRESS) {
			e = -errno;
			close(fd);
			continue;
		}
		if ((e = connected(c, fd))) {
			close(fd);
			if (e == -EINTR)
				break;
			continue;
		}
		c->fd = fd;
	}
	freeaddrinfo(ai);
	if (c->fd < 0 && e == -EINTR) {
		xdperf_errf(err, errlen, "stopped while connecting to the xdperf server at %s", addr);
		free(c);
		return e;
	}
	if (c->fd < 0) {
		xdperf_errf(err, errlen, "cannot reach the xdperf server at %s: %s (is `xdperf --server "
			    "--control ...` running there?)", addr, strerror(-e));
		free(c);
		return e;
	}
	json_t *hi;
	e = call(c, "hello", &hi, INFINITY, err, errlen);
	if (e) {
		xdperf_server_ctl_close(c);
		return e;
	}
	if (strcmp(json_string_value(json_object_get(hi, "server")) ?: "", "xdperf")) {
		json_decref(hi);
		xdperf_errf(err, errlen, "server %s: not an xdperf server", addr);
		xdperf_server_ctl_close(c);
		return -EPROTO;
	}
	snprintf(c->mode, sizeof c->mode, "%s", json_string_value(json_object_get(hi, "mode")) ?: "");
	c->port = (uint16_t)json_integer_value(json_object_get(hi, "port"));
	c->stamp = json_is_true(json_object_get(hi, "stamp"));
	json_decref(hi);
	*out = c;
	return 0;
}

void xdperf_server_ctl_info(const struct xdperf_server_ctl *c, char *mode, size_t modelen,
			    uint16_t *port, bool *stamp)
{
	if (mode)
		snprintf(mode, modelen, "%s", c->mode);
	if (port)
		*port = c->port;
	if (stamp)
		*stamp = c->stamp;
}

int xdperf_server_ctl_reset(struct xdperf_server_ctl *c, char *err, size_t errlen)
{
	json_t *o;
	int e = call(c, "reset", &o, INFINITY, err, errlen);
	json_decref(e ? NULL : o);
	return e;
}

static int stats(struct xdperf_server_ctl *c, struct xdperf_server_stats *st, double limit,
		 char *err, size_t errlen)
{
	json_t *o;
	int e = call(c, "stats", &o, limit, err, errlen);
	if (e)
		return e;
	srv_stats_parse(o, st);
	json_decref(o);
	return 0;
}

int xdperf_server_ctl_stats(struct xdperf_server_ctl *c, struct xdperf_server_stats *st,
			    char *err, size_t errlen)
{
	return stats(c, st, INFINITY, err, errlen);
}

int xdperf_server_ctl_report(struct xdperf_server_ctl *c, uint64_t expect, int quiet_ms,
			     int max_ms, struct xdperf_server_report **out, char *err,
			     size_t errlen)
{
	double start = now_ms(), since = start;
	uint64_t last = UINT64_MAX;
	for (;;) {
		/* the wait ends at max_ms, or STOP_GRACE_MS after a stop; then the report */
		double end = cut(c, start + max_ms, start);
		struct xdperf_server_stats st;
		int e = stats(c, &st, end, err, errlen);
		if (e == -ETIMEDOUT && (c->stop_seen || now_ms() >= end - 1))
			break; /* the wait is over (or cut by a stop): ask for the report now */
		if (e)
			return e;
		/* distinct frames decide (duplicates arrive on top); any change restarts the quiet
		 * period */
		uint64_t got = c->stamp ? st.distinct + st.ring_full : st.packets;
		uint64_t all = st.packets + st.stamped + st.ring_full;
		double t = now_ms();
		if (all != last) {
			last = all;
			since = t;
		}
		if (got >= expect || t - since >= quiet_ms || t >= end)
			break;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	json_t *o;
	int e = call(c, "report", &o, INFINITY, err, errlen);
	if (e)
		return e;
	char *txt = json_dumps(json_object_get(o, "report"), JSON_COMPACT);
	json_decref(o);
	if (!txt)
		return -ENOMEM;
	e = xdperf_server_report_parse(txt, out, err, errlen);
	free(txt);
	return e;
}

void xdperf_server_ctl_close(struct xdperf_server_ctl *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}
