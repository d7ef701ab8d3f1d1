/* verify_udp: example verifier plugin: checks one sampled received frame is a well-formed
 * Ethernet / IPv4 or IPv6 / UDP packet.
 *
 * Same ABI as the generator plugins (plugin_init, plugin_process, plugin_cleanup, malloc, free),
 * but a different request and response. The host (xdperf server mode) sends one frame:
 *   {"packet":{"data":"<base64 frame>","length":N,"timestamp":NS,"sequence":S}}
 * and gets back
 *   {"result":{"valid":true|false,"errors":["reason", ...]}}
 * with every problem found (errors is [] when valid). At most the first 2048 bytes of a frame
 * are sent: for length > 2048, data of exactly 2048 bytes is accepted and only what is there is
 * checked (a UDP checksum over bytes that were not sent is skipped).
 *
 * Checks: data is base64 and its size matches length; EtherType IPv4 or IPv6 (one 802.1Q tag
 * allowed); IPv4 version 4, IHL >= 5, header checksum, total length fits the frame, not a
 * fragment; IPv6 version 6, payload length fits; protocol / next header UDP; UDP length >= 8 and
 * fits the IP payload; UDP checksum over the pseudo header (0 = none is accepted over IPv4, an
 * error over IPv6).
 *
 * Config (optional, "" / "{}" / null = no extra checks):
 *   dst_port N      the UDP destination port must be N (0..65535)
 *   min_payload N   the UDP payload must have at least N bytes (0..65535)
 * Unknown keys are ignored (with a warning); a bad value or invalid JSON makes plugin_init fail.
 *
 * plugin_process returns the response length, XDP_ERR_INVALID_INPUT (-1) for a malformed
 * request (not JSON, not an object, no "packet" object, "data" missing or not base64, "length"
 * missing or not a non-negative integer), XDP_ERR_BUFFER_TOO_SMALL (-4) or
 * XDP_ERR_NOT_INITIALIZED (-5).
 *
 * The generator SDK's exported ABI (sdk/xdperf_plugin.c) builds template responses, so this
 * plugin is self-contained: it takes the ABI macros, status codes and constants from
 * sdk/xdperf_plugin.h and brings its own small bounds-checked JSON reader, base64 decoder and
 * checksum (the Makefile builds plugins/verify_*.c without sdk/xdperf_plugin.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

#define SAMPLE_MAX 2048 /* the host sends at most this many bytes of a frame */
#define MAX_ERRORS 16
#define ERROR_LEN 128
#define KEY_LEN 32

/* ---- configuration ------------------------------------------------------------------------ */

static struct {
	bool initialized;
	int64_t dst_port;    /* -1: any */
	int64_t min_payload; /* 0: no minimum */
} g_cfg;

static void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_log(int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	xdp_host_log(level, buf, n);
}

/* ---- a minimal JSON reader ----------------------------------------------------------------- */

/* Reads one document from s[0..n) front to back; every access is checked against n. */
typedef struct {
	const char *s;
	size_t n, i;
} jr;

#define JSON_MAX_DEPTH 32

static void ws(jr *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
			       r->s[r->i] == '\r'))
		r->i++;
}

