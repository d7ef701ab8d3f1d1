/* The capture reader (src/packet/pcap_read.c), built with ASan/UBSan by tests/cases/pcap_read.sh:
 * pcap in both byte orders with us and ns timestamps, pcapng with several interfaces of
 * different if_tsresol / if_tsoffset, Simple and obsolete Packet blocks, skipped blocks, a
 * second section of the other byte order, rewind; non-Ethernet link types refused with one line;
 * hostile input: every truncation of valid files, huge and inconsistent lengths, random byte
 * changes — an error naming the frame and offset (or fewer frames), never a crash. Writes its
 * files under argv[1]. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/pcap_read.h"
#include "check.h"

static const char *dir;

struct buf {
	uint8_t *p;
	size_t n, cap;
	bool be; /* write big-endian */
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void u8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void u16(struct buf *b, uint16_t v)
{
	if (b->be)
		v = __builtin_bswap16(v);
	put(b, &v, 2);
}
static void u32(struct buf *b, uint32_t v)
{
	if (b->be)
		v = __builtin_bswap32(v);
	put(b, &v, 4);
}
static void u64(struct buf *b, uint64_t v)
{
	if (b->be)
		v = __builtin_bswap64(v);
	put(b, &v, 8);
}
static void set32(struct buf *b, size_t at, uint32_t v)
{
	if (b->be)
		v = __builtin_bswap32(v);
	memcpy(b->p + at, &v, 4);
}

/* frame k: a 60-byte Ethernet frame whose bytes are k + i */
static void frame_bytes(uint8_t *f, unsigned k, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(k + i);
}

static char *write_file(const char *name, const struct buf *b)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f))
		abort();
	return path;
}

static void pcap_file(struct buf *b, bool be, bool ns, uint32_t linktype, unsigned n)
{
	memset(b, 0, sizeof *b);
	b->be = be;
	u32(b, ns ? 0xa1b23c4d : 0xa1b2c3d4);
	u16(b, 2);
	u16(b, 4);
	u32(b, 0);
	u32(b, 0);
	u32(b, 65535);
	u32(b, linktype);
	for (unsigned k = 0; k < n; k++) {
		uint8_t f[200];
		unsigned len = 60 + k;
		frame_bytes(f, k, len);
		u32(b, 1000 + k);                  /* seconds */
		u32(b, ns ? 123456789u : 123456u); /* fraction */
		u32(b, len - (k == 2 ? 10 : 0));   /* frame 2 captured short */
		u32(b, len);
		put(b, f, len - (k == 2 ? 10 : 0));
	}
}

static void shb(struct buf *b)
{
	size_t at = b->n;
	u32(b, 0x0a0d0d0a);
	u32(b, 0);
	u32(b, 0x1a2b3c4d);
	u16(b, 1);
	u16(b, 0);
	u64(b, UINT64_MAX);
	u16(b, 4); /* shb_userappl */
	u16(b, 4);
	put(b, "test", 4);
	u16(b, 0);
	u16(b, 0);
	u32(b, 0);
	set32(b, at + 4, (uint32_t)(b->n - at));
	set32(b, b->n - 4, (uint32_t)(b->n - at));
}

static void idb(struct buf *b, uint16_t lt, int tsresol, bool tsoff)
{
	size_t at = b->n;
	u32(b, 1);
	u32(b, 0);
	u16(b, lt);
	u16(b, 0);
	u32(b, 0);
	if (tsresol >= 0) {
		u16(b, 9);
		u16(b, 1);
		u8(b, (uint8_t)tsresol);
		u8(b, 0);
		u8(b, 0);
		u8(b, 0);
	}
	if (tsoff) {
		u16(b, 14);
		u16(b, 8);
		u64(b, 100);
	}
	u16(b, 0);
	u16(b, 0);
	u32(b, 0);
	set32(b, at + 4, (uint32_t)(b->n - at));
	set32(b, b->n - 4, (uint32_t)(b->n - at));
}

