/* xdperf admin API (part of libxdperf): an HTTP server that lets an operator drive a running
 * registry (include/xdperf/hotload.h) from the outside, the Prometheus metrics it serves, the
 * store of module-reported metric values behind them, and the client `xdperf ctl` uses.
 *
 * HTTP API (JSON in and out; every error is a 4xx/5xx status with {"error": "...", "status": N}):
 *   GET    /v1/protocols                                 every protocol with its versions
 *   GET    /v1/protocols/ID                              one protocol with its versions
 *   GET    /v1/protocols/ID/versions/VER                 one version: state, traffic, stats
 *   PUT    /v1/protocols/ID/versions/VER                 upload: the body is the .wasm; the
 *          header X-Xdperf-Signature carries the .sig file's text when signatures are required
 *   POST   /v1/protocols/ID/versions/VER/test            start testing (body optional:
 *                                                        {"traffic": PERCENT})
 *   POST   /v1/protocols/ID/versions/VER/traffic         {"traffic": PERCENT}  (0..100)
 *   POST   /v1/protocols/ID/versions/VER/promote
 *   POST   /v1/protocols/ID/versions/VER/deprecate
 *   POST   /v1/protocols/ID/rollback
 *   DELETE /v1/protocols/ID/versions/VER                 unload a version
 *   DELETE /v1/protocols/ID                              unload every version of ID
 *   GET    /v1/listeners                                 the responder's listeners and counters
 *   GET    /metrics                                      Prometheus text format (version 0.0.4)
 *   GET    /healthz                                      {"ok": true}
 * With a token, every request needs "Authorization: Bearer TOKEN" (401 otherwise).
 *
 * Conventions (libbpf-like): functions return 0 or a negative errno and fill `err` (may be NULL);
 * ownership is stated per function.
 */
#ifndef XDPERF_ADMIN_H
#define XDPERF_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/hotload.h"
#include "xdperf/serve.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- metric values reported by modules ------------------------------------------------------- */

/* Keeps what modules report with host_report_metric, for /metrics: per series (ID@VERSION,
 * metric name) each worker's last value and a report count. A name ending in "_total" is a
 * counter: its value is the sum over workers of the last value of every instance that reported
 * it (instances freed since included, so it does not go back when a worker's instance is
 * replaced). Any other name is a gauge: one value per worker whose instance still exists.
 * Thread-safe; at most `max_series` series, each with every worker's share (reports that would
 * need another series are counted as dropped). */
struct xdperf_metric_store;

/* max_series 0 = 1024. *out is freed with xdperf_metric_store_free(). -ENOMEM. */
int xdperf_metric_store_new(uint32_t max_series, struct xdperf_metric_store **out);
void xdperf_metric_store_free(struct xdperf_metric_store *m);
/* The registry's metric callback (an xdperf_metric_fn): pass .metric = xdperf_metric_store_record
 * and .metric_ctx = the store in struct xdperf_registry_opts. src NULL = worker XDPERF_WORKER_NONE,
 * instance 0. */
void xdperf_metric_store_record(void *store, const char *name, const char *metric, double value,
				uint64_t ts_ns, const struct xdperf_metric_source *src);

/* Renders the Prometheus text exposition of the registry's versions (state, traffic, calls,
 * errors by kind, latency, memory), the responder's listeners (s may be NULL) and the stored
 * module metrics (m may be NULL) of versions still loaded. *text is malloc'd (caller frees),
 * NUL-terminated, *len bytes. Returns 0 or -ENOMEM. */
int xdperf_metrics_render(struct xdperf_registry *r, struct xdperf_responder *s,
			  struct xdperf_metric_store *m, char **text, size_t *len);

/* ---- admin server ------------------------------------------------------------------------------ */

struct xdperf_admin;

