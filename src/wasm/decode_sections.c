/* Known sections of the binary format (ids 1-12) and module-level validation of their contents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/opcodes.h"
#include "wasm/decode_int.h"

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

/* calloc of n elements (at least one, so that an empty vector is not NULL-vs-error ambiguous),
 * counted against the module's cap; NULL means return xw_dec_nomem(d). */
static void *alloc_vec(xw_dec *d, size_t n, size_t elsz)
{
	if (!xw_dec_charge(d, (uint64_t)(n ? n : 1) * elsz))
		return NULL;
	return calloc(n ? n : 1, elsz);
}

/* ---- types, imports, index spaces --------------------------------------------------------- */

static int valtype_vec(xw_dec *d, uint32_t *n, const uint8_t **start)
{
	uint8_t t;
	TRY(xw_dec_count(d, n, 1));
	*start = d->p;
	for (uint32_t i = 0; i < *n; i++)
		TRY(xw_dec_valtype(d, &t));
	return 0;
}

static int functype(xw_dec *d, xw_functype *ft)
{
	const uint8_t *at = d->p, *params, *results;
	uint32_t np, nr;
	uint8_t form;
	TRY(xw_dec_u8(d, &form));
	if (form & 0x80)
		return xw_dec_malformed(d, at, "integer representation too long (function type form)");
	if (form != 0x60)
		return xw_dec_malformed(d, at, "malformed function type 0x%02x (expected 0x60)", form);
	TRY(valtype_vec(d, &np, &params));
	TRY(valtype_vec(d, &nr, &results));
	ft->types = xw_dec_charge(d, (uint64_t)np + nr + 1) ? malloc((size_t)np + nr + 1) : NULL;
	if (!ft->types)
		return xw_dec_nomem(d);
	memcpy(ft->types, params, np);
	memcpy(ft->types + np, results, nr);
	ft->nparams = np;
	ft->nresults = nr;
	ft->params = ft->types;
	ft->results = ft->types + np;
	return 0;
}

static int type_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n;
	TRY(xw_dec_count(d, &n, 1));
	if (!(m->types = alloc_vec(d, n, sizeof(*m->types))))
		return xw_dec_nomem(d);
	m->ntypes = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(functype(d, &m->types[i]));
	return 0;
}

static void check_min_max(xw_dec *d, const uint8_t *at, const xw_limits *l)
{
	if (l->has_max && l->min > l->max)
		xw_dec_invalid(d, at, "size minimum must not be greater than maximum");
}

static int tabletype(xw_dec *d, xw_tabletype *t)
{
	TRY(xw_dec_reftype(d, &t->elemtype));
	const uint8_t *at = d->p;
	TRY(xw_dec_limits(d, &t->limits));
	if (t->limits.is64)
		return xw_dec_unsupported(d, at, "table64: 64-bit table indexes (limits flags 0x04/0x05)");
	if (t->limits.shared)
		return xw_dec_malformed(d, at, "tables cannot be shared (limits flags 0x02/0x03)");
	check_min_max(d, at, &t->limits);
	return 0;
}

static int memtype(xw_dec *d, xw_limits *l)
{
	const uint8_t *at = d->p;
	TRY(xw_dec_limits(d, l));
	if (l->is64 && (l->min > XW_MAX_PAGES64 || (l->has_max && l->max > XW_MAX_PAGES64)))
		xw_dec_invalid(d, at, "memory size must be at most 2^48 pages (16 EiB)");
	else if (!l->is64 && (l->min > XW_MAX_PAGES || (l->has_max && l->max > XW_MAX_PAGES)))
		xw_dec_invalid(d, at, "memory size must be at most 65536 pages (4GiB)");
	else if (l->shared && !l->has_max)
		xw_dec_invalid(d, at, "shared memory must have maximum");
	else
		check_min_max(d, at, l);
	return 0;
}

static int globaltype(xw_dec *d, xw_globaltype *g)
{
	const uint8_t *at = d->p;
	uint8_t mut;
	TRY(xw_dec_valtype(d, &g->valtype));
	if (g->valtype == XWASM_EXNREF)
		return xw_dec_unsupported(d, at, "exception handling: a global of type exnref");
	at = d->p;
	TRY(xw_dec_u8(d, &mut));
	if (mut > 1)
		return xw_dec_malformed(d, at, "malformed mutability 0x%02x", mut);
	g->mutable_ = mut;
	return 0;
}

