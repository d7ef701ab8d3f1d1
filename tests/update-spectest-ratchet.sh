#!/usr/bin/env bash
# Rewrites tests/spectest-core.expected from a fresh run of the core spec tests (ASan build):
# one "NAME.json PASSED" line per file. Run after the engine got better, check the diff,
# commit the file. Usage: tests/update-spectest-ratchet.sh   (after `make all asan`)
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
source "$REPO/tests/lib/spectest_core.sh"

res="$(mktemp -d "${TMPDIR:-/tmp}/xdperf-ratchet.XXXXXX")"
trap 'rm -rf "$res"' EXIT
spectest_core_run "$res" || exit 1

if grep -q ' crash:' "$res/summary"; then
  echo "warning: some files crashed; their counts are what passed before the crash:" >&2
  grep ' crash:' "$res/summary" | sed 's/^/    /' >&2
fi
old="$(mktemp)"
[ -f "$SPECTEST_RATCHET" ] && cp "$SPECTEST_RATCHET" "$old"
{
  echo "# Core spec test ratchet: minimum passed commands per file (tests/cases/spectest_core.sh)."
  echo "# Regenerate with tests/update-spectest-ratchet.sh; never lower a number without a reason."
  awk '{ print $1, $2 }' "$res/summary" | LC_ALL=C sort
} >"$SPECTEST_RATCHET"
if [ -s "$old" ]; then
  changes="$(diff -U0 "$old" "$SPECTEST_RATCHET" | grep -E '^[-+][^-+]' | sed 's/^/  /')"
  echo "${changes:-  (no changes)}"
fi
rm -f "$old"
echo "wrote $SPECTEST_RATCHET"
