/* The measurement trailer `--stamp` writes into the last XDPERF_STAMP_LEN bytes of every UDP
 * payload, and the checksum arithmetic that keeps the UDP checksum right when it changes.
 * Shared by the XDP programs (src/bpf/xdperf_tx.bpf.c writes it, xdperf_srv.bpf.c reads it)
 * and user space (src/packet/stamp.c: AF_PACKET sends, the AF_PACKET server), so both give
 * the same bytes. Compiled for both targets: include it after the __u* types,
 * xdperf_bpf.h and xdperf_fe_step.h.
 *
 * Layout (version 2, written by xdperf), all big endian, 28 bytes:
 *   magic u32 "XDPR" | run u32 | stream u32 | sequence u64 | transmit time u64
 * run: the generator run's identity (random per run unless given), so a server keeps runs
 * apart; stream = sender thread << 16 | template index; sequence: from 0 per stream and run;
 * transmit time: ns, CLOCK_TAI of the sender (XDP: read once per 16 frames, the frames between
 * extrapolated: src/bpf/xdperf_stamp_clock.h).
 * Version 1 (older xdperf; still read, as run 0), 24 bytes:
 *   magic u32 "XDPS" | stream u32 | sequence u64 | transmit time u64 */
#ifndef XDPERF_BPF_STAMP_H
#define XDPERF_BPF_STAMP_H

#define XDPERF_STAMP_MAGIC 0x58445052u    /* "XDPR" */
#define XDPERF_STAMP_LEN 28
#define XDPERF_STAMP_MAGIC_V1 0x58445053u /* "XDPS" */
#define XDPERF_STAMP_LEN_V1 24
#define XDPERF_STAMP_STREAM(thread, tmpl) ((__u32)(thread) << 16 | (__u32)(tmpl))

/* The (version 2) trailer's share of a 16-bit one's-complement sum (odd: it starts at an odd
 * offset of the summed words), folded to 16 bits (never 0: the magic is in it). Its seven
 * 32-bit words are summed as they are, since 2^16 = 1 modulo 0xffff: congruent to the sum of
 * its 16-bit words, in fewer steps. */
XDPERF_FE_INLINE __u32 xdperf_stamp_sum(__u32 magic, __u32 run, __u32 stream, __u64 seq,
					__u64 ns, int odd)
{
	__u64 w = (__u64)magic + run + stream + (seq >> 32) + (seq & 0xffffffffull) + (ns >> 32) +
		  (ns & 0xffffffffull);
	w = (w >> 32) + (w & 0xffffffffull);
	__u32 s = xdperf_fe_fold16((__u32)(w >> 16) + (__u32)(w & 0xffff));
	if (odd) /* all its words start at odd offsets: their sum byte-swapped (RFC 1071) */
		s = ((s & 0xff) << 8) | (s >> 8);
	return s;
}

/* The UDP checksum (host order, as read) after covered bytes summing to old_sum were replaced
 * by bytes summing to new_sum (RFC 1624, eqn. 3). A UDP result of 0 is sent as 0xffff. */
XDPERF_FE_INLINE __u16 xdperf_stamp_csum(__u16 ck, __u32 old_sum, __u32 new_sum)
{
	__u32 s = (__u32)(~ck & 0xffff) + (~xdperf_fe_fold16(old_sum) & 0xffff) +
		  xdperf_fe_fold16(new_sum);
	__u16 r = (__u16)~xdperf_fe_fold16(s);
	return r ? r : 0xffff;
}

#endif
