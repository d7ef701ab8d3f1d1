;; A plugin whose allocator always fails (returns 0) far below the memory cap: the host must say
;; its malloc failed, not blame the cap.
(module
  (memory (export "memory") 2)
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "plugin_init") (param i32 i32) (result i32) (i32.const 0))
  (func (export "plugin_process") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "plugin_cleanup")))
