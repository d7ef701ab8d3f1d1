#!/usr/bin/env bash
# Capture replay (xdperf --pcap, docs/replay.md) on a veth pair, as root, checked against what
# the peer received (tcpdump on it, and the XDP counter `xdperf count` for exact totals). "Both
# backends" is XDP and AF_PACKET, or AF_PACKET alone where the kernel refuses XDP live frames
# (tests/lib/xdp_live.sh; the runs without --mode then fall back to AF_PACKET):
#  - a 300-frame capture (IPv4/IPv6, UDP/TCP, 60-1514 bytes) as pcap, pcapng (editcap) and
#    big-endian nanosecond pcap, replayed --topspeed --loop 3 on both backends: the peer
#    receives its frames 3 times, in order, byte for byte; counts and loops in --json exact;
#  - timing: 50 frames 20 ms apart (jittered) with their original timing and --multiplier 2 on
#    both backends: the received span (tcpdump's timestamps) within 10 % + 20 ms of the
#    capture's span / multiplier (per-gap errors printed, not asserted: a loaded 2-CPU machine);
#    -r 100 sends 30 frames over 0.29 s likewise;
#  - rewriting (--enet-dmac/--enet-smac/--srcipmap/--dstipmap with IPv6/--portmap): tshark sees
#    the new addresses and ports on every frame and every IPv4/UDP/TCP checksum valid, and the
#    frames equal those of the same replay written with -o;
#  - 50 000 frames (34 MB, 25 chunks of 2048) --topspeed on both backends: the counter's
#    packets and bytes equal the capture's exactly;
#  - a frame longer than the MTU: refused before anything is sent (one line naming the frame and
#    its length, exit 1, the counter sees 0); --skip-oversize sends the others and counts it;
#  - a capture cut at a snap length and a non-Ethernet capture refused with one line;
#  - --loop 0 until -t 1 and until SIGINT: the summary's count equals the counter's;
#  - the peer down for 0.8 s mid-replay: the sender holds (notices), then sends the rest: all
#    100 frames sent, the receiver's count short at most by what its ring held at the down;
#  - a jumbo frame (MTU 9000) in the second chunk: XDP cannot take that chunk, AF_PACKET goes on
#    from it (in order), the counter's packets and bytes exact (XDP refused: all on AF_PACKET,
#    the summary's mode afpacket);
#  - usage errors: one line, exit 2; a capture of runts written with -o: one line, exit 1, no
#    file (as to a device).
set -uo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
command -v tshark >/dev/null && command -v editcap >/dev/null || { echo "FAIL: tshark/editcap missing (scripts/deps.sh)"; exit 1; }
netns_pair_setup
xdp_live_init
X="$XDPERF"
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
mk() { python3 "$REPO/tests/lib/mkcap.py" "$@"; }
cmp_() { python3 "$REPO/tests/lib/capcmp.py" "$@"; }
send() { ip netns exec "$NS_A" "$X" -d "$IF_A" "$@"; }
# cap_send (tests/lib/capture.sh); once more when the receiving counter's XDP program was gone
# (its process ended by something outside this test: seen once on a shared machine), saying so
csend() {
	cap_send "$@"
	if [ "$SEND_RC" != 0 ] && grep -q "has no XDP program" "$T/send.err"; then
		echo "note: the receiver's XDP program went away during the run ($(cat "$T/send.err")); once more"
		cap_send "$@"
	fi
}

mk "$T/a.pcap" 300 --gap-us 1000
editcap -F pcapng "$T/a.pcap" "$T/a.pcapng" 2>/dev/null || no "editcap -F pcapng failed"
mk "$T/a_ns.pcap" 300 --gap-us 1000 --ns --be

