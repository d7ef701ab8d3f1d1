#!/usr/bin/env bash
# threads (atomics, shared memories, wait/notify), with the ASan build of
# xdperf and tests/unit/engine_threads.c:
#   - a C program using C11 atomics (fetch add/sub/and/or/xor, compare-exchange both ways,
#     exchange, fence on 8/16/32/64-bit objects), built by clang --target=wasm32-wasi -matomics
#     -mbulk-memory, prints what the same program built natively prints; with --features
#     -threads it is refused ("not supported: threads"), exit 1, one line;
#   - a freestanding C program built with --import-memory --shared-memory (the shape of
#     wasm32-wasip1-threads programs: a shared env.memory import) runs under `xdperf wasm run`,
#     which provides that memory, and returns what the native build returns;
#   - hand-written modules: wait32/wait64 returning 1 (not-equal) and 2 (timed-out; that it
#     takes the time asked is timed in-process by engine_threads.c), notify returning 0, wait without timeout trapping ("wait would
#     never return"), a 10 s wait stopped by --fuel (1 unit per microsecond), "unaligned
#     atomic" and "out of bounds memory access" traps, wait on an unshared memory trapping
#     ("expected shared memory") while notify there returns 0, narrow rmw/cmpxchg results
#     zero-extended and cmpxchg's expected value wrapped to the width;
#   - the API (engine_threads.c, gcc against build/libxdperf.a and ASan/UBSan from the engine
#     sources): xwasm_memory_create, imports matching on sharedness, two instances in two
#     threads plus a host thread adding atomically on one shared word (no update lost), a wait
#     in one thread woken by another instance's notify in another (wait.c's queue), a
#     300 ms wait returning 2 no sooner than 300 ms later, a long wait stopped by the interrupt
#     flag.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
X="$XDPERF_ASAN"
M="$T/modules"
mkdir -p "$M"
status=0
ok() { echo "ok $*"; }
bad() { echo "FAIL $*"; status=1; }
wat() { # NAME (text on stdin)
  wat2wasm --enable-threads -o "$M/$1.wasm" - || { echo "FAILED: wat2wasm $1"; exit 1; }
}
# expect_run WANT ARGS...: `xdperf wasm run ARGS` prints WANT, exit 0
expect_run() {
  local want="$1" out
  shift
  out=$("$X" wasm run "$@" 2>"$T/err")
  local rc=$?
  if [ $rc = 0 ] && [ "$out" = "$want" ]; then ok "wasm run ${*#$M/} = $want"
  else bad "wasm run $*: exit $rc, '$out', want '$want': $(cat "$T/err")"; fi
}
# expect_trap TEXT ARGS...: exit 1 and one stderr line containing TEXT
expect_trap() {
  local want="$1"
  shift
  "$X" wasm run "$@" >/dev/null 2>"$T/err"
  local rc=$?
  if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qF "$want" "$T/err"; then ok "wasm run ${*#$M/}: $want"
  else bad "wasm run $*: exit $rc, want one line with '$want': $(cat "$T/err")"; fi
}

# ---- C11 atomics, wasi-libc ----
cat >"$T/atomics.c" <<'EOF'
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static _Atomic uint32_t counter;
static _Atomic uint64_t big;
static _Atomic uint8_t small;
static _Atomic uint16_t half;

