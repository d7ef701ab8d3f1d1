/* Template sets (part of libxdperf): a generator plugin's answer, in either of the Go
 * xdperf's forms (the array of templates, or 0.11's object with raw and variable templates), a
 * template file (`xdperf --templates`) or a capture's frames, turned into the frames a transmit
 * takes, with everything the answer carries: each frame's field modifiers and checksums
 * (field.h), its rate_pps, and IMIX weights (metadata.imix, or an IMIX spec for every
 * template). What `xdperf` itself sends from a plugin or a template file comes through the
 * same code.
 *
 *   struct xdperf_templates *t;
 *   LIBXDPERF_OPTS(xdperf_templates_opts, o, .count = 1000000);
 *   if (xdperf_templates_from_file("t.json", &o, &t, err, sizeof err) == 0) {
 *           xdperf_tx_new("eth0", xdperf_templates_frames(t), xdperf_templates_n(t), ...);
 *           xdperf_templates_free(t);   // after xdperf_tx_new: it copies what it keeps
 *   }
 */
#ifndef XDPERF_TEMPLATES_H
#define XDPERF_TEMPLATES_H

#include <stddef.h>
#include <stdint.h>
#include "xdperf/tx.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xdperf_templates;

struct xdperf_templates_opts {
	size_t sz;          /* sizeof(struct xdperf_templates_opts) */
	uint64_t count;     /* the run's packet count, 0 = none: the 0.11 object form's variant
			     * shares and metadata.packet_count splits are taken over it */
	const char *imix;   /* an IMIX spec for every template: "simple" or "SIZE:WEIGHT,..."
			     * (docs/imix.md); NULL = each template's own metadata.imix, if any */
};

/* Parses len bytes of JSON text (need not be NUL-terminated) into a new set in *out (owned by
 * the caller: xdperf_templates_free). 0, or -EINVAL (malformed or invalid: the message names
 * the template and the field, e.g. "template 2: modifiers[1].params.max: 70000 does not fit
 * 2 bytes") / -ENOMEM, with one line in err and *out untouched. opts may be NULL. */
int xdperf_templates_from_json(const char *json, size_t len, const struct xdperf_templates_opts *opts,
			   struct xdperf_templates **out, char *err, size_t errlen);
/* The same for a file (at most 64 MiB); a file that cannot be read is -ENOENT, -EACCES, ...
 * with the file named in err. */
int xdperf_templates_from_file(const char *path, const struct xdperf_templates_opts *opts,
			       struct xdperf_templates **out, char *err, size_t errlen);
/* The frames of a capture (pcap or pcapng, Ethernet), in capture order: at most 2048, each
 * whole (none cut short by the capture's snap length), 14..9216 bytes; a run's pace replaces
 * the capture's timing (xdperf_replay in replay.h keeps it and takes any size). opts.imix must
 * be NULL. 0, or -errno with one line naming the file and, for a bad frame, its number. */
int xdperf_templates_from_pcap(const char *path, const struct xdperf_templates_opts *opts,
			       struct xdperf_templates **out, char *err, size_t errlen);

/* The frames, in send order (1..2048 of them). Borrowed: the frames, their data, modifiers
 * and checksum specs live as long as the set. */
size_t xdperf_templates_n(const struct xdperf_templates *t);
const struct xdperf_tx_frame *xdperf_templates_frames(const struct xdperf_templates *t);
/* What parsing dropped or would not keep right, as lines ("" when nothing): variants past the
 * object form's limits, templates no IMIX pattern refers to, a modified field whose checksum
 * nothing updates, rates given to only some frames (then the frames are sent in turn).
 * Borrowed, valid as long as the set. */
const char *xdperf_templates_warnings(const struct xdperf_templates *t);
/* Frees the set. NULL is a no-op. */
void xdperf_templates_free(struct xdperf_templates *t);

#ifdef __cplusplus
}
#endif
#endif
