/* The field engine: per-packet changes to fields of a template frame, with the checksums that
 * cover them kept correct, so a few templates make millions of flows (part of libxdperf).
 *
 * A modifier rewrites one field of 1, 2, 4 or 8 bytes (big endian unless little_endian) with
 * a new value for every packet:
 *   INCREMENT  start, start+step, ... up to max, then min again (start defaults to min)
 *   DECREMENT  start, start-step, ... down to min, then max again (start defaults to max)
 *   RANDOM     uniform over min, min+step, ... <= max (seeded; seed 0 = a fixed default)
 *   RANGE      every value of min, min+step, ... <= max exactly once per cycle, in a scattered
 *              order (a stride coprime to the number of values, near its golden-ratio share,
 *              picked by seed): full coverage like INCREMENT, spread like RANDOM
 * The values are min, min+step, ... <= max: a start must be one of them, and where step does not
 * divide max - min, DECREMENT's "max" is the highest of them.
 * With several sender threads, thread t of N takes every N-th value of that sequence
 * (starting with the t-th), so the threads together send the sequence a single thread would.
 *
 * Checksums (XDPERF_CSUM_* flags) named for a frame are recomputed once for the template and
 * then updated incrementally (RFC 1624) for every change a modifier makes to bytes they
 * cover, including the IPv4/IPv6 pseudo-header of UDP, TCP and ICMPv6.
 */
#ifndef XDPERF_FIELD_H
#define XDPERF_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XDPERF_FIELD_MODS_MAX 8   /* modifiers per template */

enum xdperf_field_op {
	XDPERF_FIELD_INCREMENT = 0,
	XDPERF_FIELD_DECREMENT = 1,
	XDPERF_FIELD_RANDOM = 2,
	XDPERF_FIELD_RANGE = 3,
};

struct xdperf_field_mod {
	uint16_t offset;          /* first byte of the field in the frame */
	uint8_t len;              /* 1, 2, 4 or 8 */
	bool little_endian;
	enum xdperf_field_op op;
	uint64_t min, max;        /* inclusive bounds; both 0 = the field's whole range */
	uint64_t step;            /* distance between values; 0 = 1 */
	uint64_t start;           /* first value (INCREMENT/DECREMENT) when has_start */
	bool has_start;
	uint64_t seed;            /* RANDOM and RANGE */
	const char *name;         /* for messages ("ipv4.src_ip"); NULL = "offset N" */
	/* Walk controls (INCREMENT, DECREMENT, RANGE; 0 = as described above). The values form
	 * a sequence v[0], v[1], ... of n values; packet j of one thread gets
	 * v[(skip + j * stride) mod n]. Used to lay one walk over several templates that take
	 * turns (template t of T: skip t, stride T). */
	uint64_t skip;
	uint64_t stride;          /* 0 = 1 */
	/* Values are written modulo the field (its low 8 * len bits): min and max may then lie
	 * outside it, and max below min means the values wrap past 2^64 (there are
	 * (max - min) mod 2^64 / step + 1 of them). INCREMENT and RANDOM only. */
	bool truncate;
};

/* Checksums kept up to date (struct xdperf_tx_frame.csums): located by decoding the frame. */
#define XDPERF_CSUM_IPV4   (1u << 0) /* IPv4 header checksum */
#define XDPERF_CSUM_UDP    (1u << 1) /* UDP over IPv4 or IPv6 (over IPv4, 0 = none is kept) */
#define XDPERF_CSUM_TCP    (1u << 2)
#define XDPERF_CSUM_ICMP   (1u << 3) /* ICMP over IPv4 */
#define XDPERF_CSUM_ICMPV6 (1u << 4)

/* A checksum given by position instead of by decoding the frame (the Go xdperf's variable
 * templates give them so; tunnels have inner headers the decoder does not follow). It is
 * computed over bytes [start, start + len) plus, when alen is 4 or 16, a pseudo-header of the
 * addresses at src and dst (alen bytes each), the length len and the protocol proto. Kept up
 * to date like the XDPERF_CSUM_* ones; at most XDPERF_CSUM_SPECS_MAX per frame, and flags and
 * specs together at most 4. */
#define XDPERF_CSUM_SPECS_MAX 4
struct xdperf_csum_spec {
	uint16_t off;             /* the 16-bit checksum field */
	uint16_t start, len;      /* covered bytes */
	uint16_t src, dst;        /* pseudo-header addresses (alen > 0) */
	uint8_t alen;             /* 0 (no pseudo-header), 4 or 16 */
	uint8_t proto;            /* pseudo-header protocol */
	bool nonzero;             /* a result of 0 is sent as 0xffff (UDP) */
};

#ifdef __cplusplus
}
#endif

#endif
