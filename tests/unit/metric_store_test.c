/* The module metric store and its /metrics families (src/ctl/metric_store.c, metrics.c), fed
 * directly through xdperf_metric_store_record with chosen workers and instances: a counter is the
 * sum over workers of every instance's last value (freed instances and replaced ones included,
 * a decrease within one instance followed), a gauge one sample per worker while its instance
 * lives (labels 0, 1, shared, none), the series limit (a full store drops and counts reports of
 * new series but keeps every worker's share of a stored one), and the series of a version no
 * longer loaded gone. Run by tests/cases/module_metrics.sh under ASan/UBSan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/check.h"
#include "xdperf/admin.h"

static int answer(void *ctx, const uint8_t *in, size_t len, struct xdperf_proto_buf *out, char *err, size_t errlen)
{
	(void)ctx, (void)in, (void)len, (void)out, (void)err, (void)errlen;
	return 0;
}

static char *text;

static void render(struct xdperf_registry *r, struct xdperf_metric_store *m)
{
	size_t len;
	free(text);
	text = NULL;
	if (xdperf_metrics_render(r, NULL, m, &text, &len))
		abort();
}

/* The value of the sample line "<sample> VALUE", or NULL when there is none. */
static const char *sample(const char *s)
{
	static char v[64];
	size_t n = strlen(s);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, s, n) && p[n] == ' ') {
			size_t k = strcspn(p + n + 1, "\n");
			snprintf(v, sizeof v, "%.*s", (int)k, p + n + 1);
			return v;
		}
	return NULL;
}

static void expect(const char *s, const char *want)
{
	const char *got = sample(s);
	if (want)
		CHECK(got && !strcmp(got, want), "%s = %s, want %s", s, got ? got : "(none)", want);
	else
		CHECK(!got, "%s = %s, want no such sample", s, got);
}

static void report(struct xdperf_metric_store *m, const char *name, const char *metric, double v, int32_t worker,
		   uint64_t inst)
{
	struct xdperf_metric_source src = { .worker = worker, .instance = inst };
	xdperf_metric_store_record(m, name, metric, v, 0, &src);
}

#define C(V) "xdperf_module_counter_total{protocol=\"p\",version=\"" V "\",metric=\"n_total\"}"
#define G(W) "xdperf_module_gauge{protocol=\"p\",version=\"1\",metric=\"keys\",worker=\"" W "\"}"
#define R(V, M) "xdperf_module_metric_reports_total{protocol=\"p\",version=\"" V "\",metric=\"" M "\"}"

int main(void)
{
	char err[256];
	struct xdperf_registry *r;
	struct xdperf_metric_store *m;
	if (xdperf_registry_new(NULL, &r, err, sizeof err) || xdperf_metric_store_new(3, &m) ||
	    xdperf_registry_load_native(r, "p", "1", answer, NULL, err, sizeof err) ||
	    xdperf_registry_load_native(r, "p", "2", answer, NULL, err, sizeof err)) {
		printf("FAIL: set-up: %s\n", err);
		return 1;
	}

	/* counters: summed over workers */
	report(m, "p@1", "n_total", 5, 0, 1);
	report(m, "p@1", "n_total", 7, 1, 2);
	report(m, "p@1", "n_total", 2, XDPERF_WORKER_SHARED, 3);
	render(r, m);
	expect(C("1"), "14");
	expect(R("1", "n_total"), "3");
	/* the same instance again: its last value counts, not each report */
	report(m, "p@1", "n_total", 9, 1, 2);
	render(r, m);
	expect(C("1"), "16");
	/* worker 0's instance ends, a new one counts from 0: the sum goes on */
	xdperf_metric_store_record(m, "p@1", NULL, 0, 0, &(struct xdperf_metric_source){ 0, 1 });
	render(r, m);
	expect(C("1"), "16");
	report(m, "p@1", "n_total", 1, 0, 4);
	render(r, m);
	expect(C("1"), "17");
	/* a new instance reporting without the old one's end seen first: the old value stays too */
	report(m, "p@1", "n_total", 3, 1, 5);
	render(r, m);
	expect(C("1"), "20");
	/* a decrease within one instance lowers the sum by as much */
	report(m, "p@1", "n_total", 2, 1, 5);
	render(r, m);
	expect(C("1"), "19");
	/* an end of an instance that is not the worker's current one changes nothing */
	xdperf_metric_store_record(m, "p@1", NULL, 0, 0, &(struct xdperf_metric_source){ 1, 2 });
	render(r, m);
	expect(C("1"), "19");
	CHECK(!sample("xdperf_module_gauge{protocol=\"p\",version=\"1\",metric=\"n_total\",worker=\"0\"}"),
	      "a counter has no per-worker gauge");

	/* gauges: one per worker while its instance lives */
	report(m, "p@1", "keys", 3, 0, 4);
	report(m, "p@1", "keys", 4, 1, 5);
	report(m, "p@1", "keys", 8, XDPERF_WORKER_SHARED, 3);
	report(m, "p@1", "keys", 1, XDPERF_WORKER_NONE, 0);
	render(r, m);
	expect(G("0"), "3");
	expect(G("1"), "4");
	expect(G("shared"), "8");
	expect(G("none"), "1");
	CHECK(!sample("xdperf_module_counter_total{protocol=\"p\",version=\"1\",metric=\"keys\"}"), "a gauge has no counter");
	const char *g0 = strstr(text, G("0")), *g1 = strstr(text, G("1")), *gs = strstr(text, G("shared"));
	CHECK(g0 && g1 && gs && g0 < g1 && g1 < gs, "gauges in worker order, shared after the numbered ones");
	xdperf_metric_store_record(m, "p@1", NULL, 0, 0, &(struct xdperf_metric_source){ 1, 5 });
	render(r, m);
	expect(G("1"), NULL);
	expect(G("0"), "3");
	expect(C("1"), "19");
	report(m, "p@1", "keys", 0, 1, 6);
	render(r, m);
	expect(G("1"), "0");

	/* the limit: 3 series; a 4th is dropped and counted, every worker of a stored one is kept */
	report(m, "p@2", "n_total", 1, 0, 7);
	report(m, "p@2", "other", 1, 0, 7);
	render(r, m);
	expect("xdperf_module_metric_dropped_total", "1");
	expect(R("2", "other"), NULL);
	for (int32_t w = 1; w < 300; w++) /* worker 0 reported 1 above */
		report(m, "p@2", "n_total", 1, w, 100 + (uint64_t)w);
	render(r, m);
	expect(C("2"), "300");
	expect("xdperf_module_metric_dropped_total", "1");

	/* an unloaded version's series go; that frees room for a new one */
	if (xdperf_registry_unload(r, "p", "2", err, sizeof err)) {
		printf("FAIL: unload p@2: %s\n", err);
		return 1;
	}
	render(r, m);
	expect(C("2"), NULL);
	expect(R("2", "n_total"), NULL);
	expect(C("1"), "19");
	report(m, "p@1", "later_total", 4, 0, 4);
	render(r, m);
	expect("xdperf_module_counter_total{protocol=\"p\",version=\"1\",metric=\"later_total\"}", "4");
	expect("xdperf_module_metric_dropped_total", "1");

	free(text);
	xdperf_metric_store_free(m);
	xdperf_registry_free(r);
	printf("metric_store_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
