;; Faulty protocol module: "trap..." executes unreachable; anything else is echoed.
(module
  (memory (export "memory") 1)
  ;; Bump allocator (grows memory as needed, 0 when it cannot); free is a no-op.
  (global $heap (mut i32) (i32.const 1024))
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.set $need (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then (global.set $heap (local.get $p)) (return (i32.const 0))))))
    (local.get $p))
  (func $free (export "free") (param i32))
  ;; 1 when the message is at least 4 bytes long and starts with the little-endian word $w.
  (func $starts (param $p i32) (param $n i32) (param $w i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 4))
      (then (i32.const 0))
      (else (i32.eq (i32.load align=1 (local.get $p)) (local.get $w)))))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (if (call $starts (local.get $p) (local.get $n) (i32.const 0x70617274)) (then unreachable))
    (local.get $p) (local.get $n)))
