/* Validation and translation of the SIMD instructions (prefix 0xfd): the sub-opcode's row
 * in the SIMD table (simd_table.h, through simd_ops.c) gives its shape, which fixes the
 * operand and result types, the immediates and the internal op's operand layout. */
#include <errno.h>
#include "xdperf/wasm.h"
#include "wasm/compile_int.h"
#include "wasm/simd_ops.h"

#define CHECK(x) do { int _r = (x); if (_r) return _r; } while (0)

/* A lane index immediate below `lanes`. */
static int rd_lane(struct cc *c, uint32_t lanes, uint8_t *lane)
{
	CHECK(xw_cc_u8(c, lane));
	if (*lane >= lanes)
		return xw_cc_invalid(c, "invalid lane index");
	return 0;
}

/* Pops n operands: types[i] is the type of the i-th from the bottom. */
static int pop_n(struct cc *c, int n, const uint8_t *types, struct opd *o, uint32_t *h)
{
	for (int i = n; i-- > 0;)
		CHECK(xw_cc_pop(c, types[i], &o[i], &h[i]));
	return 0;
}

/* Pops a memory access's operands: the i32 address o[0] (left as local + constant when it is
 * one, for take_address) under n - 1 more whose types are types[1..n). */
static int pop_access(struct cc *c, int n, const uint8_t *types, struct opd *o, uint32_t *h)
{
	for (int i = n; i-- > 1;)
		CHECK(xw_cc_pop(c, types[i], &o[i], &h[i]));
	return xw_cc_pop_address(c, &o[0], &h[0]);
}

#define NO_LANE -1

/* Emits op with its result at the lowest popped height h0 followed by the n operands (and
 * the lane index, unless NO_LANE), and pushes the result of type t. */
static int emit_value_op(struct cc *c, enum xw_op op, int n, struct opd *o, uint32_t *h, uint8_t t,
			 int lane)
{
	uint32_t dpos = 0;
	if (xw_cc_live(c)) {
		xw_cc_op(c, op);
		dpos = xw_cc_here(c);
		xw_cc_dst(c, h[0]);
		for (int i = 0; i < n; i++)
			xw_cc_operand(c, &o[i], h[i]);
		if (lane != NO_LANE)
			xw_cc_word(c, (uint32_t)lane);
	}
	return xw_cc_push_result(c, t, dpos);
}

/* An address operand: the slot and constant of the i32.add that computed it (fused into the
 * access: taken before the access is emitted), else its own slot and 0. */
struct addr {
	bool fused;
	uint32_t base, k;
};
static struct addr take_address(struct cc *c, struct opd *o, uint32_t h)
{
	struct addr a = { false, 0, 0 };
	a.fused = xw_cc_take_address_imm(c, o, h, &a.base, &a.k);
	return a;
}
static void emit_address(struct cc *c, const struct addr *a, struct opd *o, uint32_t h)
{
	if (a->fused) {
		xw_cc_slot(c, a->base);
		xw_cc_word(c, a->k);
	} else {
		xw_cc_operand(c, o, h);
		xw_cc_word(c, 0);
	}
}

