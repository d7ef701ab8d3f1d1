#!/usr/bin/env bash
# `xdperf wasm run` and the WASI subset, under the ASan/UBSan build.
#
# Builds small WASI command programs with clang --target=wasm32-wasi and WAT modules with
# wat2wasm, runs them and asserts exact stdout, stderr and exit status: hello world, exit
# codes, argv, random_get, clocks and sleeping, --invoke with i32/i64/f32/f64 arguments and
# results, traps, fuel, a missing file, an unknown export, wrong arity and argument types,
# out-of-bounds guest pointers given to WASI (errno 21, host survives), unknown WASI imports
# (link, return ENOSYS or trap naming the import), proc_exit from an invoked export. Every run
# is leak-checked (the WASI context is created, used and freed after the instance).
set -uo pipefail

X="${XDPERF_ASAN:-${REPO:-.}/build/asan/xdperf}"
[ -x "$X" ] || { echo "FAILED: $X is not built (make asan)"; exit 1; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
T="${TMPDIR:-/tmp}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run NAME ARGS...: runs $X wasm run ARGS, output in $T/NAME.{out,err}, status in $rc.
run() {
  local name=$1; shift
  timeout 60 "$X" wasm run "$@" >"$T/$name.out" 2>"$T/$name.err"
  rc=$?
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.err"; then
    fail "$name: sanitizer report"; sed 's/^/    /' "$T/$name.err" | head -40
  fi
}
expect_rc() { [ "$rc" -eq "$2" ] || { fail "$1: exit status $rc, expected $2"; sed 's/^/    err: /' "$T/$1.err" | head -5; }; }
expect_out() {
  local got; got="$(cat "$T/$1.out")"
  [ "$got" = "$2" ] || fail "$1: stdout was [$got], expected [$2]"
}
expect_err() {
  local got; got="$(cat "$T/$1.err")"
  [ "$got" = "$2" ] || fail "$1: stderr was [$got], expected [$2]"
}
expect_err_has() { grep -qF -- "$2" "$T/$1.err" || fail "$1: stderr lacks [$2]: [$(cat "$T/$1.err")]"; }

cc_wasi() { # NAME: builds $T/NAME.wasm from stdin
  clang --target=wasm32-wasi -O2 -o "$T/$1.wasm" -x c - || { fail "cannot build $1.wasm"; return 1; }
}
wat() { # NAME: builds $T/NAME.wasm from stdin
  wat2wasm -o "$T/$1.wasm" - || { fail "cannot build $1.wasm"; return 1; }
}

# ---- WASI command programs ------------------------------------------------------------------

cc_wasi hello <<'EOF'
#include <stdio.h>
int main(void) { printf("hello, world\n"); fprintf(stderr, "to stderr %d\n", 42); return 0; }
EOF
run hello "$T/hello.wasm"
expect_rc hello 0; expect_out hello "hello, world"; expect_err hello "to stderr 42"

cc_wasi exit3 <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { printf("before exit\n"); exit(3); }
EOF
run exit3 "$T/exit3.wasm"
expect_rc exit3 3; expect_out exit3 "before exit"

cc_wasi ret7 <<'EOF'
int main(void) { return 7; }
EOF
run ret7 "$T/ret7.wasm"
expect_rc ret7 7

cc_wasi args <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("[%s]\n", argv[i]);
  printf("env=%s\n", getenv("HOME") ? "leaked" : "empty");
  return 0;
}
EOF
run args "$T/args.wasm" -- one "two words" --three ""
expect_rc args 0
expect_out args "$(printf 'argc=5\n[one]\n[two words]\n[--three]\n[]\nenv=empty')"
run args0 "$T/args.wasm"
expect_rc args0 0; expect_out args0 "$(printf 'argc=1\nenv=empty')"

cc_wasi random <<'EOF'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  unsigned char a[64], b[64], z[64] = {0};
  if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) { printf("getentropy failed\n"); return 1; }
  printf("%s\n", memcmp(a, z, 64) && memcmp(b, z, 64) && memcmp(a, b, 64) ? "random ok" : "random bad");
  return 0;
}
EOF
run random "$T/random.wasm"
expect_rc random 0; expect_out random "random ok"

