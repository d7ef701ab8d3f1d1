#!/usr/bin/env bash
# Tests the spec test runner itself (`xdperf wasm spectest`): a hand-written script with
# correct expectations must pass completely, the same script with deliberately WRONG
# expectations must report exactly those as failed (and exit non-zero), and broken input
# (malformed JSON, a missing .wasm) must be reported as a failure naming the file, without
# crashing. Catches a runner that passes everything. Uses the ASan build.
set -uo pipefail
: "${REPO:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${XDPERF_ASAN:=$REPO/build/asan/xdperf}"
: "${TMPDIR:=/tmp}"
export ASAN_OPTIONS="detect_leaks=1:exitcode=66:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=67:${UBSAN_OPTIONS:-}"
command -v wast2json >/dev/null || { echo "wast2json (wabt) is not installed"; exit 1; }
[ -x "$XDPERF_ASAN" ] || { echo "$XDPERF_ASAN is missing"; exit 1; }

d="$TMPDIR/runner"
mkdir -p "$d"
errors=0
check() { # check DESCRIPTION CONDITION...
  local what="$1"; shift
  if "$@"; then echo "ok: $what"; else echo "NOT OK: $what"; errors=$((errors + 1)); fi
}

module='(module
  (global (export "g") i32 (i32.const 42))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "fdiv") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "id") (param externref) (result externref) (local.get 0))
)'

# 7 commands, all correct: module + 6 assertions.
cat >"$d/good.wast" <<WAST
$module
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const -1) (i32.const 0)) (i32.const 0xffffffff))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_return (invoke "fdiv" (f32.const 0) (f32.const 0)) (f32.const nan:canonical))
(assert_return (invoke "id" (ref.extern 7)) (ref.extern 7))
(assert_return (get "g") (i32.const 42))
WAST

# The same module with 5 wrong expectations (only the module command is right).
cat >"$d/bad.wast" <<WAST
$module
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_return (get "g") (i32.const 43))
(assert_trap (invoke "div" (i32.const 4) (i32.const 2)) "integer divide by zero")
(assert_return (invoke "fdiv" (f32.const 1) (f32.const 1)) (f32.const nan:canonical))
(assert_return (invoke "id" (ref.extern 7)) (ref.extern 0))
WAST

# Only the deliberately wrong assert_return: the minimal case.
cat >"$d/wrong.wast" <<WAST
$module
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
WAST

for n in good bad wrong; do
  wast2json "$d/$n.wast" -o "$d/$n.json" || { echo "wast2json failed on $n.wast"; exit 1; }
done

run() { # run NAME ARGS... -> $out, $rc
  out="$("$XDPERF_ASAN" wasm spectest "$@" 2>&1)"; rc=$?
  echo "--- xdperf wasm spectest $* (exit $rc)"; echo "$out"
}

run "$d/wrong.json"
check "wrong assert_return: 1 passed, 1 failed" grep -qx "1 passed, 1 failed, 0 skipped" <<<"$out"
check "wrong assert_return: exit status 1" test "$rc" -eq 1

run "$d/good.json"
check "correct script: all 7 pass" grep -qx "7 passed, 0 failed, 0 skipped" <<<"$out"
check "correct script: exit status 0" test "$rc" -eq 0

run --verbose "$d/bad.json"
check "wrong expectations: 1 passed, 5 failed" grep -qx "1 passed, 5 failed, 0 skipped" <<<"$out"
check "wrong expectations: exit status 1" test "$rc" -eq 1
check "--verbose names the failing line" grep -q "bad.json:[0-9]*: assert_return" <<<"$out"
check "--verbose reports the wrong trap expectation" grep -q "assert_trap" <<<"$out"

# Several files: per-file lines and totals.
run "$d/good.json" "$d/wrong.json"
check "two files: totals" grep -qx "8 passed, 1 failed, 0 skipped" <<<"$out"
check "two files: per-file line" grep -q "good.json: 7 passed, 0 failed, 0 skipped" <<<"$out"

# Broken input: malformed JSON, missing module file.
printf '{"source_filename": "x.wast", "commands": [ {"type": "module", ' >"$d/broken.json"
run "$d/broken.json"
check "malformed JSON: counted as a failure" grep -qx "0 passed, 1 failed, 0 skipped" <<<"$out"
check "malformed JSON: names the file" grep -q "broken.json" <<<"$out"
check "malformed JSON: exit status 1 (no crash)" test "$rc" -eq 1

mkdir -p "$d/missing"
cp "$d/wrong.json" "$d/missing/"
run "$d/missing/wrong.json"
check "missing .wasm: reported as failures" grep -qx "0 passed, 2 failed, 0 skipped" <<<"$out"
run --verbose "$d/missing/wrong.json"
check "missing .wasm: names the file" grep -q "wrong.0.wasm" <<<"$out"
check "missing .wasm: exit status 1 (no crash)" test "$rc" -eq 1

run "$d/does-not-exist.json"
check "missing JSON: failure, exit 1" test "$rc" -eq 1

if [ $errors -gt 0 ]; then echo "$errors check(s) failed"; exit 1; fi
echo "all runner checks passed"
