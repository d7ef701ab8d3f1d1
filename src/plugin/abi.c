/* The generator plugin ABIs as data (the plugin guide's, and the Go xdperf 0.11 one whose
 * plugin_init and plugin_cleanup take (inPtr, inLen, outPtr, outCap)), and the check of a
 * module's exports against them (used by the plugin loader and by `xdperf plugin inspect`). */
#include <stdio.h>
#include <string.h>
#include "xdperf/plugin.h"

struct abi_func {
	const char *name;
	uint8_t params[4], nparams;
	uint8_t results[1], nresults;
	bool required;
	bool json;           /* the 0.11 ABI's form of an export both ABIs have */
};

#define I4 { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 }, 4, { XWASM_I32 }, 1
static const struct abi_func abi[] = {
	{ "plugin_init", { XWASM_I32, XWASM_I32 }, 2, { XWASM_I32 }, 1, true, false },
	{ "plugin_process", I4, true, false },
	{ "malloc", { XWASM_I32 }, 1, { XWASM_I32 }, 1, true, false },
	{ "free", { XWASM_I32 }, 1, { 0 }, 0, true, false },
	{ "plugin_cleanup", { 0 }, 0, { 0 }, 0, false, false },
	{ "_initialize", { 0 }, 0, { 0 }, 0, false, false },
	{ "plugin_init", I4, true, true },
	{ "plugin_cleanup", I4, false, true },
};
#define NABI (sizeof abi / sizeof abi[0])
#define NGUIDE 6 /* abi[NGUIDE..] are the 0.11 forms of abi[0] and abi[4] */

static bool sig_is(const struct abi_func *f, const struct xwasm_import_info *e)
{
	return e->nparams == f->nparams && e->nresults == f->nresults &&
	       !memcmp(e->params, f->params, f->nparams) && !memcmp(e->results, f->results, f->nresults);
}

int xdperf_plugin_module_abi(const xwasm_module *m)
{
	uint32_t ne = xwasm_module_num_exports(m);
	for (uint32_t i = 0; i < ne; i++) {
		struct xwasm_import_info e;
		xwasm_module_export(m, i, &e);
		if (e.kind == XWASM_EXTERN_FUNC && !strcmp(e.name, "plugin_init"))
			return sig_is(&abi[NGUIDE], &e) ? XDPERF_PLUGIN_ABI_JSON : XDPERF_PLUGIN_ABI_GUIDE;
	}
	return XDPERF_PLUGIN_ABI_GUIDE;
}

void xdperf_wasm_sig(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr,
		     char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "(");
	for (uint32_t i = 0; i < np && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", xwasm_valtype_str(params[i]));
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, ") -> (");
	for (uint32_t i = 0; i < nr && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", xwasm_valtype_str(results[i]));
	if (o < len)
		snprintf(buf + o, len - o, ")");
}

static void abi_sig(const struct abi_func *f, char *buf, size_t len)
{
	char s[128];
	xdperf_wasm_sig(f->params, f->nparams, f->results, f->nresults, s, sizeof s);
	snprintf(buf, len, "%s%s", f->name, s);
}

int xdperf_plugin_check_abi(const xwasm_module *m, void (*report)(void *ctx, const char *problem),
			    void *ctx)
{
	bool found[NABI] = { false }, has_start = false, has_handle = false, has_memory = false;
	bool json_abi = xdperf_plugin_module_abi(m) == XDPERF_PLUGIN_ABI_JSON;
	int n = 0;
	char msg[640], want[160], got[160];
	uint32_t ne = xwasm_module_num_exports(m);
	for (uint32_t i = 0; i < ne; i++) {
		struct xwasm_import_info e;
		xwasm_module_export(m, i, &e);
		if (e.kind == XWASM_EXTERN_MEMORY && !strcmp(e.name, "memory"))
			has_memory = true;
		if (e.kind != XWASM_EXTERN_FUNC)
			continue;
		if (!strcmp(e.name, "_start"))
			has_start = true;
		if (!strcmp(e.name, "handle"))
			has_handle = true;
		for (size_t k = 0; k < NGUIDE; k++) {
			const struct abi_func *f = &abi[k];
			if (strcmp(e.name, f->name))
				continue;
			found[k] = true;
			if (sig_is(f, &e))
				continue;
			/* the 0.11 ABI's form, for the exports that have one; plugin_cleanup's
			 * form must match plugin_init's */
			const struct abi_func *alt = NULL;
			for (size_t a = NGUIDE; a < NABI; a++)
				if (!strcmp(abi[a].name, f->name))
					alt = &abi[a];
			if (alt && sig_is(alt, &e) && (k == 0 || json_abi))
				continue;
			abi_sig(f, want, sizeof want);
			xdperf_wasm_sig(e.params, e.nparams, e.results, e.nresults, got, sizeof got);
			if (alt) {
				char want2[160];
				abi_sig(alt, want2, sizeof want2);
				snprintf(msg, sizeof msg, "export %s has type %s, the plugin ABI needs %s (or, "
					 "in the Go xdperf 0.11 ABI, %s%s)", f->name, got, want, want2,
					 k == 0 ? "" : ", with plugin_init of that form too");
			} else {
				snprintf(msg, sizeof msg, "export %s has type %s, the plugin ABI needs %s",
					 f->name, got, want);
			}
			report(ctx, msg);
			n++;
		}
	}
	if (has_start && !found[0] && !found[1]) {
		report(ctx, "this module is a WASI command (it exports _start), not a plugin: build it as a "
			    "reactor that exports plugin_init and plugin_process (clang -mexec-model=reactor, "
			    "TinyGo -buildmode=c-shared)");
		n++;
	}
	if (has_handle && !found[0] && !found[1]) {
		report(ctx, "this module is a protocol module (it exports handle), not a generator plugin: it "
			    "runs under xdperf serve --protocol ID=FILE.wasm@VERSION");
		n++;
	}
	for (size_t k = 0; k < NGUIDE; k++)
		if (abi[k].required && !found[k]) {
			abi_sig(&abi[k], want, sizeof want);
			snprintf(msg, sizeof msg, "missing export %s (required by the plugin ABI)", want);
			report(ctx, msg);
			n++;
		}
	if (!has_memory) {
		report(ctx, "missing export memory (required by the plugin ABI)");
		n++;
	}
	return n;
}
