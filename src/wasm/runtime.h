/* Runtime objects shared by the runtime (runtime.c, instance.c, linker.c) and the
 * interpreter (interp.c): functions, memories, tables, globals, instances, execution state. */
#ifndef XW_RUNTIME_H
#define XW_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "xdperf/wasm.h"
#include "wasm/module.h"
#include "wasm/code.h"

struct xwasm_func {
	const xw_functype *type;
	xwasm_instance *inst;              /* defining instance (NULL for a host function) */
	const xw_compiled_func *code;      /* NULL for a host function */
	xwasm_host_fn host;
	void *host_user;
	uint32_t index;                    /* index in the defining module (or import slot) */
};

/* What an instance holds (xwasm_instance_bytes) and the caps on it: its memories, tables,
 * globals, stacks and its own structures are charged here as they are allocated, and released
 * when freed. Host-created memories and tables (xwasm_memory_new, ...) have no account. */
struct xw_account {
	uint64_t bytes;            /* charged now */
	uint64_t max_bytes;        /* opts.max_bytes; 0 = no cap */
	uint64_t table_elems;      /* entries of the tables the instance defines */
	uint64_t max_table_elems;  /* opts.max_table_elems (XW_MAX_TABLE when unset) */
	uint64_t refusals;         /* allocations refused by a cap (memory pages, bytes, table entries) */
	enum xwasm_cap last;       /* the cap that refused the last one */
};

/* Charges `bytes` (and `elems` table entries) to a, or refuses (counting the refusal) when a
 * cap would be passed. a NULL: always true. */
bool xw_account_charge(struct xw_account *a, uint64_t bytes, uint64_t elems);
void xw_account_release(struct xw_account *a, uint64_t bytes, uint64_t elems);
/* Counts a refusal by `cap` (an allocation the caller refused itself). a NULL: nothing. */
void xw_account_refused(struct xw_account *a, enum xwasm_cap cap);

struct xwasm_memory {
	uint8_t *base;        /* reserved address range; [0, size) accessible */
	uint64_t size;        /* bytes = pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;   /* declared maximum (or XW_MAX_PAGES) */
	bool has_max;         /* a maximum was declared */
	bool is64;            /* memory64: i64 addresses */
	bool shared;          /* threads: a shared memory (wait allowed; imports match on it) */
	uint64_t decl_max;    /* the declared maximum as declared (a 64-bit memory's may pass
	                         XW_MAX_PAGES; max_pages is clamped), for import matching */
	uint32_t cap_pages;   /* engine/instance cap: growth beyond fails */
	uint64_t cap_refusals;/* grows refused because of cap_pages (not the declared maximum) */
	size_t reserved;      /* bytes of address space reserved */
	struct xw_account *acct; /* the defining instance's account (NULL: host-created) */
};

struct xwasm_table {
	void **elems;
	uint32_t size;
	uint32_t max;         /* declared maximum, UINT32_MAX if none */
	bool has_max;
	uint8_t elemtype;
	/* Instances whose instantiation failed after writing references to their functions
	 * into this table: they stay alive (callable through the table) until it is freed. */
	xwasm_instance **retained;
	uint32_t nretained;
	struct xw_account *acct; /* the defining instance's account (NULL: host-created) */
};

struct xwasm_global {
	uint64_t value;       /* raw bits (refs as pointer bits); v128: the low 8 bytes */
	uint64_t value_hi;    /* v128: the high 8 bytes */
	uint8_t type;
	bool mutable_;
};

/* Exception handling (eh.c). A tag: exceptions match by the tag's address (identity), so an
 * imported tag is the exporting instance's object. */
struct xw_tag {
	const xw_functype *type;           /* params = the exception's values */
	const xw_module *mod;              /* defining module and index, for messages */
	uint32_t index;
};

/* A thrown exception: its tag and values (nslots frame slots). exnref values point to one.
 * They are kept on the executing state's list (xw_exec.exns) until the next outermost call
 * starts (or the instance goes), so an exnref stays valid for the whole call that made it. */
