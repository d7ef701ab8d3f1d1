;; A plugin whose plugin_cleanup traps (unreachable) after a good plugin_process: one
;; 64-byte template. The command must fail in one line and send or write nothing.
(module
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (data (i32.const 1024) "[{\"template\":{\"base_packet\":{\"data\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==\",\"length\":64}},\"metadata\":{\"packet_count\":3}}]")
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "plugin_init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "plugin_process") (param $in i32) (param $inl i32) (param $out i32) (param $cap i32) (result i32)
    (if (i32.lt_u (local.get $cap) (i32.const 172)) (then (return (i32.const -4))))
    (memory.copy (local.get $out) (i32.const 1024) (i32.const 172))
    (i32.const 172))
  (func (export "plugin_cleanup") (unreachable)))
