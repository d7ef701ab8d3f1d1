/* xdperf WebAssembly engine: public embedding API (part of libxdperf).
 *
 * Model:
 *   xwasm_module   decoded, validated and translated module; immutable, may be shared by threads
 *                  and instantiated any number of times.
 *   xwasm_linker   set of named externs (host functions, exports of other instances) that
 *                  resolves a module's imports at instantiation.
 *   xwasm_instance one running copy of a module: memory, tables, globals, its own execution
 *                  stack and limits. One thread at a time per instance; independent instances
 *                  run concurrently. An instance that imports from another must not run while
 *                  that other instance runs on a different thread.
 *
 * Conventions (libbpf-like): functions return 0 or a negative errno; where an `err` buffer is
 * taken it receives one human-readable line (may be NULL). Ownership is stated per function.
 * A trap in guest code makes xwasm_call() return XWASM_ETRAP and fills struct xwasm_trap.
 */
#ifndef XDPERF_WASM_H
#define XDPERF_WASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Value types (their binary encodings). */
enum xwasm_valtype {
	XWASM_I32 = 0x7f,
	XWASM_I64 = 0x7e,
	XWASM_F32 = 0x7d,
	XWASM_F64 = 0x7c,
	XWASM_V128 = 0x7b,
	XWASM_FUNCREF = 0x70,
	XWASM_EXTERNREF = 0x6f,
	XWASM_EXNREF = 0x69,   /* exception handling: a caught exception (opaque pointer, NULL = null) */
};

/* Extern kinds (their binary encodings). */
enum xwasm_extern_kind {
	XWASM_EXTERN_FUNC = 0,
	XWASM_EXTERN_TABLE = 1,
	XWASM_EXTERN_MEMORY = 2,
	XWASM_EXTERN_GLOBAL = 3,
	XWASM_EXTERN_TAG = 4,     /* exception handling: an exception tag */
};

typedef struct xwasm_module xwasm_module;
typedef struct xwasm_instance xwasm_instance;
typedef struct xwasm_linker xwasm_linker;
typedef struct xwasm_func xwasm_func;
typedef struct xwasm_table xwasm_table;
typedef struct xwasm_memory xwasm_memory;
typedef struct xwasm_global xwasm_global;
typedef struct xwasm_interrupt xwasm_interrupt;

/* A typed value. f32/f64 are carried bit-exactly (NaN payloads preserved): use the bits
 * members to compare. A funcref is an xwasm_func* (NULL = null); an externref is any host
 * pointer (NULL = null). */
typedef struct xwasm_val {
	uint8_t type; /* enum xwasm_valtype */
	union {
		int32_t i32;
		int64_t i64;
		uint32_t f32_bits;
		uint64_t f64_bits;
		float f32;
		double f64;
		void *ref;
		uint8_t v128[16]; /* XWASM_V128: the 16 bytes in memory order (little-endian lanes) */
	} of;
} xwasm_val;

/* Trap kinds. Messages follow the spec test suite's wording. */
enum xwasm_trap_kind {
	XWASM_TRAP_NONE = 0,
	XWASM_TRAP_UNREACHABLE,      /* "unreachable" */
	XWASM_TRAP_MEMORY_OOB,       /* "out of bounds memory access" */
	XWASM_TRAP_DIV_ZERO,         /* "integer divide by zero" */
	XWASM_TRAP_INT_OVERFLOW,     /* "integer overflow" */
	XWASM_TRAP_INVALID_CONV,     /* "invalid conversion to integer" */
	XWASM_TRAP_INDIRECT_TYPE,    /* "indirect call type mismatch" */
	XWASM_TRAP_UNDEFINED_ELEM,   /* "undefined element" (call_indirect index >= table size) */
	XWASM_TRAP_UNINIT_ELEM,      /* "uninitialized element" (null entry) */
	XWASM_TRAP_TABLE_OOB,        /* "out of bounds table access" */
	XWASM_TRAP_STACK_EXHAUSTED,  /* "call stack exhausted" */
	XWASM_TRAP_FUEL_EXHAUSTED,   /* "fuel exhausted" */
	XWASM_TRAP_HOST,             /* a host function failed; message says why */
	XWASM_TRAP_EXIT,             /* WASI proc_exit: exit_code holds the status */
	XWASM_TRAP_OOM,              /* host could not allocate (stack, table) */
	XWASM_TRAP_INTERRUPTED,      /* "interrupted": the instance's xwasm_interrupt was raised */
	XWASM_TRAP_EXCEPTION,        /* "uncaught exception": a WebAssembly exception (throw,
	                                rethrow, throw_ref) left the called function uncaught */
	XWASM_TRAP_NULL_EXNREF,      /* "null exception reference" (throw_ref of a null exnref) */
	XWASM_TRAP_UNALIGNED_ATOMIC, /* "unaligned atomic": an atomic access off its natural alignment */
	XWASM_TRAP_EXPECTED_SHARED,  /* "expected shared memory": memory.atomic.wait on an unshared memory */
	XWASM_TRAP_WAIT_FOREVER,     /* memory.atomic.wait with no timeout where nothing can wake it */
};

