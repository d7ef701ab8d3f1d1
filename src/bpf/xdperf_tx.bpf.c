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
 * With measurement stamps on, each frame's last 28 UDP payload bytes get the trailer of
 * src/bpf/xdperf_stamp.h (the run, stream = sender thread and template, a per-CPU sequence
 * number per template, CLOCK_TAI now) and the UDP checksum is adjusted for it: the old trailer's share
 * is taken out before the field engine runs (which may rewrite the checksum for a zero
 * trailer, as in the template) and the new one's added after it, so the checksum stays right
 * whatever the page held before.
 *
 * Every frame is counted to its template (per CPU: the stream of that CPU's sender thread).
 * Raw tracepoints on xdp:xdp_devmap_xmit and xdp:xdp_redirect_err count frames the device
 * or the kernel refused, for this process only, and work out exactly which frames those were
 * (the frame records in `tx_hist`, src/bpf/xdperf_bpf.h): each is charged to its template and
 * queued to be sent again as itself (same template and stamp sequence number) before the
 * schedule goes on, so counts, bytes and the template mix stay exact. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdperf_bpf.h"
#include "xdperf_fe_step.h"
#include "xdperf_stamp.h"
#define XDPERF_STAMP_CLOCK_NOW() bpf_ktime_get_tai_ns()
#include "xdperf_stamp_clock.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before runs start. */
__u32 tx_ifindex = 0;     /* frames run with this ingress ifindex are ours */
__u32 tgid = 0;           /* this process, for the drop counter */
__u32 stamp_run = 0;      /* the run identity written into stamps */
/* BPF_PROG_RUN calls of the sender thread on each CPU: the sender counts one up before each
 * call, so the first stamped frame of a call reads the clock afresh (calls may be a pacing
 * wait apart) */
__u64 call_gen[XDPERF_BPF_CPUS_MAX];
/* Schedule frames the sender thread on each CPU still has to send in its current send
 * request (set by the sender, counted down here): a page-keeping block starts only when it
 * fits, so a request ends on the same template counts as the schedule's order gives. */
__u64 fresh_left[XDPERF_BPF_CPUS_MAX];
/* 1 when the device hands our pages to a peer that may write them (veth: the peer's XDP
 * program, a reflector say, gets the very page): then no page is trusted to still hold what
 * was written into it, and every frame is written whole. */
__u32 pages_shared = 0;
/* The template set in use: bank gen & 1. Changed while runs go on (hot swap): the loader
 * fills the other bank, then stores the next gen; each frame reads it once. */
volatile __u32 gen = 1;
/* 1: the set is ordered (src/bpf/xdperf_bpf.h: tx_list); set by the loader before loading. */
const volatile __u32 ordered = 0;
/* 1: the trailer is read and written a word at a time, at whatever alignment it has in the
 * frame (the loader sets it where the kernel allows that: util/arch.h); 0: a byte at a time
 * (the verifier drops the other branch at load). */
const volatile __u32 word_access = 0;

/* Variable v from / to frame bytes at p, as one word access when words (word_access, read
 * once by the caller: it is volatile) or byte by byte. */
#define FRAME_LOAD(words, v, p)                                           \
	do {                                                              \
		if (words)                                                \
			(v) = *(const __typeof__(v) *)(p);                \
		else                                                      \
			__builtin_memcpy(&(v), (p), sizeof(v));           \
	} while (0)
#define FRAME_STORE(words, p, v)                                          \
	do {                                                              \
		if (words)                                                \
			*(__typeof__(v) *)(p) = (v);                      \
		else                                                      \
			__builtin_memcpy((p), &(v), sizeof(v));           \
	} while (0)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_bank);
} banks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tmpl);
} templates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_SCHED_MAX);
	__type(key, __u32);
	__type(value, __u32);
} schedule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_win);
} windows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_fe);
} fe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_fe_state);
} fe_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tx_cpu);
} tx_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tx_hist);
} tx_hist SEC(".maps");

