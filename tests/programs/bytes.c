/* Sub-word memory and bit twiddling: int8_t/int16_t loads and stores with sign extension,
 * uint8_t/uint16_t zero extension, byte swapping, bit reversal, unaligned loads/stores of
 * 16/32/64-bit values through memcpy at every offset, bitfields, packed-record
 * serialisation (little and big endian), and narrowing stores. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[512];

static uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static int16_t lds16(const uint8_t *p) { int16_t v; memcpy(&v, p, 2); return v; }
static int32_t lds32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t rev8(uint32_t b) { b = (b & 0xF0) >> 4 | (b & 0x0F) << 4; b = (b & 0xCC) >> 2 | (b & 0x33) << 2; return (b & 0xAA) >> 1 | (b & 0x55) << 1; }
static uint32_t rev32(uint32_t x)
{
	x = (x >> 1 & 0x55555555u) | (x & 0x55555555u) << 1;
	x = (x >> 2 & 0x33333333u) | (x & 0x33333333u) << 2;
	x = (x >> 4 & 0x0F0F0F0Fu) | (x & 0x0F0F0F0Fu) << 4;
	return __builtin_bswap32(x);
}

struct bf {
	unsigned a : 3;
	signed b : 5;
	unsigned c : 12;
	signed d : 12;
	uint8_t e;
	signed f : 7;
};

typedef struct { uint8_t kind; int16_t x; int32_t y; uint64_t id; int8_t z; } rec;
static size_t pack(uint8_t *out, const rec *r)
{
	uint8_t *p = out;
	*p++ = r->kind;
	st16(p, (uint16_t)r->x); p += 2;
	uint32_t y = (uint32_t)r->y;
	*p++ = (uint8_t)(y >> 24); *p++ = (uint8_t)(y >> 16); *p++ = (uint8_t)(y >> 8); *p++ = (uint8_t)y;
	st64(p, r->id); p += 8;
	*p++ = (uint8_t)r->z;
	return (size_t)(p - out);
}
static size_t unpack(const uint8_t *in, rec *r)
{
	const uint8_t *p = in;
	r->kind = *p++;
	r->x = lds16(p); p += 2;
	r->y = (int32_t)be32(p); p += 4;
	r->id = ld64(p); p += 8;
	r->z = (int8_t)*p++;
	return (size_t)(p - in);
}

int main(void)
{
	for (int i = 0; i < 512; i++) buf[i] = (uint8_t)(i * 73 + (i >> 3) * 29 + 0x80);
	/* sign vs zero extension of every byte value */
	int32_t s8 = 0; uint32_t u8s = 0;
	for (int i = 0; i < 256; i++) { int8_t sb = (int8_t)buf[i]; s8 += sb; u8s += buf[i]; }
	printf("bytes signed sum %d unsigned sum %u buf[1]=%d (int8 %d)\n", s8, u8s, buf[1], (int8_t)buf[1]);
	volatile int8_t vb = -128; volatile int16_t vs = -32768; volatile uint8_t vub = 255; volatile uint16_t vus = 65535;
	printf("ext: %d %d %u %u %d %d\n", vb, vs, vub, vus, (int)(int8_t)(vub), (int)(int16_t)vus);
	printf("ext64: %lld %lld %llu\n", (long long)vb * 3, (long long)vs * 5, (unsigned long long)(uint16_t)vs * 7);

	/* unaligned loads at every offset */
	uint64_t h = 0;
	for (int off = 0; off < 64; off++) {
		h = h * 1099511628211ull ^ ld16(buf + off);
		h = h * 1099511628211ull ^ ld32(buf + off);
		h = h * 1099511628211ull ^ ld64(buf + off);
		h = h * 1099511628211ull ^ (uint64_t)(int64_t)lds16(buf + off);
		h = h * 1099511628211ull ^ (uint64_t)(int64_t)lds32(buf + off);
		if (off < 3 || off == 61) printf("off %d: %04x %08x %016llx %d %d\n", off, ld16(buf + off), ld32(buf + off),
						 (unsigned long long)ld64(buf + off), lds16(buf + off), lds32(buf + off));
	}
	printf("unaligned load hash %016llx\n", (unsigned long long)h);
	/* unaligned stores at every offset, overlapping */
	for (int off = 0; off < 40; off++) {
		st64(buf + 100 + off, 0x0102030405060708ull * (uint64_t)(off + 1));
		st32(buf + 200 + off * 3, 0xdeadbeefu ^ (uint32_t)off);
		st16(buf + 300 + off, (uint16_t)(0x8000 | off));
	}
	uint32_t sh = 0;
	for (int i = 96; i < 400; i++) sh = sh * 31 + buf[i];
	printf("unaligned store hash %08x b[105] %u b[301] %u\n", sh, buf[105], buf[301]);

	/* narrowing stores and re-loads through int8/int16 arrays */
	int8_t a8[64]; int16_t a16[64]; uint16_t u16[64];
	for (int i = 0; i < 64; i++) {
		int32_t v = (i - 32) * 1031;
		a8[i] = (int8_t)v; a16[i] = (int16_t)(v * 40); u16[i] = (uint16_t)(v * 40);
	}
	uint64_t t = 0;
	for (int i = 0; i < 64; i++) t = t * 3 + (uint64_t)(int64_t)(a8[i] + a16[i] - u16[i] + (a8[i] >> 2) + (a16[i] >> 9) + (int8_t)(a16[i] >> 3));
	printf("narrow: %d %d %u %d ... acc %016llx\n", a8[3], a16[3], u16[3], a8[60], (unsigned long long)t);

	/* byte swap and bit reverse */
	uint32_t x = 0x12345678u, bs = 0;
	for (int i = 0; i < 1000; i++) { x = x * 1664525u + 1013904223u; bs ^= __builtin_bswap32(x) + rev32(x) + (uint32_t)__builtin_bswap16((uint16_t)x) + rev8(x & 0xff); }
	printf("bswap16 %04x bswap32 %08x rev32 %08x rev8 %02x acc %08x\n", __builtin_bswap16(0x1234), __builtin_bswap32(0x12345678u), rev32(1), rev8(0x01), bs);

	/* bitfields */
	struct bf f[8];
	memset(f, 0, sizeof f);
	for (int i = 0; i < 8; i++) { f[i].a = (unsigned)(i * 3) & 7; f[i].b = (i * 5) % 32 - 16; f[i].c = (unsigned)(i * 1000) & 0xfff; f[i].d = i * 500 - 2000; f[i].e = (uint8_t)(i * 40); f[i].f = (i * 17) - 64; }
	uint32_t bsum = 0;
	for (int i = 0; i < 8; i++) { bsum = bsum * 5 + (uint32_t)((int)f[i].a + f[i].b + (int)f[i].c + f[i].d + f[i].e + f[i].f); f[i].b++; f[i].d -= 3; }
	printf("bitfields %u: a %u b %d c %u d %d e %u f %d\n", bsum, f[7].a, f[7].b, f[7].c, f[7].d, f[7].e, f[7].f);

	/* serialise / deserialise records at odd offsets */
	uint8_t wire[256];
	size_t pos = 1;
	for (int i = 0; i < 12; i++) {
		rec r = {(uint8_t)(i * 21), (int16_t)(i * 4099 - 30000), (int32_t)(i * 300000001u), 0xf0e0d0c0b0a09080ull >> i, (int8_t)(i * 23 - 128)};
		pos += pack(wire + pos, &r);
	}
	pos = 1;
	uint64_t rsum = 0;
	for (int i = 0; i < 12; i++) {
		rec r;
		pos += unpack(wire + pos, &r);
		rsum = rsum * 7 + (uint64_t)(r.kind + r.x + (int64_t)r.y + (int64_t)(r.id & 0xffffff) + r.z);
		if (i % 4 == 3) printf("rec %d: %u %d %d %016llx %d\n", i, r.kind, r.x, r.y, (unsigned long long)r.id, r.z);
	}
	printf("records %u bytes, sum %016llx\n", (unsigned)pos, (unsigned long long)rsum);

	/* bit manipulation on shorts: count, extract and deposit fields */
	uint32_t dep = 0;
	for (uint32_t v = 0; v < 65536; v += 251) {
		uint16_t s16 = (uint16_t)v;
		int16_t ss = (int16_t)s16;
		uint32_t field = (s16 >> 5) & 0x3f;
		dep += (uint32_t)(ss >> 4) ^ (field << 10) ^ (uint32_t)__builtin_popcount(s16) ^ (uint32_t)(s16 & -s16);
	}
	printf("shorts acc %08x\n", dep);
	return 0;
}
