/* xdperf plugin SDK, xdp_config.c: the plugin's declared configuration (XDP_PLUGIN_CONFIG in
 * xdperf_plugin.h) checked inside the plugin at plugin_init, so a host that does not read the
 * "xdperf.config" section (an older xdperf, the Go xdperf) still refuses an unknown key or a
 * value of the wrong type with a log line naming it. The host's own check
 * (src/plugin/config_schema.c) runs first in xdperf and says the same things. */
#include "xdp_internal.h"

#include <stdio.h>
#include <string.h>

/* No XDP_PLUGIN_CONFIG in the plugin: nothing is checked. */
__attribute__((weak)) const char *const xdp_config_schema = NULL;

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 999;
	unsigned row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Whether token v of doc is of the single type t (n bytes long). */
static bool is_type(const xdp_json *doc, int v, const char *t, size_t n)
{
#define T(name) (n == sizeof name - 1 && !memcmp(t, name, n))
	int ty = xdp_json_type(doc, v);
	char s[64];
	uint8_t ip[16], mac[6];
	if (T("any"))
		return true;
	if (T("integer")) {
		int64_t i;
		uint64_t u;
		return ty == XDP_JSON_NUMBER && (!xdp_json_i64(doc, v, &i) || !xdp_json_u64(doc, v, &u));
	}
	if (T("number"))
		return ty == XDP_JSON_NUMBER;
	if (T("boolean"))
		return ty == XDP_JSON_TRUE || ty == XDP_JSON_FALSE;
	if (T("object"))
		return ty == XDP_JSON_OBJECT;
	if (T("array"))
		return ty == XDP_JSON_ARRAY;
	if (ty != XDP_JSON_STRING)
		return false;
	if (T("string"))
		return true;
	if (xdp_json_string(doc, v, s, sizeof s))
		return false;
	if (T("ipv4"))
		return !xdp_parse_ipv4(s, ip);
	if (T("ipv6"))
		return !xdp_parse_ipv6(s, ip);
	if (T("ip"))
		return !xdp_parse_ipv4(s, ip) || !xdp_parse_ipv6(s, ip);
	if (T("mac"))
		return !xdp_parse_mac(s, mac);
	return false;
#undef T
}

/* Checks value token v of key against its spec (schema token); 0 or XDP_ERR_INVALID_CONFIG
 * after logging why. */
static int check_value(const xdp_json *doc, int v, const char *key, const xdp_json *sd, int spec)
{
	char type[96];
	if (xdp_json_get_string(sd, spec, "type", type, sizeof type) != 1)
		return 0; /* a schema without a type checks nothing */
	bool ok = false;
	for (const char *p = type;;) {
		size_t n = strcspn(p, "|");
		ok = ok || is_type(doc, v, p, n);
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!ok) {
		xdp_log(XDP_LOG_ERROR, "config key \"%s\": expected %s", key, type);
		return XDP_ERR_INVALID_CONFIG;
	}
	double d, lim;
	if (xdp_json_type(doc, v) == XDP_JSON_NUMBER && !xdp_json_double(doc, v, &d)) {
		int mn = find_nonnull(sd, spec, "min"), mx = find_nonnull(sd, spec, "max");
		if (mn >= 0 && !xdp_json_double(sd, mn, &lim) && d < lim) {
			xdp_log(XDP_LOG_ERROR, "config key \"%s\": %g is below the minimum %g", key, d, lim);
			return XDP_ERR_INVALID_CONFIG;
		}
		if (mx >= 0 && !xdp_json_double(sd, mx, &lim) && d > lim) {
			xdp_log(XDP_LOG_ERROR, "config key \"%s\": %g is above the maximum %g", key, d, lim);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	int en = find_nonnull(sd, spec, "enum");
	if (en >= 0 && xdp_json_type(sd, en) == XDP_JSON_ARRAY) {
		const xdp_json_tok *vt = &doc->toks[v];
		for (size_t i = 0; i < xdp_json_len(sd, en); i++) {
			const xdp_json_tok *e = &sd->toks[xdp_json_at(sd, en, i)];
			if (e->type == vt->type && e->end - e->start == vt->end - vt->start &&
			    !memcmp(sd->src + e->start, doc->src + vt->start, e->end - e->start))
				return 0;
		}
		xdp_log(XDP_LOG_ERROR, "config key \"%s\": not one of its choices %.*s", key,
			(int)(sd->toks[en].end - sd->toks[en].start), sd->src + sd->toks[en].start);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

int xdp_config_check(const xdp_json *cfg, int root, const char *schema)
{
	if (!schema || xdp_json_type(cfg, root) != XDP_JSON_OBJECT)
		return 0;
	xdp_json sd;
	if (xdp_json_parse(&sd, schema, strlen(schema))) {
		xdp_log(XDP_LOG_ERROR, "the plugin's XDP_PLUGIN_CONFIG is not valid JSON");
		return XDP_ERR_INVALID_CONFIG;
	}
	int keys = xdp_json_find(&sd, 0, "keys"), rc = 0;
	int star = xdp_json_find(&sd, keys, "*");
	bool others = star >= 0 && sd.toks[star].type == XDP_JSON_TRUE;
	uint32_t t = (uint32_t)root + 1, end = cfg->toks[root].next;
	while (t < end && rc == 0) {
		char key[64];
		int v = (int)t + 1;
		t = cfg->toks[v].next;
		if (xdp_json_string(cfg, v - 1, key, sizeof key)) {
			if (!others) {
				xdp_log(XDP_LOG_ERROR, "config key \"%.40s...\" is unknown", cfg->src + cfg->toks[v - 1].start);
				rc = XDP_ERR_INVALID_CONFIG;
			}
			continue;
		}
		int spec = strcmp(key, "*") ? xdp_json_find(&sd, keys, key) : -1;
		if (spec >= 0) {
			/* null: not given (the lookups treat it so: the default applies) */
			if (cfg->toks[v].type != XDP_JSON_NULL)
				rc = check_value(cfg, v, key, &sd, spec);
			continue;
		}
		if (others)
			continue;
		/* unknown: name the closest declared key */
		const char *best = NULL;
		char name[64], best_name[64];
		unsigned bd = strlen(key) > 4 ? 4 : 3;
		for (uint32_t k = (uint32_t)keys + 1; keys >= 0 && k < sd.toks[keys].next; k = sd.toks[k + 1].next) {
			if (xdp_json_string(&sd, (int)k, name, sizeof name) || !strcmp(name, "*"))
				continue;
			unsigned d = edit_distance(key, name);
			if (d < bd) {
				bd = d;
				memcpy(best_name, name, sizeof name);
				best = best_name;
			}
		}
		if (best)
			xdp_log(XDP_LOG_ERROR, "config key \"%s\" is unknown (did you mean \"%s\"?)", key, best);
		else
			xdp_log(XDP_LOG_ERROR, "config key \"%s\" is unknown", key);
		rc = XDP_ERR_INVALID_CONFIG;
	}
	xdp_json_free(&sd);
	return rc;
}
