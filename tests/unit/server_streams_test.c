/* Unit test of the server's stamp analysis (src/server/streams.c, hist.c), the report's JSON
 * round trip (report_json.c) and the stamp trailer in user space (src/packet/stamp.c):
 * in-order streams, gaps, duplicates, late arrivals inside and beyond the window, several
 * streams, two runs of the same streams kept apart (no false duplicates) and summed per run,
 * the stream limit, latency quantiles against exact sorted values, negative latencies,
 * clearing; trailer writes that keep the UDP checksum right (IPv4 odd and even offsets, IPv6,
 * no-checksum IPv4), reads that ignore Ethernet padding, and version 1 trailers (no run)
 * still read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "packet/decode.h"
#include "packet/stamp.h"
#include "server/hist.h"
#include "server/streams.h"
#include "util/bytes.h"
#include "xdperf/server.h"

static struct xdperf_server_report *report(struct srv_streams *s)
{
	struct xdperf_server_report *r = calloc(1, sizeof *r);
	if (!r || srv_streams_report(s, r))
		abort();
	return r;
}

static const struct xdperf_stream_report *stream(const struct xdperf_server_report *r, uint32_t id)
{
	for (size_t i = 0; i < r->nstreams; i++)
		if (r->streams[i].stream == id)
			return &r->streams[i];
	return NULL;
}

static void test_sequences(void)
{
	struct srv_streams *s = srv_streams_new();
	/* stream 1: 0..999 in order */
	for (uint64_t q = 0; q < 1000; q++)
		srv_streams_add(s, 7, 1, q, 1000, 2000);
	/* stream 2: 0..99 without 10, 20..29; 50 twice; 60 after 61 */
	for (uint64_t q = 0; q < 100; q++) {
		if (q == 10 || (q >= 20 && q < 30) || q == 60)
			continue;
		srv_streams_add(s, 7, 2, q, 0, 5);
		if (q == 50)
			srv_streams_add(s, 7, 2, q, 0, 5);
		if (q == 61)
			srv_streams_add(s, 7, 2, 60, 0, 5);
	}
	/* stream 3: a late arrival beyond the window, and a jump larger than the window */
	srv_streams_add(s, 7, 3, 0, 0, 1);
	srv_streams_add(s, 7, 3, 20000, 0, 1);
	srv_streams_add(s, 7, 3, 5, 0, 1);      /* 19995 behind: beyond the window */
	srv_streams_add(s, 7, 3, 19999, 0, 1);  /* inside: late */
	srv_streams_add(s, 7, 3, 19999, 0, 1);  /* duplicate */
	struct xdperf_server_report *r = report(s);
	CHECK(r->nstreams == 3, "3 streams, got %zu", r->nstreams);
	const struct xdperf_stream_report *a = stream(r, 1), *b = stream(r, 2), *c = stream(r, 3);
	CHECK(a && a->received == 1000 && a->unique == 1000 && a->lost == 0 && a->duplicated == 0 &&
	      a->reordered == 0 && a->first_seq == 0 && a->last_seq == 999,
	      "stream 1 in order: received %llu lost %llu", a ? (unsigned long long)a->received : 0,
	      a ? (unsigned long long)a->lost : 0);
	CHECK(b && b->received == 90 && b->unique == 89 && b->lost == 11 && b->duplicated == 1 &&
	      b->reordered == 1, "stream 2: received %llu unique %llu lost %llu dup %llu reord %llu",
	      b ? (unsigned long long)b->received : 0, b ? (unsigned long long)b->unique : 0,
	      b ? (unsigned long long)b->lost : 0, b ? (unsigned long long)b->duplicated : 0,
	      b ? (unsigned long long)b->reordered : 0);
	CHECK(c && c->received == 5 && c->unique == 4 && c->duplicated == 1 && c->reordered == 2 &&
	      c->lost == 20001 - 4, "stream 3: received %llu unique %llu dup %llu reord %llu lost %llu",
	      c ? (unsigned long long)c->received : 0, c ? (unsigned long long)c->unique : 0,
	      c ? (unsigned long long)c->duplicated : 0, c ? (unsigned long long)c->reordered : 0,
	      c ? (unsigned long long)c->lost : 0);
	CHECK(srv_streams_distinct(s) == r->total.unique, "running distinct count %llu = %llu",
	      (unsigned long long)srv_streams_distinct(s), (unsigned long long)r->total.unique);
	CHECK(r->total.received == 1095 && r->total.unique == 1093 && r->total.lost == 11 + 19997 &&
	      r->total.duplicated == 2 && r->total.reordered == 3, "totals");
	CHECK(a && a->latency.min_ns == 1000 && a->latency.max_ns == 1000 && a->latency.p50_ns == 1000,
	      "stream 1 latency exactly 1000 ns: min %llu p50 %llu", a ? (unsigned long long)a->latency.min_ns : 0,
	      a ? (unsigned long long)a->latency.p50_ns : 0);
	/* JSON round trip */
	char *txt = xdperf_server_report_json(r);
	struct xdperf_server_report *back = NULL;
	char err[256];
	CHECK(txt && xdperf_server_report_parse(txt, &back, err, sizeof err) == 0, "report parses back");
	if (back) {
		CHECK(back->nstreams == 3 && back->total.lost == r->total.lost &&
		      back->streams[1].duplicated == r->streams[1].duplicated &&
		      back->total.latency.p99_ns == r->total.latency.p99_ns,
		      "round trip keeps the figures");
		xdperf_server_report_free(back);
	}
	free(txt);
	CHECK(xdperf_server_report_parse("[1]", &back, err, sizeof err) != 0 &&
	      strstr(err, "not a report"), "a non-report is refused: %s", err);
	xdperf_server_report_free(r);
	srv_streams_clear(s);
	r = report(s);
	CHECK(r->nstreams == 0 && r->total.received == 0 && r->total.latency.count == 0 &&
	      srv_streams_distinct(s) == 0, "cleared");
	xdperf_server_report_free(r);
	srv_streams_free(s);
}

