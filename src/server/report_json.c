/* The server report as JSON (what the control connection carries and --json prints; latency
 * histograms as their non-empty buckets) and back,
 * the rates over its active interval, loss against what was sent, and its freeing. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server/stats_json.h"
#include "util/err.h"
#include "xdperf/server.h"

/* The histogram's non-empty buckets as {"le_ns":[...],"count":[...]}. */
static json_t *hist_json(const struct xdperf_latency *l)
{
	json_t *le = json_array(), *n = json_array();
	for (size_t i = 0; le && n && i < l->nhist; i++)
		if (json_array_append_new(le, json_integer((json_int_t)l->hist[i].le_ns)) ||
		    json_array_append_new(n, json_integer((json_int_t)l->hist[i].count)))
			break;
	return json_pack("{s:o*, s:o*}", "le_ns", le, "count", n);
}

static json_t *latency_json(const struct xdperf_latency *l)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I}", "count", (json_int_t)l->count,
			      "negative", (json_int_t)l->negative, "min_ns", (json_int_t)l->min_ns,
			      "avg_ns", l->avg_ns, "p50_ns", (json_int_t)l->p50_ns,
			      "p99_ns", (json_int_t)l->p99_ns, "p999_ns", (json_int_t)l->p999_ns,
			      "max_ns", (json_int_t)l->max_ns);
	if (o && l->nhist)
		json_object_set_new(o, "hist", hist_json(l));
	return o;
}

static json_t *stream_json(const struct xdperf_stream_report *s, bool with_id)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			      "received", (json_int_t)s->received, "unique", (json_int_t)s->unique,
			      "lost", (json_int_t)s->lost, "duplicated", (json_int_t)s->duplicated,
			      "reordered", (json_int_t)s->reordered,
			      "first_seq", (json_int_t)s->first_seq, "last_seq", (json_int_t)s->last_seq,
			      "latency", latency_json(&s->latency));
	if (o && with_id) {
		json_object_set_new(o, "run", json_integer(s->run));
		json_object_set_new(o, "stream", json_integer(s->stream));
		json_object_set_new(o, "thread", json_integer(s->stream >> 16));
		json_object_set_new(o, "template", json_integer(s->stream & 0xffff));
	}
	return o;
}

static json_t *run_json(const struct xdperf_run_report *u)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "run", (json_int_t)u->run,
			 "streams", (json_int_t)u->nstreams, "received", (json_int_t)u->received,
			 "unique", (json_int_t)u->unique, "lost", (json_int_t)u->lost,
			 "duplicated", (json_int_t)u->duplicated,
			 "reordered", (json_int_t)u->reordered);
}

int srv_stats_put(json_t *o, const struct xdperf_server_stats *st)
{
	double pps, bps;
	bool rates = xdperf_server_rates(st, &pps, &bps);
	json_t *m = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:o, s:o}",
			      "packets", (json_int_t)st->packets, "bytes", (json_int_t)st->bytes,
			      "passed", (json_int_t)st->passed, "stamped", (json_int_t)st->stamped,
			      "unstamped", (json_int_t)st->unstamped, "ring_full", (json_int_t)st->ring_full,
			      "sampled", (json_int_t)st->sampled, "sample_full", (json_int_t)st->sample_full,
			      "distinct", (json_int_t)st->distinct, "wait_s", st->seconds,
			      "first_s", st->first_s, "last_s", st->last_s, "active_s", st->active_s,
			      "first_bytes", (json_int_t)st->first_bytes,
			      "pps", rates ? json_real(pps) : json_null(), "bps", rates ? json_real(bps) : json_null());
	int e = m ? json_object_update(o, m) : -1;
	if (!e && (st->reflected || st->not_reflected || st->reflect_failed))
		e = json_object_set_new(o, "reflected", json_integer((json_int_t)st->reflected)) ||
		    json_object_set_new(o, "not_reflected", json_integer((json_int_t)st->not_reflected)) ||
		    json_object_set_new(o, "reflect_failed", json_integer((json_int_t)st->reflect_failed));
	json_decref(m);
	return e;
}

