/* Store of module-reported metric values (host_report_metric) for /metrics: per (ID@VERSION,
 * metric name) a series, bounded in number (include/xdperf/admin.h), holding each worker's share:
 * the last value of the instance that reported last and, for counters, the last values of that
 * worker's earlier instances, so that a counter summed over workers and instances never loses
 * what a freed instance had counted. Written from worker threads, read by the metrics renderer. */
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
	for (size_t i = 0; i < m->n; i++)
		free(m->s[i].parts);
	free(m->s);
	free(m);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* The series (name, metric), created when there is room; NULL otherwise. */
static struct ms_series *series_get(struct xdperf_metric_store *m, const char *name, const char *metric)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->s[i].metric, metric) && !strcmp(m->s[i].name, name))
			return &m->s[i];
	if (m->n >= m->max || strlen(name) >= sizeof m->s->name || strlen(metric) >= sizeof m->s->metric)
		return NULL;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct ms_series *ns = realloc(m->s, nc * sizeof *ns);
		if (!ns)
			return NULL;
		m->s = ns;
		m->cap = nc;
	}
	struct ms_series *s = &m->s[m->n++];
	memset(s, 0, sizeof *s);
	strcpy(s->name, name);
	strcpy(s->metric, metric);
	s->counter = ends_with(metric, "_total");
	return s;
}

/* The worker's part of s, created (NULL only when out of memory). */
static struct ms_part *part_get(struct ms_series *s, int32_t worker)
{
	for (size_t i = 0; i < s->nparts; i++)
		if (s->parts[i].worker == worker)
			return &s->parts[i];
	if (s->nparts == s->capparts) {
		size_t nc = s->capparts ? s->capparts * 2 : 4;
		struct ms_part *np = realloc(s->parts, nc * sizeof *np);
		if (!np)
			return NULL;
		s->parts = np;
		s->capparts = nc;
	}
	struct ms_part *p = &s->parts[s->nparts++];
	memset(p, 0, sizeof *p);
	p->worker = worker;
	return p;
}

/* The instance src->instance is being freed: its last values stay in the counters' sums, its
 * gauges end. */
static void instance_gone(struct xdperf_metric_store *m, const char *name, const struct xdperf_metric_source *src)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->s[i].name, name))
			continue;
		for (size_t j = 0; j < m->s[i].nparts; j++) {
			struct ms_part *p = &m->s[i].parts[j];
			if (p->worker == src->worker && p->live && p->instance == src->instance) {
				p->gone += p->value;
				p->value = 0;
				p->instance = 0;
				p->live = false;
			}
		}
	}
}

void xdperf_metric_store_record(void *store, const char *name, const char *metric, double value, uint64_t ts_ns,
				const struct xdperf_metric_source *src)
{
	struct xdperf_metric_store *m = store;
	(void)ts_ns;
	if (!m || !name)
		return;
	static const struct xdperf_metric_source unknown = { .worker = XDPERF_WORKER_NONE, .instance = 0 };
	if (!src)
		src = &unknown;
	pthread_mutex_lock(&m->lock);
	if (!metric) {
		instance_gone(m, name, src);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	struct ms_series *s = series_get(m, name, metric);
	struct ms_part *p = s ? part_get(s, src->worker) : NULL;
	if (p) {
		if (!p->live || p->instance != src->instance) { /* a new instance of this worker */
			p->gone += p->value;
			p->instance = src->instance;
			p->live = true;
		}
		p->value = value;
		s->seen_ns = ms_now_ns();
		s->count++;
	} else {
		m->dropped++;
	}
	pthread_mutex_unlock(&m->lock);
}

double ms_counter_value(const struct ms_series *s)
{
	double v = 0;
	for (size_t i = 0; i < s->nparts; i++)
		v += s->parts[i].gone + s->parts[i].value;
	return v;
}

void ms_snapshot_free(struct ms_series *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i].parts);
	free(s);
}

int ms_snapshot(struct xdperf_metric_store *m, struct ms_series **out, size_t *n, uint64_t *dropped)
{
	pthread_mutex_lock(&m->lock);
	struct ms_series *c = calloc(m->n ? m->n : 1, sizeof *c);
	size_t i = 0;
	for (; c && i < m->n; i++) {
		c[i] = m->s[i];
		c[i].parts = malloc((m->s[i].nparts ? m->s[i].nparts : 1) * sizeof *c[i].parts);
		if (!c[i].parts)
			break;
		if (m->s[i].nparts)
			memcpy(c[i].parts, m->s[i].parts, m->s[i].nparts * sizeof *c[i].parts);
		c[i].capparts = c[i].nparts;
	}
	*n = i;
	*dropped = m->dropped;
	bool ok = c && i == m->n;
	pthread_mutex_unlock(&m->lock);
	if (!ok) {
		ms_snapshot_free(c, i);
		c = NULL;
	}
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
	for (size_t i = 0; i < m->n; i++) {
		if (m->s[i].seen_ns >= since_ns || keep(ctx, m->s[i].name))
			m->s[j++] = m->s[i];
		else
			free(m->s[i].parts);
	}
	m->n = j;
	pthread_mutex_unlock(&m->lock);
}
