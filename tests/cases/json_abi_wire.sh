#!/usr/bin/env bash
# The Go xdperf 0.11 ABI's variable templates on the wire: the plugin of tests/cases/json_abi.sh
# (four variants: fields, a length walk, IPv6 + SRH, GTP-U with nested checksums) sent from
# NS_A's veth0 with XDP and with AF_PACKET (two sender threads; AF_PACKET only where the kernel
# refuses XDP live frames: tests/lib/xdp_live.sh), captured on veth1: each
# variant's frames are exactly the rules' frames (as a multiset: the threads interleave) in the
# shares floor(count * w / W), every checksum valid per tshark; the plugin's request carries
# device_name veth0 and veth0's MAC in base64.
set -euo pipefail
. "$REPO/tests/lib/netns.sh"
. "$REPO/tests/lib/xdp_live.sh"
. "$REPO/tests/lib/capture.sh"
netns_need_root
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
netns_pair_setup
xdp_live_init
T="$TMPDIR"
J="$REPO/tests/lib/json_abi.py"
fail=0
fails() { echo "FAIL: $*"; fail=1; }

python3 "$J" resp "$T/seq.json"
python3 "$J" wat "$T/seq.json" "$T/p.wat" --goshim
wat2wasm "$T/p.wat" -o "$T/p.wasm"
MAC_A=$(ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/address")
B64=$(python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1].replace(":",""))).decode())' "$MAC_A")
N=1000
for mode in $TX_MODES; do
	cap_send "$T/$mode.pcap" -- --plugin "$T/p.wasm" --mode $mode --parallelism 2 -c $N -q
	[ "$SEND_RC" = 0 ] || fails "$mode: xdperf exited $SEND_RC: $(tail -n 2 "$T/send.err")"
	if python3 "$J" check "$T/$mode.pcap" "$T/seq.json" $N --any-order >"$T/chk"; then
		echo "$mode: $(tr '\n' ' ' <"$T/chk")"
	else
		fails "$mode: $(grep FAIL "$T/chk" | head -n 3 | tr '\n' ' ')"
	fi
	read -r n badck < <(cap_bad_checksums "$T/$mode.pcap")
	[ "$badck" = 0 ] && [ "$n" = $N ] || fails "$mode: $badck of $n frames with a bad checksum (want 0 of $N)"
	grep -q "\"count\":$N,\"device_mac_addr\":\"$B64\",\"device_name\":\"$IF_A\"" "$T/send.err" ||
		fails "$mode: the request lacks device_name $IF_A / device_mac_addr $B64: $(grep -m1 '"count"' "$T/send.err")"
done
[ $fail = 0 ] && echo "json ABI on the wire ($TX_MODES): frames as the rules say"
exit $fail
