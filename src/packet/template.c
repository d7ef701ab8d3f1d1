/* Packet templates: parsing and validation of a generator plugin's JSON response.
 * See template.h for the format and the rules. */
#include "packet/template.h"
#include "packet/variable.h"
#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>


void xdperf_template_set_free(struct xdperf_template_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct xdperf_template *t = &s->t[i];

		free(t->frame);
		for (size_t j = 0; j < t->ntags; j++)
			free(t->tags[j]);
		free(t->tags);
		json_decref(t->modifiers);
		json_decref(t->checksums);
		json_decref(t->imix);
		json_decref(t->json);
	}
	free(s->t);
	free(s);
}


/* Decodes base_packet.data into a new buffer (*buf, *buflen). Returns 0 or -errno. */
static int decode_data(size_t idx, const char *type, const char *s, size_t slen, uint8_t **buf,
		       size_t *buflen, char *err, size_t errlen)
{
	uint8_t *b;

	if (strcmp(type, "hex") == 0) {
		if (slen % 2) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.data: invalid hex (odd number of digits: %zu)",
				idx, slen);
			return -EINVAL;
		}
		b = malloc(slen / 2 + 1);
		if (!b)
			goto nomem;
		for (size_t i = 0; i < slen; i += 2) {
			int hi = xdperf_hexval((unsigned char)s[i]), lo = xdperf_hexval((unsigned char)s[i + 1]);

			if (hi < 0 || lo < 0) {
				size_t at = hi < 0 ? i : i + 1;
				unsigned char c = (unsigned char)s[at];

				if (c >= 0x20 && c < 0x7f)
					xdperf_errf(err, errlen,
						"template %zu: base_packet.data: invalid hex ('%c' at offset %zu)",
						idx, c, at);
				else
					xdperf_errf(err, errlen,
						"template %zu: base_packet.data: invalid hex (byte 0x%02x at offset %zu)",
						idx, c, at);
				free(b);
				return -EINVAL;
			}
			b[i / 2] = (uint8_t)(hi << 4 | lo);
		}
		*buf = b;
		*buflen = slen / 2;
		return 0;
	}

	/* base64 (original alphabet, padded, no whitespace) */
	size_t max = slen / 4 * 3 + 3, got = 0;
	const char *end = NULL;

	b = malloc(max);
	if (!b)
		goto nomem;
	if (sodium_base642bin(b, max, s, slen, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + slen) {
		xdperf_errf(err, errlen, "template %zu: base_packet.data: invalid base64", idx);
		free(b);
		return -EINVAL;
	}
	*buf = b;
	*buflen = got;
	return 0;
nomem:
	xdperf_errf(err, errlen, "template %zu: out of memory", idx);
	return -ENOMEM;
}

/* Reads an optional non-negative integer member; absent/null -> 0. */
static int get_u64(size_t idx, json_t *obj, const char *key, const char *field, uint64_t *out,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		xdperf_errf(err, errlen, "template %zu: %s: expected a non-negative integer", idx, field);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Optional member that must be of a given kind (array/object) or null; stores a new
 * reference or NULL. */
static int get_json(size_t idx, json_t *obj, const char *key, const char *field,
		    json_type want, json_t **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != want) {
		xdperf_errf(err, errlen, "template %zu: %s: expected %s", idx, field,
			want == JSON_ARRAY ? "an array" : "an object");
		return -EINVAL;
	}
	*out = json_incref(v);
	return 0;
}

