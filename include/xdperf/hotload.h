/* xdperf hot-loadable protocol modules (part of libxdperf): the module ABI, the registry that
 * versions, canaries, promotes, rolls back and unloads them in a running process, the trust
 * store that checks their signatures, and the policy that limits them.
 *
 * Protocol module ABI (a WebAssembly reactor) exports:
 *   handle(inPtr i32, inLen i32) -> (outPtr i32, outLen i32)   multi-value, or
 *   handle(inPtr i32, inLen i32) -> i64                        (outPtr << 32) | outLen
 *   alloc(size i32) -> i32        free(ptr i32)        memory        _initialize() (optional)
 * The host allocates the input with alloc (it may keep that buffer for later calls on the same
 * instance), copies the message in, calls handle, copies [outPtr, outPtr+outLen) out
 * (bounds-checked) and frees the output with free unless it lies inside the input buffer.
 * Imports: env.host_log, env.host_report_metric and the WASI subset, as for generator
 * plugins (include/xdperf/plugin.h), subject to the policy's allowed import modules.
 * A module that exports only _start (a Go GOOS=wasip1 command) is refused with a message on
 * how to build a reactor.
 *
 * Muxcore mapping: loader = xdperf_proto_module (compiled modules, instances); manager =
 * xdperf_registry; trust store = xdperf_trust; policy = struct xdperf_proto_policy.
 *
 * Version states: inactive -> testing -> active -> deprecating -> deprecated.
 *   load                 -> inactive (takes no routed traffic; can be executed by version)
 *   start_testing        inactive|deprecating|deprecated -> testing (0% until set_traffic)
 *   set_traffic(v, p)    v testing: p% of routed flows (0 < p < 100; 0 = none); p = 100 or
 *                        promote: v becomes active, the previous active version deprecating,
 *                        every other testing version back to 0%. The active version takes
 *                        whatever the testing versions leave.
 *   deprecate(v)         inactive|testing -> deprecating (refused for the active version)
 *   deprecating          routes nothing and refuses execute; when no call is in flight on it any
 *                        more (drained), it becomes deprecated and its instances (memory) are freed;
 *                        the compiled module stays so that rollback and start_testing can use it.
 *   rollback(id)         the version active before the current one becomes active at 100% again;
 *                        the current one deprecating, testing versions back to 0%.
 *   unload(v)            removes a version that is not active (all versions when version is NULL);
 *                        freed once drained.
 *   idle expiry          versions that are not active and had no call for the policy's idle
 *                        time are unloaded by xdperf_registry_maintain(); the active one never is.
 *
 * Routing: xdperf_registry_route() hashes the flow key into 10,000 buckets. Testing versions
 * own the first buckets in load order, the active version the rest, so a flow keeps its version
 * while the split stands, a flow on the (last-loaded) canary stays there while its share grows,
 * and the split over many flows matches the percentages. With several testing versions at once,
 * changing an earlier-loaded one's share shifts the buckets of those loaded after it.
 *
 * Concurrency: control calls (load, traffic, promote, ...) are serialised by a mutex; calls
 * (route, execute) take no lock: each worker (struct xdperf_worker, one per thread) reads an
 * immutable routing snapshot published with one atomic store, runs its own engine instance
 * of the version, and announces when it is inside a call, so a version or snapshot is freed
 * only when no worker can still use it. In-flight calls finish on the version they started on.
 * A native handler may call route/execute again (same worker, or NULL) and control functions;
 * a module instance is never re-entered (modules cannot call back into the registry).
 *
 * Conventions (libbpf-like): functions return 0 or a negative errno and fill `err` (may be NULL)
 * with one line naming the protocol, version or file. Ownership is stated per function.
 */
#ifndef XDPERF_HOTLOAD_H
#define XDPERF_HOTLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XDPERF_PROTO_ID_MAX 64       /* bytes of a protocol id, NUL included */
#define XDPERF_PROTO_VERSION_MAX 32  /* bytes of a version string, NUL included */
#define XDPERF_PROTO_NEVER UINT32_MAX /* idle_expiry_ms: never expire (overrides an inherited value) */

/* ---- policy -------------------------------------------------------------------------------- */

/* Limits of a module. Zero / NULL fields inherit: version (load opts) <- protocol
 * (xdperf_registry_set_policy) <- registry (opts.policy) <- built-in default (in brackets). */
