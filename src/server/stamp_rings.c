/* The reading end of the server program's per-CPU stamp rings. A read takes a snapshot of every
 * ring's head (acquire: the records before it are complete), hands the records up to those
 * heads on, merging the rings by receive time with a small binary heap of the rings that have
 * records (a stream whose frames arrive on several queues is analysed in the order it arrived,
 * as far as one read sees), and then publishes each ring's new tail (release: the program may
 * reuse the room). */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "server/stamp_rings.h"

struct srv_stamp_rings {
	int ncpu;
	unsigned shift;
	struct xdperf_bpf_srv_rec *recs;
	size_t recs_bytes;
	struct xdperf_bpf_srv_pos *pos;
	size_t pos_bytes;
	uint64_t *next, *end; /* per ring during a read */
	int *heap;            /* rings with records left, by the receive time of their next one */
};

unsigned srv_stamp_rings_shift(int ncpu)
{
	unsigned s = 18;
	while (s > 12 && (uint64_t)(ncpu > 0 ? ncpu : 1) << s > (64u << 20) / sizeof(struct xdperf_bpf_srv_rec))
		s--;
	return s;
}

int srv_stamp_rings_size(struct bpf_map *recs, struct bpf_map *pos, int ncpu, unsigned shift)
{
	if (ncpu <= 0 || shift > 24 || (uint64_t)ncpu << shift > UINT32_MAX)
		return -EINVAL;
	int e = bpf_map__set_max_entries(recs, (__u32)ncpu << shift);
	return e ? e : bpf_map__set_max_entries(pos, (__u32)ncpu);
}

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (n + pg - 1) / pg * pg;
}

void srv_stamp_rings_close(struct srv_stamp_rings *r)
{
	if (!r)
		return;
	if (r->recs)
		munmap(r->recs, r->recs_bytes);
	if (r->pos)
		munmap(r->pos, r->pos_bytes);
	free(r->next);
	free(r->end);
	free(r->heap);
	free(r);
}

int srv_stamp_rings_open(int recs_fd, int pos_fd, int ncpu, unsigned shift,
			 struct srv_stamp_rings **out)
{
	*out = NULL;
	if (ncpu <= 0 || shift > 24)
		return -EINVAL;
	struct srv_stamp_rings *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->ncpu = ncpu;
	r->shift = shift;
	r->recs_bytes = page_round(((size_t)ncpu << shift) * sizeof *r->recs);
	r->pos_bytes = page_round((size_t)ncpu * sizeof *r->pos);
	r->next = calloc((size_t)ncpu, sizeof *r->next);
	r->end = calloc((size_t)ncpu, sizeof *r->end);
	r->heap = calloc((size_t)ncpu, sizeof *r->heap);
	if (!r->next || !r->end || !r->heap) {
		srv_stamp_rings_close(r);
		return -ENOMEM;
	}
	void *m = mmap(NULL, r->recs_bytes, PROT_READ, MAP_SHARED, recs_fd, 0);
	if (m == MAP_FAILED) {
		int e = -errno;
		srv_stamp_rings_close(r);
		return e;
	}
	r->recs = m;
	m = mmap(NULL, r->pos_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, pos_fd, 0);
	if (m == MAP_FAILED) {
		int e = -errno;
		srv_stamp_rings_close(r);
		return e;
	}
	r->pos = m;
	*out = r;
	return 0;
}

static const struct xdperf_bpf_srv_rec *rec_at(const struct srv_stamp_rings *r, int c, uint64_t i)
{
	return &r->recs[(size_t)c << r->shift | (size_t)(i & ((1ull << r->shift) - 1))];
}

static uint64_t key(const struct srv_stamp_rings *r, int c)
{
	return rec_at(r, c, r->next[c])->rx_ns;
}

/* Restores the heap order below position i (n rings in it). */
static void sift_down(struct srv_stamp_rings *r, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i;
		if (l < n && key(r, r->heap[l]) < key(r, r->heap[m]))
			m = l;
		if (l + 1 < n && key(r, r->heap[l + 1]) < key(r, r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		int t = r->heap[i];
		r->heap[i] = r->heap[m];
		r->heap[m] = t;
		i = m;
	}
}

size_t srv_stamp_rings_read(struct srv_stamp_rings *r,
			    void (*fn)(void *ctx, const struct xdperf_bpf_srv_rec *rec), void *ctx)
{
	int n = 0;
	size_t total = 0;
	for (int c = 0; c < r->ncpu; c++) {
		struct xdperf_bpf_srv_pos *p = &r->pos[c];
		r->next[c] = p->tail;
		r->end[c] = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);
		if (r->end[c] - r->next[c] > 1ull << r->shift) /* cannot be: the program checks */
			r->next[c] = r->end[c] - (1ull << r->shift);
		if (r->end[c] != r->next[c]) {
			total += r->end[c] - r->next[c];
			r->heap[n++] = c;
		}
	}
	if (fn && n == 1) {
		int c = r->heap[0];
		for (uint64_t i = r->next[c]; i != r->end[c]; i++)
			fn(ctx, rec_at(r, c, i));
	} else if (fn) {
		for (int i = n / 2 - 1; i >= 0; i--)
			sift_down(r, n, i);
		for (int left = n; left > 0;) {
			int c = r->heap[0];
			fn(ctx, rec_at(r, c, r->next[c]));
			if (++r->next[c] == r->end[c])
				r->heap[0] = r->heap[--left];
			sift_down(r, left, 0);
		}
	}
	for (int c = 0; c < r->ncpu; c++)
		if (r->end[c] != r->pos[c].tail)
			__atomic_store_n(&r->pos[c].tail, r->end[c], __ATOMIC_RELEASE);
	return total;
}
