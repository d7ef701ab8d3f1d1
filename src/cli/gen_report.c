/* The generator's --report (src/cli/gen_report.h). The document's streams: "all streams"
 * (aggregate: the run's totals, its per-second series, the server's totals) and one per
 * sender thread and template ("thread T template N": sent, and with --server-addr and --stamp
 * what the server received of it, sent - received as lost, its latency). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/gen_report.h"
#include "cli/plugin_common.h"
#include "cli/report_params.h"
#include "packet/template.h"
#include "xdperf/field.h"
#include "xdperf/server.h"

struct gen_report {
	json_t *t, *tx_pps, *tx_packets, *rx_pps, *rx_packets;
	double last_end;
	struct xdperf_tx_stats last;
	uint64_t rx_last;
	bool rx;                  /* every interval had the --rx-device count */
	size_t n;
};

struct gen_report *gen_report_new(void)
{
	struct gen_report *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->t = json_array();
	g->tx_pps = json_array();
	g->tx_packets = json_array();
	g->rx_pps = json_array();
	g->rx_packets = json_array();
	g->rx = true;
	if (!g->t || !g->tx_pps || !g->tx_packets || !g->rx_pps || !g->rx_packets) {
		gen_report_free(g);
		return NULL;
	}
	return g;
}

void gen_report_free(struct gen_report *g)
{
	if (!g)
		return;
	json_decref(g->t);
	json_decref(g->tx_pps);
	json_decref(g->tx_packets);
	json_decref(g->rx_pps);
	json_decref(g->rx_packets);
	free(g);
}

void gen_report_tick(struct gen_report *g, double end, const struct xdperf_tx_stats *total,
		     bool have_rx, uint64_t rx_total)
{
	if (!g)
		return;
	struct xdperf_tx_stats l = g->last;
	if (total->packets < l.packets)
		memset(&l, 0, sizeof l); /* a new attempt counts from 0 */
	uint64_t p = total->packets - l.packets;
	double dt = end - g->last_end;
	json_array_append_new(g->t, json_real(end));
	json_array_append_new(g->tx_packets, json_integer((json_int_t)p));
	json_array_append_new(g->tx_pps, dt > 0 ? json_real((double)p / dt) : json_null());
	if (have_rx) {
		uint64_t rp = rx_total >= g->rx_last ? rx_total - g->rx_last : 0;
		json_array_append_new(g->rx_packets, json_integer((json_int_t)rp));
		json_array_append_new(g->rx_pps, dt > 0 ? json_real((double)rp / dt) : json_null());
		g->rx_last = rx_total;
	} else {
		g->rx = false;
	}
	g->last = *total;
	g->last_end = end;
	g->n++;
}

/* The seeds of the templates' RANDOM and RANGE modifiers: [{"template","field","seed"}]. */
static json_t *seeds_of(const struct xdperf_template_set *set)
{
	json_t *a = json_array();
	for (size_t i = 0; a && set && i < set->n; i++)
		for (size_t k = 0; k < set->t[i].fields.nmods; k++) {
			const struct xdperf_field_mod *m = &set->t[i].fields.mod[k];
			if (m->op != XDPERF_FIELD_RANDOM && m->op != XDPERF_FIELD_RANGE)
				continue;
			char off[32];
			snprintf(off, sizeof off, "offset %u", m->offset);
			json_array_append_new(a, json_pack("{s:I, s:s, s:I}", "template", (json_int_t)i,
							   "field", m->name ? m->name : off,
							   "seed", (json_int_t)m->seed));
		}
	return a;
}

