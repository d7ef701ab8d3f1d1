/* Protocol module policy: inheritance, defaults, copies and the import check (proto_policy.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plugin/proto_policy.h"
#include "util/opts.h"

int xdperf_policy_copy(struct xdperf_proto_policy *dst, const struct xdperf_proto_policy *src)
{
	memset(dst, 0, sizeof *dst);
	xdperf_opts_copy(dst, sizeof *dst, src);
	dst->sz = sizeof *dst;
	if (dst->allowed_imports && !(dst->allowed_imports = strdup(dst->allowed_imports)))
		return -ENOMEM;
	if (dst->dir && !(dst->dir = strdup(dst->dir)))
		return -ENOMEM;
	return 0;
}

void xdperf_policy_release(struct xdperf_proto_policy *p)
{
	free((char *)p->allowed_imports);
	p->allowed_imports = NULL;
	free((char *)p->dir);
	p->dir = NULL;
}

int xdperf_policy_inherit(struct xdperf_proto_policy *p, const struct xdperf_proto_policy *parent)
{
	if (!parent)
		return 0;
	if (!p->max_memory_pages)
		p->max_memory_pages = parent->max_memory_pages;
	if (!p->fuel)
		p->fuel = parent->fuel;
	if (!p->max_input)
		p->max_input = parent->max_input;
	if (!p->max_output)
		p->max_output = parent->max_output;
	if (!p->idle_expiry_ms)
		p->idle_expiry_ms = parent->idle_expiry_ms;
	if (!p->max_table_elems)
		p->max_table_elems = parent->max_table_elems;
	if (!p->max_instance_bytes)
		p->max_instance_bytes = parent->max_instance_bytes;
	if (!p->max_module_bytes)
		p->max_module_bytes = parent->max_module_bytes;
	if (!p->allowed_imports && parent->allowed_imports &&
	    !(p->allowed_imports = strdup(parent->allowed_imports)))
		return -ENOMEM;
	if (!p->dir && parent->dir && !(p->dir = strdup(parent->dir)))
		return -ENOMEM;
	return 0;
}

int xdperf_policy_finish(struct xdperf_proto_policy *p)
{
	static const struct xdperf_proto_policy builtin = {
		.sz = sizeof builtin, .max_memory_pages = XDPERF_POLICY_PAGES, .fuel = XDPERF_POLICY_FUEL,
		.max_input = XDPERF_POLICY_MAX_IO, .max_output = XDPERF_POLICY_MAX_IO,
		.allowed_imports = "*", .idle_expiry_ms = XDPERF_PROTO_NEVER,
		.max_table_elems = XDPERF_POLICY_TABLE_ELEMS,
	};
	int rc = xdperf_policy_inherit(p, &builtin);
	/* the byte caps follow the memory cap this policy ends up with */
	uint64_t mem = (uint64_t)p->max_memory_pages * 65536u;
	if (!p->max_instance_bytes)
		p->max_instance_bytes = mem + XDPERF_POLICY_INSTANCE_EXTRA;
	if (!p->max_module_bytes)
		p->max_module_bytes = XDPERF_POLICY_MODULE_FACTOR * mem;
	return rc;
}

bool xdperf_policy_allows_import(const struct xdperf_proto_policy *p, const char *module)
{
	const char *s = p->allowed_imports;
	if (!s)
		return true;
	size_t want = strlen(module);
	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = strcspn(s, ",");
		size_t m = n;
		while (m && s[m - 1] == ' ')
			m--;
		if ((m == 1 && *s == '*') || (m == want && m && !memcmp(s, module, m)))
			return true;
		s += n;
	}
	return false;
}
