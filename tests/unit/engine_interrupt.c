/* Interrupting running calls through the public API (include/xdperf/wasm.h: xwasm_interrupt):
 * an infinite loop, recursion without loops, recursion in a loop, memory.fill loops (small
 * fills and fills of several 16 MiB pieces), a loop calling a host function, a host function
 * waiting for the flag and a WASI poll_oneoff sleep of an hour are each interrupted from
 * another thread after about 100 ms and trap with XWASM_TRAP_INTERRUPTED; one flag stops
 * several instances on several threads; the flag is level-triggered (a call started while it
 * is raised traps at once, a call after clearing it runs normally); fuel accounting is exact
 * across fuel slices (a budget runs out at exactly the charge predicted from the per-call and
 * per-iteration costs, also when one memory.fill charges more than a slice, and interrupted
 * calls account every iteration they ran); unlimited fuel runs across hundreds of slices;
 * large overlapping memory.copy (done in pieces) equals memmove.
 *
 * Usage: engine_interrupt DIR   DIR holds interrupt.wasm (tests/cases/engine_interrupt.sh).
 * Prints one line per failed check and per interrupt latency, exits 1 if any check failed.
 * Time bounds are generous (a loaded 2-CPU machine, sanitizer builds): an interrupted call
 * must end within LATENCY_BOUND_S of the raise, and must not end before it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xdperf/wasm.h"
#include "wasm_call.h"
#include "xdperf/wasi.h"
#include "check.h"

#define LATENCY_BOUND_S 3.0    /* generous: the engine needs a few ms */
#define RAISE_AFTER_S 0.1
#define BIG_FUEL 1000000000000ull /* 10^12: more than 15 minutes of any loop here */
#define SLICE_GUESS (1u << 20)     /* for picking limits around slice ends; not assumed exact */

static const char *dir;
static xwasm_module *mod;
static atomic_ulong ticks;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* ---- host functions ------------------------------------------------------------------------ */

static int h_tick(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	atomic_fetch_add(&ticks, 1);
	return 0;
}

/* Blocks until the caller's interrupt flag is raised, then traps as the API advises. */
static int h_give_up(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	while (!xwasm_instance_interrupted(caller))
		sleep_s(0.001);
	xwasm_instance_set_trap(caller, XWASM_TRAP_INTERRUPTED, "interrupted while waiting in give_up");
	return XWASM_TRAP_INTERRUPTED;
}

static struct xwasm_wasi *wasi;

static xwasm_instance *instantiate(uint64_t fuel, xwasm_interrupt *irq)
{
	xwasm_linker *l = xwasm_linker_new();
	if (!l)
		abort();
	xwasm_linker_define_func(l, "env", "tick", NULL, 0, NULL, 0, h_tick, NULL);
	xwasm_linker_define_func(l, "env", "give_up", NULL, 0, NULL, 0, h_give_up, NULL);
	xwasm_wasi_define(l, wasi);
	struct xwasm_instance_opts o = { .sz = sizeof o, .fuel = fuel, .interrupt = irq };
	xwasm_instance *inst = NULL;
	struct xwasm_trap t;
	char err[256] = "";
	int rc = xwasm_instance_new(mod, l, &o, &inst, &t, err, sizeof err);
	CHECK(rc == 0, "instantiate: %d %s", rc, err);
	xwasm_linker_free(l);
	return inst;
}

static uint64_t counter(xwasm_instance *inst)
{
	return (uint64_t)xwasm_global_get(xwasm_instance_global(inst, "n")).of.i64;
}

/* Calls export `name` with up to two arguments of the function's types. */
static int call(xwasm_instance *inst, const char *name, int nargs, int64_t a0, int64_t a1,
		xwasm_val *out, struct xwasm_trap *t)
{
	xwasm_func *f = xwasm_instance_func(inst, name);
	if (!f) {
		CHECK(0, "no export %s", name);
		return -ENOENT;
	}
	return wasm_call_ints(inst, f, nargs, a0, a1, out, t);
}

/* ---- interrupting from another thread ----------------------------------------------------- */

struct raiser {
	xwasm_interrupt *irq;
	double delay, raised_at;
	pthread_t th;
};

static void *raise_later(void *arg)
{
	struct raiser *r = arg;
	sleep_s(r->delay);
	r->raised_at = now_s();
	xwasm_interrupt_raise(r->irq);
	return NULL;
}

static void raiser_start(struct raiser *r, xwasm_interrupt *irq, double delay)
{
	r->irq = irq;
	r->delay = delay;
	r->raised_at = 0;
	if (pthread_create(&r->th, NULL, raise_later, r))
		abort();
}

