/* Engine limits and robustness through the public API (include/xdperf/wasm.h): fuel, call
 * depth, memory caps, trap messages, unsupported features, validation messages, host traps,
 * concurrent instances, re-entrant host calls and the bounds-checked memory API.
 *
 * Usage: engine_limits DIR   DIR holds the modules tests/cases/engine_limits.sh builds with
 *                            wat2wasm (fuel.wasm, depth.wasm, ...).
 * Prints one line per failed check (expected vs got) and exits 1 if any failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "xdperf/wasm.h"
#include "wasm_call.h"

static const char *dir;
static int fails, checks;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

static void failf(int line, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&report_lock);
	printf("FAIL (engine_limits.c:%d): ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fails++;
	pthread_mutex_unlock(&report_lock);
}

static void count_check(void)
{
	pthread_mutex_lock(&report_lock);
	checks++;
	pthread_mutex_unlock(&report_lock);
}

#define EXPECT_INT(what, got, want)                                                               \
	do {                                                                                     \
		long long g_ = (long long)(got), w_ = (long long)(want);                          \
		count_check();                                                                   \
		if (g_ != w_)                                                                    \
			failf(__LINE__, "%s: expected %lld, got %lld", what, w_, g_);           \
	} while (0)
/* EXPECT_TRUE(what, cond, "expected ...", "got-format", got-args...) */
#define EXPECT_TRUE(what, cond, expected, fmt, ...)                                               \
	do {                                                                                     \
		count_check();                                                                   \
		if (!(cond))                                                                     \
			failf(__LINE__, "%s: expected %s, got " fmt, what, expected, ##__VA_ARGS__); \
	} while (0)
#define EXPECT_CONTAINS(what, hay, needle)                                                        \
	do {                                                                                     \
		const char *h_ = (hay);                                                          \
		count_check();                                                                   \
		if (!h_ || !strstr(h_, needle))                                                  \
			failf(__LINE__, "%s: expected a string containing \"%s\", got \"%s\"", what, \
			      needle, h_ ? h_ : "(null)");                                       \
	} while (0)

/* ---- helpers ------------------------------------------------------------------------------ */

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		failf(__LINE__, "cannot open %s", path);
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static xwasm_module *load(const char *name)
{
	size_t n = 0;
	uint8_t *b = slurp(name, &n);
	if (!b)
		return NULL;
	xwasm_module *m = NULL;
	char err[256] = "";
	int rc = xwasm_module_load(b, n, NULL, &m, err, sizeof err);
	free(b);
	if (rc) {
		failf(__LINE__, "loading %s: expected 0, got %d (%s)", name, rc, err);
		return NULL;
	}
	return m;
}

static xwasm_instance *instantiate(const xwasm_module *m, xwasm_linker *l,
				   const struct xwasm_instance_opts *o, const char *what)
{
	xwasm_instance *inst = NULL;
	char err[256] = "";
	struct xwasm_trap t;
	int rc = xwasm_instance_new(m, l, o, &inst, &t, err, sizeof err);
	if (rc) {
		failf(__LINE__, "instantiating %s: expected 0, got %d (%s)", what, rc, err);
		return NULL;
	}
	return inst;
}

/* Calls export `name` with up to two i32/i64 arguments (types from the function). Returns
 * xwasm_call's result; *out receives result 0 (if any), *t the trap. */
static int call(xwasm_instance *inst, const char *name, int nargs, int64_t a0, int64_t a1,
		xwasm_val *out, struct xwasm_trap *t)
{
	xwasm_func *f = xwasm_instance_func(inst, name);
	if (!f) {
		failf(__LINE__, "export \"%s\": expected a function, got none", name);
		return -ENOENT;
	}
	return wasm_call_ints(inst, f, nargs, a0, a1, out, t);
}

/* Expects export `name` to return the i32 `want`. */
static void expect_i32(xwasm_instance *inst, const char *name, int nargs, int64_t a0, int64_t a1,
		       int32_t want, int line)
{
	xwasm_val v;
	struct xwasm_trap t;
	int rc = call(inst, name, nargs, a0, a1, &v, &t);
	count_check();
	if (rc != 0)
		failf(line, "%s(%lld, %lld): expected %d, got error %d (%s)", name, (long long)a0,
		      (long long)a1, want, rc, t.message);
	else if (v.of.i32 != want)
		failf(line, "%s(%lld, %lld): expected %d, got %d", name, (long long)a0, (long long)a1,
		      want, v.of.i32);
}

/* Expects export `name` to trap with `kind` and a message containing `msg` and `fname`. */
static void expect_trap(xwasm_instance *inst, const char *name, int nargs, int64_t a0,
			enum xwasm_trap_kind kind, const char *msg, const char *fname, int line)
{
	struct xwasm_trap t;
	int rc = call(inst, name, nargs, a0, 0, NULL, &t);
	count_check();
	if (rc != XWASM_ETRAP) {
		failf(line, "%s: expected trap \"%s\" (XWASM_ETRAP), got return %d", name, msg, rc);
		return;
	}
	if (t.kind != kind)
		failf(line, "%s: expected trap kind %d (%s), got %d (%s)", name, kind,
		      xwasm_trap_kind_str(kind), t.kind, t.message);
	if (msg && !strstr(t.message, msg))
		failf(line, "%s: expected a trap message containing \"%s\", got \"%s\"", name, msg,
		      t.message);
	if (fname && !strstr(t.message, fname))
		failf(line, "%s: expected the trap message to name \"%s\", got \"%s\"", name, fname,
		      t.message);
}

/* ---- fuel --------------------------------------------------------------------------------- */

static void test_fuel(void)
{
	xwasm_module *m = load("fuel.wasm");
	if (!m)
		return;
	struct xwasm_instance_opts o = { .sz = sizeof o, .fuel = 1000000 };
	xwasm_instance *inst = instantiate(m, NULL, &o, "fuel.wasm with fuel 1e6");
	if (inst) {
		expect_trap(inst, "spin", 0, 0, XWASM_TRAP_FUEL_EXHAUSTED, "fuel exhausted", "spin", __LINE__);
		uint64_t used = xwasm_instance_fuel_used(inst);
		EXPECT_TRUE("fuel used by the exhausted call", used >= 900000 && used <= 1000000,
			    "between 900000 and 1000000", "%" PRIu64, used);
		/* the same instance keeps working */
		expect_i32(inst, "answer", 0, 0, 0, 42, __LINE__);
		used = xwasm_instance_fuel_used(inst);
		EXPECT_TRUE("fuel used by answer()", used >= 1 && used < 100, "1..99", "%" PRIu64, used);
		/* fuel is refilled per call and charged per loop iteration */
		expect_i32(inst, "count", 1, 1000, 0, 1000, __LINE__);
		expect_trap(inst, "count", 1, 10000000, XWASM_TRAP_FUEL_EXHAUSTED, "fuel exhausted",
			    "count", __LINE__);
		expect_i32(inst, "answer", 0, 0, 0, 42, __LINE__);
		/* 0 = unlimited, set between calls */
		xwasm_instance_set_fuel(inst, 0);
		expect_i32(inst, "count", 1, 10000000, 0, 10000000, __LINE__);
		xwasm_instance_free(inst);
	}
	/* 0 = unlimited from the options */
	struct xwasm_instance_opts o0 = { .sz = sizeof o0, .fuel = 0 };
	inst = instantiate(m, NULL, &o0, "fuel.wasm with fuel 0");
	if (inst) {
		expect_i32(inst, "count", 1, 10000000, 0, 10000000, __LINE__);
		/* and a budget set later applies to the next call */
		xwasm_instance_set_fuel(inst, 1000);
		expect_trap(inst, "spin", 0, 0, XWASM_TRAP_FUEL_EXHAUSTED, "fuel exhausted", "spin", __LINE__);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

/* ---- call depth --------------------------------------------------------------------------- */

static void test_depth(void)
{
	xwasm_module *m = load("depth.wasm");
	if (!m)
		return;
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_call_depth = 1000 };
	xwasm_instance *inst = instantiate(m, NULL, &o, "depth.wasm with max_call_depth 1000");
	if (inst) {
		expect_trap(inst, "rec", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted", NULL,
			    __LINE__);
		expect_i32(inst, "answer", 0, 0, 0, 42, __LINE__);
		expect_i32(inst, "down", 1, 900, 0, 900, __LINE__);
		expect_trap(inst, "down", 1, 1100, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
			    NULL, __LINE__);
		expect_trap(inst, "mutual", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted",
			    NULL, __LINE__);
		expect_trap(inst, "rec_indirect", 1, 0, XWASM_TRAP_STACK_EXHAUSTED,
			    "call stack exhausted", NULL, __LINE__);
		expect_i32(inst, "down", 1, 900, 0, 900, __LINE__);
		xwasm_instance_free(inst);
	}
	/* the default depth (10000) */
	struct xwasm_instance_opts od = { .sz = sizeof od };
	inst = instantiate(m, NULL, &od, "depth.wasm with default limits");
	if (inst) {
		expect_trap(inst, "rec", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted", NULL,
			    __LINE__);
		expect_i32(inst, "answer", 0, 0, 0, 42, __LINE__);
		expect_i32(inst, "down", 1, 5000, 0, 5000, __LINE__);
		/* frames with many locals exhaust the value stack before the depth limit */
		expect_trap(inst, "fat", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted", NULL,
			    __LINE__);
		expect_i32(inst, "answer", 0, 0, 0, 42, __LINE__);
		xwasm_instance_free(inst);
	}
	/* a small value stack */
	struct xwasm_instance_opts os = { .sz = sizeof os, .stack_slots = 4096 };
	inst = instantiate(m, NULL, &os, "depth.wasm with stack_slots 4096");
	if (inst) {
		expect_trap(inst, "fat", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted", NULL,
			    __LINE__);
		expect_trap(inst, "rec", 1, 0, XWASM_TRAP_STACK_EXHAUSTED, "call stack exhausted", NULL,
			    __LINE__);
		expect_i32(inst, "down", 1, 10, 0, 10, __LINE__);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

/* ---- accounting: what instances and modules hold, and the caps on it ---------------------- */

static void test_accounting(void)
{
	xwasm_module *m = load("accounting.wasm"); /* memory 2, tables of 1000 funcref + 24 externref */
	if (!m)
		return;
	uint64_t mod_bytes = xwasm_module_bytes(m);
	EXPECT_TRUE("module bytes", mod_bytes > 100 && mod_bytes < 64 * 1024, "100 B .. 64 KiB", "%llu",
		    (unsigned long long)mod_bytes);
	struct xwasm_instance_opts o = { .sz = sizeof o, .stack_slots = 4096, .max_call_depth = 100 };
	xwasm_instance *inst = instantiate(m, NULL, &o, "accounting.wasm");
	if (!inst) {
		xwasm_module_free(m);
		return;
	}
	/* it holds at least its memory, tables and stacks, and not much more */
	uint64_t floor = 2 * 65536 + 1024 * 8 + 4096 * 8 + 101 * 16;
	uint64_t b0 = xwasm_instance_bytes(inst);
	EXPECT_TRUE("instance bytes after instantiation", b0 >= floor && b0 <= floor + 8192,
		    "its memory, tables and stacks + at most 8 KiB of structures", "%llu (floor %llu)",
		    (unsigned long long)b0, (unsigned long long)floor);
	/* growth is charged exactly */
	expect_i32(inst, "mgrow", 1, 3, 0, 2, __LINE__);
	EXPECT_INT("bytes after memory.grow 3", xwasm_instance_bytes(inst) - b0, 3 * 65536);
	expect_i32(inst, "tgrow", 1, 1000, 0, 1000, __LINE__);
	EXPECT_INT("bytes after table.grow 1000", xwasm_instance_bytes(inst) - b0, 3 * 65536 + 8000);
	EXPECT_INT("no refusals yet", xwasm_instance_cap_refusals(inst), 0);
	EXPECT_INT("no cap hit yet", xwasm_instance_last_cap(inst), XWASM_CAP_NONE);
	xwasm_instance_free(inst);

	/* max_bytes: growth past it returns -1, counted, nothing charged */
	o.max_bytes = b0 + 65536 + 4000;
	inst = instantiate(m, NULL, &o, "accounting.wasm with max_bytes");
	if (inst) {
		expect_i32(inst, "mgrow", 1, 1, 0, 2, __LINE__);
		expect_i32(inst, "mgrow", 1, 1, 0, -1, __LINE__);
		EXPECT_INT("refusals after a memory.grow over max_bytes", xwasm_instance_cap_refusals(inst), 1);
		EXPECT_INT("cap that refused it", xwasm_instance_last_cap(inst), XWASM_CAP_BYTES);
		expect_i32(inst, "tgrow", 1, 500, 0, 1000, __LINE__);
		expect_i32(inst, "tgrow", 1, 1, 0, -1, __LINE__);
		expect_i32(inst, "tsize", 0, 0, 0, 1500, __LINE__);
		EXPECT_INT("bytes at the cap", xwasm_instance_bytes(inst), b0 + 65536 + 4000);
		EXPECT_INT("refusals after a table.grow over max_bytes", xwasm_instance_cap_refusals(inst), 2);
		xwasm_memory *mem = xwasm_instance_memory0(inst);
		EXPECT_INT("memory cap refusals include max_bytes", mem ? xwasm_memory_cap_refusals(mem) : 0, 1);
		xwasm_instance_free(inst);
	}
	/* max_bytes too small for what instantiation needs: -EFBIG naming it */
	o.max_bytes = 65536;
	xwasm_instance *none = NULL;
	char err[256] = "";
	int rc = xwasm_instance_new(m, NULL, &o, &none, NULL, err, sizeof err);
	EXPECT_INT("instantiation over max_bytes", rc, -EFBIG);
	EXPECT_CONTAINS("its message", err, "over its limit of 65536 bytes");
	xwasm_instance_free(none);

	/* max_table_elems: over both tables together */
	o.max_bytes = 0;
	o.max_table_elems = 1023;
	none = NULL;
	rc = xwasm_instance_new(m, NULL, &o, &none, NULL, err, sizeof err);
	EXPECT_INT("instantiation over max_table_elems", rc, -EFBIG);
	EXPECT_CONTAINS("its message", err, "table 1 of 24 entries: its tables would hold 1024 entries, over the "
			"limit of 1023");
	xwasm_instance_free(none);
	o.max_table_elems = 1100;
	inst = instantiate(m, NULL, &o, "accounting.wasm with max_table_elems 1100");
	if (inst) {
		expect_i32(inst, "tgrow", 1, 76, 0, 1000, __LINE__);
		expect_i32(inst, "tgrow", 1, 1, 0, -1, __LINE__);
		EXPECT_INT("cap that refused it", xwasm_instance_last_cap(inst), XWASM_CAP_TABLE_ELEMS);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);

	/* modules: a cap below what loading needs refuses it with -EFBIG; the smallest cap that
	 * loads it is at least what it then reports holding */
	size_t n = 0;
	uint8_t *b = slurp("depth.wasm", &n);
	if (b) {
		struct xwasm_load_opts lo = { .sz = sizeof lo, .max_bytes = 200 };
		m = NULL;
		rc = xwasm_module_load(b, n, &lo, &m, err, sizeof err);
		EXPECT_INT("loading depth.wasm with max_bytes 200", rc, -EFBIG);
		EXPECT_CONTAINS("its message", err, "module too large");
		EXPECT_CONTAINS("its message", err, "limit of 200 bytes");
		xwasm_module_free(m);
		uint64_t lo_cap = 200, hi_cap = 1 << 24;
		while (lo_cap + 1 < hi_cap) { /* lo_cap refuses, hi_cap loads */
			uint64_t mid = (lo_cap + hi_cap) / 2;
			lo.max_bytes = mid;
			m = NULL;
			rc = xwasm_module_load(b, n, &lo, &m, err, sizeof err);
			if (rc == 0)
				hi_cap = mid;
			else
				lo_cap = mid;
			xwasm_module_free(m);
		}
		lo.max_bytes = hi_cap;
		m = NULL;
		rc = xwasm_module_load(b, n, &lo, &m, err, sizeof err);
		EXPECT_INT("loading at the smallest cap that loads", rc, 0);
		if (m)
			EXPECT_TRUE("what it holds is within that cap", xwasm_module_bytes(m) <= hi_cap + 4096,
				    "at most the cap + the module struct", "%llu (cap %llu)",
				    (unsigned long long)xwasm_module_bytes(m), (unsigned long long)hi_cap);
		xwasm_module_free(m);
		free(b);
	}
}

/* ---- interrupting a load ------------------------------------------------------------------ */

struct raiser {
	xwasm_interrupt *irq;
	unsigned delay_ms;
};

static void *raise_later(void *arg)
{
	struct raiser *r = arg;
	struct timespec ts = { .tv_sec = r->delay_ms / 1000, .tv_nsec = (long)(r->delay_ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	xwasm_interrupt_raise(r->irq);
	return NULL;
}

static void test_load_interrupt(void)
{
	size_t n = 0;
	/* slow.wasm: 36 MB whose validation takes about a second here (hostile_gen.py slow_validate) */
	uint8_t *b = slurp("slow.wasm", &n);
	if (!b)
		return;
	xwasm_interrupt *irq = xwasm_interrupt_new();
	struct xwasm_load_opts lo = { .sz = sizeof lo, .interrupt = irq };
	xwasm_module *m = NULL;
	char err[256] = "";
	/* raised before: refused at once */
	xwasm_interrupt_raise(irq);
	int rc = xwasm_module_load(b, n, &lo, &m, err, sizeof err);
	EXPECT_INT("load with the interrupt raised", rc, -EINTR);
	EXPECT_CONTAINS("its message", err, "loading interrupted");
	xwasm_module_free(m);
	/* raised 50 ms into a load that takes 8 times as long or more: it stops */
	xwasm_interrupt_clear(irq);
	struct raiser r = { irq, 50 };
	pthread_t t;
	pthread_create(&t, NULL, raise_later, &r);
	m = NULL;
	rc = xwasm_module_load(b, n, &lo, &m, err, sizeof err);
	pthread_join(t, NULL);
	EXPECT_INT("load interrupted 50 ms in", rc, -EINTR);
	EXPECT_CONTAINS("its message", err, "loading interrupted");
	xwasm_module_free(m);
	xwasm_interrupt_free(irq);
	free(b);
}

/* ---- memory cap --------------------------------------------------------------------------- */

static void test_memory_cap(void)
{
	xwasm_module *m = load("grow.wasm");
	if (m) {
		struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = 16 };
		xwasm_instance *inst = instantiate(m, NULL, &o, "grow.wasm with max_memory_pages 16");
		if (inst) {
			expect_i32(inst, "grow", 1, 15, 0, 1, __LINE__);
			expect_i32(inst, "size", 0, 0, 0, 16, __LINE__);
			expect_i32(inst, "grow", 1, 1, 0, -1, __LINE__);
			expect_i32(inst, "grow", 1, 65536, 0, -1, __LINE__);
			expect_i32(inst, "grow", 1, -1, 0, -1, __LINE__);
			expect_i32(inst, "grow", 1, 0, 0, 16, __LINE__);
			expect_i32(inst, "size", 0, 0, 0, 16, __LINE__);
			/* the last page is usable, the byte after it is not */
			expect_i32(inst, "store", 1, 16 * 65536 - 4, 0, 0, __LINE__);
			expect_trap(inst, "store", 1, 16 * 65536 - 3, XWASM_TRAP_MEMORY_OOB,
				    "out of bounds memory access", "store", __LINE__);
			xwasm_memory *mem = xwasm_instance_memory0(inst);
			EXPECT_TRUE("memory0", mem != NULL, "a memory", "%p", (void *)mem);
			if (mem) {
				EXPECT_INT("xwasm_memory_grow beyond the cap", xwasm_memory_grow(mem, 1), -1);
				EXPECT_INT("pages after a refused grow", xwasm_memory_pages(mem), 16);
			}
			xwasm_instance_free(inst);
		}
		xwasm_module_free(m);
	}

	m = load("big_memory.wasm"); /* (memory 32) */
	if (m) {
		struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = 16 };
		xwasm_instance *inst = NULL;
		char err[256] = "";
		int rc = xwasm_instance_new(m, NULL, &o, &inst, NULL, err, sizeof err);
		EXPECT_TRUE("instantiating (memory 32) with max_memory_pages 16", rc < 0 && !inst,
			    "a negative errno and no instance", "%d, instance %p (%s)", rc, (void *)inst, err);
		EXPECT_CONTAINS("error for (memory 32) over the cap", err, "16");
		EXPECT_CONTAINS("error for (memory 32) over the cap", err, "limit");
		xwasm_instance_free(inst);
		/* at a cap of 32 it fits */
		o.max_memory_pages = 32;
		inst = instantiate(m, NULL, &o, "big_memory.wasm with max_memory_pages 32");
		if (inst) {
			xwasm_memory *mem = xwasm_instance_memory0(inst);
			EXPECT_INT("pages of (memory 32)", mem ? xwasm_memory_pages(mem) : 0, 32);
			if (mem)
				EXPECT_INT("grow past the cap of 32", xwasm_memory_grow(mem, 1), -1);
			xwasm_instance_free(inst);
		}
		xwasm_module_free(m);
	}

	m = load("grow_max.wasm"); /* (memory 1 4): the declared maximum below the cap */
	if (m) {
		struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = 16 };
		xwasm_instance *inst = instantiate(m, NULL, &o, "grow_max.wasm");
		if (inst) {
			expect_i32(inst, "grow", 1, 3, 0, 1, __LINE__);
			expect_i32(inst, "grow", 1, 1, 0, -1, __LINE__);
			expect_i32(inst, "size", 0, 0, 0, 4, __LINE__);
			xwasm_instance_free(inst);
		}
		xwasm_module_free(m);
	}
}

/* ---- trap messages name the function -------------------------------------------------------- */

static void test_trap_names(void)
{
	xwasm_module *m = load("names.wasm"); /* built with --debug-names */
	if (!m)
		return;
	xwasm_instance *inst = instantiate(m, NULL, NULL, "names.wasm");
	if (inst) {
		struct xwasm_trap t;
		int rc = call(inst, "outer", 0, 0, 0, NULL, &t);
		EXPECT_INT("outer() (divides by zero in $inner)", rc, XWASM_ETRAP);
		EXPECT_INT("trap kind", t.kind, XWASM_TRAP_DIV_ZERO);
		EXPECT_CONTAINS("trap message", t.message, "integer divide by zero");
		EXPECT_CONTAINS("trap message", t.message, "inner");
		EXPECT_CONTAINS("trap func_name", t.func_name, "inner");
		/* an unnamed trap site is named by its export */
		expect_trap(inst, "crash", 0, 0, XWASM_TRAP_UNREACHABLE, "unreachable", "crash", __LINE__);
		expect_i32(inst, "ok", 0, 0, 0, 7, __LINE__);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

/* ---- unsupported features and load errors ---------------------------------------------------- */

static void test_load_errors(void)
{
	size_t n = 0;
	uint8_t *b = slurp("simd.wasm", &n);
	if (b) {
		xwasm_module *m = NULL;
		char err[256] = "";
		int rc = xwasm_module_load(b, n, NULL, &m, err, sizeof err);
		EXPECT_INT("loading a relaxed SIMD module", rc, -ENOTSUP);
		EXPECT_TRUE("relaxed SIMD load error", strncmp(err, "not supported: relaxed SIMD", 27) == 0,
			    "a message starting with \"not supported: relaxed SIMD\"", "\"%s\"", err);
		EXPECT_TRUE("module after a failed load", m == NULL, "NULL", "%p", (void *)m);
		xwasm_module_free(m);
		free(b);
	}

	const char *bad[] = { "invalid_type.wasm", "invalid_local.wasm", "truncated.wasm" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = slurp(bad[i], &n);
		if (!b)
			continue;
		xwasm_module *m = NULL;
		char err[256] = "";
		int rc = xwasm_module_load(b, n, NULL, &m, err, sizeof err);
		char what[128];
		snprintf(what, sizeof what, "loading %s", bad[i]);
		EXPECT_INT(what, rc, -EINVAL);
		EXPECT_CONTAINS(what, err, "at byte 0x");
		const char *at = strstr(err, "at byte 0x");
		if (at) {
			unsigned long long off = strtoull(at + 10, NULL, 16);
			EXPECT_TRUE(what, off <= n, "a byte offset within the file", "0x%llx (file is %zu bytes)",
				    off, n);
		}
		xwasm_module_free(m);
		free(b);
	}
}

/* ---- host traps, exit, re-entrancy ---------------------------------------------------------- */

static int host_boom(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "boom");
	return XWASM_TRAP_HOST;
}

static int host_exit(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return xwasm_instance_exit(caller, args[0].of.i32);
}

/* env.reenter(x): calls the caller's export "twice"(x) and returns its result + 1. */
static int host_reenter(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_func *f = xwasm_instance_func(caller, "twice");
	if (!f) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "no export twice");
		return XWASM_TRAP_HOST;
	}
	xwasm_val a = { .type = XWASM_I32, .of.i32 = args[0].of.i32 }, r;
	struct xwasm_trap t;
	int rc = xwasm_call(caller, f, &a, 1, &r, 1, &t);
	if (rc) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "nested call failed: %s", t.message);
		return XWASM_TRAP_HOST;
	}
	results[0].type = XWASM_I32;
	results[0].of.i32 = r.of.i32 + 1;
	return 0;
}

