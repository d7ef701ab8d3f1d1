/* The transmit backends behind the runner (src/datapath/run.c): XDP (BPF_PROG_RUN with live
 * frames, xdp.c) and AF_PACKET (afpacket.c). A backend is opened once per run for one device
 * and the frames to send; each sender thread then opens its own worker and asks it to send
 * exact numbers of frames, continuing the send schedule where it left off. */
#ifndef XDPERF_DATAPATH_BACKEND_H
#define XDPERF_DATAPATH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xdperf_fe;
struct xdperf_bpf_stamp;

#define DP_TEMPLATES_MAX 2048u /* templates in a set */
#define DP_SCHED_MAX 65536u    /* schedule entries */
#define DP_FRAME_MIN 14u       /* frame bytes: an Ethernet header ... */
#define DP_FRAME_MAX 9216u     /* ... up to a jumbo frame (XDPERF_TX_FRAME_MAX; XDP takes
				* less: a live frame is a page, xdp.c) */

/* What to send: templates, the order to send them in and their field engines. Borrowed by
 * the backend until the run ends or a swap replaced it and every worker has since finished
 * the send call it was in (the runner keeps it alive that long). */
struct dp_frames {
	const uint8_t *const *frame; /* n template frames (field engine bases: checksums right) */
	const uint16_t *len;         /* their lengths, 14..DP_FRAME_MAX */
	uint32_t n;                  /* 1..2048 */
	const uint32_t *sched;       /* template index of each schedule position */
	uint32_t sched_len;          /* 1..65536; every worker walks it cyclically from 0 */
	const struct xdperf_fe *fe;  /* n field engines (src/packet/field.h), set for nthreads
				      * threads; NULL when no template has modifiers (templates
				      * without any have nmods 0). Worker idx starts from state
				      * xdperf_fe_state_init(&fe[t], idx) for each template t. */
	unsigned nthreads;           /* sender threads of the run: worker idx < nthreads */
	const struct xdperf_bpf_stamp *stamp; /* n trailer places (src/packet/stamp.h; the
				      * templates' trailer bytes are zero), or NULL: no stamps.
				      * Worker idx stamps stream XDPERF_STAMP_STREAM(idx, t) with
				      * sequence numbers from 0 per template. */
	uint32_t run_id;             /* the run identity the stamps carry (same in every set) */
	/* Ordered (a multi-stream run): the runner names every frame's template itself with
	 * send_list(); sched is then unused by the workers (send() is not called). A template
	 * whose stamp place has XDPERF_BPF_ST_OFF is sent unstamped. */
	bool ordered;
};

#define DP_LIST_MAX 16384u /* templates named by one send_list() call */

/* Checks f against the contract above (counts, lengths, schedule entries naming templates);
 * 0, or -EINVAL with one line starting with `backend` in err. Backends call it at open and
 * at every swap. */
int dp_frames_check(const struct dp_frames *f, const char *backend, const char *ifname,
		    char *err, size_t errlen);

/* Counters summed over all workers (callable from any thread while workers send). */
struct dp_totals {
	uint64_t packets; /* frames the device accepted */
	uint64_t bytes;   /* their frame bytes (no FCS/preamble) */
	uint64_t errors;  /* frames that could not be sent (the run then failed) */
	uint64_t refused; /* frames the device refused (each was sent again, as itself) */
};

/* The counters of one stream: the frames of one template index sent by one worker. Template
 * index t of a swapped-in set continues stream t (as the stamps' stream numbers do). */
struct dp_stream {
	uint64_t packets; /* frames the device accepted */
	uint64_t bytes;
	uint64_t refused; /* refused by the device (and sent again) */
};

/* What the runner tells every backend and its workers (set before workers open). */
struct dp_run {
	const _Atomic int *stop;  /* nonzero: end send calls now (-EINTR) */
	const _Atomic int *hold;  /* nonzero: the device lost its carrier; senders wait */
	double stall_timeout;     /* seconds without an accepted frame before -ETIMEDOUT */
};

