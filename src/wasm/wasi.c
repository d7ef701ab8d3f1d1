/* A capability-free subset of WASI (wasi_snapshot_preview1) on top of the xwasm linker.
 *
 * State: a struct xwasm_wasi, created by xwasm_wasi_new() and owned by the embedder, holds a
 * copy of the options (immutable after creation) and one "binding" per host function (context
 * + table entry), which is the `user` pointer of the definition. The resolver for other
 * wasi_snapshot_preview1 imports has the context as its ctx; the names its trapping stubs
 * report are owned by the context too (a push-only list updated with compare-and-swap, so
 * concurrent instantiations through linkers bound to one context need no lock). There is no
 * global mutable state: contexts are independent, and the only statics are const tables.
 *
 * All guest memory accesses go through the bounds-checked xwasm_memory_* API; all guest
 * integers are little-endian and are assembled byte by byte.
 */
#include <errno.h>
#include <stddef.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "xdperf/wasm.h"
#include "xdperf/wasi.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* Additional WASI errno values used below. */
#define XWASI_EAGAIN 6
#define XWASI_ENOMEM 48
#define XWASI_ENOTDIR 54
#define XWASI_ENOTSOCK 57
#define XWASI_EINTR 27

/* File types and rights (WASI preview1). */
#define FILETYPE_UNKNOWN 0
#define FILETYPE_BLOCK_DEVICE 1
#define FILETYPE_CHARACTER_DEVICE 2
#define FILETYPE_DIRECTORY 3
#define FILETYPE_REGULAR_FILE 4
#define FILETYPE_SOCKET_STREAM 6
#define RIGHT_FD_READ (1ull << 1)
#define RIGHT_FD_WRITE (1ull << 6)
#define RIGHT_POLL_FD_READWRITE (1ull << 27)

/* Fixed values for deterministic mode. */
#define DET_REALTIME_NS 1700000000000000000ull
#define DET_MONOTONIC_NS 1000000000ull
#define DET_CPUTIME_NS 1000000ull

struct wasi_func {
	const char *name;
	const char *params;   /* one char per parameter: 'i' = i32, 'I' = i64 */
	bool result;          /* returns an i32 errno */
	xwasm_host_fn fn;
	int stdio_errno;      /* for descriptor stubs: errno for fds 0..2 (others get EBADF) */
};

struct wasi_binding {
	const struct xwasm_wasi *ctx;
	const struct wasi_func *func;
};

#define NFUNCS 46

/* Name of an unknown import bound to a trapping stub (the stub's `user`). */
struct wasi_name {
	struct wasi_name *next;
	char name[];
};

struct xwasm_wasi {
	int (*write)(void *ctx, int fd, const void *buf, size_t len);
	void *write_ctx;
	bool deterministic;
	uint32_t argc;
	char **argv;
	uint32_t argbuf_size; /* sum of strlen(argv[i]) + 1 */
	uint32_t envc;
	char **envp;
	uint32_t envbuf_size; /* sum of strlen(envp[i]) + 1 */
	bool stdin_read;
	struct wasi_binding bindings[NFUNCS];
	/* Unknown-import names, newest first; only ever pushed (CAS), freed with the context. */
	_Atomic(struct wasi_name *) names;
};

/* ---- helpers ----------------------------------------------------------------------------- */

static int ret_errno(xwasm_val *results, int e)
{
	results[0].type = XWASM_I32;
	results[0].of.i32 = e;
	return 0;
}

static uint32_t arg_u32(const xwasm_val *args, int i)
{
	return (uint32_t)args[i].of.i32;
}

static const struct xwasm_wasi *ctx_of(void *user)
{
	return ((const struct wasi_binding *)user)->ctx;
}

/* The guest's memory: its export "memory" as WASI specifies, else memory 0. */
static xwasm_memory *guest_mem(xwasm_instance *caller)
{
	xwasm_memory *m = xwasm_instance_memory(caller, "memory");
	return m ? m : xwasm_instance_memory0(caller);
}

