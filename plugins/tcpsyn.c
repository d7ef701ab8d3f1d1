/* tcpsyn: one IPv4 (or IPv6) TCP SYN template.
 * Fields (defaults): src_ip "192.168.1.1", dst_ip "192.168.1.2" (IPv6 when ipv6 is true:
 * "fd00::1" / "fd00::2"), src_port 1234, dst_port 80, seq 1, window 65535,
 * mss 1460 (0 = no options: a 20-byte TCP header), src_mac (default device_mac_addr),
 * dst_mac (default ff:ff:ff:ff:ff:ff). No payload. */
#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "one IPv4 or IPv6 TCP SYN template",
	"keys": {
		"ipv6": {"type": "boolean", "default": false, "description": "IPv6 instead of IPv4"},
		"src_ip": {"type": "ip", "description": "source address (default 192.168.1.1, with ipv6 fd00::1)"},
		"dst_ip": {"type": "ip", "description": "destination address (default 192.168.1.2, with ipv6 fd00::2)"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "TCP source port"},
		"dst_port": {"type": "integer", "default": 80, "min": 0, "max": 65535, "description": "TCP destination port"},
		"seq": {"type": "integer", "default": 1, "min": 0, "max": 4294967295, "description": "TCP sequence number"},
		"window": {"type": "integer", "default": 65535, "min": 0, "max": 65535, "description": "TCP window"},
		"mss": {"type": "integer", "default": 1460, "min": 0, "max": 65535,
			"description": "MSS option; 0 = no options (a 20-byte TCP header)"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"*": false
	}
});

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 4 };
	uint64_t sport, dport, seq, window, mss;
	bool v6;
	int rc;
	if ((rc = xdp_req_bool(req, "ipv6", false, &v6)))
		return rc;
	if (v6) {
		l3.version = 6;
		if ((rc = xdp_req_ipv6(req, "src_ip", "fd00::1", l3.src)) ||
		    (rc = xdp_req_ipv6(req, "dst_ip", "fd00::2", l3.dst)))
			return rc;
	} else if ((rc = xdp_req_ipv4(req, "src_ip", "192.168.1.1", l3.src)) ||
		   (rc = xdp_req_ipv4(req, "dst_ip", "192.168.1.2", l3.dst))) {
		return rc;
	}
	if ((rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 80, 0, 65535, &dport)) ||
	    (rc = xdp_req_range(req, "seq", 1, 0, UINT32_MAX, &seq)) ||
	    (rc = xdp_req_range(req, "window", 65535, 0, 65535, &window)) ||
	    (rc = xdp_req_range(req, "mss", 1460, 0, 65535, &mss)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, l2.dst)))
		return rc;
	xdp_tcp tcp = {
		.sport = (uint16_t)sport, .dport = (uint16_t)dport, .seq = (uint32_t)seq,
		.flags = XDP_TCP_SYN, .window = (uint16_t)window, .mss = (uint16_t)mss,
	};
	uint8_t frame[128];
	int len = xdp_build_tcp(frame, sizeof(frame), &l2, &l3, &tcp, NULL, 0);
	if (len < 0)
		return XDP_ERR_GENERATE;
	xdp_template *t = xdp_resp_add(resp, frame, (size_t)len);
	if (!t)
		return XDP_ERR_NOMEM;
	xdp_tmpl_tag(t, "tcp");
	xdp_tmpl_tag(t, "syn");
	xdp_tmpl_tag(t, v6 ? "ipv6" : "ipv4");
	return 0;
}
