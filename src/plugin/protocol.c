/* Protocol module host (the loader of include/xdperf/hotload.h): compiles a module, checks it
 * against the protocol ABI and the policy's allowed imports, instantiates it with the shared
 * host imports, and moves one message at a time through alloc / handle / free, turning every
 * failure into a fault of that one call. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "plugin/host.h"
#include "plugin/proto_policy.h"
#include "util/err.h"
#include "xdperf/hotload.h"
#include "xdperf/plugin.h"
#include "util/opts.h"

#define STACK_SLOTS (64u << 10)   /* 512 KiB value stack per instance */
#define MIN_INPUT_BUF 1024u

struct xdperf_proto_module {
	char name[96];
	struct xdperf_proto_policy policy; /* resolved: every field set */
	xwasm_module *mod;
	xwasm_linker *linker;
	struct xwasm_wasi *wasi;
	struct xdperf_host_sink sink;
	pthread_mutex_t lock;              /* instantiation (the linker is shared) */
	bool packed;
	xwasm_interrupt *interrupt;        /* opts.interrupt (not owned) */
};

struct xdperf_proto_instance {
	struct xdperf_proto_module *m;
	xwasm_instance *inst;
	xwasm_memory *mem;
	xwasm_func *handle, *alloc, *free;
	uint32_t inbuf, incap;             /* input buffer kept across calls */
	struct xdperf_metric_source src;   /* the xwasm instance's user pointer (host_report_metric) */
};

static _Atomic uint64_t instance_serial; /* the last instance serial number given */

const char *xdperf_proto_fault_str(enum xdperf_proto_fault f)
{
	static const char *const n[] = { "none", "trap", "fuel", "memory", "output", "input", "abi",
					 "native", "route", "interrupted" };
	return (unsigned)f < sizeof n / sizeof n[0] ? n[f] : "?";
}

/* ---- module ------------------------------------------------------------------------------ */

/* Refuses imports from modules the policy does not allow, naming the first one. */
static int check_imports(const struct xdperf_proto_module *m, char *err, size_t errlen)
{
	uint32_t n = xwasm_module_num_imports(m->mod);
	for (uint32_t i = 0; i < n; i++) {
		struct xwasm_import_info imp;
		xwasm_module_import(m->mod, i, &imp);
		if (!xdperf_policy_allows_import(&m->policy, imp.module)) {
			xdperf_errf(err, errlen, "protocol %s: imports %s.%s, but its policy allows imports only from [%s]",
				    m->name, imp.module, imp.name, m->policy.allowed_imports);
			return -EINVAL;
		}
	}
	return 0;
}

bool xdperf_proto_module_packed(const struct xdperf_proto_module *m) { return m->packed; }

/* The engine options of the module's instances: its policy's limits. */
static void instance_opts(const struct xdperf_proto_module *m, struct xdperf_metric_source *src,
			  struct xwasm_instance_opts *io)
{
	*io = (struct xwasm_instance_opts){ .sz = sizeof *io, .max_memory_pages = m->policy.max_memory_pages,
					    .fuel = m->policy.fuel, .stack_slots = STACK_SLOTS, .user = src,
					    .interrupt = m->interrupt, .max_bytes = m->policy.max_instance_bytes,
					    .max_table_elems = m->policy.max_table_elems };
}

const struct xdperf_proto_policy *xdperf_proto_module_policy(const struct xdperf_proto_module *m)
{
	return &m->policy;
}

static bool handle_packed(const xwasm_module *mod)
{
	uint32_t ne = xwasm_module_num_exports(mod);
	for (uint32_t i = 0; i < ne; i++) {
		struct xwasm_import_info e;
		xwasm_module_export(mod, i, &e);
		if (e.kind == XWASM_EXTERN_FUNC && !strcmp(e.name, "handle"))
			return e.nresults == 1;
	}
	return false;
}

