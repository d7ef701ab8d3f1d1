/* How late frames went against their schedule (the runners' pacing figures: run.c,
 * run_streams.c, replay.c): a histogram of lateness, bucket 0 below 1 us, then buckets
 * 2^(1/4) (~19%) wide; percentiles are the upper edges of their buckets, the maximum exact. */
#ifndef XDPERF_DATAPATH_LATE_H
#define XDPERF_DATAPATH_LATE_H

#include <stdint.h>

#define DP_LATE_BUCKETS 100

struct dp_late {
	uint64_t h[DP_LATE_BUCKETS];
	uint64_t n;      /* frames */
	double sum, max; /* seconds */
};

/* Frames j = 0..n-1 of a send call, frame j being l0 - j / rate seconds late (n 1: rate
 * unused); negative lateness counts as 0. */
void dp_late_add(struct dp_late *l, double l0, uint64_t n, double rate);
/* from's frames into into. */
void dp_late_merge(struct dp_late *into, const struct dp_late *from);
/* The p-th percentile (0 < p <= 1) in microseconds: the upper edge of its bucket, at most the
 * maximum; 0 without frames. */
double dp_late_pct_us(const struct dp_late *l, double p);

#endif
