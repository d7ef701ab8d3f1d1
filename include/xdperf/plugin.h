/* xdperf generator plugins: loading a .wasm that implements the xdperf plugin ABI and calling
 * it (part of libxdperf).
 *
 * Two ABIs, told apart by plugin_init's type (docs/plugin-abi.md has both side by side):
 *
 * The plugin guide's (XDPERF_PLUGIN_ABI_GUIDE; the Go xdperf before 0.11): the module exports
 *   plugin_init(cfgPtr i32, cfgLen i32) -> i32          0 = OK
 *   plugin_process(inPtr, inLen, outPtr, outCap i32) -> i32
 *                                                      >= 0 bytes written, < 0 error code
 *                                                      (-4: output buffer too small)
 *   plugin_cleanup()                                   optional
 *   malloc(size i32) -> i32, free(ptr i32)             buffers the host passes in
 *   memory                                             linear memory
 *   _initialize()                                      optional, called once first (reactor)
 * The Go xdperf 0.11 one (XDPERF_PLUGIN_ABI_JSON): plugin_init, plugin_process and
 * plugin_cleanup are all (inPtr, inLen, outPtr, outCap i32) -> i32, the bytes written to out
 * (negative: an error code). For each call the host mallocs the input and a 32 MiB output
 * buffer and frees both after. xdperf_plugin_init() sends {"plugin_config":"<base64 of cfg>"}
 * and cleanup {}; both must answer {"success":true}. process answers the response object
 * (src/packet/variable.h). Plugins built with the Go xdperf's goshim fetch the request and
 * hand over the answer through imports of module github.com/takehaya/xdperf/pkg/plugin/goshim;
 * those are provided too.
 *
 * Either may import env.host_log(level, ptr, len), env.host_report_metric(namePtr, nameLen,
 * value f64, timestamp i64), env.host_neighbor_resolve (below) and the WASI subset
 * (include/xdperf/wasi.h). A module that only exports _start is a WASI command, not a
 * plugin, and is refused.
 *
 * Every failure of a plugin (missing export, trap, fuel or memory exhausted, error code, bad
 * output) is reported as an error naming the plugin; the host process is never affected.
 *
 * Interrupting (e.g. on SIGINT): give the plugin an interrupt flag (opts.interrupt, an
 * xwasm_interrupt from include/xdperf/wasm.h) and raise it from a signal handler or another
 * thread; the plugin call running then ends within milliseconds (whatever its fuel) and the
 * function that made it returns -EINTR with err "plugin NAME: plugin_init was interrupted"
 * (likewise plugin_process, plugin_cleanup and _initialize). The flag stays raised until the
 * caller clears it, and every plugin call made meanwhile fails at once with -EINTR, so the
 * caller can unwind without any plugin code running, xdperf_plugin_free() included (its
 * plugin_cleanup then fails at once and is skipped). Clearing the flag makes the plugin
 * callable again. The CLI pattern (SIGINT/SIGTERM while a plugin initialises or answers):
 *
 *     static xwasm_interrupt *stop;       // xwasm_interrupt_new() before installing the handler
 *     static void on_signal(int sig) { xwasm_interrupt_raise(stop); }   // async-signal-safe
 *     struct xdperf_plugin_opts o = { .sz = sizeof o, .interrupt = stop };
 *     rc = xdperf_plugin_load(path, &o, &p, err, sizeof err);
 *     if (!rc) rc = xdperf_plugin_init(p, cfg, len, err, sizeof err);
 *     if (!rc) rc = xdperf_plugin_process(p, req, reqlen, &out, &outlen, err, sizeof err);
 *     if (rc == -EINTR) { ... print err, then the summary; exit as for the signal ... }
 *     xdperf_plugin_free(p);              // prompt even while `stop` is raised
 *     xwasm_interrupt_free(stop);         // after the plugin
 */
