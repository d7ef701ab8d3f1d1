/* The protocol registry's hot path: building and publishing immutable routing snapshots (under
 * the control lock), worker handles, and route/execute, which take no lock: a worker announces
 * its epoch, reads the current snapshot, runs its own instance of the chosen version and
 * records the call in its own counters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hotload/registry.h"
#include "util/err.h"
#include "xdperf/hotload.h"

/* ---- snapshots (control side, registry lock held) ------------------------------------------ */

void hl_snap_free(struct hl_snap *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n; i++) {
		free(s->p[i].routes);
		free(s->p[i].exec);
	}
	free(s->p);
	free(s);
}

static int cmp_psnap(const void *a, const void *b)
{
	return strcmp(((const struct hl_psnap *)a)->id, ((const struct hl_psnap *)b)->id);
}

/* Buckets of a testing share: percent of HL_BUCKETS, rounded. */
static uint32_t share_buckets(double percent)
{
	return (uint32_t)lround(percent * (HL_BUCKETS / 100.0));
}

static int build_psnap(struct hl_proto *p, struct hl_psnap *ps)
{
	uint32_t n = 0;
	for (struct hl_version *v = p->versions; v; v = v->next)
		n++;
	snprintf(ps->id, sizeof ps->id, "%s", p->id);
	ps->routes = calloc(n + 1, sizeof *ps->routes);
	ps->exec = calloc(n + 1, sizeof *ps->exec);
	if (!ps->routes || !ps->exec)
		return -ENOMEM;
	uint32_t upto = 0;
	struct hl_version *active = NULL;
	for (struct hl_version *v = p->versions; v; v = v->next) {
		if (v->state == XDPERF_VERSION_INACTIVE || v->state == XDPERF_VERSION_TESTING ||
		    v->state == XDPERF_VERSION_ACTIVE)
			ps->exec[ps->nexec++] = v;
		if (v->state == XDPERF_VERSION_ACTIVE)
			active = v;
		if (v->state == XDPERF_VERSION_TESTING && v->traffic > 0) {
			upto += share_buckets(v->traffic);
			if (upto > HL_BUCKETS)
				upto = HL_BUCKETS;
			ps->routes[ps->nroutes++] = (struct hl_route){ v, upto };
			ps->testing_share += v->traffic;
		}
	}
	if (active && upto < HL_BUCKETS)
		ps->routes[ps->nroutes++] = (struct hl_route){ active, HL_BUCKETS };
	return 0;
}

int hl_publish(struct xdperf_registry *r)
{
	struct hl_snap *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	uint32_t n = 0;
	for (struct hl_proto *p = r->protos; p; p = p->next)
		n++;
	s->p = calloc(n + 1, sizeof *s->p);
	if (!s->p) {
		free(s);
		return -ENOMEM;
	}
	for (struct hl_proto *p = r->protos; p; p = p->next) {
		if (build_psnap(p, &s->p[s->n++])) {
			hl_snap_free(s);
			return -ENOMEM;
		}
	}
	qsort(s->p, s->n, sizeof *s->p, cmp_psnap);
	struct hl_snap *old = atomic_exchange(&r->snap, s);
	uint64_t epoch = atomic_fetch_add(&r->epoch, 1) + 1;
	/* versions this publish took out of routing/execution drain from this epoch on */
	for (struct hl_proto *p = r->protos; p; p = p->next)
		for (struct hl_version *v = p->versions; v; v = v->next)
			if (v->state == XDPERF_VERSION_DEPRECATING && !v->drain_epoch)
				v->drain_epoch = epoch;
	for (struct hl_version *v = r->retired_versions; v; v = v->next)
		if (!v->drain_epoch)
			v->drain_epoch = epoch;
	if (old) {
		old->retire_epoch = epoch;
		old->retired_next = r->retired_snaps;
		r->retired_snaps = old;
	}
	return 0;
}

/* ---- workers ------------------------------------------------------------------------------- */

int hl_worker_alloc(struct xdperf_registry *r, uint32_t slot, struct xdperf_worker **out)
{
	struct xdperf_worker *w;
	if (posix_memalign((void **)&w, 64, sizeof *w))
		return -ENOMEM;
	memset(w, 0, sizeof *w);
	w->r = r;
	w->slot = slot;
	w->rr = (uint64_t)slot * 0x9e3779b97f4a7c15ull;
	atomic_store(&r->workers[slot], w);
	*out = w;
	return 0;
}

