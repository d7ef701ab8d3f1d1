#!/usr/bin/env bash
# Server stamp analysis without a network (tests/unit/server_streams_test.c, ASan/UBSan):
# sequence tracking (gaps, duplicates, late arrivals inside and beyond the window, several
# streams, the stream limit), latency quantiles against exact values, the report's JSON round
# trip, two runs of the same streams kept apart, and the stamp trailer (version 2 written,
# checksum arithmetic in user space; version 1 still read).
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/server_streams.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
     -I"$REPO/include" -I"$REPO/src" -O1 -g -fsanitize=address,undefined \
     -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
     "$REPO"/src/server/streams.c "$REPO"/src/server/hist.c "$REPO"/src/server/report_json.c \
     "$REPO"/src/packet/stamp.c "$REPO"/src/packet/decode.c "$REPO"/src/packet/layers.c \
     "$REPO/src/util/err.c" "$REPO/tests/unit/server_streams_test.c" \
     -ljansson -lm -o "$T/server_streams_test"; then
	echo "FAIL: cannot build tests/unit/server_streams_test.c"
	exit 1
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$T/server_streams_test"
