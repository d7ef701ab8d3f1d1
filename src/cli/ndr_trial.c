/* The trials of `xdperf ndr` (src/cli/ndr.h): the generator plugin's frames for one frame size
 * (its payload_size key set so that every frame is SIZE - 4 bytes), and one trial: reset the
 * server, send at a rate for the trial time with xdperf_tx (stamped when the frames have room),
 * wait for the server to go quiet, and count what it received of this run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/gen_stop.h"
#include "cli/ndr.h"
#include "cli/plugin_common.h"
#include "packet/stamp.h"
#include "packet/template.h"
#include "xdperf/plugin.h"

#define PROBE_PAYLOAD 100   /* payload_size of the call that finds the plugin's overhead */
#define QUIET_MS 500        /* the server is quiet when nothing arrived for this long ... */
#define REPORT_MAX_MS 10000 /* ... and the wait for it ends after this at the latest */

/* Asks the plugin once with payload_size; the template set in *set. 0, or 1 after a line. */
static int call_plugin(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
		       long payload, struct xdperf_template_set **set)
{
	json_t *c = json_deep_copy(cfg);
	if (!c || json_object_set_new(c, "payload_size", json_integer(payload))) {
		json_decref(c);
		fprintf(stderr, "xdperf ndr: out of memory\n");
		return 1;
	}
	struct plugin_call pc = { 0 };
	int rc = plugin_call_once(plugin_file, c, XDPERF_LOG_WARN, 0, a->mac, a->device, gen_irq, &pc) ||
		 plugin_call_templates(&pc, set) || plugin_call_finish(&pc);
	plugin_call_release(&pc);
	json_decref(c);
	if (rc) {
		xdperf_template_set_free(*set);
		*set = NULL;
	}
	return rc ? 1 : 0;
}

int ndr_plugin_overhead(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
			unsigned *overhead)
{
	struct xdperf_template_set *set = NULL;
	if (call_plugin(a, plugin_file, cfg, PROBE_PAYLOAD, &set))
		return 1;
	unsigned len = set->t[0].len;
	for (size_t i = 1; i < set->n; i++)
		if (set->t[i].len != len) {
			fprintf(stderr, "xdperf ndr: plugin %s gives templates of different lengths (%u and %u "
					"bytes with payload_size %d): ndr needs one frame size at a time\n",
				a->plugin, len, set->t[i].len, PROBE_PAYLOAD);
			xdperf_template_set_free(set);
			return 1;
		}
	xdperf_template_set_free(set);
	if (len < PROBE_PAYLOAD) {
		fprintf(stderr, "xdperf ndr: plugin %s made %u-byte frames with payload_size %d: it does "
				"not take payload_size as its UDP payload bytes\n", a->plugin, len, PROBE_PAYLOAD);
		return 1;
	}
	*overhead = len - PROBE_PAYLOAD;
	return 0;
}

void ndr_frames_free(struct ndr_frames *f)
{
	free(f->fr);
	xdperf_template_set_free(f->set);
	memset(f, 0, sizeof *f);
}

int ndr_frames_build(const struct ndr_args *a, const char *plugin_file, const json_t *cfg,
		     unsigned overhead, unsigned size, struct ndr_frames *f)
{
	memset(f, 0, sizeof *f);
	unsigned want = size - NDR_FCS;
	if (want < overhead) {
		fprintf(stderr, "xdperf ndr: --sizes %u: plugin %s's frames are at least %u bytes with the "
				"FCS (%u bytes of headers)\n", size, a->plugin, overhead + NDR_FCS, overhead);
		return 1;
	}
	if (call_plugin(a, plugin_file, cfg, (long)(want - overhead), &f->set))
		return 1;
	f->n = f->set->n;
	f->fr = calloc(f->n, sizeof *f->fr);
	if (!f->fr) {
		fprintf(stderr, "xdperf ndr: out of memory\n");
		ndr_frames_free(f);
		return 1;
	}
	f->stamp = true;
	for (size_t i = 0; i < f->n; i++) {
		const struct xdperf_template *t = &f->set->t[i];
		if (t->len != want) {
			fprintf(stderr, "xdperf ndr: --sizes %u: plugin %s made a %u-byte frame (template %zu) "
					"with payload_size %u, not %u bytes + the FCS\n", size, a->plugin, t->len,
				i, want - overhead, want);
			ndr_frames_free(f);
			return 1;
		}
		/* every frame sent in turn at the run's rate: no per-template rates or weights */
		f->fr[i] = (struct xdperf_tx_frame){ .data = t->frame, .len = t->len,
						     .mods = t->fields.mod, .nmods = (uint32_t)t->fields.nmods,
						     .csums = t->fields.csums, .specs = t->fields.spec,
						     .nspecs = (uint32_t)t->fields.nspecs };
		struct xdperf_bpf_stamp at;
		char why[128];
		if (f->stamp && xdperf_stamp_locate(t->frame, t->len, &at, why, sizeof why)) {
			f->stamp = false;
			snprintf(f->why_no_stamp, sizeof f->why_no_stamp, "%s", why);
		}
	}
	return 0;
}

