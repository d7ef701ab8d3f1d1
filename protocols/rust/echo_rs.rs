//! echo_rs: a protocol module in Rust (docs/protocol-modules.md): answers every message with the
//! message itself, copied into a buffer of its own (the host frees it with the exported `free`).
//! Built by `make plugins-extra` with Debian's rustc, no crates:
//!
//!     rustc --target wasm32-wasi --crate-type cdylib -O -C strip=debuginfo \
//!       -C link-arg=--export=free echo_rs.rs -o echo_rs.wasm
//!
//! ABI: alloc(size) -> ptr (wasi-libc's malloc, the heap Rust's own allocator uses), free(ptr)
//! (wasi-libc's, exported by the link argument), handle(ptr, len) -> (outPtr << 32) | outLen.
//! A message starting with "panic" panics: the call fails with one line naming the panic, and the
//! next message is answered as usual.
#[macro_use]
#[path = "../../sdk/rust/xdperf.rs"]
mod xdperf;

extern "C" {
    fn malloc(n: usize) -> *mut u8;
}

#[no_mangle]
pub extern "C" fn alloc(size: usize) -> *mut u8 {
    unsafe { malloc(if size == 0 { 1 } else { size }) }
}

#[no_mangle]
pub extern "C" fn handle(ptr: *const u8, len: usize) -> u64 {
    let msg = unsafe { xdperf::input(ptr, len) };
    if msg.starts_with(b"panic") {
        panic!("echo_rs was asked to panic ({} bytes)", msg.len());
    }
    let (out, n) = xdperf::answer(msg);
    if out.is_null() {
        panic!("echo_rs: out of memory for a {}-byte answer", n);
    }
    (out as u64) << 32 | n as u64
}
