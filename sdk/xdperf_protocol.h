/* xdperf protocol-module SDK: header only, for hot-loadable protocol modules
 * (include/xdperf/hotload.h). Build one C file into a WASI reactor:
 *
 *     clang --target=wasm32-wasi -O2 -mexec-model=reactor -Isdk -o echo.wasm echo.c
 *
 * ABI the XDP_PROTOCOL() macro exports (export_name attributes, no linker flags needed):
 *   alloc(size i32) -> i32          malloc; the host puts each message in such a buffer
 *   free(ptr i32)                   free; the host frees the output with it
 *   handle(inPtr i32, inLen i32) -> i64 = (outPtr << 32) | outLen
 *   memory                          (and _initialize, from the reactor start files)
 * The host owns the input buffer (it frees or reuses it; a module never frees it), copies the
 * output out and then frees it with `free` unless it lies inside the input buffer, so
 * xdp_out_set(out, in, len) answers with the input itself, without a copy.
 * If the handler returns < 0, handle traps (unreachable): the host counts a failed call
 * (fault "trap") and the instance stays usable for the next message.
 *
 * Minimal module (answers its input upper-cased):
 *
 *     #include "xdperf_protocol.h"
 *     XDP_PROTOCOL(upper)
 *     static int upper(const uint8_t *in, uint32_t len, xdp_out *out)
 *     {
 *             uint8_t *p = xdp_out_reserve(out, len);
 *             if (!p)
 *                     return -1;
 *             for (uint32_t i = 0; i < len; i++)
 *                     p[i] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i];
 *             return 0;
 *     }
 *
 * Everything here is prefixed xdp_proto_ / XDP_PROTO_ (or xdp_out), so this header can be
 * included together with the generator SDK (xdperf_plugin.h).
 */
#ifndef XDPERF_PROTOCOL_H
#define XDPERF_PROTOCOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XDP_PROTO_EXPORT(name) __attribute__((export_name(#name)))
#define XDP_PROTO_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* ---- host imports (pointers are i32 offsets in the module's memory) ----------------------- */

XDP_PROTO_IMPORT(host_log) void xdp_proto_host_log(int32_t level, const char *msg, int32_t len);
XDP_PROTO_IMPORT(host_report_metric) void xdp_proto_host_report_metric(const char *name, int32_t name_len,
								       double value, int64_t timestamp_ns);

enum { XDP_PROTO_LOG_DEBUG = 0, XDP_PROTO_LOG_INFO = 1, XDP_PROTO_LOG_WARN = 2, XDP_PROTO_LOG_ERROR = 3 };

/* One log line (msg[0..len)) to the host. */
static inline void xdp_proto_logn(int level, const char *msg, size_t len)
{
	xdp_proto_host_log(level, msg, (int32_t)len);
}

/* One log line (a C string) to the host. */
static inline void xdp_proto_log(int level, const char *msg)
{
	xdp_proto_logn(level, msg, strlen(msg));
}

