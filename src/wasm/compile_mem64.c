/* Translation of the memory instructions on 64-bit memories (memory64): the translator
 * (compile.c, compile_simd.c) reads an instruction's immediates and hands it here when the
 * memory it names has a 64-bit index type. Addresses, sizes and lengths are then i64 (a
 * copy between a 32- and a 64-bit memory takes each address in its memory's type and an i32
 * length); the ops emitted are those of mem64_table.h. Accesses to 32-bit memories never
 * come here, so their ops (and memory 0's fast path) are as before. */
#include "xdperf/wasm.h"
#include "wasm/compile_int.h"
#include "wasm/simd_ops.h"

#define CHECK(x) do { int _r = (x); if (_r) return _r; } while (0)

/* The 64-bit form of a plain load or store op. */
static enum xw_op wide_op(enum xw_op op)
{
	switch (op) {
#define WIDE_CASE(X, NAME) case XW_OP_##NAME: return XW_OP_##NAME##_64;
	XW_MEM64_LOADS(WIDE_CASE, _) XW_MEM64_STORES(WIDE_CASE, _)
#undef WIDE_CASE
	default: return op;
	}
}

static void emit_offset(struct cc *c, uint64_t off)
{
	xw_cc_word(c, (uint32_t)off);
	xw_cc_word(c, (uint32_t)(off >> 32));
}

static uint8_t addr_type(const struct cc *c, uint32_t mem)
{
	return xw_cc_mem64(c, mem) ? XWASM_I64 : XWASM_I32;
}

int xw_compile_mem64_load(struct cc *c, enum xw_op op, uint32_t mem, uint64_t off, uint8_t tout)
{
	struct opd a;
	uint32_t h, dpos = 0;
	CHECK(xw_cc_pop(c, XWASM_I64, &a, &h));
	if (xw_cc_live(c)) {
		xw_cc_op(c, wide_op(op));
		dpos = xw_cc_here(c);
		xw_cc_dst(c, h);
		xw_cc_operand(c, &a, h);
		emit_offset(c, off);
		xw_cc_word(c, mem);
	}
	return xw_cc_push_result(c, tout, dpos);
}

int xw_compile_mem64_store(struct cc *c, enum xw_op op, uint32_t mem, uint64_t off, uint8_t tval)
{
	struct opd a, v;
	uint32_t ha, hv;
	CHECK(xw_cc_pop(c, tval, &v, &hv));
	CHECK(xw_cc_pop(c, XWASM_I64, &a, &ha));
	if (xw_cc_live(c)) {
		xw_cc_op(c, wide_op(op));
		xw_cc_operand(c, &a, ha);
		xw_cc_operand(c, &v, hv);
		emit_offset(c, off);
		xw_cc_word(c, mem);
	}
	return 0;
}

int xw_compile_mem64_size(struct cc *c, uint32_t mem)
{
	uint32_t dpos = 0;
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_MEMORY_SIZE_64);
		dpos = xw_cc_here(c);
		xw_cc_dst_top(c);
		xw_cc_word(c, mem);
	}
	return xw_cc_push_result(c, XWASM_I64, dpos);
}

int xw_compile_mem64_grow(struct cc *c, uint32_t mem)
{
	struct opd a;
	uint32_t h, dpos = 0;
	CHECK(xw_cc_pop(c, XWASM_I64, &a, &h));
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_MEMORY_GROW_64);
		dpos = xw_cc_here(c);
		xw_cc_dst(c, h);
		xw_cc_operand(c, &a, h);
		xw_cc_word(c, mem);
	}
	return xw_cc_push_result(c, XWASM_I64, dpos);
}

/* Pops three operands of types t[0] (deepest), t[1], t[2] and emits op with their slots. */
static int emit_three(struct cc *c, enum xw_op op, const uint8_t t[3], struct opd o[3], uint32_t h[3])
{
	for (int i = 3; i-- > 0;)
		CHECK(xw_cc_pop(c, t[i], &o[i], &h[i]));
	if (xw_cc_live(c)) {
		xw_cc_op(c, op);
		for (int i = 0; i < 3; i++)
			xw_cc_operand(c, &o[i], h[i]);
	}
	return 0;
}

