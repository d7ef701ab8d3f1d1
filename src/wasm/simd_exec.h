/* The v128 value for the interpreter: GCC/Clang vector types (which compile to SSE2 on
 * x86-64) and the lane operations that are more than one vector expression. Used only by
 * interp_simd.inc. Where SSE2 has the instruction (saturating add/sub, pack, movemask, sqrt,
 * min/max of u8 and i16) it is used through its intrinsic; other hosts take the portable
 * vector or lane-by-lane form. Lane-by-lane loops remain only where SSE2 has no instruction
 * (float rounding, saturating float-to-int, shuffles without SSSE3). The saturating
 * float-to-int conversions are interp.c's scalar ones (sat_i32_f64, sat_u32_f64). */
#ifndef XW_SIMD_EXEC_H
#define XW_SIMD_EXEC_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#include <tmmintrin.h>
#endif

typedef int8_t xv_i8 __attribute__((vector_size(16)));
typedef uint8_t xv_u8 __attribute__((vector_size(16)));
typedef int16_t xv_i16 __attribute__((vector_size(16)));
typedef uint16_t xv_u16 __attribute__((vector_size(16)));
typedef int32_t xv_i32 __attribute__((vector_size(16)));
typedef uint32_t xv_u32 __attribute__((vector_size(16)));
typedef int64_t xv_i64 __attribute__((vector_size(16)));
typedef uint64_t xv_u64 __attribute__((vector_size(16)));
typedef float xv_f32 __attribute__((vector_size(16)));
typedef double xv_f64 __attribute__((vector_size(16)));
/* half vectors (8 bytes) for the widening operations */
typedef int8_t xh_i8 __attribute__((vector_size(8)));
typedef uint8_t xh_u8 __attribute__((vector_size(8)));
typedef int16_t xh_i16 __attribute__((vector_size(8)));
typedef uint16_t xh_u16 __attribute__((vector_size(8)));
typedef int32_t xh_i32 __attribute__((vector_size(8)));
typedef uint32_t xh_u32 __attribute__((vector_size(8)));

/* Unaligned, aliasing views for moves to and from slots (8-byte aligned) and linear memory
 * (any alignment). No local's address is taken, which keeps the interpreter's frame small
 * (sanitizer builds give every address-taken local its own guarded stack slot). */
typedef uint64_t xv_u64_un __attribute__((vector_size(16), aligned(1), may_alias));
typedef uint16_t xs_u16_un __attribute__((aligned(1), may_alias));
typedef uint32_t xs_u32_un __attribute__((aligned(1), may_alias));
typedef uint64_t xs_u64_un __attribute__((aligned(1), may_alias));
static inline xv_u64 xv_load(const void *p) { return *(const xv_u64_un *)p; }
static inline void xv_store(void *p, xv_u64 v) { *(xv_u64_un *)p = v; }

/* Lane-wise select: m's lanes are all ones or all zeros. */
static inline xv_u64 xv_blend(xv_u64 m, xv_u64 a, xv_u64 b) { return (a & m) | (b & ~m); }
#define XV_MIN(T, a, b) ((T)xv_blend((xv_u64)((a) < (b)), (xv_u64)(a), (xv_u64)(b)))
#define XV_MAX(T, a, b) ((T)xv_blend((xv_u64)((a) > (b)), (xv_u64)(a), (xv_u64)(b)))

/* Widening: the low or high 8 bytes converted lane by lane to twice the width. */
#define XV_HALF(HT, v, hi) ((HT)((xv_u64)(v))[hi])
#define XV_WIDEN(HT, WT, v, hi) __builtin_convertvector(XV_HALF(HT, v, hi), WT)

static inline xv_u8 xv_popcnt8(xv_u8 x)
{
	x = x - ((x >> 1) & 0x55);
	x = (x & 0x33) + ((x >> 2) & 0x33);
	return (x + (x >> 4)) & 0x0f;
}

static inline uint32_t xv_any_zero_lane(xv_u64 eqz) { return (eqz[0] | eqz[1]) != 0; }

static inline uint32_t xv_bitmask8(xv_i8 a)
{
#ifdef __SSE2__
	return (uint32_t)_mm_movemask_epi8((__m128i)a);
#else
	uint32_t r = 0;
	for (int i = 0; i < 16; i++)
		r |= (uint32_t)(a[i] < 0) << i;
	return r;
#endif
}
static inline uint32_t xv_bitmask16(xv_i16 a)
{
#ifdef __SSE2__
	return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16((__m128i)a, _mm_setzero_si128())) & 0xff;
#else
	uint32_t r = 0;
	for (int i = 0; i < 8; i++)
		r |= (uint32_t)(a[i] < 0) << i;
	return r;
