/* xdperf C plugin SDK: implementation (see xdperf_plugin.h). */
#include "xdperf_plugin.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ==== logging / metrics ===================================================================== */

int64_t xdp_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void xdp_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	xdp_host_log(level, msg, n);
}

void xdp_metric(const char *name, double value)
{
	xdp_host_report_metric(name, (int32_t)strlen(name), value, xdp_now_ns());
}

/* ==== JSON reader =========================================================================== */

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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

static bool isdig(char c) { return c >= '0' && c <= '9'; }

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

/* value token of key, or -1 if absent or null */
static int find_nonnull(const xdp_json *doc, int obj, const char *key)
{
	int v = xdp_json_find(doc, obj, key);
	if (v < 0 || doc->toks[v].type == XDP_JSON_NULL)
		return -1;
	return v;
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

/* ==== JSON writer =========================================================================== */

static void jw_putn(xdp_jw *w, const char *s, size_t n)
{
	if (w->len < w->cap) {
		size_t room = w->cap - w->len;
		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

static void jw_putc(xdp_jw *w, char c)
{
	if (w->len < w->cap)
		w->buf[w->len] = c;
	w->len++;
}

void xdp_jw_init(xdp_jw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf ? cap : 0;
}

/* separator before a value (or a key) */
static void jw_sep(xdp_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->count[w->depth]++ > 0)
		jw_putc(w, ',');
}

static void jw_open(xdp_jw *w, char c)
{
	jw_sep(w);
	jw_putc(w, c);
	if (w->depth + 1 >= XDP_JSON_MAX_DEPTH) {
		w->error = true;
		return;
	}
	w->depth++;
	w->count[w->depth] = 0;
}

static void jw_close(xdp_jw *w, char c)
{
	if (w->depth == 0 || w->after_key)
		w->error = true;
	else
		w->depth--;
	jw_putc(w, c);
}

void xdp_jw_obj_begin(xdp_jw *w) { jw_open(w, '{'); }
void xdp_jw_obj_end(xdp_jw *w) { jw_close(w, '}'); }
void xdp_jw_arr_begin(xdp_jw *w) { jw_open(w, '['); }
void xdp_jw_arr_end(xdp_jw *w) { jw_close(w, ']'); }

static void jw_quoted(xdp_jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	jw_putc(w, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			jw_putc(w, '\\');
			jw_putc(w, (char)c);
		} else if (c == '\n') {
			jw_putn(w, "\\n", 2);
		} else if (c == '\t') {
			jw_putn(w, "\\t", 2);
		} else if (c == '\r') {
			jw_putn(w, "\\r", 2);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			jw_putn(w, e, 6);
		} else {
			jw_putc(w, (char)c);
		}
	}
	jw_putc(w, '"');
}

void xdp_jw_key(xdp_jw *w, const char *key)
{
	jw_sep(w);
	jw_quoted(w, key, strlen(key));
	jw_putc(w, ':');
	w->after_key = true;
}

void xdp_jw_strn(xdp_jw *w, const char *s, size_t n)
{
	jw_sep(w);
	jw_quoted(w, s, n);
}

void xdp_jw_str(xdp_jw *w, const char *s) { xdp_jw_strn(w, s, strlen(s)); }

void xdp_jw_u64(xdp_jw *w, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_sep(w);
	jw_putn(w, tmp + i, sizeof(tmp) - i);
}

void xdp_jw_i64(xdp_jw *w, int64_t v)
{
	if (v >= 0) {
		xdp_jw_u64(w, (uint64_t)v);
		return;
	}
	jw_sep(w);
	jw_putc(w, '-');
	w->after_key = true; /* suppress the separator of the digits */
	xdp_jw_u64(w, (uint64_t)0 - (uint64_t)v);
}

void xdp_jw_double(xdp_jw *w, double v)
{
	if (!isfinite(v)) {
		xdp_jw_null(w);
		return;
	}
	char tmp[40];
	int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	jw_sep(w);
	jw_putn(w, tmp, n > 0 ? (size_t)n : 0);
}

void xdp_jw_bool(xdp_jw *w, bool v)
{
	jw_sep(w);
	if (v)
		jw_putn(w, "true", 4);
	else
		jw_putn(w, "false", 5);
}

void xdp_jw_null(xdp_jw *w)
{
	jw_sep(w);
	jw_putn(w, "null", 4);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t xdp_base64_len(size_t n) { return (n + 2) / 3 * 4; }

void xdp_base64_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = '=';
	}
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int xdp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (int)o;
}

void xdp_jw_base64(xdp_jw *w, const void *data, size_t len)
{
	const uint8_t *p = data;
	jw_sep(w);
	jw_putc(w, '"');
	/* encode in chunks of 48 input bytes */
	char tmp[64];
	for (size_t i = 0; i < len; i += 48) {
		size_t k = len - i < 48 ? len - i : 48;
		xdp_base64_encode(p + i, k, tmp);
		jw_putn(w, tmp, xdp_base64_len(k));
	}
	jw_putc(w, '"');
}

void xdp_jw_kv_str(xdp_jw *w, const char *key, const char *v)
{
	xdp_jw_key(w, key);
	xdp_jw_str(w, v);
}

void xdp_jw_kv_u64(xdp_jw *w, const char *key, uint64_t v)
{
	xdp_jw_key(w, key);
	xdp_jw_u64(w, v);
}

void xdp_jw_kv_i64(xdp_jw *w, const char *key, int64_t v)
{
	xdp_jw_key(w, key);
	xdp_jw_i64(w, v);
}

void xdp_jw_kv_bool(xdp_jw *w, const char *key, bool v)
{
	xdp_jw_key(w, key);
	xdp_jw_bool(w, v);
}