int main(void)
{
	uint32_t seed = 12345;
	for (int i = 0; i < 1000; i++) {
		seed = seed * 1103515245u + 12345u;
		atomic_fetch_add(&counter, seed >> 16);
		atomic_fetch_xor(&big, (uint64_t)seed << 20 | seed);
		atomic_fetch_add(&small, (uint8_t)seed);
		atomic_fetch_sub(&half, (uint16_t)(seed >> 3));
		atomic_fetch_or(&big, 1u << (i % 32));
		atomic_fetch_and(&counter, ~(1u << (i % 32)) | (i & 1));
	}
	uint32_t expect = atomic_load(&counter);
	int swapped = atomic_compare_exchange_strong(&counter, &expect, expect + 7);
	uint32_t wrong = 1;
	int swapped2 = atomic_compare_exchange_strong(&counter, &wrong, 0);
	uint8_t s8 = 3;
	int swapped8 = atomic_compare_exchange_strong(&small, &s8, 9);
	uint64_t old = atomic_exchange(&big, 42);
	atomic_thread_fence(memory_order_seq_cst);
	printf("counter=%u big=%llu small=%u half=%u swapped=%d/%d/%d wrong=%u s8=%u now=%llu\n",
	       (unsigned)atomic_load(&counter), (unsigned long long)old, (unsigned)atomic_load(&small),
	       (unsigned)atomic_load(&half), swapped, swapped2, swapped8, (unsigned)wrong, (unsigned)s8,
	       (unsigned long long)atomic_load(&big));
	return 0;
}
EOF
gcc -O2 -o "$T/atomics_native" "$T/atomics.c" || { echo "FAILED: gcc atomics.c"; exit 1; }
want=$("$T/atomics_native")
if clang --target=wasm32-wasi -O2 -matomics -mbulk-memory -o "$M/atomics.wasm" "$T/atomics.c" 2>"$T/clang.err"; then
  # the build really uses the atomic instructions (not plain loads and stores)
  if command -v wasm-objdump >/dev/null; then
    wasm-objdump -d "$M/atomics.wasm" >"$T/atomics.dis"
    n=$(grep -cE 'i(32|64)\.atomic\.rmw' "$T/atomics.dis")
    [ "$n" -ge 5 ] && grep -q 'atomic.rmw8' "$T/atomics.dis" && grep -q 'atomic.fence' "$T/atomics.dis" &&
      ok "clang emitted $n atomic rmw instructions, 8-bit ones and a fence" ||
      bad "atomics.wasm lacks atomic rmw (8-bit) instructions or the fence ($n rmw)"
  fi
  expect_run "$want" "$M/atomics.wasm"
  expect_trap "not supported: threads: atomic memory access (opcode 0xfe" --features -threads "$M/atomics.wasm"
else
  bad "clang --target=wasm32-wasi -matomics: $(cat "$T/clang.err")"
fi

# ---- a shared env.memory import (wasm32-wasip1-threads shape), freestanding ----
cat >"$T/shared.c" <<'EOF'
#include <stdatomic.h>
#include <stdint.h>

static _Atomic uint32_t counter;
static _Atomic uint64_t acc;

#ifdef __wasm__
__attribute__((export_name("run")))
#endif
uint64_t run(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		atomic_fetch_add(&counter, i);
		atomic_fetch_xor(&acc, (uint64_t)i * 0x9e3779b97f4a7c15ull);
	}
	uint32_t e = atomic_load(&counter);
	atomic_compare_exchange_strong(&counter, &e, e * 3);
	return atomic_load(&acc) ^ atomic_load(&counter);
}
#ifndef __wasm__
#include <stdio.h>
int main(void) { printf("%llu\n", (unsigned long long)run(1000)); return 0; }
#endif
EOF
gcc -O2 -o "$T/shared_native" "$T/shared.c" || { echo "FAILED: gcc shared.c"; exit 1; }
want=$("$T/shared_native")
if clang --target=wasm32 -O2 -nostdlib -matomics -mbulk-memory -Wl,--no-entry -Wl,--import-memory \
     -Wl,--shared-memory -Wl,--max-memory=1048576 -o "$M/shared_c.wasm" "$T/shared.c" 2>"$T/clang.err"; then
  if command -v wasm-objdump >/dev/null; then
    grep -q 'max=16 shared <- env.memory' <<<"$(wasm-objdump -x "$M/shared_c.wasm")" &&
      ok "shared_c.wasm imports a shared env.memory (max 16 pages)" || bad "shared_c.wasm: no shared env.memory import"
  fi
  expect_run "$want" "$M/shared_c.wasm" --invoke run 1000
