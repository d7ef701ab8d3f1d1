#!/usr/bin/env bash
# The Python API (python/xdperf, docs/python.md): pytest runs python/tests/ with Debian's
# python3-pytest: version, errors (errno + the library's message), every mirrored struct's size
# and member offsets against a C program compiled against include/, the WebAssembly engine
# (calls, traps, fuel), plugin templates against `xdperf -p -o FILE.pcap`, plugin answers and
# template files as frames with their modifiers (xdperf.templates), the admin API client
# against `xdperf serve` on loopback (a module swapped under load, no failed request), the
# protocol registry in-process (canary, swaps while threads call it), the docs' examples.
# As root: a veth pair veth0 <-> veth1 inside a network namespace this script creates (both
# ends in it, pytest running in it): AF_PACKET transmit runs counted exactly by the Python
# server and by tcpdump, stamps (per-stream loss and latency), progress, Ctrl-C with the
# summary, AUTO mode, field modifiers, hot swap, two streams, the control connection. Not root:
# says so and runs the rest.
set -uo pipefail
cd "$REPO"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
if ! "$PY" -c 'import pytest' 2>/dev/null; then
	echo "python3-pytest is not installed (scripts/deps.sh test)"
	exit 77
fi
[ -e build/libxdperf.so ] || { echo "FAIL: build/libxdperf.so is missing (make all)"; exit 1; }
fail=0
NS=
export PYTHONDONTWRITEBYTECODE=1
cleanup() { [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null; return 0; }
trap cleanup EXIT
run=("$PY" -m pytest -v -p no:cacheprovider python/tests)
if [ "$(id -u)" = 0 ] && ip netns add "xdpf$$py" 2>/dev/null; then
	NS="xdpf$$py"
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "$NS" link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 \
		address 02:00:00:00:00:02
	for d in lo veth0 veth1; do ip -n "$NS" link set "$d" up; done
	run=(ip netns exec "$NS" env XDPERF_TEST_TX_DEV=veth0 XDPERF_TEST_RX_DEV=veth1 "${run[@]}")
else
	echo "not root (or no ip netns): the transmit/server tests are skipped, the rest runs"
fi
out="$TMPDIR/pytest.out"
"${run[@]}" >"$out" 2>&1
rc=$?
cat "$out"
grep -q ' PASSED' "$out" || { echo "FAIL: pytest ran no test"; fail=1; }
if [ $rc = 0 ]; then
	echo "ok: pytest python/tests ($(grep -c ' PASSED' "$out") passed, $(grep -c ' SKIPPED' "$out") skipped)"
else
	echo "FAIL: pytest python/tests exited $rc"
	fail=1
fi
if [ -n "$NS" ] && grep -q 'test_tx.py.* SKIPPED' "$out"; then
	echo "FAIL: the veth tests were skipped although the namespace was set up"
	fail=1
fi
exit $fail
