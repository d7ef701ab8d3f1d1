#!/usr/bin/env bash
# Exception handling, both encodings compilers emit:
# - the Wasm 3.0 exnref form in modules written here byte by byte (wabt 1.0.32 cannot assemble
#   try_table): try_table with each catch kind (catch, catch_ref, catch_all, catch_all_ref),
#   throw_ref of a caught exnref kept in a local, an exnref passed as a parameter and thrown
#   again, a handler whose clauses do not match passing the exception to the caller's, clause
#   order, a catch to the function's own label, values below the try_table kept, a catch into a
#   loop label (charging the loop's fuel), a try_table with a parameter, throw_ref of a null
#   exnref ("null exception reference"); run by
#   `xdperf wasm run --invoke` (and the ASan build);
# - the legacy form (try/catch/catch_all/delegate/rethrow, wat2wasm --enable-exceptions), and
#   a C++ program built with clang++ -fwasm-exceptions (which emits the legacy form) when the
#   installed clang can; there is no libc++abi for wasm here, so the program brings the four
#   __cxa_* functions a `throw` / `catch (...)` needs;
# - tests/unit/engine_exceptions.c through the API (gcc against build/libxdperf.a, and ASan/UBSan
#   against build/asan/libxdperf.a): tags linked between instances compare by identity, an exception
#   does not cross a host function (the host sees XWASM_TRAP_EXCEPTION; passing it on traps
#   the caller past its catch_all), fuel stops a throw/catch loop at its budget exactly, 3
#   million legacy throw/catch in one call run in constant memory;
# - an uncaught exception is one line, "uncaught exception: thrown with tag N in FUNC", exit 1;
#   without the feature bit (--features none, --features -exceptions) the module is refused
#   as "not supported: exception handling (value type 0x69 exnref)"; --fuel stops an endless
#   throw/catch loop.
set -uo pipefail
REPO="${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T="${TMPDIR:-/tmp}"
XDPERF="${XDPERF:-$REPO/build/xdperf}"
XDPERF_ASAN="${XDPERF_ASAN:-$REPO/build/asan/xdperf}"
command -v wat2wasm >/dev/null || { echo "wat2wasm (wabt) is not installed"; exit 77; }
[ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a is missing (make all)"; exit 1; }
M="$T/modules"
mkdir -p "$M"
status=0
ok() { echo "ok: $*"; }
no() { echo "FAILED: $*"; status=1; }

# ---- the exnref form, byte by byte ----
python3 - "$M/exn.wasm" <<'PY' || { echo "FAILED: cannot write exn.wasm"; exit 1; }
import sys
def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def vec(items): return uleb(len(items)) + b"".join(items)
def sec(i, body): return bytes([i]) + uleb(len(body)) + body
def name(s): return uleb(len(s)) + s.encode()
I32, EXN = 0x7f, 0x69
def ft(p, r): return b"\x60" + vec([bytes([t]) for t in p]) + vec([bytes([t]) for t in r])
H = bytes.fromhex
types = [ft([I32], []), ft([I32], [I32]), ft([], [I32, EXN]), ft([EXN], [I32]), ft([], []),
         ft([], [EXN])]
# opcodes: 02 block, 03 loop, 1f try_table (catch kinds 00 catch, 01 catch_ref, 02 catch_all,
# 03 catch_all_ref), 08 throw, 0a throw_ref, 10 call, 20/21 local.get/set, 0b end
funcs = [
    # 0 thrower: throw tag 0 (i32)
    (1, [], H("2000 0800")),
    # 1 thrower1: throw tag 1 (i32)
    (1, [], H("2000 0801")),
    # 2 "catch": 100 stays below; block(i32) try_table(i32) (catch tag0 -> block): 100 + x + 1
    (1, [], H("41e400 027f 1f7f01000000 2000 1000 0b 0b 4101 6a 6a")),
    # 3 "catch_ref": block B [] -> [i32 exnref] takes (catch_ref tag0); the exnref goes to a
    #   local, then throw_ref; the outer try_table (catch tag0) gets the value: x + 10
    (1, [EXN], H("027f 1f7f01000000 0202 1f4001010000 2000 1000 1a 0b 00 0b"
                 "2101 1a 2001 0a 0b 0b 410a 6a")),
    # 4 "catch_all": 42, or -1 when nothing was thrown
    (1, [], H("0240 1f40010200 2000 1000 1a 0b 417f 0f 0b 412a")),
    # 5 throw_ref of its exnref parameter
    (3, [], H("2000 0a")),
    # 6 "via_param": (catch_all_ref) into block(exnref), call 5 with it; outer catch tag0: x + 5
    (1, [], H("027f 1f7f01000000 0269 1f40010300 2000 1000 1a 0b 00 0b 1005 0b 0b 4105 6a")),
    # 7 inner: catches tag 0 only (x + 1000 if it wrongly caught), calls thrower1
    (1, [], H("027f 1f7f01000000 2000 1001 0b 0b 41e807 6a")),
    # 8 "across_calls": catch tag1 around a call of 7: x + 2000
    (1, [], H("027f 1f7f01000100 2000 1007 0b 0b 41d00f 6a")),
    # 9 "uncaught"
    (1, [], H("2000 1000")),
    # 10 "spin": loop { block { try_table (catch_all) { throw tag0 } } br loop }
    (4, [], H("0340 0240 1f40010200 4101 0800 0b 0b 0c00 0b")),
    # 11 "order": clauses (catch tag1 -> the function's label: x), (catch tag0 -> block: x + 1000)
    (1, [], H("027f 1f7f02000101000000 2000 1001 0b 0b 41e807 6a")),
    # 12 "null_ref": throw_ref of ref.null exn
    (4, [], H("d069 0a")),
    # 13 "loop_catch": loop [i32]->[i32] whose try_table catches tag0 into the loop's own label
    #   (the thrown n-1 is the next iteration's parameter); counts iterations: n + 1
    (1, [I32, I32], H("2000 0301 2101 2002 4101 6a 2102 2001 45 0440 2002 0f 0b"
                      "1f40 01000000 2001 4101 6b 0800 0b 00 0b")),
    # 14 "params": try_table [i32]->[i32] takes x as its parameter, throws 3x
    (1, [], H("027f 2000 1f01 01000000 4103 6c 0800 0b 0b")),
    # 15 "ret_null": an exnref result, null; 16 "ret_caught": a caught exception's exnref
    (5, [], H("d069")),
    (5, [], H("0269 1f40010300 4105 0800 0b 00 0b")),
]
exports = [("catch", 2), ("catch_ref", 3), ("catch_all", 4), ("via_param", 6),
           ("across_calls", 8), ("uncaught", 9), ("spin", 10), ("order", 11), ("null_ref", 12),
           ("loop_catch", 13), ("params", 14), ("ret_null", 15), ("ret_caught", 16)]
m = b"\0asm\1\0\0\0" + sec(1, vec(types)) + sec(3, vec([uleb(f[0]) for f in funcs]))
m += sec(13, vec([b"\0" + uleb(0), b"\0" + uleb(0)]))           # two tags of type 0
m += sec(7, vec([name(n) + b"\0" + uleb(i) for n, i in exports]))
codes = []
for _, locs, body in funcs:
    b = vec([uleb(1) + bytes([t]) for t in locs]) + body + b"\x0b"
    codes.append(uleb(len(b)) + b)
m += sec(10, vec(codes))
open(sys.argv[1], "wb").write(m)
PY

check_run() { # LABEL WANT BINARY ARGS...
  local label="$1" want="$2" bin="$3"
  shift 3
  local got
  got=$("$bin" wasm run "$M/exn.wasm" --invoke "$@" 2>"$T/err")
  if [ "$got" = "$want" ]; then ok "$label: $* = $got"; else no "$label: $* = '$got', want '$want' ($(cat "$T/err"))"; fi
}
for bin in "$XDPERF" "$XDPERF_ASAN"; do
  [ -x "$bin" ] || { [ "$bin" = "$XDPERF_ASAN" ] && { echo "note: no ASan build, skipped"; continue; }; }
  tag=exnref; [ "$bin" = "$XDPERF_ASAN" ] && tag="exnref, ASan"
  check_run "$tag: try_table catch, a value below it kept" 106 "$bin" catch 5
  check_run "$tag: catch_ref, exnref in a local, throw_ref" 17 "$bin" catch_ref 7
  check_run "$tag: catch_all" 42 "$bin" catch_all 3
  check_run "$tag: catch_all_ref, exnref parameter thrown again" 14 "$bin" via_param 9
  check_run "$tag: tag 1 passes a tag-0 handler, caught a frame up" 2011 "$bin" across_calls 11
  check_run "$tag: first matching clause, to the function's label" 6 "$bin" order 6
  check_run "$tag: catch into a loop label, 1000 iterations" 1001 "$bin" loop_catch 1000
  check_run "$tag: try_table with a parameter" 21 "$bin" params 7
  check_run "$tag: a null exnref result" null "$bin" ret_null
  check_run "$tag: a caught exception's exnref as the result" exnref "$bin" ret_caught
done
"$XDPERF" wasm run "$M/exn.wasm" --invoke null_ref >/dev/null 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "null exception reference in null_ref$" "$T/err"; then
  ok "throw_ref of a null exnref traps: $(cat "$T/err")"
else
  no "throw_ref null: exit $rc: $(cat "$T/err")"
fi
# the catch into a loop label charges the loop's fuel per iteration
"$XDPERF" wasm run --fuel 1000000 "$M/exn.wasm" --invoke loop_catch 100000000 >/dev/null 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "fuel exhausted in loop_catch" "$T/err"; then
  ok "--fuel stops 100000000 throws caught into a loop label: $(cat "$T/err")"
else
  no "--fuel, loop_catch: exit $rc: $(cat "$T/err")"
fi

# uncaught: one line, exit 1
"$XDPERF" wasm run "$M/exn.wasm" --invoke uncaught 4 >/dev/null 2>"$T/err"
rc=$?
if [ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] &&
   grep -q "exn.wasm: uncaught exception: thrown with tag 0 in uncaught$" "$T/err"; then
  ok "uncaught exception, exit 1: $(cat "$T/err")"
else
  no "uncaught exception: exit $rc: $(cat "$T/err")"
fi
# fuel stops an endless throw/catch loop
"$XDPERF" wasm run --fuel 1000000 "$M/exn.wasm" --invoke spin >/dev/null 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "fuel exhausted in spin" "$T/err"; then
  ok "--fuel 1000000 stops an endless throw/catch loop: $(cat "$T/err")"
else
  no "--fuel on an endless throw/catch loop: exit $rc: $(cat "$T/err")"
fi
# without the feature bit: refused as not supported
for f in none -exceptions; do
  "$XDPERF" wasm run --features "$f" "$M/exn.wasm" --invoke catch 1 >/dev/null 2>"$T/err"
  rc=$?
  # (its first use: the exnref in the type section)
  if [ $rc = 1 ] && grep -q "not supported: exception handling (value type 0x69 exnref) at byte" "$T/err"; then
    ok "--features $f refuses it: $(cat "$T/err")"
  else
    no "--features $f: exit $rc: $(cat "$T/err")"
  fi
done

# ---- the legacy form: wat2wasm, and the API test ----
wat2wasm --enable-exceptions -o "$M/eh_a.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm eh_a"; exit 1; }
(module
  (tag $t (export "t") (param i32))
  (func (export "throw") (param i32) (throw $t (local.get 0))))
