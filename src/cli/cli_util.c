/* Option-value parsing shared by the subcommands (cli/cli_util.h). */
#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/file.h"

int cli_parse_u64(const char *cmd, const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "xdperf %s: %s: expected a number from %llu to %llu, got '%s'\n", cmd, flag,
			(unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_read_secret(const char *cmd, const char *path, char *buf, size_t len)
{
	uint8_t *text;
	size_t n;
	int rc = xdperf_read_file(path, 4096, &text, &n);
	if (rc) {
		fprintf(stderr, "xdperf %s: token file %s: %s\n", cmd, path, rc == -EFBIG ? "too large" : strerror(-rc));
		return -1;
	}
	char *s = (char *)text;
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t k = strcspn(s, "\r\n");
	while (k && isspace((unsigned char)s[k - 1]))
		k--;
	if (!k || k >= len) {
		fprintf(stderr, "xdperf %s: token file %s: %s\n", cmd, path, k ? "token too long" : "empty");
		free(text);
		return -1;
	}
	memcpy(buf, s, k);
	buf[k] = 0;
	free(text);
	return 0;
}

char *cli_trim(const char *s, char *buf, size_t len)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t k = strlen(s);
	while (k && isspace((unsigned char)s[k - 1]))
		k--;
	if (k >= len)
		k = len - 1;
	memcpy(buf, s, k);
	buf[k] = 0;
	return buf;
}
