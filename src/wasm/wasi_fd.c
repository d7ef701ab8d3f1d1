/* WASI descriptors: the guest's descriptor table (stdio, preopens, what path_open opened) and
 * the fd_* calls on it. stdio is the output sink (fd 1/2) and the process's stdin (fd 0);
 * every other descriptor is a host descriptor the table owns. See wasi_int.h for the table's
 * locking (none without preopens: it never changes then). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_int.h"

#define FD_TABLE_MAX 65536u   /* guest descriptors per context */
#define DIRENT_SIZE 24

/* ---- the table ----------------------------------------------------------------------------- */

struct wasi_fd *wasi_fd_get(struct xwasm_wasi *c, int32_t fd)
{
	if (fd < 0 || (uint32_t)fd >= c->nfds || c->fds[fd].kind == WFD_FREE)
		return NULL;
	return &c->fds[fd];
}

int wasi_fd_use(struct xwasm_wasi *c, void *user, int32_t fd, uint64_t rights, struct wasi_fd **out)
{
	struct wasi_fd *e = wasi_fd_get(c, fd);
	if (!e)
		return XWASI_EBADF;
	if ((e->base & rights) != rights) {
		if (e->kind == WFD_HOST)
			return XWASI_ENOTCAPABLE;
		int se = func_of(user)->stdio_errno;
		return se ? se : XWASI_EBADF;
	}
	*out = e;
	return 0;
}

void wasi_fd_release(struct wasi_fd *e)
{
	if (e->kind == WFD_HOST && e->host >= 0)
		close(e->host);
	free(e->preopen);
	if (e->snap) {
		free(e->snap->buf);
		free(e->snap->off);
		free(e->snap);
	}
	memset(e, 0, sizeof(*e));
}

int wasi_fd_add(struct xwasm_wasi *c, const struct wasi_fd *e, uint32_t *fd)
{
	uint32_t i = 3;
	while (i < c->nfds && c->fds[i].kind != WFD_FREE)
		i++;
	if (i == c->nfds) {
		uint32_t n = c->nfds * 2 < 16 ? 16 : c->nfds * 2;
		if (n > FD_TABLE_MAX)
			n = FD_TABLE_MAX;
		struct wasi_fd *t = n > c->nfds ? realloc(c->fds, (size_t)n * sizeof(*t)) : NULL;
		if (!t) {
			close(e->host);
			return n > c->nfds ? XWASI_ENOMEM : XWASI_EMFILE;
		}
		memset(t + c->nfds, 0, (size_t)(n - c->nfds) * sizeof(*t));
		c->fds = t;
		c->nfds = n;
	}
	c->fds[i] = *e;
	*fd = i;
	return 0;
}

uint8_t wasi_filetype(mode_t mode)
{
	if (S_ISREG(mode))
		return FILETYPE_REGULAR_FILE;
	if (S_ISDIR(mode))
		return FILETYPE_DIRECTORY;
	if (S_ISCHR(mode))
		return FILETYPE_CHARACTER_DEVICE;
	if (S_ISBLK(mode))
		return FILETYPE_BLOCK_DEVICE;
	if (S_ISLNK(mode))
		return FILETYPE_SYMBOLIC_LINK;
	if (S_ISSOCK(mode))
		return FILETYPE_SOCKET_STREAM;
	return FILETYPE_UNKNOWN; /* a FIFO: WASI has no type for it */
}

