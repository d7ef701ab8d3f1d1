/* AF_PACKET transmit backend: one raw packet socket per sender thread, bound to the device
 * with the qdisc bypassed. Two send paths, same results: a PACKET_TX_RING (afpacket_ring.c,
 * the default: 10-20% faster than sendmmsg on a veth pair) and sendmmsg batches whose iovecs
 * point straight at the templates, or, for templates with field engine modifiers, at
 * per-worker copies the engine rewrote (here). The ring's frames carry a virtio-net header,
 * which makes the kernel skip its MTU check, so the ring is used only for frames that fit
 * every MTU on the way (src/datapath/link.h). XDPERF_AFPACKET=mmsg|ring overrides the choice
 * (for measurements). Frames the device refuses for lack of room (ENOBUFS/EAGAIN) are
 * retried, so exactly the requested number goes out — until the run's stop request or the
 * stall timeout; a frame is built (and the engine's state advanced) once, however often it is
 * retried. Every accepted frame is counted to its worker and template (its stream). A hot
 * swap publishes the new set; each worker switches to it at the start of its next send
 * call. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "datapath/afpacket_int.h"
#include "datapath/link.h"
#include "util/err.h"

#define AFP_BATCH 256           /* messages per sendmmsg */
#define AFP_SNDBUF (64 << 20)   /* requested send buffer (SO_SNDBUFFORCE, else SO_SNDBUF) */

struct afp_worker {
	struct afp *a;
	int fd;
	unsigned idx;             /* worker index (field engine start states) */
	const struct dp_frames *f; /* the set this worker sends from */
	uint32_t pos;             /* schedule position of the next frame to go out */
	struct xdperf_bpf_fe_state *state; /* per template of f; NULL without field engine */
	uint8_t (*buf)[DP_FRAME_MAX]; /* AFP_BATCH frame copies for the field engine / stamps */
	uint64_t seq[DP_TEMPLATES_MAX]; /* next stamp sequence number per template */
	unsigned built, sent;     /* frames in msg[] built, and of those sent */
	uint32_t bt[AFP_BATCH];   /* ordered sets: the template of each built frame */
	uint32_t *lbuf;           /* ordered sets: the current send list ... */
	uint32_t llen, lpos;      /* ... its entries, and the next to build */
	struct mmsghdr msg[AFP_BATCH];
	struct iovec iov[AFP_BATCH];
};

/* A socket that sends on ifindex and receives nothing (protocol 0). */
int afp_socket(struct afp *a, char *err, size_t errlen)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			xdperf_errf(err, errlen, "afpacket: cannot open a packet socket on %s: %s "
				    "(needs CAP_NET_RAW)", a->ifname, strerror(e));
		else
			xdperf_errf(err, errlen, "afpacket: cannot open a packet socket on %s: %s",
				    a->ifname, strerror(e));
		return -e;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = 0,
				   .sll_ifindex = a->ifindex };
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		xdperf_errf(err, errlen, "afpacket: cannot bind a packet socket to %s: %s",
			    a->ifname, strerror(e));
		close(fd);
		return -e;
	}
	int one = 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		int e = errno;
		xdperf_errf(err, errlen, "afpacket: cannot bypass the qdisc of %s: %s",
			    a->ifname, strerror(e));
		close(fd);
		return -e;
	}
	int sb = AFP_SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sb, sizeof(sb)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)); /* capped; fine */
	return fd;
}


