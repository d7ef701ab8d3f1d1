/* Log lines of the library's services: the caller's callback or stderr (util/log.h). */
#include "util/log.h"

#include <stdio.h>
#include <time.h>
#include "xdperf/plugin.h"

const char *xdperf_log_level_name(int level)
{
	static const char *n[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	return level >= 0 && level <= 3 ? n[level] : "INFO";
}

void xdperf_vlogf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, va_list ap)
{
	char msg[512];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n;
	if (fn) {
		fn(ctx, name, level, msg, len);
		return;
	}
	if (level >= XDPERF_LOG_INFO)
		fprintf(stderr, "[%s] %s: %s\n", name, xdperf_log_level_name(level), msg);
}

void xdperf_logf(xdperf_log_fn fn, void *ctx, const char *name, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	xdperf_vlogf(fn, ctx, name, level, fmt, ap);
	va_end(ap);
}

bool xdperf_log_limit_pass(struct xdperf_log_limit *l, unsigned per_sec, xdperf_log_fn fn, void *ctx,
			   const char *name, const char *what)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if ((uint64_t)ts.tv_sec != l->sec) {
		if (l->dropped)
			xdperf_logf(fn, ctx, name, XDPERF_LOG_WARN, "%u more %s left out", l->dropped, what);
		l->sec = (uint64_t)ts.tv_sec;
		l->lines = 0;
		l->dropped = 0;
	}
	if (l->lines >= per_sec) {
		l->dropped++;
		return false;
	}
	l->lines++;
	return true;
}
