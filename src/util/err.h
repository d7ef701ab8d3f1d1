/* Filling the caller's error buffer (the `char *err, size_t errlen` of the library API). */
#ifndef XDPERF_UTIL_ERR_H
#define XDPERF_UTIL_ERR_H

#include <stddef.h>

/* printf into err (nothing when err is NULL or errlen is 0). */
void xdperf_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
