/* Data-processing loops: an LZ77-style compressor/decompressor (hash chains, overlapping
 * back-references copied byte by byte), base64 encode/decode, run-length coding, and
 * multi-precision arithmetic (factorial and Fibonacci with 32-bit limbs and 64-bit
 * intermediates, decimal conversion by repeated division). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HBITS 12
static size_t lz_compress(const uint8_t *in, size_t n, uint8_t *out)
{
	int32_t *head = malloc(sizeof(int32_t) << HBITS), *prev = malloc(n * sizeof(int32_t));
	for (int i = 0; i < 1 << HBITS; i++) head[i] = -1;
	size_t i = 0, o = 0, lit_start = 0;
	while (i < n) {
		size_t best = 0, bdist = 0;
		if (i + 3 <= n) {
			uint32_t hh = ((uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2]) * 2654435761u >> (32 - HBITS);
			int32_t c = head[hh];
			int chain = 32;
			while (c >= 0 && chain-- > 0 && i - (size_t)c <= 65535) {
				size_t l = 0;
				while (i + l < n && l < 258 && in[c + l] == in[i + l]) l++;
				if (l > best) { best = l; bdist = i - (size_t)c; }
				c = prev[c];
			}
			prev[i] = head[hh];
			head[hh] = (int32_t)i;
		}
		if (best >= 4) {
			/* flush literals: 0x00 len(1..128) bytes */
			while (lit_start < i) {
				size_t k = i - lit_start > 128 ? 128 : i - lit_start;
				out[o++] = (uint8_t)(k - 1); memcpy(out + o, in + lit_start, k); o += k; lit_start += k;
			}
			out[o++] = (uint8_t)(0x80 | (best - 4) >> 8); out[o++] = (uint8_t)(best - 4);
			out[o++] = (uint8_t)(bdist >> 8); out[o++] = (uint8_t)bdist;
			/* insert skipped positions into the hash chains */
			for (size_t k = i + 1; k < i + best && k + 3 <= n; k++) {
				uint32_t hh = ((uint32_t)in[k] << 16 | (uint32_t)in[k + 1] << 8 | in[k + 2]) * 2654435761u >> (32 - HBITS);
				prev[k] = head[hh]; head[hh] = (int32_t)k;
			}
			i += best;
			lit_start = i;
		} else i++;
	}
	while (lit_start < n) {
		size_t k = n - lit_start > 128 ? 128 : n - lit_start;
		out[o++] = (uint8_t)(k - 1); memcpy(out + o, in + lit_start, k); o += k; lit_start += k;
	}
	free(head); free(prev);
	return o;
}
static size_t lz_decompress(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t t = in[i++];
		if (t & 0x80) {
			size_t len = ((size_t)(t & 0x7f) << 8 | in[i]) + 4, dist = (size_t)in[i + 1] << 8 | in[i + 2];
			i += 3;
			for (size_t k = 0; k < len; k++, o++) out[o] = out[o - dist]; /* may overlap */
		} else {
			size_t k = (size_t)t + 1;
			memcpy(out + o, in + i, k); i += k; o += k;
		}
	}
	return o;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static size_t b64enc(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = B64[v >> 18]; out[o++] = B64[v >> 12 & 63]; out[o++] = B64[v >> 6 & 63]; out[o++] = B64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = B64[v >> 18]; out[o++] = B64[v >> 12 & 63];
		out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '='; out[o++] = '=';
	}
	out[o] = 0;
	return o;
}
static int b64val(char c)
{
	const char *p = strchr(B64, c);
	return c && p ? (int)(p - B64) : -1;
}
static size_t b64dec(const char *in, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && in[i + 1]; i += 4) {
		int a = b64val(in[i]), b = b64val(in[i + 1]), c = b64val(in[i + 2]), d = b64val(in[i + 3]);
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c < 0 ? 0 : c) << 6 | (uint32_t)(d < 0 ? 0 : d);
		out[o++] = (uint8_t)(v >> 16);
		if (c >= 0) out[o++] = (uint8_t)(v >> 8);
		if (d >= 0) out[o++] = (uint8_t)v;
	}
	return o;
}

