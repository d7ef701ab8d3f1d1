/* The one table of WebAssembly 2.0 SIMD instructions (prefix 0xfd): each row names the
 * internal op, its sub-opcode, its shape and two shape parameters. The op enum and operand
 * counts (code.h), the decoder/validator's lookup (simd_ops.c), the translator (compile.c,
 * op_simd) and the interpreter's handlers (interp_simd.inc) are all generated from it or
 * keyed by it.
 *
 * Shapes (operand words of the internal op in brackets; d = destination slot):
 *   LOAD   [d a k off m]          i32 -> v128; A = log2 of the natural alignment
 *   STORE  [a k v off m]          i32 v128 -> ; A = 4
 *   LDLANE [d a k v off lane m]   i32 v128 -> v128; A = log2 lane bytes, B = lanes
 *   STLANE [a k v off lane m]     i32 v128 -> ; A, B as LDLANE
 *     (the address is (u32)(a + k) + off in memory m: k takes the constant of an i32.add
 *     that computed the address, fused into the access; else 0)
 *   CONST  [d w0 w1 w2 w3]        -> v128 (16 immediate bytes)
 *   SHUF   [d a b m0..m3 n0..n3]  v128 v128 -> v128: 16 lane indexes < 32 given as two byte
 *     masks, m picking from a and n from b (pshufb's form: bit 7 set = none)
 *   SPLAT  [d x]                  A -> v128 (A = scalar value type)
 *   EXTR   [d v lane]             v128 -> A; B = lanes
 *   REPL   [d v x lane]           v128 A -> v128; B = lanes
 *   UN [d a], BIN [d a b], TERN [d a b c]   v128 operands -> v128
 *   TEST   [d a]                  v128 -> i32
 *   SHIFT  [d a n]                v128 i32 -> v128
 * Sub-opcodes not listed (0x9a, 0xa2, ...) are reserved: malformed.
 */
#ifndef XW_SIMD_TABLE_H
#define XW_SIMD_TABLE_H

#define XW_SHAPE_NARGS_LOAD 5
#define XW_SHAPE_NARGS_STORE 5
#define XW_SHAPE_NARGS_LDLANE 7
#define XW_SHAPE_NARGS_STLANE 6
#define XW_SHAPE_NARGS_CONST 5
#define XW_SHAPE_NARGS_SHUF 11
#define XW_SHAPE_NARGS_SPLAT 2
#define XW_SHAPE_NARGS_EXTR 3
#define XW_SHAPE_NARGS_REPL 4
#define XW_SHAPE_NARGS_UN 2
#define XW_SHAPE_NARGS_BIN 3
#define XW_SHAPE_NARGS_TERN 4
#define XW_SHAPE_NARGS_TEST 2
#define XW_SHAPE_NARGS_SHIFT 3

/* Scalar value types for SPLAT/EXTR/REPL (the binary encodings, as enum xwasm_valtype). */
#define XW_ST_I32 0x7f
#define XW_ST_I64 0x7e
#define XW_ST_F32 0x7d
#define XW_ST_F64 0x7c

