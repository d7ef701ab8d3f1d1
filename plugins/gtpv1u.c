/* gtpv1u: GTPv1-U G-PDU (user plane, message type 0xFF) traffic, the Go xdperf's gtpv1u plugin:
 *
 *   Ethernet | IPv4 | UDP (dst 2152) | GTP-U [+ seq/N-PDU/next-ext] [+ PDU Session Container]
 *            | inner IPv4 | inner UDP or ICMP echo request | payload (byte i = i % 256)
 *
 * Config / request fields (defaults; the Go plugin's JSON names and defaults):
 *   src_ip "10.0.0.1", dst_ip "10.0.0.2"       outer IPv4 addresses
 *   dst_mac "ff:ff:ff:ff:ff:ff"               outer destination MAC
 *   is_arp_resolve true                      on a device run, resolve dst_ip on the run's device
 *                                            (host_neighbor_resolve) and use its MAC instead of
 *                                            dst_mac; unresolved keeps dst_mac with a WARN line;
 *                                            pcap output / plugin run (no device): dst_mac
 *   src_mac (device_mac_addr)                outer source MAC (an addition: the Go plugin always
 *                                            sends from the device's MAC, as this default does)
 *   src_port 2152                            outer UDP source port (destination fixed: 2152)
 *   teid_start 1, teid_end 1                 TEID; end > start: incremented per packet
 *                                            start..end, then start again; end < start: error
 *   enable_psc true                          PDU Session Container extension header (type 0x85,
 *                                            TS 38.415) carrying the QFI: 5G; false: 4G-style
 *   enable_seq false                         S flag: sequence number field present (always 0)
 *   pdu_type "dl"                            PSC PDU type: "dl" (0) or "ul" (1), any case; "" = dl
 *   rqi false                                PSC RQI bit (DL only; ignored for "ul")
 *   qfi_start 9, qfi_end 9                   QFI 0..63; end > start: incremented per packet
 *                                            (only checked/used with enable_psc)
 *   inner_proto "udp"                        "udp" or "icmp" (ICMPv4 echo request, id 0x1234,
 *                                            seq 1), any case; "" = udp
 *   inner_udp_checksum false                 false: inner UDP checksum 0 (none, legal over IPv4);
 *                                            true: computed and kept right per packet
 *   inner_src_ip "192.168.0.1", inner_dst_ip "192.168.0.2"
 *   inner_src_port 1024, inner_dst_port 5060 inner UDP ports (udp only)
 *   vary_inner_port false                    true: inner UDP source port incremented per packet
 *                                            inner_src_port..65535, then inner_src_port again
 *   imix_sizes [128,768,1400]                frame lengths (Ethernet header included, FCS
 *                                            excluded), one template each, in this order; a size
 *                                            below the smallest frame the headers allow is
 *                                            skipped with a WARN line; above 9216 (the host's
 *                                            frame limit): error; at most 64 sizes
 *   imix_weights [7,2,1]                     weights by position (missing: 1; negative or above
 *                                            2^32-1: error; 0 counts as 1, as the Go xdperf
 *                                            reads it); at most 64
 * (the SDK's xdp_req_imix rules). The request's count is split over the sizes by weight as the
 * host splits an IMIX (xdp_imix_split): floor(count * w / W) each, then one more each to the
 * largest remainders, the earliest first on a tie; every template's metadata also carries
 *   "imix": {"patterns": [{"size":128,"weight":7,"template":0}, ...]}
 * so the host interleaves the sizes by weight (also in runs without a count). Every modifier
 * walks per template (each size walks its own TEID / QFI / port sequence).
 *
 * Both IPv4 headers are built like the Go plugin's (gopacket): TTL 64, id 0, no flags.
 * Checksums kept right per packet: the outer IPv4 header and outer UDP (which covers the whole
 * tunnel), the inner IPv4 header and, with inner_udp_checksum, the inner UDP checksum (by
 * position, xdp_tmpl_checksum_at). The inner ICMP checksum is built right and nothing it
 * covers varies. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "GTPv1-U G-PDU traffic (4G/5G user plane) in IMIX sizes",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "10.0.0.1", "description": "outer source address"},
		"dst_ip": {"type": "ipv4", "default": "10.0.0.2", "description": "outer destination address"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "outer destination MAC"},
		"src_mac": {"type": "mac", "description": "outer source MAC (default: the device's)"},
		"is_arp_resolve": {"type": "boolean", "default": true,
				   "description": "on a device run, send to dst_ip's MAC from the neighbour table (unresolved: dst_mac)"},
		"src_port": {"type": "integer", "default": 2152, "min": 0, "max": 65535,
			     "description": "outer UDP source port (the destination is 2152)"},
		"teid_start": {"type": "integer", "default": 1, "min": 0, "max": 4294967295, "description": "first TEID"},
		"teid_end": {"type": "integer", "default": 1, "min": 0, "max": 4294967295,
			     "description": "last TEID (above teid_start: walked per packet)"},
		"enable_psc": {"type": "boolean", "default": true,
			       "description": "PDU Session Container extension header with the QFI (5G)"},
		"enable_seq": {"type": "boolean", "default": false, "description": "S flag: sequence number present (0)"},
		"pdu_type": {"type": "string", "default": "dl", "description": "PSC PDU type: dl or ul (any case; empty = dl)"},
		"rqi": {"type": "boolean", "default": false, "description": "PSC RQI bit (dl only)"},
		"qfi_start": {"type": "integer", "default": 9, "min": 0, "max": 63, "description": "first QFI (with enable_psc)"},
		"qfi_end": {"type": "integer", "default": 9, "min": 0, "max": 63,
			    "description": "last QFI (above qfi_start: walked per packet)"},
		"inner_proto": {"type": "string", "default": "udp",
				"description": "inner transport: udp or icmp (echo request), any case; empty = udp"},
		"inner_udp_checksum": {"type": "boolean", "default": false,
				       "description": "compute the inner UDP checksum (false: 0)"},
		"inner_src_ip": {"type": "ipv4", "default": "192.168.0.1", "description": "inner source address"},
		"inner_dst_ip": {"type": "ipv4", "default": "192.168.0.2", "description": "inner destination address"},
		"inner_src_port": {"type": "integer", "default": 1024, "min": 0, "max": 65535, "description": "inner UDP source port"},
		"inner_dst_port": {"type": "integer", "default": 5060, "min": 0, "max": 65535, "description": "inner UDP destination port"},
		"vary_inner_port": {"type": "boolean", "default": false,
				    "description": "walk the inner UDP source port inner_src_port..65535"},
		"imix_sizes": {"type": "array", "default": [128, 768, 1400],
			       "description": "frame lengths (Ethernet header included), one template each; at most 64, each up to 9216"},
		"imix_weights": {"type": "array", "default": [7, 2, 1],
				 "description": "weights of the sizes by position (missing: 1; 0 counts as 1); at most 64"},
		"*": false
	}
});

#define GTPU_PORT 2152
#define GTP_MAND 8        /* flags, type, length, TEID */
#define GTP_OPT 4         /* sequence number, N-PDU number, next extension header type */
#define GTP_PSC 4         /* PDU Session Container: length, 2 content octets, next type */
#define OUTER_HLEN (XDP_ETH_HLEN + XDP_IPV4_HLEN + XDP_UDP_HLEN) /* 42: the GTP header's start */

