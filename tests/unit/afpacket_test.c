/* AF_PACKET backend driver for the tests and the benchmark: sends exactly N frames of a few
 * templates (following a schedule) from T threads on a device, checks the backend's totals
 * against the schedule walked independently here, and prints "PACKETS BYTES" (or the rate).
 *   afpacket_test IF N T [--bench|--long]  (--bench: one 64-byte template, prints the pps;
 *                                          --long: a 10007-entry schedule, longer than the
 *                                          TX ring the backend keeps pre-filled) 
 *   afpacket_test IF --open            (only opens the backend: the EPERM path)
 *   afpacket_test IF --fe NS PEER [N]  (field engine: N (25) frames of a UDP template whose
 *                                      source port walks 1000..1009, captured on PEER in netns
 *                                      NS: ports in order, checksums valid, bytes as built here;
 *                                      a large N sends full batches, where the device may refuse
 *                                      some: those must go out again as they were built)
 *   afpacket_test IF --swap NS PEER    (hot swap: 100 frames of set A, 100 of B, 50 of C, 51
 *                                      of A again, 50 of D, captured on PEER: exactly those
 *                                      frames, in that order; rejected swaps keep the set)
 * Prints "PACKETS BYTES" for --fe and --swap too. XDPERF_AFPACKET=mmsg|ring picks the path. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "datapath/backend.h"
#include "packet/decode.h"
#include "packet/field.h"

static struct dp_backend *be;
static _Atomic int stop_flag;
static const struct dp_run run = { .stop = &stop_flag, .stall_timeout = 1 };
static uint64_t per_worker[64];
static int failed;

static void *worker(void *arg)
{
	unsigned idx = (unsigned)(uintptr_t)arg;
	char err[256];
	/* one CPU per sender, as the runner does */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(idx % (unsigned)sysconf(_SC_NPROCESSORS_ONLN), &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	void *w;
	if (be->worker_open(be, idx, &w, err, sizeof(err))) {
		fprintf(stderr, "worker %u: %s\n", idx, err);
		failed = 1;
		return NULL;
	}
	/* uneven chunks, so the schedule must continue across send calls */
	static const uint64_t chunks[] = { 1, 7, 1000, 3, 65536, 129 };
	uint64_t left = per_worker[idx];
	for (unsigned i = 0; left > 0; i++) {
		uint64_t n = chunks[i % 6] < left ? chunks[i % 6] : left;
		uint64_t done;
		double idle;
		if (be->send(w, n, &done, &idle, err, sizeof(err))) {
			fprintf(stderr, "worker %u: %s\n", idx, err);
			failed = 1;
			break;
		}
		if (done != n) {
			fprintf(stderr, "worker %u: %llu of %llu sent\n", idx,
				(unsigned long long)done, (unsigned long long)n);
			failed = 1;
			break;
		}
		left -= n;
	}
	be->worker_close(w);
	return NULL;
}

/* ---- field engine and hot swap, checked on the wire ------------------------------------- */

#define MAX_FRAMES 20000

struct capture {
	unsigned n;
	uint16_t len[MAX_FRAMES];
	uint8_t *frame[MAX_FRAMES];
};

static struct capture got, want;

/* A packet socket receiving everything arriving on peer (in netns ns), made there and used
 * from here. -1 on failure (message printed). */
static int peer_socket(const char *ns, const char *peer)
{
	char path[256];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int other = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || other < 0 || setns(other, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cannot enter netns %s: %s\n", ns, strerror(errno));
		return -1;
	}
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(peer) };
	int sz = 64 << 20;
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0) {
		fprintf(stderr, "cannot capture on %s: %s\n", peer, strerror(errno));
		return -1;
	}
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cannot return to our netns: %s\n", strerror(errno));
		return -1;
	}
	close(self);
	close(other);
	return fd;
}

