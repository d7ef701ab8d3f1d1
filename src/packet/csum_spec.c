/* Positioned checksums from the Go xdperf's checksum specs: see csum_spec.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include "packet/csum_spec.h"
#include "util/bytes.h"
#include "util/err.h"

static int get_num(const json_t *obj, const char *key, const char *path, bool required, uint64_t *v,
		   char *err, size_t errlen)
{
	json_t *x = json_object_get(obj, key);
	*v = 0;
	if (!x || json_is_null(x)) {
		if (!required)
			return 0;
		xdperf_errf(err, errlen, "%s.%s: missing", path, key);
		return -EINVAL;
	}
	if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 65535) {
		xdperf_errf(err, errlen, "%s.%s: expected an integer 0..65535", path, key);
		return -EINVAL;
	}
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

int xdperf_csum_spec_json(const json_t *cj, const char *path, const uint8_t *f, size_t len,
			  struct xdperf_csum_spec *sp, char *err, size_t errlen)
{
	if (!json_is_object(cj)) {
		xdperf_errf(err, errlen, "%s: expected an object", path);
		return -EINVAL;
	}
	uint64_t off, hs, hl, ip;
	int rc = get_num(cj, "checksum_offset", path, true, &off, err, errlen);
	if (!rc)
		rc = get_num(cj, "header_start", path, true, &hs, err, errlen);
	if (!rc)
		rc = get_num(cj, "header_len", path, false, &hl, err, errlen);
	if (!rc)
		rc = get_num(cj, "ip_header_offset", path, true, &ip, err, errlen);
	if (rc)
		return rc;
	return xdperf_csum_spec_locate(f, len, off, hs, hl, ip, sp, path, err, errlen);
}

int xdperf_csum_spec_locate(const uint8_t *f, size_t len, uint64_t off, uint64_t hs, uint64_t hl,
			    uint64_t ip, struct xdperf_csum_spec *sp, const char *path, char *err,
			    size_t errlen)
{
	if (off + 2 > len || hs > len || hl > len || ip >= len) {
		xdperf_errf(err, errlen, "%s: offsets past the end of the %zu-byte frame", path, len);
		return -EINVAL;
	}
	memset(sp, 0, sizeof *sp);
	sp->off = (uint16_t)off;
	sp->start = (uint16_t)hs;
	unsigned ver = f[ip] >> 4;
	size_t ip_end;
	uint8_t proto;
	if (ver == 4 && ip + 20 <= len) {
		size_t ihl = (f[ip] & 15u) * 4u;
		ip_end = ip + get_be16(f + ip + 2);
		proto = f[ip + 9];
		if (off == ip + 10) {
			sp->len = (uint16_t)(hl ? hl : ihl);
			if (hs + sp->len > len) {
				xdperf_errf(err, errlen, "%s: the IPv4 header runs past the frame", path);
				return -EINVAL;
			}
			return 0;
		}
		sp->src = (uint16_t)(ip + 12);
		sp->dst = (uint16_t)(ip + 16);
		sp->alen = 4;
	} else if (ver == 6 && ip + 40 <= len) {
		ip_end = ip + 40 + get_be16(f + ip + 4);
		sp->src = (uint16_t)(ip + 8);
		sp->dst = (uint16_t)(ip + 24);
		sp->alen = 16;
		proto = f[ip + 6];
		size_t p = ip + 40;
		while (p < hs && (proto == 0 || proto == 43 || proto == 60)) {
			if (p + 8 > len) {
				xdperf_errf(err, errlen, "%s: an IPv6 extension header runs past the frame", path);
				return -EINVAL;
			}
			if (proto == 43 && f[p + 2] == 4 && f[p + 3] > 0) {
				if (p + 24 > len) {
					xdperf_errf(err, errlen, "%s: the SRH's segment list runs past the frame", path);
					return -EINVAL;
				}
				sp->dst = (uint16_t)(p + 8); /* Segment List[0], the final segment */
			}
			proto = f[p];
			p += (f[p + 1] + 1u) * 8u;
		}
		if (proto == 44) {
			xdperf_errf(err, errlen, "%s: the packet is an IPv6 fragment", path);
			return -EINVAL;
		}
	} else {
		xdperf_errf(err, errlen, "%s: no IPv4 or IPv6 header at ip_header_offset %" PRIu64, path, ip);
		return -EINVAL;
	}
	if (!hl) {
		if (ip_end <= hs || ip_end > len) {
			xdperf_errf(err, errlen, "%s: the IP packet at %" PRIu64 " ends at %zu, not after "
				    "header_start %" PRIu64 " within the frame", path, ip, ip_end, hs);
			return -EINVAL;
		}
		hl = ip_end - hs;
	}
	if (hs + hl > len) {
		xdperf_errf(err, errlen, "%s: header_start + header_len %" PRIu64 " is past the %zu-byte frame",
			    path, hs + hl, len);
		return -EINVAL;
	}
	sp->len = (uint16_t)hl;
	sp->proto = proto;
	if (proto == 1)
		sp->alen = 0;
	sp->nonzero = proto == 17;
	return 0;
}

