/* Internals of the admin API shared by admin.c (HTTP server: bodies, token, responses) and
 * admin_api.c (the endpoints: paths to registry calls, JSON in and out). */
#ifndef XDPERF_CTL_ADMIN_INT_H
#define XDPERF_CTL_ADMIN_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/log.h"
#include "xdperf/admin.h"

#define ADMIN_MAX_CONNECTIONS 64u  /* connections at once */
#define ADMIN_PER_ADDRESS 16u      /* ... from one client address */
#define ADMIN_ROOM 8u              /* kept free: past 64 - 8, the oldest still in its headers goes */
#define ADMIN_HEADER_DEADLINE_S 10.0 /* a request header must be complete this long after connecting */

/* Connection deadlines and room for new clients (admin_guard.c). */
struct admin_conn;
struct admin_guard {
	pthread_mutex_t lock;
	struct admin_conn *head; /* open connections */
	unsigned n;
	pthread_t th;
	int stopfd;
	bool running;
};

struct xdperf_admin {
	struct xdperf_registry *r;
	struct xdperf_admin_opts opts;
	char *token;
	char listen[80];
	struct MHD_Daemon *d;
	uint16_t port;
	uint8_t *tls_cert, *tls_key;  /* PEM text (NUL-terminated) or NULL: plain HTTP */
	size_t tls_key_len;
	struct xdperf_log_limit log_limit; /* request lines (the server's thread only) */
	struct admin_guard guard;
};

/* admin_guard.c: MHD_OPTION_NOTIFY_CONNECTION callback (cls = the admin), the first call of a
 * request (its header is complete), and the sweeper thread's start and stop (stop after the
 * daemon). */
void admin_guard_notify(void *cls, struct MHD_Connection *conn, void **ctx,
			enum MHD_ConnectionNotificationCode code);
void admin_guard_headers_done(struct xdperf_admin *a, struct MHD_Connection *conn);
int admin_guard_start(struct admin_guard *g);
void admin_guard_stop(struct admin_guard *g);

/* One request as the endpoints see it. */
struct admin_req {
	const char *method;
	const char *path;
	const uint8_t *body;
	size_t len;
	const char *signature; /* X-Xdperf-Signature header or NULL */
};

/* One answer: status, and either JSON (owned, freed by the server) or text. */
struct admin_resp {
	unsigned status;
	json_t *json;
	char *text;            /* malloc'd, for /metrics */
	size_t textlen;
	const char *content_type;
	const char *allow;     /* for 405 */
	char note[512];        /* for the log line: what was changed, or the error */
};

/* Sets an error answer {"error": msg, "status": status}. */
void admin_error(struct admin_resp *rs, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The counters of struct xdperf_listener_stats (metrics.c): keys of /v1/listeners, names of the
 * xdperf_listener_* metric families. */
struct admin_listener_field {
	const char *key, *type, *help;
	size_t off;
};
extern const struct admin_listener_field admin_listener_fields[];
extern const size_t admin_listener_nfields;
uint64_t admin_listener_value(const struct xdperf_listener_stats *l, const struct admin_listener_field *f);

/* Replaces control and non-ASCII bytes of s with '?' (text from requests in messages). */
void admin_printable(char *s);
/* Status for a registry errno. */
unsigned admin_status_of(int rc);
/* Dispatches one request (admin_api.c). */
void admin_handle(struct xdperf_admin *a, const struct admin_req *rq, struct admin_resp *rs);

#endif
