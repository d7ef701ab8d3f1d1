#!/usr/bin/env bash
# The example verifier plugin plugins/verify_udp.c (build/plugins/verify_udp.wasm), driven through
# the public plugin API (xdperf_plugin_load / _init / _process, include/xdperf/plugin.h) by a small
# harness built here against build/libxdperf.a (`xdperf plugin run` only sends the generator
# request). Frames are built in Python with correct checksums, then broken one thing at a time:
# valid IPv4/UDP (also VLAN-tagged, zero UDP checksum, 2048-byte sample of a longer frame) and
# IPv6/UDP frames must give {"result":{"valid":true,"errors":[]}}; a corrupted UDP checksum, a bad
# IPv4 header checksum, TCP, a truncated frame, a length mismatch, a zero IPv6 UDP checksum, a
# dst_port or min_payload miss must give valid false with an error naming the problem (several
# problems: all of them); a bad configuration must make plugin_init fail, and malformed requests
# ("{", "[]", no packet, data not base64, ...) must make plugin_process return an error code,
# never trap, with the plugin still answering afterwards; an answer that does not fit the host's
# output buffer gives -4 (seen through the host's output cap), not a truncated response.
set -uo pipefail
cd "$REPO"
T="$TMPDIR"
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
. tests/lib/harness.sh
build_plugins
W=build/plugins/verify_udp.wasm
[ -f "$W" ] || { echo "FAILED: $W missing"; exit 1; }

# vh PLUGIN.wasm CONFIG REQ-FILE...: plugin_init(CONFIG) ("-" = no config), then plugin_process
# on each file; one line per request: "OK <response>" or "ERR <message>". Exit 2 if init fails.
cat >"$T/vh.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/plugin.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 1;
	char err[512];
	struct xdperf_plugin *p;
	/* VH_MAX_OUTPUT: a small output cap, so that plugin_process must answer -4 */
	const char *mo = getenv("VH_MAX_OUTPUT");
	struct xdperf_plugin_opts o = { .sz = sizeof o, .name = "verify_udp", .log_level = 0,
					.max_output = mo ? strtoul(mo, NULL, 10) : 0 };
	if (xdperf_plugin_load(argv[1], &o, &p, err, sizeof err)) {
		fprintf(stderr, "load: %s\n", err);
		return 1;
	}
	const char *cfg = strcmp(argv[2], "-") ? argv[2] : "";
	if (xdperf_plugin_init(p, cfg, strlen(cfg), err, sizeof err)) {
		printf("INIT-ERR %s\n", err);
		xdperf_plugin_free(p);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		size_t len;
		char *req = slurp(argv[i], &len), *out = NULL;
		size_t outlen = 0;
		if (!req) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			return 1;
		}
		if (xdperf_plugin_process(p, req, len, &out, &outlen, err, sizeof err))
			printf("ERR %s\n", err);
		else
			printf("OK %s\n", out);
		free(out);
		free(req);
	}
	xdperf_plugin_free(p);
	return 0;
}
CEOF
build_harness "$T/vh.c" "$T/vh"

# Requests: NAME.json in $T/req (frames built with correct checksums, then broken on purpose).
mkdir -p "$T/req"
python3 - "$T/req" <<'PYEOF' || { echo "FAILED: building the frames"; exit 1; }
import base64, json, os, struct, sys
out = sys.argv[1]

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

MAC = bytes.fromhex('020000000002') + bytes.fromhex('020000000001')
S4, D4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
S6, D6 = bytes.fromhex('20010db8' + '0' * 23 + '1'), bytes.fromhex('20010db8' + '0' * 23 + '2')

def udp(src, dst, sport, dport, payload, v6=False, zero=False):
    ulen = 8 + len(payload)
    seg = struct.pack('!HHHH', sport, dport, ulen, 0) + payload
    pseudo = src + dst + (struct.pack('!IxxxB', ulen, 17) if v6 else struct.pack('!BBH', 0, 17, ulen))
    c = 0 if zero else (csum(pseudo + seg) or 0xffff)
    return seg[:6] + struct.pack('!H', c) + seg[8:]

