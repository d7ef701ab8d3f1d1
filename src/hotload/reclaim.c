/* Reclamation for the protocol registry's lock-free calls: a worker announces the epoch in which
 * it entered a call; whatever a publish removed (old snapshots, unloaded versions, instances of
 * drained versions) is freed only once every worker is outside calls or entered after it. */
#include <stdlib.h>
#include "hotload/registry.h"
#include "xdperf/hotload.h"

bool hl_drained(struct xdperf_registry *r, uint64_t epoch)
{
	if (!epoch) /* not published yet (a publish failed): calls may still see it */
		return false;
	for (uint32_t i = 0; i < r->nslots; i++) {
		struct xdperf_worker *w = atomic_load(&r->workers[i]);
		if (!w)
			continue;
		uint64_t a = atomic_load(&w->active);
		if (a && a < epoch)
			return false;
	}
	return true;
}

void hl_slot_drop_instance(struct hl_version *v, uint32_t slot)
{
	struct hl_slot *s = atomic_load(&v->slots[slot]);
	if (!s)
		return;
	xdperf_proto_instance_free(atomic_exchange(&s->inst, NULL));
	atomic_store_explicit(&s->mem_bytes, 0, memory_order_relaxed);
}

void hl_version_drop_instances(struct xdperf_registry *r, struct hl_version *v)
{
	for (uint32_t i = 0; i < r->nslots; i++)
		hl_slot_drop_instance(v, i);
}

void hl_version_free(struct xdperf_registry *r, struct hl_version *v)
{
	if (!v)
		return;
	hl_version_drop_instances(r, v);
	for (uint32_t i = 0; i < r->nslots; i++)
		free(atomic_load(&v->slots[i]));
	free(v->slots);
	xdperf_proto_module_free(v->mod);
	free(v);
}

int hl_reclaim(struct xdperf_registry *r)
{
	int changed = 0;
	/* old snapshots */
	struct hl_snap **sp = &r->retired_snaps;
	while (*sp) {
		struct hl_snap *s = *sp;
		if (hl_drained(r, s->retire_epoch)) {
			*sp = s->retired_next;
			hl_snap_free(s);
		} else {
			sp = &s->retired_next;
		}
	}
	/* unloaded versions */
	struct hl_version **vp = &r->retired_versions;
	while (*vp) {
		struct hl_version *v = *vp;
		if (hl_drained(r, v->drain_epoch)) {
			*vp = v->next;
			hl_version_free(r, v);
		} else {
			vp = &v->next;
		}
	}
	/* deprecating versions whose last calls finished */
	for (struct hl_proto *p = r->protos; p; p = p->next)
		for (struct hl_version *v = p->versions; v; v = v->next)
			if (v->state == XDPERF_VERSION_DEPRECATING && hl_drained(r, v->drain_epoch)) {
				v->state = XDPERF_VERSION_DEPRECATED;
				hl_version_drop_instances(r, v);
				hl_log(r, XDPERF_LOG_DEBUG, "%s drained: deprecated, instances freed", v->name);
				changed++;
			}
	return changed;
}
