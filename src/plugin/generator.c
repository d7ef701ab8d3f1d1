/* Generator plugin host: loads a module implementing the xdperf plugin ABI
 * (include/xdperf/plugin.h), checks its exports, provides env.host_log,
 * env.host_report_metric and the WASI subset, and moves configuration, requests and responses
 * in and out of plugin memory through its malloc/free. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/plugin.h"
#include "xdperf/wasi.h"
#include "xdperf/wasm.h"
#include "plugin/neigh.h"
#include "plugin/host.h"
#include "plugin/generator_int.h"
#include "plugin/plugin_dir.h"
#include "util/file.h"
#include "util/opts.h"

int gen_perr(char *err, size_t len, const char *fmt, ...)
{
	if (err && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- ABI check ---------------------------------------------------------------------------- */

/* Refuses a module that does not satisfy the ABI, naming its first problem. */
static int check_abi(const struct xdperf_plugin *p, const xwasm_module *m, char *err, size_t errlen)
{
	struct xdperf_first_problem f = { .set = false };
	if (xdperf_plugin_check_abi(m, xdperf_keep_first, &f) == 0)
		return 0;
	return gen_perr(err, errlen, "plugin %s: %s", p->name, f.text);
}

/* ---- calls ----------------------------------------------------------------------------------- */

/* The plugin's memory cap as "1024 pages = 64 MiB" (KiB when not a whole number of MiB). */
static const char *cap_text(const struct xdperf_plugin *p, char *buf, size_t len)
{
	uint32_t pages = p->opts.max_memory_pages;
	if (pages % 16)
		snprintf(buf, len, "%u pages = %u KiB", pages, pages * 64);
	else
		snprintf(buf, len, "%u pages = %u MiB", pages, pages / 16);
	return buf;
}

/* How many grows of the plugin's memory its cap has refused so far. */
static uint64_t cap_refusals(struct xdperf_plugin *p)
{
	xwasm_memory *mem = p->inst ? xwasm_instance_memory0(p->inst) : NULL;
	return mem ? xwasm_memory_cap_refusals(mem) : 0;
}

/* Calls f and turns a trap into a message; returns 0, -EINTR (the interrupt flag of
 * opts.interrupt ended the call), -EDQUOT (it trapped after the memory cap refused to grow the
 * plugin's memory during the call: Rust's allocation failure, AssemblyScript's and C's abort
 * are traps) or -EINVAL. */
int gen_call(struct xdperf_plugin *p, xwasm_func *f, const char *what, const xwasm_val *args,
		uint32_t nargs, xwasm_val *res, uint32_t nres, char *err, size_t errlen)
{
	struct xwasm_trap trap;
	uint64_t refusals = cap_refusals(p);
	int rc = xwasm_call(p->inst, f, args, nargs, res, nres, &trap);
	xdperf_host_flush(&p->sink);
	if (rc == 0)
		return 0;
	if (rc != XWASM_ETRAP)
		return gen_perr(err, errlen, "plugin %s: cannot call %s: %s", p->name, what, trap.message);
	if (trap.kind == XWASM_TRAP_EXIT)
		return gen_perr(err, errlen, "plugin %s: called proc_exit(%d) during %s", p->name,
			    trap.exit_code, what);
	if (trap.kind == XWASM_TRAP_INTERRUPTED) {
		gen_perr(err, errlen, "plugin %s: %s was interrupted", p->name, what);
		return -EINTR;
	}
	if (trap.kind == XWASM_TRAP_FUEL_EXHAUSTED)
		return gen_perr(err, errlen,
			    "plugin %s: %s ran out of fuel (instruction budget %llu per call): %s",
			    p->name, what, (unsigned long long)p->opts.fuel, trap.message);
	if (cap_refusals(p) != refusals) {
		char cap[48];
		gen_perr(err, errlen, "plugin %s: %s trapped (%s) after the plugin memory cap (%s) refused to "
			 "grow its memory", p->name, what, trap.message, cap_text(p, cap, sizeof cap));
		return -EDQUOT;
	}
	return gen_perr(err, errlen, "plugin %s: trap in %s: %s", p->name, what, trap.message);
}

xwasm_val gen_i32(int32_t v)
{
	xwasm_val x = { .type = XWASM_I32, .of.i32 = v };
	return x;
}

