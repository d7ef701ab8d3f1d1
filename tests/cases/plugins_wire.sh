#!/usr/bin/env bash
# The Go xdperf's protocol plugins on the wire (root; a veth pair): gtpv1u, vxlan, srv6,
# imixudp and variety, each with a config whose fields walk (TEID/QFI, VNI and inner sweeps,
# flow label and SRH tag, the imixudp walks, every variety kind), sent from NS_A's veth0 with XDP
# and with AF_PACKET (one sender thread: the order of the pcap; AF_PACKET only where the kernel
# refuses XDP live frames: tests/lib/xdp_live.sh) and captured on veth1:
#  - the frames captured are, as a multiset, exactly those the same plugin writes with -o (on
#    XDP, the XDP program's field engine, with positioned checksums, gives the bytes the
#    user-space one does), the file's broadcast destination MAC being on the wire
#    veth1's, resolved with is_arp_resolve (dst_ip 10.201.0.2, in NS_A's neighbour table);
#  - tshark finds every IPv4/UDP/TCP checksum it can check valid.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
netns_pair_setup
xdp_live_init
T="$TMPDIR"
P="$REPO/build/plugins"
fail=0
fails() { echo "FAIL: $*"; fail=1; }

cfg() { printf '%s' "$2" >"$T/$1.json"; }
cfg gtpv1u '{"dst_ip":"10.201.0.2","teid_start":100,"teid_end":130,"qfi_start":1,"qfi_end":9,
 "inner_udp_checksum":true,"vary_inner_port":true,"imix_sizes":[128,512],"imix_weights":[3,1]}'
cfg vxlan '{"dst_ip":"10.201.0.2","vni_start":100,"vni_end":140,"vary_inner_port":true,
 "vary_inner_ip":true,"vary_outer_port":true,"inner_udp_checksum":true,"imix_sizes":[200,900]}'
cfg srv6 '{"is_arp_resolve":false,"dst_mac":"02:00:00:00:00:02","segments":["fc00::2","fc00::3"],
 "flow_label_start":10,"flow_label_end":50,"srh_tag_start":1,"srh_tag_end":7,
 "vary_inner_src_port":true,"vary_inner_ip":true,"imix_sizes":[300,700]}'
cfg imixudp '{"dst_ip":"10.201.0.2"}'
cfg variety '{"dst_ip":"10.201.0.2"}'

N=1200
for p in gtpv1u vxlan srv6 imixudp variety; do
	"$XDPERF" --plugin "$P/$p.wasm" --cfg "$T/$p.json" --src-mac "$MAC_A" -o "$T/$p-file.pcap" -c $N \
		2>"$T/$p-file.err" ||
		{ fails "$p: pcap run: $(tail -n 2 "$T/$p-file.err")"; continue; }
	for mode in $TX_MODES; do
		cap_send "$T/$p-$mode.pcap" -- --plugin "$P/$p.wasm" --cfg "$T/$p.json" --mode $mode \
			--parallelism 1 -c $N -q
		[ "$SEND_RC" = 0 ] || { fails "$p $mode: xdperf exited $SEND_RC: $(tail -n 2 "$T/send.err")"; continue; }
		if ! python3 - "$T/$p-file.pcap" "$T/$p-$mode.pcap" "$MAC_B" "$p $mode" <<'PY'; then fail=1; fi
import collections, sys
sys.path.insert(0, __import__("os").environ["REPO"] + "/tests/lib")
import pcapread
fp, wp, mac, what = sys.argv[1:5]
mac = bytes.fromhex(mac.replace(":", ""))
file = [f for _, f in pcapread.frames(fp)]
wire = [f for _, f in pcapread.frames(wp)]
# the file run has no device: dst_mac stays broadcast where the wire run resolved veth1's MAC
# (an ARP request is broadcast in both)
resolved = lambda f: mac + f[6:] if f[:6] == b"\xff" * 6 and f[12:14] != b"\x08\x06" else f  # noqa: E731
to_b = sum(f[:6] == mac for f in wire)
a, b = collections.Counter(resolved(f) for f in file), collections.Counter(wire)
ok = len(wire) == len(file) and to_b > 0 and a == b
print(f"{what}: {len(wire)} frames on the wire, {len(file)} in the file, {to_b} to {sys.argv[3]}, "
      f"{sum((a - b).values())} of the file's missing on the wire" + ("" if ok else "  FAIL"))
sys.exit(0 if ok else 1)
PY
		# checksum status 0 = bad, 4 = illegal (2 unverified and 3 absent are not errors)
		read -r n badck good < <(tshark -r "$T/$p-$mode.pcap" -o ip.check_checksum:TRUE \
			-o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
			-T fields -E separator=, -e ip.checksum.status -e udp.checksum.status \
			-e tcp.checksum.status 2>/dev/null |
			awk -F, '{ n++; for (i = 1; i <= NF; i++) { if ($i == "0" || $i == "4") b++; if ($i == "1") g++ } }
				 END { print n + 0, b + 0, g + 0 }')
		echo "$p $mode: tshark: $n frames, $good good checksums, $badck bad"
		[ "$badck" = 0 ] && [ "$good" -gt 0 ] || fails "$p $mode: $badck bad checksums ($good good) in $n frames"
	done
done
[ $fail = 0 ] && echo "protocol plugins on the wire ($TX_MODES): the pcap's frames, to the resolved MAC, checksums valid"
exit $fail
