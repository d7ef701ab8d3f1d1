/* `xdperf run` output (run_out.h): live per-stream lines, the per-stream summary, the server's
 * figures per stream (its sub-streams — one per sender thread and template — summed, latency
 * histograms merged bucket by bucket) and the report document. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/report_params.h"
#include "cli/run_out.h"

static void human(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.2fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static void series_add(struct run_sout *s, double t, double pps)
{
	if (s->ns == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *nt = realloc(s->t, cap * sizeof *nt);
		if (!nt)
			return;
		s->t = nt;
		double *np = realloc(s->pps, cap * sizeof *np);
		if (!np)
			return;
		s->pps = np;
		s->cap = cap;
	}
	s->t[s->ns] = t;
	s->pps[s->ns++] = pps;
}

void run_out_interval(struct run_out *o, struct xdperf_tx *tx,
		      const struct xdperf_tx_stats *total, const struct xdperf_tx_stats *iv)
{
	struct xdperf_tx_sstats st[256];
	size_t n = o->n < 256 ? o->n : 256;
	if (xdperf_tx_stream_stats(tx, st, n))
		return;
	double dt = iv->seconds;
	o->last_t = total->seconds;
	json_t *arr = o->json_stream ? json_array() : NULL;
	char line[2048];
	int k = snprintf(line, sizeof line, "%6.1f s ", total->seconds);
	for (size_t i = 0; i < n; i++) {
		struct run_sout *s = &o->s[i];
		uint64_t d = st[i].packets - s->prev;
		double pps = dt > 0 ? (double)d / dt : 0;
		s->prev = st[i].packets;
		series_add(s, total->seconds, pps);
		char h[32];
		human(pps, h, sizeof h);
		if (k > 0 && (size_t)k < sizeof line)
			k += snprintf(line + k, sizeof line - (size_t)k, "%s %s %s pps", i ? " |" : "",
				      s->name, h);
		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:I, s:f, s:I}", "name", s->name,
							     "packets", (json_int_t)d, "pps", pps,
							     "total", (json_int_t)st[i].packets));
	}
	double tp = dt > 0 ? (double)iv->packets / dt : 0, tb = dt > 0 ? (double)iv->bytes * 8 / dt : 0;
	char h1[32], h2[32];
	human(tp, h1, sizeof h1);
	human(tb, h2, sizeof h2);
	if (k > 0 && (size_t)k < sizeof line)
		snprintf(line + k, sizeof line - (size_t)k, " | all %s pps %sbit/s", h1, h2);
	if (arr) {
		json_t *ivo = cli_interval_json(total->seconds - dt, total->seconds, iv->packets,
						iv->bytes, total->packets, total->bytes);
		if (ivo) {
			json_object_set_new(ivo, "streams", arr);
			cli_json_event("interval", ivo);
		} else {
			json_decref(arr);
		}
	} else if (!o->quiet && !o->json) {
		fprintf(stderr, "%s\n", line);
	}
}

void run_out_final(struct run_out *o, double seconds)
{
	double dt = seconds - o->last_t;
	if (!(dt > 0.01))
		return;
	for (size_t i = 0; i < o->n; i++) {
		struct run_sout *s = &o->s[i];
		series_add(s, seconds, (double)(s->tx.packets - s->prev) / dt);
		s->prev = s->tx.packets;
	}
	o->last_t = seconds;
}

/* Adds latency b into a (histograms merged bucket by bucket). */
static void lat_merge(struct xdperf_latency *a, const struct xdperf_latency *b)
{
	if (!b->count && !b->negative)
		return;
	if (!a->count || b->min_ns < a->min_ns)
		a->min_ns = b->min_ns;
	if (b->max_ns > a->max_ns)
		a->max_ns = b->max_ns;
	double sum = a->avg_ns * (double)a->count + b->avg_ns * (double)b->count;
	a->count += b->count;
	a->negative += b->negative;
	a->avg_ns = a->count ? sum / (double)a->count : 0;
	size_t n = a->nhist + b->nhist;
	struct xdperf_latency_bucket *m = n ? calloc(n, sizeof *m) : NULL;
	if (n && !m)
		return;
	size_t i = 0, j = 0, k = 0;
	while (i < a->nhist || j < b->nhist) {
		if (j >= b->nhist || (i < a->nhist && a->hist[i].le_ns < b->hist[j].le_ns))
			m[k++] = a->hist[i++];
		else if (i >= a->nhist || b->hist[j].le_ns < a->hist[i].le_ns)
			m[k++] = b->hist[j++];
		else {
			m[k] = a->hist[i++];
			m[k++].count += b->hist[j++].count;
		}
	}
	free(a->hist);
	a->hist = m;
	a->nhist = k;
}

/* Percentile q of a merged latency: the upper edge of the bucket holding the sample of rank
 * ceil(q * count) (at most the maximum), as the server reads its own. */