cc_wasi clock <<'EOF'
#include <stdio.h>
#include <time.h>
static long long ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(void) {
  long long r = ns(CLOCK_REALTIME), m0 = ns(CLOCK_MONOTONIC);
  struct timespec d = { 0, 20 * 1000 * 1000 };
  int s = nanosleep(&d, NULL);
  long long m1 = ns(CLOCK_MONOTONIC);
  printf("realtime %s\n", r > 1600000000LL * 1000000000LL ? "ok" : "bad");
  printf("sleep %s\n", s == 0 && m1 - m0 >= 20 * 1000 * 1000 && m1 - m0 < 5000LL * 1000 * 1000 ? "ok" : "bad");
  struct timespec res;
  printf("res %s\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 ? "ok" : "bad");
  return 0;
}
EOF
run clock "$T/clock.wasm"
expect_rc clock 0; expect_out clock "$(printf 'realtime ok\nsleep ok\nres ok')"

# stdio files the guest cannot reach: no preopens, stdin unreadable
cc_wasi nofs <<'EOF'
#include <stdio.h>
#include <errno.h>
int main(void) {
  FILE *f = fopen("/etc/passwd", "r");
  printf("fopen %s\n", f ? "opened" : "failed");
  char buf[8];
  printf("stdin %s\n", fgets(buf, sizeof buf, stdin) ? "read" : "eof/error");
  return 0;
}
EOF
run nofs "$T/nofs.wasm"
expect_rc nofs 0; expect_out nofs "$(printf 'fopen failed\nstdin eof/error')"

# ---- --invoke ---------------------------------------------------------------------------------

wat calc <<'EOF'
(module
  (func (export "add_i32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add_i64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mul_f32") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "div_f64") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "pair") (param i32) (result i32 i64 f64)
    (local.get 0) (i64.extend_i32_s (local.get 0)) (f64.convert_i32_s (local.get 0)))
  (func (export "none"))
  (func (export "boom") (result i32) unreachable)
  (func (export "divz") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "spin") (loop (br 0)))
  (memory (export "mem") 1)
  (global (export "g") i32 (i32.const 1))
)
EOF
run inv1 "$T/calc.wasm" --invoke add_i32 40 2;            expect_rc inv1 0; expect_out inv1 42
run inv2 "$T/calc.wasm" --invoke add_i32 0x7fffffff 1;    expect_rc inv2 0; expect_out inv2 -2147483648
run inv3 "$T/calc.wasm" --invoke add_i32 0xffffffff -5;   expect_rc inv3 0; expect_out inv3 -6
run inv4 "$T/calc.wasm" --invoke add_i64 9000000000 -0x10; expect_rc inv4 0; expect_out inv4 8999999984
run inv5 "$T/calc.wasm" --invoke add_i64 0x7fffffffffffffff 1; expect_rc inv5 0; expect_out inv5 -9223372036854775808
run inv6 "$T/calc.wasm" --invoke mul_f32 1.5 -2.25;       expect_rc inv6 0; expect_out inv6 -3.375
run inv7 "$T/calc.wasm" --invoke mul_f32 0.1 1;           expect_rc inv7 0; expect_out inv7 0.1
run inv8 "$T/calc.wasm" --invoke div_f64 1 3;             expect_rc inv8 0; expect_out inv8 0.3333333333333333
run inv9 "$T/calc.wasm" --invoke div_f64 1 0;             expect_rc inv9 0; expect_out inv9 inf
run inv10 "$T/calc.wasm" --invoke div_f64 -1e300 1e-300;  expect_rc inv10 0; expect_out inv10 -inf
run inv11 "$T/calc.wasm" --invoke pair -7;                expect_rc inv11 0; expect_out inv11 "$(printf -- '-7\n-7\n-7')"
run inv12 "$T/calc.wasm" --invoke none;                   expect_rc inv12 0; expect_out inv12 ""
run inv13 "$T/calc.wasm" --fuel 100000 --invoke add_i32 1 2; expect_rc inv13 0; expect_out inv13 3

