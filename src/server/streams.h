/* Stamp analysis: per stream (generator run x sender thread x template) sequence tracking — received,
 * distinct, duplicated, reordered, lost (gaps) — and one-way latency histograms. Not thread
 * safe: the server serialises calls. */
#ifndef XDPERF_SERVER_STREAMS_H
#define XDPERF_SERVER_STREAMS_H

#include <stdint.h>
#include "xdperf/server.h"

#define SRV_STREAMS_MAX 4096   /* streams analysed; frames of more are counted, not analysed */
#define SRV_WINDOW 8192        /* sequence numbers remembered below the highest (duplicates
				* older than that count as reordered) */

struct srv_streams;

struct srv_streams *srv_streams_new(void);
void srv_streams_free(struct srv_streams *s);
void srv_streams_clear(struct srv_streams *s);

/* One stamped frame: run, stream, sequence number, send and receive time (ns, CLOCK_TAI). */
void srv_streams_add(struct srv_streams *s, uint32_t run, uint32_t stream, uint64_t seq,
		     uint64_t tx_ns, uint64_t rx_ns);

/* Distinct (stream, sequence number) pairs so far, over all streams. */
uint64_t srv_streams_distinct(const struct srv_streams *s);

/* Fills r->total, r->streams (malloc'd, by run then stream id), r->nstreams, r->runs
 * (malloc'd, by run), r->nruns, r->streams_over_limit. 0 or -ENOMEM. */
int srv_streams_report(const struct srv_streams *s, struct xdperf_server_report *r);

#endif
