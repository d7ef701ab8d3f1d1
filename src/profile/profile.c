/* Reading and checking `xdperf run` profiles (profile.h, docs/profiles.md). A profile is a
 * mapping: run settings (device, server, mode, threads, cpus, duration, rate, plugin_path,
 * stamp) and `streams`, a list of mappings, each with a name, one source (plugin + config or
 * config_file, templates, pcap), an optional imix, a pace (rate, bitrate, share of the
 * profile's rate, gap, or burst: {packets, every}), count, duration, start and stamp. Unknown
 * keys are refused with a suggestion; every message names the stream and the key. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile/profile.h"
#include "util/distance.h"
#include "util/err.h"
#include "util/file.h"
#include "util/yaml_json.h"
#include "xdperf/tx.h"

#define PROFILE_MAX_BYTES (4u << 20)
#define PROFILE_MAX_STREAMS 256

static const char *const run_keys[] = { "device", "server", "mode", "threads", "cpus",
					"duration", "rate", "plugin_path", "stamp", "streams" };
static const char *const stream_keys[] = { "name", "plugin", "config", "config_file",
					   "templates", "pcap", "imix", "rate", "bitrate", "share",
					   "gap", "burst", "count", "duration", "start", "after",
					   "stamp" };
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* A number, or a string of one followed by a unit: *d and the unit text (*unit, "" for a
 * JSON number or none). False when v is neither. */
static bool number_and_unit(const json_t *v, double *d, const char **unit)
{
	*unit = "";
	if (json_is_number(v)) {
		*d = json_number_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	char *e;
	errno = 0;
	*d = strtod(s, &e);
	if (errno || e == s)
		return false;
	*unit = e;
	return true;
}

bool profile_number(const json_t *v, double *out)
{
	double d;
	const char *u;
	if (!number_and_unit(v, &d, &u))
		return false;
	if (!strcmp(u, "k") || !strcmp(u, "K"))
		d *= 1e3;
	else if (!strcmp(u, "M"))
		d *= 1e6;
	else if (!strcmp(u, "G"))
		d *= 1e9;
	else if (*u)
		return false;
	if (!(d > 0) || !isfinite(d) || d > 1e15)
		return false;
	*out = d;
	return true;
}

bool profile_seconds(const json_t *v, double *out)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 },
		{ "m", 60 }, { "min", 60 }, { "h", 3600 },
	};
	double d;
	const char *u;
	if (!number_and_unit(v, &d, &u))
		return false;
	size_t i = 0;
	while (i < sizeof units / sizeof units[0] && strcmp(u, units[i].unit))
		i++;
	if (i == sizeof units / sizeof units[0])
		return false;
	d *= units[i].mul;
	if (!(d >= 0) || !isfinite(d) || d > 1e9)
		return false;
	*out = d;
	return true;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Refuses keys of o not in keys[] (where: "profile" or "stream NAME"). */
static int known_keys(const json_t *o, const char *const *keys, size_t n, const char *where,
		      char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		bool ok = false;
		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (ok)
			continue;
		const char *best = xdperf_closest(k, keys, n, 2);
		if (best)
			return fail(err, errlen, "%s: unknown key \"%s\" (did you mean \"%s\"?)", where,
				    k, best);
		return fail(err, errlen, "%s: unknown key \"%s\"", where, k);
	}
	return 0;
}

static int get_string(const json_t *o, const char *key, const char **out, const char *where,
		      char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return fail(err, errlen, "%s: \"%s\" must be a non-empty string", where, key);
	*out = json_string_value(v);
	return 0;
}

static int get_seconds(const json_t *o, const char *key, double *out, const char *where,
		       char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!profile_seconds(v, out))
		return fail(err, errlen, "%s: \"%s\" must be a time: seconds, or a number with "
			    "ns, us, ms, s, m or h (\"250ms\")", where, key);
	return 0;
}

