/* Modifiers and checksums from JSON (src/packet/field_json.c), IMIX resizing and expansion
 * (src/packet/imix.c) and the IMIX weights in the send order (src/packet/schedule.c).
 * Prints a "FAILED: ..." line per failed check and exits 1 if any failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/decode.h"
#include "packet/field.h"
#include "packet/field_json.h"
#include "packet/imix.h"
#include "packet/schedule.h"
#include "packet/template.h"
#include "check.h"

/* ---- frames ------------------------------------------------------------------------------- */

enum kind { V4UDP, V4TCP, V6UDP, V4ICMP, V6ICMP, V4UDP0 /* UDP checksum 0 */ };

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A frame of `len` bytes (valid checksums: made by xdperf_frame_resize, checked separately). */
static uint16_t mkframe(enum kind k, int vlan, uint16_t len, uint8_t *out)
{
	uint8_t f[XDPERF_TEMPLATE_SLOT] = { 0 };
	const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	size_t o = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, 100);
		o = 16;
	}
	bool v6 = k == V6UDP || k == V6ICMP;
	put16(f + o, v6 ? 0x86dd : 0x0800);
	size_t l3 = o + 2, l4;
	uint8_t proto = k == V4TCP ? 6 : k == V4ICMP ? 1 : k == V6ICMP ? 58 : 17;
	if (!v6) {
		f[l3] = 0x45;
		put16(f + l3 + 4, 0x1234);
		put16(f + l3 + 6, 0x4000);
		f[l3 + 8] = 64;
		f[l3 + 9] = proto;
		uint8_t s4[4] = { 192, 168, 1, 1 }, d4[4] = { 192, 168, 1, 2 };
		memcpy(f + l3 + 12, s4, 4);
		memcpy(f + l3 + 16, d4, 4);
		l4 = l3 + 20;
	} else {
		f[l3] = 0x60;
		f[l3 + 6] = proto;
		f[l3 + 7] = 64;
		f[l3 + 8] = 0x20;
		f[l3 + 9] = 0x01;
		f[l3 + 23] = 1;
		f[l3 + 24] = 0x20;
		f[l3 + 25] = 0x01;
		f[l3 + 39] = 2;
		l4 = l3 + 40;
	}
	switch (k) {
	case V4TCP:
		put16(f + l4, 1234);
		put16(f + l4 + 2, 80);
		f[l4 + 12] = 0x50;
		f[l4 + 13] = 0x18;
		put16(f + l4 + 14, 65535);
		break;
	case V4ICMP:
		f[l4] = 8;
		break;
	case V6ICMP:
		f[l4] = 128;
		break;
	default:
		put16(f + l4, 1234);
		put16(f + l4 + 2, 5678);
		if (k != V4UDP0)
			put16(f + l4 + 6, 1); /* computed by resize */
		break;
	}
	for (size_t i = l4 + 8 + (k == V4TCP ? 12 : 0); i < sizeof f; i++)
		f[i] = (uint8_t)i;
	char err[200];
	if (xdperf_frame_resize(f, len, len, out, err, sizeof err)) {
		printf("FAILED: mkframe: %s\n", err);
		exit(1);
	}
	return len;
}

/* Number of valid checksums in frame, -1 if any is bad. */
static int csums_ok(const uint8_t *f, size_t len)
{
	struct xdperf_decode_info info;
	char buf[2048];
	xdperf_frame_describe(f, len, NULL, buf, sizeof buf, &info);
	return info.checksums_bad ? -1 : (int)info.checksums_ok;
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	s[2 * n] = 0;
	return s;
}

/* One template element: extra goes into "template" (e.g. ",\"modifiers\":[...]"), meta
 * into "metadata". */
static char *tmpl(const uint8_t *f, size_t n, const char *extra, const char *meta)
{
	char *h = hex(f, n);
	char *s = xasprintf("{\"template\":{\"base_packet\":{\"type\":\"hex\",\"data\":\"%s\"}%s},"
			    "\"metadata\":{%s}}", h, extra ? extra : "", meta ? meta : "");
	free(h);
	return s;
}

static struct xdperf_template_set *parse(const char *json, char *err, size_t errlen)
{
	struct xdperf_template_set *s = NULL;
	if (xdperf_templates_parse(json, strlen(json), &s, err, errlen))
		return NULL;
	return s;
}

/* Parses one template (frame + modifiers/checksums JSON) and expects error `want` ("" = ok). */
static void expect(int line, const uint8_t *f, size_t n, const char *mods, const char *csums,
		   const char *want)
{
	char *extra = xasprintf("%s%s%s%s%s%s", mods ? ",\"modifiers\":" : "", mods ? mods : "",
				csums ? ",\"checksums\":" : "", csums ? csums : "", "", "");
	char *e = tmpl(f, n, extra, NULL);
	char *j = xasprintf("[%s]", e);
	char err[300] = "";
	struct xdperf_template_set *s = parse(j, err, sizeof err);
	checks++;
	if (*want && (s || strcmp(err, want))) {
		fails++;
		printf("FAILED: field_json_test.c:%d: expected \"%s\", got %s\"%s\"\n", line, want,
		       s ? "success " : "", err);
	} else if (!*want && !s) {
		fails++;
		printf("FAILED: field_json_test.c:%d: expected success, got \"%s\"\n", line, err);
	}
	xdperf_template_set_free(s);
	free(extra);
	free(e);
	free(j);
}
#define EXPECT(f, n, mods, csums, want) expect(__LINE__, f, n, mods, csums, want)

/* ---- named fields ------------------------------------------------------------------------- */

