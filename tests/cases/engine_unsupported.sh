#!/usr/bin/env bash
# The engine refuses what it does not run yet with -ENOTSUP and one message naming the feature
# and where (src/wasm/features.c), not as "malformed": for each post-2.0 feature a module whose
# first use of it is its only problem (built here byte by byte), loaded by
# tests/unit/engine_unsupported.c (ASan/UBSan, build/asan/libxdperf.a) and by `xdperf wasm run`:
#   tail calls through a typed reference (return_call_ref), exception handling with its feature
#   bit off (legacy try / throw / delegate / catch_all, exnref try_table / throw_ref, the tag
#   section, tag imports and exports, the exnref type), typed function references (call_ref,
#   the ref types), GC (0xfb), threads with its feature bit off (atomics 0xfe, atomic.fence,
#   shared memory, 64-bit shared memory 0x07 also with memory64 off), table64 (table limits
#   flags 0x04), relaxed SIMD (0xfd 0x100+). A case with a feature off is loaded with the
#   default features minus that one and run with --features -NAME.
# 2.0 SIMD (0xfd, v128) loads; a reserved SIMD sub-opcode (0xfd 0x9a) is malformed.
# And what is malformed stays so (-EINVAL): an unknown opcode (0xf3), an empty section 13 with
# exceptions off, memory limits flags 0x02 with threads off (the 2.0 suite's cases; with threads
# it is a shared memory without maximum, invalid). Features the engine runs now load (with the
# default features): return_call, return_call_indirect, memory64 (memory limits flags
# 0x04/0x05), exception handling (try, try_table, the tag section, exnref; its malformed and
# invalid uses are refused as such), threads (atomics, fence, shared memories 0x03/0x07; and its
# own invalid cases: a shared memory without maximum, a shared table, an atomic access whose
# alignment is not natural).
set -uo pipefail
T="$TMPDIR"
fail=0
no() { echo "FAIL: $*"; fail=1; }
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
if ! asan_build "$T/load" -Wall -Wextra -Werror -Wno-unused-parameter "$REPO/tests/unit/engine_unsupported.c"; then
	echo "FAIL: cannot build tests/unit/engine_unsupported.c"
	exit 1
fi

# NAME.wasm for each case; cases.txt: NAME FEATURES EXPECTED-CODE EXPECTED-MESSAGE-PART
python3 - "$T" <<'PY'
import sys
T = sys.argv[1]
def leb(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def sec(i, body): return bytes([i]) + leb(len(body)) + body
def vec(items): return leb(len(items)) + b"".join(items)
def module(body=None, params=b"", results=b"", memory=None, extra=()):
    m = b"\0asm\1\0\0\0"
    m += sec(1, vec([b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])]))
    m += sec(3, vec([b"\x00"]))
    if memory is not None:
        m += sec(5, vec([memory]))
    for s in extra:
        m += s
    if body is not None:
        code = b"\x00" + body + b"\x0b"   # no locals
        m += sec(10, vec([leb(len(code)) + code]))
    return m
