/* Policy files (include/xdperf/serve.h): YAML or JSON with registry defaults at the top level and
 * protocol-level policies under "protocols", read into struct xdperf_proto_policy values; unknown
 * fields and values out of range are errors naming the field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/err.h"
#include "util/file.h"
#include "util/yaml_json.h"
#include "xdperf/serve.h"

struct pf_entry {
	char id[XDPERF_PROTO_ID_MAX];
	struct xdperf_proto_policy pol;
	char imports[256];
	char dir[4096];
};

struct xdperf_policy_file {
	struct pf_entry defaults;
	struct pf_entry *protos;
	size_t n;
};

static int u64_field(json_t *v, const char *where, const char *key, uint64_t max, uint64_t *out, char *err,
		     size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
		xdperf_errf(err, errlen, "%s: '%s' must be an integer 0..%llu (0 = inherit the default)", where, key,
			    (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Fills e from the policy fields of object o (skipping "protocols" when top). */
static int read_policy(json_t *o, const char *where, bool top, struct pf_entry *e, char *err, size_t errlen)
{
	if (!json_is_object(o)) {
		xdperf_errf(err, errlen, "%s: want a mapping of policy fields", where);
		return -EINVAL;
	}
	e->pol.sz = sizeof e->pol;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		uint64_t x;
		int rc = 0;
		if (top && !strcmp(key, "protocols"))
			continue;
		if (!strcmp(key, "max_memory_pages")) {
			rc = u64_field(v, where, key, 65536, &x, err, errlen);
			e->pol.max_memory_pages = (uint32_t)x;
		} else if (!strcmp(key, "max_table_elems")) {
			rc = u64_field(v, where, key, 10000000, &x, err, errlen);
			e->pol.max_table_elems = (uint32_t)x;
		} else if (!strcmp(key, "max_instance_bytes")) {
			rc = u64_field(v, where, key, 1ull << 40, &x, err, errlen);
			e->pol.max_instance_bytes = x;
		} else if (!strcmp(key, "max_module_bytes")) {
			rc = u64_field(v, where, key, 1ull << 40, &x, err, errlen);
			e->pol.max_module_bytes = x;
		} else if (!strcmp(key, "fuel")) {
			rc = u64_field(v, where, key, UINT64_MAX >> 1, &x, err, errlen);
			e->pol.fuel = x;
		} else if (!strcmp(key, "max_input")) {
			rc = u64_field(v, where, key, 1u << 30, &x, err, errlen);
			e->pol.max_input = (uint32_t)x;
		} else if (!strcmp(key, "max_output")) {
			rc = u64_field(v, where, key, 1u << 30, &x, err, errlen);
			e->pol.max_output = (uint32_t)x;
		} else if (!strcmp(key, "idle_expiry_ms")) {
			if (json_is_string(v) && !strcmp(json_string_value(v), "never")) {
				e->pol.idle_expiry_ms = XDPERF_PROTO_NEVER;
			} else {
				rc = u64_field(v, where, key, UINT32_MAX - 1, &x, err, errlen);
				e->pol.idle_expiry_ms = (uint32_t)x;
			}
		} else if (!strcmp(key, "allowed_imports")) {
			e->imports[0] = 0;
			bool long_ = false;
			if (json_is_string(v)) {
				long_ = strlen(json_string_value(v)) >= sizeof e->imports;
				if (!long_)
					strcpy(e->imports, json_string_value(v));
			} else if (json_is_array(v)) {
				size_t i;
				json_t *it;
				json_array_foreach(v, i, it) {
					if (!json_is_string(it)) {
						xdperf_errf(err, errlen, "%s: 'allowed_imports' items must be module names", where);
						return -EINVAL;
					}
					const char *name = json_string_value(it);
					if (strlen(e->imports) + strlen(name) + 2 > sizeof e->imports) {
						long_ = true;
						break;
					}
					if (i)
						strcat(e->imports, ",");
					strcat(e->imports, name);
				}
			} else {
				xdperf_errf(err, errlen, "%s: 'allowed_imports' must be a list of import module names "
					    "or a comma-separated string", where);
				return -EINVAL;
			}
			if (long_) {
				xdperf_errf(err, errlen, "%s: 'allowed_imports' is too long", where);
				return -EINVAL;
			}
			e->pol.allowed_imports = e->imports;
		} else if (!strcmp(key, "dir")) {
			if (!json_is_string(v) || !json_string_length(v) ||
			    json_string_length(v) >= sizeof e->dir) {
				xdperf_errf(err, errlen, "%s: 'dir' must be the path of a host directory (the "
					    "module reads it, read-only)", where);
				return -EINVAL;
			}
			strcpy(e->dir, json_string_value(v));
			e->pol.dir = e->dir;
		} else {
			xdperf_errf(err, errlen, "%s: unknown field '%s' (want max_memory_pages, max_table_elems, "
				    "max_instance_bytes, max_module_bytes, fuel, max_input, max_output, allowed_imports, "
				    "idle_expiry_ms, dir%s)", where, key, top ? ", protocols" : "");
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int xdperf_policy_file_read(const char *path, struct xdperf_policy_file **out, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	int rc = xdperf_read_file(path, 1u << 20, &text, &len);
	if (rc) {
		xdperf_errf(err, errlen, "policy file %s: %s", path, xdperf_file_strerror(rc));
		return rc;
	}
	json_t *j;
	char yerr[256];
	if (xdperf_yaml_to_json((const char *)text, len, &j, yerr, sizeof yerr)) {
		free(text);
		xdperf_errf(err, errlen, "policy file %s: %s", path, yerr);
		return -EINVAL;
	}
	free(text);
	struct xdperf_policy_file *f = calloc(1, sizeof *f);
	if (!f) {
		json_decref(j);
		xdperf_errf(err, errlen, "policy file %s: out of memory", path);
		return -ENOMEM;
	}
	char where[600];
	snprintf(where, sizeof where, "policy file %s", path);
	if (json_is_null(j)) { /* an empty file: no limits beyond the defaults */
		json_decref(j);
		j = json_object();
	}
	rc = read_policy(j, where, true, &f->defaults, err, errlen);
	json_t *ps = json_is_object(j) ? json_object_get(j, "protocols") : NULL;
	if (!rc && ps && !json_is_object(ps)) {
		xdperf_errf(err, errlen, "%s: 'protocols' must map protocol ids to policies", where);
		rc = -EINVAL;
	}
	if (!rc && ps) {
		f->protos = calloc(json_object_size(ps) ? json_object_size(ps) : 1, sizeof *f->protos);
		if (!f->protos)
			rc = -ENOMEM;
		const char *id;
		json_t *v;
		json_object_foreach(ps, id, v) {
			if (rc)
				break;
			if (!*id || strlen(id) >= XDPERF_PROTO_ID_MAX) {
				xdperf_errf(err, errlen, "%s: protocol id '%s' is empty or too long", where, id);
				rc = -EINVAL;
				break;
			}
			struct pf_entry *e = &f->protos[f->n++];
			snprintf(e->id, sizeof e->id, "%s", id);
			char w2[700];
			snprintf(w2, sizeof w2, "%s: protocols.%s", where, id);
			rc = read_policy(v, w2, false, e, err, errlen);
		}
	}
	json_decref(j);
	if (rc) {
		xdperf_policy_file_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

const struct xdperf_proto_policy *xdperf_policy_file_defaults(const struct xdperf_policy_file *f)
{
	return &f->defaults.pol;
}

int xdperf_policy_file_apply(const struct xdperf_policy_file *f, struct xdperf_registry *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < f->n; i++) {
		int rc = xdperf_registry_set_policy(r, f->protos[i].id, &f->protos[i].pol, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

void xdperf_policy_file_free(struct xdperf_policy_file *f)
{
	if (!f)
		return;
	free(f->protos);
	free(f);
}
