/* variety: a mix of many packet kinds in one run, the Go xdperf's test_e2e_variety plugin in C.
 * One template per kind (two for tcp), interleaved by weight:
 *
 *   kind        frame (bytes)                                             varies per packet
 *   ipv4_udp    Eth | IPv4 | UDP | payload                          (64)  eth.dst 00:11:22:33:44:55..
 *                                                                         :ff, ttl 64..128, tos 0..63,
 *                                                                         ip.src 192.168.1.1..254,
 *                                                                         udp.src 1024..65535,
 *                                                                         payload[1..8] 1..255
 *   ipv6_udp    Eth | IPv6 | UDP | payload                          (78)  hop limit 32..128, udp.src
 *                                                                         1024.., low 64 bits of the
 *                                                                         IPv6 source 1..255
 *   vlan        Eth | 802.1Q | IPv4 | UDP | payload                 (68)  TCI (vid) vlan_id, udp.src
 *   qinq        Eth | 802.1ad | 802.1Q | IPv4 | UDP | payload       (72)  outer TCI qinq_outer_vlan_id,
 *                                                                         inner TCI qinq_inner_vlan_id,
 *                                                                         udp.src
 *   icmpv4      Eth | IPv4 | ICMP echo request | data               (64)  id 1..65535, seq 1..65535
 *   icmpv6      Eth | IPv6 | ICMPv6 echo request | data             (78)  id 1..65535, seq 1..65535
 *   tcp         Eth | IPv4 | TCP SYN (seq 1000, win 65535) + zero padding (64)
 *               Eth | IPv4 | TCP PSH+ACK | payload                  (64)  tcp.src 1024.., seq 1..2^32-1
 *                                                                         (both templates)
 *   raw         Eth (type 0x9000) | bytes 0..45 + padding           (64)  first 4 payload bytes 0..
 *   arp         Eth (to ff:ff:ff:ff:ff:ff) | ARP request + padding  (64)  sender IP 10.0.0.1..
 *                                                                         10.255.255.254
 *   eapol       Eth (0x888e) | EAPOL v2 Start + padding             (64)  low 2 bytes of eth.src
 *   lldp        Eth (to 01:80:c2:00:00:0e) | LLDP chassis (MAC) port (local "port1") TTL 120 |
 *               end + padding                                       (64)  low 2 bytes of eth.src
 *   l2vpn       Eth | MPLS 1000 | MPLS 2000 (S) | Eth a2::02 <- a2::01 | IPv4 | UDP | payload (80)
 *   l3vpn       Eth | MPLS 1000 | MPLS 2000 (S) | IPv4 | UDP | payload                      (66)
 *   l2vpn_srv6  Eth | IPv6 (src_ipv6 -> dst_ipv6) | SRH (next header 143, segments
 *               2001:db8:1::1, 2001:db8:2::1; Segments Left 1) | Eth | IPv4 | UDP | payload (150)
 *   l3vpn_srv6  Eth | IPv6 | SRH (next header 4, same segments) | IPv4 | UDP | payload      (136)
 *               (the VPN kinds: udp.src 1024..65535)
 *
 * Config keys (the Go plugin's names and defaults):
 *   src_ip "192.168.1.1", dst_ip "192.168.1.2"       IPv4 addresses (inner ones of the VPN kinds;
 *                                                    the ARP sender / target)
 *   src_ipv6 "2001:db8::1", dst_ipv6 "2001:db8::2"  IPv6 addresses (outer ones of the SRv6 kinds)
 *   src_port 1234, dst_port 5678                     UDP / TCP ports
 *   dst_mac "ff:ff:ff:ff:ff:ff"                      destination MAC (the source MAC is
 *                                                    device_mac_addr: the device's, or --src-mac)
 *   is_arp_resolve true                              on a device run, use dst_ip's MAC from the
 *                                                    host's neighbour table; unresolved keeps
 *                                                    dst_mac with a WARN line; no device (pcap,
 *                                                    plugin run): dst_mac
 *   payload_size 1024                                accepted (an integer) and, as in the Go
 *                                                    plugin, not used
 *   protocols []                                     the kinds, by name (case-insensitive), in
 *                                                    order; empty or containing "all" = all 15 in
 *                                                    the order of the table above; an unknown name
 *                                                    is skipped with a WARN line (none left: error);
 *                                                    a name given twice counts twice (weight)
 * Extensions (not in the Go plugin; their defaults give its behaviour):
 *   weights {}                      {"kind": N, ...}: weight of a kind (default 1; 0 leaves it
 *                                   out; at most 1000000); multiplies the count from protocols
 *   vlan_id "1-4094"                VLAN id of vlan: a number or a range "A-B" (0..4095), walked
 *   qinq_outer_vlan_id "1-4094"     outer (802.1ad) and inner (802.1Q) VLAN ids of qinq, likewise
 *   qinq_inner_vlan_id "1-4094"
 *
 * Fields the Go plugin walks overwrite the configured value from the first packet on, exactly
 * as there: src_port never appears (every UDP/TCP kind walks the source port from 1024), the
 * ipv4_udp source address walks 192.168.1.1..254 whatever src_ip is and its destination MAC
 * 00:11:22:33:44:55..ff whatever dst_mac is, the ARP sender address walks 10.0.0.1.. and the
 * low 64 bits of the ipv6_udp source 1..255. Every walk is sequential (XDP_MOD_INCREMENT: min,
 * min+1, ..., max, min, ...; per template), as the Go plugin's "sequential" params; the TCI
 * walks write the whole tag control field (PCP and DEI 0).
 *
 * Frame lengths: the Go plugin also walks the length of most kinds (ipv4_udp 64..256, ipv6_udp
 * 78..256, vlan 68..256, qinq 72..256, icmpv4 64..128, icmpv6 78..128, the tcp data frame
 * 64..1514, l2vpn 80..256, l3vpn 66..256, l2vpn_srv6 150..1514, l3vpn_srv6 136..1514). A
 * template has one length here (the field engine has no length modifier, and one template per
 * length would be over 5000 templates), so each kind is sent at the first length of its walk
 * (the number in parentheses in the table above: the Go plugin's first frame of that kind).
 * Payload byte i is i % 256.
 *
 * Headers as gopacket writes them in the Go plugin: IPv4 TOS 0, ID 0, no flags, TTL 64; IPv6
 * traffic class 0, flow label 0, hop limit 64; MPLS TC 0, TTL 64. Every checksum is right in
 * the base packet and declared by position (xdp_tmpl_checksum_at, the Go plugin's checksum
 * specs), so the host keeps it right in every packet: IPv4 header, UDP, TCP, ICMP, ICMPv6, and
 * the inner IPv4 header and UDP of the VPN kinds.
 *
 * Counts: every template has the weight of its kind (each tcp template the tcp weight, as the
 * Go plugin's two tcp variants of weight 1 each); the request's count is split over the
 * templates by weight, count * w / W each, the remainder to the first template (as imix). The
 * Go plugin picks a variant per packet at random by weight ("mixed"); here they are interleaved
 * exactly by weight. Without a count in the request (no -c, or -c 0 with --duration),
 * packet_count is the weight itself: the host interleaves by it, and a run without -c is one
 * cycle (the sum of the weights). When a share is 0 (a count too small for the weights) the
 * host sends the templates in plain rotation instead (as with imix). Tags: "variety", the
 * kind's name, and for tcp "syn" / "psh_ack". */
