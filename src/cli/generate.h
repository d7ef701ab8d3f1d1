/* The generator command's arguments, shared by its option parsing (generate.c) and its device
 * run (generate_tx.c). */
#ifndef XDPERF_CLI_GENERATE_H
#define XDPERF_CLI_GENERATE_H

#include <stdbool.h>
#include <stdint.h>
#include "cli/replay_cmd.h"
#include "packet/imix.h"

struct xdperf_template_set;
struct xdperf_tx_frame;
struct xdperf_server_ctl;

struct gen_args {
	const char *plugin, *plugin_path, *config, *device, *output, *src_mac, *templates;
	const char *imix;           /* --imix SPEC, NULL = none ... */
	struct xdperf_imix_pattern imix_pat[XDPERF_IMIX_PATTERNS_MAX]; /* ... parsed */
	size_t imix_n;
	bool watch;                 /* --watch: reload when the plugin/config/templates file changes */
	uint8_t mac[6];             /* device MAC given to the plugin */
	unsigned long long count;   /* 0 with count_set: until --duration or Ctrl-C */
	bool count_set;
	unsigned parallelism;
	int log_level;
	double duration;            /* seconds, 0 = none */
	double rate;                /* --rate in packets per second (fractions allowed), 0 = none ... */
	uint64_t rate_num, rate_den; /* ... exactly: rate_num / rate_den */
	uint64_t bitrate;           /* 0 = none */
	int mode;                   /* enum xdperf_tx_mode */
	unsigned batch;
	bool json, quiet;
	bool json_stream;           /* --json-stream: interval objects, then the end object, on stdout */
	bool stamp;                 /* --stamp: measurement trailer in every packet */
	const char *server_addr;    /* --server-addr HOST:PORT: the xdperf server's control port */
	double stall_timeout;       /* --stall-timeout SEC, 0 = the default (5) */
	const char *rx_device;      /* --rx-device IF: count what comes back there */
	const char *cpus;           /* --cpus LIST|auto|local|node:N; NULL = the first allowed CPUs */
	bool nic_stats;             /* --nic-stats: the device's own counters before and after */
	const char *metrics;        /* --metrics ADDR:PORT: Prometheus text at /metrics */
	const char *otlp;           /* --otlp-endpoint URL: OTLP/HTTP JSON pushes */
	bool parallelism_set;       /* --parallelism given */
	struct replay_args replay;  /* --pcap FILE and the replay options (src/cli/replay_cmd.c) */
	void *config_json;          /* a json_t plugin configuration instead of the file config
				     * (a profile's inline config; borrowed) */
	const char *report;         /* --report FILE.html: the run's HTML report (docs/reports.md) */
	int argc;                   /* the command line, recorded in the report */
	char **argv;
};

/* Runs the plugin (or reads --templates) and applies the IMIX (--imix or metadata.imix):
 * the set to send, in *set (the caller frees it). source: the plugin's name or the file.
 * 0, or 1 after printing the reason (one line). */
int gen_load_set(const struct gen_args *a, struct xdperf_template_set **set, char *source,
		 size_t srclen);

/* The frames of a template set for the runner (pointing into the set; rates, IMIX weights,
 * field modifiers); verbose: warn when only some templates have a rate. NULL when out of
 * memory. */
struct xdperf_tx_frame *gen_set_frames(const struct xdperf_template_set *set, bool verbose);

/* --server-addr: connects to the xdperf server at addr and resets it before a run (stamp: the
 * run sends stamps, so warn when the server does not check them). 0 with *ctl, or the exit
 * status after one line ("nothing sent"; a stop signal while connecting gives 128 + it). */
int gen_server_open(const char *addr, bool stamp, struct xdperf_server_ctl **ctl);

/* Blocks SIGHUP in the calling thread (and the threads it starts later): a device run turns
 * it into a reload instead of an exit. */
void block_sighup(void);

/* The MAC address of device ifname; 0, or 1 after printing one message. */
int device_mac(const char *ifname, uint8_t mac[6]);

/* Sends the templates on a->device as a->... ask; prints live statistics and the summary.
 * SIGHUP (and, with --watch, a changed plugin, config or templates file) reloads the set
 * with gen_load_set() and swaps it in without stopping. Returns the exit status. */
int generate_on_device(const struct gen_args *a, const struct xdperf_template_set *set,
		       const char *plugin_name);

#endif
