/* Per-instance accounting: what an instance holds (memory, tables, stacks, structures) against
 * its caps, charged where the engine allocates and released where it frees. */
#include "wasm/runtime.h"

void xw_account_refused(struct xw_account *a, enum xwasm_cap cap)
{
	if (!a)
		return;
	a->refusals++;
	a->last = cap;
}

bool xw_account_charge(struct xw_account *a, uint64_t bytes, uint64_t elems)
{
	if (!a)
		return true;
	if (elems && a->table_elems + elems > a->max_table_elems) {
		xw_account_refused(a, XWASM_CAP_TABLE_ELEMS);
		return false;
	}
	if (a->max_bytes && a->bytes + bytes > a->max_bytes) {
		xw_account_refused(a, XWASM_CAP_BYTES);
		return false;
	}
	a->bytes += bytes;
	a->table_elems += elems;
	return true;
}

void xw_account_release(struct xw_account *a, uint64_t bytes, uint64_t elems)
{
	if (!a)
		return;
	a->bytes -= bytes < a->bytes ? bytes : a->bytes;
	a->table_elems -= elems < a->table_elems ? elems : a->table_elems;
}

uint64_t xwasm_instance_bytes(const xwasm_instance *inst) { return inst->acct.bytes; }
uint64_t xwasm_instance_cap_refusals(const xwasm_instance *inst) { return inst->acct.refusals; }
enum xwasm_cap xwasm_instance_last_cap(const xwasm_instance *inst) { return inst->acct.last; }
