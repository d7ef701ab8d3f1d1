/* Prometheus text exposition (format 0.0.4) of a registry's versions, a responder's listeners
 * and the module-reported metric values (include/xdperf/admin.h: xdperf_metrics_render). Each
 * family is written once with its HELP and TYPE lines and all of its samples together. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl/admin_int.h"
#include "ctl/metric_store.h"
#include "xdperf/admin.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t nc = o->cap * 2 + (size_t)n;
		char *nb = realloc(o->buf, nc);
		if (!nb) {
			o->oom = true;
			return;
		}
		o->buf = nb;
		o->cap = nc;
	}
}

/* A label value with \, " and newline escaped (into a static-size buffer; long values cut). */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t j = 0;
	for (; *s && j + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[j++] = '\\';
			buf[j++] = *s;
		} else if (*s == '\n') {
			buf[j++] = '\\';
			buf[j++] = 'n';
		} else {
			buf[j++] = *s;
		}
	}
	buf[j] = 0;
	return buf;
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample per version: value(info) with the labels protocol and version. */
static void per_version(struct out *o, const struct xdperf_version_info *v, size_t n, const char *name,
			const char *type, const char *help, double (*value)(const struct xdperf_version_info *))
{
	family(o, name, type, help);
	char a[160], b[80];
	for (size_t i = 0; i < n; i++)
		put(o, "%s{protocol=\"%s\",version=\"%s\"} %.17g\n", name, esc(v[i].id, a, sizeof a),
		    esc(v[i].version, b, sizeof b), value(&v[i]));
}

static double v_traffic(const struct xdperf_version_info *v) { return v->traffic; }
static double v_calls(const struct xdperf_version_info *v) { return (double)v->calls; }
static double v_errors(const struct xdperf_version_info *v) { return (double)v->errors; }
static double v_p50(const struct xdperf_version_info *v) { return (double)v->p50_ns / 1e9; }
static double v_p99(const struct xdperf_version_info *v) { return (double)v->p99_ns / 1e9; }
static double v_mem(const struct xdperf_version_info *v) { return (double)v->memory_bytes; }
static double v_modb(const struct xdperf_version_info *v) { return (double)v->module_bytes; }
static double v_load(const struct xdperf_version_info *v) { return (double)v->load_us / 1e6; }
static double v_inst(const struct xdperf_version_info *v) { return (double)v->instances; }
static double v_idle(const struct xdperf_version_info *v) { return (double)v->idle_ms / 1e3; }

static void versions(struct out *o, const struct xdperf_version_info *v, size_t n)
{
	char a[160], b[80];
	family(o, "xdperf_version_info", "gauge",
	       "Loaded protocol module versions (1) with their state, signer and SHA-256.");
	for (size_t i = 0; i < n; i++)
		put(o, "xdperf_version_info{protocol=\"%s\",version=\"%s\",state=\"%s\",signer=\"%s\",sha256=\"%s\","
		    "native=\"%s\"} 1\n", esc(v[i].id, a, sizeof a), esc(v[i].version, b, sizeof b),
		    xdperf_version_state_str(v[i].state), v[i].key_id, v[i].sha256, v[i].native ? "true" : "false");
	per_version(o, v, n, "xdperf_version_traffic_percent", "gauge", "Percent of routed flows the version takes.",
		    v_traffic);
	per_version(o, v, n, "xdperf_version_calls_total", "counter", "Messages the version handled.", v_calls);
	per_version(o, v, n, "xdperf_version_errors_total", "counter", "Failed calls of the version (every kind).",
		    v_errors);
	family(o, "xdperf_version_faults_total", "counter", "Failed calls of the version by kind.");
	for (size_t i = 0; i < n; i++) {
		uint64_t known = v[i].traps + v[i].fuel + v[i].memory_cap + v[i].bad_output;
		const struct {
			const char *kind;
			uint64_t n;
		} k[] = { { "trap", v[i].traps }, { "fuel", v[i].fuel }, { "memory", v[i].memory_cap },
			  { "output", v[i].bad_output }, { "other", v[i].errors > known ? v[i].errors - known : 0 } };
		for (size_t j = 0; j < sizeof k / sizeof k[0]; j++)
			put(o, "xdperf_version_faults_total{protocol=\"%s\",version=\"%s\",kind=\"%s\"} %llu\n",
			    esc(v[i].id, a, sizeof a), esc(v[i].version, b, sizeof b), k[j].kind,
			    (unsigned long long)k[j].n);
	}
	per_version(o, v, n, "xdperf_version_latency_p50_seconds", "gauge",
		    "Median call latency of the version (log-bucket estimate).", v_p50);
	per_version(o, v, n, "xdperf_version_latency_p99_seconds", "gauge",
		    "99th percentile call latency of the version (log-bucket estimate).", v_p99);
	per_version(o, v, n, "xdperf_version_memory_bytes", "gauge",
		    "Bytes the version holds: its loaded module plus everything its instances hold (memory, "
		    "tables, stacks, structures).", v_mem);
	per_version(o, v, n, "xdperf_version_module_bytes", "gauge",
		    "Bytes of the loaded module (binary copy, decoded sections, translated code).", v_modb);
	per_version(o, v, n, "xdperf_version_load_seconds", "gauge",
		    "Time the module's decoding, validation and translation took.", v_load);
	per_version(o, v, n, "xdperf_version_instances", "gauge", "Engine instances of the version.", v_inst);
	per_version(o, v, n, "xdperf_version_idle_seconds", "gauge", "Seconds since the version's last call.", v_idle);
}

