/* Instantiation: import resolution and matching, allocation of memories, tables and
 * globals, segment initialisation and the start function; export lookup; teardown. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"
#include "util/opts.h"

#define DEFAULT_DEPTH 10000u
#define DEFAULT_STACK (1u << 20)

static const char *kind_name(uint8_t k)
{
	static const char *n[] = { "func", "table", "memory", "global", "tag" };
	return k < 5 ? n[k] : "extern";
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Describes an import's expected type, e.g. "func (i32, i64) -> (f32)". */
static void describe_import(const xw_module *m, const xw_import *imp, char *buf, size_t len)
{
	size_t o = 0;
	switch (imp->kind) {
	case XWASM_EXTERN_FUNC: {
		const xw_functype *t = &m->types[imp->u.typeidx];
		o += snprintf(buf + o, len - o, "func (");
		for (uint32_t i = 0; i < t->nparams && o < len; i++)
			o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "", xwasm_valtype_str(t->params[i]));
		if (o < len)
			o += snprintf(buf + o, len - o, ") -> (");
		for (uint32_t i = 0; i < t->nresults && o < len; i++)
			o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "", xwasm_valtype_str(t->results[i]));
		if (o < len)
			snprintf(buf + o, len - o, ")");
		break;
	}
	case XWASM_EXTERN_GLOBAL:
		snprintf(buf, len, "global %s%s", imp->u.global.mutable_ ? "mut " : "",
			 xwasm_valtype_str(imp->u.global.valtype));
		break;
	case XWASM_EXTERN_TAG:
		snprintf(buf, len, "tag");
		break;
	case XWASM_EXTERN_TABLE:
		snprintf(buf, len, "table %s min %llu", xwasm_valtype_str(imp->u.table.elemtype),
			 (unsigned long long)imp->u.table.limits.min);
		break;
	default:
		snprintf(buf, len, "memory%s%s min %llu pages", imp->u.mem.is64 ? " i64" : "",
			 imp->u.mem.shared ? " shared" : "",
			 (unsigned long long)imp->u.mem.min);
	}
}

static bool limits_match(uint64_t size, bool has_max, uint64_t max, const xw_limits *want)
{
	if (size < want->min)
		return false;
	if (want->has_max && (!has_max || max > want->max))
		return false;
	return true;
}

static int resolve_import(xwasm_instance *inst, xwasm_linker *l, uint32_t i, uint32_t *counters,
			  char *err, size_t errlen)
{
	const xw_module *m = inst->mod;
	const xw_import *imp = &m->imports[i];
	struct xw_extern ext;
	char desc[160];
	int rc = xw_linker_lookup(l, imp->module, imp->name, &ext);
	if (rc) {
		if (imp->kind == XWASM_EXTERN_FUNC) {
			struct xwasm_import_info info;
			xw_fill_import_info(m, imp, &info);
			xwasm_host_fn fn;
			void *user = NULL;
			if (xw_linker_resolve(l, &info, &fn, &user) == 0) {
				memset(&ext, 0, sizeof ext);
				ext.kind = XWASM_EXTERN_FUNC;
				ext.host_type = &m->types[imp->u.typeidx];
				ext.host_fn = fn;
				ext.host_user = user;
				rc = 0;
			}
		}
		if (rc) {
			describe_import(m, imp, desc, sizeof desc);
			set_err(err, errlen, "unknown import: %s.%s (%s)", imp->module, imp->name, desc);
			return -ENOENT;
		}
	}
	bool ok = ext.kind == imp->kind;
	switch (ok ? imp->kind : 0xff) {
	case XWASM_EXTERN_FUNC: {
		uint32_t fi = counters[0]++;
		const xw_functype *want = &m->types[imp->u.typeidx];
		if (ext.host_fn) {
			ok = xw_functype_eq(ext.host_type, want);
			xwasm_func *f = &inst->own_funcs[fi];
			f->type = want;
			f->inst = NULL;
			f->code = NULL;
			f->host = ext.host_fn;
			f->host_user = ext.host_user;
			f->index = fi;
			inst->funcs[fi] = f;
		} else {
			ok = ext.func && xw_functype_eq(ext.func->type, want);
			inst->funcs[fi] = ext.func;
		}
		break;
	}
	case XWASM_EXTERN_TABLE: {
		xwasm_table *t = ext.table;
		ok = t->elemtype == imp->u.table.elemtype &&
		     limits_match(t->size, t->has_max, t->max, &imp->u.table.limits);
		inst->tables[counters[1]++] = t;
		break;
	}
	case XWASM_EXTERN_MEMORY: {
		xwasm_memory *mm = ext.mem;
		ok = mm->is64 == imp->u.mem.is64 && mm->shared == imp->u.mem.shared &&
		     limits_match(mm->pages, mm->has_max, mm->decl_max, &imp->u.mem);
		inst->mems[counters[2]++] = mm;
		inst->mem = inst->mems[0];
		break;
	}
	case XWASM_EXTERN_GLOBAL: {
		xwasm_global *g = ext.global;
		ok = g->type == imp->u.global.valtype && g->mutable_ == imp->u.global.mutable_;
		inst->globals[counters[3]++] = g;
		break;
	}
	case XWASM_EXTERN_TAG: {
		/* exception handling: the same tag object (identity), of the same type */
		struct xw_tag *tg = ext.tag;
		ok = tg && xw_functype_eq(tg->type, &m->types[imp->u.typeidx]);
		inst->tags[counters[4]++] = tg;
		break;
	}
	default:
		ok = false;
	}
	if (!ok) {
		describe_import(m, imp, desc, sizeof desc);
		set_err(err, errlen, "incompatible import type: %s.%s: expected %s, got a %s%s",
			imp->module, imp->name, desc, kind_name(ext.kind),
			ext.kind == imp->kind ? " of another type or size" : "");
		return -EINVAL;
	}
	return 0;
}

