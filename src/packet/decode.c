/* Frame description with checksum validation: see decode.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "packet/decode.h"
#include "util/bytes.h"

struct out {
	char *buf;
	size_t cap, n; /* n = length needed so far */
	const char *indent;
	struct xdperf_decode_info *info;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->n < o->cap ? o->cap - o->n : 0;
	int k = vsnprintf(room ? o->buf + o->n : NULL, room, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
}

static void line(struct out *o, const char *layer)
{
	put(o, "%s%-9s ", o->indent, layer);
}

uint16_t xdperf_csum_fold(const uint8_t *data, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		s += get_be16(data + i);
	if (i < len)
		s += (uint32_t)data[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static const char *verdict(struct out *o, bool ok)
{
	if (o->info) {
		if (ok)
			o->info->checksums_ok++;
		else
			o->info->checksums_bad++;
	}
	return ok ? "valid" : "INVALID";
}

static void truncated(struct out *o, const char *what, size_t need, size_t have)
{
	if (o->info)
		o->info->truncated = 1;
	line(o, what);
	put(o, "truncated: needs %zu bytes, %zu in the frame\n", need, have);
}

static const char *proto_name(unsigned p)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 58: return "ICMPv6";
	case 0: return "hop-by-hop options";
	case 43: return "routing header";
	case 44: return "fragment header";
	case 60: return "destination options";
	case 59: return "no next header";
	default: return "?";
	}
}

static const char *ethertype_name(unsigned t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x86dd: return "IPv6";
	case 0x0806: return "ARP";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1ad";
	default: return "?";
	}
}

/* L4 layer: `pseudo` is the pseudo-header partial sum (without length and protocol), or
 * UINT32_MAX when the checksum cannot be checked (fragment / truncated segment). */
static void l4(struct out *o, unsigned proto, const uint8_t *p, size_t l4len, size_t have,
	       uint32_t pseudo, bool v6)
{
	bool whole = have >= l4len && pseudo != UINT32_MAX;
	size_t avail = have < l4len ? have : l4len;
	uint32_t ph = whole ? pseudo + (uint32_t)l4len + proto : 0;
	size_t hdr;
	switch (proto) {
	case 17: {
		if (avail < 8)
			return truncated(o, "UDP", 8, avail);
		uint16_t ck = get_be16(p + 6);
		line(o, "UDP");
		put(o, "%u -> %u  length %u  checksum 0x%04x", get_be16(p), get_be16(p + 2), get_be16(p + 4), ck);
		if (get_be16(p + 4) != l4len)
			put(o, " (length field %u, IP says %zu)", get_be16(p + 4), l4len);
		if (!whole)
			put(o, " (not checked)\n");
		else if (ck == 0 && !v6)
			put(o, " (none)\n");
		else
			put(o, " %s\n", verdict(o, ck != 0 && xdperf_csum_fold(p, l4len, ph) == 0xffff));
		hdr = 8;
		break;
	}
	case 6: {
		if (avail < 20)
			return truncated(o, "TCP", 20, avail);
		hdr = (size_t)(p[12] >> 4) * 4;
		static const char *fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
		char flags[64] = "";
		size_t fo = 0;
		for (int i = 0; i < 8; i++)
			if (p[13] & (1u << i))
				fo += (size_t)snprintf(flags + fo, sizeof flags - fo, "%s%s", fo ? "," : "", fl[i]);
		line(o, "TCP");
		put(o, "%u -> %u  seq %u  ack %u  flags %s  window %u  checksum 0x%04x", get_be16(p), get_be16(p + 2),
		    get_be32(p + 4), get_be32(p + 8), fo ? flags : "none", get_be16(p + 14), get_be16(p + 16));
		if (!whole)
			put(o, " (not checked)\n");
		else
			put(o, " %s\n", verdict(o, xdperf_csum_fold(p, l4len, ph) == 0xffff));
		if (hdr < 20 || hdr > avail)
			return truncated(o, "TCP", hdr < 20 ? 20 : hdr, avail);
		break;
	}
	case 1:
	case 58: {
		if (avail < 4)
			return truncated(o, proto == 1 ? "ICMP" : "ICMPv6", 4, avail);
		line(o, proto == 1 ? "ICMP" : "ICMPv6");
		put(o, "type %u  code %u  checksum 0x%04x", p[0], p[1], get_be16(p + 2));
		if (!whole || (proto == 1 && pseudo == UINT32_MAX))
			put(o, " (not checked)\n");
		else
			put(o, " %s\n", verdict(o, xdperf_csum_fold(p, l4len, proto == 1 ? 0 : ph) == 0xffff));
		hdr = avail < 8 ? avail : 8;
		break;
	}
	default:
		hdr = 0;
	}
	line(o, "Payload");
	put(o, "%zu bytes\n", l4len - hdr);
}