static void check_field(int line, const uint8_t *f, size_t n, const char *layer, const char *field,
			unsigned off, unsigned len)
{
	uint16_t o = 0;
	uint8_t l = 0;
	char err[200] = "";
	int rc = xdperf_field_lookup(layer, field, f, n, &o, &l, err, sizeof err);
	checks++;
	if (rc || o != off || l != len) {
		fails++;
		printf("FAILED: field_json_test.c:%d: %s.%s: got rc %d offset %u length %u (want %u/%u) %s\n",
		       line, layer, field, rc, o, l, off, len, err);
	}
}
#define FIELD(f, n, ly, fd, off, len) check_field(__LINE__, f, n, ly, fd, off, len)

static void test_named(void)
{
	uint8_t f[2048];
	uint16_t n;

	for (int vlan = 0; vlan <= 1; vlan++) {
		unsigned v = vlan ? 4 : 0;
		n = mkframe(V4UDP, vlan, 100, f);
		FIELD(f, n, "eth", "dst", 2, 4);
		FIELD(f, n, "eth", "src", 8, 4);
		FIELD(f, n, "ipv4", "tos", 15 + v, 1);
		FIELD(f, n, "ipv4", "id", 18 + v, 2);
		FIELD(f, n, "ipv4", "ttl", 22 + v, 1);
		FIELD(f, n, "ipv4", "src_ip", 26 + v, 4);
		FIELD(f, n, "ipv4", "dst_ip", 30 + v, 4);
		FIELD(f, n, "udp", "src_port", 34 + v, 2);
		FIELD(f, n, "udp", "dst_port", 36 + v, 2);
		n = mkframe(V4TCP, vlan, 100, f);
		FIELD(f, n, "ipv4", "src_ip", 26 + v, 4);
		FIELD(f, n, "tcp", "src_port", 34 + v, 2);
		FIELD(f, n, "tcp", "dst_port", 36 + v, 2);
		FIELD(f, n, "tcp", "seq", 38 + v, 4);
		FIELD(f, n, "tcp", "ack", 42 + v, 4);
		FIELD(f, n, "tcp", "window", 48 + v, 2);
		n = mkframe(V6UDP, vlan, 100, f);
		FIELD(f, n, "ipv6", "hop_limit", 21 + v, 1);
		FIELD(f, n, "ipv6", "src_ip", 30 + v, 8);
		FIELD(f, n, "ipv6", "dst_ip", 46 + v, 8);
		FIELD(f, n, "udp", "src_port", 54 + v, 2);
		FIELD(f, n, "udp", "dst_port", 56 + v, 2);
		n = mkframe(V4ICMP, vlan, 60, f);
		FIELD(f, n, "icmp", "id", 38 + v, 2);
		FIELD(f, n, "icmp", "seq", 40 + v, 2);
		n = mkframe(V6ICMP, vlan, 80, f);
		FIELD(f, n, "icmpv6", "id", 58 + v, 2);
		FIELD(f, n, "icmpv6", "seq", 60 + v, 2);
	}
	/* lookup errors */
	char err[200] = "";
	uint16_t o;
	uint8_t l;
	n = mkframe(V4UDP, 0, 100, f);
	CHECK(xdperf_field_lookup("tcp", "seq", f, n, &o, &l, err, sizeof err) &&
	      strcmp(err, "tcp.seq: the frame has no TCP header") == 0, "got \"%s\"", err);
	CHECK(xdperf_field_lookup("udp", "sport", f, n, &o, &l, err, sizeof err) &&
	      strcmp(err, "udp.sport: unknown field (udp has src_port, dst_port)") == 0, "got \"%s\"", err);
	CHECK(xdperf_field_lookup("udp", "src_port", f, 35, &o, &l, err, sizeof err) &&
	      strcmp(err, "udp.src_port: the UDP header is cut short by the end of the 35-byte frame") == 0,
	      "got \"%s\"", err);
}

/* ---- parsing: values and errors ----------------------------------------------------------- */

static struct xdperf_template_set *parse1(const uint8_t *f, size_t n, const char *mods,
					  const char *csums)
{
	char *extra = xasprintf(",\"modifiers\":%s%s%s", mods, csums ? ",\"checksums\":" : "",
				csums ? csums : "");
	char *e = tmpl(f, n, extra, NULL);
	char *j = xasprintf("[%s]", e);
	char err[300] = "";
	struct xdperf_template_set *s = parse(j, err, sizeof err);
	CHECK(s, "parse failed: %s (%s)", err, mods);
	free(extra);
	free(e);
	free(j);
	return s;
}

