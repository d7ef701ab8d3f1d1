#!/usr/bin/env bash
# The benches' ablations build, load and take out what they say, so the figures
# docs/benchmarks.md gives for them stay reproducible (their timings are not checked here:
# `make bench` runs them in full).
# Receive (bench/rx_cost.sh, bench/rx_ablate.h): a short run (RX_COST_N=1000, one run, into a
# temporary directory) prints a stamped/counting ratio for the program and each variant; the
# program puts every stamped frame in the ring, the read variant none (every frame still
# counted as stamped), the in-state variant only the first frame of the one stream (the rest
# in the program's per-stream state).
# Transmit (bench/tx_dry.sh, bench/tx_ablate.h, make build/bench/ablate-tx/N/xdperf): dry runs
# (XDPERF_XDP_DRY_RUN=1, XDPERF_XDP_DRY_OUT) of exactly the frames asked for; without the field
# step the template's increment modifier leaves every source port as the template's; without
# the trailer no frame carries one; without the frame record the frames are whole
# (tests/lib/check_dry_pcap.py). Neither program xdperf embeds holds a variant's code.
# Root: XDP programs (BPF_PROG_RUN, no live frames), a namespace pair of its own.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
. "$REPO/tests/lib/netns.sh"
netns_need_root
T="$(mktemp -d "${TMPDIR:-/tmp}/ablate.XXXXXX")"
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

if ! RX_COST_OUT="$T" RX_COST_N=1000 RX_COST_RUNS=1 "$REPO/bench/rx_cost.sh" >"$T/out" 2>"$T/err"; then
	echo "FAIL: bench/rx_cost.sh failed: $(head -3 "$T/err" | tr '\n' ' ')"
	exit 1
fi
for what in "the program: a record in the CPU's ring" "the trailer read, nothing kept" \
	"per-stream state in the program"; do
	line=$(grep -F "  $what" "$T/out")
	r=${line##* }
	if [[ "$r" =~ ^[0-9]+\.[0-9]{3}$ ]] && python3 -c "import sys; sys.exit(not 0 < float('$r') < 10)"; then
		echo "ok: $what: stamped/counting $r"
	else
		fail "no ratio for '$what' in the output: ${line:-none}"
	fi
done

# the stamp line of each run: "xdp_stamp NS stamped S ring_full F drained D"
stamp_line() { awk '$1 == "xdp_stamp" { print $4, $6, $8 }' "$1"; }
check() { # WHAT FILE DRAINED-EXPECTED ("all": every stamped frame)
	local s f d want
	read -r s f d <<<"$(stamp_line "$2")"
	want=$3
	[ "$want" = all ] && want=$s
	if [ -n "$s" ] && [ "$s" -ge 10000 ] && [ "$f" = 0 ] && [ "$d" = "$want" ]; then
		echo "ok: $1: $s frames counted as stamped, $d records through the ring, ring_full 0"
	else
		fail "$1: stamped ${s:-?} (want >= 10000), ring_full ${f:-?} (want 0), ring records ${d:-?} (want $want)"
	fi
}
check "the program" "$T/rx_cost.1" all
check "read variant" "$T/ablate/read/rx_cost.1" 0
check "in-state variant" "$T/ablate/in-state/rx_cost.1" 1
grep -q "stamped path (ablation)" "$T/rx_cost.md" || fail "rx_cost.md has no ablation table"

# the variants are bench-only: the programs xdperf embeds have none of their code
for o in xdperf_srv xdperf_tx; do
	# grep the captured text: under pipefail, `strings | grep -q` fails when grep stops first
	if grep -q -e ablate_ -e XDPERF_TX_ABLATE -e XDPERF_SRV_ABLATE <<<"$(strings "$REPO/build/bpf/$o.bpf.o")"; then
		fail "build/bpf/$o.bpf.o holds ablation code"
	else
		echo "ok: build/bpf/$o.bpf.o has no ablation code"
	fi
done
grep -q ablate_slots <<<"$(strings "$T/ablate/in-state/xdperf_srv.bpf.o")" ||
	fail "the in-state variant's object has no ablate_slots (the check above would not see one)"

# transmit
netns_pair_setup
trap 'netns_cleanup; rm -rf "$T"' EXIT
if ! make -s -C "$REPO" build/bench/ablate-tx/1/xdperf build/bench/ablate-tx/2/xdperf \
	build/bench/ablate-tx/3/xdperf >"$T/make" 2>&1; then
	echo "FAIL: the transmit ablation's variants did not build: $(tail -3 "$T/make" | tr '\n' ' ')"
	exit 1
fi
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 >"$T/t.json"
python3 "$REPO/tests/lib/mktmpl.py" --len 70 --dport 9000 --mod 'udp.src_port|increment|1000|1999' >"$T/m.json"
dry() { # VARIANT TEMPLATES [ARGS...]: 20 000 frames at 20 000 pps into $T/out.pcap; prints the run id
	local v=$1 tpl=$2 out
	shift 2
	rm -f "$T/out.pcap"
	out=$(XDPERF_XDP_DRY_RUN=1 XDPERF_XDP_DRY_OUT="$T/out.pcap" ip netns exec "$NS_A" timeout -s INT 60 \
		"$REPO/build/bench/ablate-tx/$v/xdperf" -d veth0 --mode xdp --templates "$T/$tpl.json" "$@" \
		-c 20000 -r 20000 -q --json 2>"$T/err") || { echo "FAIL: variant $v: $(head -2 "$T/err")" >&2; return 1; }
	python3 -c 'import json, sys
j = json.loads(sys.stdin.readline())
if j["packets"] != 20000:
    sys.exit("FAIL: %d program runs, not 20000" % j["packets"])
print(j.get("run_id", ""))' <<<"$out"
}
# the frames of a capture: "SPORT MAGIC" a line (the UDP source port, the last 28 bytes' first four)
pcap_fields() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
while off + 16 <= len(d):
    n = struct.unpack("<I", d[off + 8:off + 12])[0]
    f = d[off + 16:off + 16 + n]
    off += 16 + n
    print(struct.unpack(">H", f[34:36])[0], f[-28:-24].hex())
PY
}
start=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_TAI))')
# none_of WHAT AWK-CONDITION WHICH VARIANT TEMPLATES [ARGS...]: a dry run of the variant whose
# capture has at least 20 frames and none for which the condition holds
none_of() {
	local what=$1 cond=$2 which=$3 n bad
	shift 3
	if dry "$@" >/dev/null && [ -s "$T/out.pcap" ]; then
		n=$(pcap_fields "$T/out.pcap" | wc -l)
		bad=$(pcap_fields "$T/out.pcap" | awk "$cond" | wc -l)
		if [ "$n" -ge 20 ] && [ "$bad" = 0 ]; then
			echo "ok: $what: 20000 program runs, $n frames captured, none $which"
		else
			fail "$what: $n frames captured (want >= 20), $bad $which (want 0)"
		fi
	else
		fail "$what: no run or no capture"
	fi
}
none_of "no field step" '$1 != 1000' "with a source port other than the template's" 1 m
none_of "no trailer" '$2 == "58445052"' "with a trailer (XDPR)" 2 t --stamp
if run=$(dry 3 t --stamp) && [ -s "$T/out.pcap" ] &&
	python3 "$REPO/tests/lib/check_dry_pcap.py" "$T/out.pcap" "$run" "$start" 20 fixed; then
	echo "ok: no frame record: 20000 program runs, the frames whole (checksums, trailer, sequences)"
else
	fail "no frame record: the frames are not whole"
fi
[ $fails = 0 ] || exit 1
