/* Load-time micro-benchmark: decode + validate + translate one module many times.
 * Usage: load_time FILE.wasm [ITERATIONS]   (default 200)
 * Prints: "load_time: FILE SIZE bytes, N loads, mean=X ms, min=Y ms". Built by bench/run.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdperf/wasm.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: load_time FILE.wasm [ITERATIONS]\n");
		return 2;
	}
	long iters = argc == 3 ? strtol(argv[2], NULL, 10) : 200;
	if (iters < 1) {
		fprintf(stderr, "load_time: bad iteration count\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "load_time: cannot read %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || len <= 0 || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "load_time: cannot read %s\n", argv[1]);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);

	char err[256] = "";
	struct xwasm_load_opts lo = { .sz = sizeof(lo), .name = "load100k" };
	/* Warm-up (page faults, allocator). */
	for (int i = 0; i < 3; i++) {
		xwasm_module *m = NULL;
		int rc = xwasm_module_load(buf, (size_t)len, &lo, &m, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "load_time: cannot load %s: %s\n", argv[1], err);
			free(buf);
			return 1;
		}
		xwasm_module_free(m);
	}
	double total = 0, min = 1e30;
	for (long i = 0; i < iters; i++) {
		xwasm_module *m = NULL;
		double t0 = now_ms();
		int rc = xwasm_module_load(buf, (size_t)len, &lo, &m, err, sizeof(err));
		double dt = now_ms() - t0;
		if (rc) {
			fprintf(stderr, "load_time: load failed: %s\n", err);
			free(buf);
			return 1;
		}
		xwasm_module_free(m);
		total += dt;
		if (dt < min)
			min = dt;
	}
	printf("load_time: %s %ld bytes, %ld loads, mean=%.3f ms, min=%.3f ms\n", argv[1], len, iters,
	       total / iters, min);
	free(buf);
	return 0;
}
