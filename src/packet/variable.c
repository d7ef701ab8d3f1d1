/* The Go xdperf's newer response object (variable.h) into a template set.
 *
 * Raw: each raw_packet_template entry is a template (the first `length` bytes of data; 0 =
 * all), sent in rotation.
 *
 * Variable: each variant (the first 16; weight 0 counts as 1) becomes one template, or one per
 * frame length when a variable_param has byte_start 2^64 - 1 (the length varies; frames are
 * cut or grown with zero bytes, the outer IPv4 total length / IPv6 payload length / UDP
 * length rewritten, through up to two VLAN tags). Every other param (the first 8) becomes a
 * field engine modifier on its bytes, big endian, its values truncated to the field:
 *   sequential  start, start+1, ..., end, start, ...  (increment, wrapping)
 *   mixed       uniform in [start, end]                (random, seeded per variant and param)
 *   ""          always start                           (written into the template)
 * A 6-byte field is a 4-byte modifier on its low bytes when its values keep their top two
 * bytes, else an 8-byte one over it and the two bytes after it (which keep their value).
 * When the length varies, the variant's templates take turns and each param's walk is laid
 * over them (template t of m starts t values in and steps by m), so the variant's packets
 * carry the values in the order one template would give. Lengths: sequential = ascending,
 * mixed = every length equally often in a scattered order, "" = start only.
 *
 * Checksum specs (the first 4) are recomputed in the template and kept up to date per packet
 * by the field engine: IPv4 header checksum when checksum_offset = ip_header_offset + 10,
 * else a transport checksum over [header_start, header_start + header_len) (header_len 0: to
 * the end of the IP packet at ip_header_offset) with the pseudo-header of that IP header;
 * ICMP (protocol 1) has none; over IPv6 the protocol is the one after the extension headers
 * and the destination an SRH's final segment when Segments Left > 0; a UDP result of 0 is
 * sent as 0xffff.
 *
 * Variant shares: pattern sequential with a packet count splits it floor(count * w / W), the
 * remainder to the last variant, as per-template packet counts (the send schedule interleaves
 * the templates in those proportions over the run: exact counts, not one variant after
 * another); pattern mixed, or no count, interleaves them by weight. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/csum_spec.h"
#include "packet/field.h"
#include "packet/imix.h"
#include "packet/variable.h"
#include "util/arith.h"
#include "util/bytes.h"
#include "util/err.h"

#define LEN_VARIES UINT64_MAX
#define U64_TAG "#u64:"
#define PARAMS_MAX XDPERF_FIELD_MODS_MAX

/* ---- big integers ------------------------------------------------------------------------- */

char *xdperf_json_quote_u64(const char *text, size_t len, size_t *outlen)
{
	/* each rewritten literal grows by 7 bytes (quotes and the tag); at most len / 19 of them */
	size_t cap = len + (len / 19 + 1) * 8 + 1, o = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	bool in_str = false;
	for (size_t i = 0; i < len;) {
		char c = text[i];
		if (in_str) {
			out[o++] = c;
			if (c == '\\' && i + 1 < len) {
				out[o++] = text[i + 1];
				i += 2;
				continue;
			}
			if (c == '"')
				in_str = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = true;
			out[o++] = c;
			i++;
			continue;
		}
		bool starts = c >= '0' && c <= '9' && (i == 0 || !((text[i - 1] >= '0' && text[i - 1] <= '9') ||
								  text[i - 1] == '-' || text[i - 1] == '.' ||
								  text[i - 1] == 'e' || text[i - 1] == 'E' ||
								  text[i - 1] == '+'));
		if (starts) {
			size_t j = i;
			while (j < len && text[j] >= '0' && text[j] <= '9')
				j++;
			bool plain = j == len || (text[j] != '.' && text[j] != 'e' && text[j] != 'E');
			size_t nd = j - i;
			/* above INT64_MAX (19 digits, 9223372036854775807) and at most 20 digits */
			bool big = plain && (nd == 20 || (nd == 19 && memcmp(text + i, "9223372036854775807", 19) > 0));
			if (big) {
				out[o++] = '"';
				memcpy(out + o, U64_TAG, strlen(U64_TAG));
				o += strlen(U64_TAG);
				memcpy(out + o, text + i, nd);
				o += nd;
				out[o++] = '"';
			} else {
				memcpy(out + o, text + i, nd);
				o += nd;
			}
			i = j;
			continue;
		}
		out[o++] = c;
		i++;
	}
	out[o] = 0;
	*outlen = o;
	return out;
}

