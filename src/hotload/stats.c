/* Per-version call statistics of the protocol registry: a log-linear latency histogram per
 * worker slot (8 sub-buckets per power of two, so percentiles are within about 6%), summed
 * with the counters of every slot when a version is listed. Calls are timed while a slot has
 * made fewer than 1024, then one in 16 (a precise clock read costs a fifth of a small call); the
 * time of the last call (idle expiry) comes from the coarse clock, read on every call. */
#include <string.h>
#include <time.h>
#include "hotload/registry.h"
#include "xdperf/hotload.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t hl_now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t hl_coarse_ns(void) { return clock_ns(CLOCK_MONOTONIC_COARSE); }

/* Bucket of a latency: exact below 16 ns, then 8 per power of two. */
static unsigned bucket_of(uint64_t ns)
{
	if (ns < 16)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);   /* >= 4 */
	unsigned b = 16u + (e - 4u) * 8u + (unsigned)((ns >> (e - 3u)) & 7u);
	return b < HL_HIST ? b : HL_HIST - 1;
}

/* Middle of a bucket's range, in ns. */
static uint64_t bucket_mid(unsigned b)
{
	if (b < 16)
		return b;
	unsigned e = (b - 16u) / 8u + 4u, sub = (b - 16u) % 8u;
	uint64_t lo = (1ull << e) + ((uint64_t)sub << (e - 3u));
	return lo + (1ull << (e - 3u)) / 2;
}

void hl_hist_add(struct hl_slot *s, uint64_t ns)
{
	hl_inc(&s->hist[bucket_of(ns)]);
}

static uint64_t get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static uint64_t percentile(const uint64_t *hist, uint64_t total, double q)
{
	if (!total)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)total);
	if (rank >= total)
		rank = total - 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < HL_HIST; b++) {
		seen += hist[b];
		if (seen > rank)
			return bucket_mid(b);
	}
	return bucket_mid(HL_HIST - 1);
}

/* Milliseconds since v's last call, or since its load or last state change. */
uint64_t hl_version_idle_ms(const struct xdperf_registry *r, const struct hl_version *v)
{
	uint64_t last = v->touched_ns;
	for (uint32_t i = 0; i < r->nslots; i++) {
		const struct hl_slot *s = atomic_load_explicit(&v->slots[i], memory_order_acquire);
		uint64_t l = s ? atomic_load_explicit(&s->last_ns, memory_order_relaxed) : 0;
		if (l > last)
			last = l;
	}
	uint64_t now = hl_coarse_ns();
	return now > last ? (now - last) / 1000000u : 0;
}

void hl_version_stats(const struct xdperf_registry *r, const struct hl_version *v,
		      struct xdperf_version_info *info)
{
	uint64_t hist[HL_HIST];
	memset(hist, 0, sizeof hist);
	uint64_t total = 0;
	for (uint32_t i = 0; i < r->nslots; i++) {
		const struct hl_slot *s = atomic_load_explicit(&v->slots[i], memory_order_acquire);
		if (!s)
			continue;
		info->calls += get(&s->calls);
		info->errors += get(&s->errors);
		info->traps += get(&s->traps);
		info->fuel += get(&s->fuel);
		info->memory_cap += get(&s->memcap);
		info->bad_output += get(&s->badout);
		info->memory_bytes += get(&s->mem_bytes);
		if (atomic_load_explicit(&s->inst, memory_order_acquire))
			info->instances++;
		for (unsigned b = 0; b < HL_HIST; b++) {
			uint64_t c = get(&s->hist[b]);
			hist[b] += c;
			total += c;
		}
	}
	info->module_bytes = v->module_bytes;
	info->load_us = v->load_us;
	info->memory_bytes += v->module_bytes;
	info->p50_ns = percentile(hist, total, 0.50);
	info->p99_ns = percentile(hist, total, 0.99);
	info->idle_ms = hl_version_idle_ms(r, v);
}
