/* YAML -> JSON conversion (see yaml_json.h): libyaml's event parser drives an explicit stack
 * of open mappings/sequences, so nesting never recurses in this file. */
#include "util/yaml_json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	json_t *v;       /* array or object */
	char *anchor;    /* anchor of this container, or NULL */
	char *key;       /* mappings: the pending key (malloc'd), NULL while a key is expected */
	size_t keylen;
	size_t nodes;    /* nodes in this subtree, alias expansions included */
};

struct ctx {
	struct frame *st;
	size_t depth, cap;
	json_t *root;
	json_t *anchors; /* name -> [value, nodes, key text or null] */
	size_t total;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, yaml_mark_t m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, yaml_mark_t m, const char *fmt, ...)
{
	if (!c->errlen)
		return -1;
	int n = snprintf(c->err, c->errlen, "invalid YAML at line %zu column %zu: ", m.line + 1, m.column + 1);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int count_nodes(struct ctx *c, size_t n, yaml_mark_t m)
{
	if (n > XDPERF_YAML_MAX_NODES || c->total > XDPERF_YAML_MAX_NODES - n)
		return fail(c, m, "document too large: more than %u nodes (alias expansion?)", XDPERF_YAML_MAX_NODES);
	c->total += n;
	return 0;
}

/* Records `v` under `anchor` (a later definition of the same name replaces the earlier). */
static int set_anchor(struct ctx *c, const char *anchor, json_t *v, size_t nodes, const char *key,
		      size_t keylen, yaml_mark_t m)
{
	if (!anchor)
		return 0;
	json_t *a = json_array();
	if (!a || json_array_append(a, v) || json_array_append_new(a, json_integer((json_int_t)nodes)) ||
	    json_array_append_new(a, key ? json_stringn(key, keylen) : json_null()) ||
	    json_object_set_new(c->anchors, anchor, a)) {
		json_decref(a);
		return fail(c, m, "out of memory");
	}
	return 0;
}

/* Attaches a finished node (reference taken over) to the open container, or makes it the root.
 * `key`: the node's text when it is a scalar (usable as a mapping key), else NULL. */
static int attach(struct ctx *c, json_t *v, size_t nodes, const char *key, size_t keylen, yaml_mark_t m)
{
	if (!c->depth) {
		c->root = v;
		return 0;
	}
	struct frame *f = &c->st[c->depth - 1];
	f->nodes += nodes;
	if (json_is_array(f->v)) {
		if (json_array_append_new(f->v, v))
			return fail(c, m, "out of memory");
		return 0;
	}
	if (!f->key) {
		json_decref(v);
		if (!key)
			return fail(c, m, "mapping keys must be scalars");
		if (!(f->key = malloc(keylen + 1)))
			return fail(c, m, "out of memory");
		memcpy(f->key, key, keylen);
		f->key[keylen] = 0;
		f->keylen = keylen;
		return 0;
	}
	char *k = f->key;
	size_t kl = f->keylen;
	f->key = NULL;
	int rc = 0;
	if (json_object_getn(f->v, k, kl)) {
		json_decref(v);
		rc = fail(c, m, "duplicate mapping key '%.*s'", (int)(kl > 200 ? 200 : kl), k);
	} else if (json_object_setn_new(f->v, k, kl, v)) {
		rc = fail(c, m, "out of memory");
	}
	free(k);
	return rc;
}

static bool all_digits(const char *s, const char *digits)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(digits, *s))
			return false;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	size_t before = 0, after = 0;
	while (*s >= '0' && *s <= '9')
		s++, before++;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++, after++;
		if (!before && !after)
			return false;
	} else if (!before) {
		return false;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* A plain scalar by the YAML 1.2 core schema. `want`: NULL, or the type an explicit
 * !!null/!!bool/!!int/!!float tag demands. Returns the value or NULL with the error set. */
static json_t *resolve_plain(struct ctx *c, const char *s, size_t len, const char *want, yaml_mark_t m)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	static const char *const infs[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
					    "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	json_t *v = NULL;
	const char *type = "str";
	if (strlen(s) != len) {
		/* an embedded NUL (only possible through escapes, which plain scalars lack) */
	} else if (one_of(s, nulls)) {
		type = "null", v = json_null();
	} else if (one_of(s, trues) || one_of(s, falses)) {
		type = "bool", v = json_boolean(one_of(s, trues));
	} else if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) &&
		   all_digits(s + 2, s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567")) {
		type = "int";
		errno = 0;
		unsigned long long u = strtoull(s + 2, NULL, s[1] == 'x' ? 16 : 8);
		if (errno || u > (unsigned long long)LLONG_MAX) {
			fail(c, m, "integer '%s' out of range", s);
			return NULL;
		}
		v = json_integer((json_int_t)u);
	} else if (all_digits(s + (s[0] == '-' || s[0] == '+'), "0123456789")) {
		type = "int";
		errno = 0;
		long long i = strtoll(s, NULL, 10);
		if (errno) {
			fail(c, m, "integer '%s' out of range", s);
			return NULL;
		}
		v = json_integer((json_int_t)i);
	} else if (one_of(s, infs) || one_of(s, nans)) {
		fail(c, m, "'%s' (infinity / not-a-number) cannot be represented in JSON", s);
		return NULL;
	} else if (is_float(s)) {
		type = "float";
		errno = 0;
		double d = strtod(s, NULL);
		if (!isfinite(d)) {
			fail(c, m, "number '%s' out of range", s);
			return NULL;
		}
		v = json_real(d);
	}
	if (want && strcmp(want, type) && !(!strcmp(want, "float") && !strcmp(type, "int"))) {
		json_decref(v);
		fail(c, m, "'%.100s' is not a valid !!%s", s, want);
		return NULL;
	}
	if (want && !strcmp(want, "float") && json_is_integer(v)) {
		json_t *r = json_real((double)json_integer_value(v));
		json_decref(v);
		v = r;
	}
	if (!v && !strcmp(type, "str"))
		v = json_stringn(s, len);
	if (!v)
		fail(c, m, "out of memory");
	return v;
}

