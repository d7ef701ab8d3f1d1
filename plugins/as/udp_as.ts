// udp_as: a generator plugin in AssemblyScript (the plugin guide's ABI, docs/plugins.md): one
// IPv4/UDP template, the frame simpleudp builds for the same keys (plugins/simpleudp.c), and
// `flows` source ports walked by the host's field engine (an increment modifier; the IPv4 and UDP
// checksums kept up to date). Built by `make plugins-extra` with asc's default runtime
// (sdk/assemblyscript: npm ci), its declared keys appended from udp_as.config.json:
//
//     asc udp_as.ts -o udp_as.wasm --optimize
//
// Keys (defaults): src_ip "192.168.1.1", dst_ip "192.168.1.2", src_port 1234, dst_port 5678,
// payload_size 1024 (byte i = i % 256), src_mac (the device's), dst_mac ff:ff:ff:ff:ff:ff,
// flows 1 (1..65536). metadata.packet_count is the request's count.
import {
  ERR_INVALID_CONFIG, ERR_INVALID_INPUT, ERROR, base64, csumAdd, csumFold, inputText, jsonGet,
  jsonInt, jsonString, log, output, unbase64,
} from "../../sdk/assemblyscript/xdperf";
export { malloc, free } from "../../sdk/assemblyscript/xdperf";

class Config {
  srcIp: Uint8Array = new Uint8Array(4);
  dstIp: Uint8Array = new Uint8Array(4);
  srcPort: i32 = 1234;
  dstPort: i32 = 5678;
  payload: i32 = 1024;
  srcMac: Uint8Array = new Uint8Array(6);
  dstMac: Uint8Array = new Uint8Array(6);
  flows: i32 = 1;
  count: i64 = 0;
  error: i32 = 0;
}

function bad(c: Config, key: string, why: string): void {
  if (c.error) return;
  log(ERROR, "udp_as: " + key + ": " + why);
  c.error = ERR_INVALID_CONFIG;
}

// "a.b.c.d" into 4 bytes; false when it is not one.
function ipv4(text: string, into: Uint8Array): bool {
  const parts = text.split(".");
  if (parts.length != 4) return false;
  for (let i = 0; i < 4; i++) {
    const v = jsonInt(parts[i], 255);
    if (v < 0 || parts[i].length > 3) return false;
    into[i] = <u8>v;
  }
  return true;
}

// "aa:bb:cc:dd:ee:ff" into 6 bytes; false when it is not one.
function mac(text: string, into: Uint8Array): bool {
  const parts = text.split(":");
  if (parts.length != 6) return false;
  for (let i = 0; i < 6; i++) {
    if (parts[i].length != 2) return false;
    const v = I32.parseInt(parts[i], 16);
    if (isNaN(v) || v < 0 || v > 255) return false;
    into[i] = <u8>v;
  }
  return true;
}

function textKey(c: Config, req: string, key: string, what: string, isMac: bool, into: Uint8Array): void {
  const v = jsonGet(req, key);
  if (v.bad) {
    c.error = c.error ? c.error : ERR_INVALID_INPUT;
    return;
  }
  if (!v.found) return;
  const s = jsonString(v.raw);
  if (s === null || !(isMac ? mac(s, into) : ipv4(s, into))) bad(c, key, "not " + what + ": " + v.raw);
}

function intKey(c: Config, req: string, key: string, dflt: i64, min: i64, max: i64): i64 {
  const v = jsonGet(req, key);
  if (v.bad) {
    c.error = c.error ? c.error : ERR_INVALID_INPUT;
    return dflt;
  }
  if (!v.found) return dflt;
  const n = jsonInt(v.raw, max);
  if (n < min) bad(c, key, "want an integer " + min.toString() + ".." + max.toString() + ", got " + v.raw);
  return n;
}

