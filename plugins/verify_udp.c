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
 * Built with the SDK (its sources compiled with -DXDP_SDK_NO_GENERATOR_ABI, see the
 * Makefile): the SDK's exported generator ABI is left out and this file defines its own, using
 * the SDK's JSON reader and writer, base64 decoder, Internet checksum and logging.
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

/* ---- reading the parsed JSON (xdp_json_parse) ---------------------------------------------- */

typedef int (*member_fn)(void *ctx, const xdp_json *doc, const char *key, int val);

/* Calls member(ctx, doc, key, value token) for each member of object `obj` in document order:
 * unlike xdp_json_find, a repeated key is seen every time (so each value is checked, the last
 * one wins). Keys longer than KEY_LEN - 1 bytes are passed as "" (never a known key). Returns
 * 0 or member's first negative code. */
static int each_member(const xdp_json *doc, int obj, member_fn member, void *ctx)
{
	const xdp_json_tok *o = &doc->toks[obj];
	for (uint32_t k = (uint32_t)obj + 1; k < o->next; k = doc->toks[k + 1].next) {
		char key[KEY_LEN];
		if (xdp_json_string(doc, (int)k, key, sizeof(key)) < 0)
			key[0] = '\0';
		int rc = member(ctx, doc, key, (int)k + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* An integer in [lo, hi], written as one: xdp_json_i64 also takes "3.0" or "1e2", this plugin
 * does not. 0 or XDP_ERR_INVALID_CONFIG (type or range). */
static int int_value(const xdp_json *doc, int tok, int64_t lo, int64_t hi, int64_t *out)
{
	if (xdp_json_type(doc, tok) != XDP_JSON_NUMBER)
		return XDP_ERR_INVALID_CONFIG;
	const xdp_json_tok *t = &doc->toks[tok];
	for (uint32_t i = t->start; i < t->end; i++)
		if (doc->src[i] == '.' || doc->src[i] == 'e' || doc->src[i] == 'E')
			return XDP_ERR_INVALID_CONFIG;
	int64_t v;
	if (xdp_json_i64(doc, tok, &v) < 0 || v < lo || v > hi)
		return XDP_ERR_INVALID_CONFIG;
	*out = v;
	return 0;
}

/* xdp_base64_decode drops any number of trailing '=': here padding is at most two, and only to
 * complete the last group of four. */
static bool b64_padding_ok(const char *s, size_t n)
{
	size_t pad = 0;
	while (pad < n && s[n - 1 - pad] == '=')
		pad++;
	return pad == 0 || (pad <= 2 && n % 4 == 0);
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
 * pseudo_sum: the pseudo header's partial sum (xdp_csum_add) without the length. */
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
		uint32_t s = xdp_csum_add(pseudo_sum, f + l4, 6);
		uint16_t want = xdp_csum_fold(xdp_csum_add(s + ulen, f + l4 + 8, ulen - 8u));
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
	if (xdp_csum(ip, hlen) != 0) {
		uint32_t s = xdp_csum_add(xdp_csum_add(0, ip, 10), ip + 12, hlen - 12);
		fail(e, "IPv4 header checksum invalid (0x%04x, want 0x%04x)", be16(ip + 10),
		     xdp_csum_fold(s));
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
	uint32_t ps = xdp_csum_add(xdp_csum_add(0, ip + 12, 8), (const uint8_t[]){ 0, XDP_PROTO_UDP }, 2);
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
	uint32_t ps = xdp_csum_add(xdp_csum_add(0, ip + 8, 32), (const uint8_t[]){ 0, XDP_PROTO_UDP }, 2);
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
	int data; /* the data string's token */
	int64_t length;
} request;

static int packet_member(void *ctx, const xdp_json *doc, const char *key, int val)
{
	request *q = ctx;
	int type = xdp_json_type(doc, val);
	if (!strcmp(key, "data")) {
		if (type != XDP_JSON_STRING)
			return XDP_ERR_INVALID_INPUT;
		q->has_data = true;
		q->data = val;
		return 0;
	}
	if (!strcmp(key, "length")) {
		if (int_value(doc, val, 0, INT64_MAX, &q->length) < 0)
			return XDP_ERR_INVALID_INPUT;
		q->has_length = true;
		return 0;
	}
	if (!strcmp(key, "timestamp") || !strcmp(key, "sequence"))
		return type == XDP_JSON_NULL || type == XDP_JSON_NUMBER ? 0 : XDP_ERR_INVALID_INPUT;
	return 0;
}

static int request_member(void *ctx, const xdp_json *doc, const char *key, int val)
{
	request *q = ctx;
	if (strcmp(key, "packet"))
		return 0;
	/* a repeated "packet" replaces the earlier one */
	q->has_data = q->has_length = false;
	q->has_packet = true;
	if (xdp_json_type(doc, val) != XDP_JSON_OBJECT)
		return XDP_ERR_INVALID_INPUT;
	return each_member(doc, val, packet_member, q);
}

/* ---- the exported ABI ---------------------------------------------------------------------- */

static int cfg_member(void *ctx, const xdp_json *doc, const char *key, int val)
{
	(void)ctx;
	int64_t *dst = !strcmp(key, "dst_port") ? &g_cfg.dst_port
		       : !strcmp(key, "min_payload") ? &g_cfg.min_payload : NULL;
	if (!dst) {
		xdp_log(XDP_LOG_WARN, "verify_udp: unknown config key \"%s\" ignored", key);
		return 0;
	}
	if (xdp_json_type(doc, val) == XDP_JSON_NULL) {
		*dst = dst == &g_cfg.dst_port ? -1 : 0;
		return 0;
	}
	int rc = int_value(doc, val, 0, 65535, dst);
	if (rc < 0)
		xdp_log(XDP_LOG_ERROR, "verify_udp: config \"%s\" must be an integer 0..65535", key);
	return rc;
}

XDP_EXPORT(plugin_init) int32_t plugin_init(int32_t cfg_ptr, int32_t cfg_len)
{
	g_cfg.initialized = false;
	g_cfg.dst_port = -1;
	g_cfg.min_payload = 0;
	if (cfg_len < 0 || (cfg_len > 0 && cfg_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	const char *src = (const char *)(uintptr_t)(uint32_t)cfg_ptr;
	size_t n = (size_t)cfg_len, i = 0;
	while (i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r'))
		i++;
	int rc = 0;
	if (i < n) { /* not empty: null or an object */
		xdp_json doc;
		rc = xdp_json_parse(&doc, src, n);
		if (rc == 0 && xdp_json_type(&doc, 0) == XDP_JSON_OBJECT)
			rc = each_member(&doc, 0, cfg_member, NULL);
		else if (rc == 0 && xdp_json_type(&doc, 0) != XDP_JSON_NULL)
			rc = XDP_ERR_INVALID_INPUT;
		xdp_json_free(&doc);
	}
	if (rc < 0) {
		if (rc == XDP_ERR_INVALID_INPUT)
			xdp_log(XDP_LOG_ERROR, "verify_udp: config is not a JSON object");
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
	xdp_json doc;
	request q = { 0 };
	int rc = xdp_json_parse(&doc, (const char *)(uintptr_t)(uint32_t)in_ptr, (size_t)in_len);
	if (rc == 0)
		rc = xdp_json_type(&doc, 0) == XDP_JSON_OBJECT ? each_member(&doc, 0, request_member, &q)
								: XDP_ERR_INVALID_INPUT;
	if (rc < 0) {
		xdp_json_free(&doc);
		if (rc == XDP_ERR_NOMEM)
			return rc;
		xdp_log(XDP_LOG_ERROR, "verify_udp: request is not a JSON object");
		return XDP_ERR_INVALID_INPUT;
	}
	if (!q.has_packet || !q.has_data || !q.has_length) {
		xdp_json_free(&doc);
		xdp_log(XDP_LOG_ERROR, "verify_udp: request needs packet.data and packet.length");
		return XDP_ERR_INVALID_INPUT;
	}

	/* decode the data string, then its base64 (both at most as long as the string) */
	size_t raw = doc.toks[q.data].end - doc.toks[q.data].start, tlen = 0;
	char *text = malloc(raw + 1);
	uint8_t *frame = malloc(raw + 1);
	int flen = -1;
	if (text && frame && xdp_json_string_len(&doc, q.data, text, raw + 1, &tlen) == 0 &&
	    b64_padding_ok(text, tlen))
		flen = xdp_base64_decode(text, tlen, frame, raw + 1);
	xdp_json_free(&doc);
	if (flen < 0) {
		bool nomem = !text || !frame;
		free(text);
		free(frame);
		if (nomem)
			return XDP_ERR_NOMEM;
		xdp_log(XDP_LOG_ERROR, "verify_udp: packet.data is not base64");
		return XDP_ERR_INVALID_INPUT;
	}
	free(text);

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

	xdp_jw w;
	xdp_jw_init(&w, (char *)(uintptr_t)(uint32_t)out_ptr, (size_t)out_cap);
	xdp_jw_obj_begin(&w);
	xdp_jw_key(&w, "result");
	xdp_jw_obj_begin(&w);
	xdp_jw_kv_bool(&w, "valid", e.n == 0);
	xdp_jw_key(&w, "errors");
	xdp_jw_arr_begin(&w);
	for (int i = 0; i < e.n; i++)
		xdp_jw_str(&w, e.msg[i]);
	xdp_jw_arr_end(&w);
	xdp_jw_obj_end(&w);
	xdp_jw_obj_end(&w);
	rc = xdp_jw_finish(&w);
	if (rc == XDP_ERR_BUFFER_TOO_SMALL)
		xdp_log(XDP_LOG_WARN, "verify_udp: response needs %zu bytes, buffer has %zu", w.len,
			w.cap);
	return rc;
}

XDP_EXPORT(plugin_cleanup) void plugin_cleanup(void)
{
	g_cfg.initialized = false;
}
