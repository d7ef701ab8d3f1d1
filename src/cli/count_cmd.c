/* `xdperf count -d IF [--pass] [--duration SEC] [--json]`: counts the frames and bytes a device
 * receives with the XDP receive counter until the duration ends or SIGINT/SIGTERM, then prints
 * the totals once. The receiving end of tests and benchmarks. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "util/clock.h"
#include "datapath/rxcount.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf count -d IF [--pass] [--duration SEC] [--json|--json-stream]\n"
		"  counts the frames and bytes IF receives (XDP) until SEC seconds have passed or\n"
		"  SIGINT/SIGTERM, then prints 'packets N bytes M' on stdout (--json: one JSON object)\n"
		"  -d, --device IF       the receiving device\n"
		"      --pass            hand the frames on to the stack (default: drop them)\n"
		"  -t, --duration SEC    stop after SEC seconds (default: run until interrupted)\n"
		"      --json            print {\"device\":IF,\"packets\":N,\"bytes\":M}\n"
		"      --json-stream     one JSON object per line: an interval object every second, then\n"
		"                        the end object (the --json one); docs/json-stream.md\n");
}

/* --json-stream: the counters at the last interval object */
struct interval {
	double end;
	uint64_t packets, bytes;
};

static void interval_put(struct interval *l, double end, uint64_t packets, uint64_t bytes)
{
	cli_json_event("interval", cli_interval_json(l->end, end, packets - l->packets, bytes - l->bytes,
						     packets, bytes));
	l->end = end;
	l->packets = packets;
	l->bytes = bytes;
}

static void interval(struct dp_rxcount *c, double t0, struct interval *l)
{
	uint64_t packets, bytes;
	if (!dp_rxcount_read(c, &packets, &bytes))
		interval_put(l, xdperf_mono() - t0, packets, bytes);
}

int cmd_count(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "pass", no_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' },
		{ "json-stream", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dev = NULL;
	bool pass = false, json = false, stream = false;
	double duration = -1;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":d:t:h", opts, NULL);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case 'd': dev = optarg; break;
		case 'p': pass = true; break;
		case 'J': json = true; break;
		case 'S': stream = true; break;
		case 't':
			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || !optarg[0] || !(duration > 0) || duration > 1e9) {
				fprintf(stderr, "xdperf count: --duration: '%s' is not a number of seconds\n",
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf count: option '%s' needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("count", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf count: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (json && stream) {
		fprintf(stderr, "xdperf count: --json and --json-stream exclude each other (the stream "
				"ends with the --json object)\n");
		return 2;
	}
	if (!dev) {
		fprintf(stderr, "xdperf count: a device is needed (-d IF)\n");
		usage(stderr);
		return 2;
	}
	unsigned ifindex = if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "xdperf count: no such interface '%s'\n", dev);
		return 1;
	}

	/* block the stop signals before attaching: one arriving early is not lost */
	sigset_t set;
	cli_block_stop_signals(&set);

	char err[256];
	struct dp_rxcount *c;
	if (dp_rxcount_open((int)ifindex, dev, pass, &c, err, sizeof(err))) {
		fprintf(stderr, "xdperf count: %s\n", err);
		return 1;
	}
	fprintf(stderr, "xdperf count: counting on %s\n", dev);
	double t0 = xdperf_mono(), end = duration < 0 ? INFINITY : t0 + duration;
	struct interval last = { 0 };
	if (stream) {
		/* an interval object every second until the end */
		for (double next = t0 + 1;; next += 1) {
			if (cli_wait_signal(&set, next < end ? next : end) || xdperf_mono() >= end)
				break;
			interval(c, t0, &last);
		}
	} else {
		(void)cli_wait_signal(&set, end);
	}

	uint64_t packets = 0, bytes = 0;
	int e = dp_rxcount_read(c, &packets, &bytes);
	double secs = xdperf_mono() - t0;
	if (!e && stream && (packets != last.packets || secs > last.end))
		interval_put(&last, secs, packets, bytes);
	dp_rxcount_close(c);
	if (e) {
		fprintf(stderr, "xdperf count: cannot read the counters of %s: %s\n", dev, strerror(-e));
		return 1;
	}
	if (json || stream) {
		json_t *o = json_pack("{s:s, s:I, s:I}", "device", dev, "packets", (json_int_t)packets,
				      "bytes", (json_int_t)bytes);
		if (!o) {
			fprintf(stderr, "xdperf count: out of memory\n");
			return 1;
		}
		return cli_json_result(o, stream) ? 1 : 0;
	} else {
		printf("packets %llu bytes %llu\n", (unsigned long long)packets,
		       (unsigned long long)bytes);
	}
	return fflush(stdout) ? 1 : 0;
}
