/* Transmit runs (include/xdperf/tx.h): checks the frames against every MTU on the way, picks
 * the backend (XDP, else AF_PACKET), starts one sender thread per CPU, splits the count
 * exactly, paces to the target rate, stops on count, duration, xdperf_tx_stop() or a device
 * that takes nothing for the stall timeout, watches the device's carrier (senders wait while
 * it is lost), reports progress once a second and keeps the per-stream counters. */
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
#include "datapath/link.h"
#include "datapath/run_int.h"
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



void tx_set_quit(struct xdperf_tx *tx)
{
	atomic_store(&tx->quit, 1);
	atomic_store(&tx->halt, 1);
}

/* Checks the frames of a set against the device's MTU and its veth peer's. */
static int check_mtu(int ifindex, const struct fset *fs, char *err, size_t errlen)
{
	struct dp_link l;
	int e = dp_link_query(ifindex, &l, err, errlen);
	return e ? e : dp_link_check_frames(&l, fs->f.frame, fs->f.len, fs->f.n, err, errlen);
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

void tx_fset_free(struct fset *fs)
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
	free(fs->nostamp);
	free(fs);
}

/* Checks and copies frames into a new set for nt threads; compiles their field engines;
 * with stamps, finds each frame's trailer place and zeroes it (checksum kept right) first. */
