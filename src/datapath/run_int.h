/* Internals of transmit runs shared by the runner (run.c) and its multi-stream part
 * (run_streams.c): the handle, its sender threads and the sets of frames they send. */
#ifndef XDPERF_DATAPATH_RUN_INT_H
#define XDPERF_DATAPATH_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "datapath/backend.h"
#include "datapath/late.h"
#include "xdperf/tx.h"

#define MAX_THREADS 1024
#define UNPACED_CHUNK 65536   /* frames per send call when not pacing (~10 ms at line rate) */
#define CALL_SECONDS 0.005    /* target length of one unpaced send call */
#define PACE_SLICE 0.0005     /* seconds of traffic per send call when pacing */
#define SLEEP_MAX 0.05        /* longest sleep between looks at the stop request */
#define STALL_SHIFT 0.05      /* a paced sender whose device took nothing for longer than
			       * this (a stall) shifts its schedule by that time instead of
			       * bursting to catch up; shorter waits are caught up */
#define LINK_EVERY 0.1        /* seconds between looks at the device's state */
#define STALL_DEFAULT 5.0     /* seconds (xdperf_tx_opts.stall_timeout = 0) */
#define DEADLINE_GRACE 0.25   /* a paced run with a duration sends every frame due before its
			       * end (rate x duration), unless this far behind at the end */



struct sender {
	struct xdperf_tx *tx;
	unsigned idx;
	int cpu;
	pthread_t th;
	atomic_uint calls;  /* odd while in a send call: a swap waits for it to move on */
	atomic_bool done;
	uint64_t quota;     /* 0 = unlimited */
	double rate;        /* frames/s for this thread, 0 = unpaced */
	int rc;
	char err[256];
	double last;        /* when its last frame went (monotonic seconds; 0 = none) */
	double idle;        /* seconds the device took nothing at the end of the last call */
	struct dp_late late; /* paced: how late its frames went */
	struct ss_state *ss; /* multi-stream runs: this thread's state of each stream */
};

/* A set of frames as the backends take it, with everything it points to owned. */
struct fset {
	struct dp_frames f;
	uint8_t **frame;        /* copies (field engine bases: checksums made right) */
	uint16_t *len;
	uint32_t *sched;
	struct xdperf_fe *fe;   /* NULL when no frame has modifiers */
	struct xdperf_bpf_stamp *stamp; /* trailer places, NULL without stamps */
	double avg_len;         /* over one schedule cycle */
	uint8_t *nostamp;       /* multi-stream runs with stamps: 1 = this frame's stream has none
				 * (NULL: all stamped) */
	double rate_sum;        /* sum of rate_pps when every frame has one, else 0 */
};

struct xdperf_tx {
	char ifname[IF_NAMESIZE + 1];
	int ifindex;
	struct xdperf_tx_opts o;
	struct fset *set;       /* what is being sent (guarded by swap_lock) */
	pthread_mutex_t swap_lock;
	unsigned swaps;
	bool ended;
	double rate;            /* effective total rate, 0 = unpaced */
	unsigned nthreads;
	unsigned nt;            /* threads of a run: nthreads, fewer when count is smaller */
	int cpus[MAX_THREADS];
	bool ran;

	/* per attempt */
	struct dp_backend *be;  /* set and cleared under swap_lock */
	struct sender *s;
	unsigned nsenders;      /* started threads in s */
	atomic_uint ready;      /* threads set up (or failed) and waiting for go */
	atomic_int stop;        /* set by xdperf_tx_stop (signal handler) */
	atomic_int quit;        /* set internally (duration, failure, refused probe) */
	atomic_int halt;        /* stop or quit: what senders and backends look at */
	atomic_int hold;        /* the device has no carrier: senders wait for it */
	struct dp_run run;      /* given to the backends */
	int fail_rc;            /* the runner ended the run (device gone, carrier lost) ... */
	char fail[512];         /* ... and why */
	double held;            /* seconds spent holding */
	uint32_t max_n;         /* most templates of any set sent so far */
	uint32_t run_id;        /* the stamps' run identity (0 without stamps) */
	uint32_t first_bytes;   /* length of every thread's first frame (the first set's sched[0]) */
	struct dp_stream *streams; /* after a run: [thread * streams_n + template] */
	uint32_t streams_n;
	unsigned streams_nt;
	atomic_int go;          /* 1: start sending, 2: abort before sending */
	atomic_uint running;
	double t0, deadline;
	atomic_int refused;     /* thread 0's first frame was refused by the device */
	/* multi-stream runs (xdperf_tx_new_streams; run_streams.c): nss streams, each a range of
	 * the set's templates sent at its own pace; 0 for a single-set run */
	struct tx_ss *ss;
	unsigned nss;
};


/* One stream of a multi-stream run (xdperf_tx_stream_opts, resolved). Stream frame j (from 0,
 * over all threads) is due at t0 + start + j / rate, or with bursts at
 * t0 + start + floor(j / burst) * burst / rate; thread i sends the frames j = i (mod threads). */
struct tx_ss {
	char name[64];
	uint32_t first, n;      /* its templates in the set: first .. first + n - 1 */
	uint32_t *cyc;          /* the order of its templates (set indexes), cyc_len entries */
	uint32_t cyc_len;
	double rate;            /* frames/s, 0 = as fast as possible */
	uint64_t count;         /* 0 = no limit */
	double duration;        /* seconds from its start, 0 = no limit */
	double start;           /* seconds after the run's start */
	uint32_t burst;         /* frames back to back (1 = evenly spaced) */
	bool stamp;
	double avg_len;         /* frame bytes over one cycle */
	double first_s, last_s; /* after a run: seconds from its start to the calls that carried
				 * the stream's first and last frame */
};

/* A sender thread's state of one stream. */
struct ss_state {
	uint64_t quota;         /* frames of this thread (UINT64_MAX: no limit) */
	uint64_t m;             /* frames handed to the backend so far */
	uint32_t cpos;          /* next position in the stream's cyc */
	double first, last;     /* when the calls that carried its first and last frame began
				 * (monotonic seconds; 0 = none yet) */
	bool over;              /* its duration is over */
};

void tx_set_quit(struct xdperf_tx *tx);
bool tx_should_stop(struct xdperf_tx *tx);
double tx_hold_on(struct xdperf_tx *tx, double deadline);
int tx_fset_new(const struct xdperf_tx_frame *frames, size_t nframes, unsigned nt, bool stamp,
		const uint8_t *nostamp, struct fset **out, char *err, size_t errlen);
void tx_fset_free(struct fset *fs);
/* Creates the handle for set fs (taken over, also on failure) with options o (copied). */
int tx_create(const char *ifname, struct fset *fs, const struct xdperf_tx_opts *o,
	      struct xdperf_tx **out, char *err, size_t errlen);
/* The sender loop of a multi-stream run (run_streams.c); w is the thread's worker. */
void tx_streams_loop(struct sender *s, struct dp_backend *be, void *w);
void tx_streams_free(struct xdperf_tx *tx);
/* Before the senders start: each sender's state of each stream (its share of the count). */
int tx_streams_init(struct xdperf_tx *tx, struct sender *senders, unsigned nt);
/* After they ended: keeps the streams' first and last frame times; frees their states. */
void tx_streams_keep(struct xdperf_tx *tx, struct sender *senders, unsigned nt);

#endif
