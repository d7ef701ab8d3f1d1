/* xdperf protocol responder (part of libxdperf): serves UDP datagrams and length-prefixed TCP
 * messages with the hot-loaded protocol modules of a registry (include/xdperf/hotload.h), and the
 * helpers a long-running service needs around it: a directory watch that loads changed modules
 * as testing versions, and policy files.
 *
 * Wire formats:
 *   udp://ADDR:PORT   every datagram is one message; the answer goes back as one datagram from
 *                     the address the client sent to. An empty answer sends nothing (a module
 *                     may drop a message that way); a failed call sends nothing and is counted.
 *   tcp://ADDR:PORT   every message is a 4-byte big-endian length and that many bytes; every
 *                     answer is sent the same way, in order (an empty answer as length 0). A
 *                     length over max_message, or a failed call, closes that connection with a
 *                     log line; other connections are unaffected. A connection with no bytes
 *                     received or sent for idle_timeout_ms is closed with a log line.
 * Routing: the flow key is the 5-tuple (protocol, client address and port, local address and
 * port), so a client's flow stays on one version while the traffic split stands.
 *
 * Threads: `workers` threads, each with its own sockets (SO_REUSEPORT: the kernel spreads
 * flows over them), its own registry worker handle and so its own module instances: a module's
 * in-memory state is per worker. Listeners marked `shared` call the registry's shared worker
 * instead (one instance per version for the whole process, calls serialised): use it for
 * stateful modules whose state must be global.
 *
 * Conventions (libbpf-like): functions return 0 or a negative errno and fill `err` (may be NULL)
 * with one line naming the listener, file or protocol. Ownership is stated per function.
 */
#ifndef XDPERF_SERVE_H
#define XDPERF_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/hotload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- responder ------------------------------------------------------------------------------ */

struct xdperf_responder;

struct xdperf_responder_opts {
	size_t sz;                 /* sizeof(struct xdperf_responder_opts) */
	uint32_t workers;          /* threads [1] */
	uint32_t max_message;      /* TCP: largest message length accepted, bytes [1 MiB] */
	uint32_t max_connections;  /* TCP: connections open at once over all listeners [1024] */
	uint32_t batch;            /* UDP: datagrams per recvmmsg/sendmmsg [32, at most 256] */
	/* Responder messages (listening, connection errors, failed calls; rate-limited to a few
	 * lines per second per worker, with a count of those left out); NULL = stderr. `name` is
	 * "serve". */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
	/* TCP: close a connection when nothing was received from it and nothing could be sent to it
	 * for this long, ms [0 = the default, 300000 = 5 min; XDPERF_IDLE_NEVER: never]. Checked
	 * every min(1 s, idle_timeout_ms / 4). */
	uint32_t idle_timeout_ms;
};

#define XDPERF_IDLE_NEVER UINT32_MAX

/* Creates a responder over registry r (which must outlive it). opts is copied. Free with
 * xdperf_responder_free(). Errors: -EINVAL (bad option), -ENOMEM. */
int xdperf_responder_new(struct xdperf_registry *r, const struct xdperf_responder_opts *opts,
			 struct xdperf_responder **out, char *err, size_t errlen);

struct xdperf_listen_opts {
	size_t sz;      /* sizeof(struct xdperf_listen_opts) */
	bool shared;    /* one instance per version for all workers (see the top of this file) */
};

/* Adds a listener before xdperf_responder_start(): url is "udp://ADDR:PORT" or "tcp://ADDR:PORT"
 * (ADDR an IPv4 address, or an IPv6 one in brackets; PORT 0 = any free port, see
 * xdperf_responder_stats()), serving protocol `id` (which need not be loaded yet: messages fail
 * until it has an active version). The sockets are bound here, so a taken port fails now:
 * -EADDRINUSE, -EACCES (a port below 1024 without privilege), -EADDRNOTAVAIL, -EINVAL (bad url:
 * err says what is wrong), -EBUSY (already started), -ENOMEM. */
int xdperf_responder_listen(struct xdperf_responder *s, const char *url, const char *id,
			    const struct xdperf_listen_opts *opts, char *err, size_t errlen);

/* Starts the worker threads. Errors: -EINVAL (no listener), -EBUSY (started), -EAGAIN/-ENOMEM. */
int xdperf_responder_start(struct xdperf_responder *s, char *err, size_t errlen);