cases = [
    # name, module, code, message part
    ("return_call_ref", module(b"\x15\x00"), "ENOTSUP", "tail calls (opcode 0x15 return_call_ref) at byte"),
    ("try", module(b"\x06\x40\x0b"), "ENOTSUP", "exception handling (legacy try/catch) (opcode 0x06 try)", "-exceptions"),
    ("throw", module(b"\x08\x00"), "ENOTSUP", "exception handling (opcode 0x08 throw)", "-exceptions"),
    ("delegate", module(b"\x18\x00"), "ENOTSUP", "(opcode 0x18 delegate)", "-exceptions"),
    ("catch_all", module(b"\x19"), "ENOTSUP", "(opcode 0x19 catch_all)", "-exceptions"),
    ("try_table", module(b"\x1f\x40\x00\x0b"), "ENOTSUP", "exception handling (opcode 0x1f try_table)", "-exceptions"),
    ("throw_ref", module(b"\x0a"), "ENOTSUP", "exception handling (opcode 0x0a throw_ref)", "-exceptions"),
    ("tag_section", module(b"", extra=[sec(13, vec([b"\x00\x00"]))]), "ENOTSUP", "exception handling (tag section, id 13)", "-exceptions"),
    ("exnref", module(b"", params=b"\x69"), "ENOTSUP", "exception handling (value type 0x69 exnref)", "-exceptions"),
    ("tag_import", b"\0asm\1\0\0\0" + sec(1, vec([b"\x60\x00\x00"])) + sec(2, vec([b"\x01m\x01t\x04\x00\x00"])), "ENOTSUP", "exception handling (tag import, kind 4)", "-exceptions"),
    ("tag_export", module(b"", extra=[sec(7, vec([b"\x01t\x04\x00"]))]), "ENOTSUP", "exception handling (tag export, kind 4)", "-exceptions"),
    ("call_ref", module(b"\x14\x00"), "ENOTSUP", "typed function references (opcode 0x14 call_ref)"),
    ("ref_type", module(b"", params=b"\x63"), "ENOTSUP", "typed function references (value type 0x63 ref null)"),
    ("gc", module(b"\xfb\x00\x00"), "ENOTSUP", "garbage collection (GC) (opcode 0xfb 0x00)"),
    # threads: refused with the feature off (loaded with default minus threads, --features -threads)
    ("atomics", module(b"\x41\x00\xfe\x10\x02\x00\x1a", memory=b"\x00\x01"), "ENOTSUP", "threads: atomic memory access (opcode 0xfe 0x10)", "-threads"),
    ("atomic_fence", module(b"\xfe\x03\x00"), "ENOTSUP", "threads: atomic memory access (opcode 0xfe 0x03)", "-threads"),
    ("shared_memory", module(b"", memory=b"\x03\x01\x01"), "ENOTSUP", "threads: shared memory (limits flags 0x03)", "-threads"),
    ("shared_memory64", module(b"", memory=b"\x07\x01\x01"), "ENOTSUP", "threads: shared memory (limits flags 0x07)", "-threads"),
    ("shared_memory64_no_m64", module(b"", memory=b"\x07\x01\x01"), "ENOTSUP", "threads: shared memory (limits flags 0x07)", "-memory64"),
    ("table64", module(b"", extra=[sec(4, vec([b"\x70\x04\x01"]))]), "ENOTSUP", "table64: 64-bit table indexes"),
    ("simd", module(b"\xfd\x0c" + b"\x00" * 16 + b"\x1a"), "OK", ""),
    ("v128", module(b"", params=b"\x7b"), "OK", ""),
    ("simd_reserved", module(b"\xfd\x9a\x01"), "EINVAL", "illegal opcode 0xfd 0x9a"),
    ("relaxed_simd", module(b"\xfd\x80\x02"), "ENOTSUP", "relaxed SIMD (opcode 0xfd 0x100)"),
    # still malformed
    ("illegal_opcode", module(b"\xf3"), "EINVAL", "illegal opcode 0xf3"),
    ("empty_section_13", module(b"", extra=[sec(13, b"")]), "EINVAL", "malformed section id 13", "-exceptions"),
    ("limits_flags_2", module(b"", memory=b"\x02\x01"), "EINVAL", "limits flags 0x02", "-threads"),
    ("plain", module(b""), "OK", ""),
    # supported now (default features): they load
    ("return_call", module(b"\x12\x00"), "OK", ""),
    ("return_call_indirect", module(b"\x41\x00\x13\x00\x00", extra=[sec(4, vec([b"\x70\x00\x01"]))]), "OK", ""),
    ("memory64", module(b"", memory=b"\x04\x01"), "OK", ""),
    ("memory64_max", module(b"", memory=b"\x05\x01\x02"), "OK", ""),
    ("memory64_load", module(b"\x42\x00\x28\x02\x80\x80\x80\x80\x10\x1a", memory=b"\x04\x01"), "OK", ""),
    ("eh_try", module(b"\x06\x40\x0b"), "OK", ""),
    ("eh_try_table", module(b"\x1f\x40\x00\x0b"), "OK", ""),
    ("eh_tag_section", module(b"", extra=[sec(13, vec([b"\x00\x00"]))]), "OK", ""),
    ("eh_exnref", module(b"", params=b"\x69"), "OK", ""),
    ("eh_throw_no_tag", module(b"\x08\x00"), "EINVAL", "unknown tag"),
    ("eh_delegate_alone", module(b"\x18\x00"), "EINVAL", "delegate without try"),
    ("eh_catch_all_alone", module(b"\x19"), "EINVAL", "catch_all without try"),
    ("eh_empty_section_13", module(b"", extra=[sec(13, b"")]), "EINVAL", "unexpected end"),
    ("atomics_on", module(b"\x41\x00\xfe\x10\x02\x00\x1a", memory=b"\x00\x01"), "OK", ""),
    ("atomic_fence_on", module(b"\xfe\x03\x00"), "OK", ""),
    ("shared_memory_on", module(b"", memory=b"\x03\x01\x01"), "OK", ""),
    ("shared_memory64_on", module(b"", memory=b"\x07\x01\x01"), "OK", ""),
    ("shared_no_max", module(b"", memory=b"\x02\x01"), "EINVAL", "shared memory must have maximum"),
    ("shared_table", module(b"", extra=[sec(4, vec([b"\x70\x03\x00\x01"]))]), "EINVAL", "tables cannot be shared"),
    ("atomic_unaligned_align", module(b"\x41\x00\xfe\x10\x01\x00\x1a", memory=b"\x00\x01"), "EINVAL", "atomic alignment must be natural"),
]
with open(f"{T}/cases.txt", "w") as c:
    for name, m, code, msg, *feat in cases:
        open(f"{T}/{name}.wasm", "wb").write(m)
        c.write(f"{name}\t{feat[0] if feat else 'default'}\t{code}\t{msg}\n")
