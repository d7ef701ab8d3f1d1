/* Internal representation of a decoded WebAssembly module (decoder output, compiler input).
 * All arrays are owned by the module and released by xw_module_release(). */
#ifndef XW_MODULE_H
#define XW_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "xdperf/wasm.h"

#define XW_PAGE_SIZE 65536u
#define XW_MAX_PAGES 65536u
#define XW_MAX_PAGES64 ((uint64_t)1 << 48) /* memory64: the largest valid size (pages); the
                                              engine's cap (XW_MAX_PAGES) still applies */
#define XW_MAX_TABLE 10000000u      /* engine cap on table sizes (elements) */
#define XW_MAX_LOCALS 50000u        /* engine cap on locals per function ("too many locals") */

typedef struct xw_functype {
	uint32_t nparams, nresults;
	uint8_t *params;   /* points into types[] below */
	uint8_t *results;  /* = params + nparams */
	uint8_t *types;    /* malloc'd, nparams + nresults bytes */
} xw_functype;

typedef struct xw_limits {
	uint64_t min;
	uint64_t max;      /* valid when has_max */
	bool has_max;
	bool is64;         /* memory64: a 64-bit index type (i64 addresses; limits flags 0x04/0x05) */
	bool shared;       /* threads: a shared memory (limits flag bit 1: 0x02/0x03) */
} xw_limits;

typedef struct xw_tabletype {
	uint8_t elemtype;  /* XWASM_FUNCREF or XWASM_EXTERNREF */
	xw_limits limits;
} xw_tabletype;

typedef struct xw_globaltype {
	uint8_t valtype;
	bool mutable_;
} xw_globaltype;

/* Constant expression (WebAssembly 2.0: exactly one instruction followed by `end`). */
enum xw_const_op {
	XW_CONST_I32, XW_CONST_I64, XW_CONST_F32, XW_CONST_F64,
	XW_CONST_REF_NULL,   /* value.u64 unused; reftype in `type` */
	XW_CONST_REF_FUNC,   /* index = function index */
	XW_CONST_GLOBAL_GET, /* index = global index */
	XW_CONST_V128,       /* bits = low 8 bytes, bits_hi = high 8 bytes */
	XW_CONST_EXPR,       /* extended-const sequence (constexpr.c): bits = its file offset,
	                        index = the most values it stacks */
};
#define XW_CONSTEXPR_MAX_DEPTH 1024u /* engine cap on an extended constant expression's stack */
typedef struct xw_constexpr {
	uint8_t op;          /* enum xw_const_op */
	uint8_t type;        /* result value type */
	uint32_t index;
	uint64_t bits;       /* raw bits for numeric constants (i32 sign-extended is fine: low 32 bits used) */
	uint64_t bits_hi;    /* v128: the high 8 bytes */
} xw_constexpr;

typedef struct xw_import {
	char *module, *name;        /* NUL-terminated, malloc'd (validated UTF-8) */
	uint8_t kind;               /* enum xwasm_extern_kind */
	union {
		uint32_t typeidx;       /* func, tag */
		xw_tabletype table;
		xw_limits mem;
		xw_globaltype global;
	} u;
} xw_import;

typedef struct xw_export {
	char *name;                 /* NUL-terminated; may also contain NUL bytes: see name_len */
	uint32_t name_len;
	uint8_t kind;
	uint32_t index;
} xw_export;

typedef struct xw_global {
	xw_globaltype type;
	xw_constexpr init;
} xw_global;

enum xw_seg_mode { XW_SEG_ACTIVE, XW_SEG_PASSIVE, XW_SEG_DECLARATIVE };

typedef struct xw_elem {
	uint8_t mode;           /* enum xw_seg_mode */
	uint8_t elemtype;       /* XWASM_FUNCREF / XWASM_EXTERNREF */
	uint32_t table;         /* active only */
	xw_constexpr offset;    /* active only (i32) */
	uint32_t count;
	xw_constexpr *items;    /* count items: REF_FUNC, REF_NULL or GLOBAL_GET */
} xw_elem;

typedef struct xw_data {
	uint8_t mode;           /* XW_SEG_ACTIVE or XW_SEG_PASSIVE */
	uint32_t memory;        /* active only */
	xw_constexpr offset;    /* active only (i32, or i64 for a 64-bit memory) */
	uint32_t size;
	const uint8_t *bytes;   /* points into xw_module.bytes */
} xw_data;

/* A defined function's body, before translation. */
typedef struct xw_code {
	uint32_t nlocals;           /* declared locals (excluding params) */
	uint8_t *local_types;       /* nlocals entries, malloc'd */
	const uint8_t *body;        /* first instruction; points into xw_module.bytes */
	const uint8_t *body_end;    /* one past the final `end` (0x0b) of the body */
	size_t body_offset;         /* file offset of body, for error messages */
} xw_code;

struct xw_compiled_func; /* code.h */

