/* xdperf WebAssembly engine: a subset of WASI (wasi_snapshot_preview1), capability-free unless
 * the embedder grants directories.
 *
 * What a guest gets:
 *   - fd 1 and 2 (stdout, stderr) for writing; fd 0 (character device) reads the process's
 *     stdin only when opts.stdin_read, else reads fail with EBADF.
 *   - the directories in opts.preopens, and nothing else of the file system: they are fds 3,
 *     4, ... (fd_prestat_get / fd_prestat_dir_name give their guest names), and the path
 *     functions (path_open, path_filestat_get/set_times, path_create_directory,
 *     path_remove_directory, path_unlink_file, path_rename, path_link, path_symlink,
 *     path_readlink) reach only what lies beneath the directory descriptor they are given:
 *     an absolute path, a ".." above it or a symbolic link leading out of it fails with
 *     ENOTCAPABLE (resolution by openat2() with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS:
 *     Linux 5.6 or later; xwasm_wasi_new() refuses preopens without it). Symbolic links with
 *     an absolute target cannot be created. Opened files and directories support fd_read,
 *     fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell, fd_close, fd_sync, fd_datasync,
 *     fd_advise, fd_allocate, fd_readdir (cookies are entry indexes of a snapshot taken when
 *     reading starts at cookie 0), fd_filestat_get/set_size/set_times, fd_fdstat_get (the real
 *     file type, flags, rights), fd_fdstat_set_flags (append, nonblock), fd_fdstat_set_rights
 *     (rights can only be dropped), fd_renumber. WASI rights are kept and checked: a missing
 *     right is ENOTCAPABLE; a file opened without write rights is opened read-only on the host.
 *     Under a read-only preopen (read_only) every change fails with EROFS: creating,
 *     truncating or opening for writing, removing, renaming, linking, setting times.
 *   - its arguments (only those given in the options), its environment (only opts.envp),
 *   - realtime/monotonic clocks, random bytes (getrandom), sched_yield, poll_oneoff with clock
 *     subscriptions (sleeps) and fd_read/fd_write subscriptions (stdin and pipes are polled;
 *     regular files, stdout and stderr are always ready), proc_exit (ends the current xwasm_call
 *     with XWASM_TRAP_EXIT and the exit code in struct xwasm_trap; the host process is
 *     unaffected).
 *   - every other wasi_snapshot_preview1 function links (through the linker's resolver) and
 *     returns ENOSYS (sockets: ENOTSOCK or EBADF), so modules built by the common toolchains
 *     instantiate.
 * Guest pointers are bounds-checked: an out-of-range pointer yields errno EFAULT (21), never a
 * host crash. Errno values are WASI's (see XWASI_E*), not the host's.
 */
#ifndef XDPERF_WASI_H
#define XDPERF_WASI_H

#include <stddef.h>
#include <stdbool.h>
#include "xdperf/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* WASI errno values used by this subset. */
enum xwasi_errno {
	XWASI_ESUCCESS = 0,
	XWASI_E2BIG = 1,
	XWASI_EBADF = 8,
	XWASI_EFAULT = 21,
	XWASI_EINVAL = 28,
	XWASI_EIO = 29,
	XWASI_ENOSYS = 52,
	XWASI_ENOTSUP = 58,
	XWASI_EPIPE = 64,
	XWASI_ESPIPE = 70,
	XWASI_ENOTCAPABLE = 76,
};

/* The most preopens a context takes. */
#define XWASI_MAX_PREOPENS 64

/* A directory the guest may use (see the top of this file). */
struct xwasm_wasi_preopen {
	const char *host;  /* the host directory (a path, opened by xwasm_wasi_new) */
	const char *guest; /* the name the guest sees (fd_prestat_dir_name), e.g. "/" or "data" */
	bool read_only;    /* every change beneath it fails with EROFS */
};

