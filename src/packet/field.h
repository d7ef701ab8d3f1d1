/* The field engine's compiler and its user-space runner (include/xdperf/field.h says what the
 * modifiers do). xdperf_fe_compile() checks a template's modifiers and checksums against the
 * frame and lays them out as struct xdperf_bpf_fe, the form the XDP program
 * (src/bpf/xdperf_tx.bpf.c) runs per packet; xdperf_fe_apply() does exactly the same in user
 * space for AF_PACKET and pcap output, so both give the same bytes. */
#ifndef XDPERF_PACKET_FIELD_H
#define XDPERF_PACKET_FIELD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpf/xdperf_bpf.h"
#include "xdperf/field.h"

struct xdperf_fe {
	struct xdperf_bpf_fe bpf;              /* k/thr set for `threads` sender threads */
	uint64_t x0[XDPERF_BPF_FE_MODS];       /* first x of the sequence (walks) */
	uint64_t k1[XDPERF_BPF_FE_MODS];       /* stride of x for one packet of one thread */
	uint64_t seed[XDPERF_BPF_FE_MODS];     /* RANDOM */
	unsigned threads;
};

/* Compiles nmods (<= XDPERF_FIELD_MODS_MAX) modifiers and the checksums `csums`
 * (XDPERF_CSUM_* flags) and specs[0..nspecs) (positioned checksums) for frame[0..len).
 * Checksums are computed in an order where one whose field another covers comes first. On success returns 0, fills *fe (for one thread)
 * and copies the frame to base[0..len) with the named checksums recomputed (the frame every
 * packet starts from). Warnings (a modified field covered by a checksum nobody updates) go
 * to warn as one line (empty when none; warn may be NULL). Errors: -EINVAL with one line in
 * err naming the modifier, e.g. "modifier 1 (udp.src_port): max 70000 does not fit 2 bytes". */
int xdperf_fe_compile(const uint8_t *frame, uint16_t len, const struct xdperf_field_mod *mods,
		      size_t nmods, unsigned csums, const struct xdperf_csum_spec *specs, size_t nspecs,
		      struct xdperf_fe *fe, uint8_t *base, char *warn, size_t warnlen, char *err,
		      size_t errlen);

/* Sets the per-packet stride for `threads` (>= 1) sender threads. */
void xdperf_fe_set_threads(struct xdperf_fe *fe, unsigned threads);

/* The state sender thread t (0..threads-1) starts from. */
void xdperf_fe_state_init(const struct xdperf_fe *fe, unsigned t,
			  struct xdperf_bpf_fe_state *st);

/* One packet: rewrites the modified fields and the checksums of frame (a copy of the base,
 * or a frame this function wrote before from the same base) and advances st. */
void xdperf_fe_apply(const struct xdperf_bpf_fe *fe, struct xdperf_bpf_fe_state *st,
		     uint8_t *frame);

/* True when the engine may write byte `off` of the frame (a modified field or a checksum). */
bool xdperf_fe_writes(const struct xdperf_bpf_fe *fe, uint32_t off);

#endif
