/* xdperf plugin SDK, xdp_addr.c: Addresses: MAC / IPv4 / IPv6 text parsing and formatting, and
 * xdp_neighbor_resolve over the host import env.host_neighbor_resolve. */
#include "xdp_internal.h"

#include <stdio.h>
#include <string.h>

int xdp_parse_mac(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -1;
	uint8_t m[6];
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-')
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int xdp_neighbor_resolve(const char *ip, uint8_t mac[6])
{
	char text[32];
	if (!ip)
		return -1;
	int32_t n = xdp_host_neighbor_resolve(ip, (int32_t)strlen(ip), "", 0, text, (int32_t)sizeof text - 1);
	if (n != 17)
		return -1;
	text[17] = 0;
	return xdp_parse_mac(text, mac);
}

int xdp_parse_ipv4(const char *s, uint8_t ip[4])
{
	if (!s)
		return -1;
	uint8_t a[4];
	for (int i = 0; i < 4; i++) {
		if (!isdig(*s))
			return -1;
		unsigned v = 0;
		int digits = 0;
		while (isdig(*s)) {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		a[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	memcpy(ip, a, 4);
	return 0;
}

int xdp_parse_ipv6(const char *s, uint8_t ip[16])
{
	if (!s)
		return -1;
	uint16_t head[8], tail[8];
	int nh = 0, nt = 0;
	bool gap = false;
	uint8_t v4[4];
	bool has_v4 = false;

	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = true;
		s += 2;
	}
	while (*s) {
		/* a group, or a trailing dotted quad */
		const char *q = s;
		int digits = 0;
		while (hexval(*q) >= 0 && digits < 5) {
			q++;
			digits++;
		}
		if (*q == '.') {
			if (xdp_parse_ipv4(s, v4))
				return -1;
			has_v4 = true;
			break;
		}
		if (digits == 0 || digits > 4)
			return -1;
		uint16_t g = 0;
		for (const char *c = s; c < q; c++)
			g = (uint16_t)(g << 4 | hexval(*c));
		if (gap)
			tail[nt++] = g;
		else
			head[nh++] = g;
		if (nh + nt > 8)
			return -1;
		s = q;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -1;
		s++;
		if (*s == ':') {
			if (gap)
				return -1;
			gap = true;
			s++;
			if (*s == '\0')
				break;
		} else if (*s == '\0') {
			return -1; /* trailing single colon */
		}
	}
	int groups = nh + nt + (has_v4 ? 2 : 0);
	if (groups > 8 || (!gap && groups != 8) || (gap && groups == 8))
		return -1;
	uint8_t out[16];
	memset(out, 0, sizeof(out));
	for (int i = 0; i < nh; i++) {
		out[2 * i] = (uint8_t)(head[i] >> 8);
		out[2 * i + 1] = (uint8_t)head[i];
	}
	int end = has_v4 ? 12 : 16;
	for (int i = 0; i < nt; i++) {
		int pos = end - 2 * (nt - i);
		out[pos] = (uint8_t)(tail[i] >> 8);
		out[pos + 1] = (uint8_t)tail[i];
	}
	if (has_v4)
		memcpy(out + 12, v4, 4);
	memcpy(ip, out, 16);
	return 0;
}

void xdp_format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

void xdp_format_ipv4(const uint8_t ip[4], char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}
