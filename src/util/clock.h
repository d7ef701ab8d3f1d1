/* CLOCK_MONOTONIC as seconds in a double: deadlines, rates and intervals. */
#ifndef XDPERF_UTIL_CLOCK_H
#define XDPERF_UTIL_CLOCK_H

#include <time.h>

static inline double xdperf_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#endif
