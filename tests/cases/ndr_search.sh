#!/usr/bin/env bash
# The RFC 2544 throughput search of `xdperf ndr` without a network (tests/unit/ndr_search_test.c,
# ASan/UBSan): simulated devices of many capacities, with maxima given and found by an unpaced
# first trial, resolutions as fractions and in pps, NDR and PDR thresholds — every rate found
# is at or below the effective capacity and within the resolution of it, in at most
# log2(max / resolution) + 3 trials; the edges (capacity above the max, below the min, a dead
# device, a sender-limited unpaced trial, the trial limit) and flaky devices (failed
# verifications: the search goes on below, never above what passed).
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/ndr_search.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
     -I"$REPO/include" -I"$REPO/src" -O1 -g -fsanitize=address,undefined \
     -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
     "$REPO/src/cli/ndr_search.c" "$REPO/tests/unit/ndr_search_test.c" -lm -o "$T/ndr_search_test"; then
	echo "FAIL: cannot build tests/unit/ndr_search_test.c"
	exit 1
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$T/ndr_search_test"
