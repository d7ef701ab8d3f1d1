/* The report's text buffer: growth, HTML escaping (UTF-8 checked), number formatting. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/rbuf.h"

static bool grow(struct rbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void rb_put(struct rbuf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rb_puts(struct rbuf *b, const char *s)
{
	rb_put(b, s, strlen(s));
}

void rb_printf(struct rbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		rb_put(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one (overlong
 * forms, surrogates and values above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

void rb_text(struct rbuf *b, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const unsigned char *run = p;
		/* plain bytes go in one piece */
		while (*p >= 0x20 && *p < 0x7f && *p != '&' && *p != '<' && *p != '>' && *p != '"' &&
		       *p != '\'')
			p++;
		if (p > run)
			rb_put(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '&': rb_puts(b, "&amp;"); p++; continue;
		case '<': rb_puts(b, "&lt;"); p++; continue;
		case '>': rb_puts(b, "&gt;"); p++; continue;
		case '"': rb_puts(b, "&quot;"); p++; continue;
		case '\'': rb_puts(b, "&#39;"); p++; continue;
		case '\t': case '\n': rb_put(b, (const char *)p, 1); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			rb_printf(b, "&#x%x;", *p == 0x7f ? 0x2421u : 0x2400u + *p);
			p++;
			continue;
		}
		size_t n = utf8_len(p);
		if (!n) {
			rb_puts(b, "&#xfffd;");
			p++;
			continue;
		}
		rb_put(b, (const char *)p, n);
		p += n;
	}
}

void rb_num(struct rbuf *b, double v)
{
	if (!isfinite(v)) {
		rb_puts(b, "–");
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		rb_printf(b, "%.0f", v);
		return;
	}
	if (fabs(v) >= 100000)
		rb_printf(b, "%.0f", v);
	else
		rb_printf(b, "%.6g", v);
}

void rb_jnum(struct rbuf *b, const json_t *v)
{
	if (json_is_integer(v))
		rb_printf(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		rb_num(b, json_real_value(v));
	else
		rb_puts(b, "–");
}

void rb_coord(struct rbuf *b, double v)
{
	if (!isfinite(v))
		v = 0;
	rb_printf(b, "%.2f", v);
}