run trap1 "$T/calc.wasm" --invoke boom
expect_rc trap1 1; expect_out trap1 ""
expect_err_has trap1 "xdperf wasm run: trap in $T/calc.wasm: "; expect_err_has trap1 "unreachable"
run trap2 "$T/calc.wasm" --invoke divz 0
expect_rc trap2 1; expect_err_has trap2 "xdperf wasm run: trap in $T/calc.wasm: "; expect_err_has trap2 "integer divide by zero"
run trap3 "$T/calc.wasm" --invoke divz 2
expect_rc trap3 0; expect_out trap3 0
run fuel "$T/calc.wasm" --fuel 10000 --invoke spin
expect_rc fuel 1; expect_err_has fuel "xdperf wasm run: trap in $T/calc.wasm: "; expect_err_has fuel "fuel exhausted"

run unk "$T/calc.wasm" --invoke nope
expect_rc unk 1; expect_err unk "xdperf wasm run: $T/calc.wasm has no exported function 'nope'"
run unk2 "$T/calc.wasm" --invoke mem
expect_rc unk2 1; expect_err unk2 "xdperf wasm run: $T/calc.wasm has no exported function 'mem'"
run arity1 "$T/calc.wasm" --invoke add_i32 1
expect_rc arity1 1; expect_err arity1 "xdperf wasm run: 'add_i32' expects 2 arguments (i32 i32), got 1"
run arity2 "$T/calc.wasm" --invoke none 1
expect_rc arity2 1; expect_err arity2 "xdperf wasm run: 'none' expects 0 arguments (), got 1"
run badarg1 "$T/calc.wasm" --invoke add_i32 1 abc
expect_rc badarg1 1; expect_err badarg1 "xdperf wasm run: argument 2 of 'add_i32': 'abc' is not a valid i32"
run badarg2 "$T/calc.wasm" --invoke add_i32 1 0x100000000
expect_rc badarg2 1; expect_err badarg2 "xdperf wasm run: argument 2 of 'add_i32': '0x100000000' is not a valid i32"
run badarg3 "$T/calc.wasm" --invoke mul_f32 1.5x 2
expect_rc badarg3 1; expect_err badarg3 "xdperf wasm run: argument 1 of 'mul_f32': '1.5x' is not a valid f32"
run badarg4 "$T/calc.wasm" --invoke add_i64 1.5 2
expect_rc badarg4 1; expect_err badarg4 "xdperf wasm run: argument 1 of 'add_i64': '1.5' is not a valid i64"
run nostart "$T/calc.wasm"
expect_rc nostart 1
expect_err nostart "xdperf wasm run: $T/calc.wasm has no '_start' export (not a WASI command); use --invoke NAME to call an export"

# ---- file and usage errors ---------------------------------------------------------------------

run missing "$T/does-not-exist.wasm"
expect_rc missing 1; expect_err missing "xdperf wasm run: cannot read $T/does-not-exist.wasm: No such file or directory"
run isdir "$T"
expect_rc isdir 1; expect_err_has isdir "xdperf wasm run: cannot read $T: "
printf 'not wasm at all' >"$T/garbage.wasm"
run garbage "$T/garbage.wasm"
expect_rc garbage 1; expect_err_has garbage "xdperf wasm run: cannot load $T/garbage.wasm: "
: >"$T/empty.wasm"
run empty "$T/empty.wasm"
expect_rc empty 1; expect_err_has empty "xdperf wasm run: cannot load $T/empty.wasm: "
run nofile
expect_rc nofile 2; expect_err_has nofile "xdperf wasm run: missing FILE.wasm"
run badopt "$T/calc.wasm" --frobnicate
expect_rc badopt 2; expect_err badopt "xdperf wasm run: unknown option '--frobnicate' (see xdperf wasm run --help)"
run badfuel "$T/calc.wasm" --fuel lots
expect_rc badfuel 2; expect_err_has badfuel "xdperf wasm run: invalid --fuel value 'lots'"
run help --help
expect_rc help 0; grep -q '^usage: xdperf wasm run' "$T/help.out" || fail "help: no usage text"

# ---- WASI edge cases from WAT ------------------------------------------------------------------

