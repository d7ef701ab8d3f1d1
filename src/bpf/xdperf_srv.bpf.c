/* XDP program of server mode (`xdperf --server`): counts the frames and bytes arriving on the
 * device per CPU. With a port, only UDP datagrams to that port are counted and consumed
 * (XDP_DROP); everything else passes to the stack untouched, so the host stays reachable.
 * Without a port every frame is counted and passed on.
 *
 * With stamp checking, a counted frame's trailer (src/bpf/xdperf_stamp.h, version 2 or 1, at
 * the end of its UDP payload as the UDP length says) is handed to user space with this host's
 * CLOCK_TAI receive time (the frame's monotonic time + tai_off) through the receiving CPU's
 * own ring (struct xdperf_bpf_srv_pos: one writer, one reader, no lock; a BPF ring buffer's
 * reserve and submit cost about 30 ns a frame, bench/rx_cost.sh); user space works out loss,
 * duplicates, reordering and latency per stream. With a sample interval N, every N-th counted frame on a CPU is copied
 * (up to XDPERF_BPF_SAMPLE_MAX bytes) to the `samples` ring for a verifier plugin. A full ring
 * is counted, never silent.
 *
 * With reflect set (`--reflect`), a counted IP frame is turned around and sent back out of
 * the device it came in on (XDP_TX): Ethernet and IP addresses swapped (and, for
 * XDPERF_BPF_REFLECT_PORTS, UDP/TCP ports), counted as reflected; a counted frame that is not
 * IP goes to the stack, counted as not_reflected. Frames the device fails to send back are
 * counted by user space from the xdp:xdp_exception tracepoint. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdperf_bpf.h"
#include "xdperf_fe_step.h"
#include "xdperf_stamp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before attaching. */
__u32 port = 0;         /* UDP destination port to count (host order); 0 = every frame */
__u32 stamp = 0;        /* 1: check trailers */
__u32 sample_every = 0; /* copy every N-th counted frame per CPU to `samples`; 0 = none */
__u64 reset_ns = 0;     /* CLOCK_MONOTONIC of the last reset (set any time): srv_cpu's first_ns is
			 * the first counted frame at or after it, last_ns the last one */
__u32 reflect = 0;      /* XDPERF_BPF_REFLECT_*: send counted IP frames back (XDP_TX) */
__u32 ifindex = 0;      /* the device (for the exception counter) */
__u32 ifindex_off = 0;  /* offsetof(struct net_device, ifindex), from the kernel's BTF */
__s64 tai_off = 0;      /* CLOCK_TAI − CLOCK_MONOTONIC (ns), kept current by user space: a
			 * stamp's receive time is the frame's monotonic time plus this, one
			 * clock read per frame instead of two (bpf_ktime_get_tai_ns costs
			 * about 40 ns a frame; bench/rx_cost.sh) */
__u32 ring_shift = 0;   /* log2 of the records in a CPU's stamp ring */
const volatile __u32 word_reads = 0; /* 1: read trailers with unaligned word loads (the loader
				      * sets it where the kernel allows them: x86, arm64, ...) */
__u32 plain_head = 0;   /* 1: publish a ring's head with a plain store after the record (CPUs
			 * that keep stores in order: x86); 0: with an atomic exchange, which
			 * orders the record's stores before it everywhere */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_srv_cpu);
} srv_cpu SEC(".maps");

/* The stamp rings: CPU c's records and positions (the loader sizes both). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_srv_rec);
} stamp_recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_srv_pos);
} stamp_pos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} samples SEC(".maps");

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

/* The L3 header's offset and EtherType, through up to two VLAN tags; -1 when cut short. */
static __always_inline int l3_find(void *data, void *end, __u32 *l3_off, __u16 *ethertype)
{
	__u8 *p = data;
	if ((void *)(p + 14) > end)
		return -1;
	__u32 off = 12;
	__u16 type = (__u16)(p[12] << 8 | p[13]);
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		off += 4;
		if ((void *)(p + off + 2) > end)
			return -1;
		type = (__u16)(p[off] << 8 | p[off + 1]);
	}
	*l3_off = off + 2;
	*ethertype = type;
	return 0;
}

