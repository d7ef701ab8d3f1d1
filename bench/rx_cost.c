/* Per-packet cost of the receive side's steps, each timed on its own on one core, without a
 * sender (bench/rx_cost.sh; root: it loads the server's XDP program):
 *   xdp_count   the server's XDP program (src/bpf/xdperf_srv.bpf.c) counting a 64-byte UDP
 *               frame to its port, run by BPF_PROG_RUN (not live: the kernel's own timing
 *               over `repeat` runs, so the figure is the program plus the test-run loop)
 *   xdp_stamp   the same with --stamp on a 70-byte stamped frame (the smallest with room for
 *               the 28-byte trailer): the trailer read and a record written to the CPU's stamp
 *               ring, which a second thread drains meanwhile every millisecond as the server
 *               does (RX_COST_SPIN=1: without pause); ring_full is counted and printed: it
 *               must stay 0 for the figure to be the write path. Counting and stamping run
 *               in alternating chunks of CHUNK frames (both then see the same load on the
 *               machine); pair_ratio is the median over the chunk pairs of counting's time
 *               over stamping's
 *   xdp_stamp_none   --stamp on, a 70-byte frame without a trailer: the trailer reads (both
 *               versions tried) without the clock and the record
 *   xdp_stamp_undrained   the stamped frame while nobody reads the ring (no cache line shared with a
 *               reader: the write path alone)
 *   ring_read   user space taking records off the rings (src/server/stamp_rings.c: the
 *               callback per record), per record, from a ring filled beforehand
 *   analysis    the stamp analysis per record (src/server/streams.c: sequence window,
 *               duplicates, reordering, latency histogram), 1 and 64 streams in order
 *   clock_*     an XDP program reading no clock, CLOCK_MONOTONIC, CLOCK_TAI (clock_cost.bpf.o)
 * Usage: rx_cost CLOCK_OBJ|- N   (N records / runs per step; prints "step ns_per_packet" lines;
 *                                 CLOCK_OBJ: bench/clock_cost.bpf.c built, - to leave it out)
 * A step's rate ceiling on one core is 1e9 / ns; a stamped frame costs xdp_stamp on the CPU its
 * queue is on and ring_read + analysis on the server's user-space thread. */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "bpf/xdperf_bpf.h"
#include "server/stamp_rings.h"
#include "server/streams.h"
#include "util/arch.h"
#include "util/clock.h"
#include "xdperf_srv_bpf.skel.h"

#define PORT 9000
#define CHUNK 10000 /* frames a BPF_PROG_RUN call */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Ethernet + IPv4 + UDP to PORT, len bytes; with a version 2 trailer at the payload's end
 * when stamped. */
static void frame(uint8_t *f, unsigned len, int stamped)
{
	memset(f, 0, len);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	uint8_t *ip = f + 14, *udp = ip + 20;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\xc9\x00\x01\x0a\xc9\x00\x02", 8);
	udp[2] = PORT >> 8;
	udp[3] = PORT & 0xff;
	udp[4] = (uint8_t)((len - 34) >> 8);
	udp[5] = (uint8_t)(len - 34);
	if (stamped) {
		uint8_t *t = f + len - 28;
		memcpy(t, "XDPR", 4);
		t[7] = 7;   /* run 7 */
		t[11] = 1;  /* stream 1 */
		t[19] = 42; /* sequence 42 */
	}
}

static atomic_int draining = 1;
static atomic_ullong drained;

static void count_rec(void *ctx, const struct xdperf_bpf_srv_rec *r)
{
	(void)ctx;
	(void)r;
	atomic_fetch_add_explicit(&drained, 1, memory_order_relaxed);
}

static void *drain(void *rb)
{
	/* the program writes without a wakeup: read, then sleep a millisecond, as the server's
	 * reader does (src/server/rx_xdp.c: xdp_wait), unless RX_COST_SPIN is set (read in a
	 * loop: the ring's positions shared all the time) */
	int spin = getenv("RX_COST_SPIN") != NULL;
	struct timespec ms = { 0, 1000000 };
	while (atomic_load(&draining)) {
		srv_stamp_rings_read(rb, count_rec, NULL);
		if (!spin)
			nanosleep(&ms, NULL);
	}
	srv_stamp_rings_read(rb, count_rec, NULL);
	return NULL;
}

static int prog_run(int fd, const uint8_t *f, unsigned len, int repeat, double *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len, .repeat = repeat);
	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "rx_cost: BPF_PROG_RUN: %s\n", strerror(errno));
		return -1;
	}
	*ns = o.duration;
	return 0;
}

/* The server's program as src/server/rx_xdp.c loads it (stamp rings sized the same). */
static struct xdperf_srv_bpf *load(int stamp)
{
	struct xdperf_srv_bpf *s = xdperf_srv_bpf__open();
	if (!s)
		return NULL;
	s->bss->port = PORT;
	s->bss->stamp = (__u32)stamp;
	s->bss->plain_head = XDPERF_ARCH_STORES_IN_ORDER;
	s->rodata->word_reads = XDPERF_ARCH_UNALIGNED;
	int ncpu = libbpf_num_possible_cpus();
	s->bss->ring_shift = srv_stamp_rings_shift(ncpu);
	bpf_program__set_autoload(s->progs.xdperf_srv_exception, false);
	if (srv_stamp_rings_size(s->maps.stamp_recs, s->maps.stamp_pos, ncpu, s->bss->ring_shift) ||
	    xdperf_srv_bpf__load(s)) {
		xdperf_srv_bpf__destroy(s);
		return NULL;
	}
	return s;
}

