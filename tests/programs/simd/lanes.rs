// A Rust program built twice by tests/cases/engine_simd_toolchains.sh: natively (scalar code)
// and for wasm32 with -C target-feature=+simd128, where the same computations go through
// core::arch::wasm32 SIMD intrinsics. Both builds must print the same lines.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod k {
    use core::arch::wasm32::*;
    // sum of bytes, 16 at a time: widen u8 -> u16 -> u32 lanes
    pub fn byte_sum(b: &[u8]) -> u32 {
        let mut acc = u32x4_splat(0);
        let mut i = 0;
        while i + 16 <= b.len() {
            let v = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
            let lo = u16x8_extend_low_u8x16(v);
            let hi = u16x8_extend_high_u8x16(v);
            let s = u16x8_add(lo, hi);
            acc = i32x4_add(acc, u32x4_extend_low_u16x8(s));
            acc = i32x4_add(acc, u32x4_extend_high_u16x8(s));
            i += 16;
        }
        let mut t = u32x4_extract_lane::<0>(acc)
            .wrapping_add(u32x4_extract_lane::<1>(acc))
            .wrapping_add(u32x4_extract_lane::<2>(acc))
            .wrapping_add(u32x4_extract_lane::<3>(acc));
        while i < b.len() {
            t = t.wrapping_add(b[i] as u32);
            i += 1;
        }
        t
    }
    // saturating add of two byte arrays, and the result's max byte
    pub fn sat_add_max(a: &[u8], b: &[u8], out: &mut [u8]) -> u8 {
        let mut m = u8x16_splat(0);
        for i in (0..a.len()).step_by(16) {
            let va = unsafe { v128_load(a.as_ptr().add(i) as *const v128) };
            let vb = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
            let s = u8x16_add_sat(va, vb);
            unsafe { v128_store(out.as_mut_ptr().add(i) as *mut v128, s) };
            m = u8x16_max(m, s);
        }
        let mut r = 0u8;
        for l in 0..16 {
            let x = match l { 0 => u8x16_extract_lane::<0>(m), 1 => u8x16_extract_lane::<1>(m),
                2 => u8x16_extract_lane::<2>(m), 3 => u8x16_extract_lane::<3>(m), 4 => u8x16_extract_lane::<4>(m),
                5 => u8x16_extract_lane::<5>(m), 6 => u8x16_extract_lane::<6>(m), 7 => u8x16_extract_lane::<7>(m),
                8 => u8x16_extract_lane::<8>(m), 9 => u8x16_extract_lane::<9>(m), 10 => u8x16_extract_lane::<10>(m),
                11 => u8x16_extract_lane::<11>(m), 12 => u8x16_extract_lane::<12>(m), 13 => u8x16_extract_lane::<13>(m),
                14 => u8x16_extract_lane::<14>(m), _ => u8x16_extract_lane::<15>(m) };
            if x > r { r = x; }
        }
        r
    }
    // f32 dot product, 4 lanes at a time (lane order of the sum fixed: same result natively)
    pub fn dot(a: &[f32], b: &[f32]) -> [f32; 4] {
        let mut acc = f32x4_splat(0.0);
        for i in (0..a.len()).step_by(4) {
            let va = unsafe { v128_load(a.as_ptr().add(i) as *const v128) };
            let vb = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
            acc = f32x4_add(acc, f32x4_mul(va, vb));
        }
        [f32x4_extract_lane::<0>(acc), f32x4_extract_lane::<1>(acc), f32x4_extract_lane::<2>(acc),
         f32x4_extract_lane::<3>(acc)]
    }
    // byte shuffle: reverse each 16-byte block
    pub fn reverse16(a: &mut [u8]) {
        for i in (0..a.len()).step_by(16) {
            let v = unsafe { v128_load(a.as_ptr().add(i) as *const v128) };
            let r = i8x16_shuffle::<15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0>(v, v);
            unsafe { v128_store(a.as_mut_ptr().add(i) as *mut v128, r) };
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod k {
    pub fn byte_sum(b: &[u8]) -> u32 {
        b.iter().fold(0u32, |t, &x| t.wrapping_add(x as u32))
    }
    pub fn sat_add_max(a: &[u8], b: &[u8], out: &mut [u8]) -> u8 {
        let mut r = 0;
        for i in 0..a.len() {
            out[i] = a[i].saturating_add(b[i]);
            if out[i] > r { r = out[i]; }
        }
        r
    }
    pub fn dot(a: &[f32], b: &[f32]) -> [f32; 4] {
        let mut acc = [0f32; 4];
        for i in (0..a.len()).step_by(4) {
            for l in 0..4 { acc[l] = acc[l] + a[i + l] * b[i + l]; }
        }
        acc
    }
    pub fn reverse16(a: &mut [u8]) {
        for c in a.chunks_mut(16) { c.reverse(); }
    }
}

fn main() {
    let mut x: u32 = 12345;
    let mut next = || { x = x.wrapping_mul(1664525).wrapping_add(1013904223); x };
    let a: Vec<u8> = (0..4096).map(|_| (next() >> 24) as u8).collect();
    let b: Vec<u8> = (0..4096).map(|_| (next() >> 24) as u8).collect();
    println!("byte_sum {}", k::byte_sum(&a));
    let mut out = vec![0u8; 4096];
    let m = k::sat_add_max(&a, &b, &mut out);
    println!("sat_add max {} sum {}", m, k::byte_sum(&out));
    let fa: Vec<f32> = (0..1024).map(|_| (next() >> 8) as f32 / 16777216.0).collect();
    let fb: Vec<f32> = (0..1024).map(|_| (next() >> 8) as f32 / 16777216.0 - 0.5).collect();
    let d = k::dot(&fa, &fb);
    println!("dot {:08x} {:08x} {:08x} {:08x}", d[0].to_bits(), d[1].to_bits(), d[2].to_bits(), d[3].to_bits());
    let mut r = a.clone();
    k::reverse16(&mut r);
    println!("reverse16 {} {} {}", r[0], r[15], k::byte_sum(&r[..100]));
}
