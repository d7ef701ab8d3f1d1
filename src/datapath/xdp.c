/* XDP transmit backend: loads src/bpf/xdperf_tx.bpf.c (bpftool skeleton), fills its template
 * and schedule maps, keeps the program resident in the kernel's XDP dispatcher by attaching it
 * to the namespace's loopback for the life of the run (a bpf_link, so it goes away with the
 * process whatever way it ends), and sends frames with BPF_PROG_RUN +
 * BPF_F_TEST_XDP_LIVE_FRAMES from each pinned sender thread. Counters come from the program's
 * per-CPU map; frames the device refused come from its tracepoint programs. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include "datapath/backend.h"
#include "datapath/bpf_util.h"
#include "datapath/device.h"
#include "datapath/link.h"
#include "packet/field.h"
#include "packet/pcap.h"
#include "bpf/xdperf_fe_step.h"
#include "bpf/xdperf_stamp.h"
#include "util/arch.h"
#include "util/err.h"
#include "bpf/xdperf_bpf.h"
#include "xdperf_tx_bpf.skel.h"

_Static_assert(DP_LIST_MAX == XDPERF_BPF_LIST_MAX, "a send list fits the program's");
_Static_assert(DP_TEMPLATES_MAX == XDPERF_BPF_TMPL_MAX && DP_SCHED_MAX == XDPERF_BPF_SCHED_MAX &&
	       DP_FRAME_MAX >= XDPERF_BPF_SLOT, "a set of frames fits the BPF maps");

/* Frames up to this long were always taken as live frames (the template slot before jumbo
 * frames): sets no longer than this are not measured. */
#define XDP_LIVE_SURE 2048u

/* Frames per BPF_PROG_RUN call are capped so a call stays short (stop and rate checks
 * happen between calls); the runner asks for less when pacing. */
#define XDP_MAX_REPEAT (1u << 20)

struct xdp_be {
	struct dp_backend b;
	struct xdperf_tx_bpf *skel;
	struct bpf_link *lo_link; /* keeps the program in the dispatcher; NULL if not possible */
	int prog_fd;
	int ifindex;
	char ifname[IF_NAMESIZE + 1];
	unsigned batch;
	uint8_t data_in[XDPERF_BPF_META_LEN + XDPERF_BPF_SLOT]; /* tag + the longest template */
	unsigned live_ok;  /* the longest live frame seen taken (probe), 0 = none measured */
	bool dry;          /* XDPERF_XDP_DRY_RUN: run the program without live frames */
	struct xdperf_pcap *dry_out; /* XDPERF_XDP_DRY_OUT: the frame each call leaves */
	pthread_mutex_t dry_lock;
	uint32_t data_len;
	int ncpus;
	struct xdperf_bpf_tx_cpu *percpu; /* scratch for totals(), ncpus entries */
	struct xdperf_bpf_list *lists;    /* ordered sets: tx_list, memory-mapped (a sender's
					   * entry by worker index) */
	size_t lists_bytes;
	unsigned nthreads;                /* their entries */
	pthread_mutex_t totals_lock;
	/* Hot swap: the set in use is bank gen & 1 (gen mirrors the program's global). */
	pthread_mutex_t lock;               /* swap vs worker registration */
	uint32_t gen;
	const struct dp_frames *cur;        /* the set in bank gen & 1 */
	unsigned nworkers;
	unsigned worker_idx[1024];
	int worker_cpu[1024];
	struct xdperf_bpf_fe_state *states; /* scratch: ncpus per-CPU values */
	struct xdperf_bpf_tmpl_cnt *tcnt;   /* scratch for streams(): ncpus per-CPU values */
	const struct dp_run *run;
};

struct xdp_worker {
	struct xdp_be *x;
	struct xdp_md ctx;
	int cpu;                  /* the CPU this worker's thread is pinned to */
	uint64_t refused_seen;    /* refusals on that CPU already sent again */
	uint64_t aborted_seen;    /* frames the program gave up on, so far */
	uint64_t accepted;        /* frames the device took from this worker */
	uint32_t last_refused;    /* template | len << 16 of the last refused frame */
	struct xdperf_bpf_tx_cpu *percpu; /* scratch, ncpus entries */
	unsigned idx;             /* worker index (its tx_list entry) */
	uint64_t owed;            /* ordered sets: frames of the last list not yet accepted */
};

/* Frames refused, and frames the program gave up on, so far on this worker's CPU (the
 * tracepoints count on the CPU that sends). */
static int refused_on_cpu(struct xdp_worker *w, uint64_t *refused, uint64_t *aborted)
{
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(w->x->skel->maps.tx_cpu), &zero, w->percpu))
		return -errno;
	const struct xdperf_bpf_tx_cpu *s = &w->percpu[w->cpu];
	*refused = s->drops + s->redirect_err;
	*aborted = s->aborted;
	w->last_refused = s->last_refused;
	return 0;
}

