#!/usr/bin/env bash
# The C plugin SDK (sdk/) and the example generator plugins (plugins/*.c -> build/plugins/*.wasm)
# driven by a minimal host (tests/unit/plugin_harness.c, built on include/xdperf/wasm.h + wasi.h
# and build/libxdperf.a): every plugin instantiates, plugin_init/plugin_process/plugin_cleanup
# work, the response is the expected JSON array of templates, and the decoded frames are
# checked with independently computed IPv4 header, UDP, TCP and ICMP checksums (IPv4 and IPv6
# pseudo headers). simpleudp with the default config must give exactly one 14+20+8+1024-byte
# frame with the documented addresses, ports and payload; a too-small output buffer must make
# plugin_process return -4 and the harness's retry with a bigger buffer must succeed; invalid
# config and malformed requests must give negative codes, not traps.
# Field modifiers: `xdperf plugin run flows --json` must describe the configured ranges as
# modifiers (none for single-valued fields) with the IPv4 and UDP checksums kept, and a small
# SDK test plugin built here checks xdp_tmpl_modify*() validation (bad arguments, a 9th
# modifier) and the exact JSON the serialiser writes for them.
set -uo pipefail

REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
cd "$REPO"
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
command -v jq >/dev/null || { echo "jq is not installed"; exit 77; }
make -s plugins >"$T/make.log" 2>&1 || { cat "$T/make.log"; echo "FAILED: make plugins"; exit 1; }
[ -f build/libxdperf.a ] || { echo "FAILED: build/libxdperf.a missing (make all)"; exit 1; }
[ -x build/xdperf ] || { echo "FAILED: build/xdperf missing (make all)"; exit 1; }
H="$T/plugin_harness"
gcc -std=gnu11 -Wall -Wextra -Werror -Iinclude tests/unit/plugin_harness.c build/libxdperf.a \
  -ljansson -lsodium -lyaml -lm -lpthread -o "$H" || { echo "FAILED: building the harness"; exit 1; }
P=build/plugins
for p in simpleudp udpflows tcpsyn ipv6udp imix flows; do
  [ -f "$P/$p.wasm" ] || { echo "FAILED: $P/$p.wasm missing"; exit 1; }
done

fail=0
run() { # name out-file harness-args...
  local name="$1" out="$2"; shift 2
  if ! "$H" "$@" >"$out" 2>"$out.err"; then
    echo "FAILED: $name: harness exit $?"; sed 's/^/  /' "$out.err" | tail -n 20; fail=1; return 1
  fi
}

# check.py KIND FILE [args]: validates one response
cat >"$T/check.py" <<'PYEOF'
import base64, json, struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s

def ok(b):  # a buffer including its checksum sums to 0xffff
    return csum(b) == 0xffff

def parse(frame):
    """returns dict describing the frame; asserts every checksum"""
    d = {'len': len(frame), 'dst_mac': frame[0:6], 'src_mac': frame[6:12]}
    et = struct.unpack('!H', frame[12:14])[0]; off = 14
    if et == 0x8100:
        d['vlan'] = struct.unpack('!H', frame[14:16])[0] & 0xfff
        et = struct.unpack('!H', frame[16:18])[0]; off = 18
    d['ethertype'] = et
    if et == 0x0800:
        ip = frame[off:off + 20]
        assert ip[0] == 0x45, 'IPv4 version/IHL'
        tot = struct.unpack('!H', ip[2:4])[0]
        assert tot == len(frame) - off, 'IPv4 total length %d vs %d' % (tot, len(frame) - off)
        assert ok(ip), 'IPv4 header checksum invalid'
        proto = ip[9]; src, dst = ip[12:16], ip[16:20]
        d['src_ip'] = '.'.join(map(str, src)); d['dst_ip'] = '.'.join(map(str, dst))
        l4 = frame[off + 20:]
        pseudo = src + dst + struct.pack('!BBH', 0, proto, len(l4))
    elif et == 0x86dd:
        ip = frame[off:off + 40]
        assert ip[0] >> 4 == 6, 'IPv6 version'
        plen = struct.unpack('!H', ip[4:6])[0]
        assert plen == len(frame) - off - 40, 'IPv6 payload length'
        proto = ip[6]; src, dst = ip[8:24], ip[24:40]
        import ipaddress
        d['src_ip'] = str(ipaddress.IPv6Address(src)); d['dst_ip'] = str(ipaddress.IPv6Address(dst))
        d['hop_limit'] = ip[7]
        l4 = frame[off + 40:]
        pseudo = src + dst + struct.pack('!IxxxB', len(l4), proto)
    else:
        raise AssertionError('unexpected ethertype %#x' % et)
    d['proto'] = proto
    if proto == 17:
        sp, dp, ulen, c = struct.unpack('!HHHH', l4[:8])
        assert ulen == len(l4), 'UDP length'
        assert c != 0, 'UDP checksum missing'
        assert ok(pseudo + l4), 'UDP checksum invalid'
        d.update(sport=sp, dport=dp, payload=l4[8:])
    elif proto == 6:
        sp, dp, seq, ack, offf, flags, win = struct.unpack('!HHIIBBH', l4[:16])
        assert ok(pseudo + l4), 'TCP checksum invalid'
        d.update(sport=sp, dport=dp, seq=seq, flags=flags, window=win, doff=(offf >> 4) * 4,
                 options=l4[20:(offf >> 4) * 4])
    elif proto == 1:
        assert ok(l4), 'ICMP checksum invalid'
    elif proto == 58:
        assert ok(pseudo + l4), 'ICMPv6 checksum invalid'
    else:
        raise AssertionError('unexpected protocol %d' % proto)
    return d

