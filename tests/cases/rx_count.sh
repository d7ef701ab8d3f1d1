#!/usr/bin/env bash
# AF_PACKET backend + XDP receive counter on a private veth pair: exactly N frames of three
# templates (60, 333 and 1514 bytes, following a schedule) from 1 and 2 sender threads, and the
# counter on the peer sees exactly N frames and the same byte total; `xdperf count` output
# (plain and --json) and its errors. The backend and counter run under ASan/UBSan.
set -uo pipefail
cd "$REPO"
. tests/lib/netns.sh
netns_need_root
fail=0
no() { echo "FAIL: $*"; fail=1; }

gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Isrc -Ibuild/bpf \
	-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	src/util/err.c src/datapath/afpacket*.c src/datapath/frames.c src/datapath/link.c src/datapath/stall.c src/packet/field.c src/packet/decode.c src/packet/layers.c src/packet/stamp.c tests/unit/afpacket_test.c -lpthread \
	-o "$TMPDIR/afpacket_test" || { echo "FAIL: cannot build tests/unit/afpacket_test.c"; exit 1; }

set -e
netns_pair_setup
set +e
export XDPERF="$XDPERF_ASAN" # the counter under ASan/UBSan too
# both send paths: sendmmsg (the default) and the TX ring
for mode in mmsg ring; do
	for n in 1 2047 100001; do
		for t in 1 2; do
			what="$mode: $n frames from $t threads"
			rx_count_start "$NS_B" "$IF_B" --pass --json || { no "$what: counter did not start"; continue; }
			sent="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" "$n" "$t" 2>&1)" \
				|| no "$what: $sent"
			got="$(rx_count_stop)" || no "$what: counter failed"
			[ "$got" = "$sent" ] || no "$what: sender reports '$sent', receiver '$got'"
			# JSON of xdperf count
			want="{\"device\":\"$IF_B\",\"packets\":${sent% *},\"bytes\":${sent#* }}"
			[ "$(cat "$RX_COUNT_OUT")" = "$want" ] || no "$what: count --json '$(cat "$RX_COUNT_OUT")', want '$want'"
		done
	done
	# a schedule longer than the pre-filled ring (frames copied into the ring as they go)
	rx_count_start "$NS_B" "$IF_B" || no "$mode: counter did not start"
	sent="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 50021 2 --long 2>&1)" \
		|| no "$mode long schedule: $sent"
	got="$(rx_count_stop)" || no "$mode long schedule: counter failed"
	[ "$got" = "$sent" ] || no "$mode long schedule: sender reports '$sent', receiver '$got'"
	# a frame longer than the device takes is a hard error naming the device
	ip -n "$NS_A" link set "$IF_A" mtu 1000
	out="$(XDPERF_AFPACKET=$mode ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 100 1 2>&1)" \
		&& no "$mode: a 1514-byte frame on a 1000-byte MTU was sent"
	[ "$out" = "worker 0: afpacket: template 2 (1514 bytes) is longer than the MTU of $IF_A allows" ] ||
		no "$mode: too long: '$out'"
	ip -n "$NS_A" link set "$IF_A" mtu 1500
	# a device that is down is a hard error; one whose peer is (no carrier) refuses everything
	# and ends at the stall timeout (1 s in the test program), naming the cause: not a hang
	ip -n "$NS_A" link set "$IF_A" down
	out="$(XDPERF_AFPACKET=$mode timeout 20 ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 100 1 2>&1)"
	[ "$out" = "worker 0: afpacket: $IF_A is down" ] || no "$mode: device down: '$out'"
	ip -n "$NS_A" link set "$IF_A" up
	ip -n "$NS_B" link set "$IF_B" down
	out="$(XDPERF_AFPACKET=$mode timeout 20 ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 100 1 2>&1)"
	[ "$out" = "worker 0: afpacket: $IF_A accepted none of the frames sent to it for 1.0 s (--stall-timeout): $IF_A has no carrier: its peer $IF_B is down" ] ||
		no "$mode: no carrier: '$out'"
	ip -n "$NS_B" link set "$IF_B" up
done
# the byte total is the schedule's (0 1 0 2 1 0 0): 7 frames = 4*60 + 2*333 + 1514; 1000 frames
# = 142 cycles + 0 1 0 2 1 0
[ "$(ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 7 1)" = "7 2420" ] || no "7-frame byte total"

# plain output, --duration, drop mode
rx_count_start "$NS_B" "$IF_B" --duration 30 || no "counter (drop) did not start"
sent="$(ip netns exec "$NS_A" "$TMPDIR/afpacket_test" "$IF_A" 1000 1 2>&1)" || no "send 1000: $sent"
kill -INT "$RX_COUNT_PID"
for i in $(seq 100); do [ -s "$RX_COUNT_OUT.rc" ] && break; sleep 0.1; done
[ "$(cat "$RX_COUNT_OUT")" = "packets 1000 bytes 346000" ] || no "plain output: '$(cat "$RX_COUNT_OUT")'"
start=$SECONDS
out="$(ip netns exec "$NS_B" "$XDPERF" count -d "$IF_B" --duration 1 2>"$TMPDIR/d.err")" \
	|| no "count --duration 1: $(cat "$TMPDIR/d.err")"
[ "$out" = "packets 0 bytes 0" ] || no "idle count: '$out'"
[ $((SECONDS - start)) -le 5 ] || no "--duration 1 took $((SECONDS - start)) s"

# user errors
err() { # status text args...
	local st="$1" text="$2"
	shift 2
	ip netns exec "$NS_B" "$XDPERF" count "$@" >"$TMPDIR/e.out" 2>"$TMPDIR/e.err"
	local rc=$?
	[ $rc = "$st" ] || no "count $*: exit $rc, want $st ($(cat "$TMPDIR/e.err"))"
	grep -qF -- "$text" "$TMPDIR/e.err" || no "count $*: message '$(cat "$TMPDIR/e.err")' lacks '$text'"
	[ -s "$TMPDIR/e.out" ] && no "count $*: printed '$(cat "$TMPDIR/e.out")' on stdout"
}
err 1 "no such interface 'nosuch0'" -d nosuch0 --duration 1
err 2 "a device is needed" --duration 1
err 2 "unknown option '--bogus'" -d "$IF_B" --bogus
err 2 "'abc' is not a number of seconds" -d "$IF_B" --duration abc
err 2 "'-d' needs a value" -d
# a second counter on the same device cannot attach (the first holds it)
rx_count_start "$NS_B" "$IF_B" || no "counter did not start"
err 1 "cannot attach XDP to $IF_B" -d "$IF_B" --duration 1
rx_count_stop >/dev/null || no "stopping the counter"

[ $fail = 0 ] && echo "rx_count: all checks passed"
exit $fail