/* Runs name(a0, a1) on a fresh instance (fuel `fuel`, 0 = unlimited), raises the flag from
 * another thread after RAISE_AFTER_S and expects the call to trap "interrupted" naming
 * `where`, within LATENCY_BOUND_S of the raise; then a call while the flag is still raised
 * traps at once and a call after clearing it runs normally. Returns the module's counter n
 * and the fuel used as the interrupted call left them. */
static uint64_t expect_interrupted(const char *what, uint64_t fuel, const char *name, int nargs,
				   int64_t a0, int64_t a1, const char *where, uint64_t *fuel_used)
{
	xwasm_interrupt *irq = xwasm_interrupt_new();
	xwasm_instance *inst = instantiate(fuel, irq);
	if (!irq || !inst)
		abort();
	struct raiser r;
	struct xwasm_trap t;
	double t0 = now_s();
	raiser_start(&r, irq, RAISE_AFTER_S);
	int rc = call(inst, name, nargs, a0, a1, NULL, &t);
	double t1 = now_s();
	pthread_join(r.th, NULL);
	CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_INTERRUPTED,
	      "%s: expected the interrupted trap, got rc %d kind %d (%s)", what, rc, t.kind, t.message);
	CHECK(strstr(t.message, "interrupted") && strstr(t.message, where),
	      "%s: expected a message with \"interrupted\" and \"%s\", got \"%s\"", what, where, t.message);
	CHECK(t1 >= r.raised_at && t1 - t0 >= RAISE_AFTER_S,
	      "%s: the call ended %.3f s after it started, before the raise", what, t1 - t0);
	CHECK(t1 - r.raised_at < LATENCY_BOUND_S, "%s: the call ended %.3f s after the raise (bound %.1f s)",
	      what, t1 - r.raised_at, LATENCY_BOUND_S);
	printf("latency %-42s %7.2f ms after the raise (fuel used %" PRIu64 ")\n", what,
	       (t1 - r.raised_at) * 1e3, xwasm_instance_fuel_used(inst));
	if (fuel)
		CHECK(xwasm_instance_fuel_used(inst) < fuel, "%s: fuel used %" PRIu64 " reached the limit",
		      what, xwasm_instance_fuel_used(inst));
	uint64_t n = counter(inst);
	if (fuel_used)
		*fuel_used = xwasm_instance_fuel_used(inst);
	/* level-triggered: still raised, so the next call traps at once and spends nothing */
	xwasm_val v;
	rc = call(inst, "count", 1, 1000, 0, &v, &t);
	CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_INTERRUPTED && xwasm_instance_fuel_used(inst) == 0,
	      "%s: a call while raised: rc %d kind %d fuel %" PRIu64, what, rc, t.kind,
	      xwasm_instance_fuel_used(inst));
	/* cleared: calls run normally on the same instance */
	xwasm_interrupt_clear(irq);
	rc = call(inst, "count", 1, 1000, 0, &v, &t);
	CHECK(rc == 0 && v.of.i64 == 1000, "%s: a call after clearing: rc %d (%s) result %" PRId64, what,
	      rc, t.message, v.of.i64);
	xwasm_instance_set_interrupt(inst, NULL);
	xwasm_interrupt_free(irq);
	xwasm_instance_free(inst);
	return n;
}

/* Costs of export count(k): E at entry, C per loop back-edge (k - 1 of them). */
static uint64_t count_entry, count_iter;

