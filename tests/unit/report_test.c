/* Unit test of the HTML report renderer (src/report/) and what feeds it: odd names
 * (<script>, quotes, UTF-8, control characters, invalid UTF-8) escaped in HTML, SVG and the
 * embedded JSON; empty and missing parts; refused documents; the charts' series and point
 * counts; nothing external referenced; the server's latency histogram buckets
 * (src/server/hist.c) against the samples, their JSON round trip and their conversion for the
 * report (src/cli/report_params.c). Usage: report_test [OUT_DIR] (writes odd.html and
 * full.html there for a browser to load). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/report_params.h"
#include "report/report.h"
#include "server/hist.h"
#include "server/streams.h"
#include "tests/unit/check.h"

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* data-points of the series named `name` in chart `chart` (-1: not found). */
static long points_of(const char *html, const char *chart, const char *name)
{
	char key[256];
	snprintf(key, sizeof key, "data-chart=\"%s\"", chart);
	const char *c = strstr(html, key);
	if (!c)
		return -1;
	const char *end = strstr(c, "</svg>");
	snprintf(key, sizeof key, "data-name=\"%s\" data-points=\"", name);
	const char *s = strstr(c, key);
	if (!s || s > end)
		return -1;
	return strtol(s + strlen(key), NULL, 10);
}

static long series_in(const char *html, const char *chart)
{
	char key[128];
	snprintf(key, sizeof key, "data-chart=\"%s\"", chart);
	const char *c = strstr(html, key);
	if (!c)
		return -1;
	const char *end = strstr(c, "</svg>");
	long n = 0;
	for (const char *p = c; (p = strstr(p, "class=\"series\"")) && p < end; p++)
		n++;
	return n;
}

static char *render(json_t *doc, int *rc, char *err, size_t errlen)
{
	char *html = NULL;
	*rc = xdperf_report_html(doc, &html, NULL, err, errlen);
	return html;
}

static json_t *series(size_t n, double t0, double v)
{
	json_t *t = json_array(), *tx = json_array(), *rx = json_array(), *lost = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(t, json_real(t0 + (double)i));
		json_array_append_new(tx, json_real(v + (double)i));
		json_array_append_new(rx, json_real(v - (double)i));
		json_array_append_new(lost, json_integer((json_int_t)(i % 3)));
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "t", t, "tx_pps", tx, "rx_pps", rx, "lost", lost);
}

