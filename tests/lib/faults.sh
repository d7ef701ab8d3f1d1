# Helpers of the fault-injection cases (tests/cases/faults_*.sh). Source after tests/lib/netns.sh
# (and capture.sh / netns3.sh when used); T must name the case's temp dir.
#   faults_setup pair|router TOOL...   root and the tools (else skip), then a veth pair
#                               (netns_pair_setup) or three namespaces (netns3_setup); T = the
#                               case's temp dir
#   no WHAT... / ok WHAT...     a failed check (prints FAIL:, sets fail=1) / a passed one
#   eq WHAT GOT WANT            GOT = WANT (strings)
#   within WHAT GOT MIN MAX     MIN <= GOT <= MAX (decimal numbers)
#   now / since T0 / elapsed T0 T1   wall clock in s.ns / seconds from T0 to now / to T1
#   timing WHAT SECS BOUND      records and checks an elapsed time: "time: WHAT: SECS s (bound
#                               BOUND s)"; every one is listed again at the end (times_report)
#   gen_bg NAME NS ARGS...      `$XDPERF ARGS` (FAULTS_BIN overrides the binary) in namespace NS in
#                               the background; stdout $T/NAME.out, stderr $T/NAME.err, pid GEN_PID
#   gen_wait SECS               waits for GEN_PID at most SECS (then SIGKILL: a hang fails the
#                               check, never the whole suite); GEN_RC (exit status, or "hang"),
#                               GEN_END (when it ended)
#   rx_packets NS IF            the device's rx_packets (XDP frames included, dropped or passed)
#   wait_traffic NS IF BASE N   0 once NS:IF received N frames more than BASE (its rx_packets
#                               before the run), within 30 s (a loaded machine starts slowly);
#                               sets TRAFFIC_T (when seen). Faults are injected after this, never
#                               after a fixed sleep from the start.
#   one_line WHAT FILE REGEX    exactly one line of FILE matches the extended REGEX
#   no_line WHAT FILE REGEX     no line of FILE matches
#   only_line WHAT FILE TEXT    FILE is exactly one line, TEXT
#   jf FILE FILTER              a jq filter over FILE (raw output)
#   mk_templates FILE SPEC...   a --templates file, one IPv4/UDP frame per SPEC "LEN[:SPORT[:DPORT]]"
#                               (tests/lib/mktmpl.py frames: 10.201.0.1 -> 10.9.9.9, not the
#                               receiver's address, so its stack answers nothing; SPORT default
#                               1000 + index, DPORT 5000); SPEC "vlan:LEN" adds an 802.1Q tag
#                               (VLAN 5) inside LEN
#   cap_count FILE [FILTER]     frames in a capture (tshark, display filter)
#   cap_by FILE FIELD [FILTER]  "VALUE COUNT" lines per value of a tshark field, sorted by value
#   streams_vs_capture WHAT JSON PCAP N [SLACK]   per template t < N (UDP source port 1000 + t):
#                               the --json summary's packets and bytes (summed over threads) = the
#                               capture's frames and bytes (tshark); and the totals. SLACK > 0:
#                               the capture may miss up to SLACK frames in all (0 <= summary -
#                               capture <= SLACK, bytes likewise with the template's length)
#   tcap_start FILE NS IF DIR [FILTER...]   tcpdump -Q DIR (in|out) on NS:IF writing FILE, in the
#                               background; returns once it listens
#   tcap_stop FILE...           waits 0.3 s (frames on their way), stops those captures
#   cap_intact FILE             the capture lost nothing ("0 packets dropped by kernel" in FILE.err)
#   veth_relink                 the veth pair of netns_pair_setup again (after a test deleted it):
#                               same names, MACs, addresses, queues, static neighbours
#   hog_start CPU / hog_stop    a busy loop pinned to CPU (taskset), always killed on exit
#   first_cpu                   the first CPU this process may use (sender thread 0's)

faults_setup() {
	local kind=$1 t
	shift
	netns_need_root
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "needs $t"; exit 77; }
	done
	set -e
	if [ "$kind" = router ]; then netns3_setup; else netns_pair_setup; fi
	set +e
	T="$TMPDIR"
}

