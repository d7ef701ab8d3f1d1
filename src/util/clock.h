/* Monotonic clocks: seconds in a double (deadlines, rates and intervals), coarse milliseconds. */
#ifndef XDPERF_UTIL_CLOCK_H
#define XDPERF_UTIL_CLOCK_H

#include <errno.h>
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

/* Sleeps until monotonic time `when` (seconds, as xdperf_mono()), through signals. */
static inline void xdperf_sleep_until(double when)
{
	struct timespec t;
	t.tv_sec = (time_t)when;
	t.tv_nsec = (long)((when - (double)t.tv_sec) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

#endif
