/* The Go xdperf 0.11 plugin ABI: plugin_init, plugin_process and plugin_cleanup each take
 * (inPtr, inLen, outPtr, outCap) and return the bytes written to out (negative: an error
 * code). For every call the host mallocs the input and a 32 MiB output buffer in the plugin
 * and frees both after. init gets {"plugin_config":"<base64 of the configuration text>"} and
 * cleanup {}; both answer {"success":true}. process gets the request (the configuration plus
 * count, device_mac_addr, device_name) and answers the response object (packet/variable.h).
 *
 * Plugins built with the Go xdperf's goshim do not use the buffers: they fetch the request
 * and hand over the answer through imports of module github.com/takehaya/xdperf/pkg/plugin/goshim
 * (pluginGenerator{Init,Process,Cleanup}{Request,Response}, getShutdownRequested), and return
 * a non-negative number. An answer handed over that way is the one used. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/generator_int.h"

#define GOSHIM "github.com/takehaya/xdperf/pkg/plugin/goshim"

static const char *call_name(enum gen_call_kind k)
{
	return k == GEN_CALL_INIT ? "plugin_init" : k == GEN_CALL_PROCESS ? "plugin_process" : "plugin_cleanup";
}

/* pluginGenerator*Request(buf, limit) -> len: the request of the call under way (of that kind),
 * written when it fits in limit; its length either way (the shim asks again with a buffer that
 * size). 0 outside such a call. */
static int shim_request(xwasm_instance *caller, struct xdperf_plugin *p, enum gen_call_kind k,
			const xwasm_val *args, xwasm_val *results)
{
	uint32_t buf = (uint32_t)args[0].of.i32, limit = (uint32_t)args[1].of.i32;
	results[0].type = XWASM_I32;
	results[0].of.i32 = 0;
	if (p->kind != k || !p->req)
		return 0;
	if (p->reqlen <= limit) {
		xwasm_memory *mem = xwasm_instance_memory0(caller);
		if (!mem || xwasm_memory_write(mem, buf, p->req, p->reqlen)) {
			xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "goshim request: the buffer is "
						"outside the plugin's memory");
			return XWASM_TRAP_HOST;
		}
	}
	results[0].of.i32 = (int32_t)p->reqlen;
	return 0;
}

/* pluginGenerator*Response(buf, size): the answer of the call under way. */
static int shim_response(xwasm_instance *caller, struct xdperf_plugin *p, enum gen_call_kind k,
			 const xwasm_val *args)
{
	uint32_t buf = (uint32_t)args[0].of.i32, size = (uint32_t)args[1].of.i32;
	if (p->kind != k)
		return 0; /* not asked for: ignored */
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	const void *src = mem ? xwasm_memory_ptr(mem, buf, size) : NULL;
	if (!src || size > JSON_ABI_OUTPUT) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, size > JSON_ABI_OUTPUT ?
					"goshim response: larger than 32 MiB" :
					"goshim response: the range is outside the plugin's memory");
		return XWASM_TRAP_HOST;
	}
	char *copy = malloc((size_t)size + 1);
	if (!copy) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "goshim response: out of memory");
		return XWASM_TRAP_HOST;
	}
	memcpy(copy, src, size);
	copy[size] = 0;
	free(p->resp);
	p->resp = copy;
	p->resplen = size;
	return 0;
}

#define SHIM_PAIR(kind, reqfn, respfn)                                                             \
	static int reqfn(xwasm_instance *c, void *u, const xwasm_val *a, xwasm_val *r)            \
	{                                                                                         \
		return shim_request(c, u, kind, a, r);                                            \
	}                                                                                         \
	static int respfn(xwasm_instance *c, void *u, const xwasm_val *a, xwasm_val *r)           \
	{                                                                                         \
		(void)r;                                                                          \
		return shim_response(c, u, kind, a);                                              \
	}
SHIM_PAIR(GEN_CALL_INIT, init_req, init_resp)
SHIM_PAIR(GEN_CALL_PROCESS, process_req, process_resp)
SHIM_PAIR(GEN_CALL_CLEANUP, cleanup_req, cleanup_resp)

/* getShutdownRequested() -> i32: 1 once the run was asked to stop (the interrupt flag). */
static int shutdown_requested(xwasm_instance *caller, void *user, const xwasm_val *args,
			      xwasm_val *results)
{
	(void)caller;
	(void)args;
	struct xdperf_plugin *p = user;
	results[0].type = XWASM_I32;
	results[0].of.i32 = p->opts.interrupt && xwasm_interrupt_pending(p->opts.interrupt);
	return 0;
}

int gen_json_define(struct xdperf_plugin *p)
{
	static const uint8_t two[2] = { XWASM_I32, XWASM_I32 }, one[1] = { XWASM_I32 };
	static const struct {
		const char *name;
		bool request;
		xwasm_host_fn fn;
	} f[] = {
		{ "pluginGeneratorInitRequest", true, init_req },
		{ "pluginGeneratorInitResponse", false, init_resp },
		{ "pluginGeneratorProcessRequest", true, process_req },
		{ "pluginGeneratorProcessResponse", false, process_resp },
		{ "pluginGeneratorCleanupRequest", true, cleanup_req },
		{ "pluginGeneratorCleanupResponse", false, cleanup_resp },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0] && !rc; i++)
		rc = xwasm_linker_define_func(p->linker, GOSHIM, f[i].name, two, 2, one, f[i].request ? 1 : 0,
					      f[i].fn, p);
	if (!rc)
		rc = xwasm_linker_define_func(p->linker, GOSHIM, "getShutdownRequested", NULL, 0, one, 1,
					      shutdown_requested, p);
	return rc;
}

