#!/usr/bin/env bash
# The admin API's Prometheus metrics (GET /metrics, `xdperf ctl metrics`), checked with the strict
# text-format 0.0.4 checker tests/lib/promcheck.py.
# Checker: rejects (exit 1, naming the line) a bad metric name, a bad label name, an unquoted or
# badly escaped label value, a value that is no float, a bad timestamp, an unknown TYPE, TYPE twice,
# TYPE after the family's samples, a family split in two runs, a duplicate sample, a counter
# sample not named *_total, a free-form comment, a blank line and a missing final newline; accepts
# a good exposition (NaN, +Inf, -Inf, exponent, timestamp, escapes, histogram, summary) and
# --get prints a sample's value (exit 1 for an absent one).
# Server (ASan build, dns.wasm on udp, 1 worker) after 5 dig queries: /metrics answers 200 with
# Content-Type "text/plain; version=0.0.4...", curl and ctl give the same families and pass the
# checker; xdperf_version_calls_total{dns,1} = 5, xdperf_listener_requests_total = 5 (and
# replies 5), xdperf_module_counter_total{dns,1,dns_queries_total} = 5 (dns.c reports its running
# count after each answer), xdperf_module_metric_reports_total = 5, version_info of dns@1 has
# state="active". (Several workers: tests/cases/module_metrics.sh.)
# After dns@2 is uploaded for testing, set to 100% (which promotes it) and gets 1 query, unloading the no longer active dns@1
# removes every series with protocol="dns",version="1" (module metric included) while dns@2's
# stay (module counter 1); the output still passes the checker. The server logs no sanitizer error.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO"
need_tools python3 dig curl
PC="python3 $REPO/tests/lib/promcheck.py"
PM=build/protocols

# ---- the checker itself ------------------------------------------------------------------------
reject() { # name want-line text
  local out rc
  out=$(printf '%s' "$3" | $PC 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -q "line $2:" <<<"$out"; then echo "ok promcheck rejects $1 ($out)"
  else bad "promcheck accepts $1 or names the wrong line (exit $rc, want line $2): $out"; fi
}
reject "a bad metric name" 3 $'# TYPE a gauge\na 1\n1abc 2\n'
reject "a bad label name" 1 $'a{1x="v"} 1\n'
reject "an unquoted label value" 1 $'a{x=v} 1\n'
reject "a bad escape in a label value" 2 $'a{x="ok\\n"} 1\nb{x="\\t"} 1\n'
reject "a label given twice" 1 $'a{x="1",x="2"} 1\n'
reject "a value that is no float" 1 $'a{x="1"} abc\n'
reject "a missing value" 1 $'a{x="1"}\n'
reject "a bad timestamp" 1 $'a 1 1.5\n'
reject "an unknown TYPE" 1 $'# TYPE a countr\na 1\n'
reject "TYPE twice" 3 $'# TYPE a gauge\na 1\n# TYPE a gauge\n'
reject "TYPE after the samples" 2 $'a 1\n# TYPE a gauge\n'
reject "a family in two runs" 3 $'a{x="1"} 1\nb 1\na{x="2"} 1\n'
reject "a family in two runs (metadata between)" 4 $'# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\na{x="2"} 1\n'
reject "a duplicate sample" 3 $'# TYPE a gauge\na{x="1",y="2"} 1\na{y="2",x="1"} 2\n'
reject "a counter not named *_total" 2 $'# TYPE reqs counter\nreqs 1\n'
reject "a free-form comment" 1 $'# hello\na 1\n'
reject "a blank line" 2 $'a 1\n\nb 1\n'
reject "a missing final newline" 1 'a 1'
reject "+NaN" 1 $'a +NaN\n'
good=$'# HELP a_total Things \\\\ counted\\nso far.\n# TYPE a_total counter\na_total{k="x\\"y\\\\z\\n"} 1e3 1700000000000\na_total{k="2"} +Inf\n# TYPE g gauge\ng NaN\ng{l="-"} -Inf\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n# TYPE s summary\ns{quantile="0.5"} .5\ns_sum 0x1p-2\ns_count 4\nu:x_y 1.\n'
if out=$(printf '%s' "$good" | $PC 2>&1); then echo "ok promcheck accepts a good exposition"
else bad "promcheck rejects a good exposition: $out"; fi
v=$(printf '%s' "$good" | $PC --get 'a_total{k="x\"y\\z\n"}' 2>&1)
[ "$v" = 1e3 ] && echo "ok promcheck --get prints a value" || bad "promcheck --get: got '$v', want 1e3"
printf '%s' "$good" | $PC --get 'a_total{k="3"}' >/dev/null 2>&1 && bad "promcheck --get of an absent sample exits 0" ||
  echo "ok promcheck --get of an absent sample exits 1"

# ---- the server ---------------------------------------------------------------------------------
serve_start serve "$XDPERF_ASAN" --listen udp://127.0.0.1:0/dns --protocol dns=$PM/dns.wasm@1 \
  --admin 127.0.0.1:0 --interval 0
serve_wait serve admin udp
PORT=$(serve_port serve udp)
CTL=("$XDPERF" ctl --admin "$ADMIN")

for i in 1 2 3 4 5; do
  a=$(dig @127.0.0.1 -p "$PORT" a.example.test +short +tries=1 +time=2 2>&1)
  [ -n "$a" ] || bad "dig query $i got no answer"
done

curl -s -D "$T/m.hdr" -o "$T/m.txt" "http://$ADMIN/metrics"
st=$(head -n 1 "$T/m.hdr" | tr -d '\r' | cut -d' ' -f2)
ct=$(grep -i '^content-type:' "$T/m.hdr" | tr -d '\r' | sed 's/^[^:]*: *//')
[ "$st" = 200 ] && echo "ok GET /metrics -> 200" || bad "GET /metrics -> $st"
case "$ct" in "text/plain; version=0.0.4"*) echo "ok Content-Type: $ct" ;; *) bad "Content-Type: '$ct'" ;; esac
if out=$($PC <"$T/m.txt" 2>&1); then echo "ok /metrics (curl) passes promcheck ($(wc -l <"$T/m.txt") lines)"
else bad "/metrics (curl) fails promcheck: $out"; fi
"${CTL[@]}" metrics >"$T/c.txt" 2>"$T/c.err"; rc=$?
[ $rc -eq 0 ] || bad "ctl metrics exit $rc: $(cat "$T/c.err")"
if out=$($PC <"$T/c.txt" 2>&1); then echo "ok ctl metrics passes promcheck"; else bad "ctl metrics fails promcheck: $out"; fi
# same families and samples (values such as idle seconds and latencies move between the two)
fams() { grep -v '^#' "$1" | sed 's/[ ][^ ]*$//' | sort; }
[ "$(fams "$T/m.txt")" = "$(fams "$T/c.txt")" ] && echo "ok curl and ctl metrics have the same series" ||
  { bad "curl and ctl metrics differ:"; diff <(fams "$T/m.txt") <(fams "$T/c.txt") | head; }