static int parse_one(size_t idx, json_t *el, struct xdperf_template *t, char *err,
		     size_t errlen)
{
	json_t *tpl, *bp, *md, *v;
	const char *type = "base64";
	uint8_t *buf = NULL;
	size_t buflen = 0, flen;
	int rc;

	if (!json_is_object(el)) {
		xdperf_errf(err, errlen, "template %zu: not a JSON object", idx);
		return -EINVAL;
	}
	t->json = json_incref(el);

	tpl = json_object_get(el, "template");
	if (!json_is_object(tpl)) {
		xdperf_errf(err, errlen, "template %zu: template: %s", idx,
			tpl ? "expected an object" : "missing");
		return -EINVAL;
	}
	bp = json_object_get(tpl, "base_packet");
	if (!json_is_object(bp)) {
		xdperf_errf(err, errlen, "template %zu: base_packet: %s", idx,
			bp ? "expected an object" : "missing");
		return -EINVAL;
	}

	v = json_object_get(bp, "type");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			xdperf_errf(err, errlen, "template %zu: base_packet.type: expected a string", idx);
			return -EINVAL;
		}
		type = json_string_value(v);
		if (strcmp(type, "base64") && strcmp(type, "hex") && strcmp(type, "zeros")) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.type: unknown type \"%.40s\" (expected base64, hex or zeros)",
				idx, type);
			return -EINVAL;
		}
	}

	int have_len = 0;
	json_int_t len = 0;

	v = json_object_get(bp, "length");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT16_MAX) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.length: expected an integer in 0..65535", idx);
			return -EINVAL;
		}
		have_len = 1;
		len = json_integer_value(v);
		if (len > XDPERF_TEMPLATE_SLOT) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.length %lld is above the %d-byte frame limit",
				idx, (long long)len, XDPERF_TEMPLATE_SLOT);
			return -EINVAL;
		}
	}

	v = json_object_get(bp, "data");
	if (v && !json_is_null(v) && !json_is_string(v)) {
		xdperf_errf(err, errlen, "template %zu: base_packet.data: expected a string", idx);
		return -EINVAL;
	}
	if (strcmp(type, "zeros") == 0) {
		if (!have_len) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.length: required for type zeros", idx);
			return -EINVAL;
		}
		flen = (size_t)len;
		buf = calloc(1, flen ? flen : 1);
		if (!buf) {
			xdperf_errf(err, errlen, "template %zu: out of memory", idx);
			return -ENOMEM;
		}
	} else {
		if (!json_is_string(v)) {
			xdperf_errf(err, errlen, "template %zu: base_packet.data: missing", idx);
			return -EINVAL;
		}
		rc = decode_data(idx, type, json_string_value(v), json_string_length(v), &buf,
				 &buflen, err, errlen);
		if (rc)
			return rc;
		if (have_len && (size_t)len > buflen) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.length %lld is larger than data (%zu bytes)",
				idx, (long long)len, buflen);
			free(buf);
			return -EINVAL;
		}
		if (!have_len && buflen > XDPERF_TEMPLATE_SLOT) {
			xdperf_errf(err, errlen,
				"template %zu: base_packet.data: %zu bytes are above the %d-byte frame limit",
				idx, buflen, XDPERF_TEMPLATE_SLOT);
			free(buf);
			return -EINVAL;
		}
		flen = have_len ? (size_t)len : buflen;
	}
	if (flen < XDPERF_ETH_HLEN) {
		xdperf_errf(err, errlen,
			"template %zu: frame of %zu bytes is shorter than an Ethernet header (%d)",
			idx, flen, XDPERF_ETH_HLEN);
		free(buf);
		return -EINVAL;
	}
	t->frame = buf;
	t->len = (uint16_t)flen;

	rc = get_json(idx, tpl, "modifiers", "template.modifiers", JSON_ARRAY, &t->modifiers,
		      err, errlen);
	if (!rc)
		rc = get_json(idx, tpl, "checksums", "template.checksums", JSON_ARRAY,
			      &t->checksums, err, errlen);
	if (rc)
		return rc;
	char msg[256];
	rc = xdperf_fields_parse(t->modifiers, t->checksums, t->frame, t->len, &t->fields, msg,
				 sizeof msg);
	if (rc) {
		xdperf_errf(err, errlen, "template %zu: %s", idx, msg);
		return rc;
	}

	md = json_object_get(el, "metadata");
	if (!md || json_is_null(md))
		return 0;
	if (!json_is_object(md)) {
		xdperf_errf(err, errlen, "template %zu: metadata: expected an object", idx);
		return -EINVAL;
	}
	rc = get_u64(idx, md, "packet_count", "metadata.packet_count", &t->packet_count, err,
		     errlen);
	if (!rc)
		rc = get_u64(idx, md, "rate_pps", "metadata.rate_pps", &t->rate_pps, err, errlen);
	if (!rc)
		rc = get_json(idx, md, "imix", "metadata.imix", JSON_OBJECT, &t->imix, err,
			      errlen);
	if (rc)
		return rc;

	v = json_object_get(md, "tags");
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		xdperf_errf(err, errlen, "template %zu: metadata.tags: expected an array of strings",
			idx);
		return -EINVAL;
	}
	size_t n = json_array_size(v);

	if (n == 0)
		return 0;
	t->tags = calloc(n, sizeof(*t->tags));
	if (!t->tags) {
		xdperf_errf(err, errlen, "template %zu: out of memory", idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(v, i);

		if (!json_is_string(s)) {
			xdperf_errf(err, errlen, "template %zu: metadata.tags[%zu]: expected a string",
				idx, i);
			return -EINVAL;
		}
		t->tags[i] = strndup(json_string_value(s), json_string_length(s));
		if (!t->tags[i]) {
			xdperf_errf(err, errlen, "template %zu: out of memory", idx);
			return -ENOMEM;
		}
		t->ntags = i + 1;
	}
	return 0;
}