/* One call of f with the input in[0..inlen): *out gets the answer (malloc'd, NUL-terminated;
 * "" when the plugin wrote none). 0, -EINTR or -EINVAL with err naming the call. */
static int json_call(struct xdperf_plugin *p, xwasm_func *f, enum gen_call_kind kind, const char *in,
		     size_t inlen, char **out, size_t *outlen, char *err, size_t errlen)
{
	const char *what = call_name(kind);
	*out = NULL;
	*outlen = 0;
	if (inlen > UINT32_MAX / 2)
		return gen_perr(err, errlen, "plugin %s: %s input too large", p->name, what);
	uint32_t iptr = 0, optr = 0;
	int rc = gen_alloc(p, (uint32_t)inlen, in, &iptr, err, errlen);
	if (!rc)
		rc = gen_alloc(p, JSON_ABI_OUTPUT, NULL, &optr, err, errlen);
	if (rc == -EINTR)
		gen_perr(err, errlen, "plugin %s: %s was interrupted", p->name, what);
	if (rc) {
		gen_free(p, iptr);
		return rc;
	}
	p->kind = kind;
	p->req = in;
	p->reqlen = inlen;
	free(p->resp);
	p->resp = NULL;
	xwasm_val args[4] = { gen_i32((int32_t)iptr), gen_i32((int32_t)inlen), gen_i32((int32_t)optr),
			      gen_i32((int32_t)JSON_ABI_OUTPUT) }, r;
	rc = gen_call(p, f, what, args, 4, &r, 1, err, errlen);
	p->kind = GEN_CALL_NONE;
	p->req = NULL;
	if (!rc && r.of.i32 < 0)
		rc = gen_perr(err, errlen, "plugin %s: %s failed with error code %d", p->name, what, r.of.i32);
	if (!rc && p->resp) {
		*out = p->resp; /* handed over through goshim */
		*outlen = p->resplen;
		p->resp = NULL;
	} else if (!rc) {
		rc = gen_read_output(p, what, optr, (uint32_t)r.of.i32, JSON_ABI_OUTPUT, out, outlen, err,
				     errlen);
	}
	free(p->resp);
	p->resp = NULL;
	gen_free(p, optr);
	gen_free(p, iptr);
	return rc;
}

/* {"success": true} expected in ans (init and cleanup). */
static int check_success(struct xdperf_plugin *p, const char *what, const char *ans, size_t len,
			 char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = len ? json_loadb(ans, len, 0, &je) : NULL;
	json_t *ok = json_is_object(j) ? json_object_get(j, "success") : NULL;
	int rc = 0;
	if (!json_is_boolean(ok)) {
		rc = gen_perr(err, errlen, "plugin %s: %s answered %s, not {\"success\": true}", p->name, what,
			      !len ? "nothing" : !j ? "invalid JSON" : "without a boolean success");
	} else if (!json_is_true(ok)) {
		json_t *m = json_object_get(j, "error");
		if (!json_is_string(m))
			m = json_object_get(j, "message");
		rc = gen_perr(err, errlen, "plugin %s: %s answered success false%s%.200s", p->name, what,
			      json_is_string(m) ? ": " : "", json_is_string(m) ? json_string_value(m) : "");
	}
	json_decref(j);
	return rc;
}

int gen_json_init(struct xdperf_plugin *p, const char *cfg, size_t len, char *err, size_t errlen)
{
	size_t blen = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(blen);
	if (!b64)
		return -ENOMEM;
	sodium_bin2base64(b64, blen, (const unsigned char *)cfg, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *req = json_pack("{s:s}", "plugin_config", b64);
	free(b64);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!text)
		return -ENOMEM;
	char *ans;
	size_t alen;
	int rc = json_call(p, p->f_init, GEN_CALL_INIT, text, strlen(text), &ans, &alen, err, errlen);
	free(text);
	if (rc)
		return rc;
	rc = check_success(p, "plugin_init", ans, alen, err, errlen);
	free(ans);
	return rc;
}

int gen_json_process(struct xdperf_plugin *p, const char *req, size_t len, char **out,
		     size_t *outlen, char *err, size_t errlen)
{
	return json_call(p, p->f_process, GEN_CALL_PROCESS, req, len, out, outlen, err, errlen);
}

int gen_json_cleanup(struct xdperf_plugin *p, char *err, size_t errlen)
{
	char *ans;
	size_t alen;
	int rc = json_call(p, p->f_cleanup, GEN_CALL_CLEANUP, "{}", 2, &ans, &alen, err, errlen);
	if (rc)
		return rc;
	rc = check_success(p, "plugin_cleanup", ans, alen, err, errlen);
	free(ans);
	return rc;
}
