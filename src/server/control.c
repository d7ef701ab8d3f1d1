/* The server's control listener (protocol in include/xdperf/server.h): one TCP connection at a
 * time, one JSON object per line each way. A second generator connecting meanwhile is told
 * the server is busy. Lines are at most 4 KiB; a client that sends more is disconnected. */
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
#include "util/err.h"

#define LINE_MAX_BYTES 4096

struct srv_control {
	struct xdperf_server *s;
	int lfd, stopfd, cfd;
	pthread_t th;
	char buf[LINE_MAX_BYTES + 1];
	size_t used;
};

/* Sends len bytes whole (the socket blocks up to 5 s per write); false when it cannot. */
static bool send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* One answer line: text + '\n'. */
static void reply(int fd, const char *text)
{
	if (send_all(fd, text, strlen(text)))
		(void)send_all(fd, "\n", 1);
}

static void reply_json(int fd, json_t *o)
{
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	reply(fd, t ? t : "{\"ok\":false,\"error\":\"out of memory\"}");
	free(t);
	json_decref(o);
}

static void reply_error(int fd, const char *msg)
{
	reply_json(fd, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

static void handle(struct srv_control *c, const char *line)
{
	struct xdperf_server *s = c->s;
	json_error_t je;
	json_t *req = json_loads(line, 0, &je);
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		reply_error(c->cfd, "want a JSON object with \"cmd\": hello, reset, stats or report");
	} else if (!strcmp(cmd, "hello")) {
		reply_json(c->cfd, json_pack("{s:b, s:s, s:s, s:s, s:i, s:b}", "ok", 1, "server", "xdperf",
					     "device", s->ifname, "mode", s->rx->name, "port",
					     (int)s->o.port, "stamp", s->o.stamp));
	} else if (!strcmp(cmd, "reset")) {
		xdperf_server_reset(s);
		reply_json(c->cfd, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(cmd, "stats")) {
		struct xdperf_server_stats st;
		json_t *a = NULL;
		if (xdperf_server_stats(s, &st))
			reply_error(c->cfd, "cannot read the counters");
		else if (!(a = json_pack("{s:b}", "ok", 1)) || srv_stats_put(a, &st))
			reply_error(c->cfd, "out of memory");
		else
			reply_json(c->cfd, json_incref(a));
		json_decref(a);
	} else if (!strcmp(cmd, "report")) {
		struct xdperf_server_report *r = NULL;
		char *txt = NULL;
		if (xdperf_server_report(s, &r) || !(txt = xdperf_server_report_json(r))) {
			reply_error(c->cfd, "out of memory");
		} else {
			/* {"ok":true,"report":REPORT} without parsing the report again */
			static const char head[] = "{\"ok\":true,\"report\":";
			if (send_all(c->cfd, head, sizeof head - 1) && send_all(c->cfd, txt, strlen(txt)))
				reply(c->cfd, "}");
		}
		free(txt);
		xdperf_server_report_free(r);
	} else {
		reply_error(c->cfd, "unknown command (hello, reset, stats, report)");
	}
	json_decref(req);
}

static void drop_client(struct srv_control *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	c->used = 0;
}

static void on_readable(struct srv_control *c)
{
	ssize_t n = recv(c->cfd, c->buf + c->used, LINE_MAX_BYTES - c->used, 0);
	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		drop_client(c);
		return;
	}
	c->used += (size_t)n;
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->used);
		if (!nl)
			break;
		*nl = '\0';
		handle(c, c->buf);
		size_t rest = c->used - (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, rest);
		c->used = rest;
	}
	if (c->used == LINE_MAX_BYTES) {
		reply_error(c->cfd, "line too long");
		drop_client(c);
	}
}

static void *control_main(void *arg)
{
	struct srv_control *c = arg;
	for (;;) {
		struct pollfd p[3] = { { c->stopfd, POLLIN, 0 }, { c->lfd, POLLIN, 0 },
				       { c->cfd, POLLIN, 0 } };
		if (poll(p, c->cfd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				struct timeval tv = { 5, 0 };
				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
				if (c->cfd >= 0) {
					reply_error(fd, "busy: another generator is connected");
					close(fd);
				} else {
					c->cfd = fd;
				}
			}
		}
		if (c->cfd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			on_readable(c);
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
	free(c);
}