/* env.down(n): calls the caller's export "rdown"(n), which calls env.down(n-1) until 0; the
 * host passes any trap of the nested call through unchanged. */
static int host_down(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_func *f = xwasm_instance_func(caller, "rdown");
	xwasm_val a = { .type = XWASM_I32, .of.i32 = args[0].of.i32 }, r;
	struct xwasm_trap t;
	int rc = xwasm_call(caller, f, &a, 1, &r, 1, &t);
	if (rc) {
		xwasm_instance_set_trap(caller, t.kind, "%s", t.message);
		return t.kind ? (int)t.kind : XWASM_TRAP_HOST;
	}
	results[0].type = XWASM_I32;
	results[0].of.i32 = r.of.i32;
	return 0;
}

/* env.peek(addr): reads guest memory of the caller through the API. */
static int host_peek(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	int32_t v = 0;
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	if (!mem || xwasm_memory_read(mem, (uint32_t)args[0].of.i32, &v, 4)) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_MEMORY_OOB, "peek out of bounds");
		return XWASM_TRAP_MEMORY_OOB;
	}
	results[0].type = XWASM_I32;
	results[0].of.i32 = v;
	return 0;
}

static xwasm_linker *host_linker(void)
{
	static const uint8_t i32[1] = { XWASM_I32 };
	xwasm_linker *l = xwasm_linker_new();
	if (!l)
		return NULL;
	int rc = 0;
	rc |= xwasm_linker_define_func(l, "env", "boom", NULL, 0, NULL, 0, host_boom, NULL);
	rc |= xwasm_linker_define_func(l, "env", "exit", i32, 1, NULL, 0, host_exit, NULL);
	rc |= xwasm_linker_define_func(l, "env", "reenter", i32, 1, i32, 1, host_reenter, NULL);
	rc |= xwasm_linker_define_func(l, "env", "down", i32, 1, i32, 1, host_down, NULL);
	rc |= xwasm_linker_define_func(l, "env", "peek", i32, 1, i32, 1, host_peek, NULL);
	EXPECT_INT("defining the host functions", rc, 0);
	return l;
}

