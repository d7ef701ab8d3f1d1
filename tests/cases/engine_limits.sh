#!/usr/bin/env bash
# Engine limits and robustness through the public API (tests/unit/engine_limits.c): fuel
# exhaustion and unlimited fuel, call depth and value-stack exhaustion (also through re-entrant
# host calls), the memory page cap, instance and module accounting with their byte and table caps, a load interrupted, trap messages naming the function, SIMD rejected as
# not supported, validation errors naming the byte offset, host traps and exit codes, eight
# instances of one module on eight threads, and the bounds-checked memory API.
# The program is built twice: with gcc against build/libxdperf.a, and with ASan/UBSan against
# build/asan/libxdperf.a (so memory errors and leaks fail the case). Modules come from
# wat2wasm.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
M="$T/modules"
mkdir -p "$M"

wat() { # NAME [wat2wasm flags...] < WAT
  local name="$1"
  shift
  wat2wasm "$@" -o "$M/$name.wasm" - || { echo "FAILED: wat2wasm $name"; exit 1; }
}

wat fuel <<'EOF'
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "answer") (result i32) (i32.const 42))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $i)))
EOF

# $fat has 400 i64 locals: deep recursion runs out of value stack before the depth limit
fat_locals="$(printf ' i64%.0s' $(seq 400))"
wat depth <<EOF
(module
  (type \$t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) \$rec_indirect)
  (func \$rec (export "rec") (param i32) (result i32)
    (i32.add (call \$rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "answer") (result i32) (i32.const 42))
  (func \$down (export "down") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call \$down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))
  (func \$ping (export "mutual") (param i32) (result i32) (call \$pong (local.get 0)))
  (func \$pong (param i32) (result i32) (i32.add (call \$ping (local.get 0)) (i32.const 1)))
  (func \$rec_indirect (export "rec_indirect") (param i32) (result i32)
    (i32.add (call_indirect (type \$t) (local.get 0) (i32.const 0)) (i32.const 1)))
  (func \$fat (export "fat") (param i32) (result i32) (local $fat_locals)
    (local.set 1 (i64.extend_i32_u (local.get 0)))
    (i32.add (call \$fat (i32.wrap_i64 (local.get 1))) (i32.const 1))))
EOF

wat grow <<'EOF'
(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store") (param i32) (result i32) (i32.store (local.get 0) (i32.const -1)) (i32.const 0))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
EOF

# slow.wasm: 36 MB whose validation takes about a second (interrupting a load)
python3 "$REPO/tests/protocols/hostile_gen.py" slow_validate 45 "$M/slow.wasm" || { echo "FAILED: hostile_gen.py"; exit 1; }

# accounting: a memory and two tables that grow on request
wat accounting <<'EOF'
(module
  (memory 2)
  (table $a 1000 funcref)
  (table $b 24 externref)
  (global (mut i64) (i64.const 0))
  (func (export "mgrow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow $a (ref.null func) (local.get 0)))
  (func (export "tsize") (result i32) (table.size $a)))
EOF

wat big_memory <<'EOF'
(module (memory 32))
EOF

wat grow_max <<'EOF'
(module
  (memory 1 4)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
EOF

wat names --debug-names <<'EOF'
(module
  (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func $outer (export "outer") (result i32) (call $inner (i32.const 0)))
  (func (export "crash") (unreachable))
  (func (export "ok") (result i32) (i32.const 7)))
EOF

wat simd --enable-relaxed-simd <<'EOF'
(module (func (export "f") (drop (i32x4.relaxed_trunc_f32x4_s (v128.const i32x4 1 2 3 4)))))
EOF

wat invalid_type --no-check <<'EOF'
(module (func (export "f") (result i32) (i64.const 0)))
EOF

wat invalid_local --no-check <<'EOF'
(module (func (export "f") (drop (local.get 5))))
EOF

# grow.wasm cut short in the middle of its code section
size=$(stat -c %s "$M/grow.wasm")
head -c $((size - 7)) "$M/grow.wasm" >"$M/truncated.wasm"

wat host <<'EOF'
(module
  (import "env" "boom" (func $boom))
  (import "env" "exit" (func $exit (param i32)))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (import "env" "down" (func $down (param i32) (result i32)))
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (memory 1)
  (func (export "call_boom") (call $boom))
  (func (export "call_exit") (param i32) (call $exit (local.get 0)))
  (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "outer") (param i32) (result i32) (i32.add (call $reenter (local.get 0)) (i32.const 100)))
  (func (export "rdown") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))
  (func (export "poke_peek") (param i32) (result i32)
    (i32.store (i32.const 100) (local.get 0))
    (call $peek (i32.const 100)))
  ;; n host calls in a loop (each costs XW_HOST_CALL_FUEL): returns n
  (func (export "peek_loop") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (drop (call $peek (i32.const 100)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i)))
EOF

# checksum: see expected_sum() in engine_limits.c
wat threads <<'EOF'
(module
  (memory 1)
  (func (export "sum") (param $seed i32) (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (local.set $acc (local.get $seed))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31))
                                 (i32.xor (local.get $i) (local.get $seed))))
        (local.set $acc (i32.xor (local.get $acc)
          (i32.load (i32.shl (i32.and (i32.mul (local.get $i) (i32.const 7)) (i32.const 1023))
                             (i32.const 2)))))
        (i32.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2)) (local.get $acc))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $acc)))
EOF

CFLAGS=(-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -D_GNU_SOURCE -I"$REPO/include")
status=0
summary=()

# Shortens sanitizer stack traces (a native stack overflow has hundreds of frames).
trim_frames() {
  awk '/^ *#[0-9]+ / { if (++n <= 12) print; else skipped++; next }
       { if (skipped) { printf "    ... %d more frames\n", skipped; skipped = 0 } n = 0; print }
       END { if (skipped) printf "    ... %d more frames\n", skipped }'
}

run_build() { # LABEL BINARY
  local out="$T/$(basename "$2").out" rc
  "$2" "$M" >"$out" 2>&1
  rc=$?
  trim_frames <"$out"
  while IFS= read -r line; do summary+=("$1: $line"); done < <(grep '^FAIL [^(]' "$out")
  if [ $rc -ne 0 ]; then
    grep -q '^FAIL [^(]' "$out" || summary+=("$1: exit status $rc")
    status=1
  fi
}

echo "== engine_limits (gcc, build/libxdperf.a)"
if gcc "${CFLAGS[@]}" -O2 "$REPO/tests/unit/engine_limits.c" "$REPO/build/libxdperf.a" \
     -ljansson -lsodium -lyaml -lm -lpthread -o "$T/engine_limits"; then
  run_build "gcc/libxdperf.a" "$T/engine_limits"
else
  echo "FAILED: cannot build tests/unit/engine_limits.c against build/libxdperf.a"
  summary+=("gcc/libxdperf.a: build failed")
  status=1
fi

echo "== engine_limits (ASan/UBSan, build/asan/libxdperf.a)"
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if asan_build "$T/engine_limits_asan" "${CFLAGS[@]}" "$REPO/tests/unit/engine_limits.c"; then
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    run_build "asan" "$T/engine_limits_asan"
else
  echo "FAILED: cannot build tests/unit/engine_limits.c with the sanitizers"
  summary+=("asan: build failed")
  status=1
fi

if [ $status -eq 0 ]; then
  echo "engine limits: all checks passed (plain and sanitizer builds)"
else
  echo "engine limits FAILED:"
  printf '  %s\n' "${summary[@]}"
fi
exit $status
