/* Transmit runs (include/xdperf/tx.h): picks the backend (XDP, else AF_PACKET), starts one
 * sender thread per CPU, splits the count exactly, paces to the target rate, stops on count,
 * duration or xdperf_tx_stop(), and reports progress once a second. */
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "datapath/backend.h"
#include "datapath/device.h"
#include "packet/field.h"
#include "packet/schedule.h"
#include "packet/stamp.h"
#include "bpf/xdperf_fe_step.h"
#include "bpf/xdperf_stamp.h"
#include "bpf/xdperf_bpf.h"
#include "util/clock.h"
#include "util/err.h"
#include "xdperf/tx.h"
#include "util/opts.h"

#define MAX_THREADS 1024
#define UNPACED_CHUNK 65536   /* frames per send call when not pacing (~10 ms at line rate) */
#define CALL_SECONDS 0.005    /* target length of one unpaced send call */
#define PACE_SLICE 0.0005     /* seconds of traffic per send call when pacing */

struct sender {
	struct xdperf_tx *tx;
	unsigned idx;
	int cpu;
	pthread_t th;
	atomic_uint calls;  /* odd while in a send call: a swap waits for it to move on */
	atomic_bool done;
	uint64_t quota;     /* 0 = unlimited */
	double rate;        /* frames/s for this thread, 0 = unpaced */
	int rc;
	char err[256];
	double end;         /* when it stopped (monotonic seconds) */
};

/* A set of frames as the backends take it, with everything it points to owned. */
struct fset {
	struct dp_frames f;
	uint8_t **frame;        /* copies (field engine bases: checksums made right) */
	uint16_t *len;
	uint32_t *sched;
	struct xdperf_fe *fe;   /* NULL when no frame has modifiers */
	struct xdperf_bpf_stamp *stamp; /* trailer places, NULL without stamps */
	double avg_len;         /* over one schedule cycle */
	double rate_sum;        /* sum of rate_pps when every frame has one, else 0 */
};

struct xdperf_tx {
	char ifname[IF_NAMESIZE + 1];
	int ifindex;
	struct xdperf_tx_opts o;
	struct fset *set;       /* what is being sent (guarded by swap_lock) */
	pthread_mutex_t swap_lock;
	unsigned swaps;
	bool ended;
	double rate;            /* effective total rate, 0 = unpaced */
	unsigned nthreads;
	unsigned nt;            /* threads of a run: nthreads, fewer when count is smaller */
	int cpus[MAX_THREADS];
	bool ran;

	/* per attempt */
	struct dp_backend *be;  /* set and cleared under swap_lock */
	struct sender *s;
	unsigned nsenders;      /* started threads in s */
	atomic_uint ready;      /* threads set up (or failed) and waiting for go */
	atomic_int stop;        /* set by xdperf_tx_stop (signal handler) */
	atomic_int quit;        /* set internally (duration, failure, refused probe) */
	atomic_int go;          /* 1: start sending, 2: abort before sending */
	atomic_uint running;
	double t0, deadline;
	atomic_int refused;     /* thread 0's first frame was refused by the device */
};

