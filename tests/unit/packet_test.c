/* Packet templates (src/packet/template.c), the public template-set API
 * (src/packet/templates_api.c) and the pcap writer (src/packet/pcap.c).
 *
 * Usage: packet_test DIR   DIR = a scratch directory; DIR/cycle.pcap (1000 packets cycling
 *                          3 templates) is left there for tests/cases/packet_templates.sh to
 *                          check with tcpdump/tshark, and DIR/cycle.expect lists what it
 *                          must hold ("SEC.USEC LEN HEX" per packet).
 * Prints one line per failed check and exits 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

#include "packet/pcap.h"
#include "packet/template.h"
#include "xdperf/templates.h"
#include "check.h"

static const char *dir;

static char *b64(const uint8_t *b, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);

	sodium_bin2base64(s, cap, b, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static char *hex(const uint8_t *b, size_t n, int upper)
{
	char *s = malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, upper ? "%02X" : "%02x", b[i]);
	s[2 * n] = '\0';
	return s;
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + seed * 31 + (i >> 8));
}

static struct xdperf_template_set *parse_ok(int line, const char *json)
{
	struct xdperf_template_set *s = NULL;
	char err[256] = "";
	int rc = xdperf_templates_parse(json, strlen(json), &s, err, sizeof(err));

	checks++;
	if (rc != 0 || !s) {
		fails++;
		printf("FAIL (packet_test.c:%d): parse failed (%d): %s\n", line, rc, err);
		return NULL;
	}
	return s;
}

/* expect: exact message, or a prefix when it ends with '*' */
static void parse_err(int line, const char *json, const char *expect)
{
	struct xdperf_template_set *s = NULL;
	char err[256] = "";
	int rc = xdperf_templates_parse(json, strlen(json), &s, err, sizeof(err));
	size_t el = strlen(expect);
	int match = expect[el - 1] == '*' ? strncmp(err, expect, el - 1) == 0
					  : strcmp(err, expect) == 0;

	checks++;
	if (rc != -EINVAL || s || !match) {
		fails++;
		printf("FAIL (packet_test.c:%d): expected -EINVAL \"%s\", got %d \"%s\"%s\n", line,
		       expect, rc, err, s ? " and a set" : "");
		xdperf_template_set_free(s);
	}
}

#define PARSE_OK(j) parse_ok(__LINE__, j)
#define PARSE_ERR(j, e) parse_err(__LINE__, j, e)

static char *bp_elem(const char *bp)
{
	return xasprintf("{\"template\":{\"base_packet\":%s,\"modifiers\":[],\"checksums\":[]},"
			 "\"metadata\":{\"packet_count\":0,\"rate_pps\":0,\"tags\":[]}}",
			 bp);
}

