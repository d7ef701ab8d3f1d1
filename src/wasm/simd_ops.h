/* Lookup of a SIMD sub-opcode (after the 0xfd prefix) in the SIMD table (simd_table.h). */
#ifndef XW_SIMD_OPS_H
#define XW_SIMD_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include "wasm/simd_table.h"

enum xw_simd_shape {
	XW_SHAPE_LOAD = 1, XW_SHAPE_STORE, XW_SHAPE_LDLANE, XW_SHAPE_STLANE, XW_SHAPE_CONST,
	XW_SHAPE_SHUF, XW_SHAPE_SPLAT, XW_SHAPE_EXTR, XW_SHAPE_REPL, XW_SHAPE_UN, XW_SHAPE_BIN,
	XW_SHAPE_TERN, XW_SHAPE_TEST, XW_SHAPE_SHIFT,
};

struct xw_simd_info {
	uint16_t op;      /* enum xw_op */
	uint8_t shape;    /* enum xw_simd_shape; 0: no such instruction */
	uint8_t a, b;     /* the table's shape parameters */
	const char *name; /* the op name, e.g. "I8X16_ADD" */
};

/* The row of sub-opcode `sub`, or NULL when it is not a 2.0 SIMD instruction. */
const struct xw_simd_info *xw_simd_lookup(uint32_t sub);

#endif
