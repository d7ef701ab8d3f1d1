/* Shared by the unit tests: CHECK() counts checks and prints "FAIL (file:line): message" for
 * each that fails (the test prints the totals and exits non-zero when `fails` is not 0); a test
 * that defines CHECK_SHOW_PASSES as 1 before including this also gets "PASS (file:line): ..."
 * lines. The condition is evaluated before the message arguments (which may show what it just
 * looked up), and those only when the line is printed. xasprintf() formats into a new string or
 * aborts. */
#ifndef XDPERF_TESTS_CHECK_H
#define XDPERF_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef CHECK_SHOW_PASSES
#define CHECK_SHOW_PASSES 0
#endif

static int fails, checks;

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		checks++;                                                     \
		int ok_ = !!(cond);                                           \
		if (!ok_)                                                     \
			fails++;                                              \
		if (!ok_ || CHECK_SHOW_PASSES) {                              \
			printf("%s (%s:%d): ", ok_ ? "PASS" : "FAIL", __FILE__, __LINE__); \
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
