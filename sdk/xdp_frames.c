/* xdperf plugin SDK, xdp_frames.c: Packet building: big-endian stores, the header writers
 * xdp_put_* and the whole-frame builders xdp_build_udp / xdp_build_tcp / xdp_build_icmp_echo
 * (every checksum filled). */
#include "xdp_internal.h"

#include <string.h>

void xdp_put_be16(uint8_t *p, uint16_t v) { put16(p, v); }
void xdp_put_be32(uint8_t *p, uint32_t v) { put32(p, v); }

size_t xdp_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, ethertype);
	return XDP_ETH_HLEN;
}

size_t xdp_put_eth_vlan(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t vid,
			uint8_t pcp, uint16_t ethertype)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, XDP_ETHERTYPE_VLAN);
	put16(p + 14, (uint16_t)((pcp & 7) << 13 | (vid & 0x0fff)));
	put16(p + 16, ethertype);
	return XDP_ETH_HLEN + XDP_VLAN_HLEN;
}

size_t xdp_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		    uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id)
{
	return xdp_put_ipv4_flags(p, src, dst, proto, payload_len, ttl, tos, id, XDP_IPV4_DF);
}

size_t xdp_put_ipv4_flags(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			  uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id,
			  uint16_t flags_frag)
{
	p[0] = 0x45;
	p[1] = tos;
	put16(p + 2, (uint16_t)(XDP_IPV4_HLEN + payload_len));
	put16(p + 4, id);
	put16(p + 6, flags_frag);
	p[8] = ttl;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, xdp_csum(p, XDP_IPV4_HLEN));
	return XDP_IPV4_HLEN;
}

size_t xdp_put_ipv6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		    uint16_t payload_len, uint8_t hop_limit, uint8_t tclass, uint32_t flow_label)
{
	put32(p, 6u << 28 | (uint32_t)tclass << 20 | (flow_label & 0xfffff));
	put16(p + 4, payload_len);
	p[6] = next_header;
	p[7] = hop_limit;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return XDP_IPV6_HLEN;
}

size_t xdp_put_udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t udp_len)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, udp_len);
	put16(p + 6, 0);
	return XDP_UDP_HLEN;
}

size_t xdp_l2_len(const xdp_l2 *l2)
{
	return XDP_ETH_HLEN + (l2->vlan_id >= 0 ? XDP_VLAN_HLEN : 0);
}

size_t xdp_l3_len(const xdp_l3 *l3) { return l3->version == 6 ? XDP_IPV6_HLEN : XDP_IPV4_HLEN; }

/* Writes L2 + L3 for an L4 segment of l4_len bytes; returns the L4 offset or -1. */
static int put_l2_l3(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint8_t proto,
		     size_t l4_len)
{
	if (!buf || !l2 || !l3 || (l3->version != 4 && l3->version != 6) || l2->vlan_id > 4095)
		return -1;
	size_t hl = xdp_l2_len(l2), l3l = xdp_l3_len(l3);
	size_t ip_payload_max = l3->version == 4 ? 65535 - XDP_IPV4_HLEN : 65535;
	if (l4_len > ip_payload_max || hl + l3l + l4_len > cap)
		return -1;
	uint16_t et = l3->version == 4 ? XDP_ETHERTYPE_IPV4 : XDP_ETHERTYPE_IPV6;
	if (l2->vlan_id >= 0)
		xdp_put_eth_vlan(buf, l2->dst, l2->src, (uint16_t)l2->vlan_id, l2->vlan_pcp, et);
	else
		xdp_put_eth(buf, l2->dst, l2->src, et);
	uint8_t ttl = l3->ttl ? l3->ttl : 64;
	if (l3->version == 4)
		xdp_put_ipv4(buf + hl, l3->src, l3->dst, proto, (uint16_t)l4_len, ttl, l3->tos, l3->id);
	else
		xdp_put_ipv6(buf + hl, l3->src, l3->dst, proto, (uint16_t)l4_len, ttl, l3->tos,
			     l3->flow_label);
	return (int)(hl + l3l);
}

static uint16_t l4_csum(const xdp_l3 *l3, uint8_t proto, const uint8_t *l4, size_t len)
{
	if (l3->version == 4)
		return xdp_l4_csum_v4(l3->src, l3->dst, proto, l4, len);
	return xdp_l4_csum_v6(l3->src, l3->dst, proto, l4, len);
}

int xdp_build_udp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
		  uint16_t dport, const uint8_t *payload, size_t plen)
{
	size_t l4_len = XDP_UDP_HLEN + plen;
	if (plen > 65535)
		return -1;
	int off = put_l2_l3(buf, cap, l2, l3, XDP_PROTO_UDP, l4_len);
	if (off < 0)
		return -1;
	uint8_t *u = buf + off;
	xdp_put_udp(u, sport, dport, (uint16_t)l4_len);
	if (payload)
		memcpy(u + XDP_UDP_HLEN, payload, plen);
	else
		memset(u + XDP_UDP_HLEN, 0, plen);
	uint16_t c = l4_csum(l3, XDP_PROTO_UDP, u, l4_len);
	put16(u + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	return (int)(off + l4_len);
}

int xdp_build_tcp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
		  const xdp_tcp *tcp, const uint8_t *payload, size_t plen)
{
	if (!tcp || plen > 65535)
		return -1;
	size_t hl = XDP_TCP_HLEN + (tcp->mss ? 4 : 0);
	size_t l4_len = hl + plen;
	int off = put_l2_l3(buf, cap, l2, l3, XDP_PROTO_TCP, l4_len);
	if (off < 0)
		return -1;
	uint8_t *t = buf + off;
	put16(t, tcp->sport);
	put16(t + 2, tcp->dport);
	put32(t + 4, tcp->seq);
	put32(t + 8, tcp->ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = tcp->flags;
	put16(t + 14, tcp->window);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (tcp->mss) {
		t[20] = 2; /* kind MSS */
		t[21] = 4;
		put16(t + 22, tcp->mss);
	}
	if (payload)
		memcpy(t + hl, payload, plen);
	else
		memset(t + hl, 0, plen);
	put16(t + 16, l4_csum(l3, XDP_PROTO_TCP, t, l4_len));
	return (int)(off + l4_len);
}

int xdp_build_icmp_echo(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
			uint16_t ident, uint16_t seq, const uint8_t *payload, size_t plen)
{
	if (!l3 || plen > 65535)
		return -1;
	uint8_t proto = l3->version == 6 ? XDP_PROTO_ICMPV6 : XDP_PROTO_ICMP;
	size_t l4_len = XDP_ICMP_HLEN + plen;
	int off = put_l2_l3(buf, cap, l2, l3, proto, l4_len);
	if (off < 0)
		return -1;
	uint8_t *c = buf + off;
	c[0] = l3->version == 6 ? 128 : 8; /* echo request */
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, ident);
	put16(c + 6, seq);
	if (payload)
		memcpy(c + XDP_ICMP_HLEN, payload, plen);
	else
		memset(c + XDP_ICMP_HLEN, 0, plen);
	/* ICMPv4: no pseudo header; ICMPv6: pseudo header */
	uint16_t sum = l3->version == 6 ? xdp_l4_csum_v6(l3->src, l3->dst, proto, c, l4_len)
					: xdp_csum(c, l4_len);
	put16(c + 2, sum);
	return (int)(off + l4_len);
}