struct xwasm_trap {
	enum xwasm_trap_kind kind;
	int exit_code;            /* for XWASM_TRAP_EXIT */
	char func_name[96];       /* function that trapped: name section name, export name or "func[N]" */
	char message[256];        /* full message, e.g. "out of bounds memory access in func[3] (load)" */
};

/* xwasm_call() result for a trap (outside the errno range). */
#define XWASM_ETRAP 4096

/* "i32", "i64", "f32", "f64", "v128", "funcref", "externref", or "?" . Static string. */
const char *xwasm_valtype_str(uint8_t type);

/* Returns the spec wording for a trap kind ("integer divide by zero", ...). Static string. */
const char *xwasm_trap_kind_str(enum xwasm_trap_kind kind);

/* ---- modules ---------------------------------------------------------------------------- */

struct xwasm_load_opts {
	size_t sz;             /* sizeof(struct xwasm_load_opts), for forward compatibility */
	const char *name;      /* module name used in messages (copied); NULL = "module" */
	/* Cap on the bytes decoding and translation may hold for the module: its copy of the
	 * binary, the decoded sections, the translated code and the translator's working arrays
	 * (counted as xwasm_module_bytes() counts); 0 = no cap. Over it loading stops at once
	 * with -EFBIG, "module too large: ... limit of N bytes". */
	uint64_t max_bytes;
	/* Interrupt flag (see "interrupting a running call" below); NULL = none. While it is
	 * raised, loading stops within milliseconds with -EINTR ("loading interrupted"): the
	 * translator looks at it before each function and every 65536 operand checks. */
	xwasm_interrupt *interrupt;
	/* Post-2.0 features the module may use (enum xwasm_feature bits); 0 =
	 * XWASM_FEATURES_DEFAULT. Any other value is the exact set: XWASM_FEATURES_NONE (no
	 * feature bit) loads WebAssembly 2.0 only. A disabled feature is refused as 2.0 refuses
	 * its encoding (e.g. a second memory is invalid: "multiple memories"). */
	uint32_t features;
};

/* Features past WebAssembly 2.0 that the engine implements (xwasm_load_opts.features). */
enum xwasm_feature {
	XWASM_FEATURE_EXTENDED_CONST = 1u << 0, /* i32/i64 add, sub, mul in constant expressions */
	XWASM_FEATURE_TAIL_CALL = 1u << 1,      /* return_call, return_call_indirect */
	XWASM_FEATURE_MULTI_MEMORY = 1u << 2,   /* several memories, memory index in memarg */
	XWASM_FEATURE_EXCEPTIONS = 1u << 3,     /* exception handling: tags, throw, try_table, exnref,
	                                           and the legacy try/catch/delegate/rethrow */
	XWASM_FEATURE_THREADS = 1u << 4,        /* shared memories (limits flags 0x02/0x03), the 0xfe
	                                           atomic instructions, wait/notify single-threaded */
	XWASM_FEATURE_MEMORY64 = 1u << 5,       /* memories with i64 addresses (limits flags 0x04/0x05) */
	XWASM_FEATURES_EXPLICIT = 1u << 31,     /* no feature: makes an empty set nonzero */
};
/* What loading allows by default: every implemented feature that does not change what 2.0
 * modules mean (multi-memory does: 2.0 calls a second memory invalid, and a memarg with bit 6
 * set malformed). */
