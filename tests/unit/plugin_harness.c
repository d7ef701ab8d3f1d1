/* Minimal generator-plugin host for tests, built only on the engine's public API.
 *
 *   plugin_harness PLUGIN.wasm [--config JSON] [--count N] [--mac HEX12] [--out-cap N]
 *                  [--no-retry] [--raw-request JSON] [--repeat N]
 *
 * Loads the plugin, links env.host_log / env.host_report_metric / env.host_neighbor_resolve
 * (always 0: no device) and WASI, runs _initialize,
 * writes the config into guest memory, calls plugin_init, builds the request (the config object
 * merged with "count" and "device_mac_addr" as base64, or --raw-request verbatim), calls
 * plugin_process with an output buffer of --out-cap bytes (default 65536) and, on -4, retries
 * with a doubled buffer (unless --no-retry). Prints the response JSON on stdout; logs, metrics
 * and retries on stderr ("retry: rc=-4 cap=N -> M", "log[LEVEL]: ...", "metric: NAME VALUE").
 * Exit status: 0 on success, 3 when plugin_process returned < 0 (the code is printed as
 * "plugin_process: rc=N" on stderr), 1 for any other failure.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf/wasi.h"
#include "xdperf/wasm.h"

static int host_log(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)user;
	(void)results;
	static const char *lv[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	uint32_t ptr = (uint32_t)args[1].of.i32, len = (uint32_t)args[2].of.i32;
	const char *msg = mem ? xwasm_memory_ptr(mem, ptr, len) : NULL;
	if (!msg) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "host_log: bad pointer");
		return XWASM_TRAP_HOST;
	}
	int l = args[0].of.i32;
	fprintf(stderr, "log[%s]: %.*s\n", l >= 0 && l < 4 ? lv[l] : "?", (int)len, msg);
	return 0;
}

static int host_metric(xwasm_instance *caller, void *user, const xwasm_val *args,
		       xwasm_val *results)
{
	(void)user;
	(void)results;
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
	const char *name = mem ? xwasm_memory_ptr(mem, ptr, len) : NULL;
	if (!name) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "host_report_metric: bad pointer");
		return XWASM_TRAP_HOST;
	}
	fprintf(stderr, "metric: %.*s %g ts=%lld\n", (int)len, name, args[2].of.f64,
		(long long)args[3].of.i64);
	return 0;
}

/* No device here: every neighbour is unresolved, as for pcap output. */
static int host_neighbor(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	(void)caller;
	(void)user;
	(void)args;
	results[0].type = XWASM_I32;
	results[0].of.i32 = 0;
	return 0;
}

static xwasm_instance *g_inst;
static xwasm_memory *g_mem;

static int call(const char *name, const xwasm_val *args, uint32_t nargs, xwasm_val *res,
		uint32_t nres)
{
	xwasm_func *f = xwasm_instance_func(g_inst, name);
	if (!f) {
		fprintf(stderr, "harness: export %s missing\n", name);
		exit(1);
	}
	struct xwasm_trap trap;
	int rc = xwasm_call(g_inst, f, args, nargs, res, nres, &trap);
	if (rc) {
		fprintf(stderr, "harness: %s failed: %s\n", name, rc == XWASM_ETRAP ? trap.message : "error");
		exit(1);
	}
	return 0;
}

static int32_t guest_malloc(size_t n)
{
	xwasm_val a = { .type = XWASM_I32, .of.i32 = (int32_t)n }, r;
	call("malloc", &a, 1, &r, 1);
	if (r.of.i32 == 0) {
		fprintf(stderr, "harness: guest malloc(%zu) failed\n", n);
		exit(1);
	}
	return r.of.i32;
}

static void guest_free(int32_t p)
{
	xwasm_val a = { .type = XWASM_I32, .of.i32 = p };
	call("free", &a, 1, NULL, 0);
}

