/* AF_PACKET backend driver for the tests and the benchmark: sends exactly N frames of a few
 * templates (following a schedule) from T threads on a device, checks the backend's totals
 * against the schedule walked independently here, and prints "PACKETS BYTES" (or the rate).
 *   afpacket_test IF N T [--bench|--long]  (--bench: one 64-byte template, prints the pps;
 *                                          --long: a 10007-entry schedule, longer than the
 *                                          TX ring the backend keeps pre-filled) 
 *   afpacket_test IF --open            (only opens the backend: the EPERM path) */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "datapath/backend.h"

static struct dp_backend *be;
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
		if (be->send(w, n, err, sizeof(err))) {
			fprintf(stderr, "worker %u: %s\n", idx, err);
			failed = 1;
			break;
		}
		left -= n;
	}
	be->worker_close(w);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: afpacket_test IF N T [--bench] | IF --open\n");
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
		.sched_len = bench ? 1 : 7,
	};
	static uint32_t sched_long[10007];
	if (long_sched) {
		for (uint32_t i = 0; i < 10007; i++)
			sched_long[i] = (i * 2654435761u >> 7) % 3;
		f.sched = sched_long;
		f.sched_len = 10007;
	}
	char err[256];
	int e = dp_afpacket_open(ifindex, ifname, &f, &be, err, sizeof(err));
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
