/* Monotonic clocks: seconds in a double (deadlines, rates and intervals), coarse milliseconds. */
#ifndef XDPERF_UTIL_CLOCK_H
#define XDPERF_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline double xdperf_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CLOCK_MONOTONIC_COARSE in ms: a few ns to read, a few ms resolution (timeouts). */
static inline uint64_t xdperf_mono_coarse_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

#endif