/* Allocates len bytes in plugin memory (and copies data there when non-NULL). */
int gen_alloc(struct xdperf_plugin *p, uint32_t len, const void *data, uint32_t *ptr,
		       char *err, size_t errlen)
{
	xwasm_val a = gen_i32((int32_t)(len ? len : 1)), r;
	uint64_t refusals = cap_refusals(p);
	int rc = gen_call(p, p->f_malloc, "malloc", &a, 1, &r, 1, err, errlen);
	if (rc)
		return rc;
	*ptr = (uint32_t)r.of.i32;
	/* the cap is to blame only when it refused a grow during this malloc */
	if (*ptr == 0 && cap_refusals(p) != refusals) {
		char cap[48];
		gen_perr(err, errlen, "plugin %s: malloc(%u) failed: the plugin memory cap (%s) refused to grow "
			 "its memory", p->name, len, cap_text(p, cap, sizeof cap));
		return -EDQUOT;
	}
	if (*ptr == 0)
		return gen_perr(err, errlen, "plugin %s: malloc(%u) returned 0 (its allocator failed; the "
			    "memory cap, %u pages, was not reached)", p->name, len, p->opts.max_memory_pages);
	p->mem = xwasm_instance_memory0(p->inst);
	if (data && xwasm_memory_write(p->mem, *ptr, data, len))
		return gen_perr(err, errlen, "plugin %s: malloc(%u) returned %u, outside plugin memory",
			    p->name, len, *ptr);
	return 0;
}

int gen_read_output(struct xdperf_plugin *p, const char *what, uint32_t optr, uint32_t n,
		    uint32_t cap, char **out, size_t *outlen, char *err, size_t errlen)
{
	if (n > cap)
		return gen_perr(err, errlen, "plugin %s: %s reported %u bytes written into a %u-byte buffer",
				p->name, what, n, cap);
	char *buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	p->mem = xwasm_instance_memory0(p->inst);
	if (xwasm_memory_read(p->mem, optr, buf, n)) {
		free(buf);
		return gen_perr(err, errlen, "plugin %s: %s output [%u, +%u) is outside plugin memory",
				p->name, what, optr, n);
	}
	buf[n] = 0;
	*out = buf;
	*outlen = n;
	return 0;
}

void gen_free(struct xdperf_plugin *p, uint32_t ptr)
{
	char ignore[8];
	xwasm_val a = gen_i32((int32_t)ptr);
	if (ptr)
		gen_call(p, p->f_free, "free", &a, 1, NULL, 0, ignore, sizeof ignore);
}

int xdperf_plugin_init(struct xdperf_plugin *p, const char *cfg, size_t len, char *err, size_t errlen)
{
	if (p->schema && !p->opts.skip_config_check) {
		char why[300];
		if (xdperf_plugin_check_config(p->schema, cfg, len, why, sizeof why))
			return gen_perr(err, errlen, "plugin %s: %s", p->name, why);
	}
	if (p->abi == XDPERF_PLUGIN_ABI_JSON)
		return gen_json_init(p, cfg, len, err, errlen);
	if (len > UINT32_MAX / 2)
		return gen_perr(err, errlen, "plugin %s: configuration too large", p->name);
	uint32_t ptr;
	int rc = gen_alloc(p, (uint32_t)len, cfg, &ptr, err, errlen);
	if (rc == -EINTR) /* in malloc: say which ABI call it was for */
		gen_perr(err, errlen, "plugin %s: plugin_init was interrupted", p->name);
	if (rc)
		return rc;
	xwasm_val args[2] = { gen_i32((int32_t)ptr), gen_i32((int32_t)len) }, r;
	rc = gen_call(p, p->f_init, "plugin_init", args, 2, &r, 1, err, errlen);
	gen_free(p, ptr);
	if (rc)
		return rc;
	if (r.of.i32 != 0)
		return gen_perr(err, errlen, "plugin %s: plugin_init failed with error code %d", p->name, r.of.i32);
	return 0;
}

