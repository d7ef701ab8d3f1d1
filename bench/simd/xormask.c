/*
 * xormask.c - XOR a 64 KiB payload with a repeating 4-byte key, a 32-bit word at a time as
 * WebSocket masking code does, many times, then a byte sum (SIMD benchmark).
 */
#include "bench.h"

#ifndef ITERS
#define ITERS 20000
#endif
#define LEN 65536u

static uint8_t payload[LEN] __attribute__((aligned(4)));

static uint32_t bench_run(void)
{
	uint32_t r = bench_seed();
	for (uint32_t i = 0; i < LEN; i++) {
		r = r * 1664525u + 1013904223u;
		payload[i] = (uint8_t)(r >> 24);
	}
	uint32_t acc = 0;
	for (uint32_t it = 0; it < BENCH_COUNT(ITERS); it++) {
		uint32_t key = (it & 0xff) | (it >> 3 & 0xff) << 8 | 0xa55a0000u;
		uint32_t *w = (uint32_t *)payload;
		for (uint32_t i = 0; i < LEN / 4; i++)
			w[i] ^= key;
		acc = acc * 31u + payload[it % LEN];
	}
	uint32_t sum = 0;
	for (uint32_t i = 0; i < LEN; i++)
		sum += payload[i];
	return acc ^ sum;
}

BENCH_MAIN("xormask", bench_run)