/* per-template counters on this CPU (the streams of its sender thread) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_tmpl_cnt);
} tmpl_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_BANKS * XDPERF_BPF_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_stamp);
} stamp SEC(".maps");

/* the sender thread pinned to each CPU (set by the loader as threads start) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPERF_BPF_CPUS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} cpu_worker SEC(".maps");

/* ordered sets: each sender thread's templates for its current send call (by worker index;
 * the loader sets max_entries to the run's threads) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdperf_bpf_list);
} tx_list SEC(".maps");

static __always_inline int aborted(struct xdperf_bpf_tx_cpu *st)
{
	st->aborted++;
	return XDP_ABORTED;
}

/* The field engine: the same step as xdperf_fe_apply() in src/packet/field.c. Returns 0, or
 * -1 when a field lies outside the frame (the loader never lets that happen). */
static __always_inline int fe_apply(struct xdp_md *ctx, const struct xdperf_bpf_fe *f,
				    struct xdperf_bpf_fe_state *st)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 acc[XDPERF_BPF_FE_CSUMS] = { 0, 0, 0, 0 };
	__u32 nm = f->nmods;
	for (__u32 i = 0; i < XDPERF_BPF_FE_MODS && i < nm; i++) {
		const struct xdperf_bpf_fe_mod *m = &f->mod[i];
		__u64 x = xdperf_fe_next(m, &st->s[i]);
		__u64 be = xdperf_fe_be(m, m->base + m->mul * x);
		__u8 *p = data + (m->off & (XDPERF_BPF_SLOT - 1));
		switch (m->len) {
		case 1:
			if ((void *)(p + 1) > end)
				return -1;
			*p = (__u8)be;
			break;
		case 2:
			if ((void *)(p + 2) > end)
				return -1;
			*(__u16 *)p = __builtin_bswap16((__u16)be);
			break;
		case 4:
			if ((void *)(p + 4) > end)
				return -1;
			*(__u32 *)p = __builtin_bswap32((__u32)be);
			break;
		case 8:
			if ((void *)(p + 8) > end)
				return -1;
			*(__u64 *)p = __builtin_bswap64(be);
			break;
		default:
			return -1;
		}
		__u32 s = xdperf_fe_sum(be, m->len, m->flags & XDPERF_BPF_FE_ODD);
		__u8 cs = m->csums;
		if (cs & 1)
			acc[0] += s;
		if (cs & 2)
			acc[1] += s;
		if (cs & 4)
			acc[2] += s;
		if (cs & 8)
			acc[3] += s;
	}
	__u32 nc = f->ncsums;
	for (__u32 c = 0; c < XDPERF_BPF_FE_CSUMS && c < nc; c++) {
		const struct xdperf_bpf_fe_csum *k = &f->csum[c];
		__u8 *p = data + (k->off & (XDPERF_BPF_SLOT - 1));
		if ((void *)(p + 2) > end)
			return -1;
		__u16 ck = xdperf_fe_csum_value(k, acc[c]);
		*(__u16 *)p = __builtin_bswap16(ck);
		xdperf_fe_chain(f, c, ck, acc);
	}
	return 0;
}

/* fe_apply for a field engine of walks (struct xdperf_bpf_fe: walks): the same bytes in fewer
 * steps (no random numbers, no little-endian or odd-offset fields, two checksums at most, none
 * covering another), so that fewer values spill out of the registers. */
