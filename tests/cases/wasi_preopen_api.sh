#!/usr/bin/env bash
# The preopen part of the WASI embedding API (include/xdperf/wasi.h) under ASan/UBSan
# (detect_leaks=1): a C host program built against the sanitizer objects of the library makes
# contexts with xwasm_wasi_opts.preopens and drives a WAT guest with raw WASI calls. Checks:
# bad preopen options (-EINVAL), a missing or non-directory host path (-ENOENT, -ENOTDIR; no
# context, no descriptor left open); preopens are fds 3, 4 with their guest names and flags;
# two contexts keep separate descriptor tables; two instances linked to one context share its
# table (the documented contract); two threads driving two instances of one context at once
# (4000 opens, writes and closes) stay memory-safe and lose no write; freeing a context closes
# every host descriptor it held (the process's open descriptors are counted before and after).
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
mapfile -t objs < <(find "$REPO/build/asan/obj/src" -name '*.o' -not -path '*/cli/*' | sort)
[ ${#objs[@]} -gt 0 ] || { echo "FAILED: no sanitizer objects in build/asan/obj (make asan)"; exit 1; }

wat2wasm -o "$T/guest.wasm" - <<'EOF' || { echo "FAILED: wat2wasm"; exit 1; }
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_name (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; the host writes a path at 256 (length given); creates or opens it for appending: the new
  ;; fd or -errno
  (func (export "create") (param $dir i32) (param $len i32) (result i32)
    (local $e i32)
    (local.set $e (call $path_open (local.get $dir) (i32.const 0) (i32.const 256) (local.get $len)
      (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 1) (i32.const 16)))
    (if (result i32) (local.get $e) (then (i32.sub (i32.const 0) (local.get $e))) (else (i32.load (i32.const 16)))))
  (func (export "close") (param i32) (result i32) (call $fd_close (local.get 0)))
  ;; writes the byte at 512 to fd: the bytes written or -errno
  (func (export "write1") (param $fd i32) (result i32)
    (local $e i32)
    (i32.store (i32.const 32) (i32.const 512)) (i32.store (i32.const 36) (i32.const 1))
    (local.set $e (call $fd_write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
    (if (result i32) (local.get $e) (then (i32.sub (i32.const 0) (local.get $e))) (else (i32.load (i32.const 40)))))
  ;; a preopen's name at 1024: its length or -errno
  (func (export "name") (param $fd i32) (result i32)
    (local $e i32)
    (local.set $e (call $prestat (local.get $fd) (i32.const 48)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $e (call $prestat_name (local.get $fd) (i32.const 1024) (i32.load (i32.const 52))))
    (if (result i32) (local.get $e) (then (i32.sub (i32.const 0) (local.get $e))) (else (i32.load (i32.const 52))))))
EOF

cat >"$T/host.c" <<'EOF'
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "xdperf/wasm.h"
#include "xdperf/wasi.h"

static atomic_int fails;
#define CHECK(x) do { if (!(x)) { printf("FAIL line %d: %s\n", __LINE__, #x); atomic_fetch_add(&fails, 1); } } while (0)

static xwasm_module *mod;
static char base[512];

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static xwasm_instance *make(struct xwasm_wasi *w)
{
	xwasm_linker *l = xwasm_linker_new();
	xwasm_instance *inst = NULL;
	struct xwasm_trap t;
	char err[256];
	if (xwasm_wasi_define(l, w) || xwasm_instance_new(mod, l, NULL, &inst, &t, err, sizeof err))
		printf("instantiate: %s\n", err);
	xwasm_linker_free(l);
	return inst;
}

static int32_t call(xwasm_instance *inst, const char *fn, int32_t a, int32_t b)
{
	xwasm_val args[2] = { { .type = XWASM_I32, .of.i32 = a }, { .type = XWASM_I32, .of.i32 = b } }, r;
	xwasm_func *f = xwasm_instance_func(inst, fn);
	struct xwasm_trap t;
	uint32_t n = !strcmp(fn, "create") ? 2 : 1;
	if (!f || xwasm_call(inst, f, args, n, &r, 1, &t))
		return -1000;
	return r.of.i32;
}

/* path_open(dir, path, creat) in the guest: the new fd or -errno */
static int32_t create(xwasm_instance *inst, int32_t dir, const char *path)
{
	xwasm_memory_write(xwasm_instance_memory0(inst), 256, path, strlen(path));
	return call(inst, "create", dir, (int32_t)strlen(path));
}

static struct xwasm_wasi *ctx(const char *a, const char *b)
{
	struct xwasm_wasi_preopen pre[2] = { { .host = a, .guest = "/a", .read_only = true },
					     { .host = b, .guest = "b" } };
	struct xwasm_wasi_opts o = { .sz = sizeof o, .npreopens = 2, .preopens = pre };
	struct xwasm_wasi *w = NULL;
	CHECK(xwasm_wasi_new(&o, &w) == 0 && w);
	return w;
}

static void options(const char *dir, const char *file)
{
	int before = open_fds();
	struct xwasm_wasi *w = (void *)1;
	struct xwasm_wasi_preopen p = { .host = dir, .guest = "g" };
	struct xwasm_wasi_opts o = { .sz = sizeof o, .npreopens = 1, .preopens = &p };
	p.host = "";
	CHECK(xwasm_wasi_new(&o, &w) == -EINVAL && w == NULL);
	p.host = dir, p.guest = "";
	CHECK(xwasm_wasi_new(&o, &w) == -EINVAL && w == NULL);
	p.guest = NULL;
	CHECK(xwasm_wasi_new(&o, &w) == -EINVAL);
	p.guest = "g";
	o.preopens = NULL;
	CHECK(xwasm_wasi_new(&o, &w) == -EINVAL);
	o.preopens = &p;
	o.npreopens = XWASI_MAX_PREOPENS + 1;
	CHECK(xwasm_wasi_new(&o, &w) == -EINVAL);
	o.npreopens = 1;
	char missing[600];
	snprintf(missing, sizeof missing, "%s/missing", base);
	p.host = missing;
	CHECK(xwasm_wasi_new(&o, &w) == -ENOENT && w == NULL);
	p.host = file;
	CHECK(xwasm_wasi_new(&o, &w) == -ENOTDIR && w == NULL);
	/* a failure after the first preopen opened closes it again */
	struct xwasm_wasi_preopen two[2] = { { .host = dir, .guest = "ok" }, { .host = missing, .guest = "no" } };
	o.preopens = two;
	o.npreopens = 2;
	CHECK(xwasm_wasi_new(&o, &w) == -ENOENT && w == NULL);
	CHECK(open_fds() == before);
}

struct worker {
	xwasm_instance *inst;
	int id, ok;
};

static void *work(void *arg)
{
	struct worker *k = arg;
	char path[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof path, "t%d_%d", k->id, i % 50);
		int32_t fd = create(k->inst, 4, path);
		if (fd < 5)
			continue;
		xwasm_memory_write(xwasm_instance_memory0(k->inst), 512, "x", 1);
		if (call(k->inst, "write1", fd, 0) == 1 && call(k->inst, "close", fd, 0) == 0)
			k->ok++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb");
	static uint8_t bytes[65536];
	size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
	if (f)
		fclose(f);
	char err[256];
	if (xwasm_module_load(bytes, n, NULL, &mod, err, sizeof err)) {
		printf("load: %s\n", err);
		return 1;
	}
	snprintf(base, sizeof base, "%s", argv[2]);
	char a[600], b[600], file[600];
	snprintf(a, sizeof a, "%s/a", base);
	snprintf(b, sizeof b, "%s/b", base);
	snprintf(file, sizeof file, "%s/a/file", base);
	int fds0 = open_fds();
	options(a, file);

	/* preopens: fds 3 and 4, their names */
	struct xwasm_wasi *w1 = ctx(a, b), *w2 = ctx(a, b);
	xwasm_instance *i1 = make(w1), *i1b = make(w1), *i2 = make(w2);
	if (!i1 || !i1b || !i2)
		return 1;
	char name[8] = "";
	CHECK(call(i1, "name", 3, 0) == 2);
	xwasm_memory_read(xwasm_instance_memory0(i1), 1024, name, 2);
	CHECK(!memcmp(name, "/a", 2));
	CHECK(call(i1, "name", 4, 0) == 1);
	CHECK(call(i1, "name", 5, 0) == -8);      /* EBADF */
	CHECK(create(i1, 3, "x") == -69);          /* EROFS: /a is read-only */
	/* separate contexts, separate tables */
	int32_t fd = create(i1, 4, "f1");
	CHECK(fd == 5);
	CHECK(call(i2, "close", fd, 0) == 8);     /* not open in the other context */
	CHECK(create(i2, 4, "f2") == 5);          /* its own fd 5 */
	/* two instances of one context share its table (documented) */
	CHECK(call(i1b, "close", fd, 0) == 0);
	CHECK(call(i1, "close", fd, 0) == 8);

	/* two threads, two instances, one context */
	struct worker k1 = { .inst = i1, .id = 1 }, k2 = { .inst = i1b, .id = 2 };
	pthread_t t1, t2;
	pthread_create(&t1, NULL, work, &k1);
	pthread_create(&t2, NULL, work, &k2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(k1.ok == 2000 && k2.ok == 2000);
	if (k1.ok != 2000 || k2.ok != 2000)
		printf("    worker results %d %d\n", k1.ok, k2.ok);
	struct stat st;
	char p[700];
	snprintf(p, sizeof p, "%s/t1_0", b);
	CHECK(stat(p, &st) == 0 && st.st_size == 40); /* opened for appending: 2000 / 50 writes */

	xwasm_instance_free(i1);
	xwasm_instance_free(i1b);
	xwasm_instance_free(i2);
	CHECK(open_fds() > fds0);  /* the contexts still hold their descriptors */
	xwasm_wasi_free(w1);
	xwasm_wasi_free(w2);
	CHECK(open_fds() == fds0); /* and close them all when freed */
	xwasm_module_free(mod);
	printf(fails ? "FAILED: %d check(s)\n" : "all wasi preopen api checks passed\n", (int)fails);
	return fails != 0;
}
EOF

mkdir -p "$T/dirs/a" "$T/dirs/b"
: >"$T/dirs/a/file"
gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 -D_GNU_SOURCE \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -I"$REPO/include" -o "$T/host" "$T/host.c" "${objs[@]}" -lbpf -ljansson -lsodium -lyaml -lmicrohttpd -lgnutls -lcurl -lm -pthread \
  || { echo "FAILED: cannot build the host program"; exit 1; }
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" "$T/host" "$T/guest.wasm" "$T/dirs"
