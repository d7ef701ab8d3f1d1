/* The HTML report page (report/report.h): checks the document, writes the head (a Content
 * Security Policy that lets the page fetch nothing, the style sheet), the sections
 * (report/sections.c), the document itself as JSON for other tools, and the file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report/rbuf.h"
#include "report/report.h"
#include "report/sections.h"
#include "util/err.h"

static const char *const kinds[] = { "run", "server", "profile", "ndr" };

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1em 1.5em;"
	"color:#1b1f24;background:#fff}"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .4em;border-bottom:1px solid #d0d7de}"
	"h3{font-size:1em;margin:1em 0 .3em}.meta{color:#57606a;margin:0 0 .5em}"
	"nav a{margin-right:1em}table{border-collapse:collapse;margin:.4em 0}"
	"th,td{border:1px solid #d0d7de;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.agg td{font-weight:600}td.pass{color:#1a7f37}td.fail{color:#cf222e}"
	"pre{margin:0;white-space:pre-wrap;word-break:break-all}code{word-break:break-all}"
	".note{color:#57606a;font-size:.9em;margin:.2em 0 .8em}"
	"svg.chart{width:100%;height:auto;max-width:760px;display:block;overflow:visible}"
	"svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{stroke:#57606a;stroke-width:1}"
	"svg text{font-size:11px;fill:#57606a}svg .alabel{font-size:12px;fill:#1b1f24}"
	"svg .nodata{font-size:14px}svg polyline{fill:none;stroke-width:1.8}"
	"svg polyline.dash{stroke-dasharray:6 4}"
	".legend{margin:.2em 0 .6em;font-size:.9em}.key{margin-right:1.2em;white-space:nowrap}"
	".key i{display:inline-block;width:18px;height:4px;margin:0 .35em 3px 0;vertical-align:middle}"
	".key i.dash{height:2px;border-top:2px dashed;background:none!important}"
	"@media print{nav{display:none}}";

static const char *const colors[] = { "#0969da", "#d1242f", "#1a7f37", "#bc4c00", "#8250df",
				      "#1b7c83", "#bf3989", "#57606a", "#9a6700", "#0550ae" };

/* 0, or -EINVAL with one line in err naming what is wrong. */
static int check(const json_t *doc, char *err, size_t errlen)
{
	if (!json_is_object(doc)) {
		xdperf_errf(err, errlen, "report: the document is not a JSON object");
		return -EINVAL;
	}
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	bool known = false;
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		known |= !strcmp(kind, kinds[i]);
	if (!known) {
		xdperf_errf(err, errlen, "report: \"kind\" is %s (expected run, server, profile or ndr)",
			    kind ? "not one of them" : "missing");
		return -EINVAL;
	}
	json_t *streams = json_object_get(doc, "streams");
	if (streams && !json_is_array(streams) && !json_is_null(streams)) {
		xdperf_errf(err, errlen, "report: \"streams\" is not an array");
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(streams); i++) {
		json_t *st = json_array_get(streams, i);
		if (!json_is_object(st) || !json_is_string(json_object_get(st, "name"))) {
			xdperf_errf(err, errlen, "report: streams[%zu] has no \"name\" string", i);
			return -EINVAL;
		}
	}
	return 0;
}

/* The document as JSON inside <script type="application/json">: '<', '>' and '&' as \u escapes
 * (valid JSON, and no "</script" or "<!--" can end the element early); null when it cannot be
 * written as JSON. */
static void data_block(struct rbuf *b, const json_t *doc)
{
	char *t = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	rb_puts(b, "<script type=\"application/json\" id=\"xdperf-report-data\">");
	if (!t) { /* a string that is not UTF-8 (jansson writes none), or out of memory */
		rb_puts(b, "null</script>\n<p class=\"note\">The document is not embedded: it holds "
			   "text that is not UTF-8.</p>\n");
		return;
	}
	const char *p = t;
	while (*p) {
		size_t n = strcspn(p, "<>&");
		rb_put(b, p, n);
		p += n;
		if (*p) {
			rb_printf(b, "\\u%04x", (unsigned)(unsigned char)*p);
			p++;
		}
	}
	rb_puts(b, "</script>\n");
	free(t);
}

