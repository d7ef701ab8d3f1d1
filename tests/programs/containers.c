/* Pointer-heavy code: quicksort, mergesort with malloc/free, qsort with a comparator
 * (call_indirect into libc), an open-addressing hash table with deletion (tombstones),
 * singly linked lists (build, reverse, merge sort, free), memcpy/memset/memmove on
 * overlapping ranges with a byte-exact reference, multi-megabyte blocks (memory.grow) and realloc. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 2463534242u;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static uint32_t sum_hash(const int32_t *a, int n)
{
	uint32_t h = 0;
	for (int i = 0; i < n; i++) h = (h ^ (uint32_t)a[i]) * 16777619u;
	return h;
}

static void quicksort(int32_t *a, int lo, int hi)
{
	while (lo < hi) {
		int32_t pivot = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot) i++;
			while (a[j] > pivot) j--;
			if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
		}
		if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
		else { quicksort(a, i, hi); hi = j; }
	}
}

static void mergesort_rec(int32_t *a, int32_t *tmp, int n)
{
	if (n < 2) return;
	int m = n / 2;
	mergesort_rec(a, tmp, m);
	mergesort_rec(a + m, tmp, n - m);
	int i = 0, j = m, k = 0;
	while (i < m && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
	while (i < m) tmp[k++] = a[i++];
	while (j < n) tmp[k++] = a[j++];
	memcpy(a, tmp, (size_t)n * sizeof *a);
}
static void mergesort(int32_t *a, int n)
{
	int32_t *tmp = malloc((size_t)n * sizeof *tmp);
	mergesort_rec(a, tmp, n);
	free(tmp);
}

static int cmp_i32(const void *x, const void *y)
{
	int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
	return (a > b) - (a < b);
}

/* ---- open addressing hash table (linear probing, tombstones) ---- */
typedef struct { uint32_t key; int32_t val; uint8_t state; } slot_t; /* 0 empty, 1 full, 2 deleted */
typedef struct { slot_t *s; uint32_t cap, used, live; } table_t;

static uint32_t hkey(uint32_t k) { k ^= k >> 16; k *= 0x7feb352du; k ^= k >> 15; k *= 0x846ca68bu; k ^= k >> 16; return k; }
static void t_put(table_t *t, uint32_t k, int32_t v);
static void t_grow(table_t *t)
{
	slot_t *old = t->s;
	uint32_t oc = t->cap;
	t->cap = oc ? oc * 2 : 16;
	t->s = calloc(t->cap, sizeof(slot_t));
	t->used = t->live = 0;
	for (uint32_t i = 0; i < oc; i++)
		if (old[i].state == 1) t_put(t, old[i].key, old[i].val);
	free(old);
}
static void t_put(table_t *t, uint32_t k, int32_t v)
{
	if ((t->used + 1) * 4 >= t->cap * 3) t_grow(t);
	uint32_t i = hkey(k) & (t->cap - 1);
	int32_t tomb = -1;
	for (;;) {
		slot_t *s = &t->s[i];
		if (s->state == 0) {
			if (tomb >= 0) s = &t->s[tomb]; else t->used++;
			s->key = k; s->val = v; s->state = 1; t->live++;
			return;
		}
		if (s->state == 2 && tomb < 0) tomb = (int32_t)i;
		if (s->state == 1 && s->key == k) { s->val = v; return; }
		i = (i + 1) & (t->cap - 1);
	}
}
static slot_t *t_find(table_t *t, uint32_t k)
{
	if (!t->cap) return NULL;
	uint32_t i = hkey(k) & (t->cap - 1);
	for (;;) {
		slot_t *s = &t->s[i];
		if (s->state == 0) return NULL;
		if (s->state == 1 && s->key == k) return s;
		i = (i + 1) & (t->cap - 1);
	}
}

/* ---- linked list ---- */
typedef struct node { int32_t v; struct node *next; } node;
static node *push(node *h, int32_t v) { node *n = malloc(sizeof *n); n->v = v; n->next = h; return n; }
static node *reverse(node *h) { node *p = NULL; while (h) { node *n = h->next; h->next = p; p = h; h = n; } return p; }
static node *lmerge(node *a, node *b)
{
	node head, *t = &head;
	while (a && b) { if (a->v <= b->v) { t->next = a; a = a->next; } else { t->next = b; b = b->next; } t = t->next; }
	t->next = a ? a : b;
	return head.next;
}
static node *lsort(node *h)
{
	if (!h || !h->next) return h;
	node *slow = h, *fast = h->next;
	while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
	node *b = slow->next; slow->next = NULL;
	return lmerge(lsort(h), lsort(b));
}

