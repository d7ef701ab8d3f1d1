/* imix: the classic simple IMIX as three IPv4/UDP templates with frame lengths 64, 576 and
 * 1500 bytes (Ethernet header included, FCS excluded) and weights 7:4:1.
 * Fields (defaults): src_ip "192.168.1.1", dst_ip "192.168.1.2", src_port 1234,
 * dst_port 5678, src_mac (device_mac_addr), dst_mac (ff:ff:ff:ff:ff:ff).
 * The request's count is split by weight (the remainder goes to the 64-byte template). Every
 * template's metadata carries
 *   "imix": {"patterns": [{"size":64,"weight":7,"template":0}, {"size":576,...}, ...]}. */
#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "simple IMIX: IPv4/UDP frames of 64, 576 and 1500 bytes weighted 7:4:1",
	"keys": {
		"src_ip": {"type": "ipv4", "default": "192.168.1.1", "description": "source address"},
		"dst_ip": {"type": "ipv4", "default": "192.168.1.2", "description": "destination address"},
		"src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "UDP source port"},
		"dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP destination port"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"*": false
	}
});

static const struct { uint16_t size, weight; } mix[3] = { { 64, 7 }, { 576, 4 }, { 1500, 1 } };

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 4 };
	uint64_t sport, dport;
	int rc;
	if ((rc = xdp_req_ipv4(req, "src_ip", "192.168.1.1", l3.src)) ||
	    (rc = xdp_req_ipv4(req, "dst_ip", "192.168.1.2", l3.dst)) ||
	    (rc = xdp_req_range(req, "src_port", 1234, 0, 65535, &sport)) ||
	    (rc = xdp_req_range(req, "dst_port", 5678, 0, 65535, &dport)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, l2.dst)))
		return rc;

	uint64_t total_w = 0, assigned = 0;
	for (int i = 0; i < 3; i++)
		total_w += mix[i].weight;
	for (int i = 0; i < 3; i++) {
		size_t plen = mix[i].size - (XDP_ETH_HLEN + XDP_IPV4_HLEN + XDP_UDP_HLEN);
		l3.id = (uint16_t)i;
		xdp_template *t = xdp_resp_add_udp(resp, &l2, &l3, (uint16_t)sport, (uint16_t)dport, plen, &rc);
		if (!t)
			return rc;
		if (t->len != (size_t)mix[i].size)
			return XDP_ERR_GENERATE;
		/* count * weight / total without overflow */
		uint64_t c = req->count / total_w * mix[i].weight +
			     req->count % total_w * mix[i].weight / total_w;
		t->packet_count = c;
		assigned += c;
		xdp_tmpl_tag(t, "imix");
		xdp_tmpl_tag(t, i == 0 ? "imix-small" : i == 1 ? "imix-medium" : "imix-large");
	}
	resp->templates[0].packet_count += req->count - assigned;
	xdp_imix patterns = { .n = 3 };
	for (int i = 0; i < 3; i++) {
		patterns.size[i] = mix[i].size;
		patterns.weight[i] = mix[i].weight;
	}
	return xdp_resp_imix(resp, &patterns);
}
