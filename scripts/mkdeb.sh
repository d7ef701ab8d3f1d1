#!/usr/bin/env bash
# `make deb`: builds build/xdperf_VERSION_ARCH.deb with Debian's own tools. The tree is staged by
# `make install` (PREFIX /usr, the multiarch library folder, the binary built for /usr:
# build/deb/xdperf), the runtime dependencies come from dpkg-shlibdeps on the binary and the
# shared library, and dpkg-deb packs it (root-owned files, ldconfig trigger for libxdperf.so).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
version=$(cat VERSION)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
stage="$B/deb/root"
out="$B/xdperf_${version}_${arch}.deb"
rm -rf "$stage"
make -s install DESTDIR="$PWD/$stage" PREFIX=/usr LIBDIR="/usr/lib/$multiarch" INSTALL_BIN="$B/deb/xdperf" \
	PATHS_GEN="$B/deb/gen" >/dev/null
# the compiled-in data folder is the package's (not /usr/local's)
grep -qa '/usr/share/xdperf' "$stage/usr/bin/xdperf" || { echo "mkdeb: $B/deb/xdperf was not built for /usr" >&2; exit 1; }

# no debugging symbols in the package (as dh_strip leaves them)
strip --strip-all "$stage/usr/bin/xdperf"
strip --strip-unneeded "$stage/usr/lib/$multiarch"/libxdperf.so.*.*

# runtime dependencies of the ELF files (dpkg-shlibdeps wants a debian/control to read)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debian"
printf 'Source: xdperf\n\nPackage: xdperf\nArchitecture: any\n' >"$tmp/debian/control"
so=$(ls "$stage/usr/lib/$multiarch"/libxdperf.so.*.*)
depends=$(cd "$tmp" && dpkg-shlibdeps -O -e "$OLDPWD/$stage/usr/bin/xdperf" -e "$OLDPWD/$so" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: xdperf
Version: $version
Architecture: $arch
Maintainer: xdperf developers <xdperf@localhost>
Installed-Size: $size
Depends: $depends
Recommends: clang, lld, wasi-libc
Suggests: tshark, tcpdump
Section: net
Priority: optional
Description: traffic generator, receiver and responder driven by WebAssembly plugins
 xdperf sends packets described by sandboxed WebAssembly generator plugins at line rate
 through XDP (BPF_PROG_RUN live frames), AF_PACKET or into pcap files, with a per-packet
 field engine, IMIX and rate control; counts and checks what arrives in server mode (loss,
 duplicates, reordering, latency); and answers protocols with hot-loaded WebAssembly modules
 (versions, canaries, rollback, signatures). It runs plugins with its own WebAssembly engine.
 .
 Included: the xdperf command, its generator plugins and protocol modules, libxdperf (shared
 and static, headers, pkg-config), the plugin SDK (clang, lld and wasi-libc build plugins
 with it), man pages, bash completion and the documentation.
EOF
echo 'activate-noawait ldconfig' >"$stage/DEBIAN/triggers"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
	>"$stage/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
