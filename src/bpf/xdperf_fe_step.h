/* The field engine's per-packet arithmetic, shared by the XDP program (src/bpf/xdperf_tx.bpf.c)
 * and its user-space runner (src/packet/field.c), so that both give the same bytes: the next
 * value of a modifier, its bytes, and their share of a 16-bit one's-complement checksum.
 * Compiled for both targets: include it after the __u* types and xdperf_bpf.h. */
#ifndef XDPERF_BPF_FE_STEP_H
#define XDPERF_BPF_FE_STEP_H

#define XDPERF_FE_INLINE static inline __attribute__((always_inline))
#define XDPERF_FE_GOLDEN 0x9E3779B97F4A7C15ull

XDPERF_FE_INLINE __u32 xdperf_fe_fold16(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* splitmix64's finalizer */
XDPERF_FE_INLINE __u64 xdperf_fe_mix(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The x of walk m for this packet; advances its position *s: x >= thr ? x - thr : x + k,
 * i.e. x + k modulo n. */
XDPERF_FE_INLINE __u64 xdperf_fe_walk(const struct xdperf_bpf_fe_mod *m, __u64 *s)
{
	__u64 x = *s;
	*s = x >= m->thr ? x - m->thr : x + m->k;
	return x;
}

/* The x of modifier m for this packet; advances its state *s (a random state, or the walk
 * position: xdperf_fe_walk). */
XDPERF_FE_INLINE __u64 xdperf_fe_next(const struct xdperf_bpf_fe_mod *m, __u64 *s)
{
	__u64 x = *s;
	if (m->flags & XDPERF_BPF_FE_RANDOM) {
		x += XDPERF_FE_GOLDEN;
		*s = x;
		__u64 z = xdperf_fe_mix(x), n = m->n;
		if (n == 0)
			return z;
		if (n <= (1ull << 32))
			return ((z >> 32) * n) >> 32;
		return z % n;
	}
	return xdperf_fe_walk(m, s);
}

/* The field's bytes for value v, read as a big-endian number of m->len bytes (byte-swapped
 * when the field is little endian). */
XDPERF_FE_INLINE __u64 xdperf_fe_be(const struct xdperf_bpf_fe_mod *m, __u64 v)
{
	int le = m->flags & XDPERF_BPF_FE_LE;
	switch (m->len) {
	case 1:
		return v & 0xff;
	case 2:
		return le ? __builtin_bswap16((__u16)v) : (v & 0xffff);
	case 4:
		return le ? __builtin_bswap32((__u32)v) : (v & 0xffffffffull);
	default:
		return le ? __builtin_bswap64(v) : v;
	}
}

/* The field's bytes (be, len bytes) as their share of a 16-bit one's-complement sum, for a
 * field starting at an even or odd offset of the summed words. */
XDPERF_FE_INLINE __u32 xdperf_fe_sum(__u64 be, __u32 len, int odd)
{
	__u32 s;
	switch (len) {
	case 1:
		return odd ? (__u32)(be & 0xff) : (__u32)(be & 0xff) << 8;
	case 2:
		s = (__u32)(be & 0xffff);
		break;
	case 4:
		s = (__u32)(be >> 16 & 0xffff) + (__u32)(be & 0xffff);
		break;
	default:
		s = (__u32)(be >> 48 & 0xffff) + (__u32)(be >> 32 & 0xffff) +
		    (__u32)(be >> 16 & 0xffff) + (__u32)(be & 0xffff);
		break;
	}
	if (odd) {
		s = xdperf_fe_fold16(s);
		s = ((s & 0xff) << 8) | (s >> 8);
	}
	return s;
}

/* The value of checksum k whose covered fields now add acc to its share (host order). */
XDPERF_FE_INLINE __u16 xdperf_fe_csum_value(const struct xdperf_bpf_fe_csum *k, __u32 acc)
{
	__u16 ck = (__u16)~xdperf_fe_fold16(k->acc + acc);
	if (ck == 0 && (k->flags & XDPERF_BPF_FE_NONZERO))
		ck = 0xffff;
	return ck;
}

/* After checksum c got its value ck: adds it to the later checksums that cover its field
 * (a tunnel's outer UDP checksum covers the inner headers' checksums). */
XDPERF_FE_INLINE void xdperf_fe_chain(const struct xdperf_bpf_fe *f, __u32 c, __u16 ck, __u32 *acc)
{
	for (__u32 d = 0; d < XDPERF_BPF_FE_CSUMS; d++) {
		__u16 fl = f->csum[d].flags;
		if (d > c && d < f->ncsums && (fl & (XDPERF_BPF_FE_CHAIN << c)))
			acc[d] += xdperf_fe_sum(ck, 2, (fl & (XDPERF_BPF_FE_CHAIN_ODD << c)) != 0);
	}
}

#endif
