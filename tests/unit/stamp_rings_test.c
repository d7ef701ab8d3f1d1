/* The reading end of the server's per-CPU stamp rings (src/server/stamp_rings.c) without BPF:
 * the rings live in memfds laid out as the program's two arrays, and this test writes records
 * and heads as the program does. Checked: every record is handed on exactly once, in receive
 * order across the rings, up to the heads seen when a read starts (later ones wait for the
 * next read); tails are published; positions wrap past the ring size and far beyond; a full
 * ring is read whole; a read with no callback drops the records and frees their room; the
 * ring sizes chosen per CPU count. A seeded random schedule of writes and reads over 8 rings.
 * Usage: stamp_rings_test   (prints FAIL lines and the totals; exit 1 if any check failed) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "server/stamp_rings.h"
#include "check.h"

#define NCPU 8
#define SHIFT 4
#define SIZE (1u << SHIFT)

static struct xdperf_bpf_srv_rec *recs; /* the test's (writer's) view */
static struct xdperf_bpf_srv_pos *pos;

/* what a read handed on */
static uint64_t got_rx[NCPU * SIZE * 2];
static size_t ngot;

static int put(int c, uint64_t rx);
static uint64_t write_during; /* receive time of a record to write during the next callback */

static void take(void *ctx, const struct xdperf_bpf_srv_rec *r)
{
	(void)ctx;
	if (ngot < sizeof got_rx / sizeof got_rx[0])
		got_rx[ngot] = r->rx_ns;
	ngot++;
	if (write_during) { /* the program writing while user space reads */
		put(6, write_during);
		write_during = 0;
	}
}

static int memfd_of(size_t bytes, void **map)
{
	int fd = memfd_create("stamp_rings_test", 0);
	if (fd < 0 || ftruncate(fd, (off_t)bytes))
		return -1;
	*map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return *map == MAP_FAILED ? -1 : fd;
}

/* Writes a record with receive time rx into CPU c's ring as the program would: 0 when full. */
static int put(int c, uint64_t rx)
{
	struct xdperf_bpf_srv_pos *p = &pos[c];
	if (p->head - p->tail >= SIZE)
		return 0;
	struct xdperf_bpf_srv_rec *r = &recs[(size_t)c << SHIFT | (p->head & (SIZE - 1))];
	r->run = 1;
	r->stream = (uint32_t)c;
	r->seq = rx;
	r->tx_ns = rx - 1;
	r->rx_ns = rx;
	__atomic_store_n(&p->head, p->head + 1, __ATOMIC_RELEASE);
	return 1;
}

static uint64_t pending(void)
{
	uint64_t n = 0;
	for (int c = 0; c < NCPU; c++)
		n += pos[c].head - pos[c].tail;
	return n;
}

