/* Stamp analysis per stream: a stream is one sender thread's frames of one template in one
 * generator run (the trailer's run identity), so runs never mix. A stream remembers the highest sequence number seen and which of
 * the SRV_WINDOW numbers below it have arrived: a number above the highest moves the window
 * (the numbers skipped are missing for now), one inside it is a duplicate when already seen,
 * else a late (reordered) arrival. Lost = numbers from the lowest to the highest seen minus
 * the distinct ones received: losses after the last frame that arrived are only known to the
 * sender (the control connection's report compares with what it sent). The report carries
 * each latency histogram's non-empty buckets (hist.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "server/hist.h"
#include "server/streams.h"

#define SRV_SLOTS (2 * SRV_STREAMS_MAX)

struct stream {
	uint32_t run;
	uint32_t id;
	uint64_t received, unique, duplicated, reordered;
	uint64_t lo, hi;       /* lowest and highest sequence number seen */
	uint64_t negative;
	uint64_t seen[SRV_WINDOW / 64]; /* bit (seq % SRV_WINDOW): arrived, for hi-WINDOW < seq <= hi */
	struct srv_hist lat;
};

struct srv_streams {
	struct stream *s[SRV_SLOTS]; /* open addressing by id */
	uint32_t n;
	uint64_t over;
	uint64_t distinct;      /* sum of the streams' unique */
	struct srv_hist total;  /* every latency sample */
	uint64_t total_negative;
};

struct srv_streams *srv_streams_new(void)
{
	return calloc(1, sizeof(struct srv_streams));
}

void srv_streams_clear(struct srv_streams *s)
{
	for (uint32_t i = 0; i < SRV_SLOTS; i++) {
		free(s->s[i]);
		s->s[i] = NULL;
	}
	s->n = 0;
	s->over = 0;
	s->distinct = 0;
	memset(&s->total, 0, sizeof s->total);
	s->total_negative = 0;
}

void srv_streams_free(struct srv_streams *s)
{
	if (!s)
		return;
	srv_streams_clear(s);
	free(s);
}

static struct stream *find(struct srv_streams *s, uint32_t run, uint32_t id)
{
	uint32_t h = (uint32_t)(((uint64_t)run << 32 | id) * 0x9e3779b97f4a7c15ull >> 40) % SRV_SLOTS;
	for (uint32_t k = 0; k < SRV_SLOTS; k++) {
		struct stream *st = s->s[(h + k) % SRV_SLOTS];
		if (!st)
			break;
		if (st->id == id && st->run == run)
			return st;
	}
	if (s->n >= SRV_STREAMS_MAX)
		return NULL;
	struct stream *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->id = id;
	st->run = run;
	for (uint32_t k = 0;; k++)
		if (!s->s[(h + k) % SRV_SLOTS]) {
			s->s[(h + k) % SRV_SLOTS] = st;
			break;
		}
	s->n++;
	return st;
}

static inline bool bit_test(const struct stream *st, uint64_t q)
{
	uint64_t b = q % SRV_WINDOW;
	return st->seen[b / 64] >> (b % 64) & 1;
}

static inline void bit_set(struct stream *st, uint64_t q, bool on)
{
	uint64_t b = q % SRV_WINDOW;
	if (on)
		st->seen[b / 64] |= 1ull << (b % 64);
	else
		st->seen[b / 64] &= ~(1ull << (b % 64));
}

