#!/usr/bin/env bash
# The WASI embedding API (include/xdperf/wasi.h) under ASan/UBSan (detect_leaks=1): a C host
# program built against the sanitizer objects of the library creates WASI contexts
# (xwasm_wasi_new) with write callbacks, guest arguments and deterministic mode, frees its
# option strings right after creating them and the linker before the guest runs (the options
# are copied: nothing may dangle), and checks what the guest sees: captured fd_write output,
# args, fixed clocks and random bytes, proc_exit as XWASM_TRAP_EXIT with the instance still
# usable afterwards, unknown imports (ENOSYS, or a trap naming the import, the name being owned
# by the context), two contexts side by side; two contexts with different write callbacks
# driven by two instances concurrently on two threads (each callback sees only its own guest's
# output, on its own thread); one context shared by linkers instantiating concurrently; bad
# options; and every context freed after its instances, leaving no leaks.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
mapfile -t objs < <(find "$REPO/build/asan/obj/src" -name '*.o' -not -path '*/cli/*' | sort)
[ ${#objs[@]} -gt 0 ] || { echo "FAILED: no sanitizer objects in build/asan/obj (make asan)"; exit 1; }

wat2wasm -o "$T/guest.wasm" - <<'EOF' || { echo "FAILED: wat2wasm"; exit 1; }
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  ;; not in the subset: an i32 result links to ENOSYS, no result links to a trapping stub; the
  ;; same unknown name twice (different types) reuses the context's copy of the name
  (import "wasi_snapshot_preview1" "made_up" (func $made_up (result i32)))
  (import "wasi_snapshot_preview1" "made_up_void" (func $made_up_void (param i32)))
  (import "wasi_snapshot_preview1" "made_up_void" (func $made_up_void2))
  (import "wasi_snapshot_preview1" "other_void" (func $other_void (param i64)))
  (memory (export "memory") 1)
  ;; writes the argument strings (NUL-separated args buffer at 1024) to fd 2
  (func (export "write_args") (result i32)
    (if (call $args_sizes (i32.const 0) (i32.const 4)) (then (return (i32.const -1))))
    (if (call $args_get (i32.const 512) (i32.const 1024)) (then (return (i32.const -2))))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.load (i32.const 0)))
  (func (export "clock") (param i32) (result i64)
    (if (call $clock (local.get 0) (i64.const 1) (i32.const 64)) (then (return (i64.const -1))))
    (i64.load (i32.const 64)))
  (func (export "random") (result i64)
    (if (call $random (i32.const 128) (i32.const 16)) (then (return (i64.const -1))))
    (i64.xor (i64.load (i32.const 128)) (i64.load (i32.const 136))))
  (func (export "exit") (param i32) (call $exit (local.get 0)))
  (func (export "prestat") (result i32) (call $prestat (i32.const 3) (i32.const 0)))
  (func (export "made_up") (result i32) (call $made_up))
  (func (export "made_up_void") (call $made_up_void (i32.const 1)))
  (func (export "made_up_void2") (call $made_up_void2))
  (func (export "other_void") (call $other_void (i64.const 1)))
  ;; writes the argument strings to fd 1, n times (one fd_write each); 0 or the first errno
  (func (export "spam") (param $n i32) (result i32) (local $e i32)
    (if (call $args_sizes (i32.const 0) (i32.const 4)) (then (return (i32.const -1))))
    (if (call $args_get (i32.const 512) (i32.const 1024)) (then (return (i32.const -2))))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $e (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br_if $done (local.get $e))
        (if (i32.ne (i32.load (i32.const 24)) (i32.load (i32.const 4)))
          (then (return (i32.const -3))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $e))
)
EOF

cat >"$T/host.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include "xdperf/wasm.h"
#include "xdperf/wasi.h"

static atomic_int fails;
#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); fails++; } } while (0)

struct sink { char buf[256]; size_t n; int fd; };
static int capture(void *ctx, int fd, const void *buf, size_t len)
{
	struct sink *s = ctx;
	if (s->n + len > sizeof(s->buf)) return -ENOSPC;
	memcpy(s->buf + s->n, buf, len);
	s->n += len;
	s->fd = fd;
	return (int)len;
}

static uint8_t *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	if (!f) return NULL;
	uint8_t *b = malloc(1 << 20);
	*n = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

/* A context with heap copies of the arguments, freed right after creation: the WASI layer
 * must have copied them. */
static struct xwasm_wasi *new_wasi(int (*wr)(void *, int, const void *, size_t), void *wctx,
				   const char *a0, const char *a1)
{
	char *argv[2] = { strdup(a0), strdup(a1) };
	struct xwasm_wasi_opts o = { .sz = sizeof(o), .write = wr, .write_ctx = wctx,
				     .argc = 2, .argv = argv, .deterministic = true };
	struct xwasm_wasi *w = NULL;
	CHECK(xwasm_wasi_new(&o, &w) == 0 && w);
	memset(argv[0], 'X', strlen(argv[0]));
	free(argv[0]);
	free(argv[1]);
	return w;
}

/* Instantiates m with WASI bound to w; the linker is freed before the guest runs. */
static xwasm_instance *make(const xwasm_module *m, struct xwasm_wasi *w)
{
	xwasm_linker *l = xwasm_linker_new();
	CHECK(xwasm_wasi_define(l, w) == 0);
	xwasm_instance *inst = NULL;
	char err[256] = "";
	struct xwasm_instance_opts io = { .sz = sizeof(io) };
	int rc = xwasm_instance_new(m, l, &io, &inst, NULL, err, sizeof(err));
	if (rc) printf("instantiate: %d %s\n", rc, err);
	CHECK(rc == 0);
	xwasm_linker_free(l); /* before the guest runs */
	return inst;
}

static xwasm_val call1(xwasm_instance *inst, const char *name, int nargs, int32_t arg, int *rc, struct xwasm_trap *t)
{
	xwasm_val a = { .type = XWASM_I32, .of.i32 = arg }, r[1];
	memset(r, 0, sizeof(r));
	const uint8_t *p, *res; uint32_t np, nr;
	xwasm_func *f = xwasm_instance_func(inst, name);
	if (!f) { printf("no export %s\n", name); fails++; *rc = -1; return r[0]; }
	xwasm_func_type(f, &p, &np, &res, &nr);
	*rc = xwasm_call(inst, f, &a, (uint32_t)nargs, r, nr, t);
	return r[0];
}

/* ---- two contexts, two write callbacks, two threads --------------------------------------- */

#define SPAM_CALLS 40
#define SPAM_N 200

struct tsink {
	char tag;                 /* 'a' or 'b': which callback must see this sink */
	const char *expect;       /* the guest's argument buffer, written once per fd_write */
	size_t expect_len;
	pthread_t owner;          /* thread that runs the guest */
	long calls, bytes, bad;   /* touched only by the owner thread */
};

static int tcheck(struct tsink *s, char tag, int fd, const void *buf, size_t len)
{
	s->calls++;
	s->bytes += (long)len;
	if (s->tag != tag || fd != 1 || !pthread_equal(s->owner, pthread_self()) ||
	    len != s->expect_len || memcmp(buf, s->expect, len))
		s->bad++;
	return (int)len;
}
static int write_a(void *ctx, int fd, const void *buf, size_t len) { return tcheck(ctx, 'a', fd, buf, len); }
static int write_b(void *ctx, int fd, const void *buf, size_t len) { return tcheck(ctx, 'b', fd, buf, len); }

static pthread_barrier_t start_barrier;
struct job { const xwasm_module *m; struct xwasm_wasi *w; struct tsink *sink; xwasm_instance *inst; };

static void *run_job(void *arg)
{
	struct job *j = arg;
	j->sink->owner = pthread_self();
	j->inst = make(j->m, j->w); /* instantiation runs concurrently too */
	pthread_barrier_wait(&start_barrier);
	if (!j->inst)
		return NULL;
	for (int k = 0; k < SPAM_CALLS; k++) {
		int rc;
		struct xwasm_trap t;
		xwasm_val v = call1(j->inst, "spam", 1, SPAM_N, &rc, &t);
		CHECK(rc == 0 && v.of.i32 == 0);
	}
	return NULL; /* the instance is freed by main, before the context */
}

static void two_threads(const xwasm_module *m)
{
	static const char ea[] = "alpha\0A\0", eb[] = "beta-longer\0second\0";
	struct tsink sa = { .tag = 'a', .expect = ea, .expect_len = sizeof(ea) - 1 };
	struct tsink sb = { .tag = 'b', .expect = eb, .expect_len = sizeof(eb) - 1 };
	struct xwasm_wasi *wa = new_wasi(write_a, &sa, "alpha", "A");
	struct xwasm_wasi *wb = new_wasi(write_b, &sb, "beta-longer", "second");
	if (!wa || !wb) return;
	struct job ja = { m, wa, &sa, NULL }, jb = { m, wb, &sb, NULL };
	pthread_t ta, tb;
	pthread_barrier_init(&start_barrier, NULL, 2);
	CHECK(pthread_create(&ta, NULL, run_job, &ja) == 0);
	CHECK(pthread_create(&tb, NULL, run_job, &jb) == 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start_barrier);
	CHECK(sa.calls == SPAM_CALLS * SPAM_N && sa.bytes == sa.calls * (long)sa.expect_len && sa.bad == 0);
	CHECK(sb.calls == SPAM_CALLS * SPAM_N && sb.bytes == sb.calls * (long)sb.expect_len && sb.bad == 0);
	printf("threads: a %ld writes (%ld bad), b %ld writes (%ld bad)\n", sa.calls, sa.bad, sb.calls, sb.bad);
	/* instances first, then their contexts */
	xwasm_instance_free(ja.inst);
	xwasm_instance_free(jb.inst);
	xwasm_wasi_free(wa);
	xwasm_wasi_free(wb);
}

/* ---- one context, several linkers instantiating concurrently ------------------------------ */

#define SHARED_THREADS 4
#define SHARED_ROUNDS 25
struct sjob { const xwasm_module *m; struct xwasm_wasi *w; };

static void *run_shared(void *arg)
{
	struct sjob *j = arg;
	pthread_barrier_wait(&start_barrier);
	for (int k = 0; k < SHARED_ROUNDS; k++) {
		xwasm_instance *inst = make(j->m, j->w); /* resolves the unknown imports into w */
		if (!inst) return NULL;
		int rc;
		struct xwasm_trap t;
		memset(&t, 0, sizeof(t));
		call1(inst, k & 1 ? "other_void" : "made_up_void", 0, 0, &rc, &t);
		CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_HOST);
		CHECK(strstr(t.message, k & 1 ? "wasi_snapshot_preview1.other_void is not supported"
					       : "wasi_snapshot_preview1.made_up_void is not supported"));
		xwasm_instance_free(inst);
	}
	return NULL;
}

