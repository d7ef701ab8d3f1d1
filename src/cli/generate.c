/* `xdperf --plugin NAME ...`: runs a generator plugin and sends the packets it describes on
 * a network device (XDP or AF_PACKET, src/datapath/) or writes them to a pcap file. Option
 * parsing and the pcap path live here; the device run and its output in generate_tx.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/gen_stop.h"
#include "cli/generate.h"
#include "cli/plugin_common.h"
#include "cli/replay_cmd.h"
#include "cli/report_params.h"
#include "cli/tx_summary.h"
#include "packet/pcap.h"
#include "packet/schedule.h"
#include "packet/template.h"
#include "util/clock.h"
#include "util/file.h"
#include "xdperf/plugin.h"
#include "xdperf/tx.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf -p|--plugin NAME|FILE.wasm (-o|--output FILE.pcap | -d|--device IF) [options]\n"
		"       xdperf --pcap FILE (-d|--device IF | -o|--output OUT.pcap) [options]\n"
		"  -p, --plugin NAME|FILE     generator plugin: NAME.wasm in the plugin path, or a file\n"
		"      --templates FILE.json  send these templates (a plugin response) instead of a plugin's\n"
		"  -P, --plugin-path DIR      where NAME.wasm is looked up (default " DEFAULT_PLUGIN_PATH
		", then the build tree's plugins)\n"
		"      --plugin-config, --cfg FILE   plugin configuration (JSON object)\n"
		"      --plugin-memory-pages N    the plugin's memory cap in 64 KiB pages, 1-65536\n"
		"                             (default 1024 = 64 MiB)\n"
		"      --plugin-dir HOST[:GUEST]  a host directory the plugin may read (read-only),\n"
		"                             seen as GUEST (default /); without it, no files at all\n"
		"  -o, --output FILE.pcap     write the packets to a pcap file\n"
		"  -d, --device IF            send on a network interface\n"
		"  -c, --count N              packets in all, at most 2^63-1, a k/M/G suffix allowed (1.5k =\n"
		"                             1500; default: the plugin's packet_count total). 0 = no limit:\n"
		"                             with -d until --duration or Ctrl-C; with -o only into a pipe\n"
		"                             or device (until Ctrl-C or its reader goes away), refused for\n"
		"                             a file (nothing paces a pcap: it would fill the disk)\n"
		"  -t, --duration SEC         stop after SEC seconds (device mode); paced, every packet\n"
		"                             due in that time goes: rate x SEC packets\n"
		"  -l, --parallelism N        sender threads, one per CPU (device mode; default 1, or\n"
		"                             one per CPU of a --cpus list)\n"
		"      --cpus LIST|auto|local|node:N\n"
		"                             the CPUs the threads run on, in order: a list (0-3,8),\n"
		"                             auto (the device's NUMA node first), local (that node\n"
		"                             only) or node:N (default: the first CPUs allowed)\n"
		"  -r, --rate PPS             packets per second in all, a k/M/G suffix and fractions\n"
		"                             allowed (1.5k; 0.5 = one packet every 2 s) (default: the\n"
		"                             templates' rate_pps, else as fast as possible). With -o it\n"
		"                             sets the pcap timestamps (default 1 us apart); the file is\n"
		"                             written as fast as the disk takes it\n"
		"      --bitrate RATE         bits per second of frame bytes instead, e.g. 10G, 250M\n"
		"      --imix SPEC            send every template in an IMIX of frame sizes: simple (64:7,\n"
		"                             576:4,1500:1) or SIZE:WEIGHT,... (default: metadata.imix)\n"
		"      --watch                device mode: reload the plugin when its file, its config or\n"
		"                             the templates file changes (SIGHUP reloads too)\n"
		"      --mode MODE            xdp or afpacket (default: xdp, falling back to afpacket)\n"
		"      --batch N              XDP frames per kernel batch, 1-256 (default 64)\n"
		"      --stamp                write a measurement trailer (stream, sequence number, send\n"
		"                             time) into every packet's last 28 UDP payload bytes, for\n"
		"                             an `xdperf --server --stamp` to measure loss and latency\n"
		"      --server-addr HOST:PORT    the control port of an `xdperf --server`: reset it\n"
		"                             before the run, fetch its report after, print both\n"
		"      --rx-device IF         count the frames that come back on IF (the same device or\n"
		"                             another; e.g. from `xdperf --server --reflect`): recv/s in\n"
		"                             the per-second lines, the round trip in the summary\n"
		"      --metrics ADDR:PORT    serve the run's counters as Prometheus text at /metrics\n"
		"      --otlp-endpoint URL    push them as OTLP/HTTP JSON to URL/v1/metrics every second\n"
		"                             and at the end (docs/metrics.md)\n"
		"      --nic-stats            the device's own counters (kernel and driver: sent, dropped,\n"
		"                             errors) read before and after the run: what changed, in\n"
		"                             the summary\n"
		"      --stall-timeout SEC    end the run (exit 1, saying why) when the device takes no\n"
		"                             frame for SEC seconds: it refuses them, or has no carrier\n"
		"                             (default 5)\n"
		"      --json                 print the summary as one JSON object on stdout (instead of\n"
		"                             the text summary on stderr)\n"
		"      --json-stream          one JSON object per line on stdout: an interval object\n"
		"                             every second, then the end object (the --json summary);\n"
		"                             docs/json-stream.md\n"
		"      --report FILE.html     write an HTML report of the run: rate per second, loss and\n"
		"                             latency per stream (with --server-addr), the parameters;\n"
		"                             one file that fetches nothing (docs/reports.md)\n"
		"  -q, --quiet                no per-second statistics (on stderr)\n"
		"      --src-mac MAC          device MAC given to the plugin (default: the device's own;\n"
		"                             pcap output: 00:00:00:00:00:00)\n"
		"      --log-level LEVEL      debug, info, warn or error (default info)\n"
		"capture replay (docs/replay.md); -c, -t, -r, --mode, --batch, --stall-timeout, --json,\n"
		"--json-stream and -q apply as above:\n"
		"      --pcap FILE            send the frames of a pcap or pcapng capture (Ethernet) in\n"
		"                             order, with their original timing (-o: into a pcap file)\n"
		"      --multiplier X         X times as fast as captured (0.5 = half speed)\n"
		"      --topspeed             as fast as the device takes them (-r PPS: a fixed rate)\n"
		"      --loop N               N passes over the capture (default 1; 0 = until stopped)\n"
		"      --enet-dmac MAC, --enet-smac MAC   set every frame's destination/source MAC\n"
		"      --srcipmap A/N:B/M[,...], --dstipmap ...   map IPv4/IPv6 addresses CIDR to CIDR\n"
		"                             (IPv6 in brackets: [2001:db8::/32]:[fd00::/32])\n"
		"      --portmap P:Q[,...]    map TCP/UDP ports (P1-P2:Q for a range); checksums kept\n"
		"      --skip-oversize        leave out (and count) frames too long for the device instead\n"
		"                             of refusing the capture\n");
}

static int parse_args(int argc, char **argv, struct gen_args *a)
{
	static const struct option opts[] = {
		{ "plugin", required_argument, NULL, 'p' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "plugin-config", required_argument, NULL, 'C' },
		{ "cfg", required_argument, NULL, 'C' },
		{ "plugin-memory-pages", required_argument, NULL, 0x1e02 },
		{ "plugin-dir", required_argument, NULL, 0x1e03 },
		{ "output", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "parallelism", required_argument, NULL, 'l' },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "duration", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "bitrate", required_argument, NULL, 'B' },
		{ "mode", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "json-stream", no_argument, NULL, 'J' },
		{ "templates", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "imix", required_argument, NULL, 'I' },
		{ "watch", no_argument, NULL, 'W' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "stamp", no_argument, NULL, 'S' },
		{ "server-addr", required_argument, NULL, 'A' },
		{ "stall-timeout", required_argument, NULL, 'Z' },
		{ "rx-device", required_argument, NULL, 'X' },
		{ "cpus", required_argument, NULL, 'U' },
		{ "nic-stats", no_argument, NULL, 'N' },
		{ "metrics", required_argument, NULL, 'Q' },
		{ "otlp-endpoint", required_argument, NULL, 'O' },
		{ "report", required_argument, NULL, 0x1e01 },
		{ "pcap", required_argument, NULL, REPLAY_OPT_PCAP },
		{ "multiplier", required_argument, NULL, REPLAY_OPT_MULTIPLIER },
		{ "topspeed", no_argument, NULL, REPLAY_OPT_TOPSPEED },
		{ "loop", required_argument, NULL, REPLAY_OPT_LOOP },
		{ "enet-dmac", required_argument, NULL, REPLAY_OPT_DMAC },
		{ "enet-smac", required_argument, NULL, REPLAY_OPT_SMAC },
		{ "srcipmap", required_argument, NULL, REPLAY_OPT_SRCIPMAP },
		{ "dstipmap", required_argument, NULL, REPLAY_OPT_DSTIPMAP },
		{ "portmap", required_argument, NULL, REPLAY_OPT_PORTMAP },
		{ "skip-oversize", no_argument, NULL, REPLAY_OPT_SKIP_OVERSIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	a->log_level = XDPERF_LOG_INFO;
	a->parallelism = 1;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":p:P:o:d:c:l:t:r:qh", opts, NULL);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case 'p': a->plugin = optarg; break;
		case 'P':
			if (plugin_path_check("", optarg))
				return 2;
			a->plugin_path = optarg;
			break;
		case 'C': a->config = optarg; break;
		case 0x1e02:
			if (plugin_set_memory_pages("", optarg))
				return 2;
			break;
		case 0x1e03:
			if (plugin_set_dir("", optarg))
				return 2;
			break;
		case 'o': a->output = optarg; break;
		case 'd': a->device = optarg; break;
		case 'M': a->src_mac = optarg; break;
		case 'c':
			if (parse_count(optarg, &a->count))
				return 2;
			a->count_set = true;
			break;
		case 'l': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 1024) {
				fprintf(stderr, "xdperf: --parallelism: '%s' is not a thread count (1-1024)\n", optarg);
				return 2;
			}
			a->parallelism = (unsigned)v;
			a->parallelism_set = true;
			break;
		}
		case 't': {
			double v = strtod(optarg, &end);
			if (*end || !(v > 0) || v > 1e9) {
				fprintf(stderr, "xdperf: --duration: '%s' is not a number of seconds\n", optarg);
				return 2;
			}
			a->duration = v;
			break;
		}
		case 'r':
			if (cli_parse_rate("xdperf", "--rate", optarg, &a->rate_num, &a->rate_den, &a->rate))
				return 2;
			break;
		case 'B':
			if (xdperf_parse_bitrate(optarg, &a->bitrate)) {
				fprintf(stderr, "xdperf: --bitrate: \"%s\": expected bits per second with optional "
						"k/M/G/T suffix (like 10G, 250M, 1.5k)\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (!strcmp(optarg, "xdp"))
				a->mode = XDPERF_TX_XDP;
			else if (!strcmp(optarg, "afpacket"))
				a->mode = XDPERF_TX_AFPACKET;
			else {
				fprintf(stderr, "xdperf: --mode: '%s' is not xdp or afpacket\n", optarg);
				return 2;
			}
			break;
		case 'b': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 256) {
				fprintf(stderr, "xdperf: --batch: '%s' is not a batch size (1-256)\n", optarg);
				return 2;
			}
			a->batch = (unsigned)v;
			break;
		}
		case 'j': a->json = true; break;
		case 'J': a->json_stream = true; break;
		case 'T': a->templates = optarg; break;
		case 'I': {
			char why[256];
			if (xdperf_imix_parse_spec(optarg, a->imix_pat, XDPERF_IMIX_PATTERNS_MAX,
						   &a->imix_n, why, sizeof why)) {
				/* the parser's messages start with "imix: "; the option names it here */
				fprintf(stderr, "xdperf: --imix: %s\n",
					strncmp(why, "imix: ", 6) ? why : why + 6);
				return 2;
			}
			a->imix = optarg;
			break;
		}
		case 'W': a->watch = true; break;
		case 'S': a->stamp = true; break;
		case 'A': a->server_addr = optarg; break;
		case 'X': a->rx_device = optarg; break;
		case 'U': a->cpus = optarg; break;
		case 'N': a->nic_stats = true; break;
		case 'Q': a->metrics = optarg; break;
		case 'O': a->otlp = optarg; break;
		case 0x1e01: a->report = optarg; break;
		case 'Z': {
			double v = strtod(optarg, &end);
			if (*end || !optarg[0] || !(v >= 0.1) || v > 3600) {
				fprintf(stderr, "xdperf: --stall-timeout: '%s' is not a number of seconds "
						"(0.1-3600)\n", optarg);
				return 2;
			}
			a->stall_timeout = v;
			break;
		}
		case 'q': a->quiet = true; break;
		case 'L':
			a->log_level = parse_level(optarg);
			if (a->log_level < 0) {
				fprintf(stderr, "xdperf: --log-level: '%s' is not one of debug, info, warn, error\n", optarg);
				return 2;
			}
			break;
		case REPLAY_OPT_PCAP ... REPLAY_OPT_LAST:
			if (replay_parse_opt(&a->replay, c, optarg))
				return 2;
			break;
		case 'h': usage(stdout); return -1;
		case ':':
			fprintf(stderr, "xdperf: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf: unexpected argument '%s' (see xdperf --help)\n", argv[optind]);
		return 2;
	}
	if (!a->plugin && !a->templates && !a->replay.pcap) {
		fprintf(stderr, "xdperf: no plugin given (-p NAME or --plugin FILE.wasm, or --templates FILE.json)\n");
		return 2;
	}
	if (a->plugin && a->templates) {
		fprintf(stderr, "xdperf: --plugin and --templates exclude each other\n");
		return 2;
	}
	if (!a->output && !a->device) {
		fprintf(stderr, "xdperf: say where the packets go: -o FILE.pcap or -d INTERFACE\n");
		return 2;
	}
	if (a->output && a->device) {
		fprintf(stderr, "xdperf: -o and -d exclude each other\n");
		return 2;
	}
	if (a->rate > 0 && a->bitrate) {
		fprintf(stderr, "xdperf: --rate and --bitrate exclude each other\n");
		return 2;
	}
	if (a->json && a->json_stream) {
		fprintf(stderr, "xdperf: --json and --json-stream exclude each other (the stream ends "
				"with the --json summary)\n");
		return 2;
	}
	if (a->output && (a->duration > 0 || a->mode || a->parallelism > 1 || a->batch || a->bitrate ||
			  a->watch || a->stamp || a->server_addr || a->stall_timeout > 0 || a->rx_device ||
			  a->cpus || a->nic_stats || a->metrics || a->otlp)) {
		fprintf(stderr, "xdperf: --duration, --mode, --parallelism, --cpus, --batch, --bitrate, "
				"--watch, --stamp, --server-addr, --rx-device, --nic-stats, --metrics, "
				"--otlp-endpoint and --stall-timeout apply to -d (device) runs, not to -o "
				"FILE.pcap\n");
		return 2;
	}
	if (a->output && a->report) {
		fprintf(stderr, "xdperf: --report applies to -d (device) runs, not to -o FILE.pcap\n");
		return 2;
	}
	return 0;
}

