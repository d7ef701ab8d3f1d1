/* Shared by the unit tests: CHECK() counts checks and prints "FAIL (file:line): message" for
 * each that fails (the test prints the totals and exits non-zero when `fails` is not 0), and
 * xasprintf() formats into a new string or aborts. */
#ifndef XDPERF_TESTS_CHECK_H
#define XDPERF_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int fails, checks;

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		checks++;                                                     \
		if (!(cond)) {                                                \
			fails++;                                              \
			printf("FAIL (%s:%d): ", __FILE__, __LINE__);         \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
		}                                                             \
	} while (0)

static inline char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

#endif
