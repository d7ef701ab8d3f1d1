/* Turning a frame around, as the reflector sends it back (`xdperf --server --reflect`): the
 * user-space twin of turn_around() in src/bpf/xdperf_srv.bpf.c, for the AF_PACKET server. */
#ifndef XDPERF_PACKET_REFLECT_H
#define XDPERF_PACKET_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Swaps f's Ethernet addresses and (through up to two VLAN tags) its IPv4 or IPv6 addresses,
 * and with ports its UDP or TCP ports (after an IPv4 header that is not a fragment, or an IPv6
 * header without extension headers). Every Internet checksum stays right (swapped 16-bit
 * words sum the same). true when turned (an IP frame), false otherwise (f untouched). */
bool xdperf_frame_turn_around(uint8_t *f, size_t len, bool ports);

#endif
