/* Frame rewriting for replay (src/packet/rewrite.h): MACs, CIDR address maps, port maps, with
 * the IPv4 header and TCP/UDP/ICMPv6 checksums updated incrementally. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/rewrite.h"
#include "util/err.h"

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

int xdperf_rewrite_mac(struct xdperf_rewrite *rw, bool dst, const char *mac, char *err,
		       size_t errlen)
{
	unsigned v[6];
	char tail;
	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6 || strlen(mac) != 17) {
		xdperf_errf(err, errlen, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", mac);
		return -EINVAL;
	}
	uint8_t *m = dst ? rw->dmac : rw->smac;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	if (dst)
		rw->dmac_set = true;
	else
		rw->smac_set = true;
	return 0;
}

/* "A.B.C.D/N" or "[v6/N]": the address and prefix into one side of a map. */
static int parse_cidr(const char *s, size_t len, bool *v6, uint8_t addr[16], unsigned *plen)
{
	char buf[80];
	if (len == 0 || len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *p = buf;
	if (*p == '[') {
		if (buf[len - 1] != ']')
			return -EINVAL;
		buf[len - 1] = '\0';
		p++;
	}
	char *slash = strchr(p, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	char *end;
	unsigned long n = strtoul(slash + 1, &end, 10);
	if (*end || end == slash + 1)
		return -EINVAL;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, p, addr) == 1)
		*v6 = false;
	else if (inet_pton(AF_INET6, p, addr) == 1)
		*v6 = true;
	else
		return -EINVAL;
	if (n > (*v6 ? 128u : 32u))
		return -ERANGE;
	*plen = (unsigned)n;
	return 0;
}

/* The ':' between the two sides: outside brackets. */
static const char *map_colon(const char *s, const char *end)
{
	int depth = 0;
	for (const char *p = s; p < end; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == ':' && depth == 0)
			return p;
	}
	return NULL;
}

