/* YAML -> JSON conversion (src/util/yaml_json.c), built with ASan/UBSan by
 * tests/cases/yaml_config.sh. Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "util/yaml_json.h"
#include "check.h"

/* Converts `yaml` and compares the compact, key-sorted dump with `want_json`. */
static void ok(int line, const char *yaml, const char *want_json)
{
	char err[256];
	json_t *v = NULL;
	int rc = xdperf_yaml_to_json(yaml, strlen(yaml), &v, err, sizeof err);
	checks++;
	if (rc) {
		fails++;
		printf("FAIL (yaml_test.c:%d): unexpected error: %s\n", line, err);
		return;
	}
	char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!got || strcmp(got, want_json)) {
		fails++;
		printf("FAIL (yaml_test.c:%d): got %s, want %s\n", line, got ? got : "(null)", want_json);
	}
	free(got);
	json_decref(v);
}

/* Converts `yaml` (length len) expecting an error containing `want`. */
static void bad(int line, const char *yaml, size_t len, const char *want)
{
	char err[256] = "";
	json_t *v = (json_t *)1;
	int rc = xdperf_yaml_to_json(yaml, len, &v, err, sizeof err);
	checks++;
	if (rc != -1 || v != NULL || !strstr(err, want)) {
		fails++;
		printf("FAIL (yaml_test.c:%d): rc %d, out %p, error '%s', want '%s'\n", line, rc, (void *)v, err, want);
	}
	if (!rc)
		json_decref(v);
}

#define OK(y, j) ok(__LINE__, y, j)
#define BAD(y, w) bad(__LINE__, y, strlen(y), w)

