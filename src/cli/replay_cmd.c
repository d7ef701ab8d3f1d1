/* `xdperf --pcap FILE -d IF | -o OUT.pcap [options]`: replays a pcap/pcapng capture on a device
 * (include/xdperf/replay.h) or into a pcap file, with the per-second lines and the summary of
 * the generator (text on stderr, --json / --json-stream on stdout). Its options are parsed
 * here (replay_parse_opt) from the generator's option table (src/cli/generate.c). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/generate.h"
#include "cli/replay_cmd.h"
#include "packet/rewrite.h"
#include "util/clock.h"
#include "xdperf/replay.h"

static const char *opt_name(int c)
{
	switch (c) {
	case REPLAY_OPT_PCAP: return "--pcap";
	case REPLAY_OPT_MULTIPLIER: return "--multiplier";
	case REPLAY_OPT_TOPSPEED: return "--topspeed";
	case REPLAY_OPT_LOOP: return "--loop";
	case REPLAY_OPT_DMAC: return "--enet-dmac";
	case REPLAY_OPT_SMAC: return "--enet-smac";
	case REPLAY_OPT_SRCIPMAP: return "--srcipmap";
	case REPLAY_OPT_DSTIPMAP: return "--dstipmap";
	case REPLAY_OPT_PORTMAP: return "--portmap";
	default: return "--skip-oversize";
	}
}

int replay_parse_opt(struct replay_args *ra, int c, const char *optarg)
{
	if (c != REPLAY_OPT_PCAP && !ra->first)
		ra->first = opt_name(c);
	char *end;
	switch (c) {
	case REPLAY_OPT_PCAP: ra->pcap = optarg; break;
	case REPLAY_OPT_MULTIPLIER:
		errno = 0;
		ra->multiplier = strtod(optarg, &end);
		if (errno || end == optarg || *end || !(ra->multiplier >= 1e-6) || ra->multiplier > 1e9) {
			fprintf(stderr, "xdperf: --multiplier: '%s' is not a speed factor (0.000001 to "
					"10^9; 2 = twice as fast)\n", optarg);
			return 2;
		}
		break;
	case REPLAY_OPT_TOPSPEED: ra->topspeed = true; break;
	case REPLAY_OPT_LOOP:
		if (!cli_decimal_u64(optarg, UINT64_MAX, &ra->loops)) {
			fprintf(stderr, "xdperf: --loop: '%s' is not a number of passes (0 = until "
					"stopped)\n", optarg);
			return 2;
		}
		ra->loop_set = true;
		break;
	case REPLAY_OPT_DMAC: ra->dmac = optarg; break;
	case REPLAY_OPT_SMAC: ra->smac = optarg; break;
	case REPLAY_OPT_SRCIPMAP: ra->srcipmap = optarg; break;
	case REPLAY_OPT_DSTIPMAP: ra->dstipmap = optarg; break;
	case REPLAY_OPT_PORTMAP: ra->portmap = optarg; break;
	default: ra->skip_oversize = true; break;
	}
	return 0;
}

/* --- stop signals ------------------------------------------------------------------------ */

static struct xdperf_replay *_Atomic running;
static volatile sig_atomic_t stops, first_sig;

static void on_stop(int sig)
{
	if (!first_sig)
		first_sig = sig;
	stops++;
	struct xdperf_replay *r = atomic_load(&running);
	if (r)
		xdperf_replay_stop(r);
}

static const char *stop_name(void)
{
	return first_sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

/* The exit status of a stopped replay: 128 + the signal. */
static int stop_status(void)
{
	return 128 + (first_sig ? first_sig : SIGINT);
}

/* --- output ------------------------------------------------------------------------------ */

struct progress_ctx {
	const struct gen_args *a;
	uint64_t count;         /* frames the run will send, 0 = unknown */
	double last_end;
	uint64_t last_packets, last_bytes;
};

static void progress(void *ctx, const struct xdperf_tx_stats *total,
		     const struct xdperf_tx_stats *iv)
{
	struct progress_ctx *pc = ctx;
	if (pc->a->json_stream) {
		cli_json_event("interval", cli_interval_json(pc->last_end, total->seconds, iv->packets,
							     iv->bytes, total->packets, total->bytes));
		pc->last_end = total->seconds;
		pc->last_packets = total->packets;
		pc->last_bytes = total->bytes;
	}
	if (pc->a->quiet || pc->a->json_stream)
		return;
	double pps = iv->seconds > 0 ? (double)iv->packets / iv->seconds : 0;
	double mbps = iv->seconds > 0 ? (double)iv->bytes * 8 / iv->seconds / 1e6 : 0;
	char extra[48] = "";
	if (pc->count)
		snprintf(extra, sizeof extra, "  (%.0f%%)", 100.0 * (double)total->packets / (double)pc->count);
	fprintf(stderr, "%.0fs  %.0f xmit/s  %.1f Mbps  total %llu%s\n", total->seconds, pps, mbps,
		(unsigned long long)total->packets, extra);
}

static void notice(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "xdperf: %s\n", msg);
}

