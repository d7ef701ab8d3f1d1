(module
  ;; A generator plugin whose plugin_init never returns when its configuration (JSON text) is
  ;; longer than 16 bytes — e.g. {"loop":"forever"} — and otherwise answers one template: a
  ;; 100-byte Ethernet/IPv4/UDP frame (tests/lib/mktmpl.py: UDP 1000 -> 9000, checksums valid).
  ;; For the stop tests (tests/cases/faults_plugin_stop.sh): SIGINT while the plugin starts,
  ;; and while a reload (SIGHUP after the configuration changed) runs it again.
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then (global.set $heap (local.get $p)) (return (i32.const 0))))))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "_initialize"))
  (func (export "plugin_init") (param $p i32) (param $n i32) (result i32)
    (if (i32.gt_u (local.get $n) (i32.const 16))
      (then (loop $l (br $l))))
    (i32.const 0))
  ;; the response, written at out (cap permitting)
  (data (i32.const 1024) "[{\"template\":{\"base_packet\":{\"type\":\"hex\",\"data\":\"0200000000020200000000010800450000561234000040114a880ac900010a09090903e8232800428b32000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839\"}},\"metadata\":{\"packet_count\":0}}]")
  (func (export "plugin_process") (param $in i32) (param $inl i32) (param $out i32) (param $cap i32) (result i32)
    (local $len i32)
    (local.set $len (i32.const 285))
    (if (i32.lt_u (local.get $cap) (local.get $len)) (then (return (i32.const -4))))
    (memory.copy (local.get $out) (i32.const 1024) (local.get $len))
    (local.get $len)))
