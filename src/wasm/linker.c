/* The linker: named externs (host functions, externs of other instances, whole instances)
 * that instantiation resolves imports against. Later definitions shadow earlier ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/runtime.h"

struct entry {
	char *module;
	char *name;              /* NULL for a whole instance */
	xwasm_instance *inst;    /* whole instance */
	struct xw_extern ext;
	xw_functype type;        /* owned copy for host functions */
};

struct xwasm_linker {
	struct entry *v;
	size_t n, cap;
	xwasm_resolve_fn resolver;
	void *resolver_ctx;
};

xwasm_linker *xwasm_linker_new(void)
{
	return calloc(1, sizeof(xwasm_linker));
}

void xwasm_linker_free(xwasm_linker *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].module);
		free(l->v[i].name);
		free(l->v[i].type.types);
	}
	free(l->v);
	free(l);
}

void xwasm_linker_set_resolver(xwasm_linker *l, xwasm_resolve_fn fn, void *ctx)
{
	l->resolver = fn;
	l->resolver_ctx = ctx;
}

static struct entry *add(xwasm_linker *l, const char *module, const char *name)
{
	if (!l || !module)
		return NULL;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct entry *v = realloc(l->v, nc * sizeof *v);
		if (!v)
			return NULL;
		l->v = v;
		l->cap = nc;
	}
	struct entry *e = &l->v[l->n];
	memset(e, 0, sizeof *e);
	e->module = strdup(module);
	e->name = name ? strdup(name) : NULL;
	if (!e->module || (name && !e->name)) {
		free(e->module);
		free(e->name);
		return NULL;
	}
	l->n++;
	return e;
}

int xwasm_linker_define_func(xwasm_linker *l, const char *module, const char *name,
			     const uint8_t *params, uint32_t nparams, const uint8_t *results,
			     uint32_t nresults, xwasm_host_fn fn, void *user)
{
	if (!name || !fn)
		return -EINVAL;
	uint8_t *types = malloc((size_t)nparams + nresults + 1);
	if (!types)
		return -ENOMEM;
	if (nparams)
		memcpy(types, params, nparams);
	if (nresults)
		memcpy(types + nparams, results, nresults);
	struct entry *e = add(l, module, name);
	if (!e) {
		free(types);
		return -ENOMEM;
	}
	e->type = (xw_functype){ nparams, nresults, types, types + nparams, types };
	e->ext.kind = XWASM_EXTERN_FUNC;
	e->ext.host_type = &e->type; /* re-pointed at lookup: v may move */
	e->ext.host_fn = fn;
	e->ext.host_user = user;
	return 0;
}

static int define_ext(xwasm_linker *l, const char *module, const char *name, struct xw_extern ext)
{
	if (!name)
		return -EINVAL;
	struct entry *e = add(l, module, name);
	if (!e)
		return -ENOMEM;
	e->ext = ext;
	return 0;
}

int xwasm_linker_define_memory(xwasm_linker *l, const char *module, const char *name, xwasm_memory *mem)
{
	return define_ext(l, module, name, (struct xw_extern){ .kind = XWASM_EXTERN_MEMORY, .mem = mem });
}

int xwasm_linker_define_table(xwasm_linker *l, const char *module, const char *name, xwasm_table *t)
{
	return define_ext(l, module, name, (struct xw_extern){ .kind = XWASM_EXTERN_TABLE, .table = t });
}

int xwasm_linker_define_global(xwasm_linker *l, const char *module, const char *name, xwasm_global *g)
{
	return define_ext(l, module, name, (struct xw_extern){ .kind = XWASM_EXTERN_GLOBAL, .global = g });
}

int xwasm_linker_define_funcref(xwasm_linker *l, const char *module, const char *name, xwasm_func *f)
{
	return define_ext(l, module, name, (struct xw_extern){ .kind = XWASM_EXTERN_FUNC, .func = f });
}

int xwasm_linker_define_instance(xwasm_linker *l, const char *module, xwasm_instance *inst)
{
	if (!inst)
		return -EINVAL;
	struct entry *e = add(l, module, NULL);
	if (!e)
		return -ENOMEM;
	e->inst = inst;
	return 0;
}

int xw_linker_lookup(xwasm_linker *l, const char *module, const char *name, struct xw_extern *out)
{
	if (!l)
		return -ENOENT;
	for (size_t i = l->n; i-- > 0;) {
		struct entry *e = &l->v[i];
		if (strcmp(e->module, module))
			continue;
		if (e->inst) {
			if (xw_instance_export(e->inst, name, out) == 0)
				return 0;
			continue;
		}
		if (strcmp(e->name, name))
			continue;
		*out = e->ext;
		if (out->host_fn)
			out->host_type = &e->type;
		return 0;
	}
	return -ENOENT;
}

int xw_linker_resolve(xwasm_linker *l, const struct xwasm_import_info *imp, xwasm_host_fn *fn, void **user)
{
	if (!l || !l->resolver)
		return -ENOENT;
	return l->resolver(l->resolver_ctx, imp, fn, user);
}