/* The UDP header of the frame (as src/packet/stamp.c: xdperf_udp_find), or -1. */
static __always_inline int udp_find(void *data, void *end, __u32 *udp_off)
{
	__u8 *p = data;
	__u32 off;
	__u16 type;
	if (l3_find(data, end, &off, &type))
		return -1;
	__u8 *ip = p + off;
	if (type == ETH_P_IPV4) {
		if ((void *)(ip + 20) > end || (ip[0] >> 4) != 4 || ip[9] != 17 ||
		    ((ip[6] & 0x1f) | ip[7]))
			return -1;
		__u32 ihl = (__u32)(ip[0] & 15) * 4;
		if (ihl < 20)
			return -1;
		off += ihl;
	} else if (type == ETH_P_IPV6) {
		if ((void *)(ip + 40) > end || (ip[0] >> 4) != 6 || ip[6] != 17)
			return -1;
		off += 40;
	} else {
		return -1;
	}
	*udp_off = off;
	return 0;
}

static __always_inline void swap_bytes(__u8 *a, __u8 *b, int n)
{
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (i >= n)
			break;
		__u8 t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/* Turns a counted frame around: Ethernet addresses, then (through up to two VLAN tags) the
 * IPv4 or IPv6 addresses and, with XDPERF_BPF_REFLECT_PORTS, the UDP or TCP ports (after an
 * IPv4 header, or an IPv6 header without extension headers). Swapping two 16-bit-aligned
 * fields leaves every Internet checksum as it was. 1 when turned (an IP frame), else 0. */
static __always_inline int turn_around(void *data, void *end)
{
	__u8 *p = data;
	__u32 off;
	__u16 type;
	if (l3_find(data, end, &off, &type))
		return 0;
	__u8 *ip = p + (off & 0x3f);
	__u8 *l4;
	__u8 proto;
	if (type == ETH_P_IPV4) {
		if ((void *)(ip + 20) > end || (ip[0] >> 4) != 4)
			return 0;
		__u32 ihl = (__u32)(ip[0] & 15) * 4;
		if (ihl < 20)
			return 0;
		swap_bytes(ip + 12, ip + 16, 4);
		proto = ((ip[6] & 0x1f) | ip[7]) ? 0 : ip[9]; /* a fragment: no ports to swap */
		l4 = ip + (ihl & 0x3c);
	} else if (type == ETH_P_IPV6) {
		if ((void *)(ip + 40) > end || (ip[0] >> 4) != 6)
			return 0;
		swap_bytes(ip + 8, ip + 24, 16);
		proto = ip[6];
		l4 = ip + 40;
	} else {
		return 0;
	}
	swap_bytes(p, p + 6, 6);
	if (reflect == XDPERF_BPF_REFLECT_PORTS && (proto == 17 || proto == 6) && (void *)(l4 + 4) <= end)
		swap_bytes(l4, l4 + 2, 2);
	return 1;
}

/* Big-endian fields of a trailer (p checked by the caller), which sits at any alignment in the
 * frame: with words (word_reads, read once a frame), word loads (the kernel allows them where
 * the CPU reads unaligned words well); without, a byte at a time (word_reads is read-only
 * data, so the verifier drops the other branch at load). */
static __always_inline __u32 be32_at(const __u8 *p, int words)
{
	if (words)
		return __builtin_bswap32(*(const __u32 *)p);
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}
static __always_inline __u64 be64_at(const __u8 *p, int words)
{
	if (words)
		return __builtin_bswap64(*(const __u64 *)p);
	return (__u64)be32_at(p, 0) << 32 | be32_at(p + 4, 0);
}

/* The fields of a trailer t (checked by the caller, magic included) of version 2 (v2) or 1. */
static __always_inline void stamp_fields(const __u8 *t, int v2, int words, __u32 *run,
					 __u32 *stream, __u64 *seq, __u64 *tx_ns)
{
	if (v2) {
		*run = be32_at(t + 4, words);
		t += 4;
	} else {
		*run = 0;
	}
	*stream = be32_at(t + 4, words);
	*seq = be64_at(t + 8, words);
	*tx_ns = be64_at(t + 16, words);
}

/* The trailer ending at frame offset end of a UDP datagram of ulen bytes: version 2 (28 bytes,
 * "XDPR"; *v2 = 1), else version 1 (24 bytes, "XDPS"; *v2 = 0), or NULL. The caller checked
 * that the datagram lies in the frame's linear part, so the trailer is found in place; only
 * one starting 16 KiB or more into the frame (possible with larger pages) is copied out into
 * buf with bpf_xdp_load_bytes, which costs about 20 ns a call (bench/rx_cost.sh), at an offset
 * that aligns every field. */
static __always_inline const __u8 *stamp_find(struct xdp_md *ctx, __u32 end, __u32 ulen,
					      __u64 *buf, int *v2, int words)
{
	__u8 *data = (void *)(long)ctx->data;
	void *dend = (void *)(long)ctx->data_end;
	int v2_fits = ulen >= 8 + XDPERF_STAMP_LEN;
	__u32 o = end - XDPERF_STAMP_LEN_V1; /* the caller checked ulen >= 8 + 24 */
	if (o < 0x3fff) {
		__u8 *p = data + (o & 0x3fff);
		if ((void *)(p + XDPERF_STAMP_LEN_V1) > dend)
			return NULL;
		/* version 2 first: its 28 bytes start 4 before */
		if (v2_fits && o >= 4) {
			__u8 *q = data + ((o - 4) & 0x3fff);
			if ((void *)(q + XDPERF_STAMP_LEN) <= dend && be32_at(q, words) == XDPERF_STAMP_MAGIC) {
				*v2 = 1;
				return q;
			}
		}
		*v2 = 0;
		return be32_at(p, words) == XDPERF_STAMP_MAGIC_V1 ? p : NULL;
	}
	__u8 *t = (__u8 *)buf;
	if (v2_fits && !bpf_xdp_load_bytes(ctx, (end - XDPERF_STAMP_LEN) & 0xffff, t + 4, XDPERF_STAMP_LEN) &&
	    be32_at(t + 4, words) == XDPERF_STAMP_MAGIC) {
		*v2 = 1;
		return t + 4;
	}
	*v2 = 0;
	if (bpf_xdp_load_bytes(ctx, (end - XDPERF_STAMP_LEN_V1) & 0xffff, t, XDPERF_STAMP_LEN_V1) ||
	    be32_at(t, words) != XDPERF_STAMP_MAGIC_V1)
		return NULL;
	return t;
}

/* Puts the record of trailer t (version 2 when v2, else 1) with receive time rx_ns into this
 * CPU's ring: 1, or 0 when the ring is full. The fields go from the frame straight into the
 * record. */
static __always_inline int stamp_put(const __u8 *t, int v2, int words, __u64 rx_ns)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct xdperf_bpf_srv_pos *p = bpf_map_lookup_elem(&stamp_pos, &cpu);
	if (!p)
		return 0;
	__u64 h = p->head;
	__u64 tail = *(volatile __u64 *)&p->tail;
	__u32 size = 1u << (ring_shift & 31);
	if (h - tail >= size)
		return 0;
	__u32 k = cpu << (ring_shift & 31) | ((__u32)h & (size - 1));
	struct xdperf_bpf_srv_rec *r = bpf_map_lookup_elem(&stamp_recs, &k);
	if (!r)
		return 0;
	stamp_fields(t, v2, words, &r->run, &r->stream, &r->seq, &r->tx_ns);
	r->rx_ns = rx_ns;
	if (plain_head) {
		asm volatile("" ::: "memory"); /* the record's stores first */
		*(volatile __u64 *)&p->head = h + 1;
	} else {
		__sync_lock_test_and_set(&p->head, h + 1);
	}
	return 1;
}