static void test_valid(void)
{
	uint8_t f[60], big[2048];
	char *b = NULL, *h = NULL, *H = NULL, *js;
	struct xdperf_template_set *s;

	fill(f, sizeof(f), 1);
	fill(big, sizeof(big), 2);
	b = b64(f, sizeof(f));
	h = hex(f, sizeof(f), 0);
	H = hex(f, sizeof(f), 1);

	/* base64 (type absent and explicit), hex lower/upper, zeros with/without data,
	 * length shorter than data, length absent */
	js = xasprintf(
		"[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60,\"type\":\"base64\"}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60,\"type\":\"hex\"}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"%s\",\"type\":\"hex\"}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"\",\"length\":64,\"type\":\"zeros\"}}},"
		" {\"template\":{\"base_packet\":{\"length\":2048,\"type\":\"zeros\"}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":14}}},"
		" {\"template\":{\"base_packet\":{\"data\":\"%s\"}}}]",
		b, b, h, H, b, b);
	s = PARSE_OK(js);
	free(js);
	if (s) {
		static const uint16_t lens[] = { 60, 60, 60, 60, 64, 2048, 14, 60 };
		uint8_t zero[2048] = { 0 };

		CHECK(s->n == 8, "n = %zu, want 8", s->n);
		for (size_t i = 0; i < s->n && i < 8; i++) {
			const uint8_t *want = (i == 4 || i == 5) ? zero : f;

			CHECK(s->t[i].len == lens[i], "template %zu: len %u, want %u", i,
			      s->t[i].len, lens[i]);
			CHECK(s->t[i].len == lens[i] && memcmp(s->t[i].frame, want, lens[i]) == 0,
			      "template %zu: frame bytes differ", i);
			CHECK(s->t[i].packet_count == 0 && s->t[i].rate_pps == 0 &&
				      s->t[i].ntags == 0 && !s->t[i].tags && !s->t[i].modifiers &&
				      !s->t[i].checksums && !s->t[i].imix && s->t[i].json,
			      "template %zu: defaults wrong", i);
		}
		for (uint64_t i = 0; i < 20; i++)
			CHECK(xdperf_template_at(s, i) == &s->t[i % 8], "template_at(%" PRIu64 ")",
			      i);
		xdperf_template_set_free(s);
	}

	/* a 2048-byte frame from base64 without length */
	char *bb = b64(big, sizeof(big));

	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\"}}}]", bb);
	s = PARSE_OK(js);
	if (s) {
		CHECK(s->t[0].len == 2048 && memcmp(s->t[0].frame, big, 2048) == 0,
		      "2048-byte frame wrong (len %u)", s->t[0].len);
		xdperf_template_set_free(s);
	}
	free(js);
	free(bb);

	/* metadata, modifiers, checksums, imix and extra fields are kept */
	js = xasprintf(
		"[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60},"
		"  \"modifiers\":[{\"target\":{\"offset\":26,\"length\":4},\"operation\":\"increment\"}],"
		"  \"checksums\":[{\"type\":\"ipv4\",\"offset\":14}],\"extra_t\":\"kept\"},"
		"  \"metadata\":{\"packet_count\":18446744073709551,\"rate_pps\":1000000,"
		"    \"tags\":[\"udp\",\"imix-\\u00e9\",\"\"],\"imix\":{\"patterns\":[{\"size\":64,\"weight\":7}]},"
		"    \"extra_m\":[1,2]},"
		"  \"extra\":{\"x\":1}}]",
		b);
	s = PARSE_OK(js);
	free(js);
	if (s) {
		struct xdperf_template *t = &s->t[0];

		CHECK(t->packet_count == 18446744073709551ull, "packet_count %" PRIu64,
		      t->packet_count);
		CHECK(t->rate_pps == 1000000, "rate_pps %" PRIu64, t->rate_pps);
		CHECK(t->ntags == 3 && t->tags && strcmp(t->tags[0], "udp") == 0 &&
			      strcmp(t->tags[1], "imix-\xc3\xa9") == 0 && strcmp(t->tags[2], "") == 0,
		      "tags wrong (%zu)", t->ntags);
		CHECK(json_is_array(t->modifiers) && json_array_size(t->modifiers) == 1 &&
			      json_integer_value(json_object_get(json_object_get(json_array_get(t->modifiers, 0),
								 "target"), "offset")) == 26,
		      "modifiers not kept");
		CHECK(json_is_array(t->checksums) &&
			      strcmp(json_string_value(json_object_get(
					     json_array_get(t->checksums, 0), "type")),
				     "ipv4") == 0,
		      "checksums not kept");
		CHECK(json_is_object(t->imix) &&
			      json_array_size(json_object_get(t->imix, "patterns")) == 1,
		      "imix not kept");
		CHECK(json_integer_value(json_object_get(json_object_get(t->json, "extra"), "x")) ==
			      1,
		      "extra element field not kept");
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(t->json, "template"),
							      "extra_t")),
			     "kept") == 0,
		      "extra template field not kept");
		CHECK(json_array_size(json_object_get(json_object_get(t->json, "metadata"),
						      "extra_m")) == 2,
		      "extra metadata field not kept");
		/* the references outlive the parser's document */
		json_t *mods = json_incref(t->modifiers);

		xdperf_template_set_free(s);
		CHECK(json_array_size(mods) == 1, "modifiers reference dropped");
		json_decref(mods);
	}

	/* JSON nulls (Go nil slices) are accepted as absent; whitespace around the array */
	js = xasprintf("  \n[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60,"
		       "\"type\":null},\"modifiers\":null,\"checksums\":null},"
		       "\"metadata\":{\"tags\":null,\"imix\":null}}]\n",
		       b);
	s = PARSE_OK(js);
	free(js);
	if (s) {
		CHECK(!s->t[0].modifiers && !s->t[0].checksums && !s->t[0].tags &&
			      !s->t[0].imix,
		      "nulls not treated as absent");
		xdperf_template_set_free(s);
	}

	/* input need not be NUL-terminated: parse a prefix of a longer buffer */
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\"}}}]GARBAGE", b);
	{
		struct xdperf_template_set *p = NULL;
		char err[256] = "";
		int rc = xdperf_templates_parse(js, strlen(js) - 7, &p, err, sizeof(err));

		CHECK(rc == 0 && p && p->n == 1, "length-bounded parse failed: %s", err);
		xdperf_template_set_free(p);
	}
	free(js);
	free(b);
	free(h);
	free(H);
}

