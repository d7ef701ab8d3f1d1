/* The WebAssembly features past 2.0 that the engine knows by their encoding but does not run
 * yet (typed function references, GC, relaxed SIMD), or runs only with its feature bit on
 * (exception handling, threads; xwasm_load_opts.features):
 * one table the translator and the decoder draw their "not supported: FEATURE"
 * refusals (-ENOTSUP) from, so a module built with such a feature is told apart from a
 * malformed one. */
#ifndef XDPERF_WASM_FEATURES_H
#define XDPERF_WASM_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Instruction opcode op (its prefix's sub-opcode read from p..end when op is a prefix) that
 * belongs to a known feature this engine does not run: writes "FEATURE (opcode 0x.. NAME)"
 * into buf and returns true; false for an opcode no feature has (malformed). */
bool xw_unsupported_op(uint8_t op, const uint8_t *p, const uint8_t *end, char *buf, size_t len);

/* SIMD sub-opcode `sub` (after 0xfd) of a known feature beyond 2.0 SIMD (relaxed SIMD):
 * "relaxed SIMD (opcode 0xfd 0x..)" into buf, true; false otherwise. */
bool xw_unsupported_simd(uint32_t sub, char *buf, size_t len);

/* A value type byte of such a feature (exnref, typed references): "FEATURE (value type 0x..)"
 * into buf, true; false otherwise. */
bool xw_unsupported_valtype(uint8_t t, char *buf, size_t len);

/* Memory or table limits flags of such a feature (shared memory, 64-bit shared memory:
 * threads): "FEATURE (limits flags 0x..)" into buf, true; false otherwise. */
bool xw_unsupported_limits(uint8_t flags, char *buf, size_t len);

#endif
