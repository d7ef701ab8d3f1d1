/* Header offsets of an Ethernet frame: see layers.h. */
#include <string.h>
#include "packet/layers.h"
#include "util/bytes.h"

int xdperf_frame_layers(const uint8_t *f, size_t len, struct xdperf_layers *ly)
{
	memset(ly, 0, sizeof *ly);
	if (len < 14)
		return 0;
	size_t off = 12;
	uint16_t et = get_be16(f + off);
	for (int tags = 0; (et == 0x8100 || et == 0x88a8) && tags < 2; tags++) {
		if (off + 6 > len)
			return 0;
		off += 4;
		et = get_be16(f + off);
	}
	off += 2;
	ly->l3 = (uint16_t)off;
	ly->ethertype = et;
	if (et == 0x0800) {
		if (off + 20 > len || f[off] >> 4 != 4)
			return 0;
		size_t ihl = (size_t)(f[off] & 15) * 4;
		if (ihl < 20 || off + ihl > len)
			return 0;
		ly->ipv = 4;
		ly->l3_end = (uint16_t)(off + get_be16(f + off + 2) > 0xffff ? 0xffff : off + get_be16(f + off + 2));
		ly->proto = f[off + 9];
		ly->fragment = (get_be16(f + off + 6) & 0x3fff) != 0;
		ly->l4 = (uint16_t)(off + ihl);
		return 0;
	}
	if (et != 0x86dd || off + 40 > len || f[off] >> 4 != 6)
		return 0;
	ly->ipv = 6;
	size_t end = off + 40 + get_be16(f + off + 4);
	ly->l3_end = (uint16_t)(end > 0xffff ? 0xffff : end);
	uint8_t nh = f[off + 6];
	size_t p = off + 40;
	for (int i = 0; i < 8; i++) {
		if (nh == 0 || nh == 43 || nh == 60) {
			if (p + 8 > len)
				return 0; /* IP header present, L4 unknown */
			uint8_t next = f[p];
			p += 8 + (size_t)f[p + 1] * 8;
			nh = next;
			continue;
		}
		if (nh == 44) { /* fragment header */
			if (p + 8 > len)
				return 0;
			ly->fragment = true;
			nh = f[p];
			p += 8;
			continue;
		}
		break;
	}
	if (p > 0xffff)
		return 0;
	ly->proto = nh;
	ly->l4 = (uint16_t)p;
	return 0;
}
