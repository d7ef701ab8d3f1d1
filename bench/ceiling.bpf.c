/* Benchmark reference: the ceiling of the BPF_PROG_RUN live-frames path. Transmits the frame
 * it was given, unchanged (frames run with another ingress ifindex, i.e. real traffic on the
 * loopback it is parked on, are passed). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u32 tx_ifindex = 0;

SEC("xdp")
int ceiling_tx(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex == tx_ifindex ? XDP_TX : XDP_PASS;
}
