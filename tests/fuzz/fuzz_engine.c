/* libFuzzer target for the WebAssembly engine (src/wasm) through its public API.
 *
 * Each input is a module binary. It is loaded (decode, validate, translate); when that
 * succeeds it is instantiated with a linker whose fallback resolver provides a host function
 * for every function import (non-function imports other than the few "spectest" externs
 * defined below fail to link, which is fine), under tight limits, and the first exported
 * functions whose parameters are all numeric are called with zero arguments. Most host
 * functions return zeros; depending on a hash of the import's names some instead grow the
 * caller's memory, trap, or call back into the caller (re-entrancy).
 * Traps are expected; crashes, sanitizer reports, leaks, hangs and unbounded allocation are
 * bugs.
 *
 * Build and run: tests/fuzz/run.sh SECONDS (see there).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"

#define MAX_EXPORT_CALLS 16   /* exported functions called per input */
#define MAX_REFLECT 4096      /* imports/exports walked for reflection */

/* Host functions for function imports. Which one an import gets depends on a hash of its
 * names (so the fuzzer controls it through the import names); most return zeros. `user`
 * carries the result count. */
static int host_zero(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)caller;
	(void)args;
	uint32_t n = (uint32_t)(uintptr_t)user;
	for (uint32_t i = 0; i < n; i++)
		results[i].of.i64 = 0; /* covers every member of the union (refs become NULL) */
	return 0;
}

/* Grows the caller's memory by a page behind the guest's back (the interpreter must reload
 * its cached memory base and size after a host call). */
static int host_grow(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	if (mem)
		(void)xwasm_memory_grow(mem, 1);
	return host_zero(caller, user, args, results);
}

static int host_trap(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "fuzz host trap %u", (unsigned)(uintptr_t)user);
	return XWASM_TRAP_HOST;
}

static bool is_numeric(uint8_t t);

/* Re-enters the caller: calls its first exported function with numeric parameters (zeros).
 * Recursion through here is bounded by the engine (nesting, depth and fuel limits). */
static int host_reenter(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const xwasm_module *m = xwasm_instance_module(caller);
	uint32_t nexp = xwasm_module_num_exports(m);
	for (uint32_t i = 0; i < nexp && i < 64; i++) {
		struct xwasm_import_info info;
		if (xwasm_module_export(m, i, &info) || info.kind != XWASM_EXTERN_FUNC || !info.name ||
		    info.nparams > 16 || info.nresults > 16)
			continue;
		bool ok = true;
		for (uint32_t k = 0; k < info.nparams; k++)
			ok = ok && is_numeric(info.params[k]);
		xwasm_func *f = ok ? xwasm_instance_func(caller, info.name) : NULL;
		if (!f)
			continue;
		xwasm_val a[16], r[16];
		memset(a, 0, sizeof a);
		for (uint32_t k = 0; k < info.nparams; k++)
			a[k].type = info.params[k];
		struct xwasm_trap t;
		int rc = xwasm_call(caller, f, a, info.nparams, r, info.nresults, &t);
		if (rc == XWASM_ETRAP) {
			/* pass the nested trap on */
			xwasm_instance_set_trap(caller, t.kind, "%s", t.message);
			return t.kind ? (int)t.kind : XWASM_TRAP_HOST;
		}
		if (rc)
			abort(); /* well-typed call: only success or a trap is allowed */
		break;
	}
	return host_zero(caller, user, args, results);
}

