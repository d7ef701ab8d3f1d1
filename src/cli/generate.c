/* `xdperf --plugin NAME ...`: runs a generator plugin and sends the packets it describes.
 * This version writes them to a pcap file (--output); the NIC data path comes with the XDP
 * work. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/commands.h"
#include "cli/plugin_common.h"
#include "packet/pcap.h"
#include "packet/template.h"
#include "xdperf/plugin.h"

struct gen_args {
	const char *plugin, *plugin_path, *config, *device, *output, *src_mac;
	unsigned long long count;
	bool count_set;
	unsigned parallelism;
	int log_level;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf -p|--plugin NAME|FILE.wasm (-o|--output FILE.pcap | -d|--device IF) [options]\n"
		"  -p, --plugin NAME|FILE     generator plugin: NAME.wasm in the plugin path, or a file\n"
		"  -P, --plugin-path DIR      where NAME.wasm is looked up (default " DEFAULT_PLUGIN_PATH
		", then the build tree's plugins)\n"
		"      --plugin-config, --cfg FILE   plugin configuration (JSON object)\n"
		"  -o, --output FILE.pcap     write the packets to a pcap file\n"
		"  -d, --device IF            send on a network interface (not available yet)\n"
		"  -c, --count N              number of packets (default: the plugin's packet_count total)\n"
		"  -l, --parallelism N        sender threads (device mode)\n"
		"      --src-mac MAC          device MAC given to the plugin (pcap output: default 00:00:00:00:00:00)\n"
		"      --log-level LEVEL      debug, info, warn or error (default info)\n");
}

static int parse_args(int argc, char **argv, struct gen_args *a)
{
	static const struct option opts[] = {
		{ "plugin", required_argument, NULL, 'p' },
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "plugin-config", required_argument, NULL, 'C' },
		{ "cfg", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "parallelism", required_argument, NULL, 'l' },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	a->log_level = XDPERF_LOG_INFO;
	a->parallelism = 1;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":p:P:o:d:c:l:h", opts, NULL);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case 'p': a->plugin = optarg; break;
		case 'P': a->plugin_path = optarg; break;
		case 'C': a->config = optarg; break;
		case 'o': a->output = optarg; break;
		case 'd': a->device = optarg; break;
		case 'M': a->src_mac = optarg; break;
		case 'c':
			errno = 0;
			a->count = strtoull(optarg, &end, 10);
			if (errno || *end || optarg[0] == '-' || !optarg[0]) {
				fprintf(stderr, "xdperf: --count: '%s' is not a packet count\n", optarg);
				return 2;
			}
			a->count_set = true;
			break;
		case 'l': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 1024) {
				fprintf(stderr, "xdperf: --parallelism: '%s' is not a thread count (1-1024)\n", optarg);
				return 2;
			}
			a->parallelism = (unsigned)v;
			break;
		}
		case 'L':
			a->log_level = parse_level(optarg);
			if (a->log_level < 0) {
				fprintf(stderr, "xdperf: --log-level: '%s' is not one of debug, info, warn, error\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return -1;
		case ':':
			fprintf(stderr, "xdperf: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "xdperf: unknown option '%s' (see xdperf --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf: unexpected argument '%s' (see xdperf --help)\n", argv[optind]);
		return 2;
	}
	if (!a->plugin) {
		fprintf(stderr, "xdperf: no plugin given (-p NAME or --plugin FILE.wasm)\n");
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
	if (a->device) {
		fprintf(stderr, "xdperf: -d %s: sending on a network interface is not available in this version "
				"yet; use -o FILE.pcap\n", a->device);
		return 2;
	}
	return 0;
}


int cmd_generate(int argc, char **argv)
{
	struct gen_args a = { 0 };
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	uint8_t mac[6] = { 0 };
	if (a.src_mac && parse_mac(a.src_mac, mac)) {
		fprintf(stderr, "xdperf: --src-mac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", a.src_mac);
		return 2;
	}
	char path[PATH_MAX + 32];
	if (find_plugin(a.plugin, a.plugin_path, path, sizeof path))
		return 1;
	json_t *cfg = load_config(a.config);
	if (!cfg)
		return 1;

	int status = 1;
	char err[512];
	struct xdperf_template_set *set = NULL;
	struct plugin_call pc;
	if (plugin_call_once(path, cfg, a.log_level, a.count, mac, &pc) ||
	    plugin_call_templates(&pc, &set))
		goto out;
	unsigned long long count = a.count;
	if (!a.count_set)
		for (size_t i = 0; i < set->n; i++)
			count += set->t[i].packet_count;
	if (count == 0) {
		fprintf(stderr, "xdperf: no packet count: give --count N (the plugin's templates set no packet_count)\n");
		goto out;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t start = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (xdperf_pcap_write_templates(a.output, set, count, start, 0, err, sizeof err)) {
		fprintf(stderr, "xdperf: %s\n", err);
		goto out;
	}
	unsigned long long bytes = 0;
	for (unsigned long long i = 0; i < count && i < set->n; i++)
		bytes += set->t[i].len * ((count - i + set->n - 1) / set->n);
	fprintf(stderr, "xdperf: wrote %llu packets (%llu bytes) from %zu template%s of plugin %s to %s\n",
		count, bytes, set->n, set->n == 1 ? "" : "s", xdperf_plugin_name(pc.p), a.output);
	status = 0;
out:
	xdperf_template_set_free(set);
	plugin_call_release(&pc);
	json_decref(cfg);
	return status;
}
