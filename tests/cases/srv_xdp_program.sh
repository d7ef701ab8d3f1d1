#!/usr/bin/env bash
# The server's XDP program (src/bpf/xdperf_srv.bpf.c) on frames built in the test, run by
# BPF_PROG_RUN (not live frames: runs where the kernel refuses those; root, no network):
# tests/unit/srv_xdp_test.c checks each frame's verdict, counters and stamp record against the
# frame: version 2 and 1 trailers at every alignment read in place, padding after the datagram,
# VLAN tags, IPv6, no trailer, a wrong magic, datagrams one byte too short, another port, IPv4
# fragments (the first counted without a stamp, a later one passed), and the receive time
# between two CLOCK_TAI reads, with both ways of publishing a ring head; then the per-CPU stamp
# rings through the server's reader (src/server/stamp_rings.c): full, made room, merged across
# two CPUs by receive time. Twice: word loads, and byte loads under strict alignment checking.
# ASan/UBSan build.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
[ "$(id -u)" = 0 ] || { echo "needs root (loads an XDP program)"; exit 77; }
SKEL="$REPO/build/bpf/xdperf_srv_bpf.skel.h"
[ -f "$SKEL" ] || { echo "FAIL: $SKEL is missing (make all)"; exit 1; }
T="$(mktemp -d "${TMPDIR:-/tmp}/srv_xdp.XXXXXX")"
trap 'rm -rf "$T"' EXIT
if ! gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" \
     -I"$REPO/build/bpf" -I"$REPO/tests/unit" -O1 -g -fsanitize=address,undefined \
     -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
     "$REPO/tests/unit/srv_xdp_test.c" "$REPO/src/server/stamp_rings.c" -lbpf -lelf -lz -o "$T/srv_xdp_test"; then
	echo "FAIL: cannot build tests/unit/srv_xdp_test.c"
	exit 1
fi
"$T/srv_xdp_test"