struct xdperf_proto_policy {
	size_t sz;                   /* sizeof(struct xdperf_proto_policy) */
	uint32_t max_memory_pages;   /* linear memory cap per instance, 64 KiB pages [256 = 16 MiB] */
	uint64_t fuel;               /* instruction budget per call [100,000,000] */
	uint32_t max_input;          /* bytes of one message [1 MiB] */
	uint32_t max_output;         /* bytes of one answer [1 MiB] */
	/* Comma-separated import module names the module may import from, e.g. "env" (no WASI),
	 * "" (no imports at all) or "*" (any) ["*"]. Checked at load; the text is copied. */
	const char *allowed_imports;
	uint32_t idle_expiry_ms;     /* unload non-active versions idle this long [XDPERF_PROTO_NEVER] */
	/* Entries of all the tables one instance defines, together (8 bytes each) [262,144] */
	uint32_t max_table_elems;
	/* Everything one instance holds, in bytes: its linear memory, tables, globals, value and
	 * frame stacks and the engine's structures for it (xwasm_instance_bytes)
	 * [max_memory_pages x 64 KiB + 8 MiB] */
	uint64_t max_instance_bytes;
	/* What loading the module may hold, in bytes: its copy of the binary, the decoded sections
	 * and the translated code, the translator's working arrays included (xwasm_module_bytes);
	 * a module over it is refused, naming this limit [4 x max_memory_pages x 64 KiB] */
	uint64_t max_module_bytes;
	/* A host directory the module may read through WASI, read-only, as its root "/": the only
	 * file system a module can get; checked at load (must be a directory); the text is copied
	 * [none: no files]. The instances of one module version share its descriptor table. */
	const char *dir;
};

/* ---- faults of one call ------------------------------------------------------------------- */

enum xdperf_proto_fault {
	XDPERF_FAULT_NONE = 0,
	XDPERF_FAULT_TRAP,       /* the module trapped (unreachable, out of bounds, ...) */
	XDPERF_FAULT_FUEL,       /* the call ran out of fuel */
	XDPERF_FAULT_MEMORY,     /* the call failed after the memory cap refused to grow memory */
	XDPERF_FAULT_OUTPUT,     /* output range outside memory, or larger than max_output */
	XDPERF_FAULT_INPUT,      /* message larger than max_input */
	XDPERF_FAULT_ABI,        /* alloc returned 0 or an out-of-range pointer, proc_exit, ... */
	XDPERF_FAULT_NATIVE,     /* a native handler returned an error */
	XDPERF_FAULT_ROUTE,      /* no such protocol/version, or no version takes this flow */
	XDPERF_FAULT_INTERRUPTED,/* the interrupt flag (opts.interrupt) ended the call */
};
const char *xdperf_proto_fault_str(enum xdperf_proto_fault f); /* "trap", "fuel", ...; static */

/* An answer buffer owned by the caller: data is malloc'd (free() it), grown with realloc by
 * the calls below when cap is too small; reuse it across calls. Start with {0}. */
struct xdperf_proto_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* ---- metric values modules report (env.host_report_metric) ---------------------------------- */

#define XDPERF_WORKER_SHARED (-1)  /* the registry's shared worker (calls with a NULL worker) */
#define XDPERF_WORKER_NONE (-2)    /* an instance made outside the registry */

/* Where a metric value comes from: the worker whose instance reported it and that instance. */
struct xdperf_metric_source {
	int32_t worker;      /* worker handle number (0 = the first xdperf_worker_new() while it
			        lives; numbers are reused after xdperf_worker_free), or one of the above */
	uint64_t instance;   /* the instance's serial number: from 1, never reused in the process */
};

/* Receives host_report_metric values (timestamp in ns since the epoch) of module `name`
 * ("ID@VERSION" in a registry) with their source. metric == NULL (value 0, ts_ns 0) says that
 * instance src->instance is being freed: it will report nothing more. */
typedef void (*xdperf_metric_fn)(void *ctx, const char *name, const char *metric, double value, uint64_t ts_ns,
				 const struct xdperf_metric_source *src);

/* ---- loader: compiled modules and their instances ----------------------------------------- */

struct xdperf_proto_module;   /* compiled, immutable, shared by threads */
struct xdperf_proto_instance; /* one engine instance: one thread at a time */