int xdperf_proto_module_load(const uint8_t *wasm, size_t len, const struct xdperf_proto_module_opts *opts,
			     struct xdperf_proto_module **out, char *err, size_t errlen)
{
	struct xdperf_proto_module_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	*out = NULL;
	struct xdperf_proto_module *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->name, sizeof m->name, "%s", o.name ? o.name : "module");
	int rc = xdperf_policy_copy(&m->policy, o.policy);
	if (!rc)
		rc = xdperf_policy_finish(&m->policy);
	if (rc)
		goto fail;
	char msg[256];
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = m->name, .max_bytes = m->policy.max_module_bytes,
				      .interrupt = o.load_interrupt };
	rc = xwasm_module_load(wasm, len, &lo, &m->mod, msg, sizeof msg);
	if (rc == -EFBIG) {
		xdperf_errf(err, errlen, "protocol %s: refused: %s (the policy's max_module_bytes)", m->name, msg);
		goto fail;
	}
	if (rc == -EINTR) {
		xdperf_errf(err, errlen, "protocol %s: %s", m->name, msg);
		goto fail;
	}
	if (rc) {
		xdperf_errf(err, errlen, "protocol %s: invalid module: %s", m->name, msg);
		goto fail;
	}
	struct xdperf_first_problem f = { .set = false };
	if (xdperf_proto_check_abi(m->mod, xdperf_keep_first, &f)) {
		xdperf_errf(err, errlen, "protocol %s: %s", m->name, f.text);
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = check_imports(m, err, errlen)))
		goto fail;
	/* an instance that could never be made under the policy is refused now, not at each call */
	struct xwasm_instance_opts io;
	instance_opts(m, NULL, &io);
	uint64_t need;
	if ((rc = xwasm_module_instance_bytes(m->mod, &io, &need, msg, sizeof msg))) {
		xdperf_errf(err, errlen, "protocol %s: refused: an instance would not fit its policy: %s "
			    "(max_instance_bytes %llu, max_table_elems %u)", m->name, msg,
			    (unsigned long long)m->policy.max_instance_bytes, m->policy.max_table_elems);
		goto fail;
	}
	m->packed = handle_packed(m->mod);
	m->interrupt = o.interrupt;
	struct xdperf_host_sink *s = &m->sink;
	if (m->policy.dir) { /* the policy's read-only directory grant: the module's only files */
		struct stat st;
		const char *d = m->policy.dir;
		int e = !d[0] ? ENOENT : stat(d, &st) ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
		if (e) {
			rc = -e;
			xdperf_errf(err, errlen, "protocol %s: the policy's dir '%s': %s", m->name, d, strerror(e));
			goto fail;
		}
		s->dir = (struct xwasm_wasi_preopen){ .host = d, .guest = "/", .read_only = true };
	}
	snprintf(s->name, sizeof s->name, "%s", m->name);
	s->prefix = "protocol";
	s->log_level = XDPERF_LOG_INFO;
	s->log = o.log;
	s->log_ctx = o.log_ctx;
	s->metric_src = o.metric;
	s->metric_ctx = o.metric_ctx;
	m->linker = xwasm_linker_new();
	rc = m->linker ? xdperf_host_define(m->linker, s, &m->wasi) : -ENOMEM;
	if (rc) {
		xdperf_errf(err, errlen, "protocol %s: cannot set up host imports: %s", m->name, strerror(-rc));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	xdperf_proto_module_free(m);
	return rc;
}