#include <string.h>
#include <strings.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "a mix of 15 packet kinds (UDP, ICMP, TCP, VLAN, ARP, LLDP, MPLS and SRv6 VPNs...) in one run",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "192.168.1.1", "description": "IPv4 source (inner one of the VPN kinds)"},
		"dst_ip": {"type": "ipv4", "default": "192.168.1.2", "description": "IPv4 destination; ARP target"},
		"src_ipv6": {"type": "ipv6", "default": "2001:db8::1", "description": "IPv6 source"},
		"dst_ipv6": {"type": "ipv6", "default": "2001:db8::2", "description": "IPv6 destination"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"is_arp_resolve": {"type": "boolean", "default": true,
				   "description": "on a device run, send to dst_ip's MAC from the neighbour table (unresolved: dst_mac)"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535,
			     "description": "UDP/TCP source port of the base packets (every kind walks it from 1024)"},
		"dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP/TCP destination port"},
		"payload_size": {"type": "integer", "default": 1024, "description": "accepted and not used (as in the Go plugin)"},
		"protocols": {"type": "array", "default": [],
			      "description": "the kinds by name, in order; empty or containing all = all 15"},
		"weights": {"type": "object", "default": {},
			    "description": "weight of a kind, 0..1000000 (default 1; 0 leaves it out)"},
		"vlan_id": {"type": "integer|string", "default": "1-4094", "min": 0, "max": 4095,
			    "description": "VLAN id of the vlan kind: a number or a range A-B, walked"},
		"qinq_outer_vlan_id": {"type": "integer|string", "default": "1-4094", "min": 0, "max": 4095,
				       "description": "outer (802.1ad) VLAN id of qinq: a number or a range A-B"},
		"qinq_inner_vlan_id": {"type": "integer|string", "default": "1-4094", "min": 0, "max": 4095,
				       "description": "inner (802.1Q) VLAN id of qinq: a number or a range A-B"},
		"*": false
	}
});

