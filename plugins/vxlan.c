/* vxlan: VXLAN (RFC 7348) traffic, the Go xdperf's vxlan plugin in C. One template per IMIX
 * size (the frame length, outer Ethernet header included, FCS excluded):
 *
 *   Eth | [802.1Q] | IPv4 | UDP (dst 4789) | VXLAN (8) | inner Eth | inner IPv4 | inner UDP | data
 *   (inner_mode "l2only": ... | VXLAN (8) | inner Eth (EtherType 0x0000) | padding)
 *
 * Config keys (the Go plugin's names and defaults):
 *   src_ip "10.0.0.1", dst_ip "10.0.0.2"   outer IPv4 addresses
 *   dst_mac "ff:ff:ff:ff:ff:ff"            outer destination MAC (the source MAC is
 *                                          device_mac_addr: the device's, or --src-mac)
 *   is_arp_resolve true                    on a device run, use dst_ip's MAC from the host's
 *                                          neighbour table; unresolved keeps dst_mac with a WARN
 *                                          line; without a device (pcap, plugin run) dst_mac
 *   src_port 0                             outer UDP source port (sweep start)
 *   dst_port 4789                          outer UDP destination port
 *   vlan_id 0, vlan_pcp 0                  outer 802.1Q tag (vlan_id 1..4094; 0 = untagged;
 *                                          pcp 0..7, used only when tagged)
 *   vni_start 100, vni_end 100             24-bit VNI (0..16777215); end > start sweeps it,
 *                                          end < start is an error
 *   inner_dst_mac "02:00:00:00:01:02", inner_src_mac "02:00:00:00:01:01"
 *   inner_mode "ip"                        "ip" (inner Eth + IPv4 + UDP, 92-byte minimum) or
 *                                          "l2only" (inner Eth + padding, 64-byte minimum);
 *                                          case-insensitive, "" = "ip"
 *   inner_udp_checksum false               compute the inner UDP checksum and keep it right per
 *                                          packet; false leaves it 0 (no checksum, legal in IPv4)
 *   inner_src_ip "192.168.0.1", inner_dst_ip "192.168.0.2"
 *   inner_src_port 1024, inner_dst_port 5060
 *   vary_inner_port false                  inner UDP source port: inner_src_port..65535
 *   vary_inner_ip false                    inner source IP: inner_src_ip..255.255.255.255
 *   vary_outer_port false                  outer UDP source port: src_port..65535
 *   imix_sizes [128,768,1400]              frame lengths, one template each (1..64 entries,
 *                                          each <= 9216, the host's frame limit); sizes below
 *                                          the minimum (92, 64 in l2only, + 4 with a VLAN tag)
 *                                          are skipped with a WARN line (every size is checked
 *                                          against 9216 first); none left is an error
 *   imix_weights [7,2,1]                   weights by position (at most 64 entries, each
 *                                          0..4294967295; missing: 1; 0 counts as 1, as in the
 *                                          Go host; negative: error); both read by the SDK's
 *                                          xdp_req_imix
 * In l2only mode the inner IP/port keys and sweeps are ignored (there is no inner L3/L4).
 *
 * Sweeps are sequential (XDP_MOD_INCREMENT, back to the start after the end), per template, as
 * the Go plugin's "sequential" variable params. The VNI is 3 bytes and modifiers are 1, 2, 4 or 8
 * bytes wide, so the VNI sweep is a 4-byte modifier over the VNI and the reserved byte after it
 * with value = vni << 8 (min vni_start << 8, max vni_end << 8, step 256): the low byte, the
 * reserved one, stays 0 and the top three bytes are exactly the VNI. (The Go plugin writes
 * 4 bytes starting at the reserved byte before the VNI instead; the bytes on the wire are the
 * same.)
 *
 * Checksums: the outer UDP checksum is 0 (the RFC 7348 default; never written). Declared, so the
 * host keeps them right in every packet: the outer IPv4 header, the inner IPv4 header (ip mode)
 * and the inner UDP checksum with the inner pseudo-header (inner_udp_checksum true); all by
 * position (xdp_tmpl_checksum_at). The base packet has them all right as built.
 * IP headers as the Go plugin's: TOS 0, ID 0, no flags, TTL 64. Payload byte i = i % 256.
 *
 * Counts: the request's count is split over the templates by weight: floor(count * w / W) each,
 * then the packets left over one each to the templates with the largest remainders (earliest
 * first on a tie), the host's own IMIX split (xdp_imix_split). Every template also carries
 * metadata.imix (the sizes and weights of all, xdp_resp_imix), so the host keeps the weights in
 * runs without a count (-c 0, --duration) and splits a count the same way. The Go plugin picks
 * a variant per packet at random by weight; here they are interleaved exactly by weight. */
