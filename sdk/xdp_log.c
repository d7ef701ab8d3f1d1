/* xdperf plugin SDK, xdp_log.c: Logging and metrics: xdp_log, xdp_metric and xdp_now_ns, over the
 * host imports env.host_log and env.host_report_metric. */
#include "xdp_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t xdp_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void xdp_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	xdp_host_log(level, msg, n);
}

void xdp_metric(const char *name, double value)
{
	xdp_host_report_metric(name, (int32_t)strlen(name), value, xdp_now_ns());
}
