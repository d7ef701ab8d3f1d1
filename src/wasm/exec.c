/* Calling into an instance: argument checking, the execution stack, host function glue,
 * trap records and the per-call fuel budget. */
#include <errno.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"

const char *xwasm_valtype_str(uint8_t type)
{
	switch (type) {
	case XWASM_I32: return "i32";
	case XWASM_I64: return "i64";
	case XWASM_F32: return "f32";
	case XWASM_F64: return "f64";
	case XWASM_V128: return "v128";
	case XWASM_FUNCREF: return "funcref";
	case XWASM_EXTERNREF: return "externref";
	case XWASM_EXNREF: return "exnref";
	default: return "?";
	}
}

const char *xwasm_trap_kind_str(enum xwasm_trap_kind kind)
{
	switch (kind) {
	case XWASM_TRAP_NONE: return "no trap";
	case XWASM_TRAP_UNREACHABLE: return "unreachable";
	case XWASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
	case XWASM_TRAP_DIV_ZERO: return "integer divide by zero";
	case XWASM_TRAP_INT_OVERFLOW: return "integer overflow";
	case XWASM_TRAP_INVALID_CONV: return "invalid conversion to integer";
	case XWASM_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
	case XWASM_TRAP_UNDEFINED_ELEM: return "undefined element";
	case XWASM_TRAP_UNINIT_ELEM: return "uninitialized element";
	case XWASM_TRAP_TABLE_OOB: return "out of bounds table access";
	case XWASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
	case XWASM_TRAP_FUEL_EXHAUSTED: return "fuel exhausted";
	case XWASM_TRAP_HOST: return "host function failed";
	case XWASM_TRAP_EXIT: return "exit";
	case XWASM_TRAP_OOM: return "out of memory";
	case XWASM_TRAP_INTERRUPTED: return "interrupted";
	case XWASM_TRAP_EXCEPTION: return "uncaught exception";
	case XWASM_TRAP_NULL_EXNREF: return "null exception reference";
	case XWASM_TRAP_UNALIGNED_ATOMIC: return "unaligned atomic";
	case XWASM_TRAP_EXPECTED_SHARED: return "expected shared memory";
	case XWASM_TRAP_WAIT_FOREVER: return "wait would never return";
	}
	return "trap";
}

void xw_func_name(const xw_module *m, uint32_t idx, char *buf, size_t len)
{
	if (m && m->func_names && idx < m->nfuncs && m->func_names[idx]) {
		snprintf(buf, len, "%s", m->func_names[idx]);
		return;
	}
	if (m)
		for (uint32_t i = 0; i < m->nexports; i++)
			if (m->exports[i].kind == XWASM_EXTERN_FUNC && m->exports[i].index == idx) {
				snprintf(buf, len, "%s", m->exports[i].name);
				return;
			}
	snprintf(buf, len, "func[%u]", idx);
}

void xw_trap_fill(struct xw_exec *ex, int kind, const xw_module *m, uint32_t func_index,
		  const char *detail)
{
	struct xwasm_trap *t = &ex->trap;
	t->kind = kind;
	t->exit_code = 0;
	if (m)
		xw_func_name(m, func_index, t->func_name, sizeof t->func_name);
	else
		t->func_name[0] = 0;
	const char *what = xwasm_trap_kind_str(kind);
	if (t->func_name[0])
		snprintf(t->message, sizeof t->message, "%s%s%s in %s", what, detail ? ": " : "",
			 detail ? detail : "", t->func_name);
	else
		snprintf(t->message, sizeof t->message, "%s%s%s", what, detail ? ": " : "",
			 detail ? detail : "");
}

void xwasm_instance_set_trap(xwasm_instance *inst, enum xwasm_trap_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(inst->host_msg, sizeof inst->host_msg, fmt, ap);
	va_end(ap);
	(void)kind;
}

int xwasm_instance_exit(xwasm_instance *inst, int code)
{
	inst->exit_code = code;
	snprintf(inst->host_msg, sizeof inst->host_msg, "exit code %d", code);
	return XWASM_TRAP_EXIT;
}

/* host calls with more arguments or results allocate (this bounds the C stack of re-entry) */
#define MAX_HOST_ARGS 16