#define XWASM_FEATURES_DEFAULT (XWASM_FEATURE_EXTENDED_CONST | XWASM_FEATURE_TAIL_CALL | XWASM_FEATURE_MEMORY64 | \
				XWASM_FEATURE_EXCEPTIONS | XWASM_FEATURE_THREADS)
#define XWASM_FEATURES_ALL (XWASM_FEATURES_DEFAULT | XWASM_FEATURE_MULTI_MEMORY)
#define XWASM_FEATURES_NONE XWASM_FEATURES_EXPLICIT

/* Decodes, validates and translates a binary module. The bytes are copied; the caller keeps
 * ownership of `bytes`. On success *out is a new module the caller frees with
 * xwasm_module_free() (after every instance made from it). On error returns -EINVAL
 * (malformed or invalid, err names the byte offset and the rule), -ENOTSUP (a feature beyond
 * WebAssembly 2.0, e.g. SIMD), -EFBIG (over opts.max_bytes), -EINTR (opts.interrupt) or -ENOMEM. */
int xwasm_module_load(const uint8_t *bytes, size_t len, const struct xwasm_load_opts *opts,
		      xwasm_module **out, char *err, size_t errlen);
void xwasm_module_free(xwasm_module *m);
/* Bytes the loaded module holds: the sizes of the engine's allocations for it (the copy of
 * the binary, decoded sections, translated code), each counted with 16 bytes of allocator
 * overhead. Instances made from it count their own (xwasm_instance_bytes). */
uint64_t xwasm_module_bytes(const xwasm_module *m);

/* Reflection over imports and exports. Strings are owned by the module. */
struct xwasm_import_info {
	const char *module;
	const char *name;
	enum xwasm_extern_kind kind;
	/* for funcs: the function type */
	uint32_t nparams, nresults;
	const uint8_t *params, *results;
	/* for globals: value type and mutability; tables: element type; tables/memories: limits;
	 * memories: valtype = the index type (XWASM_I64 for a 64-bit memory, else XWASM_I32) */
	uint8_t valtype;
	bool mutable_;
	uint64_t min, max; /* max = UINT64_MAX if absent */
	bool shared;       /* memories: a shared memory (threads: limits flags 0x02/0x03) */
};
uint32_t xwasm_module_num_imports(const xwasm_module *m);
int xwasm_module_import(const xwasm_module *m, uint32_t idx, struct xwasm_import_info *out);
uint32_t xwasm_module_num_exports(const xwasm_module *m);
/* Export idx: name (owned by the module) and kind; for functions, the same type fields as
 * for imports are filled. */
int xwasm_module_export(const xwasm_module *m, uint32_t idx, struct xwasm_import_info *out);

/* ---- linker ------------------------------------------------------------------------------ */

/* A host function. `caller` is the calling instance (use it for memory access and traps),
 * `user` the pointer given at definition, args/results typed as declared. Return 0 to
 * continue, or a trap kind (after xwasm_instance_set_trap() for a message) to trap. */
typedef int (*xwasm_host_fn)(xwasm_instance *caller, void *user, const xwasm_val *args,
			     xwasm_val *results);

/* Optional fallback for imports the linker has no entry for: fill *fn and *user to provide a
 * host function for a function import and return 0, or return -ENOENT. */
typedef int (*xwasm_resolve_fn)(void *ctx, const struct xwasm_import_info *imp, xwasm_host_fn *fn,
				void **user);

xwasm_linker *xwasm_linker_new(void);                   /* caller frees with xwasm_linker_free */
void xwasm_linker_free(xwasm_linker *l);                /* does not free registered instances */
void xwasm_linker_set_resolver(xwasm_linker *l, xwasm_resolve_fn fn, void *ctx);
/* Defines module.name as a host function of the given type. Strings and type arrays are copied. */
int xwasm_linker_define_func(xwasm_linker *l, const char *module, const char *name,
			     const uint8_t *params, uint32_t nparams, const uint8_t *results,
			     uint32_t nresults, xwasm_host_fn fn, void *user);