static int typeidx(xw_dec *d, uint32_t *out)
{
	const uint8_t *at = d->p;
	TRY(xw_dec_u32(d, out));
	if (*out >= d->m->ntypes)
		xw_dec_invalid(d, at, "unknown type %u", *out);
	return 0;
}

/* Exception handling: a tag type, attribute 0 (exception) and a function type index whose
 * results must be empty. */
static int tagtype(xw_dec *d, uint32_t *out)
{
	const uint8_t *at = d->p;
	uint8_t attr;
	TRY(xw_dec_u8(d, &attr));
	if (attr != 0)
		return xw_dec_malformed(d, at, "malformed tag attribute 0x%02x", attr);
	at = d->p;
	TRY(typeidx(d, out));
	if (*out < d->m->ntypes && d->m->types[*out].nresults)
		xw_dec_invalid(d, at, "non-empty tag result type");
	return 0;
}

static int import_entry(xw_dec *d, xw_import *im)
{
	const uint8_t *at;
	TRY(xw_dec_name(d, &im->module, NULL, NULL));
	TRY(xw_dec_name(d, &im->name, NULL, NULL));
	at = d->p;
	TRY(xw_dec_u8(d, &im->kind));
	switch (im->kind) {
	case XWASM_EXTERN_FUNC:
		return typeidx(d, &im->u.typeidx);
	case XWASM_EXTERN_TABLE:
		return tabletype(d, &im->u.table);
	case XWASM_EXTERN_MEMORY:
		return memtype(d, &im->u.mem);
	case XWASM_EXTERN_GLOBAL:
		return globaltype(d, &im->u.global);
	case XWASM_EXTERN_TAG:
		if (xw_feature(d->m, XWASM_FEATURE_EXCEPTIONS))
			return tagtype(d, &im->u.typeidx);
		return xw_dec_unsupported(d, at, "exception handling (tag import, kind 4)");
	default:
		return xw_dec_malformed(d, at, "malformed import kind %u", im->kind);
	}
}

static void check_one_memory(xw_dec *d, const uint8_t *at)
{
	if (d->m->nmems > 1 && !xw_feature(d->m, XWASM_FEATURE_MULTI_MEMORY))
		xw_dec_invalid(d, at, "multiple memories");
}

/* Creates the imported part of the four index spaces. */
static int import_index_spaces(xw_dec *d, const uint8_t *at)
{
	xw_module *m = d->m;
	uint32_t cnt[5] = { 0 };
	for (uint32_t i = 0; i < m->nimports; i++)
		cnt[m->imports[i].kind]++;
	TRY(xw_dec_grow(d, (void **)&m->func_types, &m->nfuncs, cnt[0], sizeof(*m->func_types)));
	TRY(xw_dec_grow(d, (void **)&m->tables, &m->ntables, cnt[1], sizeof(*m->tables)));
	TRY(xw_dec_grow(d, (void **)&m->mems, &m->nmems, cnt[2], sizeof(*m->mems)));
	TRY(xw_dec_grow(d, (void **)&m->globals, &m->nglobals, cnt[3], sizeof(*m->globals)));
	TRY(xw_dec_grow(d, (void **)&m->tag_types, &m->ntags, cnt[4], sizeof(*m->tag_types)));
	m->nimported_funcs = m->nimported_tables = m->nimported_mems = m->nimported_globals = 0;
	m->nimported_tags = 0;
	for (uint32_t i = 0; i < m->nimports; i++) {
		const xw_import *im = &m->imports[i];
		switch (im->kind) {
		case XWASM_EXTERN_FUNC:
			m->func_types[m->nimported_funcs++] = im->u.typeidx;
			break;
		case XWASM_EXTERN_TABLE:
			m->tables[m->nimported_tables++] = im->u.table;
			break;
		case XWASM_EXTERN_MEMORY:
			m->mems[m->nimported_mems++] = im->u.mem;
			break;
		case XWASM_EXTERN_TAG:
			m->tag_types[m->nimported_tags++] = im->u.typeidx;
			break;
		default:
			m->globals[m->nimported_globals++].type = im->u.global;
			break;
		}
	}
	check_one_memory(d, at);
	return 0;
}

