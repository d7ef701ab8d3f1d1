/* The report's sections: tables and the charts drawn from them (report/chart.c). Streams
 * marked "aggregate" (the sum of the others, e.g. a generator's whole run) are drawn in the
 * rate chart; the loss and latency charts draw the other streams when there are any. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report/chart.h"
#include "report/sections.h"

bool rep_num(const json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_number(x))
		return false;
	*v = json_number_value(x);
	return true;
}

static const char *name_of(const json_t *st)
{
	return json_string_value(json_object_get(st, "name"));
}

static bool aggregate(const json_t *st)
{
	return json_is_true(json_object_get(st, "aggregate"));
}

/* The numbers of an array (NAN for what is not one); n of them. NULL when empty. */
static double *numbers(const json_t *arr, size_t *n)
{
	*n = json_is_array(arr) ? json_array_size(arr) : 0;
	if (!*n)
		return NULL;
	double *v = malloc(*n * sizeof *v);
	if (!v) {
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++) {
		json_t *x = json_array_get(arr, i);
		v[i] = json_is_number(x) ? json_number_value(x) : NAN;
	}
	return v;
}

static void td_num(struct rbuf *b, const json_t *o, const char *key)
{
	rb_puts(b, "<td class=\"n\">");
	rb_jnum(b, json_object_get(o, key));
	rb_puts(b, "</td>");
}

static void td_text(struct rbuf *b, const char *s)
{
	rb_puts(b, "<td>");
	rb_text(b, s);
	rb_puts(b, "</td>");
}

static void section(struct rbuf *b, const char *id, const char *title)
{
	rb_printf(b, "<section id=\"%s\"><h2>", id);
	rb_text(b, title);
	rb_puts(b, "</h2>\n");
}

static void note(struct rbuf *b, const char *text)
{
	rb_puts(b, "<p class=\"note\">");
	rb_text(b, text);
	rb_puts(b, "</p>\n");
}

static void more_note(struct rbuf *b, size_t drawn, size_t all)
{
	if (all > drawn)
		rb_printf(b, "<p class=\"note\">The first %zu of %zu streams are drawn; the table lists "
			     "every one.</p>\n", drawn, all);
}

/* ---- streams: the counts table ---- */

void sec_streams(struct rbuf *b, const json_t *streams)
{
	size_t n = json_array_size(streams);
	if (!n)
		return;
	section(b, "streams", "Streams");
	rb_puts(b, "<table class=\"data\" data-table=\"streams\"><thead><tr><th>stream</th><th>sent</th>"
		   "<th>bytes</th><th>received</th><th>lost</th><th>loss</th><th>duplicated</th>"
		   "<th>reordered</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(streams, i);
		rb_printf(b, "<tr%s>", aggregate(st) ? " class=\"agg\"" : "");
		td_text(b, name_of(st));
		td_num(b, st, "sent");
		td_num(b, st, "bytes");
		td_num(b, st, "received");
		td_num(b, st, "lost");
		double sent, lost;
		rb_puts(b, "<td class=\"n\">");
		if (rep_num(st, "sent", &sent) && rep_num(st, "lost", &lost) && sent > 0)
			rb_printf(b, "%.4f%%", 100 * lost / sent);
		else
			rb_puts(b, "–");
		rb_puts(b, "</td>");
		td_num(b, st, "duplicated");
		td_num(b, st, "reordered");
		rb_puts(b, "</tr>\n");
	}
	rb_puts(b, "</tbody></table>\n");
	note(b, "sent: frames the device accepted; received: distinct frames the server saw; lost: "
		"sent - received when both are known, else the gaps in the sequence numbers seen "
		"(docs/reports.md).");
	rb_puts(b, "</section>\n");
}

/* ---- rate over time ---- */

struct owned {
	double *v[4 * REPORT_CHART_STREAMS];
	size_t n;
};

static double *keep(struct owned *o, double *v)
{
	if (v && o->n < sizeof o->v / sizeof o->v[0])
		o->v[o->n++] = v;
	else
		free(v);
	return o->n && o->v[o->n - 1] == v ? v : NULL;
}

static void release(struct owned *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i]);
	o->n = 0;
}

