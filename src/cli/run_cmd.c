/* `xdperf run PROFILE`: sends the streams a profile names (profile/profile.h, docs/profiles.md)
 * together on a device as one multi-stream run (xdperf_tx_new_streams), with live per-stream
 * lines, a per-stream summary, the server's loss and latency per stream (--server-addr), JSON
 * and an HTML report. Output and the report document live in run_out.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/gen_stop.h"
#include "cli/generate.h"
#include "cli/plugin_common.h"
#include "packet/pcap_set.h"
#include "profile/profile.h"
#include "cli/report_params.h"
#include "cli/run_out.h"
#include "datapath/cpus.h"
#include "packet/imix.h"
#include "packet/template.h"
#include "xdperf/plugin.h"
#include "xdperf/server.h"
#include "xdperf/tx.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf run PROFILE.yaml|PROFILE.json [options]\n"
		"  Sends the profile's streams together: each with its source (plugin, templates or\n"
		"  pcap), pace (rate, bitrate, share, gap or bursts), count, duration and start\n"
		"  (docs/profiles.md). Options override the profile's settings.\n"
		"  -d, --device IF            send on IF (profile: device)\n"
		"      --server-addr HOST:PORT    an `xdperf --server --stamp` control port: received,\n"
		"                             lost and latency per stream (profile: server)\n"
		"  -l, --parallelism N        sender threads, one per CPU (profile: threads; default 1);\n"
		"                             every stream's packets are split over them exactly\n"
		"      --cpus LIST|auto|local|node:N   the CPUs of the threads (profile: cpus)\n"
		"  -t, --duration SEC         end the whole run after SEC seconds (profile: duration)\n"
		"      --mode MODE            xdp or afpacket (profile: mode; default xdp, falling back\n"
		"                             to afpacket)\n"
		"      --batch N              XDP frames per kernel batch, 1-256 (default 64)\n"
		"  -P, --plugin-path DIR      where plugin NAME.wasm is looked up (profile: plugin_path)\n"
		"      --plugin-memory-pages N    the plugins' memory cap in 64 KiB pages, 1-65536\n"
		"                             (default 1024 = 64 MiB)\n"
		"      --plugin-dir HOST[:GUEST]  a host directory the plugins may read (read-only),\n"
		"                             seen as GUEST (default /); without it they have no files\n"
		"      --src-mac MAC          MAC given to the plugins (default: the device's own)\n"
		"      --stall-timeout SEC    end the run when the device takes no frame for SEC\n"
		"                             seconds (default 5)\n"
		"      --report FILE.html     a self-contained HTML report: rate over time, loss and\n"
		"                             latency per stream, the run's parameters\n"
		"      --json                 the summary as one JSON object on stdout\n"
		"      --json-stream          an interval object (with per-stream figures) each second\n"
		"                             on stdout, then the summary object\n"
		"  -q, --quiet                no per-second lines\n"
		"      --log-level LEVEL      the plugins' log: debug, info, warn or error\n");
}

struct run_args {
	const char *profile, *device, *server, *cpus, *mode, *plugin_path, *src_mac, *report;
	unsigned threads;
	double duration, stall_timeout;
	unsigned batch;
	bool json, json_stream, quiet;
	int log_level;
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "server-addr", required_argument, NULL, 'A' },
		{ "parallelism", required_argument, NULL, 'l' },
		{ "cpus", required_argument, NULL, 'U' },
		{ "duration", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "plugin-memory-pages", required_argument, NULL, 'G' },
		{ "plugin-dir", required_argument, NULL, 0x1e03 },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "stall-timeout", required_argument, NULL, 'Z' },
		{ "report", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "json-stream", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	a->log_level = XDPERF_LOG_INFO;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":d:l:t:P:qh", opts, NULL);
		if (c == -1)
			break;
		uint64_t v;
		char *end;
		switch (c) {
		case 'd': a->device = optarg; break;
		case 'A': a->server = optarg; break;
		case 'U': a->cpus = optarg; break;
		case 'P':
			if (plugin_path_check("run", optarg))
				return 2;
			a->plugin_path = optarg;
			break;
		case 'G':
			if (plugin_set_memory_pages("run", optarg))
				return 2;
			break;
		case 0x1e03:
			if (plugin_set_dir("run", optarg))
				return 2;
			break;
		case 'M': a->src_mac = optarg; break;
		case 'R': a->report = optarg; break;
		case 'j': a->json = true; break;
		case 'J': a->json_stream = true; break;
		case 'q': a->quiet = true; break;
		case 'l':
			if (cli_parse_u64("run", "--parallelism", optarg, 1, 1024, &v))
				return 2;
			a->threads = (unsigned)v;
			break;
		case 'b':
			if (cli_parse_u64("run", "--batch", optarg, 1, 256, &v))
				return 2;
			a->batch = (unsigned)v;
			break;
		case 't':
		case 'Z':
			errno = 0;
			double d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(d > 0) || d > 1e9) {
				fprintf(stderr, "xdperf run: %s: '%s' is not a number of seconds above 0\n",
					c == 't' ? "--duration" : "--stall-timeout", optarg);
				return 2;
			}
			*(c == 't' ? &a->duration : &a->stall_timeout) = d;
			break;
		case 'm':
			if (strcmp(optarg, "xdp") && strcmp(optarg, "afpacket")) {
				fprintf(stderr, "xdperf run: --mode: '%s' (expected xdp or afpacket)\n",
					optarg);
				return 2;
			}
			a->mode = optarg;
			break;
		case 'L':
			if ((a->log_level = parse_level(optarg)) < 0) {
				fprintf(stderr, "xdperf run: --log-level: '%s' (expected debug, info, warn "
						"or error)\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf run: %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("run", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xdperf run: give a profile (xdperf run PROFILE.yaml; docs/profiles.md)\n");
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "xdperf run: one profile only ('%s' is extra)\n", argv[optind + 1]);
		return 2;
	}
	a->profile = argv[optind];
	if (a->json && a->json_stream) {
		fprintf(stderr, "xdperf run: --json and --json-stream: give one\n");
		return 2;
	}
	return -1;
}

/* The templates of one stream (plugin, templates file or pcap) into *set; 0, or 1 after a
 * message naming the stream. */