kind, path = sys.argv[1], sys.argv[2]
resp = json.load(open(path))
assert isinstance(resp, list), 'response is not an array'
frames = []
for i, e in enumerate(resp):
    t = e['template']; bp = t['base_packet']; m = e['metadata']
    data = base64.b64decode(bp['data'], validate=True)
    assert len(data) == bp['length'], 'length field %d != data %d' % (bp['length'], len(data))
    if not kind.startswith('flows'):
        assert t['modifiers'] == [] and t['checksums'] == []
    assert isinstance(m['packet_count'], int) and isinstance(m['rate_pps'], int)
    assert isinstance(m['tags'], list) and all(isinstance(x, str) for x in m['tags'])
    frames.append((parse(data), m))

def payload_ok(p, n):
    return len(p) == n and all(p[i] == i % 256 for i in range(n))

if kind == 'simpleudp-default':
    assert len(frames) == 1, 'want one template, got %d' % len(frames)
    d, m = frames[0]
    assert d['len'] == 14 + 20 + 8 + 1024, 'frame length %d' % d['len']
    assert d['dst_mac'] == b'\xff' * 6, 'dst mac'
    assert d['src_mac'] == bytes.fromhex(sys.argv[3]), 'src mac = device mac'
    assert (d['src_ip'], d['dst_ip']) == ('192.168.1.1', '192.168.1.2'), (d['src_ip'], d['dst_ip'])
    assert (d['sport'], d['dport']) == (1234, 5678)
    assert payload_ok(d['payload'], 1024), 'payload bytes'
    assert m['packet_count'] == int(sys.argv[4]), 'packet_count'
elif kind == 'simpleudp-custom':
    d, m = frames[0]
    assert len(frames) == 1 and d['len'] == 42 + 100
    assert (d['src_ip'], d['dst_ip'], d['sport'], d['dport']) == ('10.1.2.3', '10.9.8.7', 53, 9999)
    assert d['src_mac'] == bytes.fromhex('020000000001') and d['dst_mac'] == bytes.fromhex('020000000002')
    assert payload_ok(d['payload'], 100)
elif kind == 'udpflows':
    assert len(frames) == 2 * 4 * 3, 'want 24 flows, got %d' % len(frames)
    keys = {(d['src_ip'], d['dst_ip'], d['sport'], d['dport']) for d, _ in frames}
    want = {('10.0.0.%d' % a, '10.0.1.9', s, p) for a in (1, 2) for s in range(1000, 1004) for p in (80, 81, 82)}
    assert keys == want, 'flow set'
    assert all(d['len'] == 42 + 64 for d, _ in frames)
    assert sum(m['packet_count'] for _, m in frames) == 1000, 'packet_count sum'
elif kind == 'udpflows-max':
    assert len(frames) == 2048, 'want 2048 templates, got %d' % len(frames)
