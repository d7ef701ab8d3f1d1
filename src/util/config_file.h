/* A plugin configuration file (JSON or YAML) read into a JSON object: what `--cfg FILE`,
 * a profile's config_file and the library's profile reader take. */
#ifndef XDPERF_UTIL_CONFIG_FILE_H
#define XDPERF_UTIL_CONFIG_FILE_H

#include <jansson.h>
#include <stddef.h>

/* Reads file (at most 16 MiB; a pipe or device too): text starting with '{' is tried as JSON
 * first unless the name ends in .yaml/.yml, and falls back to YAML (flow mappings such as
 * {a: 1}); the JSON error is reported when neither accepts it. The result must be an object.
 * 0 and a new reference in *out, or a negative errno with one line in err naming the file
 * ("cannot read plugin configuration F: ...", "plugin configuration F: ..."). */
int xdperf_config_file_load(const char *file, json_t **out, char *err, size_t errlen);

#endif