char *xdperf_server_report_json(const struct xdperf_server_report *r)
{
	json_t *streams = json_array();
	for (size_t i = 0; streams && i < r->nstreams; i++)
		json_array_append_new(streams, stream_json(&r->streams[i], true));
	json_t *runs = json_array();
	for (size_t i = 0; runs && i < r->nruns; i++)
		json_array_append_new(runs, run_json(&r->runs[i]));
	json_t *o = json_pack("{s:s, s:s, s:i, s:b}", "device", r->device, "mode", r->mode,
			      "port", (int)r->port, "stamp", r->stamp);
	json_t *rest = json_pack("{s:o, s:o, s:I, s:s}", "total", stream_json(&r->total, false),
				 "streams", streams ? streams : json_array(),
				 "streams_over_limit", (json_int_t)r->streams_over_limit,
				 "latency_clock", "CLOCK_TAI of sender and receiver: valid only when both share a "
						  "clock (one host) or are synchronised (PTP)");
	if (!o || !rest || srv_stats_put(o, &r->stats) || json_object_update(o, rest)) {
		json_decref(o);
		o = NULL;
	}
	json_decref(rest);
	if (o && r->reflect)
		json_object_set_new(o, "reflect", json_string(r->reflect == XDPERF_REFLECT_PORTS ? "ports" :
							       "addresses"));
	if (o)
		json_object_set_new(o, "runs", runs ? runs : json_array());
	else
		json_decref(runs);
	if (o && r->verifier) {
		json_t *v = json_pack("{s:I, s:I, s:I, s:s}", "valid", (json_int_t)r->valid,
				      "invalid", (json_int_t)r->invalid,
				      "failed", (json_int_t)r->verifier_failed,
				      "first_error", r->first_error);
		json_object_set_new(o, "verifier", v);
	}
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return txt;
}

