#!/usr/bin/env bash
# The reading end of the server's per-CPU stamp rings (src/server/stamp_rings.c) without BPF or
# root (tests/unit/stamp_rings_test.c, ASan/UBSan): rings in memfds written as the XDP program
# writes them; every record handed on once, merged across 8 rings in receive order, up to the
# heads seen at the start of a read; tails published; positions wrapping far past 2^32; a full
# ring; dropping; a seeded random schedule of writes and reads; the ring sizes per CPU count.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/stamp_rings.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" \
     -I"$REPO/tests/unit" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
     -fno-omit-frame-pointer "$REPO/src/server/stamp_rings.c" "$REPO/tests/unit/stamp_rings_test.c" \
     -lbpf -o "$T/stamp_rings_test"; then
	echo "FAIL: cannot build tests/unit/stamp_rings_test.c"
	exit 1
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$T/stamp_rings_test"
