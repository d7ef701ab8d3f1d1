/* Multi-stream transmit runs (xdperf_tx_new_streams, include/xdperf/tx.h): several streams,
 * each with its own templates, rate or bitrate, count, duration, start offset and burst
 * pattern, sent together by the run's sender threads. The streams' templates form one ordered
 * set (backend.h): each sender thread merges the frames its streams have due into a send list,
 * earliest due first, and names every frame's template itself, so each stream's counts are
 * exact and its frames keep their own pace whatever the others do. Streams without a rate fill
 * the rest of each list, in turn. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "datapath/run_int.h"
#include "packet/schedule.h"
#include "packet/stamp.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/opts.h"

#define SS_MAX 256            /* streams in a run */
#define SS_SLEEP_MAX 0.05     /* longest sleep between looks at the stop request */
#define SS_STALL_SHIFT 0.05   /* as run.c's STALL_SHIFT */
#define SS_CALL_PACED 0.0005  /* longest send call while paced streams have frames left: their
			       * frames wait at most about this for the call before */
#define SS_CALL 0.005         /* longest send call otherwise (as run.c's CALL_SECONDS) */
#define SS_LIST_MIN 64u       /* frames a list may always hold */

void tx_streams_free(struct xdperf_tx *tx)
{
	for (unsigned k = 0; k < tx->nss; k++)
		free(tx->ss[k].cyc);
	free(tx->ss);
	tx->ss = NULL;
	tx->nss = 0;
}

/* When stream frame j is due (monotonic seconds), the stream starting at t0 + start. */
static double ss_due(const struct tx_ss *sp, double t0, uint64_t j)
{
	double k = sp->burst > 1 ? floor((double)j / sp->burst) * sp->burst : (double)j;
	return t0 + sp->start + k / sp->rate;
}

static int ss_check(const struct xdperf_tx_stream_opts *so, size_t k, char *err, size_t errlen)
{
	const char *nm = so->name && *so->name ? so->name : "";
	if (!so->frames || so->nframes < 1) {
		xdperf_errf(err, errlen, "stream %zu%s%s: no frames", k, *nm ? " " : "", nm);
		return -EINVAL;
	}
	if (!(so->rate >= 0) || !isfinite(so->rate) || (so->rate > 0 && so->bitrate) ||
	    !(so->duration >= 0) || !isfinite(so->duration) || !(so->start >= 0) ||
	    !isfinite(so->start) || so->start > 1e9 || so->duration > 1e9) {
		xdperf_errf(err, errlen, "stream %zu%s%s: invalid options (rate or bitrate, not both; "
			    "duration and start >= 0)", k, *nm ? " " : "", nm);
		return -EINVAL;
	}
	if (so->burst > 1 && !(so->rate > 0 || so->bitrate)) {
		xdperf_errf(err, errlen, "stream %zu%s%s: a burst needs a rate (bursts come burst / "
			    "rate seconds apart)", k, *nm ? " " : "", nm);
		return -EINVAL;
	}
	return 0;
}

