;; Protocol module template: answers TAG ":" input in a buffer from its own alloc. TAG is the
;; NUL-terminated text at offset 16 (31 bytes + NUL); the tests patch the "@TAG@@@..."
;; placeholder in the compiled bytes with a version string padded with NULs.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "@TAG@@@@@@@@@@@@@@@@@@@@@@@@@@@\00")
  ;; Stack allocator: every block has a 16-byte header [size, previous block, freed flag];
  ;; free marks a block and pops freed blocks off the top, so out-of-order frees are reclaimed.
  (global $heap (mut i32) (i32.const 1024))
  (global $top (mut i32) (i32.const 0))
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $h i32) (local $end i32) (local $have i32)
    (local.set $h (global.get $heap))
    (local.set $end (i32.add (i32.add (local.get $h) (i32.const 16))
                             (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))
    (if (i32.lt_u (local.get $end) (local.get $h)) (then (return (i32.const 0))))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16)) (i32.const 1)))
                        (i32.const -1))
              (then (return (i32.const 0))))))
    (i32.store (local.get $h) (local.get $n))
    (i32.store offset=4 (local.get $h) (global.get $top))
    (i32.store offset=8 (local.get $h) (i32.const 0))
    (global.set $top (local.get $h))
    (global.set $heap (local.get $end))
    (i32.add (local.get $h) (i32.const 16)))
  (func $free (export "free") (param $p i32)
    (if (i32.lt_u (local.get $p) (i32.const 1040)) (then (return)))
    (if (i32.ge_u (local.get $p) (global.get $heap)) (then (return)))
    (i32.store offset=8 (i32.sub (local.get $p) (i32.const 16)) (i32.const 1))
    (block $done
      (loop $pop
        (br_if $done (i32.eqz (global.get $top)))
        (br_if $done (i32.eqz (i32.load offset=8 (global.get $top))))
        (global.set $heap (global.get $top))
        (global.set $top (i32.load offset=4 (global.get $top)))
        (br $pop))))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (local $t i32) (local $out i32)
    (block $end
      (loop $scan
        (br_if $end (i32.eqz (i32.load8_u offset=16 (local.get $t))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $scan)))
    (local.set $out (call $alloc (i32.add (i32.add (local.get $t) (i32.const 1)) (local.get $n))))
    (if (i32.eqz (local.get $out)) (then unreachable))
    (memory.copy (local.get $out) (i32.const 16) (local.get $t))
    (i32.store8 (i32.add (local.get $out) (local.get $t)) (i32.const 58))
    (memory.copy (i32.add (i32.add (local.get $out) (local.get $t)) (i32.const 1)) (local.get $p) (local.get $n))
    (local.get $out)
    (i32.add (i32.add (local.get $t) (i32.const 1)) (local.get $n))))