int xdperf_templates_parse(const char *json, size_t len, struct xdperf_template_set **out,
			   char *err, size_t errlen)
{
	return xdperf_templates_parse_count(json, len, 0, out, NULL, 0, err, errlen);
}

int xdperf_templates_parse_count(const char *json, size_t len, uint64_t count,
				 struct xdperf_template_set **out, char *warn, size_t warnlen,
				 char *err, size_t errlen)
{
	struct xdperf_template_set *s;
	json_error_t jerr;
	json_t *root;
	size_t n;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (warn && warnlen)
		warn[0] = '\0';
	if (!json || !out) {
		xdperf_errf(err, errlen, "response: no input");
		return -EINVAL;
	}
	size_t i0 = 0;
	while (i0 < len && (json[i0] == ' ' || json[i0] == '\t' || json[i0] == '\r' || json[i0] == '\n'))
		i0++;
	if (i0 < len && json[i0] == '{') {
		/* the newer object form: its byte_start may be 2^64 - 1, beyond jansson's integers */
		size_t qlen;
		char *q = xdperf_json_quote_u64(json, len, &qlen);
		if (!q) {
			xdperf_errf(err, errlen, "response: out of memory");
			return -ENOMEM;
		}
		root = json_loadb(q, qlen, 0, &jerr);
		free(q);
		if (!root) {
			xdperf_errf(err, errlen, "response: invalid JSON at line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
			return -EINVAL;
		}
		rc = xdperf_variable_parse(root, count, out, warn, warnlen, err, errlen);
		json_decref(root);
		return rc;
	}
	root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	if (!root) {
		xdperf_errf(err, errlen, "response: invalid JSON at line %d column %d: %s", jerr.line,
			jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_array(root)) {
		xdperf_errf(err, errlen, "response: not a JSON array (the plugin guide's form) or object "
			    "(the Go xdperf 0.11 form)");
		json_decref(root);
		return -EINVAL;
	}
	n = json_array_size(root);
	if (n == 0) {
		xdperf_errf(err, errlen, "response: empty template array");
		json_decref(root);
		return -EINVAL;
	}
	if (n > XDPERF_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "response: %zu templates exceed the limit of %d", n,
			XDPERF_TEMPLATES_MAX);
		json_decref(root);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->t = calloc(n, sizeof(*s->t));
	if (!s || !s->t) {
		free(s);
		json_decref(root);
		xdperf_errf(err, errlen, "response: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		s->n = i + 1; /* the entry being filled is freed with the set on failure */
		rc = parse_one(i, json_array_get(root, i), &s->t[i], err, errlen);
		if (rc) {
			xdperf_template_set_free(s);
			json_decref(root);
			return rc;
		}
	}
	json_decref(root);
	*out = s;
	return 0;
}