void xdperf_proto_module_free(struct xdperf_proto_module *m)
{
	if (!m)
		return;
	xwasm_linker_free(m->linker);
	xwasm_wasi_free(m->wasi);
	xwasm_module_free(m->mod);
	xdperf_policy_release(&m->policy);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- calls ------------------------------------------------------------------------------- */

static xwasm_val i32(uint32_t v)
{
	xwasm_val x = { .type = XWASM_I32, .of.i32 = (int32_t)v };
	return x;
}

/* The policy limit behind the instance's last cap refusal, e.g. "max_memory_pages 256 = 16384 KiB". */
static void cap_name(const struct xdperf_proto_instance *pi, char *buf, size_t len)
{
	const struct xdperf_proto_policy *p = &pi->m->policy;
	switch (xwasm_instance_last_cap(pi->inst)) {
	case XWASM_CAP_BYTES:
		snprintf(buf, len, "max_instance_bytes %llu", (unsigned long long)p->max_instance_bytes);
		break;
	case XWASM_CAP_TABLE_ELEMS:
		snprintf(buf, len, "max_table_elems %u", p->max_table_elems);
		break;
	default:
		snprintf(buf, len, "max_memory_pages %u = %u KiB", p->max_memory_pages, p->max_memory_pages * 64);
	}
}

/* Calls f; on a trap classifies it (interrupted, fuel, memory cap hit during the call,
 * proc_exit, other) and writes the message. Returns 0, -EINTR (interrupted) or -EINVAL. */
static int call(struct xdperf_proto_instance *pi, xwasm_func *f, const char *what, const xwasm_val *args,
		uint32_t nargs, xwasm_val *res, uint32_t nres, enum xdperf_proto_fault *fault,
		char *err, size_t errlen)
{
	struct xwasm_trap trap;
	uint64_t refusals = xwasm_instance_cap_refusals(pi->inst);
	int rc = xwasm_call(pi->inst, f, args, nargs, res, nres, &trap);
	xdperf_host_flush(&pi->m->sink);
	if (rc == 0)
		return 0;
	const char *name = pi->m->name;
	if (rc != XWASM_ETRAP) {
		*fault = XDPERF_FAULT_ABI;
		xdperf_errf(err, errlen, "protocol %s: cannot call %s: %s", name, what, trap.message);
	} else if (trap.kind == XWASM_TRAP_INTERRUPTED) {
		*fault = XDPERF_FAULT_INTERRUPTED;
		xdperf_errf(err, errlen, "protocol %s: %s was interrupted", name, what);
		return -EINTR;
	} else if (trap.kind == XWASM_TRAP_FUEL_EXHAUSTED) {
		*fault = XDPERF_FAULT_FUEL;
		xdperf_errf(err, errlen, "protocol %s: %s ran out of fuel (budget %llu instructions per call)",
			    name, what, (unsigned long long)pi->m->policy.fuel);
	} else if (trap.kind == XWASM_TRAP_EXIT) {
		*fault = XDPERF_FAULT_ABI;
		xdperf_errf(err, errlen, "protocol %s: called proc_exit(%d) during %s", name, trap.exit_code, what);
	} else if (xwasm_instance_cap_refusals(pi->inst) != refusals) {
		*fault = XDPERF_FAULT_MEMORY;
		char cap[96];
		cap_name(pi, cap, sizeof cap);
		xdperf_errf(err, errlen, "protocol %s: %s failed after its policy's %s refused to grow %s: %s",
			    name, what, cap, xwasm_instance_last_cap(pi->inst) == XWASM_CAP_TABLE_ELEMS ? "a table" :
			    "its memory or a table", trap.message);
	} else {
		*fault = XDPERF_FAULT_TRAP;
		xdperf_errf(err, errlen, "protocol %s: trap in %s: %s", name, what, trap.message);
	}
	return -EINVAL;
}

static void guest_free(struct xdperf_proto_instance *pi, uint32_t ptr)
{
	enum xdperf_proto_fault ignore_fault;
	xwasm_val a = i32(ptr);
	call(pi, pi->free, "free", &a, 1, NULL, 0, &ignore_fault, NULL, 0);
}

/* Makes sure the input buffer holds len bytes (reallocating it through alloc/free). */
static int input_buffer(struct xdperf_proto_instance *pi, uint32_t len, enum xdperf_proto_fault *fault,
			char *err, size_t errlen)
{
	if (pi->inbuf && pi->incap >= len)
		return 0;
	if (pi->inbuf)
		guest_free(pi, pi->inbuf);
	pi->inbuf = pi->incap = 0;
	/* a power of two from MIN_INPUT_BUF up, at most max_input (len <= max_input here) */
	uint32_t limit = pi->m->policy.max_input > MIN_INPUT_BUF ? pi->m->policy.max_input : MIN_INPUT_BUF;
	uint32_t cap = MIN_INPUT_BUF;
	while (cap < len && cap <= limit / 2)
		cap *= 2;
	if (cap < len)
		cap = limit;
	uint64_t refusals = xwasm_instance_cap_refusals(pi->inst);
	xwasm_val a = i32(cap), r;
	int rc = call(pi, pi->alloc, "alloc", &a, 1, &r, 1, fault, err, errlen);
	if (rc == -EINTR) /* say which message it was for */
		xdperf_errf(err, errlen, "protocol %s: handle was interrupted", pi->m->name);
	if (rc)
		return rc;
	uint32_t ptr = (uint32_t)r.of.i32;
	if (ptr == 0 || (uint64_t)ptr + cap > xwasm_memory_size(pi->mem)) {
		bool capped = xwasm_instance_cap_refusals(pi->inst) != refusals;
		*fault = capped ? XDPERF_FAULT_MEMORY : XDPERF_FAULT_ABI;
		char capn[96];
		cap_name(pi, capn, sizeof capn);
		if (capped)
			xdperf_errf(err, errlen, "protocol %s: alloc(%u) for the input failed: its policy's %s was reached",
				    pi->m->name, cap, capn);
		else
			xdperf_errf(err, errlen, "protocol %s: alloc(%u) for the input returned %u, %s", pi->m->name,
				    cap, ptr, ptr ? "outside its memory" : "a null pointer");
		return -EINVAL;
	}
	pi->inbuf = ptr;
	pi->incap = cap;
	return 0;
}

static int out_reserve(struct xdperf_proto_buf *out, size_t n)
{
	if (out->cap >= n && out->data)
		return 0;
	size_t cap = out->cap ? out->cap : 256;
	while (cap < n)
		cap *= 2;
	uint8_t *d = realloc(out->data, cap);
	if (!d)
		return -ENOMEM;
	out->data = d;
	out->cap = cap;
	return 0;
}

int xdperf_proto_instance_call(struct xdperf_proto_instance *pi, const void *in, size_t len,
			       struct xdperf_proto_buf *out, enum xdperf_proto_fault *fault,
			       char *err, size_t errlen)
{
	enum xdperf_proto_fault f_ignored;
	if (!fault)
		fault = &f_ignored;
	*fault = XDPERF_FAULT_NONE;
	out->len = 0;
	const struct xdperf_proto_policy *pol = &pi->m->policy;
	if (len > pol->max_input) {
		*fault = XDPERF_FAULT_INPUT;
		xdperf_errf(err, errlen, "protocol %s: message of %zu bytes is larger than its max_input (%u bytes)",
			    pi->m->name, len, pol->max_input);
		return -E2BIG;
	}
	int rc = input_buffer(pi, (uint32_t)len, fault, err, errlen);
	if (rc)
		return rc;
	if (len && xwasm_memory_write(pi->mem, pi->inbuf, in, len)) {
		*fault = XDPERF_FAULT_ABI;
		xdperf_errf(err, errlen, "protocol %s: its input buffer [%u, +%zu) is outside its memory",
			    pi->m->name, pi->inbuf, len);
		return -EINVAL;
	}
	xwasm_val args[2] = { i32(pi->inbuf), i32((uint32_t)len) }, res[2];
	rc = call(pi, pi->handle, "handle", args, 2, res, pi->m->packed ? 1 : 2, fault, err, errlen);
	if (rc)
		return rc;
	uint32_t optr, olen;
	if (pi->m->packed) {
		optr = (uint32_t)((uint64_t)res[0].of.i64 >> 32);
		olen = (uint32_t)res[0].of.i64;
	} else {
		optr = (uint32_t)res[0].of.i32;
		olen = (uint32_t)res[1].of.i32;
	}
	/* an answer starting in the input buffer is never freed: that buffer stays the host's */
	bool in_input = optr >= pi->inbuf && optr < (uint64_t)pi->inbuf + pi->incap;
	if (olen > pol->max_output) {
		*fault = XDPERF_FAULT_OUTPUT;
		xdperf_errf(err, errlen, "protocol %s: answer of %u bytes is larger than its max_output (%u bytes)",
			    pi->m->name, olen, pol->max_output);
		rc = -E2BIG;
	} else if ((uint64_t)optr + olen > xwasm_memory_size(pi->mem)) {
		*fault = XDPERF_FAULT_OUTPUT;
		xdperf_errf(err, errlen, "protocol %s: handle returned the output range [%u, +%u), outside its "
			    "memory (%llu bytes)", pi->m->name, optr, olen,
			    (unsigned long long)xwasm_memory_size(pi->mem));
		return -EINVAL; /* nothing there to free */
	} else if ((rc = out_reserve(out, olen)) == 0) {
		xwasm_memory_read(pi->mem, optr, out->data, olen);
		out->len = olen;
	} else {
		xdperf_errf(err, errlen, "protocol %s: out of memory copying a %u-byte answer", pi->m->name, olen);
	}
	if (!in_input && optr) {
		/* free is part of the call: a free that traps or burns its fuel fails the call (its
		 * answer dropped) and is counted as the fault it is */
		xwasm_val a = i32(optr);
		enum xdperf_proto_fault ff = XDPERF_FAULT_NONE;
		char ferr[300];
		int frc = call(pi, pi->free, "free", &a, 1, NULL, 0, &ff, ferr, sizeof ferr);
		if (frc && !rc) {
			*fault = ff;
			xdperf_errf(err, errlen, "%s", ferr);
			out->len = 0;
			rc = frc;
		}
	}
	return rc;
}

uint64_t xdperf_proto_instance_memory(const struct xdperf_proto_instance *pi)
{
	return xwasm_instance_bytes(pi->inst) + sizeof *pi + 16u;
}

uint64_t xdperf_proto_module_bytes(const struct xdperf_proto_module *m)
{
	return xwasm_module_bytes(m->mod) + sizeof *m + 16u;
}

/* ---- instances ----------------------------------------------------------------------------- */

int xdperf_proto_instance_new(struct xdperf_proto_module *m, struct xdperf_proto_instance **out,
			      char *err, size_t errlen)
{
	return xdperf_proto_instance_new_worker(m, XDPERF_WORKER_NONE, out, err, errlen);
}

int xdperf_proto_instance_new_worker(struct xdperf_proto_module *m, int32_t worker,
				     struct xdperf_proto_instance **out, char *err, size_t errlen)
{
	*out = NULL;
	struct xdperf_proto_instance *pi = calloc(1, sizeof *pi);
	if (!pi)
		return -ENOMEM;
	pi->m = m;
	pi->src.worker = worker;
	pi->src.instance = atomic_fetch_add(&instance_serial, 1) + 1;
	struct xwasm_instance_opts io;
	instance_opts(m, &pi->src, &io);
	struct xwasm_trap trap;
	char msg[256];
	pthread_mutex_lock(&m->lock);
	int rc = xwasm_instance_new(m->mod, m->linker, &io, &pi->inst, &trap, msg, sizeof msg);
	pthread_mutex_unlock(&m->lock);
	if (rc == XWASM_ETRAP && trap.kind == XWASM_TRAP_INTERRUPTED) {
		xdperf_errf(err, errlen, "protocol %s: its start function was interrupted", m->name);
		free(pi);
		return -EINTR;
	}
	if (rc == -EFBIG) {
		xdperf_errf(err, errlen, "protocol %s: cannot instantiate: %s (the policy's max_instance_bytes %llu, "
			    "max_table_elems %u)", m->name, msg, (unsigned long long)m->policy.max_instance_bytes,
			    m->policy.max_table_elems);
		free(pi);
		return rc;
	}
	if (rc) {
		xdperf_errf(err, errlen, "protocol %s: cannot instantiate: %s", m->name, msg);
		free(pi);
		return rc == XWASM_ETRAP ? -EINVAL : rc;
	}
	pi->mem = xwasm_instance_memory(pi->inst, "memory");
	pi->handle = xwasm_instance_func(pi->inst, "handle");
	pi->alloc = xwasm_instance_func(pi->inst, "alloc");
	pi->free = xwasm_instance_func(pi->inst, "free");
	xwasm_func *init = xwasm_instance_func(pi->inst, "_initialize");
	enum xdperf_proto_fault fault;
	if (init && (rc = call(pi, init, "_initialize", NULL, 0, NULL, 0, &fault, err, errlen))) {
		xdperf_proto_instance_free(pi); /* _initialize may have reported metrics */
		return rc;
	}
	*out = pi;
	return 0;
}

void xdperf_proto_instance_free(struct xdperf_proto_instance *pi)
{
	if (!pi)
		return;
	const struct xdperf_host_sink *s = &pi->m->sink;
	if (s->metric_src) /* its metric values end here */
		s->metric_src(s->metric_ctx, s->name, NULL, 0, 0, &pi->src);
	xwasm_instance_free(pi->inst);
	free(pi);
}
