/* The summary of a generator device run (`xdperf -p ... -d IF`): totals, the streams (per
 * template, and per thread and template in --json) and, with --server-addr, what the server
 * received of each stream. Text on stderr, or one JSON object on stdout. */
#ifndef XDPERF_CLI_TX_SUMMARY_H
#define XDPERF_CLI_TX_SUMMARY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "cli/generate.h"
#include "datapath/nicstats.h"
#include "xdperf/server.h"
#include "xdperf/tx.h"

struct tx_summary {
	const struct xdperf_tx_result *r;
	const struct xdperf_tx_stream *streams; /* by thread, then template */
	size_t nstreams;
	size_t ntemplates;        /* of the set sent last */
	unsigned swaps;
	const char *plugin;       /* plugin name or templates file */
	const char *error;        /* the run's error line, or NULL */
	const struct xdperf_server_report *srv; /* --server-addr's report, or NULL */
	const char *srv_error;    /* why there is no report, or NULL */
	const int *cpus;          /* --cpus: the CPUs of the threads (r->threads of them), or NULL */
	const struct dp_nicstats *nic; /* --nic-stats: what changed during the run, or NULL */
	bool rx;                  /* --rx-device: what came back */
	uint64_t rx_packets, rx_bytes;
	double rx_wait_s;         /* how long after the run the count was still read */
};

/* The summary: text on stderr, or with --json one JSON object on stdout, or with --json-stream
 * the end event ({"event":"end","data":SUMMARY}) on stdout. */
void tx_summary_print(const struct gen_args *a, const struct tx_summary *s);

#endif