int tx_fset_new(const struct xdperf_tx_frame *frames, size_t nframes, unsigned nt, bool stamp,
		const uint8_t *nostamp, struct fset **out, char *err, size_t errlen)
{
	if (!frames || nframes < 1 || nframes > XDPERF_BPF_TMPL_MAX) {
		xdperf_errf(err, errlen, "between 1 and %d frames are needed, not %zu",
			    XDPERF_BPF_TMPL_MAX, nframes);
		return -EINVAL;
	}
	for (size_t i = 0; i < nframes; i++)
		if (!frames[i].data || frames[i].len < 14 || frames[i].len > XDPERF_TX_FRAME_MAX) {
			xdperf_errf(err, errlen, "frame %zu: %u bytes (a frame has 14 to %d bytes)", i,
				    frames[i].len, XDPERF_TX_FRAME_MAX);
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
		any_fe = any_fe || frames[i].nmods || frames[i].csums || frames[i].nspecs;
		any_mods = any_mods || frames[i].nmods;
	}
	if (any_fe)
		fs->fe = calloc(nframes, sizeof *fs->fe);
	if (stamp)
		fs->stamp = calloc(nframes, sizeof *fs->stamp);
	int e = 0;
	uint8_t *tmp = stamp ? malloc(XDPERF_TX_FRAME_MAX) : NULL; /* a frame with its trailer zeroed */
	if (!fs->frame || !fs->len || !w || (any_fe && !fs->fe) || (stamp && (!fs->stamp || !tmp))) {
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
		if (stamp && nostamp && nostamp[i]) {
			fs->stamp[i].flags = XDPERF_BPF_ST_OFF; /* its stream has no stamps */
		} else if (stamp) {
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
			e = xdperf_fe_compile(data, fr->len, fr->mods, fr->nmods, fr->csums, fr->specs, fr->nspecs,
					      &fs->fe[i], fs->frame[i], NULL, 0, why, sizeof why);
			if (e) {
				xdperf_errf(err, errlen, "frame %zu: %s", i, why);
				goto out;
			}
			xdperf_fe_set_threads(&fs->fe[i], nt);
			if (stamp && fr->nmods && !(nostamp && nostamp[i])) {
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
		if (stamp && !(nostamp && nostamp[i]))
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
	free(tmp);
	if (e) {
		if (e == -ENOMEM)
			xdperf_errf(err, errlen, "out of memory");
		tx_fset_free(fs);
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
	    (o.rate_pps && o.bitrate) || o.duration < 0 || !isfinite(o.duration) ||
	    !(o.rate >= 0) || !isfinite(o.rate) || (o.rate > 0 && (o.rate_pps || o.bitrate))) {
		xdperf_errf(err, errlen, "invalid transmit options (mode, parallelism 1-%d, batch "
			    "1-256, one of rate and bitrate, duration >= 0)", MAX_THREADS);
		return -EINVAL;
	}
	unsigned nthreads = o.parallelism ? o.parallelism : 1;
	/* threads without a share of the count would send unlimited: leave them out */
	unsigned nt = o.count && o.count < nthreads ? (unsigned)o.count : nthreads;
	struct fset *fs;
	int e = tx_fset_new(frames, nframes, nt, o.stamp, NULL, &fs, err, errlen);
	if (e)
		return e;
	return tx_create(ifname, fs, &o, out, err, errlen);
}

int tx_create(const char *ifname, struct fset *fs, const struct xdperf_tx_opts *op,
	      struct xdperf_tx **out, char *err, size_t errlen)
{
	struct xdperf_tx_opts o = *op;
	unsigned nthreads = o.parallelism ? o.parallelism : 1;
	unsigned nt = fs->f.nthreads;
	int e, ifindex;
	if ((e = dp_device_check(ifname, &ifindex, err, errlen)) ||
	    (e = check_mtu(ifindex, fs, err, errlen))) {
		tx_fset_free(fs);
		return e;
	}
	struct xdperf_tx *tx = calloc(1, sizeof *tx);
	if (!tx) {
		tx_fset_free(fs);
		return -ENOMEM;
	}
	pthread_mutex_init(&tx->swap_lock, NULL);
	snprintf(tx->ifname, sizeof tx->ifname, "%s", ifname);
	tx->ifindex = ifindex;
	tx->o = o;
	tx->set = fs;
	tx->max_n = fs->f.n;
	tx->first_bytes = fs->f.len[fs->f.sched[0]];
	if (o.stamp)
		tx->run_id = o.run_id ? o.run_id : xdperf_stamp_new_run();
	fs->f.run_id = tx->run_id;
	tx->nthreads = nthreads;
	tx->nt = nt;
	tx->run.stop = &tx->halt;
	tx->run.hold = &tx->hold;
	tx->run.stall_timeout = o.stall_timeout > 0 ? o.stall_timeout : STALL_DEFAULT;
	if (o.rate > 0)
		tx->rate = o.rate;
	else if (o.rate_pps)
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
			xdperf_sleep_until(xdperf_mono() + 0.00005);
	}
}

int xdperf_tx_swap(struct xdperf_tx *tx, const struct xdperf_tx_frame *frames, size_t nframes,
		   char *err, size_t errlen)
{
	if (!tx) {
		xdperf_errf(err, errlen, "no transmit handle");
		return -EINVAL;
	}
	if (tx->nss) {
		xdperf_errf(err, errlen, "a multi-stream run cannot swap its frames");
		return -EINVAL;
	}
	struct fset *fs;
	int e = tx_fset_new(frames, nframes, tx->nt, tx->o.stamp, NULL, &fs, err, errlen);
	if (!e && (e = check_mtu(tx->ifindex, fs, err, errlen)))
		tx_fset_free(fs);
	if (e)
		return e;
	fs->f.run_id = tx->run_id;
	pthread_mutex_lock(&tx->swap_lock);
	if (tx->ended) {
		pthread_mutex_unlock(&tx->swap_lock);
		tx_fset_free(fs);
		xdperf_errf(err, errlen, "the run has ended");
		return -EBUSY;
	}
	struct fset *old = tx->set;
	if (tx->be) {
		e = tx->be->swap(tx->be, &fs->f, err, errlen);
		if (e) {
			pthread_mutex_unlock(&tx->swap_lock);
			tx_fset_free(fs);
			return e;
		}
		tx->set = fs;
		tx->swaps++;
		if (fs->f.n > tx->max_n)
			tx->max_n = fs->f.n;
		/* the old set (and, for XDP, its bank) is free once every call in flight ended */
		quiesce(tx, tx->nsenders);
	} else {
		tx->set = fs;
		tx->swaps++;
		if (fs->f.n > tx->max_n)
			tx->max_n = fs->f.n;
	}
	pthread_mutex_unlock(&tx->swap_lock);
	tx_fset_free(old);
	return 0;
}

unsigned xdperf_tx_swaps(const struct xdperf_tx *tx)
{
	return tx ? tx->swaps : 0;
}

void xdperf_tx_stop(struct xdperf_tx *tx)
{
	if (tx) {
		atomic_store(&tx->stop, 1);
		atomic_store(&tx->halt, 1);
	}
}

bool tx_should_stop(struct xdperf_tx *tx)
{
	return atomic_load_explicit(&tx->halt, memory_order_relaxed);
}

/* Thread 0's first frame on XDP doubles as a probe: a device that takes XDP frames from
 * nobody (e.g. a veth whose peer has no XDP program) refuses it, and the run falls back
 * before anything was sent. */
/* One send call; notes when this sender's last frame went. */
static int send_call(struct sender *s, struct dp_backend *be, void *w, uint64_t n,
		     uint64_t *done)
{
	double idle_since = 0;
	atomic_fetch_add(&s->calls, 1);
	int e = be->send(w, n, done, &idle_since, s->err, sizeof s->err);
	atomic_fetch_add(&s->calls, 1);
	double now = xdperf_mono();
	if (*done)
		s->last = idle_since > 0 ? idle_since : now;
	s->idle = idle_since > 0 ? now - idle_since : 0;
	return e;
}

static int probe_first_frame(struct sender *s, void *w, uint64_t *done)
{
	struct xdperf_tx *tx = s->tx;
	int e = send_call(s, tx->be, w, 1, done);
	if (dp_xdp_unusable(e))
		atomic_store(&tx->refused, 1);
	return e == -EINTR || e == -EAGAIN ? 0 : e;
}

/* While the device has no carrier: waits (looking at stop and deadline). Returns the seconds
 * waited. */
double tx_hold_on(struct xdperf_tx *tx, double deadline)
{
	double h0 = xdperf_mono(), now = h0;
	while (atomic_load_explicit(&tx->hold, memory_order_relaxed) && !tx_should_stop(tx) &&
	       !(deadline > 0 && now >= deadline)) {
		xdperf_sleep_until(now + 0.001);
		now = xdperf_mono();
	}
	return now - h0;
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
	/* (a multi-stream run has no probe frame: its first call tells the same) */
	bool probe = s->idx == 0 && !strcmp(be->name, "xdp") && !tx->nss;
	if (!s->rc && probe)
		s->rc = probe_first_frame(s, w, &sent);
	if (s->rate > 0)
		dp_late_add(&s->late, 0, sent, 1.0); /* the probe frame went before the schedule
						       * began: not late */
	if (s->rc)
		tx_set_quit(tx);
	atomic_fetch_add(&tx->ready, 1);
	while (atomic_load(&tx->go) == 0)
		xdperf_sleep_until(xdperf_mono() + 0.0002);
	if (atomic_load(&tx->go) != 1 || s->rc)
		goto done;

	if (tx->nss) {
		tx_streams_loop(s, be, w);
		goto done;
	}
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
		if (tx_should_stop(tx))
			break;
		double now = xdperf_mono();
		if (deadline > 0 && s->rate > 0) {
			/* paced: every frame due before the end goes (rate x duration), unless this
			 * sender is DEADLINE_GRACE behind then */
			if (t0 + (double)sent / s->rate >= deadline || now >= deadline + DEADLINE_GRACE)
				break;
		} else if (deadline > 0 && now >= deadline) {
			break;
		}
		if (atomic_load_explicit(&tx->hold, memory_order_relaxed)) {
			/* no carrier: send nothing into a dead link; the pacing resumes where it was */
			t0 += tx_hold_on(tx, deadline);
			continue;
		}
		uint64_t n = chunk;
		if (s->rate > 0) {
			/* Frame k (from 0) is due at t0 + k / rate. */
			double due = floor((now - t0) * s->rate) + 1;
			if (deadline > 0) {
				/* the frames due before the end: k < (deadline - t0) * rate */
				double last = ceil((deadline - t0) * s->rate - 1e-6);
				if (due > last)
					due = last;
			}
			if (due <= (double)sent) {
				double next = t0 + (double)sent / s->rate;
				if (deadline > 0 && next > deadline)
					next = deadline;
				if (next > now + SLEEP_MAX)
					next = now + SLEEP_MAX; /* look at stop and hold again soon */
				xdperf_sleep_until(next);
				continue;
			}
			if (due - (double)sent < (double)n)
				n = (uint64_t)(due - (double)sent);
		}
		if (s->quota && s->quota - sent < n)
			n = s->quota - sent;
		uint64_t done = 0;
		uint64_t first = sent;
		int e = send_call(s, be, w, n, &done);
		sent += done;
		if (s->rate > 0)
			dp_late_add(&s->late, now - (t0 + (double)first / s->rate), done, s->rate);
		if (s->idle > STALL_SHIFT)
			t0 += s->idle; /* the device stalled: no burst to make up for it */
		if (e == -EINTR)
			break;
		if (e == -EAGAIN)
			continue; /* no carrier: hold at the top of the loop */
		if (e) {
			s->rc = e;
			tx_set_quit(tx);
			break;
		}
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

static void link_removed(struct xdperf_tx *tx)
{
	tx->fail_rc = -ENODEV;
	xdperf_errf(tx->fail, sizeof tx->fail, "%s: %s no longer exists (it was removed during "
		    "the run)", tx->be->name, tx->ifname);
	tx_set_quit(tx);
}

/* Looks at the device (runner thread, while senders send): gone -> the run ends; no carrier ->
 * senders hold until it is back, and the run ends when that takes the stall timeout; an MTU the
 * frames no longer fit ends it at once. */
static void watch_link(struct xdperf_tx *tx, double now, double *hold_since)
{
	struct dp_link l;
	int e = dp_link_query(tx->ifindex, &l, NULL, 0);
	if (e == -ENODEV) {
		link_removed(tx);
		return;
	}
	if (e)
		return;
	/* an MTU lowered during the run: the frames must still fit (the AF_PACKET ring skips the
	 * kernel's check; XDP and sendmmsg would only stall or fail on it) */
	char why[400];
	pthread_mutex_lock(&tx->swap_lock);
	e = dp_link_check_frames(&l, tx->set->f.frame, tx->set->f.len, tx->set->f.n, why, sizeof why);
	pthread_mutex_unlock(&tx->swap_lock);
	if (e) {
		tx->fail_rc = e;
		xdperf_errf(tx->fail, sizeof tx->fail, "%s: the MTU changed during the run: %s",
			    tx->be->name, why);
		tx_set_quit(tx);
		return;
	}
	char notice[600];
	struct dp_hold h = { .hold = &tx->hold, .since = *hold_since, .held = tx->held,
			     .stall_timeout = tx->run.stall_timeout };
	e = dp_link_hold(&h, tx->ifindex, tx->ifname, &l, now, notice, sizeof notice, why,
			 sizeof why);
	*hold_since = h.since;
	tx->held = h.held;
	if (notice[0] && tx->o.notice)
		tx->o.notice(tx->o.notice_ctx, notice);
	if (e) {
		tx->fail_rc = e;
		xdperf_errf(tx->fail, sizeof tx->fail, "%s: %s", tx->be->name, why);
		tx_set_quit(tx);
	}
}

/* Keeps the per-stream counters of the attempt that just ended (nt threads). */
static void keep_streams(struct xdperf_tx *tx, unsigned nt)
{
	free(tx->streams);
	tx->streams_n = tx->max_n;
	tx->streams_nt = nt;
	tx->streams = calloc((size_t)nt * tx->max_n, sizeof *tx->streams);
	if (tx->streams)
		tx->be->streams(tx->be, tx->streams, nt, tx->max_n);
}

int xdperf_tx_streams(const struct xdperf_tx *tx, struct xdperf_tx_stream **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!tx || !tx->ran)
		return -EINVAL;
	if (!tx->streams)
		return tx->streams_n ? -ENOMEM : 0;
	size_t k = 0;
	for (size_t i = 0; i < (size_t)tx->streams_nt * tx->streams_n; i++)
		k += tx->streams[i].packets || tx->streams[i].refused;
	struct xdperf_tx_stream *o = calloc(k ? k : 1, sizeof *o);
	if (!o)
		return -ENOMEM;
	k = 0;
	for (unsigned th = 0; th < tx->streams_nt; th++)
		for (uint32_t t = 0; t < tx->streams_n; t++) {
			const struct dp_stream *c = &tx->streams[(size_t)th * tx->streams_n + t];
			if (!c->packets && !c->refused)
				continue;
			o[k++] = (struct xdperf_tx_stream){ .thread = th, .tmpl = t,
							    .stream = XDPERF_STAMP_STREAM(th, t),
							    .packets = c->packets, .bytes = c->bytes,
							    .refused = c->refused };
		}
	*out = o;
	*n = k;
	return 0;
}

/* One attempt with the backend in tx->be. Returns 0, or -errno with the first thread error
 * in err; *refused when XDP's probe frame was refused (nothing was sent). */
static int run_attempt(struct xdperf_tx *tx, struct xdperf_tx_result *res, bool *refused,
		       char *err, size_t errlen)
{
	unsigned nt = tx->nt;
	*refused = false;
	atomic_store(&tx->quit, 0);
	atomic_store(&tx->halt, atomic_load(&tx->stop));
	atomic_store(&tx->hold, 0);
	atomic_store(&tx->go, 0);
	atomic_store(&tx->refused, 0);
	tx->fail_rc = 0;
	tx->fail[0] = '\0';
	uint64_t count = tx->o.count;
	struct sender *senders = calloc(nt, sizeof *senders);
	if (!senders)
		return -ENOMEM;
	for (unsigned i = 0; i < nt; i++)
		senders[i].idx = i;
	if (tx->nss && tx_streams_init(tx, senders, nt)) {
		tx_streams_keep(tx, senders, nt);
		free(senders);
		return -ENOMEM;
	}
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
		xdperf_sleep_until(xdperf_mono() + 0.0005);

	if (rc || atomic_load(&tx->quit)) {
		atomic_store(&tx->go, 2);
	} else {
		tx->t0 = xdperf_mono();
		tx->deadline = tx->o.duration > 0 ? tx->t0 + tx->o.duration : 0;
		atomic_store(&tx->go, 1);
	}

	struct xdperf_tx_stats last = { 0 }, cur;
	double next_tick = tx->t0 + 1.0, next_link = tx->t0 + LINK_EVERY, hold_since = 0;
	/* rate stability: the rate of each whole second */
	double rs_sum = 0, rs_sq = 0, rs_min = INFINITY, rs_max = 0;
	unsigned rs_n = 0;
	while (atomic_load(&tx->running) > 0) {
		double now = xdperf_mono();
		bool going = atomic_load(&tx->go) == 1;
		if (going && now >= next_tick) {
			totals_now(tx, &cur, now - tx->t0);
			struct xdperf_tx_stats iv = { cur.packets - last.packets, cur.bytes - last.bytes,
						      cur.errors - last.errors, cur.refused - last.refused,
						      cur.seconds - last.seconds };
			if (tx->o.progress)
				tx->o.progress(tx->o.progress_ctx, &cur, &iv);
			if (iv.seconds > 0 && !atomic_load(&tx->hold)) {
				double r = (double)iv.packets / iv.seconds;
				rs_n++;
				rs_sum += r;
				rs_sq += r * r;
				rs_min = r < rs_min ? r : rs_min;
				rs_max = r > rs_max ? r : rs_max;
			}
			last = cur;
			next_tick += 1.0;
			if (next_tick < now)
				next_tick = now + 1.0;
		}
		/* a sender stuck waiting for a device ends at the deadline too */
		if (going && tx->deadline > 0 &&
		    now >= tx->deadline + (tx->rate > 0 ? DEADLINE_GRACE : 0))
			atomic_store(&tx->halt, 1);
		if (going && now >= next_link && !tx_should_stop(tx)) {
			next_link = now + LINK_EVERY;
			watch_link(tx, now, &hold_since);
		}
		double wake = now + 0.02;
		if (going && next_tick < wake)
			wake = next_tick;
		xdperf_sleep_until(wake);
	}
	if (atomic_load(&tx->hold)) {
		tx->held += xdperf_mono() - hold_since;
		atomic_store(&tx->hold, 0);
	}
	double end = tx->t0; /* of the last frame */
	struct dp_late late = { 0 };
	for (unsigned i = 0; i < started; i++) {
		pthread_join(tx->s[i].th, NULL);
		if (tx->s[i].last > end)
			end = tx->s[i].last;
		dp_late_merge(&late, &tx->s[i].late);
		if (!rc && tx->s[i].rc) {
			rc = tx->s[i].rc;
			xdperf_errf(err, errlen, "%s", tx->s[i].err);
		}
	}
	if (!rc && tx->fail_rc) {
		rc = tx->fail_rc;
		xdperf_errf(err, errlen, "%s", tx->fail);
	}
	res->held_s = tx->held;
	res->run_id = tx->run_id;
	res->rate_secs = rs_n;
	if (rs_n) {
		double mean = rs_sum / rs_n, var = rs_sq / rs_n - mean * mean;
		res->rate_mean = mean;
		res->rate_stddev = var > 0 ? sqrt(var) : 0;
		res->rate_cv = mean > 0 ? res->rate_stddev / mean : 0;
		res->rate_min = rs_min;
		res->rate_max = rs_max;
	}
	res->sched_frames = late.n;
	if (late.n) {
		res->sched_p50_us = dp_late_pct_us(&late, 0.50);
		res->sched_p99_us = dp_late_pct_us(&late, 0.99);
		res->sched_max_us = late.max * 1e6;
	}
	res->first_bytes = tx->first_bytes;
	keep_streams(tx, nt);
	if (tx->nss)
		tx_streams_keep(tx, senders, nt);
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
	int e = xdp ? dp_xdp_open(tx->ifindex, tx->ifname, &tx->set->f, tx->o.batch, &tx->run, &be,
				  err, errlen)
		    : dp_afpacket_open(tx->ifindex, tx->ifname, &tx->set->f, &tx->run, &be, err,
				       errlen);
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

/* True when the device is there and up with a carrier (or its state cannot be read). */
static bool has_carrier(struct xdperf_tx *tx, struct dp_link *l)
{
	int e = dp_link_query(tx->ifindex, l, NULL, 0);
	return e ? e != -ENODEV : l->dev.up && l->dev.carrier;
}

/* Before the first frame: waits (looking at the stop request) until the device has its carrier,
 * at most the stall timeout. 0 (carrier, or stopped), or -ENETDOWN / -ENODEV with the reason. */
static int wait_carrier(struct xdperf_tx *tx, char *err, size_t errlen)
{
	double start = xdperf_mono();
	bool noticed = false;
	for (;;) {
		struct dp_link l;
		if (has_carrier(tx, &l) || atomic_load(&tx->stop)) {
			if (noticed && tx->o.notice && !atomic_load(&tx->stop)) {
				char msg[160];
				snprintf(msg, sizeof msg, "%s has its carrier after %.1f s; sending",
					 tx->ifname, xdperf_mono() - start);
				tx->o.notice(tx->o.notice_ctx, msg);
			}
			return 0;
		}
		if (dp_link_query(tx->ifindex, &l, NULL, 0) == -ENODEV) {
			xdperf_errf(err, errlen, "%s no longer exists; nothing sent", tx->ifname);
			return -ENODEV;
		}
		char why[300];
		dp_link_why(&l, false, why, sizeof why);
		if (!noticed && tx->o.notice) {
			char msg[400];
			snprintf(msg, sizeof msg, "%s; waiting up to %.1f s for it (--stall-timeout)", why,
				 tx->run.stall_timeout);
			tx->o.notice(tx->o.notice_ctx, msg);
		}
		noticed = true;
		if (xdperf_mono() - start >= tx->run.stall_timeout) {
			xdperf_errf(err, errlen, "%s for %.1f s (--stall-timeout); nothing sent", why,
				    tx->run.stall_timeout);
			return -ENETDOWN;
		}
		xdperf_sleep_until(xdperf_mono() + LINK_EVERY / 2);
	}
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
	int e = wait_carrier(tx, err, errlen);
	if (e) {
		close_backend(tx, true);
		return e;
	}
	bool try_xdp = tx->o.mode != XDPERF_TX_AFPACKET;
	for (int tries = 0; try_xdp; tries++) {
		e = open_backend(tx, true, why, sizeof why);
		if (!e) {
			bool refused;
			res->resident = dp_xdp_resident(tx->be);
			e = run_attempt(tx, res, &refused, why, sizeof why);
			struct dp_link l;
			if (refused && tries < 3 && !has_carrier(tx, &l)) {
				/* refused because the carrier went just then: not a reason to fall back */
				close_backend(tx, false);
				if ((e = wait_carrier(tx, err, errlen))) {
					close_backend(tx, true);
					return e;
				}
				continue;
			}
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
		break;
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

bool xdperf_tx_rates(const struct xdperf_tx_result *r, double *pps, double *bps)
{
	*pps = *bps = 0;
	uint64_t firsts = r->threads, fb = (uint64_t)r->first_bytes * r->threads;
	if (r->total.packets <= firsts || !(r->total.seconds > 0))
		return false;
	*pps = (double)(r->total.packets - firsts) / r->total.seconds;
	*bps = (double)(r->total.bytes > fb ? r->total.bytes - fb : 0) * 8 / r->total.seconds;
	return true;
}

void xdperf_tx_free(struct xdperf_tx *tx)
{
	if (!tx)
		return;
	tx_fset_free(tx->set);
	tx_streams_free(tx);
	free(tx->streams);
	pthread_mutex_destroy(&tx->swap_lock);
	free(tx);
}
