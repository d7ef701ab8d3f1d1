/* WASI poll_oneoff: clock subscriptions (relative or absolute, any WASI clock, measured on the
 * monotonic clock) and fd_read/fd_write subscriptions. Regular files, directories and the
 * output sink (fd 1/2) are always ready; stdin (when the context reads it) and other host
 * descriptors (pipes, FIFOs, sockets, terminals) are polled. It waits until something is
 * ready or the earliest deadline passes, in steps of at most 10 ms that look at the caller's
 * interrupt flag, and reports everything ready by then. Deterministic mode never sleeps:
 * clocks fire at once (descriptors are still polled). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_int.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define SUBCLOCK_ABSTIME 1u
#define EV_CLOCK 0
#define EV_FD_READ 1
#define EV_FD_WRITE 2
#define RW_HANGUP 1u
#define STEP_NS 10000000ull /* the interrupt flag is looked at this often while waiting */

struct sub {
	uint64_t userdata;
	uint8_t type;
	uint64_t deadline; /* clocks: monotonic ns */
	int pidx;          /* index into the pollfds, -1: not polled */
	bool ready;        /* known without polling (always ready, or an error) */
	uint16_t err;
	uint64_t nbytes;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Sets up an fd_read/fd_write subscription on guest descriptor fd (lock held): ready now
 * (with an error or the bytes a regular file has left), or a pollfd to wait on. */
static void fd_sub(struct xwasm_wasi *c, int32_t fd, struct sub *s, struct pollfd *pfd, int *npfd)
{
	bool write = s->type == EV_FD_WRITE;
	struct wasi_fd *e = wasi_fd_get(c, fd);
	s->pidx = -1;
	s->ready = true;
	if (!e) {
		s->err = XWASI_EBADF;
		return;
	}
	if (!(e->base & (write ? R_FD_WRITE : R_FD_READ))) {
		s->err = e->kind == WFD_HOST ? XWASI_ENOTCAPABLE : XWASI_EBADF;
		return;
	}
	if (e->kind == WFD_SINK) /* the sink takes everything */
		return;
	int host = e->kind == WFD_STDIN ? 0 : e->host;
	if (e->kind == WFD_HOST && (e->filetype == FILETYPE_REGULAR_FILE || e->filetype == FILETYPE_DIRECTORY)) {
		struct stat st;
		off_t pos = write ? -1 : lseek(host, 0, SEEK_CUR);
		if (pos >= 0 && !fstat(host, &st) && st.st_size > pos)
			s->nbytes = (uint64_t)(st.st_size - pos);
		return;
	}
	s->ready = false;
	s->pidx = *npfd;
	pfd[*npfd] = (struct pollfd){ .fd = host, .events = write ? POLLOUT : POLLIN };
	(*npfd)++;
}

/* Fills event e for subscription s if it happened; true when it did. */
static bool fd_event(const struct sub *s, const struct pollfd *pfd, uint8_t *e)
{
	uint16_t flags = 0;
	uint64_t nbytes = s->nbytes;
	uint16_t err = s->err;
	if (!s->ready) {
		short re = pfd[s->pidx].revents;
		if (!re)
			return false;
		if (re & POLLNVAL) {
			err = XWASI_EBADF;
		} else if ((re & POLLERR) && !(re & (POLLIN | POLLOUT))) {
			err = XWASI_EIO;
		} else {
			if (re & POLLHUP)
				flags |= RW_HANGUP;
			int avail = 0;
			if (s->type == EV_FD_READ && !ioctl(pfd[s->pidx].fd, FIONREAD, &avail) && avail > 0)
				nbytes = (uint64_t)avail;
		}
	}
	put_u16(e + 8, err);
	e[10] = s->type;
	put_u64(e + 16, err ? 0 : nbytes);
	put_u16(e + 24, flags);
	return true;
}

/* poll_oneoff(in, out, nsubscriptions, nevents_ptr) */
int wasi_poll_oneoff(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	struct xwasm_wasi *c = ctx_of(user);
	xwasm_memory *mem = guest_mem(caller);
	uint32_t in = arg_u32(args, 0), out = arg_u32(args, 1), nsubs = arg_u32(args, 2);
	uint32_t neventsp = arg_u32(args, 3);
	if (nsubs == 0)
		return ret_errno(results, XWASI_EINVAL);
	const uint8_t *subs = gptr(mem, in, (uint64_t)nsubs * SUB_SIZE);
	uint8_t *events = gptr(mem, out, (uint64_t)nsubs * EVENT_SIZE);
	uint8_t *pn = gptr(mem, neventsp, 4);
	if (!subs || !events || !pn)
		return ret_errno(results, XWASI_EFAULT);

	/* Deadlines on the monotonic clock (deterministic mode: on a virtual one). */
	uint64_t base;
	if (!wasi_now_ns(c, 1, &base))
		return ret_errno(results, XWASI_EIO);
	struct sub *sv = calloc(nsubs, sizeof(*sv));
	struct pollfd *pfd = calloc(nsubs, sizeof(*pfd));
	if (!sv || !pfd) {
		free(sv);
		free(pfd);
		return ret_errno(results, XWASI_ENOMEM);
	}
	int npfd = 0, err = 0;
	bool have_clock = false, any_ready = false;
	uint64_t earliest = UINT64_MAX;
	wasi_lock(c);
	for (uint32_t i = 0; i < nsubs && !err; i++) {
		const uint8_t *s = subs + (size_t)i * SUB_SIZE;
		struct sub *v = &sv[i];
		v->userdata = get_u64(s);
		v->type = s[8];
		if (v->type == EV_FD_READ || v->type == EV_FD_WRITE) {
			fd_sub(c, (int32_t)get_u32(s + 16), v, pfd, &npfd);
			any_ready |= v->ready;
			continue;
		}
		if (v->type != EV_CLOCK) {
			err = XWASI_EINVAL;
			break;
		}
		uint32_t id = get_u32(s + 16);
		uint64_t timeout = get_u64(s + 24), now;
		uint16_t flags = get_u16(s + 40);
		if (!wasi_now_ns(c, id, &now)) {
			err = XWASI_EINVAL;
			break;
		}
		uint64_t rel = (flags & SUBCLOCK_ABSTIME) ? (timeout > now ? timeout - now : 0) : timeout;
		v->deadline = sat_add(base, rel);
		v->pidx = -1;
		have_clock = true;
		if (v->deadline < earliest)
			earliest = v->deadline;
	}
	wasi_unlock(c);

	uint64_t now = base;
	while (!err) {
		if (xwasm_instance_interrupted(caller)) {
			free(sv);
			free(pfd);
			xwasm_instance_set_trap(caller, XWASM_TRAP_INTERRUPTED, "interrupted in poll_oneoff");
			return XWASM_TRAP_INTERRUPTED;
		}
		bool due = have_clock && now >= earliest;
		uint64_t wait = any_ready || due || (c->deterministic && have_clock) ? 0
				: have_clock && earliest - now < STEP_NS ? earliest - now : STEP_NS;
		if (npfd) {
			struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000ull),
					       .tv_nsec = (long)(wait % 1000000000ull) };
			int r = ppoll(pfd, (nfds_t)npfd, &ts, NULL);
			if (r > 0)
				break;
			if (r < 0 && errno != EINTR)
				err = wasi_errno(errno);
		} else if (wait) {
			uint64_t until = mono_ns() + wait;
			struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
					       .tv_nsec = (long)(until % 1000000000ull) };
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL); /* EINTR: look again */
		}
		if (any_ready || due)
			break;
		now = c->deterministic ? (have_clock ? earliest : now) : mono_ns();
	}
	if (err) {
		free(sv);
		free(pfd);
		return ret_errno(results, err);
	}
	if (!c->deterministic)
		now = mono_ns();

	uint32_t nev = 0;
	for (uint32_t i = 0; i < nsubs; i++) {
		const struct sub *v = &sv[i];
		uint8_t *e = events + (size_t)nev * EVENT_SIZE;
		memset(e, 0, EVENT_SIZE);
		if (v->type == EV_CLOCK) {
			if (v->deadline > now)
				continue;
			e[10] = EV_CLOCK;
		} else if (!fd_event(v, pfd, e)) {
			continue;
		}
		put_u64(e, v->userdata);
		nev++;
	}
	free(sv);
	free(pfd);
	put_u32(pn, nev);
	return ret_errno(results, XWASI_ESUCCESS);
}