/* Series y of stream st over its series' t: appended to s (name "NAME suffix"). */
static bool add_line(struct chart_series *s, size_t *ns, char names[][160], struct owned *own,
		     const json_t *st, const char *key, const char *suffix, int color, bool dashed)
{
	json_t *ser = json_object_get(st, "series");
	size_t nt, ny;
	json_t *ya = json_object_get(ser, key);
	if (!json_is_array(ya) || !json_array_size(ya))
		return false;
	double *t = keep(own, numbers(json_object_get(ser, "t"), &nt));
	double *y = keep(own, numbers(ya, &ny));
	if (!t || !y)
		return false;
	snprintf(names[*ns], sizeof names[0], "%s%s%s", name_of(st), suffix[0] ? " " : "", suffix);
	s[*ns] = (struct chart_series){ .name = names[*ns], .n = nt < ny ? nt : ny, .x = t, .y = y,
					.color = color, .dashed = dashed };
	(*ns)++;
	return true;
}

static bool has_series(const json_t *st, const char *key)
{
	json_t *a = json_object_get(json_object_get(st, "series"), key);
	return json_is_array(a) && json_array_size(a) > 0;
}

void sec_rate(struct rbuf *b, const json_t *streams)
{
	size_t n = json_array_size(streams), with = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(streams, i);
		with += has_series(st, "tx_pps") || has_series(st, "rx_pps");
	}
	if (!with)
		return;
	struct chart_series *s = calloc(2 * REPORT_CHART_STREAMS, sizeof *s);
	char (*names)[160] = calloc(2 * REPORT_CHART_STREAMS, sizeof *names);
	struct owned own = { .n = 0 };
	size_t ns = 0, drawn = 0;
	if (!s || !names) {
		b->oom = true;
		free(s);
		free(names);
		return;
	}
	for (size_t i = 0; i < n && drawn < REPORT_CHART_STREAMS; i++) {
		json_t *st = json_array_get(streams, i);
		bool a = add_line(s, &ns, names, &own, st, "tx_pps", "tx", (int)drawn, false);
		bool c = add_line(s, &ns, names, &own, st, "rx_pps", "rx", (int)drawn, true);
		drawn += a || c;
	}
	section(b, "rate", "Rate over time");
	struct chart c = { .id = "rate", .xlabel = "seconds", .ylabel = "packets per second",
			   .kind = CHART_LINE };
	chart_svg(b, &c, s, ns);
	more_note(b, drawn, with);
	note(b, "One point per interval (about a second): the frames of the interval over its "
		"length, at the interval's end; tx solid, rx dashed.");
	release(&own);
	free(s);
	free(names);
	rb_puts(b, "</section>\n");
}

/* ---- loss ---- */

void sec_loss(struct rbuf *b, const json_t *streams)
{
	size_t n = json_array_size(streams), plain = 0, with = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(streams, i);
		double v;
		if (rep_num(st, "lost", &v)) {
			with++;
			plain += !aggregate(st);
		}
	}
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += has_series(json_array_get(streams, i), "lost");
	if (!with && !lines)
		return;
	section(b, "loss", "Loss per stream");
	if (with) {
		size_t k = 0, all = plain ? plain : with;
		size_t m = all < REPORT_CHART_STREAMS * 8 ? all : REPORT_CHART_STREAMS * 8;
		const char **cats = calloc(m ? m : 1, sizeof *cats);
		double *y = calloc(m ? m : 1, sizeof *y);
		for (size_t i = 0; cats && y && i < n && k < m; i++) {
			json_t *st = json_array_get(streams, i);
			double v;
			if (!rep_num(st, "lost", &v) || (plain && aggregate(st)))
				continue;
			cats[k] = name_of(st);
			y[k++] = v;
		}
		struct chart_series s = { .name = "lost", .n = k, .x = y, .y = y, .color = 3 };
		struct chart c = { .id = "loss", .xlabel = "stream", .ylabel = "frames lost",
				   .kind = CHART_BARS, .cats = cats, .ncats = k };
		chart_svg(b, &c, &s, 1);
		if (all > k)
			rb_printf(b, "<p class=\"note\">The first %zu of %zu streams are drawn; the table "
				     "lists every one.</p>\n", k, all);
		free(cats);
		free(y);
	}
	struct chart_series *s = calloc(REPORT_CHART_STREAMS, sizeof *s);
	char (*names)[160] = calloc(REPORT_CHART_STREAMS, sizeof *names);
	if (lines && s && names) {
		struct owned own = { .n = 0 };
		size_t ns = 0;
		for (size_t i = 0; i < n && ns < REPORT_CHART_STREAMS; i++)
			add_line(s, &ns, names, &own, json_array_get(streams, i), "lost", "", (int)ns, false);
		rb_puts(b, "<h3>Loss over time</h3>\n");
		struct chart c = { .id = "loss_time", .xlabel = "seconds", .ylabel = "frames lost in the interval",
				   .kind = CHART_LINE };
		chart_svg(b, &c, s, ns);
		more_note(b, ns, lines);
		release(&own);
	} else if (lines) {
		b->oom = true;
	}
	free(s);
	free(names);
	rb_puts(b, "</section>\n");
}

