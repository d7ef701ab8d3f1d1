/* `xdperf --server -d IF [--mode xdp|afpacket] [--port N] [--stamp] [--control HOST:PORT]
 * [--verifier FILE.wasm] [--duration SEC] [--json]`: receives on IF with the server of
 * include/xdperf/server.h, prints `<t>s <pps> rx/s <Mbps> Mbps total <n>` every second (stderr)
 * and a summary at the end (text on stderr, or --json on stdout; rates over the active
 * interval, first to last frame) — after --duration, or SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_util.h"
#include "ctl/run_export.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/plugin_common.h"
#include "cli/report_params.h"
#include "cli/server_print.h"
#include "cli/server_report.h"
#include "util/clock.h"
#include "util/file.h"
#include "xdperf/plugin.h"
#include "xdperf/server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf --server -d|--device IF [options]\n"
		"  receives, counts and measures what arrives on IF (the other end of `xdperf -d`)\n"
		"      --mode MODE            xdp or afpacket (default: xdp, falling back to afpacket)\n"
		"      --port N               count only UDP to port N (and consume it); everything else\n"
		"                             passes to the stack (default: count every frame, pass all)\n"
		"      --reflect [ports]      send counted IP frames back out of the device (XDP_TX), Ethernet\n"
		"                             and IP addresses swapped (with `ports`, UDP/TCP ports too);\n"
		"                             with --port only that port's UDP, else every IP frame\n"
		"      --metrics ADDR:PORT    serve the counters as Prometheus text at /metrics\n"
		"      --otlp-endpoint URL    push them as OTLP/HTTP JSON to URL/v1/metrics every second\n"
		"      --stamp                check the trailers `xdperf --stamp` writes: loss, duplicates,\n"
		"                             reordering, one-way latency per stream\n"
		"      --control HOST:PORT    listen for generators (`xdperf -d IF --server-addr HOST:PORT`):\n"
		"                             they reset the counters before a run and fetch the report\n"
		"      --verifier FILE.wasm   give every N-th frame to a verifier plugin\n"
		"      --verifier-config FILE its configuration (JSON object or YAML mapping)\n"
		"      --sample N             the N of --verifier (default 1000; per CPU with XDP)\n"
		"  -t, --duration SEC         stop after SEC seconds (default: until Ctrl-C)\n"
		"      --json                 print the summary as one JSON object on stdout (instead of\n"
		"                             the text summary on stderr)\n"
		"      --json-stream          one JSON object per line on stdout: an interval object\n"
		"                             every second, then the end object (the --json summary);\n"
		"                             docs/json-stream.md\n"
		"      --report FILE.html     write an HTML report at the end: frames per second, and with\n"
		"                             --stamp loss and latency per stream; one file that fetches\n"
		"                             nothing (docs/reports.md)\n"
		"  -q, --quiet                no per-second lines (on stderr)\n");
}

/* The counters for --metrics / --otlp-endpoint: what arrived since the server started; errors
 * are the stamped frames whose analysis was lost (ring_full). */
struct export_src {
	struct xdperf_server *s;
	const char *dev;
};

/* The live counters at every scrape or push (any thread may read the server's). */
static size_t server_points(void *ctx, struct run_point *p)
{
	const struct export_src *e = ctx;
	struct xdperf_server_stats st;
	if (xdperf_server_stats_since_open(e->s, &st))
		return 0;
	p[0] = (struct run_point){ "receive", e->dev, st.packets, st.bytes, st.ring_full };
	return 1;
}

/* One --json-stream interval object: from *prev to *all (counters since the server started),
 * since_reset from *st (since the last reset by a generator; what the end object reports). */
static void stream_interval(struct xdperf_server_stats *prev, const struct xdperf_server_stats *all,
			    const struct xdperf_server_stats *st, bool reflect)
{
	json_t *d = cli_interval_json(prev->seconds, all->seconds, all->packets - prev->packets,
				      all->bytes - prev->bytes, all->packets, all->bytes);
	if (d)
		json_object_set_new(d, "since_reset", json_pack("{s:I, s:I, s:f}", "packets",
								(json_int_t)st->packets, "bytes",
								(json_int_t)st->bytes, "seconds", st->seconds));
	if (d && reflect) {
		json_object_set_new(d, "reflected", json_integer((json_int_t)(all->reflected - prev->reflected)));
		json_object_set_new(json_object_get(d, "total"), "reflected",
				    json_integer((json_int_t)all->reflected));
	}
	cli_json_event("interval", d);
	*prev = *all;
}

static void notice(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "xdperf: %s\n", msg);
}

