#!/usr/bin/env bash
# The field engine on the wire (captured with tcpdump in the receiving namespace; sent with XDP
# and AF_PACKET where the kernel lets xdperf send XDP live frames, else with AF_PACKET only:
# tests/lib/xdp_live.sh) and in pcap output: increment/decrement wrap-around sequences (exact,
# and byte for byte equal to the -o pcap frames; one device run under ASan: XDP's, else
# AF_PACKET's), random (in range, all values, rough uniformity, reproducible by seed, the same
# sequence on every backend), range (each value once per cycle, scattered), several modifiers at
# once on IPv4/UDP, IPv4/TCP and IPv6/UDP with every checksum valid per tshark (the field
# sequences in order on XDP, as a multiset on AF_PACKET, whose flows may arrive out of order),
# two sender threads splitting one sequence, and the checks of bad or unchecksummed modifiers
# (nothing sent, per the receiver's XDP counter, on every backend).
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
export NETNS_QUEUES=2
netns_pair_setup
xdp_live_init
fail=0
LIB="$REPO/tests/lib"
T="$TMPDIR"
mk() { python3 "$LIB/mktmpl.py" "$@"; }
fails() { echo "FAIL: $*"; fail=1; }
asan_clean() { # FILE WHAT
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$1"; then
		fails "$2: sanitizer report: $(grep -m1 "ERROR: AddressSanitizer\|runtime error:" "$1")"
	fi
}
# field values of every frame of a pcap: OFF LEN (bytes at that offset, big endian)
pyfield() { # PCAP OFF LEN  -> values, one per line
	python3 - "$@" <<'PY'
import sys
import os
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
off, n = int(sys.argv[2]), int(sys.argv[3])
for _, f in pcapread.frames(sys.argv[1]):
    print(pcapread.be(f, off, n))
PY
}
# compares two value lists (files), prints a short reason when they differ
same_list() { # WANT_FILE GOT_FILE WHAT
	if cmp -s "$1" "$2"; then
		echo "$3: $(wc -l <"$2") values as expected"
	else
		fails "$3: want $(head -c 300 "$1" | tr '\n' ' ')... ($(wc -l <"$1") values), got $(head -c 300 "$2" | tr '\n' ' ')... ($(wc -l <"$2") values)"
	fi
}

# ---- 1. increment wraps: two modifiers of different cycle lengths, one crossing an octet -----
mk --mod 'udp.src_port|increment|1000|1009' --mod 'ipv4.src_ip|increment|"10.0.0.250"|"10.0.1.4"' >"$T/inc.json"
"$XDPERF" --templates "$T/inc.json" -o "$T/inc_file.pcap" -c 35 2>"$T/err" || fails "inc: pcap run: $(cat "$T/err")"
"$XDPERF_ASAN" --templates "$T/inc.json" -o "$T/inc_asan.pcap" -c 35 2>"$T/asan_pcap.err" ||
	fails "inc: ASan pcap run: $(tail -3 "$T/asan_pcap.err")"
asan_clean "$T/asan_pcap.err" "ASan pcap run"
python3 - "$T/inc_file.pcap" "$T/inc_asan.pcap" <<'PY' || fails "inc: the ASan build's pcap frames differ from the release build's"
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
sys.exit(0 if [f for _, f in pcapread.frames(sys.argv[1])] == [f for _, f in pcapread.frames(sys.argv[2])] else 1)
PY
python3 -c '
for i in range(35):
    a = (10 << 24) + 250 + i % 11
    print(f"{1000 + i % 10} {a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}")' >"$T/inc.want"
