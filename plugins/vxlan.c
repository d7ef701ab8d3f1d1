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
 *                                          each <= 2048, the host's frame slot); sizes below
 *                                          the minimum (92, 64 in l2only, + 4 with a VLAN tag)
 *                                          are skipped with a WARN line
 *   imix_weights [7,2,1]                   weights by position (at most 64 entries, each
 *                                          0..4294967295; missing: 1; 0 counts as 1, as in the
 *                                          Go host; negative: error)
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
 * first on a tie), the host's own IMIX split. Every template also carries metadata.imix (the
 * sizes and weights of all), so the host keeps the weights in runs without a count (-c 0,
 * --duration) and splits a count the same way. The Go plugin picks a variant per packet at
 * random by weight; here they are interleaved exactly by weight. */
#include <string.h>
#include <strings.h>

#include "xdperf_plugin.h"

#define MAX_SIZES 64
#define MAX_FRAME 2048 /* the host's template slot */
#define VXLAN_HLEN 8

struct vx_mix {
	uint16_t size[MAX_SIZES];
	uint64_t weight[MAX_SIZES];
	int n;
};

static struct vx_mix g_mix; /* what the metadata writer reports */

static int vx_err(const char *key, const char *why)
{
	xdp_log(XDP_LOG_ERROR, "vxlan: %s: %s", key, why);
	return XDP_ERR_INVALID_CONFIG;
}

/* An integer array config value (or the default when absent / null). */
static int vx_int_array(const xdp_request *req, const char *key, const int64_t *def, int ndef,
			int64_t *out, int *n)
{
	const xdp_json *d;
	int tok = xdp_req_find(req, key, &d);
	if (tok < 0) {
		memcpy(out, def, sizeof(*def) * (size_t)ndef);
		*n = ndef;
		return 0;
	}
	if (xdp_json_type(d, tok) != XDP_JSON_ARRAY)
		return vx_err(key, "expected an array of integers");
	size_t len = xdp_json_len(d, tok);
	if (len > MAX_SIZES) {
		xdp_log(XDP_LOG_ERROR, "vxlan: %s: %zu entries, at most %d", key, len, MAX_SIZES);
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < len; i++)
		if (xdp_json_i64(d, xdp_json_at(d, tok, i), &out[i]))
			return vx_err(key, "expected an array of integers");
	*n = (int)len;
	return 0;
}

static void vx_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header as the Go plugin's: no options, TOS 0, ID 0, no flags, TTL 64, checksum filled. */
static void vx_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint16_t total_len)
{
	memset(p, 0, XDP_IPV4_HLEN);
	p[0] = 0x45;
	vx_put16(p + 2, total_len);
	p[8] = 64;
	p[9] = XDP_PROTO_UDP;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	vx_put16(p + 10, xdp_csum(p, XDP_IPV4_HLEN));
}

static uint32_t vx_be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* a * b = *q * c + *r for a < c < 2^62, b < 2^32, without 128-bit arithmetic */
static void vx_muldiv(uint64_t a, uint64_t b, uint64_t c, uint64_t *q, uint64_t *r)
{
	*q = 0;
	*r = 0;
	for (int bit = 31; bit >= 0; bit--) {
		*q <<= 1;
		*r <<= 1;
		if (*r >= c) {
			*r -= c;
			++*q;
		}
		if (b >> bit & 1) {
			*r += a;
			if (*r >= c) {
				*r -= c;
				++*q;
			}
		}
	}
}