#define F(field, type, help) { #field, type, help, offsetof(struct xdperf_listener_stats, field) }
const struct admin_listener_field admin_listener_fields[] = {
	F(requests, "counter", "Messages received."),
	F(replies, "counter", "Answers sent."),
	F(empty, "counter", "Empty answers (UDP: nothing sent)."),
	F(failed, "counter", "Messages whose call failed (module fault or no version)."),
	F(send_errors, "counter", "Answers the socket refused."),
	F(rx_bytes, "counter", "Message bytes received."),
	F(tx_bytes, "counter", "Answer bytes sent."),
	F(connections, "counter", "TCP connections accepted."),
	F(open_connections, "gauge", "TCP connections open."),
	F(framing_errors, "counter", "TCP connections closed for an oversize message length."),
	F(refused, "counter", "TCP connections refused over the connection limit."),
	F(idle_closed, "counter", "TCP connections closed after the idle timeout without traffic."),
};
#undef F
const size_t admin_listener_nfields = sizeof admin_listener_fields / sizeof admin_listener_fields[0];

uint64_t admin_listener_value(const struct xdperf_listener_stats *l, const struct admin_listener_field *f)
{
	uint64_t v;
	memcpy(&v, (const char *)l + f->off, sizeof v);
	return v;
}

static void listeners(struct out *o, const struct xdperf_listener_stats *l, size_t n)
{
	const struct admin_listener_field *f = admin_listener_fields;
	char a[160], b[160];
	for (size_t j = 0; j < admin_listener_nfields; j++) {
		bool counter = !strcmp(f[j].type, "counter");
		char name[80];
		snprintf(name, sizeof name, "xdperf_listener_%s%s", f[j].key, counter ? "_total" : "");
		family(o, name, f[j].type, f[j].help);
		for (size_t i = 0; i < n; i++)
			put(o, "%s{listener=\"%s\",protocol=\"%s\"} %llu\n", name, esc(l[i].url, a, sizeof a),
			    esc(l[i].protocol, b, sizeof b), (unsigned long long)admin_listener_value(&l[i], &f[j]));
	}
}

static bool loaded(void *ctx, const char *name)
{
	const struct xdperf_version_info *v = ((const struct xdperf_version_info **)ctx)[0];
	size_t n = (size_t)((const struct xdperf_version_info **)ctx)[1];
	for (size_t i = 0; i < n; i++) {
		size_t il = strlen(v[i].id);
		if (!strncmp(name, v[i].id, il) && name[il] == '@' && !strcmp(name + il + 1, v[i].version))
			return true;
	}
	return false;
}

/* protocol="ID",version="VERSION",metric="NAME" of a stored series ("ID@VERSION" split). */
static const char *series_labels(const struct ms_series *s, char *buf, size_t len)
{
	char id[sizeof s->name], a[160], b[80], c[300];
	snprintf(id, sizeof id, "%s", s->name);
	char *at = strchr(id, '@');
	const char *ver = "";
	if (at) {
		*at = 0;
		ver = at + 1;
	}
	snprintf(buf, len, "protocol=\"%s\",version=\"%s\",metric=\"%s\"", esc(id, a, sizeof a),
		 esc(ver, b, sizeof b), esc(s->metric, c, sizeof c));
	return buf;
}

