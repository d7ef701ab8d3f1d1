/* udpflows: one IPv4/UDP template per flow, the cross product of
 *   src_ip, dst_ip    "10.0.0.1" or a range "10.0.0.1-10.0.0.4" (defaults 192.168.1.1 / .2)
 *   src_ports, dst_ports  a port or a range: 1000, "1000", "1000-1003" (defaults 1234 / 5678)
 * in the order src_ip, dst_ip, src_port, dst_port (dst_port varies fastest), truncated to
 * `flows` templates (default and maximum 2048). Also: payload_size (default 64, payload byte
 * i = i % 256), src_mac (default device_mac_addr), dst_mac (default ff:ff:ff:ff:ff:ff).
 * The request's count is split evenly over the flows (the first flows get the remainder). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdperf_plugin.h"

XDP_PLUGIN_CONFIG({
	"description": "one IPv4/UDP template per flow, the cross product of address and port ranges",
	"keys": {
		"src_ip": {"type": "string", "default": "192.168.1.1", "description": "IPv4 source: an address or a range A-B"},
		"dst_ip": {"type": "string", "default": "192.168.1.2", "description": "IPv4 destination: an address or a range A-B"},
		"src_ports": {"type": "integer|string", "default": 1234, "min": 0, "max": 65535,
			      "description": "UDP source port: a port (number or string) or a range A-B"},
		"dst_ports": {"type": "integer|string", "default": 5678, "min": 0, "max": 65535,
			      "description": "UDP destination port: a port (number or string) or a range A-B"},
		"flows": {"type": "integer", "default": 2048, "min": 1, "max": 2048,
			  "description": "at most this many flows (templates)"},
		"payload_size": {"type": "integer", "default": 64, "min": 0, "max": 1472,
				 "description": "UDP payload bytes (byte i = i % 256)"},
		"src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
		"dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
		"*": false
	}
});

#define MAX_FLOWS 2048

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t sip_lo, sip_hi, dip_lo, dip_hi, sp_lo, sp_hi, dp_lo, dp_hi;
	uint64_t maxflows, psize;
	xdp_l2 l2 = { .vlan_id = -1 };
	int rc;
	if ((rc = xdp_req_ipv4_range(req, "src_ip", "192.168.1.1", &sip_lo, &sip_hi)) ||
	    (rc = xdp_req_ipv4_range(req, "dst_ip", "192.168.1.2", &dip_lo, &dip_hi)) ||
	    (rc = xdp_req_port_range(req, "src_ports", "1234", &sp_lo, &sp_hi)) ||
	    (rc = xdp_req_port_range(req, "dst_ports", "5678", &dp_lo, &dp_hi)) ||
	    (rc = xdp_req_range(req, "flows", MAX_FLOWS, 1, MAX_FLOWS, &maxflows)) ||
	    (rc = xdp_req_range(req, "payload_size", 64, 0, 1472, &psize)) ||
	    (rc = xdp_req_mac(req, "src_mac", req->device_mac, l2.src)) ||
	    (rc = xdp_req_mac(req, "dst_mac", broadcast, l2.dst)))
		return rc;

	uint64_t nsip = (uint64_t)sip_hi - sip_lo + 1, ndip = (uint64_t)dip_hi - dip_lo + 1;
	uint64_t nsp = (uint64_t)sp_hi - sp_lo + 1, ndp = (uint64_t)dp_hi - dp_lo + 1;
	/* total flows, saturating at maxflows */
	uint64_t total = 1;
	uint64_t dims[4] = { nsip, ndip, nsp, ndp };
	for (int i = 0; i < 4; i++)
		total = total * dims[i] > maxflows ? maxflows : total * dims[i]; /* <= 2^43 */

	for (uint64_t f = 0; f < total; f++) {
		uint64_t r = f;
		uint32_t dp = dp_lo + (uint32_t)(r % ndp);
		r /= ndp;
		uint32_t sp = sp_lo + (uint32_t)(r % nsp);
		r /= nsp;
		uint32_t dip = dip_lo + (uint32_t)(r % ndip);
		r /= ndip;
		uint32_t sip = sip_lo + (uint32_t)(r % nsip);
		xdp_l3 l3 = { .version = 4, .id = (uint16_t)f };
		for (int k = 0; k < 4; k++) {
			l3.src[k] = (uint8_t)(sip >> (24 - 8 * k));
			l3.dst[k] = (uint8_t)(dip >> (24 - 8 * k));
		}
		xdp_template *t = xdp_resp_add_udp(resp, &l2, &l3, (uint16_t)sp, (uint16_t)dp, psize, &rc);
		if (!t)
			return rc;
		t->packet_count = req->count / total + (f < req->count % total ? 1 : 0);
		xdp_tmpl_tag(t, "udp");
		xdp_tmpl_tag(t, "flow");
	}
	xdp_log(XDP_LOG_INFO, "udpflows: %llu flows", (unsigned long long)total);
	return 0;
}
