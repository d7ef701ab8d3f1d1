/* xdperf server mode: receiving, counting and measuring traffic on a device (part of
 * libxdperf) — the other end of a generator run.
 *
 *   struct xdperf_server *s;
 *   LIBXDPERF_OPTS(xdperf_server_opts, o, .port = 9000, .stamp = true,
 *                  .control = "0.0.0.0:7000");
 *   if (xdperf_server_open("eth0", &o, &s, err, sizeof err) == 0) {
 *           ... xdperf_server_stats(s, &st) once a second ...
 *           struct xdperf_server_report *r;
 *           xdperf_server_report(s, &r);   ... xdperf_server_report_free(r);
 *           xdperf_server_close(s);
 *   }
 *
 * XDP (needs root, or CAP_BPF + CAP_NET_ADMIN): an XDP program counts frames and bytes per
 * CPU; with a port only UDP datagrams to it are counted (and consumed), all else passes to
 * the stack, so the host stays reachable; without a port every frame is counted and passed
 * on. AF_PACKET (needs CAP_NET_RAW): a packet socket sees the same frames (they still reach
 * the stack). With stamp checking, each counted frame's trailer (written by a generator run
 * with xdperf_tx_opts.stamp) is analysed per stream: received, lost, duplicated, reordered,
 * one-way latency. Latency compares the sender's and this host's CLOCK_TAI: it is valid only
 * when both share a clock (same host, e.g. namespaces) or are synchronised (PTP).
 *
 * Control (like iperf3): with opts.control the server listens on HOST:PORT (TCP) for a
 * generator (xdperf_server_ctl_*): it resets the server before its run and fetches the report
 * after, so it can print sent vs received. One JSON object per line each way:
 *   {"cmd":"hello"} -> {"ok":true,"server":"xdperf","mode":"xdp","port":9000,"stamp":true}
 *   {"cmd":"reset"} -> {"ok":true}       {"cmd":"stats"} -> {"ok":true,"packets":N,...}
 *   {"cmd":"report"} -> {"ok":true,"report":{...}} (the report's JSON, below)
 *   anything else   -> {"ok":false,"error":"..."}
 */
#ifndef XDPERF_SERVER_H
#define XDPERF_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/tx.h"

