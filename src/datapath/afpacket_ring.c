/* AF_PACKET send path through a PACKET_TX_RING (TPACKET_V2): the ring holds a whole number of
 * schedule cycles when that fits, so its slots are filled with their frames once and sending
 * is only setting status words; longer schedules, and sets with field engine modifiers, copy
 * each frame into its slot when it is requested (the engine then rewrites it there, once: a
 * requested slot is never rebuilt). A worker switches to a swapped-in set at the start of a
 * send call: once all its requested slots are back, it re-fills its ring for the new set, or
 * replaces socket and ring when the new set needs another ring layout. Each frame
 * has a virtio-net header (PACKET_VNET_HDR) covering all of it, so the kernel builds a linear
 * skb instead of one pointing into the ring's pages (cheaper to forward, and a slot may be
 * rewritten as soon as it is available again).
 * A slot coming back to TP_STATUS_AVAILABLE is a frame the device accepted (counted by the
 * send call that sees it: a call returns once the kernel took all it requested, without
 * waiting for their slots); a frame it refuses for lack of room stays requested and goes out
 * on a later kick (as itself: the same bytes). Waits look at the run's stop request and give up after its stall timeout; a call
 * that ends early counts what the device took (settle()). */
#include <errno.h>
#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "datapath/afpacket_int.h"
#include "util/clock.h"
#include "util/err.h"

#define RING_MIN_FRAMES 2048      /* at least this many slots of up to 4 KiB ... */
#define RING_MIN_BYTES (8u << 20) /* ... or this many bytes of larger slots (jumbo frames) */
#define RING_PREFILL_MAX 8192     /* largest ring kept pre-filled: slots ... */
#define RING_PREFILL_BYTES (32u << 20) /* ... and bytes */
#define RING_KICK 256             /* slots requested per send() */
#define DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define VNET_LEN sizeof(struct virtio_net_hdr)

struct ring_worker {
	struct afp *a;
	int fd;
	unsigned idx;              /* worker index (field engine start states) */
	const struct dp_frames *f; /* the set this worker sends from */
	struct xdperf_bpf_fe_state *state; /* per template of f; NULL without field engine */
	uint64_t seq[DP_TEMPLATES_MAX]; /* next stamp sequence number per template */
	uint8_t *ring;
	size_t ring_bytes;
	uint32_t nframes, frame_size;
	int prefilled;             /* slot i always holds the frame of schedule position i % len
				    * (counted from slot `base`) */
	uint32_t base;             /* slot of schedule position 0 when prefilled */
	uint32_t head;             /* next slot to request */
	uint32_t tail;             /* oldest requested slot */
	uint32_t pending;          /* requested, not yet seen accepted */
	uint32_t pos;              /* schedule position of slot head */
	uint32_t tail_pos;         /* schedule position of slot tail */
};

static inline struct tpacket2_hdr *slot(struct ring_worker *w, uint32_t i)
{
	return (struct tpacket2_hdr *)(w->ring + (size_t)i * w->frame_size);
}

/* Puts template t into slot i: a virtio-net header whose hdr_len is the whole frame, so the
 * kernel copies the frame into the skb instead of attaching the ring page (a paged skb costs
 * a page allocation and copy when a veth forwards it to another namespace), then the frame,
 * rewritten by the field engine when t has one (advancing its state) and stamped when the set
 * has stamps. */
static void fill(struct ring_worker *w, uint32_t i, uint32_t t)
{
	const struct dp_frames *f = w->f;
	uint8_t *d = (uint8_t *)slot(w, i) + DATA_OFF;
	struct virtio_net_hdr vh = { .flags = 0, .gso_type = VIRTIO_NET_HDR_GSO_NONE,
				     .hdr_len = htole16(f->len[t]) };
	memcpy(d, &vh, VNET_LEN);
	memcpy(d + VNET_LEN, f->frame[t], f->len[t]);
	if (w->state && afp_fe_on(f, t))
		xdperf_fe_apply(&f->fe[t].bpf, &w->state[t], d + VNET_LEN);
	if (f->stamp)
		afp_stamp(f, t, w->idx, w->seq, d + VNET_LEN);
	slot(w, i)->tp_len = (uint32_t)VNET_LEN + f->len[t];
}

