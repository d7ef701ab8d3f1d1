/* The generator's summary (src/cli/tx_summary.h). Definitions (README, "Accounting"): sent =
 * frames the device accepted; refused = times the device refused a frame, which was then sent
 * again as itself; per stream (thread x template) with --server-addr and --stamp: received =
 * distinct sequence numbers the server saw, lost = sent - received. Totals are the sums of the
 * streams. Rates: the frames after each thread's first over the time from the first frame to
 * the last (xdperf_tx_rates). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/server_print.h"
#include "cli/tx_summary.h"
#include "datapath/cpus.h"

#define TEMPLATE_LINES 16 /* per-template lines in the text summary; --json lists every stream */

/* What the server received of stream id of this run: distinct sequence numbers (0 when it
 * saw none). */
static uint64_t received_of(const struct tx_summary *s, uint32_t id)
{
	const struct xdperf_stream_report *r = xdperf_server_report_stream(s->srv, s->r->run_id, id);
	return r ? r->unique : 0;
}

static uint64_t lost_of(uint64_t sent, uint64_t received)
{
	return sent > received ? sent - received : 0;
}

/* Per template (summed over threads). */
struct tmpl_sum {
	uint64_t packets, bytes, refused, received, lost;
	bool any;
};

static struct tmpl_sum *by_template(const struct tx_summary *s, bool server, uint32_t *n)
{
	uint32_t max = 0;
	for (size_t i = 0; i < s->nstreams; i++)
		if (s->streams[i].tmpl + 1 > max)
			max = s->streams[i].tmpl + 1;
	struct tmpl_sum *t = calloc(max ? max : 1, sizeof *t);
	if (!t)
		return NULL;
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct xdperf_tx_stream *x = &s->streams[i];
		struct tmpl_sum *o = &t[x->tmpl];
		o->any = true;
		o->packets += x->packets;
		o->bytes += x->bytes;
		o->refused += x->refused;
		if (server) {
			uint64_t rcv = received_of(s, x->stream);
			o->received += rcv;
			o->lost += lost_of(x->packets, rcv);
		}
	}
	*n = max;
	return t;
}

static json_t *streams_json(const struct tx_summary *s, bool server, uint64_t *lost_total)
{
	json_t *arr = json_array();
	*lost_total = 0;
	for (size_t i = 0; arr && i < s->nstreams; i++) {
		const struct xdperf_tx_stream *x = &s->streams[i];
		json_t *o = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I}", "thread", (int)x->thread,
				      "template", (int)x->tmpl, "stream", (json_int_t)x->stream,
				      "packets", (json_int_t)x->packets, "bytes", (json_int_t)x->bytes,
				      "refused", (json_int_t)x->refused);
		if (o && server) {
			uint64_t rcv = received_of(s, x->stream);
			uint64_t lost = lost_of(x->packets, rcv);
			*lost_total += lost;
			json_object_set_new(o, "received", json_integer((json_int_t)rcv));
			json_object_set_new(o, "lost", json_integer((json_int_t)lost));
		}
		if (o)
			json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *summary_json(const struct gen_args *a, const struct tx_summary *s, bool server)
{
	const struct xdperf_tx_result *r = s->r;
	double secs = r->total.seconds, pps, bps;
	bool rates = xdperf_tx_rates(r, &pps, &bps);
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:o, s:o, s:i, s:I, s:b, s:i}",
			      a->templates ? "templates_file" : "plugin", s->plugin, "device",
			      a->device, "mode", r->mode ? r->mode : "",
			      "packets", (json_int_t)r->total.packets,
			      "bytes", (json_int_t)r->total.bytes,
			      "errors", (json_int_t)r->total.errors,
			      "duration_s", secs, "pps", rates ? json_real(pps) : json_null(),
			      "bps", rates ? json_real(bps) : json_null(),
			      "threads", (int)r->threads, "count", (json_int_t)a->count,
			      "stopped", r->stopped, "templates", (int)s->ntemplates);
	if (!o)
		return NULL;
	json_object_set_new(o, "refused", json_integer((json_int_t)r->total.refused));
	json_object_set_new(o, "swaps", json_integer((json_int_t)s->swaps));
	if (r->rate_pps > 0)
		json_object_set_new(o, "rate_target_pps", json_real(r->rate_pps));
	if (r->run_id)
		json_object_set_new(o, "run_id", json_integer((json_int_t)r->run_id));
	if (r->held_s > 0)
		json_object_set_new(o, "carrier_wait_s", json_real(r->held_s));
	uint64_t lost = 0;
	json_object_set_new(o, "streams", streams_json(s, server, &lost));
	if (s->error)
		json_object_set_new(o, "error", json_string(s->error));
	if (s->srv) {
		char *t = xdperf_server_report_json(s->srv);
		json_t *so = t ? json_loads(t, 0, NULL) : NULL;
		free(t);
		/* loss against what was sent, stream by stream: also the frames lost after the
		 * last arrival, and streams that never arrived */
		if (so && server)
			json_object_set_new(so, "lost_vs_sent", json_integer((json_int_t)lost));
		if (so)
			json_object_set_new(o, "server", so);
	}
	if (s->srv_error)
		json_object_set_new(o, "server_error", json_string(s->srv_error));
	if (r->rate_secs)
		json_object_set_new(o, "rate_stability", json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}",
				    "seconds", (int)r->rate_secs, "mean_pps", r->rate_mean,
				    "stddev_pps", r->rate_stddev, "cv", r->rate_cv, "min_pps", r->rate_min,
				    "max_pps", r->rate_max));
	if (r->sched_frames)
		json_object_set_new(o, "schedule_error", json_pack("{s:I, s:f, s:f, s:f}",
				    "frames", (json_int_t)r->sched_frames, "p50_us", r->sched_p50_us,
				    "p99_us", r->sched_p99_us, "max_us", r->sched_max_us));
	if (s->nic) {
		json_t *n = json_object();
		for (size_t i = 0; n && i < s->nic->n; i++)
			json_object_set_new(n, s->nic->s[i].name, json_integer((json_int_t)s->nic->s[i].value));
		json_object_set_new(o, "nic_stats", n);
	}
	if (s->cpus) {
		json_t *c = json_array();
		for (unsigned i = 0; c && i < r->threads; i++)
			json_array_append_new(c, json_integer(s->cpus[i]));
		json_object_set_new(o, "cpus", c);
	}
	if (s->rx)
		json_object_set_new(o, "rx", json_pack("{s:s, s:I, s:I, s:f}", "device", a->rx_device,
						       "packets", (json_int_t)s->rx_packets,
						       "bytes", (json_int_t)s->rx_bytes,
						       "wait_s", s->rx_wait_s));
	return o;
}

