/* Measurement stamps in user space (the trailer is described in src/bpf/xdperf_stamp.h):
 * finding where a template's trailer goes, writing it for AF_PACKET sends, and finding and
 * reading it in a received frame (the AF_PACKET server; the XDP server parses the same way in
 * src/bpf/xdperf_srv.bpf.c). */
#ifndef XDPERF_PACKET_STAMP_H
#define XDPERF_PACKET_STAMP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpf/xdperf_bpf.h"

/* Where the UDP header of an Ethernet frame (one or two VLAN tags, IPv4 not a fragment, IPv6
 * without extension headers; src/packet/layers.c finds the headers) lies: its offset, and the
 * UDP length it states. False when the frame is not such a UDP datagram or is cut short. */
bool xdperf_udp_find(const uint8_t *frame, size_t len, uint32_t *udp_off, uint32_t *udp_len,
		     bool *ipv6);

/* The trailer place of a template: the last XDPERF_STAMP_LEN bytes of its UDP payload.
 * 0, or -EINVAL with one line in err saying why the frame cannot carry one (not UDP, payload
 * shorter than the trailer). */
int xdperf_stamp_locate(const uint8_t *frame, size_t len, struct xdperf_bpf_stamp *at,
			char *err, size_t errlen);

/* Zeroes the trailer bytes of frame (a template), keeping the UDP checksum right. */
void xdperf_stamp_clear(uint8_t *frame, const struct xdperf_bpf_stamp *at);

/* Writes a (version 2) trailer into frame, whose trailer bytes are zero (a fresh template
 * copy) or an earlier trailer, keeping the UDP checksum right. */
void xdperf_stamp_write(uint8_t *frame, const struct xdperf_bpf_stamp *at, uint32_t run,
			uint32_t stream, uint64_t seq, uint64_t tx_ns);

/* A trailer read from a received frame. */
struct xdperf_stamp {
	unsigned version; /* 2, or 1: an older generator's trailer without a run (run 0) */
	uint32_t run;
	uint32_t stream;
	uint64_t seq;
	uint64_t tx_ns;
};

/* Reads the trailer of a received UDP frame (at the end of its UDP payload as the UDP length
 * says, so Ethernet padding does not matter): version 2, else version 1. False when there is
 * none (magic missing). */
bool xdperf_stamp_read(const uint8_t *frame, size_t len, struct xdperf_stamp *out);

/* A new run identity: random, never 0. */
uint32_t xdperf_stamp_new_run(void);

/* CLOCK_TAI now, in ns (the clock stamps carry). */
uint64_t xdperf_stamp_now(void);

#endif
