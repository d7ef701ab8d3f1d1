/* Hashes over generated data: SHA-256, CRC-32 (table and bitwise), Adler-32, FNV-1a 64,
 * a murmur-style 32-bit mixer. Prints digests of several lengths and intermediate values. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t rotr32(uint32_t x, unsigned n) { return (x >> n) | (x << ((32 - n) & 31)); }

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

typedef struct {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
	unsigned fill;
} sha256_ctx;

static void sha256_init(sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
	c->fill = 0;
}

static void sha256_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + S1 + ch + K[i] + w[i];
		uint32_t S0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
		uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + mj;
		hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n)
{
	c->len += n;
	while (n > 0) {
		size_t take = 64 - c->fill;
		if (take > n) take = n;
		memcpy(c->buf + c->fill, p, take);
		c->fill += (unsigned)take; p += take; n -= take;
		if (c->fill == 64) { sha256_block(c->h, c->buf); c->fill = 0; }
	}
}

static void sha256_final(sha256_ctx *c, uint8_t out[32])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80;
	sha256_update(c, &pad, 1);
	pad = 0;
	while (c->fill != 56) sha256_update(c, &pad, 1);
	uint8_t lb[8];
	for (int i = 0; i < 8; i++) lb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, lb, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24); out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8); out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

static uint32_t crc_table[256];
static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}
static uint32_t crc32_table(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}
static uint32_t adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	for (size_t i = 0; i < n; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
	return (b << 16) | a;
}
static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
	return h;
}
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
	return h;
}

static void hex(const char *label, const uint8_t *d, int n)
{
	printf("%s ", label);
	for (int i = 0; i < n; i++) printf("%02x", d[i]);
	printf("\n");
}

#define N 20000
static uint8_t data[N];

int main(void)
{
	uint32_t x = 0x12345678u;
	for (int i = 0; i < N; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; data[i] = (uint8_t)(x >> 11); }
	crc32_init();
	printf("crc_table[1]=%08x [128]=%08x [255]=%08x\n", crc_table[1], crc_table[128], crc_table[255]);

	uint8_t dg[32];
	sha256_ctx c;
	sha256_init(&c); sha256_update(&c, (const uint8_t *)"abc", 3); sha256_final(&c, dg);
	hex("sha256(abc)", dg, 32);
	sha256_init(&c); sha256_final(&c, dg);
	hex("sha256()", dg, 32);
	static const size_t lens[] = {1, 55, 56, 63, 64, 65, 119, 1000, 4097, N};
	uint32_t acc = 0;
	for (unsigned li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		size_t n = lens[li];
		sha256_init(&c);
		/* feed in irregular chunks */
		size_t off = 0, step = 1;
		while (off < n) {
			size_t t = step < n - off ? step : n - off;
			sha256_update(&c, data + off, t);
			off += t; step = step * 3 % 97 + 1;
		}
		sha256_final(&c, dg);
		char lab[32];
		snprintf(lab, sizeof lab, "sha256[%u]", (unsigned)n);
		hex(lab, dg, 32);
		uint32_t ct = crc32_table(data, n), cb = crc32_bitwise(data, n);
		printf("len %5u crc %08x %08x adler %08x fnv %016llx\n", (unsigned)n, ct, cb, adler32(data, n),
		       (unsigned long long)fnv1a64(data, n));
		acc = mix32(acc ^ ct ^ dg[0] ^ ((uint32_t)dg[31] << 24));
	}
	printf("crc32(123456789)=%08x\n", crc32_table((const uint8_t *)"123456789", 9));
	/* sha256 chained 200 times */
	memset(dg, 0, 32);
	for (int i = 0; i < 200; i++) { sha256_init(&c); sha256_update(&c, dg, 32); sha256_final(&c, dg); }
	hex("chain200", dg, 32);
	printf("acc %08x\n", acc);
	return 0;
}
