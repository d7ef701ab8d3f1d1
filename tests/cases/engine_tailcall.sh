#!/usr/bin/env bash
# Tail calls (tests/unit/engine_tailcall.c, modules from wat2wasm --enable-tail-call): chains of
# 1,000,000 return_call / return_call_indirect run with a call depth limit of 16 (frames are
# reused; the same chain with `call` exhausts the stack), also into a host function and into a
# function of another instance; a callee with a larger frame; fuel charged per tail call (an
# endless tail-call loop stops at its budget, exactly), the interrupt flag stopping one with
# unlimited fuel; traps name the tail-called function; XWASM_FEATURES_NONE refuses them. And
# `xdperf wasm run --fuel` stops an endless tail-call loop with "fuel exhausted".
# Built twice: against build/libxdperf.a (gcc -O2), and with ASan/UBSan against build/asan/libxdperf.a.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
M="$T/modules"
mkdir -p "$M"

wat2wasm --enable-tail-call -o "$M/callee.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm callee"; exit 1; }
(module
  (memory 1)
  (data (i32.const 16) "\78\56\00\00")
  ;; reads this instance's memory: not the caller's
  (func (export "peek") (param i32) (result i32)
    (i32.add (i32.load (i32.const 16)) (local.get 0))))
EOF2

wat2wasm --enable-tail-call --debug-names -o "$M/tailcall.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm tailcall"; exit 1; }
(module
  (import "env" "add1000" (func $add1000 (param i32) (result i32)))
  (import "callee" "peek" (func $peek (param i32) (result i32)))
  (memory 1)
  (type $pred (func (param i64) (result i32)))
  (table funcref (elem $even_i $odd_i $spin_i))
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (export "odd") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))
  (func $even_i (export "even_indirect") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_indirect (type $pred) (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $odd_i (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect (type $pred) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
  (func $even_c (export "even_call") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $odd_c (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd_c (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $even_c (i64.sub (local.get 0) (i64.const 1))))))
  ;; down to 0, then the host function's result (0 + 1000) is the call's
  (func $to_host (export "to_host") (param i64) (result i32)
    (if (i64.eqz (local.get 0)) (then (return_call $add1000 (i32.const 0))))
    (return_call $to_host (i64.sub (local.get 0) (i64.const 1))))
  (func $to_other (export "to_other") (param i64) (result i32)
    (if (i64.eqz (local.get 0)) (then (return_call $peek (i32.const 7))))
    (return_call $to_other (i64.sub (local.get 0) (i64.const 1))))
  ;; one parameter to ten, and locals the caller's frame does not have
  (func (export "widen") (param i64) (result i32)
    (return_call $sum10 (i32.wrap_i64 (local.get 0)) (i32.const 1) (i32.const 2) (i32.const 3)
      (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9)))
  (func $sum10 (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (local.set 10 (local.get 0))
    (local.set 10 (i32.add (local.get 10) (local.get 1)))
    (local.set 10 (i32.add (local.get 10) (local.get 2)))
    (local.set 10 (i32.add (local.get 10) (local.get 3)))
    (local.set 10 (i32.add (local.get 10) (local.get 4)))
    (local.set 10 (i32.add (local.get 10) (local.get 5)))
    (local.set 10 (i32.add (local.get 10) (local.get 6)))
    (local.set 10 (i32.add (local.get 10) (local.get 7)))
    (local.set 10 (i32.add (local.get 10) (local.get 8)))
    (i32.add (local.get 10) (i32.add (local.get 9) (local.get 29))))
  (func $boom (result i32) (unreachable))
  (func $to_trap (export "to_trap") (param i64) (result i32)
    (if (i64.eqz (local.get 0)) (then (return_call $boom)))
    (return_call $to_trap (i64.sub (local.get 0) (i64.const 1))))
  ;; endless: no loop, no call, only tail calls
  (func $forever (export "forever") (param i64) (result i32)
    (return_call $forever (i64.add (local.get 0) (i64.const 1))))
  (func $spin_i (export "forever_indirect") (param i64) (result i32)
    (return_call_indirect (type $pred) (i64.add (local.get 0) (i64.const 1)) (i32.const 2))))
EOF2

status=0
. "$REPO/tests/lib/engine_unit.sh"
engine_unit engine_tailcall "$M"

# the command line: an endless tail-call loop under --fuel is a trap, exit 1, one line
wat2wasm --enable-tail-call -o "$M/loop.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm loop"; exit 1; }
(module (func $f (export "f") (param i32) (result i32)
  (return_call $f (i32.add (local.get 0) (i32.const 1)))))
EOF2
"$XDPERF" wasm run "$M/loop.wasm" --fuel 1000000 --invoke f 0 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "fuel exhausted" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ]; then
  echo "ok: xdperf wasm run --fuel 1000000 stops an endless tail-call loop: $(cat "$T/err")"
else
  echo "FAILED: xdperf wasm run --fuel on an endless tail-call loop: exit $rc: $(cat "$T/err")"
  status=1
fi

[ $status -eq 0 ] && echo "engine tail calls: all checks passed (plain and sanitizer builds, command line)"
exit $status
