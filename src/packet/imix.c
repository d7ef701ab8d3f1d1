/* IMIX: frame resizing, size specs and the expansion of a template set by size and weight
 * (see imix.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/decode.h"
#include "packet/field.h"
#include "packet/imix.h"
#include "packet/layers.h"
#include "util/err.h"
#include "util/bytes.h"

/* ---- resizing ----------------------------------------------------------------------------- */

/* Recomputes the checksum at `ck` over out[lo..hi) with the pseudo-header of ly (or none). */
static void l4_csum(uint8_t *f, const struct xdperf_layers *ly, uint32_t ck, uint32_t lo,
		    uint32_t hi, bool pseudo, bool nonzero)
{
	uint32_t sum = 0;
	put_be16(f + ck, 0);
	if (pseudo) {
		if (ly->ipv == 4)
			sum = xdperf_csum_fold(f + ly->l3 + 12, 8, 0);
		else
			sum = xdperf_csum_fold(f + ly->l3 + 8, 32, 0);
		sum += (hi - lo) + ly->proto;
	}
	uint16_t c = (uint16_t)~xdperf_csum_fold(f + lo, hi - lo, sum);
	if (c == 0 && nonzero)
		c = 0xffff;
	put_be16(f + ck, c);
}

int xdperf_frame_resize(const uint8_t *frame, uint16_t len, uint16_t new_len, uint8_t *out,
			char *err, size_t errlen)
{
	struct xdperf_layers ly;
	uint32_t hdr;

	if (new_len < XDPERF_ETH_HLEN || new_len > XDPERF_TEMPLATE_SLOT) {
		xdperf_errf(err, errlen, "size %u is outside %d..%d", new_len, XDPERF_ETH_HLEN,
			    XDPERF_TEMPLATE_SLOT);
		return -EINVAL;
	}
	if (len < XDPERF_ETH_HLEN) {
		xdperf_errf(err, errlen, "a %u-byte frame has no Ethernet header", len);
		return -EINVAL;
	}
	xdperf_frame_layers(frame, len, &ly);
	if (!ly.ipv) {
		hdr = ly.l3 > XDPERF_ETH_HLEN ? ly.l3 : XDPERF_ETH_HLEN;
	} else {
		if (ly.fragment) {
			xdperf_errf(err, errlen, "the packet is an IP fragment (cannot be resized)");
			return -EINVAL;
		}
		hdr = ly.l4;
		switch (ly.proto) {
		case 17:
			hdr += 8;
			break;
		case 6:
			hdr += 20;
			if (ly.l4 + 13u <= len && (frame[ly.l4 + 12] >> 4) * 4u > 20)
				hdr = ly.l4 + (frame[ly.l4 + 12] >> 4) * 4u;
			break;
		case 1:
		case 58:
			hdr += 8;
			break;
		default:
			break;
		}
	}
	if (hdr > len) {
		xdperf_errf(err, errlen, "the %u-byte frame cuts its headers short (%u bytes)", len,
			    hdr);
		return -EINVAL;
	}
	if (new_len < hdr) {
		xdperf_errf(err, errlen, "%u bytes cannot hold the headers (%u bytes)", new_len, hdr);
		return -EINVAL;
	}
	memcpy(out, frame, len < new_len ? len : new_len);
	if (new_len > len)
		memset(out + len, 0, (size_t)(new_len - len));
	if (!ly.ipv)
		return 0;

	if (ly.ipv == 4) {
		put_be16(out + ly.l3 + 2, (uint32_t)(new_len - ly.l3));
		put_be16(out + ly.l3 + 10, 0);
		put_be16(out + ly.l3 + 10, (uint16_t)~xdperf_csum_fold(out + ly.l3, ly.l4 - ly.l3, 0));
	} else {
		put_be16(out + ly.l3 + 4, (uint32_t)(new_len - ly.l3 - 40));
	}
	switch (ly.proto) {
	case 17:
		put_be16(out + ly.l4 + 4, (uint32_t)(new_len - ly.l4));
		if (ly.ipv == 4 && get_be16(frame + ly.l4 + 6) == 0)
			break; /* no UDP checksum over IPv4 */
		l4_csum(out, &ly, ly.l4 + 6u, ly.l4, new_len, true, true);
		break;
	case 6:
		l4_csum(out, &ly, ly.l4 + 16u, ly.l4, new_len, true, false);
		break;
	case 1:
		if (ly.ipv == 4)
			l4_csum(out, &ly, ly.l4 + 2u, ly.l4, new_len, false, false);
		break;
	case 58:
		if (ly.ipv == 6)
			l4_csum(out, &ly, ly.l4 + 2u, ly.l4, new_len, true, false);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- specs -------------------------------------------------------------------------------- */

/* Digits at *s (moved past them) into *v: 0, -1 when there are none, -2 when they pass max
 * (checked before each digit is added: x * 10 + d never wraps). */
static int parse_uint(const char **s, uint64_t max, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (x > (max - d) / 10)
			return -2;
		x = x * 10 + d;
	}
	*s = p;
	*v = x;
	return 0;
}

int xdperf_imix_parse_spec(const char *spec, struct xdperf_imix_pattern *p, size_t max, size_t *n,
			   char *err, size_t errlen)
{
	if (!spec || !*spec) {
		xdperf_errf(err, errlen, "imix: empty spec (expected \"simple\" or SIZE:WEIGHT,...)");
		return -EINVAL;
	}
	if (strcmp(spec, "simple") == 0)
		spec = "64:7,576:4,1500:1";
	size_t k = 0;
	const char *s = spec;
	for (;;) {
		uint64_t size, weight;
		const char *item = s;
		while (*s == ' ')
			s++;
		const char *digits = s;
		int rs = parse_uint(&s, 65535, &size);
		if (rs == -2) {
			xdperf_errf(err, errlen, "imix: size %.*s is outside %d..%d",
				    (int)strspn(digits, "0123456789"), digits, XDPERF_ETH_HLEN,
				    XDPERF_TEMPLATE_SLOT);
			return -EINVAL;
		}
		if (rs || *s != ':') {
			xdperf_errf(err, errlen, "imix: \"%.*s\": expected SIZE:WEIGHT",
				    (int)strcspn(item, ","), item);
			return -EINVAL;
		}
		s++;
		int rw = parse_uint(&s, INT64_MAX, &weight);
		if (rw == -2) {
			xdperf_errf(err, errlen, "imix: \"%.*s\": the weight must be from 1 to %lld",
				    (int)strcspn(item, ","), item, (long long)INT64_MAX);
			return -EINVAL;
		}
		if (rw || (*s && *s != ',' && *s != ' ')) {
			xdperf_errf(err, errlen, "imix: \"%.*s\": expected SIZE:WEIGHT",
				    (int)strcspn(item, ","), item);
			return -EINVAL;
		}
		while (*s == ' ')
			s++;
		if (size < XDPERF_ETH_HLEN || size > XDPERF_TEMPLATE_SLOT) {
			xdperf_errf(err, errlen, "imix: size %llu is outside %d..%d",
				    (unsigned long long)size, XDPERF_ETH_HLEN, XDPERF_TEMPLATE_SLOT);
			return -EINVAL;
		}
		if (weight == 0) {
			xdperf_errf(err, errlen, "imix: \"%.*s\": the weight must be at least 1",
				    (int)strcspn(item, ","), item);
			return -EINVAL;
		}
		if (k == max) {
			xdperf_errf(err, errlen, "imix: more than %zu sizes", max);
			return -EINVAL;
		}
		p[k++] = (struct xdperf_imix_pattern){ (uint16_t)size, weight, -1 };
		if (!*s)
			break;
		if (*s != ',') {
			xdperf_errf(err, errlen, "imix: \"%.*s\": expected SIZE:WEIGHT",
				    (int)strcspn(item, ","), item);
			return -EINVAL;
		}
		s++;
	}
	*n = k;
	return 0;
}

/* ---- applying ----------------------------------------------------------------------------- */

struct job {
	size_t src;       /* template index in the input */
	uint16_t size;
	uint64_t weight;
	size_t pattern;   /* for messages */
};

/* A pattern of metadata.imix, as read. */
struct mpat {
	uint16_t size;
	uint64_t weight;
	int kind;         /* 0 owner(s), 1 index, 2 tag */
	size_t index;
	const char *tag;
};

static bool has_tag(const struct xdperf_template *t, const char *tag)
{
	for (size_t i = 0; i < t->ntags; i++)
		if (strcmp(t->tags[i], tag) == 0)
			return true;
	return false;
}

static int read_ref(const struct xdperf_template_set *in, size_t owner, size_t k, const char *key,
		    const json_t *v, struct mpat *mp, char *err, size_t errlen)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) >= in->n) {
			xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].%s: no "
				    "template %lld (%zu templates)", owner, k, key,
				    (long long)json_integer_value(v), in->n);
			return -EINVAL;
		}
		mp->kind = 1;
		mp->index = (size_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || !json_string_value(v)[0]) {
		xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].%s: expected a "
			    "template index or tag", owner, k, key);
		return -EINVAL;
	}
	const char *s = json_string_value(v);
	if (strspn(s, "0123456789") == strlen(s)) {
		const char *p = s;
		uint64_t x;
		if (parse_uint(&p, UINT32_MAX, &x) || x >= in->n) {
			xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].%s: no "
				    "template %.20s (%zu templates)", owner, k, key, s, in->n);
			return -EINVAL;
		}
		mp->kind = 1;
		mp->index = (size_t)x;
		return 0;
	}
	for (size_t i = 0; i < in->n; i++)
		if (has_tag(&in->t[i], s)) {
			mp->kind = 2;
			mp->tag = s;
			return 0;
		}
	xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].%s: no template has "
		    "the tag \"%.40s\"", owner, k, key, s);
	return -EINVAL;
}