int xdp_jw_finish(const xdp_jw *w)
{
	if (w->error || w->depth != 0 || w->after_key)
		return XDP_ERR_GENERATE;
	if (w->len > w->cap || w->len > INT32_MAX)
		return XDP_ERR_BUFFER_TOO_SMALL;
	return (int)w->len;
}

/* ==== addresses ============================================================================= */

int xdp_parse_mac(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -1;
	uint8_t m[6];
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-')
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int xdp_neighbor_resolve(const char *ip, uint8_t mac[6])
{
	char text[32];
	if (!ip)
		return -1;
	int32_t n = xdp_host_neighbor_resolve(ip, (int32_t)strlen(ip), "", 0, text, (int32_t)sizeof text - 1);
	if (n != 17)
		return -1;
	text[17] = 0;
	return xdp_parse_mac(text, mac);
}

int xdp_parse_ipv4(const char *s, uint8_t ip[4])
{
	if (!s)
		return -1;
	uint8_t a[4];
	for (int i = 0; i < 4; i++) {
		if (!isdig(*s))
			return -1;
		unsigned v = 0;
		int digits = 0;
		while (isdig(*s)) {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		a[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	memcpy(ip, a, 4);
	return 0;
}

int xdp_parse_ipv6(const char *s, uint8_t ip[16])
{
	if (!s)
		return -1;
	uint16_t head[8], tail[8];
	int nh = 0, nt = 0;
	bool gap = false;
	uint8_t v4[4];
	bool has_v4 = false;

	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = true;
		s += 2;
	}
	while (*s) {
		/* a group, or a trailing dotted quad */
		const char *q = s;
		int digits = 0;
		while (hexval(*q) >= 0 && digits < 5) {
			q++;
			digits++;
		}
		if (*q == '.') {
			if (xdp_parse_ipv4(s, v4))
				return -1;
			has_v4 = true;
			break;
		}
		if (digits == 0 || digits > 4)
			return -1;
		uint16_t g = 0;
		for (const char *c = s; c < q; c++)
			g = (uint16_t)(g << 4 | hexval(*c));
		if (gap)
			tail[nt++] = g;
		else
			head[nh++] = g;
		if (nh + nt > 8)
			return -1;
		s = q;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -1;
		s++;
		if (*s == ':') {
			if (gap)
				return -1;
			gap = true;
			s++;
			if (*s == '\0')
				break;
		} else if (*s == '\0') {
			return -1; /* trailing single colon */
		}
	}
	int groups = nh + nt + (has_v4 ? 2 : 0);
	if (groups > 8 || (!gap && groups != 8) || (gap && groups == 8))
		return -1;
	uint8_t out[16];
	memset(out, 0, sizeof(out));
	for (int i = 0; i < nh; i++) {
		out[2 * i] = (uint8_t)(head[i] >> 8);
		out[2 * i + 1] = (uint8_t)head[i];
	}
	int end = has_v4 ? 12 : 16;
	for (int i = 0; i < nt; i++) {
		int pos = end - 2 * (nt - i);
		out[pos] = (uint8_t)(tail[i] >> 8);
		out[pos + 1] = (uint8_t)tail[i];
	}
	if (has_v4)
		memcpy(out + 12, v4, 4);
	memcpy(ip, out, 16);
	return 0;
}

void xdp_format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

void xdp_format_ipv4(const uint8_t ip[4], char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* ==== checksums and headers ================================================================= */

uint32_t xdp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t xdp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t xdp_csum(const void *data, size_t len) { return xdp_csum_fold(xdp_csum_add(0, data, len)); }

uint16_t xdp_l4_csum_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, const void *l4,
			size_t len)
{
	uint8_t ph[12];
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return xdp_csum_fold(xdp_csum_add(xdp_csum_add(0, ph, sizeof(ph)), l4, len));
}

uint16_t xdp_l4_csum_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
			const void *l4, size_t len)
{
	uint8_t ph[40];
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = next_header;
	return xdp_csum_fold(xdp_csum_add(xdp_csum_add(0, ph, sizeof(ph)), l4, len));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void xdp_put_be16(uint8_t *p, uint16_t v) { put16(p, v); }
void xdp_put_be32(uint8_t *p, uint32_t v) { put32(p, v); }

size_t xdp_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, ethertype);
	return XDP_ETH_HLEN;
}

size_t xdp_put_eth_vlan(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t vid,
			uint8_t pcp, uint16_t ethertype)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, XDP_ETHERTYPE_VLAN);
	put16(p + 14, (uint16_t)((pcp & 7) << 13 | (vid & 0x0fff)));
	put16(p + 16, ethertype);
	return XDP_ETH_HLEN + XDP_VLAN_HLEN;
}

size_t xdp_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		    uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id)
{
	return xdp_put_ipv4_flags(p, src, dst, proto, payload_len, ttl, tos, id, XDP_IPV4_DF);
}

size_t xdp_put_ipv4_flags(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			  uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id,
			  uint16_t flags_frag)
{
	p[0] = 0x45;
	p[1] = tos;
	put16(p + 2, (uint16_t)(XDP_IPV4_HLEN + payload_len));
	put16(p + 4, id);
	put16(p + 6, flags_frag);
	p[8] = ttl;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, xdp_csum(p, XDP_IPV4_HLEN));
	return XDP_IPV4_HLEN;
}

size_t xdp_put_ipv6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		    uint16_t payload_len, uint8_t hop_limit, uint8_t tclass, uint32_t flow_label)
{
	put32(p, 6u << 28 | (uint32_t)tclass << 20 | (flow_label & 0xfffff));
	put16(p + 4, payload_len);
	p[6] = next_header;
	p[7] = hop_limit;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return XDP_IPV6_HLEN;
}

size_t xdp_put_udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t udp_len)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, udp_len);
	put16(p + 6, 0);
	return XDP_UDP_HLEN;
}

