#!/usr/bin/env bash
# `make install` into a staging root (DESTDIR; no root needed) and what an installed tree does:
#  - the layout: bin/xdperf, lib/libxdperf.so.VERSION (soname libxdperf.so.MAJOR, the public API
#    only) with libxdperf.pc, share/xdperf/plugins (generator plugins), share/xdperf/protocols
#    (protocol modules, apart), share/xdperf/sdk, include/xdperf, lib/libxdperf.a, the docs
#    (share/doc/xdperf: README.md, docs/*.md, docs/plugins/*.md in plugins/);
#  - the installed binary finds its plugins next to itself (../share/xdperf/plugins) wherever
#    the tree is, and `-p echo` (a protocol module) is not taken for a generator plugin;
#  - a plugin builds out of the tree from the installed SDK alone and runs; a program links
#    against the installed library and headers;
#  - the Python package (python/xdperf) in python3's dist-packages, importable;
#  - `make uninstall` removes it all.
set -uo pipefail
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
R="$T/root"
cd "$REPO" || exit 1
make -s install DESTDIR="$R" >"$T/make.log" 2>&1 || { cat "$T/make.log"; echo "FAIL: make install"; exit 1; }
P=$(sed -n 's/^PREFIX ?= //p' Makefile)
for f in bin/xdperf share/xdperf/plugins/simpleudp.wasm share/xdperf/plugins/gtpv1u.wasm \
	 share/xdperf/protocols/echo.wasm share/xdperf/sdk/xdperf_plugin.h share/xdperf/sdk/xdp_abi.c \
	 share/xdperf/sdk/xdperf_protocol.h include/xdperf/plugin.h include/xdperf/version.h lib/libxdperf.a \
	 share/doc/xdperf/README.md share/doc/xdperf/plugin-abi.md share/doc/xdperf/user-guide.md \
	 share/doc/xdperf/walkthrough.md share/doc/xdperf/plugins/vxlan.md share/bash-completion/completions/xdperf; do
	[ -e "$R$P/$f" ] || bad "not installed: $P/$f"
done
[ -e "$R$P/share/xdperf/plugins/echo.wasm" ] && bad "a protocol module among the generator plugins"
# the docs flat in share/doc/xdperf (the top README, not docs/README.md, which is its index), the
# plugin pages in plugins/
cmp -s "$R$P/share/doc/xdperf/README.md" README.md || bad "share/doc/xdperf/README.md is not the top README.md"
# the shared library: versioned, its soname, only the public API exported; a program built with
# pkg-config's flags (libxdperf.pc; PKG_CONFIG_SYSROOT_DIR for the staging root) runs with it
V=$(cat VERSION)
L="$R$P/lib"
[ -f "$L/libxdperf.so.$V" ] && [ "$(readlink "$L/libxdperf.so.${V%%.*}")" = "libxdperf.so.$V" ] &&
	[ "$(readlink "$L/libxdperf.so")" = "libxdperf.so.${V%%.*}" ] || bad "libxdperf.so.$V and its links: $(ls -l "$L")"