static void test_errors(void)
{
	uint8_t f[64];
	char *b, *b12, *js, *good, *short10;

	fill(f, sizeof(f), 3);
	b = b64(f, 60);
	b12 = b64(f, 12);
	good = xasprintf("{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60}}}", b);
	char *hx10 = hex(f, 10, 0);

	short10 = xasprintf("{\"template\":{\"base_packet\":{\"data\":\"%s\",\"type\":\"hex\"}}}",
			    hx10);
	free(hx10);

	js = xasprintf("[%s,%s,%s,{\"template\":{\"base_packet\":{\"data\":\"not*base64!\"}}}]",
		       good, good, good);
	PARSE_ERR(js, "template 3: base_packet.data: invalid base64");
	free(js);
	/* base64 without padding / with whitespace is invalid */
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"AAAAAAAAAAAAAAAAAAA\"}}}]");
	PARSE_ERR(js, "template 0: base_packet.data: invalid base64");
	free(js);
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"AAAA AAAA\"}}}]");
	PARSE_ERR(js, "template 0: base_packet.data: invalid base64");
	free(js);

	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":9217}}}]", b);
	PARSE_ERR(js, "template 0: base_packet.length 9217 is above the 9216-byte frame limit");
	free(js);
	js = xasprintf("[{\"template\":{\"base_packet\":{\"length\":65535,\"type\":\"zeros\"}}}]");
	PARSE_ERR(js, "template 0: base_packet.length 65535 is above the 9216-byte frame limit");
	free(js);

	js = xasprintf("[%s,{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":20}}}]",
		       good, b12);
	PARSE_ERR(js, "template 1: base_packet.length 20 is larger than data (12 bytes)");
	free(js);

	js = xasprintf("[%s,%s,%s]", good, good, short10);
	PARSE_ERR(js, "template 2: frame of 10 bytes is shorter than an Ethernet header (14)");
	free(js);
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":13}}}]", b);
	PARSE_ERR(js, "template 0: frame of 13 bytes is shorter than an Ethernet header (14)");
	free(js);
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"\"}}}]");
	PARSE_ERR(js, "template 0: frame of 0 bytes is shorter than an Ethernet header (14)");
	free(js);

	PARSE_ERR("{\"template\":{}}", "response: template_type: missing"); /* the 0.11 object form */
	PARSE_ERR("\"[]\"", "response: not a JSON array (the plugin guide's form) or object (the Go xdperf 0.11 form)");
	PARSE_ERR("[]", "response: empty template array");
	PARSE_ERR(" [ ] ", "response: empty template array");
	PARSE_ERR("[{\"template\":", "response: invalid JSON at line 1 column 13: *");
	PARSE_ERR("[1,\n2,,3]", "response: invalid JSON at line 2 column 3: *");
	PARSE_ERR("", "response: invalid JSON at line 1 column 0: *");
	PARSE_ERR("[] []", "response: invalid JSON at line 1 column 4: *");

	/* other field errors */
	PARSE_ERR("[1]", "template 0: not a JSON object");
	PARSE_ERR("[{}]", "template 0: template: missing");
	PARSE_ERR("[{\"template\":[]}]", "template 0: template: expected an object");
	PARSE_ERR("[{\"template\":{}}]", "template 0: base_packet: missing");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"length\":60}}}]",
		  "template 0: base_packet.data: missing");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"data\":5}}}]",
		  "template 0: base_packet.data: expected a string");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"type\":\"zeros\"}}}]",
		  "template 0: base_packet.length: required for type zeros");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"type\":\"raw\",\"data\":\"\"}}}]",
		  "template 0: base_packet.type: unknown type \"raw\" (expected base64, hex or zeros)");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"type\":\"hex\",\"data\":\"0011g2\"}}}]",
		  "template 0: base_packet.data: invalid hex ('g' at offset 4)");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"type\":\"hex\",\"data\":\"00:11\"}}}]",
		  "template 0: base_packet.data: invalid hex (odd number of digits: 5)");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"type\":\"hex\",\"data\":\"0x0011\"}}}]",
		  "template 0: base_packet.data: invalid hex ('x' at offset 1)");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"length\":-1,\"type\":\"zeros\"}}}]",
		  "template 0: base_packet.length: expected an integer in 0..65535");
	PARSE_ERR("[{\"template\":{\"base_packet\":{\"length\":\"60\",\"type\":\"zeros\"}}}]",
		  "template 0: base_packet.length: expected an integer in 0..65535");

	uint8_t big[9300];
	char *bb;

	fill(big, sizeof(big), 4);
	bb = b64(big, sizeof(big));
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\"}}}]", bb);
	PARSE_ERR(js, "template 0: base_packet.data: 9300 bytes are above the 9216-byte frame limit");
	free(js);
	/* ...but a length within the slot takes a prefix of longer data */
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":1500}}}]", bb);
	{
		struct xdperf_template_set *s = PARSE_OK(js);

		if (s) {
			CHECK(s->t[0].len == 1500 && memcmp(s->t[0].frame, big, 1500) == 0,
			      "prefix of long data wrong");
			xdperf_template_set_free(s);
		}
	}
	free(js);
	free(bb);

	char *el;
	el = bp_elem("{\"type\":\"zeros\",\"length\":60}");
	js = xasprintf("[%s]", el);
	{
		struct xdperf_template_set *s = PARSE_OK(js);

		xdperf_template_set_free(s);
	}
	free(js);
	free(el);

	static const struct {
		const char *md, *err;
	} mds[] = {
		{ "[]", "template 1: metadata: expected an object" },
		{ "{\"packet_count\":-5}", "template 1: metadata.packet_count: expected a non-negative integer" },
		{ "{\"rate_pps\":1.5}", "template 1: metadata.rate_pps: expected a non-negative integer" },
		{ "{\"tags\":\"udp\"}", "template 1: metadata.tags: expected an array of strings" },
		{ "{\"tags\":[\"a\",2]}", "template 1: metadata.tags[1]: expected a string" },
		{ "{\"imix\":[1]}", "template 1: metadata.imix: expected an object" },
	};
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		js = xasprintf("[%s,{\"template\":{\"base_packet\":{\"type\":\"zeros\",\"length\":60}},"
			       "\"metadata\":%s}]",
			       good, mds[i].md);
		PARSE_ERR(js, mds[i].err);
		free(js);
	}
	js = xasprintf("[%s,{\"template\":{\"base_packet\":{\"type\":\"zeros\",\"length\":60},"
		       "\"modifiers\":{}}}]",
		       good);
	PARSE_ERR(js, "template 1: template.modifiers: expected an array");
	free(js);
	js = xasprintf("[%s,{\"template\":{\"base_packet\":{\"type\":\"zeros\",\"length\":60},"
		       "\"checksums\":7}}]",
		       good);
	PARSE_ERR(js, "template 1: template.checksums: expected an array");
	free(js);

	/* err buffer: NULL and tiny buffers are safe */
	{
		struct xdperf_template_set *s = NULL;
		char tiny[8];

		CHECK(xdperf_templates_parse("[]", 2, &s, NULL, 0) == -EINVAL && !s,
		      "NULL err buffer");
		CHECK(xdperf_templates_parse("[]", 2, &s, tiny, sizeof(tiny)) == -EINVAL &&
			      strcmp(tiny, "respons") == 0,
		      "tiny err buffer: \"%s\"", tiny);
	}

	free(b);
	free(b12);
	free(good);
	free(short10);
}