static void test_values(void)
{
	uint8_t f[2048];
	uint16_t n = mkframe(V4UDP, 0, 100, f);
	struct xdperf_template_set *s;
	char d[200];

	s = parse1(f, n, "[{\"target\":{\"layer\":\"ipv4\",\"field\":\"src_ip\"},"
		   "\"operation\":{\"type\":\"increment\",\"data_type\":\"ipv4\"},"
		   "\"params\":{\"min\":\"10.0.0.1\",\"max\":\"10.0.0.254\",\"step\":1}},"
		   "{\"target\":{\"offset\":44,\"length\":2},\"operation\":\"random\","
		   "\"params\":{\"seed\":7}},"
		   "{\"target\":{\"offset\":50,\"length\":4,\"endian\":\"little\"},\"operation\":\"decrement\","
		   "\"params\":{\"min\":\"0x10\",\"max\":\"0XfF\",\"start\":\"200\",\"step\":\"0x2\"}},"
		   "{\"target\":{\"offset\":60,\"length\":8},\"operation\":\"range\","
		   "\"params\":{\"min\":5,\"endian\":\"little\"}},"
		   "{\"target\":{\"offset\":70,\"length\":8},\"operation\":\"increment\","
		   "\"params\":{\"min\":\"18446744073709551610\",\"max\":\"18446744073709551615\"}},"
		   "{\"target\":{\"layer\":\"ipv4\",\"field\":\"ttl\"},\"operation\":\"increment\","
		   "\"params\":{\"max\":9}}]",
		   "[{\"layer\":\"ipv4\",\"auto_update\":true,\"algorithm\":\"rfc1624\"},"
		   "{\"layer\":\"udp\",\"auto_update\":true},{\"layer\":\"tcp\",\"auto_update\":false}]");
	if (s) {
		const struct xdperf_fields *fl = &s->t[0].fields;
		const struct xdperf_field_mod *m = fl->mod;
		CHECK(fl->nmods == 6, "nmods %zu", fl->nmods);
		CHECK(fl->csums == (XDPERF_CSUM_IPV4 | XDPERF_CSUM_UDP), "csums 0x%x", fl->csums);
		CHECK(m[0].offset == 26 && m[0].len == 4 && m[0].op == XDPERF_FIELD_INCREMENT &&
		      m[0].min == 0x0a000001 && m[0].max == 0x0a0000fe && m[0].step == 1 &&
		      !m[0].little_endian && strcmp(m[0].name, "ipv4.src_ip") == 0, "mod 0");
		CHECK(m[1].offset == 44 && m[1].len == 2 && m[1].op == XDPERF_FIELD_RANDOM &&
		      m[1].min == 0 && m[1].max == 0 && m[1].seed == 7 && m[1].step == 1 &&
		      strcmp(m[1].name, "offset 44") == 0, "mod 1");
		CHECK(m[2].min == 16 && m[2].max == 255 && m[2].step == 2 && m[2].has_start &&
		      m[2].start == 200 && m[2].little_endian && m[2].op == XDPERF_FIELD_DECREMENT,
		      "mod 2");
		CHECK(m[3].min == 5 && m[3].max == UINT64_MAX && m[3].little_endian &&
		      m[3].op == XDPERF_FIELD_RANGE, "mod 3: min only -> max = field max");
		CHECK(m[4].min == 18446744073709551610ull && m[4].max == UINT64_MAX, "mod 4");
		CHECK(m[5].offset == 22 && m[5].len == 1 && m[5].min == 0 && m[5].max == 9,
		      "mod 5: max only -> min 0");
		xdperf_field_describe(&m[0], d, sizeof d);
		CHECK(strcmp(d, "ipv4.src_ip increment 10.0.0.1..10.0.0.254 step 1") == 0, "%s", d);
		xdperf_field_describe(&m[1], d, sizeof d);
		CHECK(strcmp(d, "offset 44/2 random 0..65535 seed 7") == 0, "%s", d);
		xdperf_field_describe(&m[2], d, sizeof d);
		CHECK(strcmp(d, "offset 50/4 decrement 16..255 step 2 start 200 little-endian") == 0,
		      "%s", d);
		/* a struct copy keeps working after fix_names */
		struct xdperf_fields c = *fl;
		xdperf_fields_fix_names(&c);
		CHECK(c.mod[0].name == c.names[0] && strcmp(c.mod[0].name, "ipv4.src_ip") == 0, "fix_names");
		CHECK(fl->warn[0] == 0, "warn \"%s\"", fl->warn);
	}
	xdperf_template_set_free(s);

	/* IPv6 address strings for the low 64 bits */
	n = mkframe(V6UDP, 0, 100, f);
	s = parse1(f, n, "[{\"target\":{\"layer\":\"ipv6\",\"field\":\"src_ip\"},\"operation\":"
		   "{\"type\":\"increment\",\"data_type\":\"uint64\"},\"params\":{\"min\":\"2001:db8::1:2\","
		   "\"max\":\"::1:0:0:ffff\"}}]", "[{\"layer\":\"udp\",\"auto_update\":true}]");
	if (s) {
		const struct xdperf_field_mod *m = s->t[0].fields.mod;
		CHECK(m[0].offset == 30 && m[0].len == 8 && m[0].min == 0x10002ull &&
		      m[0].max == 0x100000000ffffull, "ipv6 min %llx max %llx",
		      (unsigned long long)m[0].min, (unsigned long long)m[0].max);
	}
	xdperf_template_set_free(s);

	/* a warning from the compiler is kept */
	n = mkframe(V4UDP, 0, 100, f);
	s = parse1(f, n, "[{\"target\":{\"layer\":\"udp\",\"field\":\"dst_port\"},\"operation\":\"increment\"}]",
		   NULL);
	if (s)
		CHECK(strstr(s->t[0].fields.warn, "udp checksum") != NULL, "warn \"%s\"",
		      s->t[0].fields.warn);
	xdperf_template_set_free(s);
}

#define T0 "template 0: "
#define SRC "{\"layer\":\"ipv4\",\"field\":\"src_ip\"}"