static int load_source(const struct prof_stream *ps, const struct profile *p,
		       const struct run_args *a, const uint8_t mac[6], struct xdperf_template_set **set)
{
	struct gen_args g = { 0 };
	g.plugin = ps->plugin;
	g.plugin_path = a->plugin_path ? a->plugin_path : p->plugin_path;
	g.config = ps->config_file;
	g.config_json = ps->config;
	g.templates = ps->templates;
	g.device = a->device;
	g.log_level = a->log_level;
	g.count = ps->count;
	memcpy(g.mac, mac, 6);
	if (ps->imix) {
		char why[300];
		g.imix = ps->imix;
		if (xdperf_imix_parse_spec(ps->imix, g.imix_pat, XDPERF_IMIX_PATTERNS_MAX, &g.imix_n,
					   why, sizeof why)) {
			fprintf(stderr, "xdperf: stream %s: \"imix\": %s\n", ps->name,
				strncmp(why, "imix: ", 6) ? why : why + 6);
			return 1;
		}
	}
	if (ps->pcap) {
		char err[600];
		if (xdperf_pcap_template_set(ps->pcap, set, err, sizeof err)) {
			fprintf(stderr, "xdperf: %s\nxdperf: (in stream %s of %s)\n", err, ps->name,
				a->profile);
			return 1;
		}
		return 0;
	}
	char source[PATH_MAX];
	if (gen_load_set(&g, set, source, sizeof source)) {
		if (!gen_stops) /* a stop is said by the caller */
			fprintf(stderr, "xdperf: (in stream %s of %s)\n", ps->name, a->profile);
		return 1;
	}
	return 0;
}

/* What reproduces the run in the report's parameters: the profile as read, and each stream's
 * source files (plugin, config file, templates, pcap) with their SHA-256. */
