/* The public template-set API (include/xdperf/templates.h): JSON -> template set
 * (template.c, both response forms) -> IMIX (imix.c) -> the frames a transmit takes. Also
 * xdperf_template_set_tx_frames, the last step, which the CLI shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/imix.h"
#include "packet/pcap_set.h"
#include "packet/schedule.h"
#include "packet/template.h"
#include "util/err.h"
#include "util/file.h"
#include "util/opts.h"
#include "xdperf/templates.h"

struct xdperf_templates {
	struct xdperf_template_set *set;
	struct xdperf_tx_frame *frames;
	char warn[2048];
};

struct xdperf_tx_frame *xdperf_template_set_tx_frames(const struct xdperf_template_set *set,
						      size_t *with_rate)
{
	struct xdperf_tx_frame *fr = calloc(set->n, sizeof *fr);
	uint64_t *w = calloc(set->n, sizeof *w);
	if (!fr || !w) {
		free(fr);
		free(w);
		return NULL;
	}
	size_t nr = 0;
	int kind = xdperf_schedule_weights(set, w);
	for (size_t i = 0; i < set->n; i++) {
		const struct xdperf_template *t = &set->t[i];
		fr[i] = (struct xdperf_tx_frame){ .data = t->frame, .len = t->len,
						  .rate_pps = t->rate_pps,
						  .weight = kind == 2 ? w[i] : 0,
						  .mods = t->fields.mod,
						  .nmods = (uint32_t)t->fields.nmods,
						  .csums = t->fields.csums,
						  .specs = t->fields.spec,
						  .nspecs = (uint32_t)t->fields.nspecs };
		nr += t->rate_pps > 0;
	}
	free(w);
	if (with_rate)
		*with_rate = nr;
	return fr;
}

static void warn_add(struct xdperf_templates *t, const char *fmt, ...)
{
	size_t used = strlen(t->warn);
	if (used && used + 1 < sizeof t->warn)
		t->warn[used++] = '\n';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->warn + used, sizeof t->warn - used, fmt, ap);
	va_end(ap);
}

/* The rest after parsing: IMIX, the frames, the warnings; takes set. 0 or -errno. */
static int finish(struct xdperf_templates *t, struct xdperf_template_set *set,
		  const struct xdperf_imix_pattern *pat, size_t npat, const char *imix, char *err,
		  size_t errlen)
{
	char why[512], warn[512];
	int e = xdperf_imix_apply(set, pat, npat, &t->set, warn, sizeof warn, why, sizeof why);
	xdperf_template_set_free(set);
	if (e) {
		xdperf_errf(err, errlen, "%s%s: %s", imix ? "imix " : "metadata.imix", imix ? imix : "",
			    why);
		return e;
	}
	if (warn[0])
		warn_add(t, "%s", warn);
	for (size_t i = 0; i < t->set->n; i++)
		if (t->set->t[i].fields.warn[0])
			warn_add(t, "template %zu: %s", i, t->set->t[i].fields.warn);
	size_t with_rate = 0;
	if (!(t->frames = xdperf_template_set_tx_frames(t->set, &with_rate))) {
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (with_rate && with_rate < t->set->n)
		warn_add(t, "%zu of %zu templates set metadata.rate_pps; rates apply only when every "
			    "template has one, so the templates are sent in turn", with_rate, t->set->n);
	return 0;
}

int xdperf_templates_from_json(const char *json, size_t len, const struct xdperf_templates_opts *opts,
			       struct xdperf_templates **out, char *err, size_t errlen)
{
	struct xdperf_templates_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	if (!out || (!json && len)) {
		xdperf_errf(err, errlen, "templates: no text or no handle to fill");
		return -EINVAL;
	}
	struct xdperf_imix_pattern pat[XDPERF_IMIX_PATTERNS_MAX];
	size_t npat = 0;
	char why[512], warn[512];
	int e;
	if (o.imix && (e = xdperf_imix_parse_spec(o.imix, pat, XDPERF_IMIX_PATTERNS_MAX, &npat, why,
						  sizeof why))) {
		xdperf_errf(err, errlen, "%s", why);
		return e;
	}
	struct xdperf_templates *t = calloc(1, sizeof *t);
	if (!t) {
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct xdperf_template_set *set = NULL;
	e = xdperf_templates_parse_count(json ? json : "", len, o.count, &set, warn, sizeof warn, err,
					 errlen);
	if (e) {
		free(t);
		return e;
	}
	if (warn[0])
		warn_add(t, "%s", warn);
	if ((e = finish(t, set, pat, npat, o.imix, err, errlen))) {
		xdperf_templates_free(t);
		return e;
	}
	*out = t;
	return 0;
}

int xdperf_templates_from_pcap(const char *path, const struct xdperf_templates_opts *opts,
			       struct xdperf_templates **out, char *err, size_t errlen)
{
	struct xdperf_templates_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	if (!path || !out) {
		xdperf_errf(err, errlen, "templates: no file name or no handle to fill");
		return -EINVAL;
	}
	if (o.imix) {
		xdperf_errf(err, errlen, "pcap %s: an IMIX applies to templates, not to a capture's "
			    "frames", path);
		return -EINVAL;
	}
	struct xdperf_templates *t = calloc(1, sizeof *t);
	if (!t) {
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct xdperf_template_set *set = NULL;
	int e = xdperf_pcap_template_set(path, &set, err, errlen);
	if (!e)
		e = finish(t, set, NULL, 0, NULL, err, errlen);
	if (e) {
		xdperf_templates_free(t);
		return e;
	}
	*out = t;
	return 0;
}

int xdperf_templates_from_file(const char *path, const struct xdperf_templates_opts *opts,
			       struct xdperf_templates **out, char *err, size_t errlen)
{
	if (!path) {
		xdperf_errf(err, errlen, "templates: no file name");
		return -EINVAL;
	}
	uint8_t *buf;
	size_t len;
	int e = xdperf_read_file_any(path, 64u << 20, &buf, &len);
	if (e) {
		xdperf_errf(err, errlen, "%s: %s", path, xdperf_file_strerror(e));
		return e;
	}
	char why[512];
	e = xdperf_templates_from_json((const char *)buf, len, opts, out, why, sizeof why);
	free(buf);
	if (e)
		xdperf_errf(err, errlen, "%s: %s", path, why);
	return e;
}

size_t xdperf_templates_n(const struct xdperf_templates *t)
{
	return t ? t->set->n : 0;
}

const struct xdperf_tx_frame *xdperf_templates_frames(const struct xdperf_templates *t)
{
	return t ? t->frames : NULL;
}

const char *xdperf_templates_warnings(const struct xdperf_templates *t)
{
	return t ? t->warn : "";
}

void xdperf_templates_free(struct xdperf_templates *t)
{
	if (!t)
		return;
	free(t->frames);
	xdperf_template_set_free(t->set);
	free(t);
}