/* A non-negative integer at obj.key (a JSON integer, or a "#u64:" string for one above
 * INT64_MAX). Absent: *v = dflt when !required. */
static int get_u64(json_t *obj, const char *key, const char *path, bool required, uint64_t dflt,
		   uint64_t *v, char *err, size_t errlen)
{
	json_t *x = json_object_get(obj, key);
	if (!x || json_is_null(x)) {
		if (required) {
			xdperf_errf(err, errlen, "%s.%s: missing", path, key);
			return -EINVAL;
		}
		*v = dflt;
		return 0;
	}
	if (json_is_integer(x) && json_integer_value(x) >= 0) {
		*v = (uint64_t)json_integer_value(x);
		return 0;
	}
	const char *s = json_is_string(x) ? json_string_value(x) : NULL;
	if (s && !strncmp(s, U64_TAG, strlen(U64_TAG))) {
		const char *d = s + strlen(U64_TAG);
		uint64_t r = 0;
		bool ok = *d != 0;
		for (; *d && ok; d++)
			ok = *d >= '0' && *d <= '9' && !__builtin_mul_overflow(r, 10, &r) &&
			     !__builtin_add_overflow(r, (uint64_t)(*d - '0'), &r);
		if (ok) {
			*v = r;
			return 0;
		}
		xdperf_errf(err, errlen, "%s.%s: %s is above 2^64 - 1", path, key, s + strlen(U64_TAG));
		return -EINVAL;
	}
	xdperf_errf(err, errlen, "%s.%s: expected an integer >= 0", path, key);
	return -EINVAL;
}

