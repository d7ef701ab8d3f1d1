/* The configuration a generator plugin declares (its "xdperf.config" custom section, read
 * without running the plugin) and the check of a user's configuration against it: unknown
 * keys (with "did you mean"), wrong types, formats, ranges and choices, each one line naming
 * the key. The format is in docs/plugin-config.md. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "util/distance.h"
#include "util/err.h"
#include "xdperf/plugin.h"

#define SECTION_NAME "xdperf.config"
#define SCHEMA_MAX (1u << 20)

/* ---- finding the section --------------------------------------------------------------------- */

static int read_leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
	uint32_t v = 0;
	for (int shift = 0; shift < 35; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		if (shift == 28 && (b & 0x70))
			return -1;
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* The first custom section called `name`: 1 with *data and *len set, 0 when there is none, -1
 * when the section headers are malformed (the module loader says more). */
static int custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **data,
			  size_t *dlen)
{
	if (len < 8 || memcmp(wasm, "\0asm", 4))
		return -1;
	const uint8_t *p = wasm + 8, *end = wasm + len;
	size_t nl = strlen(name);
	while (p < end) {
		uint8_t id = *p++;
		uint32_t size;
		if (read_leb_u32(&p, end, &size) || size > (size_t)(end - p))
			return -1;
		const uint8_t *s = p, *send = p + size;
		p = send;
		if (id != 0)
			continue;
		uint32_t n;
		if (read_leb_u32(&s, send, &n) || n > (size_t)(send - s))
			return -1;
		if (n == nl && !memcmp(s, name, nl)) {
			*data = s + n;
			*dlen = (size_t)(send - (s + n));
			return 1;
		}
	}
	return 0;
}

/* ---- the schema's own shape ------------------------------------------------------------------ */

static const char *const type_names[] = { "integer", "number", "string", "boolean", "object", "array",
					  "ipv4", "ipv6", "ip", "mac", "any" };
#define NTYPES (sizeof type_names / sizeof *type_names)