EOF2
wat2wasm --enable-exceptions -o "$M/eh_b.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm eh_b"; exit 1; }
(module
  (import "a" "t" (tag $at (param i32)))
  (import "a" "throw" (func $athrow (param i32)))
  (import "env" "host" (func $host (param i32) (result i32)))
  (tag $own (param i32))
  (tag $tick)
  (func (export "catch_imported") (param i32) (result i32)
    (try (result i32)
      (do (call $athrow (local.get 0)) (i32.const 0))
      (catch $own (i32.const 1000) (i32.add))
      (catch $at (i32.const 2000) (i32.add))))
  (func (export "own_misses") (param i32) (result i32)
    (try (result i32)
      (do (call $athrow (local.get 0)) (i32.const 0))
      (catch $own (i32.const 1000) (i32.add))))
  (func (export "inner_throw") (param i32) (result i32) (throw $own (local.get 0)))
  (func (export "through_host") (param i32) (result i32)
    (try (result i32) (do (call $host (local.get 0))) (catch_all (i32.const -1))))
  (func (export "spin")
    (loop $l (try (do (throw $tick)) (catch $tick)) (br $l)))
  (func (export "count") (param i32) (result i32) (local i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (try (do (throw $own (i32.const 1)))
          (catch $own (local.set 1 (i32.add (local.get 1)))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get 1))
  ;; n levels deep, each inside a catch that may rethrow (so it keeps its exception): n
  ;; exceptions alive at once
  (func $nest (export "nest") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (try (result i32)
          (do (throw $own (local.get 0)))
          (catch $own
            (if (i32.eqz (local.get 0)) (then (rethrow 1)))
            (call $nest (i32.sub (local.get 0) (i32.const 1)))
            (i32.add)))))))
