/* Validation and translation of the atomic instructions (threads, prefix 0xfe): the
 * sub-opcode's row in atomic_table.h gives the kind (load, store, read-modify-write, cmpxchg,
 * wait, notify), the value type and the access width, which fix the operand types and the
 * internal op. The memarg's alignment must be exactly the natural one ("atomic alignment must
 * be natural"); the run-time alignment of the effective address is checked by the handlers
 * (interp_atomic.inc). Atomics are valid on unshared memories too (wait traps there at run
 * time); atomic.fence needs no memory and emits nothing. */
#include <stdio.h>
#include "xdperf/wasm.h"
#include "wasm/compile_int.h"

#define CHECK(x) do { int _r = (x); if (_r) return _r; } while (0)

/* So that every kind's op is its first op + log2 width, like the families' NAME_8.. ops. */
#define XW_OP_ATOMIC_NOTIFY_8 (XW_OP_ATOMIC_NOTIFY - 2)
#define XW_OP_ATOMIC_WAIT_8 (XW_OP_ATOMIC_WAIT32 - 2)

static const struct atomic_info {
	uint8_t present, kind, type, lg;
	uint16_t op;
} infos[0x4f] = {
#define ROW(NAME, sub, k, t, l) \
	[sub] = { .present = 1, .kind = k, .type = XWASM_##t, .lg = l, .op = XW_OP_ATOMIC_##NAME##_8 + l },
	XW_ATOMIC_TABLE(ROW)
#undef ROW
};

static void emit_offset(struct cc *c, uint64_t off)
{
	xw_cc_word(c, (uint32_t)off);
	xw_cc_word(c, (uint32_t)(off >> 32));
}

int xw_compile_atomic(struct cc *c)
{
	uint32_t sub;
	CHECK(xw_cc_u32(c, &sub));
	if (sub == 0x03) { /* atomic.fence: a reserved zero byte */
		uint8_t flags;
		CHECK(xw_cc_u8(c, &flags));
		if (flags != 0)
			return xw_cc_invalid(c, "malformed: atomic.fence flags must be 0");
		return 0;
	}
	if (sub >= sizeof infos / sizeof infos[0] || !infos[sub].present) {
		char what[80];
		snprintf(what, sizeof what, "malformed: illegal opcode 0xfe 0x%x", sub);
		return xw_cc_invalid(c, what);
	}
	const struct atomic_info *in = &infos[sub];
	uint64_t off;
	uint32_t mem;
	CHECK(xw_cc_memarg_atomic(c, in->lg, &off, &mem));
	bool m64 = xw_cc_mem64(c, mem);
	uint8_t at = m64 ? XWASM_I64 : XWASM_I32;

	/* operand types, bottom first: the address, then the kind's values */
	uint8_t types[3] = { at, in->type, in->type };
	int n = 1;
	uint8_t result = in->type;
	bool has_result = true;
	switch (in->kind) {
	case XW_AK_NOTIFY: types[1] = XWASM_I32; n = 2; result = XWASM_I32; break;
	case XW_AK_WAIT: types[2] = XWASM_I64; n = 3; result = XWASM_I32; break;
	case XW_AK_LOAD: n = 1; break;
	case XW_AK_STORE: n = 2; has_result = false; break;
	case XW_AK_RMW: n = 2; break;
	case XW_AK_CMPXCHG: n = 3; break;
	}
	struct opd o[3];
	uint32_t h[3];
	for (int i = n; i-- > 0;)
		CHECK(xw_cc_pop(c, types[i], &o[i], &h[i]));
	uint32_t dpos = 0;
	if (xw_cc_live(c)) {
		xw_cc_op(c, (enum xw_op)in->op);
		dpos = xw_cc_here(c);
		if (has_result)
			xw_cc_dst(c, h[0]);
		for (int i = 0; i < n; i++)
			xw_cc_operand(c, &o[i], h[i]);
		emit_offset(c, off);
		xw_cc_word(c, mem | (m64 ? XW_ATOMIC_MEM64 : 0));
	}
	return has_result ? xw_cc_push_result(c, result, dpos) : 0;
}
