/* Copying a caller's options struct (libbpf-style: its first member is `size_t sz`, the size the
 * caller was built with) into the library's own copy, so callers built against an older, smaller
 * struct keep working. */
#ifndef XDPERF_UTIL_OPTS_H
#define XDPERF_UTIL_OPTS_H

#include <stddef.h>
#include <string.h>

/* Copies the first min(src->sz, dstsz) bytes of src over dst (all dstsz bytes when src->sz is 0);
 * the rest of dst keeps what the caller put there (zeros or defaults). src NULL: nothing. */
static inline void xdperf_opts_copy(void *dst, size_t dstsz, const void *src)
{
	if (!src)
		return;
	size_t sz;
	memcpy(&sz, src, sizeof sz);
	memcpy(dst, src, sz && sz < dstsz ? sz : dstsz);
}

#endif