static uint64_t ns_of(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

void wasi_put_filestat(uint8_t *p, const struct stat *st)
{
	memset(p, 0, 64);
	put_u64(p, (uint64_t)st->st_dev);
	put_u64(p + 8, (uint64_t)st->st_ino);
	p[16] = wasi_filetype(st->st_mode);
	put_u64(p + 24, (uint64_t)st->st_nlink);
	put_u64(p + 32, (uint64_t)st->st_size);
	put_u64(p + 40, ns_of(&st->st_atim));
	put_u64(p + 48, ns_of(&st->st_mtim));
	put_u64(p + 56, ns_of(&st->st_ctim));
}

int wasi_fd_table_init(struct xwasm_wasi *c, const struct xwasm_wasi_preopen *pre, size_t npre)
{
	c->nfds = (uint32_t)(3 + npre);
	c->fds = calloc(c->nfds, sizeof(*c->fds));
	if (!c->fds)
		return -ENOMEM;
	c->fds[0] = (struct wasi_fd){ .kind = WFD_STDIN, .host = 0,
				      .base = (c->stdin_read ? R_FD_READ : 0) | R_POLL_FD_READWRITE };
	for (int i = 1; i <= 2; i++)
		c->fds[i] = (struct wasi_fd){ .kind = WFD_SINK, .host = i,
					      .base = R_FD_WRITE | R_POLL_FD_READWRITE };
	int rc = 0;
	for (size_t i = 0; i < npre && !rc; i++) {
		struct wasi_fd *e = &c->fds[3 + i];
		int fd = open(pre[i].host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		*e = (struct wasi_fd){ .kind = WFD_HOST, .filetype = FILETYPE_DIRECTORY, .host = fd,
				       .ro = pre[i].read_only, .base = RIGHTS_DIR,
				       .inh = RIGHTS_DIR | RIGHTS_FILE, .preopen = strdup(pre[i].guest) };
		if (!e->preopen)
			rc = -ENOMEM;
		else if (i == 0)
			rc = wasi_path_probe(fd);
	}
	if (!rc && npre) {
		c->own = true;
		if (pthread_mutex_init(&c->lock, NULL)) {
			c->own = false;
			rc = -ENOMEM;
		}
	}
	if (rc) {
		for (uint32_t i = 0; i < c->nfds; i++)
			wasi_fd_release(&c->fds[i]);
		free(c->fds);
		c->fds = NULL;
		c->nfds = 0;
	}
	return rc;
}

void wasi_fd_table_free(struct xwasm_wasi *c)
{
	for (uint32_t i = 0; i < c->nfds; i++)
		wasi_fd_release(&c->fds[i]);
	free(c->fds);
	c->fds = NULL;
	c->nfds = 0;
	if (c->own)
		pthread_mutex_destroy(&c->lock);
}

/* ---- stdio ----------------------------------------------------------------------------------- */

size_t wasi_sink_write(const struct xwasm_wasi *c, int fd, const uint8_t *buf, size_t len, int *err)
{
	size_t done = 0;
	*err = 0;
	while (done < len) {
		ssize_t n;
		if (c->write) {
			int r = c->write(c->write_ctx, fd, buf + done, len - done);
			if (r < 0) {
				*err = -r;
				break;
			}
			if (r == 0 || (size_t)r > len - done) /* no progress or nonsense: stop */
				return done + (r ? len - done : 0);
			n = r;
		} else {
			n = write(fd, buf + done, len - done);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				*err = errno;
				break;
			}
			if (n == 0)
				break;
		}
		done += (size_t)n;
	}
	return done;
}

/* The process's own stream's type when the guest's stream is the process's (no output sink;
 * fd 0 only when it reads stdin), so a guest sees a redirected stream is no terminal; a
 * character device otherwise (a log sink: guests keep their output line-buffered). */
uint8_t wasi_stdio_filetype(const struct xwasm_wasi *c, int fd)
{
	bool own = fd == 0 ? c->stdin_read : !c->write;
	if (!own || c->deterministic)
		return FILETYPE_CHARACTER_DEVICE;
	struct stat st;
	if (fstat(fd, &st))
		return FILETYPE_UNKNOWN;
	return wasi_filetype(st.st_mode);
}

/* ---- reading and writing --------------------------------------------------------------------- */

#define IOV_INLINE 16 /* iovecs gathered without an allocation */

/* The guest's iovec array (niov entries at iovs) as host iovecs in *out (`inl` when they fit,
 * else malloc'd; at most IOV_MAX, empty ones left out: a longer list makes a short transfer)
 * and their count in *n. Every entry is checked first: EFAULT when one is outside guest
 * memory, EINVAL when they sum to more than 4 GiB - 1 (nread/nwritten are 32-bit). */
static int gather(xwasm_memory *mem, uint32_t iovs, uint32_t niov, struct iovec inl[IOV_INLINE],
		  struct iovec **out, int *n)
{
	const uint8_t *iov = gptr(mem, iovs, (uint64_t)niov * 8);
	*out = NULL;
	*n = 0;
	if (!iov)
		return XWASI_EFAULT;
	uint64_t total = 0;
	uint32_t used = 0;
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t p = get_u32(iov + 8 * i), len = get_u32(iov + 8 * i + 4);
		if (!gptr(mem, p, len))
			return XWASI_EFAULT;
		total += len;
		used += len != 0;
	}
	if (total > UINT32_MAX)
		return XWASI_EINVAL;
	if (used > IOV_MAX)
		used = IOV_MAX;
	if (!used)
		return 0;
	struct iovec *v = used <= IOV_INLINE ? inl : malloc(used * sizeof(*v));
	if (!v)
		return XWASI_ENOMEM;
	int k = 0;
	for (uint32_t i = 0; i < niov && k < (int)used; i++) {
		uint32_t p = get_u32(iov + 8 * i), len = get_u32(iov + 8 * i + 4);
		if (len)
			v[k++] = (struct iovec){ .iov_base = gptr(mem, p, len), .iov_len = len };
	}
	*out = v;
	*n = k;
	return 0;
}