static int import_section(xw_dec *d)
{
	xw_module *m = d->m;
	const uint8_t *at = d->p;
	uint32_t n;
	TRY(xw_dec_count(d, &n, 1));
	if (!(m->imports = alloc_vec(d, n, sizeof(*m->imports))))
		return xw_dec_nomem(d);
	m->nimports = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(import_entry(d, &m->imports[i]));
	return import_index_spaces(d, at);
}

/* ---- function, table, memory sections ----------------------------------------------------- */

static int function_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n, first = m->nfuncs;
	TRY(xw_dec_count(d, &n, 1));
	TRY(xw_dec_grow(d, (void **)&m->func_types, &m->nfuncs, n, sizeof(*m->func_types)));
	d->nfunc_decls = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(typeidx(d, &m->func_types[first + i]));
	return 0;
}

static int table_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n, first = m->ntables;
	TRY(xw_dec_count(d, &n, 1));
	TRY(xw_dec_grow(d, (void **)&m->tables, &m->ntables, n, sizeof(*m->tables)));
	for (uint32_t i = 0; i < n; i++)
		TRY(tabletype(d, &m->tables[first + i]));
	return 0;
}

static int memory_section(xw_dec *d)
{
	xw_module *m = d->m;
	const uint8_t *at = d->p;
	uint32_t n, first = m->nmems;
	TRY(xw_dec_count(d, &n, 1));
	TRY(xw_dec_grow(d, (void **)&m->mems, &m->nmems, n, sizeof(*m->mems)));
	for (uint32_t i = 0; i < n; i++)
		TRY(memtype(d, &m->mems[first + i]));
	check_one_memory(d, at);
	return 0;
}

/* ---- constant expressions ----------------------------------------------------------------- */

/* Marks function f as referenceable by ref.func (C.refs). */
static int declare_func(xw_dec *d, uint32_t f)
{
	xw_module *m = d->m;
	size_t nbits = ((size_t)m->nfuncs + 7) / 8 + 1;
	if (!m->declared_funcs && !(m->declared_funcs = xw_dec_charge(d, nbits) ? calloc(nbits, 1) : NULL))
		return xw_dec_nomem(d);
	m->declared_funcs[f / 8] |= (uint8_t)(1u << (f % 8));
	return 0;
}

static int func_ref(xw_dec *d, const uint8_t *at, uint32_t f)
{
	if (f >= d->m->nfuncs) {
		xw_dec_invalid(d, at, "unknown function %u", f);
		return 0;
	}
	return declare_func(d, f);
}

static int read_le(xw_dec *d, unsigned n, uint64_t *out)
{
	uint8_t b[8];
	if (xw_read_bytes(&d->p, d->end, b, n))
		return xw_dec_eof(d, d->p);
	*out = 0;
	for (unsigned i = n; i-- > 0;)
		*out = *out << 8 | b[i];
	return 0;
}

/* t.const, ref.null, ref.func, global.get, the 0xfd prefix (v128.const): XW_OPF_CONST. */
static bool is_const_opcode(uint8_t op)
{
	return xw_opcodes[op].flags & XW_OPF_CONST;
}

/* global.get in a constant expression: only imported, immutable globals (WebAssembly 2.0). */
static void const_global(xw_dec *d, const uint8_t *at, xw_constexpr *ce, uint8_t expected)
{
	const xw_module *m = d->m;
	ce->type = expected; /* keeps later checks quiet after an error */
	if (ce->index >= m->nimported_globals) {
		xw_dec_invalid(d, at, "unknown global %u", ce->index);
		return;
	}
	if (m->globals[ce->index].type.mutable_)
		xw_dec_invalid(d, at, "constant expression required (global.get of mutable global)");
	ce->type = m->globals[ce->index].type.valtype;
}