/* True when field engine fe runs and writes the checksum at off afresh (it computes every
 * checksum it keeps from the template's, not from what the page holds). */
static bool fe_writes_csum(const struct xdperf_bpf_fe *fe, uint32_t off)
{
	if (!fe->nmods)
		return false;
	for (uint32_t c = 0; c < fe->ncsums && c < XDPERF_BPF_FE_CSUMS; c++)
		if (fe->csum[c].off == off)
			return true;
	return false;
}

/* True when stamping writes byte off of a frame with trailer place *at (trailer, checksum). */
static bool stamp_writes(const struct xdperf_bpf_stamp *at, uint32_t off)
{
	return (off >= at->off && off < at->off + (uint32_t)XDPERF_STAMP_LEN) ||
	       ((at->flags & XDPERF_BPF_ST_CSUM) && off >= at->csum_off && off < at->csum_off + 2u);
}

/* The window [off, off+len) outside which every template equals template 0, when all
 * templates have template 0's length; false when lengths differ or the window is empty. */
static bool common_window(const struct dp_frames *f, uint32_t *off, uint32_t *len)
{
	uint32_t l0 = f->len[0], lo = l0, hi = 0;
	for (uint32_t t = 0; t < f->n; t++) {
		if (f->len[t] != l0)
			return false;
		/* bytes that differ from template 0, or that a field engine writes (a page that
		 * held another template keeps that template's last field values there) */
		for (uint32_t i = 0; i < l0; i++)
			if (f->frame[t][i] != f->frame[0][i] ||
			    (f->fe && f->fe[t].bpf.nmods && xdperf_fe_writes(&f->fe[t].bpf, i)) ||
			    (f->stamp && stamp_writes(&f->stamp[t], i))) {
				if (i < lo)
					lo = i;
				if (i + 1 > hi)
					hi = i + 1;
			}
	}
	if (hi <= lo)
		return false;
	*off = lo;
	*len = hi - lo;
	return true;
}

static int map_err(const char *what, uint32_t t, char *err, size_t errlen)
{
	int e = -errno;
	xdperf_errf(err, errlen, "xdp: loading %s %u into the BPF map: %s", what, t, strerror(-e));
	return e;
}

/* Writes the start states of the registered workers (all, or only worker number `only`,
 * keeping the other CPUs' states) into bank `bank` for the templates of f that have a field
 * engine. Called with x->lock held, before those states are in use. */
static int init_states(struct xdp_be *x, uint32_t bank, const struct dp_frames *f, int only,
		       char *err, size_t errlen)
{
	if (!f->fe)
		return 0;
	int fd = bpf_map__fd(x->skel->maps.fe_state);
	for (uint32_t t = 0; t < f->n; t++) {
		if (!f->fe[t].bpf.nmods)
			continue;
		uint32_t key = bank * XDPERF_BPF_TMPL_MAX + t;
		memset(x->states, 0, (size_t)x->ncpus * sizeof *x->states);
		if (only >= 0 && bpf_map_lookup_elem(fd, &key, x->states))
			return map_err("the field state of template", t, err, errlen);
		for (unsigned i = 0; i < x->nworkers; i++)
			if (only < 0 || (unsigned)only == i)
				xdperf_fe_state_init(&f->fe[t], x->worker_idx[i],
						     &x->states[x->worker_cpu[i]]);
		if (bpf_map_update_elem(fd, &key, x->states, BPF_ANY))
			return map_err("the field state of template", t, err, errlen);
	}
	return 0;
}

/* Page keeping (struct xdperf_bpf_bank keep_k) for an unordered set of at most
 * XDPERF_BPF_KEEP_MAX templates that would be copied into pages (not patched in a small
 * window): blocks of at most as many whole schedule cycles as fit in XDPERF_BPF_KEEP_BLOCK
 * frames. */
static void keep_blocks(const struct dp_frames *f, struct xdperf_bpf_bank *cfg)
{
	if (f->ordered || f->n < 2 || f->n > XDPERF_BPF_KEEP_MAX || cfg->win_words ||
	    f->sched_len < 2 || f->sched_len > XDPERF_BPF_KEEP_BLOCK)
		return;
	uint32_t cycles = XDPERF_BPF_KEEP_BLOCK / f->sched_len;
	for (uint32_t i = 0; i < f->sched_len; i++) {
		if (f->sched[i] >= XDPERF_BPF_KEEP_MAX) {
			memset(cfg->keep_cnt, 0, sizeof cfg->keep_cnt);
			return;
		}
		cfg->keep_cnt[f->sched[i]]++;
	}
	cfg->keep_k = f->sched_len * cycles;
}

/* Fills bank `bank` with the set f (templates, windows, schedule, field engines, start
 * states) and its settings. first: the run's first set (every page starts holding its
 * longest template). Called with x->lock held, while the bank is not in use. */