#include <string.h>
#include <strings.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "VXLAN (RFC 7348) traffic in IMIX sizes",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "10.0.0.1", "description": "outer IPv4 source"},
		"dst_ip": {"type": "ipv4", "default": "10.0.0.2", "description": "outer IPv4 destination"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "outer destination MAC"},
		"is_arp_resolve": {"type": "boolean", "default": true,
				   "description": "on a device run, send to dst_ip's MAC from the neighbour table (unresolved: dst_mac)"},
		"src_port": {"type": "integer", "default": 0, "min": 0, "max": 65535, "description": "outer UDP source port"},
		"dst_port": {"type": "integer", "default": 4789, "min": 0, "max": 65535, "description": "outer UDP destination port"},
		"vlan_id": {"type": "integer", "default": 0, "min": 0, "max": 4094, "description": "outer 802.1Q VLAN ID, 0 = untagged"},
		"vlan_pcp": {"type": "integer", "default": 0, "min": 0, "max": 7, "description": "802.1Q priority (when tagged)"},
		"vni_start": {"type": "integer", "default": 100, "min": 0, "max": 16777215, "description": "first VNI"},
		"vni_end": {"type": "integer", "default": 100, "min": 0, "max": 16777215,
			    "description": "last VNI (above vni_start: walked per packet)"},
		"inner_dst_mac": {"type": "mac", "default": "02:00:00:00:01:02", "description": "inner Ethernet destination"},
		"inner_src_mac": {"type": "mac", "default": "02:00:00:00:01:01", "description": "inner Ethernet source"},
		"inner_mode": {"type": "string", "default": "ip",
			       "description": "ip (inner Ethernet + IPv4 + UDP) or l2only (inner Ethernet + padding); any case, empty = ip"},
		"inner_udp_checksum": {"type": "boolean", "default": false,
				       "description": "compute the inner UDP checksum (false: 0)"},
		"inner_src_ip": {"type": "ipv4", "default": "192.168.0.1", "description": "inner IPv4 source"},
		"inner_dst_ip": {"type": "ipv4", "default": "192.168.0.2", "description": "inner IPv4 destination"},
		"inner_src_port": {"type": "integer", "default": 1024, "min": 0, "max": 65535, "description": "inner UDP source port"},
		"inner_dst_port": {"type": "integer", "default": 5060, "min": 0, "max": 65535, "description": "inner UDP destination port"},
		"vary_inner_port": {"type": "boolean", "default": false,
				    "description": "walk the inner UDP source port inner_src_port..65535"},
		"vary_inner_ip": {"type": "boolean", "default": false,
				  "description": "walk the inner source IP inner_src_ip..255.255.255.255"},
		"vary_outer_port": {"type": "boolean", "default": false,
				    "description": "walk the outer UDP source port src_port..65535"},
		"imix_sizes": {"type": "array", "default": [128, 768, 1400],
			       "description": "frame lengths (Ethernet header included), one template each; at most 64, each up to 9216"},
		"imix_weights": {"type": "array", "default": [7, 2, 1],
				 "description": "weights of the sizes by position (missing: 1; 0 counts as 1); at most 64"},
		"*": false
	}
});

#define VXLAN_HLEN 8

static int vx_err(const char *key, const char *why)
{
	xdp_log(XDP_LOG_ERROR, "vxlan: %s: %s", key, why);
	return XDP_ERR_INVALID_CONFIG;
}

/* IPv4 header as the Go plugin's: no options, TOS 0, ID 0, no flags, TTL 64, checksum filled. */
static void vx_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint16_t total_len)
{
	xdp_put_ipv4_flags(p, src, dst, XDP_PROTO_UDP, (uint16_t)(total_len - XDP_IPV4_HLEN), 64, 0,
			   0, 0);
}