/* The single instruction of a constant expression. */
int xw_dec_const_instr(xw_dec *d, xw_constexpr *ce, uint8_t expected)
{
	const uint8_t *at = d->p;
	uint8_t op;
	int32_t i32;
	int64_t i64;
	TRY(xw_dec_u8(d, &op));
	switch (op) {
	case 0x41:
		TRY(xw_dec_s32(d, &i32));
		*ce = (xw_constexpr){ .op = XW_CONST_I32, .type = XWASM_I32, .bits = (uint64_t)(int64_t)i32 };
		return 0;
	case 0x42:
		TRY(xw_dec_s64(d, &i64));
		*ce = (xw_constexpr){ .op = XW_CONST_I64, .type = XWASM_I64, .bits = (uint64_t)i64 };
		return 0;
	case 0x43:
		*ce = (xw_constexpr){ .op = XW_CONST_F32, .type = XWASM_F32 };
		return read_le(d, 4, &ce->bits);
	case 0x44:
		*ce = (xw_constexpr){ .op = XW_CONST_F64, .type = XWASM_F64 };
		return read_le(d, 8, &ce->bits);
	case 0xd0:
		*ce = (xw_constexpr){ .op = XW_CONST_REF_NULL };
		return xw_dec_reftype(d, &ce->type);
	case 0xd2:
		*ce = (xw_constexpr){ .op = XW_CONST_REF_FUNC, .type = XWASM_FUNCREF };
		TRY(xw_dec_u32(d, &ce->index));
		return func_ref(d, at, ce->index);
	case 0x23:
		*ce = (xw_constexpr){ .op = XW_CONST_GLOBAL_GET };
		TRY(xw_dec_u32(d, &ce->index));
		const_global(d, at, ce, expected);
		return 0;
	case 0xfd: { /* v128.const is the only constant SIMD instruction */
		uint32_t sub;
		TRY(xw_dec_u32(d, &sub));
		if (sub != 0x0c)
			return xw_dec_fatal_invalid(d, at, "constant expression required (opcode 0xfd 0x%x)", sub);
		*ce = (xw_constexpr){ .op = XW_CONST_V128, .type = XWASM_V128 };
		TRY(read_le(d, 8, &ce->bits));
		return read_le(d, 8, &ce->bits_hi);
	}
	case 0x0b:
		return xw_dec_fatal_invalid(d, at, "type mismatch (empty constant expression)");
	default:
		return xw_dec_fatal_invalid(d, at, "constant expression required (opcode 0x%02x %s)", op,
					    xw_opcode_name(op));
	}
}

/* Exactly one constant instruction then `end`, of type `expected`. */
static int const_expr(xw_dec *d, xw_constexpr *ce, uint8_t expected)
{
	const uint8_t *at = d->p, *extra = NULL;
	xw_constexpr scratch;
	if (xw_feature(d->m, XWASM_FEATURE_EXTENDED_CONST))
		return xw_dec_const_expr_ext(d, ce, expected);
	TRY(xw_dec_const_instr(d, ce, expected));
	/* Further instructions: report the spec's reason (a non-constant one, or a stack of
	 * several values) once it is known. */
	for (;;) {
		if (d->p >= d->end)
			return xw_dec_eof(d, d->p);
		if (*d->p == 0x0b)
			break;
		if (!is_const_opcode(*d->p))
			return xw_dec_fatal_invalid(d, d->p, "constant expression required (opcode 0x%02x %s)",
						    *d->p, xw_opcode_name(*d->p));
		if (!extra)
			extra = d->p;
		TRY(xw_dec_const_instr(d, &scratch, expected));
	}
	d->p++;
	if (extra)
		return xw_dec_fatal_invalid(d, extra, "type mismatch (constant expression leaves "
					    "more than one value)");
	if (ce->type != expected)
		xw_dec_invalid(d, at, "type mismatch (constant expression)");
	return 0;
}

/* ---- globals, exports, start -------------------------------------------------------------- */

static int global_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n, first = m->nglobals;
	TRY(xw_dec_count(d, &n, 1));
	TRY(xw_dec_grow(d, (void **)&m->globals, &m->nglobals, n, sizeof(*m->globals)));
	for (uint32_t i = 0; i < n; i++) {
		xw_global *g = &m->globals[first + i];
		TRY(globaltype(d, &g->type));
		TRY(const_expr(d, &g->init, g->type.valtype));
	}
	return 0;
}

