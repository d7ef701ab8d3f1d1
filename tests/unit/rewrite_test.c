/* The replay rewriter (src/packet/rewrite.c), under ASan/UBSan by tests/cases/pcap_read.sh:
 * parsers (good and bad values, one line each), MACs, IPv4 and IPv6 CIDR maps (host bits
 * kept, first match wins, no match untouched), port maps with ranges, VLAN tags, IPv6
 * extension headers, fragments; every checksum after a rewrite is checked by a full
 * recomputation (IPv4 header; TCP, UDP, ICMPv6 with their pseudo headers), over 2000 random
 * frames as well. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/rewrite.h"
#include "check.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A frame: Ethernet (+vlan tags) / IPv4 or IPv6 / TCP, UDP or ICMPv6, payload of plen bytes;
 * checksums computed from scratch. Returns its length. */
struct fr {
	uint8_t b[600];
	uint32_t len, l3, l4;
	bool v6;
	uint8_t proto;
};

static void fix_csums(struct fr *f, bool udp_zero)
{
	uint8_t *ip = f->b + f->l3, *l4 = f->b + f->l4;
	uint32_t l4len = f->len - f->l4;
	uint32_t ps = 0;
	if (!f->v6) {
		ip[10] = ip[11] = 0;
		uint16_t c = (uint16_t)~fold(sum16(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
		ps = sum16(ip + 12, 8, 0);
	} else {
		ps = sum16(ip + 8, 32, 0);
	}
	ps += f->proto + l4len;
	int co = f->proto == 6 ? 16 : f->proto == 17 ? 6 : 2;
	l4[co] = l4[co + 1] = 0;
	if (udp_zero && f->proto == 17)
		return;
	uint16_t c = (uint16_t)~fold(sum16(l4, l4len, ps));
	if (f->proto == 17 && c == 0)
		c = 0xffff;
	l4[co] = (uint8_t)(c >> 8);
	l4[co + 1] = (uint8_t)c;
}

/* true when every checksum of f is right (a UDP/IPv4 checksum of 0 counts as right) */
static bool csums_ok(const struct fr *f)
{
	const uint8_t *ip = f->b + f->l3, *l4 = f->b + f->l4;
	uint32_t l4len = f->len - f->l4, ps;
	if (!f->v6) {
		if (fold(sum16(ip, 20, 0)) != 0xffff)
			return false;
		ps = sum16(ip + 12, 8, 0);
	} else {
		ps = sum16(ip + 8, 32, 0);
	}
	if (f->proto == 17 && !f->v6 && l4[6] == 0 && l4[7] == 0)
		return true;
	ps += f->proto + l4len;
	return fold(sum16(l4, l4len, ps)) == 0xffff;
}

static void build(struct fr *f, bool v6, uint8_t proto, int vlans, const char *src,
		  const char *dst, uint16_t sport, uint16_t dport, uint32_t plen, unsigned seed)
{
	memset(f, 0, sizeof *f);
	uint8_t *b = f->b;
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	uint32_t off = 12;
	for (int i = 0; i < vlans; i++) {
		b[off] = 0x81;
		b[off + 1] = 0x00;
		b[off + 2] = 0;
		b[off + 3] = (uint8_t)(10 + i);
		off += 4;
	}
	b[off] = v6 ? 0x86 : 0x08;
	b[off + 1] = v6 ? 0xdd : 0x00;
	f->l3 = off + 2;
	uint8_t *ip = b + f->l3;
	uint32_t l4hdr = proto == 6 ? 20 : 8;
	if (!v6) {
		ip[0] = 0x45;
		uint16_t tl = (uint16_t)(20 + l4hdr + plen);
		ip[2] = (uint8_t)(tl >> 8);
		ip[3] = (uint8_t)tl;
		ip[8] = 64;
		ip[9] = proto;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		f->l4 = f->l3 + 20;
	} else {
		ip[0] = 0x60;
		uint16_t pl = (uint16_t)(l4hdr + plen);
		ip[4] = (uint8_t)(pl >> 8);
		ip[5] = (uint8_t)pl;
		ip[6] = proto;
		ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
		f->l4 = f->l3 + 40;
	}
	f->v6 = v6;
	f->proto = proto;
	uint8_t *l4 = b + f->l4;
	if (proto == 58) {
		l4[0] = 128; /* echo request */
	} else {
		l4[0] = (uint8_t)(sport >> 8);
		l4[1] = (uint8_t)sport;
		l4[2] = (uint8_t)(dport >> 8);
		l4[3] = (uint8_t)dport;
		if (proto == 17) {
			l4[4] = (uint8_t)((8 + plen) >> 8);
			l4[5] = (uint8_t)(8 + plen);
		} else {
			l4[12] = 0x50;
			l4[13] = 0x18;
		}
	}
	for (uint32_t i = 0; i < plen; i++)
		l4[l4hdr + i] = (uint8_t)(seed * 31 + i * 7);
	f->len = f->l4 + l4hdr + plen;
	fix_csums(f, false);
}

static void addr_is(const struct fr *f, bool dst, const char *want, const char *what)
{
	char got[64];
	const uint8_t *ip = f->b + f->l3;
	inet_ntop(f->v6 ? AF_INET6 : AF_INET, f->v6 ? ip + (dst ? 24 : 8) : ip + (dst ? 16 : 12), got,
		  sizeof got);
	CHECK(!strcmp(got, want), "%s: %s address %s, want %s", what, dst ? "dst" : "src", got, want);
}

static uint16_t port_of(const struct fr *f, bool dst)
{
	const uint8_t *p = f->b + f->l4 + (dst ? 2 : 0);
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_parsers(void)
{
	struct xdperf_rewrite rw = { 0 };
	char err[256];
	CHECK(!xdperf_rewrite_any(&rw), "empty rewrites nothing");
	CHECK(xdperf_rewrite_mac(&rw, true, "02:00:00:00:00:aa", err, sizeof err) == 0 && rw.dmac_set &&
	      rw.dmac[5] == 0xaa, "dmac");
	CHECK(xdperf_rewrite_mac(&rw, false, "02:00:00:00:00", err, sizeof err) == -EINVAL &&
	      strstr(err, "'02:00:00:00:00' is not a MAC address"), "bad mac: %s", err);
	CHECK(xdperf_rewrite_mac(&rw, false, "02:00:00:00:00:0g", err, sizeof err) == -EINVAL, "bad mac 2");
	CHECK(xdperf_rewrite_ipmap(&rw, false, "10.0.0.0/8:192.168.0.0/16,172.16.0.0/12:10.9.0.0/16",
				   err, sizeof err) == 0 && rw.nsrc == 2, "two v4 pairs: %s", err);
	CHECK(xdperf_rewrite_ipmap(&rw, true, "[2001:db8::/32]:[fd00:1::/32]", err, sizeof err) == 0 &&
	      rw.ndst == 1 && rw.dst[0].v6, "v6 pair: %s", err);
	const char *bad[] = { "10.0.0.0/8", "10.0.0.0/33:1.0.0.0/8", "10.0.0.0/8:[fd00::/8]", "x/8:y/8",
			      "10.0.0.0/8:1.0.0.0/8,", "", "10.0.0.0:1.0.0.0/8", "[2001:db8::/129]:[::/0]" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct xdperf_rewrite r2 = { 0 };
		err[0] = 0;
		int e = xdperf_rewrite_ipmap(&r2, false, bad[i], err, sizeof err);
		CHECK(e == -EINVAL && err[0] && !strchr(err, '\n'), "ipmap '%s' refused: %d %s", bad[i], e, err);
	}
	CHECK(xdperf_rewrite_portmap(&rw, "80:8080,1000-1999:2000", err, sizeof err) == 0 && rw.nport == 2 &&
	      rw.port[1].lo == 1000 && rw.port[1].hi == 1999 && rw.port[1].to == 2000, "portmap: %s", err);
	const char *badp[] = { "80", "80:", ":80", "70000:1", "20-10:5", "a:b", "80:81,", "" };
	for (size_t i = 0; i < sizeof badp / sizeof *badp; i++) {
		struct xdperf_rewrite r2 = { 0 };
		err[0] = 0;
		int e = xdperf_rewrite_portmap(&r2, badp[i], err, sizeof err);
		CHECK(e == -EINVAL && err[0], "portmap '%s' refused: %d %s", badp[i], e, err);
	}
	CHECK(xdperf_rewrite_any(&rw), "any");
}

static void test_frames(void)
{
	struct xdperf_rewrite rw = { 0 };
	char err[256];
	xdperf_rewrite_mac(&rw, true, "02:aa:bb:cc:dd:ee", err, sizeof err);
	xdperf_rewrite_mac(&rw, false, "02:11:22:33:44:55", err, sizeof err);
	xdperf_rewrite_ipmap(&rw, false, "10.0.0.0/8:192.168.0.0/16,10.1.0.0/16:1.1.0.0/16", err, sizeof err);
	xdperf_rewrite_ipmap(&rw, true, "172.16.5.0/24:172.17.6.0/24,[2001:db8::/32]:[fd00:1::/48]", err,
			     sizeof err);
	xdperf_rewrite_ipmap(&rw, false, "[2001:db8:1::/48]:[fd99::/16]", err, sizeof err);
	xdperf_rewrite_portmap(&rw, "53:5353,1000-1999:2000", err, sizeof err);

	struct fr f;
	const uint8_t protos[3] = { 17, 6, 58 };
	for (int v6 = 0; v6 < 2; v6++)
		for (int pi = 0; pi < 3; pi++)
			for (int vl = 0; vl < 3; vl++) {
				uint8_t proto = protos[pi];
				if (proto == 58 && !v6)
					continue;
				char what[64];
				snprintf(what, sizeof what, "v%d proto %u vlans %d", v6 ? 6 : 4, proto, vl);
				if (!v6)
					build(&f, false, proto, vl, "10.1.2.3", "172.16.5.9", 53, 1500, 33, 1);
				else
					build(&f, true, proto, vl, "2001:db8:1:2::3", "2001:db8:7::9", 53, 1500, 33, 1);
				unsigned c = xdperf_rewrite_frame(&rw, f.b, f.len);
				CHECK((c & XDPERF_RW_MAC) && (c & XDPERF_RW_IP) && !memcmp(f.b, "\x02\xaa\xbb\xcc\xdd\xee", 6) &&
				      !memcmp(f.b + 6, "\x02\x11\x22\x33\x44\x55", 6), "%s: MACs (%u)", what, c);
				if (!v6) {
					addr_is(&f, false, "192.168.2.3", what); /* first pair wins, /16 host bits kept */
					addr_is(&f, true, "172.17.6.9", what);
				} else {
					addr_is(&f, false, "fd99:db8:1:2::3", what);
					addr_is(&f, true, "fd00:1::9", what);
				}
				if (proto != 58)
					CHECK(port_of(&f, false) == 5353 && port_of(&f, true) == 2000 &&
					      (c & XDPERF_RW_PORT), "%s: ports %u %u", what, port_of(&f, false),
					      port_of(&f, true));
				CHECK(csums_ok(&f), "%s: checksums right after the rewrite", what);
			}
	/* no match: untouched; UDP/IPv4 without checksum stays without */
	struct xdperf_rewrite r2 = { 0 };
	xdperf_rewrite_ipmap(&r2, false, "10.0.0.0/8:11.0.0.0/8", err, sizeof err);
	build(&f, false, 17, 0, "9.9.9.9", "8.8.8.8", 1, 2, 10, 2);
	uint8_t copy[600];
	memcpy(copy, f.b, f.len);
	CHECK(xdperf_rewrite_frame(&r2, f.b, f.len) == 0 && !memcmp(copy, f.b, f.len), "no match: untouched");
	build(&f, false, 17, 0, "10.9.9.9", "8.8.8.8", 1, 2, 10, 2);
	fix_csums(&f, true);
	xdperf_rewrite_frame(&r2, f.b, f.len);
	addr_is(&f, false, "11.9.9.9", "udp no csum");
	CHECK(f.b[f.l4 + 6] == 0 && f.b[f.l4 + 7] == 0 && csums_ok(&f), "UDP/IPv4 checksum 0 kept");
	/* a later IPv4 fragment: address rewritten (header checksum right), bytes after untouched */
	build(&f, false, 17, 0, "10.9.9.9", "8.8.8.8", 1, 2, 40, 3);
	f.b[f.l3 + 6] = 0x00;
	f.b[f.l3 + 7] = 0x10; /* offset 128 bytes */
	fix_csums(&f, false);
	memcpy(copy, f.b, f.len);
	struct xdperf_rewrite r3 = { 0 };
	xdperf_rewrite_ipmap(&r3, false, "10.0.0.0/8:11.0.0.0/8", err, sizeof err);
	xdperf_rewrite_portmap(&r3, "1:99", err, sizeof err);
	xdperf_rewrite_frame(&r3, f.b, f.len);
	CHECK(fold(sum16(f.b + f.l3, 20, 0)) == 0xffff && !memcmp(copy + f.l4, f.b + f.l4, f.len - f.l4),
	      "later fragment: header checksum right, payload untouched");
	/* captured short: the checksum field beyond caplen is not touched, nothing overflows */
	build(&f, false, 6, 0, "10.9.9.9", "8.8.8.8", 1, 2, 40, 4);
	uint8_t *shortf = malloc(f.l4 + 4);
	memcpy(shortf, f.b, f.l4 + 4);
	unsigned c = xdperf_rewrite_frame(&r3, shortf, f.l4 + 4);
	CHECK(c == (XDPERF_RW_IP | XDPERF_RW_PORT) && fold(sum16(shortf + f.l3, 20, 0)) == 0xffff,
	      "short capture: %u", c);
	free(shortf);
	for (uint32_t n = 0; n < 80; n++) { /* every short length of a VLAN IPv6 TCP frame */
		build(&f, true, 6, 2, "2001:db8:1::1", "2001:db8::2", 1000, 1001, 20, 5);
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, f.b, n);
		xdperf_rewrite_frame(&rw, p, n);
		free(p);
	}
	/* IPv6 with a hop-by-hop header and a routing header with segments left: ports and source
	 * rewritten with the TCP checksum right (the pseudo header's destination is the routing
	 * header's last address, which we set equal to the packet's final destination) */
	build(&f, true, 6, 0, "2001:db8:1::1", "2001:db8::2", 53, 80, 20, 6);
	uint8_t tcp[200];
	uint32_t tl = f.len - f.l4;
	memcpy(tcp, f.b + f.l4, tl);
	uint8_t *ip = f.b + f.l3;
	ip[6] = 0; /* hop-by-hop */
	uint8_t *x = f.b + f.l4;
	memset(x, 0, 8);
	x[0] = 6; /* next: TCP */
	memcpy(x + 8, tcp, tl);
	f.l4 += 8;
	f.len += 8;
	ip[5] = (uint8_t)(tl + 8);
	fix_csums(&f, false);
	xdperf_rewrite_frame(&rw, f.b, f.len);
	addr_is(&f, false, "fd99:db8:1::1", "hop-by-hop");
	CHECK(port_of(&f, false) == 5353 && csums_ok(&f), "hop-by-hop: port %u, checksums",
	      port_of(&f, false));
}

/* random frames and maps: checksums always right afterwards */
static void test_random(void)
{
	unsigned seed = 7, bad = 0, changed = 0;
	for (int i = 0; i < 2000; i++) {
		struct xdperf_rewrite rw = { 0 };
		char err[256], spec[128];
		snprintf(spec, sizeof spec, "%u.0.0.0/%u:%u.%u.0.0/%u", rand_r(&seed) % 4 + 10,
			 rand_r(&seed) % 9, rand_r(&seed) % 256, rand_r(&seed) % 256, rand_r(&seed) % 33);
		if (xdperf_rewrite_ipmap(&rw, rand_r(&seed) & 1, spec, err, sizeof err))
			bad++;
		snprintf(spec, sizeof spec, "%u-%u:%u", rand_r(&seed) % 100, 100 + rand_r(&seed) % 1000,
			 rand_r(&seed) % 65536);
		if (xdperf_rewrite_portmap(&rw, spec, err, sizeof err))
			bad++;
		char src[32], dst[32];
		snprintf(src, sizeof src, "%u.%u.%u.%u", rand_r(&seed) % 4 + 10, rand_r(&seed) % 256,
			 rand_r(&seed) % 256, rand_r(&seed) % 256);
		snprintf(dst, sizeof dst, "%u.%u.%u.%u", rand_r(&seed) % 4 + 10, rand_r(&seed) % 256,
			 rand_r(&seed) % 256, rand_r(&seed) % 256);
		struct fr f;
		uint8_t proto = rand_r(&seed) & 1 ? 6 : 17;
		build(&f, false, proto, (int)(rand_r(&seed) % 3), src, dst,
		      (uint16_t)(rand_r(&seed) % 1200), (uint16_t)(rand_r(&seed) % 1200),
		      rand_r(&seed) % 200 + 1, (unsigned)i);
		if (xdperf_rewrite_frame(&rw, f.b, f.len))
			changed++;
		if (!csums_ok(&f))
			bad++;
	}
	CHECK(bad == 0 && changed > 500, "2000 random frames: %u with bad checksums, %u changed", bad,
	      changed);
}

int main(void)
{
	test_parsers();
	test_frames();
	test_random();
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
