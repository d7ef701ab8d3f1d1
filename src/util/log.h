/* Log lines of the library's services (registry, responder, admin API, watch): to the caller's
 * callback when one is set, otherwise to stderr as "[name] LEVEL: message". */
#ifndef XDPERF_UTIL_LOG_H
#define XDPERF_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* "DEBUG", "INFO", "WARN", "ERROR" (enum xdperf_log_level); "INFO" for anything else. */
const char *xdperf_log_level_name(int level);

typedef void (*xdperf_log_fn)(void *ctx, const char *name, int level, const char *msg, size_t len);

/* Formats one line (at most 511 bytes) and passes it on; stderr shows INFO and above. */
void xdperf_logf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void xdperf_vlogf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* Text a module (or a client) gave, made safe for one log line: in[0..len) into out (at most
 * outcap - 1 bytes and a NUL, cut only between whole characters), with '\\' as "\\\\", \n \r \t
 * as "\\n" "\\r" "\\t", every other byte below 0x20, 0x7f, every byte that is not part of valid
 * UTF-8 and the C1 controls (U+0080..U+009F) as "\\xNN"; other UTF-8 passes unchanged. So a
 * module can neither start a line of its own nor send a terminal escape. Returns the length. */
size_t xdperf_log_escape(const char *in, size_t len, char *out, size_t outcap);

/* A cap on log lines per second for one thread's lines (a flood of failing requests must not
 * flood the log). Start with {0}. */
struct xdperf_log_limit {
	uint64_t sec;
	unsigned lines, dropped;
};

/* True when one more line may be logged this second (at most per_sec); in a new second, first
 * logs at WARN how many were left out in the last one: "N more WHAT left out". */
bool xdperf_log_limit_pass(struct xdperf_log_limit *l, unsigned per_sec, xdperf_log_fn fn, void *ctx,
			   const char *name, const char *what);

#endif