size_t xdp_l2_len(const xdp_l2 *l2)
{
	return XDP_ETH_HLEN + (l2->vlan_id >= 0 ? XDP_VLAN_HLEN : 0);
}

size_t xdp_l3_len(const xdp_l3 *l3) { return l3->version == 6 ? XDP_IPV6_HLEN : XDP_IPV4_HLEN; }

/* Writes L2 + L3 for an L4 segment of l4_len bytes; returns the L4 offset or -1. */
static int put_l2_l3(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint8_t proto,
		     size_t l4_len)
{
	if (!buf || !l2 || !l3 || (l3->version != 4 && l3->version != 6) || l2->vlan_id > 4095)
		return -1;
	size_t hl = xdp_l2_len(l2), l3l = xdp_l3_len(l3);
	size_t ip_payload_max = l3->version == 4 ? 65535 - XDP_IPV4_HLEN : 65535;
	if (l4_len > ip_payload_max || hl + l3l + l4_len > cap)
		return -1;
	uint16_t et = l3->version == 4 ? XDP_ETHERTYPE_IPV4 : XDP_ETHERTYPE_IPV6;
	if (l2->vlan_id >= 0)
		xdp_put_eth_vlan(buf, l2->dst, l2->src, (uint16_t)l2->vlan_id, l2->vlan_pcp, et);
	else
		xdp_put_eth(buf, l2->dst, l2->src, et);
	uint8_t ttl = l3->ttl ? l3->ttl : 64;
	if (l3->version == 4)
		xdp_put_ipv4(buf + hl, l3->src, l3->dst, proto, (uint16_t)l4_len, ttl, l3->tos, l3->id);
	else
		xdp_put_ipv6(buf + hl, l3->src, l3->dst, proto, (uint16_t)l4_len, ttl, l3->tos,
			     l3->flow_label);
	return (int)(hl + l3l);
}

static uint16_t l4_csum(const xdp_l3 *l3, uint8_t proto, const uint8_t *l4, size_t len)
{
	if (l3->version == 4)
		return xdp_l4_csum_v4(l3->src, l3->dst, proto, l4, len);
	return xdp_l4_csum_v6(l3->src, l3->dst, proto, l4, len);
}

int xdp_build_udp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
		  uint16_t dport, const uint8_t *payload, size_t plen)
{
	size_t l4_len = XDP_UDP_HLEN + plen;
	if (plen > 65535)
		return -1;
	int off = put_l2_l3(buf, cap, l2, l3, XDP_PROTO_UDP, l4_len);
	if (off < 0)
		return -1;
	uint8_t *u = buf + off;
	xdp_put_udp(u, sport, dport, (uint16_t)l4_len);
	if (payload)
		memcpy(u + XDP_UDP_HLEN, payload, plen);
	else
		memset(u + XDP_UDP_HLEN, 0, plen);
	uint16_t c = l4_csum(l3, XDP_PROTO_UDP, u, l4_len);
	put16(u + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	return (int)(off + l4_len);
}

int xdp_build_tcp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
		  const xdp_tcp *tcp, const uint8_t *payload, size_t plen)
{
	if (!tcp || plen > 65535)
		return -1;
	size_t hl = XDP_TCP_HLEN + (tcp->mss ? 4 : 0);
	size_t l4_len = hl + plen;
	int off = put_l2_l3(buf, cap, l2, l3, XDP_PROTO_TCP, l4_len);
	if (off < 0)
		return -1;
	uint8_t *t = buf + off;
	put16(t, tcp->sport);
	put16(t + 2, tcp->dport);
	put32(t + 4, tcp->seq);
	put32(t + 8, tcp->ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = tcp->flags;
	put16(t + 14, tcp->window);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (tcp->mss) {
		t[20] = 2; /* kind MSS */
		t[21] = 4;
		put16(t + 22, tcp->mss);
	}
	if (payload)
		memcpy(t + hl, payload, plen);
	else
		memset(t + hl, 0, plen);
	put16(t + 16, l4_csum(l3, XDP_PROTO_TCP, t, l4_len));
	return (int)(off + l4_len);
}

int xdp_build_icmp_echo(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
			uint16_t ident, uint16_t seq, const uint8_t *payload, size_t plen)
{
	if (!l3 || plen > 65535)
		return -1;
	uint8_t proto = l3->version == 6 ? XDP_PROTO_ICMPV6 : XDP_PROTO_ICMP;
	size_t l4_len = XDP_ICMP_HLEN + plen;
	int off = put_l2_l3(buf, cap, l2, l3, proto, l4_len);
	if (off < 0)
		return -1;
	uint8_t *c = buf + off;
	c[0] = l3->version == 6 ? 128 : 8; /* echo request */
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, ident);
	put16(c + 6, seq);
	if (payload)
		memcpy(c + XDP_ICMP_HLEN, payload, plen);
	else
		memset(c + XDP_ICMP_HLEN, 0, plen);
	/* ICMPv4: no pseudo header; ICMPv6: pseudo header */
	uint16_t sum = l3->version == 6 ? xdp_l4_csum_v6(l3->src, l3->dst, proto, c, l4_len)
					: xdp_csum(c, l4_len);
	put16(c + 2, sum);
	return (int)(off + l4_len);
}

/* ==== request lookups ======================================================================= */

int xdp_req_find(const xdp_request *r, const char *key, const xdp_json **doc)
{
	int v = r->doc ? find_nonnull(r->doc, r->root, key) : -1;
	if (v >= 0) {
		*doc = r->doc;
		return v;
	}
	if (r->config && r->config_root >= 0) {
		v = find_nonnull(r->config, r->config_root, key);
		if (v >= 0) {
			*doc = r->config;
			return v;
		}
	}
	return -1;
}

