#!/usr/bin/env bash
# IMIX on the wire (captured in the receiving namespace; sent with XDP and AF_PACKET, or with
# AF_PACKET only where the kernel refuses XDP live frames: tests/lib/xdp_live.sh): the imix plugin
# (metadata.imix) and --imix simple on a one-template file give, in every 12-frame cycle,
# exactly 7 frames of 64, 4 of 576 and 1 of 1500 bytes, each with valid checksums, in the same
# order as the -o pcap output; a custom --imix 100:3,200:1 gives 3:1 in every 4-frame cycle;
# bad specs exit 2 naming --imix.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
netns_pair_setup
xdp_live_init
fail=0
T="$TMPDIR"
K=5
fails() { echo "FAIL: $*"; fail=1; }
lens() { tshark -r "$1" -T fields -e frame.len 2>/dev/null | tr '\n' ' '; }

# every CYCLE-frame window holds the wanted multiset of lengths; prints what it found
check_cycles() { # WHAT CYCLE "SIZE:N,..." NFRAMES LENS...
	python3 - "$@" <<'PY'
import sys
what, cyc, spec, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
v = [int(x) for x in sys.argv[5:]]
want = {int(a): int(b) for a, b in (x.split(":") for x in spec.split(","))}
ok = len(v) == n
if not ok:
    print(f"FAIL: {what}: {len(v)} frames captured, want {n}")
for c in range(len(v) // cyc):
    w = v[c * cyc:(c + 1) * cyc]
    got = {s: w.count(s) for s in set(w)}
    if got != want:
        ok = False
        print(f"FAIL: {what}: cycle {c} has lengths {sorted(got.items())}, want {sorted(want.items())}: {w}")
print(f"{what}: {len(v)} frames, {len(v) // cyc} cycles of {cyc}" + (" as wanted" if ok else ""))
sys.exit(0 if ok else 1)
PY
}

python3 "$REPO/tests/lib/mktmpl.py" --len 100 >"$T/one.json"
N=$((12 * K))
for src in plugin simple; do
	if [ $src = plugin ]; then args=(-p imix); else args=(--templates "$T/one.json" --imix simple); fi
	"$XDPERF" "${args[@]}" -o "$T/${src}_file.pcap" -c $N 2>"$T/err" || fails "$src: pcap run: $(cat "$T/err")"
	file_lens=$(lens "$T/${src}_file.pcap")
	# shellcheck disable=SC2086
	check_cycles "imix $src pcap file" 12 64:7,576:4,1500:1 $N $file_lens || fail=1
	for mode in $TX_MODES; do
		cap_send "$T/${src}_$mode.pcap" udp -- "${args[@]}" --mode $mode -c $N -q
		[ "$SEND_RC" = 0 ] || fails "imix $src $mode: xdperf exited $SEND_RC"
		got=$(lens "$T/${src}_$mode.pcap")
		# shellcheck disable=SC2086
		check_cycles "imix $src $mode" 12 64:7,576:4,1500:1 $N $got || fail=1
		[ "$got" = "$file_lens" ] || fails "imix $src $mode: order of lengths on the wire ($got) differs from the pcap file's ($file_lens)"
		read -r n bad < <(cap_bad_checksums "$T/${src}_$mode.pcap")
		echo "imix $src $mode: $n frames, $bad with a bad checksum"
		[ "$bad" = 0 ] && [ "$n" = $N ] || fails "imix $src $mode: $bad of $n frames have a bad checksum (want 0 of $N)"
	done
done

# custom spec: 3:1 in every 4-frame cycle
"$XDPERF" --templates "$T/one.json" --imix 100:3,200:1 -o "$T/custom_file.pcap" -c 40 2>"$T/err" ||
	fails "--imix 100:3,200:1 pcap run: $(cat "$T/err")"
file_lens=$(lens "$T/custom_file.pcap")
# shellcheck disable=SC2086
check_cycles "--imix 100:3,200:1 pcap file" 4 100:3,200:1 40 $file_lens || fail=1
for mode in $TX_MODES; do
	cap_send "$T/custom_$mode.pcap" udp -- --templates "$T/one.json" --imix 100:3,200:1 --mode $mode -c 40 -q
	got=$(lens "$T/custom_$mode.pcap")
	# shellcheck disable=SC2086
	check_cycles "--imix 100:3,200:1 $mode" 4 100:3,200:1 40 $got || fail=1
	[ "$got" = "$file_lens" ] || fails "--imix 100:3,200:1 $mode: order differs from the pcap file's"
	read -r n bad < <(cap_bad_checksums "$T/custom_$mode.pcap")
	[ "$bad" = 0 ] || fails "--imix 100:3,200:1 $mode: $bad of $n frames have a bad checksum"
done

# bad specs: usage error (exit 2) naming --imix, for a pcap and a device run; nothing sent
for spec in 10:1 foo; do
	rc=0
	"$XDPERF" --templates "$T/one.json" --imix "$spec" -o "$T/bad.pcap" -c 8 2>"$T/err" || rc=$?
	echo "--imix $spec (pcap): exit $rc: $(cat "$T/err")"
	[ $rc = 2 ] || fails "--imix $spec: exit $rc, want 2"
	grep -q -- "--imix" "$T/err" || fails "--imix $spec: the message does not name --imix: $(cat "$T/err")"
	[ ! -e "$T/bad.pcap" ] || fails "--imix $spec: a pcap file was written"
	cap_send "$T/bad_dev.pcap" udp -- --templates "$T/one.json" --imix "$spec" -c 8 -q 2>/dev/null
	[ "$SEND_RC" = 2 ] || fails "--imix $spec (device): exit $SEND_RC, want 2"
	grep -q -- "--imix" "$T/send.err" || fails "--imix $spec (device): the message does not name --imix"
	[ "${CAP_RX:-x}" = 0 ] || fails "--imix $spec (device): the receiver counted ${CAP_RX:-?} frames, want 0"
done
exit $fail