static void test_errors(void)
{
	uint8_t f[2048], f6[2048], fi[2048];
	uint16_t n = mkframe(V4UDP, 0, 100, f), n6 = mkframe(V6UDP, 0, 100, f6);
	uint16_t ni = mkframe(V4ICMP, 0, 60, fi);
	fi[34] = 3; /* destination unreachable */

	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":{\"type\":\"shuffle\"}}]", NULL,
	       T0 "modifiers[0].operation.type: unknown operation \"shuffle\" (expected increment, "
	       "decrement, random or range)");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"up\"}]", NULL,
	       T0 "modifiers[0].operation: unknown operation \"up\" (expected increment, decrement, "
	       "random or range)");
	EXPECT(f, n, "[{\"target\":" SRC "}]", NULL, T0 "modifiers[0].operation: missing");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\"},"
	       "{\"target\":{\"layer\":\"udp\",\"field\":\"dst_port\"},\"operation\":\"increment\","
	       "\"params\":{\"max\":70000}}]", NULL,
	       T0 "modifiers[1].params.max: 70000 does not fit 2 bytes");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"ipv6\",\"field\":\"src_ip\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target: ipv6.src_ip: the frame has no IPv6 header");
	EXPECT(f6, n6, "[{\"target\":" SRC ",\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target: ipv4.src_ip: the frame has no IPv4 header");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"ipv4\",\"field\":\"src\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target: ipv4.src: unknown field (ipv4 has tos, id, ttl, src_ip, "
	       "dst_ip)");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"ip\",\"field\":\"src\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target: unknown layer \"ip\" (expected eth, ipv4, ipv6, udp, "
	       "tcp, icmp or icmpv6)");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"ipv4\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target.field: missing");
	EXPECT(f, n, "[{\"target\":{\"layer\":4,\"field\":\"ttl\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target.layer: expected a string");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"ipv4\",\"field\":\"src_ip\",\"offset\":3},"
	       "\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target: give layer and field, or offset and length, not both");
	EXPECT(f, n, "[{\"target\":{},\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target: expected layer and field, or offset and length");
	EXPECT(f, n, "[{\"operation\":\"increment\"}]", NULL, T0 "modifiers[0].target: missing");
	EXPECT(f, n, "[{\"target\":{\"offset\":30,\"length\":3},\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target.length: 3 (expected 1, 2, 4 or 8)");
	EXPECT(f, n, "[{\"target\":{\"offset\":30},\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target.length: missing");
	EXPECT(f, n, "[{\"target\":{\"offset\":98,\"length\":4},\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target: bytes 98..101 are past the end of the 100-byte frame");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"udp\",\"field\":\"src_port\",\"length\":4},"
	       "\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target.length: 4, but udp.src_port has 2 bytes");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":{\"type\":\"increment\",\"data_type\":\"uint16\"}}]",
	       NULL, T0 "modifiers[0].operation.data_type: uint16 does not match the 4-byte field "
	       "ipv4.src_ip");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":{\"type\":\"increment\",\"data_type\":\"int\"}}]",
	       NULL, T0 "modifiers[0].operation.data_type: unknown \"int\" (expected uint8, uint16, "
	       "uint32, uint64 or ipv4)");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"udp\",\"field\":\"src_port\"},\"operation\":\"increment\","
	       "\"params\":{\"min\":\"10.0.0.1\"}}]", NULL,
	       T0 "modifiers[0].params.min: \"10.0.0.1\": an IPv4 address needs a 4-byte field");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"min\":\"::1\"}}]",
	       NULL, T0 "modifiers[0].params.min: \"::1\": an IPv6 address is only accepted for "
	       "ipv6.src_ip and ipv6.dst_ip");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"max\":\"12a\"}}]",
	       NULL, T0 "modifiers[0].params.max: \"12a\" is not a number (decimal, 0x-hex, IPv4 "
	       "address)");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"max\":\"10.0.0.300\"}}]",
	       NULL, T0 "modifiers[0].params.max: \"10.0.0.300\" is not a number (decimal, 0x-hex, "
	       "IPv4 address)");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"min\":-1}}]",
	       NULL, T0 "modifiers[0].params.min: -1 is negative");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"min\":1.5}}]",
	       NULL, T0 "modifiers[0].params.min: expected a non-negative integer or a string");
	EXPECT(f, n, "[{\"target\":{\"offset\":60,\"length\":8},\"operation\":\"increment\","
	       "\"params\":{\"max\":\"18446744073709551616\"}}]", NULL,
	       T0 "modifiers[0].params.max: \"18446744073709551616\" exceeds 64 bits");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"step\":0}}]",
	       NULL, T0 "modifiers[0].params.step: must be at least 1");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":{\"min\":9,\"max\":3}}]",
	       NULL, T0 "modifiers[0].params: min 9 is above max 3");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\",\"params\":[]}]",
	       NULL, T0 "modifiers[0].params: expected an object");
	EXPECT(f, n, "[{\"target\":{\"offset\":60,\"length\":2,\"endian\":\"middle\"},"
	       "\"operation\":\"increment\"}]", NULL,
	       T0 "modifiers[0].target.endian: expected \"big\" or \"little\"");
	EXPECT(f, n, "[{\"target\":{\"offset\":60,\"length\":2,\"endian\":\"big\"},"
	       "\"operation\":\"increment\",\"params\":{\"endian\":\"little\"}}]", NULL,
	       T0 "modifiers[0].params.endian: disagrees with target.endian");
	EXPECT(fi, ni, "[{\"target\":{\"layer\":\"icmp\",\"field\":\"id\"},\"operation\":\"increment\"}]",
	       NULL, T0 "modifiers[0].target: icmp.id: the ICMP message is not an echo request or "
	       "reply (type 3)");
	char many[2048] = "[";
	for (int i = 0; i < 9; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
			 "%s{\"target\":{\"offset\":%d,\"length\":1},\"operation\":\"increment\"}",
			 i ? "," : "", 60 + i);
	strcat(many, "]");
	EXPECT(f, n, many, NULL, T0 "modifiers: 9 modifiers (at most 8 per template)");
	EXPECT(f, n, "[{\"target\":" SRC ",\"operation\":\"increment\"},"
	       "{\"target\":{\"offset\":28,\"length\":4},\"operation\":\"random\"}]", NULL,
	       T0 "modifier 1 (offset 28) overlaps modifier 0");
	EXPECT(f, n, "{}", NULL, T0 "template.modifiers: expected an array");
	EXPECT(f, n, "[3]", NULL, T0 "modifiers[0]: expected an object");
	/* checksums */
	EXPECT(f, n, NULL, "[{\"layer\":\"ipv6\",\"auto_update\":true}]",
	       T0 "checksums[0].layer: ipv6 has no header checksum");
	EXPECT(f, n, NULL, "[{\"layer\":\"ipv4\",\"auto_update\":true},{\"layer\":\"sctp\",\"auto_update\":true}]",
	       T0 "checksums[1].layer: unknown layer \"sctp\" (expected ipv4, udp, tcp, icmp or icmpv6)");
	EXPECT(f, n, NULL, "[{\"layer\":\"ipv4\",\"auto_update\":true,\"algorithm\":\"crc32\"}]",
	       T0 "checksums[0].algorithm: unknown \"crc32\" (expected internet, rfc1071 or rfc1624)");
	EXPECT(f, n, NULL, "[{\"layer\":\"ipv4\",\"auto_update\":\"yes\"}]",
	       T0 "checksums[0].auto_update: expected true or false");
	EXPECT(f, n, NULL, "[{\"auto_update\":true}]", T0 "checksums[0].layer: missing");
	EXPECT(f, n, NULL, "[{\"layer\":\"tcp\",\"auto_update\":true}]",
	       T0 "checksums: tcp: the frame has no TCP header");
	EXPECT(f, n, NULL, "[{\"layer\":\"ipv6\",\"auto_update\":false},{\"layer\":\"tcp\"}]", "");
	EXPECT(f, n, "[]", "[]", "");
	EXPECT(f, n, "[{\"target\":{\"layer\":\"udp\",\"field\":\"src_port\"},\"operation\":\"increment\","
	       "\"params\":{\"min\":1,\"max\":\"0x0010\",\"start\":17}}]", NULL,
	       T0 "modifier 0 (udp.src_port): start 17 is outside min..max (1..16)");

	/* the template index in a longer response */
	char *a = tmpl(f, n, NULL, NULL);
	char *b = tmpl(f, n, ",\"modifiers\":[{\"target\":" SRC ",\"operation\":\"increment\","
		       "\"params\":{\"max\":\"0x1ffffffff\"}}]", NULL);
	char *j = xasprintf("[%s,%s,%s]", a, a, b);
	char err[300] = "";
	struct xdperf_template_set *s = parse(j, err, sizeof err);
	CHECK(!s && strcmp(err, "template 2: modifiers[0].params.max: 8589934591 does not fit 4 bytes") == 0,
	      "got \"%s\"", err);
	xdperf_template_set_free(s);
	free(a);
	free(b);
	free(j);
}

