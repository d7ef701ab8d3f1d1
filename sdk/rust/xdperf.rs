//! xdperf helpers for generator plugins and protocol modules written in Rust: one source file, no
//! crates, included by the plugin with `#[path = ".../sdk/rust/xdperf.rs"] mod xdperf;` and built
//! by plain rustc (docs/plugin-languages.md has the recipe):
//!
//!     rustc --target wasm32-wasi --crate-type cdylib -O -C strip=debuginfo \
//!       -C link-arg=--export=malloc -C link-arg=--export=free plugin.rs -o plugin.wasm
//!
//! (`wasm32-wasip1` on Rust 1.78 and later.) What it gives:
//!  - `_initialize`, the reactor start the host calls once: the C runtime's constructors, then a
//!    panic hook that turns a panic into the host's `env.abort` trap, so a panic is one error
//!    line (`trap in plugin_process: abort: panicked: MESSAGE at FILE:LINE:COLUMN`) instead of
//!    Rust's several stderr lines and a bare `unreachable`;
//!  - `malloc`/`free`: not defined here. They are wasi-libc's, which Rust's own allocator
//!    (`std::alloc::System`) uses on WASI, exported with `--export=malloc --export=free`: the
//!    host's buffers and Rust's `Vec`s come from one heap. `answer()` copies bytes into such a
//!    buffer for the host to free;
//!  - `log()` (env.host_log), `input()` (a host buffer as a slice), a small JSON reader for a
//!    request's top-level keys, base64, the Internet checksum, and `config_section!` for the
//!    declared configuration (docs/plugin-config.md).
#![allow(dead_code)]

use std::fmt::Write as _;

#[link(wasm_import_module = "env")]
extern "C" {
    #[link_name = "host_log"]
    fn env_host_log(level: i32, ptr: *const u8, len: i32);
    /* AssemblyScript's abort(message, file, line, column): the host traps the call with
     * "abort: MESSAGE at FILE:LINE:COLUMN" (strings: UTF-16LE, byte length in the 4 bytes before) */
    #[link_name = "abort"]
    fn env_abort(msg: *const u8, file: *const u8, line: u32, col: u32) -> !;
}

extern "C" {
    fn __wasm_call_ctors();
    fn malloc(n: usize) -> *mut u8;
}

pub const DEBUG: i32 = 0;
pub const INFO: i32 = 1;
pub const WARN: i32 = 2;
pub const ERROR: i32 = 3;

/// The plugin ABI's error codes (sdk/xdperf_plugin.h).
pub const ERR_INVALID_INPUT: i32 = -1;
pub const ERR_INVALID_CONFIG: i32 = -2;
pub const ERR_NOMEM: i32 = -3;
pub const ERR_BUFFER_TOO_SMALL: i32 = -4;

/// One log line to the host (`[plugin NAME] LEVEL: text`).
pub fn log(level: i32, text: &str) {
    unsafe { env_host_log(level, text.as_ptr(), text.len() as i32) }
}

/// The reactor start: wasi-libc's constructors (what crt1-reactor.o's `_initialize` does; with
/// it exported, the linker does not wrap every export in a constructor call), then the panic
/// hook.
#[no_mangle]
pub extern "C" fn _initialize() {
    unsafe { __wasm_call_ctors() };
    std::panic::set_hook(Box::new(|info| on_panic(info.payload(), info.location())));
}

/* The panic text and file name as AssemblyScript strings, in static memory: a panic may come
 * from an allocation failure, so the hook allocates nothing. */
#[repr(C, align(4))]
struct AsString {
    len: u32,
    units: [u16; 256],
}
static mut PANIC_MSG: AsString = AsString { len: 0, units: [0; 256] };
static mut PANIC_FILE: AsString = AsString { len: 0, units: [0; 256] };

struct Utf16<'a>(&'a mut AsString);
impl std::fmt::Write for Utf16<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for u in s.encode_utf16() {
            let n = (self.0.len / 2) as usize;
            if n == self.0.units.len() {
                return Err(std::fmt::Error);
            }
            self.0.units[n] = u;
            self.0.len += 2;
        }
        Ok(())
    }
}

/* (takes the hook argument's parts: its type is PanicInfo before Rust 1.81, PanicHookInfo after) */
fn on_panic(payload: &(dyn std::any::Any + Send), location: Option<&std::panic::Location>) {
    let (msg, file) = unsafe { (&mut *std::ptr::addr_of_mut!(PANIC_MSG), &mut *std::ptr::addr_of_mut!(PANIC_FILE)) };
    msg.len = 0;
    file.len = 0;
    let mut w = Utf16(msg);
    let _ = w.write_str("panicked: ");
    let _ = match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => w.write_str(s),
        (_, Some(s)) => w.write_str(s),
        _ => w.write_str("(a payload that is no string)"),
    };
    let (line, col) = match location {
        Some(l) => {
            let _ = Utf16(file).write_str(l.file());
            (l.line(), l.column())
        }
        None => (0, 0),
    };
    unsafe { env_abort(msg.units.as_ptr() as *const u8, file.units.as_ptr() as *const u8, line, col) }
}

