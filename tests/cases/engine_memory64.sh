#!/usr/bin/env bash
# memory64 through the public API (tests/unit/engine_memory64.c): a 1-page 64-bit memory
# (wat2wasm --enable-memory64) where addresses and memarg offsets at or above 4 GiB trap
# instead of wrapping into the page, address + offset past 2^64 traps, loads/stores/SIMD/
# fill/copy/init are bounds-checked, memory.size/grow are i64 (grow failing = all 64 bits set),
# data segments take i64 offsets; the same functions on a 32-bit memory behave as before;
# imports match by index type; a copy between a 32- and a 64-bit memory (multi-memory); a
# declared 2^40-page maximum under the instance's page cap and a minimum above it (-EFBIG, one
# line); a data segment at 4 GiB + 16 fails instantiation (not written at 16); fuel and the
# interrupt flag stop a loop of 64-bit loads, fuel is charged for a 64-bit memory.fill; u64 LEB offsets (2^32, 2^64 - 1, a 6-byte encoding) built byte by byte; the feature
# switch; and a module clang builds for wasm64 (shell sort in memory the guest grows, checked
# against the same sort run natively; a 4 GiB offset clang folds into a load). Built twice:
# against build/libxdperf.a (gcc -O2), and with ASan/UBSan against build/asan/libxdperf.a. Then
# `xdperf wasm run` on the 64-bit module: a result, and an out-of-bounds trap as one line.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
M="$T/modules"
mkdir -p "$M"
wat() { # NAME FLAGS... (text on stdin)
  local name="$1"
  shift
  wat2wasm --enable-memory64 "$@" -o "$M/$name.wasm" - || { echo "FAILED: wat2wasm $name"; exit 1; }
}

# The same functions on a 64-bit (ADDR=i64) and a 32-bit (ADDR=i32) memory.
accessors() { # ADDR
  local a="$1"
  cat <<EOF
  (func (export "load8") (param $a) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param $a) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param $a i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "load_off") (param $a) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "size") (result $a) (memory.size))
  (func (export "grow") (param $a) (result $a) (memory.grow (local.get 0)))
  (func (export "fill") (param $a $a) (memory.fill (local.get 0) (i32.const 0x5a) (local.get 1)))
  (func (export "copy") (param $a $a) (memory.copy (local.get 0) (local.get 1) ($a.const 8)))
  (data \$p "passive")
  (func (export "init") (param $a) (memory.init \$p (local.get 0) (i32.const 0) (i32.const 7)))
  (func (export "v128_sum") (param $a) (result i64) (local v128)
    (local.set 1 (v128.load (local.get 0)))
    (i64.add (i64x2.extract_lane 0 (local.get 1)) (i64x2.extract_lane 1 (local.get 1))))
  (func (export "v128_store") (param $a i64) (v128.store (local.get 0) (i64x2.splat (local.get 1))))
  (func (export "v128_load_off") (param $a) (result i32)
    (i32x4.extract_lane 0 (v128.load offset=131072 (local.get 0))))
  (func (export "lane_load") (param $a) (result i32)
    (i32x4.extract_lane 0 (v128.load32_lane 0 (local.get 0) (v128.const i32x4 0 0 0 0))))
  (func (export "lane_store") (param $a i64) (v128.store64_lane 1 (local.get 0) (i64x2.splat (local.get 1))))
EOF
}
{ echo '(module (memory (export "mem") i64 1 8) (data (i64.const 16) "memory64")'; accessors i64; echo ')'; } | wat m64
{ echo '(module (memory (export "mem") 1 8) (data (i32.const 16) "memory32")'; accessors i32; echo ')'; } | wat m32
wat imp64 <<'EOF'
(module
  (import "env" "mem" (memory i64 1))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0))))
EOF
wat mixed --enable-multi-memory <<'EOF'
(module
  (memory $a (export "m32") 1)
  (memory $b (export "m64") i64 2)
  (data (memory $a) (i32.const 16) "abcd")
  (data (memory $b) (i64.const 32) "wxyz")
  (func (export "copy_64_from_32") (param i64 i32) (memory.copy $b $a (local.get 0) (local.get 1) (i32.const 4)))
  (func (export "copy_32_from_64") (param i32 i64) (memory.copy $a $b (local.get 0) (local.get 1) (i32.const 4)))
  (func (export "size32") (result i32) (memory.size $a))
  (func (export "size64") (result i64) (memory.size $b)))