static void test_host(void)
{
	xwasm_module *m = load("host.wasm");
	if (!m)
		return;
	xwasm_linker *l = host_linker();
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_call_depth = 1000 };
	xwasm_instance *inst = l ? instantiate(m, l, &o, "host.wasm") : NULL;
	xwasm_linker_free(l); /* the instance must not depend on the linker any more */
	if (!inst) {
		xwasm_module_free(m);
		return;
	}
	struct xwasm_trap t;
	int rc = call(inst, "call_boom", 0, 0, 0, NULL, &t);
	EXPECT_INT("call_boom()", rc, XWASM_ETRAP);
	EXPECT_INT("call_boom() trap kind", t.kind, XWASM_TRAP_HOST);
	EXPECT_TRUE("call_boom() trap message", strcmp(t.message, "boom") == 0, "\"boom\"", "\"%s\"",
		    t.message);
	expect_i32(inst, "twice", 1, 21, 0, 42, __LINE__);

	rc = call(inst, "call_exit", 1, 7, 0, NULL, &t);
	EXPECT_INT("call_exit(7)", rc, XWASM_ETRAP);
	EXPECT_INT("call_exit(7) trap kind", t.kind, XWASM_TRAP_EXIT);
	EXPECT_INT("call_exit(7) exit code", t.exit_code, 7);
	rc = call(inst, "call_exit", 1, 0, 0, NULL, &t);
	EXPECT_INT("call_exit(0) trap kind", t.kind, XWASM_TRAP_EXIT);
	EXPECT_INT("call_exit(0) exit code", t.exit_code, 0);
	expect_i32(inst, "twice", 1, 5, 0, 10, __LINE__);

	/* re-entrancy: outer(x) = env.reenter(x) + 100 = (twice(x) + 1) + 100 */
	expect_i32(inst, "outer", 1, 5, 0, 111, __LINE__);
	expect_i32(inst, "outer", 1, -50, 0, 1, __LINE__);
	/* wasm -> host -> wasm -> host ... 200 levels deep */
	expect_i32(inst, "rdown", 1, 200, 0, 200, __LINE__);
	/* host reads guest memory written by the guest */
	expect_i32(inst, "poke_peek", 1, 0x12345678, 0, 0x12345678, __LINE__);
	xwasm_instance_free(inst);
	xwasm_module_free(m);
}