struct export_key {
	const uint8_t *name;
	uint32_t len;
	const uint8_t *at;
};

static int cmp_export_key(const void *a, const void *b)
{
	const struct export_key *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void check_export_names(xw_dec *d, struct export_key *keys, uint32_t n)
{
	qsort(keys, n, sizeof(*keys), cmp_export_key);
	for (uint32_t i = 1; i < n; i++)
		if (keys[i].len == keys[i - 1].len && !memcmp(keys[i].name, keys[i - 1].name, keys[i].len))
			xw_dec_invalid(d, keys[i].at, "duplicate export name");
}

static int export_entry(xw_dec *d, xw_export *e, struct export_key *key)
{
	const xw_module *m = d->m;
	const uint8_t *at = d->p;
	static const char *const what[5] = { "function", "table", "memory", "global", "tag" };
	uint32_t limit;
	key->at = at;
	TRY(xw_dec_name(d, &e->name, &key->name, &key->len));
	e->name_len = key->len;
	at = d->p;
	TRY(xw_dec_u8(d, &e->kind));
	if (e->kind == XWASM_EXTERN_TAG && !xw_feature(m, XWASM_FEATURE_EXCEPTIONS))
		return xw_dec_unsupported(d, at, "exception handling (tag export, kind 4)");
	if (e->kind > XWASM_EXTERN_TAG)
		return xw_dec_malformed(d, at, "malformed export kind %u", e->kind);
	TRY(xw_dec_u32(d, &e->index));
	limit = e->kind == XWASM_EXTERN_FUNC ? m->nfuncs : e->kind == XWASM_EXTERN_TABLE ? m->ntables
		: e->kind == XWASM_EXTERN_MEMORY ? m->nmems : e->kind == XWASM_EXTERN_TAG ? m->ntags
		: m->nglobals;
	if (e->index >= limit) {
		xw_dec_invalid(d, at, "unknown %s %u", what[e->kind], e->index);
		return 0;
	}
	return e->kind == XWASM_EXTERN_FUNC ? declare_func(d, e->index) : 0;
}

static int export_section(xw_dec *d)
{
	xw_module *m = d->m;
	struct export_key *keys;
	uint32_t n;
	int rc = 0;
	TRY(xw_dec_count(d, &n, 1));
	if (!(m->exports = alloc_vec(d, n, sizeof(*m->exports))))
		return xw_dec_nomem(d);
	m->nexports = n;
	if (!(keys = alloc_vec(d, n, sizeof(*keys))))
		return xw_dec_nomem(d);
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = export_entry(d, &m->exports[i], &keys[i]);
	if (!rc)
		check_export_names(d, keys, n);
	free(keys); /* temporary: no longer counted */
	xw_module_uncharge(m, (uint64_t)(n ? n : 1) * sizeof(*keys));
	return rc;
}

static int start_section(xw_dec *d)
{
	xw_module *m = d->m;
	const uint8_t *at = d->p;
	TRY(xw_dec_u32(d, &m->start));
	m->has_start = true;
	if (m->start >= m->nfuncs) {
		xw_dec_invalid(d, at, "unknown function %u", m->start);
		return 0;
	}
	uint32_t t = m->func_types[m->start];
	if (t < m->ntypes && (m->types[t].nparams || m->types[t].nresults))
		xw_dec_invalid(d, at, "start function must have type [] -> []");
	return 0;
}

/* ---- element and data segments ------------------------------------------------------------ */

static int elem_items(xw_dec *d, xw_elem *e, bool exprs)
{
	TRY(xw_dec_count(d, &e->count, 1));
	if (!(e->items = alloc_vec(d, e->count, sizeof(*e->items))))
		return xw_dec_nomem(d);
	for (uint32_t i = 0; i < e->count; i++) {
		xw_constexpr *ce = &e->items[i];
		const uint8_t *at = d->p;
		if (exprs) {
			TRY(const_expr(d, ce, e->elemtype));
			continue;
		}
		*ce = (xw_constexpr){ .op = XW_CONST_REF_FUNC, .type = XWASM_FUNCREF };
		TRY(xw_dec_u32(d, &ce->index));
		TRY(func_ref(d, at, ce->index));
	}
	return 0;
}

/* Element type of flag forms 1-3 (elemkind, must be 0x00 = funcref) and 5-7 (reftype). */
static int elem_type(xw_dec *d, xw_elem *e, uint32_t flags)
{
	const uint8_t *at = d->p;
	uint8_t kind;
	if (flags & 4)
		return xw_dec_reftype(d, &e->elemtype);
	TRY(xw_dec_u8(d, &kind));
	if (kind != 0)
		return xw_dec_malformed(d, at, "malformed elements segment kind 0x%02x", kind);
	return 0;
}

static int elem_segment(xw_dec *d, xw_elem *e)
{
	const xw_module *m = d->m;
	const uint8_t *at = d->p, *tab_at;
	uint32_t flags;
	TRY(xw_dec_u32(d, &flags));
	if (flags > 7)
		return xw_dec_malformed(d, at, "malformed elements segment kind %u", flags);
	e->elemtype = XWASM_FUNCREF;
	e->mode = !(flags & 1) ? XW_SEG_ACTIVE : (flags & 2) ? XW_SEG_DECLARATIVE : XW_SEG_PASSIVE;
	tab_at = d->p;
	if (e->mode == XW_SEG_ACTIVE) {
		if (flags & 2)
			TRY(xw_dec_u32(d, &e->table));
		TRY(const_expr(d, &e->offset, XWASM_I32));
	}
	if (flags & 3)
		TRY(elem_type(d, e, flags));
	if (e->mode == XW_SEG_ACTIVE) {
		if (e->table >= m->ntables)
			xw_dec_invalid(d, tab_at, "unknown table %u", e->table);
		else if (m->tables[e->table].elemtype != e->elemtype)
			xw_dec_invalid(d, tab_at, "type mismatch (element segment and table types)");
	}
	return elem_items(d, e, flags & 4);
}

static int elem_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n;
	TRY(xw_dec_count(d, &n, 1));
	if (!(m->elems = alloc_vec(d, n, sizeof(*m->elems))))
		return xw_dec_nomem(d);
	m->nelems = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(elem_segment(d, &m->elems[i]));
	return 0;
}

