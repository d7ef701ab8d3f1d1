/* Inside the WASI implementation (wasi.c: contexts, the function table, args, environment,
 * clocks, random; wasi_fd.c: the descriptor table and fd_* calls; wasi_path.c: path_* calls
 * confined beneath their directory; wasi_poll.c: poll_oneoff; wasi_errno.c: host errno to
 * WASI). Guest memory helpers and WASI constants shared by them. */
#ifndef XDPERF_WASM_WASI_INT_H
#define XDPERF_WASM_WASI_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "xdperf/wasi.h"
#include "xdperf/wasm.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values beyond enum xwasi_errno (include/xdperf/wasi.h). */
#define XWASI_EACCES 2
#define XWASI_EAGAIN 6
#define XWASI_EEXIST 20
#define XWASI_EILSEQ 25
#define XWASI_EINTR 27
#define XWASI_EISDIR 31
#define XWASI_ELOOP 32
#define XWASI_EMFILE 33
#define XWASI_ENAMETOOLONG 37
#define XWASI_ENOENT 44
#define XWASI_ENOMEM 48
#define XWASI_ENOTDIR 54
#define XWASI_ENOTSOCK 57
#define XWASI_EPERM 63
#define XWASI_EROFS 69
#define XWASI_EXDEV 75

/* File types. */
#define FILETYPE_UNKNOWN 0
#define FILETYPE_BLOCK_DEVICE 1
#define FILETYPE_CHARACTER_DEVICE 2
#define FILETYPE_DIRECTORY 3
#define FILETYPE_REGULAR_FILE 4
#define FILETYPE_SOCKET_DGRAM 5
#define FILETYPE_SOCKET_STREAM 6
#define FILETYPE_SYMBOLIC_LINK 7

/* Rights. */
#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ADVISE (1ull << 7)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_DIRECTORY (1ull << 9)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_LINK_SOURCE (1ull << 11)
#define R_PATH_LINK_TARGET (1ull << 12)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_PATH_READLINK (1ull << 15)
#define R_PATH_RENAME_SOURCE (1ull << 16)
#define R_PATH_RENAME_TARGET (1ull << 17)
#define R_PATH_FILESTAT_GET (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define R_PATH_SYMLINK (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define R_PATH_UNLINK_FILE (1ull << 26)
#define R_POLL_FD_READWRITE (1ull << 27)
/* What a regular file (or any non-directory) can have. */
#define RIGHTS_FILE (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | \
		     R_FD_TELL | R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET |     \
		     R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)
/* What a directory can have (a preopen's base rights). */
#define RIGHTS_DIR (R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_ADVISE | R_PATH_CREATE_DIRECTORY |      \
		    R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN |      \
		    R_FD_READDIR | R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET |    \
		    R_PATH_FILESTAT_GET | R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES |      \
		    R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK |                    \
		    R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE | R_POLL_FD_READWRITE)
/* Rights that write through a descriptor (not granted under a read-only preopen). */
#define RIGHTS_WRITE (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE | \
		      R_FD_FILESTAT_SET_TIMES)

/* fdflags, oflags, lookupflags, fstflags. */
#define FDFLAG_APPEND 1u
#define FDFLAG_DSYNC 2u
#define FDFLAG_NONBLOCK 4u
#define FDFLAG_RSYNC 8u
#define FDFLAG_SYNC 16u
#define OFLAG_CREAT 1u
#define OFLAG_DIRECTORY 2u
#define OFLAG_EXCL 4u
#define OFLAG_TRUNC 8u
#define LOOKUP_SYMLINK_FOLLOW 1u
#define FST_ATIM 1u
#define FST_ATIM_NOW 2u
#define FST_MTIM 4u
#define FST_MTIM_NOW 8u

/* Fixed values for deterministic mode. */
#define DET_REALTIME_NS 1700000000000000000ull
#define DET_MONOTONIC_NS 1000000000ull
#define DET_CPUTIME_NS 1000000ull