static void epb(struct buf *b, uint32_t ifid, uint64_t ts, unsigned k, unsigned len, uint32_t type)
{
	size_t at = b->n;
	uint8_t f[200] = { 0 };
	frame_bytes(f, k, len);
	u32(b, type);
	u32(b, 0);
	if (type == 6)
		u32(b, ifid);
	else {
		u16(b, (uint16_t)ifid);
		u16(b, 0);
	}
	u32(b, (uint32_t)(ts >> 32));
	u32(b, (uint32_t)ts);
	u32(b, len);
	u32(b, len);
	put(b, f, (len + 3) & ~3u);
	u32(b, 0);
	set32(b, at + 4, (uint32_t)(b->n - at));
	set32(b, b->n - 4, (uint32_t)(b->n - at));
}

static void spb(struct buf *b, unsigned k, unsigned len)
{
	size_t at = b->n;
	uint8_t f[200] = { 0 };
	frame_bytes(f, k, len);
	u32(b, 3);
	u32(b, 0);
	u32(b, len);
	put(b, f, (len + 3) & ~3u);
	u32(b, 0);
	set32(b, at + 4, (uint32_t)(b->n - at));
	set32(b, b->n - 4, (uint32_t)(b->n - at));
}

static void other_block(struct buf *b)
{
	size_t at = b->n;
	u32(b, 5); /* interface statistics */
	u32(b, 0);
	u32(b, 0);
	u64(b, 0);
	u32(b, 0);
	set32(b, at + 4, (uint32_t)(b->n - at));
	set32(b, b->n - 4, (uint32_t)(b->n - at));
}

/* One section in byte order be: 2 Ethernet interfaces (us default; ns + offset 100 s), frames
 * k0.. k0+4 */
static void ng_section(struct buf *b, bool be, unsigned k0)
{
	b->be = be;
	shb(b);
	idb(b, 1, -1, false);
	idb(b, 1, 9, true);
	epb(b, 0, 5000000ull + k0, k0, 60, 6);           /* 5.000000 s + k0 us */
	other_block(b);
	epb(b, 1, 7000000000ull + k0, k0 + 1, 61, 6);    /* 7 s + k0 ns + 100 s */
	spb(b, k0 + 2, 62);                               /* previous frame's time */
	epb(b, 0, 9000000ull, k0 + 3, 63, 2);            /* obsolete packet block */
	idb(b, 1, 0x80 | 10, false);                      /* 2^-10 s */
	epb(b, 2, 2048, k0 + 4, 64, 6);                  /* 2 s */
}

struct got {
	unsigned n;
	uint32_t cap[64], orig[64];
	uint64_t ts[64];
	bool bytes_ok[64];
};

/* Reads a whole file; returns next's last result (0 at the end, -errno) and fills g. */
static int read_all(const char *path, struct got *g, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	struct xdperf_pcap_reader *r;
	int e = xdperf_pcap_reader_open(path, &r, err, errlen);
	if (e)
		return e;
	const uint8_t *d;
	uint32_t cap, orig;
	uint64_t ts;
	while ((e = xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, err, errlen)) == 1) {
		if (g->n < 64) {
			g->cap[g->n] = cap;
			g->orig[g->n] = orig;
			g->ts[g->n] = ts;
			uint8_t want[256];
			frame_bytes(want, d[0], cap);
			g->bytes_ok[g->n] = cap <= 256 && !memcmp(want, d, cap);
		}
		g->n++;
	}
	xdperf_pcap_reader_close(r);
	return e;
}

