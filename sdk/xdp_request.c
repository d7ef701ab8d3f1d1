/* xdperf plugin SDK, xdp_request.c: Request lookups: xdp_req_* read a key from the request, then
 * from the init config, then take the default, and log which key is wrong; xdp_resolve_dst_mac. */
#include "xdp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xdp_req_find(const xdp_request *r, const char *key, const xdp_json **doc)
{
	int v = r->doc ? find_nonnull(r->doc, r->root, key) : -1;
	if (v >= 0) {
		*doc = r->doc;
		return v;
	}
	if (r->config && r->config_root >= 0) {
		v = find_nonnull(r->config, r->config_root, key);
		if (v >= 0) {
			*doc = r->config;
			return v;
		}
	}
	return -1;
}

static int bad_key(const char *key, const char *what)
{
	xdp_log(XDP_LOG_ERROR, "config field \"%s\": %s", key, what);
	return XDP_ERR_INVALID_CONFIG;
}

int xdp_req_string(const xdp_request *r, const char *key, const char *def, char *buf, size_t cap)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		if (!def || strlen(def) >= cap)
			return bad_key(key, "missing");
		memcpy(buf, def, strlen(def) + 1);
		return 0;
	}
	if (xdp_json_string(d, v, buf, cap))
		return bad_key(key, "expected a string (not too long)");
	return 0;
}

int xdp_req_u64(const xdp_request *r, const char *key, uint64_t def, uint64_t *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_u64(d, v, out))
		return bad_key(key, "expected a non-negative integer");
	return 0;
}

int xdp_req_range(const xdp_request *r, const char *key, uint64_t def, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = xdp_req_u64(r, key, def, &v);
	if (rc)
		return rc;
	if (v < min || v > max) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": %llu is outside [%llu, %llu]", key,
			(unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
		return XDP_ERR_INVALID_CONFIG;
	}
	*out = v;
	return 0;
}

int xdp_req_i64(const xdp_request *r, const char *key, int64_t def, int64_t *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_i64(d, v, out))
		return bad_key(key, "expected an integer");
	return 0;
}

int xdp_req_bool(const xdp_request *r, const char *key, bool def, bool *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_bool(d, v, out))
		return bad_key(key, "expected true or false");
	return 0;
}

int xdp_req_mac(const xdp_request *r, const char *key, const uint8_t def[6], uint8_t out[6])
{
	char s[64];
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		memcpy(out, def, 6);
		return 0;
	}
	if (xdp_json_string(d, v, s, sizeof(s)))
		return bad_key(key, "expected a MAC address string");
	if (xdp_parse_mac(s, out) == 0)
		return 0;
	uint8_t tmp[8];
	if (xdp_base64_decode(s, strlen(s), tmp, sizeof(tmp)) == 6) {
		memcpy(out, tmp, 6);
		return 0;
	}
	return bad_key(key, "invalid MAC address (want aa:bb:cc:dd:ee:ff)");
}

int xdp_req_ipv4(const xdp_request *r, const char *key, const char *def, uint8_t out[4])
{
	char s[64];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (xdp_parse_ipv4(s, out))
		return bad_key(key, "invalid IPv4 address");
	return 0;
}

int xdp_req_ipv6(const xdp_request *r, const char *key, const char *def, uint8_t out[16])
{
	char s[64];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (xdp_parse_ipv6(s, out))
		return bad_key(key, "invalid IPv6 address");
	return 0;
}

/* "A" or "A-B" into a and b (A twice without a dash); -1 when a part does not fit cap. */
static int split_range(const char *s, char *a, char *b, size_t cap)
{
	const char *dash = strchr(s, '-');
	size_t la = dash ? (size_t)(dash - s) : strlen(s);
	const char *sb = dash ? dash + 1 : s;
	if (la >= cap || strlen(sb) >= cap)
		return -1;
	memcpy(a, s, la);
	a[la] = '\0';
	strcpy(b, sb);
	return 0;
}

static uint32_t ipv4_u32(const uint8_t ip[4])
{
	return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

int xdp_req_ipv4_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi)
{
	char s[64], a[32], b[32];
	uint8_t ia[4], ib[4];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (split_range(s, a, b, sizeof(a)) || xdp_parse_ipv4(a, ia) || xdp_parse_ipv4(b, ib) ||
	    ipv4_u32(ia) > ipv4_u32(ib)) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": want an IPv4 address or a range A-B, got \"%s\"",
			key, s);
		return XDP_ERR_INVALID_CONFIG;
	}
	*lo = ipv4_u32(ia);
	*hi = ipv4_u32(ib);
	return 0;
}

static int parse_port(const char *s, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int xdp_req_port_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi)
{
	const xdp_json *d;
	char s[64], a[32], b[32];
	int v = xdp_req_find(r, key, &d);
	if (v >= 0 && xdp_json_type(d, v) == XDP_JSON_NUMBER) {
		uint64_t p;
		if (xdp_json_u64(d, v, &p) || p > 65535)
			goto bad;
		*lo = *hi = (uint32_t)p;
		return 0;
	}
	if (v < 0)
		snprintf(s, sizeof(s), "%s", def);
	else if (xdp_json_string(d, v, s, sizeof(s)))
		goto bad;
	if (split_range(s, a, b, sizeof(a)) || parse_port(a, lo) || parse_port(b, hi) || *lo > *hi)
		goto bad;
	return 0;
bad:
	return bad_key(key, "want a port or a range \"A-B\" (0-65535)");
}

bool xdp_resolve_dst_mac(const xdp_request *r, const char *ip, const char *who, uint8_t mac[6])
{
	const xdp_json *d;
	uint8_t resolved[6];
	if (xdp_req_find(r, "device_name", &d) < 0) {
		xdp_log(XDP_LOG_DEBUG, "%s: is_arp_resolve: no device (pcap output); using dst_mac", who);
		return false;
	}
	if (xdp_neighbor_resolve(ip, resolved)) {
		xdp_log(XDP_LOG_WARN, "%s: is_arp_resolve: no MAC for %s on the run's device; keeping "
			"dst_mac", who, ip);
		return false;
	}
	memcpy(mac, resolved, 6);
	return true;
}

int xdp_req_i64_array(const xdp_request *r, const char *key, const int64_t *def, size_t ndef,
		      int64_t *out, size_t max, size_t *n)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*n = ndef < max ? ndef : max;
		if (*n)
			memcpy(out, def, *n * sizeof(*out));
		return 0;
	}
	if (xdp_json_type(d, v) != XDP_JSON_ARRAY)
		return bad_key(key, "expected an array of integers");
	size_t len = xdp_json_len(d, v);
	if (len > max) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": %zu entries (at most %zu)", key, len, max);
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < len; i++) {
		if (xdp_json_i64(d, xdp_json_at(d, v, i), &out[i])) {
			xdp_log(XDP_LOG_ERROR, "config field \"%s[%zu]\": expected an integer", key, i);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	*n = len;
	return 0;
}
