/* Tables of references (funcref = xwasm_func*, externref = host pointer; NULL = null). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"

int xw_table_init(xwasm_table *t, uint8_t elemtype, uint32_t min, uint32_t max)
{
	memset(t, 0, sizeof *t);
	if (min > XW_MAX_TABLE)
		return -ENOMEM;
	t->elemtype = elemtype;
	t->max = max;
	t->size = min;
	t->elems = calloc(min ? min : 1, sizeof(void *));
	return t->elems ? 0 : -ENOMEM;
}

void xw_table_release(xwasm_table *t)
{
	free(t->elems);
	t->elems = NULL;
	for (uint32_t i = 0; i < t->nretained; i++)
		xwasm_instance_free(t->retained[i]);
	free(t->retained);
	t->retained = NULL;
	t->nretained = 0;
}

int xw_table_retain(xwasm_table *t, xwasm_instance *inst)
{
	xwasm_instance **r = realloc(t->retained, (t->nretained + 1) * sizeof *r);
	if (!r)
		return -ENOMEM;
	r[t->nretained++] = inst;
	t->retained = r;
	return 0;
}

int64_t xw_table_grow(xwasm_table *t, uint32_t delta, void *init)
{
	uint32_t old = t->size;
	uint64_t want = (uint64_t)old + delta;
	if (want > t->max || want > XW_MAX_TABLE)
		return -1;
	if (delta == 0)
		return old;
	if (!xw_account_charge(t->acct, (uint64_t)delta * sizeof(void *), delta))
		return -1;
	void **e = realloc(t->elems, want * sizeof(void *));
	if (!e) {
		xw_account_release(t->acct, (uint64_t)delta * sizeof(void *), delta);
		return -1;
	}
	for (uint64_t i = old; i < want; i++)
		e[i] = init;
	t->elems = e;
	t->size = (uint32_t)want;
	return old;
}

xwasm_table *xwasm_table_new(uint8_t elemtype, uint32_t min, uint32_t max)
{
	xwasm_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (xw_table_init(t, elemtype, min, max)) {
		free(t);
		return NULL;
	}
	t->has_max = max != UINT32_MAX;
	return t;
}

void xwasm_table_free(xwasm_table *t)
{
	if (!t)
		return;
	xw_table_release(t);
	free(t);
}

uint32_t xwasm_table_size(const xwasm_table *t) { return t->size; }

int xwasm_table_get(const xwasm_table *t, uint32_t idx, xwasm_val *out)
{
	if (idx >= t->size)
		return -ERANGE;
	out->type = t->elemtype;
	out->of.ref = t->elems[idx];
	return 0;
}
