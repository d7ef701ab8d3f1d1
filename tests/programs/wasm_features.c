/* Code shaped for the post-MVP feature families, still plain C with a native reference:
 * - saturating float->int conversions (nontrapping-fptoint): on wasm with the feature, the
 *   __builtin_wasm_trunc_saturate_* builtins; elsewhere a C model of the same semantics
 *   (NaN -> 0, clamp to the range, truncate toward zero);
 * - sign extension of register values (sign-ext): (int8_t)/(int16_t)/(int32_t) casts of
 *   computed values, in 32- and 64-bit;
 * - bulk memory: memcpy/memmove/memset with constant and variable sizes, overlapping;
 * - struct returns and struct arguments by value (multivalue with the experimental-mv ABI).
 * In-range ordinary casts are also used so -mnontrapping-fptoint changes real code. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__wasm__) && defined(__wasm_nontrapping_fptoint__)
static int32_t sat_i32_f64(double x) { return __builtin_wasm_trunc_saturate_s_i32_f64(x); }
static uint32_t sat_u32_f64(double x) { return (uint32_t)__builtin_wasm_trunc_saturate_u_i32_f64(x); }
static int64_t sat_i64_f64(double x) { return __builtin_wasm_trunc_saturate_s_i64_f64(x); }
static uint64_t sat_u64_f64(double x) { return (uint64_t)__builtin_wasm_trunc_saturate_u_i64_f64(x); }
static int32_t sat_i32_f32(float x) { return __builtin_wasm_trunc_saturate_s_i32_f32(x); }
static uint32_t sat_u32_f32(float x) { return (uint32_t)__builtin_wasm_trunc_saturate_u_i32_f32(x); }
static int64_t sat_i64_f32(float x) { return __builtin_wasm_trunc_saturate_s_i64_f32(x); }
static uint64_t sat_u64_f32(float x) { return (uint64_t)__builtin_wasm_trunc_saturate_u_i64_f32(x); }
#else
/* bounds: x must be > lo and < hi (both exactly representable) to convert */
#define SAT(name, T, FT, lo, hi, minv, maxv)                             \
	static T name(FT x)                                              \
	{                                                                \
		if (x != x) return 0;                                    \
		if (!(x > (FT)(lo))) return (minv);                      \
		if (!(x < (FT)(hi))) return (maxv);                      \
		return (T)x;                                             \
	}
SAT(sat_i32_f64, int32_t, double, -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX)
SAT(sat_u32_f64, uint32_t, double, -1.0, 4294967296.0, 0, UINT32_MAX)
SAT(sat_i64_f64, int64_t, double, -9223372036854777856.0, 9223372036854775808.0, INT64_MIN, INT64_MAX)
SAT(sat_u64_f64, uint64_t, double, -1.0, 18446744073709551616.0, 0, UINT64_MAX)
SAT(sat_i32_f32, int32_t, float, -2147483904.0f, 2147483648.0f, INT32_MIN, INT32_MAX)
SAT(sat_u32_f32, uint32_t, float, -1.0f, 4294967296.0f, 0, UINT32_MAX)
SAT(sat_i64_f32, int64_t, float, -9223373136366403584.0f, 9223372036854775808.0f, INT64_MIN, INT64_MAX)
SAT(sat_u64_f32, uint64_t, float, -1.0f, 18446744073709551616.0f, 0, UINT64_MAX)
#endif
/* -9223372036854777856.0 is the next double below -2^63; -2147483904.0f the next float below
 * -2^31 etc.: values strictly between them and the upper bound truncate into range. */

static volatile double vsink;
static double opq(double x) { vsink = x; return vsink; }

typedef struct { int32_t lo, hi; } pair32;
typedef struct { int64_t q; double f; uint8_t tag; } mixed;
__attribute__((noinline)) static pair32 split(uint64_t v) { pair32 p = {(int32_t)(uint32_t)v, (int32_t)(uint32_t)(v >> 32)}; return p; }
__attribute__((noinline)) static mixed mk(pair32 p, double scale)
{
	mixed m = {(int64_t)p.hi * 65536 + p.lo, scale * p.lo, (uint8_t)(p.lo ^ p.hi)};
	return m;
}
__attribute__((noinline)) static pair32 swap(pair32 p) { pair32 r = {p.hi, p.lo}; return r; }

__attribute__((noinline)) static int32_t sx8(int32_t x) { return (int8_t)x; }
__attribute__((noinline)) static int32_t sx16(int32_t x) { return (int16_t)x; }
__attribute__((noinline)) static int64_t sx8_64(int64_t x) { return (int8_t)x; }
__attribute__((noinline)) static int64_t sx16_64(int64_t x) { return (int16_t)x; }
__attribute__((noinline)) static int64_t sx32_64(int64_t x) { return (int32_t)x; }