/* M(X, NAME, SUB, SHAPE, A, B) */
#define XW_SIMD_TABLE(M, X)                                                                   \
	M(X, V128_LOAD, 0x00, LOAD, 4, 0) M(X, V128_LOAD8X8_S, 0x01, LOAD, 3, 0)                   \
	M(X, V128_LOAD8X8_U, 0x02, LOAD, 3, 0) M(X, V128_LOAD16X4_S, 0x03, LOAD, 3, 0)             \
	M(X, V128_LOAD16X4_U, 0x04, LOAD, 3, 0) M(X, V128_LOAD32X2_S, 0x05, LOAD, 3, 0)            \
	M(X, V128_LOAD32X2_U, 0x06, LOAD, 3, 0) M(X, V128_LOAD8_SPLAT, 0x07, LOAD, 0, 0)           \
	M(X, V128_LOAD16_SPLAT, 0x08, LOAD, 1, 0) M(X, V128_LOAD32_SPLAT, 0x09, LOAD, 2, 0)        \
	M(X, V128_LOAD64_SPLAT, 0x0a, LOAD, 3, 0) M(X, V128_STORE, 0x0b, STORE, 4, 0)              \
	M(X, V128_CONST, 0x0c, CONST, 0, 0) M(X, I8X16_SHUFFLE, 0x0d, SHUF, 0, 0)                  \
	M(X, I8X16_SWIZZLE, 0x0e, BIN, 0, 0)                                                       \
	M(X, I8X16_SPLAT, 0x0f, SPLAT, XW_ST_I32, 16) M(X, I16X8_SPLAT, 0x10, SPLAT, XW_ST_I32, 8) \
	M(X, I32X4_SPLAT, 0x11, SPLAT, XW_ST_I32, 4) M(X, I64X2_SPLAT, 0x12, SPLAT, XW_ST_I64, 2)  \
	M(X, F32X4_SPLAT, 0x13, SPLAT, XW_ST_F32, 4) M(X, F64X2_SPLAT, 0x14, SPLAT, XW_ST_F64, 2)  \
	M(X, I8X16_EXTRACT_LANE_S, 0x15, EXTR, XW_ST_I32, 16)                                      \
	M(X, I8X16_EXTRACT_LANE_U, 0x16, EXTR, XW_ST_I32, 16)                                      \
	M(X, I8X16_REPLACE_LANE, 0x17, REPL, XW_ST_I32, 16)                                        \
	M(X, I16X8_EXTRACT_LANE_S, 0x18, EXTR, XW_ST_I32, 8)                                       \
	M(X, I16X8_EXTRACT_LANE_U, 0x19, EXTR, XW_ST_I32, 8)                                       \
	M(X, I16X8_REPLACE_LANE, 0x1a, REPL, XW_ST_I32, 8)                                         \
	M(X, I32X4_EXTRACT_LANE, 0x1b, EXTR, XW_ST_I32, 4)                                         \
	M(X, I32X4_REPLACE_LANE, 0x1c, REPL, XW_ST_I32, 4)                                         \
	M(X, I64X2_EXTRACT_LANE, 0x1d, EXTR, XW_ST_I64, 2)                                         \
	M(X, I64X2_REPLACE_LANE, 0x1e, REPL, XW_ST_I64, 2)                                         \
	M(X, F32X4_EXTRACT_LANE, 0x1f, EXTR, XW_ST_F32, 4)                                         \
	M(X, F32X4_REPLACE_LANE, 0x20, REPL, XW_ST_F32, 4)                                         \
	M(X, F64X2_EXTRACT_LANE, 0x21, EXTR, XW_ST_F64, 2)                                         \
	M(X, F64X2_REPLACE_LANE, 0x22, REPL, XW_ST_F64, 2)                                         \
	M(X, I8X16_EQ, 0x23, BIN, 0, 0) M(X, I8X16_NE, 0x24, BIN, 0, 0)                            \
	M(X, I8X16_LT_S, 0x25, BIN, 0, 0) M(X, I8X16_LT_U, 0x26, BIN, 0, 0)                        \
	M(X, I8X16_GT_S, 0x27, BIN, 0, 0) M(X, I8X16_GT_U, 0x28, BIN, 0, 0)                        \
	M(X, I8X16_LE_S, 0x29, BIN, 0, 0) M(X, I8X16_LE_U, 0x2a, BIN, 0, 0)                        \
	M(X, I8X16_GE_S, 0x2b, BIN, 0, 0) M(X, I8X16_GE_U, 0x2c, BIN, 0, 0)                        \
	M(X, I16X8_EQ, 0x2d, BIN, 0, 0) M(X, I16X8_NE, 0x2e, BIN, 0, 0)                            \
	M(X, I16X8_LT_S, 0x2f, BIN, 0, 0) M(X, I16X8_LT_U, 0x30, BIN, 0, 0)                        \
	M(X, I16X8_GT_S, 0x31, BIN, 0, 0) M(X, I16X8_GT_U, 0x32, BIN, 0, 0)                        \
	M(X, I16X8_LE_S, 0x33, BIN, 0, 0) M(X, I16X8_LE_U, 0x34, BIN, 0, 0)                        \
	M(X, I16X8_GE_S, 0x35, BIN, 0, 0) M(X, I16X8_GE_U, 0x36, BIN, 0, 0)                        \
	M(X, I32X4_EQ, 0x37, BIN, 0, 0) M(X, I32X4_NE, 0x38, BIN, 0, 0)                            \
	M(X, I32X4_LT_S, 0x39, BIN, 0, 0) M(X, I32X4_LT_U, 0x3a, BIN, 0, 0)                        \
	M(X, I32X4_GT_S, 0x3b, BIN, 0, 0) M(X, I32X4_GT_U, 0x3c, BIN, 0, 0)                        \
	M(X, I32X4_LE_S, 0x3d, BIN, 0, 0) M(X, I32X4_LE_U, 0x3e, BIN, 0, 0)                        \
	M(X, I32X4_GE_S, 0x3f, BIN, 0, 0) M(X, I32X4_GE_U, 0x40, BIN, 0, 0)                        \
	M(X, F32X4_EQ, 0x41, BIN, 0, 0) M(X, F32X4_NE, 0x42, BIN, 0, 0)                            \
	M(X, F32X4_LT, 0x43, BIN, 0, 0) M(X, F32X4_GT, 0x44, BIN, 0, 0)                            \
	M(X, F32X4_LE, 0x45, BIN, 0, 0) M(X, F32X4_GE, 0x46, BIN, 0, 0)                            \
	M(X, F64X2_EQ, 0x47, BIN, 0, 0) M(X, F64X2_NE, 0x48, BIN, 0, 0)                            \
	M(X, F64X2_LT, 0x49, BIN, 0, 0) M(X, F64X2_GT, 0x4a, BIN, 0, 0)                            \
	M(X, F64X2_LE, 0x4b, BIN, 0, 0) M(X, F64X2_GE, 0x4c, BIN, 0, 0)                            \
	M(X, V128_NOT, 0x4d, UN, 0, 0) M(X, V128_AND, 0x4e, BIN, 0, 0)                             \
	M(X, V128_ANDNOT, 0x4f, BIN, 0, 0) M(X, V128_OR, 0x50, BIN, 0, 0)                          \
	M(X, V128_XOR, 0x51, BIN, 0, 0) M(X, V128_BITSELECT, 0x52, TERN, 0, 0)                     \
	M(X, V128_ANY_TRUE, 0x53, TEST, 0, 0)                                                      \
	M(X, V128_LOAD8_LANE, 0x54, LDLANE, 0, 16) M(X, V128_LOAD16_LANE, 0x55, LDLANE, 1, 8)      \
	M(X, V128_LOAD32_LANE, 0x56, LDLANE, 2, 4) M(X, V128_LOAD64_LANE, 0x57, LDLANE, 3, 2)      \
	M(X, V128_STORE8_LANE, 0x58, STLANE, 0, 16) M(X, V128_STORE16_LANE, 0x59, STLANE, 1, 8)    \
	M(X, V128_STORE32_LANE, 0x5a, STLANE, 2, 4) M(X, V128_STORE64_LANE, 0x5b, STLANE, 3, 2)    \
	M(X, V128_LOAD32_ZERO, 0x5c, LOAD, 2, 0) M(X, V128_LOAD64_ZERO, 0x5d, LOAD, 3, 0)          \
	M(X, F32X4_DEMOTE_F64X2_ZERO, 0x5e, UN, 0, 0) M(X, F64X2_PROMOTE_LOW_F32X4, 0x5f, UN, 0, 0)\
	M(X, I8X16_ABS, 0x60, UN, 0, 0) M(X, I8X16_NEG, 0x61, UN, 0, 0)                            \
	M(X, I8X16_POPCNT, 0x62, UN, 0, 0) M(X, I8X16_ALL_TRUE, 0x63, TEST, 0, 0)                  \
	M(X, I8X16_BITMASK, 0x64, TEST, 0, 0) M(X, I8X16_NARROW_I16X8_S, 0x65, BIN, 0, 0)          \
	M(X, I8X16_NARROW_I16X8_U, 0x66, BIN, 0, 0)                                                \
	M(X, F32X4_CEIL, 0x67, UN, 0, 0) M(X, F32X4_FLOOR, 0x68, UN, 0, 0)                         \
	M(X, F32X4_TRUNC, 0x69, UN, 0, 0) M(X, F32X4_NEAREST, 0x6a, UN, 0, 0)                      \
	M(X, I8X16_SHL, 0x6b, SHIFT, 0, 0) M(X, I8X16_SHR_S, 0x6c, SHIFT, 0, 0)                    \
	M(X, I8X16_SHR_U, 0x6d, SHIFT, 0, 0) M(X, I8X16_ADD, 0x6e, BIN, 0, 0)                      \
	M(X, I8X16_ADD_SAT_S, 0x6f, BIN, 0, 0) M(X, I8X16_ADD_SAT_U, 0x70, BIN, 0, 0)              \
	M(X, I8X16_SUB, 0x71, BIN, 0, 0) M(X, I8X16_SUB_SAT_S, 0x72, BIN, 0, 0)                    \
	M(X, I8X16_SUB_SAT_U, 0x73, BIN, 0, 0)                                                     \
	M(X, F64X2_CEIL, 0x74, UN, 0, 0) M(X, F64X2_FLOOR, 0x75, UN, 0, 0)                         \
	M(X, I8X16_MIN_S, 0x76, BIN, 0, 0) M(X, I8X16_MIN_U, 0x77, BIN, 0, 0)                      \
	M(X, I8X16_MAX_S, 0x78, BIN, 0, 0) M(X, I8X16_MAX_U, 0x79, BIN, 0, 0)                      \
	M(X, F64X2_TRUNC, 0x7a, UN, 0, 0) M(X, I8X16_AVGR_U, 0x7b, BIN, 0, 0)                      \
	M(X, I16X8_EXTADD_PAIRWISE_I8X16_S, 0x7c, UN, 0, 0)                                        \
	M(X, I16X8_EXTADD_PAIRWISE_I8X16_U, 0x7d, UN, 0, 0)                                        \
	M(X, I32X4_EXTADD_PAIRWISE_I16X8_S, 0x7e, UN, 0, 0)                                        \
	M(X, I32X4_EXTADD_PAIRWISE_I16X8_U, 0x7f, UN, 0, 0)                                        \
	M(X, I16X8_ABS, 0x80, UN, 0, 0) M(X, I16X8_NEG, 0x81, UN, 0, 0)                            \
	M(X, I16X8_Q15MULR_SAT_S, 0x82, BIN, 0, 0) M(X, I16X8_ALL_TRUE, 0x83, TEST, 0, 0)          \
	M(X, I16X8_BITMASK, 0x84, TEST, 0, 0) M(X, I16X8_NARROW_I32X4_S, 0x85, BIN, 0, 0)          \
	M(X, I16X8_NARROW_I32X4_U, 0x86, BIN, 0, 0)                                                \
	M(X, I16X8_EXTEND_LOW_I8X16_S, 0x87, UN, 0, 0) M(X, I16X8_EXTEND_HIGH_I8X16_S, 0x88, UN, 0, 0) \
	M(X, I16X8_EXTEND_LOW_I8X16_U, 0x89, UN, 0, 0) M(X, I16X8_EXTEND_HIGH_I8X16_U, 0x8a, UN, 0, 0) \
	M(X, I16X8_SHL, 0x8b, SHIFT, 0, 0) M(X, I16X8_SHR_S, 0x8c, SHIFT, 0, 0)                    \
	M(X, I16X8_SHR_U, 0x8d, SHIFT, 0, 0) M(X, I16X8_ADD, 0x8e, BIN, 0, 0)                      \
	M(X, I16X8_ADD_SAT_S, 0x8f, BIN, 0, 0) M(X, I16X8_ADD_SAT_U, 0x90, BIN, 0, 0)              \
	M(X, I16X8_SUB, 0x91, BIN, 0, 0) M(X, I16X8_SUB_SAT_S, 0x92, BIN, 0, 0)                    \
	M(X, I16X8_SUB_SAT_U, 0x93, BIN, 0, 0) M(X, F64X2_NEAREST, 0x94, UN, 0, 0)                 \
	M(X, I16X8_MUL, 0x95, BIN, 0, 0) M(X, I16X8_MIN_S, 0x96, BIN, 0, 0)                        \
	M(X, I16X8_MIN_U, 0x97, BIN, 0, 0) M(X, I16X8_MAX_S, 0x98, BIN, 0, 0)                      \
	M(X, I16X8_MAX_U, 0x99, BIN, 0, 0) M(X, I16X8_AVGR_U, 0x9b, BIN, 0, 0)                     \
	M(X, I16X8_EXTMUL_LOW_I8X16_S, 0x9c, BIN, 0, 0) M(X, I16X8_EXTMUL_HIGH_I8X16_S, 0x9d, BIN, 0, 0) \
	M(X, I16X8_EXTMUL_LOW_I8X16_U, 0x9e, BIN, 0, 0) M(X, I16X8_EXTMUL_HIGH_I8X16_U, 0x9f, BIN, 0, 0) \
	M(X, I32X4_ABS, 0xa0, UN, 0, 0) M(X, I32X4_NEG, 0xa1, UN, 0, 0)                            \
	M(X, I32X4_ALL_TRUE, 0xa3, TEST, 0, 0) M(X, I32X4_BITMASK, 0xa4, TEST, 0, 0)               \
	M(X, I32X4_EXTEND_LOW_I16X8_S, 0xa7, UN, 0, 0) M(X, I32X4_EXTEND_HIGH_I16X8_S, 0xa8, UN, 0, 0) \
	M(X, I32X4_EXTEND_LOW_I16X8_U, 0xa9, UN, 0, 0) M(X, I32X4_EXTEND_HIGH_I16X8_U, 0xaa, UN, 0, 0) \
	M(X, I32X4_SHL, 0xab, SHIFT, 0, 0) M(X, I32X4_SHR_S, 0xac, SHIFT, 0, 0)                    \
	M(X, I32X4_SHR_U, 0xad, SHIFT, 0, 0) M(X, I32X4_ADD, 0xae, BIN, 0, 0)                      \
	M(X, I32X4_SUB, 0xb1, BIN, 0, 0) M(X, I32X4_MUL, 0xb5, BIN, 0, 0)                          \
	M(X, I32X4_MIN_S, 0xb6, BIN, 0, 0) M(X, I32X4_MIN_U, 0xb7, BIN, 0, 0)                      \
	M(X, I32X4_MAX_S, 0xb8, BIN, 0, 0) M(X, I32X4_MAX_U, 0xb9, BIN, 0, 0)                      \
	M(X, I32X4_DOT_I16X8_S, 0xba, BIN, 0, 0)                                                   \
	M(X, I32X4_EXTMUL_LOW_I16X8_S, 0xbc, BIN, 0, 0) M(X, I32X4_EXTMUL_HIGH_I16X8_S, 0xbd, BIN, 0, 0) \
	M(X, I32X4_EXTMUL_LOW_I16X8_U, 0xbe, BIN, 0, 0) M(X, I32X4_EXTMUL_HIGH_I16X8_U, 0xbf, BIN, 0, 0) \
	M(X, I64X2_ABS, 0xc0, UN, 0, 0) M(X, I64X2_NEG, 0xc1, UN, 0, 0)                            \
	M(X, I64X2_ALL_TRUE, 0xc3, TEST, 0, 0) M(X, I64X2_BITMASK, 0xc4, TEST, 0, 0)               \
	M(X, I64X2_EXTEND_LOW_I32X4_S, 0xc7, UN, 0, 0) M(X, I64X2_EXTEND_HIGH_I32X4_S, 0xc8, UN, 0, 0) \
	M(X, I64X2_EXTEND_LOW_I32X4_U, 0xc9, UN, 0, 0) M(X, I64X2_EXTEND_HIGH_I32X4_U, 0xca, UN, 0, 0) \
	M(X, I64X2_SHL, 0xcb, SHIFT, 0, 0) M(X, I64X2_SHR_S, 0xcc, SHIFT, 0, 0)                    \
	M(X, I64X2_SHR_U, 0xcd, SHIFT, 0, 0) M(X, I64X2_ADD, 0xce, BIN, 0, 0)                      \
	M(X, I64X2_SUB, 0xd1, BIN, 0, 0) M(X, I64X2_MUL, 0xd5, BIN, 0, 0)                          \
	M(X, I64X2_EQ, 0xd6, BIN, 0, 0) M(X, I64X2_NE, 0xd7, BIN, 0, 0)                            \
	M(X, I64X2_LT_S, 0xd8, BIN, 0, 0) M(X, I64X2_GT_S, 0xd9, BIN, 0, 0)                        \
	M(X, I64X2_LE_S, 0xda, BIN, 0, 0) M(X, I64X2_GE_S, 0xdb, BIN, 0, 0)                        \
	M(X, I64X2_EXTMUL_LOW_I32X4_S, 0xdc, BIN, 0, 0) M(X, I64X2_EXTMUL_HIGH_I32X4_S, 0xdd, BIN, 0, 0) \
	M(X, I64X2_EXTMUL_LOW_I32X4_U, 0xde, BIN, 0, 0) M(X, I64X2_EXTMUL_HIGH_I32X4_U, 0xdf, BIN, 0, 0) \
	M(X, F32X4_ABS, 0xe0, UN, 0, 0) M(X, F32X4_NEG, 0xe1, UN, 0, 0)                            \
	M(X, F32X4_SQRT, 0xe3, UN, 0, 0) M(X, F32X4_ADD, 0xe4, BIN, 0, 0)                          \
	M(X, F32X4_SUB, 0xe5, BIN, 0, 0) M(X, F32X4_MUL, 0xe6, BIN, 0, 0)                          \
	M(X, F32X4_DIV, 0xe7, BIN, 0, 0) M(X, F32X4_MIN, 0xe8, BIN, 0, 0)                          \
	M(X, F32X4_MAX, 0xe9, BIN, 0, 0) M(X, F32X4_PMIN, 0xea, BIN, 0, 0)                         \
	M(X, F32X4_PMAX, 0xeb, BIN, 0, 0)                                                          \
	M(X, F64X2_ABS, 0xec, UN, 0, 0) M(X, F64X2_NEG, 0xed, UN, 0, 0)                            \
	M(X, F64X2_SQRT, 0xef, UN, 0, 0) M(X, F64X2_ADD, 0xf0, BIN, 0, 0)                          \
	M(X, F64X2_SUB, 0xf1, BIN, 0, 0) M(X, F64X2_MUL, 0xf2, BIN, 0, 0)                          \
	M(X, F64X2_DIV, 0xf3, BIN, 0, 0) M(X, F64X2_MIN, 0xf4, BIN, 0, 0)                          \
	M(X, F64X2_MAX, 0xf5, BIN, 0, 0) M(X, F64X2_PMIN, 0xf6, BIN, 0, 0)                         \
	M(X, F64X2_PMAX, 0xf7, BIN, 0, 0)                                                          \
	M(X, I32X4_TRUNC_SAT_F32X4_S, 0xf8, UN, 0, 0) M(X, I32X4_TRUNC_SAT_F32X4_U, 0xf9, UN, 0, 0) \
	M(X, F32X4_CONVERT_I32X4_S, 0xfa, UN, 0, 0) M(X, F32X4_CONVERT_I32X4_U, 0xfb, UN, 0, 0)    \
	M(X, I32X4_TRUNC_SAT_F64X2_S_ZERO, 0xfc, UN, 0, 0)                                         \
	M(X, I32X4_TRUNC_SAT_F64X2_U_ZERO, 0xfd, UN, 0, 0)                                         \
	M(X, F64X2_CONVERT_LOW_I32X4_S, 0xfe, UN, 0, 0) M(X, F64X2_CONVERT_LOW_I32X4_U, 0xff, UN, 0, 0)

/* Expands a table row into code.h's X(name, operand words). */
#define XW_SIMD_AS_OP(X, NAME, SUB, SHAPE, A, B) X(NAME, XW_SHAPE_NARGS_##SHAPE)

#endif