wat wasiedge <<'EOF'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func $sock_open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "made_up_function" (func $made_up (param i64 f64) (result i32)))
  (import "wasi_snapshot_preview1" "made_up_void" (func $made_up_void))
  (memory (export "memory") 1)
  (data (i32.const 16) "ok\n")
  ;; iov at 0: {buf=16, len=3}
  (func (export "write_ok") (result i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "written") (result i32) (i32.load (i32.const 8)))
  ;; iovs array out of bounds
  (func (export "oob_iovs") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 8)))
  ;; iov buffer out of bounds
  (func (export "oob_buf") (result i32)
    (i32.store (i32.const 0) (i32.const 65530)) (i32.store (i32.const 4) (i32.const 100))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  ;; iov length makes buf+len wrap around 2^32
  (func (export "wrap_buf") (result i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 0xfffffff8))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  ;; nwritten pointer out of bounds
  (func (export "oob_nwritten") (result i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65535)))
  (func (export "bad_fd") (result i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 5) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "prestat3") (result i32) (call $prestat (i32.const 3) (i32.const 0)))
  (func (export "read0") (result i32)
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 0)
      (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 8)))
  (func (export "random_oob") (result i32) (call $random_get (i32.const 65000) (i32.const 1000)))
  (func (export "random_ok") (result i32) (call $random_get (i32.const 100) (i32.const 1000)))
  (func (export "args_oob") (result i32) (call $args_sizes (i32.const 0) (i32.const 65534)))
  (func (export "clock_oob") (result i32) (call $clock (i32.const 0) (i64.const 1) (i32.const 65532)))
  (func (export "clock_bad") (result i32) (call $clock (i32.const 99) (i64.const 1) (i32.const 0)))
  (func (export "poll_none") (result i32)
    (call $poll (i32.const 0) (i32.const 1024) (i32.const 0) (i32.const 8)))
  (func (export "poll_oob") (result i32)
    (call $poll (i32.const 65500) (i32.const 1024) (i32.const 1) (i32.const 8)))
  ;; one fd_read subscription (tag 1) on fd 0, userdata 7: returns errno*1000 + nevents*100 +
  ;; the event's type*10 + its error (stdin is /dev/null: ready, type 1, no error)
  (func (export "poll_fd") (result i32)
    (i64.store (i32.const 2048) (i64.const 7)) (i32.store8 (i32.const 2056) (i32.const 1))
    (i32.store (i32.const 2064) (i32.const 0))
    (i32.add (i32.mul (call $poll (i32.const 2048) (i32.const 1024) (i32.const 1) (i32.const 8)) (i32.const 1000))
      (i32.add (i32.mul (i32.load (i32.const 8)) (i32.const 100))
        (i32.add (i32.mul (i32.load8_u (i32.const 1034)) (i32.const 10)) (i32.load16_u (i32.const 1032))))))
  ;; an fd_write subscription on fd 9 (not open): an event with error EBADF (8)
  (func (export "poll_badfd") (result i32)
    (i64.store (i32.const 2048) (i64.const 7)) (i32.store8 (i32.const 2056) (i32.const 2))
    (i32.store (i32.const 2064) (i32.const 9))
    (drop (call $poll (i32.const 2048) (i32.const 1024) (i32.const 1) (i32.const 8)))
    (i32.add (i32.mul (i32.load (i32.const 8)) (i32.const 100)) (i32.load16_u (i32.const 1032))))
  ;; one relative clock subscription of 1 ms, userdata 0x1234: returns the event's userdata
  (func (export "poll_clock") (result i64)
    (i64.store (i32.const 2048) (i64.const 0x1234))
    (i32.store8 (i32.const 2056) (i32.const 0))
    (i32.store (i32.const 2064) (i32.const 1))
    (i64.store (i32.const 2072) (i64.const 1000000))
    (i64.store (i32.const 2080) (i64.const 0))
    (i32.store16 (i32.const 2088) (i32.const 0))
    (if (call $poll (i32.const 2048) (i32.const 1024) (i32.const 1) (i32.const 8))
      (then (return (i64.const -1))))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 1)) (then (return (i64.const -2))))
    (if (i32.load16_u (i32.const 1032)) (then (return (i64.const -3))))
    (i64.load (i32.const 1024)))
  (func (export "exit5") (call $proc_exit (i32.const 5)) unreachable)
  (func (export "sock") (result i32) (call $sock_open (i32.const 0) (i32.const 0) (i32.const 0)))
  (func (export "made_up") (result i32) (call $made_up (i64.const 0) (f64.const 0)))
  (func (export "made_up_void") (call $made_up_void))
)
EOF
run we1 "$T/wasiedge.wasm" --invoke write_ok;     expect_rc we1 0; expect_out we1 "$(printf 'ok\n0')"
run we2 "$T/wasiedge.wasm" --invoke oob_iovs;     expect_rc we2 0; expect_out we2 21
run we3 "$T/wasiedge.wasm" --invoke oob_buf;      expect_rc we3 0; expect_out we3 21
run we4 "$T/wasiedge.wasm" --invoke wrap_buf;     expect_rc we4 0; expect_out we4 21
run we5 "$T/wasiedge.wasm" --invoke oob_nwritten; expect_rc we5 0; expect_out we5 21
run we6 "$T/wasiedge.wasm" --invoke bad_fd;       expect_rc we6 0; expect_out we6 8
run we7 "$T/wasiedge.wasm" --invoke prestat3;     expect_rc we7 0; expect_out we7 8
# fd 0 reads the process's stdin (here /dev/null, into an empty buffer): success, 0 bytes
run we8 "$T/wasiedge.wasm" --invoke read0 </dev/null; expect_rc we8 0; expect_out we8 0
run we9 "$T/wasiedge.wasm" --invoke open;         expect_rc we9 0; expect_out we9 8
run we10 "$T/wasiedge.wasm" --invoke random_oob;  expect_rc we10 0; expect_out we10 21
run we11 "$T/wasiedge.wasm" --invoke random_ok;   expect_rc we11 0; expect_out we11 0
run we12 "$T/wasiedge.wasm" --invoke args_oob;    expect_rc we12 0; expect_out we12 21
run we13 "$T/wasiedge.wasm" --invoke clock_oob;   expect_rc we13 0; expect_out we13 21
run we14 "$T/wasiedge.wasm" --invoke clock_bad;   expect_rc we14 0; expect_out we14 28
run we15 "$T/wasiedge.wasm" --invoke poll_none;   expect_rc we15 0; expect_out we15 28
run we16 "$T/wasiedge.wasm" --invoke poll_oob;    expect_rc we16 0; expect_out we16 21
run we17 "$T/wasiedge.wasm" --invoke poll_fd </dev/null; expect_rc we17 0; expect_out we17 110
run we17b "$T/wasiedge.wasm" --invoke poll_badfd; expect_rc we17b 0; expect_out we17b 108
run we18 "$T/wasiedge.wasm" --invoke poll_clock;  expect_rc we18 0; expect_out we18 4660
run we19 "$T/wasiedge.wasm" --invoke exit5;       expect_rc we19 5; expect_out we19 ""; expect_err we19 ""
run we20 "$T/wasiedge.wasm" --invoke sock;        expect_rc we20 0; expect_out we20 52
run we21 "$T/wasiedge.wasm" --invoke made_up;     expect_rc we21 0; expect_out we21 52
run we22 "$T/wasiedge.wasm" --invoke made_up_void
expect_rc we22 1; expect_err_has we22 "trap in $T/wasiedge.wasm: "
expect_err_has we22 "wasi_snapshot_preview1.made_up_void is not supported"