static int on_scalar(struct ctx *c, yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	if (count_nodes(c, 1, m))
		return -1;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	/* a mapping key is text: its type only matters when an alias reuses it as a value */
	bool is_key = c->depth && json_is_object(c->st[c->depth - 1].v) && !c->st[c->depth - 1].key;
	json_t *v = NULL;
	if (is_key && !anchor) {
		v = json_null();
	} else if (tag && strcmp(tag, "!")) {
		const char *t = !strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) ? tag + strlen(TAG_PREFIX) : NULL;
		if (t && (!strcmp(t, "null") || !strcmp(t, "bool") || !strcmp(t, "int") || !strcmp(t, "float"))) {
			if (!(v = resolve_plain(c, s, len, t, m)))
				return -1;
		} else if (!t || strcmp(t, "str")) {
			return fail(c, m, "unsupported tag '%.100s'", tag);
		}
	} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag) {
		if (!(v = resolve_plain(c, s, len, NULL, m)))
			return -1;
	}
	if (!v && !(v = json_stringn(s, len)))
		return fail(c, m, "out of memory");
	if (set_anchor(c, anchor, v, 1, s, len, m)) {
		json_decref(v);
		return -1;
	}
	return attach(c, v, 1, s, len, m);
}

static int on_alias(struct ctx *c, yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *a = json_object_get(c->anchors, name);
	if (!a)
		return fail(c, m, "unknown anchor '%.100s'", name);
	size_t nodes = (size_t)json_integer_value(json_array_get(a, 1));
	if (count_nodes(c, nodes, m))
		return -1;
	json_t *key = json_array_get(a, 2);
	return attach(c, json_incref(json_array_get(a, 0)), nodes, json_is_string(key) ? json_string_value(key) : NULL,
		      json_is_string(key) ? json_string_length(key) : 0, m);
}

static int on_start(struct ctx *c, yaml_event_t *ev, bool map)
{
	yaml_mark_t m = ev->start_mark;
	if (c->depth && json_is_object(c->st[c->depth - 1].v) && !c->st[c->depth - 1].key)
		return fail(c, m, "mapping keys must be scalars");
	if (c->depth >= XDPERF_YAML_MAX_DEPTH)
		return fail(c, m, "nested more than %u levels deep", XDPERF_YAML_MAX_DEPTH);
	if (count_nodes(c, 1, m))
		return -1;
	if (c->depth == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 16;
		struct frame *n = realloc(c->st, ncap * sizeof *n);
		if (!n)
			return fail(c, m, "out of memory");
		c->st = n, c->cap = ncap;
	}
	const char *anchor = (const char *)(map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
	struct frame f = { .v = map ? json_object() : json_array(), .nodes = 1 };
	if (anchor)
		f.anchor = strdup(anchor);
	if (!f.v || (anchor && !f.anchor)) {
		json_decref(f.v);
		free(f.anchor);
		return fail(c, m, "out of memory");
	}
	c->st[c->depth++] = f;
	return 0;
}

static int on_end(struct ctx *c, yaml_event_t *ev)
{
	struct frame f = c->st[--c->depth];
	free(f.key); /* NULL: libyaml always pairs keys with values */
	int rc = set_anchor(c, f.anchor, f.v, f.nodes, NULL, 0, ev->start_mark);
	free(f.anchor);
	if (rc) {
		json_decref(f.v);
		return -1;
	}
	return attach(c, f.v, f.nodes, NULL, 0, ev->start_mark);
}

int xdperf_yaml_to_json(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen, .anchors = json_object() };
	yaml_parser_t p;
	int rc = -1, docs = 0;
	bool done = false;
	*out = NULL;
	if (errlen)
		err[0] = 0;
	if (!c.anchors || !yaml_parser_initialize(&p)) {
		json_decref(c.anchors);
		if (errlen)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR) {
				fail(&c, p.problem_mark, "out of memory");
			} else if (p.context) {
				fail(&c, p.problem_mark, "%s (%s at line %zu column %zu)", p.problem ? p.problem : "error",
				     p.context, p.context_mark.line + 1, p.context_mark.column + 1);
			} else {
				fail(&c, p.problem_mark, "%s", p.problem ? p.problem : "error");
			}
			goto out;
		}
		int r = 0;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = fail(&c, ev.start_mark, "more than one document (only one is allowed)");
			break;
		case YAML_SCALAR_EVENT:
			r = on_scalar(&c, &ev);
			break;
		case YAML_ALIAS_EVENT:
			r = on_alias(&c, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			r = on_start(&c, &ev, ev.type == YAML_MAPPING_START_EVENT);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = on_end(&c, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (r)
			goto out;
	}
	*out = c.root ? c.root : json_null();
	c.root = NULL;
	rc = 0;
out:
	while (c.depth) {
		struct frame *f = &c.st[--c.depth];
		json_decref(f->v);
		free(f->key);
		free(f->anchor);
	}
	free(c.st);
	json_decref(c.root);
	json_decref(c.anchors);
	yaml_parser_delete(&p);
	return rc;
}