/* Pointer to guest [off, off+len), NULL when out of bounds (or no memory). len 0 is always
 * valid and yields a pointer that must not be dereferenced. */
static uint8_t *gptr(xwasm_memory *mem, uint64_t off, uint64_t len)
{
	static const uint8_t empty; /* read-only: callers never access a zero-length range */
	if (!mem)
		return NULL;
	if (len == 0)
		return (uint8_t *)&empty;
	if (len > SIZE_MAX)
		return NULL;
	return xwasm_memory_ptr(mem, off, (size_t)len);
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

/* Stores a u32 / u64 result at a guest address; false when out of bounds. */
static bool store_u32(xwasm_memory *mem, uint32_t off, uint32_t v)
{
	uint8_t *p = gptr(mem, off, 4);
	if (!p)
		return false;
	put_u32(p, v);
	return true;
}

static bool store_u64(xwasm_memory *mem, uint32_t off, uint64_t v)
{
	uint8_t *p = gptr(mem, off, 8);
	if (!p)
		return false;
	put_u64(p, v);
	return true;
}

static int host_errno_to_wasi(int e)
{
	switch (e) {
	case EPIPE: return XWASI_EPIPE;
	case EBADF: return XWASI_EBADF;
	case EAGAIN: return XWASI_EAGAIN;
	case EFAULT: return XWASI_EFAULT;
	case EINVAL: return XWASI_EINVAL;
	default: return XWASI_EIO;
	}
}

static bool is_stdio(int32_t fd)
{
	return fd >= 0 && fd <= 2;
}

/* ---- descriptors ------------------------------------------------------------------------- */

/* Writes all of buf to the sink; returns bytes written (short only on error) and sets *err. */
static size_t sink_write(const struct xwasm_wasi *c, int fd, const uint8_t *buf, size_t len, int *err)
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

/* fd_write(fd, iovs, iovs_len, nwritten) -> errno */
static int h_fd_write(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	int32_t fd = args[0].of.i32;
	uint32_t iovs = arg_u32(args, 1), niov = arg_u32(args, 2), nwritten = arg_u32(args, 3);
	if (fd != 1 && fd != 2)
		return ret_errno(results, XWASI_EBADF);
	xwasm_memory *mem = guest_mem(caller);
	if (!gptr(mem, nwritten, 4))
		return ret_errno(results, XWASI_EFAULT);
	const uint8_t *iov = gptr(mem, iovs, (uint64_t)niov * 8);
	if (!iov)
		return ret_errno(results, XWASI_EFAULT);
	/* Validate every buffer before writing anything. */
	uint64_t total = 0;
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t p = get_u32(iov + 8 * i), n = get_u32(iov + 8 * i + 4);
		if (!gptr(mem, p, n))
			return ret_errno(results, XWASI_EFAULT);
		total += n;
	}
	if (total > UINT32_MAX)
		return ret_errno(results, XWASI_EINVAL);
	uint32_t written = 0;
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t p = get_u32(iov + 8 * i), n = get_u32(iov + 8 * i + 4);
		if (!n)
			continue;
		int err;
		size_t w = sink_write(c, fd, gptr(mem, p, n), n, &err);
		written += (uint32_t)w;
		if (w < n) {
			if (err && written == 0)
				return ret_errno(results, host_errno_to_wasi(err));
			break;
		}
	}
	store_u32(mem, nwritten, written);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* fd_close(fd): stdio closes are accepted as no-ops. */
static int h_fd_close(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, is_stdio(args[0].of.i32) ? XWASI_ESUCCESS : XWASI_EBADF);
}

/* The WASI file type of stdio fd: the process's own descriptor's type when the guest's fd
 * is the process's (no output sink; fd 0 only when it reads stdin), so a guest sees a
 * redirected stream is no terminal; a character device otherwise (a log sink: guests keep
 * their output line-buffered). */