def ipv4(l4, proto=17, src=S4, dst=D4):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + l4

def ipv6(l4, nh=17):
    return struct.pack('!IHBB16s16s', 6 << 28, len(l4), nh, 64, S6, D6) + l4

def eth(l3, et=0x0800, vlan=None):
    if vlan is not None:
        return MAC + struct.pack('!HHH', 0x8100, vlan, et) + l3
    return MAC + struct.pack('!H', et) + l3

def tcp(sport, dport):
    seg = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    c = csum(S4 + D4 + struct.pack('!BBH', 0, 6, len(seg)) + seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]

def req(name, frame, length=None, data=None, extra=''):
    d = data if data is not None else base64.b64encode(frame).decode()
    n = len(frame) if length is None else length
    with open(os.path.join(out, name + '.json'), 'w') as f:
        f.write('{"packet":{"data":"%s","length":%d,"timestamp":1700000000000000000,"sequence":7%s}}' % (d, n, extra))

def flip(frame, off, bit=0x01):
    b = bytearray(frame); b[off] ^= bit; return bytes(b)

pl = bytes(i % 256 for i in range(64))
v4 = eth(ipv4(udp(S4, D4, 1234, 9000, pl)))
v6 = eth(ipv6(udp(S6, D6, 1234, 9000, pl, v6=True)), 0x86dd)
req('v4', v4)
req('v6', v6)
req('v4_vlan', eth(ipv4(udp(S4, D4, 1234, 9000, pl)), vlan=100))
req('v4_nocsum', eth(ipv4(udp(S4, D4, 1234, 9000, pl, zero=True))))
req('v4_padded', eth(ipv4(udp(S4, D4, 1234, 9000, b'x'))) + b'\0' * 17)  # 60-byte minimum frame
big = eth(ipv4(udp(S4, D4, 1234, 9000, bytes(i % 251 for i in range(3000)))))
req('v4_sample', big[:2048], length=len(big))
req('v4_sample_short', big[:1000], length=len(big))
# UDP checksum is at 14 + 20 + 6
req('udp_csum', flip(v4, 14 + 20 + 7))
want = struct.unpack('!H', v4[40:42])[0]
open(os.path.join(out, 'udp_csum.want'), 'w').write('UDP checksum 0x%04x invalid (want 0x%04x)' % (want ^ 1, want))
req('v6_udp_csum', flip(v6, 14 + 40 + 7))
req('v6_zero_csum', v6[:14 + 40 + 6] + b'\0\0' + v6[14 + 40 + 8:])
req('ip_csum', flip(v4, 14 + 10))                         # IPv4 header checksum
req('ttl', flip(v4, 14 + 8))                              # header changed, checksum not updated
req('tcp', eth(ipv4(tcp(1234, 80), proto=6)))
req('v6_tcp', eth(ipv6(b'\0' * 20, nh=6), 0x86dd))
req('arp', eth(b'\0' * 28, 0x0806))
req('truncated', v4[:60])                                  # cut: total length 92 > 46
req('tiny', v4[:10])
req('len_mismatch', v4, length=len(v4) + 4)
req('len_mismatch_big', v4, length=3000)                  # > 2048 but data is not 2048 bytes
req('ihl', eth(b'\x44' + ipv4(udp(S4, D4, 1, 9000, pl))[1:]))
req('udp_len', v4[:14 + 20 + 4] + b'\x00\x04' + v4[14 + 20 + 6:])
req('tcp_and_badsum', flip(eth(ipv4(tcp(1, 2), proto=6)), 14 + 10))
# several problems at once: bad IPv4 checksum + bad UDP checksum
req('two', flip(flip(v4, 14 + 10), 14 + 20 + 7))
req('escaped', v4, data=base64.b64encode(v4).decode().replace('/', '\\/'))
req('extra_keys', v4, extra=',"note":{"a":[1,2,{"b":null}]}')
# malformed requests
bad = {
    'm_open': '{', 'm_array': '[]', 'm_empty': '', 'm_nopacket': '{"pkt":{}}',
    'm_packet_str': '{"packet":"x"}', 'm_nodata': '{"packet":{"length":3}}',
    'm_nolength': '{"packet":{"data":"AAAA"}}', 'm_notb64': '{"packet":{"data":"!!!!","length":3}}',
    'm_b64len': '{"packet":{"data":"AAAAA","length":3}}', 'm_datanum': '{"packet":{"data":5,"length":3}}',
    'm_neglen': '{"packet":{"data":"AAAA","length":-3}}', 'm_fraclen': '{"packet":{"data":"AAAA","length":3.5}}',
    'm_strlen': '{"packet":{"data":"AAAA","length":"3"}}', 'm_trailing': '{"packet":{"data":"AAAA","length":3}} x',
    'm_unterminated': '{"packet":{"data":"AAAA', 'm_deep': '{"x":' + '[' * 5000 + ']' * 5000 + '}',
    'm_ctrl': '{"packet":{"data":"AA\x01A","length":3}}', 'm_badesc': '{"packet":{"data":"\\q","length":3}}',
    'm_ts': '{"packet":{"data":"AAAA","length":3,"timestamp":"now"}}',
}
for k, v in bad.items():
    open(os.path.join(out, k + '.json'), 'w').write(v)