static void vx_meta(xdp_jw *w, size_t index, void *ctx)
{
	(void)index;
	(void)ctx;
	xdp_jw_key(w, "imix");
	xdp_jw_obj_begin(w);
	xdp_jw_key(w, "patterns");
	xdp_jw_arr_begin(w);
	for (int i = 0; i < g_mix.n; i++) {
		xdp_jw_obj_begin(w);
		xdp_jw_kv_u64(w, "size", g_mix.size[i]);
		xdp_jw_kv_u64(w, "weight", g_mix.weight[i]);
		xdp_jw_kv_u64(w, "template", (uint64_t)i);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);
	xdp_jw_obj_end(w);
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
	int64_t sizes[MAX_SIZES], weights[MAX_SIZES];
	int nsizes, nweights, rc;

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
	    (rc = xdp_req_bool(req, "vary_outer_port", false, &vary_out_port)) ||
	    (rc = vx_int_array(req, "imix_sizes", def_sizes, 3, sizes, &nsizes)) ||
	    (rc = vx_int_array(req, "imix_weights", def_weights, 3, weights, &nweights)))
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
	if (nsizes == 0)
		return vx_err("imix_sizes", "must not be empty");
	for (int i = 0; i < nweights; i++)
		if (weights[i] < 0)
			return vx_err("imix_weights", "must not be negative");
		else if (weights[i] > 0xFFFFFFFF)
			return vx_err("imix_weights", "must be at most 4294967295 (32 bits)");
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] > MAX_FRAME) {
			xdp_log(XDP_LOG_ERROR, "vxlan: imix_sizes: %lld is larger than %d bytes",
				(long long)sizes[i], MAX_FRAME);
			return XDP_ERR_INVALID_CONFIG;
		}

	/* outer destination MAC: the neighbour's on a device run */
	const xdp_json *unused;
	if (arp) {
		uint8_t mac[6];
		if (xdp_req_find(req, "device_name", &unused) < 0)
			xdp_log(XDP_LOG_DEBUG, "vxlan: is_arp_resolve: no device (pcap output); using dst_mac");
		else if (xdp_neighbor_resolve(dst_text, mac) == 0)
			memcpy(dst_mac, mac, 6);
		else
			xdp_log(XDP_LOG_WARN, "vxlan: is_arp_resolve: no MAC for %s on the run's device; "
				"keeping dst_mac", dst_text);
	}

	/* offsets */
	const size_t l2 = vlan_id ? XDP_ETH_HLEN + XDP_VLAN_HLEN : XDP_ETH_HLEN;
	const size_t oip = l2, oudp = oip + XDP_IPV4_HLEN, vx = oudp + XDP_UDP_HLEN;
	const size_t ieth = vx + VXLAN_HLEN, iip = ieth + XDP_ETH_HLEN, iudp = iip + XDP_IPV4_HLEN;
	const size_t min_len = l2only ? iip : iudp + XDP_UDP_HLEN;

	static uint8_t frame[MAX_FRAME];
	uint64_t total_w = 0;
	g_mix.n = 0;
	for (int i = 0; i < nsizes; i++) {
		if (sizes[i] < (int64_t)min_len) {
			xdp_log(XDP_LOG_WARN, "vxlan: imix_sizes: skipping %lld, below the minimum VXLAN "
				"frame length %zu", (long long)sizes[i], min_len);
			continue;
		}
		uint64_t w = i < nweights ? (uint64_t)weights[i] : 1;
		g_mix.size[g_mix.n] = (uint16_t)sizes[i];
		g_mix.weight[g_mix.n] = w ? w : 1;
		total_w += g_mix.weight[g_mix.n];
		g_mix.n++;
	}
	if (g_mix.n == 0) {
		xdp_log(XDP_LOG_ERROR, "vxlan: imix_sizes: no size reaches the minimum VXLAN frame "
			"length %zu", min_len);
		return XDP_ERR_INVALID_CONFIG;
	}

	uint64_t given = 0, rem[MAX_SIZES];
	for (int k = 0; k < g_mix.n; k++) {
		const size_t len = g_mix.size[k];
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
				vx_put16(f + iudp + 6, c ? c : 0xffff);
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

		/* floor(count * w / W); W < 2^38 */
		uint64_t q, r;
		vx_muldiv(req->count % total_w, g_mix.weight[k], total_w, &q, &r);
		t->packet_count = req->count / total_w * g_mix.weight[k] + q;
		rem[k] = r;
		given += t->packet_count;
		xdp_tmpl_tag(t, "vxlan");
		xdp_tmpl_tag(t, l2only ? "l2only" : "ip");
	}
	/* the packets left over: one each to the largest remainders, earliest first */
	for (; given < req->count; given++) {
		int best = 0;
		for (int k = 1; k < g_mix.n; k++)
			if (rem[k] > rem[best])
				best = k;
		resp->templates[best].packet_count++;
		rem[best] = 0;
	}
	resp->meta = vx_meta;
	xdp_log(XDP_LOG_DEBUG, "vxlan: %d template(s), VNI %llu..%llu", g_mix.n,
		(unsigned long long)vni_start, (unsigned long long)vni_end);
	return 0;
}