/* Receives the frames from 02:00:00:00:00:01 until none came for 500 ms. */
static void capture(int fd)
{
	static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (poll(&p, 1, 500) > 0) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll, &sl);
		if (r < 14 || sll.sll_pkttype == PACKET_OUTGOING || memcmp(buf + 6, src, 6))
			continue;
		if (got.n == MAX_FRAMES)
			break;
		got.len[got.n] = (uint16_t)r;
		got.frame[got.n] = malloc((size_t)r);
		memcpy(got.frame[got.n++], buf, (size_t)r);
	}
}

/* Appends to `want` the next n frames one worker (index 0) sends from f, built here. */
static void expect(const struct dp_frames *f, uint64_t n)
{
	struct xdperf_bpf_fe_state st[4];
	for (uint32_t t = 0; t < f->n && f->fe; t++)
		xdperf_fe_state_init(&f->fe[t], 0, &st[t]);
	for (uint64_t k = 0; k < n && want.n < MAX_FRAMES; k++) {
		uint32_t t = f->sched[k % f->sched_len];
		uint8_t *fr = malloc(f->len[t]);
		memcpy(fr, f->frame[t], f->len[t]);
		if (f->fe && f->fe[t].bpf.nmods)
			xdperf_fe_apply(&f->fe[t].bpf, &st[t], fr);
		want.len[want.n] = f->len[t];
		want.frame[want.n++] = fr;
	}
}

/* n frames in uneven chunks (the schedule and the engine continue across send calls; the
 * large ones make full batches). */
static int send_n(void *w, uint64_t n)
{
	static const uint64_t chunks[] = { 1, 7, 17, 3, 64, 4096 };
	char err[256];
	for (unsigned i = 0; n > 0; i++) {
		uint64_t c = chunks[i % 6] < n ? chunks[i % 6] : n;
		uint64_t done;
		double idle;
		if (be->send(w, c, &done, &idle, err, sizeof(err))) {
			fprintf(stderr, "send: %s\n", err);
			return -1;
		}
		if (done != c) {
			fprintf(stderr, "send: %llu of %llu sent\n", (unsigned long long)done,
				(unsigned long long)c);
			return -1;
		}
		n -= c;
	}
	return 0;
}

/* Ethernet 02:..:02 <- 02:..:01; IPv4/UDP 198.18.0.1:sport -> 198.18.0.2:9 (checksums left
 * for the engine's compiler to compute) when udp, else EtherType 0x88b5; payload bytes `mark`. */
