/* Edit distance and "did you mean" suggestions for mistyped names (commands, options, config
 * keys). */
#ifndef XDPERF_UTIL_DISTANCE_H
#define XDPERF_UTIL_DISTANCE_H

#include <stddef.h>

/* Levenshtein distance of a and b; names longer than 63 bytes count as far from everything
 * (returns a large number). */
unsigned xdperf_edit_distance(const char *a, const char *b);

/* The candidate closest to word within max_distance edits (the first of equals), or NULL. */
const char *xdperf_closest(const char *word, const char *const *cands, size_t n, unsigned max_distance);

#endif
