#!/usr/bin/env bash
# Modifiers and checksums from template JSON, IMIX resizing / expansion and IMIX send weights
# (src/packet/field_json.c, imix.c, schedule.c; tests/unit/field_json_test.c): named field
# offsets (IPv4/UDP, IPv4/TCP, IPv6/UDP, ICMP, VLAN), number formats, every error message,
# frame resizing with valid checksums, IMIX from metadata and from a size spec, and 10000
# packets through the field engine with valid checksums. Built with ASan/UBSan against the
# sources (memory errors and leaks fail the case).
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/field_json.XXXXXX")"
trap 'rm -rf "$T"' EXIT

echo "== field_json_test (ASan/UBSan, build/asan/libxdperf.a)"
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if ! asan_build "$T/field_json_test" -Wall -Wextra -Werror -Wno-unused-parameter "$REPO/tests/unit/field_json_test.c"; then
  echo "FAILED: cannot build tests/unit/field_json_test.c"
  exit 1
fi
if ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
   "$T/field_json_test"; then
  echo "field engine JSON and IMIX: all checks passed"
  exit 0
fi
echo "FAILED: field_json_test"
exit 1
