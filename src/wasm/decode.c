/* Binary decoder entry point: header, section order, error reporting, primitive readers, release. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm/decode_int.h"
#include "wasm/features.h"

/* ---- errors ------------------------------------------------------------------------------ */

static void vreport(xw_dec *d, const char *kind, const uint8_t *at, const char *fmt, va_list ap)
{
	char msg[200];
	if (!d->err || !d->errlen)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(d->err, d->errlen, "%s at byte 0x%zx: %s", kind, xw_dec_off(d, at), msg);
}

int xw_dec_malformed(xw_dec *d, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(d, "malformed", at, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int xw_dec_fatal_invalid(xw_dec *d, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(d, "invalid", at, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void xw_dec_invalid(xw_dec *d, const uint8_t *at, const char *fmt, ...)
{
	va_list ap;
	char msg[200];
	if (d->pending_invalid)
		return;
	d->pending_invalid = true;
	d->pending_rc = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(d->pending_msg, sizeof(d->pending_msg), "invalid at byte 0x%zx: %s",
		 xw_dec_off(d, at), msg);
}

int xw_dec_eof(xw_dec *d, const uint8_t *at)
{
	if (!d->in_section)
		return xw_dec_malformed(d, at, "unexpected end");
	return xw_dec_malformed(d, at, "unexpected end of section or function");
}

int xw_dec_nomem(xw_dec *d)
{
	if (d->over_cap) {
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "module too large: decoding it needs more than its limit "
				 "of %llu bytes (at byte 0x%zx)", (unsigned long long)d->m->max_bytes,
				 xw_dec_off(d, d->p));
		return -EFBIG;
	}
	if (d->err && d->errlen)
		snprintf(d->err, d->errlen, "out of memory while decoding module");
	return -ENOMEM;
}

bool xw_dec_charge(xw_dec *d, uint64_t n)
{
	if (xw_module_charge(d->m, n))
		return true;
	d->over_cap = true;
	return false;
}

int xw_dec_unsupported(xw_dec *d, const uint8_t *at, const char *what)
{
	if (d->err && d->errlen)
		snprintf(d->err, d->errlen, "not supported: %s at byte 0x%zx", what,
			 xw_dec_off(d, at));
	return -ENOTSUP;
}

/* ---- primitive readers ------------------------------------------------------------------- */

/* Explains why a LEB128 of at most max_bytes bytes at `at` could not be read. Like the
 * reference decoder, looks past the section end to tell a too long encoding from a cut one. */
static int leb_error(xw_dec *d, const uint8_t *at, unsigned max_bytes)
{
	for (unsigned i = 0; i < max_bytes; i++) {
		if (at + i >= d->file_end)
			return xw_dec_eof(d, at);
		if (!(at[i] & 0x80))
			return at + i >= d->end ? xw_dec_eof(d, at)
						: xw_dec_malformed(d, at, "integer too large");
	}
	return xw_dec_malformed(d, at, "integer representation too long");
}

int xw_dec_u8(xw_dec *d, uint8_t *out)
{
	if (xw_read_u8(&d->p, d->end, out))
		return xw_dec_eof(d, d->p);
	return 0;
}

int xw_dec_u32(xw_dec *d, uint32_t *out)
{
	const uint8_t *at = d->p;
	if (xw_read_u32(&d->p, d->end, out))
		return leb_error(d, at, 5);
	return 0;
}

int xw_dec_s32(xw_dec *d, int32_t *out)
{
	const uint8_t *at = d->p;
	if (xw_read_s32(&d->p, d->end, out))
		return leb_error(d, at, 5);
	return 0;
}

int xw_dec_s64(xw_dec *d, int64_t *out)
{
	const uint8_t *at = d->p;
	if (xw_read_s64(&d->p, d->end, out))
		return leb_error(d, at, 10);
	return 0;
}

int xw_dec_count(xw_dec *d, uint32_t *out, size_t min_elem_bytes)
{
	const uint8_t *at = d->p;
	int rc = xw_dec_u32(d, out);
	if (rc)
		return rc;
	if (*out > (size_t)(d->end - d->p) / min_elem_bytes)
		return xw_dec_eof(d, at);
	return 0;
}

bool xw_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

int xw_dec_name(xw_dec *d, char **out, const uint8_t **raw, uint32_t *rawlen)
{
	uint32_t len;
	int rc = xw_dec_u32(d, &len);
	if (rc)
		return rc;
	if (len > (size_t)(d->end - d->p))
		return xw_dec_malformed(d, d->p, "length out of bounds (unexpected end)");
	if (!xw_utf8_valid(d->p, len))
		return xw_dec_malformed(d, d->p, "malformed UTF-8 encoding");
	if (raw)
		*raw = d->p;
	if (rawlen)
		*rawlen = len;
	if (out) {
		char *s = xw_dec_charge(d, (uint64_t)len + 1) ? malloc((size_t)len + 1) : NULL;
		if (!s)
			return xw_dec_nomem(d);
		memcpy(s, d->p, len);
		s[len] = 0;
		*out = s;
	}
	d->p += len;
	return 0;
}

int xw_dec_valtype(xw_dec *d, uint8_t *out)
{
	const uint8_t *at = d->p;
	int rc = xw_dec_u8(d, out);
	if (rc)
		return rc;
	char what[120];
	if (*out == XWASM_EXNREF && xw_feature(d->m, XWASM_FEATURE_EXCEPTIONS))
		return 0;
	if (!xw_is_numtype(*out) && !xw_is_reftype(*out) && *out != XWASM_V128) {
		if (xw_unsupported_valtype(*out, what, sizeof what))
			return xw_dec_unsupported(d, at, what);
		return xw_dec_malformed(d, at, "malformed value type 0x%02x", *out);
	}
	return 0;
}

int xw_dec_reftype(xw_dec *d, uint8_t *out)
{
	const uint8_t *at = d->p;
	int rc = xw_dec_u8(d, out);
	if (rc)
		return rc;
	char what[120];
	if (!xw_is_reftype(*out) && *out != XWASM_V128 && xw_unsupported_valtype(*out, what, sizeof what))
		return xw_dec_unsupported(d, at, what);
	if (!xw_is_reftype(*out))
		return xw_dec_malformed(d, at, "malformed reference type 0x%02x", *out);
	return 0;
}

int xw_dec_u64(xw_dec *d, uint64_t *out)
{
	const uint8_t *at = d->p;
	if (xw_read_u64(&d->p, d->end, out))
		return leb_error(d, at, 10);
	return 0;
}

int xw_dec_limits(xw_dec *d, xw_limits *out)
{
	const uint8_t *at = d->p;
	uint8_t flags;
	uint32_t v;
	int rc = xw_dec_u8(d, &flags);
	if (rc)
		return rc;
	if (flags & 0x80)
		return xw_dec_malformed(d, at, "integer representation too long (limits flags)");
	/* bit 0: a maximum follows; bit 1 (threads): shared; bit 2 (memory64): a 64-bit index
	 * type, min and max as u64 */
	bool is64 = (flags & 4) && xw_feature(d->m, XWASM_FEATURE_MEMORY64);
	bool shared = (flags & 2) && xw_feature(d->m, XWASM_FEATURE_THREADS);
	uint8_t known = 1 | (is64 ? 4 : 0) | (shared ? 2 : 0);
	char what[120];
	if ((flags & ~known) && xw_unsupported_limits(flags, what, sizeof what))
		return xw_dec_unsupported(d, at, what);
	if (flags & ~known)
		return xw_dec_malformed(d, at, "integer too large (limits flags 0x%02x)", flags);
	out->is64 = is64;
	out->shared = shared;
	out->has_max = flags & 1;
	out->max = 0;
	if (is64) {
		if ((rc = xw_dec_u64(d, &out->min)) || (out->has_max && (rc = xw_dec_u64(d, &out->max))))
			return rc;
		return 0;
	}
	if ((rc = xw_dec_u32(d, &v)))
		return rc;
	out->min = v;
	if (out->has_max) {
		if ((rc = xw_dec_u32(d, &v)))
			return rc;
		out->max = v;
	}
	return 0;
}

int xw_dec_grow(xw_dec *d, void **arr, uint32_t *n, uint32_t add, size_t elsz)
{
	uint64_t total = (uint64_t)*n + add;
	if (total > UINT32_MAX)
		return xw_dec_malformed(d, d->p, "too many entries in index space");
	if (!add)
		return 0;
	if (!xw_dec_charge(d, (uint64_t)add * elsz))
		return xw_dec_nomem(d);
	void *a = realloc(*arr, (size_t)total * elsz);
	if (!a)
		return xw_dec_nomem(d);
	memset((uint8_t *)a + (size_t)*n * elsz, 0, (size_t)add * elsz);
	*arr = a;
	*n = (uint32_t)total;
	return 0;
}

/* ---- sections ---------------------------------------------------------------------------- */

/* Position of a non-custom section id in the required order (datacount sits before code);
 * 0 for an unknown id. */
static int section_rank(uint8_t id)
{
	/* the tag section (13, exception handling) sits between memory and global */
	static const uint8_t rank[14] = { 0, 2, 4, 6, 8, 10, 14, 16, 18, 20, 24, 26, 22, 12 };
	return id >= 1 && id <= 13 ? rank[id] : 0;
}

static int custom_section(xw_dec *d)
{
	const uint8_t *raw;
	uint32_t len;
	int rc = xw_dec_name(d, NULL, &raw, &len);
	if (rc)
		return rc;
	if (len == 4 && !memcmp(raw, "name", 4) && !d->names) {
		d->names = d->p;
		d->names_end = d->end;
	}
	d->p = d->end;
	return 0;
}

/* Reads one section header and body at d->p. *last_rank tracks ordering. */
static int one_section(xw_dec *d, int *last_rank)
{
	const uint8_t *at = d->p;
	uint8_t id;
	uint32_t size;
	int rc = xw_dec_u8(d, &id);
	if (rc)
		return rc;
	if (id == 13 && !xw_feature(d->m, XWASM_FEATURE_EXCEPTIONS)) {
		/* the tag section of exception handling, which holds a count at least (an empty
		 * one is no tag section: 2.0 calls id 13 malformed) */
		const uint8_t *sp = d->p;
		uint32_t size = 0;
		if (!xw_read_u32(&sp, d->file_end, &size) && size > 0)
			return xw_dec_unsupported(d, at, "exception handling (tag section, id 13)");
	}
	if (id > 13 || (id == 13 && !xw_feature(d->m, XWASM_FEATURE_EXCEPTIONS)))
		return xw_dec_malformed(d, at, "malformed section id %u", id);
	if (id) {
		int r = section_rank(id);
		if (r <= *last_rank)
			return xw_dec_malformed(d, at, "unexpected content after last section "
						"(section %u out of order or repeated)", id);
		*last_rank = r;
	}
	if ((rc = xw_dec_u32(d, &size)))
		return rc;
	if (size > (size_t)(d->file_end - d->p))
		return xw_dec_malformed(d, d->p, "length out of bounds (section size %u)", size);
	d->end = d->p + size;
	d->in_section = true;
	rc = id ? xw_dec_section(d, id) : custom_section(d);
	if (rc)
		return rc;
	if (d->p != d->end)
		return xw_dec_malformed(d, d->p, "section size mismatch (section %u)", id);
	d->end = d->file_end;
	d->in_section = false;
	return 0;
}

static int check_header(xw_dec *d)
{
	static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
	static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
	if (d->end - d->p < 4)
		return xw_dec_eof(d, d->p);
	if (memcmp(d->p, magic, 4))
		return xw_dec_malformed(d, d->p, "magic header not detected");
	d->p += 4;
	if (d->end - d->p < 4)
		return xw_dec_eof(d, d->p);
	if (memcmp(d->p, version, 4))
		return xw_dec_malformed(d, d->p, "unknown binary version");
	d->p += 4;
	return 0;
}

/* Cross-section rules checked once every section has been read. */
static int finish(xw_dec *d)
{
	xw_module *m = d->m;
	if (!d->seen_code && d->nfunc_decls)
		return xw_dec_malformed(d, d->p, "function and code section have inconsistent lengths");
	if (m->has_datacount && m->datacount != m->ndatas)
		return xw_dec_malformed(d, d->p, "data count and data section have inconsistent lengths");
	if (!m->declared_funcs) {
		size_t n = ((size_t)m->nfuncs + 7) / 8 + 1;
		m->declared_funcs = xw_dec_charge(d, n) ? calloc(n, 1) : NULL;
		if (!m->declared_funcs)
			return xw_dec_nomem(d);
	}
	if (d->names)
		xw_dec_name_section(d);
	return 0;
}

static int decode_all(xw_dec *d)
{
	int last_rank = 0;
	int rc = check_header(d);
	while (!rc && d->p < d->file_end)
		rc = one_section(d, &last_rank);
	if (!rc)
		rc = finish(d);
	if (!rc && d->pending_invalid) {
		if (d->err && d->errlen)
			snprintf(d->err, d->errlen, "%s", d->pending_msg);
		rc = d->pending_rc;
	}
	return rc;
}

int xw_decode(xw_module *m, const uint8_t *bytes, size_t len, char *err, size_t errlen)
{
	char *name = m->name;
	uint64_t max_bytes = m->max_bytes;
	xwasm_interrupt *load_irq = m->load_irq;
	uint32_t features = m->features;
	xw_dec d;

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->max_bytes = max_bytes;
	m->load_irq = load_irq;
	m->features = features;
	memset(&d, 0, sizeof(d));
	d.m = m;
	d.err = err;
	d.errlen = errlen;
	if (err && errlen)
		err[0] = 0;
	m->bytes = xw_dec_charge(&d, len) ? malloc(len ? len : 1) : NULL;
	if (!m->bytes)
		return xw_dec_nomem(&d);
	if (len)
		memcpy(m->bytes, bytes, len);
	m->len = len;
	d.p = m->bytes;
	d.end = d.file_end = m->bytes + len;
	return decode_all(&d);
}

/* ---- release ----------------------------------------------------------------------------- */

static void release_tables(xw_module *m)
{
	for (uint32_t i = 0; m->types && i < m->ntypes; i++)
		free(m->types[i].types);
	free(m->types);
	for (uint32_t i = 0; m->imports && i < m->nimports; i++) {
		free(m->imports[i].module);
		free(m->imports[i].name);
	}
	free(m->imports);
	for (uint32_t i = 0; m->exports && i < m->nexports; i++)
		free(m->exports[i].name);
	free(m->exports);
	for (uint32_t i = 0; m->elems && i < m->nelems; i++)
		free(m->elems[i].items);
	free(m->elems);
	for (uint32_t i = 0; m->codes && i < m->ncodes; i++)
		free(m->codes[i].local_types);
	free(m->codes);
	for (uint32_t i = 0; m->func_names && i < m->nfuncs; i++)
		free(m->func_names[i]);
	free(m->func_names);
}

void xw_module_release(xw_module *m)
{
	struct xw_compiled_func *compiled = m->compiled; /* owned by the compiler */

	release_tables(m);
	free(m->func_types);
	free(m->tag_types);
	free(m->tables);
	free(m->mems);
	free(m->globals);
	free(m->datas);
	free(m->declared_funcs);
	free(m->bytes);
	free(m->name);
	memset(m, 0, sizeof(*m));
	m->compiled = compiled;
}