int xw_call_host(struct xw_exec *ex, xwasm_instance *caller, xwasm_func *f, uint64_t *slots)
{
	const xw_functype *t = f->type;
	xwasm_val sargs[MAX_HOST_ARGS], sres[MAX_HOST_ARGS];
	xwasm_val *args = sargs, *res = sres;
	if (t->nparams > MAX_HOST_ARGS)
		args = malloc(t->nparams * sizeof *args);
	if (t->nresults > MAX_HOST_ARGS)
		res = malloc(t->nresults * sizeof *res);
	if (!args || !res) {
		if (args != sargs)
			free(args);
		xw_trap_fill(ex, XWASM_TRAP_OOM, NULL, 0, "host call arguments");
		return XWASM_TRAP_OOM;
	}
	for (uint32_t i = 0, k = 0; i < t->nparams; k += xw_type_slots(t->params[i]), i++)
		args[i] = xw_slots_to_val(t->params[i], slots + k);
	static const uint64_t zero[2];
	for (uint32_t i = 0; i < t->nresults; i++)
		res[i] = xw_slots_to_val(t->results[i], zero);
	caller->host_msg[0] = 0;
	int r = f->host(caller, f->host_user, args, res);
	if (r == 0) {
		for (uint32_t i = 0, k = 0; i < t->nresults; k += xw_type_slots(t->results[i]), i++) {
			res[i].type = t->results[i];
			xw_val_to_slots(&res[i], slots + k);
		}
	} else {
		if (r < XWASM_TRAP_UNREACHABLE || r > XWASM_TRAP_WAIT_FOREVER)
			r = XWASM_TRAP_HOST;
		xw_trap_fill(ex, r, NULL, 0, NULL);
		if (caller->host_msg[0])
			snprintf(ex->trap.message, sizeof ex->trap.message, "%s", caller->host_msg);
		if (r == XWASM_TRAP_EXIT)
			ex->trap.exit_code = caller->exit_code;
	}
	if (args != sargs)
		free(args);
	if (res != sres)
		free(res);
	return r;
}

static int exec_invoke(xwasm_instance *inst, xwasm_func *f, uint64_t *args_results);

/* The value and frame stacks are mapped, not malloc'd: pages count in memory only once a
 * call reaches them (a zeroed heap block would be resident at once, and instances are many). */
static void *stack_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void xw_exec_release(struct xw_exec *ex)
{
	xw_exn_reset(ex);
	if (ex->stack)
		munmap(ex->stack, (size_t)ex->stack_slots * sizeof(uint64_t));
	if (ex->frames)
		munmap(ex->frames, ((size_t)ex->max_depth + 1) * sizeof(struct xw_frame));
	ex->stack = NULL;
	ex->frames = NULL;
}

static int ensure_stack(struct xw_exec *ex)
{
	if (ex->stack)
		return 0;
	ex->stack = stack_map((size_t)ex->stack_slots * sizeof(uint64_t));
	ex->frames = stack_map(((size_t)ex->max_depth + 1) * sizeof(struct xw_frame));
	if (!ex->stack || !ex->frames) {
		xw_exec_release(ex);
		return -ENOMEM;
	}
	ex->stack_end = ex->stack + ex->stack_slots;
	ex->sp = ex->stack;
	return 0;
}

/* Host functions may call back into guests (re-entrancy), which recurses on the C stack of
 * the calling thread. That recursion is bounded per thread: at most XW_MAX_NESTING nested
 * entries and XW_MAX_NATIVE_STACK bytes of C stack between the outermost and the newest
 * (guest-to-guest calls never use the C stack). Per-thread because the C stack is. */
#define XW_MAX_NESTING 1000
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define XW_ASAN 1
#elif defined(__has_feature)      /* clang */
#if __has_feature(address_sanitizer)
#define XW_ASAN 1
#endif
#endif
#ifdef XW_ASAN
/* sanitizer builds have much larger frames: the interpreter's run() takes about 8 KiB of
 * stack there (592 bytes at -O2), so 200 nested host re-entries need more than 2 MiB */
#define XW_MAX_NATIVE_STACK (4096u * 1024u)
#else
#define XW_MAX_NATIVE_STACK (512u * 1024u)
#endif
static _Thread_local uint32_t nesting;
static _Thread_local uintptr_t native_stack_base;

int xw_exec_invoke(xwasm_instance *inst, xwasm_func *f, uint64_t *args_results)
{
	struct xw_exec *ex = &inst->ex;
	char here;
	if (nesting == 0) {
		native_stack_base = (uintptr_t)&here;
	} else if (nesting >= XW_MAX_NESTING ||
		   native_stack_base - (uintptr_t)&here > XW_MAX_NATIVE_STACK) {
		xw_trap_fill(ex, XWASM_TRAP_STACK_EXHAUSTED, NULL, 0, "host re-entry nested too deeply");
		return XWASM_TRAP_STACK_EXHAUSTED;
	}
	nesting++;
	int r = exec_invoke(inst, f, args_results);
	nesting--;
	return r;
}