struct xw_exn {
	struct xw_exn *next, *prev;
	struct xw_tag *tag;
	uint32_t nslots;
	bool exposed;                      /* reached an exnref: kept until the reset */
	uint32_t slot_refs;                /* legacy catches' hidden slots holding it */
	uint64_t vals[];
};
/* Cap on the bytes of exceptions one outermost call may hold (XWASM_TRAP_OOM past it). */
#define XW_EXN_MAX_BYTES ((uint64_t)64 << 20)

struct xw_frame {
	const uint32_t *ip;                /* return address in the caller */
	uint64_t *fp;                      /* caller frame */
	xwasm_instance *inst;              /* caller instance */
	const xw_compiled_func *cf;        /* caller function */
};

/* The embedder's interrupt flag (interrupt.c). */
struct xwasm_interrupt {
	atomic_int raised;
};
/* Never raised: what a call without an interrupt flag looks at. */
extern struct xwasm_interrupt xw_no_interrupt;

/* Fuel is spent from a slice of at most XW_FUEL_SLICE units that the interpreter keeps in a
 * local; the rest of the call's budget waits in xw_exec.fuel_reserve. When a slice runs out,
 * xw_fuel_next_slice() looks at the interrupt flag and takes the next slice from the reserve,
 * so a call notices an interrupt within one slice whatever its budget (unlimited too). */
#define XW_FUEL_SLICE ((int64_t)1 << 20)
/* What a call of a host function (an import the embedder or WASI provides) costs in fuel, on
 * top of what the host function charges itself: about a microsecond's worth of instructions,
 * so that a loop of host calls, which executes few instructions of its own, ends within its
 * budget in about the time a loop of plain instructions does. */
#define XW_HOST_CALL_FUEL 1000

/* Execution state of one instance (its stacks and budget). */
struct xw_exec {
	uint64_t *stack;
	uint64_t *stack_end;
	uint64_t *sp;                      /* first free slot for a nested (re-entrant) call */
	struct xw_frame *frames;
	uint32_t depth;                    /* frames in use */
	uint32_t max_depth;
	uint32_t stack_slots;
	int64_t fuel;                      /* left in the current slice (< 0: slice overrun) */
	int64_t fuel_reserve;              /* budget beyond the current slice */
	int64_t fuel_total;                /* budget per call (xw_fuel_set); INT64_MAX = unlimited */
	uint64_t fuel_start;               /* budget of the current outermost call */
	const struct xwasm_interrupt *irq; /* the instance's flag (xw_interrupt_set), never NULL */
	struct xwasm_trap trap;            /* last trap */
	struct xw_exn *exns;               /* exceptions thrown since the outermost call began */
	uint64_t exn_bytes;
	struct xw_account *acct;           /* the instance's: its exceptions are charged there too
	                                      (opts.max_bytes covers them); NULL: none */
};

struct xwasm_instance {
	const xw_module *mod;
	xwasm_func **funcs;                /* mod->nfuncs entries */
	xwasm_table **tables;              /* mod->ntables */
	xwasm_memory *mem;                 /* memory 0 or NULL (= mems[0]: the interpreter's fast path) */
	xwasm_memory **mems;               /* mod->nmems (multi-memory: several, perhaps one imported
	                                      several times) */
	xwasm_global **globals;            /* mod->nglobals */
	struct xw_tag **tags;              /* mod->ntags (exception handling) */
	struct xw_tag *own_tags;           /* storage of the defined ones (from nimported_tags) */
	uint32_t *elem_sizes;              /* live length of each elem segment (0 once dropped) */
	uint32_t *data_sizes;              /* live length of each data segment (0 once dropped) */
	void ***elem_items;                /* resolved references of each elem segment */

	xwasm_func *own_funcs;             /* storage: one per function (imported host funcs too) */
	xwasm_table *own_tables;
	xwasm_memory *own_mems;            /* mod->nmems: the defined ones (from nimported_mems) */
	xwasm_global *own_globals;

	struct xwasm_instance_opts opts;   /* opts.interrupt: see xwasm_instance_set_interrupt */
	struct xw_account acct;            /* what it holds, against opts.max_bytes */
	struct xw_exec ex;
	/* set by host functions through xwasm_instance_set_trap / xwasm_instance_exit */
	char host_msg[256];
	int exit_code;
};

