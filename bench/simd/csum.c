/*
 * csum.c - Internet checksum (RFC 1071) of a 64 KiB buffer, many times: 16-bit loads widened
 * into 32-bit sums, the loop compilers vectorize for packet payloads (SIMD benchmark).
 */
#include "bench.h"

#ifndef ITERS
#define ITERS 12000
#endif
#define LEN 32768u /* 16-bit words */

static uint16_t buf[LEN];

static uint32_t bench_run(void)
{
	uint32_t x = bench_seed();
	for (uint32_t i = 0; i < LEN; i++) {
		x = x * 1664525u + 1013904223u;
		buf[i] = (uint16_t)(x >> 16);
	}
	uint32_t acc = 0;
	for (uint32_t it = 0; it < BENCH_COUNT(ITERS); it++) {
		uint32_t s = it;
		for (uint32_t i = 0; i < LEN; i++)
			s += buf[i];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		acc = acc * 31u + (~s & 0xffff);
	}
	return acc;
}

BENCH_MAIN("csum", bench_run)
