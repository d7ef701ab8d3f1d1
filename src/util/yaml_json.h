/* YAML -> JSON (jansson) conversion for configuration files (libyaml). */
#ifndef XDPERF_UTIL_YAML_JSON_H
#define XDPERF_UTIL_YAML_JSON_H

#include <stddef.h>
#include <jansson.h>

/* Limits: total nodes after alias expansion (guards against "billion laughs" documents) and
 * nesting depth of mappings/sequences. */
#define XDPERF_YAML_MAX_NODES 1000000u
#define XDPERF_YAML_MAX_DEPTH 1000u

/* Converts the single YAML document in text[0..len) into a new json_t (*out, the caller owns
 * the reference):
 *   mappings -> objects (keys must be scalars, no duplicates), sequences -> arrays,
 *   plain scalars typed by the YAML 1.2 core schema: null, ~ or empty -> null,
 *   true/false (also True/TRUE...) -> boolean, decimal / 0x hex / 0o octal -> integer,
 *   decimal floats -> real (.inf and .nan cannot be represented in JSON: error);
 *   quoted and block scalars (and !!str) are always strings.
 * Anchors and aliases are supported (an alias shares the anchored value); the total node count
 * including alias expansions is capped at XDPERF_YAML_MAX_NODES. An empty stream gives JSON
 * null; more than one document is an error.
 * Returns 0, or -1 with *out = NULL and a message in err, e.g.
 * "invalid YAML at line 3 column 5: mapping values are not allowed in this context". */
int xdperf_yaml_to_json(const char *text, size_t len, json_t **out, char *err, size_t errlen);

#endif
