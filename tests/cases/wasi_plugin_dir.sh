#!/usr/bin/env bash
# Generator plugins have no file system unless granted one read-only directory
# (--plugin-dir HOST[:GUEST]): a C plugin (the SDK, wasi-libc) tries to read a file, list its
# root, create a file, open one for appending, remove one, make a directory and leave its
# directory by "..". Without a grant every attempt fails; with one, reading and listing work
# and every change fails with "Read-only file system" (the host directory is unchanged);
# nothing leads out. The plugin reports through its log lines (xdperf plugin run, ASan build).
# Also: a missing or non-directory --plugin-dir is one line, and xdperf -p takes it too.
set -uo pipefail

X="${XDPERF_ASAN:-${REPO:-.}/build/asan/xdperf}"
[ -x "$X" ] || { echo "FAILED: $X is not built (make asan)"; exit 1; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
T="${TMPDIR:-/tmp}"
cd "${REPO:-.}" || exit 1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >"$T/fsprobe.c" <<'EOF'
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "xdperf_plugin.h"

static const char *res(int ok) { return ok ? "ok" : strerror(errno); }

int xdp_generate(const xdp_request *req, xdp_response *resp)
{
	(void)req;
	char buf[64] = "";
	FILE *f = fopen(ROOT "/in.txt", "r");
	int ok = f && fgets(buf, sizeof buf, f);
	buf[strcspn(buf, "\n")] = 0;
	xdp_log(XDP_LOG_INFO, "read: %s %s", res(ok), ok ? buf : "");
	if (f)
		fclose(f);
	DIR *d = opendir(ROOT "/");
	int n = 0;
	if (d) {
		while (readdir(d))
			n++;
		closedir(d);
	}
	xdp_log(XDP_LOG_INFO, "list: %s %d", res(d != NULL), n);
	f = fopen(ROOT "/new.txt", "w");
	xdp_log(XDP_LOG_INFO, "create: %s", res(f != NULL));
	f = fopen(ROOT "/in.txt", "a");
	xdp_log(XDP_LOG_INFO, "append: %s", res(f != NULL));
	xdp_log(XDP_LOG_INFO, "unlink: %s", res(unlink(ROOT "/in.txt") == 0));
	xdp_log(XDP_LOG_INFO, "mkdir: %s", res(mkdir(ROOT "/sub", 0755) == 0));
	int fd = open(ROOT "/../secret.txt", O_RDONLY);
	xdp_log(XDP_LOG_INFO, "escape: %s", fd >= 0 ? "OPENED" : "refused");
	fd = open("/etc/passwd", O_RDONLY);
	xdp_log(XDP_LOG_INFO, "etc: %s", fd >= 0 ? "OPENED" : "refused");
	return xdp_resp_add(resp, NULL, 60) ? 0 : XDP_ERR_GENERATE;
}
EOF
build() { # NAME DIR: the probe reading DIR (its guest path)
	clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Isdk -mexec-model=reactor \
		-Wl,--export=plugin_init -Wl,--export=plugin_process -Wl,--export=plugin_cleanup \
		-Wl,--export=malloc -Wl,--export=free -DROOT="\"$2\"" -o "$T/$1.wasm" "$T/fsprobe.c" sdk/*.c ||
		{ fail "cannot build $1.wasm"; return 1; }
}
build probe_root "" || exit 1
build probe_data /data || exit 1

mkdir -p "$T/grant" "$T/other"
printf 'granted content\n' >"$T/grant/in.txt"
printf 'secret\n' >"$T/secret.txt"
# run NAME ARGS...: xdperf plugin run ARGS; the plugin's lines ("[plugin P] INFO: ...") in
# $T/NAME.lines (the part after "INFO: "), status in $rc
run() {
	local name=$1; shift
	timeout 60 "$X" plugin run "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	sed -n 's/^\[plugin [^]]*\] INFO: //p' "$T/$name.err" >"$T/$name.lines"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.err"; then
		fail "$name: sanitizer report"; sed 's/^/    /' "$T/$name.err" | head -40
	fi
}
expect_lines() {
	local got; got="$(cat "$T/$1.lines")"
	[ "$got" = "$2" ] || fail "$1: the plugin said [$got], expected [$2]; stderr: $(head -c 600 "$T/$1.err")"
}
state() { (cd "$T/grant" && find . | sort; cat in.txt) | tr '\n' ' '; }
before=$(state)

# no grant: nothing at all (wasi-libc finds no preopen for any path)
run nogrant "$T/probe_root.wasm"
[ "$rc" -eq 0 ] || fail "nogrant: exit $rc: $(tail -2 "$T/nogrant.err")"
nocap="Capabilities insufficient"
expect_lines nogrant "read: $nocap 
list: $nocap 0
create: $nocap
append: $nocap
unlink: $nocap
mkdir: $nocap
escape: refused
etc: refused"

# granted as "/": reads and lists, changes nothing
rofs="Read-only file system"
run granted "$T/probe_root.wasm" --plugin-dir "$T/grant"
[ "$rc" -eq 0 ] || fail "granted: exit $rc: $(tail -2 "$T/granted.err")"
expect_lines granted "read: ok granted content
list: ok 3
create: $rofs
append: $rofs
unlink: $rofs
mkdir: $rofs
escape: refused
etc: refused"
# granted as /data (HOST:GUEST)
run granted_as "$T/probe_data.wasm" --plugin-dir "$T/grant:/data"
[ "$rc" -eq 0 ] || fail "granted_as: exit $rc: $(tail -2 "$T/granted_as.err")"
expect_lines granted_as "$(cat "$T/granted.lines")"
[ "$(state)" = "$before" ] || fail "the granted directory changed: [$(state)], was [$before]"

# xdperf -p takes it too (a pcap file out)
timeout 60 "$X" -p "$T/probe_root.wasm" --plugin-dir "$T/grant" -c 1 -o "$T/out.pcap" >"$T/gen.out" 2>"$T/gen.err"
rc=$?
[ "$rc" -eq 0 ] || fail "xdperf -p --plugin-dir: exit $rc: $(tail -2 "$T/gen.err")"
grep -q "read: ok granted content" "$T/gen.err" || fail "xdperf -p --plugin-dir: the plugin did not read: $(head -c 400 "$T/gen.err")"

# errors: one line, exit 2
run missing "$T/probe_root.wasm" --plugin-dir "$T/nope"
[ "$rc" -eq 2 ] || fail "missing: exit $rc, expected 2"
[ "$(cat "$T/missing.err")" = "xdperf plugin run: --plugin-dir $T/nope: No such file or directory" ] ||
	fail "missing: stderr was [$(cat "$T/missing.err")]"
run notdir "$T/probe_root.wasm" --plugin-dir "$T/secret.txt"
[ "$rc" -eq 2 ] || fail "notdir: exit $rc, expected 2"
[ "$(cat "$T/notdir.err")" = "xdperf plugin run: --plugin-dir $T/secret.txt: not a directory" ] ||
	fail "notdir: stderr was [$(cat "$T/notdir.err")]"
timeout 60 "$X" -p "$T/probe_root.wasm" --plugin-dir "$T/nope" -o "$T/x.pcap" >/dev/null 2>"$T/gen2.err"
rc=$?
[ "$rc" -eq 2 ] || fail "xdperf -p missing dir: exit $rc, expected 2"
[ "$(cat "$T/gen2.err")" = "xdperf: --plugin-dir $T/nope: No such file or directory" ] ||
	fail "xdperf -p missing dir: stderr was [$(cat "$T/gen2.err")]"

if [ "$fails" -ne 0 ]; then
	echo "FAILED: $fails check(s)"
	exit 1
fi
echo "all plugin directory checks passed"
