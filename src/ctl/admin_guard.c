/* The admin API's defence against clients that hold connections without finishing a request
 * (slowloris): every connection must have sent its whole request header within
 * ADMIN_HEADER_DEADLINE_S of connecting, whatever it trickles meanwhile, and when the server
 * nears its connection limit the oldest connections still in their headers are closed so that
 * new clients always find room. (libmicrohttpd's own timeout counts idle time only, and its
 * per-address limit is set in admin.c.) Connections are ended with shutdown() on a duplicate
 * of their socket, so a descriptor number libmicrohttpd reuses is never touched. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ctl/admin_int.h"
#include "util/clock.h"

struct admin_conn {
	int fd;               /* our duplicate of the connection's socket */
	double start;         /* when it connected */
	bool headers;         /* its first request's header is complete */
	bool ended;           /* shut down by us */
	struct admin_conn *prev, *next;
};

/* Ends c (locked). */
static void end_conn(struct admin_conn *c)
{
	if (c->ended)
		return;
	c->ended = true;
	shutdown(c->fd, SHUT_RDWR);
}

void admin_guard_notify(void *cls, struct MHD_Connection *conn, void **ctx,
			enum MHD_ConnectionNotificationCode code)
{
	struct xdperf_admin *a = cls;
	struct admin_guard *g = &a->guard;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct admin_conn *c = calloc(1, sizeof *c);
		if (!c || !ci || (c->fd = dup(ci->connect_fd)) < 0) {
			free(c);
			*ctx = NULL;
			return;
		}
		c->start = xdperf_mono();
		pthread_mutex_lock(&g->lock);
		c->next = g->head;
		if (g->head)
			g->head->prev = c;
		g->head = c;
		g->n++;
		/* room for new clients: past the mark, the oldest still in its headers goes */
		if (g->n > ADMIN_MAX_CONNECTIONS - ADMIN_ROOM) {
			struct admin_conn *old = NULL;
			for (struct admin_conn *o = g->head; o; o = o->next)
				if (o != c && !o->headers && !o->ended && (!old || o->start < old->start))
					old = o;
			if (old)
				end_conn(old);
		}
		pthread_mutex_unlock(&g->lock);
		*ctx = c;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct admin_conn *c = *ctx;
		if (!c)
			return;
		pthread_mutex_lock(&g->lock);
		if (c->prev)
			c->prev->next = c->next;
		else
			g->head = c->next;
		if (c->next)
			c->next->prev = c->prev;
		g->n--;
		pthread_mutex_unlock(&g->lock);
		close(c->fd);
		free(c);
		*ctx = NULL;
	}
}

void admin_guard_headers_done(struct xdperf_admin *a, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct admin_conn *c = ci ? ci->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&a->guard.lock);
	c->headers = true;
	pthread_mutex_unlock(&a->guard.lock);
}

static void *sweeper(void *arg)
{
	struct admin_guard *g = arg;
	for (;;) {
		struct pollfd p = { g->stopfd, POLLIN, 0 };
		if (poll(&p, 1, 250) > 0)
			break;
		double now = xdperf_mono();
		pthread_mutex_lock(&g->lock);
		for (struct admin_conn *c = g->head; c; c = c->next)
			if (!c->headers && now - c->start >= ADMIN_HEADER_DEADLINE_S)
				end_conn(c);
		pthread_mutex_unlock(&g->lock);
	}
	return NULL;
}

int admin_guard_start(struct admin_guard *g)
{
	pthread_mutex_init(&g->lock, NULL);
	g->stopfd = eventfd(0, EFD_CLOEXEC);
	if (g->stopfd < 0)
		return -errno;
	if (pthread_create(&g->th, NULL, sweeper, g)) {
		close(g->stopfd);
		g->stopfd = -1;
		return -EAGAIN;
	}
	g->running = true;
	return 0;
}

void admin_guard_stop(struct admin_guard *g)
{
	if (!g->running)
		return;
	uint64_t one = 1;
	if (write(g->stopfd, &one, sizeof one) < 0)
		pthread_cancel(g->th);
	pthread_join(g->th, NULL);
	close(g->stopfd);
	g->running = false;
	pthread_mutex_destroy(&g->lock);
}