uint64_t srv_json_u64(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

void srv_stats_parse(json_t *o, struct xdperf_server_stats *st)
{
	memset(st, 0, sizeof *st);
	st->packets = srv_json_u64(o, "packets");
	st->bytes = srv_json_u64(o, "bytes");
	st->passed = srv_json_u64(o, "passed");
	st->stamped = srv_json_u64(o, "stamped");
	st->unstamped = srv_json_u64(o, "unstamped");
	st->distinct = srv_json_u64(o, "distinct");
	st->ring_full = srv_json_u64(o, "ring_full");
	st->sampled = srv_json_u64(o, "sampled");
	st->sample_full = srv_json_u64(o, "sample_full");
	st->reflected = srv_json_u64(o, "reflected");
	st->not_reflected = srv_json_u64(o, "not_reflected");
	st->reflect_failed = srv_json_u64(o, "reflect_failed");
	json_t *w = json_object_get(o, "wait_s");
	st->seconds = json_number_value(w ? w : json_object_get(o, "duration_s")); /* older servers */
	st->first_s = json_number_value(json_object_get(o, "first_s"));
	st->last_s = json_number_value(json_object_get(o, "last_s"));
	st->active_s = json_number_value(json_object_get(o, "active_s"));
	st->first_bytes = srv_json_u64(o, "first_bytes");
}

static void latency_parse(json_t *o, struct xdperf_latency *l)
{
	l->count = srv_json_u64(o, "count");
	l->negative = srv_json_u64(o, "negative");
	l->min_ns = srv_json_u64(o, "min_ns");
	l->p50_ns = srv_json_u64(o, "p50_ns");
	l->p99_ns = srv_json_u64(o, "p99_ns");
	l->p999_ns = srv_json_u64(o, "p999_ns");
	l->max_ns = srv_json_u64(o, "max_ns");
	l->avg_ns = json_number_value(json_object_get(o, "avg_ns"));
	json_t *h = json_object_get(o, "hist");
	json_t *le = json_object_get(h, "le_ns"), *n = json_object_get(h, "count");
	size_t k = json_array_size(le) < json_array_size(n) ? json_array_size(le) : json_array_size(n);
	if (k && (l->hist = calloc(k, sizeof *l->hist))) { /* out of memory: no histogram */
		for (size_t i = 0; i < k; i++) {
			json_t *a = json_array_get(le, i), *b = json_array_get(n, i);
			l->hist[i].le_ns = json_is_integer(a) && json_integer_value(a) > 0 ?
					   (uint64_t)json_integer_value(a) : 0;
			l->hist[i].count = json_is_integer(b) && json_integer_value(b) > 0 ?
					   (uint64_t)json_integer_value(b) : 0;
		}
		l->nhist = k;
	}
}

static void stream_parse(json_t *o, struct xdperf_stream_report *s)
{
	s->run = (uint32_t)srv_json_u64(o, "run");
	s->stream = (uint32_t)srv_json_u64(o, "stream");
	s->received = srv_json_u64(o, "received");
	s->unique = srv_json_u64(o, "unique");
	s->lost = srv_json_u64(o, "lost");
	s->duplicated = srv_json_u64(o, "duplicated");
	s->reordered = srv_json_u64(o, "reordered");
	s->first_seq = srv_json_u64(o, "first_seq");
	s->last_seq = srv_json_u64(o, "last_seq");
	latency_parse(json_object_get(o, "latency"), &s->latency);
}

int xdperf_server_report_parse(const char *text, struct xdperf_server_report **out, char *err,
			       size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!json_is_object(o) || !json_is_object(json_object_get(o, "total"))) {
		xdperf_errf(err, errlen, "the server's report is not a report object%s%s",
			    o ? "" : ": ", o ? "" : je.text);
		json_decref(o);
		return -EINVAL;
	}
	struct xdperf_server_report *r = calloc(1, sizeof *r);
	json_t *streams = json_object_get(o, "streams");
	size_t n = json_is_array(streams) ? json_array_size(streams) : 0;
	json_t *runs = json_object_get(o, "runs");
	size_t nr = json_is_array(runs) ? json_array_size(runs) : 0;
	if (!r || (n && !(r->streams = calloc(n, sizeof *r->streams))) ||
	    (nr && !(r->runs = calloc(nr, sizeof *r->runs)))) {
		xdperf_server_report_free(r);
		json_decref(o);
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(r->device, sizeof r->device, "%s", json_string_value(json_object_get(o, "device")) ?: "");
	snprintf(r->mode, sizeof r->mode, "%s", json_string_value(json_object_get(o, "mode")) ?: "");
	r->port = (uint16_t)srv_json_u64(o, "port");
	r->stamp = json_is_true(json_object_get(o, "stamp"));
	json_t *rf = json_object_get(o, "reflect");
	r->reflect = !json_is_string(rf) ? 0 : !strcmp(json_string_value(rf), "ports") ? XDPERF_REFLECT_PORTS :
		     !strcmp(json_string_value(rf), "addresses") ? XDPERF_REFLECT_ADDRS : 0;
	srv_stats_parse(o, &r->stats);
	stream_parse(json_object_get(o, "total"), &r->total);
	for (size_t i = 0; i < n; i++)
		stream_parse(json_array_get(streams, i), &r->streams[i]);
	r->nstreams = n;
	for (size_t i = 0; i < nr; i++) {
		json_t *u = json_array_get(runs, i);
		struct xdperf_run_report *x = &r->runs[i];
		x->run = (uint32_t)srv_json_u64(u, "run");
		x->nstreams = (size_t)srv_json_u64(u, "streams");
		x->received = srv_json_u64(u, "received");
		x->unique = srv_json_u64(u, "unique");
		x->lost = srv_json_u64(u, "lost");
		x->duplicated = srv_json_u64(u, "duplicated");
		x->reordered = srv_json_u64(u, "reordered");
	}
	r->nruns = nr;
	r->streams_over_limit = srv_json_u64(o, "streams_over_limit");
	json_t *v = json_object_get(o, "verifier");
	if (json_is_object(v)) {
		r->verifier = true;
		r->valid = srv_json_u64(v, "valid");
		r->invalid = srv_json_u64(v, "invalid");
		r->verifier_failed = srv_json_u64(v, "failed");
		snprintf(r->first_error, sizeof r->first_error, "%s",
			 json_string_value(json_object_get(v, "first_error")) ?: "");
	}
	json_decref(o);
	*out = r;
	return 0;
}

bool xdperf_server_rates(const struct xdperf_server_stats *st, double *pps, double *bps)
{
	*pps = *bps = 0;
	if (st->packets < 2 || !(st->active_s > 0))
		return false;
	*pps = (double)(st->packets - 1) / st->active_s;
	*bps = (double)(st->bytes > st->first_bytes ? st->bytes - st->first_bytes : 0) * 8 / st->active_s;
	return true;
}

uint64_t xdperf_server_report_lost(const struct xdperf_server_report *r, uint64_t sent)
{
	uint64_t arrived = r->total.unique + r->stats.ring_full; /* distinct, analysed or not */
	return sent > arrived ? sent - arrived : 0;
}

const struct xdperf_stream_report *xdperf_server_report_stream(const struct xdperf_server_report *r,
							     uint32_t run, uint32_t stream)
{
	uint64_t key = (uint64_t)run << 32 | stream;
	size_t lo = 0, hi = r->nstreams;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct xdperf_stream_report *m = &r->streams[mid];
		if (((uint64_t)m->run << 32 | m->stream) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nstreams && r->streams[lo].run == run && r->streams[lo].stream == stream)
		return &r->streams[lo];
	return NULL;
}

void xdperf_server_report_free(struct xdperf_server_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->streams && i < r->nstreams; i++)
		free(r->streams[i].latency.hist);
	free(r->total.latency.hist);
	free(r->streams);
	free(r->runs);
	free(r);
}
