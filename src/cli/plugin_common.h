/* Pieces shared by the commands that run generator plugins (`xdperf --plugin ...` and
 * `xdperf plugin ...`): plugin lookup, configuration loading, request building, option values. */
#ifndef XDPERF_CLI_PLUGIN_COMMON_H
#define XDPERF_CLI_PLUGIN_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_PLUGIN_PATH "/usr/local/share/xdperf/plugins"

/* Finds the plugin file: a path (contains '/' or ends in .wasm) or NAME.wasm in plugin_path
 * (may be NULL), then DEFAULT_PLUGIN_PATH, then the build tree next to this binary. Fills
 * path; on failure prints one message and returns -ENOENT. */
int find_plugin(const char *plugin, const char *plugin_path, char *path, size_t len);

/* The configuration object read from `file` (NULL: an empty object), or NULL after printing
 * one message. Defined in generate.c. */
json_t *load_config(const char *file);

/* The request: the configuration plus count and device_mac_addr (6 bytes, base64 like Go's
 * []byte). malloc'd JSON text, NULL when out of memory. */
char *build_request(json_t *cfg, unsigned long long count, const uint8_t mac[6]);

/* "debug", "info", "warn", "error" (any case) -> enum xdperf_log_level, or -1. */
int parse_level(const char *s);
/* "aa:bb:cc:dd:ee:ff" -> mac; 0 or -1. */
int parse_mac(const char *s, uint8_t mac[6]);

#endif
