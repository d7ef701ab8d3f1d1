/* Interrupting protocol module calls (include/xdperf/hotload.h: the module's and the registry's
 * opts.interrupt) with tests/protocols/loop_on.wat ("loop..." never returns), under a fuel
 * budget of 10^12 (far beyond the test): the loader's instance call and the registry's route
 * and execute are ended from another thread after ~100 ms with -EINTR, fault "interrupted" and
 * one line naming the module; while the flag stays raised calls fail at once the same way
 * (also on a new instance, whose alloc is interrupted); after clearing it the same instances
 * answer; the registry counts the interrupted messages as errors (not traps or fuel).
 *
 * Usage: hotload_interrupt_test WASM_DIR (the assembled tests/protocols modules). Bounds are
 * generous: a call must end after the raise and within LATENCY_BOUND_S of it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xdperf/hotload.h"
#include "check.h"

#define LATENCY_BOUND_S 3.0
#define RAISE_AFTER_S 0.1

static xwasm_interrupt *irq;
static double raised_at;
static char err[512];
static struct xdperf_proto_buf ob;
static const struct xdperf_proto_policy big_fuel = { .sz = sizeof big_fuel, .fuel = 1000000000000ull };

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *raise_later(void *arg)
{
	struct timespec t = { 0, (long)(RAISE_AFTER_S * 1e9) };
	while (nanosleep(&t, &t) && errno == EINTR)
		;
	raised_at = now_s();
	xwasm_interrupt_raise(irq);
	return NULL;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 16];
	if (!f) {
		printf("FATAL: cannot open %s\n", path);
		exit(2);
	}
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

static void check_interrupted(const char *what, int rc, int fault, const char *want, double t0)
{
	double t1 = now_s();
	CHECK(rc == -EINTR && fault == XDPERF_FAULT_INTERRUPTED && !strcmp(err, want),
	      "%s: expected -EINTR, fault interrupted, '%s'; got %d, %s, '%s'", what, want, rc,
	      xdperf_proto_fault_str((enum xdperf_proto_fault)fault), err);
	CHECK(t1 >= raised_at && t1 - t0 >= RAISE_AFTER_S, "%s: ended %.3f s after it started, before the raise",
	      what, t1 - t0);
	CHECK(t1 - raised_at < LATENCY_BOUND_S, "%s: ended %.3f s after the raise", what, t1 - raised_at);
	printf("latency %-40s %7.2f ms after the raise\n", what, (t1 - raised_at) * 1e3);
}

static void test_loader(const uint8_t *wasm, size_t len)
{
	struct xdperf_proto_module_opts o = { .sz = sizeof o, .name = "loop@1", .policy = &big_fuel,
					      .interrupt = irq };
	struct xdperf_proto_module *m = NULL;
	int rc = xdperf_proto_module_load(wasm, len, &o, &m, err, sizeof err);
	CHECK(rc == 0, "module load: %d '%s'", rc, err);
	struct xdperf_proto_instance *pi = NULL;
	rc = xdperf_proto_instance_new(m, &pi, err, sizeof err);
	CHECK(rc == 0, "instance: %d '%s'", rc, err);
	if (!pi)
		exit(1);
	enum xdperf_proto_fault f = XDPERF_FAULT_NONE;
	pthread_t th;
	double t0 = now_s();
	pthread_create(&th, NULL, raise_later, NULL);
	rc = xdperf_proto_instance_call(pi, "loop", 4, &ob, &f, err, sizeof err);
	pthread_join(th, NULL);
	check_interrupted("instance call 'loop'", rc, f, "protocol loop@1: handle was interrupted", t0);

	/* still raised: at once, on this instance and on a new one (its alloc is interrupted) */
	rc = xdperf_proto_instance_call(pi, "ok", 2, &ob, &f, err, sizeof err);
	CHECK(rc == -EINTR && f == XDPERF_FAULT_INTERRUPTED && !strcmp(err, "protocol loop@1: handle was interrupted"),
	      "call while raised: %d %s '%s'", rc, xdperf_proto_fault_str(f), err);
	struct xdperf_proto_instance *pi2 = NULL;
	rc = xdperf_proto_instance_new(m, &pi2, err, sizeof err);
	CHECK(rc == 0, "new instance while raised (no _initialize): %d '%s'", rc, err);
	if (pi2) {
		rc = xdperf_proto_instance_call(pi2, "ok", 2, &ob, &f, err, sizeof err);
		CHECK(rc == -EINTR && f == XDPERF_FAULT_INTERRUPTED &&
			      !strcmp(err, "protocol loop@1: handle was interrupted"),
		      "first call on a new instance while raised: %d %s '%s'", rc, xdperf_proto_fault_str(f), err);
	}
	/* cleared: both instances answer */
	xwasm_interrupt_clear(irq);
	rc = xdperf_proto_instance_call(pi, "ok", 2, &ob, &f, err, sizeof err);
	CHECK(rc == 0 && f == XDPERF_FAULT_NONE && ob.len == 2 && !memcmp(ob.data, "ok", 2),
	      "call after clearing: %d %s '%s'", rc, xdperf_proto_fault_str(f), err);
	if (pi2) {
		rc = xdperf_proto_instance_call(pi2, "ok", 2, &ob, &f, err, sizeof err);
		CHECK(rc == 0 && ob.len == 2, "new instance after clearing: %d '%s'", rc, err);
	}
	xdperf_proto_instance_free(pi2);
	xdperf_proto_instance_free(pi);
	xdperf_proto_module_free(m);
}