int xdperf_tx_new_streams(const char *ifname, const struct xdperf_tx_stream_opts *streams,
			  size_t nstreams, const struct xdperf_tx_opts *opts, struct xdperf_tx **out,
			  char *err, size_t errlen)
{
	if (!out || !streams || nstreams < 1 || nstreams > SS_MAX) {
		xdperf_errf(err, errlen, "between 1 and %d streams are needed, not %zu", SS_MAX,
			    nstreams);
		return -EINVAL;
	}
	struct xdperf_tx_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	o.sz = sizeof o;
	if (o.count || o.rate > 0 || o.rate_pps || o.bitrate || o.stamp) {
		xdperf_errf(err, errlen, "a multi-stream run takes count, rate, bitrate and stamps "
			    "per stream, not in its options");
		return -EINVAL;
	}
	if (o.mode > XDPERF_TX_AFPACKET || o.parallelism > 1024 || o.batch > 256 ||
	    o.duration < 0 || !isfinite(o.duration)) {
		xdperf_errf(err, errlen, "invalid transmit options (mode, parallelism 1-1024, batch "
			    "1-256, duration >= 0)");
		return -EINVAL;
	}
	size_t total = 0;
	bool any_stamp = false;
	for (size_t k = 0; k < nstreams; k++) {
		struct xdperf_tx_stream_opts so = { 0 };
		xdperf_opts_copy(&so, sizeof so, &streams[k]);
		int e = ss_check(&so, k, err, errlen);
		if (e)
			return e;
		total += so.nframes;
		any_stamp = any_stamp || so.stamp;
	}
	if (total > DP_TEMPLATES_MAX) {
		xdperf_errf(err, errlen, "the streams have %zu frames together (at most %u)", total,
			    DP_TEMPLATES_MAX);
		return -EINVAL;
	}
	struct xdperf_tx_frame *all = calloc(total, sizeof *all);
	uint8_t *nostamp = calloc(total, 1);
	struct tx_ss *ss = calloc(nstreams, sizeof *ss);
	if (!all || !nostamp || !ss) {
		free(all);
		free(nostamp);
		free(ss);
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	size_t at = 0;
	int e = 0;
	for (size_t k = 0; k < nstreams && !e; k++) {
		struct xdperf_tx_stream_opts so = { 0 };
		xdperf_opts_copy(&so, sizeof so, &streams[k]);
		struct tx_ss *sp = &ss[k];
		snprintf(sp->name, sizeof sp->name, "%s", so.name ? so.name : "");
		sp->first = (uint32_t)at;
		sp->n = (uint32_t)so.nframes;
		sp->count = so.count;
		sp->duration = so.duration;
		sp->start = so.start;
		sp->burst = so.burst ? so.burst : 1;
		sp->stamp = so.stamp;
		/* the stream's own order of its templates: by their rate_pps or weight, as a
		 * single-set run orders a set */
		uint64_t *w = calloc(so.nframes, sizeof *w);
		bool all_rates = true, all_weights = true;
		for (size_t i = 0; i < so.nframes; i++) {
			all_rates = all_rates && so.frames[i].rate_pps > 0;
			all_weights = all_weights && so.frames[i].weight > 0;
		}
		for (size_t i = 0; w && i < so.nframes; i++)
			w[i] = all_rates ? so.frames[i].rate_pps : so.frames[i].weight;
		e = w ? xdperf_schedule_build(all_rates || all_weights ? w : NULL, sp->n, DP_SCHED_MAX,
					      &sp->cyc, &sp->cyc_len) : -ENOMEM;
		free(w);
		if (e) {
			xdperf_errf(err, errlen, "out of memory");
			break;
		}
		double len_sum = 0;
		for (uint32_t i = 0; i < sp->cyc_len; i++) {
			len_sum += so.frames[sp->cyc[i]].len;
			sp->cyc[i] += sp->first;
		}
		sp->avg_len = len_sum / sp->cyc_len;
		sp->rate = so.rate > 0 ? so.rate :
			   so.bitrate ? (double)so.bitrate / (8.0 * sp->avg_len) : 0;
		for (size_t i = 0; i < so.nframes; i++, at++) {
			all[at] = so.frames[i];
			nostamp[at] = !so.stamp;
		}
	}
	unsigned nthreads = o.parallelism ? o.parallelism : 1;
	struct fset *fs = NULL;
	if (!e) {
		e = tx_fset_new(all, total, nthreads, any_stamp, any_stamp ? nostamp : NULL, &fs,
				err, errlen);
		if (e) {
			/* name the stream of the frame in the message */
			for (size_t k = 0; k < nstreams; k++) {
				char *p = strstr(err ? err : "", "frame ");
				unsigned long fi;
				if (p && sscanf(p, "frame %lu", &fi) == 1 && fi >= ss[k].first &&
				    fi < ss[k].first + ss[k].n) {
					char msg[600];
					snprintf(msg, sizeof msg, "stream %s: frame %lu: %s",
						 ss[k].name[0] ? ss[k].name : "?", fi - ss[k].first,
						 strchr(p, ':') ? strchr(p, ':') + 2 : p);
					xdperf_errf(err, errlen, "%s", msg);
					break;
				}
			}
		}
	}
	free(all);
	if (e) {
		free(nostamp);
		for (size_t k = 0; k < nstreams; k++)
			free(ss[k].cyc);
		free(ss);
		return e;
	}
	if (any_stamp)
		fs->nostamp = nostamp;
	else
		free(nostamp);
	fs->f.ordered = true;
	fs->sched[0] = 0;
	fs->f.sched_len = 1;
	o.stamp = any_stamp;
	struct xdperf_tx *tx;
	if ((e = tx_create(ifname, fs, &o, &tx, err, errlen))) {
		for (size_t k = 0; k < nstreams; k++)
			free(ss[k].cyc);
		free(ss);
		return e;
	}
	tx->ss = ss;
	tx->nss = (unsigned)nstreams;
	tx->rate = 0;
	for (size_t k = 0; k < nstreams; k++)
		tx->rate += ss[k].rate;
	*out = tx;
	return 0;
}

int tx_streams_init(struct xdperf_tx *tx, struct sender *senders, unsigned nt)
{
	for (unsigned i = 0; i < nt; i++) {
		struct sender *s = &senders[i];
		s->quota = 0;
		s->rate = 0;
		if (!(s->ss = calloc(tx->nss, sizeof *s->ss)))
			return -ENOMEM;
		for (unsigned k = 0; k < tx->nss; k++) {
			uint64_t c = tx->ss[k].count;
			/* thread i sends stream frames j = i (mod nt) */
			s->ss[k].quota = !c ? UINT64_MAX : c > i ? (c - 1 - i) / nt + 1 : 0;
		}
	}
	return 0;
}

void tx_streams_keep(struct xdperf_tx *tx, struct sender *senders, unsigned nt)
{
	for (unsigned k = 0; k < tx->nss; k++) {
		struct tx_ss *sp = &tx->ss[k];
		sp->first_s = sp->last_s = 0;
		double first = 0, last = 0;
		for (unsigned i = 0; i < nt; i++) {
			const struct ss_state *st = senders[i].ss ? &senders[i].ss[k] : NULL;
			if (!st || !st->first)
				continue;
			if (!first || st->first < first)
				first = st->first;
			if (st->last > last)
				last = st->last;
		}
		if (first) {
			sp->first_s = first - tx->t0;
			sp->last_s = last - tx->t0;
		}
	}
	for (unsigned i = 0; i < nt; i++) {
		free(senders[i].ss);
		senders[i].ss = NULL;
	}
}

/* The template of the stream's next frame (its cycle goes on), counted as handed over now. */
static uint32_t take(struct ss_state *st, const struct tx_ss *sp, double now)
{
	uint32_t t = sp->cyc[st->cpos];
	if (++st->cpos == sp->cyc_len)
		st->cpos = 0;
	st->m++;
	if (!st->first)
		st->first = now;
	st->last = now;
	return t;
}

/* Appends to list (n entries so far, at most DP_LIST_MAX) the frames due by now, earliest
 * first, then frames of the unpaced streams in turn; sets *next to when the next paced frame
 * (or unpaced start) is due and *live to whether any stream has frames left. */
static uint32_t fill_list(struct sender *s, double t0, double now, double deadline,
			  uint32_t *list, uint32_t cap, double *next, bool *live, bool *paced,
			  unsigned *rr)
{
	struct xdperf_tx *tx = s->tx;
	unsigned nt = tx->nt, K = tx->nss;
	uint32_t n = 0;
	*next = INFINITY;
	*live = false;
	*paced = false;
	for (;;) {
		int best = -1;
		double bd = INFINITY;
		for (unsigned k = 0; k < K; k++) {
			struct ss_state *st = &s->ss[k];
			const struct tx_ss *sp = &tx->ss[k];
			if (st->over || st->m >= st->quota)
				continue;
			if (sp->rate <= 0) {
				double from = t0 + sp->start;
				if ((sp->duration > 0 && now >= from + sp->duration) ||
				    (deadline > 0 && now >= deadline)) {
					st->over = true;
					continue;
				}
				*live = true;
				if (now < from && from < *next)
					*next = from;
				continue;
			}
			double d = ss_due(sp, t0, s->idx + st->m * nt);
			/* (paced: every frame due before the run's end goes, as in run.c) */
			if ((sp->duration > 0 && d >= t0 + sp->start + sp->duration) ||
			    (deadline > 0 && d >= deadline)) {
				st->over = true;
				continue;
			}
			*live = true;
			*paced = true;
			if (d <= now) {
				if (d < bd) {
					bd = d;
					best = (int)k;
				}
			} else if (d < *next) {
				*next = d;
			}
		}
		if (best < 0 || n == DP_LIST_MAX)
			break; /* (paced frames due are never held back by cap) */
		list[n++] = take(&s->ss[best], &tx->ss[best], now);
		dp_late_add(&s->late, now - bd, 1, 1.0);
	}
	/* the unpaced streams share what is left of the list, a frame each in turn */
	for (bool more = true; more && n < cap;) {
		more = false;
		for (unsigned i = 0; i < K && n < cap; i++) {
			unsigned k = (*rr + i) % K;
			struct ss_state *st = &s->ss[k];
			const struct tx_ss *sp = &tx->ss[k];
			if (sp->rate > 0 || st->over || st->m >= st->quota || now < t0 + sp->start)
				continue;
			list[n++] = take(st, sp, now);
			more = true;
		}
		*rr = (*rr + 1) % K;
	}
	return n;
}

/* One send_list call (n = 0: finish the frames an earlier call left). */
static int list_call(struct sender *s, struct dp_backend *be, void *w, const uint32_t *list,
		     uint32_t n)
{
	uint64_t done = 0;
	double idle_since = 0;
	atomic_fetch_add(&s->calls, 1);
	int e = be->send_list(w, list, n, &done, &idle_since, s->err, sizeof s->err);
	atomic_fetch_add(&s->calls, 1);
	double now = xdperf_mono();
	if (done)
		s->last = idle_since > 0 ? idle_since : now;
	s->idle = idle_since > 0 ? now - idle_since : 0;
	return e;
}

void tx_streams_loop(struct sender *s, struct dp_backend *be, void *w)
{
	struct xdperf_tx *tx = s->tx;
	uint32_t *list = malloc(DP_LIST_MAX * sizeof *list);
	if (!list || !be->send_list) {
		s->rc = list ? -EOPNOTSUPP : -ENOMEM;
		snprintf(s->err, sizeof s->err, "%s: %s", be->name,
			 list ? "this backend cannot send a multi-stream run" : "out of memory");
		tx_set_quit(tx);
		free(list);
		return;
	}
	double t0 = tx->t0, deadline = tx->deadline;
	bool first = true, owed = false, paced = false;
	unsigned rr = 0;
	/* unpaced frames per list: calls of about SS_CALL_PACED while paced streams go on (their
	 * frames wait for the call in progress), else SS_CALL, from the time a frame took */
	double per = 0;
	uint32_t cap = SS_LIST_MIN;
	for (;;) {
		if (tx_should_stop(tx))
			break;
		double now = xdperf_mono();
		if (deadline > 0 && now >= deadline + DEADLINE_GRACE)
			break;
		if (atomic_load_explicit(&tx->hold, memory_order_relaxed)) {
			/* no carrier: the streams' schedules resume where they were */
			t0 += tx_hold_on(tx, deadline);
			continue;
		}
		uint32_t n = 0;
		if (!owed) {
			double next;
			bool live;
			n = fill_list(s, t0, now, deadline, list, cap, &next, &live, &paced, &rr);
			if (!n) {
				if (!live)
					break;
				if (deadline > 0 && next > deadline)
					next = deadline;
				if (next > now + SS_SLEEP_MAX)
					next = now + SS_SLEEP_MAX;
				xdperf_sleep_until(next);
				continue;
			}
		}
		double c0 = xdperf_mono();
		int e = list_call(s, be, w, list, n);
		owed = false;
		if (!e && n >= SS_LIST_MIN && s->idle <= 0) {
			double dt = (xdperf_mono() - c0) / n;
			per = per > 0 ? 0.8 * per + 0.2 * dt : dt;
		}
		if (per > 0) {
			double want = (paced ? SS_CALL_PACED : SS_CALL) / per;
			cap = want < SS_LIST_MIN ? SS_LIST_MIN : want > DP_LIST_MAX ? DP_LIST_MAX :
			      (uint32_t)want;
		}
		if (s->idle > SS_STALL_SHIFT)
			t0 += s->idle; /* the device stalled: no burst to make up for it */
		if (dp_xdp_unusable(e) && first && !strcmp(be->name, "xdp")) {
			/* XDP cannot be used here: nothing was sent, fall back */
			atomic_store(&tx->refused, 1);
			s->rc = e;
			tx_set_quit(tx);
			break;
		}
		first = false;
		if (e == -EINTR)
			break;
		if (e == -EAGAIN) {
			owed = true; /* no carrier: hold, then finish this list */
			continue;
		}
		if (e) {
			s->rc = e;
			tx_set_quit(tx);
			break;
		}
	}
	free(list);
}

int xdperf_tx_stream_stats(struct xdperf_tx *tx, struct xdperf_tx_sstats *out, size_t n)
{
	if (!tx || !tx->nss || !out || n > tx->nss)
		return -EINVAL;
	memset(out, 0, n * sizeof *out);
	uint32_t ntmpl = tx->set->f.n;
	unsigned nt = tx->nt;
	struct dp_stream *c = NULL;
	bool own = false;
	pthread_mutex_lock(&tx->swap_lock);
	if (tx->be && tx->nsenders) {
		c = calloc((size_t)nt * ntmpl, sizeof *c);
		if (c) {
			tx->be->streams(tx->be, c, nt, ntmpl);
			own = true;
		}
	} else if (tx->ran && tx->streams && tx->streams_n == ntmpl) {
		c = tx->streams;
		nt = tx->streams_nt;
	}
	pthread_mutex_unlock(&tx->swap_lock);
	if (!c)
		return tx->ran ? -ENOMEM : -EAGAIN;
	for (size_t k = 0; k < n; k++) {
		const struct tx_ss *sp = &tx->ss[k];
		for (unsigned i = 0; i < nt; i++)
			for (uint32_t t = sp->first; t < sp->first + sp->n; t++) {
				const struct dp_stream *d = &c[(size_t)i * ntmpl + t];
				out[k].packets += d->packets;
				out[k].bytes += d->bytes;
				out[k].refused += d->refused;
			}
		out[k].rate = sp->rate;
		if (!own) {
			out[k].first_s = sp->first_s;
			out[k].last_s = sp->last_s;
		}
	}
	if (own)
		free(c);
	return 0;
}