static uint64_t lat_pct(const struct xdperf_latency *l, double q)
{
	uint64_t total = 0;
	for (size_t i = 0; i < l->nhist; i++)
		total += l->hist[i].count;
	if (!total)
		return 0;
	uint64_t rank = (uint64_t)ceil(q * (double)total), acc = 0;
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < l->nhist; i++) {
		acc += l->hist[i].count;
		if (acc >= rank)
			return l->hist[i].le_ns < l->max_ns ? l->hist[i].le_ns : l->max_ns;
	}
	return l->max_ns;
}

void run_out_server(struct run_out *o, const struct xdperf_server_report *r, uint32_t run_id)
{
	for (size_t i = 0; i < o->n; i++) {
		struct run_sout *s = &o->s[i];
		s->have_srv = true;
		const struct xdperf_latency *only = NULL;
		for (size_t k = 0; k < r->nstreams; k++) {
			const struct xdperf_stream_report *sr = &r->streams[k];
			uint32_t t = sr->stream & 0xffff;
			if (sr->run != run_id || t < s->first || t >= s->first + s->n)
				continue;
			s->received += sr->received;
			s->unique += sr->unique;
			s->duplicated += sr->duplicated;
			s->reordered += sr->reordered;
			s->substreams++;
			only = &sr->latency;
			lat_merge(&s->lat, &sr->latency);
		}
		if (s->substreams == 1 && only) {
			/* one sub-stream: the server's own percentiles */
			s->lat.p50_ns = only->p50_ns;
			s->lat.p99_ns = only->p99_ns;
			s->lat.p999_ns = only->p999_ns;
		} else if (s->substreams > 1) {
			s->lat.p50_ns = lat_pct(&s->lat, 0.50);
			s->lat.p99_ns = lat_pct(&s->lat, 0.99);
			s->lat.p999_ns = lat_pct(&s->lat, 0.999);
		}
	}
}

/* The stream's rate: the frames after its first burst (or first frame) over the time from
 * the call that carried its first frame to the one that carried its last, so a stream paced
 * at R (in bursts or not) gives R. 0 when not defined. */
static double stream_pps(const struct run_sout *s)
{
	double span = s->tx.last_s - s->tx.first_s;
	uint64_t b = s->burst > 1 ? s->burst : 1;
	return s->tx.packets > b && span > 0 ? (double)(s->tx.packets - b) / span : 0;
}

static json_t *stream_json(const struct run_sout *s, bool hist)
{
	double span = s->tx.last_s - s->tx.first_s;
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:f}", "name", s->name, "sent",
			      (json_int_t)s->tx.packets, "bytes", (json_int_t)s->tx.bytes,
			      "refused", (json_int_t)s->tx.refused, "first_s", s->tx.first_s,
			      "last_s", s->tx.last_s, "seconds", span > 0 ? span : 0);
	if (!o)
		return NULL;
	json_object_set_new(o, "target_pps", s->target_pps > 0 ? json_real(s->target_pps) : json_null());
	double pps = stream_pps(s);
	json_object_set_new(o, "pps", pps > 0 ? json_real(pps) : json_null());
	json_object_set_new(o, "bps", pps > 0 ? json_real(pps * 8 * (double)s->tx.bytes /
							 (double)s->tx.packets) : json_null());
	json_object_set_new(o, "stamp", json_boolean(s->stamp));
	if (s->have_srv && s->stamp) {
		uint64_t lost = s->tx.packets > s->unique ? s->tx.packets - s->unique : 0;
		json_object_set_new(o, "received", json_integer((json_int_t)s->received));
		json_object_set_new(o, "unique", json_integer((json_int_t)s->unique));
		json_object_set_new(o, "lost", json_integer((json_int_t)lost));
		json_object_set_new(o, "loss_ratio", s->tx.packets ?
				    json_real((double)lost / (double)s->tx.packets) : json_null());
		json_object_set_new(o, "duplicated", json_integer((json_int_t)s->duplicated));
		json_object_set_new(o, "reordered", json_integer((json_int_t)s->reordered));
		json_t *lat = cli_report_latency(&s->lat);
		if (lat && !hist)
			json_object_del(lat, "hist"); /* the summary keeps the percentiles */
		json_object_set_new(o, "latency", lat ? lat : json_null());
	}
	return o;
}