/* Reads the metadata.imix patterns into jobs. */
static int meta_jobs(const struct xdperf_template_set *in, size_t owner, struct job **jobs,
		     size_t *njobs, char *err, size_t errlen)
{
	const json_t *pats = json_object_get(in->t[owner].imix, "patterns");
	size_t np = json_array_size(pats);
	if (!json_is_array(pats) || np == 0) {
		xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns: expected a non-empty "
			    "array", owner);
		return -EINVAL;
	}
	if (np > XDPERF_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns: %zu patterns exceed "
			    "the limit of %d", owner, np, XDPERF_TEMPLATES_MAX);
		return -EINVAL;
	}
	struct mpat *mp = calloc(np, sizeof *mp);
	if (!mp)
		goto nomem;
	size_t total = 0;
	for (size_t k = 0; k < np; k++) {
		const json_t *p = json_array_get(pats, k), *v;
		if (!json_is_object(p)) {
			xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu]: expected "
				    "an object", owner, k);
			goto inval;
		}
		v = json_object_get(p, "size");
		if (!json_is_integer(v) || json_integer_value(v) < XDPERF_ETH_HLEN ||
		    json_integer_value(v) > XDPERF_TEMPLATE_SLOT) {
			xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].size: "
				    "expected an integer in %d..%d", owner, k, XDPERF_ETH_HLEN,
				    XDPERF_TEMPLATE_SLOT);
			goto inval;
		}
		mp[k].size = (uint16_t)json_integer_value(v);
		v = json_object_get(p, "weight");
		mp[k].weight = 1;
		if (v && !json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 1) {
				xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu].weight: "
					    "expected an integer >= 1", owner, k);
				goto inval;
			}
			mp[k].weight = (uint64_t)json_integer_value(v);
		}
		const char *key = "template";
		v = json_object_get(p, key);
		if (!v || json_is_null(v)) {
			key = "template_id";
			v = json_object_get(p, key);
		}
		if (v && !json_is_null(v) && read_ref(in, owner, k, key, v, &mp[k], err, errlen))
			goto inval;
		for (size_t t = 0; t < in->n; t++) {
			bool m = mp[k].kind == 0 ? in->t[t].imix != NULL :
				 mp[k].kind == 1 ? t == mp[k].index : has_tag(&in->t[t], mp[k].tag);
			total += m;
		}
	}
	if (total > XDPERF_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "imix: %zu templates exceed the limit of %d", total,
			    XDPERF_TEMPLATES_MAX);
		goto inval;
	}
	*jobs = calloc(total ? total : 1, sizeof **jobs);
	if (!*jobs)
		goto nomem;
	size_t j = 0;
	for (size_t k = 0; k < np; k++)
		for (size_t t = 0; t < in->n; t++) {
			bool m = mp[k].kind == 0 ? in->t[t].imix != NULL :
				 mp[k].kind == 1 ? t == mp[k].index : has_tag(&in->t[t], mp[k].tag);
			if (m)
				(*jobs)[j++] = (struct job){ t, mp[k].size, mp[k].weight, k };
		}
	*njobs = j;
	free(mp);
	return 0;