static int datacount_section(xw_dec *d)
{
	TRY(xw_dec_u32(d, &d->m->datacount));
	d->m->has_datacount = true;
	return 0;
}

static int data_segment(xw_dec *d, xw_data *s)
{
	const uint8_t *at = d->p, *mem_at;
	uint32_t flags;
	TRY(xw_dec_u32(d, &flags));
	if (flags > 2)
		return xw_dec_malformed(d, at, "malformed data segment kind %u", flags);
	s->mode = flags == 1 ? XW_SEG_PASSIVE : XW_SEG_ACTIVE;
	mem_at = d->p;
	if (flags == 2)
		TRY(xw_dec_u32(d, &s->memory));
	if (s->mode == XW_SEG_ACTIVE) {
		/* memory64: the offset has the memory's index type */
		bool is64 = s->memory < d->m->nmems && d->m->mems[s->memory].is64;
		TRY(const_expr(d, &s->offset, is64 ? XWASM_I64 : XWASM_I32));
		if (s->memory >= d->m->nmems)
			xw_dec_invalid(d, mem_at, "unknown memory %u", s->memory);
	}
	at = d->p;
	TRY(xw_dec_u32(d, &s->size));
	if (s->size > (size_t)(d->end - d->p))
		return xw_dec_eof(d, at);
	s->bytes = d->p;
	d->p += s->size;
	return 0;
}

static int data_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n;
	TRY(xw_dec_count(d, &n, 1));
	if (!(m->datas = alloc_vec(d, n, sizeof(*m->datas))))
		return xw_dec_nomem(d);
	m->ndatas = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(data_segment(d, &m->datas[i]));
	return 0;
}

/* ---- code section ------------------------------------------------------------------------- */