static void ipv4(struct out *o, const uint8_t *p, size_t have)
{
	if (have < 20)
		return truncated(o, "IPv4", 20, have);
	size_t ihl = (size_t)(p[0] & 15) * 4, tot = get_be16(p + 2);
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, p + 12, s, sizeof s);
	inet_ntop(AF_INET, p + 16, d, sizeof d);
	line(o, "IPv4");
	put(o, "%s -> %s  proto %u (%s)  ttl %u  total length %zu  checksum 0x%04x", s, d, p[9],
	    proto_name(p[9]), p[8], tot, get_be16(p + 10));
	if ((p[0] >> 4) != 4 || ihl < 20 || ihl > have) {
		put(o, " (bad version/header length 0x%02x)\n", p[0]);
		if (o->info)
			o->info->truncated = 1;
		return;
	}
	put(o, " %s\n", verdict(o, xdperf_csum_fold(p, ihl, 0) == 0xffff));
	if (tot < ihl) {
		line(o, "IPv4");
		put(o, "total length %zu is shorter than the header (%zu)\n", tot, ihl);
		return;
	}
	if (tot > have) {
		truncated(o, "IPv4", tot, have);
		return l4(o, p[9], p + ihl, tot - ihl, have - ihl, UINT32_MAX, false);
	}
	uint16_t frag = get_be16(p + 6);
	bool fragment = (frag & 0x1fff) || (frag & 0x2000);
	if (fragment) {
		line(o, "IPv4");
		put(o, "fragment offset %u%s\n", (frag & 0x1fff) * 8, frag & 0x2000 ? " (more fragments)" : "");
		if (frag & 0x1fff) {
			line(o, "Payload");
			put(o, "%zu bytes\n", tot - ihl);
			return;
		}
	}
	uint32_t ps = fragment ? UINT32_MAX : (uint32_t)xdperf_csum_fold(p + 12, 8, 0);
	l4(o, p[9], p + ihl, tot - ihl, tot - ihl, ps, false);
}

static void ipv6(struct out *o, const uint8_t *p, size_t have)
{
	if (have < 40)
		return truncated(o, "IPv6", 40, have);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, p + 8, s, sizeof s);
	inet_ntop(AF_INET6, p + 24, d, sizeof d);
	size_t plen = get_be16(p + 4);
	unsigned nh = p[6];
	line(o, "IPv6");
	put(o, "%s -> %s  next header %u (%s)  hop limit %u  payload length %zu\n", s, d, nh,
	    proto_name(nh), p[7], plen);
	size_t off = 40, end = 40 + plen;
	bool whole = end <= have;
	if (!whole)
		truncated(o, "IPv6", end, have);
	size_t lim = whole ? end : have;
	while (nh == 0 || nh == 43 || nh == 60) {
		if (off + 8 > lim)
			return truncated(o, proto_name(nh), off + 8, lim);
		size_t hl = ((size_t)p[off + 1] + 1) * 8;
		line(o, "IPv6 ext");
		put(o, "%s, %zu bytes, next header %u (%s)\n", proto_name(nh), hl, p[off], proto_name(p[off]));
		nh = p[off];
		off += hl;
		if (off > lim)
			return truncated(o, "IPv6 ext", off, lim);
	}
	if (nh == 44) {
		line(o, "Payload");
		put(o, "%zu bytes (fragment)\n", (whole ? end : have) - off);
		return;
	}
	uint32_t ps = whole ? (uint32_t)xdperf_csum_fold(p + 8, 32, 0) : UINT32_MAX;
	l4(o, nh, p + off, whole ? end - off : plen > off - 40 ? plen - (off - 40) : 0, lim - off, ps, true);
}

size_t xdperf_frame_describe(const uint8_t *f, size_t len, const char *indent, char *buf,
			     size_t buflen, struct xdperf_decode_info *info)
{
	struct out o = { .buf = buf, .cap = buflen, .indent = indent ? indent : "", .info = info };
	if (info)
		memset(info, 0, sizeof *info);
	if (buflen)
		buf[0] = 0;
	if (len < 14) {
		truncated(&o, "Ethernet", 14, len);
		return o.n;
	}
	line(&o, "Ethernet");
	put(&o, "%02x:%02x:%02x:%02x:%02x:%02x -> %02x:%02x:%02x:%02x:%02x:%02x", f[6], f[7], f[8], f[9],
	    f[10], f[11], f[0], f[1], f[2], f[3], f[4], f[5]);
	size_t off = 12;
	unsigned type = get_be16(f + off);
	put(&o, "  type 0x%04x (%s)\n", type, ethertype_name(type));
	while (type == 0x8100 || type == 0x88a8) {
		if (off + 6 > len) {
			truncated(&o, "VLAN", off + 6, len);
			return o.n;
		}
		uint16_t tci = get_be16(f + off + 2);
		type = get_be16(f + off + 4);
		line(&o, "VLAN");
		put(&o, "id %u  priority %u%s  type 0x%04x (%s)\n", tci & 0xfff, tci >> 13, tci & 0x1000 ? "  DEI" : "",
		    type, ethertype_name(type));
		off += 4;
	}
	off += 2;
	if (type == 0x0800)
		ipv4(&o, f + off, len - off);
	else if (type == 0x86dd)
		ipv6(&o, f + off, len - off);
	else {
		line(&o, "Payload");
		put(&o, "%zu bytes\n", len - off);
	}
	return o.n;
}
