#!/usr/bin/env bash
# --report FILE.html (docs/reports.md): self-contained HTML reports, checked in headless
# Chromium (Debian's chromium, in a network namespace of its own: it can fetch nothing).
#  - the renderer alone (tests/unit/report_test.c, ASan/UBSan): odd names (<script>, quotes,
#    UTF-8, a control character, invalid UTF-8) escaped in HTML, SVG and the embedded JSON,
#    empty and missing parts, refused documents, the ndr table/curve/steps, the server's
#    latency histogram buckets against their samples; its odd-name page loads in Chromium with
#    no console message and the title in the DOM is the odd text itself (no markup got
#    through); its ndr page has the 7-point throughput curve and 21 step rows;
#  - root, a veth pair in namespaces: `xdperf --server --stamp --control --json-stream --report`
#    and a stamped generator run (both ASan/UBSan builds) (-l 2, two templates, --rate 2000 -t 3, --server-addr,
#    --json-stream, --report). Each page: nothing external (no http(s):// anywhere, no src=,
#    only #section and the data: icon in href), loads with no console message, and the DOM
#    after load has the charts with the series and point counts of the run, each series'
#    drawing (bars, markers, polyline vertices) agreeing with its data-points:
#      generator: rate "all streams tx" = one point per --json-stream interval object, loss bars
#      and latency lines = the streams the server reported (2 threads x 2 templates), 5
#      percentile points each, CDF steps = the server's histogram buckets per stream (from its
#      own --json report), per-stream sent = the generator's, received = the server's;
#      server: "all frames rx" = one point per its --json-stream interval object, the frames
#      of the series = its end object's packets, a loss-over-time line per stream;
#    screenshots written to the test's directory and kept in build/test-artifacts/report_html/;
#  - an unwritable --report fails before anything runs, with one line (generator and server);
#  - a generator stopped by SIGINT still writes its report (its series' frames = what it sent).
set -uo pipefail
cd "$REPO" || exit 1
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
ART="$REPO/build/test-artifacts/report_html"
mkdir -p "$ART"
DOM="python3 $REPO/tests/lib/report_dom.py"
. "$REPO/tests/lib/browser.sh"
. "$REPO/tests/lib/netns.sh"
netns_need_root
browser_need

# ---- the renderer alone ------------------------------------------------------------------------
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
asan_build "$T/report_test" -I. -Wall -Wextra -Werror src/cli/report_params.c tests/unit/report_test.c ||
	{ echo "FAILED: cannot build tests/unit/report_test.c"; exit 1; }
mkdir -p "$T/unit"
if out=$(ASAN_OPTIONS=detect_leaks=1 "$T/report_test" "$T/unit" 2>&1) && grep -q ', 0 failed' <<<"$out"; then
	ok "$(grep 'report_test:' <<<"$out")"
else
	no "report_test: $(tail -n 20 <<<"$out")"
fi
if r=$(browser_load "$T/unit/odd.html" "$T/odd"); then
	[ -s "$T/odd.console" ] && no "odd.html: console: $(head -n 3 "$T/odd.console")"
	if j=$($DOM "$T/odd.dom" 2>&1); then
		python3 - "$j" <<'PY' || no "odd.html DOM: $j"
import json, sys
d = json.loads(sys.argv[1])
evil = "<script>alert(1)</script> \"q\" 'a' & é 流量 ✓"
assert d["title"] == evil, d["title"]
assert d["charts"]["rate"] == {evil + " tx": 5, evil + " rx": 5}, d["charts"]["rate"]
PY
		ok "odd names: the DOM's title is the odd text itself, rate series named by it (5 points)"
	else
		no "odd.html: $j"
	fi
else
	no "$r"
fi
if r=$(browser_load "$T/unit/ndr.html" "$T/ndr"); then
	[ -s "$T/ndr.console" ] && no "ndr.html: console: $(head -n 3 "$T/ndr.console")"
	j=$($DOM "$T/ndr.dom") && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["charts"]["ndr"] == {"throughput": 7, "line rate": 7}, d
assert d["tables"]["ndr"] == 7 and d["tables"]["ndr_steps"] == 21, d' "$j" &&
		ok "ndr page: 7-point curve and line rate, 7 results, 21 steps" || no "ndr.html DOM: $j"
else
	no "$r"
fi

# ---- a run and a server -------------------------------------------------------------------------
export NETNS_QUEUES=1
set -e
netns_pair_setup
set +e
python3 tests/lib/mkframes.py --lens 100,200 >"$T/t.json"   # UDP to port 5000

