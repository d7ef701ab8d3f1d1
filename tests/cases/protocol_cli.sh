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
PM=build/protocols

expect "check example modules" 0 "echo.wasm: OK.*packed" $X protocol check $PM/echo.wasm $PM/uppercase.wasm $PM/example_protocol.wasm
expect "check refuses a generator plugin" 1 "missing export handle" $X protocol check $P/simpleudp.wasm
expect "call uppercase" 0 "^HELLO, WORLD$" $X protocol call $PM/uppercase.wasm --input "Hello, World"
printf 'from stdin' | $X protocol call $PM/echo.wasm --count 100 >"$T/out" 2>"$T/err" && [ "$(cat "$T/out")" = "from stdin" ] \
	&& ok "call echo from standard input, 100 times" || bad "call echo from standard input"
expect "call example" 0 "^Processed: hi$" $X protocol call $PM/example_protocol.wasm --input hi
expect "stats" 0 "calls 5, errors 0, memory faults 0, p50 [0-9]+ ns, p99 [0-9]+ ns, memory [0-9]+ bytes \(module [0-9]+\)" $X protocol call $PM/echo.wasm --input x --count 5 --stats

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
[ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ] && ok "a trapping call is one line (no unsigned-module warning before it)" ||
	bad "a trapping call: not one line: $(cat "$T/out" "$T/err")"
expect "fuel is a fault of the call" 1 "ran out of fuel.*fault: fuel" $X protocol call "$T/faulty.wasm" --input loop --fuel 100000
expect "allow-imports refuses WASI" 1 "imports wasi_snapshot_preview1.proc_exit.*allows imports only from \[env\]" \
	$X protocol check --allow-imports env "$T/wasi.wasm"
expect "check with WASI allowed" 0 "OK" $X protocol check "$T/wasi.wasm"

mkdir -p "$T/trust"
(cd "$T" && $X keygen -o ops >/dev/null) || { echo "FAILED: keygen"; exit 1; }
cp "$T/ops.pub" "$T/trust/"
cp $PM/echo.wasm "$T/echo.wasm"
expect "trust dir refuses unsigned" 1 "not signed.*requires signatures" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"
$X sign -k "$T/ops.key" "$T/echo.wasm" >/dev/null || bad "sign"
expect "trust dir accepts signed" 0 "^x$" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"
printf '\0' >>"$T/echo.wasm"
expect "trust dir refuses tampered" 1 "does not match" $X protocol call "$T/echo.wasm" --input x --trust-dir "$T/trust"

expect "bad flag" 2 "^xdperf protocol call: unknown option '--bogus' \\(see xdperf protocol call --help\\)$" $X protocol call $PM/echo.wasm --bogus
expect "bad count" 2 "--count" $X protocol call $PM/echo.wasm --count 0
expect "unknown subcommand" 2 "unknown subcommand" $X protocol frobnicate
expect "missing file" 1 "cannot read protocol module $T/nope.wasm" $X protocol call "$T/nope.wasm" --input x


# A module's log lines (env.host_log and WASI stdout/stderr) are escaped: it cannot start a
# line of its own, send a terminal escape or invalid UTF-8; a line is cut at 1024 bytes.
cat >"$T/forge.wat" <<'W'
(module
  (import "env" "host_log" (func $log (param i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 63 bytes: a newline and a forged line, terminal escapes, a backslash, UTF-8, a bad byte, C1
  (data (i32.const 1024) "ok\0a[hotload] ERROR: forged \1b[31mred\1b[0m \5cx41 \c3\a9t\c3\a9 \ff \c2\9b \e2\80\a8 end")
  (data (i32.const 2048) "\00\04\00\00\3f\00\00\00")
  (global $heap (mut i32) (i32.const 16384))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
  (func (export "free") (param i32))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (call $log (i32.const 2) (i32.const 1024) (i32.const 63))
    (drop (call $fd_write (i32.const 2) (i32.const 2048) (i32.const 1) (i32.const 2064)))
    (call $log (i32.const 3) (i32.const 4096) (i32.const 3000))
    (local.get $p) (i32.const 0)))
W
if wat2wasm "$T/forge.wat" -o "$T/forge.wasm"; then
	$X protocol call "$T/forge.wasm" --input x >"$T/out" 2>"$T/err"; rc=$?
	# host_log: one message, its newline escaped; the stderr write: a log line per line it
	# wrote, each under the module's own prefix (the forged line cannot stand alone)
	want='[forge@local] WARN: ok\n[hotload] ERROR: forged \x1b[31mred\x1b[0m \\x41 été \xff \xc2\x9b '$'\xe2\x80\xa8'' end'
	want2='[forge@local] WARN: [hotload] ERROR: forged \x1b[31mred\x1b[0m \\x41 été \xff \xc2\x9b '$'\xe2\x80\xa8'' end'
	n=$(grep -cxF -- "$want" "$T/err")
	n2=$(grep -cxF -- "$want2" "$T/err")
	n3=$(grep -cxF -- '[forge@local] WARN: ok' "$T/err")
	[ $rc = 0 ] && [ "$n" = 1 ] && [ "$n2" = 1 ] && [ "$n3" = 1 ] &&
		ok "a module's log line and its stderr write (two lines), escaped: $want" ||
		{ bad "escaped module log lines: exit $rc, $n/$n2/$n3 lines '$want'"; cat -A "$T/err"; }
	grep -q '^\[hotload\] ERROR: forged' "$T/err" && bad "a module forged a log line" || ok "no forged log line"
	grep -q $'\x1b' "$T/err" && bad "a terminal escape reached stderr" || ok "no terminal escape on stderr"
	long=$(grep -F '[forge@local] ERROR: ' "$T/err")
	[ "$long" = "[forge@local] ERROR: $(printf '\\x00%.0s' $(seq 1024)) [1976 more bytes left out]" ] &&
		ok "a 3000-byte log line: 1024 bytes kept, the rest counted" || bad "long log line: ${long:0:120}..."
else
	bad "wat2wasm forge.wat"
fi
# free is part of the call: a free that burns its fuel fails the call, counted as a fuel fault
cat >"$T/freeloop.wat" <<'W'
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
  (func (export "free") (param i32) (loop $l (br $l)))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (i32.const 8192) (i32.const 2)))
W
if wat2wasm "$T/freeloop.wat" -o "$T/freeloop.wasm"; then
	expect "a free that burns its fuel fails the call" 1 "free ran out of fuel \(budget 100000 instructions per call\) \(fault: fuel\)" \
		$X protocol call "$T/freeloop.wasm" --input x --fuel 100000 --stats
	grep -q "calls 1, errors 1" "$T/err" && ok "... counted: calls 1, errors 1" || bad "free fault not counted: $(cat "$T/err")"
	[ ! -s "$T/out" ] && ok "... and its answer is not printed" || bad "the answer of a failed call was printed"
else
	bad "wat2wasm freeloop.wat"
fi
echo "$fails failed"
[ $fails -eq 0 ]
