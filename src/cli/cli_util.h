/* Option-value parsing shared by the subcommands: numbers with a range, read from flags, with
 * one error line naming the command and the flag. */
#ifndef XDPERF_CLI_UTIL_H
#define XDPERF_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decimal integer min..max from s into *out; otherwise prints "xdperf CMD: FLAG: expected a
 * number from MIN to MAX, got 'S'" and returns -1. */
int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The first line of a secret file (token), whitespace trimmed, into buf; -1 after a message. */
int cli_read_secret(const char *cmd, const char *path, char *buf, size_t len);

/* s without leading and trailing whitespace, copied into buf (cut at len - 1 bytes); returns buf. */
char *cli_trim(const char *s, char *buf, size_t len);

#endif
