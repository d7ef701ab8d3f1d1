#!/usr/bin/env bash
# A generator plugin built out of the tree from the installed SDK, in one command:
#  - make install (DESTDIR staging) puts the SDK's make fragment (share/xdperf/sdk/xdperf-plugin.mk)
#    and a pkg-config file (share/pkgconfig/xdperf-plugin.pc) next to the SDK's sources;
#  - the installed `xdperf plugin new demo -o DIR` writes demo.c, a Makefile pointing at the
#    installed SDK and a README; `make -C DIR` builds a stripped demo.wasm, and the build's
#    xdperf sends 10 frames of it to a pcap file: IPv4/UDP 10.0.0.1:12345 -> 10.0.0.2:9,
#    payload "hello from demo", checksums valid; its config keys change them;
#  - make XDPERF_SDK=PATH overrides the SDK (the build's xdperf writes the source tree's),
#    `make -f .../xdperf-plugin.mk PLUGIN=NAME` and pkg-config build a plugin too, and the
#    fragment finds the SDK next to itself in a moved tree;
#  - errors: an existing non-empty directory or a file is not overwritten (exit 1, one line),
#    a bad NAME is refused (exit 2, one line); an empty directory is used;
#  - make uninstall removes the pkg-config file.
set -uo pipefail
T="$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok $*"; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
cd "$REPO" || exit 1
R="$T/root"
make -s install DESTDIR="$R" >"$T/make.log" 2>&1 || { tail -n 20 "$T/make.log"; echo "FAIL: make install"; exit 1; }
P=$(sed -n 's/^PREFIX ?= //p' Makefile)
S="$R$P/share/xdperf/sdk"
for f in share/xdperf/sdk/xdperf-plugin.mk share/xdperf/sdk/xdperf_plugin.h share/xdperf/sdk/xdp_internal.h \
	 share/xdperf/sdk/xdp_abi.c share/pkgconfig/xdperf-plugin.pc; do
	[ -e "$R$P/$f" ] || bad "not installed: $P/$f"
done
grep -q "^Version: $(cat VERSION)\$" "$R$P/share/pkgconfig/xdperf-plugin.pc" || bad "xdperf-plugin.pc: no Version line"

# check.py PCAP N SRC DST SPORT DPORT PAYLOAD: N frames, all this IPv4/UDP frame, checksums valid
cat >"$T/check.py" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
import pcapread
path, n, src, dst, sport, dport, payload = sys.argv[2:9]
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
fr = pcapread.frames(path)
assert len(fr) == int(n), 'frames: %d, want %s' % (len(fr), n)
for _, f in fr:
    assert struct.unpack('!H', f[12:14])[0] == 0x0800, 'not IPv4'
    ip, udp = f[14:34], f[34:]
    assert ip[9] == 17 and csum(ip) == 0xffff, 'IPv4 header: proto %d or checksum' % ip[9]
    assert '.'.join(map(str, ip[12:16])) == src and '.'.join(map(str, ip[16:20])) == dst, 'addresses'
    assert struct.unpack('!HH', udp[0:4]) == (int(sport), int(dport)), 'ports %s' % (struct.unpack('!HH', udp[0:4]),)
    assert struct.unpack('!H', udp[4:6])[0] == len(udp), 'UDP length'
    ph = ip[12:20] + struct.pack('!BBH', 0, 17, len(udp))
    assert csum(ph + udp) == 0xffff, 'UDP checksum'
    assert udp[8:] == payload.encode(), 'payload %r' % udp[8:]
print('%d frames %s:%s -> %s:%s "%s", checksums valid' % (len(fr), src, sport, dst, dport, payload))
PY
check() { python3 "$T/check.py" "$REPO/tests/lib" "$@"; }
# stripped: no custom sections (name, debug info) in the module but the declared configuration
stripped() {
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\0asm\1\0\0\0'
off, custom = 8, []
while off < len(b):
    sid = b[off]; off += 1
    n = shift = 0
    while True:
        c = b[off]; off += 1; n |= (c & 0x7f) << shift; shift += 7
        if c < 0x80: break
    if sid == 0:
        k = b[off]; custom.append(b[off + 1:off + 1 + k].decode())
    off += n
# stripped: no debug info, names or producers; xdperf.config (the declared configuration) stays
extra = [c for c in custom if c != 'xdperf.config']
sys.exit('custom sections: %s' % extra if extra else 0)
PY
}

# the installed xdperf writes a project on the installed SDK; it builds and runs
XI="$R$P/bin/xdperf"
D="$T/scratch/demo"
if "$XI" plugin new demo -o "$D" >"$T/new.out" 2>"$T/new.err"; then
	ok "plugin new: $(head -n 1 "$T/new.out")"
else
	bad "plugin new demo: $(cat "$T/new.err")"
fi
for f in demo.c Makefile README.md; do [ -s "$D/$f" ] || bad "plugin new wrote no $f"; done
sdk_line=$(grep '^XDPERF_SDK ?=' "$D/Makefile")
[ "$sdk_line" = "XDPERF_SDK ?= $(realpath "$S")" ] && ok "the Makefile uses the installed SDK" ||
	bad "Makefile: '$sdk_line', want the installed SDK $(realpath "$S")"