elif kind == 'udpflows-limit':
    assert len(frames) == 5, len(frames)
elif kind == 'tcpsyn':
    assert len(frames) == 1
    d, m = frames[0]
    assert d['proto'] == 6 and d['flags'] == 0x02 and d['seq'] == 123456 and d['window'] == 29200
    assert d['doff'] == 24 and d['options'] == b'\x02\x04\x05\xb4' and d['len'] == 14 + 20 + 24
    assert (d['sport'], d['dport']) == (40000, 443)
elif kind == 'tcpsyn-nomss':
    d, m = frames[0]
    assert d['doff'] == 20 and d['len'] == 14 + 40 + 20 and d['ethertype'] == 0x86dd
elif kind == 'ipv6udp':
    assert len(frames) == 1
    d, m = frames[0]
    assert d['len'] == 14 + 40 + 8 + 1024 and d['ethertype'] == 0x86dd
    assert (d['src_ip'], d['dst_ip']) == ('fd00::1', 'fd00::2') and d['hop_limit'] == 64
    assert payload_ok(d['payload'], 1024)
elif kind == 'ipv6udp-vlan':
    d, m = frames[0]
    assert d['vlan'] == 42 and d['len'] == 18 + 40 + 8 + 10
    import ipaddress
    want = (ipaddress.IPv6Address('2001:db8::1:2'), ipaddress.IPv6Address('::ffff:10.0.0.1'))
    assert (ipaddress.IPv6Address(d['src_ip']), ipaddress.IPv6Address(d['dst_ip'])) == want, d
elif kind == 'imix':
    assert [d['len'] for d, _ in frames] == [64, 576, 1500], [d['len'] for d, _ in frames]
    assert [m['packet_count'] for _, m in frames] == [584, 333, 83], [m['packet_count'] for _, m in frames]
    want = [{'size': 64, 'weight': 7, 'template': 0}, {'size': 576, 'weight': 4, 'template': 1},
            {'size': 1500, 'weight': 1, 'template': 2}]
    for _, m in frames:
        assert m['imix']['patterns'] == want, m
        assert 'imix' in m['tags']
elif kind == 'flows-default':
    assert len(frames) == 1
    d, m = frames[0]
    assert d['len'] == 60 and payload_ok(d['payload'], 18), d['len']
    assert (d['src_ip'], d['dst_ip'], d['sport'], d['dport']) == ('10.0.0.1', '10.1.0.1', 1024, 5678), d
    assert m['packet_count'] == 1000 and m['tags'] == ['udp', 'flows'], m
else:
    raise SystemExit('unknown kind ' + kind)
print('ok %s: %d template(s)' % (kind, len(frames)))
PYEOF

check() { # kind file [args]
  python3 "$T/check.py" "$@" || { echo "FAILED: check $1"; fail=1; }
}

MAC=0a1b2c3d4e5f
run simpleudp "$T/s1.json" $P/simpleudp.wasm --count 77 --mac $MAC && check simpleudp-default "$T/s1.json" $MAC 77
run simpleudp-custom "$T/s2.json" $P/simpleudp.wasm --config \
  '{"src_ip":"10.1.2.3","dst_ip":"10.9.8.7","src_port":53,"dst_port":9999,"payload_size":100,"src_mac":"02:00:00:00:00:01","dst_mac":"02:00:00:00:00:02"}' \
  && check simpleudp-custom "$T/s2.json"
run udpflows "$T/f1.json" $P/udpflows.wasm --count 1000 --config \
  '{"src_ip":"10.0.0.1-10.0.0.2","dst_ip":"10.0.1.9","src_ports":"1000-1003","dst_ports":"80-82"}' \
  && check udpflows "$T/f1.json"
run udpflows-max "$T/f2.json" $P/udpflows.wasm --count 1 --config '{"src_ports":"1-65535","dst_ports":"1-9"}' \
  && check udpflows-max "$T/f2.json"
run udpflows-limit "$T/f3.json" $P/udpflows.wasm --config '{"src_ports":"1-100","flows":5}' \
  && check udpflows-limit "$T/f3.json"
run tcpsyn "$T/t1.json" $P/tcpsyn.wasm --config '{"src_port":40000,"dst_port":443,"seq":123456,"window":29200}' \
  && check tcpsyn "$T/t1.json"