static void test_odd(const char *dir)
{
	const char *evil = "<script>alert(1)</script> \"q\" 'a' & é 流量 ✓";
	json_t *doc = json_pack("{s:s, s:s, s:s}", "kind", "run", "title", evil, "created",
				"2026-12-06T21:00:00Z");
	json_t *params = json_pack("{s:s, s:{s:s, s:i}, s:i}", "command", "xdperf -p '</script><b>x'",
				   "config", "name", "</pre><script>alert(2)</script>", "n", 3, "seed", 42);
	/* a name with a control character and invalid UTF-8 (jansson would refuse it) */
	json_t *odd = json_stringn_nocheck("bad\x01\xff\xc3(end<", 12);
	json_t *s1 = json_pack("{s:s, s:o, s:I, s:I, s:I}", "name", evil, "series", series(5, 1, 100),
			       "sent", (json_int_t)1000, "received", (json_int_t)990, "lost", (json_int_t)10);
	json_t *s2 = json_pack("{s:o, s:I}", "name", odd, "lost", (json_int_t)0);
	json_t *lat = json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:{s:[f,f,f], s:[i,i,i]}}",
				"count", (json_int_t)6, "min_us", 1.0, "avg_us", 3.0, "p50_us", 2.0,
				"p99_us", 9.0, "p999_us", 9.0, "max_us", 9.5, "hist", "le_us", 1.0, 2.0,
				9.5, "count", 1, 2, 3);
	json_object_set_new(s1, "latency", lat);
	json_object_set_new(doc, "params", params);
	json_object_set_new(doc, "streams", json_pack("[o]", s1));
	int rc;
	char err[256] = "";
	/* first without the invalid UTF-8: the embedded JSON is the document again */
	char *html = render(doc, &rc, err, sizeof err);
	const char *d = html ? strstr(html, "id=\"xdperf-report-data\">") : NULL;
	const char *de = d ? strstr(d, "</script>") : NULL;
	json_t *back = NULL;
	if (d && de) {
		d += strlen("id=\"xdperf-report-data\">");
		back = json_loadb(d, (size_t)(de - d), 0, NULL);
	}
	CHECK(back && json_equal(back, doc), "the embedded JSON parses back to the document");
	json_decref(back);
	free(html);
	json_array_append_new(json_object_get(doc, "streams"), s2);
	html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html, "odd names render: %d %s", rc, err);
	if (!html) {
		json_decref(doc);
		return;
	}
	CHECK(!strstr(html, "<script>alert") && !strstr(html, "</script><b>") &&
	      !strstr(html, "<b>x"), "no markup from the names gets through");
	CHECK(count_of(html, "<script") == 1 && count_of(html, "</script") == 1,
	      "one script element (the JSON data), closed once: %zu %zu", count_of(html, "<script"),
	      count_of(html, "</script"));
	CHECK(strstr(html, "<title>&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; é 流量 ✓</title>") != NULL,
	      "the title escaped, UTF-8 kept");
	CHECK(strstr(html, "data-name=\"&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; é 流量 ✓ tx\"") != NULL,
	      "a series name escaped inside SVG attributes");
	CHECK(strstr(html, "bad&#x2401;&#xfffd;&#xfffd;(end&lt;") != NULL,
	      "control character as its picture, invalid UTF-8 as U+FFFD");
	CHECK(strstr(html, "&lt;/pre&gt;&lt;script&gt;alert(2)") != NULL, "config JSON escaped");
	CHECK(!strstr(html, "http://") && !strstr(html, "https://") && !strstr(html, " src=") &&
	      !strstr(html, "url("), "nothing external");
	CHECK(count_of(html, "href=\"") == count_of(html, "href=\"#") + 1 && strstr(html, "href=\"data:,\""),
	      "links: sections, and the data: icon");
	CHECK(strstr(html, "default-src 'none'") != NULL, "the CSP forbids fetching");
	CHECK(strstr(html, "id=\"xdperf-report-data\">null</script>") && strstr(html, "not UTF-8"),
	      "not UTF-8: the document is not embedded, and the page says so");
	CHECK(points_of(html, "rate", "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; é 流量 ✓ tx") == 5,
	      "rate tx: 5 points");
	CHECK(series_in(html, "rate") == 2, "rate: tx and rx of the one stream with series: %ld",
	      series_in(html, "rate"));
	CHECK(series_in(html, "loss") == 1 && strstr(html, "data-name=\"lost\" data-points=\"2\""),
	      "loss bars: both streams");
	CHECK(series_in(html, "loss_time") == 1, "loss over time: one stream");
	CHECK(series_in(html, "latency") == 1 && series_in(html, "latency_cdf") == 1,
	      "latency percentiles and CDF: one stream");
	if (dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/odd.html", dir);
		CHECK(xdperf_report_write_html(path, doc, err, sizeof err) == 0, "odd.html written: %s", err);
	}
	free(html);
	json_decref(doc);
}