#ifndef XDPERF_PLUGIN_H
#define XDPERF_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum xdperf_log_level {
	XDPERF_LOG_DEBUG = 0,
	XDPERF_LOG_INFO = 1,
	XDPERF_LOG_WARN = 2,
	XDPERF_LOG_ERROR = 3,
};

#define XDPERF_PLUGIN_ABI_GUIDE 1 /* plugin_init(cfgPtr, cfgLen) */
#define XDPERF_PLUGIN_ABI_JSON 2  /* plugin_init(inPtr, inLen, outPtr, outCap): Go xdperf 0.11 */

/* ABI error code: the output buffer is too small. */
#define XDPERF_PLUGIN_EOUTPUT_SMALL (-4)

struct xdperf_plugin;

struct xdperf_plugin_opts {
	size_t sz;                 /* sizeof(struct xdperf_plugin_opts) */
	const char *name;          /* shown in messages and log lines; default: file name without .wasm */
	uint32_t max_memory_pages; /* plugin memory cap in 64 KiB pages; 0 = 1024 (64 MiB) */
	uint64_t fuel;             /* instruction budget per call; 0 = 10^10 */
	uint32_t max_call_depth;   /* 0 = engine default (10000) */
	size_t max_output;         /* cap on one response; 0 = 16 MiB */
	int log_level;             /* lowest level shown (enum xdperf_log_level); default INFO */
	/* Receives the plugin's log lines (host_log, and its stdout/stderr at INFO/WARN).
	 * NULL: printed on stderr as "[plugin NAME] LEVEL: message". */
	void (*log)(void *ctx, const char *plugin, int level, const char *msg, size_t len);
	void *log_ctx;
	/* Receives host_report_metric values, timestamp converted to ns since the epoch. */
	void (*metric)(void *ctx, const char *plugin, const char *name, double value, uint64_t ts_ns);
	void *metric_ctx;
	/* Interrupt flag for every call into the plugin (see the top of this file); NULL = none.
	 * Not owned: it must outlive the plugin. */
	xwasm_interrupt *interrupt;
	/* The device the run sends on (copied): env.host_neighbor_resolve resolves neighbours on
	 * it and no other; NULL (pcap output, plugin run) = none, and it answers 0. */
	const char *device;
	/* true: xdperf_plugin_init() does not check the configuration against the plugin's
	 * declared schema (xdperf_plugin_schema()); by default it does. */
	bool skip_config_check;
	/* A host directory the plugin may read (a WASI preopen, always read-only: every change
	 * beneath it fails with EROFS), which it sees as dir_guest (NULL: "/"). NULL, the default:
	 * the plugin has no file system at all. Read while loading (the host path is opened then). */
	const char *dir;
	const char *dir_guest;
};

/* Loads the plugin at `path` (the bytes are read and copied), checks the ABI, instantiates it
 * and runs _initialize if exported. On success *out is a new plugin the caller frees with
 * xdperf_plugin_free(); opts is copied (its callbacks' contexts and the interrupt flag must
 * outlive the plugin). Errors (-ENOENT, -EINVAL, -ENOTSUP, -ENOMEM, -EINTR: _initialize was
 * interrupted) fill err with one line naming the plugin. */
int xdperf_plugin_load(const char *path, const struct xdperf_plugin_opts *opts,
		       struct xdperf_plugin **out, char *err, size_t errlen);
/* The same from bytes in memory (copied). */
int xdperf_plugin_load_bytes(const uint8_t *wasm, size_t len, const struct xdperf_plugin_opts *opts,
			     struct xdperf_plugin **out, char *err, size_t errlen);

/* Calls plugin_init with the configuration text (JSON; may be empty; the 0.11 ABI gets it in
 * base64 inside {"plugin_config": ...}). When the plugin declares its configuration
 * (xdperf_plugin_schema()), the text is checked against it first, unless
 * opts.skip_config_check: an unknown key or a wrong value is -EINVAL with err "plugin NAME:
 * config key ..." and the plugin is not called. 0, -EINTR (interrupted: "plugin NAME:
 * plugin_init was interrupted"), -EDQUOT (the call failed after the memory cap,
 * max_memory_pages, refused to grow the plugin's memory during it: a trap or a failed malloc;
 * err says so), or -EINVAL with err naming the error code, trap or unsuccessful answer. */
