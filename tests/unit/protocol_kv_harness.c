/* Sends a sequence of messages to ONE instance of a protocol module, through the public
 * hot-load API (include/xdperf/hotload.h: registry, start_testing + promote, one worker,
 * route), so a stateful module (protocols/kv.c) keeps its state from one message to the next;
 * `xdperf protocol call` sends one message per run, to a fresh instance.
 * Used by tests/cases/protocol_modules.sh.
 *
 *   protocol_kv_harness MODULE.wasm [-m] ARG...
 *
 * ARG, in order:
 *   TEXT                   one message; prints its answer on one line ("FAULT <kind>: <error>"
 *                          when the call failed)
 *   --hex HEX              one message given in hex (any bytes); prints the answer in hex
 *                          ("-" for an empty answer)
 *   --repeat N MSG WANT    sends MSG N times, with every "%d" in it replaced by 0..N-1, and
 *                          compares each answer with WANT (same substitution); prints
 *                          "repeat N: M matched" and, when M < N, the first mismatch
 * -m prints each metric the module reports as "metric NAME VALUE" on its own line, in order
 * with the answers (not during --repeat). Registry log lines go to stderr.
 * Exit 0; 1 on a setup failure or a bad argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf/hotload.h"

static int print_metrics;
static int in_repeat;

static void log_line(void *ctx, const char *name, int level, const char *msg, size_t len)
{
	(void)ctx;
	fprintf(stderr, "[%s] %d: %.*s\n", name, level, (int)len, msg);
}

static void metric(void *ctx, const char *name, const char *m, double value, uint64_t ts_ns,
		   const struct xdperf_metric_source *src)
{
	(void)ctx;
	(void)name;
	(void)ts_ns;
	(void)src;
	if (m && print_metrics && !in_repeat) /* m NULL: an instance ends */
		printf("metric %s %g\n", m, value);
}

/* fmt with every "%d" replaced by i, in a static buffer. */
static const char *subst(const char *fmt, unsigned i)
{
	static char buf[65536];
	size_t n = 0;

	for (const char *p = fmt; *p && n < sizeof(buf) - 16; p++) {
		if (p[0] == '%' && p[1] == 'd') {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%u", i);
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = 0;
	return buf;
}

static struct xdperf_registry *reg;
static struct xdperf_worker *worker;
static struct xdperf_proto_buf out;

/* One message; the answer (or the fault) in `out`, NUL-terminated. Returns 0 or -1 (fault). */
static int send_bytes(const void *msg, size_t len)
{
	char err[512];
	struct xdperf_call_info info;

	if (xdperf_registry_route(reg, worker, "kv", NULL, 0, msg, len, &out, &info,
				  err, sizeof(err))) {
		char line[700];
		int n = snprintf(line, sizeof(line), "FAULT %s: %s", xdperf_proto_fault_str(info.fault), err);
		if (out.cap < (size_t)n + 1 && !(out.data = realloc(out.data, out.cap = (size_t)n + 1)))
			exit(1);
		memcpy(out.data, line, (size_t)n + 1);
		out.len = (size_t)n;
		return -1;
	}
	if (out.cap < out.len + 1 && !(out.data = realloc(out.data, out.cap = out.len + 1)))
		exit(1);
	out.data[out.len] = 0;
	return 0;
}

static int send_msg(const char *msg)
{
	return send_bytes(msg, strlen(msg));
}

/* --hex HEX: decodes HEX, sends it, prints the answer in hex. */
static void send_hex(const char *hex)
{
	size_t n = strlen(hex) / 2;
	unsigned char *b = malloc(n + 1);
	unsigned v;

	if (!b)
		exit(1);
	for (size_t k = 0; k < n; k++) {
		if (sscanf(hex + 2 * k, "%2x", &v) != 1) {
			fprintf(stderr, "harness: bad hex '%s'\n", hex);
			exit(1);
		}
		b[k] = (unsigned char)v;
	}
	if (send_bytes(b, n))
		printf("%s\n", (const char *)out.data);
	else if (!out.len)
		printf("-\n");
	else {
		for (size_t k = 0; k < out.len; k++)
			printf("%02x", out.data[k]);
		printf("\n");
	}
	fflush(stdout);
	free(b);
}

int main(int argc, char **argv)
{
	char err[512];
	int i = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: protocol_kv_harness MODULE.wasm [-m] ARG...\n");
		return 1;
	}
	if (argc > 2 && !strcmp(argv[2], "-m"))
		print_metrics = 1, i = 3;
	struct xdperf_registry_opts ro = { .sz = sizeof(ro), .log = log_line, .metric = metric };
	if (xdperf_registry_new(&ro, &reg, err, sizeof(err)) ||
	    xdperf_registry_load_file(reg, "kv", "1", argv[1], NULL, err, sizeof(err)) ||
	    xdperf_registry_start_testing(reg, "kv", "1", err, sizeof(err)) ||
	    xdperf_registry_promote(reg, "kv", "1", err, sizeof(err)) ||
	    xdperf_worker_new(reg, &worker, err, sizeof(err))) {
		fprintf(stderr, "harness: %s\n", err);
		return 1;
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--hex") && i + 1 < argc) {
			send_hex(argv[++i]);
			continue;
		}
		if (strcmp(argv[i], "--repeat")) {
			send_msg(argv[i]);
			printf("%.*s\n", (int)out.len, (const char *)out.data);
			fflush(stdout);
			continue;
		}
		if (i + 3 >= argc) {
			fprintf(stderr, "harness: --repeat N MSG WANT\n");
			return 1;
		}
		unsigned n = (unsigned)strtoul(argv[i + 1], NULL, 10), matched = 0;
		const char *msg = argv[i + 2], *want = argv[i + 3];
		char first[1024] = "";
		in_repeat = 1;
		for (unsigned k = 0; k < n; k++) {
			send_msg(subst(msg, k));
			const char *w = subst(want, k);
			if (out.len == strlen(w) && !memcmp(out.data, w, out.len))
				matched++;
			else if (!first[0])
				snprintf(first, sizeof(first), "first mismatch at %u: got '%s', want '%s'",
					 k, (const char *)out.data, w);
		}
		in_repeat = 0;
		printf("repeat %u: %u matched\n", n, matched);
		if (first[0])
			printf("%s\n", first);
		i += 3;
	}
	free(out.data);
	xdperf_worker_free(worker);
	xdperf_registry_free(reg);
	return 0;
}
