#!/usr/bin/env bash
# Differential test of the WebAssembly engine against native execution.
#
# Every tests/programs/*.c is a small deterministic C program without undefined behaviour
# that prints its results (checksums and intermediate values). Each is built natively once
# (gcc -O2, the reference) and for wasm32-wasi at -O0 -O1 -O2 -O3 -Os, plus feature
# variants: "feat" (-O2 -mbulk-memory -msign-ext -mnontrapping-fptoint), "featOs" (the same
# at -Os), "mv" (-O0 with the experimental multi-value ABI: struct returns become
# multi-value functions; clang 14 crashes on that ABI above -O0) and "simd" (-O3 -msimd128:
# the loops clang vectorizes become v128 code). Every wasm build is run
# under the ASan/UBSan engine and must print exactly what the native program printed, exit
# with the same status and print nothing on stderr. The -O2 build also runs under the
# normal engine. One line per program/variant; on a mismatch the first differing lines.
# Sanity checks confirm the feature variants really contain the instruction families
# (memory.copy/fill, trunc_sat, extendN_s, multi-result function types, v128 instructions
# in the simd builds) when wasm-objdump
# is available, and every module is checked with wasm-validate (an invalid module is a
# toolchain/test problem, not an engine result). A program can opt out of variants with a
# line "// engine_programs: skip VARIANT... (reason)".
set -uo pipefail

T="${TMPDIR:-/tmp}"
PROGS="$REPO/tests/programs"
for b in "$XDPERF" "$XDPERF_ASAN"; do
	[ -x "$b" ] || { echo "FAILED: $b is not built (make all asan)"; exit 1; }
done
# Snapshot both engines: all runs use the same binaries even if a rebuild replaces them meanwhile.
if ! cp "$XDPERF" "$T/xdperf.engine" || ! cp "$XDPERF_ASAN" "$T/xdperf-asan.engine"; then
	echo "FAILED: cannot copy the engine binaries"; exit 1