# The same unknown WASI name imported twice (different types) and another one: each trapping
# stub names its import; the names belong to the run's WASI context (freed with it: no leaks).
wat unkdup <<'EOF'
(module
  (import "wasi_snapshot_preview1" "made_up_void" (func $a (param i32)))
  (import "wasi_snapshot_preview1" "made_up_void" (func $b (param i64 i64)))
  (import "wasi_snapshot_preview1" "another_one" (func $c (result i64)))
  (memory (export "memory") 1)
  (func (export "a") (call $a (i32.const 1)))
  (func (export "b") (call $b (i64.const 1) (i64.const 2)))
  (func (export "c") (drop (call $c))))
EOF
run unkdup_a "$T/unkdup.wasm" --invoke a
expect_rc unkdup_a 1; expect_err_has unkdup_a "wasi_snapshot_preview1.made_up_void is not supported"
run unkdup_b "$T/unkdup.wasm" --invoke b
expect_rc unkdup_b 1; expect_err_has unkdup_b "wasi_snapshot_preview1.made_up_void is not supported"
run unkdup_c "$T/unkdup.wasm" --invoke c
expect_rc unkdup_c 1; expect_err_has unkdup_c "wasi_snapshot_preview1.another_one is not supported"

# A WASI import with the wrong type is a link error naming it; a non-WASI import too.
wat badimp <<'EOF'
(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))) (memory (export "memory") 1))
EOF
run badimp "$T/badimp.wasm" --invoke x
expect_rc badimp 1; expect_err_has badimp "xdperf wasm run: cannot instantiate $T/badimp.wasm: "; expect_err_has badimp "fd_write"
wat envimp <<'EOF'
(module (import "env" "something" (func)) (func (export "_start")))
EOF
run envimp "$T/envimp.wasm"
expect_rc envimp 1; expect_err_has envimp "xdperf wasm run: cannot instantiate $T/envimp.wasm: "; expect_err_has envimp "env"

