/* Where the headers of an Ethernet frame are: the offsets the field engine (field.c), named
 * fields (field_json.c) and IMIX resizing (imix.c) work from. Ethernet with up to two VLAN
 * tags (802.1Q / 802.1ad), IPv4 (options), IPv6 (hop-by-hop, routing, destination-options
 * headers skipped), then the L4 header's offset and protocol. */
#ifndef XDPERF_PACKET_LAYERS_H
#define XDPERF_PACKET_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xdperf_layers {
	uint16_t l3;        /* offset of the IP header (after Ethernet and VLAN tags) */
	uint16_t ethertype; /* of the L3 header */
	uint8_t ipv;        /* 4 or 6; 0 = not IP (or its header is truncated) */
	uint16_t l3_end;    /* l3 + the IP total length (IPv6: 40 + payload length); may exceed
			     * the frame length when the frame is cut short */
	uint8_t proto;      /* L4 protocol (after IPv6 extension headers) */
	uint16_t l4;        /* offset of the L4 header; 0 = none */
	bool fragment;      /* IPv4 fragment (offset or MF set) or an IPv6 fragment header */
};

/* Fills *ly for frame[0..len). Returns 0 (ly->ipv 0 when the frame holds no whole IP header). */
int xdperf_frame_layers(const uint8_t *frame, size_t len, struct xdperf_layers *ly);

#endif