static __always_inline int fe_apply_walks(struct xdp_md *ctx, const struct xdperf_bpf_fe *f,
					  struct xdperf_bpf_fe_state *st)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 acc0 = 0, acc1 = 0;
	__u32 nm = f->nmods;
	for (__u32 i = 0; i < XDPERF_BPF_FE_MODS && i < nm; i++) {
		const struct xdperf_bpf_fe_mod *m = &f->mod[i];
		__u64 v = m->base + m->mul * xdperf_fe_walk(m, &st->s[i]);
		__u8 *p = data + (m->off & (XDPERF_BPF_SLOT - 1));
		__u32 s;
		if (m->len == 2) {
			if ((void *)(p + 2) > end)
				return -1;
			*(__u16 *)p = __builtin_bswap16((__u16)v);
			s = xdperf_fe_sum(v, 2, 0);
		} else {
			if ((void *)(p + 4) > end)
				return -1;
			*(__u32 *)p = __builtin_bswap32((__u32)v);
			s = xdperf_fe_sum(v, 4, 0);
		}
		__u8 cs = m->csums;
		if (cs & 1)
			acc0 += s;
		if (cs & 2)
			acc1 += s;
	}
	__u32 nc = f->ncsums;
	for (__u32 c = 0; c < 2 && c < nc; c++) {
		const struct xdperf_bpf_fe_csum *k = &f->csum[c];
		__u8 *p = data + (k->off & (XDPERF_BPF_SLOT - 1));
		if ((void *)(p + 2) > end)
			return -1;
		*(__u16 *)p = __builtin_bswap16(xdperf_fe_csum_value(k, c ? acc1 : acc0));
	}
	return 0;
}

/* The trailer's share of the UDP checksum as the page holds it now; -1 when it lies outside. */
static __always_inline int stamp_sum_now(struct xdp_md *ctx, const struct xdperf_bpf_stamp *sp,
					 __u32 *sum)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = data + (sp->off & (XDPERF_BPF_SLOT - 1));
	if ((void *)(p + XDPERF_STAMP_LEN) > end)
		return -1;
	__u32 m, r, s, words = word_access;
	__u64 q, ns;
	FRAME_LOAD(words, m, p);
	FRAME_LOAD(words, r, p + 4);
	FRAME_LOAD(words, s, p + 8);
	FRAME_LOAD(words, q, p + 12);
	FRAME_LOAD(words, ns, p + 20);
	*sum = xdperf_stamp_sum(__builtin_bswap32(m), __builtin_bswap32(r), __builtin_bswap32(s),
				__builtin_bswap64(q), __builtin_bswap64(ns),
				sp->flags & XDPERF_BPF_ST_ODD);
	return 0;
}

/* Adjusts the UDP checksum for covered bytes summing to old_sum now summing to new_sum: the
 * page's checksum, or the template's (XDPERF_BPF_ST_TMPL_CK, old_sum 0). */
static __always_inline int stamp_fix_csum(struct xdp_md *ctx, const struct xdperf_bpf_stamp *sp,
					  __u32 old_sum, __u32 new_sum)
{
	if (!(sp->flags & XDPERF_BPF_ST_CSUM))
		return 0;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *c = data + (sp->csum_off & (XDPERF_BPF_SLOT - 1));
	if ((void *)(c + 2) > end)
		return -1;
	__u16 ck = sp->tmpl_ck;
	__u32 words = word_access;
	if (!(sp->flags & XDPERF_BPF_ST_TMPL_CK))
		FRAME_LOAD(words, ck, c);
	ck = __builtin_bswap16(xdperf_stamp_csum(__builtin_bswap16(ck), old_sum, new_sum));
	FRAME_STORE(words, c, ck);
	return 0;
}

/* Writes this frame's trailer (template t) and moves the checksum from the old trailer's
 * share old_sum (0 when the field engine wrote the checksum afresh) to the new one's, in one
 * step. The sequence number is the template's next one, or *seq for a frame sent again
 * (redo); *seq is set to the one written. */