static int resolve_any(void *ctx, const struct xwasm_import_info *imp, xwasm_host_fn *fn, void **user)
{
	(void)ctx;
	if (imp->kind != XWASM_EXTERN_FUNC)
		return -ENOENT;
	uint32_t h = 2166136261u; /* FNV-1a of module "." name */
	for (const char *p = imp->module; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '.') * 16777619u;
	for (const char *p = imp->name; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	switch (h % 8) {
	case 5: *fn = host_grow; break;
	case 6: *fn = host_reenter; break;
	case 7: *fn = host_trap; break;
	default: *fn = host_zero; break;
	}
	*user = (void *)(uintptr_t)imp->nresults;
	return 0;
}

static bool is_numeric(uint8_t t)
{
	return t == XWASM_I32 || t == XWASM_I64 || t == XWASM_F32 || t == XWASM_F64;
}

/* Touches the edges of memory 0 through the bounds-checked API. */
static void poke_memory(xwasm_instance *inst)
{
	xwasm_memory *mem = xwasm_instance_memory0(inst);
	if (!mem)
		return;
	uint64_t size = xwasm_memory_size(mem);
	uint8_t buf[8] = { 0 };
	if (size >= sizeof buf) {
		(void)xwasm_memory_read(mem, size - sizeof buf, buf, sizeof buf);
		(void)xwasm_memory_write(mem, size - sizeof buf, buf, sizeof buf);
	}
	(void)xwasm_memory_read(mem, size, buf, 1);       /* past the end: -EFAULT */
	(void)xwasm_memory_write(mem, UINT64_MAX, buf, 2); /* wrapping: -EFAULT */
	(void)xwasm_memory_ptr(mem, size, 1);
}

static void call_exports(const xwasm_module *m, xwasm_instance *inst)
{
	uint32_t nexp = xwasm_module_num_exports(m);
	uint32_t called = 0;
	for (uint32_t i = 0; i < nexp && i < MAX_REFLECT && called < MAX_EXPORT_CALLS; i++) {
		struct xwasm_import_info info;
		if (xwasm_module_export(m, i, &info) || info.kind != XWASM_EXTERN_FUNC || !info.name)
			continue;
		bool ok = true;
		for (uint32_t k = 0; k < info.nparams; k++)
			ok = ok && is_numeric(info.params[k]);
		if (!ok)
			continue;
		xwasm_func *f = xwasm_instance_func(inst, info.name);
		if (!f)
			continue; /* e.g. an export name with an embedded NUL */
		const uint8_t *params, *results;
		uint32_t np, nr;
		xwasm_func_type(f, &params, &np, &results, &nr);
		xwasm_val *args = calloc((size_t)np + 1, sizeof *args);
		xwasm_val *res = calloc((size_t)nr + 1, sizeof *res);
		if (args && res) {
			for (uint32_t k = 0; k < np; k++)
				args[k].type = params[k]; /* value zero */
			struct xwasm_trap trap;
			memset(&trap, 0, sizeof trap);
			int rc = xwasm_call(inst, f, args, np, res, nr, &trap);
			if (rc == XWASM_ETRAP) {
				/* the record must be a terminated string of a known kind */
				if (strnlen(trap.message, sizeof trap.message) == sizeof trap.message ||
				    strnlen(trap.func_name, sizeof trap.func_name) == sizeof trap.func_name ||
				    trap.kind <= XWASM_TRAP_NONE || trap.kind > XWASM_TRAP_INTERRUPTED)
					abort();
			} else if (rc != 0) {
				abort(); /* arguments were well-typed: only success or a trap is allowed */
			}
			(void)xwasm_instance_fuel_used(inst);
		}
		free(args);
		free(res);
		called++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xwasm_module *m = NULL;
	char err[256];
	if (xwasm_module_load(data, size, NULL, &m, err, sizeof err) != 0)
		return 0;

	/* reflection over imports and exports */
	uint32_t nimp = xwasm_module_num_imports(m);
	for (uint32_t i = 0; i < nimp && i < MAX_REFLECT; i++) {
		struct xwasm_import_info info;
		(void)xwasm_module_import(m, i, &info);
	}

	xwasm_linker *l = xwasm_linker_new();
	if (!l) {
		xwasm_module_free(m);
		return 0;
	}
	xwasm_linker_set_resolver(l, resolve_any, NULL);

	/* A few non-function externs in the shape of the spec test harness's "spectest" module,
	 * so that modules importing them get exercised too. */
	xwasm_memory *smem = xwasm_memory_new(1, 2);
	xwasm_table *stab = xwasm_table_new(XWASM_FUNCREF, 10, 20);
	xwasm_val gi32 = { .type = XWASM_I32, .of.i32 = 666 };
	xwasm_val gi64 = { .type = XWASM_I64, .of.i64 = 666 };
	xwasm_global *sg32 = xwasm_global_new(gi32, false);
	xwasm_global *sg64 = xwasm_global_new(gi64, false);
	if (smem)
		xwasm_linker_define_memory(l, "spectest", "memory", smem);
	if (stab)
		xwasm_linker_define_table(l, "spectest", "table", stab);
	if (sg32)
		xwasm_linker_define_global(l, "spectest", "global_i32", sg32);
	if (sg64)
		xwasm_linker_define_global(l, "spectest", "global_i64", sg64);

	struct xwasm_instance_opts opts = {
		.sz = sizeof opts,
		.fuel = 100000,
		.max_memory_pages = 256,
		.max_call_depth = 500,
		.stack_slots = 65536,
	};
	xwasm_instance *inst = NULL;
	struct xwasm_trap trap;
	memset(&trap, 0, sizeof trap);
	int rc = xwasm_instance_new(m, l, &opts, &inst, &trap, err, sizeof err);
	if (rc == 0 && inst) {
		poke_memory(inst);
		call_exports(m, inst);
		poke_memory(inst);
		xwasm_instance_free(inst);
	}

	xwasm_linker_free(l);
	/* the table may retain instances whose instantiation failed: free it before the module */
	xwasm_table_free(stab);
	xwasm_memory_free(smem);
	xwasm_global_free(sg32);
	xwasm_global_free(sg64);
	xwasm_module_free(m);
	return 0;
}
