#!/usr/bin/env bash
# `make demo` (scripts/demo.sh), both of its paths:
#  - root with network namespaces: the veth + XDP demo (docs/walkthrough.md as a script; the
#    generator on AF_PACKET, saying why, where the kernel refuses XDP live frames). The
#    generator's "sent N", the server's "received N" in the generator's summary and in the
#    server's own report all equal DEMO_COUNT, 0 lost, exit 0; afterwards its two namespaces
#    are gone and no interface with the demo's MACs is left in this namespace;
#  - Ctrl-C while it sends (SIGINT to its process group, as a terminal does): exit 130, the
#    namespaces removed by its trap;
#  - not root (setpriv to nobody) and XDPERF_DEMO=pcap: one line saying why (not root), then
#    the pcap demo: 1000 frames in the pcap file, exit 0.
# Without root only the pcap paths run (the case then skips, saying so).
set -uo pipefail
cd "$REPO" || exit 1
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
frames() { python3 "$REPO/tests/lib/pcapread.py" "$1" 2>/dev/null; }

# ---- the pcap path, asked for and without root ----------------------------------------------
XDPERF_DEMO=pcap DEMO_PCAP="$T/p.pcap" scripts/demo.sh >"$T/p.out" 2>&1 || bad "XDPERF_DEMO=pcap: exit $?: $(tail -n 3 "$T/p.out")"
[ "$(frames "$T/p.pcap")" = 1000 ] && echo "ok XDPERF_DEMO=pcap wrote 1000 frames" ||
	bad "XDPERF_DEMO=pcap: no 1000 frames in the pcap: $(tail -n 3 "$T/p.out")"
grep -q "needs root" "$T/p.out" && bad "XDPERF_DEMO=pcap claims root is missing"
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	mkdir "$T/np" && chmod 777 "$T/np"
	setpriv --reuid=65534 --regid=65534 --clear-groups env DEMO_PCAP="$T/np/n.pcap" scripts/demo.sh \
		>"$T/n.out" 2>&1 || bad "not root: exit $?: $(tail -n 3 "$T/n.out")"
else
	mkdir "$T/np"
	DEMO_PCAP="$T/np/n.pcap" scripts/demo.sh >"$T/n.out" 2>&1 || bad "not root: exit $?: $(tail -n 3 "$T/n.out")"
fi
first=$(head -n 1 "$T/n.out")
case "$first" in
	"xdperf demo: the veth + XDP demo needs root"*) echo "ok not root: $first" ;;
	*) bad "not root: the first line does not say why: $first" ;;
esac
[ "$(frames "$T/np/n.pcap")" = 1000 ] && echo "ok not root: the pcap demo wrote 1000 frames" ||
	bad "not root: no 1000 frames in the pcap: $(tail -n 3 "$T/n.out")"
grep -q "xdperf demo: namespaces" "$T/n.out" && bad "not root: it tried the namespaces"

if [ "$(id -u)" != 0 ]; then
	[ $fail = 0 ] || exit 1
	echo "needs root for the veth + XDP demo (the pcap paths passed)"
	exit 77
fi
probe="xdpf$$probe"
if ! ip netns add "$probe" 2>/dev/null; then
	[ $fail = 0 ] || exit 1
	echo "ip netns is not available (the pcap paths passed)"
	exit 77
fi
ip netns del "$probe"

# namespaces "NAME-gen" and "NAME-srv" named by the demo's first line
demo_ns() { sed -n 's/^xdperf demo: namespaces \([^ ]*\) (veth0[^)]*) and \([^ ]*\) (veth1.*/\1 \2/p' "$1"; }
gone() { # WHAT OUTFILE: its namespaces and the demo's MACs are gone
	local ns n left=
	ns=$(demo_ns "$2")
	[ -n "$ns" ] || { bad "$1: no 'namespaces' line: $(head -n 3 "$2")"; return; }
	for n in $ns; do
		ip netns list | grep -qw "$n" && left="$left $n"
	done
	[ -z "$left" ] && echo "ok $1: namespaces$(printf ' %s' $ns) removed" || bad "$1: namespaces left:$left"
	ip -o link show | grep -q '02:00:00:00:01:0[12]' && bad "$1: an interface with the demo's MACs is left: $(ip -o link show | grep '02:00:00:00:01:0[12]')"
	grep -q "xdperf demo: removed the namespaces" "$2" || bad "$1: no 'removed' line"
}

