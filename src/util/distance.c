/* Edit distance and "did you mean" suggestions (src/util/distance.h). */
#include <string.h>
#include "util/distance.h"

unsigned xdperf_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 999;
	unsigned row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned sub = diag + (a[i - 1] != b[j - 1]);
			unsigned del = up + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			diag = up;
		}
	}
	return row[lb];
}

const char *xdperf_closest(const char *word, const char *const *cands, size_t n, unsigned max_distance)
{
	const char *best = NULL;
	unsigned bd = max_distance + 1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = xdperf_edit_distance(word, cands[i]);
		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	return best;
}