/* ---- resizing ----------------------------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_resize(void)
{
	static const struct { enum kind k; int vlan; int ok; } kinds[] = {
		{ V4UDP, 0, 2 }, { V4UDP, 1, 2 }, { V4TCP, 0, 2 }, { V6UDP, 0, 1 }, { V6UDP, 1, 1 },
		{ V4ICMP, 0, 2 }, { V6ICMP, 0, 1 }, { V4UDP0, 0, 1 },
	};
	static const uint16_t sizes[] = { 64, 66, 99, 100, 101, 576, 1500, 2048, 9000, 9216 };
	uint8_t f[9216], g[9217]; /* g: one byte more to see nothing is written past the end */
	char err[200];

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		uint16_t n = mkframe(kinds[i].k, kinds[i].vlan, 100, f);
		bool v6 = kinds[i].k == V6UDP || kinds[i].k == V6ICMP;
		unsigned l3 = 14 + (kinds[i].vlan ? 4u : 0u), l4 = l3 + (v6 ? 40u : 20u);
		int c = csums_ok(f, n);
		CHECK(c == kinds[i].ok, "kind %zu: template checksums %d", i, c);
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			uint16_t m = sizes[k];
			unsigned hdr = l4 + (kinds[i].k == V4TCP ? 20u : 8u);
			if (m < hdr) {
				CHECK(xdperf_frame_resize(f, n, m, g, err, sizeof err) != 0,
				      "kind %zu size %u: accepted", i, m);
				continue;
			}
			memset(g, 0xee, sizeof g);
			int rc = xdperf_frame_resize(f, n, m, g, err, sizeof err);
			CHECK(rc == 0, "kind %zu size %u: %s", i, m, err);
			if (rc)
				continue;
			c = csums_ok(g, m);
			CHECK(c == kinds[i].ok, "kind %zu size %u: checksums %d (want %d valid)", i, m, c,
			      kinds[i].ok);
			CHECK(memcmp(g, f, m < n ? m : n) == 0 ||
			      (v6 ? rd16(g + l3 + 4) == m - l3 - 40 : rd16(g + l3 + 2) == m - l3),
			      "kind %zu size %u: prefix", i, m);
			if (v6)
				CHECK(rd16(g + l3 + 4) == m - l3 - 40, "kind %zu size %u: payload length %u",
				      i, m, rd16(g + l3 + 4));
			else
				CHECK(rd16(g + l3 + 2) == m - l3, "kind %zu size %u: total length %u", i, m,
				      rd16(g + l3 + 2));
			if (kinds[i].k == V6UDP || kinds[i].k == V4UDP || kinds[i].k == V4UDP0)
				CHECK(rd16(g + l4 + 4) == m - l4, "kind %zu size %u: UDP length %u", i, m,
				      rd16(g + l4 + 4));
			if (kinds[i].k == V4UDP0)
				CHECK(rd16(g + l4 + 6) == 0, "UDP checksum 0 stays 0");
			bool pad = true;
			for (size_t b = n; b < m; b++)
				pad = pad && g[b] == 0;
			CHECK(pad, "kind %zu size %u: padding is zero", i, m);
			CHECK(g[m] == 0xee, "kind %zu size %u: wrote past the end", i, m);
		}
	}
	uint16_t n = mkframe(V4TCP, 0, 100, f);
	CHECK(xdperf_frame_resize(f, n, 53, g, err, sizeof err) &&
	      strcmp(err, "53 bytes cannot hold the headers (54 bytes)") == 0, "got \"%s\"", err);
	CHECK(xdperf_frame_resize(f, n, 54, g, err, sizeof err) == 0 && csums_ok(g, 54) == 2,
	      "headers only: %s", err);
	CHECK(xdperf_frame_resize(f, n, 9217, g, err, sizeof err) &&
	      strcmp(err, "size 9217 is outside 14..9216") == 0, "got \"%s\"", err);
	n = mkframe(V4UDP, 0, 100, f);
	f[20] = 0x20; /* MF */
	CHECK(xdperf_frame_resize(f, n, 200, g, err, sizeof err) &&
	      strcmp(err, "the packet is an IP fragment (cannot be resized)") == 0, "got \"%s\"", err);
	n = mkframe(V4UDP, 0, 100, f);
	CHECK(xdperf_frame_resize(f, 40, 200, g, err, sizeof err) &&
	      strcmp(err, "the 40-byte frame cuts its headers short (42 bytes)") == 0, "got \"%s\"", err);
	/* not IP: cut and padded only */
	memset(f, 0x11, 100);
	f[12] = 0x88;
	f[13] = 0xb5;
	CHECK(xdperf_frame_resize(f, 100, 20, g, err, sizeof err) == 0 && memcmp(f, g, 20) == 0,
	      "non-IP cut");
}

