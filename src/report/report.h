/* Self-contained HTML reports of runs, servers, profiles and ndr searches (internal to
 * libxdperf). The document is a jansson object (docs/reports.md has every key):
 *   {"kind":"run"|"server"|"profile"|"ndr", "title":..., "created":..., "params":{...},
 *    "streams":[{"name":..., "series":{"t":[],"tx_pps":[],"rx_pps":[],"lost":[]}, "sent":N,
 *                "received":N, "lost":N, ..., "latency":{..., "hist":{"le_us":[],"count":[]}}}],
 *    "ndr":{"threshold":x, "line_rate_bps":N, "results":[...], "steps":[...]}}
 * The page draws its charts as inline SVG and fetches nothing when opened. */
#ifndef XDPERF_REPORT_REPORT_H
#define XDPERF_REPORT_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* Writes a self-contained HTML report of doc to path (nothing fetched when opened).
 * doc is a jansson object as below; borrowed. 0 or -errno with one line in err. */
int xdperf_report_write_html(const char *path, const json_t *doc, char *err, size_t errlen);

/* The same page into a malloc'd NUL-terminated string (*out; the caller frees it). 0, -EINVAL
 * (doc malformed: one line in err) or -ENOMEM. */
int xdperf_report_html(const json_t *doc, char **out, size_t *len, char *err, size_t errlen);

#endif
