/* Modifiers and checksums from a template's JSON into field engine input: see field_json.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "packet/field.h"
#include "packet/field_json.h"
#include "packet/csum_spec.h"
#include "packet/layers.h"
#include "util/bytes.h"
#include "util/err.h"

/* ---- named fields ------------------------------------------------------------------------- */

enum base { B_FRAME, B_L3, B_L4 };

struct named {
	const char *layer, *field;
	enum base base;
	uint16_t off;
	uint8_t len;
};

static const struct named named_fields[] = {
	{ "eth", "dst", B_FRAME, 2, 4 },
	{ "eth", "src", B_FRAME, 8, 4 },
	{ "ipv4", "tos", B_L3, 1, 1 },
	{ "ipv4", "id", B_L3, 4, 2 },
	{ "ipv4", "ttl", B_L3, 8, 1 },
	{ "ipv4", "src_ip", B_L3, 12, 4 },
	{ "ipv4", "dst_ip", B_L3, 16, 4 },
	{ "ipv6", "hop_limit", B_L3, 7, 1 },
	{ "ipv6", "src_ip", B_L3, 16, 8 },
	{ "ipv6", "dst_ip", B_L3, 32, 8 },
	{ "udp", "src_port", B_L4, 0, 2 },
	{ "udp", "dst_port", B_L4, 2, 2 },
	{ "tcp", "src_port", B_L4, 0, 2 },
	{ "tcp", "dst_port", B_L4, 2, 2 },
	{ "tcp", "seq", B_L4, 4, 4 },
	{ "tcp", "ack", B_L4, 8, 4 },
	{ "tcp", "window", B_L4, 14, 2 },
	{ "icmp", "id", B_L4, 4, 2 },
	{ "icmp", "seq", B_L4, 6, 2 },
	{ "icmpv6", "id", B_L4, 4, 2 },
	{ "icmpv6", "seq", B_L4, 6, 2 },
};
#define NNAMED (sizeof named_fields / sizeof named_fields[0])

static const char *const layer_names[] = { "eth", "ipv4", "ipv6", "udp", "tcp", "icmp", "icmpv6" };
static const char *const layer_titles[] = { "Ethernet", "IPv4", "IPv6", "UDP", "TCP", "ICMP",
					    "ICMPv6" };

int xdperf_field_lookup(const char *layer, const char *field, const uint8_t *frame, size_t len,
			uint16_t *off, uint8_t *flen, char *err, size_t errlen)
{
	int li = -1;
	for (size_t i = 0; i < sizeof layer_names / sizeof layer_names[0]; i++)
		if (strcmp(layer, layer_names[i]) == 0)
			li = (int)i;
	if (li < 0) {
		xdperf_errf(err, errlen,
			    "unknown layer \"%.32s\" (expected eth, ipv4, ipv6, udp, tcp, icmp or icmpv6)",
			    layer);
		return -EINVAL;
	}
	const struct named *nf = NULL;
	char valid[96] = "";
	for (size_t i = 0; i < NNAMED; i++) {
		if (strcmp(named_fields[i].layer, layer))
			continue;
		if (strcmp(named_fields[i].field, field) == 0)
			nf = &named_fields[i];
		size_t k = strlen(valid);
		snprintf(valid + k, sizeof valid - k, "%s%s", k ? ", " : "", named_fields[i].field);
	}
	if (!nf) {
		xdperf_errf(err, errlen, "%s.%.32s: unknown field (%s has %s)", layer, field, layer,
			    valid);
		return -EINVAL;
	}
	struct xdperf_layers ly;
	xdperf_frame_layers(frame, len, &ly);
	uint32_t base = 0;
	bool have;
	switch (li) {
	case 0: have = len >= 14; break;
	case 1: have = ly.ipv == 4; break;
	case 2: have = ly.ipv == 6; break;
	case 3: have = ly.ipv && ly.l4 && ly.proto == 17; break;
	case 4: have = ly.ipv && ly.l4 && ly.proto == 6; break;
	case 5: have = ly.ipv == 4 && ly.l4 && ly.proto == 1; break;
	default: have = ly.ipv == 6 && ly.l4 && ly.proto == 58; break;
	}
	if (!have) {
		xdperf_errf(err, errlen, "%s.%s: the frame has no %s header", layer, field,
			    layer_titles[li]);
		return -EINVAL;
	}
	if (nf->base == B_L3)
		base = ly.l3;
	else if (nf->base == B_L4) {
		base = ly.l4;
		if (ly.fragment) {
			xdperf_errf(err, errlen, "%s.%s: the packet is an IP fragment", layer, field);
			return -EINVAL;
		}
	}
	uint32_t o = base + nf->off;
	if (o + nf->len > len) {
		xdperf_errf(err, errlen, "%s.%s: the %s header is cut short by the end of the %zu-byte frame",
			    layer, field, layer_titles[li], len);
		return -EINVAL;
	}
	if (li >= 5) {
		uint8_t type = frame[base];
		bool echo = li == 5 ? (type == 0 || type == 8) : (type == 128 || type == 129);
		if (!echo) {
			xdperf_errf(err, errlen,
				    "%s.%s: the %s message is not an echo request or reply (type %u)",
				    layer, field, layer_titles[li], type);
			return -EINVAL;
		}
	}
	*off = (uint16_t)o;
	*flen = nf->len;
	return 0;
}

