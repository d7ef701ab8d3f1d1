/* flows: millions of IPv4/UDP flows from a single template whose fields the host rewrites per
 * packet (SDK modifiers), with the IPv4 and UDP checksums kept correct (always on).
 *
 * Config / request fields (all optional, defaults in brackets):
 *   src_ip    an address or a range "A-B"             ["10.0.0.1-10.0.255.254"]
 *   dst_ip    an address or a range "A-B"             ["10.1.0.1"]
 *   src_port  a port (number or string) or "A-B"      ["1024-65535"]
 *   dst_port  a port (number or string) or "A-B"      [5678]
 *   mode      "increment" | "decrement" | "random" | "range" (every varying field)  ["increment"]
 *   seed      random/range seed; the k-th modifier (in the order above) uses seed + k  [1]
 *   payload_size  UDP payload bytes, 0..1472; byte i is i % 256  [18: a 60-byte frame, the
 *             Ethernet minimum without FCS]
 *   src_mac   [the device's MAC (device_mac_addr)], dst_mac [ff:ff:ff:ff:ff:ff]
 * A field given as a single value is fixed in the base packet and gets no modifier; a range
 * gets one modifier over it (the base packet holds its first value). Each modifier walks its
 * own sequence, one step per packet: with "increment", fields whose range sizes are coprime
 * give every combination before repeating (e.g. 65534 source addresses x 64512 source ports).
 * metadata.packet_count is the request's count; tags "udp", "flows". */
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "IPv4/UDP flows from one template whose addresses and ports the host walks per packet",
	"keys": {
		"src_ip": {"type": "string", "default": "10.0.0.1-10.0.255.254", "description": "IPv4 source: an address or a range A-B"},
		"dst_ip": {"type": "string", "default": "10.1.0.1", "description": "IPv4 destination: an address or a range A-B"},
		"src_port": {"type": "integer|string", "default": "1024-65535", "min": 0, "max": 65535,
			     "description": "UDP source port: a port (number or string) or a range A-B"},
		"dst_port": {"type": "integer|string", "default": 5678, "min": 0, "max": 65535,
			     "description": "UDP destination port: a port (number or string) or a range A-B"},
		"mode": {"type": "string", "default": "increment", "enum": ["increment", "decrement", "random", "range"],
			 "description": "how every varying field walks its range"},
		"seed": {"type": "integer", "default": 1, "min": 0,
			 "description": "random/range seed; the k-th modifier uses seed + k"},
		"payload_size": {"type": "integer", "default": 18, "min": 0, "max": 1472,
				 "description": "UDP payload bytes (byte i = i % 256); 18 = a 60-byte frame"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"*": false
	}
});

static int parse_mode(const xdp_request *req, xdp_mod_op *op)
{
	static const char *const names[] = { "increment", "decrement", "random", "range" };
	char s[16];
	int rc = xdp_req_string(req, "mode", "increment", s, sizeof(s));
	if (rc)
		return rc;
	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*op = (xdp_mod_op)i;
			return 0;
		}
	}
	xdp_log(XDP_LOG_ERROR, "flows: mode: want increment, decrement, random or range, got \"%s\"", s);
	return XDP_ERR_INVALID_CONFIG;
}

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t lo[4], hi[4];
	uint64_t psize, seed;
	xdp_mod_op op = XDP_MOD_INCREMENT;
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 4 };
	int rc;
	if ((rc = xdp_req_ipv4_range(req, "src_ip", "10.0.0.1-10.0.255.254", &lo[0], &hi[0])) ||
	    (rc = xdp_req_ipv4_range(req, "dst_ip", "10.1.0.1", &lo[1], &hi[1])) ||
	    (rc = xdp_req_port_range(req, "src_port", "1024-65535", &lo[2], &hi[2])) ||
	    (rc = xdp_req_port_range(req, "dst_port", "5678", &lo[3], &hi[3])) ||
	    (rc = parse_mode(req, &op)) ||
	    (rc = xdp_req_u64(req, "seed", 1, &seed)) ||
	    (rc = xdp_req_range(req, "payload_size", 18, 0, 1472, &psize)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, l2.dst)))
		return rc;

	/* the base packet holds the first value of every range */
	for (int k = 0; k < 4; k++) {
		l3.src[k] = (uint8_t)(lo[0] >> (24 - 8 * k));
		l3.dst[k] = (uint8_t)(lo[1] >> (24 - 8 * k));
	}
	xdp_template *t = xdp_resp_add_udp(resp, &l2, &l3, (uint16_t)lo[2], (uint16_t)lo[3], psize, &rc);
	if (!t)
		return rc;
	xdp_tmpl_tag(t, "udp");
	xdp_tmpl_tag(t, "flows");
	xdp_tmpl_checksums(t, XDP_CSUM_IPV4 | XDP_CSUM_UDP);

	static const char *const fields[4] = { "ipv4.src_ip", "ipv4.dst_ip", "udp.src_port",
					       "udp.dst_port" };
	uint64_t flows = 1, k = 0;
	for (int i = 0; i < 4; i++) {
		if (lo[i] == hi[i])
			continue;
		if ((rc = xdp_tmpl_modify(t, fields[i], op, lo[i], hi[i], 1, seed + k)))
			return rc;
		k++;
		uint64_t n = (uint64_t)hi[i] - lo[i] + 1;
		flows = flows > UINT64_MAX / n ? UINT64_MAX : flows * n;
	}
	xdp_log(XDP_LOG_INFO, "flows: %zu-byte frame, %llu modifier(s), up to %llu distinct flows",
		t->len, (unsigned long long)k, (unsigned long long)flows);
	return 0;
}
