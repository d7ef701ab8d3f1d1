/* The single-byte WebAssembly opcodes the engine knows, one row each: the name, the feature
 * the instruction belongs to and how the translator takes it. Drawn from by the translator
 * (compile.c: the numeric, load and store instructions are dispatched from their rows, the
 * rest by their byte), the "not supported" refusals (features.c: feature and instruction
 * name), the constant-expression decoder (constexpr.c: which instructions a constant
 * expression may hold) and messages that name an instruction. Prefixed instructions have
 * their own tables: 0xfd simd_table.h, 0xfe atomic_table.h, 0xfc the translator's op_fc.
 *
 * X(BYTE, NAME, GROUP, KIND, OP, T1, T2, FLAGS)
 *   GROUP  CORE (WebAssembly 2.0) or the post-2.0 feature (enum xw_opgroup)
 *   KIND   CTRL    its own code in the translator
 *          UN, BIN numeric with one or two operands of type T1, result T2, internal op OP
 *          REINT   T1 -> T2 with the bits unchanged
 *          LOAD    internal op OP, natural alignment 2^T1 bytes, value type T2
 *          STORE   likewise
 *          PREFIX  the byte starts a prefixed instruction
 *   FLAGS  F_CONST  a constant instruction (may stand in a constant expression)
 *          F_CARITH arithmetic extended constant expressions allow
 */
#ifndef XW_OPCODES_H
#define XW_OPCODES_H

#include <stdint.h>
#include "xdperf/wasm.h"
#include "wasm/code.h"

enum xw_opgroup {
	XW_G_CORE,
	XW_G_TAIL,      /* tail calls (XWASM_FEATURE_TAIL_CALL) */
	XW_G_TAIL_REF,  /* tail calls through a typed reference: not run */
	XW_G_EH,        /* exception handling, the exnref form (XWASM_FEATURE_EXCEPTIONS) */
	XW_G_EH_LEGACY, /* exception handling, legacy try/catch (XWASM_FEATURE_EXCEPTIONS) */
	XW_G_FREF,      /* typed function references: not run */
	XW_G_GC,        /* garbage collection: not run */
	XW_G_THREADS,   /* atomics (XWASM_FEATURE_THREADS) */
};
enum xw_opkind { XW_OK_CTRL, XW_OK_UN, XW_OK_BIN, XW_OK_REINT, XW_OK_LOAD, XW_OK_STORE, XW_OK_PREFIX };
#define XW_OPF_CONST 1u
#define XW_OPF_CARITH 2u