static uint64_t eval_const(const xwasm_instance *inst, const xw_constexpr *e)
{
	switch (e->op) {
	case XW_CONST_I32: return (uint32_t)e->bits;
	case XW_CONST_F32: return (uint32_t)e->bits;
	case XW_CONST_I64:
	case XW_CONST_F64: return e->bits;
	case XW_CONST_REF_NULL: return 0;
	case XW_CONST_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[e->index];
	case XW_CONST_GLOBAL_GET: return inst->globals[e->index]->value;
	case XW_CONST_V128: return e->bits;
	case XW_CONST_EXPR: return xw_const_eval_seq(inst, e);
	}
	return 0;
}

/* The high 8 bytes of a v128 constant expression's value (0 for other types). */
static uint64_t eval_const_hi(const xwasm_instance *inst, const xw_constexpr *e)
{
	if (e->op == XW_CONST_V128)
		return e->bits_hi;
	if (e->op == XW_CONST_GLOBAL_GET)
		return inst->globals[e->index]->value_hi;
	return 0;
}

/* Charges what instantiation allocates to the instance's account; -EFBIG with the message
 * (naming `what` and the cap) when a cap refuses it. */
__attribute__((format(printf, 6, 7)))
static int charge(xwasm_instance *inst, uint64_t bytes, uint64_t elems, char *err, size_t errlen,
		  const char *what_fmt, ...)
{
	if (xw_account_charge(&inst->acct, bytes, elems))
		return 0;
	char what[96];
	va_list ap;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof what, what_fmt, ap);
	va_end(ap);
	const struct xw_account *a = &inst->acct;
	if (a->last == XWASM_CAP_TABLE_ELEMS)
		set_err(err, errlen, "%s: its tables would hold %llu entries, over the limit of %llu table "
			"entries per instance", what, (unsigned long long)(a->table_elems + elems),
			(unsigned long long)a->max_table_elems);
	else
		set_err(err, errlen, "%s: the instance would hold %llu bytes, over its limit of %llu bytes",
			what, (unsigned long long)(a->bytes + bytes), (unsigned long long)a->max_bytes);
	return -EFBIG;
}

/* Bytes of one allocation of n elements of elsz bytes as the account counts it. */
static uint64_t vec_bytes(uint64_t n, size_t elsz)
{
	return (n ? n : 1) * elsz + XW_ALLOC_OVERHEAD;
}

/* Sets the instance's limits from opts (defaults filled in). */
static void set_limits(xwasm_instance *inst, const xw_module *m, const struct xwasm_instance_opts *opts)
{
	inst->mod = m;
	xdperf_opts_copy(&inst->opts, sizeof inst->opts, opts);
	if (!inst->opts.max_call_depth)
		inst->opts.max_call_depth = DEFAULT_DEPTH;
	if (!inst->opts.stack_slots)
		inst->opts.stack_slots = DEFAULT_STACK;
	if (!inst->opts.max_memory_pages || inst->opts.max_memory_pages > XW_MAX_PAGES)
		inst->opts.max_memory_pages = XW_MAX_PAGES;
	inst->ex.max_depth = inst->opts.max_call_depth;
	inst->ex.acct = &inst->acct;
	inst->ex.stack_slots = inst->opts.stack_slots;
	inst->acct.max_bytes = inst->opts.max_bytes;
	inst->acct.max_table_elems = inst->opts.max_table_elems && inst->opts.max_table_elems < XW_MAX_TABLE ?
				     inst->opts.max_table_elems : XW_MAX_TABLE;
}

