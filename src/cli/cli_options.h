/* One line for an option a command does not know, with the closest it does ("did you mean"). */
#ifndef XDPERF_CLI_OPTIONS_H
#define XDPERF_CLI_OPTIONS_H

#include <getopt.h>

/* Prints "xdperf CMD: unknown option 'ARG' (did you mean '--x'? see xdperf CMD --help)" on
 * stderr, the suggestion being the long option of opts (or of names, a NULL-terminated list of
 * "--x" strings, when opts is NULL) closest to ARG's name (its part before '='). cmd is the
 * command as typed after "xdperf" ("" for the generator: "xdperf: unknown option ..."). */
void cli_unknown_option(const char *cmd, const char *arg, const struct option *opts, const char *const *names);

#endif
