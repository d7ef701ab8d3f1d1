# Capture helpers on top of netns.sh (source both; netns_pair_setup first).
#   cap_start FILE [FILTER...]  `xdperf count --pass` on NS_B:IF_B (the XDP program a veth peer
#                               needs for XDP sends) and tcpdump -Q in writing FILE (each frame
#                               as it comes, -U), in the background; returns once both are running;
#                               CAP_SNAPLEN sets tcpdump's -s (default 4096; 9216 for jumbo frames)
#   cap_stop                    stops the counter, sets CAP_RX to the frames it saw (exact,
#                               unlike a capture that may drop under load), waits until FILE
#                               holds that many frames (at most 10 s: tcpdump may lag behind),
#                               then stops tcpdump (pcap_wait, lib/netns.sh)
#   cap_send FILE [FILTER...] -- ARGS...   cap_start FILE FILTER, runs `$XDPERF -d IF_A ARGS`
#                               in NS_A (stderr in $TMPDIR/send.err, stdout in
#                               $TMPDIR/send.out, exit status in SEND_RC), then cap_stop.
#                               XDPERF_BIN overrides the binary (e.g. the ASan build).
CAP_PID=
CAP_RX=
CAP_PCAP=
cap_start() { # FILE [FILTER...]
	local file=$1
	shift
	CAP_PCAP=$file
	rm -f "$file" "$file.err" # a file name used before: its old "listening on" line must not count
	rx_count_start "$NS_B" "$IF_B" --pass || return 1
	ip netns exec "$NS_B" tcpdump -n --immediate-mode -U -Q in -B 65536 -s "${CAP_SNAPLEN:-4096}" -i "$IF_B" -w "$file" "$@" \
		2>"$file.err" &
	CAP_PID=$!
	local i
	for i in $(seq 100); do grep -q "listening on" "$file.err" 2>/dev/null && return 0; sleep 0.05; done
	echo "cap_start: tcpdump did not start: $(cat "$file.err")" >&2
	return 1
}

cap_stop() {
	local pk
	read -r pk _ < <(rx_count_stop) || true
	CAP_RX=${pk:-}
	pcap_wait "$CAP_PCAP" "${CAP_RX:-0}" 10 ||
		echo "cap_stop: the capture holds $(python3 "$REPO/tests/lib/pcapread.py" "$CAP_PCAP") of the" \
			"${CAP_RX:-?} frames counted after 10 s" >&2
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
	CAP_PID=
}

SEND_RC=0
cap_send() { # FILE [FILTER...] -- xdperf-args...
	local file=$1 filt=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do filt+=("$1"); shift; done
	shift
	cap_start "$file" "${filt[@]}" || return 1
	SEND_RC=0
	ip netns exec "$NS_A" "${XDPERF_BIN:-$XDPERF}" -d "$IF_A" "$@" >"$TMPDIR/send.out" \
		2>"$TMPDIR/send.err" || SEND_RC=$?
	cap_stop
	if [ "$SEND_RC" != 0 ]; then
		echo "cap_send: xdperf $* exited $SEND_RC: $(tail -n 3 "$TMPDIR/send.err")" >&2
	fi
	return 0
}

# bad checksums in a capture per tshark: prints "FRAMES BAD" (a frame is bad when any of its
# IPv4 / UDP / TCP checksum statuses is not 1 = Good; absent layers are not counted)
cap_bad_checksums() { # FILE
	tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -T fields -E separator=, \
		-e ip.checksum.status -e udp.checksum.status -e tcp.checksum.status 2>/dev/null |
		awk -F, '{ n++; b = 0; for (i = 1; i <= NF; i++) if ($i != "" && $i != 1) b = 1; bad += b }
		     END { printf "%d %d\n", n, bad }'
}
