// echo_as: a protocol module in AssemblyScript (docs/protocol-modules.md): answers every message
// with the message itself, copied into a block of its own (the host frees it with `free`).
// Built by `make plugins-extra` with asc's default runtime (sdk/assemblyscript: npm ci):
//
//     asc echo_as.ts -o echo_as.wasm --optimize
//
// ABI: alloc(size) -> ptr and free(ptr) over the runtime's heap (heap.alloc, heap.free), and
// handle(ptr, len) -> (outPtr << 32) | outLen. A message starting with "throw" throws: the call
// fails with one line (abort: MESSAGE at FILE:LINE:COLUMN) and the next message is answered as
// usual.
import { answer, inputText } from "../../sdk/assemblyscript/xdperf";
export { alloc, free } from "../../sdk/assemblyscript/xdperf";

export function handle(ptr: usize, len: i32): u64 {
  if (len >= 5 && inputText(ptr, 5) == "throw") {
    throw new Error("echo_as was asked to throw (" + len.toString() + " bytes)");
  }
  return answer(ptr, len);
}
