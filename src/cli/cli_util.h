/* Shared by the subcommands: option-value parsing (numbers with a range, read from flags,
 * with one error line naming the command and the flag), the admin token, and the stop signals
 * of commands that run until SIGINT/SIGTERM. */
#ifndef XDPERF_CLI_UTIL_H
#define XDPERF_CLI_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* s as a plain decimal number (digits only: no sign, no spaces, which strtoull would take, " -1"
 * as 2^64 - 1) of at most max into *out; true when it is one. */
bool cli_decimal_u64(const char *s, uint64_t max, uint64_t *out);

/* Decimal integer min..max from s into *out; otherwise prints "xdperf CMD: FLAG: expected a
 * number from MIN to MAX, got 'S'" and returns -1. */
int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Numbers with an SI suffix (--rate, --count): DIGITS[.DIGITS] with an optional k, K (10^3), M
 * (10^6) or G (10^9) after it, exactly (no sign, spaces or exponent; "1.5k" = 1500). On a bad
 * value they print one line, `PREFIX: FLAG: "S": why` (PREFIX e.g. "xdperf" or "xdperf count"),
 * and return -1. */

/* A whole number 0..max ("1.5k" = 1500; "0.5" and "1.0001k" are not whole). */
int cli_parse_count(const char *prefix, const char *flag, const char *s, uint64_t max, uint64_t *out);

/* A rate above 0 given to at most 6 decimal places (after the suffix: "0.5", "1.5k",
 * "0.000001"), as the exact fraction *num / *den (den a power of ten, at most 10^6; num below
 * 2^64) and as a double in *rate. */
int cli_parse_rate(const char *prefix, const char *flag, const char *s, uint64_t *num, uint64_t *den,
		   double *rate);

/* A rate num / den as text: "1000", "0.5", "1500.25" (exact, no exponent). */
void cli_format_rate(uint64_t num, uint64_t den, char *buf, size_t len);

/* JSON output of the commands (--json, --json-stream): o as one line of compact JSON on f,
 * then a newline, flushed. Integers as they are; reals without binary noise or exponents
 * (12.3, not 12.300000000000001; 0.000012, not 1.2e-05) and rounded by their key: seconds
 * (keys ending in _s, and seconds / start / end) to the microsecond, rates (keys ending in pps,
 * bps, rps, and cv) to 6 significant digits, _us values to the nanosecond, _ns to 0.1 ns;
 * others to 15 significant digits. Non-finite reals become null. 0, or -1 when the write
 * failed. */
int cli_json_print(FILE *f, const json_t *o);

/* --json-stream: {"event":EVENT,"data":DATA} on stdout as one line (cli_json_print), flushed.
 * Steals data (NULL: an empty object). 0 or -1. */
int cli_json_event(const char *event, json_t *data);
/* The data of an interval event of the generator, --server and count (--json-stream,
 * docs/json-stream.md): start and end (seconds since the run started), seconds, packets,
 * bytes, pps, bps (null without time) of the interval, and total {packets, bytes} so far. */
json_t *cli_interval_json(double start, double end, uint64_t packets, uint64_t bytes,
			  uint64_t total_packets, uint64_t total_bytes);
/* Ends a run's --metrics / --otlp-endpoint export (run_export_close: its last push; NULL is
 * fine) and warns on stderr when OTLP pushes failed. */
struct run_export;
void cli_export_close(struct run_export *ex);
/* A command's result: with --json-stream (stream) the "end" event, else the --json object on
 * its own line (cli_json_print). Steals o. 0 or -1. */
int cli_json_result(json_t *o, bool stream);

/* 6 significant digits / the microsecond, as cli_json_print rounds them (for a real built by
 * hand whose key does not say). */
double cli_round_sig6(double v);

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

/* What is wrong with dir as a directory to use ("empty", strerror, "not a directory"), or NULL. */
const char *cli_dir_problem(const char *dir);

#endif
