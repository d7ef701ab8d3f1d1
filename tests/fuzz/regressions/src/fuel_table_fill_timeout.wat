(module
  (table $t 0 funcref)
  (func (export "f")
    (drop (table.grow $t (ref.null func) (i32.const 10000000)))
    (loop $l
      (table.fill $t (i32.const 0) (ref.null func) (i32.const 10000000))
      (br $l))))
