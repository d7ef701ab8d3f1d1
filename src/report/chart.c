/* Inline SVG charts (report/chart.h): axes with round ticks, lines, steps, grouped bars. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "report/chart.h"

#define W 760.0
#define H 320.0
#define ML 72.0   /* margins: left (y labels), right, top, bottom (x labels) */
#define MR 16.0
#define MT 14.0
#define MB 46.0
#define MARKERS_MAX 120 /* points with a marker (and its tooltip) per series; more: the line only */

struct axis {
	double lo, hi;
	bool log;
};

/* Where v falls on an axis of length len (0..len). */
static double place(const struct axis *a, double v, double len)
{
	double lo = a->log ? log10(a->lo) : a->lo, hi = a->log ? log10(a->hi) : a->hi;
	double x = a->log ? log10(v) : v;
	return hi > lo ? (x - lo) / (hi - lo) * len : len / 2;
}

static bool usable(const struct axis *a, double v)
{
	return isfinite(v) && (!a->log || v > 0);
}

/* A tick label: 3 significant digits with k/M/G/T. */
static void tick_label(char *buf, size_t len, double v)
{
	static const char sfx[] = " kMGT";
	double a = fabs(v);
	int k = 0;
	while (a >= 1000 && k < 4) {
		a /= 1000;
		v /= 1000;
		k++;
	}
	if (k)
		snprintf(buf, len, "%.3g%c", v, sfx[k]);
	else
		snprintf(buf, len, "%.3g", v);
}

/* Round ticks on a linear axis (and the axis widened to them). */
static size_t lin_ticks(struct axis *a, double *t, size_t max)
{
	double span = a->hi - a->lo;
	if (!(span > 0)) { /* one value: 0 .. 1, or around it (not below 0 when it is not) */
		double d = a->lo ? fabs(a->lo) / 10 : 1;
		bool pos = a->lo >= 0;
		a->lo = a->lo == 0 ? 0 : a->lo - d;
		a->hi += d;
		if (pos && a->lo < 0)
			a->lo = 0;
		span = a->hi - a->lo;
	}
	double raw = span / 5, mag = pow(10, floor(log10(raw))), step = mag;
	if (raw / mag > 5)
		step = 10 * mag;
	else if (raw / mag > 2)
		step = 5 * mag;
	else if (raw / mag > 1)
		step = 2 * mag;
	a->lo = floor(a->lo / step) * step;
	a->hi = ceil(a->hi / step) * step;
	size_t n = 0;
	for (double v = a->lo; v <= a->hi + step / 2 && n < max; v += step)
		t[n++] = fabs(v) < step / 1e6 ? 0 : v;
	return n;
}

/* Powers of ten on a log axis (widened to whole decades). */
static size_t log_ticks(struct axis *a, double *t, size_t max)
{
	double lo = floor(log10(a->lo)), hi = ceil(log10(a->hi));
	if (hi <= lo)
		hi = lo + 1;
	a->lo = pow(10, lo);
	a->hi = pow(10, hi);
	size_t n = 0;
	double every = ceil((hi - lo + 1) / 10);
	for (double e = lo; e <= hi && n < max; e += every)
		t[n++] = pow(10, e);
	return n;
}

/* The data's range on x (points) or y; false when no point is usable. */
static bool range(const struct chart_series *s, size_t ns, bool y, const struct axis *a, double *lo,
		  double *hi)
{
	bool any = false;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < s[i].n; k++) {
			double v = y ? s[i].y[k] : s[i].x[k];
			if (!usable(a, v))
				continue;
			if (!any || v < *lo)
				*lo = v;
			if (!any || v > *hi)
				*hi = v;
			any = true;
		}
	return any;
}

static void label(struct rbuf *b, double x, double y, const char *anchor, const char *text,
		  const char *cls)
{
	rb_puts(b, "<text x=\"");
	rb_coord(b, x);
	rb_puts(b, "\" y=\"");
	rb_coord(b, y);
	rb_printf(b, "\" text-anchor=\"%s\" class=\"%s\">", anchor, cls);
	rb_text(b, text);
	rb_puts(b, "</text>");
}

static void point_title(struct rbuf *b, const struct chart_series *s, const char *xname, double x,
			double y)
{
	rb_puts(b, "<title>");
	rb_text(b, s->name);
	rb_puts(b, ": ");
	if (xname) {
		rb_text(b, xname);
	} else {
		rb_num(b, x);
	}
	rb_puts(b, " → ");
	rb_num(b, y);
	rb_puts(b, "</title>");
}

#define CAT_CHARS 32 /* of a category label (longer ones are cut) */