# ---- the veth + XDP demo ----------------------------------------------------------------------
N=20000
DEMO_COUNT=$N DEMO_PCAP="$T/v.pcap" scripts/demo.sh >"$T/v.out" 2>&1
rc=$?
[ $rc = 0 ] || bad "veth demo: exit $rc: $(tail -n 5 "$T/v.out")"
grep -q "running the pcap demo instead" "$T/v.out" && bad "veth demo fell back to pcap as root: $(head -n 1 "$T/v.out")"
sent=$(sed -n 's/^xdperf: sent \([0-9]*\) packets .* on veth0 (xdp, .*/\1/p' "$T/v.out")
# where this kernel or process may not send XDP live frames (some containers), the generator
# says so in one line and sends with AF_PACKET: the demo still runs on the veth pair
how=XDP
if [ -z "$sent" ] && grep -q '^xdperf: xdp: the kernel does not let this process send XDP live frames on veth0 .*; using afpacket$' "$T/v.out"; then
	sent=$(sed -n 's/^xdperf: sent \([0-9]*\) packets .* on veth0 (afpacket, .*/\1/p' "$T/v.out")
	how="AF_PACKET (XDP live frames refused here, as the demo said)"
fi
recv=$(sed -n 's/^xdperf: server veth1 (xdp, UDP port 5678): received \([0-9]*\) packets .*/\1/p' "$T/v.out")
# two report lines: in the generator's summary (fetched over --server-addr) and the server's own
[ "$sent" = $N ] && echo "ok sent $sent packets with $how" || bad "sent '$sent', want $N"
[ "$(echo "$recv" | wc -l)" = 2 ] || bad "want two server reports (the generator's and the server's): '$recv'"
for r in $recv; do
	[ "$r" = "$sent" ] || bad "the server received $r, the generator sent $sent"
done
[ "$(echo "$recv" | sort -u)" = $N ] && echo "ok the server received $N (both reports)"
grep -q "stamps: $N received ($N distinct) of $N sent, 0 lost" "$T/v.out" && echo "ok 0 lost" ||
	bad "no 'of $N sent, 0 lost' line: $(grep stamps: "$T/v.out")"
[ -e "$T/v.pcap" ] && bad "veth demo also wrote the pcap"
gone "veth demo" "$T/v.out"

# ---- Ctrl-C while sending: SIGINT to its process group ----------------------------------------
DEMO_COUNT=2000000 setsid scripts/demo.sh >"$T/i.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	grep -q '^\$ ip netns exec .*-gen ' "$T/i.out" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.05
done
sleep 0.5
pg=$(ps -o pgid= -p $pid | tr -d ' ')
if [ "$pg" = "$pid" ]; then
	kill -INT -- "-$pg"
else
	bad "Ctrl-C: the demo is not its own process group ($pg, pid $pid)"
	kill -INT $pid
fi
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then
	bad "Ctrl-C: the demo still runs 10 s later"
	kill -KILL -- "-$pg" 2>/dev/null
fi
wait $pid
rc=$?
[ $rc = 130 ] && echo "ok Ctrl-C: exit 130" || bad "Ctrl-C: exit $rc, want 130: $(tail -n 4 "$T/i.out")"
grep -q "xdperf demo: interrupted" "$T/i.out" || bad "Ctrl-C: no 'interrupted' line: $(tail -n 4 "$T/i.out")"
gone "Ctrl-C" "$T/i.out"

[ $fail = 0 ] && echo "demo: the veth + XDP demo exact, cleaned up (also on Ctrl-C); the pcap paths"
exit $fail
