/* WASI path calls (path_open, path_filestat_*, path_create_directory, path_remove_directory,
 * path_unlink_file, path_rename, path_link, path_symlink, path_readlink), confined beneath the
 * directory descriptor they are given.
 *
 * Confinement is the kernel's: every path the guest gives is resolved by openat2() with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS relative to the host descriptor of the guest's
 * directory, so an absolute path, a ".." above it or a symbolic link (anywhere on the path)
 * leading out of it fails (EXDEV, reported as ENOTCAPABLE). Calls that act on a name rather
 * than open it (mkdir, unlink, rename, link, symlink, readlink, utimes without following) open
 * the name's parent that way (O_PATH) and then act on the last component relative to it, which
 * the kernel never follows (unlinkat, mkdirat, renameat, linkat without AT_SYMLINK_FOLLOW,
 * symlinkat, readlinkat, utimensat with AT_SYMLINK_NOFOLLOW); a "." or ".." there names a
 * directory those calls refuse. What follows the last component (stat, utimes, link with
 * symlink_follow) opens the whole path beneath the directory instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_int.h"

#define GUEST_PATH_MAX 4096

/* ---- resolution ------------------------------------------------------------------------------ */

/* openat2 beneath dirfd: the new descriptor, or -1 with errno (EXDEV: the path leads out). */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
				.mode = (flags & O_CREAT) ? mode : 0,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	for (int tries = 0;; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/* EAGAIN: a rename raced with the lookup; the kernel asks to retry */
		if (errno != EAGAIN || tries == 16)
			return -1;
	}
}