struct xdperf_proto_module_opts {
	size_t sz;                                 /* sizeof(struct xdperf_proto_module_opts) */
	const char *name;                          /* for messages, e.g. "echo@1.0.0" (copied) */
	const struct xdperf_proto_policy *policy;  /* NULL = built-in defaults (copied) */
	/* Log lines of the module (host_log, stdout at INFO, stderr at WARN); NULL = stderr. */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
	/* host_report_metric values and instance ends (see xdperf_metric_fn). */
	xdperf_metric_fn metric;
	void *metric_ctx;
	/* Interrupt flag of every instance of the module (include/xdperf/wasm.h); NULL = none.
	 * Raising it ends the module call running on any thread within milliseconds: that message
	 * fails with -EINTR and XDPERF_FAULT_INTERRUPTED ("protocol NAME: handle was
	 * interrupted"); while it stays raised every call fails so at once; once cleared, calls on
	 * the same instances run normally. Not owned: it must outlive the module. */
	xwasm_interrupt *interrupt;
	/* Raised: the load stops within milliseconds with -EINTR (xwasm_load_opts.interrupt);
	 * NULL = none. Not owned; looked at only during xdperf_proto_module_load(). */
	xwasm_interrupt *load_interrupt;
};

/* Decodes, validates and checks a module against the protocol ABI and the policy's allowed
 * imports. `wasm` is copied. *out is freed with xdperf_proto_module_free() after all its
 * instances. Errors: -EINVAL (not wasm, ABI or import problem: err names it), -ENOTSUP, -EFBIG
 * (over the policy's max_module_bytes, or an instance could never fit max_instance_bytes or
 * max_table_elems), -EINTR (opts.load_interrupt), -ENOMEM. */
int xdperf_proto_module_load(const uint8_t *wasm, size_t len, const struct xdperf_proto_module_opts *opts,
			     struct xdperf_proto_module **out, char *err, size_t errlen);
void xdperf_proto_module_free(struct xdperf_proto_module *m);
/* True when handle returns the packed i64 form. */
bool xdperf_proto_module_packed(const struct xdperf_proto_module *m);
/* The module's resolved policy (every field set; owned by the module). */
const struct xdperf_proto_policy *xdperf_proto_module_policy(const struct xdperf_proto_module *m);
/* Checks a decoded module against the protocol ABI; report(ctx, text) per problem; returns
 * the number of problems (used by the loader and by `xdperf protocol inspect`). */
int xdperf_proto_check_abi(const xwasm_module *m, void (*report)(void *ctx, const char *problem), void *ctx);

/* Instantiates m (memory cap and fuel from its policy) and runs _initialize. *out is freed
 * with xdperf_proto_instance_free(). Errors: -EINVAL (instantiation or _initialize failed),
 * -EINTR (interrupted), -ENOMEM. */
int xdperf_proto_instance_new(struct xdperf_proto_module *m, struct xdperf_proto_instance **out,
			      char *err, size_t errlen);
/* The same for worker `worker` (a handle number or XDPERF_WORKER_*), which its metric values
 * carry as their source; xdperf_proto_instance_new() is this with XDPERF_WORKER_NONE. */
int xdperf_proto_instance_new_worker(struct xdperf_proto_module *m, int32_t worker,
				     struct xdperf_proto_instance **out, char *err, size_t errlen);
void xdperf_proto_instance_free(struct xdperf_proto_instance *inst);
/* One message through handle. On success out->data[0..out->len) is the answer. On failure
 * returns -EINVAL (or -E2BIG for input/output size, -EINTR when interrupted, -ENOMEM), *fault
 * says which kind (may be NULL), err says what happened; the instance stays usable for the
 * next message. */
int xdperf_proto_instance_call(struct xdperf_proto_instance *inst, const void *in, size_t len,
			       struct xdperf_proto_buf *out, enum xdperf_proto_fault *fault,
			       char *err, size_t errlen);
/* Bytes the instance holds now: everything the engine allocated or mapped for it (linear
 * memory at its size, tables, globals, value and frame stacks, structures; xwasm_instance_bytes)
 * plus the host's own structure for it. What the policy's max_instance_bytes caps. */
uint64_t xdperf_proto_instance_memory(const struct xdperf_proto_instance *inst);
/* Bytes the loaded module holds (its copy of the binary, decoded sections, translated code;
 * xwasm_module_bytes) plus the host's structures for it. What max_module_bytes caps. */
