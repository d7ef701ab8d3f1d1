/* The check every backend makes on a set of frames it is given (at open and at a swap): the
 * contract of struct dp_frames in backend.h. */
#include <errno.h>
#include "datapath/backend.h"
#include "packet/template.h"
#include "util/err.h"
#include "xdperf/tx.h"

_Static_assert(DP_FRAME_MAX == XDPERF_TX_FRAME_MAX && DP_FRAME_MAX == XDPERF_TEMPLATE_SLOT,
	       "one frame limit: the API's, the backends' and the templates'");

int dp_frames_check(const struct dp_frames *f, const char *backend, const char *ifname,
		    char *err, size_t errlen)
{
	if (!f || f->n < 1 || f->n > DP_TEMPLATES_MAX || f->sched_len < 1 ||
	    f->sched_len > DP_SCHED_MAX) {
		xdperf_errf(err, errlen, "%s: nothing to send on %s (templates 1..%u, schedule "
			    "1..%u)", backend, ifname, DP_TEMPLATES_MAX, DP_SCHED_MAX);
		return -EINVAL;
	}
	for (uint32_t t = 0; t < f->n; t++)
		if (f->len[t] < DP_FRAME_MIN || f->len[t] > DP_FRAME_MAX) {
			xdperf_errf(err, errlen, "%s: template %u: %u bytes (%u..%u)", backend, t,
				    f->len[t], DP_FRAME_MIN, DP_FRAME_MAX);
			return -EINVAL;
		}
	for (uint32_t i = 0; i < f->sched_len; i++)
		if (f->sched[i] >= f->n) {
			xdperf_errf(err, errlen, "%s: schedule entry %u names template %u of %u",
				    backend, i, f->sched[i], f->n);
			return -EINVAL;
		}
	return 0;
}