int wasi_path_probe(int dirfd)
{
	int fd = open_beneath(dirfd, ".", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return errno == ENOSYS || errno == EPERM ? -ENOSYS : -errno;
	close(fd);
	return 0;
}

/* A failed resolution's errno as WASI's: leaving the directory is ENOTCAPABLE. */
static int path_errno(int e)
{
	return e == EXDEV ? XWASI_ENOTCAPABLE : wasi_errno(e);
}

/* Whether s (len bytes) is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static bool utf8_ok(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t b = s[i];
		size_t n;
		uint32_t cp, min;
		if (b < 0x80) {
			i++;
			continue;
		} else if ((b & 0xe0) == 0xc0) {
			n = 2, cp = b & 0x1f, min = 0x80;
		} else if ((b & 0xf0) == 0xe0) {
			n = 3, cp = b & 0x0f, min = 0x800;
		} else if ((b & 0xf8) == 0xf0) {
			n = 4, cp = b & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + n > len)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

/* The guest's path string (ptr, len) as a malloc'd C string in *out: 0, or EFAULT (outside
 * guest memory), EINVAL (a NUL in it), EILSEQ (not UTF-8), ENAMETOOLONG, ENOMEM. */
static int get_path(xwasm_instance *caller, uint32_t ptr, uint32_t len, char **out)
{
	const uint8_t *p = gptr(guest_mem(caller), ptr, len);
	*out = NULL;
	if (!p)
		return XWASI_EFAULT;
	if (len >= GUEST_PATH_MAX)
		return XWASI_ENAMETOOLONG;
	if (len && memchr(p, 0, len))
		return XWASI_EINVAL;
	if (!utf8_ok(p, len))
		return XWASI_EILSEQ;
	char *s = malloc((size_t)len + 1);
	if (!s)
		return XWASI_ENOMEM;
	if (len)
		memcpy(s, p, len);
	s[len] = 0;
	*out = s;
	return 0;
}

/* A path's last component and the directory holding it. */
struct at {
	int fd;           /* the parent's descriptor (the guest directory's own when no slash) */
	bool own;         /* fd was opened here: close_at() closes it */
	const char *name; /* the last component, with its trailing slashes */
};

static void close_at(struct at *at)
{
	if (at->own)
		close(at->fd);
	at->own = false;
}

/* Opens the parent of path's last component beneath dirfd: 0 with *at, or a WASI errno. */
static int at_parent(int dirfd, char *path, struct at *at)
{
	size_t len = strlen(path), e = len;
	while (e > 0 && path[e - 1] == '/')
		e--;
	if (e == 0)
		return len ? XWASI_ENOTCAPABLE : XWASI_ENOENT; /* "/": absolute; "": nothing */
	size_t s = e;
	while (s > 0 && path[s - 1] != '/')
		s--;
	*at = (struct at){ .fd = dirfd, .own = false, .name = path + s };
	if (s == 0)
		return 0;
	char keep = path[s];
	path[s] = 0; /* the parent, with its slash: "a/b/" of "a/b/c"; "/" of an absolute path */
	int fd = open_beneath(dirfd, path, O_PATH | O_DIRECTORY, 0);
	int er = errno;
	path[s] = keep;
	if (fd < 0)
		return path_errno(er);
	at->fd = fd;
	at->own = true;
	return 0;
}

/* Whether the last component is "." or ".." (trailing slashes aside). */
static bool dot_name(const char *name)
{
	size_t n = strcspn(name, "/");
	return (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.');
}

/* The host descriptor of a path call's directory (lock held), with `rights`: 0 with *host and
 * *ro, or a WASI errno (ENOTDIR: not a directory). */
static int dir_use(struct xwasm_wasi *c, void *user, int32_t fd, uint64_t rights, int *host, bool *ro,
		   uint64_t *inh)
{
	struct wasi_fd *e;
	int err = wasi_fd_use(c, user, fd, rights, &e);
	if (err)
		return err;
	if (e->kind != WFD_HOST || e->filetype != FILETYPE_DIRECTORY)
		return XWASI_ENOTDIR;
	*host = e->host;
	*ro = e->ro;
	if (inh)
		*inh = e->inh;
	return 0;
}

/* A path for utimensat/linkat to reach what an O_PATH descriptor of ours refers to. */
static void fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* ---- path_open ------------------------------------------------------------------------------- */

/* path_open(dirfd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags,
 * fd_ptr). The new descriptor's rights are those asked for that the directory passes on
 * (its inheriting rights) and that fit the file's type; it is opened for writing on the host
 * when they include writing (fd_write, fd_allocate, fd_filestat_set_size) or oflags truncate,
 * for reading when they include fd_read or fd_readdir. */
int wasi_path_open(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint32_t lookup = arg_u32(args, 1), oflags = arg_u32(args, 4) & 0xffff;
	uint64_t base = (uint64_t)args[5].of.i64, inh = (uint64_t)args[6].of.i64;
	uint32_t fdflags = arg_u32(args, 7) & 0xffff, outp = arg_u32(args, 8);
	if (!gptr(guest_mem(caller), outp, 4))
		return ret_errno(results, XWASI_EFAULT);
	char *path;
	int err = get_path(caller, arg_u32(args, 2), arg_u32(args, 3), &path);
	if (err)
		return ret_errno(results, err);
	uint64_t need = R_PATH_OPEN | (oflags & OFLAG_CREAT ? R_PATH_CREATE_FILE : 0) |
			(oflags & OFLAG_TRUNC ? R_PATH_FILESTAT_SET_SIZE : 0);
	int dir;
	bool ro;
	uint64_t dinh;
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, need, &dir, &ro, &dinh);
	if (!err && (oflags > 15 || fdflags > 31))
		err = XWASI_EINVAL;
	if (err)
		goto out;
	base &= dinh;
	inh &= dinh;
	bool wr = base & (R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
	bool rd = base & (R_FD_READ | R_FD_READDIR);
	if (ro && (wr || (oflags & (OFLAG_CREAT | OFLAG_TRUNC)) || (fdflags & FDFLAG_APPEND))) {
		err = XWASI_EROFS;
		goto out;
	}
	int fl = O_NOCTTY;
	if (wr || (oflags & OFLAG_TRUNC))
		fl |= rd ? O_RDWR : O_WRONLY;
	else
		fl |= O_RDONLY;
	fl |= (oflags & OFLAG_CREAT ? O_CREAT : 0) | (oflags & OFLAG_DIRECTORY ? O_DIRECTORY : 0) |
	      (oflags & OFLAG_EXCL ? O_EXCL : 0) | (oflags & OFLAG_TRUNC ? O_TRUNC : 0);
	fl |= (lookup & LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW;
	fl |= (fdflags & FDFLAG_APPEND ? O_APPEND : 0) | (fdflags & FDFLAG_DSYNC ? O_DSYNC : 0) |
	      (fdflags & FDFLAG_NONBLOCK ? O_NONBLOCK : 0) | (fdflags & FDFLAG_RSYNC ? O_RSYNC : 0) |
	      (fdflags & FDFLAG_SYNC ? O_SYNC : 0);
	int fd = open_beneath(dir, path, fl, 0666);
	if (fd < 0) {
		err = path_errno(errno);
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st)) {
		err = wasi_errno(errno);
		close(fd);
		goto out;
	}
	struct wasi_fd e = { .kind = WFD_HOST, .filetype = wasi_filetype(st.st_mode), .fdflags = (uint16_t)fdflags,
			     .ro = ro, .host = fd, .inh = inh };
	e.base = base & (S_ISDIR(st.st_mode) ? RIGHTS_DIR : RIGHTS_FILE) & (ro ? ~RIGHTS_WRITE : ~0ull);
	uint32_t nfd;
	err = wasi_fd_add(c, &e, &nfd);
	if (!err)
		store_u32(guest_mem(caller), outp, nfd);
out:
	wasi_unlock(c);
	free(path);
	return ret_errno(results, err);
}

/* ---- calls on a name ------------------------------------------------------------------------- */

enum name_op { OP_MKDIR, OP_RMDIR, OP_UNLINK };

/* path_create_directory, path_remove_directory, path_unlink_file: (fd, path, path_len) */
static int name_op(xwasm_instance *caller, void *user, const xwasm_val *args, enum name_op op)
{
	static const uint64_t right[] = { R_PATH_CREATE_DIRECTORY, R_PATH_REMOVE_DIRECTORY, R_PATH_UNLINK_FILE };
	struct xwasm_wasi *c = ctx_of(user);
	char *path;
	int err = get_path(caller, arg_u32(args, 1), arg_u32(args, 2), &path);
	if (err)
		return err;
	int dir;
	bool ro;
	struct at at = { .own = false };
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, right[op], &dir, &ro, NULL);
	if (!err && ro)
		err = XWASI_EROFS;
	if (!err)
		err = at_parent(dir, path, &at);
	if (!err) {
		int r = op == OP_MKDIR ? mkdirat(at.fd, at.name, 0777)
					: unlinkat(at.fd, at.name, op == OP_RMDIR ? AT_REMOVEDIR : 0);
		if (r)
			err = wasi_errno(errno);
	}
	close_at(&at);
	wasi_unlock(c);
	free(path);
	return err;
}

int wasi_path_create_directory(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, name_op(caller, user, args, OP_MKDIR));
}