static uint32_t word_of(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int xw_compile_simd(struct cc *c)
{
	uint32_t sub;
	CHECK(xw_cc_u32(c, &sub));
	const struct xw_simd_info *in = xw_simd_lookup(sub);
	if (!in)
		return xw_cc_bad_simd(c, sub);
	const uint8_t V = XWASM_V128, I = XWASM_I32;
	enum xw_op op = (enum xw_op)in->op;
	struct opd o[3];
	uint32_t h[3], mem = 0, dpos = 0;
	uint64_t off = 0;
	uint8_t lane = 0, imm[16];

	switch (in->shape) {
	case XW_SHAPE_LOAD:
		CHECK(xw_cc_memarg(c, in->a, &off, &mem));
		if (xw_cc_mem64(c, mem))
			return xw_compile_mem64_simd(c, in, mem, off);
		CHECK(pop_access(c, 1, &I, o, h));
		if (xw_cc_live(c)) {
			struct addr a = take_address(c, &o[0], h[0]);
			xw_cc_op(c, op);
			dpos = xw_cc_here(c);
			xw_cc_dst(c, h[0]);
			emit_address(c, &a, &o[0], h[0]);
			xw_cc_word(c, (uint32_t)off);
			xw_cc_word(c, mem);
		}
		return xw_cc_push_result(c, V, dpos);
	case XW_SHAPE_STORE:
		CHECK(xw_cc_memarg(c, in->a, &off, &mem));
		if (xw_cc_mem64(c, mem))
			return xw_compile_mem64_simd(c, in, mem, off);
		CHECK(pop_access(c, 2, (const uint8_t[]){ I, V }, o, h));
		if (xw_cc_live(c)) {
			struct addr a = take_address(c, &o[0], h[0]);
			xw_cc_op(c, op);
			emit_address(c, &a, &o[0], h[0]);
			xw_cc_operand(c, &o[1], h[1]);
			xw_cc_word(c, (uint32_t)off);
			xw_cc_word(c, mem);
		}
		return 0;
	case XW_SHAPE_LDLANE:
	case XW_SHAPE_STLANE:
		CHECK(xw_cc_memarg(c, in->a, &off, &mem));
		if (xw_cc_mem64(c, mem))
			return xw_compile_mem64_simd(c, in, mem, off);
		CHECK(rd_lane(c, in->b, &lane));
		CHECK(pop_access(c, 2, (const uint8_t[]){ I, V }, o, h));
		if (xw_cc_live(c)) {
			struct addr a = take_address(c, &o[0], h[0]);
			xw_cc_op(c, op);
			dpos = xw_cc_here(c);
			if (in->shape == XW_SHAPE_LDLANE)
				xw_cc_dst(c, h[0]);
			emit_address(c, &a, &o[0], h[0]);
			xw_cc_operand(c, &o[1], h[1]);
			xw_cc_word(c, (uint32_t)off);
			xw_cc_word(c, lane);
			xw_cc_word(c, mem);
		}
		return in->shape == XW_SHAPE_LDLANE ? xw_cc_push_result(c, V, dpos) : 0;
	case XW_SHAPE_CONST:
		CHECK(xw_cc_bytes(c, imm, 16));
		if (xw_cc_live(c)) {
			xw_cc_op(c, op);
			dpos = xw_cc_here(c);
			xw_cc_dst_top(c);
			for (int i = 0; i < 16; i += 4)
				xw_cc_word(c, word_of(imm + i));
		}
		return xw_cc_push_result(c, V, dpos);
	case XW_SHAPE_SHUF:
		CHECK(xw_cc_bytes(c, imm, 16));
		for (int i = 0; i < 16; i++)
			if (imm[i] >= 32)
				return xw_cc_invalid(c, "invalid lane index");
		CHECK(pop_n(c, 2, (const uint8_t[]){ V, V }, o, h));
		if (xw_cc_live(c)) {
			xw_cc_op(c, op);
			dpos = xw_cc_here(c);
			xw_cc_dst(c, h[0]);
			xw_cc_operand(c, &o[0], h[0]);
			xw_cc_operand(c, &o[1], h[1]);
			/* the byte masks for a and for b; 0x80: the byte comes from the other */
			uint8_t m[32];
			for (int i = 0; i < 16; i++) {
				m[i] = imm[i] < 16 ? imm[i] : 0x80;
				m[16 + i] = imm[i] >= 16 ? imm[i] - 16 : 0x80;
			}
			for (int i = 0; i < 32; i += 4)
				xw_cc_word(c, word_of(m + i));
		}
		return xw_cc_push_result(c, V, dpos);
	case XW_SHAPE_SPLAT:
		CHECK(pop_n(c, 1, &in->a, o, h));
		return emit_value_op(c, op, 1, o, h, V, NO_LANE);
	case XW_SHAPE_EXTR:
	case XW_SHAPE_REPL: {
		CHECK(rd_lane(c, in->b, &lane));
		int n = in->shape == XW_SHAPE_EXTR ? 1 : 2;
		CHECK(pop_n(c, n, (const uint8_t[]){ V, in->a }, o, h));
		return emit_value_op(c, op, n, o, h, n == 1 ? in->a : V, lane);
	}
	case XW_SHAPE_UN:
		CHECK(pop_n(c, 1, &V, o, h));
		return emit_value_op(c, op, 1, o, h, V, NO_LANE);
	case XW_SHAPE_BIN:
		CHECK(pop_n(c, 2, (const uint8_t[]){ V, V }, o, h));
		return emit_value_op(c, op, 2, o, h, V, NO_LANE);
	case XW_SHAPE_TERN:
		CHECK(pop_n(c, 3, (const uint8_t[]){ V, V, V }, o, h));
		return emit_value_op(c, op, 3, o, h, V, NO_LANE);
	case XW_SHAPE_TEST:
		CHECK(pop_n(c, 1, &V, o, h));
		return emit_value_op(c, op, 1, o, h, I, NO_LANE);
	case XW_SHAPE_SHIFT:
		CHECK(pop_n(c, 2, (const uint8_t[]){ V, I }, o, h));
		return emit_value_op(c, op, 2, o, h, V, NO_LANE);
	}
	return xw_cc_bad_simd(c, sub);
}
