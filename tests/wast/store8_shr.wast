;; i32.store8 of a value an i32.shr_u by a constant just computed is one instruction
;; (src/wasm/compile.c: op_store, STORE8_SHR[_A|_AI]): each address form (a slot; slot + slot;
;; slot + constant), shift counts 0, 8, 24, 31 and 40 (masked to 8), the offset, bounds (the
;; byte just past memory traps, the last one is stored), the address wrapping at 2^32 before the
;; offset, and the forms that must not fuse (signed shift, a shift kept, i64.store8).
(module
  (memory 1)
  (func (export "plain") (param $a i32) (param $x i32) (result i32)
    (i32.store8 offset=3 (local.get $a) (i32.shr_u (local.get $x) (i32.const 8)))
    (i32.load8_u offset=3 (local.get $a)))
  (func (export "sum") (param $a i32) (param $b i32) (param $x i32) (result i32)
    (i32.store8 (i32.add (local.get $a) (local.get $b)) (i32.shr_u (local.get $x) (i32.const 24)))
    (i32.load8_u (i32.add (local.get $a) (local.get $b))))
  (func (export "imm") (param $a i32) (param $x i32) (param $k i32) (result i32)
    (block
      (br_if 0 (i32.ne (local.get $k) (i32.const 0)))
      (i32.store8 offset=1 (i32.add (local.get $a) (i32.const 9)) (i32.shr_u (local.get $x) (i32.const 0)))
      (return (i32.load8_u offset=1 (i32.add (local.get $a) (i32.const 9)))))
    (block
      (br_if 0 (i32.ne (local.get $k) (i32.const 31)))
      (i32.store8 offset=1 (i32.add (local.get $a) (i32.const 9)) (i32.shr_u (local.get $x) (i32.const 31)))
      (return (i32.load8_u offset=1 (i32.add (local.get $a) (i32.const 9)))))
    (i32.store8 offset=1 (i32.add (local.get $a) (i32.const 9)) (i32.shr_u (local.get $x) (i32.const 40)))
    (i32.load8_u offset=1 (i32.add (local.get $a) (i32.const 9))))
  ;; a big-endian 32-bit write, byte by byte, as payload generators do
  (func (export "be32") (param $a i32) (param $x i32) (result i32)
    (i32.store8 (local.get $a) (i32.shr_u (local.get $x) (i32.const 24)))
    (i32.store8 offset=1 (local.get $a) (i32.shr_u (local.get $x) (i32.const 16)))
    (i32.store8 offset=2 (local.get $a) (i32.shr_u (local.get $x) (i32.const 8)))
    (i32.store8 offset=3 (local.get $a) (local.get $x))
    (i32.load (local.get $a)))
  ;; signed shift: stays two instructions
  (func (export "signed") (param $a i32) (param $x i32) (result i32)
    (i32.store8 (local.get $a) (i32.shr_s (local.get $x) (i32.const 4)))
    (i32.load8_u (local.get $a)))
  ;; the shifted value kept in a local and stored twice
  (func (export "kept") (param $a i32) (param $x i32) (result i32) (local $s i32)
    (local.set $s (i32.shr_u (local.get $x) (i32.const 4)))
    (i32.store8 (local.get $a) (local.get $s))
    (i32.store8 offset=1 (local.get $a) (local.get $s))
    (i32.load16_u (local.get $a)))
  ;; i64.store8 of an i64 shift: not fused
  (func (export "i64") (param $a i32) (param $x i64) (result i32)
    (i64.store8 (local.get $a) (i64.shr_u (local.get $x) (i64.const 40)))
    (i32.load8_u (local.get $a)))
)
(assert_return (invoke "plain" (i32.const 100) (i32.const 0x12345678)) (i32.const 0x56))
(assert_return (invoke "plain" (i32.const 65532) (i32.const 0xab00)) (i32.const 0xab))
(assert_trap (invoke "plain" (i32.const 65533) (i32.const 0xab00)) "out of bounds memory access")
(assert_trap (invoke "plain" (i32.const -3) (i32.const 0xab00)) "out of bounds memory access")
(assert_return (invoke "sum" (i32.const 200) (i32.const 5) (i32.const 0xfe345678)) (i32.const 0xfe))
(assert_return (invoke "sum" (i32.const -1) (i32.const 65536) (i32.const 0xc0000000)) (i32.const 0xc0))
(assert_trap (invoke "sum" (i32.const 65535) (i32.const 1) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "imm" (i32.const 300) (i32.const 0x1ff) (i32.const 0)) (i32.const 0xff))
(assert_return (invoke "imm" (i32.const 300) (i32.const 0x80000000) (i32.const 31)) (i32.const 1))
(assert_return (invoke "imm" (i32.const 300) (i32.const 0x12345678) (i32.const 40)) (i32.const 0x56))
(assert_return (invoke "imm" (i32.const -9) (i32.const 0x1ff) (i32.const 0)) (i32.const 0xff))
(assert_trap (invoke "imm" (i32.const -10) (i32.const 0x1ff) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "imm" (i32.const 65526) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "be32" (i32.const 400) (i32.const 0x11223344)) (i32.const 0x44332211))
(assert_return (invoke "signed" (i32.const 500) (i32.const 0x80000000)) (i32.const 0))
(assert_return (invoke "signed" (i32.const 500) (i32.const -16)) (i32.const 0xff))
(assert_return (invoke "kept" (i32.const 600) (i32.const 0x1230)) (i32.const 0x2323))
(assert_return (invoke "i64" (i32.const 700) (i64.const 0x12345678_9abcdef0)) (i32.const 0x56))
