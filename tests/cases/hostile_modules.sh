#!/usr/bin/env bash
# Hostile modules against the caps on what a module and its instances hold (docs/limits.md;
# the modules come from tests/protocols/hostile_gen.py, peak RSS from getrusage of the child):
#  - 100 tables of 10,000,000 entries: refused at load, naming max_table_elems (262,144);
#  - wide branches (3.9 MB: 195 functions whose 400 br_if each carry 1000 values, about 900 MB
#    once translated without a cap): refused with "module too large ... max_module_bytes",
#    peak RSS under 200 MB;
#  - 16 MB of empty functions (4 million): refused the same way, peak RSS under 200 MB;
#  - a table grown by 65,536 entries per message: message 5 fails as a memory fault naming
#    max_table_elems; what the version holds grows by exactly 65,536 x 8 bytes per message;
#    with --max-instance-bytes 1500000 the fault names max_instance_bytes instead;
#  - the same through `xdperf serve` and its admin API: uploads of the three modules above
#    answered 413 naming the limit, the server's peak RSS stays under 200 MB, the admin API
#    answers afterwards; the table module's faults counted (memory_cap), its memory_bytes in
#    /v1 and /metrics equal and include its tables;
#  - SIGTERM while a 60 MB upload is being translated (about 2 s of validation, allowed by the
#    policy): the server ends within 1.5 s, the load cancelled;
#  - SIGTERM while a module's handle loops (fuel 10^15) with datagrams waiting: the server ends
#    within 1.5 s, exit 0, the call interrupted and counted as failed.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO"
need_tools python3 curl jq
need_built "$XDPERF"
GEN="python3 $REPO/tests/protocols/hostile_gen.py"
M="$T/hm"
mkdir -p "$M"
$GEN tables 100 10000000 "$M/tables.wasm" && $GEN table_grow 65536 "$M/grow.wasm" &&
  $GEN wide_branches 195 "$M/wide.wasm" && $GEN empty_funcs 16000000 "$M/empty.wasm" ||
  { echo "FAILED: hostile_gen.py"; exit 1; }
LIMIT_KB=$((200 * 1024))

# peak CMD...: runs CMD (output in $T/peak.out); prints "EXIT PEAK_RSS_KB"
peak() {
  python3 - "$@" <<'EOF'
import os, resource, subprocess, sys
with open(os.environ["T"] + "/peak.out", "wb") as out:
    rc = subprocess.call(sys.argv[1:], stdout=out, stderr=subprocess.STDOUT)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}
export T

# ---- protocol check: refused at load, bounded memory ---------------------------------------------
check_refused() { # NAME FILE MAX_KB TEXT...
  local name="$1" file="$2" max="$3" rc kb t; shift 3
  read -r rc kb < <(peak "$XDPERF" protocol check "$file")
  if [ "$rc" != 1 ]; then bad "$name: protocol check exit $rc, want 1: $(head -c 400 "$T/peak.out")"; return; fi
  for t in "$@"; do
    grep -qF -- "$t" "$T/peak.out" || { bad "$name: no '$t' in: $(head -c 400 "$T/peak.out")"; return; }
  done
  [ "$(wc -l <"$T/peak.out")" -eq 1 ] || bad "$name: more than one line: $(cat "$T/peak.out")"
  if [ "$kb" -lt "$max" ]; then echo "ok $name refused (one line naming the limit), peak RSS $kb KB"
  else bad "$name: peak RSS $kb KB, over $max KB"; fi
}
check_refused "100 tables of 10M entries" "$M/tables.wasm" $LIMIT_KB \
  "refused: an instance would not fit its policy: table 0 of 10000000 entries" \
  "over the limit of 262144 table entries per instance" "max_table_elems 262144"
check_refused "wide branches (3.9 MB)" "$M/wide.wasm" $LIMIT_KB \
  "refused: module too large: translating it needs more than its limit of 67108864 bytes" \
  "(the policy's max_module_bytes)"
check_refused "16 MB of empty functions" "$M/empty.wasm" $LIMIT_KB \
  "refused: module too large: decoding it needs more than its limit of 67108864 bytes" \
  "(the policy's max_module_bytes)"
# with a larger byte cap the engine's validation budget (4 operand checks per byte of code)
# still refuses it, in one line
if out=$("$XDPERF" protocol check --max-module-bytes 2000000000 "$M/wide.wasm" 2>&1); then
  bad "wide branches with --max-module-bytes 2000000000 loaded: $out"
elif grep -q "module too costly to validate (more than 4 operand checks per byte of code)" <<<"$out" &&
     [ "$(wc -l <<<"$out")" -eq 1 ]; then
  echo "ok wide branches under --max-module-bytes 2000000000: too costly to validate"
