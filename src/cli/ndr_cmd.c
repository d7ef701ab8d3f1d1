/* `xdperf ndr -d IF --server-addr HOST:PORT [options]`: RFC 2544 throughput. For each frame
 * size, the highest rate at which a device under test (between IF and an `xdperf --server`)
 * loses at most --loss of the frames, by a binary search of trials (src/cli/ndr_search.c)
 * down to --resolution and a verification trial at the rate found; the server's exact count
 * over the control connection decides each trial (src/cli/ndr_trial.c). Each trial on stderr
 * as it ends, the table on stdout (or --json), --report FILE.html; SIGINT/SIGTERM ends the
 * current trial and prints the table so far. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gen_stop.h"
#include "cli/generate.h"
#include "cli/ndr.h"
#include "cli/plugin_common.h"
#include "cli/report_params.h"
#include "xdperf/server.h"

#define NDR_SHORT 0.97        /* a paced trial that sent less than this share of rate * time and
			       * passed ... */
#define NDR_LATE_US 10000     /* ... or sent a frame more than this late and failed losing no
			       * more than the frames due in that time ... */
#define NDR_REPEATS 2         /* ... is run again, at most this many times in a row */

static const unsigned default_sizes[] = { 64, 128, 256, 512, 1024, 1280, 1518 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf ndr -d IF --server-addr HOST:PORT [options]\n"
		"  RFC 2544 throughput: per frame size, the highest rate with loss at most --loss, by a\n"
		"  binary search of trials counted by an `xdperf --server --stamp --control` behind the\n"
		"  device under test, and a verification trial at the rate found (docs/ndr.md)\n"
		"  -d, --device IF            send on IF\n"
		"      --server-addr HOST:PORT    the server's control port (required)\n"
		"  -p, --plugin NAME|FILE     generator plugin whose payload_size key sets the frame size\n"
		"                             (default simpleudp)\n"
		"  -P, --plugin-path DIR      where NAME.wasm is looked up\n"
		"      --plugin-config, --cfg FILE   its configuration (JSON or YAML; payload_size is set\n"
		"                             by ndr)\n"
		"      --plugin-memory-pages N    the plugin's memory cap in 64 KiB pages, 1-65536\n"
		"                             (default 1024 = 64 MiB)\n"
		"      --plugin-dir HOST[:GUEST]  a host directory the plugin may read (read-only),\n"
		"                             seen as GUEST (default /); without it it has no files\n"
		"      --sizes LIST           frame sizes in bytes with the FCS, 64-2052 (default\n"
		"                             64,128,256,512,1024,1280,1518)\n"
		"      --loss FRACTION        loss allowed per trial, 0 to below 1 (default 0: NDR;\n"
		"                             0.001 = 0.1%%: PDR)\n"
		"      --trial SEC            seconds per trial, 0.1-3600 (default 10)\n"
		"      --resolution X         the search stops when the rate is known to within X: a\n"
		"                             fraction of the max (default 0.01), or NUMpps\n"
		"      --max-rate PPS         the highest rate tried (default: from --line-rate, else\n"
		"                             the rate of a first unpaced trial)\n"
		"      --min-rate PPS         the lowest rate tried (default 0)\n"
		"      --line-rate BPS        the link's bit rate (10G, 25G): the max per size, and the\n"
		"                             line and L1 shares in the results\n"
		"  -l, --parallelism N        sender threads, one per CPU (default 1)\n"
		"      --mode MODE            xdp or afpacket (default: xdp, falling back to afpacket)\n"
		"      --src-mac MAC          device MAC given to the plugin (default: the device's own)\n"
		"      --json                 print the results as one JSON object on stdout (instead of\n"
		"                             the table)\n"
		"      --report FILE.html     also write a self-contained HTML report\n"
		"  -q, --quiet                no line per trial on stderr\n");
}