int main(void)
{
	void *rm, *pm;
	size_t rb = (size_t)NCPU * SIZE * sizeof *recs, pb = (size_t)NCPU * sizeof *pos;
	int rfd = memfd_of(rb, &rm), pfd = memfd_of(pb, &pm);
	if (rfd < 0 || pfd < 0) {
		printf("FAIL: memfd: %s\n", strerror(errno));
		return 1;
	}
	recs = rm;
	pos = pm;
	struct srv_stamp_rings *r;
	int e = srv_stamp_rings_open(rfd, pfd, NCPU, SHIFT, &r);
	if (e) {
		printf("FAIL: srv_stamp_rings_open: %s\n", strerror(-e));
		return 1;
	}

	/* nothing written: nothing read */
	ngot = 0;
	CHECK(srv_stamp_rings_read(r, take, NULL) == 0 && ngot == 0, "empty rings: %zu records", ngot);

	/* one ring full (the single-ring path), positions far past 2^32 and about to wrap */
	for (int c = 0; c < NCPU; c++)
		pos[c].head = pos[c].tail = (1ull << 40) - 5 + (uint64_t)c;
	uint64_t rx = 1000;
	for (unsigned i = 0; i < SIZE; i++)
		put(3, rx++);
	CHECK(!put(3, rx), "a full ring took another record");
	ngot = 0;
	size_t n = srv_stamp_rings_read(r, take, NULL);
	int ok = n == SIZE && ngot == SIZE;
	for (unsigned i = 0; ok && i < SIZE; i++)
		ok = got_rx[i] == 1000 + i;
	CHECK(ok, "a full ring: read %zu records (handed on %zu), want %u in order", n, ngot, SIZE);
	CHECK(pos[3].tail == pos[3].head, "a full ring: tail %llu after the read, head %llu",
	      (unsigned long long)pos[3].tail, (unsigned long long)pos[3].head);

	/* records on every ring, interleaved in receive time: read back merged */
	for (int k = 0; k < NCPU * 10; k++)
		put((k * 5 + k / 7) % NCPU, rx++);
	ngot = 0;
	n = srv_stamp_rings_read(r, take, NULL);
	ok = n == NCPU * 10 && ngot == n;
	for (size_t i = 1; ok && i < ngot; i++)
		ok = got_rx[i] == got_rx[i - 1] + 1;
	CHECK(ok, "eight rings interleaved: %zu records, not the %d written in receive order", ngot,
	      NCPU * 10);
	CHECK(pending() == 0, "eight rings: %llu records left after the read",
	      (unsigned long long)pending());

	/* dropping: no callback, room freed */
	for (int c = 0; c < NCPU; c++)
		while (put(c, rx))
			rx++;
	n = srv_stamp_rings_read(r, NULL, NULL);
	CHECK(n == NCPU * SIZE && pending() == 0, "dropping: %zu records, %llu left", n,
	      (unsigned long long)pending());

	/* a seeded random schedule: writes to random rings (receive times rising) and reads, each
	 * read handing on exactly what was written before it, in receive order */
	srand(7);
	uint64_t written = 0, handed = 0, full = 0;
	int rounds_ok = 1;
	for (int round = 0; round < 2000; round++) {
		int writes = rand() % (int)(NCPU * SIZE / 2);
		uint64_t first = rx;
		for (int w = 0; w < writes; w++) {
			if (put(rand() % NCPU, rx))
				rx++, written++;
			else
				full++;
		}
		uint64_t want = rx - first;
		ngot = 0;
		n = srv_stamp_rings_read(r, take, NULL);
		handed += ngot;
		int in_order = n == want && ngot == want;
		for (size_t i = 0; in_order && i < ngot; i++)
			in_order = got_rx[i] == first + i;
		if (!in_order && rounds_ok) {
			CHECK(0, "random round %d: %zu records handed on, want %llu in receive order",
			      round, ngot, (unsigned long long)want);
			rounds_ok = 0;
		}
	}
	CHECK(rounds_ok && handed == written && pending() == 0,
	      "random schedule: %llu written, %llu handed on, %llu left", (unsigned long long)written,
	      (unsigned long long)handed, (unsigned long long)pending());
	CHECK(full > 0, "random schedule never filled a ring: the full case went untested");

	/* records written after a read began wait for the next read */
	put(1, rx++);
	put(6, rx++);
	uint64_t h6 = pos[6].head;
	ngot = 0;
	write_during = rx++;
	srv_stamp_rings_read(r, take, NULL);
	CHECK(ngot == 2 && pos[6].tail == h6, "a read took %zu records (want 2), tail %llu (want %llu)",
	      ngot, (unsigned long long)pos[6].tail, (unsigned long long)h6);
	ngot = 0;
	srv_stamp_rings_read(r, take, NULL);
	CHECK(ngot == 1 && got_rx[0] == rx - 1, "the next read took %zu records (want the 1 written since)",
	      ngot);

	/* ring sizes: 2^18 a CPU up to 8 CPUs, then at most 64 MiB in all, never under 2^12 */
	static const struct {
		int ncpu;
		unsigned shift;
	} sizes[] = { { 1, 18 }, { 2, 18 }, { 8, 18 }, { 9, 17 }, { 16, 17 }, { 64, 15 },
		      { 512, 12 }, { 4096, 12 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		CHECK(srv_stamp_rings_shift(sizes[i].ncpu) == sizes[i].shift,
		      "%d CPUs: 2^%u records a ring, want 2^%u", sizes[i].ncpu,
		      srv_stamp_rings_shift(sizes[i].ncpu), sizes[i].shift);
	CHECK(srv_stamp_rings_open(rfd, pfd, 0, SHIFT, &(struct srv_stamp_rings *){ NULL }) == -EINVAL,
	      "0 CPUs accepted");

	srv_stamp_rings_close(r);
	munmap(rm, rb);
	munmap(pm, pb);
	close(rfd);
	close(pfd);
	printf("stamp_rings: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
