#!/usr/bin/env bash
# WebAssembly 2.0 core spec tests under the ASan/UBSan build, against a ratchet.
#
# Converts $SHARED/wasm-spec/core/*.wast (cached in build/spectest-cache/core), runs
# `$XDPERF_ASAN wasm spectest` on every file (the engine's default features: no multi-memory,
# whose rules contradict 13 of these assertions) and compares each file's pass count with
# tests/spectest-core.expected ("NAME.json PASSED" lines). Fails when a file passes fewer
# commands than recorded (regression), when a run crashes (sanitizer report, signal, timeout)
# or when the spec tests are absent. Files passing more than recorded are listed: raise the
# ratchet with tests/update-spectest-ratchet.sh core. The runner: tests/lib/spectest_suite.sh.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/spectest_suite.sh"
spectest_suite_case core
