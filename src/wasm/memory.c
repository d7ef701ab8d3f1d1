/* Linear memories: address space is reserved once for the largest size the memory may
 * reach, so growth never moves it; pages become accessible as the memory grows. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "wasm/runtime.h"

int xw_memory_init(xwasm_memory *mem, uint32_t min_pages, uint32_t max_pages, uint32_t cap_pages)
{
	memset(mem, 0, sizeof *mem);
	mem->decl_max = max_pages;
	if (cap_pages == 0 || cap_pages > XW_MAX_PAGES)
		cap_pages = XW_MAX_PAGES;
	if (max_pages > XW_MAX_PAGES)
		max_pages = XW_MAX_PAGES;
	if (min_pages > max_pages || min_pages > cap_pages)
		return -ENOMEM;
	uint32_t limit = max_pages < cap_pages ? max_pages : cap_pages;
	mem->max_pages = max_pages;
	mem->cap_pages = cap_pages;
	mem->reserved = (size_t)limit * XW_PAGE_SIZE;
	if (mem->reserved == 0)
		mem->reserved = 4096; /* keep a valid base for zero-sized memories */
	void *p = mmap(NULL, mem->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	mem->base = p;
	if (min_pages && mprotect(p, (size_t)min_pages * XW_PAGE_SIZE, PROT_READ | PROT_WRITE)) {
		munmap(p, mem->reserved);
		mem->base = NULL;
		return -ENOMEM;
	}
	mem->pages = min_pages;
	mem->size = (uint64_t)min_pages * XW_PAGE_SIZE;
	return 0;
}

void xw_memory_release(xwasm_memory *mem)
{
	if (mem->base)
		munmap(mem->base, mem->reserved);
	mem->base = NULL;
}

int64_t xw_memory_grow(xwasm_memory *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	uint64_t want = (uint64_t)old + delta;
	if (want > mem->max_pages)
		return -1;
	if (want > mem->cap_pages) {
		mem->cap_refusals++;
		xw_account_refused(mem->acct, XWASM_CAP_MEMORY_PAGES);
		return -1;
	}
	if (delta == 0)
		return old;
	if (want * XW_PAGE_SIZE > mem->reserved)
		return -1;
	uint64_t bytes = (uint64_t)delta * XW_PAGE_SIZE;
	if (!xw_account_charge(mem->acct, bytes, 0)) {
		mem->cap_refusals++;
		return -1;
	}
	if (mprotect(mem->base + mem->size, (size_t)bytes, PROT_READ | PROT_WRITE)) {
		xw_account_release(mem->acct, bytes, 0);
		return -1;
	}
	mem->pages = (uint32_t)want;
	mem->size = want * XW_PAGE_SIZE;
	return old;
}

/* ---- public API ---- */

uint64_t xwasm_memory_cap_refusals(const xwasm_memory *mem) { return mem->cap_refusals; }

xwasm_memory *xwasm_memory_new(uint32_t min_pages, uint32_t max_pages)
{
	xwasm_memory *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (xw_memory_init(m, min_pages, max_pages == UINT32_MAX ? XW_MAX_PAGES : max_pages, 0)) {
		free(m);
		return NULL;
	}
	m->has_max = max_pages != UINT32_MAX;
	return m;
}

int xwasm_memory_create(uint32_t min_pages, uint32_t max_pages, const struct xwasm_memory_opts *opts,
			xwasm_memory **out)
{
	bool shared = opts && opts->sz > offsetof(struct xwasm_memory_opts, shared) && opts->shared;
	*out = NULL;
	if ((shared && max_pages == UINT32_MAX) || min_pages > XW_MAX_PAGES ||
	    (max_pages != UINT32_MAX && (max_pages > XW_MAX_PAGES || min_pages > max_pages)))
		return -EINVAL;
	xwasm_memory *m = xwasm_memory_new(min_pages, max_pages);
	if (!m)
		return -ENOMEM;
	m->shared = shared;
	*out = m;
	return 0;
}

void xwasm_memory_free(xwasm_memory *mem)
{
	if (!mem)
		return;
	xw_memory_release(mem);
	free(mem);
}

uint64_t xwasm_memory_size(const xwasm_memory *mem) { return mem->size; }
uint32_t xwasm_memory_pages(const xwasm_memory *mem) { return mem->pages; }

void *xwasm_memory_ptr(xwasm_memory *mem, uint64_t off, size_t len)
{
	if (!mem || off > mem->size || len > mem->size - off)
		return NULL;
	return mem->base + off;
}

int xwasm_memory_read(const xwasm_memory *mem, uint64_t off, void *dst, size_t len)
{
	if (!mem || off > mem->size || len > mem->size - off)
		return -EFAULT;
	if (len)
		memcpy(dst, mem->base + off, len);
	return 0;
}

int xwasm_memory_write(xwasm_memory *mem, uint64_t off, const void *src, size_t len)
{
	if (!mem || off > mem->size || len > mem->size - off)
		return -EFAULT;
	if (len)
		memcpy(mem->base + off, src, len);
	return 0;
}

int64_t xwasm_memory_grow(xwasm_memory *mem, uint32_t delta)
{
	return xw_memory_grow(mem, delta);
}