static void quiet(void *ctx, const char *name, int level, const char *msg, size_t len)
{
}

static void test_registry(const uint8_t *wasm, size_t len)
{
	struct xdperf_registry_opts ro = { .sz = sizeof ro, .policy = big_fuel, .log = quiet, .interrupt = irq };
	struct xdperf_registry *r = NULL;
	int rc = xdperf_registry_new(&ro, &r, err, sizeof err);
	CHECK(rc == 0, "registry: %d '%s'", rc, err);
	if (!r)
		exit(1);
	rc = xdperf_registry_load(r, "loop", "1.0", wasm, len, NULL, err, sizeof err);
	if (!rc)
		rc = xdperf_registry_start_testing(r, "loop", "1.0", err, sizeof err);
	if (!rc)
		rc = xdperf_registry_promote(r, "loop", "1.0", err, sizeof err);
	CHECK(rc == 0, "load and promote loop@1.0: %d '%s'", rc, err);
	struct xdperf_worker *w = NULL;
	xdperf_worker_new(r, &w, err, sizeof err);
	struct xdperf_call_info ci;
	uint32_t key = 7;
	pthread_t th;

	for (int via_route = 0; via_route < 2; via_route++) {
		const char *what = via_route ? "registry route 'loop'" : "registry execute 'loop'";
		double t0 = now_s();
		pthread_create(&th, NULL, raise_later, NULL);
		memset(&ci, 0, sizeof ci);
		rc = via_route ? xdperf_registry_route(r, w, "loop", &key, 4, "loop", 4, &ob, &ci, err, sizeof err)
			       : xdperf_registry_execute(r, w, "loop", "1.0", "loop", 4, &ob, &ci, err, sizeof err);
		pthread_join(th, NULL);
		check_interrupted(what, rc, ci.fault, "protocol loop@1.0: handle was interrupted", t0);
		CHECK(!strcmp(ci.version, "1.0"), "%s: version '%s'", what, ci.version);
		rc = xdperf_registry_route(r, w, "loop", &key, 4, "ok", 2, &ob, &ci, err, sizeof err);
		CHECK(rc == -EINTR && ci.fault == XDPERF_FAULT_INTERRUPTED, "%s: a call while raised: %d %s '%s'",
		      what, rc, xdperf_proto_fault_str(ci.fault), err);
		xwasm_interrupt_clear(irq);
		rc = xdperf_registry_route(r, w, "loop", &key, 4, "ok", 2, &ob, &ci, err, sizeof err);
		CHECK(rc == 0 && ci.fault == XDPERF_FAULT_NONE && ob.len == 2 && !memcmp(ob.data, "ok", 2),
		      "%s: a call after clearing: %d %s '%s'", what, rc, xdperf_proto_fault_str(ci.fault), err);
	}
	struct xdperf_version_info *vi = NULL;
	size_t n = 0;
	xdperf_registry_list(r, "loop", &vi, &n);
	CHECK(n == 1 && vi[0].calls == 6 && vi[0].errors == 4 && vi[0].traps == 0 && vi[0].fuel == 0,
	      "stats: calls/errors/traps/fuel 6/4/0/0, got %llu/%llu/%llu/%llu", n ? (unsigned long long)vi[0].calls : 0,
	      n ? (unsigned long long)vi[0].errors : 0, n ? (unsigned long long)vi[0].traps : 0,
	      n ? (unsigned long long)vi[0].fuel : 0);
	free(vi);
	xdperf_worker_free(w);
	xdperf_registry_free(r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s WASM_DIR\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char path[512];
	snprintf(path, sizeof path, "%s/loop_on.wasm", argv[1]);
	size_t len;
	const uint8_t *wasm = slurp(path, &len);
	irq = xwasm_interrupt_new();
	if (!irq)
		return 1;
	CHECK(!strcmp(xdperf_proto_fault_str(XDPERF_FAULT_INTERRUPTED), "interrupted"), "fault_str(INTERRUPTED)");
	test_loader(wasm, len);
	test_registry(wasm, len);
	xwasm_interrupt_free(irq);
	free(ob.data);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
