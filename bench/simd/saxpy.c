/*
 * saxpy.c - y = a*x + y over 16K floats, many times (f32 lanes; SIMD benchmark). Exact:
 * no fused multiply-add on either side, so native and wasm agree bit for bit.
 */
#include "bench.h"

#ifndef ITERS
#define ITERS 15000
#endif
#define LEN 16384u

static float xs[LEN], ys[LEN];

static uint32_t bench_run(void)
{
	uint32_t r = bench_seed();
	for (uint32_t i = 0; i < LEN; i++) {
		r = r * 1664525u + 1013904223u;
		xs[i] = (float)(r >> 8) * (1.0f / 16777216.0f);
		ys[i] = 0.0f;
	}
	for (uint32_t it = 0; it < BENCH_COUNT(ITERS); it++) {
		float a = (it & 1) ? 0.5f : -0.25f;
		for (uint32_t i = 0; i < LEN; i++)
			ys[i] = a * xs[i] + ys[i];
	}
	uint32_t acc = 0;
	for (uint32_t i = 0; i < LEN; i += 97) {
		union { float f; uint32_t u; } v = { ys[i] };
		acc = acc * 31u + v.u;
	}
	return acc;
}

BENCH_MAIN("saxpy", bench_run)
