/* memory64: the internal ops for memories with a 64-bit index type (i64 addresses), one
 * table that code.h turns into op enum entries, compile_mem64.c translates into and
 * interp_mem64.inc executes. 32-bit memories keep their own ops (memory 0's fast path, the
 * multi-memory _M group); a 64-bit memory is reached only through these.
 *
 * Operand layouts (addr, n, d, s: slots; off = the 64-bit memarg offset in two words, low
 * then high; mem = memory index):
 *   NAME_64 loads            [d addr off_lo off_hi mem]      one per plain load op
 *   NAME_64 stores           [addr value off_lo off_hi mem]  one per plain store op
 *   MEM64_EA                 [d addr off_lo off_hi mem n]    d := addr + off, trapping unless
 *                            the n bytes there are in memory mem (so d < 2^32 since the engine
 *                            caps memories at 4 GiB): the address a SIMD access then takes
 *   MEMORY_SIZE_64           [d mem]
 *   MEMORY_GROW_64           [d delta mem]
 *   MEMORY_FILL_64           [d value n mem]
 *   MEMORY_COPY_64           [d s n dmem smem wide]  wide: bit 0 d, bit 1 s, bit 2 n is i64
 *                            (a copy between a 32- and a 64-bit memory: n is i32)
 *   MEMORY_INIT_64           [seg d s n mem]         d i64; s, n i32
 */
#ifndef XW_MEM64_TABLE_H
#define XW_MEM64_TABLE_H

/* The plain load and store ops (code.h) that have a 64-bit form NAME_64. */
#define XW_MEM64_LOADS(M, X)                                                              \
	M(X, I32_LOAD) M(X, I64_LOAD) M(X, I32_LOAD8_S) M(X, I32_LOAD8_U) M(X, I32_LOAD16_S) \
	M(X, I32_LOAD16_U) M(X, I64_LOAD8_S) M(X, I64_LOAD8_U) M(X, I64_LOAD16_S)          \
	M(X, I64_LOAD16_U) M(X, I64_LOAD32_S) M(X, I64_LOAD32_U)
#define XW_MEM64_STORES(M, X) M(X, I32_STORE) M(X, I64_STORE) M(X, STORE8) M(X, STORE16)

#define XW_MEM64_AS_OP(X, NAME) X(NAME##_64, 5)

/* X(name, number of operand words), as XW_OPS in code.h */
#define XW_MEM64_OPS(X)                                                                   \
	XW_MEM64_LOADS(XW_MEM64_AS_OP, X) XW_MEM64_STORES(XW_MEM64_AS_OP, X)               \
	X(MEM64_EA, 6) X(MEMORY_SIZE_64, 2) X(MEMORY_GROW_64, 3) X(MEMORY_FILL_64, 4)       \
	X(MEMORY_COPY_64, 6) X(MEMORY_INIT_64, 5)

#endif