int xw_compile_mem64_fill(struct cc *c, uint32_t mem)
{
	struct opd o[3];
	uint32_t h[3];
	CHECK(emit_three(c, XW_OP_MEMORY_FILL_64, (const uint8_t[]){ XWASM_I64, XWASM_I32, XWASM_I64 },
			 o, h));
	if (xw_cc_live(c))
		xw_cc_word(c, mem);
	return 0;
}

int xw_compile_mem64_copy(struct cc *c, uint32_t dmem, uint32_t smem)
{
	uint8_t dt = addr_type(c, dmem), st = addr_type(c, smem);
	/* the length has the narrower of the two index types */
	uint8_t nt = dt == XWASM_I64 && st == XWASM_I64 ? XWASM_I64 : XWASM_I32;
	struct opd o[3];
	uint32_t h[3];
	CHECK(emit_three(c, XW_OP_MEMORY_COPY_64, (const uint8_t[]){ dt, st, nt }, o, h));
	if (xw_cc_live(c)) {
		xw_cc_word(c, dmem);
		xw_cc_word(c, smem);
		xw_cc_word(c, (dt == XWASM_I64 ? 1u : 0) | (st == XWASM_I64 ? 2u : 0) |
				      (nt == XWASM_I64 ? 4u : 0));
	}
	return 0;
}

int xw_compile_mem64_init(struct cc *c, uint32_t seg, uint32_t mem)
{
	struct opd o[3];
	uint32_t h[3];
	const uint8_t t[3] = { XWASM_I64, XWASM_I32, XWASM_I32 };
	for (int i = 3; i-- > 0;)
		CHECK(xw_cc_pop(c, t[i], &o[i], &h[i]));
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_MEMORY_INIT_64);
		xw_cc_word(c, seg);
		for (int i = 0; i < 3; i++)
			xw_cc_operand(c, &o[i], h[i]);
		xw_cc_word(c, mem);
	}
	return 0;
}

/* A SIMD load or store on a 64-bit memory: MEM64_EA checks the i64 address plus offset for
 * the access's 2^a bytes and leaves the effective address (then below 4 GiB) in the
 * address's own stack slot, which the usual SIMD op takes with offset 0 (the SIMD ops'
 * layouts: simd_table.h). */
int xw_compile_mem64_simd(struct cc *c, const struct xw_simd_info *in, uint32_t mem, uint64_t off)
{
	bool lane_op = in->shape == XW_SHAPE_LDLANE || in->shape == XW_SHAPE_STLANE;
	bool has_value = in->shape != XW_SHAPE_LOAD;
	bool has_result = in->shape == XW_SHAPE_LOAD || in->shape == XW_SHAPE_LDLANE;
	uint8_t lane = 0;
	if (lane_op) {
		CHECK(xw_cc_u8(c, &lane));
		if (lane >= in->b)
			return xw_cc_invalid(c, "invalid lane index");
	}
	struct opd a, v;
	uint32_t ha, hv = 0, dpos = 0;
	if (has_value)
		CHECK(xw_cc_pop(c, XWASM_V128, &v, &hv));
	CHECK(xw_cc_pop(c, XWASM_I64, &a, &ha));
	if (xw_cc_live(c)) {
		xw_cc_op(c, XW_OP_MEM64_EA);
		xw_cc_dst(c, ha);
		xw_cc_operand(c, &a, ha);
		emit_offset(c, off);
		xw_cc_word(c, mem);
		xw_cc_word(c, 1u << in->a);

		xw_cc_op(c, (enum xw_op)in->op);
		dpos = xw_cc_here(c);
		if (has_result)
			xw_cc_dst(c, ha);
		xw_cc_dst(c, ha); /* the address: the slot MEM64_EA wrote, plus 0 */
		xw_cc_word(c, 0);
		if (has_value)
			xw_cc_operand(c, &v, hv);
		xw_cc_word(c, 0); /* offset */
		if (lane_op)
			xw_cc_word(c, lane);
		xw_cc_word(c, mem);
	}
	return has_result ? xw_cc_push_result(c, XWASM_V128, dpos) : 0;
}