#ifdef __cplusplus
extern "C" {
#endif

enum xdperf_server_mode {
	XDPERF_SERVER_AUTO = 0,     /* XDP, else AF_PACKET (with a notice saying why) */
	XDPERF_SERVER_XDP = 1,
	XDPERF_SERVER_AFPACKET = 2,
};

#define XDPERF_REFLECT_ADDRS 1 /* swap Ethernet and IP addresses */
#define XDPERF_REFLECT_PORTS 2 /* ... and UDP/TCP ports */

struct xdperf_server_opts {
	size_t sz;                  /* sizeof(struct xdperf_server_opts) */
	enum xdperf_server_mode mode;
	uint16_t port;              /* count only UDP to this destination port; 0 = every frame */
	bool stamp;                 /* analyse stamp trailers */
	const char *control;        /* "HOST:PORT" to listen on for generators; NULL = none */
	/* Verifier plugin (the generator plugin ABI): every sample_every-th counted frame (per
	 * CPU with XDP) is given to it as {"packet":{"data":BASE64,"length":N,"timestamp":NS,
	 * "sequence":N}}; it answers {"result":{"valid":BOOL,"errors":[TEXT...]}}. */
	const char *verifier;       /* FILE.wasm; NULL = none */
	const char *verifier_config; /* JSON text for its plugin_init; NULL = "{}" */
	unsigned sample_every;      /* 0 = 1000 when a verifier is set */
	int log_level;              /* the verifier's log lines (enum xdperf_log_level) */
	/* Reflector: counted IP frames are sent back out of the device (XDP_TX; with AF_PACKET,
	 * through the socket) with the Ethernet and IP source and destination swapped
	 * (XDPERF_REFLECT_ADDRS) and also the UDP/TCP ports (XDPERF_REFLECT_PORTS); with a port
	 * only that port's UDP, else every IP frame. 0 = off. */
	int reflect;
	/* Called when AUTO falls back to AF_PACKET, with the one-line reason. */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
};

/* Counters since the last reset (or open). */
struct xdperf_server_stats {
	uint64_t packets;      /* frames counted */
	uint64_t bytes;        /* their frame bytes */
	uint64_t passed;       /* frames not for the port, handed to the stack */
	uint64_t stamped;      /* counted frames with a valid trailer (analysed) */
	uint64_t unstamped;    /* counted frames without one (stamp checking on) */
	uint64_t ring_full;    /* stamped frames not analysed: user space fell behind */
	uint64_t sampled;      /* frames given to the verifier */
	uint64_t sample_full;  /* samples dropped: the verifier fell behind */
	uint64_t distinct;     /* distinct (stream, sequence number) pairs analysed so far */
	uint64_t reflected;    /* counted frames sent back (reflector) */
	uint64_t not_reflected; /* counted frames that are not IP, passed on instead */
	uint64_t reflect_failed; /* of the reflected, those the device could not send */
	double seconds;        /* the whole wait: since the reset (or open), idle time included */
	/* The active interval: seconds from the reset to the first and to the last counted frame,
	 * and between them (from integer ns of one clock: active_s <= last_s <= seconds exactly).
	 * All 0 when no frame was counted; with one frame first_s = last_s, active_s = 0. XDP:
	 * CLOCK_MONOTONIC when the program sees the frame; AF_PACKET: the kernel's receive
	 * timestamp (CLOCK_REALTIME; seconds is then measured on that clock too). A frame arriving
	 * during the reset itself may fall on either side of it. */
	double first_s, last_s, active_s;
	uint64_t first_bytes;  /* frame bytes of the first counted frame */
};

/* Rates over the active interval: the frames after the first over the time they took,
 * (packets - 1) / active_s, and their bits, (bytes - first_bytes) * 8 / active_s — so frames
 * paced at R per second give R. False (*pps = *bps = 0) when not defined: fewer than two
 * frames, or no time between the first and the last. */
bool xdperf_server_rates(const struct xdperf_server_stats *st, double *pps, double *bps);

/* One bucket of a latency histogram: the samples above the previous bucket's le_ns and at
 * most this one's. */
struct xdperf_latency_bucket {
	uint64_t le_ns;
	uint64_t count;
};

struct xdperf_latency {
	uint64_t count;        /* samples (negative ones count as 0) */
	uint64_t negative;     /* receive time before send time: the clocks differ */
	uint64_t min_ns, p50_ns, p99_ns, p999_ns, max_ns;
	double avg_ns;
	/* The histogram the percentiles are read from: its non-empty buckets in ascending order
	 * (1 ns wide below 64 ns, then 32 per power of two: each at most 1/32 of its lower edge
	 * wide, so a sample is within 3.125% below its bucket's le_ns), or NULL with nhist 0. Owned by
	 * the report (freed with it). A bucket's count stops at 2^32-1. */
	size_t nhist;
	struct xdperf_latency_bucket *hist;
};

/* One stream (a sender thread's frames of one template in one generator run), or all of them
 * together. */
struct xdperf_stream_report {
	uint32_t stream;       /* sender thread << 16 | template index */
	uint64_t received;     /* frames, duplicates included */
	uint64_t unique;       /* distinct sequence numbers */
	uint64_t lost;         /* gaps: sequence numbers between the lowest and highest seen
				* that never arrived */
	uint64_t duplicated;   /* frames whose sequence number had arrived before */
	uint64_t reordered;    /* frames that arrived after a higher sequence number */
	uint64_t first_seq, last_seq; /* lowest and highest seen */
	struct xdperf_latency latency;
	uint32_t run;          /* the generator run (0: version 1 trailers, which carry none) */
};

/* One generator run seen: its streams' figures summed. */
struct xdperf_run_report {
	uint32_t run;          /* 0: frames with version 1 trailers (older generators) */
	size_t nstreams;
	uint64_t received, unique, lost, duplicated, reordered;
};

struct xdperf_server_report {
	char device[64];
	char mode[16];         /* "xdp" or "afpacket" */
	uint16_t port;
	bool stamp;
	int reflect;           /* opts.reflect */
	struct xdperf_server_stats stats;
	struct xdperf_stream_report total; /* stream field unused; lost = sum over streams */
	size_t nstreams;
	struct xdperf_stream_report *streams; /* by run, then stream id */
	uint64_t streams_over_limit; /* stamped frames of streams beyond the table (not analysed) */
	bool verifier;         /* a verifier plugin ran */
	uint64_t valid, invalid;  /* its verdicts */
	uint64_t verifier_failed; /* samples it failed on (trap, bad answer) */
	char first_error[256]; /* the first invalid verdict's errors, or failure */
	size_t nruns;          /* generator runs seen (streams are by run, then stream id) */
	struct xdperf_run_report *runs; /* by run id */
};

struct xdperf_server;

/* Attaches to device ifname and starts counting (and the control listener). *out is freed
 * with xdperf_server_close(). Returns 0 or -errno with one line in err: -ENODEV (no such
 * device), -EPERM (no privileges), -EADDRINUSE (control port taken), -EINVAL (bad option or
 * verifier), -EOPNOTSUPP (XDP forced and not possible). */
int xdperf_server_open(const char *ifname, const struct xdperf_server_opts *opts,
		       struct xdperf_server **out, char *err, size_t errlen);

/* "xdp" or "afpacket" (static string). */
const char *xdperf_server_mode_name(const struct xdperf_server *s);

/* Counters since the last reset; 0 or -errno. Callable from any thread. */
int xdperf_server_stats(struct xdperf_server *s, struct xdperf_server_stats *st);
/* The counters since open, which resets do not touch, with `seconds` since open (distinct and
 * the active interval are 0): rates over intervals a reset may fall into. 0 or -errno. */
int xdperf_server_stats_since_open(struct xdperf_server *s, struct xdperf_server_stats *st);

/* Zeroes counters and stream state (a control "reset" does the same). */
void xdperf_server_reset(struct xdperf_server *s);

/* A snapshot of everything since the last reset; *out is freed with
 * xdperf_server_report_free(). 0 or -ENOMEM. */
int xdperf_server_report(struct xdperf_server *s, struct xdperf_server_report **out);
void xdperf_server_report_free(struct xdperf_server_report *r);

/* The report as JSON text (malloc'd, the caller frees it; NULL when out of memory), and back
 * (0, or -EINVAL with one line in err). */
char *xdperf_server_report_json(const struct xdperf_server_report *r);
int xdperf_server_report_parse(const char *json, struct xdperf_server_report **out, char *err,
			       size_t errlen);

/* Frames lost against `sent` (what the generator sent): sent - (distinct stamped frames +
 * ring_full), at least 0. Unlike total.lost it includes losses after the last arrival. */
uint64_t xdperf_server_report_lost(const struct xdperf_server_report *r, uint64_t sent);

/* The report of stream `stream` of generator run `run`, or NULL when none of its frames
 * arrived. */
const struct xdperf_stream_report *xdperf_server_report_stream(const struct xdperf_server_report *r,
							     uint32_t run, uint32_t stream);

/* Detaches, stops the threads, frees (NULL is fine). */
void xdperf_server_close(struct xdperf_server *s);

/* ---- the generator's side of the control connection ---- */
struct xdperf_server_ctl;

struct xdperf_server_ctl_opts {
	size_t sz;                  /* sizeof(struct xdperf_server_ctl_opts) */
	int timeout_ms;             /* connecting, and each answer; 0 = 5000 */
	/* A stop request, e.g. set by a SIGINT handler (nonzero: stop); NULL = none. Once it is
	 * set, connecting gives up (-EINTR), the report's wait for the last frames ends within
	 * 0.5 s, and each answer is awaited at most 0.5 s more. Borrowed. */
	const volatile sig_atomic_t *stop;
};

/* Connects to "HOST:PORT" and says hello. 0 or -errno with one line in err naming the
 * address (-EINTR: stopped). *out is freed with xdperf_server_ctl_close(). */
int xdperf_server_ctl_open(const char *addr, const struct xdperf_server_ctl_opts *opts,
			   struct xdperf_server_ctl **out, char *err, size_t errlen);
/* The same with only a timeout (0 = 5000 ms). */
int xdperf_server_ctl_connect(const char *addr, int timeout_ms, struct xdperf_server_ctl **out,
			      char *err, size_t errlen);
/* The connection's socket, to watch while no call is made: readable or hung up means the
 * server closed the connection (it never speaks unasked). */
int xdperf_server_ctl_fd(const struct xdperf_server_ctl *c);
/* The server's hello answer: its mode, port, stamp checking. */
void xdperf_server_ctl_info(const struct xdperf_server_ctl *c, char *mode, size_t modelen,
			    uint16_t *port, bool *stamp);
int xdperf_server_ctl_reset(struct xdperf_server_ctl *c, char *err, size_t errlen);
int xdperf_server_ctl_stats(struct xdperf_server_ctl *c, struct xdperf_server_stats *st,
			    char *err, size_t errlen);
/* Waits until the server's distinct stamped frames (or, without stamps, counted frames) reach
 * `expect` or its counts stop changing for quiet_ms (at most max_ms), then fetches the report. */
int xdperf_server_ctl_report(struct xdperf_server_ctl *c, uint64_t expect, int quiet_ms,
			     int max_ms, struct xdperf_server_report **out, char *err,
			     size_t errlen);
void xdperf_server_ctl_close(struct xdperf_server_ctl *c);

#ifdef __cplusplus
}
#endif
#endif