/* Writes the iovecs to a sink stream; short only on error. */
static int sink_writev(const struct xwasm_wasi *c, int stream, const struct iovec *v, int n, uint32_t *written)
{
	*written = 0;
	for (int i = 0; i < n; i++) {
		int err;
		size_t w = wasi_sink_write(c, stream, v[i].iov_base, v[i].iov_len, &err);
		*written += (uint32_t)w;
		if (w < v[i].iov_len) {
			if (err && *written == 0)
				return wasi_errno(err);
			break;
		}
	}
	return 0;
}

/* The host errno of a failed read as WASI's (a signal ending a blocking read: EINTR). */
static int io_errno(int e)
{
	return e == EINTR ? XWASI_EINTR : wasi_errno(e);
}

/* fd_read, fd_pread, fd_write, fd_pwrite: (fd, iovs, iovs_len, [offset,] nbytes_ptr). */
static int rw(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results,
	      bool write, bool positioned)
{
	struct xwasm_wasi *c = ctx_of(user);
	int32_t fd = args[0].of.i32;
	uint32_t iovs = arg_u32(args, 1), niov = arg_u32(args, 2);
	uint64_t off = positioned ? (uint64_t)args[3].of.i64 : 0;
	uint32_t nptr = arg_u32(args, positioned ? 4 : 3);
	uint64_t need = (write ? R_FD_WRITE : R_FD_READ) | (positioned ? R_FD_SEEK : 0);
	xwasm_memory *mem = guest_mem(caller);
	struct iovec inl[IOV_INLINE], *v = NULL;
	int n = 0;
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, fd, need, &e);
	if (!err && !gptr(mem, nptr, 4))
		err = XWASI_EFAULT;
	if (!err)
		err = gather(mem, iovs, niov, inl, &v, &n);
	if (!err && positioned && off > INT64_MAX)
		err = XWASI_EINVAL;
	if (err)
		goto out;
	uint32_t done = 0;
	if (e->kind == WFD_SINK) {
		err = sink_writev(c, e->host, v, n, &done);
	} else if (n) {
		int h = e->kind == WFD_STDIN ? 0 : e->host;
		ssize_t r;
		do {
			if (write)
				r = positioned ? pwritev(h, v, n, (off_t)off) : writev(h, v, n);
			else
				r = positioned ? preadv(h, v, n, (off_t)off) : readv(h, v, n);
		} while (r < 0 && errno == EINTR && (write || positioned));
		if (r < 0)
			err = io_errno(errno);
		else
			done = (uint32_t)r;
	}
	if (!err)
		store_u32(mem, nptr, done);