/* Realtime clock in ns since the epoch (imports WASI clock_time_get). */
static inline int64_t xdp_proto_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reports a metric with an explicit timestamp (no WASI import needed). Each instance (one per
 * worker) reports its own values; `xdperf serve` sums a name ending in "_total" over workers as
 * a counter (report this instance's count, never decreasing) and shows any other name per worker
 * as a gauge (README: Metrics). */
static inline void xdp_proto_metric_at(const char *name, double value, int64_t ts_ns)
{
	xdp_proto_host_report_metric(name, (int32_t)strlen(name), value, ts_ns);
}

/* Reports a metric stamped with the current time (uses the WASI clock). */
static inline void xdp_proto_metric(const char *name, double value)
{
	xdp_proto_metric_at(name, value, xdp_proto_now_ns());
}

/* ---- the answer --------------------------------------------------------------------------- */

/* The output of one handle call. Start empty; fill it with the functions below. */
typedef struct xdp_out {
	uint8_t *data; /* the answer's bytes */
	uint32_t len;
	uint32_t cap;  /* bytes malloc'd at data when owned */
	int owned;     /* data is the SDK's malloc'd buffer */
} xdp_out;

#define XDP_PROTO_MAX_OUT 0x7fffffffu

/* Appends n bytes to the answer and returns where to write them (NULL when out of memory or
 * over 2 GiB). An answer set with xdp_out_set() is first copied into a fresh buffer. */
static inline uint8_t *xdp_out_reserve(xdp_out *out, uint32_t n)
{
	if (n > XDP_PROTO_MAX_OUT - out->len)
		return NULL;
	uint32_t need = out->len + n;
	if (!out->owned || need > out->cap) {
		uint32_t cap = out->owned && out->cap ? out->cap : 64;
		while (cap < need)
			cap = cap > XDP_PROTO_MAX_OUT / 2 ? XDP_PROTO_MAX_OUT : cap * 2;
		uint8_t *p;
		if (out->owned) {
			p = realloc(out->data, cap);
		} else {
			p = malloc(cap);
			if (p && out->len)
				memcpy(p, out->data, out->len);
		}
		if (!p)
			return NULL;
		out->data = p;
		out->cap = cap;
		out->owned = 1;
	}
	uint8_t *at = out->data + out->len;
	out->len = need;
	return at;
}

/* Appends data[0..n) to the answer. Returns 0, or -1 when out of memory. */
static inline int xdp_out_write(xdp_out *out, const void *data, uint32_t n)
{
	uint8_t *p = xdp_out_reserve(out, n);
	if (!p)
		return -1;
	if (n)
		memcpy(p, data, n);
	return 0;
}

/* Makes ptr[0..len) the whole answer without copying (a buffer the SDK held is freed). ptr
 * must lie inside the input (the host leaves it alone) or be the start of a block you
 * malloc'd (the host frees it after copying the answer out). Never static or stack memory:
 * copy those with xdp_out_write(). Call it last: a later write copies the answer first. */
static inline void xdp_out_set(xdp_out *out, const void *ptr, uint32_t len)
{
	if (out->owned)
		free(out->data);
	out->data = (uint8_t *)(uintptr_t)ptr;
	out->len = len;
	out->cap = 0;
	out->owned = 0;
}

/* ---- the exports -------------------------------------------------------------------------- */

typedef int (*xdp_proto_handler)(const uint8_t *in, uint32_t len, xdp_out *out);

/* The body of the handle export: runs fn, traps when it fails, packs the answer. */
static inline int64_t xdp_proto_run(xdp_proto_handler fn, const uint8_t *in, int32_t len)
{
	xdp_out out = { 0 };
	if (fn(in, (uint32_t)len, &out) < 0) {
		if (out.owned)
			free(out.data);
		__builtin_trap();
	}
	if (out.len == 0) { /* empty answer: point at the input so the host frees nothing */
		if (out.owned)
			free(out.data);
		out.data = (uint8_t *)(uintptr_t)in;
	}
	return (int64_t)(((uint64_t)(uintptr_t)out.data << 32) | out.len);
}

/* Defines the module's exports around the handler
 *     static int fn(const uint8_t *in, uint32_t len, xdp_out *out);
 * (declared here, defined by you before or after). fn returns 0, or < 0 to fail the call. */
#define XDP_PROTOCOL(fn)                                                                  \
	static int fn(const uint8_t *in, uint32_t len, xdp_out *out);                     \
	XDP_PROTO_EXPORT(alloc) void *xdp_proto_export_alloc(int32_t size)                \
	{                                                                                 \
		return malloc((size_t)(uint32_t)size);                                    \
	}                                                                                 \
	XDP_PROTO_EXPORT(free) void xdp_proto_export_free(void *ptr)                      \
	{                                                                                 \
		free(ptr);                                                                \
	}                                                                                 \
	XDP_PROTO_EXPORT(handle) int64_t xdp_proto_export_handle(const uint8_t *in, int32_t len) \
	{                                                                                 \
		return xdp_proto_run(fn, in, len);                                        \
	}

#ifdef __cplusplus
}
#endif
#endif
