/* Hot-load registry benchmark (include/xdperf/hotload.h), built and run by bench/hotload.sh.
 * 1. Calls per second on one pinned core: echo module vs a native echo handler through
 *    xdperf_registry_route, and the bare loader call xdperf_proto_instance_call, per message size.
 * 2. Swap latency: promote() of a new version until a worker's first call answered by it.
 * 3. Memory per loaded version: RSS delta of 100 loaded + instantiated versions, and the
 *    registry's own memory_bytes figure.
 * (Part 3 runs first, on a fresh heap; see main.)
 * Usage: hotload PLUGINS_DIR WORK_DIR   (echo.wasm and example_protocol.wasm in PLUGINS_DIR; the
 * tagged swap modules are written to WORK_DIR and compiled with wat2wasm).
 * Environment: HOTLOAD_BENCH_MS (timed run per round, default 500), HOTLOAD_ROUNDS (default 5),
 * HOTLOAD_SWAPS (default 50).
 * Output: a plain table, then "Markdown:" and Markdown lines. Exit 0 all targets met, 3 a target
 * missed, 1 a failure (wrong answer, load error, ...), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xdperf/hotload.h"
#include "xdperf/plugin.h"

#define NSIZES 4
#define NKINDS 3
#define SAMPLE_MASK 4095u       /* verify every 4096th call inside the timed loop */
#define CLOCK_MASK 255u         /* read the clock every 256 calls */
#define MEM_VERSIONS 100
#define MAX_SWAPS 1000
#define RATIO_TARGET 3.0        /* echo module ns/call <= 3x native, 16 and 64 B */
#define SWAP_TARGET_US 1000.0   /* median swap latency < 1 ms */
#define SWAP_TAG 0x54470000u    /* "GT" + version index, stored in the answer's first 4 bytes */

static const size_t sizes[NSIZES] = { 16, 64, 512, 1500 };
static const char *const kind_names[NKINDS] = { "echo module (route)", "native echo (route)",
						"bare instance_call" };

static void fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "hotload bench: FAILED: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < min || v > max) {
		fprintf(stderr, "hotload bench: %s must be an integer in %ld..%ld\n", name, min, max);
		exit(2);
	}
	return v;
}

