#!/usr/bin/env bash
# Packet templates and the pcap writer (src/packet/, tests/unit/packet_test.c): base64 / hex /
# zeros templates, every validation error (message text), metadata and extra fields kept, the
# 2048-template limit, pcap output of 1000 packets cycling 3 templates read back byte for byte,
# disk full (/dev/full, RLIMIT_FSIZE) and uncreatable files giving a clear error and leaving no
# file behind. The unit program is built with ASan/UBSan against build/asan/libxdperf.a (memory errors
# and leaks fail the case). Its 1000-packet capture is then read by tcpdump and tshark when
# they are installed and compared with the expected timestamps, lengths and bytes.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
status=0

echo "== packet_test (ASan/UBSan, build/asan/libxdperf.a)"
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if ! asan_build "$T/packet_test" -Wall -Wextra -Werror -Wno-unused-parameter "$REPO/tests/unit/packet_test.c"; then
  echo "FAILED: cannot build tests/unit/packet_test.c"
  exit 1
fi
out="$T/out"
mkdir -p "$out"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
  "$T/packet_test" "$out" || { echo "FAILED: packet_test"; status=1; }

pcap="$out/cycle.pcap"
expect="$out/cycle.expect"
if [ ! -s "$pcap" ] || [ ! -s "$expect" ]; then
  echo "FAILED: packet_test did not leave $pcap and $expect"
  exit 1
fi

checked=()
if command -v tcpdump >/dev/null; then
  # -tt: epoch timestamps; -xx: the whole frame in hex (no ASCII column)
  if tcpdump -r "$pcap" -nn -tt -xx 2>"$T/tcpdump.err" | awk '
      /^[0-9]/ { if (n++) print ts, len, hex; ts = $1; hex = "";
                 len = "?"; if (match($0, /length [0-9]+:/)) len = substr($0, RSTART + 7, RLENGTH - 8);
                 next }
      /^\t0x/  { for (i = 2; i <= NF; i++) hex = hex $i; next }
      END      { if (n) print ts, len, hex }' >"$T/tcpdump.txt"; then
    # tcpdump prints the length it parsed (0 for a bare 802.3 header), so compare the
    # timestamps and bytes, and the packet count
    if cmp -s <(awk '{ print $1, $3 }' "$expect") <(awk '{ print $1, $3 }' "$T/tcpdump.txt"); then
      echo "tcpdump: $(wc -l <"$T/tcpdump.txt") packets, timestamps and bytes match"
      checked+=(tcpdump)
    else
      echo "FAILED: tcpdump -r $pcap differs from the expected packets:"
      diff <(awk '{ print $1, substr($3, 1, 40) }' "$expect") \
           <(awk '{ print $1, substr($3, 1, 40) }' "$T/tcpdump.txt") | head -10
      status=1
    fi
  else
    echo "FAILED: tcpdump -r $pcap: $(head -3 "$T/tcpdump.err")"
    status=1
  fi
fi

if command -v tshark >/dev/null; then
  if tshark -r "$pcap" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len \
       >"$T/tshark.raw" 2>"$T/tshark.err"; then
    awk '{ split($1, a, "."); printf "%s.%s %s %s\n", a[1], substr(a[2] "000000", 1, 6), $2, $3 }' \
      "$T/tshark.raw" >"$T/tshark.txt"
    if cmp -s <(awk '{ print $1, $2, $2 }' "$expect") "$T/tshark.txt"; then
      echo "tshark: $(wc -l <"$T/tshark.txt") packets, timestamps and lengths match"
      checked+=(tshark)
    else
      echo "FAILED: tshark -r $pcap differs from the expected packets:"
      diff <(awk '{ print $1, $2, $2 }' "$expect") "$T/tshark.txt" | head -10
      status=1
    fi
  else
    echo "FAILED: tshark -r $pcap: $(head -3 "$T/tshark.err")"
    status=1
  fi
fi

if [ ${#checked[@]} -eq 0 ]; then
  echo "note: neither tcpdump nor tshark is installed: the external pcap check was skipped" \
       "(the capture was verified by packet_test's own reader)"
fi

if [ $status -eq 0 ]; then
  echo "packet templates and pcap writer: all checks passed"
else
  echo "packet templates / pcap writer FAILED"
fi
exit $status