int xdperf_worker_new(struct xdperf_registry *r, struct xdperf_worker **out, char *err, size_t errlen)
{
	*out = NULL;
	pthread_mutex_lock(&r->lock);
	uint32_t i;
	for (i = 0; i < r->opts.max_workers && atomic_load(&r->workers[i]); i++)
		;
	int rc = 0;
	if (i == r->opts.max_workers) {
		xdperf_errf(err, errlen, "hotload: all %u worker handles are in use (max_workers)",
			    r->opts.max_workers);
		rc = -ENOSPC;
	} else {
		rc = hl_worker_alloc(r, i, out);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* Frees the worker's instances everywhere; its counters stay with the versions. */
void xdperf_worker_free(struct xdperf_worker *w)
{
	if (!w)
		return;
	struct xdperf_registry *r = w->r;
	pthread_mutex_lock(&r->lock);
	for (struct hl_proto *p = r->protos; p; p = p->next)
		for (struct hl_version *v = p->versions; v; v = v->next)
			hl_slot_drop_instance(v, w->slot);
	for (struct hl_version *v = r->retired_versions; v; v = v->next)
		hl_slot_drop_instance(v, w->slot);
	atomic_store(&r->workers[w->slot], NULL);
	pthread_mutex_unlock(&r->lock);
	free(w);
}

/* ---- calls --------------------------------------------------------------------------------- */

static uint64_t hash_key(const void *key, size_t len)
{
	const uint8_t *k = key;
	uint64_t h = 0xcbf29ce484222325ull ^ len;
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	/* final avalanche so that similar keys spread over all buckets */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static const struct hl_psnap *find(const struct hl_snap *s, const char *id)
{
	uint32_t lo = 0, hi = s ? s->n : 0;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = strcmp(id, s->p[mid].id);
		if (!c)
			return &s->p[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static struct hl_slot *slot_of(struct xdperf_worker *w, struct hl_version *v)
{
	struct hl_slot *s = atomic_load_explicit(&v->slots[w->slot], memory_order_acquire);
	if (!s) {
		s = calloc(1, sizeof *s);
		if (s)
			atomic_store_explicit(&v->slots[w->slot], s, memory_order_release);
	}
	return s;
}

static int route_error(struct xdperf_call_info *info, enum xdperf_proto_fault f)
{
	if (info)
		info->fault = f;
	return -ENOENT;
}

/* Runs one message on v in worker w (inside its epoch) and counts it. */
static int run(struct xdperf_worker *w, struct hl_version *v, const void *in, size_t len,
	       struct xdperf_proto_buf *out, struct xdperf_call_info *info, char *err, size_t errlen)
{
	enum xdperf_proto_fault fault = XDPERF_FAULT_NONE;
	if (info)
		memcpy(info->version, v->version, sizeof info->version);
	struct hl_slot *s = slot_of(w, v);
	if (!s) {
		xdperf_errf(err, errlen, "protocol %s: out of memory", v->name);
		return -ENOMEM;
	}
	int rc;
	uint64_t n = atomic_load_explicit(&s->calls, memory_order_relaxed);
	bool timed = n < 1024 || (n & 15) == 0;
	uint64_t t0 = timed ? hl_now_ns() : 0;
	if (v->native) {
		out->len = 0;
		rc = v->native(v->native_ctx, in, len, out, err, errlen);
		if (rc)
			fault = XDPERF_FAULT_NATIVE;
	} else {
		struct xdperf_proto_instance *pi = atomic_load_explicit(&s->inst, memory_order_relaxed);
		rc = 0;
		if (!pi) {
			int32_t who = w == w->r->shared ? XDPERF_WORKER_SHARED : (int32_t)w->slot;
			rc = xdperf_proto_instance_new_worker(v->mod, who, &pi, err, errlen);
			if (rc)
				fault = rc == -EINTR ? XDPERF_FAULT_INTERRUPTED : XDPERF_FAULT_ABI;
			else
				atomic_store_explicit(&s->inst, pi, memory_order_release);
		}
		if (!rc)
			rc = xdperf_proto_instance_call(pi, in, len, out, &fault, err, errlen);
		if (pi)
			atomic_store_explicit(&s->mem_bytes, xdperf_proto_instance_memory(pi), memory_order_relaxed);
	}
	if (timed)
		hl_hist_add(s, hl_now_ns() - t0);
	hl_inc(&s->calls); /* reloaded: a nested call may have counted meanwhile */
	atomic_store_explicit(&s->last_ns, hl_coarse_ns(), memory_order_relaxed);
	if (rc) {
		hl_inc(&s->errors);
		if (fault == XDPERF_FAULT_TRAP)
			hl_inc(&s->traps);
		else if (fault == XDPERF_FAULT_FUEL)
			hl_inc(&s->fuel);
		else if (fault == XDPERF_FAULT_MEMORY)
			hl_inc(&s->memcap);
		else if (fault == XDPERF_FAULT_OUTPUT)
			hl_inc(&s->badout);
		if (rc != -E2BIG && rc != -ENOMEM && rc != -EINTR)
			rc = -EINVAL;
	}
	if (info)
		info->fault = fault;
	return rc;
}

/* Nested calls (a native handler routing through the same worker) keep the outer epoch. */
static void enter(struct xdperf_worker *w)
{
	if (w->depth++ == 0)
		atomic_store(&w->active, atomic_load(&w->r->epoch));
}

static void leave(struct xdperf_worker *w)
{
	if (--w->depth == 0)
		atomic_store_explicit(&w->active, 0, memory_order_release);
}

typedef int (*call_fn)(struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
		       const char *version, const void *key, size_t keylen, const void *in, size_t len,
		       struct xdperf_proto_buf *out, struct xdperf_call_info *info, char *err, size_t errlen);

static int do_route(struct xdperf_registry *r, struct xdperf_worker *w, const char *id, const char *version,
		    const void *key, size_t keylen, const void *in, size_t len, struct xdperf_proto_buf *out,
		    struct xdperf_call_info *info, char *err, size_t errlen)
{
	enter(w);
	const struct hl_psnap *ps = find(atomic_load(&r->snap), id);
	if (!ps) {
		leave(w);
		xdperf_errf(err, errlen, "protocol %s is not loaded", id);
		return route_error(info, XDPERF_FAULT_ROUTE);
	}
	uint64_t h = keylen ? hash_key(key, keylen) : hash_key(&w->rr, sizeof w->rr);
	if (!keylen)
		w->rr++;
	uint32_t b = (uint32_t)(h % HL_BUCKETS);
	struct hl_version *v = NULL;
	for (uint32_t i = 0; i < ps->nroutes; i++)
		if (b < ps->routes[i].upto) {
			v = ps->routes[i].v;
			break;
		}
	if (!v) {
		double share = ps->testing_share;
		leave(w);
		xdperf_errf(err, errlen, "protocol %s: no version takes this flow (testing versions take %.2f%%, "
			    "no active version)", id, share);
		if (info)
			info->version[0] = 0;
		return route_error(info, XDPERF_FAULT_ROUTE);
	}
	int rc = run(w, v, in, len, out, info, err, errlen);
	leave(w);
	return rc;
}

static int do_execute(struct xdperf_registry *r, struct xdperf_worker *w, const char *id, const char *version,
		      const void *key, size_t keylen, const void *in, size_t len, struct xdperf_proto_buf *out,
		      struct xdperf_call_info *info, char *err, size_t errlen)
{
	enter(w);
	const struct hl_psnap *ps = find(atomic_load(&r->snap), id);
	struct hl_version *v = NULL;
	for (uint32_t i = 0; ps && i < ps->nexec; i++)
		if (!strcmp(ps->exec[i]->version, version)) {
			v = ps->exec[i];
			break;
		}
	if (!v) {
		leave(w);
		if (info)
			snprintf(info->version, sizeof info->version, "%s", version);
		if (!ps)
			xdperf_errf(err, errlen, "protocol %s is not loaded", id);
		else
			xdperf_errf(err, errlen, "protocol %s has no version %s that can run (unknown, deprecating, "
				    "deprecated or unloaded)", id, version);
		return route_error(info, XDPERF_FAULT_ROUTE);
	}
	int rc = run(w, v, in, len, out, info, err, errlen);
	leave(w);
	return rc;
}

/* Runs fn on w, or on the registry's shared worker under its mutex when w is NULL. */
static int with_worker(call_fn fn, struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
		       const char *version, const void *key, size_t keylen, const void *in, size_t len,
		       struct xdperf_proto_buf *out, struct xdperf_call_info *info, char *err, size_t errlen)
{
	if (info) {
		info->version[0] = 0;
		info->fault = XDPERF_FAULT_NONE;
	}
	if (!id || (!in && len)) {
		xdperf_errf(err, errlen, "hotload: no protocol id or no input");
		return -EINVAL;
	}
	if (w)
		return fn(r, w, id, version, key, keylen, in, len, out, info, err, errlen);
	pthread_mutex_lock(&r->shared_lock);
	int rc = fn(r, r->shared, id, version, key, keylen, in, len, out, info, err, errlen);
	pthread_mutex_unlock(&r->shared_lock);
	return rc;
}

int xdperf_registry_route(struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
			  const void *key, size_t keylen, const void *in, size_t len,
			  struct xdperf_proto_buf *out, struct xdperf_call_info *info, char *err, size_t errlen)
{
	return with_worker(do_route, r, w, id, NULL, key, keylen, in, len, out, info, err, errlen);
}

int xdperf_registry_execute(struct xdperf_registry *r, struct xdperf_worker *w, const char *id,
			    const char *version, const void *in, size_t len, struct xdperf_proto_buf *out,
			    struct xdperf_call_info *info, char *err, size_t errlen)
{
	if (!version) {
		xdperf_errf(err, errlen, "hotload: execute needs a version");
		return -EINVAL;
	}
	return with_worker(do_execute, r, w, id, version, NULL, 0, in, len, out, info, err, errlen);
}
