# Sourced by test cases that build a unit program of tests/unit/ with the sanitizers.
#   asan_build OUT ARG...   compiles ARG... (gcc flags, the test's own .c files and any source
#                           that is not part of the library, e.g. src/cli/*.c) with ASan/UBSan
#                           at -O1 and links them with build/asan/libxdperf.a, the library
#                           built once with the same sanitizers by `make asan`, and its
#                           dependencies. Returns gcc's status; says so when the archive is
#                           missing. Needs REPO.
asan_build() {
  local out=$1; shift
  local lib="$REPO/build/asan/libxdperf.a"
  [ -f "$lib" ] || { echo "FAILED: $lib is missing (make asan)"; return 1; }
  gcc -std=gnu11 -D_GNU_SOURCE -I"$REPO/include" -I"$REPO/src" -I"$REPO/build/bpf" -I"$REPO/build/gen" \
    -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -fno-strict-aliasing -ffp-contract=off "$@" "$lib" \
    -lbpf -ljansson -lyaml -lsodium -lmicrohttpd -lgnutls -lcurl -lm -lpthread -o "$out"
}