static void test_loops(void)
{
	uint64_t n, used;
	/* an infinite loop */
	expect_interrupted("infinite loop, unlimited fuel", 0, "spin", 0, 0, 0, "spin", NULL);
	expect_interrupted("infinite loop, fuel 10^12", BIG_FUEL, "spin", 0, 0, 0, "spin", NULL);
	/* count(2^63 - 1) is as good as infinite; every iteration it ran is accounted for */
	n = expect_interrupted("count to 2^63-1, unlimited fuel", 0, "count", 1, INT64_MAX, 0, "count", &used);
	CHECK(n > 0 && used == count_entry + n * count_iter,
	      "count: interrupted after %" PRIu64 " iterations, fuel used %" PRIu64 ", expected %" PRIu64,
	      n, used, count_entry + n * count_iter);
	n = expect_interrupted("count to 2^63-1, fuel 10^12", BIG_FUEL, "count", 1, INT64_MAX, 0, "count", &used);
	CHECK(n > 0 && used == count_entry + n * count_iter,
	      "count: interrupted after %" PRIu64 " iterations, fuel used %" PRIu64 ", expected %" PRIu64,
	      n, used, count_entry + n * count_iter);

	/* recursion: fib(60) has no loop (fuel only at function entries); a loop of recursions
	 * 5000 deep */
	expect_interrupted("recursion without loops (fib 60)", 0, "fib", 1, 60, 0, "fib", NULL);
	n = expect_interrupted("recursion 5000 deep in a loop", BIG_FUEL, "recurse", 1, 5000, 0, "", NULL);
	CHECK(n > 0 && n % 5000 == 0, "recursion loop: counter %" PRIu64 " (whole recursions of 5000)", n);

	/* memory.fill: 64 KiB per fill (fuel slices), 40 MiB per fill (pieces, > 1 slice each) */
	n = expect_interrupted("memory.fill loop, 64 KiB fills", 0, "fill", 1, 65536, 0, "fill", NULL);
	CHECK(n > 0, "64 KiB fills: none completed");
	expect_interrupted("memory.fill loop, 40 MiB fills", BIG_FUEL, "fill", 1, 40 << 20, 0, "fill", NULL);

	/* host calls: a loop calling a cheap host function; a host function that waits */
	unsigned long before = atomic_load(&ticks);
	expect_interrupted("loop calling a host function", 0, "host", 0, 0, 0, "host", NULL);
	CHECK(atomic_load(&ticks) > before, "host loop: tick never called");
	expect_interrupted("host function waiting for the flag", 0, "give_up", 0, 0, 0,
			   "interrupted while waiting in give_up", NULL);
	/* WASI poll_oneoff asked to sleep an hour */
	expect_interrupted("poll_oneoff sleeping an hour", 0, "sleep", 0, 0, 0, "poll_oneoff", NULL);
}

/* ---- one flag, several instances on several threads ---------------------------------------- */

struct runner {
	xwasm_instance *inst;
	const char *name;
	int64_t arg;
	int rc;
	struct xwasm_trap t;
	pthread_t th;
};

static void *run_one(void *arg)
{
	struct runner *u = arg;
	u->rc = call(u->inst, u->name, u->arg >= 0 ? 1 : 0, u->arg, 0, NULL, &u->t);
	return NULL;
}

static void test_shared_flag(void)
{
	xwasm_interrupt *irq = xwasm_interrupt_new();
	struct runner u[3] = { { .name = "spin", .arg = -1 }, { .name = "fib", .arg = 60 },
			       { .name = "fill", .arg = 1 << 20 } };
	for (int i = 0; i < 3; i++) {
		u[i].inst = instantiate(0, irq);
		if (pthread_create(&u[i].th, NULL, run_one, &u[i]))
			abort();
	}
	sleep_s(RAISE_AFTER_S);
	double raised = now_s();
	xwasm_interrupt_raise(irq);
	for (int i = 0; i < 3; i++) {
		pthread_join(u[i].th, NULL);
		CHECK(u[i].rc == XWASM_ETRAP && u[i].t.kind == XWASM_TRAP_INTERRUPTED,
		      "shared flag: %s: rc %d kind %d (%s)", u[i].name, u[i].rc, u[i].t.kind, u[i].t.message);
	}
	double took = now_s() - raised;
	CHECK(took < LATENCY_BOUND_S, "shared flag: the three calls ended %.3f s after the raise", took);
	printf("latency %-42s %7.2f ms after the raise\n", "one flag, three instances/threads", took * 1e3);
	for (int i = 0; i < 3; i++)
		xwasm_instance_free(u[i].inst);
	xwasm_interrupt_free(irq);
}

/* ---- fuel accounting across slices --------------------------------------------------------- */

static uint64_t used_by(xwasm_instance *inst, const char *name, int nargs, int64_t a0, int64_t a1)
{
	struct xwasm_trap t;
	int rc = call(inst, name, nargs, a0, a1, NULL, &t);
	CHECK(rc == 0, "%s(%" PRId64 ", %" PRId64 "): rc %d (%s)", name, a0, a1, rc, t.message);
	return xwasm_instance_fuel_used(inst);
}

/* count(k) with limit L: succeeds exactly when E + (k-1)*C <= L; otherwise traps at the first
 * back-edge whose charge passes L, after j = (L - E) / C + 1 increments. */