/* ---- numbers ------------------------------------------------------------------------------ */

static uint64_t field_max(unsigned len)
{
	return len >= 8 ? UINT64_MAX : (1ull << (8 * len)) - 1;
}

/* Reads a number at `path`: a JSON integer >= 0 or a string (see field_json.h). `flen` is the
 * field length (0 = no fit check, no addresses), ipv6 allows an IPv6 address. */
static int get_number(const json_t *v, const char *path, unsigned flen, bool ipv6, uint64_t *out,
		      char *err, size_t errlen)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0) {
			xdperf_errf(err, errlen, "%s: %lld is negative", path,
				    (long long)json_integer_value(v));
			return -EINVAL;
		}
		*out = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (json_string_length(v) != strlen(s) || !*s)
			goto bad;
		if (strchr(s, ':')) {
			struct in6_addr a6;
			if (!ipv6) {
				xdperf_errf(err, errlen, "%s: \"%.48s\": an IPv6 address is only accepted "
					    "for ipv6.src_ip and ipv6.dst_ip", path, s);
				return -EINVAL;
			}
			if (inet_pton(AF_INET6, s, &a6) != 1)
				goto bad;
			uint64_t m = 0;
			for (int i = 8; i < 16; i++)
				m = m << 8 | a6.s6_addr[i];
			*out = m;
		} else if (strchr(s, '.')) {
			struct in_addr a4;
			if (flen != 4) {
				xdperf_errf(err, errlen, "%s: \"%.48s\": an IPv4 address needs a 4-byte "
					    "field", path, s);
				return -EINVAL;
			}
			if (inet_pton(AF_INET, s, &a4) != 1)
				goto bad;
			*out = ntohl(a4.s_addr);
		} else {
			const char *p = s;
			int base = 10;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				p += 2;
				base = 16;
			}
			uint64_t m = 0;
			if (!*p)
				goto bad;
			for (; *p; p++) {
				int d = xdperf_hexval((unsigned char)*p);
				if (d < 0 || d >= base)
					goto bad;
				if (m > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
					xdperf_errf(err, errlen, "%s: \"%.48s\" exceeds 64 bits", path, s);
					return -EINVAL;
				}
				m = m * (uint64_t)base + (uint64_t)d;
			}
			*out = m;
		}
	} else {
		xdperf_errf(err, errlen, "%s: expected a non-negative integer or a string", path);
		return -EINVAL;
	}
	if (flen && *out > field_max(flen)) {
		xdperf_errf(err, errlen, "%s: %llu does not fit %u byte%s", path,
			    (unsigned long long)*out, flen, flen == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
bad:
	xdperf_errf(err, errlen, "%s: \"%.48s\" is not a number (decimal, 0x-hex%s%s)", path,
		    json_string_value(v), flen == 4 ? ", IPv4 address" : "",
		    ipv6 ? ", IPv6 address" : "");
	return -EINVAL;
}

/* ---- one modifier ------------------------------------------------------------------------- */

static const json_t *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return v && !json_is_null(v) ? v : NULL;
}

static int get_endian(const json_t *v, const char *path, int *little, char *err, size_t errlen)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	if (s && strcasecmp(s, "big") == 0)
		*little = 0;
	else if (s && strcasecmp(s, "little") == 0)
		*little = 1;
	else {
		xdperf_errf(err, errlen, "%s: expected \"big\" or \"little\"", path);
		return -EINVAL;
	}
	return 0;
}

static int parse_mod(size_t i, const json_t *j, const uint8_t *frame, uint16_t len,
		     struct xdperf_fields *out, char *err, size_t errlen)
{
	struct xdperf_field_mod *m = &out->mod[i];
	char *name = out->names[i];
	char path[64], msg[200];
	bool ipv6 = false;
	int rc;

