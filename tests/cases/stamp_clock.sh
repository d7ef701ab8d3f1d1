#!/usr/bin/env bash
# The XDP transmit program's stamp clock (src/bpf/xdperf_stamp_clock.h, one clock read per 16
# frames and per BPF_PROG_RUN call) against a simulated clock (tests/unit/stamp_clock_test.c,
# ASan/UBSan): clock reads counted, the error against a per-frame read bounded as
# docs/user-guide.md states (0 for steady frames, the jitter times the place in the block,
# a fresh read after a pacing wait, a transmit pause inside a block), never before the block's
# read nor backwards. No root.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="$(mktemp -d "${TMPDIR:-/tmp}/stamp_clock.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" \
     -I"$REPO/tests/unit" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
     -fno-omit-frame-pointer "$REPO/tests/unit/stamp_clock_test.c" -o "$T/stamp_clock_test"; then
	echo "FAIL: cannot build tests/unit/stamp_clock_test.c"
	exit 1
fi
"$T/stamp_clock_test"
