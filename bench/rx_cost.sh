#!/usr/bin/env bash
# Per-packet cost of each step of the receive side on one core (bench/rx_cost.c; root: it loads
# the server's XDP program, which BPF_PROG_RUN then runs without live frames, so no sender and
# no network are needed). Builds bench/rx_cost.c against build/libxdperf.a and the generated
# skeleton, runs it RX_COST_RUNS times (default 3) and prints the median ns per packet of each
# step, the rate one core could take at that cost (1e9 / ns), and which step limits stamped
# analysis, and the stamped/counting ratio against issue 23's target (one core's cost). Table also
# in build/bench/rx_cost.md. Other load on the machine shows up directly.
# Environment: RX_COST_N (runs/records per step, default 2000000), RX_COST_RUNS, RX_COST_SPIN=1
# (the drainer consumes without pause: the ring's positions shared all the time, a worst case),
# RX_COST_ABLATE=0 (skip the ablation), RX_COST_OUT (where the programs and tables go, default
# build/bench).
# Ablation: the program is also compiled with bench/rx_ablate.h's variants in place of the ring
# record (the trailer read alone; per-stream state in the program, issue 23's other scheme),
# each run RX_COST_RUNS times, and their stamped/counting ratios are printed beside the
# program's: what the record costs, and the most any scheme that reads the trailer can reach.
set -euo pipefail
export LC_ALL=C
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${RX_COST_OUT:-$REPO/build/bench}"
N="${RX_COST_N:-2000000}"
RUNS="${RX_COST_RUNS:-3}"
mkdir -p "$OUT"
[ -f "$REPO/build/libxdperf.a" ] && [ -f "$REPO/build/bpf/xdperf_srv_bpf.skel.h" ] ||
	{ echo "bench/rx_cost: build first (make all)" >&2; exit 1; }
gcc -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$REPO/include" -I"$REPO/src" \
	-I"$REPO/build/bpf" -o "$OUT/rx_cost" "$REPO/bench/rx_cost.c" "$REPO/build/libxdperf.a" \
	-lbpf -lelf -lz -ljansson -lsodium -lyaml -lm -lpthread
CLOCK_OBJ=-
if clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -c "$REPO/bench/clock_cost.bpf.c" \
	-o "$OUT/clock_cost.bpf.o"; then
	CLOCK_OBJ="$OUT/clock_cost.bpf.o"
else
	echo "bench/rx_cost: bench/clock_cost.bpf.c did not build: no clock rows" >&2
fi
VARIANTS=()
if [ "${RX_COST_ABLATE:-1}" != 0 ]; then
	# bench/rx_ablate.h's variants: the program built as the Makefile builds it (same flags),
	# its skeleton, and bench/rx_cost.c against that skeleton
	for v in 1:read 2:in-state; do
		d="$OUT/ablate/${v#*:}"
		mkdir -p "$d"
		clang -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-function -mcpu=v3 -target bpf \
			-I/usr/include/"$(gcc -dumpmachine)" -I"$REPO/src/bpf" -DXDPERF_SRV_ABLATE="${v%%:*}" \
			-c "$REPO/src/bpf/xdperf_srv.bpf.c" -o "$d/xdperf_srv.bpf.o" &&
		bpftool gen skeleton "$d/xdperf_srv.bpf.o" name xdperf_srv_bpf >"$d/xdperf_srv_bpf.skel.h" &&
		gcc -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$d" -I"$REPO/include" -I"$REPO/src" \
			-I"$REPO/build/bpf" -o "$d/rx_cost" "$REPO/bench/rx_cost.c" "$REPO/build/libxdperf.a" \
			-lbpf -lelf -lz -ljansson -lsodium -lyaml -lm -lpthread ||
			{ echo "bench/rx_cost: the ablation variant ${v#*:} did not build" >&2; exit 1; }
		VARIANTS+=("${v#*:}")
	done
fi
check_full() { # FILE WHAT
	local full
	full=$(awk '$1 == "xdp_stamp" { print $6 }' "$1")
	[ "$full" = 0 ] || { echo "bench/rx_cost: ring_full $full in $2 (the drainer fell behind: the stamp figure is not the submit path)" >&2; exit 1; }
}
for i in $(seq "$RUNS"); do
	"$OUT/rx_cost" "$CLOCK_OBJ" "$N" >"$OUT/rx_cost.$i" || { echo "bench/rx_cost: run $i failed" >&2; exit 1; }
	check_full "$OUT/rx_cost.$i" "run $i"
	for v in "${VARIANTS[@]}"; do # interleaved with the program's runs
		"$OUT/ablate/$v/rx_cost" - "$N" >"$OUT/ablate/$v/rx_cost.$i" ||
			{ echo "bench/rx_cost: ablation $v, run $i failed" >&2; exit 1; }
		check_full "$OUT/ablate/$v/rx_cost.$i" "ablation $v, run $i"
	done