static int fill_bank(struct xdp_be *x, uint32_t bank, const struct dp_frames *f, bool first,
		     char *err, size_t errlen)
{
	struct xdperf_bpf_bank cfg = { .sched_len = f->sched_len, .base_len = f->len[0] };
	cfg.fe_on = f->fe != NULL;
	cfg.stamp_on = f->stamp != NULL;
	/* one template that every page already holds: send pages as they are */
	cfg.single = first && f->n == 1;
	uint32_t woff, wlen;
	if (f->n > 1 && common_window(f, &woff, &wlen)) {
		uint32_t words = (wlen + 7) / 8, l0 = f->len[0];
		if (words <= XDPERF_BPF_WWORDS && words * 8 <= l0) {
			cfg.win_words = words;
			cfg.win_at = woff + words * 8 <= l0 ? woff : l0 - words * 8;
		} else {
			cfg.win_on = 1;
			cfg.win_off = woff;
			cfg.win_len = wlen;
		}
	}
	keep_blocks(f, &cfg);
	struct xdperf_bpf_tmpl *v = calloc(1, sizeof *v);
	if (!v)
		return -ENOMEM;
	int e = 0;
	int fd = bpf_map__fd(x->skel->maps.templates);
	int fdw = bpf_map__fd(x->skel->maps.windows);
	int fdf = bpf_map__fd(x->skel->maps.fe);
	int fds = bpf_map__fd(x->skel->maps.stamp);
	for (uint32_t t = 0; t < f->n && !e; t++) {
		uint32_t key = bank * XDPERF_BPF_TMPL_MAX + t;
		memset(v, 0, sizeof *v);
		v->len = f->len[t];
		memcpy(v->data, f->frame[t], f->len[t]);
		if (bpf_map_update_elem(fd, &key, v, BPF_ANY)) {
			e = map_err("template", t, err, errlen);
			break;
		}
		if (cfg.win_words) {
			struct xdperf_bpf_win wv = { 0 };
			memcpy(wv.w, f->frame[t] + cfg.win_at, cfg.win_words * 8);
			if (bpf_map_update_elem(fdw, &key, &wv, BPF_ANY))
				e = map_err("template", t, err, errlen);
		}
		if (f->fe && !e) {
			if (bpf_map_update_elem(fdf, &key, &f->fe[t].bpf, BPF_ANY))
				e = map_err("the field engine of template", t, err, errlen);
		}
		if (f->stamp && !e) {
			struct xdperf_bpf_stamp sv = f->stamp[t];
			if (f->fe && fe_writes_csum(&f->fe[t].bpf, sv.csum_off))
				sv.flags |= XDPERF_BPF_ST_FE_CSUM;
			else if ((!f->fe || !f->fe[t].bpf.nmods) && sv.csum_off + 2u <= f->len[t])
				/* only the trailer changes: its checksum from the template's
				 * (whose trailer is zero), not from what the page holds */
				sv.flags |= XDPERF_BPF_ST_TMPL_CK;
			memcpy(&sv.tmpl_ck, f->frame[t] + sv.csum_off, 2);
			if (bpf_map_update_elem(fds, &key, &sv, BPF_ANY))
				e = map_err("the stamp place of template", t, err, errlen);
		}
	}
	free(v);
	if (e)
		return e;
	fd = bpf_map__fd(x->skel->maps.schedule);
	for (uint32_t i = 0; i < f->sched_len; i++) {
		uint32_t key = bank * XDPERF_BPF_SCHED_MAX + i;
		if (bpf_map_update_elem(fd, &key, &f->sched[i], BPF_ANY))
			return map_err("schedule entry", i, err, errlen);
	}
	if ((e = init_states(x, bank, f, -1, err, errlen)))
		return e;
	fd = bpf_map__fd(x->skel->maps.banks);
	if (bpf_map_update_elem(fd, &bank, &cfg, BPF_ANY))
		return map_err("bank", bank, err, errlen);
	return 0;
}

/* Whether the kernel takes a live frame of len bytes: runs the probe program (it drops the
 * frame) once. 1 yes, 0 no (EINVAL: too long), -errno when it cannot be told. */