/* Charges, in order, everything instantiation allocates for the instance, before any of it is
 * allocated: its structures, the stacks (mapped at the first call, counted in full now), the
 * tables and memory it defines and its element segments' references. 0, or -EFBIG with the
 * message naming what went over which cap. */
static int charge_all(xwasm_instance *inst, char *err, size_t errlen)
{
	const xw_module *m = inst->mod;
	uint64_t structs = sizeof *inst + XW_ALLOC_OVERHEAD +
			   vec_bytes(m->nfuncs + 1, sizeof *inst->funcs) + vec_bytes(m->nfuncs + 1, sizeof *inst->own_funcs) +
			   vec_bytes(m->ntables + 1, sizeof *inst->tables) + vec_bytes(m->ntables + 1, sizeof *inst->own_tables) +
			   vec_bytes(m->nglobals + 1, sizeof *inst->globals) +
			   vec_bytes(m->nmems + 1, sizeof *inst->mems) + vec_bytes(m->nmems + 1, sizeof *inst->own_mems) +
			   vec_bytes(m->nglobals + 1, sizeof *inst->own_globals) +
			   vec_bytes(m->nelems + 1, sizeof *inst->elem_sizes) + vec_bytes(m->nelems + 1, sizeof *inst->elem_items) +
			   vec_bytes(m->ndatas + 1, sizeof *inst->data_sizes) +
			   vec_bytes(m->ntags + 1, sizeof *inst->tags) + vec_bytes(m->ntags + 1, sizeof *inst->own_tags);
	int rc = charge(inst, structs, 0, err, errlen, "its functions, tables and globals (%u, %u, %u)",
			m->nfuncs, m->ntables, m->nglobals);
	if (rc)
		return rc;
	uint64_t stacks = (uint64_t)inst->ex.stack_slots * sizeof(uint64_t) +
			  ((uint64_t)inst->ex.max_depth + 1) * sizeof(struct xw_frame);
	if ((rc = charge(inst, stacks, 0, err, errlen, "its value and frame stacks (%u slots, %u frames)",
			 inst->ex.stack_slots, inst->ex.max_depth)))
		return rc;
	for (uint32_t i = m->nimported_tables; i < m->ntables; i++) {
		uint64_t min = m->tables[i].limits.min;
		if ((rc = charge(inst, vec_bytes(min, sizeof(void *)), min, err, errlen, "table %u of %llu entries",
				 i, (unsigned long long)min)))
			return rc;
	}
	for (uint32_t i = m->nimported_mems; i < m->nmems; i++) {
		const xw_limits *l = &m->mems[i];
		if (l->min > inst->opts.max_memory_pages) {
			set_err(err, errlen, "memory of %llu pages exceeds the limit of %u pages",
				(unsigned long long)l->min, inst->opts.max_memory_pages);
			return -EFBIG;
		}
		if ((rc = charge(inst, l->min * XW_PAGE_SIZE, 0, err, errlen,
				 "memory of %llu pages", (unsigned long long)l->min)))
			return rc;
	}
	for (uint32_t i = 0; i < m->nelems; i++)
		if ((rc = charge(inst, vec_bytes(m->elems[i].count, sizeof(void *)), 0, err, errlen,
				 "element segment %u of %u entries", i, m->elems[i].count)))
			return rc;
	return 0;
}

int xwasm_module_instance_bytes(const xwasm_module *m, const struct xwasm_instance_opts *opts, uint64_t *bytes,
				char *err, size_t errlen)
{
	xwasm_instance *inst = calloc(1, sizeof *inst);
	if (!inst) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	set_limits(inst, m, opts);
	int rc = charge_all(inst, err, errlen);
	*bytes = inst->acct.bytes;
	free(inst);
	return rc;
}

