/* The XDP transmit program's stamp clock (src/bpf/xdperf_stamp_clock.h: one clock read every
 * XDPERF_BPF_CLK_BLOCK frames and at each BPF_PROG_RUN call, the frames between extrapolated)
 * run in user space against a simulated clock, frame by frame, with the true time of each
 * frame's run known. Checked per scenario: the number of clock reads; every stamp at or after
 * its block's read; no step back within a call for steady frame times (with and without
 * transmit pauses); and the error against a read of its own: exactly 0 once a block has been measured when frames take a steady time, at most the
 * jitter times the place in the block when they vary, a fresh read (error 0) for the first
 * frame of a call after a pacing wait, and with batches whose transmit pauses fall inside a
 * block (a --batch that is not a multiple of 16) at most that pause plus one block of frames.
 * Usage: stamp_clock_test   (prints FAIL lines and the totals; exit 1 if any check failed) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include "bpf/xdperf_bpf.h"
#include "bpf/xdperf_fe_step.h"
#include "check.h"

static __u64 now_ns; /* the simulated CLOCK_TAI */
static unsigned long reads;
static __u64 clock_read(void)
{
	reads++;
	return now_ns;
}
#define XDPERF_STAMP_CLOCK_NOW() clock_read()
#include "bpf/xdperf_stamp_clock.h"

#define K XDPERF_BPF_CLK_BLOCK

struct result {
	long long min_err, max_err;  /* stamp - true time of the frame's run */
	unsigned long reads, frames;
	int before_read, backwards;  /* stamps before their block's read; steps back in a call */
};

/* Sends frames one call after another: calls of call_len frames (a wait of call_gap ns
 * between calls), batches of batch frames with a transmit pause of pause ns after each, frames
 * taking frame_ns +- jitter ns of program time (seeded). Errors counted from frame `from` of
 * each call on (0: all). */
static struct result run(unsigned calls, unsigned call_len, __u64 call_gap, unsigned batch,
			 __u64 pause, __u64 frame_ns, unsigned jitter, unsigned from)
{
	struct xdperf_bpf_tx_cpu st = { 0 };
	struct result r = { .min_err = INT64_MAX, .max_err = INT64_MIN };
	__u64 gen = 0;
	reads = 0;
	now_ns = 1000000000ull;
	srand(11);
	for (unsigned c = 0; c < calls; c++) {
		gen++;
		__u64 last = 0;
		for (unsigned i = 0; i < call_len; i++) {
			if (i && batch && i % batch == 0)
				now_ns += pause;
			unsigned long before = reads;
			__u64 t = xdperf_stamp_clock(&st, gen);
			if (reads != before)
				last = 0; /* a read: the block starts here */
			r.before_read += t < st.clk_ns;
			r.backwards += i && t < last;
			last = t;
			long long e = (long long)t - (long long)now_ns;
			if (i >= from) {
				if (e < r.min_err)
					r.min_err = e;
				if (e > r.max_err)
					r.max_err = e;
			}
			r.frames++;
			now_ns += frame_ns + (jitter ? (__u64)(rand() % (2 * jitter + 1)) - jitter : 0);
		}
		now_ns += call_gap;
	}
	r.reads = reads;
	return r;
}

int main(void)
{
	/* steady 60 ns frames, one call: exact after the first two blocks (the first is measured
	 * by the second read) */
	struct result r = run(1, 100000, 0, 0, 0, 60, 0, 2 * K);
	CHECK(r.reads == (100000 + K - 1) / K, "steady: %lu clock reads for 100000 frames, want %u",
	      r.reads, (100000 + K - 1) / K);
	CHECK(r.min_err == 0 && r.max_err == 0, "steady: error %lld..%lld ns after two blocks, want 0",
	      r.min_err, r.max_err);
	r = run(1, 100000, 0, 0, 0, 60, 0, 0);
	CHECK(r.min_err >= -(long long)(K - 1) * 60 && r.max_err == 0,
	      "steady, first block: error %lld..%lld ns, want -%d..0", r.min_err, r.max_err,
	      (K - 1) * 60);
	CHECK(!r.before_read && !r.backwards, "steady: %d stamps before their read, %d steps back",
	      r.before_read, r.backwards);

	/* batches of 64 (the default --batch, a multiple of the block) with a 7.7 us transmit
	 * pause after each: blocks never straddle a pause, so exact after warm-up */
	r = run(1, 64 * 1000, 0, 64, 7700, 60, 0, 2 * K);
	CHECK(r.min_err == 0 && r.max_err == 0,
	      "batches of 64 + pauses: error %lld..%lld ns, want 0", r.min_err, r.max_err);

	/* frame times of 60 +- 10 ns: within the place in the block times the jitter */
	r = run(1, 200000, 0, 64, 5000, 60, 10, 2 * K);
	long long bound = (long long)(K - 1) * 2 * 10;
	CHECK(r.min_err >= -bound && r.max_err <= bound && !r.before_read,
	      "jitter 60+-10 ns: error %lld..%lld ns, want within +-%lld", r.min_err, r.max_err, bound);

	/* paced: calls of 8 frames 1 ms apart: each call's first frame read afresh */
	r = run(1000, 8, 1000000, 0, 0, 60, 0, 0);
	CHECK(r.reads == 1000, "paced calls: %lu clock reads for 1000 calls of 8, want 1000", r.reads);
	CHECK(r.min_err >= -7 * 60 && r.max_err <= 0,
	      "paced calls: error %lld..%lld ns, want -%d..0 (no stale time across the waits)",
	      r.min_err, r.max_err, 7 * 60);
	r = run(1000, 8, 1000000, 0, 0, 60, 0, 0);
	struct result one = run(1000, 1, 1000000, 0, 0, 60, 0, 0);
	CHECK(one.min_err == 0 && one.max_err == 0, "one frame a call: error %lld..%lld, want 0",
	      one.min_err, one.max_err);

	/* batches of 50 (not a multiple of 16) with 7.7 us pauses falling inside blocks: a frame
	 * after the pause is early by at most the pause plus a block of frames, never late */
	r = run(1, 50 * 1000, 0, 50, 7700, 60, 0, 2 * K);
	CHECK(r.max_err <= 0 && r.min_err >= -(7700 + (long long)K * 60) && !r.backwards,
	      "batches of 50 + pauses: error %lld..%lld ns, want -%lld..0, %d steps back", r.min_err,
	      r.max_err, 7700 + (long long)K * 60, r.backwards);

	printf("stamp_clock: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
