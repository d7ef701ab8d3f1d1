/* What the translator's instruction families in other files (compile_simd.c) see of the
 * function translator in compile.c: operands, and a narrow set of calls on the opaque
 * translation state. */
#ifndef XW_COMPILE_INT_H
#define XW_COMPILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wasm/code.h"

struct cc;

/* An operand on the validator's stack. */
struct opd {
	uint8_t type;
	uint8_t kind;
	uint32_t idx;   /* local index (K_LOCAL) or constant slot index (K_CONST, NO_SLOT until
	                   an instruction needs the constant in a slot) */
	uint32_t pos;   /* its slot in the operand stack area (a v128 takes two slots) */
	uint64_t val;   /* K_CONST: the constant's bits */
};

/* Immediates: 0 or the error code (message recorded). */
int xw_cc_u32(struct cc *c, uint32_t *v);
int xw_cc_u8(struct cc *c, uint8_t *v);
int xw_cc_bytes(struct cc *c, void *dst, size_t n);
/* A memory argument for an access whose natural alignment is 2^natural bytes: its offset
 * (below 2^32 unless the memory is 64-bit) and memory index. */
int xw_cc_memarg(struct cc *c, uint32_t natural, uint64_t *offset, uint32_t *mem);
/* The same for an atomic access (threads): the alignment must be exactly 2^natural. */
int xw_cc_memarg_atomic(struct cc *c, uint32_t natural, uint64_t *offset, uint32_t *mem);
/* Memory `mem` (a valid index) has a 64-bit index type (memory64). */
bool xw_cc_mem64(const struct cc *c, uint32_t mem);
/* Records an invalid-module error (-EINVAL) naming the current byte; returns it. */
int xw_cc_invalid(struct cc *c, const char *what);
/* Records "malformed: ..." or "not supported: ..." for an unknown SIMD sub-opcode. */
int xw_cc_bad_simd(struct cc *c, uint32_t sub);

/* Pops an operand of type `want` (its height in *h). */
int xw_cc_pop(struct cc *c, uint8_t want, struct opd *out, uint32_t *h);
/* Pops an i32 address, which may stay a local plus a constant: only for an access that then
 * calls xw_cc_take_address_imm (which takes that form whenever the code is live). */
int xw_cc_pop_address(struct cc *c, struct opd *out, uint32_t *h);
/* Pushes the result of the instruction just emitted (its dst word at dst_pos). */
int xw_cc_push_result(struct cc *c, uint8_t type, uint32_t dst_pos);

/* Emission (no-ops in unreachable code: check xw_cc_live first). */
bool xw_cc_live(const struct cc *c);
uint32_t xw_cc_here(const struct cc *c);              /* position of the next word */
void xw_cc_op(struct cc *c, enum xw_op op);
void xw_cc_word(struct cc *c, uint32_t w);            /* an immediate */
void xw_cc_operand(struct cc *c, struct opd *o, uint32_t h); /* the slot of operand o */
void xw_cc_dst(struct cc *c, uint32_t h);             /* the stack slot at height h */
void xw_cc_dst_top(struct cc *c);                     /* the slot of the next value pushed */
void xw_cc_slot(struct cc *c, uint32_t slot_word);    /* a slot word taken from emitted code */
/* When the address operand o at height h was just computed by an i32.add of a constant,
 * removes that add and gives its operand's slot word and the constant (true). */
bool xw_cc_take_address_imm(struct cc *c, const struct opd *o, uint32_t h, uint32_t *base, uint32_t *k);

/* compile_simd.c: validates and translates the instruction after a 0xfd prefix. */
int xw_compile_simd(struct cc *c);

/* compile_atomic.c: validates and translates the instruction after a 0xfe prefix (threads). */
int xw_compile_atomic(struct cc *c);

/* compile_mem64.c: the memory instructions on a 64-bit memory (memory64), their immediates
 * read and checked by the caller: a load or store (`op` the plain op of code.h, memory `mem`,
 * offset `off`), memory.size/grow/fill on `mem`, memory.copy from `smem` to `dmem` (one of
 * them 64-bit), memory.init of data segment `seg` into `mem`, and a SIMD access (`in` its
 * row of simd_table.h; a lane access's lane index still to read). */
