/* Names of the engine's post-2.0 features (enum xwasm_feature) for command lines:
 * `xdperf wasm spectest --features LIST`. */
#ifndef XDPERF_CLI_WASM_FEATURES_H
#define XDPERF_CLI_WASM_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/* Parses a comma-separated LIST, applied in order to XWASM_FEATURES_DEFAULT: a feature name
 * (extended-const, tail-call, multi-memory, threads, memory64) adds it, -NAME removes it, "default" resets to the
 * default set, "all" takes every implemented feature, "none" none (WebAssembly 2.0). Returns 0
 * with *out (an xwasm_load_opts.features value), or -1 with one line in err naming the item. */
int wasm_features_parse(const char *list, uint32_t *out, char *err, size_t errlen);

#endif