struct dp_backend {
	const char *name;   /* "xdp", "afpacket" */
	void *priv;
	/* Called in the sender thread (already pinned to its CPU). 0 or -errno + message. */
	int (*worker_open)(struct dp_backend *b, unsigned idx, void **w, char *err, size_t errlen);
	/* Sends n (> 0) frames, sending again (as themselves) what the device refuses, and
	 * sets *done to the frames the device accepted, *idle_since to when the device last
	 * stopped taking frames if the call ended waiting for it (else 0; monotonic seconds).
	 * 0: all n went out. -EINTR: the run's
	 * stop was requested (*done may be < n). -EAGAIN: the device lost its carrier (the run's
	 * hold is set): the runner waits and calls again (frames already queued count in a later
	 * call's *done, which may then exceed its n). -ETIMEDOUT: the device accepted nothing for
	 * the stall timeout (message says why, as far as it can be seen). -EOPNOTSUPP: the device
	 * refused every frame of this worker's first call (it does not take such frames).
	 * Other -errno + message. */
	int (*send)(void *w, uint64_t n, uint64_t *done, double *idle_since, char *err,
		    size_t errlen);
	/* Ordered sets: sends list[0..n-1] (templates of the set, n <= DP_LIST_MAX), in that
	 * order, sending again (as themselves) what the device refuses; same results as send().
	 * Frames of an earlier call that ended early (stop, carrier) go first and count in *done,
	 * which may then exceed n; n = 0 only finishes those. */
	int (*send_list)(void *w, const uint32_t *list, uint32_t n, uint64_t *done,
			 double *idle_since, char *err, size_t errlen);
	void (*worker_close)(void *w);
	void (*totals)(struct dp_backend *b, struct dp_totals *t);
	/* Per-stream counters: out[idx * ntmpl + t] += those of worker idx, template t, for
	 * idx < nworkers, t < ntmpl (callable while workers send; exact once they closed). */
	void (*streams)(struct dp_backend *b, struct dp_stream *out, unsigned nworkers,
			uint32_t ntmpl);
	/* Hot swap, from any thread while workers send: frames from f from now on (each worker
	 * takes it at the start of its next send call at the latest; frames never mix the two
	 * sets; f has the same nthreads). 0, or -errno + message (the old set stays). */
	int (*swap)(struct dp_backend *b, const struct dp_frames *f, char *err, size_t errlen);
	/* Releases everything (detaches programs, closes sockets); b is freed. */
	void (*close)(struct dp_backend *b);
};

/* Opens the XDP backend on ifindex (named ifname in messages). batch: frames per kernel batch
 * (1..256; 0 = 64). Errors: -EPERM (no privileges), -EOPNOTSUPP (kernel or device cannot),
 * other -errno; err then holds one line saying why. */
int dp_xdp_open(int ifindex, const char *ifname, const struct dp_frames *f, unsigned batch,
		const struct dp_run *run, struct dp_backend **out, char *err, size_t errlen);

/* True when the XDP backend b keeps its program resident in the kernel's dispatcher. */
bool dp_xdp_resident(const struct dp_backend *b);

/* Opens the AF_PACKET backend (one socket per worker, qdisc bypass). */
int dp_afpacket_open(int ifindex, const char *ifname, const struct dp_frames *f,
		     const struct dp_run *run, struct dp_backend **out, char *err, size_t errlen);

/* Waiting for a device that accepted nothing (both backends). A worker keeps one per send
 * call: dp_wait_more() after an attempt that sent nothing, dp_wait_done() after one that
 * sent something. */
struct dp_wait {
	unsigned spins;  /* attempts in a row that sent nothing */
	double since;    /* when the first of them was (monotonic seconds) */
};
static inline void dp_wait_done(struct dp_wait *w)
{
	w->spins = 0;
}
/* When the device stopped taking frames, if it still takes none; else 0. */
/* What the first XDP send call of a run returns when XDP cannot be used here at all, nothing
 * sent: the device takes no XDP frames (-EOPNOTSUPP), or the kernel does not let this process
 * run a program with live frames (-EPERM: a missing capability, a container's policy). A run
 * in XDPERF_TX_AUTO falls back to AF_PACKET on it; XDP-only fails with the message. */
static inline bool dp_xdp_unusable(int e)
{
	return e == -EOPNOTSUPP || e == -EPERM;
}

static inline double dp_wait_idle_since(const struct dp_wait *w)
{
	return w->spins ? w->since : 0;
}
/* Yields at first, then sleeps 20 us at a time. 0: try again; -EINTR: stop requested;
 * -EAGAIN: the device lost its carrier (return to the runner, which holds); -ETIMEDOUT:
 * nothing accepted for run->stall_timeout. */
int dp_wait_more(const struct dp_run *run, struct dp_wait *w);

/* The message of a stalled device: "NAME accepted none of the frames sent to it for S s
 * (--stall-timeout): WHY", WHY from its link state (src/datapath/link.h), or from what it
 * refused: template t of len bytes (t < 0: unknown). */
void dp_stall_message(const struct dp_run *run, const char *backend, int ifindex,
		      const char *ifname, bool xdp, int t, unsigned len, char *err,
		      size_t errlen);

#endif
