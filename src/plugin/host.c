/* Host imports shared by generator plugins and protocol modules (see host.h). */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>
#include "plugin/host.h"
#include "util/log.h"
#include "xdperf/plugin.h"

#define HOST_LOG_MAX 1024 /* bytes of one module log line kept; the rest is counted */

void xdperf_host_log(const struct xdperf_host_sink *s, int level, const char *msg, size_t len)
{
	if (level < XDPERF_LOG_DEBUG)
		level = XDPERF_LOG_DEBUG;
	if (level > XDPERF_LOG_ERROR)
		level = XDPERF_LOG_ERROR;
	if (level < s->log_level)
		return;
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	/* the module's text, escaped (no line or terminal escape of its own) and at most
	 * HOST_LOG_MAX bytes of it */
	char buf[4 * HOST_LOG_MAX + 64];
	size_t cut = len > HOST_LOG_MAX ? len - HOST_LOG_MAX : 0;
	size_t n = xdperf_log_escape(msg, len - cut, buf, sizeof buf - 48);
	if (cut)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " [%zu more bytes left out]", cut);
	if (s->log) {
		s->log(s->log_ctx, s->name, level, buf, n);
		return;
	}
	fprintf(stderr, "[%s %s] %s: %s\n", s->prefix ? s->prefix : "plugin", s->name,
		xdperf_log_level_name(level), buf);
}

/* env.host_log(level i32, ptr i32, len i32) */
static int host_log(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	uint32_t ptr = (uint32_t)args[1].of.i32, len = (uint32_t)args[2].of.i32;
	const char *msg = xwasm_memory_ptr(xwasm_instance_memory0(caller), ptr, len);
	if (!msg) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST,
					"host_log: message [%u, +%u) is outside the module's memory", ptr, len);
		return XWASM_TRAP_HOST;
	}
	xdperf_host_log(user, args[0].of.i32, msg, len);
	return 0;
}

/* Timestamps may be seconds, milliseconds, microseconds or nanoseconds since the epoch. */
static uint64_t timestamp_ns(int64_t ts)
{
	if (ts <= 0)
		return 0;
	uint64_t t = (uint64_t)ts;
	if (t < 100000000000ull)          /* < 1e11: seconds (until year 5138) */
		return t * 1000000000ull;
	if (t < 100000000000000ull)       /* < 1e14: milliseconds */
		return t * 1000000ull;
	if (t < 100000000000000000ull)    /* < 1e17: microseconds */
		return t * 1000ull;
	return t;
}

/* env.host_report_metric(namePtr i32, nameLen i32, value f64, timestamp i64) */
static int host_metric(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xdperf_host_sink *s = user;
	uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
	const char *name = xwasm_memory_ptr(xwasm_instance_memory0(caller), ptr, len);
	if (!name || len > 256) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST,
					"host_report_metric: name [%u, +%u) is outside the module's memory or too long",
					ptr, len);
		return XWASM_TRAP_HOST;
	}
	if (s->metric || s->metric_src) {
		char buf[257];
		memcpy(buf, name, len);
		buf[len] = 0;
		if (s->metric_src)
			s->metric_src(s->metric_ctx, s->name, buf, args[2].of.f64, timestamp_ns(args[3].of.i64),
				      xwasm_instance_user(caller));
		else
			s->metric(s->metric_ctx, s->name, buf, args[2].of.f64, timestamp_ns(args[3].of.i64));
	}
	return 0;
}

/* WASI fd 1/2 of the module: its log at INFO (stdout) or WARN (stderr), a log line per line
 * it writes, however many writes make the line (a Rust panic message comes in a dozen). The
 * text is gathered per thread (a thread runs one module call at a time; instances of one
 * module run in several threads at once) and a line's unfinished rest goes out when the call
 * ends (xdperf_host_flush) or the buffer is full. Any bytes, NULs too: the log escapes them. */
static _Thread_local struct {
	const struct xdperf_host_sink *s; /* whose text is held */
	size_t n[2];                      /* bytes held for fd 1 and 2 */
	char b[2][HOST_LOG_MAX];
} pending;

static int level_of(int fd)
{
	return fd == 2 ? XDPERF_LOG_WARN : XDPERF_LOG_INFO;
}

void xdperf_host_flush(const struct xdperf_host_sink *s)
{
	if (pending.s != s)
		return;
	for (int i = 0; i < 2; i++)
		if (pending.n[i]) {
			xdperf_host_log(s, level_of(i + 1), pending.b[i], pending.n[i]);
			pending.n[i] = 0;
		}
	pending.s = NULL;
}

static int wasi_write(void *ctx, int fd, const void *buf, size_t len)
{
	const struct xdperf_host_sink *s = ctx;
	if (pending.s && pending.s != s)
		xdperf_host_flush(pending.s); /* (not left over: calls end with a flush) */
	pending.s = s;
	int i = fd == 2;
	const char *p = buf;
	for (size_t k = 0; k < len; k++) {
		char c = p[k];
		if (c != '\n')
			pending.b[i][pending.n[i]++] = c;
		if (c == '\n' || pending.n[i] == HOST_LOG_MAX) {
			xdperf_host_log(s, level_of(fd), pending.b[i], pending.n[i]);
			pending.n[i] = 0;
		}
	}
	return (int)(len > INT32_MAX ? INT32_MAX : len);
}

/* ---- AssemblyScript's runtime imports ---------------------------------------------------- */