/* Registry log: warnings and errors only (the unsigned-module warning is expected here). */
static void quiet_log(void *ctx, const char *name, int level, const char *msg, size_t len)
{
	(void)ctx;
	if (level >= XDPERF_LOG_ERROR)
		fprintf(stderr, "hotload bench: [%s] %.*s\n", name, (int)len, msg);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail("cannot open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || n <= 0 || fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail("cannot read %s%s", path, "");
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct xdperf_registry *new_registry(void)
{
	struct xdperf_registry_opts o = { .sz = sizeof o, .log = quiet_log };
	struct xdperf_registry *r;
	char err[256] = "";
	if (xdperf_registry_new(&o, &r, err, sizeof err))
		fail("registry_new: %s%s", err, "");
	return r;
}

/* inactive -> testing -> active */
static int activate(struct xdperf_registry *r, const char *id, const char *ver, char *err, size_t errlen)
{
	int rc = xdperf_registry_start_testing(r, id, ver, err, errlen);
	return rc ? rc : xdperf_registry_promote(r, id, ver, err, errlen);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v in place; returns the q-quantile (nearest rank). */
static double quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof *v, cmp_double);
	size_t i = (size_t)(q * (double)n + 0.999999);
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- 1. calls per second ------------------------------------------------------------------- */

static int native_echo(void *ctx, const uint8_t *in, size_t len, struct xdperf_proto_buf *out, char *err,
		       size_t errlen)
{
	(void)ctx;
	if (out->cap < len) {
		uint8_t *p = realloc(out->data, len);
		if (!p) {
			snprintf(err, errlen, "native echo: out of memory");
			return -ENOMEM;
		}
		out->data = p;
		out->cap = len;
	}
	memcpy(out->data, in, len);
	out->len = len;
	return 0;
}

struct harness {
	struct xdperf_registry *r;
	struct xdperf_worker *w;
	struct xdperf_proto_instance *inst;
	struct xdperf_proto_buf out;
	uint64_t key;
	char err[256];
};

static inline int one_call(struct harness *h, int kind, const uint8_t *in, size_t len)
{
	switch (kind) {
	case 0:
		return xdperf_registry_route(h->r, h->w, "echo", &h->key, sizeof h->key, in, len, &h->out, NULL,
					     h->err, sizeof h->err);
	case 1:
		return xdperf_registry_route(h->r, h->w, "native", &h->key, sizeof h->key, in, len, &h->out, NULL,
					     h->err, sizeof h->err);
	default:
		return xdperf_proto_instance_call(h->inst, in, len, &h->out, NULL, h->err, sizeof h->err);
	}
}

static void check_answer(struct harness *h, int kind, int rc, const uint8_t *in, size_t len)
{
	if (rc)
		fail("%s: call failed: %s", kind_names[kind], h->err);
	if (h->out.len != len || memcmp(h->out.data, in, len))
		fail("%s: wrong answer (%s)", kind_names[kind],
		     h->out.len != len ? "length differs" : "bytes differ");
}

/* Calls until `ms` milliseconds have passed; returns ns per call, *calls the count. The first
 * 4 bytes of the message carry the call number, so a stale answer is caught by the samples. */
static double timed_run(struct harness *h, int kind, uint8_t *in, size_t len, long ms, uint64_t *calls)
{
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)ms * 1000000ull, t = t0;
	uint32_t i = 0;
	for (;;) {
		memcpy(in, &i, sizeof i);
		int rc = one_call(h, kind, in, len);
		if (__builtin_expect((i & SAMPLE_MASK) == 0 || rc != 0, 0))
			check_answer(h, kind, rc, in, len);
		i++;
		if ((i & CLOCK_MASK) == 0 && (t = now_ns()) >= deadline)
			break;
	}
	*calls = i;
	return (double)(t - t0) / (double)i;
}

struct call_result {
	double ns[NKINDS], cps[NKINDS];
};

static void bench_calls(const char *plugins, long ms, int rounds, struct call_result *res)
{
	char path[4096], err[256] = "";
	struct harness h = { .key = 0x0123456789abcdefull };
	h.r = new_registry();
	snprintf(path, sizeof path, "%s/echo.wasm", plugins);
	if (xdperf_registry_load_file(h.r, "echo", "1.0.0", path, NULL, err, sizeof err) ||
	    activate(h.r, "echo", "1.0.0", err, sizeof err))
		fail("echo module: %s%s", err, "");
	if (xdperf_registry_load_native(h.r, "native", "1.0.0", native_echo, NULL, err, sizeof err) ||
	    activate(h.r, "native", "1.0.0", err, sizeof err))
		fail("native echo: %s%s", err, "");
	if (xdperf_worker_new(h.r, &h.w, err, sizeof err))
		fail("worker_new: %s%s", err, "");
	/* the bare loader path: one module, one instance, no registry */
	size_t wlen;
	uint8_t *wasm = read_file(path, &wlen);
	struct xdperf_proto_module_opts mo = { .sz = sizeof mo, .name = "echo@bare" };
	struct xdperf_proto_module *mod;
	if (xdperf_proto_module_load(wasm, wlen, &mo, &mod, err, sizeof err) ||
	    xdperf_proto_instance_new(mod, &h.inst, err, sizeof err))
		fail("bare echo: %s%s", err, "");
	free(wasm);

	uint8_t *in = malloc(sizes[NSIZES - 1]);
	if (!in)
		fail("out of memory%s%s", "", "");
	for (int s = 0; s < NSIZES; s++) {
		size_t len = sizes[s];
		double ns[NKINDS][64], cps[NKINDS][64];
		for (size_t b = 0; b < len; b++)
			in[b] = (uint8_t)(b * 131 + len);
		uint64_t calls;
		for (int k = 0; k < NKINDS; k++) /* warm-up: instances, caches, branch predictors */
			timed_run(&h, k, in, len, ms / 5 + 1, &calls);
		/* rounds interleave the kinds so that background load hits them alike */
		for (int rd = 0; rd < rounds; rd++) {
			for (int k = 0; k < NKINDS; k++) {
				ns[k][rd] = timed_run(&h, k, in, len, ms, &calls);
				cps[k][rd] = 1e9 / ns[k][rd];
				/* a fresh message outside the timed region, checked in full */
				for (size_t b = 0; b < len; b++)
					in[b] = (uint8_t)(b * 7 + rd * 13 + k);
				check_answer(&h, k, one_call(&h, k, in, len), in, len);
			}
		}
		for (int k = 0; k < NKINDS; k++) {
			res[s].ns[k] = median(ns[k], (size_t)rounds);
			res[s].cps[k] = median(cps[k], (size_t)rounds);
		}
		fprintf(stderr, "hotload bench: %4zu B: echo %.1f ns, native %.1f ns, bare %.1f ns per call\n", len,
			res[s].ns[0], res[s].ns[1], res[s].ns[2]);
	}
	free(in);
	free(h.out.data);
	xdperf_proto_instance_free(h.inst);
	xdperf_proto_module_free(mod);
	xdperf_worker_free(h.w);
	xdperf_registry_free(h.r);
}

/* ---- 2. swap latency ------------------------------------------------------------------------ */

/* A bump allocator and a handle that stores the version tag over the first 4 bytes of the
 * input and answers the input: the answer is the message with its first word replaced. */
static const char tagged_wat[] =
	"(module\n"
	"  (memory (export \"memory\") 1)\n"
	"  (global $heap (mut i32) (i32.const 1024))\n"
	"  (func (export \"alloc\") (param $n i32) (result i32)\n"
	"    (local $p i32) (local $end i32) (local $have i32)\n"
	"    (local.set $p (global.get $heap))\n"
	"    (local.set $end (i32.add (local.get $p)\n"
	"      (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))\n"
	"    (if (i32.lt_u (local.get $end) (local.get $p)) (then (return (i32.const 0))))\n"
	"    (local.set $have (i32.mul (memory.size) (i32.const 65536)))\n"
	"    (if (i32.gt_u (local.get $end) (local.get $have))\n"
	"      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have))\n"
	"                                                 (i32.const 16)) (i32.const 1))) (i32.const -1))\n"
	"              (then (return (i32.const 0))))))\n"
	"    (global.set $heap (local.get $end))\n"
	"    (local.get $p))\n"
	"  (func (export \"free\") (param i32))\n"
	"  (func (export \"handle\") (param $p i32) (param $n i32) (result i32 i32)\n"
	"    (if (i32.ge_u (local.get $n) (i32.const 4))\n"
	"      (then (i32.store (local.get $p) (i32.const %u))))\n"
	"    (local.get $p) (local.get $n)))\n";

struct swap_state {
	struct xdperf_registry *r;
	atomic_bool ready, stop;
	_Atomic uint64_t first_seen[MAX_SWAPS + 1]; /* completion time of the first call of version k */
	_Atomic uint64_t calls;
	atomic_int failed;
	char why[256];
	uint64_t backwards;   /* calls answered by an older version after a newer one (worker only) */
};

static void *swap_worker(void *arg)
{
	struct swap_state *st = arg;
	struct xdperf_worker *w;
	struct xdperf_proto_buf out = { 0 };
	struct xdperf_call_info info;
	char err[256] = "";
	uint8_t in[64], want[64];
	if (xdperf_worker_new(st->r, &w, err, sizeof err)) {
		snprintf(st->why, sizeof st->why, "worker_new: %s", err);
		atomic_store(&st->failed, 1);
		atomic_store(&st->ready, true);
		return NULL;
	}
	for (size_t b = 0; b < sizeof in; b++)
		in[b] = (uint8_t)(b * 29 + 1);
	uint32_t cur = 0;
	uint64_t n = 0;
	atomic_store(&st->ready, true);
	while (!atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		memcpy(in + 4, &n, sizeof n); /* distinct keys and messages */
		int rc = xdperf_registry_route(st->r, w, "swap", &n, sizeof n, in, sizeof in, &out, &info, err,
					       sizeof err);
		uint64_t t1 = now_ns();
		n++;
		uint32_t tag;
		if (rc || out.len != sizeof in) {
			snprintf(st->why, sizeof st->why, "route: %s", rc ? err : "answer length differs");
			atomic_store(&st->failed, 1);
			break;
		}
		memcpy(&tag, out.data, sizeof tag);
		uint32_t k = tag - SWAP_TAG;
		memcpy(want, in, sizeof in);
		memcpy(want, &tag, sizeof tag);
		char vs[XDPERF_PROTO_VERSION_MAX];
		snprintf(vs, sizeof vs, "1.0.%u", k);
		if ((tag & 0xffff0000u) != SWAP_TAG || k > MAX_SWAPS || memcmp(out.data, want, sizeof in) ||
		    strcmp(info.version, vs)) {
			snprintf(st->why, sizeof st->why, "wrong answer (tag %#x, version %s)", tag, info.version);
			atomic_store(&st->failed, 1);
			break;
		}
		if (k > cur) {
			atomic_store_explicit(&st->first_seen[k], t1, memory_order_release);
			cur = k;
		} else if (k < cur) {
			st->backwards++;
		}
	}
	atomic_store(&st->calls, n);
	free(out.data);
	xdperf_worker_free(w);
	return NULL;
}

/* Writes WORK/swap_tagK.wat, compiles it with wat2wasm, returns the module bytes. */
static uint8_t *tagged_module(const char *work, unsigned k, size_t *len)
{
	char wat[4096], wasm[4096], cmd[8400];
	snprintf(wat, sizeof wat, "%s/swap_tag%u.wat", work, k);
	snprintf(wasm, sizeof wasm, "%s/swap_tag%u.wasm", work, k);
	FILE *f = fopen(wat, "w");
	if (!f)
		fail("cannot write %s: %s", wat, strerror(errno));
	fprintf(f, tagged_wat, SWAP_TAG + k);
	fclose(f);
	snprintf(cmd, sizeof cmd, "wat2wasm '%s' -o '%s'", wat, wasm);
	if (system(cmd) != 0)
		fail("'%s' failed%s", cmd, "");
	return read_file(wasm, len);
}

struct swap_result {
	int n;
	double med_us, p90_us, max_us, promote_med_us, promote_max_us;
	uint64_t calls, backwards;
	size_t versions_left;
	double rss_growth_kib;  /* RSS after the last swap minus after the 5th */
};

static double rss_kib(void);

static void bench_swap(const char *work, int nswaps, struct swap_result *res)
{
	char err[256] = "", ver[32];
	uint8_t *mods[MAX_SWAPS + 1];
	size_t lens[MAX_SWAPS + 1];
	for (int k = 0; k <= nswaps; k++)
		mods[k] = tagged_module(work, (unsigned)k, &lens[k]);
	struct swap_state *st = calloc(1, sizeof *st);
	if (!st)
		fail("out of memory%s%s", "", "");
	st->r = new_registry();
	if (xdperf_registry_load(st->r, "swap", "1.0.0", mods[0], lens[0], NULL, err, sizeof err) ||
	    activate(st->r, "swap", "1.0.0", err, sizeof err))
		fail("swap 1.0.0: %s%s", err, "");
	pthread_t th;
	if (pthread_create(&th, NULL, swap_worker, st))
		fail("pthread_create failed%s%s", "", "");
	while (!atomic_load(&st->ready))
		sched_yield();
	double lat[MAX_SWAPS], prom[MAX_SWAPS], rss5 = 0;
	struct timespec gap = { 0, 2000000 }; /* 2 ms of steady traffic between swaps */
	nanosleep(&gap, NULL);
	int done = 0;
	for (int k = 1; k <= nswaps && !atomic_load(&st->failed); k++) {
		snprintf(ver, sizeof ver, "1.0.%d", k);
		if (xdperf_registry_load(st->r, "swap", ver, mods[k], lens[k], NULL, err, sizeof err) ||
		    xdperf_registry_start_testing(st->r, "swap", ver, err, sizeof err))
			fail("swap %s: %s", ver, err);
		uint64_t t0 = now_ns();
		int rc = xdperf_registry_promote(st->r, "swap", ver, err, sizeof err);
		uint64_t tp = now_ns();
		if (rc)
			fail("promote %s: %s", ver, err);
		uint64_t t1, waited = 0;
		struct timespec poll = { 0, 20000 };
		while (!(t1 = atomic_load_explicit(&st->first_seen[k], memory_order_acquire))) {
			if (atomic_load(&st->failed))
				break;
			if (++waited > 100000) /* >= 2 s */
				fail("version %s never answered a call after promote%s", ver, "");
			nanosleep(&poll, NULL);
		}
		if (atomic_load(&st->failed))
			break;
		lat[done] = (double)(t1 - t0) / 1e3;
		prom[done] = (double)(tp - t0) / 1e3;
		done++;
		/* the previous version is deprecating now: unload it so memory stays bounded */
		snprintf(ver, sizeof ver, "1.0.%d", k - 1);
		if (xdperf_registry_unload(st->r, "swap", ver, err, sizeof err))
			fail("unload %s: %s", ver, err);
		xdperf_registry_maintain(st->r);
		if (k == 5)
			rss5 = rss_kib();
		nanosleep(&gap, NULL);
	}
	atomic_store(&st->stop, true);
	pthread_join(th, NULL);
	if (atomic_load(&st->failed))
		fail("swap worker: %s%s", st->why, "");
	xdperf_registry_maintain(st->r);
	struct xdperf_version_info *vi;
	size_t nv;
	if (xdperf_registry_list(st->r, "swap", &vi, &nv))
		fail("list swap failed%s%s", "", "");
	free(vi);
	res->n = done;
	res->med_us = quantile(lat, (size_t)done, 0.5);
	res->p90_us = quantile(lat, (size_t)done, 0.9);
	res->max_us = lat[done - 1];
	res->promote_med_us = quantile(prom, (size_t)done, 0.5);
	res->promote_max_us = prom[done - 1];
	res->calls = atomic_load(&st->calls);
	res->backwards = st->backwards;
	res->versions_left = nv;
	res->rss_growth_kib = rss5 > 0 ? rss_kib() - rss5 : 0;
	xdperf_registry_free(st->r);
	free(st);
	for (int k = 0; k <= nswaps; k++)
		free(mods[k]);
}

/* ---- 3. memory per version ------------------------------------------------------------------ */

static double rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size, rss;
	if (!f || fscanf(f, "%lu %lu", &size, &rss) != 2)
		fail("cannot read /proc/self/statm%s%s", "", "");
	fclose(f);
	return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1024.0;
}

