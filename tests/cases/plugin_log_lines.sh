#!/usr/bin/env bash
# What a plugin writes to WASI stdout/stderr reaches the log a line per line it wrote, however
# many fd_write calls made the line (tests/plugins/fragments.wat writes a Rust-style panic
# message in five pieces and a stdout line in two), the unfinished last line when the call
# ends, NUL bytes escaped (\x00); stdout at INFO, stderr at WARN. AssemblyScript's env.abort,
# env.trace and env.seed (tests/plugins/as_abort.wat). Run under ASan/UBSan too.
set -uo pipefail
T="$TMPDIR"
command -v wat2wasm >/dev/null || { echo "FAIL: wat2wasm is not installed (wabt)"; exit 1; }
wat2wasm "$REPO/tests/plugins/fragments.wat" -o "$T/fragments.wasm" || exit 1
fail=0
for bin in "$XDPERF" "$XDPERF_ASAN"; do
	"$bin" plugin run "$T/fragments.wasm" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 0 ] || { echo "FAIL: $bin: exit $rc: $(cat "$T/err")"; fail=1; continue; }
	printf '%s\n' "[plugin fragments] WARN: thread 'main' panicked at src/lib.rs:5:5:" \
		"[plugin fragments] INFO: stdout: part one, part two" \
		'[plugin fragments] WARN: boom\x00x' >"$T/want"
	if ! diff "$T/want" "$T/err" >"$T/diff"; then
		echo "FAIL: $bin: the log lines differ:"; cat "$T/diff"; fail=1
	fi
done
# AssemblyScript's runtime imports: env.trace (a DEBUG line with its numbers), env.seed, and
# env.abort (a trap with the message, file, line and column, UTF-16 strings turned to UTF-8)
wat2wasm "$REPO/tests/plugins/as_abort.wat" -o "$T/as_abort.wasm" || exit 1
for bin in "$XDPERF" "$XDPERF_ASAN"; do
	"$bin" plugin run "$T/as_abort.wasm" --log-level debug >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 1 ] || { echo "FAIL: $bin as_abort: exit $rc: $(cat "$T/err")"; fail=1; }
	grep -qx '\[plugin as_abort\] DEBUG: trace: step 1.5, 2' "$T/err" ||
		{ echo "FAIL: $bin as_abort: no trace line: $(cat "$T/err")"; fail=1; }
	grep -qx 'xdperf: plugin as_abort: trap in plugin_process: abort: boom é at assembly/index.ts:12:5' "$T/err" ||
		{ echo "FAIL: $bin as_abort: abort message: $(cat "$T/err")"; fail=1; }
done
[ $fail = 0 ] && echo "ok: 7 writes -> 3 log lines (one per line written), NUL escaped, levels per fd; AssemblyScript's abort, trace and seed"
exit $fail
