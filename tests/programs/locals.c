/* Register pressure and calling conventions: a fully unrolled 4x4 integer and double matrix
 * multiply, a function with ~40 simultaneously live variables, long mixed expressions,
 * small and large structs passed and returned by value (multi-value-ish returns), and
 * varargs functions (ints, long longs, doubles, va_copy, vsnprintf). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct { int32_t m[4][4]; } mat4i;
typedef struct { double m[4][4]; } mat4d;

#define R(i, j) (a.m[i][0] * b.m[0][j] + a.m[i][1] * b.m[1][j] + a.m[i][2] * b.m[2][j] + a.m[i][3] * b.m[3][j])
static mat4i mul4i(mat4i a, mat4i b)
{
	mat4i c = {{{R(0, 0), R(0, 1), R(0, 2), R(0, 3)}, {R(1, 0), R(1, 1), R(1, 2), R(1, 3)},
		    {R(2, 0), R(2, 1), R(2, 2), R(2, 3)}, {R(3, 0), R(3, 1), R(3, 2), R(3, 3)}}};
	return c;
}
static mat4d mul4d(mat4d a, mat4d b)
{
	mat4d c = {{{R(0, 0), R(0, 1), R(0, 2), R(0, 3)}, {R(1, 0), R(1, 1), R(1, 2), R(1, 3)},
		    {R(2, 0), R(2, 1), R(2, 2), R(2, 3)}, {R(3, 0), R(3, 1), R(3, 2), R(3, 3)}}};
	return c;
}
#undef R

/* 40 live values: each depends on the seed, all combined at the end in a non-associative way */
static uint32_t many_live(uint32_t s)
{
	uint32_t v0 = s * 3 + 1, v1 = s ^ 0x5555, v2 = s >> 3, v3 = s * s, v4 = s + 77, v5 = ~s, v6 = s << 7, v7 = s * 11;
	uint32_t v8 = v0 ^ v1, v9 = v1 + v2, v10 = v2 * v3, v11 = v3 - v4, v12 = v4 ^ v5, v13 = v5 + v6, v14 = v6 - v7, v15 = v7 * v0;
	uint32_t v16 = v8 * 5 + v9, v17 = v9 ^ (v10 >> 2), v18 = v10 + v11 * 3, v19 = v11 ^ v12, v20 = v12 - v13, v21 = v13 * v14;
	uint32_t v22 = v14 + v15, v23 = v15 ^ v8, v24 = v16 - v17, v25 = v17 * 7, v26 = v18 ^ v19, v27 = v19 + v20;
	uint32_t v28 = v20 * v21, v29 = v21 ^ v22, v30 = v22 - v23, v31 = v23 + v24, v32 = v24 ^ v25, v33 = v25 * v26;
	uint32_t v34 = v26 + v27, v35 = v27 - v28, v36 = v28 ^ v29, v37 = v29 * v30, v38 = v30 + v31, v39 = v31 ^ v32;
	for (int i = 0; i < 3; i++) {
		v0 += v39; v1 ^= v38; v2 -= v37; v3 *= v36 | 1; v4 += v35 >> 1; v5 ^= v34; v6 += v33; v7 -= v32;
		v8 ^= v0; v9 += v1; v10 -= v2; v11 ^= v3; v12 += v4; v13 -= v5; v14 ^= v6; v15 += v7;
		v16 += v8 * 3; v17 ^= v9; v18 += v10; v19 -= v11; v20 ^= v12; v21 += v13; v22 -= v14; v23 ^= v15;
		v24 += v16; v25 ^= v17; v26 -= v18; v27 += v19; v28 ^= v20; v29 += v21; v30 -= v22; v31 ^= v23;
		v32 += v24; v33 ^= v25; v34 -= v26; v35 += v27; v36 ^= v28; v37 += v29; v38 -= v30; v39 ^= v31;
	}
	return ((((v0 ^ v1) + (v2 ^ v3)) * ((v4 ^ v5) + 1) - ((v6 + v7) ^ (v8 - v9))) ^ (v10 * v11 + v12 * v13 - v14 * v15)) +
	       (v16 ^ v17 ^ (v18 + v19)) * 31 + (v20 - v21 + (v22 ^ v23)) * 17 + (v24 + (v25 ^ v26) - v27) * 13 +
	       ((v28 * 3) ^ v29 ^ (v30 >> 5)) + (v31 ^ (v32 << 3)) + (v33 - v34 * v35) + (v36 ^ v37 ^ v38 ^ v39);
}

static double long_expr(double a, double b, double c, double d, double e, double f, double g, double h)
{
	return ((a + b) * (c - d) / (e + 10.0) - (f * g - h) * (a - c) + (b * d - e * f) / (g * g + 1.0)) *
		       ((h + a) / (b * b + c * c + 1.0)) -
	       (((a * b * c) - (d * e * f)) / ((g + h) * (g + h) + 2.0)) + ((a - b) * (c - d) * (e - f) * (g - h)) / 1024.0;
}