static void report_sources(json_t *params, const struct profile *p, const struct run_args *a)
{
	if (!params)
		return;
	json_object_set(params, "profile_document", p->doc);
	for (size_t i = 0; i < p->n; i++) {
		const struct prof_stream *ps = &p->s[i];
		char key[128], path[PATH_MAX];
		if (ps->plugin) {
			snprintf(key, sizeof key, "stream %s plugin", ps->name);
			/* (found before the run: no message now) */
			if (!find_plugin(ps->plugin, a->plugin_path ? a->plugin_path : p->plugin_path,
					 path, sizeof path))
				cli_report_file(params, key, path);
		}
		const char *files[3][2] = { { "config_file", ps->config_file },
					    { "templates", ps->templates }, { "pcap", ps->pcap } };
		for (int k = 0; k < 3; k++)
			if (files[k][1]) {
				snprintf(key, sizeof key, "stream %s %s", ps->name, files[k][0]);
				cli_report_file(params, key, files[k][1]);
			}
	}
}

struct run_ctx {
	struct run_out *out;
	struct xdperf_tx *tx;
};

static void progress(void *ctx, const struct xdperf_tx_stats *total,
		     const struct xdperf_tx_stats *iv)
{
	struct run_ctx *rc = ctx;
	run_out_interval(rc->out, rc->tx, total, iv);
}

static void notice(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "xdperf: %s\n", msg);
}

static int run(struct run_args *a, struct profile *p, int argc, char **argv)
{
	uint8_t mac[6] = { 0 };
	if (a->src_mac ? parse_mac(a->src_mac, mac) : device_mac(a->device, mac)) {
		if (a->src_mac)
			fprintf(stderr, "xdperf run: --src-mac: '%s' is not a MAC address\n", a->src_mac);
		return a->src_mac ? 2 : 1;
	}
	int cpus[DP_CPUS_MAX];
	unsigned ncpus = 0, threads = a->threads ? a->threads : p->threads ? p->threads : 1;
	const char *cpu_spec = a->cpus ? a->cpus : p->cpus;
	if (cpu_spec) {
		char cerr[256];
		if (dp_cpus_resolve(cpu_spec, a->device, cpus, DP_CPUS_MAX, &ncpus, cerr, sizeof cerr)) {
			fprintf(stderr, "xdperf run: cpus %s: %s\n", cpu_spec, cerr);
			return 2;
		}
		if (threads > ncpus) {
			fprintf(stderr, "xdperf run: %u threads but cpus %s gives %u CPU%s\n", threads,
				cpu_spec, ncpus, ncpus == 1 ? "" : "s");
			return 2;
		}
	}
	struct xdperf_template_set **sets = calloc(p->n, sizeof *sets);
	struct xdperf_tx_frame **frames = calloc(p->n, sizeof *frames);
	struct xdperf_tx_stream_opts *so = calloc(p->n, sizeof *so);
	struct run_out out = { .n = p->n, .quiet = a->quiet, .json = a->json,
			       .json_stream = a->json_stream };
	out.s = calloc(p->n, sizeof *out.s);
	int rc = 1;
	struct xdperf_tx *tx = NULL;
	struct xdperf_server_ctl *ctl = NULL;
	if (!sets || !frames || !so || !out.s) {
		fprintf(stderr, "xdperf: out of memory\n");
		goto done;
	}
	uint32_t first = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct prof_stream *ps = &p->s[i];
		int lrc = load_source(ps, p, a, mac, &sets[i]);
		if (gen_stops) {
			fprintf(stderr, "xdperf: stopped by %s while stream %s's %s; nothing sent\n",
				gen_stop_name(), ps->name, ps->plugin ? "plugin was starting" : "templates were read");
			rc = gen_stop_status();
			goto done;
		}
		if (lrc)
			goto done;
		if (!(frames[i] = gen_set_frames(sets[i], false))) {
			fprintf(stderr, "xdperf: out of memory\n");
			goto done;
		}
		so[i] = (struct xdperf_tx_stream_opts){ .sz = sizeof so[i], .name = ps->name,
							.frames = frames[i], .nframes = sets[i]->n,
							.rate = ps->rate, .bitrate = ps->bitrate,
							.count = ps->count, .duration = ps->duration,
							.start = ps->start, .burst = ps->burst,
							.stamp = ps->stamp };
		out.s[i] = (struct run_sout){ .name = ps->name, .first = first,
					      .n = (uint32_t)sets[i]->n, .count = ps->count,
					      .burst = ps->burst,
					      .stamp = ps->stamp };
		first += (uint32_t)sets[i]->n;
	}
	struct run_ctx ctx = { .out = &out };
	const char *mode = a->mode ? a->mode : p->mode;
	LIBXDPERF_OPTS(xdperf_tx_opts, o, .parallelism = threads, .cpus = cpu_spec ? cpus : NULL,
		       .duration = a->duration > 0 ? a->duration : p->duration,
		       .mode = !mode ? XDPERF_TX_AUTO : !strcmp(mode, "xdp") ? XDPERF_TX_XDP :
				       XDPERF_TX_AFPACKET,
		       .batch = a->batch, .progress = progress, .progress_ctx = &ctx,
		       .notice = notice, .stall_timeout = a->stall_timeout);
	char err[600];
	int e = xdperf_tx_new_streams(a->device, so, p->n, &o, &tx, err, sizeof err);
	if (e) {
		fprintf(stderr, "xdperf: %s: %s\n", a->profile, err);
		goto done;
	}
	ctx.tx = tx;
	const char *server = a->server ? a->server : p->server;
	bool any_stamp = false;
	for (size_t i = 0; i < p->n; i++)
		any_stamp = any_stamp || p->s[i].stamp;
	if (server && (rc = gen_server_open(server, any_stamp, &ctl)))
		goto done;
	gen_stop_attach(tx);
	struct xdperf_tx_result r;
	e = xdperf_tx_run(tx, &r, err, sizeof err);
	gen_stop_attach(NULL);
	if (e)
		fprintf(stderr, "xdperf: %s\n", err);
	struct xdperf_tx_sstats st[256];
	if (!xdperf_tx_stream_stats(tx, st, p->n))
		for (size_t i = 0; i < p->n; i++) {
			out.s[i].tx = st[i];
			out.s[i].target_pps = st[i].rate;
		}
	run_out_final(&out, r.total.seconds);
	char srv_err[512] = "";
	if (ctl) {
		struct xdperf_server_report *srv = NULL;
		uint64_t stamped = 0;
		for (size_t i = 0; i < p->n; i++)
			stamped += out.s[i].stamp ? out.s[i].tx.packets : 0;
		if (xdperf_server_ctl_report(ctl, stamped, 500, 10000, &srv, srv_err, sizeof srv_err))
			srv = NULL;
		if (srv) {
			run_out_server(&out, srv, r.run_id);
			xdperf_server_report_free(srv);
		}
	}
	run_out_summary(&out, &r, a->profile, srv_err, e ? err : NULL);
	rc = e ? 1 : 0;
	if (a->report) {
		json_t *doc = run_out_doc(&out, &r, a->profile, argc, argv);
		if (doc)
			report_sources(json_object_get(doc, "params"), p, a);
		if (!doc || cli_report_write("--report", a->report, doc, a->quiet))
			rc = rc ? rc : 1;
		json_decref(doc);
	}
	if (!e && r.stopped && gen_stops)
		rc = gen_stop_status();