uint64_t xdperf_proto_module_bytes(const struct xdperf_proto_module *m);

/* ---- trust: ed25519 signatures ------------------------------------------------------------- */
/* Files (text, one line each):
 *   NAME.pub   "xdperf-ed25519-public <base64 of the 32-byte public key>"
 *   NAME.key   "xdperf-ed25519-secret <base64 of the 64-byte secret key>"   (mode 0600)
 *   FILE.sig   "xdperf-signature-v1 <key id> <base64 of the 64-byte detached signature>"
 * The key id is the hex of the first 8 bytes of the public key. The signature covers the
 * module's bytes exactly. */

struct xdperf_trust;

/* Creates NAME.key and NAME.pub from `prefix` (e.g. "keys/ops" -> keys/ops.key, keys/ops.pub);
 * refuses to overwrite (-EEXIST). key_id (17 bytes, may be NULL) receives the key id. */
int xdperf_keygen(const char *prefix, char key_id[17], char *err, size_t errlen);
/* Signs the bytes of wasm_path with the secret key file and writes sig_path (NULL =
 * wasm_path + ".sig"). Errors name the file: -ENOENT, -EINVAL (not a key file), -EIO. */
int xdperf_sign_file(const char *key_path, const char *wasm_path, const char *sig_path,
		     char *err, size_t errlen);
/* Opens a trust directory: every *.pub file in it is a trusted key (a malformed one is an
 * error naming it; an empty directory is -ENOKEY). *out is freed with xdperf_trust_free(). */
int xdperf_trust_open(const char *dir, struct xdperf_trust **out, char *err, size_t errlen);
/* Whether other users could change what an opened trust directory trusts: one line naming the
 * directory or the first NAME.pub that group or others may write to (they could add or swap a
 * key), or NULL when none may. Owned by t. */
const char *xdperf_trust_warning(const struct xdperf_trust *t);
void xdperf_trust_free(struct xdperf_trust *t);
size_t xdperf_trust_count(const struct xdperf_trust *t);
/* Verifies `sig` (the text of a .sig file, siglen bytes; NULL = unsigned) over wasm. Returns 0
 * and the signer's key id (17 bytes, may be NULL); -ENODATA unsigned; -ENOKEY signed by a key
 * not in the trust directory; -EBADMSG malformed signature file or signature that does not
 * match the bytes (tampered). err explains in one line. */
int xdperf_trust_verify(const struct xdperf_trust *t, const uint8_t *wasm, size_t len,
			const char *sig, size_t siglen, char key_id[17], char *err, size_t errlen);

/* ---- registry (the manager) ----------------------------------------------------------------- */

enum xdperf_version_state {
	XDPERF_VERSION_INACTIVE = 0,
	XDPERF_VERSION_TESTING,
	XDPERF_VERSION_ACTIVE,
	XDPERF_VERSION_DEPRECATING,
	XDPERF_VERSION_DEPRECATED,
};
const char *xdperf_version_state_str(enum xdperf_version_state s); /* "inactive", ...; static */

struct xdperf_registry;
struct xdperf_worker;

struct xdperf_registry_opts {
	size_t sz;                          /* sizeof(struct xdperf_registry_opts) */
	const char *trust_dir;              /* require signatures by keys in this directory; NULL =
					       accept unsigned modules (warns once) */
	struct xdperf_proto_policy policy;  /* defaults for every protocol (zero = built-in) */
	uint32_t max_workers;               /* worker handles that may exist at once [64] */
	uint32_t maintain_interval_ms;      /* > 0: a background thread calls xdperf_registry_maintain */
	/* Registry messages (warnings, state changes) and module log lines; NULL = stderr. `name`
	 * is "hotload" for the registry's own lines, "ID@VERSION" for a module's. */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
	/* host_report_metric values of every module ("ID@VERSION" as name), with the worker and
	 * instance that reported them, and the ends of instances (see xdperf_metric_fn). */
	xdperf_metric_fn metric;
	void *metric_ctx;
	/* Interrupt flag given to every module version loaded (xdperf_proto_module_opts.interrupt):
	 * raising it (e.g. at shutdown, from a signal handler) ends the module calls running in
	 * every worker; route/execute then fail with -EINTR, fault XDPERF_FAULT_INTERRUPTED, counted
	 * as errors of that version. NULL = none. Not owned: it must outlive the registry. */
	xwasm_interrupt *interrupt;
	/* How many protocols it holds at once [256], and versions per protocol [32]: a load past
	 * either is refused with -ENOSPC (unload something first). A version being replaced does
	 * not count twice; retired versions still draining do not count. */
	uint32_t max_protocols;
	uint32_t max_versions;
	/* Without a trust directory: accept unsigned modules without the once-only warning (a
	 * one-shot local use such as `xdperf protocol call`, where it would only precede every
	 * answer and error). */
	bool quiet_unsigned;
};

