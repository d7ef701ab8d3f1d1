/* Capture replay on a device (include/xdperf/replay.h). A reader thread turns the capture
 * (src/packet/replay_src.h: passes, rewriting, due times) into chunks of up to
 * DP_TEMPLATES_MAX frames, each a backend frame set whose schedule is 0..n-1, a few chunks
 * ahead of the sender; one pinned sender thread gives the backend (src/datapath/backend.h) the
 * first chunk at open and swaps to each next one once every frame of the current one went out
 * (so frames never mix and their order is the capture's), sending each frame when it is due.
 * The calling thread reports progress once a second, ends the run at its duration and watches
 * the device (removed, carrier lost: the sender holds, and the run ends after the stall
 * timeout; an MTU lowered below the frames). */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include "datapath/backend.h"
#include "datapath/late.h"
#include "datapath/device.h"
#include "datapath/link.h"
#include "packet/replay_src.h"
#include "packet/rewrite.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/opts.h"
#include "xdperf/replay.h"

#define NCHUNKS 4                       /* chunks in memory: sent, sending, read ahead */
#define CHUNK_BYTES (DP_TEMPLATES_MAX * 2048u) /* frame bytes per chunk at most */
#define SLEEP_MAX 0.05                  /* longest sleep between looks at the stop request */
#define LINK_EVERY 0.1
#define STALL_DEFAULT 5.0

struct chunk {
	struct dp_frames f;
	uint8_t *bytes;                     /* CHUNK_BYTES */
	const uint8_t *frame[DP_TEMPLATES_MAX];
	uint16_t len[DP_TEMPLATES_MAX];
	double due[DP_TEMPLATES_MAX];       /* seconds from the run's start */
	bool pass_end[DP_TEMPLATES_MAX];
	uint32_t n;
	bool last;                          /* no chunk follows */
};

struct xdperf_replay {
	char ifname[IF_NAMESIZE + 1];
	int ifindex;
	char *path;
	struct xdperf_replay_opts o;
	struct xdperf_rewrite rw;
	struct replay_src_cfg cfg;
	struct replay_src src;             /* the reader thread's */
	bool ran;
	int cpu;

	/* chunks: produced by the reader, released by the sender */
	struct chunk *ch[NCHUNKS];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t produced, released;
	bool reader_done;
	int reader_rc;
	char reader_err[512];

	atomic_int stop;                   /* xdperf_replay_stop() */
	atomic_int halt;                   /* stop, duration, failure: senders and backends look */
	atomic_int hold;                   /* no carrier: the sender waits */
	struct dp_run run;
	struct dp_backend *be;             /* under lock */
	const char *mode;

	/* the sender's */
	atomic_uint_fast64_t packets, bytes;
	atomic_bool sending;               /* the first frame went (t0 set) */
	atomic_bool sender_done;
	double t0;                         /* the schedule's start (shifted by holds, stalls) */
	double t_first;                    /* when the first frame went */
	double last_sent;                  /* when the last frame went (monotonic) */
	double last_due;
	uint64_t loops, chunks;
	struct dp_late late;                /* how late the timed frames went */
	int send_rc;
	char send_err[512];
	double held;
	int fail_rc;
	char fail[512];
	struct dp_totals totals;
	unsigned need_mtu;                 /* the MTU the frames need (the prescan's) */
};

/* Every chunk's schedule: its frames in order. */
static uint32_t identity[DP_TEMPLATES_MAX];
static pthread_once_t identity_once = PTHREAD_ONCE_INIT;

static void identity_init(void)
{
	for (uint32_t i = 0; i < DP_TEMPLATES_MAX; i++)
		identity[i] = i;
}

static const uint32_t *identity_sched(void)
{
	pthread_once(&identity_once, identity_init);
	return identity;
}


static bool halted(struct xdperf_replay *r)
{
	return atomic_load_explicit(&r->halt, memory_order_relaxed) != 0;
}

/* The run's failure (the first one counts); from the sender or the runner thread. */
static void set_fail(struct xdperf_replay *r, int rc, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (!r->fail_rc) {
		r->fail_rc = rc;
		xdperf_errf(r->fail, sizeof r->fail, "%s", msg);
	}
	pthread_mutex_unlock(&r->lock);
	atomic_store(&r->halt, 1);
}

