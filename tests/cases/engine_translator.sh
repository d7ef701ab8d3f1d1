#!/usr/bin/env bash
# The translator's deferred operands (src/wasm/compile.c): every tests/wast/*.wast script,
# converted with wast2json, passes every command under `xdperf wasm spectest` in the
# ASan/UBSan build. lazy_operands.wast: local.get, constants and local + i32 constant are
# computed only when consumed; each consumer (load, store, SIMD access, call, call_indirect,
# return, block, br_if, select, reinterpret, local.set/tee) and each write to the local while
# such a value waits gives the value the code means, bounds and wrapping included.
# entry_zero.wast: a declared local set to 0 in the entry code emits nothing, and only there.
# step_backedge.wast: a loop's i32.add step fused with its back-edge compare-and-branch, every
# relation and operand form, and the neighbours that must not fuse (expected values from a model).
# f64_load_ops.wast: an f64.load fused into the f64 add/sub/mul/div that uses it, either side,
# both address forms, bounds and wrapping, and the neighbouring forms (expected values from Python).
# return_fused.wast: COPY / I32_ADD / I32_ADD_I fused with the return after them, and where not.
# add_compare.wast: an i32 compare added at once (o + (a CMP b)), every relation and form (model).
# store8_shr.wast: i32.store8 of an i32.shr_u by a constant, each address form, bounds, wrapping.
set -uo pipefail
T="$TMPDIR"
command -v wast2json >/dev/null || { echo "wast2json (wabt) is not installed"; exit 77; }
fail=0
for w in "$REPO"/tests/wast/*.wast; do
	n=$(basename "$w" .wast)
	wast2json --enable-tail-call "$w" -o "$T/$n.json" 2>"$T/$n.conv" || { echo "FAIL: $n: wast2json: $(head -n 3 "$T/$n.conv")"; fail=1; continue; }
	if "$XDPERF_ASAN" wasm spectest --verbose "$T/$n.json" >"$T/$n.out" 2>&1; then
		echo "ok $n: $(tail -n 1 "$T/$n.out")"
	else
		echo "FAIL: $n:"; sed 's/^/    /' "$T/$n.out" | head -n 20; fail=1
	fi
	# every command ran: the count of passed commands is the count of assertions in the script
	want=$(grep -cE '^\((assert_return|assert_trap)' "$w")
	got=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$T/$n.out" | tail -n 1)
	[ "$got" = "$((want + 1))" ] || { echo "FAIL: $n: $got passed, want $want assertions + 1 module"; fail=1; }
done
exit $fail