#endif
}
static inline uint32_t xv_bitmask32(xv_i32 a)
{
#ifdef __SSE2__
	return (uint32_t)_mm_movemask_ps((__m128)a);
#else
	uint32_t r = 0;
	for (int i = 0; i < 4; i++)
		r |= (uint32_t)(a[i] < 0) << i;
	return r;
#endif
}
static inline uint32_t xv_bitmask64(xv_i64 a)
{
	return (uint32_t)(a[0] < 0) | (uint32_t)(a[1] < 0) << 1;
}

/* Saturating add/sub. */
#ifdef __SSE2__
#define XV_SAT(fn, T, a, b) ((T)fn((__m128i)(a), (__m128i)(b)))
static inline xv_i8 xv_add_sat_s8(xv_i8 a, xv_i8 b) { return XV_SAT(_mm_adds_epi8, xv_i8, a, b); }
static inline xv_u8 xv_add_sat_u8(xv_u8 a, xv_u8 b) { return XV_SAT(_mm_adds_epu8, xv_u8, a, b); }
static inline xv_i8 xv_sub_sat_s8(xv_i8 a, xv_i8 b) { return XV_SAT(_mm_subs_epi8, xv_i8, a, b); }
static inline xv_u8 xv_sub_sat_u8(xv_u8 a, xv_u8 b) { return XV_SAT(_mm_subs_epu8, xv_u8, a, b); }
static inline xv_i16 xv_add_sat_s16(xv_i16 a, xv_i16 b) { return XV_SAT(_mm_adds_epi16, xv_i16, a, b); }
static inline xv_u16 xv_add_sat_u16(xv_u16 a, xv_u16 b) { return XV_SAT(_mm_adds_epu16, xv_u16, a, b); }
static inline xv_i16 xv_sub_sat_s16(xv_i16 a, xv_i16 b) { return XV_SAT(_mm_subs_epi16, xv_i16, a, b); }
static inline xv_u16 xv_sub_sat_u16(xv_u16 a, xv_u16 b) { return XV_SAT(_mm_subs_epu16, xv_u16, a, b); }
#else
#define XV_SAT_LANES(name, T, N, WT, OP, LO, HI)                                               \
	static inline T name(T a, T b)                                                      \
	{                                                                                   \
		T r;                                                                        \
		for (int i = 0; i < N; i++) {                                               \
			WT x = (WT)a[i] OP (WT)b[i];                                        \
			r[i] = x < LO ? LO : x > HI ? HI : x;                               \
		}                                                                           \
		return r;                                                                   \
	}
XV_SAT_LANES(xv_add_sat_s8, xv_i8, 16, int32_t, +, -128, 127)
XV_SAT_LANES(xv_add_sat_u8, xv_u8, 16, int32_t, +, 0, 255)
XV_SAT_LANES(xv_sub_sat_s8, xv_i8, 16, int32_t, -, -128, 127)
XV_SAT_LANES(xv_sub_sat_u8, xv_u8, 16, int32_t, -, 0, 255)
XV_SAT_LANES(xv_add_sat_s16, xv_i16, 8, int32_t, +, -32768, 32767)
XV_SAT_LANES(xv_add_sat_u16, xv_u16, 8, int32_t, +, 0, 65535)
XV_SAT_LANES(xv_sub_sat_s16, xv_i16, 8, int32_t, -, -32768, 32767)
XV_SAT_LANES(xv_sub_sat_u16, xv_u16, 8, int32_t, -, 0, 65535)
#endif