static void check_count_limit(xwasm_instance *inst, uint64_t k, uint64_t limit)
{
	xwasm_instance_set_fuel(inst, limit);
	struct xwasm_trap t;
	xwasm_val v;
	int rc = call(inst, "count", 1, (int64_t)k, 0, &v, &t);
	uint64_t need = count_entry + (k - 1) * count_iter;
	if (need <= limit) {
		CHECK(rc == 0 && (uint64_t)v.of.i64 == k && xwasm_instance_fuel_used(inst) == need,
		      "count(%" PRIu64 ") with fuel %" PRIu64 ": rc %d (%s), used %" PRIu64 ", expected %" PRIu64,
		      k, limit, rc, t.message, xwasm_instance_fuel_used(inst), need);
		return;
	}
	uint64_t j = (limit - count_entry) / count_iter + 1;
	CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_FUEL_EXHAUSTED && counter(inst) == j &&
		      xwasm_instance_fuel_used(inst) == limit,
	      "count(%" PRIu64 ") with fuel %" PRIu64 ": rc %d kind %d after %" PRIu64
	      " iterations (expected fuel exhausted after %" PRIu64 "), used %" PRIu64,
	      k, limit, rc, t.kind, counter(inst), j, xwasm_instance_fuel_used(inst));
}

/* fills(k, size): charges E, then per fill F = size / 16 before it and C after it (not after
 * the last): the budget runs out at the first charge that passes the limit. Returns the fills
 * that completed before it (k when none does). */
static uint64_t predict_fills(uint64_t e, uint64_t f, uint64_t c, uint64_t k, uint64_t limit, bool *ok)
{
	uint64_t spent = e;
	*ok = false;
	if (spent > limit)
		return 0;
	for (uint64_t i = 1; i <= k; i++) {
		spent += f;
		if (spent > limit)
			return i - 1;
		if (i == k)
			break;
		spent += c;
		if (spent > limit)
			return i;
	}
	*ok = true;
	return k;
}

static void test_fuel_accounting(void)
{
	xwasm_instance *inst = instantiate(0, NULL);
	/* costs from small calls, then checked on calls hundreds of slices long */
	uint64_t u1 = used_by(inst, "count", 1, 1, 0), u2 = used_by(inst, "count", 1, 2, 0);
	CHECK(u1 == count_entry && u2 - u1 == count_iter,
	      "count costs: used %" PRIu64 " and %" PRIu64 " (expected E %" PRIu64 ", C %" PRIu64 ")", u1,
	      u2, count_entry, count_iter);
	uint64_t k = 40000000; /* 40M iterations: over 100 slices */
	double t0 = now_s();
	uint64_t u = used_by(inst, "count", 1, (int64_t)k, 0);
	CHECK(u == count_entry + (k - 1) * count_iter && counter(inst) == k,
	      "unlimited fuel: count(%" PRIu64 ") used %" PRIu64 ", expected %" PRIu64 " (counter %" PRIu64 ")",
	      k, u, count_entry + (k - 1) * count_iter, counter(inst));
	printf("unlimited fuel: %" PRIu64 " units (%.0f slices of 2^20) in %.3f s\n", u,
	       (double)u / SLICE_GUESS, now_s() - t0);

	/* limits at, just under and around slice ends, and well inside */
	uint64_t need = count_entry + (k - 1) * count_iter;
	uint64_t limits[] = { need, need - 1, need + 1, need - count_iter, need - count_iter + 1,
			      count_entry, count_entry + 1, count_entry + count_iter - 1,
			      count_entry + count_iter, SLICE_GUESS - 1, SLICE_GUESS, SLICE_GUESS + 1,
			      3 * SLICE_GUESS + 12345, 7 * SLICE_GUESS - 2, 10000019, need / 2 };
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
		check_count_limit(inst, k, limits[i]);
	/* the same at small k: a budget smaller than one slice */
	check_count_limit(inst, 1000, count_entry + 999 * count_iter);
	check_count_limit(inst, 1000, count_entry + 999 * count_iter - 1);
	check_count_limit(inst, 1000, 500);

	/* memory.fill charges larger than a slice: 40 MiB = 2.6 M units per fill */
	xwasm_instance_set_fuel(inst, 0);
	uint64_t size = 40 << 20, f = size / 16;
	uint64_t a1 = used_by(inst, "fills", 2, 1, (int64_t)size), a2 = used_by(inst, "fills", 2, 2, (int64_t)size);
	uint64_t fe = a1 - f, fc = a2 - a1 - f;
	CHECK(a2 > a1 + f && a1 > f, "fills costs: %" PRIu64 ", %" PRIu64, a1, a2);
	uint64_t fk = 6;
	uint64_t fneed = fe + fk * f + (fk - 1) * fc;
	CHECK(used_by(inst, "fills", 2, (int64_t)fk, (int64_t)size) == fneed, "fills(6): used %" PRIu64
	      ", expected %" PRIu64, xwasm_instance_fuel_used(inst), fneed);
	uint64_t flimits[] = { fneed, fneed - 1, fe + f - 1, fe + f, fe + f + fc - 1, fe + f + fc,
			       fe + 2 * f + fc - 1, SLICE_GUESS, 3 * SLICE_GUESS + 5, 2 * f + 77, fneed - fc };
	for (size_t i = 0; i < sizeof flimits / sizeof flimits[0]; i++) {
		xwasm_instance_set_fuel(inst, flimits[i]);
		bool ok;
		uint64_t done = predict_fills(fe, f, fc, fk, flimits[i], &ok);
		struct xwasm_trap t;
		int rc = call(inst, "fills", 2, (int64_t)fk, (int64_t)size, NULL, &t);
		CHECK(ok ? rc == 0 && xwasm_instance_fuel_used(inst) == fneed
			 : rc == XWASM_ETRAP && t.kind == XWASM_TRAP_FUEL_EXHAUSTED && counter(inst) == done &&
				   xwasm_instance_fuel_used(inst) == flimits[i],
		      "fills(%" PRIu64 ", 40 MiB) with fuel %" PRIu64 ": rc %d kind %d after %" PRIu64
		      " fills (expected %s after %" PRIu64 "), used %" PRIu64,
		      fk, flimits[i], rc, t.kind, counter(inst), ok ? "success" : "fuel exhausted", done,
		      xwasm_instance_fuel_used(inst));
	}
	xwasm_instance_free(inst);
}

