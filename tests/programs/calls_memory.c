/* Call and memory edge shapes: functions with 20+ mixed i32/i64/f32/f64 parameters called
 * directly and through pointers, struct fields at large constant offsets (big load/store
 * offset immediates), globals with big arrays, and loads/stores in the last bytes of linear
 * memory right after memory.grow (on wasm: __builtin_wasm_memory_grow; natively the same
 * accesses go to a static page, so the output is identical). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef double (*many_fn)(int32_t, int64_t, float, double, int32_t, int64_t, float, double, int32_t, int64_t, float,
			  double, int32_t, int64_t, float, double, int32_t, int64_t, float, double, uint8_t, int16_t);

__attribute__((noinline)) static double many(int32_t a0, int64_t a1, float a2, double a3, int32_t a4, int64_t a5, float a6,
					    double a7, int32_t a8, int64_t a9, float a10, double a11, int32_t a12, int64_t a13,
					    float a14, double a15, int32_t a16, int64_t a17, float a18, double a19, uint8_t a20,
					    int16_t a21)
{
	uint64_t is = (uint64_t)a0 + (uint64_t)a1 * 3 + (uint64_t)a4 * 5 + (uint64_t)a5 * 7 + (uint64_t)a8 * 11 + (uint64_t)a9 * 13 +
		      (uint64_t)a12 * 17 + (uint64_t)a13 * 19 + (uint64_t)a16 * 23 + (uint64_t)a17 * 29 + (uint64_t)a20 * 31 +
		      (uint64_t)a21 * 37;
	double fs = a2 + a3 * 0.5 + a6 * 0.25 + a7 * 0.125 + a10 * 2 + a11 * 4 + a14 * 8 + a15 * 16 + a18 * 32 + a19 * 64;
	return (double)(int64_t)(is >> 4) + fs; /* >> 4: keep the int64 conversion in range of exactness */
}
__attribute__((noinline)) static double many2(int32_t a0, int64_t a1, float a2, double a3, int32_t a4, int64_t a5, float a6,
					     double a7, int32_t a8, int64_t a9, float a10, double a11, int32_t a12, int64_t a13,
					     float a14, double a15, int32_t a16, int64_t a17, float a18, double a19, uint8_t a20,
					     int16_t a21)
{
	return many(a21, a20, a19 > 0 ? 1.0f : -1.0f, a18, a17 & 0xffff, a16, (float)a15, a14, (int32_t)a13, a12, (float)a11,
		    a10, (int32_t)(a9 >> 3), a8, (float)a7, a6, (int32_t)a5, a4, (float)a3, a2, (uint8_t)a1, (int16_t)a0) * 0.5;
}
static many_fn fns[2] = {many, many2};

struct huge {
	uint8_t pad[70000];
	uint32_t a;
	uint64_t b;
	int16_t c;
	uint8_t tail[100000];
	double d;
};
static struct huge H;
__attribute__((noinline)) static void fill(struct huge *h, uint32_t k)
{
	h->a = k * 3; h->b = (uint64_t)k << 33 | k; h->c = (int16_t)(k - 40000); h->d = k * 0.5;
	h->tail[99999] = (uint8_t)k; h->pad[0] = (uint8_t)(k >> 8);
}
__attribute__((noinline)) static uint64_t sum(const struct huge *h)
{
	return h->a + h->b + (uint64_t)(int64_t)h->c + (uint64_t)h->d + h->tail[99999] + h->pad[0];
}

static uint32_t g_table[50000];

#ifdef __wasm__
static uint8_t *last_page(void)
{
	size_t old = __builtin_wasm_memory_grow(0, 1);
	if (old == (size_t)-1) return NULL;
	return (uint8_t *)((old + 1) * 65536 - 65536);
}
#else
static uint8_t native_page[65536];
static uint8_t *last_page(void) { return native_page; }
#endif

int main(void)
{
	double acc = 0;
	for (int i = 0; i < 200; i++) {
		double r = fns[i & 1](i, (int64_t)i << 35, i * 0.5f, i * 1.25, -i, -(int64_t)i * 1000000007, 0.125f * i, -0.75 * i,
				      i * 3, i * 5LL, 1.5f, 2.5, i ^ 5, i * 7LL, -2.0f, i / 3.0, 100 - i, 1LL << (i % 60),
				      (float)i * 1e-3f, 1e10, (uint8_t)(i * 9), (int16_t)(i * -300));
		acc = acc * 0.5 + r;
		if (i % 50 == 0 || i % 50 == 1) printf("many[%d] = %.17g\n", i, r);
	}
	printf("many acc %.17g\n", acc);

	uint64_t s = 0;
	for (uint32_t k = 0; k < 1000; k += 3) { fill(&H, k * 977); s = s * 31 + sum(&H); }
	printf("huge struct %016llx c %d d %.17g\n", (unsigned long long)s, H.c, H.d);

	for (uint32_t i = 0; i < 50000; i++) g_table[i] = i * i;
	uint32_t gt = 0;
	for (uint32_t i = 49999; i >= 7; i -= 7) gt ^= g_table[i] + g_table[49999 - i];
	printf("global table %08x %u\n", gt, g_table[49999]);

	uint8_t *p = last_page();
	if (!p) { printf("memory.grow failed\n"); return 1; }
	memset(p, 0x11, 65536);
	uint8_t *end = p + 65536;
	uint64_t v64 = 0x0123456789abcdefull;
	memcpy(end - 8, &v64, 8);
	uint32_t v32; memcpy(&v32, end - 4, 4);
	uint16_t v16; memcpy(&v16, end - 3, 2);
	uint64_t u64; memcpy(&u64, end - 9, 8);
	end[-1] = (uint8_t)(end[-1] + 1);
	volatile uint8_t *vp = end - 1;
	int8_t last = (int8_t)*vp;
	printf("end of memory: %08x %04x %016llx last %d\n", v32, v16, (unsigned long long)u64, last);
	uint32_t ph = 0;
	for (int i = 0; i < 65536; i += 4093) ph = ph * 131 + p[i];
	printf("page hash %08x\n", ph);
	return 0;
}
