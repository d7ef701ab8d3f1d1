/* Server counters to and from JSON: shared by the report (report_json.c), the control server's
 * stats answer (control.c) and the control client reading it (ctl_client.c). */
#ifndef XDPERF_SERVER_STATS_JSON_H
#define XDPERF_SERVER_STATS_JSON_H

#include <jansson.h>
#include <stdint.h>
#include "xdperf/server.h"

/* Member `key` of o when it is a positive integer, else 0. */
uint64_t srv_json_u64(json_t *o, const char *key);
/* Every field of struct xdperf_server_stats from o's members of the same names (`wait_s` for
 * seconds, or `duration_s` from older servers); absent ones are 0. */
void srv_stats_parse(json_t *o, struct xdperf_server_stats *st);
/* Adds every field of st to o (as srv_stats_parse reads them) and the rates over the active
 * interval, `pps` and `bps` (null when not defined). 0, or -1 when out of memory. */
int srv_stats_put(json_t *o, const struct xdperf_server_stats *st);

#endif
