/* Profiles for `xdperf run` (docs/profiles.md): a YAML or JSON file naming the streams of a
 * multi-stream run (source, pace, count, duration, start, bursts, stamps) and the run's
 * settings. profile.c reads and checks one; every error names the stream and the key. */
#ifndef XDPERF_PROFILE_PROFILE_H
#define XDPERF_PROFILE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct prof_stream {
	char name[64];
	/* the source: exactly one of plugin (with config / config_file), templates, pcap */
	const char *plugin, *config_file, *templates, *pcap;
	json_t *config;         /* inline plugin configuration (borrowed from the document) */
	const char *imix;       /* an IMIX spec for its templates, NULL = none */
	double rate;            /* frames/s (after share), 0 = see bitrate, else unpaced */
	uint64_t bitrate;       /* bits/s of frame bytes */
	double share;           /* of the profile's rate (0 = not given) */
	uint64_t count;         /* 0 = no limit */
	double duration;        /* seconds, 0 = no limit */
	double start;           /* seconds after the run starts */
	uint32_t burst;         /* frames back to back, 1 = even */
	bool stamp;
};

struct profile {
	json_t *doc;            /* the document (owns the strings below) */
	const char *device, *server, *mode, *cpus, *plugin_path;
	unsigned threads;       /* 0 = not given */
	double duration;        /* the whole run, 0 = not given */
	double rate;            /* the total that the streams' shares divide, 0 = none */
	struct prof_stream *s;
	size_t n;
};

/* Reads path (YAML or JSON). 0, or -1 with one line in err naming the stream and key at
 * fault. Free with profile_free(). */
int profile_load(const char *path, struct profile *p, char *err, size_t errlen);
void profile_free(struct profile *p);

/* "1.5k" / 1500 -> 1500 (k, M, G multipliers; fractions allowed); false when not > 0. */
bool profile_number(const json_t *v, double *out);
/* 10, "10s", "250ms", "20us", "1m" -> seconds (>= 0); false when not such a time. */
bool profile_seconds(const json_t *v, double *out);

#endif
