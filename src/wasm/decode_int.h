/* Private interface between the binary decoder's files (decode*.c): cursor, errors, readers. */
#ifndef XW_DECODE_INT_H
#define XW_DECODE_INT_H

#include <stdarg.h>
#include "wasm/module.h"

/* Engine cap on declared locals summed over all functions of a module, so that a small
 * hostile module cannot make the decoder allocate gigabytes of local type arrays. */
#define XW_DEC_MAX_MODULE_LOCALS (1u << 25)

typedef struct xw_dec {
	xw_module *m;
	const uint8_t *p;          /* cursor */
	const uint8_t *end;        /* end of the current section (or of the file) */
	const uint8_t *file_end;
	bool in_section;           /* cut reads say "unexpected end of section or function" */
	char *err;
	size_t errlen;
	bool pending_invalid;      /* a validation error was recorded; decoding goes on */
	int pending_rc;
	char pending_msg[256];
	uint32_t nfunc_decls;      /* entries of the function section */
	bool seen_code;
	uint64_t module_locals;    /* running total over all code entries */
	const uint8_t *names, *names_end;  /* content of the first "name" custom section */
	bool over_cap;             /* an allocation was refused by the module's max_bytes */
} xw_dec;

/* File offset of a pointer into the module copy. */
static inline size_t xw_dec_off(const xw_dec *d, const uint8_t *at)
{
	return (size_t)(at - d->m->bytes);
}

/* Errors. The malformed/unsupported/nomem/fatal forms return the code to propagate;
 * xw_dec_invalid records the first validation error and lets decoding continue. */
int xw_dec_malformed(xw_dec *d, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int xw_dec_fatal_invalid(xw_dec *d, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xw_dec_invalid(xw_dec *d, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int xw_dec_eof(xw_dec *d, const uint8_t *at);
/* Out of memory, or over the module's cap when d->over_cap (then -EFBIG, saying so). */
int xw_dec_nomem(xw_dec *d);
/* Counts an allocation of n bytes (xw_module_charge); false, with d->over_cap set, when the
 * module's cap refuses it: the caller then returns xw_dec_nomem(d). */
bool xw_dec_charge(xw_dec *d, uint64_t n);
int xw_dec_unsupported(xw_dec *d, const uint8_t *at, const char *what);

/* Readers at d->p, bounded by d->end; 0 or a negative errno with the error reported. */
int xw_dec_u8(xw_dec *d, uint8_t *out);
int xw_dec_u32(xw_dec *d, uint32_t *out);
int xw_dec_s32(xw_dec *d, int32_t *out);
int xw_dec_s64(xw_dec *d, int64_t *out);
int xw_dec_u64(xw_dec *d, uint64_t *out);
/* Vector length whose elements take at least min_elem_bytes each: fails with "unexpected end"
 * before anything is allocated if they cannot fit in what is left. */
int xw_dec_count(xw_dec *d, uint32_t *out, size_t min_elem_bytes);
/* Length-prefixed UTF-8 name: malloc'd NUL-terminated copy (raw bytes/len optional). */
int xw_dec_name(xw_dec *d, char **out, const uint8_t **raw, uint32_t *rawlen);
int xw_dec_valtype(xw_dec *d, uint8_t *out);
int xw_dec_reftype(xw_dec *d, uint8_t *out);
/* Limits: flags, min[, max]. Flags 0x04/0x05 (memory64, when the feature is on) read a 64-bit
 * min/max and set out->is64; the caller refuses them where no 64-bit index type exists. */
int xw_dec_limits(xw_dec *d, xw_limits *out);

bool xw_utf8_valid(const uint8_t *s, size_t n);
/* Appends `add` zeroed elements to *arr (of *n elements of elsz bytes); updates *n. */
int xw_dec_grow(xw_dec *d, void **arr, uint32_t *n, uint32_t add, size_t elsz);

/* decode_sections.c */
int xw_dec_section(xw_dec *d, uint8_t id);
/* decode_sections.c: one constant instruction (t.const, ref.null, ref.func, global.get) into
 * *ce; `expected` is the expression's type (for messages). */
int xw_dec_const_instr(xw_dec *d, xw_constexpr *ce, uint8_t expected);
/* constexpr.c: a constant expression of the extended-const feature (instructions then
 * `end`) leaving one value of type `expected`, into *ce. */
int xw_dec_const_expr_ext(xw_dec *d, xw_constexpr *ce, uint8_t expected);
/* decode_names.c: best-effort "name" section parsing (never fails the module). */
void xw_dec_name_section(xw_dec *d);

#endif
