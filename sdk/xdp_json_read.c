/* xdperf plugin SDK, xdp_json_read.c: The JSON reader: xdp_json_parse (a strictly validating,
 * iterative tokenizer into a flat token array) and the typed accessors xdp_json_* /
 * xdp_json_get_*. */
#include "xdp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	xdp_json *doc;
	size_t pos;
	uint32_t cap;
} jparser;

static void skip_ws(jparser *p)
{
	while (p->pos < p->doc->len) {
		char c = p->doc->src[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int new_tok(jparser *p, uint8_t type, size_t start)
{
	xdp_json *d = p->doc;
	if (d->ntoks == p->cap) {
		if (p->cap >= (1u << 24))
			return XDP_ERR_NOMEM;
		uint32_t ncap = p->cap ? p->cap * 2 : 64;
		xdp_json_tok *t = realloc(d->toks, ncap * sizeof(*t));
		if (!t)
			return XDP_ERR_NOMEM;
		d->toks = t;
		p->cap = ncap;
	}
	xdp_json_tok *t = &d->toks[d->ntoks];
	t->type = type;
	t->start = (uint32_t)start;
	t->end = (uint32_t)start;
	t->size = 0;
	t->next = d->ntoks + 1;
	return (int)d->ntoks++;
}

/* at the opening quote */
static int parse_string(jparser *p)
{
	const char *s = p->doc->src;
	size_t n = p->doc->len;
	size_t start = ++p->pos;
	while (p->pos < n) {
		unsigned char c = (unsigned char)s[p->pos];
		if (c == '"') {
			int t = new_tok(p, XDP_JSON_STRING, start);
			if (t < 0)
				return t;
			p->doc->toks[t].end = (uint32_t)p->pos;
			p->pos++;
			return t;
		}
		if (c < 0x20)
			return XDP_ERR_INVALID_INPUT;
		if (c == '\\') {
			if (++p->pos >= n)
				return XDP_ERR_INVALID_INPUT;
			switch (s[p->pos]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				break;
			case 'u':
				if (n - p->pos < 5)
					return XDP_ERR_INVALID_INPUT;
				for (int i = 1; i <= 4; i++)
					if (hexval(s[p->pos + i]) < 0)
						return XDP_ERR_INVALID_INPUT;
				p->pos += 4;
				break;
			default:
				return XDP_ERR_INVALID_INPUT;
			}
		}
		p->pos++;
	}
	return XDP_ERR_INVALID_INPUT;
}

static int parse_number(jparser *p)
{
	const char *s = p->doc->src;
	size_t n = p->doc->len, i = p->pos, start = p->pos;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || !isdig(s[i]))
		return XDP_ERR_INVALID_INPUT;
	if (s[i] == '0')
		i++;
	else
		while (i < n && isdig(s[i]))
			i++;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !isdig(s[i]))
			return XDP_ERR_INVALID_INPUT;
		while (i < n && isdig(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !isdig(s[i]))
			return XDP_ERR_INVALID_INPUT;
		while (i < n && isdig(s[i]))
			i++;
	}
	int t = new_tok(p, XDP_JSON_NUMBER, start);
	if (t < 0)
		return t;
	p->doc->toks[t].end = (uint32_t)i;
	p->pos = i;
	return t;
}

static int parse_literal(jparser *p, const char *word, uint8_t type)
{
	size_t wl = strlen(word);
	if (p->doc->len - p->pos < wl || memcmp(p->doc->src + p->pos, word, wl) != 0)
		return XDP_ERR_INVALID_INPUT;
	int t = new_tok(p, type, p->pos);
	if (t < 0)
		return t;
	p->pos += wl;
	p->doc->toks[t].end = (uint32_t)p->pos;
	return t;
}

/* Iterative parser: an explicit stack of open containers. */
static int parse_value_tree(jparser *p)
{
	int stack[XDP_JSON_MAX_DEPTH];
	int depth = 0;
	const char *s = p->doc->src;
	size_t n = p->doc->len;

	for (;;) {
		/* expect a value */
		skip_ws(p);
		if (p->pos >= n)
			return XDP_ERR_INVALID_INPUT;
		char c = s[p->pos];
		int t;
		if (c == '{' || c == '[') {
			if (depth >= XDP_JSON_MAX_DEPTH)
				return XDP_ERR_INVALID_INPUT;
			t = new_tok(p, c == '{' ? XDP_JSON_OBJECT : XDP_JSON_ARRAY, p->pos);
			if (t < 0)
				return t;
			p->pos++;
			stack[depth++] = t;
			skip_ws(p);
			if (p->pos < n && s[p->pos] == (c == '{' ? '}' : ']')) {
				/* empty container: closed below */
			} else if (c == '{') {
				/* first key */
				if (p->pos >= n || s[p->pos] != '"')
					return XDP_ERR_INVALID_INPUT;
				int k = parse_string(p);
				if (k < 0)
					return k;
				skip_ws(p);
				if (p->pos >= n || s[p->pos] != ':')
					return XDP_ERR_INVALID_INPUT;
				p->pos++;
				p->doc->toks[t].size++;
				continue;
			} else {
				p->doc->toks[t].size++;
				continue;
			}
		} else {
			if (c == '"')
				t = parse_string(p);
			else if (c == '-' || isdig(c))
				t = parse_number(p);
			else if (c == 't')
				t = parse_literal(p, "true", XDP_JSON_TRUE);
			else if (c == 'f')
				t = parse_literal(p, "false", XDP_JSON_FALSE);
			else if (c == 'n')
				t = parse_literal(p, "null", XDP_JSON_NULL);
			else
				return XDP_ERR_INVALID_INPUT;
			if (t < 0)
				return t;
		}
		/* after a value: close containers or move to the next element */
		for (;;) {
			if (depth == 0)
				return 0;
			int top = stack[depth - 1];
			xdp_json_tok *tt = &p->doc->toks[top];
			char close = tt->type == XDP_JSON_OBJECT ? '}' : ']';
			skip_ws(p);
			if (p->pos >= n)
				return XDP_ERR_INVALID_INPUT;
			if (s[p->pos] == close) {
				p->pos++;
				tt->end = (uint32_t)p->pos;
				tt->next = p->doc->ntoks;
				depth--;
				continue;
			}
			if (s[p->pos] != ',')
				return XDP_ERR_INVALID_INPUT;
			p->pos++;
			tt->size++;
			if (tt->type == XDP_JSON_OBJECT) {
				skip_ws(p);
				if (p->pos >= n || s[p->pos] != '"')
					return XDP_ERR_INVALID_INPUT;
				int k = parse_string(p);
				if (k < 0)
					return k;
				skip_ws(p);
				if (p->pos >= n || s[p->pos] != ':')
					return XDP_ERR_INVALID_INPUT;
				p->pos++;
			}
			break;
		}
	}
}

int xdp_json_parse(xdp_json *doc, const char *src, size_t len)
{
	memset(doc, 0, sizeof(*doc));
	if (!src || len >= UINT32_MAX)
		return XDP_ERR_INVALID_INPUT;
	doc->src = src;
	doc->len = len;
	jparser p = { .doc = doc, .pos = 0, .cap = 0 };
	int rc = parse_value_tree(&p);
	if (rc == 0) {
		skip_ws(&p);
		if (p.pos != len)
			rc = XDP_ERR_INVALID_INPUT;
	}
	if (rc < 0) {
		free(doc->toks);
		doc->toks = NULL;
		doc->ntoks = 0;
		return rc;
	}
	return 0;
}

void xdp_json_free(xdp_json *doc)
{
	if (!doc)
		return;
	free(doc->toks);
	doc->toks = NULL;
	doc->ntoks = 0;
}

static const xdp_json_tok *tok_at(const xdp_json *doc, int tok)
{
	if (!doc || !doc->toks || tok < 0 || (uint32_t)tok >= doc->ntoks)
		return NULL;
	return &doc->toks[tok];
}

int xdp_json_type(const xdp_json *doc, int tok)
{
	const xdp_json_tok *t = tok_at(doc, tok);
	return t ? t->type : -1;
}

/* Compares the raw (escaped) key text with `key`, decoding escapes. */
static bool key_equals(const xdp_json *doc, const xdp_json_tok *k, const char *key)
{
	char buf[128];
	size_t kl = strlen(key);
	if (kl >= sizeof(buf))
		return false;
	/* fast path: no escapes */
	size_t rawlen = k->end - k->start;
	if (!memchr(doc->src + k->start, '\\', rawlen))
		return rawlen == kl && memcmp(doc->src + k->start, key, kl) == 0;
	int idx = (int)(k - doc->toks);
	if (xdp_json_string(doc, idx, buf, sizeof(buf)) != 0)
		return false;
	return strcmp(buf, key) == 0;
}

int xdp_json_find(const xdp_json *doc, int obj, const char *key)
{
	const xdp_json_tok *o = tok_at(doc, obj);
	if (!o || o->type != XDP_JSON_OBJECT || !key)
		return -1;
	int found = -1;
	uint32_t t = (uint32_t)obj + 1;
	while (t < o->next && t + 1 < doc->ntoks) {
		const xdp_json_tok *k = &doc->toks[t];
		if (key_equals(doc, k, key))
			found = (int)t + 1;
		t = doc->toks[t + 1].next;
	}
	return found;
}

size_t xdp_json_len(const xdp_json *doc, int tok)
{
	const xdp_json_tok *t = tok_at(doc, tok);
	if (!t || (t->type != XDP_JSON_ARRAY && t->type != XDP_JSON_OBJECT))
		return 0;
	return t->size;
}

int xdp_json_at(const xdp_json *doc, int arr, size_t i)
{
	const xdp_json_tok *a = tok_at(doc, arr);
	if (!a || a->type != XDP_JSON_ARRAY || i >= a->size)
		return -1;
	uint32_t t = (uint32_t)arr + 1;
	for (size_t k = 0; k < i; k++)
		t = doc->toks[t].next;
	return t < doc->ntoks ? (int)t : -1;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t hex4(const char *s)
{
	return (uint32_t)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

int xdp_json_string(const xdp_json *doc, int tok, char *buf, size_t cap)
{
	return xdp_json_string_len(doc, tok, buf, cap, NULL);
}

int xdp_json_string_len(const xdp_json *doc, int tok, char *buf, size_t cap, size_t *len)
{
	const xdp_json_tok *t = tok_at(doc, tok);
	if (!t || t->type != XDP_JSON_STRING || !buf || cap == 0)
		return XDP_ERR_INVALID_CONFIG;
	const char *s = doc->src;
	size_t i = t->start, end = t->end, o = 0;
	while (i < end) {
		char tmp[4];
		size_t tl;
		if (s[i] != '\\') {
			tmp[0] = s[i++];
			tl = 1;
		} else {
			/* escapes were validated by the parser */
			char e = s[i + 1];
			i += 2;
			switch (e) {
			case 'b': tmp[0] = '\b'; tl = 1; break;
			case 'f': tmp[0] = '\f'; tl = 1; break;
			case 'n': tmp[0] = '\n'; tl = 1; break;
			case 'r': tmp[0] = '\r'; tl = 1; break;
			case 't': tmp[0] = '\t'; tl = 1; break;
			case 'u': {
				uint32_t cp = hex4(s + i);
				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && end - i >= 6 && s[i] == '\\' &&
				    s[i + 1] == 'u') {
					uint32_t lo = hex4(s + i + 2);
					if (lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
						i += 6;
					}
				}
				if (cp >= 0xd800 && cp < 0xe000)
					cp = 0xfffd; /* lone surrogate */
				tl = put_utf8(tmp, cp);
				break;
			}
			default: tmp[0] = e; tl = 1; break;
			}
		}
		if (o + tl >= cap)
			return XDP_ERR_INVALID_CONFIG;
		memcpy(buf + o, tmp, tl);
		o += tl;
	}
	buf[o] = '\0';
	if (len)
		*len = o;
	return 0;
}

static int num_text(const xdp_json *doc, int tok, const char **s, size_t *n)
{
	const xdp_json_tok *t = tok_at(doc, tok);
	if (!t || t->type != XDP_JSON_NUMBER)
		return XDP_ERR_INVALID_CONFIG;
	*s = doc->src + t->start;
	*n = t->end - t->start;
	return 0;
}

/* Integer value of a number token: accepts "12", "12.0", "1.2e1" when the value is integral. */
static int parse_uint_text(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && isdig(s[i])) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		i++;
	}
	if (i == n) {
		*out = v;
		return 0;
	}
	/* fraction / exponent: only exactly representable integers are accepted */
	char tmp[64];
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	double d = strtod(tmp, NULL);
	if (!(d >= 0) || d >= 18446744073709551616.0 || floor(d) != d)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

int xdp_json_u64(const xdp_json *doc, int tok, uint64_t *out)
{
	const char *s;
	size_t n;
	uint64_t v;
	if (num_text(doc, tok, &s, &n) || n == 0 || s[0] == '-' || parse_uint_text(s, n, &v))
		return XDP_ERR_INVALID_CONFIG;
	*out = v;
	return 0;
}

int xdp_json_i64(const xdp_json *doc, int tok, int64_t *out)
{
	const char *s;
	size_t n;
	uint64_t v;
	if (num_text(doc, tok, &s, &n) || n == 0)
		return XDP_ERR_INVALID_CONFIG;
	bool neg = s[0] == '-';
	if (parse_uint_text(s + neg, n - neg, &v))
		return XDP_ERR_INVALID_CONFIG;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return XDP_ERR_INVALID_CONFIG;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return XDP_ERR_INVALID_CONFIG;
		*out = (int64_t)v;
	}
	return 0;
}

