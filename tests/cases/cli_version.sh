#!/usr/bin/env bash
# The version (no root): `xdperf --version` and `-V` print "xdperf RELEASE" with the VERSION
# file's release and, in a git checkout, "(git HASH...)" naming HEAD; the library's
# xdperf_version() is the same release and xdperf_version_full() the same text.
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
[ $fail = 0 ] && echo "version: one release, from VERSION, in the binary and the library"
exit $fail