/* Defines module.name as an existing extern (owned elsewhere; must outlive its users). */
int xwasm_linker_define_memory(xwasm_linker *l, const char *module, const char *name, xwasm_memory *mem);
int xwasm_linker_define_table(xwasm_linker *l, const char *module, const char *name, xwasm_table *t);
int xwasm_linker_define_global(xwasm_linker *l, const char *module, const char *name, xwasm_global *g);
int xwasm_linker_define_funcref(xwasm_linker *l, const char *module, const char *name, xwasm_func *f);
/* Makes every export of `inst` importable as module.<export name>. `inst` stays owned by the
 * caller and must outlive instances linked against it. */
int xwasm_linker_define_instance(xwasm_linker *l, const char *module, xwasm_instance *inst);

/* ---- host-created externs (owned by the caller; free after every user) ------------------- */
xwasm_memory *xwasm_memory_new(uint32_t min_pages, uint32_t max_pages /* UINT32_MAX = none */);
void xwasm_memory_free(xwasm_memory *mem);
/* A host-created memory with options (threads): opts NULL or { .sz = sizeof(opts) }; shared
 * makes a shared memory, which modules importing a shared memory need (imports match on
 * sharedness) and which memory.atomic.wait accepts; a shared memory must have a maximum
 * (max_pages != UINT32_MAX). Returns 0 with *out (free with xwasm_memory_free), -EINVAL
 * (shared without maximum, min above max or above 65536 pages) or -ENOMEM. */
struct xwasm_memory_opts {
	size_t sz;     /* sizeof(struct xwasm_memory_opts) */
	bool shared;
};
int xwasm_memory_create(uint32_t min_pages, uint32_t max_pages /* UINT32_MAX = none */,
			const struct xwasm_memory_opts *opts, xwasm_memory **out);
xwasm_table *xwasm_table_new(uint8_t elemtype, uint32_t min, uint32_t max /* UINT32_MAX = none */);
void xwasm_table_free(xwasm_table *t);
xwasm_global *xwasm_global_new(xwasm_val init, bool mutable_);
void xwasm_global_free(xwasm_global *g);

/* ---- instances --------------------------------------------------------------------------- */

struct xwasm_instance_opts {
	size_t sz;                /* sizeof(struct xwasm_instance_opts) */
	uint32_t max_memory_pages;/* cap on any memory this instance defines or grows; 0 = 65536 */
	uint64_t fuel;            /* instruction budget per xwasm_call; 0 = unlimited */
	uint32_t max_call_depth;  /* 0 = 10000 */
	uint32_t stack_slots;     /* value stack size in 8-byte slots; 0 = 1M */
	void *user;               /* opaque, see xwasm_instance_user() */
	/* Interrupt flag (see "interrupting a running call" below); NULL = calls cannot be
	 * interrupted. Not owned: it must outlive the instance. */
	xwasm_interrupt *interrupt;
	/* Cap on everything the instance holds, in bytes (xwasm_instance_bytes): its memory,
	 * tables (8 bytes an entry), globals, value and frame stacks, element segments and its own
	 * structures; 0 = no cap. Instantiation that needs more fails with -EFBIG naming what;
	 * memory.grow and table.grow past it return -1. */
	uint64_t max_bytes;
	/* Cap on the entries of all tables the instance defines, together; 0 = 10,000,000. */
	uint32_t max_table_elems;
};

/* Which cap refused an allocation (xwasm_instance_last_cap). */
enum xwasm_cap {
	XWASM_CAP_NONE = 0,
	XWASM_CAP_MEMORY_PAGES,   /* opts.max_memory_pages */
	XWASM_CAP_BYTES,          /* opts.max_bytes */
	XWASM_CAP_TABLE_ELEMS,    /* opts.max_table_elems */
};

/* Instantiates `m`, resolving imports through `l` (may be NULL when there are none), running
 * active segment initialisation and the start function. On success *out is a new instance the
 * caller frees with xwasm_instance_free(). Errors: -ENOENT "unknown import M.N", -EINVAL
 * "incompatible import type" (both name the import and its type), XWASM_ETRAP when
 * initialisation or start traps (trap filled; may be NULL), -ENOMEM. */
int xwasm_instance_new(const xwasm_module *m, xwasm_linker *l, const struct xwasm_instance_opts *opts,
		       xwasm_instance **out, struct xwasm_trap *trap, char *err, size_t errlen);
void xwasm_instance_free(xwasm_instance *inst);
const xwasm_module *xwasm_instance_module(const xwasm_instance *inst);
/* What an instance of m made with opts would hold once instantiated (before its start function
 * runs), without making one: 0 with *bytes, or -EFBIG with the message xwasm_instance_new()
 * would give (a cap of opts too small for its memory, tables, stacks or segments). */
