/* Unit test of the server's rates over the active interval (xdperf_server_rates in
 * src/server/report_json.c) and of the active-interval fields in the report's and the stats
 * answer's JSON (srv_stats_put / srv_stats_parse): paced frames give their pacing, one frame or
 * no time between the first and last frame gives no rate (null in JSON), every field survives
 * the round trip, and an older server's "duration_s" is read as the whole wait. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "server/stats_json.h"
#include "xdperf/server.h"

static void test_rates(void)
{
	double pps, bps;
	/* 10 frames of 200 bytes, one every 10 ms: 9 gaps in 0.09 s */
	struct xdperf_server_stats st = { .packets = 10, .bytes = 2000, .seconds = 4.2, .first_s = 4.0,
					  .last_s = 4.09, .active_s = 0.09, .first_bytes = 200 };
	CHECK(xdperf_server_rates(&st, &pps, &bps) && fabs(pps - 100) < 1e-9 && fabs(bps - 1800 * 8 / 0.09) < 1e-6,
	      "10 frames paced at 100/s: %g pps, %g bps", pps, bps);
	/* frames of different sizes: the first one's bytes are not in the bits after it */
	st = (struct xdperf_server_stats){ .packets = 3, .bytes = 64 + 1500 + 1500, .active_s = 0.5,
					   .first_bytes = 64 };
	CHECK(xdperf_server_rates(&st, &pps, &bps) && fabs(pps - 4) < 1e-12 && fabs(bps - 3000 * 8 / 0.5) < 1e-9,
	      "64 + 1500 + 1500 bytes in 0.5 s: %g pps, %g bps", pps, bps);
	st = (struct xdperf_server_stats){ .packets = 1, .bytes = 200, .seconds = 3, .first_s = 1, .last_s = 1,
					   .first_bytes = 200 };
	CHECK(!xdperf_server_rates(&st, &pps, &bps) && pps == 0 && bps == 0, "one frame: no rate");
	st = (struct xdperf_server_stats){ .packets = 5, .bytes = 1000, .first_s = 1, .last_s = 1, .first_bytes = 200 };
	CHECK(!xdperf_server_rates(&st, &pps, &bps), "5 frames with no time between the first and the last: no rate");
	st = (struct xdperf_server_stats){ 0 };
	CHECK(!xdperf_server_rates(&st, &pps, &bps), "no frame: no rate");
}

static void test_json(void)
{
	struct xdperf_server_stats st = { .packets = 10, .bytes = 2000, .passed = 3, .stamped = 10, .distinct = 9,
					  .seconds = 4.25, .first_s = 4.0, .last_s = 4.09, .active_s = 0.09,
					  .first_bytes = 200 }, back;
	json_t *o = json_object();
	CHECK(o && srv_stats_put(o, &st) == 0, "stats to JSON");
	CHECK(json_real_value(json_object_get(o, "pps")) > 99.999 && json_real_value(json_object_get(o, "pps")) < 100.001 &&
	      json_is_real(json_object_get(o, "bps")), "pps 100 and bps in the JSON");
	CHECK(json_real_value(json_object_get(o, "wait_s")) == 4.25 && !json_object_get(o, "duration_s"),
	      "the whole wait as wait_s");
	char *txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	o = txt ? json_loads(txt, 0, NULL) : NULL;
	free(txt);
	srv_stats_parse(o, &back);
	json_decref(o);
	CHECK(back.packets == 10 && back.bytes == 2000 && back.passed == 3 && back.stamped == 10 && back.distinct == 9 &&
	      back.seconds == 4.25 && back.first_s == 4.0 && back.last_s == 4.09 && back.active_s == 0.09 &&
	      back.first_bytes == 200, "every field survives the round trip");
	st = (struct xdperf_server_stats){ .packets = 1, .bytes = 200, .seconds = 2, .first_s = 1.5, .last_s = 1.5,
					   .first_bytes = 200 };
	o = json_object();
	CHECK(o && srv_stats_put(o, &st) == 0 && json_is_null(json_object_get(o, "pps")) &&
	      json_is_null(json_object_get(o, "bps")), "one frame: pps and bps null");
	json_decref(o);
	o = json_loads("{\"packets\":5,\"duration_s\":1.5}", 0, NULL);
	srv_stats_parse(o, &back);
	json_decref(o);
	CHECK(back.packets == 5 && back.seconds == 1.5 && back.active_s == 0, "an older server's duration_s");
}

int main(void)
{
	test_rates();
	test_json();
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
