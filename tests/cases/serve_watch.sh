#!/usr/bin/env bash
# `xdperf serve --watch DIR` (include/xdperf/serve.h, src/hotload/watch.c) and `--policy FILE`,
# against the ASan build (echo@1 active from --protocol, udp listener, admin API on port 0).
# Watch: a DIR/pre@1.wasm present before the start is loaded at start (one "loaded pre@1" line,
# testing); copying uppercase.wasm to DIR/echo@2.wasm gives within 5 s exactly one
# "loaded echo@2" line and `ctl --json get echo 2` = testing at 0%; copying the same bytes again
# and touching the file gives no new line after 2 s; other bytes (echo.wasm) give exactly one
# "replaced echo@2" line; a file that is not wasm (bad@1.wasm) gives exactly one error line
# naming the file and the server keeps answering; after echo@2 is made active (traffic 100 =
# promote), changing DIR/echo@2.wasm gives one warning that the active version is not replaced
# and echo@2 keeps its bytes; a file written under a temp name and renamed to ren@1.wasm is loaded.
# With --trust-dir, a signed sig@1.wasm whose .sig arrives after it is first refused (one error
# line) and loaded once the .sig appears. Every load line is checked to appear once only.
# Policy: with `fuel: 100000` a call of tests/protocols/loop_on.wat's "loop..." message fails
# (no answer) and `ctl --json get loop 1` shows stats.fuel >= 1 and errors >= 1, while a normal
# message is still echoed; a policy with an unknown field makes serve exit non-zero with a message
# naming the field. No server logs a sanitizer error.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO"
need_tools jq python3 wat2wasm
PM=build/protocols

