/* The CHECK() of the unit tests: counts checks, prints "FAIL (file:line): message" for each
 * that fails; the test prints the totals and exits non-zero when `fails` is not 0. */
#ifndef XDPERF_TESTS_CHECK_H
#define XDPERF_TESTS_CHECK_H

#include <stdio.h>

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

#endif
