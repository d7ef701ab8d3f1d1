/* Metrics of a generator or server run for monitoring systems: Prometheus text on
 * `--metrics ADDR:PORT` (GET /metrics) and OTLP/HTTP JSON pushed to `--otlp-endpoint URL`
 * (POST URL/v1/metrics, once a second and once at the end). The run hands over its counters
 * (run_export_update) as they move; names and labels are in docs/metrics.md. */
#ifndef XDPERF_CTL_RUN_EXPORT_H
#define XDPERF_CTL_RUN_EXPORT_H

#include <stddef.h>
#include <stdint.h>

/* One direction of one device: cumulative since the run started. */
struct run_point {
	const char *direction;  /* "transmit" or "receive" */
	const char *device;
	uint64_t packets, bytes, errors;
};

#define RUN_POINTS_MAX 4

struct run_export;

/* Starts what is asked (prom_addr and/or otlp_url may be NULL). role: "generator" or "server"
 * (the `role` label / attribute). 0, or -errno with one line in err (bad address, port taken,
 * bad URL). */
int run_export_open(const char *prom_addr, const char *otlp_url, const char *role,
		    struct run_export **out, char *err, size_t errlen);

/* The counters now (copied). Any thread. */
void run_export_update(struct run_export *x, const struct run_point *p, size_t n);

/* A source read at every scrape and push instead (counters that can be read from any thread,
 * e.g. the server's): fn fills p[0..RUN_POINTS_MAX) and returns how many. */
void run_export_source(struct run_export *x, size_t (*fn)(void *ctx, struct run_point *p), void *ctx);

/* One last push of the counters given last (waits up to 2 s for the collector), then stops.
 * Returns the OTLP pushes that failed (with the first failure's reason in err), 0 if none.
 * NULL is fine. */
unsigned run_export_close(struct run_export *x, char *err, size_t errlen);

#endif