int xw_compile_mem64_load(struct cc *c, enum xw_op op, uint32_t mem, uint64_t off, uint8_t tout);
int xw_compile_mem64_store(struct cc *c, enum xw_op op, uint32_t mem, uint64_t off, uint8_t tval);
int xw_compile_mem64_size(struct cc *c, uint32_t mem);
int xw_compile_mem64_grow(struct cc *c, uint32_t mem);
int xw_compile_mem64_fill(struct cc *c, uint32_t mem);
int xw_compile_mem64_copy(struct cc *c, uint32_t dmem, uint32_t smem);
int xw_compile_mem64_init(struct cc *c, uint32_t seg, uint32_t mem);
struct xw_simd_info;
int xw_compile_mem64_simd(struct cc *c, const struct xw_simd_info *in, uint32_t mem, uint64_t off);

/* ---- exception handling (compile_eh.c) ---- */
#include "wasm/eh_table.h"

/* What a control frame records of a try / try_table block; kind 0 for every other frame
 * (which the core translator sees as a plain block). */
struct xw_eh_ctl {
	uint8_t kind;          /* 0x06 try, 0x07 after catch, 0x19 after catch_all (legacy), 0x1f try_table */
	uint32_t body_start;   /* code position where the body begins (XW_EH_NONE: not reachable) */
	uint32_t body_end;     /* legacy try: where it ends (at the first catch) */
	uint32_t first, n;     /* try_table: its entries in the handler list */
	uint32_t exn_idx;      /* legacy try: index of the hidden slot holding the caught exception */
};

/* Validates and translates throw, throw_ref, try_table and the legacy try, catch, catch_all,
 * delegate and rethrow (opcode b). */
int xw_compile_eh(struct cc *c, uint8_t b);
/* The `end` of a frame with e->kind set is being translated (before the frame closes). */
void xw_compile_eh_end(struct cc *c, struct xw_eh_ctl *e);
/* Orders a function's handler entries innermost block first (deeper level first, then order
 * of creation). */
void xw_compile_eh_sort(struct xw_eh_entry *v, uint32_t n);

/* The hooks compile_eh.c uses: block type; open a block frame (types read already);
 * close the top frame (`end`); control frames (depth 0 = innermost): count, EH record,
 * label arity/types (error for an unknown label), slot word of the label's first value,
 * unconditional jump to it; patch a code word; mark a jump target; end the current path of
 * the top frame and restart it with `types` on the stack (legacy catch); make the top n
 * values (arguments) stack slots, giving the height of the first; pop types; the rest of
 * the block unreachable; the handler list; slot word of hidden slot idx; legacy try blocks
 * open. */
struct xwasm_module *xw_cc_module(struct cc *c);
int xw_cc_blocktype(struct cc *c, uint32_t *np, const uint8_t **params, uint32_t *nr,
		    const uint8_t **results);
int xw_cc_open(struct cc *c, uint32_t np, const uint8_t *params, uint32_t nr, const uint8_t *results);
int xw_cc_end(struct cc *c);
uint32_t xw_cc_nctl(const struct cc *c);
struct xw_eh_ctl *xw_cc_eh_ctl(struct cc *c, uint32_t depth);
int xw_cc_label(struct cc *c, uint32_t depth, uint32_t *n, const uint8_t **types);
uint32_t xw_cc_label_slot(struct cc *c, uint32_t depth);
void xw_cc_jump(struct cc *c, uint32_t depth);
void xw_cc_patch(struct cc *c, uint32_t pos, uint32_t w);
void xw_cc_label_here(struct cc *c);
int xw_cc_restart(struct cc *c, uint32_t n, const uint8_t *types);
int xw_cc_args(struct cc *c, uint32_t n, const uint8_t *types, uint32_t *h);
int xw_cc_pop_types(struct cc *c, uint32_t n, const uint8_t *types);
void xw_cc_unreachable(struct cc *c);
int xw_cc_eh_add(struct cc *c, const struct xw_eh_entry *e);
struct xw_eh_entry *xw_cc_eh_entry(struct cc *c, uint32_t i);
uint32_t xw_cc_eh_count(const struct cc *c);
uint32_t xw_cc_exn_slot(struct cc *c, uint32_t idx);
uint32_t *xw_cc_legacy_open(struct cc *c);   /* the count of legacy try blocks open */

#endif