static char *many(size_t n, const char *el)
{
	size_t el_len = strlen(el), cap = n * (el_len + 1) + 3, o = 0;
	char *s = malloc(cap);

	s[o++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			s[o++] = ',';
		memcpy(s + o, el, el_len);
		o += el_len;
	}
	s[o++] = ']';
	s[o] = '\0';
	return s;
}

static void test_limit(void)
{
	uint8_t f[64];
	char *b, *el, *js;
	struct xdperf_template_set *s;

	fill(f, sizeof(f), 5);
	b = b64(f, sizeof(f));
	el = xasprintf("{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":64}},"
		       "\"metadata\":{\"tags\":[\"t\"]}}",
		       b);
	js = many(2048, el);
	s = PARSE_OK(js);
	if (s) {
		CHECK(s->n == 2048 && s->t[2047].len == 64 && s->t[2047].ntags == 1,
		      "2048 templates: n = %zu", s->n);
		xdperf_template_set_free(s);
	}
	free(js);
	js = many(2049, el);
	PARSE_ERR(js, "response: 2049 templates exceed the limit of 2048");
	free(js);
	/* an error in the last of 2048 templates: everything parsed so far is freed (ASan) */
	js = many(2048, el);
	{
		char *p = js + strlen(js) - strlen(el) - 1;

		memcpy(strstr(p, "\"length\":64"), "\"length\":65", 11);
	}
	PARSE_ERR(js, "template 2047: base_packet.length 65 is larger than data (64 bytes)");
	free(js);
	free(el);
	free(b);
}