/* ---- IMIX --------------------------------------------------------------------------------- */

static const char *IMIX_META =
	"\"imix\":{\"patterns\":[{\"size\":64,\"weight\":7,\"template\":0},"
	"{\"size\":576,\"weight\":4,\"template\":1},{\"size\":1500,\"weight\":1,\"template\":2}]}";

static void test_imix(void)
{
	uint8_t f[3][2048];
	uint16_t sz[3] = { 64, 576, 1500 };
	char *el[3], err[300] = "", warn[200] = "";
	struct xdperf_template_set *in, *out = NULL;
	uint64_t counts[3] = { 701, 400, 100 };
	const char *tag[3] = { "imix-small", "imix-medium", "imix-large" };

	/* the imix plugin's shape */
	for (int i = 0; i < 3; i++) {
		mkframe(V4UDP, 0, sz[i], f[i]);
		char *meta = xasprintf("\"packet_count\":%llu,\"tags\":[\"imix\",\"%s\"],%s",
				       (unsigned long long)counts[i], tag[i], IMIX_META);
		el[i] = tmpl(f[i], sz[i], ",\"modifiers\":[{\"target\":" SRC ",\"operation\":"
			     "\"increment\"}],\"checksums\":[{\"layer\":\"ipv4\",\"auto_update\":true}]",
			     meta);
		free(meta);
	}
	char *j = xasprintf("[%s,%s,%s]", el[0], el[1], el[2]);
	in = parse(j, err, sizeof err);
	CHECK(in, "parse: %s", err);
	free(j);
	if (!in)
		return;
	CHECK(xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) == 0,
	      "apply: %s", err);
	if (out) {
		uint64_t w[3] = { 0 }, sum = 0;
		CHECK(out->n == 3, "n %zu", out->n);
		for (size_t i = 0; i < out->n && i < 3; i++) {
			CHECK(out->t[i].len == sz[i] && memcmp(out->t[i].frame, f[i], sz[i]) == 0,
			      "output %zu: same frame", i);
			CHECK(out->t[i].weight == (i == 0 ? 7u : i == 1 ? 4u : 1u), "weight %zu", i);
			CHECK(out->t[i].fields.nmods == 1 &&
			      out->t[i].fields.mod[0].name == out->t[i].fields.names[0], "fields %zu", i);
			CHECK(out->t[i].ntags == 2 && strcmp(out->t[i].tags[1], tag[i]) == 0, "tags %zu", i);
			sum += out->t[i].packet_count;
		}
		CHECK(sum == 1201 && out->t[0].packet_count == 701 && out->t[1].packet_count == 400 &&
		      out->t[2].packet_count == 100, "packet counts %llu", (unsigned long long)sum);
		CHECK(warn[0] == 0, "warn \"%s\"", warn);
		CHECK(xdperf_schedule_weights(out, w) == 2 && w[0] == 7 && w[1] == 4 && w[2] == 1,
		      "schedule weights %llu %llu %llu", (unsigned long long)w[0],
		      (unsigned long long)w[1], (unsigned long long)w[2]);
	}
	xdperf_template_set_free(out);
	out = NULL;
	xdperf_template_set_free(in);

	/* spec "simple" on one template */
	struct xdperf_imix_pattern p[8];
	size_t np = 0;
	CHECK(xdperf_imix_parse_spec("simple", p, 8, &np, err, sizeof err) == 0 && np == 3 &&
	      p[0].size == 64 && p[0].weight == 7 && p[1].size == 576 && p[1].weight == 4 &&
	      p[2].size == 1500 && p[2].weight == 1 && p[2].template == -1, "simple");
	uint16_t n = mkframe(V4UDP, 1, 100, f[0]);
	char *e = tmpl(f[0], n, ",\"modifiers\":[{\"target\":" SRC ",\"operation\":\"increment\"},"
		       "{\"target\":{\"layer\":\"udp\",\"field\":\"dst_port\"},\"operation\":\"random\"}],"
		       "\"checksums\":[{\"layer\":\"ipv4\",\"auto_update\":true},{\"layer\":\"udp\","
		       "\"auto_update\":true}]", "\"packet_count\":1001,\"rate_pps\":1200");
	j = xasprintf("[%s]", e);
	in = parse(j, err, sizeof err);
	CHECK(in, "parse: %s", err);
	free(j);
	if (in && xdperf_imix_apply(in, p, np, &out, warn, sizeof warn, err, sizeof err) == 0) {
		CHECK(out->n == 3, "n %zu", out->n);
		for (size_t i = 0; i < 3 && i < out->n; i++) {
			CHECK(out->t[i].len == sz[i], "len %u", out->t[i].len);
			CHECK(out->t[i].weight == p[i].weight, "weight");
			CHECK(csums_ok(out->t[i].frame, out->t[i].len) == 2, "checksums of %u", sz[i]);
			CHECK(rd16(out->t[i].frame + 18 + 2) == sz[i] - 18, "IPv4 total length");
		}
		CHECK(out->t[0].packet_count == 584 && out->t[1].packet_count == 334 &&
		      out->t[2].packet_count == 83, "split 1001: %llu %llu %llu",
		      (unsigned long long)out->t[0].packet_count,
		      (unsigned long long)out->t[1].packet_count,
		      (unsigned long long)out->t[2].packet_count);
		CHECK(out->t[0].rate_pps == 700 && out->t[1].rate_pps == 400 && out->t[2].rate_pps == 100,
		      "rates split");
	} else {
		CHECK(0, "apply simple: %s", err);
	}
	xdperf_template_set_free(out);
	out = NULL;

	/* a modifier that no longer fits */
	xdperf_template_set_free(in);
	free(e);
	e = tmpl(f[0], n, ",\"modifiers\":[{\"target\":{\"offset\":90,\"length\":4},\"operation\":"
		 "\"increment\"}]", NULL);
	j = xasprintf("[%s]", e);
	in = parse(j, err, sizeof err);
	free(j);
	free(e);
	CHECK(in && xdperf_imix_apply(in, p, np, &out, warn, sizeof warn, err, sizeof err) != 0 &&
	      strcmp(err, "template 0: imix size 64 (pattern 0): modifier 0 (offset 90): bytes "
		     "90..93 are past the end of the 64-byte frame") == 0, "got \"%s\"", err);
	xdperf_template_set_free(out);
	out = NULL;
	/* too small for the headers */
	CHECK(xdperf_imix_parse_spec("40:1", p, 8, &np, err, sizeof err) == 0 && in &&
	      xdperf_imix_apply(in, p, np, &out, warn, sizeof warn, err, sizeof err) != 0 &&
	      strcmp(err, "template 0: imix size 40 (pattern 0): 40 bytes cannot hold the headers "
		     "(46 bytes)") == 0, "got \"%s\"", err);
	xdperf_template_set_free(in);

	/* spec errors */
	CHECK(xdperf_imix_parse_spec("64", p, 8, &np, err, sizeof err) &&
	      strcmp(err, "imix: \"64\": expected SIZE:WEIGHT") == 0, "got \"%s\"", err);
	CHECK(xdperf_imix_parse_spec("64:1,10:2", p, 8, &np, err, sizeof err) &&
	      strcmp(err, "imix: size 10 is outside 14..9216") == 0, "got \"%s\"", err);
	CHECK(xdperf_imix_parse_spec("64:0", p, 8, &np, err, sizeof err) &&
	      strcmp(err, "imix: \"64:0\": the weight must be at least 1") == 0, "got \"%s\"", err);
	CHECK(xdperf_imix_parse_spec("64:1,128:2,", p, 8, &np, err, sizeof err) &&
	      strcmp(err, "imix: \"\": expected SIZE:WEIGHT") == 0, "got \"%s\"", err);
	CHECK(xdperf_imix_parse_spec("64:1,128:2,256:3", p, 2, &np, err, sizeof err) &&
	      strcmp(err, "imix: more than 2 sizes") == 0, "got \"%s\"", err);
	CHECK(xdperf_imix_parse_spec("64:1, 128:2", p, 8, &np, err, sizeof err) == 0 && np == 2 &&
	      p[1].size == 128 && p[1].weight == 2, "spaces: %s", err);

	/* unequal imix objects */
	for (int i = 0; i < 3; i++)
		free(el[i]);
	el[0] = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":64}]}");
	el[1] = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":65}]}");
	el[2] = tmpl(f[1], 576, NULL, "\"tags\":[\"big\"],\"packet_count\":10");
	j = xasprintf("[%s,%s]", el[0], el[1]);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) &&
	      strcmp(err, "template 1: metadata.imix differs from template 0's (all must be equal)") == 0,
	      "got \"%s\"", err);
	xdperf_template_set_free(in);

	/* no template named: the owner; by tag and by decimal string; unreferenced dropped */
	char *o = tmpl(f[1], 576, NULL, "\"packet_count\":5,\"imix\":{\"patterns\":[{\"size\":100,"
		       "\"weight\":3},{\"size\":200,\"weight\":2,\"template_id\":\"big\"},"
		       "{\"size\":300,\"template_id\":\"0\"}]}");
	j = xasprintf("[%s,%s,%s]", o, el[2], el[2]);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) == 0,
	      "apply: %s", err);
	if (out) {
		/* pattern 0 -> template 0 (100); pattern 1 -> templates 1, 2 (200); pattern 2 -> 0 */
		CHECK(out->n == 4 && out->t[0].len == 100 && out->t[1].len == 200 &&
		      out->t[2].len == 200 && out->t[3].len == 300 && out->t[0].weight == 3 &&
		      out->t[1].weight == 2 && out->t[3].weight == 1, "tag/owner outputs");
		uint64_t sum = 0;
		for (size_t i = 0; i < out->n; i++)
			sum += out->t[i].packet_count;
		CHECK(sum == 25, "count sum %llu", (unsigned long long)sum);
		CHECK(warn[0] == 0, "warn \"%s\"", warn);
	}
	xdperf_template_set_free(out);
	out = NULL;
	xdperf_template_set_free(in);
	free(o);
	o = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":100,\"template\":1}]}");
	j = xasprintf("[%s,%s,%s]", el[2], o, el[2]);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) == 0 &&
	      out->n == 1 && out->t[0].len == 100 && out->t[0].packet_count == 20,
	      "apply: %s", err);
	CHECK(strcmp(warn, "imix: templates 0, 2 are referred to by no pattern: dropped") == 0,
	      "warn \"%s\"", warn);
	xdperf_template_set_free(out);
	out = NULL;
	xdperf_template_set_free(in);
	free(o);
	o = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":100,\"template_id\":\"nope\"}]}");
	j = xasprintf("[%s]", o);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) &&
	      strcmp(err, "template 0: metadata.imix.patterns[0].template_id: no template has the "
		     "tag \"nope\"") == 0, "got \"%s\"", err);
	xdperf_template_set_free(in);
	free(o);
	o = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":100,\"template\":4}]}");
	j = xasprintf("[%s]", o);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) &&
	      strcmp(err, "template 0: metadata.imix.patterns[0].template: no template 4 (1 "
		     "templates)") == 0, "got \"%s\"", err);
	xdperf_template_set_free(in);
	free(o);
	o = tmpl(f[1], 576, NULL, "\"imix\":{\"patterns\":[{\"size\":10}]}");
	j = xasprintf("[%s]", o);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) &&
	      strcmp(err, "template 0: metadata.imix.patterns[0].size: expected an integer in "
		     "14..9216") == 0, "got \"%s\"", err);
	xdperf_template_set_free(in);
	free(o);

	/* no imix, no spec: a copy */
	j = xasprintf("[%s,%s]", el[2], el[2]);
	in = parse(j, err, sizeof err);
	free(j);
	CHECK(in && xdperf_imix_apply(in, NULL, 0, &out, warn, sizeof warn, err, sizeof err) == 0 &&
	      out != in && out->n == 2 && out->t[1].len == 576 && out->t[1].packet_count == 10 &&
	      out->t[1].weight == 0 && memcmp(out->t[1].frame, in->t[1].frame, 576) == 0 &&
	      out->t[1].ntags == 1, "copy: %s", err);
	xdperf_template_set_free(out);
	out = NULL;
	xdperf_template_set_free(in);
	for (int i = 0; i < 3; i++)
		free(el[i]);
}

