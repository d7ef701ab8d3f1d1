/* xdperf WebAssembly engine: a small, capability-free subset of WASI (wasi_snapshot_preview1).
 *
 * What a guest gets:
 *   - fd 1 and 2 (stdout, stderr) for writing; fd 0 exists (character device) but reads fail
 *     with EBADF. No other descriptors: no preopened directories, no files, no sockets.
 *   - its arguments (only those given in the options), an empty environment,
 *   - realtime/monotonic clocks, random bytes (getrandom), sched_yield, poll_oneoff with clock
 *     subscriptions (sleeps), proc_exit (ends the current xwasm_call with XWASM_TRAP_EXIT and
 *     the exit code in struct xwasm_trap; the host process is unaffected).
 *   - every other wasi_snapshot_preview1 function links (through the linker's resolver) and
 *     returns ENOSYS (or EBADF for descriptor-based calls), so modules built by the common
 *     toolchains instantiate.
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
};

/* A WASI context: the copied options plus the names of unknown imports its resolver has
 * bound. Opaque; owned by whoever created it. Immutable after creation except for that name
 * list, which is updated lock-free, so one context may back any number of linkers and
 * instances, instantiated and run on any threads (the write callback is then called from
 * each of those threads). No process-wide state: contexts are independent of each other. */
struct xwasm_wasi;

/* Creates a WASI context from `opts` (NULL = defaults). `opts` is copied, including argv and
 * its strings: the caller keeps ownership of both and may free them right after the call;
 * write_ctx is not copied and must stay valid while guests that may write run. On success
 * *out is a new context the caller frees with xwasm_wasi_free() after every instance linked
 * against it is freed. Returns 0, -EINVAL (bad options or NULL out), -E2BIG (arguments too
 * large) or -ENOMEM; *out is set to NULL on error. */
int xwasm_wasi_new(const struct xwasm_wasi_opts *opts, struct xwasm_wasi **out);
/* Frees a context and everything it owns. NULL is a no-op. Every instance created through a
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