/* A host call costs 1000 units of fuel (XW_HOST_CALL_FUEL, docs/engine.md), so that a loop
 * that mostly calls the host ends within its budget like any other loop. */
static void test_host_fuel(void)
{
	xwasm_module *m = load("host.wasm");
	if (!m)
		return;
	xwasm_linker *l = host_linker();
	struct xwasm_instance_opts o = { .sz = sizeof o, .fuel = 10000000 };
	xwasm_instance *inst = l ? instantiate(m, l, &o, "host.wasm with fuel 1e7") : NULL;
	xwasm_linker_free(l);
	if (inst) {
		expect_i32(inst, "peek_loop", 1, 1000, 0, 1000, __LINE__);
		uint64_t used = xwasm_instance_fuel_used(inst);
		EXPECT_TRUE("fuel used by 1000 host calls in a loop", used >= 1000000 && used < 1100000,
			    "1000 x 1000 and at most 100 a loop iteration more", "%" PRIu64, used);
		/* 10^5 calls would need 10^8: the budget of 10^7 ends the call after about 10^4 */
		expect_trap(inst, "peek_loop", 1, 100000, XWASM_TRAP_FUEL_EXHAUSTED, "fuel exhausted",
			    "peek_loop", __LINE__);
		used = xwasm_instance_fuel_used(inst);
		EXPECT_TRUE("fuel used by the exhausted call", used >= 9000000 && used <= 10000000,
			    "between 9000000 and 10000000", "%" PRIu64, used);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

/* Unbounded wasm -> host -> wasm -> ... recursion must end with "call stack exhausted", not
 * with a native stack overflow: every level costs native stack (host frames, the nested
 * xwasm_call, the interpreter), so the engine must bound re-entrant nesting too. */
static void reentrant_recursion(uint32_t max_call_depth)
{
	xwasm_module *m = load("host.wasm");
	if (!m)
		return;
	xwasm_linker *l = host_linker();
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_call_depth = max_call_depth };
	xwasm_instance *inst = l ? instantiate(m, l, &o, "host.wasm") : NULL;
	xwasm_linker_free(l);
	if (inst) {
		struct xwasm_trap t;
		char what[96];
		snprintf(what, sizeof what, "rdown(1e6) through the host, max_call_depth %u%s",
			 max_call_depth, max_call_depth ? "" : " (default)");
		int rc = call(inst, "rdown", 1, 1000000, 0, NULL, &t);
		EXPECT_INT(what, rc, XWASM_ETRAP);
		EXPECT_CONTAINS(what, t.message, "call stack exhausted");
		/* still usable */
		expect_i32(inst, "rdown", 1, 3, 0, 3, __LINE__);
		expect_i32(inst, "outer", 1, 1, 0, 103, __LINE__);
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

static void test_reentrant_1000(void) { reentrant_recursion(1000); }
static void test_reentrant_default(void) { reentrant_recursion(0); }

/* ---- concurrent instances ------------------------------------------------------------------ */

#define NTHREADS 8
#define SUM_N 2000000

struct worker {
	const xwasm_module *m;
	pthread_barrier_t *start;
	int32_t seed;
	int32_t got;
	int rc;
	char msg[300];
};

/* The guest's checksum, recomputed in C (see sum in threads.wat). */
static int32_t expected_sum(int32_t seed, int32_t n)
{
	uint32_t acc = (uint32_t)seed, mem[1024] = { 0 };
	for (uint32_t i = 0; i < (uint32_t)n; i++) {
		acc = acc * 31u + (i ^ (uint32_t)seed);
		acc ^= mem[(i * 7u) & 1023u];
		mem[i & 1023u] = acc;
	}
	return (int32_t)acc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	xwasm_instance *inst = NULL;
	char err[256] = "";
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = 4 };
	w->rc = xwasm_instance_new(w->m, NULL, &o, &inst, NULL, err, sizeof err);
	pthread_barrier_wait(w->start);
	if (w->rc) {
		snprintf(w->msg, sizeof w->msg, "instantiate: %s", err);
		return NULL;
	}
	xwasm_func *f = xwasm_instance_func(inst, "sum");
	xwasm_val a[2] = { { .type = XWASM_I32, .of.i32 = w->seed }, { .type = XWASM_I32, .of.i32 = SUM_N } };
	xwasm_val r;
	struct xwasm_trap t;
	w->rc = f ? xwasm_call(inst, f, a, 2, &r, 1, &t) : -ENOENT;
	if (w->rc)
		snprintf(w->msg, sizeof w->msg, "call: %s", f ? t.message : "no export sum");
	else
		w->got = r.of.i32;
	xwasm_instance_free(inst);
	return NULL;
}

static void test_threads(void)
{
	xwasm_module *m = load("threads.wasm");
	if (!m)
		return;
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .m = m, .start = &start, .seed = 1000 + i * 7919 };
		if (pthread_create(&th[i], NULL, worker_main, &w[i])) {
			failf(__LINE__, "pthread_create failed");
			exit(1);
		}
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < NTHREADS; i++) {
		char what[64];
		snprintf(what, sizeof what, "thread %d: sum(%d, %d)", i, w[i].seed, SUM_N);
		count_check();
		if (w[i].rc)
			failf(__LINE__, "%s: expected success, got %d (%s)", what, w[i].rc, w[i].msg);
		else
			EXPECT_INT(what, w[i].got, expected_sum(w[i].seed, SUM_N));
	}
	xwasm_module_free(m);
}