[ "$(grep -cv '^#' "$D/Makefile")" = 3 ] || bad "Makefile: not 3 lines: $(cat "$D/Makefile")"
grep -q 'make XDPERF_SDK=' "$D/README.md" && grep -q "xdperf -p ./demo.wasm -o demo.pcap -c 10" "$D/README.md" ||
	bad "README.md lacks the build or run commands"
if make -C "$D" >"$T/build.log" 2>&1; then
	grep -q -- "-I$(realpath "$S") " "$T/build.log" || bad "make did not use the installed SDK: $(head -n 3 "$T/build.log")"
	grep -q -- "-Wl,--strip-all" "$T/build.log" || bad "make did not strip"
	stripped "$D/demo.wasm" && ok "make -C DIR built a stripped demo.wasm ($(stat -c %s "$D/demo.wasm") bytes)" ||
		bad "demo.wasm is not stripped"
	[[ "$(make -C "$D" 2>&1)" == *"Nothing to be done"* ]] || bad "a second make rebuilt demo.wasm"
else
	bad "make -C $D: $(tail -n 5 "$T/build.log")"
fi
if [ -f "$D/demo.wasm" ]; then
	"$XDPERF" -p "$D/demo.wasm" -o "$T/x.pcap" -c 10 2>"$T/run.err" || bad "xdperf -p demo.wasm: $(cat "$T/run.err")"
	r=$(check "$T/x.pcap" 10 10.0.0.1 10.0.0.2 12345 9 "hello from demo" 2>&1) && ok "$r" || bad "demo.wasm frames: $r"
	printf '{"src_ip":"192.0.2.7","dst_ip":"198.51.100.9","src_port":4000,"dst_port":5000,"message":"xyz"}' >"$T/cfg.json"
	"$XDPERF" -p "$D/demo.wasm" --cfg "$T/cfg.json" -o "$T/y.pcap" -c 3 2>"$T/run.err" || bad "with a config: $(cat "$T/run.err")"
	r=$(check "$T/y.pcap" 3 192.0.2.7 198.51.100.9 4000 5000 xyz 2>&1) && ok "config keys: $r" || bad "config keys: $r"
	printf '{"dst_port":70000}' >"$T/cfg.json"
	if "$XDPERF" -p "$D/demo.wasm" --cfg "$T/cfg.json" -o "$T/z.pcap" -c 3 2>"$T/run.err"; then
		bad "dst_port 70000 was accepted"
	else
		grep -q 'dst_port' "$T/run.err" && ok "a bad config key is named: $(grep dst_port "$T/run.err" | head -n 1)" ||
			bad "bad dst_port: $(cat "$T/run.err")"
	fi
	# the project declares its keys (XDP_PLUGIN_CONFIG survives the strip): a typo is refused
	printf '{"mesage":"x"}' >"$T/cfg.json"
	"$XDPERF" -p "$D/demo.wasm" --cfg "$T/cfg.json" -o "$T/t.pcap" -c 1 2>"$T/run.err" && bad "a misspelled key was accepted"
	grep -q 'config key "mesage" is unknown (did you mean "message"?)' "$T/run.err" &&
		ok "a misspelled key: $(cat "$T/run.err")" || bad "misspelled key: $(cat "$T/run.err")"
	"$XDPERF" plugin list -P "$D" >"$T/list.out" 2>&1
	grep -q '^demo  *guide  demo: one IPv4/UDP frame carrying a text message' "$T/list.out" &&
		ok "plugin list shows the new plugin's description" || bad "plugin list -P: $(head -n 3 "$T/list.out")"
fi

# the build's xdperf writes the source tree's SDK; XDPERF_SDK= overrides it
D2="$T/scratch/demo2"
"$XDPERF" plugin new demo2 -o "$D2" >/dev/null 2>"$T/new.err" || bad "build's plugin new: $(cat "$T/new.err")"
grep -qx "XDPERF_SDK ?= $REPO/sdk" "$D2/Makefile" && ok "the build's xdperf writes the source tree's SDK" ||
	bad "build's Makefile: $(grep XDPERF_SDK "$D2/Makefile" | head -n 1)"
if make -C "$D2" XDPERF_SDK="$S" >"$T/build2.log" 2>&1 && grep -q -- "-I$(realpath "$S") " "$T/build2.log"; then
	"$XDPERF" -p "$D2/demo2.wasm" -o "$T/d2.pcap" -c 2 2>/dev/null &&
		r=$(check "$T/d2.pcap" 2 10.0.0.1 10.0.0.2 12345 9 "hello from demo2" 2>&1) && ok "make XDPERF_SDK=installed: $r" ||
		bad "make XDPERF_SDK=installed: the plugin: $r"
else
	bad "make XDPERF_SDK=$S: $(tail -n 5 "$T/build2.log")"
