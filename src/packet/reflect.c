/* Turning a frame around for the reflector: see reflect.h. */
#include <string.h>
#include "packet/reflect.h"

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

bool xdperf_frame_turn_around(uint8_t *f, size_t len, bool ports)
{
	if (len < 14)
		return false;
	size_t off = 12;
	unsigned type = (unsigned)f[12] << 8 | f[13];
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		off += 4;
		if (off + 2 > len)
			return false;
		type = (unsigned)f[off] << 8 | f[off + 1];
	}
	off += 2;
	uint8_t *ip = f + off, *l4;
	unsigned proto;
	if (type == 0x0800) {
		if (off + 20 > len || ip[0] >> 4 != 4 || (ip[0] & 15) < 5)
			return false;
		swap(ip + 12, ip + 16, 4);
		proto = ((ip[6] & 0x1f) | ip[7]) ? 0 : ip[9];
		l4 = ip + (ip[0] & 15) * 4;
	} else if (type == 0x86dd) {
		if (off + 40 > len || ip[0] >> 4 != 6)
			return false;
		swap(ip + 8, ip + 24, 16);
		proto = ip[6];
		l4 = ip + 40;
	} else {
		return false;
	}
	swap(f, f + 6, 6);
	if (ports && (proto == 17 || proto == 6) && (size_t)(l4 - f) + 4 <= len)
		swap(l4, l4 + 2, 2);
	return true;
}