/* The ring's blocks: one page, or one slot when slots are larger (jumbo frames). */
static uint32_t block_size(uint32_t frame_size)
{
	return frame_size > 4096 ? frame_size : 4096;
}

/* The ring layout set f needs: slot size (a power of two from 2 KiB: 16 KiB for a frame of
 * DP_FRAME_MAX), number of slots, pre-filled or not. */
static void layout(const struct dp_frames *f, uint32_t *frame_size, uint32_t *nframes,
		   int *prefilled)
{
	uint16_t max_len = 0;
	for (uint32_t i = 0; i < f->n; i++)
		if (f->len[i] > max_len)
			max_len = f->len[i];
	*frame_size = 2048;
	while (*frame_size < DATA_OFF + VNET_LEN + max_len)
		*frame_size *= 2;
	uint32_t per_block = block_size(*frame_size) / *frame_size;
	uint32_t min = *frame_size <= 4096 ? RING_MIN_FRAMES : RING_MIN_BYTES / *frame_size;
	uint32_t cycles = (min + f->sched_len - 1) / f->sched_len;
	uint64_t n = (uint64_t)cycles * f->sched_len;
	if (n % per_block)
		n *= per_block;
	*prefilled = n <= RING_PREFILL_MAX && n * *frame_size <= RING_PREFILL_BYTES && !f->fe &&
		     !f->stamp;
	*nframes = *prefilled ? (uint32_t)n : min;
}

