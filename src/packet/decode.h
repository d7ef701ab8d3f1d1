/* Human-readable, layer-by-layer description of an Ethernet frame (part of libxdperf), used by
 * `xdperf plugin run` to show what a plugin's templates contain.
 *
 * Layers: Ethernet (+ 802.1Q/802.1ad VLAN tags), IPv4 (options skipped), IPv6 (hop-by-hop,
 * routing and destination-options headers skipped), UDP, TCP, ICMP, ICMPv6, then the payload
 * length. Checksums are verified: the IPv4 header checksum, and the UDP / TCP / ICMPv6
 * checksums over their IPv4/IPv6 pseudo-header, the ICMP checksum over the message. A UDP
 * checksum of 0 over IPv4 means "not computed" and is shown as such (over IPv6 it is invalid).
 * L4 checksums are only checked when the whole segment is in the frame and the packet is not
 * an IPv4 fragment. One line per layer, e.g.
 *   IPv4      192.168.1.1 -> 192.168.1.2  proto 17 (UDP)  ttl 64  total length 1052  checksum 0x1234 valid
 */
#ifndef XDPERF_PACKET_DECODE_H
#define XDPERF_PACKET_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct xdperf_decode_info {
	unsigned checksums_ok;   /* checksums verified as valid */
	unsigned checksums_bad;  /* checksums found INVALID */
	int truncated;           /* a header or the L3 length extends past the frame */
};

/* Writes the description of frame[0..len) to buf (always NUL-terminated when buflen > 0;
 * lines end in '\n', each prefixed by `indent`, which may be NULL). Returns the length the full
 * text needs, like snprintf (so >= buflen means it was truncated). info may be NULL. */
size_t xdperf_frame_describe(const uint8_t *frame, size_t len, const char *indent, char *buf,
			     size_t buflen, struct xdperf_decode_info *info);

/* The Internet checksum (RFC 1071) over data, starting from the 32-bit partial sum `sum`;
 * returns the folded one's-complement sum (not inverted). A region that includes a correct
 * checksum field sums to 0xffff. */
uint16_t xdperf_csum_fold(const uint8_t *data, size_t len, uint32_t sum);

#endif