static uint8_t stdio_filetype(const struct xwasm_wasi *c, int32_t fd)
{
	bool own = fd == 0 ? c->stdin_read : !c->write;
	if (!own || c->deterministic)
		return FILETYPE_CHARACTER_DEVICE;
	struct stat st;
	if (fstat(fd, &st))
		return FILETYPE_UNKNOWN;
	if (S_ISCHR(st.st_mode))
		return FILETYPE_CHARACTER_DEVICE; /* a terminal, or /dev/null and the like */
	if (S_ISREG(st.st_mode))
		return FILETYPE_REGULAR_FILE;
	if (S_ISDIR(st.st_mode))
		return FILETYPE_DIRECTORY;
	if (S_ISBLK(st.st_mode))
		return FILETYPE_BLOCK_DEVICE;
	if (S_ISSOCK(st.st_mode))
		return FILETYPE_SOCKET_STREAM;
	return FILETYPE_UNKNOWN; /* a pipe */
}

/* fd_read(fd, iovs, iovs_len, nread): fd 0 reads the process's stdin when the context lets
 * it (one read, as POSIX read: what is there, 0 at its end); anything else is EBADF. */
static int h_fd_read(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	if (args[0].of.i32 != 0 || !c->stdin_read)
		return ret_errno(results, XWASI_EBADF);
	uint32_t iovs = arg_u32(args, 1), niov = arg_u32(args, 2), nread = arg_u32(args, 3);
	xwasm_memory *mem = guest_mem(caller);
	const uint8_t *iov = gptr(mem, iovs, (uint64_t)niov * 8);
	if (!iov || !gptr(mem, nread, 4))
		return ret_errno(results, XWASI_EFAULT);
	struct iovec v[16];
	int nv = 0;
	for (uint32_t i = 0; i < niov && nv < 16; i++) {
		uint32_t p = get_u32(iov + 8 * i), n = get_u32(iov + 8 * i + 4);
		uint8_t *b = gptr(mem, p, n);
		if (!b)
			return ret_errno(results, XWASI_EFAULT);
		if (n)
			v[nv++] = (struct iovec){ .iov_base = b, .iov_len = n };
	}
	ssize_t r = nv ? readv(0, v, nv) : 0;
	if (r < 0)
		return ret_errno(results, errno == EINTR ? XWASI_EINTR : host_errno_to_wasi(errno));
	store_u32(mem, nread, (uint32_t)r);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* fd_fdstat_get(fd, buf): stdio's file type (stdio_filetype) and rights. */
static int h_fd_fdstat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	int32_t fd = args[0].of.i32;
	if (!is_stdio(fd))
		return ret_errno(results, XWASI_EBADF);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), 24);
	if (!p)
		return ret_errno(results, XWASI_EFAULT);
	memset(p, 0, 24);
	p[0] = stdio_filetype(ctx_of(user), fd);
	put_u16(p + 2, 0); /* fdflags */
	put_u64(p + 8, (fd == 0 ? (ctx_of(user)->stdin_read ? RIGHT_FD_READ : 0) : RIGHT_FD_WRITE) |
			       RIGHT_POLL_FD_READWRITE);
	put_u64(p + 16, 0);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* fd_filestat_get(fd, buf): stdio's file type (stdio_filetype), everything else is EBADF. */
static int h_fd_filestat_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	if (!is_stdio(args[0].of.i32))
		return ret_errno(results, XWASI_EBADF);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 1), 64);
	if (!p)
		return ret_errno(results, XWASI_EFAULT);
	memset(p, 0, 64);
	p[16] = stdio_filetype(ctx_of(user), args[0].of.i32);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* Descriptor-based stubs: EBADF for unknown fds, the entry's errno for stdio. */
