// An AssemblyScript module built with `asc --enable simd` by tests/cases/engine_simd_toolchains.sh:
// simd() computes with v128 instructions what scalar() computes lane by lane; both exported.

const N: i32 = 4096;
const buf = memory.data(N);

function fill(): void {
  let x: u32 = 777;
  for (let i = 0; i < N; i++) {
    x = x * 1664525 + 1013904223;
    store<u8>(buf + i, <u8>(x >> 24));
  }
}

// byte sum plus a saturating-add checksum and an i16 dot product
export function simd(): i32 {
  fill();
  let acc = i32x4.splat(0);
  let sat = i8x16.splat(0);
  let dot = i32x4.splat(0);
  for (let i = 0; i < N; i += 16) {
    const v = v128.load(buf + i);
    const w = i16x8.extend_low_i8x16_u(v);
    const z = i16x8.extend_high_i8x16_u(v);
    acc = i32x4.add(acc, i32x4.extend_low_i16x8_u(i16x8.add(w, z)));
    acc = i32x4.add(acc, i32x4.extend_high_i16x8_u(i16x8.add(w, z)));
    sat = i8x16.add_sat_u(sat, v);
    dot = i32x4.add(dot, i32x4.dot_i16x8_s(w, z));
  }
  let r = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) +
          i32x4.extract_lane(acc, 3);
  r = r * 31 + i8x16.extract_lane_u(sat, 0) + i8x16.extract_lane_u(sat, 15);
  r = r * 31 + i32x4.extract_lane(dot, 0) + i32x4.extract_lane(dot, 3);
  return r;
}

export function scalar(): i32 {
  fill();
  let sum: i32 = 0;
  const sat = new StaticArray<i32>(16);
  const dot = new StaticArray<i32>(4);
  for (let i = 0; i < N; i += 16) {
    for (let l = 0; l < 16; l++) {
      const b = <i32>load<u8>(buf + i + l);
      sum += b;
      const s = sat[l] + b;
      sat[l] = s > 255 ? 255 : s;
    }
    for (let l = 0; l < 4; l++) {
      // w lanes are bytes 0..7, z lanes bytes 8..15 (u8 widened to i16)
      const w0 = <i32>load<u8>(buf + i + 2 * l), w1 = <i32>load<u8>(buf + i + 2 * l + 1);
      const z0 = <i32>load<u8>(buf + i + 8 + 2 * l), z1 = <i32>load<u8>(buf + i + 8 + 2 * l + 1);
      dot[l] += w0 * z0 + w1 * z1;
    }
  }
  let r = sum;
  r = r * 31 + sat[0] + sat[15];
  r = r * 31 + dot[0] + dot[3];
  return r;
}