int xwasm_module_instance_bytes(const xwasm_module *m, const struct xwasm_instance_opts *opts, uint64_t *bytes,
				char *err, size_t errlen);
/* Bytes the instance holds now: the sizes of the engine's allocations and mappings for it
 * (linear memory at its current size, tables at 8 bytes an entry, the value and frame stacks
 * at their full mapped size, globals, segments and structures, each allocation with 16 bytes
 * of allocator overhead). Not RSS: mapped pages count whether touched or not. The module's
 * own bytes are xwasm_module_bytes(). */
uint64_t xwasm_instance_bytes(const xwasm_instance *inst);
/* How many allocations the instance's caps (max_memory_pages, max_bytes, max_table_elems)
 * refused so far (memory.grow and table.grow returning -1 because of them; refusals because of
 * a module's own declared maximum are not counted), and which cap refused the last one. */
uint64_t xwasm_instance_cap_refusals(const xwasm_instance *inst);
enum xwasm_cap xwasm_instance_last_cap(const xwasm_instance *inst);
void *xwasm_instance_user(const xwasm_instance *inst);

/* Export lookup; NULL when absent or of another kind. Owned by the instance (or the instance
 * it was imported from). */
xwasm_func *xwasm_instance_func(const xwasm_instance *inst, const char *name);
xwasm_memory *xwasm_instance_memory(const xwasm_instance *inst, const char *name);
xwasm_global *xwasm_instance_global(const xwasm_instance *inst, const char *name);
xwasm_table *xwasm_instance_table(const xwasm_instance *inst, const char *name);
/* Lookups by name and length, for export names that contain NUL bytes. */
xwasm_func *xwasm_instance_func_n(const xwasm_instance *inst, const char *name, size_t len);
xwasm_global *xwasm_instance_global_n(const xwasm_instance *inst, const char *name, size_t len);
/* Memory 0 of the instance (defined or imported), NULL if none. */
xwasm_memory *xwasm_instance_memory0(const xwasm_instance *inst);

/* Function type of f. Arrays owned by the module. */
void xwasm_func_type(const xwasm_func *f, const uint8_t **params, uint32_t *nparams,
		     const uint8_t **results, uint32_t *nresults);

/* Calls f on inst's stack. Arguments must match f's parameter types exactly. Returns 0 with
 * results filled, -EINVAL on wrong argument count/types (err-less; message in trap->message
 * when trap != NULL), XWASM_ETRAP on a trap (trap filled when non-NULL). The instance stays
 * usable after a trap. Fuel (if set) is refilled at each call. */
int xwasm_call(xwasm_instance *inst, xwasm_func *f, const xwasm_val *args, uint32_t nargs,
	       xwasm_val *results, uint32_t nresults, struct xwasm_trap *trap);

/* Limits that may change between calls. */
void xwasm_instance_set_fuel(xwasm_instance *inst, uint64_t fuel /* 0 = unlimited */);
/* Fuel consumed by the last xwasm_call on this instance. */
uint64_t xwasm_instance_fuel_used(const xwasm_instance *inst);
/* Replaces the instance's interrupt flag (NULL = none), between calls. Not owned: `irq` must
 * outlive the instance or be replaced first. */
void xwasm_instance_set_interrupt(xwasm_instance *inst, xwasm_interrupt *irq);

