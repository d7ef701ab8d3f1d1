/* Concurrency test of the protocol registry (include/xdperf/hotload.h): 4 worker threads route
 * messages of many flows through the lock-free hot path while a control thread loads, canaries,
 * promotes, rolls back and unloads 100 versions of a tagged module. Every answer must be
 * TAG ":" payload from a version that took traffic while the call ran (checked against the
 * control thread's record of when each version was routable), no call may fail, the canary's
 * share during two held phases must match its percentage within 1 point, and the listed call
 * counts must equal the answers the workers saw. Run under ASan/UBSan and under TSan by
 * tests/cases/hotload_concurrency.sh.
 * Each worker makes at least CALLS_PER_WORKER calls, and goes on until the control thread is done.
 * Usage: hotload_concurrency TAGGED_WASM CALLS_PER_WORKER HOLD_CALLS */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xdperf/hotload.h"
#define CHECK_SHOW_PASSES 1
#include "check.h"

#define NT 4            /* worker threads */
#define NV 101          /* versions v000 .. v100 */
#define CYCLES 100
#define MAXIV 16        /* routable intervals per version */
#define FLOWS 50000     /* distinct flows per worker */



/* ---- what the control thread did, in terms of the sequence counter `seq` ---------------------
 * A version is routable (takes a share of flows) over intervals [start, end) of seq: start is
 * stored before the control call that makes it routable (seq is bumped first, so a call that
 * saw the new routing reads seq >= start afterwards); end is stored after the control call that
 * takes its traffic away returned (and before seq is bumped to it, so a call that reads
 * seq >= end before it starts also sees end). */
struct vtrack {
	_Atomic uint64_t start[MAXIV], end[MAXIV]; /* end 0 = still open */
	atomic_int n;
};
static struct vtrack vt[NV];
static _Atomic uint64_t seq = 1;

/* Held phases: 0 = none; 1 = canary at 10%, 2 = canary at 50%. */
static atomic_int phase;
static atomic_int phase_canary = -1;
static const double phase_pct[3] = { 0, 10, 50 };

struct wstat {
	_Atomic uint64_t done;                /* calls made so far */
	_Atomic uint64_t in_phase[3], on_canary[3];
	uint64_t per_version[NV];
	uint64_t failed, bad_answer, not_routable;
	uint64_t seq_lo[NV], seq_hi[NV];      /* seq range of the calls each version answered */
	char first_problem[512];
} __attribute__((aligned(64)));
static struct wstat ws[NT];
static atomic_int workers_done;
static atomic_int control_done;

static struct xdperf_registry *reg;
static uint64_t calls_per_worker;
static uint64_t hold_calls;
static uint8_t *template_wasm;
static size_t template_len;

static uint64_t total_done(void)
{
	uint64_t t = 0;
	for (int i = 0; i < NT; i++)
		t += atomic_load_explicit(&ws[i].done, memory_order_relaxed);
	return t;
}

static bool routable(int k, uint64_t s0, uint64_t s1)
{
	int n = atomic_load_explicit(&vt[k].n, memory_order_acquire);
	for (int i = 0; i < n; i++) {
		uint64_t st = atomic_load_explicit(&vt[k].start[i], memory_order_acquire);
		uint64_t en = atomic_load_explicit(&vt[k].end[i], memory_order_acquire);
		if (st <= s1 && (en == 0 || s0 < en))
			return true;
	}
	return false;
}