/* ---- the bounds-checked memory API ---------------------------------------------------------- */

static void test_memory_api(void)
{
	xwasm_module *m = load("grow.wasm");
	if (!m)
		return;
	xwasm_instance *inst = instantiate(m, NULL, NULL, "grow.wasm (memory API)");
	if (!inst) {
		xwasm_module_free(m);
		return;
	}
	xwasm_memory *mem = xwasm_instance_memory0(inst);
	EXPECT_TRUE("memory0", mem != NULL, "a memory", "%p", (void *)mem);
	if (mem) {
		const uint64_t size = 65536;
		uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
		EXPECT_INT("xwasm_memory_size", xwasm_memory_size(mem), size);
		EXPECT_INT("write of the last 4 bytes", xwasm_memory_write(mem, size - 4, buf, 4), 0);
		memset(back, 0, sizeof back);
		EXPECT_INT("read of the last 4 bytes", xwasm_memory_read(mem, size - 4, back, 4), 0);
		EXPECT_INT("bytes read back", memcmp(back, buf, 4), 0);
		/* the guest sees what the host wrote */
		expect_i32(inst, "load", 1, (int64_t)size - 4, 0, 0x04030201, __LINE__);
		EXPECT_INT("write 1 byte past the end", xwasm_memory_write(mem, size - 3, buf, 4), -EFAULT);
		EXPECT_INT("read 1 byte past the end", xwasm_memory_read(mem, size - 3, back, 4), -EFAULT);
		EXPECT_INT("read at the end", xwasm_memory_read(mem, size, back, 1), -EFAULT);
		EXPECT_INT("empty read at the end", xwasm_memory_read(mem, size, back, 0), 0);
		EXPECT_INT("empty read past the end", xwasm_memory_read(mem, size + 1, back, 0), -EFAULT);
		EXPECT_INT("read at UINT64_MAX", xwasm_memory_read(mem, UINT64_MAX, back, 2), -EFAULT);
		EXPECT_INT("write wrapping around", xwasm_memory_write(mem, UINT64_MAX - 1, buf, 4), -EFAULT);
		EXPECT_INT("read with a huge length", xwasm_memory_read(mem, 0, back, SIZE_MAX), -EFAULT);
		EXPECT_TRUE("ptr to the last 4 bytes", xwasm_memory_ptr(mem, size - 4, 4) != NULL,
			    "non-NULL", "NULL");
		EXPECT_TRUE("ptr 1 byte past the end", xwasm_memory_ptr(mem, size - 3, 4) == NULL, "NULL",
			    "%p", xwasm_memory_ptr(mem, size - 3, 4));
		/* a failed write changed nothing */
		memset(back, 0, sizeof back);
		xwasm_memory_read(mem, size - 4, back, 4);
		EXPECT_INT("bytes after a refused write", memcmp(back, buf, 4), 0);
		/* growing moves the edge */
		EXPECT_INT("xwasm_memory_grow(1)", xwasm_memory_grow(mem, 1), 1);
		EXPECT_INT("write across the old edge", xwasm_memory_write(mem, size - 4, buf, 8), 0);
		EXPECT_INT("write at the new edge", xwasm_memory_write(mem, 2 * size - 8, buf, 8), 0);
		EXPECT_INT("write past the new edge", xwasm_memory_write(mem, 2 * size - 7, buf, 8), -EFAULT);
		expect_i32(inst, "size", 0, 0, 0, 2, __LINE__);
		expect_i32(inst, "load", 1, (int64_t)(2 * size - 4), 0, 0x08070605, __LINE__);
	}
	xwasm_instance_free(inst);
	xwasm_module_free(m);

	/* a host-created memory */
	xwasm_memory *hm = xwasm_memory_new(1, 2);
	EXPECT_TRUE("xwasm_memory_new(1, 2)", hm != NULL, "a memory", "NULL");
	if (hm) {
		uint32_t v = 0xdeadbeef;
		EXPECT_INT("host memory: write at the edge", xwasm_memory_write(hm, 65532, &v, 4), 0);
		EXPECT_INT("host memory: write past the edge", xwasm_memory_write(hm, 65533, &v, 4), -EFAULT);
		EXPECT_INT("host memory: grow to the maximum", xwasm_memory_grow(hm, 1), 1);
		EXPECT_INT("host memory: grow past the maximum", xwasm_memory_grow(hm, 1), -1);
		EXPECT_INT("host memory: write at the new edge", xwasm_memory_write(hm, 131068, &v, 4), 0);
		xwasm_memory_free(hm);
	}
}

