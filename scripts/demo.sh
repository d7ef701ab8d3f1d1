#!/usr/bin/env bash
# `make demo`: the main job with no NIC and no privileges: the simpleudp generator plugin (run
# by xdperf's own WebAssembly engine) writes 1000 packets to a pcap file, shown with tcpdump.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/demo.pcap
echo "\$ build/xdperf --plugin simpleudp --output $out --count 1000"
build/xdperf --plugin simpleudp --output "$out" --count 1000
echo "\$ tcpdump -nn -vv -c 3 -r $out"
tcpdump -nn -vv -c 3 -r "$out" 2>/dev/null