else
  bad "wide branches with --max-module-bytes 2000000000: $out"
fi

# ---- a table grown per message ----------------------------------------------------------------
mem_after() { # COUNT [ARGS...]: "FAILED_MESSAGE MEMORY_BYTES MODULE_BYTES" after COUNT messages
  local n="$1"; shift
  "$XDPERF" protocol call "$M/grow.wasm" --input hi --count "$n" --stats "$@" >/dev/null 2>"$T/call.err"
  local failed mem modb
  failed=$(sed -n 's/^xdperf protocol call: message \([0-9]*\):.*/\1/p' "$T/call.err")
  mem=$(sed -n 's/.*, memory \([0-9]*\) bytes (module \([0-9]*\))$/\1 \2/p' "$T/call.err")
  echo "${failed:-none} ${mem:-? ?}"
}
read -r f1 m1 mod1 < <(mem_after 1)
read -r f4 m4 mod4 < <(mem_after 4)
if [ "$f1" = none ] && [ "$f4" = none ] && [ "$mod1" = "$mod4" ] && [ "$((m4 - m1))" = $((3 * 65536 * 8)) ]; then
  echo "ok 3 more table.grow of 65536 entries add exactly 1572864 bytes ($m1 -> $m4; module $mod1)"
else
  bad "table growth: after 1 message '$f1 $m1 $mod1', after 4 '$f4 $m4 $mod4'"
fi
read -r f10 m10 _ < <(mem_after 10)
if [ "$f10" = 5 ] && grep -q "message 5: protocol grow@local: handle failed after its policy's max_table_elems 262144 refused to grow a table: unreachable in handle (fault: memory)" "$T/call.err" &&
   grep -q "memory faults 1," "$T/call.err" && [ "$m10" = "$m4" ]; then
  echo "ok message 5 is a memory fault naming max_table_elems 262144; nothing more held ($m10 bytes)"
else
  bad "table growth past max_table_elems: failed at '$f10', memory $m10: $(cat "$T/call.err")"
fi
read -r fi1 _ < <(mem_after 10 --max-instance-bytes 1500000)
if [ "$fi1" -ge 1 ] 2>/dev/null && grep -q "its policy's max_instance_bytes 1500000 refused to grow" "$T/call.err"; then
  echo "ok with --max-instance-bytes 1500000 message $fi1 fails naming max_instance_bytes"
else
  bad "--max-instance-bytes 1500000: $(cat "$T/call.err")"
fi

# ---- the same through serve and its admin API -----------------------------------------------
serve_start srv "$XDPERF" --listen udp://127.0.0.1:0/grow --protocol grow="$M/grow.wasm@1" --admin 127.0.0.1:0 --interval 0
serve_wait srv admin udp:grow
U="http://$ADMIN"
PORT=$(serve_port srv udp grow)
upload() { # NAME FILE TEXT: PUT answered 413 with TEXT in its error
  local st
  st=$(curl -s -o "$T/up.body" -w '%{http_code}' -X PUT --data-binary @"$2" "$U/v1/protocols/h/versions/$1")
  if [ "$st" = 413 ] && jq -e --arg t "$3" '.error | contains($t)' "$T/up.body" >/dev/null 2>&1; then
    echo "ok upload of $1: 413 naming the limit"
  else
    bad "upload of $1: HTTP $st, body $(head -c 300 "$T/up.body"), want 413 with '$3'"
  fi
}
upload tables "$M/tables.wasm" "max_table_elems 262144"
upload wide "$M/wide.wasm" "max_module_bytes"
upload empty "$M/empty.wasm" "max_module_bytes"
st=$(curl -s -o "$T/list.json" -w '%{http_code}' "$U/v1/protocols")
[ "$st" = 200 ] && jq -e '[.protocols[].id] == ["grow"]' "$T/list.json" >/dev/null &&
  echo "ok the admin API answers afterwards; only grow is loaded" || bad "GET /v1/protocols: $st $(cat "$T/list.json")"
answered=$(python3 - "$PORT" <<'EOF'
import socket, sys
n = 0
for i in range(8):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5 if i >= 4 else 5.0)
    s.sendto(b"hi", ("127.0.0.1", int(sys.argv[1])))
    try:
        if s.recv(64) == b"hi":
            n += 1
    except socket.timeout:
        pass