static void print_templates(const struct tx_summary *s, bool server)
{
	uint32_t n;
	struct tmpl_sum *t = by_template(s, server, &n);
	if (!t)
		return;
	uint32_t with = 0;
	for (uint32_t i = 0; i < n; i++)
		with += t[i].any;
	if (with > 1 || (server && with == 1 && s->r->threads > 1)) {
		/* more templates than lines: the ones with losses first */
		bool only_lossy = with > TEMPLATE_LINES && server;
		uint32_t shown = 0;
		for (uint32_t i = 0; i < n && shown < TEMPLATE_LINES; i++) {
			if (!t[i].any || (only_lossy && !t[i].lost))
				continue;
			shown++;
			fprintf(stderr, "xdperf:   template %u: %" PRIu64 " packets (%" PRIu64 " bytes)", i,
				t[i].packets, t[i].bytes);
			if (t[i].refused)
				fprintf(stderr, ", refused %" PRIu64 " times", t[i].refused);
			if (server)
				fprintf(stderr, "; server received %" PRIu64 ", lost %" PRIu64 " (%.3f%%)",
					t[i].received, t[i].lost,
					t[i].packets ? 100.0 * (double)t[i].lost / (double)t[i].packets : 0.0);
			fprintf(stderr, "\n");
		}
		if (with > shown)
			fprintf(stderr, "xdperf:   ... %u more templates%s (--json lists every stream)\n",
				with - shown, only_lossy && shown < TEMPLATE_LINES ? ", none lost" : "");
	}
	free(t);
}