int wasi_path_remove_directory(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, name_op(caller, user, args, OP_RMDIR));
}

int wasi_path_unlink_file(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, name_op(caller, user, args, OP_UNLINK));
}

/* path_filestat_get(fd, flags, path, path_len, buf) */
int wasi_path_filestat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	bool follow = arg_u32(args, 1) & LOOKUP_SYMLINK_FOLLOW;
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 4), 64);
	if (!p)
		return ret_errno(results, XWASI_EFAULT);
	char *path;
	int err = get_path(caller, arg_u32(args, 2), arg_u32(args, 3), &path);
	if (err)
		return ret_errno(results, err);
	int dir;
	bool ro;
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, R_PATH_FILESTAT_GET, &dir, &ro, NULL);
	if (!err) {
		int fd = open_beneath(dir, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
		struct stat st;
		if (fd < 0) {
			err = path_errno(errno);
		} else {
			if (fstat(fd, &st))
				err = wasi_errno(errno);
			else
				wasi_put_filestat(p, &st);
			close(fd);
		}
	}
	wasi_unlock(c);
	free(path);
	return ret_errno(results, err);
}

/* path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags) */
int wasi_path_filestat_set_times(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	bool follow = arg_u32(args, 1) & LOOKUP_SYMLINK_FOLLOW;
	struct timespec ts[2];
	int err = wasi_times((uint64_t)args[4].of.i64, (uint64_t)args[5].of.i64, arg_u32(args, 6) & 0xffff, ts);
	if (err)
		return ret_errno(results, err);
	char *path;
	err = get_path(caller, arg_u32(args, 2), arg_u32(args, 3), &path);
	if (err)
		return ret_errno(results, err);
	int dir;
	bool ro;
	struct at at = { .own = false };
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, R_PATH_FILESTAT_SET_TIMES, &dir, &ro, NULL);
	if (!err && ro)
		err = XWASI_EROFS;
	if (!err)
		err = at_parent(dir, path, &at);
	if (!err && !follow && !dot_name(at.name)) {
		/* the last component itself (a symbolic link is changed, not followed) */
		if (utimensat(at.fd, at.name, ts, AT_SYMLINK_NOFOLLOW))
			err = wasi_errno(errno);
	} else if (!err) {
		/* what the path leads to, resolved beneath the directory */
		int fd = open_beneath(dir, path, O_PATH, 0);
		if (fd < 0) {
			err = path_errno(errno);
		} else {
			char proc[32];
			fd_path(fd, proc);
			if (utimensat(AT_FDCWD, proc, ts, 0))
				err = errno == ENOENT ? XWASI_ENOTSUP : wasi_errno(errno);
			close(fd);
		}
	}
	close_at(&at);
	wasi_unlock(c);
	free(path);
	return ret_errno(results, err);
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr): the target, cut to buf_len. */
int wasi_path_readlink(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint32_t len = arg_u32(args, 4), usedp = arg_u32(args, 5);
	uint8_t *buf = gptr(mem, arg_u32(args, 3), len);
	if (!buf || !gptr(mem, usedp, 4))
		return ret_errno(results, XWASI_EFAULT);
	char *path;
	int err = get_path(caller, arg_u32(args, 1), arg_u32(args, 2), &path);
	if (err)
		return ret_errno(results, err);
	int dir;
	bool ro;
	struct at at = { .own = false };
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, R_PATH_READLINK, &dir, &ro, NULL);
	if (!err)
		err = at_parent(dir, path, &at);
	if (!err) {
		char tmp[1];
		ssize_t n = readlinkat(at.fd, at.name, len ? (char *)buf : tmp, len ? len : sizeof(tmp));
		if (n < 0)
			err = wasi_errno(errno);
		else
			store_u32(mem, usedp, len ? (uint32_t)n : 0);
	}
	close_at(&at);
	wasi_unlock(c);
	free(path);
	return ret_errno(results, err);
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) and
 * path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) */