/* The worker label: the handle number, "shared" or "none". */
static const char *worker_label(int32_t w, char *buf, size_t len)
{
	if (w == XDPERF_WORKER_SHARED)
		return "shared";
	if (w < 0)
		return "none";
	snprintf(buf, len, "%d", (int)w);
	return buf;
}

/* Numbered workers first, in order, then shared, then none. */
static int cmp_part(const void *a, const void *b)
{
	int32_t x = ((const struct ms_part *)a)->worker, y = ((const struct ms_part *)b)->worker;
	uint32_t ux = x < 0 ? (uint32_t)INT32_MAX + (uint32_t)-x : (uint32_t)x;
	uint32_t uy = y < 0 ? (uint32_t)INT32_MAX + (uint32_t)-y : (uint32_t)y;
	return ux < uy ? -1 : ux > uy;
}

static void module_metrics(struct out *o, struct xdperf_metric_store *m, const struct xdperf_version_info *v,
			   size_t n, uint64_t listed_ns)
{
	const void *ctx[2] = { v, (const void *)n };
	ms_forget(m, loaded, ctx, listed_ns);
	struct ms_series *s;
	size_t ns;
	uint64_t dropped;
	if (ms_snapshot(m, &s, &ns, &dropped)) {
		o->oom = true;
		return;
	}
	char lab[700], w[16];
	family(o, "xdperf_module_counter_total", "counter",
	       "Module metrics named *_total: the sum over workers of the last value each of their instances "
	       "reported, freed instances included.");
	for (size_t i = 0; i < ns; i++)
		if (s[i].counter)
			put(o, "xdperf_module_counter_total{%s} %.17g\n", series_labels(&s[i], lab, sizeof lab),
			    ms_counter_value(&s[i]));
	family(o, "xdperf_module_gauge", "gauge",
	       "Other module metrics: the last value the worker's instance reported, while that instance exists.");
	for (size_t i = 0; i < ns; i++) {
		if (s[i].counter)
			continue;
		qsort(s[i].parts, s[i].nparts, sizeof *s[i].parts, cmp_part);
		for (size_t j = 0; j < s[i].nparts; j++)
			if (s[i].parts[j].live)
				put(o, "xdperf_module_gauge{%s,worker=\"%s\"} %.17g\n", series_labels(&s[i], lab, sizeof lab),
				    worker_label(s[i].parts[j].worker, w, sizeof w), s[i].parts[j].value);
	}
	family(o, "xdperf_module_metric_reports_total", "counter", "Reports of each module metric, all workers.");
	for (size_t i = 0; i < ns; i++)
		put(o, "xdperf_module_metric_reports_total{%s} %llu\n", series_labels(&s[i], lab, sizeof lab),
		    (unsigned long long)s[i].count);
	family(o, "xdperf_module_metric_dropped_total", "counter",
	       "Module metric reports dropped because the store was full.");
	put(o, "xdperf_module_metric_dropped_total %llu\n", (unsigned long long)dropped);
	ms_snapshot_free(s, ns);
}

int xdperf_metrics_render(struct xdperf_registry *r, struct xdperf_responder *s, struct xdperf_metric_store *m,
			  char **text, size_t *len)
{
	struct out o = { .cap = 8192 };
	o.buf = malloc(o.cap);
	if (!o.buf)
		return -ENOMEM;
	o.buf[0] = 0;
	struct xdperf_version_info *v = NULL;
	size_t n = 0;
	uint64_t listed_ns = ms_now_ns();
	if (xdperf_registry_list(r, NULL, &v, &n)) {
		free(o.buf);
		return -ENOMEM;
	}
	versions(&o, v, n);
	if (s) {
		struct xdperf_listener_stats *l;
		size_t nl;
		if (xdperf_responder_stats(s, &l, &nl))
			o.oom = true;
		else {
			listeners(&o, l, nl);
			free(l);
		}
	}
	if (m)
		module_metrics(&o, m, v, n, listed_ns);
	free(v);
	if (o.oom) {
		free(o.buf);
		return -ENOMEM;
	}
	*text = o.buf;
	*len = o.len;
	return 0;
}
