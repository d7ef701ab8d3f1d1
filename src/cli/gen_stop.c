/* Stop requests of the generator command (src/cli/gen_stop.h). */
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include "cli/gen_stop.h"
#include "xdperf/tx.h"

volatile sig_atomic_t gen_stops;
xwasm_interrupt *gen_irq;
static volatile sig_atomic_t first_signal;
static struct xdperf_tx *_Atomic running;

static void on_stop(int sig)
{
	if (!first_signal)
		first_signal = sig;
	gen_stops++;
	if (gen_irq)
		xwasm_interrupt_raise(gen_irq);
	struct xdperf_tx *tx = atomic_load(&running);
	if (tx)
		xdperf_tx_stop(tx);
}

void gen_stop_install(void)
{
	if (!gen_irq)
		gen_irq = xwasm_interrupt_new(); /* NULL (no memory): plugin calls run to the end */
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void gen_stop_attach(struct xdperf_tx *tx)
{
	atomic_store(&running, tx);
	/* a signal that came just before the run was attached still stops it */
	if (tx && gen_stops)
		xdperf_tx_stop(tx);
}

const char *gen_stop_name(void)
{
	return first_signal == SIGTERM ? "SIGTERM" : first_signal ? "SIGINT" : NULL;
}

int gen_stop_status(void)
{
	return 128 + (first_signal ? first_signal : SIGINT);
}