struct xdperf_admin_opts {
	size_t sz;                         /* sizeof(struct xdperf_admin_opts) */
	const char *listen;                /* "ADDR:PORT" ["127.0.0.1:7090"]; port 0 = any free */
	const char *token;                 /* bearer token required on every request; NULL = none */
	size_t max_upload;                 /* largest module body accepted [64 MiB] */
	struct xdperf_responder *responder;/* for /v1/listeners and /metrics (may be NULL) */
	struct xdperf_metric_store *metrics;/* module metrics for /metrics (may be NULL) */
	/* One line per request that changed something or failed; NULL = stderr. `name` "admin". */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
	/* HTTPS: PEM certificate (chain) and private key files, both or neither [plain HTTP]. */
	const char *tls_cert;
	const char *tls_key;
	/* A listen address not on loopback without a token is refused (anyone who reaches it could
	 * load code) unless this is set; it then starts with a warning. */
	bool insecure;
};

/* Starts the server (its own threads) on r, which must outlive it. opts is copied; responder
 * and metrics must outlive it. A listen address not on loopback needs a token, or `insecure`
 * (then logged as a warning): -EPERM otherwise. Errors: -EADDRINUSE, -EINVAL (bad address; only one of
 * tls_cert and tls_key), -EBADMSG (a TLS file that is not PEM, or a key that does not match
 * the certificate), the errno of reading a TLS file (-ENOENT, -EACCES, -EISDIR, -EFBIG over
 * 1 MiB, ...), -ENOMEM. */
int xdperf_admin_new(struct xdperf_registry *r, const struct xdperf_admin_opts *opts,
		     struct xdperf_admin **out, char *err, size_t errlen);
/* The port it listens on (useful with port 0). */
uint16_t xdperf_admin_port(const struct xdperf_admin *a);
/* Stops it (requests in progress finish) and frees it. NULL is fine. */
void xdperf_admin_free(struct xdperf_admin *a);

/* ---- client ------------------------------------------------------------------------------------- */

struct xdperf_admin_reply {
	long status;        /* HTTP status (0 when no answer came) */
	char *body;         /* malloc'd, NUL-terminated (caller frees) */
	size_t len;
	char *content_type; /* malloc'd or NULL (caller frees) */
};

struct xdperf_admin_client_opts {
	size_t sz;               /* sizeof(struct xdperf_admin_client_opts) */
	const char *token;       /* bearer token; NULL = none */
	uint32_t timeout_ms;     /* whole request [10 s] */
	const char *ca_file;     /* HTTPS: PEM CA certificate(s) to trust (e.g. the server's
				  * self-signed certificate) instead of the system's; NULL = system.
				  * Not read for http:// */
};

/* One request to an admin server at `addr` ("HOST:PORT" or "http://HOST:PORT" for plain HTTP,
 * "https://HOST:PORT" for HTTPS, the certificate verified against opts->ca_file or the system's
 * CAs, host name included): method, path (starting with '/'), optional body (len bytes; NULL =
 * none) with content type, extra header (e.g. the signature; NULL = none); opts may be NULL.
 * Returns 0 with *reply filled for any HTTP status; -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
 * -EINVAL (bad address), the errno of opening ca_file (-ENOENT, -EACCES, ...), -EPROTO (TLS
 * handshake failed, or HTTP spoken to an HTTPS server), -EBADMSG (certificate not trusted, not
 * issued for HOST, or a ca_file that is not PEM) or -EIO when no answer came (err says why and
 * what to change). */
int xdperf_admin_call(const char *addr, const char *method, const char *path, const void *body, size_t len,
		      const char *content_type, const char *header, const struct xdperf_admin_client_opts *opts,
		      struct xdperf_admin_reply *reply, char *err, size_t errlen);
/* xdperf_admin_call with only a token and a timeout (0 = 10 s). */
int xdperf_admin_request(const char *addr, const char *method, const char *path, const void *body,
			 size_t len, const char *content_type, const char *header, const char *token,
			 uint32_t timeout_ms, struct xdperf_admin_reply *reply, char *err, size_t errlen);
/* Frees the strings of a reply (not the struct). */
void xdperf_admin_reply_free(struct xdperf_admin_reply *reply);

#ifdef __cplusplus
}
#endif

#endif
