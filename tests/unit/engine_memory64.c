/* memory64 through the public API: i64 addresses on a small 64-bit memory (an address or
 * memarg offset at or above 4 GiB traps instead of wrapping to a low address; address +
 * offset past 2^64 traps), loads/stores/SIMD accesses/fill/copy/init bounds-checked, memory.size
 * and memory.grow in i64 (-1 is all 64 bits), data segments at i64 offsets, a copy between a
 * 32- and a 64-bit memory, import matching by index type, a data segment 4 GiB up (out of
 * bounds at instantiation), the engine's page cap on a declared
 * 2^40-page maximum and on a minimum above it, the feature switch, fuel and the interrupt
 * flag on a loop of 64-bit loads and a 64-bit memory.fill, and a clang-built wasm64
 * module (a u64 offset of 4 GiB folded by the compiler; shell sort over memory it grew, checked
 * against the same sort run natively). And that a 32-bit memory behaves as before.
 *
 * Usage: engine_memory64 DIR   DIR holds m64.wasm, m32.wasm, imp64.wasm, mixed.wasm,
 *                              big.wasm, data_hi.wasm, huge_max.wasm and clang64.wasm, built by
 *                              tests/cases/engine_memory64.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"
#include "check.h"
#include "wasm_call.h"

#define OOB (-1000 - (int64_t)XWASM_TRAP_MEMORY_OOB)
#define G4 0x100000000ll

static struct xwasm_trap trap;

/* Calls fn with up to two integer arguments: its first result as an int64 (i32 results
 * sign-extended), OOB etc. for a trap (-1000 - kind), -998 for another error. */
static int64_t call(xwasm_instance *inst, const char *fn, int nargs, int64_t a0, int64_t a1)
{
	xwasm_func *f = xwasm_instance_func(inst, fn);
	if (!f) {
		printf("FAIL: no export %s\n", fn);
		fails++;
		return -999;
	}
	xwasm_val v = { 0 };
	int rc = wasm_call_ints(inst, f, nargs, a0, a1, &v, &trap);
	if (rc)
		return rc == XWASM_ETRAP ? -1000 - (int64_t)trap.kind : -998;
	return v.type == XWASM_I64 ? v.of.i64 : v.of.i32;
}

static xwasm_instance *instantiate(xwasm_module *m, xwasm_linker *l, uint32_t max_pages, int *rc,
				   char *err, size_t errlen)
{
	struct xwasm_instance_opts o = { .sz = sizeof o, .max_memory_pages = max_pages };
	xwasm_instance *inst = NULL;
	err[0] = 0;
	*rc = xwasm_instance_new(m, l, &o, &inst, NULL, err, errlen);
	return inst;
}

/* A module with one function (i64) -> i32 doing i32.load with a memarg offset given as LEB
 * bytes, on a memory with limits flags `flags` and 1 page. */
static size_t offset_module(uint8_t *out, uint8_t flags, const uint8_t *leb, size_t leblen)
{
	static const uint8_t head[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 6, 1, 0x60, 1, 0x7e, 1, 0x7f,        /* type (i64) -> i32 */
		3, 2, 1, 0,                              /* function 0: type 0 */
	};
	size_t n = 0;
	memcpy(out, head, sizeof head);
	n = sizeof head;
	const uint8_t mem[] = { 5, 3, 1, flags, 1 }; /* memory: flags, min 1 */
	memcpy(out + n, mem, sizeof mem);
	n += sizeof mem;
	const uint8_t exp[] = { 7, 5, 1, 1, 'f', 0, 0 }; /* export "f" = func 0 */
	memcpy(out + n, exp, sizeof exp);
	n += sizeof exp;
	size_t body = 1 + 2 + 2 + leblen + 1;   /* locals, local.get 0, i32.load align, offset, end */
	out[n++] = 10;
	out[n++] = (uint8_t)(body + 2);
	out[n++] = 1;
	out[n++] = (uint8_t)body;
	out[n++] = 0;
	out[n++] = 0x20, out[n++] = 0;
	out[n++] = 0x28, out[n++] = 2;
	memcpy(out + n, leb, leblen);
	n += leblen;
	out[n++] = 0x0b;
	return n;
}