/* base64 data[0..length) of obj ({"data","length"}) into a new buffer. */
static int get_packet(json_t *obj, const char *path, size_t min, size_t max, uint8_t **buf,
		      size_t *len, char *err, size_t errlen)
{
	if (!json_is_object(obj)) {
		xdperf_errf(err, errlen, "%s: %s", path, obj ? "expected an object" : "missing");
		return -EINVAL;
	}
	json_t *d = json_object_get(obj, "data");
	if (!json_is_string(d)) {
		xdperf_errf(err, errlen, "%s.data: %s", path, d ? "expected a base64 string" : "missing");
		return -EINVAL;
	}
	size_t slen = json_string_length(d), got = 0;
	uint8_t *b = malloc(slen / 4 * 3 + 3);
	if (!b) {
		xdperf_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	const char *end = NULL;
	if (sodium_base642bin(b, slen / 4 * 3 + 3, json_string_value(d), slen, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) || end != json_string_value(d) + slen) {
		free(b);
		xdperf_errf(err, errlen, "%s.data: invalid base64", path);
		return -EINVAL;
	}
	uint64_t l;
	int rc = get_u64(obj, "length", path, false, 0, &l, err, errlen);
	if (rc) {
		free(b);
		return rc;
	}
	if (l == 0)
		l = got;
	if (l > got) {
		xdperf_errf(err, errlen, "%s.length %" PRIu64 " is larger than data (%zu bytes)", path, l, got);
		free(b);
		return -EINVAL;
	}
	if (l < min || l > max) {
		xdperf_errf(err, errlen, "%s: a frame of %" PRIu64 " bytes is outside %zu..%zu", path, l, min, max);
		free(b);
		return -EINVAL;
	}
	*buf = b;
	*len = (size_t)l;
	return 0;
}

/* Appends one clause to the warning line ("; " between clauses). */
__attribute__((format(printf, 3, 4)))
static void add_warn(char *warn, size_t warnlen, const char *fmt, ...)
{
	size_t w = strlen(warn);
	if (w + 3 >= warnlen)
		return;
	if (w) {
		memcpy(warn + w, "; ", 3);
		w += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(warn + w, warnlen - w, fmt, ap);
	va_end(ap);
}

/* ---- one variant ---------------------------------------------------------------------------- */

enum pat { PAT_CONST, PAT_SEQ, PAT_MIXED };

struct vparam {
	uint64_t off;
	unsigned size;
	uint64_t start, end;
	enum pat pat;
};

struct variant {
	uint8_t *data;
	size_t len;
	uint64_t weight;
	struct vparam p[PARAMS_MAX];
	size_t np;
	bool has_len;
	struct vparam lenp;
	json_t *csums;   /* borrowed */
	size_t ncsums;
	json_t *json;    /* borrowed */
	uint64_t *lengths; /* m frame lengths, in template order */
	size_t m;
	uint64_t count;  /* packets of this variant (sequential with a count) */
};

static int get_pattern(json_t *obj, const char *key, const char *path, enum pat *p, char *err,
		       size_t errlen)
{
	json_t *x = json_object_get(obj, key);
	const char *s = json_is_string(x) ? json_string_value(x) : x && !json_is_null(x) ? NULL : "";
	if (!s) {
		xdperf_errf(err, errlen, "%s.%s: expected a string", path, key);
		return -EINVAL;
	}
	if (!*s)
		*p = PAT_CONST;
	else if (!strcmp(s, "sequential"))
		*p = PAT_SEQ;
	else if (!strcmp(s, "mixed"))
		*p = PAT_MIXED;
	else {
		xdperf_errf(err, errlen, "%s.%s: \"%.40s\" (sequential, mixed or \"\")", path, key, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_param(json_t *pj, const char *path, struct vparam *vp, char *err, size_t errlen)
{
	if (!json_is_object(pj)) {
		xdperf_errf(err, errlen, "%s: expected an object", path);
		return -EINVAL;
	}
	uint64_t size;
	int rc = get_u64(pj, "byte_start", path, true, 0, &vp->off, err, errlen);
	if (!rc)
		rc = get_u64(pj, "byte_size", path, vp->off != LEN_VARIES, 0, &size, err, errlen);
	if (!rc)
		rc = get_pattern(pj, "pattern_type", path, &vp->pat, err, errlen);
	if (rc)
		return rc;
	json_t *r = json_object_get(pj, "byte_range");
	char rpath[200];
	snprintf(rpath, sizeof rpath, "%s.byte_range", path);
	if (!json_is_object(r)) {
		xdperf_errf(err, errlen, "%s: %s", rpath, r ? "expected an object" : "missing");
		return -EINVAL;
	}
	rc = get_u64(r, "start", rpath, false, 0, &vp->start, err, errlen);
	if (!rc)
		rc = get_u64(r, "end", rpath, false, 0, &vp->end, err, errlen);
	if (rc)
		return rc;
	if (vp->pat != PAT_CONST && vp->start > vp->end) {
		xdperf_errf(err, errlen, "%s: start %" PRIu64 " is above end %" PRIu64, rpath, vp->start, vp->end);
		return -EINVAL;
	}
	if (vp->off == LEN_VARIES) {
		vp->size = 0;
		return 0;
	}
	if (size != 1 && size != 2 && size != 4 && size != 6 && size != 8) {
		xdperf_errf(err, errlen, "%s.byte_size: %" PRIu64 " (1, 2, 4, 6 or 8)", path, size);
		return -EINVAL;
	}
	vp->size = (unsigned)size;
	return 0;
}

static void put_bytes(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The modifier(s) for param vp in frame f[0..len) (constant params are written into f);
 * template t of m (the walk is laid over the variant's templates). */
static int conv_param(const struct vparam *vp, const char *path, uint8_t *f, size_t len, size_t t,
		      size_t m, uint64_t seed, struct xdperf_field_mod *mods, size_t *nmods, char *err,
		      size_t errlen)
{
	if (vp->off + vp->size > len) {
		xdperf_errf(err, errlen, "%s: bytes %" PRIu64 "..%" PRIu64 " are past the end of the %zu-byte frame",
			    path, vp->off, vp->off + vp->size - 1, len);
		return -EINVAL;
	}
	if (vp->pat == PAT_CONST || vp->start == vp->end) {
		put_bytes(f + vp->off, vp->start, vp->size);
		return 0;
	}
	if (*nmods >= XDPERF_FIELD_MODS_MAX) {
		xdperf_errf(err, errlen, "%s: more than %d varying fields", path, XDPERF_FIELD_MODS_MAX);
		return -EINVAL;
	}
	struct xdperf_field_mod md = { .offset = (uint16_t)vp->off, .len = (uint8_t)vp->size,
				       .op = vp->pat == PAT_SEQ ? XDPERF_FIELD_INCREMENT : XDPERF_FIELD_RANDOM,
				       .min = vp->start, .max = vp->end, .truncate = true, .seed = seed,
				       .skip = vp->pat == PAT_SEQ ? t : 0, .stride = vp->pat == PAT_SEQ ? m : 0 };
	if (vp->size == 6) {
		const uint64_t M48 = (1ull << 48) - 1;
		uint64_t span = vp->end - vp->start, s = vp->start & M48;
		if (span < (1ull << 32) && (s >> 32) == ((s + span) >> 32) && s + span <= M48) {
			/* the top two bytes stay: a 4-byte field on the low ones */
			put_bytes(f + vp->off, s >> 32, 2);
			md.offset = (uint16_t)(vp->off + 2);
			md.len = 4;
			md.min = s & 0xffffffffu;
			md.max = md.min + span;
		} else if (vp->off + 8 <= len && span < (1ull << 48)) {
			/* 8 bytes: the value in the top 6, the two after it kept */
			uint64_t low = get_be16(f + vp->off + 6);
			md.len = 8;
			md.min = vp->start << 16 | low;
			md.step = 1u << 16;
			md.max = md.min + (span << 16);
		} else {
			xdperf_errf(err, errlen, "%s: a 6-byte field whose values cross a 2^32 boundary needs "
				    "2 bytes after it in the frame and fewer than 2^48 values", path);
			return -EINVAL;
		}
	}
	mods[(*nmods)++] = md;
	return 0;
}

/* The frame lengths of a variant, in template order. */
static int variant_lengths(struct variant *v, const char *path, char *err, size_t errlen)
{
	if (!v->has_len) {
		v->m = 1;
		v->lengths = malloc(sizeof *v->lengths);
		if (!v->lengths)
			return -ENOMEM;
		v->lengths[0] = v->len;
		return 0;
	}
	const struct vparam *lp = &v->lenp;
	uint64_t lo = lp->start, hi = lp->pat == PAT_CONST ? lp->start : lp->end;
	if (lo < XDPERF_ETH_HLEN || hi > XDPERF_TEMPLATE_SLOT) {
		xdperf_errf(err, errlen, "%s: frame lengths %" PRIu64 "..%" PRIu64 " are outside %d..%d",
			    path, lo, hi, XDPERF_ETH_HLEN, XDPERF_TEMPLATE_SLOT);
		return -EINVAL;
	}
	v->m = (size_t)(hi - lo + 1);
	v->lengths = malloc(v->m * sizeof *v->lengths);
	if (!v->lengths)
		return -ENOMEM;
	/* mixed: a stride coprime to m near m / golden ratio scatters the lengths */
	size_t a = 1;
	if (lp->pat == PAT_MIXED && v->m > 2) {
		a = (size_t)((double)v->m * 0.6180339887498949);
		while (a < v->m && xdperf_gcd(a, v->m) != 1)
			a++;
		if (a >= v->m)
			a = 1;
	}
	for (size_t i = 0; i < v->m; i++)
		v->lengths[i] = lo + (uint64_t)((i * a) % v->m);
	return 0;
}

static void variant_free(struct variant *v)
{
	free(v->data);
	free(v->lengths);
}

static int parse_variant(json_t *vj, size_t i, struct variant *v, char *warn, size_t warnlen,
			 char *err, size_t errlen)
{
	char path[64];
	snprintf(path, sizeof path, "variable_packet_template.variants[%zu]", i);
	if (!json_is_object(vj)) {
		xdperf_errf(err, errlen, "%s: expected an object", path);
		return -EINVAL;
	}
	v->json = vj;
	char bpath[160];
	snprintf(bpath, sizeof bpath, "%s.base_packet", path);
	int rc = get_packet(json_object_get(vj, "base_packet"), bpath, XDPERF_VARIANT_MIN_LEN,
			    XDPERF_VARIANT_MAX_LEN, &v->data, &v->len, err, errlen);
	if (!rc)
		rc = get_u64(vj, "weight", path, false, 1, &v->weight, err, errlen);
	if (rc)
		return rc;
	if (v->weight == 0)
		v->weight = 1;
	json_t *ps = json_object_get(vj, "variable_params");
	if (ps && !json_is_null(ps) && !json_is_array(ps)) {
		xdperf_errf(err, errlen, "%s.variable_params: expected an array", path);
		return -EINVAL;
	}
	size_t n = json_array_size(ps);
	for (size_t k = 0; k < n; k++) {
		char ppath[160];
		snprintf(ppath, sizeof ppath, "%s.variable_params[%zu]", path, k);
		struct vparam vp;
		rc = parse_param(json_array_get(ps, k), ppath, &vp, err, errlen);
		if (rc)
			return rc;
		if (vp.off == LEN_VARIES) {
			if (v->has_len) {
				xdperf_errf(err, errlen, "%s: a second length-varying param", ppath);
				return -EINVAL;
			}
			v->has_len = true;
			v->lenp = vp;
			continue;
		}
		if (v->np == PARAMS_MAX) {
			add_warn(warn, warnlen, "%s: params past the first %d dropped", path, PARAMS_MAX);
			break;
		}
		v->p[v->np++] = vp;
	}
	json_t *cs = json_object_get(vj, "checksums");
	if (cs && !json_is_null(cs) && !json_is_array(cs)) {
		xdperf_errf(err, errlen, "%s.checksums: expected an array", path);
		return -EINVAL;
	}
	v->csums = cs;
	v->ncsums = json_array_size(cs);
	if (v->ncsums > XDPERF_CSUM_SPECS_MAX) {
		add_warn(warn, warnlen, "%s: checksum specs past the first %d dropped", path,
			 XDPERF_CSUM_SPECS_MAX);
		v->ncsums = XDPERF_CSUM_SPECS_MAX;
	}
	return variant_lengths(v, path, err, errlen);
}

/* Template t (frame length v->lengths[t]) of variant i into *d. */
static int build_template(const struct variant *v, size_t i, size_t t, struct xdperf_template *d,
			  char *err, size_t errlen)
{
	char path[64], msg[300];
	snprintf(path, sizeof path, "variable_packet_template.variants[%zu]", i);
	size_t len = (size_t)v->lengths[t];
	uint8_t *f = malloc(len), *base = malloc(len);
	struct xdperf_fe *fe = malloc(sizeof *fe);
	int rc = -ENOMEM;
	if (!f || !base || !fe) {
		xdperf_errf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (len == v->len) {
		memcpy(f, v->data, len);
	} else if ((rc = xdperf_frame_resize(v->data, (uint16_t)v->len, (uint16_t)len, f, msg, sizeof msg))) {
		xdperf_errf(err, errlen, "%s: cannot make a %zu-byte frame of it: %s", path, len, msg);
		goto out;
	}
	struct xdperf_fields *fl = &d->fields;
	memset(fl, 0, sizeof *fl);
	for (size_t k = 0; k < v->np; k++) {
		char ppath[160];
		snprintf(ppath, sizeof ppath, "%s.variable_params[%zu]", path, k);
		size_t before = fl->nmods;
		uint64_t seed = 0x9E3779B97F4A7C15ull * (i * 64 + k + 1) ^ (uint64_t)t * 0xD1B54A32D192ED03ull;
		rc = conv_param(&v->p[k], ppath, f, len, t, v->m, seed, fl->mod, &fl->nmods, err, errlen);
		if (rc)
			goto out;
		if (fl->nmods > before)
			snprintf(fl->names[before], sizeof fl->names[before], "variable_params[%zu]", k);
	}
	for (size_t k = 0; k < v->ncsums; k++) {
		char cpath[160];
		snprintf(cpath, sizeof cpath, "%s.checksums[%zu]", path, k);
		rc = xdperf_csum_spec_json(json_array_get(v->csums, k), cpath, f, len, &fl->spec[k], err,
					   errlen);
		if (rc)
			goto out;
	}
	fl->nspecs = v->ncsums;
	xdperf_fields_fix_names(fl);
	for (size_t k = 0; k < fl->nmods; k++)
		if (!fl->names[k][0])
			fl->mod[k].name = NULL;
	rc = xdperf_fe_compile(f, (uint16_t)len, fl->mod, fl->nmods, 0, fl->spec, fl->nspecs, fe, base,
			       fl->warn, sizeof fl->warn, msg, sizeof msg);
	if (rc) {
		xdperf_errf(err, errlen, "%s: %s", path, msg);
		goto out;
	}
	d->frame = base; /* the checksums made right */
	base = NULL;
	d->len = (uint16_t)len;
	d->json = json_incref(v->json);
	rc = 0;
out:
	free(f);
	free(base);
	free(fe);
	return rc;
}

/* ---- the response ----------------------------------------------------------------------------- */

static struct xdperf_template_set *set_new(size_t n)
{
	struct xdperf_template_set *s = calloc(1, sizeof *s);
	if (s && !(s->t = calloc(n ? n : 1, sizeof *s->t))) {
		free(s);
		s = NULL;
	}
	return s;
}

static int parse_raw(json_t *arr, struct xdperf_template_set **out, char *err, size_t errlen)
{
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		xdperf_errf(err, errlen, "raw_packet_template: %s", !arr ? "missing" :
			    json_is_array(arr) ? "empty" : "expected an array");
		return -EINVAL;
	}
	size_t n = json_array_size(arr);
	if (n > XDPERF_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "raw_packet_template: %zu templates exceed the limit of %d", n,
			    XDPERF_TEMPLATES_MAX);
		return -EINVAL;
	}
	struct xdperf_template_set *s = set_new(n);
	if (!s) {
		xdperf_errf(err, errlen, "response: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "raw_packet_template[%zu]", i);
		size_t len;
		s->n = i + 1;
		int rc = get_packet(json_array_get(arr, i), path, XDPERF_ETH_HLEN, XDPERF_TEMPLATE_SLOT,
				    &s->t[i].frame, &len, err, errlen);
		if (rc) {
			xdperf_template_set_free(s);
			return rc;
		}
		s->t[i].len = (uint16_t)len;
		s->t[i].json = json_incref(json_array_get(arr, i));
		xdperf_fields_fix_names(&s->t[i].fields);
	}
	*out = s;
	return 0;
}

/* count split over the variants by weight: floor(count * w / W), the remainder to the last. */
static void split_count(struct variant *v, size_t n, uint64_t count)
{
	unsigned __int128 W = 0;
	for (size_t i = 0; i < n; i++)
		W += v[i].weight;
	uint64_t given = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		v[i].count = (uint64_t)((unsigned __int128)count * v[i].weight / W);
		given += v[i].count;
	}
	v[n - 1].count = count - given;
}

static int parse_variable(json_t *vt, uint64_t count, struct xdperf_template_set **out, char *warn,
			  size_t warnlen, char *err, size_t errlen)
{
	if (!json_is_object(vt)) {
		xdperf_errf(err, errlen, "variable_packet_template: %s", vt ? "expected an object" : "missing");
		return -EINVAL;
	}
	enum pat vpat;
	int rc = get_pattern(vt, "pattern", "variable_packet_template", &vpat, err, errlen);
	if (rc)
		return rc;
	json_t *vs = json_object_get(vt, "variants");
	if (!json_is_array(vs) || json_array_size(vs) == 0) {
		xdperf_errf(err, errlen, "variable_packet_template.variants: %s", !vs ? "missing" :
			    json_is_array(vs) ? "empty" : "expected an array");
		return -EINVAL;
	}
	size_t nv = json_array_size(vs);
	if (nv > XDPERF_VARIANTS_MAX) {
		add_warn(warn, warnlen, "variants past the first %d dropped (%zu given)", XDPERF_VARIANTS_MAX, nv);
		nv = XDPERF_VARIANTS_MAX;
	}
	struct variant v[XDPERF_VARIANTS_MAX];
	memset(v, 0, sizeof v);
	struct xdperf_template_set *s = NULL;
	size_t total = 0;
	for (size_t i = 0; i < nv; i++) {
		rc = parse_variant(json_array_get(vs, i), i, &v[i], warn, warnlen, err, errlen);
		if (rc)
			goto out;
		total += v[i].m;
	}
	if (total > XDPERF_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "variable_packet_template: its variants and frame lengths make %zu "
			    "templates, over the limit of %d", total, XDPERF_TEMPLATES_MAX);
		rc = -EINVAL;
		goto out;
	}
	bool by_count = vpat != PAT_MIXED && count > 0;
	if (by_count)
		split_count(v, nv, count);
	/* weights without a count: variant weight spread over its lengths (w * L / m) */
	uint64_t L = 1;
	for (size_t i = 0; i < nv && L; i++) {
		uint64_t g = xdperf_gcd(L, v[i].m);
		L = L / g * v[i].m;
		if (L > (1ull << 20))
			L = 0;
	}
	s = set_new(total);
	if (!s) {
		rc = -ENOMEM;
		xdperf_errf(err, errlen, "response: out of memory");
		goto out;
	}
	for (size_t i = 0; i < nv; i++)
		for (size_t t = 0; t < v[i].m; t++) {
			uint64_t c = 0;
			if (by_count) {
				c = v[i].count / v[i].m + (t < v[i].count % v[i].m);
				if (c == 0)
					continue; /* never sent: its share of the count is 0 */
			}
			struct xdperf_template *d = &s->t[s->n++];
			rc = build_template(&v[i], i, t, d, err, errlen);
			if (rc)
				goto out;
			d->packet_count = c;
			if (!by_count)
				d->weight = L ? v[i].weight * (L / v[i].m)
					      : (v[i].weight * 1000000 + v[i].m / 2) / v[i].m + 1;
		}
	if (!L && !by_count) {
		add_warn(warn, warnlen, "variant shares over their frame lengths are rounded to 1/1000000 "
			 "of a weight");
	}
	if (by_count) {
		uint64_t g = 0;
		unsigned __int128 sum = 0;
		for (size_t k = 0; k < s->n; k++)
			g = xdperf_gcd(s->t[k].packet_count, g);
		for (size_t k = 0; k < s->n; k++)
			sum += s->t[k].packet_count / g;
		bool all_equal = true;
		for (size_t k = 1; k < s->n; k++)
			all_equal = all_equal && s->t[k].packet_count == s->t[0].packet_count;
		if (!all_equal && sum > 65536) {
			add_warn(warn, warnlen, "the exact split of %" PRIu64 " packets over the variants "
				 "needs a send cycle of %llu frames, over the schedule's 65536: the split is "
				 "followed to within one cycle (the per-template counters say what was sent)",
				 count, (unsigned long long)sum);
		}
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	xdperf_template_set_free(s);
	for (size_t i = 0; i < nv; i++)
		variant_free(&v[i]);
	return rc;
}

int xdperf_variable_parse(json_t *root, uint64_t count, struct xdperf_template_set **out,
			  char *warn, size_t warnlen, char *err, size_t errlen)
{
	char wbuf[512] = "";
	json_t *tt = json_object_get(root, "template_type");
	const char *type = json_is_string(tt) ? json_string_value(tt) : NULL;
	int rc;
	if (!type) {
		xdperf_errf(err, errlen, "response: template_type: %s", tt ? "expected a string" : "missing");
		return -EINVAL;
	}
	if (!strcmp(type, "raw"))
		rc = parse_raw(json_object_get(root, "raw_packet_template"), out, err, errlen);
	else if (!strcmp(type, "variable"))
		rc = parse_variable(json_object_get(root, "variable_packet_template"), count, out, wbuf,
				    sizeof wbuf, err, errlen);
	else {
		xdperf_errf(err, errlen, "response: template_type: \"%.40s\" (raw or variable)", type);
		return -EINVAL;
	}
	if (warn && warnlen)
		snprintf(warn, warnlen, "%s", wbuf);
	return rc;
}