/* Stops the workers (messages being answered finish; open TCP connections are closed) and
 * joins them. Safe to call twice. */
void xdperf_responder_stop(struct xdperf_responder *s);

/* Stops it if running and frees it. NULL is fine. */
void xdperf_responder_free(struct xdperf_responder *s);

struct xdperf_listener_stats {
	char url[80];               /* as bound, e.g. "udp://127.0.0.1:5353" (the real port) */
	char protocol[XDPERF_PROTO_ID_MAX];
	bool tcp;
	uint64_t requests;          /* messages received */
	uint64_t replies;           /* answers sent */
	uint64_t empty;             /* empty answers (UDP: nothing sent) */
	uint64_t failed;            /* calls that failed (module fault, no version) */
	uint64_t send_errors;       /* answers the socket refused */
	uint64_t rx_bytes, tx_bytes;/* message bytes (without TCP length prefixes) */
	uint64_t connections;       /* TCP: accepted so far */
	uint64_t open_connections;  /* TCP: open now */
	uint64_t framing_errors;    /* TCP: connections closed for an oversize length */
	uint64_t refused;           /* TCP: connections refused over max_connections */
	uint64_t idle_closed;       /* TCP: connections closed after idle_timeout_ms without traffic */
};

/* Counters of every listener, in the order they were added (summed over the workers).
 * *out is malloc'd (caller frees it). Returns 0 or -ENOMEM. */
int xdperf_responder_stats(struct xdperf_responder *s, struct xdperf_listener_stats **out, size_t *n);

/* ---- directory watch -------------------------------------------------------------------------- */

/* Watches a directory for protocol modules named ID@VERSION.wasm (with ID@VERSION.wasm.sig next
 * to it when the registry requires signatures). A file that appears or changes (its SHA-256
 * differs from the one last loaded from it) is loaded as version VERSION of ID and put in
 * testing at 0% (the operator sets its traffic). A version of that name that is loaded already
 * with other bytes is replaced when it is not active; an active one is left alone with a log
 * line (give the change a new version string). Files present at start are loaded too. Failures
 * (bad module, bad signature) are logged and retried when the file or its .sig changes. */
struct xdperf_watch;

struct xdperf_watch_opts {
	size_t sz;            /* sizeof(struct xdperf_watch_opts) */
	/* Watch messages; NULL = stderr. `name` is "watch". */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
};

/* Scans dir and starts a thread that follows it (inotify). r must outlive the watch. *out is
 * freed with xdperf_watch_free(). Errors: -ENOENT/-ENOTDIR/-EACCES naming dir, -ENOMEM. */
int xdperf_watch_new(struct xdperf_registry *r, const char *dir, const struct xdperf_watch_opts *opts,
		     struct xdperf_watch **out, char *err, size_t errlen);
/* Number of modules the watch has loaded so far. */
uint64_t xdperf_watch_loads(struct xdperf_watch *w);
void xdperf_watch_free(struct xdperf_watch *w);

/* ---- policy files ----------------------------------------------------------------------------- */

/* A policy file (YAML or JSON) holds registry defaults at the top level and protocol-level
 * policies under "protocols", with the field names of struct xdperf_proto_policy:
 *     fuel: 10000000
 *     max_memory_pages: 64
 *     allowed_imports: [env, wasi_snapshot_preview1]     # or a comma-separated string
 *     protocols:
 *       dns: { max_input: 512, idle_expiry_ms: 600000 }
 * Unknown fields and values out of range are errors naming the field. */
struct xdperf_policy_file;

/* Reads and checks path. *out is freed with xdperf_policy_file_free(). Errors: -ENOENT (names
 * the file), -EINVAL (syntax or field: err says which), -ENOMEM. */
int xdperf_policy_file_read(const char *path, struct xdperf_policy_file **out, char *err, size_t errlen);
/* The registry defaults (for xdperf_registry_opts.policy); owned by f. */
const struct xdperf_proto_policy *xdperf_policy_file_defaults(const struct xdperf_policy_file *f);
/* Applies the protocol-level policies with xdperf_registry_set_policy(). */
int xdperf_policy_file_apply(const struct xdperf_policy_file *f, struct xdperf_registry *r,
			     char *err, size_t errlen);
void xdperf_policy_file_free(struct xdperf_policy_file *f);

#ifdef __cplusplus
}
#endif

#endif
