/* WASI (wasi_snapshot_preview1) on top of the xwasm linker: contexts, the function table,
 * arguments, environment, clocks, random, proc_exit, sched_yield and the resolver for other
 * imports. Descriptors are in wasi_fd.c, path calls in wasi_path.c, poll_oneoff in wasi_poll.c.
 *
 * State: a struct xwasm_wasi (wasi_int.h), created by xwasm_wasi_new() and owned by the
 * embedder, holds a copy of the options (immutable after creation), the descriptor table and
 * one "binding" per host function (context + table entry), which is the `user` pointer of the
 * definition. The resolver for other wasi_snapshot_preview1 imports has the context as its
 * ctx; the names its trapping stubs report are owned by the context too (a push-only list
 * updated with compare-and-swap, so concurrent instantiations through linkers bound to one
 * context need no lock). There is no global mutable state: contexts are independent, and the
 * only statics are const tables.
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
#include <time.h>
#include <unistd.h>

#include "xdperf/wasm.h"
#include "xdperf/wasi.h"
#include "wasi_int.h"

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
bool wasi_now_ns(const struct xwasm_wasi *c, uint32_t id, uint64_t *out)
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
	if (!wasi_now_ns(ctx_of(user), arg_u32(args, 0), &t))
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

/* ---- function table ---------------------------------------------------------------------- */

static const struct wasi_func funcs[NFUNCS] = {
	{ "args_get", "ii", true, h_args_get, 0 },
	{ "args_sizes_get", "ii", true, h_args_sizes_get, 0 },
	{ "environ_get", "ii", true, h_environ_get, 0 },
	{ "environ_sizes_get", "ii", true, h_environ_sizes_get, 0 },
	{ "clock_res_get", "ii", true, h_clock_res_get, 0 },
	{ "clock_time_get", "iIi", true, h_clock_time_get, 0 },
	{ "fd_advise", "iIIi", true, wasi_fd_advise, XWASI_ESPIPE },
	{ "fd_allocate", "iII", true, wasi_fd_allocate, XWASI_ESPIPE },
	{ "fd_close", "i", true, wasi_fd_close, 0 },
	{ "fd_datasync", "i", true, wasi_fd_datasync, XWASI_EINVAL },
	{ "fd_fdstat_get", "ii", true, wasi_fd_fdstat_get, 0 },
	{ "fd_fdstat_set_flags", "ii", true, wasi_fd_fdstat_set_flags, XWASI_ENOTSUP },
	{ "fd_fdstat_set_rights", "iII", true, wasi_fd_fdstat_set_rights, XWASI_ENOTSUP },
	{ "fd_filestat_get", "ii", true, wasi_fd_filestat_get, 0 },
	{ "fd_filestat_set_size", "iI", true, wasi_fd_filestat_set_size, XWASI_EINVAL },
	{ "fd_filestat_set_times", "iIIi", true, wasi_fd_filestat_set_times, XWASI_ENOTSUP },
	{ "fd_pread", "iiiIi", true, wasi_fd_pread, XWASI_ESPIPE },
	{ "fd_prestat_get", "ii", true, wasi_fd_prestat_get, XWASI_EBADF },
	{ "fd_prestat_dir_name", "iii", true, wasi_fd_prestat_dir_name, XWASI_EBADF },
	{ "fd_pwrite", "iiiIi", true, wasi_fd_pwrite, XWASI_ESPIPE },
	{ "fd_read", "iiii", true, wasi_fd_read, XWASI_EBADF },
	{ "fd_readdir", "iiiIi", true, wasi_fd_readdir, XWASI_ENOTDIR },
	{ "fd_renumber", "ii", true, wasi_fd_renumber, XWASI_ENOTSUP },
	{ "fd_seek", "iIii", true, wasi_fd_seek, XWASI_ESPIPE },
	{ "fd_sync", "i", true, wasi_fd_sync, XWASI_EINVAL },
	{ "fd_tell", "ii", true, wasi_fd_tell, XWASI_ESPIPE },
	{ "fd_write", "iiii", true, wasi_fd_write, XWASI_EBADF },
	{ "path_create_directory", "iii", true, wasi_path_create_directory, XWASI_ENOTDIR },
	{ "path_filestat_get", "iiiii", true, wasi_path_filestat_get, XWASI_ENOTDIR },
	{ "path_filestat_set_times", "iiiiIIi", true, wasi_path_filestat_set_times, XWASI_ENOTDIR },
	{ "path_link", "iiiiiii", true, wasi_path_link, XWASI_ENOTDIR },
	{ "path_open", "iiiiiIIii", true, wasi_path_open, XWASI_ENOTDIR },
	{ "path_readlink", "iiiiii", true, wasi_path_readlink, XWASI_ENOTDIR },
	{ "path_remove_directory", "iii", true, wasi_path_remove_directory, XWASI_ENOTDIR },
	{ "path_rename", "iiiiii", true, wasi_path_rename, XWASI_ENOTDIR },
	{ "path_symlink", "iiiii", true, wasi_path_symlink, XWASI_ENOTDIR },
	{ "path_unlink_file", "iii", true, wasi_path_unlink_file, XWASI_ENOTDIR },
	{ "poll_oneoff", "iiii", true, wasi_poll_oneoff, 0 },
	{ "proc_exit", "i", false, h_proc_exit, 0 },
	{ "proc_raise", "i", true, h_enosys, 0 },
	{ "sched_yield", "", true, h_sched_yield, 0 },
	{ "random_get", "ii", true, h_random_get, 0 },
	{ "sock_accept", "iii", true, wasi_fd_stub, XWASI_ENOTSOCK },
	{ "sock_recv", "iiiiii", true, wasi_fd_stub, XWASI_ENOTSOCK },
	{ "sock_send", "iiiii", true, wasi_fd_stub, XWASI_ENOTSOCK },
	{ "sock_shutdown", "ii", true, wasi_fd_stub, XWASI_ENOTSOCK },
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
	if (o.npreopens > XWASI_MAX_PREOPENS || (o.npreopens && !o.preopens))
		return -EINVAL;
	for (size_t i = 0; i < o.npreopens; i++) {
		const struct xwasm_wasi_preopen *p = &o.preopens[i];
		if (!p->host || !p->host[0] || !p->guest || !p->guest[0])
			return -EINVAL;
	}

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
	int rc = wasi_fd_table_init(w, o.preopens, o.npreopens);
	if (rc) {
		free(w);
		return rc;
	}
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
	wasi_fd_table_free(w);
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
