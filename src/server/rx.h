/* The server's receive backends: XDP (rx_xdp.c, src/bpf/xdperf_srv.bpf.c) and AF_PACKET
 * (rx_afpacket.c). Both count frames and bytes, pick out UDP to the port, hand stamped frames'
 * trailers and every N-th frame (a sample) to the sink, and keep counters that only grow (the
 * server subtracts a baseline at reset) and the times of the first and last counted frame since
 * the last restart (a reset). */
#ifndef XDPERF_SERVER_RX_H
#define XDPERF_SERVER_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>
#include "bpf/xdperf_bpf.h"

struct srv_sink {
	/* one stamped frame (run, stream, sequence, send and receive time in ns, CLOCK_TAI) */
	void (*stamp)(void *ctx, uint32_t run, uint32_t stream, uint64_t seq, uint64_t tx_ns,
		      uint64_t rx_ns);
	/* one sampled frame; false when the verifier's queue is full (counted as sample_full) */
	bool (*sample)(void *ctx, const struct xdperf_bpf_srv_sample *s);
	void *ctx;
};

struct srv_rx_cfg {
	int ifindex;
	const char *ifname;
	uint16_t port;
	bool stamp;
	unsigned sample_every; /* 0 = no samples */
	int reflect;           /* 0, XDPERF_BPF_REFLECT_ADDRS or _PORTS: send counted IP frames back */
	struct srv_sink sink;
};

struct srv_rx {
	const char *name; /* "xdp", "afpacket" */
	/* The clock of the frame times (first_ns, last_ns, restart): CLOCK_MONOTONIC for XDP,
	 * CLOCK_REALTIME for AF_PACKET (the kernel's receive timestamps). */
	clockid_t clock;
	/* Counters since open (the srv_cpu fields, summed; nth unused), and first_ns / first_len /
	 * last_ns: the first and the last counted frame at or after the last restart (0 = none).
	 * 0 or -errno. Any thread. */
	int (*counters)(struct srv_rx *rx, struct xdperf_bpf_srv_cpu *sum);
	/* From now on first_ns and last_ns count frames at or after `ns` (a time of `clock`). */
	void (*restart)(struct srv_rx *rx, uint64_t ns);
	/* Hands what arrived to the sink (discard: drops the stamps and samples instead); does
	 * not wait. Callers serialise poll calls. */
	void (*poll)(struct srv_rx *rx, bool discard);
	/* Waits a little for frames to arrive (at most about 50 ms). */
	void (*wait)(struct srv_rx *rx);
	void (*close)(struct srv_rx *rx);
};

/* 0, or -errno with one line in err (-EPERM without privileges, -EBUSY when the device
 * already has an XDP program, -EOPNOTSUPP). */
int srv_rx_xdp_open(const struct srv_rx_cfg *cfg, struct srv_rx **out, char *err, size_t errlen);
int srv_rx_afpacket_open(const struct srv_rx_cfg *cfg, struct srv_rx **out, char *err,
			 size_t errlen);

#endif