/* One plugin_process call with an output buffer of `cap` bytes; *code gets its result. */
static int process_once(struct xdperf_plugin *p, uint32_t in, uint32_t inlen, uint32_t cap,
			int32_t *code, char **out, size_t *outlen, char *err, size_t errlen)
{
	uint32_t optr;
	int rc = gen_alloc(p, cap, NULL, &optr, err, errlen);
	if (rc == -EINTR)
		gen_perr(err, errlen, "plugin %s: plugin_process was interrupted", p->name);
	if (rc)
		return rc;
	xwasm_val args[4] = { gen_i32((int32_t)in), gen_i32((int32_t)inlen), gen_i32((int32_t)optr), gen_i32((int32_t)cap) }, r;
	rc = gen_call(p, p->f_process, "plugin_process", args, 4, &r, 1, err, errlen);
	if (rc == 0) {
		*code = r.of.i32;
		if (*code >= 0)
			rc = gen_read_output(p, "plugin_process", optr, (uint32_t)*code, cap, out, outlen,
					     err, errlen);
	}
	gen_free(p, optr);
	return rc;
}

int xdperf_plugin_process(struct xdperf_plugin *p, const char *req, size_t len, char **out,
			  size_t *outlen, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	if (p->abi == XDPERF_PLUGIN_ABI_JSON)
		return gen_json_process(p, req, len, out, outlen, err, errlen);
	if (len > UINT32_MAX / 2)
		return gen_perr(err, errlen, "plugin %s: request too large", p->name);
	uint32_t in;
	int rc = gen_alloc(p, (uint32_t)len, req, &in, err, errlen);
	if (rc == -EINTR)
		gen_perr(err, errlen, "plugin %s: plugin_process was interrupted", p->name);
	if (rc)
		return rc;
	uint32_t cap = FIRST_OUTPUT_CAP < p->opts.max_output ? FIRST_OUTPUT_CAP : (uint32_t)p->opts.max_output;
	int32_t code = 0;
	rc = process_once(p, in, (uint32_t)len, cap, &code, out, outlen, err, errlen);
	if (rc == 0 && code == XDPERF_PLUGIN_EOUTPUT_SMALL && cap < p->opts.max_output) {
		cap = (uint32_t)p->opts.max_output;
		rc = process_once(p, in, (uint32_t)len, cap, &code, out, outlen, err, errlen);
	}
	gen_free(p, in);
	if (rc)
		return rc;
	if (code == XDPERF_PLUGIN_EOUTPUT_SMALL) {
		snprintf(err, errlen, "plugin %s: output does not fit in %zu bytes (the output cap)",
			 p->name, p->opts.max_output);
		return -E2BIG;
	}
	if (code < 0)
		return gen_perr(err, errlen, "plugin %s: plugin_process failed with error code %d", p->name, code);
	return 0;
}

/* ---- load and free ------------------------------------------------------------------------- */

static void set_name(struct xdperf_plugin *p, const char *name, const char *path)
{
	if (name) {
		snprintf(p->name, sizeof p->name, "%s", name);
		return;
	}
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "plugin";
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".wasm"))
		n -= 5;
	snprintf(p->name, sizeof p->name, "%.*s", (int)n, base);
}

