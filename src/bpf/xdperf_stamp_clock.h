/* The send time the XDP transmit program writes into a stamp (src/bpf/xdperf_tx.bpf.c), kept
 * apart so that a user-space test runs the same arithmetic against a simulated clock
 * (tests/unit/stamp_clock_test.c). A clock read costs an XDP program about 35 ns a frame
 * (bench/rx_cost.sh), so the clock is read for the first stamped frame of each BPF_PROG_RUN
 * call (calls may be a pacing wait apart) and then once every XDPERF_BPF_CLK_BLOCK frames;
 * frame j of a block gets that read plus j times the fastest per-frame time measured over a
 * whole block of the same call (before the first whole block: plus nothing). So a stamp is
 * never before its block's read; while frames take a steady time it equals a read of its own
 * and stamps do not go backwards; otherwise it is off by at most the per-frame jitter times
 * its place in the block (a block faster than every one before can end a little past the
 * next read), and early by at most a transmit pause plus a block when a pause falls inside a
 * block (the user guide's stamps section). Include after xdperf_bpf.h and xdperf_fe_step.h, with
 * XDPERF_STAMP_CLOCK_NOW() defined as the CLOCK_TAI read. */
#ifndef XDPERF_BPF_STAMP_CLOCK_H
#define XDPERF_BPF_STAMP_CLOCK_H

/* The time for the next stamped frame of call gen on the CPU whose state st is. */
XDPERF_FE_INLINE __u64 xdperf_stamp_clock(struct xdperf_bpf_tx_cpu *st, __u64 gen)
{
	if (st->clk_gen == gen && st->clk_j < XDPERF_BPF_CLK_BLOCK) {
		__u64 t = st->clk_ns + st->clk_j * st->clk_gap;
		st->clk_j++;
		return t;
	}
	__u64 now = XDPERF_STAMP_CLOCK_NOW();
	if (st->clk_gen == gen) {
		/* a whole block since the last read: its per-frame time */
		__u64 g = (now - st->clk_ns) / XDPERF_BPF_CLK_BLOCK;
		if (!st->clk_gap || g < st->clk_gap)
			st->clk_gap = g;
	} else {
		st->clk_gen = gen;
		st->clk_gap = 0;
	}
	st->clk_ns = now;
	st->clk_j = 1;
	return now;
}

#endif
