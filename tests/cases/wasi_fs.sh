#!/usr/bin/env bash
# WASI files under `xdperf wasm run --dir` (ASan/UBSan build): C guests (clang --target=wasm32-wasi,
# wasi-libc) use a preopened directory through libc (write, read back, append, seek, stat,
# mkdir, readdir, rename, link, symlink, readlink, truncate, utimes, unlink, rmdir) and the
# host sees exactly what they did; confinement is checked with raw WASI calls: an absolute
# path, ".." above the preopen, a symbolic link out of it (made by the host, absolute or
# relative, or by the guest) all fail with ENOTCAPABLE (76) and nothing outside is touched;
# "sub/../file" inside works. A :ro preopen reads but refuses every change with EROFS (69), and
# its files are unchanged. poll_oneoff waits for a pipe on stdin (data arrives after 0.3 s,
# well before the 20 s clock) and times out on an empty pipe. --dir errors are one line.
set -uo pipefail

X="${XDPERF_ASAN:-${REPO:-.}/build/asan/xdperf}"
[ -x "$X" ] || { echo "FAILED: $X is not built (make asan)"; exit 1; }
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
T="${TMPDIR:-/tmp}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
printf 'int main(void){return 0;}\n' >"$T/probe.c"
clang --target=wasm32-wasi -o "$T/probe.wasm" "$T/probe.c" 2>/dev/null ||
	{ echo "clang cannot build wasm32-wasi programs (wasi-libc missing)"; exit 77; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { # NAME ARGS...: output in $T/NAME.{out,err}, status in $rc
	local name=$1; shift
	timeout 60 "$X" wasm run "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.err"; then
		fail "$name: sanitizer report"; sed 's/^/    /' "$T/$name.err" | head -40
	fi
}
expect_rc() { [ "$rc" -eq "$2" ] || { fail "$1: exit status $rc, expected $2"; sed 's/^/    err: /' "$T/$1.err" | head -5; }; }
expect_out() {
	local got; got="$(cat "$T/$1.out")"
	[ "$got" = "$2" ] || fail "$1: stdout was [$got], expected [$2]"
}
cc_wasi() { # NAME [CFLAGS...]: builds $T/NAME.wasm from stdin
	local name=$1; shift
	clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror "$@" -o "$T/$name.wasm" -x c - ||
		{ fail "cannot build $name.wasm"; return 1; }
}

# ---- happy paths through libc ---------------------------------------------------------------
cc_wasi files <<'EOF'
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define CHECK(x) do { if (!(x)) { printf("failed: %s (errno %d %s)\n", #x, errno, strerror(errno)); return 1; } } while (0)
static int names_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(void)
{
	FILE *f = fopen("/data/new.txt", "w");
	CHECK(f && fputs("hello\n", f) >= 0 && fclose(f) == 0);
	f = fopen("/data/new.txt", "a");
	CHECK(f && fputs("world\n", f) >= 0 && fclose(f) == 0);
	char buf[64] = "";
	int fd = open("/data/new.txt", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) == 12);
	printf("read: %s", buf);
	CHECK(lseek(fd, 6, SEEK_SET) == 6 && read(fd, buf, 5) == 5);
	buf[5] = 0;
	printf("at 6: %s\n", buf);
	CHECK(write(fd, "x", 1) == -1);  /* opened read-only: no write right (libc: EBADF) */
	printf("write to read-only fd: %s\n", strerror(errno));
	close(fd);
	struct stat st;
	CHECK(stat("/data/new.txt", &st) == 0 && S_ISREG(st.st_mode));
	printf("size %lld\n", (long long)st.st_size);
	CHECK(mkdir("/data/sub", 0755) == 0 && mkdir("/data/sub/deeper", 0755) == 0);
	CHECK(rename("/data/new.txt", "/data/sub/moved.txt") == 0);
	CHECK(link("/data/sub/moved.txt", "/data/sub/hard.txt") == 0);
	CHECK(symlink("moved.txt", "/data/sub/soft") == 0);
	ssize_t n = readlink("/data/sub/soft", buf, sizeof buf);
	CHECK(n == 9);
	printf("readlink: %.*s\n", (int)n, buf);
	f = fopen("/data/sub/soft", "r"); /* through the link */
	CHECK(f && fgets(buf, sizeof buf, f) && fclose(f) == 0);
	printf("via symlink: %s", buf);
	f = fopen("/data/sub/deeper/../moved.txt", "r"); /* ".." that stays inside */
	CHECK(f && fclose(f) == 0);
	CHECK(truncate("/data/sub/hard.txt", 3) == 0 && stat("/data/sub/moved.txt", &st) == 0);
	printf("truncated via hard link: %lld, nlink %d\n", (long long)st.st_size, (int)st.st_nlink);
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
	CHECK(utimensat(AT_FDCWD, "/data/sub/moved.txt", ts, 0) == 0 && stat("/data/sub/moved.txt", &st) == 0);
	printf("mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	DIR *d = opendir("/data/sub");
	CHECK(d);
	char *names[16];
	int k = 0;
	struct dirent *de;
	while ((de = readdir(d)) && k < 16)
		names[k++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)k, sizeof names[0], names_cmp);
	printf("ls:");
	for (int i = 0; i < k; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	CHECK(rmdir("/data/sub") == -1 && errno == ENOTEMPTY);
	CHECK(unlink("/data/sub/soft") == 0 && unlink("/data/sub/hard.txt") == 0 && rmdir("/data/sub/deeper") == 0);
	CHECK(open("/data/missing", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(mkdir("/data/sub", 0755) == -1 && errno == EEXIST);
	printf("done\n");
	return 0;
}
EOF
mkdir -p "$T/sandbox" "$T/outside"
run files --dir "$T/sandbox:/data" "$T/files.wasm"
expect_rc files 0
expect_out files "read: hello
world
at 6: world
write to read-only fd: Bad file descriptor
size 12
readlink: moved.txt
via symlink: hello
truncated via hard link: 3, nlink 2
mtime 1200000000.000000500
ls: . .. deeper hard.txt moved.txt soft
done"
[ "$(cat "$T/sandbox/sub/moved.txt" 2>/dev/null)" = "hel" ] || fail "files: the host does not see sub/moved.txt as 'hel'"
[ "$(ls -A "$T/sandbox/sub" 2>/dev/null)" = "moved.txt" ] || fail "files: sub holds [$(ls -A "$T/sandbox/sub")], expected moved.txt alone"

# ---- confinement with raw WASI calls -----------------------------------------------------------
# ./confine.wasm OP PATH [ARG]: prints the WASI errno of one call on the first preopen (fd 3).
cc_wasi confine <<'EOF'
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>
int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *op = argv[1], *p = argv[2];
	__wasi_fd_t fd;
	__wasi_filestat_t st;
	__wasi_errno_t e;
	__wasi_rights_t all = (__wasi_rights_t)-1;
	if (!strcmp(op, "open"))
		e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
	else if (!strcmp(op, "create"))
		e = __wasi_path_open(3, 0, p, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, all, all, 0, &fd);
	else if (!strcmp(op, "createf")) /* the same, following a symbolic link */
		e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, __WASI_OFLAGS_CREAT, all, all, 0, &fd);
	else if (!strcmp(op, "write")) /* open an existing file for writing */
		e = __wasi_path_open(3, 0, p, 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
	else if (!strcmp(op, "stat"))
		e = __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, &st);
	else if (!strcmp(op, "lstat"))
		e = __wasi_path_filestat_get(3, 0, p, &st);
	else if (!strcmp(op, "mkdir"))
		e = __wasi_path_create_directory(3, p);
	else if (!strcmp(op, "rmdir"))
		e = __wasi_path_remove_directory(3, p);
	else if (!strcmp(op, "unlink"))
		e = __wasi_path_unlink_file(3, p);
	else if (!strcmp(op, "rename"))
		e = __wasi_path_rename(3, p, 3, argv[3]);
	else if (!strcmp(op, "link"))
		e = __wasi_path_link(3, 0, p, 3, argv[3]);
	else if (!strcmp(op, "linkfollow"))
		e = __wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, 3, argv[3]);
	else if (!strcmp(op, "symlink"))
		e = __wasi_path_symlink(argv[3], 3, p);
	else if (!strcmp(op, "utimes"))
		e = __wasi_path_filestat_set_times(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, 0, 0,
						   __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW);
	else if (!strcmp(op, "readlink")) {
		uint8_t buf[64];
		__wasi_size_t n;
		e = __wasi_path_readlink(3, p, buf, sizeof buf, &n);
	} else if (!strcmp(op, "xlink")) /* a hard link from fd 3 into fd 4 */
		e = __wasi_path_link(3, 0, p, 4, argv[3]);
	else
		return 2;
	printf("%d\n", e);
	return 0;
}
EOF
S="$T/sandbox"
printf 'secret\n' >"$T/outside/secret.txt"
printf 'inside\n' >"$S/file.txt"
mkdir -p "$S/dir"
ln -s /etc "$S/abs_link"
ln -s ../outside "$S/rel_link"
ln -s "$T/outside/secret.txt" "$S/abs_file_link"
ln -s dir/../file.txt "$S/inner_link"
ENOTCAP=76
check() { # NAME EXPECTED_ERRNO OP PATH [ARG] (on $S as fd 3)
	local name=$1 want=$2; shift 2
	run "$name" --dir "$S" "$T/confine.wasm" -- "$@"
	expect_rc "$name" 0; expect_out "$name" "$want"
}
check c_ok 0 open file.txt
check c_dotdot_in 0 open dir/../file.txt
check c_inner_link 0 open inner_link
check c_abs $ENOTCAP open /etc/passwd
check c_abs_root $ENOTCAP stat /
check c_up $ENOTCAP open ../outside/secret.txt
check c_up_deep $ENOTCAP open dir/../../outside/secret.txt
check c_abs_link $ENOTCAP open abs_link/passwd
check c_rel_link $ENOTCAP open rel_link/secret.txt
check c_file_link $ENOTCAP open abs_file_link
check c_stat_up $ENOTCAP stat ..
check c_stat_link $ENOTCAP stat rel_link
check c_lstat_link 0 lstat rel_link
check c_mkdir_up $ENOTCAP mkdir ../outside/made
check c_mkdir_link $ENOTCAP mkdir rel_link/made
check c_unlink_link $ENOTCAP unlink rel_link/secret.txt
check c_rename_out $ENOTCAP rename file.txt ../outside/stolen
check c_rename_link $ENOTCAP rename file.txt rel_link/stolen
check c_link_out $ENOTCAP link rel_link/secret.txt hard
check c_linkfollow_out $ENOTCAP linkfollow abs_file_link hard
check c_utimes_out $ENOTCAP utimes rel_link/secret.txt
check c_readlink_up $ENOTCAP readlink ../outside
check c_symlink_abs $ENOTCAP symlink evil /etc/passwd
check c_create_up $ENOTCAP create ../outside/new
check c_create_nofollow 32 create abs_file_link # ELOOP: a link is not followed without the flag
check c_create_link $ENOTCAP createf abs_file_link
check c_create_link2 $ENOTCAP createf rel_link/new
# a link the guest makes pointing out is created, but cannot be followed out
check c_symlink_rel 0 symlink guest_link ../outside/secret.txt
check c_symlink_use $ENOTCAP open guest_link
check c_rmdir_dotdot 55 rmdir .. # ENOTEMPTY: the kernel refuses, nothing outside is touched
[ "$(cat "$T/outside/secret.txt")" = "secret" ] || fail "confinement: outside/secret.txt changed"
[ -z "$(ls -A "$T/outside" | grep -v '^secret.txt$')" ] || fail "confinement: something was made outside: $(ls -A "$T/outside")"

# ---- read-only preopen -----------------------------------------------------------------------
EROFS=69
R="$T/ro"
mkdir -p "$R/dir"
printf 'keep me\n' >"$R/file.txt"
checkro() {
	local name=$1 want=$2; shift 2
	run "$name" --dir "$R:/ro:ro" --dir "$S:/rw" "$T/confine.wasm" -- "$@"
	expect_rc "$name" 0; expect_out "$name" "$want"
}
checkro r_open 0 open file.txt
checkro r_stat 0 stat dir
checkro r_write $EROFS write file.txt
checkro r_create $EROFS create new.txt
checkro r_trunc $EROFS create file.txt
checkro r_mkdir $EROFS mkdir newdir
checkro r_rmdir $EROFS rmdir dir
checkro r_unlink $EROFS unlink file.txt
checkro r_rename $EROFS rename file.txt other.txt
checkro r_link $EROFS link file.txt other.txt
checkro r_xlink $EROFS xlink file.txt from_ro.txt
checkro r_symlink $EROFS symlink l file.txt
checkro r_utimes $EROFS utimes file.txt
[ "$(cat "$R/file.txt")" = "keep me" ] || fail "ro: file.txt changed"
[ "$(ls -A "$R" | tr '\n' ' ')" = "dir file.txt " ] || fail "ro: the directory changed: $(ls -A "$R")"
[ ! -e "$S/from_ro.txt" ] || fail "ro: a hard link to a read-only file was made in the writable directory"
# libc's view of it: reading works, writing is "Read-only file system"
cc_wasi rolibc <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	char buf[32] = "";
	FILE *f = fopen("/ro/file.txt", "r");
	printf("read: %s", f && fgets(buf, sizeof buf, f) ? buf : "(failed)\n");
	if (f)
		fclose(f);
	f = fopen("/ro/file.txt", "a");
	printf("append: %s\n", f ? "opened" : strerror(errno));
	return 0;
}
EOF
run rolibc --dir "$R:/ro:ro" "$T/rolibc.wasm"
expect_rc rolibc 0; expect_out rolibc "read: keep me
append: Read-only file system"

# ---- poll_oneoff on stdin --------------------------------------------------------------------
cat >"$T/pollin.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include <wasi/api.h>
int main(void)
{
	__wasi_subscription_t s[2] = {
		{ .userdata = 1, .u = { .tag = __WASI_EVENTTYPE_FD_READ, .u.fd_read.file_descriptor = 0 } },
		{ .userdata = 2, .u = { .tag = __WASI_EVENTTYPE_CLOCK,
					.u.clock = { .id = __WASI_CLOCKID_MONOTONIC, .timeout = TIMEOUT_NS } } },
	};
	__wasi_event_t ev[2];
	__wasi_size_t n;
	if (__wasi_poll_oneoff(s, ev, 2, &n))
		return 1;
	for (__wasi_size_t i = 0; i < n; i++)
		printf("event %llu type %d error %d\n", (unsigned long long)ev[i].userdata, ev[i].type, ev[i].error);
	if (n == 1 && ev[0].userdata == 1) {
		char buf[16];
		ssize_t r = read(0, buf, sizeof buf);
		printf("read %.*s", (int)(r > 0 ? r : 0), buf);
	}
	return 0;
}
EOF
cc_wasi pollwait -DTIMEOUT_NS=20000000000ull <"$T/pollin.c"
cc_wasi pollidle -DTIMEOUT_NS=100000000ull <"$T/pollin.c"
# data after 0.3 s: the poll waits for it (the 20 s clock does not fire)
(sleep 0.3; echo hi) | timeout 60 "$X" wasm run "$T/pollwait.wasm" >"$T/pollwait.out" 2>"$T/pollwait.err"
rc=$?
expect_rc pollwait 0; expect_out pollwait "event 1 type 1 error 0
read hi"
# a pipe that stays empty (its writer sleeps 5 s): the 100 ms clock fires alone
sleep 5 | timeout 60 "$X" wasm run "$T/pollidle.wasm" >"$T/pollidle.out" 2>"$T/pollidle.err"
rc=$?
expect_rc pollidle 0; expect_out pollidle "event 2 type 0 error 0"

# ---- --dir errors ------------------------------------------------------------------------------
run d_missing --dir "$T/nope" "$T/probe.wasm"
expect_rc d_missing 1
[ "$(cat "$T/d_missing.err")" = "xdperf wasm run: --dir $T/nope: No such file or directory" ] ||
	fail "d_missing: stderr was [$(cat "$T/d_missing.err")]"
run d_file --dir "$T/outside/secret.txt:/x" "$T/probe.wasm"
expect_rc d_file 1
[ "$(cat "$T/d_file.err")" = "xdperf wasm run: --dir $T/outside/secret.txt: not a directory" ] ||
	fail "d_file: stderr was [$(cat "$T/d_file.err")]"
run d_empty --dir ":guest" "$T/probe.wasm"
expect_rc d_empty 2
grep -q "^xdperf wasm run: --dir ':guest': expected HOST\[:GUEST\]\[:ro|:rw\]" "$T/d_empty.err" ||
	fail "d_empty: stderr was [$(cat "$T/d_empty.err")]"
run d_noarg "$T/probe.wasm" --dir
expect_rc d_noarg 2
# a mode other than ro or rw is an error, not part of the guest's path (a typo of :ro must not
# leave the directory writable); an explicit :rw is writable
run d_mode --dir "$R:/ro:rdonly" "$T/probe.wasm"
expect_rc d_mode 2
[ "$(cat "$T/d_mode.err")" = "xdperf wasm run: --dir '$R:/ro:rdonly': unknown mode 'rdonly' (ro or rw; a GUEST path has no ':')" ] ||
	fail "d_mode: stderr was [$(cat "$T/d_mode.err")]"
W="$T/rwcopy"
mkdir -p "$W/dir"
printf 'x\n' >"$W/file.txt"
run d_rw --dir "$W:/ro:rw" --dir "$S:/rw" "$T/confine.wasm" -- write file.txt
expect_rc d_rw 0; expect_out d_rw 0
run d_hostro --dir "$R:ro" "$T/probe.wasm"
expect_rc d_hostro 0

if [ "$fails" -ne 0 ]; then
	echo "FAILED: $fails check(s)"
	exit 1
fi
echo "all WASI file checks passed"