	memset(m, 0, sizeof *m);
	if (!json_is_object(j)) {
		xdperf_errf(err, errlen, "modifiers[%zu]: expected an object", i);
		return -EINVAL;
	}

	/* target */
	const json_t *tg = member(j, "target");
	if (!tg || !json_is_object(tg)) {
		xdperf_errf(err, errlen, "modifiers[%zu].target: %s", i,
			    tg ? "expected an object" : "missing");
		return -EINVAL;
	}
	const json_t *ly = member(tg, "layer"), *fd = member(tg, "field");
	const json_t *of = member(tg, "offset"), *ln = member(tg, "length");
	if ((ly || fd) && of) {
		xdperf_errf(err, errlen, "modifiers[%zu].target: give layer and field, or offset and "
			    "length, not both", i);
		return -EINVAL;
	}
	if (ly || fd) {
		for (int k = 0; k < 2; k++) {
			const json_t *v = k ? fd : ly;
			if (!v || !json_is_string(v)) {
				xdperf_errf(err, errlen, "modifiers[%zu].target.%s: %s", i,
					    k ? "field" : "layer", v ? "expected a string" : "missing");
				return -EINVAL;
			}
		}
		rc = xdperf_field_lookup(json_string_value(ly), json_string_value(fd), frame, len,
					 &m->offset, &m->len, msg, sizeof msg);
		if (rc) {
			xdperf_errf(err, errlen, "modifiers[%zu].target: %s", i, msg);
			return rc;
		}
		snprintf(name, sizeof out->names[i], "%s.%s", json_string_value(ly),
			 json_string_value(fd));
		ipv6 = strcmp(json_string_value(ly), "ipv6") == 0 && m->len == 8;
		if (ln) {
			uint64_t l = 0;
			snprintf(path, sizeof path, "modifiers[%zu].target.length", i);
			if ((rc = get_number(ln, path, 0, false, &l, err, errlen)))
				return rc;
			if (l != m->len) {
				xdperf_errf(err, errlen, "%s: %llu, but %s has %u byte%s", path,
					    (unsigned long long)l, name, m->len, m->len == 1 ? "" : "s");
				return -EINVAL;
			}
		}
	} else if (of) {
		uint64_t o = 0, l = 0;
		snprintf(path, sizeof path, "modifiers[%zu].target.offset", i);
		if ((rc = get_number(of, path, 2, false, &o, err, errlen)))
			return rc;
		if (!ln) {
			xdperf_errf(err, errlen, "modifiers[%zu].target.length: missing", i);
			return -EINVAL;
		}
		snprintf(path, sizeof path, "modifiers[%zu].target.length", i);
		if ((rc = get_number(ln, path, 0, false, &l, err, errlen)))
			return rc;
		if (l != 1 && l != 2 && l != 4 && l != 8) {
			xdperf_errf(err, errlen, "%s: %llu (expected 1, 2, 4 or 8)", path,
				    (unsigned long long)l);
			return -EINVAL;
		}
		if (o + l > len) {
			xdperf_errf(err, errlen, "modifiers[%zu].target: bytes %llu..%llu are past the "
				    "end of the %u-byte frame", i, (unsigned long long)o,
				    (unsigned long long)(o + l - 1), len);
			return -EINVAL;
		}
		m->offset = (uint16_t)o;
		m->len = (uint8_t)l;
		snprintf(name, sizeof out->names[i], "offset %u", m->offset);
	} else {
		xdperf_errf(err, errlen, "modifiers[%zu].target: expected layer and field, or offset "
			    "and length", i);
		return -EINVAL;
	}
	m->name = name;

