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
#include "cli/commands.h"
#include "util/clock.h"
#include "datapath/rxcount.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf count -d IF [--pass] [--duration SEC] [--json]\n"
		"  counts the frames and bytes IF receives (XDP) until SEC seconds have passed or\n"
		"  SIGINT/SIGTERM, then prints 'packets N bytes M' (--json: one JSON object)\n"
		"  -d, --device IF       the receiving device\n"
		"      --pass            hand the frames on to the stack (default: drop them)\n"
		"  -t, --duration SEC    stop after SEC seconds (default: run until interrupted)\n"
		"      --json            print {\"device\":IF,\"packets\":N,\"bytes\":M}\n");
}

int cmd_count(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "pass", no_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dev = NULL;
	bool pass = false, json = false;
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
			fprintf(stderr, "xdperf count: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf count: unexpected argument '%s'\n", argv[optind]);
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
	(void)cli_wait_signal(&set, duration < 0 ? INFINITY : xdperf_mono() + duration);

	uint64_t packets = 0, bytes = 0;
	int e = dp_rxcount_read(c, &packets, &bytes);
	dp_rxcount_close(c);
	if (e) {
		fprintf(stderr, "xdperf count: cannot read the counters of %s: %s\n", dev, strerror(-e));
		return 1;
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:I, s:I}", "device", dev, "packets", (json_int_t)packets,
				      "bytes", (json_int_t)bytes);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (!s) {
			json_decref(o);
			fprintf(stderr, "xdperf count: out of memory\n");
			return 1;
		}
		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("packets %llu bytes %llu\n", (unsigned long long)packets,
		       (unsigned long long)bytes);
	}
	return fflush(stdout) ? 1 : 0;
}
