/* Interrupting generator plugin calls (include/xdperf/plugin.h, opts.interrupt) with
 * tests/plugins/loops.wat (assembled by tests/cases/plugin_host.sh into argv[1]): plugin_init
 * looping forever ended by a SIGALRM handler raising the flag, plugin_process and
 * plugin_cleanup looping forever ended from another thread, each with -EINTR and one line
 * "plugin loops: CALL was interrupted", long before the default fuel (10^10) would end them;
 * while the flag stays raised every call fails at once with -EINTR (load, init, process, and
 * xdperf_plugin_free skipping a looping plugin_cleanup); after clearing it the plugin works.
 * Bounds are generous: a call must end after the raise and within LATENCY_BOUND_S of it. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include "xdperf/plugin.h"
#include "check.h"

#define LATENCY_BOUND_S 3.0
#define RAISE_AFTER_S 0.1

static char path[512];
static xwasm_interrupt *irq;
static volatile double raised_at;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	raised_at = now_s(); /* clock_gettime is async-signal-safe */
	xwasm_interrupt_raise(irq);
}

static void *raise_later(void *arg)
{
	struct timespec t = { 0, (long)(RAISE_AFTER_S * 1e9) };
	while (nanosleep(&t, &t) && errno == EINTR)
		;
	raised_at = now_s();
	xwasm_interrupt_raise(irq);
	return NULL;
}

static struct xdperf_plugin *load(void)
{
	struct xdperf_plugin_opts o = { .sz = sizeof o, .interrupt = irq }; /* default fuel 10^10 */
	struct xdperf_plugin *p = NULL;
	char err[512] = "";
	int rc = xdperf_plugin_load(path, &o, &p, err, sizeof err);
	CHECK(rc == 0 && p, "load: rc %d (%s)", rc, err);
	if (!p)
		exit(1);
	return p;
}

/* Checks a call that started at t0 and ended now with rc and err. */
static void check_interrupted(const char *what, int rc, const char *err, const char *want, double t0)
{
	double t1 = now_s();
	CHECK(rc == -EINTR && !strcmp(err, want), "%s: expected -EINTR and '%s', got %d '%s'", what, want, rc, err);
	CHECK(raised_at > 0 && t1 >= raised_at && t1 - t0 >= RAISE_AFTER_S,
	      "%s: ended %.3f s after it started, before the raise", what, t1 - t0);
	CHECK(t1 - raised_at < LATENCY_BOUND_S, "%s: ended %.3f s after the raise", what, t1 - raised_at);
	printf("latency %-44s %7.2f ms after the raise\n", what, (t1 - raised_at) * 1e3);
}

static void test_init_by_signal(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	struct xdperf_plugin *p = load();
	char err[512] = "";
	raised_at = 0;
	struct itimerval it = { .it_value = { 0, (long)(RAISE_AFTER_S * 1e6) } };
	double t0 = now_s();
	setitimer(ITIMER_REAL, &it, NULL);
	int rc = xdperf_plugin_init(p, "init", 4, err, sizeof err);
	check_interrupted("plugin_init looping, SIGALRM handler", rc, err,
			  "plugin loops: plugin_init was interrupted", t0);
	sigaction(SIGALRM, &old, NULL);

	/* still raised: calls fail at once */
	char *out = NULL;
	size_t outlen = 0;
	t0 = now_s();
	rc = xdperf_plugin_process(p, "{}", 2, &out, &outlen, err, sizeof err);
	CHECK(rc == -EINTR && !strcmp(err, "plugin loops: plugin_process was interrupted") && !out,
	      "process while raised: %d '%s'", rc, err);
	rc = xdperf_plugin_init(p, "ok", 2, err, sizeof err);
	CHECK(rc == -EINTR && !strcmp(err, "plugin loops: plugin_init was interrupted"),
	      "init while raised: %d '%s'", rc, err);
	struct xdperf_plugin *q = NULL;
	struct xdperf_plugin_opts o = { .sz = sizeof o, .interrupt = irq };
	rc = xdperf_plugin_load(path, &o, &q, err, sizeof err);
	CHECK(rc == -EINTR && !q && !strcmp(err, "plugin loops: _initialize was interrupted"),
	      "load while raised: %d '%s'", rc, err);
	CHECK(now_s() - t0 < LATENCY_BOUND_S, "calls while raised took %.3f s", now_s() - t0);

	/* cleared: the plugin works again */
	xwasm_interrupt_clear(irq);
	rc = xdperf_plugin_init(p, "ok", 2, err, sizeof err);
	CHECK(rc == 0, "init after clearing: %d '%s'", rc, err);
	rc = xdperf_plugin_process(p, "{}", 2, &out, &outlen, err, sizeof err);
	CHECK(rc == 0 && out && !strcmp(out, "[]"), "process after clearing: %d '%s' '%s'", rc, err,
	      out ? out : "(null)");
	free(out);
	xdperf_plugin_free(p);
}

static void test_process_and_cleanup_by_thread(void)
{
	struct xdperf_plugin *p = load();
	char err[512] = "", *out = NULL;
	size_t outlen = 0;
	pthread_t th;
	raised_at = 0;
	double t0 = now_s();
	pthread_create(&th, NULL, raise_later, NULL);
	int rc = xdperf_plugin_process(p, "p", 1, &out, &outlen, err, sizeof err);
	pthread_join(th, NULL);
	check_interrupted("plugin_process looping, another thread", rc, err,
			  "plugin loops: plugin_process was interrupted", t0);
	CHECK(!out, "interrupted process left an output");
	xwasm_interrupt_clear(irq);

	rc = xdperf_plugin_init(p, "cleanup", 7, err, sizeof err);
	CHECK(rc == 0, "init cleanup: %d '%s'", rc, err);
	raised_at = 0;
	t0 = now_s();
	pthread_create(&th, NULL, raise_later, NULL);
	rc = xdperf_plugin_cleanup(p, err, sizeof err);
	pthread_join(th, NULL);
	check_interrupted("plugin_cleanup looping, another thread", rc, err,
			  "plugin loops: plugin_cleanup was interrupted", t0);
	xwasm_interrupt_clear(irq);
	rc = xdperf_plugin_cleanup(p, err, sizeof err);
	CHECK(rc == 0, "cleanup is called once: %d '%s'", rc, err);
	t0 = now_s();
	xdperf_plugin_free(p); /* does not call plugin_cleanup again (it would loop) */
	CHECK(now_s() - t0 < LATENCY_BOUND_S, "free after cleanup took %.3f s", now_s() - t0);

	/* free with the flag raised: the looping plugin_cleanup ends at once */
	p = load();
	rc = xdperf_plugin_init(p, "cleanup", 7, err, sizeof err);
	CHECK(rc == 0, "init cleanup: %d '%s'", rc, err);
	xwasm_interrupt_raise(irq);
	t0 = now_s();
	xdperf_plugin_free(p);
	CHECK(now_s() - t0 < LATENCY_BOUND_S, "free while raised took %.3f s", now_s() - t0);
	xwasm_interrupt_clear(irq);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR_WITH_PLUGINS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(path, sizeof path, "%s/loops.wasm", argv[1]);
	irq = xwasm_interrupt_new();
	if (!irq)
		return 1;
	test_init_by_signal();
	test_process_and_cleanup_by_thread();
	xwasm_interrupt_free(irq);
	printf("%d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
