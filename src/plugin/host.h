/* Host imports shared by generator plugins and protocol modules: env.host_log,
 * env.host_report_metric and the WASI subset, bound to a sink that names the module and
 * receives its log lines and metric values. */
#ifndef XDPERF_PLUGIN_HOST_H
#define XDPERF_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/hotload.h"
#include "xdperf/wasi.h"
#include "xdperf/wasm.h"
#include "util/log.h"

struct xdperf_host_sink {
	char name[96];  /* module name in log lines, e.g. "simpleudp" or "echo@1.0.0" */
	int log_level;  /* lowest level passed on (enum xdperf_log_level) */
	/* NULL: printed on stderr as "[<prefix> NAME] LEVEL: message" */
	void (*log)(void *ctx, const char *name, int level, const char *msg, size_t len);
	void *log_ctx;
	void (*metric)(void *ctx, const char *name, const char *metric, double value, uint64_t ts_ns);
	void *metric_ctx;
	/* Protocol modules: used instead of `metric` when set, with the calling instance's user
	 * pointer as the source (a const struct xdperf_metric_source *, or NULL). */
	xdperf_metric_fn metric_src;
	const char *prefix; /* "plugin" or "protocol" */
	/* A directory the module's WASI context preopens (a generator plugin's read-only grant,
	 * plugin_dir.c); .host NULL, the default: none. Read by xdperf_host_define() alone. */
	struct xwasm_wasi_preopen dir;
};

/* Defines env.host_log, env.host_report_metric and WASI (a new context stored in *wasi, which
 * the caller frees with xwasm_wasi_free after every instance) into l, bound to s; s must
 * outlive every instance made through l. Returns 0 or a negative errno. */
int xdperf_host_define(xwasm_linker *l, struct xdperf_host_sink *s, struct xwasm_wasi **wasi);

/* After each call into a module bound to s: what it wrote to WASI fd 1/2 without ending the
 * line goes to the log now (its lines went as they ended). */
void xdperf_host_flush(const struct xdperf_host_sink *s);

/* Passes one log line of the module to the sink (trailing newlines dropped, level clamped). */
void xdperf_host_log(const struct xdperf_host_sink *s, int level, const char *msg, size_t len);

/* Collects the first problem an ABI check reports (report callback of the check functions). */
struct xdperf_first_problem {
	char text[400];
	bool set;
};
void xdperf_keep_first(void *ctx, const char *problem);

#endif