/* ---- latency ---- */

static const char *const pct_keys[] = { "min_us", "p50_us", "p99_us", "p999_us", "max_us" };
static const char *const pct_names[] = { "min", "p50", "p99", "p99.9", "max" };
#define NPCT 5

void sec_latency(struct rbuf *b, const json_t *streams)
{
	size_t n = json_array_size(streams), plain = 0, with = 0, hists = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(streams, i);
		json_t *l = json_object_get(st, "latency");
		if (!json_is_object(l))
			continue;
		with++;
		plain += !aggregate(st);
	}
	if (!with)
		return;
	section(b, "latency", "Latency");
	rb_puts(b, "<table class=\"data\" data-table=\"latency\"><thead><tr><th>stream</th><th>samples</th>"
		   "<th>min µs</th><th>avg µs</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th>"
		   "<th>max µs</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(streams, i);
		json_t *l = json_object_get(st, "latency");
		if (!json_is_object(l))
			continue;
		rb_printf(b, "<tr%s>", aggregate(st) ? " class=\"agg\"" : "");
		td_text(b, name_of(st));
		td_num(b, l, "count");
		td_num(b, l, "min_us");
		td_num(b, l, "avg_us");
		td_num(b, l, "p50_us");
		td_num(b, l, "p99_us");
		td_num(b, l, "p999_us");
		td_num(b, l, "max_us");
		rb_puts(b, "</tr>\n");
	}
	rb_puts(b, "</tbody></table>\n");
	note(b, "One-way latency, receive time minus the stamp's send time. min and max are exact; "
		"p50, p99 and p99.9 come from the histogram (the middle of a bucket at most 3.125% "
		"wide). Valid only when sender and receiver share a clock (one host) or are "
		"synchronised (PTP).");

	/* percentiles: one line per stream over min .. max */
	struct chart_series *s = calloc(REPORT_CHART_STREAMS, sizeof *s);
	char (*names)[160] = calloc(REPORT_CHART_STREAMS, sizeof *names);
	double (*ys)[NPCT] = calloc(REPORT_CHART_STREAMS, sizeof *ys);
	size_t ns = 0;
	if (!s || !names || !ys) {
		b->oom = true;
		free(s);
		free(names);
		free(ys);
		return;
	}
	for (size_t i = 0; i < n && ns < REPORT_CHART_STREAMS; i++) {
		json_t *st = json_array_get(streams, i);
		json_t *l = json_object_get(st, "latency");
		if (!json_is_object(l) || (plain && aggregate(st)))
			continue;
		for (int k = 0; k < NPCT; k++)
			if (!rep_num(l, pct_keys[k], &ys[ns][k]))
				ys[ns][k] = NAN;
		snprintf(names[ns], sizeof names[0], "%s", name_of(st));
		s[ns] = (struct chart_series){ .name = names[ns], .n = NPCT, .x = ys[ns], .y = ys[ns],
					       .color = (int)ns };
		ns++;
		hists += json_is_object(json_object_get(l, "hist"));
	}
	rb_puts(b, "<h3>Percentiles</h3>\n");
	struct chart c = { .id = "latency", .xlabel = "percentile", .ylabel = "µs (log)",
			   .kind = CHART_LINE, .ylog = true, .cats = pct_names, .ncats = NPCT };
	chart_svg(b, &c, s, ns);
	more_note(b, ns, plain ? plain : with);
	if (!hists) {
		free(s);
		free(names);
		free(ys);
		rb_puts(b, "</section>\n");
		return;
	}

	/* the CDF from each histogram's buckets */
	struct owned own = { .n = 0 };
	size_t nc = 0;
	for (size_t i = 0; i < n && nc < REPORT_CHART_STREAMS; i++) {
		json_t *st = json_array_get(streams, i);
		json_t *h = json_object_get(json_object_get(st, "latency"), "hist");
		if (!json_is_object(h) || (plain && aggregate(st)))
			continue;
		size_t nl, nn;
		double *le = keep(&own, numbers(json_object_get(h, "le_us"), &nl));
		double *cnt = keep(&own, numbers(json_object_get(h, "count"), &nn));
		size_t m = nl < nn ? nl : nn;
		double total = 0, run = 0;
		for (size_t k = 0; k < m; k++)
			total += isfinite(cnt[k]) && cnt[k] > 0 ? cnt[k] : 0;
		for (size_t k = 0; k < m; k++) {
			run += isfinite(cnt[k]) && cnt[k] > 0 ? cnt[k] : 0;
			cnt[k] = total > 0 ? run / total : NAN; /* the fraction at or below le */
		}
		snprintf(names[nc], sizeof names[0], "%s", name_of(st));
		s[nc] = (struct chart_series){ .name = names[nc], .n = m, .x = le, .y = cnt,
					       .color = (int)nc };
		nc++;
	}
	rb_puts(b, "<h3>Distribution (CDF)</h3>\n");
	struct chart cd = { .id = "latency_cdf", .xlabel = "µs (log)", .ylabel = "fraction of frames at or below",
			    .kind = CHART_STEP, .xlog = true, .ymax = 1 };
	chart_svg(b, &cd, s, nc);
	note(b, "One step per histogram bucket with samples, at the bucket's upper edge.");
	release(&own);
	free(s);
	free(names);
	free(ys);
	rb_puts(b, "</section>\n");
}