/* Templates from a JSON file in the plugin response format; 0, or 1 after a message. */
static int load_templates_file(const char *file, unsigned long long count,
			       struct xdperf_template_set **set)
{
	uint8_t *buf;
	size_t len;
	char err[512], warn[512];
	int e = xdperf_read_file_any(file, 64u << 20, &buf, &len);
	if (e) {
		fprintf(stderr, "xdperf: --templates %s: %s\n", file, xdperf_file_strerror(e));
		return 1;
	}
	e = xdperf_templates_parse_count((const char *)buf, len, count, set, warn, sizeof warn, err,
					 sizeof err);
	free(buf);
	if (e) {
		fprintf(stderr, "xdperf: --templates %s: %s\n", file, err);
		return 1;
	}
	if (warn[0])
		fprintf(stderr, "xdperf: warning: --templates %s: %s\n", file, warn);
	return 0;
}

int gen_load_set(const struct gen_args *a, struct xdperf_template_set **out, char *source,
		 size_t srclen)
{
	struct xdperf_template_set *set = NULL;
	if (a->templates) {
		if (load_templates_file(a->templates, a->count, &set))
			return 1;
		snprintf(source, srclen, "%s", a->templates);
	} else {
		char path[PATH_MAX + 32];
		struct plugin_call pc = { 0 };
		json_t *cfg = NULL;
		int rc = find_plugin(a->plugin, a->plugin_path, path, sizeof path);
		if (!rc && !(cfg = a->config_json ? json_incref(a->config_json) : load_config(a->config)))
			rc = 1;
		if (!rc)
			rc = plugin_call_once(path, cfg, a->log_level, a->count, a->mac, a->device, gen_irq, &pc) ||
			     plugin_call_templates(&pc, &set) || plugin_call_finish(&pc);
		if (!rc)
			snprintf(source, srclen, "%s", xdperf_plugin_name(pc.p));
		plugin_call_release(&pc);
		json_decref(cfg);
		if (rc) {
			xdperf_template_set_free(set); /* a plugin_cleanup that failed: none is sent */
			return 1;
		}
	}
	/* IMIX: --imix for every template, else the templates' metadata.imix */
	char err[512], warn[512];
	struct xdperf_template_set *mixed = NULL;
	if (xdperf_imix_apply(set, a->imix_pat, a->imix_n, &mixed, warn, sizeof warn, err,
			      sizeof err)) {
		fprintf(stderr, "xdperf: %s%s: %s\n", a->imix ? "--imix " : "imix of ",
			a->imix ? a->imix : source, err);
		xdperf_template_set_free(set);
		return 1;
	}
	if (warn[0])
		fprintf(stderr, "xdperf: warning: %s\n", warn);
	xdperf_template_set_free(set);
	/* field engine warnings (a modified field whose checksum nobody updates): the first
	 * one in full, then how many templates share it */
	size_t nwarn = 0, first = 0;
	for (size_t i = 0; i < mixed->n; i++)
		if (mixed->t[i].fields.warn[0] && !nwarn++)
			first = i;
	if (nwarn)
		fprintf(stderr, "xdperf: warning: template %zu: %s%s\n", first,
			mixed->t[first].fields.warn, nwarn > 1 ? " (and in more templates)" : "");
	*out = mixed;
	return 0;
}