static int live_takes(struct xdp_be *x, unsigned len)
{
	static const uint8_t zeros[XDPERF_BPF_META_LEN + XDPERF_BPF_SLOT];
	struct xdp_md ctx = { .data = XDPERF_BPF_META_LEN, .data_end = XDPERF_BPF_META_LEN + len,
			      .ingress_ifindex = (uint32_t)x->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = zeros, .data_size_in = ctx.data_end,
		    .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	if (len > XDPERF_BPF_SLOT)
		return 0;
	if (!bpf_prog_test_run_opts(bpf_program__fd(x->skel->progs.xdperf_tx_probe), &o))
		return 1;
	return errno == EINVAL ? 0 : -errno;
}

/* The longest live frame this kernel takes, at most XDPERF_BPF_SLOT: a live frame is one page
 * less the XDP headroom, the kernel's page head and the room for skb_shared_info (3408 bytes
 * on x86-64 with 4 KiB pages, Linux 6.18). Measured by bisection with the probe program. 0
 * when it cannot be told (*why: the -errno that stopped it, 0 if none). */
static unsigned live_frame_max(struct xdp_be *x, int *why)
{
	unsigned lo = XDP_LIVE_SURE, hi = XDPERF_BPF_SLOT + 1; /* lo taken, hi not */
	int r = live_takes(x, lo);
	*why = r < 0 ? r : 0;
	if (r != 1)
		return 0;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		r = live_takes(x, mid);
		if (r < 0) {
			*why = r;
			return 0;
		}
		if (r)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The index of f's longest template (the first of them). */
static uint32_t longest_template(const struct dp_frames *f)
{
	uint32_t big = 0;
	for (uint32_t t = 1; t < f->n; t++)
		if (f->len[t] > f->len[big])
			big = t;
	return big;
}

/* Checks that every frame of f fits a live frame on this kernel: 0, or -EOPNOTSUPP with one
 * line naming the first frame too long, its length and the limit. Sets no longer than
 * XDP_LIVE_SURE (or than a length seen taken) are not measured. */
static int live_fits(struct xdp_be *x, const struct dp_frames *f, char *err, size_t errlen)
{
	if (x->dry)
		return 0;
	uint32_t big = longest_template(f);
	unsigned len = f->len[big];
	if (len <= XDP_LIVE_SURE || len <= x->live_ok)
		return 0;
	int r = live_takes(x, len);
	if (r == 1) {
		x->live_ok = len;
		return 0;
	}
	int why = 0;
	unsigned max = r == -EPERM ? 0 : live_frame_max(x, &why);
	if (max)
		xdperf_errf(err, errlen, "xdp: template %u is %u bytes; XDP live frames take at "
			    "most %u bytes on this kernel", big, len, max);
	else if (r == -EPERM || why == -EPERM) /* no live frame at all: not the length's fault */
		xdperf_errf(err, errlen, "xdp: the kernel does not let this process send XDP live "
			    "frames on %s (BPF_PROG_RUN: %s)", x->ifname, strerror(EPERM));
	else
		xdperf_errf(err, errlen, "xdp: template %u is %u bytes; the kernel did not take "
			    "it as a live frame (%s)", big, len, strerror(r < 0 ? -r : EINVAL));
	return -EOPNOTSUPP;
}

/* Hot swap: fill the bank not in use, then switch the program to it. The runner makes sure
 * no frame still uses the old bank before the next swap refills it. */
static int xdp_swap(struct dp_backend *b, const struct dp_frames *f, char *err, size_t errlen)
{
	struct xdp_be *x = b->priv;
	int e = dp_frames_check(f, "xdp", x->ifname, err, errlen);
	if (e)
		return e;
	pthread_mutex_lock(&x->lock);
	if ((e = live_fits(x, f, err, errlen))) {
		pthread_mutex_unlock(&x->lock);
		return e;
	}
	uint32_t next = x->gen + 1;
	e = fill_bank(x, next & 1, f, false, err, errlen);
	if (!e) {
		__atomic_store_n(&x->skel->data->gen, next, __ATOMIC_RELEASE);
		x->gen = next;
		x->cur = f;
	}
	pthread_mutex_unlock(&x->lock);
	return e;
}

static int xdp_worker_open(struct dp_backend *b, unsigned idx, void **out, char *err, size_t errlen)
{
	struct xdp_be *x = b->priv;
	struct xdp_worker *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->x = x;
	w->idx = idx;
	w->cpu = sched_getcpu();
	w->percpu = calloc((size_t)x->ncpus, sizeof *w->percpu);
	if (w->cpu < 0 || w->cpu >= x->ncpus || !w->percpu ||
	    refused_on_cpu(w, &w->refused_seen, &w->aborted_seen)) {
		free(w->percpu);
		free(w);
		xdperf_errf(err, errlen, "xdp: setting up sender %u on %s failed", idx, x->ifname);
		return -ENOMEM;
	}
	/* register: the worker's field engine state lives in its CPU's slot */
	pthread_mutex_lock(&x->lock);
	int e = 0;
	uint32_t cpu = (uint32_t)w->cpu;
	if (cpu >= XDPERF_BPF_CPUS_MAX ||
	    bpf_map_update_elem(bpf_map__fd(x->skel->maps.cpu_worker), &cpu, &idx, BPF_ANY)) {
		e = -EINVAL;
		xdperf_errf(err, errlen, "xdp: cannot register sender %u on CPU %d", idx, w->cpu);
	} else if (x->nworkers < 1024) {
		x->worker_idx[x->nworkers] = idx;
		x->worker_cpu[x->nworkers] = w->cpu;
		x->nworkers++;
		e = init_states(x, x->gen & 1, x->cur, (int)x->nworkers - 1, err, errlen);
	} else {
		e = -E2BIG;
		xdperf_errf(err, errlen, "xdp: too many sender threads");
	}
	pthread_mutex_unlock(&x->lock);
	if (e) {
		free(w->percpu);
		free(w);
		return e;
	}
	w->ctx.data = XDPERF_BPF_META_LEN;
	w->ctx.data_end = x->data_len;
	w->ctx.ingress_ifindex = (uint32_t)x->ifindex;
	w->ctx.rx_queue_index = 0;
	*out = w;
	return 0;
}

/* Why the device refused the first frames of a run, as far as can be seen. */
static void refused_message(struct xdp_worker *w, char *err, size_t errlen)
{
	struct xdp_be *x = w->x;
	char why[300] = "";
	struct dp_link l;
	if (dp_link_query(x->ifindex, &l, NULL, 0) == 0)
		dp_link_why(&l, true, why, sizeof why);
	if (why[0])
		xdperf_errf(err, errlen, "xdp: %s refused the frames sent to it with XDP: %s",
			    x->ifname, why);
	else
		xdperf_errf(err, errlen, "xdp: %s refused the frames sent to it with XDP (its "
			    "driver cannot transmit XDP frames)", x->ifname);
}

/* XDPERF_XDP_DRY_OUT: the frame a dry call left (its last program run), stamped with
 * CLOCK_TAI after the call. */
static void dry_record(struct xdp_be *x, const uint8_t *frame, uint32_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_TAI, &ts);
	pthread_mutex_lock(&x->dry_lock);
	(void)xdperf_pcap_write(x->dry_out, frame, len,
				(uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	pthread_mutex_unlock(&x->dry_lock);
}

static int send_frames(struct xdp_worker *w, uint64_t n, uint64_t *done, struct dp_wait *wait,
		       char *err, size_t errlen)
{
	struct xdp_be *x = w->x;
	*done = 0;
	while (n) {
		if (x->run->stop && atomic_load_explicit(x->run->stop, memory_order_relaxed))
			return -EINTR;
		uint32_t rep = n > XDP_MAX_REPEAT ? XDP_MAX_REPEAT : (uint32_t)n;
		/* a new call: its first stamp reads the clock afresh (the program's stamp_clock) */
		x->skel->bss->call_gen[(unsigned)w->cpu & (XDPERF_BPF_CPUS_MAX - 1)]++;
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = x->data_in,
			    .data_size_in = x->data_len,
			    .ctx_in = &w->ctx,
			    .ctx_size_in = sizeof w->ctx,
			    .repeat = (int)rep,
			    .flags = x->dry ? 0 : BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = x->dry ? 0 : x->batch);
		uint8_t out[XDPERF_BPF_META_LEN + XDPERF_BPF_SLOT];
		struct xdp_md ctx_out;
		if (x->dry_out) {
			o.data_out = out;
			o.data_size_out = sizeof out;
			o.ctx_out = &ctx_out;
			o.ctx_size_out = sizeof ctx_out;
		}
		if (bpf_prog_test_run_opts(x->prog_fd, &o)) {
			int e = -errno;
			if (e == -ENODEV || e == -ENXIO)
				xdperf_errf(err, errlen, "xdp: %s no longer exists", x->ifname);
			else if (e == -EPERM && w->accepted == 0)
				xdperf_errf(err, errlen,
					    "xdp: the kernel does not let this process send XDP live frames on "
					    "%s (BPF_PROG_RUN: %s)", x->ifname, strerror(-e));
			else if (e == -EINVAL || e == -EOPNOTSUPP)
				xdperf_errf(err, errlen,
					    "xdp: the kernel refused BPF_PROG_RUN with live frames on %s (%s; "
					    "needs Linux 5.18 or later)", x->ifname, strerror(-e));
			else
				xdperf_errf(err, errlen, "xdp: BPF_PROG_RUN on %s: %s", x->ifname, strerror(-e));
			return e;
		}
		if (x->dry_out && ctx_out.data <= ctx_out.data_end && ctx_out.data_end <= o.data_size_out)
			dry_record(x, out + ctx_out.data, ctx_out.data_end - ctx_out.data);
		/* What the device refused goes again, as itself (the program's redo queue), until
		 * exactly n were accepted. */
		uint64_t r, ab;
		int e = refused_on_cpu(w, &r, &ab);
		if (e) {
			xdperf_errf(err, errlen, "xdp: reading the counters: %s", strerror(-e));
			return e;
		}
		if (ab != w->aborted_seen) {
			xdperf_errf(err, errlen, "xdp: the transmit program gave up on %llu frames for "
				    "%s (internal error)", (unsigned long long)(ab - w->aborted_seen),
				    x->ifname);
			return -EIO;
		}
		uint64_t again = r - w->refused_seen;
		w->refused_seen = r;
		uint64_t took = rep - (again < rep ? again : rep);
		w->accepted += took;
		*done += took;
		n -= took;
		if (took) {
			dp_wait_done(wait);
			continue;
		}
		if (w->accepted == 0) {
			refused_message(w, err, errlen);
			return -EOPNOTSUPP;
		}
		e = dp_wait_more(x->run, wait);
		if (e == -ETIMEDOUT)
			dp_stall_message(x->run, "xdp", x->ifindex, x->ifname, true,
					 w->last_refused ? (int)(w->last_refused & 0xffff) : -1,
					 w->last_refused >> 16, err, errlen);
		if (e)
			return e;
	}
	return 0;
}

static int xdp_send(void *wp, uint64_t n, uint64_t *done, double *idle_since, char *err,
		    size_t errlen)
{
	struct xdp_worker *w = wp;
	struct dp_wait wait = { 0 };
	/* the program's page keeping fits its blocks into these n frames of the schedule */
	w->x->skel->bss->fresh_left[(unsigned)w->cpu & (XDPERF_BPF_CPUS_MAX - 1)] = n;
	int e = send_frames(wp, n, done, &wait, err, errlen);
	*idle_since = dp_wait_idle_since(&wait);
	return e;
}

/* Ordered sets: the frames still owed by the last list go first (the program takes its
 * refused frames, then the list's untaken entries, for them); then this list, put into the
 * worker's tx_list entry, and exactly n frames more. */
static int xdp_send_list(void *wp, const uint32_t *list, uint32_t n, uint64_t *done,
			 double *idle_since, char *err, size_t errlen)
{
	struct xdp_worker *w = wp;
	struct dp_wait wait = { 0 };
	*done = 0;
	*idle_since = 0;
	int e = 0;
	if (w->owed) {
		uint64_t d = 0;
		e = send_frames(w, w->owed, &d, &wait, err, errlen);
		w->owed -= d < w->owed ? d : w->owed;
		*done += d;
	}
	if (!e && n) {
		if (n > DP_LIST_MAX || !list) {
			xdperf_errf(err, errlen, "xdp: a send list of %u frames (at most %u)", n,
				    DP_LIST_MAX);
			return -EINVAL;
		}
		if (!w->x->lists || w->idx >= w->x->nthreads) {
			xdperf_errf(err, errlen, "xdp: sender %u has no send list", w->idx);
			return -EINVAL;
		}
		/* the program reads it during the call below (the syscall orders the stores) */
		struct xdperf_bpf_list *l = &w->x->lists[w->idx];
		memcpy(l->t, list, (size_t)n * sizeof *list);
		l->len = n;
		l->pos = 0;
		uint64_t d = 0;
		w->owed = n;
		e = send_frames(w, n, &d, &wait, err, errlen);
		w->owed -= d < w->owed ? d : w->owed;
		*done += d;
	}
	*idle_since = dp_wait_idle_since(&wait);
	return e;
}

static void xdp_worker_close(void *wp)
{
	struct xdp_worker *w = wp;
	free(w->percpu);
	free(w);
}

static void xdp_totals(struct dp_backend *b, struct dp_totals *t)
{
	struct xdp_be *x = b->priv;
	memset(t, 0, sizeof *t);
	uint32_t zero = 0;
	pthread_mutex_lock(&x->totals_lock);
	if (!bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.tx_cpu), &zero, x->percpu)) {
		uint64_t refused = 0, refused_bytes = 0;
		for (int c = 0; c < x->ncpus; c++) {
			const struct xdperf_bpf_tx_cpu *s = &x->percpu[c];
			t->packets += s->packets;
			t->bytes += s->bytes;
			refused += s->drops + s->redirect_err;
			refused_bytes += s->refused_bytes;
		}
		/* refused frames were returned as XDP_TX and counted; each is known with its
		 * length (the program's frame records), and was sent again as itself */
		t->packets = t->packets >= refused ? t->packets - refused : 0;
		t->bytes = t->bytes >= refused_bytes ? t->bytes - refused_bytes : 0;
		t->refused = refused;
	}
	pthread_mutex_unlock(&x->totals_lock);
}

