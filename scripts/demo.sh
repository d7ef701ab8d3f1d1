#!/usr/bin/env bash
# `make demo`: runs xdperf's WebAssembly engine on a guest program that builds the simpleudp
# frame, with no NIC and no privileges. (The packet generator itself arrives with the
# generator-plugin work; this demo then becomes `xdperf --plugin simpleudp --output demo.pcap`.)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/examples
src=examples/wasm/udp_frame.c
out=build/examples/udp_frame.wasm
if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
	clang --target=wasm32-wasi -O2 -o "$out" "$src"
fi
echo "\$ build/xdperf wasm run $out"
build/xdperf wasm run "$out"
