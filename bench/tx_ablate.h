/* Variants of the XDP transmit program for bench/tx_dry.sh's ablation (TX_DRY_ABLATE): included
 * by src/bpf/xdperf_tx.bpf.c only when it is compiled with XDPERF_TX_ABLATE=N (the Makefile's
 * build/bench/ablate-tx/N/xdperf), never in a build of xdperf. Each takes one step out, so the
 * bench shows what that step costs a frame (run dry: nothing is sent, so no frame is refused
 * and the parts taken out are never needed):
 *   1  no field-engine step: the template's field-engine entries are looked up, its
 *      modifiers not applied (the frames keep the template's fields);
 *   2  no trailer: a stamped frame takes its sequence number and the stamp clock (one read
 *      per block of frames) as before, but nothing is written into the frame and its UDP
 *      checksum is left alone;
 *   3  no frame record: a recorded frame (stamps, several templates) is not written into the
 *      CPU's record ring, which only a refused frame needs. */
#ifndef XDPERF_BENCH_TX_ABLATE_H
#define XDPERF_BENCH_TX_ABLATE_H

#if XDPERF_TX_ABLATE == 1
#define FE_STEP(ctx, f, fs) 0
#elif XDPERF_TX_ABLATE == 2
static __always_inline int ablate_stamp_clock_only(struct xdp_md *ctx, struct xdperf_bpf_tx_cpu *st,
						   struct xdperf_bpf_tmpl_cnt *tc,
						   const struct xdperf_bpf_stamp *sp, __u32 t, int redo,
						   __u64 *seqp, __u32 old_sum)
{
	__u32 cpu = bpf_get_smp_processor_id();
	if (!redo) {
		*seqp = tc->seq;
		tc->seq = *seqp + 1;
	}
	__u64 ns = xdperf_stamp_clock(st, call_gen[cpu & (XDPERF_BPF_CPUS_MAX - 1)]);
	/* used, so that the clock read stays (never true) */
	return ns == ~0ull && sp->off == t && old_sum == 1;
}
#define STAMP_WRITE ablate_stamp_clock_only
#elif XDPERF_TX_ABLATE == 3
#define TX_RECORD 0
#else
#error "XDPERF_TX_ABLATE: 1 (no field step), 2 (no trailer) or 3 (no frame record)"
#endif

#endif