run tcpsyn-v6 "$T/t2.json" $P/tcpsyn.wasm --config '{"ipv6":true,"mss":0}' && check tcpsyn-nomss "$T/t2.json"
run ipv6udp "$T/v1.json" $P/ipv6udp.wasm && check ipv6udp "$T/v1.json"
run ipv6udp-vlan "$T/v2.json" $P/ipv6udp.wasm --config \
  '{"src_ip":"2001:db8:0:0:0:0:1:2","dst_ip":"::ffff:10.0.0.1","vlan":42,"payload_size":10}' \
  && check ipv6udp-vlan "$T/v2.json"
run imix "$T/i1.json" $P/imix.wasm --count 1000 && check imix "$T/i1.json"
run flows "$T/fl0.json" $P/flows.wasm --count 1000 && check flows-default "$T/fl0.json"

# flows through `xdperf plugin run --json`: modifiers and checksums as configured
X=build/xdperf
CS='[{"layer":"ipv4","auto_update":true},{"layer":"udp","auto_update":true}]'
flows_json() { # name config-json expected-modifiers-json
  local name="$1"
  printf '%s' "$2" >"$T/flows_cfg.json"
  if ! "$X" plugin run flows --cfg "$T/flows_cfg.json" --count 1000000 --json >"$T/fl.json" 2>"$T/fl.err"; then
    echo "FAILED: flows $name: plugin run: $(cat "$T/fl.err")"; fail=1; return
  fi
  jq -e --argjson m "$3" --argjson c "$CS" 'length == 1 and .[0].template.modifiers == $m and
      .[0].template.checksums == $c and .[0].metadata.packet_count == 1000000 and
      .[0].template.base_packet.length == 60' "$T/fl.json" >/dev/null ||
    { echo "FAILED: flows $name: got $(jq -c '.[0].template | del(.base_packet)' "$T/fl.json")"; fail=1; }
}
mod() { # layer field type min max [seed]
  printf '{"target":{"layer":"%s","field":"%s"},"operation":{"type":"%s"},"params":{"min":%s,"max":%s,"step":1%s}}' \
    "$1" "$2" "$3" "$4" "$5" "${6:+,\"seed\":$6}"
}
flows_json default '{}' "[$(mod ipv4 src_ip increment 167772161 167837694),$(mod udp src_port increment 1024 65535)]"
flows_json random '{"src_ip":"10.0.0.1-10.0.0.254","dst_ip":"10.9.9.9","src_port":"1024-65535","dst_port":80,"mode":"random","seed":7}' \
  "[$(mod ipv4 src_ip random 167772161 167772414 7),$(mod udp src_port random 1024 65535 8)]"
flows_json range '{"dst_ip":"192.168.0.0-192.168.255.255","dst_port":"1-1000","src_port":"1000","mode":"range"}' \
  "[$(mod ipv4 src_ip range 167772161 167837694 1),$(mod ipv4 dst_ip range 3232235520 3232301055 2),$(mod udp dst_port range 1 1000 3)]"
flows_json single '{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","src_port":"1000","dst_port":2000,"mode":"random"}' '[]'
flows_json decrement '{"src_ip":"10.0.0.1-10.0.0.1","src_port":7,"dst_port":"0-65535","mode":"decrement"}' \
  "[$(mod udp dst_port decrement 0 65535)]"
"$X" plugin run flows --cfg "$T/flows_cfg.json" --count 3 >"$T/fl.txt" 2>&1 &&
  grep -q 'modifiers 1  checksums 2' "$T/fl.txt" && ! grep -q INVALID "$T/fl.txt" ||
  { echo "FAILED: flows: plugin run (decoded): $(cat "$T/fl.txt")"; fail=1; }