/* bignum: little-endian base 2^32 limbs */
typedef struct { uint32_t *d; int n; } big;
static void big_mul_small(big *b, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < b->n; i++) { uint64_t t = (uint64_t)b->d[i] * m + carry; b->d[i] = (uint32_t)t; carry = t >> 32; }
	if (carry) b->d[b->n++] = (uint32_t)carry;
}
static uint32_t big_div_small(big *b, uint32_t dv)
{
	uint64_t rem = 0;
	for (int i = b->n - 1; i >= 0; i--) { uint64_t cur = rem << 32 | b->d[i]; b->d[i] = (uint32_t)(cur / dv); rem = cur % dv; }
	while (b->n > 0 && b->d[b->n - 1] == 0) b->n--;
	return (uint32_t)rem;
}
static void big_print(const char *label, const big *src)
{
	big t = {malloc((size_t)(src->n + 1) * 4), src->n};
	memcpy(t.d, src->d, (size_t)src->n * 4);
	char *s = malloc((size_t)src->n * 11 + 20); /* 9 digits per ~0.93 limb */
	int len = 0;
	while (t.n > 0) {
		uint32_t r = big_div_small(&t, 1000000000u);
		for (int k = 0; k < 9; k++) { s[len++] = (char)('0' + r % 10); r /= 10; }
	}
	while (len > 1 && s[len - 1] == '0') len--;
	if (len == 0) s[len++] = '0';
	uint32_t dsum = 0;
	for (int i = 0; i < len; i++) dsum += (uint32_t)(s[i] - '0');
	printf("%s: %d digits, digit sum %u, leading ", label, len, dsum);
	for (int i = len - 1; i >= 0 && i >= len - 30; i--) putchar(s[i]);
	printf(" trailing ");
	for (int i = len < 12 ? len - 1 : 11; i >= 0; i--) putchar(s[i]);
	printf("\n");
	free(s); free(t.d);
}

int main(void)
{
	enum { N = 30000 };
	uint8_t *src = malloc(N), *cmp = malloc(N + N / 64 + 16), *dec = malloc(N);
	uint32_t x = 42;
	static const char *words[] = {"alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta\n", "eta, ", "theta. "};
	size_t p = 0;
	while (p < N) {
		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 5 == 0) { src[p++] = (uint8_t)(x >> 24); continue; }
		if ((x >> 16) % 7 == 0) { size_t run = (x >> 20) % 40; while (run-- && p < N) src[p++] = 'z'; continue; }
		const char *w = words[(x >> 16) % 8];
		while (*w && p < N) src[p++] = (uint8_t)*w++;
	}
	size_t cn = lz_compress(src, N, cmp);
	size_t dn = lz_decompress(cmp, cn, dec);
	uint32_t hc = 0;
	for (size_t i = 0; i < cn; i++) hc = hc * 31 + cmp[i];
	printf("lz: %u -> %u bytes (hash %08x), back %u equal %d\n", (unsigned)N, (unsigned)cn, hc, (unsigned)dn, dn == N && !memcmp(src, dec, N));

	char *b64 = malloc(N / 3 * 4 + 8);
	static const char *tv[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	for (int i = 0; i < 7; i++) { b64enc((const uint8_t *)tv[i], strlen(tv[i]), b64); printf("[%s]", b64); }
	printf("\n");
	for (size_t len = 997; len <= 1000; len++) {
		size_t en = b64enc(src + 5, len, b64);
		size_t bn = b64dec(b64, dec);
		uint32_t hb = 0;
		for (size_t i = 0; i < en; i++) hb = hb * 33 + (uint8_t)b64[i];
		printf("b64 %u -> %u (hash %08x tail %s) -> %u equal %d\n", (unsigned)len, (unsigned)en, hb, b64 + en - 6, (unsigned)bn, bn == len && !memcmp(src + 5, dec, len));
	}

	/* run-length coding of the compressed stream's high nibbles */
	size_t runs = 0, maxrun = 0;
	for (size_t i = 0; i < cn;) {
		size_t j = i;
		while (j < cn && (cmp[j] >> 4) == (cmp[i] >> 4)) j++;
		runs++; if (j - i > maxrun) maxrun = j - i;
		i = j;
	}
	printf("rle runs %u max %u\n", (unsigned)runs, (unsigned)maxrun);

	big f = {calloc(400, 4), 1};
	f.d[0] = 1;
	for (uint32_t i = 2; i <= 500; i++) { big_mul_small(&f, i); if (i == 20 || i == 100) { char l[16]; snprintf(l, sizeof l, "%u!", i); big_print(l, &f); } }
	big_print("500!", &f);
	printf("500! limbs %d top %08x low-nonzero %08x\n", f.n, f.d[f.n - 1], f.d[15]);
	/* Fibonacci(2000) with two bignums, adding with carry */
	big a = {calloc(60, 4), 1}, b = {calloc(60, 4), 1};
	a.d[0] = 0; b.d[0] = 1;
	for (int i = 0; i < 2000; i++) {
		uint64_t carry = 0;
		int n = a.n > b.n ? a.n : b.n;
		for (int k = 0; k < n; k++) { uint64_t t = (uint64_t)a.d[k] + b.d[k] + carry; a.d[k] = (uint32_t)t; carry = t >> 32; }
		a.n = n;
		if (carry) a.d[a.n++] = (uint32_t)carry;
		big t = a; a = b; b = t;
	}
	big_print("fib(2000)", &a);
	free(a.d); free(b.d); free(f.d); free(src); free(cmp); free(dec); free(b64);
	return 0;
}
