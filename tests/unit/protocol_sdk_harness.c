/* Minimal protocol-module host for tests of sdk/xdperf_protocol.h, built only on the engine's
 * public API (include/xdperf/wasm.h + wasi.h), independent of the hot-load registry.
 *
 *   protocol_sdk_harness MODULE.wasm [--repeat N] INPUT...
 *
 * Checks that the module exports memory, alloc (i32) -> i32, free (i32) and
 * handle (i32, i32) -> i64 with exactly these types, instantiates it with WASI and
 * env.host_log / env.host_report_metric, runs _initialize, then for each INPUT, N times
 * (default 1): alloc(len), copy the input in, handle, unpack (outPtr << 32) | outLen, copy the
 * output out (bounds-checked), free it unless it lies inside the input buffer, free the input.
 * Prints per INPUT (first round) one line on stdout:
 *   OUT <len> same|inside|fresh <output bytes>      or      TRAP <message>
 * (same: the output is the input buffer itself; inside: a part of it; fresh: elsewhere)
 * and at the end "memory <pages after the first round> <pages at the end>". Logs and
 * metrics go to stderr. Exit 0; 3 if a handle call trapped; 1 on any other failure
 * (wrong ABI types, missing export, bad output range, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf/wasi.h"
#include "xdperf/wasm.h"

static xwasm_instance *g_inst;
static xwasm_memory *g_mem;

static int host_log(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)user;
	(void)results;
	uint32_t ptr = (uint32_t)args[1].of.i32, len = (uint32_t)args[2].of.i32;
	const char *msg = xwasm_memory_ptr(xwasm_instance_memory0(caller), ptr, len);
	if (!msg) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "host_log: bad pointer");
		return XWASM_TRAP_HOST;
	}
	fprintf(stderr, "log[%d]: %.*s\n", args[0].of.i32, (int)len, msg);
	return 0;
}

static int host_metric(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)user;
	(void)results;
	uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
	const char *name = xwasm_memory_ptr(xwasm_instance_memory0(caller), ptr, len);
	if (!name) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "host_report_metric: bad pointer");
		return XWASM_TRAP_HOST;
	}
	fprintf(stderr, "metric: %.*s %g\n", (int)len, name, args[2].of.f64);
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "harness: %s\n", what);
	exit(1);
}

/* Fails unless export `name` is a function of exactly the given type. */
static void check_export(const xwasm_module *m, const char *name, const uint8_t *params,
			 uint32_t np, const uint8_t *results, uint32_t nr)
{
	for (uint32_t i = 0; i < xwasm_module_num_exports(m); i++) {
		struct xwasm_import_info e;
		if (xwasm_module_export(m, i, &e) || strcmp(e.name, name))
			continue;
		if (e.kind != XWASM_EXTERN_FUNC || e.nparams != np || e.nresults != nr ||
		    memcmp(e.params, params, np) || memcmp(e.results, results, nr)) {
			fprintf(stderr, "harness: export %s has the wrong type\n", name);
			exit(1);
		}
		return;
	}
	fprintf(stderr, "harness: export %s missing\n", name);
	exit(1);
}

/* Calls export `name`; returns 0, or -1 on a trap (message in trap_msg). */
static int call(const char *name, const xwasm_val *args, uint32_t nargs, xwasm_val *res,
		uint32_t nres, char *trap_msg, size_t msglen)
{
	xwasm_func *f = xwasm_instance_func(g_inst, name);
	struct xwasm_trap trap;
	if (!f)
		die("export missing at call time");
	int rc = xwasm_call(g_inst, f, args, nargs, res, nres, &trap);
	if (rc == XWASM_ETRAP) {
		snprintf(trap_msg, msglen, "%s", trap.message);
		return -1;
	}
	if (rc)
		die("call failed (argument types?)");
	return 0;
}

static int32_t guest_alloc(uint32_t n)
{
	char msg[256];
	xwasm_val a = { .type = XWASM_I32, .of.i32 = (int32_t)n }, r;
	if (call("alloc", &a, 1, &r, 1, msg, sizeof(msg)) || r.of.i32 == 0)
		die("alloc failed");
	return r.of.i32;
}

static void guest_free(int32_t p)
{
	char msg[256];
	xwasm_val a = { .type = XWASM_I32, .of.i32 = p };
	if (call("free", &a, 1, NULL, 0, msg, sizeof(msg)))
		die("free trapped");
}

