/* Store of module-reported metric values (host_report_metric) for /metrics: the last value, its
 * timestamp and a report count per (ID@VERSION, metric name), bounded in series count
 * (include/xdperf/admin.h). Written from worker threads, read by the metrics renderer. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl/metric_store.h"

struct xdperf_metric_store {
	pthread_mutex_t lock;
	struct ms_series *s;
	size_t n, cap, max;
	uint64_t dropped;
};

int xdperf_metric_store_new(uint32_t max_series, struct xdperf_metric_store **out)
{
	struct xdperf_metric_store *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->max = max_series ? max_series : 1024;
	*out = m;
	return 0;
}

void xdperf_metric_store_free(struct xdperf_metric_store *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->s);
	free(m);
}

void xdperf_metric_store_record(void *store, const char *name, const char *metric, double value, uint64_t ts_ns)
{
	struct xdperf_metric_store *m = store;
	if (!m || !name || !metric)
		return;
	pthread_mutex_lock(&m->lock);
	struct ms_series *hit = NULL;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->s[i].metric, metric) && !strcmp(m->s[i].name, name)) {
			hit = &m->s[i];
			break;
		}
	if (!hit && m->n < m->max && strlen(name) < sizeof hit->name && strlen(metric) < sizeof hit->metric) {
		if (m->n == m->cap) {
			size_t nc = m->cap ? m->cap * 2 : 16;
			struct ms_series *ns = realloc(m->s, nc * sizeof *ns);
			if (ns) {
				m->s = ns;
				m->cap = nc;
			}
		}
		if (m->n < m->cap) {
			hit = &m->s[m->n++];
			memset(hit, 0, sizeof *hit);
			strcpy(hit->name, name);
			strcpy(hit->metric, metric);
		}
	}
	if (hit) {
		hit->seen_ns = ms_now_ns();
		hit->value = value;
		hit->ts_ns = ts_ns;
		hit->count++;
	} else {
		m->dropped++;
	}
	pthread_mutex_unlock(&m->lock);
}

int ms_snapshot(struct xdperf_metric_store *m, struct ms_series **out, size_t *n, uint64_t *dropped)
{
	pthread_mutex_lock(&m->lock);
	struct ms_series *c = malloc((m->n ? m->n : 1) * sizeof *c);
	if (c) {
		if (m->n)
			memcpy(c, m->s, m->n * sizeof *c);
		*n = m->n;
		*dropped = m->dropped;
	}
	pthread_mutex_unlock(&m->lock);
	*out = c;
	return c ? 0 : -ENOMEM;
}

uint64_t ms_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ms_forget(struct xdperf_metric_store *m, bool (*keep)(void *ctx, const char *name), void *ctx,
	       uint64_t since_ns)
{
	pthread_mutex_lock(&m->lock);
	size_t j = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->s[i].seen_ns >= since_ns || keep(ctx, m->s[i].name))
			m->s[j++] = m->s[i];
	m->n = j;
	pthread_mutex_unlock(&m->lock);
}
