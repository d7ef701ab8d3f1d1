//! udp_rs: a generator plugin in Rust (the plugin guide's ABI, docs/plugins.md): one IPv4/UDP
//! template, the frame simpleudp builds for the same keys (plugins/simpleudp.c), and `flows`
//! source ports walked by the host's field engine (an increment modifier; the IPv4 and UDP
//! checksums kept up to date). Built by `make plugins-extra` with Debian's rustc, no crates:
//!
//!     rustc --target wasm32-wasi --crate-type cdylib -O -C strip=debuginfo \
//!       -C link-arg=--export=malloc -C link-arg=--export=free udp_rs.rs -o udp_rs.wasm
//!
//! Keys (defaults): src_ip "192.168.1.1", dst_ip "192.168.1.2", src_port 1234, dst_port 5678,
//! payload_size 1024 (byte i = i % 256), src_mac (the device's), dst_mac ff:ff:ff:ff:ff:ff,
//! flows 1 (1..65536). metadata.packet_count is the request's count.
#[macro_use]
#[path = "../../sdk/rust/xdperf.rs"]
mod xdperf;

use std::fmt::Write as _;
use xdperf::{json_get, json_string, json_u64, ERR_INVALID_CONFIG, ERR_INVALID_INPUT};

config_section!(
    r#"{"description": "one IPv4/UDP template (Rust), source ports walked over flows",
 "keys": {
  "src_ip": {"type": "ipv4", "default": "192.168.1.1", "description": "source address"},
  "dst_ip": {"type": "ipv4", "default": "192.168.1.2", "description": "destination address"},
  "src_port": {"type": "integer", "default": 1234, "min": 0, "max": 65535, "description": "UDP source port (the first one)"},
  "dst_port": {"type": "integer", "default": 5678, "min": 0, "max": 65535, "description": "UDP destination port"},
  "payload_size": {"type": "integer", "default": 1024, "min": 0, "max": 9174, "description": "UDP payload bytes (byte i = i % 256)"},
  "src_mac": {"type": "mac", "description": "source MAC (default: the device's)"},
  "dst_mac": {"type": "mac", "default": "ff:ff:ff:ff:ff:ff", "description": "destination MAC"},
  "flows": {"type": "integer", "default": 1, "min": 1, "max": 65536, "description": "source ports src_port, src_port+1, ... walked per packet"},
  "*": false}}"#
);

struct Config {
    src_ip: [u8; 4],
    dst_ip: [u8; 4],
    src_port: u16,
    dst_port: u16,
    payload: usize,
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    flows: u32,
    count: u64,
}

fn bad(key: &str, why: &str) -> i32 {
    xdperf::log(xdperf::ERROR, &format!("udp_rs: {}: {}", key, why));
    ERR_INVALID_CONFIG
}

fn ipv4(text: &str) -> Option<[u8; 4]> {
    let mut a = [0u8; 4];
    let mut parts = text.split('.');
    for b in a.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *b = p.parse().ok()?;
    }
    parts.next().is_none().then(|| a)
}