int afp_fe_states(const struct dp_frames *f, unsigned idx, struct xdperf_bpf_fe_state **st)
{
	struct xdperf_bpf_fe_state *s = NULL;
	if (f->fe) {
		s = calloc(f->n, sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (uint32_t t = 0; t < f->n; t++)
			if (f->fe[t].bpf.nmods > 0)
				xdperf_fe_state_init(&f->fe[t], idx, &s[t]);
	}
	free(*st);
	*st = s;
	return 0;
}

/* Makes f the worker's set: schedule from position 0, field engine states from the start,
 * nothing built. */
static int worker_switch(struct afp_worker *w, const struct dp_frames *f, char *err,
			 size_t errlen)
{
	if (afp_fe_states(f, w->idx, &w->state) < 0 ||
	    ((w->state || f->stamp) && !w->buf && !(w->buf = malloc(sizeof(*w->buf) * AFP_BATCH)))) {
		xdperf_errf(err, errlen, "afpacket: out of memory for worker %u on %s", w->idx,
			    w->a->ifname);
		return -ENOMEM;
	}
	w->f = f;
	w->pos = 0;
	w->built = w->sent = 0;
	return 0;
}

static void afp_worker_close(void *wp);

static int afp_worker_open(struct dp_backend *b, unsigned idx, void **out, char *err,
			   size_t errlen)
{
	struct afp *a = b->priv;
	if (idx >= a->nthreads) {
		xdperf_errf(err, errlen, "afpacket: worker %u of a set for %u threads", idx,
			    a->nthreads);
		return -EINVAL;
	}
	if (a->use_ring)
		return afp_ring_open(a, idx, out, err, errlen);
	struct afp_worker *w = calloc(1, sizeof(*w));
	if (!w) {
		xdperf_errf(err, errlen, "afpacket: out of memory for worker %u on %s", idx,
			    a->ifname);
		return -ENOMEM;
	}
	w->a = a;
	w->idx = idx;
	w->fd = afp_socket(a, err, errlen);
	if (w->fd < 0) {
		int e = w->fd;
		free(w);
		return e;
	}
	for (unsigned i = 0; i < AFP_BATCH; i++) {
		w->msg[i].msg_hdr.msg_iov = &w->iov[i];
		w->msg[i].msg_hdr.msg_iovlen = 1;
	}
	int e = worker_switch(w, atomic_load_explicit(&a->cur, memory_order_acquire), err,
			      errlen);
	if (e) {
		afp_worker_close(w);
		return e;
	}
	*out = w;
	return 0;
}

int afp_wait(struct afp *a, struct dp_wait *wait, const struct dp_frames *f, uint32_t t,
	     char *err, size_t errlen)
{
	int e = dp_wait_more(a->run, wait);
	if (e == -ETIMEDOUT)
		dp_stall_message(a->run, "afpacket", a->ifindex, a->ifname, false, (int)t, f->len[t],
				 err, errlen);
	return e;
}

void afp_send_error(struct afp *a, const struct dp_frames *f, uint32_t t, int e, char *err,
		    size_t errlen)
{
	struct dp_link l;
	if (e == ENXIO || e == ENODEV ||
	    (e == ENETDOWN && dp_link_query_settled(a->ifindex, &l, NULL, 0) == -ENODEV))
		xdperf_errf(err, errlen, "afpacket: %s no longer exists", a->ifname);
	else if (e == ENETDOWN)
		xdperf_errf(err, errlen, "afpacket: %s is down", a->ifname);
	else if (e == EMSGSIZE)
		xdperf_errf(err, errlen, "afpacket: template %u (%u bytes) is longer than the MTU of "
			    "%s allows", t, f->len[t], a->ifname);
	else
		xdperf_errf(err, errlen, "afpacket: send on %s: %s", a->ifname, strerror(e));
}

/* Builds the next cnt frames of the schedule into msg[]: iovecs pointing at the templates,
 * or at copies the field engine and stamps rewrote (state and sequence numbers advancing once
 * per frame). */
static void build(struct afp_worker *w, unsigned cnt)
{
	const struct dp_frames *f = w->f;
	const uint32_t *sched = f->sched;
	const uint32_t sched_len = f->sched_len;
	uint32_t pos = w->pos;
	for (unsigned i = 0; i < cnt; i++) {
		uint32_t t = f->ordered ? w->lbuf[w->lpos++] : sched[pos];
		w->bt[i] = t;
		if (afp_rewrite(f, t)) {
			memcpy(w->buf[i], f->frame[t], f->len[t]);
			if (afp_fe_on(f, t))
				xdperf_fe_apply(&f->fe[t].bpf, &w->state[t], w->buf[i]);
			if (f->stamp)
				afp_stamp(f, t, w->idx, w->seq, w->buf[i]);
			w->iov[i].iov_base = w->buf[i];
		} else {
			w->iov[i].iov_base = (void *)f->frame[t];
		}
		w->iov[i].iov_len = f->len[t];
		if (++pos == sched_len)
			pos = 0;
	}
	w->built = cnt;
	w->sent = 0;
}

/* A sendmmsg() that sent nothing (r <= 0), template t first in line: no room (the device's
 * queue) counts a refusal and waits for room (0: try again); else -errno + message. */
static int mmsg_failed(struct afp_worker *w, int r, uint32_t t, struct dp_wait *wait, char *err,
		       size_t errlen)
{
	struct afp *a = w->a;
	int e = r < 0 ? errno : EAGAIN;
	if (e == ENOBUFS || e == EAGAIN || e == EINTR) {
		if (e != EINTR)
			afp_refused(a, w->idx, t);
		return afp_wait(a, wait, w->f, t, err, errlen);
	}
	if (e == EMSGSIZE || e == EINVAL)
		atomic_fetch_add_explicit(&a->errors, 1, memory_order_relaxed);
	afp_send_error(a, w->f, t, e, err, errlen);
	return -e;
}

static int send_frames(struct afp_worker *w, uint64_t n, uint64_t *done, struct dp_wait *wait,
		       char *err, size_t errlen)
{
	struct afp *a = w->a;
	*done = 0;
	const struct dp_frames *cur = atomic_load_explicit(&a->cur, memory_order_acquire);
	if (cur != w->f) {
		int e = worker_switch(w, cur, err, errlen);
		if (e)
			return e;
	}

	while (n > 0) {
		if (a->run->stop && atomic_load_explicit(a->run->stop, memory_order_relaxed))
			return -EINTR;
		/* frames built before (a send call that ended early) go out first, as they are */
		if (w->sent == w->built)
			build(w, n < AFP_BATCH ? (unsigned)n : AFP_BATCH);
		unsigned cnt = w->built - w->sent;
		if (cnt > n)
			cnt = (unsigned)n;
		int r = sendmmsg(w->fd, &w->msg[w->sent], cnt, MSG_DONTWAIT);
		if (r <= 0) {
			int e = mmsg_failed(w, r, w->bt[w->sent], wait, err, errlen);
			if (e)
				return e;
			continue;
		}
		dp_wait_done(wait);
		w->sent += (unsigned)r; /* only the unsent tail is sent again */
		afp_account(a, w->idx, w->f, &w->pos, (uint64_t)r); /* exactly r went out */
		n -= (uint64_t)r;
		*done += (uint64_t)r;
	}
	return 0;
}

/* Ordered sets: sends what was built and not sent, then the rest of the send list. */
static int list_flush(struct afp_worker *w, uint64_t *done, struct dp_wait *wait, char *err,
		      size_t errlen)
{
	struct afp *a = w->a;
	while (w->sent < w->built || w->lpos < w->llen) {
		if (a->run->stop && atomic_load_explicit(a->run->stop, memory_order_relaxed))
			return -EINTR;
		if (w->sent == w->built) {
			uint32_t left = w->llen - w->lpos;
			build(w, left < AFP_BATCH ? left : AFP_BATCH);
		}
		unsigned cnt = w->built - w->sent;
		int r = sendmmsg(w->fd, &w->msg[w->sent], cnt, MSG_DONTWAIT);
		if (r <= 0) {
			int e = mmsg_failed(w, r, w->bt[w->sent], wait, err, errlen);
			if (e)
				return e;
			continue;
		}
		dp_wait_done(wait);
		afp_account_list(a, w->idx, w->f, &w->bt[w->sent], (uint64_t)r);
		w->sent += (unsigned)r;
		*done += (uint64_t)r;
	}
	return 0;
}

static int afp_send_list(void *wp, const uint32_t *list, uint32_t n, uint64_t *done,
			 double *idle_since, char *err, size_t errlen)
{
	struct afp_worker *w = wp;
	struct dp_wait wait = { 0 };
	*done = 0;
	int e = list_flush(w, done, &wait, err, errlen);
	if (!e && n) {
		if (n > DP_LIST_MAX || !list) {
			xdperf_errf(err, errlen, "afpacket: a send list of %u frames (at most %u)", n,
				    DP_LIST_MAX);
			return -EINVAL;
		}
		if (!w->lbuf && !(w->lbuf = malloc(DP_LIST_MAX * sizeof *w->lbuf))) {
			xdperf_errf(err, errlen, "afpacket: out of memory");
			return -ENOMEM;
		}
		memcpy(w->lbuf, list, (size_t)n * sizeof *list);
		w->llen = n;
		w->lpos = 0;
		e = list_flush(w, done, &wait, err, errlen);
	}
	*idle_since = dp_wait_idle_since(&wait);
	return e;
}

static int afp_send(void *wp, uint64_t n, uint64_t *done, double *idle_since, char *err,
		    size_t errlen)
{
	struct dp_wait wait = { 0 };
	int e = send_frames(wp, n, done, &wait, err, errlen);
	*idle_since = dp_wait_idle_since(&wait);
	return e;
}

void afp_refused(struct afp *a, unsigned idx, uint32_t t)
{
	struct dp_stream *c = &a->cnt[(size_t)idx * DP_TEMPLATES_MAX + t];
	__atomic_store_n(&c->refused, c->refused + 1, __ATOMIC_RELAXED);
	atomic_fetch_add_explicit(&a->refused, 1, memory_order_relaxed);
}

void afp_account_list(struct afp *a, unsigned idx, const struct dp_frames *f,
		      const uint32_t *tmpl, uint64_t r)
{
	struct dp_stream *cnt = &a->cnt[(size_t)idx * DP_TEMPLATES_MAX];
	uint64_t bytes = 0;
	for (uint64_t i = 0; i < r; i++) {
		uint32_t t = tmpl[i];
		struct dp_stream *c = &cnt[t];
		__atomic_store_n(&c->packets, c->packets + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&c->bytes, c->bytes + f->len[t], __ATOMIC_RELAXED);
		bytes += f->len[t];
	}
	atomic_fetch_add_explicit(&a->packets, r, memory_order_relaxed);
	atomic_fetch_add_explicit(&a->bytes, bytes, memory_order_relaxed);
}

void afp_account(struct afp *a, unsigned idx, const struct dp_frames *f, uint32_t *posp,
		 uint64_t r)
{
	const uint32_t *sched = f->sched;
	const uint32_t sched_len = f->sched_len;
	struct dp_stream *cnt = &a->cnt[(size_t)idx * DP_TEMPLATES_MAX];
	uint64_t bytes = 0;
	uint32_t pos = *posp;
	for (uint64_t i = 0; i < r; i++) {
		uint32_t t = sched[pos];
		struct dp_stream *c = &cnt[t];
		/* one writer (this worker); readers load these with relaxed atomics */
		__atomic_store_n(&c->packets, c->packets + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&c->bytes, c->bytes + f->len[t], __ATOMIC_RELAXED);
		bytes += f->len[t];
		if (++pos == sched_len)
			pos = 0;
	}
	*posp = pos;
	atomic_fetch_add_explicit(&a->packets, r, memory_order_relaxed);
	atomic_fetch_add_explicit(&a->bytes, bytes, memory_order_relaxed);
}

static void afp_worker_close(void *wp)
{
	struct afp_worker *w = wp;
	if (!w)
		return;
	close(w->fd);
	free(w->lbuf);
	free(w->state);
	free(w->buf);
	free(w);
}

static void afp_totals(struct dp_backend *b, struct dp_totals *t)
{
	struct afp *a = b->priv;
	t->packets = atomic_load_explicit(&a->packets, memory_order_relaxed);
	t->bytes = atomic_load_explicit(&a->bytes, memory_order_relaxed);
	t->errors = atomic_load_explicit(&a->errors, memory_order_relaxed);
	t->refused = atomic_load_explicit(&a->refused, memory_order_relaxed);
}

static void afp_streams(struct dp_backend *b, struct dp_stream *out, unsigned nworkers,
			uint32_t ntmpl)
{
	struct afp *a = b->priv;
	for (unsigned i = 0; i < nworkers && i < a->nthreads; i++)
		for (uint32_t t = 0; t < ntmpl && t < DP_TEMPLATES_MAX; t++) {
			const struct dp_stream *c = &a->cnt[(size_t)i * DP_TEMPLATES_MAX + t];
			struct dp_stream *o = &out[(size_t)i * ntmpl + t];
			o->packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
			o->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
			o->refused += __atomic_load_n(&c->refused, __ATOMIC_RELAXED);
		}
}

static void afp_close(struct dp_backend *b)
{
	struct afp *a = b->priv;
	free(a->cnt);
	free(a);
}

/* The ring's frames carry a virtio-net header, which makes the kernel skip its MTU check, so
 * a set for ring workers must fit every MTU on the way (the device's, a veth peer's); the
 * transmit runner checks that for every set before it gets here, and this check keeps the
 * ring safe on its own. 0, or -errno with one line in err. */
static int fits(struct afp *a, const struct dp_frames *f, char *err, size_t errlen)
{
	struct dp_link l;
	int e = dp_link_query(a->ifindex, &l, err, errlen);
	return e ? e : dp_link_check_frames(&l, f->frame, f->len, f->n, err, errlen);
}

static int afp_swap(struct dp_backend *b, const struct dp_frames *f, char *err, size_t errlen)
{
	struct afp *a = b->priv;
	int e = dp_frames_check(f, "afpacket", a->ifname, err, errlen);
	if (!e && a->use_ring)
		e = fits(a, f, err, errlen);
	if (e)
		return e;
	atomic_store_explicit(&a->cur, f, memory_order_release);
	return 0;
}

int dp_afpacket_open(int ifindex, const char *ifname, const struct dp_frames *f,
		     const struct dp_run *run, struct dp_backend **out, char *err, size_t errlen)
{
	int e = dp_frames_check(f, "afpacket", ifname, err, errlen);
	if (e)
		return e;
	struct afp *a = calloc(1, sizeof(*a));
	if (!a) {
		xdperf_errf(err, errlen, "afpacket: out of memory for %s", ifname);
		return -ENOMEM;
	}
	a->ifindex = ifindex;
	a->run = run;
	a->nthreads = f->nthreads ? f->nthreads : 1;
	a->cnt = calloc((size_t)a->nthreads * DP_TEMPLATES_MAX, sizeof(*a->cnt));
	if (!a->cnt) {
		free(a);
		xdperf_errf(err, errlen, "afpacket: out of memory for %s", ifname);
		return -ENOMEM;
	}
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	atomic_init(&a->cur, f);
	const char *mode = getenv("XDPERF_AFPACKET");
	/* ordered sets (the runner names each frame) go through sendmmsg */
	a->use_ring = !f->ordered && !(mode && !strcmp(mode, "mmsg")) && fits(a, f, NULL, 0) == 0;
	/* fail now, not in the first worker, when we may not open packet sockets */
	int fd = afp_socket(a, err, errlen);
	if (fd < 0) {
		free(a->cnt);
		free(a);
		return fd;
	}
	close(fd);
	a->b.name = "afpacket";
	a->b.priv = a;
	a->b.worker_open = afp_worker_open;
	a->b.send = a->use_ring ? afp_ring_send : afp_send;
	a->b.send_list = a->use_ring ? NULL : afp_send_list;
	a->b.worker_close = a->use_ring ? afp_ring_close : afp_worker_close;
	a->b.totals = afp_totals;
	a->b.streams = afp_streams;
	a->b.swap = afp_swap;
	a->b.close = afp_close;
	*out = &a->b;
	return 0;
}
