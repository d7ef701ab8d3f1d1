#!/usr/bin/env bash
# Interrupting running WebAssembly calls (xwasm_interrupt, tests/unit/engine_interrupt.c): an
# infinite loop, recursion with and without loops, memory.fill loops, a loop calling a host
# function, a host function waiting for the flag and a WASI sleep of an hour, each interrupted
# from another thread after ~100 ms with the "interrupted" trap, well before their fuel; one flag
# for several instances on several threads; level-triggered (a call while raised traps at once,
# a call after clearing runs); fuel accounting exact across fuel slices (the same charge runs a
# budget out as without slices; interrupted calls count every iteration); unlimited fuel over
# hundreds of slices; 40 MiB overlapping memory.copy (done in pieces) equal to memmove.
# Built twice: against build/libxdperf.a (gcc -O2), and with ASan/UBSan against build/asan/libxdperf.a.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }

wat2wasm -o "$T/interrupt.wasm" - <<'EOF' || { echo "FAILED: wat2wasm"; exit 1; }
(module
  (import "env" "tick" (func $tick))
  (import "env" "give_up" (func $give_up))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1024)
  (global $n (export "n") (mut i64) (i64.const 0))
  (func (export "spin")
    (loop $l (global.set $n (i64.add (global.get $n) (i64.const 1))) (br $l)))
  ;; counts to $k: entry cost E, one back-edge (cost C) per iteration but the last
  (func (export "count") (param $k i64) (result i64)
    (global.set $n (i64.const 0))
    (block $done
      (br_if $done (i64.eqz (local.get $k)))
      (loop $l
        (global.set $n (i64.add (global.get $n) (i64.const 1)))
        (br_if $l (i64.lt_u (global.get $n) (local.get $k)))))
    (global.get $n))
  ;; no loop: fuel is charged at function entries only
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))
  (func (export "recurse") (param $depth i32)
    (loop $l
      (global.set $n (i64.add (global.get $n) (i64.extend_i32_u (call $down (local.get $depth)))))
      (br $l)))
  (func (export "fill") (param $size i32)
    (loop $l
      (memory.fill (i32.const 0) (i32.const 7) (local.get $size))
      (global.set $n (i64.add (global.get $n) (i64.const 1)))
      (br $l)))
  ;; $k fills of $size bytes, counted in $n
  (func (export "fills") (param $k i32) (param $size i32)
    (global.set $n (i64.const 0))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $l
        (memory.fill (i32.const 0) (i32.const 1) (local.get $size))
        (global.set $n (i64.add (global.get $n) (i64.const 1)))
        (br_if $l (i64.lt_u (global.get $n) (i64.extend_i32_u (local.get $k)))))))
  (func (export "copy") (param $d i32) (param $s i32)
    (memory.copy (local.get $d) (local.get $s) (i32.const 41943040)))
  (func (export "host")
    (loop $l (call $tick) (global.set $n (i64.add (global.get $n) (i64.const 1))) (br $l)))
  (func (export "give_up") (call $give_up))
  ;; poll_oneoff with one clock subscription (monotonic, relative) of an hour
  (func (export "sleep") (result i32)
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))))
EOF

CFLAGS=(-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/tests/unit")
status=0

echo "== engine_interrupt (gcc -O2, build/libxdperf.a)"
if gcc "${CFLAGS[@]}" -O2 "$REPO/tests/unit/engine_interrupt.c" "$REPO/build/libxdperf.a" \
     -ljansson -lsodium -lyaml -lm -lpthread -o "$T/engine_interrupt"; then
  "$T/engine_interrupt" "$T" || status=1
else
  echo "FAILED: cannot build tests/unit/engine_interrupt.c against build/libxdperf.a"
  status=1
fi

echo "== engine_interrupt (ASan/UBSan, build/asan/libxdperf.a)"
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if asan_build "$T/engine_interrupt_asan" "${CFLAGS[@]}" "$REPO/tests/unit/engine_interrupt.c"; then
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    "$T/engine_interrupt_asan" "$T" || status=1
else
  echo "FAILED: cannot build tests/unit/engine_interrupt.c with the sanitizers"
  status=1
fi
exit $status