void srv_streams_add(struct srv_streams *s, uint32_t run, uint32_t id, uint64_t seq,
		     uint64_t tx_ns, uint64_t rx_ns)
{
	struct stream *st = find(s, run, id);
	if (!st) {
		s->over++;
		return;
	}
	st->received++;
	uint64_t before = st->unique;
	if (st->received == 1) {
		st->lo = st->hi = seq;
		st->unique = 1;
		bit_set(st, seq, true);
	} else if (seq > st->hi) {
		if (seq - st->hi >= SRV_WINDOW) {
			memset(st->seen, 0, sizeof st->seen);
		} else {
			for (uint64_t q = st->hi + 1; q < seq; q++)
				bit_set(st, q, false);
		}
		bit_set(st, seq, true);
		st->hi = seq;
		st->unique++;
	} else if (st->hi - seq < SRV_WINDOW) {
		if (bit_test(st, seq)) {
			st->duplicated++;
		} else {
			bit_set(st, seq, true);
			st->unique++;
			st->reordered++;
		}
	} else {
		/* older than the window: cannot tell a duplicate, counted as a late arrival */
		st->unique++;
		st->reordered++;
	}
	s->distinct += st->unique - before;
	if (seq < st->lo)
		st->lo = seq;
	uint64_t lat = 0;
	if (rx_ns >= tx_ns) {
		lat = rx_ns - tx_ns;
	} else {
		st->negative++;
		s->total_negative++;
	}
	srv_hist_add(&st->lat, lat);
	srv_hist_add(&s->total, lat);
}

uint64_t srv_streams_distinct(const struct srv_streams *s)
{
	return s->distinct;
}

static int latency(const struct srv_hist *h, uint64_t negative, struct xdperf_latency *l)
{
	l->count = h->count;
	l->negative = negative;
	l->min_ns = h->count ? h->min : 0;
	l->max_ns = h->max;
	l->avg_ns = h->count ? h->sum / (double)h->count : 0;
	l->p50_ns = srv_hist_quantile(h, 0.50);
	l->p99_ns = srv_hist_quantile(h, 0.99);
	l->p999_ns = srv_hist_quantile(h, 0.999);
	return srv_hist_buckets(h, &l->hist, &l->nhist);
}

static int by_id(const void *a, const void *b)
{
	const struct xdperf_stream_report *x = a, *y = b;
	uint64_t p = (uint64_t)x->run << 32 | x->stream, q = (uint64_t)y->run << 32 | y->stream;
	return p < q ? -1 : p > q;
}

/* The runs of r's streams (sorted by run), summed. 0 or -ENOMEM. */
static int runs_of(struct xdperf_server_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nstreams; i++)
		n += i == 0 || r->streams[i].run != r->streams[i - 1].run;
	r->runs = n ? calloc(n, sizeof *r->runs) : NULL;
	if (n && !r->runs)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < r->nstreams; i++) {
		const struct xdperf_stream_report *o = &r->streams[i];
		if (i == 0 || o->run != r->streams[i - 1].run)
			r->runs[k++].run = o->run;
		struct xdperf_run_report *u = &r->runs[k - 1];
		u->nstreams++;
		u->received += o->received;
		u->unique += o->unique;
		u->lost += o->lost;
		u->duplicated += o->duplicated;
		u->reordered += o->reordered;
	}
	r->nruns = n;
	return 0;
}

int srv_streams_report(const struct srv_streams *s, struct xdperf_server_report *r)
{
	r->streams = s->n ? calloc(s->n, sizeof *r->streams) : NULL;
	if (s->n && !r->streams)
		return -ENOMEM;
	size_t k = 0;
	int e = 0;
	struct xdperf_stream_report *t = &r->total;
	memset(t, 0, sizeof *t);
	for (uint32_t i = 0; i < SRV_SLOTS; i++) {
		const struct stream *st = s->s[i];
		if (!st)
			continue;
		struct xdperf_stream_report *o = &r->streams[k++];
		o->stream = st->id;
		o->run = st->run;
		o->received = st->received;
		o->unique = st->unique;
		o->duplicated = st->duplicated;
		o->reordered = st->reordered;
		o->first_seq = st->lo;
		o->last_seq = st->hi;
		uint64_t span = st->hi - st->lo + 1;
		o->lost = span > st->unique ? span - st->unique : 0;
		if (latency(&st->lat, st->negative, &o->latency))
			e = -ENOMEM;
		t->received += o->received;
		t->unique += o->unique;
		t->duplicated += o->duplicated;
		t->reordered += o->reordered;
		t->lost += o->lost;
	}
	if (k)
		qsort(r->streams, k, sizeof *r->streams, by_id);
	r->nstreams = k;
	r->streams_over_limit = s->over;
	if (latency(&s->total, s->total_negative, &t->latency))
		e = -ENOMEM;
	return e ? e : runs_of(r);
}
