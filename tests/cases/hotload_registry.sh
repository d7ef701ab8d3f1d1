#!/usr/bin/env bash
# Hot-loadable protocol modules, single-threaded: the loader, every registry state transition
# and refusal, routing shares and stickiness, faults of bad modules, native handlers, idle
# expiry, policy inheritance and signatures (tests/unit/hotload_test.c with the WAT modules of
# tests/protocols), and interrupted module calls (tests/unit/hotload_interrupt_test.c), through
# the public API, under ASan/UBSan.
set -euo pipefail
cd "$REPO"
mkdir -p "$TMPDIR/wasm" "$TMPDIR/scratch"
for f in tests/protocols/*.wat; do
	wat2wasm --enable-all "$f" -o "$TMPDIR/wasm/$(basename "$f" .wat).wasm"
done
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -Wall -Wextra -Werror -O2 -c tests/unit/hotload_test.c -o /dev/null
# shellcheck source=tests/lib/asan_build.sh
. tests/lib/asan_build.sh
asan_build "$TMPDIR/hotload_test" tests/unit/hotload_test.c
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/hotload_test" "$TMPDIR/wasm" "$TMPDIR/scratch"
# interrupted module calls (the module's and the registry's opts.interrupt), from a thread
asan_build "$TMPDIR/hotload_interrupt_test" tests/unit/hotload_interrupt_test.c
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/hotload_interrupt_test" "$TMPDIR/wasm"
