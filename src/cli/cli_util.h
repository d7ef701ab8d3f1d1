/* Shared by the subcommands: option-value parsing (numbers with a range, read from flags,
 * with one error line naming the command and the flag), the admin token, and the stop signals
 * of commands that run until SIGINT/SIGTERM. */
#ifndef XDPERF_CLI_UTIL_H
#define XDPERF_CLI_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s as a plain decimal number (digits only: no sign, no spaces, which strtoull would take, " -1"
 * as 2^64 - 1) of at most max into *out; true when it is one. */
bool cli_decimal_u64(const char *s, uint64_t max, uint64_t *out);

/* Decimal integer min..max from s into *out; otherwise prints "xdperf CMD: FLAG: expected a
 * number from MIN to MAX, got 'S'" and returns -1. */
int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The admin API's bearer token into buf: the first line of `file` (whitespace trimmed) when file
 * is not NULL, otherwise $XDPERF_ADMIN_TOKEN (trimmed), otherwise "". Returns 0, or -1 after one
 * message (file unreadable, empty, or a token of len bytes or more). */
int cli_admin_token(const char *cmd, const char *file, char *buf, size_t len);

/* Blocks SIGINT and SIGTERM (before threads start, so none of them takes one) with a handler
 * that only interrupts waits; *set holds the two for sigtimedwait/sigwaitinfo. */
void cli_block_stop_signals(sigset_t *set);

/* Waits for one of the (blocked) signals in set until `until` (xdperf_mono() seconds,
 * util/clock.h; INFINITY: no limit). True when a signal came, false when the time was up. */
bool cli_wait_signal(const sigset_t *set, double until);

#endif
