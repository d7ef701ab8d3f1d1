/* Internals shared by the AF_PACKET backend's two send paths: sendmmsg (afpacket.c) and the
 * PACKET_TX_RING (afpacket_ring.c). */
#ifndef XDPERF_DATAPATH_AFPACKET_INT_H
#define XDPERF_DATAPATH_AFPACKET_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "datapath/backend.h"
#include "packet/field.h"
#include "packet/stamp.h"
#include "bpf/xdperf_fe_step.h"
#include "bpf/xdperf_stamp.h"

struct afp {
	struct dp_backend b;
	int ifindex;
	char ifname[64];
	/* the set workers send from: each worker compares it with its own at the start of every
	 * send call and switches when it changed (afp_swap publishes a new one) */
	_Atomic(const struct dp_frames *) cur;
	int use_ring;             /* workers send through a PACKET_TX_RING */
	_Atomic uint64_t packets, bytes, errors, refused;
	const struct dp_run *run;
	unsigned nthreads;
	struct dp_stream *cnt;    /* [worker idx * DP_TEMPLATES_MAX + template]: written only by
				   * that worker, read by streams() (relaxed atomics) */
};

/* A packet socket bound to the device, qdisc bypassed, receiving nothing; fd or -errno. */
int afp_socket(struct afp *a, char *err, size_t errlen);

/* Accounts r accepted frames of worker idx from set f starting at schedule position *pos
 * (advanced past them): totals and the worker's streams. */
/* Counts r frames of templates tmpl[0..r-1] as sent by worker idx (ordered sets). */
void afp_account_list(struct afp *a, unsigned idx, const struct dp_frames *f,
		      const uint32_t *tmpl, uint64_t r);
void afp_account(struct afp *a, unsigned idx, const struct dp_frames *f, uint32_t *pos,
		 uint64_t r);

/* The device refused a frame of template t (no room): counted for worker idx, and in total. */
void afp_refused(struct afp *a, unsigned idx, uint32_t t);

/* The message of a send that failed with errno e (> 0) on frame template t of f. */
void afp_send_error(struct afp *a, const struct dp_frames *f, uint32_t t, int e, char *err,
		    size_t errlen);

/* dp_wait_more() for a worker about to send template t of f, with the stall message. */
int afp_wait(struct afp *a, struct dp_wait *wait, const struct dp_frames *f, uint32_t t,
	     char *err, size_t errlen);

/* Template t of f needs the field engine. */
static inline bool afp_fe_on(const struct dp_frames *f, uint32_t t)
{
	return f->fe && f->fe[t].bpf.nmods > 0;
}

/* Template t of f is rewritten per frame (field engine or stamps): sent from a copy. */
static inline bool afp_rewrite(const struct dp_frames *f, uint32_t t)
{
	return afp_fe_on(f, t) || (f->stamp && !(f->stamp[t].flags & XDPERF_BPF_ST_OFF));
}

/* Writes the trailer of the next frame of template t of worker idx into frame (a copy of the
 * template); seq holds the worker's next sequence number of each template (kept across
 * swaps, as the XDP program keeps them). */
static inline void afp_stamp(const struct dp_frames *f, uint32_t t, unsigned idx, uint64_t *seq,
			     uint8_t *frame)
{
	if (f->stamp[t].flags & XDPERF_BPF_ST_OFF)
		return; /* a stream without stamps */
	xdperf_stamp_write(frame, &f->stamp[t], f->run_id, XDPERF_STAMP_STREAM(idx, t), seq[t]++,
			   xdperf_stamp_now());
}

/* Replaces *st by the start states of worker idx for the templates of f (NULL when f has no
 * field engine). 0 or -ENOMEM (*st then unchanged). */
int afp_fe_states(const struct dp_frames *f, unsigned idx, struct xdperf_bpf_fe_state **st);

/* The TX ring worker: same contract as the backend's worker_open/send/worker_close. */
int afp_ring_open(struct afp *a, unsigned idx, void **w, char *err, size_t errlen);
int afp_ring_send(void *w, uint64_t n, uint64_t *done, double *idle_since, char *err,
		  size_t errlen);
void afp_ring_close(void *w);

#endif
