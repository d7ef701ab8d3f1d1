/* Extended constant expressions (the extended-const feature): a constant expression may be a
 * sequence of constant instructions (t.const, ref.null, ref.func, global.get of an imported
 * immutable global) and i32/i64 add, sub and mul, leaving exactly one value of the expected
 * type. Validation at decode time, evaluation at instantiation. A sequence of one instruction
 * keeps the single-instruction form (xw_constexpr op XW_CONST_I32 ...); a longer one becomes
 * XW_CONST_EXPR, re-read from the module's bytes when it is evaluated. */
#include <stdlib.h>
#include "wasm/decode_int.h"
#include "wasm/runtime.h"
#include "wasm/opcodes.h"

/* The arithmetic allowed (i32/i64 add, sub, mul: XW_OPF_CARITH in the opcode table). */
static bool arith_op(uint8_t op, uint8_t *type)
{
	if (!(xw_opcodes[op].flags & XW_OPF_CARITH))
		return false;
	*type = xw_opcodes[op].t2;
	return true;
}

/* t.const, ref.null, ref.func, global.get and the 0xfd prefix (v128.const: a v128 takes no
 * arithmetic, alone or invalid): XW_OPF_CONST in the opcode table. */
static bool is_const_op(uint8_t op)
{
	return xw_opcodes[op].flags & XW_OPF_CONST;
}

int xw_dec_const_expr_ext(xw_dec *d, xw_constexpr *ce, uint8_t expected)
{
	const uint8_t *start = d->p, *mismatch = NULL;
	uint8_t *types = NULL;
	uint32_t n = 0, cap = 0, depth = 0, ninstr = 0;
	int rc = 0;
	xw_constexpr one = { .op = XW_CONST_I32, .type = XWASM_I32 };
	for (;;) {
		if (d->p >= d->end) {
			rc = xw_dec_eof(d, d->p);
			break;
		}
		const uint8_t *at = d->p;
		uint8_t op = *d->p, t;
		if (op == 0x0b) {
			d->p++;
			break;
		}
		ninstr++;
		if (arith_op(op, &t)) {
			d->p++;
			if (n < 2 || types[n - 1] != t || types[n - 2] != t) {
				if (!mismatch)
					mismatch = at;
				n = n < 2 ? 0 : n - 2;
			} else {
				n -= 2;
			}
		} else if (is_const_op(op)) {
			if ((rc = xw_dec_const_instr(d, &one, expected)))
				break;
			t = one.type;
		} else {
			rc = xw_dec_fatal_invalid(d, at, "constant expression required (opcode 0x%02x %s)", op,
						  xw_opcode_name(op));
			break;
		}
		if (n == cap) {
			uint32_t ncap = cap ? cap * 2 : 16;
			uint8_t *nt = xw_dec_charge(d, ncap - cap) ? realloc(types, ncap) : NULL;
			if (!nt) {
				rc = xw_dec_nomem(d);
				break;
			}
			types = nt;
			cap = ncap;
		}
		types[n++] = t;
		if (n > depth)
			depth = n;
	}
	uint8_t result = n == 1 ? types[0] : 0;
	free(types);
	if (cap)
		xw_module_uncharge(d->m, cap);
	if (rc)
		return rc;
	if (ninstr == 0)
		return xw_dec_fatal_invalid(d, start, "type mismatch (empty constant expression)");
	if (depth > XW_CONSTEXPR_MAX_DEPTH)
		return xw_dec_unsupported(d, start, "constant expression deeper than 1024 values");
	if (mismatch || result != expected) {
		xw_dec_invalid(d, mismatch ? mismatch : start, "type mismatch (constant expression%s)",
			       n > 1 ? " leaves more than one value" : "");
		*ce = (xw_constexpr){ .op = XW_CONST_I32, .type = expected };
		return 0;
	}
	if (ninstr == 1)
		*ce = one;
	else
		*ce = (xw_constexpr){ .op = XW_CONST_EXPR, .type = result, .index = depth,
				      .bits = xw_dec_off(d, start) };
	return 0;
}

uint64_t xw_const_eval_seq(const xwasm_instance *inst, const xw_constexpr *e)
{
	uint64_t st[XW_CONSTEXPR_MAX_DEPTH];
	uint32_t n = 0;
	const xw_module *m = inst->mod;
	const uint8_t *p = m->bytes + e->bits, *end = m->bytes + m->len;
	/* validated at load: every read succeeds and the stack stays within e->index */
	while (p < end && *p != 0x0b) {
		uint8_t op = *p++;
		int32_t i32;
		int64_t i64;
		uint32_t u;
		switch (op) {
		case 0x41: xw_read_s32(&p, end, &i32); st[n++] = (uint32_t)i32; break;
		case 0x42: xw_read_s64(&p, end, &i64); st[n++] = (uint64_t)i64; break;
		case 0x43: u = 0; xw_read_bytes(&p, end, &u, 4); st[n++] = u; break;
		case 0x44: st[n] = 0; xw_read_bytes(&p, end, &st[n], 8); n++; break;
		case 0xd0: p++; st[n++] = 0; break;
		case 0xd2: xw_read_u32(&p, end, &u); st[n++] = (uint64_t)(uintptr_t)inst->funcs[u]; break;
		case 0x23: xw_read_u32(&p, end, &u); st[n++] = inst->globals[u]->value; break;
		case 0x6a: n--; st[n - 1] = (uint32_t)(st[n - 1] + st[n]); break;
		case 0x6b: n--; st[n - 1] = (uint32_t)(st[n - 1] - st[n]); break;
		case 0x6c: n--; st[n - 1] = (uint32_t)((uint32_t)st[n - 1] * (uint32_t)st[n]); break;
		case 0x7c: n--; st[n - 1] = st[n - 1] + st[n]; break;
		case 0x7d: n--; st[n - 1] = st[n - 1] - st[n]; break;
		case 0x7e: n--; st[n - 1] = st[n - 1] * st[n]; break;
		default: return 0; /* cannot happen: validated */
		}
	}
	return n ? st[n - 1] : 0;
}