enum kind {
	K_IPV4_UDP, K_IPV6_UDP, K_VLAN, K_QINQ, K_ICMPV4, K_ICMPV6, K_TCP, K_RAW, K_ARP, K_EAPOL,
	K_LLDP, K_L2VPN, K_L3VPN, K_L2VPN_SRV6, K_L3VPN_SRV6, NKINDS
};

static const char *const kind_name[NKINDS] = {
	"ipv4_udp", "ipv6_udp", "vlan", "qinq", "icmpv4", "icmpv6", "tcp", "raw", "arp", "eapol",
	"lldp", "l2vpn", "l3vpn", "l2vpn_srv6", "l3vpn_srv6",
};

#define MAX_WEIGHT 1000000u
#define SPORT_MIN 1024

struct cfg {
	uint8_t src_mac[6], dst_mac[6];
	uint8_t src4[4], dst4[4];
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport;
	uint32_t vlan_lo, vlan_hi, outer_lo, outer_hi, inner_lo, inner_hi;
};

static const uint8_t seg1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t seg2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t inner_src_mac[6] = { 0xa2, 0, 0, 0, 0, 0x01 };
static const uint8_t inner_dst_mac[6] = { 0xa2, 0, 0, 0, 0, 0x02 };

static int bad(const char *key, const char *why)
{
	xdp_log(XDP_LOG_ERROR, "variety: %s: %s", key, why);
	return XDP_ERR_INVALID_CONFIG;
}

/* ---- header writers (gopacket's defaults) ---------------------------------------------------- */

/* IPv4 without options: TOS 0, ID 0, no flags, TTL 64, header checksum filled. */
static size_t ip4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		  uint16_t total_len)
{
	return xdp_put_ipv4_flags(p, src, dst, proto, (uint16_t)(total_len - XDP_IPV4_HLEN), 64, 0,
				  0, 0);
}

/* IPv6: traffic class 0, flow label 0, hop limit 64. */
static size_t ip6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		  uint16_t payload_len)
{
	return xdp_put_ipv6(p, src, dst, nh, payload_len, 64, 0, 0);
}

static void fill_payload(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)i;
}

/* IPv4 | UDP | payload at p filling `len` bytes (>= 28); checksums filled. */
static void ip4_udp(uint8_t *p, size_t len, const struct cfg *c)
{
	ip4(p, c->src4, c->dst4, XDP_PROTO_UDP, (uint16_t)len);
	uint8_t *u = p + XDP_IPV4_HLEN;
	size_t ulen = len - XDP_IPV4_HLEN;
	xdp_put_udp(u, c->sport, c->dport, (uint16_t)ulen);
	fill_payload(u + XDP_UDP_HLEN, ulen - XDP_UDP_HLEN);
	uint16_t cs = xdp_l4_csum_v4(c->src4, c->dst4, XDP_PROTO_UDP, u, ulen);
	xdp_put_be16(u + 6, cs ? cs : 0xffff);
}

/* ---- templates --------------------------------------------------------------------------------- */

struct out {
	xdp_response *resp;
	uint64_t weight;
	const char *kind;
	int err;
};

