/* Helpers shared by the subcommands (cli/cli_util.h). */
#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util/clock.h"
#include "util/file.h"

bool cli_decimal_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (!cli_decimal_u64(s, max, &v) || v < min) {
		fprintf(stderr, "xdperf %s: %s: expected a number from %llu to %llu, got '%s'\n", cmd, flag,
			(unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* s without leading and trailing whitespace into buf (at most len - 1 bytes); returns the
 * trimmed length, which may be larger. */
static size_t trim(const char *s, char *buf, size_t len)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t k = strlen(s);
	while (k && isspace((unsigned char)s[k - 1]))
		k--;
	size_t c = k < len ? k : len - 1;
	memcpy(buf, s, c);
	buf[c] = 0;
	return k;
}

int cli_admin_token(const char *cmd, const char *file, char *buf, size_t len)
{
	buf[0] = 0;
	if (!file) {
		if (getenv("XDPERF_ADMIN_TOKEN"))
			trim(getenv("XDPERF_ADMIN_TOKEN"), buf, len);
		return 0;
	}
	uint8_t *text;
	size_t n;
	int rc = xdperf_read_file(file, 4096, &text, &n);
	if (rc) {
		fprintf(stderr, "xdperf %s: token file %s: %s\n", cmd, file, rc == -EFBIG ? "too large" : xdperf_file_strerror(rc));
		return -1;
	}
	char *s = (char *)text;
	while (*s && isspace((unsigned char)*s))
		s++;
	s[strcspn(s, "\r\n")] = 0; /* the first line that is not blank */
	size_t k = trim(s, buf, len);
	free(text);
	if (!k || k >= len) {
		fprintf(stderr, "xdperf %s: token file %s: %s\n", cmd, file, k ? "token too long" : "empty");
		buf[0] = 0;
		return -1;
	}
	return 0;
}

static void on_stop_signal(int sig)
{
	(void)sig; /* only interrupts the wait; the signal is collected by sigtimedwait */
}

void cli_block_stop_signals(sigset_t *set)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigprocmask(SIG_BLOCK, set, NULL);
}

bool cli_wait_signal(const sigset_t *set, double until)
{
	for (;;) {
		if (isinf(until)) {
			if (sigwaitinfo(set, NULL) >= 0)
				return true;
			continue;
		}
		double left = until - xdperf_mono();
		if (left <= 0)
			return false;
		struct timespec ts = { (time_t)left, (long)((left - floor(left)) * 1e9) };
		if (sigtimedwait(set, NULL, &ts) >= 0)
			return true;
		if (errno == EAGAIN)
			return false;
	}
}
