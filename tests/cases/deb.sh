#!/usr/bin/env bash
# `make deb` (scripts/mkdeb.sh): build/xdperf_VERSION_ARCH.deb, its control data (version =
# VERSION = what xdperf --version says, the runtime dependencies dpkg-shlibdeps found) and its
# files; unpacked into a scratch root (dpkg-deb -x) the binary runs its own plugins from any
# folder. As root on a machine without an xdperf package it is also installed for real with
# dpkg -i: xdperf --version, man xdperf, tab completion, -p simpleudp -o x.pcap from anywhere,
# the shared library through ldconfig and pkg-config, the Python package (import xdperf); then
# dpkg -r removes every file.
set -uo pipefail
T=$TMPDIR
fail=0
bad() { echo "FAIL: $*"; fail=1; }
cd "$REPO" || exit 1
V=$(cat VERSION)
A=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
D="build/xdperf_${V}_${A}.deb"
out=$(make -s deb 2>&1) || { echo "$out"; echo "FAIL: make deb"; exit 1; }
[ "$(echo "$out" | tail -n 1)" = "$D" ] && [ -f "$D" ] && echo "ok make deb wrote $D" || bad "make deb said: $out"
field() { dpkg-deb -f "$D" "$1"; }
[ "$(field Package)" = xdperf ] && [ "$(field Version)" = "$V" ] && [ "$(field Architecture)" = "$A" ] &&
	echo "ok control: xdperf $V $A" || bad "control: $(dpkg-deb -f "$D")"
deps=$(field Depends)
for lib in libbpf1 libjansson4 libsodium23 libyaml-0-2 libmicrohttpd12 libgnutls30 libcurl4 libc6; do
	grep -q "\\b$lib\\b" <<<"$deps" || bad "Depends lacks $lib: $deps"
done
echo "ok Depends: $deps"

# unpacked into a scratch root
X="$T/x"
dpkg-deb -x "$D" "$X" || bad "dpkg-deb -x"
for f in usr/bin/xdperf usr/share/xdperf/plugins/simpleudp.wasm usr/share/xdperf/protocols/echo.wasm \
	 usr/share/xdperf/sdk/xdperf_plugin.h usr/share/xdperf/sdk/xdperf-plugin.mk usr/include/xdperf/plugin.h \
	 "usr/lib/$MA/libxdperf.so.$V" "usr/lib/$MA/libxdperf.a" "usr/lib/$MA/pkgconfig/libxdperf.pc" \
	 usr/share/pkgconfig/xdperf-plugin.pc usr/share/man/man1/xdperf.1.gz usr/share/man/man7/xdperf-plugins.7.gz \
	 usr/share/bash-completion/completions/xdperf usr/share/doc/xdperf/README.md; do
	[ -e "$X/$f" ] || bad "not in the package: /$f"
done
[ "$(readlink "$X/usr/lib/$MA/libxdperf.so.${V%%.*}")" = "libxdperf.so.$V" ] || bad "libxdperf.so.${V%%.*} link"
file "$X/usr/bin/xdperf" | grep -q 'not stripped' && bad "the packaged binary is not stripped"
# built for /usr: its help names /usr/share/xdperf/plugins, not /usr/local
h=$("$X/usr/bin/xdperf" --help 2>&1; "$X/usr/bin/xdperf" help generate 2>&1; "$X/usr/bin/xdperf" plugin list --help 2>&1)
grep -q '/usr/share/xdperf/plugins' <<<"$h" && grep -q '/usr/share/doc/xdperf/README.md' <<<"$h" &&
	! grep -q /usr/local <<<"$h" &&
	echo "ok the packaged binary's plugin path is /usr/share/xdperf/plugins" || bad "packaged binary's paths: $(echo "$h" | grep share)"
ver=$("$X/usr/bin/xdperf" --version)
case "$ver" in "xdperf $V"*) echo "ok --version: $ver" ;; *) bad "--version: '$ver', package $V" ;; esac
(cd "$T" && "$X/usr/bin/xdperf" -p simpleudp -o "$T/a.pcap" -c 7 2>"$T/a.err") &&
	[ "$(python3 "$REPO/tests/lib/pcapread.py" "$T/a.pcap")" = 7 ] &&
	echo "ok the unpacked binary runs its own simpleudp" || bad "unpacked -p simpleudp: $(cat "$T/a.err")"

