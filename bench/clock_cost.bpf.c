/* XDP programs that only read a clock (bench/rx_cost.sh runs them with BPF_PROG_RUN): what one
 * clock read costs the XDP side, against a program that reads none. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 sink = 0;

SEC("xdp") int clock_none(struct xdp_md *ctx) { (void)ctx; sink++; return XDP_DROP; }
SEC("xdp") int clock_mono(struct xdp_md *ctx) { (void)ctx; sink += bpf_ktime_get_ns(); return XDP_DROP; }
SEC("xdp") int clock_tai(struct xdp_md *ctx) { (void)ctx; sink += bpf_ktime_get_tai_ns(); return XDP_DROP; }