static void notice(struct xdperf_replay *r, const char *msg)
{
	if (r->o.notice)
		r->o.notice(r->o.notice_ctx, msg);
}

/* --- options ----------------------------------------------------------------------------- */

int xdperf_replay_new(const char *pcap, const char *ifname, const struct xdperf_replay_opts *opts,
		      struct xdperf_replay **out, char *err, size_t errlen)
{
	*out = NULL;
	struct xdperf_replay *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(pcap))) {
		free(r);
		xdperf_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	xdperf_opts_copy(&r->o, sizeof r->o, opts);
	r->o.sz = sizeof r->o;
	struct xdperf_replay_opts *o = &r->o;
	int e = -EINVAL;
	int timings = (o->multiplier != 0) + (o->rate != 0) + o->topspeed;
	if (timings > 1)
		xdperf_errf(err, errlen, "the multiplier, a rate and top speed exclude each other");
	else if (o->multiplier < 0 || !isfinite(o->multiplier) || (o->multiplier && o->multiplier < 1e-6) ||
		 o->multiplier > 1e9)
		xdperf_errf(err, errlen, "the multiplier must be between 0.000001 and 10^9");
	else if (o->rate < 0 || !isfinite(o->rate) || o->rate > 1e12)
		xdperf_errf(err, errlen, "the rate must be a positive number of frames per second");
	else if (o->duration < 0 || !isfinite(o->duration) || o->stall_timeout < 0 || o->batch > 256 ||
		 o->mode > XDPERF_TX_AFPACKET)
		xdperf_errf(err, errlen, "invalid replay options (duration, stall timeout, batch 1-256, "
			    "mode)");
	else
		e = 0;
	char why[300];
	if (!e && o->enet_dmac && (e = xdperf_rewrite_mac(&r->rw, true, o->enet_dmac, why, sizeof why)))
		xdperf_errf(err, errlen, "--enet-dmac: %s", why);
	if (!e && o->enet_smac && (e = xdperf_rewrite_mac(&r->rw, false, o->enet_smac, why, sizeof why)))
		xdperf_errf(err, errlen, "--enet-smac: %s", why);
	if (!e && o->srcipmap && (e = xdperf_rewrite_ipmap(&r->rw, false, o->srcipmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--srcipmap %s: %s", o->srcipmap, why);
	if (!e && o->dstipmap && (e = xdperf_rewrite_ipmap(&r->rw, true, o->dstipmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--dstipmap %s: %s", o->dstipmap, why);
	if (!e && o->portmap && (e = xdperf_rewrite_portmap(&r->rw, o->portmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--portmap %s: %s", o->portmap, why);
	if (!e && !ifname) {
		xdperf_errf(err, errlen, "no device to send on");
		e = -EINVAL;
	}
	if (!e && (e = dp_device_check(ifname, &r->ifindex, err, errlen)) == 0)
		snprintf(r->ifname, sizeof r->ifname, "%s", ifname);
	if (!e) {
		/* the capture must open (its header is read: format, link type) */
		struct xdperf_pcap_reader *rd;
		if ((e = xdperf_pcap_reader_open(pcap, &rd, err, errlen)) == 0)
			xdperf_pcap_reader_close(rd);
	}
	if (e) {
		xdperf_replay_free(r);
		return e;
	}
	r->cfg.timing = o->topspeed ? REPLAY_TOPSPEED : o->rate > 0 ? REPLAY_RATE : REPLAY_ORIGINAL;
	r->cfg.multiplier = o->multiplier > 0 ? o->multiplier : 1;
	r->cfg.rate = o->rate;
	r->cfg.loops = o->loops ? o->loops : 1;
	r->cfg.forever = o->forever;
	r->cfg.count = o->count;
	r->cfg.skip_oversize = o->skip_oversize;
	r->cfg.rw = xdperf_rewrite_any(&r->rw) ? &r->rw : NULL;
	r->cfg.ifname = r->ifname;
	r->cfg.slot_max = DP_FRAME_MAX;
	r->run.stop = &r->halt;
	r->run.hold = &r->hold;
	r->run.stall_timeout = o->stall_timeout > 0 ? o->stall_timeout : STALL_DEFAULT;
	*out = r;
	return 0;
}

void xdperf_replay_stop(struct xdperf_replay *r)
{
	if (r) {
		atomic_store(&r->stop, 1);
		atomic_store(&r->halt, 1);
	}
}

void xdperf_replay_free(struct xdperf_replay *r)
{
	if (!r)
		return;
	for (int i = 0; i < NCHUNKS; i++) {
		if (r->ch[i])
			free(r->ch[i]->bytes);
		free(r->ch[i]);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->path);
	free(r);
}

/* --- reader ------------------------------------------------------------------------------ */

/* Waits for a free chunk slot (the sender released one). NULL when halted. */
static struct chunk *free_chunk(struct xdperf_replay *r)
{
	pthread_mutex_lock(&r->lock);
	while (r->produced - r->released >= NCHUNKS && !halted(r)) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 50000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->lock, &t);
	}
	struct chunk *c = halted(r) ? NULL : r->ch[r->produced % NCHUNKS];
	pthread_mutex_unlock(&r->lock);
	return c;
}

static void publish(struct xdperf_replay *r, bool done, int rc, const char *err)
{
	pthread_mutex_lock(&r->lock);
	if (!done)
		r->produced++;
	else {
		r->reader_done = true;
		r->reader_rc = rc;
		if (rc)
			xdperf_errf(r->reader_err, sizeof r->reader_err, "%s", err);
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void chunk_seal(struct chunk *c, bool last)
{
	c->last = last;
	c->f = (struct dp_frames){ .frame = c->frame, .len = c->len, .n = c->n,
				   .sched = identity_sched(), .sched_len = c->n, .nthreads = 1 };
}

static void *reader_main(void *arg)
{
	struct xdperf_replay *r = arg;
	char err[512] = "";
	struct chunk *c = NULL;
	size_t used = 0;
	struct replay_frame f;
	int e;
	while ((e = replay_src_next(&r->src, &f, err, sizeof err)) == 1) {
		if (c && (c->n == DP_TEMPLATES_MAX || used + f.len > CHUNK_BYTES)) {
			chunk_seal(c, false);
			publish(r, false, 0, NULL);
			c = NULL;
		}
		if (!c) {
			if (!(c = free_chunk(r)))
				break; /* halted */
			c->n = 0;
			used = 0;
		}
		memcpy(c->bytes + used, f.data, f.len);
		c->frame[c->n] = c->bytes + used;
		c->len[c->n] = (uint16_t)f.len;
		c->due[c->n] = (double)f.due_ns * 1e-9;
		c->pass_end[c->n] = f.last_of_pass;
		c->n++;
		used += f.len;
	}
	if (c && c->n && e >= 0) {
		chunk_seal(c, true);
		publish(r, false, 0, NULL);
	}
	publish(r, true, e < 0 ? e : 0, err);
	return NULL;
}

/* The sender's chunk k: NULL when the reader ended before it (end, error) or the run halted. */
static struct chunk *wait_chunk(struct xdperf_replay *r, uint64_t k)
{
	pthread_mutex_lock(&r->lock);
	while (r->produced <= k && !r->reader_done && !halted(r)) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 20000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->lock, &t);
	}
	struct chunk *c = r->produced > k ? r->ch[k % NCHUNKS] : NULL;
	pthread_mutex_unlock(&r->lock);
	return c;
}

static void release_chunk(struct xdperf_replay *r)
{
	pthread_mutex_lock(&r->lock);
	r->released++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/* --- sender ------------------------------------------------------------------------------ */

/* While the device has no carrier: waits; returns the seconds waited. */
static double hold_on(struct xdperf_replay *r, double deadline)
{
	double h0 = xdperf_mono(), now = h0;
	while (atomic_load_explicit(&r->hold, memory_order_relaxed) && !halted(r) &&
	       !(deadline > 0 && now >= deadline)) {
		xdperf_sleep_until(now + 0.001);
		now = xdperf_mono();
	}
	return now - h0;
}

static int open_backend(struct xdperf_replay *r, bool xdp, const struct dp_frames *f,
			struct dp_backend **be, void **w, char *err, size_t errlen)
{
	*be = NULL;
	*w = NULL;
	int e = xdp ? dp_xdp_open(r->ifindex, r->ifname, f, r->o.batch, &r->run, be, err, errlen)
		    : dp_afpacket_open(r->ifindex, r->ifname, f, &r->run, be, err, errlen);
	if (e)
		return e;
	e = (*be)->worker_open(*be, 0, w, err, errlen);
	if (e) {
		(*be)->close(*be);
		*be = NULL;
	}
	return e;
}

/* Accounts frames [from, from + k) of chunk c as sent. */
static void account(struct xdperf_replay *r, const struct chunk *c, uint32_t from, uint64_t k)
{
	uint64_t bytes = 0;
	for (uint64_t i = from; i < from + k && i < c->n; i++) {
		bytes += c->len[i];
		if (c->pass_end[i])
			r->loops++;
	}
	atomic_fetch_add(&r->bytes, bytes);
	atomic_fetch_add(&r->packets, k);
}

/* Sends chunk c (frames [*done, n) of it) with backend be; *first: the call that releases the
 * previous chunk is still to come. 0 when all went, 1 when stopped, -errno on failure. */
static int send_chunk(struct xdperf_replay *r, struct dp_backend *be, void *w, struct chunk *c,
		      uint32_t done, bool *release_prev, double deadline)
{
	bool timed = r->cfg.timing != REPLAY_TOPSPEED;
	uint32_t req = done; /* frames of c the backend was asked for */
	while (done < c->n) {
		if (halted(r))
			return 1;
		double now = xdperf_mono();
		if (deadline > 0 && now >= deadline)
			return 1;
		if (atomic_load_explicit(&r->hold, memory_order_relaxed)) {
			r->t0 += hold_on(r, deadline); /* the schedule resumes where it was */
			continue;
		}
		uint32_t upto = req;
		if (!timed)
			upto = c->n;
		else
			while (upto < c->n && r->t0 + c->due[upto] <= now)
				upto++;
		if (upto == req && req < c->n) {
			double next = r->t0 + c->due[req];
			if (deadline > 0 && next > deadline)
				next = deadline;
			if (next > now + SLEEP_MAX)
				next = now + SLEEP_MAX;
			xdperf_sleep_until(next);
			continue;
		}
		if (timed)
			for (uint32_t i = req; i < upto; i++)
				dp_late_add(&r->late, now - (r->t0 + c->due[i]), 1, 1.0);
		uint64_t n = (upto > req ? upto : c->n) - done, got = 0;
		double idle = 0;
		int e = be->send(w, n, &got, &idle, r->send_err, sizeof r->send_err);
		double t = xdperf_mono();
		if (got) {
			account(r, c, done, got);
			r->last_sent = idle > 0 ? idle : t;
			r->last_due = c->due[done + got - 1 < c->n ? done + got - 1 : c->n - 1];
		}
		done += (uint32_t)got;
		if (*release_prev) {
			release_chunk(r);
			*release_prev = false;
		}
		if (e == -EINTR)
			return 1;
		if (e == -EAGAIN) {
			req = done; /* no carrier: hold, then ask again for what did not go */
			continue;
		}
		if (e)
			return e;
		req = upto > req ? upto : req;
		if (idle > 0.05)
			r->t0 += idle; /* the device stalled: no burst to make up for it */
	}
	return 0;
}

static void *sender_main(void *arg)
{
	struct xdperf_replay *r = arg;
	char err[512] = "";
	struct dp_backend *be = NULL;
	void *w = NULL;
	int e = 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set)) {
		set_fail(r, -EINVAL, "cannot pin the sender thread to its CPU");
		goto out;
	}
	struct chunk *c = wait_chunk(r, 0);
	if (!c)
		goto out;
	/* XDP first (its first frame is a probe: a device that takes no XDP frames refuses it
	 * and the run falls back before anything went), else AF_PACKET */
	uint32_t done = 0;
	double deadline = 0;
	if (r->o.mode != XDPERF_TX_AFPACKET) {
		e = open_backend(r, true, &c->f, &be, &w, err, sizeof err);
		bool opened = !e;
		if (opened) {
			r->t_first = xdperf_mono();
			r->t0 = r->t_first - c->due[0];
			uint64_t got = 0;
			double idle = 0;
			e = be->send(w, 1, &got, &idle, err, sizeof err);
			if (got) {
				account(r, c, 0, got);
				r->last_sent = xdperf_mono();
				r->last_due = c->due[0];
				done = 1;
			}
			if (e == -EINTR || e == -EAGAIN)
				e = 0;
			if (e) {
				be->worker_close(w);
				be->close(be);
				be = NULL;
			}
		}
		/* falls back when XDP cannot be opened or the device refused the probe */
		if (e && (r->o.mode == XDPERF_TX_XDP || (opened && !dp_xdp_unusable(e)))) {
			set_fail(r, e, err);
			goto out;
		}
		if (e) {
			char msg[700];
			snprintf(msg, sizeof msg, "%s; using afpacket", err);
			notice(r, msg);
		}
	}
	if (!be) {
		if (halted(r))
			goto out;
		e = open_backend(r, false, &c->f, &be, &w, err, sizeof err);
		if (e) {
			set_fail(r, e, err);
			goto out;
		}
		r->t_first = xdperf_mono();
		r->t0 = r->t_first - c->due[0];
	}
	pthread_mutex_lock(&r->lock);
	r->be = be;
	r->mode = be->name;
	pthread_mutex_unlock(&r->lock);
	if (r->o.duration > 0)
		deadline = r->t_first + r->o.duration;
	atomic_store(&r->sending, true);
	r->chunks = 1;
	bool release_prev = false;
	for (uint64_t k = 0;;) {
		e = send_chunk(r, be, w, c, done, &release_prev, deadline);
		if (e)
			break;
		if (c->last)
			break;
		struct chunk *next = wait_chunk(r, ++k);
		if (!next)
			break;
		if (release_prev)
			release_chunk(r); /* (a chunk with no call) */
		if ((e = be->swap(be, &next->f, err, sizeof err)) && r->o.mode == XDPERF_TX_AUTO &&
		    !strcmp(be->name, "xdp")) {
			/* XDP cannot take this chunk (e.g. a frame longer than its limit): go on with
			 * AF_PACKET from its first frame, in order */
			char msg[700];
			snprintf(msg, sizeof msg, "%s; using afpacket from here on (after %llu frames)",
				 err, (unsigned long long)atomic_load(&r->packets));
			notice(r, msg);
			be->worker_close(w);
			be->totals(be, &r->totals);
			pthread_mutex_lock(&r->lock);
			r->be = NULL;
			pthread_mutex_unlock(&r->lock);
			be->close(be);
			be = NULL;
			e = open_backend(r, false, &next->f, &be, &w, err, sizeof err);
			if (!e) {
				pthread_mutex_lock(&r->lock);
				r->be = be;
				r->mode = be->name;
				pthread_mutex_unlock(&r->lock);
			}
		}
		if (e) {
			set_fail(r, e, err);
			e = 0;
			break;
		}
		r->chunks++;
		c = next;
		done = 0;
		release_prev = true;
	}
	if (e < 0)
		set_fail(r, e, r->send_err);
out:
	if (be) {
		struct dp_totals t;
		be->worker_close(w);
		be->totals(be, &t);
		r->totals.packets += t.packets; /* (plus an XDP backend's before a fallback) */
		r->totals.bytes += t.bytes;
		r->totals.errors += t.errors;
		r->totals.refused += t.refused;
		pthread_mutex_lock(&r->lock);
		r->be = NULL;
		pthread_mutex_unlock(&r->lock);
		be->close(be);
	}
	atomic_store(&r->halt, 1); /* the reader ends too */
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	atomic_store(&r->sender_done, true);
	return NULL;
}

/* --- runner ------------------------------------------------------------------------------ */

/* Looks at the device while the sender sends: removed or an MTU the frames no longer fit end
 * the run; no carrier holds the sender, for the stall timeout at most. */
static void watch_link(struct xdperf_replay *r, double now, double *hold_since)
{
	struct dp_link l;
	int e = dp_link_query(r->ifindex, &l, NULL, 0);
	char msg[600];
	if (e == -ENODEV) {
		snprintf(msg, sizeof msg, "%s no longer exists (it was removed during the run)", r->ifname);
		set_fail(r, -ENODEV, msg);
		return;
	}
	if (e)
		return;
	unsigned mtu = l.peer_known && l.peer.mtu < l.dev.mtu ? l.peer.mtu : l.dev.mtu;
	if (mtu < r->need_mtu) {
		snprintf(msg, sizeof msg, "the MTU of %s%s changed during the run to %u: the capture's "
			 "frames need %u", r->ifname, l.peer_known ? " (or its veth peer)" : "", mtu,
			 r->need_mtu);
		set_fail(r, -EMSGSIZE, msg);
		return;
	}
	char why[400];
	struct dp_hold h = { .hold = &r->hold, .since = *hold_since, .held = r->held,
			     .stall_timeout = r->run.stall_timeout };
	e = dp_link_hold(&h, r->ifindex, r->ifname, &l, now, msg, sizeof msg, why, sizeof why);
	*hold_since = h.since;
	r->held = h.held;
	if (msg[0])
		notice(r, msg);
	if (e)
		set_fail(r, e, why);
}

/* Every frame checked before anything is sent: lengths against the device, a corrupt file. */
static int prescan(struct xdperf_replay *r, struct xdperf_replay_result *res, char *err,
		   size_t errlen)
{
	struct replay_src s;
	struct replay_src_cfg c = r->cfg;
	c.loops = 1;
	c.forever = false;
	c.count = 0;
	c.rw = NULL;
	int e = replay_src_open(&s, r->path, &c, err, errlen);
	if (e)
		return e;
	struct replay_frame f;
	uint64_t n = 0;
	while ((e = replay_src_next(&s, &f, err, errlen)) == 1) {
		unsigned need = f.len - 14u - (dp_frame_vlan(f.data, f.len) ? 4u : 0u);
		if (need > r->need_mtu)
			r->need_mtu = need;
		if ((++n & 4095) == 0 && atomic_load(&r->stop)) {
			e = 0; /* stopped while scanning: the caller sees the stop */
			break;
		}
	}
	res->format = xdperf_pcap_reader_format(s.rd);
	res->capture_frames = s.frames_per_pass;
	char msg[400];
	if (!e && s.skipped_runt) {
		snprintf(msg, sizeof msg, "%s: leaving out %llu frame%s shorter than an Ethernet header "
			 "(the first: frame %llu, %u bytes)", r->path, (unsigned long long)s.skipped_runt,
			 s.skipped_runt == 1 ? "" : "s", (unsigned long long)s.first_runt_no,
			 s.first_runt_len);
		notice(r, msg);
	}
	if (!e && s.skipped_oversize) {
		snprintf(msg, sizeof msg, "%s: --skip-oversize: leaving out %llu frame%s longer than "
			 "the MTU of %s allows (the first: frame %llu, %u bytes)", r->path,
			 (unsigned long long)s.skipped_oversize, s.skipped_oversize == 1 ? "" : "s",
			 r->ifname, (unsigned long long)s.first_over_no, s.first_over_len);
		notice(r, msg);
	}
	if (!e && s.skipped_slot) {
		snprintf(msg, sizeof msg, "%s: --skip-oversize: leaving out %llu frame%s longer than "
			 "the %u bytes a frame may have here (the first: frame %llu, %u bytes)", r->path,
			 (unsigned long long)s.skipped_slot, s.skipped_slot == 1 ? "" : "s",
			 (unsigned)DP_FRAME_MAX, (unsigned long long)s.first_slot_no, s.first_slot_len);
		notice(r, msg);
	}
	if (!e && !atomic_load(&r->stop) && s.emitted == 0) {
		xdperf_errf(err, errlen, "%s: no frame to send (%llu frames, all left out)", r->path,
			    (unsigned long long)s.frames_per_pass);
		e = -EINVAL;
	}
	replay_src_close(&s);
	return e;
}

static int first_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set))
		return 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return 0;
}

static void fill_result(struct xdperf_replay *r, struct xdperf_replay_result *res)
{
	res->mode = r->mode ? r->mode : "none";
	res->packets = r->totals.packets;
	res->bytes = r->totals.bytes;
	res->refused = r->totals.refused;
	res->loops = r->loops;
	res->chunks = r->chunks;
	res->stopped = atomic_load(&r->stop) != 0;
	res->held_s = r->held;
	res->seconds = r->packets ? r->last_sent - r->t_first : 0;
	if (res->seconds < 0)
		res->seconds = 0;
	/* skipped per pass times the passes read */
	res->skipped_oversize = r->src.skipped_oversize;
	res->skipped_slot = r->src.skipped_slot;
	res->skipped_runt = r->src.skipped_runt;
	res->rewritten = r->src.rewritten;
	res->timed_frames = r->late.n;
	if (r->late.n) {
		res->late_mean_us = r->late.sum / (double)r->late.n * 1e6;
		res->late_max_us = r->late.max * 1e6;
		res->late_p50_us = dp_late_pct_us(&r->late, 0.50);
		res->late_p99_us = dp_late_pct_us(&r->late, 0.99);
	}
	res->due_span_s = r->packets ? r->last_due : 0;
	res->sent_span_s = r->packets ? r->last_sent - r->t0 : 0;
}

int xdperf_replay_run(struct xdperf_replay *r, struct xdperf_replay_result *res, char *err,
		      size_t errlen)
{
	memset(res, 0, sizeof *res);
	res->mode = "none";
	if (r->ran) {
		xdperf_errf(err, errlen, "this replay handle has already run");
		return -EINVAL;
	}
	r->ran = true;
	/* the device's limits, then every frame against them */
	struct dp_link l;
	int e = dp_link_query(r->ifindex, &l, err, errlen);
	if (e)
		return e;
	r->cfg.mtu = l.dev.mtu;
	r->cfg.peer_mtu = l.peer_known ? l.peer.mtu : 0;
	if ((e = prescan(r, res, err, errlen)))
		return e;
	if (atomic_load(&r->stop)) {
		res->stopped = true;
		return 0;
	}
	const char *format = res->format;
	uint64_t capture_frames = res->capture_frames;
	for (int i = 0; i < NCHUNKS; i++) {
		r->ch[i] = calloc(1, sizeof *r->ch[i]);
		if (!r->ch[i] || !(r->ch[i]->bytes = malloc(CHUNK_BYTES))) {
			xdperf_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	if ((e = replay_src_open(&r->src, r->path, &r->cfg, err, errlen)))
		return e;
	r->cpu = first_cpu();
	pthread_t reader, sender;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the threads take no signals */
	if (pthread_create(&reader, NULL, reader_main, r)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		replay_src_close(&r->src);
		xdperf_errf(err, errlen, "cannot start the reader thread");
		return -EAGAIN;
	}
	if (pthread_create(&sender, NULL, sender_main, r)) {
		atomic_store(&r->halt, 1);
		pthread_join(reader, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		replay_src_close(&r->src);
		xdperf_errf(err, errlen, "cannot start the sender thread");
		return -EAGAIN;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	struct xdperf_tx_stats last = { 0 };
	double next_tick = 0, next_link = 0, hold_since = 0, start = 0;
	while (!atomic_load(&r->sender_done)) {
		double now = xdperf_mono();
		if (atomic_load(&r->sending)) {
			if (start == 0) {
				start = r->t_first;
				next_tick = start + 1.0;
				next_link = now + LINK_EVERY;
			}
			if (now >= next_tick) {
				struct xdperf_tx_stats cur = { .packets = atomic_load(&r->packets),
							       .bytes = atomic_load(&r->bytes),
							       .seconds = now - start };
				struct xdperf_tx_stats iv = { .packets = cur.packets - last.packets,
							      .bytes = cur.bytes - last.bytes,
							      .seconds = cur.seconds - last.seconds };
				if (r->o.progress)
					r->o.progress(r->o.progress_ctx, &cur, &iv);
				last = cur;
				next_tick += 1.0;
				if (next_tick < now)
					next_tick = now + 1.0;
			}
			if (r->o.duration > 0 && now >= start + r->o.duration)
				atomic_store(&r->halt, 1);
			if (now >= next_link && !halted(r)) {
				next_link = now + LINK_EVERY;
				watch_link(r, now, &hold_since);
			}
		}
		double wake = now + 0.02;
		if (start && next_tick < wake)
			wake = next_tick;
		xdperf_sleep_until(wake);
	}
	if (atomic_load(&r->hold)) {
		r->held += xdperf_mono() - hold_since;
		atomic_store(&r->hold, 0);
	}
	pthread_join(sender, NULL);
	pthread_join(reader, NULL);
	fill_result(r, res);
	res->format = format;
	res->capture_frames = capture_frames;
	replay_src_close(&r->src);
	e = r->fail_rc;
	if (e)
		xdperf_errf(err, errlen, "%s", r->fail);
	else if (r->reader_rc && !atomic_load(&r->stop)) {
		e = r->reader_rc;
		xdperf_errf(err, errlen, "%s", r->reader_err);
	}
	return e;
}