static void sleep_until(double when)
{
	struct timespec t;
	t.tv_sec = (time_t)when;
	t.tv_nsec = (long)((when - (double)t.tv_sec) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

int xdperf_parse_bitrate(const char *s, uint64_t *bps)
{
	if (!s || !*s)
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	double mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1e3; end++; break;
	case 'm': case 'M': mul = 1e6; end++; break;
	case 'g': case 'G': mul = 1e9; end++; break;
	case 't': case 'T': mul = 1e12; end++; break;
	default: break;
	}
	if (!strcmp(end, "bps") || !strcmp(end, "bit") || !strcmp(end, "b"))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	v *= mul;
	if (v < 1 || v > 1e15)
		return -EINVAL;
	*bps = (uint64_t)llround(v);
	return 0;
}

static int pick_cpus(struct xdperf_tx *tx, char *err, size_t errlen)
{
	if (tx->o.cpus) {
		for (unsigned i = 0; i < tx->nthreads; i++) {
			if (tx->o.cpus[i] < 0 || tx->o.cpus[i] >= CPU_SETSIZE) {
				xdperf_errf(err, errlen, "CPU %d does not exist", tx->o.cpus[i]);
				return -EINVAL;
			}
			tx->cpus[i] = tx->o.cpus[i];
		}
		return 0;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set)) {
		int e = -errno;
		xdperf_errf(err, errlen, "reading the CPUs this process may use: %s", strerror(-e));
		return e;
	}
	unsigned k = 0;
	for (int c = 0; c < CPU_SETSIZE && k < tx->nthreads; c++)
		if (CPU_ISSET(c, &set))
			tx->cpus[k++] = c;
	if (k < tx->nthreads) {
		xdperf_errf(err, errlen, "--parallelism %u: this process may only use %u CPU%s (one "
			    "sender thread per CPU)", tx->nthreads, k, k == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

static void fset_free(struct fset *fs)
{
	if (!fs)
		return;
	for (uint32_t i = 0; fs->frame && i < fs->f.n; i++)
		free(fs->frame[i]);
	free(fs->frame);
	free(fs->len);
	free(fs->sched);
	free(fs->fe);
	free(fs->stamp);
	free(fs);
}

/* Checks and copies frames into a new set for nt threads; compiles their field engines;
 * with stamps, finds each frame's trailer place and zeroes it (checksum kept right) first. */
static int fset_new(const struct xdperf_tx_frame *frames, size_t nframes, unsigned nt,
		    bool stamp, struct fset **out, char *err, size_t errlen)
{
	if (!frames || nframes < 1 || nframes > XDPERF_BPF_TMPL_MAX) {
		xdperf_errf(err, errlen, "between 1 and %d frames are needed, not %zu",
			    XDPERF_BPF_TMPL_MAX, nframes);
		return -EINVAL;
	}
	for (size_t i = 0; i < nframes; i++)
		if (!frames[i].data || frames[i].len < 14 || frames[i].len > XDPERF_BPF_SLOT) {
			xdperf_errf(err, errlen, "frame %zu: %u bytes (a frame has 14 to %d bytes)", i,
				    frames[i].len, XDPERF_BPF_SLOT);
			return -EINVAL;
		}
	struct fset *fs = calloc(1, sizeof *fs);
	if (!fs)
		return -ENOMEM;
	fs->f.n = (uint32_t)nframes;
	fs->f.nthreads = nt;
	fs->frame = calloc(nframes, sizeof *fs->frame);
	fs->len = calloc(nframes, sizeof *fs->len);
	uint64_t *w = calloc(nframes, sizeof *w);
	bool any_fe = false, any_mods = false;
	for (size_t i = 0; i < nframes; i++) {
		any_fe = any_fe || frames[i].nmods || frames[i].csums;
		any_mods = any_mods || frames[i].nmods;
	}
	if (any_fe)
		fs->fe = calloc(nframes, sizeof *fs->fe);
	if (stamp)
		fs->stamp = calloc(nframes, sizeof *fs->stamp);
	int e = 0;
	uint8_t tmp[XDPERF_BPF_SLOT];
	if (!fs->frame || !fs->len || !w || (any_fe && !fs->fe) || (stamp && !fs->stamp)) {
		e = -ENOMEM;
		goto out;
	}
	bool all_rates = true, all_weights = true;
	for (size_t i = 0; i < nframes; i++) {
		const struct xdperf_tx_frame *fr = &frames[i];
		if (!(fs->frame[i] = malloc(fr->len))) {
			e = -ENOMEM;
			goto out;
		}
		fs->len[i] = fr->len;
		const uint8_t *data = fr->data;
		if (stamp) {
			char why[200];
			if ((e = xdperf_stamp_locate(fr->data, fr->len, &fs->stamp[i], why, sizeof why))) {
				xdperf_errf(err, errlen, "frame %zu: cannot carry a stamp: %s", i, why);
				goto out;
			}
			memcpy(tmp, fr->data, fr->len);
			xdperf_stamp_clear(tmp, &fs->stamp[i]);
			data = tmp;
		}
		if (any_fe) {
			char why[300];
			if (fr->nmods && !fr->mods) {
				xdperf_errf(err, errlen, "frame %zu: %u modifiers but no mods array", i,
					    fr->nmods);
				e = -EINVAL;
				goto out;
			}
			e = xdperf_fe_compile(data, fr->len, fr->mods, fr->nmods, fr->csums,
					      &fs->fe[i], fs->frame[i], NULL, 0, why, sizeof why);
			if (e) {
				xdperf_errf(err, errlen, "frame %zu: %s", i, why);
				goto out;
			}
			xdperf_fe_set_threads(&fs->fe[i], nt);
			if (stamp && fr->nmods) {
				for (uint32_t m = 0; m < fs->fe[i].bpf.nmods; m++)
					if (fs->fe[i].bpf.mod[m].off < fs->stamp[i].off + XDPERF_STAMP_LEN &&
					    fs->fe[i].bpf.mod[m].off + fs->fe[i].bpf.mod[m].len >
						    fs->stamp[i].off) {
						xdperf_errf(err, errlen, "frame %zu: modifier %u writes into "
							    "the stamp trailer (the last %d bytes of the "
							    "UDP payload)", i, m, XDPERF_STAMP_LEN);
						e = -EINVAL;
						goto out;
					}
			}
		} else {
			memcpy(fs->frame[i], data, fr->len);
		}
		/* again on the base: the field engine may have computed a checksum that was 0 */
		if (stamp)
			(void)xdperf_stamp_locate(fs->frame[i], fr->len, &fs->stamp[i], NULL, 0);
		all_rates = all_rates && fr->rate_pps > 0;
		all_weights = all_weights && fr->weight > 0;
		fs->rate_sum += (double)fr->rate_pps;
	}
	if (!all_rates)
		fs->rate_sum = 0;
	for (size_t i = 0; i < nframes; i++)
		w[i] = all_rates ? frames[i].rate_pps : frames[i].weight;
	e = xdperf_schedule_build(all_rates || all_weights ? w : NULL, fs->f.n, XDPERF_BPF_SCHED_MAX,
				  &fs->sched, &fs->f.sched_len);
	if (e)
		goto out;
	for (uint32_t i = 0; i < fs->f.sched_len; i++)
		fs->avg_len += fs->len[fs->sched[i]];
	fs->avg_len /= fs->f.sched_len;
	fs->f.frame = (const uint8_t *const *)fs->frame;
	fs->f.len = fs->len;
	fs->f.sched = fs->sched;
	fs->f.fe = any_mods ? fs->fe : NULL; /* checksums alone only fix the bases */
	fs->f.stamp = fs->stamp;
out:
	free(w);
	if (e) {
		if (e == -ENOMEM)
			xdperf_errf(err, errlen, "out of memory");
		fset_free(fs);
		return e;
	}
	*out = fs;
	return 0;
}

int xdperf_tx_new(const char *ifname, const struct xdperf_tx_frame *frames, size_t nframes,
		  const struct xdperf_tx_opts *opts, struct xdperf_tx **out, char *err,
		  size_t errlen)
{
	if (!out) {
		xdperf_errf(err, errlen, "no handle to fill");
		return -EINVAL;
	}
	struct xdperf_tx_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	o.sz = sizeof o;
	if (o.mode > XDPERF_TX_AFPACKET || o.parallelism > MAX_THREADS || o.batch > 256 ||
	    (o.rate_pps && o.bitrate) || o.duration < 0 || !isfinite(o.duration)) {
		xdperf_errf(err, errlen, "invalid transmit options (mode, parallelism 1-%d, batch "
			    "1-256, one of rate and bitrate, duration >= 0)", MAX_THREADS);
		return -EINVAL;
	}
	unsigned nthreads = o.parallelism ? o.parallelism : 1;
	/* threads without a share of the count would send unlimited: leave them out */
	unsigned nt = o.count && o.count < nthreads ? (unsigned)o.count : nthreads;
	struct fset *fs;
	int e = fset_new(frames, nframes, nt, o.stamp, &fs, err, errlen);
	if (e)
		return e;
	int ifindex;
	if ((e = dp_device_check(ifname, &ifindex, err, errlen))) {
		fset_free(fs);
		return e;
	}
	struct xdperf_tx *tx = calloc(1, sizeof *tx);
	if (!tx) {
		fset_free(fs);
		return -ENOMEM;
	}
	pthread_mutex_init(&tx->swap_lock, NULL);
	snprintf(tx->ifname, sizeof tx->ifname, "%s", ifname);
	tx->ifindex = ifindex;
	tx->o = o;
	tx->set = fs;
	tx->nthreads = nthreads;
	tx->nt = nt;
	if (o.rate_pps)
		tx->rate = (double)o.rate_pps;
	else if (o.bitrate)
		tx->rate = (double)o.bitrate / (8.0 * fs->avg_len);
	else
		tx->rate = fs->rate_sum;
	if ((e = pick_cpus(tx, err, errlen))) {
		xdperf_tx_free(tx);
		return e;
	}
	*out = tx;
	return 0;
}

/* Waits until no sender is inside a send call it started before now. */
static void quiesce(struct xdperf_tx *tx, unsigned nsenders)
{
	for (unsigned i = 0; i < nsenders; i++) {
		struct sender *s = &tx->s[i];
		unsigned c = atomic_load(&s->calls);
		if (!(c & 1))
			continue;
		while (atomic_load(&s->calls) == c && !atomic_load(&s->done))
			sleep_until(xdperf_mono() + 0.00005);
	}
}

int xdperf_tx_swap(struct xdperf_tx *tx, const struct xdperf_tx_frame *frames, size_t nframes,
		   char *err, size_t errlen)
{
	if (!tx) {
		xdperf_errf(err, errlen, "no transmit handle");
		return -EINVAL;
	}
	struct fset *fs;
	int e = fset_new(frames, nframes, tx->nt, tx->o.stamp, &fs, err, errlen);
	if (e)
		return e;
	pthread_mutex_lock(&tx->swap_lock);
	if (tx->ended) {
		pthread_mutex_unlock(&tx->swap_lock);
		fset_free(fs);
		xdperf_errf(err, errlen, "the run has ended");
		return -EBUSY;
	}
	struct fset *old = tx->set;
	if (tx->be) {
		e = tx->be->swap(tx->be, &fs->f, err, errlen);
		if (e) {
			pthread_mutex_unlock(&tx->swap_lock);
			fset_free(fs);
			return e;
		}
		tx->set = fs;
		tx->swaps++;
		/* the old set (and, for XDP, its bank) is free once every call in flight ended */
		quiesce(tx, tx->nsenders);
	} else {
		tx->set = fs;
		tx->swaps++;
	}
	pthread_mutex_unlock(&tx->swap_lock);
	fset_free(old);
	return 0;
}

unsigned xdperf_tx_swaps(const struct xdperf_tx *tx)
{
	return tx ? tx->swaps : 0;
}

void xdperf_tx_stop(struct xdperf_tx *tx)
{
	if (tx)
		atomic_store(&tx->stop, 1);
}

static bool should_stop(struct xdperf_tx *tx)
{
	return atomic_load_explicit(&tx->stop, memory_order_relaxed) ||
	       atomic_load_explicit(&tx->quit, memory_order_relaxed);
}

/* Thread 0's first frame on XDP doubles as a probe: a device that takes XDP frames from
 * nobody (e.g. a veth whose peer has no XDP program) refuses it, and the run falls back
 * before anything was sent. */
static int send_call(struct sender *s, struct dp_backend *be, void *w, uint64_t n)
{
	atomic_fetch_add(&s->calls, 1);
	int e = be->send(w, n, s->err, sizeof s->err);
	atomic_fetch_add(&s->calls, 1);
	return e;
}

static int probe_first_frame(struct sender *s, void *w)
{
	struct xdperf_tx *tx = s->tx;
	int e = send_call(s, tx->be, w, 1);
	if (e)
		atomic_store(&tx->refused, 1);
	return e;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct xdperf_tx *tx = s->tx;
	struct dp_backend *be = tx->be;
	void *w = NULL;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set)) {
		s->rc = -EINVAL;
		snprintf(s->err, sizeof s->err, "cannot pin a sender thread to CPU %d", s->cpu);
	} else {
		s->rc = be->worker_open(be, s->idx, &w, s->err, sizeof s->err);
	}
	uint64_t sent = 0;
	bool probe = s->idx == 0 && !strcmp(be->name, "xdp");
	if (!s->rc && probe) {
		s->rc = probe_first_frame(s, w);
		if (!s->rc)
			sent = 1;
	}
	if (s->rc)
		atomic_store(&tx->quit, 1);
	atomic_fetch_add(&tx->ready, 1);
	while (atomic_load(&tx->go) == 0)
		sleep_until(xdperf_mono() + 0.0002);
	if (atomic_load(&tx->go) != 1 || s->rc)
		goto done;

	double t0 = tx->t0, deadline = tx->deadline;
	uint64_t chunk = UNPACED_CHUNK;
	if (s->rate > 0) {
		chunk = (uint64_t)(s->rate * PACE_SLICE);
		if (chunk < 1)
			chunk = 1;
		if (chunk > UNPACED_CHUNK)
			chunk = UNPACED_CHUNK;
	}
	for (;;) {
		if (s->quota && sent >= s->quota)
			break;
		if (should_stop(tx))
			break;
		double now = xdperf_mono();
		if (deadline > 0 && now >= deadline)
			break;
		uint64_t n = chunk;
		if (s->rate > 0) {
			/* Frame k (from 0) is due at t0 + k / rate. */
			double due = floor((now - t0) * s->rate) + 1;
			if (due <= (double)sent) {
				double next = t0 + (double)sent / s->rate;
				if (deadline > 0 && next > deadline)
					next = deadline;
				sleep_until(next);
				continue;
			}
			if (due - (double)sent < (double)n)
				n = (uint64_t)(due - (double)sent);
		}
		if (s->quota && s->quota - sent < n)
			n = s->quota - sent;
		if ((s->rc = send_call(s, be, w, n))) {
			atomic_store(&tx->quit, 1);
			break;
		}
		sent += n;
		if (s->rate <= 0 && n == chunk) {
			/* Unpaced: size calls to about CALL_SECONDS each, so stops and deadlines
			 * are noticed promptly whatever the backend's speed. */
			double dt = xdperf_mono() - now;
			if (dt > 0) {
				double want = (double)n * CALL_SECONDS / dt;
				chunk = want < 64 ? 64 : want > UNPACED_CHUNK ? UNPACED_CHUNK : (uint64_t)want;
			}
		}
	}
done:
	s->end = xdperf_mono();
	atomic_store(&s->done, true);
	if (w)
		be->worker_close(w);
	atomic_fetch_sub(&tx->running, 1);
	return NULL;
}

static void totals_now(struct xdperf_tx *tx, struct xdperf_tx_stats *st, double t)
{
	struct dp_totals d = { 0 };
	tx->be->totals(tx->be, &d);
	st->packets = d.packets;
	st->bytes = d.bytes;
	st->errors = d.errors;
	st->refused = d.refused;
	st->seconds = t;
}

/* One attempt with the backend in tx->be. Returns 0, or -errno with the first thread error
 * in err; *refused when XDP's probe frame was refused (nothing was sent). */
static int run_attempt(struct xdperf_tx *tx, struct xdperf_tx_result *res, bool *refused,
		       char *err, size_t errlen)
{
	unsigned nt = tx->nt;
	*refused = false;
	atomic_store(&tx->quit, 0);
	atomic_store(&tx->go, 0);
	atomic_store(&tx->refused, 0);
	uint64_t count = tx->o.count;
	struct sender *senders = calloc(nt, sizeof *senders);
	if (!senders)
		return -ENOMEM;
	pthread_mutex_lock(&tx->swap_lock);
	tx->s = senders;
	tx->nsenders = nt; /* calls 0: idle; threads that fail to start are marked done */
	pthread_mutex_unlock(&tx->swap_lock);
	atomic_store(&tx->ready, 0);
	for (unsigned i = 0; i < nt; i++) {
		struct sender *s = &tx->s[i];
		s->tx = tx;
		s->idx = i;
		s->cpu = tx->cpus[i];
		s->quota = count ? count / nt + (i < count % nt) : 0;
		s->rate = tx->rate > 0 ? tx->rate / nt : 0;
	}
	/* Sender threads take no signals: they end between send calls, so counts stay exact. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&tx->running, 0);
	int rc = 0;
	unsigned started = 0;
	for (unsigned i = 0; i < nt; i++) {
		if (pthread_create(&tx->s[i].th, NULL, sender_main, &tx->s[i])) {
			for (unsigned j = i; j < nt; j++)
				atomic_store(&tx->s[j].done, true);
			rc = -EAGAIN;
			xdperf_errf(err, errlen, "cannot start sender thread %u", i);
			break;
		}
		atomic_fetch_add(&tx->running, 1);
		started++;
	}

	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (atomic_load(&tx->ready) < started)
		sleep_until(xdperf_mono() + 0.0005);

	if (rc || atomic_load(&tx->quit)) {
		atomic_store(&tx->go, 2);
	} else {
		tx->t0 = xdperf_mono();
		tx->deadline = tx->o.duration > 0 ? tx->t0 + tx->o.duration : 0;
		atomic_store(&tx->go, 1);
	}

	struct xdperf_tx_stats last = { 0 }, cur;
	double next_tick = tx->t0 + 1.0;
	while (atomic_load(&tx->running) > 0) {
		double now = xdperf_mono();
		if (atomic_load(&tx->go) == 1 && tx->o.progress && now >= next_tick) {
			totals_now(tx, &cur, now - tx->t0);
			struct xdperf_tx_stats iv = { cur.packets - last.packets, cur.bytes - last.bytes,
						      cur.errors - last.errors, cur.refused - last.refused,
						      cur.seconds - last.seconds };
			tx->o.progress(tx->o.progress_ctx, &cur, &iv);
			last = cur;
			next_tick += 1.0;
			if (next_tick < now)
				next_tick = now + 1.0;
		}
		double wake = now + 0.02;
		if (atomic_load(&tx->go) == 1 && tx->o.progress && next_tick < wake)
			wake = next_tick;
		sleep_until(wake);
	}
	double end = tx->t0;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(tx->s[i].th, NULL);
		if (tx->s[i].end > end)
			end = tx->s[i].end;
		if (!rc && tx->s[i].rc) {
			rc = tx->s[i].rc;
			xdperf_errf(err, errlen, "%s", tx->s[i].err);
		}
	}
	pthread_mutex_lock(&tx->swap_lock);
	tx->nsenders = 0;
	tx->s = NULL;
	pthread_mutex_unlock(&tx->swap_lock);
	free(senders);
	*refused = atomic_load(&tx->refused);
	totals_now(tx, &res->total, atomic_load(&tx->go) == 1 ? end - tx->t0 : 0);
	res->mode = tx->be->name;
	res->threads = nt;
	res->stopped = atomic_load(&tx->stop) != 0;
	return rc;
}

/* Opens a backend for the current set and publishes it for swaps. */
static int open_backend(struct xdperf_tx *tx, bool xdp, char *err, size_t errlen)
{
	pthread_mutex_lock(&tx->swap_lock);
	struct dp_backend *be = NULL;
	int e = xdp ? dp_xdp_open(tx->ifindex, tx->ifname, &tx->set->f, tx->o.batch, &be, err, errlen)
		    : dp_afpacket_open(tx->ifindex, tx->ifname, &tx->set->f, &be, err, errlen);
	tx->be = e ? NULL : be;
	pthread_mutex_unlock(&tx->swap_lock);
	return e;
}

static void close_backend(struct xdperf_tx *tx, bool last)
{
	pthread_mutex_lock(&tx->swap_lock);
	if (tx->be)
		tx->be->close(tx->be);
	tx->be = NULL;
	if (last)
		tx->ended = true;
	pthread_mutex_unlock(&tx->swap_lock);
}

int xdperf_tx_run(struct xdperf_tx *tx, struct xdperf_tx_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (tx->ran) {
		xdperf_errf(err, errlen, "this transmit handle has already run");
		return -EINVAL;
	}
	tx->ran = true;
	res->rate_pps = tx->rate;
	char why[512] = "";
	int e = 0;
	bool try_xdp = tx->o.mode != XDPERF_TX_AFPACKET;
	if (try_xdp) {
		e = open_backend(tx, true, why, sizeof why);
		if (!e) {
			bool refused;
			res->resident = dp_xdp_resident(tx->be);
			e = run_attempt(tx, res, &refused, why, sizeof why);
			if (!refused || tx->o.mode == XDPERF_TX_XDP) {
				if (e)
					xdperf_errf(err, errlen, "%s", why);
				close_backend(tx, true);
				return e;
			}
			close_backend(tx, false);
		}
		if (tx->o.mode == XDPERF_TX_XDP) {
			close_backend(tx, true);
			xdperf_errf(err, errlen, "%s", why);
			return e ? e : -EOPNOTSUPP;
		}
		if (tx->o.notice) {
			char msg[700];
			snprintf(msg, sizeof msg, "%s; using afpacket", why);
			tx->o.notice(tx->o.notice_ctx, msg);
		}
		if (atomic_load(&tx->stop)) {
			close_backend(tx, true);
			res->mode = "afpacket";
			res->stopped = true;
			return 0;
		}
	}
	res->resident = false;
	e = open_backend(tx, false, err, errlen);
	if (e) {
		close_backend(tx, true);
		res->mode = "afpacket";
		return e;
	}
	bool refused;
	e = run_attempt(tx, res, &refused, err, errlen);
	close_backend(tx, true);
	return e;
}

void xdperf_tx_free(struct xdperf_tx *tx)
{
	if (!tx)
		return;
	fset_free(tx->set);
	pthread_mutex_destroy(&tx->swap_lock);
	free(tx);
}