static xdp_template *add(struct out *o, const uint8_t *frame, size_t len, const char *sub)
{
	xdp_template *t = xdp_resp_add(o->resp, frame, len);
	if (!t) {
		o->err = XDP_ERR_NOMEM;
		return NULL;
	}
	t->packet_count = o->weight; /* the weight until the count is split */
	xdp_tmpl_tag(t, "variety");
	xdp_tmpl_tag(t, o->kind);
	if (sub)
		xdp_tmpl_tag(t, sub);
	return t;
}

/* A sequential walk min..max on bytes [off, off + len) (none when min == max: the base holds it). */
static void walk(struct out *o, xdp_template *t, uint16_t off, uint8_t len, uint64_t min, uint64_t max)
{
	if (o->err || min == max)
		return;
	if (xdp_tmpl_modify_at(t, off, len, XDP_MOD_INCREMENT, min, max, 1, 0))
		o->err = XDP_ERR_GENERATE;
}

static void csum(struct out *o, xdp_template *t, uint16_t off, uint16_t start, uint16_t len, uint16_t ip)
{
	if (!o->err && xdp_tmpl_checksum_at(t, off, start, len, ip))
		o->err = XDP_ERR_GENERATE;
}

static void build_ipv4_udp(struct out *o, const struct cfg *c)
{
	uint8_t f[64];
	static const uint8_t mac0[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	/* the Go plugin walks the destination MAC 00:11:22:33:44:55..ff (whatever dst_mac is): its
	 * first value in the base, the low 4 bytes walked (the top two stay 00:11) */
	xdp_put_eth(f, mac0, c->src_mac, XDP_ETHERTYPE_IPV4);
	ip4_udp(f + 14, sizeof f - 14, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 22, 1, 64, 128);                 /* TTL */
	walk(o, t, 15, 1, 0, 63);                   /* TOS */
	walk(o, t, 34, 2, SPORT_MIN, 65535);        /* UDP source port */
	walk(o, t, 26, 4, 0xC0A80101, 0xC0A801FE);  /* 192.168.1.1..254 */
	walk(o, t, 2, 4, 0x22334455, 0x223344FF);   /* eth.dst low 4 bytes */
	walk(o, t, 43, 8, 1, 255);                  /* payload bytes 1..8 */
	csum(o, t, 24, 14, 20, 14);
	csum(o, t, 40, 34, 0, 14);
}

static void udp6(uint8_t *p, size_t len, const struct cfg *c)
{
	ip6(p, c->src6, c->dst6, XDP_PROTO_UDP, (uint16_t)(len - XDP_IPV6_HLEN));
	uint8_t *u = p + XDP_IPV6_HLEN;
	size_t ulen = len - XDP_IPV6_HLEN;
	xdp_put_udp(u, c->sport, c->dport, (uint16_t)ulen);
	fill_payload(u + XDP_UDP_HLEN, ulen - XDP_UDP_HLEN);
	uint16_t cs = xdp_l4_csum_v6(c->src6, c->dst6, XDP_PROTO_UDP, u, ulen);
	xdp_put_be16(u + 6, cs ? cs : 0xffff);
}

static void build_ipv6_udp(struct out *o, const struct cfg *c)
{
	uint8_t f[78];
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV6);
	udp6(f + 14, sizeof f - 14, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 21, 1, 32, 128);          /* hop limit */
	walk(o, t, 54, 2, SPORT_MIN, 65535); /* UDP source port */
	walk(o, t, 30, 8, 1, 255);           /* low 64 bits of the source address */
	csum(o, t, 60, 54, 0, 14);
}

static void build_vlan(struct out *o, const struct cfg *c)
{
	uint8_t f[68];
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_VLAN);
	xdp_put_be16(f + 14, (uint16_t)c->vlan_lo);
	xdp_put_be16(f + 16, XDP_ETHERTYPE_IPV4);
	ip4_udp(f + 18, sizeof f - 18, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 14, 2, c->vlan_lo, c->vlan_hi);
	walk(o, t, 38, 2, SPORT_MIN, 65535);
	csum(o, t, 28, 18, 20, 18);
	csum(o, t, 44, 38, 0, 18);
}

