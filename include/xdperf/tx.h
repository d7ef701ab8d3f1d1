/* xdperf transmit runs: sending frames on a network device with exact counts, rate control
 * and live statistics (part of libxdperf).
 *
 *   struct xdperf_tx *tx;
 *   LIBXDPERF_OPTS(xdperf_tx_opts, o, .count = 1000000, .parallelism = 2);
 *   if (xdperf_tx_new("eth0", frames, nframes, &o, &tx, err, sizeof err) == 0) {
 *           struct xdperf_tx_result r;
 *           xdperf_tx_run(tx, &r, err, sizeof err);   // blocks; xdperf_tx_stop() ends it early
 *           xdperf_tx_free(tx);
 *   }
 *
 * Backends: XDP (an XDP program run with BPF_PROG_RUN and live frames, one pinned thread per
 * CPU; needs root or CAP_BPF+CAP_NET_ADMIN+CAP_SYS_ADMIN, Linux 5.18+) and AF_PACKET (needs
 * CAP_NET_RAW). XDPERF_TX_AUTO uses XDP and falls back to AF_PACKET when XDP cannot be used,
 * reporting why through opts.notice.
 */
#ifndef XDPERF_TX_H
#define XDPERF_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/field.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Declares and zero-initialises an options struct with its sz set, libbpf style. */
#define LIBXDPERF_OPTS(TYPE, NAME, ...) \
	struct TYPE NAME = ({ struct TYPE ___o = { .sz = sizeof(struct TYPE), __VA_ARGS__ }; ___o; })

enum xdperf_tx_mode {
	XDPERF_TX_AUTO = 0,     /* XDP, else AF_PACKET (with a notice saying why) */
	XDPERF_TX_XDP = 1,      /* XDP only: fail with the reason if it cannot be used */
	XDPERF_TX_AFPACKET = 2, /* AF_PACKET only */
};

/* The longest frame a run sends: a jumbo frame of 9216 bytes, Ethernet header to payload (no
 * FCS), on AF_PACKET; XDP live frames take less (a page each: 3408 bytes on x86-64 with 4 KiB
 * pages; XDPERF_TX_AUTO then falls back to AF_PACKET, saying why). The device's MTU (and a
 * veth peer's) must hold every frame too: MTU + 14 bytes, + 4 with a VLAN tag. */
#define XDPERF_TX_FRAME_MAX 9216

/* One frame to send (a template: with modifiers, every packet sent from it differs). */
struct xdperf_tx_frame {
	const uint8_t *data; /* copied by xdperf_tx_new() / xdperf_tx_swap() */
	uint16_t len;        /* 14..XDPERF_TX_FRAME_MAX bytes (Ethernet header included, FCS
			      * excluded) */
	uint64_t rate_pps;   /* this frame's own rate; 0 = none. See xdperf_tx_opts.rate_pps. */
	uint64_t weight;     /* its share of the frames sent, when every frame has a weight and
			      * not every frame a rate_pps (e.g. an IMIX 7:4:1); 0 = none */
	/* Field engine (include/xdperf/field.h): per-packet field changes, and the checksums
	 * (XDPERF_CSUM_* flags) to keep correct. mods is copied. */
	const struct xdperf_field_mod *mods;
	uint32_t nmods;      /* 0..XDPERF_FIELD_MODS_MAX */
	uint32_t csums;
	/* Checksums given by position (e.g. a tunnel's inner headers), kept correct likewise;
	 * read during the call only. */
	const struct xdperf_csum_spec *specs;
	uint32_t nspecs;     /* 0..XDPERF_CSUM_SPECS_MAX */
};

/* Counters of a run so far (or of the last interval, for progress). */
struct xdperf_tx_stats {
	uint64_t packets; /* frames the device accepted (sent) */
	uint64_t bytes;   /* their frame bytes (Ethernet header to payload; no FCS, preamble or
			   * gap) */
	uint64_t errors;  /* frames that could not be sent (the run failed part-way) */
	uint64_t refused; /* times the device refused a frame (queue full, no room); each such
			   * frame was sent again, as itself, and counts in packets once it went */
	double seconds;   /* time covered: for a whole run, from its first to its last frame */
};