static int bad_key(const char *key, const char *what)
{
	xdp_log(XDP_LOG_ERROR, "config field \"%s\": %s", key, what);
	return XDP_ERR_INVALID_CONFIG;
}

int xdp_req_string(const xdp_request *r, const char *key, const char *def, char *buf, size_t cap)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		if (!def || strlen(def) >= cap)
			return bad_key(key, "missing");
		memcpy(buf, def, strlen(def) + 1);
		return 0;
	}
	if (xdp_json_string(d, v, buf, cap))
		return bad_key(key, "expected a string (not too long)");
	return 0;
}

int xdp_req_u64(const xdp_request *r, const char *key, uint64_t def, uint64_t *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_u64(d, v, out))
		return bad_key(key, "expected a non-negative integer");
	return 0;
}

int xdp_req_range(const xdp_request *r, const char *key, uint64_t def, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = xdp_req_u64(r, key, def, &v);
	if (rc)
		return rc;
	if (v < min || v > max) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": %llu is outside [%llu, %llu]", key,
			(unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
		return XDP_ERR_INVALID_CONFIG;
	}
	*out = v;
	return 0;
}

int xdp_req_i64(const xdp_request *r, const char *key, int64_t def, int64_t *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_i64(d, v, out))
		return bad_key(key, "expected an integer");
	return 0;
}

int xdp_req_bool(const xdp_request *r, const char *key, bool def, bool *out)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*out = def;
		return 0;
	}
	if (xdp_json_bool(d, v, out))
		return bad_key(key, "expected true or false");
	return 0;
}

int xdp_req_mac(const xdp_request *r, const char *key, const uint8_t def[6], uint8_t out[6])
{
	char s[64];
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		memcpy(out, def, 6);
		return 0;
	}
	if (xdp_json_string(d, v, s, sizeof(s)))
		return bad_key(key, "expected a MAC address string");
	if (xdp_parse_mac(s, out) == 0)
		return 0;
	uint8_t tmp[8];
	if (xdp_base64_decode(s, strlen(s), tmp, sizeof(tmp)) == 6) {
		memcpy(out, tmp, 6);
		return 0;
	}
	return bad_key(key, "invalid MAC address (want aa:bb:cc:dd:ee:ff)");
}

int xdp_req_ipv4(const xdp_request *r, const char *key, const char *def, uint8_t out[4])
{
	char s[64];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (xdp_parse_ipv4(s, out))
		return bad_key(key, "invalid IPv4 address");
	return 0;
}

int xdp_req_ipv6(const xdp_request *r, const char *key, const char *def, uint8_t out[16])
{
	char s[64];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (xdp_parse_ipv6(s, out))
		return bad_key(key, "invalid IPv6 address");
	return 0;
}

/* "A" or "A-B" into a and b (A twice without a dash); -1 when a part does not fit cap. */
static int split_range(const char *s, char *a, char *b, size_t cap)
{
	const char *dash = strchr(s, '-');
	size_t la = dash ? (size_t)(dash - s) : strlen(s);
	const char *sb = dash ? dash + 1 : s;
	if (la >= cap || strlen(sb) >= cap)
		return -1;
	memcpy(a, s, la);
	a[la] = '\0';
	strcpy(b, sb);
	return 0;
}

static uint32_t ipv4_u32(const uint8_t ip[4])
{
	return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

int xdp_req_ipv4_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi)
{
	char s[64], a[32], b[32];
	uint8_t ia[4], ib[4];
	int rc = xdp_req_string(r, key, def, s, sizeof(s));
	if (rc)
		return rc;
	if (split_range(s, a, b, sizeof(a)) || xdp_parse_ipv4(a, ia) || xdp_parse_ipv4(b, ib) ||
	    ipv4_u32(ia) > ipv4_u32(ib)) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": want an IPv4 address or a range A-B, got \"%s\"",
			key, s);
		return XDP_ERR_INVALID_CONFIG;
	}
	*lo = ipv4_u32(ia);
	*hi = ipv4_u32(ib);
	return 0;
}

static int parse_port(const char *s, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int xdp_req_port_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi)
{
	const xdp_json *d;
	char s[64], a[32], b[32];
	int v = xdp_req_find(r, key, &d);
	if (v >= 0 && xdp_json_type(d, v) == XDP_JSON_NUMBER) {
		uint64_t p;
		if (xdp_json_u64(d, v, &p) || p > 65535)
			goto bad;
		*lo = *hi = (uint32_t)p;
		return 0;
	}
	if (v < 0)
		snprintf(s, sizeof(s), "%s", def);
	else if (xdp_json_string(d, v, s, sizeof(s)))
		goto bad;
	if (split_range(s, a, b, sizeof(a)) || parse_port(a, lo) || parse_port(b, hi) || *lo > *hi)
		goto bad;
	return 0;
bad:
	return bad_key(key, "want a port or a range \"A-B\" (0-65535)");
}

bool xdp_resolve_dst_mac(const xdp_request *r, const char *ip, const char *who, uint8_t mac[6])
{
	const xdp_json *d;
	uint8_t resolved[6];
	if (xdp_req_find(r, "device_name", &d) < 0) {
		xdp_log(XDP_LOG_DEBUG, "%s: is_arp_resolve: no device (pcap output); using dst_mac", who);
		return false;
	}
	if (xdp_neighbor_resolve(ip, resolved)) {
		xdp_log(XDP_LOG_WARN, "%s: is_arp_resolve: no MAC for %s on the run's device; keeping "
			"dst_mac", who, ip);
		return false;
	}
	memcpy(mac, resolved, 6);
	return true;
}