# --- byte for byte, loops ------------------------------------------------------------------
for mode in $TX_MODES; do
	for f in a.pcap a.pcapng a_ns.pcap; do
		csend "$T/rx.pcap" -- --pcap "$T/$f" --topspeed --loop 3 --mode "$mode" --json -q
		[ "$SEND_RC" = 0 ] || no "$mode $f: exit $SEND_RC: $(cat "$T/send.err")"
		r=$(cmp_ same "$T/a.pcap" "$T/rx.pcap" 3)
		js=$(jq -c '[.mode, .packets, .loops, .capture_frames, .format]' "$T/send.out" 2>/dev/null)
		echo "$mode $f: counter $CAP_RX, capture: $r, summary $js"
		[ "$CAP_RX" = 900 ] && [ "$r" = "ok 900" ] || no "$mode $f: received $CAP_RX frames: $r"
		want_fmt=pcap; [ "$f" = a.pcapng ] && want_fmt=pcapng
		[ "$js" = "[\"$mode\",900,3,300,\"$want_fmt\"]" ] || no "$mode $f: summary $js"
	done
done

# --- timing ------------------------------------------------------------------------------------
mk "$T/t.pcap" 50 --gap-us 20000 --jitter
read -r _ span _ < <(cmp_ span "$T/t.pcap")
for mode in $TX_MODES; do
	for m in 1 2; do
		csend "$T/rx.pcap" -- --pcap "$T/t.pcap" --multiplier $m --mode "$mode" --json -q
		read -r n got _ < <(cmp_ span "$T/rx.pcap")
		gaps=$(cmp_ gaps "$T/t.pcap" "$T/rx.pcap" $m)
		want=$(awk -v s="$span" -v m=$m 'BEGIN { printf "%.6f", s / m }')
		echo "$mode --multiplier $m: $n frames over $got s (want $want s; gap errors n/median/p90/max ms: $gaps; sender: $(jq -c .timing "$T/send.out"))"
		[ "$n" = 50 ] || no "$mode --multiplier $m: $n frames received"
		awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= 0.1 * w + 0.02) }' ||
			no "$mode --multiplier $m: span $got s, want $want s (10 % + 20 ms)"
	done
done
csend "$T/rx.pcap" -- --pcap "$T/t.pcap" -r 100 -c 30 --json -q
read -r n got _ < <(cmp_ span "$T/rx.pcap")
echo "-r 100 -c 30: $n frames over $got s (want 0.29 s)"
[ "$n" = 30 ] && awk -v g="$got" 'BEGIN { d = g - 0.29; if (d < 0) d = -d; exit !(d <= 0.049) }' ||
	no "-r 100: $n frames over $got s"

# --- rewriting ---------------------------------------------------------------------------------
RW=(--enet-smac 02:00:00:00:00:aa --enet-dmac "$MAC_B" --srcipmap 10.0.0.0/8:192.168.0.0/16
    --dstipmap '[2001:db8::/32]:[fd00:1::/48],10.201.0.0/16:10.201.0.0/16' --portmap 53:5353,1000-1009:7)