static void shared_context(const xwasm_module *m)
{
	struct sink s = { .n = 0 };
	struct xwasm_wasi *w = new_wasi(capture, &s, "x", "y");
	if (!w) return;
	struct sjob j = { m, w };
	pthread_t t[SHARED_THREADS];
	pthread_barrier_init(&start_barrier, NULL, SHARED_THREADS);
	for (int i = 0; i < SHARED_THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, run_shared, &j) == 0);
	for (int i = 0; i < SHARED_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_barrier);
	xwasm_wasi_free(w);
}

/* ---- options ------------------------------------------------------------------------------ */

static void options(void)
{
	struct xwasm_wasi *w = (struct xwasm_wasi *)&w; /* must be reset on error */
	struct xwasm_wasi_opts bad = { .sz = sizeof(bad), .argc = 1, .argv = NULL };
	CHECK(xwasm_wasi_new(&bad, &w) == -EINVAL && w == NULL);
	char *nullarg[2] = { "a", NULL };
	struct xwasm_wasi_opts bad2 = { .sz = sizeof(bad2), .argc = 2, .argv = nullarg };
	CHECK(xwasm_wasi_new(&bad2, &w) == -EINVAL && w == NULL);
	struct xwasm_wasi_opts bad3 = { .sz = sizeof(bad3), .argc = -1 };
	CHECK(xwasm_wasi_new(&bad3, &w) == -EINVAL && w == NULL);
	struct xwasm_wasi_opts tiny = { .sz = 4 };
	CHECK(xwasm_wasi_new(&tiny, &w) == -EINVAL && w == NULL);
	CHECK(xwasm_wasi_new(NULL, NULL) == -EINVAL);
	/* a larger (future) struct: unknown trailing bytes must be zero */
	union { struct xwasm_wasi_opts o; uint8_t b[sizeof(struct xwasm_wasi_opts) + 8]; } big;
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	CHECK(xwasm_wasi_new(&big.o, &w) == 0 && w);
	xwasm_wasi_free(w);
	big.b[sizeof(struct xwasm_wasi_opts) + 3] = 1;
	CHECK(xwasm_wasi_new(&big.o, &w) == -EINVAL && w == NULL);

	CHECK(xwasm_wasi_new(NULL, &w) == 0 && w); /* defaults */
	xwasm_linker *l = xwasm_linker_new();
	CHECK(xwasm_wasi_define(NULL, w) == -EINVAL);
	CHECK(xwasm_wasi_define(l, NULL) == -EINVAL);
	CHECK(xwasm_wasi_define(l, w) == 0);
	xwasm_linker_free(l);
	xwasm_wasi_free(w);
	xwasm_wasi_free(NULL);
}

