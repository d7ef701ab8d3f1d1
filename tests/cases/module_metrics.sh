#!/usr/bin/env bash
# Module metrics from several workers in /metrics (docs/protocol-modules.md, "Metrics"): a name
# ending in _total is a counter, one series summed over workers and instances; any other name is
# a gauge per worker.
# Server (ASan build, --workers 2, dns.wasm and kv.wasm on UDP, every flow its own socket from
# tests/lib/modclient.py):
#  - dns: queries in batches of 20 until dns@1 has 2 instances (both workers answered; at most
#    400): xdperf_module_counter_total{dns,1,dns_queries_total} = the N queries answered, exactly,
#    as are its reports and xdperf_version_calls_total; no gauge for it;
#  - kv: flows grouped by the store they see (two workers, A and B keys set, A != B):
#    each group's COUNT answer equals its keys, and the gauges kv_keys{worker="0"} and {worker="1"}
#    are exactly those two numbers; reports = A + B; no counter for it;
#  - a counter across instances: dns@2 takes over (traffic 100), dns@1 drains (deprecated, 0
#    instances) and its counter stays N; 10 queries to dns@2 (its counter 10), rollback, 10 more
#    queries: dns@1's new instances count from 0 and its counter is N + 10, dns@2's stays 10;
#  - a gauge ends with its instance: kv@2 takes over, kv@1 drains: no kv@1 gauge remains (its
#    report count does);
#  - a second server with --shared kv: 20 SETs from 20 flows give kv_keys{worker="shared"} = 20
#    and no numbered worker's gauge.
# Every /metrics passes tests/lib/promcheck.py; no sanitizer report.
# First the store alone (tests/unit/metric_store_test.c, ASan/UBSan): the rule with chosen workers
# and instances, the series limit and unloaded versions.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
# shellcheck source=tests/lib/asan_build.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/asan_build.sh"
cd "$REPO"
need_tools python3 curl jq
need_built "$XDPERF_ASAN" build/protocols/dns.wasm build/protocols/kv.wasm
PC="python3 $REPO/tests/lib/promcheck.py"
MC="python3 $REPO/tests/lib/modclient.py"
PM=build/protocols

# ---- the store alone ------------------------------------------------------------------------------
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I. -Wall -Wextra -Werror -O2 -c tests/unit/metric_store_test.c -o /dev/null &&
  asan_build "$T/metric_store_test" -I. tests/unit/metric_store_test.c ||
  { echo "FAILED: cannot build tests/unit/metric_store_test.c"; exit 1; }
if out=$(ASAN_OPTIONS=detect_leaks=1 "$T/metric_store_test" 2>&1) && grep -q ', 0 failed' <<<"$out"; then
  echo "ok $(grep 'metric_store_test:' <<<"$out")"
else
  bad "metric_store_test:"; echo "$out" | tail -n 20
fi

serve_start serve "$XDPERF_ASAN" --workers 2 --listen udp://127.0.0.1:0/dns --protocol dns=$PM/dns.wasm@1 \
  --listen udp://127.0.0.1:0/kv --protocol kv=$PM/kv.wasm@1 --admin 127.0.0.1:0 --interval 0
serve_wait serve admin udp:dns udp:kv
DNS=$(serve_port serve udp dns)
KV=$(serve_port serve udp kv)
CTL=("$XDPERF" ctl --admin "$ADMIN")

