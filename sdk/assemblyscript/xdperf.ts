// xdperf helpers for generator plugins and protocol modules written in AssemblyScript (imported
// with `import { ... } from "../../sdk/assemblyscript/xdperf"`), built by asc with its default
// runtime (docs/plugin-languages.md has the recipe):
//
//     asc plugin.ts -o plugin.wasm --optimize
//
// The module's env.abort (a failed assert or a throw), env.trace and env.seed imports are the
// host's (src/plugin/host.c): an abort is one error line, `abort: MESSAGE at FILE:LINE:COLUMN`.
// What this file gives: malloc/free/alloc over the runtime's heap (heap.alloc, heap.free:
// blocks the garbage collector never moves or frees), log() (env.host_log, UTF-8), a small JSON
// reader for a request's top-level keys, base64, the Internet checksum, and the plugin ABI's
// error codes. A plugin re-exports what its ABI needs:
//
//     export { malloc, free } from "../../sdk/assemblyscript/xdperf";        (generator plugin)
//     export { alloc, free } from "../../sdk/assemblyscript/xdperf";         (protocol module)

@external("env", "host_log")
declare function host_log(level: i32, ptr: usize, len: i32): void;

export const DEBUG: i32 = 0;
export const INFO: i32 = 1;
export const WARN: i32 = 2;
export const ERROR: i32 = 3;

// The plugin ABI's error codes (sdk/xdperf_plugin.h).
export const ERR_INVALID_INPUT: i32 = -1;
export const ERR_INVALID_CONFIG: i32 = -2;
export const ERR_NOMEM: i32 = -3;
export const ERR_BUFFER_TOO_SMALL: i32 = -4;

// The host's allocator exports: raw blocks of the runtime's heap.
export function malloc(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}
export function alloc(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}
export function free(ptr: usize): void {
  if (ptr) heap.free(ptr);
}

// One log line to the host (`[plugin NAME] LEVEL: text`).
export function log(level: i32, text: string): void {
  const b = String.UTF8.encode(text);
  host_log(level, changetype<usize>(b), b.byteLength);
}

// The `len` bytes the host put at `ptr`, as text (requests and configurations are UTF-8 JSON).
export function inputText(ptr: usize, len: i32): string {
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}

// Writes `text` (UTF-8) into the host's output buffer: its length, or ERR_BUFFER_TOO_SMALL
// (the host asks again with a larger buffer).
export function output(text: string, out: usize, cap: i32): i32 {
  const b = String.UTF8.encode(text);
  if (b.byteLength > cap) return ERR_BUFFER_TOO_SMALL;
  memory.copy(out, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}

// Copies the len bytes at src (e.g. a Uint8Array's dataStart) into a block from alloc (the host
// frees it with free) and packs the answer of a protocol module's handle: (pointer << 32) | len.
export function answer(src: usize, len: i32): u64 {
  const p = alloc(<usize>len);
  memory.copy(p, src, <usize>len);
  return (<u64>p << 32) | <u64>len;
}

// ---- JSON: the top-level keys of an object ---------------------------------------------------

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

function skipSpace(s: string, i: i32): i32 {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

// Just past the closing quote of the string opening at i; -1 when unterminated.
function stringEnd(s: string, i: i32): i32 {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x5c) i++;
    else if (c == 0x22) return i + 1;
  }
  return -1;
}

