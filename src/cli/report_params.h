/* Helpers for the commands that write an HTML report (--report FILE.html; the renderer is
 * src/report/report.h, the document's keys docs/reports.md): the document's common part
 * (kind, created, the parameters that reproduce the run), a plugin's path and hash, a server
 * latency in the document's form, the path checked before a run, and the file written. */
#ifndef XDPERF_CLI_REPORT_PARAMS_H
#define XDPERF_CLI_REPORT_PARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "xdperf/server.h"

/* Fills params with what every report records: "command" (argv, quoted for a POSIX shell),
 * "version", "host", "kernel" (uname: system, release, version, machine). 0 or -ENOMEM. */
int cli_report_params(json_t *params, int argc, char **argv);

/* A new document {"kind":kind, "title":title (NULL: none), "created":UTC now,
 * "params":{cli_report_params}, "streams":[]}; NULL when out of memory. */
json_t *cli_report_doc(const char *kind, const char *title, int argc, char **argv);

/* params[key] = path and params[key "_sha256"] = the file's SHA-256 in hex (or, when it
 * cannot be read, params[key "_sha256"] = null). 0 or -ENOMEM. */
int cli_report_file(json_t *params, const char *key, const char *path);

/* A server latency in the document's form: {"count","negative","min_us","avg_us","p50_us",
 * "p99_us","p999_us","max_us","hist":{"le_us":[...],"count":[...]}} (microseconds as reals
 * from the exact ns); NULL when it has no samples or out of memory. */
json_t *cli_report_latency(const struct xdperf_latency *l);

/* Before a run: can path be written? 0, or 1 after one line on stderr naming opt and path.
 * Creates no file that was not there (one it created to try is removed again). */
int cli_report_check(const char *opt, const char *path);

/* Writes doc as HTML to path; one line on stderr: where it went, or why not. 0 or 1. */
int cli_report_write(const char *opt, const char *path, const json_t *doc, bool quiet);

#endif
