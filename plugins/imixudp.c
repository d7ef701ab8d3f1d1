/* imixudp: the Go xdperf's imixudp plugin, an IMIX of IPv4/UDP frames in three weighted
 * variants (after TRex's imix.py):
 *   A  short  frames of 64..84 bytes, UDP source port walking 1024..1124, weight imix_ratio[0]
 *   B  mid    frames of 500..600 bytes, UDP source port walking 2000..2100, weight imix_ratio[1]
 *   C  large  frames of 1500 bytes, IPv4 source walking 192.168.1.1..192.168.1.254,
 *             weight imix_ratio[2]
 * Frame lengths count the Ethernet header, not the FCS. The sizes and walks are fixed, as in the
 * Go plugin (it has no keys for them).
 *
 * Config / request fields (the Go plugin's keys and defaults):
 *   src_ip "192.168.1.1"       IPv4 source of variants A and B (C walks its own range)
 *   dst_ip "192.168.1.2"       IPv4 destination
 *   dst_mac "ff:ff:ff:ff:ff:ff"
 *   is_arp_resolve true        on a device run, resolve dst_ip there (the host's neighbour
 *                              table, host_neighbor_resolve) and send to its MAC; unresolved
 *                              keeps dst_mac with a WARN line; with no device (pcap output,
 *                              plugin run) dst_mac is used
 *   src_port 1234              UDP source port of variant C (A and B walk their own ranges)
 *   dst_port 5678              UDP destination port
 *   payload_size 1024          0..65507: payload bytes of the frame every variant is cut from
 *                              or grown from: payload byte i is i % 256 for i < payload_size,
 *                              then zero bytes up to the variant's frame length
 *   imix_ratio [60, 34, 6]     the weights of A, B and C: exactly 3 integers 0..4294967295
 *                              (a weight 0 counts as 1, as the Go host reads variants)
 * and, beyond the Go plugin: src_mac (default: the device's MAC, device_mac_addr).
 * IPv4: no options, TOS 0, identification 0, no flags, TTL 64 (what the Go plugin's gopacket
 * layers give). The host keeps the IPv4 header and UDP checksums right for every packet.
 *
 * Templates: one per frame length (as the host reads the Go plugin's length walk): A's 21
 * (64, 65, ..., 84), B's 101 (500, ..., 600), C's one, in that order; tags "imixudp" and
 * "imix-short" / "imix-mid" / "imix-large".
 *
 * Counts: the request's count N is split over the variants by weight exactly as the Go xdperf
 * does, floor(N * w / W) for A and B (W = the sum of the weights) and the remainder to C, then
 * evenly over a variant's frame lengths in order (the first lengths get one more when it does
 * not divide): those are the templates' packet_count, and templates whose count is 0 are
 * left out. With N = 0 (a device run until --duration or Ctrl-C) every template is sent, and
 * its share comes from metadata.imix weights: variant weight * 2121 / its number of lengths
 * (2121 = 21 * 101), so the variants keep their weights and a variant's lengths are equal.
 * The host follows the counts exactly when their interleaving fits its 65536-frame send cycle
 * (every N up to 65536); above, to within about 0.1 % (it scales the cycle down).
 *
 * Walks (the Go plugin's "sequential" params, laid over the templates of a variant so that
 * its first packet of each length carries what the Go plugin's does):
 *   A, length 64 + t: the Go plugin's variant gives its k-th packet length 64 + k mod 21 and
 *     port 1024 + k mod 101, so its length-(64 + t) packets are k = t, t + 21, t + 42, ...:
 *     here the same, a walk over 1024..1124 that starts t values in and steps by 21 (the
 *     modifier's skip and stride), so every length carries the ports in the Go plugin's order.
 *   B, length 500 + t: source port 2000 + t, constant (101 lengths and 101 ports: in the Go
 *     plugin the length-(500 + t) packets always carry port 2000 + t, too).
 *   C: IPv4 source 192.168.1.1, .2, ..., .254, then .1 again (increment). */
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "IMIX of IPv4/UDP frames in three weighted variants (short, mid, large)",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "192.168.1.1", "description": "source address of variants A and B"},
		"dst_ip": {"type": "ipv4", "default": "192.168.1.2", "description": "destination address"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"is_arp_resolve": {"type": "boolean", "default": true,
				   "description": "on a device run, send to dst_ip's MAC from the neighbour table (unresolved: dst_mac)"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "UDP source port of variant C"},
		"dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP destination port"},
		"payload_size": {"type": "integer", "default": 1024, "min": 0, "max": 65507,
				 "description": "payload bytes carrying i % 256; the rest of a longer frame is zero"},
		"imix_ratio": {"type": "array", "default": [60, 34, 6],
			       "description": "weights of A, B and C: exactly 3 integers 0..4294967295 (0 counts as 1)"},
		"*": false
	}
});