struct mem_result {
	const char *file;
	size_t wasm_bytes;
	double rss_kib_per_version, info_kib_mean;
	uint32_t instances;
};

/* Loads MEM_VERSIONS versions of PLUGINS/file into r, one call each; the registry stays alive
 * (freed by the caller at the end) so that its memory is not reused by the next measurement. */
static void bench_mem(struct xdperf_registry *r, const char *plugins, const char *file, const char *id,
		      const char *prefix, struct mem_result *res)
{
	char path[4096], err[256] = "", ver[32];
	snprintf(path, sizeof path, "%s/%s", plugins, file);
	size_t len;
	uint8_t *wasm = read_file(path, &len);
	struct xdperf_worker *w;
	if (xdperf_worker_new(r, &w, err, sizeof err))
		fail("worker_new: %s%s", err, "");
	static const char msg[] = "hello, hot-loaded world";
	char want[128];
	snprintf(want, sizeof want, "%s%s", prefix, msg);
	struct xdperf_proto_buf out = { 0 };
	/* the output buffer's final size is allocated before the first RSS reading */
	out.data = malloc(256);
	out.cap = out.data ? 256 : 0;
	double before = rss_kib();
	for (int i = 0; i < MEM_VERSIONS; i++) {
		snprintf(ver, sizeof ver, "1.0.%d", i);
		if (xdperf_registry_load(r, id, ver, wasm, len, NULL, err, sizeof err))
			fail("load %s: %s", path, err);
		if (xdperf_registry_execute(r, w, id, ver, msg, sizeof msg - 1, &out, NULL, err, sizeof err))
			fail("execute %s: %s", path, err);
		if (out.len != strlen(want) || memcmp(out.data, want, out.len))
			fail("%s: wrong answer from %s", path, ver);
	}
	double after = rss_kib();
	struct xdperf_version_info *vi;
	size_t n;
	if (xdperf_registry_list(r, id, &vi, &n) || n != MEM_VERSIONS)
		fail("list %s failed%s", id, "");
	double sum = 0;
	uint32_t inst = 0;
	for (size_t i = 0; i < n; i++) {
		sum += (double)vi[i].memory_bytes;
		inst += vi[i].instances;
	}
	free(vi);
	res->file = file;
	res->wasm_bytes = len;
	res->rss_kib_per_version = (after - before) / MEM_VERSIONS;
	res->info_kib_mean = sum / (double)n / 1024.0;
	res->instances = inst;
	free(out.data);
	free(wasm);
	xdperf_worker_free(w);
}

