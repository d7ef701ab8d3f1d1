/* A profile stream's pcap source (profile.h): the capture's frames, in capture order, as the
 * stream's templates (at most XDPERF_TEMPLATES_MAX, each sent whole; the stream's own pace
 * replaces the capture's timing — `xdperf --pcap` replays a capture of any size with its
 * timing). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/profile.h"
#include "packet/pcap_read.h"
#include "packet/template.h"

int profile_pcap_set(const char *path, struct xdperf_template_set **out)
{
	char err[512];
	struct xdperf_pcap_reader *r;
	if (xdperf_pcap_reader_open(path, &r, err, sizeof err)) {
		fprintf(stderr, "xdperf: pcap: %s\n", err);
		return 1;
	}
	struct xdperf_template_set *s = calloc(1, sizeof *s);
	if (s)
		s->t = calloc(XDPERF_TEMPLATES_MAX, sizeof *s->t);
	int rc = 1;
	if (!s || !s->t) {
		fprintf(stderr, "xdperf: out of memory\n");
		goto out;
	}
	for (;;) {
		const uint8_t *d;
		uint32_t cap, orig;
		uint64_t ts;
		int e = xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, err, sizeof err);
		if (e < 0) {
			fprintf(stderr, "xdperf: pcap: %s\n", err);
			goto out;
		}
		if (e == 0)
			break;
		size_t i = s->n;
		if (i == XDPERF_TEMPLATES_MAX) {
			fprintf(stderr, "xdperf: pcap %s: more than %d frames (a profile stream sends "
					"at most %d; xdperf --pcap replays a capture of any size)\n",
				path, XDPERF_TEMPLATES_MAX, XDPERF_TEMPLATES_MAX);
			goto out;
		}
		if (cap < orig) {
			fprintf(stderr, "xdperf: pcap %s: frame %zu was captured in part (%u of %u "
					"bytes)\n", path, i + 1, cap, orig);
			goto out;
		}
		if (cap < XDPERF_ETH_HLEN || cap > XDPERF_TEMPLATE_SLOT) {
			fprintf(stderr, "xdperf: pcap %s: frame %zu has %u bytes (a frame has %d to %d)\n",
				path, i + 1, cap, XDPERF_ETH_HLEN, XDPERF_TEMPLATE_SLOT);
			goto out;
		}
		if (!(s->t[i].frame = malloc(cap))) {
			fprintf(stderr, "xdperf: out of memory\n");
			goto out;
		}
		memcpy(s->t[i].frame, d, cap);
		s->t[i].len = (uint16_t)cap;
		s->n++;
	}
	if (!s->n) {
		fprintf(stderr, "xdperf: pcap %s: no frames\n", path);
		goto out;
	}
	rc = 0;
	*out = s;
	s = NULL;
out:
	xdperf_template_set_free(s);
	xdperf_pcap_reader_close(r);
	return rc;
}