/* Narrowing with signed saturation (s) or unsigned saturation of signed input (u). */
static inline xv_i8 xv_narrow16_s(xv_i16 a, xv_i16 b)
{
#ifdef __SSE2__
	return (xv_i8)_mm_packs_epi16((__m128i)a, (__m128i)b);
#else
	xv_i8 r;
	for (int i = 0; i < 16; i++) {
		int16_t x = i < 8 ? a[i] : b[i - 8];
		r[i] = (int8_t)(x < -128 ? -128 : x > 127 ? 127 : x);
	}
	return r;
#endif
}
static inline xv_u8 xv_narrow16_u(xv_i16 a, xv_i16 b)
{
#ifdef __SSE2__
	return (xv_u8)_mm_packus_epi16((__m128i)a, (__m128i)b);
#else
	xv_u8 r;
	for (int i = 0; i < 16; i++) {
		int16_t x = i < 8 ? a[i] : b[i - 8];
		r[i] = (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
	}
	return r;
#endif
}
static inline xv_i16 xv_narrow32_s(xv_i32 a, xv_i32 b)
{
#ifdef __SSE2__
	return (xv_i16)_mm_packs_epi32((__m128i)a, (__m128i)b);
#else
	xv_i16 r;
	for (int i = 0; i < 8; i++) {
		int32_t x = i < 4 ? a[i] : b[i - 4];
		r[i] = (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x);
	}
	return r;
#endif
}
static inline xv_u16 xv_narrow32_u(xv_i32 a, xv_i32 b)
{
	/* packusdw is SSE4.1: clamp to 0..65535 as vectors, shift into the signed range, pack
	 * (which then cannot saturate) and shift back */
	const xv_i32 zero = { 0, 0, 0, 0 }, top = { 65535, 65535, 65535, 65535 };
	a = XV_MIN(xv_i32, XV_MAX(xv_i32, a, zero), top) - 32768;
	b = XV_MIN(xv_i32, XV_MAX(xv_i32, b, zero), top) - 32768;
	return (xv_u16)xv_narrow32_s(a, b) ^ 0x8000;
}
/* The mask of one lane: bytes [lane * n, lane * n + n) set, for n = 1, 2, 4, 8 (rows 0..3). */
#define XV_MB(i, f, n) (uint8_t)((i) >= (f) && (i) < (f) + (n) ? 0xff : 0)
#define XV_M(f, n) { XV_MB(0, f, n), XV_MB(1, f, n), XV_MB(2, f, n), XV_MB(3, f, n),          \
		     XV_MB(4, f, n), XV_MB(5, f, n), XV_MB(6, f, n), XV_MB(7, f, n),          \
		     XV_MB(8, f, n), XV_MB(9, f, n), XV_MB(10, f, n), XV_MB(11, f, n),        \
		     XV_MB(12, f, n), XV_MB(13, f, n), XV_MB(14, f, n), XV_MB(15, f, n) }
#define XV_ROW(n) { XV_M(0, n), XV_M(n, n), XV_M(2 * n, n), XV_M(3 * n, n), XV_M(4 * n, n),     \
		    XV_M(5 * n, n), XV_M(6 * n, n), XV_M(7 * n, n), XV_M(8 * n, n), XV_M(9 * n, n), \
		    XV_M(10 * n, n), XV_M(11 * n, n), XV_M(12 * n, n), XV_M(13 * n, n),         \
		    XV_M(14 * n, n), XV_M(15 * n, n) }
static const uint8_t xv_lane_masks[4][16][16] __attribute__((aligned(16))) = {
	XV_ROW(1), XV_ROW(2), XV_ROW(4), XV_ROW(8),
};
#undef XV_ROW
#undef XV_M
#undef XV_MB
static inline xv_u64 xv_lane_mask(unsigned lane, unsigned n)
{
	return xv_load(xv_lane_masks[n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3][lane]);
}
/* v with lane `lane` (of n bytes) replaced by the value that `splat` holds in every lane:
 * vector operations only (writing one lane through memory would stall the next load). */
#define XV_SET_LANE(v, lane, n, splat) xv_blend(xv_lane_mask(lane, n), (xv_u64)(splat), (xv_u64)(v))

/* Byte permutations: pshufb (SSSE3) when the CPU has it, else byte by byte. The lane loops
 * are kept out of line: they index vectors by variables, which needs them in memory. */
#ifdef __SSE2__
__attribute__((target("ssse3"), noinline)) static xv_u8 xv_swizzle_ssse3(xv_u8 a, xv_u8 idx)
{
	/* pshufb zeroes a byte whose index has bit 7 set: 16..255 + 0x70 saturates there */
	__m128i i = _mm_adds_epu8((__m128i)idx, _mm_set1_epi8(0x70));
	return (xv_u8)_mm_shuffle_epi8((__m128i)a, i);
}
__attribute__((target("ssse3"), noinline)) static xv_u8 xv_shuffle_ssse3(xv_u8 a, xv_u8 b, xv_u8 ma, xv_u8 mb)
{
	return (xv_u8)_mm_or_si128(_mm_shuffle_epi8((__m128i)a, (__m128i)ma),
				   _mm_shuffle_epi8((__m128i)b, (__m128i)mb));
}
#define XV_HAVE_SSSE3() __builtin_cpu_supports("ssse3")
#else
#define XV_HAVE_SSSE3() 0
#define xv_swizzle_ssse3(a, idx) (a)
#define xv_shuffle_ssse3(a, b, ma, mb) (a)
#endif
__attribute__((noinline)) static xv_u8 xv_swizzle_lanes(xv_u8 a, xv_u8 idx)
{
	xv_u8 r;
	for (int i = 0; i < 16; i++)
		r[i] = idx[i] < 16 ? a[idx[i] & 15] : 0;
	return r;
}
/* ma, mb: per result byte, the byte of a (of b) to take, or bit 7 set for none */
__attribute__((noinline)) static xv_u8 xv_shuffle_lanes(xv_u8 a, xv_u8 b, xv_u8 ma, xv_u8 mb)
{
	xv_u8 r;
	for (int i = 0; i < 16; i++)
		r[i] = ma[i] < 16 ? a[ma[i]] : b[mb[i] & 15];
	return r;
}
static inline xv_u8 xv_swizzle(xv_u8 a, xv_u8 idx)
{
	return XV_HAVE_SSSE3() ? xv_swizzle_ssse3(a, idx) : xv_swizzle_lanes(a, idx);
}
static inline xv_u8 xv_shuffle(xv_u8 a, xv_u8 b, xv_u8 ma, xv_u8 mb)
{
	return XV_HAVE_SSSE3() ? xv_shuffle_ssse3(a, b, ma, mb) : xv_shuffle_lanes(a, b, ma, mb);
}

