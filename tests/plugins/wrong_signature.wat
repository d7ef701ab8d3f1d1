(module
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (func (export "plugin_init") (param i32) (result i32) (i32.const 0))
  (func (export "plugin_process") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
