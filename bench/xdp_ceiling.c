/* Benchmark reference sender: a bare BPF_PROG_RUN XDP_TX loop of one unchanged frame
 * (bench/ceiling.bpf.c), the ceiling of the path xdperf's XDP mode uses.
 * Usage: xdp_ceiling OBJ.bpf.o IFNAME FRAME_LEN THREADS SECONDS
 * Prints the frames handed to the kernel per second (the receiver counts what arrived). */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

static int prog_fd, ifindex, frame_len;
static double seconds;
static unsigned long long sent[64];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *sender(void *arg)
{
	long i = (long)arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)i, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	unsigned char frame[2048] = { 0 };
	memset(frame, 0xff, 6);
	frame[6] = 2;
	frame[12] = 0x08;
	struct xdp_md ctx = { .data = 0, .data_end = (unsigned)frame_len,
			      .ingress_ifindex = (unsigned)ifindex };
	double end = now() + seconds;
	while (now() < end) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (unsigned)frame_len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 65536,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			perror("BPF_PROG_RUN");
			exit(1);
		}
		sent[i] += 65536;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: xdp_ceiling OBJ IFNAME FRAME_LEN THREADS SECONDS\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[2]);
	frame_len = atoi(argv[3]);
	int threads = atoi(argv[4]);
	seconds = atof(argv[5]);
	if (!ifindex || frame_len < 14 || frame_len > 2048 || threads < 1 || threads > 64) {
		fprintf(stderr, "xdp_ceiling: bad arguments\n");
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		perror("open");
		return 1;
	}
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	if (bss) {
		__u32 v = (__u32)ifindex;
		bpf_map__set_initial_value(bss, &v, sizeof v);
	}
	if (bpf_object__load(obj)) {
		perror("load");
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "ceiling_tx");
	prog_fd = bpf_program__fd(prog);
	struct bpf_link *lo = bpf_program__attach_xdp(prog, (int)if_nametoindex("lo"));
	pthread_t th[64];
	double t0 = now();
	for (long i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, sender, (void *)i);
	unsigned long long total = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += sent[i];
	}
	printf("%.0f\n", (double)total / (now() - t0));
	bpf_link__destroy(lo);
	bpf_object__close(obj);
	return 0;
}
