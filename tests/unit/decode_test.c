/* Unit test of src/packet/decode.c on hand-made frames: layer fields, valid and deliberately
 * corrupted checksums (IPv4 header, UDP/TCP/ICMPv6 with pseudo-headers, ICMP), VLAN tags,
 * truncated frames, and output truncation (built with ASan/UBSan by tests/cases/plugin_cmds.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/decode.h"

static int fails;
#define CHECK(c, ...) do { if (!(c)) { fails++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Independent RFC 1071 checksum (inverted) over a + b. */
static uint16_t csum2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint32_t s = 0;
	for (size_t i = 0; i < alen; i++)
		s += (i & 1) ? a[i] : (uint32_t)a[i] << 8;
	for (size_t i = 0; i < blen; i++)
		s += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static char out[4096];
static struct xdperf_decode_info info;

static void describe(const uint8_t *f, size_t len)
{
	size_t n = xdperf_frame_describe(f, len, "  ", out, sizeof out, &info);
	CHECK(n == strlen(out), "return value %zu != strlen %zu", n, strlen(out));
}

/* Ethernet + IPv4 (+ optional VLAN) + L4 of l4len bytes from l4; returns the frame length. */
static size_t ipv4_frame(uint8_t *f, int vlan, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	memset(f, 0, 1600);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	size_t o = 12;
	if (vlan) {
		put16(f + o, 0x8100);
		put16(f + o + 2, (3u << 13) | 100);
		o += 4;
	}
	put16(f + o, 0x0800);
	uint8_t *ip = f + o + 2;
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(20 + l4len));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	put16(ip + 10, csum2(ip, 20, NULL, 0));
	memcpy(ip + 20, l4, l4len);
	uint8_t *seg = ip + 20;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (unsigned)l4len);
	if (proto == 17)
		put16(seg + 6, csum2(ph, 12, seg, l4len));
	else if (proto == 6)
		put16(seg + 16, csum2(ph, 12, seg, l4len));
	else if (proto == 1)
		put16(seg + 2, csum2(seg, l4len, NULL, 0));
	return o + 2 + 20 + l4len;
}

