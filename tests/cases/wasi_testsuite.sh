#!/usr/bin/env bash
# The official WASI preview1 test suite ($SHARED/wasi-testsuite: 72 prebuilt C, AssemblyScript
# and Rust commands with their .json specifications) run with `xdperf wasm run` (ASan/UBSan
# build) by tests/lib/wasi_testsuite.py, against a ratchet: tests/wasi-testsuite.expected lists
# the tests that pass; one of them failing fails this case (a regression), newly passing ones
# are listed (add them to the file). Fails when the suite is absent. Tests with a directory run
# with a writable copy of it preopened as the guest's "/" (--dir COPY:/).
set -uo pipefail
D="$SHARED/wasi-testsuite"
if [ ! -d "$D" ]; then
	echo "FAIL: the WASI test suite is missing: $D does not exist (SHARED=$SHARED)"
	exit 1
fi
T="$TMPDIR"
python3 "$REPO/tests/lib/wasi_testsuite.py" "$XDPERF_ASAN" "$D" "$T/work" >"$T/results" 2>"$T/err" || {
	echo "FAIL: the runner failed: $(tail -3 "$T/err")"; exit 1; }
grep -v '^#' "$REPO/tests/wasi-testsuite.expected" | grep . | sort >"$T/want"
awk '$2 == "PASS" { print $1 }' "$T/results" | sort >"$T/pass"
fail=0
while read -r t; do
	grep -qx "$t" "$T/pass" || { echo "FAIL: regression: $t: $(grep "^$t " "$T/results")"; fail=1; }
done <"$T/want"
new=$(comm -13 "$T/want" "$T/pass")
[ -n "$new" ] && echo "newly passing (add them to tests/wasi-testsuite.expected): $new"
grep -q "AddressSanitizer\|runtime error:" "$T/results" && { echo "FAIL: a sanitizer report"; fail=1; }
for s in c assemblyscript rust; do
	echo "$s: $(grep -c "^$s/.* PASS" "$T/results") of $(grep -c "^$s/" "$T/results") pass"
done
echo "total: $(wc -l <"$T/pass") of $(wc -l <"$T/results") pass (Node.js 20: 56)"
exit $fail