static void put_params(json_t *p, const struct gen_args *a, const struct tx_summary *s,
		       const struct xdperf_template_set *set)
{
	const struct xdperf_tx_result *r = s->r;
	char path[PATH_MAX + 32];
	if (a->plugin) {
		json_object_set_new(p, "plugin_name", json_string(s->plugin));
		if (!find_plugin(a->plugin, a->plugin_path, path, sizeof path))
			cli_report_file(p, "plugin", path);
	}
	if (a->templates)
		cli_report_file(p, "templates", a->templates);
	if (a->config) {
		cli_report_file(p, "config_file", a->config);
		json_t *cfg = load_config(a->config); /* as the plugin got it (JSON or YAML) */
		if (cfg)
			json_object_set_new(p, "config", cfg);
	}
	json_object_set_new(p, "device", json_string(a->device));
	json_object_set_new(p, "mode", json_string(r->mode ? r->mode : ""));
	json_object_set_new(p, "threads", json_integer((json_int_t)r->threads));
	json_object_set_new(p, "count", json_integer((json_int_t)a->count));
	if (a->duration > 0)
		json_object_set_new(p, "duration_s", json_real(a->duration));
	if (r->rate_pps > 0)
		json_object_set_new(p, "rate_target_pps", json_real(r->rate_pps));
	if (a->bitrate)
		json_object_set_new(p, "bitrate", json_integer((json_int_t)a->bitrate));
	if (a->imix)
		json_object_set_new(p, "imix", json_string(a->imix));
	json_object_set_new(p, "stamp", json_boolean(a->stamp));
	if (r->run_id) {
		char id[16];
		snprintf(id, sizeof id, "%08x", r->run_id);
		json_object_set_new(p, "run_id", json_string(id));
	}
	if (a->server_addr)
		json_object_set_new(p, "server_addr", json_string(a->server_addr));
	if (s->srv_error)
		json_object_set_new(p, "server_error", json_string(s->srv_error));
	if (s->error)
		json_object_set_new(p, "error", json_string(s->error));
	json_t *seeds = seeds_of(set);
	if (json_array_size(seeds))
		json_object_set_new(p, "seeds", seeds);
	else
		json_decref(seeds);
}

int gen_report_write(struct gen_report *g, const struct gen_args *a, const struct tx_summary *s,
		     const struct xdperf_template_set *set)
{
	const struct xdperf_tx_result *r = s->r;
	char title[512];
	snprintf(title, sizeof title, "xdperf run: %s on %s", s->plugin, a->device);
	json_t *doc = cli_report_doc("run", title, a->argc, a->argv);
	if (!doc || !g) {
		json_decref(doc);
		fprintf(stderr, "xdperf: --report %s: out of memory\n", a->report);
		return 1;
	}
	put_params(json_object_get(doc, "params"), a, s, set);
	json_t *streams = json_object_get(doc, "streams");
	/* per-stream loss needs the stamps' sequence numbers */
	bool server = s->srv && a->stamp && s->srv->stamp;
	json_t *all = json_pack("{s:s, s:b, s:I, s:I}", "name", "all streams", "aggregate", 1,
				"sent", (json_int_t)r->total.packets, "bytes", (json_int_t)r->total.bytes);
	json_t *series = json_pack("{s:O, s:O, s:O}", "t", g->t, "tx_pps", g->tx_pps, "tx_packets",
				   g->tx_packets);
	if (series && g->rx && g->n) {
		json_object_set(series, "rx_pps", g->rx_pps);
		json_object_set(series, "rx_packets", g->rx_packets);
	}
	json_object_set_new(all, "series", series);
	json_array_append_new(streams, all);
	uint64_t received = 0, lost = 0;
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct xdperf_tx_stream *x = &s->streams[i];
		char name[64];
		snprintf(name, sizeof name, "thread %u template %u", x->thread, x->tmpl);
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", name, "stream",
				      (json_int_t)x->stream, "sent", (json_int_t)x->packets, "bytes",
				      (json_int_t)x->bytes, "refused", (json_int_t)x->refused);
		if (o && server) {
			const struct xdperf_stream_report *sr =
				xdperf_server_report_stream(s->srv, r->run_id, x->stream);
			uint64_t rcv = sr ? sr->unique : 0;
			uint64_t l = x->packets > rcv ? x->packets - rcv : 0;
			received += rcv;
			lost += l;
			json_object_set_new(o, "received", json_integer((json_int_t)rcv));
			json_object_set_new(o, "lost", json_integer((json_int_t)l));
			if (sr) {
				json_object_set_new(o, "duplicated", json_integer((json_int_t)sr->duplicated));
				json_object_set_new(o, "reordered", json_integer((json_int_t)sr->reordered));
				json_t *lat = cli_report_latency(&sr->latency);
				if (lat)
					json_object_set_new(o, "latency", lat);
			}
		}
		json_array_append_new(streams, o);
	}
	if (server) {
		json_object_set_new(all, "received", json_integer((json_int_t)received));
		json_object_set_new(all, "lost", json_integer((json_int_t)lost));
		json_object_set_new(all, "duplicated", json_integer((json_int_t)s->srv->total.duplicated));
		json_object_set_new(all, "reordered", json_integer((json_int_t)s->srv->total.reordered));
		json_t *lat = cli_report_latency(&s->srv->total.latency);
		if (lat)
			json_object_set_new(all, "latency", lat);
	}
	int rc = cli_report_write("--report", a->report, doc, a->quiet);
	json_decref(doc);
	return rc;
}