struct wasi_func {
	const char *name;
	const char *params;   /* one char per parameter: 'i' = i32, 'I' = i64 */
	bool result;          /* returns an i32 errno */
	xwasm_host_fn fn;
	/* For descriptor calls on stdio (or a descriptor renumbered from it) that stdio cannot do:
	 * the errno returned (e.g. ESPIPE for fd_seek). */
	int stdio_errno;
};

struct wasi_binding {
	struct xwasm_wasi *ctx;
	const struct wasi_func *func;
};

#define NFUNCS 46

/* Name of an unknown import bound to a trapping stub (the stub's `user`). */
struct wasi_name {
	struct wasi_name *next;
	char name[];
};

/* A snapshot of a directory's entries for fd_readdir: packed WASI dirent records (24-byte
 * header, then the name), record i at off[i]; cookie i starts at record i. */
struct wasi_dirsnap {
	uint8_t *buf;
	size_t len;
	size_t *off;
	size_t n;
};

enum wasi_fd_kind {
	WFD_FREE = 0,
	WFD_STDIN,  /* the process's stdin (readable when opts.stdin_read) */
	WFD_SINK,   /* stdout/stderr: the output sink; `host` is 1 or 2 */
	WFD_HOST,   /* a host descriptor opened beneath a preopen (or the preopen itself) */
};

/* One guest descriptor. */
struct wasi_fd {
	uint8_t kind;        /* enum wasi_fd_kind */
	uint8_t filetype;    /* FILETYPE_* (WFD_HOST) */
	uint16_t fdflags;    /* as the guest set them */
	bool ro;             /* beneath a read-only preopen: no writes at all */
	int host;            /* WFD_HOST: the host descriptor; stdio kinds: 0, 1 or 2 */
	uint64_t base, inh;  /* rights */
	char *preopen;       /* a preopen's guest name (fd_prestat_*); NULL otherwise */
	struct wasi_dirsnap *snap; /* fd_readdir's snapshot, or NULL */
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
	/* The descriptor table. Without preopens it holds stdio only and never changes (closing
	 * stdio is a no-op): no lock. With preopens (`own`) it changes (path_open, fd_close,
	 * fd_renumber of any descriptor) under `lock`. */
	bool own;
	pthread_mutex_t lock;
	struct wasi_fd *fds;
	uint32_t nfds;
};

/* ---- helpers (static inline: each file has its own copies) --------------------------- */

static inline int ret_errno(xwasm_val *results, int e)
{
	results[0].type = XWASM_I32;
	results[0].of.i32 = e;
	return 0;
}

static inline uint32_t arg_u32(const xwasm_val *args, int i)
{
	return (uint32_t)args[i].of.i32;
}

static inline struct xwasm_wasi *ctx_of(void *user)
{
	return ((const struct wasi_binding *)user)->ctx;
}

static inline const struct wasi_func *func_of(void *user)
{
	return ((const struct wasi_binding *)user)->func;
}

/* The guest's memory: its export "memory" as WASI specifies, else memory 0. */
static inline xwasm_memory *guest_mem(xwasm_instance *caller)
{
	xwasm_memory *m = xwasm_instance_memory(caller, "memory");
	return m ? m : xwasm_instance_memory0(caller);
}

/* Pointer to guest [off, off+len), NULL when out of bounds (or no memory). len 0 is always
 * valid and yields a pointer that must not be dereferenced. */
static inline uint8_t *gptr(xwasm_memory *mem, uint64_t off, uint64_t len)
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

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

/* Stores a u32 / u64 result at a guest address; false when out of bounds. */
static inline bool store_u32(xwasm_memory *mem, uint32_t off, uint32_t v)
{
	uint8_t *p = gptr(mem, off, 4);
	if (!p)
		return false;
	put_u32(p, v);
	return true;
}

static inline bool store_u64(xwasm_memory *mem, uint32_t off, uint64_t v)
{
	uint8_t *p = gptr(mem, off, 8);
	if (!p)
		return false;
	put_u64(p, v);
	return true;
}