static void test_pcap(void)
{
	for (int be = 0; be < 2; be++)
		for (int ns = 0; ns < 2; ns++) {
			struct buf b;
			pcap_file(&b, be, ns, 1, 5);
			char *p = write_file("a.pcap", &b);
			struct got g;
			char err[256] = "";
			int e = read_all(p, &g, err, sizeof err);
			CHECK(e == 0 && g.n == 5, "pcap be=%d ns=%d: %d, %u frames: %s", be, ns, e, g.n, err);
			for (unsigned k = 0; k < 5 && k < g.n; k++) {
				CHECK(g.orig[k] == 60 + k && g.cap[k] == 60 + k - (k == 2 ? 10 : 0) &&
				      g.bytes_ok[k], "pcap be=%d ns=%d frame %u: cap %u orig %u", be, ns,
				      k, g.cap[k], g.orig[k]);
				uint64_t want = (1000ull + k) * 1000000000ull + (ns ? 123456789u : 123456000u);
				CHECK(g.ts[k] == want, "pcap be=%d ns=%d frame %u: ts %llu, want %llu", be,
				      ns, k, (unsigned long long)g.ts[k], (unsigned long long)want);
			}
			/* rewind gives the same frames again */
			struct xdperf_pcap_reader *r;
			CHECK(xdperf_pcap_reader_open(p, &r, err, sizeof err) == 0, "open: %s", err);
			const uint8_t *d;
			uint32_t cap, orig;
			uint64_t ts;
			unsigned n1 = 0, n2 = 0;
			while (xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, err, sizeof err) == 1)
				n1++;
			CHECK(xdperf_pcap_reader_rewind(r, err, sizeof err) == 0, "rewind: %s", err);
			while (xdperf_pcap_reader_next(r, &d, &cap, &orig, &ts, err, sizeof err) == 1)
				n2++;
			CHECK(n1 == 5 && n2 == 5, "rewind: %u then %u frames", n1, n2);
			CHECK(!strcmp(xdperf_pcap_reader_format(r), "pcap"), "format");
			xdperf_pcap_reader_close(r);
			free(p);
			free(b.p);
		}
	/* not Ethernet: one line naming the file and the link type */
	struct buf b;
	pcap_file(&b, false, false, 113, 1);
	char *p = write_file("sll.pcap", &b);
	struct got g;
	char err[256] = "";
	int e = read_all(p, &g, err, sizeof err);
	CHECK(e == -EPROTONOSUPPORT && strstr(err, "sll.pcap") && strstr(err, "link type 113") &&
	      strstr(err, "Linux cooked") && !strchr(err, '\n'), "SLL refused: %d %s", e, err);
	free(p);
	free(b.p);
	/* not a capture at all */
	struct buf t = { 0 };
	put(&t, "hello world, this is not a capture", 34);
	p = write_file("text.pcap", &t);
	e = read_all(p, &g, err, sizeof err);
	CHECK(e == -EINVAL && strstr(err, "not a pcap or pcapng file"), "text refused: %d %s", e, err);
	free(p);
	free(t.p);
	e = read_all("/nonexistent/x.pcap", &g, err, sizeof err);
	CHECK(e == -ENOENT && strstr(err, "/nonexistent/x.pcap"), "missing file: %d %s", e, err);
}

static void check_ng(const struct got *g, unsigned base, unsigned k0, const char *what)
{
	uint64_t want_ts[5] = { 5000000000ull + k0 * 1000ull, 107000000000ull + k0,
				107000000000ull + k0, 9000000000ull, 2000000000ull };
	for (unsigned i = 0; i < 5; i++) {
		unsigned j = base + i;
		CHECK(g->cap[j] == 60 + i && g->orig[j] == 60 + i && g->bytes_ok[j] &&
		      g->ts[j] == want_ts[i], "%s frame %u: cap %u orig %u ts %llu (want %llu)", what,
		      j, g->cap[j], g->orig[j], (unsigned long long)g->ts[j],
		      (unsigned long long)want_ts[i]);
	}
}

static struct buf ng_file(void)
{
	struct buf b = { 0 };
	ng_section(&b, false, 0);
	ng_section(&b, true, 10);
	return b;
}

static void test_pcapng(void)
{
	struct buf b = ng_file();
	char *p = write_file("a.pcapng", &b);
	struct got g;
	char err[256] = "";
	int e = read_all(p, &g, err, sizeof err);
	CHECK(e == 0 && g.n == 10, "pcapng: %d, %u frames: %s", e, g.n, err);
	check_ng(&g, 0, 0, "section 1 (little-endian)");
	check_ng(&g, 5, 10, "section 2 (big-endian)");
	free(p);
	free(b.p);
	/* a packet of a non-Ethernet interface */
	b = (struct buf){ 0 };
	shb(&b);
	idb(&b, 1, -1, false);
	idb(&b, 101, -1, false);
	epb(&b, 0, 1, 0, 60, 6);
	epb(&b, 1, 2, 1, 60, 6);
	p = write_file("raw.pcapng", &b);
	e = read_all(p, &g, err, sizeof err);
	CHECK(e == -EPROTONOSUPPORT && g.n == 1 && strstr(err, "raw.pcapng") &&
	      strstr(err, "link type 101") && strstr(err, "frame 2"), "raw IP refused: %d %u %s", e,
	      g.n, err);
	free(p);
	free(b.p);
	/* a packet of an interface never described */
	b = (struct buf){ 0 };
	shb(&b);
	epb(&b, 3, 1, 0, 60, 6);
	p = write_file("noif.pcapng", &b);
	e = read_all(p, &g, err, sizeof err);
	CHECK(e == -EINVAL && strstr(err, "interface 3") && strstr(err, "offset"), "no IDB: %d %s",
	      e, err);
	free(p);
	free(b.p);
}

