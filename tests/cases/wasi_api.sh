#!/usr/bin/env bash
# The WASI embedding API (include/xdperf/wasi.h) under ASan/UBSan: a C host program built
# against the sanitizer objects of the library defines WASI with a write callback, guest
# arguments and deterministic mode, frees its option strings and the linker before the guest
# runs (the options are copied: nothing may dangle), and checks what the guest sees: captured
# fd_write output, args, fixed clocks and random bytes, proc_exit as XWASM_TRAP_EXIT with the
# instance still usable afterwards, and two linkers with different arguments side by side.
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
)
EOF

cat >"$T/host.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "xdperf/wasm.h"
#include "xdperf/wasi.h"

static int fails;
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

static xwasm_instance *make(const xwasm_module *m, struct sink *s, const char *a0, const char *a1)
{
	/* heap copies freed right after define: the WASI layer must have copied them */
	char *argv[2] = { strdup(a0), strdup(a1) };
	struct xwasm_wasi_opts o = { .sz = sizeof(o), .write = capture, .write_ctx = s,
				     .argc = 2, .argv = argv, .deterministic = true };
	xwasm_linker *l = xwasm_linker_new();
	CHECK(xwasm_wasi_define(l, &o) == 0);
	memset(argv[0], 'X', strlen(argv[0]));
	free(argv[0]);
	free(argv[1]);
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
	xwasm_instance *i1 = make(m, &s1, "prog", "first");
	xwasm_instance *i2 = make(m, &s2, "other", "second-arg");
	if (!i1 || !i2) return 1;
	struct xwasm_trap t;
	xwasm_val v = call1(i1, "write_args", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 2);
	CHECK(s1.n == 11 && !memcmp(s1.buf, "prog\0first\0", 11) && s1.fd == 2);
	v = call1(i2, "write_args", 0, 0, &rc, &t);
	CHECK(rc == 0 && v.of.i32 == 2);
	CHECK(s2.n == 17 && !memcmp(s2.buf, "other\0second-arg\0", 17));
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

	/* bad options */
	xwasm_linker *l = xwasm_linker_new();
	struct xwasm_wasi_opts bad = { .sz = sizeof(bad), .argc = 1, .argv = NULL };
	CHECK(xwasm_wasi_define(l, &bad) == -EINVAL);
	CHECK(xwasm_wasi_define(l, NULL) == 0);
	xwasm_linker_free(l);

	xwasm_instance_free(i1);
	xwasm_instance_free(i2);
	xwasm_module_free(m);
	printf(fails ? "FAILED: %d check(s)\n" : "all wasi api checks passed\n", fails);
	return fails != 0;
}
EOF

gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 -D_GNU_SOURCE \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -I"$REPO/include" -o "$T/host" "$T/host.c" "${objs[@]}" -ljansson -lm -lpthread \
  || { echo "FAILED: cannot build the host program"; exit 1; }
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$T/host" "$T/guest.wasm"
