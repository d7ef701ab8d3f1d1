// Appends the declared configuration (docs/plugin-config.md) to a generator plugin built by asc,
// which has no way to write a custom section itself: a custom section "xdperf.config" holding
// the JSON file's object, compacted.
//   node add-config.js IN.wasm CONFIG.json OUT.wasm
"use strict";
const fs = require("fs");
const [input, config, output] = process.argv.slice(2);
if (!output) {
  console.error("usage: node add-config.js IN.wasm CONFIG.json OUT.wasm");
  process.exit(2);
}
let text;
try {
  text = JSON.stringify(JSON.parse(fs.readFileSync(config, "utf8")));
} catch (e) {
  console.error(`add-config: ${config}: ${e.message}`);
  process.exit(1);
}
const leb = (n) => {
  const b = [];
  do {
    let x = n & 0x7f;
    n >>>= 7;
    if (n) x |= 0x80;
    b.push(x);
  } while (n);
  return Buffer.from(b);
};
const wasm = fs.readFileSync(input);
if (wasm.readUInt32LE(0) !== 0x6d736100) {
  console.error(`add-config: ${input}: not a WebAssembly module`);
  process.exit(1);
}
const name = Buffer.from("xdperf.config");
const body = Buffer.concat([leb(name.length), name, Buffer.from(text, "utf8")]);
fs.writeFileSync(output, Buffer.concat([wasm, Buffer.from([0]), leb(body.length), body]));