void tx_summary_print(const struct gen_args *a, const struct tx_summary *s)
{
	const struct xdperf_tx_result *r = s->r;
	/* per-stream loss needs the stamps' sequence numbers */
	bool server = s->srv && a->stamp && s->srv->stamp;
	if (a->json || a->json_stream) {
		json_t *o = summary_json(a, s, server);
		if (o)
			cli_json_result(o, a->json_stream);
		return;
	}
	double secs = r->total.seconds, pps, bps;
	char rate[96];
	if (xdperf_tx_rates(r, &pps, &bps))
		snprintf(rate, sizeof rate, "%.0f pps, %.1f Mbps", pps, bps / 1e6);
	else
		snprintf(rate, sizeof rate, "no rate (one frame per thread)");
	char refused[128] = "";
	if (r->total.refused)
		snprintf(refused, sizeof refused, "; the device refused frames %" PRIu64 " time%s "
			 "(each was sent again until it took it)", r->total.refused,
			 r->total.refused == 1 ? "" : "s");
	char sw[48] = "";
	if (s->swaps)
		snprintf(sw, sizeof sw, ", %u template swap%s", s->swaps, s->swaps == 1 ? "" : "s");
	char held[64] = "";
	if (r->held_s > 0)
		snprintf(held, sizeof held, ", %.1f s waiting for the carrier", r->held_s);
	char run[96] = "";
	size_t rk = 0;
	if (s->cpus) {
		char list[64];
		dp_cpulist_format(s->cpus, r->threads, list, sizeof list);
		rk += (size_t)snprintf(run, sizeof run, " on CPU%s %s", r->threads == 1 ? "" : "s", list);
	}
	if (r->run_id && rk < sizeof run)
		snprintf(run + rk, sizeof run - rk, ", run %08x", r->run_id);
	fprintf(stderr, "xdperf: sent %" PRIu64 " packets (%" PRIu64 " bytes) on %s (%s, %u thread%s%s) "
			"in %.*f s from the first to the last frame: %s, %" PRIu64 " errors%s%s%s%s\n",
		r->total.packets, r->total.bytes, a->device, r->mode ? r->mode : "-", r->threads,
		r->threads == 1 ? "" : "s", run, secs < 1 ? 6 : 3, secs, rate, r->total.errors,
		refused, sw, held, r->stopped ? " (stopped)" : "");
	print_templates(s, server);
	if (s->srv) {
		uint64_t lost = 0;
		if (server)
			for (size_t i = 0; i < s->nstreams; i++)
				lost += lost_of(s->streams[i].packets,
						received_of(s, s->streams[i].stream));
		fprintf(stderr, "xdperf: ");
		print_server_report(stderr, s->srv, server ? r->total.packets : UINT64_MAX, lost);
		if (!a->stamp)
			fprintf(stderr, "xdperf: sent %" PRIu64 ", the server counted %" PRIu64 " (without "
					"--stamp the server counts everything that arrives on its port)\n",
				r->total.packets, s->srv->stats.packets);
	}
	if (s->srv_error)
		fprintf(stderr, "xdperf: no report from the server: %s\n", s->srv_error);
	if (r->rate_secs && r->rate_pps > 0) /* unpaced runs show their rate per second live */
		fprintf(stderr, "xdperf: rate per second over %u whole second%s: mean %.0f pps, stddev %.1f "
				"(CV %.4f), min %.0f, max %.0f\n", r->rate_secs, r->rate_secs == 1 ? "" : "s",
			r->rate_mean, r->rate_stddev, r->rate_cv, r->rate_min, r->rate_max);
	if (r->sched_frames)
		fprintf(stderr, "xdperf: pacing: frames went after they were due by p50 <= %.1f us, "
				"p99 <= %.1f us, max %.1f us (%" PRIu64 " frames)\n", r->sched_p50_us,
			r->sched_p99_us, r->sched_max_us, r->sched_frames);
	if (s->nic) {
		fprintf(stderr, "xdperf: the counters of %s during the run (kernel; ethtool: the driver's):",
			a->device);
		for (size_t i = 0; i < s->nic->n; i++)
			fprintf(stderr, "%s %s +%" PRIu64, i ? "," : "", s->nic->s[i].name, s->nic->s[i].value);
		fprintf(stderr, "%s\n", s->nic->n ? "" : " none changed");
	}
	if (s->rx) {
		uint64_t sent = r->total.packets;
		fprintf(stderr, "xdperf: round trip: %" PRIu64 " of %" PRIu64 " packets came back on %s "
				"(%" PRIu64 " bytes", s->rx_packets, sent, a->rx_device, s->rx_bytes);
		if (sent)
			fprintf(stderr, ", %.3f%%", 100.0 * (double)s->rx_packets / (double)sent);
		if (s->rx_packets < sent)
			fprintf(stderr, "; %" PRIu64 " missing", sent - s->rx_packets);
		else if (s->rx_packets > sent)
			fprintf(stderr, "; %" PRIu64 " more than sent: other traffic on %s counts too",
				s->rx_packets - sent, a->rx_device);
		fprintf(stderr, ")\n");
	}
}