int xdperf_report_html(const json_t *doc, char **out, size_t *len, char *err, size_t errlen)
{
	*out = NULL;
	if (len)
		*len = 0;
	int e = check(doc, err, errlen);
	if (e)
		return e;
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const char *title = json_string_value(json_object_get(doc, "title"));
	const char *created = json_string_value(json_object_get(doc, "created"));
	json_t *params = json_object_get(doc, "params");
	json_t *streams = json_object_get(doc, "streams");
	json_t *ndr = json_object_get(doc, "ndr");
	char deftitle[64];
	snprintf(deftitle, sizeof deftitle, "xdperf %s report", kind);
	if (!title)
		title = deftitle;

	struct rbuf b = { 0 };
	rb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; img-src data:\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"generator\" content=\"xdperf\">\n"
		    "<link rel=\"icon\" href=\"data:,\">\n<title>");
	rb_text(&b, title);
	rb_puts(&b, "</title>\n<style>");
	rb_puts(&b, style);
	for (int i = 0; i < 10; i++)
		rb_printf(&b, ".s%d{stroke:%s}.f%d{fill:%s}.b%d{background:%s;border-color:%s}", i,
			  colors[i], i, colors[i], i, colors[i], colors[i]);
	rb_printf(&b, "</style>\n</head>\n<body data-kind=\"%s\">\n<header><h1>", kind);
	rb_text(&b, title);
	rb_puts(&b, "</h1><p class=\"meta\">");
	rb_text(&b, kind);
	rb_puts(&b, " report");
	if (created) {
		rb_puts(&b, " · ");
		rb_text(&b, created);
	}
	const char *ver = json_string_value(json_object_get(params, "version"));
	if (ver) {
		rb_puts(&b, " · xdperf ");
		rb_text(&b, ver);
	}
	const char *host = json_string_value(json_object_get(params, "host"));
	if (host) {
		rb_puts(&b, " · ");
		rb_text(&b, host);
	}
	rb_puts(&b, "</p>\n<nav>");
	/* the sections first (apart), so the links name only those there are */
	struct rbuf m = { 0 };
	size_t n = json_array_size(streams);
	if (!n && !json_is_object(ndr))
		rb_puts(&m, "<p class=\"note\">This report holds no streams and no throughput search.</p>\n");
	sec_ndr(&m, ndr);
	sec_streams(&m, streams);
	sec_rate(&m, streams);
	sec_loss(&m, streams);
	sec_latency(&m, streams);
	sec_params(&m, params);
	static const char *const secs[][2] = { { "ndr", "throughput" }, { "streams", "streams" },
					       { "rate", "rate" }, { "loss", "loss" },
					       { "latency", "latency" }, { "params", "parameters" } };
	for (size_t i = 0; m.p && i < sizeof secs / sizeof secs[0]; i++) {
		char id[48];
		snprintf(id, sizeof id, "<section id=\"%s\">", secs[i][0]);
		if (strstr(m.p, id))
			rb_printf(&b, "<a href=\"#%s\">%s</a>", secs[i][0], secs[i][1]);
	}
	rb_puts(&b, "</nav></header>\n<main>\n");
	if (m.p)
		rb_put(&b, m.p, m.len);
	b.oom |= m.oom;
	free(m.p);
	rb_puts(&b, "</main>\n");
	data_block(&b, doc);
	rb_puts(&b, "</body></html>\n");
	if (b.oom) {
		free(b.p);
		xdperf_errf(err, errlen, "report: out of memory");
		return -ENOMEM;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

int xdperf_report_write_html(const char *path, const json_t *doc, char *err, size_t errlen)
{
	char *html;
	size_t len;
	int e = xdperf_report_html(doc, &html, &len, err, errlen);
	if (e)
		return e;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = -errno;
		xdperf_errf(err, errlen, "report %s: %s", path, strerror(-e));
		free(html);
		return e;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, html + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) && !e)
		e = -errno;
	free(html);
	if (e)
		xdperf_errf(err, errlen, "report %s: writing: %s", path, strerror(-e));
	return e;
}