out:
	wasi_unlock(c);
	if (v != inl)
		free(v);
	return ret_errno(results, err);
}

/* fd_read(fd, iovs, iovs_len, nread): fd 0 reads the process's stdin when the context lets it
 * (one read, as POSIX read: what is there, 0 at its end; a signal ends it with EINTR). */
int wasi_fd_read(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return rw(caller, user, args, results, false, false);
}

int wasi_fd_pread(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return rw(caller, user, args, results, false, true);
}

int wasi_fd_write(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return rw(caller, user, args, results, true, false);
}

int wasi_fd_pwrite(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return rw(caller, user, args, results, true, true);
}

/* fd_seek(fd, offset: i64, whence: u8, newoffset_ptr); fd_tell(fd, offset_ptr) */
static int seek(xwasm_instance *caller, void *user, int32_t fd, int64_t offset, uint32_t whence,
		uint32_t ptr, uint64_t need)
{
	struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, fd, need, &e);
	if (!err && whence > 2)
		err = XWASI_EINVAL;
	if (!err && !gptr(mem, ptr, 8))
		err = XWASI_EFAULT;
	if (!err) {
		static const int how[3] = { SEEK_SET, SEEK_CUR, SEEK_END };
		off_t r = lseek(e->host, (off_t)offset, how[whence]);
		if (r < 0)
			err = wasi_errno(errno);
		else
			store_u64(mem, ptr, (uint64_t)r);
	}
	wasi_unlock(c);
	return err;
}

int wasi_fd_seek(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	int64_t off = args[1].of.i64;
	uint32_t whence = arg_u32(args, 2);
	/* seeking by 0 from the current position only tells where it is */
	uint64_t need = off == 0 && whence == 1 ? R_FD_TELL : R_FD_SEEK;
	return ret_errno(results, seek(caller, user, args[0].of.i32, off, whence & 0xff, arg_u32(args, 3), need));
}

int wasi_fd_tell(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, seek(caller, user, args[0].of.i32, 0, 1, arg_u32(args, 1), R_FD_TELL));
}

/* ---- descriptor state ------------------------------------------------------------------------ */

