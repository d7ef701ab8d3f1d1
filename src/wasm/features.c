/* Post-2.0 encodings the engine recognises and refuses as not supported (features.h).
 * Exception handling's opcodes, tag section and exnref reach these only when its feature bit
 * is off (compile.c and the decoder take them first when it is on). */
#include <stdbool.h>
#include <stdio.h>
#include "wasm/features.h"
#include "wasm/module.h"

#define TAIL "tail calls"
#define EH_LEGACY "exception handling (legacy try/catch)"
#define EH "exception handling"
#define FREF "typed function references"
#define GC "garbage collection (GC)"

static const struct {
	uint8_t op;
	const char *name, *feature;
} single[] = {
	{ 0x06, "try", EH_LEGACY },
	{ 0x07, "catch", EH_LEGACY },
	{ 0x08, "throw", EH },
	{ 0x09, "rethrow", EH_LEGACY },
	{ 0x0a, "throw_ref", EH },
	{ 0x14, "call_ref", FREF },
	{ 0x15, "return_call_ref", TAIL },
	{ 0x18, "delegate", EH_LEGACY },
	{ 0x19, "catch_all", EH_LEGACY },
	{ 0x1f, "try_table", EH },
	{ 0xd3, "ref.as_non_null", FREF },
	{ 0xd4, "br_on_null", FREF },
	{ 0xd5, "ref.eq", GC },
	{ 0xd6, "br_on_non_null", FREF },
};

bool xw_unsupported_op(uint8_t op, const uint8_t *p, const uint8_t *end, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
		if (single[i].op == op) {
			snprintf(buf, len, "%s (opcode 0x%02x %s)", single[i].feature, op,
				 single[i].name);
			return true;
		}
	uint32_t sub = 0;
	bool have_sub = xw_read_u32(&p, end, &sub) == 0;
	switch (op) {
	case 0xfb:
		if (have_sub)
			snprintf(buf, len, GC " (opcode 0xfb 0x%02x)", sub);
		else
			snprintf(buf, len, GC " (opcode prefix 0xfb)");
		return true;
	case 0xfe:
		if (have_sub)
			snprintf(buf, len, "threads: atomic memory access (opcode 0xfe 0x%02x)", sub);
		else
			snprintf(buf, len, "threads: atomic memory access (opcode prefix 0xfe)");
		return true;
	case 0xfd:
		return have_sub && xw_unsupported_simd(sub, buf, len);
	default:
		return false;
	}
}

bool xw_unsupported_simd(uint32_t sub, char *buf, size_t len)
{
	/* 2.0 SIMD is supported (simd_table.h); relaxed SIMD is not */
	if (sub >= 0x100 && sub <= 0x113) {
		snprintf(buf, len, "relaxed SIMD (opcode 0xfd 0x%x)", sub);
		return true;
	}
	return false;
}

bool xw_unsupported_valtype(uint8_t t, char *buf, size_t len)
{
	switch (t) {
	case 0x69: snprintf(buf, len, EH " (value type 0x69 exnref)"); return true;
	case 0x63: snprintf(buf, len, FREF " (value type 0x63 ref null)"); return true;
	case 0x64: snprintf(buf, len, FREF " (value type 0x64 ref)"); return true;
	case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x71: case 0x72: case 0x73:
		snprintf(buf, len, GC " (value type 0x%02x)", t);
		return true;
	default:
		return false;
	}
}

bool xw_unsupported_limits(uint8_t flags, char *buf, size_t len)
{
	/* 0x04/0x05 (64-bit index type) are memory64's, 0x03 (shared) threads', decoded when
	 * those features are on; 0x02 (shared, no maximum) stays malformed as in 2.0 */
	if (flags == 0x03 || flags == 0x06 || flags == 0x07) {
		snprintf(buf, len, "threads: shared memory (limits flags 0x%02x)", flags);
		return true;
	}
	return false;
}