#define XW_OPCODES(X) \
	X(0x00, "unreachable", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x01, "nop", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x02, "block", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x03, "loop", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x04, "if", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x05, "else", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x06, "try", XW_G_EH_LEGACY, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x07, "catch", XW_G_EH_LEGACY, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x08, "throw", XW_G_EH, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x09, "rethrow", XW_G_EH_LEGACY, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0a, "throw_ref", XW_G_EH, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0b, "end", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0c, "br", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0d, "br_if", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0e, "br_table", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x0f, "return", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x10, "call", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x11, "call_indirect", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x12, "return_call", XW_G_TAIL, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x13, "return_call_indirect", XW_G_TAIL, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x14, "call_ref", XW_G_FREF, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x15, "return_call_ref", XW_G_TAIL_REF, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x18, "delegate", XW_G_EH_LEGACY, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x19, "catch_all", XW_G_EH_LEGACY, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x1a, "drop", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x1b, "select", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x1c, "select t", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x1f, "try_table", XW_G_EH, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x20, "local.get", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x21, "local.set", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x22, "local.tee", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x23, "global.get", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0x24, "global.set", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x25, "table.get", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x26, "table.set", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x28, "i32.load", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD, 2, XWASM_I32, 0) \
	X(0x29, "i64.load", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD, 3, XWASM_I64, 0) \
	X(0x2a, "f32.load", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD, 2, XWASM_F32, 0) \
	X(0x2b, "f64.load", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD, 3, XWASM_F64, 0) \
	X(0x2c, "i32.load8_s", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD8_S, 0, XWASM_I32, 0) \
	X(0x2d, "i32.load8_u", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD8_U, 0, XWASM_I32, 0) \
	X(0x2e, "i32.load16_s", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD16_S, 1, XWASM_I32, 0) \
	X(0x2f, "i32.load16_u", XW_G_CORE, XW_OK_LOAD, XW_OP_I32_LOAD16_U, 1, XWASM_I32, 0) \
	X(0x30, "i64.load8_s", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD8_S, 0, XWASM_I64, 0) \
	X(0x31, "i64.load8_u", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD8_U, 0, XWASM_I64, 0) \
	X(0x32, "i64.load16_s", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD16_S, 1, XWASM_I64, 0) \
	X(0x33, "i64.load16_u", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD16_U, 1, XWASM_I64, 0) \
	X(0x34, "i64.load32_s", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD32_S, 2, XWASM_I64, 0) \
	X(0x35, "i64.load32_u", XW_G_CORE, XW_OK_LOAD, XW_OP_I64_LOAD32_U, 2, XWASM_I64, 0) \
	X(0x36, "i32.store", XW_G_CORE, XW_OK_STORE, XW_OP_I32_STORE, 2, XWASM_I32, 0) \
	X(0x37, "i64.store", XW_G_CORE, XW_OK_STORE, XW_OP_I64_STORE, 3, XWASM_I64, 0) \
	X(0x38, "f32.store", XW_G_CORE, XW_OK_STORE, XW_OP_I32_STORE, 2, XWASM_F32, 0) \
	X(0x39, "f64.store", XW_G_CORE, XW_OK_STORE, XW_OP_I64_STORE, 3, XWASM_F64, 0) \
	X(0x3a, "i32.store8", XW_G_CORE, XW_OK_STORE, XW_OP_STORE8, 0, XWASM_I32, 0) \
	X(0x3b, "i32.store16", XW_G_CORE, XW_OK_STORE, XW_OP_STORE16, 1, XWASM_I32, 0) \
	X(0x3c, "i64.store8", XW_G_CORE, XW_OK_STORE, XW_OP_STORE8, 0, XWASM_I64, 0) \
	X(0x3d, "i64.store16", XW_G_CORE, XW_OK_STORE, XW_OP_STORE16, 1, XWASM_I64, 0) \
	X(0x3e, "i64.store32", XW_G_CORE, XW_OK_STORE, XW_OP_I32_STORE, 2, XWASM_I64, 0) \
	X(0x3f, "memory.size", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x40, "memory.grow", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0x41, "i32.const", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0x42, "i64.const", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0x43, "f32.const", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0x44, "f64.const", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0x45, "i32.eqz", XW_G_CORE, XW_OK_UN, XW_OP_I32_EQZ, XWASM_I32, XWASM_I32, 0) \
	X(0x46, "i32.eq", XW_G_CORE, XW_OK_BIN, XW_OP_I32_EQ, XWASM_I32, XWASM_I32, 0) \
	X(0x47, "i32.ne", XW_G_CORE, XW_OK_BIN, XW_OP_I32_NE, XWASM_I32, XWASM_I32, 0) \
	X(0x48, "i32.lt_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_LT_S, XWASM_I32, XWASM_I32, 0) \
	X(0x49, "i32.lt_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_LT_U, XWASM_I32, XWASM_I32, 0) \
	X(0x4a, "i32.gt_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_GT_S, XWASM_I32, XWASM_I32, 0) \
	X(0x4b, "i32.gt_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_GT_U, XWASM_I32, XWASM_I32, 0) \
	X(0x4c, "i32.le_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_LE_S, XWASM_I32, XWASM_I32, 0) \
	X(0x4d, "i32.le_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_LE_U, XWASM_I32, XWASM_I32, 0) \
	X(0x4e, "i32.ge_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_GE_S, XWASM_I32, XWASM_I32, 0) \
	X(0x4f, "i32.ge_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_GE_U, XWASM_I32, XWASM_I32, 0) \
	X(0x50, "i64.eqz", XW_G_CORE, XW_OK_UN, XW_OP_I64_EQZ, XWASM_I64, XWASM_I32, 0) \
	X(0x51, "i64.eq", XW_G_CORE, XW_OK_BIN, XW_OP_I64_EQ, XWASM_I64, XWASM_I32, 0) \
	X(0x52, "i64.ne", XW_G_CORE, XW_OK_BIN, XW_OP_I64_NE, XWASM_I64, XWASM_I32, 0) \
	X(0x53, "i64.lt_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_LT_S, XWASM_I64, XWASM_I32, 0) \
	X(0x54, "i64.lt_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_LT_U, XWASM_I64, XWASM_I32, 0) \
	X(0x55, "i64.gt_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_GT_S, XWASM_I64, XWASM_I32, 0) \
	X(0x56, "i64.gt_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_GT_U, XWASM_I64, XWASM_I32, 0) \
	X(0x57, "i64.le_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_LE_S, XWASM_I64, XWASM_I32, 0) \
	X(0x58, "i64.le_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_LE_U, XWASM_I64, XWASM_I32, 0) \
	X(0x59, "i64.ge_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_GE_S, XWASM_I64, XWASM_I32, 0) \
	X(0x5a, "i64.ge_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_GE_U, XWASM_I64, XWASM_I32, 0) \
	X(0x5b, "f32.eq", XW_G_CORE, XW_OK_BIN, XW_OP_F32_EQ, XWASM_F32, XWASM_I32, 0) \
	X(0x5c, "f32.ne", XW_G_CORE, XW_OK_BIN, XW_OP_F32_NE, XWASM_F32, XWASM_I32, 0) \
	X(0x5d, "f32.lt", XW_G_CORE, XW_OK_BIN, XW_OP_F32_LT, XWASM_F32, XWASM_I32, 0) \
	X(0x5e, "f32.gt", XW_G_CORE, XW_OK_BIN, XW_OP_F32_GT, XWASM_F32, XWASM_I32, 0) \
	X(0x5f, "f32.le", XW_G_CORE, XW_OK_BIN, XW_OP_F32_LE, XWASM_F32, XWASM_I32, 0) \
	X(0x60, "f32.ge", XW_G_CORE, XW_OK_BIN, XW_OP_F32_GE, XWASM_F32, XWASM_I32, 0) \
	X(0x61, "f64.eq", XW_G_CORE, XW_OK_BIN, XW_OP_F64_EQ, XWASM_F64, XWASM_I32, 0) \
	X(0x62, "f64.ne", XW_G_CORE, XW_OK_BIN, XW_OP_F64_NE, XWASM_F64, XWASM_I32, 0) \
	X(0x63, "f64.lt", XW_G_CORE, XW_OK_BIN, XW_OP_F64_LT, XWASM_F64, XWASM_I32, 0) \
	X(0x64, "f64.gt", XW_G_CORE, XW_OK_BIN, XW_OP_F64_GT, XWASM_F64, XWASM_I32, 0) \
	X(0x65, "f64.le", XW_G_CORE, XW_OK_BIN, XW_OP_F64_LE, XWASM_F64, XWASM_I32, 0) \
	X(0x66, "f64.ge", XW_G_CORE, XW_OK_BIN, XW_OP_F64_GE, XWASM_F64, XWASM_I32, 0) \
	X(0x67, "i32.clz", XW_G_CORE, XW_OK_UN, XW_OP_I32_CLZ, XWASM_I32, XWASM_I32, 0) \
	X(0x68, "i32.ctz", XW_G_CORE, XW_OK_UN, XW_OP_I32_CTZ, XWASM_I32, XWASM_I32, 0) \
	X(0x69, "i32.popcnt", XW_G_CORE, XW_OK_UN, XW_OP_I32_POPCNT, XWASM_I32, XWASM_I32, 0) \
	X(0x6a, "i32.add", XW_G_CORE, XW_OK_BIN, XW_OP_I32_ADD, XWASM_I32, XWASM_I32, XW_OPF_CARITH) \
	X(0x6b, "i32.sub", XW_G_CORE, XW_OK_BIN, XW_OP_I32_SUB, XWASM_I32, XWASM_I32, XW_OPF_CARITH) \
	X(0x6c, "i32.mul", XW_G_CORE, XW_OK_BIN, XW_OP_I32_MUL, XWASM_I32, XWASM_I32, XW_OPF_CARITH) \
	X(0x6d, "i32.div_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_DIV_S, XWASM_I32, XWASM_I32, 0) \
	X(0x6e, "i32.div_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_DIV_U, XWASM_I32, XWASM_I32, 0) \
	X(0x6f, "i32.rem_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_REM_S, XWASM_I32, XWASM_I32, 0) \
	X(0x70, "i32.rem_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_REM_U, XWASM_I32, XWASM_I32, 0) \
	X(0x71, "i32.and", XW_G_CORE, XW_OK_BIN, XW_OP_I32_AND, XWASM_I32, XWASM_I32, 0) \
	X(0x72, "i32.or", XW_G_CORE, XW_OK_BIN, XW_OP_I32_OR, XWASM_I32, XWASM_I32, 0) \
	X(0x73, "i32.xor", XW_G_CORE, XW_OK_BIN, XW_OP_I32_XOR, XWASM_I32, XWASM_I32, 0) \
	X(0x74, "i32.shl", XW_G_CORE, XW_OK_BIN, XW_OP_I32_SHL, XWASM_I32, XWASM_I32, 0) \
	X(0x75, "i32.shr_s", XW_G_CORE, XW_OK_BIN, XW_OP_I32_SHR_S, XWASM_I32, XWASM_I32, 0) \
	X(0x76, "i32.shr_u", XW_G_CORE, XW_OK_BIN, XW_OP_I32_SHR_U, XWASM_I32, XWASM_I32, 0) \
	X(0x77, "i32.rotl", XW_G_CORE, XW_OK_BIN, XW_OP_I32_ROTL, XWASM_I32, XWASM_I32, 0) \
	X(0x78, "i32.rotr", XW_G_CORE, XW_OK_BIN, XW_OP_I32_ROTR, XWASM_I32, XWASM_I32, 0) \
	X(0x79, "i64.clz", XW_G_CORE, XW_OK_UN, XW_OP_I64_CLZ, XWASM_I64, XWASM_I64, 0) \
	X(0x7a, "i64.ctz", XW_G_CORE, XW_OK_UN, XW_OP_I64_CTZ, XWASM_I64, XWASM_I64, 0) \
	X(0x7b, "i64.popcnt", XW_G_CORE, XW_OK_UN, XW_OP_I64_POPCNT, XWASM_I64, XWASM_I64, 0) \
	X(0x7c, "i64.add", XW_G_CORE, XW_OK_BIN, XW_OP_I64_ADD, XWASM_I64, XWASM_I64, XW_OPF_CARITH) \
	X(0x7d, "i64.sub", XW_G_CORE, XW_OK_BIN, XW_OP_I64_SUB, XWASM_I64, XWASM_I64, XW_OPF_CARITH) \
	X(0x7e, "i64.mul", XW_G_CORE, XW_OK_BIN, XW_OP_I64_MUL, XWASM_I64, XWASM_I64, XW_OPF_CARITH) \
	X(0x7f, "i64.div_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_DIV_S, XWASM_I64, XWASM_I64, 0) \
	X(0x80, "i64.div_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_DIV_U, XWASM_I64, XWASM_I64, 0) \
	X(0x81, "i64.rem_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_REM_S, XWASM_I64, XWASM_I64, 0) \
	X(0x82, "i64.rem_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_REM_U, XWASM_I64, XWASM_I64, 0) \
	X(0x83, "i64.and", XW_G_CORE, XW_OK_BIN, XW_OP_I64_AND, XWASM_I64, XWASM_I64, 0) \
	X(0x84, "i64.or", XW_G_CORE, XW_OK_BIN, XW_OP_I64_OR, XWASM_I64, XWASM_I64, 0) \
	X(0x85, "i64.xor", XW_G_CORE, XW_OK_BIN, XW_OP_I64_XOR, XWASM_I64, XWASM_I64, 0) \
	X(0x86, "i64.shl", XW_G_CORE, XW_OK_BIN, XW_OP_I64_SHL, XWASM_I64, XWASM_I64, 0) \
	X(0x87, "i64.shr_s", XW_G_CORE, XW_OK_BIN, XW_OP_I64_SHR_S, XWASM_I64, XWASM_I64, 0) \
	X(0x88, "i64.shr_u", XW_G_CORE, XW_OK_BIN, XW_OP_I64_SHR_U, XWASM_I64, XWASM_I64, 0) \
	X(0x89, "i64.rotl", XW_G_CORE, XW_OK_BIN, XW_OP_I64_ROTL, XWASM_I64, XWASM_I64, 0) \
	X(0x8a, "i64.rotr", XW_G_CORE, XW_OK_BIN, XW_OP_I64_ROTR, XWASM_I64, XWASM_I64, 0) \
	X(0x8b, "f32.abs", XW_G_CORE, XW_OK_UN, XW_OP_F32_ABS, XWASM_F32, XWASM_F32, 0) \
	X(0x8c, "f32.neg", XW_G_CORE, XW_OK_UN, XW_OP_F32_NEG, XWASM_F32, XWASM_F32, 0) \
	X(0x8d, "f32.ceil", XW_G_CORE, XW_OK_UN, XW_OP_F32_CEIL, XWASM_F32, XWASM_F32, 0) \
	X(0x8e, "f32.floor", XW_G_CORE, XW_OK_UN, XW_OP_F32_FLOOR, XWASM_F32, XWASM_F32, 0) \
	X(0x8f, "f32.trunc", XW_G_CORE, XW_OK_UN, XW_OP_F32_TRUNC, XWASM_F32, XWASM_F32, 0) \
	X(0x90, "f32.nearest", XW_G_CORE, XW_OK_UN, XW_OP_F32_NEAREST, XWASM_F32, XWASM_F32, 0) \
	X(0x91, "f32.sqrt", XW_G_CORE, XW_OK_UN, XW_OP_F32_SQRT, XWASM_F32, XWASM_F32, 0) \
	X(0x92, "f32.add", XW_G_CORE, XW_OK_BIN, XW_OP_F32_ADD, XWASM_F32, XWASM_F32, 0) \
	X(0x93, "f32.sub", XW_G_CORE, XW_OK_BIN, XW_OP_F32_SUB, XWASM_F32, XWASM_F32, 0) \
	X(0x94, "f32.mul", XW_G_CORE, XW_OK_BIN, XW_OP_F32_MUL, XWASM_F32, XWASM_F32, 0) \
	X(0x95, "f32.div", XW_G_CORE, XW_OK_BIN, XW_OP_F32_DIV, XWASM_F32, XWASM_F32, 0) \
	X(0x96, "f32.min", XW_G_CORE, XW_OK_BIN, XW_OP_F32_MIN, XWASM_F32, XWASM_F32, 0) \
	X(0x97, "f32.max", XW_G_CORE, XW_OK_BIN, XW_OP_F32_MAX, XWASM_F32, XWASM_F32, 0) \
	X(0x98, "f32.copysign", XW_G_CORE, XW_OK_BIN, XW_OP_F32_COPYSIGN, XWASM_F32, XWASM_F32, 0) \
	X(0x99, "f64.abs", XW_G_CORE, XW_OK_UN, XW_OP_F64_ABS, XWASM_F64, XWASM_F64, 0) \
	X(0x9a, "f64.neg", XW_G_CORE, XW_OK_UN, XW_OP_F64_NEG, XWASM_F64, XWASM_F64, 0) \
	X(0x9b, "f64.ceil", XW_G_CORE, XW_OK_UN, XW_OP_F64_CEIL, XWASM_F64, XWASM_F64, 0) \
	X(0x9c, "f64.floor", XW_G_CORE, XW_OK_UN, XW_OP_F64_FLOOR, XWASM_F64, XWASM_F64, 0) \
	X(0x9d, "f64.trunc", XW_G_CORE, XW_OK_UN, XW_OP_F64_TRUNC, XWASM_F64, XWASM_F64, 0) \
	X(0x9e, "f64.nearest", XW_G_CORE, XW_OK_UN, XW_OP_F64_NEAREST, XWASM_F64, XWASM_F64, 0) \
	X(0x9f, "f64.sqrt", XW_G_CORE, XW_OK_UN, XW_OP_F64_SQRT, XWASM_F64, XWASM_F64, 0) \
	X(0xa0, "f64.add", XW_G_CORE, XW_OK_BIN, XW_OP_F64_ADD, XWASM_F64, XWASM_F64, 0) \
	X(0xa1, "f64.sub", XW_G_CORE, XW_OK_BIN, XW_OP_F64_SUB, XWASM_F64, XWASM_F64, 0) \
	X(0xa2, "f64.mul", XW_G_CORE, XW_OK_BIN, XW_OP_F64_MUL, XWASM_F64, XWASM_F64, 0) \
	X(0xa3, "f64.div", XW_G_CORE, XW_OK_BIN, XW_OP_F64_DIV, XWASM_F64, XWASM_F64, 0) \
	X(0xa4, "f64.min", XW_G_CORE, XW_OK_BIN, XW_OP_F64_MIN, XWASM_F64, XWASM_F64, 0) \
	X(0xa5, "f64.max", XW_G_CORE, XW_OK_BIN, XW_OP_F64_MAX, XWASM_F64, XWASM_F64, 0) \
	X(0xa6, "f64.copysign", XW_G_CORE, XW_OK_BIN, XW_OP_F64_COPYSIGN, XWASM_F64, XWASM_F64, 0) \
	X(0xa7, "i32.wrap_i64", XW_G_CORE, XW_OK_UN, XW_OP_I32_WRAP_I64, XWASM_I64, XWASM_I32, 0) \
	X(0xa8, "i32.trunc_f32_s", XW_G_CORE, XW_OK_UN, XW_OP_I32_TRUNC_F32_S, XWASM_F32, XWASM_I32, 0) \
	X(0xa9, "i32.trunc_f32_u", XW_G_CORE, XW_OK_UN, XW_OP_I32_TRUNC_F32_U, XWASM_F32, XWASM_I32, 0) \
	X(0xaa, "i32.trunc_f64_s", XW_G_CORE, XW_OK_UN, XW_OP_I32_TRUNC_F64_S, XWASM_F64, XWASM_I32, 0) \
	X(0xab, "i32.trunc_f64_u", XW_G_CORE, XW_OK_UN, XW_OP_I32_TRUNC_F64_U, XWASM_F64, XWASM_I32, 0) \
	X(0xac, "i64.extend_i32_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_EXTEND_I32_S, XWASM_I32, XWASM_I64, 0) \
	X(0xad, "i64.extend_i32_u", XW_G_CORE, XW_OK_UN, XW_OP_I64_EXTEND_I32_U, XWASM_I32, XWASM_I64, 0) \
	X(0xae, "i64.trunc_f32_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_TRUNC_F32_S, XWASM_F32, XWASM_I64, 0) \
	X(0xaf, "i64.trunc_f32_u", XW_G_CORE, XW_OK_UN, XW_OP_I64_TRUNC_F32_U, XWASM_F32, XWASM_I64, 0) \
	X(0xb0, "i64.trunc_f64_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_TRUNC_F64_S, XWASM_F64, XWASM_I64, 0) \
	X(0xb1, "i64.trunc_f64_u", XW_G_CORE, XW_OK_UN, XW_OP_I64_TRUNC_F64_U, XWASM_F64, XWASM_I64, 0) \
	X(0xb2, "f32.convert_i32_s", XW_G_CORE, XW_OK_UN, XW_OP_F32_CONVERT_I32_S, XWASM_I32, XWASM_F32, 0) \
	X(0xb3, "f32.convert_i32_u", XW_G_CORE, XW_OK_UN, XW_OP_F32_CONVERT_I32_U, XWASM_I32, XWASM_F32, 0) \
	X(0xb4, "f32.convert_i64_s", XW_G_CORE, XW_OK_UN, XW_OP_F32_CONVERT_I64_S, XWASM_I64, XWASM_F32, 0) \
	X(0xb5, "f32.convert_i64_u", XW_G_CORE, XW_OK_UN, XW_OP_F32_CONVERT_I64_U, XWASM_I64, XWASM_F32, 0) \
	X(0xb6, "f32.demote_f64", XW_G_CORE, XW_OK_UN, XW_OP_F32_DEMOTE_F64, XWASM_F64, XWASM_F32, 0) \
	X(0xb7, "f64.convert_i32_s", XW_G_CORE, XW_OK_UN, XW_OP_F64_CONVERT_I32_S, XWASM_I32, XWASM_F64, 0) \
	X(0xb8, "f64.convert_i32_u", XW_G_CORE, XW_OK_UN, XW_OP_F64_CONVERT_I32_U, XWASM_I32, XWASM_F64, 0) \
	X(0xb9, "f64.convert_i64_s", XW_G_CORE, XW_OK_UN, XW_OP_F64_CONVERT_I64_S, XWASM_I64, XWASM_F64, 0) \
	X(0xba, "f64.convert_i64_u", XW_G_CORE, XW_OK_UN, XW_OP_F64_CONVERT_I64_U, XWASM_I64, XWASM_F64, 0) \
	X(0xbb, "f64.promote_f32", XW_G_CORE, XW_OK_UN, XW_OP_F64_PROMOTE_F32, XWASM_F32, XWASM_F64, 0) \
	X(0xbc, "i32.reinterpret_f32", XW_G_CORE, XW_OK_REINT, 0, XWASM_F32, XWASM_I32, 0) \
	X(0xbd, "i64.reinterpret_f64", XW_G_CORE, XW_OK_REINT, 0, XWASM_F64, XWASM_I64, 0) \
	X(0xbe, "f32.reinterpret_i32", XW_G_CORE, XW_OK_REINT, 0, XWASM_I32, XWASM_F32, 0) \
	X(0xbf, "f64.reinterpret_i64", XW_G_CORE, XW_OK_REINT, 0, XWASM_I64, XWASM_F64, 0) \
	X(0xc0, "i32.extend8_s", XW_G_CORE, XW_OK_UN, XW_OP_I32_EXTEND8_S, XWASM_I32, XWASM_I32, 0) \
	X(0xc1, "i32.extend16_s", XW_G_CORE, XW_OK_UN, XW_OP_I32_EXTEND16_S, XWASM_I32, XWASM_I32, 0) \
	X(0xc2, "i64.extend8_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_EXTEND8_S, XWASM_I64, XWASM_I64, 0) \
	X(0xc3, "i64.extend16_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_EXTEND16_S, XWASM_I64, XWASM_I64, 0) \
	X(0xc4, "i64.extend32_s", XW_G_CORE, XW_OK_UN, XW_OP_I64_EXTEND32_S, XWASM_I64, XWASM_I64, 0) \
	X(0xd0, "ref.null", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0xd1, "ref.is_null", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0xd2, "ref.func", XW_G_CORE, XW_OK_CTRL, 0, 0, 0, XW_OPF_CONST) \
	X(0xd3, "ref.as_non_null", XW_G_FREF, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0xd4, "br_on_null", XW_G_FREF, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0xd5, "ref.eq", XW_G_GC, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0xd6, "br_on_non_null", XW_G_FREF, XW_OK_CTRL, 0, 0, 0, 0) \
	X(0xfb, "GC prefix", XW_G_GC, XW_OK_PREFIX, 0, 0, 0, 0) \
	X(0xfc, "0xfc prefix", XW_G_CORE, XW_OK_PREFIX, 0, 0, 0, 0) \
	X(0xfd, "SIMD prefix", XW_G_CORE, XW_OK_PREFIX, 0, 0, 0, XW_OPF_CONST) \
	X(0xfe, "atomic prefix", XW_G_THREADS, XW_OK_PREFIX, 0, 0, 0, 0)


struct xw_opcode {
	const char *name; /* NULL: no instruction has this byte */
	uint8_t group;    /* enum xw_opgroup */
	uint8_t kind;     /* enum xw_opkind */
	uint8_t t1, t2;   /* see KIND above */
	uint8_t flags;
	uint16_t op;      /* enum xw_op, for UN, BIN, LOAD, STORE */
};
extern const struct xw_opcode xw_opcodes[256];

/* The instruction's name, or "(no such instruction)". */
static inline const char *xw_opcode_name(uint8_t op)
{
	return xw_opcodes[op].name ? xw_opcodes[op].name : "(no such instruction)";
}

/* The feature a group names in refusals ("tail calls", "exception handling", ...), and its
 * feature bit (XWASM_FEATURE_*; 0: the engine does not run it). */
const char *xw_opgroup_feature(enum xw_opgroup g);
uint32_t xw_opgroup_bit(enum xw_opgroup g);

#endif
