;; A function's last instruction and its return as one (src/wasm/compile.c: emit_return):
;; COPY, I32_ADD and I32_ADD_I then RETURN become COPY_RET, I32_ADD_RET, I32_ADD_I_RET. Each
;; form, called from wasm (the caller goes on with the value), a branch to the function's end
;; landing on the fused instruction, a branch to the end after it (no fusion: a label between),
;; an explicit return inside a block, two results, recursion, i64 (not fused), the add's
;; operand being the result slot, and 32-bit wrapping.
(module
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func $addk (export "addk") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 7)))
  (func $second (export "second") (param i32 i32) (result i32)
    (local.get 1))
  (func $local (export "local") (param i32) (result i32) (local i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
    (local.get 1))
  ;; callers use the values after the calls return
  (func (export "calls") (param i32) (result i32)
    (i32.mul (call $add (local.get 0) (call $addk (local.get 0)))
             (i32.sub (call $second (i32.const 0) (local.get 0)) (call $local (i32.const 1)))))
  ;; a branch to the function's end, where the fused add is
  (func $fib (export "fib") (param i32) (result i32) (local i32)
    (block $small
      (br_if $small (i32.lt_u (local.get 0) (i32.const 2)))
      (local.set 1 (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                            (call $fib (i32.sub (local.get 0) (i32.const 2)))))
      (local.set 0 (i32.const 0)))
    (i32.add (local.get 0) (local.get 1)))
  ;; the add is inside a block whose end is a branch target: not fused with the return
  (func (export "block_end") (param i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 100) (i32.eqz (local.get 0))))
      (i32.add (local.get 0) (i32.const 1))))
  ;; an explicit return after an add, inside blocks, with code after it
  (func (export "early") (param i32) (result i32)
    (block
      (block
        (br_if 1 (i32.eqz (local.get 0)))
        (return (i32.add (local.get 0) (i32.const 1000)))))
    (i32.const -1))
  ;; two results: the second copied last
  (func $two (export "two") (param i32 i32) (result i32 i32)
    (local.get 1) (local.get 0))
  (func (export "two_sub") (param i32 i32) (result i32)
    (call $two (local.get 0) (local.get 1))
    (i32.sub))
  ;; i64: not fused
  (func (export "add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  ;; the result slot is an operand (parameter 0 is slot 0)
  (func (export "double0") (param i32) (result i32)
    (i32.add (local.get 0) (local.get 0)))
  ;; a tee feeding the add
  (func (export "tee_add") (param i32) (result i32) (local i32)
    (i32.add (local.tee 1 (i32.shl (local.get 0) (i32.const 1))) (local.get 1)))
)
(assert_return (invoke "add" (i32.const 40) (i32.const 2)) (i32.const 42))
(assert_return (invoke "add" (i32.const 0x7fffffff) (i32.const 1)) (i32.const 0x80000000))
(assert_return (invoke "addk" (i32.const -7)) (i32.const 0))
(assert_return (invoke "addk" (i32.const -1)) (i32.const 6))
(assert_return (invoke "second" (i32.const 1) (i32.const 2)) (i32.const 2))
(assert_return (invoke "local" (i32.const 5)) (i32.const 15))
(assert_return (invoke "calls" (i32.const 5)) (i32.const 34))
(assert_return (invoke "fib" (i32.const 0)) (i32.const 0))
(assert_return (invoke "fib" (i32.const 1)) (i32.const 1))
(assert_return (invoke "fib" (i32.const 20)) (i32.const 6765))
(assert_return (invoke "block_end" (i32.const 0)) (i32.const 100))
(assert_return (invoke "block_end" (i32.const 4)) (i32.const 5))
(assert_return (invoke "early" (i32.const 0)) (i32.const -1))
(assert_return (invoke "early" (i32.const 24)) (i32.const 1024))
(assert_return (invoke "two" (i32.const 1) (i32.const 2)) (i32.const 2) (i32.const 1))
(assert_return (invoke "two_sub" (i32.const 10) (i32.const 3)) (i32.const -7))
(assert_return (invoke "add64" (i64.const 0xffffffff) (i64.const 1)) (i64.const 0x100000000))
(assert_return (invoke "double0" (i32.const 21)) (i32.const 42))
(assert_return (invoke "tee_add" (i32.const 5)) (i32.const 20))
