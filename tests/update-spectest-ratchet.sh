#!/usr/bin/env bash
# Rewrites the ratchet of a spec test suite (tests/spectest-SUITE.expected) from a fresh run
# under the ASan build: one "KEY PASSED" line per file. Run after the engine got better, check
# the diff, commit the file. Usage: tests/update-spectest-ratchet.sh [core|proposals|simd]
# (default core; after `make all asan`). Suites: tests/lib/spectest_suite.sh.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
source "$REPO/tests/lib/spectest_suite.sh"

suite="${1:-core}"
case "$suite" in
  core|proposals|simd) ;;
  *) echo "update-spectest-ratchet.sh: unknown suite '$suite' (core, proposals, simd)" >&2; exit 2 ;;
esac
ratchet="$(spectest_suite_ratchet "$suite")"
res="$(mktemp -d "${TMPDIR:-/tmp}/xdperf-ratchet.XXXXXX")"
trap 'rm -rf "$res"' EXIT
spectest_suite_run "$suite" "$res" || exit 1

if grep -q ' crash:' "$res/summary"; then
  echo "warning: some files crashed; their counts are what passed before the crash:" >&2
  grep ' crash:' "$res/summary" | sed 's/^/    /' >&2
fi
old="$(mktemp)"
[ -f "$ratchet" ] && cp "$ratchet" "$old"
{
  case "$suite" in
    core) echo "# Core spec test ratchet: minimum passed commands per file (tests/cases/spectest_core.sh)." ;;
    *) echo "# Spec test ratchet of the $suite suite: minimum passed commands per file (tests/cases/spectest_$suite.sh)." ;;
  esac
  echo "# Regenerate with tests/update-spectest-ratchet.sh $suite; never lower a number without a reason."
  awk '{ print $1, $2 }' "$res/summary" | LC_ALL=C sort
} >"$ratchet"
if [ -s "$old" ]; then
  changes="$(diff -U0 "$old" "$ratchet" | grep -E '^[-+][^-+]' | sed 's/^/  /')"
  echo "${changes:-  (no changes)}"
fi
rm -f "$old"
echo "wrote $ratchet"
