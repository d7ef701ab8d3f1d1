/* Server mode (include/xdperf/server.h): opens the receive backend (XDP, else AF_PACKET),
 * runs the analysis thread that hands stamps to the stream table and samples to the
 * verifier, the control listener, and answers stats / reset / report. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "datapath/device.h"
#include "server/server_int.h"
#include "util/err.h"
#include "util/opts.h"

static void on_stamp(void *ctx, uint32_t run, uint32_t stream, uint64_t seq, uint64_t tx,
		     uint64_t rx)
{
	struct xdperf_server *s = ctx;
	srv_streams_add(s->streams, run, stream, seq, tx, rx); /* under s->lock (analysis thread) */
}

static bool on_sample(void *ctx, const struct xdperf_bpf_srv_sample *smp)
{
	struct xdperf_server *s = ctx;
	return s->verifier ? srv_verifier_push(s->verifier, smp) : true;
}

static void *analysis_main(void *arg)
{
	struct xdperf_server *s = arg;
	while (!atomic_load(&s->quit)) {
		pthread_mutex_lock(&s->lock);
		s->rx->poll(s->rx, false);
		pthread_mutex_unlock(&s->lock);
		/* wait outside the lock (stats, reset and report take it) */
		s->rx->wait(s->rx);
	}
	return NULL;
}

