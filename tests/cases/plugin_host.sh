#!/usr/bin/env bash
# The generator plugin host: ABI checks, calls, buffers, logs, metrics and every kind of bad
# plugin (tests/plugins/*.wat), through the public API, under ASan/UBSan; and interrupted plugin
# calls (opts.interrupt raised by a SIGALRM handler and by a thread: -EINTR, one line).
set -euo pipefail
cd "$REPO"
for f in tests/plugins/*.wat; do
	wat2wasm --enable-all "$f" -o "$TMPDIR/$(basename "$f" .wat).wasm"
done
printf 'this is not a wasm module' > "$TMPDIR/not_wasm.wasm"
# shellcheck source=tests/lib/asan_build.sh
. tests/lib/asan_build.sh
asan_build "$TMPDIR/plugin_host_test" tests/unit/plugin_host_test.c
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/plugin_host_test" "$TMPDIR"
# interrupting plugin calls (tests/plugins/loops.wat): by a signal handler and by a thread
asan_build "$TMPDIR/plugin_interrupt_test" tests/unit/plugin_interrupt_test.c
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/plugin_interrupt_test" "$TMPDIR"