static void xdp_streams(struct dp_backend *b, struct dp_stream *out, unsigned nworkers,
			uint32_t ntmpl)
{
	struct xdp_be *x = b->priv;
	int fd = bpf_map__fd(x->skel->maps.tmpl_cnt);
	uint32_t zero = 0;
	pthread_mutex_lock(&x->lock);
	pthread_mutex_lock(&x->totals_lock);
	/* the fast path's frames (template 0, counted only in tx_cpu) = tx_cpu's less the
	 * recorded ones, per CPU */
	int have_cpu = !bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.tx_cpu), &zero, x->percpu);
	uint64_t anon_p[XDPERF_BPF_CPUS_MAX] = { 0 }, anon_b[XDPERF_BPF_CPUS_MAX] = { 0 };
	for (int c = 0; have_cpu && c < x->ncpus && c < XDPERF_BPF_CPUS_MAX; c++) {
		anon_p[c] = x->percpu[c].packets;
		anon_b[c] = x->percpu[c].bytes;
	}
	for (uint32_t t = 0; t < ntmpl && t < XDPERF_BPF_TMPL_MAX; t++) {
		if (bpf_map_lookup_elem(fd, &t, x->tcnt))
			continue;
		for (unsigned i = 0; i < x->nworkers; i++) {
			unsigned idx = x->worker_idx[i];
			int cpu = x->worker_cpu[i];
			const struct xdperf_bpf_tmpl_cnt *c = &x->tcnt[cpu];
			anon_p[cpu] -= c->packets;
			anon_b[cpu] -= c->bytes;
			if (idx >= nworkers)
				continue;
			struct dp_stream *s = &out[(size_t)idx * ntmpl + t];
			s->packets += c->packets - c->refused;
			s->bytes += c->bytes - c->refused_bytes;
			s->refused += c->refused;
		}
	}
	for (unsigned i = 0; have_cpu && ntmpl && i < x->nworkers; i++) {
		unsigned idx = x->worker_idx[i];
		if (idx < nworkers) {
			out[(size_t)idx * ntmpl].packets += anon_p[x->worker_cpu[i]];
			out[(size_t)idx * ntmpl].bytes += anon_b[x->worker_cpu[i]];
		}
	}
	pthread_mutex_unlock(&x->totals_lock);
	pthread_mutex_unlock(&x->lock);
}

