/* XDP transmit program, run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (one pinned
 * thread per CPU). Each run is one frame: it takes the next template of the send schedule
 * (rotation, or a weighted order the loader lays out), makes the page hold that template's
 * bytes and returns XDP_TX, which the kernel turns into a transmit on the run's ifindex.
 *
 * Pages are recycled between frames with their bytes intact, so each page carries a tag in
 * its metadata area (template index + generation). A page that already holds the template is
 * sent as is; when all templates share one length and differ only inside a window, only that
 * window is rewritten; otherwise the whole frame is copied with bpf_xdp_store_bytes.
 *
 * The same program stays attached (generic XDP) to the namespace's loopback while a run
 * lasts, only so the kernel's XDP dispatcher keeps it resident (otherwise every
 * BPF_PROG_RUN waits ~25 ms in synchronize_rcu). Real packets there arrive with another
 * ingress ifindex and are passed untouched.
 *
 * Raw tracepoints on xdp:xdp_devmap_xmit and xdp:xdp_redirect_err count frames the device
 * or the kernel refused, for this process only, so the summary reports them instead of
 * losing them silently. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdperf_bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before runs start (and changed only between runs). */
__u32 tx_ifindex = 0;     /* frames run with this ingress ifindex are ours */
__u32 sched_len = 1;      /* entries of `schedule` in use; 1 = template 0 only */
__u32 generation = 1;     /* bumped when the templates change */
__u32 win_on = 0;         /* all templates: same length, equal outside [win_off, +win_len) */
__u32 win_off = 0;
__u32 win_len = 0;
__u32 tgid = 0;           /* this process, for the drop counter */
/* Small-window mode: all templates have base_len bytes and differ only inside 8 * win_words
 * bytes at win_at; `windows` holds those bytes per template (cache-friendly, stored with
 * plain 8-byte writes instead of a helper call). */
__u32 win_words = 0;      /* 1..XDPERF_BPF_WWORDS, 0 = mode off */
__u32 win_at = 0;
__u32 base_len = 0;
/* One template: every page already holds it (it is the frame the run starts from). */
__u32 single = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tmpl);
} templates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_SCHED_MAX);
	__type(key, __u32);
	__type(value, __u32);
} schedule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_win);
} windows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tx_cpu);
} tx_cpu SEC(".maps");

static __always_inline int aborted(struct xdperf_bpf_tx_cpu *st)
{
	st->aborted++;
	return XDP_ABORTED;
}

SEC("xdp")
int xdperf_tx(struct xdp_md *ctx)
{
	if (ctx->ingress_ifindex != tx_ifindex)
		return XDP_PASS;
	__u32 zero = 0;
	struct xdperf_bpf_tx_cpu *st = bpf_map_lookup_elem(&tx_cpu, &zero);
	if (!st)
		return XDP_ABORTED;

	if (single) {
		st->packets++;
		st->bytes += base_len;
		return XDP_TX;
	}
	__u32 t = 0;
	__u32 n = sched_len;
	if (n > 1) {
		__u32 pos = st->pos;
		__u32 next = pos + 1;
		st->pos = next >= n ? 0 : next;
		__u32 *tp = bpf_map_lookup_elem(&schedule, &pos);
		if (!tp)
			return aborted(st);
		t = *tp;
	}
	__u32 gen = generation;
	__u32 nw = win_words;
	if (nw) {
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;
		__u32 *tag = (void *)(long)ctx->data_meta;
		if ((void *)(tag + 2) > data)
			return aborted(st);
		if (tag[0] != t || tag[1] != gen) {
			struct xdperf_bpf_win *wv = bpf_map_lookup_elem(&windows, &t);
			if (!wv)
				return aborted(st);
			__u32 at = win_at;
			if (at > XDPERF_BPF_SLOT)
				return aborted(st);
			__u64 *p = data + at;
#pragma unroll
			for (int i = 0; i < XDPERF_BPF_WWORDS; i++) {
				if ((__u32)i >= nw)
					break;
				if ((void *)(p + i + 1) > end)
					return aborted(st);
				p[i] = wv->w[i];
			}
			tag[0] = t;
			tag[1] = gen;
			st->patches++;
		}
		st->packets++;
		st->bytes += base_len;
		return XDP_TX;
	}

	struct xdperf_bpf_tmpl *tm = bpf_map_lookup_elem(&templates, &t);
	if (!tm)
		return aborted(st);
	__u32 len = tm->len;
	if (len < 1 || len > XDPERF_BPF_SLOT)
		return aborted(st);

	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	long cur = end - data;
	if (cur != (long)len) {
		if (bpf_xdp_adjust_tail(ctx, (int)((long)len - cur)))
			return aborted(st);
	}
	data = (void *)(long)ctx->data;
	__u32 *tag = (void *)(long)ctx->data_meta;
	if ((void *)(tag + 2) > data)
		return aborted(st);
	if (tag[0] != t || tag[1] != gen) {
		__u32 wo = win_off, wl = win_len;
		if (win_on && tag[1] == gen && wo < XDPERF_BPF_WIN_MAX && wl >= 1 &&
		    wl <= XDPERF_BPF_WIN_MAX) {
			if (bpf_xdp_store_bytes(ctx, wo, tm->data + wo, wl))
				return aborted(st);
			st->patches++;
		} else {
			if (bpf_xdp_store_bytes(ctx, 0, tm->data, len))
				return aborted(st);
			st->copies++;
		}
		data = (void *)(long)ctx->data;
		tag = (void *)(long)ctx->data_meta;
		if ((void *)(tag + 2) > data)
			return aborted(st);
		tag[0] = t;
		tag[1] = gen;
	}
	st->packets++;
	st->bytes += len;
	return XDP_TX;
}

/* xdp:xdp_devmap_xmit(from_dev, to_dev, sent, drops, err) */
SEC("raw_tracepoint/xdp_devmap_xmit")
int xdperf_tx_drops(struct bpf_raw_tracepoint_args *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != tgid)
		return 0;
	int drops = (int)ctx->args[3];
	int err = (int)ctx->args[4];
	if (drops <= 0 && !err)
		return 0;
	__u32 zero = 0;
	struct xdperf_bpf_tx_cpu *st = bpf_map_lookup_elem(&tx_cpu, &zero);
	if (!st)
		return 0;
	if (drops > 0)
		st->drops += (__u64)drops;
	if (err)
		st->xmit_err++;
	return 0;
}

/* xdp:xdp_redirect_err(dev, xdp, tgt, err, map_type, map_id, index) */
SEC("raw_tracepoint/xdp_redirect_err")
int xdperf_tx_redirect_err(struct bpf_raw_tracepoint_args *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != tgid)
		return 0;
	__u32 zero = 0;
	struct xdperf_bpf_tx_cpu *st = bpf_map_lookup_elem(&tx_cpu, &zero);
	if (st)
		st->redirect_err++;
	return 0;
}