struct xdperf_tx_opts {
	size_t sz;                 /* sizeof(struct xdperf_tx_opts) */
	enum xdperf_tx_mode mode;
	unsigned parallelism;      /* sender threads, each pinned to its own CPU; 0 = 1 */
	const int *cpus;           /* CPUs for the threads (parallelism entries); NULL = the first
				    * CPUs this process may run on */
	uint64_t count;            /* frames in all, split exactly over the threads; 0 = no limit */
	double duration;           /* seconds; 0 = no limit (then count, or xdperf_tx_stop) */
	/* Total rate. With neither set: the sum of the frames' rate_pps when every frame has
	 * one, else as fast as possible. Frames are interleaved evenly in proportion to their
	 * rate_pps when every frame has one, else to their weight when every frame has one,
	 * else sent in turn. */
	uint64_t rate_pps;         /* frames per second */
	uint64_t bitrate;          /* bits per second of frame bytes (excludes rate_pps) */
	unsigned batch;            /* XDP frames per kernel batch, 1..256; 0 = 64 */
	/* Called about once a second from the thread in xdperf_tx_run(). */
	void (*progress)(void *ctx, const struct xdperf_tx_stats *total,
			 const struct xdperf_tx_stats *interval);
	void *progress_ctx;
	/* Called when AUTO falls back from XDP to AF_PACKET, with the one-line reason. */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
	/* Measurement stamps: every frame's last 28 UDP payload bytes become a trailer (magic,
	 * run identity, stream = sender thread << 16 | template index, sequence number from 0 per
	 * stream, CLOCK_TAI transmit time in ns; README: server mode), the UDP checksum kept
	 * right. Every frame must be UDP over IPv4/IPv6 with at least 28 payload bytes (-EINVAL
	 * naming the frame otherwise), and no modifier may write into the trailer. */
	bool stamp;
	/* Seconds the device may take none of the frames offered to it (it refuses them all, or
	 * has no carrier) before the run ends with -ETIMEDOUT and a line saying why; 0 = 5. */
	double stall_timeout;
	/* The run identity in the stamps (keeps runs apart at a server); 0 = a random one. */
	uint32_t run_id;
	/* Total rate in frames per second, fractions allowed (0.5 = one frame every 2 s), instead
	 * of rate_pps: > 0 excludes rate_pps and bitrate; 0 = not set. Split over the threads as
	 * rate / threads each, every thread's frame k due at its start + k / (rate / threads). */
	double rate;
};

struct xdperf_tx_result {
	const char *mode;          /* "xdp" or "afpacket" (static string) */
	struct xdperf_tx_stats total;
	unsigned threads;
	bool stopped;              /* ended by xdperf_tx_stop() */
	bool resident;             /* XDP: the program stayed resident (fast path) */
	double rate_pps;           /* the target rate, 0 if unpaced */
	uint32_t run_id;           /* the stamps' run identity (0 without stamps) */
	double held_s;             /* seconds the senders waited for a lost carrier to return */
	uint32_t first_bytes;      /* bytes of each sender thread's first frame (all threads start
				    * the send schedule at the same template) */
	/* Rate stability: the frames sent in each whole second of the run (from the first
	 * frame), as rates: how many seconds, their mean, standard deviation (population),
	 * coefficient of variation (stddev / mean) and extremes. rate_secs 0: shorter than 1 s. */
	unsigned rate_secs;
	double rate_mean, rate_stddev, rate_cv, rate_min, rate_max;
	/* Paced runs: how late frames went against the schedule (frame k of a thread due at
	 * t0 + k / rate), measured from the start of the send call that carried each frame, in
	 * microseconds, from a histogram of ~19% wide buckets (p50 and p99 are the upper edges of
	 * their buckets; max is exact). sched_frames 0: not paced. */
	uint64_t sched_frames;
	double sched_p50_us, sched_p99_us, sched_max_us;
};

