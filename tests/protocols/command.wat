;; Bad protocol module: a Go GOOS=wasip1-style command exporting only _start and memory.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