/* One message through handle; prints the result line when `print`. Returns 0 or 3 (trap). */
static int one(const char *input, int print)
{
	uint32_t len = (uint32_t)strlen(input);
	int32_t in = guest_alloc(len);
	if (xwasm_memory_write(g_mem, (uint32_t)in, input, len))
		die("input write out of bounds");
	xwasm_val args[2] = { { .type = XWASM_I32, .of.i32 = in },
			      { .type = XWASM_I32, .of.i32 = (int32_t)len } }, r;
	char msg[256];
	if (call("handle", args, 2, &r, 1, msg, sizeof(msg))) {
		if (print)
			printf("TRAP %s\n", msg);
		guest_free(in);
		return 3;
	}
	uint32_t optr = (uint32_t)((uint64_t)r.of.i64 >> 32), olen = (uint32_t)r.of.i64;
	const char *o = xwasm_memory_ptr(g_mem, optr, olen);
	if (!o && olen)
		die("output range outside memory");
	int inplace = optr >= (uint32_t)in && (uint64_t)optr + olen <= (uint64_t)(uint32_t)in + len;
	const char *kind = optr == (uint32_t)in && olen == len ? "same" : inplace ? "inside" : "fresh";
	if (print)
		printf("OUT %u %s %.*s\n", olen, kind, (int)olen, o ? o : "");
	if (!inplace)
		guest_free((int32_t)optr);
	guest_free(in);
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	do {
		if (n == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
			die("out of memory");
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	int repeat = 1, first = 2;
	if (argc < 2)
		die("usage: protocol_sdk_harness MODULE.wasm [--repeat N] INPUT...");
	if (argc > 3 && !strcmp(argv[2], "--repeat"))
		repeat = atoi(argv[3]), first = 4;

	char err[512];
	size_t wlen;
	char *bytes = read_file(argv[1], &wlen);
	if (!bytes)
		die("cannot read the module");
	xwasm_module *m;
	struct xwasm_load_opts lo = { .sz = sizeof(lo), .name = argv[1] };
	if (xwasm_module_load((const uint8_t *)bytes, wlen, &lo, &m, err, sizeof(err)))
		die(err);
	free(bytes);

	static const uint8_t i32[] = { XWASM_I32, XWASM_I32 }, i64[] = { XWASM_I64 };
	check_export(m, "alloc", i32, 1, i32, 1);
	check_export(m, "free", i32, 1, NULL, 0);
	check_export(m, "handle", i32, 2, i64, 1);

	xwasm_linker *l = xwasm_linker_new();
	struct xwasm_wasi *wasi;
	static const uint8_t log_p[] = { XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t met_p[] = { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_I64 };
	if (!l || xwasm_wasi_new(NULL, &wasi) || xwasm_wasi_define(l, wasi) ||
	    xwasm_linker_define_func(l, "env", "host_log", log_p, 3, NULL, 0, host_log, NULL) ||
	    xwasm_linker_define_func(l, "env", "host_report_metric", met_p, 4, NULL, 0, host_metric, NULL))
		die("linker setup failed");
	struct xwasm_trap trap;
	struct xwasm_instance_opts io = { .sz = sizeof(io), .fuel = 1000000000ull };
	if (xwasm_instance_new(m, l, &io, &g_inst, &trap, err, sizeof(err)))
		die(err);
	if (!(g_mem = xwasm_instance_memory(g_inst, "memory")))
		die("export memory missing");
	if (xwasm_instance_func(g_inst, "_initialize") &&
	    call("_initialize", NULL, 0, NULL, 0, err, sizeof(err)))
		die("_initialize trapped");

	int rc = 0;
	uint32_t pages_first = 0;
	for (int round = 0; round < repeat; round++) {
		for (int i = first; i < argc; i++)
			if (one(argv[i], round == 0))
				rc = 3;
		if (round == 0)
			pages_first = xwasm_memory_pages(g_mem);
	}
	printf("memory %u %u\n", pages_first, xwasm_memory_pages(g_mem));

	xwasm_instance_free(g_inst);
	xwasm_linker_free(l);
	xwasm_wasi_free(wasi);
	xwasm_module_free(m);
	return rc;
}
