/* UDP request/response load generator for the responder benchmark (bench/responder.sh).
 *
 * F flows (one UDP socket each, connect()ed to the target, so one 5-tuple each), split over T
 * threads (each with its own epoll). Every flow keeps a window of W requests outstanding: each
 * request (S bytes) carries a magic, its window slot and a per-flow sequence number; a reply is
 * matched against the slot it names (same slot, same sequence number, same length), frees the
 * slot, and a new request goes out in it. Replies are read with recvmmsg and the new requests
 * sent with sendmmsg. There is no retransmission: a lost request keeps its slot busy forever (so
 * the flow's window shrinks), which makes every loss visible at the end.
 *
 * Phases: warm-up (--warmup s), measured interval (--duration s: replies/s counted over it),
 * then drain: no new requests, wait --drain-ms for the outstanding replies; what is still
 * outstanding after that is "lost".
 *
 * Output (stdout): one line of key=value pairs, or JSON with --json:
 *   sent replies lost unmatched errors stalled_flows seconds rate cpu [srv_cpu busy_cpu]
 * (sent/replies/lost over the whole run incl. warm-up; rate = replies/s over the measured
 * interval; unmatched = replies that matched no outstanding request; stalled_flows = flows whose
 * whole window was lost; cpu = this process's user + system CPU time over the measured interval
 * divided by its length, in CPUs: near the thread count means the client saturated; with
 * --watch-pid PID also srv_cpu, the same for process PID (from /proc/PID/stat), and busy_cpu, the
 * whole machine's non-idle time in CPUs, from /proc/stat). Exit 0, or 1 on a setup error, or 2 when no reply came at all.
 *
 * Usage: udp_load --target HOST:PORT [--flows F] [--window W] [--size S] [--duration D]
 *                 [--warmup SEC] [--drain-ms MS] [--threads T] [--cpu LIST] [--watch-pid PID] [--json]
 * --cpu LIST: comma separated CPUs; thread i is pinned to LIST[i % n].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x78647066u /* "xdpf" */
#define HDR 16            /* magic u32, slot u32, seq u64 */
#define BATCH 64
#define MAX_SIZE 65507

enum { PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_STOP };

struct flow {
	int fd;
	uint32_t window;
	uint64_t next_seq;
	uint64_t *slot_seq; /* UINT64_MAX = free */
	uint32_t *free_slots; /* stack of free slots to (re)fill */
	uint32_t nfree;
	uint64_t outstanding;
};

struct thread {
	pthread_t tid;
	int idx, cpu, epfd;
	struct flow *flows;
	int nflows;
	_Atomic uint64_t sent, replies, unmatched, errors;
	uint8_t *rbuf, *tbuf;
};

static struct {
	const char *target;
	int flows, window, size, threads, json, ncpu, watch_pid;
	double duration, warmup;
	int drain_ms;
	int cpus[256];
} opt = { .flows = 16, .window = 16, .size = 64, .threads = 1, .duration = 3, .warmup = 1, .drain_ms = 500 };

static _Atomic int phase = PH_WARMUP;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: udp_load --target HOST:PORT [--flows F] [--window W] [--size S] [--duration SEC]\n"
			"                [--warmup SEC] [--drain-ms MS] [--threads T] [--cpu LIST] [--watch-pid PID]\n"
			"                [--json]\n");
	exit(1);
}