/* Runs fn in a child process, so that a crash (e.g. a native stack overflow) is reported as a
 * failed check instead of ending the whole program. */
static void run_isolated(const char *name, void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		failf(__LINE__, "%s: fork failed", name);
		return;
	}
	if (pid == 0) {
		fails = 0;
		fn();
		fflush(NULL);
		exit(fails ? 1 : 0);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	count_check();
	if (WIFSIGNALED(st))
		failf(__LINE__, "%s: expected a trap, got the process killed by signal %d (%s)", name,
		      WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failf(__LINE__, "%s: expected all checks to pass, got exit status %d (a sanitizer report or the failures above)",
		      name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct {
		const char *name;
		void (*fn)(void);
		bool isolated; /* run in a child process: may crash the host */
	} tests[] = {
		{ "fuel", test_fuel, false },
		{ "host call fuel", test_host_fuel, false },
		{ "call depth", test_depth, false },
		{ "memory cap", test_memory_cap, false },
		{ "accounting and its caps", test_accounting, false },
		{ "interrupting a load", test_load_interrupt, false },
		{ "trap names", test_trap_names, false },
		{ "load errors", test_load_errors, false },
		{ "host traps and re-entrancy", test_host, false },
		{ "re-entrant recursion, max_call_depth 1000", test_reentrant_1000, true },
		{ "re-entrant recursion, default depth", test_reentrant_default, true },
		{ "concurrent instances", test_threads, false },
		{ "memory API", test_memory_api, false },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int before = fails;
		if (tests[i].isolated)
			run_isolated(tests[i].name, tests[i].fn);
		else
			tests[i].fn();
		printf("%s %s\n", fails == before ? "ok  " : "FAIL", tests[i].name);
	}
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