csend "$T/rw.pcap" -- --pcap "$T/a.pcapng" --topspeed "${RW[@]}" -q
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 300 ] || no "rewrite run: exit $SEND_RC, $CAP_RX frames"
fields=$(tshark -r "$T/rw.pcap" -T fields -E separator=, -e eth.src -e eth.dst -e ip.src -e ipv6.src \
	-e ipv6.dst -e udp.dstport -e tcp.dstport 2>/dev/null | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')
echo "rewritten frames (count eth.src eth.dst ip.src ipv6.src ipv6.dst udp.dport tcp.dport): $fields"
src4=$(tshark -r "$T/rw.pcap" -T fields -e ip.src 2>/dev/null | grep . | sort -u | tr '\n' ' ')
dst6=$(tshark -r "$T/rw.pcap" -T fields -e ipv6.dst 2>/dev/null | grep . | sort -u | tr '\n' ' ')
ports=$(tshark -r "$T/rw.pcap" -T fields -e udp.dstport -e tcp.dstport 2>/dev/null | tr -d '\t' | sort -u | tr '\n' ' ')
sports=$(tshark -r "$T/rw.pcap" -T fields -e udp.srcport -e tcp.srcport 2>/dev/null | tr -d '\t' | sort -n | uniq -c |
	awk '$2 == 7 { print $1 }')
macs=$(tshark -r "$T/rw.pcap" -T fields -e eth.src -e eth.dst 2>/dev/null | sort -u | tr '\t' ' ')
[ "$src4" = "192.168.0.1 " ] || no "IPv4 sources: '$src4'"
[ "$dst6" = "fd00:1::2 " ] || no "IPv6 destinations: '$dst6'"
[ "$ports" = "5353 " ] || no "destination ports: '$ports'"
[ "$sports" = 60 ] || no "source ports 1000-1009 -> 7: $sports frames (want 60 of 300)"
[ "$macs" = "02:00:00:00:00:aa $MAC_B" ] || no "MACs: '$macs'"
read -r nf bad < <(cap_bad_checksums "$T/rw.pcap")
bad6=$(tshark -r "$T/rw.pcap" -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE -Y ipv6 -T fields \
	-e udp.checksum.status -e tcp.checksum.status 2>/dev/null | tr -d '\t' | grep -vc '^1$')
echo "checksums: $nf frames, $bad bad (IPv4/UDP/TCP), $bad6 bad over IPv6"
[ "$nf" = 300 ] && [ "$bad" = 0 ] && [ "$bad6" = 0 ] || no "checksums after rewriting"
"$XDPERF_ASAN" --pcap "$T/a.pcapng" --topspeed "${RW[@]}" -o "$T/rw_file.pcap" 2>"$T/o.err" || no "-o: $(cat "$T/o.err")"
r=$(cmp_ same "$T/rw_file.pcap" "$T/rw.pcap" 1)
[ "$r" = "ok 300" ] || no "the -o rewrite differs from what was sent: $r"

# --- more than the chunk size, exact counts ----------------------------------------------------
mk "$T/big.pcap" 50000 --gap-us 10
read -r bn bb < <(cmp_ bytes "$T/big.pcap")
for mode in $TX_MODES; do
	rx_count_start "$NS_B" "$IF_B"
	js=$(send --pcap "$T/big.pcap" --topspeed --mode "$mode" --json -q 2>"$T/err")
	read -r pk by < <(rx_count_stop)
	echo "$mode 50000 frames: counter $pk packets $by bytes (capture $bn / $bb), summary $(jq -c '[.packets,.bytes,.chunks]' <<<"$js")"
	[ "$pk" = "$bn" ] && [ "$by" = "$bb" ] && [ "$(jq -r .packets <<<"$js")" = "$bn" ] &&
		[ "$(jq -r .chunks <<<"$js")" = 25 ] || no "$mode 50000 frames: $(cat "$T/err")"
done

# --- frames too long, captures refused ---------------------------------------------------------
mk "$T/over.pcap" 20 --gap-us 100 --oversize 5:1600
rx_count_start "$NS_B" "$IF_B"
send --pcap "$T/over.pcap" --topspeed 2>"$T/err"
rc=$?
read -r pk _ < <(rx_count_stop)
echo "oversize: exit $rc, counter $pk: $(cat "$T/err")"
[ $rc = 1 ] && [ "$pk" = 0 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "frame 6: 1600 bytes do not fit the MTU of $IF_A (1500" "$T/err" ||
	no "an oversize frame must be refused before sending"
rx_count_start "$NS_B" "$IF_B"
js=$(send --pcap "$T/over.pcap" --topspeed --skip-oversize --json 2>"$T/err")
rc=$?
read -r pk _ < <(rx_count_stop)
echo "--skip-oversize: exit $rc, counter $pk, $(jq -c '[.packets,.skipped]' <<<"$js"); $(cat "$T/err")"
[ $rc = 0 ] && [ "$pk" = 19 ] && [ "$(jq -r .packets <<<"$js")" = 19 ] && [ "$(jq -r .skipped.oversize <<<"$js")" = 1 ] &&
	grep -q "leaving out 1 frame longer than the MTU of $IF_A allows (the first: frame 6, 1600 bytes)" "$T/err" ||
	no "--skip-oversize"
editcap -s 100 "$T/a.pcap" "$T/cut.pcap" 2>/dev/null
send --pcap "$T/cut.pcap" 2>"$T/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "cut.pcap: frame 2: captured 100 of its 200 bytes" "$T/err" ||
	no "a capture cut at a snap length: exit $rc: $(cat "$T/err")"
editcap -F pcap -T linux-sll "$T/a.pcap" "$T/sll.pcap" 2>/dev/null
editcap -T linux-sll "$T/a.pcap" "$T/sll.pcapng" 2>/dev/null
for f in sll.pcap sll.pcapng; do
	send --pcap "$T/$f" 2>"$T/err"
	rc=$?
	[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "$f: .*link type 113 (Linux cooked (SLL)), not Ethernet" "$T/err" ||
		no "a non-Ethernet capture ($f): exit $rc: $(cat "$T/err")"
done
head -c 1000 "$T/a.pcap" >"$T/trunc.pcap"
send --pcap "$T/trunc.pcap" 2>"$T/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "trunc.pcap: frame [0-9]* at offset [0-9]*: truncated record" "$T/err" ||
	no "a truncated file: exit $rc: $(cat "$T/err")"

# --- until a duration, until SIGINT -------------------------------------------------------------
rx_count_start "$NS_B" "$IF_B"
t0=$(date +%s.%N)
js=$(send --pcap "$T/a.pcap" --loop 0 -t 1 --json -q 2>"$T/err")
rc=$?
t1=$(date +%s.%N)
read -r pk _ < <(rx_count_stop)
echo "--loop 0 -t 1: exit $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, counter $pk, summary $(jq -c '[.packets,.loops]' <<<"$js")"
[ $rc = 0 ] && [ "$pk" = "$(jq -r .packets <<<"$js")" ] && [ "$pk" -gt 600 ] || no "--loop 0 -t 1: $(cat "$T/err")"
rx_count_start "$NS_B" "$IF_B"
ip netns exec "$NS_A" "$XDPERF_ASAN" -d "$IF_A" --pcap "$T/a.pcap" --loop 0 --json -q >"$T/int.out" 2>"$T/err" &
pid=$!
sleep 1.5
t0=$(date +%s.%N)
kill -INT $pid
wait $pid
rc=$?
t1=$(date +%s.%N)
read -r pk _ < <(rx_count_stop)
echo "SIGINT: exit $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, counter $pk, summary $(jq -c '[.packets,.stopped]' "$T/int.out")"
[ $rc = 0 ] && [ "$pk" = "$(jq -r .packets "$T/int.out")" ] && [ "$(jq -r .stopped "$T/int.out")" = true ] &&
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.5) }' || no "SIGINT: $(cat "$T/err")"

# --- the peer down for 0.8 s mid-replay: the sender holds and goes on, every frame sent -------
mk "$T/c.pcap" 100 --gap-us 20000
for mode in $TX_MODES; do
	rx_count_start "$NS_B" "$IF_B"
	(sleep 0.6; ip -n "$NS_B" link set "$IF_B" down; sleep 0.8; ip -n "$NS_B" link set "$IF_B" up) &
	tp=$!
	js=$(send --pcap "$T/c.pcap" --mode "$mode" --json 2>"$T/err")
	rc=$?
	wait $tp
	read -r pk _ < <(rx_count_stop)
	held=$(jq -r .held_s <<<"$js")
	echo "$mode, peer down 0.8 s: exit $rc, counter $pk, summary $(jq -c '[.packets,.held_s,.duration_s]' <<<"$js"); $(tr '\n' ' ' <"$T/err")"
	# frames in veth1's receive ring when it went down are dropped by the kernel uncounted
	# (tests/cases/faults_link.sh): at 50 frames/s, a few at most
	[ $rc = 0 ] && [ "$(jq -r .packets <<<"$js")" = 100 ] && [ "$pk" -ge 96 ] && [ "$pk" -le 100 ] &&
		awk -v h="$held" 'BEGIN { exit !(h >= 0.4 && h <= 2.5) }' &&
		grep -q "veth0 has no carrier: its peer veth1 is down; waiting up to 5.0 s for it" "$T/err" &&
		grep -q "veth0 has its carrier again after" "$T/err" || no "$mode: carrier lost and back"
done

# --- jumbo frames: a chunk XDP cannot take (frames over its live-frame limit) goes on with
# AF_PACKET from that chunk, in order, counts exact ----------------------------------------------
ip -n "$NS_A" link set "$IF_A" mtu 9000 && ip -n "$NS_B" link set "$IF_B" mtu 9000
mk "$T/jumbo.pcap" 3000 --gap-us 10 --lens 64,1514 --oversize 2500:9014
read -r jn jb < <(cmp_ bytes "$T/jumbo.pcap")
rx_count_start "$NS_B" "$IF_B"
js=$(send --pcap "$T/jumbo.pcap" --topspeed --json -q 2>"$T/err")
rc=$?
read -r pk by < <(rx_count_stop)
echo "jumbo: exit $rc, counter $pk packets $by bytes (capture $jn / $jb), summary $(jq -c '[.mode,.packets,.bytes]' <<<"$js"); $(cat "$T/err")"
[ $rc = 0 ] && [ "$pk" = "$jn" ] && [ "$by" = "$jb" ] && [ "$(jq -r .packets <<<"$js")" = "$jn" ] ||
	no "a jumbo frame in the second chunk"
if grep -q "XDP live frames take at most" "$T/err"; then
	grep -q "using afpacket from here on (after 2048 frames)" "$T/err" || no "jumbo: the fallback's notice"
fi
# XDP refused by the kernel: the whole replay went over AF_PACKET, and the summary says so
[ "$XDP_LIVE" = 1 ] || [ "$(jq -r .mode <<<"$js")" = afpacket ] || no "jumbo: XDP refused, the summary's mode is not afpacket"
ip -n "$NS_A" link set "$IF_A" mtu 1500 && ip -n "$NS_B" link set "$IF_B" mtu 1500

# --- usage errors --------------------------------------------------------------------------------
while IFS='|' read -r args want; do
	# shellcheck disable=SC2086
	out=$("$XDPERF_ASAN" $args 2>&1 >/dev/null)
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -qF -- "$want" <<<"$out" || no "xdperf $args: exit $rc: $out"
done <<EOF
--pcap $T/a.pcap -d $IF_A --multiplier 2 -r 10|--multiplier, --rate and --topspeed exclude each other
--pcap $T/a.pcap -d $IF_A --multiplier 0|--multiplier: '0' is not a speed factor
--pcap $T/a.pcap -d $IF_A --loop x|--loop: 'x' is not a number of passes
--multiplier 2 -p simpleudp -d $IF_A|--multiplier applies to capture replays (--pcap FILE)
--pcap $T/a.pcap -p simpleudp -d $IF_A|--pcap and --plugin exclude each other
--pcap $T/a.pcap -d $IF_A --srcipmap 10.0.0.0/8|--srcipmap 10.0.0.0/8: '10.0.0.0/8' is not FROM/N:TO/M
--pcap $T/a.pcap -d $IF_A --portmap 80:x|--portmap 80:x: '80:x' is not PORT:PORT
--pcap $T/a.pcap -d $IF_A --enet-dmac 1:2|--enet-dmac: '1:2' is not a MAC address
--pcap $T/a.pcap -d $IF_A -l 2|--parallelism does not apply to --pcap replays
--pcap $T/a.pcap -o $T/x.pcap --skip-oversize|--skip-oversize applies to -d (device) replays
--pcap $T/a.pcap -o $T/x.pcap --loop 0|looping forever into a file would fill the disk
EOF
"$XDPERF_ASAN" --pcap "$T/nonexistent.pcap" -o "$T/x.pcap" 2>"$T/err"
rc=$?
[ $rc = 1 ] && grep -q "nonexistent.pcap: No such file or directory" "$T/err" || no "a missing capture: exit $rc: $(cat "$T/err")"
# a capture whose every frame is shorter than an Ethernet header: nothing to replay, an error
# written to a file as sent to a device (one line, exit 1, no file left)
python3 -c 'import struct, sys
f = open(sys.argv[1], "wb"); f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i in range(3): f.write(struct.pack("<IIII", 1, i, 10, 10) + bytes(10))' "$T/runts.pcap"
rm -f "$T/runts_out.pcap"
"$XDPERF_ASAN" --pcap "$T/runts.pcap" -o "$T/runts_out.pcap" 2>"$T/err"
rc=$?
[ $rc = 1 ] && [ "$(grep -c . "$T/err")" = 1 ] && grep -q "runts.pcap: no frame to write (3 frames, all left out)" "$T/err" &&
	[ ! -e "$T/runts_out.pcap" ] || no "a capture of runts to -o: exit $rc, file $(ls "$T/runts_out.pcap" 2>&1): $(cat "$T/err")"

[ $fail = 0 ] && echo "pcap replay: all checks passed"
exit $fail
