#!/usr/bin/env bash
# Files that are not what they claim (ASan/UBSan build): a FIFO nobody writes to, a symlink to
# /dev/zero, a file over the size limit, given wherever xdperf reads a file. Nothing may hang or
# read without end:
#  - serve --watch DIR with a FIFO and a /dev/zero symlink named like modules, present at start:
#    one WARN line naming each ("not a regular file"), serve listens, loads a real module dropped
#    in afterwards, and SIGTERM ends it within 2 s;
#  - --protocol, -p (plugin), --policy, --trust-dir (a key file), --admin-tls-cert/--admin-tls-key,
#    --admin-token-file, `xdperf sign`/`verify`, `protocol check|call`, `plugin inspect`: a FIFO
#    or /dev/zero gives one line naming the file and "not a regular file", exit 1, within 5 s
#    (a trust directory's NAME.pub that is one too; a directory of that name is skipped);
#  - a module over the 256 MiB limit (a sparse file): "larger than 256 MiB", never cut;
#  - `xdperf sign` with a secret key other users may read (0640): refused (0600 signs);
#  - `xdperf sign` with FILE.wasm.sig a symlink: refused, the link's target untouched; a plain
#    sign (twice) leaves a regular .sig that verify accepts and no temporary file;
#  - --templates / --cfg may be a pipe (`--templates /dev/stdin` works) but a FIFO with no
#    writer reads as empty instead of hanging in open().
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/serve.sh"
cd "$REPO" || exit 1
X="$XDPERF_ASAN"
need_built "$X" build/protocols/echo.wasm build/plugins/simpleudp.wasm
PM=build/protocols

mkfifo "$T/fifo.wasm"
ln -s /dev/zero "$T/zero.wasm"
truncate -s 300M "$T/huge.wasm"

# runs "$X ARGS" with a 5 s limit: "want-status text args..."; one line of stderr holding text
one() {
	local want=$1 text=$2 rc
	shift 2
	timeout -k 2 5 "$X" "$@" >"$T/o.out" 2>"$T/o.err" </dev/null
	rc=$?
	local lines # xdperf's own lines (log lines, "[name] LEVEL: ...", are the server starting)
	lines=$(grep -vc '^\[' "$T/o.err")
	if [ $rc = 124 ] || [ $rc = 137 ]; then bad "xdperf $*: still running after 5 s (killed)"
	elif [ $rc != "$want" ]; then bad "xdperf $*: exit $rc, want $want: $(cat "$T/o.err")"
	elif ! grep -qF -- "$text" "$T/o.err"; then bad "xdperf $*: no '$text' in: $(cat "$T/o.err")"
	elif [ "$lines" != 1 ]; then bad "xdperf $*: $lines lines: $(cat "$T/o.err")"
	else echo "ok xdperf $* -> $rc: $(grep -F -- "$text" "$T/o.err")"; fi
}
NR="not a regular file (a FIFO, device or socket)"
"$X" keygen -o "$T/k" >/dev/null 2>&1 || bad "xdperf keygen -o $T/k"
mkdir -p "$T/trust" && cp "$T/k.pub" "$T/trust/"
for f in fifo zero; do
	F="$T/$f.wasm"
	one 1 "cannot read protocol module $F: $NR" serve --listen udp://127.0.0.1:0/x --protocol "x=$F@1"
	one 1 "cannot read plugin $F: $NR" -p "$F" -o "$T/x.pcap" -c 1
	one 1 "$F: cannot read: $NR" protocol check "$F"
	one 1 "cannot read protocol module $F: $NR" protocol call "$F" --input x
	one 1 "cannot read $F: $NR" plugin inspect "$F"
	one 1 "policy file $F: $NR" serve --listen udp://127.0.0.1:0/x --protocol "x=$PM/echo.wasm@1" --policy "$F"
	one 1 "$F: $NR" serve --listen udp://127.0.0.1:0/x --protocol "x=$PM/echo.wasm@1" \
		--admin 127.0.0.1:0 --admin-tls-cert "$F" --admin-tls-key "$F"
	one 1 "token file $F: $NR" serve --listen udp://127.0.0.1:0/x --protocol "x=$PM/echo.wasm@1" \
		--admin 127.0.0.1:0 --admin-token-file "$F"
	one 1 "cannot read $F: $NR" verify "$F" --trust-dir "$T/trust"
	one 1 "cannot read $F: $NR" sign -k "$T/k.key" "$F"
	mkdir -p "$T/trust-$f"
	cp "$T/k.pub" "$T/trust-$f/"
	ln -s "$F" "$T/trust-$f/evil.pub"
	one 1 "trusted key $T/trust-$f/evil.pub: $NR" serve --listen udp://127.0.0.1:0/x \
		--protocol "x=$PM/echo.wasm@1" --trust-dir "$T/trust-$f"
done
# xdperf sign never writes through a symlinked .sig (it would overwrite the link's target)
cp "$PM/echo.wasm" "$T/m.wasm"
echo "precious" >"$T/victim"
ln -s "$T/victim" "$T/m.wasm.sig"
one 1 "$T/m.wasm.sig is a symbolic link; refusing to write the signature through it" sign -k "$T/k.key" "$T/m.wasm"
[ "$(cat "$T/victim")" = precious ] && echo "ok the symlink's target is untouched" || bad "sign overwrote the symlink's target"
rm "$T/m.wasm.sig"
"$X" sign -k "$T/k.key" "$T/m.wasm" >/dev/null 2>&1 && "$X" sign -k "$T/k.key" "$T/m.wasm" >/dev/null 2>&1 &&
	"$X" verify "$T/m.wasm" --trust-dir "$T/trust" >/dev/null 2>&1 && [ -f "$T/m.wasm.sig" ] && [ ! -L "$T/m.wasm.sig" ] &&
	[ "$(ls "$T" | grep -c '^m\.wasm\.sig\.')" = 0 ] &&
	echo "ok sign writes a regular .sig (twice: replaced), verify accepts it, no temporary file left" ||
	bad "sign / verify of a plain module: $(ls -l "$T"/m.wasm*)"