int cmd_server(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", no_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "port", required_argument, NULL, 'p' },
		{ "stamp", no_argument, NULL, 's' },
		{ "reflect", no_argument, NULL, 'r' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "otlp-endpoint", required_argument, NULL, 'O' },
		{ "control", required_argument, NULL, 'c' },
		{ "verifier", required_argument, NULL, 'v' },
		{ "verifier-config", required_argument, NULL, 'C' },
		{ "sample", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "json-stream", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "report", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dev = NULL, *cfgfile = NULL, *metrics = NULL, *otlp = NULL, *report = NULL;
	bool json = false, quiet = false, stream = false;
	double duration = 0;
	uint64_t v;
	LIBXDPERF_OPTS(xdperf_server_opts, o, .notice = notice, .log_level = XDPERF_LOG_INFO);
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":d:t:qh", opts, NULL);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case 'S': break;
		case 'd': dev = optarg; break;
		case 'm':
			if (!strcmp(optarg, "xdp"))
				o.mode = XDPERF_SERVER_XDP;
			else if (!strcmp(optarg, "afpacket"))
				o.mode = XDPERF_SERVER_AFPACKET;
			else {
				fprintf(stderr, "xdperf: --mode: '%s' is not xdp or afpacket\n", optarg);
				return 2;
			}
			break;
		case 'p':
			if (cli_parse_u64("--server", "--port", optarg, 1, 65535, &v))
				return 2;
			o.port = (uint16_t)v;
			break;
		case 's': o.stamp = true; break;
		case 'r':
			/* --reflect [addresses|ports] */
			o.reflect = XDPERF_REFLECT_ADDRS;
			if (optind < argc && (!strcmp(argv[optind], "ports") || !strcmp(argv[optind], "addresses"))) {
				if (!strcmp(argv[optind], "ports"))
					o.reflect = XDPERF_REFLECT_PORTS;
				optind++;
			}
			break;
		case 'c': o.control = optarg; break;
		case 'M': metrics = optarg; break;
		case 'O': otlp = optarg; break;
		case 'v': o.verifier = optarg; break;
		case 'C': cfgfile = optarg; break;
		case 'n':
			if (cli_parse_u64("--server", "--sample", optarg, 1, 1u << 30, &v))
				return 2;
			o.sample_every = (unsigned)v;
			break;
		case 't':
			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || !optarg[0] || !(duration > 0) || duration > 1e9) {
				fprintf(stderr, "xdperf: --duration: '%s' is not a number of seconds\n", optarg);
				return 2;
			}
			break;
		case 'j': json = true; break;
		case 'J': stream = true; break;
		case 'q': quiet = true; break;
		case 'R': report = optarg; break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("--server", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf: unexpected argument '%s' (see xdperf --server --help)\n", argv[optind]);
		return 2;
	}
	if (!dev) {
		fprintf(stderr, "xdperf: --server needs a device (-d IF)\n");
		return 2;
	}
	if (json && stream) {
		fprintf(stderr, "xdperf: --json and --json-stream exclude each other (the stream ends "
				"with the --json summary)\n");
		return 2;
	}
	if ((cfgfile || o.sample_every) && !o.verifier) {
		fprintf(stderr, "xdperf: --verifier-config and --sample need --verifier FILE.wasm\n");
		return 2;
	}
	if (report && cli_report_check("--report", report))
		return 1;
	char *cfg = NULL;
	if (cfgfile) {
		/* a JSON object or YAML mapping, checked here like --cfg (the plugin gets it as
		 * compact JSON), so that a bad file is named in one line */
		json_t *j = load_config(cfgfile);
		if (!j)
			return 1;
		cfg = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (!cfg) {
			fprintf(stderr, "xdperf: out of memory\n");
			return 1;
		}
		o.verifier_config = cfg;
	}

	/* stop signals blocked before anything starts: one arriving early is not lost */
	sigset_t set;
	cli_block_stop_signals(&set);

	char err[600];
	struct xdperf_server *s;
	int e = xdperf_server_open(dev, &o, &s, err, sizeof err);
	free(cfg);
	if (e) {
		fprintf(stderr, "xdperf: --server -d %s: %s\n", dev, err);
		return 1;
	}
	struct run_export *ex = NULL;
	struct export_src esrc = { s, dev };
	if ((metrics || otlp) && run_export_open(metrics, otlp, "server", &ex, err, sizeof err)) {
		fprintf(stderr, "xdperf: --server: %s\n", err);
		xdperf_server_close(s);
		return 1;
	}
	if (ex)
		run_export_source(ex, server_points, &esrc);
	char port[32] = "every frame (passed on)";
	if (o.port)
		snprintf(port, sizeof port, "UDP port %u", o.port);
	fprintf(stderr, "xdperf: server on %s (%s): counting %s%s%s%s%s%s\n", dev,
		xdperf_server_mode_name(s), port,
		o.reflect == XDPERF_REFLECT_PORTS ? ", reflecting (addresses and ports swapped)" :
		o.reflect ? ", reflecting (addresses swapped)" : "", o.stamp ? ", checking stamps" : "",
		o.control ? ", control on " : "", o.control ? o.control : "",
		o.verifier ? ", verifier plugin" : "");
	double start = xdperf_mono(), next = start + 1;
	double end = duration > 0 ? start + duration : INFINITY;
	/* Rates per line from the counters since the start, which resets do not touch: what
	 * arrived between two lines over the time between them, a reset in between or not
	 * (counts since the reset over the fraction of a second since it inflated the line after
	 * a reset and lost what came before it). "total" counts since the last reset. */
	struct xdperf_server_stats prev = { 0 }, sprev = { 0 }; /* the text lines', the stream's */
	struct srv_html *html = NULL;
	if (report && !(html = srv_html_new()))
		fprintf(stderr, "xdperf: --report: out of memory\n");
	for (;;) {
		double until = next < end ? next : end;
		if (cli_wait_signal(&set, until))
			break;
		if (xdperf_mono() >= end)
			break;
		next += 1;
		struct xdperf_server_stats all, st;
		if (xdperf_server_stats_since_open(s, &all) || xdperf_server_stats(s, &st))
			continue;
		if (stream)
			stream_interval(&sprev, &all, &st, o.reflect);
		srv_html_tick(html, s, &all, o.stamp);
		if (quiet) {
			prev = all;
			continue;
		}
		double dt = all.seconds - prev.seconds;
		double pps = dt > 0 ? (double)(all.packets - prev.packets) / dt : 0;
		double mbps = dt > 0 ? (double)(all.bytes - prev.bytes) * 8 / dt / 1e6 : 0;
		fprintf(stderr, "%.0fs  %.0f rx/s  %.1f Mbps  total %llu", all.seconds, pps, mbps,
			(unsigned long long)st.packets);
		if (o.reflect)
			fprintf(stderr, "  %.0f reflected/s", dt > 0 ? (double)(all.reflected - prev.reflected) / dt : 0);
		if (st.seconds < dt) /* the counters were reset since the last line */
			fprintf(stderr, "  (reset %.3f s ago)", st.seconds);
		fprintf(stderr, "\n");
		prev = all;
	}
	if (stream || html) { /* the rest since the last interval */
		struct xdperf_server_stats all, st;
		if (!xdperf_server_stats_since_open(s, &all) && !xdperf_server_stats(s, &st)) {
			if (stream)
				stream_interval(&sprev, &all, &st, o.reflect);
			srv_html_tick(html, s, &all, o.stamp);
		}
	}
	struct xdperf_server_report *r = NULL;
	struct run_point fin[RUN_POINTS_MAX];
	size_t nfin = ex ? server_points(&esrc, fin) : 0;
	e = xdperf_server_report(s, &r);
	if (ex) {
		/* the last counters, then no more reading of a server about to close */
		run_export_source(ex, NULL, NULL);
		run_export_update(ex, fin, nfin);
	}
	xdperf_server_close(s);
	cli_export_close(ex);
	if (e) {
		fprintf(stderr, "xdperf: --server: out of memory for the report\n");
		srv_html_free(html);
		return 1;
	}
	if (json || stream) {
		char *txt = xdperf_server_report_json(r);
		json_t *jo = txt ? json_loads(txt, 0, NULL) : NULL;
		free(txt);
		if (jo)
			cli_json_result(jo, stream);
		else
			fprintf(stderr, "xdperf: --server: out of memory for the report\n");
	} else {
		fprintf(stderr, "xdperf: ");
		print_server_report(stderr, r, UINT64_MAX, 0);
	}
	int hrc = 0;
	if (report) {
		struct srv_html_info in = { .device = dev, .mode = r->mode, .control = o.control,
					    .verifier = o.verifier, .verifier_config = cfgfile,
					    .port = o.port, .stamp = o.stamp, .reflect = o.reflect,
					    .duration = duration, .argc = argc, .argv = argv };
		hrc = srv_html_write(html, report, &in, r, false);
	}
	srv_html_free(html);
	xdperf_server_report_free(r);
	return fflush(stdout) || hrc ? 1 : 0;
}
