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
 * and memory index. */
int xw_cc_memarg(struct cc *c, uint32_t natural, uint32_t *offset, uint32_t *mem);
/* Records an invalid-module error (-EINVAL) naming the current byte; returns it. */
int xw_cc_invalid(struct cc *c, const char *what);
/* Records "malformed: ..." or "not supported: ..." for an unknown SIMD sub-opcode. */
int xw_cc_bad_simd(struct cc *c, uint32_t sub);

/* Pops an operand of type `want` (its height in *h). */
int xw_cc_pop(struct cc *c, uint8_t want, struct opd *out, uint32_t *h);
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

#endif
