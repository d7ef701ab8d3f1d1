/* Rewriting captured frames for replay, like tcprewrite's common options: destination and
 * source MAC (--enet-dmac/--enet-smac), IPv4 and IPv6 source/destination address maps given as
 * CIDR:CIDR pairs (--srcipmap/--dstipmap; IPv6 in brackets: [2001:db8::/32]:[fd00::/32]), and a
 * TCP/UDP port map (--portmap 80:8080,1000-1999:2000). Addresses and ports are changed in the
 * first IPv4/IPv6 header after the Ethernet header (and up to two VLAN tags) and in its TCP or
 * UDP header; the IPv4 header checksum and the TCP, UDP (when not 0 over IPv4) and ICMPv6
 * checksums are updated incrementally (RFC 1624), so they stay right also for frames captured
 * short. Not rewritten: tunnels' inner headers, ARP, addresses quoted inside ICMP errors. */
#ifndef XDPERF_PACKET_REWRITE_H
#define XDPERF_PACKET_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XDPERF_REWRITE_MAPS_MAX 64 /* entries per map */

struct xdperf_rw_ipmap {
	bool v6;
	uint8_t from[16], to[16];
	unsigned from_len, to_len; /* prefix lengths */
};

struct xdperf_rw_portmap {
	uint16_t lo, hi, to; /* ports lo..hi become `to` */
};

/* Zero-initialised: rewrites nothing. */
struct xdperf_rewrite {
	bool dmac_set, smac_set;
	uint8_t dmac[6], smac[6];
	struct xdperf_rw_ipmap src[XDPERF_REWRITE_MAPS_MAX], dst[XDPERF_REWRITE_MAPS_MAX];
	unsigned nsrc, ndst;
	struct xdperf_rw_portmap port[XDPERF_REWRITE_MAPS_MAX];
	unsigned nport;
};

/* What xdperf_rewrite_frame() changed (flags). */
#define XDPERF_RW_MAC 1u
#define XDPERF_RW_IP 2u
#define XDPERF_RW_PORT 4u

/* Parsers: 0, or -EINVAL with one line in err saying what is wrong with the value (the caller
 * names the option). A MAC is aa:bb:cc:dd:ee:ff. An address map is a comma-separated list of
 * FROM/N:TO/M pairs (both of one family; the first matching pair applies; the address keeps its
 * last 32-M or 128-M bits and takes its first M from TO). A port map is a comma-separated list
 * of P:Q or P1-P2:Q. Each call adds to what is there. */
int xdperf_rewrite_mac(struct xdperf_rewrite *rw, bool dst, const char *mac, char *err,
		       size_t errlen);
int xdperf_rewrite_ipmap(struct xdperf_rewrite *rw, bool dst, const char *spec, char *err,
			 size_t errlen);
int xdperf_rewrite_portmap(struct xdperf_rewrite *rw, const char *spec, char *err, size_t errlen);

/* True when rw changes anything. */
bool xdperf_rewrite_any(const struct xdperf_rewrite *rw);

/* Rewrites the captured bytes f[0..caplen) in place; returns the XDPERF_RW_* flags of what it
 * changed (fields beyond caplen are left alone). */
unsigned xdperf_rewrite_frame(const struct xdperf_rewrite *rw, uint8_t *f, uint32_t caplen);

#endif
