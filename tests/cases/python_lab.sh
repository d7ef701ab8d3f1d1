#!/usr/bin/env bash
# The complete scripted test of docs/python.md, examples/python/lab_test.py, run as a user runs
# it (root): it makes its own namespace and veth pair, sends a stamped stream against a server
# and asserts per-stream loss and latency, swaps a protocol module under load (canary, promote,
# rollback) through the admin API with no failed request, and removes its namespace. Here: it
# exits 0 and prints PASS, each of its checks printed an ok line, and no namespace of its is left.
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
fail=0
python3 "$REPO/examples/python/lab_test.py" >"$TMPDIR/lab.out" 2>&1
rc=$?
sed 's/^/    /' "$TMPDIR/lab.out"
[ $rc = 0 ] || { echo "FAIL: lab_test.py exited $rc"; fail=1; }
tail -n 1 "$TMPDIR/lab.out" | grep -qx PASS || { echo "FAIL: no PASS line at the end"; fail=1; }
n=$(grep -c '^ok ' "$TMPDIR/lab.out")
[ "$n" -ge 6 ] || { echo "FAIL: $n ok lines, want at least 6 (namespace, sent, a stream, count, swap, rollback)"; fail=1; }
grep -q '^ok .* 0 failed, [1-9][0-9]* answered by version 2$' "$TMPDIR/lab.out" || { echo "FAIL: no swap-under-load line"; fail=1; }
if ip netns list | grep -q '^xdperf-lab-'; then
	echo "FAIL: a namespace of the lab is left: $(ip netns list | grep '^xdperf-lab-')"
	fail=1
fi
exit $fail
