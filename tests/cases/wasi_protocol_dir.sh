#!/usr/bin/env bash
# Protocol modules stay without files unless their policy grants one read-only directory
# (policy field "dir", `xdperf protocol call --dir`), which is then their WASI root "/":
#  - without a grant, opening a file fails (ENOTCAPABLE: no preopen at all);
#  - with one, the module reads a file in it; creating a file fails with EROFS and the
#    directory is unchanged; "../" and absolute paths stay inside it;
#  - a grant that is not a directory is refused at load with one line, exit 1; a policy file
#    with a bad "dir" is refused naming the field;
#  - under `xdperf serve --policy` (a per-protocol "dir") the module answers UDP requests with
#    the file's content.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
need_tools clang python3
M="$T/readfile.wasm"
clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -I"$REPO/sdk" -mexec-model=reactor \
	-o "$M" "$REPO/tests/protocols/readfile.c" || { bad "cannot build the test module"; exit 1; }
mkdir -p "$T/grant/sub" && echo "hello from the grant" >"$T/grant/data.txt"
echo "outside" >"$T/outside.txt"
before=$(ls -R "$T/grant")

call() { # EXPECTED ARGS...: xdperf protocol call must answer exactly EXPECTED
	local want=$1; shift
	local got
	got=$("$XDPERF_ASAN" protocol call "$M" "$@" 2>"$T/call.err")
	if [ "$got" = "$want" ]; then
		echo "ok: call $* -> $got"
	else
		bad "call $*: answered [$got], expected [$want] ($(grep -v WARN "$T/call.err" | head -2))"
	fi
	grep -qE 'AddressSanitizer|runtime error:' "$T/call.err" && bad "call $*: sanitizer report"
}
call "ERR Capabilities insufficient" --input data.txt
call "hello from the grant" --dir "$T/grant" --input data.txt
call "hello from the grant" --dir "$T/grant" --input /data.txt
call "ERR Read-only file system" --dir "$T/grant" --input "write new.txt"
call "ERR Read-only file system" --dir "$T/grant" --input "write sub/x"
call "ERR Capabilities insufficient" --dir "$T/grant" --input ../outside.txt
call "ERR No such file or directory" --dir "$T/grant" --input "$T/outside.txt"
[ "$(ls -R "$T/grant")" = "$before" ] && echo "ok: the granted directory is unchanged" ||
	bad "the granted directory changed: $(ls -R "$T/grant")"

"$XDPERF_ASAN" protocol call "$M" --dir "$T/outside.txt" --input x >/dev/null 2>"$T/bad.err"
rc=$?
msg=$(grep -v WARN "$T/bad.err")
if [ $rc = 1 ] && [ "$(echo "$msg" | wc -l)" = 1 ] && [[ "$msg" == *"the policy's dir '$T/outside.txt': Not a directory"* ]]; then
	echo "ok: a grant that is not a directory: $msg"
else
	bad "a grant that is not a directory: exit $rc, [$msg]"
fi
printf 'dir: 5\n' >"$T/bad.yaml"
"$XDPERF_ASAN" serve --policy "$T/bad.yaml" --listen udp://127.0.0.1:0 --protocol rf="$M@1" >/dev/null 2>"$T/badpol.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "'dir' must be the path of a host directory" "$T/badpol.err"; then
	echo "ok: a policy file with a bad dir: $(cat "$T/badpol.err")"
else
	bad "a policy file with a bad dir: exit $rc, [$(cat "$T/badpol.err")]"
fi

# the policy file's per-protocol dir under serve
printf 'protocols:\n  rf:\n    dir: %s\n' "$T/grant" >"$T/good.yaml"
serve_start rf "$XDPERF_ASAN" --policy "$T/good.yaml" --listen udp://127.0.0.1:0/rf --protocol "rf=$M@1"
serve_wait rf udp:rf
port=$(serve_port rf udp rf)
got=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for m in (b"data.txt", b"write y"):
    s.sendto(m, ("127.0.0.1", int(sys.argv[1])))
    print(s.recvfrom(5000)[0].decode().strip())
PY
)
[ "$got" = "hello from the grant
ERR Read-only file system" ] && echo "ok: serve --policy dir: the module read the file, could not write" ||
	bad "serve --policy dir: answers [$got]"
serve_healthy rf
serve_stop rf
exit $fail