static int h_fd_stub(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct wasi_func *f = ((const struct wasi_binding *)user)->func;
	return ret_errno(results, is_stdio(args[0].of.i32) ? f->stdio_errno : XWASI_EBADF);
}

/* fd_renumber(from, to) */
static int h_fd_renumber(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	if (!is_stdio(args[0].of.i32) || !is_stdio(args[1].of.i32))
		return ret_errno(results, XWASI_EBADF);
	return ret_errno(results, XWASI_ENOTSUP);
}

/* Functions that are not descriptor-based and not provided. */
static int h_enosys(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, XWASI_ENOSYS);
}

/* ---- args and environment ---------------------------------------------------------------- */

/* args_sizes_get(argc_ptr, argv_buf_size_ptr) */
static int h_args_sizes_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint8_t *pc = gptr(mem, arg_u32(args, 0), 4), *ps = gptr(mem, arg_u32(args, 1), 4);
	if (!pc || !ps)
		return ret_errno(results, XWASI_EFAULT);
	put_u32(pc, c->argc);
	put_u32(ps, c->argbuf_size);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* A string list (argv, environ) into guest memory: vec[i] pointers into buf, strings
 * NUL-terminated. */
static int put_strings(xwasm_instance *caller, xwasm_val *results, const xwasm_val *args,
		       char *const *list, uint32_t n, uint32_t bufsize)
{
	xwasm_memory *mem = guest_mem(caller);
	uint32_t vec = arg_u32(args, 0), buf = arg_u32(args, 1);
	uint8_t *pv = gptr(mem, vec, (uint64_t)n * 4), *pb = gptr(mem, buf, bufsize);
	if (!pv || !pb)
		return ret_errno(results, XWASI_EFAULT);
	uint32_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]) + 1;
		put_u32(pv + 4 * i, buf + off);
		memcpy(pb + off, list[i], len);
		off += (uint32_t)len;
	}
	return ret_errno(results, XWASI_ESUCCESS);
}

/* args_get(argv, argv_buf) */
static int h_args_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	return put_strings(caller, results, args, c->argv, c->argc, c->argbuf_size);
}

/* environ_sizes_get(count_ptr, size_ptr) */
static int h_environ_sizes_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint8_t *pc = gptr(mem, arg_u32(args, 0), 4), *ps = gptr(mem, arg_u32(args, 1), 4);
	if (!pc || !ps)
		return ret_errno(results, XWASI_EFAULT);
	put_u32(pc, c->envc);
	put_u32(ps, c->envbuf_size);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* environ_get(environ, environ_buf) */
static int h_environ_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	return put_strings(caller, results, args, c->envp, c->envc, c->envbuf_size);
}

/* ---- clocks, random, scheduling ---------------------------------------------------------- */

static bool clock_of(uint32_t id, clockid_t *out)
{
	switch (id) {
	case 0: *out = CLOCK_REALTIME; return true;
	case 1: *out = CLOCK_MONOTONIC; return true;
	case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
	case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
	default: return false;
	}
}