static int alloc_instance(const xw_module *m, const struct xwasm_instance_opts *opts,
			  xwasm_instance **out, char *err, size_t errlen)
{
	xwasm_instance *inst = calloc(1, sizeof *inst);
	if (!inst)
		return -ENOMEM;
	*out = inst;
	set_limits(inst, m, opts);
	xw_fuel_set(&inst->ex, inst->opts.fuel);
	xw_interrupt_set(inst, inst->opts.interrupt);
	int rc = charge_all(inst, err, errlen);
	if (rc)
		return rc;
	inst->funcs = calloc(m->nfuncs + 1, sizeof *inst->funcs);
	inst->own_funcs = calloc(m->nfuncs + 1, sizeof *inst->own_funcs);
	inst->tables = calloc(m->ntables + 1, sizeof *inst->tables);
	inst->own_tables = calloc(m->ntables + 1, sizeof *inst->own_tables);
	inst->globals = calloc(m->nglobals + 1, sizeof *inst->globals);
	inst->own_globals = calloc(m->nglobals + 1, sizeof *inst->own_globals);
	inst->mems = calloc(m->nmems + 1, sizeof *inst->mems);
	inst->own_mems = calloc(m->nmems + 1, sizeof *inst->own_mems);
	inst->elem_sizes = calloc(m->nelems + 1, sizeof *inst->elem_sizes);
	inst->elem_items = calloc(m->nelems + 1, sizeof *inst->elem_items);
	inst->data_sizes = calloc(m->ndatas + 1, sizeof *inst->data_sizes);
	inst->tags = calloc(m->ntags + 1, sizeof *inst->tags);
	inst->own_tags = calloc(m->ntags + 1, sizeof *inst->own_tags);
	if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->own_tables || !inst->globals ||
	    !inst->own_globals || !inst->elem_sizes || !inst->elem_items || !inst->data_sizes ||
	    !inst->mems || !inst->own_mems || !inst->tags || !inst->own_tags) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Allocates defined functions, tables, memory and globals. */
static int define_entities(xwasm_instance *inst, char *err, size_t errlen)
{
	const xw_module *m = inst->mod;
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		xwasm_func *f = &inst->own_funcs[i];
		f->type = xw_func_type(m, i);
		f->inst = inst;
		f->code = &m->compiled[i - m->nimported_funcs];
		f->index = i;
		inst->funcs[i] = f;
	}
	for (uint32_t i = m->nimported_tables; i < m->ntables; i++) {
		const xw_tabletype *tt = &m->tables[i];
		xwasm_table *t = &inst->own_tables[i];
		uint32_t max = tt->limits.has_max ? (uint32_t)tt->limits.max : UINT32_MAX;
		if (xw_table_init(t, tt->elemtype, (uint32_t)tt->limits.min, max)) {
			set_err(err, errlen, "cannot allocate table %u of %llu elements", i,
				(unsigned long long)tt->limits.min);
			return -ENOMEM;
		}
		t->has_max = tt->limits.has_max;
		t->acct = &inst->acct;
		inst->tables[i] = t;
	}
	for (uint32_t i = m->nimported_mems; i < m->nmems; i++) {
		const xw_limits *l = &m->mems[i];
		uint32_t cap = inst->opts.max_memory_pages; /* min <= cap: charge_all checked */
		xwasm_memory *mm = &inst->own_mems[i];
		/* a 64-bit memory's maximum may pass XW_MAX_PAGES: clamped (cap <= XW_MAX_PAGES) */
		uint32_t max = !l->has_max || l->max > XW_MAX_PAGES ? XW_MAX_PAGES : (uint32_t)l->max;
		if (xw_memory_init(mm, (uint32_t)l->min, max, cap)) {
			set_err(err, errlen, "cannot allocate memory of %llu pages", (unsigned long long)l->min);
			return -ENOMEM;
		}
		mm->has_max = l->has_max;
		mm->is64 = l->is64;
		mm->shared = l->shared;
		if (l->has_max)
			mm->decl_max = l->max;
		mm->acct = &inst->acct;
		inst->mems[i] = mm;
	}
	inst->mem = m->nmems ? inst->mems[0] : NULL;
	for (uint32_t i = m->nimported_tags; i < m->ntags; i++) {
		struct xw_tag *tg = &inst->own_tags[i];
		tg->type = &m->types[m->tag_types[i]];
		tg->mod = m;
		tg->index = i;
		inst->tags[i] = tg;
	}
	for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
		xwasm_global *g = &inst->own_globals[i];
		g->type = m->globals[i].type.valtype;
		g->mutable_ = m->globals[i].type.mutable_;
		g->value = eval_const(inst, &m->globals[i].init);
		g->value_hi = eval_const_hi(inst, &m->globals[i].init);
		inst->globals[i] = g;
	}
	return 0;
}

