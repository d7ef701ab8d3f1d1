/* The SIMD table (simd_table.h) indexed by sub-opcode. */
#include <stddef.h>
#include "wasm/simd_ops.h"
#include "wasm/code.h"

#define ROW(X, NAME, SUB, SHAPE, A, B) [SUB] = { XW_OP_##NAME, XW_SHAPE_##SHAPE, A, B, #NAME },
static const struct xw_simd_info table[256] = { XW_SIMD_TABLE(ROW, 0) };
#undef ROW

const struct xw_simd_info *xw_simd_lookup(uint32_t sub)
{
	if (sub >= 256 || !table[sub].shape)
		return NULL;
	return &table[sub];
}