static void problem(struct wstat *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct wstat *w, const char *fmt, ...)
{
	if (w->first_problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->first_problem, sizeof w->first_problem, fmt, ap);
	va_end(ap);
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	struct wstat *w = &ws[t];
	struct xdperf_worker *wk = NULL;
	struct xdperf_proto_buf out = { 0 };
	struct xdperf_call_info ci;
	char err[512], msg[64];
	for (int k = 0; k < NV; k++)
		w->seq_lo[k] = UINT64_MAX;
	int rc = xdperf_worker_new(reg, &wk, err, sizeof err);
	if (rc) {
		problem(w, "worker_new: %d %s", rc, err);
		w->failed = calls_per_worker;
		atomic_fetch_add(&workers_done, 1);
		return NULL;
	}
	/* at least calls_per_worker calls, and on until the control thread has finished */
	for (uint64_t i = 0; i < calls_per_worker || !atomic_load_explicit(&control_done, memory_order_relaxed); i++) {
		uint32_t key = ((uint32_t)t << 20) | (uint32_t)(i % FLOWS);
		int ml = snprintf(msg, sizeof msg, "w%d-%llu", t, (unsigned long long)i);
		int ph0 = atomic_load_explicit(&phase, memory_order_acquire);
		uint64_t s0 = atomic_load_explicit(&seq, memory_order_acquire);
		rc = xdperf_registry_route(reg, wk, "tg", &key, sizeof key, msg, (size_t)ml, &out, &ci, err, sizeof err);
		uint64_t s1 = atomic_load_explicit(&seq, memory_order_acquire);
		int ph1 = atomic_load_explicit(&phase, memory_order_acquire);
		atomic_store_explicit(&w->done, i + 1, memory_order_relaxed);
		if (rc) {
			w->failed++;
			problem(w, "call %llu of worker %d failed: rc %d fault %s version '%.31s': %s", (unsigned long long)i, t, rc,
				xdperf_proto_fault_str(ci.fault), ci.version, err);
			continue;
		}
		/* TAG ":" msg with TAG = vNNN */
		int k = -1;
		if (out.len == 5 + (size_t)ml && out.data[0] == 'v' && out.data[4] == ':' && !memcmp(out.data + 5, msg, (size_t)ml) &&
		    out.data[1] >= '0' && out.data[1] <= '9' && out.data[2] >= '0' && out.data[2] <= '9' && out.data[3] >= '0' &&
		    out.data[3] <= '9')
			k = (out.data[1] - '0') * 100 + (out.data[2] - '0') * 10 + (out.data[3] - '0');
		if (k < 0 || k >= NV || strncmp(ci.version, (const char *)out.data, 4) || ci.version[4]) {
			w->bad_answer++;
			problem(w, "call %llu of worker %d: answer '%.*s' (version '%.31s') is not vNNN:%s", (unsigned long long)i, t,
				(int)(out.len > 60 ? 60 : out.len), (const char *)out.data, ci.version, msg);
			continue;
		}
		w->per_version[k]++;
		if (s0 < w->seq_lo[k])
			w->seq_lo[k] = s0;
		if (s1 > w->seq_hi[k])
			w->seq_hi[k] = s1;
		if (!routable(k, s0, s1)) {
			w->not_routable++;
			problem(w, "call %llu of worker %d (seq %llu..%llu) answered by v%03d, which took no traffic then",
				(unsigned long long)i, t, (unsigned long long)s0, (unsigned long long)s1, k);
		}
		if (ph0 == ph1 && ph0 != 0) {
			atomic_fetch_add_explicit(&w->in_phase[ph0], 1, memory_order_relaxed);
			if (k == atomic_load_explicit(&phase_canary, memory_order_relaxed))
				atomic_fetch_add_explicit(&w->on_canary[ph0], 1, memory_order_relaxed);
		}
	}
	free(out.data);
	xdperf_worker_free(wk);
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

/* ---- control thread -------------------------------------------------------------------------- */

static int ctl_fail;
static char ctl_problem[512];
static uint64_t mark, step;
static size_t max_listed;

static void ctl_error(const char *what, int rc, const char *err)
{
	ctl_fail++;
	if (!ctl_problem[0])
		snprintf(ctl_problem, sizeof ctl_problem, "%s: rc %d: %s", what, rc, err);
}

/* Lets the workers make `step` more calls from now (unless they are done). */
static void pace(void)
{
	uint64_t t = total_done();
	if (mark < t) /* a held phase let the workers run ahead */
		mark = t;
	mark += step;
	while (total_done() < mark && atomic_load(&workers_done) < NT) {
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
}

static void opened(int k)
{
	uint64_t s = atomic_fetch_add(&seq, 1) + 1;
	int n = atomic_load(&vt[k].n);
	if (n >= MAXIV) {
		ctl_error("too many intervals", 0, "");
		return;
	}
	atomic_store(&vt[k].end[n], 0);
	atomic_store(&vt[k].start[n], s);
	atomic_store_explicit(&vt[k].n, n + 1, memory_order_release);
}

static void closed(int k)
{
	int n = atomic_load(&vt[k].n);
	uint64_t s = atomic_load(&seq) + 1;
	if (n > 0)
		atomic_store(&vt[k].end[n - 1], s);
	atomic_store(&seq, s);
}

static void vname(int k, char *b)
{
	snprintf(b, 8, "v%03d", k);
}

#define CTL(call, what)                                         \
	do {                                                    \
		err[0] = 0;                                     \
		int rc_ = (call);                               \
		if (rc_)                                        \
			ctl_error(what, rc_, err);              \
	} while (0)

static enum xdperf_version_state state_of(int k, bool *found)
{
	struct xdperf_version_info *l = NULL;
	size_t n = 0;
	char v[8];
	vname(k, v);
	*found = false;
	enum xdperf_version_state s = XDPERF_VERSION_INACTIVE;
	if (xdperf_registry_list(reg, "tg", &l, &n) == 0) {
		if (n > max_listed)
			max_listed = n;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(l[i].version, v)) {
				s = l[i].state;
				*found = true;
			}
	}
	free(l);
	return s;
}

static void load_version(int k)
{
	char err[512], v[8];
	uint8_t *b = malloc(template_len);
	memcpy(b, template_wasm, template_len);
	uint8_t *p = memmem(b, template_len, "@TAG@", 5);
	memset(p, 0, 31);
	vname(k, v);
	memcpy(p, v, 4);
	CTL(xdperf_registry_load(reg, "tg", v, b, template_len, NULL, err, sizeof err), "load");
	free(b);
}

/* Holds the canary k at its current share (phase ph) until the workers made hold_calls calls
 * in the phase. */
static void hold(int ph, int k)
{
	atomic_store(&phase_canary, k);
	atomic_store_explicit(&phase, ph, memory_order_release);
	for (;;) {
		uint64_t in = 0;
		for (int i = 0; i < NT; i++)
			in += atomic_load_explicit(&ws[i].in_phase[ph], memory_order_relaxed);
		if (in >= hold_calls || atomic_load(&workers_done) == NT)
			break;
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	atomic_store_explicit(&phase, 0, memory_order_release);
}

static int rollbacks, unloads;

static void *control(void *arg)
{
	(void)arg;
	char err[512], v[8], pv[8];
	int act = 0;
	bool loaded[NV] = { [0] = true };
	step = calls_per_worker * NT / (CYCLES * 10); /* about 4.4 paces a cycle: ~45% of the calls */
	if (!step)
		step = 1;
	for (int k = 1; k <= CYCLES; k++) {
		vname(k, v);
		vname(act, pv);
		load_version(k);
		loaded[k] = true;
		CTL(xdperf_registry_start_testing(reg, "tg", v, err, sizeof err), "start_testing");
		opened(k);
		CTL(xdperf_registry_set_traffic(reg, "tg", v, 1, err, sizeof err), "set_traffic 1");
		pace();
		CTL(xdperf_registry_set_traffic(reg, "tg", v, 10, err, sizeof err), "set_traffic 10");
		if (k == 30)
			hold(1, k);
		pace();
		CTL(xdperf_registry_set_traffic(reg, "tg", v, 50, err, sizeof err), "set_traffic 50");
		if (k == 60)
			hold(2, k);
		pace();
		CTL(xdperf_registry_promote(reg, "tg", v, err, sizeof err), "promote");
		closed(act);
		pace();
		if (k % 7 == 0) {
			/* back to the previous version, then forward again */
			opened(act);
			CTL(xdperf_registry_rollback(reg, "tg", err, sizeof err), "rollback");
			closed(k);
			rollbacks++;
			pace();
			bool found;
			int tries = 0;
			while (state_of(k, &found) != XDPERF_VERSION_DEPRECATED && found && tries++ < 5000) {
				xdperf_registry_maintain(reg);
				struct timespec ts = { 0, 1000000 };
				nanosleep(&ts, NULL);
			}
			if (!found || state_of(k, &found) != XDPERF_VERSION_DEPRECATED)
				ctl_error("rolled-back version never became deprecated", 0, v);
			CTL(xdperf_registry_start_testing(reg, "tg", v, err, sizeof err), "start_testing after rollback");
			opened(k);
			CTL(xdperf_registry_set_traffic(reg, "tg", v, 50, err, sizeof err), "set_traffic 50 after rollback");
			pace();
			CTL(xdperf_registry_promote(reg, "tg", v, err, sizeof err), "promote after rollback");
			closed(act);
			pace();
		}
		/* keep the current and the previous version (for rollback); unload older ones */
		for (int j = 0; j < k - 1; j++) {
			if (loaded[j]) {
				vname(j, pv);
				CTL(xdperf_registry_unload(reg, "tg", pv, err, sizeof err), "unload");
				loaded[j] = false;
				unloads++;
			}
		}
		act = k;
		bool found;
		state_of(k, &found);
	}
	atomic_store(&control_done, 1);
	return NULL;
}

/* Registry and module log lines: warnings and errors only (state changes are INFO). */
static void on_log(void *ctx, const char *name, int level, const char *msg, size_t len)
{
	(void)ctx;
	if (level >= 2)
		printf("log %s [%d]: %.*s\n", name, level, (int)len, msg);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s TAGGED_WASM CALLS_PER_WORKER HOLD_CALLS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	calls_per_worker = strtoull(argv[2], NULL, 10);
	hold_calls = strtoull(argv[3], NULL, 10);
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		printf("FATAL: cannot open %s\n", argv[1]);
		return 2;
	}
	template_wasm = malloc(1 << 16);
	template_len = fread(template_wasm, 1, 1 << 16, f);
	fclose(f);
	if (!memmem(template_wasm, template_len, "@TAG@@@@@@@@@@@@@@@@@@@@@@@@@@@", 31)) {
		printf("FATAL: no tag placeholder in %s\n", argv[1]);
		return 2;
	}

	char err[512];
	struct xdperf_registry_opts o = { .sz = sizeof o, .maintain_interval_ms = 5, .log = on_log };
	int rc = xdperf_registry_new(&o, &reg, err, sizeof err);
	if (rc) {
		printf("FATAL: registry_new: %d %s\n", rc, err);
		return 2;
	}
	load_version(0);
	CTL(xdperf_registry_start_testing(reg, "tg", "v000", err, sizeof err), "start_testing v000");
	opened(0);
	CTL(xdperf_registry_promote(reg, "tg", "v000", err, sizeof err), "promote v000");

	double t0 = now_s();
	pthread_t th[NT], ct;
	for (int i = 0; i < NT; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	pthread_create(&ct, NULL, control, NULL);
	pthread_join(ct, NULL);
	double tc = now_s() - t0;
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	double tw = now_s() - t0;
	uint64_t calls = total_done();
	printf("%d workers, %llu calls (>= %llu each) in %.2f s (%.0f calls/s); control: %d cycles, %d rollbacks, %d unloads in %.2f s\n",
	       NT, (unsigned long long)calls, (unsigned long long)calls_per_worker, tw, calls / tw, CYCLES, rollbacks, unloads, tc);
	uint64_t failed = 0, bad = 0, notr = 0, per_version[NV] = { 0 }, total = 0;
	for (int i = 0; i < NT; i++) {
		failed += ws[i].failed;
		bad += ws[i].bad_answer;
		notr += ws[i].not_routable;
		for (int k = 0; k < NV; k++)
			per_version[k] += ws[i].per_version[k];
		if (ws[i].first_problem[0])
			printf("worker %d: first problem: %s\n", i, ws[i].first_problem);
	}
	int answered = 0;
	for (int k = 0; k < NV; k++) {
		total += per_version[k];
		answered += per_version[k] > 0;
	}
	CHECK(ctl_fail == 0, "control thread: all %d cycles' calls succeeded (%d failed; first: %s)", CYCLES, ctl_fail, ctl_problem);
	CHECK(failed == 0, "no failed call among %llu (got %llu)", (unsigned long long)calls, (unsigned long long)failed);
	CHECK(bad == 0, "every answer is vNNN:payload from the version named in call info (bad %llu)", (unsigned long long)bad);
	CHECK(notr == 0, "every answer came from a version routable while the call ran (violations %llu)", (unsigned long long)notr);
	CHECK(total + failed + bad == calls && calls >= NT * calls_per_worker, "answers counted %llu == calls %llu (>= %llu)",
	      (unsigned long long)total, (unsigned long long)calls, (unsigned long long)(NT * calls_per_worker));
	CHECK(answered >= 90, "the calls overlapped the control cycles: %d of %d versions answered", answered, NV);
	for (int k = 0; k < NV; k += 10) {
		uint64_t lo = UINT64_MAX, hi = 0;
		for (int i = 0; i < NT; i++) {
			if (ws[i].seq_lo[k] < lo)
				lo = ws[i].seq_lo[k];
			if (ws[i].seq_hi[k] > hi)
				hi = ws[i].seq_hi[k];
		}
		if (per_version[k])
			printf("  v%03d: %llu calls, seq %llu..%llu\n", k, (unsigned long long)per_version[k], (unsigned long long)lo,
			       (unsigned long long)hi);
	}
	for (int ph = 1; ph <= 2; ph++) {
		uint64_t in = 0, on = 0;
		for (int i = 0; i < NT; i++) {
			in += atomic_load(&ws[i].in_phase[ph]);
			on += atomic_load(&ws[i].on_canary[ph]);
		}
		double share = in ? 100.0 * (double)on / (double)in : -1;
		CHECK(in >= hold_calls && fabs(share - phase_pct[ph]) <= 1.0,
		      "held phase %d: canary at %g%% answered %.3f%% of %llu calls made in the phase (within 1 point, >= %llu calls)", ph,
		      phase_pct[ph], share, (unsigned long long)in, (unsigned long long)hold_calls);
	}

	/* list totals: the versions still listed have exactly the calls the workers saw */
	xdperf_registry_maintain(reg);
	struct xdperf_version_info *l = NULL;
	size_t n = 0;
	rc = xdperf_registry_list(reg, "tg", &l, &n);
	CHECK(rc == 0 && n >= 1 && n <= 3, "at the end %zu versions are listed (1..3: older ones were unloaded)", n);
	CHECK(max_listed <= 4, "at most 4 versions were listed at once during the run (got %zu)", max_listed);
	bool match = true;
	uint64_t errors = 0, instances = 0;
	for (size_t i = 0; i < n; i++) {
		int k = atoi(l[i].version + 1);
		errors += l[i].errors;
		instances += l[i].instances;
		if (k < 0 || k >= NV || l[i].calls != per_version[k]) {
			match = false;
			printf("  %s (%s): listed %llu calls, workers saw %llu\n", l[i].version, xdperf_version_state_str(l[i].state),
			       (unsigned long long)l[i].calls, (unsigned long long)(k >= 0 && k < NV ? per_version[k] : 0));
		}
	}
	CHECK(match, "listed calls of every remaining version == answers the workers got from it");
	CHECK(errors == 0, "listed errors == 0 (got %llu)", (unsigned long long)errors);
	CHECK(n >= 1 && !strcmp(l[n - 1].version, "v100") && l[n - 1].state == XDPERF_VERSION_ACTIVE && l[n - 1].traffic == 100,
	      "v100 is active at 100%% at the end");
	CHECK(instances == 0, "every worker's instances were freed with the worker (listed instances %llu)", (unsigned long long)instances);
	free(l);
	xdperf_registry_free(reg);
	free(template_wasm);
	printf("%d checks, %d passed, %d failed\n", checks, checks - fails, fails);
	return fails ? 1 : 0;
}