int run_out_summary(struct run_out *o, const struct xdperf_tx_result *r, const char *profile,
		    const char *server_err, const char *error)
{
	if (o->json || o->json_stream) {
		json_t *arr = json_array();
		for (size_t i = 0; i < o->n; i++)
			json_array_append_new(arr, stream_json(&o->s[i], false));
		double pps, bps;
		bool have = xdperf_tx_rates(r, &pps, &bps);
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:i, s:b, s:o}", "profile",
				      profile, "mode", r->mode ? r->mode : "", "packets",
				      (json_int_t)r->total.packets, "bytes",
				      (json_int_t)r->total.bytes, "refused",
				      (json_int_t)r->total.refused, "seconds", r->total.seconds,
				      "threads", (int)r->threads, "stopped", r->stopped, "streams",
				      arr);
		if (!j)
			return -1;
		json_object_set_new(j, "pps", have ? json_real(pps) : json_null());
		json_object_set_new(j, "bps", have ? json_real(bps) : json_null());
		json_object_set_new(j, "run_id", r->run_id ? json_integer(r->run_id) : json_null());
		if (r->sched_frames)
			json_object_set_new(j, "schedule_error", json_pack("{s:I, s:f, s:f, s:f}",
					    "frames", (json_int_t)r->sched_frames, "p50_us",
					    r->sched_p50_us, "p99_us", r->sched_p99_us, "max_us",
					    r->sched_max_us));
		if (server_err && *server_err)
			json_object_set_new(j, "server_error", json_string(server_err));
		if (error)
			json_object_set_new(j, "error", json_string(error));
		return cli_json_result(j, o->json_stream);
	}
	fprintf(stderr, "%s: %s, %u thread%s, %" PRIu64 " packets in %.3f s%s\n", profile,
		r->mode ? r->mode : "?", r->threads, r->threads == 1 ? "" : "s", r->total.packets,
		r->total.seconds, r->stopped ? " (stopped)" : "");
	bool srv = o->n && o->s[0].have_srv;
	fprintf(stderr, "%-16s %12s %12s %10s %9s %9s", "stream", "sent", "pps", "Mbit/s", "first_s",
		"last_s");
	if (srv)
		fprintf(stderr, " %12s %10s %9s %10s %10s %10s", "received", "lost", "loss%",
			"lat_p50us", "lat_p99us", "lat_maxus");
	fprintf(stderr, "\n");
	for (size_t i = 0; i < o->n; i++) {
		const struct run_sout *s = &o->s[i];
		double pps = stream_pps(s);
		double mbps = pps > 0 ? pps * 8 * (double)s->tx.bytes / (double)s->tx.packets / 1e6 : 0;
		fprintf(stderr, "%-16s %12" PRIu64 " %12.1f %10.3f %9.3f %9.3f", s->name,
			s->tx.packets, pps, mbps, s->tx.first_s, s->tx.last_s);
		if (srv && s->stamp) {
			uint64_t lost = s->tx.packets > s->unique ? s->tx.packets - s->unique : 0;
			fprintf(stderr, " %12" PRIu64 " %10" PRIu64 " %9.4f", s->received, lost,
				s->tx.packets ? 100.0 * (double)lost / (double)s->tx.packets : 0.0);
			if (s->lat.count)
				fprintf(stderr, " %10.1f %10.1f %10.1f", s->lat.p50_ns / 1e3,
					s->lat.p99_ns / 1e3, s->lat.max_ns / 1e3);
			else
				fprintf(stderr, " %10s %10s %10s", "-", "-", "-");
		} else if (srv) {
			fprintf(stderr, " %12s %10s %9s %10s %10s %10s", "(no stamps)", "", "", "", "",
				"");
		}
		fprintf(stderr, "\n");
	}
	if (r->sched_frames)
		fprintf(stderr, "pacing: paced frames went after they were due by p50 <= %.1f us, p99 "
				"<= %.1f us, max %.1f us (%" PRIu64 " frames)\n", r->sched_p50_us,
			r->sched_p99_us, r->sched_max_us, r->sched_frames);
	if (server_err && *server_err)
		fprintf(stderr, "xdperf: server: %s\n", server_err);
	return 0;
}

json_t *run_out_doc(const struct run_out *o, const struct xdperf_tx_result *r,
		    const char *profile, int argc, char **argv)
{
	char title[300];
	snprintf(title, sizeof title, "xdperf run %s", profile);
	json_t *doc = cli_report_doc("profile", title, argc, argv);
	if (!doc)
		return NULL;
	json_t *params = json_object_get(doc, "params");
	cli_report_file(params, "profile", profile);
	json_object_set_new(params, "mode", json_string(r->mode ? r->mode : ""));
	json_object_set_new(params, "threads", json_integer(r->threads));
	if (r->run_id)
		json_object_set_new(params, "run_id", json_integer(r->run_id));
	json_t *arr = json_object_get(doc, "streams");
	for (size_t i = 0; i < o->n; i++) {
		const struct run_sout *s = &o->s[i];
		json_t *so = stream_json(s, true);
		if (!so)
			continue;
		json_t *t = json_array(), *p = json_array();
		for (size_t k = 0; k < s->ns; k++) {
			json_array_append_new(t, json_real(s->t[k]));
			json_array_append_new(p, json_real(s->pps[k]));
		}
		json_object_set_new(so, "series", json_pack("{s:o, s:o}", "t", t, "tx_pps", p));
		json_array_append_new(arr, so);
	}
	return doc;
}

void run_out_free(struct run_out *o)
{
	for (size_t i = 0; o->s && i < o->n; i++) {
		free(o->s[i].t);
		free(o->s[i].pps);
		free(o->s[i].lat.hist);
	}
	free(o->s);
	o->s = NULL;
}