static void ring_release(struct ring_worker *w)
{
	if (w->ring)
		munmap(w->ring, w->ring_bytes);
	w->ring = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* A socket with a ring of the layout in w (frame_size, nframes). 0 or -errno + message. */
static int ring_setup(struct ring_worker *w, char *err, size_t errlen)
{
	struct afp *a = w->a;
	w->fd = afp_socket(a, err, errlen);
	if (w->fd < 0)
		return w->fd;
	uint32_t block = block_size(w->frame_size), per_block = block / w->frame_size;
	int v = TPACKET_V2;
	struct tpacket_req req = {
		.tp_block_size = block, .tp_block_nr = w->nframes / per_block,
		.tp_frame_size = w->frame_size, .tp_frame_nr = w->nframes,
	};
	int e = 0;
	int one = 1;
	if (setsockopt(w->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(w->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(w->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0) {
		e = -errno;
		xdperf_errf(err, errlen, "afpacket: cannot set up a transmit ring on %s: %s",
			    a->ifname, strerror(-e));
		ring_release(w);
		return e;
	}
	w->ring_bytes = (size_t)w->nframes * w->frame_size;
	w->ring = mmap(NULL, w->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       w->fd, 0);
	if (w->ring == MAP_FAILED) {
		e = -errno;
		w->ring = NULL;
		xdperf_errf(err, errlen, "afpacket: cannot map the transmit ring of %s: %s",
			    a->ifname, strerror(-e));
		ring_release(w);
		return e;
	}
	w->head = w->tail = 0;
	return 0;
}

static int reclaim(struct ring_worker *w, uint64_t *done);
static int ring_kick(struct ring_worker *w, struct dp_wait *wait, bool progress, uint32_t req,
		     bool *clean, char *err, size_t errlen);

/* Waits until the kernel has handed back every requested slot (kicking it: a slot the device
 * refused goes out on a later kick). 0, or -EINTR / -ETIMEDOUT / -errno + message. */
static int drain(struct ring_worker *w, uint64_t *done, char *err, size_t errlen)
{
	struct dp_wait wait = { 0 };
	while (w->pending > 0) {
		uint64_t before = *done;
		int e = reclaim(w, done);
		if (e) {
			afp_send_error(w->a, w->f, w->f->sched[w->tail_pos], -e, err, errlen);
			return e;
		}
		if (w->pending == 0)
			break;
		bool clean;
		if ((e = ring_kick(w, &wait, *done > before, 0, &clean, err, errlen)))
			return e;
	}
	return 0;
}

/* Makes f the worker's set: its requested slots are all sent first; then the schedule starts
 * from position 0 at slot head, the field engine states from the start, and the ring is
 * re-filled (pre-filled layout) or replaced (another layout). 0 or -errno + message. */
static int ring_switch(struct ring_worker *w, const struct dp_frames *f, uint64_t *done,
		       char *err, size_t errlen)
{
	int e = drain(w, done, err, errlen);
	if (e)
		return e;
	if (afp_fe_states(f, w->idx, &w->state) < 0) {
		xdperf_errf(err, errlen, "afpacket: out of memory for worker %u on %s", w->idx,
			    w->a->ifname);
		return -ENOMEM;
	}
	uint32_t frame_size, nframes;
	int prefilled;
	layout(f, &frame_size, &nframes, &prefilled);
	w->f = NULL; /* until the ring matches f */
	if (!w->ring || frame_size != w->frame_size || nframes != w->nframes) {
		ring_release(w);
		w->frame_size = frame_size;
		w->nframes = nframes;
		e = ring_setup(w, err, errlen);
		if (e)
			return e;
	}
	/* every slot is available: the kernel's next slot is head (tail == head) */
	w->f = f;
	w->prefilled = prefilled;
	w->base = w->head;
	w->pos = w->tail_pos = 0;
	if (prefilled)
		for (uint32_t k = 0; k < w->nframes; k++)
			fill(w, (w->base + k) % w->nframes, f->sched[k % f->sched_len]);
	return 0;
}

int afp_ring_open(struct afp *a, unsigned idx, void **out, char *err, size_t errlen)
{
	struct ring_worker *w = calloc(1, sizeof(*w));
	if (!w) {
		xdperf_errf(err, errlen, "afpacket: out of memory for worker %u on %s", idx, a->ifname);
		return -ENOMEM;
	}
	w->a = a;
	w->idx = idx;
	w->fd = -1;
	uint64_t none = 0;
	int e = ring_switch(w, atomic_load_explicit(&a->cur, memory_order_acquire), &none, err,
			    errlen);
	if (e) {
		afp_ring_close(w);
		return e;
	}
	*out = w;
	return 0;
}

/* Counts the slots the kernel has handed back since the last call (adding them to *done).
 * 0 or -errno. */
static int reclaim(struct ring_worker *w, uint64_t *done)
{
	uint32_t k = 0;
	while (w->pending > 0) {
		struct tpacket2_hdr *h = slot(w, w->tail);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (st == TP_STATUS_AVAILABLE) {
			k++;
			w->pending--;
			if (++w->tail == w->nframes)
				w->tail = 0;
			continue;
		}
		if (st & TP_STATUS_WRONG_FORMAT) {
			/* the kernel refused this frame for good (with tp_loss unset it stops here) */
			atomic_fetch_add_explicit(&w->a->errors, 1, memory_order_relaxed);
			return -EMSGSIZE;
		}
		break;
	}
	if (k)
		afp_account(w->a, w->idx, w->f, &w->tail_pos, k);
	*done += k;
	return 0;
}

/* The template of the frame the kernel refused on the last kick: its first requested slot that
 * is still (again) TP_STATUS_SEND_REQUEST. */
static uint32_t refused_template(struct ring_worker *w)
{
	uint32_t i = w->tail, pos = w->tail_pos;
	for (uint32_t k = 0; k < w->pending; k++) {
		uint32_t st = __atomic_load_n(&slot(w, i)->tp_status, __ATOMIC_ACQUIRE);
		if (st & TP_STATUS_SEND_REQUEST)
			break;
		if (++i == w->nframes)
			i = 0;
		if (++pos == w->f->sched_len)
			pos = 0;
	}
	return w->f->sched[pos];
}

/* Asks the kernel to send the requested slots; *clean: it took every one of them (none is
 * still waiting for room). Waits (dp_wait_more) when the device had no room or nothing could
 * be requested and nothing came back (progress false). 0, or -EINTR / -ETIMEDOUT / -errno with
 * the message. */
static int ring_kick(struct ring_worker *w, struct dp_wait *wait, bool progress, uint32_t req,
		     bool *clean, char *err, size_t errlen)
{
	struct afp *a = w->a;
	uint32_t t = w->f->sched[w->tail_pos];
	*clean = false;
	if (progress)
		dp_wait_done(wait);
	if (send(w->fd, NULL, 0, MSG_DONTWAIT) < 0) {
		int e = errno;
		if (e != ENOBUFS && e != EAGAIN && e != EINTR) {
			afp_send_error(a, w->f, t, e, err, errlen);
			return -e;
		}
		if (e != EINTR)
			afp_refused(a, w->idx, refused_template(w));
	} else {
		*clean = true;
		if (req > 0 || progress)
			return 0;
	}
	return afp_wait(a, wait, w->f, t, err, errlen);
}

/* A send call ends early (stop, stall, error): counts what the device took. Slots the kernel
 * is still sending (handed to the driver) are waited for briefly; requested slots it never
 * took stay unsent (nothing kicks them any more). */
static void settle(struct ring_worker *w, uint64_t *done)
{
	/* 200 ms of wall time (not 200 sleeps: on a loaded machine each may oversleep) */
	double end = xdperf_mono() + 0.2;
	while (w->pending > 0) {
		if (reclaim(w, done) || w->pending == 0)
			return;
		uint32_t st = __atomic_load_n(&slot(w, w->tail)->tp_status, __ATOMIC_ACQUIRE);
		if (st & TP_STATUS_SEND_REQUEST)
			return;
		if (xdperf_mono() >= end)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	/* still with the driver after 200 ms: it took them */
	uint32_t k = 0;
	while (w->pending > 0) {
		uint32_t st = __atomic_load_n(&slot(w, w->tail)->tp_status, __ATOMIC_ACQUIRE);
		if (!(st & TP_STATUS_SENDING))
			break;
		k++;
		w->pending--;
		if (++w->tail == w->nframes)
			w->tail = 0;
	}
	if (k)
		afp_account(w->a, w->idx, w->f, &w->tail_pos, k);
	*done += k;
}

static int send_frames(struct ring_worker *w, uint64_t n, uint64_t *done, struct dp_wait *wait,
		       char *err, size_t errlen)
{
	struct afp *a = w->a;
	*done = 0;
	const struct dp_frames *cur = atomic_load_explicit(&a->cur, memory_order_acquire);
	if (cur != w->f) {
		int e = ring_switch(w, cur, done, err, errlen);
		if (e) {
			if (w->f && w->pending)
				settle(w, done); /* what the device took of the old set */
			return e;
		}
	}
	const struct dp_frames *f = w->f;
	/* Slots requested before count toward this call's n: a call returns once the kernel has
	 * taken all it requested (their slots come back later, counted by a later call), and one
	 * asked for no more than is pending waits for those (the end of a run). */
	bool drain = n <= w->pending;
	n = n > w->pending ? n - w->pending : 0;
	bool clean = false;

	while (n > 0 || w->pending > 0) {
		if (a->run->stop && atomic_load_explicit(a->run->stop, memory_order_relaxed)) {
			settle(w, done);
			return -EINTR;
		}
		uint64_t before = *done;
		int e = reclaim(w, done);
		if (e) {
			afp_send_error(a, f, f->sched[w->tail_pos], -e, err, errlen);
			return e;
		}
		if (n == 0 && clean && !drain)
			break;
		uint32_t req = 0;
		while (n > 0 && w->pending < w->nframes && req < RING_KICK) {
			struct tpacket2_hdr *h = slot(w, w->head);
			if (!w->prefilled)
				fill(w, w->head, f->sched[w->pos]);
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
			if (++w->head == w->nframes)
				w->head = 0;
			if (++w->pos == f->sched_len)
				w->pos = 0;
			w->pending++;
			n--;
			req++;
		}
		if ((e = ring_kick(w, wait, *done > before, req, &clean, err, errlen))) {
			settle(w, done);
			return e;
		}
	}
	return 0;
}

int afp_ring_send(void *wp, uint64_t n, uint64_t *done, double *idle_since, char *err,
		  size_t errlen)
{
	struct dp_wait wait = { 0 };
	int e = send_frames(wp, n, done, &wait, err, errlen);
	*idle_since = dp_wait_idle_since(&wait);
	return e;
}

void afp_ring_close(void *wp)
{
	struct ring_worker *w = wp;
	if (!w)
		return;
	ring_release(w);
	free(w->state);
	free(w);
}