int main(int argc, char **argv)
{
	size_t n;
	uint8_t *bytes = slurp(argv[1], &n);
	CHECK(bytes);
	if (!bytes) return 1;
	xwasm_module *m = NULL;
	char err[256] = "";
	int rc = xwasm_module_load(bytes, n, NULL, &m, err, sizeof(err));
	free(bytes);
	if (rc) { printf("load: %s\n", err); return 1; }

	struct sink s1 = { .n = 0 }, s2 = { .n = 0 };
	struct xwasm_wasi *w1 = new_wasi(capture, &s1, "prog", "first");
	struct xwasm_wasi *w2 = new_wasi(capture, &s2, "other", "second-arg");
	if (!w1 || !w2) return 1;
	xwasm_instance *i1 = make(m, w1);
	xwasm_instance *i2 = make(m, w2);
	xwasm_instance *i1b = make(m, w1); /* a second linker and instance on the same context */
	if (!i1 || !i2 || !i1b) return 1;
	struct xwasm_trap t;
	xwasm_val v = call1(i1, "write_args", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 2);
	CHECK(s1.n == 11 && !memcmp(s1.buf, "prog\0first\0", 11) && s1.fd == 2);
	v = call1(i2, "write_args", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 2);
	CHECK(s2.n == 17 && !memcmp(s2.buf, "other\0second-arg\0", 17));
	v = call1(i1b, "write_args", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 2);
	CHECK(s1.n == 22 && !memcmp(s1.buf + 11, "prog\0first\0", 11));
	CHECK(s2.n == 17);
	v = call1(i1, "clock", 1, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i64 == 1700000000000000000LL);
	v = call1(i1, "clock", 1, 1, &rc, &t);
	CHECK(rc == 0 && v.of.i64 == 1000000000LL);
	v = call1(i1, "clock", 1, 77, &rc, &t);
	CHECK(rc == 0 && v.of.i64 == -1);
	xwasm_val r1 = call1(i1, "random", 0, 0, &rc, &t);
	CHECK(rc == 0 && r1.of.i64 != -1 && r1.of.i64 != 0);
	xwasm_val r2 = call1(i2, "random", 0, 0, &rc, &t);
	CHECK(rc == 0 && r2.of.i64 == r1.of.i64); /* deterministic */
	memset(&t, 0, sizeof(t));
	call1(i1, "exit", 1, 42, &rc, &t);
	CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_EXIT && t.exit_code == 42);
	v = call1(i1, "prestat", 0, 0, &rc, &t); /* still usable after proc_exit */
	CHECK(rc == 0 && v.of.i32 == 8);

	/* unknown imports: ENOSYS with an i32 result, else a trap naming the import */
	v = call1(i1, "made_up", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 52);
	const char *names[] = { "made_up_void", "made_up_void2", "other_void" };
	const char *msgs[] = { "made_up_void", "made_up_void", "other_void" };
	xwasm_instance *insts[] = { i1, i2, i1b };
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < 3; i++) {
			char want[128];
			snprintf(want, sizeof(want), "wasi_snapshot_preview1.%s is not supported", msgs[k]);
			memset(&t, 0, sizeof(t));
			call1(insts[i], names[k], 0, 0, &rc, &t);
			CHECK(rc == XWASM_ETRAP && t.kind == XWASM_TRAP_HOST && strstr(t.message, want));
			if (!strstr(t.message, want)) printf("    message: %s\n", t.message);
		}
	}

	two_threads(m);
	shared_context(m);
	options();

	/* instances first, then the contexts they were linked against */
	xwasm_instance_free(i1);
	xwasm_instance_free(i2);
	xwasm_instance_free(i1b);
	xwasm_wasi_free(w1);
	xwasm_wasi_free(w2);
	xwasm_module_free(m);
	printf(fails ? "FAILED: %d check(s)\n" : "all wasi api checks passed\n", (int)fails);
	return fails != 0;
}
EOF

gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 -D_GNU_SOURCE \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -I"$REPO/include" -o "$T/host" "$T/host.c" "${objs[@]}" -lbpf -ljansson -lsodium -lyaml -lmicrohttpd -lgnutls -lcurl -lm -pthread \
  || { echo "FAILED: cannot build the host program"; exit 1; }
# leak checking is forced: a context must free everything it owns (copied options, names)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" "$T/host" "$T/guest.wasm"