done
python3 - "$OUT" "$RUNS" "${VARIANTS[@]}" <<'PY'
import statistics, sys
out, runs, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
vals = {}
for i in range(1, runs + 1):
    for line in open("%s/rx_cost.%d" % (out, i)):
        f = line.split()
        vals.setdefault(f[0], []).append(float(f[1]))
med = {k: statistics.median(v) for k, v in vals.items()}
what = [("xdp_count", "XDP program, counting (64 B)"),
        ("xdp_stamp", "XDP program, stamp read + ring write, ring drained every ms by another core as the server does (70 B)"),
        ("xdp_stamp_undrained", "the same, nobody reading the ring"),
        ("xdp_stamp_none", "XDP program, --stamp on, a frame without a trailer (the reads only)"),
        ("ring_read", "user space: a record off the ring"),
        ("analysis_1streams", "user space: stamp analysis, 1 stream"),
        ("analysis_64streams", "user space: stamp analysis, 64 streams"),
        ("clock_none", "an XDP program reading no clock (the test-run loop and a store)"),
        ("clock_mono", "the same reading CLOCK_MONOTONIC (bpf_ktime_get_ns)"),
        ("clock_tai", "the same reading CLOCK_TAI (bpf_ktime_get_tai_ns)")]
rows = [(d, med[k], 1e3 / med[k]) for k, d in what if k in med and med[k] > 0]
print("receive-side cost per packet, one core (median of %d runs)" % runs)
for d, ns, mpps in rows:
    print("  %-80s %7.1f ns  %7.2f Mpps" % (d, ns, mpps))
user = med["ring_read"] + med["analysis_64streams"]
print("stamped analysis per core: XDP side %.1f ns (%.2f Mpps), user side %.1f ns (%.2f Mpps): "
      "the %s limits it" % (med["xdp_stamp"], 1e3 / med["xdp_stamp"], user, 1e3 / user,
                            "XDP side (the trailer read and the ring write)" if med["xdp_stamp"] > user else "user side"))
if "clock_mono" in med:
    print("one clock read in an XDP program: CLOCK_MONOTONIC %.1f ns, CLOCK_TAI %.1f ns (of counting's %.1f)"
          % (med["clock_mono"] - med["clock_none"], med["clock_tai"] - med["clock_none"], med["xdp_count"]))
ratio = med["pair_ratio"]
print("stamped / counting on one core (XDP side, median over alternating chunks): %.3f (issue 23's target for the stamped receive rate: >= 0.90 "
      "of counting: %s on one core's cost)" % (ratio, "PASS" if ratio >= 0.90 else "MISS"))
what_v = {"read": "the trailer read, nothing kept (the ceiling of any scheme that reads it)",
          "in-state": "per-stream state in the program (highest sequence, count, latency, histogram bucket)"}
abl = []
for v in variants:
    r = [float(l.split()[1]) for i in range(1, runs + 1)
         for l in open("%s/ablate/%s/rx_cost.%d" % (out, v, i)) if l.startswith("pair_ratio ")]
    abl.append((what_v.get(v, v), statistics.median(r)))
if abl:
    print("ablation, stamped / counting in each variant's own alternating chunks (median of %d runs; bench/rx_ablate.h):" % runs)
    print("  %-100s %.3f" % ("the program: a record in the CPU's ring", ratio))
    for d, r in abl:
        print("  %-100s %.3f" % (d, r))
with open("%s/rx_cost.md" % out, "w") as md:
    md.write("| step | ns per packet | Mpps on one core |\n|---|---:|---:|\n")
    for d, ns, mpps in rows:
        md.write("| %s | %.1f | %.2f |\n" % (d, ns, mpps))
    if abl:
        md.write("\n| stamped path (ablation) | stamped / counting |\n|---|---:|\n")
        md.write("| the program: a record in the CPU's ring | %.3f |\n" % ratio)
        for d, r in abl:
            md.write("| %s | %.3f |\n" % (d, r))
PY