int xdp_json_double(const xdp_json *doc, int tok, double *out)
{
	const char *s;
	size_t n;
	char tmp[64];
	if (num_text(doc, tok, &s, &n) || n >= sizeof(tmp))
		return XDP_ERR_INVALID_CONFIG;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	return 0;
}

int xdp_json_bool(const xdp_json *doc, int tok, bool *out)
{
	int t = xdp_json_type(doc, tok);
	if (t != XDP_JSON_TRUE && t != XDP_JSON_FALSE)
		return XDP_ERR_INVALID_CONFIG;
	*out = t == XDP_JSON_TRUE;
	return 0;
}

int xdp_json_get_string(const xdp_json *doc, int obj, const char *key, char *buf, size_t cap)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return 0;
	return xdp_json_string(doc, v, buf, cap) ? XDP_ERR_INVALID_CONFIG : 1;
}

int xdp_json_get_u64(const xdp_json *doc, int obj, const char *key, uint64_t *out)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return 0;
	return xdp_json_u64(doc, v, out) ? XDP_ERR_INVALID_CONFIG : 1;
}

int xdp_json_get_i64(const xdp_json *doc, int obj, const char *key, int64_t *out)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return 0;
	return xdp_json_i64(doc, v, out) ? XDP_ERR_INVALID_CONFIG : 1;
}

