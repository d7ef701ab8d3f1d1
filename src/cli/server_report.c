/* The server's --report (src/cli/server_report.h). The document's streams: "all frames"
 * (aggregate: frames counted per second since the server started, and the totals since the
 * last reset) and, with --stamp, one per stream of each generator run ("run R thread T
 * template N": received = distinct frames, lost = gaps, duplicated, reordered, latency, and
 * per second: frames received and lost, the gaps opened in the interval minus those filled by
 * late frames). A generator's reset clears the streams; a stream seen again after it starts
 * from 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/report_params.h"
#include "cli/server_report.h"

struct rec_stream {
	uint32_t run, id;
	uint64_t rcv, lost;     /* at the last tick */
	json_t *t, *rx_pps, *rx_packets, *lostv;
};

struct srv_html {
	json_t *t, *rx_pps, *rx_packets;
	struct xdperf_server_stats prev;
	struct rec_stream *st;  /* sorted by run, then id */
	size_t n;
};

struct srv_html *srv_html_new(void)
{
	struct srv_html *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->t = json_array();
	h->rx_pps = json_array();
	h->rx_packets = json_array();
	h->st = calloc(SRV_REPORT_SERIES_STREAMS, sizeof *h->st);
	if (!h->t || !h->rx_pps || !h->rx_packets || !h->st) {
		srv_html_free(h);
		return NULL;
	}
	return h;
}

void srv_html_free(struct srv_html *h)
{
	if (!h)
		return;
	json_decref(h->t);
	json_decref(h->rx_pps);
	json_decref(h->rx_packets);
	for (size_t i = 0; h->st && i < h->n; i++) {
		json_decref(h->st[i].t);
		json_decref(h->st[i].rx_pps);
		json_decref(h->st[i].rx_packets);
		json_decref(h->st[i].lostv);
	}
	free(h->st);
	free(h);
}

static uint64_t key(uint32_t run, uint32_t id)
{
	return (uint64_t)run << 32 | id;
}

/* The recorded stream (run, id), added when there is room; NULL when not recorded. */
static struct rec_stream *find(struct srv_html *h, uint32_t run, uint32_t id)
{
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key(h->st[mid].run, h->st[mid].id) < key(run, id))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->st[lo].run == run && h->st[lo].id == id)
		return &h->st[lo];
	if (h->n >= SRV_REPORT_SERIES_STREAMS)
		return NULL;
	struct rec_stream ns = { .run = run, .id = id, .t = json_array(), .rx_pps = json_array(),
				 .rx_packets = json_array(), .lostv = json_array() };
	if (!ns.t || !ns.rx_pps || !ns.rx_packets || !ns.lostv) {
		json_decref(ns.t);
		json_decref(ns.rx_pps);
		json_decref(ns.rx_packets);
		json_decref(ns.lostv);
		return NULL;
	}
	memmove(&h->st[lo + 1], &h->st[lo], (h->n - lo) * sizeof *h->st);
	h->st[lo] = ns;
	h->n++;
	return &h->st[lo];
}

void srv_html_tick(struct srv_html *h, struct xdperf_server *s, const struct xdperf_server_stats *all,
		   bool stamp)
{
	if (!h)
		return;
	double dt = all->seconds - h->prev.seconds;
	uint64_t p = all->packets - h->prev.packets;
	json_array_append_new(h->t, json_real(all->seconds));
	json_array_append_new(h->rx_packets, json_integer((json_int_t)p));
	json_array_append_new(h->rx_pps, dt > 0 ? json_real((double)p / dt) : json_null());
	h->prev = *all;
	struct xdperf_server_report *r;
	if (!stamp || xdperf_server_report(s, &r))
		return;
	for (size_t i = 0; i < r->nstreams; i++) {
		const struct xdperf_stream_report *o = &r->streams[i];
		struct rec_stream *rs = find(h, o->run, o->stream);
		if (!rs)
			continue;
		if (o->unique < rs->rcv) /* reset since: counts start again */
			rs->rcv = rs->lost = 0;
		uint64_t got = o->unique - rs->rcv;
		json_array_append_new(rs->t, json_real(all->seconds));
		json_array_append_new(rs->rx_packets, json_integer((json_int_t)got));
		json_array_append_new(rs->rx_pps, dt > 0 ? json_real((double)got / dt) : json_null());
		json_array_append_new(rs->lostv, json_integer((json_int_t)o->lost - (json_int_t)rs->lost));
		rs->rcv = o->unique;
		rs->lost = o->lost;
	}
	xdperf_server_report_free(r);
}

