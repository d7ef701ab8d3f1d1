/* A template's modifiers and checksums (JSON, the Go xdperf's shape) turned into field engine
 * modifiers (include/xdperf/field.h) and XDPERF_CSUM_* flags, validated against the frame.
 *
 * Modifier:
 *   { "target":    {"layer":"ipv4","field":"src_ip"}  |  {"offset":26,"length":4},
 *     "operation": {"type":"increment","data_type":"uint32"}  |  "increment",
 *     "params":    {"min":..,"max":..,"step":1,"start":..,"seed":7,"endian":"little",
 *                   "skip":0,"stride":1} }
 * type: increment, decrement, random, range. length: 1, 2, 4 or 8. endian ("big" default or
 * "little") may sit in target or params. data_type (optional): uint8, uint16, uint32, uint64 or
 * ipv4, and must match the field's length. Numbers: a JSON integer >= 0, or a string: decimal,
 * 0x-hex, a dotted IPv4 address (4-byte fields) or, for ipv6.src_ip / ipv6.dst_ip, an IPv6
 * address whose low 64 bits are used; values above INT64_MAX must be strings. min and max both
 * absent = the field's whole range; one absent = 0 / the field's maximum. step >= 1 (default 1).
 * skip / stride (walks only): packet j gets value number (skip + j * stride) mod n of the
 * sequence (include/xdperf/field.h), for one walk laid over templates that take turns.
 *
 * Named fields (offsets found by xdperf_frame_layers; the layer must be in the frame):
 *   eth.dst eth.src (4: the LOW 4 bytes of the MAC address)
 *   ipv4.tos (1) ipv4.id (2) ipv4.ttl (1) ipv4.src_ip ipv4.dst_ip (4)
 *   ipv6.src_ip ipv6.dst_ip (8: the low 64 bits of the address) ipv6.hop_limit (1)
 *   udp.src_port udp.dst_port (2)
 *   tcp.src_port tcp.dst_port (2) tcp.seq tcp.ack (4) tcp.window (2)
 *   icmp.id icmp.seq, icmpv6.id icmpv6.seq (2; echo request / reply only)
 * L4 fields are refused in IP fragments.
 *
 * Checksums: [{"layer":"ipv4"|"udp"|"tcp"|"icmp"|"icmpv6","auto_update":true,
 *              "algorithm":"internet"|"rfc1071"|"rfc1624"}]; entries whose auto_update is not
 * true are ignored. An entry may instead give a checksum by position, for headers the decoder
 * does not follow (a tunnel's inner ones): {"checksum_offset":N, "header_start":N,
 * "header_len":N, "ip_header_offset":N} (packet/csum_spec.h; at most 4).
 *
 * Errors are one line naming the JSON path, e.g. "modifiers[1].params.max: 70000 does not fit
 * 2 bytes" (template.c prefixes "template N: "). */
#ifndef XDPERF_PACKET_FIELD_JSON_H
#define XDPERF_PACKET_FIELD_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/field.h"

struct xdperf_fields {
	struct xdperf_field_mod mod[XDPERF_FIELD_MODS_MAX];
	size_t nmods;
	unsigned csums;                        /* XDPERF_CSUM_* flags with auto_update true */
	struct xdperf_csum_spec spec[XDPERF_CSUM_SPECS_MAX]; /* positioned checksums */
	size_t nspecs;
	char names[XDPERF_FIELD_MODS_MAX][48]; /* mod[i].name points here ("ipv4.src_ip", "offset 26") */
	char warn[192];                        /* xdperf_fe_compile's warning; "" when none */
};

/* Converts modifiers (JSON array or NULL) and checksums (JSON array or NULL) for frame[0..len)
 * into *out, then validates them with xdperf_fe_compile (overlaps, ranges, checksum presence).
 * Returns 0, or -EINVAL / -ENOMEM with one line in err. */
int xdperf_fields_parse(const json_t *modifiers, const json_t *checksums, const uint8_t *frame,
			uint16_t len, struct xdperf_fields *out, char *err, size_t errlen);

/* Points mod[i].name at names[i] again (after copying the struct). */
void xdperf_fields_fix_names(struct xdperf_fields *f);

/* One line into buf, like snprintf (returns the length the full text needs):
 * "ipv4.src_ip increment 10.0.0.1..10.0.0.254 step 1", "offset 40/2 random 0..65535 seed 7". */
size_t xdperf_field_describe(const struct xdperf_field_mod *m, char *buf, size_t len);

/* The offset and length of a named field (see above) in frame[0..len). Returns 0, or -EINVAL
 * with e.g. "ipv4.src_ip: the frame has no IPv4 header" in err. */
int xdperf_field_lookup(const char *layer, const char *field, const uint8_t *frame, size_t len,
			uint16_t *off, uint8_t *flen, char *err, size_t errlen);

#endif