/* Two generator runs send the same streams (same ids, sequence numbers from 0 each): they are
 * kept apart, with nothing counted twice; the report lists both runs with their sums. */
static void test_runs(void)
{
	struct srv_streams *s = srv_streams_new();
	for (uint32_t run = 0xa1; run <= 0xa2; run++)
		for (uint32_t id = 0; id < 3; id++)
			for (uint64_t q = 0; q < 1000; q++)
				if (!(run == 0xa2 && id == 2 && q % 10 == 0)) /* run 2 loses 100 */
					srv_streams_add(s, run, id, q, 10, 20);
	struct xdperf_server_report *r = report(s);
	CHECK(r->nstreams == 6 && r->total.duplicated == 0 && r->total.reordered == 0,
	      "two runs of 3 streams: %zu streams, %llu duplicated", r->nstreams,
	      (unsigned long long)r->total.duplicated);
	CHECK(r->nruns == 2 && r->runs[0].run == 0xa1 && r->runs[1].run == 0xa2 &&
	      r->runs[0].nstreams == 3 && r->runs[0].unique == 3000 && r->runs[0].lost == 0 &&
	      r->runs[1].unique == 2900 && r->runs[1].lost == 99,
	      "runs listed and summed: %zu runs", r->nruns);
	const struct xdperf_stream_report *x = xdperf_server_report_stream(r, 0xa2, 2);
	CHECK(x && x->run == 0xa2 && x->unique == 900 && x->first_seq == 1 &&
	      !xdperf_server_report_stream(r, 0xa3, 0) && !xdperf_server_report_stream(r, 0xa1, 3),
	      "lookup by run and stream");
	char *txt = xdperf_server_report_json(r);
	struct xdperf_server_report *back = NULL;
	char err[256];
	CHECK(txt && xdperf_server_report_parse(txt, &back, err, sizeof err) == 0, "parses back");
	if (back) {
		CHECK(back->nruns == 2 && back->runs[1].lost == 99 && back->runs[1].nstreams == 3 &&
		      back->streams[5].run == 0xa2 && xdperf_server_report_stream(back, 0xa1, 1),
		      "runs survive the JSON round trip");
		xdperf_server_report_free(back);
	}
	free(txt);
	xdperf_server_report_free(r);
	srv_streams_free(s);
}

