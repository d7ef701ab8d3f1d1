/* The server's XDP program (src/bpf/xdperf_srv.bpf.c) run by BPF_PROG_RUN on frames built
 * here, without live frames or a network (root: it loads the program). Each frame's verdict,
 * per-CPU counters and stamp record (read through src/server/stamp_rings.c, the server's
 * reader, with the ring head published both ways) are checked against what the frame holds:
 * version 2 and version 1 trailers read in place at every alignment, the trailer where the
 * UDP length puts it (Ethernet padding after it), VLAN tags, IPv6, no trailer, a datagram too
 * short for one, a trailer with a wrong magic, another port, IPv4 fragments, and the receive
 * time (monotonic + the offset user space sets) between two CLOCK_TAI reads around the run.
 * Then the rings themselves: a full ring counts ring_full and keeps its records, a read makes
 * room again, and records written on two CPUs are read merged in receive-time order. All of
 * it twice: trailers read with word loads, then a byte at a time with the verifier checking
 * alignment strictly (as on CPUs without efficient unaligned access; word loads must be
 * refused there, which is checked too).
 * Usage: srv_xdp_test   (prints FAIL lines and the totals; exit 1 if any check failed) */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include "bpf/xdperf_bpf.h"
#include "server/stamp_rings.h"
#include "util/clock.h"
#include "xdperf_srv_bpf.skel.h"
#include "check.h"

#define PORT 9000

static struct xdperf_srv_bpf *skel;
static struct srv_stamp_rings *ring;
#define RING_SHIFT 4 /* 16 records a CPU */
static struct xdperf_bpf_srv_rec recs[64];
static int nrec;
static uint64_t tai_err; /* the most the program's TAI offset can be off */
static cpu_set_t all_cpus; /* the CPUs this process may run on */

static void take(void *ctx, const struct xdperf_bpf_srv_rec *r)
{
	(void)ctx;
	if (nrec < 64)
		recs[nrec] = *r;
	nrec++;
}

static uint64_t tai_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_TAI, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

struct spec {
	unsigned len;      /* frame bytes */
	unsigned vlans;    /* 0, 1 or 2 tags */
	int ipv6;
	unsigned pad;      /* bytes after the UDP datagram (Ethernet padding) */
	int version;       /* trailer version 2 or 1; 0: none */
	int bad_magic;
	unsigned dport;
	int fragment;      /* 1: IPv4 fragment offset 8 (not the first); 2: the first fragment
			    * (more-fragments set, the UDP length counting bytes not here) */
	uint32_t run, stream;
	uint64_t seq, tx_ns;
};

/* Builds the frame of s into f: Ethernet, tags, IPv4 or IPv6, UDP filling all but s->pad
 * bytes, the trailer at the datagram's end. */
static void build(uint8_t *f, const struct spec *s)
{
	memset(f, 0xa5, s->len);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	unsigned off = 12;
	for (unsigned v = 0; v < s->vlans; v++, off += 4)
		memcpy(f + off, v == 0 && s->vlans == 2 ? "\x88\xa8\x00\x07" : "\x81\x00\x00\x05", 4);
	memcpy(f + off, s->ipv6 ? "\x86\xdd" : "\x08\x00", 2);
	uint8_t *ip = f + off + 2;
	unsigned iplen = s->len - s->pad - (off + 2);
	uint8_t *udp;
	if (s->ipv6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put_be(ip + 4, iplen - 40, 2);
		ip[6] = 17;
		ip[7] = 64;
		ip[23] = 1;
		ip[39] = 2;
		udp = ip + 40;
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put_be(ip + 2, iplen, 2);
		if (s->fragment == 1)
			ip[7] = 1;
		else if (s->fragment == 2)
			ip[6] = 0x20;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\x0a\xc9\x00\x01\x0a\xc9\x00\x02", 8);
		udp = ip + 20;
	}
	unsigned ulen = (unsigned)(f + s->len - s->pad - udp);
	put_be(udp, 40000, 2);
	put_be(udp + 2, s->dport, 2);
	put_be(udp + 4, ulen + (s->fragment == 2 ? 1000 : 0), 2);
	put_be(udp + 6, 0, 2);
	uint8_t *end = udp + ulen;
	if (s->version == 2) {
		uint8_t *t = end - 28;
		memcpy(t, s->bad_magic ? "XDPQ" : "XDPR", 4);
		put_be(t + 4, s->run, 4);
		put_be(t + 8, s->stream, 4);
		put_be(t + 12, s->seq, 8);
		put_be(t + 20, s->tx_ns, 8);
	} else if (s->version == 1) {
		uint8_t *t = end - 24;
		memcpy(t, s->bad_magic ? "XDPT" : "XDPS", 4);
		put_be(t + 4, s->stream, 4);
		put_be(t + 8, s->seq, 8);
		put_be(t + 16, s->tx_ns, 8);
	}
}