static void build_qinq(struct out *o, const struct cfg *c)
{
	uint8_t f[72];
	xdp_put_eth(f, c->dst_mac, c->src_mac, 0x88a8);
	xdp_put_be16(f + 14, (uint16_t)c->outer_lo);
	xdp_put_be16(f + 16, XDP_ETHERTYPE_VLAN);
	xdp_put_be16(f + 18, (uint16_t)c->inner_lo);
	xdp_put_be16(f + 20, XDP_ETHERTYPE_IPV4);
	ip4_udp(f + 22, sizeof f - 22, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 14, 2, c->outer_lo, c->outer_hi);
	walk(o, t, 18, 2, c->inner_lo, c->inner_hi);
	walk(o, t, 42, 2, SPORT_MIN, 65535);
	csum(o, t, 32, 22, 20, 22);
	csum(o, t, 48, 42, 0, 22);
}

/* ICMP / ICMPv6 echo request (id 1, seq 1) + data bytes 0, 1, ... */
static void echo(uint8_t *p, size_t len, uint8_t type)
{
	memset(p, 0, 8);
	p[0] = type;
	xdp_put_be16(p + 4, 1);
	xdp_put_be16(p + 6, 1);
	fill_payload(p + 8, len - 8);
}

static void build_icmpv4(struct out *o, const struct cfg *c)
{
	uint8_t f[64];
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV4);
	ip4(f + 14, c->src4, c->dst4, XDP_PROTO_ICMP, sizeof f - 14);
	echo(f + 34, sizeof f - 34, 8);
	xdp_put_be16(f + 36, xdp_csum(f + 34, sizeof f - 34));
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 38, 2, 1, 65535);
	walk(o, t, 40, 2, 1, 65535);
	csum(o, t, 24, 14, 20, 14);
	csum(o, t, 36, 34, 0, 14);
}

static void build_icmpv6(struct out *o, const struct cfg *c)
{
	uint8_t f[78];
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV6);
	ip6(f + 14, c->src6, c->dst6, XDP_PROTO_ICMPV6, sizeof f - 54);
	echo(f + 54, sizeof f - 54, 128);
	xdp_put_be16(f + 56, xdp_l4_csum_v6(c->src6, c->dst6, XDP_PROTO_ICMPV6, f + 54, sizeof f - 54));
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 58, 2, 1, 65535);
	walk(o, t, 60, 2, 1, 65535);
	csum(o, t, 56, 54, 0, 14);
}

/* TCP (no options, seq 1000, ack 0, window 65535) with plen payload bytes; frame padded to 64. */
static void build_tcp_one(struct out *o, const struct cfg *c, uint8_t flags, size_t plen,
			  const char *sub)
{
	uint8_t f[64];
	memset(f, 0, sizeof f);
	size_t seg = XDP_TCP_HLEN + plen;
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV4);
	ip4(f + 14, c->src4, c->dst4, XDP_PROTO_TCP, (uint16_t)(XDP_IPV4_HLEN + seg));
	uint8_t *p = f + 34;
	xdp_put_be16(p, c->sport);
	xdp_put_be16(p + 2, c->dport);
	xdp_put_be32(p + 4, 1000);
	p[12] = 5 << 4;
	p[13] = flags;
	xdp_put_be16(p + 14, 65535);
	fill_payload(p + XDP_TCP_HLEN, plen);
	xdp_put_be16(p + 16, xdp_l4_csum_v4(c->src4, c->dst4, XDP_PROTO_TCP, p, seg));
	xdp_template *t = add(o, f, sizeof f, sub);
	if (!t)
		return;
	walk(o, t, 34, 2, SPORT_MIN, 65535);
	walk(o, t, 38, 4, 1, 0xFFFFFFFFu);
	csum(o, t, 24, 14, 20, 14);
	csum(o, t, 50, 34, 0, 14);
}

static void build_tcp(struct out *o, const struct cfg *c)
{
	build_tcp_one(o, c, XDP_TCP_SYN, 0, "syn");
	if (!o->err)
		build_tcp_one(o, c, XDP_TCP_PSH | XDP_TCP_ACK, 64 - 54, "psh_ack");
}