/* ---- ndr ---- */

void sec_ndr(struct rbuf *b, const json_t *ndr)
{
	if (!json_is_object(ndr))
		return;
	json_t *res = json_object_get(ndr, "results"), *steps = json_object_get(ndr, "steps");
	size_t nr = json_is_array(res) ? json_array_size(res) : 0;
	size_t nst = json_is_array(steps) ? json_array_size(steps) : 0;
	section(b, "ndr", "Throughput (RFC 2544)");
	double thr, line;
	bool have_line = rep_num(ndr, "line_rate_bps", &line) && line > 0;
	rb_puts(b, "<p>");
	if (rep_num(ndr, "threshold", &thr))
		rb_printf(b, "Loss threshold %s%.6g%%. ", thr == 0 ? "0 (NDR), " : "", 100 * thr);
	if (have_line) {
		rb_puts(b, "Line rate ");
		rb_num(b, line);
		rb_puts(b, " bit/s. ");
	}
	double v;
	if (rep_num(ndr, "trial_s", &v)) {
		rb_puts(b, "Trials of ");
		rb_num(b, v);
		rb_puts(b, " s. ");
	}
	if (rep_num(ndr, "resolution", &v)) {
		rb_puts(b, "Resolution ");
		rb_num(b, v);
		rb_puts(b, ".");
	}
	rb_puts(b, "</p>\n<table class=\"data\" data-table=\"ndr\"><thead><tr><th>frame size</th><th>pps</th>"
		   "<th>bit/s</th><th>line share</th><th>p50 µs</th><th>p99 µs</th><th>max µs</th></tr>"
		   "</thead><tbody>\n");
	double *fs = calloc(nr ? nr : 1, sizeof *fs), *pps = calloc(nr ? nr : 1, sizeof *pps);
	double *lr = calloc(nr ? nr : 1, sizeof *lr);
	for (size_t i = 0; i < nr; i++) {
		json_t *r = json_array_get(res, i);
		json_t *l = json_object_get(r, "latency");
		rb_puts(b, "<tr>");
		td_num(b, r, "frame_size");
		td_num(b, r, "pps");
		td_num(b, r, "bps");
		rb_puts(b, "<td class=\"n\">");
		if (rep_num(r, "line_share", &v))
			rb_printf(b, "%.3f%%", 100 * v);
		else
			rb_puts(b, "–");
		rb_puts(b, "</td>");
		td_num(b, l, "p50_us");
		td_num(b, l, "p99_us");
		td_num(b, l, "max_us");
		rb_puts(b, "</tr>\n");
		if (fs && pps && lr) {
			fs[i] = pps[i] = lr[i] = NAN;
			double f;
			if (rep_num(r, "frame_size", &f)) {
				fs[i] = f;
				if (!rep_num(r, "pps", &pps[i]))
					pps[i] = NAN;
				/* a frame of f bytes (FCS included) takes f + 20 bytes of the line */
				if (have_line)
					lr[i] = line / ((f + 20) * 8);
			}
		}
	}
	rb_puts(b, "</tbody></table>\n");
	if (fs && pps && lr) {
		struct chart_series s[2] = {
			{ .name = "throughput", .n = nr, .x = fs, .y = pps, .color = 0 },
			{ .name = "line rate", .n = nr, .x = fs, .y = lr, .color = 7, .dashed = true },
		};
		struct chart c = { .id = "ndr", .xlabel = "frame size (bytes, FCS included)",
				   .ylabel = "packets per second", .kind = CHART_LINE };
		chart_svg(b, &c, s, have_line ? 2 : 1);
	}
	free(fs);
	free(pps);
	free(lr);
	if (nst) {
		rb_puts(b, "<h3>Search steps</h3>\n<table class=\"data\" data-table=\"ndr_steps\"><thead><tr>"
			   "<th>#</th><th>frame size</th><th>rate pps</th><th>sent</th><th>received</th>"
			   "<th>loss</th><th>result</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < nst; i++) {
			json_t *st = json_array_get(steps, i);
			json_t *p = json_object_get(st, "pass");
			rb_printf(b, "<tr><td class=\"n\">%zu</td>", i + 1);
			td_num(b, st, "frame_size");
			td_num(b, st, "rate_pps");
			td_num(b, st, "sent");
			td_num(b, st, "received");
			rb_puts(b, "<td class=\"n\">");
			if (rep_num(st, "loss", &v))
				rb_printf(b, "%.6g%%", 100 * v);
			else
				rb_puts(b, "–");
			rb_printf(b, "</td><td class=\"%s\">%s</td></tr>\n",
				  json_is_true(p) ? "pass" : json_is_false(p) ? "fail" : "",
				  json_is_true(p) ? "pass" : json_is_false(p) ? "fail" : "–");
		}
		rb_puts(b, "</tbody></table>\n");
	}
	rb_puts(b, "</section>\n");
}

/* ---- parameters ---- */

void sec_params(struct rbuf *b, const json_t *params)
{
	if (!json_is_object(params) || !json_object_size(params))
		return;
	section(b, "params", "Parameters");
	rb_puts(b, "<table class=\"params\" data-table=\"params\"><tbody>\n");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)params, k, v) {
		rb_puts(b, "<tr><th>");
		rb_text(b, k);
		rb_puts(b, "</th><td>");
		if (json_is_string(v)) {
			rb_puts(b, "<code>");
			rb_text(b, json_string_value(v));
			rb_puts(b, "</code>");
		} else if (json_is_number(v) || json_is_null(v) || json_is_boolean(v)) {
			char *t = json_dumps(v, JSON_ENCODE_ANY);
			rb_text(b, t);
			free(t);
		} else {
			char *t = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
			rb_puts(b, "<pre>");
			rb_text(b, t);
			rb_puts(b, "</pre>");
			free(t);
		}
		rb_puts(b, "</td></tr>\n");
	}
	rb_puts(b, "</tbody></table>\n</section>\n");
}
