/* xdperf plugin SDK, xdp_response.c: The response: templates (xdp_resp_add, tags, field modifiers,
 * checksums) and their serialisation as the JSON array of templates the host expects
 * (xdp_resp_write). */
#include "xdp_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

xdp_template *xdp_resp_add(xdp_response *r, const uint8_t *data, size_t len)
{
	if (r->count >= XDP_MAX_TEMPLATES)
		return NULL;
	if (r->count == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		xdp_template *t = realloc(r->templates, ncap * sizeof(*t));
		if (!t)
			return NULL;
		r->templates = t;
		r->cap = ncap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	if (data)
		memcpy(copy, data, len);
	else
		memset(copy, 0, len);
	xdp_template *t = &r->templates[r->count++];
	memset(t, 0, sizeof(*t));
	t->data = copy;
	t->len = len;
	t->packet_count = r->default_count;
	return t;
}

xdp_template *xdp_resp_add_udp(xdp_response *r, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
			       uint16_t dport, size_t plen, int *err)
{
	size_t cap = xdp_l2_len(l2) + xdp_l3_len(l3) + XDP_UDP_HLEN + plen;
	uint8_t *frame = malloc(cap), *payload = malloc(plen ? plen : 1);
	xdp_template *t = NULL;
	*err = XDP_ERR_NOMEM;
	if (frame && payload) {
		for (size_t i = 0; i < plen; i++)
			payload[i] = (uint8_t)(i % 256);
		int len = xdp_build_udp(frame, cap, l2, l3, sport, dport, payload, plen);
		if (len < 0)
			*err = XDP_ERR_GENERATE;
		else
			t = xdp_resp_add(r, frame, (size_t)len);
	}
	free(frame);
	free(payload);
	return t;
}

void xdp_tmpl_tag(xdp_template *t, const char *tag)
{
	if (!t || !tag || t->ntags >= XDP_MAX_TAGS)
		return;
	size_t n = strlen(tag);
	if (n >= XDP_TAG_LEN)
		n = XDP_TAG_LEN - 1;
	memcpy(t->tags[t->ntags], tag, n);
	t->tags[t->ntags][n] = '\0';
	t->ntags++;
}

/* Named fields the host knows, with their width in bytes. */
static const struct {
	const char *name;
	uint8_t width;
} mod_fields[] = {
	{ "eth.src", 4 },        { "eth.dst", 4 },        { "ipv4.tos", 1 },
	{ "ipv4.id", 2 },        { "ipv4.ttl", 1 },       { "ipv4.src_ip", 4 },
	{ "ipv4.dst_ip", 4 },    { "ipv6.src_ip", 8 },    { "ipv6.dst_ip", 8 },
	{ "ipv6.hop_limit", 1 }, { "udp.src_port", 2 },   { "udp.dst_port", 2 },
	{ "tcp.src_port", 2 },   { "tcp.dst_port", 2 },   { "tcp.seq", 4 },
	{ "tcp.ack", 4 },        { "tcp.window", 2 },     { "icmp.id", 2 },
	{ "icmp.seq", 2 },
};

static int mod_field_width(const char *name)
{
	for (size_t i = 0; i < sizeof(mod_fields) / sizeof(mod_fields[0]); i++)
		if (!strcmp(mod_fields[i].name, name))
			return mod_fields[i].width;
	return -1;
}

static int bad_mod(const xdp_modifier *m, const char *why)
{
	if (m->field[0])
		xdp_log(XDP_LOG_ERROR, "modifier %s: %s", m->field, why);
	else
		xdp_log(XDP_LOG_ERROR, "modifier at offset %u: %s", (unsigned)m->offset, why);
	return XDP_ERR_INVALID_CONFIG;
}

int xdp_tmpl_add_mod(xdp_template *t, const xdp_modifier *m)
{
	if (!t || !m)
		return XDP_ERR_INVALID_CONFIG;
	if (t->nmods >= XDP_MAX_MODS)
		return bad_mod(m, "too many modifiers (at most 8 per template)");
	int width;
	if (m->field[0]) {
		if (!memchr(m->field, '\0', sizeof(m->field)) || (width = mod_field_width(m->field)) < 0)
			return bad_mod(m, "unknown field");
		if (m->little_endian)
			return bad_mod(m, "little endian applies to offset/length targets only");
	} else {
		width = m->len;
		if (width != 1 && width != 2 && width != 4 && width != 8)
			return bad_mod(m, "length must be 1, 2, 4 or 8");
		if ((size_t)m->offset + m->len > t->len)
			return bad_mod(m, "field lies outside the base packet");
	}
	if ((unsigned)m->op > XDP_MOD_RANGE)
		return bad_mod(m, "unknown operation");
	uint64_t fmax = width >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
	if (m->min > m->max)
		return bad_mod(m, "min > max");
	if (m->max > fmax)
		return bad_mod(m, "max does not fit the field");
	if (m->has_start && (m->min || m->max) && (m->start < m->min || m->start > m->max))
		return bad_mod(m, "start outside [min, max]");
	if (m->has_start && m->start > fmax)
		return bad_mod(m, "start does not fit the field");
	if ((m->skip || m->stride > 1) && m->op == XDP_MOD_RANDOM)
		return bad_mod(m, "skip and stride apply to walks, not random");
	t->mods[t->nmods++] = *m;
	return 0;
}

int xdp_tmpl_modify(xdp_template *t, const char *field, xdp_mod_op op, uint64_t min,
		    uint64_t max, uint64_t step, uint64_t seed)
{
	xdp_modifier m = { .op = op, .min = min, .max = max, .step = step, .seed = seed };
	if (!field || !field[0] || strlen(field) >= sizeof(m.field))
		return XDP_ERR_INVALID_CONFIG;
	strcpy(m.field, field);
	return xdp_tmpl_add_mod(t, &m);
}

int xdp_tmpl_modify_at(xdp_template *t, uint16_t offset, uint8_t len, xdp_mod_op op,
		       uint64_t min, uint64_t max, uint64_t step, uint64_t seed)
{
	xdp_modifier m = { .offset = offset, .len = len, .op = op, .min = min, .max = max,
			   .step = step, .seed = seed };
	return xdp_tmpl_add_mod(t, &m);
}

void xdp_tmpl_checksums(xdp_template *t, unsigned flags)
{
	if (t)
		t->csums = flags & XDP_CSUM_ALL;
}

int xdp_tmpl_checksum_at(xdp_template *t, uint16_t csum_off, uint16_t header_start,
			 uint16_t header_len, uint16_t ip_off)
{
	if (!t || t->ncsum_at >= XDP_MAX_CSUM_AT || (size_t)csum_off + 2 > t->len ||
	    header_start > t->len || (size_t)header_start + header_len > t->len || ip_off >= t->len)
		return XDP_ERR_INVALID_CONFIG;
	t->csum_at[t->ncsum_at++] = (xdp_csum_at){ csum_off, header_start, header_len, ip_off };
	return 0;
}

/* Integers above 2^53 do not survive a double-based JSON reader: write them as strings. */
static void jw_big_u64(xdp_jw *w, const char *key, uint64_t v)
{
	xdp_jw_key(w, key);
	if (v <= ((uint64_t)1 << 53)) {
		xdp_jw_u64(w, v);
		return;
	}
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	xdp_jw_str(w, tmp);
}

static void write_mods(xdp_jw *w, const xdp_template *t)
{
	static const char *const ops[] = { "increment", "decrement", "random", "range" };
	xdp_jw_key(w, "modifiers");
	xdp_jw_arr_begin(w);
	for (int i = 0; i < t->nmods; i++) {
		const xdp_modifier *m = &t->mods[i];
		xdp_jw_obj_begin(w);
		xdp_jw_key(w, "target");
		xdp_jw_obj_begin(w);
		if (m->field[0]) {
			const char *dot = strchr(m->field, '.');
			xdp_jw_key(w, "layer");
			xdp_jw_strn(w, m->field, (size_t)(dot - m->field));
			xdp_jw_kv_str(w, "field", dot + 1);
		} else {
			xdp_jw_kv_u64(w, "offset", m->offset);
			xdp_jw_kv_u64(w, "length", m->len);
		}
		xdp_jw_obj_end(w);
		xdp_jw_key(w, "operation");
		xdp_jw_obj_begin(w);
		xdp_jw_kv_str(w, "type", ops[m->op]);
		xdp_jw_obj_end(w);
		xdp_jw_key(w, "params");
		xdp_jw_obj_begin(w);
		jw_big_u64(w, "min", m->min);
		jw_big_u64(w, "max", m->max);
		jw_big_u64(w, "step", m->step ? m->step : 1);
		if (m->has_start)
			jw_big_u64(w, "start", m->start);
		if (m->op == XDP_MOD_RANDOM || m->op == XDP_MOD_RANGE)
			jw_big_u64(w, "seed", m->seed);
		if (m->little_endian)
			xdp_jw_kv_str(w, "endian", "little");
		if (m->skip)
			jw_big_u64(w, "skip", m->skip);
		if (m->stride > 1)
			jw_big_u64(w, "stride", m->stride);
		xdp_jw_obj_end(w);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);

	static const char *const layers[] = { "ipv4", "udp", "tcp", "icmp", "icmpv6" };
	xdp_jw_key(w, "checksums");
	xdp_jw_arr_begin(w);
	for (unsigned k = 0; k < 5; k++) {
		if (!(t->csums & (1u << k)))
			continue;
		xdp_jw_obj_begin(w);
		xdp_jw_kv_str(w, "layer", layers[k]);
		xdp_jw_kv_bool(w, "auto_update", true);
		xdp_jw_obj_end(w);
	}
	for (int k = 0; k < t->ncsum_at && k < XDP_MAX_CSUM_AT; k++) {
		const xdp_csum_at *c = &t->csum_at[k];
		xdp_jw_obj_begin(w);
		xdp_jw_kv_u64(w, "checksum_offset", c->off);
		xdp_jw_kv_u64(w, "header_start", c->start);
		xdp_jw_kv_u64(w, "header_len", c->len);
		xdp_jw_kv_u64(w, "ip_header_offset", c->ip);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);
}

int xdp_resp_write(const xdp_response *r, char *buf, size_t cap, size_t *needed)
{
	xdp_jw w;
	xdp_jw_init(&w, buf, cap);
	xdp_jw_arr_begin(&w);
	for (size_t i = 0; i < r->count; i++) {
		const xdp_template *t = &r->templates[i];
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "template");
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "base_packet");
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "data");
		xdp_jw_base64(&w, t->data, t->len);
		xdp_jw_kv_u64(&w, "length", t->len);
		xdp_jw_obj_end(&w);
		write_mods(&w, t);
		xdp_jw_obj_end(&w);
		xdp_jw_key(&w, "metadata");
		xdp_jw_obj_begin(&w);
		xdp_jw_kv_u64(&w, "packet_count", t->packet_count);
		xdp_jw_kv_u64(&w, "rate_pps", t->rate_pps);
		xdp_jw_key(&w, "tags");
		xdp_jw_arr_begin(&w);
		for (int k = 0; k < t->ntags; k++)
			xdp_jw_str(&w, t->tags[k]);
		xdp_jw_arr_end(&w);
		if (r->meta)
			r->meta(&w, i, r->meta_ctx);
		xdp_jw_obj_end(&w);
		xdp_jw_obj_end(&w);
	}
	xdp_jw_arr_end(&w);
	if (needed)
		*needed = w.len;
	return xdp_jw_finish(&w);
}

void xdp_resp_free(xdp_response *r)
{
	xdp_sdk_imix_drop(r);
	for (size_t i = 0; i < r->count; i++)
		free(r->templates[i].data);
	free(r->templates);
	r->templates = NULL;
	r->count = r->cap = 0;
}
