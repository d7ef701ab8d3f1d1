#!/usr/bin/env bash
# `xdperf ndr` refuses bad command lines before it touches a device or the network (no root):
# each case is exactly one line on stderr naming the option (or what is missing), nothing on
# stdout, exit status 2 — a missing --server-addr, a missing -d, bad --sizes (a word, below 64,
# above 2052, empty items only, too many), --loss 2 / 1 / -0.1, --trial 0 and 5000, --resolution
# 0, 1, 0pps and abc, --max-rate 0, --min-rate not below --max-rate, --line-rate x, --mode x,
# --parallelism 0, --src-mac x, a mistyped option (with its suggestion), an extra argument, an
# option without its value. `xdperf ndr --help` and `xdperf help ndr` print the usage (exit 0);
# an unreachable server is one line naming it, exit 1, with a device that exists (lo).
set -uo pipefail
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

refuse() { # REGEX ARGS...: one line matching REGEX, exit 2, stdout empty
	local want=$1
	shift
	"$XDPERF" ndr "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" != 2 ]; then
		bad "ndr $*: exit $rc, want 2 ($(head -n 2 "$T/err"))"
	elif [ "$(wc -l <"$T/err")" != 1 ] || ! grep -qE -- "$want" "$T/err"; then
		bad "ndr $*: stderr is not one line matching '$want':"
		sed 's/^/    | /' "$T/err"
	elif [ -s "$T/out" ]; then
		bad "ndr $*: wrote to stdout: $(head -n 1 "$T/out")"
	else
		echo "ok ndr $*: $(cat "$T/err")"
	fi
}

S=(--server-addr 127.0.0.1:9)
refuse '^xdperf ndr: --server-addr HOST:PORT is required' -d lo
refuse '^xdperf ndr: give the device to send on: -d IF$' "${S[@]}"
refuse "^xdperf ndr: --sizes: 'abc' is not a frame size \(64-2052 bytes" -d lo "${S[@]}" --sizes 64,abc
refuse "^xdperf ndr: --sizes: '63' is not a frame size" -d lo "${S[@]}" --sizes 63
refuse "^xdperf ndr: --sizes: '2053' is not a frame size" -d lo "${S[@]}" --sizes 128,2053
refuse "^xdperf ndr: --sizes: ',' lists no frame size$" -d lo "${S[@]}" --sizes ,
refuse "^xdperf ndr: --sizes: more than 32 sizes$" -d lo "${S[@]}" --sizes "$(seq -s, 64 100)"
refuse "^xdperf ndr: --loss: '2' is not a fraction from 0 to below 1" -d lo "${S[@]}" --loss 2
refuse "^xdperf ndr: --loss: '1' is not a fraction" -d lo "${S[@]}" --loss 1
refuse "^xdperf ndr: --loss: '-0.1' is not a fraction" -d lo "${S[@]}" --loss -0.1
refuse "^xdperf ndr: --trial: '0' is not a number of seconds \(0.1-3600\)$" -d lo "${S[@]}" --trial 0
refuse "^xdperf ndr: --trial: '5000' is not a number of seconds" -d lo "${S[@]}" --trial 5000
refuse "^xdperf ndr: --resolution: '0' is not a fraction of the max rate" -d lo "${S[@]}" --resolution 0
refuse "^xdperf ndr: --resolution: '1' is not a fraction of the max rate" -d lo "${S[@]}" --resolution 1
refuse "^xdperf ndr: --resolution: 'abc' is not a fraction of the max rate" -d lo "${S[@]}" --resolution abc
refuse '^xdperf ndr: --resolution: "0": ' -d lo "${S[@]}" --resolution 0pps
refuse '^xdperf ndr: --max-rate: "0": ' -d lo "${S[@]}" --max-rate 0
refuse '^xdperf ndr: --min-rate 2000 is not below --max-rate 1000$' -d lo "${S[@]}" --max-rate 1k --min-rate 2k
refuse '^xdperf ndr: --line-rate: "x": expected bits per second' -d lo "${S[@]}" --line-rate x
refuse "^xdperf ndr: --mode: 'x' is not xdp or afpacket$" -d lo "${S[@]}" --mode x
refuse '^xdperf ndr: --parallelism: expected a number from 1 to 1024' -d lo "${S[@]}" -l 0
refuse "^xdperf ndr: --src-mac: 'x' is not a MAC address" -d lo "${S[@]}" --src-mac x
refuse "^xdperf ndr: unknown option '--sise' \(did you mean '--sizes'\?" -d lo "${S[@]}" --sise 64
refuse "^xdperf ndr: unexpected argument 'extra'" -d lo "${S[@]}" extra
refuse '^xdperf ndr: option --loss needs a value$' -d lo "${S[@]}" --loss

"$XDPERF" ndr --help >"$T/help" 2>&1 && head -n 1 "$T/help" | grep -q '^usage: xdperf ndr -d IF --server-addr HOST:PORT' &&
	echo "ok ndr --help" || bad "ndr --help: $(head -n 1 "$T/help")"
"$XDPERF" help ndr >"$T/help2" 2>&1 && cmp -s "$T/help" "$T/help2" && echo "ok xdperf help ndr" ||
	bad "xdperf help ndr differs from ndr --help"

# nothing listens on 127.0.0.1:9 (discard): one line naming the address, exit 1, nothing sent
"$XDPERF" ndr -d lo "${S[@]}" --sizes 128 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^xdperf ndr: --server-addr: .*127.0.0.1:9.*; nothing sent$" "$T/err"; then
	echo "ok unreachable server: $(cat "$T/err")"
else
	bad "unreachable server: exit $rc: $(cat "$T/err")"
fi
exit $fail
