/* srv6: SRv6 (RFC 8754) traffic, the Go xdperf's srv6 plugin in C:
 *
 *   Ethernet | IPv6 (next header 43) | SRH (routing type 4) | inner packet | payload
 *
 * Config / request fields (the Go xdperf's keys and defaults):
 *   mode             "l3vpn_ipv4" (default): inner IPv4/UDP, SRH next header 4;
 *                    "l2vpn_eth": inner Ethernet + IPv4/UDP, next header 143;
 *                    "ipv6": inner IPv6/UDP, next header 41 (case-insensitive)
 *   segments         ["2001:db8:100::1"]: the SID list in visiting order, 1..127 IPv6
 *                    addresses. Written reversed (Segment List[0] = the last one, the final
 *                    segment), Segments Left = Last Entry = n - 1
 *   src_ip           "2001:db8::1": outer IPv6 source
 *   dst_ip           "": outer IPv6 destination; empty = segments[0], the active segment
 *                    (Segment List[Segments Left])
 *   dst_mac          "ff:ff:ff:ff:ff:ff": outer destination MAC
 *   is_arp_resolve   true: resolve the outer destination's MAC on the run's device (NDP);
 *                    unresolved keeps dst_mac (a WARN line on a device; pcap output and
 *                    `plugin run` have no device and keep it silently)
 *   traffic_class    0: outer traffic class, 0..255
 *   flow_label_start 0, flow_label_end 0: outer flow label, 0..1048575; end > start walks
 *                    start, start+1, ..., end, start, ... one step per packet (end = start:
 *                    fixed; end < start: an error)
 *   srh_tag_start 0, srh_tag_end 0: SRH tag, 0..65535, walked the same way
 *   inner_src_mac "02:00:00:00:01:01", inner_dst_mac "02:00:00:00:01:02" (l2vpn_eth only)
 *   inner_src_ip "192.168.0.1", inner_dst_ip "192.168.0.2" (l3vpn_ipv4, l2vpn_eth)
 *   inner_src_ip6 "fd00::1", inner_dst_ip6 "fd00::2" (ipv6)
 *   inner_src_port 1024, inner_dst_port 5060: inner UDP ports
 *   vary_inner_src_port false, vary_inner_dst_port false: walk the port from its configured
 *                    value up to 65535, then from the configured value again
 *   vary_inner_ip    false: walk the inner source address from its configured value up to
 *                    255.255.255.255 (all 4 bytes, IPv4 modes) or its last 16 bits up to
 *                    ffff (ipv6 mode), then again
 *   imix_sizes       [256, 768, 1400]: frame lengths (outer Ethernet header included, FCS
 *                    excluded), one template each; sizes below the mode's minimum
 *                    (14 + 40 + 8 + 16 * segments + 28 / 42 / 48) are skipped with a WARN
 *                    line, above 9216 (the host's frame limit) are an error (every size is
 *                    checked before any is skipped); none left is an error; at most 64
 *   imix_weights     [7, 2, 1]: weights by position (missing: 1; 0 counts as 1, as the host's
 *                    Go ABI treats variant weights; negative or above 2^32 - 1: an error);
 *                    at most 64 (the SDK's xdp_req_imix rules)
 * Also (not in the Go plugin, whose source MAC is always the device's):
 *   src_mac          the device's MAC (device_mac_addr): outer source MAC
 *
 * Inner headers: IPv4 with TTL 64, ID 0, no flags, UDP; IPv6 with hop limit 64; inner UDP
 * checksum always computed. Payload byte i is i % 256. The outer hop limit is 64.
 * Varying fields are modifiers on each template (INCREMENT = the Go plugin's sequential walk):
 * the flow label as the 4-byte word at offset 14 (version | traffic class | flow label) with
 * the constant version and traffic class folded into min and max (exact: the low 20 bits walk,
 * the rest never changes); the SRH tag as 2 bytes; ports as 2 bytes; the inner source IPv4 as
 * 4 bytes or the last 2 bytes of the inner source IPv6. When an inner field varies the host
 * keeps the inner checksums right per packet (xdp_tmpl_checksum_at: the inner IPv4 header and
 * UDP checksums, or the UDP checksum over the inner IPv6 pseudo-header).
 * The request's count is split over the templates by weight as the host splits an IMIX
 * (xdp_imix_split: floor(count * w / W) each, then one more to the largest remainders, the
 * earliest first on a tie); every template also carries metadata.imix listing each template's
 * size and weight (xdp_resp_imix), so runs without a count (-c 0 / --duration) keep the
 * weights. The Go plugin picks a variant at random by weight per packet; here the host
 * interleaves them deterministically by weight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "SRv6 (RFC 8754) traffic: IPv6 + SRH + an inner packet, in IMIX sizes",
	"keys": {
		"mode": {"type": "string", "default": "l3vpn_ipv4",
			 "description": "l3vpn_ipv4, l2vpn_eth or ipv6 (case-insensitive)"},
		"segments": {"type": "array", "default": ["2001:db8:100::1"],
			     "description": "the SID list in visiting order, 1..127 IPv6 addresses"},
		"src_ip": {"type": "ipv6", "default": "2001:db8::1", "description": "outer IPv6 source"},
		"dst_ip": {"type": "string", "default": "",
			   "description": "outer IPv6 destination; empty = segments[0], the active segment"},
		"src_mac": {"type": "mac", "description": "outer source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "outer destination MAC"},
		"is_arp_resolve": {"type": "boolean", "default": true,
				   "description": "on a device run, send to the outer destination's MAC (NDP; unresolved: dst_mac)"},
		"traffic_class": {"type": "integer", "default": 0, "min": 0, "max": 255, "description": "outer traffic class"},
		"flow_label_start": {"type": "integer", "default": 0, "min": 0, "max": 1048575, "description": "first outer flow label"},
		"flow_label_end": {"type": "integer", "default": 0, "min": 0, "max": 1048575,
				   "description": "last flow label (above flow_label_start: walked per packet)"},
		"srh_tag_start": {"type": "integer", "default": 0, "min": 0, "max": 65535, "description": "first SRH tag"},
		"srh_tag_end": {"type": "integer", "default": 0, "min": 0, "max": 65535,
				"description": "last SRH tag (above srh_tag_start: walked per packet)"},
		"inner_src_mac": {"type": "mac", "default": "02:00:00:00:01:01", "description": "inner Ethernet source (l2vpn_eth)"},
		"inner_dst_mac": {"type": "mac", "default": "02:00:00:00:01:02", "description": "inner Ethernet destination (l2vpn_eth)"},
		"inner_src_ip": {"type": "ipv4", "default": "192.168.0.1", "description": "inner IPv4 source (l3vpn_ipv4, l2vpn_eth)"},
		"inner_dst_ip": {"type": "ipv4", "default": "192.168.0.2", "description": "inner IPv4 destination (l3vpn_ipv4, l2vpn_eth)"},
		"inner_src_ip6": {"type": "ipv6", "default": "fd00::1", "description": "inner IPv6 source (ipv6)"},
		"inner_dst_ip6": {"type": "ipv6", "default": "fd00::2", "description": "inner IPv6 destination (ipv6)"},
		"inner_src_port": {"type": "integer", "default": 1024, "min": 0, "max": 65535, "description": "inner UDP source port"},
		"inner_dst_port": {"type": "integer", "default": 5060, "min": 0, "max": 65535, "description": "inner UDP destination port"},
		"vary_inner_src_port": {"type": "boolean", "default": false,
					"description": "walk the inner UDP source port up to 65535"},
		"vary_inner_dst_port": {"type": "boolean", "default": false,
					"description": "walk the inner UDP destination port up to 65535"},
		"vary_inner_ip": {"type": "boolean", "default": false,
				  "description": "walk the inner source address (IPv4: all of it; IPv6: its last 16 bits)"},
		"imix_sizes": {"type": "array", "default": [256, 768, 1400],
			       "description": "frame lengths (Ethernet header included), one template each; at most 64, each up to 9216"},
		"imix_weights": {"type": "array", "default": [7, 2, 1],
				 "description": "weights of the sizes by position (missing: 1; 0 counts as 1); at most 64"},
		"*": false
	}
});

#define MAX_SEGMENTS 127
#define FLOW_LABEL_MAX 0xfffffu

enum { MODE_L3VPN_IPV4, MODE_L2VPN_ETH, MODE_IPV6 };
static const char *const mode_names[3] = { "l3vpn_ipv4", "l2vpn_eth", "ipv6" };
static const uint8_t mode_nh[3] = { 4, 143, 41 };

static int bad(const char *key, const char *why)
{
	xdp_log(XDP_LOG_ERROR, "srv6: %s: %s", key, why);
	return XDP_ERR_INVALID_CONFIG;
}

/* The token of an array-valued key, -1 when absent/null, or an error. */
static int req_array(const xdp_request *req, const char *key, const xdp_json **doc, int *tok)
{
	*tok = xdp_req_find(req, key, doc);
	if (*tok >= 0 && xdp_json_type(*doc, *tok) != XDP_JSON_ARRAY)
		return bad(key, "expected an array");
	return 0;
}

