/* Internals of the module metric store (ctl/metric_store.c) the metrics renderer reads. */
#ifndef XDPERF_CTL_METRIC_STORE_H
#define XDPERF_CTL_METRIC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/admin.h"

struct ms_series {
	char name[XDPERF_PROTO_ID_MAX + XDPERF_PROTO_VERSION_MAX]; /* "ID@VERSION" */
	char metric[128];
	double value;
	uint64_t ts_ns;
	uint64_t count;
	uint64_t seen_ns;  /* CLOCK_MONOTONIC of the last report */
};

/* CLOCK_MONOTONIC in ns (the clock of seen_ns). */
uint64_t ms_now_ns(void);

/* A copy of every series (*out malloc'd) and the count of reports dropped for lack of room. */
int ms_snapshot(struct xdperf_metric_store *m, struct ms_series **out, size_t *n, uint64_t *dropped);
/* Drops the series whose "ID@VERSION" keep() refuses (versions no longer loaded) and that had no
 * report since `since_ns` (a version loaded after the caller's list keeps its series). */
void ms_forget(struct xdperf_metric_store *m, bool (*keep)(void *ctx, const char *name), void *ctx,
	       uint64_t since_ns);

#endif