/* pcap timestamps: packet i at start + i * gap_num / gap_den ns (--rate, else 1 us apart) */
static void pcap_gap(const struct gen_args *a, uint64_t *num, uint64_t *den)
{
	*num = a->rate > 0 ? 1000000000ull * a->rate_den : XDPERF_PCAP_DEFAULT_GAP_NS;
	*den = a->rate > 0 ? a->rate_num : 1;
}

/* The last packet's pcap timestamp (32-bit seconds) must not pass 2106; 0, or 1 after a
 * message. */
static int pcap_time_check(const struct gen_args *a, uint64_t start, unsigned long long count)
{
	uint64_t last, num, den;
	pcap_gap(a, &num, &den);
	if (xdperf_pcap_time_gap(start, count - 1, num, den, &last))
		return 0;
	char rate[64];
	if (a->rate > 0)
		cli_format_rate(a->rate_num, a->rate_den, rate, sizeof rate);
	else
		snprintf(rate, sizeof rate, "%u", 1000000000u / XDPERF_PCAP_DEFAULT_GAP_NS);
	fprintf(stderr, "xdperf: %llu packets at %s per second%s would be stamped after "
			"2106-02-07 06:28:15 UTC, the last time a pcap file holds; give a smaller "
			"--count or a higher --rate\n", count, rate,
		a->rate > 0 ? "" : " (the pcap default without --rate)");
	return 1;
}

