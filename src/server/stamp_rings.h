/* The reading end of the server program's stamp rings (src/bpf/xdperf_srv.bpf.c): one ring
 * per CPU in two mmapable arrays (`stamp_recs`, `stamp_pos`; struct xdperf_bpf_srv_pos), which
 * the program fills without a lock. Records are handed on in receive-time order across the
 * CPUs' rings among those present at a read. One reader. */
#ifndef XDPERF_SERVER_STAMP_RINGS_H
#define XDPERF_SERVER_STAMP_RINGS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/xdperf_bpf.h"

struct srv_stamp_rings;
struct bpf_map;

/* log2 of the records per CPU ring for ncpu CPUs: 2^18 (8 MiB, about 26 ms of 10 Mpps) up to
 * 8 CPUs, then smaller so that all rings together take at most 64 MiB, but never below 2^12. */
unsigned srv_stamp_rings_shift(int ncpu);

/* Sizes the program's two arrays for ncpu rings of 1 << shift records (before the object is
 * loaded). 0 or -errno. */
int srv_stamp_rings_size(struct bpf_map *recs, struct bpf_map *pos, int ncpu, unsigned shift);

/* Maps the loaded arrays (fds). 0 or -errno; *out is the caller's (srv_stamp_rings_close). */
int srv_stamp_rings_open(int recs_fd, int pos_fd, int ncpu, unsigned shift,
			 struct srv_stamp_rings **out);
void srv_stamp_rings_close(struct srv_stamp_rings *r);

/* Hands every record written so far to fn (NULL: drops them), oldest receive time first, and
 * frees their room. Returns the number of records. */
size_t srv_stamp_rings_read(struct srv_stamp_rings *r,
			    void (*fn)(void *ctx, const struct xdperf_bpf_srv_rec *rec), void *ctx);

#endif