static void counters(struct xdperf_bpf_srv_cpu *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdperf_bpf_srv_cpu *v = calloc((size_t)ncpu, sizeof *v);
	__u32 zero = 0;
	memset(sum, 0, sizeof *sum);
	if (!v || bpf_map__lookup_elem(skel->maps.srv_cpu, &zero, sizeof zero, v,
				       sizeof *v * (size_t)ncpu, 0)) {
		CHECK(0, "reading srv_cpu: %s", strerror(errno));
		free(v);
		return;
	}
	for (int i = 0; i < ncpu; i++) {
		sum->packets += v[i].packets;
		sum->passed += v[i].passed;
		sum->stamped += v[i].stamped;
		sum->unstamped += v[i].unstamped;
		sum->ring_full += v[i].ring_full;
	}
	free(v);
}

/* Runs one frame through the program; want: the record expected (stamped), or none. */
static void one(const char *what, const struct spec *s, int want_counted, int want_stamped)
{
	uint8_t f[4096];
	build(f, s);
	struct xdperf_bpf_srv_cpu a, b;
	counters(&a);
	nrec = 0;
	uint64_t t0 = tai_ns();
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = s->len, .repeat = 1);
	int e = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdperf_srv), &o);
	uint64_t t1 = tai_ns();
	CHECK(e == 0, "%s: BPF_PROG_RUN: %s", what, strerror(errno));
	srv_stamp_rings_read(ring, take, NULL);
	counters(&b);
	unsigned want_verdict = want_counted ? XDP_DROP : XDP_PASS;
	CHECK(o.retval == want_verdict, "%s: verdict %u, want %u", what, o.retval, want_verdict);
	CHECK(b.packets - a.packets == (unsigned)want_counted, "%s: packets +%llu, want +%d", what,
	      (unsigned long long)(b.packets - a.packets), want_counted);
	CHECK(b.passed - a.passed == (unsigned)!want_counted, "%s: passed +%llu, want +%d", what,
	      (unsigned long long)(b.passed - a.passed), !want_counted);
	CHECK(b.stamped - a.stamped == (unsigned)want_stamped, "%s: stamped +%llu, want +%d", what,
	      (unsigned long long)(b.stamped - a.stamped), want_stamped);
	int want_unstamped = want_counted && !want_stamped;
	CHECK(b.unstamped - a.unstamped == (unsigned)want_unstamped, "%s: unstamped +%llu, want +%d",
	      what, (unsigned long long)(b.unstamped - a.unstamped), want_unstamped);
	CHECK(b.ring_full == a.ring_full, "%s: ring_full grew", what);
	CHECK(nrec == want_stamped, "%s: %d records, want %d", what, nrec, want_stamped);
	if (nrec != 1 || !want_stamped)
		return;
	const struct xdperf_bpf_srv_rec *r = &recs[0];
	uint32_t want_run = s->version == 2 ? s->run : 0;
	CHECK(r->run == want_run && r->stream == s->stream && r->seq == s->seq &&
	      r->tx_ns == s->tx_ns,
	      "%s: record run %u stream %u seq %llu tx_ns %llu, want %u %u %llu %llu", what,
	      r->run, r->stream, (unsigned long long)r->seq, (unsigned long long)r->tx_ns,
	      want_run, s->stream, (unsigned long long)s->seq, (unsigned long long)s->tx_ns);
	CHECK(r->rx_ns + tai_err >= t0 && r->rx_ns <= t1 + tai_err,
	      "%s: rx_ns %llu not within the run's TAI [%llu, %llu] (offset error %llu ns)", what,
	      (unsigned long long)r->rx_ns, (unsigned long long)t0, (unsigned long long)t1,
	      (unsigned long long)tai_err);
}

/* Runs the frame stamped with sequence number seq on CPU cpu (-1: where we are); its verdict. */
static int run_on(int cpu, uint64_t seq)
{
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set))
			return -1;
	}
	struct spec s = { .len = 128, .version = 2, .dport = PORT, .run = 5, .stream = 6,
			  .seq = seq, .tx_ns = 1000 + seq };
	uint8_t f[4096];
	build(f, &s);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = s.len, .repeat = 1);
	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdperf_srv), &o) ? -1 : (int)o.retval;
}