val() { $PC --get "$1" <"$T/m.txt" 2>&1; }
expect() { # sample want
  local got; got=$(val "$1")
  [ "$got" = "$2" ] && echo "ok $1 = $2" || bad "$1 = '$got', want $2"
}
L="listener=\"udp://127.0.0.1:$PORT\",protocol=\"dns\""
expect 'xdperf_version_calls_total{protocol="dns",version="1"}' 5
expect 'xdperf_version_errors_total{protocol="dns",version="1"}' 0
expect "xdperf_listener_requests_total{$L}" 5
expect "xdperf_listener_replies_total{$L}" 5
expect 'xdperf_module_counter_total{protocol="dns",version="1",metric="dns_queries_total"}' 5
expect 'xdperf_module_metric_reports_total{protocol="dns",version="1",metric="dns_queries_total"}' 5
info=$(grep '^xdperf_version_info{protocol="dns",version="1",' "$T/m.txt")
grep -q 'state="active"' <<<"$info" && echo "ok version_info of dns@1 has state=\"active\"" ||
  bad "version_info of dns@1: '$info'"

# a new version takes over, the old one is unloaded: its series go
"${CTL[@]}" upload dns 2 $PM/dns.wasm --test >/dev/null 2>"$T/u.err" || bad "ctl upload dns 2 --test: $(cat "$T/u.err")"
"${CTL[@]}" traffic dns 2 100 >/dev/null 2>"$T/p.err" || bad "ctl traffic dns 2 100: $(cat "$T/p.err")"
a=$(dig @127.0.0.1 -p "$PORT" b.example.test +short +tries=1 +time=2 2>&1)
[ -n "$a" ] || bad "dig query to dns@2 got no answer"
st1=$("${CTL[@]}" --json get dns 1 2>&1 | jq -r .state)
[ "$st1" != active ] || bad "dns@1 is still active after promoting dns@2"
"${CTL[@]}" unload dns 1 >/dev/null 2>"$T/d.err" || bad "ctl unload dns 1 ($st1): $(cat "$T/d.err")"
curl -s -o "$T/m2.txt" "http://$ADMIN/metrics"
if out=$($PC <"$T/m2.txt" 2>&1); then echo "ok /metrics after the unload passes promcheck"
else bad "/metrics after the unload fails promcheck: $out"; fi
left=$(grep -c 'protocol="dns",version="1"' "$T/m2.txt")
[ "$left" -eq 0 ] && echo "ok no series of the unloaded dns@1 remain" ||
  { bad "$left series of the unloaded dns@1 remain:"; grep 'protocol="dns",version="1"' "$T/m2.txt" | head -n 5; }
cp "$T/m2.txt" "$T/m.txt"
expect 'xdperf_version_calls_total{protocol="dns",version="2"}' 1
expect 'xdperf_module_counter_total{protocol="dns",version="2",metric="dns_queries_total"}' 1
expect "xdperf_listener_requests_total{$L}" 6
grep -q '^xdperf_version_info{protocol="dns",version="2",.*state="active"' "$T/m2.txt" &&
  echo "ok version_info of dns@2 has state=\"active\"" || bad "no active version_info for dns@2"

kill -0 "${pids[0]}" 2>/dev/null || bad "the server died: $(tail -n 5 "$T/serve.err")"
if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$T/serve.err"; then
  bad "sanitizer report in the server's stderr:"; grep -E -A3 'runtime error|Sanitizer' "$T/serve.err" | head -n 10
fi
[ $fail -eq 0 ] || { echo "--- server stderr (tail)"; tail -n 15 "$T/serve.err"; exit 1; }
echo "admin_metrics: all checks passed"
