#!/usr/bin/env bash
# Neighbour resolution (src/plugin/neigh.c, the host_neighbor_resolve import), on a veth pair
# in two namespaces, run from NS_A on veth0 (built with ASan/UBSan against the sources):
#  - 10.201.0.2 (not yet in the neighbour table) resolves to veth1's MAC: the kernel was asked;
#    asked again it comes from the table;
#  - fd00:201::2 (IPv6, neighbour discovery) and veth1's link-local address resolve too;
#  - 10.201.0.77 (nobody there): 0 and "not resolved" after the retries;
#  - unprivileged (setpriv to nobody, no capabilities: RTM_NEWNEIGH is refused), 10.201.0.2 is
#    resolved by the datagram to the discard port;
#  - not an address: -EINVAL; no such device: -ENODEV; both with one line naming them;
#  - a generator plugin (tests/plugins/neighbor.wat) sending on veth0 gets veth1's MAC from
#    env.host_neighbor_resolve, 0 for another device (with a WARN line) and 0 with -o FILE.pcap;
#  - simpleudp with "gateway", then with the Go xdperf's "is_arp_resolve": its frames (tcpdump on
#    veth1) go to veth1's MAC; with -o FILE.pcap a gateway is refused, naming it, and
#    is_arp_resolve keeps dst_mac (broadcast) with a WARN line.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
. "$REPO/tests/lib/netns.sh"
netns_need_root
fail=0
bad() { echo "FAILED: $*"; fail=1; }

gcc -std=gnu11 -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" -Wall -Wextra -Werror -g -O1 \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined "$REPO/src/plugin/neigh.c" \
  "$REPO/src/util/err.c" "$REPO/tests/unit/neigh_resolve.c" -o "$T/neigh_resolve" ||
  { echo "FAILED: cannot build tests/unit/neigh_resolve.c"; exit 1; }

netns_pair_setup
# the namespaces start with IPv6 off (no stray neighbour discovery): on for these two devices,
# without duplicate address detection (a tentative link-local address cannot solicit), and
# without netns_pair_setup's static neighbour entry
ip netns exec "$NS_A" sysctl -qw "net.ipv6.conf.$IF_A.accept_dad=0" "net.ipv6.conf.$IF_A.disable_ipv6=0"
ip netns exec "$NS_B" sysctl -qw "net.ipv6.conf.$IF_B.accept_dad=0" "net.ipv6.conf.$IF_B.disable_ipv6=0"
ip -n "$NS_A" neigh del 10.201.0.2 dev "$IF_A"
ip -n "$NS_A" addr add fd00:201::1/64 dev "$IF_A" nodad
ip -n "$NS_B" addr add fd00:201::2/64 dev "$IF_B" nodad
LL_B=$(ip -n "$NS_B" -6 addr show dev "$IF_B" scope link | sed -n 's/.*inet6 \(fe80[^/]*\)\/.*/\1/p')
for ((i = 0; i < 50; i++)); do
  [ -z "$LL_B" ] || break
  sleep 0.1
  LL_B=$(ip -n "$NS_B" -6 addr show dev "$IF_B" scope link | sed -n 's/.*inet6 \(fe80[^/]*\)\/.*/\1/p')
done

resolve() { ip netns exec "$NS_A" "$T/neigh_resolve" "$1" "$2" 2>"$T/nr.err"; }
expect() { # WHAT IP IF WANT [ERR-TEXT]
  local got; got=$(resolve "$2" "$3")
  if [ "$got" != "$4" ]; then bad "$1: got '$got', want '$4' ($(cat "$T/nr.err"))"; return; fi
  if [ -n "${5:-}" ] && ! grep -qF -- "$5" "$T/nr.err"; then bad "$1: no '$5' in '$(cat "$T/nr.err")'"; return; fi
  if grep -Eq 'runtime error|Sanitizer' "$T/nr.err"; then bad "$1: sanitizer report: $(cat "$T/nr.err")"; return; fi
  echo "ok $1: $got"
}

[ -z "$(ip -n "$NS_A" neigh show 10.201.0.2 dev "$IF_A")" ] || bad "10.201.0.2 is in the table before the test"
expect "IPv4, resolved by asking the kernel" 10.201.0.2 "$IF_A" "1 $MAC_B"
ip -n "$NS_A" neigh show 10.201.0.2 dev "$IF_A" | grep -qi "$MAC_B" && echo "ok the kernel's table holds it now" ||
  bad "the kernel's table does not hold 10.201.0.2: $(ip -n "$NS_A" neigh show dev "$IF_A")"
expect "IPv4, from the table" 10.201.0.2 "$IF_A" "1 $MAC_B"
expect "IPv6, neighbour discovery" fd00:201::2 "$IF_A" "1 $MAC_B"
if [ -n "$LL_B" ]; then expect "IPv6 link-local $LL_B" "$LL_B" "$IF_A" "1 $MAC_B"
else bad "veth1 has no link-local address"; fi
t0=$(date +%s%N)
expect "nobody at 10.201.0.77" 10.201.0.77 "$IF_A" "0 -" "neighbour 10.201.0.77 on $IF_A: not resolved"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 300 ] && echo "ok it looked 3 times 100 ms apart ($ms ms)" || bad "unresolved after only $ms ms"
# without CAP_NET_ADMIN the kernel refuses RTM_NEWNEIGH: the datagram to the discard port
# makes it resolve the address instead
ip -n "$NS_A" neigh flush dev "$IF_A"
chmod 755 "$T" "$T/neigh_resolve"
got=$(ip netns exec "$NS_A" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  --bounding-set=-all "$T/neigh_resolve" 10.201.0.2 "$IF_A" 2>"$T/nr.err")
if [ "$got" = "1 $MAC_B" ] && ip -n "$NS_A" neigh show 10.201.0.2 dev "$IF_A" | grep -qi "$MAC_B"; then
  echo "ok unprivileged (RTM_NEWNEIGH refused), resolved by the datagram: $got"