	/* operation */
	const json_t *op = member(j, "operation"), *type = op, *dt = NULL;
	const char *opath = "operation";
	if (op && json_is_object(op)) {
		type = member(op, "type");
		dt = member(op, "data_type");
		opath = "operation.type";
	}
	if (!type || !json_is_string(type)) {
		xdperf_errf(err, errlen, "modifiers[%zu].%s: %s", i, opath,
			    type ? "expected a string" : "missing");
		return -EINVAL;
	}
	static const char *const ops[] = { "increment", "decrement", "random", "range" };
	int opi = -1;
	for (int k = 0; k < 4; k++)
		if (strcasecmp(json_string_value(type), ops[k]) == 0)
			opi = k;
	if (opi < 0) {
		xdperf_errf(err, errlen, "modifiers[%zu].%s: unknown operation \"%.32s\" (expected "
			    "increment, decrement, random or range)", i, opath,
			    json_string_value(type));
		return -EINVAL;
	}
	m->op = (enum xdperf_field_op)opi;
	if (dt) {
		static const struct { const char *n; unsigned len; } dts[] = {
			{ "uint8", 1 }, { "uint16", 2 }, { "uint32", 4 }, { "uint64", 8 }, { "ipv4", 4 },
		};
		unsigned want = 0;
		const char *s = json_is_string(dt) ? json_string_value(dt) : "";
		for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++)
			if (strcasecmp(s, dts[k].n) == 0)
				want = dts[k].len;
		if (!want) {
			xdperf_errf(err, errlen, "modifiers[%zu].operation.data_type: unknown \"%.32s\" "
				    "(expected uint8, uint16, uint32, uint64 or ipv4)", i, s);
			return -EINVAL;
		}
		if (want != m->len) {
			xdperf_errf(err, errlen, "modifiers[%zu].operation.data_type: %s does not match "
				    "the %u-byte field %s", i, s, m->len, name);
			return -EINVAL;
		}
	}

	/* endian */
	int little = -1, l2 = -1;
	const json_t *e = member(tg, "endian");
	const json_t *pa = member(j, "params");
	if (pa && !json_is_object(pa)) {
		xdperf_errf(err, errlen, "modifiers[%zu].params: expected an object", i);
		return -EINVAL;
	}
	if (e) {
		snprintf(path, sizeof path, "modifiers[%zu].target.endian", i);
		if ((rc = get_endian(e, path, &little, err, errlen)))
			return rc;
	}
	if (pa && (e = member(pa, "endian"))) {
		snprintf(path, sizeof path, "modifiers[%zu].params.endian", i);
		if ((rc = get_endian(e, path, &l2, err, errlen)))
			return rc;
		if (little >= 0 && l2 != little) {
			xdperf_errf(err, errlen, "%s: disagrees with target.endian", path);
			return -EINVAL;
		}
		little = l2;
	}
	m->little_endian = little == 1;

	/* params */
	const json_t *mn = pa ? member(pa, "min") : NULL, *mx = pa ? member(pa, "max") : NULL;
	const json_t *st = pa ? member(pa, "step") : NULL, *sa = pa ? member(pa, "start") : NULL;
	const json_t *sd = pa ? member(pa, "seed") : NULL;
	const json_t *sk = pa ? member(pa, "skip") : NULL, *sr = pa ? member(pa, "stride") : NULL;
	m->step = 1;
	if (mn) {
		snprintf(path, sizeof path, "modifiers[%zu].params.min", i);
		if ((rc = get_number(mn, path, m->len, ipv6, &m->min, err, errlen)))
			return rc;
	}
	if (mx) {
		snprintf(path, sizeof path, "modifiers[%zu].params.max", i);
		if ((rc = get_number(mx, path, m->len, ipv6, &m->max, err, errlen)))
			return rc;
	}
	if (mn && !mx)
		m->max = field_max(m->len);
	if (m->min > m->max) {
		xdperf_errf(err, errlen, "modifiers[%zu].params: min %llu is above max %llu", i,
			    (unsigned long long)m->min, (unsigned long long)m->max);
		return -EINVAL;
	}
	if (st) {
		snprintf(path, sizeof path, "modifiers[%zu].params.step", i);
		if ((rc = get_number(st, path, 0, false, &m->step, err, errlen)))
			return rc;
		if (m->step == 0) {
			xdperf_errf(err, errlen, "%s: must be at least 1", path);
			return -EINVAL;
		}
	}
	if (sa) {
		snprintf(path, sizeof path, "modifiers[%zu].params.start", i);
		if ((rc = get_number(sa, path, m->len, ipv6, &m->start, err, errlen)))
			return rc;
		m->has_start = true;
	}
	if (sd) {
		snprintf(path, sizeof path, "modifiers[%zu].params.seed", i);
		if ((rc = get_number(sd, path, 0, false, &m->seed, err, errlen)))
			return rc;
	}
	/* skip / stride: the walk starts `skip` values in and takes every stride-th value (one
	 * walk laid over templates that take turns) */
	if (sk) {
		snprintf(path, sizeof path, "modifiers[%zu].params.skip", i);
		if ((rc = get_number(sk, path, 0, false, &m->skip, err, errlen)))
			return rc;
	}
	if (sr) {
		snprintf(path, sizeof path, "modifiers[%zu].params.stride", i);
		if ((rc = get_number(sr, path, 0, false, &m->stride, err, errlen)))
			return rc;
		if (m->stride == 0) {
			xdperf_errf(err, errlen, "%s: must be at least 1", path);
			return -EINVAL;
		}
	}
	if ((sk || sr) && m->op == XDPERF_FIELD_RANDOM) {
		xdperf_errf(err, errlen, "modifiers[%zu].params: skip and stride apply to walks, not random", i);
		return -EINVAL;
	}
	return 0;
}

