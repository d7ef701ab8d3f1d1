/* Text form of a server report, shared by `xdperf --server` (its summary) and a generator run
 * with --server-addr (the server's side of its summary). */
#ifndef XDPERF_CLI_SERVER_PRINT_H
#define XDPERF_CLI_SERVER_PRINT_H

#include <stdint.h>
#include <stdio.h>
#include "xdperf/server.h"

/* sent: the frames the generator sent and lost those of them the server did not receive (the
 * generator's count decides loss), or sent = UINT64_MAX when unknown (loss then comes from
 * the gaps in the sequence numbers seen; lost is ignored). */
void print_server_report(FILE *f, const struct xdperf_server_report *r, uint64_t sent,
			 uint64_t lost);

/* "12.3 us" style (ns in, 3 significant digits). */
void fmt_ns(char *buf, size_t len, double ns);

#endif