/* ---- the engine over 10000 packets -------------------------------------------------------- */

static void test_apply(void)
{
	uint8_t f[2048];
	uint16_t n = mkframe(V4UDP, 0, 200, f);
	char err[300] = "";
	char *e = tmpl(f, n, ",\"modifiers\":[{\"target\":" SRC ",\"operation\":{\"type\":\"increment\","
		       "\"data_type\":\"ipv4\"},\"params\":{\"min\":\"10.0.0.1\",\"max\":\"10.0.0.254\"}},"
		       "{\"target\":{\"layer\":\"udp\",\"field\":\"dst_port\"},\"operation\":\"random\","
		       "\"params\":{\"seed\":7}}],\"checksums\":[{\"layer\":\"ipv4\",\"auto_update\":true,"
		       "\"algorithm\":\"internet\"},{\"layer\":\"udp\",\"auto_update\":true}]", NULL);
	char *j = xasprintf("[%s]", e);
	struct xdperf_template_set *s = parse(j, err, sizeof err);
	CHECK(s, "parse: %s", err);
	free(e);
	free(j);
	if (!s)
		return;
	struct xdperf_fe fe;
	uint8_t base[2048], pkt[2048];
	const struct xdperf_fields *fl = &s->t[0].fields;
	int rc = xdperf_fe_compile(s->t[0].frame, s->t[0].len, fl->mod, fl->nmods, fl->csums, fl->spec, fl->nspecs, &fe,
				   base, NULL, 0, err, sizeof err);
	CHECK(rc == 0, "compile: %s", err);
	if (rc == 0) {
		struct xdperf_bpf_fe_state st;
		unsigned bad = 0, seqbad = 0, ports = 0;
		static uint8_t seen[65536];
		xdperf_fe_state_init(&fe, 0, &st);
		memcpy(pkt, base, n);
		for (unsigned i = 0; i < 10000; i++) {
			xdperf_fe_apply(&fe.bpf, &st, pkt);
			if (csums_ok(pkt, n) != 2)
				bad++;
			uint32_t ip = (uint32_t)pkt[26] << 24 | pkt[27] << 16 | pkt[28] << 8 | pkt[29];
			if (ip != 0x0a000001u + i % 254)
				seqbad++;
			uint16_t port = rd16(pkt + 36);
			ports += !seen[port];
			seen[port] = 1;
		}
		CHECK(bad == 0, "%u of 10000 packets with a bad checksum", bad);
		CHECK(seqbad == 0, "%u packets off the increment sequence", seqbad);
		CHECK(ports > 5000, "only %u distinct random ports", ports);
	}
	xdperf_template_set_free(s);
}

int main(void)
{
	test_named();
	test_values();
	test_errors();
	test_resize();
	test_imix();
	test_apply();
	printf("field_json_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