static uint32_t vx_be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const int64_t def_sizes[3] = { 128, 768, 1400 }, def_weights[3] = { 7, 2, 1 };
	uint8_t src_ip[4], dst_ip[4], dst_mac[6], in_src_mac[6], in_dst_mac[6];
	uint8_t in_src_ip[4], in_dst_ip[4];
	uint64_t sport, dport, vlan_id, vlan_pcp, vni_start, vni_end, in_sport, in_dport;
	bool arp, in_udp_csum, vary_in_port, vary_in_ip, vary_out_port;
	char mode[16], dst_text[64];
	xdp_imix mix;
	int rc;

	if ((rc = xdp_req_ipv4(req, "src_ip", "10.0.0.1", src_ip)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "10.0.0.2", dst_ip)) ||
	    (rc = xdp_req_string(req, "dst_ip", "10.0.0.2", dst_text, sizeof dst_text)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, dst_mac)) ||
	    (rc = xdp_req_bool(req, "is_arp_resolve", true, &arp)) ||
	    (rc = xdp_req_range(req, "src_port", 0, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 4789, 0, 65535, &dport)) ||
	    (rc = xdp_req_range(req, "vlan_id", 0, 0, 4094, &vlan_id)) ||
	    (rc = xdp_req_range(req, "vlan_pcp", 0, 0, 7, &vlan_pcp)) ||
	    (rc = xdp_req_u64(req, "vni_start", 100, &vni_start)) ||
	    (rc = xdp_req_u64(req, "vni_end", 100, &vni_end)) ||
	    (rc = xdp_req_mac(req, "inner_dst_mac", (const uint8_t[6]){ 2, 0, 0, 0, 1, 2 }, in_dst_mac)) ||
	    (rc = xdp_req_mac(req, "inner_src_mac", (const uint8_t[6]){ 2, 0, 0, 0, 1, 1 }, in_src_mac)) ||
	    (rc = xdp_req_string(req, "inner_mode", "ip", mode, sizeof mode)) ||
	    (rc = xdp_req_bool(req, "inner_udp_checksum", false, &in_udp_csum)) ||
	    (rc = xdp_req_ipv4(req, "inner_src_ip", "192.168.0.1", in_src_ip)) ||
	    (rc = xdp_req_ipv4(req, "inner_dst_ip", "192.168.0.2", in_dst_ip)) ||
	    (rc = xdp_req_range(req, "inner_src_port", 1024, 0, 65535, &in_sport)) ||
	    (rc = xdp_req_range(req, "inner_dst_port", 5060, 0, 65535, &in_dport)) ||
	    (rc = xdp_req_bool(req, "vary_inner_port", false, &vary_in_port)) ||
	    (rc = xdp_req_bool(req, "vary_inner_ip", false, &vary_in_ip)) ||
	    (rc = xdp_req_bool(req, "vary_outer_port", false, &vary_out_port)))
		return rc;

	if (vni_start > 0xFFFFFF)
		return vx_err("vni_start", "must be in 0..16777215 (24 bits)");
	if (vni_end > 0xFFFFFF)
		return vx_err("vni_end", "must be in 0..16777215 (24 bits)");
	if (vni_end < vni_start)
		return vx_err("vni_end", "must be >= vni_start");
	bool l2only;
	if (!mode[0] || !strcasecmp(mode, "ip"))
		l2only = false;
	else if (!strcasecmp(mode, "l2only"))
		l2only = true;
	else
		return vx_err("inner_mode", "must be \"ip\" or \"l2only\"");

	/* offsets */
	const size_t l2 = vlan_id ? XDP_ETH_HLEN + XDP_VLAN_HLEN : XDP_ETH_HLEN;
	const size_t oip = l2, oudp = oip + XDP_IPV4_HLEN, vx = oudp + XDP_UDP_HLEN;
	const size_t ieth = vx + VXLAN_HLEN, iip = ieth + XDP_ETH_HLEN, iudp = iip + XDP_IPV4_HLEN;
	const size_t min_len = l2only ? iip : iudp + XDP_UDP_HLEN;
	if ((rc = xdp_req_imix(req, "imix_sizes", "imix_weights", def_sizes, def_weights, 3, min_len,
			       "vxlan", "VXLAN frame", &mix)))
		return rc;

	/* outer destination MAC: the neighbour's on a device run */
	if (arp)
		xdp_resolve_dst_mac(req, dst_text, "vxlan", dst_mac);

	static uint8_t frame[XDP_IMIX_FRAME_MAX];
	uint64_t counts[XDP_IMIX_MAX];
	xdp_imix_split(&mix, req->count, counts);
	for (size_t k = 0; k < mix.n; k++) {
		const size_t len = mix.size[k];
		uint8_t *f = frame;
		memset(f, 0, len);
		if (vlan_id)
			xdp_put_eth_vlan(f, dst_mac, req->device_mac, (uint16_t)vlan_id, (uint8_t)vlan_pcp,
					 XDP_ETHERTYPE_IPV4);
		else
			xdp_put_eth(f, dst_mac, req->device_mac, XDP_ETHERTYPE_IPV4);
		vx_put_ipv4(f + oip, src_ip, dst_ip, (uint16_t)(len - oip));
		xdp_put_udp(f + oudp, (uint16_t)sport, (uint16_t)dport, (uint16_t)(len - oudp));
		/* outer UDP checksum stays 0 (RFC 7348) */
		f[vx] = 0x08; /* flags: I (valid VNI) */
		f[vx + 4] = (uint8_t)(vni_start >> 16);
		f[vx + 5] = (uint8_t)(vni_start >> 8);
		f[vx + 6] = (uint8_t)vni_start;
		xdp_put_eth(f + ieth, in_dst_mac, in_src_mac, l2only ? 0x0000 : XDP_ETHERTYPE_IPV4);
		size_t pay = l2only ? iip : iudp + XDP_UDP_HLEN;
		for (size_t j = pay; j < len; j++)
			f[j] = (uint8_t)((j - pay) % 256);
		if (!l2only) {
			vx_put_ipv4(f + iip, in_src_ip, in_dst_ip, (uint16_t)(len - iip));
			xdp_put_udp(f + iudp, (uint16_t)in_sport, (uint16_t)in_dport, (uint16_t)(len - iudp));
			if (in_udp_csum) {
				uint16_t c = xdp_l4_csum_v4(in_src_ip, in_dst_ip, XDP_PROTO_UDP, f + iudp,
							    len - iudp);
				xdp_put_be16(f + iudp + 6, c ? c : 0xffff);
			}
		}

		xdp_template *t = xdp_resp_add(resp, f, len);
		if (!t)
			return XDP_ERR_NOMEM;
		if (vni_end > vni_start &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)(vx + 4), 4, XDP_MOD_INCREMENT, vni_start << 8,
					     vni_end << 8, 256, 0)))
			return rc;
		if (!l2only && vary_in_port &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)iudp, 2, XDP_MOD_INCREMENT, in_sport, 65535, 1, 0)))
			return rc;
		if (!l2only && vary_in_ip &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)(iip + 12), 4, XDP_MOD_INCREMENT,
					     vx_be32(in_src_ip), 0xFFFFFFFFu, 1, 0)))
			return rc;
		if (vary_out_port &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)oudp, 2, XDP_MOD_INCREMENT, sport, 65535, 1, 0)))
			return rc;
		if ((rc = xdp_tmpl_checksum_at(t, (uint16_t)(oip + 10), (uint16_t)oip, XDP_IPV4_HLEN,
					       (uint16_t)oip)))
			return rc;
		if (!l2only &&
		    (rc = xdp_tmpl_checksum_at(t, (uint16_t)(iip + 10), (uint16_t)iip, XDP_IPV4_HLEN,
					       (uint16_t)iip)))
			return rc;
		if (!l2only && in_udp_csum &&
		    (rc = xdp_tmpl_checksum_at(t, (uint16_t)(iudp + 6), (uint16_t)iudp, 0, (uint16_t)iip)))
			return rc;

		t->packet_count = counts[k];
		xdp_tmpl_tag(t, "vxlan");
		xdp_tmpl_tag(t, l2only ? "l2only" : "ip");
	}
	if ((rc = xdp_resp_imix(resp, &mix)))
		return rc;
	xdp_log(XDP_LOG_DEBUG, "vxlan: %zu template(s), VNI %llu..%llu", mix.n,
		(unsigned long long)vni_start, (unsigned long long)vni_end);
	return 0;
}