# a trust directory or trusted key other users can write to: a warning naming it
mkdir -p "$T/tw" && cp "$T/k.pub" "$T/tw/" && chmod 700 "$T/tw" && chmod 644 "$T/tw/k.pub"
"$X" verify "$T/m.wasm" --trust-dir "$T/tw" >/dev/null 2>"$T/tw.err"
grep -q "warning" "$T/tw.err" && bad "a private trust directory was warned about: $(cat "$T/tw.err")" ||
	echo "ok no warning for a trust directory only its owner writes"
chmod 777 "$T/tw"
"$X" verify "$T/m.wasm" --trust-dir "$T/tw" >/dev/null 2>"$T/tw.err"
grep -q "^xdperf verify: warning: trust directory $T/tw can be written by other users (mode 0777)" "$T/tw.err" &&
	echo "ok a trust directory others can write to: $(cat "$T/tw.err")" || bad "no warning for a 0777 trust dir: $(cat "$T/tw.err")"
chmod 755 "$T/tw" && chmod 666 "$T/tw/k.pub"
timeout 5 "$X" serve --listen udp://127.0.0.1:0/x --protocol "x=$PM/echo.wasm@1" --trust-dir "$T/tw" \
	--duration 1 --interval 0 >/dev/null 2>"$T/tw.err"
grep -q "WARN: trusted key $T/tw/k.pub can be written by other users (mode 0666)" "$T/tw.err" &&
	echo "ok serve warns about a trusted key others can write to" || bad "no warning for a 0666 key: $(cat "$T/tw.err")"
# a secret signing key other users can read is not used
cp "$T/k.key" "$T/open.key" && chmod 640 "$T/open.key"
one 1 "secret key file $T/open.key is open to other users (mode 0640): chmod 600 $T/open.key" \
	sign -k "$T/open.key" "$T/m.wasm"
chmod 600 "$T/open.key"
"$X" sign -k "$T/open.key" "$T/m.wasm" >/dev/null 2>&1 && echo "ok the same key at mode 0600 signs" ||
	bad "the key at mode 0600 does not sign"
one 1 "cannot read protocol module $T/huge.wasm: larger than 256 MiB" protocol call "$T/huge.wasm" --input x
one 1 "cannot read plugin $T/huge.wasm: larger than 256 MiB" -p "$T/huge.wasm" -o "$T/x.pcap" -c 1
[ -e "$T/x.pcap" ] && bad "a refused plugin left $T/x.pcap behind"

# templates: a pipe works, a FIFO without a writer is empty (not a hang)
python3 - >"$T/t.json" <<'EOF'
import json
f = "ffffffffffff02000000000108004500001c000000004011000000000000000000000000000000000000"
print(json.dumps([{"template": {"base_packet": {"data": f, "type": "hex"}}, "metadata": {"packet_count": 3}}]))
EOF
timeout 5 "$X" --templates /dev/stdin -o "$T/p.pcap" <"$T/t.json" 2>"$T/p.err" &&
	grep -q "wrote 3 packets" "$T/p.err" && echo "ok --templates /dev/stdin: $(cat "$T/p.err")" ||
	bad "--templates /dev/stdin: $(cat "$T/p.err")"
one 1 "--templates $T/fifo.wasm: response: invalid JSON at line 1 column 0" --templates "$T/fifo.wasm" -o "$T/y.pcap"
one 1 "plugin configuration $T/fifo.wasm: must be a mapping (YAML) or object (JSON), not empty" -p simpleudp --cfg "$T/fifo.wasm" -o "$T/y.pcap" -c 1

# --watch with the FIFO and the symlink present at start
mkdir -p "$T/w"
mkfifo "$T/w/f@1.wasm"
ln -s /dev/zero "$T/w/z@1.wasm"
serve_start watch "$X" --listen udp://127.0.0.1:0/echo --protocol "echo=$PM/echo.wasm@1" --watch "$T/w" --interval 0
serve_wait watch udp:echo
for m in f z; do
	n=$(grep -cF "[watch] WARN: $T/w/$m@1.wasm: $NR" "$T/watch.err")
	[ "$n" = 1 ] && echo "ok --watch names $m@1.wasm once: not a regular file" || bad "--watch: $n lines for $m@1.wasm"
done
cp "$PM/echo.wasm" "$T/w/.tmp" && mv "$T/w/.tmp" "$T/w/good@1.wasm"
for _ in $(seq 50); do grep -q "loaded good@1" "$T/watch.err" && break; sleep 0.1; done
grep -q "loaded good@1" "$T/watch.err" && echo "ok --watch still loads a real module dropped in afterwards" ||
	bad "--watch did not load good@1.wasm: $(tail -n 3 "$T/watch.err")"
t0=$(date +%s.%N)
serve_stop watch 5
dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
[ "$SERVE_RC" = 0 ] && awk -v d="$dt" 'BEGIN { exit !(d < 2) }' &&
	echo "ok SIGTERM ended serve --watch in $dt s, exit 0" || bad "SIGTERM: exit '${SERVE_RC}' after $dt s"
serve_sanitizer_check watch
[ $fail = 0 ] && echo "hostile_files: all checks passed"
exit $fail