static uint64_t det_time(uint32_t id)
{
	return id == 0 ? DET_REALTIME_NS : id == 1 ? DET_MONOTONIC_NS : DET_CPUTIME_NS;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* Current time of a WASI clock in ns; false for unknown clocks. */
static bool now_ns(const struct xwasm_wasi *c, uint32_t id, uint64_t *out)
{
	clockid_t cid;
	if (!clock_of(id, &cid))
		return false;
	if (c->deterministic) {
		*out = det_time(id);
		return true;
	}
	struct timespec ts;
	if (clock_gettime(cid, &ts))
		return false;
	*out = ts_ns(&ts);
	return true;
}

/* clock_res_get(id, res_ptr) */
static int h_clock_res_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	clockid_t cid;
	uint64_t res = 1;
	if (!clock_of(arg_u32(args, 0), &cid))
		return ret_errno(results, XWASI_EINVAL);
	if (!c->deterministic) {
		struct timespec ts;
		if (!clock_getres(cid, &ts) && ts_ns(&ts) > 0)
			res = ts_ns(&ts);
	}
	if (!store_u64(guest_mem(caller), arg_u32(args, 1), res))
		return ret_errno(results, XWASI_EFAULT);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* clock_time_get(id, precision: i64, time_ptr) */
static int h_clock_time_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	uint64_t t;
	if (!now_ns(ctx_of(user), arg_u32(args, 0), &t))
		return ret_errno(results, XWASI_EINVAL);
	if (!store_u64(guest_mem(caller), arg_u32(args, 2), t))
		return ret_errno(results, XWASI_EFAULT);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* random_get(buf, len) */
static int h_random_get(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	uint32_t len = arg_u32(args, 1);
	uint8_t *p = gptr(guest_mem(caller), arg_u32(args, 0), len);
	if (!p)
		return ret_errno(results, XWASI_EFAULT);
	if (c->deterministic) {
		uint32_t s = 0x2545f491u;
		for (uint32_t i = 0; i < len; i++) {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			p[i] = (uint8_t)s;
		}
		return ret_errno(results, XWASI_ESUCCESS);
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ret_errno(results, XWASI_EIO);
		}
		done += (size_t)n;
	}
	return ret_errno(results, XWASI_ESUCCESS);
}

/* proc_exit(code): ends the current call; the host is unaffected. */
static int h_proc_exit(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return xwasm_instance_exit(caller, args[0].of.i32);
}

/* sched_yield() */
static int h_sched_yield(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	sched_yield();
	return ret_errno(results, XWASI_ESUCCESS);
}

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define SUBCLOCK_ABSTIME 1u

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sleeps until `deadline` (CLOCK_MONOTONIC ns) in steps of at most SLEEP_STEP_NS, looking at
 * the caller's interrupt flag after each (a signal cuts a step short). True: interrupted. */
#define SLEEP_STEP_NS 10000000ull
static bool sleep_until(const xwasm_instance *caller, uint64_t deadline)
{
	for (;;) {
		if (xwasm_instance_interrupted(caller))
			return true;
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		uint64_t now = ts_ns(&t);
		if (now >= deadline)
			return false;
		uint64_t until = deadline - now > SLEEP_STEP_NS ? now + SLEEP_STEP_NS : deadline;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
				       .tv_nsec = (long)(until % 1000000000ull) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL); /* EINTR: look again */
	}
}

/* poll_oneoff(in, out, nsubscriptions, nevents_ptr): clock subscriptions only. Sleeps until
 * the earliest deadline and reports every subscription that has expired by then. */
