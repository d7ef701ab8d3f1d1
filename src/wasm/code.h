/* Internal code format: the compiler (compile.c) translates each function body once into a
 * stream of 32-bit words that the interpreter (interp.c) dispatches with computed goto.
 *
 * Every instruction is [handler][operands...]. Branch ops come in two forms: to a block end
 * (forward) and, with an _L suffix, to a loop label; the latter charge the loop's fuel cost
 * (its last operand) each time they are taken, so metering costs nothing extra per iteration. The handler word is the offset of the op's
 * label from the interpreter's base label (see xw_interp_handlers()). Operands that name
 * values are frame slot indices: a frame is an array of 8-byte slots laid out as
 *     [params][declared locals][constants][operand stack ...]
 * so every operand of every op is addressed the same way, fp[slot]. A v128 value takes two
 * consecutive slots (its low and high 8 bytes); every other value one. Branch targets are word
 * offsets relative to the start of the branching instruction.
 */
#ifndef XW_CODE_H
#define XW_CODE_H

#include <stdint.h>
#include "wasm/simd_table.h"
#include "wasm/mem64_table.h"
#include "wasm/eh_table.h"
#include "wasm/atomic_table.h"

/* The ten i32 compares, in the order of I32_EQ..I32_GE_U, as X(P<cmp>S, n). */
#define XW_CMP10(X, P, S, n) X(P##EQ##S, n) X(P##NE##S, n) X(P##LT_S##S, n) X(P##LT_U##S, n) \
	X(P##GT_S##S, n) X(P##GT_U##S, n) X(P##LE_S##S, n) X(P##LE_U##S, n) X(P##GE_S##S, n)  \
	X(P##GE_U##S, n)

/* X(name, number of operand words) */
#define XW_OPS(X)                                                                             \
	/* control */                                                                          \
	X(UNREACHABLE, 0) X(BR, 1) X(BR_IF, 2) X(BR_UNLESS, 2) X(BR_TABLE, 2 /* + n+1 */)        \
	X(RETURN, 0) X(CALL, 2) X(CALL_INDIRECT, 4) X(SELECT, 4) X(COPY, 2)          \
	X(GLOBAL_GET, 2) X(GLOBAL_SET, 2)                                                      \
	/* fused compare-and-branch: a, b, target */                                           \
	X(BR_I32_EQ, 3) X(BR_I32_NE, 3) X(BR_I32_LT_S, 3) X(BR_I32_LT_U, 3) X(BR_I32_GT_S, 3)   \
	X(BR_I32_GT_U, 3) X(BR_I32_LE_S, 3) X(BR_I32_LE_U, 3) X(BR_I32_GE_S, 3)                 \
	X(BR_I32_GE_U, 3) X(BR_I32_EQZ, 2)                                                      \
	X(BR_I64_EQ, 3) X(BR_I64_NE, 3) X(BR_I64_LT_S, 3) X(BR_I64_LT_U, 3) X(BR_I64_GT_S, 3)   \
	X(BR_I64_GT_U, 3) X(BR_I64_LE_S, 3) X(BR_I64_LE_U, 3) X(BR_I64_GE_S, 3)                 \
	X(BR_I64_GE_U, 3) X(BR_I64_EQZ, 2)                                                      \
	/* the same branches to a loop label: one more operand, the fuel charged per iteration */ \
	X(BR_L, 2) X(BR_IF_L, 3) X(BR_UNLESS_L, 3)                                              \
	X(BR_I32_EQ_L, 4) X(BR_I32_NE_L, 4) X(BR_I32_LT_S_L, 4) X(BR_I32_LT_U_L, 4)             \
	X(BR_I32_GT_S_L, 4) X(BR_I32_GT_U_L, 4) X(BR_I32_LE_S_L, 4) X(BR_I32_LE_U_L, 4)         \
	X(BR_I32_GE_S_L, 4) X(BR_I32_GE_U_L, 4) X(BR_I32_EQZ_L, 3)                              \
	X(BR_I64_EQ_L, 4) X(BR_I64_NE_L, 4) X(BR_I64_LT_S_L, 4) X(BR_I64_LT_U_L, 4)             \
	X(BR_I64_GT_S_L, 4) X(BR_I64_GT_U_L, 4) X(BR_I64_LE_S_L, 4) X(BR_I64_LE_U_L, 4)         \
	X(BR_I64_GE_S_L, 4) X(BR_I64_GE_U_L, 4) X(BR_I64_EQZ_L, 3)                              \
	/* memory: loads d, addr, offset; stores addr, value, offset */                        \
	X(I32_LOAD, 3) X(I64_LOAD, 3) X(I32_LOAD8_S, 3) X(I32_LOAD8_U, 3) X(I32_LOAD16_S, 3)    \
	X(I32_LOAD16_U, 3) X(I64_LOAD8_S, 3) X(I64_LOAD8_U, 3) X(I64_LOAD16_S, 3)               \
	X(I64_LOAD16_U, 3) X(I64_LOAD32_S, 3) X(I64_LOAD32_U, 3)                                \
	X(I32_STORE, 3) X(I64_STORE, 3) X(STORE8, 3) X(STORE16, 3)                              \
	/* the same with the address computed by a fused i32.add: loads d, base, k, offset;   \
	   stores base, k, value, offset; address = (u32)(base + k) + offset */               \
	X(I32_LOAD_A, 4) X(I64_LOAD_A, 4) X(I32_LOAD8_S_A, 4) X(I32_LOAD8_U_A, 4)               \
	X(I32_LOAD16_S_A, 4) X(I32_LOAD16_U_A, 4) X(I64_LOAD8_S_A, 4) X(I64_LOAD8_U_A, 4)       \
	X(I64_LOAD16_S_A, 4) X(I64_LOAD16_U_A, 4) X(I64_LOAD32_S_A, 4) X(I64_LOAD32_U_A, 4)     \
	X(I32_STORE_A, 4) X(I64_STORE_A, 4) X(STORE8_A, 4) X(STORE16_A, 4)                      \
	/* i32 operations whose right operand is an immediate (the word itself, not a slot) */ \
	X(CONST32, 2) X(CONST64, 3)                                                             \
	X(I32_EQ_I, 3) X(I32_NE_I, 3) X(I32_LT_S_I, 3) X(I32_LT_U_I, 3) X(I32_GT_S_I, 3) \
	X(I32_GT_U_I, 3) X(I32_LE_S_I, 3) X(I32_LE_U_I, 3) X(I32_GE_S_I, 3) X(I32_GE_U_I, 3) \
	X(I32_ADD_I, 3) X(I32_SUB_I, 3) X(I32_MUL_I, 3) X(I32_AND_I, 3) X(I32_OR_I, 3) \
	X(I32_XOR_I, 3) X(I32_SHL_I, 3) X(I32_SHR_S_I, 3) X(I32_SHR_U_I, 3) X(I32_ROTL_I, 3) \
	X(I32_ROTR_I, 3) \
	/* compare-and-branch with an immediate: a, imm, target [, fuel for loops] */          \
	X(BR_I32_EQ_I, 3) X(BR_I32_NE_I, 3) X(BR_I32_LT_S_I, 3) X(BR_I32_LT_U_I, 3) X(BR_I32_GT_S_I, 3) \
	X(BR_I32_GT_U_I, 3) X(BR_I32_LE_S_I, 3) X(BR_I32_LE_U_I, 3) X(BR_I32_GE_S_I, 3) X(BR_I32_GE_U_I, 3) \
	X(BR_I32_EQ_I_L, 4) X(BR_I32_NE_I_L, 4) X(BR_I32_LT_S_I_L, 4) X(BR_I32_LT_U_I_L, 4) X(BR_I32_GT_S_I_L, 4) \
	X(BR_I32_GT_U_I_L, 4) X(BR_I32_LE_S_I_L, 4) X(BR_I32_LE_U_I_L, 4) X(BR_I32_GE_S_I_L, 4) X(BR_I32_GE_U_I_L, 4) \
	/* loads/stores with a fused i32.add of an immediate: d|base, imm, [value,] offset */  \
	X(I32_LOAD_AI, 4) X(I64_LOAD_AI, 4) X(I32_LOAD8_S_AI, 4) X(I32_LOAD8_U_AI, 4)           \
	X(I32_LOAD16_S_AI, 4) X(I32_LOAD16_U_AI, 4) X(I64_LOAD8_S_AI, 4) X(I64_LOAD8_U_AI, 4)   \
	X(I64_LOAD16_S_AI, 4) X(I64_LOAD16_U_AI, 4) X(I64_LOAD32_S_AI, 4) X(I64_LOAD32_U_AI, 4) \
	X(I32_STORE_AI, 4) X(I64_STORE_AI, 4) X(STORE8_AI, 4) X(STORE16_AI, 4)                  \
	/* two chained f64 operations, the intermediate kept in a register: d, x, y, o with   \
	   d = (x A y) B o (_L) or d = o B (x A y) (_R); A, B in add, sub, mul, div */          \
	X(F64_ADD_ADD_L, 4) X(F64_ADD_ADD_R, 4) X(F64_ADD_SUB_L, 4) X(F64_ADD_SUB_R, 4) \
	X(F64_ADD_MUL_L, 4) X(F64_ADD_MUL_R, 4) X(F64_ADD_DIV_L, 4) X(F64_ADD_DIV_R, 4) \
	X(F64_SUB_ADD_L, 4) X(F64_SUB_ADD_R, 4) X(F64_SUB_SUB_L, 4) X(F64_SUB_SUB_R, 4) \
	X(F64_SUB_MUL_L, 4) X(F64_SUB_MUL_R, 4) X(F64_SUB_DIV_L, 4) X(F64_SUB_DIV_R, 4) \
	X(F64_MUL_ADD_L, 4) X(F64_MUL_ADD_R, 4) X(F64_MUL_SUB_L, 4) X(F64_MUL_SUB_R, 4) \
	X(F64_MUL_MUL_L, 4) X(F64_MUL_MUL_R, 4) X(F64_MUL_DIV_L, 4) X(F64_MUL_DIV_R, 4) \
	X(F64_DIV_ADD_L, 4) X(F64_DIV_ADD_R, 4) X(F64_DIV_SUB_L, 4) X(F64_DIV_SUB_R, 4) \
	X(F64_DIV_MUL_L, 4) X(F64_DIV_MUL_R, 4) X(F64_DIV_DIV_L, 4) X(F64_DIV_DIV_R, 4) \
	/* two chained i32 operations: d, x, k1, k2 with d = x * k1 + k2 (a linear congruential \
	   step); d, x, k, o with d = o + (x << k) (a shifted byte or word added in) */        \
	X(I32_MUL_ADD_II, 4) X(I32_SHL_ADD_I, 4)                                               \
	/* an f64 loaded from memory 0 and used at once by f64 arithmetic A (add, sub, mul,    \
	   div): d, base, offset, o (LD) or d, base, imm, offset, o (LDI: address base + imm)  \
	   with d = m A o (_L) or d = o A m (_R), m the loaded value */                        \
	X(F64_ADD_LD_L, 4) X(F64_ADD_LD_R, 4) X(F64_ADD_LDI_L, 5) X(F64_ADD_LDI_R, 5)          \
	X(F64_SUB_LD_L, 4) X(F64_SUB_LD_R, 4) X(F64_SUB_LDI_L, 5) X(F64_SUB_LDI_R, 5)          \
	X(F64_MUL_LD_L, 4) X(F64_MUL_LD_R, 4) X(F64_MUL_LDI_L, 5) X(F64_MUL_LDI_R, 5)          \
	X(F64_DIV_LD_L, 4) X(F64_DIV_LD_R, 4) X(F64_DIV_LDI_L, 5) X(F64_DIV_LDI_R, 5)          \
	/* a function's last computation and its return as one op: COPY, I32_ADD, I32_ADD_I    \
	   with the operands of those ops, then RETURN */                                      \
	X(COPY_RET, 2) X(I32_ADD_RET, 3) X(I32_ADD_I_RET, 3)                                   \
	/* a count of the times a condition held: d, a, b|imm, o with d = o + (a CMP b), an i32 \
	   compare (register or immediate right operand, _I) and the add of its 0 or 1 */       \
	XW_CMP10(X, ADD_I32_, , 4) XW_CMP10(X, ADD_I32_, _I, 4)                                  \
	/* i32.store8 of (x >> k), unsigned shift by a constant (a byte of a wider value): addr|base, \
	   [b|imm,] x, k, offset in the address forms of STORE8, STORE8_A, STORE8_AI */          \
	X(STORE8_SHR, 4) X(STORE8_SHR_A, 5) X(STORE8_SHR_AI, 5)                                  \
	/* select on an i32 compare just computed: d, x, y, a, b (or imm) with                 \
	   d = (a CMP b) ? x : y; in the order of I32_EQ..I32_GE_U */                          \
	X(SEL_I32_EQ, 5) X(SEL_I32_NE, 5) X(SEL_I32_LT_S, 5) X(SEL_I32_LT_U, 5)                 \
	X(SEL_I32_GT_S, 5) X(SEL_I32_GT_U, 5) X(SEL_I32_LE_S, 5) X(SEL_I32_LE_U, 5)             \
	X(SEL_I32_GE_S, 5) X(SEL_I32_GE_U, 5)                                                   \
	X(SEL_I32_EQ_I, 5) X(SEL_I32_NE_I, 5) X(SEL_I32_LT_S_I, 5) X(SEL_I32_LT_U_I, 5)         \
	X(SEL_I32_GT_S_I, 5) X(SEL_I32_GT_U_I, 5) X(SEL_I32_LE_S_I, 5) X(SEL_I32_LE_U_I, 5)     \
	X(SEL_I32_GE_S_I, 5) X(SEL_I32_GE_U_I, 5)                                               \
	/* a loop's counter step and test: d := x + y (ADD) or x + k (ADDI), then d compared   \
	   with b (or an immediate, _I) branches back to the loop label when true: d, x, y|k,  \
	   b|imm, offset, fuel; each group in the order of BR_I32_EQ..BR_I32_GE_U */           \
	XW_CMP10(X, ADD_BR_I32_, _L, 6) XW_CMP10(X, ADD_BR_I32_, _I_L, 6)                      \
	XW_CMP10(X, ADDI_BR_I32_, _L, 6) XW_CMP10(X, ADDI_BR_I32_, _I_L, 6)                    \
	X(MEMORY_SIZE, 1) X(MEMORY_GROW, 2) X(MEMORY_FILL, 3) X(MEMORY_COPY, 3)                 \
	X(MEMORY_INIT, 4) X(DATA_DROP, 1)                                                      \
	/* tables and references */                                                           \
	X(TABLE_GET, 3) X(TABLE_SET, 3) X(TABLE_SIZE, 2) X(TABLE_GROW, 4) X(TABLE_FILL, 4)      \
	X(TABLE_COPY, 5) X(TABLE_INIT, 5) X(ELEM_DROP, 1) X(REF_FUNC, 2) X(REF_IS_NULL, 2)      \
	/* i32 */                                                                              \
	X(I32_EQZ, 2) X(I32_EQ, 3) X(I32_NE, 3) X(I32_LT_S, 3) X(I32_LT_U, 3) X(I32_GT_S, 3)    \
	X(I32_GT_U, 3) X(I32_LE_S, 3) X(I32_LE_U, 3) X(I32_GE_S, 3) X(I32_GE_U, 3)              \
	X(I32_CLZ, 2) X(I32_CTZ, 2) X(I32_POPCNT, 2) X(I32_ADD, 3) X(I32_SUB, 3) X(I32_MUL, 3)  \
	X(I32_DIV_S, 3) X(I32_DIV_U, 3) X(I32_REM_S, 3) X(I32_REM_U, 3) X(I32_AND, 3)           \
	X(I32_OR, 3) X(I32_XOR, 3) X(I32_SHL, 3) X(I32_SHR_S, 3) X(I32_SHR_U, 3)                \
	X(I32_ROTL, 3) X(I32_ROTR, 3)                                                          \
	/* i64 */                                                                              \
	X(I64_EQZ, 2) X(I64_EQ, 3) X(I64_NE, 3) X(I64_LT_S, 3) X(I64_LT_U, 3) X(I64_GT_S, 3)    \
	X(I64_GT_U, 3) X(I64_LE_S, 3) X(I64_LE_U, 3) X(I64_GE_S, 3) X(I64_GE_U, 3)              \
	X(I64_CLZ, 2) X(I64_CTZ, 2) X(I64_POPCNT, 2) X(I64_ADD, 3) X(I64_SUB, 3) X(I64_MUL, 3)  \
	X(I64_DIV_S, 3) X(I64_DIV_U, 3) X(I64_REM_S, 3) X(I64_REM_U, 3) X(I64_AND, 3)           \
	X(I64_OR, 3) X(I64_XOR, 3) X(I64_SHL, 3) X(I64_SHR_S, 3) X(I64_SHR_U, 3)                \
	X(I64_ROTL, 3) X(I64_ROTR, 3)                                                          \
	/* f32 */                                                                              \
	X(F32_EQ, 3) X(F32_NE, 3) X(F32_LT, 3) X(F32_GT, 3) X(F32_LE, 3) X(F32_GE, 3)           \
	X(F32_ABS, 2) X(F32_NEG, 2) X(F32_CEIL, 2) X(F32_FLOOR, 2) X(F32_TRUNC, 2)              \
	X(F32_NEAREST, 2) X(F32_SQRT, 2) X(F32_ADD, 3) X(F32_SUB, 3) X(F32_MUL, 3)              \
	X(F32_DIV, 3) X(F32_MIN, 3) X(F32_MAX, 3) X(F32_COPYSIGN, 3)                           \
	/* f64 */                                                                              \
	X(F64_EQ, 3) X(F64_NE, 3) X(F64_LT, 3) X(F64_GT, 3) X(F64_LE, 3) X(F64_GE, 3)           \
	X(F64_ABS, 2) X(F64_NEG, 2) X(F64_CEIL, 2) X(F64_FLOOR, 2) X(F64_TRUNC, 2)              \
	X(F64_NEAREST, 2) X(F64_SQRT, 2) X(F64_ADD, 3) X(F64_SUB, 3) X(F64_MUL, 3)              \
	X(F64_DIV, 3) X(F64_MIN, 3) X(F64_MAX, 3) X(F64_COPYSIGN, 3)                           \
	/* conversions */                                                                      \
	X(I32_WRAP_I64, 2) X(I32_TRUNC_F32_S, 2) X(I32_TRUNC_F32_U, 2) X(I32_TRUNC_F64_S, 2)   \
	X(I32_TRUNC_F64_U, 2) X(I64_EXTEND_I32_S, 2) X(I64_EXTEND_I32_U, 2)                    \
	X(I64_TRUNC_F32_S, 2) X(I64_TRUNC_F32_U, 2) X(I64_TRUNC_F64_S, 2) X(I64_TRUNC_F64_U, 2) \
	X(F32_CONVERT_I32_S, 2) X(F32_CONVERT_I32_U, 2) X(F32_CONVERT_I64_S, 2)                \
	X(F32_CONVERT_I64_U, 2) X(F32_DEMOTE_F64, 2) X(F64_CONVERT_I32_S, 2)                   \
	X(F64_CONVERT_I32_U, 2) X(F64_CONVERT_I64_S, 2) X(F64_CONVERT_I64_U, 2)                \
	X(F64_PROMOTE_F32, 2)                                                                  \
	X(I32_EXTEND8_S, 2) X(I32_EXTEND16_S, 2) X(I64_EXTEND8_S, 2) X(I64_EXTEND16_S, 2)      \
	X(I64_EXTEND32_S, 2)                                                                   \
	X(I32_TRUNC_SAT_F32_S, 2) X(I32_TRUNC_SAT_F32_U, 2) X(I32_TRUNC_SAT_F64_S, 2)          \
	X(I32_TRUNC_SAT_F64_U, 2) X(I64_TRUNC_SAT_F32_S, 2) X(I64_TRUNC_SAT_F32_U, 2)          \
	X(I64_TRUNC_SAT_F64_S, 2) X(I64_TRUNC_SAT_F64_U, 2)                                     \
	/* v128 values (two slots): moves (the SIMD instructions are at the end) */           \
	X(COPY128, 2) X(SELECT128, 4) X(GLOBAL_GET128, 2) X(GLOBAL_SET128, 2)                  \
	/* tail calls: the operands of CALL / CALL_INDIRECT; the callee takes over the frame */ \
	X(RETURN_CALL, 2) X(RETURN_CALL_INDIRECT, 4)                                            \
	/* multi-memory: memories other than 0, looked up per instruction (memory 0 keeps the  \
	   ops above); mem = memory index, kind = the plain load or store op */                \
	X(LOAD_M, 5 /* d, addr, offset, mem, kind */) X(STORE_M, 5 /* addr, value, offset, mem, kind */) \
	X(MEMORY_SIZE_M, 2 /* d, mem */) X(MEMORY_GROW_M, 3 /* d, delta, mem */)                 \
	X(MEMORY_FILL_M, 4 /* d, value, n, mem */) X(MEMORY_COPY_M, 5 /* d, s, n, dmem, smem */) \
	X(MEMORY_INIT_M, 5 /* seg, d, s, n, mem */)                                         \
	/* exception handling (eh_table.h) */                                                \
	XW_EH_OPS(X)                                                                           \
	/* memory64: 64-bit memories (mem64_table.h) */                                       \
	XW_MEM64_OPS(X)                                                                        \
	/* threads: the atomic instructions (atomic_table.h) */                                \
	XW_ATOMIC_OPS(X)                                                                       \
	/* every SIMD instruction (simd_table.h) */                                            \
	XW_SIMD_TABLE(XW_SIMD_AS_OP, X)

enum xw_op {
#define XW_OP_ENUM(name, n) XW_OP_##name,
	XW_OPS(XW_OP_ENUM)
#undef XW_OP_ENUM
	XW_OP_COUNT
};

/* A translated function. */
typedef struct xw_compiled_func {
	uint32_t *code;         /* instruction words */
	uint32_t ncode;
	uint32_t func_index;    /* index in the module's function space */
	uint32_t nparams;       /* slots of the params (a v128 takes two slots) */
	uint32_t nresults;      /* slots of the results */
	uint32_t nlocals;       /* slots of params + declared locals */
	uint32_t nconsts;
	uint32_t frame_slots;   /* nlocals + nconsts + maximum operand stack height */
	uint64_t *consts;       /* nconsts values, copied into the frame on entry */
	uint32_t fuel_cost;     /* charged on entry: body instructions + locals + constants */
	struct xw_eh_entry *eh; /* exception handlers (eh_table.h), innermost first */
	uint32_t neh;
} xw_compiled_func;

/* Offsets of every op's handler relative to the interpreter's base label, indexed by
 * enum xw_op (interp.c). */
const int32_t *xw_interp_handlers(void);

/* dump.c: number of operand words of each op (for BR_TABLE: the fixed part only), names,
 * and a listing of a translated function for debugging. */
extern const uint8_t xw_op_nargs[XW_OP_COUNT];
extern const char *const xw_op_names[XW_OP_COUNT];
#include <stdio.h>
void xw_dump_code(FILE *f, const xw_compiled_func *cf);

struct xwasm_module;
/* compile.c: validate and translate every function body of m into m->compiled.
 * Returns 0 or -EINVAL/-ENOTSUP/-ENOMEM with err naming the function, byte offset and rule. */
int xw_compile_module(struct xwasm_module *m, char *err, size_t errlen);
void xw_compiled_release(struct xwasm_module *m);

#endif
