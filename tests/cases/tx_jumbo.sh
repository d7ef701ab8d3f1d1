#!/usr/bin/env bash
# Jumbo frames (root, namespaces; veth MTU 9216): 9216- and 9000-byte frames on AF_PACKET, ring
# and sendmmsg paths, captured whole on the peer (tcpdump) byte for byte with exact counts (the
# receiver's XDP counter, multi-buffer aware, agrees), also stamped with a field engine
# modifier (every checksum valid per tshark, sequences in order); -o pcap output read back
# with tshark; XDP up to the live-frame limit it reports (the limit sent byte for byte, one
# byte more refused with --mode xdp, and falling back to AF_PACKET with one notice line in
# auto mode; a hot swap to such a set refused with one line, the old set going on); simpleudp
# with payload_size 8000 (plugin run and a real send); a frame above
# 9216 bytes and one above the device's (or the veth peer's) MTU refused with one line.
# Where this kernel refuses XDP live frames (tests/lib/xdp_live.sh) there is no limit to find
# and the XDP sends and the XDP hot swap are not run: --mode xdp with a 9000- and a 3000-byte
# frame is exactly the one line saying the kernel refuses live frames (not a length), exit 1,
# nothing arriving (the receiver's counter), and auto mode's one notice line is that line +
# "; using afpacket", AF_PACKET then sending everything byte for byte.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/capture.sh"
. "$REPO/tests/lib/xdp_live.sh"
netns_need_root
command -v tcpdump >/dev/null || { echo "needs tcpdump"; exit 77; }
command -v tshark >/dev/null || { echo "needs tshark"; exit 77; }
netns_pair_setup
xdp_live_init
ip -n "$NS_A" link set "$IF_A" mtu 9216
ip -n "$NS_B" link set "$IF_B" mtu 9216
# whole frames: -s 0 would do, but with --immediate-mode libpcap gives every frame a slot of the
# snapshot length (256 KiB for 0), so its 64 MiB buffer would hold only 256 of them
export CAP_SNAPLEN=9216
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# templates files: one frame per length, UDP ports 1000 + i -> 9000
mk() { # FILE LEN...
	local out=$1
	shift
	python3 - "$out" "$@" <<'PY'
import sys, os, json
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import mktmpl
ts = [{"template": {"base_packet": {"data": mktmpl.frame("udp4", int(l), 1000 + i, 9000).hex(),
                                    "type": "hex"}}}
      for i, l in enumerate(sys.argv[2:])]
json.dump(ts, open(sys.argv[1], "w"))
PY
}
# PCAP TEMPLATES N: the capture holds exactly N frames, each equal to its template, the
# templates in turn (equal shares)
check_frames() {
	python3 - "$@" <<'PY'
import sys, os, json, collections
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
tm = [bytes.fromhex(t["template"]["base_packet"]["data"]) for t in json.load(open(sys.argv[2]))]
n = int(sys.argv[3])
fr = [f for _, f in pcapread.frames(sys.argv[1])]
per = collections.Counter(tm.index(f) if f in tm else -1 for f in fr)
print(f"  {len(fr)} frames of {sorted(set(len(f) for f in fr))} bytes; per template "
      f"{dict(sorted(per.items()))} (-1: matching none)")
ok = len(fr) == n and per[-1] == 0 and all(per[i] == n // len(tm) for i in range(len(tm)))
sys.exit(0 if ok else 1)
PY
}

mk "$T/j2.json" 9216 9000
mk "$T/j9216.json" 9216

# 1. AF_PACKET, both send paths, two threads: exact counts, every frame byte for byte
for path in ring mmsg; do
	XDPERF_AFPACKET=$path cap_send "$T/afp_$path.pcap" udp -- --templates "$T/j2.json" \
		--mode afpacket -c 1000 -l 2
	echo "afpacket ($path), 9216 + 9000 bytes, 2 threads: exit $SEND_RC, receiver counted $CAP_RX"
	[ "$SEND_RC" = 0 ] || bad "afpacket $path: exit $SEND_RC: $(tail -n 2 "$T/send.err")"
	[ "$CAP_RX" = 1000 ] || bad "afpacket $path: the receiver counted ${CAP_RX:-?} frames, not 1000"
	grep -q "sent 1000 packets (9108000 bytes)" "$T/send.err" ||
		bad "afpacket $path: summary: $(grep 'sent' "$T/send.err")"
	check_frames "$T/afp_$path.pcap" "$T/j2.json" 1000 || bad "afpacket $path: frames differ"
done

# 2. stamps and a field engine modifier on 9000-byte frames (AF_PACKET, two threads): every
# checksum valid, the modifier's values, the trailers' sequences in order per stream
python3 "$REPO/tests/lib/mktmpl.py" --len 9000 --sport 1000 --dport 9000 \
	--mod 'udp.src_port|increment|2000|2099' >"$T/jfe.json"
# (the ASan/UBSan build, both send paths)
for path in ring mmsg; do
XDPERF_BIN=$XDPERF_ASAN XDPERF_AFPACKET=$path cap_send "$T/fe.pcap" udp -- --templates "$T/jfe.json" \
	--mode afpacket -c 400 -l 2 --stamp
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 400 ] || bad "stamped 9000-byte run ($path): exit $SEND_RC, counted ${CAP_RX:-?}"
read -r n badc < <(cap_bad_checksums "$T/fe.pcap")
echo "afpacket ($path, ASan), 9000 bytes, --stamp and a source port walk: $n frames, $badc with a bad checksum"
[ "$n" = 400 ] && [ "$badc" = 0 ] || bad "stamped 9000-byte frames ($path): $badc of $n with a bad checksum"
python3 - "$T/fe.pcap" <<'PY' || bad "stamped 9000-byte frames ($path): trailers or ports wrong"
import sys, os, collections
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
seqs = collections.defaultdict(list)
ports = set()
for _, f in pcapread.frames(sys.argv[1]):
    assert len(f) == 9000, len(f)
    v, run, s, q, ns = pcapread.trailer(f, len(f))
    seqs[s].append(q)
    ports.add(int.from_bytes(f[34:36], "big"))