# the dst_port / min_payload cases reuse v4 (dport 9000, 64-byte payload)
PYEOF

fail=0
no() { echo "FAIL: $*"; fail=1; }
R="$T/req"
# check CONFIG NAME WANT-VALID [TEXT...]: one request, the answer's validity and error texts
check() {
  local cfg=$1 name=$2 want=$3; shift 3
  "$T/vh" "$W" "$cfg" "$R/$name.json" >"$T/out" 2>"$T/err"
  local rc=$?
  [ $rc = 0 ] || { no "$name: harness exit $rc: $(cat "$T/out" "$T/err")"; return; }
  local line; line=$(cat "$T/out")
  [ "${line#OK }" != "$line" ] || { no "$name: $line"; return; }
  python3 - "${line#OK }" "$want" "$@" <<'PYEOF' || { no "$name ($cfg): ${line#OK }"; return; }
import json, sys
r = json.loads(sys.argv[1])
assert list(r) == ['result'] and sorted(r['result']) == ['errors', 'valid'], r
valid, errors = r['result']['valid'], r['result']['errors']
assert valid is (sys.argv[2] == 'true'), 'valid'
assert isinstance(errors, list) and all(isinstance(e, str) and e for e in errors)
assert (errors == []) == valid, 'errors must be empty exactly when valid'
for t in sys.argv[3:]:
    assert any(t in e for e in errors), 'no error containing %r' % t
PYEOF
  local what="" t
  for t in "$@"; do what="$what${what:+; }$t"; done
  [ "$cfg" = - ] && cfg=""
  echo "ok: $name${cfg:+ (config $cfg)}: valid=$want${what:+, errors name: $what}"
}

