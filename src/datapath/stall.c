/* Waiting for a device that accepts nothing, for both transmit backends: short waits that
 * look at the run's stop request every time and give up after the stall timeout, and the
 * one-line reason given then (src/datapath/backend.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "datapath/backend.h"
#include "datapath/link.h"
#include "util/clock.h"
#include "util/err.h"

/* A short busy-wait step (the CPU's spin-loop hint). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

int dp_wait_more(const struct dp_run *run, struct dp_wait *w)
{
	if (run->stop && atomic_load_explicit(run->stop, memory_order_relaxed))
		return -EINTR;
	if (run->hold && atomic_load_explicit(run->hold, memory_order_relaxed))
		return -EAGAIN;
	/* no sched_yield(): with a busy process on this CPU it hands it a whole time slice */
	if (w->spins++ == 0)
		w->since = xdperf_mono();
	if (w->spins < 16) {
		for (int i = 0; i < 64; i++)
			cpu_relax();
		return 0;
	}
	if (w->spins % 64 == 0 && run->stall_timeout > 0 &&
	    xdperf_mono() - w->since >= run->stall_timeout)
		return -ETIMEDOUT;
	struct timespec ts = { 0, 20000 };
	nanosleep(&ts, NULL);
	return 0;
}

void dp_stall_message(const struct dp_run *run, const char *backend, int ifindex,
		      const char *ifname, bool xdp, int t, unsigned len, char *err,
		      size_t errlen)
{
	char why[300] = "";
	struct dp_link l;
	int e = dp_link_query(ifindex, &l, NULL, 0);
	if (e == -ENODEV) {
		snprintf(why, sizeof why, "%s no longer exists", ifname);
	} else if (!e) {
		dp_link_why(&l, xdp, why, sizeof why);
		if (!why[0] && t >= 0) {
			unsigned own = dp_link_max_frame(l.dev.mtu, false) + 4;
			unsigned peer = dp_link_max_frame(l.peer.mtu, false) + 4;
			if (l.dev.mtu && len > own)
				snprintf(why, sizeof why, "template %d (%u bytes) is longer than the MTU "
					 "of %s (%u) allows", t, len, ifname, l.dev.mtu);
			else if (l.peer_known && l.peer.mtu && len > peer)
				snprintf(why, sizeof why, "template %d (%u bytes) is longer than the MTU "
					 "of %s, the peer of %s (%u), allows", t, len, l.peer.name,
					 ifname, l.peer.mtu);
		}
	}
	if (!why[0] && t >= 0)
		snprintf(why, sizeof why, "it refused template %d (%u bytes) and everything after; "
			 "its transmit queue stays full (the receiving side takes nothing)", t, len);
	else if (!why[0])
		snprintf(why, sizeof why, "its transmit queue stays full (the receiving side takes "
			 "nothing)");
	xdperf_errf(err, errlen, "%s: %s accepted none of the frames sent to it for %.1f s "
		    "(--stall-timeout): %s", backend, ifname, run->stall_timeout, why);
}
