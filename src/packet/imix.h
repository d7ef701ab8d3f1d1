/* IMIX: a template set expanded into frames of several sizes with send weights, from a size
 * spec ("simple", "64:7,576:4,1500:1") or from the templates' metadata.imix objects, and the
 * frame resizing this needs (IP / UDP lengths and checksums kept right).
 *
 * metadata.imix = {"patterns":[{"size":64,"weight":7,"template":0}, ...]}: "template" is an
 * index, or (also as "template_id") a string holding a decimal index or a tag; a tag refers to
 * every template carrying it; no template = the template(s) carrying the imix object. All
 * templates that carry an imix object must carry equal ones. weight defaults to 1. */
#ifndef XDPERF_PACKET_IMIX_H
#define XDPERF_PACKET_IMIX_H

#include <stddef.h>
#include <stdint.h>
#include "packet/template.h"

#define XDPERF_IMIX_PATTERNS_MAX 64 /* sizes in a spec */

/* frame[0..len) resized to new_len bytes into out (cut, or padded with zero bytes); the IPv4
 * total length / IPv6 payload length / UDP length are set to fill the new frame, and the IPv4
 * header and UDP/TCP/ICMP/ICMPv6 checksums recomputed when the frame has those headers (a UDP
 * checksum of 0 over IPv4 stays 0). 14 <= new_len <= XDPERF_TEMPLATE_SLOT and new_len must keep
 * the headers (through the L4 header). IP fragments are refused. out may not alias frame.
 * Returns 0 or -EINVAL with one line in err. */
int xdperf_frame_resize(const uint8_t *frame, uint16_t len, uint16_t new_len, uint8_t *out,
			char *err, size_t errlen);

struct xdperf_imix_pattern {
	uint16_t size;     /* frame length (Ethernet header included, FCS excluded) */
	uint64_t weight;   /* >= 1 */
	int64_t template;  /* template index; -1 = each template (spec) / the owner (metadata) */
};

/* "simple" (= 64:7,576:4,1500:1) or "SIZE:WEIGHT,SIZE:WEIGHT,..." (sizes 14..9216, weights
 * >= 1) into p[0..*n) (at most max). Patterns get template -1. Returns 0 or -EINVAL. */
int xdperf_imix_parse_spec(const char *spec, struct xdperf_imix_pattern *p, size_t max, size_t *n,
			   char *err, size_t errlen);

/* A new set in *out (free it with xdperf_template_set_free; in is left as it is):
 *  - nspec > 0: every template of `in` (or, for a pattern with template >= 0, that template)
 *    is expanded into each pattern's size with the pattern's weight (template-major order);
 *  - spec NULL / nspec == 0: the templates' metadata.imix patterns, one output per pattern and
 *    template it refers to (pattern order);
 *  - no spec and no metadata.imix anywhere: *out is a plain copy of `in` (weights untouched).
 * Each output keeps its source's modifiers, checksums, fields, tags, json and imix, has
 * weight = the pattern's weight, and is re-validated by the field engine's compiler at its new
 * length. packet_count: the input's total split over the outputs in proportion to weight
 * (largest remainder: the sum is exact); rate_pps likewise when every input has one, else 0.
 * Templates referred to by no pattern are dropped, named in one line in warn ("" when none).
 * Returns 0, or -EINVAL / -ENOMEM with one line in err (*out untouched). */
int xdperf_imix_apply(const struct xdperf_template_set *in, const struct xdperf_imix_pattern *spec,
		      size_t nspec, struct xdperf_template_set **out, char *warn, size_t warnlen,
		      char *err, size_t errlen);

#endif
