# Building the C test harnesses (tests/unit/*_harness.c) against build/libxdperf.a (source it;
# REPO must be set).
#   build_harness SRC OUT   gcc -Werror SRC + build/libxdperf.a and its libraries -> OUT; exits 1
#                           with "FAILED: ..." when the library is missing or the build fails
#   build_plugins           make -s plugins (log in $TMPDIR/make.log); exits 1 when it fails
build_harness() {
  [ -f "$REPO/build/libxdperf.a" ] || { echo "FAILED: build/libxdperf.a missing (make all)"; exit 1; }
  gcc -std=gnu11 -Wall -Wextra -Werror -I"$REPO/include" "$1" "$REPO/build/libxdperf.a" \
    -ljansson -lsodium -lyaml -lbpf -lm -lpthread -o "$2" || { echo "FAILED: building the harness"; exit 1; }
}

build_plugins() {
  make -s -C "$REPO" plugins >"${TMPDIR:-/tmp}/make.log" 2>&1 ||
    { cat "${TMPDIR:-/tmp}/make.log"; echo "FAILED: make plugins"; exit 1; }
}