static int h_poll_oneoff(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	const struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint32_t in = arg_u32(args, 0), out = arg_u32(args, 1), nsubs = arg_u32(args, 2);
	uint32_t neventsp = arg_u32(args, 3);
	if (nsubs == 0)
		return ret_errno(results, XWASI_EINVAL);
	const uint8_t *subs = gptr(mem, in, (uint64_t)nsubs * SUB_SIZE);
	uint8_t *events = gptr(mem, out, (uint64_t)nsubs * EVENT_SIZE);
	uint8_t *pn = gptr(mem, neventsp, 4);
	if (!subs || !events || !pn)
		return ret_errno(results, XWASI_EFAULT);

	/* Deadlines on the monotonic clock (deterministic mode: on a virtual clock at 0). */
	uint64_t base;
	if (!now_ns(c, 1, &base))
		return ret_errno(results, XWASI_EIO);
	uint64_t earliest = UINT64_MAX;
	uint64_t *deadline = malloc((size_t)nsubs * sizeof(*deadline));
	if (!deadline)
		return ret_errno(results, XWASI_ENOMEM);
	for (uint32_t i = 0; i < nsubs; i++) {
		const uint8_t *s = subs + (size_t)i * SUB_SIZE;
		if (s[8] != 0) { /* not eventtype::clock */
			free(deadline);
			return ret_errno(results, XWASI_ENOTSUP);
		}
		uint32_t id = get_u32(s + 16);
		uint64_t timeout = get_u64(s + 24);
		uint16_t flags = get_u16(s + 40);
		uint64_t now;
		if (!now_ns(c, id, &now)) {
			free(deadline);
			return ret_errno(results, XWASI_EINVAL);
		}
		uint64_t rel = (flags & SUBCLOCK_ABSTIME) ? (timeout > now ? timeout - now : 0) : timeout;
		deadline[i] = sat_add(base, rel);
		if (deadline[i] < earliest)
			earliest = deadline[i];
	}

	uint64_t now = earliest;
	if (!c->deterministic) {
		if (sleep_until(caller, earliest)) {
			free(deadline);
			xwasm_instance_set_trap(caller, XWASM_TRAP_INTERRUPTED, "interrupted in poll_oneoff");
			return XWASM_TRAP_INTERRUPTED;
		}
		struct timespec t2;
		clock_gettime(CLOCK_MONOTONIC, &t2);
		now = ts_ns(&t2);
		if (now < earliest)
			now = earliest;
	}

	uint32_t nev = 0;
	for (uint32_t i = 0; i < nsubs; i++) {
		if (deadline[i] > now)
			continue;
		const uint8_t *s = subs + (size_t)i * SUB_SIZE;
		uint8_t *e = events + (size_t)nev * EVENT_SIZE;
		memset(e, 0, EVENT_SIZE);
		put_u64(e, get_u64(s));       /* userdata */
		put_u16(e + 8, 0);            /* error */
		e[10] = 0;                    /* eventtype::clock */
		nev++;
	}
	free(deadline);
	put_u32(pn, nev);
	return ret_errno(results, XWASI_ESUCCESS);
}

/* ---- function table ---------------------------------------------------------------------- */