int xdp_req_i64_array(const xdp_request *r, const char *key, const int64_t *def, size_t ndef,
		      int64_t *out, size_t max, size_t *n)
{
	const xdp_json *d;
	int v = xdp_req_find(r, key, &d);
	if (v < 0) {
		*n = ndef < max ? ndef : max;
		if (*n)
			memcpy(out, def, *n * sizeof(*out));
		return 0;
	}
	if (xdp_json_type(d, v) != XDP_JSON_ARRAY)
		return bad_key(key, "expected an array of integers");
	size_t len = xdp_json_len(d, v);
	if (len > max) {
		xdp_log(XDP_LOG_ERROR, "config field \"%s\": %zu entries (at most %zu)", key, len, max);
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < len; i++) {
		if (xdp_json_i64(d, xdp_json_at(d, v, i), &out[i])) {
			xdp_log(XDP_LOG_ERROR, "config field \"%s[%zu]\": expected an integer", key, i);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	*n = len;
	return 0;
}

int xdp_req_imix(const xdp_request *r, const char *sizes_key, const char *weights_key,
		 const int64_t *def_sizes, const int64_t *def_weights, size_t ndef, size_t min_len,
		 const char *who, const char *frame, xdp_imix *out)
{
	int64_t sizes[XDP_IMIX_SIZES_MAX], weights[XDP_IMIX_SIZES_MAX];
	size_t nsizes, nweights;
	int rc;
	if ((rc = xdp_req_i64_array(r, sizes_key, def_sizes, ndef, sizes, XDP_IMIX_SIZES_MAX,
				    &nsizes)) ||
	    (rc = xdp_req_i64_array(r, weights_key, def_weights, ndef, weights, XDP_IMIX_SIZES_MAX,
				    &nweights)))
		return rc;
	if (nsizes == 0) {
		xdp_log(XDP_LOG_ERROR, "%s: %s: must not be empty", who, sizes_key);
		return XDP_ERR_INVALID_CONFIG;
	}
	for (size_t i = 0; i < nweights; i++) {
		if (weights[i] < 0 || weights[i] > (int64_t)UINT32_MAX) {
			xdp_log(XDP_LOG_ERROR, "%s: %s: %lld is outside 0..4294967295", who,
				weights_key, (long long)weights[i]);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	for (size_t i = 0; i < nsizes; i++) {
		if (sizes[i] > XDP_IMIX_FRAME_MAX) {
			xdp_log(XDP_LOG_ERROR, "%s: %s: %lld is above %d bytes (the host's frame limit)",
				who, sizes_key, (long long)sizes[i], XDP_IMIX_FRAME_MAX);
			return XDP_ERR_INVALID_CONFIG;
		}
	}
	out->n = 0;
	for (size_t i = 0; i < nsizes; i++) {
		if (sizes[i] < 0 || (uint64_t)sizes[i] < min_len) {
			xdp_log(XDP_LOG_WARN, "%s: %s: skipping %lld, below the smallest %s (%zu bytes)",
				who, sizes_key, (long long)sizes[i], frame, min_len);
			continue;
		}
		uint64_t w = i < nweights ? (uint64_t)weights[i] : 1;
		out->size[out->n] = (uint16_t)sizes[i];
		out->weight[out->n] = w ? w : 1; /* as the Go xdperf reads a variant weight of 0 */
		out->n++;
	}
	if (out->n == 0) {
		xdp_log(XDP_LOG_ERROR, "%s: %s: no size left to send (all below the smallest %s, %zu "
			"bytes)", who, sizes_key, frame, min_len);
		return XDP_ERR_INVALID_CONFIG;
	}
	return 0;
}

/* ==== response ============================================================================== */

xdp_template *xdp_resp_add(xdp_response *r, const uint8_t *data, size_t len)
{
	if (r->count >= XDP_MAX_TEMPLATES)
		return NULL;
	if (r->count == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		xdp_template *t = realloc(r->templates, ncap * sizeof(*t));
		if (!t)
			return NULL;
		r->templates = t;
		r->cap = ncap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	if (data)
		memcpy(copy, data, len);
	else
		memset(copy, 0, len);
	xdp_template *t = &r->templates[r->count++];
	memset(t, 0, sizeof(*t));
	t->data = copy;
	t->len = len;
	t->packet_count = r->default_count;
	return t;
}

xdp_template *xdp_resp_add_udp(xdp_response *r, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
			       uint16_t dport, size_t plen, int *err)
{
	size_t cap = xdp_l2_len(l2) + xdp_l3_len(l3) + XDP_UDP_HLEN + plen;
	uint8_t *frame = malloc(cap), *payload = malloc(plen ? plen : 1);
	xdp_template *t = NULL;
	*err = XDP_ERR_NOMEM;
	if (frame && payload) {
		for (size_t i = 0; i < plen; i++)
			payload[i] = (uint8_t)(i % 256);
		int len = xdp_build_udp(frame, cap, l2, l3, sport, dport, payload, plen);
		if (len < 0)
			*err = XDP_ERR_GENERATE;
		else
			t = xdp_resp_add(r, frame, (size_t)len);
	}
	free(frame);
	free(payload);
	return t;
}

void xdp_tmpl_tag(xdp_template *t, const char *tag)
{
	if (!t || !tag || t->ntags >= XDP_MAX_TAGS)
		return;
	size_t n = strlen(tag);
	if (n >= XDP_TAG_LEN)
		n = XDP_TAG_LEN - 1;
	memcpy(t->tags[t->ntags], tag, n);
	t->tags[t->ntags][n] = '\0';
	t->ntags++;
}

/* Named fields the host knows, with their width in bytes. */
static const struct {
	const char *name;
	uint8_t width;
} mod_fields[] = {
	{ "eth.src", 4 },        { "eth.dst", 4 },        { "ipv4.tos", 1 },
	{ "ipv4.id", 2 },        { "ipv4.ttl", 1 },       { "ipv4.src_ip", 4 },
	{ "ipv4.dst_ip", 4 },    { "ipv6.src_ip", 8 },    { "ipv6.dst_ip", 8 },
	{ "ipv6.hop_limit", 1 }, { "udp.src_port", 2 },   { "udp.dst_port", 2 },
	{ "tcp.src_port", 2 },   { "tcp.dst_port", 2 },   { "tcp.seq", 4 },
	{ "tcp.ack", 4 },        { "tcp.window", 2 },     { "icmp.id", 2 },
	{ "icmp.seq", 2 },
};

static int mod_field_width(const char *name)
{
	for (size_t i = 0; i < sizeof(mod_fields) / sizeof(mod_fields[0]); i++)
		if (!strcmp(mod_fields[i].name, name))
			return mod_fields[i].width;
	return -1;
}

static int bad_mod(const xdp_modifier *m, const char *why)
{
	if (m->field[0])
		xdp_log(XDP_LOG_ERROR, "modifier %s: %s", m->field, why);
	else
		xdp_log(XDP_LOG_ERROR, "modifier at offset %u: %s", (unsigned)m->offset, why);
	return XDP_ERR_INVALID_CONFIG;
}

int xdp_tmpl_add_mod(xdp_template *t, const xdp_modifier *m)
{
	if (!t || !m)
		return XDP_ERR_INVALID_CONFIG;
	if (t->nmods >= XDP_MAX_MODS)
		return bad_mod(m, "too many modifiers (at most 8 per template)");
	int width;
	if (m->field[0]) {
		if (!memchr(m->field, '\0', sizeof(m->field)) || (width = mod_field_width(m->field)) < 0)
			return bad_mod(m, "unknown field");
		if (m->little_endian)
			return bad_mod(m, "little endian applies to offset/length targets only");
	} else {
		width = m->len;
		if (width != 1 && width != 2 && width != 4 && width != 8)
			return bad_mod(m, "length must be 1, 2, 4 or 8");
		if ((size_t)m->offset + m->len > t->len)
			return bad_mod(m, "field lies outside the base packet");
	}
	if ((unsigned)m->op > XDP_MOD_RANGE)
		return bad_mod(m, "unknown operation");
	uint64_t fmax = width >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
	if (m->min > m->max)
		return bad_mod(m, "min > max");
	if (m->max > fmax)
		return bad_mod(m, "max does not fit the field");
	if (m->has_start && (m->min || m->max) && (m->start < m->min || m->start > m->max))
		return bad_mod(m, "start outside [min, max]");
	if (m->has_start && m->start > fmax)
		return bad_mod(m, "start does not fit the field");
	if ((m->skip || m->stride > 1) && m->op == XDP_MOD_RANDOM)
		return bad_mod(m, "skip and stride apply to walks, not random");
	t->mods[t->nmods++] = *m;
	return 0;
}

int xdp_tmpl_modify(xdp_template *t, const char *field, xdp_mod_op op, uint64_t min,
		    uint64_t max, uint64_t step, uint64_t seed)
{
	xdp_modifier m = { .op = op, .min = min, .max = max, .step = step, .seed = seed };
	if (!field || !field[0] || strlen(field) >= sizeof(m.field))
		return XDP_ERR_INVALID_CONFIG;
	strcpy(m.field, field);
	return xdp_tmpl_add_mod(t, &m);
}

int xdp_tmpl_modify_at(xdp_template *t, uint16_t offset, uint8_t len, xdp_mod_op op,
		       uint64_t min, uint64_t max, uint64_t step, uint64_t seed)
{
	xdp_modifier m = { .offset = offset, .len = len, .op = op, .min = min, .max = max,
			   .step = step, .seed = seed };
	return xdp_tmpl_add_mod(t, &m);
}

void xdp_tmpl_checksums(xdp_template *t, unsigned flags)
{
	if (t)
		t->csums = flags & XDP_CSUM_ALL;
}

int xdp_tmpl_checksum_at(xdp_template *t, uint16_t csum_off, uint16_t header_start,
			 uint16_t header_len, uint16_t ip_off)
{
	if (!t || t->ncsum_at >= XDP_MAX_CSUM_AT || (size_t)csum_off + 2 > t->len ||
	    header_start > t->len || (size_t)header_start + header_len > t->len || ip_off >= t->len)
		return XDP_ERR_INVALID_CONFIG;
	t->csum_at[t->ncsum_at++] = (xdp_csum_at){ csum_off, header_start, header_len, ip_off };
	return 0;
}

/* Integers above 2^53 do not survive a double-based JSON reader: write them as strings. */
static void jw_big_u64(xdp_jw *w, const char *key, uint64_t v)
{
	xdp_jw_key(w, key);
	if (v <= ((uint64_t)1 << 53)) {
		xdp_jw_u64(w, v);
		return;
	}
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	xdp_jw_str(w, tmp);
}

static void write_mods(xdp_jw *w, const xdp_template *t)
{
	static const char *const ops[] = { "increment", "decrement", "random", "range" };
	xdp_jw_key(w, "modifiers");
	xdp_jw_arr_begin(w);
	for (int i = 0; i < t->nmods; i++) {
		const xdp_modifier *m = &t->mods[i];
		xdp_jw_obj_begin(w);
		xdp_jw_key(w, "target");
		xdp_jw_obj_begin(w);
		if (m->field[0]) {
			const char *dot = strchr(m->field, '.');
			xdp_jw_key(w, "layer");
			xdp_jw_strn(w, m->field, (size_t)(dot - m->field));
			xdp_jw_kv_str(w, "field", dot + 1);
		} else {
			xdp_jw_kv_u64(w, "offset", m->offset);
			xdp_jw_kv_u64(w, "length", m->len);
		}
		xdp_jw_obj_end(w);
		xdp_jw_key(w, "operation");
		xdp_jw_obj_begin(w);
		xdp_jw_kv_str(w, "type", ops[m->op]);
		xdp_jw_obj_end(w);
		xdp_jw_key(w, "params");
		xdp_jw_obj_begin(w);
		jw_big_u64(w, "min", m->min);
		jw_big_u64(w, "max", m->max);
		jw_big_u64(w, "step", m->step ? m->step : 1);
		if (m->has_start)
			jw_big_u64(w, "start", m->start);
		if (m->op == XDP_MOD_RANDOM || m->op == XDP_MOD_RANGE)
			jw_big_u64(w, "seed", m->seed);
		if (m->little_endian)
			xdp_jw_kv_str(w, "endian", "little");
		if (m->skip)
			jw_big_u64(w, "skip", m->skip);
		if (m->stride > 1)
			jw_big_u64(w, "stride", m->stride);
		xdp_jw_obj_end(w);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);

	static const char *const layers[] = { "ipv4", "udp", "tcp", "icmp", "icmpv6" };
	xdp_jw_key(w, "checksums");
	xdp_jw_arr_begin(w);
	for (unsigned k = 0; k < 5; k++) {
		if (!(t->csums & (1u << k)))
			continue;
		xdp_jw_obj_begin(w);
		xdp_jw_kv_str(w, "layer", layers[k]);
		xdp_jw_kv_bool(w, "auto_update", true);
		xdp_jw_obj_end(w);
	}
	for (int k = 0; k < t->ncsum_at && k < XDP_MAX_CSUM_AT; k++) {
		const xdp_csum_at *c = &t->csum_at[k];
		xdp_jw_obj_begin(w);
		xdp_jw_kv_u64(w, "checksum_offset", c->off);
		xdp_jw_kv_u64(w, "header_start", c->start);
		xdp_jw_kv_u64(w, "header_len", c->len);
		xdp_jw_kv_u64(w, "ip_header_offset", c->ip);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);
}

int xdp_resp_write(const xdp_response *r, char *buf, size_t cap, size_t *needed)
{
	xdp_jw w;
	xdp_jw_init(&w, buf, cap);
	xdp_jw_arr_begin(&w);
	for (size_t i = 0; i < r->count; i++) {
		const xdp_template *t = &r->templates[i];
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "template");
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "base_packet");
		xdp_jw_obj_begin(&w);
		xdp_jw_key(&w, "data");
		xdp_jw_base64(&w, t->data, t->len);
		xdp_jw_kv_u64(&w, "length", t->len);
		xdp_jw_obj_end(&w);
		write_mods(&w, t);
		xdp_jw_obj_end(&w);
		xdp_jw_key(&w, "metadata");
		xdp_jw_obj_begin(&w);
		xdp_jw_kv_u64(&w, "packet_count", t->packet_count);
		xdp_jw_kv_u64(&w, "rate_pps", t->rate_pps);
		xdp_jw_key(&w, "tags");
		xdp_jw_arr_begin(&w);
		for (int k = 0; k < t->ntags; k++)
			xdp_jw_str(&w, t->tags[k]);
		xdp_jw_arr_end(&w);
		if (r->meta)
			r->meta(&w, i, r->meta_ctx);
		xdp_jw_obj_end(&w);
		xdp_jw_obj_end(&w);
	}
	xdp_jw_arr_end(&w);
	if (needed)
		*needed = w.len;
	return xdp_jw_finish(&w);
}

void xdp_imix_split(const xdp_imix *mix, uint64_t count, uint64_t *out)
{
	unsigned __int128 total = 0, rem[XDP_IMIX_MAX];
	size_t n = mix->n < XDP_IMIX_MAX ? mix->n : XDP_IMIX_MAX;
	uint64_t given = 0;
	for (size_t i = 0; i < n; i++)
		total += mix->weight[i] ? mix->weight[i] : 1;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)count * (mix->weight[i] ? mix->weight[i] : 1);
		out[i] = (uint64_t)(p / total);
		rem[i] = p % total;
		given += out[i];
	}
	/* count - given < n: one more each to the largest remainders (earliest first) */
	while (n && given < count) {
		size_t best = 0;
		for (size_t i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		rem[best] = 0;
		given++;
	}
}

/* The metadata writer xdp_resp_imix installs: the same patterns in every template. */
static void imix_meta(xdp_jw *w, size_t template_index, void *ctx)
{
	const xdp_imix *mix = ctx;
	(void)template_index;
	xdp_jw_key(w, "imix");
	xdp_jw_obj_begin(w);
	xdp_jw_key(w, "patterns");
	xdp_jw_arr_begin(w);
	for (size_t i = 0; i < mix->n; i++) {
		xdp_jw_obj_begin(w);
		xdp_jw_kv_u64(w, "size", mix->size[i]);
		xdp_jw_kv_u64(w, "weight", mix->weight[i]);
		xdp_jw_kv_u64(w, "template", i);
		xdp_jw_obj_end(w);
	}
	xdp_jw_arr_end(w);
	xdp_jw_obj_end(w);
}

static void drop_imix(xdp_response *r)
{
	if (r->meta == imix_meta) {
		free(r->meta_ctx);
		r->meta = NULL;
		r->meta_ctx = NULL;
	}
}

int xdp_resp_imix(xdp_response *r, const xdp_imix *mix)
{
	if (mix->n == 0 || mix->n > XDP_IMIX_MAX)
		return XDP_ERR_GENERATE;
	xdp_imix *copy = malloc(sizeof(*copy));
	if (!copy)
		return XDP_ERR_NOMEM;
	memcpy(copy, mix, sizeof(*copy));
	drop_imix(r);
	r->meta = imix_meta;
	r->meta_ctx = copy;
	return 0;
}

void xdp_resp_free(xdp_response *r)
{
	drop_imix(r);
	for (size_t i = 0; i < r->count; i++)
		free(r->templates[i].data);
	free(r->templates);
	r->templates = NULL;
	r->count = r->cap = 0;
}

/* ==== the exported ABI ====================================================================== */

/* The generator ABI: left out with -DXDP_SDK_NO_GENERATOR_ABI, for a plugin that exports its
 * own plugin_init / plugin_process / plugin_cleanup (a verifier) and uses only the helpers. */
#ifndef XDP_SDK_NO_GENERATOR_ABI

__attribute__((weak)) int xdp_init(const xdp_request *cfg)
{
	(void)cfg;
	return 0;
}

__attribute__((weak)) void xdp_cleanup(void) {}

static char *g_cfg_text;
static xdp_json g_cfg;
static bool g_initialized;

static void drop_config(void)
{
	xdp_json_free(&g_cfg);
	free(g_cfg_text);
	g_cfg_text = NULL;
	g_initialized = false;
}

XDP_EXPORT(plugin_init) int32_t plugin_init(int32_t cfg_ptr, int32_t cfg_len)
{
	drop_config();
	if (cfg_len < 0 || (cfg_len > 0 && cfg_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	const char *src = (const char *)(uintptr_t)(uint32_t)cfg_ptr;
	/* an empty config is an empty object */
	size_t n = (size_t)cfg_len;
	if (n == 0) {
		src = "{}";
		n = 2;
	}
	g_cfg_text = malloc(n + 1);
	if (!g_cfg_text)
		return XDP_ERR_NOMEM;
	memcpy(g_cfg_text, src, n);
	g_cfg_text[n] = '\0';
	int rc = xdp_json_parse(&g_cfg, g_cfg_text, n);
	if (rc == 0 && g_cfg.toks[0].type == XDP_JSON_NULL) {
		xdp_json_free(&g_cfg);
		rc = xdp_json_parse(&g_cfg, "{}", 2);
	}
	if (rc == 0 && g_cfg.toks[0].type != XDP_JSON_OBJECT)
		rc = XDP_ERR_INVALID_INPUT;
	if (rc < 0) {
		xdp_log(XDP_LOG_ERROR, "plugin_init: config is not a JSON object");
		drop_config();
		return rc;
	}
	xdp_request cfg = {
		.doc = &g_cfg, .root = 0, .config = NULL, .config_root = -1,
	};
	rc = xdp_init(&cfg);
	if (rc < 0) {
		drop_config();
		return rc;
	}
	g_initialized = true;
	return 0;
}

XDP_EXPORT(plugin_process) int32_t plugin_process(int32_t in_ptr, int32_t in_len, int32_t out_ptr,
						  int32_t out_cap)
{
	if (!g_initialized)
		return XDP_ERR_NOT_INITIALIZED;
	if (in_len < 0 || out_cap < 0 || (in_len > 0 && in_ptr == 0) || (out_cap > 0 && out_ptr == 0))
		return XDP_ERR_INVALID_INPUT;
	const char *in = (const char *)(uintptr_t)(uint32_t)in_ptr;
	char *out = (char *)(uintptr_t)(uint32_t)out_ptr;

	xdp_json doc;
	int rc = xdp_json_parse(&doc, in, (size_t)in_len);
	if (rc < 0 || doc.toks[0].type != XDP_JSON_OBJECT) {
		xdp_log(XDP_LOG_ERROR, "plugin_process: request is not a JSON object");
		xdp_json_free(&doc);
		return rc == XDP_ERR_NOMEM ? rc : XDP_ERR_INVALID_INPUT;
	}
	xdp_request req = {
		.doc = &doc, .root = 0, .config = &g_cfg, .config_root = 0,
	};
	if (xdp_json_get_u64(&doc, 0, "count", &req.count) < 0) {
		xdp_log(XDP_LOG_ERROR, "plugin_process: \"count\" is not an unsigned integer");
		xdp_json_free(&doc);
		return XDP_ERR_INVALID_CONFIG;
	}
	int mv = find_nonnull(&doc, 0, "device_mac_addr");
	if (mv >= 0) {
		char s[32];
		uint8_t mac[8];
		if (xdp_json_string(&doc, mv, s, sizeof(s)) ||
		    xdp_base64_decode(s, strlen(s), mac, sizeof(mac)) != 6) {
			xdp_log(XDP_LOG_ERROR, "plugin_process: \"device_mac_addr\" is not 6 base64 bytes");
			xdp_json_free(&doc);
			return XDP_ERR_INVALID_CONFIG;
		}
		memcpy(req.device_mac, mac, 6);
		req.has_device_mac = true;
	}

	xdp_response resp;
	memset(&resp, 0, sizeof(resp));
	resp.default_count = req.count;
	rc = xdp_generate(&req, &resp);
	if (rc >= 0) {
		size_t needed = 0;
		rc = xdp_resp_write(&resp, out, (size_t)out_cap, &needed);
		if (rc == XDP_ERR_BUFFER_TOO_SMALL)
			xdp_log(XDP_LOG_DEBUG, "plugin_process: response needs %zu bytes, buffer has %d",
				needed, (int)out_cap);
		else if (rc >= 0)
			xdp_metric("plugin.templates", (double)resp.count);
	} else {
		xdp_log(XDP_LOG_ERROR, "plugin_process: generate failed (%d)", rc);
	}
	xdp_resp_free(&resp);
	xdp_json_free(&doc);
	return rc;
}

XDP_EXPORT(plugin_cleanup) void plugin_cleanup(void)
{
	if (g_initialized)
		xdp_cleanup();
	drop_config();
}

#endif /* XDP_SDK_NO_GENERATOR_ABI */