ok = len(seqs) == 2 and all(v == list(range(len(v))) for v in seqs.values()) and \
    ports <= set(range(2000, 2100)) and len(ports) == 100
print(f"  {len(seqs)} streams, sequences in order: {ok}, {len(ports)} source ports")
sys.exit(0 if ok else 1)
PY
done

# 3. pcap output (the ASan/UBSan build): the frames' lengths and bytes as tshark and the reader
# see them; with the field engine, every checksum valid
"$XDPERF_ASAN" --templates "$T/j2.json" -o "$T/out.pcap" -c 10 2>"$T/o.err" || bad "-o: $(cat "$T/o.err")"
"$XDPERF_ASAN" --templates "$T/jfe.json" -o "$T/ofe.pcap" -c 300 2>"$T/o.err" || bad "-o: $(cat "$T/o.err")"
read -r n badc < <(cap_bad_checksums "$T/ofe.pcap")
ports=$(tshark -r "$T/ofe.pcap" -T fields -e udp.srcport 2>/dev/null | sort -u | wc -l)
echo "-o pcap, 9000 bytes with a source port walk: $n frames, $badc with a bad checksum, $ports ports"
[ "$n" = 300 ] && [ "$badc" = 0 ] && [ "$ports" = 100 ] || bad "-o pcap with the field engine"
lens=$(tshark -r "$T/out.pcap" -T fields -e frame.len -e frame.cap_len 2>/dev/null | sort | uniq -c |
	awk '{printf "%s:%s/%s ", $1, $2, $3}')
echo "-o pcap: frames (count:len/caplen) $lens"
[ "$lens" = "5:9000/9000 5:9216/9216 " ] || bad "-o pcap: lengths $lens"
check_frames "$T/out.pcap" "$T/j2.json" 10 || bad "-o pcap: frames differ from their templates"

# 4. XDP: the limit it reports, that many bytes sent byte for byte, one more refused
mk "$T/j9000.json" 9000
eperm="xdperf: xdp: the kernel does not let this process send XDP live frames on $IF_A (BPF_PROG_RUN: Operation not permitted)"
if xdp_only "the XDP live-frame limit, XDP sends up to it and one byte more refused"; then
ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" --templates "$T/j9000.json" --mode xdp -c 10 \
	>/dev/null 2>"$T/x.err" && bad "--mode xdp with a 9000-byte frame succeeded"
