/* Whole-file reading with a size cap (plugins, modules, configuration files). */
#ifndef XDPERF_UTIL_FILE_H
#define XDPERF_UTIL_FILE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* "Not a regular file" (a FIFO, a device, a socket): what xdperf_read_file refuses; the errno
 * value stands for it only in these functions' results (xdperf_file_strerror says it). */
#define XDPERF_ENOTREG EBADFD

/* Reads all of the regular file `path` into a new malloc'd buffer (NUL-terminated, not counted in
 * *len); the caller frees *buf. Opened without blocking, so a FIFO, a device or a socket (also
 * behind a symlink) is refused at once: -XDPERF_ENOTREG, never waited on or read. Returns 0, a
 * negative errno from open/read, -EISDIR, -XDPERF_ENOTREG, or -EFBIG when the file is larger
 * than `max` (never cut). Modules, plugins, signatures, keys, policies, tokens. */
int xdperf_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);
/* The same for key material: every buffer it frees on the way (growing, errors) is wiped first;
 * the caller wipes *buf (len + 1 bytes) before freeing it. */
int xdperf_read_file_secret(const char *path, size_t max, uint8_t **buf, size_t *len);
/* The same, but a pipe or a device may be read too (`--templates /dev/stdin`, `--cfg
 * /dev/null`): opened without blocking (a FIFO nobody writes to reads as empty instead of
 * hanging in open), then read to its end; more than `max` bytes is -EFBIG. Configurations,
 * template files and inputs. */
int xdperf_read_file_any(const char *path, size_t max, uint8_t **buf, size_t *len);

/* strerror for these results: "not a regular file (a FIFO, device or socket)" for
 * -XDPERF_ENOTREG, else strerror(-rc). */
const char *xdperf_file_strerror(int rc);

#endif
