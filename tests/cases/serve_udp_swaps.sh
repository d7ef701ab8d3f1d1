#!/usr/bin/env bash
# `xdperf serve` (ASan/UBSan build, UDP, 2 workers) answers every request exactly once and
# correctly while protocol versions are swapped live over the admin API (xdperf ctl).
# Phase 1: tests/lib/udp_load.py keeps 64 flows (64 UDP sockets, 4 requests outstanding each,
# unique ids, no retransmission) busy while ctl uploads v2 as a 10% canary, raises it to 50%,
# promotes v2, uploads v3 as a 30% canary, rolls back (v1 active again, v3 back to 0%), gives
# v3 40%, promotes v3, unloads v2, rolls back to v1, tests v3 again at 20%, promotes v3 again
# and unloads v1 (0.3 s of traffic between steps; every ctl call exits 0). Checks: no request
# lost, no duplicate, no bad reply (every reply is TAG ":" the request's payload, TAG in
# {v1,v2,v3}); v2 and v3 both answered some; at least 20000 requests were sent and replies
# kept flowing during the swaps; no flow changed tags more often than there were ctl steps;
# afterwards `ctl --json listeners` counts requests == replies == what the client sent,
# failed == 0, and `ctl --json list` shows only v3 (active).
# Phase 2: v9 uploaded and under test at 0% (`ctl test tag v9 0`) gets no traffic: 5000
# requests on 64 fresh flows are all answered by v3, none by v9, none lost; `ctl --json get tag
# v9` then shows it testing at 0% with 0 calls.
# Finally the server exits 0 on SIGTERM with its summary line (requests == replies == total
# sent), and its stderr has no ERROR line and no sanitizer report.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
X="$XDPERF_ASAN"
CTLBIN="$XDPERF"
LOAD="$REPO/tests/lib/udp_load.py"
MIN_SENT=20000
need_tools "wat2wasm (wabt)" python3
[ -x "$X" ] || { echo "FAILED: $X missing (make asan)"; exit 1; }
cd "$T" || exit 1
# a private copy of the ctl binary: a rebuild of build/ while the case runs cannot break it
for _ in $(seq 50); do cp "$CTLBIN" xdperf-ctl 2>/dev/null && [ -x xdperf-ctl ] && break; sleep 0.1; done
[ -x xdperf-ctl ] || { echo "FAILED: cannot copy $CTLBIN"; exit 1; }

# v1, v2, v3, v9: tagged.wasm with the 31-byte "@TAG@@@..." placeholder patched (NUL-padded)
wat2wasm --enable-all "$REPO/tests/protocols/tagged.wat" -o tagged.wasm || { echo "FAILED: wat2wasm"; exit 1; }
python3 - <<'EOF' || { echo "FAILED: patching the tag placeholder"; exit 1; }
b = open("tagged.wasm", "rb").read()
ph = b"@TAG@" + b"@" * 26
assert b.count(ph) == 1, "placeholder not found exactly once"
for t in ("v1", "v2", "v3", "v9"):
    open(t + ".wasm", "wb").write(b.replace(ph, t.encode().ljust(31, b"\0")))
EOF

ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" serve_start srv "$X" --listen udp://127.0.0.1:0 \
  --protocol tag=v1.wasm@v1 --admin 127.0.0.1:0 --workers 2 --interval 0
