/* Tests of the generator plugin host (include/xdperf/plugin.h) with the WAT plugins in
 * tests/plugins (assembled by tests/cases/plugin_host.sh into argv[1]). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/plugin.h"
#include "check.h"

static const char *dir;

static char logbuf[4096];
static double metric_value;
static unsigned long long metric_ts;
static char metric_name[64];

static void on_log(void *ctx, const char *plugin, int level, const char *msg, size_t len)
{
	size_t o = strlen(logbuf);
	snprintf(logbuf + o, sizeof logbuf - o, "%s|%d|%.*s\n", plugin, level, (int)len, msg);
}

static void on_metric(void *ctx, const char *plugin, const char *name, double v, uint64_t ts)
{
	snprintf(metric_name, sizeof metric_name, "%s/%s", plugin, name);
	metric_value = v;
	metric_ts = (unsigned long long)ts;
}

static struct xdperf_plugin *load(const char *name, struct xdperf_plugin_opts *o, int *rc, char *err)
{
	char path[512];
	struct xdperf_plugin *p = NULL;
	snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
	*rc = xdperf_plugin_load(path, o, &p, err, 512);
	return p;
}

/* Loads, inits and processes; returns the process rc, err filled on failure. */
static int run(const char *name, struct xdperf_plugin_opts *o, const char *req, size_t reqlen,
	       char **out, size_t *outlen, char *err)
{
	int rc;
	*out = NULL;
	struct xdperf_plugin *p = load(name, o, &rc, err);
	if (!p)
		return rc;
	rc = xdperf_plugin_init(p, "{}", 2, err, 512);
	if (!rc)
		rc = xdperf_plugin_process(p, req, reqlen, out, outlen, err, 512);
	xdperf_plugin_free(p);
	return rc;
}

static void expect_error(const char *name, const char *want, struct xdperf_plugin_opts *o)
{
	char err[512] = "", *out;
	size_t outlen;
	int rc = run(name, o, "{\"count\":1}", 11, &out, &outlen, err);
	CHECK(rc < 0, "%s: expected an error, got rc %d", name, rc);
	CHECK(strstr(err, want) != NULL, "%s: expected message containing '%s', got '%s'", name, want, err);
	CHECK(strstr(err, name) != NULL || strstr(err, "plugin") != NULL,
	      "%s: message does not name the plugin: '%s'", name, err);
	free(out);
}

static void test_good(void)
{
	struct xdperf_plugin_opts o = { .sz = sizeof o, .log = on_log, .metric = on_metric,
					.log_level = XDPERF_LOG_INFO };
	char err[512] = "", *out;
	size_t outlen;
	logbuf[0] = 0;
	int rc = run("good", &o, "{\"count\":1}", 11, &out, &outlen, err);
	CHECK(rc == 0, "good: rc %d (%s)", rc, err);
	CHECK(out && outlen == 105 && !strncmp(out, "[{\"template\"", 12), "good: output '%s' (%zu)", out ? out : "(null)", outlen);
	CHECK(out && out[outlen] == 0, "good: output not NUL-terminated");
	CHECK(!strstr(logbuf, "debug-msg"), "good: DEBUG shown at level INFO: %s", logbuf);
	CHECK(strstr(logbuf, "good|1|info-msg_") && strstr(logbuf, "good|2|warn-msg_") &&
	      strstr(logbuf, "good|3|error-msg"), "good: log lines: %s", logbuf);
	CHECK(!strcmp(metric_name, "good/templates") && metric_value == 1.5 &&
	      metric_ts == 1700000000123000000ull, "good: metric %s=%g at %llu", metric_name,
	      metric_value, metric_ts);
	free(out);
	o.log_level = XDPERF_LOG_DEBUG;
	logbuf[0] = 0;
	rc = run("good", &o, "{}", 2, &out, &outlen, err);
	CHECK(rc == 0 && strstr(logbuf, "good|0|debug-msg"), "good: DEBUG missing at level DEBUG: %s", logbuf);
	free(out);
}