/* fd_close(fd): without preopens stdio closes are accepted as no-ops (the table is shared). */
int wasi_fd_close(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = e ? 0 : XWASI_EBADF;
	if (e && c->own)
		wasi_fd_release(e);
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_renumber(from, to): `to` is closed and becomes `from`, which is closed. Both must be open. */
int wasi_fd_renumber(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	wasi_lock(c);
	struct wasi_fd *a = wasi_fd_get(c, args[0].of.i32), *b = wasi_fd_get(c, args[1].of.i32);
	int err = a && b ? 0 : XWASI_EBADF;
	if (!err && !c->own)
		err = func_of(user)->stdio_errno; /* stdio alone, and shared: not changed */
	if (!err && a != b) {
		wasi_fd_release(b);
		*b = *a;
		memset(a, 0, sizeof(*a));
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_fdstat_get(fd, buf): file type, flags, rights. */
int wasi_fd_fdstat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), 24);
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = !e ? XWASI_EBADF : !p ? XWASI_EFAULT : 0;
	if (!err) {
		memset(p, 0, 24);
		p[0] = e->kind == WFD_HOST ? e->filetype : wasi_stdio_filetype(c, e->host);
		put_u16(p + 2, e->fdflags);
		put_u64(p + 8, e->base);
		put_u64(p + 16, e->inh);
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_fdstat_set_flags(fd, flags): append and nonblock change; the sync flags are fixed at
 * path_open (ENOTSUP when they would change). */
int wasi_fd_fdstat_set_flags(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint32_t flags = arg_u32(args, 1) & 0xffff;
	const uint32_t fixed = FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC;
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_FDSTAT_SET_FLAGS, &e);
	if (!err && e->kind != WFD_HOST)
		err = func_of(user)->stdio_errno;
	if (!err && flags > 31)
		err = XWASI_EINVAL;
	if (!err && (flags & fixed) != (e->fdflags & fixed))
		err = XWASI_ENOTSUP;
	if (!err) {
		int fl = fcntl(e->host, F_GETFL);
		if (fl >= 0) {
			fl = (fl & ~(O_APPEND | O_NONBLOCK)) | (flags & FDFLAG_APPEND ? O_APPEND : 0) |
			     (flags & FDFLAG_NONBLOCK ? O_NONBLOCK : 0);
			fl = fcntl(e->host, F_SETFL, fl);
		}
		if (fl < 0)
			err = wasi_errno(errno);
		else
			e->fdflags = (uint16_t)flags;
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_fdstat_set_rights(fd, base, inheriting): rights can be dropped, never added. */
int wasi_fd_fdstat_set_rights(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint64_t base = (uint64_t)args[1].of.i64, inh = (uint64_t)args[2].of.i64;
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = e ? 0 : XWASI_EBADF;
	if (!err && !c->own)
		err = func_of(user)->stdio_errno; /* stdio alone, and shared: not changed */
	if (!err && ((base & ~e->base) || (inh & ~e->inh)))
		err = XWASI_ENOTCAPABLE;
	if (!err) {
		e->base = base;
		e->inh = inh;
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_filestat_get(fd, buf): a host descriptor's fstat; stdio's file type alone. */
int wasi_fd_filestat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), 64);
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = !e ? XWASI_EBADF : !p ? XWASI_EFAULT : 0;
	if (!err && e->kind != WFD_HOST) {
		memset(p, 0, 64);
		p[16] = wasi_stdio_filetype(c, e->host);
	} else if (!err && !(e->base & R_FD_FILESTAT_GET)) {
		err = XWASI_ENOTCAPABLE;
	} else if (!err) {
		struct stat st;
		if (fstat(e->host, &st))
			err = wasi_errno(errno);
		else
			wasi_put_filestat(p, &st);
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_filestat_set_size(fd, size: u64) */
int wasi_fd_filestat_set_size(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint64_t size = (uint64_t)args[1].of.i64;
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_FILESTAT_SET_SIZE, &e);
	if (!err && e->ro)
		err = XWASI_EROFS;
	if (!err && size > INT64_MAX)
		err = XWASI_EINVAL;
	if (!err && ftruncate(e->host, (off_t)size))
		err = wasi_errno(errno);
	wasi_unlock(c);
	return ret_errno(results, err);
}

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
	if (fst > 15 || ((fst & FST_ATIM) && (fst & FST_ATIM_NOW)) || ((fst & FST_MTIM) && (fst & FST_MTIM_NOW)))
		return XWASI_EINVAL;
	const uint64_t t[2] = { atim, mtim };
	for (int i = 0; i < 2; i++) {
		uint32_t set = i ? FST_MTIM : FST_ATIM, now = i ? FST_MTIM_NOW : FST_ATIM_NOW;
		if (fst & set)
			ts[i] = (struct timespec){ .tv_sec = (time_t)(t[i] / 1000000000ull),
						   .tv_nsec = (long)(t[i] % 1000000000ull) };
		else
			ts[i] = (struct timespec){ .tv_sec = 0, .tv_nsec = fst & now ? UTIME_NOW : UTIME_OMIT };
	}
	return 0;
}

/* fd_filestat_set_times(fd, atim, mtim, fst_flags) */
int wasi_fd_filestat_set_times(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	struct timespec ts[2];
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_FILESTAT_SET_TIMES, &e);
	if (!err && e->ro)
		err = XWASI_EROFS;
	if (!err)
		err = wasi_times((uint64_t)args[1].of.i64, (uint64_t)args[2].of.i64, arg_u32(args, 3) & 0xffff, ts);
	if (!err && futimens(e->host, ts))
		err = wasi_errno(errno);
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_sync(fd), fd_datasync(fd) */
static int sync_fd(void *user, int32_t fd, bool data)
{
	struct xwasm_wasi *c = ctx_of(user);
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, fd, data ? R_FD_DATASYNC : R_FD_SYNC, &e);
	if (!err && (data ? fdatasync(e->host) : fsync(e->host)))
		err = wasi_errno(errno);
	wasi_unlock(c);
	return err;
}

int wasi_fd_sync(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, sync_fd(user, args[0].of.i32, false));
}