for mode in $TX_MODES; do
	bin=$XDPERF
	[ $mode = "$TX_MODE" ] && bin=$XDPERF_ASAN # one device run under ASan (XDP's where it runs)
	XDPERF_BIN=$bin cap_send "$T/inc_$mode.pcap" udp -- --templates "$T/inc.json" --mode $mode -l 1 -c 35 -q
	[ "$SEND_RC" = 0 ] || fails "inc $mode: xdperf exited $SEND_RC"
	[ $mode = "$TX_MODE" ] && asan_clean "$T/send.err" "ASan $mode device run"
	tshark -r "$T/inc_$mode.pcap" -T fields -e udp.srcport -e ip.src 2>/dev/null | tr '\t' ' ' >"$T/inc.got"
	same_list "$T/inc.want" "$T/inc.got" "increment $mode (udp.src_port 1000..1009, ipv4.src_ip 10.0.0.250..10.0.1.4)"
	python3 - "$T/inc_file.pcap" "$T/inc_$mode.pcap" <<'PY' || fails "inc $mode: captured frames differ from the -o pcap frames"
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
a = [f for _, f in pcapread.frames(sys.argv[1])]
b = [f for _, f in pcapread.frames(sys.argv[2])]
diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
print(f"  pcap file {len(a)} frames, capture {len(b)} frames, {len(diff)} differ" +
      (f" (first: frame {diff[0]}: {a[diff[0]].hex()} vs {b[diff[0]].hex()})" if diff else ""))
sys.exit(0 if len(a) == len(b) == 35 and not diff else 1)
PY
done

# ---- 2. decrement wraps at min back to max ---------------------------------------------------
mk --mod 'udp.src_port|decrement|15|20|start=17' >"$T/dec.json"
echo "17 16 15 20 19 18 17 16 15 20 19 18 17 16" | tr ' ' '\n' >"$T/dec.want"
"$XDPERF" --templates "$T/dec.json" -o "$T/dec_file.pcap" -c 14 2>"$T/err" || fails "dec: pcap run: $(cat "$T/err")"
pyfield "$T/dec_file.pcap" 34 2 >"$T/dec.got"
same_list "$T/dec.want" "$T/dec.got" "decrement pcap (15..20 start 17)"
for mode in $TX_MODES; do
	cap_send "$T/dec_$mode.pcap" udp -- --templates "$T/dec.json" --mode $mode -c 14 -q
	pyfield "$T/dec_$mode.pcap" 34 2 >"$T/dec.got"
	same_list "$T/dec.want" "$T/dec.got" "decrement $mode (15..20 start 17)"
done

# ---- 3. random: range, coverage, uniformity, reproducible by seed ---------------------------
mk --mod 'udp.dst_port|random|2000|2099|seed=5' >"$T/rnd5.json"
mk --mod 'udp.dst_port|random|2000|2099|seed=6' >"$T/rnd6.json"
"$XDPERF" --templates "$T/rnd5.json" -o "$T/rnd5_file.pcap" -c 20000 2>"$T/err" || fails "random: pcap run: $(cat "$T/err")"
"$XDPERF" --templates "$T/rnd6.json" -o "$T/rnd6_file.pcap" -c 20000 2>"$T/err" || fails "random: pcap run: $(cat "$T/err")"
pyfield "$T/rnd5_file.pcap" 36 2 >"$T/rnd5.file"
pyfield "$T/rnd6_file.pcap" 36 2 >"$T/rnd6.file"
python3 - "$T/rnd5.file" <<'PY' || fails "random seed 5: distribution (see above)"
import sys
v = [int(x) for x in open(sys.argv[1])]
out = [x for x in v if not 2000 <= x <= 2099]
cnt = {x: v.count(x) for x in range(2000, 2100)}
mean = len(v) / 100
lo, hi = min(cnt.values()), max(cnt.values())
print(f"random 2000..2099 seed 5: {len(v)} values, {len(out)} out of range, "
      f"{sum(1 for c in cnt.values() if c)} of 100 seen, per value min {lo} max {hi} (mean {mean:.0f})")
ok = len(v) == 20000 and not out and lo > 0 and lo >= 0.5 * mean and hi <= 1.5 * mean
if not ok:
    print(f"FAIL: random: want 20000 values all in 2000..2099, all 100 seen, each within 50% of {mean:.0f}")
sys.exit(0 if ok else 1)
PY
if cmp -s "$T/rnd5.file" "$T/rnd6.file"; then fails "random: seeds 5 and 6 give the same sequence"; else
	echo "random: seeds 5 and 6 give different sequences"; fi