/* The guest's sort_sum (tests/cases/engine_memory64.sh), natively. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
static uint64_t sort_sum_native(uint64_t n, uint64_t seed)
{
	uint64_t *a = malloc(n * 8);
	if (!a)
		abort();
	for (uint64_t i = 0; i < n; i++)
		a[i] = next(&seed);
	for (uint64_t gap = n / 2; gap > 0; gap /= 2)
		for (uint64_t i = gap; i < n; i++) {
			uint64_t v = a[i], j = i;
			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += a[i] * (i + 1);
	free(a);
	return sum;
}

static void test_m64(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *m = wasm_load_file(dir, "m64.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "m64.wasm with the default features: %d '%s'", rc, err);
	if (!m)
		return;
	struct xwasm_import_info info;
	CHECK(xwasm_module_export(m, 0, &info) == 0 && info.kind == XWASM_EXTERN_MEMORY &&
	      info.valtype == XWASM_I64 && info.min == 1 && info.max == 8,
	      "export 0: the memory, index type i64 (valtype %u), 1..8 pages", info.valtype);
	xwasm_instance *inst = instantiate(m, NULL, 0, &rc, err, sizeof err);
	CHECK(rc == 0 && inst, "instance: %d '%s'", rc, err);
	if (!inst) {
		xwasm_module_free(m);
		return;
	}
	xwasm_memory *mem = xwasm_instance_memory(inst, "mem");

	/* the data segment at an i64 offset; an address 4 GiB up is not the same byte */
	CHECK(call(inst, "load8", 1, 16, 0) == 'm' && call(inst, "load8", 1, 23, 0) == '4',
	      "data segment at i64 offset 16: '%c%c'", (int)call(inst, "load8", 1, 16, 0),
	      (int)call(inst, "load8", 1, 23, 0));
	CHECK(call(inst, "load8", 1, G4 + 16, 0) == OOB && strstr(trap.message, "out of bounds memory access"),
	      "load8(4 GiB + 16): out of bounds, not byte 16: '%s'", trap.message);
	CHECK(call(inst, "load8", 1, 65535, 0) == 0 && call(inst, "load8", 1, 65536, 0) == OOB,
	      "load8 at the last byte of the page, and one past it");
	CHECK(call(inst, "load8", 1, -1, 0) == OOB, "load8(2^64 - 1): out of bounds");
	CHECK(call(inst, "load64", 1, -8, 0) == OOB, "load64(2^64 - 8): out of bounds");
	/* address + offset past 2^64 must not wrap to a low address */
	CHECK(call(inst, "load_off", 1, 0, 0) == 0 && call(inst, "load_off", 1, 1, 0) == OOB,
	      "i32.load offset=65532 at 0 (the last 4 bytes) and at 1 (past the end)");
	CHECK(call(inst, "load_off", 1, -65532 - 100, 0) == OOB,
	      "i32.load offset=65532 at 2^64 - 65632 (the sum is 2^64 - 100): out of bounds");
	CHECK(call(inst, "load_off", 1, -65532 + 100, 0) == OOB,
	      "i32.load offset=65532 at 2^64 - 65432: the sum wraps to 100, must trap: got %lld",
	      (long long)call(inst, "load_off", 1, -65532 + 100, 0));
	/* stores: 4 GiB up traps and leaves the low bytes alone */
	CHECK(call(inst, "store64", 2, 100, 0x1122334455667788ll) == 0 &&
	      call(inst, "load64", 1, 100, 0) == 0x1122334455667788ll, "store64/load64 at 100");
	CHECK(call(inst, "store64", 2, G4 + 100, 7) == OOB && call(inst, "load64", 1, 100, 0) == 0x1122334455667788ll,
	      "store64(4 GiB + 100): out of bounds, byte 100 unchanged");
	CHECK(call(inst, "store64", 2, 65529, 7) == OOB, "store64(65529): 8 bytes past the end");

	/* memory.size / grow in i64 */
	CHECK(call(inst, "size", 0, 0, 0) == 1, "memory.size = 1 (i64)");
	CHECK(call(inst, "grow", 1, 1, 0) == 1 && call(inst, "size", 0, 0, 0) == 2 && xwasm_memory_pages(mem) == 2,
	      "memory.grow(1) returns the old size 1, size 2");
	CHECK(call(inst, "load8", 1, 65536 + 5, 0) == 0, "the new page is readable");
	CHECK(call(inst, "grow", 1, G4 + 1, 0) == -1, "memory.grow(2^32 + 1) = -1 as an i64 (all 64 bits): %llx",
	      (unsigned long long)call(inst, "grow", 1, G4 + 1, 0));
	CHECK(call(inst, "grow", 1, -1, 0) == -1, "memory.grow(2^64 - 1) = -1");
	CHECK(call(inst, "grow", 1, 7, 0) == -1 && call(inst, "size", 0, 0, 0) == 2,
	      "memory.grow past the declared maximum of 8: -1, size stays 2");

	/* fill, copy, init */
	CHECK(call(inst, "fill", 2, 200, 8) == 0 && call(inst, "load64", 1, 200, 0) == 0x5a5a5a5a5a5a5a5all,
	      "memory.fill(200, 0x5a, 8)");
	CHECK(call(inst, "fill", 2, G4 + 200, 1) == OOB, "memory.fill at 4 GiB + 200: out of bounds");
	CHECK(call(inst, "fill", 2, 2 * 65536 - 4, 8) == OOB, "memory.fill over the end");
	CHECK(call(inst, "fill", 2, 0, G4) == OOB, "memory.fill of 4 GiB: out of bounds");
	CHECK(call(inst, "copy", 2, 300, 100) == 0 && call(inst, "load64", 1, 300, 0) == 0x1122334455667788ll,
	      "memory.copy(300, 100, 8)");
	CHECK(call(inst, "copy", 2, G4 + 300, 100) == OOB && call(inst, "copy", 2, 300, G4 + 100) == OOB,
	      "memory.copy with an address 4 GiB up: out of bounds");
	char b[8] = "";
	CHECK(call(inst, "init", 1, 400, 0) == 0 && xwasm_memory_read(mem, 400, b, 7) == 0 && !memcmp(b, "passive", 7),
	      "memory.init(400): '%.7s'", b);
	CHECK(call(inst, "init", 1, G4 + 400, 0) == OOB, "memory.init at 4 GiB + 400: out of bounds");

	/* SIMD: v128 loads, stores and lanes take the i64 address too */
	CHECK(call(inst, "v128_store", 2, 32, 7) == 0 && call(inst, "v128_sum", 1, 32, 0) == 14,
	      "v128.store / v128.load at 32: %lld", (long long)call(inst, "v128_sum", 1, 32, 0));
	CHECK(call(inst, "v128_sum", 1, G4 + 32, 0) == OOB, "v128.load at 4 GiB + 32: out of bounds");
	CHECK(call(inst, "v128_sum", 1, -16, 0) == OOB, "v128.load at 2^64 - 16: out of bounds");
	CHECK(call(inst, "v128_sum", 1, 2 * 65536 - 15, 0) == OOB, "v128.load 1 byte over the end");
	CHECK(call(inst, "v128_store", 2, G4 + 32, 9) == OOB && call(inst, "v128_sum", 1, 32, 0) == 14,
	      "v128.store at 4 GiB + 32: out of bounds, 32 unchanged");
	CHECK(call(inst, "lane_load", 1, 16, 0) == 0x6f6d656d, "v128.load32_lane at 16: %llx",
	      (unsigned long long)call(inst, "lane_load", 1, 16, 0));
	CHECK(call(inst, "lane_load", 1, G4 + 16, 0) == OOB, "v128.load32_lane at 4 GiB + 16: out of bounds");
	CHECK(call(inst, "lane_store", 2, 48, 0x0102030405060708ll) == 0 &&
	      call(inst, "load64", 1, 48, 0) == 0x0102030405060708ll, "v128.store64_lane at 48");
	CHECK(call(inst, "lane_store", 2, G4 + 48, 1) == OOB, "v128.store64_lane at 4 GiB + 48: out of bounds");
	CHECK(call(inst, "v128_load_off", 1, 0, 0) == OOB, "v128.load offset=65536 * 2 at 0: out of bounds");
	xwasm_instance_free(inst);

	/* the feature switch: WebAssembly 2.0 has no limits flags 0x04/0x05 */
	xwasm_module *m2 = wasm_load_file(dir, "m64.wasm", XWASM_FEATURES_NONE, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m2 && strstr(err, "limits flags 0x05"),
	      "XWASM_FEATURES_NONE: -EINVAL naming limits flags 0x05 (i64, with a maximum), got %d '%s'", rc, err);
	m2 = wasm_load_file(dir, "m64.wasm", XWASM_FEATURES_DEFAULT & ~XWASM_FEATURE_MEMORY64, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m2, "default features without memory64: -EINVAL, got %d '%s'", rc, err);
	xwasm_module_free(m);
}