/* Rates of a run: the frames after each thread's first over the time from the first frame to
 * the last, (packets - threads) / seconds, and their bits, (bytes - threads * first_bytes) * 8 /
 * seconds — so frames paced at R per second give R. False (*pps = *bps = 0) when not defined:
 * no frame after each thread's first, or no time between them. */
bool xdperf_tx_rates(const struct xdperf_tx_result *r, double *pps, double *bps);

/* One stream of a run: the frames of one template index sent by one sender thread (the
 * stamps' stream; after a hot swap, template i of the new set continues stream i). */
struct xdperf_tx_stream {
	unsigned thread;
	uint32_t tmpl;             /* template index */
	uint32_t stream;           /* thread << 16 | template, as in the stamps */
	uint64_t packets;          /* frames the device accepted */
	uint64_t bytes;            /* their frame bytes */
	uint64_t refused;          /* times the device refused one of them (each went again) */
};

struct xdperf_tx;

/* Prepares a run of nframes frames (1..2048) on device ifname; frames are borrowed. Checks
 * the device (exists, up), options and CPUs; loads nothing yet. *out is freed with
 * xdperf_tx_free(). Returns 0 or -errno with one line in err (-ENODEV, -ENETDOWN, -EINVAL). */
int xdperf_tx_new(const char *ifname, const struct xdperf_tx_frame *frames, size_t nframes,
		  const struct xdperf_tx_opts *opts, struct xdperf_tx **out, char *err,
		  size_t errlen);

/* Runs to the end (count sent, duration over, or xdperf_tx_stop()) and fills *res, also when
 * it fails part-way (res then says what was sent). Returns 0, or -errno with one line in err
 * (-EPERM without privileges, -EOPNOTSUPP when XDP was forced and cannot be used, -ETIMEDOUT
 * when the device took nothing for the stall timeout, -ENODEV when it went away, ...). One
 * run per handle. */
int xdperf_tx_run(struct xdperf_tx *tx, struct xdperf_tx_result *res, char *err, size_t errlen);

/* The run's streams with anything sent or refused, by thread then template, after
 * xdperf_tx_run() returned: *out is malloc'd (the caller frees it), *n its entries; their sums
 * equal the result's total packets, bytes and refused. 0, -EINVAL (no run yet) or -ENOMEM. */
int xdperf_tx_streams(const struct xdperf_tx *tx, struct xdperf_tx_stream **out, size_t *n);

/* One stream of a multi-stream run (xdperf_tx_new_streams). */
struct xdperf_tx_stream_opts {
	size_t sz;                 /* sizeof(struct xdperf_tx_stream_opts) */
	const char *name;          /* for messages (copied; 63 bytes kept) */
	const struct xdperf_tx_frame *frames; /* its templates, copied; within the stream they
				    * are ordered by their rate_pps or weight like a single-set
				    * run's frames */
	size_t nframes;            /* >= 1; all streams' together at most 2048 */
	double rate;               /* frames per second, fractions allowed; 0 = bitrate, or as
				    * fast as possible when that is 0 too */
	uint64_t bitrate;          /* bits per second of frame bytes instead of rate */
	uint64_t count;            /* frames of this stream; 0 = no limit */
	double duration;           /* seconds it sends from its start; 0 = no limit */
	double start;              /* seconds from the run's start to its first frame */
	uint32_t burst;            /* frames back to back: bursts of `burst` frames, burst / rate
				    * seconds apart; 0 or 1 = evenly spaced (needs a rate) */
	bool stamp;                /* measurement stamps in its frames (see xdperf_tx_opts.stamp) */
};

