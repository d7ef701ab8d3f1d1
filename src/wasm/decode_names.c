/* Best-effort parsing of the "name" custom section (function names); never fails the module. */
#include <stdlib.h>
#include <string.h>
#include "wasm/decode_int.h"

static void drop_func_names(xw_module *m)
{
	for (uint32_t i = 0; m->func_names && i < m->nfuncs; i++)
		free(m->func_names[i]);
	free(m->func_names);
	m->func_names = NULL;
}

static int set_func_name(xw_module *m, uint32_t idx, const uint8_t *s, uint32_t len)
{
	char *name;
	if (idx >= m->nfuncs || m->func_names[idx])
		return 0; /* ignore names of functions that do not exist, and repeated names */
	if (!xw_module_charge(m, (uint64_t)len + 1) || !(name = malloc((size_t)len + 1)))
		return -1;
	memcpy(name, s, len);
	name[len] = 0;
	m->func_names[idx] = name;
	return 0;
}

/* Function-names subsection: vec((funcidx, name)). Returns 0 or -1. */
static int func_names(xw_module *m, const uint8_t *p, const uint8_t *end)
{
	uint32_t n, idx, len;
	if (m->func_names || xw_read_u32(&p, end, &n) || n > (size_t)(end - p) / 2)
		return -1;
	if (!xw_module_charge(m, (uint64_t)(m->nfuncs ? m->nfuncs : 1) * sizeof(*m->func_names)) ||
	    !(m->func_names = calloc(m->nfuncs ? m->nfuncs : 1, sizeof(*m->func_names))))
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (xw_read_u32(&p, end, &idx) || xw_read_u32(&p, end, &len))
			return -1;
		if (len > (size_t)(end - p) || !xw_utf8_valid(p, len))
			return -1;
		if (set_func_name(m, idx, p, len))
			return -1;
		p += len;
	}
	return p == end ? 0 : -1;
}

/* Walks the subsections (id, size, content); only id 1 is used. */
static int name_subsections(xw_module *m, const uint8_t *p, const uint8_t *end)
{
	int last = -1;
	while (p < end) {
		uint8_t id;
		uint32_t size;
		if (xw_read_u8(&p, end, &id) || xw_read_u32(&p, end, &size))
			return -1;
		if (size > (size_t)(end - p) || (int)id <= last)
			return -1;
		last = id;
		if (id == 1 && func_names(m, p, p + size))
			return -1;
		p += size;
	}
	return 0;
}

void xw_dec_name_section(xw_dec *d)
{
	uint64_t before = d->m->alloc_bytes;
	if (name_subsections(d->m, d->names, d->names_end)) {
		drop_func_names(d->m);
		d->m->alloc_bytes = before;
	}
}