/* Each '|'-separated part of type is a known type name. */
static bool type_valid(const char *type)
{
	const char *p = type;
	for (;;) {
		size_t n = strcspn(p, "|");
		bool ok = false;
		for (size_t i = 0; i < NTYPES && !ok; i++)
			ok = strlen(type_names[i]) == n && !memcmp(type_names[i], p, n);
		if (!ok)
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static int check_value(const char *key, const json_t *spec, const json_t *v, char *err, size_t errlen);

/* Checks a schema object; 0 or -EINVAL with err saying what is wrong. */
static int schema_valid(const json_t *s, char *err, size_t errlen)
{
	if (!json_is_object(s)) {
		xdperf_errf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	const json_t *d = json_object_get(s, "description"), *keys = json_object_get(s, "keys");
	if (d && !json_is_string(d)) {
		xdperf_errf(err, errlen, "\"description\" is not a string");
		return -EINVAL;
	}
	if (!json_is_object(keys)) {
		xdperf_errf(err, errlen, "\"keys\" is missing or not an object");
		return -EINVAL;
	}
	const char *k;
	json_t *spec;
	json_object_foreach((json_t *)keys, k, spec) {
		if (!strcmp(k, "*")) {
			if (!json_is_boolean(spec)) {
				xdperf_errf(err, errlen, "key \"*\" (other keys allowed) is not true or false");
				return -EINVAL;
			}
			continue;
		}
		const json_t *t = json_object_get(spec, "type");
		if (!json_is_object(spec) || !json_is_string(t) || !type_valid(json_string_value(t))) {
			xdperf_errf(err, errlen, "key \"%s\": no valid \"type\" (integer, number, string, boolean, "
				    "object, array, ipv4, ipv6, ip, mac, any, or several joined by |)", k);
			return -EINVAL;
		}
		const json_t *desc = json_object_get(spec, "description"), *en = json_object_get(spec, "enum");
		const json_t *mn = json_object_get(spec, "min"), *mx = json_object_get(spec, "max");
		if ((desc && !json_is_string(desc)) || (en && (!json_is_array(en) || !json_array_size(en))) ||
		    (mn && !json_is_number(mn)) || (mx && !json_is_number(mx))) {
			xdperf_errf(err, errlen, "key \"%s\": \"description\" must be a string, \"enum\" a non-empty "
				    "array, \"min\" and \"max\" numbers", k);
			return -EINVAL;
		}
		const json_t *def = json_object_get(spec, "default");
		char why[200];
		if (def && !json_is_null(def) && check_value(k, spec, def, why, sizeof why)) {
			xdperf_errf(err, errlen, "the default of %s", why);
			return -EINVAL;
		}
	}
	return 0;
}

int xdperf_plugin_read_schema(const uint8_t *wasm, size_t len, char **schema, char *err, size_t errlen)
{
	*schema = NULL;
	const uint8_t *data;
	size_t dlen;
	int found = custom_section(wasm, len, SECTION_NAME, &data, &dlen);
	if (found <= 0)
		return 0; /* none (a malformed module is the loader's to report) */
	while (dlen && data[dlen - 1] == 0) /* a C string's NUL */
		dlen--;
	if (dlen > SCHEMA_MAX) {
		xdperf_errf(err, errlen, "custom section %s: larger than %u bytes", SECTION_NAME, SCHEMA_MAX);
		return -EINVAL;
	}
	json_error_t je;
	json_t *s = json_loadb((const char *)data, dlen, JSON_REJECT_DUPLICATES, &je);
	if (!s) {
		xdperf_errf(err, errlen, "custom section %s: not JSON: %s (at byte %d)", SECTION_NAME, je.text,
			    je.position);
		return -EINVAL;
	}
	char why[300];
	int rc = schema_valid(s, why, sizeof why);
	if (rc) {
		json_decref(s);
		xdperf_errf(err, errlen, "custom section %s: %s", SECTION_NAME, why);
		return rc;
	}
	*schema = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(s);
	return *schema ? 0 : -ENOMEM;
}

/* ---- checking values ------------------------------------------------------------------------- */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static bool is_mac(const char *s)
{
	unsigned b[6];
	char c;
	return strlen(s) == 17 &&
	       sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &c) == 6;
}

/* Whether v is of the single type t (n bytes). */
static bool is_type(const json_t *v, const char *t, size_t n)
{
#define T(name) (n == sizeof name - 1 && !memcmp(t, name, n))
	unsigned char buf[16];
	if (T("any"))
		return true;
	if (T("integer")) /* 42, not 42.0: the SDK's integer readers take digits only */
		return json_is_integer(v);
	if (T("number"))
		return json_is_number(v);
	if (T("boolean"))
		return json_is_boolean(v);
	if (T("object"))
		return json_is_object(v);
	if (T("array"))
		return json_is_array(v);
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	if (T("string"))
		return true;
	if (T("ipv4"))
		return inet_pton(AF_INET, s, buf) == 1;
	if (T("ipv6"))
		return inet_pton(AF_INET6, s, buf) == 1;
	if (T("ip"))
		return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
	if (T("mac"))
		return is_mac(s);
	return false;
#undef T
}

static const char *type_phrase(const char *t, size_t n)
{
	static const struct { const char *t, *phrase; } ph[] = {
		{ "integer", "an integer" }, { "number", "a number" }, { "string", "a string" },
		{ "boolean", "true or false" }, { "object", "an object" }, { "array", "an array" },
		{ "ipv4", "an IPv4 address" }, { "ipv6", "an IPv6 address" }, { "ip", "an IP address" },
		{ "mac", "a MAC address (aa:bb:cc:dd:ee:ff)" }, { "any", "anything" },
	};
	for (size_t i = 0; i < sizeof ph / sizeof *ph; i++)
		if (strlen(ph[i].t) == n && !memcmp(ph[i].t, t, n))
			return ph[i].phrase;
	return "?";
}

/* The value as it appears in a message: short, JSON. */
static void show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!s) {
		snprintf(buf, len, "(value)");
		return;
	}
	if (strlen(s) > 40)
		snprintf(buf, len, "%.37s...", s);
	else
		snprintf(buf, len, "%s", s);
	free(s);
}

