/* 64- and 32-bit integer arithmetic: mul/div/rem signed and unsigned over edge values,
 * shifts and rotates by every amount, popcount/clz/ctz builtins, comparisons, widening
 * and narrowing conversions, 128-bit multiply via compiler-rt. No UB: INT64_MIN / -1 and
 * division by zero are skipped; signed overflow is avoided by computing in unsigned. */
// engine_programs: skip mv (clang 14 builds an invalid module: __int128 libcall ABI mismatch)
/* (__multi3 from wasi-libc returns through an sret pointer, the experimental-mv caller
 * expects multi-value results; wasm-validate rejects the module.) */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static const uint64_t vals[] = {
	0, 1, 2, 3, 7, 10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000u,
	0xffffffffu, 0x100000000ull, 0x123456789abcdef0ull, 0x7fffffffffffffffull,
	0x8000000000000000ull, 0x8000000000000001ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
	0xdeadbeefcafebabeull, 1000000007ull, 0xfffffffffffffff9ull /* -7 */, 0xffffffff00000000ull,
};
#define NV (sizeof vals / sizeof vals[0])

static uint64_t h = 0xcbf29ce484222325ull;
static void mixin(uint64_t v) { h = (h ^ v) * 0x100000001b3ull; h ^= h >> 29; }

static uint64_t rotl64(uint64_t x, unsigned n) { n &= 63; return n ? (x << n) | (x >> (64 - n)) : x; }
static uint64_t rotr64(uint64_t x, unsigned n) { n &= 63; return n ? (x >> n) | (x << (64 - n)) : x; }
static uint32_t rotl32(uint32_t x, unsigned n) { n &= 31; return (x << n) | (x >> ((32 - n) & 31)); }

/* keep the optimiser from folding everything at -O2 */
static uint64_t opaque(uint64_t v)
{
	volatile uint64_t t = v;
	return t;
}