/* Sends one request per free slot of flow f (sendmmsg); slots the kernel did not take stay free. */
static void fill(struct thread *t, struct flow *f)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	while (f->nfree) {
		uint32_t n = f->nfree < BATCH ? f->nfree : BATCH;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t slot = f->free_slots[f->nfree - 1 - i];
			uint8_t *p = t->tbuf + (size_t)i * (size_t)opt.size;
			uint32_t magic = MAGIC;
			uint64_t seq = f->next_seq + i;
			memcpy(p, &magic, 4);
			memcpy(p + 4, &slot, 4);
			memcpy(p + 8, &seq, 8);
			iov[i] = (struct iovec){ .iov_base = p, .iov_len = (size_t)opt.size };
			msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		int k = sendmmsg(f->fd, msg, n, MSG_DONTWAIT);
		if (k <= 0) {
			if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
				atomic_fetch_add_explicit(&t->errors, 1, memory_order_relaxed);
			return; /* retried on the next loop */
		}
		for (int i = 0; i < k; i++) {
			uint32_t slot = f->free_slots[f->nfree - 1];
			f->slot_seq[slot] = f->next_seq++;
			f->nfree--;
			f->outstanding++;
		}
		atomic_fetch_add_explicit(&t->sent, (uint64_t)k, memory_order_relaxed);
		if ((uint32_t)k < n)
			return;
	}
}

/* Reads and matches the replies waiting on flow f. */
static void drain_flow(struct thread *t, struct flow *f)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ .iov_base = t->rbuf + (size_t)i * (size_t)(opt.size + 1),
						 .iov_len = (size_t)opt.size + 1 };
			msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		int n = recvmmsg(f->fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				atomic_fetch_add_explicit(&t->errors, 1, memory_order_relaxed);
			return;
		}
		uint64_t ok = 0, bad = 0;
		for (int i = 0; i < n; i++) {
			const uint8_t *p = iov[i].iov_base;
			uint32_t magic, slot;
			uint64_t seq;
			if (msg[i].msg_len != (unsigned)opt.size) {
				bad++;
				continue;
			}
			memcpy(&magic, p, 4);
			memcpy(&slot, p + 4, 4);
			memcpy(&seq, p + 8, 8);
			if (magic != MAGIC || slot >= f->window || f->slot_seq[slot] != seq) {
				bad++;
				continue;
			}
			f->slot_seq[slot] = UINT64_MAX;
			f->free_slots[f->nfree++] = slot;
			f->outstanding--;
			ok++;
		}
		atomic_fetch_add_explicit(&t->replies, ok, memory_order_relaxed);
		if (bad)
			atomic_fetch_add_explicit(&t->unmatched, bad, memory_order_relaxed);
		if (n < BATCH)
			return;
	}
}

static void *run(void *arg)
{
	struct thread *t = arg;
	if (t->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof set, &set))
			fprintf(stderr, "udp_load: cannot pin thread %d to CPU %d\n", t->idx, t->cpu);
	}
	for (int i = 0; i < t->nflows; i++)
		fill(t, &t->flows[i]);
	struct epoll_event ev[64];
	for (;;) {
		int ph = atomic_load_explicit(&phase, memory_order_relaxed);
		if (ph == PH_STOP)
			break;
		int n = epoll_wait(t->epfd, ev, 64, 1);
		for (int i = 0; i < n; i++) {
			struct flow *f = ev[i].data.ptr;
			drain_flow(t, f);
			if (ph < PH_DRAIN)
				fill(t, f);
		}
		if (ph < PH_DRAIN && n <= 0) /* nothing read: retry sends the kernel refused */
			for (int i = 0; i < t->nflows; i++)
				if (t->flows[i].nfree)
					fill(t, &t->flows[i]);
	}
	return NULL;
}

static uint64_t sum(struct thread *th, size_t off)
{
	uint64_t s = 0;
	for (int i = 0; i < opt.threads; i++)
		s += atomic_load((_Atomic uint64_t *)((char *)&th[i] + off));
	return s;
}

/* This process's user + system CPU seconds. */
static double self_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec * 1e-6;
}

/* utime + stime of process pid (clock ticks), 0 when pid is 0 or unreadable. */
static unsigned long long pid_ticks(int pid)
{
	char path[64], buf[1024];
	if (!pid)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* after the command name */
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* The machine's non-idle time (clock ticks) from the first line of /proc/stat. */
static unsigned long long busy_ticks(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		       &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]; /* user nice system irq softirq steal */
}

