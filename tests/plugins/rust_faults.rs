//! A generator plugin in Rust that fails on request (tests/cases/toolchains.sh): its
//! configuration's "fault" is "panic" (plugin_process panics), "hog" (plugin_process grows a
//! Vec a MiB at a time until the memory cap stops it: Rust's allocation failure) or absent
//! (one 60-byte template of zeros). Built with sdk/rust/xdperf.rs like plugins/rust/udp_rs.rs.
#[macro_use]
#[path = "../../sdk/rust/xdperf.rs"]
mod xdperf;

static mut FAULT: u8 = 0;

#[no_mangle]
pub extern "C" fn plugin_init(cfg: *const u8, len: usize) -> i32 {
    let cfg = unsafe { xdperf::input(cfg, len) };
    let fault = match xdperf::json_get(cfg, "fault") {
        Ok(Some(v)) => xdperf::json_string(v).unwrap_or_default(),
        Ok(None) => String::new(),
        Err(()) if cfg.is_empty() => String::new(),
        Err(()) => return xdperf::ERR_INVALID_INPUT,
    };
    unsafe {
        FAULT = match fault.as_str() {
            "" => 0,
            "panic" => 1,
            "hog" => 2,
            _ => return xdperf::ERR_INVALID_CONFIG,
        }
    };
    0
}

#[no_mangle]
pub extern "C" fn plugin_process(_req: *const u8, _len: usize, out: *mut u8, cap: usize) -> i32 {
    match unsafe { FAULT } {
        1 => {
            let v: Vec<u32> = vec![1, 2, 3];
            let i = v.len() + 2;
            panic!("index {} is past the {} flows", i, v.len());
        }
        2 => {
            let mut hog: Vec<Vec<u8>> = Vec::new();
            loop {
                hog.push(vec![7u8; 1 << 20]);
                xdperf::log(xdperf::DEBUG, &format!("holding {} MiB", hog.len()));
            }
        }
        _ => {
            let t = format!(
                r#"[{{"template":{{"base_packet":{{"data":"{}","length":60}}}},"metadata":{{"packet_count":1}}}}]"#,
                xdperf::base64(&[0u8; 60])
            );
            unsafe { xdperf::output(t.as_bytes(), out, cap) }
        }
    }
}
