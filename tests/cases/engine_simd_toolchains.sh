#!/usr/bin/env bash
# SIMD code from the toolchains the issue names runs on the engine (ASan/UBSan build):
#  - Rust: tests/programs/simd/lanes.rs through core::arch::wasm32 intrinsics (Debian's rustc,
#    -C target-feature=+simd128) prints exactly what its native scalar build prints;
#  - AssemblyScript: tests/programs/simd/lanes.ts (asc --enable simd) returns the same value
#    from simd() (v128 instructions) as from scalar();
#  - both builds really contain v128 instructions (wasm-objdump).
# C with clang -msimd128 is covered by engine_programs (variant simd) and engine_matches_native.
set -uo pipefail
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
SRC="$REPO/tests/programs/simd"
RUSTC=/usr/bin/rustc
ASC="$REPO/sdk/assemblyscript/node_modules/.bin/asc"
[ -x "$RUSTC" ] || { echo "FAILED: $RUSTC is missing (scripts/deps.sh toolchains)"; exit 1; }
[ -x "$ASC" ] || { echo "FAILED: $ASC is missing (make plugins-extra installs it)"; exit 1; }
simd_count() { wasm-objdump -d "$1" | grep -cE '\| +(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.'; }

# ---- Rust ----
target=wasm32-wasi
grep -qx wasm32-wasip1 <<<"$("$RUSTC" --print target-list)" && target=wasm32-wasip1
if ! "$RUSTC" -O --edition 2021 -o "$T/lanes" "$SRC/lanes.rs" 2>"$T/rs.err"; then
	no "native rustc build: $(head -3 "$T/rs.err")"
elif ! "$RUSTC" -O --edition 2021 --target $target -C target-feature=+simd128 -o "$T/lanes.wasm" \
	"$SRC/lanes.rs" 2>"$T/rs.err"; then
	no "rustc $target +simd128 build: $(head -3 "$T/rs.err")"
else
	want=$("$T/lanes")
	got=$("$XDPERF_ASAN" wasm run "$T/lanes.wasm" 2>"$T/run.err") || no "Rust simd128 run failed: $(head -3 "$T/run.err")"
	[ -s "$T/run.err" ] && no "Rust simd128 run wrote to stderr: $(head -3 "$T/run.err")"
	if [ "$want" = "$got" ] && [ -n "$want" ]; then
		echo "ok: Rust simd128 prints what native prints ($(echo "$got" | wc -l) lines)"
	else
		no "Rust simd128: native printed [$want], the engine [$got]"
	fi
	n=$(simd_count "$T/lanes.wasm")
	[ "$n" -ge 20 ] || no "the Rust simd128 build has only $n v128 instructions"
fi

# ---- AssemblyScript ----
if ! "$ASC" "$SRC/lanes.ts" --enable simd --use abort= -O3 -o "$T/lanes_as.wasm" 2>"$T/as.err"; then
	no "asc --enable simd: $(head -3 "$T/as.err")"
else
	a=$("$XDPERF_ASAN" wasm run "$T/lanes_as.wasm" --invoke simd 2>&1) || no "AS simd(): $a"
	b=$("$XDPERF_ASAN" wasm run "$T/lanes_as.wasm" --invoke scalar 2>&1) || no "AS scalar(): $b"
	if [ "$a" = "$b" ] && [[ "$a" =~ ^-?[0-9]+$ ]]; then
		echo "ok: AssemblyScript simd() = scalar() = $a"
	else
		no "AssemblyScript: simd() gave [$a], scalar() [$b]"
	fi
	n=$(simd_count "$T/lanes_as.wasm")
	[ "$n" -ge 10 ] || no "the AssemblyScript build has only $n v128 instructions"
fi
exit $fail
