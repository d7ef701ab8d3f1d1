/* threads: the wait queue behind memory.atomic.wait32/wait64 and memory.atomic.notify, for
 * instances on different host threads that share a memory. One process-wide list of waiters
 * under one mutex (waits are rare and slow by nature); each waiter sleeps on its own condition
 * variable in pieces (interp_atomic.inc looks at fuel and the interrupt flag between pieces).
 * The value is compared under the mutex that notify takes, so a notify after the comparison
 * always finds the waiter queued. */
#include <pthread.h>
#include <time.h>
#include "wasm/runtime.h"

static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xw_waiter *wq_head, *wq_tail; /* oldest first: notify wakes in arrival order */

static void unlink_waiter(struct xw_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		wq_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		wq_tail = w->prev;
	w->next = w->prev = NULL;
}

int xw_wait_enter(struct xw_waiter *w, const xwasm_memory *m, uint64_t ea, uint64_t expected, unsigned width)
{
	pthread_mutex_lock(&wq_lock);
	const void *p = m->base + ea;
	uint64_t v = width == 8 ? __atomic_load_n((const uint64_t *)p, __ATOMIC_SEQ_CST)
				: __atomic_load_n((const uint32_t *)p, __ATOMIC_SEQ_CST);
	if (v != expected) {
		pthread_mutex_unlock(&wq_lock);
		return 1;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->mem = m;
	w->addr = ea;
	w->woken = false;
	w->next = NULL;
	w->prev = wq_tail;
	if (wq_tail)
		wq_tail->next = w;
	else
		wq_head = w;
	wq_tail = w;
	pthread_mutex_unlock(&wq_lock);
	return 0;
}

bool xw_wait_piece(struct xw_waiter *w, uint64_t ns)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	uint64_t nsec = (uint64_t)until.tv_nsec + ns % 1000000000u;
	until.tv_sec += (time_t)(ns / 1000000000u + nsec / 1000000000u);
	until.tv_nsec = (long)(nsec % 1000000000u);
	pthread_mutex_lock(&wq_lock);
	while (!w->woken && pthread_cond_timedwait(&w->cv, &wq_lock, &until) == 0)
		; /* woken, or a spurious wake-up: look again */
	bool woken = w->woken;
	pthread_mutex_unlock(&wq_lock);
	return woken;
}

void xw_wait_leave(struct xw_waiter *w)
{
	pthread_mutex_lock(&wq_lock);
	if (!w->woken)
		unlink_waiter(w);
	pthread_mutex_unlock(&wq_lock);
	pthread_cond_destroy(&w->cv);
}

uint32_t xw_notify(const xwasm_memory *m, uint64_t ea, uint32_t count)
{
	uint32_t n = 0;
	pthread_mutex_lock(&wq_lock);
	for (struct xw_waiter *w = wq_head, *next; w && n < count; w = next) {
		next = w->next;
		if (w->mem != m || w->addr != ea)
			continue;
		unlink_waiter(w);
		w->woken = true;
		pthread_cond_signal(&w->cv);
		n++;
	}
	pthread_mutex_unlock(&wq_lock);
	return n;
}
