#!/usr/bin/env bash
# Numbers the user gives, near the ends of their range (ASan/UBSan build, no root, no NIC: pcap
# output, `xdperf plugin run`, and a device run that ends before its first frame): never wrapped,
# rounded or cut silently. Each bad value gives one line naming it and the limit, and a non-zero
# exit:
#  - --count above 2^63 - 1 (the plugin request's "count" is a signed 64-bit JSON integer: it
#    reached plugins negative), and " -1" for --count / --rate (strtoull read 2^64 - 1);
#  - templates whose packet_count values add up to more than 2^63 - 1 (under 2^64: the run's
#    count, asked of a reloaded plugin and printed by --json, would be negative);
#  - an --imix weight above 2^63 - 1 (its digits wrapped: 2 x 10^19 became 1553255926290448384)
#    and a size with more than 5 digits' worth (was "expected SIZE:WEIGHT");
#  - a decrement modifier whose start lies between the last value and max (last - start wrapped:
#    0..10 step 3 from 10 sent 22, 31, 40, ... in a 1-byte field);
#  - pcap timestamps: packet i at start + i x 10^9 / rate exactly (the gap was rounded to whole
#    ns: --rate 3000000000 and 700000000 both wrote 1 ns apart), and a count and rate whose last
#    packet falls after 2106 (the pcap's 32-bit seconds wrapped to 1970) refused before writing;
#  - --count and --rate with k/M/G suffixes and fractions: exact (1.5k = 1500; --rate 0.3 stamps
#    packets 10/3 s apart, not a rounded gap); a count that is not whole (0.5, 1.0001k), junk
#    (abc, 1e3, 0x10, 1m, inf, ""), a rate of 0 or finer than 10^-6 give one line naming the flag;
#  - --server-addr HOST:70000 (getaddrinfo connected to port 70000 mod 65536 = 4464);
#  - the field engine's thread starts for modifiers of more than 2^63 values
#    (tests/unit/user_numbers_test.c: x0 + t x k1 passed 2^64, so three sender threads no longer
#    sent the one-thread sequence).
set -uo pipefail
cd "$REPO" || exit 1
X="$XDPERF_ASAN"
T="$TMPDIR"
L="$REPO/tests/lib"
fail=0
bad() { echo "FAILED: $*"; fail=1; }

# want-status text args...: xdperf exits with want-status within 20 s, printing one line that
# holds text (a wrapped value used to run for hours instead: the limit ends it)
refused() {
	local want=$1 text=$2 rc
	shift 2
	timeout -k 2 20 "$X" "$@" >"$T/o.out" 2>"$T/o.err" </dev/null
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then bad "xdperf $*: still running after 20 s (killed)"
	elif [ $rc != "$want" ]; then bad "xdperf $*: exit $rc, want $want: $(cat "$T/o.err")"
	elif ! grep -qF -- "$text" "$T/o.err"; then bad "xdperf $*: no '$text' in: $(cat "$T/o.err")"
	elif [ "$(wc -l <"$T/o.err")" != 1 ]; then bad "xdperf $*: more than one line: $(cat "$T/o.err")"
	else echo "ok xdperf $* -> $rc: $(cat "$T/o.err")"; fi
}
# field values (bytes OFF..OFF+LEN, big endian) of every frame of a pcap, space-separated
values() { # PCAP OFF LEN
	python3 - "$@" <<'PY'
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
print(" ".join(str(pcapread.be(f, int(sys.argv[2]), int(sys.argv[3]))) for _, f in pcapread.frames(sys.argv[1])))
PY
}
# microseconds from the first to the last frame of a pcap
span_us() {
	python3 - "$1" <<'PY'
import os, sys
sys.path.insert(0, os.environ["REPO"] + "/tests/lib")
import pcapread
f = pcapread.frames(sys.argv[1])
print(round((f[-1][0] - f[0][0]) * 1e6))
PY
}
python3 "$L/mktmpl.py" --csum none >"$T/plain.json"