start() { # name serve-args... ; sets ADMIN, PORT and CTL
  local name="$1"; shift
  serve_start "$name" "$XDPERF_ASAN" "$@" --admin 127.0.0.1:0 --interval 0
  serve_wait "$name" admin udp
  PORT=$(serve_port "$name" udp)
  CTL=("$XDPERF" ctl --admin "$ADMIN")
}
count() { grep -cE "$2" "$T/$1.err"; }                 # server-name regex
wait_for() { # server-name regex want-count seconds
  local i
  for ((i = 0; i < $4 * 10; i++)); do [ "$(count "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
  return 1
}
once() { # name server regex [seconds]: the line appears, and exactly once
  if ! wait_for "$2" "$3" 1 "${4:-5}"; then bad "$1: no line matching '$3' within ${4:-5}s"; return 1; fi
  sleep 0.3
  local n; n=$(count "$2" "$3")
  [ "$n" -eq 1 ] && echo "ok $1: $(grep -E "$3" "$T/$2.err" | sed 's/(sha256 [^)]*) //')" ||
    { bad "$1: $n lines matching '$3':"; grep -E "$3" "$T/$2.err"; }
}
jq_is() { # name jq-filter ctl-get-args...
  local name="$1" f="$2"; shift 2
  local j; j=$("${CTL[@]}" --json get "$@" 2>&1)
  if jq -e "$f" >/dev/null 2>&1 <<<"$j"; then echo "ok $name"; else bad "$name: $f on $(tr -d '\n ' <<<"$j" | head -c 300)"; fi
}
udp() { # port message -> prints the answer or TIMEOUT
  python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
try: print(s.recv(4096).decode(errors="replace"))
except socket.timeout: print("TIMEOUT")
EOF
}
sha() { sha256sum "$1" | cut -c1-64; }

# ---- watch ------------------------------------------------------------------------------------------
W="$T/w"; mkdir -p "$W"
cp $PM/echo.wasm "$W/pre@1.wasm"
echo "not a module" >"$W/README.txt"        # not ID@VERSION.wasm: ignored
start watch --listen udp://127.0.0.1:0/echo --protocol echo=$PM/echo.wasm@1 --watch "$W"
once "present at start" watch '\[watch\].*pre@1\.wasm: loaded pre@1 '
jq_is "pre@1 is testing at 0%" '.state=="testing" and .traffic==0' pre 1

cp $PM/uppercase.wasm "$W/echo@2.wasm"
once "new file" watch '\[watch\].*echo@2\.wasm: loaded echo@2 '
jq_is "echo@2 is testing at 0% with uppercase's bytes" ".state==\"testing\" and .traffic==0 and .sha256==\"$(sha $PM/uppercase.wasm)\"" echo 2

cp $PM/uppercase.wasm "$W/echo@2.wasm"; touch "$W/echo@2.wasm"
sleep 2
n=$(count watch '^\[watch\].*echo@2')
[ "$n" -eq 1 ] && echo "ok same bytes again and touch: no new line" || { bad "same bytes again: $n [watch] echo@2 lines:"; grep 'echo@2' "$T/watch.err"; }

cp $PM/echo.wasm "$W/echo@2.wasm"
once "other bytes" watch '\[watch\].*echo@2\.wasm: replaced echo@2 '
jq_is "echo@2 now has echo's bytes, testing at 0%" ".state==\"testing\" and .traffic==0 and .sha256==\"$(sha $PM/echo.wasm)\"" echo 2

"${CTL[@]}" traffic echo 2 20 >/dev/null 2>"$T/t.err" || bad "ctl traffic echo 2 20: $(cat "$T/t.err")"
printf 'broken replacement\n' >"$W/echo@2.wasm"
once "broken replacement" watch '\[watch\] ERROR: .*echo@2\.wasm: not loaded'
jq_is "echo@2 keeps its bytes and its 20% after a broken replacement" ".state==\"testing\" and .traffic==20 and .sha256==\"$(sha $PM/echo.wasm)\"" echo 2
cp $PM/echo.wasm "$W/echo@2.wasm"
sleep 1
n=$(count watch '^\[watch\].*: (replaced|loaded) echo@2 ')
[ "$n" -eq 2 ] && echo "ok the bytes echo@2 has already: not loaded again" || bad "echo@2 load lines after restoring: $n, want 2"
"${CTL[@]}" unload pre 1 >/dev/null 2>"$T/t.err" || bad "ctl unload pre 1: $(cat "$T/t.err")"
cp $PM/echo.wasm "$W/pre@1.wasm"
wait_for watch '\[watch\].*pre@1\.wasm: loaded pre@1 ' 2 5 && echo "ok pre@1, unloaded with ctl, loaded again when written again" ||
  bad "pre@1 not loaded again after ctl unload and a rewrite"
jq_is "pre@1 is back, testing" '.state=="testing"' pre 1

printf 'this is not a wasm module\n' >"$W/bad@1.wasm"
once "bad file" watch "bad@1\.wasm"
grep -q "\[watch\] ERROR: .*/bad@1\.wasm: not loaded" "$T/watch.err" && echo "ok the bad file's line is an error naming it" ||
  bad "bad file line: $(grep 'bad@1' "$T/watch.err")"
[ "$(udp "$PORT" hello)" = hello ] && echo "ok the server still answers" || bad "the server does not answer after the bad file"

cp $PM/uppercase.wasm "$W/.ren.tmp"
sleep 0.5
mv "$W/.ren.tmp" "$W/ren@1.wasm"
once "rename into place" watch '\[watch\].*ren@1\.wasm: loaded ren@1 '
jq_is "ren@1 is testing" '.state=="testing"' ren 1

"${CTL[@]}" traffic echo 2 100 >/dev/null 2>"$T/t.err" || bad "ctl traffic echo 2 100: $(cat "$T/t.err")"
jq_is "echo@2 is active" '.state=="active"' echo 2
cp $PM/uppercase.wasm "$W/echo@2.wasm"
once "active version changed" watch '\[watch\] WARN: .*echo@2\.wasm changed, but echo@2 is the active version: not replaced'
jq_is "echo@2 keeps echo's bytes and stays active" ".state==\"active\" and .sha256==\"$(sha $PM/echo.wasm)\"" echo 2
n=$(count watch '^\[watch\].*: (replaced|loaded) echo@2 ')
[ "$n" -eq 2 ] && echo "ok echo@2 was loaded twice in all" || bad "echo@2 load lines: $n, want 2"
serve_healthy watch

# ---- watch with a trust dir ---------------------------------------------------------------------------
mkdir -p "$T/trust" "$T/keys" "$T/w2" "$T/m"
"$XDPERF" keygen -o "$T/keys/k" >/dev/null 2>&1 || { echo "FAILED: keygen"; exit 1; }
cp "$T/keys/k.pub" "$T/trust/"
cp $PM/uppercase.wasm "$T/m/sig@1.wasm"
"$XDPERF" sign -k "$T/keys/k.key" "$T/m/sig@1.wasm" >/dev/null 2>&1 || { echo "FAILED: sign"; exit 1; }
start trust --listen udp://127.0.0.1:0/echo --protocol echo=builtin:echo@1 --watch "$T/w2" --trust-dir "$T/trust"
cp "$T/m/sig@1.wasm" "$T/w2/sig@1.wasm"
once "signed module without its .sig yet" trust '\[watch\] ERROR: .*sig@1\.wasm: not loaded'
if "${CTL[@]}" get sig 1 >/dev/null 2>&1; then bad "sig@1 is loaded without a .sig"; fi
cp "$T/m/sig@1.wasm.sig" "$T/w2/sig@1.wasm.sig"
once "the .sig arrives" trust '\[watch\].*sig@1\.wasm: loaded sig@1 '
jq_is "sig@1 is testing and signed" '.state=="testing" and (.signer|type)=="string"' sig 1
serve_healthy trust

# ---- policy files -----------------------------------------------------------------------------------
wat2wasm tests/protocols/loop_on.wat -o "$T/loop_on.wasm" || { echo "FAILED: wat2wasm loop_on.wat"; exit 1; }
printf 'fuel: 100000\n' >"$T/policy.yaml"
start policy --listen udp://127.0.0.1:0/loop --protocol loop="$T/loop_on.wasm"@1 --policy "$T/policy.yaml"
[ "$(udp "$PORT" hello)" = hello ] && echo "ok loop_on echoes a normal message" || bad "loop_on does not echo"
a=$(udp "$PORT" loop-forever)
[ "$a" = TIMEOUT ] && echo "ok the looping call gets no answer" || bad "the looping call answered '$a'"
jq_is "the looping call is a fuel fault" '.stats.fuel >= 1 and .stats.errors >= 1 and .state=="active"' loop 1
[ "$(udp "$PORT" again)" = again ] && echo "ok loop_on still answers after the fuel fault" || bad "no answer after the fuel fault"
serve_healthy policy

printf 'fuel: 100000\nfrobnicate_level: 3\n' >"$T/bad_policy.yaml"
timeout 20 "$XDPERF_ASAN" serve --listen udp://127.0.0.1:0/echo --protocol echo=$PM/echo.wasm@1 \
  --policy "$T/bad_policy.yaml" --duration 1 >"$T/bp.out" 2>"$T/bp.err"; rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'frobnicate_level' "$T/bp.err" && ! grep -q 'listening on' "$T/bp.err"; then
  echo "ok unknown policy field: exit $rc, $(grep frobnicate_level "$T/bp.err" | head -n 1)"
else bad "unknown policy field: exit $rc: $(cat "$T/bp.err")"; fi

[ $fail -eq 0 ] || exit 1
echo "serve_watch: all checks passed"
