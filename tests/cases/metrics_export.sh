#!/usr/bin/env bash
# Metrics export of generator and server runs (root; a veth pair):
#  - OTLP/HTTP: a generator run (--rx-device, a reflecting server) pushes to a receiver written
#    here every second and at the end; every push is OTLP JSON as docs/metrics.md maps it
#    (resource service.name xdperf, scope xdperf, sums xdperf.packets / xdperf.bytes /
#    xdperf.errors, cumulative and monotonic, attributes network.io.direction transmit and
#    receive and network.interface.name), values never go down, and the last push's transmit
#    and receive packets and bytes are the summary's exactly; a collector that answers 500 is a
#    warning line, not a failed run; with a collector that never answers SIGINT ends the run
#    within 1.5 s;
#  - Prometheus: Debian's prometheus scrapes the generator's --metrics endpoint (up = 1,
#    xdperf_packets_total with role, device and direction labels), and a scrape of the server's
#    endpoint after the traffic shows exactly what its summary counts; with 16 clients holding
#    half-sent requests (its connection limit) SIGINT still ends the server within 2 s;
#  - a taken --metrics port and a bad --otlp-endpoint are one line and exit 1 before sending.
set -uo pipefail
. "$REPO/tests/lib/netns.sh"
netns_need_root
command -v prometheus >/dev/null || { echo "prometheus (Debian package) is not installed"; exit 77; }
netns_pair_setup
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
printf '{"dst_mac":"%s","src_ip":"10.201.0.1","dst_ip":"10.201.0.2"}' "$MAC_B" >"$T/c.json"

# ---- OTLP ------------------------------------------------------------------------------------------
otlp_receiver() { # DIR STATUS: stores each POST body as DIR/N.json, answers STATUS
	ip netns exec "$NS_A" python3 - "$1" "$2" <<'PY' &
import http.server, os, sys
d, status = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        n = len(os.listdir(d))
        open(f"{d}/{n:04d}.json", "wb").write(body)
        open(f"{d}/{n:04d}.path", "w").write(self.path + " " + self.headers.get("Content-Type", ""))
        self.send_response(status)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 4318), H)
open(d + "/ready", "w").close() if False else None
s.serve_forever()
PY
	OTLP_PID=$!
	for _ in $(seq 100); do ip netns exec "$NS_A" bash -c 'echo > /dev/tcp/127.0.0.1/4318' 2>/dev/null && return 0; sleep 0.05; done
}
ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --port 5678 --reflect --duration 60 -q >/dev/null 2>&1 &
SRV=$!
for _ in $(seq 50); do ip -n "$NS_B" link show "$IF_B" | grep -q prog/xdp && break; sleep 0.1; done
otlp_receiver "$T/otlp" 200
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -t 2.5 -r 4000 --rx-device "$IF_A" \
	--otlp-endpoint http://127.0.0.1:4318 --json >"$T/g.json" 2>"$T/g.err" || bad "otlp run: exit $?: $(tail -n 2 "$T/g.err")"
kill $OTLP_PID 2>/dev/null; wait $OTLP_PID 2>/dev/null
python3 - "$T/otlp" "$T/g.json" "$IF_A" <<'PY' || fail=1
import glob, json, sys
d, gj, dev = sys.argv[1:4]
g = json.load(open(gj))
ok = True
def no(m):
    global ok
    ok = False
    print("FAIL: otlp: " + m)
files = sorted(glob.glob(d + "/*.json"))
if len(files) < 3: no(f"{len(files)} pushes, want one a second and one at the end (>= 3)")
prev = {}
last = None
for f in files:
    path = open(f[:-5] + ".path").read()
    if not path.startswith("/v1/metrics application/json"): no(f"pushed to {path}")
    doc = json.load(open(f))
    rm = doc["resourceMetrics"][0]
    attrs = {a["key"]: a["value"]["stringValue"] for a in rm["resource"]["attributes"]}
    if attrs.get("service.name") != "xdperf": no(f"resource {attrs}")
    sm = rm["scopeMetrics"][0]
    if sm["scope"]["name"] != "xdperf": no(f"scope {sm['scope']}")
    vals = {}
    for m in sm["metrics"]:
        s = m["sum"]
        if s["aggregationTemporality"] != 2 or s["isMonotonic"] is not True: no(f"{m['name']} is not a cumulative monotonic sum")
        for dp in s["dataPoints"]:
            a = {x["key"]: x["value"]["stringValue"] for x in dp["attributes"]}
            if a.get("network.interface.name") != dev: no(f"interface {a}")
            if int(dp["timeUnixNano"]) < int(dp["startTimeUnixNano"]): no("time before start")
            vals[(m["name"], a["network.io.direction"])] = int(dp["asInt"])
    for k, v in vals.items():
        if v < prev.get(k, 0): no(f"{k} went down: {prev[k]} -> {v}")
    prev, last = vals, vals