print(n)
EOF
)
curl -s "$U/v1/protocols/grow/versions/1" >"$T/v.json"
curl -s "$U/metrics" >"$T/m.txt"
jmem=$(jq -r '.stats.memory_bytes' "$T/v.json")
jmod=$(jq -r '.stats.module_bytes' "$T/v.json")
jcap=$(jq -r '.stats.memory_cap' "$T/v.json")
pmem=$(sed -n 's/^xdperf_version_memory_bytes{protocol="grow",version="1"} \([0-9]*\)$/\1/p' "$T/m.txt")
if [ "$answered" = 4 ] && [ "$jcap" = 4 ] && [ "$jmem" = "$pmem" ] && [ "$jmem" -gt $((jmod + 262144 * 8)) ]; then
  echo "ok serve: 4 answers, then 4 memory faults; memory_bytes $jmem = /metrics, over module $jmod + 2 MiB of table"
else
  bad "serve: answered $answered (want 4), memory_cap $jcap (want 4), memory_bytes $jmem, /metrics $pmem, module $jmod"
fi
hwm=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/${SERVE_PID[srv]}/status")
if [ -n "$hwm" ] && [ "$hwm" -lt $LIMIT_KB ]; then echo "ok the server's peak RSS stayed at $hwm KB"
else bad "the server's peak RSS is $hwm KB, over $LIMIT_KB"; fi
serve_healthy srv
grep -q "max_module_bytes" "$T/srv.err" || bad "the server's log does not name max_module_bytes: $(tail -n 5 "$T/srv.err")"
serve_stop srv

# ---- SIGTERM while an upload is being translated -----------------------------------------------
# 60 MB that takes about 2 s to validate here (allowed by the policy): SIGTERM 0.5 s after the
# upload starts ends the server within 1.5 s (the load is cancelled), not after the translation
$GEN slow_validate 75 "$M/slow.wasm" || { echo "FAILED: hostile_gen.py slow_validate"; exit 1; }
echo "max_module_bytes: 1000000000" >"$T/policy.yaml"
serve_start slow "$XDPERF" --listen udp://127.0.0.1:0/grow --protocol grow="$M/grow.wasm@1" --admin 127.0.0.1:0 \
  --interval 0 --policy "$T/policy.yaml"
serve_wait slow admin udp:grow
curl -s -o "$T/slow.body" -w '%{http_code}' -X PUT --data-binary @"$M/slow.wasm" \
  "http://$ADMIN/v1/protocols/s/versions/1" >"$T/slow.code" 2>/dev/null &
cpid=$!
sleep 0.5
t0=$(date +%s%N)
serve_stop slow 5
dt=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $cpid 2>/dev/null
if [ "$SERVE_RC" = 0 ] && [ "$dt" -lt 1500 ]; then
  echo "ok SIGTERM during the upload's translation: the server ended in $dt ms ($(grep -c 'loading interrupted' "$T/slow.err") 'loading interrupted' in its log)"
else
  bad "SIGTERM during the upload's translation: exit '$SERVE_RC' after $dt ms; $(tail -n 3 "$T/slow.err")"
fi

# ---- SIGTERM while a module call runs ----------------------------------------------------------
# handle loops; the policy's fuel (10^15) would let it run for days: SIGTERM with the call
# running and 19 more datagrams waiting ends the server within 1.5 s, exit 0, the running call
# interrupted and counted as failed (so are the others the worker took in the same batch; any
# still in the socket are not taken), on the ASan build
cat >"$M/loop.wat" <<'WAT'
(module (memory (export "memory") 2)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (func (export "handle") (param i32 i32) (result i32 i32) (loop $l (br $l)) (i32.const 1024) (i32.const 0)))
WAT
wat2wasm "$M/loop.wat" -o "$M/loop.wasm" || { echo "FAILED: wat2wasm loop.wat"; exit 1; }
echo "fuel: 1000000000000000" >"$T/loop_policy.yaml"
serve_start busy "$XDPERF_ASAN" --listen udp://127.0.0.1:0 --protocol loop="$M/loop.wasm@1" --interval 0 --json \
  --policy "$T/loop_policy.yaml"
serve_wait busy udp:loop
port=$(serve_port busy udp loop)
python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"x", ("127.0.0.1", int(sys.argv[1])))' "$port"
sleep 1 # the first call is well into its loop
t0=$(date +%s%N)
serve_stop busy 10
dt=$(( ($(date +%s%N) - t0) / 1000000 ))
failed=$(jq -r .failed "$T/busy.out" 2>/dev/null)
if [ "$SERVE_RC" = 0 ] && [ "$dt" -lt 1500 ] && [ "$failed" -ge 1 ] 2>/dev/null &&
  grep -q "protocol loop@1: handle was interrupted" "$T/busy.err"; then
  echo "ok SIGTERM during a module call: the server ended in $dt ms, $failed call(s) interrupted and counted as failed"
else
  bad "SIGTERM during a module call: exit '$SERVE_RC' after $dt ms, failed '$failed'; $(tail -n 3 "$T/busy.err")"
fi
serve_sanitizer_check busy
exit $fail
