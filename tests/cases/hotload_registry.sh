#!/usr/bin/env bash
# Hot-loadable protocol modules, single-threaded: the loader, every registry state transition
# and refusal, routing shares and stickiness, faults of bad modules, native handlers, idle
# expiry, policy inheritance and signatures (tests/unit/hotload_test.c with the WAT modules of
# tests/protocols), and interrupted module calls (tests/unit/hotload_interrupt_test.c), through
# the public API, under ASan/UBSan.
set -euo pipefail
cd "$REPO"
mkdir -p "$TMPDIR/wasm" "$TMPDIR/scratch"
for f in tests/protocols/*.wat; do
	wat2wasm --enable-all "$f" -o "$TMPDIR/wasm/$(basename "$f" .wat).wasm"
done
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -Wall -Wextra -Werror -O2 -c tests/unit/hotload_test.c -o /dev/null
srcs=(src/util/*.c src/wasm/*.c src/plugin/*.c src/hotload/*.c)
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -ffp-contract=off -fno-strict-aliasing \
	"${srcs[@]}" tests/unit/hotload_test.c -ljansson -lsodium -lyaml -lm -lpthread -o "$TMPDIR/hotload_test"
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/hotload_test" "$TMPDIR/wasm" "$TMPDIR/scratch"
# interrupted module calls (the module's and the registry's opts.interrupt), from a thread
gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -ffp-contract=off -fno-strict-aliasing \
	"${srcs[@]}" tests/unit/hotload_interrupt_test.c -ljansson -lsodium -lyaml -lm -lpthread -o "$TMPDIR/hotload_interrupt_test"
ASAN_OPTIONS=detect_leaks=1 "$TMPDIR/hotload_interrupt_test" "$TMPDIR/wasm"