want = {("xdperf.packets", "transmit"): g["packets"], ("xdperf.bytes", "transmit"): g["bytes"],
        ("xdperf.errors", "transmit"): g["errors"],
        ("xdperf.packets", "receive"): g["rx"]["packets"], ("xdperf.bytes", "receive"): g["rx"]["bytes"]}
for k, v in want.items():
    if not last or last.get(k) != v: no(f"last push {k} = {last.get(k) if last else None}, the summary says {v}")
print(f"otlp: {len(files)} pushes, last {last}" + ("" if ok else "  FAIL"))
sys.exit(0 if ok else 1)
PY
otlp_receiver "$T/otlp500" 500
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 1000 --otlp-endpoint http://127.0.0.1:4318/ \
	-q >/dev/null 2>"$T/g500.err" || bad "a collector answering 500 failed the run: $(cat "$T/g500.err")"
kill $OTLP_PID 2>/dev/null; wait $OTLP_PID 2>/dev/null
grep -q "^xdperf: warning: [0-9]* OTLP push.* failed; the first: OTLP push to http://127.0.0.1:4318/v1/metrics: the collector answered an error (HTTP 500)$" "$T/g500.err" &&
	echo "ok a collector answering 500: one warning" || bad "collector 500: $(cat "$T/g500.err")"
# a collector that takes the connection and never answers: SIGINT ends the run within 1.5 s
# (the push under way is given up, the last one has 0.6 s), with the warning line
ip netns exec "$NS_A" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 4318)); s.listen(64)
print("up", flush=True)
cs = []
while True:
    c, _ = s.accept(); cs.append(c)' >"$T/mute" 2>&1 &
MUTE=$!
for _ in $(seq 50); do grep -q up "$T/mute" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -r 1000 \
	--otlp-endpoint http://127.0.0.1:4318 -q >/dev/null 2>"$T/gmute.err" &
GM=$!
sleep 2.5
t0=$(date +%s%N)
kill -INT $GM; wait $GM
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
kill $MUTE 2>/dev/null; wait $MUTE 2>/dev/null
[ "$rc" = 0 ] && [ "$ms" -lt 1500 ] && grep -q "^xdperf: warning: [0-9]* OTLP push.* failed" "$T/gmute.err" &&
	echo "ok SIGINT with a collector that never answers: the run ended in $ms ms" ||
	bad "SIGINT with a collector that never answers: exit $rc after $ms ms: $(cat "$T/gmute.err")"
kill -INT $SRV; wait $SRV 2>/dev/null

# ---- Prometheus --------------------------------------------------------------------------------------
cat >"$T/prom.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: xdperf
    static_configs: [ { targets: ["127.0.0.1:9464"] } ]
EOF
ip netns exec "$NS_B" "$XDPERF" --server -d "$IF_B" --port 5678 --metrics 127.0.0.1:9465 --duration 60 -q \
	--json >"$T/s.json" 2>"$T/s.err" &
SRV=$!
for _ in $(seq 50); do ip -n "$NS_B" link show "$IF_B" | grep -q prog/xdp && break; sleep 0.1; done
ip netns exec "$NS_A" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address=127.0.0.1:9090 >"$T/prom.log" 2>&1 &
PROM=$!
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 0 -t 60 -r 2000 \
	--metrics 127.0.0.1:9464 --json >"$T/p.json" 2>"$T/p.err" &
GEN=$!
q() { ip netns exec "$NS_A" curl -s "http://127.0.0.1:9090/api/v1/query" --data-urlencode "query=$1"; }
# until prometheus has scraped the run twice (it starts in a few seconds; at most 40 s)
for _ in $(seq 400); do
	q 'count_over_time(xdperf_packets_total{role="generator"}[1m])' >"$T/n.json" 2>/dev/null
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["result"]; sys.exit(0 if r and float(r[0]["value"][1]) >= 2 else 1)' \
		"$T/n.json" 2>/dev/null && break
	sleep 0.1
