/* Small integer helpers shared by the packet code (send schedule, field engine). */
#ifndef XDPERF_UTIL_ARITH_H
#define XDPERF_UTIL_ARITH_H

#include <stdint.h>

/* Greatest common divisor; gcd(a, 0) = a. */
static inline uint64_t xdperf_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

#endif
