/* --report FILE.html of a generator device run: the per-second series gathered from the
 * progress callback, then the document (src/cli/report_params.h) built from the run's summary
 * (streams from xdperf_tx_streams, the server's per-stream report with --server-addr) and
 * written by the renderer (src/report/). */
#ifndef XDPERF_CLI_GEN_REPORT_H
#define XDPERF_CLI_GEN_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "cli/generate.h"
#include "cli/tx_summary.h"
#include "xdperf/tx.h"

struct gen_report;

struct gen_report *gen_report_new(void);
void gen_report_free(struct gen_report *g);

/* One interval, from the last one to `end` (seconds of the run), with the run's totals then
 * and, with --rx-device (have_rx), the frames that came back so far. Like a --json-stream
 * interval object: a new attempt (XDP fell back to AF_PACKET) counts from 0 again. */
void gen_report_tick(struct gen_report *g, double end, const struct xdperf_tx_stats *total,
		     bool have_rx, uint64_t rx_total);

/* Writes a->report: the document of the run summed up in s, set: the templates first sent
 * (their field modifiers' seeds). 0, or 1 after one line on stderr. */
int gen_report_write(struct gen_report *g, const struct gen_args *a, const struct tx_summary *s,
		     const struct xdperf_template_set *set);

#endif