/* ---- pcap ---- */

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t cap = 0, len = 0, r;

	if (!f)
		return NULL;
	do {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			b = realloc(b, cap);
		}
		r = fread(b + len, 1, cap - len, f);
		len += r;
	} while (r > 0);
	fclose(f);
	*n = len;
	return b;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Reads a classic pcap file and checks it holds `count` packets cycling through s with
 * timestamps start + i * gap. Returns the number of mismatches. */
static int verify_pcap(int line, const char *path, const struct xdperf_template_set *s,
		       uint64_t count, uint64_t start, uint64_t gap)
{
	size_t n = 0, o = 24;
	uint8_t *b = slurp(path, &n);
	int bad = 0;
	uint64_t i;

#define V(cond, ...)                                                                       \
	do {                                                                               \
		if (!(cond) && bad++ < 5) {                                                \
			printf("FAIL (packet_test.c:%d via %d): %s: ", __LINE__, line, path); \
			printf(__VA_ARGS__);                                               \
			printf("\n");                                                      \
		}                                                                          \
	} while (0)
	checks++;
	if (!b) {
		printf("FAIL (packet_test.c:%d): cannot read %s\n", line, path);
		fails++;
		return 1;
	}
	V(n >= 24, "short file (%zu bytes)", n);
	if (n >= 24) {
		V(rd32(b) == 0xa1b2c3d4, "magic 0x%08x", rd32(b));
		V(rd16(b + 4) == 2 && rd16(b + 6) == 4, "version %u.%u", rd16(b + 4), rd16(b + 6));
		V(rd32(b + 8) == 0 && rd32(b + 12) == 0, "thiszone/sigfigs not 0");
		V(rd32(b + 16) == 65535, "snaplen %u", rd32(b + 16));
		V(rd32(b + 20) == 1, "linktype %u", rd32(b + 20));
	}
	for (i = 0; i < count && o + 16 <= n; i++) {
		const struct xdperf_template *t = xdperf_template_at(s, i);
		uint64_t ts = start + i * gap;
		uint32_t caplen = rd32(b + o + 8), origlen = rd32(b + o + 12);

		V(rd32(b + o) == (uint32_t)(ts / 1000000000) &&
			  rd32(b + o + 4) == (uint32_t)(ts % 1000000000 / 1000),
		  "packet %" PRIu64 ": ts %u.%06u, want %" PRIu64 ".%06" PRIu64, i, rd32(b + o),
		  rd32(b + o + 4), ts / 1000000000, ts % 1000000000 / 1000);
		V(caplen == t->len && origlen == t->len, "packet %" PRIu64 ": len %u/%u, want %u",
		  i, caplen, origlen, t->len);
		o += 16;
		if (caplen != t->len || o + caplen > n) {
			bad++;
			break;
		}
		V(memcmp(b + o, t->frame, caplen) == 0, "packet %" PRIu64 ": bytes differ", i);
		o += caplen;
	}
	V(i == count, "%" PRIu64 " packets, want %" PRIu64, i, count);
	V(o == n, "%zu trailing bytes", n - o);
#undef V
	free(b);
	if (bad)
		fails++;
	return bad;
}

/* Number of entries in dir whose name contains `part`. */
static int count_in_dir(const char *d, const char *part)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (!dp)
		return -1;
	while ((de = readdir(dp)))
		if (strstr(de->d_name, part))
			n++;
	closedir(dp);
	return n;
}

