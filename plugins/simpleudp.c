/* simpleudp: one IPv4/UDP template.
 *
 * Config / request fields (defaults):
 *   src_ip "192.168.1.1", dst_ip "192.168.1.2", src_port 1234, dst_port 5678,
 *   payload_size 1024 (0..1472; jumbo: up to 9216 - 42, a 9216-byte frame),
 *   src_mac: the device's MAC (request field device_mac_addr),
 *   dst_mac: ff:ff:ff:ff:ff:ff (broadcast) unless given,
 *   gateway: an IPv4 or IPv6 address whose MAC, resolved by the host on the run's device
 *     (env.host_neighbor_resolve), is dst_mac when dst_mac is not given: the next hop, or
 *     dst_ip itself on the same link. Unresolved (or no device: pcap output) is an error.
 *   is_arp_resolve (false; the Go xdperf's key, whose default there is true): resolve dst_ip
 *     the same way and use its MAC; unresolved keeps dst_mac, with a WARN line.
 * Payload byte i is i % 256. metadata.packet_count = the request's count. */
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "one IPv4/UDP template",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "192.168.1.1", "description": "source address"},
		"dst_ip": {"type": "ipv4", "default": "192.168.1.2", "description": "destination address"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "UDP source port"},
		"dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP destination port"},
		"payload_size": {"type": "integer", "default": 1024, "min": 0, "max": 9174,
				 "description": "UDP payload bytes (byte i = i % 256; above 1472: jumbo)"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"gateway": {"type": "string", "default": "",
			    "description": "next hop (IPv4/IPv6) whose MAC on the run's device is dst_mac when none is given"},
		"is_arp_resolve": {"type": "boolean", "default": false,
				   "description": "resolve dst_ip on the run's device and send to its MAC (unresolved: dst_mac)"},
		"*": false
	}
});

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 4 };
	uint64_t sport, dport, psize;
	int rc;

	char gw[64], dst_text[64];
	bool arp_resolve;
	if ((rc = xdp_req_string(req, "gateway", "", gw, sizeof gw)) ||
	    (rc = xdp_req_bool(req, "is_arp_resolve", false, &arp_resolve)) ||
	    (rc = xdp_req_string(req, "dst_ip", "192.168.1.2", dst_text, sizeof dst_text)))
		return rc;
	uint8_t resolved[6];
	const uint8_t *dst_default = broadcast;
	const xdp_json *unused;
	if (gw[0] && xdp_req_find(req, "dst_mac", &unused) < 0) {
		if (xdp_neighbor_resolve(gw, resolved)) {
			xdp_log(XDP_LOG_ERROR, "simpleudp: gateway %s: no MAC for it on the run's device "
				"(unresolved, or no device: give dst_mac)", gw);
			return XDP_ERR_INVALID_CONFIG;
		}
		dst_default = resolved;
	}
	bool arp_resolved = false;
	if (arp_resolve) {
		arp_resolved = xdp_neighbor_resolve(dst_text, resolved) == 0;
		if (!arp_resolved)
			xdp_log(XDP_LOG_WARN, "simpleudp: is_arp_resolve: no MAC for %s on the run's device; "
				"keeping dst_mac", dst_text);
	}
	if ((rc = xdp_req_ipv4(req, "src_ip", "192.168.1.1", l3.src)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "192.168.1.2", l3.dst)) ||
	    (rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 5678, 0, 65535, &dport)) ||
	    (rc = xdp_req_range(req, "payload_size", 1024, 0, 9216 - 42, &psize)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", dst_default, l2.dst)))
		return rc;
	if (arp_resolved)
		memcpy(l2.dst, resolved, 6);

	xdp_template *t = xdp_resp_add_udp(resp, &l2, &l3, (uint16_t)sport, (uint16_t)dport, psize, &rc);
	if (!t)
		return rc;
	xdp_tmpl_tag(t, "udp");
	xdp_tmpl_tag(t, "ipv4");
	xdp_log(XDP_LOG_DEBUG, "simpleudp: %zu-byte frame, %llu packets", t->len,
		(unsigned long long)req->count);
	return 0;
}
