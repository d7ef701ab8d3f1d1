/* Internals of the module metric store (ctl/metric_store.c) the metrics renderer reads. */
#ifndef XDPERF_CTL_METRIC_STORE_H
#define XDPERF_CTL_METRIC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/admin.h"

/* One worker's share of a series. */
struct ms_part {
	int32_t worker;     /* handle number or XDPERF_WORKER_SHARED / _NONE */
	bool live;          /* the instance that reported last still exists */
	uint64_t instance;  /* that instance (0 once it is gone) */
	double value;       /* its last value (0 once it is gone) */
	double gone;        /* the sum of the last values of this worker's earlier instances */
};

/* One metric of one module version ("ID@VERSION", name): its shares from every worker. */
struct ms_series {
	char name[XDPERF_PROTO_ID_MAX + XDPERF_PROTO_VERSION_MAX]; /* "ID@VERSION" */
	char metric[128];
	bool counter;       /* the name ends in "_total" */
	uint64_t count;     /* reports, all workers */
	uint64_t seen_ns;   /* CLOCK_MONOTONIC of the last report */
	struct ms_part *parts;
	size_t nparts, capparts;
};

/* CLOCK_MONOTONIC in ns (the clock of seen_ns). */
uint64_t ms_now_ns(void);

/* A copy of every series with its parts (free it with ms_snapshot_free) and the count of reports
 * dropped for lack of room. */
int ms_snapshot(struct xdperf_metric_store *m, struct ms_series **out, size_t *n, uint64_t *dropped);
void ms_snapshot_free(struct ms_series *s, size_t n);
/* A counter's value: the sum over its parts of gone + value. */
double ms_counter_value(const struct ms_series *s);
/* Drops the series whose "ID@VERSION" keep() refuses (versions no longer loaded) and that had no
 * report since `since_ns` (a version loaded after the caller's list keeps its series). */
void ms_forget(struct xdperf_metric_store *m, bool (*keep)(void *ctx, const char *name), void *ctx,
	       uint64_t since_ns);

#endif