/* Resolves element segment items and records live segment sizes. */
static int prepare_segments(xwasm_instance *inst, char *err, size_t errlen)
{
	const xw_module *m = inst->mod;
	for (uint32_t i = 0; i < m->nelems; i++) {
		const xw_elem *e = &m->elems[i];
		void **items = calloc(e->count ? e->count : 1, sizeof(void *));
		if (!items) {
			set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		for (uint32_t k = 0; k < e->count; k++)
			items[k] = (void *)(uintptr_t)eval_const(inst, &e->items[k]);
		inst->elem_items[i] = items;
		inst->elem_sizes[i] = e->mode == XW_SEG_DECLARATIVE ? 0 : e->count;
	}
	for (uint32_t i = 0; i < m->ndatas; i++)
		inst->data_sizes[i] = m->datas[i].size;
	return 0;
}

/* Runs active segment initialisation in order; a failure traps (earlier writes stay).
 * *shared_table is set to an imported table that received references to inst's functions. */
static int init_segments(xwasm_instance *inst, struct xwasm_trap *trap, xwasm_table **shared_table)
{
	const xw_module *m = inst->mod;
	for (uint32_t i = 0; i < m->nelems; i++) {
		const xw_elem *e = &m->elems[i];
		if (e->mode != XW_SEG_ACTIVE)
			continue;
		xwasm_table *t = inst->tables[e->table];
		uint64_t off = (uint32_t)eval_const(inst, &e->offset);
		if (off + e->count > t->size) {
			xw_trap_fill(&inst->ex, XWASM_TRAP_TABLE_OOB, NULL, 0, "element segment initialisation");
			if (trap)
				*trap = inst->ex.trap;
			return XWASM_ETRAP;
		}
		if (e->count) {
			memcpy(t->elems + off, inst->elem_items[i], (size_t)e->count * sizeof(void *));
			if (e->table < m->nimported_tables)
				*shared_table = t;
		}
		inst->elem_sizes[i] = 0;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const xw_data *d = &m->datas[i];
		if (d->mode != XW_SEG_ACTIVE)
			continue;
		xwasm_memory *mem = d->memory < m->nmems ? inst->mems[d->memory] : NULL;
		uint64_t off = eval_const(inst, &d->offset);
		if (mem && !mem->is64)
			off = (uint32_t)off;
		if (!mem || off > mem->size || d->size > mem->size - off) {
			xw_trap_fill(&inst->ex, XWASM_TRAP_MEMORY_OOB, NULL, 0, "data segment initialisation");
			if (trap)
				*trap = inst->ex.trap;
			return XWASM_ETRAP;
		}
		if (d->size)
			memcpy(mem->base + off, d->bytes, d->size);
		inst->data_sizes[i] = 0;
	}
	return 0;
}

int xwasm_instance_new(const xwasm_module *m, xwasm_linker *l, const struct xwasm_instance_opts *opts,
		       xwasm_instance **out, struct xwasm_trap *trap, char *err, size_t errlen)
{
	xwasm_instance *inst = NULL;
	*out = NULL;
	if (trap)
		memset(trap, 0, sizeof *trap);
	int rc = alloc_instance(m, opts, &inst, err, errlen);
	if (rc) {
		if (rc == -ENOMEM && inst == NULL)
			set_err(err, errlen, "out of memory");
		goto fail;
	}
	uint32_t counters[5] = { 0, 0, 0, 0, 0 };
	for (uint32_t i = 0; i < m->nimports; i++) {
		rc = resolve_import(inst, l, i, counters, err, errlen);
		if (rc)
			goto fail;
	}
	rc = define_entities(inst, err, errlen);
	if (rc)
		goto fail;
	rc = prepare_segments(inst, err, errlen);
	if (rc)
		goto fail;
	xwasm_table *shared = NULL;
	rc = init_segments(inst, trap, &shared);
	if (rc) {
		set_err(err, errlen, "instantiation trapped: %s", inst->ex.trap.message);
		/* functions already placed in a shared table must stay callable */
		if (shared && xw_table_retain(shared, inst) == 0)
			return rc;
		goto fail;
	}
	if (m->has_start) {
		uint64_t none[1];
		rc = xw_exec_invoke(inst, inst->funcs[m->start], none);
		if (rc) {
			if (trap)
				*trap = inst->ex.trap;
			set_err(err, errlen, "start function trapped: %s", inst->ex.trap.message);
			if (shared && xw_table_retain(shared, inst) == 0)
				return XWASM_ETRAP;
			rc = XWASM_ETRAP;
			goto fail;
		}
	}
	*out = inst;
	return 0;
fail:
	xwasm_instance_free(inst);
	return rc;
}

void xwasm_instance_free(xwasm_instance *inst)
{
	if (!inst)
		return;
	const xw_module *m = inst->mod;
	if (inst->own_tables)
		for (uint32_t i = m->nimported_tables; i < m->ntables; i++)
			xw_table_release(&inst->own_tables[i]);
	if (inst->own_mems)
		for (uint32_t i = m->nimported_mems; i < m->nmems; i++)
			xw_memory_release(&inst->own_mems[i]);
	free(inst->own_mems);
	free(inst->mems);
	if (inst->elem_items)
		for (uint32_t i = 0; i < m->nelems; i++)
			free(inst->elem_items[i]);
	free(inst->elem_items);
	free(inst->elem_sizes);
	free(inst->data_sizes);
	free(inst->funcs);
	free(inst->own_funcs);
	free(inst->tables);
	free(inst->own_tables);
	free(inst->globals);
	free(inst->own_globals);
	free(inst->tags);
	free(inst->own_tags);
	xw_exec_release(&inst->ex);
	free(inst);
}

const xwasm_module *xwasm_instance_module(const xwasm_instance *inst) { return inst->mod; }
void *xwasm_instance_user(const xwasm_instance *inst) { return inst->opts.user; }

/* ---- exports ---- */

int xw_instance_export(const xwasm_instance *inst, const char *name, struct xw_extern *out)
{
	const xw_module *m = inst->mod;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const xw_export *e = &m->exports[i];
		if (strcmp(e->name, name))
			continue;
		memset(out, 0, sizeof *out);
		out->kind = e->kind;
		switch (e->kind) {
		case XWASM_EXTERN_FUNC:
			out->func = inst->funcs[e->index];
			if (out->func->host) { /* re-exported host import */
				out->host_fn = out->func->host;
				out->host_user = out->func->host_user;
				out->host_type = out->func->type;
				out->func = NULL;
			}
			break;
		case XWASM_EXTERN_TABLE: out->table = inst->tables[e->index]; break;
		case XWASM_EXTERN_MEMORY: out->mem = inst->mems[e->index]; break;
		case XWASM_EXTERN_TAG: out->tag = inst->tags[e->index]; break;
		default: out->global = inst->globals[e->index]; break;
		}
		return 0;
	}
	return -ENOENT;
}

