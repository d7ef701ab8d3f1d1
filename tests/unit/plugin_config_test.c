/* Declared plugin configuration through the public API (include/xdperf/plugin.h): the schema
 * read from a plugin's "xdperf.config" section, its absence, malformed sections refused at load
 * with one line naming the section, the host's check of configurations (every kind of refusal
 * and its message), and the SDK's own check inside the plugin when the host's is skipped.
 * Usage: plugin_config_test PLUGIN.wasm (a plugin built with the SDK declaring at least
 * src_ip (ipv6), vlan (integer 0..4095) and dst_mac (mac), as plugins/ipv6udp.c does). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "util/file.h"
#include "xdperf/plugin.h"

/* ---- building module variants ---------------------------------------------------------------- */

static size_t put_leb(uint8_t *p, size_t v)
{
	size_t n = 0;
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		p[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

static size_t get_leb(const uint8_t *p, size_t *v)
{
	size_t n = 0, shift = 0;
	*v = 0;
	for (;;) {
		*v |= (size_t)(p[n] & 0x7f) << shift;
		if (!(p[n++] & 0x80))
			return n;
		shift += 7;
	}
}

/* The module without its xdperf.config section, plus (when text is not NULL) a new one holding
 * text. malloc'd; *outlen its length. */
static uint8_t *with_section(const uint8_t *w, size_t len, const char *text, size_t *outlen)
{
	size_t tl = text ? strlen(text) : 0;
	uint8_t *out = malloc(len + tl + 64);
	memcpy(out, w, 8);
	size_t o = 8, i = 8;
	while (i < len) {
		size_t start = i, size;
		uint8_t id = w[i++];
		i += get_leb(w + i, &size);
		size_t body = i;
		i += size;
		if (id == 0) {
			size_t nl;
			size_t h = get_leb(w + body, &nl);
			if (nl == 13 && !memcmp(w + body + h, "xdperf.config", 13))
				continue;
		}
		memcpy(out + o, w + start, i - start);
		o += i - start;
	}
	if (text) {
		out[o++] = 0;
		o += put_leb(out + o, 1 + 13 + tl);
		out[o++] = 13;
		memcpy(out + o, "xdperf.config", 13);
		o += 13;
		memcpy(out + o, text, tl);
		o += tl;
	}
	*outlen = o;
	return out;
}

/* ---- log capture ----------------------------------------------------------------------------- */

static char logged[2048];

static void on_log(void *ctx, const char *plugin, int level, const char *msg, size_t len)
{
	(void)ctx;
	(void)plugin;
	(void)level;
	size_t used = strlen(logged);
	snprintf(logged + used, sizeof logged - used, "%.*s\n", (int)len, msg);
}

/* ---- cases ----------------------------------------------------------------------------------- */

/* The host's verdict on cfg: "" when accepted, else its message. */
static const char *verdict(const char *schema, const char *cfg)
{
	static char err[512];
	err[0] = 0;
	int rc = xdperf_plugin_check_config(schema, cfg, strlen(cfg), err, sizeof err);
	if (rc == 0 && err[0])
		return "(accepted with a message)";
	if (rc != 0 && rc != -EINVAL)
		return "(unexpected return code)";
	return err;
}

static void host_checks(const char *schema)
{
	static const struct { const char *cfg, *want; } cases[] = {
		{ "", "" },
		{ "{}", "" },
		{ "{\"vlan\":42,\"src_ip\":\"fd00::9\",\"dst_mac\":\"02:00:00:00:00:02\"}", "" },
		{ "{\"vlan\":42.0}", "config key \"vlan\": expected an integer, got a number 42.0" },
		{ "{\"vlan\":null,\"src_ip\":null}", "" }, /* null = not given, as the SDK reads it */
		{ "{\"vlan_id\":42}", "config key \"vlan_id\" is unknown (did you mean \"vlan\"?)" },
		{ "{\"Vlan\":1}", "config key \"Vlan\" is unknown (did you mean \"vlan\"?)" },
		{ "{\"zzzzzzzz\":1}", "config key \"zzzzzzzz\" is unknown (the keys: " },
		{ "{\"vlan\":\"42\"}", "config key \"vlan\": expected an integer, got a string \"42\"" },
		{ "{\"vlan\":4.5}", "config key \"vlan\": expected an integer, got a number 4.5" },
		{ "{\"vlan\":true}", "config key \"vlan\": expected an integer, got a boolean true" },
		{ "{\"vlan\":5000}", "config key \"vlan\": 5000 is above the maximum 4095" },
		{ "{\"vlan\":-1}", "config key \"vlan\": -1 is below the minimum 0" },
		{ "{\"src_ip\":\"10.0.0.1\"}", "config key \"src_ip\": \"10.0.0.1\" is not an IPv6 address" },
		{ "{\"src_ip\":7}", "config key \"src_ip\": expected an IPv6 address, got an integer 7" },
		{ "{\"dst_mac\":\"02:00:00:00:00\"}", "config key \"dst_mac\": \"02:00:00:00:00\" is not a MAC address" },
		{ "[1,2]", "the configuration is not a JSON object" },
		{ "{\"vlan\":", "the configuration is not a JSON object: " },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = verdict(schema, cases[i].cfg);
		bool ok = cases[i].want[0] ? !strncmp(got, cases[i].want, strlen(cases[i].want)) : !got[0];
		CHECK(ok, "config %s: want \"%s\", got \"%s\"", cases[i].cfg, cases[i].want, got);
	}
	/* NULL schema: anything goes */
	CHECK(!strcmp(verdict(NULL, "{\"anything\":[1]}"), ""), "no schema accepts any key");
	/* "*": true lets other keys through, still checking the declared ones */
	const char *open = "{\"keys\":{\"a\":{\"type\":\"integer|string\"},\"m\":{\"type\":\"string\","
			   "\"enum\":[\"seq\",\"random\"]},\"*\":true}}";
	CHECK(!strcmp(verdict(open, "{\"other\":1,\"a\":\"x\",\"m\":\"seq\"}"), ""), "open schema: %s",
	      verdict(open, "{\"other\":1,\"a\":\"x\",\"m\":\"seq\"}"));
	CHECK(!strcmp(verdict(open, "{\"a\":2}"), ""), "integer|string takes an integer");
	CHECK(!strncmp(verdict(open, "{\"a\":[]}"), "config key \"a\": expected an integer or a string, got an array", 60),
	      "integer|string refuses an array: %s", verdict(open, "{\"a\":[]}"));
	CHECK(!strcmp(verdict(open, "{\"m\":\"fast\"}"), "config key \"m\": \"fast\" is not one of [\"seq\",\"random\"]"),
	      "enum: %s", verdict(open, "{\"m\":\"fast\"}"));
}

static void section_checks(const uint8_t *w, size_t len)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "{\"keys\":", "custom section xdperf.config: not JSON" },
		{ "[]", "custom section xdperf.config: not a JSON object" },
		{ "{\"description\":\"x\"}", "custom section xdperf.config: \"keys\" is missing" },
		{ "{\"keys\":{\"a\":{\"type\":\"int\"}}}", "custom section xdperf.config: key \"a\": no valid \"type\"" },
		{ "{\"keys\":{\"a\":{\"type\":\"integer\",\"default\":\"x\"}}}",
		  "custom section xdperf.config: the default of config key \"a\": expected an integer" },
		{ "{\"keys\":{\"a\":{\"type\":\"integer\",\"min\":\"0\"}}}", "custom section xdperf.config: key \"a\": " },
		{ "{\"keys\":{\"*\":1}}", "custom section xdperf.config: key \"*\"" },
		{ "{\"keys\":{\"a\":{\"type\":\"string\"},\"a\":{\"type\":\"string\"}}}", "custom section xdperf.config: not JSON" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t n;
		uint8_t *v = with_section(w, len, bad[i].text, &n);
		char *schema = NULL, err[400] = "";
		int rc = xdperf_plugin_read_schema(v, n, &schema, err, sizeof err);
		CHECK(rc == -EINVAL && !schema && !strncmp(err, bad[i].want, strlen(bad[i].want)),
		      "section %s: rc %d, err \"%s\", want \"%s\"", bad[i].text, rc, err, bad[i].want);
		struct xdperf_plugin *p = NULL;
		struct xdperf_plugin_opts o = { .sz = sizeof o, .name = "bad" };
		char lerr[400] = "";
		rc = xdperf_plugin_load_bytes(v, n, &o, &p, lerr, sizeof lerr);
		CHECK(rc == -EINVAL && !p && !strncmp(lerr, "plugin bad: custom section xdperf.config: ", 42),
		      "a plugin with section %s does not load: rc %d \"%s\"", bad[i].text, rc, lerr);
		xdperf_plugin_free(p);
		free(v);
	}
	/* none: NULL, and the plugin loads with no schema */
	size_t n;
	uint8_t *v = with_section(w, len, NULL, &n);
	char *schema = (char *)1, err[400] = "";
	CHECK(xdperf_plugin_read_schema(v, n, &schema, err, sizeof err) == 0 && !schema, "no section: no schema");
	struct xdperf_plugin *p = NULL;
	struct xdperf_plugin_opts o = { .sz = sizeof o, .name = "plain", .log = on_log };
	CHECK(xdperf_plugin_load_bytes(v, n, &o, &p, err, sizeof err) == 0 && !xdperf_plugin_schema(p),
	      "a plugin without the section loads and has no schema (%s)", err);
	xdperf_plugin_free(p);
	free(v);
	/* a C string's trailing NUL is not part of the JSON */
	v = with_section(w, len, NULL, &n);
	uint8_t *v2 = malloc(n + 64);
	memcpy(v2, v, n);
	static const char sec[] = "\0\x22\x0dxdperf.config{\"keys\":{\"*\":true}}";
	memcpy(v2 + n, sec, sizeof sec); /* with its NUL */
	CHECK(xdperf_plugin_read_schema(v2, n + sizeof sec, &schema, err, sizeof err) == 0 && schema &&
		      !strcmp(schema, "{\"keys\":{\"*\":true}}"),
	      "a trailing NUL is dropped: %s", schema ? schema : err);
	free(schema);
	free(v2);
	free(v);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.wasm\n", argv[0]);
		return 2;
	}
	uint8_t *w;
	size_t len;
	if (xdperf_read_file(argv[1], 64u << 20, &w, &len)) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 2;
	}
	char *schema = NULL, err[400];
	CHECK(xdperf_plugin_read_schema(w, len, &schema, err, sizeof err) == 0 && schema, "%s declares a schema (%s)",
	      argv[1], err);
	if (!schema)
		return 1;
	CHECK(strstr(schema, "\"vlan\":{\"type\":\"integer\"") != NULL, "the schema is the declared JSON: %s", schema);
	host_checks(schema);
	section_checks(w, len);

	/* through the plugin: xdperf_plugin_init refuses before calling it */
	struct xdperf_plugin *p = NULL;
	struct xdperf_plugin_opts o = { .sz = sizeof o, .name = "cfgtest", .log = on_log };
	CHECK(xdperf_plugin_load_bytes(w, len, &o, &p, err, sizeof err) == 0, "load: %s", err);
	CHECK(p && xdperf_plugin_schema(p) && !strcmp(xdperf_plugin_schema(p), schema), "the loaded plugin's schema");
	const char *bad = "{\"vlan_id\":42}";
	int rc = p ? xdperf_plugin_init(p, bad, strlen(bad), err, sizeof err) : -1;
	CHECK(rc == -EINVAL && !strcmp(err, "plugin cfgtest: config key \"vlan_id\" is unknown (did you mean \"vlan\"?)") &&
		      !logged[0],
	      "init refuses before the plugin runs: rc %d \"%s\" (plugin logged \"%s\")", rc, err, logged);
	xdperf_plugin_free(p);

	/* the SDK's own check, with the host's skipped: the plugin refuses and logs why */
	o.skip_config_check = true;
	p = NULL;
	CHECK(xdperf_plugin_load_bytes(w, len, &o, &p, err, sizeof err) == 0, "load: %s", err);
	static const struct { const char *cfg, *log; } sdk[] = {
		{ "{\"vlan_id\":42}", "config key \"vlan_id\" is unknown (did you mean \"vlan\"?)" },
		{ "{\"zzzzzzzz\":1}", "config key \"zzzzzzzz\" is unknown" },
		{ "{\"vlan\":\"42\"}", "config key \"vlan\": expected integer" },
		{ "{\"vlan\":5000}", "config key \"vlan\": 5000 is above the maximum 4095" },
		{ "{\"src_ip\":\"10.0.0.1\"}", "config key \"src_ip\": expected ipv6" },
		{ "{\"dst_mac\":\"zz\"}", "config key \"dst_mac\": expected mac" },
	};
	for (size_t i = 0; p && i < sizeof sdk / sizeof *sdk; i++) {
		logged[0] = 0;
		rc = xdperf_plugin_init(p, sdk[i].cfg, strlen(sdk[i].cfg), err, sizeof err);
		CHECK(rc == -EINVAL && strstr(logged, sdk[i].log), "SDK refuses %s: rc %d, logged \"%s\", want \"%s\"",
		      sdk[i].cfg, rc, logged, sdk[i].log);
	}
	logged[0] = 0;
	const char *good = "{\"vlan\":7,\"src_ip\":\"fd00::5\",\"dst_mac\":null}";
	rc = p ? xdperf_plugin_init(p, good, strlen(good), err, sizeof err) : -1;
	CHECK(rc == 0, "SDK accepts a good config: rc %d %s (logged %s)", rc, err, logged);
	xdperf_plugin_free(p);
	free(schema);
	free(w);
	printf("plugin_config_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