/* Writes one line about host_neighbor_resolve to the plugin's log. */
__attribute__((format(printf, 3, 4)))
static void neigh_log(struct xdperf_plugin *p, int level, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	xdperf_host_log(&p->sink, level, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

/* env.host_neighbor_resolve(ip, ip_len, ifname, ifname_len, result, result_cap) -> i32: the
 * neighbour's MAC as "aa:bb:cc:dd:ee:ff" in result (17 bytes, returned), or 0 when unresolved,
 * when the plugin has no device (pcap output, plugin run) or names another one, or when
 * result_cap < 17. An empty interface name means the run's device. A range outside the
 * plugin's memory traps, as for host_log. */
static int host_neighbor(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xdperf_plugin *p = user;
	xwasm_memory *mem = xwasm_instance_memory0(caller);
	uint32_t ip_len = (uint32_t)args[1].of.i32, if_len = (uint32_t)args[3].of.i32;
	uint32_t res = (uint32_t)args[4].of.i32, cap = (uint32_t)args[5].of.i32;
	const char *ipm = xwasm_memory_ptr(mem, (uint32_t)args[0].of.i32, ip_len);
	const char *ifm = xwasm_memory_ptr(mem, (uint32_t)args[2].of.i32, if_len);
	results[0].type = XWASM_I32;
	results[0].of.i32 = 0;
	if (!ipm || !ifm || (cap >= 17 && !xwasm_memory_ptr(mem, res, 17))) {
		xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "host_neighbor_resolve: a range is outside "
					"the plugin's memory");
		return XWASM_TRAP_HOST;
	}
	char ip[64], ifname[IF_NAMESIZE];
	if (!p->device[0] || ip_len == 0 || ip_len >= sizeof ip || if_len >= sizeof ifname || cap < 17)
		return 0;
	memcpy(ip, ipm, ip_len);
	ip[ip_len] = 0;
	memcpy(ifname, ifm, if_len);
	ifname[if_len] = 0;
	if (if_len && strcmp(ifname, p->device)) {
		neigh_log(p, XDPERF_LOG_WARN, "host_neighbor_resolve on %s refused: the run's device is %s",
			  ifname, p->device);
		return 0;
	}
	uint8_t mac[6];
	char err[200], text[18];
	int rc = xdperf_neigh_resolve(ip, p->device, mac, NULL, err, sizeof err);
	if (rc != 1) {
		neigh_log(p, rc < 0 ? XDPERF_LOG_WARN : XDPERF_LOG_INFO, "host_neighbor_resolve: %s", err);
		return 0;
	}
	xdperf_mac_text(mac, text);
	xwasm_memory_write(mem, res, text, 17);
	results[0].of.i32 = 17;
	return 0;
}

static int define_host(struct xdperf_plugin *p)
{
	struct xdperf_host_sink *s = &p->sink;
	snprintf(s->name, sizeof s->name, "%s", p->name);
	s->prefix = "plugin";
	s->log_level = p->opts.log_level;
	s->log = p->opts.log;
	s->log_ctx = p->opts.log_ctx;
	s->metric = p->opts.metric;
	s->metric_ctx = p->opts.metric_ctx;
	static const uint8_t nparams[6] = { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 };
	static const uint8_t nresult[1] = { XWASM_I32 };
	int rc = xdperf_host_define(p->linker, s, &p->wasi);
	if (!rc)
		rc = xwasm_linker_define_func(p->linker, "env", "host_neighbor_resolve", nparams, 6, nresult, 1,
					      host_neighbor, p);
	if (!rc)
		rc = gen_json_define(p);
	return rc;
}

static xwasm_func *export_func(struct xdperf_plugin *p, const char *name)
{
	return xwasm_instance_func(p->inst, name);
}

int xdperf_plugin_load_bytes(const uint8_t *wasm, size_t len, const struct xdperf_plugin_opts *opts,
			     struct xdperf_plugin **out, char *err, size_t errlen)
{
	*out = NULL;
	struct xdperf_plugin *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	if (opts) {
		xdperf_opts_copy(&p->opts, sizeof p->opts, opts);
	} else {
		p->opts.log_level = XDPERF_LOG_INFO;
	}
	set_name(p, p->opts.name, NULL);
	p->opts.name = NULL;
	if (p->opts.device)
		snprintf(p->device, sizeof p->device, "%s", p->opts.device);
	p->opts.device = NULL;
	if (!p->opts.max_memory_pages)
		p->opts.max_memory_pages = DEFAULT_PAGES;
	if (!p->opts.fuel)
		p->opts.fuel = DEFAULT_FUEL;
	if (!p->opts.max_output)
		p->opts.max_output = DEFAULT_MAX_OUTPUT;
	if (p->opts.max_output > UINT32_MAX / 2)
		p->opts.max_output = UINT32_MAX / 2;

	char msg[256];
	uint64_t mem_cap = (uint64_t)p->opts.max_memory_pages * 65536u;
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = p->name, .max_bytes = MODULE_FACTOR * mem_cap };
	int rc = xwasm_module_load(wasm, len, &lo, &p->mod, msg, sizeof msg);
	if (rc == -EFBIG) {
		snprintf(err, errlen, "plugin %s: refused: %s (%u x its memory cap of %u pages)", p->name, msg,
			 MODULE_FACTOR, p->opts.max_memory_pages);
		goto fail;
	}
	if (rc) {
		snprintf(err, errlen, "plugin %s: invalid module: %s", p->name, msg);
		goto fail;
	}
	rc = check_abi(p, p->mod, err, errlen);
	if (rc)
		goto fail;
	rc = xdperf_plugin_read_schema(wasm, len, &p->schema, msg, sizeof msg);
	if (rc) {
		snprintf(err, errlen, "plugin %s: %s", p->name, msg);
		goto fail;
	}
	p->abi = xdperf_plugin_module_abi(p->mod);
	rc = gen_dir_grant(p, err, errlen); /* opts.dir: the read-only directory, if granted */
	if (rc)
		goto fail;
	p->linker = xwasm_linker_new();
	rc = p->linker ? define_host(p) : -ENOMEM;
	gen_dir_done(p);
	if (rc) {
		snprintf(err, errlen, "plugin %s: cannot set up host imports: %s", p->name, strerror(-rc));
		goto fail;
	}
	struct xwasm_instance_opts io = { .sz = sizeof io, .max_memory_pages = p->opts.max_memory_pages,
					  .fuel = p->opts.fuel, .max_call_depth = p->opts.max_call_depth,
					  .interrupt = p->opts.interrupt, .max_bytes = mem_cap + INSTANCE_EXTRA,
					  .max_table_elems = TABLE_ELEMS };
	struct xwasm_trap trap;
	rc = xwasm_instance_new(p->mod, p->linker, &io, &p->inst, &trap, msg, sizeof msg);
	if (rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_INTERRUPTED) {
		snprintf(err, errlen, "plugin %s: its start function was interrupted", p->name);
		rc = -EINTR;
		goto fail;
	}
	if (rc) {
		snprintf(err, errlen, "plugin %s: cannot instantiate: %s", p->name, msg);
		rc = rc == XWASM_ETRAP ? -EINVAL : rc;
		goto fail;
	}
	p->f_init = export_func(p, "plugin_init");
	p->f_process = export_func(p, "plugin_process");
	p->f_cleanup = export_func(p, "plugin_cleanup");
	p->f_malloc = export_func(p, "malloc");
	p->f_free = export_func(p, "free");
	p->mem = xwasm_instance_memory(p->inst, "memory");
	xwasm_func *init = export_func(p, "_initialize");
	if (init && (rc = gen_call(p, init, "_initialize", NULL, 0, NULL, 0, err, errlen)))
		goto fail;
	*out = p;
	return 0;
fail:
	p->f_cleanup = NULL; /* never initialised: nothing to clean up */
	xdperf_plugin_free(p);
	return rc;
}

