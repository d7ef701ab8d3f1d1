// A generator plugin in AssemblyScript that fails on request (tests/cases/toolchains.sh), built
// by asc's default runtime like plugins/as/udp_as.ts: its configuration's "fault" is "abort"
// (plugin_process throws: env.abort), "hog" (plugin_process keeps a MiB more at a time until the
// memory cap stops the runtime's allocator: a trap) or absent (one 60-byte template of zeros).
import { ERR_INVALID_CONFIG, base64, inputText, jsonGet, jsonString, output } from "../../sdk/assemblyscript/xdperf";
export { malloc, free } from "../../sdk/assemblyscript/xdperf";

let fault = "";
const held = new Array<Uint8Array>();

export function plugin_init(cfg: usize, len: i32): i32 {
  const v = jsonGet(inputText(cfg, len), "fault");
  if (!v.found) return 0;
  const s = jsonString(v.raw);
  if (s === null || (s != "abort" && s != "hog")) return ERR_INVALID_CONFIG;
  fault = s;
  return 0;
}

export function plugin_process(req: usize, len: i32, out: usize, cap: i32): i32 {
  if (fault == "abort") throw new Error("no template for " + len.toString() + " request bytes");
  if (fault == "hog") {
    while (true) held.push(new Uint8Array(1 << 20));
  }
  const t = '[{"template":{"base_packet":{"data":"' + base64(new Uint8Array(60)) + '","length":60}},' +
    '"metadata":{"packet_count":1}}]';
  return output(t, out, cap);
}