/* ---- main ----------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hotload PLUGINS_DIR WORK_DIR\n");
		return 2;
	}
	const char *plugins = argv[1], *work = argv[2];
	long ms = env_long("HOTLOAD_BENCH_MS", 500, 1, 600000);
	int rounds = (int)env_long("HOTLOAD_ROUNDS", 5, 1, 64);
	int nswaps = (int)env_long("HOTLOAD_SWAPS", 50, 1, MAX_SWAPS);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* 3 runs first, on a fresh heap: once instances have been freed, glibc raises its mmap
	 * threshold and later instances' value stacks come from the heap, zeroed (touched) by calloc,
	 * which would make the figure depend on what ran before. */
	fprintf(stderr, "hotload bench: memory per version (%d versions)\n", MEM_VERSIONS);
	struct mem_result mem[2];
	struct xdperf_registry *r1 = new_registry(), *r2 = new_registry();
	bench_mem(r1, plugins, "echo.wasm", "mem_echo", "", &mem[0]);
	bench_mem(r2, plugins, "example_protocol.wasm", "mem_example", "Processed: ", &mem[1]);
	xdperf_registry_free(r1);
	xdperf_registry_free(r2);

	/* 1: pinned to CPU 0; the old mask is restored for the threads of part 2 */
	cpu_set_t old, one;
	if (sched_getaffinity(0, sizeof old, &old))
		fail("sched_getaffinity: %s%s", strerror(errno), "");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof one, &one))
		fail("sched_setaffinity(CPU 0): %s%s", strerror(errno), "");
	struct call_result calls[NSIZES];
	fprintf(stderr, "hotload bench: calls per second (%ld ms x %d rounds per kind and size)\n", ms, rounds);
	bench_calls(plugins, ms, rounds, calls);
	sched_setaffinity(0, sizeof old, &old);

	/* 2 */
	fprintf(stderr, "hotload bench: swap latency (%d swaps)\n", nswaps);
	struct swap_result sw;
	bench_swap(work, nswaps, &sw);

	/* targets */
	double worst_small = 0;
	for (int s = 0; s < NSIZES; s++)
		if (sizes[s] <= 64 && calls[s].ns[0] / calls[s].ns[1] > worst_small)
			worst_small = calls[s].ns[0] / calls[s].ns[1];
	const char *ratio_ok = worst_small <= RATIO_TARGET ? "met" : "MISSED";
	const char *swap_ok = sw.med_us < SWAP_TARGET_US ? "met" : "MISSED";

	/* plain */
	printf("\nhotload registry: calls on one core pinned to CPU 0 (median of %d x %ld ms; %ld CPUs, other "
	       "processes may share them, so figures are noisy)\n", rounds, ms, ncpu);
	printf("%-6s %-22s %12s %10s %14s\n", "size", "path", "calls/s", "ns/call", "vs native");
	for (int s = 0; s < NSIZES; s++)
		for (int k = 0; k < NKINDS; k++)
			printf("%-6zu %-22s %12.0f %10.1f %13.2fx\n", sizes[s], kind_names[k], calls[s].cps[k],
			       calls[s].ns[k], calls[s].ns[k] / calls[s].ns[1]);
	printf("echo module vs native, 16 and 64 B: worst %.2fx (target <= %.0fx: %s)\n", worst_small,
	       RATIO_TARGET, ratio_ok);
	for (int s = 0; s < NSIZES; s++)
		printf("registry overhead at %zu B: %.1f ns per call (route minus bare instance_call)\n", sizes[s],
		       calls[s].ns[0] - calls[s].ns[2]);
	printf("swap latency (promote -> first call answered by the new version, incl. its lazy instantiation), "
	       "%d swaps: median %.1f us, p90 %.1f us, max %.1f us (target median < %.0f ms: %s)\n", sw.n,
	       sw.med_us, sw.p90_us, sw.max_us, SWAP_TARGET_US / 1000, swap_ok);
	printf("promote() itself: median %.1f us, max %.1f us; worker calls during the swaps: %" PRIu64
	       ", answered by an older version after a newer one: %" PRIu64 "; versions left: %zu; RSS change "
	       "from swap 5 to %d: %.0f KiB\n", sw.promote_med_us, sw.promote_max_us, sw.calls, sw.backwards,
	       sw.versions_left, sw.n, sw.rss_growth_kib);
	for (int i = 0; i < 2; i++)
		printf("memory per loaded version of %s (%zu bytes, %d versions, %u instances): RSS %.1f KiB, "
		       "memory_bytes mean %.1f KiB\n", mem[i].file, mem[i].wasm_bytes, MEM_VERSIONS,
		       mem[i].instances, mem[i].rss_kib_per_version, mem[i].info_kib_mean);

	/* Markdown */
	printf("\nMarkdown:\n\n");
	printf("| message | echo module calls/s | ns/call | native echo calls/s | ns/call | module/native | "
	       "bare instance_call ns | registry overhead ns |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int s = 0; s < NSIZES; s++)
		printf("| %zu B | %.2f M | %.1f | %.2f M | %.1f | %.2f× | %.1f | %.1f |\n", sizes[s],
		       calls[s].cps[0] / 1e6, calls[s].ns[0], calls[s].cps[1] / 1e6, calls[s].ns[1],
		       calls[s].ns[0] / calls[s].ns[1], calls[s].ns[2], calls[s].ns[0] - calls[s].ns[2]);
	printf("\nEcho module vs native handler, 16 and 64 B: **%.2f×** worst (target ≤ %.0f×: %s). "
	       "One thread pinned to CPU 0, `xdperf_registry_route` with a fixed flow key, median of %d × %ld ms.\n",
	       worst_small, RATIO_TARGET, ratio_ok, rounds, ms);
	printf("\n| figure | median | p90 | max |\n|---|---:|---:|---:|\n");
	printf("| swap latency: promote → first call on the new version (%d swaps; target median < 1 ms: %s) | "
	       "**%.1f µs** | %.1f µs | %.1f µs |\n", sw.n, swap_ok, sw.med_us, sw.p90_us, sw.max_us);
	printf("| `xdperf_registry_promote()` call | %.1f µs | | %.1f µs |\n", sw.promote_med_us, sw.promote_max_us);
	printf("\n| module | RSS per loaded version | `memory_bytes` mean |\n|---|---:|---:|\n");
	for (int i = 0; i < 2; i++)
		printf("| %s (%zu B) | %.1f KiB | %.1f KiB |\n", mem[i].file, mem[i].wasm_bytes,
		       mem[i].rss_kib_per_version, mem[i].info_kib_mean);
	struct utsname u;
	if (uname(&u))
		snprintf(u.machine, sizeof u.machine, "?");
	printf("\n%d versions each, one call (so one instance) per version, measured first in a fresh "
	       "process; RSS counts the pages instances touched (their value stacks and linear memory are "
	       "mapped, so untouched pages stay out). %s, %ld CPUs shared with other processes "
	       "(noisy; medians).\n", MEM_VERSIONS, u.machine, ncpu);
	return (strcmp(ratio_ok, "met") || strcmp(swap_ok, "met")) ? 3 : 0;
}