int xdp_json_get_bool(const xdp_json *doc, int obj, const char *key, bool *out)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return 0;
	return xdp_json_bool(doc, v, out) ? XDP_ERR_INVALID_CONFIG : 1;
}

int xdp_json_get_object(const xdp_json *doc, int obj, const char *key)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return -1;
	return doc->toks[v].type == XDP_JSON_OBJECT ? v : XDP_ERR_INVALID_CONFIG;
}

static int get_array(const xdp_json *doc, int obj, const char *key, size_t max, size_t *n)
{
	int v = find_nonnull(doc, obj, key);
	if (v < 0)
		return -1;
	if (doc->toks[v].type != XDP_JSON_ARRAY || doc->toks[v].size > max)
		return XDP_ERR_INVALID_CONFIG;
	*n = doc->toks[v].size;
	return v;
}

/* Reads the array obj[key] (at most max elements) element by element with get(), which stores
 * element i at base + i * size: 1 found, 0 absent, < 0 not an array, too long or a bad element. */
static int get_elems(const xdp_json *doc, int obj, const char *key, size_t max, size_t *n,
		     int (*get)(const xdp_json *doc, int tok, void *dst, size_t size), void *base, size_t size)
{
	size_t cnt = 0;
	int a = get_array(doc, obj, key, max, &cnt);
	if (a == -1)
		return 0;
	if (a < 0)
		return a;
	uint32_t t = (uint32_t)a + 1;
	for (size_t i = 0; i < cnt; i++) {
		if (get(doc, (int)t, (char *)base + i * size, size))
			return XDP_ERR_INVALID_CONFIG;
		t = doc->toks[t].next;
	}
	*n = cnt;
	return 1;
}

static int string_elem(const xdp_json *doc, int tok, void *dst, size_t size)
{
	return xdp_json_string(doc, tok, dst, size);
}

static int u64_elem(const xdp_json *doc, int tok, void *dst, size_t size)
{
	(void)size;
	return xdp_json_u64(doc, tok, dst);
}

static int double_elem(const xdp_json *doc, int tok, void *dst, size_t size)
{
	(void)size;
	return xdp_json_double(doc, tok, dst);
}

int xdp_json_get_string_array(const xdp_json *doc, int obj, const char *key, char *bufs,
			      size_t elem_cap, size_t max, size_t *n)
{
	return get_elems(doc, obj, key, max, n, string_elem, bufs, elem_cap);
}

int xdp_json_get_u64_array(const xdp_json *doc, int obj, const char *key, uint64_t *out,
			   size_t max, size_t *n)
{
	return get_elems(doc, obj, key, max, n, u64_elem, out, sizeof *out);
}

int xdp_json_get_double_array(const xdp_json *doc, int obj, const char *key, double *out,
			      size_t max, size_t *n)
{
	return get_elems(doc, obj, key, max, n, double_elem, out, sizeof *out);
}
