/* The output of `xdperf ndr` (src/cli/ndr.h): a line per trial on stderr as it runs, the table
 * of throughput per frame size on stdout, and the JSON document (kind "ndr", the shared report
 * interface's) printed by --json and rendered to HTML by --report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/ndr.h"
#include "cli/report_params.h"

static const char *kind_name(enum ndr_trial_kind k)
{
	return k == NDR_TRIAL_UNPACED ? "unpaced" : k == NDR_TRIAL_VERIFY ? "verify" : "search";
}

void ndr_print_step(const struct ndr_step *s, const struct ndr_search *srch)
{
	uint64_t lost = s->sent > s->received ? s->sent - s->received : 0;
	char rate[64];
	if (s->kind == NDR_TRIAL_UNPACED)
		snprintf(rate, sizeof rate, "unpaced");
	else
		snprintf(rate, sizeof rate, "%.0f pps", s->rate_pps);
	fprintf(stderr, "xdperf ndr: %u B trial %u (%s) %s: sent %llu (%.0f pps reached), received %llu, "
			"lost %llu (%.4g%%): %s", s->frame_size, s->index, kind_name(s->kind), rate,
		(unsigned long long)s->sent, s->tx_pps, (unsigned long long)s->received,
		(unsigned long long)lost, 100 * s->loss, s->pass ? "pass" : "fail");
	if (s->repeated && s->pass)
		fprintf(stderr, " but the sender fell short of the rate: repeating it");
	else if (s->repeated)
		fprintf(stderr, " but the sender was held up (a frame %.1f ms late, the rest in a burst): "
				"repeating it", s->late_max_us / 1e3);
	else if (s->kind != NDR_TRIAL_UNPACED && s->tx_pps < 0.97 * s->rate_pps)
		fprintf(stderr, " (the sender fell short of the rate)");
	if (s->kind == NDR_TRIAL_UNPACED && srch->max_pps > 0)
		fprintf(stderr, "; max %.0f pps, resolution %.6g pps", srch->max_pps, srch->res_pps);
	if (!s->repeated && srch->status == NDR_RUNNING && srch->hi_failed && srch->lo_passed)
		fprintf(stderr, "; between %.0f and %.0f pps", srch->lo, srch->hi);
	fputc('\n', stderr);
}

static double bps_of(double pps, unsigned size)
{
	return pps * size * 8;
}

static const char *note_of(const struct ndr_result *r)
{
	if (r->stopped)
		return "stopped: not verified";
	if (r->failed)
		return "a trial failed: not verified";
	switch (r->status) {
	case NDR_NONE: return "no rate passed";
	case NDR_UNSTABLE: return "unstable: verification failed 3 times";
	case NDR_TRIAL_LIMIT: return "trial limit: not verified";
	default: break;
	}
	if (r->sender_limited)
		return "the sender's limit (no loss unpaced)";
	if (r->max_passed)
		return "the max passed: may be higher";
	if (!r->stamped)
		return "no stamp: frame count, no latency";
	return "";
}

void ndr_print_table(const struct ndr_args *a, const struct ndr_result *r, size_t n,
		     const char *mode, bool stopped)
{
	printf("xdperf ndr: throughput on %s (%s, %u thread%s), loss at most %g%s, trials of %g s%s\n",
	       a->device, mode ? mode : "-", a->parallelism, a->parallelism == 1 ? "" : "s",
	       a->threshold, a->threshold > 0 ? " (PDR)" : " (NDR)", a->trial_s,
	       stopped ? " (stopped)" : "");
	printf("%6s %12s %11s %7s %7s %9s %9s %9s %6s  %s\n", "frame", "pps", "Mbit/s", "line", "L1",
	       "p50 us", "p99 us", "max us", "trials", "note");
	for (size_t i = 0; i < n; i++) {
		const struct ndr_result *x = &r[i];
		char line[16] = "-", l1[16] = "-", p50[16] = "-", p99[16] = "-", mx[16] = "-";
		if (a->line_rate) {
			snprintf(line, sizeof line, "%.2f%%", 100 * bps_of(x->pps, x->frame_size) / (double)a->line_rate);
			snprintf(l1, sizeof l1, "%.2f%%",
				 100 * bps_of(x->pps, x->frame_size + NDR_L1_EXTRA) / (double)a->line_rate);
		}
		if (x->have_lat) {
			snprintf(p50, sizeof p50, "%.1f", x->lat.p50_ns / 1e3);
			snprintf(p99, sizeof p99, "%.1f", x->lat.p99_ns / 1e3);
			snprintf(mx, sizeof mx, "%.1f", x->lat.max_ns / 1e3);
		}
		printf("%6u %12.0f %11.3f %7s %7s %9s %9s %9s %6u  %s\n", x->frame_size, x->pps,
		       bps_of(x->pps, x->frame_size) / 1e6, line, l1, p50, p99, mx, x->trials, note_of(x));
	}
	printf("frame: bytes with the FCS; Mbit/s: frame bytes with the FCS; L1: also preamble and gap "
	       "(20 B); latency: one-way, of the verification trial (p50/p99: histogram bucket edges, "
	       "up to 3.2%% above)\n");
	fflush(stdout);
}

static json_t *share(const struct ndr_args *a, double bps)
{
	return a->line_rate ? json_real(bps / (double)a->line_rate) : json_null();
}

/* What reproduces the search: the common parameters (cli_report_doc), the plugin (path and
 * SHA-256) and its configuration, the device, the server and the search's options. */