/* Every prefix of a valid file: an error naming an offset, or a clean end after fewer frames
 * (when the cut falls between records); never more frames or a crash. */
static void test_truncations(const struct buf *b, unsigned frames, const char *name)
{
	unsigned errors = 0, clean = 0, bad = 0;
	for (size_t n = 0; n < b->n; n++) {
		struct buf t = { .p = b->p, .n = n };
		char *p = write_file(name, &t);
		struct got g;
		char err[256] = "";
		int e = read_all(p, &g, err, sizeof err);
		if (e < 0) {
			errors++;
			if (!strstr(err, name) || strchr(err, '\n'))
				bad++;
			if (n >= 28 && !strstr(err, "offset") && !strstr(err, "file header") &&
			    !strstr(err, "not a pcap"))
				bad++;
		} else {
			clean++;
			if (g.n >= frames)
				bad++;
		}
		free(p);
	}
	CHECK(bad == 0 && errors > 0, "%s truncated at every offset: %u errors, %u clean ends, %u "
	      "bad", name, errors, clean, bad);
}

/* Lengths set to huge or odd values, and random byte changes: no crash, bounded memory. */
static void test_hostile(const struct buf *orig, const char *name)
{
	unsigned seed = 12345, ran = 0;
	for (int round = 0; round < 3000; round++) {
		struct buf t = { .n = orig->n };
		t.p = malloc(orig->n);
		memcpy(t.p, orig->p, orig->n);
		int changes = 1 + (int)(rand_r(&seed) % 4);
		for (int c = 0; c < changes; c++) {
			size_t at = rand_r(&seed) % t.n;
			switch (rand_r(&seed) % 4) {
			case 0: t.p[at] = (uint8_t)rand_r(&seed); break;
			case 1: if (at + 4 <= t.n) memset(t.p + at, 0xff, 4); break;
			case 2: if (at + 4 <= t.n) memset(t.p + at, 0x7f, 4); break;
			default: if (at + 4 <= t.n) { uint32_t v = 13; memcpy(t.p + at, &v, 4); } break;
			}
		}
		char *p = write_file(name, &t);
		struct got g;
		char err[256] = "";
		(void)read_all(p, &g, err, sizeof err);
		ran++;
		free(p);
		free(t.p);
	}
	CHECK(ran == 3000, "%s: %u hostile variants read without a crash", name, ran);
	/* one huge length: refused by name, not allocated */
	struct buf t = { .n = orig->n };
	t.p = malloc(orig->n);
	memcpy(t.p, orig->p, orig->n);
	if (!strcmp(name, "h.pcap")) {
		uint32_t v = 0xfffffff0u;
		memcpy(t.p + 24 + 8, &v, 4);
	} else {
		size_t at = 0;
		memcpy(&at, t.p + 4, 4); /* SHB length: the IDB follows */
		uint32_t v = 0x7ffffff0u;
		memcpy(t.p + at + 4, &v, 4);
	}
	char *p = write_file(name, &t);
	struct got g;
	char err[256] = "";
	int e = read_all(p, &g, err, sizeof err);
	CHECK(e == -EINVAL && strstr(err, "16 MiB") && strstr(err, "frame 1 at offset"),
	      "%s: huge length: %d %s", name, e, err);
	free(p);
	free(t.p);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "/tmp";
	test_pcap();
	test_pcapng();
	struct buf b;
	pcap_file(&b, false, false, 1, 4);
	test_truncations(&b, 4, "t.pcap");
	test_hostile(&b, "h.pcap");
	free(b.p);
	b = ng_file();
	test_truncations(&b, 10, "t.pcapng");
	test_hostile(&b, "h.pcapng");
	free(b.p);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