srv=${SERVE_PID[srv]}
serve_wait srv udp admin
uport=$(serve_port srv udp); aport=${ADMIN##*:}
echo "ok server up: udp port $uport, admin port $aport"

ctl() { "$T/xdperf-ctl" ctl --admin "127.0.0.1:$aport" "$@"; }
steps=0
step() { # ctl args...; every call must exit 0
  local out rc
  out=$(ctl "$@" 2>&1); rc=$?
  steps=$((steps + 1))
  if [ $rc -ne 0 ]; then
    echo "FAILED: ctl $* exited $rc: $out"; fail=1
  fi
  sleep 0.3
}
progress() { cat prog 2>/dev/null || echo "0 0"; }

# ---- phase 1: swaps under load ----------------------------------------------------------------
python3 "$LOAD" --target "127.0.0.1:$uport" --flows 64 --window 4 --min "$MIN_SENT" \
  --stop-file stop --max-seconds 60 --drain 3 --progress prog >load1.json 2>load1.err &
loadpid=$!
pids+=("$loadpid")
for _ in $(seq 100); do # wait until traffic flows
  read -r _s r < <(progress); [ "${r:-0}" -gt 0 ] && break; sleep 0.05
done
read -r s0 r0 < <(progress)
step upload tag v2 v2.wasm --test 10
step traffic tag v2 50
step promote tag v2
step upload tag v3 v3.wasm --test 30
step rollback tag
step traffic tag v3 40
step promote tag v3
step unload tag v2
step rollback tag
step test tag v3 20
step promote tag v3
step unload tag v1
read -r s1 r1 < <(progress)
touch stop
wait "$loadpid"; lrc=$?; loadpid=""
[ $lrc -eq 0 ] || { echo "FAILED: udp_load.py exited $lrc:"; cat load1.err; fail=1; }

# summary without the per-flow lists
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("flow_tags"); print("load:", json.dumps(d, sort_keys=True))' load1.json
check1=$(python3 - "$MIN_SENT" "$steps" <<'EOF'
import json, sys
d = json.load(open("load1.json"))
min_sent, steps = int(sys.argv[1]), int(sys.argv[2])
errs = []
if d["sent"] < min_sent: errs.append("sent %d < %d" % (d["sent"], min_sent))
if d["capped"]: errs.append("stopped by --max-seconds")
for k in ("lost", "duplicates", "bad", "send_errors", "recv_errors"):
    if d[k]: errs.append("%s = %d" % (k, d[k]))
if d["bad_samples"]: errs.append("bad replies: %s" % d["bad_samples"])
if d["replies"] != d["sent"]: errs.append("replies %d != sent %d" % (d["replies"], d["sent"]))
extra = set(d["tags"]) - {"v1", "v2", "v3"}
if extra: errs.append("unexpected tags %s" % sorted(extra))
for t in ("v2", "v3"):
    if d["tags"].get(t, 0) <= 0: errs.append("%s answered nothing (tags %s)" % (t, d["tags"]))
if d["max_tag_changes"] > steps:
    errs.append("a flow changed tags %d times, more than the %d ctl steps" % (d["max_tag_changes"], steps))
print("; ".join(errs) if errs else "OK %d" % d["sent"])
EOF
)
if [ "${check1%% *}" = OK ]; then
  echo "ok phase 1: ${check1#OK } requests over $steps ctl steps, none lost, duplicated or bad; v2 and v3 answered"
else
  echo "FAILED: phase 1: $check1"; fail=1
fi
if [ "$((r1 - r0))" -gt 1000 ]; then
  echo "ok replies kept flowing during the swaps ($((r1 - r0)) replies while ctl ran)"
else
  echo "FAILED: only $((r1 - r0)) replies during the swaps (progress $s0/$r0 -> $s1/$r1)"; fail=1
fi
if ! kill -0 "$srv" 2>/dev/null; then
  wait "$srv"; rc=$?; srv=""
  echo "FAILED: the server died during phase 1 (exit $rc); its stderr:"; tail -n 30 srv.err; exit 1
fi
sent1=$(python3 -c 'import json; print(json.load(open("load1.json"))["sent"])')

listeners_check() { # EXPECTED_SENT LABEL
  ctl --json listeners >lst.json 2>lst.err || { echo "FAILED: ctl --json listeners:"; cat lst.err; fail=1; return; }
  local r
  r=$(python3 - "$1" <<'EOF'
import json, sys
want = int(sys.argv[1])
ls = json.load(open("lst.json"))["listeners"]
if len(ls) != 1: print("want 1 listener, got %d" % len(ls)); sys.exit()
l = ls[0]
errs = []
if l["requests"] != want: errs.append("requests %d != sent %d" % (l["requests"], want))
if l["replies"] != want: errs.append("replies %d != sent %d" % (l["replies"], want))
for k in ("failed", "empty", "send_errors"):
    if l[k]: errs.append("%s = %d" % (k, l[k]))
print("; ".join(errs) if errs else "OK requests %d replies %d failed 0" % (l["requests"], l["replies"]))
EOF
)
  if [ "${r%% *}" = OK ]; then echo "ok listeners after $2: ${r#OK }"; else echo "FAILED: listeners after $2: $r"; fail=1; fi
}
listeners_check "$sent1" "phase 1"

# the registry ends with v3 active, v2 and v1 unloaded
if ctl --json list >list.json 2>list.err; then
  vs=$(python3 -c '
import json
d = json.load(open("list.json"))
def walk(o):
    if isinstance(o, dict):
        if "version" in o and "state" in o: yield o["version"], o["state"]
        for v in o.values(): yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
print(" ".join(sorted("%s=%s" % p for p in walk(d))))')
  [ "$vs" = "v3=active" ] && echo "ok registry after phase 1: $vs" ||
    { echo "FAILED: registry after phase 1: '$vs' (want v3=active)"; cat list.json; fail=1; }
else
  echo "FAILED: ctl --json list:"; cat list.err; fail=1
fi

# ---- phase 2: a canary at 0% answers nothing ---------------------------------------------------
steps=0
step upload tag v9 v9.wasm
step test tag v9 0
python3 "$LOAD" --target "127.0.0.1:$uport" --flows 64 --window 4 --count 5000 \
  --max-seconds 60 --drain 3 >load2.json 2>load2.err || { echo "FAILED: udp_load.py (phase 2):"; cat load2.err; fail=1; }
check2=$(python3 - <<'EOF'
import json
d = json.load(open("load2.json"))
errs = []
if d["sent"] != 5000: errs.append("sent %d != 5000" % d["sent"])
for k in ("lost", "duplicates", "bad", "send_errors", "recv_errors"):
    if d[k]: errs.append("%s = %d" % (k, d[k]))
if d["tags"].get("v9", 0): errs.append("v9 at 0%% answered %d" % d["tags"]["v9"])
if d["tags"] != {"v3": d["sent"]}: errs.append("tags %s (want all v3)" % d["tags"])
print("; ".join(errs) if errs else "OK %d" % d["sent"])
EOF
)
if [ "${check2%% *}" = OK ]; then
  echo "ok phase 2: v9 testing at 0%: ${check2#OK } requests on 64 new flows all answered by v3, none by v9"
else
  echo "FAILED: phase 2: $check2"; fail=1
fi
if ctl --json get tag v9 >v9.json 2>v9.err; then
  v9=$(python3 -c '
import json
d = json.load(open("v9.json"))
print("state=%s traffic=%s calls=%s" % (d.get("state"), d.get("traffic"), d.get("stats", {}).get("calls")))' 2>&1)
  [ "$v9" = "state=testing traffic=0.0 calls=0" ] && echo "ok v9 after phase 2: $v9" ||
    { echo "FAILED: v9 after phase 2: $v9 (want state=testing traffic=0.0 calls=0)"; cat v9.json; fail=1; }
else
  echo "FAILED: ctl --json get tag v9:"; cat v9.err; fail=1
fi
sent2=$((sent1 + 5000))
listeners_check "$sent2" "phase 2"

# ---- shutdown -----------------------------------------------------------------------------------
serve_stop srv 15
if [ -z "$SERVE_RC" ]; then bad "server still running 15 s after SIGTERM"
elif [ "$SERVE_RC" -eq 0 ]; then echo "ok server exited 0 on SIGTERM"
else bad "server exited $SERVE_RC on SIGTERM"; fi
if grep -Eq "^  udp://127\.0\.0\.1:$uport tag: $sent2 requests, $sent2 replies, 0 empty, 0 failed, 0 send errors" srv.out &&
   grep -q '^summary after ' srv.out; then
  echo "ok summary: $(grep "^  udp://" srv.out | sed 's/^ *//')"
else
  echo "FAILED: server summary (want $sent2 requests and replies):"; cat srv.out; fail=1
fi
if grep -Eq 'ERROR|runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer' srv.err; then
  echo "FAILED: server stderr has errors or a sanitizer report:"
  grep -E -A5 'ERROR|runtime error|Sanitizer' srv.err | head -n 40; fail=1
else
  echo "ok server stderr: no ERROR, no sanitizer report ($(wc -l <srv.err) lines)"
fi

[ $fail -eq 0 ] || { echo "--- server stderr (tail) ---"; tail -n 30 srv.err; exit 1; }
echo "serve_udp_swaps: all checks passed"