static void put_params(json_t *p, const struct srv_html_info *in)
{
	json_object_set_new(p, "device", json_string(in->device));
	json_object_set_new(p, "mode", json_string(in->mode));
	json_object_set_new(p, "port", in->port ? json_integer(in->port) : json_string("every frame"));
	json_object_set_new(p, "stamp", json_boolean(in->stamp));
	if (in->reflect)
		json_object_set_new(p, "reflect", json_string(in->reflect == XDPERF_REFLECT_PORTS ? "ports" :
							      "addresses"));
	if (in->control)
		json_object_set_new(p, "control", json_string(in->control));
	if (in->verifier)
		cli_report_file(p, "verifier", in->verifier);
	if (in->verifier_config)
		cli_report_file(p, "verifier_config", in->verifier_config);
	if (in->duration > 0)
		json_object_set_new(p, "duration_s", json_real(in->duration));
}

static json_t *stream_doc(const struct xdperf_stream_report *o, const char *name)
{
	json_t *st = json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", name, "received",
			       (json_int_t)o->unique, "lost", (json_int_t)o->lost, "duplicated",
			       (json_int_t)o->duplicated, "reordered", (json_int_t)o->reordered);
	json_t *lat = st ? cli_report_latency(&o->latency) : NULL;
	if (lat)
		json_object_set_new(st, "latency", lat);
	return st;
}

int srv_html_write(struct srv_html *h, const char *path, const struct srv_html_info *in,
		   const struct xdperf_server_report *r, bool quiet)
{
	char title[256];
	snprintf(title, sizeof title, "xdperf server on %s", in->device);
	json_t *doc = h ? cli_report_doc("server", title, in->argc, in->argv) : NULL;
	if (!doc) {
		fprintf(stderr, "xdperf: --report %s: out of memory\n", path);
		return 1;
	}
	put_params(json_object_get(doc, "params"), in);
	json_t *streams = json_object_get(doc, "streams");
	json_t *all = in->stamp && r->stats.stamped ? stream_doc(&r->total, "all frames") :
		      json_pack("{s:s, s:I}", "name", "all frames", "received", (json_int_t)r->stats.packets);
	json_object_set_new(all, "aggregate", json_true());
	json_object_set_new(all, "bytes", json_integer((json_int_t)r->stats.bytes));
	json_object_set_new(all, "series", json_pack("{s:O, s:O, s:O}", "t", h->t, "rx_pps", h->rx_pps,
						     "rx_packets", h->rx_packets));
	json_array_append_new(streams, all);
	for (size_t i = 0; i < r->nstreams; i++) {
		const struct xdperf_stream_report *o = &r->streams[i];
		char name[96];
		snprintf(name, sizeof name, "run %08x thread %u template %u", o->run, o->stream >> 16,
			 o->stream & 0xffff);
		json_t *st = stream_doc(o, name);
		size_t lo = 0, hi = h->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (key(h->st[mid].run, h->st[mid].id) < key(o->run, o->stream))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (st && lo < h->n && h->st[lo].run == o->run && h->st[lo].id == o->stream)
			json_object_set_new(st, "series", json_pack("{s:O, s:O, s:O, s:O}", "t", h->st[lo].t,
								    "rx_pps", h->st[lo].rx_pps, "rx_packets",
								    h->st[lo].rx_packets, "lost", h->st[lo].lostv));
		json_array_append_new(streams, st);
	}
	int rc = cli_report_write("--report", path, doc, quiet);
	json_decref(doc);
	return rc;
}