static bool at(jr *r, char c)
{
	ws(r);
	return r->i < r->n && r->s[r->i] == c;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string at r->i (after whitespace). Decodes it into buf[0..cap) when buf is given (\uXXXX
 * as UTF-8); *len receives the decoded length, *fits whether it fit (a NUL is added if so).
 * Returns 0 or -1 (syntax). */
static int read_string(jr *r, char *buf, size_t cap, size_t *len, bool *fits)
{
	size_t o = 0;
	bool ok = true;
	if (!at(r, '"'))
		return -1;
	r->i++;
	for (;;) {
		if (r->i >= r->n)
			return -1;
		unsigned char c = (unsigned char)r->s[r->i++];
		char tmp[4];
		size_t tl = 1;
		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			tmp[0] = (char)c;
		} else {
			if (r->i >= r->n)
				return -1;
			char e = r->s[r->i++];
			switch (e) {
			case '"': case '\\': case '/': tmp[0] = e; break;
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				if (r->n - r->i < 4)
					return -1;
				uint32_t cp = 0;
				for (int k = 0; k < 4; k++) {
					int v = hexval(r->s[r->i++]);
					if (v < 0)
						return -1;
					cp = cp << 4 | (uint32_t)v;
				}
				/* surrogates are kept as-is (3-byte sequences): only keys and base64
				 * text are decoded here, and neither needs them */
				if (cp < 0x80) {
					tmp[0] = (char)cp;
				} else if (cp < 0x800) {
					tmp[0] = (char)(0xc0 | cp >> 6);
					tmp[1] = (char)(0x80 | (cp & 0x3f));
					tl = 2;
				} else {
					tmp[0] = (char)(0xe0 | cp >> 12);
					tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					tmp[2] = (char)(0x80 | (cp & 0x3f));
					tl = 3;
				}
				break;
			}
			default:
				return -1;
			}
		}
		if (buf && ok && cap - o > tl) {
			memcpy(buf + o, tmp, tl);
		} else {
			ok = false;
		}
		o += tl;
	}
	if (buf && ok)
		buf[o] = '\0';
	if (len)
		*len = o;
	if (fits)
		*fits = buf && ok;
	return 0;
}

/* A number at r->i (JSON grammar). *is_int: no fraction or exponent; *val: its value when it
 * is an integer that fits int64 (*in_range tells). Returns 0 or -1 (syntax). */
static int read_number(jr *r, bool *is_int, bool *in_range, int64_t *val)
{
	ws(r);
	const char *s = r->s;
	size_t i = r->i, n = r->n;
	bool neg = false, integer = true, range = true;
	uint64_t v = 0;
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	if (s[i] == '0') {
		i++;
	} else {
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			unsigned d = (unsigned)(s[i++] - '0');
			if (v > (UINT64_MAX - d) / 10)
				range = false;
			else
				v = v * 10 + d;
		}
	}
	if (i < n && s[i] == '.') {
		integer = false;
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		integer = false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	r->i = i;
	if (range && v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		range = false;
	if (is_int)
		*is_int = integer;
	if (in_range)
		*in_range = integer && range;
	if (val && integer && range)
		*val = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int skip_value(jr *r, int depth);

/* Iterates the members of the object at r->i: calls member(ctx, r, key) with r at the value,
 * which must consume it (skip_value for keys it does not know) and return 0, or a negative
 * code that stops the walk. Keys longer than KEY_LEN - 1 are passed as "" (never a known key).
 * Returns 0, -1 (syntax) or member's code. */
static int read_object(jr *r, int depth, int (*member)(void *ctx, jr *r, const char *key),
		       void *ctx)
{
	if (depth > JSON_MAX_DEPTH || !at(r, '{'))
		return -1;
	r->i++;
	if (at(r, '}')) {
		r->i++;
		return 0;
	}
	for (;;) {
		char key[KEY_LEN];
		bool fits;
		if (read_string(r, key, sizeof(key), NULL, &fits) < 0)
			return -1;
		if (!fits)
			key[0] = '\0';
		if (!at(r, ':'))
			return -1;
		r->i++;
		int rc = member ? member(ctx, r, key) : skip_value(r, depth + 1);
		if (rc < 0)
			return rc;
		if (at(r, ',')) {
			r->i++;
			continue;
		}
		if (at(r, '}')) {
			r->i++;
			return 0;
		}
		return -1;
	}
}

static int skip_literal(jr *r, const char *lit)
{
	size_t l = strlen(lit);
	if (r->n - r->i < l || memcmp(r->s + r->i, lit, l) != 0)
		return -1;
	r->i += l;
	return 0;
}

static int skip_value(jr *r, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return -1;
	ws(r);
	if (r->i >= r->n)
		return -1;
	switch (r->s[r->i]) {
	case '{':
		return read_object(r, depth, NULL, NULL);
	case '[':
		r->i++;
		if (at(r, ']')) {
			r->i++;
			return 0;
		}
		for (;;) {
			if (skip_value(r, depth + 1) < 0)
				return -1;
			if (at(r, ',')) {
				r->i++;
				continue;
			}
			if (at(r, ']')) {
				r->i++;
				return 0;
			}
			return -1;
		}
	case '"':
		return read_string(r, NULL, 0, NULL, NULL);
	case 't':
		return skip_literal(r, "true");
	case 'f':
		return skip_literal(r, "false");
	case 'n':
		return skip_literal(r, "null");
	default:
		return read_number(r, NULL, NULL, NULL);
	}
}

/* null at r->i: consumes it and returns true. */
static bool take_null(jr *r)
{
	ws(r);
	return r->i < r->n && r->s[r->i] == 'n' && skip_literal(r, "null") == 0;
}

/* An integer value in [lo, hi]: 0, -1 (syntax), XDP_ERR_INVALID_CONFIG (type or range). */
static int read_int(jr *r, int64_t lo, int64_t hi, int64_t *out)
{
	ws(r);
	if (r->i >= r->n)
		return -1;
	char c = r->s[r->i];
	if (c != '-' && (c < '0' || c > '9'))
		return skip_value(r, 1) < 0 ? -1 : XDP_ERR_INVALID_CONFIG;
	bool is_int, in_range;
	int64_t v = 0;
	if (read_number(r, &is_int, &in_range, &v) < 0)
		return -1;
	if (!in_range || v < lo || v > hi)
		return XDP_ERR_INVALID_CONFIG;
	*out = v;
	return 0;
}

/* End of document: only whitespace left. */
static bool at_end(jr *r)
{
	ws(r);
	return r->i == r->n;
}

/* ---- base64 and checksums ------------------------------------------------------------------ */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64, padding optional (but only at the end). Decoded length (<= cap) or -1. */
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	size_t pad = 0;
	while (n > 0 && pad < 2 && in[n - 1] == '=') {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad && (n + pad) % 4 != 0))
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)o;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- the checks ---------------------------------------------------------------------------- */