else
  bad "unprivileged resolution: got '$got' ($(cat "$T/nr.err")), table: $(ip -n "$NS_A" neigh show dev "$IF_A")"
fi
expect "not an address" 10.201.0.999 "$IF_A" "-22 -" "neighbour '10.201.0.999': not an IPv4 or IPv6 address"
expect "no such device" 10.201.0.2 nosuchdev0 "-19 -" "neighbour 10.201.0.2: no device 'nosuchdev0'"

# ---- a generator plugin asking (tests/plugins/neighbor.wat, env.host_neighbor_resolve) ----------
XDPERF="${XDPERF:-$REPO/build/xdperf}"
wat2wasm "$REPO/tests/plugins/neighbor.wat" -o "$T/neighbor.wasm" || { echo "FAILED: wat2wasm neighbor.wat"; exit 1; }
ip -n "$NS_A" neigh flush dev "$IF_A"
if ip netns exec "$NS_A" "$XDPERF" -p "$T/neighbor.wasm" -d "$IF_A" --count 1 >"$T/run.out" 2>&1 &&
   grep -q "\[plugin neighbor\] INFO: neighbor $MAC_B$" "$T/run.out" &&
   grep -q "host_neighbor_resolve on veth9 refused: the run's device is $IF_A" "$T/run.out" &&
   grep -q "INFO: other device: 0$" "$T/run.out"; then
  echo "ok a plugin on $IF_A gets $MAC_B from host_neighbor_resolve; another device is refused (0)"
else
  bad "plugin on $IF_A: $(cat "$T/run.out")"
fi
if "$XDPERF" -p "$T/neighbor.wasm" -o "$T/n.pcap" >"$T/pcap.out" 2>&1 &&
   grep -q "INFO: neighbor unresolved$" "$T/pcap.out"; then
  echo "ok with -o FILE.pcap (no device) host_neighbor_resolve answers 0"
else
  bad "plugin with -o: $(cat "$T/pcap.out")"
fi

# ---- simpleudp's gateway: the frames go to the resolved MAC -------------------------------------
ip -n "$NS_A" neigh flush dev "$IF_A"
ip netns exec "$NS_B" tcpdump -n --immediate-mode -Q in -s 64 -i "$IF_B" -w "$T/gw.pcap" udp 2>"$T/gw.err" &
tcp=$!
wait_line "$T/gw.err" "listening on" "$tcp" 10 || bad "tcpdump did not start: $(cat "$T/gw.err")"
echo '{"gateway": "10.201.0.2", "dst_ip": "10.201.0.2", "src_ip": "10.201.0.1", "payload_size": 18}' >"$T/gw.json"
echo '{"is_arp_resolve": true, "dst_ip": "10.201.0.2", "src_ip": "10.201.0.1", "payload_size": 18}' >"$T/ar.json"
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/gw.json" -d "$IF_A" --count 3 >"$T/gw.out" 2>&1 ||
  bad "simpleudp with a gateway: $(cat "$T/gw.out")"
ip -n "$NS_A" neigh flush dev "$IF_A"
ip netns exec "$NS_A" "$XDPERF" -p simpleudp --cfg "$T/ar.json" -d "$IF_A" --count 3 >"$T/ar.out" 2>&1 ||
  bad "simpleudp with is_arp_resolve: $(cat "$T/ar.out")"
pcap_wait "$T/gw.pcap" 6 5 || true
kill -INT $tcp; wait $tcp 2>/dev/null
dsts=$(python3 -c "
import sys; sys.path.insert(0, '$REPO/tests/lib'); import pcapread
print(' '.join(':'.join('%02x' % b for b in f[0:6]) for _, f in pcapread.frames('$T/gw.pcap')))")
want="$MAC_B $MAC_B $MAC_B $MAC_B $MAC_B $MAC_B"
[ "$dsts" = "$want" ] && echo "ok simpleudp with gateway 10.201.0.2, then with is_arp_resolve: 3 + 3 frames to $MAC_B" ||
  bad "simpleudp with gateway / is_arp_resolve: frames to '$dsts', want 6 x $MAC_B"
if "$XDPERF" -p simpleudp --cfg "$T/gw.json" -o "$T/gw2.pcap" >"$T/gw2.out" 2>&1; then
  bad "simpleudp with a gateway and -o: succeeded ($(cat "$T/gw2.out"))"
elif grep -q "simpleudp: gateway 10.201.0.2: no MAC for it on the run's device" "$T/gw2.out"; then
  echo "ok with -o FILE.pcap a gateway cannot be resolved: refused, naming it"
else
  bad "simpleudp with a gateway and -o: $(cat "$T/gw2.out")"
fi
if "$XDPERF" -p simpleudp --cfg "$T/ar.json" -o "$T/ar2.pcap" --count 1 >"$T/ar2.out" 2>&1 &&
   grep -q "WARN: simpleudp: is_arp_resolve: no MAC for 10.201.0.2 on the run's device; keeping dst_mac" "$T/ar2.out" &&
   [ "$(python3 -c "
import sys; sys.path.insert(0, '$REPO/tests/lib'); import pcapread
print(pcapread.frames('$T/ar2.pcap')[0][1][0:6].hex())")" = ffffffffffff ]; then
  echo "ok with -o FILE.pcap is_arp_resolve keeps dst_mac (broadcast), with a WARN line"
else
  bad "simpleudp with is_arp_resolve and -o: $(cat "$T/ar2.out")"
fi
exit $fail