done
q 'up{job="xdperf"}' >"$T/up.json"
q 'xdperf_packets_total{role="generator",direction="transmit"}' >"$T/pk.json"
ip netns exec "$NS_A" curl -s http://127.0.0.1:9464/metrics >"$T/gen.metrics"
kill -INT $GEN; wait $GEN || bad "prometheus run: exit $?"
kill $PROM; wait $PROM 2>/dev/null
python3 - "$T/up.json" "$T/pk.json" "$T/p.json" "$IF_A" <<'PY' || fail=1
import json, sys
up, pk, g = (json.load(open(f)) for f in sys.argv[1:4])
ok = True
r = up["data"]["result"]
if not r or r[0]["value"][1] != "1": ok = False; print(f"FAIL: prometheus: up = {r}")
r = pk["data"]["result"]
if not r: ok = False; print("FAIL: prometheus has no xdperf_packets_total")
else:
    v, lab = int(float(r[0]["value"][1])), r[0]["metric"]
    if not 0 < v <= g["packets"]: ok = False; print(f"FAIL: prometheus: {v} packets scraped, the run sent {g['packets']}")
    if lab.get("device") != sys.argv[4]: ok = False; print(f"FAIL: labels {lab}")
    print(f"prometheus scraped xdperf_packets_total = {v} (the run sent {g['packets']}), labels {lab}")
sys.exit(0 if ok else 1)
PY
grep -q '^# TYPE xdperf_packets_total counter$' "$T/gen.metrics" &&
	grep -q "^xdperf_bytes_total{role=\"generator\",device=\"$IF_A\",direction=\"transmit\"} [0-9]*$" "$T/gen.metrics" ||
	bad "the generator's /metrics text: $(head -n 5 "$T/gen.metrics")"
# the server's endpoint, after the traffic: what its summary will say
sleep 0.5
ip netns exec "$NS_B" curl -s http://127.0.0.1:9465/metrics >"$T/srv.metrics"
# 16 clients that send half a request and wait (the endpoint's connection limit): the stop
# still ends the server within 2 s (it waited out their 10 s timeout)
ip netns exec "$NS_B" python3 -c 'import socket, time
cs = []
for i in range(16):
    c = socket.create_connection(("127.0.0.1", 9465)); c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n"); cs.append(c)
print("held", flush=True)
time.sleep(30)' >"$T/half" 2>&1 &
HALF=$!
for _ in $(seq 50); do grep -q held "$T/half" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
t0=$(date +%s%N)
kill -INT $SRV; wait $SRV 2>/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
kill $HALF 2>/dev/null; wait $HALF 2>/dev/null
grep -q held "$T/half" && [ "$ms" -lt 2000 ] && echo "ok SIGINT with 16 half-sent requests held on /metrics: the server ended in $ms ms" ||
	bad "SIGINT with 16 half-sent requests held on /metrics: ended after $ms ms ($(cat "$T/half"))"
got=$(sed -n "s/^xdperf_packets_total{role=\"server\",device=\"$IF_B\",direction=\"receive\"} //p" "$T/srv.metrics")
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$T/s.json")
[ -n "$got" ] && [ "$got" = "$want" ] && echo "ok the server's /metrics: $got packets, as its summary" ||
	bad "the server's /metrics says '$got' packets, its summary $want"

# ---- errors ------------------------------------------------------------------------------------------
# the port held by another listener (SO_REUSEADDR: a connection of an earlier part of the run
# in TIME_WAIT there does not keep it from listening)
ip netns exec "$NS_A" python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 9470)); s.listen(); print("up", flush=True); time.sleep(30)' >"$T/hold" &
HOLD=$!
for _ in $(seq 50); do grep -q up "$T/hold" 2>/dev/null && break; sleep 0.1; done
grep -q up "$T/hold" || bad "could not listen on 127.0.0.1:9470 to hold it"
for args in "--metrics 127.0.0.1:9470" "--otlp-endpoint ftp://x" "--metrics nonsense"; do
	# shellcheck disable=SC2086
	if ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/c.json" -d "$IF_A" -c 10 $args >/dev/null 2>"$T/e"; then
		bad "$args accepted"
	elif [ "$(wc -l <"$T/e")" = 1 ]; then echo "ok $args: $(cat "$T/e")"
	else bad "$args: $(cat "$T/e")"; fi
done
kill $HOLD 2>/dev/null; wait $HOLD 2>/dev/null
[ $fail = 0 ] && echo "metrics export: OTLP pushes and Prometheus scrapes as the runs count"
exit $fail
