/* Internal structures of the protocol registry (include/xdperf/hotload.h), shared by the control
 * side (registry.c), the published routing snapshots and hot-path calls (routing.c), the
 * reclamation of what calls may still see (reclaim.c) and the per-call statistics (stats.c). */
#ifndef XDPERF_HOTLOAD_REGISTRY_H
#define XDPERF_HOTLOAD_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "xdperf/hotload.h"
#include "xdperf/plugin.h"

#define HL_BUCKETS 10000u       /* routing resolution: 0.01% */
#define HL_HIST 320u            /* latency histogram buckets (stats.c) */
#define HL_HISTORY 32           /* previous active versions remembered for rollback */

/* Per-call counters of one version in one worker slot. Written only by that worker (relaxed
 * load + store, no read-modify-write), read by list(). */
struct hl_slot {
	_Atomic(struct xdperf_proto_instance *) inst;
	_Atomic uint64_t calls, errors, traps, fuel, memcap, badout;
	_Atomic uint64_t last_ns;    /* CLOCK_MONOTONIC_COARSE at the last call (idle expiry) */
	_Atomic uint64_t mem_bytes;  /* what inst holds after its last call (xdperf_proto_instance_memory) */
	_Atomic uint64_t hist[HL_HIST];
};

struct hl_version {
	char version[XDPERF_PROTO_VERSION_MAX];
	char name[XDPERF_PROTO_ID_MAX + XDPERF_PROTO_VERSION_MAX]; /* "id@version" */
	struct hl_proto *proto;      /* NULL once unloaded */
	/* control state (under the registry lock) */
	enum xdperf_version_state state;
	double traffic;              /* percent, for testing versions */
	uint64_t drain_epoch;        /* deprecating/unloaded: drained once no worker is older */
	uint64_t touched_ns;         /* load or last state change (idle expiry) */
	struct hl_version *next;     /* protocol's versions in load order, or the retired list */
	/* what runs */
	struct xdperf_proto_module *mod;
	xdperf_native_handler native;
	void *native_ctx;
	size_t wasm_bytes;
	uint64_t module_bytes;       /* xdperf_proto_module_bytes (0 for native) */
	uint64_t load_us;            /* decoding, validation and translation time */
	char sha256[65], key_id[17];
	/* per worker slot (nslots entries), created by the worker on its first call */
	_Atomic(struct hl_slot *) *slots;
};

struct hl_proto {
	char id[XDPERF_PROTO_ID_MAX];
	struct xdperf_proto_policy policy;   /* protocol level (unset fields inherit) */
	struct hl_version *versions;         /* load order */
	struct hl_version *history[HL_HISTORY]; /* previous active versions, newest last */
	int nhistory;
	struct hl_proto *next;
};

/* Immutable routing snapshot: what calls see. Published with one atomic store. */
struct hl_route {
	struct hl_version *v;
	uint32_t upto;               /* takes buckets [previous upto, upto) */
};
struct hl_psnap {
	char id[XDPERF_PROTO_ID_MAX];
	uint32_t nroutes, nexec;
	struct hl_route *routes;
	struct hl_version **exec;    /* versions execute() may run */
	double testing_share;        /* for the no-version message */
};
struct hl_snap {
	uint32_t n;                  /* protocols, sorted by id */
	struct hl_psnap *p;
	struct hl_snap *retired_next;
	uint64_t retire_epoch;
};

struct xdperf_worker {
	struct xdperf_registry *r;
	uint32_t slot;
	uint64_t rr;                 /* spreads key-less calls */
	uint32_t depth;              /* calls in progress on this worker (nested by native handlers) */
	_Atomic uint64_t active;     /* epoch entered, 0 = outside any call */
	char pad[64];
};

struct xdperf_registry {
	struct xdperf_registry_opts opts;    /* trust_dir copied below */
	xwasm_interrupt *load_irq;           /* xdperf_registry_cancel_loads */
	char *trust_dir;
	struct xdperf_trust *trust;
	struct xdperf_proto_policy policy;   /* registry level */
	pthread_mutex_t lock;                /* control operations */
	struct hl_proto *protos;
	_Atomic(struct hl_snap *) snap;
	_Atomic uint64_t epoch;              /* starts at 1 */
	struct hl_snap *retired_snaps;
	struct hl_version *retired_versions; /* unloaded, waiting to be drained */
	_Atomic(struct xdperf_worker *) *workers; /* nslots: max_workers handles, then the shared one */
	uint32_t nslots;
	struct xdperf_worker *shared;        /* for calls without a worker */
	pthread_mutex_t shared_lock;
	bool warned_unsigned;
	/* background maintenance */
	pthread_t thread;
	bool thread_running, stop;
	pthread_cond_t cond;
};

/* routing.c */
int hl_publish(struct xdperf_registry *r);           /* rebuild + publish the snapshot (locked) */
void hl_snap_free(struct hl_snap *s);
int hl_worker_alloc(struct xdperf_registry *r, uint32_t slot, struct xdperf_worker **out);
/* reclaim.c */
bool hl_drained(struct xdperf_registry *r, uint64_t epoch);
int hl_reclaim(struct xdperf_registry *r);           /* frees what is drained (locked) */
void hl_version_free(struct xdperf_registry *r, struct hl_version *v);
void hl_version_drop_instances(struct xdperf_registry *r, struct hl_version *v);
/* Frees the instance one worker slot holds in v (its counters stay). */
void hl_slot_drop_instance(struct hl_version *v, uint32_t slot);
/* stats.c */
void hl_hist_add(struct hl_slot *s, uint64_t ns);
/* Sums v's counters into info (locked). */
void hl_version_stats(const struct xdperf_registry *r, const struct hl_version *v,
		      struct xdperf_version_info *info);
uint64_t hl_version_idle_ms(const struct xdperf_registry *r, const struct hl_version *v);
uint64_t hl_now_ns(void);
uint64_t hl_coarse_ns(void); /* CLOCK_MONOTONIC_COARSE: a few ns, a few ms resolution */
/* registry.c */
void hl_log(struct xdperf_registry *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline void hl_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

#endif
