/* Stop requests (SIGINT, SIGTERM) of the generator command in every phase: while the plugin
 * starts or answers (its call is interrupted), while a pcap file is written, while the server
 * is reached, while frames go out (the transmit run stops between send calls) and while the
 * server's report is awaited (the wait is cut short). The handler only sets flags and calls
 * xdperf_tx_stop(); each phase looks at them. */
#ifndef XDPERF_CLI_GEN_STOP_H
#define XDPERF_CLI_GEN_STOP_H

#include <signal.h>
#include <stdbool.h>
#include "xdperf/wasm.h"

struct xdperf_tx;

/* Stop signals received so far (0: none). */
extern volatile sig_atomic_t gen_stops;
/* Raised with the first stop signal: plugin calls given it are interrupted (-EINTR). NULL
 * before gen_stop_install(). */
extern xwasm_interrupt *gen_irq;

/* Installs the handlers (the command's start, before any thread). */
void gen_stop_install(void);
/* The run a stop signal stops (NULL: none now). */
void gen_stop_attach(struct xdperf_tx *tx);
/* "SIGINT" / "SIGTERM": the first stop signal (NULL: none yet). */
const char *gen_stop_name(void);
/* The exit status of a command stopped before it sent anything: 128 + the signal. */
int gen_stop_status(void);

#endif