static void test_limit_and_negative(void)
{
	struct srv_streams *s = srv_streams_new();
	for (uint32_t id = 0; id < SRV_STREAMS_MAX + 10; id++)
		srv_streams_add(s, 7, id, 0, 100, 50); /* negative: received before sent */
	struct xdperf_server_report *r = report(s);
	CHECK(r->nstreams == SRV_STREAMS_MAX && r->streams_over_limit == 10,
	      "stream limit: %zu streams, %llu over", r->nstreams,
	      (unsigned long long)r->streams_over_limit);
	CHECK(r->total.latency.negative == SRV_STREAMS_MAX && r->total.latency.max_ns == 0,
	      "negative latencies counted, as 0");
	for (size_t i = 1; i < r->nstreams; i++)
		if (r->streams[i - 1].stream >= r->streams[i].stream) {
			CHECK(0, "streams sorted by id");
			break;
		}
	xdperf_server_report_free(r);
	srv_streams_free(s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_quantiles(void)
{
	enum { N = 100000 };
	uint64_t *v = malloc(N * sizeof *v);
	struct srv_hist *h = calloc(1, sizeof *h);
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* log-uniform from 10 ns to ~10 ms */
		v[i] = (uint64_t)(10.0 * __builtin_pow(1e6, (double)(x % 1000000) / 1e6));
		srv_hist_add(h, v[i]);
	}
	qsort(v, N, sizeof *v, cmp_u64);
	const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	for (int k = 0; k < 4; k++) {
		uint64_t exact = v[(size_t)(qs[k] * N) - 1], got = srv_hist_quantile(h, qs[k]);
		double rel = (double)got / (double)exact - 1;
		CHECK(rel < 0.032 && rel > -0.032, "q%.3f: exact %llu, histogram %llu (%.2f%%)", qs[k],
		      (unsigned long long)exact, (unsigned long long)got, rel * 100);
	}
	CHECK(h->min == v[0] && h->max == v[N - 1], "min/max exact");
	CHECK(srv_hist_quantile(h, 1.0) == v[N - 1] || srv_hist_quantile(h, 1.0) <= v[N - 1],
	      "q1 within max");
	struct srv_hist *e = calloc(1, sizeof *e);
	CHECK(srv_hist_quantile(e, 0.5) == 0, "empty histogram: 0");
	srv_hist_merge(e, h);
	CHECK(e->count == N && srv_hist_quantile(e, 0.99) == srv_hist_quantile(h, 0.99), "merge");
	free(e);
	free(h);
	free(v);
}

/* An Ethernet/IPv4/UDP frame with payload plen and a valid checksum (or 0 when nocsum). */
static size_t udp4(uint8_t *f, size_t plen, bool nocsum)
{
	memset(f, 0, 14 + 20 + 8 + plen);
	put_be16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *u = ip + 20;
	ip[0] = 0x45;
	put_be16(ip + 2, (uint32_t)(20 + 8 + plen));
	ip[8] = 64;
	ip[9] = 17;
	put_be32(ip + 12, 0x0a000001);
	put_be32(ip + 16, 0x0a000002);
	put_be16(ip + 10, (uint16_t)~xdperf_csum_fold(ip, 20, 0));
	put_be16(u, 1234);
	put_be16(u + 2, 9000);
	put_be16(u + 4, (uint32_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		u[8 + i] = (uint8_t)(i * 7 + 1);
	if (!nocsum) {
		uint32_t ph = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + (uint32_t)(8 + plen);
		uint16_t c = (uint16_t)~xdperf_csum_fold(u, 8 + plen, ph);
		put_be16(u + 6, c ? c : 0xffff);
	}
	return 14 + 20 + 8 + plen;
}

static bool udp4_csum_ok(const uint8_t *f, size_t len)
{
	const uint8_t *u = f + 34;
	size_t ul = len - 34;
	if (get_be16(u + 6) == 0)
		return true;
	uint32_t ph = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + (uint32_t)ul;
	return xdperf_csum_fold(u, ul, ph) == 0xffff;
}

static void test_trailer(void)
{
	uint8_t f[256], pad[300];
	char err[256];
	for (size_t plen = 28; plen < 44; plen++) { /* odd and even trailer offsets */
		size_t len = udp4(f, plen, false);
		struct xdperf_bpf_stamp at;
		CHECK(xdperf_stamp_locate(f, len, &at, err, sizeof err) == 0, "locate: %s", err);
		xdperf_stamp_clear(f, &at);
		CHECK(udp4_csum_ok(f, len), "payload %zu: checksum after clearing", plen);
		bool ok = true;
		for (uint64_t q = 0; q < 300; q++) {
			uint32_t run = 0x9e3779b9u * (uint32_t)(q + 1);
			xdperf_stamp_write(f, &at, run, 0x10002, q * 0x0102030405ull, ~q * 977);
			ok = ok && udp4_csum_ok(f, len);
			struct xdperf_stamp st;
			ok = ok && xdperf_stamp_read(f, len, &st) && st.version == 2 && st.run == run &&
			     st.stream == 0x10002 && st.seq == q * 0x0102030405ull &&
			     st.tx_ns == ~q * 977;
		}
		CHECK(ok, "payload %zu: 300 rewrites keep the checksum right and read back", plen);
		/* Ethernet padding after the datagram does not move the trailer */
		memcpy(pad, f, len);
		memset(pad + len, 0xee, 20);
		struct xdperf_stamp st;
		CHECK(xdperf_stamp_read(pad, len + 20, &st) && st.seq == 299 * 0x0102030405ull,
		      "padded frame read");
	}
	size_t len = udp4(f, 30, true);
	struct xdperf_bpf_stamp at;
	xdperf_stamp_locate(f, len, &at, err, sizeof err);
	xdperf_stamp_write(f, &at, 9, 1, 2, 3);
	CHECK(get_be16(f + 40) == 0, "a zero (absent) IPv4 UDP checksum stays zero");
	/* a version 1 trailer (older generators: "XDPS", no run) is read as run 0 */
	len = udp4(f, 26, false);
	uint8_t *t = f + len - 24;
	put_be32(t, 0x58445053);
	put_be32(t + 4, 0x30004);
	put_be64(t + 8, 12345);
	put_be64(t + 16, 678);
	struct xdperf_stamp v1;
	CHECK(xdperf_stamp_read(f, len, &v1) && v1.version == 1 && v1.run == 0 &&
	      v1.stream == 0x30004 && v1.seq == 12345 && v1.tx_ns == 678, "version 1 trailer read");
	len = udp4(f, 27, false);
	CHECK(xdperf_stamp_locate(f, len, &at, err, sizeof err) == -22 && strstr(err, "28"),
	      "a 27-byte payload is refused: %s", err);
	f[23] = 6; /* TCP */
	CHECK(xdperf_stamp_locate(f, len, &at, err, sizeof err) == -22 && strstr(err, "UDP"),
	      "not UDP is refused: %s", err);
	struct xdperf_stamp st;
	len = udp4(f, 40, false);
	CHECK(!xdperf_stamp_read(f, len, &st), "no magic: no stamp");
}

int main(void)
{
	test_sequences();
	test_runs();
	test_limit_and_negative();
	test_quantiles();
	test_trailer();
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
