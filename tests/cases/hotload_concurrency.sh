#!/usr/bin/env bash
# The protocol registry under concurrency (tests/unit/hotload_concurrency.c): 4 worker threads
# route calls on the lock-free hot path while a control thread loads, canaries, promotes, rolls
# back and unloads 100 versions. Built twice: with ASan/UBSan against build/asan/libxdperf.a
# (4 x 1,000,000 calls, leak check) and with TSan from the sources (4 x 50,000 calls); any TSan
# report fails the case.
set -euo pipefail
cd "$REPO"
wat2wasm --enable-all tests/protocols/tagged.wat -o "$TMPDIR/tagged.wasm"
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -Wall -Wextra -Werror -O2 -c tests/unit/hotload_concurrency.c -o /dev/null
srcs=(src/util/*.c src/wasm/*.c src/plugin/*.c src/hotload/*.c)
common=(-std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -g -ffp-contract=off -fno-strict-aliasing)
libs=(-ljansson -lsodium -lyaml -lm -lpthread)

# shellcheck source=tests/lib/asan_build.sh
. tests/lib/asan_build.sh
asan_build "$TMPDIR/hc_asan" tests/unit/hotload_concurrency.c &
gcc "${common[@]}" -O1 -fsanitize=thread \
	"${srcs[@]}" tests/unit/hotload_concurrency.c "${libs[@]}" -o "$TMPDIR/hc_tsan" &
wait %1 || { echo "FAIL: the ASan build of hotload_concurrency failed"; exit 1; }
wait %2 || { echo "FAIL: the TSan build of hotload_concurrency failed"; exit 1; }

echo "== ASan/UBSan: 4 workers x ${HOTLOAD_CALLS:-1000000} calls"
start=$SECONDS
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/hc_asan" "$TMPDIR/tagged.wasm" "${HOTLOAD_CALLS:-1000000}" 200000
echo "(ASan run: $((SECONDS - start)) s)"

echo "== TSan: 4 workers x ${HOTLOAD_TSAN_CALLS:-50000} calls"
start=$SECONDS
rc=0
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
	"$TMPDIR/hc_tsan" "$TMPDIR/tagged.wasm" "${HOTLOAD_TSAN_CALLS:-50000}" 40000 >"$TMPDIR/tsan.log" 2>&1 || rc=$?
cat "$TMPDIR/tsan.log"
echo "(TSan run: $((SECONDS - start)) s)"
if grep -q "ThreadSanitizer" "$TMPDIR/tsan.log"; then
	echo "FAIL: ThreadSanitizer reported a problem (see above)"
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: the TSan run exited with $rc"
	exit 1
fi
