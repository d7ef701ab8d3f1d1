/* The runners' lateness histogram (late.h). */
#include <math.h>
#include "datapath/late.h"

#define LATE_BASE 1e-6
#define LATE_STEP 1.189207115002721 /* 2^(1/4) */

/* The lower edge of bucket b (seconds); bucket 0 starts at -inf. */
static double late_edge(unsigned b)
{
	return b == 0 ? -INFINITY : LATE_BASE * pow(LATE_STEP, (double)b - 1);
}

static unsigned late_bucket(double v)
{
	if (!(v >= LATE_BASE))
		return 0;
	double b = floor(log(v / LATE_BASE) / log(LATE_STEP)) + 1;
	return b >= DP_LATE_BUCKETS - 1 ? DP_LATE_BUCKETS - 1 : (unsigned)b;
}

void dp_late_add(struct dp_late *l, double l0, uint64_t n, double rate)
{
	if (!n)
		return;
	if (n == 1) {
		double v = l0 > 0 ? l0 : 0;
		l->h[late_bucket(v)]++;
		l->n++;
		l->sum += v;
		if (v > l->max)
			l->max = v;
		return;
	}
	if (l0 > l->max)
		l->max = l0;
	double last = l0 - (double)(n - 1) / rate;
	/* the sum of max(0, l0 - j / rate) over j */
	double pos = l0 > 0 ? fmin((double)n, floor(l0 * rate) + 1) : 0;
	l->sum += pos > 0 ? pos * l0 - (pos - 1) * pos / 2 / rate : 0;
	l->n += n;
	uint64_t given = 0;
	for (unsigned b = late_bucket(l0) + 1; b-- > late_bucket(last);) {
		/* frames with lateness >= the bucket's lower edge: j <= (l0 - lo) * rate */
		double lo = late_edge(b);
		uint64_t upto = b == 0 || (l0 - lo) * rate >= (double)(n - 1) ? n :
				(uint64_t)floor((l0 - lo) * rate) + 1;
		if (upto > n)
			upto = n;
		if (upto > given) {
			l->h[b] += upto - given;
			given = upto;
		}
		if (given == n)
			break;
	}
}

void dp_late_merge(struct dp_late *into, const struct dp_late *from)
{
	for (unsigned b = 0; b < DP_LATE_BUCKETS; b++)
		into->h[b] += from->h[b];
	into->n += from->n;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
}

double dp_late_pct_us(const struct dp_late *l, double p)
{
	if (!l->n)
		return 0;
	uint64_t rank = p >= 1 ? l->n : (uint64_t)ceil(p * (double)l->n - 1e-9), acc = 0;
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < DP_LATE_BUCKETS; b++) {
		acc += l->h[b];
		if (acc >= rank) {
			double hi = b + 1 < DP_LATE_BUCKETS ? late_edge(b + 1) : l->max;
			return (hi < l->max ? hi : l->max) * 1e6;
		}
	}
	return l->max * 1e6;
}
