/* "Did you mean" for a mistyped option (src/cli/cli_options.h). */
#include <stdio.h>
#include <string.h>
#include "cli/cli_options.h"
#include "util/distance.h"

void cli_unknown_option(const char *cmd, const char *arg, const struct option *opts, const char *const *names)
{
	char name[64];
	const char *a = arg;
	while (*a == '-')
		a++;
	snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
	/* the candidates without their dashes */
	const char *cands[128];
	size_t n = 0;
	for (size_t i = 0; n < sizeof cands / sizeof *cands; i++) {
		const char *cand = opts ? opts[i].name : names ? names[i] : NULL;
		if (!cand)
			break;
		cands[n++] = cand + strspn(cand, "-");
	}
	const char *best = xdperf_closest(name, cands, n, strlen(name) > 4 ? 3 : 2);
	const char *sp = *cmd ? " " : "";
	if (best && arg[0] == '-' && arg[1] != '-' && strlen(arg) == 2)
		best = NULL; /* a short option: a suggestion from its letter would be a guess */
	char help[80];
	snprintf(help, sizeof help, *cmd ? "xdperf %s --help" : "xdperf help generate", cmd);
	if (best)
		fprintf(stderr, "xdperf%s%s: unknown option '%s' (did you mean '--%s'? see %s)\n", sp, cmd, arg, best, help);
	else
		fprintf(stderr, "xdperf%s%s: unknown option '%s' (see %s)\n", sp, cmd, arg, help);
}
