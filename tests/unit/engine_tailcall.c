/* Tail calls (return_call, return_call_indirect) through the public API: real frame reuse (a
 * chain of 1,000,000 tail calls runs with a call depth limit of 16, also ending in a host
 * function and across instances, while the same chain with `call` is "call stack exhausted"),
 * results and argument passing when the callee's frame is larger, fuel charged per tail call
 * (an endless tail-call loop runs out of fuel, exactly at the budget), the interrupt flag
 * stopping an endless tail-call loop with unlimited fuel, traps naming the tail-called
 * function, and the feature switched off (XWASM_FEATURES_NONE: refused as not supported).
 *
 * Usage: engine_tailcall DIR   DIR holds tailcall.wasm and callee.wasm, built by
 *                              tests/cases/engine_tailcall.sh with wat2wasm --enable-tail-call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xdperf/wasm.h"
#include "check.h"
#include "wasm_call.h"

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("FAIL: cannot open %s\n", path);
		exit(1);
	}
	static uint8_t buf[1 << 16];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	free(path);
	uint8_t *p = malloc(*len);
	memcpy(p, buf, *len);
	return p;
}

static xwasm_module *load(const char *dir, const char *name, uint32_t features, int *rc, char *err,
			  size_t errlen)
{
	size_t len;
	uint8_t *bytes = slurp(dir, name, &len);
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = name, .features = features };
	xwasm_module *m = NULL;
	*rc = xwasm_module_load(bytes, len, &lo, &m, err, errlen);
	free(bytes);
	return m;
}

/* env.add1000: i32 -> i32, the host end of a tail-call chain. */
static int host_calls;
static int add1000(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	host_calls++;
	results[0].of.i32 = args[0].of.i32 + 1000;
	return 0;
}

struct raiser {
	xwasm_interrupt *irq;
};

static void *raise_later(void *arg)
{
	struct raiser *r = arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	xwasm_interrupt_raise(r->irq);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: engine_tailcall DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	char err[300];
	int rc;

	/* off: refused, naming the feature */
	xwasm_module *off = load(dir, "tailcall.wasm", XWASM_FEATURES_NONE, &rc, err, sizeof err);
	CHECK(rc == -ENOTSUP && off == NULL && strstr(err, "tail calls disabled (opcode 0x12 return_call"),
	      "features none: expected -ENOTSUP 'tail calls disabled', got %d '%s'", rc, err);

	xwasm_module *cm = load(dir, "callee.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0, "callee.wasm loads: %d %s", rc, err);
	xwasm_module *m = load(dir, "tailcall.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0, "tailcall.wasm loads with the default features: %d %s", rc, err);
	if (!m || !cm)
		goto out;

	struct xwasm_instance_opts o = { .sz = sizeof o, .max_call_depth = 16 };
	struct xwasm_trap trap;
	xwasm_instance *ci = NULL, *inst = NULL;
	rc = xwasm_instance_new(cm, NULL, &o, &ci, &trap, err, sizeof err);
	CHECK(rc == 0, "callee instance: %d %s", rc, err);
	xwasm_linker *l = xwasm_linker_new();
	static const uint8_t i32[] = { XWASM_I32 };
	xwasm_linker_define_func(l, "env", "add1000", i32, 1, i32, 1, add1000, NULL);
	xwasm_linker_define_instance(l, "callee", ci);
	rc = xwasm_instance_new(m, l, &o, &inst, &trap, err, sizeof err);
	CHECK(rc == 0, "instance: %d %s", rc, err);
	if (rc)
		goto out_inst;

	xwasm_val v;
	const int64_t N = 1000000;
	/* mutual recursion a million deep, call depth limit 16 */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "even"), 1, N, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 1, "even(1000000) by return_call: rc %d (%s), value %d", rc,
	      trap.message, v.of.i32);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "odd"), 1, N + 1, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 1, "odd(1000001) by return_call: rc %d (%s), value %d", rc,
	      trap.message, v.of.i32);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "even_indirect"), 1, N + 1, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 0, "even_indirect(1000001) by return_call_indirect: rc %d (%s), value %d",
	      rc, trap.message, v.of.i32);
	/* the control: the same recursion with call exhausts the 16 frames */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "even_call"), 1, N, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_STACK_EXHAUSTED,
	      "even_call(1000000) by call: expected call stack exhausted, got rc %d kind %d (%s)", rc,
	      trap.kind, trap.message);
	/* a million tail calls ending in a host function: its result is the caller's */
	host_calls = 0;
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "to_host"), 1, N, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 1000 && host_calls == 1,
	      "to_host(1000000): rc %d (%s), value %d (want 1000), host calls %d", rc, trap.message,
	      v.of.i32, host_calls);
	/* ... and in a function of another instance, which reads its own memory */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "to_other"), 1, N, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 0x5678 + 7,
	      "to_other(1000000): rc %d (%s), value 0x%x (want 0x567f)", rc, trap.message, v.of.i32);
	/* a callee with more parameters and locals than the caller's frame */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "widen"), 1, 5, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 5 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9,
	      "widen(5): rc %d (%s), value %d (want 50)", rc, trap.message, v.of.i32);
	/* a trap in a tail-called function names it */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "to_trap"), 1, 3, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_UNREACHABLE && strstr(trap.message, "in boom"),
	      "to_trap: expected 'unreachable ... in boom', got rc %d '%s'", rc, trap.message);

	/* fuel: an endless tail-call loop stops when the budget is spent, to the unit */
	const uint64_t budget = 3000000;
	xwasm_instance_set_fuel(inst, budget);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "forever"), 1, 0, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_FUEL_EXHAUSTED,
	      "forever with fuel %llu: expected fuel exhausted, got rc %d (%s)",
	      (unsigned long long)budget, rc, trap.message);
	CHECK(xwasm_instance_fuel_used(inst) == budget, "fuel used %llu, budget %llu",
	      (unsigned long long)xwasm_instance_fuel_used(inst), (unsigned long long)budget);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "forever_indirect"), 1, 0, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_FUEL_EXHAUSTED,
	      "forever_indirect with fuel: expected fuel exhausted, got rc %d (%s)", rc, trap.message);
	/* the instance stays usable */
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "even"), 1, 10, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 1, "even(10) after the fuel trap: rc %d (%s)", rc, trap.message);

	/* interrupt: unlimited fuel, raised from another thread */
	xwasm_instance_set_fuel(inst, 0);
	xwasm_interrupt *irq = xwasm_interrupt_new();
	xwasm_instance_set_interrupt(inst, irq);
	struct raiser r = { irq };
	pthread_t th;
	pthread_create(&th, NULL, raise_later, &r);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "forever"), 1, 0, 0, &v, &trap);
	pthread_join(th, NULL);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_INTERRUPTED,
	      "forever, interrupted: expected the interrupted trap, got rc %d (%s)", rc, trap.message);
	xwasm_interrupt_clear(irq);
	rc = wasm_call_ints(inst, xwasm_instance_func(inst, "odd"), 1, 7, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 1, "odd(7) after clearing the flag: rc %d (%s)", rc, trap.message);
	xwasm_instance_set_interrupt(inst, NULL);
	xwasm_interrupt_free(irq);

out_inst:
	xwasm_instance_free(inst);
	xwasm_linker_free(l);
	xwasm_instance_free(ci);
out:
	xwasm_module_free(m);
	xwasm_module_free(cm);
	printf("engine_tailcall: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