int xdperf_rewrite_ipmap(struct xdperf_rewrite *rw, bool dst, const char *spec, char *err,
			 size_t errlen)
{
	struct xdperf_rw_ipmap *map = dst ? rw->dst : rw->src;
	unsigned *n = dst ? &rw->ndst : &rw->nsrc;
	const char *s = spec;
	if (!*s) {
		xdperf_errf(err, errlen, "an empty map (give FROM/N:TO/M[,...])");
		return -EINVAL;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		const char *colon = map_colon(s, end);
		struct xdperf_rw_ipmap m = { 0 };
		bool v6b;
		int e1 = colon ? parse_cidr(s, (size_t)(colon - s), &m.v6, m.from, &m.from_len) : -EINVAL;
		int e2 = colon ? parse_cidr(colon + 1, (size_t)(end - colon - 1), &v6b, m.to, &m.to_len)
			       : -EINVAL;
		if (e1 || e2) {
			xdperf_errf(err, errlen, "'%.*s' is not FROM/N:TO/M (CIDR:CIDR, IPv6 in brackets: "
				    "[2001:db8::/32]:[fd00::/32])%s", (int)(end - s), s,
				    e1 == -ERANGE || e2 == -ERANGE ? ": a prefix length is too long" : "");
			return -EINVAL;
		}
		if (m.v6 != v6b) {
			xdperf_errf(err, errlen, "'%.*s' maps IPv%d to IPv%d (both sides must be one "
				    "family)", (int)(end - s), s, m.v6 ? 6 : 4, v6b ? 6 : 4);
			return -EINVAL;
		}
		if (*n >= XDPERF_REWRITE_MAPS_MAX) {
			xdperf_errf(err, errlen, "more than %d pairs", XDPERF_REWRITE_MAPS_MAX);
			return -EINVAL;
		}
		map[(*n)++] = m;
		s = comma ? comma + 1 : end;
		if (comma && !*s) {
			xdperf_errf(err, errlen, "'%s' ends with a comma", spec);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_port(const char *s, const char *end, uint16_t *out)
{
	if (s == end || end - s > 5)
		return -EINVAL;
	unsigned v = 0;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int xdperf_rewrite_portmap(struct xdperf_rewrite *rw, const char *spec, char *err, size_t errlen)
{
	const char *s = spec;
	if (!*s) {
		xdperf_errf(err, errlen, "an empty map (give P:Q or P1-P2:Q[,...])");
		return -EINVAL;
	}
	while (*s) {
		const char *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		const char *colon = memchr(s, ':', (size_t)(end - s));
		const char *dash = colon ? memchr(s, '-', (size_t)(colon - s)) : NULL;
		struct xdperf_rw_portmap m;
		int e = !colon ? -EINVAL
			       : parse_port(s, dash ? dash : colon, &m.lo) ||
				 (dash && parse_port(dash + 1, colon, &m.hi)) ||
				 parse_port(colon + 1, end, &m.to) ? -EINVAL : 0;
		if (!e && !dash)
			m.hi = m.lo;
		if (e || m.hi < m.lo) {
			xdperf_errf(err, errlen, "'%.*s' is not PORT:PORT or LOW-HIGH:PORT (ports 0-65535)",
				    (int)(end - s), s);
			return -EINVAL;
		}
		if (rw->nport >= XDPERF_REWRITE_MAPS_MAX) {
			xdperf_errf(err, errlen, "more than %d pairs", XDPERF_REWRITE_MAPS_MAX);
			return -EINVAL;
		}
		rw->port[rw->nport++] = m;
		s = comma ? comma + 1 : end;
		if (comma && !*s) {
			xdperf_errf(err, errlen, "'%s' ends with a comma", spec);
			return -EINVAL;
		}
	}
	return 0;
}

bool xdperf_rewrite_any(const struct xdperf_rewrite *rw)
{
	return rw->dmac_set || rw->smac_set || rw->nsrc || rw->ndst || rw->nport;
}

/* The checksum at c (big-endian) after the n bytes (n even) at old became those at new
 * (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). */
static void csum_adjust(uint8_t *c, const uint8_t *old, const uint8_t *new, size_t n)
{
	uint32_t sum = (uint16_t)~((c[0] << 8) | c[1]);
	for (size_t i = 0; i + 1 < n; i += 2) {
		sum += (uint16_t)~((old[i] << 8) | old[i + 1]);
		sum += (uint32_t)(new[i] << 8 | new[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t r = (uint16_t)~sum;
	c[0] = (uint8_t)(r >> 8);
	c[1] = (uint8_t)r;
}

/* Applies the first matching pair of map to the address at a (4 or 16 bytes); true if changed. */
static bool map_addr(const struct xdperf_rw_ipmap *map, unsigned n, bool v6, uint8_t *a)
{
	unsigned bytes = v6 ? 16 : 4;
	for (unsigned i = 0; i < n; i++) {
		const struct xdperf_rw_ipmap *m = &map[i];
		if (m->v6 != v6)
			continue;
		unsigned full = m->from_len / 8, bits = m->from_len % 8;
		if (memcmp(a, m->from, full))
			continue;
		if (bits && ((a[full] ^ m->from[full]) & (uint8_t)(0xff << (8 - bits))))
			continue;
		uint8_t out[16];
		memcpy(out, a, bytes);
		full = m->to_len / 8;
		bits = m->to_len % 8;
		memcpy(out, m->to, full);
		if (bits) {
			uint8_t mask = (uint8_t)(0xff << (8 - bits));
			out[full] = (uint8_t)((m->to[full] & mask) | (a[full] & ~mask));
		}
		if (!memcmp(out, a, bytes))
			return false;
		memcpy(a, out, bytes);
		return true;
	}
	return false;
}

static uint16_t map_port(const struct xdperf_rewrite *rw, uint16_t p)
{
	for (unsigned i = 0; i < rw->nport; i++)
		if (p >= rw->port[i].lo && p <= rw->port[i].hi)
			return rw->port[i].to;
	return p;
}

/* Where the L4 checksum of proto is, from the L4 header's start (-1: none to keep). */
static int l4_csum_off(uint8_t proto, bool v6)
{
	switch (proto) {
	case IPPROTO_TCP_: return 16;
	case IPPROTO_UDP_: return 6;
	case IPPROTO_ICMPV6_: return v6 ? 2 : -1;
	default: return -1;
	}
}

/* Rewrites the addresses at a (len 4 or 16) by map; fixes csum (IPv4 header, may be NULL) and
 * the L4 checksum at l4c (NULL: none or beyond caplen). */
static bool addr_rewrite(const struct xdperf_rw_ipmap *map, unsigned n, bool v6, uint8_t *a,
			 uint8_t *ipc, uint8_t *l4c, bool udp)
{
	uint8_t old[16];
	unsigned len = v6 ? 16 : 4;
	memcpy(old, a, len);
	if (!map_addr(map, n, v6, a))
		return false;
	if (ipc)
		csum_adjust(ipc, old, a, len);
	if (l4c && !(udp && !v6 && l4c[0] == 0 && l4c[1] == 0)) {
		csum_adjust(l4c, old, a, len);
		if (udp && l4c[0] == 0 && l4c[1] == 0)
			l4c[0] = l4c[1] = 0xff; /* 0 means "no checksum" in UDP */
	}
	return true;
}

unsigned xdperf_rewrite_frame(const struct xdperf_rewrite *rw, uint8_t *f, uint32_t caplen)
{
	unsigned changed = 0;
	if (caplen < 14)
		return 0;
	if (rw->dmac_set && memcmp(f, rw->dmac, 6)) {
		memcpy(f, rw->dmac, 6);
		changed |= XDPERF_RW_MAC;
	}
	if (rw->smac_set && memcmp(f + 6, rw->smac, 6)) {
		memcpy(f + 6, rw->smac, 6);
		changed |= XDPERF_RW_MAC;
	}
	if (!rw->nsrc && !rw->ndst && !rw->nport)
		return changed;
	uint32_t off = 12;
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
	for (int tags = 0; tags < 2 && (et == 0x8100 || et == 0x88a8) && off + 6 <= caplen; tags++) {
		off += 4;
		et = (uint16_t)(f[off] << 8 | f[off + 1]);
	}
	uint32_t l3 = off + 2, l4;
	bool v6, has_l4;
	uint8_t proto;
	uint8_t *src, *dst, *ipc = NULL;
	bool rh_final = false; /* a routing header names the final destination (pseudo header) */
	if (et == 0x0800) {
		if (l3 + 20 > caplen || (f[l3] >> 4) != 4)
			return changed;
		uint32_t ihl = (f[l3] & 0x0fu) * 4u;
		if (ihl < 20 || l3 + ihl > caplen)
			return changed;
		v6 = false;
		proto = f[l3 + 9];
		has_l4 = ((f[l3 + 6] << 8 | f[l3 + 7]) & 0x1fff) == 0; /* not a later fragment */
		src = f + l3 + 12;
		dst = f + l3 + 16;
		ipc = f + l3 + 10;
		l4 = l3 + ihl;
	} else if (et == 0x86dd) {
		if (l3 + 40 > caplen || (f[l3] >> 4) != 6)
			return changed;
		v6 = true;
		proto = f[l3 + 6];
		src = f + l3 + 8;
		dst = f + l3 + 24;
		l4 = l3 + 40;
		has_l4 = true;
		/* extension headers: hop-by-hop, routing, fragment, destination options */
		for (int k = 0; k < 8 && (proto == 0 || proto == 43 || proto == 44 || proto == 60); k++) {
			if (l4 + 8 > caplen) {
				has_l4 = false;
				break;
			}
			uint8_t next = f[l4];
			uint32_t hlen = proto == 44 ? 8 : ((uint32_t)f[l4 + 1] + 1) * 8;
			if (proto == 44 && ((f[l4 + 2] << 8 | f[l4 + 3]) >> 3) != 0)
				has_l4 = false;
			if (proto == 43 && f[l4 + 3] > 0)
				rh_final = true;
			proto = next;
			l4 += hlen;
		}
	} else {
		return changed;
	}
	int co = has_l4 ? l4_csum_off(proto, v6) : -1;
	uint8_t *l4c = co >= 0 && l4 + (uint32_t)co + 2 <= caplen ? f + l4 + co : NULL;
	bool udp = proto == IPPROTO_UDP_;
	if (rw->nsrc && addr_rewrite(rw->src, rw->nsrc, v6, src, ipc, l4c, udp))
		changed |= XDPERF_RW_IP;
	if (rw->ndst && addr_rewrite(rw->dst, rw->ndst, v6, dst, ipc, rh_final ? NULL : l4c, udp))
		changed |= XDPERF_RW_IP;
	if (rw->nport && has_l4 && (proto == IPPROTO_TCP_ || udp) && l4 + 4 <= caplen) {
		for (int i = 0; i < 2; i++) {
			uint8_t *p = f + l4 + 2 * i;
			uint16_t o = (uint16_t)(p[0] << 8 | p[1]), n = map_port(rw, o);
			if (n == o)
				continue;
			uint8_t old[2] = { p[0], p[1] };
			p[0] = (uint8_t)(n >> 8);
			p[1] = (uint8_t)n;
			if (l4c && !(udp && !v6 && l4c[0] == 0 && l4c[1] == 0)) {
				csum_adjust(l4c, old, p, 2);
				if (udp && l4c[0] == 0 && l4c[1] == 0)
					l4c[0] = l4c[1] = 0xff;
			}
			changed |= XDPERF_RW_PORT;
		}
	}
	return changed;
}
