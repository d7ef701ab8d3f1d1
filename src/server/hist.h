/* Latency histogram: log-linear buckets (exact below 64 ns, then 32 per power of two, so a
 * percentile read from it is within about 3% of the true value), with exact count, sum, min
 * and max alongside. */
#ifndef XDPERF_SERVER_HIST_H
#define XDPERF_SERVER_HIST_H

#include <stddef.h>
#include <stdint.h>
#include "xdperf/server.h"

#define SRV_HIST_BUCKETS (64 + 58 * 32)

struct srv_hist {
	uint64_t count, min, max;
	double sum;
	uint32_t b[SRV_HIST_BUCKETS];
};

void srv_hist_add(struct srv_hist *h, uint64_t v);

/* Adds every sample of src to dst. */
void srv_hist_merge(struct srv_hist *dst, const struct srv_hist *src);

/* The value below which a fraction q (0..1) of the samples lie (a bucket's midpoint, clamped
 * to [min, max]); 0 when empty. */
uint64_t srv_hist_quantile(const struct srv_hist *h, double q);

/* The non-empty buckets in ascending order (malloc'd into *out, *n of them; NULL and 0 when
 * empty). 0 or -ENOMEM. */
int srv_hist_buckets(const struct srv_hist *h, struct xdperf_latency_bucket **out, size_t *n);

#endif
