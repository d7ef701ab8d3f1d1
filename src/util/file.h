/* Whole-file reading with a size cap (plugins, modules, configuration files). */
#ifndef XDPERF_UTIL_FILE_H
#define XDPERF_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads all of `path` into a new malloc'd buffer (NUL-terminated, not counted in *len); the
 * caller frees *buf. Returns 0, a negative errno from open/read, -EISDIR, or -EFBIG when the
 * file is larger than `max`. */
int xdperf_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);
/* The same for key material: every buffer it frees on the way (growing, errors) is wiped first;
 * the caller wipes *buf (len + 1 bytes) before freeing it. */
int xdperf_read_file_secret(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