for mode in $TX_MODES; do
	# paced: an unpaced XDP send outruns the capture (XDP_PASS to tcpdump drops frames the
	# receiver's counter saw)
	cap_send "$T/rnd_$mode.pcap" udp -- --templates "$T/rnd5.json" --mode $mode -l 1 -c 20000 -r 200000 -q
	pyfield "$T/rnd_$mode.pcap" 36 2 >"$T/rnd.got"
	same_list "$T/rnd5.file" "$T/rnd.got" "random seed 5 $mode (same sequence as the pcap file)"
done

# ---- 4. range: every value once per cycle, scattered -----------------------------------------
mk --mod 'ipv4.id|range|0|99|seed=3' >"$T/range.json"
"$XDPERF" --templates "$T/range.json" -o "$T/range_file.pcap" -c 300 2>"$T/err" || fails "range: pcap run: $(cat "$T/err")"
for src in file $TX_MODES; do
	if [ $src != file ]; then
		cap_send "$T/range_$src.pcap" udp -- --templates "$T/range.json" --mode $src -c 300 -q
	fi
	pyfield "$T/range_$src.pcap" 18 2 >"$T/range.got"
	python3 - "$T/range.got" "$src" <<'PY' || fails "range 0..99 $src (see above)"
import sys
v = [int(x) for x in open(sys.argv[1])]
ok = len(v) == 300
for c in range(3):
    cyc = v[c * 100:(c + 1) * 100]
    if sorted(cyc) != list(range(100)):
        ok = False
        print(f"FAIL: range {sys.argv[2]}: cycle {c} is not each of 0..99 once: {cyc[:20]}...")
seq = sum(1 for i in range(1, len(v)) if v[i] == v[i - 1] + 1)
if seq > 30:
    ok = False
    print(f"FAIL: range {sys.argv[2]}: {seq} of {len(v) - 1} steps are +1 (want a scattered order)")
print(f"range 0..99 {sys.argv[2]}: {len(v)} values, {seq} sequential steps, first {v[:8]}")
sys.exit(0 if ok else 1)
PY
done

# ---- 5. several modifiers at once, every checksum valid -------------------------------------
mk --frame udp4 --len 100 \
	--mod 'ipv4.src_ip|increment|"10.0.0.1"|"10.0.0.200"' \
	--mod 'ipv4.dst_ip|decrement|"10.9.0.1"|"10.9.1.20"' \
	--mod 'udp.src_port|random|1024|65535|seed=3' \
	--mod 'ipv4.id|range|0|999' \
	--mod 'udp.dst_port|increment|65530|65535' >"$T/m_udp4.json"
mk --frame tcp4 --len 80 \
	--mod 'ipv4.src_ip|increment|"10.0.0.1"|"10.0.0.99"' \
	--mod 'ipv4.dst_ip|random|"10.9.0.0"|"10.9.255.255"|seed=4' \
	--mod '{"target":{"layer":"tcp","field":"seq"},"operation":"increment","params":{"step":1000,"start":"4294960000"}}' \
	--mod 'tcp.src_port|random|1|65535|seed=9' >"$T/m_tcp4.json"
mk --frame udp6 --len 90 \
	--mod 'ipv6.src_ip|increment|"fd00::1:fff0"|"fd00::2:10"' \
	--mod 'udp.src_port|increment|0|65535|start=65500' >"$T/m_udp6.json"
for kind in udp4 tcp4 udp6; do
	case $kind in udp4) pfilt=udp ;; tcp4) pfilt=tcp ;; udp6) pfilt=ip6 ;; esac
	for mode in $TX_MODES; do
		cap_send "$T/m_${kind}_$mode.pcap" "$pfilt" -- --templates "$T/m_$kind.json" --mode $mode -c 3000 -q
		read -r n bad < <(cap_bad_checksums "$T/m_${kind}_$mode.pcap")
		echo "$kind $mode several modifiers: $n frames captured, $bad with a bad checksum"
		[ "$n" = 3000 ] || fails "$kind $mode: captured $n frames, want 3000"
		[ "$bad" = 0 ] || fails "$kind $mode: $bad of $n frames have a bad IPv4/UDP/TCP checksum"
		# and the modifiers did change the frames
		# AF_PACKET picks the veth TX queue by flow hash and each RX queue of the peer is
		# processed on its own CPU, so under load frames of different flows can arrive out of
		# order: there the fields of each frame must match one index (multiset of tuples), for
		# XDP (one thread, one queue) the order itself must match too
		python3 - "$T/m_${kind}_$mode.pcap" "$kind" "$mode" <<'PY' || fails "$kind $mode: fields not rewritten as expected"
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
f = [x for _, x in pcapread.frames(sys.argv[1])]
k, mode = sys.argv[2], sys.argv[3]
n = len(f)
if k == "udp4":
    got = [(pcapread.be(x, 26, 4) - (10 << 24),) for x in f]
    want = [(1 + i % 200,) for i in range(n)]
    extra = len(set(pcapread.be(x, 30, 4) for x in f)) == 276 and \
        len(set(pcapread.be(x, 34, 2) for x in f)) > 2500