static void test_m32(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *m = wasm_load_file(dir, "m32.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "m32.wasm: %d '%s'", rc, err);
	if (!m)
		return;
	xwasm_instance *inst = instantiate(m, NULL, 0, &rc, err, sizeof err);
	CHECK(rc == 0 && inst, "m32 instance: %d '%s'", rc, err);
	if (inst) {
		CHECK(call(inst, "load8", 1, 16, 0) == 'm', "i32 memory: data at 16");
		CHECK(call(inst, "load8", 1, 65536, 0) == OOB, "i32 memory: load8(65536) out of bounds");
		CHECK(call(inst, "load_off", 1, 0, 0) == 0 && call(inst, "load_off", 1, 1, 0) == OOB &&
		      call(inst, "load_off", 1, -1, 0) == OOB,
		      "i32 memory: offset=65532 at 0, 1, 0xffffffff (no wrap in 32 bits either)");
		CHECK(call(inst, "size", 0, 0, 0) == 1 && call(inst, "grow", 1, 1, 0) == 1 &&
		      call(inst, "grow", 1, -1, 0) == -1, "i32 memory: size 1, grow(1) = 1, grow(0xffffffff) = -1");
		CHECK(call(inst, "v128_sum", 1, 16, 0) != OOB && call(inst, "v128_sum", 1, 2 * 65536 - 15, 0) == OOB,
		      "i32 memory: v128.load in and 1 byte over the end");
		xwasm_instance_free(inst);
	}
	struct xwasm_import_info info;
	CHECK(xwasm_module_export(m, 0, &info) == 0 && info.valtype == XWASM_I32,
	      "i32 memory export: index type i32 (valtype %u)", info.valtype);
	xwasm_module_free(m);
}

/* imports match by index type; a copy between a 32- and a 64-bit memory */
static void test_linking(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *exp64 = wasm_load_file(dir, "m64.wasm", 0, &rc, err, sizeof err);
	xwasm_module *imp = wasm_load_file(dir, "imp64.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && imp, "imp64.wasm: %d '%s'", rc, err);
	if (!imp || !exp64)
		goto out;
	struct xwasm_import_info info;
	CHECK(xwasm_module_import(imp, 0, &info) == 0 && info.valtype == XWASM_I64,
	      "import info: index type i64 (valtype %u)", info.valtype);
	/* a host memory is 32-bit: incompatible */
	xwasm_memory *hm = xwasm_memory_new(1, 10);
	xwasm_linker *l = xwasm_linker_new();
	xwasm_linker_define_memory(l, "env", "mem", hm);
	xwasm_instance *inst = instantiate(imp, l, 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !inst && strstr(err, "incompatible import type") && strstr(err, "memory i64"),
	      "a 32-bit memory for a 64-bit import: %d '%s'", rc, err);
	xwasm_linker_free(l);
	xwasm_memory_free(hm);
	/* the 64-bit memory another instance exports: accepted, shared */
	xwasm_instance *src = instantiate(exp64, NULL, 0, &rc, err, sizeof err);
	l = xwasm_linker_new();
	if (src) {
		xwasm_linker_define_memory(l, "env", "mem", xwasm_instance_memory(src, "mem"));
		inst = instantiate(imp, l, 0, &rc, err, sizeof err);
		CHECK(rc == 0 && inst, "a 64-bit memory for a 64-bit import: %d '%s'", rc, err);
		if (inst) {
			CHECK(call(inst, "load8", 1, 17, 0) == 'e', "the importer reads the exporter's data");
			xwasm_instance_free(inst);
		}
		xwasm_instance_free(src);
	}
	xwasm_linker_free(l);

	xwasm_module *mx = wasm_load_file(dir, "mixed.wasm", XWASM_FEATURES_DEFAULT | XWASM_FEATURE_MULTI_MEMORY, &rc,
				err, sizeof err);
	CHECK(rc == 0 && mx, "mixed.wasm (multi-memory): %d '%s'", rc, err);
	if (mx) {
		xwasm_instance *mi = instantiate(mx, NULL, 0, &rc, err, sizeof err);
		CHECK(rc == 0 && mi, "mixed instance: %d '%s'", rc, err);
		if (mi) {
			xwasm_memory *m32 = xwasm_instance_memory(mi, "m32"), *m64 = xwasm_instance_memory(mi, "m64");
			char b[8] = "";
			/* 64 <- 32: d i64, s i32, n i32 */
			CHECK(call(mi, "copy_64_from_32", 2, 1000, 16) == 0 && xwasm_memory_read(m64, 1000, b, 4) == 0 &&
			      !memcmp(b, "abcd", 4), "memory.copy into the 64-bit memory from the 32-bit one: '%.4s'", b);
			CHECK(call(mi, "copy_64_from_32", 2, G4 + 1000, 16) == OOB,
			      "... to 4 GiB + 1000: out of bounds");
			/* 32 <- 64: d i32, s i64, n i32 */
			memset(b, 0, sizeof b);
			CHECK(call(mi, "copy_32_from_64", 2, 2000, 32) == 0 && xwasm_memory_read(m32, 2000, b, 4) == 0 &&
			      !memcmp(b, "wxyz", 4), "memory.copy into the 32-bit memory from the 64-bit one: '%.4s'", b);
			CHECK(call(mi, "copy_32_from_64", 2, 2000, G4 + 32) == OOB,
			      "... from 4 GiB + 32: out of bounds");
			CHECK(call(mi, "size32", 0, 0, 0) == 1 && call(mi, "size64", 0, 0, 0) == 2,
			      "memory.size of each");
			xwasm_instance_free(mi);
		}
		xwasm_module_free(mx);
	}
out:
	xwasm_module_free(imp);
	xwasm_module_free(exp64);
}

/* declared sizes past the engine's cap */
static void test_caps(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *big = wasm_load_file(dir, "big.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && big, "big.wasm (min 70000 pages, valid): %d '%s'", rc, err);
	if (big) {
		xwasm_instance *inst = instantiate(big, NULL, 0, &rc, err, sizeof err);
		CHECK(rc == -EFBIG && !inst && strstr(err, "memory of 70000 pages exceeds the limit of 65536 pages"),
		      "a minimum above the cap: -EFBIG, one clear line: %d '%s'", rc, err);
		xwasm_module_free(big);
	}
	/* a data segment 4 GiB up is out of bounds (not written at 16) */
	xwasm_module *dh = wasm_load_file(dir, "data_hi.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && dh, "data_hi.wasm: %d '%s'", rc, err);
	if (dh) {
		struct xwasm_trap t;
		struct xwasm_instance_opts o = { .sz = sizeof o };
		xwasm_instance *inst = NULL;
		rc = xwasm_instance_new(dh, NULL, &o, &inst, &t, err, sizeof err);
		CHECK(rc == XWASM_ETRAP && !inst && t.kind == XWASM_TRAP_MEMORY_OOB,
		      "data segment at i64 offset 4 GiB + 16: instantiation traps out of bounds: %d '%s'", rc, err);
		xwasm_instance_free(inst);
		xwasm_module_free(dh);
	}
	xwasm_module *hm = wasm_load_file(dir, "huge_max.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && hm, "huge_max.wasm (max 2^40 pages): %d '%s'", rc, err);
	if (hm) {
		xwasm_instance *inst = instantiate(hm, NULL, 4, &rc, err, sizeof err);
		CHECK(rc == 0 && inst, "huge_max instance (cap 4 pages): %d '%s'", rc, err);
		if (inst) {
			CHECK(call(inst, "grow", 1, 3, 0) == 1 && call(inst, "grow", 1, 1, 0) == -1 &&
			      xwasm_memory_cap_refusals(xwasm_instance_memory0(inst)) == 1,
			      "grow to the cap of 4 pages, then -1 (one refusal by the cap)");
			xwasm_instance_free(inst);
		}
		xwasm_module_free(hm);
	}
	/* over 2^48 pages is invalid */
	uint8_t mod[64];
	static const uint8_t hdr[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	memcpy(mod, hdr, 8);
	/* memory section: flags 0x04, min = 2^48 + 1 (LEB: 81 80 80 80 80 80 80 40) */
	static const uint8_t sec[] = { 5, 10, 1, 4, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40 };
	memcpy(mod + 8, sec, sizeof sec);
	xwasm_module *m = wasm_load_bytes(mod, 8 + sizeof sec, "over48", 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m && strstr(err, "2^48"), "min 2^48 + 1 pages: invalid: %d '%s'", rc, err);
	xwasm_module_free(m);
	/* table64 is another proposal: refused as not supported */
	static const uint8_t tab[] = { 4, 4, 1, 0x70, 4, 0 };
	memcpy(mod + 8, tab, sizeof tab);
	m = wasm_load_bytes(mod, 8 + sizeof tab, "table64", 0, &rc, err, sizeof err);
	CHECK(rc == -ENOTSUP && !m && strstr(err, "table64"), "table limits flags 0x04: -ENOTSUP table64: %d '%s'",
	      rc, err);
	xwasm_module_free(m);
	/* shared 64-bit memory (0x07, min 1, max 2): threads; refused with its bit off */
	static const uint8_t shared[] = { 5, 4, 1, 7, 1, 2 };
	memcpy(mod + 8, shared, sizeof shared);
	m = wasm_load_bytes(mod, 8 + sizeof shared, "shared64", XWASM_FEATURES_DEFAULT & ~XWASM_FEATURE_THREADS,
		       &rc, err, sizeof err);
	CHECK(rc == -ENOTSUP && !m && strstr(err, "shared memory (limits flags 0x07)"),
	      "memory limits flags 0x07 without threads: -ENOTSUP threads: %d '%s'", rc, err);
	xwasm_module_free(m);
	m = wasm_load_bytes(mod, 8 + sizeof shared, "shared64", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "memory limits flags 0x07 with threads (default): loads: %d '%s'", rc, err);
	xwasm_module_free(m);
}

/* memarg offsets as u64 LEB: >= 2^32 only on a 64-bit memory; overflow past 2^64 traps */
static void test_offsets(void)
{
	char err[300];
	int rc;
	uint8_t mod[128];
	static const uint8_t g4[] = { 0x80, 0x80, 0x80, 0x80, 0x10 };                       /* 2^32 */
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }; /* 2^64-1 */
	static const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 }; /* 2^64+ */
	static const uint8_t small[] = { 0x84, 0x80, 0x80, 0x80, 0x80, 0x00 }; /* 4 in 6 bytes */

	size_t n = offset_module(mod, 0x04, g4, sizeof g4);
	xwasm_module *m = wasm_load_bytes(mod, n, "g4", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "offset 2^32 on a 64-bit memory: valid: %d '%s'", rc, err);
	if (m) {
		xwasm_instance *inst = instantiate(m, NULL, 0, &rc, err, sizeof err);
		CHECK(inst && call(inst, "f", 1, 0, 0) == OOB && call(inst, "f", 1, -G4, 0) == OOB,
		      "offset 2^32: at 0 out of bounds; at 2^64 - 2^32 (sum wraps to 0) out of bounds");
		xwasm_instance_free(inst);
		xwasm_module_free(m);
	}
	n = offset_module(mod, 0x00, g4, sizeof g4);
	m = wasm_load_bytes(mod, n, "g4_32", 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m, "offset 2^32 on a 32-bit memory: rejected: %d '%s'", rc, err);
	xwasm_module_free(m);

	n = offset_module(mod, 0x04, max, sizeof max);
	m = wasm_load_bytes(mod, n, "max", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "offset 2^64 - 1 (10-byte LEB): valid: %d '%s'", rc, err);
	if (m) {
		xwasm_instance *inst = instantiate(m, NULL, 0, &rc, err, sizeof err);
		CHECK(inst && call(inst, "f", 1, 0, 0) == OOB && call(inst, "f", 1, 1, 0) == OOB &&
		      call(inst, "f", 1, 5, 0) == OOB,
		      "offset 2^64 - 1 at 0, 1 and 5 (the sums wrap to 0 and 4): out of bounds");
		xwasm_instance_free(inst);
		xwasm_module_free(m);
	}
	n = offset_module(mod, 0x04, over, sizeof over);
	m = wasm_load_bytes(mod, n, "over", 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m && strstr(err, "malformed"), "a 10-byte LEB with bit 64 set: malformed: %d '%s'",
	      rc, err);
	xwasm_module_free(m);
	n = offset_module(mod, 0x04, small, sizeof small);
	m = wasm_load_bytes(mod, n, "small", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "offset 4 in a 6-byte u64 LEB on a 64-bit memory: valid: %d '%s'", rc, err);
	if (m) {
		xwasm_instance *inst = instantiate(m, NULL, 0, &rc, err, sizeof err);
		CHECK(inst && call(inst, "f", 1, 65528, 0) == 0 && call(inst, "f", 1, 65529, 0) == OOB,
		      "offset 4: at 65528 the last 4 bytes, at 65529 out of bounds");
		xwasm_instance_free(inst);
		xwasm_module_free(m);
	}
	n = offset_module(mod, 0x00, small, sizeof small);
	m = wasm_load_bytes(mod, n, "small32", 0, &rc, err, sizeof err);
	CHECK(rc == -EINVAL && !m, "a 6-byte offset LEB on a 32-bit memory: malformed as in 2.0: %d '%s'", rc, err);
	xwasm_module_free(m);
}

/* fuel and the interrupt flag cover the 64-bit instructions */
static void test_fuel(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *m = wasm_load_file(dir, "spin.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "spin.wasm: %d '%s'", rc, err);
	if (!m)
		return;
	xwasm_interrupt *irq = xwasm_interrupt_new();
	struct xwasm_instance_opts o = { .sz = sizeof o, .fuel = 1000000, .interrupt = irq };
	xwasm_instance *inst = NULL;
	rc = xwasm_instance_new(m, NULL, &o, &inst, NULL, err, sizeof err);
	CHECK(rc == 0 && inst, "spin instance: %d '%s'", rc, err);
	if (inst) {
		CHECK(call(inst, "spin", 0, 0, 0) == -1000 - (int64_t)XWASM_TRAP_FUEL_EXHAUSTED &&
		      xwasm_instance_fuel_used(inst) == 1000000,
		      "an endless loop of i64-addressed loads: fuel exhausted after exactly 1000000 (%llu): '%s'",
		      (unsigned long long)xwasm_instance_fuel_used(inst), trap.message);
		/* 256 KiB at 1 unit per 16 bytes: 16384 units, charged before it runs */
		xwasm_instance_set_fuel(inst, 10000);
		uint8_t b = 0;
		CHECK(call(inst, "fill_all", 0, 0, 0) == -1000 - (int64_t)XWASM_TRAP_FUEL_EXHAUSTED &&
		      xwasm_memory_read(xwasm_instance_memory0(inst), 0, &b, 1) == 0 && b == 0,
		      "memory.fill of 256 KiB on a 64-bit memory with 10000 fuel: fuel exhausted, nothing filled");
		xwasm_instance_set_fuel(inst, 20000);
		CHECK(call(inst, "fill_all", 0, 0, 0) == 0 && xwasm_memory_read(xwasm_instance_memory0(inst), 0x3ffff, &b, 1) == 0 &&
		      b == 1, "... with 20000 fuel it runs");
		/* the interrupt flag, raised before the call: the loop stops within a slice */
		xwasm_instance_set_fuel(inst, 0);
		xwasm_interrupt_raise(irq);
		CHECK(call(inst, "spin", 0, 0, 0) == -1000 - (int64_t)XWASM_TRAP_INTERRUPTED,
		      "the endless loop with the interrupt flag raised: interrupted: '%s'", trap.message);
		xwasm_instance_free(inst);
	}
	xwasm_interrupt_free(irq);
	xwasm_module_free(m);
}

/* a module clang built for wasm64 */
static void test_clang(const char *dir)
{
	char err[300];
	int rc;
	xwasm_module *m = wasm_load_file(dir, "clang64.wasm", 0, &rc, err, sizeof err);
	CHECK(rc == 0 && m, "clang64.wasm: %d '%s'", rc, err);
	if (!m)
		return;
	xwasm_instance *inst = instantiate(m, NULL, 64, &rc, err, sizeof err);
	CHECK(rc == 0 && inst, "clang64 instance: %d '%s'", rc, err);
	if (inst) {
		int64_t pages = call(inst, "size", 0, 0, 0);
		CHECK(pages >= 1 && pages < 64, "size(): %lld pages", (long long)pages);
		uint64_t want = sort_sum_native(50000, 42);
		int64_t got = call(inst, "sort_sum", 2, 50000, 42);
		CHECK((uint64_t)got == want && want > 1,
		      "shell sort of 50000 u64 in memory the guest grew (7 pages): %llx, natively %llx",
		      (unsigned long long)got, (unsigned long long)want);
		CHECK(call(inst, "size", 0, 0, 0) == pages + 7, "memory.size after the guest grew 7 pages: %lld",
		      (long long)call(inst, "size", 0, 0, 0));
		CHECK(call(inst, "grow", 1, 1000, 0) == -1, "grow(1000) past the cap of 64 pages: -1 (size_t)");
		CHECK(call(inst, "peek", 1, 1024, 0) >= 0 && call(inst, "peek", 1, G4 + 1024, 0) == OOB,
		      "a byte at 1024, and 4 GiB above it out of bounds");
		CHECK(call(inst, "far_load", 1, 0, 0) == OOB,
		      "p[2^29] (u64): the 4 GiB offset clang folded into the load traps");
		xwasm_instance_free(inst);
	}
	xwasm_module_free(m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: engine_memory64 DIR\n");
		return 2;
	}
	test_m64(argv[1]);
	test_m32(argv[1]);
	test_linking(argv[1]);
	test_caps(argv[1]);
	test_offsets();
	test_fuel(argv[1]);
	test_clang(argv[1]);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