static int parse_sizes(const char *s, struct ndr_args *a)
{
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	a->nsizes = 0;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (!cli_decimal_u64(tok, NDR_SIZE_MAX, &v) || v < NDR_SIZE_MIN) {
			fprintf(stderr, "xdperf ndr: --sizes: '%s' is not a frame size (%d-%d bytes with the "
					"FCS, comma-separated)\n", tok, NDR_SIZE_MIN, NDR_SIZE_MAX);
			rc = -1;
			break;
		}
		if (a->nsizes == NDR_SIZES_MAX) {
			fprintf(stderr, "xdperf ndr: --sizes: more than %d sizes\n", NDR_SIZES_MAX);
			rc = -1;
			break;
		}
		a->sizes[a->nsizes++] = (unsigned)v;
	}
	if (!rc && !a->nsizes) {
		fprintf(stderr, "xdperf ndr: --sizes: '%s' lists no frame size\n", s);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int parse_fraction(const char *flag, const char *s, double lo_incl, double hi_excl, double *out,
			  const char *what)
{
	char *end;
	double v = strtod(s, &end);
	if (!s[0] || *end || !(v >= lo_incl) || !(v < hi_excl)) {
		fprintf(stderr, "xdperf ndr: %s: '%s' is not %s\n", flag, s, what);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct ndr_args *a)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "server-addr", required_argument, NULL, 'A' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "plugin-config", required_argument, NULL, 'C' },
		{ "cfg", required_argument, NULL, 'C' },
		{ "plugin-memory-pages", required_argument, NULL, 'G' },
		{ "plugin-dir", required_argument, NULL, 0x1e03 },
		{ "sizes", required_argument, NULL, 'S' },
		{ "loss", required_argument, NULL, 'L' },
		{ "trial", required_argument, NULL, 'T' },
		{ "resolution", required_argument, NULL, 'R' },
		{ "max-rate", required_argument, NULL, 'M' },
		{ "min-rate", required_argument, NULL, 'm' },
		{ "line-rate", required_argument, NULL, 'B' },
		{ "parallelism", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'o' },
		{ "src-mac", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "report", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	a->plugin = "simpleudp";
	a->trial_s = 10;
	a->resolution = 0.01;
	a->parallelism = 1;
	memcpy(a->sizes, default_sizes, sizeof default_sizes);
	a->nsizes = sizeof default_sizes / sizeof default_sizes[0];
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":d:p:P:l:qh", opts, NULL);
		if (c == -1)
			break;
		uint64_t num, den;
		switch (c) {
		case 'd': a->device = optarg; break;
		case 'A': a->server_addr = optarg; break;
		case 'p': a->plugin = optarg; break;
		case 'P':
			if (plugin_path_check("ndr", optarg))
				return 2;
			a->plugin_path = optarg;
			break;
		case 'C': a->config = optarg; break;
		case 'G':
			if (plugin_set_memory_pages("ndr", optarg))
				return 2;
			break;
		case 0x1e03:
			if (plugin_set_dir("ndr", optarg))
				return 2;
			break;
		case 'S':
			if (parse_sizes(optarg, a))
				return 2;
			break;
		case 'L':
			if (parse_fraction("--loss", optarg, 0, 1, &a->threshold,
					   "a fraction from 0 to below 1 (0 = NDR; 0.001 = 0.1% loss allowed)"))
				return 2;
			break;
		case 'T':
			if (parse_fraction("--trial", optarg, 0.1, 3600.000001, &a->trial_s,
					   "a number of seconds (0.1-3600)"))
				return 2;
			break;
		case 'R': {
			size_t n = strlen(optarg);
			if (n > 3 && !strcmp(optarg + n - 3, "pps")) {
				char num_s[64];
				snprintf(num_s, sizeof num_s, "%.*s", (int)(n - 3), optarg);
				if (cli_parse_rate("xdperf ndr", "--resolution", num_s, &num, &den, &a->resolution_pps))
					return 2;
				if (a->resolution_pps < 1) {
					fprintf(stderr, "xdperf ndr: --resolution: '%s' is below 1pps\n", optarg);
					return 2;
				}
				a->resolution = 0;
			} else if (parse_fraction("--resolution", optarg, 1e-9, 1, &a->resolution,
						  "a fraction of the max rate (0 < X < 1, e.g. 0.01) or a rate "
						  "(e.g. 1000pps)")) {
				return 2;
			} else {
				a->resolution_pps = 0;
			}
			break;
		}
		case 'M':
			if (cli_parse_rate("xdperf ndr", "--max-rate", optarg, &num, &den, &a->max_pps))
				return 2;
			break;
		case 'm':
			if (cli_parse_rate("xdperf ndr", "--min-rate", optarg, &num, &den, &a->min_pps))
				return 2;
			break;
		case 'B':
			if (xdperf_parse_bitrate(optarg, &a->line_rate) || !a->line_rate) {
				fprintf(stderr, "xdperf ndr: --line-rate: \"%s\": expected bits per second with an "
						"optional k/M/G/T suffix (like 10G, 25G, 100M)\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if (cli_parse_u64("ndr", "--parallelism", optarg, 1, 1024, &num))
				return 2;
			a->parallelism = (unsigned)num;
			break;
		case 'o':
			if (!strcmp(optarg, "xdp"))
				a->mode = XDPERF_TX_XDP;
			else if (!strcmp(optarg, "afpacket"))
				a->mode = XDPERF_TX_AFPACKET;
			else {
				fprintf(stderr, "xdperf ndr: --mode: '%s' is not xdp or afpacket\n", optarg);
				return 2;
			}
			break;
		case 'a': a->src_mac = optarg; break;
		case 'j': a->json = true; break;
		case 'H': a->report = optarg; break;
		case 'q': a->quiet = true; break;
		case 'h': usage(stdout); return -1;
		case ':':
			fprintf(stderr, "xdperf ndr: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("ndr", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf ndr: unexpected argument '%s' (see xdperf ndr --help)\n", argv[optind]);
		return 2;
	}
	if (!a->device) {
		fprintf(stderr, "xdperf ndr: give the device to send on: -d IF\n");
		return 2;
	}
	if (!a->server_addr) {
		fprintf(stderr, "xdperf ndr: --server-addr HOST:PORT is required: the control port of the "
				"`xdperf --server --stamp --control` that counts what arrives\n");
		return 2;
	}
	if (a->max_pps > 0 && a->min_pps >= a->max_pps) {
		fprintf(stderr, "xdperf ndr: --min-rate %g is not below --max-rate %g\n", a->min_pps, a->max_pps);
		return 2;
	}
	if (a->src_mac && parse_mac(a->src_mac, a->mac)) {
		fprintf(stderr, "xdperf ndr: --src-mac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n",
			a->src_mac);
		return 2;
	}
	return 0;
}

struct ndr_state {
	struct ndr_step *steps;
	size_t nsteps, cap;
	struct ndr_result res[NDR_SIZES_MAX];
	size_t nres;
	const char *mode;
};

static int add_step(struct ndr_state *st, const struct ndr_step *s)
{
	if (st->nsteps == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct ndr_step *n = realloc(st->steps, cap * sizeof *n);
		if (!n)
			return -1;
		st->steps = n;
		st->cap = cap;
	}
	st->steps[st->nsteps++] = *s;
	return 0;
}

/* The search of one frame size into r; 0, 1 after a line (a failed trial), or -1 stopped. */
static int search_size(const struct ndr_args *a, struct xdperf_server_ctl *ctl,
		       const struct ndr_frames *f, unsigned size, struct ndr_state *st,
		       struct ndr_result *r)
{
	struct ndr_search_opts so = { .min_pps = a->min_pps, .threshold = a->threshold,
				      .resolution = a->resolution, .resolution_pps = a->resolution_pps };
	r->frame_size = size;
	r->stamped = f->stamp;
	if (a->max_pps > 0) {
		so.max_pps = a->max_pps;
		r->max_from = "--max-rate";
	} else if (a->line_rate) {
		so.max_pps = floor((double)a->line_rate / (8.0 * (size + NDR_L1_EXTRA)));
		r->max_from = "--line-rate";
	} else {
		r->max_from = "unpaced trial";
	}
	struct ndr_search s;
	ndr_search_init(&s, &so);
	if (!a->quiet) {
		char max[64] = "";
		if (so.max_pps > 0)
			snprintf(max, sizeof max, "max %.0f pps (%s), resolution %.6g pps", s.max_pps,
				 r->max_from, s.res_pps);
		else
			snprintf(max, sizeof max, "max: the rate of an unpaced trial");
		fprintf(stderr, "xdperf ndr: %u-byte frames (%u + FCS): %s; %s\n", size, size - NDR_FCS, max,
			f->stamp ? "stamped" : "not stamped: loss from the server's frame count, no latency");
		if (!f->stamp && f->why_no_stamp[0])
			fprintf(stderr, "xdperf ndr: %u-byte frames carry no stamp: %s\n", size, f->why_no_stamp);
	}
	struct ndr_trial t;
	int rc = 0;
	unsigned ran = 0, repeats = 0;
	while (ndr_search_next(&s, &t)) {
		if (gen_stops) {
			rc = -1;
			break;
		}
		struct ndr_trial_out o;
		if (ndr_trial_run(a, ctl, f, t.rate_pps, &o)) {
			rc = 1;
			break;
		}
		if (o.mode)
			st->mode = o.mode;
		if (o.stopped) {
			free(o.lat.hist);
			rc = -1;
			break;
		}
		if (o.ring_full)
			fprintf(stderr, "xdperf ndr: warning: the server could not analyse %llu stamped frames "
					"(its ring was full); they count as received\n",
				(unsigned long long)o.ring_full);
		/* A paced trial whose sender fell short offered less than its rate: its pass says
		 * little. One whose sender was held up sent the frames it owed in a burst: its
		 * failure may be the burst's. Either is run again (a pass with bursts, or a failure
		 * at less than the rate, stands). */
		bool pass = ndr_trial_passes(o.sent, o.received, a->threshold);
		bool fell_short = (double)o.sent < NDR_SHORT * t.rate_pps * a->trial_s;
		/* (late: and the frames it owed then could be all it lost) */
		uint64_t lost = o.sent > o.received ? o.sent - o.received : 0;
		bool late = o.late_max_us > NDR_LATE_US &&
			    (double)lost <= o.late_max_us / 1e6 * t.rate_pps + 1;
		bool repeat = t.kind != NDR_TRIAL_UNPACED && repeats < NDR_REPEATS &&
			      ((pass && fell_short) || (!pass && late));
		repeats = repeat ? repeats + 1 : 0;
		if (!repeat)
			ndr_search_report(&s, o.tx_pps, o.sent, o.received);
		struct ndr_step step = { .frame_size = size, .index = ++ran, .kind = t.kind,
					 .rate_pps = t.kind == NDR_TRIAL_UNPACED ? s.max_pps : t.rate_pps,
					 .tx_pps = o.tx_pps, .sent = o.sent, .received = o.received,
					 .loss = o.sent > o.received ? (double)(o.sent - o.received) / (double)o.sent
								     : o.sent ? 0 : 1,
					 .pass = pass, .repeated = repeat, .late_max_us = o.late_max_us,
					 .stamped = f->stamp,
					 .run = o.run, .seconds = o.seconds };
		if (add_step(st, &step)) {
			fprintf(stderr, "xdperf ndr: out of memory\n");
			free(o.lat.hist);
			rc = 1;
			break;
		}
		if (!a->quiet)
			ndr_print_step(&step, &s);
		if (t.kind == NDR_TRIAL_VERIFY && step.pass && !repeat) {
			free(r->lat.hist);
			r->lat = o.lat; /* the rate found: its latency */
			r->have_lat = o.have_lat;
		} else {
			free(o.lat.hist);
		}
	}
	r->status = s.status;
	r->trials = ran;
	r->max_pps = s.max_pps;
	r->res_pps = s.res_pps;
	r->sender_limited = s.sender_limited;
	r->max_passed = s.max_passed;
	if (s.status == NDR_RUNNING) {
		/* stopped or failed: the best rate that passed so far, not verified */
		r->stopped = rc < 0;
		r->failed = rc > 0;
		r->pps = s.lo_passed ? s.lo : 0;
	} else {
		r->pps = s.found_pps;
	}
	return rc;
}

int cmd_ndr(int argc, char **argv)
{
	struct ndr_args a = { .argc = argc, .argv = argv };
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.report && cli_report_check("--report", a.report))
		return 1;
	if (!a.src_mac && device_mac(a.device, a.mac))
		return 1;
	gen_stop_install();
	char plugin_file[PATH_MAX + 32];
	if (find_plugin(a.plugin, a.plugin_path, plugin_file, sizeof plugin_file))
		return 1;
	json_t *cfg = load_config(a.config);
	if (!cfg)
		return 1;
	unsigned overhead;
	if (ndr_plugin_overhead(&a, plugin_file, cfg, &overhead)) {
		json_decref(cfg);
		if (gen_stops) {
			fprintf(stderr, "xdperf ndr: stopped by %s while the plugin was starting; nothing sent\n",
				gen_stop_name());
			return gen_stop_status();
		}
		return 1;
	}
	for (size_t i = 0; i < a.nsizes; i++)
		if (a.sizes[i] - NDR_FCS < overhead) {
			fprintf(stderr, "xdperf ndr: --sizes %u: plugin %s's frames are at least %u bytes with the "
					"FCS (%u bytes of headers)\n", a.sizes[i], a.plugin, overhead + NDR_FCS,
				overhead);
			json_decref(cfg);
			return 2;
		}
	char err[512];
	struct xdperf_server_ctl *ctl = NULL;
	LIBXDPERF_OPTS(xdperf_server_ctl_opts, co, .timeout_ms = 5000, .stop = &gen_stops);
	if (xdperf_server_ctl_open(a.server_addr, &co, &ctl, err, sizeof err)) {
		if (gen_stops)
			fprintf(stderr, "xdperf ndr: stopped by %s while reaching the server at %s; nothing "
					"sent\n", gen_stop_name(), a.server_addr);
		else
			fprintf(stderr, "xdperf ndr: --server-addr: %s; nothing sent\n", err);
		json_decref(cfg);
		return gen_stops ? gen_stop_status() : 1;
	}
	bool srv_stamp = false;
	xdperf_server_ctl_info(ctl, NULL, 0, NULL, &srv_stamp);
	if (!srv_stamp)
		fprintf(stderr, "xdperf ndr: warning: the server at %s does not check stamps (start it with "
				"--stamp): loss from its frame count, no latency\n", a.server_addr);

	struct ndr_state st = { 0 };
	int status = 0;
	bool stopped = false;
	for (size_t i = 0; i < a.nsizes && !status; i++) {
		struct ndr_frames f;
		if (ndr_frames_build(&a, plugin_file, cfg, overhead, a.sizes[i], &f)) {
			if (gen_stops)
				stopped = true;
			else
				status = 1;
			break;
		}
		if (!srv_stamp)
			f.stamp = false;
		struct ndr_result *r = &st.res[st.nres++];
		int e = search_size(&a, ctl, &f, a.sizes[i], &st, r);
		ndr_frames_free(&f);
		if (e < 0) {
			stopped = true;
			if (!r->trials) /* stopped before its first trial ended: nothing to show */
				st.nres--;
			break;
		}
		if (e > 0)
			status = 1;
	}
	xdperf_server_ctl_close(ctl);
	if (stopped)
		fprintf(stderr, "xdperf ndr: stopped by %s; the results so far%s\n", gen_stop_name(),
			st.nres ? "" : ": none");
	json_t *doc = NULL;
	if (a.json || a.report) {
		doc = ndr_doc(&a, plugin_file, cfg, st.res, st.nres, st.steps, st.nsteps, st.mode, stopped);
		if (!doc) {
			fprintf(stderr, "xdperf ndr: out of memory for the results\n");
			status = 1;
		}
	}
	if (a.json && doc)
		cli_json_print(stdout, doc);
	else if (!a.json)
		ndr_print_table(&a, st.res, st.nres, st.mode, stopped);
	if (a.report && doc && ndr_write_report(a.report, doc, a.quiet))
		status = 1;
	json_decref(doc);
	json_decref(cfg);
	for (size_t i = 0; i < st.nres; i++)
		free(st.res[i].lat.hist);
	free(st.steps);
	if (stopped && !status)
		return gen_stop_status();
	return status;
}