/* ---- checksums ---------------------------------------------------------------------------- */

/* A positioned checksum ({"checksum_offset", "header_start", "header_len",
 * "ip_header_offset"}, the Go xdperf's checksum spec; csum_spec.h) into out->spec. */
static int parse_csum_at(size_t i, const json_t *j, const uint8_t *frame, uint16_t len,
			 struct xdperf_fields *out, char *err, size_t errlen)
{
	char path[32];
	snprintf(path, sizeof path, "checksums[%zu]", i);
	if (out->nspecs == XDPERF_CSUM_SPECS_MAX) {
		xdperf_errf(err, errlen, "%s: more than %d positioned checksums", path, XDPERF_CSUM_SPECS_MAX);
		return -EINVAL;
	}
	int rc = xdperf_csum_spec_json(j, path, frame, len, &out->spec[out->nspecs], err, errlen);
	if (!rc)
		out->nspecs++;
	return rc;
}

static int parse_csum(size_t i, const json_t *j, unsigned *flags, char *err, size_t errlen)
{
	if (!json_is_object(j)) {
		xdperf_errf(err, errlen, "checksums[%zu]: expected an object", i);
		return -EINVAL;
	}
	const json_t *au = member(j, "auto_update");
	if (au && !json_is_boolean(au)) {
		xdperf_errf(err, errlen, "checksums[%zu].auto_update: expected true or false", i);
		return -EINVAL;
	}
	if (!au || !json_is_true(au))
		return 0;
	const json_t *ly = member(j, "layer"), *al = member(j, "algorithm");
	if (!ly || !json_is_string(ly)) {
		xdperf_errf(err, errlen, "checksums[%zu].layer: %s", i,
			    ly ? "expected a string" : "missing");
		return -EINVAL;
	}
	const char *s = json_string_value(ly);
	static const struct { const char *n; unsigned f; } cs[] = {
		{ "ipv4", XDPERF_CSUM_IPV4 }, { "udp", XDPERF_CSUM_UDP }, { "tcp", XDPERF_CSUM_TCP },
		{ "icmp", XDPERF_CSUM_ICMP }, { "icmpv6", XDPERF_CSUM_ICMPV6 },
	};
	unsigned f = 0;
	for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++)
		if (strcasecmp(s, cs[k].n) == 0)
			f = cs[k].f;
	if (!f) {
		if (strcasecmp(s, "ipv6") == 0)
			xdperf_errf(err, errlen, "checksums[%zu].layer: ipv6 has no header checksum", i);
		else
			xdperf_errf(err, errlen, "checksums[%zu].layer: unknown layer \"%.32s\" "
				    "(expected ipv4, udp, tcp, icmp or icmpv6)", i, s);
		return -EINVAL;
	}
	if (al) {
		const char *a = json_is_string(al) ? json_string_value(al) : "";
		if (strcasecmp(a, "internet") && strcasecmp(a, "rfc1071") && strcasecmp(a, "rfc1624")) {
			xdperf_errf(err, errlen, "checksums[%zu].algorithm: unknown \"%.32s\" (expected "
				    "internet, rfc1071 or rfc1624)", i, a);
			return -EINVAL;
		}
	}
	*flags |= f;
	return 0;
}

/* ---- the whole set ------------------------------------------------------------------------ */

void xdperf_fields_fix_names(struct xdperf_fields *f)
{
	for (size_t i = 0; i < f->nmods && i < XDPERF_FIELD_MODS_MAX; i++)
		f->mod[i].name = f->names[i];
}