int xdperf_plugin_load(const char *path, const struct xdperf_plugin_opts *opts,
		       struct xdperf_plugin **out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int rc = xdperf_read_file(path, 256u << 20, &buf, &len);
	if (rc) {
		*out = NULL;
		snprintf(err, errlen, "cannot read plugin %s: %s", path,
			 rc == -EFBIG ? "larger than 256 MiB" : xdperf_file_strerror(rc));
		return rc;
	}
	struct xdperf_plugin_opts o = { .sz = sizeof o, .log_level = XDPERF_LOG_INFO };
	xdperf_opts_copy(&o, sizeof o, opts);
	char name[64];
	if (!o.name) {
		struct xdperf_plugin tmp;
		set_name(&tmp, NULL, path);
		snprintf(name, sizeof name, "%s", tmp.name);
		o.name = name;
	}
	rc = xdperf_plugin_load_bytes(buf, len, &o, out, err, errlen);
	free(buf);
	return rc;
}

int xdperf_plugin_cleanup(struct xdperf_plugin *p, char *err, size_t errlen)
{
	if (!p->f_cleanup || p->cleaned_up)
		return 0;
	p->cleaned_up = true;
	if (p->abi == XDPERF_PLUGIN_ABI_JSON)
		return gen_json_cleanup(p, err, errlen);
	return gen_call(p, p->f_cleanup, "plugin_cleanup", NULL, 0, NULL, 0, err, errlen);
}

void xdperf_plugin_free(struct xdperf_plugin *p)
{
	if (!p)
		return;
	if (p->inst) {
		char ignore[8];
		xdperf_plugin_cleanup(p, ignore, sizeof ignore);
	}
	xwasm_instance_free(p->inst);
	xwasm_linker_free(p->linker);
	xwasm_wasi_free(p->wasi);
	xwasm_module_free(p->mod);
	free(p->resp);
	free(p->schema);
	free(p);
}

const char *xdperf_plugin_schema(const struct xdperf_plugin *p)
{
	return p->schema;
}

const char *xdperf_plugin_name(const struct xdperf_plugin *p) { return p->name; }
int xdperf_plugin_abi(const struct xdperf_plugin *p) { return p->abi; }