# plugin run lists the modifiers and the first packets they make, checksums checked
printf '%s' '{"src_ip":"10.0.0.1-10.0.0.5","src_port":"1000-1002","dst_ip":"10.1.0.1"}' >"$T/flows_cfg.json"
if "$X" plugin run flows --cfg "$T/flows_cfg.json" --packets 6 >"$T/fl.txt" 2>&1; then
  want='  modifier 0  ipv4.src_ip increment 10.0.0.1..10.0.0.5 step 1
  modifier 1  udp.src_port increment 1000..1002 step 1
  checksums kept up to date: ipv4 udp
  first 6 packets (one sender thread):
    0:  ipv4.src_ip 10.0.0.1  udp.src_port 1000  checksums valid
    1:  ipv4.src_ip 10.0.0.2  udp.src_port 1001  checksums valid
    2:  ipv4.src_ip 10.0.0.3  udp.src_port 1002  checksums valid
    3:  ipv4.src_ip 10.0.0.4  udp.src_port 1000  checksums valid
    4:  ipv4.src_ip 10.0.0.5  udp.src_port 1001  checksums valid
    5:  ipv4.src_ip 10.0.0.1  udp.src_port 1002  checksums valid'
  got=$(grep -A9 '^  modifier 0' "$T/fl.txt")
  [ "$got" = "$want" ] && echo "ok plugin run shows modifiers and the first packets" ||
    { echo "FAILED: flows: plugin run --packets 6 shows:"; echo "$got"; fail=1; }
else
  echo "FAILED: flows: plugin run --packets 6: $(cat "$T/fl.txt")"; fail=1
fi

# SDK modifier API: validation, the 8-modifier limit and the serialised form
cat >"$T/modtest.c" <<'CEOF'
/* modtest: exercises xdp_tmpl_modify*() and xdp_tmpl_checksums() (tests/cases/plugins_sdk.sh). */
#include "xdperf_plugin.h"

