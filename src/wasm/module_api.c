/* Public module API: load (decode + validate + translate), free, import/export reflection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"
#include "util/opts.h"

int xwasm_module_load(const uint8_t *bytes, size_t len, const struct xwasm_load_opts *opts,
		      xwasm_module **out, char *err, size_t errlen)
{
	char tmp[8];
	if (!err || !errlen) {
		err = tmp;
		errlen = sizeof tmp;
	}
	err[0] = 0;
	*out = NULL;
	xw_module *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct xwasm_load_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	m->name = strdup(o.name ? o.name : "module");
	m->max_bytes = o.max_bytes;
	m->load_irq = o.interrupt;
	m->features = o.features ? o.features & ~(uint32_t)XWASM_FEATURES_EXPLICIT : XWASM_FEATURES_DEFAULT;
	int rc = m->name ? xw_decode(m, bytes, len, err, errlen) : -ENOMEM;
	if (!rc)
		rc = xw_compile_module(m, err, errlen);
	m->load_irq = NULL;
	if (rc) {
		xw_compiled_release(m);
		xw_module_release(m);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

uint64_t xwasm_module_bytes(const xwasm_module *m)
{
	return m->alloc_bytes + sizeof *m + XW_ALLOC_OVERHEAD;
}

void xwasm_module_free(xwasm_module *mod)
{
	if (!mod)
		return;
	xw_module *m = mod;
	xw_compiled_release(m);
	xw_module_release(m);
	free(m);
}

uint32_t xwasm_module_num_imports(const xwasm_module *m) { return m->nimports; }
uint32_t xwasm_module_num_exports(const xwasm_module *m) { return m->nexports; }

static void fill_func(const xw_functype *t, struct xwasm_import_info *out)
{
	out->nparams = t->nparams;
	out->params = t->params;
	out->nresults = t->nresults;
	out->results = t->results;
}

void xw_fill_import_info(const xw_module *m, const xw_import *imp, struct xwasm_import_info *out)
{
	memset(out, 0, sizeof *out);
	out->module = imp->module;
	out->name = imp->name;
	out->kind = imp->kind;
	out->max = UINT64_MAX;
	switch (imp->kind) {
	case XWASM_EXTERN_FUNC:
		fill_func(&m->types[imp->u.typeidx], out);
		break;
	case XWASM_EXTERN_TABLE:
		out->valtype = imp->u.table.elemtype;
		out->min = imp->u.table.limits.min;
		if (imp->u.table.limits.has_max)
			out->max = imp->u.table.limits.max;
		break;
	case XWASM_EXTERN_MEMORY:
		out->valtype = imp->u.mem.is64 ? XWASM_I64 : XWASM_I32;
		out->min = imp->u.mem.min;
		if (imp->u.mem.has_max)
			out->max = imp->u.mem.max;
		out->shared = imp->u.mem.shared;
		break;
	case XWASM_EXTERN_TAG: /* the exception's values as params */
		fill_func(&m->types[imp->u.typeidx], out);
		break;
	default:
		out->valtype = imp->u.global.valtype;
		out->mutable_ = imp->u.global.mutable_;
	}
}

int xwasm_module_import(const xwasm_module *mod, uint32_t idx, struct xwasm_import_info *out)
{
	const xw_module *m = mod;
	if (idx >= m->nimports)
		return -ERANGE;
	xw_fill_import_info(m, &m->imports[idx], out);
	return 0;
}

int xwasm_module_export(const xwasm_module *mod, uint32_t idx, struct xwasm_import_info *out)
{
	const xw_module *m = mod;
	if (idx >= m->nexports)
		return -ERANGE;
	const xw_export *e = &m->exports[idx];
	memset(out, 0, sizeof *out);
	out->name = e->name;
	out->kind = e->kind;
	out->max = UINT64_MAX;
	switch (e->kind) {
	case XWASM_EXTERN_FUNC:
		fill_func(xw_func_type(m, e->index), out);
		break;
	case XWASM_EXTERN_TABLE:
		out->valtype = m->tables[e->index].elemtype;
		out->min = m->tables[e->index].limits.min;
		if (m->tables[e->index].limits.has_max)
			out->max = m->tables[e->index].limits.max;
		break;
	case XWASM_EXTERN_MEMORY:
		out->valtype = m->mems[e->index].is64 ? XWASM_I64 : XWASM_I32;
		out->min = m->mems[e->index].min;
		if (m->mems[e->index].has_max)
			out->max = m->mems[e->index].max;
		out->shared = m->mems[e->index].shared;
		break;
	case XWASM_EXTERN_TAG:
		fill_func(&m->types[m->tag_types[e->index]], out);
		break;
	default:
		out->valtype = m->globals[e->index].type.valtype;
		out->mutable_ = m->globals[e->index].type.mutable_;
	}
	return 0;
}