/* ---- interrupting a running call ---------------------------------------------------------- *
 *
 * An xwasm_interrupt is a flag the embedder owns and gives to instances (opts.interrupt or
 * xwasm_instance_set_interrupt(); one flag may serve any number of instances). Raising it makes
 * every call running on those instances trap with XWASM_TRAP_INTERRUPTED ("interrupted in
 * FUNC") soon: the interpreter looks at the flag whenever a fuel slice of about 10^6
 * instructions runs out (a millisecond or two of wasm execution, with or without a fuel
 * limit), after every host function returns, between 16 MiB pieces of memory.fill/copy/init,
 * and the WASI poll_oneoff sleep wakes up for it within 10 ms. The flag is level-triggered: it
 * stays raised until xwasm_interrupt_clear(), and while it is raised every new xwasm_call (and
 * xwasm_instance_new's start function) on those instances traps at once. An interrupted
 * instance stays usable: after clearing the flag, calls run normally (the guest's own state
 * is whatever the interrupted call left, as after any trap). Checking costs nothing on the
 * hot path (the fuel budget is already counted; only a slice's end looks at the flag).
 *
 * Typical use, Ctrl-C during a long plugin call:
 *
 *     static xwasm_interrupt *irq;                // created before the handler is installed
 *     static void on_sigint(int sig) { xwasm_interrupt_raise(irq); }
 *     ...
 *     irq = xwasm_interrupt_new();
 *     struct xwasm_instance_opts o = { .sz = sizeof o, .interrupt = irq };
 *     ... sigaction(SIGINT, ...on_sigint...) ...
 *     if (xwasm_call(inst, f, ...) == XWASM_ETRAP && trap.kind == XWASM_TRAP_INTERRUPTED)
 *             ... stop; ...
 *     ... free the instances, then xwasm_interrupt_free(irq) ...
 */

/* Creates a flag, clear. The caller owns it and frees it with xwasm_interrupt_free() after
 * every instance given it is freed (or has been given another). NULL when out of memory. */
xwasm_interrupt *xwasm_interrupt_new(void);
void xwasm_interrupt_free(xwasm_interrupt *irq);           /* NULL is a no-op */
/* Raises the flag. Async-signal-safe and callable from any thread (one lock-free atomic store). */
void xwasm_interrupt_raise(xwasm_interrupt *irq);
/* Clears the flag (any thread; async-signal-safe). Calls started afterwards run normally. */
void xwasm_interrupt_clear(xwasm_interrupt *irq);
/* True while the flag is raised (async-signal-safe). */
bool xwasm_interrupt_pending(const xwasm_interrupt *irq);
/* For host functions that may block or run long: true when the flag of the calling instance
 * is raised. Such a function should then stop waiting and return XWASM_TRAP_INTERRUPTED
 * (after xwasm_instance_set_trap() for the message). A host function that returns normally
 * is followed by the interrupted trap anyway, as soon as it returns. */
bool xwasm_instance_interrupted(const xwasm_instance *inst);

/* For host functions: record a trap message on the calling instance; then return `kind`. */
void xwasm_instance_set_trap(xwasm_instance *inst, enum xwasm_trap_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* For host functions implementing proc_exit: returns XWASM_TRAP_EXIT after recording code. */
int xwasm_instance_exit(xwasm_instance *inst, int code);

/* ---- memory, global, table access -------------------------------------------------------- */

uint64_t xwasm_memory_size(const xwasm_memory *mem);          /* bytes */
uint32_t xwasm_memory_pages(const xwasm_memory *mem);
/* Bounds-checked guest memory access: -EFAULT when [off, off+len) is outside memory. */
int xwasm_memory_read(const xwasm_memory *mem, uint64_t off, void *dst, size_t len);
int xwasm_memory_write(xwasm_memory *mem, uint64_t off, const void *src, size_t len);
/* Direct pointer to [off, off+len) or NULL when out of bounds. Valid until the memory grows
 * (the engine reserves address space up front, so growth does not move it in practice, but
 * callers must not rely on that across calls into the guest). */
void *xwasm_memory_ptr(xwasm_memory *mem, uint64_t off, size_t len);
/* Grows by delta pages; returns the old page count or -1 (beyond max or cap). */
int64_t xwasm_memory_grow(xwasm_memory *mem, uint32_t delta);
/* How many grows (memory.grow or xwasm_memory_grow) the instance's memory cap refused so far;
 * refusals because of the module's own declared maximum are not counted. */
uint64_t xwasm_memory_cap_refusals(const xwasm_memory *mem);

xwasm_val xwasm_global_get(const xwasm_global *g);
int xwasm_global_set(xwasm_global *g, xwasm_val v);           /* -EPERM if immutable, -EINVAL type */
uint8_t xwasm_global_type(const xwasm_global *g);
bool xwasm_global_mutable(const xwasm_global *g);

uint32_t xwasm_table_size(const xwasm_table *t);
int xwasm_table_get(const xwasm_table *t, uint32_t idx, xwasm_val *out);   /* -ERANGE */

#ifdef __cplusplus
}
#endif
#endif