#define NVAR 3
#define HDRS (XDP_ETH_HLEN + XDP_IPV4_HLEN + XDP_UDP_HLEN) /* 42 */
#define MAX_FRAME 1500
#define LEN_LCM 2121 /* lcm of the variants' numbers of lengths: 21 * 101 * 1 */
#define C_SRC_LO 0xc0a80101u /* 192.168.1.1 */
#define C_SRC_HI 0xc0a801feu /* 192.168.1.254 */

static const struct variant {
	uint16_t len_lo, len_hi;   /* frame lengths */
	uint16_t port_lo, port_hi; /* source port walk; 0 = src_port */
	const char *tag;
} variants[NVAR] = {
	{ 64, 84, 1024, 1124, "imix-short" },
	{ 500, 600, 2000, 2100, "imix-mid" },
	{ 1500, 1500, 0, 0, "imix-large" },
};

static int read_ratio(const xdp_request *req, uint64_t w[NVAR])
{
	static const uint64_t def[NVAR] = { 60, 34, 6 };
	const xdp_json *d;
	int tok = xdp_req_find(req, "imix_ratio", &d);
	if (tok < 0) {
		memcpy(w, def, sizeof def);
		return 0;
	}
	if (xdp_json_type(d, tok) != XDP_JSON_ARRAY || xdp_json_len(d, tok) != NVAR) {
		xdp_log(XDP_LOG_ERROR, "imixudp: imix_ratio: expected an array of 3 integers (the "
			"weights of the short, mid and large variants)");
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < NVAR; i++) {
		if (xdp_json_u64(d, xdp_json_at(d, tok, i), &w[i]) || w[i] > UINT32_MAX) {
			xdp_log(XDP_LOG_ERROR, "imixudp: imix_ratio[%zu]: expected an integer from 0 "
				"to 4294967295", i);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	return 0;
}

/* One frame of `len` bytes into f, every checksum filled. */
static void build_frame(uint8_t *f, size_t len, const uint8_t dmac[6], const uint8_t smac[6],
			const uint8_t sip[4], const uint8_t dip[4], uint16_t sport, uint16_t dport,
			uint64_t psize)
{
	memset(f, 0, len);
	xdp_put_eth(f, dmac, smac, XDP_ETHERTYPE_IPV4);
	uint8_t *ip = f + XDP_ETH_HLEN;
	uint16_t ulen = (uint16_t)(len - XDP_ETH_HLEN - XDP_IPV4_HLEN);
	/* TTL 64; TOS, identification and flags 0 */
	xdp_put_ipv4_flags(ip, sip, dip, XDP_PROTO_UDP, ulen, 64, 0, 0, 0);
	uint8_t *udp = ip + XDP_IPV4_HLEN;
	xdp_put_udp(udp, sport, dport, ulen);
	uint8_t *pl = udp + XDP_UDP_HLEN;
	for (size_t i = 0; i < len - HDRS && i < psize; i++)
		pl[i] = (uint8_t)(i % 256);
	uint16_t c = xdp_l4_csum_v4(sip, dip, XDP_PROTO_UDP, udp, ulen);
	if (c == 0)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	xdp_imix meta; /* metadata.imix for N = 0: one pattern per template, its length and weight */
	uint8_t smac[6], dmac[6], sip[4], dip[4];
	uint64_t sport, dport, psize, w[NVAR];
	char dst_text[64];
	bool arp_resolve;
	int rc;
	if ((rc = xdp_req_ipv4(req, "src_ip", "192.168.1.1", sip)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "192.168.1.2", dip)) ||
	    (rc = xdp_req_string(req, "dst_ip", "192.168.1.2", dst_text, sizeof dst_text)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, dmac)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, smac)) ||
	    (rc = xdp_req_bool(req, "is_arp_resolve", true, &arp_resolve)) ||
	    (rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 5678, 0, 65535, &dport)) ||
	    (rc = xdp_req_range(req, "payload_size", 1024, 0, 65507, &psize)) ||
	    (rc = read_ratio(req, w)))
		return rc;
	if (arp_resolve)
		xdp_resolve_dst_mac(req, dst_text, "imixudp", dmac);

	/* the variants' shares: floor(N * w / W), the remainder to the last */
	uint64_t W = 0, share[NVAR], given = 0, N = req->count;
	for (int i = 0; i < NVAR; i++) {
		if (w[i] == 0)
			w[i] = 1;
		W += w[i];
	}
	for (int i = 0; i < NVAR - 1; i++) {
		share[i] = (uint64_t)((unsigned __int128)N * w[i] / W);
		given += share[i];
	}
	share[NVAR - 1] = N - given;

	static uint8_t frame[MAX_FRAME];
	meta.n = 0;
	for (int i = 0; i < NVAR; i++) {
		const struct variant *v = &variants[i];
		uint64_t m = (uint64_t)v->len_hi - v->len_lo + 1;
		for (uint64_t t = 0; t < m; t++) {
			uint64_t cnt = share[i] / m + (t < share[i] % m ? 1 : 0);
			if (N > 0 && cnt == 0)
				continue; /* never sent: its share of the count is 0 */
			size_t len = (size_t)(v->len_lo + t);
			uint16_t port = v->port_lo ? (uint16_t)(v->port_lo + t % (v->port_hi - v->port_lo + 1u))
						   : (uint16_t)sport;
			const uint8_t *src = sip;
			uint8_t c_src[4] = { C_SRC_LO >> 24, (C_SRC_LO >> 16) & 0xff, (C_SRC_LO >> 8) & 0xff,
					     C_SRC_LO & 0xff };
			if (i == 2)
				src = c_src;
			build_frame(frame, len, dmac, smac, src, dip, port, (uint16_t)dport, psize);
			xdp_template *tp = xdp_resp_add(resp, frame, len);
			if (!tp)
				return XDP_ERR_NOMEM;
			tp->packet_count = cnt;
			xdp_tmpl_tag(tp, "imixudp");
			xdp_tmpl_tag(tp, v->tag);
			xdp_tmpl_checksums(tp, XDP_CSUM_IPV4 | XDP_CSUM_UDP);
			if (i == 0) {
				/* the variant's k-th packet carries port 1024 + k mod 101; its
				 * length-(64 + t) packets are k = t, t + 21, ...: skip t, stride 21 */
				xdp_modifier md = { .offset = XDP_ETH_HLEN + XDP_IPV4_HLEN, .len = 2,
						    .op = XDP_MOD_INCREMENT, .min = v->port_lo,
						    .max = v->port_hi, .step = 1,
						    .skip = (uint64_t)(port - v->port_lo), .stride = m };
				if ((rc = xdp_tmpl_add_mod(tp, &md)))
					return rc;
			} else if (i == 2) {
				if ((rc = xdp_tmpl_modify(tp, "ipv4.src_ip", XDP_MOD_INCREMENT, C_SRC_LO,
							  C_SRC_HI, 1, 0)))
					return rc;
			}
			meta.size[meta.n] = (uint16_t)len;
			meta.weight[meta.n] = w[i] * (LEN_LCM / m);
			meta.n++;
		}
	}
	if (N == 0 && (rc = xdp_resp_imix(resp, &meta)))
		return rc;
	xdp_log(XDP_LOG_DEBUG, "imixudp: weights %llu:%llu:%llu, %llu packets: %llu short, %llu mid, "
		"%llu large", (unsigned long long)w[0], (unsigned long long)w[1],
		(unsigned long long)w[2], (unsigned long long)N, (unsigned long long)share[0],
		(unsigned long long)share[1], (unsigned long long)share[2]);
	return 0;
}