fail=0
FAULT_TIMES=()
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
eq() { if [ "$2" = "$3" ]; then ok "$1 = $3"; else no "$1 = '$2', want '$3'"; fi; }
within() {
	if [ -n "$2" ] && awk -v g="$2" -v a="$3" -v b="$4" 'BEGIN { exit !(g + 0 >= a + 0 && g + 0 <= b + 0) }'
	then ok "$1 = $2 (in [$3, $4])"
	else no "$1 = '$2', want it in [$3, $4]"; fi
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
timing() {
	FAULT_TIMES+=("$1: $2 s (bound $3 s)")
	within "time: $1 (s)" "$2" 0 "$3"
}
times_report() {
	local l
	echo "== measured times (the event to the generator's exit)"
	for l in "${FAULT_TIMES[@]}"; do echo "  $l"; done
}

GEN_PID= GEN_RC= GEN_END=
gen_bg() { # NAME NS ARGS...
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "${FAULTS_BIN:-$XDPERF}" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	GEN_PID=$!
}
gen_wait() { # SECS
	local i n
	n=$(awk -v s="$1" 'BEGIN { printf "%d", s * 50 }')
	for ((i = 0; i < n; i++)); do
		kill -0 "$GEN_PID" 2>/dev/null || break
		sleep 0.02
	done
	GEN_END=$(now)
	if kill -0 "$GEN_PID" 2>/dev/null; then
		no "the generator still runs $1 s later (killed)"
		kill -KILL "$GEN_PID" 2>/dev/null
		wait "$GEN_PID" 2>/dev/null
		GEN_RC=hang
		return 1
	fi
	GEN_RC=0
	wait "$GEN_PID" || GEN_RC=$?
	return 0
}

rx_packets() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets" 2>/dev/null || echo 0; }
TRAFFIC_T=
wait_traffic() { # NS IF BASE N
	local i
	for ((i = 0; i < 600; i++)); do
		if [ "$(rx_packets "$1" "$2")" -ge $(($3 + $4)) ]; then
			TRAFFIC_T=$(now)
			return 0
		fi
		[ -n "$GEN_PID" ] && ! kill -0 "$GEN_PID" 2>/dev/null && break
		sleep 0.05
	done
	TRAFFIC_T=$(now)
	no "no traffic on $1:$2 (the generator exited or did not start sending within 30 s)"
	return 1
}

one_line() { # WHAT FILE REGEX
	local n
	n=$(grep -cE -- "$3" "$2")
	if [ "$n" = 1 ]; then ok "$1: '$(grep -E -- "$3" "$2")'"
	else no "$1: $n lines match '$3', want 1; stderr was:"; sed 's/^/    | /' "$2" | head -n 20; fi
}
no_line() { # WHAT FILE REGEX
	if grep -qE -- "$3" "$2"; then no "$1: unexpected line '$(grep -E -m 1 -- "$3" "$2")'"
	else ok "$1"; fi
}
only_line() { # WHAT FILE TEXT
	if [ "$(wc -l <"$2")" = 1 ] && [ "$(cat "$2")" = "$3" ]; then ok "$1: '$3'"
	else no "$1: stderr is not the one line '$3' but:"; sed 's/^/    | /' "$2" | head -n 20; fi
}
jf() { jq -r "$2" "$1" 2>/dev/null; }

mk_templates() { # FILE SPEC...
	local file=$1
	shift
	python3 - "$@" >"$file" <<'EOF'
import json, sys
sys.path.insert(0, "tests/lib")
from mktmpl import frame, csum
out = []
for i, spec in enumerate(sys.argv[1:]):
    vlan = spec.startswith("vlan:")
    p = (spec[5:] if vlan else spec).split(":")
    n = int(p[0])
    sport = int(p[1]) if len(p) > 1 else 1000 + i
    dport = int(p[2]) if len(p) > 2 else 5000
    if vlan:  # the untagged frame 4 bytes shorter, then the tag after the MACs
        f = frame("udp4", n - 4, sport, dport)
        f = f[:12] + bytes.fromhex("81000005") + f[12:]
    else:
        f = frame("udp4", n, sport, dport)
    assert len(f) == n
    out.append({"template": {"base_packet": {"data": f.hex(), "type": "hex"}},
                "metadata": {"packet_count": 0}})
print(json.dumps(out))
EOF
}

cap_count() { # FILE [FILTER]
	tshark -r "$1" ${2:+-Y "$2"} -T fields -e frame.number 2>/dev/null | grep -c .
}
cap_by() { # FILE FIELD [FILTER]
	tshark -r "$1" ${3:+-Y "$3"} -T fields -e "$2" 2>/dev/null | sort -n | uniq -c |
		awk '{ print $2, $1 }'
}
cap_streams() { # PCAP -> "SPORT FRAMES BYTES" lines
	tshark -r "$1" -T fields -e udp.srcport -e frame.len 2>/dev/null |
		awk 'NF == 2 { c[$1]++; b[$1] += $2 } END { for (k in c) print k, c[k], b[k] }' | sort -n
}
streams_vs_capture() { # WHAT JSON PCAP N [SLACK]
	local what=$1 js=$2 pc=$3 n=$4 slack=${5:-0} t cnt by jp jb tot
	cap_streams "$pc" >"$pc.streams"
	for ((t = 0; t < n; t++)); do
		cnt=0 by=0
		read -r cnt by < <(awk -v s=$((1000 + t)) '$1 == s { print $2, $3 }' "$pc.streams")
		jp=$(jq "[.streams[] | select(.template == $t) | .packets] | add // 0" "$js")
		jb=$(jq "[.streams[] | select(.template == $t) | .bytes] | add // 0" "$js")
		if [ "$slack" = 0 ]; then
			eq "$what: template $t packets, summary = capture" "$jp" "${cnt:-0}"
			eq "$what: template $t bytes, summary = capture" "$jb" "${by:-0}"
		else
			within "$what: template $t packets, summary - capture" $((jp - ${cnt:-0})) 0 "$slack"
			[ "$((jb - ${by:-0}))" = "$(((jp - ${cnt:-0}) * (jp ? jb / jp : 0)))" ] ||
				no "$what: template $t bytes $jb, the capture's ${by:-0}: not whole frames apart"
		fi
	done
	tot=$(awk '{ s += $2 } END { print s + 0 }' "$pc.streams")
	if [ "$slack" = 0 ]; then
		eq "$what: packets, summary = capture" "$(jf "$js" .packets)" "$tot"
		eq "$what: bytes, summary = capture" "$(jf "$js" .bytes)" \
			"$(awk '{ s += $3 } END { print s + 0 }' "$pc.streams")"
	else
		within "$what: packets, summary - capture" $(($(jf "$js" .packets) - tot)) 0 "$slack"
	fi
}
declare -A TCAP_PIDS=()
tcap_start() { # FILE NS IF DIR [FILTER...]
	local file=$1 ns=$2 dev=$3 dir=$4
	shift 4
	ip netns exec "$ns" tcpdump -n --immediate-mode -Q "$dir" -B 65536 -s 128 -i "$dev" -w "$file" "$@" \
		2>"$file.err" &
	TCAP_PIDS[$file]=$!
	wait_line "$file.err" "listening on" "$!" 10 && return 0
	no "tcpdump on $ns:$dev did not start: $(cat "$file.err")"
	return 1
}
tcap_stop() { # FILE...
	local f
	sleep 0.3
	for f in "$@"; do
		[ -n "${TCAP_PIDS[$f]:-}" ] || continue
		kill -INT "${TCAP_PIDS[$f]}" 2>/dev/null
		wait "${TCAP_PIDS[$f]}" 2>/dev/null
		unset "TCAP_PIDS[$f]"
	done
}
cap_intact() { # FILE
	if grep -q "^0 packets dropped by kernel" "$1.err"; then ok "capture $(basename "$1") lost nothing"
	else no "capture $(basename "$1"): $(grep dropped "$1.err")"; fi
}

veth_relink() {
	local q
	q=$(nproc)
	ip -n "$NS_A" link del "$IF_A" 2>/dev/null
	ip -n "$NS_A" link add "$IF_A" address "$MAC_A" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$IF_B" address "$MAC_B" netns "$NS_B" numtxqueues "$q" numrxqueues "$q" &&
	ip -n "$NS_A" addr add 10.201.0.1/24 dev "$IF_A" &&
	ip -n "$NS_B" addr add 10.201.0.2/24 dev "$IF_B" &&
	ip -n "$NS_A" link set "$IF_A" up &&
	ip -n "$NS_B" link set "$IF_B" up &&
	ip -n "$NS_A" neigh replace 10.201.0.2 lladdr "$MAC_B" dev "$IF_A" nud permanent &&
	ip -n "$NS_B" neigh replace 10.201.0.1 lladdr "$MAC_A" dev "$IF_B" nud permanent
}

HOG_PID=
hog_start() { # CPU
	taskset -c "$1" sh -c 'while :; do :; done' &
	HOG_PID=$!
}
hog_stop() {
	[ -n "$HOG_PID" ] || return 0
	kill -KILL "$HOG_PID" 2>/dev/null
	wait "$HOG_PID" 2>/dev/null
	HOG_PID=
}
first_cpu() { python3 -c 'import os; print(min(os.sched_getaffinity(0)))'; }