static char *repeat(const char *s, size_t n)
{
	size_t l = strlen(s);
	char *r = malloc(l * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(r + i * l, s, l);
	r[l * n] = 0;
	return r;
}

int main(void)
{
	/* scalar types (YAML 1.2 core schema) */
	OK("a: null\nb: ~\nc:\nd: Null\ne: NULL\n", "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null}");
	OK("a: true\nb: false\nc: True\nd: FALSE\ne: yes\nf: no\ng: on\n",
	   "{\"a\":true,\"b\":false,\"c\":true,\"d\":false,\"e\":\"yes\",\"f\":\"no\",\"g\":\"on\"}");
	OK("a: 0\nb: -17\nc: +42\nd: 0x1F\ne: 0o17\nf: 9223372036854775807\ng: -9223372036854775808\n",
	   "{\"a\":0,\"b\":-17,\"c\":42,\"d\":31,\"e\":15,\"f\":9223372036854775807,\"g\":-9223372036854775808}");
	OK("a: 1.5\nb: -0.25\nc: .5\nd: 1e3\ne: 2.5E-1\nf: 3.\n",
	   "{\"a\":1.5,\"b\":-0.25,\"c\":0.5,\"d\":1000.0,\"e\":0.25,\"f\":3.0}");
	OK("a: 10.0.0.1\nb: 1_000\nc: 0b101\nd: 0x\ne: 12:30\nf: hello world\ng: -x\nh: 1e\n",
	   "{\"a\":\"10.0.0.1\",\"b\":\"1_000\",\"c\":\"0b101\",\"d\":\"0x\",\"e\":\"12:30\","
	   "\"f\":\"hello world\",\"g\":\"-x\",\"h\":\"1e\"}");
	/* quoted and block scalars are always strings */
	OK("a: \"true\"\nb: '42'\nc: \"null\"\nd: ''\ne: \"1.5\"\nf: '~'\n",
	   "{\"a\":\"true\",\"b\":\"42\",\"c\":\"null\",\"d\":\"\",\"e\":\"1.5\",\"f\":\"~\"}");
	OK("a: |\n  12\n  x\nb: >\n  folded\n  line\n", "{\"a\":\"12\\nx\\n\",\"b\":\"folded line\\n\"}");
	OK("a: \"tab\\there \\u00e9 \\x41\"\n", "{\"a\":\"tab\\there \xc3\xa9 A\"}");
	/* explicit tags */
	OK("a: !!str 42\nb: !!int \"7\"\nc: !!float 3\nd: ! 12\n", "{\"a\":\"42\",\"b\":7,\"c\":3.0,\"d\":\"12\"}");
	BAD("a: !!int abc\n", "line 1 column 4: 'abc' is not a valid !!int");
	BAD("a: !custom 1\n", "unsupported tag '!custom'");
	/* keys are text */
	OK("1: a\nnull: b\ntrue: c\n\"q\": d\n", "{\"1\":\"a\",\"null\":\"b\",\"q\":\"d\",\"true\":\"c\"}");
	/* nesting, flow style, JSON as YAML */
	OK("outer:\n  list:\n    - 1\n    - [2, {x: y}]\n    - k: v\n      n: ~\n  empty: {}\n  none: []\n",
	   "{\"outer\":{\"empty\":{},\"list\":[1,[2,{\"x\":\"y\"}],{\"k\":\"v\",\"n\":null}],\"none\":[]}}");
	OK("{\"a\": [1, 2.5, \"s\", true, null], \"b\": {\"c\": -1}}",
	   "{\"a\":[1,2.5,\"s\",true,null],\"b\":{\"c\":-1}}");
	OK("- a\n- - b\n  - c\n", "[\"a\",[\"b\",\"c\"]]");
	OK("just text", "\"just text\"");
	OK("", "null");
	OK("# only a comment\n", "null");
	OK("---\na: 1\n...\n", "{\"a\":1}");
	/* anchors and aliases */
	OK("base: &b {port: 80, ip: 10.0.0.1}\ncopy: *b\nlist: [*b, *b]\n",
	   "{\"base\":{\"ip\":\"10.0.0.1\",\"port\":80},\"copy\":{\"ip\":\"10.0.0.1\",\"port\":80},"
	   "\"list\":[{\"ip\":\"10.0.0.1\",\"port\":80},{\"ip\":\"10.0.0.1\",\"port\":80}]}");
	OK("a: &n 5\nb: *n\nc: &s \"5\"\nd: *s\n", "{\"a\":5,\"b\":5,\"c\":\"5\",\"d\":\"5\"}");
	OK("&k key: 1\nother: *k\n", "{\"key\":1,\"other\":\"key\"}");
	OK("a: &k name\n*k : 2\n", "{\"a\":\"name\",\"name\":2}");
	OK("a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}");
	BAD("a: *nope\n", "line 1 column 4: unknown anchor 'nope'");
	BAD("a: &r [1, *r]\n", "unknown anchor 'r'");
	/* alias expansion bomb ("billion laughs"): rejected, not expanded */
	BAD("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n",
	    "invalid YAML at line 6 column 36: document too large");
	BAD("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	    "document too large: more than 1000000 nodes");
	/* below the cap: 111111 nodes from ~100 lines is fine */
	{
		const char *y = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
		char err[256];
		json_t *v = NULL;
		int rc = xdperf_yaml_to_json(y, strlen(y), &v, err, sizeof err);
		CHECK(rc == 0 && json_array_size(json_object_get(v, "e")) == 10, "nested aliases: rc %d %s", rc, rc ? err : "");
		json_decref(v);
	}
	/* errors, with line and column */
	BAD("a: 1\nb: [1, 2\n", "invalid YAML at line 3 column 1: did not find expected ',' or ']'");
	BAD("a: 1\n  b: 2\n", "invalid YAML at line 2 column 4: mapping values are not allowed in this context");
	BAD("a:\n\t- 1\n", "invalid YAML at line 2 column 1:");
	BAD("a: 1\na: 2\n", "invalid YAML at line 2 column 4: duplicate mapping key 'a'");
	BAD("? [1, 2]\n: v\n", "invalid YAML at line 1 column 3: mapping keys must be scalars");
	BAD("{[1]: 2}", "line 1 column 2: mapping keys must be scalars");
	BAD("a: 1\n---\nb: 2\n", "invalid YAML at line 2 column 1: more than one document");
	BAD("a: .inf\n", "line 1 column 4: '.inf' (infinity / not-a-number) cannot be represented in JSON");
	BAD("a: -.Inf\n", "cannot be represented in JSON");
	BAD("a: .nan\n", "cannot be represented in JSON");
	BAD("a: 1e999\n", "number '1e999' out of range");
	BAD("a: 9223372036854775808\n", "integer '9223372036854775808' out of range");
	BAD("a: 0xFFFFFFFFFFFFFFFFF\n", "out of range");
	BAD("a: \"unterminated\n", "invalid YAML at line ");
	BAD("a: b: c\n", "invalid YAML at line 1 column 5:");
	bad(__LINE__, "a: \xff\xfe\x01\n", 7, "invalid YAML");
	bad(__LINE__, "a: x\0y\n", 7, "invalid YAML");
	{ /* deep nesting is capped, not recursed into */
		char *y = repeat("[", 5000);
		BAD(y, "nested more than 1000 levels deep");
		free(y);
		char *z = repeat("[", 900), *open = repeat("[", 900), *close = repeat("]", 900);
		char *want = malloc(2000);
		snprintf(want, 2000, "%snull%s", open, close);
		z = realloc(z, 1900);
		snprintf(z + 900, 1000, "~%s", close);
		OK(z, want);
		free(z), free(open), free(close), free(want);
	}
	/* a tiny error buffer is never overrun */
	{
		char err[8];
		json_t *v;
		CHECK(xdperf_yaml_to_json("a: [", 4, &v, err, sizeof err) == -1 && strlen(err) < sizeof err && !v,
		      "small error buffer");
		CHECK(xdperf_yaml_to_json("a: [", 4, &v, NULL, 0) == -1 && !v, "no error buffer");
	}
	printf("yaml_test: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
