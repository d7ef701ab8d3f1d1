/* xdperf capture replay: sending the frames of a pcap or pcapng file on a network device with
 * their original timing (or faster/slower, or at a fixed rate, or as fast as possible), looped,
 * with MACs, addresses and ports rewritten (part of libxdperf).
 *
 *   struct xdperf_replay *r;
 *   LIBXDPERF_OPTS(xdperf_replay_opts, o, .multiplier = 2, .loops = 3);
 *   if (xdperf_replay_new("in.pcap", "eth0", &o, &r, err, sizeof err) == 0) {
 *           struct xdperf_replay_result res;
 *           xdperf_replay_run(r, &res, err, sizeof err); // blocks; xdperf_replay_stop() ends it
 *           xdperf_replay_free(r);
 *   }
 *
 * One sender thread, pinned to a CPU, sends the frames in capture order; a reader thread reads
 * the file ahead of it in chunks of up to 2048 frames (memory stays bounded whatever the
 * capture's size) that the backend takes one after the other: XDP (BPF_PROG_RUN live frames),
 * else AF_PACKET, as for xdperf_tx (include/xdperf/tx.h). Every frame is checked against the
 * device's MTU (and a veth peer's) and the backend's frame limit before anything is sent: a
 * frame that does not fit ends the run before it starts, naming the frame, unless skip_oversize.
 * Frames captured short (caplen < original length) are refused likewise (they would go out
 * shorter than they were); frames under 14 bytes are skipped and counted.
 *
 * xdperf_replay_write() does the same into a pcap file instead of a device (retimed and
 * rewritten, like tcprewrite), with no device and no privileges.
 */
#ifndef XDPERF_REPLAY_H
#define XDPERF_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/tx.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xdperf_replay;

struct xdperf_replay_opts {
	size_t sz;                 /* sizeof(struct xdperf_replay_opts) */
	enum xdperf_tx_mode mode;  /* XDP, else AF_PACKET (AUTO, with a notice), or one of them */
	/* Timing (at most one of multiplier, rate and topspeed): frame i of a pass is due at the
	 * pass's start + (ts_i - ts_0) / multiplier (1 when 0: the original timing); rate > 0:
	 * frame k of the run due at start + k / rate; topspeed: as fast as the device takes them.
	 * A pass after the first starts when the previous one's last frame was due. */
	double multiplier;
	double rate;               /* frames per second, fractions allowed */
	bool topspeed;
	uint64_t loops;            /* passes over the capture; 0 = 1 */
	bool forever;              /* loop until count, duration or xdperf_replay_stop() */
	uint64_t count;            /* frames in all (over every pass); 0 = no limit */
	double duration;           /* seconds; 0 = no limit */
	bool skip_oversize;        /* skip (and count) frames too long for the device instead of
				    * refusing the capture */
	/* Rewriting, tcprewrite's syntax (src/packet/rewrite.h); NULL = none. */
	const char *enet_dmac, *enet_smac; /* aa:bb:cc:dd:ee:ff */
	const char *srcipmap, *dstipmap;   /* FROM/N:TO/M[,...], IPv6 in brackets */
	const char *portmap;               /* P:Q or P1-P2:Q[,...] */
	unsigned batch;            /* XDP frames per kernel batch, 1..256; 0 = 64 */
	double stall_timeout;      /* seconds the device may take nothing; 0 = 5 */
	/* Called about once a second from the thread in xdperf_replay_run() (packets, bytes
	 * and seconds of the totals and of the interval are set). */
	void (*progress)(void *ctx, const struct xdperf_tx_stats *total,
			 const struct xdperf_tx_stats *interval);
	void *progress_ctx;
	/* Called with one line for things worth saying (falling back to AF_PACKET, the carrier
	 * lost and back). */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
};

struct xdperf_replay_result {
	const char *mode;          /* "xdp", "afpacket" or "pcap" (static string) */
	const char *format;        /* of the input: "pcap" or "pcapng" */
	uint64_t packets;          /* frames sent (accepted by the device) or written */
	uint64_t bytes;            /* their frame bytes */
	uint64_t refused;          /* times the device refused a frame (sent again as itself) */
	uint64_t loops;            /* passes completed */
	uint64_t capture_frames;   /* frames in the capture (one pass), skipped ones included */
	double seconds;            /* from the first frame to the last */
	bool stopped;              /* ended by xdperf_replay_stop() */
	double held_s;             /* seconds waited for the device's carrier */
	uint64_t chunks;           /* sets of up to 2048 frames the backend was given */
	/* Frames left out, per pass times passes (each also named once by a notice). */
	uint64_t skipped_oversize; /* longer than the device's MTU allows (skip_oversize) */
	uint64_t skipped_slot;     /* longer than the backend's frame limit (skip_oversize) */
	uint64_t skipped_runt;     /* shorter than an Ethernet header (14 bytes) */
	uint64_t rewritten;        /* frames the rewriting changed */
	/* Timing (not with topspeed): how late frames went against when they were due, as seen
	 * by the sender at the start of the send call that took them (the device and the kernel
	 * add their own delay, not measured here). Percentiles are upper edges of 2^(1/4)-wide
	 * buckets (exact to +19 %); max and mean exact. */
	uint64_t timed_frames;
	double late_mean_us, late_p50_us, late_p99_us, late_max_us;
	/* The span the schedule asked for (last frame's due time) and what it took (last frame's
	 * send time), both from the schedule's start (the first frame's time, moved on by the
	 * time the device had no carrier or took nothing): their ratio is the pacing's error.
	 * seconds above is the wall time from the first frame to the last, holds included. */
	double due_span_s, sent_span_s;
};

/* Opens the capture and checks the options and the device (a one-line error names what is
 * wrong). -EINVAL (bad option or capture), -ENODEV, -ENOENT..., -EPROTONOSUPPORT (not an
 * Ethernet capture). The frames are checked (lengths, MTU) by xdperf_replay_run(). */
int xdperf_replay_new(const char *pcap, const char *ifname, const struct xdperf_replay_opts *opts,
		      struct xdperf_replay **out, char *err, size_t errlen);

/* Checks every frame (MTU, frame limit, truncation, a corrupt file), then sends. 0 (also when
 * stopped), or -errno with one line in err: -EMSGSIZE (a frame does not fit; nothing sent),
 * -EINVAL (corrupt capture, found before sending), -ETIMEDOUT (the device took nothing for the
 * stall timeout), -ENETDOWN, -ENODEV, ... The result is filled in either case. */
int xdperf_replay_run(struct xdperf_replay *r, struct xdperf_replay_result *res, char *err,
		      size_t errlen);

/* Ends a run soon (the sender stops between send calls). Async-signal-safe: may be called from
 * a signal handler. */
void xdperf_replay_stop(struct xdperf_replay *r);

void xdperf_replay_free(struct xdperf_replay *r);

/* Replays pcap into the pcap file out (classic pcap, microsecond timestamps) instead of a
 * device: rewritten as opts says, timestamps as a run would send them (the first frame keeps
 * its time; without multiplier, rate or topspeed the capture's own times; topspeed keeps them
 * too), loops passes; count limits it; a forever loop needs a count. *stop (may be NULL)
 * nonzero: stop and commit what was written (a signal handler may set it). res: packets,
 * bytes, loops, skipped_runt, rewritten. 0 or -errno with one line in err. */
int xdperf_replay_write(const char *pcap, const char *out, const struct xdperf_replay_opts *opts,
			const volatile int *stop, struct xdperf_replay_result *res, char *err,
			size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