int xdperf_fields_parse(const json_t *modifiers, const json_t *checksums, const uint8_t *frame,
			uint16_t len, struct xdperf_fields *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (modifiers && !json_is_null(modifiers)) {
		if (!json_is_array(modifiers)) {
			xdperf_errf(err, errlen, "modifiers: expected an array");
			return -EINVAL;
		}
		size_t n = json_array_size(modifiers);
		if (n > XDPERF_FIELD_MODS_MAX) {
			xdperf_errf(err, errlen, "modifiers: %zu modifiers (at most %d per template)", n,
				    XDPERF_FIELD_MODS_MAX);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			rc = parse_mod(i, json_array_get(modifiers, i), frame, len, out, err, errlen);
			if (rc) {
				memset(out, 0, sizeof *out);
				return rc;
			}
			out->nmods = i + 1;
		}
	}
	if (checksums && !json_is_null(checksums)) {
		if (!json_is_array(checksums)) {
			xdperf_errf(err, errlen, "checksums: expected an array");
			return -EINVAL;
		}
		for (size_t i = 0; i < json_array_size(checksums); i++) {
			const json_t *c = json_array_get(checksums, i);
			if (json_is_object(c) && member(c, "checksum_offset"))
				rc = parse_csum_at(i, c, frame, len, out, err, errlen);
			else
				rc = parse_csum(i, c, &out->csums, err, errlen);
			if (rc) {
				memset(out, 0, sizeof *out);
				return rc;
			}
		}
	}
	if (!out->nmods && !out->csums && !out->nspecs)
		return 0;
	struct xdperf_fe *fe = malloc(sizeof *fe);
	uint8_t *base = malloc(len ? len : 1);
	if (!fe || !base) {
		free(fe);
		free(base);
		xdperf_errf(err, errlen, "modifiers: out of memory");
		return -ENOMEM;
	}
	rc = xdperf_fe_compile(frame, len, out->mod, out->nmods, out->csums, out->spec, out->nspecs, fe, base, out->warn,
			       sizeof out->warn, err, errlen);
	free(fe);
	free(base);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- description -------------------------------------------------------------------------- */

static int fmt_value(char *b, size_t n, uint64_t v, bool ip4)
{
	if (ip4)
		return snprintf(b, n, "%u.%u.%u.%u", (unsigned)(v >> 24 & 255),
				(unsigned)(v >> 16 & 255), (unsigned)(v >> 8 & 255),
				(unsigned)(v & 255));
	return snprintf(b, n, "%llu", (unsigned long long)v);
}

size_t xdperf_field_describe(const struct xdperf_field_mod *m, char *buf, size_t len)
{
	static const char *const ops[] = { "increment", "decrement", "random", "range" };
	char nm[64], lo[32], hi[32], extra[96] = "";
	bool named = m->name && strncmp(m->name, "offset ", 7) != 0;
	bool ip4 = named && m->len == 4 && strncmp(m->name, "ipv4.", 5) == 0 &&
		   strstr(m->name, "_ip") != NULL;
	uint64_t mn = m->min, mx = m->max;

	if (named)
		snprintf(nm, sizeof nm, "%s", m->name);
	else
		snprintf(nm, sizeof nm, "offset %u/%u", m->offset, m->len);
	if (mn == 0 && mx == 0)
		mx = field_max(m->len);
	fmt_value(lo, sizeof lo, mn, ip4);
	fmt_value(hi, sizeof hi, mx, ip4);
	size_t k = 0;
	if (m->op == XDPERF_FIELD_INCREMENT || m->op == XDPERF_FIELD_DECREMENT || m->step > 1)
		k += (size_t)snprintf(extra + k, sizeof extra - k, " step %llu",
				      (unsigned long long)(m->step ? m->step : 1));
	if (m->has_start && k < sizeof extra) {
		char sv[32];
		fmt_value(sv, sizeof sv, m->start, ip4);
		k += (size_t)snprintf(extra + k, sizeof extra - k, " start %s", sv);
	}
	if ((m->op == XDPERF_FIELD_RANDOM || m->op == XDPERF_FIELD_RANGE) && k < sizeof extra)
		k += (size_t)snprintf(extra + k, sizeof extra - k, " seed %llu",
				      (unsigned long long)m->seed);
	if (m->skip && k < sizeof extra)
		k += (size_t)snprintf(extra + k, sizeof extra - k, " skip %llu", (unsigned long long)m->skip);
	if (m->stride > 1 && k < sizeof extra)
		k += (size_t)snprintf(extra + k, sizeof extra - k, " stride %llu",
				      (unsigned long long)m->stride);
	if (m->little_endian && k < sizeof extra)
		snprintf(extra + k, sizeof extra - k, " little-endian");
	int r = snprintf(buf, len, "%s %s %s..%s%s", nm,
			 (unsigned)m->op <= XDPERF_FIELD_RANGE ? ops[m->op] : "?", lo, hi, extra);
	return r < 0 ? 0 : (size_t)r;
}