/* Creates a registry. opts is copied (strings too). Errors: -ENOKEY / -ENOENT / -EINVAL from
 * the trust directory, -ENOMEM. Free with xdperf_registry_free() after every worker. */
int xdperf_registry_new(const struct xdperf_registry_opts *opts, struct xdperf_registry **out,
			char *err, size_t errlen);
/* Stops the background thread and frees every protocol, version and instance. No call may be
 * running; workers must have been freed. */
void xdperf_registry_free(struct xdperf_registry *r);
/* Makes every load in progress (xdperf_registry_load*, on any thread) stop within milliseconds
 * with -EINTR ("loading interrupted"), and every later one fail so at once: for shutting down
 * while a large module is being translated. Async-signal-safe. */
void xdperf_registry_cancel_loads(struct xdperf_registry *r);

/* Protocol-level policy for versions of `id` loaded afterwards (copied). */
int xdperf_registry_set_policy(struct xdperf_registry *r, const char *id,
			       const struct xdperf_proto_policy *policy, char *err, size_t errlen);

struct xdperf_load_opts {
	size_t sz;                                /* sizeof(struct xdperf_load_opts) */
	const char *sig;                          /* signature file text (NULL = unsigned) */
	size_t siglen;
	const struct xdperf_proto_policy *policy; /* version-level policy (NULL = inherit) */
	/* A version of the same name that exists and is not active is replaced by this one in one
	 * step, once the new module has passed every check (the old one is unloaded as by
	 * xdperf_registry_unload; the new one starts inactive). An active one: -EBUSY. */
	bool replace;
};

/* Loads bytes as version `version` of protocol `id` (created on first load), state inactive.
 * wasm and the signature are copied. Errors: -EEXIST (that version exists; see opts.replace),
 * -EBUSY (replace of the active version), -EINVAL (bad id or version string, bad module, import
 * not allowed), -ENODATA/-ENOKEY/-EBADMSG (trust), -ENOSPC (max_protocols or max_versions
 * reached), -ENOMEM. */
int xdperf_registry_load(struct xdperf_registry *r, const char *id, const char *version,
			 const uint8_t *wasm, size_t len, const struct xdperf_load_opts *opts,
			 char *err, size_t errlen);
/* The same from a file; the signature is read from PATH.sig when it exists and opts->sig is NULL. */
int xdperf_registry_load_file(struct xdperf_registry *r, const char *id, const char *version,
			      const char *path, const struct xdperf_load_opts *opts, char *err, size_t errlen);

/* A native handler, for comparison and for built-in protocols: writes the answer into out
 * (grow it with realloc when out->cap is too small); returns 0 or a negative errno with err filled. */
typedef int (*xdperf_native_handler)(void *ctx, const uint8_t *in, size_t len,
				     struct xdperf_proto_buf *out, char *err, size_t errlen);
/* Registers a native handler as a version (state inactive); ctx must outlive the version. */
int xdperf_registry_load_native(struct xdperf_registry *r, const char *id, const char *version,
				xdperf_native_handler fn, void *ctx, char *err, size_t errlen);

/* State transitions (see the top of this file). Errors: -ENOENT unknown id/version, -EINVAL a
 * transition the state does not allow or a percentage outside 0..100 or testing shares over
 * 100% in total (err says which and why), -EBUSY unloading/deprecating the active version. */
int xdperf_registry_start_testing(struct xdperf_registry *r, const char *id, const char *version,
				  char *err, size_t errlen);
int xdperf_registry_set_traffic(struct xdperf_registry *r, const char *id, const char *version,
				double percent, char *err, size_t errlen);