struct xwasm_wasi_opts {
	size_t sz; /* sizeof(struct xwasm_wasi_opts), for forward compatibility */
	/* Output sink for fd 1 and 2: returns the number of bytes consumed (>= 0; fewer than len
	 * is a short write) or a negative host errno. NULL: fd 1/2 go to the process's
	 * stdout/stderr (file descriptors 1 and 2, unbuffered). */
	int (*write)(void *ctx, int fd, const void *buf, size_t len);
	void *write_ctx;
	/* Arguments visible to the guest (argv[0] is by convention the program name); copied.
	 * Default: none. */
	int argc;
	char **argv;
	/* Clocks return fixed values, random_get a fixed byte sequence, poll_oneoff does not
	 * sleep: for reproducible tests. */
	bool deterministic;
	/* Environment visible to the guest, "NAME=VALUE" strings; copied. Default: none. */
	int envc;
	char **envp;
	/* fd 0 reads the process's standard input (fd_read, a blocking read; a signal ends it
	 * with EINTR). Default: fd 0 has nothing to read (EBADF). */
	bool stdin_read;
	/* Directories the guest may use, as fds 3, 4, ... in this order (copied; the host paths
	 * are opened by xwasm_wasi_new). Default: none. A context with preopens keeps a descriptor
	 * table the guest changes (opened files, closes, renumbers): it serves one guest at a time
	 * (see struct xwasm_wasi below). */
	size_t npreopens;
	const struct xwasm_wasi_preopen *preopens;
};

/* A WASI context: the copied options, the names of unknown imports its resolver has bound
 * and the guest's descriptor table. Opaque; owned by whoever created it.
 * Without preopens it is immutable after creation except for that name list, which is updated
 * lock-free, and its descriptor table is stdio alone, which no call changes (fd_close on stdio
 * is a no-op, fd_renumber refused): one context may back any number of linkers and instances,
 * instantiated and run on any threads (the write callback is then called from each of those
 * threads).
 * With preopens the descriptor table is mutable and belongs to the context, not to an
 * instance: every instance linked against the context shares it, as threads of one process
 * share theirs. Such a context is meant for one guest (one instance) at a time; calls are
 * serialised by a lock, so sharing it is memory-safe, but the guests would see each other's
 * descriptors. Create one context per instance to keep guests apart.
 * No process-wide state: contexts are independent of each other. */
struct xwasm_wasi;

/* Creates a WASI context from `opts` (NULL = defaults). `opts` is copied, including argv and
 * its strings: the caller keeps ownership of both and may free them right after the call;
 * write_ctx is not copied and must stay valid while guests that may write run. On success
 * *out is a new context the caller frees with xwasm_wasi_free() after every instance linked
 * against it is freed. Returns 0, -EINVAL (bad options or NULL out), -E2BIG (arguments too
 * large), -ENOMEM, -ENOSYS (preopens need openat2, Linux 5.6) or the errno of opening a
 * preopen's host directory (-ENOENT, -ENOTDIR, -EACCES, ...); *out is set to NULL on error. */
int xwasm_wasi_new(const struct xwasm_wasi_opts *opts, struct xwasm_wasi **out);
/* Frees a context and everything it owns (closing the host descriptors it holds). NULL is a
 * no-op. Every instance created through a
 * linker bound to `w` must have been freed before (linkers may be freed in any order). */
void xwasm_wasi_free(struct xwasm_wasi *w);
/* Defines the wasi_snapshot_preview1 functions into `l`, bound to `w`, and installs a resolver
 * on `l` (replacing any resolver set before; its ctx is `w`) for the other
 * wasi_snapshot_preview1 function imports. `w` stays owned by the caller and must outlive
 * every instance created through `l` (and must not be freed while `l` is still used to
 * instantiate); `l` itself may be freed before those instances. The same `w` may be defined
 * into several linkers. Returns 0, -EINVAL (NULL l or w) or the linker's
 * error (-ENOMEM). */
int xwasm_wasi_define(xwasm_linker *l, struct xwasm_wasi *w);

#ifdef __cplusplus
}
#endif
#endif