# ---- counts ---------------------------------------------------------------------------------
MAX=9223372036854775807
refused 2 "xdperf: --count: \"9223372036854775808\": more than $MAX" plugin run simpleudp --count 9223372036854775808
refused 2 "xdperf: --count: \"18446744073709551615\": more than $MAX" -p simpleudp -o "$T/x.pcap" --count 18446744073709551615
refused 2 "xdperf: --count: \"9223372036854.775808M\": more than $MAX" -p simpleudp -o "$T/x.pcap" --count 9223372036854.775808M
refused 2 "xdperf: --count: \" -1\": expected a whole number with optional k/M/G suffix" plugin run simpleudp --count ' -1'
refused 2 "xdperf: --count: \" -1\": expected a whole number with optional k/M/G suffix" --templates "$T/plain.json" -o /dev/null --count ' -1'
refused 2 "xdperf: --rate: \" -1\": expected a number with optional k/M/G suffix" --templates "$T/plain.json" -o "$T/x.pcap" -c 1 --rate ' -1'
"$X" plugin run simpleudp --count $MAX >"$T/run.out" 2>"$T/run.err" &&
	grep -qF "(request: {\"count\":$MAX," "$T/run.out" &&
	echo "ok plugin run --count $MAX: the request carries it unchanged" ||
	bad "plugin run --count $MAX: $(head -c 300 "$T/run.out") $(cat "$T/run.err")"

# packet_count values adding up past 2^63 - 1 but not 2^64 - 1; an explicit --count still goes
python3 - "$T/half.json" <<'PY'
import json, sys
f = "ffffffffffff02000000000108004500001c000000004011000000000000000000000000000000000000"
t = lambda n: {"template": {"base_packet": {"data": f, "type": "hex"}}, "metadata": {"packet_count": n}}
json.dump([t(2**63 - 1), t(2)], open(sys.argv[1], "w"))
PY
refused 1 "the templates' packet_count values add up to 9223372036854775809 packets, more than the $MAX a run can count" \
	--templates "$T/half.json" -o /dev/null
"$X" --templates "$T/half.json" -o "$T/h.pcap" -c 3 2>"$T/h.err" && grep -q "wrote 3 packets" "$T/h.err" &&
	echo "ok --count 3 with those packet_count values: $(cat "$T/h.err")" || bad "--count 3: $(cat "$T/h.err")"

# ---- k/M/G suffixes and fractions (--count, --rate) -----------------------------------------
for bad in abc 1e3 0x10 1m 1.2.3 k 1kk inf ""; do
	refused 2 "xdperf: --count: \"$bad\": expected a whole number with optional k/M/G suffix" \
		--templates "$T/plain.json" -o "$T/x.pcap" -c "$bad"
	refused 2 "xdperf: --rate: \"$bad\": expected a number with optional k/M/G suffix" \
		--templates "$T/plain.json" -o "$T/x.pcap" -c 1 --rate "$bad"
done
refused 2 "xdperf: --count: \"0.5\": not a whole number (1.5k = 1500 is one)" --templates "$T/plain.json" -o "$T/x.pcap" -c 0.5
refused 2 "xdperf: --count: \"1.0001k\": not a whole number" --templates "$T/plain.json" -o "$T/x.pcap" -c 1.0001k
refused 2 "xdperf: --rate: \"0\": must be more than 0" --templates "$T/plain.json" -o "$T/x.pcap" -c 1 --rate 0
refused 2 "xdperf: --rate: \"0.0000001\": finer than 0.000001 per second" --templates "$T/plain.json" -o "$T/x.pcap" -c 1 --rate 0.0000001
refused 2 "xdperf: --rate: \"20000000000G\": too large" --templates "$T/plain.json" -o "$T/x.pcap" -c 1 --rate 20000000000G
refused 2 "xdperf: --count: \"0.5\": not a whole number" -p simpleudp -d lo -c 0.5
for c in "1k 1000" "1.5k 1500" "0.002M 2000" "1K 1000" "0.000001G 1000" "00012 12" "2.000 2"; do
	set -- $c
	"$X" --templates "$T/plain.json" -o "$T/k.pcap" --count "$1" 2>"$T/k.err" &&
		[ "$(python3 "$L/pcapread.py" "$T/k.pcap")" = "$2" ] && echo "ok --count $1: $2 frames" ||
		bad "--count $1: $(python3 "$L/pcapread.py" "$T/k.pcap" 2>&1) frames, want $2: $(cat "$T/k.err")"
done
# pcap timestamps at fractional rates, exact: 1500 gaps at 1.5k/s = 1 s, 2 at 0.5/s = 4 s,
# 3 at 0.3/s = 10 s, 6 at 0.000001M = 1/s: 6 s
for c in "1501 1.5k 1000000" "3 0.5 4000000" "4 0.3 10000000" "7 0.000001M 6000000"; do
	set -- $c
	"$X" --templates "$T/plain.json" -o "$T/q.pcap" -c "$1" --rate "$2" 2>"$T/q.err" || bad "--rate $2: $(cat "$T/q.err")"
	us=$(span_us "$T/q.pcap")
	[ "$us" = "$3" ] && echo "ok --rate $2: $1 packets span $3 us" || bad "--rate $2: $1 packets span $us us, want $3"
