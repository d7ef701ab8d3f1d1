/* `xdperf ndr`: the RFC 2544 throughput search's arguments, trials and results, shared by its
 * option parsing and search loop (ndr_cmd.c), its trials (ndr_trial.c: frames from the plugin
 * per frame size, one paced run with the server's count) and its output (ndr_out.c: the step
 * lines, the table, the JSON document for --json and --report).
 *
 * Definitions (docs/ndr.md): frame size N = an Ethernet frame of N bytes with its 4-byte FCS
 * (RFC 2544), so the frames sent are N - 4 bytes; bit/s = pps * N * 8 (frame and FCS); line
 * share = that over --line-rate; L1 share = pps * (N + 20) * 8 over --line-rate (preamble, start
 * delimiter and inter-frame gap: 20 bytes a frame). Loss of a trial = frames sent - frames of
 * that run the server counted (distinct stamps; or, when the frame has no room for a stamp,
 * every frame the server counted since the trial's reset). */
#ifndef XDPERF_CLI_NDR_H
#define XDPERF_CLI_NDR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli/ndr_search.h"
#include "xdperf/server.h"
#include "xdperf/tx.h"

#define NDR_SIZES_MAX 32
#define NDR_SIZE_MIN 64
#define NDR_SIZE_MAX 2052 /* the largest frame xdperf sends is 2048 bytes, + the FCS */
#define NDR_FCS 4
#define NDR_L1_EXTRA 20   /* preamble 7 + start delimiter 1 + inter-frame gap 12 */

struct ndr_args {
	const char *device, *server_addr, *plugin, *plugin_path, *config, *report, *src_mac;
	unsigned sizes[NDR_SIZES_MAX];
	size_t nsizes;
	double threshold;      /* --loss */
	double trial_s;        /* --trial */
	double resolution;     /* --resolution as a fraction of the max ... */
	double resolution_pps; /* ... or in pps (then resolution is 0) */
	double max_pps, min_pps; /* --max-rate, --min-rate (0: not given) */
	uint64_t line_rate;    /* --line-rate bits/s, 0: not given */
	unsigned parallelism;
	int mode;              /* enum xdperf_tx_mode */
	bool json, quiet;
	uint8_t mac[6];
	int argc;
	char **argv;
};

/* One trial as run. */
struct ndr_step {
	unsigned frame_size, index; /* index: the frame size's trials from 1 (repeats included) */
	enum ndr_trial_kind kind;
	double rate_pps;       /* the target (an unpaced trial: the rate it reached, floored) */
	double tx_pps;         /* the rate the sender reached (xdperf_tx_rates) */
	uint64_t sent, received;
	double loss;           /* (sent - received) / sent, at least 0 */
	bool pass;
	bool repeated;         /* run again (not given to the search): it passed although the
				* sender fell short of the rate, or failed with frames sent late */
	double late_max_us;    /* paced: the latest a frame went after it was due */
	bool stamped;
	uint32_t run;          /* the run identity in the stamps (stamped trials) */
	double seconds;        /* the run's first to last frame */
};

/* One frame size's outcome. */
struct ndr_result {
	unsigned frame_size;
	enum ndr_status status;
	bool stopped;          /* the search was interrupted (status then says "running") */
	bool failed;           /* a trial failed to run (the device, the server): status "running" */
	double pps;            /* the throughput found (0: none) */
	double max_pps, res_pps;
	const char *max_from;  /* "--max-rate", "--line-rate", "unpaced trial" */
	bool sender_limited, max_passed;
	bool stamped;          /* stamped frames: per-run loss and latency */
	bool have_lat;         /* latency of the verification trial */
	struct xdperf_latency lat;
	unsigned trials;       /* trials run, repeats included */
};

/* The frames of one frame size. */
struct ndr_frames {
	struct xdperf_template_set *set;
	struct xdperf_tx_frame *fr;
	size_t n;
	bool stamp;            /* every frame has room for the stamp trailer */
	char why_no_stamp[160];
};

/* What a trial measured. */
struct ndr_trial_out {
	uint64_t sent, received, ring_full;
	double tx_pps, seconds;
	bool stopped;          /* by SIGINT/SIGTERM: no count */
	bool have_lat;
	struct xdperf_latency lat; /* its hist is malloc'd: the caller frees it */
	const char *mode;      /* "xdp" / "afpacket" */
	unsigned threads;
	uint32_t run;          /* the stamps' run identity */
	double late_max_us;    /* paced: the latest a frame went after it was due (0: unpaced) */
};

/* ---- ndr_trial.c ---- */
/* The plugin's frame bytes besides its payload_size (the plugin asked once with payload_size
 * 100); 0, or 1 after one line on stderr (none when stopped). */
int ndr_plugin_overhead(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
			unsigned *overhead);
/* The frames of frame size `size` (every template size - 4 bytes); 0, or 1 after one line. */
int ndr_frames_build(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
		     unsigned overhead, unsigned size, struct ndr_frames *f);
void ndr_frames_free(struct ndr_frames *f);
/* One trial at rate_pps (0: unpaced) for a->trial_s: reset the server, send, wait for the
 * server to go quiet, count. 0, or 1 after one line on stderr. */
int ndr_trial_run(const struct ndr_args *a, struct xdperf_server_ctl *ctl,
		  const struct ndr_frames *f, double rate_pps, struct ndr_trial_out *o);

/* ---- ndr_out.c ---- */
/* The step line on stderr. */
void ndr_print_step(const struct ndr_step *s, const struct ndr_search *srch);
/* The table on stdout. */
void ndr_print_table(const struct ndr_args *a, const struct ndr_result *r, size_t n,
		     const char *mode, bool stopped);
/* The document of --json and --report (docs/ndr.md; the report interface's "ndr" kind). */
json_t *ndr_doc(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
		const struct ndr_result *r, size_t nr, const struct ndr_step *st, size_t ns,
		const char *mode, bool stopped);
/* Writes the HTML report (src/cli/report_params.h: cli_report_write); 0, or 1 after one line. */
int ndr_write_report(const char *path, const json_t *doc, bool quiet);

#endif