fi
XDPERF="$T/xdperf.engine" XDPERF_ASAN="$T/xdperf-asan.engine"
command -v gcc >/dev/null || { echo "gcc is not installed"; exit 77; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
echo 'int main(void){return 0;}' >"$T/probe.c"
clang --target=wasm32-wasi -o "$T/probe.wasm" "$T/probe.c" 2>/dev/null ||
	{ echo "clang cannot build wasm32-wasi programs (wasi-libc missing)"; exit 77; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 4 ] && JOBS=4

# variant name -> clang flags. With -mbulk-memory clang 14 keeps wasi-libc's _Thread_local errno
# as TLS and only supports the local-exec model for it ("only -ftls-model=local-exec is
# supported ... variable errno"), hence -ftls-model=local-exec.
declare -A VFLAGS=(
	[O0]="-O0" [O1]="-O1" [O2]="-O2" [O3]="-O3" [Os]="-Os"
	[feat]="-O2 -mbulk-memory -msign-ext -mnontrapping-fptoint -ftls-model=local-exec"
	[featOs]="-Os -mbulk-memory -msign-ext -mnontrapping-fptoint -ftls-model=local-exec"
	[mv]="-O0 -mmultivalue -Xclang -target-abi -Xclang experimental-mv"
	[simd]="-O3 -msimd128"
)
VARIANTS=(O0 O1 O2 O3 Os feat featOs mv simd)

mapfile -t progs < <(find "$PROGS" -maxdepth 1 -name '*.c' -printf '%f\n' | sed 's/\.c$//' | LC_ALL=C sort)
[ ${#progs[@]} -gt 0 ] || { echo "FAILED: no programs in $PROGS"; exit 1; }

# ---- build + run one unit of work (runs in the background, results in files) ---------------
native_job() { # PROG
	local p=$1
	if ! gcc -O2 -ffp-contract=off -o "$T/$p.native" "$PROGS/$p.c" -lm >"$T/$p.native.build" 2>&1; then
		echo "native build failed" >"$T/$p.native.status"; return
	fi
	timeout 60 "$T/$p.native" >"$T/$p.native.out" 2>"$T/$p.native.err"
	echo "rc $?" >"$T/$p.native.status"
}
wasm_job() { # PROG VARIANT
	local p=$1 v=$2 w="$T/$1.$2"
	if grep -qE "^// engine_programs: skip( [A-Za-z0-9]+)* $v( |\$)" "$PROGS/$p.c"; then
		echo "skip" >"$w.status"; return
	fi
	# shellcheck disable=SC2086
	if ! clang --target=wasm32-wasi ${VFLAGS[$v]} -ffp-contract=off -o "$w.wasm" "$PROGS/$p.c" -lm >"$w.build" 2>&1; then
		echo "build" >"$w.status"; return
	fi
	if command -v wasm-validate >/dev/null && ! wasm-validate "$w.wasm" >"$w.build" 2>&1; then
		echo "invalid" >"$w.status"; return
	fi
	local s=$SECONDS
	timeout 120 "$XDPERF_ASAN" wasm run "$w.wasm" >"$w.out" 2>"$w.err"
	echo "rc $? $((SECONDS - s))" >"$w.status"
	if [ "$v" = O2 ]; then
		timeout 60 "$XDPERF" wasm run "$w.wasm" >"$w.plain.out" 2>"$w.plain.err"
		echo "rc $?" >"$w.plain.status"
	fi
}

throttle() { # keep at most $JOBS background jobs
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n 2>/dev/null || true; done
}
for p in "${progs[@]}"; do throttle; native_job "$p" & done
for p in "${progs[@]}"; do
	for v in "${VARIANTS[@]}"; do throttle; wasm_job "$p" "$v" & done
done
wait

# ---- compare ---------------------------------------------------------------------------------
fails=0
ran=0
show_diff() { # WANT GOT
	diff "$1" "$2" | head -n 12 | sed 's/^/      /'
}
compare() { # LABEL OUT ERR STATUS-LINE  (against the native reference of $p)
	local label=$1 out=$2 err=$3 st=$4 why=""
	local want_rc; want_rc=$(awk '{print $2}' "$T/$p.native.status")
	local got_rc; got_rc=$(echo "$st" | awk '{print $2}')
	[ "$got_rc" = "$want_rc" ] || why="exit status $got_rc, native $want_rc"
	if [ -s "$err" ]; then
		why="${why:+$why; }stderr not empty"
	fi
	if ! cmp -s "$T/$p.native.out" "$out"; then
		why="${why:+$why; }stdout differs"
	fi
	if [ -n "$why" ]; then
		echo "FAIL $label: $why"
		[ -s "$err" ] && head -n 8 "$err" | sed 's/^/      stderr: /'
		cmp -s "$T/$p.native.out" "$out" || show_diff "$T/$p.native.out" "$out"
		fails=$((fails + 1))
	fi
	[ -z "$why" ]
}
for p in "${progs[@]}"; do
	nst=$(cat "$T/$p.native.status" 2>/dev/null)
	if [ "${nst%% *}" != rc ] || [ -s "$T/$p.native.err" ] || [ "$(awk '{print $2}' <<<"$nst")" != 0 ]; then
		echo "FAIL $p: native reference broken ($nst)"
		cat "$T/$p.native.build" "$T/$p.native.err" 2>/dev/null | head -n 10 | sed 's/^/      /'
		fails=$((fails + 1))
		continue
	fi
	lines=$(wc -l <"$T/$p.native.out")
	for v in "${VARIANTS[@]}"; do
		w="$T/$p.$v"
		st=$(cat "$w.status")
		label=$(printf '%-15s %-7s' "$p" "$v")
		if [ "$st" = build ]; then
			echo "FAIL $label: clang failed: ${VFLAGS[$v]}"
			head -n 5 "$w.build" | sed 's/^/      /'
			fails=$((fails + 1))
			continue
		fi
		if [ "$st" = invalid ]; then
			echo "FAIL $label: wasm-validate rejects the module built with ${VFLAGS[$v]}"
			head -n 5 "$w.build" | sed 's/^/      /'
			fails=$((fails + 1))
			continue
		fi
		if [ "$st" = skip ]; then
			echo "skip $label: $(grep -m1 '^// engine_programs: skip' "$PROGS/$p.c" | sed 's/^[^(]*//')"
			continue
		fi
		ran=$((ran + 1))
		compare "$label" "$w.out" "$w.err" "$st" &&
			echo "ok   $label ($lines lines, $(awk '{print $3}' <<<"$st")s)"
		if [ "$v" = O2 ]; then
			label=$(printf '%-15s %-7s' "$p" "O2/xdp")
			ran=$((ran + 1))
			compare "$label" "$w.plain.out" "$w.plain.err" "$(cat "$w.plain.status")" &&
				echo "ok   $label (normal build)"
		fi
	done
done

# ---- the feature variants must really contain the instruction families -------------------
if command -v wasm-objdump >/dev/null; then
	feat="$T/wasm_features.feat.wasm" mv="$T/wasm_features.mv.wasm"
	if [ -f "$feat" ]; then
		dis=$(wasm-objdump -d "$feat")
		for ins in memory.copy memory.fill i32.trunc_sat_f64_s i64.trunc_sat_f32_u i32.extend8_s i32.extend16_s i64.extend32_s; do
			grep -qE "\| +$ins( |\$)" <<<"$dis" || { echo "FAIL feature check: $ins not found in the 'feat' build"; fails=$((fails + 1)); }
		done
	fi
	if [ -f "$mv" ] && ! grep -qE '^ - type\[[0-9]+\] \(.*\) -> \([^)]*,' <<<"$(wasm-objdump -x "$mv")"; then
		echo "FAIL feature check: no multi-result function type in the 'mv' build"
		fails=$((fails + 1))
	fi
	# the simd builds together must use many distinct v128 instructions
	nsimd=$(for f in "$T"/*.simd.wasm; do [ -f "$f" ] && wasm-objdump -d "$f"; done |
		grep -oE '\| +(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.[a-z0-9_]+' | awk '{print $2}' | sort -u | wc -l)
	if [ "$nsimd" -lt 20 ]; then
		echo "FAIL feature check: the 'simd' builds use only $nsimd distinct v128 instructions"
		fails=$((fails + 1))
	else
		echo "simd builds: $nsimd distinct v128 instructions"
	fi
else
	echo "note: wasm-objdump not installed, feature instruction checks skipped"
fi

echo "$ran runs, $fails failures"
[ "$fails" -eq 0 ]