static json_t *result_json(const struct gen_args *a, const struct xdperf_replay_result *r,
			   const char *error)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:f}",
			      "pcap", a->replay.pcap, "format", r->format ? r->format : "",
			      "mode", r->mode, "packets", (json_int_t)r->packets,
			      "bytes", (json_int_t)r->bytes, "loops", (json_int_t)r->loops,
			      "capture_frames", (json_int_t)r->capture_frames,
			      "rewritten", (json_int_t)r->rewritten, "stopped", r->stopped,
			      "duration_s", r->seconds);
	if (!o)
		return NULL;
	json_object_set_new(o, a->device ? "device" : "output",
			    json_string(a->device ? a->device : a->output));
	json_object_set_new(o, "skipped", json_pack("{s:I, s:I, s:I}",
						    "oversize", (json_int_t)r->skipped_oversize,
						    "frame_limit", (json_int_t)r->skipped_slot,
						    "runt", (json_int_t)r->skipped_runt));
	if (a->device) {
		json_object_set_new(o, "refused", json_integer((json_int_t)r->refused));
		json_object_set_new(o, "held_s", json_real(r->held_s));
		json_object_set_new(o, "chunks", json_integer((json_int_t)r->chunks));
		json_object_set_new(o, "timing", !r->timed_frames ? json_null() :
				    json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}",
					      "frames", (json_int_t)r->timed_frames,
					      "late_mean_us", r->late_mean_us,
					      "late_p50_us", r->late_p50_us,
					      "late_p99_us", r->late_p99_us,
					      "late_max_us", r->late_max_us,
					      "due_span_s", r->due_span_s,
					      "sent_span_s", r->sent_span_s));
		double pps = r->packets > 1 && r->seconds > 0 ? (double)(r->packets - 1) / r->seconds : 0;
		json_object_set_new(o, "rate_pps", r->packets > 1 && r->seconds > 0 ? json_real(pps)
										  : json_null());
	}
	if (error)
		json_object_set_new(o, "error", json_string(error));
	return o;
}

static void us_text(double us, char *buf, size_t len)
{
	if (us >= 1000)
		snprintf(buf, len, "%.1f ms", us / 1000);
	else
		snprintf(buf, len, "%.0f us", us);
}

