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
};
/* Defines the wasi_snapshot_preview1 functions into `l` and installs a resolver on `l` for the
 * other wasi_snapshot_preview1 imports (replacing any resolver set before). `opts` may be NULL
 * (defaults) and is copied: the caller keeps ownership of it and of argv. The copied state is
 * immutable and interned for the life of the process (identical options share one copy), so
 * it never dangles, whatever the order in which linkers, modules and instances are freed;
 * write_ctx must stay valid while guests that may write run. Thread-safe.
 * Returns 0 or a negative errno (-EINVAL bad options, -ENOMEM, or the linker's error). */
int xwasm_wasi_define(xwasm_linker *l, const struct xwasm_wasi_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