EOF
wat big <<'EOF'
(module (memory i64 70000))
EOF
wat data_hi <<'EOF'
(module (memory (export "mem") i64 1) (data (i64.const 0x100000010) "x"))
EOF
wat spin <<'EOF'
(module (memory i64 4)
  (func (export "spin") (loop (drop (i64.load (i64.const 8))) (br 0)))
  (func (export "fill_all") (memory.fill (i64.const 0) (i32.const 1) (i64.const 0x40000))))
EOF
wat huge_max <<'EOF'
(module (memory i64 1 0x10000000000) (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))
EOF

# A module clang builds for wasm64 (no libc): 64-bit pointers and size_t.
cat >"$T/guest64.c" <<'EOF'
typedef unsigned long long u64;
typedef __SIZE_TYPE__ size_t;
static u64 next(u64 *s) { *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17; return *s; }
/* n pseudo-random values in memory grown for them, shell-sorted; sum of a[i] * (i + 1) */
u64 sort_sum(u64 n, u64 seed)
{
	size_t pages = (n * 8 + 65535) / 65536;
	size_t old = __builtin_wasm_memory_grow(0, pages);
	if (old == (size_t)-1)
		return 0;
	u64 *a = (u64 *)(old * 65536);
	for (u64 i = 0; i < n; i++)
		a[i] = next(&seed);
	for (u64 gap = n / 2; gap > 0; gap /= 2)
		for (u64 i = gap; i < n; i++) {
			u64 v = a[i], j = i;
			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	u64 sum = 0;
	for (u64 i = 0; i < n; i++) {
		if (i && a[i - 1] > a[i])
			return 1;
		sum += a[i] * (i + 1);
	}
	return sum;
}
size_t grow(size_t d) { return __builtin_wasm_memory_grow(0, d); }
size_t size(void) { return __builtin_wasm_memory_size(0); }
unsigned peek(const unsigned char *p) { return *p; }
u64 far_load(const u64 *p) { return p[0x20000000]; } /* 4 GiB further: a u64 memarg offset */
EOF
if ! clang --target=wasm64-unknown-unknown -O2 -nostdlib -Wl,--no-entry \
     -Wl,--export=sort_sum,--export=grow,--export=size,--export=peek,--export=far_load \
     -o "$M/clang64.wasm" "$T/guest64.c" 2>"$T/clang.err"; then
  echo "clang cannot build for wasm64-unknown-unknown: $(head -n 1 "$T/clang.err")"
  exit 77
fi
# the offset clang folded into far_load's i64.load is 2^32 (LEB 80 80 80 80 10)
grep -q '29 03 80 80 80 80 10' <<<"$(od -An -tx1 -v "$M/clang64.wasm" | tr -d '\n')" ||
  { echo "FAILED: clang64.wasm has no i64.load with offset 2^32 (did clang stop folding it?)"; exit 1; }

status=0
. "$REPO/tests/lib/engine_unit.sh"
engine_unit engine_memory64 "$M"

echo "== xdperf wasm run (ASan build)"
out=$("$XDPERF_ASAN" wasm run "$M/m64.wasm" --invoke load8 16 2>"$T/run.err")
[ "$out" = 109 ] || { echo "FAILED: wasm run load8 16: '$out' $(cat "$T/run.err")"; status=1; }
"$XDPERF_ASAN" wasm run "$M/m64.wasm" --invoke load8 4294967312 >/dev/null 2>"$T/run.err"
rc=$?
if [ $rc = 0 ] || [ "$(wc -l <"$T/run.err")" != 1 ] || ! grep -q "out of bounds memory access" "$T/run.err"; then
  echo "FAILED: wasm run load8 4294967312: exit $rc, want one 'out of bounds memory access' line: $(cat "$T/run.err")"
  status=1
fi
"$XDPERF_ASAN" wasm run "$M/big.wasm" >/dev/null 2>"$T/big.err"
rc=$?
if [ $rc = 0 ] || [ "$(wc -l <"$T/big.err")" != 1 ] || ! grep -q "70000 pages exceeds the limit" "$T/big.err"; then
  echo "FAILED: wasm run big.wasm: exit $rc, want one 'exceeds the limit' line: $(cat "$T/big.err")"
  status=1
fi
[ $status -eq 0 ] && echo "engine memory64: all checks passed (plain and sanitizer builds, wasm run)"
exit $status
