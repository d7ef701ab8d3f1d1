/* Reproducer: unbounded wasm -> host -> wasm re-entrant recursion overflows the native stack
 * (SIGSEGV / ASan stack-overflow) instead of trapping with "call stack exhausted".
 *
 * max_call_depth counts wasm frames only; each re-entrant level (a host function calling
 * xwasm_call on its caller) also costs native stack: about 2 KB per level in an -O2 build and
 * about 8.5 KB under ASan, so the default depth (10000) needs ~20 MB (> the usual 8 MB main
 * thread stack) and even max_call_depth = 1000 overflows under ASan.
 *
 * Module (wat):
 *   (module
 *     (import "env" "down" (func $down (param i32) (result i32)))
 *     (func (export "rdown") (param i32) (result i32)
 *       (if (result i32) (local.get 0)
 *         (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
 *         (else (i32.const 0)))))
 * env.down(n) calls the caller's export rdown(n).
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=address,undefined -Iinclude -Isrc
 *       tests/fuzz/repro/reentrant_overflow.c src/wasm/[a-z]*.c -lm -lpthread
 *       -o /tmp/reentrant_overflow
 *   /tmp/reentrant_overflow [DEPTH]      (DEPTH = max_call_depth, default 0 = engine default)
 * Expected: "trap: call stack exhausted ..." and exit 0. Got (engine at commit bf16560): a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include "xdperf/wasm.h"

static const unsigned char wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
	0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x64, 0x6f, 0x77, 0x6e,
	0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05, 0x72, 0x64, 0x6f, 0x77,
	0x6e, 0x00, 0x01, 0x0a, 0x16, 0x01, 0x14, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x20, 0x00,
	0x41, 0x01, 0x6b, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x00, 0x0b, 0x0b,
};

static int host_down(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_val a = { .type = XWASM_I32, .of.i32 = args[0].of.i32 }, r;
	struct xwasm_trap t;
	int rc = xwasm_call(caller, xwasm_instance_func(caller, "rdown"), &a, 1, &r, 1, &t);
	if (rc) {
		xwasm_instance_set_trap(caller, t.kind, "%s", t.message);
		return t.kind ? (int)t.kind : XWASM_TRAP_HOST;
	}
	results[0].of.i32 = r.of.i32;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t i32[1] = { XWASM_I32 };
	char err[256];
	xwasm_module *m;
	if (xwasm_module_load(wasm, sizeof wasm, NULL, &m, err, sizeof err)) {
		printf("load: %s\n", err);
		return 1;
	}
	xwasm_linker *l = xwasm_linker_new();
	xwasm_linker_define_func(l, "env", "down", i32, 1, i32, 1, host_down, NULL);
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_call_depth = argc > 1 ? (uint32_t)atoi(argv[1]) : 0 };
	xwasm_instance *inst;
	if (xwasm_instance_new(m, l, &o, &inst, NULL, err, sizeof err)) {
		printf("instantiate: %s\n", err);
		return 1;
	}
	xwasm_val a = { .type = XWASM_I32, .of.i32 = 1000000 }, r;
	struct xwasm_trap t;
	int rc = xwasm_call(inst, xwasm_instance_func(inst, "rdown"), &a, 1, &r, 1, &t);
	if (rc == XWASM_ETRAP)
		printf("trap: %s\n", t.message);
	else
		printf("no trap (rc %d)\n", rc);
	xwasm_instance_free(inst);
	xwasm_linker_free(l);
	xwasm_module_free(m);
	return rc == XWASM_ETRAP ? 0 : 1;
}
