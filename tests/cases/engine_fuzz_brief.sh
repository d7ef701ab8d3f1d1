#!/usr/bin/env bash
# A one-minute libFuzzer run of the WebAssembly engine (tests/fuzz/run.sh 60): builds the
# fuzz target with clang (ASan/UBSan), seeds it from the spec test modules (once; the corpus in
# build/fuzz/corpus grows across runs), replays tests/fuzz/regressions/*.wasm first and then
# mutates for 60 s. Fails on any crash, sanitizer report, leak, timeout or OOM and prints the
# reproducer path. Longer runs: `make fuzz` (FUZZ_SECONDS=...).
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
command -v clang >/dev/null || command -v clang-14 >/dev/null || { echo "clang is not installed"; exit 77; }
command -v wast2json >/dev/null || { echo "wast2json (wabt) is not installed"; exit 77; }
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 \
  || ls "$(clang -print-resource-dir 2>/dev/null)"/lib/linux/libclang_rt.fuzzer*.a >/dev/null 2>&1 \
  || { echo "the libFuzzer runtime is not installed (libclang-rt-14-dev)"; exit 77; }

"$REPO/tests/fuzz/run.sh" "${FUZZ_BRIEF_SECONDS:-60}"
rc=$?
case $rc in
  0) exit 0 ;;
  1) echo "FAILED: the fuzzer found a crash/leak/timeout (reproducer above)"; exit 1 ;;
  *) echo "FAILED: tests/fuzz/run.sh could not build or prepare (exit $rc)"; exit 1 ;;
esac