/* A full ring: ring_full counted, the records kept; room again after a read. */
static void ring_full_case(void)
{
	struct xdperf_bpf_srv_cpu a, b;
	int cpu = sched_getcpu();
	counters(&a);
	int size = 1 << RING_SHIFT, ok = 1;
	for (int i = 0; i < size + 3; i++)
		ok &= run_on(cpu, (uint64_t)i) == XDP_DROP;
	counters(&b);
	CHECK(ok, "ring full: BPF_PROG_RUN failed or a frame not dropped");
	CHECK(b.stamped - a.stamped == (unsigned)size && b.ring_full - a.ring_full == 3,
	      "ring full: stamped +%llu ring_full +%llu, want +%d and +3",
	      (unsigned long long)(b.stamped - a.stamped),
	      (unsigned long long)(b.ring_full - a.ring_full), size);
	nrec = 0;
	srv_stamp_rings_read(ring, take, NULL);
	int in_order = nrec == size;
	for (int i = 0; in_order && i < size; i++)
		in_order = recs[i].seq == (uint64_t)i;
	CHECK(in_order, "ring full: read %d records (want the first %d, in order)", nrec, size);
	counters(&a);
	CHECK(run_on(cpu, 99) == XDP_DROP, "ring full: a frame after the read not dropped");
	counters(&b);
	sched_setaffinity(0, sizeof all_cpus, &all_cpus);
	nrec = 0;
	srv_stamp_rings_read(ring, take, NULL);
	CHECK(b.stamped - a.stamped == 1 && b.ring_full == a.ring_full && nrec == 1 &&
	      recs[0].seq == 99, "ring full: after a read, stamped +%llu ring_full +%llu, %d records",
	      (unsigned long long)(b.stamped - a.stamped),
	      (unsigned long long)(b.ring_full - a.ring_full), nrec);
}

/* Frames on two CPUs in turn (two, one, three ...): read back by receive time, which is the
 * order they were run in. */
static void two_cpus_case(void)
{
	cpu_set_t all = all_cpus;
	if (CPU_COUNT(&all) < 2) {
		printf("srv_xdp: one CPU to run on: the two-ring merge is not checked here\n");
		return;
	}
	int c[2], k = 0;
	for (int i = 0; i < CPU_SETSIZE && k < 2; i++)
		if (CPU_ISSET(i, &all))
			c[k++] = i;
	static const int on[] = { 0, 0, 1, 0, 1, 1, 1, 0, 1, 0 };
	int n = (int)(sizeof on / sizeof on[0]), ok = 1;
	for (int i = 0; i < n; i++)
		ok &= run_on(c[on[i]], (uint64_t)i) == XDP_DROP;
	sched_setaffinity(0, sizeof all, &all);
	CHECK(ok, "two CPUs: BPF_PROG_RUN failed or a frame not dropped");
	nrec = 0;
	srv_stamp_rings_read(ring, take, NULL);
	int in_order = nrec == n;
	for (int i = 0; in_order && i < n; i++)
		in_order = recs[i].seq == (uint64_t)i && (i == 0 || recs[i].rx_ns >= recs[i - 1].rx_ns);
	CHECK(in_order, "two CPUs: %d records (want %d), not in the order they were run", nrec, n);
	for (int i = 0; !in_order && i < nrec && i < n; i++)
		printf("  record %d: seq %llu rx_ns %llu\n", i, (unsigned long long)recs[i].seq,
		       (unsigned long long)recs[i].rx_ns);
}

/* Every frame case (what names the way the program was loaded). */
static void frame_cases(const char *how)
{
	char what[160];
	/* every trailer alignment, both versions, smallest to large frames */
	for (int ver = 1; ver <= 2; ver++)
		for (unsigned len = 70; len <= 3000; len += len < 90 ? 1 : 397) {
			struct spec s = { .len = len, .version = ver, .dport = PORT, .run = 0x01020304u,
					  .stream = 0xa0b0c0d0u + len, .seq = 0x1122334455667788ull + len,
					  .tx_ns = 0x8877665544332211ull - len };
			snprintf(what, sizeof what, "%s: version %d, %u bytes", how, ver, len);
			one(what, &s, 1, 1);
		}
	/* one frame of 128 bytes with a version 2 trailer, and what each case changes in it (the
	 * later initializer of a field wins) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#define F(...) { .len = 128, .version = 2, .dport = PORT, .run = 9, .stream = 3, .seq = 77, \
		 .tx_ns = 1234567890123ull, __VA_ARGS__ }
	static const struct {
		const char *what;
		struct spec s;
		int counted, stamped;
	} cases[] = {
		{ "version 2, 11 bytes of padding after the datagram", F(.pad = 11), 1, 1 },
		{ "version 1, 11 bytes of padding after the datagram", F(.pad = 11, .version = 1), 1, 1 },
		{ "version 2 behind a VLAN tag", F(.vlans = 1), 1, 1 },
		{ "version 2 behind two tags, odd length", F(.vlans = 2, .len = 131), 1, 1 },
		{ "version 2 over IPv6", F(.ipv6 = 1), 1, 1 },
		{ "version 1 over IPv6, odd length", F(.ipv6 = 1, .version = 1, .len = 97), 1, 1 },
		{ "no trailer", F(.version = 0), 1, 0 },
		{ "version 2 with a wrong magic", F(.bad_magic = 1), 1, 0 },
		{ "version 1 with a wrong magic", F(.bad_magic = 1, .version = 1), 1, 0 },
		/* UDP length 8 + 27: no room for a version 2 trailer; 8 + 23: none for version 1 */
		{ "version 2 in a datagram one byte too short (27 payload bytes)", F(.len = 69), 1, 0 },
		{ "version 1 in a datagram one byte too short (23 payload bytes)",
		  F(.len = 65, .version = 1), 1, 0 },
		{ "version 1 filling the payload", F(.len = 66, .version = 1), 1, 1 },
		{ "another port", F(.dport = PORT + 1), 0, 0 },
		{ "an IPv4 fragment after the first", F(.fragment = 1), 0, 0 },
		{ "the first IPv4 fragment (its trailer comes in a later one)", F(.fragment = 2), 1, 0 },
	};