static int two_names(xwasm_instance *caller, void *user, const xwasm_val *args, bool link)
{
	struct xwasm_wasi *c = ctx_of(user);
	int a = link ? 2 : 1, b = link ? 5 : 4; /* argument index of each path */
	bool follow = link && (arg_u32(args, 1) & LOOKUP_SYMLINK_FOLLOW);
	char *p1 = NULL, *p2 = NULL;
	int err = get_path(caller, arg_u32(args, a), arg_u32(args, a + 1), &p1);
	if (!err)
		err = get_path(caller, arg_u32(args, b), arg_u32(args, b + 1), &p2);
	if (err) {
		free(p1);
		return err;
	}
	int d1, d2;
	bool ro1, ro2;
	struct at at1 = { .own = false }, at2 = { .own = false };
	wasi_lock(c);
	err = dir_use(c, user, args[0].of.i32, link ? R_PATH_LINK_SOURCE : R_PATH_RENAME_SOURCE, &d1, &ro1, NULL);
	if (!err)
		err = dir_use(c, user, args[b - 1].of.i32, link ? R_PATH_LINK_TARGET : R_PATH_RENAME_TARGET, &d2,
			      &ro2, NULL);
	/* a link from a read-only directory into a writable one would make its file writable */
	if (!err && (ro1 || ro2))
		err = XWASI_EROFS;
	if (!err && !follow)
		err = at_parent(d1, p1, &at1);
	if (!err)
		err = at_parent(d2, p2, &at2);
	if (!err && !link) {
		if (renameat(at1.fd, at1.name, at2.fd, at2.name))
			err = wasi_errno(errno);
	} else if (!err && !follow) {
		if (linkat(at1.fd, at1.name, at2.fd, at2.name, 0))
			err = wasi_errno(errno);
	} else if (!err) {
		int fd = open_beneath(d1, p1, O_PATH, 0);
		if (fd < 0) {
			err = path_errno(errno);
		} else {
			char proc[32];
			fd_path(fd, proc);
			if (linkat(AT_FDCWD, proc, at2.fd, at2.name, AT_SYMLINK_FOLLOW))
				err = wasi_errno(errno);
			close(fd);
		}
	}
	close_at(&at1);
	close_at(&at2);
	wasi_unlock(c);
	free(p1);
	free(p2);
	return err;
}

int wasi_path_rename(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, two_names(caller, user, args, false));
}

int wasi_path_link(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, two_names(caller, user, args, true));
}

/* path_symlink(old_path, old_len, fd, new_path, new_len): a link to old_path, which must be
 * relative (resolution beneath the directory would refuse an absolute one anyway). */
int wasi_path_symlink(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	char *target = NULL, *path = NULL;
	int err = get_path(caller, arg_u32(args, 0), arg_u32(args, 1), &target);
	if (!err)
		err = get_path(caller, arg_u32(args, 3), arg_u32(args, 4), &path);
	if (err) {
		free(target);
		return ret_errno(results, err);
	}
	int dir;
	bool ro;
	struct at at = { .own = false };
	wasi_lock(c);
	err = dir_use(c, user, args[2].of.i32, R_PATH_SYMLINK, &dir, &ro, NULL);
	if (!err && ro)
		err = XWASI_EROFS;
	if (!err && target[0] == '/')
		err = XWASI_ENOTCAPABLE;
	if (!err)
		err = at_parent(dir, path, &at);
	if (!err && symlinkat(target, at.fd, at.name))
		err = wasi_errno(errno);
	close_at(&at);
	wasi_unlock(c);
	free(target);
	free(path);
	return ret_errno(results, err);
}
