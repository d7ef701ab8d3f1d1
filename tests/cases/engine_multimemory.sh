#!/usr/bin/env bash
# Multi-memory through the public API (tests/unit/engine_multimemory.c, modules from wat2wasm
# --enable-multi-memory): refused with the default features ("multiple memories"), loaded with
# XWASM_FEATURE_MULTI_MEMORY; each memory exported by name; a data segment, loads, stores,
# memory.size/grow/fill/copy/init on memory 1 apart from memory 0 and bounds-checked against
# it; the page cap per memory; growth of memory 1 charged to the instance; one host memory
# imported as memories 0 and 1 (a grow through index 1 is seen through index 0 at once).
# Built twice: against build/libxdperf.a (gcc -O2), and with ASan/UBSan against build/asan/libxdperf.a.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
M="$T/modules"
mkdir -p "$M"

wat2wasm --enable-multi-memory -o "$M/two.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm two"; exit 1; }
(module
  (memory $m0 (export "m0") 3)
  (memory $m1 (export "m1") 1)
  (data (memory $m1) (i32.const 100) "hello")
  (data $w "world")
  (func (export "load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "store1") (param i32 i32) (i32.store $m1 (local.get 0) (local.get 1)))
  (func (export "size1") (result i32) (memory.size $m1))
  (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
  (func (export "fill1") (param i32 i32) (memory.fill $m1 (local.get 0) (local.get 1) (i32.const 4)))
  (func (export "copy10") (param i32 i32) (memory.copy $m0 $m1 (local.get 0) (local.get 1) (i32.const 4)))
  (func (export "init1") (param i32) (memory.init $m1 $w (local.get 0) (i32.const 0) (i32.const 5))))
EOF2

wat2wasm --enable-multi-memory -o "$M/alias.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm alias"; exit 1; }
(module
  (import "env" "mem" (memory $a 1))
  (import "env" "mem" (memory $b 1))
  (func (export "store1_load0") (param i32 i32) (result i32)
    (i32.store $b (local.get 0) (local.get 1))
    (i32.load $a (local.get 0)))
  (func (export "grow1_then_load0") (param i32) (result i32)
    (drop (memory.grow $b (i32.const 1)))
    (i32.load $a (local.get 0))))
EOF2

status=0
. "$REPO/tests/lib/engine_unit.sh"
engine_unit engine_multimemory "$M"
[ $status -eq 0 ] && echo "engine multi-memory: all checks passed (plain and sanitizer builds)"
exit $status
