#!/usr/bin/env bash
# WebAssembly SIMD spec tests under the ASan/UBSan build, against a ratchet.
#
# Converts $SHARED/wasm-spec/simd/*.wast and proposals/simd/*.wast (the newer proposals/simd
# version where a file is in both) plus proposals/multi-memory/simd_memory-multi.wast (cached
# in build/spectest-cache/simd), runs `$XDPERF_ASAN wasm spectest` on each and compares each
# file's pass count with tests/spectest-simd.expected ("NAME.json PASSED" lines): fewer =
# regression or crash (fail), more = raise it with tests/update-spectest-ratchet.sh simd.
# Until the engine runs v128, what passes is mostly the assert_malformed/assert_invalid cases.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/spectest_suite.sh"
spectest_suite_case simd
