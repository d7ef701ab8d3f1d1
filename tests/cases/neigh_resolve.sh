#!/usr/bin/env bash
# Neighbour resolution (src/datapath/neigh.c, the host_neighbor_resolve import), on a veth pair
# in two namespaces, run from NS_A on veth0 (built with ASan/UBSan against the sources):
#  - 10.201.0.2 (not yet in the neighbour table) resolves to veth1's MAC: the kernel was asked;
#    asked again it comes from the table;
#  - fd00:201::2 (IPv6, neighbour discovery) and veth1's link-local address resolve too;
#  - 10.201.0.77 (nobody there): 0 and "not resolved" after the retries;
#  - not an address: -EINVAL; no such device: -ENODEV; both with one line naming them.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
. "$REPO/tests/lib/netns.sh"
netns_need_root
fail=0
bad() { echo "FAILED: $*"; fail=1; }

gcc -std=gnu11 -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" -Wall -Wextra -Werror -g -O1 \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined "$REPO/src/datapath/neigh.c" \
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
expect "not an address" 10.201.0.999 "$IF_A" "-22 -" "neighbour '10.201.0.999': not an IPv4 or IPv6 address"
expect "no such device" 10.201.0.2 nosuchdev0 "-19 -" "neighbour 10.201.0.2: no device 'nosuchdev0'"
exit $fail