done:
	xdperf_server_ctl_close(ctl);
	xdperf_tx_free(tx);
	for (size_t i = 0; sets && i < p->n; i++)
		xdperf_template_set_free(sets[i]);
	for (size_t i = 0; frames && i < p->n; i++)
		free(frames[i]);
	free(sets);
	free(frames);
	free(so);
	run_out_free(&out);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	gen_stop_install();
	struct profile p;
	char err[600];
	if (profile_load(a.profile, &p, err, sizeof err)) {
		fprintf(stderr, "xdperf: %s\n", err);
		return 2;
	}
	const char *why = !a.plugin_path && p.plugin_path ? cli_dir_problem(p.plugin_path) : NULL;
	if (why) {
		fprintf(stderr, "xdperf run: plugin_path '%s' in %s: %s\n", p.plugin_path, a.profile, why);
		profile_free(&p);
		return 2;
	}
	if (!a.device)
		a.device = p.device;
	if (!a.device) {
		fprintf(stderr, "xdperf run: give a device: -d IF, or \"device\" in %s\n", a.profile);
		profile_free(&p);
		return 2;
	}
	if (a.report && cli_report_check("--report", a.report)) {
		profile_free(&p);
		return 2;
	}
	rc = run(&a, &p, argc, argv);
	profile_free(&p);
	return rc;
}
