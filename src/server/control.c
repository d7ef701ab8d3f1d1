/* The server's control listener (protocol in include/xdperf/server.h): one TCP connection at a
 * time, one JSON object per line each way. A second generator connecting meanwhile is told
 * the server is busy. Lines are at most 4 KiB; a client that sends more is disconnected.
 * Nothing here blocks: answers go out through a bounded queue without waiting (a client that
 * lets OUT_MAX bytes pile up unread is disconnected), a connection that has not sent a whole
 * line within HELLO_S seconds is closed, and the stop request ends the thread at once. */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "responder/responder.h"
#include "server/server_int.h"
#include "server/stats_json.h"
#include "util/clock.h"
#include "util/err.h"

#define LINE_MAX_BYTES 4096
#define OUT_MAX (16u << 20) /* unread answers a client may leave queued */
#define HELLO_S 5.0         /* a new connection's first whole line must come within this */

struct srv_control {
	struct xdperf_server *s;
	int lfd, stopfd, cfd;
	pthread_t th;
	char buf[LINE_MAX_BYTES + 1];
	size_t used;
	char *out;          /* answers not yet sent */
	size_t olen, ocap;
	bool overflow;      /* the client let OUT_MAX bytes pile up unread: dropped */
	bool greeted;       /* it sent a whole line */
	double since;       /* when it connected */
};

/* Queues len bytes for the client (sent as the socket takes them). */
static void queue(struct srv_control *c, const char *p, size_t len)
{
	if (c->overflow)
		return;
	if (c->olen + len > OUT_MAX) {
		c->overflow = true;
		return;
	}
	if (c->olen + len > c->ocap) {
		size_t n = c->ocap ? c->ocap : 4096;
		while (n < c->olen + len)
			n *= 2;
		char *nb = realloc(c->out, n);
		if (!nb) {
			c->overflow = true;
			return;
		}
		c->out = nb;
		c->ocap = n;
	}
	memcpy(c->out + c->olen, p, len);
	c->olen += len;
}

