/* The public profile API (include/xdperf/profile.h): profile.c's checked profile, with each
 * stream's config_file read, as one JSON object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile/profile.h"
#include "util/config_file.h"
#include "util/err.h"
#include "xdperf/profile.h"

struct xdperf_profile {
	char *json;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The stream as JSON; its config read from config_file when it has one. NULL after one line
 * in err (*e: the errno). */
static json_t *stream_json(const struct prof_stream *s, int *e, char *err, size_t errlen)
{
	json_t *cfg = NULL;
	if (s->config)
		cfg = json_incref(s->config);
	else if (s->config_file) {
		char why[1024];
		if ((*e = xdperf_config_file_load(s->config_file, &cfg, why, sizeof why))) {
			xdperf_errf(err, errlen, "stream %s: config_file: %s", s->name, why);
			return NULL;
		}
	} else if (s->plugin)
		cfg = json_object();
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:I, s:I, s:f, s:f, s:I, s:b}",
			      "name", s->name, "plugin", str_or_null(s->plugin),
			      "templates", str_or_null(s->templates), "pcap", str_or_null(s->pcap),
			      "config", cfg ? cfg : json_null(), "config_file",
			      str_or_null(s->config_file), "imix", str_or_null(s->imix),
			      "rate", s->rate, "bitrate", (json_int_t)s->bitrate,
			      "count", (json_int_t)s->count, "duration", s->duration,
			      "start", s->start, "burst", (json_int_t)s->burst, "stamp", s->stamp);
	if (!o) {
		*e = -ENOMEM;
		xdperf_errf(err, errlen, "out of memory");
	}
	return o;
}

int xdperf_profile_load(const char *path, struct xdperf_profile **out, char *err, size_t errlen)
{
	if (!path || !out) {
		xdperf_errf(err, errlen, "profile: no file name or no handle to fill");
		return -EINVAL;
	}
	struct profile p;
	if (profile_load(path, &p, err, errlen))
		return -EINVAL;
	int e = -ENOMEM;
	json_t *streams = json_array();
	json_t *doc = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:f, s:f}",
				"device", str_or_null(p.device), "server", str_or_null(p.server),
				"mode", str_or_null(p.mode), "cpus", str_or_null(p.cpus),
				"plugin_path", str_or_null(p.plugin_path),
				"threads", (json_int_t)p.threads, "duration", p.duration,
				"rate", p.rate);
	struct xdperf_profile *r = calloc(1, sizeof *r);
	if (!streams || !doc || !r) {
		xdperf_errf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < p.n; i++) {
		json_t *s = stream_json(&p.s[i], &e, err, errlen);
		if (!s || json_array_append_new(streams, s))
			goto fail;
	}
	if (json_object_set(doc, "streams", streams) ||
	    !(r->json = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17)))) {
		e = -ENOMEM;
		xdperf_errf(err, errlen, "out of memory");
		goto fail;
	}
	json_decref(streams);
	json_decref(doc);
	profile_free(&p);
	*out = r;
	return 0;
fail:
	json_decref(streams);
	json_decref(doc);
	free(r);
	profile_free(&p);
	return e;
}

const char *xdperf_profile_json(const struct xdperf_profile *p)
{
	return p ? p->json : NULL;
}

void xdperf_profile_free(struct xdperf_profile *p)
{
	if (!p)
		return;
	free(p->json);
	free(p);
}