/* An extern as the linker resolves it. */
struct xw_extern {
	uint8_t kind;                      /* enum xwasm_extern_kind */
	xwasm_func *func;                  /* wasm function (of an instance) */
	const xw_functype *host_type;      /* host function: type, fn, user */
	xwasm_host_fn host_fn;
	void *host_user;
	xwasm_table *table;
	xwasm_memory *mem;
	xwasm_global *global;
	struct xw_tag *tag;
};

/* linker.c: looks up module.name; returns 0 and fills *out, or -ENOENT. */
int xw_linker_lookup(xwasm_linker *l, const char *module, const char *name, struct xw_extern *out);
/* Uses the linker's fallback resolver for a function import (or -ENOENT). */
int xw_linker_resolve(xwasm_linker *l, const struct xwasm_import_info *imp, xwasm_host_fn *fn, void **user);
/* exports.c: finds export `name` of inst; 0 and *out, or -ENOENT. */
int xw_instance_export(const xwasm_instance *inst, const char *name, struct xw_extern *out);
/* Fills reflection info for an import or export of module m. */
void xw_fill_import_info(const xw_module *m, const xw_import *imp, struct xwasm_import_info *out);

/* memory.c */
int xw_memory_init(xwasm_memory *mem, uint32_t min_pages, uint32_t max_pages, uint32_t cap_pages);
void xw_memory_release(xwasm_memory *mem);
int64_t xw_memory_grow(xwasm_memory *mem, uint32_t delta);
/* table.c */
int xw_table_init(xwasm_table *t, uint8_t elemtype, uint32_t min, uint32_t max);
void xw_table_release(xwasm_table *t);
int64_t xw_table_grow(xwasm_table *t, uint32_t delta, void *init);
int xw_table_retain(xwasm_table *t, xwasm_instance *inst);

/* wait.c: the wait queue of memory.atomic.wait/notify (threads). A waiter lives on the
 * waiting call's C stack from xw_wait_enter() to xw_wait_leave(). */
struct xw_waiter {
	const xwasm_memory *mem;
	uint64_t addr;
	pthread_cond_t cv;
	bool woken;                        /* set (and unlinked) by xw_notify */
	struct xw_waiter *next, *prev;
};
/* Compares the width-byte (4 or 8) value at ea in m with expected: 1 when it differs, else
 * queues w and returns 0. */
int xw_wait_enter(struct xw_waiter *w, const xwasm_memory *m, uint64_t ea, uint64_t expected, unsigned width);
/* Sleeps up to ns nanoseconds or until notified; true once notified. */
bool xw_wait_piece(struct xw_waiter *w, uint64_t ns);
/* Unqueues w (if no notify did) and releases it. */
void xw_wait_leave(struct xw_waiter *w);
/* Wakes up to count waiters at ea in m, oldest first; returns how many. */
uint32_t xw_notify(const xwasm_memory *m, uint64_t ea, uint32_t count);

/* interp.c: runs the wasm function f with its arguments in fp[0..nparams) (results are left in
 * fp[0..nresults)) on the execution state ex. Returns 0 or a trap kind (details in ex->trap). */
int xw_interp_call(struct xw_exec *ex, xwasm_func *f, uint64_t *fp);

/* interrupt.c: true when the current call's interrupt flag is raised. */
static inline bool xw_interrupted(const struct xw_exec *ex)
{
	return atomic_load_explicit(&ex->irq->raised, memory_order_relaxed) != 0;
}
/* interrupt.c: the current slice ended with `fuel` (< 0) left in it. Returns 0 with the next
 * slice in ex->fuel, or XWASM_TRAP_FUEL_EXHAUSTED (the whole budget is spent) or
 * XWASM_TRAP_INTERRUPTED, with ex->fuel and ex->fuel_reserve left so that fuel used is exact. */
int xw_fuel_next_slice(struct xw_exec *ex, int64_t fuel);
/* interrupt.c: sets the budget per call (0 = unlimited) and the interrupt flag (NULL = none)
 * of an instance. */
void xw_fuel_set(struct xw_exec *ex, uint64_t fuel);
void xw_interrupt_set(xwasm_instance *inst, xwasm_interrupt *irq);
/* Starts the budget of an outermost call: its first slice, the rest in reserve. */
static inline void xw_fuel_start(struct xw_exec *ex)
{
	int64_t total = ex->fuel_total;
	ex->fuel_start = (uint64_t)total;
	ex->fuel = total < XW_FUEL_SLICE ? total : XW_FUEL_SLICE;
	ex->fuel_reserve = total - ex->fuel;
}

