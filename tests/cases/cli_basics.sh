#!/usr/bin/env bash
# The command line's basics (no root):
#  - `xdperf --version` and `-V` print "xdperf RELEASE" with the VERSION file's release and, in a
#    git checkout, "(git HASH...)" naming HEAD; the library's xdperf_version() is the same
#    release and xdperf_version_full() the same text;
#  - `xdperf help [COMMAND [SUB]]` prints that command's own --help (exit 0), and every command
#    and subcommand answers --help with its usage; `xdperf wasm --help` too;
#  - a mistyped command is one line suggesting the nearest one, exit 2; nothing near: no guess;
#  - bash completion completes commands, subcommands, each command's options (from its help),
#    plugin names and devices.
set -uo pipefail
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
rel=$(cat "$REPO/VERSION")
v=$("$XDPERF" --version) || bad "--version: exit $?"
[ "$("$XDPERF" -V)" = "$v" ] || bad "-V differs from --version"
case "$v" in "xdperf $rel"*) echo "ok --version: $v" ;; *) bad "--version says '$v', VERSION holds $rel" ;; esac
if head=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null); then
	case "$v" in *"(git $head"*) echo "ok it names HEAD ($head)" ;; *) bad "--version '$v' does not name HEAD $head" ;; esac
fi
cat >"$T/v.c" <<'C'
#include <stdio.h>
#include "xdperf/version.h"
int main(void) { printf("%s\n%s\n", xdperf_version(), xdperf_version_full()); return 0; }
C
gcc -std=gnu11 -I"$REPO/include" "$T/v.c" "$REPO/build/libxdperf.a" -ljansson -lsodium -lyaml -lbpf \
	-lmicrohttpd -lgnutls -lcurl -lm -lpthread -o "$T/v" || { bad "cannot build against libxdperf.a"; exit 1; }
out=$("$T/v")
[ "$(echo "$out" | sed -n 1p)" = "$rel" ] || bad "xdperf_version() = $(echo "$out" | sed -n 1p), want $rel"
[ "xdperf $(echo "$out" | sed -n 2p)" = "$v" ] || bad "xdperf_version_full() = $(echo "$out" | sed -n 2p), the binary says $v"

# help
for c in "serve" "server" "generate" "count" "probe" "ctl" "keygen" "sign" "verify" "wasm run" \
	 "wasm spectest" "plugin inspect" "protocol check"; do
	# shellcheck disable=SC2086
	out=$("$XDPERF" help $c 2>&1) || bad "help $c: exit $?"
	# the first line without a pipe: a writer cut off by head -n 1 dies of SIGPIPE under pipefail
	first=${out%%$'\n'*}
	case "$first" in "usage: xdperf"*) ;; *) bad "help $c: $first" ;; esac
done
echo "ok help for every command"
for c in "wasm" "plugin" "protocol" "serve" "ctl" "count" "probe" "keygen"; do
	# shellcheck disable=SC2086
	"$XDPERF" $c --help >"$T/h" 2>&1 || bad "$c --help: exit $?"
	head -n 1 "$T/h" | grep -q '^usage: xdperf' || bad "$c --help: $(head -n 1 "$T/h")"
done
echo "ok --help on every command"
"$XDPERF" help >"$T/h" || bad "help: exit $?"
grep -q "xdperf help \[COMMAND\]" "$T/h" || bad "help lists no 'xdperf help'"
# suggestions
sug() { # TYPED WANT
	local out rc=0
	out=$("$XDPERF" "$1" 2>&1) || rc=$?
	[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && grep -qF "$2" <<<"$out" && echo "ok '$1': $out" ||
		bad "'$1': exit $rc: $out"
}
sug sever "unknown command 'sever' (did you mean 'serve'?"
sug probs "did you mean 'probe'?"
sug plugins "did you mean 'plugin'?"
sug xyzzy "unknown command 'xyzzy' (xdperf --help lists the commands)"
# a mistyped option: one line, exit 2, the nearest option of that command (none when none is near)
osug() { # WANT ARGS...
	local want=$1 out rc=0; shift
	out=$("$XDPERF" "$@" 2>&1) || rc=$?
	[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [ "$out" = "$want" ] && echo "ok $*: $out" ||
		bad "$*: exit $rc: $out (want: $want)"
}
osug "xdperf: unknown option '--cout' (did you mean '--count'? see xdperf help generate)" -p simpleudp -o "$T/x.pcap" --cout 5
osug "xdperf --server: unknown option '--prot' (did you mean '--port'? see xdperf --server --help)" --server -d lo --prot 9
osug "xdperf count: unknown option '--duraton' (did you mean '--duration'? see xdperf count --help)" count --duraton 1
osug "xdperf serve: unknown option '--listn' (did you mean '--listen'? see xdperf serve --help)" serve --listn x
osug "xdperf probe: unknown option '--jsn' (did you mean '--json'? see xdperf probe --help)" probe --jsn
osug "xdperf plugin run: unknown option '--cfgg' (did you mean '--cfg'? see xdperf plugin run --help)" plugin run simpleudp --cfgg x
osug "xdperf protocol call: unknown option '--inptu' (did you mean '--input'? see xdperf protocol call --help)" protocol call x.wasm --inptu a
osug "xdperf ctl: unknown option '--admn' (did you mean '--admin'? see xdperf ctl --help)" ctl --admn x list
osug "xdperf wasm run: unknown option '--fule' (did you mean '--fuel'? see xdperf wasm run --help)" wasm run --fule 1 x.wasm
osug "xdperf sign: unknown option '--ky' (did you mean '--key'? see xdperf sign --help)" sign --ky k x.wasm
osug "xdperf count: unknown option '--zzzzzz' (see xdperf count --help)" count --zzzzzz
out=$("$XDPERF" wasm 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = "xdperf wasm: give a subcommand: run or spectest (xdperf wasm --help)" ] || bad "wasm alone: $rc $out"

# bash completion (scripts/xdperf.bash-completion): commands, options from `xdperf help`, plugins,
# devices
comp_out=$(PATH="$(dirname "$XDPERF"):$PATH" bash -c '
	source "$1/scripts/xdperf.bash-completion"
	comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _xdperf; echo "${COMPREPLY[*]}"; }
	comp xdperf se; comp xdperf -p simp; comp xdperf serve --admin-to; comp xdperf --server --refl
	comp xdperf -d lo --rx-d; comp xdperf wasm sp; comp xdperf -d lo; comp xdperf plugin run --cou' _ "$REPO" 2>&1)
want=$'serve\nsimpleudp\n--admin-token-file\n--reflect\n--rx-device\nspectest\nlo\n--count'
[ "$comp_out" = "$want" ] && echo "ok bash completion" || bad "bash completion gave: $(echo "$comp_out" | tr '\n' '|')"
[ $fail = 0 ] && echo "version, help, suggestions and completion as they should be"
exit $fail