# installed for real
if [ "$(id -u)" != 0 ]; then
	echo "note: not root: dpkg -i not tried"
elif dpkg -s xdperf >/dev/null 2>&1; then
	echo "note: an xdperf package is installed on this machine already: dpkg -i not tried"
else
	if dpkg -i "$D" >"$T/dpkg.log" 2>&1; then
		echo "ok dpkg -i"
		[ "$(command -v xdperf)" = /usr/bin/xdperf ] || bad "xdperf on PATH: $(command -v xdperf)"
		case "$(cd / && xdperf --version)" in "xdperf $V"*) echo "ok xdperf --version" ;; *) bad "xdperf --version" ;; esac
		(cd "$T" && xdperf -p simpleudp -o x.pcap -c 3 2>"$T/i.err") && [ "$(python3 "$REPO/tests/lib/pcapread.py" "$T/x.pcap")" = 3 ] &&
			echo "ok xdperf -p simpleudp -o x.pcap from $T" || bad "installed -p simpleudp: $(cat "$T/i.err")"
		[ "$(man -w xdperf)" = /usr/share/man/man1/xdperf.1.gz ] && MANWIDTH=80 man xdperf >"$T/man.txt" 2>/dev/null && grep -q 'xdperf-plugins' "$T/man.txt" &&
			echo "ok man xdperf" || bad "man xdperf: $(man -w xdperf 2>&1)"
		comp=$(bash -c 'source /usr/share/bash-completion/completions/xdperf 2>/dev/null
			f=$(complete -p xdperf | sed -n "s/.*-F \([^ ]*\) xdperf$/\1/p")
			COMP_WORDS=(xdperf plu); COMP_CWORD=1; COMP_LINE="xdperf plu"; COMP_POINT=${#COMP_LINE}
			"$f" xdperf plu xdperf; echo "${COMPREPLY[*]}"
			COMP_WORDS=(xdperf -p simp); COMP_CWORD=2; "$f" xdperf simp -p; echo "${COMPREPLY[*]}"')
		[ "$comp" = $'plugin\nsimpleudp' ] && echo "ok tab completion: plu -> plugin, -p simp -> simpleudp" || bad "completion: $comp"
		# the cache into a file first: grep -q quitting early would kill ldconfig with SIGPIPE,
		# which pipefail turned into a failure now and then
		ldconfig -p >"$T/ldcache"
		grep -Eq "libxdperf.so.${V%%.*} .*=> (/usr)?/lib/$MA/libxdperf.so.${V%%.*}$" "$T/ldcache" && echo "ok ldconfig knows libxdperf" ||
			bad "ldconfig does not know libxdperf: $(grep xdperf "$T/ldcache")"
		printf '#include <stdio.h>\n#include <xdperf/version.h>\nint main(void){puts(xdperf_version());return 0;}\n' >"$T/v.c"
		gcc "$T/v.c" $(pkg-config --cflags --libs libxdperf) -o "$T/v" && [ "$("$T/v")" = "$V" ] &&
			echo "ok a program built with pkg-config libxdperf runs against the installed shared library" ||
			bad "pkg-config libxdperf program"
		# the Python package (docs/python.md), from Debian's python3 in any folder
		if [ -x /usr/bin/python3 ]; then
			out=$(cd "$T" && env -u XDPERF_LIB -u PYTHONPATH PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
				'import xdperf; print(xdperf.version(), xdperf.lib_path())' 2>&1)
			[ "$out" = "$V /usr/lib/$MA/libxdperf.so.${V%%.*}" ] &&
				echo "ok python3 -c 'import xdperf; print(xdperf.version())': $out" || bad "python3 import xdperf: $out"
		fi
		dpkg -r xdperf >>"$T/dpkg.log" 2>&1 || bad "dpkg -r: $(tail -n 3 "$T/dpkg.log")"
		left=$(dpkg-deb -c "$D" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|; s| .*||' | while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
		[ -z "$left" ] && ! command -v xdperf >/dev/null && echo "ok dpkg -r removed every file" || bad "left after dpkg -r: $left"
	else
		bad "dpkg -i: $(tail -n 5 "$T/dpkg.log")"
	fi
fi
[ "$fail" = 0 ] && echo "deb: built, unpacked and run$( [ "$(id -u)" = 0 ] && echo ', installed and removed')"
exit "$fail"