static void build_raw(struct out *o, const struct cfg *c)
{
	uint8_t f[64];
	memset(f, 0, sizeof f);
	xdp_put_eth(f, c->dst_mac, c->src_mac, 0x9000);
	fill_payload(f + 14, 46);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 14, 4, 0, 0xFFFFFFFFu);
}

static void build_arp(struct out *o, const struct cfg *c)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[64];
	memset(f, 0, sizeof f);
	xdp_put_eth(f, bcast, c->src_mac, 0x0806);
	uint8_t *a = f + 14;
	xdp_put_be16(a, 1);      /* Ethernet */
	xdp_put_be16(a + 2, XDP_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	xdp_put_be16(a + 6, 1);  /* request */
	memcpy(a + 8, c->src_mac, 6);
	memcpy(a + 14, c->src4, 4);
	/* target MAC 0 */
	memcpy(a + 24, c->dst4, 4);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 28, 4, 0x0A000001, 0x0AFFFFFE);
}

static void build_eapol(struct out *o, const struct cfg *c)
{
	uint8_t f[64];
	memset(f, 0, sizeof f);
	xdp_put_eth(f, c->dst_mac, c->src_mac, 0x888e);
	f[14] = 2; /* version */
	f[15] = 1; /* EAPOL-Start; body length 0 */
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 10, 2, 0, 65535);
}

