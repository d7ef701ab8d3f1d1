/* threads: the atomic instructions (prefix 0xfe), one table that code.h turns into op enum
 * entries, compile_atomic.c translates from and interp_atomic.inc executes.
 *
 * Each row: A(NAME, sub-opcode, kind, value type, log2 of the access width). Internal ops go
 * by kind and width only (an i32 and an i64 access of the same width share one: results are
 * zero-extended into the 64-bit slot and values truncated to the width), so the table maps
 * each wasm instruction to the internal op ATOMIC_<KIND>_<bits>.
 *
 * Operand layouts (d: result slot; addr, v, e, r, t: slots; off = the memarg offset in two
 * words, low then high; mw = memory index | XW_ATOMIC_MEM64 when the memory has i64 addresses):
 *   ATOMIC_LOAD_n                [d addr off_lo off_hi mw]
 *   ATOMIC_STORE_n               [addr v off_lo off_hi mw]
 *   ATOMIC_{ADD,SUB,AND,OR,XOR,XCHG}_n  [d addr v off_lo off_hi mw]   d := old value
 *   ATOMIC_CMPXCHG_n             [d addr e r off_lo off_hi mw]        d := old value
 *   ATOMIC_NOTIFY                [d addr count off_lo off_hi mw]      d := waiters woken
 *   ATOMIC_WAIT32, ATOMIC_WAIT64 [d addr e t off_lo off_hi mw]        d := 0 ok, 1 not-equal,
 *                                                                      2 timed-out
 * atomic.fence (0xfe 0x03 0x00) emits nothing: the interpreter runs one thread per call and
 * every atomic op is sequentially consistent.
 */
#ifndef XW_ATOMIC_TABLE_H
#define XW_ATOMIC_TABLE_H

#define XW_ATOMIC_MEM64 0x80000000u /* in the mw operand word: the address is an i64 */

/* kinds of instruction, for the translator */
enum xw_atomic_kind {
	XW_AK_NOTIFY, XW_AK_WAIT, XW_AK_LOAD, XW_AK_STORE, XW_AK_RMW, XW_AK_CMPXCHG,
};

/* The seven widths of a family: (i32, 4 bytes), (i64, 8), (i32, 1), (i32, 2), (i64, 1),
 * (i64, 2), (i64, 4), at sub-opcodes base .. base + 6. */
#define XW_ATOMIC_FAMILY(A, NAME, base, kind)                                             \
	A(NAME, base + 0, kind, I32, 2) A(NAME, base + 1, kind, I64, 3)                    \
	A(NAME, base + 2, kind, I32, 0) A(NAME, base + 3, kind, I32, 1)                    \
	A(NAME, base + 4, kind, I64, 0) A(NAME, base + 5, kind, I64, 1)                    \
	A(NAME, base + 6, kind, I64, 2)

/* A(family NAME, sub-opcode, kind, value type, log2 width): every instruction but fence */
#define XW_ATOMIC_TABLE(A)                                                                \
	A(NOTIFY, 0x00, XW_AK_NOTIFY, I32, 2)                                              \
	A(WAIT, 0x01, XW_AK_WAIT, I32, 2)                                                  \
	A(WAIT, 0x02, XW_AK_WAIT, I64, 3)                                                  \
	XW_ATOMIC_FAMILY(A, LOAD, 0x10, XW_AK_LOAD)                                         \
	XW_ATOMIC_FAMILY(A, STORE, 0x17, XW_AK_STORE)                                       \
	XW_ATOMIC_FAMILY(A, ADD, 0x1e, XW_AK_RMW)                                           \
	XW_ATOMIC_FAMILY(A, SUB, 0x25, XW_AK_RMW)                                           \
	XW_ATOMIC_FAMILY(A, AND, 0x2c, XW_AK_RMW)                                           \
	XW_ATOMIC_FAMILY(A, OR, 0x33, XW_AK_RMW)                                            \
	XW_ATOMIC_FAMILY(A, XOR, 0x3a, XW_AK_RMW)                                           \
	XW_ATOMIC_FAMILY(A, XCHG, 0x41, XW_AK_RMW)                                          \
	XW_ATOMIC_FAMILY(A, CMPXCHG, 0x48, XW_AK_CMPXCHG)

/* The internal ops: X(name, number of operand words), as XW_OPS in code.h.
 * W(X, NAME, n) gives NAME_8, NAME_16, NAME_32, NAME_64 with n operand words. */
#define XW_ATOMIC_WIDTHS(X, NAME, n) X(NAME##_8, n) X(NAME##_16, n) X(NAME##_32, n) X(NAME##_64, n)
#define XW_ATOMIC_OPS(X)                                                                  \
	X(ATOMIC_NOTIFY, 6) X(ATOMIC_WAIT32, 7) X(ATOMIC_WAIT64, 7)                         \
	XW_ATOMIC_WIDTHS(X, ATOMIC_LOAD, 5) XW_ATOMIC_WIDTHS(X, ATOMIC_STORE, 5)            \
	XW_ATOMIC_WIDTHS(X, ATOMIC_ADD, 6) XW_ATOMIC_WIDTHS(X, ATOMIC_SUB, 6)               \
	XW_ATOMIC_WIDTHS(X, ATOMIC_AND, 6) XW_ATOMIC_WIDTHS(X, ATOMIC_OR, 6)                \
	XW_ATOMIC_WIDTHS(X, ATOMIC_XOR, 6) XW_ATOMIC_WIDTHS(X, ATOMIC_XCHG, 6)              \
	XW_ATOMIC_WIDTHS(X, ATOMIC_CMPXCHG, 7)

#endif
