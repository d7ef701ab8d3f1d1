/* Server receive backend over AF_PACKET, for devices or kernels where XDP cannot be used: a
 * packet socket on the device (frames still reach the stack) read in recvmmsg batches; the
 * port filter, stamp reading and sampling work as in the XDP program (src/packet/stamp.c
 * parses the same way). Frames the socket dropped because this process fell behind
 * (PACKET_STATISTICS) are counted as ring_full. Receive times of stamps are CLOCK_TAI when a
 * batch returns; the first and last counted frame's times are the kernel's receive timestamps
 * (SO_TIMESTAMPNS, CLOCK_REALTIME; the batch's return time for a frame without one). */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include "packet/reflect.h"
#include "packet/stamp.h"
#include "server/rx.h"
#include "util/bytes.h"
#include "util/err.h"

#define BATCH 64
#define FRAME_BUF 9216 /* jumbo frames whole */

struct rx_afp {
	struct srv_rx rx;
	struct srv_rx_cfg cfg;
	int fd;
	uint64_t nth;
	_Atomic uint64_t packets, bytes, passed, stamped, unstamped, dropped, sampled, sample_full;
	_Atomic uint64_t reflected, not_reflected, reflect_failed;
	_Atomic uint64_t since, first_ns, first_len, last_ns; /* CLOCK_REALTIME ns (restart) */
	uint8_t (*buf)[FRAME_BUF];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[BATCH];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct xdperf_bpf_srv_sample sample;
};

static int afp_counters(struct srv_rx *rx, struct xdperf_bpf_srv_cpu *s)
{
	struct rx_afp *a = (struct rx_afp *)rx;
	struct tpacket_stats ts;
	socklen_t sl = sizeof ts;
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &sl) == 0) /* resets them */
		atomic_fetch_add(&a->dropped, ts.tp_drops);
	memset(s, 0, sizeof *s);
	s->packets = atomic_load(&a->packets);
	s->bytes = atomic_load(&a->bytes);
	s->passed = atomic_load(&a->passed);
	s->stamped = atomic_load(&a->stamped);
	s->unstamped = atomic_load(&a->unstamped);
	s->ring_full = atomic_load(&a->dropped);
	s->sampled = atomic_load(&a->sampled);
	s->sample_full = atomic_load(&a->sample_full);
	s->reflected = atomic_load(&a->reflected);
	s->not_reflected = atomic_load(&a->not_reflected);
	s->reflect_failed = atomic_load(&a->reflect_failed);
	s->first_ns = atomic_load(&a->first_ns);
	s->first_len = atomic_load(&a->first_len);
	s->last_ns = atomic_load(&a->last_ns);
	if (s->first_ns < atomic_load(&a->since)) /* none since the restart */
		s->first_ns = s->first_len = s->last_ns = 0;
	return 0;
}

static void afp_restart(struct srv_rx *rx, uint64_t ns)
{
	struct rx_afp *a = (struct rx_afp *)rx;
	atomic_store(&a->since, ns);
}

/* A counted frame received at t (CLOCK_REALTIME ns): the first and last since the restart. */
static void frame_time(struct rx_afp *a, uint64_t t, uint32_t len)
{
	uint64_t since = atomic_load_explicit(&a->since, memory_order_relaxed);
	if (t < since)
		return; /* received before the restart, read after it */
	uint64_t f = atomic_load_explicit(&a->first_ns, memory_order_relaxed);
	if (!f || f < since) {
		atomic_store_explicit(&a->first_ns, t, memory_order_relaxed);
		atomic_store_explicit(&a->first_len, len, memory_order_relaxed);
	}
	if (t > atomic_load_explicit(&a->last_ns, memory_order_relaxed))
		atomic_store_explicit(&a->last_ns, t, memory_order_relaxed);
}

/* The kernel's receive time of message i (SCM_TIMESTAMPNS), else `fallback`. */
static uint64_t rx_time(struct mmsghdr *m, uint64_t fallback)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m->msg_hdr); c; c = CMSG_NXTHDR(&m->msg_hdr, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			if (ts.tv_sec > 0)
				return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		}
	return fallback;
}