static __always_inline int count_frame(struct xdp_md *ctx, struct xdperf_bpf_srv_cpu *st);

/* What a found trailer costs: a record in the ring; bench/rx_cost.sh's ablation compiles the
 * program with XDPERF_SRV_ABLATE to put another step here (bench/rx_ablate.h). */
#ifdef XDPERF_SRV_ABLATE
#include "../../bench/rx_ablate.h"
#else
#define STAMP_KEEP(t, v2, words, rx_ns) stamp_put(t, v2, words, rx_ns)
#endif

SEC("xdp")
int xdperf_srv(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xdperf_bpf_srv_cpu *st = bpf_map_lookup_elem(&srv_cpu, &zero);
	if (!st)
		return XDP_PASS;
	int verdict = count_frame(ctx, st);
	if (verdict == XDP_PASS && port)
		return XDP_PASS; /* not for the port */
	if (reflect) {
		if (turn_around((void *)(long)ctx->data, (void *)(long)ctx->data_end)) {
			st->reflected++;
			return XDP_TX;
		}
		st->not_reflected++;
		return XDP_PASS;
	}
	return verdict;
}

/* Counts the frame (and hands its stamp and sample on): XDP_DROP for a frame of the port,
 * XDP_PASS for everything else. */
static __always_inline int count_frame(struct xdp_md *ctx, struct xdperf_bpf_srv_cpu *st)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 len = (__u32)(end - data);
	__u32 uo = 0, ulen = 0;
	int udp = udp_find(data, end, &uo) == 0;
	if (udp) {
		__u8 *u = data + (uo & 0xff);
		if ((void *)(u + 8) > end) {
			udp = 0;
		} else {
			ulen = (__u32)(u[4] << 8 | u[5]);
			if (port && (__u32)(u[2] << 8 | u[3]) != port)
				udp = 0;
		}
	}
	if (port && !udp) {
		st->passed++;
		return XDP_PASS;
	}
	st->packets++;
	st->bytes += len;
	__u64 now = bpf_ktime_get_ns();
	if (st->first_ns < reset_ns || !st->first_ns) {
		st->first_ns = now;
		st->first_len = len;
	}
	st->last_ns = now;
	int verdict = port ? XDP_DROP : XDP_PASS;

	const __u8 *t = NULL;
	int v2 = 0, words = word_reads; /* read once: word_reads is volatile */
	__u64 buf[XDPERF_STAMP_LEN / 8 + 1];
	if (stamp && udp && uo + ulen <= len && ulen >= 8 + XDPERF_STAMP_LEN_V1)
		t = stamp_find(ctx, uo + ulen, ulen, buf, &v2, words);
	if (stamp) {
		if (t) {
			if (STAMP_KEEP(t, v2, words, now + tai_off))
				st->stamped++;
			else
				st->ring_full++;
		} else {
			st->unstamped++;
		}
	}

	if (sample_every && ++st->nth >= sample_every) {
		st->nth = 0;
		struct xdperf_bpf_srv_sample *sm = bpf_ringbuf_reserve(&samples, sizeof *sm, 0);
		if (!sm) {
			st->sample_full++;
			return verdict;
		}
		__u32 stream = 0, run = 0;
		__u64 seq = 0, tx_ns = 0;
		if (t)
			stamp_fields(t, v2, words, &run, &stream, &seq, &tx_ns);
		sm->len = len;
		sm->stamped = t != NULL;
		sm->stream = stream;
		sm->run = run;
		sm->seq = seq;
		sm->rx_ns = bpf_ktime_get_tai_ns();
		long e;
		if (len >= XDPERF_BPF_SAMPLE_MAX) {
			e = bpf_xdp_load_bytes(ctx, 0, sm->data, XDPERF_BPF_SAMPLE_MAX);
		} else {
			/* the mask the verifier needs, kept by the compiler */
			__u32 m = len;
			asm volatile("" : "+r"(m));
			m &= XDPERF_BPF_SAMPLE_MAX - 1;
			e = m ? bpf_xdp_load_bytes(ctx, 0, sm->data, m) : -1;
		}
		if (e) {
			bpf_ringbuf_discard(sm, 0);
			st->sample_full++;
			return verdict;
		}
		bpf_ringbuf_submit(sm, 0);
		st->sampled++;
	}
	return verdict;
}

/* xdp:xdp_exception(dev, prog, act): a frame the device could not send back (XDP_TX) on our
 * device is counted as reflect_failed. */
SEC("raw_tracepoint/xdp_exception")
int xdperf_srv_exception(struct bpf_raw_tracepoint_args *ctx)
{
	if ((__u32)ctx->args[2] != XDP_TX)
		return 0;
	int ifi = 0;
	if (bpf_probe_read_kernel(&ifi, sizeof ifi, (void *)(long)(ctx->args[0] + ifindex_off)))
		return 0;
	if ((__u32)ifi != ifindex)
		return 0;
	__u32 zero = 0;
	struct xdperf_bpf_srv_cpu *st = bpf_map_lookup_elem(&srv_cpu, &zero);
	if (st)
		st->reflect_failed++;
	return 0;
}
