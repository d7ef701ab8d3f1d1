/* Run profiles (part of libxdperf): the YAML or JSON files `xdperf run` takes
 * (docs/profiles.md), read and checked by the code the command uses, for programs that build
 * the run themselves (the Python API's xdperf.profile):
 *
 *   struct xdperf_profile *p;
 *   if (xdperf_profile_load("voice-video.yaml", &p, err, sizeof err) == 0) {
 *           puts(xdperf_profile_json(p));   // settings and streams, every pace worked out
 *           xdperf_profile_free(p);
 *   }
 *
 * Each stream's frames come from xdperf_templates_from_file / _from_json (a plugin's answer) /
 * _from_pcap (templates.h); its pace, count, duration, start, burst and stamp go into a
 * struct xdperf_tx_stream_opts (tx.h).
 */
#ifndef XDPERF_PROFILE_H
#define XDPERF_PROFILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xdperf_profile;

/* Reads and checks the profile at path. Every stream's config_file is read too (JSON or YAML,
 * as `--cfg` takes it) into its "config". 0 and a new profile in *out (the caller frees it
 * with xdperf_profile_free), or -EINVAL (a config_file that cannot be read: its errno, such as
 * -ENOENT) with one line in err naming the file, or the stream and the key at fault, e.g.
 * "stream video: \"rat\" is not a stream key (did you mean \"rate\"?)". */
int xdperf_profile_load(const char *path, struct xdperf_profile **out, char *err, size_t errlen);

/* The profile as one JSON object (borrowed, valid as long as p):
 *   {"device", "server", "mode", "cpus", "plugin_path": string or null,
 *    "threads": 0 = not given, "duration": seconds (0 = none), "rate": the total the shares
 *    divide (0 = none),
 *    "streams": [{"name", "plugin", "templates", "pcap" (one of the three a string, the others
 *                 null), "config": object or null (inline or from config_file),
 *                 "config_file", "imix": string or null,
 *                 "rate": frames/s (after share and gap), "bitrate": bits/s, "count",
 *                 "duration", "start": seconds after the run's start (after "after"),
 *                 "burst": frames back to back (1 = even), "stamp": bool}, ...]}
 * Numbers are plain JSON numbers; units ("1.5k", "250ms") are already applied. */
const char *xdperf_profile_json(const struct xdperf_profile *p);

/* Frees the profile. NULL is a no-op. */
void xdperf_profile_free(struct xdperf_profile *p);

#ifdef __cplusplus
}
#endif
#endif