static int get_bool(const json_t *o, const char *key, bool *out, const char *where, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fail(err, errlen, "%s: \"%s\" must be true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

/* A whole count: 1000, "1.5k", "2M"; 0 allowed. */
static int get_count(const json_t *o, const char *key, uint64_t *out, const char *where,
		     char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	double d = 0;
	if (json_is_integer(v) && json_integer_value(v) == 0) {
		*out = 0;
		return 0;
	}
	if (!profile_number(v, &d) || d != floor(d) || d > 9.2e18)
		return fail(err, errlen, "%s: \"%s\" must be a whole number of packets (1000, "
			    "\"1.5k\")", where, key);
	*out = (uint64_t)d;
	return 0;
}

static int pace(const json_t *o, struct prof_stream *s, const char *where, char *err,
		size_t errlen)
{
	const char *given[4];
	unsigned ng = 0;
	json_t *v;
	if ((v = json_object_get(o, "rate")) && !json_is_null(v)) {
		given[ng++] = "rate";
		if (!profile_number(v, &s->rate))
			return fail(err, errlen, "%s: \"rate\" must be packets per second above 0 "
				    "(1000, \"1.5k\", 0.5)", where);
	}
	if ((v = json_object_get(o, "bitrate")) && !json_is_null(v)) {
		given[ng++] = "bitrate";
		if (!json_is_string(v) && !json_is_number(v))
			return fail(err, errlen, "%s: \"bitrate\" must be bits per second (\"10M\")",
				    where);
		char buf[64];
		if (json_is_string(v))
			snprintf(buf, sizeof buf, "%s", json_string_value(v));
		else
			snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
		if (xdperf_parse_bitrate(buf, &s->bitrate))
			return fail(err, errlen, "%s: \"bitrate\" must be bits per second (\"10M\", "
				    "\"1.5G\")", where);
	}
	if ((v = json_object_get(o, "share")) && !json_is_null(v)) {
		given[ng++] = "share";
		if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1)
			return fail(err, errlen, "%s: \"share\" must be a fraction of the profile's "
				    "rate, above 0 and at most 1", where);
		s->share = json_number_value(v);
	}
	if ((v = json_object_get(o, "gap")) && !json_is_null(v)) {
		given[ng++] = "gap";
		double g;
		if (!profile_seconds(v, &g) || !(g > 0))
			return fail(err, errlen, "%s: \"gap\" must be a time above 0 between packets "
				    "(\"1ms\")", where);
		s->rate = 1.0 / g;
	}
	if (ng > 1)
		return fail(err, errlen, "%s: \"%s\" and \"%s\" both set the pace: give one", where,
			    given[0], given[1]);
	s->burst = 1;
	if ((v = json_object_get(o, "burst")) && !json_is_null(v)) {
		if (json_is_integer(v)) {
			if (json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
				return fail(err, errlen, "%s: \"burst\" must be 1 to 1000000 packets",
					    where);
			s->burst = (uint32_t)json_integer_value(v);
			if (!ng)
				return fail(err, errlen, "%s: \"burst\" needs a pace (rate, bitrate, share "
					    "or gap), or give it as {packets: N, every: TIME}", where);
		} else if (json_is_object(v)) {
			static const char *const bk[] = { "packets", "every" };
			char w2[160];
			snprintf(w2, sizeof w2, "%s: burst", where);
			if (known_keys(v, bk, 2, w2, err, errlen))
				return -1;
			json_t *p = json_object_get(v, "packets");
			double every = 0;
			if (!json_is_integer(p) || json_integer_value(p) < 1 ||
			    json_integer_value(p) > 1000000)
				return fail(err, errlen, "%s: \"packets\" must be 1 to 1000000", w2);
			if (get_seconds(v, "every", &every, w2, err, errlen))
				return -1;
			if (!(every > 0))
				return fail(err, errlen, "%s: \"every\" must be a time above 0 (\"10ms\")",
					    w2);
			if (ng)
				return fail(err, errlen, "%s: \"burst\" {packets, every} sets the pace; "
					    "\"%s\" too: give one", where, given[0]);
			s->burst = (uint32_t)json_integer_value(p);
			s->rate = s->burst / every;
		} else {
			return fail(err, errlen, "%s: \"burst\" must be a number of packets or "
				    "{packets: N, every: TIME}", where);
		}
	}
	return 0;
}

static int load_stream(const json_t *o, size_t idx, struct prof_stream *s, bool stamp_default,
		       char *err, size_t errlen)
{
	char where[128];
	if (!json_is_object(o))
		return fail(err, errlen, "stream %zu: must be a mapping (name, plugin, rate, ...)",
			    idx + 1);
	json_t *nm = json_object_get(o, "name");
	if (nm && !json_is_string(nm))
		return fail(err, errlen, "stream %zu: \"name\" must be a string", idx + 1);
	if (nm && (!*json_string_value(nm) || strlen(json_string_value(nm)) >= sizeof s->name))
		return fail(err, errlen, "stream %zu: \"name\" must have 1 to %zu characters",
			    idx + 1, sizeof s->name - 1);
	if (nm)
		snprintf(s->name, sizeof s->name, "%s", json_string_value(nm));
	else
		snprintf(s->name, sizeof s->name, "stream%zu", idx + 1);
	snprintf(where, sizeof where, "stream %s", s->name);
	if (known_keys(o, stream_keys, NKEYS(stream_keys), where, err, errlen) ||
	    get_string(o, "plugin", &s->plugin, where, err, errlen) ||
	    get_string(o, "config_file", &s->config_file, where, err, errlen) ||
	    get_string(o, "templates", &s->templates, where, err, errlen) ||
	    get_string(o, "pcap", &s->pcap, where, err, errlen) ||
	    get_string(o, "imix", &s->imix, where, err, errlen) ||
	    get_count(o, "count", &s->count, where, err, errlen) ||
	    get_seconds(o, "duration", &s->duration, where, err, errlen) ||
	    get_seconds(o, "start", &s->start, where, err, errlen))
		return -1;
	s->stamp = stamp_default;
	if (get_bool(o, "stamp", &s->stamp, where, err, errlen))
		return -1;
	json_t *cfg = json_object_get(o, "config");
	if (cfg && !json_is_null(cfg)) {
		if (!json_is_object(cfg))
			return fail(err, errlen, "%s: \"config\" must be a mapping (the plugin's "
				    "configuration)", where);
		s->config = cfg;
	}
	unsigned nsrc = !!s->plugin + !!s->templates + !!s->pcap;
	if (nsrc != 1)
		return fail(err, errlen, "%s: give one source: \"plugin\", \"templates\" or \"pcap\"%s",
			    where, nsrc ? " (not several)" : "");
	if ((s->config || s->config_file) && !s->plugin)
		return fail(err, errlen, "%s: \"%s\" is for a plugin source", where,
			    s->config ? "config" : "config_file");
	if (s->config && s->config_file)
		return fail(err, errlen, "%s: \"config\" and \"config_file\": give one", where);
	return pace(o, s, where, err, errlen);
}

/* When a paced stream with a count or a duration ends: from the run's start, the time its
 * next frame would be due (start + count / rate, or start + duration). False when it has no
 * end known in advance. */
static bool stream_end(const struct prof_stream *s, double *end)
{
	double d = s->duration;
	if (s->count && s->rate > 0) {
		double c = (double)s->count / s->rate;
		if (s->burst > 1) /* the burst after its last one */
			c = ceil((double)s->count / s->burst) * s->burst / s->rate;
		if (!(d > 0) || c < d)
			d = c;
	}
	if (!(d > 0))
		return false;
	*end = s->start + d;
	return true;
}

/* "after: NAME": stream i starts when the earlier stream NAME ends (plus its own start). */
static int resolve_after(struct profile *p, size_t i, const json_t *after, char *err,
			 size_t errlen)
{
	struct prof_stream *s = &p->s[i];
	if (!json_is_string(after))
		return fail(err, errlen, "stream %s: \"after\" must be the name of an earlier stream",
			    s->name);
	const char *nm = json_string_value(after);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(p->s[j].name, nm))
			continue;
		double end;
		if (!stream_end(&p->s[j], &end))
			return fail(err, errlen, "stream %s: \"after\": stream %s has no end known in "
				    "advance (it needs a duration, or a count and a rate, gap, share or "
				    "burst)", s->name, nm);
		s->start += end;
		return 0;
	}
	json_t *list = json_object_get(p->doc, "streams");
	for (size_t j = i + 1; j < p->n; j++) {
		const char *later = json_string_value(json_object_get(json_array_get(list, j), "name"));
		if (later && !strcmp(later, nm))
			return fail(err, errlen, "stream %s: \"after\": stream %s comes later in the "
				    "list (name an earlier one)", s->name, nm);
	}
	return fail(err, errlen, "stream %s: \"after\": no stream is named \"%s\"", s->name, nm);
}