/* Sends what the socket takes now; false when the connection failed. */
static bool flush_out(struct srv_control *c)
{
	size_t off = 0;
	while (off < c->olen) {
		ssize_t w = send(c->cfd, c->out + off, c->olen - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	if (off) /* (c->out is NULL until something is queued) */
		memmove(c->out, c->out + off, c->olen - off);
	c->olen -= off;
	return true;
}

/* One answer line: text + '\n'. */
static void reply(struct srv_control *c, const char *text)
{
	queue(c, text, strlen(text));
	queue(c, "\n", 1);
}

static void reply_json(struct srv_control *c, json_t *o)
{
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	reply(c, t ? t : "{\"ok\":false,\"error\":\"out of memory\"}");
	free(t);
	json_decref(o);
}

static void reply_error(struct srv_control *c, const char *msg)
{
	reply_json(c, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

static void handle(struct srv_control *c, const char *line)
{
	struct xdperf_server *s = c->s;
	json_error_t je;
	json_t *req = json_loads(line, 0, &je);
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		reply_error(c, "want a JSON object with \"cmd\": hello, reset, stats or report");
	} else if (!strcmp(cmd, "hello")) {
		reply_json(c, json_pack("{s:b, s:s, s:s, s:s, s:i, s:b}", "ok", 1, "server", "xdperf",
					     "device", s->ifname, "mode", s->rx->name, "port",
					     (int)s->o.port, "stamp", s->o.stamp));
	} else if (!strcmp(cmd, "reset")) {
		xdperf_server_reset(s);
		reply_json(c, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(cmd, "stats")) {
		struct xdperf_server_stats st;
		json_t *a = NULL;
		if (xdperf_server_stats(s, &st))
			reply_error(c, "cannot read the counters");
		else if (!(a = json_pack("{s:b}", "ok", 1)) || srv_stats_put(a, &st))
			reply_error(c, "out of memory");
		else
			reply_json(c, json_incref(a));
		json_decref(a);
	} else if (!strcmp(cmd, "report")) {
		struct xdperf_server_report *r = NULL;
		char *txt = NULL;
		if (xdperf_server_report(s, &r) || !(txt = xdperf_server_report_json(r))) {
			reply_error(c, "out of memory");
		} else {
			/* {"ok":true,"report":REPORT} without parsing the report again */
			static const char head[] = "{\"ok\":true,\"report\":";
			queue(c, head, sizeof head - 1);
			queue(c, txt, strlen(txt));
			reply(c, "}");
		}
		free(txt);
		xdperf_server_report_free(r);
	} else {
		reply_error(c, "unknown command (hello, reset, stats, report)");
	}
	json_decref(req);
}

static void drop_client(struct srv_control *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	c->used = 0;
	c->olen = 0;
	c->overflow = false;
	c->greeted = false;
}

static void on_readable(struct srv_control *c)
{
	ssize_t n = recv(c->cfd, c->buf + c->used, LINE_MAX_BYTES - c->used, 0);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		drop_client(c);
		return;
	}
	c->used += (size_t)n;
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->used);
		if (!nl || c->overflow)
			break;
		*nl = '\0';
		c->greeted = true;
		handle(c, c->buf);
		size_t rest = c->used - (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, rest);
		c->used = rest;
	}
	if (c->used == LINE_MAX_BYTES) {
		reply_error(c, "line too long");
		(void)flush_out(c);
		drop_client(c);
		return;
	}
	if (c->overflow || !flush_out(c))
		drop_client(c); /* it does not read its answers, or the connection failed */
}

static void *control_main(void *arg)
{
	struct srv_control *c = arg;
	for (;;) {
		struct pollfd p[3] = { { c->stopfd, POLLIN, 0 }, { c->lfd, POLLIN, 0 },
				       { c->cfd, (short)(POLLIN | (c->olen ? POLLOUT : 0)), 0 } };
		int timeout = -1;
		if (c->cfd >= 0 && !c->greeted) {
			double left = c->since + HELLO_S - xdperf_mono();
			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		if (poll(p, c->cfd >= 0 ? 3 : 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		/* the client first: a close seen in the same wake-up frees the slot for a reconnect */
		if (c->cfd >= 0 && (p[2].revents & POLLOUT) && !flush_out(c))
			drop_client(c);
		if (c->cfd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			on_readable(c);
		if (c->cfd >= 0 && !c->greeted && xdperf_mono() - c->since >= HELLO_S)
			drop_client(c); /* connected and said nothing: the slot is not its to hold */
		if (p[1].revents & POLLIN) {
			int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0) {
				if (c->cfd >= 0) {
					static const char busy[] = "{\"ok\":false,\"error\":\"busy: another "
								   "generator is connected\"}\n";
					(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
					close(fd);
				} else {
					c->cfd = fd;
					c->since = xdperf_mono();
				}
			}
		}
	}
	return NULL;
}

int srv_control_start(struct xdperf_server *s, const char *addr, struct srv_control **out,
		      char *err, size_t errlen)
{
	char url[300], name[300];
	struct sockaddr_storage sa;
	socklen_t salen;
	bool tcp;
	snprintf(url, sizeof url, "tcp://%s", addr);
	snprintf(name, sizeof name, "--control %s", addr);
	if (rs_parse_url(url, &tcp, &sa, &salen, err, errlen)) {
		xdperf_errf(err, errlen, "--control '%s': want ADDR:PORT (e.g. 0.0.0.0:7000, [::]:7000)",
			    addr);
		return -EINVAL;
	}
	struct srv_control *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->s = s;
	c->cfd = -1;
	c->stopfd = eventfd(0, EFD_CLOEXEC);
	c->lfd = rs_open_socket(&sa, salen, true, false, name, err, errlen);
	if (c->lfd < 0 || c->stopfd < 0) {
		int e = c->lfd < 0 ? c->lfd : -errno;
		if (c->lfd >= 0)
			close(c->lfd);
		if (c->stopfd >= 0)
			close(c->stopfd);
		free(c);
		return e;
	}
	if (pthread_create(&c->th, NULL, control_main, c)) {
		close(c->lfd);
		close(c->stopfd);
		free(c);
		xdperf_errf(err, errlen, "cannot start the control thread");
		return -EAGAIN;
	}
	*out = c;
	return 0;
}

void srv_control_stop(struct srv_control *c)
{
	if (!c)
		return;
	uint64_t one = 1;
	if (write(c->stopfd, &one, sizeof one) < 0)
		pthread_cancel(c->th);
	pthread_join(c->th, NULL);
	drop_client(c);
	close(c->lfd);
	close(c->stopfd);
	free(c->out);
	free(c);
}