typedef struct cfg {
	uint8_t src_mac[6], dst_mac[6];
	uint8_t src_ip[4], dst_ip[4], in_src[4], in_dst[4];
	uint64_t sport, teid_lo, teid_hi, qfi_lo, qfi_hi, in_sport, in_dport;
	bool psc, seq, ul, rqi, icmp, in_udp_csum, vary_port;
	size_t gtp_len; /* GTP-U header with its optional parts */
} cfg;

static int bad(const char *key, const char *why)
{
	xdp_log(XDP_LOG_ERROR, "gtpv1u: %s: %s", key, why);
	return XDP_ERR_INVALID_CONFIG;
}

/* An unsigned integer key limited to 0..max, with the plugin's own message. */
static int get_uint(const xdp_request *req, const char *key, uint64_t def, uint64_t max,
		    uint64_t *out)
{
	int rc = xdp_req_u64(req, key, def, out);
	if (rc)
		return rc;
	if (*out > max) {
		xdp_log(XDP_LOG_ERROR, "gtpv1u: %s: %llu is outside 0..%llu", key,
			(unsigned long long)*out, (unsigned long long)max);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

/* A string key that must be one of two words (any case, "" = the first). *second = matched b. */
static int get_choice(const xdp_request *req, const char *key, const char *a, const char *b,
		      bool *second)
{
	char s[16];
	int rc = xdp_req_string(req, key, a, s, sizeof s);
	if (rc)
		return rc;
	if (!s[0] || !strcasecmp(s, a))
		*second = false;
	else if (!strcasecmp(s, b))
		*second = true;
	else {
		xdp_log(XDP_LOG_ERROR, "gtpv1u: %s: \"%s\" is neither \"%s\" nor \"%s\"", key, s, a, b);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

static int read_config(const xdp_request *req, cfg *c, xdp_imix *m)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char dst_text[64];
	bool arp;
	int rc;
	if ((rc = xdp_req_ipv4(req, "src_ip", "10.0.0.1", c->src_ip)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "10.0.0.2", c->dst_ip)) ||
	    (rc = xdp_req_string(req, "dst_ip", "10.0.0.2", dst_text, sizeof dst_text)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, c->dst_mac)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, c->src_mac)) ||
	    (rc = xdp_req_bool(req, "is_arp_resolve", true, &arp)) ||
	    (rc = get_uint(req, "src_port", GTPU_PORT, 65535, &c->sport)) ||
	    (rc = get_uint(req, "teid_start", 1, UINT32_MAX, &c->teid_lo)) ||
	    (rc = get_uint(req, "teid_end", 1, UINT32_MAX, &c->teid_hi)) ||
	    (rc = xdp_req_bool(req, "enable_psc", true, &c->psc)) ||
	    (rc = xdp_req_bool(req, "enable_seq", false, &c->seq)) ||
	    (rc = get_choice(req, "pdu_type", "dl", "ul", &c->ul)) ||
	    (rc = xdp_req_bool(req, "rqi", false, &c->rqi)) ||
	    (rc = get_uint(req, "qfi_start", 9, 63, &c->qfi_lo)) ||
	    (rc = get_uint(req, "qfi_end", 9, 63, &c->qfi_hi)) ||
	    (rc = get_choice(req, "inner_proto", "udp", "icmp", &c->icmp)) ||
	    (rc = xdp_req_bool(req, "inner_udp_checksum", false, &c->in_udp_csum)) ||
	    (rc = xdp_req_ipv4(req, "inner_src_ip", "192.168.0.1", c->in_src)) ||
	    (rc = xdp_req_ipv4(req, "inner_dst_ip", "192.168.0.2", c->in_dst)) ||
	    (rc = get_uint(req, "inner_src_port", 1024, 65535, &c->in_sport)) ||
	    (rc = get_uint(req, "inner_dst_port", 5060, 65535, &c->in_dport)) ||
	    (rc = xdp_req_bool(req, "vary_inner_port", false, &c->vary_port)))
		return rc;
	if (c->teid_hi < c->teid_lo)
		return bad("teid_end", "must be >= teid_start");
	if (c->psc && c->qfi_hi < c->qfi_lo)
		return bad("qfi_end", "must be >= qfi_start");
	c->gtp_len = GTP_MAND + (c->psc || c->seq ? GTP_OPT : 0) + (c->psc ? GTP_PSC : 0);

	/* The destination MAC: dst_ip's neighbour entry on a device run. */
	if (arp)
		xdp_resolve_dst_mac(req, dst_text, "gtpv1u", c->dst_mac);

	static const int64_t def_sizes[] = { 128, 768, 1400 }, def_weights[] = { 7, 2, 1 };
	size_t min_len = OUTER_HLEN + c->gtp_len + XDP_IPV4_HLEN + XDP_UDP_HLEN;
	return xdp_req_imix(req, "imix_sizes", "imix_weights", def_sizes, def_weights, 3, min_len,
			    "gtpv1u", "GTP-U frame of this config", m);
}