typedef struct xwasm_module {
	char *name;                 /* for messages */
	uint8_t *bytes;             /* copy of the binary; body/data pointers point in here */
	size_t len;

	uint32_t ntypes;
	xw_functype *types;

	uint32_t nimports;
	xw_import *imports;

	/* Index spaces: imports first, then definitions. */
	uint32_t nfuncs, nimported_funcs;
	uint32_t *func_types;       /* nfuncs entries: type index of every function */
	uint32_t ntables, nimported_tables;
	xw_tabletype *tables;       /* ntables entries (imported ones copied here too) */
	uint32_t nmems, nimported_mems;
	xw_limits *mems;            /* nmems entries */
	uint32_t nglobals, nimported_globals;
	xw_global *globals;         /* nglobals entries; imported ones have init unused */

	uint32_t ntags, nimported_tags;
	uint32_t *tag_types;        /* exception handling: ntags entries, the type index of each
	                               tag (imported ones first) */

	uint32_t nexports;
	xw_export *exports;

	bool has_start;
	uint32_t start;

	uint32_t nelems;
	xw_elem *elems;

	bool has_datacount;
	uint32_t datacount;
	uint32_t ndatas;
	xw_data *datas;

	uint32_t ncodes;            /* = nfuncs - nimported_funcs */
	xw_code *codes;

	uint8_t *declared_funcs;    /* bitmap over nfuncs: functions that ref.func may name (C.refs):
	                               named by elem segments, exports or global initialisers */

	char **func_names;          /* from the "name" custom section: nfuncs entries or NULL;
	                               individual entries may be NULL */

	/* Filled by the compiler (compile.c). */
	struct xw_compiled_func *compiled;  /* ncodes entries */

	/* What decoding and translation allocated for the module (xw_module_charge), and the
	 * cap on it (0 = none): xwasm_load_opts.max_bytes. */
	uint64_t alloc_bytes;
	uint64_t max_bytes;
	xwasm_interrupt *load_irq;  /* xwasm_load_opts.interrupt while loading, then NULL */
	uint32_t features;          /* enum xwasm_feature bits enabled (xwasm_load_opts.features) */
} xw_module;

static inline bool xw_feature(const xw_module *m, uint32_t f) { return (m->features & f) != 0; }

/* Allocator overhead counted with every allocation (glibc's chunk header and rounding). */
#define XW_ALLOC_OVERHEAD 16u

/* Counts an allocation of n bytes against the module's cap: false (nothing counted) when it
 * would go over it. */
static inline bool xw_module_charge(xw_module *m, uint64_t n)
{
	uint64_t want = m->alloc_bytes + n + XW_ALLOC_OVERHEAD;
	if (m->max_bytes && want > m->max_bytes)
		return false;
	m->alloc_bytes = want;
	return true;
}

/* Takes back what xw_module_charge(m, n) counted, once that allocation is freed. */
static inline void xw_module_uncharge(xw_module *m, uint64_t n)
{
	m->alloc_bytes -= n + XW_ALLOC_OVERHEAD;
}

/* decode.c: parse `bytes` (copied into m->bytes) into m, including module-level validation
 * (everything except function bodies: indices, limits, constant expressions, exports unique,
 * start type, segment types, data count). Returns 0, or -EINVAL with `err` naming the byte
 * offset and what is wrong ("malformed ..." for decoding errors, "invalid ..." otherwise),
 * -ENOTSUP for post-2.0 features, -ENOMEM. On error m is left releasable. */
int xw_decode(xw_module *m, const uint8_t *bytes, size_t len, char *err, size_t errlen);

/* Frees everything xw_decode allocated (not the struct itself). Safe on a zeroed module. */
void xw_module_release(xw_module *m);

/* Function type of function index f (imports included). */
static inline const xw_functype *xw_func_type(const xw_module *m, uint32_t f)
{
	return &m->types[m->func_types[f]];
}

/* Structural equality of two function types. */
static inline bool xw_functype_eq(const xw_functype *a, const xw_functype *b)
{
	if (a == b)
		return true;
	if (a->nparams != b->nparams || a->nresults != b->nresults)
		return false;
	for (uint32_t i = 0; i < a->nparams + a->nresults; i++)
		if (a->types[i] != b->types[i])
			return false;
	return true;
}

static inline bool xw_is_reftype(uint8_t t) { return t == XWASM_FUNCREF || t == XWASM_EXTERNREF; }
static inline bool xw_is_numtype(uint8_t t)
{
	return t == XWASM_I32 || t == XWASM_I64 || t == XWASM_F32 || t == XWASM_F64;
}
/* Frame slots (8 bytes each) a value of type t takes: 2 for v128, else 1. */
static inline uint32_t xw_type_slots(uint8_t t) { return t == XWASM_V128 ? 2 : 1; }
/* Slots of a list of values laid out one after the other (params, results, locals). */
static inline uint32_t xw_types_slots(const uint8_t *types, uint32_t n)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += xw_type_slots(types[i]);
	return s;
}

/* Small helpers shared by decoder and compiler (leb.c). Each reads at *p (advancing it),
 * never past `end`; returns 0 or -1 (malformed: too long, too big, or truncated). */
int xw_read_u32(const uint8_t **p, const uint8_t *end, uint32_t *out);
int xw_read_s32(const uint8_t **p, const uint8_t *end, int32_t *out);
int xw_read_s33(const uint8_t **p, const uint8_t *end, int64_t *out);
int xw_read_s64(const uint8_t **p, const uint8_t *end, int64_t *out);
int xw_read_u64(const uint8_t **p, const uint8_t *end, uint64_t *out);
int xw_read_u8(const uint8_t **p, const uint8_t *end, uint8_t *out);
int xw_read_bytes(const uint8_t **p, const uint8_t *end, void *dst, size_t n);

#endif
