/* Exception handling at run time: the exceptions a call throws (xw_exn objects on the
 * executing state's list) and the search of a function's handler table (eh_table.h) that
 * the interpreter's throw path (interp_eh.inc) does frame by frame. */
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"

struct xw_exn *xw_exn_new(struct xw_exec *ex, struct xw_tag *tag, const uint64_t *vals)
{
	uint32_t n = xw_types_slots(tag->type->params, tag->type->nparams);
	uint64_t bytes = sizeof(struct xw_exn) + (uint64_t)n * 8;
	if (ex->exn_bytes + bytes > XW_EXN_MAX_BYTES)
		return NULL;
	if (!xw_account_charge(ex->acct, bytes, 0))
		return NULL; /* over the instance's max_bytes (the refusal is counted there) */
	struct xw_exn *e = malloc(bytes);
	if (!e) {
		xw_account_release(ex->acct, bytes, 0);
		return NULL;
	}
	e->next = ex->exns;
	e->prev = NULL;
	if (ex->exns)
		ex->exns->prev = e;
	e->tag = tag;
	e->nslots = n;
	e->exposed = false;
	e->slot_refs = 0;
	if (n)
		memcpy(e->vals, vals, (size_t)n * 8);
	ex->exns = e;
	ex->exn_bytes += bytes;
	return e;
}

void xw_exn_drop(struct xw_exec *ex, struct xw_exn *e)
{
	if (e->exposed || e->slot_refs)
		return;
	if (e->prev)
		e->prev->next = e->next;
	else
		ex->exns = e->next;
	if (e->next)
		e->next->prev = e->prev;
	uint64_t bytes = sizeof(struct xw_exn) + (uint64_t)e->nslots * 8;
	ex->exn_bytes -= bytes;
	xw_account_release(ex->acct, bytes, 0);
	free(e);
}

void xw_exn_reset(struct xw_exec *ex)
{
	while (ex->exns) {
		struct xw_exn *e = ex->exns;
		ex->exns = e->next;
		free(e);
	}
	xw_account_release(ex->acct, ex->exn_bytes, 0);
	ex->exn_bytes = 0;
}

const struct xw_eh_entry *xw_eh_find(const xw_compiled_func *cf, const xwasm_instance *inst,
				     uint32_t pos, const struct xw_exn *e, uint32_t *level)
{
	for (uint32_t i = 0; i < cf->neh; i++) {
		const struct xw_eh_entry *h = &cf->eh[i];
		if (pos < h->start || pos >= h->end || h->level > *level)
			continue;
		if (h->delegate != XW_EH_NONE) {
			/* as if thrown by the block at depth `delegate`: only it and outer blocks */
			*level = h->delegate;
			continue;
		}
		if (h->tag == XW_EH_NONE || inst->tags[h->tag] == e->tag)
			return h;
	}
	return NULL;
}