M="$T/m.txt"
scrape() { # [what]: /metrics into $M, checked
  local out
  curl -s -o "$M" "http://$ADMIN/metrics" || { bad "GET /metrics failed"; return 1; }
  out=$($PC <"$M" 2>&1) || bad "/metrics ${1:-} fails promcheck: $out"
}
val() { $PC --get "$1" <"$M" 2>/dev/null; }
expect() { # sample want
  local got; got=$(val "$1")
  [ "$got" = "$2" ] && echo "ok $1 = $2" || bad "$1 = '$got', want $2"
}
state_of() { "${CTL[@]}" --json get "$1" "$2" 2>/dev/null | jq -r .state; }
wait_state() { # id version state: polls for at most 20 s (the server drains once a second)
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(state_of "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  bad "$1@$2 did not become $3 (state $(state_of "$1" "$2"))"
  return 1
}

# ---- dns: a counter summed over both workers ---------------------------------------------------
n=0 inst=0
for ((b = 0; b < 20; b++)); do
  a=$($MC dns "$DNS" 20) || bad "dns batch $b: only $a of 20 queries answered"
  n=$((n + a))
  scrape "during the dns batches"
  inst=$(val 'xdperf_version_instances{protocol="dns",version="1"}')
  [ "$inst" = 2 ] && break
done
[ "$inst" = 2 ] && echo "ok both workers answered dns queries (2 instances of dns@1 after $n queries)" ||
  bad "dns@1 has '$inst' instances after $n queries: the second worker never answered"
QD='{protocol="dns",version="1",metric="dns_queries_total"}'
expect "xdperf_module_counter_total$QD" "$n"
expect "xdperf_module_metric_reports_total$QD" "$n"
expect 'xdperf_version_calls_total{protocol="dns",version="1"}' "$n"
grep -q '^xdperf_module_gauge{protocol="dns"' "$M" && bad "a dns gauge: $(grep '^xdperf_module_gauge{protocol="dns"' "$M")" ||
  echo "ok dns_queries_total is no gauge"
grep -q '^# TYPE xdperf_module_counter_total counter$' "$M" && grep -q '^# TYPE xdperf_module_gauge gauge$' "$M" &&
  echo "ok the families' TYPEs: xdperf_module_counter_total counter, xdperf_module_gauge gauge" ||
  bad "TYPE lines of the module families: $(grep '^# TYPE xdperf_module' "$M")"

# ---- kv: a gauge per worker --------------------------------------------------------------------
read -r ka kb ca cb fa fb < <($MC kv "$KV" k) || bad "kv client failed"
echo "kv: group A $fa flows, $ka keys; group B $fb flows, $kb keys"
[ "$ca" = "$ka" ] && [ "$cb" = "$kb" ] && echo "ok kv COUNT per group: $ca and $cb, the keys each group set" ||
  bad "kv COUNT answers $ca and $cb, want $ka and $kb"
scrape "after the kv flows"
G='xdperf_module_gauge{protocol="kv",version="1",metric="kv_keys",worker='
g0=$(val "$G\"0\"}") g1=$(val "$G\"1\"}")
[ "$(printf '%s\n' "$g0" "$g1" | sort -n)" = "$(printf '%s\n' "$ka" "$kb" | sort -n)" ] &&
  echo "ok kv_keys{worker=\"0\"} = $g0, {worker=\"1\"} = $g1: what each worker holds ($ka, $kb)" ||
  bad "kv_keys gauges worker 0 '$g0', worker 1 '$g1'; the workers hold $ka and $kb"
[ "$(grep -c '^xdperf_module_gauge{protocol="kv"' "$M")" = 2 ] && echo "ok two kv gauges, one per worker" ||
  bad "kv gauges: $(grep '^xdperf_module_gauge{protocol="kv"' "$M")"
expect 'xdperf_module_metric_reports_total{protocol="kv",version="1",metric="kv_keys"}' $((ka + kb))
expect 'xdperf_version_instances{protocol="kv",version="1"}' 2
grep -q '^xdperf_module_counter_total{protocol="kv"' "$M" && bad "a kv counter" || echo "ok kv_keys is no counter"

# ---- a counter across instances: drain, rollback, new instances --------------------------------
"${CTL[@]}" upload dns 2 $PM/dns.wasm --test >/dev/null 2>"$T/u.err" || bad "ctl upload dns 2: $(cat "$T/u.err")"
"${CTL[@]}" traffic dns 2 100 >/dev/null 2>"$T/t.err" || bad "ctl traffic dns 2 100: $(cat "$T/t.err")"
if wait_state dns 1 deprecated; then
  scrape "after dns@1 drained"
  expect 'xdperf_version_instances{protocol="dns",version="1"}' 0
  expect "xdperf_module_counter_total$QD" "$n"
fi
a=$($MC dns "$DNS" 10) || bad "only $a of 10 queries to dns@2 answered"
"${CTL[@]}" rollback dns >/dev/null 2>"$T/r.err" || bad "ctl rollback dns: $(cat "$T/r.err")"
[ "$(state_of dns 1)" = active ] && echo "ok dns@1 active again after the rollback" || bad "dns@1 is $(state_of dns 1) after the rollback"
a=$($MC dns "$DNS" 10) || bad "only $a of 10 queries to dns@1 after the rollback answered"
scrape "after the rollback"
expect "xdperf_module_counter_total$QD" $((n + 10))
expect 'xdperf_module_counter_total{protocol="dns",version="2",metric="dns_queries_total"}' 10
expect 'xdperf_version_calls_total{protocol="dns",version="1"}' $((n + 10))

# ---- a gauge ends with its instance ------------------------------------------------------------
"${CTL[@]}" upload kv 2 $PM/kv.wasm --test >/dev/null 2>"$T/u2.err" || bad "ctl upload kv 2: $(cat "$T/u2.err")"
"${CTL[@]}" traffic kv 2 100 >/dev/null 2>"$T/t2.err" || bad "ctl traffic kv 2 100: $(cat "$T/t2.err")"
if wait_state kv 1 deprecated; then
  scrape "after kv@1 drained"
  left=$(grep -c '^xdperf_module_gauge{protocol="kv",version="1"' "$M")
  [ "$left" = 0 ] && echo "ok no kv@1 gauge once its instances are freed" ||
    bad "kv@1 gauges after its instances were freed: $(grep '^xdperf_module_gauge{protocol="kv",version="1"' "$M")"
  expect 'xdperf_module_metric_reports_total{protocol="kv",version="1",metric="kv_keys"}' $((ka + kb))
fi
serve_healthy serve

# ---- the shared worker ----------------------------------------------------------------------------
serve_start shared "$XDPERF_ASAN" --workers 2 --shared kv --listen udp://127.0.0.1:0/kv --protocol kv=$PM/kv.wasm@1 \
  --admin 127.0.0.1:0 --interval 0
serve_wait shared admin udp:kv
a=$($MC kvset "$(serve_port shared udp kv)" s 20) || bad "only $a of 20 SETs answered OK (--shared kv)"
scrape "of the --shared server"
expect 'xdperf_module_gauge{protocol="kv",version="1",metric="kv_keys",worker="shared"}' 20
[ "$(grep -c '^xdperf_module_gauge{' "$M")" = 1 ] && echo "ok one kv gauge, the shared worker's" ||
  bad "gauges of the --shared server: $(grep '^xdperf_module_gauge{' "$M")"
serve_healthy shared

serve_stop serve
serve_stop shared
serve_sanitizer_check serve
serve_sanitizer_check shared
[ $fail -eq 0 ] || { echo "--- server stderr (tail)"; tail -n 15 "$T/serve.err"; exit 1; }
echo "module_metrics: all checks passed"