static void put_params(json_t *p, const struct ndr_args *a, const char *plugin_file,
		       const json_t *cfg, const char *mode)
{
	json_t *sizes = json_array();
	for (size_t i = 0; sizes && i < a->nsizes; i++)
		json_array_append_new(sizes, json_integer(a->sizes[i]));
	json_object_set_new(p, "plugin_name", json_string(a->plugin));
	if (plugin_file)
		cli_report_file(p, "plugin", plugin_file);
	if (a->config)
		cli_report_file(p, "config_file", a->config);
	if (cfg)
		json_object_set_new(p, "config", json_deep_copy(cfg));
	json_object_set_new(p, "device", json_string(a->device));
	json_object_set_new(p, "server", json_string(a->server_addr));
	json_object_set_new(p, "mode", mode ? json_string(mode) : json_null());
	json_object_set_new(p, "threads", json_integer(a->parallelism));
	json_object_set_new(p, "sizes", sizes ? sizes : json_null());
	json_object_set_new(p, "trial_s", json_real(a->trial_s));
	json_object_set_new(p, "loss", json_real(a->threshold));
	json_object_set_new(p, "max_rate_pps", a->max_pps > 0 ? json_real(a->max_pps) : json_null());
	json_object_set_new(p, "min_rate_pps", json_real(a->min_pps));
}

json_t *ndr_doc(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
		const struct ndr_result *r, size_t nr, const struct ndr_step *st, size_t ns,
		const char *mode, bool stopped)
{
	json_t *results = json_array(), *steps = json_array();
	for (size_t i = 0; results && i < nr; i++) {
		const struct ndr_result *x = &r[i];
		double bps = bps_of(x->pps, x->frame_size);
		json_t *o = json_pack("{s:i, s:s, s:b, s:I, s:I, s:o, s:o, s:I, s:s?, s:f, s:i, s:b, s:b, s:b}",
				      "frame_size", (int)x->frame_size,
				      "status", x->stopped ? "stopped" : x->failed ? "error" : ndr_status_name(x->status),
				      "verified", x->status == NDR_FOUND,
				      "pps", (json_int_t)x->pps, "bps", (json_int_t)bps,
				      "line_share", share(a, bps),
				      "l1_share", share(a, bps_of(x->pps, x->frame_size + NDR_L1_EXTRA)),
				      "max_pps", (json_int_t)x->max_pps, "max_from", x->max_from,
				      "resolution_pps", x->res_pps, "trials", (int)x->trials,
				      "sender_limited", x->sender_limited, "max_passed", x->max_passed,
				      "stamped", x->stamped);
		if (o)
			json_object_set_new(o, "latency", x->have_lat ? cli_report_latency(&x->lat) : NULL);
		json_array_append_new(results, o);
	}
	for (size_t i = 0; steps && i < ns; i++) {
		const struct ndr_step *s = &st[i];
		uint64_t lost = s->sent > s->received ? s->sent - s->received : 0;
		json_array_append_new(steps, json_pack("{s:i, s:i, s:s, s:I, s:f, s:I, s:I, s:I, s:f, s:b, "
						       "s:b, s:f, s:b, s:f, s:o}",
						       "frame_size", (int)s->frame_size, "trial", (int)s->index,
						       "kind", kind_name(s->kind), "rate_pps", (json_int_t)s->rate_pps,
						       "tx_pps", s->tx_pps, "sent", (json_int_t)s->sent,
						       "received", (json_int_t)s->received, "lost", (json_int_t)lost,
						       "loss", s->loss, "pass", s->pass, "repeated", s->repeated,
						       "late_max_us", s->late_max_us,
						       "stamped", s->stamped,
						       "seconds", s->seconds, "run",
						       s->stamped ? json_integer(s->run) : json_null()));
	}
	json_t *ndr = json_pack("{s:f, s:o, s:f, s:o, s:o, s:b, s:o*, s:o*}", "threshold", a->threshold,
				"line_rate_bps", a->line_rate ? json_integer((json_int_t)a->line_rate) : json_null(),
				"trial_s", a->trial_s,
				"resolution", a->resolution_pps > 0 ? json_null() : json_real(a->resolution),
				"resolution_pps", a->resolution_pps > 0 ? json_real(a->resolution_pps)
									: json_null(),
				"stopped", stopped, "results", results, "steps", steps);
	char title[128];
	snprintf(title, sizeof title, "RFC 2544 throughput (%s) on %s", a->threshold > 0 ? "PDR" : "NDR",
		 a->device);
	json_t *doc = cli_report_doc("ndr", title, a->argc, a->argv);
	if (!doc || !ndr) {
		json_decref(doc);
		json_decref(ndr);
		return NULL;
	}
	put_params(json_object_get(doc, "params"), a, plugin_file, cfg, mode);
	json_object_del(doc, "streams");
	json_object_set_new(doc, "ndr", ndr);
	return doc;
}

int ndr_write_report(const char *path, const json_t *doc, bool quiet)
{
	return cli_report_write("--report", path, doc, quiet);
}