int main(void)
{
	enum { N = 6000 };
	int32_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c);
	for (int i = 0; i < N; i++) a[i] = (int32_t)(next() % 20001) - 10000;
	a[7] = INT32_MIN; a[8] = INT32_MAX; a[9] = INT32_MIN;
	memcpy(b, a, N * sizeof *a);
	memcpy(c, a, N * sizeof *a);
	printf("input hash %08x first %d %d %d\n", sum_hash(a, N), a[0], a[1], a[2]);
	quicksort(a, 0, N - 1);
	mergesort(b, N);
	qsort(c, N, sizeof *c, cmp_i32);
	int sorted = 1;
	for (int i = 1; i < N; i++) sorted &= a[i - 1] <= a[i];
	printf("sorted %d same %d %d hash %08x min %d max %d median %d\n", sorted, !memcmp(a, b, N * sizeof *a),
	       !memcmp(a, c, N * sizeof *a), sum_hash(a, N), a[0], a[N - 1], a[N / 2]);

	/* many small allocations of varying size, freed in a scrambled order */
	enum { M = 500 };
	uint8_t *blocks[M];
	uint32_t bsum = 0;
	for (int i = 0; i < M; i++) { size_t sz = 1 + next() % 300; blocks[i] = malloc(sz); memset(blocks[i], i & 0xff, sz); blocks[i][sz - 1] = (uint8_t)sz; bsum += blocks[i][0] + blocks[i][sz - 1]; }
	for (int i = 0; i < M; i++) { int j = (i * 7919) % M; free(blocks[j]); blocks[j] = NULL; }
	printf("blocks sum %u\n", bsum);

	table_t t = {0};
	for (uint32_t i = 0; i < 5000; i++) t_put(&t, next() % 8000, (int32_t)i);
	uint32_t removed = 0;
	for (uint32_t k = 0; k < 8000; k += 3) { slot_t *s = t_find(&t, k); if (s) { s->state = 2; t.live--; removed++; } }
	for (uint32_t i = 0; i < 1000; i++) t_put(&t, i * 7, -(int32_t)i);
	int64_t vsum = 0; uint32_t found = 0;
	for (uint32_t k = 0; k < 8000; k++) { slot_t *s = t_find(&t, k); if (s) { found++; vsum += s->val * (int64_t)(k + 1); } }
	printf("table cap %u used %u live %u removed %u found %u vsum %lld\n", t.cap, t.used, t.live, removed, found, (long long)vsum);
	free(t.s);

	node *l = NULL;
	for (int i = 0; i < 3000; i++) l = push(l, (int32_t)(next() % 1000));
	l = reverse(l);
	printf("list head %d %d\n", l->v, l->next->v);
	l = lsort(l);
	int cnt = 0, ok = 1; uint32_t lh = 0;
	for (node *p = l; p; p = p->next) { cnt++; if (p->next && p->v > p->next->v) ok = 0; lh = lh * 31 + (uint32_t)p->v; }
	printf("list count %d sorted %d hash %08x\n", cnt, ok, lh);
	while (l) { node *n = l->next; free(l); l = n; }

	/* overlapping memmove / memcpy / memset against a byte loop reference */
	static uint8_t buf[1024], ref[1024];
	for (int i = 0; i < 1024; i++) buf[i] = ref[i] = (uint8_t)(i * 37 + 11);
	uint32_t mh = 0;
	for (int r = 0; r < 400; r++) {
		size_t src = next() % 512, dst = next() % 512, n = next() % 500;
		uint8_t kind = (uint8_t)(next() % 4);
		if (kind == 0) {
			memmove(buf + dst, buf + src, n);
			if (dst < src) for (size_t i = 0; i < n; i++) ref[dst + i] = ref[src + i];
			else for (size_t i = n; i-- > 0;) ref[dst + i] = ref[src + i];
		} else if (kind == 1) {
			memset(buf + dst, (int)(src & 0xff), n);
			for (size_t i = 0; i < n; i++) ref[dst + i] = (uint8_t)src;
		} else if (kind == 2 && (dst + n <= src || src + n <= dst)) {
			memcpy(buf + dst, buf + src, n);
			for (size_t i = 0; i < n; i++) ref[dst + i] = ref[src + i];
		} else {
			memmove(buf + src + 1, buf + src, n / 4);
			for (size_t i = n / 4; i-- > 0;) ref[src + 1 + i] = ref[src + i];
		}
		for (int i = 0; i < 1024; i++) mh = mh * 131 + buf[i];
		if (memcmp(buf, ref, sizeof buf) != 0) { printf("memmove mismatch at round %d\n", r); break; }
	}
	printf("mem hash %08x buf[0..3] %u %u %u %u cmp %d\n", mh, buf[0], buf[1], buf[2], buf[3], memcmp(buf, ref, sizeof buf));
	/* large blocks (linear memory has to grow), realloc preserving contents */
	uint32_t *big = malloc(3u << 20);
	for (uint32_t i = 0; i < (3u << 20) / 4; i++) big[i] = i * 2654435761u;
	big = realloc(big, 7u << 20);
	for (uint32_t i = (3u << 20) / 4; i < (7u << 20) / 4; i++) big[i] = i ^ 0x5a5a5a5au;
	uint32_t gh = 0;
	for (uint32_t i = 0; i < (7u << 20) / 4; i += 97) gh = gh * 31 + big[i];
	printf("big blocks hash %08x last %08x\n", gh, big[(7u << 20) / 4 - 1]);
	free(big);
	free(a); free(b); free(c);
	return 0;
}
