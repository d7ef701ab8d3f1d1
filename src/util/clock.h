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

/* CLOCK_TAI − CLOCK_MONOTONIC in ns: of 5 reads of TAI each between two of MONOTONIC, the one
 * with the shortest window, against that window's middle. *err (if not NULL) gets the
 * window's half-width, the most the figure can be off. The two clocks advance at the same
 * rate (NTP slews both), so the difference changes only when the system time is stepped. */
static inline int64_t xdperf_tai_minus_mono_ns(uint64_t *err)
{
	int64_t best = 0;
	uint64_t width = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		struct timespec a, t, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_TAI, &t);
		clock_gettime(CLOCK_MONOTONIC, &b);
		int64_t an = (int64_t)a.tv_sec * 1000000000 + a.tv_nsec;
		int64_t bn = (int64_t)b.tv_sec * 1000000000 + b.tv_nsec;
		int64_t tn = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
		if ((uint64_t)(bn - an) < width) {
			width = (uint64_t)(bn - an);
			best = tn - (an + (bn - an) / 2);
		}
	}
	if (err)
		*err = (width + 1) / 2;
	return best;
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