static const xw_export *find_export_n(const xwasm_instance *inst, const char *name, size_t len,
				      uint8_t kind)
{
	const xw_module *m = inst->mod;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == kind && m->exports[i].name_len == len &&
		    !memcmp(m->exports[i].name, name, len))
			return &m->exports[i];
	return NULL;
}

static const xw_export *find_export(const xwasm_instance *inst, const char *name, uint8_t kind)
{
	return find_export_n(inst, name, strlen(name), kind);
}

xwasm_func *xwasm_instance_func(const xwasm_instance *inst, const char *name)
{
	const xw_export *e = find_export(inst, name, XWASM_EXTERN_FUNC);
	return e ? inst->funcs[e->index] : NULL;
}

xwasm_func *xwasm_instance_func_n(const xwasm_instance *inst, const char *name, size_t len)
{
	const xw_export *e = find_export_n(inst, name, len, XWASM_EXTERN_FUNC);
	return e ? inst->funcs[e->index] : NULL;
}

xwasm_global *xwasm_instance_global_n(const xwasm_instance *inst, const char *name, size_t len)
{
	const xw_export *e = find_export_n(inst, name, len, XWASM_EXTERN_GLOBAL);
	return e ? inst->globals[e->index] : NULL;
}

xwasm_memory *xwasm_instance_memory(const xwasm_instance *inst, const char *name)
{
	const xw_export *e = find_export(inst, name, XWASM_EXTERN_MEMORY);
	return e ? inst->mems[e->index] : NULL;
}

xwasm_global *xwasm_instance_global(const xwasm_instance *inst, const char *name)
{
	const xw_export *e = find_export(inst, name, XWASM_EXTERN_GLOBAL);
	return e ? inst->globals[e->index] : NULL;
}

xwasm_table *xwasm_instance_table(const xwasm_instance *inst, const char *name)
{
	const xw_export *e = find_export(inst, name, XWASM_EXTERN_TABLE);
	return e ? inst->tables[e->index] : NULL;
}

xwasm_memory *xwasm_instance_memory0(const xwasm_instance *inst) { return inst->mem; }
