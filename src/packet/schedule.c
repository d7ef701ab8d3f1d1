/* Send schedule construction (see schedule.h): each template's w copies are spread evenly
 * over the cycle at positions (k + 1/2) * L / w, and the cycle is the sorted merge. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "packet/schedule.h"
#include "packet/template.h"
#include "util/arith.h"

struct slot {
	double at;
	uint32_t t;
};

static int by_position(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

int xdperf_schedule_build(const uint64_t *weights, uint32_t n, uint32_t max_len, uint32_t **out,
		      uint32_t *len)
{
	if (n == 0 || max_len < n)
		return -EINVAL;
	uint64_t *w = malloc(n * sizeof *w);
	if (!w)
		return -ENOMEM;
	uint64_t g = 0;
	for (uint32_t i = 0; i < n; i++) {
		w[i] = weights ? weights[i] : 1;
		if (w[i] == 0) {
			free(w);
			return -EINVAL;
		}
		g = xdperf_gcd(w[i], g);
	}
	long double sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		w[i] /= g;
		sum += (long double)w[i];
	}
	if (sum > max_len) {
		/* Scale down, every template keeping at least one slot; then trim the largest
		 * until the cycle fits. */
		uint64_t total = 0;
		for (uint32_t i = 0; i < n; i++) {
			long double v = (long double)w[i] * (long double)(max_len - n) / sum;
			w[i] = 1 + (uint64_t)v;
			total += w[i];
		}
		while (total > max_len) {
			uint32_t big = 0;
			for (uint32_t i = 1; i < n; i++)
				if (w[i] > w[big])
					big = i;
			w[big]--;
			total--;
		}
	}
	uint64_t L = 0;
	for (uint32_t i = 0; i < n; i++)
		L += w[i];
	struct slot *s = malloc(L * sizeof *s);
	uint32_t *sched = malloc(L * sizeof *sched);
	if (!s || !sched) {
		free(w);
		free(s);
		free(sched);
		return -ENOMEM;
	}
	uint64_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint64_t j = 0; j < w[i]; j++)
			s[k++] = (struct slot){ ((double)j + 0.5) * (double)L / (double)w[i], i };
	qsort(s, L, sizeof *s, by_position);
	for (uint64_t j = 0; j < L; j++)
		sched[j] = s[j].t;
	free(s);
	free(w);
	*out = sched;
	*len = (uint32_t)L;
	return 0;
}

int xdperf_schedule_weights(const struct xdperf_template_set *s, uint64_t *w)
{
	bool rates = true, weights = true, counts = true, differ = false;
	for (size_t i = 0; i < s->n; i++) {
		rates = rates && s->t[i].rate_pps > 0;
		weights = weights && s->t[i].weight > 0;
		counts = counts && s->t[i].packet_count > 0;
		differ = differ || s->t[i].packet_count != s->t[0].packet_count;
	}
	if (rates) {
		for (size_t i = 0; i < s->n; i++)
			w[i] = s->t[i].rate_pps;
		return 1;
	}
	if (weights) {
		for (size_t i = 0; i < s->n; i++)
			w[i] = s->t[i].weight;
		return 2;
	}
	if (!(counts && differ))
		return 0;
	for (size_t i = 0; i < s->n; i++)
		w[i] = s->t[i].packet_count;
	return 2;
}
