/* `xdperf probe -d IF [--json]`: what a device offers a run (src/datapath/probe.c) and the
 * CPUs a run would use (--cpus auto: the device's NUMA node first). Sends nothing. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "datapath/bpf_util.h"
#include "datapath/cpus.h"
#include "datapath/probe.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf probe -d IF [--json]\n"
		"  what IF offers a run: driver, queues, MTU, link speed, NUMA node, the XDP features\n"
		"  its driver declares, which XDP attach modes work (tried only when no program is\n"
		"  attached), whether the kernel runs live XDP frames, and the CPUs a run would use\n"
		"  (--cpus auto). Nothing is sent.\n"
		"  -d, --device IF   the device\n"
		"      --json        one JSON object on stdout\n");
}

static const struct { unsigned bit; const char *name; } feats[] = {
	{ DP_XDP_BASIC, "basic" }, { DP_XDP_REDIRECT, "redirect" }, { DP_XDP_NDO_XMIT, "ndo-xmit" },
	{ DP_XDP_XSK_ZEROCOPY, "xsk-zerocopy" }, { DP_XDP_HW_OFFLOAD, "hw-offload" },
	{ DP_XDP_RX_SG, "rx-sg" }, { DP_XDP_NDO_XMIT_SG, "ndo-xmit-sg" },
};

static const char *tri(int v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "not tried";
}

static json_t *tri_json(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dev = NULL;
	bool json = false;
	optind = 1;
	opterr = 0;
	for (int c; (c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1;) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'J': json = true; break;
		case 'h': usage(stdout); return 0;
		case ':': fprintf(stderr, "xdperf probe: %s needs a value\n", argv[optind - 1]); return 2;
		default: cli_unknown_option("probe", argv[optind - 1], opts, NULL); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf probe: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!dev) {
		fprintf(stderr, "xdperf probe: give the device: -d IF\n");
		return 2;
	}
	dp_bpf_quiet_libbpf();
	struct dp_probe p;
	char err[256];
	if (dp_probe(dev, &p, err, sizeof err)) {
		fprintf(stderr, "xdperf probe: -d %s: %s\n", dev, err);
		return 1;
	}
	int cpus[DP_CPUS_MAX];
	unsigned ncpus = 0;
	char cpulist[256] = "";
	if (!dp_cpus_resolve("auto", dev, cpus, DP_CPUS_MAX, &ncpus, err, sizeof err))
		dp_cpulist_format(cpus, ncpus, cpulist, sizeof cpulist);
	char flist[160] = "";
	for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++)
		if (p.xdp_features & feats[i].bit)
			snprintf(flist + strlen(flist), sizeof flist - strlen(flist), "%s%s", flist[0] ? " " : "",
				 feats[i].name);
	if (json) {
		json_t *f = json_array();
		for (size_t i = 0; f && i < sizeof feats / sizeof feats[0]; i++)
			if (p.xdp_features & feats[i].bit)
				json_array_append_new(f, json_string(feats[i].name));
		json_t *cl = json_array();
		for (unsigned i = 0; cl && i < ncpus; i++)
			json_array_append_new(cl, json_integer(cpus[i]));
		json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:i, s:i, s:i, s:i,"
				      " s:i, s:i, s:o, s:i, s:o, s:s, s:o, s:s, s:o, s:s, s:o}",
				      "device", p.ifname, "ifindex", p.ifindex, "driver", p.driver,
				      "driver_version", p.version, "bus", p.bus, "firmware", p.firmware,
				      "mac", p.mac, "operstate", p.operstate, "mtu", p.mtu,
				      "speed_mbps", (json_int_t)p.speed_mbps, "duplex", p.duplex,
				      "rx_queues", (int)p.rx_queues, "tx_queues", (int)p.tx_queues,
				      "channels_combined", p.channels_combined, "channels_rx", p.channels_rx,
				      "channels_tx", p.channels_tx, "numa_node", p.numa_node,
				      "xdp_features", p.has_xdp_features ? f : (json_decref(f), json_null()),
				      "xdp_attached_prog", (int)p.attached_prog,
				      "xdp_native", tri_json(p.native), "xdp_native_why", p.native_why,
				      "xdp_generic", tri_json(p.generic), "xdp_generic_why", p.generic_why,
				      "live_frames", tri_json(p.live_frames), "live_frames_why", p.live_why,
				      "cpus", cl);
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(o);
		return t ? 0 : 1;
	}
	printf("device      %s (ifindex %d), %s, MAC %s\n", p.ifname, p.ifindex,
	       p.operstate[0] ? p.operstate : "state unknown", p.mac);
	printf("driver      %s%s%s%s%s%s%s\n", p.driver[0] ? p.driver : "unknown",
	       p.version[0] ? " " : "", p.version, p.bus[0] ? ", bus " : "", p.bus,
	       p.firmware[0] ? ", firmware " : "", p.firmware);
	printf("link        MTU %d, ", p.mtu);
	if (p.speed_mbps > 0)
		printf("%lld Mb/s%s%s\n", (long long)p.speed_mbps, p.duplex[0] ? " " : "", p.duplex);
	else
		printf("speed unknown\n");
	printf("queues      %u rx, %u tx", p.rx_queues, p.tx_queues);
	if (p.channels_combined >= 0)
		printf(" (channels: %d combined of %d, %d rx, %d tx)", p.channels_combined,
		       p.channels_max_combined, p.channels_rx, p.channels_tx);
	printf("\nNUMA node   %s", p.numa_node >= 0 ? "" : "none\n");
	if (p.numa_node >= 0)
		printf("%d\n", p.numa_node);
	printf("XDP         features: %s\n", p.has_xdp_features ? (flist[0] ? flist : "none") :
	       "unknown (no netdev netlink family)");
	if (p.attached_prog)
		printf("            program %u is attached\n", p.attached_prog);
	printf("            native (driver) mode: %s%s%s\n", tri(p.native), p.native > 0 ? "" : " - ",
	       p.native > 0 ? "" : p.native_why);
	printf("            generic (skb) mode: %s%s%s\n", tri(p.generic), p.generic > 0 ? "" : " - ",
	       p.generic > 0 ? "" : p.generic_why);
	printf("            live frames (BPF_PROG_RUN): %s%s%s", tri(p.live_frames),
	       p.live_frames > 0 ? "" : " - ", p.live_frames > 0 ? "" : p.live_why);
	bool veth = !strcmp(p.driver, "veth");
	if (p.live_frames > 0 && p.has_xdp_features && !(p.xdp_features & DP_XDP_NDO_XMIT))
		printf(veth ? "; veth declares ndo-xmit once its peer has an XDP program: until then XDP "
			      "sends fall back to AF_PACKET" :
			      "; the driver does not declare ndo-xmit: XDP sends fall back to AF_PACKET");
	else if (p.live_frames > 0)
		printf("; the driver declares ndo-xmit: XDP sends work");
	printf("\nrun CPUs    %s (--cpus auto: the device's NUMA node first)\n", cpulist[0] ? cpulist : "none");
	return 0;
}
