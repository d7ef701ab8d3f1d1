#!/usr/bin/env bash
# Fault injection, SIGINT / SIGTERM while a plugin runs (needs the engine interrupt: a plugin
# call stops when the generator is asked to stop). The plugin (WAT, built here with wat2wasm)
# answers one 64-byte template, and its plugin_init spins forever when its configuration is
# longer than 10 bytes (only the instruction budget, 10^10, would end it: 10-30 s). On a private
# veth pair (NS_A:veth0 -> NS_B:veth1, receiver `xdperf count`), each prints the time from the
# signal to the exit, bounded by 2 s:
#  1. SIGINT while the plugin initialises (device run): exit 130, stderr exactly "xdperf: stopped
#     by SIGINT while the plugin was starting; nothing sent", nothing arrives.
#  2. SIGTERM while the plugin initialises (-o FILE.pcap): exit 143, the same line with SIGTERM,
#     no file (nor a temporary one) left.
#  3. SIGINT while a reload (SIGHUP after the config changed) is in the spinning plugin_init:
#     the run stops with its summary, exit 0, "stopped": true, swaps 0, packets = the receiver's
#     XDP counter.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
. tests/lib/faults.sh
netns_need_root
for t in wat2wasm jq python3; do
	command -v "$t" >/dev/null || { echo "needs $t"; exit 77; }
done
set -e
netns_pair_setup
set +e
T="$TMPDIR"

python3 - >"$T/spin.wat" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from mktmpl import frame
resp = json.dumps([{"template": {"base_packet": {"data": frame("udp4", 64, 1000, 5000).hex(),
                                                 "type": "hex"}},
                    "metadata": {"packet_count": 0}}])
n = len(resp)
print('''(module
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (data (i32.const 1024) "%s")
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $p))
  (func (export "free") (param i32))
  ;; a configuration longer than 10 bytes: spin (until interrupted, or out of fuel)
  (func (export "plugin_init") (param $p i32) (param $n i32) (result i32)
    (if (i32.gt_u (local.get $n) (i32.const 10)) (then (loop (br 0))))
    (i32.const 0))
  (func (export "plugin_process") (param $in i32) (param $inl i32) (param $out i32) (param $cap i32) (result i32)
    (if (i32.lt_u (local.get $cap) (i32.const %d)) (then (return (i32.const -4))))
    (memory.copy (local.get $out) (i32.const 1024) (i32.const %d))
    (i32.const %d))
  (func (export "plugin_cleanup")))''' % (resp.replace("\\", "\\\\").replace('"', '\\"'), n, n, n))
EOF
wat2wasm "$T/spin.wat" -o "$T/spin.wasm" || { echo "FAIL: wat2wasm"; exit 1; }
echo '{}' >"$T/quick.json"
echo '{"spin": true}' >"$T/spin.json"
signal() { # WHAT SIG
	kill -"$2" "$GEN_PID"
	local t0
	t0=$(now)
	gen_wait 40
	timing "$1: SIG$2 -> exit" "$(elapsed "$t0" "$GEN_END")" 2
}

# ---- 1. SIGINT in plugin_init, device run --------------------------------------------------------
what="SIGINT in plugin_init (device run)"
rx_count_start "$NS_B" "$IF_B" || no "$what: no counter"
gen_bg g "$NS_A" -p "$T/spin.wasm" --cfg "$T/spin.json" -d "$IF_A" -c 100
sleep 1 # in plugin_init, which spins for 10 s or more
signal "$what" INT
read -r pk _ < <(rx_count_stop)
eq "$what: exit status" "$GEN_RC" 130
only_line "$what: the one line" "$T/g.err" "xdperf: stopped by SIGINT while the plugin was starting; nothing sent"
eq "$what: frames that arrived" "$pk" 0

# ---- 2. SIGTERM in plugin_init, pcap output -------------------------------------------------------
what="SIGTERM in plugin_init (-o pcap)"
gen_bg g "$NS_A" -p "$T/spin.wasm" --cfg "$T/spin.json" -o "$T/out.pcap" -c 100
sleep 1
signal "$what" TERM
eq "$what: exit status" "$GEN_RC" 143
only_line "$what: the one line" "$T/g.err" "xdperf: stopped by SIGTERM while the plugin was starting; nothing sent"
eq "$what: files left" "$(ls "$T" | grep -c '^out\.pcap')" 0

# ---- 3. SIGINT during a reload ------------------------------------------------------------------
what="SIGINT in a reload's plugin_init"
cp "$T/quick.json" "$T/cfg.json"
rx_count_start "$NS_B" "$IF_B" || no "$what: no counter"
rx0=$(rx_packets "$NS_B" "$IF_B")
gen_bg g "$NS_A" -p "$T/spin.wasm" --cfg "$T/cfg.json" -d "$IF_A" -c 0 -r 10000 -q --json
wait_traffic "$NS_B" "$IF_B" "$rx0" 1000
cp "$T/spin.json" "$T/cfg.json"
kill -HUP "$GEN_PID"
sleep 1 # the reload spins in plugin_init
signal "$what" INT
read -r pk _ < <(rx_count_stop)
eq "$what: exit status" "$GEN_RC" 0
eq "$what: stopped, swaps" "$(jf "$T/g.out" '[.stopped, .swaps] | tostring')" '[true,0]'
eq "$what: packets = the receiver's XDP counter" "$(jf "$T/g.out" .packets)" "$pk"
no_line "$what: no sanitizer or other error" "$T/g.err" "ERROR|runtime error|ran out of fuel"

times_report
[ $fail = 0 ] && echo "faults_plugin_sigint: all checks passed"
exit $fail
