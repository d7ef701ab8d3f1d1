;; A declared local set to a constant 0 in the function's entry code (before its first control
;; instruction), while still unwritten, emits nothing: every call zeroes declared locals
;; (src/wasm/compile.c, struct cc: entry). These cases check the value the code means where
;; the set is dropped and where it must not be: after a write, inside a loop, after a branch,
;; in a recursion (each call's own zero), through a tail call, for every numeric type, with
;; local.tee, and with the local waiting on the operand stack.
(module
  ;; dropped: the locals read back 0 of each type
  (func (export "zeros") (result i32 i64 f32 f64) (local i32 i64 f32 f64)
    (local.set 0 (i32.const 0)) (local.set 1 (i64.const 0))
    (local.set 2 (f32.const 0)) (local.set 3 (f64.const 0))
    (local.get 0) (local.get 1) (local.get 2) (local.get 3))
  ;; -0.0 is not 0 bits: kept
  (func (export "negzero") (result f64) (local f64)
    (local.set 0 (f64.const -0))
    (f64.div (f64.const 1) (local.get 0)))
  ;; written first, then set to 0: kept
  (func (export "after_write") (result i32) (local i32)
    (local.set 0 (i32.const 7))
    (local.set 0 (i32.const 0))
    (local.get 0))
  ;; local.tee of 0 in the entry code: the value is still 0 on the stack and in the local
  (func (export "tee") (result i32) (local i32)
    (i32.add (local.tee 0 (i32.const 0)) (i32.const 5))
    (local.get 0) (i32.add))
  ;; the local waits on the operand stack while it is "set" to 0: still 0
  (func (export "waiting") (result i32) (local i32)
    (local.get 0)
    (local.set 0 (i32.const 0))
    (i32.add (i32.const 3)))
  ;; inside a loop the set runs on every iteration: kept (the sum restarts at 0 each time)
  (func (export "loop_reset") (param $n i32) (result i32) (local $acc i32) (local $last i32)
    (loop $l
      (local.set $acc (i32.const 0))
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $last (local.get $acc))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $last))
  ;; after a branch: kept (the if may have written it)
  (func (export "after_if") (param i32) (result i32) (local i32)
    (if (local.get 0) (then (local.set 1 (i32.const 9))))
    (local.set 1 (i32.const 0))
    (local.get 1))
  ;; a recursion: each call's local starts at 0 and the caller's survives the callee
  (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32)
    (local.set $acc (i32.const 0))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (local.set $acc (i32.add (local.get $acc) (local.get $n)))
    (i32.add (local.get $acc) (call $sum (i32.sub (local.get $n) (i32.const 1)))))
  ;; a tail call into a function whose entry sets its local to 0: that frame's local is 0
  ;; although the caller's slot there held 99
  (func $callee (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 0))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "tail") (result i32) (local i32 i32)
    (local.set 1 (i32.const 99))
    (return_call $callee (i32.const 5)))
)
(assert_return (invoke "zeros") (i32.const 0) (i64.const 0) (f32.const 0) (f64.const 0))
(assert_return (invoke "negzero") (f64.const -inf))
(assert_return (invoke "after_write") (i32.const 0))
(assert_return (invoke "tee") (i32.const 5))
(assert_return (invoke "waiting") (i32.const 3))
(assert_return (invoke "loop_reset" (i32.const 4)) (i32.const 1))
(assert_return (invoke "after_if" (i32.const 1)) (i32.const 0))
(assert_return (invoke "after_if" (i32.const 0)) (i32.const 0))
(assert_return (invoke "sum" (i32.const 10)) (i32.const 55))
(assert_return (invoke "tail") (i32.const 5))