static void summary_text(const struct gen_args *a, const struct xdperf_replay_result *r)
{
	char times[64] = "";
	if (r->loops != 1)
		snprintf(times, sizeof times, " %llu time%s", (unsigned long long)r->loops,
			 r->loops == 1 ? "" : "s");
	char stopped[96] = "";
	if (r->stopped)
		snprintf(stopped, sizeof stopped, " (stopped by %s)", stop_name());
	if (!a->device) {
		fprintf(stderr, "xdperf: wrote %llu packets (%llu bytes) of %s (%s, %llu frames)%s to "
				"%s%s\n", (unsigned long long)r->packets, (unsigned long long)r->bytes,
			a->replay.pcap, r->format, (unsigned long long)r->capture_frames, times,
			a->output, stopped);
	} else {
		char rate[96] = "";
		if (r->packets > 1 && r->seconds > 0)
			snprintf(rate, sizeof rate, ": %.0f pps, %.2f Mbit/s", (double)(r->packets - 1) /
				 r->seconds, (double)r->bytes * 8 / r->seconds / 1e6);
		fprintf(stderr, "xdperf: replayed %llu packets (%llu bytes) of %s (%s, %llu frames)%s on "
				"%s with %s in %.3f s%s%s\n", (unsigned long long)r->packets,
			(unsigned long long)r->bytes, a->replay.pcap, r->format,
			(unsigned long long)r->capture_frames, times, a->device, r->mode, r->seconds,
			rate, stopped);
		if (r->refused)
			fprintf(stderr, "xdperf: the device refused a frame %llu times (each sent again)\n",
				(unsigned long long)r->refused);
		if (r->timed_frames) {
			char p50[32], p99[32], mx[32], mean[32];
			us_text(r->late_p50_us, p50, sizeof p50);
			us_text(r->late_p99_us, p99, sizeof p99);
			us_text(r->late_max_us, mx, sizeof mx);
			us_text(r->late_mean_us, mean, sizeof mean);
			fprintf(stderr, "xdperf: timing: %llu frames sent late by p50 <= %s, p99 <= %s, max "
					"%s (mean %s) against when they were due; the last one due at "
					"%.3f s, sent at %.3f s\n", (unsigned long long)r->timed_frames, p50,
				p99, mx, mean, r->due_span_s, r->sent_span_s);
		}
	}
	if (r->skipped_oversize || r->skipped_slot || r->skipped_runt)
		fprintf(stderr, "xdperf: left out (over all passes): %llu frames too long for the MTU, "
				"%llu over the frame limit, %llu shorter than 14 bytes\n",
			(unsigned long long)r->skipped_oversize, (unsigned long long)r->skipped_slot,
			(unsigned long long)r->skipped_runt);
	if (r->rewritten)
		fprintf(stderr, "xdperf: rewritten: %llu frames (per pass times passes read)\n",
			(unsigned long long)r->rewritten);
}

/* --- the command ------------------------------------------------------------------------- */

static int check_args(const struct gen_args *a)
{
	const struct replay_args *ra = &a->replay;
	if (!ra->pcap) {
		fprintf(stderr, "xdperf: %s applies to capture replays (--pcap FILE)\n", ra->first);
		return 2;
	}
	if (a->plugin || a->templates) {
		fprintf(stderr, "xdperf: --pcap and %s exclude each other (the capture is what is sent)\n",
			a->plugin ? "--plugin" : "--templates");
		return 2;
	}
	if ((ra->multiplier > 0) + (a->rate > 0) + ra->topspeed > 1) {
		fprintf(stderr, "xdperf: --multiplier, --rate and --topspeed exclude each other\n");
		return 2;
	}
	/* generator options that do not apply (the first one given is named) */
	const struct { bool on; const char *name; bool thread; } na[] = {
		{ a->config, "--plugin-config", false }, { a->plugin_path, "--plugin-path", false },
		{ a->bitrate, "--bitrate", false }, { a->imix, "--imix", false },
		{ a->watch, "--watch", false }, { a->stamp, "--stamp", false },
		{ a->server_addr, "--server-addr", false }, { a->rx_device, "--rx-device", false },
		{ a->cpus, "--cpus", true }, { a->nic_stats, "--nic-stats", false },
		{ a->metrics, "--metrics", false }, { a->otlp, "--otlp-endpoint", false },
		{ a->src_mac, "--src-mac", false }, { a->parallelism > 1, "--parallelism", true },
		{ a->report, "--report", false },
	};
	for (size_t i = 0; i < sizeof na / sizeof *na; i++)
		if (na[i].on) {
			fprintf(stderr, "xdperf: %s does not apply to --pcap replays%s\n", na[i].name,
				na[i].thread ? " (one sender thread sends the capture in order)" : "");
			return 2;
		}
	/* the rewriting options' values: usage errors, before anything is opened */
	struct xdperf_rewrite rw = { 0 };
	char why[300];
	const char *bad = NULL, *val = NULL;
	if (ra->dmac && xdperf_rewrite_mac(&rw, true, ra->dmac, why, sizeof why))
		bad = "--enet-dmac";
	else if (ra->smac && xdperf_rewrite_mac(&rw, false, ra->smac, why, sizeof why))
		bad = "--enet-smac";
	else if (ra->srcipmap && xdperf_rewrite_ipmap(&rw, false, ra->srcipmap, why, sizeof why))
		bad = "--srcipmap", val = ra->srcipmap;
	else if (ra->dstipmap && xdperf_rewrite_ipmap(&rw, true, ra->dstipmap, why, sizeof why))
		bad = "--dstipmap", val = ra->dstipmap;
	else if (ra->portmap && xdperf_rewrite_portmap(&rw, ra->portmap, why, sizeof why))
		bad = "--portmap", val = ra->portmap;
	if (bad) {
		fprintf(stderr, "xdperf: %s%s%s: %s\n", bad, val ? " " : "", val ? val : "", why);
		return 2;
	}
	if (a->output && ra->skip_oversize) {
		fprintf(stderr, "xdperf: --skip-oversize applies to -d (device) replays: a file takes "
				"every frame\n");
		return 2;
	}
	return 0;
}