cat "$T/x.err"
max=$(sed -n 's/^xdperf: xdp: template 0 is 9000 bytes; XDP live frames take at most \([0-9]*\) bytes on this kernel$/\1/p' "$T/x.err")
[ "$(wc -l <"$T/x.err")" = 1 ] && [ -n "$max" ] || bad "--mode xdp refusal: not one line naming the limit"
max=${max:-3408}
echo "XDP live frame limit on this kernel: $max bytes"
[ "$max" -ge 3000 ] && [ "$max" -le 4096 ] || bad "XDP limit $max is not in 3000..4096"
mk "$T/xmax.json" 64 "$max" 1500
cap_send "$T/xdp.pcap" udp -- --templates "$T/xmax.json" --mode xdp -c 3000 -l 2
echo "xdp, 64 + $max + 1500 bytes, 2 threads: exit $SEND_RC, receiver counted $CAP_RX"
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 3000 ] || bad "xdp up to the limit: exit $SEND_RC, counted ${CAP_RX:-?}"
check_frames "$T/xdp.pcap" "$T/xmax.json" 3000 || bad "xdp up to the limit: frames differ"
mk "$T/xover.json" 64 $((max + 1))
ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" --templates "$T/xover.json" --mode xdp -c 10 \
	>/dev/null 2>"$T/x.err" && bad "--mode xdp with a $((max + 1))-byte frame succeeded"
want="xdperf: xdp: template 1 is $((max + 1)) bytes; XDP live frames take at most $max bytes on this kernel"
[ "$(cat "$T/x.err")" = "$want" ] || bad "--mode xdp, $((max + 1)) bytes: $(cat "$T/x.err")"
else
	# no live frame at all: a long frame is refused for that, not for its length; nothing sent
	mk "$T/j3000.json" 3000
	for f in j9000 j3000; do
		rx_count_start "$NS_B" "$IF_B" || bad "the counter did not start"
		rc=0
		ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" --templates "$T/$f.json" --mode xdp -c 10 \
			>/dev/null 2>"$T/x.err" || rc=$?
		read -r pk _ < <(rx_count_stop) || true
		echo "--mode xdp, $f: exit $rc, receiver counted ${pk:-?}, stderr: $(cat "$T/x.err")"
		[ "$rc" = 1 ] && [ "$(cat "$T/x.err")" = "$eperm" ] && [ "${pk:-}" = 0 ] ||
			bad "--mode xdp, $f where live frames are refused: want exit 1, 0 counted, stderr exactly: $eperm"
	done
fi

# 5. auto mode above the limit: one notice line, then AF_PACKET sends everything
cap_send "$T/auto.pcap" udp -- --templates "$T/j2.json" -c 200
if [ "$XDP_LIVE" = 1 ]; then
	notice="xdperf: xdp: template 0 is 9216 bytes; XDP live frames take at most $max bytes on this kernel; using afpacket"
else
	notice="$eperm; using afpacket"
fi
echo "auto mode, 9216 + 9000 bytes: exit $SEND_RC, receiver counted $CAP_RX; stderr:"
sed 's/^/  /' "$T/send.err"
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 200 ] || bad "auto fallback: exit $SEND_RC, counted ${CAP_RX:-?}"
[ "$(grep -c 'xdperf: xdp' "$T/send.err")" = 1 ] && [ "$(grep -cxF "$notice" "$T/send.err")" = 1 ] &&
	grep -q '(afpacket, ' "$T/send.err" || bad "auto fallback: not one notice line"
check_frames "$T/auto.pcap" "$T/j2.json" 200 || bad "auto fallback: frames differ"

if xdp_only "a hot swap (--watch) on XDP to frames above the live-frame limit"; then
# 6. a hot swap (--watch) to a set XDP cannot send is refused with one line; the old set goes on
mk "$T/j3000.json" 3000
cp "$T/j3000.json" "$T/w.json"
rx_count_start "$NS_B" "$IF_B" || bad "the counter did not start"
ip netns exec "$NS_A" "$XDPERF" -d "$IF_A" --templates "$T/w.json" --watch -t 4 -r 500 --mode xdp \
	>/dev/null 2>"$T/w.err" &