/* The characters (not bytes) of a UTF-8 string, at most max. */
static size_t chars(const char *s, size_t max)
{
	size_t n = 0;
	for (; s && *s && n < max; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void chart_svg(struct rbuf *b, const struct chart *c, const struct chart_series *s, size_t ns)
{
	const double pw = W - ML - MR, ph = H - MT - MB;
	bool cat = c->cats != NULL;
	/* category labels wider than their slot are written slanted, below the plot */
	size_t longest = 0;
	for (size_t i = 0; cat && i < c->ncats; i++) {
		size_t n = chars(c->cats[i], CAT_CHARS);
		longest = n > longest ? n : longest;
	}
	bool slant = cat && c->ncats && (double)longest * 6.2 > pw / (double)c->ncats;
	double extra = slant ? (double)longest * 3.2 + 4 : 0, height = H + extra;
	struct axis xa = { 0, 1, c->xlog && !cat }, ya = { 0, 1, c->ylog };
	double lo = 0, hi = 0;
	bool have = range(s, ns, true, &ya, &lo, &hi);
	if (have) {
		ya.lo = lo;
		ya.hi = hi;
	}
	if (!ya.log && (c->kind == CHART_BARS || ya.lo > 0))
		ya.lo = ya.lo > 0 ? 0 : ya.lo; /* bars and rates start at 0 */
	if (!ya.log && ya.hi < 0)
		ya.hi = 0;
	if (c->ymax > 0 && !ya.log) {
		ya.lo = 0;
		ya.hi = c->ymax;
	}
	if (ya.log && !have) {
		ya.lo = 1;
		ya.hi = 10;
	}
	if (!cat && range(s, ns, false, &xa, &lo, &hi)) {
		xa.lo = lo;
		xa.hi = hi;
	} else if (!cat && xa.log) {
		xa.lo = 1;
		xa.hi = 10;
	}
	double yt[16], xt[16];
	size_t nyt = ya.log ? log_ticks(&ya, yt, 16) : lin_ticks(&ya, yt, 16);
	if (c->ymax > 0 && !ya.log) { /* exactly 0..ymax in fifths */
		ya.lo = 0;
		ya.hi = c->ymax;
		nyt = 6;
		for (size_t i = 0; i < nyt; i++)
			yt[i] = c->ymax * (double)i / 5;
	}
	size_t nxt = cat ? 0 : xa.log ? log_ticks(&xa, xt, 16) : lin_ticks(&xa, xt, 16);

	/* inline SVG in HTML needs no xmlns (the page names no other address at all) */
	rb_printf(b, "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">",
		  c->id, W, height);
	rb_printf(b, "<g transform=\"translate(%.0f,%.0f)\">", ML, MT);
	/* grid and y ticks */
	char t[64];
	for (size_t i = 0; i < nyt; i++) {
		double y = ph - place(&ya, yt[i], ph);
		rb_puts(b, "<line class=\"grid\" x1=\"0\" x2=\"");
		rb_coord(b, pw);
		rb_puts(b, "\" y1=\"");
		rb_coord(b, y);
		rb_puts(b, "\" y2=\"");
		rb_coord(b, y);
		rb_puts(b, "\"/>");
		tick_label(t, sizeof t, yt[i]);
		label(b, -6, y + 4, "end", t, "tick");
	}
	/* x ticks or categories */
	size_t ncats = cat ? c->ncats : 0;
	for (size_t i = 0; i < nxt; i++) {
		double x = place(&xa, xt[i], pw);
		rb_puts(b, "<line class=\"grid\" y1=\"0\" y2=\"");
		rb_coord(b, ph);
		rb_puts(b, "\" x1=\"");
		rb_coord(b, x);
		rb_puts(b, "\" x2=\"");
		rb_coord(b, x);
		rb_puts(b, "\"/>");
		tick_label(t, sizeof t, xt[i]);
		label(b, x, ph + 16, "middle", t, "tick");
	}
	double slot = ncats ? pw / (double)ncats : pw;
	size_t every = ncats > 24 ? (ncats + 23) / 24 : 1; /* at most 24 category labels */
	for (size_t i = 0; i < ncats; i += every) {
		/* the first CAT_CHARS characters, UTF-8 kept whole */
		char short_name[4 * CAT_CHARS + 4];
		const char *src = c->cats[i] ? c->cats[i] : "";
		size_t k = 0, n = 0;
		while (src[k] && k < sizeof short_name - 5) {
			if (((unsigned char)src[k] & 0xc0) != 0x80 && ++n > CAT_CHARS)
				break;
			k++;
		}
		memcpy(short_name, src, k);
		strcpy(short_name + k, src[k] ? "…" : "");
		double x = slot * ((double)i + 0.5);
		if (!slant) {
			label(b, x, ph + 16, "middle", short_name, "tick");
			continue;
		}
		rb_puts(b, "<text class=\"tick\" text-anchor=\"end\" transform=\"translate(");
		rb_coord(b, x + 4);
		rb_printf(b, ",%.1f) rotate(-30)\">", ph + 12);
		rb_text(b, short_name);
		rb_puts(b, "</text>");
	}
	rb_puts(b, "<line class=\"axis\" x1=\"0\" y1=\"");
	rb_coord(b, ph);
	rb_puts(b, "\" x2=\"");
	rb_coord(b, pw);
	rb_puts(b, "\" y2=\"");
	rb_coord(b, ph);
	rb_puts(b, "\"/><line class=\"axis\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"");
	rb_coord(b, ph);
	rb_puts(b, "\"/>");
	label(b, pw / 2, ph + 38 + extra, "middle", c->xlabel ? c->xlabel : "", "alabel");
	rb_printf(b, "<text class=\"alabel\" text-anchor=\"middle\" transform=\"translate(-58,%.1f) "
		     "rotate(-90)\">", ph / 2);
	rb_text(b, c->ylabel ? c->ylabel : "");
	rb_puts(b, "</text>");
	if (!have)
		label(b, pw / 2, ph / 2, "middle", "no data", "nodata");

	/* the series */
	double base = ph - place(&ya, ya.log ? ya.lo : (ya.lo > 0 ? ya.lo : 0 < ya.hi ? 0 : ya.hi), ph);
	for (size_t i = 0; i < ns; i++) {
		const struct chart_series *se = &s[i];
		int col = ((se->color % CHART_COLORS) + CHART_COLORS) % CHART_COLORS;
		size_t drawn = 0;
		for (size_t k = 0; k < se->n; k++)
			drawn += usable(&ya, se->y[k]) && (cat || usable(&xa, se->x[k])) &&
				 (!cat || k < ncats);
		rb_puts(b, "<g class=\"series\" data-name=\"");
		rb_text(b, se->name);
		rb_printf(b, "\" data-points=\"%zu\">", drawn);
		if (c->kind == CHART_BARS) {
			double bw = slot * 0.8 / (double)(ns ? ns : 1);
			for (size_t k = 0; k < se->n && k < ncats; k++) {
				if (!usable(&ya, se->y[k]))
					continue;
				double x = slot * (double)k + slot * 0.1 + bw * (double)i;
				double y = ph - place(&ya, se->y[k], ph);
				rb_printf(b, "<rect class=\"f%d\" x=\"", col);
				rb_coord(b, x);
				rb_puts(b, "\" y=\"");
				rb_coord(b, y < base ? y : base);
				rb_puts(b, "\" width=\"");
				rb_coord(b, bw > 1 ? bw - 0.5 : bw);
				rb_puts(b, "\" height=\"");
				rb_coord(b, fabs(base - y));
				rb_puts(b, "\">");
				point_title(b, se, c->cats[k], 0, se->y[k]);
				rb_puts(b, "</rect>");
			}
			rb_puts(b, "</g>");
			continue;
		}
		rb_printf(b, "<polyline class=\"s%d%s\" points=\"", col, se->dashed ? " dash" : "");
		bool first = true;
		double px = 0, py = base;
		for (size_t k = 0; k < se->n; k++) {
			if (!usable(&ya, se->y[k]) || (!cat && !usable(&xa, se->x[k])) || (cat && k >= ncats))
				continue;
			double x = cat ? slot * ((double)k + 0.5) : place(&xa, se->x[k], pw);
			double y = ph - place(&ya, se->y[k], ph);
			if (c->kind == CHART_STEP) {
				/* up at each bucket's edge: from the previous level */
				if (first)
					py = base;
				rb_coord(b, x);
				rb_puts(b, ",");
				rb_coord(b, py);
				rb_puts(b, " ");
			}
			rb_coord(b, x);
			rb_puts(b, ",");
			rb_coord(b, y);
			rb_puts(b, " ");
			px = x;
			py = y;
			first = false;
		}
		(void)px;
		rb_puts(b, "\"><title>");
		rb_text(b, se->name);
		rb_puts(b, "</title></polyline>");
		if (drawn <= MARKERS_MAX)
			for (size_t k = 0; k < se->n; k++) {
				if (!usable(&ya, se->y[k]) || (!cat && !usable(&xa, se->x[k])) ||
				    (cat && k >= ncats))
					continue;
				double x = cat ? slot * ((double)k + 0.5) : place(&xa, se->x[k], pw);
				rb_printf(b, "<circle class=\"f%d\" r=\"2.5\" cx=\"", col);
				rb_coord(b, x);
				rb_puts(b, "\" cy=\"");
				rb_coord(b, ph - place(&ya, se->y[k], ph));
				rb_puts(b, "\">");
				point_title(b, se, cat ? c->cats[k] : NULL, cat ? 0 : se->x[k], se->y[k]);
				rb_puts(b, "</circle>");
			}
		rb_puts(b, "</g>");
	}
	rb_puts(b, "</g></svg>\n<div class=\"legend\">");
	for (size_t i = 0; i < ns; i++) {
		int col = ((s[i].color % CHART_COLORS) + CHART_COLORS) % CHART_COLORS;
		rb_printf(b, "<span class=\"key\"><i class=\"b%d%s\"></i>", col, s[i].dashed ? " dash" : "");
		rb_text(b, s[i].name);
		rb_puts(b, "</span> ");
	}
	rb_puts(b, "</div>\n");
}