int profile_load(const char *path, struct profile *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	uint8_t *buf;
	size_t len;
	int rc = xdperf_read_file_any(path, PROFILE_MAX_BYTES, &buf, &len);
	if (rc)
		return fail(err, errlen, "cannot read profile %s: %s", path,
			    rc == -EFBIG ? "larger than 4 MiB" : xdperf_file_strerror(rc));
	char yerr[400];
	json_t *doc = NULL;
	rc = xdperf_yaml_to_json((const char *)buf, len, &doc, yerr, sizeof yerr);
	free(buf);
	if (rc)
		return fail(err, errlen, "profile %s: %s", path, yerr);
	p->doc = doc;
	if (!json_is_object(doc)) {
		profile_free(p);
		return fail(err, errlen, "profile %s: must be a mapping with \"streams\"", path);
	}
	const char *w = "profile";
	bool stamp = false;
	json_t *v;
	if (known_keys(doc, run_keys, NKEYS(run_keys), w, err, errlen) ||
	    get_string(doc, "device", &p->device, w, err, errlen) ||
	    get_string(doc, "server", &p->server, w, err, errlen) ||
	    get_string(doc, "mode", &p->mode, w, err, errlen) ||
	    get_string(doc, "cpus", &p->cpus, w, err, errlen) ||
	    get_string(doc, "plugin_path", &p->plugin_path, w, err, errlen) ||
	    get_seconds(doc, "duration", &p->duration, w, err, errlen) ||
	    get_bool(doc, "stamp", &stamp, w, err, errlen))
		goto bad;
	if (p->mode && strcmp(p->mode, "xdp") && strcmp(p->mode, "afpacket")) {
		fail(err, errlen, "profile: \"mode\" must be xdp or afpacket, not \"%s\"", p->mode);
		goto bad;
	}
	if ((v = json_object_get(doc, "threads")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1024) {
			fail(err, errlen, "profile: \"threads\" must be 1 to 1024");
			goto bad;
		}
		p->threads = (unsigned)json_integer_value(v);
	}
	if ((v = json_object_get(doc, "rate")) && !json_is_null(v) && !profile_number(v, &p->rate)) {
		fail(err, errlen, "profile: \"rate\" must be packets per second above 0 (\"1M\")");
		goto bad;
	}
	json_t *st = json_object_get(doc, "streams");
	if (!json_is_array(st) || json_array_size(st) < 1) {
		fail(err, errlen, "profile: \"streams\" must be a list of at least one stream");
		goto bad;
	}
	if (json_array_size(st) > PROFILE_MAX_STREAMS) {
		fail(err, errlen, "profile: %zu streams (at most %d)", json_array_size(st),
		     PROFILE_MAX_STREAMS);
		goto bad;
	}
	p->n = json_array_size(st);
	if (!(p->s = calloc(p->n, sizeof *p->s))) {
		fail(err, errlen, "out of memory");
		goto bad;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (load_stream(json_array_get(st, i), i, &p->s[i], stamp, err, errlen))
			goto bad;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->s[j].name, p->s[i].name)) {
				fail(err, errlen, "stream %s: the name is used twice (streams %zu and "
				     "%zu)", p->s[i].name, j + 1, i + 1);
				goto bad;
			}
		struct prof_stream *s = &p->s[i];
		json_t *after = json_object_get(json_array_get(st, i), "after");
		if (after && !json_is_null(after) && resolve_after(p, i, after, err, errlen))
			goto bad;
		if (s->share > 0) {
			if (!(p->rate > 0)) {
				fail(err, errlen, "stream %s: \"share\" needs the profile's \"rate\"",
				     s->name);
				goto bad;
			}
			s->rate = s->share * p->rate;
		}
	}
	return 0;
bad:
	profile_free(p);
	return -1;
}

void profile_free(struct profile *p)
{
	free(p->s);
	json_decref(p->doc);
	memset(p, 0, sizeof *p);
}