/* True when path names what standard output is (e.g. -o /dev/stdout). */
static bool is_stdout(const char *path)
{
	struct stat a, b;
	return !stat(path, &a) && !fstat(1, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* --json-stream of a pcap run: an interval object about every second of writing. */
struct pcap_stream {
	double t0, last_end;
	uint64_t packets, bytes;
};

static void pcap_interval(struct pcap_stream *ps, double end, uint64_t packets, uint64_t bytes)
{
	cli_json_event("interval", cli_interval_json(ps->last_end, end, packets - ps->packets,
						     bytes - ps->bytes, packets, bytes));
	ps->last_end = end;
	ps->packets = packets;
	ps->bytes = bytes;
}

static void pcap_progress(void *ctx, uint64_t packets, uint64_t bytes)
{
	struct pcap_stream *ps = ctx;
	pcap_interval(ps, xdperf_mono() - ps->t0, packets, bytes);
}

/* -o FILE: writes the packets (no pacing: --rate only sets the timestamps). */
static int generate_pcap(struct gen_args *a, const struct xdperf_template_set *set,
			 const char *source, unsigned long long count)
{
	if ((a->json || a->json_stream) && is_stdout(a->output)) {
		fprintf(stderr, "xdperf: -o %s is standard output, where %s goes too; write the pcap "
				"elsewhere\n", a->output, a->json ? "--json" : "--json-stream");
		return 2;
	}
	if (count == 0 && a->count_set) {
		struct stat st;
		if (stat(a->output, &st) || S_ISREG(st.st_mode)) {
			fprintf(stderr, "xdperf: -c 0 (no limit) with -o %s: a pcap file is written as fast "
					"as the disk takes it (--rate only sets its timestamps), so it would "
					"grow until the disk is full; give --count N, or write into a pipe\n",
				a->output);
			return 2;
		}
		fprintf(stderr, "xdperf: -c 0: writing to %s until stopped (Ctrl-C) or its reader goes "
				"away\n", a->output);
	} else if (count == 0) {
		fprintf(stderr, "xdperf: no packet count: give --count N (the plugin's templates set no packet_count)\n");
		return 1;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t start = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (count && pcap_time_check(a, start, count))
		return 1;
	/* The same send order as a device run: rotation, or interleaved by rate_pps or weights
	 * (an IMIX's 7:4:1, or packet_count). */
	uint64_t *w = calloc(set->n, sizeof *w);
	uint32_t *order = NULL, order_len = 0;
	if (!w || xdperf_schedule_build(xdperf_schedule_weights(set, w) ? w : NULL, (uint32_t)set->n,
					65536, &order, &order_len)) {
		free(w);
		fprintf(stderr, "xdperf: out of memory\n");
		return 1;
	}
	free(w);
	uint64_t written = 0, bytes = 0, num, den;
	char err[512];
	pcap_gap(a, &num, &den);
	struct pcap_stream ps = { .t0 = xdperf_mono() };
	int e = xdperf_pcap_write_gap(a->output, set, order, order_len, count, start, num, den,
				      &gen_stops, a->json_stream ? pcap_progress : NULL, &ps, &written,
				      &bytes, err, sizeof err);
	double secs = xdperf_mono() - ps.t0;
	free(order);
	if (e && e != -ERANGE) {
		fprintf(stderr, "xdperf: %s\n", err);
		return e == -EINTR && gen_stops ? gen_stop_status() : 1;
	}
	if (e)
		fprintf(stderr, "xdperf: %s\n", err);
	bool stopped = count ? written < count : e != -ERANGE;
	if (a->json || a->json_stream) {
		if (a->json_stream && (written > ps.packets || secs > ps.last_end))
			pcap_interval(&ps, secs, written, bytes);
		uint64_t first = 0, last = 0;
		xdperf_pcap_time_gap(start, 0, num, den, &first);
		if (written)
			xdperf_pcap_time_gap(start, written - 1, num, den, &last);
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:b, s:f, s:f}",
				      a->templates ? "templates_file" : "plugin", source,
				      "output", a->output, "packets", (json_int_t)written,
				      "bytes", (json_int_t)bytes, "count", (json_int_t)count,
				      "templates", (int)set->n, "stopped", stopped, "duration_s", secs,
				      "pcap_span_s", written ? (double)(last - first) / 1e9 : 0.0);
		if (o && a->rate > 0)
			json_object_set_new(o, "rate_target_pps", json_real(a->rate));
		if (o && e)
			json_object_set_new(o, "error", json_string(err));
		if (o)
			cli_json_result(o, a->json_stream);
	} else {
		char stopped_txt[80] = "";
		if (stopped && count)
			snprintf(stopped_txt, sizeof stopped_txt, " (stopped by %s: %llu of %llu)",
				 gen_stop_name() ? gen_stop_name() : "a signal", (unsigned long long)written,
				 count);
		else if (stopped)
			snprintf(stopped_txt, sizeof stopped_txt, " (stopped by %s)",
				 gen_stop_name() ? gen_stop_name() : "a signal");
		fprintf(stderr, "xdperf: wrote %llu packets (%llu bytes) from %zu template%s of %s%s to %s%s\n",
			(unsigned long long)written, (unsigned long long)bytes, set->n,
			set->n == 1 ? "" : "s", a->templates ? "" : "plugin ", source, a->output,
			stopped_txt);
	}
	return e ? 1 : 0;
}

int cmd_generate(int argc, char **argv)
{
	struct gen_args a = { 0 };
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.replay.pcap || a.replay.first)
		return replay_main(&a);
	a.argc = argc;
	a.argv = argv;
	if (a.report && cli_report_check("--report", a.report))
		return 1;
	if (a.src_mac && parse_mac(a.src_mac, a.mac)) {
		fprintf(stderr, "xdperf: --src-mac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", a.src_mac);
		return 2;
	}
	if (a.device && !a.src_mac && device_mac(a.device, a.mac))
		return 1;
	if (a.device)
		block_sighup();
	gen_stop_install();
	int status = 1;
	char source[PATH_MAX + 32];
	struct xdperf_template_set *set = NULL;
	int lrc = gen_load_set(&a, &set, source, sizeof source);
	if (gen_stops) {
		fprintf(stderr, "xdperf: stopped by %s while %s; nothing %s\n", gen_stop_name(),
			a.templates ? "reading the templates" : "the plugin was starting",
			a.output ? "written" : "sent");
		xdperf_template_set_free(set);
		return gen_stop_status();
	}
	if (lrc)
		return 1;
	unsigned long long count = a.count;
	if (!a.count_set)
		for (size_t i = 0; i < set->n; i++)
			if (__builtin_add_overflow(count, set->t[i].packet_count, &count)) {
				fprintf(stderr, "xdperf: the templates' packet_count values add up to more "
						"than %llu packets (template %zu overflows the sum); give --count N "
						"or smaller packet_count values\n", ULLONG_MAX, i);
				goto out;
			}
	if (count > COUNT_MAX) {
		fprintf(stderr, "xdperf: the templates' packet_count values add up to %llu packets, more "
				"than the %lld a run can count; give --count N or smaller packet_count "
				"values\n", count, (long long)COUNT_MAX);
		goto out;
	}
	if (a.device) {
		if (!a.count_set && count == 0 && !(a.duration > 0)) {
			fprintf(stderr, "xdperf: no packet count: give --count N or --duration SEC (the plugin's "
					"templates set no packet_count; --count 0 sends until Ctrl-C)\n");
			goto out;
		}
		a.count = count;
		a.count_set = true; /* a reload asks the plugin for the same count */
		status = generate_on_device(&a, set, source);
		goto out;
	}
	status = generate_pcap(&a, set, source, count);
out:
	xdperf_template_set_free(set);
	return status;
}