static __always_inline int stamp_write(struct xdp_md *ctx, struct xdperf_bpf_tx_cpu *st,
				       struct xdperf_bpf_tmpl_cnt *tc,
				       const struct xdperf_bpf_stamp *sp, __u32 t, int redo,
				       __u64 *seqp, __u32 old_sum)
{
	__u32 cpu = bpf_get_smp_processor_id();
	if (!st->worker1) {
		__u32 *wk = bpf_map_lookup_elem(&cpu_worker, &cpu);
		if (!wk)
			return -1;
		st->worker1 = *wk + 1;
	}
	__u32 stream = XDPERF_STAMP_STREAM(st->worker1 - 1, t);
	__u64 seq = *seqp;
	if (!redo) {
		seq = tc->seq;
		tc->seq = seq + 1;
	}
	*seqp = seq;
	__u64 ns = xdperf_stamp_clock(st, call_gen[cpu & (XDPERF_BPF_CPUS_MAX - 1)]);
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = data + (sp->off & (XDPERF_BPF_SLOT - 1));
	if ((void *)(p + XDPERF_STAMP_LEN) > end)
		return -1;
	__u32 m = __builtin_bswap32(XDPERF_STAMP_MAGIC), r = __builtin_bswap32(stamp_run);
	__u32 s = __builtin_bswap32(stream);
	__u64 q = __builtin_bswap64(seq), n = __builtin_bswap64(ns);
	__u32 words = word_access;
	FRAME_STORE(words, p, m);
	FRAME_STORE(words, p + 4, r);
	FRAME_STORE(words, p + 8, s);
	FRAME_STORE(words, p + 12, q);
	FRAME_STORE(words, p + 20, n);
	return stamp_fix_csum(ctx, sp, old_sum,
			      xdperf_stamp_sum(XDPERF_STAMP_MAGIC, stamp_run, stream, seq, ns,
					       sp->flags & XDPERF_BPF_ST_ODD));
}

/* Page keeping (struct xdperf_bpf_bank keep_k): the block of the schedule being sent; starts
 * one at a cycle's start, of as many whole cycles as the send request still has frames for
 * (at most keep_k frames). Takes the frame's
 * template into *t: the page's own when the block still owes it one, else the template the
 * block owes most. 0: taken; 1: no block (follow the schedule). */
static __always_inline int keep_take(struct xdp_md *ctx, struct xdperf_bpf_tx_cpu *st,
				     const struct xdperf_bpf_bank *cfg, __u32 g, __u32 *t)
{
	__u32 cpu = bpf_get_smp_processor_id() & (XDPERF_BPF_CPUS_MAX - 1);
	__u64 fl = fresh_left[cpu];
	if (st->keep_gen != g) {
		st->keep_gen = g; /* a new set: its blocks start afresh */
		st->keep_left = 0;
	}
	if (fl)
		fresh_left[cpu] = fl - 1;
	if (!st->keep_left) {
		/* as many whole cycles as the request has frames for, up to keep_k */
		__u32 cyc = cfg->sched_len;
		__u64 m = cyc ? (fl < cfg->keep_k ? fl : cfg->keep_k) / cyc : 0;
		if (st->pos != 0 || !m)
			return 1;
#pragma unroll
		for (int i = 0; i < XDPERF_BPF_KEEP_MAX; i++)
			st->keep_r[i] = cfg->keep_cnt[i] * (__u16)m;
		st->keep_left = cyc * (__u32)m;
	}
	void *data = (void *)(long)ctx->data;
	__u32 *tag = (void *)(long)ctx->data_meta;
	__u32 y = XDPERF_BPF_KEEP_MAX;
	if ((void *)(tag + 2) <= data && tag[1] == g)
		y = tag[0];
	if (y >= XDPERF_BPF_KEEP_MAX || !st->keep_r[y]) {
		__u32 most = 0;
		y = 0;
#pragma unroll
		for (int i = 0; i < XDPERF_BPF_KEEP_MAX; i++)
			if (st->keep_r[i] > most) {
				most = st->keep_r[i];
				y = i;
			}
		if (!most) { /* cannot be: keep_left counts what keep_r holds */
			st->keep_left = 0;
			return 1;
		}
	}
	st->keep_r[y]--;
	st->keep_left--;
	*t = y;
	return 0;
}

/* The field engine's step, a stamped frame's trailer and a frame's record; bench/tx_dry.sh's
 * ablation compiles the program with XDPERF_TX_ABLATE to take one of them out
 * (bench/tx_ablate.h); a build of xdperf never does. */
