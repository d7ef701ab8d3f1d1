/* Packet templates: a generator plugin's response (JSON) parsed into frames + metadata.
 *
 * Response format (the plugin guide's, as the Go xdperf emitted it before 0.11): a JSON array of
 *   { "template": { "base_packet": { "data": STRING, "length": u16,
 *                                    "type": "base64" (default) | "hex" | "zeros" },
 *                   "modifiers": [...], "checksums": [...] },
 *     "metadata": { "packet_count": u64, "rate_pps": u64, "tags": [STRING...],
 *                   "imix": {...} } }
 *
 * Rules: data decodes; `length` (absent = decoded length) is <= the decoded length (the frame
 * is the first `length` bytes of it) and 14 <= length <= XDPERF_TEMPLATE_SLOT; for "zeros" the
 * frame is `length` zero bytes (data ignored, length required); 1..XDPERF_TEMPLATES_MAX
 * templates. template.modifiers / template.checksums are converted (field_json.h) and checked
 * against the frame by the field engine's compiler. Errors are one line naming the template
 * index and the field, e.g.
 *   template 3: base_packet.data: invalid base64
 *   template 2: modifiers[1].params.max: 70000 does not fit 2 bytes
 * Integers are read through jansson, so packet_count / rate_pps above INT64_MAX are rejected.
 */
#ifndef XDPERF_PACKET_TEMPLATE_H
#define XDPERF_PACKET_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "packet/field_json.h"

#define XDPERF_TEMPLATE_SLOT 9216 /* longest template frame: jumbo, Ethernet header to payload
				   * (no FCS); = XDPERF_TX_FRAME_MAX (xdperf/tx.h) */
#define XDPERF_TEMPLATES_MAX 2048 /* templates per response */
#define XDPERF_ETH_HLEN 14

struct xdperf_template {
	uint8_t *frame;       /* len bytes, owned by the set */
	uint16_t len;         /* 14..XDPERF_TEMPLATE_SLOT */
	uint64_t packet_count; /* metadata.packet_count, 0 if absent */
	uint64_t rate_pps;    /* metadata.rate_pps, 0 if absent */
	char **tags;          /* metadata.tags (copies), ntags entries; NULL if none */
	size_t ntags;
	/* Kept for the field engine; each holds its own reference (released by
	 * xdperf_template_set_free). NULL when absent or JSON null. */
	json_t *modifiers;    /* template.modifiers (array) */
	json_t *checksums;    /* template.checksums (array) */
	json_t *imix;         /* metadata.imix (object) */
	json_t *json;         /* the whole response element, extra fields included */
	/* modifiers + checksums converted and validated against the frame at parse time
	 * (field_json.h); its name pointers point into itself: after copying a template, call
	 * xdperf_fields_fix_names() on the copy */
	struct xdperf_fields fields;
	uint64_t weight;      /* IMIX weight (set by xdperf_imix_apply), 0 = none */
};

struct xdperf_template_set {
	struct xdperf_template *t; /* n entries, in response order */
	size_t n;                  /* 1..XDPERF_TEMPLATES_MAX */
};

/* Parses `len` bytes of JSON text (need not be NUL-terminated).
 * On success returns 0 and stores a new set in *out; the caller owns it and releases it with
 * xdperf_template_set_free(). On failure returns a negative errno (-EINVAL for malformed or
 * invalid input, -ENOMEM), leaves *out untouched and writes a one-line message (no trailing
 * newline) to err (if err != NULL and errlen > 0; truncated to errlen). */
int xdperf_templates_parse(const char *json, size_t len, struct xdperf_template_set **out,
			   char *err, size_t errlen);

/* The same, accepting also the Go xdperf's newer response object (packet/variable.h), whose
 * variant shares depend on the run's packet count (0 = none). What the object form drops past
 * its limits is said in warn (one line, "" when nothing; warn may be NULL). */
int xdperf_templates_parse_count(const char *json, size_t len, uint64_t count,
				 struct xdperf_template_set **out, char *warn, size_t warnlen,
				 char *err, size_t errlen);

struct xdperf_tx_frame;
/* The frames a transmit takes for a set (templates_api.c), pointing into the set: data,
 * modifiers, checksums, rate_pps, and weights (xdperf_schedule_weights). *with_rate (may be
 * NULL) gets how many templates have a rate_pps. NULL when out of memory; free() it. */
struct xdperf_tx_frame *xdperf_template_set_tx_frames(const struct xdperf_template_set *set,
						      size_t *with_rate);
/* Frees the set, its frames and tags, and drops its JSON references. NULL is a no-op. */
void xdperf_template_set_free(struct xdperf_template_set *s);

/* The template of the i-th frame in send order for a total count: templates are cycled
 * through (i % n). Borrowed pointer, valid as long as the set. s must be non-empty. */
static inline const struct xdperf_template *
xdperf_template_at(const struct xdperf_template_set *s, uint64_t i)
{
	return &s->t[i % s->n];
}

#endif
