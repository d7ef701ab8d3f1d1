#!/usr/bin/env bash
# The protocol-module SDK (sdk/xdperf_protocol.h), the example protocol modules
# (protocols/*.c, examples/hotload/example_protocol.c -> build/plugins/*.wasm) and the hot-load
# example (examples/hotload/main.c -> build/examples/hotload).
# SDK, through a minimal engine-only host (tests/unit/protocol_sdk_harness.c): the exports have
# the exact ABI types; echo answers with its input buffer itself (no copy), uppercase and
# example_protocol with fresh buffers the harness frees; empty messages work; 3000 rounds do
# not grow memory (outputs are freed); a module built here checks a failing handler traps and
# the instance still answers, copy-on-write after xdp_out_set, buffer growth, log and metric.
# Example: prints exactly "Input: Hello, muxcore!" / "Output: Processed: Hello, muxcore!" and
# lists example 1.0.0 active at 100% with 1 call; a missing module path exits 1 with one
# error line naming the file.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
cd "$REPO"
. tests/lib/harness.sh
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
build_plugins
H="$T/protocol_sdk_harness"
build_harness tests/unit/protocol_sdk_harness.c "$H"
P=build/plugins
PM=build/protocols
fail=0

expect() { # name want-output harness-args...
  local name="$1" want="$2"; shift 2
  local got
  got=$("$H" "$@" 2>"$T/h.err")
  local rc=$?
  if [ "$got" != "$want" ]; then
    echo "FAILED: $name (exit $rc):"; echo "$got" | sed 's/^/  got:  /'; echo "$want" | sed 's/^/  want: /'
    sed 's/^/  /' "$T/h.err" | tail -n 5; fail=1
  else
    echo "ok $name"
  fi
}

expect echo $'OUT 12 same Hello, World\nOUT 0 same \nmemory 2 2' $PM/echo.wasm "Hello, World" ""
expect uppercase $'OUT 12 fresh HELLO, WORLD\nOUT 10 fresh ABC-XYZ 09\nOUT 0 same \nmemory 2 2' \
  $PM/uppercase.wasm "Hello, World" "abc-xyz 09" ""
expect example_protocol $'OUT 26 fresh Processed: Hello, muxcore!\nOUT 11 fresh Processed: \nmemory 2 2' \
  $PM/example_protocol.wasm "Hello, muxcore!" ""
# outputs and inputs are freed: 3000 rounds of 20 KB messages leave memory as after one
big=$(head -c 20000 /dev/zero | tr '\0' q)
for p in uppercase example_protocol; do
  out=$("$H" $PM/$p.wasm --repeat 3000 "$big" 2>&1 | tail -n 1)
  set -- $out
  [ "${1:-}" = memory ] && [ "${2:-0}" = "${3:-1}" ] && echo "ok $p: no growth over 3000 calls ($out)" ||
    { echo "FAILED: $p: memory grows over 3000 calls: $out"; fail=1; }
done

# SDK edge cases in a module built here
cat >"$T/sdktest.c" <<'CEOF'
/* sdktest: exercises sdk/xdperf_protocol.h (tests/cases/hotload_example.sh).
 * "fail" -> handler fails (trap); "cow" -> set to the input, then append (copy first);
 * "grow" -> 1000 appends of one byte (realloc path); "log" -> host_log + metric, echo. */
#include "xdperf_protocol.h"

XDP_PROTOCOL(test)