else
  bad "clang --shared-memory: $(cat "$T/clang.err")"
fi

# ---- hand-written modules ----
wat unshared <<'EOF'
(module
  (memory 1 1)
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "xchg") (param i32 i32) (result i32) (i32.atomic.rmw.xchg (local.get 0) (local.get 1))))
EOF
wat2wasm --enable-threads -o "$M/hw.wasm" - <<'EOF' || { echo "FAILED: wat2wasm hw"; exit 1; }
(module
  (memory 1 1 shared)
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "add64") (param i32 i64) (result i64) (i64.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "rmw16_old") (result i64)
    (i64.store (i32.const 8) (i64.const -1))
    (i64.atomic.rmw16.add_u (i32.const 8) (i64.const 1)))
  (func (export "rmw16_after") (result i64)
    (drop (call 5))
    (i64.load (i32.const 8)))
  (func (export "cmpxchg8") (result i32)
    (i32.store8 (i32.const 16) (i32.const 0xff))
    (drop (i32.atomic.rmw8.cmpxchg_u (i32.const 16) (i32.const 0x1ff) (i32.const 0x12)))
    (i32.load8_u (i32.const 16)))
  (func (export "fence") (result i32) (atomic.fence) (i32.const 7)))
EOF
S="$M/hw.wasm"
expect_run 1 "$S" --invoke wait32 0 1 0
expect_run 1 "$S" --invoke wait64 0 5 1000000000
expect_run 2 "$S" --invoke wait32 0 0 0
expect_run 2 "$S" --invoke wait64 8 0 30000000
expect_run 0 "$S" --invoke notify 0 10
expect_trap "wait would never return" "$S" --invoke wait32 0 0 -1
expect_run 1 "$S" --invoke wait32 0 1 -1
start=$(date +%s%N)
expect_trap "fuel exhausted" --fuel 100000 "$S" --invoke wait32 0 0 10000000000
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 3000 ] && ok "--fuel 100000 stopped a 10 s wait after $ms ms" || bad "a 10 s wait under --fuel 100000 took $ms ms"
expect_trap "unaligned atomic" "$S" --invoke load32 2
expect_trap "unaligned atomic" "$S" --invoke add64 4 1
expect_trap "unaligned atomic" "$S" --invoke wait64 4 0 0
expect_trap "unaligned atomic" "$S" --invoke notify 1 0
expect_trap "out of bounds memory access" "$S" --invoke load32 65536
expect_trap "out of bounds memory access" "$S" --invoke add64 65536 1
expect_run 0 "$S" --invoke add64 65528 1
expect_run 65535 "$S" --invoke rmw16_old
expect_run -65536 "$S" --invoke rmw16_after
expect_run 18 "$S" --invoke cmpxchg8
expect_run 7 "$S" --invoke fence
U="$M/unshared.wasm"
expect_trap "expected shared memory" "$U" --invoke wait32 0 0 0
expect_trap "expected shared memory" "$U" --invoke wait32 0 1 0
expect_run 0 "$U" --invoke notify 0 1
expect_run 0 "$U" --invoke xchg 0 5
expect_trap "not supported: threads: shared memory (limits flags 0x03)" --features -threads "$S" --invoke fence
expect_trap "not supported: threads: atomic memory access (opcode 0xfe 0x01)" --features -threads "$U" --invoke notify 0 0

# ---- the API ----
wat counter <<'EOF'
(module
  (import "env" "memory" (memory 1 4 shared))
  (func (export "bump") (param i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "wait") (param i64) (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (i32.const 0) (local.get 0))))
EOF
wat plain <<'EOF'
(module (import "env" "memory" (memory 1 4)))
EOF
. "$REPO/tests/lib/engine_unit.sh"
engine_unit engine_threads "$M/counter.wasm" "$M/plain.wasm"
[ $status -eq 0 ] && echo "engine threads: all checks passed"
exit $status