/* Traffic is kept in hundredths of a percent (the routing resolution). set_traffic applies
 * what this gives: percent rounded to 0.01 in *applied, or -EINVAL with one line in err (prefixed
 * with name) when percent is outside 0..100 or rounding would carry it across a change of state
 * (below 100 to 100 = a promotion, above 0 to 0 = no traffic). Nothing is kept. */
int xdperf_traffic_round(const char *name, double percent, double *applied, char *err,
			 size_t errlen);
int xdperf_registry_promote(struct xdperf_registry *r, const char *id, const char *version,
			    char *err, size_t errlen);
int xdperf_registry_deprecate(struct xdperf_registry *r, const char *id, const char *version,
			      char *err, size_t errlen);
int xdperf_registry_rollback(struct xdperf_registry *r, const char *id, char *err, size_t errlen);
int xdperf_registry_unload(struct xdperf_registry *r, const char *id, const char *version,
			   char *err, size_t errlen);

/* Housekeeping: finishes draining (deprecating -> deprecated, frees unloaded versions and old
 * snapshots no call can still see) and applies idle expiry. Returns the number of versions
 * that changed state or were unloaded. Also run by every control call and, with
 * maintain_interval_ms, by a background thread. */
int xdperf_registry_maintain(struct xdperf_registry *r);

struct xdperf_version_info {
	char id[XDPERF_PROTO_ID_MAX];
	char version[XDPERF_PROTO_VERSION_MAX];
	enum xdperf_version_state state;
	double traffic;                /* percent of routed flows it takes now */
	bool native;                   /* a native handler, not a module */
	bool packed_abi;               /* handle returns i64 */
	char key_id[17];               /* signer ("" = unsigned) */
	char sha256[65];               /* of the module bytes (hex; "" for native) */
	uint64_t calls, errors;        /* calls made; failed calls (every fault) */
	uint64_t traps, fuel, memory_cap, bad_output; /* failed calls by kind (traps excludes fuel) */
	uint64_t p50_ns, p99_ns;       /* call latency percentiles (log-bucket estimate, ±6%) */
	uint64_t memory_bytes;         /* module_bytes + what its instances hold (each as of its last call) */
	uint32_t instances;            /* engine instances (one per worker that called it) */
	uint64_t idle_ms;              /* since its last call (or its load) */
	uint64_t module_bytes;         /* the loaded module (xdperf_proto_module_bytes; 0 for native) */
	uint64_t load_us;              /* time its decoding, validation and translation took */
};

/* Snapshot of every version of `id` (NULL = all protocols), in protocol then load order.
 * *out is malloc'd (caller frees it); *n its length. Returns 0, -ENOENT (unknown id), -ENOMEM. */
int xdperf_registry_list(struct xdperf_registry *r, const char *id, struct xdperf_version_info **out,
			 size_t *n);

/* ---- calls (hot path) ------------------------------------------------------------------------ */

/* A worker handle: one per calling thread, used by one thread at a time. Free it (from its
 * thread, outside any call) with xdperf_worker_free() before the registry. -ENOSPC when
 * max_workers handles exist. */
int xdperf_worker_new(struct xdperf_registry *r, struct xdperf_worker **out, char *err, size_t errlen);
void xdperf_worker_free(struct xdperf_worker *w);

struct xdperf_call_info {
	char version[XDPERF_PROTO_VERSION_MAX];  /* the version that answered (or was tried) */
	enum xdperf_proto_fault fault;           /* NONE on success */
};

/* Routes one message of flow `key` (keylen bytes; 0 = spread calls evenly) of protocol id to
 * the version the traffic split gives it, and runs it. w may be NULL: a shared worker is used
 * under a mutex (for control tools, not the hot path). The answer lands in *out. info may be
 * NULL. Errors: -ENOENT (unknown protocol, or no version takes this flow), -EINVAL (the
 * module failed this message: info->fault says how; counted in its stats), -EINTR (the
 * registry's interrupt flag ended it; counted as an error), -E2BIG, -ENOMEM. */
int xdperf_registry_route(struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
			  const void *key, size_t keylen, const void *in, size_t len,
			  struct xdperf_proto_buf *out, struct xdperf_call_info *info, char *err, size_t errlen);
/* Runs one message on a given version (inactive, testing or active); otherwise like route. */
int xdperf_registry_execute(struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
			    const char *version, const void *in, size_t len, struct xdperf_proto_buf *out,
			    struct xdperf_call_info *info, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
