/* xdperf plugin SDK, xdp_json_write.c: The JSON writer: xdp_jw_* into a caller buffer,
 * bounds-checked, counting the size it needed after an overflow. */
#include "xdp_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