/* Prepares a run of several streams at once on ifname: each with its own frames, pace, count,
 * duration, start and bursts, all sent by the run's sender threads (opts.parallelism; each
 * stream's frames are split exactly over them: thread i sends the stream's frames i, i + n,
 * i + 2n, ... at the stream's times). A paced stream's frame j is due at run start + start +
 * j / rate (with bursts: floor(j / burst) * burst / rate); each thread sends the frames due,
 * earliest first, and the unpaced streams' frames in turn in what is left. opts as for
 * xdperf_tx_new() but count, rate, rate_pps, bitrate and stamp stay 0 (the streams have
 * them); opts.duration ends the whole run. The run's templates are the streams' frames in
 * order (stream k's are templates first_k .. first_k + nframes_k - 1: xdperf_tx_streams() and
 * the stamps' stream numbers use these indexes). Hot swap is not available for such a run.
 * Same returns as xdperf_tx_new(); messages about a frame name its stream. */
int xdperf_tx_new_streams(const char *ifname, const struct xdperf_tx_stream_opts *streams,
			  size_t nstreams, const struct xdperf_tx_opts *opts, struct xdperf_tx **out,
			  char *err, size_t errlen);

/* What one stream of a multi-stream run has sent. */
struct xdperf_tx_sstats {
	uint64_t packets;          /* frames the device accepted */
	uint64_t bytes;            /* their frame bytes */
	uint64_t refused;          /* times the device refused one (each went again) */
	double first_s, last_s;    /* after the run: seconds from its start to the send calls
				    * that carried the stream's first and last frame (0: none, or
				    * during the run) */
	double rate;               /* its pace in frames per second (a bitrate turned into frames
				    * at its frames' mean length); 0 = as fast as possible */
};

/* Fills out[0..n-1] for the first n streams of a multi-stream run, during it (e.g. from the
 * progress callback) or after it. 0, -EINVAL (not such a run, n too large), -EAGAIN (not
 * sending yet) or -ENOMEM. */
int xdperf_tx_stream_stats(struct xdperf_tx *tx, struct xdperf_tx_sstats *out, size_t n);

/* Asks a running xdperf_tx_run() to stop soon; async-signal-safe (call it from a SIGINT
 * handler). */
void xdperf_tx_stop(struct xdperf_tx *tx);

/* Hot swap: replaces the frames being sent, while xdperf_tx_run() runs in another thread
 * (or before it starts), without stopping the sender threads. Every frame sent is wholly
 * from the old or wholly from the new set; each thread starts the new set's send order and
 * field sequences from their beginning. Returns once no thread sends the old set any more:
 * 0, or -errno with one line in err (the old set then stays; -EINVAL for bad frames, -EBUSY
 * after the run ended). The rate target of the run stays as it was. frames are copied.
 * Safe to call from any one thread at a time; not from a signal handler. */
int xdperf_tx_swap(struct xdperf_tx *tx, const struct xdperf_tx_frame *frames, size_t nframes,
		   char *err, size_t errlen);

/* The number of swaps done so far (0 = none). */
unsigned xdperf_tx_swaps(const struct xdperf_tx *tx);

/* Frees the handle (after xdperf_tx_run() returned). NULL is a no-op. */
void xdperf_tx_free(struct xdperf_tx *tx);

/* "10G", "250M", "1.5k", "1000000" (bits/s, SI multipliers) -> bits per second; 0 or -EINVAL. */
int xdperf_parse_bitrate(const char *s, uint64_t *bps);

/* The CPUs for opts.cpus from a spec as `--cpus` takes it: NULL / "" / "auto" (the device's
 * NUMA node's CPUs first, then the others), "local" (that node's only), "node:N", or a list
 * "0-3,8" (in that order); only CPUs this process may run on. ifname may be NULL. Into
 * cpus[0..*n) (at most max). 0, or -EINVAL / -ENOENT with one line in err. */
int xdperf_tx_cpus(const char *spec, const char *ifname, int *cpus, unsigned max, unsigned *n,
		   char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
