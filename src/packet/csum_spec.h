/* Checksums given by position the way the Go xdperf gives them,
 *   {"checksum_offset": N, "header_start": N, "header_len": N, "ip_header_offset": N},
 * turned into the field engine's struct xdperf_csum_spec by reading the frame: an IPv4 header
 * checksum when checksum_offset = ip_header_offset + 10 (header_len 0: the header's own
 * length); else a transport checksum over [header_start, header_start + header_len)
 * (header_len 0: to the end of the IP packet at ip_header_offset) with that IP header's
 * pseudo-header, whose protocol is the IPv4 protocol, or over IPv6 the header after the
 * extension headers (the destination an SRH's final segment when Segments Left > 0); ICMP
 * (protocol 1) without a pseudo-header; a UDP result of 0 sent as 0xffff. Used by both
 * response forms (template.checksums entries and variable templates). */
#ifndef XDPERF_PACKET_CSUM_SPEC_H
#define XDPERF_PACKET_CSUM_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/field.h"

/* From the four numbers. 0, or -EINVAL with "PATH: why" in err. */
int xdperf_csum_spec_locate(const uint8_t *f, size_t len, uint64_t off, uint64_t hs, uint64_t hl,
			    uint64_t ip, struct xdperf_csum_spec *sp, const char *path, char *err,
			    size_t errlen);
/* From the JSON object (integers >= 0; "#u64:" strings accepted as in packet/variable.h). */
int xdperf_csum_spec_json(const json_t *cj, const char *path, const uint8_t *f, size_t len,
			  struct xdperf_csum_spec *sp, char *err, size_t errlen);

#endif