static void test_empty_and_refused(void)
{
	int rc;
	char err[256] = "";
	json_t *doc = json_pack("{s:s}", "kind", "run");
	char *html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html && strstr(html, "no streams") && !strstr(html, "class=\"chart\""),
	      "an empty run: a page without charts");
	free(html);
	json_decref(doc);

	/* parts present but empty, or of the wrong type */
	doc = json_pack("{s:s, s:[{s:s, s:{}, s:{}}, {s:s, s:{s:[], s:[]}}], s:{}, s:n}", "kind",
			"server", "streams", "name", "a", "series", "latency", "name", "b", "series", "t",
			"tx_pps", "ndr", "params");
	html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html && !strstr(html, "data-chart=\"rate\"") &&
	      strstr(html, "data-chart=\"latency\"") && strstr(html, "data-chart=\"ndr\""),
	      "empty series: no rate chart; an empty latency and ndr still draw (no data)");
	CHECK(html && strstr(html, "no data"), "an empty chart says so");
	free(html);
	json_decref(doc);

	/* series of unequal lengths and non-numbers: the common length, numbers only */
	doc = json_pack("{s:s, s:[{s:s, s:{s:[i,i,i,i], s:[i,s,i], s:[n]}}]}", "kind", "profile", "streams",
			"name", "u", "series", "t", 1, 2, 3, 4, "tx_pps", 5, "x", 7, "rx_pps");
	html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html && points_of(html, "rate", "u tx") == 2 && points_of(html, "rate", "u rx") == 0,
	      "unequal series: tx 2 points (a string skipped), rx 0: %ld %ld",
	      html ? points_of(html, "rate", "u tx") : -9, html ? points_of(html, "rate", "u rx") : -9);
	free(html);
	json_decref(doc);

	struct {
		const char *json, *msg;
	} bad[] = {
		{ "[]", "not a JSON object" },
		{ "{}", "\"kind\" is missing" },
		{ "{\"kind\":\"bogus\"}", "not one of them" },
		{ "{\"kind\":\"run\",\"streams\":{}}", "\"streams\" is not an array" },
		{ "{\"kind\":\"run\",\"streams\":[{\"name\":\"a\"},{\"sent\":1}]}", "streams[1] has no \"name\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		doc = json_loads(bad[i].json, JSON_DECODE_ANY, NULL);
		err[0] = '\0';
		html = render(doc, &rc, err, sizeof err);
		CHECK(rc == -EINVAL && !html && strstr(err, bad[i].msg) && !strchr(err, '\n'),
		      "%s refused: %d '%s'", bad[i].json, rc, err);
		free(html);
		json_decref(doc);
	}
	doc = json_pack("{s:s}", "kind", "run");
	rc = xdperf_report_write_html("/nonexistent-dir/r.html", doc, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "/nonexistent-dir/r.html"), "unwritable path: %d %s", rc, err);
	json_decref(doc);
}

/* ndr: table, curve with the line rate, steps. */
static void test_ndr(const char *dir)
{
	json_t *res = json_array(), *steps = json_array();
	int sizes[] = { 64, 128, 256, 512, 1024, 1280, 1518 };
	for (int i = 0; i < 7; i++) {
		json_array_append_new(res, json_pack("{s:i, s:f, s:f, s:f, s:{s:f, s:f, s:f}}", "frame_size",
						     sizes[i], "pps", 1e6 / (i + 1), "bps", 5e8, "line_share", 0.5,
						     "latency", "p50_us", 10.0, "p99_us", 20.0, "max_us", 30.0));
		for (int k = 0; k < 3; k++)
			json_array_append_new(steps, json_pack("{s:i, s:f, s:I, s:I, s:f, s:b}", "frame_size",
							       sizes[i], "rate_pps", 1e6, "sent", (json_int_t)1000,
							       "received", (json_int_t)(1000 - k), "loss",
							       k / 1000.0, "pass", k == 0));
	}
	json_t *doc = json_pack("{s:s, s:{s:f, s:I, s:f, s:f, s:o, s:o}}", "kind", "ndr", "ndr", "threshold",
				0.0, "line_rate_bps", (json_int_t)1000000000, "trial_s", 1.0, "resolution", 0.01,
				"results", res, "steps", steps);
	int rc;
	char err[256];
	char *html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html && points_of(html, "ndr", "throughput") == 7 &&
	      points_of(html, "ndr", "line rate") == 7, "ndr curve: 7 sizes, and the line rate");
	CHECK(html && count_of(html, "<td class=\"pass\">") == 7 && count_of(html, "<td class=\"fail\">") == 14,
	      "steps: 21 rows, 7 passed");
	if (dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/ndr.html", dir);
		CHECK(xdperf_report_write_html(path, doc, err, sizeof err) == 0, "ndr.html written: %s", err);
	}
	free(html);
	json_decref(doc);
}