# unwritable paths: one line, nothing runs
for cmd in gen srv; do
	if [ $cmd = gen ]; then
		ip netns exec "$NS_A" "$XDPERF" --templates "$T/t.json" -d "$IF_A" -c 10 \
			--report /nonexistent-dir/r.html >"$T/bad.out" 2>"$T/bad.err"
	else
		ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" -t 1 --report /nonexistent-dir/r.html \
			>"$T/bad.out" 2>"$T/bad.err"
	fi
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] &&
	   grep -q '^xdperf: --report /nonexistent-dir/r.html: cannot write it: No such file or directory$' "$T/bad.err"; then
		ok "$cmd: unwritable --report: exit 1, one line"
	else
		no "$cmd: unwritable --report: exit $rc: $(cat "$T/bad.err")"
	fi
done

ip netns exec "$NS_B" "$XDPERF_ASAN" --server -d "$IF_B" --port 5000 --stamp --control 10.201.0.2:7000 -q \
	--json-stream --report "$T/server.html" >"$T/srv.out" 2>"$T/srv.err" &
SRV=$!
wait_line "$T/srv.err" '^xdperf: server on' $SRV 15 || { echo "server did not start: $(cat "$T/srv.err")"; exit 1; }
ip netns exec "$NS_A" "$XDPERF_ASAN" --templates "$T/t.json" -d "$IF_A" -l 2 --rate 2000 -t 3 --stamp \
	--server-addr 10.201.0.2:7000 -q --json-stream --report "$T/run.html" >"$T/gen.out" 2>"$T/gen.err" ||
	no "generator: exit $?: $(cat "$T/gen.err")"
sleep 1.2   # one more interval at the server with nothing arriving
kill -INT $SRV
wait $SRV || no "server: exit $?: $(cat "$T/srv.err")"
grep -q "^xdperf: report written to $T/server.html\$" "$T/srv.err" || no "server: no 'report written' line"

# the server's own account (its --json-stream end object) is what the pages are checked against
for page in run server; do
	f="$T/$page.html"
	[ -s "$f" ] || { no "$page: no report"; continue; }
	hrefs=$(grep -oiE 'href="[^"]*"' "$f")
	if grep -qiE 'https?://' "$f" || grep -qiE '\ssrc\s*=' "$f" ||
	   { [ -n "$hrefs" ] && grep -qvE '^href="(#[a-z_]+|data:,)"$' <<<"$hrefs"; }; then
		no "$page: refers to something outside the file: $(grep -oiE '(https?://|src=|href=)[^ >]{0,40}' "$f" | head -n 3)"
	else
		ok "$page: nothing external ($(wc -c <"$f") bytes)"
	fi
	if ! r=$(browser_load "$f" "$T/$page"); then
		no "$r"
		continue
	fi
	[ -s "$T/$page.console" ] && no "$page: console messages: $(head -n 3 "$T/$page.console")"
	cp "$T/$page.png" "$ART/$page.png"
	echo "screenshot: $T/$page.png (kept as $ART/$page.png)"
	$DOM "$T/$page.dom" >"$T/$page.json" 2>"$T/$page.domerr" || no "$page: $(cat "$T/$page.domerr")"
done

python3 - "$T" <<'PY' || fail=1
import json, re, sys
T = sys.argv[1]
bad = []
def want(c, m):
    print(("ok: " if c else "FAIL: ") + m)
    if not c:
        bad.append(m)
def events(f):
    ev = [json.loads(l) for l in open(f) if l.startswith("{")]
    return [e["data"] for e in ev if e["event"] == "interval"], [e["data"] for e in ev if e["event"] == "end"][0]