/* ---- memory.copy in pieces ------------------------------------------------------------------ */

static void test_big_copy(void)
{
	xwasm_instance *inst = instantiate(0, NULL);
	xwasm_memory *mem = xwasm_instance_memory0(inst);
	const uint64_t n = 40u << 20, shift = (1u << 20) + 3;
	uint8_t *want = malloc(xwasm_memory_size(mem)), *got = malloc(xwasm_memory_size(mem));
	if (!want || !got)
		abort();
	/* up (destination above the source) and down, overlapping */
	struct { uint64_t d, s; } cases[] = { { 1000 + shift, 1000 }, { 1000, 1000 + shift },
					     { 5, 5 + n / 2 }, { 5 + n / 2, 5 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint64_t size = xwasm_memory_size(mem);
		for (uint64_t i = 0; i < size; i++)
			want[i] = (uint8_t)(i * 2654435761u >> 13);
		xwasm_memory_write(mem, 0, want, size);
		memmove(want + cases[c].d, want + cases[c].s, n);
		struct xwasm_trap t;
		int rc = call(inst, "copy", 2, (int64_t)cases[c].d, (int64_t)cases[c].s, NULL, &t);
		xwasm_memory_read(mem, 0, got, size);
		CHECK(rc == 0 && !memcmp(want, got, size), "memory.copy of 40 MiB from %" PRIu64 " to %" PRIu64
		      ": rc %d (%s), %s", cases[c].s, cases[c].d, rc, t.message,
		      memcmp(want, got, size) ? "memory differs from memmove" : "memory equal");
	}
	free(want);
	free(got);
	xwasm_instance_free(inst);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/interrupt.wasm", dir);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		printf("FAIL: cannot open %s\n", path);
		return 1;
	}
	static uint8_t buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	char err[256];
	if (xwasm_module_load(buf, len, NULL, &mod, err, sizeof err)) {
		printf("FAIL: loading %s: %s\n", path, err);
		return 1;
	}
	if (xwasm_wasi_new(NULL, &wasi))
		abort();
	/* the per-call and per-iteration costs of count(), used by every accounting check */
	{
		xwasm_instance *inst = instantiate(0, NULL);
		count_entry = used_by(inst, "count", 1, 1, 0);
		count_iter = used_by(inst, "count", 1, 2, 0) - count_entry;
		xwasm_instance_free(inst);
		CHECK(count_entry > 0 && count_iter > 0, "count costs %" PRIu64 ", %" PRIu64, count_entry, count_iter);
	}
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "fuel accounting across slices", test_fuel_accounting },
		{ "interrupted loops, recursion, fills, host calls, sleeps", test_loops },
		{ "one flag, several instances", test_shared_flag },
		{ "memory.copy in pieces", test_big_copy },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int before = fails;
		tests[i].fn();
		printf("%s %s\n", fails == before ? "ok  " : "FAIL", tests[i].name);
	}
	xwasm_wasi_free(wasi);
	xwasm_module_free(mod);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