elif k == "tcp4":
    got = [(pcapread.be(x, 26, 4) - (10 << 24), pcapread.be(x, 38, 4)) for x in f]
    want, s = [], 4294960000
    for i in range(n):
        want.append((1 + i % 99, s))
        s = s + 1000 if s + 1000 <= 0xFFFFFFFF else 0
    extra = True
else:
    got = [(pcapread.be(x, 30, 8), pcapread.be(x, 54, 2)) for x in f]
    want = [(0x1fff0 + i % 33, (65500 + i) % 65536) for i in range(n)]
    extra = True
ok = extra and (got == want if mode == "xdp" else sorted(got) == sorted(want))
inorder = "in order" if got == want else "as a multiset"
print(f"  {k}: field sequences {('as expected, ' + inorder) if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PY
	done
done

# ---- 6. two threads split one sequence: each value exactly once -----------------------------
mk --mod 'udp.src_port|increment|10000|10999' >"$T/two.json"
for mode in $TX_MODES; do
	cap_send "$T/two_$mode.pcap" udp -- --templates "$T/two.json" --mode $mode -l 2 -c 1000 -q
	pyfield "$T/two_$mode.pcap" 34 2 | sort -n >"$T/two.got"
	seq 10000 10999 >"$T/two.want"
	same_list "$T/two.want" "$T/two.got" "two threads $mode: multiset of udp.src_port 10000..10999"
done

# ---- 7. modifier under a checksum that is not kept: warning; bad modifier: error, nothing sent
mk --mod 'ipv4.src_ip|increment|"10.0.0.1"|"10.0.0.5"' --csum ipv4:off,udp >"$T/warn.json"
cap_send "$T/warn.pcap" udp -- --templates "$T/warn.json" --mode afpacket -c 5 -q
if grep -q "no checksums entry keeps" "$T/send.err"; then
	echo "uncovered checksum warning: $(grep "no checksums entry keeps" "$T/send.err")"
else
	fails "modifier on ipv4.src_ip with the ipv4 checksum entry lacking auto_update: no warning containing \"no checksums entry keeps\" on stderr (got: $(head -c 300 "$T/send.err"))"
fi
mk --mod 'udp.src_port|increment|1000|70000' >"$T/bad.json"
for mode in $TX_MODES; do
	cap_send "$T/bad_$mode.pcap" udp -- --templates "$T/bad.json" --mode $mode -c 5 -q 2>/dev/null
	lines=$(grep -c . "$T/send.err" || true)
	echo "bad modifier $mode: exit $SEND_RC, $lines line(s): $(cat "$T/send.err"); receiver got ${CAP_RX:-?} frames"
	[ "$SEND_RC" != 0 ] || fails "bad modifier $mode: exit 0, want an error"
	[ "$lines" = 1 ] || fails "bad modifier $mode: want a one-line message, got $lines lines"
	grep -q "template 0: modifiers\[0\]\.params\.max" "$T/send.err" ||
		fails "bad modifier $mode: message does not name template 0 and modifiers[0].params.max"
	[ "${CAP_RX:-x}" = 0 ] || fails "bad modifier $mode: the receiver counted ${CAP_RX:-?} frames, want 0"
done
"$XDPERF" --templates "$T/bad.json" -o "$T/bad.pcap" -c 5 2>"$T/err" && fails "bad modifier pcap: exit 0"
[ ! -e "$T/bad.pcap" ] || fails "bad modifier pcap: output file left behind"
exit $fail