static void test_pcap(void)
{
	uint8_t a[60], c[2048];
	char *ba, *hc, *js, *path, err[512];
	struct xdperf_template_set *s;
	const uint64_t start = 1700000000123456789ull;
	int rc;

	fill(a, sizeof(a), 6);
	fill(c, sizeof(c), 7);
	ba = b64(a, sizeof(a));
	hc = hex(c, sizeof(c), 1);
	js = xasprintf("[{\"template\":{\"base_packet\":{\"data\":\"%s\",\"length\":60}}},"
		       " {\"template\":{\"base_packet\":{\"data\":\"\",\"length\":14,\"type\":\"zeros\"}}},"
		       " {\"template\":{\"base_packet\":{\"data\":\"%s\",\"type\":\"hex\"}}}]",
		       ba, hc);
	s = PARSE_OK(js);
	free(js);
	free(ba);
	free(hc);
	if (!s)
		return;

	CHECK(xdperf_pcap_gap_for_rate(0) == 1000 && xdperf_pcap_gap_for_rate(1000) == 1000000 &&
		      xdperf_pcap_gap_for_rate(3000000000ull) == 1,
	      "gap_for_rate");

	/* 1000 packets, 1000 pps: left for the case's tcpdump/tshark check */
	path = xasprintf("%s/cycle.pcap", dir);
	rc = xdperf_pcap_write_templates(path, s, 1000, start, xdperf_pcap_gap_for_rate(1000),
					 err, sizeof(err));
	CHECK(rc == 0, "write_templates: %d %s", rc, err);
	verify_pcap(__LINE__, path, s, 1000, start, 1000000);
	{
		struct stat st;

		CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
		      "cycle.pcap mode %o, want 644", st.st_mode & 0777);
	}
	{
		char *exp = xasprintf("%s/cycle.expect", dir);
		FILE *f = fopen(exp, "w");

		/* for the shell case's tcpdump/tshark check, computed from the templates
		 * (not from the file): one line per packet, "SEC.USEC LEN HEX" */
		for (uint64_t i = 0; i < 1000; i++) {
			const struct xdperf_template *t = xdperf_template_at(s, i);
			uint64_t ts = start + i * 1000000;
			char *hx = hex(t->frame, t->len, 0);

			fprintf(f, "%" PRIu64 ".%06" PRIu64 " %u %s\n", ts / 1000000000,
				ts % 1000000000 / 1000, t->len, hx);
			free(hx);
		}
		fclose(f);
		free(exp);
	}
	free(path);

	/* default gap (0 = 1 µs), more than one buffer's worth, overwrite an existing file */
	path = xasprintf("%s/big.pcap", dir);
	{
		FILE *f = fopen(path, "w");

		fputs("old contents", f);
		fclose(f);
	}
	rc = xdperf_pcap_write_templates(path, s, 5000, 0, 0, err, sizeof(err));
	CHECK(rc == 0, "write_templates big: %d %s", rc, err);
	verify_pcap(__LINE__, path, s, 5000, 0, 1000);
	free(path);

	/* count 0: a valid empty capture */
	path = xasprintf("%s/empty.pcap", dir);
	rc = xdperf_pcap_write_templates(path, s, 0, 0, 0, err, sizeof(err));
	CHECK(rc == 0, "write_templates 0: %d %s", rc, err);
	verify_pcap(__LINE__, path, s, 0, 0, 1000);
	free(path);

	/* abort: the existing file is untouched, no temp file is left */
	path = xasprintf("%s/aborted.pcap", dir);
	{
		FILE *f = fopen(path, "w");
		struct xdperf_pcap *p = NULL;
		size_t n = 0;
		uint8_t *old;

		fputs("old", f);
		fclose(f);
		rc = xdperf_pcap_open(path, &p, err, sizeof(err));
		CHECK(rc == 0 && p, "open: %s", err);
		if (p) {
			for (int i = 0; i < 100; i++)
				xdperf_pcap_write(p, s->t[0].frame, s->t[0].len, 0);
			CHECK(count_in_dir(dir, "aborted.pcap.tmp-") == 1, "no temp file while writing");
			xdperf_pcap_abort(p);
		}
		old = slurp(path, &n);
		CHECK(old && n == 3 && memcmp(old, "old", 3) == 0, "abort changed the existing file");
		free(old);
	}
	free(path);
	xdperf_pcap_abort(NULL);

	/* disk full on a device: clear error, device still there */
	{
		struct stat st;

		rc = xdperf_pcap_write_templates("/dev/full", s, 1000, 0, 0, err, sizeof(err));
		CHECK(rc == -ENOSPC &&
			      strcmp(err, "cannot write /dev/full: No space left on device") == 0,
		      "/dev/full: %d \"%s\"", rc, err);
		CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode),
		      "/dev/full is no longer a character device");
		CHECK(count_in_dir("/dev", "full.tmp-") == 0, "temp file left in /dev");
	}

	/* file size limit on a regular file (a disk filling up mid-write): error naming the
	 * file, the previous file untouched, no temp file (in a child: rlimit, SIGXFSZ) */
	path = xasprintf("%s/limited.pcap", dir);
	{
		FILE *f = fopen(path, "w");
		pid_t pid;
		int st = 0;

		fputs("previous", f);
		fclose(f);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			struct rlimit rl = { 100000, 100000 };
			char e2[512];

			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
			rc = xdperf_pcap_write_templates(path, s, 1000, 0, 0, e2, sizeof(e2));
			char *want = xasprintf("cannot write %s: File too large", path);
			int ok = rc == -EFBIG && strcmp(e2, want) == 0;

			if (!ok)
				printf("FAIL (packet_test.c:%d): RLIMIT_FSIZE: %d \"%s\"\n",
				       __LINE__, rc, e2);
			free(want);
			xdperf_template_set_free(s);
			free(path);
			fflush(stdout);
			_exit(ok ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "RLIMIT_FSIZE child failed");
		size_t n = 0;
		uint8_t *old = slurp(path, &n);

		CHECK(old && n == 8 && memcmp(old, "previous", 8) == 0,
		      "failed write changed the existing file");
		free(old);
	}
	free(path);

	/* cannot create: missing directory, a file used as a directory, a directory as the
	 * output, an unwritable directory (not for root) */
	path = xasprintf("%s/no-such-dir/x.pcap", dir);
	rc = xdperf_pcap_write_templates(path, s, 10, 0, 0, err, sizeof(err));
	{
		char *want = xasprintf("cannot create %s: No such file or directory", path);

		CHECK(rc == -ENOENT && strcmp(err, want) == 0, "missing dir: %d \"%s\"", rc, err);
		free(want);
	}
	free(path);

	path = xasprintf("%s/cycle.pcap/x.pcap", dir);
	rc = xdperf_pcap_write_templates(path, s, 10, 0, 0, err, sizeof(err));
	{
		char *want = xasprintf("cannot create %s: Not a directory", path);

		CHECK(rc == -ENOTDIR && strcmp(err, want) == 0, "ENOTDIR: %d \"%s\"", rc, err);
		free(want);
	}
	free(path);

	rc = xdperf_pcap_write_templates(dir, s, 10, 0, 0, err, sizeof(err));
	{
		char *want = xasprintf("cannot create %s: Is a directory", dir);

		CHECK(rc == -EISDIR && strcmp(err, want) == 0, "EISDIR: %d \"%s\"", rc, err);
		free(want);
	}

	if (geteuid() != 0) {
		char *ro = xasprintf("%s/ro", dir);

		mkdir(ro, 0555);
		path = xasprintf("%s/x.pcap", ro);
		rc = xdperf_pcap_write_templates(path, s, 10, 0, 0, err, sizeof(err));
		char *want = xasprintf("cannot create %s: Permission denied", path);

		CHECK(rc == -EACCES && strcmp(err, want) == 0, "read-only dir: %d \"%s\"", rc, err);
		CHECK(count_in_dir(ro, "") == 2, "files left in the read-only dir");
		free(want);
		free(path);
		free(ro);
	} else {
		printf("note: running as root, the unwritable-directory check is skipped\n");
	}

	CHECK(count_in_dir(dir, ".tmp-") == 0, "temp files left in %s", dir);
	xdperf_template_set_free(s);
}