/* Sends frame f (have bytes, turned around) back out of the device; counts the outcome. */
static void reflect_one(struct rx_afp *a, uint8_t *f, uint32_t len, uint32_t have)
{
	if (have < len || !xdperf_frame_turn_around(f, have, a->cfg.reflect == XDPERF_BPF_REFLECT_PORTS)) {
		atomic_fetch_add_explicit(&a->not_reflected, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&a->reflected, 1, memory_order_relaxed);
	ssize_t n;
	do
		n = send(a->fd, f, len, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		atomic_fetch_add_explicit(&a->reflect_failed, 1, memory_order_relaxed);
}

/* Counts one frame (and hands its stamp and sample on); true when it was counted. */
static bool count_one(struct rx_afp *a, const uint8_t *f, uint32_t len, uint32_t have, uint64_t now,
		      uint64_t rx_ns, bool discard)
{
	uint32_t uo, ul;
	bool v6;
	bool udp = xdperf_udp_find(f, have, &uo, &ul, &v6);
	if (a->cfg.port && !(udp && get_be16(f + uo + 2) == a->cfg.port)) {
		atomic_fetch_add_explicit(&a->passed, 1, memory_order_relaxed);
		return false;
	}
	atomic_fetch_add_explicit(&a->packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&a->bytes, len, memory_order_relaxed);
	frame_time(a, rx_ns, len);
	struct xdperf_stamp st = { 0 };
	bool stamped = false;
	if (a->cfg.stamp) {
		stamped = xdperf_stamp_read(f, have, &st);
		atomic_fetch_add_explicit(stamped ? &a->stamped : &a->unstamped, 1,
					  memory_order_relaxed);
		if (stamped && !discard)
			a->cfg.sink.stamp(a->cfg.sink.ctx, st.run, st.stream, st.seq, st.tx_ns, now);
	}
	if (a->cfg.sample_every && ++a->nth >= a->cfg.sample_every) {
		a->nth = 0;
		if (discard)
			return true;
		struct xdperf_bpf_srv_sample *s = &a->sample;
		uint32_t n = have < XDPERF_BPF_SAMPLE_MAX ? have : XDPERF_BPF_SAMPLE_MAX;
		s->len = len;
		s->stamped = stamped;
		s->stream = st.stream;
		s->run = st.run;
		s->seq = st.seq;
		s->rx_ns = now;
		memcpy(s->data, f, n);
		bool ok = a->cfg.sink.sample(a->cfg.sink.ctx, s);
		atomic_fetch_add_explicit(ok ? &a->sampled : &a->sample_full, 1,
					  memory_order_relaxed);
	}
	return true;
}

static void one(struct rx_afp *a, uint8_t *f, uint32_t len, uint32_t have, uint64_t now,
		uint64_t rx_ns, bool discard)
{
	if (count_one(a, f, len, have, now, rx_ns, discard) && a->cfg.reflect)
		reflect_one(a, f, len, have);
}

static void afp_wait(struct srv_rx *rx)
{
	struct rx_afp *a = (struct rx_afp *)rx;
	struct pollfd p = { a->fd, POLLIN, 0 };
	(void)poll(&p, 1, 50);
}

static void afp_poll(struct srv_rx *rx, bool discard)
{
	struct rx_afp *a = (struct rx_afp *)rx;
	for (int rounds = 0; rounds < 64; rounds++) {
		for (int i = 0; i < BATCH; i++) {
			a->msg[i].msg_hdr.msg_flags = 0;
			a->msg[i].msg_hdr.msg_controllen = sizeof a->ctl[i];
		}
		int n = recvmmsg(a->fd, a->msg, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			return;
		uint64_t now = xdperf_stamp_now();
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		uint64_t batch_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
		for (int i = 0; i < n; i++) {
			uint32_t len = a->msg[i].msg_len;
			one(a, a->buf[i], len, len < FRAME_BUF ? len : FRAME_BUF, now,
			    rx_time(&a->msg[i], batch_ns), discard);
		}
		if (n < BATCH)
			return;
	}
}

static void afp_close(struct srv_rx *rx)
{
	struct rx_afp *a = (struct rx_afp *)rx;
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->buf);
	free(a);
}

int srv_rx_afpacket_open(const struct srv_rx_cfg *cfg, struct srv_rx **out, char *err,
			 size_t errlen)
{
	struct rx_afp *a = calloc(1, sizeof *a);
	if (!a || !(a->buf = malloc(sizeof(*a->buf) * BATCH))) {
		free(a);
		xdperf_errf(err, errlen, "server: out of memory for %s", cfg->ifname);
		return -ENOMEM;
	}
	a->rx = (struct srv_rx){ .name = "afpacket", .clock = CLOCK_REALTIME, .counters = afp_counters,
				 .restart = afp_restart, .poll = afp_poll, .wait = afp_wait, .close = afp_close };
	a->cfg = *cfg;
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	int e;
	if (a->fd < 0) {
		e = -errno;
		xdperf_errf(err, errlen, "server: cannot open a packet socket on %s: %s%s", cfg->ifname,
			    strerror(-e), e == -EPERM || e == -EACCES ? " (needs CAP_NET_RAW)" : "");
		goto fail;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = cfg->ifindex };
	int one_ = 1, rb = 64 << 20;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		e = -errno;
		xdperf_errf(err, errlen, "server: cannot bind a packet socket to %s: %s", cfg->ifname,
			    strerror(-e));
		goto fail;
	}
	(void)setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one_, sizeof one_);
	(void)setsockopt(a->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one_, sizeof one_); /* else batch times */
	if (setsockopt(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof rb) < 0)
		(void)setsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
	/* frames that arrived before the socket was bound to the device: none counted */
	struct tpacket_stats ts;
	socklen_t sl = sizeof ts;
	(void)getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &sl);
	char drain[64];
	while (recv(a->fd, drain, sizeof drain, MSG_DONTWAIT) >= 0)
		;
	for (int i = 0; i < BATCH; i++) {
		a->iov[i] = (struct iovec){ a->buf[i], FRAME_BUF };
		a->msg[i].msg_hdr.msg_iov = &a->iov[i];
		a->msg[i].msg_hdr.msg_iovlen = 1;
		a->msg[i].msg_hdr.msg_control = a->ctl[i].buf;
	}
	*out = &a->rx;
	return 0;
fail:
	afp_close(&a->rx);
	return e;
}
