/* LEB128 and fixed-width readers for the binary format, bounds-checked against `end`. */
#include <string.h>
#include "wasm/module.h"

int xw_read_u8(const uint8_t **p, const uint8_t *end, uint8_t *out)
{
	if (*p >= end)
		return -1;
	*out = *(*p)++;
	return 0;
}

int xw_read_bytes(const uint8_t **p, const uint8_t *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	memcpy(dst, *p, n);
	*p += n;
	return 0;
}

/* Unsigned LEB128 of at most `bits` bits. Unused bits of the last byte must be zero. */
static int read_uleb(const uint8_t **p, const uint8_t *end, unsigned bits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const uint8_t *q = *p;
	for (;;) {
		if (q >= end)
			return -1;
		uint8_t b = *q++;
		if (shift + 7 >= bits) {
			/* last permitted byte: continuation forbidden, high bits must be zero */
			unsigned used = bits - shift;
			if (b & 0x80)
				return -1;
			if (used < 7 && (b >> used) != 0)
				return -1;
			v |= (uint64_t)b << shift;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*p = q;
	*out = v;
	return 0;
}

/* Signed LEB128 of at most `bits` bits; unused bits of the last byte must be the sign extension. */
static int read_sleb(const uint8_t **p, const uint8_t *end, unsigned bits, int64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const uint8_t *q = *p;
	uint8_t b;
	for (;;) {
		if (q >= end)
			return -1;
		b = *q++;
		if (shift + 7 >= bits) {
			unsigned used = bits - shift; /* value bits in this byte, incl. sign */
			if (b & 0x80)
				return -1;
			/* bits [used-1 .. 6] must all equal the sign bit */
			int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7-bit payload */
			int64_t top = (int64_t)sb >> (used - 1);
			if (top != 0 && top != -1)
				return -1;
			v |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*p = q;
	*out = (int64_t)v;
	return 0;
}

int xw_read_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
	uint64_t v;
	if (read_uleb(p, end, 32, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int xw_read_s32(const uint8_t **p, const uint8_t *end, int32_t *out)
{
	int64_t v;
	if (read_sleb(p, end, 32, &v))
		return -1;
	*out = (int32_t)v;
	return 0;
}

int xw_read_s33(const uint8_t **p, const uint8_t *end, int64_t *out)
{
	return read_sleb(p, end, 33, out);
}

int xw_read_s64(const uint8_t **p, const uint8_t *end, int64_t *out)
{
	return read_sleb(p, end, 64, out);
}

int xw_read_u64(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	return read_uleb(p, end, 64, out);
}
