;; Faulty protocol module: alloc always returns 0 (an ABI fault on every call).
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (local.get $p) (local.get $n)))
