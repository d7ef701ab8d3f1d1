/* Charts of the HTML report as inline SVG: line charts (linear or log axes, steps for a CDF,
 * or a category x axis) and grouped bar charts. Every chart is
 *   <svg class="chart" data-chart="ID" ...> with one <g class="series" data-name="NAME"
 *   data-points="N"> per series (N: the points or bars drawn)
 * followed by an HTML legend, so a test can count them. */
#ifndef XDPERF_REPORT_CHART_H
#define XDPERF_REPORT_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include "report/rbuf.h"

#define CHART_COLORS 10

struct chart_series {
	const char *name;      /* legend and data-name (escaped here) */
	size_t n;
	const double *x, *y;   /* n points; x unused on a category axis (point i at category i) */
	int color;             /* 0..CHART_COLORS-1 */
	bool dashed;
};

enum chart_kind { CHART_LINE, CHART_STEP, CHART_BARS };

struct chart {
	const char *id;        /* data-chart */
	const char *xlabel, *ylabel;
	enum chart_kind kind;
	bool xlog, ylog;       /* logarithmic axes (points <= 0 are left out) */
	const char *const *cats; /* a category x axis (bars, or lines over named points) */
	size_t ncats;
	double ymax;           /* > 0: the y axis ends there (e.g. 1 for a CDF) */
};

void chart_svg(struct rbuf *b, const struct chart *c, const struct chart_series *s, size_t ns);

#endif