int main(void)
{
	uint8_t f[1600], l4[200];

	/* IPv4 / UDP, 100-byte payload */
	memset(l4, 0, sizeof l4);
	put16(l4, 1234);
	put16(l4 + 2, 5678);
	put16(l4 + 4, 108);
	for (int i = 0; i < 100; i++)
		l4[8 + i] = (uint8_t)i;
	size_t n = ipv4_frame(f, 0, 17, l4, 108);
	describe(f, n);
	CHECK(strstr(out, "Ethernet  02:00:00:00:00:01 -> 02:00:00:00:00:02  type 0x0800 (IPv4)"), "eth: %s", out);
	CHECK(strstr(out, "IPv4      10.0.0.1 -> 10.0.0.2  proto 17 (UDP)  ttl 64  total length 128"), "ipv4: %s", out);
	CHECK(strstr(out, "UDP       1234 -> 5678  length 108  checksum 0x"), "udp: %s", out);
	CHECK(strstr(out, "Payload   100 bytes"), "payload: %s", out);
	CHECK(!strstr(out, "INVALID") && info.checksums_ok == 2 && info.checksums_bad == 0, "valid: %s", out);

	/* Ethernet padding after the IP packet is not part of the UDP checksum */
	describe(f, n + 20);
	CHECK(info.checksums_ok == 2 && info.checksums_bad == 0 && !info.truncated, "padding: %s", out);

	/* corrupted IPv4 header checksum */
	f[14 + 10] ^= 0x01;
	describe(f, n);
	CHECK(strstr(out, "total length 128  checksum 0x") && info.checksums_bad == 1, "bad ip csum: %s", out);
	CHECK(strstr(out, "INVALID\n  UDP"), "the IPv4 line says INVALID: %s", out);
	f[14 + 10] ^= 0x01;

	/* corrupted payload -> UDP checksum INVALID, IPv4 still valid */
	f[14 + 20 + 50] ^= 0xff;
	describe(f, n);
	CHECK(info.checksums_bad == 1 && info.checksums_ok == 1, "bad udp csum: %s", out);
	CHECK(strstr(out, "UDP       1234 -> 5678") && strstr(strstr(out, "UDP       "), "INVALID"), "udp INVALID: %s", out);
	f[14 + 20 + 50] ^= 0xff;

	/* UDP checksum 0 over IPv4 = not computed */
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	describe(f, n);
	CHECK(strstr(out, "checksum 0x0000 (none)") && info.checksums_bad == 0, "udp none: %s", out);

	/* truncated: frame cut inside the UDP payload */
	n = ipv4_frame(f, 0, 17, l4, 108);
	describe(f, 60);
	CHECK(info.truncated && strstr(out, "truncated") && strstr(out, "(not checked)"), "truncated: %s", out);
	describe(f, 20);
	CHECK(info.truncated && strstr(out, "IPv4      truncated: needs 20 bytes, 6 in the frame"), "short: %s", out);
	describe(f, 5);
	CHECK(info.truncated && strstr(out, "Ethernet  truncated"), "tiny: %s", out);

	/* small output buffer: truncated text, full length returned, NUL-terminated */
	char small[32];
	size_t need = xdperf_frame_describe(f, n, NULL, small, sizeof small, NULL);
	CHECK(need > sizeof small && strlen(small) == sizeof small - 1, "small buffer: need %zu", need);

	/* VLAN + TCP SYN with 4 payload bytes */
	memset(l4, 0, sizeof l4);
	put16(l4, 40000);
	put16(l4 + 2, 80);
	l4[4] = 0x12; l4[7] = 0x34; /* seq 0x12000034 */
	l4[12] = 5 << 4;
	l4[13] = 0x02;
	put16(l4 + 14, 29200);
	memcpy(l4 + 20, "abcd", 4);
	n = ipv4_frame(f, 1, 6, l4, 24);
	describe(f, n);
	CHECK(strstr(out, "type 0x8100 (802.1Q)") && strstr(out, "VLAN      id 100  priority 3  type 0x0800 (IPv4)"), "vlan: %s", out);
	CHECK(strstr(out, "TCP       40000 -> 80  seq 301989940  ack 0  flags SYN  window 29200  checksum 0x"), "tcp: %s", out);
	CHECK(info.checksums_ok == 2 && !info.checksums_bad && strstr(out, "Payload   4 bytes"), "tcp valid: %s", out);
	f[18 + 20 + 13] = 0x12; /* SYN,ACK without fixing the checksum */
	describe(f, n);
	CHECK(strstr(out, "flags SYN,ACK") && info.checksums_bad == 1, "tcp bad: %s", out);

	/* ICMP echo request */
	memset(l4, 0, sizeof l4);
	l4[0] = 8;
	memcpy(l4 + 8, "ping", 4);
	n = ipv4_frame(f, 0, 1, l4, 12);
	describe(f, n);
	CHECK(strstr(out, "ICMP      type 8  code 0  checksum 0x") && info.checksums_ok == 2 && !info.checksums_bad, "icmp: %s", out);
	f[n - 1] ^= 1;
	describe(f, n);
	CHECK(info.checksums_bad == 1, "icmp bad: %s", out);

	/* IPv6 / ICMPv6 echo request (pseudo-header checksum) */
	memset(f, 0, sizeof f);
	put16(f + 12, 0x86dd);
	uint8_t *ip6 = f + 14;
	ip6[0] = 0x60;
	put16(ip6 + 4, 8);
	ip6[6] = 58;
	ip6[7] = 255;
	ip6[8] = 0xfe; ip6[9] = 0x80; ip6[23] = 1;
	ip6[24] = 0xfe; ip6[25] = 0x80; ip6[39] = 2;
	uint8_t *ic = ip6 + 40;
	ic[0] = 128;
	uint8_t ph[40];
	memcpy(ph, ip6 + 8, 32);
	memset(ph + 32, 0, 8);
	ph[35] = 8;
	ph[39] = 58;
	put16(ic + 2, csum2(ph, 40, ic, 8));
	describe(f, 14 + 48);
	CHECK(strstr(out, "IPv6      fe80::1 -> fe80::2  next header 58 (ICMPv6)  hop limit 255  payload length 8"), "ipv6: %s", out);
	CHECK(strstr(out, "ICMPv6    type 128  code 0") && info.checksums_ok == 1 && !info.checksums_bad, "icmpv6: %s", out);
	ip6[39] = 3; /* other destination: pseudo-header changes */
	describe(f, 14 + 48);
	CHECK(info.checksums_bad == 1 && strstr(out, "INVALID"), "icmpv6 pseudo-header: %s", out);

	/* IPv6 / UDP with zero checksum is INVALID */
	ip6[6] = 17;
	memset(ic, 0, 8);
	put16(ic + 4, 8);
	describe(f, 14 + 48);
	CHECK(strstr(out, "UDP       0 -> 0  length 8  checksum 0x0000 INVALID"), "ipv6 udp zero: %s", out);

	/* random bytes never crash */
	srand(1);
	for (int k = 0; k < 20000; k++) {
		size_t len = (size_t)(rand() % 120);
		for (size_t i = 0; i < len; i++)
			f[i] = (uint8_t)rand();
		if (k & 1)
			put16(f + 12, k & 2 ? 0x0800 : 0x86dd);
		if (len > 14 && (k & 4))
			f[14] = k & 2 ? 0x45 : 0x60;
		xdperf_frame_describe(f, len, "", out, (size_t)(rand() % 300), NULL);
	}

	printf("%s\n", fails ? "decode_test: FAILED" : "decode_test: all checks passed");
	return fails ? 1 : 0;
}