static void make_frame(uint8_t *fr, uint16_t len, bool udp, uint16_t sport, uint8_t mark)
{
	static const uint8_t eth[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	memcpy(fr, eth, 12);
	memset(fr + 12, mark, (size_t)len - 12);
	if (!udp) {
		fr[12] = 0x88;
		fr[13] = 0xb5;
		return;
	}
	uint16_t ipl = (uint16_t)(len - 14), udpl = (uint16_t)(len - 34);
	const uint8_t ip[20] = { 0x08, 0x00, 0x45, 0, (uint8_t)(ipl >> 8), (uint8_t)ipl, 0, 0,
				 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18 };
	memcpy(fr + 12, ip, 20);
	fr[32] = 0;
	fr[33] = 2;
	/* a UDP checksum of 0 over IPv4 means "none" (kept so): any other value is recomputed */
	const uint8_t u[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, 0, 9,
			       (uint8_t)(udpl >> 8), (uint8_t)udpl, 0xff, 0xff };
	memcpy(fr + 34, u, 8);
}

/* A UDP template whose source port walks lo..hi, for one thread; base gets the frame. */
static int make_fe(uint8_t *base, uint16_t len, uint16_t lo, uint16_t hi, struct xdperf_fe *fe)
{
	uint8_t fr[2048];
	make_frame(fr, len, true, lo, 0x5a);
	struct xdperf_field_mod m = { .offset = 34, .len = 2, .op = XDPERF_FIELD_INCREMENT,
				      .min = lo, .max = hi, .name = "udp.src_port" };
	char warn[256], err[256];
	if (xdperf_fe_compile(fr, len, &m, 1, XDPERF_CSUM_IPV4 | XDPERF_CSUM_UDP, NULL, 0, fe, base, warn,
			      sizeof(warn), err, sizeof(err))) {
		fprintf(stderr, "compile: %s\n", err);
		return -1;
	}
	xdperf_fe_set_threads(fe, 1);
	return 0;
}

static int check_capture(void)
{
	int bad = 0;
	if (got.n != want.n) {
		fprintf(stderr, "captured %u frames, want %u\n", got.n, want.n);
		bad = 1;
	}
	for (unsigned i = 0; i < got.n && i < want.n; i++) {
		if (got.len[i] != want.len[i] || memcmp(got.frame[i], want.frame[i], got.len[i])) {
			fprintf(stderr, "frame %u: %u bytes, not the %u bytes expected\n", i,
				got.len[i], want.len[i]);
			bad = 1;
			break;
		}
	}
	return bad;
}

static uint64_t want_bytes_total(void)
{
	uint64_t b = 0;
	for (unsigned i = 0; i < want.n; i++)
		b += want.len[i];
	return b;
}

static int totals_ok(uint64_t packets)
{
	struct dp_totals tot;
	be->totals(be, &tot);
	if (tot.packets != packets || tot.bytes != want_bytes_total() || tot.errors) {
		fprintf(stderr, "totals: %llu packets %llu bytes %llu errors; want %llu %llu 0\n",
			(unsigned long long)tot.packets, (unsigned long long)tot.bytes,
			(unsigned long long)tot.errors, (unsigned long long)packets,
			(unsigned long long)want_bytes_total());
		return 0;
	}
	printf("%llu %llu\n", (unsigned long long)tot.packets, (unsigned long long)tot.bytes);
	return 1;
}

static int fe_test(int ifindex, const char *ifname, int rx, uint64_t n)
{
	static uint8_t base[60];
	static struct xdperf_fe fe;
	if (make_fe(base, 60, 1000, 1009, &fe))
		return 1;
	const uint8_t *frame[1] = { base };
	static const uint16_t len[1] = { 60 };
	static const uint32_t sched[1] = { 0 };
	struct dp_frames f = { .frame = frame, .len = len, .n = 1, .sched = sched,
			       .sched_len = 1, .fe = &fe, .nthreads = 1 };
	char err[256];
	void *w;
	if (dp_afpacket_open(ifindex, ifname, &f, &run, &be, err, sizeof(err)) ||
	    be->worker_open(be, 0, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int bad = send_n(w, n);
	be->worker_close(w);
	expect(&f, n);
	capture(rx);
	bad |= !totals_ok(n);
	be->close(be);
	bad |= check_capture();
	/* independently of the engine: ports in order, checksums valid */
	for (unsigned i = 0; i < got.n; i++) {
		struct xdperf_decode_info info;
		char text[1024];
		xdperf_frame_describe(got.frame[i], got.len[i], NULL, text, sizeof(text), &info);
		unsigned port = (unsigned)got.frame[i][34] << 8 | got.frame[i][35];
		if (port != 1000 + i % 10 || info.checksums_bad || info.checksums_ok != 2) {
			fprintf(stderr, "frame %u: port %u (want %u), checksums %u ok %u bad\n", i,
				port, 1000 + i % 10, info.checksums_ok, info.checksums_bad);
			bad = 1;
		}
	}
	return bad;
}

static int swap_test(int ifindex, const char *ifname, int rx)
{
	/* A: one 60-byte frame (a pre-filled ring); B: a 98-byte UDP template with the engine
	 * and a plain 150-byte frame (a ring filled per frame); C: one 1514-byte frame (larger
	 * ring slots); D: the 60-byte frame and an 80-byte one (a pre-filled ring like A's,
	 * re-filled from where A's left off: an odd slot) */
	static uint8_t a0[60], b0[98], b1[150], c0[1514], d1[80], big[1600];
	static struct xdperf_fe feb[2];
	make_frame(a0, 60, false, 0, 'A');
	make_frame(b1, 150, false, 0, 'B');
	make_frame(c0, 1514, false, 0, 'C');
	make_frame(d1, 80, false, 0, 'D');
	make_frame(big, 1600, false, 0, 'X');
	if (make_fe(b0, 98, 2000, 2004, &feb[0]))
		return 1;
	const uint8_t *fa[1] = { a0 }, *fb[2] = { b0, b1 }, *fc[1] = { c0 }, *fd[2] = { a0, d1 },
			    *fx[1] = { big };
	static const uint16_t la[1] = { 60 }, lb[2] = { 98, 150 }, lc[1] = { 1514 },
			      ld[2] = { 60, 80 }, lx[1] = { 1600 };
	static const uint32_t s0[1] = { 0 }, sb[3] = { 0, 1, 0 }, sd[2] = { 0, 1 },
			      s5[1] = { 5 };
	struct dp_frames A = { .frame = fa, .len = la, .n = 1, .sched = s0, .sched_len = 1,
			       .nthreads = 1 };
	struct dp_frames B = { .frame = fb, .len = lb, .n = 2, .sched = sb, .sched_len = 3,
			       .fe = feb, .nthreads = 1 };
	struct dp_frames C = { .frame = fc, .len = lc, .n = 1, .sched = s0, .sched_len = 1,
			       .nthreads = 1 };
	struct dp_frames D = { .frame = fd, .len = ld, .n = 2, .sched = sd, .sched_len = 2,
			       .nthreads = 1 };
	struct dp_frames badsched = A, toolong = { .frame = fx, .len = lx, .n = 1, .sched = s0,
						   .sched_len = 1, .nthreads = 1 };
	badsched.sched = s5;
	char err[256];
	void *w;
	if (dp_afpacket_open(ifindex, ifname, &A, &run, &be, err, sizeof(err)) ||
	    be->worker_open(be, 0, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	int bad = 0;
	const char *mode = getenv("XDPERF_AFPACKET");
	bool ring = !(mode && !strcmp(mode, "mmsg"));
	char want_err[256];
	/* rejected swaps leave A in place */
	int e = be->swap(be, &badsched, err, sizeof(err));
	if (e != -EINVAL || strcmp(err, "afpacket: schedule entry 0 names template 5 of 1")) {
		fprintf(stderr, "bad schedule swap: %d '%s'\n", e, err);
		bad = 1;
	}
	if (ring) {
		e = be->swap(be, &toolong, err, sizeof(err));
		snprintf(want_err, sizeof(want_err),
			 "template 0: 1600 bytes do not fit the MTU of %s (1500: frames up to 1514 "
			 "bytes); lower the frame size or raise the MTU", ifname);
		if (e != -EMSGSIZE || strcmp(err, want_err)) {
			fprintf(stderr, "too long swap: %d '%s', want '%s'\n", e, err, want_err);
			bad = 1;
		}
	}
	const struct {
		const struct dp_frames *f;
		uint64_t n;
	} steps[] = { { &A, 100 }, { &B, 100 }, { &C, 50 }, { &A, 51 }, { &D, 50 } };
	uint64_t total = 0;
	for (unsigned i = 0; i < 5 && !bad; i++) {
		if (i > 0 && be->swap(be, steps[i].f, err, sizeof(err))) {
			fprintf(stderr, "swap %u: %s\n", i, err);
			bad = 1;
			break;
		}
		bad |= send_n(w, steps[i].n);
		expect(steps[i].f, steps[i].n);
		total += steps[i].n;
	}
	be->worker_close(w);
	capture(rx);
	bad |= !totals_ok(total);
	be->close(be);
	return bad | check_capture();
}

int main(int argc, char **argv)
{
	if (argc >= 5 && (!strcmp(argv[2], "--fe") || !strcmp(argv[2], "--swap"))) {
		int ifindex = (int)if_nametoindex(argv[1]);
		int rx = peer_socket(argv[3], argv[4]);
		if (!ifindex || rx < 0) {
			fprintf(stderr, "no such interface %s, or no capture\n", argv[1]);
			return 1;
		}
		uint64_t n = argc > 5 ? strtoull(argv[5], NULL, 10) : 25;
		if (n < 1 || n > MAX_FRAMES) {
			fprintf(stderr, "1..%u frames\n", MAX_FRAMES);
			return 2;
		}
		int r = !strcmp(argv[2], "--fe") ? fe_test(ifindex, argv[1], rx, n)
						 : swap_test(ifindex, argv[1], rx);
		close(rx);
		for (unsigned i = 0; i < got.n; i++)
			free(got.frame[i]);
		for (unsigned i = 0; i < want.n; i++)
			free(want.frame[i]);
		return r;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: afpacket_test IF N T [--bench|--long] | IF --open | "
			"IF --fe|--swap NS PEER\n");
		return 2;
	}
	const char *ifname = argv[1];
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "no such interface %s\n", ifname);
		return 1;
	}
	bool only_open = !strcmp(argv[2], "--open");
	bool bench = argc > 4 && !strcmp(argv[4], "--bench");
	bool long_sched = argc > 4 && !strcmp(argv[4], "--long");
	uint64_t n = only_open ? 0 : strtoull(argv[2], NULL, 10);
	unsigned threads = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	if (!only_open && (threads < 1 || threads > 64)) {
		fprintf(stderr, "1..64 threads\n");
		return 2;
	}

	/* templates: Ethernet 02:..:02 <- 02:..:01, local experimental EtherType 0x88b5 */
	static const uint16_t lens_test[] = { 60, 333, 1514 };
	static const uint16_t lens_bench[] = { 64 };
	static const uint32_t sched_test[] = { 0, 1, 0, 2, 1, 0, 0 };
	static const uint32_t sched_bench[] = { 0 };
	const uint16_t *len = bench ? lens_bench : lens_test;
	uint32_t ntmpl = bench ? 1 : 3;
	static uint8_t buf[3][1514];
	const uint8_t *frame[3];
	for (uint32_t t = 0; t < ntmpl; t++) {
		static const uint8_t hdr[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5 };
		memcpy(buf[t], hdr, sizeof(hdr));
		for (unsigned i = 14; i < len[t]; i++)
			buf[t][i] = (uint8_t)(t * 31 + i);
		frame[t] = buf[t];
	}
	struct dp_frames f = {
		.frame = frame, .len = len, .n = ntmpl,
		.sched = bench ? sched_bench : sched_test,
		.sched_len = bench ? 1 : 7, .nthreads = threads,
	};
	static uint32_t sched_long[10007];
	if (long_sched) {
		for (uint32_t i = 0; i < 10007; i++)
			sched_long[i] = (i * 2654435761u >> 7) % 3;
		f.sched = sched_long;
		f.sched_len = 10007;
	}
	char err[256];
	int e = dp_afpacket_open(ifindex, ifname, &f, &run, &be, err, sizeof(err));
	if (e) {
		printf("open failed (%d): %s\n", e, err);
		return 1;
	}
	if (only_open) {
		be->close(be);
		printf("open ok\n");
		return 0;
	}

	uint64_t want_bytes = 0, cycle = 0;
	for (uint32_t k = 0; k < f.sched_len; k++)
		cycle += len[f.sched[k]];
	for (unsigned i = 0; i < threads; i++) {
		per_worker[i] = n / threads + (i < n % threads);
		want_bytes += per_worker[i] / f.sched_len * cycle;
		for (uint64_t k = 0; k < per_worker[i] % f.sched_len; k++)
			want_bytes += len[f.sched[k]];
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t th[64];
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct dp_totals tot;
	be->totals(be, &tot);
	be->close(be);
	if (failed)
		return 1;
	if (tot.packets != n || tot.bytes != want_bytes || tot.errors) {
		fprintf(stderr, "totals: %llu packets %llu bytes %llu errors; want %llu %llu 0\n",
			(unsigned long long)tot.packets, (unsigned long long)tot.bytes,
			(unsigned long long)tot.errors, (unsigned long long)n,
			(unsigned long long)want_bytes);
		return 1;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (bench)
		printf("%.0f pps (%llu frames in %.3f s)\n", (double)n / secs,
		       (unsigned long long)n, secs);
	else
		printf("%llu %llu\n", (unsigned long long)tot.packets, (unsigned long long)tot.bytes);
	return 0;
}
