/* The protocol module ABI as data (handle in its two forms, alloc, free, memory) and the check
 * of a module's exports against it, used by the protocol loader and `xdperf protocol inspect`. */
#include <stdio.h>
#include <string.h>
#include "xdperf/hotload.h"
#include "xdperf/plugin.h"

static const uint8_t two_i32[] = { XWASM_I32, XWASM_I32 };
static const uint8_t one_i32[] = { XWASM_I32 };
static const uint8_t one_i64[] = { XWASM_I64 };

static bool sig_is(const struct xwasm_import_info *e, const uint8_t *p, uint32_t np, const uint8_t *r,
		   uint32_t nr)
{
	if (e->nparams != np || e->nresults != nr)
		return false;
	for (uint32_t i = 0; i < np; i++)
		if (e->params[i] != p[i])
			return false;
	for (uint32_t i = 0; i < nr; i++)
		if (e->results[i] != r[i])
			return false;
	return true;
}

static void wrong_type(const struct xwasm_import_info *e, const char *want,
		       void (*report)(void *, const char *), void *ctx)
{
	char got[160], msg[400];
	xdperf_wasm_sig(e->params, e->nparams, e->results, e->nresults, got, sizeof got);
	snprintf(msg, sizeof msg, "export %s has type %s, the protocol ABI needs %s", e->name, got, want);
	report(ctx, msg);
}

int xdperf_proto_check_abi(const xwasm_module *m, void (*report)(void *ctx, const char *problem), void *ctx)
{
	bool handle = false, alloc = false, free_ = false, memory = false, start = false;
	int n = 0;
	uint32_t ne = xwasm_module_num_exports(m);
	for (uint32_t i = 0; i < ne; i++) {
		struct xwasm_import_info e;
		xwasm_module_export(m, i, &e);
		if (e.kind == XWASM_EXTERN_MEMORY && !strcmp(e.name, "memory"))
			memory = true;
		if (e.kind != XWASM_EXTERN_FUNC)
			continue;
		if (!strcmp(e.name, "_start")) {
			start = true;
		} else if (!strcmp(e.name, "handle")) {
			handle = true;
			if (!sig_is(&e, two_i32, 2, two_i32, 2) && !sig_is(&e, two_i32, 2, one_i64, 1)) {
				wrong_type(&e, "(i32, i32) -> (i32, i32) or (i32, i32) -> (i64)", report, ctx);
				n++;
			}
		} else if (!strcmp(e.name, "alloc")) {
			alloc = true;
			if (!sig_is(&e, one_i32, 1, one_i32, 1)) {
				wrong_type(&e, "(i32) -> (i32)", report, ctx);
				n++;
			}
		} else if (!strcmp(e.name, "free")) {
			free_ = true;
			if (!sig_is(&e, one_i32, 1, NULL, 0)) {
				wrong_type(&e, "(i32) -> ()", report, ctx);
				n++;
			}
		} else if (!strcmp(e.name, "_initialize")) {
			if (!sig_is(&e, NULL, 0, NULL, 0)) {
				wrong_type(&e, "() -> ()", report, ctx);
				n++;
			}
		}
	}
	if (start && !handle) {
		report(ctx, "this module is a WASI command (it exports _start), not a protocol module: build a "
			    "reactor that exports handle, alloc and free (Go: GOOS=wasip1 go build "
			    "-buildmode=c-shared with //go:wasmexport handle; clang: -mexec-model=reactor; "
			    "TinyGo: -buildmode=c-shared)");
		return n + 1;
	}
	static const char *const need[] = {
		"handle(i32, i32) -> (i32, i32) or -> (i64)", "alloc(i32) -> (i32)", "free(i32) -> ()",
	};
	bool have[] = { handle, alloc, free_ };
	for (int k = 0; k < 3; k++)
		if (!have[k]) {
			char msg[200];
			snprintf(msg, sizeof msg, "missing export %s (required by the protocol ABI)", need[k]);
			report(ctx, msg);
			n++;
		}
	if (!memory) {
		report(ctx, "missing export memory (required by the protocol ABI)");
		n++;
	}
	return n;
}