__attribute__((noinline)) static xv_i16 xv_q15mulr(xv_i16 a, xv_i16 b)
{
	xv_i16 r;
	for (int i = 0; i < 8; i++) {
		int32_t x = ((int32_t)a[i] * b[i] + 0x4000) >> 15;
		r[i] = (int16_t)(x > 32767 ? 32767 : x);
	}
	return r;
}

static inline xv_i32 xv_dot16(xv_i16 a, xv_i16 b)
{
#ifdef __SSE2__
	return (xv_i32)_mm_madd_epi16((__m128i)a, (__m128i)b);
#else
	xv_u32 ae = (xv_u32)(((xv_i32)a << 16) >> 16), ao = (xv_u32)((xv_i32)a >> 16);
	xv_u32 be = (xv_u32)(((xv_i32)b << 16) >> 16), bo = (xv_u32)((xv_i32)b >> 16);
	return (xv_i32)(ae * be + ao * bo);
#endif
}

/* WebAssembly min/max: NaN if either is NaN, -0 below +0. mask(a == b) picks the OR (min)
 * or AND (max) of the bits, which orders the zeros. */
#define XV_FMINMAX(name, FT, IT, CMP, EQOP)                                                  \
	static inline FT name(FT a, FT b)                                                   \
	{                                                                                   \
		IT nan = (a != a) | (b != b), pick = a CMP b, eq = a == b;                  \
		IT ia = (IT)a, ib = (IT)b;                                                  \
		IT r = (pick & ia) | (~pick & ~eq & ib) | (eq & (ia EQOP ib));              \
		return (FT)((nan & (IT)(a + b)) | (~nan & r));                              \
	}
XV_FMINMAX(xv_fmin32, xv_f32, xv_i32, <, |)
XV_FMINMAX(xv_fmax32, xv_f32, xv_i32, >, &)
XV_FMINMAX(xv_fmin64, xv_f64, xv_i64, <, |)
XV_FMINMAX(xv_fmax64, xv_f64, xv_i64, >, &)

static inline xv_f32 xv_sqrt32(xv_f32 a)
{
#ifdef __SSE2__
	return (xv_f32)_mm_sqrt_ps((__m128)a);
#else
	for (int i = 0; i < 4; i++)
		a[i] = sqrtf(a[i]);
	return a;
#endif
}
static inline xv_f64 xv_sqrt64(xv_f64 a)
{
#ifdef __SSE2__
	return (xv_f64)_mm_sqrt_pd((__m128d)a);
#else
	for (int i = 0; i < 2; i++)
		a[i] = sqrt(a[i]);
	return a;
#endif
}

/* Rounding lane by lane (roundps is SSE4.1). The library functions may return a
 * signalling NaN as it is: NaN lanes take a + a instead, which quiets them. */
#define XV_ROUND(name, FT, N, fn)                                                            \
	__attribute__((noinline)) static FT name(FT a)                                      \
	{                                                                                   \
		FT r;                                                                       \
		for (int i = 0; i < N; i++)                                                 \
			r[i] = fn(a[i]);                                                    \
		return (FT)xv_blend((xv_u64)(a != a), (xv_u64)(a + a), (xv_u64)r);          \
	}
XV_ROUND(xv_ceil32, xv_f32, 4, ceilf)
XV_ROUND(xv_floor32, xv_f32, 4, floorf)
XV_ROUND(xv_trunc32, xv_f32, 4, truncf)
XV_ROUND(xv_nearest32, xv_f32, 4, nearbyintf)
XV_ROUND(xv_ceil64, xv_f64, 2, ceil)
XV_ROUND(xv_floor64, xv_f64, 2, floor)
XV_ROUND(xv_trunc64, xv_f64, 2, trunc)
XV_ROUND(xv_nearest64, xv_f64, 2, nearbyint)

#endif
