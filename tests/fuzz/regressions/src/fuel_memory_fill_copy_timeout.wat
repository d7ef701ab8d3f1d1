(module
  (memory 256 256)
  (func (export "f")
    (loop $l
      (memory.fill (i32.const 0) (i32.const 1) (i32.const 16777216))
      (memory.fill (i32.const 0) (i32.const 2) (i32.const 16777216))
      (memory.fill (i32.const 0) (i32.const 3) (i32.const 16777216))
      (memory.fill (i32.const 0) (i32.const 4) (i32.const 16777216))
      (memory.copy (i32.const 0) (i32.const 1) (i32.const 16777215))
      (memory.copy (i32.const 1) (i32.const 0) (i32.const 16777215))
      (br $l))))
