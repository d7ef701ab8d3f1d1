/* Log lines of the library's services (registry, responder, admin API, watch): to the caller's
 * callback when one is set, otherwise to stderr as "[name] LEVEL: message". */
#ifndef XDPERF_UTIL_LOG_H
#define XDPERF_UTIL_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* "DEBUG", "INFO", "WARN", "ERROR" (enum xdperf_log_level); "INFO" for anything else. */
const char *xdperf_log_level_name(int level);

typedef void (*xdperf_log_fn)(void *ctx, const char *name, int level, const char *msg, size_t len);

/* Formats one line (at most 511 bytes) and passes it on; stderr shows INFO and above. */
void xdperf_logf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void xdperf_vlogf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

#endif