int xdperf_plugin_init(struct xdperf_plugin *p, const char *cfg, size_t len, char *err, size_t errlen);

/* Calls plugin_process with the request text. On success *out is a malloc'd, NUL-terminated
 * copy of the response (the caller frees it) and *outlen its length. Guide ABI: a -4 answer is
 * retried once with a buffer of max_output bytes; 0.11 ABI: the buffer is 32 MiB. Errors: -EINVAL (error code, trap, bad output range),
 * -E2BIG (output larger than max_output), -EINTR (interrupted), -EDQUOT (failed after the memory
 * cap refused a grow, as for xdperf_plugin_init), -ENOMEM. */
int xdperf_plugin_process(struct xdperf_plugin *p, const char *req, size_t len, char **out,
			  size_t *outlen, char *err, size_t errlen);

/* Calls plugin_cleanup if the plugin exports it and it was not called before (0 otherwise).
 * Returns 0, -EINTR (interrupted) or -EINVAL (trap), err naming the plugin. The plugin is not
 * called again by xdperf_plugin_free(); free it next. */
int xdperf_plugin_cleanup(struct xdperf_plugin *p, char *err, size_t errlen);

/* Calls plugin_cleanup (if exported and not called by xdperf_plugin_cleanup; its failure is
 * ignored, and while the interrupt flag is raised it fails at once) and frees everything. */
void xdperf_plugin_free(struct xdperf_plugin *p);

const char *xdperf_plugin_name(const struct xdperf_plugin *p);

/* Declared configuration (docs/plugin-config.md). A plugin may carry a custom section
 * "xdperf.config" holding a JSON object {"description": "...", "keys": {"NAME": {"type":
 * "integer|string|...", "default": ..., "description": "...", "min": n, "max": n, "enum":
 * [...]}, ..., "*": false}}, read without running the plugin. */

/* The schema in a module's bytes: 0 with *schema = NULL when it declares none, 0 with
 * *schema a malloc'd compact JSON text (the caller frees it), or -EINVAL (err says what is
 * wrong with the section: not JSON, an unknown type, a default of the wrong type, ...) or
 * -ENOMEM. */
int xdperf_plugin_read_schema(const uint8_t *wasm, size_t len, char **schema, char *err, size_t errlen);
/* The loaded plugin's schema (owned by p), or NULL when it declares none. A plugin whose
 * section is malformed fails to load. */
const char *xdperf_plugin_schema(const struct xdperf_plugin *p);
/* Checks a configuration text (JSON object; empty = none) against schema (NULL: anything
 * goes): 0, or -EINVAL with err one line naming the key: unknown (with "did you mean" when one
 * is close), of the wrong type or format, out of range or not one of its choices. */
int xdperf_plugin_check_config(const char *schema, const char *cfg, size_t len, char *err, size_t errlen);
/* XDPERF_PLUGIN_ABI_GUIDE or XDPERF_PLUGIN_ABI_JSON. */
int xdperf_plugin_abi(const struct xdperf_plugin *p);
/* The ABI a module's plugin_init asks for (GUIDE when it has none). */
int xdperf_plugin_module_abi(const xwasm_module *m);

/* Checks a loaded module's exports against the plugin ABI: calls report(ctx, text) for each
 * problem (missing or mistyped export, a _start-only WASI command, no memory export) and
 * returns the number of problems (0: the ABI is satisfied). */
int xdperf_plugin_check_abi(const xwasm_module *m, void (*report)(void *ctx, const char *problem),
			    void *ctx);
/* Formats a function type as "(i32, i32) -> (i32)". */
void xdperf_wasm_sig(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr,
		     char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