/* A dry run's closing line: how the program filled its pages (program runs; pages written
 * whole, patched in their differing window, sent as they were) — what its cost is made of. */
static void dry_pages_line(struct xdp_be *x)
{
	uint32_t zero = 0;
	uint64_t runs = 0, copies = 0, patches = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.tx_cpu), &zero, x->percpu))
		return;
	for (int c = 0; c < x->ncpus; c++) {
		runs += x->percpu[c].packets;
		copies += x->percpu[c].copies;
		patches += x->percpu[c].patches;
	}
	uint64_t kept = runs - (copies + patches <= runs ? copies + patches : runs);
	fprintf(stderr,
		"xdperf: xdp: XDPERF_XDP_DRY_RUN=1: %" PRIu64 " program runs: %" PRIu64
		" pages written whole, %" PRIu64 " patched, %" PRIu64 " sent as they were\n",
		runs, copies, patches, kept);
}

static void xdp_close(struct dp_backend *b)
{
	if (!b)
		return;
	struct xdp_be *x = b->priv;
	if (x->dry)
		dry_pages_line(x);
	bpf_link__destroy(x->lo_link);
	if (x->lists)
		munmap(x->lists, x->lists_bytes);
	xdperf_tx_bpf__destroy(x->skel);
	if (x->dry_out) {
		char e[512];
		if (xdperf_pcap_close(x->dry_out, e, sizeof e))
			fprintf(stderr, "xdperf: xdp: XDPERF_XDP_DRY_OUT: %s\n", e);
	}
	pthread_mutex_destroy(&x->dry_lock);
	pthread_mutex_destroy(&x->totals_lock);
	pthread_mutex_destroy(&x->lock);
	free(x->percpu);
	free(x->states);
	free(x->tcnt);
	free(x);
}