def embedded(page):
    h = open(f"{T}/{page}.html", encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="xdperf-report-data">(.*?)</script>', h, re.S)
    return json.loads(m.group(1))
giv, gend = events(f"{T}/gen.out")
siv, send = events(f"{T}/srv.out")
srv = gend["server"]  # the server's report as the generator fetched it (its own JSON)
sstreams = srv["streams"]
want(len(sstreams) == 4, f"the server saw {len(sstreams)} streams (2 threads x 2 templates)")
hist_pts = {}
for s in sstreams:
    h = s["latency"].get("hist", {})
    hist_pts[(s["thread"], s["template"])] = sum(1 for le in h.get("le_ns", []) if le > 0)
    want(sum(h.get("count", [])) == s["latency"]["count"], f"stream {s['stream']}: histogram buckets hold its {s['latency']['count']} samples")

# the run's page
run = json.load(open(f"{T}/run.json"))
c = run["charts"]
want(c["rate"] == {"all streams tx": len(giv)}, f"run rate: one point per interval object ({len(giv)}): {c['rate']}")
want(len(c["loss"]) == 1 and c["loss"]["lost"] == len(sstreams), f"run loss: {c['loss']} bars = {len(sstreams)} streams")
want(len(c["latency"]) == len(sstreams) and all(v == 5 for v in c["latency"].values()), f"run latency: {len(sstreams)} lines of 5 percentiles: {c['latency']}")
want(c["latency_cdf"] == {f"thread {t} template {k}": n for (t, k), n in hist_pts.items()},
     f"run CDF: steps = the server's buckets per stream {sorted(hist_pts.values())}")
doc = embedded("run")
ser = doc["streams"][0]["series"]
want(sum(ser["tx_packets"]) == gend["packets"], f"run series frames {sum(ser['tx_packets'])} = sent {gend['packets']}")
byid = {(s["thread"], s["template"]): s for s in sstreams}
per = {s["name"]: s for s in doc["streams"][1:]}
okr = all(per[f"thread {t} template {k}"]["received"] == s["unique"] and per[f"thread {t} template {k}"]["lost"] ==
          per[f"thread {t} template {k}"]["sent"] - s["unique"] for (t, k), s in byid.items())
want(okr, "run: each stream's received = the server's distinct frames, lost = sent - received")
want(sum(p["sent"] for p in per.values()) == gend["packets"] == send["packets"],
     f"run: streams sent {sum(p['sent'] for p in per.values())} = generator {gend['packets']} = server counted {send['packets']}")
want(run["tables"]["streams"] == 5 and run["tables"]["latency"] == 5, f"run tables: {run['tables']}")
want(all(k in doc["params"] for k in ("command", "version", "host", "kernel", "templates_sha256", "run_id")),
     f"run params: {sorted(doc['params'])}")

# the server's page
sp = json.load(open(f"{T}/server.json"))
c = sp["charts"]
want(c["rate"].get("all frames rx") == len(siv), f"server rate: 'all frames rx' one point per interval object ({len(siv)}): {c['rate'].get('all frames rx')}")
want(len(c["rate"]) == 1 + len(sstreams), f"server rate: all frames and {len(sstreams)} streams: {len(c['rate'])} series")
want(c["loss"] == {"lost": len(sstreams)} and len(c["loss_time"]) == len(sstreams), f"server loss: {c['loss']}, {len(c['loss_time'])} lines over time")
want(len(c["latency"]) == len(sstreams) and len(c["latency_cdf"]) == len(sstreams), "server latency: a line per stream")
doc = embedded("server")
want(sum(doc["streams"][0]["series"]["rx_packets"]) == send["packets"],
     f"server series frames {sum(doc['streams'][0]['series']['rx_packets'])} = its end object's packets {send['packets']}")
sys.exit(1 if bad else 0)
PY
# stopped by SIGINT: the summary's figures still make a report
ip netns exec "$NS_A" "$XDPERF" --templates "$T/t.json" -d "$IF_A" --rate 1000 -c 0 --json-stream \
	--report "$T/stop.html" >"$T/stop.out" 2>"$T/stop.err" &
GEN=$!
for i in $(seq 200); do [ "$(grep -c '"interval"' "$T/stop.out")" -ge 2 ] && break; sleep 0.05; done
kill -INT $GEN
wait $GEN; rc=$?
if [ $rc = 0 ] && grep -q "^xdperf: report written to $T/stop.html\$" "$T/stop.err" &&
   python3 - "$T/stop.html" "$T/stop.out" <<'PY'
import json, re, sys
h = open(sys.argv[1], encoding="utf-8").read()
doc = json.loads(re.search(r'id="xdperf-report-data">(.*?)</script>', h, re.S).group(1))
end = [json.loads(l)["data"] for l in open(sys.argv[2]) if '"event":"end"' in l][0]
ser = doc["streams"][0]["series"]
assert end["stopped"] and sum(ser["tx_packets"]) == end["packets"] == doc["streams"][0]["sent"], (end, ser)
PY
then
	echo "ok: SIGINT: exit 0, the report written with what was sent"
else
	no "SIGINT: exit $rc: $(tail -n 3 "$T/stop.err")"
fi

[ $fail = 0 ] && echo "report_html: all checks passed"
exit $fail