EOF2
wat2wasm --enable-exceptions -o "$M/legacy.wasm" - <<'EOF2' || { echo "FAILED: wat2wasm legacy"; exit 1; }
(module
  (tag $e (param i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  ;; caught, rethrown, caught again a level up
  (func (export "rethrow") (param i32) (result i32)
    (try (result i32)
      (do (try (result i32)
            (do (call $throw (local.get 0)) (i32.const 0))
            (catch $e (drop) (rethrow 0))))
      (catch $e (i32.const 1000) (i32.add))))
  ;; delegate skips the handler between it and its label
  (func (export "delegate") (param i32) (result i32)
    (try $t (result i32)
      (do (try (result i32)
            (do (try (result i32)
                  (do (call $throw (local.get 0)) (i32.const 0))
                  (delegate $t)))
            (catch $e (i32.const 500) (i32.add))))
      (catch $e (i32.const 7) (i32.add)))))
EOF2
for t in "rethrow 5 1005" "delegate 5 12"; do
  set -- $t
  got=$("$XDPERF" wasm run "$M/legacy.wasm" --invoke "$1" "$2" 2>"$T/err")
  if [ "$got" = "$3" ]; then ok "legacy $1 $2 = $got"; else no "legacy $1 $2 = '$got', want $3 ($(cat "$T/err"))"; fi
done

. "$REPO/tests/lib/engine_unit.sh"
engine_unit engine_exceptions "$M"

# ---- C++ with clang++ -fwasm-exceptions ----
cat >"$T/throw.cpp" <<'EOF2'
// The four functions of the C++ ABI a `throw` and a `catch (...)` use (no libc++abi for wasm
// here): exception objects from a small arena, thrown with the __cpp_exception tag.
extern "C" {
static unsigned char arena[4096];
static unsigned long used;
void *__cxa_allocate_exception(unsigned long n) { void *p = arena + used; used += (n + 15) & ~15ul; return p; }
void __cxa_throw(void *obj, void *type, void (*dtor)(void *)) { (void)type; (void)dtor; __builtin_wasm_throw(0, obj); }
void *__cxa_begin_catch(void *exn) { return exn; }
void __cxa_end_catch(void) { used = 0; }
const void *_ZTIi[2]; // typeinfo for int
}
static int depth;
__attribute__((noinline)) int check(int x) { if (x > 3) throw x; return x; }
__attribute__((noinline)) int deep(int x, int n) { depth = n; return n ? deep(x, n - 1) + 1 : check(x); }
extern "C" __attribute__((export_name("guarded"))) int guarded(int x, int n)
{
  try { return deep(x, n); } catch (...) { return 1000 + depth; }
}
extern "C" __attribute__((export_name("unguarded"))) int unguarded(int x) { return deep(x, 3); }
EOF2
WASM_LD=$(command -v wasm-ld || command -v wasm-ld-14 || echo wasm-ld)
if clang++ --target=wasm32 -fwasm-exceptions -O2 -c "$T/throw.cpp" -o "$T/throw.o" 2>"$T/cxx.err" &&
   "$WASM_LD" --no-entry "$T/throw.o" -o "$M/throw_cpp.wasm" 2>>"$T/cxx.err"; then
  for t in "guarded 2 10 12" "guarded 5 10 1000"; do
    set -- $t
    got=$("$XDPERF" wasm run "$M/throw_cpp.wasm" --invoke "$1" "$2" "$3" 2>"$T/err")
    if [ "$got" = "$4" ]; then ok "C++ (clang++ -fwasm-exceptions): $1($2, $3) = $got"
    else no "C++ $1($2, $3) = '$got', want $4 ($(cat "$T/err"))"; fi
  done
  "$XDPERF" wasm run "$M/throw_cpp.wasm" --invoke unguarded 9 >/dev/null 2>"$T/err"
  rc=$?
  if [ $rc = 1 ] && grep -q "uncaught exception: thrown with tag 0 in" "$T/err"; then
    ok "C++ throw with no handler: $(cat "$T/err")"
  else
    no "C++ uncaught: exit $rc: $(cat "$T/err")"
  fi
else
  echo "note: the installed clang++ cannot build a wasm C++ program with -fwasm-exceptions" \
       "($(head -n 1 "$T/cxx.err")); relying on the hand-made modules and the spec tests"
fi

[ $status -eq 0 ] && echo "engine exceptions: all checks passed (exnref and legacy forms, API, C++, command line)"
exit $status