/* struct returns: small (2 x i32), medium (i64 + double), large (array) */
typedef struct { int32_t q, r; } divres;
typedef struct { int64_t sum; double mean; } stats;
typedef struct { uint16_t h[12]; uint8_t tag; } big;
static divres divmod(int32_t a, int32_t b) { divres d = {a / b, a % b}; return d; }
static stats stat(const int32_t *v, int n)
{
	stats s = {0, 0};
	for (int i = 0; i < n; i++) s.sum += v[i];
	s.mean = n ? (double)s.sum / n : 0;
	return s;
}
static big mkbig(uint32_t seed, big prev)
{
	big b;
	for (int i = 0; i < 12; i++) { seed = seed * 1103515245u + 12345u; b.h[i] = (uint16_t)((seed >> 16) ^ prev.h[11 - i]); }
	b.tag = (uint8_t)(prev.tag + 1);
	return b;
}

/* varargs */
static int64_t sum_ints(int n, ...)
{
	va_list ap;
	va_start(ap, n);
	int64_t s = 0;
	for (int i = 0; i < n; i++) s = s * 3 + va_arg(ap, int);
	va_end(ap);
	return s;
}
static double mixed(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	double s = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p == 'i') s += va_arg(ap, int);
		else if (*p == 'l') s += (double)va_arg(ap, long long);
		else if (*p == 'd') s = s * 2 + va_arg(ap, double);
		else if (*p == 's') s += (double)strlen(va_arg(ap, const char *));
	}
	/* walk again with the copy, only counting */
	int cnt = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p == 'i') cnt += va_arg(ap2, int) & 1;
		else if (*p == 'l') cnt += (int)(va_arg(ap2, long long) & 1);
		else if (*p == 'd') cnt += va_arg(ap2, double) > 0;
		else if (*p == 's') cnt += va_arg(ap2, const char *)[0] == 'x';
	}
	va_end(ap2);
	va_end(ap);
	return s + cnt * 1000;
}
__attribute__((format(printf, 3, 4))) static int fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	mat4i a, b;
	mat4d da, db;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			a.m[i][j] = (i * 4 + j) - 7; b.m[i][j] = (i == j) + (i ^ j);
			da.m[i][j] = 1.0 / (i + j + 1); db.m[i][j] = (i - j) * 0.25 + 1;
		}
	mat4i c = a;
	mat4d dc = da;
	for (int k = 0; k < 6; k++) { c = mul4i(c, b); dc = mul4d(dc, db); }
	for (int i = 0; i < 4; i++) printf("ci %d %d %d %d | cd %.17g %.17g %.17g %.17g\n", c.m[i][0], c.m[i][1], c.m[i][2], c.m[i][3],
					   dc.m[i][0], dc.m[i][1], dc.m[i][2], dc.m[i][3]);

	uint32_t h = 0;
	for (uint32_t s = 0; s < 2000; s++) { uint32_t r = many_live(s * 2654435761u); h = h * 31 + r; if (s < 3) printf("many_live(%u) = %08x\n", s, r); }
	printf("many_live hash %08x\n", h);

	double e = 0;
	for (int i = 0; i < 50; i++) {
		double x = i * 0.37 - 5;
		e += long_expr(x, x + 1, x * 2, -x, 3 - x, x / 3, 0.5 * x, 7);
	}
	printf("long_expr %.17g one %.17g\n", e, long_expr(1, 2, 3, 4, 5, 6, 7, 8));

	uint32_t q = 0;
	for (int32_t i = -50; i <= 50; i += 7) { divres d = divmod(i * 1000 + 3, (i % 9) ? i % 9 : 5); q = q * 7 + (uint32_t)d.q + (uint32_t)d.r * 100; printf("%d:%d ", d.q, d.r); }
	printf("\ndivmod acc %u\n", q);
	int32_t arr[100];
	for (int i = 0; i < 100; i++) arr[i] = i * i * (i % 2 ? -1 : 1) + 1000000 * (i % 7);
	stats st = stat(arr, 100);
	printf("stats sum %lld mean %.17g\n", (long long)st.sum, st.mean);
	big bg;
	memset(&bg, 0, sizeof bg);
	for (int i = 0; i < 10; i++) bg = mkbig((uint32_t)i, bg);
	printf("big tag %u h0 %u h5 %u h11 %u\n", bg.tag, bg.h[0], bg.h[5], bg.h[11]);

	printf("sum_ints %lld %lld\n", (long long)sum_ints(5, 1, -2, 3, -4, 5), (long long)sum_ints(12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -2147483647 - 1));
	printf("mixed %.17g\n", mixed("idlsdi", 7, 1.5, 1234567890123LL, "xyzzy", -0.25, 9));
	printf("mixed %.17g\n", mixed("ddddddddddiiiiiiiiiil", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -3LL));
	char buf[200];
	int n = fmt(buf, sizeof buf, "[%5d|%-6s|%08.3f|%+lld|%x|%c|%%|%.3e]", -42, "ab", 3.14159, 9000000000LL, 0xbeefu, 'Z', 12345.678);
	printf("fmt %d %s\n", n, buf);
	n = fmt(buf, 10, "%s-%s-%s", "truncated", "output", "here");
	printf("fmt trunc %d %s\n", n, buf);
	return 0;
}