int main(void)
{
	static const double dv[] = {0.0, -0.0, 0.9, -0.9, 1.5, -1.5, 255.75, -129.5, 65535.9, 2147483647.0, 2147483647.9,
				    2147483648.0, -2147483648.0, -2147483648.9, -2147483649.0, 4294967295.5, 4294967296.0,
				    1e10, -1e10, 9223372036854774784.0, 9223372036854775808.0, -9223372036854775808.0,
				    -9223372036854777856.0, 18446744073709549568.0, 18446744073709551616.0, 1e30, -1e30};
	double extra[4];
	extra[0] = opq(INFINITY); extra[1] = -extra[0]; extra[2] = opq(NAN); extra[3] = -extra[2];
	for (unsigned i = 0; i < sizeof dv / sizeof dv[0] + 4; i++) {
		double x = i < sizeof dv / sizeof dv[0] ? opq(dv[i]) : extra[i - sizeof dv / sizeof dv[0]];
		float f = fabs(x) <= 3.4028234663852886e38 || isinf(x) || isnan(x) ? (float)x : (x > 0 ? INFINITY : -INFINITY);
		printf("%2u d: %d %u %lld %llu  f: %d %u %lld %llu\n", i, sat_i32_f64(x), sat_u32_f64(x), (long long)sat_i64_f64(x),
		       (unsigned long long)sat_u64_f64(x), sat_i32_f32(f), sat_u32_f32(f), (long long)sat_i64_f32(f),
		       (unsigned long long)sat_u64_f32(f));
	}
	/* ordinary in-range casts (trunc_sat under -mnontrapping-fptoint) in a loop */
	int64_t cs = 0;
	for (int i = -500; i < 500; i++) {
		double d = i * 1234.5678 + 0.5;
		float f = (float)i * 0.37f;
		cs += (int32_t)d + (int64_t)(d * 1000.0) + (int32_t)f + (int64_t)(f * 3.0f);
		if (i >= 0) cs += (int64_t)((uint32_t)d + (uint64_t)(d * 7.0));
	}
	printf("cast sum %lld\n", (long long)cs);

	/* sign extension of computed register values */
	uint32_t h = 0; uint64_t h64 = 0;
	for (uint32_t i = 0; i < 70000; i += 7) {
		uint32_t v = i * 2654435761u;
		h = h * 31 + (uint32_t)sx8((int32_t)v) + (uint32_t)sx16((int32_t)(v >> 3));
		uint64_t w = (uint64_t)v << 29 | i;
		h64 = h64 * 1099511628211ull + (uint64_t)sx8_64((int64_t)w) + (uint64_t)sx16_64((int64_t)(w >> 5)) + (uint64_t)sx32_64((int64_t)(w * 3));
	}
	printf("sx: %d %d %lld %lld %lld hash %08x %016llx\n", sx8(0x80), sx16(0x18000), (long long)sx8_64(0x7f), (long long)sx16_64(0xffff8000ll),
	       (long long)sx32_64(0x80000000ll), h, (unsigned long long)h64);
	int8_t b8[32]; int16_t b16[32];
	for (int i = 0; i < 32; i++) { b8[i] = (int8_t)(i * 9 - 100); b16[i] = (int16_t)(i * 2100 - 30000); }
	uint64_t bs = 0;
	for (int i = 0; i < 32; i++) bs = bs * 3 + (uint64_t)(b8[i] * (int64_t)b16[31 - i] + (int8_t)(b8[i] * 2) + (int16_t)(b16[i] * 3));
	printf("narrow sum %016llx\n", (unsigned long long)bs);

	/* bulk memory: constant and variable sizes, overlapping moves, fills */
	static uint8_t mem[4096], ref[4096];
	for (int i = 0; i < 4096; i++) mem[i] = ref[i] = (uint8_t)(i * 7 + 3);
	uint32_t r = 12345;
	for (int k = 0; k < 300; k++) {
		r = r * 1103515245u + 12345u;
		size_t a = (r >> 8) % 2000, b = (r >> 3) % 2000, n = (r >> 16) % 1500;
		switch (k % 5) {
		case 0: memmove(mem + a, mem + b, n); memmove(ref + a, ref + b, n); break;
		case 1: memset(mem + a, (int)(r & 0x1ff), n); for (size_t i = 0; i < n; i++) ref[a + i] = (uint8_t)(r & 0xff); break;
		case 2: memcpy(mem + 2048 + a / 2, mem + b / 2, n / 2); memcpy(ref + 2048 + a / 2, ref + b / 2, n / 2); break;
		case 3: memmove(mem + a + 1, mem + a, 64); memmove(ref + a + 1, ref + a, 64); break;
		default: memset(mem + a, 0, 0); memcpy(mem + b, mem + a, 0); memset(mem + 4000, 0xA5, 96); memset(ref + 4000, 0xA5, 96); break;
		}
	}
	uint32_t mh = 0;
	for (int i = 0; i < 4096; i++) mh = mh * 131 + mem[i];
	printf("bulk hash %08x equal %d mem[100] %u mem[4095] %u\n", mh, memcmp(mem, ref, sizeof mem) == 0, mem[100], mem[4095]);
	struct { uint64_t a[5]; uint8_t b[3]; } s1, s2;
	memset(&s1, 0x5c, sizeof s1);
	s1.a[2] = 42;
	s2 = s1; /* aggregate copy */
	printf("struct copy %llu %u %llu\n", (unsigned long long)s2.a[2], s2.b[1], (unsigned long long)s2.a[4]);

	/* multi-value style returns */
	int64_t ms = 0;
	double mf = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		uint64_t v = (uint64_t)i * 0x9e3779b97f4a7c15ull;
		pair32 p = split(v);
		pair32 q = swap(p);
		mixed m = mk(q, 0.001 * i);
		ms = (int64_t)((uint64_t)ms * 3 + (uint64_t)m.q + m.tag);
		mf += m.f;
		if (i == 999) printf("last: lo %d hi %d q %lld f %.17g tag %u\n", p.lo, p.hi, (long long)m.q, m.f, m.tag);
	}
	printf("mv sum %lld %.17g\n", (long long)ms, mf);
	return 0;
}
