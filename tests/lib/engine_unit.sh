# Sourced by the engine test cases: builds a unit program of tests/unit/ twice and runs each.
#   engine_unit NAME ARG...   builds tests/unit/NAME.c against build/libxdperf.a (gcc -O2) and
#                             with ASan/UBSan against build/asan/libxdperf.a, runs both
#                             with ARG..., shows their output (first 60 lines, each prefixed
#                             [gcc] or [asan]) and sets status=1 on a build failure or a
#                             non-zero exit. Needs REPO and T.
# shellcheck source=tests/lib/asan_build.sh
. "$REPO/tests/lib/asan_build.sh"
engine_unit() {
  local name=$1; shift
  local src="$REPO/tests/unit/$name.c" label bin out rc
  local cflags=(-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g -D_GNU_SOURCE -I"$REPO/include")
  for label in gcc asan; do
    bin="$T/${name}_$label"
    if [ $label = gcc ]; then
      echo "== $name (gcc, build/libxdperf.a)"
      gcc "${cflags[@]}" -O2 "$src" "$REPO/build/libxdperf.a" -ljansson -lsodium -lyaml -lm -lpthread -o "$bin"
    else
      echo "== $name (ASan/UBSan, build/asan/libxdperf.a)"
      asan_build "$bin" -Wall -Wextra -Werror -Wno-unused-parameter "$src"
    fi || { echo "FAILED: cannot build tests/unit/$name.c ($label)"; status=1; continue; }
    out="$bin.out"
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
      "$bin" "$@" >"$out" 2>&1
    rc=$?
    sed "s/^/  [$label] /" "$out" | head -n 60
    [ $rc -eq 0 ] || { echo "FAILED ($label): exit $rc"; status=1; }
  done
}
