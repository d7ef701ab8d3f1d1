/* The opcode table (opcodes.h) as an array indexed by byte, and its feature groups. */
#include "wasm/opcodes.h"

#define ROW(b, name, group, kind, op, t1, t2, flags) \
	[b] = { name, group, kind, t1, t2, flags, (uint16_t)(op) },
const struct xw_opcode xw_opcodes[256] = { XW_OPCODES(ROW) };
#undef ROW

static const struct {
	const char *feature;
	uint32_t bit;
} groups[] = {
	[XW_G_CORE] = { "WebAssembly 2.0", 0 },
	[XW_G_TAIL] = { "tail calls", XWASM_FEATURE_TAIL_CALL },
	[XW_G_TAIL_REF] = { "tail calls", 0 },
	[XW_G_EH] = { "exception handling", XWASM_FEATURE_EXCEPTIONS },
	[XW_G_EH_LEGACY] = { "exception handling (legacy try/catch)", XWASM_FEATURE_EXCEPTIONS },
	[XW_G_FREF] = { "typed function references", 0 },
	[XW_G_GC] = { "garbage collection (GC)", 0 },
	[XW_G_THREADS] = { "threads: atomic memory access", XWASM_FEATURE_THREADS },
};

const char *xw_opgroup_feature(enum xw_opgroup g) { return groups[g].feature; }
uint32_t xw_opgroup_bit(enum xw_opgroup g) { return groups[g].bit; }