/// The `len` bytes the host put at `ptr` (its request, configuration or message).
///
/// # Safety
/// `ptr` and `len` must be what the host passed to the export.
pub unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

/// Copies `data` into a buffer from `malloc` (the host frees it with the exported `free`):
/// (pointer, length), or a null pointer when out of memory.
pub fn answer(data: &[u8]) -> (*mut u8, usize) {
    let p = unsafe { malloc(if data.is_empty() { 1 } else { data.len() }) };
    if !p.is_null() {
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
    }
    (p, data.len())
}

/// Writes `text` into the host's output buffer: its length, or ERR_BUFFER_TOO_SMALL (the host
/// asks again with a larger buffer).
///
/// # Safety
/// `out` and `cap` must be the output buffer the host passed.
pub unsafe fn output(text: &[u8], out: *mut u8, cap: usize) -> i32 {
    if text.len() > cap || text.len() > i32::MAX as usize {
        return ERR_BUFFER_TOO_SMALL;
    }
    std::ptr::copy_nonoverlapping(text.as_ptr(), out, text.len());
    text.len() as i32
}

/// Declares the plugin's configuration: a custom section "xdperf.config" holding the JSON
/// text (docs/plugin-config.md), read by `xdperf plugin list` and checked before plugin_init.
#[macro_export]
macro_rules! config_section {
    ($json:expr) => {
        const XDPERF_CONFIG_TEXT: &str = $json;
        #[link_section = "xdperf.config"]
        #[used]
        static XDPERF_CONFIG: [u8; XDPERF_CONFIG_TEXT.len()] =
            $crate::xdperf::bytes_of::<{ XDPERF_CONFIG_TEXT.len() }>(XDPERF_CONFIG_TEXT);
    };
}

/// A string's bytes as an array (for `config_section!`).
pub const fn bytes_of<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut a = [0u8; N];
    let mut i = 0;
    while i < N {
        a[i] = b[i];
        i += 1;
    }
    a
}

/* ---- JSON: the top-level keys of an object ------------------------------------------------ */

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/* The end of the string whose opening quote is at i (just past its closing quote). */
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < s.len() {
        match s[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/* The end of the value starting at i. */
fn value_end(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' => string_end(s, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut k = i;
            while k < s.len() {
                match s[k] {
                    b'"' => {
                        k = string_end(s, k)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(k + 1);
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            None
        }
        _ => {
            let mut k = i;
            while k < s.len() && !matches!(s[k], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                k += 1;
            }
            if k == i {
                None
            } else {
                Some(k)
            }
        }
    }
}

/// The raw text of top-level key `key` of the JSON object `obj`: Ok(None) when absent or
/// null, Err(()) when `obj` is not an object.
pub fn json_get<'a>(obj: &'a [u8], key: &str) -> Result<Option<&'a [u8]>, ()> {
    let mut i = skip_ws(obj, 0);
    if obj.get(i) != Some(&b'{') {
        return Err(());
    }
    i = skip_ws(obj, i + 1);
    if obj.get(i) == Some(&b'}') {
        return Ok(None);
    }
    loop {
        if obj.get(i) != Some(&b'"') {
            return Err(());
        }
        let kend = string_end(obj, i).ok_or(())?;
        let name = &obj[i + 1..kend - 1];
        i = skip_ws(obj, kend);
        if obj.get(i) != Some(&b':') {
            return Err(());
        }
        i = skip_ws(obj, i + 1);
        let vend = value_end(obj, i).ok_or(())?;
        if name == key.as_bytes() {
            let v = &obj[i..vend];
            return Ok(if v == b"null" { None } else { Some(v) });
        }
        i = skip_ws(obj, vend);
        match obj.get(i) {
            Some(b',') => i = skip_ws(obj, i + 1),
            Some(b'}') => return Ok(None),
            _ => return Err(()),
        }
    }
}

/// A JSON string value's text (escapes \" \\ \/ \n \t decoded; others refused).
pub fn json_string(v: &[u8]) -> Option<String> {
    if v.len() < 2 || v[0] != b'"' || v[v.len() - 1] != b'"' {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 1;
    while i < v.len() - 1 {
        if v[i] == b'\\' {
            out.push(match v.get(i + 1)? {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'n' => b'\n',
                b't' => b'\t',
                _ => return None,
            });
            i += 2;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A JSON integer value (digits only) as u64.
pub fn json_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() || !v.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Appends `s` to `out` as a JSON string.
pub fn json_put_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/* ---- base64 and checksums -------------------------------------------------------------------- */

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut s = String::with_capacity((data.len() + 2) / 3 * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Decodes standard base64 (padding optional); None on a bad character.
pub fn unbase64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.as_bytes() {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The ones' complement sum of `data` (big-endian 16-bit words) added to `sum`, not folded.
pub fn csum_add(mut sum: u32, data: &[u8]) -> u32 {
    for w in data.chunks(2) {
        sum += (w[0] as u32) << 8 | *w.get(1).unwrap_or(&0) as u32;
    }
    sum
}

/// Folds a sum into the 16-bit Internet checksum (complemented).
pub fn csum_fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