/* the sum of a per-CPU counter (its offset in struct xdperf_bpf_srv_cpu) */
static unsigned long long cpu_sum(struct xdperf_srv_bpf *s, size_t off)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdperf_bpf_srv_cpu *v = calloc((size_t)ncpu, sizeof *v);
	unsigned long long n = 0;
	__u32 zero = 0;
	if (v && !bpf_map__lookup_elem(s->maps.srv_cpu, &zero, sizeof zero, v,
				       sizeof *v * (size_t)ncpu, 0))
		for (int i = 0; i < ncpu; i++)
			n += *(const __u64 *)((const char *)&v[i] + off);
	free(v);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: rx_cost CLOCK_OBJ|- N\n");
		return 2;
	}
	int n = atoi(argv[2]);
	if (n < 1000)
		n = 1000;
	uint8_t f[70];
	double ns;

	/* 1. counting, and 2. stamp checking with the ring drained by another thread: run in
	 * alternating chunks of CHUNK frames, so both see the same machine (other load on a VM
	 * comes and goes within seconds); the ratio is the median over the chunk pairs */
	struct xdperf_srv_bpf *c = load(0), *s = c ? load(1) : NULL;
	if (!s) {
		fprintf(stderr, "rx_cost: cannot load the server's XDP program: %s\n", strerror(errno));
		return 1;
	}
	struct srv_stamp_rings *rb;
	pthread_t th;
	if (srv_stamp_rings_open(bpf_map__fd(s->maps.stamp_recs), bpf_map__fd(s->maps.stamp_pos),
				 libbpf_num_possible_cpus(), s->bss->ring_shift, &rb) ||
	    pthread_create(&th, NULL, drain, rb))
		return 1;
	int cfd = bpf_program__fd(c->progs.xdperf_srv), fd = bpf_program__fd(s->progs.xdperf_srv);
	frame(f, 70, 0); /* checked for a trailer, none there: the reads without the record */
	if (prog_run(fd, f, 70, n, &ns))
		return 1;
	printf("xdp_stamp_none %.1f\n", ns);
	uint8_t f64[64];
	frame(f64, 64, 0);
	frame(f, 70, 1);
	int pairs = (n + CHUNK - 1) / CHUNK;
	double *ratio = calloc((size_t)pairs, sizeof *ratio), ctotal = 0, total = 0, cns;
	if (!ratio)
		return 1;
	for (int i = 0; i < pairs; i++) {
		if (prog_run(cfd, f64, 64, CHUNK, &cns) || prog_run(fd, f, 70, CHUNK, &ns))
			return 1;
		ctotal += cns;
		total += ns;
		ratio[i] = cns / ns;
	}
	atomic_store(&draining, 0);
	pthread_join(th, NULL);
	qsort(ratio, (size_t)pairs, sizeof *ratio, by_value);
	printf("xdp_count %.1f\n", ctotal / pairs);
	printf("xdp_stamp %.1f stamped %llu ring_full %llu drained %llu\n", total / pairs,
	       cpu_sum(s, offsetof(struct xdperf_bpf_srv_cpu, stamped)),
	       cpu_sum(s, offsetof(struct xdperf_bpf_srv_cpu, ring_full)),
	       (unsigned long long)atomic_load(&drained));
	printf("pair_ratio %.3f\n", ratio[pairs / 2]);
	free(ratio);
	xdperf_srv_bpf__destroy(c);
	int runs;

	/* 3. reading records off the ring (filled first, then read alone) */
	srv_stamp_rings_read(rb, count_rec, NULL);
	atomic_store(&drained, 0);
	int fill = 250000; /* fits a CPU's ring (2^18 records up to 8 CPUs) */
	total = 0;
	runs = 0;
	for (int done = 0; done < fill; done += CHUNK, runs++) {
		if (prog_run(fd, f, 70, CHUNK, &ns))
			return 1;
		total += ns;
	}
	printf("xdp_stamp_undrained %.1f\n", total / runs);
	double t0 = xdperf_mono();
	srv_stamp_rings_read(rb, count_rec, NULL);
	double t1 = xdperf_mono();
	unsigned long long got = atomic_load(&drained);
	printf("ring_read %.1f records %llu\n", got ? (t1 - t0) * 1e9 / (double)got : 0.0, got);
	srv_stamp_rings_close(rb);
	xdperf_srv_bpf__destroy(s);

	/* 4. one clock read in an XDP program (bench/clock_cost.bpf.c, when built) */
	if (argv[1][0] != '-') {
		struct bpf_object *o = bpf_object__open_file(argv[1], NULL);
		if (!o || bpf_object__load(o)) {
			fprintf(stderr, "rx_cost: cannot load %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		static const char *const progs[] = { "clock_none", "clock_mono", "clock_tai" };
		for (int i = 0; i < 3; i++) {
			struct bpf_program *p = bpf_object__find_program_by_name(o, progs[i]);
			if (!p || prog_run(bpf_program__fd(p), f, 64, n, &ns))
				return 1;
			printf("%s %.1f\n", progs[i], ns);
		}
		bpf_object__close(o);
	}

	/* 5. the analysis, in order, 1 and 64 streams */
	for (unsigned streams = 1; streams <= 64; streams *= 64) {
		struct srv_streams *ss = srv_streams_new();
		if (!ss)
			return 1;
		uint64_t base = 1000000000000ull;
		t0 = xdperf_mono();
		for (int i = 0; i < n; i++)
			srv_streams_add(ss, 7, (uint32_t)i % streams, (uint64_t)i / streams,
					base + (uint64_t)i * 100, base + (uint64_t)i * 100 + 5000 + (i & 1023));
		t1 = xdperf_mono();
		printf("analysis_%ustreams %.1f distinct %llu\n", streams, (t1 - t0) * 1e9 / n,
		       (unsigned long long)srv_streams_distinct(ss));
		srv_streams_free(ss);
	}
	return 0;
}
