/* Post-2.0 encodings the engine recognises and refuses as not supported (features.h).
 * Exception handling's opcodes, tag section and exnref reach these only when its feature bit
 * is off (compile.c and the decoder take them first when it is on). */
#include <stdbool.h>
#include <stdio.h>
#include "wasm/features.h"
#include "wasm/module.h"
#include "wasm/opcodes.h"

#define EH "exception handling"
#define FREF "typed function references"
#define GC "garbage collection (GC)"

bool xw_unsupported_op(uint8_t op, const uint8_t *p, const uint8_t *end, char *buf, size_t len)
{
	const struct xw_opcode *o = &xw_opcodes[op];
	if (!o->name)
		return false; /* no such instruction: malformed */
	if (op == 0xfd) {
		uint32_t sub = 0;
		return xw_read_u32(&p, end, &sub) == 0 && xw_unsupported_simd(sub, buf, len);
	}
	if (o->group == XW_G_CORE)
		return false;
	const char *feature = xw_opgroup_feature(o->group);
	if (o->kind == XW_OK_PREFIX) {
		uint32_t sub = 0;
		if (xw_read_u32(&p, end, &sub) == 0)
			snprintf(buf, len, "%s (opcode 0x%02x 0x%02x)", feature, op, sub);
		else
			snprintf(buf, len, "%s (opcode prefix 0x%02x)", feature, op);
		return true;
	}
	snprintf(buf, len, "%s (opcode 0x%02x %s)", feature, op, o->name);
	return true;
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