/* eh.c: a new exception of `tag` with values vals[0..nslots) on ex's list; NULL when the
 * list is over XW_EXN_MAX_BYTES or out of memory. */
struct xw_exn *xw_exn_new(struct xw_exec *ex, struct xw_tag *tag, const uint64_t *vals);
/* eh.c: frees the exceptions of ex's list (at the start of an outermost call, and teardown). */
void xw_exn_reset(struct xw_exec *ex);
/* eh.c: frees exception e unless an exnref was made of it or a legacy catch's hidden slot
 * holds it (after a catch clause that keeps no reference, or when such a slot lets go). */
void xw_exn_drop(struct xw_exec *ex, struct xw_exn *e);
/* eh.c: the handler of function cf that catches exception e thrown at code position pos
 * (in instance inst), searching handlers at delegate level *level or outer (UINT32_MAX: any);
 * a delegate lowers *level. NULL: none in this frame. */
struct xw_eh_entry;
const struct xw_eh_entry *xw_eh_find(const xw_compiled_func *cf, const xwasm_instance *inst,
				     uint32_t pos, const struct xw_exn *e, uint32_t *level);

/* constexpr.c: the value of an XW_CONST_EXPR constant expression in inst (whose imports are
 * resolved and globals before it defined). */
uint64_t xw_const_eval_seq(const xwasm_instance *inst, const xw_constexpr *e);

/* exec.c: calls host function f for `caller`, arguments/results in slots. Returns 0 or a trap
 * kind, with the message in ex->trap. */
int xw_call_host(struct xw_exec *ex, xwasm_instance *caller, xwasm_func *f, uint64_t *slots);

/* exec.c: runs f (any instance or host) with raw slot arguments on inst's stack. */
int xw_exec_invoke(xwasm_instance *inst, xwasm_func *f, uint64_t *args_results);
/* Unmaps the value and frame stacks (instance teardown). */
void xw_exec_release(struct xw_exec *ex);

/* Fills ex->trap for a trap of `kind` raised in function `func_index` of module m
 * (m may be NULL for host/entry traps). `detail` may be NULL. */
void xw_trap_fill(struct xw_exec *ex, int kind, const xw_module *m, uint32_t func_index,
		  const char *detail);

/* Name of function idx for messages: name section, else export name, else "func[N]". */
void xw_func_name(const xw_module *m, uint32_t idx, char *buf, size_t len);

/* Conversions between xwasm_val and raw slots. */
static inline uint64_t xw_val_to_slot(const xwasm_val *v)
{
	switch (v->type) {
	case XWASM_I32: return (uint32_t)v->of.i32;
	case XWASM_F32: return v->of.f32_bits;
	case XWASM_I64: return (uint64_t)v->of.i64;
	case XWASM_F64: return v->of.f64_bits;
	default: return (uint64_t)(uintptr_t)v->of.ref;
	}
}
/* Values of any type, v128 included, to and from their frame slots (1 or 2 of them). */
static inline void xw_val_to_slots(const xwasm_val *v, uint64_t *s)
{
	if (v->type == XWASM_V128)
		memcpy(s, v->of.v128, 16);
	else
		s[0] = xw_val_to_slot(v);
}
static inline xwasm_val xw_slot_to_val(uint8_t type, uint64_t s)
{
	xwasm_val v;
	v.type = type;
	v.of.i64 = 0;
	switch (type) {
	case XWASM_I32: v.of.i32 = (int32_t)(uint32_t)s; break;
	case XWASM_F32: v.of.f32_bits = (uint32_t)s; break;
	case XWASM_I64: v.of.i64 = (int64_t)s; break;
	case XWASM_F64: v.of.f64_bits = s; break;
	default: v.of.ref = (void *)(uintptr_t)s; break;
	}
	return v;
}

static inline xwasm_val xw_slots_to_val(uint8_t type, const uint64_t *s)
{
	if (type != XWASM_V128)
		return xw_slot_to_val(type, s[0]);
	xwasm_val v;
	v.type = type;
	memcpy(v.of.v128, s, 16);
	return v;
}

#endif