check - v4 true
check '{}' v6 true
check '' v4_vlan true
check - v4_nocsum true
check - v4_padded true
check - v4_sample true
check - extra_keys true
check - escaped true
check - udp_csum false "$(cat "$R/udp_csum.want")"
check - v6_udp_csum false "UDP checksum 0x"
check - v6_zero_csum false "UDP checksum 0x0000 invalid"
check - ip_csum false "IPv4 header checksum invalid"
check - ttl false "IPv4 header checksum invalid"
check - tcp false "not UDP (IP protocol 6)"
check - v6_tcp false "not UDP (IPv6 next header 6)"
check - arp false "not IPv4 or IPv6 (EtherType 0x0806)"
check - truncated false "frame shorter than its IPv4 total length (46 < 92)"
check - tiny false "frame too short for Ethernet (10 bytes)"
check - len_mismatch false "data is 106 bytes but length is 110"
check - len_mismatch_big false "data is 106 bytes, want 2048"
check - v4_sample_short false "data is 1000 bytes, want 2048"
check - ihl false "IPv4 IHL 4 < 5"
check - udp_len false "UDP length 4 < 8"
check - tcp_and_badsum false "IPv4 header checksum invalid" "not UDP (IP protocol 6)"
check - two false "IPv4 header checksum invalid" "UDP checksum 0x"
check '{"dst_port":9000}' v4 true
check '{"dst_port":53}' v4 false "UDP destination port 9000, want 53"
check '{"dst_port":53}' v6 false "UDP destination port 9000, want 53"
check '{"min_payload":64}' v4 true
check '{"min_payload":65}' v4 false "UDP payload 64 bytes, want at least 65"
check '{"dst_port":53,"min_payload":100}' udp_csum false "UDP checksum 0x" "UDP destination port 9000, want 53" "UDP payload 64 bytes, want at least 100"
check '{"dst_port":null,"other":1}' v4 true

# a bad configuration: plugin_init fails (harness exit 2), no trap
for cfg in '{' '[]' '5' '{"dst_port":"53"}' '{"dst_port":70000}' '{"dst_port":-1}' \
           '{"min_payload":1.5}' '{"min_payload":-2}' '{"dst_port":53} x' 'nul'; do
  "$T/vh" "$W" "$cfg" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc != 2 ] || ! grep -q '^INIT-ERR .*plugin_init' "$T/out"; then
    no "config '$cfg': exit $rc: $(cat "$T/out" "$T/err")"
  elif grep -qi trap "$T/out"; then
    no "config '$cfg' trapped: $(cat "$T/out")"
  fi
done
echo "ok: 10 bad configurations make plugin_init fail"

# malformed requests: an error code from plugin_process (not a trap), and the plugin keeps working
ms=("$R"/m_*.json)
"$T/vh" "$W" - "${ms[@]}" "$R/v4.json" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] || no "malformed requests: harness exit $rc: $(cat "$T/out" "$T/err")"
i=0
while IFS= read -r line; do
  if [ $i -lt ${#ms[@]} ]; then
    m=$(basename "${ms[$i]}" .json)
    case "$line" in
      ERR*"trap"*) no "$m: trapped: $line" ;;
      ERR*"error code -"*) ;;
      *) no "$m: expected an error code from plugin_process, got: $line" ;;
    esac
  else
    case "$line" in OK*'"valid":true'*) ;; *) no "after the malformed requests: $line" ;; esac
  fi
  i=$((i + 1))
done <"$T/out"
[ $i = $((${#ms[@]} + 1)) ] || no "malformed requests: $i answers for $((${#ms[@]} + 1)) requests"
echo "ok: ${#ms[@]} malformed requests give error codes; the next valid request still passes"

# the response must fit the output buffer, else -4 (the host retries with its cap, here 40
# bytes: a valid answer, 38 bytes, fits; an error list does not and must not be cut short)
VH_MAX_OUTPUT=40 "$T/vh" "$W" - "$R/v4.json" "$R/udp_csum.json" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] || no "small output cap: harness exit $rc: $(cat "$T/out" "$T/err")"
[ "$(sed -n 1p "$T/out")" = 'OK {"result":{"valid":true,"errors":[]}}' ] || no "small cap, valid: $(sed -n 1p "$T/out")"
sed -n 2p "$T/out" | grep -q '^ERR .*does not fit in 40 bytes' || no "small cap, invalid: $(sed -n 2p "$T/out") $(cat "$T/err")"
grep -q "response needs [0-9]* bytes, buffer has 40" "$T/err" || no "small cap: no -4 warning: $(cat "$T/err")"
echo "ok: an answer larger than the output buffer gives -4"

[ $fail = 0 ] && echo "verify_udp: all checks passed"
exit $fail
