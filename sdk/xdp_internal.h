/* xdperf plugin SDK: helpers shared by the SDK's own source files (sdk/xdp_*.c). Not part of
 * the plugin API: plugins include xdperf_plugin.h only. Everything here is static inline, except
 * xdp_sdk_* (global, so named to keep out of a plugin's way). */
#ifndef XDP_INTERNAL_H
#define XDP_INTERNAL_H

#include "xdperf_plugin.h"

/* Value of a hex digit, or -1. */
static inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool isdig(char c) { return c >= '0' && c <= '9'; }

/* value token of key, or -1 if absent or null */
static inline int find_nonnull(const xdp_json *doc, int obj, const char *key)
{
	int v = xdp_json_find(doc, obj, key);
	if (v < 0 || doc->toks[v].type == XDP_JSON_NULL)
		return -1;
	return v;
}

/* Big-endian stores (xdp_put_be16 / xdp_put_be32 are the public forms). */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* xdp_imix.c: frees the "imix" metadata writer xdp_resp_imix installed in r, if it is r's
 * (used by xdp_resp_free). */
void xdp_sdk_imix_drop(xdp_response *r);

#endif
