#!/usr/bin/env bash
# Real programs give the same output on the engine (ASan/UBSan build) as natively: the shared
# engine benchmark programs and bench/simd/ (reduced work, BENCH_DIV; each built -O2 and
# -O3 -msimd128) and the demo program.
set -euo pipefail
bench="$SHARED/bench-wasm"
if [ ! -d "$bench" ]; then
	echo "missing $bench (the shared engine benchmark programs): cannot run this test"
	exit 1
fi
fail=0
check() { # name, native binary, wasm module
	local want got
	want=$("$2")
	if ! got=$("$XDPERF_ASAN" wasm run "$3" 2>&1); then
		echo "FAIL $1: engine run failed: $got"
		fail=1
		return
	fi
	if [ "$want" != "$got" ]; then
		echo "FAIL $1: native printed '$want', engine printed '$got'"
		fail=1
	else
		echo "ok $1: $got"
	fi
}
for src in "$bench"/*.c "$REPO"/bench/simd/*.c; do
	p=$(basename "$src" .c)
	gcc -O2 -ffp-contract=off -DBENCH_DIV=200 -I"$bench" -o "$TMPDIR/$p" "$src" -lm
	clang --target=wasm32-wasi -O2 -DBENCH_DIV=200 -I"$bench" -o "$TMPDIR/$p.wasm" "$src"
	check "$p" "$TMPDIR/$p" "$TMPDIR/$p.wasm"
	# the SIMD build (clang vectorizes the loops of bench/simd/ and some of the others)
	clang --target=wasm32-wasi -O3 -msimd128 -DBENCH_DIV=200 -I"$bench" -o "$TMPDIR/$p.simd.wasm" "$src"
	check "$p (-O3 -msimd128)" "$TMPDIR/$p" "$TMPDIR/$p.simd.wasm"
done
demo="$REPO/examples/wasm/udp_frame.c"
gcc -O2 -o "$TMPDIR/udp_frame" "$demo"
clang --target=wasm32-wasi -O2 -o "$TMPDIR/udp_frame.wasm" "$demo"
check udp_frame "$TMPDIR/udp_frame" "$TMPDIR/udp_frame.wasm"
exit $fail