static const struct wasi_func funcs[NFUNCS] = {
	{ "args_get", "ii", true, h_args_get, 0 },
	{ "args_sizes_get", "ii", true, h_args_sizes_get, 0 },
	{ "environ_get", "ii", true, h_environ_get, 0 },
	{ "environ_sizes_get", "ii", true, h_environ_sizes_get, 0 },
	{ "clock_res_get", "ii", true, h_clock_res_get, 0 },
	{ "clock_time_get", "iIi", true, h_clock_time_get, 0 },
	{ "fd_advise", "iIIi", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_allocate", "iII", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_close", "i", true, h_fd_close, 0 },
	{ "fd_datasync", "i", true, h_fd_stub, XWASI_EINVAL },
	{ "fd_fdstat_get", "ii", true, h_fd_fdstat_get, 0 },
	{ "fd_fdstat_set_flags", "ii", true, h_fd_stub, XWASI_ENOTSUP },
	{ "fd_fdstat_set_rights", "iII", true, h_fd_stub, XWASI_ENOTSUP },
	{ "fd_filestat_get", "ii", true, h_fd_filestat_get, 0 },
	{ "fd_filestat_set_size", "iI", true, h_fd_stub, XWASI_EINVAL },
	{ "fd_filestat_set_times", "iIIi", true, h_fd_stub, XWASI_ENOTSUP },
	{ "fd_pread", "iiiIi", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_prestat_get", "ii", true, h_fd_stub, XWASI_EBADF },
	{ "fd_prestat_dir_name", "iii", true, h_fd_stub, XWASI_EBADF },
	{ "fd_pwrite", "iiiIi", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_read", "iiii", true, h_fd_read, 0 },
	{ "fd_readdir", "iiiIi", true, h_fd_stub, XWASI_ENOTDIR },
	{ "fd_renumber", "ii", true, h_fd_renumber, 0 },
	{ "fd_seek", "iIii", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_sync", "i", true, h_fd_stub, XWASI_EINVAL },
	{ "fd_tell", "ii", true, h_fd_stub, XWASI_ESPIPE },
	{ "fd_write", "iiii", true, h_fd_write, 0 },
	{ "path_create_directory", "iii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_filestat_get", "iiiii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_filestat_set_times", "iiiiIIi", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_link", "iiiiiii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_open", "iiiiiIIii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_readlink", "iiiiii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_remove_directory", "iii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_rename", "iiiiii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_symlink", "iiiii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "path_unlink_file", "iii", true, h_fd_stub, XWASI_ENOTCAPABLE },
	{ "poll_oneoff", "iiii", true, h_poll_oneoff, 0 },
	{ "proc_exit", "i", false, h_proc_exit, 0 },
	{ "proc_raise", "i", true, h_enosys, 0 },
	{ "sched_yield", "", true, h_sched_yield, 0 },
	{ "random_get", "ii", true, h_random_get, 0 },
	{ "sock_accept", "iii", true, h_fd_stub, XWASI_ENOTSOCK },
	{ "sock_recv", "iiiiii", true, h_fd_stub, XWASI_ENOTSOCK },
	{ "sock_send", "iiiii", true, h_fd_stub, XWASI_ENOTSOCK },
	{ "sock_shutdown", "ii", true, h_fd_stub, XWASI_ENOTSOCK },
};

/* ---- resolver for other wasi_snapshot_preview1 imports ----------------------------------- */

/* Imports with a single i32 result: report ENOSYS. */
static int h_unknown_enosys(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	return ret_errno(results, XWASI_ENOSYS);
}

/* Returns w's copy of `name` (for trap messages), adding one if w has none yet; NULL when out
 * of memory. Lock-free: entries are only pushed at the head, so a list seen once stays valid;
 * when the push races with another, the entries added meanwhile are searched before retrying,
 * so every name is stored at most once. */
static const char *name_get(struct xwasm_wasi *w, const char *name)
{
	struct wasi_name *head = atomic_load_explicit(&w->names, memory_order_acquire);
	struct wasi_name *stop = NULL, *n = NULL;
	for (;;) {
		for (struct wasi_name *p = head; p != stop; p = p->next) {
			if (!strcmp(p->name, name)) {
				free(n);
				return p->name;
			}
		}
		if (!n) {
			size_t len = strlen(name);
			n = malloc(sizeof(*n) + len + 1);
			if (!n)
				return NULL;
			memcpy(n->name, name, len + 1);
		}
		n->next = head;
		if (atomic_compare_exchange_weak_explicit(&w->names, &head, n, memory_order_acq_rel,
							  memory_order_acquire))
			return n->name;
		stop = n->next; /* already searched from there on; `head` is the new head */
	}
}

/* Imports without an errno result cannot report ENOSYS: they trap when called. */
static int h_unknown_trap(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	xwasm_instance_set_trap(caller, XWASM_TRAP_HOST, "WASI function %s.%s is not supported",
				WASI_MODULE, user ? (const char *)user : "?");
	return XWASM_TRAP_HOST;
}

static int wasi_resolve(void *ctx, const struct xwasm_import_info *imp, xwasm_host_fn *fn, void **user)
{
	if (!imp || imp->kind != XWASM_EXTERN_FUNC || !imp->module || strcmp(imp->module, WASI_MODULE))
		return -ENOENT;
	if (imp->nresults == 1 && imp->results[0] == XWASM_I32) {
		*fn = h_unknown_enosys;
		*user = NULL;
	} else {
		*fn = h_unknown_trap;
		*user = (void *)name_get(ctx, imp->name ? imp->name : "?");
	}
	return 0;
}

/* ---- contexts and definition ------------------------------------------------------------- */

int xwasm_wasi_new(const struct xwasm_wasi_opts *opts, struct xwasm_wasi **out)
{
	struct xwasm_wasi_opts o = { .sz = sizeof(o) };
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts) {
		if (opts->sz < offsetof(struct xwasm_wasi_opts, write))
			return -EINVAL;
		size_t n = opts->sz < sizeof(o) ? opts->sz : sizeof(o);
		/* Fields beyond what this version knows must be zero. */
		for (size_t i = sizeof(o); i < opts->sz; i++)
			if (((const uint8_t *)opts)[i])
				return -EINVAL;
		memcpy(&o, opts, n);
	}
	if (o.argc < 0 || (o.argc > 0 && !o.argv))
		return -EINVAL;
	uint64_t bufsz = 0;
	for (int i = 0; i < o.argc; i++) {
		if (!o.argv[i])
			return -EINVAL;
		bufsz += strlen(o.argv[i]) + 1;
		if (bufsz > UINT32_MAX / 2)
			return -E2BIG;
	}
	uint32_t argc = (uint32_t)o.argc;
	if (o.envc < 0 || (o.envc > 0 && !o.envp))
		return -EINVAL;
	uint64_t envsz = 0;
	for (int i = 0; i < o.envc; i++) {
		if (!o.envp[i] || !strchr(o.envp[i], '='))
			return -EINVAL;
		envsz += strlen(o.envp[i]) + 1;
		if (envsz > UINT32_MAX / 2)
			return -E2BIG;
	}
	uint32_t envc = (uint32_t)o.envc;

	/* One allocation: context, argv and envp arrays, strings. */
	size_t size = sizeof(struct xwasm_wasi) + ((size_t)argc + envc) * sizeof(char *) +
		      (size_t)bufsz + (size_t)envsz;
	struct xwasm_wasi *w = calloc(1, size);
	if (!w)
		return -ENOMEM;
	w->write = o.write;
	w->write_ctx = o.write_ctx;
	w->deterministic = o.deterministic;
	w->argc = argc;
	w->argbuf_size = (uint32_t)bufsz;
	w->envc = envc;
	w->envbuf_size = (uint32_t)envsz;
	w->stdin_read = o.stdin_read;
	w->argv = (char **)(w + 1);
	w->envp = w->argv + argc;
	char *s = (char *)(w->envp + envc);
	for (uint32_t i = 0; i < argc; i++) {
		size_t n = strlen(o.argv[i]) + 1;
		memcpy(s, o.argv[i], n);
		w->argv[i] = s;
		s += n;
	}
	for (uint32_t i = 0; i < envc; i++) {
		size_t n = strlen(o.envp[i]) + 1;
		memcpy(s, o.envp[i], n);
		w->envp[i] = s;
		s += n;
	}
	for (int i = 0; i < NFUNCS; i++) {
		w->bindings[i].ctx = w;
		w->bindings[i].func = &funcs[i];
	}
	atomic_init(&w->names, NULL);
	*out = w;
	return 0;
}

void xwasm_wasi_free(struct xwasm_wasi *w)
{
	if (!w)
		return;
	struct wasi_name *n = atomic_load_explicit(&w->names, memory_order_acquire);
	while (n) {
		struct wasi_name *next = n->next;
		free(n);
		n = next;
	}
	free(w);
}

int xwasm_wasi_define(xwasm_linker *l, struct xwasm_wasi *w)
{
	if (!l || !w)
		return -EINVAL;
	for (int i = 0; i < NFUNCS; i++) {
		const struct wasi_func *f = &funcs[i];
		uint8_t params[16], result = XWASM_I32;
		uint32_t np = (uint32_t)strlen(f->params);
		for (uint32_t k = 0; k < np; k++)
			params[k] = f->params[k] == 'I' ? XWASM_I64 : XWASM_I32;
		int err = xwasm_linker_define_func(l, WASI_MODULE, f->name, params, np, &result,
						   f->result ? 1 : 0, f->fn, (void *)&w->bindings[i]);
		if (err)
			return err;
	}
	xwasm_linker_set_resolver(l, wasi_resolve, w);
	return 0;
}