inval:
	free(mp);
	return -EINVAL;
nomem:
	free(mp);
	xdperf_errf(err, errlen, "imix: out of memory");
	return -ENOMEM;
}

/* Splits total over w[0..n) in proportion (largest remainder), into out. */
static void split(uint64_t total, const struct job *jobs, size_t n, uint64_t wsum, uint64_t *out)
{
	unsigned __int128 *rem = calloc(n, sizeof *rem);
	uint64_t given = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)total * jobs[i].weight;
		out[i] = (uint64_t)(p / wsum);
		given += out[i];
		if (rem)
			rem[i] = p % wsum;
	}
	/* total - given < n: hand out one more to the largest remainders (earliest first) */
	while (given < total) {
		size_t best = 0;
		for (size_t i = 1; rem && i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		if (rem)
			rem[best] = 0;
		given++;
	}
	free(rem);
}

static int copy_tags(struct xdperf_template *d, const struct xdperf_template *s)
{
	if (!s->ntags)
		return 0;
	d->tags = calloc(s->ntags, sizeof *d->tags);
	if (!d->tags)
		return -ENOMEM;
	for (size_t i = 0; i < s->ntags; i++) {
		d->tags[i] = strdup(s->tags[i]);
		if (!d->tags[i])
			return -ENOMEM;
		d->ntags = i + 1;
	}
	return 0;
}

