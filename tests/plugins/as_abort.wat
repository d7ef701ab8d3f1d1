;; A generator plugin as AssemblyScript builds them: it imports env.abort, env.trace and
;; env.seed (tests/cases/plugin_log_lines.sh). Strings are AssemblyScript's: UTF-16LE, their
;; byte length in the 4 bytes before them. plugin_process traces, reads a seed, then aborts
;; ("boom é" at assembly/index.ts:12:5) unless its input is 2 bytes or fewer... it always is
;; longer, so every call ends in the abort trap.
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "trace" (func $trace (param i32 i32 f64 f64 f64 f64 f64)))
  (import "env" "seed" (func $seed (result f64)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  ;; "boom é" (6 UTF-16 units, 12 bytes) at 1000; "assembly/index.ts" (17 units) at 1100;
  ;; "step" (4 units) at 1200
  (data (i32.const 996) "\0c\00\00\00b\00o\00o\00m\00 \00\e9\00")
  (data (i32.const 1096) "\22\00\00\00a\00s\00s\00e\00m\00b\00l\00y\00/\00i\00n\00d\00e\00x\00.\00t\00s\00")
  (data (i32.const 1196) "\08\00\00\00s\00t\00e\00p\00")
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "plugin_init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "plugin_process") (param $in i32) (param $inl i32) (param $out i32) (param $cap i32) (result i32)
    (call $trace (i32.const 1200) (i32.const 2) (f64.const 1.5) (f64.const 2) (f64.const 0) (f64.const 0) (f64.const 0))
    (if (f64.lt (call $seed) (f64.const 0)) (then (unreachable)))
    (call $abort (i32.const 1000) (i32.const 1100) (i32.const 12) (i32.const 5))
    (i32.const 0)))
