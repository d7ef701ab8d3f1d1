#!/usr/bin/env bash
# YAML plugin configuration (src/util/yaml_json.c, load_config in src/cli/generate.c):
# the converter's unit tests (tests/unit/yaml_test.c, built with ASan/UBSan: types, nesting,
# anchors, quoted vs plain scalars, errors with line numbers, alias bombs), then end to end
# under the ASan build: a YAML config reaches the plugin (frames checked with tcpdump), JSON and
# YAML flow text are both accepted, and bad files give exit 1 naming the file and the line.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$REPO"
X="${XDPERF_ASAN:-$REPO/build/asan/xdperf}"
T="${TMPDIR:-/tmp}"
fail=0
no() { echo "FAIL: $*"; fail=1; }

echo "== yaml_test (ASan/UBSan, src/util/yaml_json.c)"
if ! gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
     -I"$REPO/include" -I"$REPO/src" -O1 -g -fsanitize=address,undefined \
     -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
     "$REPO/src/util/yaml_json.c" "$REPO/tests/unit/yaml_test.c" -ljansson -lyaml \
     -o "$T/yaml_test"; then
  echo "FAILED: cannot build tests/unit/yaml_test.c"
  exit 1
fi
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
  "$T/yaml_test" || no "yaml_test"

# simpleudp with a YAML configuration: the values reach the frames
cat > "$T/cfg.yaml" <<'YAML'
# simpleudp configuration
src_ip: 10.0.0.1
dst_port: 9999
payload_size: 100
YAML
"$X" -p simpleudp --plugin-config "$T/cfg.yaml" -o "$T/x.pcap" -c 5 2>"$T/x.err" || no "YAML config run: $(cat "$T/x.err")"
tcpdump -nn -vv -r "$T/x.pcap" 2>/dev/null > "$T/x.txt"
n=$(grep -c '10.0.0.1.1234 > 192.168.1.2.9999: \[udp sum ok\] UDP, length 100$' "$T/x.txt")
[ "$n" = 5 ] || no "expected 5 frames 10.0.0.1:1234 -> :9999 with 100-byte payload, got $n: $(head -2 "$T/x.txt")"

# the same through other spellings: .yml with anchors/quotes, YAML flow text in a .conf file,
# JSON in a .yaml file
printf 'src_port: &p 7777\nsrc_ip: "10.0.0.2"\ndst_port: *p\npayload_size: 64\n' > "$T/cfg2.yml"
printf '{src_ip: 10.0.0.3, dst_port: 7778, payload_size: 32}\n' > "$T/flow.conf"
printf '{"src_ip": "10.0.0.4", "dst_port": 7779, "payload_size": 16}\n' > "$T/json.yaml"
for f in "cfg2.yml 10.0.0.2.7777 > 192.168.1.2.7777: \[udp sum ok\] UDP, length 64$" \
         "flow.conf 10.0.0.3.1234 > 192.168.1.2.7778: \[udp sum ok\] UDP, length 32$" \
         "json.yaml 10.0.0.4.1234 > 192.168.1.2.7779: \[udp sum ok\] UDP, length 16$"; do
  name=${f%% *} want=${f#* }
  "$X" -p simpleudp --cfg "$T/$name" -o "$T/y.pcap" -c 2 2>"$T/y.err" || { no "$name: $(cat "$T/y.err")"; continue; }
  n=$(tcpdump -nn -vv -r "$T/y.pcap" 2>/dev/null | grep -c "$want")
  [ "$n" = 2 ] || no "$name: expected 2 frames matching '$want', got $n"
done

# errors: exit 1, one message naming the file (and the line), no output file
err() { # expected-text config-file
  rm -f "$T/z.pcap"
  "$X" -p simpleudp --cfg "$2" -o "$T/z.pcap" -c 1 >"$T/e.out" 2>"$T/e.err"
  local got=$?
  [ "$got" = 1 ] || no "$2: exit $got, expected 1 ($(cat "$T/e.err"))"
  grep -qF -- "$1" "$T/e.err" || no "$2: expected message '$1', got '$(cat "$T/e.err")'"
  [ "$(wc -l < "$T/e.err")" -le 2 ] || no "$2: more than one message: $(cat "$T/e.err")"
  [ -e "$T/z.pcap" ] && no "$2: a failed run left z.pcap behind"
}
printf 'src_ip: 10.0.0.1\ndst_port: [9999\npayload_size: 100\n' > "$T/bad.yaml"
err "plugin configuration $T/bad.yaml: invalid YAML at line 3 column " "$T/bad.yaml"
printf 'src_ip: 10.0.0.1\n  dst_port: 9999\n' > "$T/bad2.yaml"
err "plugin configuration $T/bad2.yaml: invalid YAML at line 2 column 11: mapping values are not allowed" "$T/bad2.yaml"
printf 'a: 1\na: 2\n' > "$T/dup.yaml"
err "plugin configuration $T/dup.yaml: invalid YAML at line 2 column 4: duplicate mapping key 'a'" "$T/dup.yaml"
printf -- '- 1\n- 2\n' > "$T/list.yaml"
err "plugin configuration $T/list.yaml: must be a mapping (YAML) or object (JSON), not an array" "$T/list.yaml"
printf 'just a string\n' > "$T/str.yaml"
err "plugin configuration $T/str.yaml: must be a mapping (YAML) or object (JSON), not a string" "$T/str.yaml"
: > "$T/empty.yaml"
err "plugin configuration $T/empty.yaml: must be a mapping (YAML) or object (JSON), not empty" "$T/empty.yaml"
printf 'a: 1\n---\nb: 2\n' > "$T/multi.yaml"
err "plugin configuration $T/multi.yaml: invalid YAML at line 2 column 1: more than one document" "$T/multi.yaml"
{ printf 'a: &a [x, x, x, x, x, x, x, x, x, x]\n'
  for l in b c d e f g h i; do p=$(printf '%s' "$l" | tr 'b-i' 'a-h'); printf '%s: &%s [' "$l" "$l"; for k in 1 2 3 4 5 6 7 8 9; do printf '*%s, ' "$p"; done; printf '*%s]\n' "$p"; done
} > "$T/bomb.yaml"
err "plugin configuration $T/bomb.yaml: invalid YAML at line 6 column 36: document too large" "$T/bomb.yaml"
# JSON-looking text: the JSON error is kept
printf '{"src_ip": ' > "$T/bad.json"
err "plugin configuration $T/bad.json: invalid JSON at line" "$T/bad.json"
exit $fail