int dp_xdp_open(int ifindex, const char *ifname, const struct dp_frames *f, unsigned batch,
		const struct dp_run *run, struct dp_backend **out, char *err, size_t errlen)
{
	int e = dp_frames_check(f, "xdp", ifname, err, errlen);
	if (e)
		return e;
	if (batch > 256) {
		xdperf_errf(err, errlen, "xdp: batch size %u (1..256)", batch);
		return -EINVAL;
	}
	dp_bpf_quiet_libbpf();
	struct xdp_be *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	pthread_mutex_init(&x->totals_lock, NULL);
	pthread_mutex_init(&x->lock, NULL);
	pthread_mutex_init(&x->dry_lock, NULL);
	x->b = (struct dp_backend){ .name = "xdp", .priv = x, .worker_open = xdp_worker_open,
				    .send = xdp_send, .send_list = xdp_send_list,
				    .worker_close = xdp_worker_close,
				    .totals = xdp_totals, .streams = xdp_streams, .swap = xdp_swap,
				    .close = xdp_close };
	x->run = run;
	x->ifindex = ifindex;
	snprintf(x->ifname, sizeof x->ifname, "%s", ifname);
	x->batch = batch ? batch : 64;
	/* a benchmark aid (bench/tx_dry.sh): the transmit program's cost where live frames are
	 * refused; said on stderr, so no count is taken for frames sent */
	const char *dry = getenv("XDPERF_XDP_DRY_RUN");
	x->dry = dry && !strcmp(dry, "1");
	if (x->dry)
		fprintf(stderr, "xdperf: xdp: XDPERF_XDP_DRY_RUN=1: frames go through the transmit "
			"program on %s but are not sent; the counts are program runs\n", ifname);
	/* for tests: the frame each dry call leaves, into a pcap */
	const char *dry_out = getenv("XDPERF_XDP_DRY_OUT");
	if (x->dry && dry_out && *dry_out && (e = xdperf_pcap_open(dry_out, &x->dry_out, err, errlen)))
		goto fail;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0 || !(x->percpu = calloc((size_t)x->ncpus, sizeof *x->percpu)) ||
	    !(x->states = calloc((size_t)x->ncpus, sizeof *x->states)) ||
	    !(x->tcnt = calloc((size_t)x->ncpus, sizeof *x->tcnt))) {
		e = -ENOMEM;
		goto fail;
	}

	x->skel = xdperf_tx_bpf__open();
	if (!x->skel) {
		e = -errno;
		xdperf_errf(err, errlen, "xdp: opening the BPF object: %s", strerror(-e));
		goto fail;
	}
	x->skel->bss->tx_ifindex = (uint32_t)ifindex;
	x->skel->bss->tgid = (uint32_t)getpid();
	x->skel->bss->stamp_run = f->run_id;
	char drv[32];
	/* veth passes our pages to the peer, whose XDP program may write them (a reflector); a
	 * dry run's buffer goes nowhere, so it is reused as a NIC's pages are */
	x->skel->bss->pages_shared = !x->dry && (dp_device_driver(ifname, drv, sizeof drv) != 0 ||
						 !strcmp(drv, "veth"));
	x->gen = 1;
	x->skel->data->gen = x->gen;
	x->skel->rodata->word_access = XDPERF_ARCH_UNALIGNED;
	if (f->ordered) {
		x->skel->rodata->ordered = 1;
		e = bpf_map__set_max_entries(x->skel->maps.tx_list, f->nthreads ? f->nthreads : 1);
		if (e) {
			xdperf_errf(err, errlen, "xdp: sizing the send lists: %s", strerror(-e));
			goto fail;
		}
	}
	e = xdperf_tx_bpf__load(x->skel);
	if (e) {
		e = e < 0 ? e : -errno;
		dp_bpf_load_error(err, errlen, "xdp", ifname, e);
		goto fail;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.xdperf_tx);
	if (f->ordered) {
		long pg = sysconf(_SC_PAGESIZE);
		x->nthreads = f->nthreads ? f->nthreads : 1;
		x->lists_bytes = ((size_t)x->nthreads * sizeof *x->lists + (size_t)pg - 1) /
				 (size_t)pg * (size_t)pg;
		void *m = mmap(NULL, x->lists_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(x->skel->maps.tx_list), 0);
		if (m == MAP_FAILED) {
			e = -errno;
			xdperf_errf(err, errlen, "xdp: mapping the send lists: %s", strerror(-e));
			goto fail;
		}
		x->lists = m;
	}
	x->cur = f;
	if ((e = live_fits(x, f, err, errlen)))
		goto fail;
	if ((e = fill_bank(x, x->gen & 1, f, true, err, errlen)))
		goto fail;
	e = xdperf_tx_bpf__attach(x->skel); /* the two tracepoint counters */
	if (e) {
		e = e < 0 ? e : -errno;
		xdperf_errf(err, errlen, "xdp: attaching the drop counters (xdp tracepoints): %s",
			    strerror(-e));
		goto fail;
	}
	/* Resident in the dispatcher: attached (generic mode) to this namespace's loopback. If
	 * that is not possible (another program there), runs still work, only slower to start. */
	int lo = (int)if_nametoindex("lo");
	if (lo > 0 && lo != ifindex)
		x->lo_link = bpf_program__attach_xdp(x->skel->progs.xdperf_tx, lo);

	/* every page starts holding the longest template: any other is a shorter frame in it,
	 * never a longer one (growing a frame zeroes what it adds) */
	uint32_t big = longest_template(f);
	uint32_t tag[2] = { big, x->gen };
	memcpy(x->data_in, tag, sizeof tag);
	memcpy(x->data_in + XDPERF_BPF_META_LEN, f->frame[big], f->len[big]);
	x->data_len = XDPERF_BPF_META_LEN + f->len[big];
	*out = &x->b;
	return 0;
fail:
	xdp_close(&x->b);
	return e ? e : -EINVAL;
}

bool dp_xdp_resident(const struct dp_backend *b)
{
	const struct xdp_be *x = b->priv;
	return x->lo_link != NULL;
}