# A start function that traps, and a reactor whose _initialize runs before --invoke.
wat starttrap <<'EOF'
(module (func $s unreachable) (start $s) (func (export "_start")))
EOF
run starttrap "$T/starttrap.wasm"
expect_rc starttrap 1; expect_err_has starttrap "xdperf wasm run: trap in $T/starttrap.wasm: "
wat reactor <<'EOF'
(module (global $g (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $g (i32.const 99)))
  (func (export "get") (result i32) (global.get $g)))
EOF
run reactor "$T/reactor.wasm" --invoke get
expect_rc reactor 0; expect_out reactor 99

# ---- environment, stdin, file types (--env; fd 0 is this process's stdin) ----------------------
cc_wasi envstdin <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	const char *a = getenv("ALPHA"), *b = getenv("BETA");
	printf("ALPHA=%s BETA=%s\n", a ? a : "(none)", b ? b : "(none)");
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, stdin);
	buf[n] = 0;
	printf("stdin=[%s]\n", buf);
	printf("isatty0=%d isatty1=%d\n", isatty(0), isatty(1));
	return 0;
}
EOF
printf 'line one\nline two' | timeout 60 "$X" wasm run --env ALPHA=1 --env BETA=x=y "$T/envstdin.wasm" \
  >"$T/envstdin.out" 2>"$T/envstdin.err"
rc=$?
expect_rc envstdin 0
expect_out envstdin "ALPHA=1 BETA=x=y
stdin=[line one
line two]
isatty0=0 isatty1=0"
# no --env: an empty environment; stdin from a file (a regular file: no terminal either)
printf 'from a file' >"$T/in.txt"
timeout 60 "$X" wasm run "$T/envstdin.wasm" <"$T/in.txt" >"$T/envfile.out" 2>"$T/envfile.err"
rc=$?
expect_rc envfile 0
expect_out envfile "ALPHA=(none) BETA=(none)
stdin=[from a file]
isatty0=0 isatty1=0"
run badenv --env NOEQUALS "$T/envstdin.wasm"
expect_rc badenv 2; expect_err_has badenv "--env needs NAME=VALUE"

# --features: a module with two memories loads only with multi-memory; an unknown name is a
# usage error naming it
wat2wasm --enable-multi-memory -o "$T/mm.wasm" - <<'EOF' || fail "cannot build mm.wasm"
(module (memory 1) (memory $b 1)
  (func (export "f") (result i32) (i32.store $b (i32.const 4) (i32.const 77)) (i32.load $b (i32.const 4))))
EOF
run mm_default "$T/mm.wasm" --invoke f
expect_rc mm_default 1; expect_err_has mm_default "multiple memories"
run mm_on --features multi-memory "$T/mm.wasm" --invoke f
expect_rc mm_on 0; expect_out mm_on "77"
run mm_bad --features bogus "$T/mm.wasm" --invoke f
expect_rc mm_bad 2; expect_err_has mm_bad "unknown feature 'bogus'"

if [ "$fails" -ne 0 ]; then
  echo "FAILED: $fails check(s)"
  exit 1
fi
echo "all wasm run checks passed"