fn mac(text: &str) -> Option<[u8; 6]> {
    let mut a = [0u8; 6];
    let mut parts = text.split(':');
    for b in a.iter_mut() {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then(|| a)
}

/* A string key: Ok(None) when absent, else parsed by f. */
fn text_key<T>(req: &[u8], key: &str, what: &str, f: fn(&str) -> Option<T>) -> Result<Option<T>, i32> {
    match json_get(req, key).map_err(|_| ERR_INVALID_INPUT)? {
        None => Ok(None),
        Some(v) => match json_string(v).as_deref().and_then(f) {
            Some(x) => Ok(Some(x)),
            None => Err(bad(key, &format!("not {}: {}", what, String::from_utf8_lossy(v)))),
        },
    }
}

fn int_key(req: &[u8], key: &str, default: u64, min: u64, max: u64) -> Result<u64, i32> {
    match json_get(req, key).map_err(|_| ERR_INVALID_INPUT)? {
        None => Ok(default),
        Some(v) => match json_u64(v) {
            Some(n) if n >= min && n <= max => Ok(n),
            _ => Err(bad(key, &format!("want an integer {}..{}, got {}", min, max, String::from_utf8_lossy(v)))),
        },
    }
}

fn read_config(req: &[u8]) -> Result<Config, i32> {
    let device_mac = match json_get(req, "device_mac_addr").map_err(|_| ERR_INVALID_INPUT)? {
        Some(v) => json_string(v)
            .and_then(|s| xdperf::unbase64(&s))
            .and_then(|b| <[u8; 6]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad("device_mac_addr", "not 6 bytes in base64"))?,
        None => [0; 6],
    };
    Ok(Config {
        src_ip: text_key(req, "src_ip", "an IPv4 address", ipv4)?.unwrap_or([192, 168, 1, 1]),
        dst_ip: text_key(req, "dst_ip", "an IPv4 address", ipv4)?.unwrap_or([192, 168, 1, 2]),
        src_port: int_key(req, "src_port", 1234, 0, 65535)? as u16,
        dst_port: int_key(req, "dst_port", 5678, 0, 65535)? as u16,
        payload: int_key(req, "payload_size", 1024, 0, 9174)? as usize,
        src_mac: text_key(req, "src_mac", "a MAC address", mac)?.unwrap_or(device_mac),
        dst_mac: text_key(req, "dst_mac", "a MAC address", mac)?.unwrap_or([0xff; 6]),
        flows: int_key(req, "flows", 1, 1, 65536)? as u32,
        count: int_key(req, "count", 0, 0, i64::MAX as u64)?,
    })
}

/* Ethernet, IPv4 (DF, TTL 64) and UDP headers with both checksums, payload byte i = i % 256. */
fn frame(c: &Config) -> Vec<u8> {
    let udp_len = 8 + c.payload;
    let mut f = Vec::with_capacity(14 + 20 + udp_len);
    f.extend_from_slice(&c.dst_mac);
    f.extend_from_slice(&c.src_mac);
    f.extend_from_slice(&[0x08, 0x00]);
    let ip_len = (20 + udp_len) as u16;
    f.extend_from_slice(&[0x45, 0, (ip_len >> 8) as u8, ip_len as u8, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&c.src_ip);
    f.extend_from_slice(&c.dst_ip);
    let ip_csum = xdperf::csum_fold(xdperf::csum_add(0, &f[14..34]));
    f[24..26].copy_from_slice(&ip_csum.to_be_bytes());
    f.extend_from_slice(&c.src_port.to_be_bytes());
    f.extend_from_slice(&c.dst_port.to_be_bytes());
    f.extend_from_slice(&(udp_len as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend((0..c.payload).map(|i| i as u8));
    let mut sum = xdperf::csum_add(0, &f[26..34]);
    sum = xdperf::csum_add(sum, &[0, 17]);
    sum = xdperf::csum_add(sum, &(udp_len as u16).to_be_bytes());
    let udp_csum = match xdperf::csum_fold(xdperf::csum_add(sum, &f[34..])) {
        0 => 0xffff,
        x => x,
    };
    f[40..42].copy_from_slice(&udp_csum.to_be_bytes());
    f
}

fn response(c: &Config) -> String {
    let f = frame(c);
    let mut r = String::with_capacity(f.len() * 4 / 3 + 400);
    let _ = write!(r, r#"[{{"template":{{"base_packet":{{"data":"{}","length":{}}}"#, xdperf::base64(&f), f.len());
    if c.flows > 1 {
        let last = c.src_port as u32 + c.flows - 1;
        let _ = write!(
            r,
            r#","modifiers":[{{"target":{{"layer":"udp","field":"src_port"}},"operation":{{"type":"increment"}},"params":{{"min":{},"max":{}}}}}]"#,
            c.src_port,
            last.min(65535)
        );
    }
    let _ = write!(
        r,
        r#","checksums":[{{"layer":"ipv4","auto_update":true}},{{"layer":"udp","auto_update":true}}]}},"metadata":{{"packet_count":{},"tags":["udp","ipv4","rust"]}}}}]"#,
        c.count
    );
    r
}

#[no_mangle]
pub extern "C" fn plugin_init(cfg: *const u8, len: usize) -> i32 {
    let cfg = unsafe { xdperf::input(cfg, len) };
    if cfg.iter().all(|c| c.is_ascii_whitespace()) {
        return 0;
    }
    match read_config(cfg) {
        Ok(c) if c.src_port as u32 + c.flows - 1 > 65535 => bad("flows", "src_port + flows - 1 is above 65535"),
        Ok(_) => 0,
        Err(rc) => rc,
    }
}

#[no_mangle]
pub extern "C" fn plugin_process(req: *const u8, len: usize, out: *mut u8, cap: usize) -> i32 {
    let req = unsafe { xdperf::input(req, len) };
    match read_config(req) {
        Ok(c) => unsafe { xdperf::output(response(&c).as_bytes(), out, cap) },
        Err(rc) => rc,
    }
}