static void notice(void *ctx, const char *msg)
{
	bool *said = ctx;
	if (!*said)
		fprintf(stderr, "xdperf ndr: %s\n", msg);
	*said = true;
}

int ndr_trial_run(const struct ndr_args *a, struct xdperf_server_ctl *ctl,
		  const struct ndr_frames *f, double rate_pps, struct ndr_trial_out *o)
{
	static bool said; /* the fallback notice: once per command */
	char err[512];
	memset(o, 0, sizeof *o);
	if (xdperf_server_ctl_reset(ctl, err, sizeof err)) {
		if (gen_stops) {
			o->stopped = true;
			return 0;
		}
		fprintf(stderr, "xdperf ndr: --server-addr %s: %s\n", a->server_addr, err);
		return 1;
	}
	LIBXDPERF_OPTS(xdperf_tx_opts, to, .mode = (enum xdperf_tx_mode)a->mode,
		       .parallelism = a->parallelism, .duration = a->trial_s, .rate = rate_pps,
		       .notice = notice, .notice_ctx = &said, .stamp = f->stamp);
	struct xdperf_tx *tx;
	int e = xdperf_tx_new(a->device, f->fr, f->n, &to, &tx, err, sizeof err);
	if (e) {
		fprintf(stderr, "xdperf ndr: -d %s: %s\n", a->device, err);
		return 1;
	}
	struct xdperf_tx_result r;
	gen_stop_attach(tx);
	e = xdperf_tx_run(tx, &r, err, sizeof err);
	gen_stop_attach(NULL);
	xdperf_tx_free(tx);
	if (e) {
		fprintf(stderr, "xdperf ndr: -d %s: %s\n", a->device, err);
		return 1;
	}
	o->mode = r.mode;
	o->threads = r.threads;
	o->run = r.run_id;
	o->late_max_us = r.sched_frames ? r.sched_max_us : 0;
	if (gen_stops) {
		o->stopped = true; /* a cut trial says nothing about the rate */
		return 0;
	}
	o->sent = r.total.packets;
	o->seconds = r.total.seconds;
	double bps;
	xdperf_tx_rates(&r, &o->tx_pps, &bps);
	struct xdperf_server_report *srv = NULL;
	if (xdperf_server_ctl_report(ctl, o->sent, QUIET_MS, REPORT_MAX_MS, &srv, err, sizeof err)) {
		if (gen_stops) {
			o->stopped = true;
			return 0;
		}
		fprintf(stderr, "xdperf ndr: --server-addr %s: no report: %s\n", a->server_addr, err);
		return 1;
	}
	if (gen_stops) {
		o->stopped = true;
		xdperf_server_report_free(srv);
		return 0;
	}
	if (f->stamp) {
		/* distinct stamps of this run; frames the server could not analyse (ring_full) are
		 * counted as received, as xdperf_server_report_lost() does */
		for (size_t i = 0; i < srv->nruns; i++)
			if (srv->runs[i].run == r.run_id)
				o->received = srv->runs[i].unique;
		o->ring_full = srv->stats.ring_full;
		o->received += o->ring_full;
		/* latency: all streams together when only this run arrived, else this run's one
		 * stream (several streams of this run among others: no merged figures) */
		const struct xdperf_latency *l = NULL;
		size_t mine = 0;
		for (size_t i = 0; i < srv->nstreams; i++)
			if (srv->streams[i].run == r.run_id && !mine++)
				l = &srv->streams[i].latency;
		if (srv->nruns == 1 && srv->runs[0].run == r.run_id)
			l = &srv->total.latency;
		else if (mine > 1)
			l = NULL;
		if (l && l->count) {
			o->lat = *l;
			o->lat.hist = NULL; /* the report's: copied */
			o->lat.nhist = 0;
			if (l->nhist && (o->lat.hist = malloc(l->nhist * sizeof *l->hist))) {
				memcpy(o->lat.hist, l->hist, l->nhist * sizeof *l->hist);
				o->lat.nhist = l->nhist;
			}
			o->have_lat = true;
		}
	} else {
		o->received = srv->stats.packets; /* every frame counted since the reset */
	}
	xdperf_server_report_free(srv);
	return 0;
}