function readConfig(req: string): Config {
  const c = new Config();
  c.srcIp.set([192, 168, 1, 1]);
  c.dstIp.set([192, 168, 1, 2]);
  c.dstMac.fill(0xff);
  const dev = jsonGet(req, "device_mac_addr");
  if (dev.found) {
    const s = jsonString(dev.raw);
    const b = s !== null ? unbase64(s) : null;
    if (b !== null && b.length == 6) c.srcMac.set(changetype<Uint8Array>(b));
    else bad(c, "device_mac_addr", "not 6 bytes in base64");
  }
  textKey(c, req, "src_ip", "an IPv4 address", false, c.srcIp);
  textKey(c, req, "dst_ip", "an IPv4 address", false, c.dstIp);
  c.srcPort = <i32>intKey(c, req, "src_port", 1234, 0, 65535);
  c.dstPort = <i32>intKey(c, req, "dst_port", 5678, 0, 65535);
  c.payload = <i32>intKey(c, req, "payload_size", 1024, 0, 9174);
  textKey(c, req, "src_mac", "a MAC address", true, c.srcMac);
  textKey(c, req, "dst_mac", "a MAC address", true, c.dstMac);
  c.flows = <i32>intKey(c, req, "flows", 1, 1, 65536);
  c.count = intKey(c, req, "count", 0, 0, 999999999999999999);
  if (!c.error && c.srcPort + c.flows - 1 > 65535) bad(c, "flows", "src_port + flows - 1 is above 65535");
  return c;
}

// Ethernet, IPv4 (DF, TTL 64) and UDP headers with both checksums, payload byte i = i % 256.
function frame(c: Config): Uint8Array {
  const udpLen = 8 + c.payload;
  const f = new Uint8Array(34 + udpLen);
  f.set(c.dstMac, 0);
  f.set(c.srcMac, 6);
  f[12] = 0x08;
  const ipLen = 20 + udpLen;
  f.set([0x45, 0, <u8>(ipLen >> 8), <u8>ipLen, 0, 0, 0x40, 0, 64, 17, 0, 0], 14);
  f.set(c.srcIp, 26);
  f.set(c.dstIp, 30);
  const ipSum = csumFold(csumAdd(0, f, 14, 34));
  f[24] = <u8>(ipSum >> 8);
  f[25] = <u8>ipSum;
  f.set([<u8>(c.srcPort >> 8), <u8>c.srcPort, <u8>(c.dstPort >> 8), <u8>c.dstPort, <u8>(udpLen >> 8), <u8>udpLen], 34);
  for (let i = 0; i < c.payload; i++) f[42 + i] = <u8>i;
  const sum = csumAdd(csumAdd(0, f, 26, 34) + 17 + <u32>udpLen, f, 34, f.length);
  let udpSum = csumFold(sum);
  if (udpSum == 0) udpSum = 0xffff;
  f[40] = <u8>(udpSum >> 8);
  f[41] = <u8>udpSum;
  return f;
}

function response(c: Config): string {
  const f = frame(c);
  let r = '[{"template":{"base_packet":{"data":"' + base64(f) + '","length":' + f.length.toString() + "}";
  if (c.flows > 1) {
    r += ',"modifiers":[{"target":{"layer":"udp","field":"src_port"},"operation":{"type":"increment"},' +
      '"params":{"min":' + c.srcPort.toString() + ',"max":' + (c.srcPort + c.flows - 1).toString() + "}}]";
  }
  return r + ',"checksums":[{"layer":"ipv4","auto_update":true},{"layer":"udp","auto_update":true}]},' +
    '"metadata":{"packet_count":' + c.count.toString() + ',"tags":["udp","ipv4","assemblyscript"]}}]';
}

export function plugin_init(cfg: usize, len: i32): i32 {
  const text = inputText(cfg, len).trim();
  if (text.length == 0) return 0;
  return readConfig(text).error;
}

export function plugin_process(req: usize, len: i32, out: usize, cap: i32): i32 {
  const c = readConfig(inputText(req, len));
  if (c.error) return c.error;
  return output(response(c), out, cap);
}