/* xdperf_templates_*: modifiers, checksums, IMIX weights and warnings reach the frames; errors
 * name the template and field (and the file). */
static void test_public_api(void)
{
	const char *ok =
		"[{\"template\": {\"base_packet\": {\"data\": \"020000000002020000000001080045000024000000"
		"004011000000000000000000000000000000000000000000000000\", \"type\": \"hex\"},"
		" \"modifiers\": [{\"target\": {\"layer\": \"udp\", \"field\": \"src_port\"},"
		" \"operation\": {\"type\": \"increment\"}, \"params\": {\"min\": 10, \"max\": 20,"
		" \"step\": 2}}], \"checksums\": [{\"layer\": \"ipv4\", \"auto_update\": true}]},"
		" \"metadata\": {\"rate_pps\": 5}}, {\"template\": {\"base_packet\": {\"data\":"
		" \"02000000000202000000000108004500001c000000004011000000000000000000000000000000000000\","
		" \"type\": \"hex\"}}}]";
	struct xdperf_templates *t = NULL;
	char err[512] = "";
	int e = xdperf_templates_from_json(ok, strlen(ok), NULL, &t, err, sizeof err);
	CHECK(e == 0 && t, "from_json: %d %s", e, err);
	if (!e) {
		const struct xdperf_tx_frame *f = xdperf_templates_frames(t);
		CHECK(xdperf_templates_n(t) == 2 && f[0].len == 48 && f[1].len == 42, "frames %zu",
		      xdperf_templates_n(t));
		CHECK(f[0].nmods == 1 && f[0].mods[0].offset == 34 && f[0].mods[0].len == 2 &&
			      f[0].mods[0].min == 10 && f[0].mods[0].max == 20 && f[0].mods[0].step == 2 &&
			      f[0].mods[0].op == XDPERF_FIELD_INCREMENT,
		      "frame 0's modifier");
		CHECK(f[0].csums == XDPERF_CSUM_IPV4 && f[1].nmods == 0 && f[1].csums == 0,
		      "checksums %u %u", f[0].csums, f[1].csums);
		CHECK(f[0].rate_pps == 5 && f[1].rate_pps == 0, "rates");
		CHECK(strstr(xdperf_templates_warnings(t), "1 of 2 templates set metadata.rate_pps") != NULL,
		      "warnings '%s'", xdperf_templates_warnings(t));
	}
	xdperf_templates_free(t);
	t = NULL;
	LIBXDPERF_OPTS(xdperf_templates_opts, o, .imix = "64:3,1000:1", .count = 100);
	e = xdperf_templates_from_json(ok, strlen(ok), &o, &t, err, sizeof err);
	CHECK(e == 0 && t && xdperf_templates_n(t) == 4, "imix: %d %s", e, err);
	if (!e) {
		const struct xdperf_tx_frame *f = xdperf_templates_frames(t);
		CHECK(f[0].len == 64 && f[0].weight == 3 && f[1].len == 1000 && f[1].weight == 1 &&
			      f[0].nmods == 1 && f[2].len == 64 && f[2].nmods == 0,
		      "imix frames: %u/%" PRIu64 " %u/%" PRIu64, f[0].len, f[0].weight, f[1].len,
		      f[1].weight);
	}
	xdperf_templates_free(t);
	t = NULL;
	const char *bad = "[{\"template\": {\"base_packet\": {\"data\": \"zz\", \"type\": \"hex\"}}}]";
	e = xdperf_templates_from_json(bad, strlen(bad), NULL, &t, err, sizeof err);
	CHECK(e == -EINVAL && !t && strstr(err, "template 0: base_packet.data"), "bad: %d %s", e, err);
	o.imix = "64:0";
	e = xdperf_templates_from_json(ok, strlen(ok), &o, &t, err, sizeof err);
	CHECK(e == -EINVAL && !t && err[0], "bad imix: %d %s", e, err);
	char path[4096];
	snprintf(path, sizeof path, "%s/no-such.json", dir);
	e = xdperf_templates_from_file(path, NULL, &t, err, sizeof err);
	CHECK(e == -ENOENT && !t && strstr(err, "no-such.json: No such file"), "missing: %d %s", e, err);
	snprintf(path, sizeof path, "%s/api.json", dir);
	FILE *fp = fopen(path, "w");
	if (fp) {
		fputs(ok, fp);
		fclose(fp);
	}
	e = xdperf_templates_from_file(path, NULL, &t, err, sizeof err);
	CHECK(e == 0 && t && xdperf_templates_n(t) == 2, "from_file: %d %s", e, err);
	xdperf_templates_free(t);
	xdperf_templates_free(NULL);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_valid();
	test_errors();
	test_limit();
	test_pcap();
	test_public_api();
	printf("packet_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
