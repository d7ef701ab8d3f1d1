#!/usr/bin/env bash
# `xdperf protocol check|call` (sanitizer build): the example protocol modules pass the ABI
# check and answer; a generator plugin and a WASI command are refused with the reason; a
# trapping or looping module fails that call with the fault named; --trust-dir refuses an
# unsigned module and accepts a signed one; --allow-imports refuses WASI; bad flags exit 2.
set -uo pipefail
cd "$REPO"
X="$XDPERF_ASAN"
T="$TMPDIR"
fails=0
ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
expect() { # expect NAME WANT_RC GREP_PATTERN CMD... : exit status and a line of output
	local name=$1 want=$2 pat=$3; shift 3
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	if [ "$rc" != "$want" ]; then bad "$name: exit $rc, want $want"; cat "$T/err"; return; fi
	if [ -n "$pat" ] && ! grep -qE -- "$pat" "$T/out" "$T/err"; then
		bad "$name: no '$pat' in the output"; cat "$T/out" "$T/err"; return
	fi
	ok "$name"
}
make -s plugins >/dev/null || { echo "FAILED: make plugins"; exit 1; }
P=build/plugins

expect "check example modules" 0 "echo.wasm: OK.*packed" $X protocol check $P/echo.wasm $P/uppercase.wasm $P/example_protocol.wasm
expect "check refuses a generator plugin" 1 "missing export handle" $X protocol check $P/simpleudp.wasm
expect "call uppercase" 0 "^HELLO, WORLD$" $X protocol call $P/uppercase.wasm --input "Hello, World"
printf 'from stdin' | $X protocol call $P/echo.wasm --count 100 >"$T/out" 2>"$T/err" && [ "$(cat "$T/out")" = "from stdin" ] \
	&& ok "call echo from standard input, 100 times" || bad "call echo from standard input"
expect "call example" 0 "^Processed: hi$" $X protocol call $P/example_protocol.wasm --input hi
expect "stats" 0 "calls 5, errors 0, p50 [0-9]+ ns" $X protocol call $P/echo.wasm --input x --count 5 --stats

cat >"$T/command.wat" <<'W'
(module (memory (export "memory") 1) (func (export "_start")))
W
cat >"$T/faulty.wat" <<'W'
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (local.get $n))) (local.get $p))
  (func (export "free") (param i32))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 116)) (then unreachable))  ;; 't'
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 108)) (then (loop $l (br $l))))  ;; 'l'
    (local.get $p) (local.get $n)))
W
cat >"$T/wasi.wat" <<'W'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (func (export "handle") (param i32 i32) (result i64) (i64.const 0)))
W
for w in command faulty wasi; do wat2wasm --enable-all "$T/$w.wat" -o "$T/$w.wasm" || { echo "FAILED: wat2wasm $w"; exit 1; }; done
expect "check refuses a WASI command" 1 "WASI command.*reactor" $X protocol check "$T/command.wasm"
expect "call multi-value module" 0 "^ok$" $X protocol call "$T/faulty.wasm" --input ok
expect "trap is a fault of the call" 1 "trap in handle.*fault: trap" $X protocol call "$T/faulty.wasm" --input trap
expect "fuel is a fault of the call" 1 "ran out of fuel.*fault: fuel" $X protocol call "$T/faulty.wasm" --input loop --fuel 100000
expect "allow-imports refuses WASI" 1 "imports wasi_snapshot_preview1.proc_exit.*allows imports only from \[env\]" \
	$X protocol check --allow-imports env "$T/wasi.wasm"
expect "check with WASI allowed" 0 "OK" $X protocol check "$T/wasi.wasm"

mkdir -p "$T/trust"
(cd "$T" && $X keygen -o ops >/dev/null) || { echo "FAILED: keygen"; exit 1; }
cp "$T/ops.pub" "$T/trust/"
cp $P/echo.wasm "$T/echo.wasm"
expect "trust dir refuses unsigned" 1 "not signed.*requires signatures" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"
$X sign -k "$T/ops.key" "$T/echo.wasm" >/dev/null || bad "sign"
expect "trust dir accepts signed" 0 "^x$" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"
printf '\0' >>"$T/echo.wasm"
expect "trust dir refuses tampered" 1 "does not match" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"

expect "bad flag" 2 "usage" $X protocol call $P/echo.wasm --bogus
expect "bad count" 2 "--count" $X protocol call $P/echo.wasm --count 0
expect "unknown subcommand" 2 "unknown subcommand" $X protocol frobnicate
expect "missing file" 1 "cannot read protocol module $T/nope.wasm" $X protocol call "$T/nope.wasm" --input x

echo "$fails failed"
[ $fails -eq 0 ]
