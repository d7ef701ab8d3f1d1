#!/usr/bin/env bash
# The server's rates over the active interval without a network (tests/unit/server_rates_test.c,
# ASan/UBSan): (packets - 1) / active_s and the bits after the first frame, no rate for one frame
# or no time between the first and last frame (null in JSON), the active-interval fields' JSON
# round trip, an older server's duration_s. On the wire: server_count (section 7).
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/server_rates.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
     -I"$REPO/include" -I"$REPO/src" -I"$REPO/tests/unit" -O1 -g -fsanitize=address,undefined \
     -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
     "$REPO"/src/server/report_json.c "$REPO/src/util/err.c" "$REPO/tests/unit/server_rates_test.c" \
     -ljansson -lm -o "$T/server_rates_test"; then
	echo "FAIL: cannot build tests/unit/server_rates_test.c"
	exit 1
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$T/server_rates_test"