static int parse_mode(const xdp_request *req, int *mode)
{
	char s[32];
	int rc = xdp_req_string(req, "mode", "l3vpn_ipv4", s, sizeof s); /* logs a bad one */
	if (rc)
		return rc;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (int i = 0; i < 3; i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	xdp_log(XDP_LOG_ERROR, "srv6: mode: must be 'l3vpn_ipv4', 'l2vpn_eth' or 'ipv6', got \"%s\"", s);
	return XDP_ERR_INVALID_CONFIG;
}

static bool ipv4_mapped(const uint8_t ip[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return !memcmp(ip, prefix, 12);
}

/* segments, in visiting order. */
static int parse_segments(const xdp_request *req, uint8_t (*segs)[16], size_t *n)
{
	const xdp_json *d;
	int tok, rc;
	if ((rc = req_array(req, "segments", &d, &tok)))
		return rc;
	if (tok < 0) {
		xdp_parse_ipv6("2001:db8:100::1", segs[0]);
		*n = 1;
		return 0;
	}
	*n = xdp_json_len(d, tok);
	if (*n == 0)
		return bad("segments", "must contain at least one IPv6 address");
	if (*n > MAX_SEGMENTS)
		return bad("segments", "must not exceed 127 entries (the SRH's 8-bit Hdr Ext Len)");
	for (size_t i = 0; i < *n; i++) {
		char s[64];
		if (xdp_json_string(d, xdp_json_at(d, tok, i), s, sizeof s)) {
			xdp_log(XDP_LOG_ERROR, "srv6: segments[%zu]: expected an IPv6 address string", i);
			return XDP_ERR_INVALID_CONFIG;
		}
		if (xdp_parse_ipv6(s, segs[i]) || ipv4_mapped(segs[i])) {
			xdp_log(XDP_LOG_ERROR, "srv6: segments[%zu]: not an IPv6 address: \"%s\"", i, s);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	return 0;
}

static int req_ip6(const xdp_request *req, const char *key, const char *def, uint8_t ip[16])
{
	char s[64];
	int rc = xdp_req_string(req, key, def, s, sizeof s);
	if (rc)
		return rc;
	if (xdp_parse_ipv6(s, ip) || ipv4_mapped(ip)) {
		xdp_log(XDP_LOG_ERROR, "srv6: %s: not an IPv6 address: \"%s\"", key, s);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

static int req_ip4(const xdp_request *req, const char *key, const char *def, uint8_t ip[4])
{
	char s[64];
	int rc = xdp_req_string(req, key, def, s, sizeof s);
	if (rc)
		return rc;
	if (xdp_parse_ipv4(s, ip)) {
		xdp_log(XDP_LOG_ERROR, "srv6: %s: not an IPv4 address: \"%s\"", key, s);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

typedef struct cfg {
	int mode;
	uint8_t segs[MAX_SEGMENTS][16];
	size_t nsegs;
	uint8_t src_mac[6], dst_mac[6], inner_src_mac[6], inner_dst_mac[6];
	uint8_t src_ip[16], dst_ip[16];
	uint8_t in_src[16], in_dst[16]; /* IPv4 in the first 4 bytes */
	uint64_t tclass, fl_start, fl_end, tag_start, tag_end, sport, dport;
	bool vary_sport, vary_dport, vary_ip;
} cfg;

static size_t inner_overhead(int mode)
{
	return mode == MODE_L2VPN_ETH ? XDP_ETH_HLEN + XDP_IPV4_HLEN + XDP_UDP_HLEN
	       : mode == MODE_IPV6    ? XDP_IPV6_HLEN + XDP_UDP_HLEN
				      : XDP_IPV4_HLEN + XDP_UDP_HLEN;
}

static size_t srh_len(const cfg *c) { return 8 + 16 * c->nsegs; }

static size_t min_frame(const cfg *c)
{
	return XDP_ETH_HLEN + XDP_IPV6_HLEN + srh_len(c) + inner_overhead(c->mode);
}

/* Builds one frame of exactly `size` bytes (>= min_frame). Fills the offsets of the inner IP
 * header and inner UDP header. */
static void build(uint8_t *f, size_t size, const cfg *c, size_t *ip_off, size_t *udp_off)
{
	size_t sl = srh_len(c), plen = size - min_frame(c);
	size_t p = xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV6);
	p += xdp_put_ipv6(f + p, c->src_ip, c->dst_ip, 43, (uint16_t)(size - XDP_ETH_HLEN - XDP_IPV6_HLEN),
			  64, (uint8_t)c->tclass, (uint32_t)c->fl_start);
	uint8_t *srh = f + p;
	srh[0] = mode_nh[c->mode];
	srh[1] = (uint8_t)(sl / 8 - 1);
	srh[2] = 4; /* routing type: SRH */
	srh[3] = (uint8_t)(c->nsegs - 1); /* segments left */
	srh[4] = (uint8_t)(c->nsegs - 1); /* last entry */
	srh[5] = 0;                       /* flags */
	xdp_put_be16(srh + 6, (uint16_t)c->tag_start);
	for (size_t i = 0; i < c->nsegs; i++) /* Segment List[i] = segs[n - 1 - i] */
		memcpy(srh + 8 + 16 * i, c->segs[c->nsegs - 1 - i], 16);
	p += sl;
	if (c->mode == MODE_L2VPN_ETH)
		p += xdp_put_eth(f + p, c->inner_dst_mac, c->inner_src_mac, XDP_ETHERTYPE_IPV4);
	*ip_off = p;
	if (c->mode == MODE_IPV6) {
		p += xdp_put_ipv6(f + p, c->in_src, c->in_dst, XDP_PROTO_UDP,
				  (uint16_t)(XDP_UDP_HLEN + plen), 64, 0, 0);
	} else {
		/* as the Go plugin writes it: no options, no flags, ID 0, TTL 64 */
		p += xdp_put_ipv4_flags(f + p, c->in_src, c->in_dst, XDP_PROTO_UDP,
					(uint16_t)(XDP_UDP_HLEN + plen), 64, 0, 0, 0);
	}
	*udp_off = p;
	uint8_t *udp = f + p;
	p += xdp_put_udp(udp, (uint16_t)c->sport, (uint16_t)c->dport, (uint16_t)(XDP_UDP_HLEN + plen));
	for (size_t i = 0; i < plen; i++)
		f[p + i] = (uint8_t)i;
	uint16_t ck = c->mode == MODE_IPV6
			      ? xdp_l4_csum_v6(c->in_src, c->in_dst, XDP_PROTO_UDP, udp, XDP_UDP_HLEN + plen)
			      : xdp_l4_csum_v4(c->in_src, c->in_dst, XDP_PROTO_UDP, udp, XDP_UDP_HLEN + plen);
	xdp_put_be16(udp + 6, ck ? ck : 0xffff); /* 0 means "no checksum": send its other form */
}

static int parse(const xdp_request *req, cfg *c)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t in_smac[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
	static const uint8_t in_dmac[6] = { 0x02, 0, 0, 0, 0x01, 0x02 };
	int rc;
	char dst_text[64];
	if ((rc = parse_mode(req, &c->mode)) || (rc = parse_segments(req, c->segs, &c->nsegs)) ||
	    (rc = req_ip6(req, "src_ip", "2001:db8::1", c->src_ip)))
		return rc;
	if ((rc = xdp_req_string(req, "dst_ip", "", dst_text, sizeof dst_text)))
		return rc;
	if (!dst_text[0])
		memcpy(c->dst_ip, c->segs[0], 16);
	else if ((rc = req_ip6(req, "dst_ip", "", c->dst_ip)))
		return rc;
	if ((rc = xdp_req_mac(req, "src_mac", req->device_mac, c->src_mac)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, c->dst_mac)) ||
	    (rc = xdp_req_range(req, "traffic_class", 0, 0, 255, &c->tclass)) ||
	    (rc = xdp_req_range(req, "flow_label_start", 0, 0, FLOW_LABEL_MAX, &c->fl_start)) ||
	    (rc = xdp_req_range(req, "flow_label_end", 0, 0, FLOW_LABEL_MAX, &c->fl_end)) ||
	    (rc = xdp_req_range(req, "srh_tag_start", 0, 0, 65535, &c->tag_start)) ||
	    (rc = xdp_req_range(req, "srh_tag_end", 0, 0, 65535, &c->tag_end)) ||
	    (rc = xdp_req_range(req, "inner_src_port", 1024, 0, 65535, &c->sport)) ||
	    (rc = xdp_req_range(req, "inner_dst_port", 5060, 0, 65535, &c->dport)) ||
	    (rc = xdp_req_bool(req, "vary_inner_src_port", false, &c->vary_sport)) ||
	    (rc = xdp_req_bool(req, "vary_inner_dst_port", false, &c->vary_dport)) ||
	    (rc = xdp_req_bool(req, "vary_inner_ip", false, &c->vary_ip)))
		return rc;
	if (c->fl_end < c->fl_start)
		return bad("flow_label_end", "must be >= flow_label_start");
	if (c->tag_end < c->tag_start)
		return bad("srh_tag_end", "must be >= srh_tag_start");
	/* only the mode's inner fields are read (the others are ignored, as in the Go plugin) */
	if (c->mode == MODE_IPV6) {
		if ((rc = req_ip6(req, "inner_src_ip6", "fd00::1", c->in_src)) ||
		    (rc = req_ip6(req, "inner_dst_ip6", "fd00::2", c->in_dst)))
			return rc;
	} else if ((rc = req_ip4(req, "inner_src_ip", "192.168.0.1", c->in_src)) ||
		   (rc = req_ip4(req, "inner_dst_ip", "192.168.0.2", c->in_dst))) {
		return rc;
	}
	if (c->mode == MODE_L2VPN_ETH &&
	    ((rc = xdp_req_mac(req, "inner_src_mac", in_smac, c->inner_src_mac)) ||
	     (rc = xdp_req_mac(req, "inner_dst_mac", in_dmac, c->inner_dst_mac))))
		return rc;

	bool arp;
	if ((rc = xdp_req_bool(req, "is_arp_resolve", true, &arp)))
		return rc;
	if (arp) {
		char ip[48];
		/* the text form of the outer destination */
		int n = 0;
		for (int i = 0; i < 16; i += 2)
			n += snprintf(ip + n, sizeof ip - (size_t)n, i ? ":%x" : "%x",
				      (unsigned)(c->dst_ip[i] << 8 | c->dst_ip[i + 1]));
		xdp_resolve_dst_mac(req, ip, "srv6", c->dst_mac);
	}
	return 0;
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const int64_t def_sizes[3] = { 256, 768, 1400 }, def_weights[3] = { 7, 2, 1 };
	static cfg c;
	xdp_imix mix;
	char frame_name[48];
	int rc;
	memset(&c, 0, sizeof c);
	if ((rc = parse(req, &c)))
		return rc;
	snprintf(frame_name, sizeof frame_name, "%s frame with %zu segment(s)", mode_names[c.mode],
		 c.nsegs);
	if ((rc = xdp_req_imix(req, "imix_sizes", "imix_weights", def_sizes, def_weights, 3,
			       min_frame(&c), "srv6", frame_name, &mix)))
		return rc;

	/* The request's count split by weight as the host splits an IMIX, so packet_count is what
	 * each template sends. */
	uint64_t counts[XDP_IMIX_MAX];
	xdp_imix_split(&mix, req->count, counts);
	static uint8_t frame[XDP_IMIX_FRAME_MAX];
	for (size_t i = 0; i < mix.n; i++) {
		size_t ip_off, udp_off;
		build(frame, mix.size[i], &c, &ip_off, &udp_off);
		xdp_template *t = xdp_resp_add(resp, frame, mix.size[i]);
		if (!t)
			return XDP_ERR_NOMEM;
		t->packet_count = counts[i];
		xdp_tmpl_tag(t, "srv6");
		xdp_tmpl_tag(t, mode_names[c.mode]);

		if (c.fl_end > c.fl_start) {
			uint64_t prefix = (uint64_t)6 << 28 | c.tclass << 20;
			if ((rc = xdp_tmpl_modify_at(t, XDP_ETH_HLEN, 4, XDP_MOD_INCREMENT,
						     prefix | c.fl_start, prefix | c.fl_end, 1, 0)))
				return rc;
		}
		if (c.tag_end > c.tag_start &&
		    (rc = xdp_tmpl_modify_at(t, XDP_ETH_HLEN + XDP_IPV6_HLEN + 6, 2, XDP_MOD_INCREMENT,
					     c.tag_start, c.tag_end, 1, 0)))
			return rc;
		if (c.vary_sport &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)udp_off, 2, XDP_MOD_INCREMENT, c.sport, 65535, 1, 0)))
			return rc;
		if (c.vary_dport &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)(udp_off + 2), 2, XDP_MOD_INCREMENT, c.dport,
					     65535, 1, 0)))
			return rc;
		if (c.vary_ip) {
			if (c.mode == MODE_IPV6)
				rc = xdp_tmpl_modify_at(t, (uint16_t)(ip_off + 8 + 14), 2, XDP_MOD_INCREMENT,
							(uint64_t)c.in_src[14] << 8 | c.in_src[15], 0xffff, 1, 0);
			else
				rc = xdp_tmpl_modify_at(t, (uint16_t)(ip_off + 12), 4, XDP_MOD_INCREMENT,
							(uint64_t)c.in_src[0] << 24 | (uint64_t)c.in_src[1] << 16 |
								(uint64_t)c.in_src[2] << 8 | c.in_src[3],
							0xffffffffu, 1, 0);
			if (rc)
				return rc;
		}
		if (c.vary_sport || c.vary_dport || c.vary_ip) {
			if (c.mode != MODE_IPV6 &&
			    (rc = xdp_tmpl_checksum_at(t, (uint16_t)(ip_off + 10), (uint16_t)ip_off,
						       XDP_IPV4_HLEN, (uint16_t)ip_off)))
				return rc;
			if ((rc = xdp_tmpl_checksum_at(t, (uint16_t)(udp_off + 6), (uint16_t)udp_off, 0,
						       (uint16_t)ip_off)))
				return rc;
		}
	}
	if ((rc = xdp_resp_imix(resp, &mix)))
		return rc;
	xdp_log(XDP_LOG_DEBUG, "srv6: %s, %zu segment(s), %zu template(s)", mode_names[c.mode], c.nsegs,
		mix.n);
	return 0;
}