int xdperf_imix_apply(const struct xdperf_template_set *in, const struct xdperf_imix_pattern *spec,
		      size_t nspec, struct xdperf_template_set **out, char *warn, size_t warnlen,
		      char *err, size_t errlen)
{
	struct job *jobs = NULL;
	size_t njobs = 0, owner = SIZE_MAX;
	bool copy = false;
	int rc;

	if (warn && warnlen)
		warn[0] = '\0';
	if (!in || !in->n || !out) {
		xdperf_errf(err, errlen, "imix: no templates");
		return -EINVAL;
	}
	if (spec && nspec) {
		for (size_t k = 0; k < nspec; k++)
			if (spec[k].template >= 0 && (uint64_t)spec[k].template >= in->n) {
				xdperf_errf(err, errlen, "imix: pattern %zu: no template %lld (%zu "
					    "templates)", k, (long long)spec[k].template, in->n);
				return -EINVAL;
			}
		for (size_t t = 0; t < in->n; t++)
			for (size_t k = 0; k < nspec; k++)
				njobs += spec[k].template < 0 || (uint64_t)spec[k].template == t;
		if (njobs > XDPERF_TEMPLATES_MAX) {
			xdperf_errf(err, errlen, "imix: %zu templates exceed the limit of %d", njobs,
				    XDPERF_TEMPLATES_MAX);
			return -EINVAL;
		}
		jobs = calloc(njobs ? njobs : 1, sizeof *jobs);
		if (!jobs)
			goto nomem;
		size_t j = 0;
		for (size_t t = 0; t < in->n; t++)
			for (size_t k = 0; k < nspec; k++) {
				if (spec[k].template >= 0 && (uint64_t)spec[k].template != t)
					continue;
				if (spec[k].weight == 0) {
					xdperf_errf(err, errlen, "imix: pattern %zu: the weight must be "
						    "at least 1", k);
					free(jobs);
					return -EINVAL;
				}
				jobs[j++] = (struct job){ t, spec[k].size, spec[k].weight, k };
			}
	} else {
		for (size_t t = 0; t < in->n; t++) {
			if (!in->t[t].imix)
				continue;
			if (owner == SIZE_MAX) {
				owner = t;
			} else if (!json_equal(in->t[t].imix, in->t[owner].imix)) {
				xdperf_errf(err, errlen, "template %zu: metadata.imix differs from "
					    "template %zu's (all must be equal)", t, owner);
				return -EINVAL;
			}
		}
		if (owner == SIZE_MAX) {
			copy = true;
			njobs = in->n;
			jobs = calloc(njobs, sizeof *jobs);
			if (!jobs)
				goto nomem;
			for (size_t t = 0; t < in->n; t++)
				jobs[t] = (struct job){ t, in->t[t].len, in->t[t].weight, 0 };
		} else if ((rc = meta_jobs(in, owner, &jobs, &njobs, err, errlen))) {
			return rc;
		}
	}
	if (njobs == 0) {
		xdperf_errf(err, errlen, "imix: no pattern refers to a template");
		free(jobs);
		return -EINVAL;
	}

	/* packet counts and rates, split by weight */
	uint64_t *counts = calloc(njobs, sizeof *counts), *rates = calloc(njobs, sizeof *rates);
	bool *used = calloc(in->n, sizeof *used);
	if (!counts || !rates || !used) {
		free(counts);
		free(rates);
		free(used);
		goto nomem;
	}
	if (!copy) {
		uint64_t total = 0, rtotal = 0, wsum = 0;
		bool all_rates = true, over = false;
		for (size_t t = 0; t < in->n; t++) {
			over = over || __builtin_add_overflow(total, in->t[t].packet_count, &total);
			all_rates = all_rates && in->t[t].rate_pps > 0;
			over = over || __builtin_add_overflow(rtotal, in->t[t].rate_pps, &rtotal);
		}
		for (size_t j = 0; j < njobs; j++)
			over = over || __builtin_add_overflow(wsum, jobs[j].weight, &wsum);
		if (over) {
			xdperf_errf(err, errlen, "imix: the packet counts, rates or weights add up to "
				    "more than 2^64-1");
			rc = -EINVAL;
			goto fail;
		}
		split(total, jobs, njobs, wsum, counts);
		if (all_rates)
			split(rtotal, jobs, njobs, wsum, rates);
	}

	struct xdperf_template_set *s = calloc(1, sizeof *s);
	if (s)
		s->t = calloc(njobs, sizeof *s->t);
	if (!s || !s->t) {
		free(s);
		s = NULL;
		goto nomem_fail;
	}
	for (size_t j = 0; j < njobs; j++) {
		const struct xdperf_template *src = &in->t[jobs[j].src];
		struct xdperf_template *d = &s->t[j];
		char msg[256];
		s->n = j + 1;
		used[jobs[j].src] = true;
		d->frame = malloc(jobs[j].size);
		if (!d->frame || copy_tags(d, src))
			goto nomem_set;
		d->len = jobs[j].size;
		d->modifiers = src->modifiers ? json_incref(src->modifiers) : NULL;
		d->checksums = src->checksums ? json_incref(src->checksums) : NULL;
		d->imix = src->imix ? json_incref(src->imix) : NULL;
		d->json = src->json ? json_incref(src->json) : NULL;
		d->fields = src->fields;
		xdperf_fields_fix_names(&d->fields);
		d->weight = jobs[j].weight;
		if (copy) {
			memcpy(d->frame, src->frame, src->len);
			d->packet_count = src->packet_count;
			d->rate_pps = src->rate_pps;
			continue;
		}
		d->packet_count = counts[j];
		d->rate_pps = rates[j];
		rc = xdperf_frame_resize(src->frame, src->len, d->len, d->frame, msg, sizeof msg);
		/* a positioned checksum that covered the frame to its end still does */
		for (size_t k = 0; k < d->fields.nspecs; k++)
			if ((size_t)d->fields.spec[k].start + d->fields.spec[k].len == src->len)
				d->fields.spec[k].len = (uint16_t)(d->len > d->fields.spec[k].start ?
								   d->len - d->fields.spec[k].start : 0);
		if (!rc && (d->fields.nmods || d->fields.csums || d->fields.nspecs)) {
			struct xdperf_fe *fe = malloc(sizeof *fe);
			uint8_t *base = malloc(d->len);
			if (!fe || !base) {
				free(fe);
				free(base);
				goto nomem_set;
			}
			rc = xdperf_fe_compile(d->frame, d->len, d->fields.mod, d->fields.nmods,
					       d->fields.csums, d->fields.spec, d->fields.nspecs, fe, base,
					       d->fields.warn,
					       sizeof d->fields.warn, msg, sizeof msg);
			free(fe);
			free(base);
		}
		if (rc) {
			if (spec && nspec)
				xdperf_errf(err, errlen, "template %zu: imix size %u (pattern %zu): %s",
					    jobs[j].src, d->len, jobs[j].pattern, msg);
			else
				xdperf_errf(err, errlen, "template %zu: metadata.imix.patterns[%zu] "
					    "(size %u): %s", jobs[j].src, jobs[j].pattern, d->len, msg);
			xdperf_template_set_free(s);
			goto fail;
		}
	}
	if (warn && warnlen) {
		size_t k = 0, nd = 0;
		for (size_t t = 0; t < in->n; t++)
			nd += !used[t];
		for (size_t t = 0; t < in->n && nd; t++) {
			if (used[t])
				continue;
			if (k == 0)
				k = (size_t)snprintf(warn, warnlen, "imix: template%s ", nd > 1 ? "s" : "");
			if (k < warnlen)
				k += (size_t)snprintf(warn + k, warnlen - k, "%s%zu",
						      warn[k - 1] == ' ' ? "" : ", ", t);
		}
		if (nd && k < warnlen)
			snprintf(warn + k, warnlen - k, " %s referred to by no pattern: dropped",
				 nd > 1 ? "are" : "is");
	}
	free(jobs);
	free(counts);
	free(rates);
	free(used);
	*out = s;
	return 0;

nomem_set:
	xdperf_template_set_free(s);
nomem_fail:
	xdperf_errf(err, errlen, "imix: out of memory");
	rc = -ENOMEM;
fail:
	free(jobs);
	free(counts);
	free(rates);
	free(used);
	return rc;
nomem:
	free(jobs);
	xdperf_errf(err, errlen, "imix: out of memory");
	return -ENOMEM;
}
