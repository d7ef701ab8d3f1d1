/* Latency histogram (log-linear buckets). */
#include <errno.h>
#include <stdlib.h>
#include "server/hist.h"

static unsigned bucket(uint64_t v)
{
	if (v < 64)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 6..63 */
	return 64 + (e - 6) * 32 + (unsigned)((v >> (e - 5)) & 31);
}

/* The lowest value and the width of bucket i. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
	if (i < 64) {
		*lo = i;
		*width = 1;
		return;
	}
	unsigned e = (i - 64) / 32 + 6, sub = (i - 64) % 32;
	*width = 1ull << (e - 5);
	*lo = (1ull << e) + sub * *width;
}

void srv_hist_add(struct srv_hist *h, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
	uint32_t *c = &h->b[bucket(v)];
	if (*c < UINT32_MAX)
		(*c)++;
}

void srv_hist_merge(struct srv_hist *dst, const struct srv_hist *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned i = 0; i < SRV_HIST_BUCKETS; i++) {
		uint64_t s = (uint64_t)dst->b[i] + src->b[i];
		dst->b[i] = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
	}
}

uint64_t srv_hist_quantile(const struct srv_hist *h, double q)
{
	if (!h->count)
		return 0;
	uint64_t total = 0;
	for (unsigned i = 0; i < SRV_HIST_BUCKETS; i++)
		total += h->b[i];
	/* the rank of the sample asked for: ceil(q * n), at least 1 */
	double r = q * (double)total;
	uint64_t rank = (uint64_t)r;
	if ((double)rank < r || rank == 0)
		rank++;
	uint64_t seen = 0;
	for (unsigned i = 0; i < SRV_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t lo, w;
			bucket_range(i, &lo, &w);
			uint64_t v = lo + w / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

int srv_hist_buckets(const struct srv_hist *h, struct xdperf_latency_bucket **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t k = 0;
	for (unsigned i = 0; i < SRV_HIST_BUCKETS; i++)
		k += h->b[i] != 0;
	if (!k)
		return 0;
	struct xdperf_latency_bucket *o = malloc(k * sizeof *o);
	if (!o)
		return -ENOMEM;
	k = 0;
	for (unsigned i = 0; i < SRV_HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		uint64_t lo, w;
		bucket_range(i, &lo, &w);
		o[k++] = (struct xdperf_latency_bucket){ .le_ns = lo + w - 1, .count = h->b[i] };
	}
	*out = o;
	*n = k;
	return 0;
}
