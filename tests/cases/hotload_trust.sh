#!/usr/bin/env bash
# The hot-load trust store: ed25519 keygen, signing and verification of protocol modules,
# through the public API (tests/unit/trust_test.c) and the CLI (xdperf keygen / sign / verify),
# under ASan/UBSan.
set -euo pipefail
cd "$REPO"
X="$XDPERF_ASAN"
export ASAN_OPTIONS=detect_leaks=1
fail() { echo "FAIL: $*"; exit 1; }

# A small, real module.
printf '(module (func (export "f") (result i32) i32.const 42))\n' > "$TMPDIR/m.wat"
wat2wasm "$TMPDIR/m.wat" -o "$TMPDIR/m.wasm"

# ---- API ----
# shellcheck source=tests/lib/asan_build.sh
. tests/lib/asan_build.sh
asan_build "$TMPDIR/trust_test" -Wall -Wextra -Werror -Wno-unused-parameter tests/unit/trust_test.c
mkdir "$TMPDIR/unit"
"$TMPDIR/trust_test" "$TMPDIR/unit" "$TMPDIR/m.wasm" || fail "trust_test"

# ---- CLI ----
# run EXPECTED_RC CMD...: runs CMD with output in $out, checks its exit status.
run() {
	local want=$1
	shift
	set +e
	out="$("$@" 2>&1)"
	local rc=$?
	set -e
	echo "\$ xdperf ${*:2} -> $rc"
	printf '%s\n' "$out" | sed 's/^/    /'
	[ "$rc" -eq "$want" ] || fail "exit $rc, expected $want: $*"
}
expect() { grep -qF -- "$1" <<<"$out" || fail "output does not mention '$1'"; }

cd "$TMPDIR"
mkdir keys trust
umask 022
run 0 "$X" keygen -o keys/ops
expect "keys/ops.key"
expect "keys/ops.pub"
id="$(sed -n 's/^key id \([0-9a-f]\{16\}\)$/\1/p' <<<"$out")"
[ -n "$id" ] || fail "keygen printed no key id"
[ "$(stat -c %a keys/ops.key)" = 600 ] || fail "keys/ops.key mode $(stat -c %a keys/ops.key)"
[ "$(stat -c %a keys/ops.pub)" = 644 ] || fail "keys/ops.pub mode $(stat -c %a keys/ops.pub)"
grep -qE '^xdperf-ed25519-public [A-Za-z0-9+/]{43}=$' keys/ops.pub || fail "keys/ops.pub format"
grep -qE '^xdperf-ed25519-secret [A-Za-z0-9+/]{86}==$' keys/ops.key || fail "keys/ops.key format"
cp keys/ops.key ops.key.before
run 1 "$X" keygen -o keys/ops
expect "keys/ops.key"
expect "already exists"
cmp -s keys/ops.key ops.key.before || fail "keygen overwrote keys/ops.key"
# default prefix
run 0 "$X" keygen
[ -f xdperf.key ] && [ -f xdperf.pub ] || fail "keygen without -o did not create xdperf.key/xdperf.pub"
cp keys/ops.pub trust/

cp m.wasm mod.wasm
run 0 "$X" sign -k keys/ops.key mod.wasm
expect "signed mod.wasm -> mod.wasm.sig (key $id)"
grep -qE "^xdperf-signature-v1 $id [A-Za-z0-9+/]{86}==\$" mod.wasm.sig || fail "mod.wasm.sig format"
run 0 "$X" verify --trust-dir trust mod.wasm
expect "mod.wasm: OK, signed by key $id"

# tampered after signing
cp mod.wasm tampered.wasm
cp mod.wasm.sig tampered.wasm.sig
printf '\x01' | dd of=tampered.wasm bs=1 seek=20 conv=notrunc status=none
run 1 "$X" verify --trust-dir trust tampered.wasm
expect "does not match"
expect "tampered.wasm"
# one good and one bad: exit 1, the good one still reported OK
run 1 "$X" verify -t trust mod.wasm tampered.wasm
expect "mod.wasm: OK"

# unsigned
cp m.wasm unsigned.wasm
run 1 "$X" verify --trust-dir trust unsigned.wasm
expect "not signed"

# signed with the default key (xdperf.key), which is not trusted
cp m.wasm other.wasm
run 0 "$X" sign other.wasm
run 1 "$X" verify --trust-dir trust other.wasm
expect "not in the trust directory"

# usage errors: exit 2
run 2 "$X" sign --bogus mod.wasm
expect "--bogus"
run 2 "$X" verify mod.wasm
expect "--trust-dir"
run 2 "$X" sign -k keys/ops.key
run 2 "$X" keygen -o
run 2 "$X" keygen extra
run 0 "$X" verify --help
expect "usage: xdperf verify"
run 0 "$X" sign -h
expect "usage: xdperf sign"
run 0 "$X" keygen --help
expect "usage: xdperf keygen"

# runtime errors: exit 1 with one line naming the file
run 1 "$X" verify --trust-dir trust missing.wasm
expect "missing.wasm"
run 1 "$X" sign -k keys/ops.key missing.wasm
expect "xdperf sign:"
expect "missing.wasm"
run 1 "$X" sign -k keys/nokey.key mod.wasm
expect "keys/nokey.key"
run 1 "$X" sign -k keys/ops.pub mod.wasm
expect "public key"
run 1 "$X" verify --trust-dir nodir mod.wasm
expect "nodir"
mkdir empty
run 1 "$X" verify --trust-dir empty mod.wasm
expect "no *.pub keys"
echo "echo hello" > trust/bad.pub
run 1 "$X" verify --trust-dir trust mod.wasm
expect "bad.pub"
echo "all trust store checks passed"