int main(void)
{
	uint64_t cnt = 0;
	for (unsigned i = 0; i < NV; i++) {
		for (unsigned j = 0; j < NV; j++) {
			uint64_t a = opaque(vals[i]), b = opaque(vals[j]);
			int64_t sa = (int64_t)a, sb = (int64_t)b;
			mixin(a * b);
			mixin(a + b);
			mixin(a - b);
			if (b != 0) {
				mixin(a / b);
				mixin(a % b);
				if (!(sa == INT64_MIN && sb == -1)) {
					mixin((uint64_t)(sa / sb));
					mixin((uint64_t)(sa % sb));
				}
			}
			uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
			int32_t sa32 = (int32_t)a32, sb32 = (int32_t)b32;
			mixin(a32 * b32);
			if (b32 != 0) {
				mixin(a32 / b32);
				mixin(a32 % b32);
				if (!(sa32 == INT32_MIN && sb32 == -1)) {
					mixin((uint64_t)(int64_t)(sa32 / sb32));
					mixin((uint64_t)(int64_t)(sa32 % sb32));
				}
			}
			mixin((uint64_t)(sa < sb) | (uint64_t)(a < b) << 1 | (uint64_t)(sa32 <= sb32) << 2 |
			      (uint64_t)(a32 >= b32) << 3 | (uint64_t)(a == b) << 4);
			/* widening 32x32->64 */
			mixin((uint64_t)a32 * b32);
			mixin((uint64_t)((int64_t)sa32 * sb32));
			unsigned __int128 p = (unsigned __int128)a * b;
			mixin((uint64_t)(p >> 64));
			__int128 sp = (__int128)sa * sb;
			mixin((uint64_t)(sp >> 64));
			cnt++;
		}
		if (i % 5 == 0) printf("after row %2u: %016" PRIx64 "\n", i, h);
	}
	printf("pairs %" PRIu64 " hash %016" PRIx64 "\n", cnt, h);

	/* selected visible results */
	int64_t m = (int64_t)opaque((uint64_t)INT64_MIN);
	printf("INT64_MIN/2=%" PRId64 " INT64_MIN%%3=%" PRId64 " -7/2=%" PRId64 " -7%%2=%" PRId64 "\n",
	       m / 2, m % 3, (int64_t)opaque((uint64_t)-7) / 2, (int64_t)opaque((uint64_t)-7) % 2);
	printf("INT64_MIN%%-2=%" PRId64 " UMAX/3=%" PRIu64 " UMAX%%10=%" PRIu64 "\n",
	       m % (int64_t)opaque((uint64_t)-2), opaque(UINT64_MAX) / 3, opaque(UINT64_MAX) % 10);
	int32_t m32 = (int32_t)opaque(0x80000000u);
	printf("INT32_MIN/7=%d INT32_MIN%%-3=%d\n", m32 / 7, m32 % (int32_t)opaque(0xfffffffdu));

	/* shifts and rotates by every amount */
	for (unsigned s = 0; s < 64; s++) {
		uint64_t v = opaque(0x8123456789abcdefull);
		int64_t sv = (int64_t)v;
		mixin(v << s); mixin(v >> s); mixin((uint64_t)(sv >> s));
		mixin(rotl64(v, s)); mixin(rotr64(v, s));
		uint32_t w = (uint32_t)opaque(0x87654321u);
		unsigned s32 = s & 31;
		mixin(w << s32); mixin(w >> s32); mixin((uint64_t)(int64_t)((int32_t)w >> s32));
		mixin(rotl32(w, s));
		if (s % 13 == 0)
			printf("s=%2u shl %016" PRIx64 " shr %016" PRIx64 " sar %016" PRIx64 " rotl %016" PRIx64
			       " rotl32 %08x\n", s, v << s, v >> s, (uint64_t)(sv >> s), rotl64(v, s), rotl32(w, s));
	}
	printf("shift hash %016" PRIx64 "\n", h);

	/* bit counting */
	for (unsigned i = 0; i < NV; i++) {
		uint64_t v = opaque(vals[i]);
		uint32_t v32 = (uint32_t)v;
		int pc = __builtin_popcountll(v), pc32 = __builtin_popcount(v32);
		int clz = v ? __builtin_clzll(v) : 64, ctz = v ? __builtin_ctzll(v) : 64;
		int clz32 = v32 ? __builtin_clz(v32) : 32, ctz32 = v32 ? __builtin_ctz(v32) : 32;
		int par = __builtin_parityll(v);
		int ffs = __builtin_ffsll((long long)v);
		printf("%016" PRIx64 " pc %2d/%2d clz %2d/%2d ctz %2d/%2d par %d ffs %2d bswap %016" PRIx64 "\n",
		       v, pc, pc32, clz, clz32, ctz, ctz32, par, ffs, __builtin_bswap64(v));
	}

	/* conversions */
	for (unsigned i = 0; i < NV; i++) {
		uint64_t v = opaque(vals[i]);
		int8_t b8 = (int8_t)v; int16_t b16 = (int16_t)v; int32_t b32 = (int32_t)v;
		uint8_t u8 = (uint8_t)v; uint16_t u16 = (uint16_t)v;
		int64_t e = (int64_t)b8 + (int64_t)b16 * 3 + (int64_t)b32 * 5 + u8 + u16;
		mixin((uint64_t)e);
	}
	printf("conv hash %016" PRIx64 "\n", h);

	/* a simple 64-bit modular exponentiation and gcd */
	uint64_t base = opaque(123456789), mod = opaque(1000000007ull), r = 1, e = opaque(0xfedcba987ull);
	while (e) { if (e & 1) r = r * base % mod; base = base * base % mod; e >>= 1; }
	uint64_t g1 = opaque(0x123456789abcdull * 6), g2 = opaque(0x123456789abcdull * 10);
	while (g2) { uint64_t t = g1 % g2; g1 = g2; g2 = t; }
	printf("modexp %" PRIu64 " gcd %" PRIx64 "\n", r, g1);
	return 0;
}