static void fill_opts(const struct gen_args *a, struct xdperf_replay_opts *o)
{
	const struct replay_args *ra = &a->replay;
	o->sz = sizeof *o;
	o->mode = a->mode;
	o->multiplier = ra->multiplier;
	o->rate = a->rate;
	o->topspeed = ra->topspeed;
	o->loops = ra->loop_set ? ra->loops : 1;
	o->forever = ra->loop_set && ra->loops == 0;
	o->count = a->count_set ? a->count : 0;
	o->duration = a->duration;
	o->skip_oversize = ra->skip_oversize;
	o->enet_dmac = ra->dmac;
	o->enet_smac = ra->smac;
	o->srcipmap = ra->srcipmap;
	o->dstipmap = ra->dstipmap;
	o->portmap = ra->portmap;
	o->batch = a->batch;
	o->stall_timeout = a->stall_timeout;
}

static int replay_to_file(struct gen_args *a, const struct xdperf_replay_opts *o)
{
	struct xdperf_replay_result r;
	char err[700] = "";
	int e = xdperf_replay_write(a->replay.pcap, a->output, o, (const volatile int *)&stops, &r,
				    err, sizeof err);
	if (e) {
		fprintf(stderr, "xdperf: %s\n", err);
		if (e == -EINTR && stops)
			return stop_status();
		return e == -EINVAL && strstr(err, "give a count") ? 2 : 1;
	}
	if (a->json || a->json_stream)
		cli_json_result(result_json(a, &r, NULL), a->json_stream);
	else
		summary_text(a, &r);
	return 0;
}

int replay_main(struct gen_args *a)
{
	int rc = check_args(a);
	if (rc)
		return rc;
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct xdperf_replay_opts o = { 0 };
	fill_opts(a, &o);
	if (a->output)
		return replay_to_file(a, &o);
	if (o.forever && !o.count && !(o.duration > 0))
		fprintf(stderr, "xdperf: --loop 0: replaying until stopped (Ctrl-C)\n");
	struct progress_ctx pc = { .a = a, .count = o.count };
	o.progress = progress;
	o.progress_ctx = &pc;
	o.notice = notice;
	struct xdperf_replay *rp;
	char err[700] = "";
	int e = xdperf_replay_new(a->replay.pcap, a->device, &o, &rp, err, sizeof err);
	if (e) {
		fprintf(stderr, "xdperf: %s\n", err);
		return 1;
	}
	atomic_store(&running, rp);
	if (stops)
		xdperf_replay_stop(rp);
	struct xdperf_replay_result r;
	e = xdperf_replay_run(rp, &r, err, sizeof err);
	atomic_store(&running, NULL);
	xdperf_replay_free(rp);
	if (!e && r.stopped && !r.packets) {
		fprintf(stderr, "xdperf: stopped by %s before the first frame; nothing sent\n",
			stop_name());
		return stop_status();
	}
	if (e)
		fprintf(stderr, "xdperf: %s\n", err);
	if (!e || r.packets) {
		if (a->json_stream && r.packets >= pc.last_packets) {
			double end = r.seconds; /* the intervals count from the first frame */
			if (end < pc.last_end)
				end = pc.last_end;
			cli_json_event("interval", cli_interval_json(pc.last_end, end,
								     r.packets - pc.last_packets,
								     r.bytes - pc.last_bytes, r.packets,
								     r.bytes));
		}
		if (a->json || a->json_stream)
			cli_json_result(result_json(a, &r, e ? err : NULL), a->json_stream);
		else
			summary_text(a, &r);
	}
	return e ? 1 : 0;
}
