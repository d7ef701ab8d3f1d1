/* xdperf plugin SDK, xdp_checksum.c: Internet checksums (RFC 1071): xdp_csum_add / xdp_csum_fold /
 * xdp_csum and the L4 checksums with the IPv4 / IPv6 pseudo header. */
#include "xdp_internal.h"

#include <string.h>

uint32_t xdp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t xdp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t xdp_csum(const void *data, size_t len) { return xdp_csum_fold(xdp_csum_add(0, data, len)); }

uint16_t xdp_l4_csum_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, const void *l4,
			size_t len)
{
	uint8_t ph[12];
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return xdp_csum_fold(xdp_csum_add(xdp_csum_add(0, ph, sizeof(ph)), l4, len));
}

uint16_t xdp_l4_csum_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
			const void *l4, size_t len)
{
	uint8_t ph[40];
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = next_header;
	return xdp_csum_fold(xdp_csum_add(xdp_csum_add(0, ph, sizeof(ph)), l4, len));
}