wpid=$!
wait_line "$T/w.err" '^1s ' "$wpid" 30 || bad "--watch run: no progress line: $(cat "$T/w.err")"
cp "$T/j9000.json" "$T/w.tmp" && mv "$T/w.tmp" "$T/w.json"
wrc=0
wait "$wpid" || wrc=$?
read -r wp wb < <(rx_count_stop) || true
wline="xdperf: reload (file changed) of $T/w.json: xdp: template 0 is 9000 bytes; XDP live frames take at most $max bytes on this kernel; still sending the previous templates"
echo "xdp --watch, 3000 bytes, then a 9000-byte file: exit $wrc, receiver counted ${wp:-?} frames (${wb:-?} bytes)"
grep -xF "$wline" "$T/w.err" | sed 's/^/  /'
[ "$wrc" = 0 ] && [ "$(grep -cxF "$wline" "$T/w.err")" = 1 ] || bad "--watch swap to 9000 bytes: $(cat "$T/w.err")"
grep -q "sent ${wp:-x} packets ($(( ${wp:-0} * 3000 )) bytes)" "$T/w.err" && [ "${wp:-0}" -gt 1000 ] &&
	[ "${wb:-}" = $(( wp * 3000 )) ] || bad "--watch: counted ${wp:-?} frames, ${wb:-?} bytes: $(grep sent "$T/w.err")"
fi

# 7. a plugin with payload_size 8000: plugin run, then a real send (falls back to AF_PACKET)
printf '{"payload_size": 8000, "dst_ip": "10.9.9.9", "dst_mac": "02:00:00:00:00:02"}' >"$T/p8000.json"
"$XDPERF" plugin run simpleudp --cfg "$T/p8000.json" >"$T/prun.out" 2>&1 || bad "plugin run: $(cat "$T/prun.out")"
grep -q '^template 0: 8042 bytes' "$T/prun.out" && grep -q 'Payload   8000 bytes' "$T/prun.out" ||
	bad "plugin run: $(head -n 3 "$T/prun.out")"
cap_send "$T/plugin.pcap" udp -- -p simpleudp --cfg "$T/p8000.json" -c 100
lens=$(tshark -r "$T/plugin.pcap" -T fields -e frame.len -e udp.length 2>/dev/null | sort | uniq -c |
	awk '{printf "%s:%s/%s ", $1, $2, $3}')
echo "simpleudp payload_size 8000: exit $SEND_RC, receiver counted $CAP_RX, captured (count:frame/udp) $lens"
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 100 ] && [ "$lens" = "100:8042/8008 " ] ||
	bad "simpleudp payload_size 8000 on the wire"

# 8. refusals, one line each: above 9216 bytes; above the device's MTU; above the peer's
refused() { # WANT ARGS...: exit status 1 (a user error) and exactly the line WANT on stderr
	local want=$1 rc=0
	shift
	ip netns exec "$NS_A" "$XDPERF" "$@" >/dev/null 2>"$T/r.err" || rc=$?
	if [ "$rc" = 0 ] || [ "$(cat "$T/r.err")" != "$want" ]; then
		bad "$*: exit $rc, stderr: $(cat "$T/r.err") (want: $want)"
	else
		echo "refused (exit $rc): $want"
	fi
}
mk "$T/j9217.json" 9217
refused "xdperf: --templates $T/j9217.json: template 0: base_packet.data: 9217 bytes are above the 9216-byte frame limit" \
	-d "$IF_A" --templates "$T/j9217.json" -c 1
ip -n "$NS_A" link set "$IF_A" mtu 9000
mk "$T/j9015.json" 9014 9015
refused "xdperf: -d $IF_A: template 1: 9015 bytes do not fit the MTU of $IF_A (9000: frames up to 9014 bytes); lower the frame size or raise the MTU" \
	-d "$IF_A" --templates "$T/j9015.json" -c 1
mk "$T/j9014.json" 9014
cap_send "$T/m9014.pcap" udp -- --templates "$T/j9014.json" -c 20 -q
echo "device MTU 9000, 9014-byte frames: exit $SEND_RC, receiver counted $CAP_RX"
[ "$SEND_RC" = 0 ] && [ "$CAP_RX" = 20 ] || bad "9014 bytes at MTU 9000: exit $SEND_RC, counted ${CAP_RX:-?}"
check_frames "$T/m9014.pcap" "$T/j9014.json" 20 || bad "9014 bytes at MTU 9000: frames differ"
ip -n "$NS_A" link set "$IF_A" mtu 9216
ip -n "$NS_B" link set "$IF_B" mtu 9000
refused "xdperf: -d $IF_A: template 0: 9216 bytes do not fit the MTU of $IF_B, the veth peer of $IF_A (9000: frames up to 9014 bytes); lower the frame size or raise the peer's MTU" \
	-d "$IF_A" --templates "$T/j9216.json" -c 1
exit $fail
