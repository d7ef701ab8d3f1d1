/* Multi-memory through the public API: the feature switch (a second memory is invalid with
 * the default features, loads with XWASM_FEATURE_MULTI_MEMORY), exports of each memory by
 * name, data segments into memory 1, loads/stores/size/grow/fill/copy/init on memory 1 apart
 * from memory 0, bounds checked against the right memory, the page cap per memory, growth of
 * memory 1 charged to the instance, and one host memory imported as memories 0 and 1 (a grow
 * through index 1 is seen by memory 0's fast path at once).
 *
 * Usage: engine_multimemory DIR   DIR holds two.wasm and alias.wasm, built by
 *                                 tests/cases/engine_multimemory.sh with wat2wasm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"
#include "check.h"
#include "wasm_call.h"

static int64_t call(xwasm_instance *inst, const char *fn, int nargs, int64_t a0, int64_t a1,
		    struct xwasm_trap *trap)
{
	xwasm_func *f = xwasm_instance_func(inst, fn);
	if (!f) {
		printf("FAIL: no export %s\n", fn);
		fails++;
		return -999;
	}
	xwasm_val v = { 0 };
	int rc = wasm_call_ints(inst, f, nargs, a0, a1, &v, trap);
	if (rc)
		return rc == XWASM_ETRAP ? -1000 - (int64_t)trap->kind : -998;
	return v.of.i32;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: engine_multimemory DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	char err[300];
	int rc;
	struct xwasm_trap trap;

	/* the switch */
	xwasm_module *m = wasm_load_file(dir, "two.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m && strstr(err, "multiple memories"),
	      "default features: expected -EINVAL 'multiple memories', got %d '%s'", rc, err);
	m = wasm_load_file(dir, "two.wasm", XWASM_FEATURES_DEFAULT | XWASM_FEATURE_MULTI_MEMORY, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "with XWASM_FEATURE_MULTI_MEMORY: %d '%s'", rc, err);
	if (!m)
		goto out;

	struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = 4 };
	xwasm_instance *inst = NULL;
	rc = xwasm_instance_new(m, NULL, &o, &inst, &trap, err, sizeof err);
	CHECK(rc == 0, "instance: %d %s", rc, err);
	if (rc)
		goto out;
	xwasm_memory *m0 = xwasm_instance_memory(inst, "m0"), *m1 = xwasm_instance_memory(inst, "m1");
	CHECK(m0 && m1 && m0 != m1 && xwasm_instance_memory0(inst) == m0, "exports m0 %p, m1 %p, memory0 %p",
	      (void *)m0, (void *)m1, (void *)xwasm_instance_memory0(inst));
	CHECK(m0 && m1 && xwasm_memory_pages(m0) == 3 && xwasm_memory_pages(m1) == 1,
	      "pages: m0 %u (want 3), m1 %u (want 1)", m0 ? xwasm_memory_pages(m0) : 0,
	      m1 ? xwasm_memory_pages(m1) : 0);
	char b0[8] = "", b1[8] = "";
	xwasm_memory_read(m0, 100, b0, 5);
	xwasm_memory_read(m1, 100, b1, 5);
	CHECK(!memcmp(b1, "hello", 5) && !memcmp(b0, "\0\0\0\0\0", 5),
	      "data segment into memory 1 only: m1 '%.5s', m0 bytes %d%d%d", b1, b0[0], b0[1], b0[2]);

	/* store/load on memory 1 leave memory 0 alone */
	call(inst, "store1", 2, 200, 0x11223344, &trap);
	CHECK(call(inst, "load1", 1, 200, 0, &trap) == 0x11223344, "load1 after store1");
	CHECK(call(inst, "load0", 1, 200, 0, &trap) == 0, "load0 at the same address: %lld",
	      (long long)call(inst, "load0", 1, 200, 0, &trap));
	/* bounds: 70000 is inside memory 0 (3 pages), outside memory 1 (1 page) */
	CHECK(call(inst, "load0", 1, 70000, 0, &trap) == 0, "load0(70000) inside memory 0");
	CHECK(call(inst, "load1", 1, 70000, 0, &trap) == -1000 - (int64_t)XWASM_TRAP_MEMORY_OOB &&
	      strstr(trap.message, "out of bounds memory access"),
	      "load1(70000): expected out of bounds, got '%s'", trap.message);
	CHECK(call(inst, "store1", 2, 65534, 1, &trap) == -1000 - (int64_t)XWASM_TRAP_MEMORY_OOB,
	      "store1(65534) (4 bytes): expected out of bounds, got '%s'", trap.message);
	/* memory.size / grow on memory 1, charged to the instance, capped per memory */
	uint64_t before = xwasm_instance_bytes(inst);
	CHECK(call(inst, "size1", 0, 0, 0, &trap) == 1, "size1");
	CHECK(call(inst, "grow1", 1, 2, 0, &trap) == 1, "grow1(2) returns the old size 1");
	CHECK(call(inst, "size1", 0, 0, 0, &trap) == 3 && xwasm_memory_pages(m1) == 3 &&
	      xwasm_memory_pages(m0) == 3, "after grow1(2): size1 %lld, m1 %u, m0 %u",
	      (long long)call(inst, "size1", 0, 0, 0, &trap), xwasm_memory_pages(m1), xwasm_memory_pages(m0));
	CHECK(xwasm_instance_bytes(inst) - before == 2 * 65536, "grow1(2) charged %llu bytes",
	      (unsigned long long)(xwasm_instance_bytes(inst) - before));
	CHECK(call(inst, "grow1", 1, 2, 0, &trap) == -1 && xwasm_memory_cap_refusals(m1) == 1,
	      "grow1(2) past max_memory_pages 4: -1 and one refusal (%llu)",
	      (unsigned long long)xwasm_memory_cap_refusals(m1));
	CHECK(call(inst, "load1", 1, 70000, 0, &trap) == 0, "load1(70000) after the grow");
	/* fill memory 1, copy memory 1 -> memory 0, init into memory 1 */
	call(inst, "fill1", 2, 300, 0xab, &trap);
	CHECK(call(inst, "load1", 1, 300, 0, &trap) == (int32_t)0xabababab && call(inst, "load0", 1, 300, 0, &trap) == 0,
	      "fill1 writes memory 1 only");
	call(inst, "copy10", 2, 1000, 300, &trap);
	CHECK(call(inst, "load0", 1, 1000, 0, &trap) == (int32_t)0xabababab, "copy10: memory 1 to memory 0");
	call(inst, "init1", 1, 400, 0, &trap);
	memset(b1, 0, sizeof b1);
	xwasm_memory_read(m1, 400, b1, 5);
	CHECK(!memcmp(b1, "world", 5), "init1: passive segment into memory 1: '%.5s'", b1);
	CHECK(call(inst, "init1", 1, 3 * 65536 - 2, 0, &trap) == -1000 - (int64_t)XWASM_TRAP_MEMORY_OOB,
	      "init1 past memory 1's end: out of bounds, got '%s'", trap.message);
	xwasm_instance_free(inst);

	/* one host memory imported as memories 0 and 1 */
	xwasm_module *am = wasm_load_file(dir, "alias.wasm", XWASM_FEATURES_ALL, &rc, err, sizeof err);
	CHECK(rc == 0 && am, "alias.wasm: %d '%s'", rc, err);
	if (am) {
		xwasm_memory *hm = xwasm_memory_new(1, 10);
		xwasm_linker *l = xwasm_linker_new();
		xwasm_linker_define_memory(l, "env", "mem", hm);
		xwasm_instance *ai = NULL;
		rc = xwasm_instance_new(am, l, NULL, &ai, &trap, err, sizeof err);
		CHECK(rc == 0, "alias instance: %d %s", rc, err);
		if (ai) {
			CHECK(call(ai, "store1_load0", 2, 500, 77, &trap) == 77, "a store through index 1 is read through 0");
			/* grow through index 1, then memory 0's fast path reaches the new page */
			CHECK(call(ai, "grow1_then_load0", 1, 65536 + 8, 0, &trap) == 0,
			      "grow through index 1, load through 0 beyond the old end: got %lld (%s)",
			      (long long)call(ai, "grow1_then_load0", 1, 65536 + 8, 0, &trap), trap.message);
			CHECK(xwasm_memory_pages(hm) >= 2, "host memory grew: %u pages", xwasm_memory_pages(hm));
			xwasm_instance_free(ai);
		}
		xwasm_linker_free(l);
		xwasm_memory_free(hm);
		xwasm_module_free(am);
	}
out:
	xwasm_module_free(m);
	printf("engine_multimemory: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
