/* Example WASI program for `make demo`: builds the Ethernet/IPv4/UDP frame of the simpleudp
 * generator (192.168.1.1:1234 -> 192.168.1.2:5678, 1024-byte payload, byte i = i % 256),
 * fills in the IPv4 and UDP checksums and prints the headers. Compiled to wasm32-wasi and run
 * by xdperf's own WebAssembly engine: `xdperf wasm run udp_frame.wasm`. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAYLOAD 1024

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

int main(void)
{
	static uint8_t f[14 + 20 + 8 + PAYLOAD];
	const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 }, src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	const uint8_t src_ip[4] = { 192, 168, 1, 1 }, dst_ip[4] = { 192, 168, 1, 2 };
	uint8_t *eth = f, *ip = f + 14, *udp = ip + 20, *pl = udp + 8;

	memcpy(eth, dst_mac, 6);
	memcpy(eth + 6, src_mac, 6);
	put16(eth + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + PAYLOAD);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src_ip, 4);
	memcpy(ip + 16, dst_ip, 4);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(udp, 1234);
	put16(udp + 2, 5678);
	put16(udp + 4, 8 + PAYLOAD);
	for (int i = 0; i < PAYLOAD; i++)
		pl[i] = (uint8_t)(i % 256);
	uint32_t acc = sum16(ip + 12, 8, 17 + 8 + PAYLOAD); /* pseudo-header */
	uint16_t ck = fold(sum16(udp, 8 + PAYLOAD, acc));
	put16(udp + 6, ck ? ck : 0xffff);

	printf("frame: %zu bytes\n", sizeof f);
	printf("  ethernet %02x:%02x:%02x:%02x:%02x:%02x -> %02x:%02x:%02x:%02x:%02x:%02x type 0x0800\n",
	       src_mac[0], src_mac[1], src_mac[2], src_mac[3], src_mac[4], src_mac[5], dst_mac[0],
	       dst_mac[1], dst_mac[2], dst_mac[3], dst_mac[4], dst_mac[5]);
	printf("  ipv4 %u.%u.%u.%u -> %u.%u.%u.%u len %u ttl %u checksum 0x%02x%02x (verifies: %s)\n",
	       src_ip[0], src_ip[1], src_ip[2], src_ip[3], dst_ip[0], dst_ip[1], dst_ip[2], dst_ip[3],
	       20 + 8 + PAYLOAD, ip[8], ip[10], ip[11], fold(sum16(ip, 20, 0)) == 0 ? "yes" : "no");
	printf("  udp 1234 -> 5678 len %u checksum 0x%04x (verifies: %s)\n", 8 + PAYLOAD, ck,
	       fold(sum16(udp, 8 + PAYLOAD, acc)) == 0 ? "yes" : "no");
	printf("  payload %d bytes: %02x %02x %02x %02x ... %02x\n", PAYLOAD, pl[0], pl[1], pl[2],
	       pl[3], pl[PAYLOAD - 1]);
	return 0;
}