/* Many streams: charts draw REPORT_CHART_STREAMS, tables every one. */
static void test_many(void)
{
	json_t *arr = json_array();
	for (int i = 0; i < 40; i++)
		json_array_append_new(arr, json_pack("{s:s+, s:o, s:i}", "name", "s", i % 2 ? "x" : "y",
						     "series", series(3, 0, 10), "lost", i));
	json_t *doc = json_pack("{s:s, s:o}", "kind", "profile", "streams", arr);
	int rc;
	char err[256];
	char *html = render(doc, &rc, err, sizeof err);
	CHECK(rc == 0 && html && series_in(html, "rate") == 48 && count_of(html, "<tr><td>s") == 40,
	      "40 streams: 24 drawn (tx + rx), 40 table rows: %ld", html ? series_in(html, "rate") : -1);
	CHECK(html && strstr(html, "The first 24 of 40 streams are drawn"), "says how many are drawn");
	free(html);
	json_decref(doc);
}

/* The server's histogram: buckets hold the samples, their edges bound them; JSON round trip;
 * the report's form in microseconds. */
static void test_hist(void)
{
	struct srv_streams *s = srv_streams_new();
	uint64_t lat[] = { 0, 5, 63, 64, 65, 100, 1000, 1031, 1032, 123456, 123456, 9999999 };
	size_t n = sizeof lat / sizeof lat[0];
	for (size_t i = 0; i < n; i++)
		srv_streams_add(s, 7, 1, i, 1000000, 1000000 + lat[i]);
	struct xdperf_server_report *r = calloc(1, sizeof *r);
	CHECK(r && srv_streams_report(s, r) == 0 && r->nstreams == 1, "report");
	const struct xdperf_latency *l = &r->streams[0].latency;
	uint64_t sum = 0;
	bool order = true, bounds = true;
	for (size_t i = 0; i < l->nhist; i++) {
		sum += l->hist[i].count;
		if (i && l->hist[i].le_ns <= l->hist[i - 1].le_ns)
			order = false;
	}
	/* every sample lies in (previous le, le] of exactly its bucket, le within 3.125% above it */
	for (size_t k = 0; k < n; k++) {
		size_t b = 0;
		while (b < l->nhist && l->hist[b].le_ns < lat[k])
			b++;
		if (b == l->nhist || (b && lat[k] <= l->hist[b - 1].le_ns) ||
		    (double)(l->hist[b].le_ns - lat[k]) > (double)lat[k] / 32 + 1e-9)
			bounds = false;
	}
	/* 64 and 65 share a 2 ns bucket, 1031 and 1032 a 32 ns one */
	CHECK(sum == n && l->nhist == 9 && order && bounds,
	      "histogram: %zu buckets holding %llu samples, ascending, each within 1/32", l->nhist,
	      (unsigned long long)sum);
	CHECK(r->total.latency.nhist == l->nhist, "the total's histogram too");
	char *txt = xdperf_server_report_json(r);
	struct xdperf_server_report *back = NULL;
	char err[256];
	CHECK(txt && xdperf_server_report_parse(txt, &back, err, sizeof err) == 0 && back->nstreams == 1 &&
	      back->streams[0].latency.nhist == l->nhist &&
	      !memcmp(back->streams[0].latency.hist, l->hist, l->nhist * sizeof *l->hist),
	      "histogram through JSON and back");
	json_t *rl = cli_report_latency(l);
	json_t *le = json_object_get(json_object_get(rl, "hist"), "le_us");
	CHECK(rl && json_array_size(le) == l->nhist &&
	      json_real_value(json_array_get(le, l->nhist - 1)) == (double)l->hist[l->nhist - 1].le_ns / 1e3 &&
	      json_real_value(json_object_get(rl, "max_us")) == 9999.999,
	      "in the report's form: microseconds");
	json_decref(rl);
	free(txt);
	xdperf_server_report_free(back);
	xdperf_server_report_free(r);
	srv_streams_free(s);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;
	test_odd(dir);
	test_empty_and_refused();
	test_ndr(dir);
	test_many();
	test_hist();
	printf("report_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