static void test_tinygo_like(void)
{
	struct xdperf_plugin_opts o = { .sz = sizeof o, .log = on_log, .log_level = XDPERF_LOG_INFO };
	char err[512] = "", *out;
	size_t outlen;
	logbuf[0] = 0;
	int rc = run("tinygo_like", &o, "{}", 2, &out, &outlen, err);
	CHECK(rc == 0 && outlen == 105, "tinygo_like: rc %d (%s)", rc, err);
	CHECK(strstr(logbuf, "tinygo_like|1|tinygo stdout line\n"), "tinygo_like: stdout not logged: %s", logbuf);
	free(out);
}

static void test_output_sizes(void)
{
	char err[512] = "", *out;
	size_t outlen;
	uint32_t want = 300000; /* larger than the first 64 KiB buffer: one retry */
	int rc = run("bigout", NULL, (const char *)&want, 4, &out, &outlen, err);
	CHECK(rc == 0 && outlen == want && out && out[0] == 'a' && out[want - 1] == 'a',
	      "bigout 300000: rc %d len %zu (%s)", rc, outlen, err);
	free(out);
	struct xdperf_plugin_opts o = { .sz = sizeof o, .max_output = 100000 };
	rc = run("bigout", &o, (const char *)&want, 4, &out, &outlen, err);
	CHECK(rc == -E2BIG && strstr(err, "output does not fit in 100000 bytes"), "bigout cap: rc %d '%s'", rc, err);
	free(out);
	/* memory cap: 4 pages cannot hold a 1 MiB output buffer */
	struct xdperf_plugin_opts m = { .sz = sizeof m, .max_memory_pages = 4 };
	want = 1 << 20;
	rc = run("bigout", &m, (const char *)&want, 4, &out, &outlen, err);
	CHECK(rc == -EDQUOT && strstr(err, "failed: the plugin memory cap (4 pages = 256 KiB) refused to grow its memory"),
	      "bigout memory cap: rc %d '%s'", rc, err);
	free(out);
	/* a malloc that returns 0 with the cap far away is the allocator's failure, not the cap's */
	rc = run("malloc_zero", NULL, "x", 1, &out, &outlen, err);
	CHECK(rc < 0 && strstr(err, "returned 0 (its allocator failed; the memory cap") && !strstr(err, "refused"),
	      "malloc_zero: rc %d '%s'", rc, err);
	free(out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR_WITH_PLUGINS\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	test_good();
	test_tinygo_like();
	test_output_sizes();
	struct xdperf_plugin_opts quiet = { .sz = sizeof quiet, .log = on_log, .fuel = 1000000 };
	expect_error("missing_process", "missing export plugin_process(i32, i32, i32, i32) -> (i32)", &quiet);
	expect_error("wrong_signature", "export plugin_init has type (i32) -> (i32), the plugin ABI needs plugin_init(i32, i32) -> (i32)", &quiet);
	expect_error("command", "is a WASI command (it exports _start), not a plugin", &quiet);
	expect_error("init_error", "plugin_init failed with error code 7", &quiet);
	expect_error("process_error", "plugin_process failed with error code -2", &quiet);
	expect_error("trap", "trap in plugin_process: unreachable", &quiet);
	expect_error("infinite_loop", "plugin_process ran out of fuel (instruction budget 1000000 per call)", &quiet);
	expect_error("unknown_import", "unknown import: env.nope (func (i32) -> ())", &quiet);
	expect_error("proc_exit", "called proc_exit(3) during plugin_process", &quiet);
	expect_error("overclaims_output", "reported 65537 bytes written into a 65536-byte buffer", &quiet);
	expect_error("no_such_plugin", "cannot read plugin", &quiet);
	expect_error("not_wasm", "invalid module", &quiet);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
