/* threads through the public API (tests/cases/engine_threads.sh): argv[1] = counter.wasm
 * (imports a shared env.memory, exports "bump" (n): n x i32.atomic.rmw.add 1 at address 64,
 * "wait" (timeout): memory.atomic.wait32 at 0 for the value 0, and "notify" (count) at 0),
 * argv[2] = plain.wasm
 * (imports an unshared env.memory). Checks:
 *   - xwasm_memory_create: a shared memory needs a maximum (-EINVAL), min > max is -EINVAL;
 *   - imports match on sharedness: a shared import refuses an unshared memory and the other
 *     way round; the module's import info says shared;
 *   - two instances of counter.wasm on one shared memory, each called from its own thread,
 *     plus a host thread adding with __atomic_fetch_add into the same word: no update is lost;
 *   - a 5 s wait in one thread is woken by another instance's notify (which returns 1) from
 *     another thread;
 *   - a 300 ms wait returns 2 ("timed-out") no sooner than 300 ms later;
 *   - a wait with a 60 s timeout stops at the interrupt flag (raised by another thread after
 *     100 ms) with XWASM_TRAP_INTERRUPTED, in well under a second.
 * Prints "ok ..." per check, "FAIL ..." otherwise; exit status 1 on any failure. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xdperf/wasm.h"

static int failed;
#define CHECK(cond, ...)                                                                  \
	do {                                                                             \
		if (cond) {                                                              \
			printf("ok ");                                                   \
		} else {                                                                 \
			printf("FAIL ");                                                 \
			failed = 1;                                                      \
		}                                                                        \
		printf(__VA_ARGS__);                                                     \
		printf("\n");                                                            \
	} while (0)

static xwasm_module *load(const char *path)
{
	static unsigned char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	xwasm_module *m = NULL;
	char err[256];
	if (xwasm_module_load(buf, n, NULL, &m, err, sizeof err)) {
		printf("FAIL load %s: %s\n", path, err);
		return NULL;
	}
	return m;
}

static int instantiate(xwasm_module *m, xwasm_memory *mem, xwasm_instance **inst, char *err, size_t len)
{
	xwasm_linker *l = xwasm_linker_new();
	xwasm_linker_define_memory(l, "env", "memory", mem);
	struct xwasm_trap trap;
	int rc = xwasm_instance_new(m, l, NULL, inst, &trap, err, len);
	xwasm_linker_free(l);
	return rc;
}

#define ROUNDS 200000

struct worker {
	xwasm_instance *inst;
	int rc;
};

static void *call_bump(void *p)
{
	struct worker *w = p;
	xwasm_val arg = { .type = XWASM_I32, .of.i32 = ROUNDS }, res;
	struct xwasm_trap trap;
	w->rc = xwasm_call(w->inst, xwasm_instance_func(w->inst, "bump"), &arg, 1, &res, 0, &trap);
	return NULL;
}

static void *host_bump(void *p)
{
	uint32_t *word = p;
	for (int i = 0; i < ROUNDS; i++)
		__atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct waiter {
	xwasm_instance *inst;
	int64_t timeout;
	int rc;
	int32_t result;
	double secs;
};

static double now(void);

static void *call_wait(void *p)
{
	struct waiter *w = p;
	xwasm_val arg = { .type = XWASM_I64, .of.i64 = w->timeout }, res = { 0 };
	struct xwasm_trap trap;
	double t0 = now();
	w->rc = xwasm_call(w->inst, xwasm_instance_func(w->inst, "wait"), &arg, 1, &res, 1, &trap);
	w->secs = now() - t0;
	w->result = res.of.i32;
	return NULL;
}

static int32_t notify(xwasm_instance *inst, int32_t count)
{
	xwasm_val arg = { .type = XWASM_I32, .of.i32 = count }, res = { 0 };
	struct xwasm_trap trap;
	if (xwasm_call(inst, xwasm_instance_func(inst, "notify"), &arg, 1, &res, 1, &trap))
		return -1;
	return res.of.i32;
}

static void *raise_later(void *p)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	xwasm_interrupt_raise(p);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	xwasm_module *counter = load(argv[1]), *plain = load(argv[2]);
	if (!counter || !plain)
		return 1;
	char err[256];

	xwasm_memory *mem = NULL;
	struct xwasm_memory_opts so = { .sz = sizeof(so), .shared = true };
	CHECK(xwasm_memory_create(1, UINT32_MAX, &so, &mem) == -EINVAL && !mem,
	      "a shared memory without maximum is refused (-EINVAL)");
	CHECK(xwasm_memory_create(3, 2, NULL, &mem) == -EINVAL, "min above max is refused");
	xwasm_memory *unshared = NULL;
	CHECK(xwasm_memory_create(1, 4, NULL, &unshared) == 0 && unshared, "an unshared memory");
	CHECK(xwasm_memory_create(1, 4, &so, &mem) == 0 && mem, "a shared memory (1..4 pages)");
	if (!mem || !unshared)
		return 1;

	struct xwasm_import_info ii;
	CHECK(xwasm_module_import(counter, 0, &ii) == 0 && ii.kind == XWASM_EXTERN_MEMORY && ii.shared &&
		      ii.max == 4,
	      "import info: env.memory shared, max 4");
	CHECK(xwasm_module_import(plain, 0, &ii) == 0 && !ii.shared, "import info: unshared");

	xwasm_instance *bad = NULL;
	int rc = instantiate(counter, unshared, &bad, err, sizeof err);
	CHECK(rc == -EINVAL && !bad, "a shared import refuses an unshared memory: %d %s", rc, err);
	rc = instantiate(plain, mem, &bad, err, sizeof err);
	CHECK(rc == -EINVAL && !bad, "an unshared import refuses a shared memory: %d %s", rc, err);
	xwasm_instance *p = NULL;
	rc = instantiate(plain, unshared, &p, err, sizeof err);
	CHECK(rc == 0, "an unshared import takes an unshared memory");
	if (p)
		xwasm_instance_free(p);

	xwasm_instance *a = NULL, *b = NULL;
	if (instantiate(counter, mem, &a, err, sizeof err) || instantiate(counter, mem, &b, err, sizeof err)) {
		printf("FAIL instantiate counter: %s\n", err);
		return 1;
	}
	uint32_t *word = xwasm_memory_ptr(mem, 64, 4);
	struct worker wa = { a, -1 }, wb = { b, -1 };
	pthread_t ta, tb, th;
	pthread_create(&ta, NULL, call_bump, &wa);
	pthread_create(&tb, NULL, call_bump, &wb);
	pthread_create(&th, NULL, host_bump, word);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(th, NULL);
	uint32_t total = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	CHECK(wa.rc == 0 && wb.rc == 0 && total == 3u * ROUNDS,
	      "two instances in two threads and a host thread, %d atomic adds each on one shared word: %u",
	      ROUNDS, total);

	xwasm_val targ = { .type = XWASM_I64, .of.i64 = 300ll * 1000 * 1000 }, tres;
	struct xwasm_trap ttrap;
	double t1 = now();
	rc = xwasm_call(a, xwasm_instance_func(a, "wait"), &targ, 1, &tres, 1, &ttrap);
	double tw = now() - t1;
	CHECK(rc == 0 && tres.of.i32 == 2 && tw >= 0.3, "a 300 ms wait returns 2 (timed-out) after %.3f s",
	      tw);
	targ.of.i64 = 0;
	t1 = now();
	rc = xwasm_call(a, xwasm_instance_func(a, "wait"), &targ, 1, &tres, 1, &ttrap);
	CHECK(rc == 0 && tres.of.i32 == 2, "a wait with timeout 0 returns 2 at once (%.3f s)", now() - t1);

	/* a waits (5 s) in a thread; instance c notifies from this one until it wakes a waiter */
	xwasm_instance *c = NULL;
	if (instantiate(counter, mem, &c, err, sizeof err)) {
		printf("FAIL instantiate counter: %s\n", err);
		return 1;
	}
	struct waiter wt = { a, 5ll * 1000 * 1000 * 1000, -1, 0, 0 };
	pthread_t tw_;
	double tn = now();
	pthread_create(&tw_, NULL, call_wait, &wt);
	int32_t woke = 0;
	while (woke == 0 && now() - tn < 3.0) {
		woke = notify(c, 1);
		if (!woke) {
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	pthread_join(tw_, NULL);
	CHECK(woke == 1 && wt.rc == 0 && wt.result == 0 && wt.secs < 3.0,
	      "a 5 s wait in another thread is woken by another instance's notify: notify %d, wait %d "
	      "(0 = ok) after %.3f s", woke, wt.result, wt.secs);
	CHECK(notify(c, 1) == 0, "then notify finds no waiter (0)");
	xwasm_instance_free(c);

	xwasm_interrupt *irq = xwasm_interrupt_new();
	xwasm_instance_set_interrupt(a, irq);
	pthread_t ti;
	pthread_create(&ti, NULL, raise_later, irq);
	xwasm_val arg = { .type = XWASM_I64, .of.i64 = 60ll * 1000 * 1000 * 1000 }, res;
	struct xwasm_trap trap;
	double t0 = now();
	rc = xwasm_call(a, xwasm_instance_func(a, "wait"), &arg, 1, &res, 1, &trap);
	double dt = now() - t0;
	pthread_join(ti, NULL);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_INTERRUPTED && dt >= 0.09 && dt < 2.0,
	      "a 60 s wait stops at the interrupt flag: %s after %.2f s", trap.message, dt);

	xwasm_instance_free(a);
	xwasm_instance_free(b);
	xwasm_interrupt_free(irq);
	xwasm_memory_free(mem);
	xwasm_memory_free(unshared);
	xwasm_module_free(counter);
	xwasm_module_free(plain);
	return failed;
}
