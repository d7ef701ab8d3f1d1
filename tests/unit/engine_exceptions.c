/* Exception handling through the public API (tests/cases/engine_exceptions.sh builds the
 * modules): tags linked between instances compare by identity (an exception of instance A's
 * exported tag is caught in B by the clause naming B's import of that tag, not by B's own tag
 * of the same type), an exception leaving the called function is XWASM_TRAP_EXCEPTION
 * ("uncaught exception"), exceptions do not cross a host function (a host function calling a
 * throwing wasm function sees the call fail; returning that failure traps its caller, and a
 * catch_all there does not catch it), and fuel applies to a throw/catch loop.
 *
 * Usage: engine_exceptions DIR   DIR holds eh_a.wasm and eh_b.wasm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"
#include "check.h"
#include "wasm_call.h"

static xwasm_module *load(const char *dir, const char *name)
{
	char err[300];
	int rc;
	xwasm_module *m = wasm_load_file(dir, name, 0, &rc, err, sizeof err);
	CHECK(rc == 0, "%s loads: %d %s", name, rc, err);
	return m;
}

/* env.host: calls B's "inner_throw" (which throws) and passes its failure on. */
static xwasm_instance *b_inst;
static int host_saw_kind;
static int host(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_trap t;
	xwasm_val v;
	int rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "inner_throw"), 1, args[0].of.i32, 0,
				&v, &t);
	host_saw_kind = rc == XWASM_ETRAP ? (int)t.kind : -1;
	if (rc) {
		xwasm_instance_set_trap(caller, t.kind, "host: %s", t.message);
		return t.kind;
	}
	results[0].of.i32 = 0;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: engine_exceptions DIR\n");
		return 2;
	}
	xwasm_module *ma = load(argv[1], "eh_a.wasm"), *mb = load(argv[1], "eh_b.wasm");
	if (!ma || !mb)
		return 1;
	char err[300];
	struct xwasm_trap trap;
	xwasm_instance *a = NULL;
	int rc = xwasm_instance_new(ma, NULL, NULL, &a, &trap, err, sizeof err);
	CHECK(rc == 0, "instance a: %d %s", rc, err);
	xwasm_linker *l = xwasm_linker_new();
	static const uint8_t i32[] = { XWASM_I32 };
	xwasm_linker_define_func(l, "env", "host", i32, 1, i32, 1, host, NULL);
	xwasm_linker_define_instance(l, "a", a);
	rc = xwasm_instance_new(mb, l, NULL, &b_inst, &trap, err, sizeof err);
	CHECK(rc == 0, "instance b (imports a.t, a.throw): %d %s", rc, err);
	if (rc)
		return 1;
	xwasm_val v;

	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "catch_imported"), 1, 7, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 2007,
	      "a's exception caught by the clause of the imported tag (2007): rc %d (%s) value %d", rc,
	      trap.message, v.of.i32);
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "own_misses"), 1, 7, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_EXCEPTION &&
	      strstr(trap.message, "uncaught exception"),
	      "b's own tag of the same type does not catch a's: rc %d kind %d '%s'", rc, trap.kind,
	      trap.message);
	rc = wasm_call_ints(a, xwasm_instance_func(a, "throw"), 1, 1, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_EXCEPTION,
	      "a.throw called directly: uncaught: rc %d kind %d '%s'", rc, trap.kind, trap.message);

	host_saw_kind = 0;
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "through_host"), 1, 5, 0, &v, &trap);
	CHECK(host_saw_kind == XWASM_TRAP_EXCEPTION,
	      "the host function saw its wasm callee's exception as XWASM_TRAP_EXCEPTION: %d",
	      host_saw_kind);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_EXCEPTION,
	      "and passing it on traps the caller, past its catch_all: rc %d kind %d '%s' (value %d)",
	      rc, trap.kind, trap.message, v.of.i32);
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "catch_imported"), 1, 8, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 2008, "the instance still runs afterwards: rc %d value %d", rc,
	      v.of.i32);

	/* fuel: a throw/catch loop stops at its budget; many iterations within one call do not
	 * pile up exceptions (the catch clause keeps no reference) */
	xwasm_instance_set_fuel(b_inst, 5000000);
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "spin"), 0, 0, 0, &v, &trap);
	CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_FUEL_EXHAUSTED,
	      "endless throw/catch loop with fuel: rc %d kind %d '%s'", rc, trap.kind, trap.message);
	CHECK(xwasm_instance_fuel_used(b_inst) == 5000000, "fuel used %llu",
	      (unsigned long long)xwasm_instance_fuel_used(b_inst));
	xwasm_instance_set_fuel(b_inst, 0);
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "count"), 1, 3000000, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 3000000,
	      "3000000 legacy throw/catch in one call (each catch lets the last go): rc %d (%s) value %d",
	      rc, trap.message, v.of.i32);

	/* the exceptions alive in a call count against the instance's max_bytes: n levels deep
	 * in catch clauses hold n of them; a cap just above what the instance holds stops that
	 * with XWASM_TRAP_OOM (and counts the refusal); within the cap, and after, it runs */
	uint64_t held = xwasm_instance_bytes(b_inst); /* (the last call left no exception alive) */
	rc = wasm_call_ints(b_inst, xwasm_instance_func(b_inst, "nest"), 1, 500, 0, &v, &trap);
	CHECK(rc == 0 && v.of.i32 == 500 * 501 / 2, "500 exceptions alive at once: rc %d value %d", rc,
	      v.of.i32);
	CHECK(xwasm_instance_bytes(b_inst) >= held + 500 * 8,
	      "they are counted in the instance's bytes: %llu, %llu before",
	      (unsigned long long)xwasm_instance_bytes(b_inst), (unsigned long long)held);
	xwasm_instance *capped = NULL;
	struct xwasm_instance_opts co = { .sz = sizeof co, .max_bytes = held + 4096 };
	rc = xwasm_instance_new(mb, l, &co, &capped, &trap, err, sizeof err);
	CHECK(rc == 0, "instance b with max_bytes %llu: %d %s", (unsigned long long)co.max_bytes, rc, err);
	if (capped) {
		uint64_t before = xwasm_instance_bytes(capped);
		rc = wasm_call_ints(capped, xwasm_instance_func(capped, "nest"), 1, 500, 0, &v, &trap);
		CHECK(rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_OOM,
		      "500 alive exceptions past max_bytes: OOM trap: rc %d kind %d '%s'", rc, trap.kind,
		      trap.message);
		rc = wasm_call_ints(capped, xwasm_instance_func(capped, "nest"), 1, 10, 0, &v, &trap);
		CHECK(rc == 0 && v.of.i32 == 55, "10 alive within the cap: rc %d value %d", rc, v.of.i32);
		rc = wasm_call_ints(capped, xwasm_instance_func(capped, "count"), 1, 1000, 0, &v, &trap);
		CHECK(rc == 0 && xwasm_instance_bytes(capped) <= before + 4096,
		      "the next calls release them: rc %d, %llu bytes held (%llu before)", rc,
		      (unsigned long long)xwasm_instance_bytes(capped), (unsigned long long)before);
		xwasm_instance_free(capped);
	}

	xwasm_instance_free(b_inst);
	xwasm_linker_free(l);
	xwasm_instance_free(a);
	xwasm_module_free(ma);
	xwasm_module_free(mb);
	printf("engine_exceptions: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
