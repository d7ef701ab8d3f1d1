/* Floating point: float and double arithmetic, int<->float conversions within range
 * (signed/unsigned, 32/64-bit), sqrt, fmin/fmax, floor/ceil/trunc/round/rint/nearbyint,
 * fabs/copysign, comparisons incl. NaN/inf, a few numeric kernels (Newton, Horner,
 * Kahan summation, mandelbrot counts). Printed with %.17g, %.9g and %a. NaNs are never
 * printed (their sign is not portable), only tested. Subnormals are not printed with %a. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double vd; /* defeat constant folding */
static double opq(double x) { vd = x; return vd; }
static float opqf(float x) { volatile float t = x; return t; }

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static const double dv[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, -3.49999, 0.49999999999999994,
			    1e-300, 123456.789, -98765.4321, 4503599627370495.5, 4503599627370497.0, 1e15 + 0.3,
			    2147483647.0, -2147483648.0, 3.0e9, 1.8446744073709550e19, 9.2233720368547748e18, -9.2233720368547758e18,
			    0.1, 0.2, 0.3, 1.0 / 3.0, 6.02214076e23, 1e308, 2.2250738585072014e-308};
#define ND (sizeof dv / sizeof dv[0])

int main(void)
{
	double acc = 0;
	for (unsigned i = 0; i < ND; i++) {
		double x = opq(dv[i]);
		printf("%-24.17g fl %.17g ce %.17g tr %.17g ro %.17g ri %.17g nb %.17g\n", x, floor(x), ceil(x), trunc(x),
		       round(x), rint(x), nearbyint(x));
		double ax = fabs(x);
		double fx = ax <= 3.4028234663852886e38 ? (double)(float)x : 0.0; /* in-range narrowing only */
		printf("  sqrt %.17g cs %.17g a %a f %.9g fa %a\n", sqrt(ax), copysign(3.0, x),
		       ax >= 2.2250738585072014e-308 || ax == 0 ? ax : 1.0, fx,
		       fabs(fx) >= 1.1754943508222875e-38 || fx == 0 ? fx : 1.0);
		if (fabs(x) < 2147483647.0) {
			int32_t t = (int32_t)x;
			long long r = llround(x), ri = llrint(x);
			printf("  i32 %d llround %lld llrint %lld lrint %ld\n", t, r, ri, (long)lrint(x) == (long)ri ? 1L : 0L);
		}
		if (x >= 0 && x < 18446744073709551615.0) printf("  u64 %llu\n", (unsigned long long)(uint64_t)x);
		if (x > -9223372036854775808.0 - 1 && x < 9223372036854775807.0) printf("  i64 %lld\n", (long long)(int64_t)x);
		if (x >= 0 && x < 4294967295.0) printf("  u32 %u\n", (uint32_t)x);
		acc = acc * 0.5 + x * 1e-300;
	}
	printf("acc %.17g\n", acc);

	/* int -> float conversions, including values that need rounding */
	static const uint64_t iv[] = {0, 1, 16777216, 16777217, 16777219, 0x7fffffffu, 0x80000001u, 0xffffffffu,
				      9007199254740993ull, 0x7fffffffffffffffull, 0x8000000000000401ull,
				      0xfffffffffffff7ffull, 0xfffffffffffffbffull, 0xffffffffffffffffull, 0x20000000000021ull};
	for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++) {
		volatile uint64_t u = iv[i];
		int64_t s = (int64_t)u;
		uint32_t u32 = (uint32_t)u;
		int32_t s32 = (int32_t)u32;
		printf("%20llu -> d %.17g f %.9g sd %.17g sf %.9g u32d %.17g u32f %.9g s32f %.9g\n", (unsigned long long)u,
		       (double)u, (double)(float)u, (double)s, (double)(float)s, (double)u32, (double)(float)u32, (double)(float)s32);
	}

	/* fmin/fmax/compare with special values (no signed-zero ties for fmin/fmax) */
	double inf = opq(INFINITY), nan_ = opq(NAN);
	double sp[] = {1.0, -2.0, inf, -inf, nan_, 0.25};
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			double a = sp[i], b = sp[j];
			double mn = fmin(a, b), mx = fmax(a, b);
			printf("%d%d: min %s%.17g max %s%.17g lt %d le %d eq %d ne %d gt %d un %d\n", i, j, isnan(mn) ? "NaN" : "",
			       isnan(mn) ? 0.0 : mn, isnan(mx) ? "NaN" : "", isnan(mx) ? 0.0 : mx, a < b, a <= b, a == b, a != b, a > b,
			       isunordered(a, b));
		}
	printf("inf ops: %g %g %d %d %d\n", inf * 2, -inf + 1e308, isnan(inf - inf), isnan(0 * inf), isinf(1 / opq(0.0)));
	printf("sign of zero: %d %d %d\n", signbit(opq(-0.0) * 1.0), signbit(opq(0.0) * -1.0), signbit(opq(-0.0) + 0.0));

	/* float arithmetic */
	float fx = opqf(1.0f), fs = 0;
	for (int i = 1; i <= 200; i++) { fx = fx * 1.0009765625f + 1.0f / (float)i; fs += sqrtf(fx) - floorf(fx / 3.0f); }
	printf("float fx %.9g fs %.9g bits %08x %08x\n", (double)fx, (double)fs, fbits(fx), fbits(fs));
	float fm = fminf(opqf(-3.5f), opqf(2.0f)), fM = fmaxf(opqf(-3.5f), opqf(2.0f));
	printf("fminf %a fmaxf %a truncf %a roundf %a rintf %a ceilf %a\n", (double)fm, (double)fM, (double)truncf(opqf(-7.75f)),
	       (double)roundf(opqf(-2.5f)), (double)rintf(opqf(-2.5f)), (double)ceilf(opqf(-0.25f) + 5.0f));

	/* Kahan vs naive summation, Horner polynomial, Newton sqrt */
	double naive = 0, ks = 0, kc = 0;
	for (int i = 1; i <= 100000; i++) {
		double term = 1.0 / ((double)i * i);
		naive += term;
		double y = term - kc, t = ks + y;
		kc = (t - ks) - y;
		ks = t;
	}
	printf("naive %.17g kahan %.17g diff %a\n", naive, ks, ks - naive);
	static const double coef[] = {1.0, -0.5, 0.3333333333333333, -0.25, 0.2, -0.16666666666666666, 0.14285714285714285};
	for (double xx = -1.0; xx <= 1.0; xx += 0.375) {
		double p = 0;
		for (int k = 6; k >= 0; k--) p = p * xx + coef[k];
		double r = opq(xx * xx + 2), g = r;
		for (int k = 0; k < 6; k++) g = 0.5 * (g + r / g);
		printf("x %.17g horner %.17g newton %.17g sqrt %.17g\n", xx, p, g, sqrt(r));
	}
	int total = 0;
	for (int py = 0; py < 24; py++) {
		for (int px = 0; px < 48; px++) {
			double cr = -2.0 + px * (2.6 / 48), ci = -1.2 + py * (2.4 / 24), zr = 0, zi = 0;
			int it = 0;
			while (it < 200 && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; it++; }
			total += it;
			if (py == 12 && px % 8 == 0) printf("%d ", it);
		}
	}
	printf("mandel total %d\n", total);
	printf("bits: %016llx %016llx %08x\n", (unsigned long long)bits(opq(0.1) + opq(0.2)), (unsigned long long)bits(opq(1e300) * 1e10),
	       fbits((float)opq(3.4028234663852886e38)) ^ fbits((float)opq(1.0000000596046448)));
	return 0;
}
