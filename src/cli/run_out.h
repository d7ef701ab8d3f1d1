/* What `xdperf run` (profiles) prints and writes: the live per-stream lines, the per-stream
 * summary (text or JSON), the server's figures per stream, and the HTML report's document. */
#ifndef XDPERF_CLI_RUN_OUT_H
#define XDPERF_CLI_RUN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "xdperf/server.h"
#include "xdperf/tx.h"

struct run_sout {
	const char *name;
	uint32_t first, n;          /* its templates in the run */
	double target_pps;          /* its pace (0 = as fast as possible) */
	uint64_t count;             /* its count (0 = none) */
	uint32_t burst;             /* frames per burst (1 = evenly spaced) */
	bool stamp;
	struct xdperf_tx_sstats tx; /* sent (the end's figures after the run) */
	uint64_t prev;              /* packets at the last interval */
	double *t, *pps;            /* per-second series: interval ends and rates */
	size_t ns, cap;
	/* from the server (have_srv): the stream's frames of this run, summed over its
	 * (thread, template) sub-streams */
	bool have_srv;
	uint64_t received, unique, duplicated, reordered;
	unsigned substreams;
	struct xdperf_latency lat;  /* merged (hist owned here) */
};

struct run_out {
	struct run_sout *s;
	size_t n;
	bool quiet, json, json_stream;
	double last_t;
	uint64_t last_total_packets, last_total_bytes;
};

/* One second's figures: per-stream rates into the series, and a line on stderr (unless quiet)
 * or an interval object on stdout (json_stream). */
void run_out_interval(struct run_out *o, struct xdperf_tx *tx,
		      const struct xdperf_tx_stats *total, const struct xdperf_tx_stats *iv);
/* After the run: the last (partial) interval's rates into the series, from the streams' end
 * figures (taken into o->s[].tx) and the run's length. */
void run_out_final(struct run_out *o, double seconds);
/* Takes the server's per-stream figures of run run_id into the streams. */
void run_out_server(struct run_out *o, const struct xdperf_server_report *r, uint32_t run_id);
/* The summary: a table on stderr, or the JSON object on stdout (--json, --json-stream's end). */
int run_out_summary(struct run_out *o, const struct xdperf_tx_result *r, const char *profile,
		    const char *server_err, const char *error);
/* The report document (kind "profile"). */
json_t *run_out_doc(const struct run_out *o, const struct xdperf_tx_result *r,
		    const char *profile, int argc, char **argv);
void run_out_free(struct run_out *o);

#endif