int wasi_fd_datasync(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, sync_fd(user, args[0].of.i32, true));
}

/* fd_advise(fd, offset, len, advice) */
int wasi_fd_advise(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	static const int adv[6] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
				    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
	struct xwasm_wasi *c = ctx_of(user);
	uint64_t off = (uint64_t)args[1].of.i64, len = (uint64_t)args[2].of.i64;
	uint32_t advice = arg_u32(args, 3) & 0xff;
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_ADVISE, &e);
	if (!err && (advice > 5 || off > INT64_MAX || len > INT64_MAX))
		err = XWASI_EINVAL;
	if (!err && e->filetype == FILETYPE_REGULAR_FILE) {
		int r = posix_fadvise(e->host, (off_t)off, (off_t)len, adv[advice]);
		if (r)
			err = wasi_errno(r);
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_allocate(fd, offset, len): the file grows to offset + len when shorter. */
int wasi_fd_allocate(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint64_t off = (uint64_t)args[1].of.i64, len = (uint64_t)args[2].of.i64;
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_ALLOCATE, &e);
	if (!err && e->ro)
		err = XWASI_EROFS;
	if (!err && (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX || len == 0))
		err = XWASI_EINVAL;
	if (!err && fallocate(e->host, 0, (off_t)off, (off_t)len))
		err = errno == EOPNOTSUPP ? XWASI_ENOTSUP : wasi_errno(errno);
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* ---- preopens ---------------------------------------------------------------------------------- */

/* fd_prestat_get(fd, buf): a preopen's tag (0: directory) and name length. */
int wasi_fd_prestat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), 8);
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = !e || !e->preopen ? XWASI_EBADF : !p ? XWASI_EFAULT : 0;
	if (!err) {
		memset(p, 0, 8);
		put_u32(p + 4, (uint32_t)strlen(e->preopen));
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* fd_prestat_dir_name(fd, buf, len): the name, without a NUL. */
int wasi_fd_prestat_dir_name(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	uint32_t len = arg_u32(args, 2);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), len);
	wasi_lock(c);
	struct wasi_fd *e = wasi_fd_get(c, args[0].of.i32);
	int err = !e || !e->preopen ? XWASI_EBADF : !p ? XWASI_EFAULT : 0;
	if (!err) {
		size_t n = strlen(e->preopen);
		if (len < n)
			err = XWASI_ENAMETOOLONG;
		else
			memcpy(p, e->preopen, n);
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* ---- directories ------------------------------------------------------------------------------- */

/* Reads the directory's entries ("." and ".." too) into a new snapshot (replacing the old). */
static int snap_take(struct wasi_fd *e)
{
	int dfd = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return wasi_errno(errno);
	DIR *d = fdopendir(dfd);
	if (!d) {
		int er = errno;
		close(dfd);
		return wasi_errno(er);
	}
	struct wasi_dirsnap *s = calloc(1, sizeof(*s));
	size_t cap = 0, ocap = 0;
	int err = s ? 0 : XWASI_ENOMEM;
	struct dirent *de;
	while (!err && (errno = 0, de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (s->len + DIRENT_SIZE + nl > cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			while (ncap < s->len + DIRENT_SIZE + nl)
				ncap *= 2;
			uint8_t *nb = realloc(s->buf, ncap);
			if (!nb) {
				err = XWASI_ENOMEM;
				break;
			}
			s->buf = nb;
			cap = ncap;
		}
		if (s->n == ocap) {
			size_t nocap = ocap ? ocap * 2 : 64;
			size_t *no = realloc(s->off, nocap * sizeof(*no));
			if (!no) {
				err = XWASI_ENOMEM;
				break;
			}
			s->off = no;
			ocap = nocap;
		}
		uint8_t type;
		switch (de->d_type) {
		case DT_REG: type = FILETYPE_REGULAR_FILE; break;
		case DT_DIR: type = FILETYPE_DIRECTORY; break;
		case DT_LNK: type = FILETYPE_SYMBOLIC_LINK; break;
		case DT_CHR: type = FILETYPE_CHARACTER_DEVICE; break;
		case DT_BLK: type = FILETYPE_BLOCK_DEVICE; break;
		case DT_SOCK: type = FILETYPE_SOCKET_STREAM; break;
		case DT_UNKNOWN: {
			struct stat st;
			type = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ? FILETYPE_UNKNOWN
											  : wasi_filetype(st.st_mode);
			break;
		}
		default: type = FILETYPE_UNKNOWN; break;
		}
		uint8_t *r = s->buf + s->len;
		memset(r, 0, DIRENT_SIZE);
		put_u64(r, s->n + 1);                /* d_next: the cookie of the next entry */
		put_u64(r + 8, (uint64_t)de->d_ino);
		put_u32(r + 16, (uint32_t)nl);
		r[20] = type;
		memcpy(r + DIRENT_SIZE, de->d_name, nl);
		s->off[s->n++] = s->len;
		s->len += DIRENT_SIZE + nl;
	}
	if (!err && errno)
		err = wasi_errno(errno);
	closedir(d);
	if (err) {
		if (s) {
			free(s->buf);
			free(s->off);
			free(s);
		}
		return err;
	}
	if (e->snap) {
		free(e->snap->buf);
		free(e->snap->off);
		free(e->snap);
	}
	e->snap = s;
	return 0;
}

/* fd_readdir(fd, buf, buf_len, cookie, bufused_ptr): entries from `cookie` on, the last one cut
 * when the buffer is full (bufused == buf_len: there is more). Cookie 0 takes a new snapshot. */
int wasi_fd_readdir(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint32_t len = arg_u32(args, 2), usedp = arg_u32(args, 4);
	uint64_t cookie = (uint64_t)args[3].of.i64;
	uint8_t *buf = gptr(mem, arg_u32(args, 1), len);
	struct wasi_fd *e;
	wasi_lock(c);
	int err = wasi_fd_use(c, user, args[0].of.i32, R_FD_READDIR, &e);
	if (!err && e->filetype != FILETYPE_DIRECTORY)
		err = XWASI_ENOTDIR;
	if (!err && (!buf || !gptr(mem, usedp, 4)))
		err = XWASI_EFAULT;
	if (!err && (cookie == 0 || !e->snap))
		err = snap_take(e);
	if (!err) {
		const struct wasi_dirsnap *s = e->snap;
		size_t from = cookie < s->n ? s->off[cookie] : s->len;
		size_t n = s->len - from < len ? s->len - from : len;
		if (n)
			memcpy(buf, s->buf + from, n);
		store_u32(mem, usedp, (uint32_t)n);
	}
	wasi_unlock(c);
	return ret_errno(results, err);
}

/* Descriptor calls xdperf does not provide (sockets): EBADF for a descriptor that is not open,
 * the entry's errno (ENOTSOCK) for one that is. */
int wasi_fd_stub(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	wasi_lock(c);
	int err = wasi_fd_get(c, args[0].of.i32) ? func_of(user)->stdio_errno : XWASI_EBADF;
	wasi_unlock(c);
	return ret_errno(results, err);
}
