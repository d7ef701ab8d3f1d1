/* A capture's frames as a template set (pcap_set.h): in capture order, at most
 * XDPERF_TEMPLATES_MAX, each sent whole; a profile stream's pcap source and
 * xdperf_templates_from_pcap (templates.h). The stream's own pace replaces the capture's
 * timing (`xdperf --pcap` replays a capture of any size with its timing). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/pcap_read.h"
#include "packet/pcap_set.h"
#include "packet/template.h"
#include "util/err.h"

int xdperf_pcap_template_set(const char *path, struct xdperf_template_set **out, char *err,
			     size_t errlen)
{
	char why[512];
	struct xdperf_pcap_reader *r;
	int rc = xdperf_pcap_reader_open(path, &r, why, sizeof why);
	if (rc) {
		xdperf_errf(err, errlen, "pcap: %s", why);
		return rc < 0 ? rc : -EINVAL;
	}
	struct xdperf_template_set *s = calloc(1, sizeof *s);
	if (s)
		s->t = calloc(XDPERF_TEMPLATES_MAX, sizeof *s->t);
	rc = -ENOMEM;
	if (!s || !s->t) {
		xdperf_errf(err, errlen, "out of memory");
		goto out;
	}
	rc = -EINVAL;
	for (;;) {
		const uint8_t *d;
		uint32_t cap, orig;
		uint64_t ts;
		int e = xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, why, sizeof why);
		if (e < 0) {
			xdperf_errf(err, errlen, "pcap: %s", why);
			goto out;
		}
		if (e == 0)
			break;
		size_t i = s->n;
		if (i == XDPERF_TEMPLATES_MAX) {
			xdperf_errf(err, errlen, "pcap %s: more than %d frames (a profile stream sends "
				    "at most %d; xdperf --pcap replays a capture of any size)", path,
				    XDPERF_TEMPLATES_MAX, XDPERF_TEMPLATES_MAX);
			goto out;
		}
		if (cap < orig) {
			xdperf_errf(err, errlen, "pcap %s: frame %zu was captured in part (%u of %u "
				    "bytes)", path, i + 1, cap, orig);
			goto out;
		}
		if (cap < XDPERF_ETH_HLEN || cap > XDPERF_TEMPLATE_SLOT) {
			xdperf_errf(err, errlen, "pcap %s: frame %zu has %u bytes (a frame has %d to "
				    "%d)", path, i + 1, cap, XDPERF_ETH_HLEN, XDPERF_TEMPLATE_SLOT);
			goto out;
		}
		if (!(s->t[i].frame = malloc(cap))) {
			xdperf_errf(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto out;
		}
		memcpy(s->t[i].frame, d, cap);
		s->t[i].len = (uint16_t)cap;
		s->n++;
	}
	if (!s->n) {
		xdperf_errf(err, errlen, "pcap %s: no frames", path);
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