static int parse_target(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	char *h = host;
	if (h[0] == '[') {
		h++;
		h[strlen(h) - 1] = 0;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	if (getaddrinfo(h, colon + 1, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target", 1, 0, 't' }, { "flows", 1, 0, 'f' },    { "window", 1, 0, 'w' },
		{ "size", 1, 0, 's' },   { "duration", 1, 0, 'd' }, { "warmup", 1, 0, 'u' },
		{ "drain-ms", 1, 0, 'r' }, { "threads", 1, 0, 'T' }, { "cpu", 1, 0, 'c' },
		{ "watch-pid", 1, 0, 'p' }, { "json", 0, 0, 'j' },   { "help", 0, 0, 'h' },     { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "t:f:w:s:d:u:r:T:c:p:jh", lo, NULL)) != -1) {
		switch (c) {
		case 't': opt.target = optarg; break;
		case 'f': opt.flows = atoi(optarg); break;
		case 'w': opt.window = atoi(optarg); break;
		case 's': opt.size = atoi(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'u': opt.warmup = atof(optarg); break;
		case 'r': opt.drain_ms = atoi(optarg); break;
		case 'T': opt.threads = atoi(optarg); break;
		case 'c':
			for (char *p = optarg; *p && opt.ncpu < 256;) {
				opt.cpus[opt.ncpu++] = (int)strtol(p, &p, 10);
				if (*p == ',')
					p++;
				else if (*p)
					usage();
			}
			break;
		case 'p': opt.watch_pid = atoi(optarg); break;
		case 'j': opt.json = 1; break;
		default: usage();
		}
	}
	if (!opt.target || opt.flows < 1 || opt.window < 1 || opt.size < HDR || opt.size > MAX_SIZE ||
	    opt.threads < 1 || opt.threads > opt.flows || opt.duration <= 0 || opt.warmup < 0 || opt.drain_ms < 0)
		usage();
	struct sockaddr_storage dst;
	socklen_t dlen;
	if (parse_target(opt.target, &dst, &dlen)) {
		fprintf(stderr, "udp_load: bad target '%s'\n", opt.target);
		return 1;
	}

	struct thread *th = calloc((size_t)opt.threads, sizeof *th);
	struct flow *flows = calloc((size_t)opt.flows, sizeof *flows);
	if (!th || !flows)
		return 1;
	for (int i = 0; i < opt.flows; i++) {
		struct flow *f = &flows[i];
		f->fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&dst, dlen)) {
			perror("udp_load: socket/connect");
			return 1;
		}
		int buf = 1 << 20;
		setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
		setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
		f->window = (uint32_t)opt.window;
		f->slot_seq = malloc((size_t)opt.window * sizeof *f->slot_seq);
		f->free_slots = malloc((size_t)opt.window * sizeof *f->free_slots);
		if (!f->slot_seq || !f->free_slots)
			return 1;
		for (int s = 0; s < opt.window; s++) {
			f->slot_seq[s] = UINT64_MAX;
			f->free_slots[s] = (uint32_t)(opt.window - 1 - s);
		}
		f->nfree = (uint32_t)opt.window;
	}
	for (int i = 0; i < opt.threads; i++) {
		struct thread *t = &th[i];
		t->idx = i;
		t->cpu = opt.ncpu ? opt.cpus[i % opt.ncpu] : -1;
		int lo_f = (int)((long)opt.flows * i / opt.threads), hi_f = (int)((long)opt.flows * (i + 1) / opt.threads);
		t->flows = flows + lo_f;
		t->nflows = hi_f - lo_f;
		t->rbuf = malloc((size_t)BATCH * (size_t)(opt.size + 1));
		t->tbuf = malloc((size_t)BATCH * (size_t)opt.size);
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (!t->rbuf || !t->tbuf || t->epfd < 0)
			return 1;
		memset(t->tbuf, 0x5a, (size_t)BATCH * (size_t)opt.size);
		for (int k = 0; k < t->nflows; k++) {
			struct epoll_event e = { .events = EPOLLIN, .data.ptr = &t->flows[k] };
			if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->flows[k].fd, &e)) {
				perror("udp_load: epoll_ctl");
				return 1;
			}
		}
	}
	if (opt.ncpu && opt.threads == 1) { /* the main thread (mostly asleep) with the worker */
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(opt.cpus[0], &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	for (int i = 0; i < opt.threads; i++)
		if (pthread_create(&th[i].tid, NULL, run, &th[i])) {
			fprintf(stderr, "udp_load: pthread_create failed\n");
			return 1;
		}

	size_t off_rep = offsetof(struct thread, replies);
	sleep_s(opt.warmup);
	double hz = (double)sysconf(_SC_CLK_TCK);
	double t0 = now_s(), c0 = self_cpu();
	unsigned long long p0 = pid_ticks(opt.watch_pid), b0 = busy_ticks();
	uint64_t r0 = sum(th, off_rep);
	atomic_store(&phase, PH_MEASURE);
	sleep_s(opt.duration);
	uint64_t r1 = sum(th, off_rep);
	double t1 = now_s(), c1 = self_cpu();
	unsigned long long p1 = pid_ticks(opt.watch_pid), b1 = busy_ticks();
	atomic_store(&phase, PH_DRAIN);
	sleep_s(opt.drain_ms / 1000.0);
	atomic_store(&phase, PH_STOP);
	for (int i = 0; i < opt.threads; i++)
		pthread_join(th[i].tid, NULL);

	uint64_t sent = sum(th, offsetof(struct thread, sent)), replies = sum(th, off_rep);
	uint64_t unmatched = sum(th, offsetof(struct thread, unmatched)), errors = sum(th, offsetof(struct thread, errors));
	uint64_t lost = 0;
	int stalled = 0;
	for (int i = 0; i < opt.flows; i++) {
		lost += flows[i].outstanding;
		stalled += flows[i].outstanding == (uint64_t)opt.window;
	}
	double secs = t1 - t0, rate = (double)(r1 - r0) / secs;
	double cpu = (c1 - c0) / secs, srv = (double)(p1 - p0) / hz / secs, busy = (double)(b1 - b0) / hz / secs;
	if (opt.json)
		printf("{\"sent\":%llu,\"replies\":%llu,\"lost\":%llu,\"unmatched\":%llu,\"errors\":%llu,"
		       "\"stalled_flows\":%d,\"seconds\":%.3f,\"rate\":%.0f,\"cpu\":%.2f,\"srv_cpu\":%.2f,"
		       "\"busy_cpu\":%.2f}\n",
		       (unsigned long long)sent, (unsigned long long)replies, (unsigned long long)lost,
		       (unsigned long long)unmatched, (unsigned long long)errors, stalled, secs, rate, cpu, srv, busy);
	else if (opt.watch_pid)
		printf("sent=%llu replies=%llu lost=%llu unmatched=%llu errors=%llu stalled_flows=%d seconds=%.3f "
		       "rate=%.0f cpu=%.2f srv_cpu=%.2f busy_cpu=%.2f\n",
		       (unsigned long long)sent, (unsigned long long)replies, (unsigned long long)lost,
		       (unsigned long long)unmatched, (unsigned long long)errors, stalled, secs, rate, cpu, srv, busy);
	else
		printf("sent=%llu replies=%llu lost=%llu unmatched=%llu errors=%llu stalled_flows=%d seconds=%.3f "
		       "rate=%.0f cpu=%.2f\n",
		       (unsigned long long)sent, (unsigned long long)replies, (unsigned long long)lost,
		       (unsigned long long)unmatched, (unsigned long long)errors, stalled, secs, rate, cpu);
	return replies ? 0 : 2;
}
