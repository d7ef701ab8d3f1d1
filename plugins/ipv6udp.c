/* ipv6udp: one IPv6/UDP template.
 * Fields (defaults): src_ip "fd00::1", dst_ip "fd00::2", src_port 1234, dst_port 5678,
 * payload_size 1024 (payload byte i = i % 256), hop_limit 64, vlan (absent = untagged, else
 * the 802.1Q VLAN id 0..4095), src_mac (default device_mac_addr),
 * dst_mac (default ff:ff:ff:ff:ff:ff, like the other plugins). The UDP checksum (mandatory over IPv6) covers the IPv6 pseudo header. */
#include <stdlib.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "one IPv6/UDP template, optionally 802.1Q-tagged",
	"keys": {
		"src_ip": {"type": "ipv6", "default": "fd00::1", "description": "source address"},
		"dst_ip": {"type": "ipv6", "default": "fd00::2", "description": "destination address"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "UDP source port"},
		"dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP destination port"},
		"payload_size": {"type": "integer", "default": 1024, "min": 0, "max": 8938,
				 "description": "UDP payload bytes (byte i = i % 256)"},
		"hop_limit": {"type": "integer", "default": 64, "min": 1, "max": 255, "description": "IPv6 hop limit"},
		"vlan": {"type": "integer", "min": 0, "max": 4095, "description": "802.1Q VLAN ID (absent: untagged)"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"*": false
	}
});

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 6 };
	uint64_t sport, dport, psize, hops, vlan;
	int rc;
	if ((rc = xdp_req_ipv6(req, "src_ip", "fd00::1", l3.src)) ||
	    (rc = xdp_req_ipv6(req, "dst_ip", "fd00::2", l3.dst)) ||
	    (rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 5678, 0, 65535, &dport)) ||
	    (rc = xdp_req_range(req, "payload_size", 1024, 0, 9000 - 62, &psize)) ||
	    (rc = xdp_req_range(req, "hop_limit", 64, 1, 255, &hops)) ||
	    (rc = xdp_req_range(req, "vlan", UINT64_MAX, 0, UINT64_MAX, &vlan)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, l2.dst)))
		return rc;
	if (vlan != UINT64_MAX) {
		if (vlan > 4095) {
			xdp_log(XDP_LOG_ERROR, "ipv6udp: vlan must be 0..4095");
			return XDP_ERR_INVALID_CONFIG;
		}
		l2.vlan_id = (int)vlan;
	}
	l3.ttl = (uint8_t)hops;
	xdp_template *t = xdp_resp_add_udp(resp, &l2, &l3, (uint16_t)sport, (uint16_t)dport, psize, &rc);
	if (!t)
		return rc;
	xdp_tmpl_tag(t, "udp");
	xdp_tmpl_tag(t, "ipv6");
	if (l2.vlan_id >= 0)
		xdp_tmpl_tag(t, "vlan");
	return 0;
}