static int check_value(const char *key, const json_t *spec, const json_t *v, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(spec, "type"));
	char shown[64];
	show(v, shown, sizeof shown);
	bool ok = false;
	for (const char *p = type;;) {
		size_t n = strcspn(p, "|");
		ok = ok || is_type(v, p, n);
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!ok) {
		char want[200] = "";
		size_t used = 0;
		for (const char *p = type;;) {
			size_t n = strcspn(p, "|");
			used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", used ? " or " : "",
						 type_phrase(p, n));
			if (!p[n] || used >= sizeof want)
				break;
			p += n + 1;
		}
		/* a string where an address is wanted: its format is wrong, not its type */
		bool format = json_is_string(v) && (strstr(type, "ip") || strstr(type, "mac"));
		if (format)
			xdperf_errf(err, errlen, "config key \"%s\": %s is not %s", key, shown, want);
		else
			xdperf_errf(err, errlen, "config key \"%s\": expected %s, got %s %s", key, want, json_kind(v),
				    shown);
		return -EINVAL;
	}
	const json_t *mn = json_object_get(spec, "min"), *mx = json_object_get(spec, "max");
	if (json_is_number(v)) {
		double d = json_number_value(v);
		if (mn && d < json_number_value(mn)) {
			show(mn, shown + 32, 32);
			xdperf_errf(err, errlen, "config key \"%s\": %.31s is below the minimum %s", key, shown,
				    shown + 32);
			return -EINVAL;
		}
		if (mx && d > json_number_value(mx)) {
			show(mx, shown + 32, 32);
			xdperf_errf(err, errlen, "config key \"%s\": %.31s is above the maximum %s", key, shown,
				    shown + 32);
			return -EINVAL;
		}
	}
	const json_t *en = json_object_get(spec, "enum");
	if (en) {
		size_t i;
		json_t *e;
		json_array_foreach(en, i, e)
			if (json_equal((json_t *)v, e))
				return 0;
		char *all = json_dumps(en, JSON_COMPACT);
		xdperf_errf(err, errlen, "config key \"%s\": %s is not one of %s", key, shown, all ? all : "its choices");
		free(all);
		return -EINVAL;
	}
	return 0;
}

int xdperf_plugin_check_config(const char *schema, const char *cfg, size_t len, char *err, size_t errlen)
{
	if (!schema)
		return 0;
	size_t i = 0;
	while (i < len && (cfg[i] == ' ' || cfg[i] == '\n' || cfg[i] == '\t' || cfg[i] == '\r'))
		i++;
	if (i == len)
		return 0; /* no configuration */
	json_t *s = json_loads(schema, 0, NULL);
	json_error_t je;
	json_t *c = json_loadb(cfg, len, 0, &je);
	int rc = 0;
	if (!s) {
		xdperf_errf(err, errlen, "the plugin's config schema is not JSON");
		rc = -EINVAL;
		goto out;
	}
	if (!json_is_object(c)) {
		xdperf_errf(err, errlen, "the configuration is not a JSON object%s%s", c ? "" : ": ",
			    c ? "" : je.text);
		rc = -EINVAL;
		goto out;
	}
	const json_t *keys = json_object_get(s, "keys");
	bool others = json_is_true(json_object_get(keys, "*"));
	const char *k;
	json_t *v;
	json_object_foreach(c, k, v) {
		const json_t *spec = json_object_get(keys, k);
		if (spec && strcmp(k, "*")) {
			/* null: not given (the SDK's lookups treat it so: the default applies) */
			if (!json_is_null(v) && (rc = check_value(k, spec, v, err, errlen)))
				goto out;
			continue;
		}
		if (others)
			continue;
		size_t n = json_object_size(keys), m = 0;
		const char **names = calloc(n ? n : 1, sizeof *names);
		const char *kk;
		json_t *sp;
		json_object_foreach((json_t *)keys, kk, sp)
			if (names && strcmp(kk, "*"))
				names[m++] = kk;
		const char *best = names ? xdperf_closest(k, names, m, strlen(k) > 4 ? 3 : 2) : NULL;
		if (best) {
			xdperf_errf(err, errlen, "config key \"%s\" is unknown (did you mean \"%s\"?)", k, best);
		} else if (!m) {
			xdperf_errf(err, errlen, "config key \"%s\" is unknown (the plugin takes no configuration)", k);
		} else {
			char list[200] = "";
			size_t used = 0;
			for (size_t j = 0; j < m && used < sizeof list; j++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", names[j]);
			if (used >= sizeof list)
				strcpy(list + sizeof list - 4, "...");
			xdperf_errf(err, errlen, "config key \"%s\" is unknown (the keys: %s)", k, list);
		}
		free(names);
		rc = -EINVAL;
		goto out;
	}
out:
	json_decref(s);
	json_decref(c);
	return rc;
}