static void build_lldp(struct out *o, const struct cfg *c)
{
	static const uint8_t lldp_mc[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	uint8_t f[64];
	memset(f, 0, sizeof f);
	xdp_put_eth(f, lldp_mc, c->src_mac, 0x88cc);
	uint8_t *p = f + 14;
	xdp_put_be16(p, 1 << 9 | 7); /* chassis ID, MAC address subtype */
	p[2] = 4;
	memcpy(p + 3, c->src_mac, 6);
	p += 9;
	xdp_put_be16(p, 2 << 9 | 6); /* port ID, locally assigned */
	p[2] = 7;
	memcpy(p + 3, "port1", 5);
	p += 8;
	xdp_put_be16(p, 3 << 9 | 2); /* TTL */
	xdp_put_be16(p + 2, 120);
	/* end of LLDPDU (0, 0) and padding: zero bytes */
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (!t)
		return;
	walk(o, t, 10, 2, 0, 65535);
}

static size_t mpls2(uint8_t *p)
{
	xdp_put_be32(p, 1000u << 12 | 64);           /* transport label, TC 0, S 0, TTL 64 */
	xdp_put_be32(p + 4, 2000u << 12 | 1 << 8 | 64); /* VPN label, bottom of stack */
	return 8;
}

/* The inner IPv4 | UDP at ip (frame offset) of a VPN kind: its walk and checksums. */
static void vpn_inner(struct out *o, xdp_template *t, uint16_t ip)
{
	uint16_t udp = ip + XDP_IPV4_HLEN;
	walk(o, t, udp, 2, SPORT_MIN, 65535);
	csum(o, t, ip + 10, ip, 20, ip);
	csum(o, t, udp + 6, udp, 0, ip);
}

static void build_l2vpn(struct out *o, const struct cfg *c)
{
	uint8_t f[80];
	size_t n = xdp_put_eth(f, c->dst_mac, c->src_mac, 0x8847);
	n += mpls2(f + n);
	n += xdp_put_eth(f + n, inner_dst_mac, inner_src_mac, XDP_ETHERTYPE_IPV4);
	ip4_udp(f + n, sizeof f - n, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (t)
		vpn_inner(o, t, (uint16_t)n);
}

static void build_l3vpn(struct out *o, const struct cfg *c)
{
	uint8_t f[66];
	size_t n = xdp_put_eth(f, c->dst_mac, c->src_mac, 0x8847);
	n += mpls2(f + n);
	ip4_udp(f + n, sizeof f - n, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (t)
		vpn_inner(o, t, (uint16_t)n);
}

/* Eth | IPv6 (next header 43) | SRH (next header nh, 2 segments, Segments Left 1). */
static size_t srv6_outer(uint8_t *f, size_t len, const struct cfg *c, uint8_t nh)
{
	size_t n = xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV6);
	n += ip6(f + n, c->src6, c->dst6, 43, (uint16_t)(len - n - XDP_IPV6_HLEN));
	uint8_t *s = f + n;
	memset(s, 0, 8);
	s[0] = nh;
	s[1] = 4; /* (8 + 2 * 16) / 8 - 1 */
	s[2] = 4; /* segment routing */
	s[3] = 1; /* segments left */
	s[4] = 1; /* last entry */
	memcpy(s + 8, seg2, 16);  /* the list is in reverse order: the final segment first */
	memcpy(s + 24, seg1, 16);
	return n + 40;
}

static void build_l2vpn_srv6(struct out *o, const struct cfg *c)
{
	uint8_t f[150];
	size_t n = srv6_outer(f, sizeof f, c, 143);
	n += xdp_put_eth(f + n, inner_dst_mac, inner_src_mac, XDP_ETHERTYPE_IPV4);
	ip4_udp(f + n, sizeof f - n, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (t)
		vpn_inner(o, t, (uint16_t)n);
}

static void build_l3vpn_srv6(struct out *o, const struct cfg *c)
{
	uint8_t f[136];
	size_t n = srv6_outer(f, sizeof f, c, 4);
	ip4_udp(f + n, sizeof f - n, c);
	xdp_template *t = add(o, f, sizeof f, NULL);
	if (t)
		vpn_inner(o, t, (uint16_t)n);
}

typedef void (*builder)(struct out *, const struct cfg *);
static const builder builders[NKINDS] = {
	build_ipv4_udp, build_ipv6_udp, build_vlan, build_qinq, build_icmpv4, build_icmpv6,
	build_tcp, build_raw, build_arp, build_eapol, build_lldp, build_l2vpn, build_l3vpn,
	build_l2vpn_srv6, build_l3vpn_srv6,
};

/* ---- config ------------------------------------------------------------------------------------ */

static int find_kind(const char *name)
{
	for (int k = 0; k < NKINDS; k++)
		if (!strcasecmp(name, kind_name[k]))
			return k;
	return -1;
}

/* protocols: the kinds in order (order[0..*n)) and how often each is named (times[]). */
static int read_protocols(const xdp_request *req, int order[NKINDS], int *n, uint64_t times[NKINDS])
{
	const xdp_json *d;
	int v = xdp_req_find(req, "protocols", &d);
	*n = 0;
	memset(times, 0, NKINDS * sizeof times[0]);
	bool all = true;
	if (v >= 0) {
		if (xdp_json_type(d, v) != XDP_JSON_ARRAY)
			return bad("protocols", "expected an array of names");
		size_t len = xdp_json_len(d, v);
		all = len == 0;
		for (size_t i = 0; i < len && !all; i++) {
			char name[64];
			if (xdp_json_string(d, xdp_json_at(d, v, i), name, sizeof name))
				return bad("protocols", "expected an array of names (strings, up to 63 bytes)");
			all = !strcasecmp(name, "all");
		}
		for (size_t i = 0; i < len && !all; i++) {
			char name[64];
			xdp_json_string(d, xdp_json_at(d, v, i), name, sizeof name);
			int k = find_kind(name);
			if (k < 0) {
				xdp_log(XDP_LOG_WARN, "variety: protocols: unknown protocol \"%s\" skipped", name);
				continue;
			}
			if (times[k]++ == 0)
				order[(*n)++] = k;
		}
	}
	if (all) {
		for (int k = 0; k < NKINDS; k++) {
			order[k] = k;
			times[k] = 1;
		}
		*n = NKINDS;
	}
	return 0;
}

/* weights: {"kind": N, ...} (extension). */
static int read_weights(const xdp_request *req, uint64_t w[NKINDS])
{
	for (int k = 0; k < NKINDS; k++)
		w[k] = 1;
	const xdp_json *d;
	int v = xdp_req_find(req, "weights", &d);
	if (v < 0)
		return 0;
	if (xdp_json_type(d, v) != XDP_JSON_OBJECT)
		return bad("weights", "expected an object {\"kind\": weight, ...}");
	size_t members = xdp_json_len(d, v);
	int tok = v + 1;
	for (size_t i = 0; i < members; i++) {
		char name[64];
		uint64_t x;
		int val = tok + 1;
		if (xdp_json_string(d, tok, name, sizeof name) || find_kind(name) < 0) {
			xdp_log(XDP_LOG_ERROR, "variety: weights: unknown kind \"%.63s\" (one of ipv4_udp, "
				"ipv6_udp, vlan, qinq, icmpv4, icmpv6, tcp, raw, arp, eapol, lldp, l2vpn, "
				"l3vpn, l2vpn_srv6, l3vpn_srv6)", name);
			return XDP_ERR_INVALID_CONFIG;
		}
		if (xdp_json_u64(d, val, &x) || x > MAX_WEIGHT) {
			xdp_log(XDP_LOG_ERROR, "variety: weights: %s: expected an integer 0..%u", name,
				MAX_WEIGHT);
			return XDP_ERR_INVALID_CONFIG;
		}
		w[find_kind(name)] = x;
		tok = (int)d->toks[val].next;
	}
	return 0;
}

static int vlan_range(const xdp_request *req, const char *key, uint32_t *lo, uint32_t *hi)
{
	int rc = xdp_req_port_range(req, key, "1-4094", lo, hi);
	if (rc)
		return rc;
	if (*hi > 4095)
		return bad(key, "VLAN ids are 0..4095");
	return 0;
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct cfg c;
	uint64_t sport, dport, times[NKINDS], weight[NKINDS];
	int64_t payload_size;
	bool arp;
	char dst_text[64];
	int order[NKINDS], n, rc;

	memset(&c, 0, sizeof c);
	memcpy(c.src_mac, req->device_mac, 6);
	if ((rc = xdp_req_ipv4(req, "src_ip", "192.168.1.1", c.src4)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "192.168.1.2", c.dst4)) ||
	    (rc = xdp_req_string(req, "dst_ip", "192.168.1.2", dst_text, sizeof dst_text)) ||
	    (rc = xdp_req_ipv6(req, "src_ipv6", "2001:db8::1", c.src6)) ||
	    (rc = xdp_req_ipv6(req, "dst_ipv6", "2001:db8::2", c.dst6)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, c.dst_mac)) ||
	    (rc = xdp_req_bool(req, "is_arp_resolve", true, &arp)) ||
	    (rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 5678, 0, 65535, &dport)) ||
	    (rc = xdp_req_i64(req, "payload_size", 1024, &payload_size)) ||
	    (rc = read_protocols(req, order, &n, times)) ||
	    (rc = read_weights(req, weight)) ||
	    (rc = vlan_range(req, "vlan_id", &c.vlan_lo, &c.vlan_hi)) ||
	    (rc = vlan_range(req, "qinq_outer_vlan_id", &c.outer_lo, &c.outer_hi)) ||
	    (rc = vlan_range(req, "qinq_inner_vlan_id", &c.inner_lo, &c.inner_hi)))
		return rc;
	c.sport = (uint16_t)sport;
	c.dport = (uint16_t)dport;
	(void)payload_size; /* the Go plugin declares it and does not use it */

	if (arp)
		xdp_resolve_dst_mac(req, dst_text, "variety", c.dst_mac);

	struct out o = { .resp = resp };
	uint64_t total_w = 0;
	for (int i = 0; i < n && !o.err; i++) {
		int k = order[i];
		o.weight = times[k] * weight[k];
		if (!o.weight)
			continue;
		o.kind = kind_name[k];
		size_t before = resp->count;
		builders[k](&o, &c);
		total_w += o.weight * (resp->count - before);
	}
	if (o.err)
		return o.err;
	if (resp->count == 0)
		return bad("protocols", "no packet kind left to send (unknown names, or weight 0)");

	/* the count split by weight, the remainder to the first template; no count: the weights */
	if (req->count) {
		uint64_t assigned = 0;
		for (size_t i = 0; i < resp->count; i++) {
			uint64_t w = resp->templates[i].packet_count;
			uint64_t share = (uint64_t)((unsigned __int128)req->count * w / total_w);
			resp->templates[i].packet_count = share;
			assigned += share;
		}
		resp->templates[0].packet_count += req->count - assigned;
	}
	xdp_log(XDP_LOG_DEBUG, "variety: %zu templates, %llu packets", resp->count,
		(unsigned long long)req->count);
	return 0;
}
