/* XDP receive counter: counts frames and bytes per CPU on the device it is attached to, then
 * drops them (fast) or passes them on to the stack (so captures and sockets still see them).
 * Used by the tests and benchmarks on the receiving end of a veth pair, and by server mode.
 * Multi-buffer aware (xdp.frags): a veth takes an XDP program only then when its peer's MTU
 * is above about 3.5 KB (jumbo frames); the bytes count the whole frame, fragments included. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdperf_bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u32 pass = 0; /* 1: XDP_PASS after counting; 0: XDP_DROP */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_rx_cpu);
} rx_cpu SEC(".maps");

SEC("xdp.frags")
int xdperf_rx(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xdperf_bpf_rx_cpu *st = bpf_map_lookup_elem(&rx_cpu, &zero);
	if (st) {
		st->packets++;
		st->bytes += (__u64)bpf_xdp_get_buff_len(ctx);
	}
	return pass ? XDP_PASS : XDP_DROP;
}
