/* Server counters read back from JSON: shared by the report parser (report_json.c) and the
 * control client's stats answer (ctl_client.c). */
#ifndef XDPERF_SERVER_STATS_JSON_H
#define XDPERF_SERVER_STATS_JSON_H

#include <jansson.h>
#include <stdint.h>
#include "xdperf/server.h"

/* Member `key` of o when it is a positive integer, else 0. */
uint64_t srv_json_u64(json_t *o, const char *key);
/* Every counter of struct xdperf_server_stats from o's members of the same names
 * (`duration_s` for seconds); absent ones are 0. */
void srv_stats_parse(json_t *o, struct xdperf_server_stats *st);

#endif