/* An AssemblyScript string at ptr (UTF-16LE; its byte length in the 4 bytes before it) as
 * UTF-8 into buf (at most len - 1 bytes, ends cut; unpaired surrogates as U+FFFD); "" for a
 * null or unreadable one. */
static void as_string(xwasm_instance *inst, uint32_t ptr, char *buf, size_t len)
{
	buf[0] = 0;
	xwasm_memory *mem = xwasm_instance_memory0(inst);
	const uint8_t *hdr = ptr >= 4 ? xwasm_memory_ptr(mem, ptr - 4, 4) : NULL;
	if (!ptr || !hdr)
		return;
	uint32_t bytes = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
			 (uint32_t)hdr[3] << 24;
	if (bytes > 4096)
		bytes = 4096;
	const uint8_t *u = xwasm_memory_ptr(mem, ptr, bytes & ~1u);
	if (!u)
		return;
	size_t o = 0;
	for (uint32_t i = 0; i + 1 < bytes; i += 2) {
		uint32_t c = (uint32_t)u[i] | (uint32_t)u[i + 1] << 8;
		if (c >= 0xd800 && c <= 0xdbff && i + 3 < bytes) {
			uint32_t lo = (uint32_t)u[i + 2] | (uint32_t)u[i + 3] << 8;
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else {
				c = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			c = 0xfffd;
		}
		char e[4];
		size_t n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (n == 1) {
			e[0] = (char)c;
		} else if (n == 2) {
			e[0] = (char)(0xc0 | c >> 6);
			e[1] = (char)(0x80 | (c & 0x3f));
		} else if (n == 3) {
			e[0] = (char)(0xe0 | c >> 12);
			e[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			e[2] = (char)(0x80 | (c & 0x3f));
		} else {
			e[0] = (char)(0xf0 | c >> 18);
			e[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			e[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			e[3] = (char)(0x80 | (c & 0x3f));
		}
		if (o + n >= len)
			break;
		memcpy(buf + o, e, n);
		o += n;
	}
	buf[o] = 0;
}

/* env.abort(message, fileName, line, column): AssemblyScript's failed assertion or throw, a trap
 * whose message has its text, file and line. */
static int as_abort(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)user;
	(void)results;
	char msg[512], file[256];
	as_string(caller, (uint32_t)args[0].of.i32, msg, sizeof msg);
	as_string(caller, (uint32_t)args[1].of.i32, file, sizeof file);
	xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "abort: %s at %s:%u:%u",
				msg[0] ? msg : "(no message)", file[0] ? file : "?",
				(uint32_t)args[2].of.i32, (uint32_t)args[3].of.i32);
	return XWASM_TRAP_HOST;
}

/* env.trace(message, n, a0..a4): a log line at DEBUG with the message and its n numbers. */
static int as_trace(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)results;
	char msg[512], line[900];
	as_string(caller, (uint32_t)args[0].of.i32, msg, sizeof msg);
	int n = args[1].of.i32 < 0 ? 0 : args[1].of.i32 > 5 ? 5 : args[1].of.i32;
	int k = snprintf(line, sizeof line, "trace: %s", msg);
	for (int i = 0; i < n && k > 0 && (size_t)k < sizeof line; i++)
		k += snprintf(line + k, sizeof line - (size_t)k, "%s%.17g", i ? ", " : " ",
			      args[2 + i].of.f64);
	xdperf_host_log(user, XDPERF_LOG_DEBUG, line, strlen(line));
	return 0;
}

/* env.seed() -> f64: the seed of Math.random, from the system's random source. */
static int as_seed(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)caller;
	(void)user;
	(void)args;
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	results[0].type = XWASM_F64;
	results[0].of.f64 = (double)(v >> 11); /* a whole number below 2^53 */
	return 0;
}

int xdperf_host_define(xwasm_linker *l, struct xdperf_host_sink *s, struct xwasm_wasi **wasi)
{
	static const uint8_t log_params[] = { XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t metric_params[] = { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_I64 };
	struct xwasm_wasi_opts wo = { .sz = sizeof wo, .write = wasi_write, .write_ctx = s,
				      .preopens = &s->dir, .npreopens = s->dir.host ? 1 : 0 };
	*wasi = NULL;
	int rc = xwasm_linker_define_func(l, "env", "host_log", log_params, 3, NULL, 0, host_log, s);
	if (!rc)
		rc = xwasm_linker_define_func(l, "env", "host_report_metric", metric_params, 4, NULL, 0,
					      host_metric, s);
	/* AssemblyScript's runtime imports (its default builds import them) */
	static const uint8_t abort_params[] = { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t trace_params[] = { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_F64,
						XWASM_F64, XWASM_F64, XWASM_F64 };
	static const uint8_t seed_results[] = { XWASM_F64 };
	if (!rc)
		rc = xwasm_linker_define_func(l, "env", "abort", abort_params, 4, NULL, 0, as_abort, s);
	if (!rc)
		rc = xwasm_linker_define_func(l, "env", "trace", trace_params, 7, NULL, 0, as_trace, s);
	if (!rc)
		rc = xwasm_linker_define_func(l, "env", "seed", NULL, 0, seed_results, 1, as_seed, s);
	if (!rc)
		rc = xwasm_wasi_new(&wo, wasi);
	if (!rc)
		rc = xwasm_wasi_define(l, *wasi);
	return rc;
}

void xdperf_keep_first(void *ctx, const char *problem)
{
	struct xdperf_first_problem *f = ctx;
	if (!f->set)
		snprintf(f->text, sizeof f->text, "%s", problem);
	f->set = true;
}