done
refused 1 "3000000000 packets at 0.5 per second would be stamped after 2106" --templates "$T/plain.json" -o /dev/null -c 3G --rate 0.5

# ---- IMIX spec ------------------------------------------------------------------------------
refused 2 "xdperf: --imix: \"64:20000000000000000000\": the weight must be from 1 to $MAX" \
	--templates "$T/plain.json" -o "$T/x.pcap" -c 2 --imix 64:20000000000000000000
refused 2 "xdperf: --imix: size 70000 is outside 14..9216" --templates "$T/plain.json" -o "$T/x.pcap" -c 2 --imix 70000:1
"$X" --templates "$T/plain.json" -o "$T/w.pcap" -c 3 --imix "64:$MAX,128:1" 2>"$T/w.err" &&
	echo "ok --imix 64:$MAX,128:1 is taken: $(cat "$T/w.err")" || bad "--imix 64:$MAX,128:1: $(cat "$T/w.err")"

# ---- decrement start ------------------------------------------------------------------------
# 0..10 step 3 takes 0, 3, 6, 9: a start of 10 is none of them
python3 "$L/mktmpl.py" --csum none --mod 'ipv4.ttl|decrement|0|10|step=3,start=10' >"$T/dec10.json"
refused 1 "modifier 0 (ipv4.ttl): start 10 is not min + a multiple of step 3 (the values are 0..9)" \
	--templates "$T/dec10.json" -o "$T/x.pcap" -c 5
python3 "$L/mktmpl.py" --csum none --mod 'ipv4.ttl|decrement|0|10|step=3,start=6' >"$T/dec6.json"
"$X" --templates "$T/dec6.json" -o "$T/d.pcap" -c 6 2>"$T/d.err" || bad "decrement from 6: $(cat "$T/d.err")"
got=$(values "$T/d.pcap" 22 1) # IPv4 TTL
[ "$got" = "6 3 0 9 6 3" ] && echo "ok decrement 0..10 step 3 from 6: $got" || bad "decrement from 6: $got, want 6 3 0 9 6 3"

# ---- pcap timestamps ------------------------------------------------------------------------
# 30000 gaps at 3 x 10^9/s are 10 us, 7000 at 7 x 10^8/s too (the start's sub-us part drops out)
for pair in "30001 3000000000" "7001 700000000"; do
	set -- $pair
	"$X" --templates "$T/plain.json" -o "$T/r.pcap" -c "$1" --rate "$2" 2>"$T/r.err" || bad "--rate $2: $(cat "$T/r.err")"
	us=$(span_us "$T/r.pcap")
	[ "$us" = 10 ] && echo "ok --rate $2: $1 packets span 10 us" || bad "--rate $2: $1 packets span $us us, want 10"
done
refused 1 "3000000000 packets at 1 per second would be stamped after 2106-02-07 06:28:15 UTC, the last time a pcap file holds" \
	--templates "$T/plain.json" -o /dev/null -c 3000000000 --rate 1
refused 1 "3000000000000000 packets at 1000000 per second (the pcap default without --rate) would be stamped after 2106" \
	--templates "$T/plain.json" -o /dev/null -c 3000000000000000

# ---- --server-addr port ---------------------------------------------------------------------
# refused before the run starts: nothing is sent on lo (no privileges needed to get that far)
refused 1 "--server-addr '127.0.0.1:70000': port 70000 is not from 1 to 65535; nothing sent" \
	--templates "$T/plain.json" -d lo -c 1 --server-addr 127.0.0.1:70000

# ---- field engine threads (C, against build/asan/libxdperf.a) ------------------------------
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if asan_build "$T/user_numbers_test" -Wall -Wextra -Werror -Wno-unused-parameter "$REPO/tests/unit/user_numbers_test.c"; then
	"$T/user_numbers_test" >"$T/unit.out" 2>&1 &&
		echo "ok three sender threads send the one-thread sequence of 2^64 - 1 values: $(tail -n 1 "$T/unit.out")" ||
		bad "tests/unit/user_numbers_test.c: $(cat "$T/unit.out")"
else
	bad "cannot build tests/unit/user_numbers_test.c"
fi

[ $fail = 0 ] && echo "user_numbers: all checks passed"
exit $fail