PY
[ -s "$T/cases.txt" ] || { echo "FAIL: no cases"; exit 1; }

n=0
# a case's features: default, or default minus one feature (its bit for the loader)
declare -A bit=([default]=0 [-exceptions]=0x08 [-threads]=0x10 [-memory64]=0x20)
DEFAULT_FEATURES=0x3b # extended-const, tail-call, exceptions, threads, memory64 (XWASM_FEATURES_DEFAULT)
while IFS=$'\t' read -r name feat code msg; do
	n=$((n + 1))
	lf=$((DEFAULT_FEATURES & ~${bit[$feat]}))
	line=$(XW_TEST_FEATURES=$lf ASAN_OPTIONS=detect_leaks=1 "$T/load" "$T/$name.wasm")
	got=$(echo "$line" | awk '{print $2}')
	[ "$got" = "$code" ] || no "$name: $got, want $code: $line"
	[ -z "$msg" ] || [[ "$line" == *"$msg"* ]] || no "$name: message '$line' lacks '$msg'"
	if [ "$code" = ENOTSUP ]; then
		[[ "$line" == *"not supported: "* ]] || no "$name: no 'not supported:' in '$line'"
		[[ "$line" =~ at\ byte\ 0x[0-9a-f]+ ]] || no "$name: no byte offset in '$line'"
		# the command line says the same in one line, exit 1
		fo=()
		[ "$feat" = default ] || fo=(--features "$feat")
		"$XDPERF" wasm run "${fo[@]}" "$T/$name.wasm" --invoke f >/dev/null 2>"$T/err"
		rc=$?
		[ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qF "$msg" "$T/err" ||
			no "$name: xdperf wasm run: exit $rc: $(cat "$T/err")"
	fi
done <"$T/cases.txt"
[ $fail = 0 ] && echo "ok: $n modules: each post-2.0 feature refused as not supported, naming it and its byte; malformed stays malformed"
exit $fail
