/* Measurement stamps in user space: trailer placement, writing (same bytes as the XDP
 * program, through the shared arithmetic of src/bpf/xdperf_stamp.h) and reading. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "packet/layers.h"
#include "packet/stamp.h"
#include "bpf/xdperf_fe_step.h"
#include "bpf/xdperf_stamp.h"
#include "util/bytes.h"
#include "util/err.h"

bool xdperf_udp_find(const uint8_t *f, size_t len, uint32_t *udp_off, uint32_t *udp_len,
		     bool *ipv6)
{
	struct xdperf_layers ly;
	xdperf_frame_layers(f, len, &ly);
	/* whole datagrams; IPv6 without extension headers, as the XDP server parses them */
	if (!ly.ipv || ly.proto != 17 || ly.fragment || !ly.l4 ||
	    (ly.ipv == 6 && ly.l4 != ly.l3 + 40u) || len < (size_t)ly.l4 + 8)
		return false;
	uint32_t ul = get_be16(f + ly.l4 + 4);
	if (ul < 8 || (size_t)ly.l4 + ul > len)
		return false;
	*udp_off = ly.l4;
	*udp_len = ul;
	*ipv6 = ly.ipv == 6;
	return true;
}

int xdperf_stamp_locate(const uint8_t *frame, size_t len, struct xdperf_bpf_stamp *at,
			char *err, size_t errlen)
{
	uint32_t uo, ul;
	bool v6;
	if (!xdperf_udp_find(frame, len, &uo, &ul, &v6)) {
		xdperf_errf(err, errlen, "not a UDP datagram over IPv4/IPv6 that the frame holds whole "
			    "(--stamp writes its trailer into the UDP payload)");
		return -EINVAL;
	}
	if (ul < 8 + XDPERF_STAMP_LEN) {
		xdperf_errf(err, errlen, "UDP payload of %u bytes, the stamp trailer needs %d",
			    ul - 8, XDPERF_STAMP_LEN);
		return -EINVAL;
	}
	memset(at, 0, sizeof *at);
	at->off = (uint16_t)(uo + ul - XDPERF_STAMP_LEN);
	at->csum_off = (uint16_t)(uo + 6);
	/* a zero checksum over IPv4 means "none": leave it so */
	if (get_be16(frame + uo + 6) != 0)
		at->flags |= XDPERF_BPF_ST_CSUM;
	if ((at->off - uo) & 1)
		at->flags |= XDPERF_BPF_ST_ODD;
	return 0;
}

static uint32_t sum_now(const uint8_t *frame, const struct xdperf_bpf_stamp *at)
{
	const uint8_t *p = frame + at->off;
	return xdperf_stamp_sum(get_be32(p), get_be32(p + 4), get_be32(p + 8), get_be64(p + 12),
				get_be64(p + 20), at->flags & XDPERF_BPF_ST_ODD);
}

static void fix_csum(uint8_t *frame, const struct xdperf_bpf_stamp *at, uint32_t old_sum,
		     uint32_t new_sum)
{
	if (at->flags & XDPERF_BPF_ST_CSUM)
		put_be16(frame + at->csum_off,
			 xdperf_stamp_csum(get_be16(frame + at->csum_off), old_sum, new_sum));
}

void xdperf_stamp_clear(uint8_t *frame, const struct xdperf_bpf_stamp *at)
{
	fix_csum(frame, at, sum_now(frame, at), 0);
	memset(frame + at->off, 0, XDPERF_STAMP_LEN);
}

void xdperf_stamp_write(uint8_t *frame, const struct xdperf_bpf_stamp *at, uint32_t run,
			uint32_t stream, uint64_t seq, uint64_t tx_ns)
{
	uint32_t old = sum_now(frame, at);
	uint8_t *p = frame + at->off;
	put_be32(p, XDPERF_STAMP_MAGIC);
	put_be32(p + 4, run);
	put_be32(p + 8, stream);
	put_be64(p + 12, seq);
	put_be64(p + 20, tx_ns);
	fix_csum(frame, at, old,
		 xdperf_stamp_sum(XDPERF_STAMP_MAGIC, run, stream, seq, tx_ns,
				  at->flags & XDPERF_BPF_ST_ODD));
}

bool xdperf_stamp_read(const uint8_t *frame, size_t len, struct xdperf_stamp *out)
{
	uint32_t uo, ul;
	bool v6;
	if (!xdperf_udp_find(frame, len, &uo, &ul, &v6) || ul < 8 + XDPERF_STAMP_LEN_V1)
		return false;
	const uint8_t *end = frame + uo + ul;
	if (ul >= 8 + XDPERF_STAMP_LEN && get_be32(end - XDPERF_STAMP_LEN) == XDPERF_STAMP_MAGIC) {
		const uint8_t *p = end - XDPERF_STAMP_LEN;
		out->version = 2;
		out->run = get_be32(p + 4);
		out->stream = get_be32(p + 8);
		out->seq = get_be64(p + 12);
		out->tx_ns = get_be64(p + 20);
		return true;
	}
	const uint8_t *p = end - XDPERF_STAMP_LEN_V1;
	if (get_be32(p) != XDPERF_STAMP_MAGIC_V1)
		return false;
	out->version = 1;
	out->run = 0;
	out->stream = get_be32(p + 4);
	out->seq = get_be64(p + 8);
	out->tx_ns = get_be64(p + 16);
	return true;
}

uint32_t xdperf_stamp_new_run(void)
{
	uint32_t r = 0;
	while (r == 0)
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r = (uint32_t)xdperf_stamp_now() ^ (uint32_t)getpid() << 16;
	return r;
}

uint64_t xdperf_stamp_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_TAI, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
