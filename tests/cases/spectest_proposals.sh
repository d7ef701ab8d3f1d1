#!/usr/bin/env bash
# Post-2.0 WebAssembly spec tests (tail calls, extended constant expressions, multi-memory,
# memory64, exceptions, threads, relaxed SIMD) under the ASan/UBSan build, against a ratchet.
#
# Converts every $SHARED/wasm-spec/proposals/FOLDER/*.wast but simd/ (the simd suite) and the
# not-wabt-1.0.32/ subfolders with that folder's wast2json flags (cached in
# build/spectest-cache/proposals/FOLDER), runs `$XDPERF_ASAN wasm spectest --features ...`
# with the folder's engine features and compares each file's pass count with
# tests/spectest-proposals.expected ("FOLDER/NAME.json PASSED" lines): fewer = regression or
# crash (fail), more = raise it with tests/update-spectest-ratchet.sh proposals. Features the
# engine does not implement yet are refused at load, so their folders count ~0 for now.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/spectest_suite.sh"
spectest_suite_case proposals