static int test(const uint8_t *in, uint32_t len, xdp_out *out)
{
	if (len == 4 && !memcmp(in, "fail", 4)) {
		xdp_out_write(out, "partial", 7); /* freed by the SDK before it traps */
		return -1;
	}
	if (len == 3 && !memcmp(in, "cow", 3)) {
		xdp_out_set(out, in, len);
		return xdp_out_write(out, "+tail", 5);
	}
	if (len == 4 && !memcmp(in, "grow", 4)) {
		for (int i = 0; i < 1000; i++)
			if (xdp_out_write(out, i % 10 ? "." : "|", 1))
				return -1;
		return 0;
	}
	if (len == 3 && !memcmp(in, "log", 3)) {
		xdp_proto_log(XDP_PROTO_LOG_WARN, "sdktest says hi");
		xdp_proto_metric("sdktest.calls", 42);
		xdp_proto_metric_at("sdktest.at", 7, 123);
	}
	xdp_out_set(out, in + 1, len > 1 ? len - 1 : 0);
	return 0;
}
CEOF
if clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Isdk -mexec-model=reactor \
     -o "$T/sdktest.wasm" "$T/sdktest.c" 2>"$T/sdktest.log"; then
  grow=$(printf '|.........%.0s' $(seq 100))
  out=$("$H" "$T/sdktest.wasm" abc fail cow grow log 2>"$T/sdk.err"); rc=$?
  want=$'OUT 2 inside bc\nTRAP '
  [ $rc -eq 3 ] && [ "${out#"$want"}" != "$out" ] || { echo "FAILED: sdktest: want a trap (exit 3), got exit $rc:"; echo "$out"; fail=1; }
  grep -qx 'TRAP .*unreachable.*' <<<"$out" || { echo "FAILED: sdktest: fail is not an unreachable trap"; fail=1; }
  grep -qx 'OUT 8 fresh cow+tail' <<<"$out" || { echo "FAILED: sdktest: copy after xdp_out_set"; fail=1; }
  grep -qx "OUT 1000 fresh $grow" <<<"$out" || { echo "FAILED: sdktest: growth"; fail=1; }
  grep -qx 'OUT 2 inside og' <<<"$out" || { echo "FAILED: sdktest: the call after a trap"; fail=1; }
  grep -qx 'log\[2\]: sdktest says hi' "$T/sdk.err" && grep -qx 'metric: sdktest.calls 42' "$T/sdk.err" &&
    grep -qx 'metric: sdktest.at 7' "$T/sdk.err" || { echo "FAILED: sdktest: log/metric"; cat "$T/sdk.err"; fail=1; }
  # a failing call leaks nothing either
  out=$("$H" "$T/sdktest.wasm" --repeat 3000 fail cow 2>/dev/null | tail -n 1); set -- $out
  [ "${2:-0}" = "${3:-1}" ] || { echo "FAILED: sdktest: memory grows over failing calls: $out"; fail=1; }
  [ $fail -eq 0 ] && echo "ok sdktest: trap, copy-on-write, growth, log, metric"
else
  echo "FAILED: building sdktest.wasm"; cat "$T/sdktest.log"; fail=1
fi

# the hot-load example
if ! make -s build/examples/hotload >"$T/make2.log" 2>&1; then
  tail -n 20 "$T/make2.log"; echo "FAILED: make build/examples/hotload"; exit 1
fi
E=build/examples/hotload
if "$E" >"$T/ex.out" 2>"$T/ex.err"; then
  want=$'Input: Hello, muxcore!\nOutput: Processed: Hello, muxcore!'
  [ "$(head -n 2 "$T/ex.out")" = "$want" ] || { echo "FAILED: example output:"; cat "$T/ex.out"; fail=1; }
  grep -Eq '^ +example 1\.0\.0 active traffic 100% calls 1$' "$T/ex.out" ||
    { echo "FAILED: example listing:"; cat "$T/ex.out"; fail=1; }
  [ $fail -eq 0 ] && echo "ok example: output and listing"
else
  echo "FAILED: example exit $?:"; cat "$T/ex.out" "$T/ex.err"; fail=1
fi
"$E" "$T/missing_module.wasm" >"$T/ex2.out" 2>"$T/ex2.err"; rc=$?
if [ $rc -ne 1 ] || [ "$(grep -c '^hotload example:' "$T/ex2.err")" -ne 1 ] ||
   ! grep -q '^hotload example: load .*missing_module\.wasm' "$T/ex2.err" || grep -q '^Output:' "$T/ex2.out"; then
  echo "FAILED: example with a missing module: exit $rc:"; cat "$T/ex2.out" "$T/ex2.err"; fail=1
else
  echo "ok example: missing module -> exit 1, $(grep '^hotload example:' "$T/ex2.err")"
fi

[ $fail -eq 0 ] || exit 1
echo "hotload_example: all checks passed"
