/* The Go xdperf's newer response (its 0.11 plugins): one JSON object instead of an array,
 *   {"template_type": "raw" | "variable",
 *    "raw_packet_template": [{"data": B64, "length": N}, ...],
 *    "variable_packet_template": {"pattern": "sequential" | "mixed", "variants": [{
 *        "base_packet": {"data": B64, "length": N}, "weight": N,
 *        "variable_params": [{"byte_start": N, "byte_size": 1|2|4|6|8,
 *                             "byte_range": {"start": N, "end": N},
 *                             "pattern_type": "sequential" | "mixed" | ""}],
 *        "checksums": [{"checksum_offset": N, "header_start": N, "header_len": N,
 *                       "ip_header_offset": N}]}]}}
 * turned into a template set the field engine and send schedule run as they run the array
 * form (docs/plugin-abi.md has the rules and how each maps; this file's top comment in
 * variable.c the details). */
#ifndef XDPERF_PACKET_VARIABLE_H
#define XDPERF_PACKET_VARIABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "packet/template.h"

#define XDPERF_VARIANTS_MAX 16      /* variants used (more are dropped, with a warning) */
#define XDPERF_VARIANT_MIN_LEN 64   /* base frame length bounds */
#define XDPERF_VARIANT_MAX_LEN XDPERF_TEMPLATE_SLOT

/* Rewrites every integer literal of text[0..len) above INT64_MAX (up to 2^64 - 1) as the
 * string "#u64:DIGITS" so that jansson, which holds integers as int64, reads it; strings are
 * left alone. Returns a malloc'd NUL-terminated copy (its length in *outlen) or NULL. */
char *xdperf_json_quote_u64(const char *text, size_t len, size_t *outlen);

/* Converts the response object `root` for a run of `count` packets (0: no count, e.g. a
 * --duration run) into *out (free it with xdperf_template_set_free). What is dropped past
 * a limit is said in warn (one line; "" when nothing). 0, or -EINVAL / -ENOMEM with one line
 * in err naming the JSON path. */
int xdperf_variable_parse(json_t *root, uint64_t count, struct xdperf_template_set **out,
			  char *warn, size_t warnlen, char *err, size_t errlen);

#endif