/* Local declarations of one code entry: first checked and counted, then expanded. */
static int code_locals(xw_dec *d, xw_code *c)
{
	const uint8_t *decls;
	uint32_t ndecl, cnt;
	uint64_t total = 0;
	uint8_t t;
	TRY(xw_dec_count(d, &ndecl, 1));
	decls = d->p;
	for (uint32_t i = 0; i < ndecl; i++) {
		const uint8_t *at = d->p;
		TRY(xw_dec_u32(d, &cnt));
		TRY(xw_dec_valtype(d, &t));
		total += cnt;
		if (total > XW_MAX_LOCALS)
			return xw_dec_malformed(d, at, "too many locals");
	}
	d->module_locals += total;
	if (d->module_locals > XW_DEC_MAX_MODULE_LOCALS)
		return xw_dec_malformed(d, decls, "too many locals (module total above %u)",
					XW_DEC_MAX_MODULE_LOCALS);
	if (!xw_dec_charge(d, total + 1) || !(c->local_types = malloc((size_t)total + 1)))
		return xw_dec_nomem(d);
	c->nlocals = (uint32_t)total;
	for (uint32_t i = 0, k = 0; i < ndecl; i++) {
		xw_read_u32(&decls, d->end, &cnt);
		t = *decls++;
		memset(c->local_types + k, t, cnt);
		k += cnt;
	}
	return 0;
}

/* A body whose last byte is not `end`: word it as the reference decoder would, which reads
 * the missing `end` after the body. */
static int body_end_error(xw_dec *d, const uint8_t *entry_end, const uint8_t *section_end)
{
	if (entry_end == section_end)
		return xw_dec_eof(d, entry_end);
	if (*entry_end == 0x0b)
		return xw_dec_malformed(d, entry_end, "section size mismatch (function body "
					"does not end with `end`)");
	return xw_dec_malformed(d, entry_end, "END opcode expected");
}

static int code_entry(xw_dec *d, xw_code *c)
{
	const uint8_t *at = d->p, *section_end = d->end, *entry_end;
	uint32_t size;
	TRY(xw_dec_u32(d, &size));
	if (size > (size_t)(d->end - d->p))
		return xw_dec_eof(d, at);
	entry_end = d->p + size;
	d->end = entry_end;
	TRY(code_locals(d, c));
	if (d->p >= entry_end)
		return xw_dec_eof(d, d->p);
	if (entry_end[-1] != 0x0b)
		return body_end_error(d, entry_end, section_end);
	c->body = d->p;
	c->body_end = entry_end;
	c->body_offset = xw_dec_off(d, d->p);
	d->p = entry_end;
	d->end = section_end;
	return 0;
}

static int code_section(xw_dec *d)
{
	xw_module *m = d->m;
	const uint8_t *at = d->p;
	uint32_t n;
	TRY(xw_dec_u32(d, &n));
	if (n != d->nfunc_decls)
		return xw_dec_malformed(d, at, "function and code section have inconsistent lengths");
	if (n > (size_t)(d->end - d->p) / 3)
		return xw_dec_eof(d, at);
	d->seen_code = true;
	if (!(m->codes = alloc_vec(d, n, sizeof(*m->codes))))
		return xw_dec_nomem(d);
	m->ncodes = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(code_entry(d, &m->codes[i]));
	return 0;
}

/* ---- tag section (exception handling) ------------------------------------------------------ */

static int tag_section(xw_dec *d)
{
	xw_module *m = d->m;
	uint32_t n;
	TRY(xw_dec_count(d, &n, 2));
	uint32_t first = m->ntags;
	TRY(xw_dec_grow(d, (void **)&m->tag_types, &m->ntags, n, sizeof(*m->tag_types)));
	for (uint32_t i = 0; i < n; i++)
		TRY(tagtype(d, &m->tag_types[first + i]));
	return 0;
}

int xw_dec_section(xw_dec *d, uint8_t id)
{
	switch (id) {
	case 1: return type_section(d);
	case 2: return import_section(d);
	case 3: return function_section(d);
	case 4: return table_section(d);
	case 5: return memory_section(d);
	case 6: return global_section(d);
	case 7: return export_section(d);
	case 8: return start_section(d);
	case 9: return elem_section(d);
	case 10: return code_section(d);
	case 11: return data_section(d);
	case 12: return datacount_section(d);
	case 13: return tag_section(d);
	default: return xw_dec_malformed(d, d->p, "malformed section id %u", id);
	}
}