fi

# one command with the fragment; the fragment in a moved tree; pkg-config
mkdir -p "$T/one" && cp "$D/demo.c" "$T/one/one.c"
(cd "$T/one" && make -s -f "$S/xdperf-plugin.mk" PLUGIN=one >"$T/one.log" 2>&1) && [ -f "$T/one/one.wasm" ] &&
	ok "make -f .../xdperf-plugin.mk PLUGIN=one" || bad "make -f xdperf-plugin.mk PLUGIN=one: $(cat "$T/one.log")"
(cd "$T/one" && make -s -f "$S/xdperf-plugin.mk" >"$T/one.log" 2>&1) && bad "no PLUGIN= was accepted"
grep -q 'set PLUGIN=NAME' "$T/one.log" || bad "no PLUGIN=: $(cat "$T/one.log")"
mv "$R$P" "$T/moved"
if make -B -C "$D" XDPERF_SDK="$T/moved/share/xdperf/sdk" >"$T/build3.log" 2>&1 &&
	grep -q -- "-I$T/moved/share/xdperf/sdk " "$T/build3.log"; then
	ok "the fragment finds the SDK next to itself in a moved tree"
else
	bad "moved tree: $(tail -n 5 "$T/build3.log")"
fi
if command -v pkg-config >/dev/null; then
	export PKG_CONFIG_PATH="$T/moved/share/pkgconfig"
	if clang $(pkg-config --cflags --libs xdperf-plugin) -o "$T/pc.wasm" "$D/demo.c" \
		$(pkg-config --variable=sources xdperf-plugin) 2>"$T/pc.err"; then
		"$XDPERF" -p "$T/pc.wasm" -o "$T/pc.pcap" -c 1 2>/dev/null &&
			check "$T/pc.pcap" 1 10.0.0.1 10.0.0.2 12345 9 "hello from demo" >/dev/null 2>&1 &&
			stripped "$T/pc.wasm" && ok "pkg-config xdperf-plugin (moved tree) builds a stripped plugin that runs" ||
			bad "the pkg-config-built plugin"
	else
		bad "pkg-config build: $(head -n 3 "$T/pc.err")"
	fi
	unset PKG_CONFIG_PATH
fi
mv "$T/moved" "$R$P"

# errors: nothing overwritten, one line each
sum=$(md5sum "$D/demo.c")
one_line() { # want-rc what cmd...
	local want=$1 what=$2; shift 2
	"$@" >"$T/e.out" 2>"$T/e.err"
	local rc=$?
	if [ $rc = "$want" ] && [ "$(wc -l <"$T/e.err")" = 1 ] && [ ! -s "$T/e.out" ]; then
		ok "$what: exit $rc: $(cat "$T/e.err")"
	else
		bad "$what: exit $rc (want $want): $(cat "$T/e.out" "$T/e.err")"
	fi
}
one_line 1 "existing non-empty dir" "$XDPERF" plugin new demo -o "$D"
[ "$(md5sum "$D/demo.c")" = "$sum" ] || bad "demo.c was changed"
grep -q 'not empty' "$T/e.err" || bad "the error does not say the directory is not empty"
(cd "$T/scratch" && one_line 1 "existing ./NAME" "$XDPERF" plugin new demo)
touch "$T/afile"
one_line 1 "a file as DIR" "$XDPERF" plugin new demo -o "$T/afile"
for n in Demo 'a/b' '../x' 'a.b' 'a b' '' "$(printf 'a%.0s' $(seq 65))"; do
	one_line 2 "bad name '${n:0:12}'" "$XDPERF" plugin new "$n" -o "$T/badname"
done
[ -e "$T/badname" ] && bad "a bad name created its directory"
one_line 2 "no NAME" "$XDPERF" plugin new
mkdir "$T/empty"
"$XDPERF" plugin new x_1-y -o "$T/empty" >/dev/null 2>&1 && [ -f "$T/empty/x_1-y.c" ] &&
	ok "an empty directory is used" || bad "plugin new into an empty directory"
# into files first: grep -q stops reading at its match, and a writer cut short fails under pipefail
"$XDPERF" plugin new --help >"$T/h1" 2>&1; "$XDPERF" help plugin new >"$T/h2" 2>&1; "$XDPERF" plugin --help >"$T/h3" 2>&1
grep -q '^usage: xdperf plugin new NAME \[-o DIR\]' "$T/h1" || bad "plugin new --help"
grep -q 'XDPERF_SDK' "$T/h2" || bad "xdperf help plugin new"
grep -q 'xdperf plugin new NAME' "$T/h3" || bad "xdperf plugin --help does not list new"

make -s uninstall DESTDIR="$R" >/dev/null 2>&1 || bad "make uninstall"
[ -e "$R$P/share/pkgconfig/xdperf-plugin.pc" ] && bad "make uninstall left xdperf-plugin.pc"
[ $fail = 0 ] && echo "sdk_outoftree: make install, plugin new, make against the installed SDK, the plugin runs; errors"
exit $fail
