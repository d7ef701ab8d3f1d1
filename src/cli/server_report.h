/* --report FILE.html of `xdperf --server`: per-second series gathered from the main loop
 * (frames received in all, and with --stamp per stream: frames received and gaps opened),
 * then the document (src/cli/report_params.h) from the final report, written by the renderer
 * (src/report/). */
#ifndef XDPERF_CLI_SERVER_REPORT_H
#define XDPERF_CLI_SERVER_REPORT_H

#include <stdbool.h>
#include "xdperf/server.h"

#define SRV_REPORT_SERIES_STREAMS 64 /* streams with per-second series (more: totals only) */

struct srv_html;

struct srv_html *srv_html_new(void);
void srv_html_free(struct srv_html *h);

/* One interval ending now: all = the counters since open (xdperf_server_stats_since_open);
 * with stamps, the streams' counts are read from s (xdperf_server_report). */
void srv_html_tick(struct srv_html *h, struct xdperf_server *s, const struct xdperf_server_stats *all,
		   bool stamp);

/* What the report's parameters say about the server. */
struct srv_html_info {
	const char *device, *mode, *control, *verifier, *verifier_config;
	int port;               /* 0: every frame */
	bool stamp;
	int reflect;
	double duration;        /* --duration, 0 = none */
	int argc;
	char **argv;
};

/* Writes path from the final report r. 0, or 1 after one line on stderr. */
int srv_html_write(struct srv_html *h, const char *path, const struct srv_html_info *info,
		   const struct xdperf_server_report *r, bool quiet);

#endif