static inline void wasi_lock(struct xwasm_wasi *c)
{
	if (c->own)
		pthread_mutex_lock(&c->lock);
}

static inline void wasi_unlock(struct xwasm_wasi *c)
{
	if (c->own)
		pthread_mutex_unlock(&c->lock);
}

/* ---- wasi_errno.c ------------------------------------------------------------------------ */

/* A host errno as a WASI errno (EIO for the few with no counterpart). */
int wasi_errno(int host_errno);

/* ---- wasi_fd.c --------------------------------------------------------------------------- */

/* The table entry of guest descriptor fd (lock held), or NULL when it is not open. */
struct wasi_fd *wasi_fd_get(struct xwasm_wasi *c, int32_t fd);
/* Looks fd up (lock held) and checks it has `rights`: 0 with *out, or the WASI errno (EBADF:
 * not open; ENOTCAPABLE: a missing right on a host descriptor; the call's stdio_errno on
 * stdio, which cannot do what needs the right). */
int wasi_fd_use(struct xwasm_wasi *c, void *user, int32_t fd, uint64_t rights, struct wasi_fd **out);
/* Adds a host descriptor to the table (lock held; it takes `host` over, closing it on failure):
 * 0 with the guest number in *fd, or a WASI errno. */
int wasi_fd_add(struct xwasm_wasi *c, const struct wasi_fd *e, uint32_t *fd);
/* The WASI file type of a host file's mode. */
uint8_t wasi_filetype(mode_t mode);
/* A WASI filestat (64 bytes) from a host stat. */
void wasi_put_filestat(uint8_t *p, const struct stat *st);
/* Closes and frees what a table entry owns; the entry becomes free. */
void wasi_fd_release(struct wasi_fd *e);
/* Sets up the table: stdio and the preopens (opened here). 0 or a negative errno. */
int wasi_fd_table_init(struct xwasm_wasi *c, const struct xwasm_wasi_preopen *pre, size_t npre);
/* Closes every descriptor and frees the table. */
void wasi_fd_table_free(struct xwasm_wasi *c);
/* fd 1/2 output: writes all of buf to the sink (or the process's fd); bytes written (short only
 * on error, *err set to the host errno). */
size_t wasi_sink_write(const struct xwasm_wasi *c, int fd, const uint8_t *buf, size_t len, int *err);
/* The WASI file type of stdio stream 0, 1 or 2 as the guest sees it. */
uint8_t wasi_stdio_filetype(const struct xwasm_wasi *c, int fd);

int wasi_fd_advise(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_allocate(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_close(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_datasync(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_fdstat_get(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_fdstat_set_flags(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_fdstat_set_rights(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_filestat_get(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_filestat_set_size(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_filestat_set_times(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_pread(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_prestat_get(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_prestat_dir_name(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_pwrite(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_read(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_readdir(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_renumber(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_seek(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_sync(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_tell(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_fd_write(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
/* Descriptor calls xdperf does not provide (sockets): EBADF, or the entry's errno for a
 * descriptor that is open. */
int wasi_fd_stub(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);

/* ---- wasi_path.c ------------------------------------------------------------------------- */

/* Checks openat2() works (preopens need it): 0 or -ENOSYS. */
int wasi_path_probe(int dirfd);

int wasi_path_create_directory(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_filestat_get(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_filestat_set_times(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_link(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_open(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_readlink(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_remove_directory(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_rename(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_symlink(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
int wasi_path_unlink_file(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);

/* Converts WASI fst flags and times to the timespecs of utimensat/futimens: 0 or EINVAL. */
int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* ---- wasi_poll.c and clocks (wasi.c) ----------------------------------------------------- */

int wasi_poll_oneoff(xwasm_instance *, void *, const xwasm_val *, xwasm_val *);
/* Current time of a WASI clock in ns; false for unknown clocks. */
bool wasi_now_ns(const struct xwasm_wasi *c, uint32_t id, uint64_t *out);

#endif