#define EXPECT(c) \
	do { \
		if (!(c)) { \
			xdp_log(XDP_LOG_ERROR, "modtest: line %d: %s", __LINE__, #c); \
			return XDP_ERR_GENERATE; \
		} \
	} while (0)

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	(void)req;
	xdp_template *t = xdp_resp_add(resp, NULL, 60);
	EXPECT(t);
	const int E = XDP_ERR_INVALID_CONFIG;
	EXPECT(xdp_tmpl_modify(t, "ipv4.bogus", XDP_MOD_INCREMENT, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify(t, NULL, XDP_MOD_INCREMENT, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify(t, "ipv4.ttl", XDP_MOD_INCREMENT, 1, 256, 1, 0) == E);
	EXPECT(xdp_tmpl_modify(t, "udp.src_port", XDP_MOD_INCREMENT, 9, 1, 1, 0) == E);
	EXPECT(xdp_tmpl_modify(t, "udp.src_port", (xdp_mod_op)7, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify_at(t, 36, 3, XDP_MOD_RANDOM, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify_at(t, 59, 2, XDP_MOD_RANDOM, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify_at(t, 36, 2, XDP_MOD_RANDOM, 0, 65536, 1, 0) == E);
	xdp_modifier le = { .field = "ipv4.id", .little_endian = true };
	EXPECT(xdp_tmpl_add_mod(t, &le) == E);
	EXPECT(t->nmods == 0);

	EXPECT(xdp_tmpl_modify(t, "ipv4.src_ip", XDP_MOD_INCREMENT, 0x0a000001, 0x0a0000fe, 1, 0) == 0);
	EXPECT(xdp_tmpl_modify(t, "udp.dst_port", XDP_MOD_DECREMENT, 0, 0, 0, 0) == 0);
	EXPECT(xdp_tmpl_modify_at(t, 36, 2, XDP_MOD_RANDOM, 1024, 65535, 1, 7) == 0);
	EXPECT(xdp_tmpl_modify_at(t, 50, 8, XDP_MOD_RANGE, 0, UINT64_MAX, 3, 9007199254740993ull) == 0);
	xdp_modifier m = { .offset = 46, .len = 4, .op = XDP_MOD_INCREMENT, .min = 10, .max = 20,
			   .start = 15, .has_start = true, .little_endian = true };
	EXPECT(xdp_tmpl_add_mod(t, &m) == 0);
	EXPECT(xdp_tmpl_modify(t, "eth.src", XDP_MOD_INCREMENT, 1, 0xffffffffull, 1, 0) == 0);
	EXPECT(xdp_tmpl_modify(t, "eth.dst", XDP_MOD_INCREMENT, 1, 0x100000000ull, 1, 0) == E);
	EXPECT(xdp_tmpl_modify(t, "ipv6.dst_ip", XDP_MOD_RANDOM, 0, UINT64_MAX, 1, 0) == 0);
	EXPECT(xdp_tmpl_modify(t, "tcp.seq", XDP_MOD_RANGE, 5, 5000, 5, 3) == 0);
	EXPECT(t->nmods == 8);
	EXPECT(xdp_tmpl_modify(t, "icmp.id", XDP_MOD_INCREMENT, 0, 0, 1, 0) == E);
	EXPECT(xdp_tmpl_modify_at(t, 0, 1, XDP_MOD_INCREMENT, 0, 0, 1, 0) == E);
	EXPECT(t->nmods == 8);
	xdp_tmpl_checksums(t, XDP_CSUM_ALL | 0x100);
	EXPECT(t->csums == XDP_CSUM_ALL);
	/* a template without modifiers keeps the old form */
	EXPECT(xdp_resp_add(resp, NULL, 60));
	return 0;
}
CEOF
if clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Isdk -mexec-model=reactor \
     -Wl,--export=plugin_init -Wl,--export=plugin_process -Wl,--export=plugin_cleanup \
     -Wl,--export=malloc -Wl,--export=free -o "$T/modtest.wasm" "$T/modtest.c" sdk/*.c 2>"$T/modtest.log"; then
  if run modtest "$T/mt.json" "$T/modtest.wasm"; then
    jq -e '(.[0].template.modifiers | length) == 8 and
      .[0].template.modifiers[0] == {"target":{"layer":"ipv4","field":"src_ip"},"operation":{"type":"increment"},"params":{"min":167772161,"max":167772414,"step":1}} and
      .[0].template.modifiers[1].params == {"min":0,"max":0,"step":1} and
      .[0].template.modifiers[1].operation.type == "decrement" and
      .[0].template.modifiers[2] == {"target":{"offset":36,"length":2},"operation":{"type":"random"},"params":{"min":1024,"max":65535,"step":1,"seed":7}} and
      .[0].template.modifiers[3].params == {"min":0,"max":"18446744073709551615","step":3,"seed":"9007199254740993"} and
      .[0].template.modifiers[4] == {"target":{"offset":46,"length":4},"operation":{"type":"increment"},"params":{"min":10,"max":20,"step":1,"start":15,"endian":"little"}} and
      .[0].template.modifiers[5].params.max == 4294967295 and
      .[0].template.modifiers[6].target == {"layer":"ipv6","field":"dst_ip"} and
      .[0].template.modifiers[7] == {"target":{"layer":"tcp","field":"seq"},"operation":{"type":"range"},"params":{"min":5,"max":5000,"step":5,"seed":3}} and
      ([.[0].template.checksums[] | select(.auto_update == true) | .layer] == ["ipv4","udp","tcp","icmp","icmpv6"]) and
      .[1].template.modifiers == [] and .[1].template.checksums == []' "$T/mt.json" >/dev/null ||
      { echo "FAILED: modtest JSON: $(jq -c '[.[].template | del(.base_packet)]' "$T/mt.json")"; fail=1; }
    grep -q '"modifiers":\[\],"checksums":\[\]},"metadata"' "$T/mt.json" ||
      { echo "FAILED: modtest: empty modifiers not written as before"; fail=1; }
    grep -q 'too many modifiers' "$T/mt.json.err" || { echo "FAILED: modtest: no log for a 9th modifier"; fail=1; }
  fi
else
  echo "FAILED: building modtest.wasm"; cat "$T/modtest.log"; fail=1
fi

# -4 on a too-small buffer, then the retry succeeds with the same response
if "$H" $P/simpleudp.wasm --count 77 --mac $MAC --out-cap 100 --no-retry >/dev/null 2>"$T/small.err"; then
  echo "FAILED: a 100-byte buffer did not fail"; fail=1
fi
grep -q 'plugin_process: rc=-4' "$T/small.err" || { echo "FAILED: no -4 for a small buffer"; cat "$T/small.err"; fail=1; }
run retry "$T/r1.json" $P/simpleudp.wasm --count 77 --mac $MAC --out-cap 100
grep -q 'retry: rc=-4 cap=100' "$T/r1.json.err" || { echo "FAILED: the harness did not retry"; fail=1; }
cmp -s "$T/r1.json" "$T/s1.json" || { echo "FAILED: retried response differs"; fail=1; }
run retry-flows "$T/r2.json" $P/udpflows.wasm --count 1 --out-cap 1000 --config '{"src_ports":"1-65535","dst_ports":"1-9"}'
cmp -s "$T/r2.json" "$T/f2.json" || { echo "FAILED: retried udpflows response differs"; fail=1; }
# the exact fit works (rc = cap), one byte less is -4
n=$(($(wc -c <"$T/s1.json") - 1))   # without printf's newline
run exact "$T/e1.json" $P/simpleudp.wasm --count 77 --mac $MAC --out-cap $n --no-retry
"$H" $P/simpleudp.wasm --count 77 --mac $MAC --out-cap $((n - 1)) --no-retry >/dev/null 2>"$T/e2.err" ;
grep -q 'rc=-4' "$T/e2.err" || { echo "FAILED: cap-1 did not give -4"; fail=1; }

# errors are codes, not traps
expect_rc() { # name want-rc harness-args...
  local name="$1" want="$2"; shift 2
  "$H" "$@" >/dev/null 2>"$T/err.txt"
  if ! grep -q "rc=$want\$" "$T/err.txt"; then echo "FAILED: $name: want rc=$want"; cat "$T/err.txt"; fail=1; fi
}
expect_rc bad-ip -2 $P/simpleudp.wasm --config '{"src_ip":"300.1.1.1"}'
expect_rc bad-port -2 $P/simpleudp.wasm --config '{"src_port":70000}'
expect_rc bad-type -2 $P/simpleudp.wasm --config '{"payload_size":"big"}'
expect_rc bad-mac -2 $P/simpleudp.wasm --config '{"dst_mac":"zz:00:00:00:00:00"}'
expect_rc bad-range -2 $P/udpflows.wasm --config '{"src_ports":"9-1"}'
expect_rc bad-v6 -2 $P/ipv6udp.wasm --config '{"src_ip":"fd00:::1"}'
expect_rc flows-bad-mode -2 $P/flows.wasm --config '{"mode":"sideways"}'
expect_rc flows-bad-ip -2 $P/flows.wasm --config '{"src_ip":"10.0.0.9-10.0.0.1"}'
expect_rc flows-bad-port -2 $P/flows.wasm --config '{"dst_port":"80-70000"}'
expect_rc flows-bad-size -2 $P/flows.wasm --config '{"payload_size":1473}'
for req in '{"count":1' '[1,2]' '{"count":-1}' '{"a":tru}' '{"a":"\x"}' '"x"' '{"a":[1,]}' '{,}' \
           '{"a":1}}' '{"a":01}' "$(printf '%0.s[' $(seq 100))"; do
  "$H" $P/simpleudp.wasm --raw-request "$req" >/dev/null 2>"$T/err.txt"
  rc=$?
  if [ $rc -ne 3 ] || ! grep -q 'rc=-[12]$' "$T/err.txt"; then
    echo "FAILED: malformed request $req: exit $rc"; cat "$T/err.txt"; fail=1
  fi
done
expect_rc bad-config -1 $P/simpleudp.wasm --config '[1]'
# a raw request with escapes, whitespace and unknown fields is fine; keys may be escaped
run raw "$T/raw.json" $P/simpleudp.wasm --raw-request \
  ' { "count" : 3 , "device_mac_addr" : "AAAAAAAA", "x":{"y":[1,2,{"z":null}]}, "src\u005fport": 53, "payload_size": 0 } ' \
  && python3 -c '
import json,sys,base64
r=json.load(open(sys.argv[1])); d=base64.b64decode(r[0]["template"]["base_packet"]["data"])
assert len(d)==42 and d[34:36]==bytes([0,53]) and d[6:12]==bytes(6) and r[0]["metadata"]["packet_count"]==3, d
print("ok raw request")' "$T/raw.json" || fail=1
# repeated processing in one instance (no leak of state / memory growth breakage)
run repeat "$T/rep.json" $P/udpflows.wasm --repeat 20 --count 5 --config '{"src_ports":"1-300"}'
grep -q 'metric: plugin.templates 300' "$T/rep.json.err" || { echo "FAILED: no metric reported"; fail=1; }

[ $fail -eq 0 ] || exit 1
echo "plugins_sdk: all checks passed"