#undef F
#pragma GCC diagnostic pop
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
	{
		snprintf(what, sizeof what, "%s: %s", how, cases[i].what);
		one(what, &cases[i].s, cases[i].counted, cases[i].stamped);
	}
}

/* Loads the program as the server does, with word_reads = words, the verifier checking every
 * access's alignment when strict (as on CPUs without efficient unaligned access), and maps its
 * rings. 0 or -errno (log: print the verifier's complaint). */
static int load(int words, int strict, int log)
{
	skel = xdperf_srv_bpf__open();
	if (!skel)
		return -errno;
	skel->bss->port = PORT;
	skel->bss->stamp = 1;
	/* as the server does (src/server/rx_xdp.c): receive times are monotonic + this */
	skel->bss->tai_off = xdperf_tai_minus_mono_ns(&tai_err);
	skel->bss->ring_shift = RING_SHIFT;
	skel->rodata->word_reads = (__u32)words;
	int ncpu = libbpf_num_possible_cpus();
	bpf_program__set_autoload(skel->progs.xdperf_srv_exception, false);
	if (strict)
		bpf_program__set_flags(skel->progs.xdperf_srv,
				       bpf_program__flags(skel->progs.xdperf_srv) | BPF_F_STRICT_ALIGNMENT);
	if (!log)
		libbpf_set_print(NULL);
	int e = srv_stamp_rings_size(skel->maps.stamp_recs, skel->maps.stamp_pos, ncpu, RING_SHIFT);
	if (!e)
		e = xdperf_srv_bpf__load(skel);
	if (!e)
		e = srv_stamp_rings_open(bpf_map__fd(skel->maps.stamp_recs),
					 bpf_map__fd(skel->maps.stamp_pos), ncpu, RING_SHIFT, &ring);
	if (e) {
		xdperf_srv_bpf__destroy(skel);
		skel = NULL;
	}
	return e;
}

static void unload(void)
{
	srv_stamp_rings_close(ring);
	ring = NULL;
	xdperf_srv_bpf__destroy(skel);
	skel = NULL;
}

int main(void)
{
	if (sched_getaffinity(0, sizeof all_cpus, &all_cpus)) {
		printf("FAIL: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	/* word loads (as the server loads it on this machine when the kernel allows them), then a
	 * byte at a time, with the verifier checking alignment strictly */
	for (int words = 1; words >= 0; words--) {
		int e = load(words, !words, 1);
		if (e) {
			printf("FAIL: cannot load the server's XDP program (word_reads %d%s): %s\n", words,
			       words ? "" : ", strict alignment", strerror(-e));
			return 1;
		}
		/* the head published with a plain store (x86), then with an atomic exchange */
		for (int plain = 1; plain >= 0; plain--) {
			skel->bss->plain_head = (__u32)plain;
			char how[64];
			snprintf(how, sizeof how, "%s, head by %s", words ? "word loads" : "byte loads",
				 plain ? "plain store" : "exchange");
			frame_cases(how);
		}
		ring_full_case();
		two_cpus_case();
		unload();
	}
	/* the check above has teeth: word loads are refused under strict alignment */
	int e = load(1, 1, 0);
	CHECK(e != 0, "word loads loaded under strict alignment: the byte-load check proves nothing");
	if (!e)
		unload();
	printf("srv_xdp: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