/* One frame of `size` bytes into f; *qfi_off receives the QFI octet's offset (0: none). */
static void build(const cfg *c, uint8_t *f, size_t size, size_t *qfi_off)
{
	size_t g = OUTER_HLEN, in = g + c->gtp_len, l4 = in + XDP_IPV4_HLEN;
	size_t in_total = size - in, l4_len = in_total - XDP_IPV4_HLEN;
	memset(f, 0, size);

	/* payload */
	for (size_t i = 0; l4 + 8 + i < size; i++)
		f[l4 + 8 + i] = (uint8_t)(i % 256);

	/* inner IPv4 + UDP / ICMP echo request (IPv4 headers as gopacket serialises them here:
	 * TTL 64, id 0, no flags) */
	xdp_put_ipv4_flags(f + in, c->in_src, c->in_dst, c->icmp ? XDP_PROTO_ICMP : XDP_PROTO_UDP,
			   (uint16_t)l4_len, 64, 0, 0, 0);
	if (c->icmp) {
		f[l4] = 8; /* echo request, code 0 */
		xdp_put_be16(f + l4 + 4, 0x1234);
		xdp_put_be16(f + l4 + 6, 1);
		xdp_put_be16(f + l4 + 2, xdp_csum(f + l4, l4_len));
	} else {
		xdp_put_udp(f + l4, (uint16_t)c->in_sport, (uint16_t)c->in_dport, (uint16_t)l4_len);
		if (c->in_udp_csum) {
			uint16_t s = xdp_l4_csum_v4(c->in_src, c->in_dst, XDP_PROTO_UDP, f + l4, l4_len);
			xdp_put_be16(f + l4 + 6, s ? s : 0xffff);
		}
	}

	/* GTP-U header: version 1, PT 1, E and S flags; length = everything after 8 octets */
	f[g] = (uint8_t)(0x30 | (c->psc ? 0x04 : 0) | (c->seq ? 0x02 : 0));
	f[g + 1] = 0xff; /* G-PDU */
	xdp_put_be16(f + g + 2, (uint16_t)(size - g - GTP_MAND));
	xdp_put_be32(f + g + 4, (uint32_t)c->teid_lo);
	*qfi_off = 0;
	if (c->psc || c->seq) {
		/* sequence number 0, N-PDU number 0 */
		f[g + 11] = c->psc ? 0x85 : 0; /* next extension header: PDU Session Container */
	}
	if (c->psc) {
		f[g + 12] = 1; /* length in 4-octet units */
		f[g + 13] = c->ul ? 0x10 : 0x00; /* PDU type in the high nibble */
		f[g + 14] = (uint8_t)(c->qfi_lo | (c->rqi && !c->ul ? 0x40 : 0));
		f[g + 15] = 0; /* no next extension header */
		*qfi_off = g + 14;
	}

	/* outer Ethernet / IPv4 / UDP */
	xdp_put_eth(f, c->dst_mac, c->src_mac, XDP_ETHERTYPE_IPV4);
	xdp_put_ipv4_flags(f + XDP_ETH_HLEN, c->src_ip, c->dst_ip, XDP_PROTO_UDP,
			   (uint16_t)(size - XDP_ETH_HLEN - XDP_IPV4_HLEN), 64, 0, 0, 0);
	size_t ou = XDP_ETH_HLEN + XDP_IPV4_HLEN;
	xdp_put_udp(f + ou, (uint16_t)c->sport, GTPU_PORT, (uint16_t)(size - ou));
	uint16_t s = xdp_l4_csum_v4(c->src_ip, c->dst_ip, XDP_PROTO_UDP, f + ou, size - ou);
	xdp_put_be16(f + ou + 6, s ? s : 0xffff);
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	cfg c;
	xdp_imix mix, *m = &mix;
	uint64_t counts[XDP_IMIX_MAX];
	memset(&c, 0, sizeof c);
	int rc = read_config(req, &c, m);
	if (rc)
		return rc;

	xdp_imix_split(m, req->count, counts);
	size_t in = OUTER_HLEN + c.gtp_len, l4 = in + XDP_IPV4_HLEN;
	uint8_t f[XDP_IMIX_FRAME_MAX];
	for (size_t i = 0; i < m->n; i++) {
		size_t qfi_off;
		build(&c, f, m->size[i], &qfi_off);
		xdp_template *t = xdp_resp_add(resp, f, m->size[i]);
		if (!t)
			return XDP_ERR_NOMEM;
		t->packet_count = counts[i];

		if (c.teid_hi > c.teid_lo &&
		    (rc = xdp_tmpl_modify_at(t, OUTER_HLEN + 4, 4, XDP_MOD_INCREMENT, c.teid_lo,
					     c.teid_hi, 1, 0)))
			return rc;
		if (c.psc && c.qfi_hi > c.qfi_lo) {
			uint64_t rqi = c.rqi && !c.ul ? 0x40 : 0;
			if ((rc = xdp_tmpl_modify_at(t, (uint16_t)qfi_off, 1, XDP_MOD_INCREMENT,
						     rqi | c.qfi_lo, rqi | c.qfi_hi, 1, 0)))
				return rc;
		}
		if (!c.icmp && c.vary_port && c.in_sport < 65535 &&
		    (rc = xdp_tmpl_modify_at(t, (uint16_t)l4, 2, XDP_MOD_INCREMENT, c.in_sport, 65535,
					     1, 0)))
			return rc;

		xdp_tmpl_checksums(t, XDP_CSUM_IPV4 | XDP_CSUM_UDP);
		if ((rc = xdp_tmpl_checksum_at(t, (uint16_t)(in + 10), (uint16_t)in, XDP_IPV4_HLEN,
					       (uint16_t)in)))
			return rc;
		if (!c.icmp && c.in_udp_csum &&
		    (rc = xdp_tmpl_checksum_at(t, (uint16_t)(l4 + 6), (uint16_t)l4, 0, (uint16_t)in)))
			return rc;

		char tag[XDP_TAG_LEN];
		xdp_tmpl_tag(t, "gtpv1u");
		xdp_tmpl_tag(t, c.psc ? "gtpv1u-psc" : "gtpv1u-nopsc");
		xdp_tmpl_tag(t, c.icmp ? "inner-icmp" : "inner-udp");
		snprintf(tag, sizeof tag, "size-%u", (unsigned)m->size[i]);
		xdp_tmpl_tag(t, tag);
	}
	if ((rc = xdp_resp_imix(resp, m)))
		return rc;
	xdp_log(XDP_LOG_DEBUG, "gtpv1u: %zu sizes, %zu-byte GTP-U header", m->n, c.gtp_len);
	return 0;
}
