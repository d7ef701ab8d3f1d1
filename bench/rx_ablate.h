/* Variants of the server's XDP program for bench/rx_cost.sh's ablation (RX_COST_ABLATE=1):
 * included by src/bpf/xdperf_srv.bpf.c only when it is compiled with XDPERF_SRV_ABLATE=N, never
 * in a build of xdperf. Each replaces what the program does with a trailer it found (stamp_put:
 * a record in the CPU's ring), so the bench can show what the stamped path costs without it
 * and what issue 23's other scheme would cost:
 *   1  read: the trailer's fields are read and compared, nothing is kept; the least any
 *      scheme that reads the trailer can cost, so the highest stamped/counting ratio any
 *      can reach on this machine;
 *   2  in-state: per-CPU, per-stream state in the program (the scheme issue 23 names): a
 *      stream's slot (by run and stream id), its highest sequence number, count, latency
 *      sum, minimum and maximum and src/server/hist.c's log-linear latency bucket; a frame
 *      that is not the next of its slot's stream goes to the ring as before. The bench's
 *      frame repeats one sequence number, so a repeat of the highest takes the in-order
 *      path here (the same work as seq == highest + 1). Not exact over CPUs: a cost model,
 *      not an analysis. */
#ifndef XDPERF_BENCH_RX_ABLATE_H
#define XDPERF_BENCH_RX_ABLATE_H

#if XDPERF_SRV_ABLATE == 1

static __always_inline int ablate_read(const __u8 *t, int v2, int words, __u64 rx_ns)
{
	__u32 run, stream;
	__u64 seq, tx_ns;
	stamp_fields(t, v2, words, &run, &stream, &seq, &tx_ns);
	/* used, so that the reads stay; true for every frame the bench sends */
	return (run ^ stream) != 0xffffffffu || seq + tx_ns != rx_ns;
}
#define STAMP_KEEP(t, v2, words, rx_ns) ablate_read(t, v2, words, rx_ns)

#elif XDPERF_SRV_ABLATE == 2

#define ABLATE_SLOTS 64
#define ABLATE_BUCKETS 1920 /* src/server/hist.h's SRV_HIST_BUCKETS */
struct ablate_slot {
	__u32 run, stream;
	__u64 hi, count, lat_sum, lat_min, lat_max;
	__u32 b[ABLATE_BUCKETS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ABLATE_SLOTS);
	__type(key, __u32);
	__type(value, struct ablate_slot);
} ablate_slots SEC(".maps");

/* src/server/hist.c's bucket of v (BPF has no count-leading-zeros: a binary search) */
static __always_inline __u32 ablate_bucket(__u64 v)
{
	if (v < 64)
		return (__u32)v;
	__u32 e = 6;
	__u64 x = v >> 6;
#pragma unroll
	for (int sh = 32; sh >= 1; sh >>= 1) {
		if (x >> sh) {
			x >>= sh;
			e += sh;
		}
	}
	return 64 + (e - 6) * 32 + (__u32)((v >> ((e - 5) & 63)) & 31);
}

static __always_inline int ablate_in_state(const __u8 *t, int v2, int words, __u64 rx_ns)
{
	__u32 run, stream;
	__u64 seq, tx_ns;
	stamp_fields(t, v2, words, &run, &stream, &seq, &tx_ns);
	__u32 k = (run ^ stream) & (ABLATE_SLOTS - 1);
	struct ablate_slot *s = bpf_map_lookup_elem(&ablate_slots, &k);
	if (!s)
		return 0;
	if (s->run != run || s->stream != stream || seq != s->hi) {
		s->run = run;
		s->stream = stream;
		s->hi = seq;
		s->lat_min = ~0ull;
		return stamp_put(t, v2, words, rx_ns);
	}
	s->count++;
	__u64 lat = rx_ns - tx_ns;
	s->lat_sum += lat;
	if (lat < s->lat_min)
		s->lat_min = lat;
	if (lat > s->lat_max)
		s->lat_max = lat;
	__u32 b = ablate_bucket(lat);
	if (b < ABLATE_BUCKETS)
		s->b[b]++;
	return 1;
}
#define STAMP_KEEP(t, v2, words, rx_ns) ablate_in_state(t, v2, words, rx_ns)

#else
#error "XDPERF_SRV_ABLATE: 1 (read) or 2 (in-state)"
#endif

#endif
