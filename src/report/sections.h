/* The sections of the HTML report (report/sections.c): streams, rate, loss, latency, ndr,
 * parameters. Each writes nothing when the document has nothing for it. */
#ifndef XDPERF_REPORT_SECTIONS_H
#define XDPERF_REPORT_SECTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include "report/rbuf.h"

#define REPORT_CHART_STREAMS 24 /* streams drawn per chart (the tables list every one) */

/* A number from o[key] (integer or real); false when absent or not a number. */
bool rep_num(const json_t *o, const char *key, double *v);

void sec_streams(struct rbuf *b, const json_t *streams);
void sec_rate(struct rbuf *b, const json_t *streams);
void sec_loss(struct rbuf *b, const json_t *streams);
void sec_latency(struct rbuf *b, const json_t *streams);
void sec_ndr(struct rbuf *b, const json_t *ndr);
void sec_params(struct rbuf *b, const json_t *params);

#endif
