;; Bad protocol module: no alloc export (refused at load).
(module
  (memory (export "memory") 1)
  (func (export "free") (param i32))
  (func (export "handle") (param $p i32) (param $n i32) (result i32 i32)
    (local.get $p) (local.get $n)))