#ifdef XDPERF_TX_ABLATE
#include "../../bench/tx_ablate.h"
#endif
#ifndef FE_STEP
#define FE_STEP(ctx, f, fs) ((f)->walks ? fe_apply_walks(ctx, f, fs) : fe_apply(ctx, f, fs))
#endif
#ifndef STAMP_WRITE
#define STAMP_WRITE stamp_write
#endif
#ifndef TX_RECORD
#define TX_RECORD 1
#endif

SEC("xdp")
int xdperf_tx(struct xdp_md *ctx)
{
	if (ctx->ingress_ifindex != tx_ifindex)
		return XDP_PASS;
	__u32 zero = 0;
	struct xdperf_bpf_tx_cpu *st = bpf_map_lookup_elem(&tx_cpu, &zero);
	if (!st)
		return XDP_ABORTED;
	__u32 g = gen;
	__u32 b = g & 1;
	struct xdperf_bpf_bank *cfg = bpf_map_lookup_elem(&banks, &b);
	if (!cfg)
		return aborted(st);
	__u32 t = 0, len;
	int redo = 0;
	__u64 seq = 0;
	/* the fast path: one template in every page, no stamps — nothing to record */
	int anon = cfg->single && !cfg->stamp_on;
	struct xdperf_bpf_tx_hist *hs = NULL;
	if (!anon && !(hs = bpf_map_lookup_elem(&tx_hist, &zero)))
		return aborted(st);
	/* a frame the device refused goes first, as itself (if it is of this set) */
	if (hs && hs->redo_head != hs->redo_tail) {
		__u32 i = hs->redo_tail & (XDPERF_BPF_REDO - 1);
		__u64 r = hs->redo[i];
		hs->redo_tail++;
		if (XDPERF_BPF_REC_GEN(r) == g) {
			t = XDPERF_BPF_REC_TMPL(r);
			seq = hs->redo_seq[i];
			redo = 1;
			st->redone++;
		} else {
			st->redo_lost++;
		}
	}
	if (cfg->single && !pages_shared) {
		len = cfg->base_len;
		goto fields;
	}
	__u32 n = cfg->sched_len;
	if (ordered) {
		if (!redo) {
			__u32 cpu = bpf_get_smp_processor_id();
			__u32 *wk = bpf_map_lookup_elem(&cpu_worker, &cpu);
			struct xdperf_bpf_list *l = wk ? bpf_map_lookup_elem(&tx_list, wk) : NULL;
			if (!l)
				return aborted(st);
			__u32 p = l->pos;
			if (p >= l->len || p >= XDPERF_BPF_LIST_MAX)
				return aborted(st);
			t = l->t[p];
			l->pos = p + 1;
		}
	} else if (n > 1 && !redo && cfg->keep_k && !pages_shared &&
		   keep_take(ctx, st, cfg, g, &t) == 0) {
		/* a block's frame, in the template the page holds where it can */
	} else if (n > 1 && !redo) {
		__u32 pos = st->pos;
		if (pos >= n)
			pos = 0; /* a new set with a shorter schedule */
		__u32 next = pos + 1;
		st->pos = next >= n ? 0 : next;
		__u32 key = b * XDPERF_BPF_SCHED_MAX + pos;
		__u32 *tp = bpf_map_lookup_elem(&schedule, &key);
		if (!tp)
			return aborted(st);
		t = *tp;
	}
	if (t >= XDPERF_BPF_TMPL_MAX)
		return aborted(st);
	__u32 tkey = b * XDPERF_BPF_TMPL_MAX + t;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 *tag = (void *)(long)ctx->data_meta;
	if ((void *)(tag + 2) > data)
		return aborted(st);
	__u32 nw = cfg->win_words;
	len = cfg->base_len;
	if (nw && !pages_shared && (__u32)(end - data) == len && tag[1] == g) {
		/* small window: the page holds a template of this set; rewrite the window */
		if (tag[0] != t) {
			struct xdperf_bpf_win *wv = bpf_map_lookup_elem(&windows, &tkey);
			if (!wv)
				return aborted(st);
			__u32 at = cfg->win_at;
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
			st->patches++;
		}
		goto fields;
	}

	struct xdperf_bpf_tmpl *tm = bpf_map_lookup_elem(&templates, &tkey);
	if (!tm)
		return aborted(st);
	len = tm->len;
	if (len < 1 || len > XDPERF_BPF_SLOT)
		return aborted(st);
	long cur = end - data;
	/* A recycled page comes back with the run's first length (the longest template) or, on
	 * a NIC, its last one; growing it zeroes the bytes added, so a page that held this
	 * template before must be written again then. */
	int grown = cur < (long)len;
	if (cur != (long)len) {
		if (bpf_xdp_adjust_tail(ctx, (int)((long)len - cur)))
			return aborted(st);
	}
	data = (void *)(long)ctx->data;
	tag = (void *)(long)ctx->data_meta;
	if ((void *)(tag + 2) > data)
		return aborted(st);
	if (pages_shared || grown || tag[0] != t || tag[1] != g) {
		__u32 wo = cfg->win_off, wl = cfg->win_len;
		if (!pages_shared && !grown && cfg->win_on && tag[1] == g && wo < XDPERF_BPF_WIN_MAX && wl >= 1 &&
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
		tag[1] = g;
	}
fields:;
	struct xdperf_bpf_stamp *sp = NULL;
	__u32 old_sum = 0; /* the share of the trailer the page holds in its checksum */
	if (cfg->stamp_on) {
		__u32 skey = b * XDPERF_BPF_TMPL_MAX + t;
		sp = bpf_map_lookup_elem(&stamp, &skey);
		if (!sp)
			return aborted(st);
		if (sp->flags & XDPERF_BPF_ST_OFF)
			sp = NULL; /* a stream without stamps */
		else if (!(sp->flags & (XDPERF_BPF_ST_FE_CSUM | XDPERF_BPF_ST_TMPL_CK)) &&
			 stamp_sum_now(ctx, sp, &old_sum))
			return aborted(st);
	}
	if (cfg->fe_on) {
		__u32 fkey = b * XDPERF_BPF_TMPL_MAX + t;
		struct xdperf_bpf_fe *f = bpf_map_lookup_elem(&fe, &fkey);
		struct xdperf_bpf_fe_state *fs = bpf_map_lookup_elem(&fe_state, &fkey);
		if (!f || !fs)
			return aborted(st);
		if (f->nmods && FE_STEP(ctx, f, fs))
			return aborted(st);
	}
	st->last_anon = anon;
	if (anon) {
		st->packets++;
		st->bytes += len;
		st->anon++;
		st->anon_len = len;
		return XDP_TX;
	}
	struct xdperf_bpf_tmpl_cnt *tc = bpf_map_lookup_elem(&tmpl_cnt, &t);
	if (!tc || !hs)
		return aborted(st);
	if (sp && t < XDPERF_BPF_TMPL_MAX && STAMP_WRITE(ctx, st, tc, sp, t, redo, &seq, old_sum))
		return aborted(st);
	tc->packets++;
	tc->bytes += len;
	st->packets++;
	st->bytes += len;
	if (TX_RECORD) {
		__u32 hi = hs->head & (XDPERF_BPF_HIST - 1);
		hs->hist[hi] = XDPERF_BPF_REC(t, len, g);
		if (sp)
			hs->hist_seq[hi] = seq;
		hs->head++;
	}
	return XDP_TX;
}

/* Drops every frame: the loader runs it with live frames of a given length to learn whether
 * the kernel takes live frames that long (src/datapath/xdp.c); it sends nothing. */
SEC("xdp")
int xdperf_tx_probe(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

/* A fast-path frame the device refused: template 0's; sent again as the next frame (they are
 * all the same). */
static __always_inline void refuse_anon(struct xdperf_bpf_tx_cpu *st)
{
	__u32 t = 0;
	struct xdperf_bpf_tmpl_cnt *tc = bpf_map_lookup_elem(&tmpl_cnt, &t);
	if (tc) {
		tc->refused++;
		tc->refused_bytes += st->anon_len;
	}
	st->refused_bytes += st->anon_len;
}

/* A recorded frame the device refused: charged to its template, queued to be sent again. */
static __always_inline void refuse(struct xdperf_bpf_tx_cpu *st, struct xdperf_bpf_tx_hist *hs,
				   __u32 at)
{
	__u32 hi = at & (XDPERF_BPF_HIST - 1);
	__u64 h = hs->hist[hi];
	__u32 t = XDPERF_BPF_REC_TMPL(h), len = XDPERF_BPF_REC_LEN(h);
	struct xdperf_bpf_tmpl_cnt *tc = bpf_map_lookup_elem(&tmpl_cnt, &t);
	if (tc) {
		tc->refused++;
		tc->refused_bytes += len;
	}
	st->refused_bytes += len;
	if (hs->redo_head - hs->redo_tail < XDPERF_BPF_REDO) {
		__u32 ri = hs->redo_head & (XDPERF_BPF_REDO - 1);
		hs->redo[ri] = h;
		hs->redo_seq[ri] = hs->hist_seq[hi];
		hs->redo_head++;
	} else {
		st->redo_lost++;
	}
}

/* xdp:xdp_devmap_xmit(from_dev, to_dev, sent, drops, err) */
SEC("raw_tracepoint/xdp_devmap_xmit")
int xdperf_tx_drops(struct bpf_raw_tracepoint_args *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != tgid)
		return 0;
	int sent = (int)ctx->args[2];
	int drops = (int)ctx->args[3];
	int err = (int)ctx->args[4];
	__u32 zero = 0;
	struct xdperf_bpf_tx_cpu *st = bpf_map_lookup_elem(&tx_cpu, &zero);
	struct xdperf_bpf_tx_hist *hs = bpf_map_lookup_elem(&tx_hist, &zero);
	if (!st || !hs)
		return 0;
	if (sent < 0)
		sent = 0;
	if (drops < 0)
		drops = 0;
	/* the queue held the next sent + drops frames, in order: first the fast path's (they
	 * come before any recorded one), then recorded ones; the last drops of them were
	 * dropped */
	__u32 cnt = (__u32)sent + (__u32)drops;
	__u32 a = st->anon < cnt ? st->anon : cnt;
	st->anon -= a;
	if (drops > 0) {
		/* the first dropped frame is the one the driver stopped at (the rest went with it) */
		if ((__u32)sent < a) {
			st->last_refused = st->anon_len << 16;
		} else {
			__u32 at = hs->tail + (__u32)sent - a;
			st->last_refused = (__u32)hs->hist[at & (XDPERF_BPF_HIST - 1)];
		}
	}
	for (int i = 0; i < XDPERF_BPF_HIST; i++) {
		if (i >= drops)
			break;
		__u32 pos = (__u32)sent + (__u32)i;
		if (pos < a)
			refuse_anon(st);
		else
			refuse(st, hs, hs->tail + pos - a);
	}
	hs->tail += cnt - a;
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
	struct xdperf_bpf_tx_hist *hs = bpf_map_lookup_elem(&tx_hist, &zero);
	if (!st || !hs)
		return 0;
	st->redirect_err++;
	/* the frame the program just returned, never queued: the last fast-path one, or the last
	 * one recorded */
	if (st->last_anon && st->anon) {
		st->anon--;
		st->last_refused = st->anon_len << 16;
		refuse_anon(st);
	} else if (hs->head != hs->tail) {
		hs->head--;
		st->last_refused = (__u32)hs->hist[hs->head & (XDPERF_BPF_HIST - 1)];
		refuse(st, hs, hs->head);
	}
	return 0;
}