so=$(readelf -d "$L/libxdperf.so.$V" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$so" = "libxdperf.so.${V%%.*}" ] && echo "ok soname $so" || bad "soname '$so'"
others=$(nm -D --defined-only "$L/libxdperf.so.$V" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' |
	grep -Ev '^(xdperf|xwasm)_' | head -n 5)
[ -z "$others" ] && echo "ok the shared library exports xdperf_* and xwasm_* only" || bad "exported: $others"
for f in $(nm -D --defined-only "$L/libxdperf.so.$V" | awk '$2 == "T" {sub("@.*", "", $3); print $3}'); do
	grep -qw "$f" include/xdperf/*.h || bad "$f is exported but not in include/xdperf"
done
cat >"$T/so.c" <<'C'
#include <stdio.h>
#include <xdperf/version.h>
#include <xdperf/plugin.h>
int main(void)
{
	char err[200];
	int rc = xdperf_plugin_check_config("{\"keys\":{}}", "{\"x\":1}", 7, err, sizeof err);
	printf("%s %d %s\n", xdperf_version(), rc, err);
	return 0;
}
C
flags=$(PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$R" pkg-config --cflags --libs libxdperf) &&
	gcc "$T/so.c" $flags -o "$T/so" && out=$(LD_LIBRARY_PATH="$L" "$T/so") &&
	[ "$out" = "$V -22 config key \"x\" is unknown (the plugin takes no configuration)" ] &&
	grep -q "libxdperf.so.${V%%.*} => $L/libxdperf.so.${V%%.*}" <<<"$(LD_LIBRARY_PATH="$L" ldd "$T/so")" &&
	echo "ok a program built with pkg-config --libs libxdperf runs with the shared library: $out" ||
	bad "pkg-config libxdperf: flags '$flags', output '${out:-}'"
# the tree moved: the binary still finds its plugins next to itself
mv "$R$P" "$T/moved"
X="$T/moved/bin/xdperf"
(cd "$T" && "$X" -p simpleudp -o "$T/a.pcap" -c 5 2>"$T/a.err") || bad "installed binary: -p simpleudp: $(cat "$T/a.err")"
[ "$(python3 "$REPO/tests/lib/pcapread.py" "$T/a.pcap" 2>/dev/null)" = 5 ] || bad "installed binary wrote no 5 frames"
if (cd "$T" && "$X" -p echo -o "$T/e.pcap" -c 5 2>"$T/e.err"); then bad "-p echo ran a protocol module"; fi
grep -q "'echo' is a protocol module (.*/share/xdperf/protocols/echo.wasm), not a generator plugin" "$T/e.err" && echo "ok -p echo: $(cat "$T/e.err")" || bad "-p echo: $(cat "$T/e.err")"
# an out-of-tree plugin from the installed SDK
S="$T/moved/share/xdperf/sdk"
cat >"$T/mine.c" <<'C'
#include "xdperf_plugin.h"
int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	xdp_l2 l2 = { .vlan_id = -1 };
	xdp_l3 l3 = { .version = 4 };
	int rc;
	if ((rc = xdp_req_ipv4(req, "src_ip", "10.9.9.1", l3.src)) || (rc = xdp_req_ipv4(req, "dst_ip", "10.9.9.2", l3.dst)))
		return rc;
	return xdp_resp_add_udp(resp, &l2, &l3, 7, 9, 20, &rc) ? 0 : rc;
}
C
if clang --target=wasm32-wasi -O2 -mexec-model=reactor -I"$S" -Wl,--export=plugin_init -Wl,--export=plugin_process \
	-Wl,--export=plugin_cleanup -Wl,--export=malloc -Wl,--export=free -o "$T/mine.wasm" "$T/mine.c" "$S"/*.c 2>"$T/cc.err"; then
	"$X" -p "$T/mine.wasm" -o "$T/m.pcap" -c 3 2>/dev/null && [ "$(python3 "$REPO/tests/lib/pcapread.py" "$T/m.pcap")" = 3 ] &&
		echo "ok a plugin built from the installed SDK alone runs" || bad "the out-of-tree plugin did not run"
else
	bad "the installed SDK does not build a plugin: $(head -n 3 "$T/cc.err")"
fi
cat >"$T/v.c" <<'C'
#include <stdio.h>
#include <xdperf/version.h>
int main(void) { puts(xdperf_version()); return 0; }
C
gcc -I"$T/moved/include" "$T/v.c" "$T/moved/lib/libxdperf.a" -ljansson -lsodium -lyaml -lbpf -lmicrohttpd -lgnutls \
	-lcurl -lm -lpthread -o "$T/v" && [ "$("$T/v")" = "$(cat "$REPO/VERSION")" ] &&
	echo "ok a program links against the installed library" || bad "linking against the installed library"
mv "$T/moved" "$R$P"
# the Python package (docs/python.md): in Debian python3's local directory for PREFIX
# /usr/local, python3.N/dist-packages; imported from there (the library through the soname:
# the recorded LIBDIR is the final one, not the staging root's) it gives the library's version
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
PYD="$R$P/lib/python3.$("$PY" -c 'import sys; print(sys.version_info[1])')/dist-packages"
[ "$P" = /usr/local ] || PYD="$R$P/lib/python3/dist-packages"
if [ -f "$PYD/xdperf/__init__.py" ] && [ -f "$PYD/xdperf/py.typed" ] &&
	grep -qx "LIBDIR = \"$P/lib\"" "$PYD/xdperf/_installed.py"; then
	out=$(cd "$T" && env -u XDPERF_LIB PYTHONPATH="$PYD" LD_LIBRARY_PATH="$L" PYTHONDONTWRITEBYTECODE=1 \
		"$PY" -c 'import xdperf; print(xdperf.version())' 2>&1)
	[ "$out" = "$V" ] && echo "ok the installed Python package imports and gives $out" ||
		bad "installed Python package: '$out'"
else
	bad "the Python package is not in $PYD: $(find "$R" -name _installed.py)"
fi
make -s uninstall DESTDIR="$R" >/dev/null 2>&1 || bad "make uninstall"
left=$(find "$R" -type f | wc -l)
[ "$left" = 0 ] && echo "ok make uninstall removed everything" || bad "$left files left after make uninstall: $(find "$R" -type f | head -n 3)"
[ $fail = 0 ] && echo "install: the layout, a relocatable tree, the SDK out of the tree, uninstall"
exit $fail
