/* Log lines of the library's services: the caller's callback or stderr (util/log.h). */
#include "util/log.h"

#include <stdio.h>
#include <string.h>
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

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is not one (overlong forms,
 * surrogates and code points over U+10FFFF included) or encodes a C1 control. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (!k || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((k == 3 && c == 0xe0 && s[1] < 0xa0) || (k == 3 && c == 0xed && s[1] >= 0xa0) ||
	    (k == 4 && c == 0xf0 && s[1] < 0x90) || (k == 4 && c == 0xf4 && s[1] >= 0x90) ||
	    (k == 2 && c == 0xc2 && s[1] < 0xa0))
		return 0;
	return k;
}

size_t xdperf_log_escape(const char *in, size_t len, char *out, size_t outcap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	if (!outcap)
		return 0;
	for (size_t i = 0; i < len;) {
		char e[5];
		size_t el = 0, take = 1;
		unsigned c = s[i];
		size_t u = c >= 0x80 ? utf8_len(s + i, len - i) : 0;
		if (c == '\\') {
			e[0] = '\\', e[1] = '\\', el = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			e[0] = '\\', e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't', el = 2;
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !u)) {
			e[0] = '\\', e[1] = 'x', e[2] = hex[c >> 4], e[3] = hex[c & 15], el = 4;
		} else {
			take = u ? u : 1;
		}
		size_t need = el ? el : take;
		if (o + need >= outcap)
			break;
		memcpy(out + o, el ? e : in + i, need);
		o += need;
		i += take;
	}
	out[o] = 0;
	return o;
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