static int32_t guest_copy(const char *s, size_t n)
{
	int32_t p = guest_malloc(n ? n : 1);
	if (xwasm_memory_write(g_mem, (uint32_t)p, s, n)) {
		fprintf(stderr, "harness: memory write failed\n");
		exit(1);
	}
	return p;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *config = "{}", *raw_request = NULL, *mac_hex = "000000000000";
	unsigned long long count = 0;
	size_t out_cap = 65536;
	int retry = 1, repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-retry")) {
			retry = 0;
			continue;
		}
		if (!v && a[0] == '-') {
			fprintf(stderr, "harness: %s needs a value\n", a);
			return 1;
		}
		if (!strcmp(a, "--config"))
			config = v, i++;
		else if (!strcmp(a, "--raw-request"))
			raw_request = v, i++;
		else if (!strcmp(a, "--count"))
			count = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--mac"))
			mac_hex = v, i++;
		else if (!strcmp(a, "--out-cap"))
			out_cap = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--repeat"))
			repeat = atoi(v), i++;
		else if (!path)
			path = a;
		else {
			fprintf(stderr, "harness: unexpected %s\n", a);
			return 1;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: plugin_harness PLUGIN.wasm [options]\n");
		return 1;
	}

	size_t wlen;
	char *bytes = read_file(path, &wlen);
	if (!bytes) {
		fprintf(stderr, "harness: cannot read %s\n", path);
		return 1;
	}
	char err[256];
	xwasm_module *m;
	struct xwasm_load_opts lo = { .sz = sizeof(lo), .name = path };
	if (xwasm_module_load((const uint8_t *)bytes, wlen, &lo, &m, err, sizeof(err))) {
		fprintf(stderr, "harness: load: %s\n", err);
		return 1;
	}
	free(bytes);
	xwasm_linker *l = xwasm_linker_new();
	struct xwasm_wasi *wasi;
	if (!l || xwasm_wasi_new(NULL, &wasi) || xwasm_wasi_define(l, wasi))
		return 1;
	static const uint8_t log_p[] = { XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t met_p[] = { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_I64 };
	static const uint8_t nb_p[] = { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t nb_r[] = { XWASM_I32 };
	if (xwasm_linker_define_func(l, "env", "host_log", log_p, 3, NULL, 0, host_log, NULL) ||
	    xwasm_linker_define_func(l, "env", "host_report_metric", met_p, 4, NULL, 0, host_metric,
				     NULL) ||
	    xwasm_linker_define_func(l, "env", "host_neighbor_resolve", nb_p, 6, nb_r, 1, host_neighbor, NULL))
		return 1;
	struct xwasm_trap trap;
	struct xwasm_instance_opts io = { .sz = sizeof(io), .fuel = 2000000000ull };
	if (xwasm_instance_new(m, l, &io, &g_inst, &trap, err, sizeof(err))) {
		fprintf(stderr, "harness: instantiate: %s\n", err);
		return 1;
	}
	g_mem = xwasm_instance_memory0(g_inst);
	if (!g_mem) {
		fprintf(stderr, "harness: no memory\n");
		return 1;
	}
	if (xwasm_instance_func(g_inst, "_initialize"))
		call("_initialize", NULL, 0, NULL, 0);

	/* config -> plugin_init */
	size_t clen = strlen(config);
	int32_t cp = guest_copy(config, clen);
	xwasm_val args[4], res;
	args[0] = (xwasm_val){ .type = XWASM_I32, .of.i32 = cp };
	args[1] = (xwasm_val){ .type = XWASM_I32, .of.i32 = (int32_t)clen };
	call("plugin_init", args, 2, &res, 1);
	guest_free(cp);
	if (res.of.i32 != 0) {
		fprintf(stderr, "plugin_init: rc=%d\n", res.of.i32);
		return 3;
	}

	/* request */
	char *request;
	if (raw_request) {
		request = strdup(raw_request);
	} else {
		json_error_t je;
		json_t *obj = json_loads(config, 0, &je);
		if (!obj || !json_is_object(obj)) {
			fprintf(stderr, "harness: --config must be a JSON object\n");
			return 1;
		}
		uint8_t mac[6];
		for (int i = 0; i < 6; i++) {
			unsigned b;
			if (strlen(mac_hex) != 12 || sscanf(mac_hex + 2 * i, "%2x", &b) != 1) {
				fprintf(stderr, "harness: --mac wants 12 hex digits\n");
				return 1;
			}
			mac[i] = (uint8_t)b;
		}
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char mb[9];
		for (int i = 0; i < 2; i++) {
			uint32_t v = (uint32_t)mac[3 * i] << 16 | (uint32_t)mac[3 * i + 1] << 8 |
				     mac[3 * i + 2];
			mb[4 * i] = b64[v >> 18];
			mb[4 * i + 1] = b64[(v >> 12) & 63];
			mb[4 * i + 2] = b64[(v >> 6) & 63];
			mb[4 * i + 3] = b64[v & 63];
		}
		mb[8] = '\0';
		json_object_set_new(obj, "count", json_integer((json_int_t)count));
		json_object_set_new(obj, "device_mac_addr", json_string(mb));
		request = json_dumps(obj, JSON_COMPACT);
		json_decref(obj);
	}
	size_t rlen = strlen(request);
	int exit_code = 0;
	for (int it = 0; it < repeat; it++) {
		int32_t rp = guest_copy(request, rlen);
		size_t cap = out_cap;
		for (;;) {
			int32_t op = guest_malloc(cap);
			args[0] = (xwasm_val){ .type = XWASM_I32, .of.i32 = rp };
			args[1] = (xwasm_val){ .type = XWASM_I32, .of.i32 = (int32_t)rlen };
			args[2] = (xwasm_val){ .type = XWASM_I32, .of.i32 = op };
			args[3] = (xwasm_val){ .type = XWASM_I32, .of.i32 = (int32_t)cap };
			call("plugin_process", args, 4, &res, 1);
			int32_t rc = res.of.i32;
			if (rc == -4 && retry && cap < (64u << 20)) {
				fprintf(stderr, "retry: rc=-4 cap=%zu -> %zu\n", cap, cap * 2);
				guest_free(op);
				cap *= 2;
				continue;
			}
			if (rc < 0) {
				fprintf(stderr, "plugin_process: rc=%d\n", rc);
				exit_code = 3;
			} else if ((size_t)rc > cap) {
				fprintf(stderr, "harness: plugin wrote %d > cap %zu\n", rc, cap);
				exit_code = 1;
			} else {
				char *out = malloc((size_t)rc + 1);
				if (!out || xwasm_memory_read(g_mem, (uint32_t)op, out, (size_t)rc))
					return 1;
				out[rc] = '\0';
				if (it == repeat - 1)
					printf("%s\n", out);
				free(out);
			}
			guest_free(op);
			break;
		}
		guest_free(rp);
	}
	free(request);
	call("plugin_cleanup", NULL, 0, NULL, 0);
	xwasm_instance_free(g_inst);
	xwasm_linker_free(l);
	xwasm_wasi_free(wasi);
	xwasm_module_free(m);
	return exit_code;
}