// Just past the value starting at i; -1 when it is malformed.
function valueEnd(s: string, i: i32): i32 {
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i);
  if (c == 0x22) return stringEnd(s, i);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (i < s.length) {
      const d = s.charCodeAt(i);
      if (d == 0x22) {
        i = stringEnd(s, i);
        if (i < 0) return -1;
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        if (--depth == 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  let k = i;
  while (k < s.length) {
    const d = s.charCodeAt(k);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isSpace(d)) break;
    k++;
  }
  return k > i ? k : -1;
}

// A top-level key of a JSON object: `found` (absent and null are not), its raw text, and
// `bad` when the text is not an object.
export class JsonValue {
  found: bool = false;
  bad: bool = false;
  raw: string = "";
}

export function jsonGet(obj: string, key: string): JsonValue {
  const r = new JsonValue();
  let i = skipSpace(obj, 0);
  if (i >= obj.length || obj.charCodeAt(i) != 0x7b) {
    r.bad = true;
    return r;
  }
  i = skipSpace(obj, i + 1);
  if (i < obj.length && obj.charCodeAt(i) == 0x7d) return r;
  while (true) {
    if (i >= obj.length || obj.charCodeAt(i) != 0x22) break;
    const kend = stringEnd(obj, i);
    if (kend < 0) break;
    const name = obj.substring(i + 1, kend - 1);
    i = skipSpace(obj, kend);
    if (i >= obj.length || obj.charCodeAt(i) != 0x3a) break;
    i = skipSpace(obj, i + 1);
    const vend = valueEnd(obj, i);
    if (vend < 0) break;
    if (name == key) {
      const v = obj.substring(i, vend);
      r.found = v != "null";
      r.raw = r.found ? v : "";
      return r;
    }
    i = skipSpace(obj, vend);
    if (i < obj.length && obj.charCodeAt(i) == 0x2c) {
      i = skipSpace(obj, i + 1);
      continue;
    }
    if (i < obj.length && obj.charCodeAt(i) == 0x7d) return r;
    break;
  }
  r.bad = true;
  return r;
}

// A JSON string's text without its quotes (escapes \" \\ \/ decoded); null when `raw` is not a
// string or has another escape.
export function jsonString(raw: string): string | null {
  if (raw.length < 2 || raw.charCodeAt(0) != 0x22 || raw.charCodeAt(raw.length - 1) != 0x22) return null;
  let out = "";
  for (let i = 1; i < raw.length - 1; i++) {
    let c = raw.charCodeAt(i);
    if (c == 0x5c) {
      c = raw.charCodeAt(++i);
      if (c != 0x22 && c != 0x5c && c != 0x2f) return null;
    }
    out += String.fromCharCode(c);
  }
  return out;
}

// A JSON integer (digits only) no larger than max; -1 when it is not one.
export function jsonInt(raw: string, max: i64): i64 {
  if (raw.length == 0 || raw.length > 18) return -1;
  let v: i64 = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v <= max ? v : -1;
}

// ---- base64 and checksums --------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding.
export function base64(data: Uint8Array): string {
  const parts = new Array<string>();
  for (let i = 0; i < data.length; i += 3) {
    const n = (<u32>data[i] << 16) | (i + 1 < data.length ? <u32>data[i + 1] << 8 : 0) |
      (i + 2 < data.length ? <u32>data[i + 2] : 0);
    parts.push(B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63) +
      (i + 1 < data.length ? B64.charAt((n >> 6) & 63) : "=") + (i + 2 < data.length ? B64.charAt(n & 63) : "="));
  }
  return parts.join("");
}

// Decodes standard base64 (padding optional); null on a bad character.
export function unbase64(text: string): Uint8Array | null {
  const out = new Array<u8>();
  let acc: u32 = 0, bits: u32 = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) == 0x3d) break;
    const v = B64.indexOf(text.charAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push(<u8>(acc >> bits));
    }
  }
  const a = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) a[i] = out[i];
  return a;
}

// The ones' complement sum of data[from, to) (big-endian 16-bit words) added to sum, not folded.
export function csumAdd(sum: u32, data: Uint8Array, from: i32, to: i32): u32 {
  for (let i = from; i < to; i += 2) sum += (<u32>data[i] << 8) | (i + 1 < to ? <u32>data[i + 1] : 0);
  return sum;
}

// Folds a sum into the 16-bit Internet checksum (complemented).
export function csumFold(sum: u32): u16 {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return <u16>(~sum & 0xffff);
}
