/* Unusual control flow: irreducible loops made with goto (LLVM turns them into a dispatch
 * loop with br_table), Duff's device (jumping into the middle of a loop), a 256-way switch,
 * switch fallthrough chains, loops with several exits, labelled-break style nested loops,
 * select-heavy branchless code (min/max/clamp/abs), early returns from nested blocks. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile uint32_t vk;
static uint32_t opq(uint32_t x) { vk = x; return vk; }

/* two loops that can be entered in either's middle: irreducible */
static uint32_t irreducible(uint32_t n, uint32_t start)
{
	uint32_t a = 1, b = 7, i = 0;
	if (start & 1) goto second;
first:
	a = a * 3 + b;
	if (++i >= n) goto out;
	if (a & 4) goto first;
second:
	b = b ^ (a >> 3);
	b += 11;
	if (++i >= n) goto out;
	if (b & 8) goto second;
	goto first;
out:
	return a ^ (b << 1) ^ i;
}

static void duff_copy(uint8_t *to, const uint8_t *from, int count)
{
	if (count <= 0) return;
	int n = (count + 7) / 8;
	switch (count % 8) {
	case 0: do { *to++ = (uint8_t)(*from++ + 1);
	case 7: *to++ = (uint8_t)(*from++ + 1);
	case 6: *to++ = (uint8_t)(*from++ + 1);
	case 5: *to++ = (uint8_t)(*from++ + 1);
	case 4: *to++ = (uint8_t)(*from++ + 1);
	case 3: *to++ = (uint8_t)(*from++ + 1);
	case 2: *to++ = (uint8_t)(*from++ + 1);
	case 1: *to++ = (uint8_t)(*from++ + 1);
		} while (--n > 0);
	}
}

#define C4(b) case b: r = w * (b) + 1; break; case b + 1: r = w ^ (b); break; case b + 2: r = ~(w + (b)); break; case b + 3: r = (w << 3) - (b); break;
#define C16(b) C4(b) C4(b + 4) C4(b + 8) C4(b + 12)
#define C64(b) C16(b) C16(b + 16) C16(b + 32) C16(b + 48)
static uint32_t big_switch(uint32_t v, uint32_t w)
{
	uint32_t r;
	switch (v) {
		C64(0) C64(64) C64(128) C64(192)
	default: r = 0xffffffffu; break;
	}
	return r;
}

static int fallthrough(int v)
{
	int r = 0;
	switch (v) {
	case 0: r += 1; /* fall through */
	case 1: r += 10;
	/* fall through */
	case 2: r += 100;
		break;
	case 3: r -= 5;
	/* fall through */
	case 4:
	case 5: r *= 3; r += 7;
	/* fall through */
	default: r += 1000;
	}
	return r;
}

/* loop with several exits, returning which one fired */
static int multi_exit(const int32_t *a, int n, int32_t target, int *pos)
{
	int i = 0;
	for (;;) {
		if (i >= n) { *pos = -1; return 0; }
		if (a[i] == target) { *pos = i; return 1; }
		if (a[i] < 0 && a[i] % 7 == -3) { *pos = i; return 2; }
		if (i > 0 && a[i] == a[i - 1]) { *pos = i; return 3; }
		i += 1 + (a[i] & 1);
	}
}

static int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
static uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }
static int64_t smax64(int64_t a, int64_t b) { return a > b ? a : b; }
static int32_t iabs(int32_t v) { return v < 0 ? -v : v; }

static int find_pair(int target, int *oi, int *oj)
{
	for (int i = 0; i < 50; i++) {
		for (int j = i; j < 50; j++) {
			if (((i * j) ^ (i + j)) == target) { *oi = i; *oj = j; goto found; }
			if (j * i > 2000) break;
		}
		continue;
	found:
		return 1;
	}
	return 0;
}

static int nested_return(uint32_t x)
{
	for (uint32_t i = 0; i < 16; i++) {
		if (x & (1u << i)) {
			for (uint32_t j = i + 1; j < 16; j++) {
				if (x & (1u << j)) {
					if ((j - i) % 3 == 0) return (int)(i * 100 + j);
					if (j - i > 9) return -(int)j;
				}
			}
		}
	}
	return -1;
}

int main(void)
{
	uint32_t h = 0;
	for (uint32_t n = 1; n < 300; n += 7) h = h * 31 + irreducible(opq(n), n) + irreducible(opq(n), n + 1);
	printf("irreducible %08x sample %08x %08x\n", h, irreducible(opq(10), 0), irreducible(opq(10), 1));

	uint8_t src[100], dst[100];
	for (int i = 0; i < 100; i++) src[i] = (uint8_t)(i * 13);
	uint32_t dh = 0;
	for (int c = 0; c <= 20; c++) {
		memset(dst, 0xEE, sizeof dst);
		duff_copy(dst, src + c, (int)opq((uint32_t)c * 4 + (uint32_t)c % 5));
		for (int i = 0; i < 100; i++) dh = dh * 33 + dst[i];
	}
	printf("duff %08x\n", dh);

	uint32_t sh = 0;
	for (uint32_t v = 0; v < 300; v++) sh = sh * 7 + big_switch(opq(v), v * 0x9e3779b9u);
	printf("big switch %08x %u %u %u %u\n", sh, big_switch(opq(0), 5), big_switch(opq(129), 5), big_switch(opq(255), 5), big_switch(opq(256), 5));

	for (int v = -1; v <= 7; v++) printf("%d ", fallthrough((int)opq((uint32_t)v)));
	printf("\n");

	int32_t arr[200];
	uint32_t x = 5;
	for (int i = 0; i < 200; i++) { x = x * 69069u + 1; arr[i] = (int32_t)(x >> 22) - 512; }
	arr[150] = arr[149];
	int exits[4] = {0};
	for (int32_t t = -520; t < 520; t += 3) { int pos; int e = multi_exit(arr, 200, t, &pos); exits[e]++; if (t % 200 == 0) printf("t=%d exit %d pos %d\n", t, e, pos); }
	printf("exits %d %d %d %d\n", exits[0], exits[1], exits[2], exits[3]);

	int64_t sel = 0;
	for (int i = 0; i < 1000; i++) {
		int32_t v = (int32_t)(opq((uint32_t)i * 2654435761u));
		sel += clamp(v >> 12, -300000, 300000) + (int64_t)umin((uint32_t)v, 123456789u) + smax64((int64_t)v * 3, -1000) + iabs(v >> 1);
	}
	printf("select sum %lld\n", (long long)sel);

	int found = 0, fi = -1, fj = -1;
	for (int t = 0; t < 200; t += 9) { if (find_pair(t, &fi, &fj)) { found++; printf("(%d:%d,%d)", t, fi, fj); } }
	printf(" found %d\n", found);
	uint32_t nr = 0;
	for (uint32_t v = 1; v < 70000; v += 97) nr = nr * 3 + (uint32_t)nested_return(v);
	printf("nested %u %d %d %d\n", nr, nested_return(0x9), nested_return(0x4001), nested_return(0));
	return 0;
}