typedef struct {
	char msg[MAX_ERRORS][ERROR_LEN];
	int n;
	int more; /* errors beyond MAX_ERRORS */
} errlist;

static void fail(errlist *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(errlist *e, const char *fmt, ...)
{
	if (e->n >= MAX_ERRORS) {
		e->more++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg[e->n++], ERROR_LEN, fmt, ap);
	va_end(ap);
}

/* UDP at f[l4..) with ip_len bytes of IP payload; caplen bytes of the frame are present.
 * pseudo_sum: the pseudo header's partial sum without the length. */
static void check_udp(errlist *e, const uint8_t *f, size_t caplen, size_t l4, size_t ip_len,
		      uint32_t pseudo_sum, bool v6)
{
	if (ip_len < XDP_UDP_HLEN) {
		fail(e, "IP payload too short for a UDP header (%zu bytes)", ip_len);
		return;
	}
	uint16_t dport = be16(f + l4 + 2), ulen = be16(f + l4 + 4), ck = be16(f + l4 + 6);
	if (ulen < XDP_UDP_HLEN) {
		fail(e, "UDP length %u < 8", ulen);
		return;
	}
	if (ulen > ip_len) {
		fail(e, "UDP length %u exceeds the IP payload (%zu bytes)", ulen, ip_len);
		return;
	}
	if (ck == 0) {
		if (v6)
			fail(e, "UDP checksum 0x0000 invalid (a zero checksum is not allowed over IPv6)");
	} else if (l4 + ulen <= caplen) {
		/* the sum with the checksum field zeroed gives the value it should hold */
		uint32_t s = csum_add(pseudo_sum, f + l4, 6);
		s = csum_add(s + ulen, f + l4 + 8, ulen - 8u);
		uint16_t want = (uint16_t)~s;
		if (want == 0)
			want = 0xffff;
		if (ck != want)
			fail(e, "UDP checksum 0x%04x invalid (want 0x%04x)", ck, want);
	} /* else: part of the datagram was not sent; its checksum cannot be checked */
	if (g_cfg.dst_port >= 0 && dport != g_cfg.dst_port)
		fail(e, "UDP destination port %u, want %lld", dport, (long long)g_cfg.dst_port);
	if ((int64_t)(ulen - 8u) < g_cfg.min_payload)
		fail(e, "UDP payload %u bytes, want at least %lld", ulen - 8u,
		     (long long)g_cfg.min_payload);
}

static void check_ipv4(errlist *e, const uint8_t *f, size_t flen, size_t caplen, size_t l3)
{
	size_t avail = flen - l3;
	if (avail < XDP_IPV4_HLEN) {
		fail(e, "frame too short for an IPv4 header (%zu bytes after Ethernet)", avail);
		return;
	}
	const uint8_t *ip = f + l3;
	unsigned ver = ip[0] >> 4, ihl = ip[0] & 15u, hlen = ihl * 4;
	if (ver != 4)
		fail(e, "IPv4 version %u, want 4", ver);
	if (ihl < 5) {
		fail(e, "IPv4 IHL %u < 5", ihl);
		return;
	}
	if (hlen > avail) {
		fail(e, "frame shorter than its IPv4 header (%zu < %u)", avail, hlen);
		return;
	}
	if (csum_add(0, ip, hlen) != 0xffff) {
		uint32_t s = csum_add(csum_add(0, ip, 10), ip + 12, hlen - 12);
		fail(e, "IPv4 header checksum invalid (0x%04x, want 0x%04x)", be16(ip + 10),
		     (uint16_t)~s);
	}
	unsigned tot = be16(ip + 2), frag = be16(ip + 6);
	bool fits = true;
	if (tot < hlen) {
		fail(e, "IPv4 total length %u smaller than its header (%u)", tot, hlen);
		fits = false;
	} else if (tot > avail) {
		fail(e, "frame shorter than its IPv4 total length (%zu < %u)", avail, tot);
		fits = false;
	}
	if (ip[9] != XDP_PROTO_UDP) {
		fail(e, "not UDP (IP protocol %u)", ip[9]);
		return;
	}
	if (frag & 0x3fff) {
		fail(e, "IPv4 fragment (offset %u%s): UDP not checked", (frag & 0x1fffu) * 8,
		     frag & 0x2000 ? ", more fragments" : "");
		return;
	}
	if (!fits)
		return;
	uint32_t ps = csum_add(csum_add(0, ip + 12, 8), (const uint8_t[]){ 0, XDP_PROTO_UDP }, 2);
	check_udp(e, f, caplen, l3 + hlen, tot - hlen, ps, false);
}

static void check_ipv6(errlist *e, const uint8_t *f, size_t flen, size_t caplen, size_t l3)
{
	size_t avail = flen - l3;
	if (avail < XDP_IPV6_HLEN) {
		fail(e, "frame too short for an IPv6 header (%zu bytes after Ethernet)", avail);
		return;
	}
	const uint8_t *ip = f + l3;
	unsigned ver = ip[0] >> 4, plen = be16(ip + 4), nh = ip[6];
	bool fits = true;
	if (ver != 6)
		fail(e, "IPv6 version %u, want 6", ver);
	if (plen > avail - XDP_IPV6_HLEN) {
		fail(e, "frame shorter than its IPv6 payload length (%zu < %u)", avail - XDP_IPV6_HLEN,
		     plen);
		fits = false;
	}
	if (nh != XDP_PROTO_UDP) {
		fail(e, "not UDP (IPv6 next header %u)", nh);
		return;
	}
	if (!fits)
		return;
	uint32_t ps = csum_add(csum_add(0, ip + 8, 32), (const uint8_t[]){ 0, XDP_PROTO_UDP }, 2);
	check_udp(e, f, caplen, l3 + XDP_IPV6_HLEN, plen, ps, true);
}

/* f[0..caplen) are the bytes received, flen the frame's length (> caplen only for a sample cut
 * at SAMPLE_MAX bytes, which still holds every header). */
static void check_frame(errlist *e, const uint8_t *f, size_t flen, size_t caplen)
{
	if (flen < XDP_ETH_HLEN) {
		fail(e, "frame too short for Ethernet (%zu bytes)", flen);
		return;
	}
	size_t l3 = XDP_ETH_HLEN;
	uint16_t et = be16(f + 12);
	if (et == XDP_ETHERTYPE_VLAN || et == 0x88a8) {
		if (flen < XDP_ETH_HLEN + XDP_VLAN_HLEN) {
			fail(e, "frame too short for its VLAN tag (%zu bytes)", flen);
			return;
		}
		if (et != XDP_ETHERTYPE_VLAN) {
			fail(e, "not an 802.1Q tag (TPID 0x%04x)", et);
			return;
		}
		et = be16(f + 16);
		l3 += XDP_VLAN_HLEN;
		if (et == XDP_ETHERTYPE_VLAN || et == 0x88a8) {
			fail(e, "more than one VLAN tag");
			return;
		}
	}
	if (et == XDP_ETHERTYPE_IPV4)
		check_ipv4(e, f, flen, caplen, l3);
	else if (et == XDP_ETHERTYPE_IPV6)
		check_ipv6(e, f, flen, caplen, l3);
	else
		fail(e, "not IPv4 or IPv6 (EtherType 0x%04x)", et);
}

/* ---- request ------------------------------------------------------------------------------- */

typedef struct {
	bool has_packet, has_data, has_length;
	size_t data_start, data_end; /* the data string, quotes included */
	int64_t length;
} request;

static int packet_member(void *ctx, jr *r, const char *key)
{
	request *q = ctx;
	if (!strcmp(key, "data")) {
		ws(r);
		size_t start = r->i;
		if (read_string(r, NULL, 0, NULL, NULL) < 0)
			return -1;
		q->has_data = true;
		q->data_start = start;
		q->data_end = r->i;
		return 0;
	}
	if (!strcmp(key, "length")) {
		if (read_int(r, 0, INT64_MAX, &q->length) < 0)
			return XDP_ERR_INVALID_INPUT;
		q->has_length = true;
		return 0;
	}
	if (!strcmp(key, "timestamp") || !strcmp(key, "sequence")) {
		if (take_null(r))
			return 0;
		ws(r);
		return read_number(r, NULL, NULL, NULL) < 0 ? XDP_ERR_INVALID_INPUT : 0;
	}
	return skip_value(r, 2);
}

static int request_member(void *ctx, jr *r, const char *key)
{
	request *q = ctx;
	if (strcmp(key, "packet"))
		return skip_value(r, 1);
	/* a repeated "packet" replaces the earlier one */
	q->has_data = q->has_length = false;
	q->has_packet = true;
	return read_object(r, 1, packet_member, q) < 0 ? XDP_ERR_INVALID_INPUT : 0;
}

/* ---- response writer ----------------------------------------------------------------------- */

typedef struct {
	char *buf;
	size_t cap, len; /* len may exceed cap: the size needed */
} writer;

static void put(writer *w, const char *s, size_t n)
{
	if (w->len < w->cap) {
		size_t k = w->cap - w->len < n ? w->cap - w->len : n;
		memcpy(w->buf + w->len, s, k);
	}
	w->len += n;
}

static void put_str(writer *w, const char *s)
{
	put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(w, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(w, esc, 6);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
	put(w, "\"", 1);
}

/* ---- the exported ABI ---------------------------------------------------------------------- */

static int cfg_member(void *ctx, jr *r, const char *key)
{
	(void)ctx;
	int64_t *dst = !strcmp(key, "dst_port") ? &g_cfg.dst_port
		       : !strcmp(key, "min_payload") ? &g_cfg.min_payload : NULL;
	if (!dst) {
		host_log(XDP_LOG_WARN, "verify_udp: unknown config key \"%s\" ignored", key);
		return skip_value(r, 1);
	}
	if (take_null(r)) {
		*dst = dst == &g_cfg.dst_port ? -1 : 0;
		return 0;
	}
	int rc = read_int(r, 0, 65535, dst);
	if (rc == XDP_ERR_INVALID_CONFIG)
		host_log(XDP_LOG_ERROR, "verify_udp: config \"%s\" must be an integer 0..65535", key);
	return rc;
}

XDP_EXPORT(plugin_init) int32_t plugin_init(int32_t cfg_ptr, int32_t cfg_len)
{
	g_cfg.initialized = false;
	g_cfg.dst_port = -1;
	g_cfg.min_payload = 0;
	if (cfg_len < 0 || (cfg_len > 0 && cfg_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	jr r = { (const char *)(uintptr_t)(uint32_t)cfg_ptr, (size_t)cfg_len, 0 };
	int rc = 0;
	if (at_end(&r) || take_null(&r)) {
		if (!at_end(&r))
			rc = XDP_ERR_INVALID_INPUT;
	} else {
		rc = read_object(&r, 0, cfg_member, NULL);
		if (rc == 0 && !at_end(&r))
			rc = XDP_ERR_INVALID_INPUT;
	}
	if (rc < 0) {
		if (rc == -1)
			host_log(XDP_LOG_ERROR, "verify_udp: config is not a JSON object");
		g_cfg.dst_port = -1;
		g_cfg.min_payload = 0;
		return rc;
	}
	g_cfg.initialized = true;
	return 0;
}

XDP_EXPORT(plugin_process) int32_t plugin_process(int32_t in_ptr, int32_t in_len, int32_t out_ptr,
						  int32_t out_cap)
{
	if (!g_cfg.initialized)
		return XDP_ERR_NOT_INITIALIZED;
	if (in_len < 0 || out_cap < 0 || (in_len > 0 && in_ptr == 0) || (out_cap > 0 && out_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	jr r = { (const char *)(uintptr_t)(uint32_t)in_ptr, (size_t)in_len, 0 };
	request q = { 0 };
	if (read_object(&r, 0, request_member, &q) < 0 || !at_end(&r)) {
		host_log(XDP_LOG_ERROR, "verify_udp: request is not a JSON object");
		return XDP_ERR_INVALID_INPUT;
	}
	if (!q.has_packet || !q.has_data || !q.has_length) {
		host_log(XDP_LOG_ERROR, "verify_udp: request needs packet.data and packet.length");
		return XDP_ERR_INVALID_INPUT;
	}

	/* decode the data string, then its base64 (both at most as long as the string) */
	jr s = { r.s, q.data_end, q.data_start };
	size_t raw = q.data_end - q.data_start, tlen = 0;
	char *text = malloc(raw + 1);
	uint8_t *frame = malloc(raw + 1);
	bool fits = false;
	long flen = -1;
	if (text && frame && read_string(&s, text, raw + 1, &tlen, &fits) == 0 && fits)
		flen = b64_decode(text, tlen, frame, raw + 1);
	free(text);
	if (flen < 0) {
		free(frame);
		if (!fits)
			return XDP_ERR_NOMEM;
		host_log(XDP_LOG_ERROR, "verify_udp: packet.data is not base64");
		return XDP_ERR_INVALID_INPUT;
	}

	errlist e = { .n = 0 };
	size_t caplen = (size_t)flen, wire = caplen;
	if ((uint64_t)q.length > SAMPLE_MAX && caplen == SAMPLE_MAX) {
		wire = (size_t)((uint64_t)q.length > SIZE_MAX ? SIZE_MAX : (uint64_t)q.length);
	} else if ((uint64_t)q.length != caplen) {
		if ((uint64_t)q.length > SAMPLE_MAX)
			fail(&e, "data is %zu bytes, want %d for a %lld-byte frame", caplen, SAMPLE_MAX,
			     (long long)q.length);
		else
			fail(&e, "data is %zu bytes but length is %lld", caplen, (long long)q.length);
	}
	check_frame(&e, frame, wire, caplen);
	free(frame);
	if (e.more)
		snprintf(e.msg[MAX_ERRORS - 1], ERROR_LEN, "... and %d more errors", e.more + 1);

	writer w = { (char *)(uintptr_t)(uint32_t)out_ptr, (size_t)out_cap, 0 };
	const char *head = e.n ? "{\"result\":{\"valid\":false,\"errors\":["
			       : "{\"result\":{\"valid\":true,\"errors\":[";
	put(&w, head, strlen(head));
	for (int i = 0; i < e.n; i++) {
		if (i)
			put(&w, ",", 1);
		put_str(&w, e.msg[i]);
	}
	put(&w, "]}}", 3);
	if (w.len > w.cap) {
		host_log(XDP_LOG_WARN, "verify_udp: response needs %zu bytes, buffer has %zu", w.len,
			 w.cap);
		return XDP_ERR_BUFFER_TOO_SMALL;
	}
	return (int32_t)w.len;
}

XDP_EXPORT(plugin_cleanup) void plugin_cleanup(void)
{
	g_cfg.initialized = false;
}
