/* Field engine arithmetic on user numbers near 2^64 (src/packet/field.c), for
 * tests/cases/user_numbers.sh: with several sender threads, thread t starts at x0 + t * k1 modulo
 * n, whose sum passes 2^64 when a modifier has more than 2^63 values; the threads together must
 * still send exactly the sequence one thread sends. Prints "FAIL (...)" per failed check and
 * exits 1 if any failed. */
#include <stdio.h>
#include <string.h>

#include "packet/field.h"
#include "check.h"

#define LEN 64
#define OFF 42 /* an 8-byte field in the frame's zero bytes */

static uint64_t field_of(const uint8_t *f)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | f[OFF + i];
	return v;
}

/* The first `per` values of each of `threads` threads, interleaved as one thread sends them
 * (thread t's j-th value is the sequence's (j * threads + t)-th), into out. */
static void interleaved(const struct xdperf_field_mod *m, unsigned threads, unsigned per,
			uint64_t *out)
{
	uint8_t frame[LEN] = { 0 }, base[LEN], f[LEN];
	struct xdperf_fe fe;
	char err[256];
	int rc = xdperf_fe_compile(frame, LEN, m, 1, 0, NULL, 0, &fe, base, NULL, 0, err, sizeof err);
	CHECK(rc == 0, "compile: %s", err);
	xdperf_fe_set_threads(&fe, threads);
	for (unsigned t = 0; t < threads; t++) {
		struct xdperf_bpf_fe_state st;
		xdperf_fe_state_init(&fe, t, &st);
		for (unsigned j = 0; j < per; j++) {
			memcpy(f, base, LEN);
			xdperf_fe_apply(&fe.bpf, &st, f);
			out[j * threads + t] = field_of(f);
		}
	}
}

/* Three threads against one, for a modifier of n = 2^64 - 1 values started near the top. */
static void threads_share_one_sequence(enum xdperf_field_op op, uint64_t max, uint64_t start,
				       const char *what)
{
	struct xdperf_field_mod m = { .offset = OFF, .len = 8, .op = op, .min = 0, .max = max,
				      .step = 1, .start = start, .has_start = true };
	uint64_t one[12], three[12];
	interleaved(&m, 1, 12, one);
	interleaved(&m, 3, 4, three);
	for (int i = 0; i < 12; i++)
		CHECK(one[i] == three[i], "%s: value %d: one thread sends %llu, three threads %llu",
		      what, i, (unsigned long long)one[i], (unsigned long long)three[i]);
}

int main(void)
{
	/* increment from 2^64 - 2 (x0 = n - 1): thread 2 starts at x0 + 2 = 2^64, one past n */
	threads_share_one_sequence(XDPERF_FIELD_INCREMENT, UINT64_MAX - 1, UINT64_MAX - 1,
				   "increment 0..2^64-2 from 2^64-2");
	/* decrement from 0 (x0 = n - 1 as well) */
	threads_share_one_sequence(XDPERF_FIELD_DECREMENT, UINT64_MAX - 1, 0,
				   "decrement 0..2^64-2 from 0");
	/* range: its stride k1 is near n / golden ratio, so x0 + t * k1 passes 2^64 too */
	threads_share_one_sequence(XDPERF_FIELD_RANGE, UINT64_MAX - 1, UINT64_MAX - 3,
				   "range 0..2^64-2 from 2^64-4");
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