static int exec_invoke(xwasm_instance *inst, xwasm_func *f, uint64_t *args_results)
{
	struct xw_exec *ex = &inst->ex;
	if (ensure_stack(ex)) {
		xw_trap_fill(ex, XWASM_TRAP_OOM, NULL, 0, "execution stack");
		return XWASM_TRAP_OOM;
	}
	bool outermost = ex->depth == 0;
	if (outermost) {
		xw_exn_reset(ex); /* the exnrefs of the previous call are no longer reachable */
		ex->sp = ex->stack;
		xw_fuel_start(ex);
	}
	if (xw_interrupted(ex)) { /* level-triggered: a call started while raised ends at once */
		xw_trap_fill(ex, XWASM_TRAP_INTERRUPTED, f->code ? f->inst->mod : NULL, f->index, NULL);
		return XWASM_TRAP_INTERRUPTED;
	}
	const xw_functype *t = f->type;
	uint32_t np = xw_types_slots(t->params, t->nparams), nr = xw_types_slots(t->results, t->nresults);
	uint32_t n = np > nr ? np : nr;
	uint64_t *base = ex->sp;
	if (base + n + 1 > ex->stack_end) {
		xw_trap_fill(ex, XWASM_TRAP_STACK_EXHAUSTED, NULL, 0, NULL);
		return XWASM_TRAP_STACK_EXHAUSTED;
	}
	memcpy(base, args_results, (size_t)np * 8);
	uint64_t *saved_sp = ex->sp;
	int r;
	if (f->code) {
		r = xw_interp_call(ex, f, base);
	} else {
		ex->sp = base + n;
		r = xw_call_host(ex, inst, f, base);
	}
	ex->sp = saved_sp;
	if (r == 0)
		memcpy(args_results, base, (size_t)nr * 8);
	return r;
}

int xwasm_call(xwasm_instance *inst, xwasm_func *f, const xwasm_val *args, uint32_t nargs,
	       xwasm_val *results, uint32_t nresults, struct xwasm_trap *trap)
{
	if (!inst || !f)
		return -EINVAL;
	const xw_functype *t = f->type;
	if (nargs != t->nparams || nresults < t->nresults) {
		if (trap) {
			memset(trap, 0, sizeof *trap);
			snprintf(trap->message, sizeof trap->message,
				 "wrong number of arguments or results: function takes %u and returns %u",
				 t->nparams, t->nresults);
		}
		return -EINVAL;
	}
	uint32_t np = xw_types_slots(t->params, t->nparams), nr = xw_types_slots(t->results, t->nresults);
	uint32_t n = np > nr ? np : nr;
	uint64_t small[16];
	uint64_t *slots = n <= 16 ? small : malloc((size_t)n * 8);
	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0, k = 0; i < nargs; k += xw_type_slots(t->params[i]), i++) {
		if (args[i].type != t->params[i]) {
			if (trap) {
				memset(trap, 0, sizeof *trap);
				snprintf(trap->message, sizeof trap->message,
					 "argument %u has the wrong type", i);
			}
			if (slots != small)
				free(slots);
			return -EINVAL;
		}
		xw_val_to_slots(&args[i], slots + k);
	}
	int r = xw_exec_invoke(inst, f, slots);
	if (r == 0) {
		for (uint32_t i = 0, k = 0; i < t->nresults; k += xw_type_slots(t->results[i]), i++)
			results[i] = xw_slots_to_val(t->results[i], slots + k);
	} else if (trap) {
		*trap = inst->ex.trap;
	}
	if (slots != small)
		free(slots);
	return r ? XWASM_ETRAP : 0;
}

void xwasm_instance_set_fuel(xwasm_instance *inst, uint64_t fuel)
{
	xw_fuel_set(&inst->ex, fuel);
}

uint64_t xwasm_instance_fuel_used(const xwasm_instance *inst)
{
	const struct xw_exec *ex = &inst->ex;
	uint64_t left = (uint64_t)ex->fuel_reserve + (ex->fuel < 0 ? 0 : (uint64_t)ex->fuel);
	return ex->fuel_start - left;
}

void xwasm_func_type(const xwasm_func *f, const uint8_t **params, uint32_t *nparams,
		     const uint8_t **results, uint32_t *nresults)
{
	*params = f->type->params;
	*nparams = f->type->nparams;
	*results = f->type->results;
	*nresults = f->type->nresults;
}

/* ---- globals ---- */

xwasm_global *xwasm_global_new(xwasm_val init, bool mutable_)
{
	xwasm_global *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->type = init.type;
	g->mutable_ = mutable_;
	uint64_t s[2] = { 0, 0 };
	xw_val_to_slots(&init, s);
	g->value = s[0];
	g->value_hi = s[1];
	return g;
}

void xwasm_global_free(xwasm_global *g) { free(g); }

xwasm_val xwasm_global_get(const xwasm_global *g)
{
	uint64_t s[2] = { g->value, g->value_hi };
	return xw_slots_to_val(g->type, s);
}

int xwasm_global_set(xwasm_global *g, xwasm_val v)
{
	if (!g->mutable_)
		return -EPERM;
	if (v.type != g->type)
		return -EINVAL;
	uint64_t s[2] = { 0, 0 };
	xw_val_to_slots(&v, s);
	g->value = s[0];
	g->value_hi = s[1];
	return 0;
}

uint8_t xwasm_global_type(const xwasm_global *g) { return g->type; }
bool xwasm_global_mutable(const xwasm_global *g) { return g->mutable_; }