const char *xdperf_server_mode_name(const struct xdperf_server *s)
{
	return s->rx->name;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void sub(struct xdperf_server_stats *st, const struct xdperf_bpf_srv_cpu *now,
		const struct xdperf_bpf_srv_cpu *b)
{
	st->packets = now->packets - b->packets;
	st->bytes = now->bytes - b->bytes;
	st->passed = now->passed - b->passed;
	st->stamped = now->stamped - b->stamped;
	st->unstamped = now->unstamped - b->unstamped;
	st->ring_full = now->ring_full - b->ring_full;
	st->sampled = now->sampled - b->sampled;
	st->sample_full = now->sample_full - b->sample_full;
	st->reflected = now->reflected - b->reflected;
	st->not_reflected = now->not_reflected - b->not_reflected;
	st->reflect_failed = now->reflect_failed - b->reflect_failed;
}

/* st from the counters `now` (read before now_ns) against the baseline b, with the whole wait
 * and, when `active`, the first and last frame since t0 (all ns of the backend's clock). */
static void fill(struct xdperf_server_stats *st, const struct xdperf_bpf_srv_cpu *now,
		 const struct xdperf_bpf_srv_cpu *b, uint64_t t0, uint64_t now_ns, bool active)
{
	memset(st, 0, sizeof *st);
	sub(st, now, b);
	st->seconds = now_ns > t0 ? (double)(now_ns - t0) / 1e9 : 0;
	if (active && now->first_ns && now->first_ns >= t0) {
		uint64_t last = now->last_ns > now->first_ns ? now->last_ns : now->first_ns;
		st->first_s = (double)(now->first_ns - t0) / 1e9;
		st->last_s = (double)(last - t0) / 1e9;
		st->active_s = (double)(last - now->first_ns) / 1e9;
		st->first_bytes = now->first_len;
	}
}

int xdperf_server_stats(struct xdperf_server *s, struct xdperf_server_stats *st)
{
	struct xdperf_bpf_srv_cpu now;
	pthread_mutex_lock(&s->lock);
	int e = s->rx->counters(s->rx, &now);
	if (!e) {
		fill(st, &now, &s->base, s->t0_ns, clock_ns(s->rx->clock), true);
		st->distinct = srv_streams_distinct(s->streams);
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}

int xdperf_server_stats_since_open(struct xdperf_server *s, struct xdperf_server_stats *st)
{
	struct xdperf_bpf_srv_cpu now;
	pthread_mutex_lock(&s->lock);
	int e = s->rx->counters(s->rx, &now);
	if (!e)
		fill(st, &now, &s->open_base, s->open_ns, clock_ns(s->rx->clock), false);
	pthread_mutex_unlock(&s->lock);
	return e;
}

/* Restarts counting now: the baseline, the time and the backend's first frame (locked). */
static void restart(struct xdperf_server *s)
{
	s->t0_ns = clock_ns(s->rx->clock);
	s->rx->restart(s->rx, s->t0_ns);
	(void)s->rx->counters(s->rx, &s->base);
}

void xdperf_server_reset(struct xdperf_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->rx->poll(s->rx, true); /* what arrived before the reset goes */
	srv_streams_clear(s->streams);
	restart(s);
	if (s->verifier)
		srv_verifier_reset(s->verifier);
	pthread_mutex_unlock(&s->lock);
}

int xdperf_server_report(struct xdperf_server *s, struct xdperf_server_report **out)
{
	struct xdperf_server_report *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	snprintf(r->device, sizeof r->device, "%s", s->ifname);
	snprintf(r->mode, sizeof r->mode, "%s", s->rx->name);
	r->port = s->o.port;
	r->stamp = s->o.stamp;
	r->reflect = s->o.reflect;
	pthread_mutex_lock(&s->lock);
	s->rx->poll(s->rx, false); /* everything that arrived so far */
	struct xdperf_bpf_srv_cpu now;
	int e = s->rx->counters(s->rx, &now);
	if (!e) {
		fill(&r->stats, &now, &s->base, s->t0_ns, clock_ns(s->rx->clock), true);
		r->stats.distinct = srv_streams_distinct(s->streams);
		e = srv_streams_report(s->streams, r);
	}
	pthread_mutex_unlock(&s->lock);
	if (s->verifier)
		srv_verifier_report(s->verifier, r);
	if (e) {
		xdperf_server_report_free(r);
		return e;
	}
	*out = r;
	return 0;
}

void xdperf_server_close(struct xdperf_server *s)
{
	if (!s)
		return;
	srv_control_stop(s->control);
	if (s->th) {
		atomic_store(&s->quit, true);
		pthread_join(s->th, NULL);
	}
	if (s->rx)
		s->rx->close(s->rx);
	srv_verifier_stop(s->verifier);
	srv_streams_free(s->streams);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int xdperf_server_open(const char *ifname, const struct xdperf_server_opts *opts,
		       struct xdperf_server **out, char *err, size_t errlen)
{
	struct xdperf_server_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	o.sz = sizeof o;
	if (!out || o.mode > XDPERF_SERVER_AFPACKET) {
		xdperf_errf(err, errlen, "invalid server options (mode)");
		return -EINVAL;
	}
	if (o.verifier && !o.sample_every)
		o.sample_every = 1000;
	int ifindex, e;
	if ((e = dp_device_check(ifname, &ifindex, err, errlen)))
		return e;
	struct xdperf_server *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	snprintf(s->ifname, sizeof s->ifname, "%s", ifname);
	s->o = o;
	pthread_mutex_init(&s->lock, NULL);
	if (!(s->streams = srv_streams_new())) {
		e = -ENOMEM;
		xdperf_errf(err, errlen, "out of memory");
		goto fail;
	}
	if (o.verifier && (e = srv_verifier_start(&o, &s->verifier, err, errlen)))
		goto fail;
	struct srv_rx_cfg cfg = { .ifindex = ifindex, .ifname = s->ifname, .port = o.port,
				  .stamp = o.stamp, .sample_every = o.verifier ? o.sample_every : 0,
				  .reflect = o.reflect,
				  .sink = { on_stamp, on_sample, s } };
	if (o.mode != XDPERF_SERVER_AFPACKET) {
		e = srv_rx_xdp_open(&cfg, &s->rx, err, errlen);
		if (e && o.mode == XDPERF_SERVER_AUTO && e != -EPERM && e != -EACCES) {
			char msg[600];
			snprintf(msg, sizeof msg, "%s; receiving with AF_PACKET instead", err);
			if (o.notice)
				o.notice(o.notice_ctx, msg);
			e = srv_rx_afpacket_open(&cfg, &s->rx, err, errlen);
		}
	} else {
		e = srv_rx_afpacket_open(&cfg, &s->rx, err, errlen);
	}
	if (e)
		goto fail;
	restart(s);
	s->open_ns = s->t0_ns;
	s->open_base = s->base;
	if (o.control && (e = srv_control_start(s, o.control, &s->control, err, errlen)))
		goto fail;
	if (pthread_create(&s->th, NULL, analysis_main, s)) {
		s->th = 0;
		e = -EAGAIN;
		xdperf_errf(err, errlen, "cannot start the analysis thread");
		goto fail;
	}
	s->o.control = NULL; /* not kept: the caller's strings */
	s->o.verifier = NULL;
	s->o.verifier_config = NULL;
	*out = s;
	return 0;
fail:
	xdperf_server_close(s);
	return e;
}
