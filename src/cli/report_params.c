/* The common part of HTML report documents and their file (src/cli/report_params.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cli/report_params.h"
#include "report/report.h"
#include "util/file.h"
#include "xdperf/version.h"

/* argv as one line a POSIX shell reads back: plain words as they are, others in single
 * quotes (a quote inside as '\''). NULL when out of memory. */
static char *command_line(int argc, char **argv)
{
	size_t cap = 1;
	for (int i = 0; i < argc; i++)
		cap += 4 * strlen(argv[i]) + 3;
	char *s = malloc(cap), *p = s;
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool plain = a[0] != '\0';
		for (const char *c = a; *c && plain; c++)
			plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				       "_./:=,+@%-", *c) != NULL;
		if (i)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (const char *c = a; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

int cli_report_params(json_t *params, int argc, char **argv)
{
	char *cmd = command_line(argc, argv);
	char host[256] = "";
	struct utsname u;
	char kernel[4 * sizeof u.release + 8] = "";
	if (gethostname(host, sizeof host - 1))
		host[0] = '\0';
	if (!uname(&u))
		snprintf(kernel, sizeof kernel, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
	int e = !cmd || json_object_set_new(params, "command", json_string(cmd)) ||
		json_object_set_new(params, "version", json_string(xdperf_version_full())) ||
		json_object_set_new(params, "host", json_string(host)) ||
		json_object_set_new(params, "kernel", json_string(kernel));
	free(cmd);
	return e ? -ENOMEM : 0;
}

json_t *cli_report_doc(const char *kind, const char *title, int argc, char **argv)
{
	char created[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *params = json_object();
	json_t *doc = json_pack("{s:s, s:s, s:o*, s:o}", "kind", kind, "created", created,
				"params", params, "streams", json_array());
	if (doc && title)
		json_object_set_new(doc, "title", json_string(title));
	if (!doc || cli_report_params(json_object_get(doc, "params"), argc, argv)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int cli_report_file(json_t *params, const char *key, const char *path)
{
	char k[128];
	snprintf(k, sizeof k, "%s_sha256", key);
	if (json_object_set_new(params, key, json_string(path)))
		return -ENOMEM;
	uint8_t *buf;
	size_t len;
	if (xdperf_read_file_any(path, 1u << 30, &buf, &len))
		return json_object_set_new(params, k, json_null()) ? -ENOMEM : 0;
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256(h, buf, len);
	free(buf);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return json_object_set_new(params, k, json_string(hex)) ? -ENOMEM : 0;
}

json_t *cli_report_latency(const struct xdperf_latency *l)
{
	if (!l->count)
		return NULL;
	json_t *le = json_array(), *n = json_array();
	for (size_t i = 0; le && n && i < l->nhist; i++)
		if (json_array_append_new(le, json_real((double)l->hist[i].le_ns / 1e3)) ||
		    json_array_append_new(n, json_integer((json_int_t)l->hist[i].count)))
			break;
	json_t *o = json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)l->count,
			      "negative", (json_int_t)l->negative, "min_us", (double)l->min_ns / 1e3,
			      "avg_us", l->avg_ns / 1e3, "p50_us", (double)l->p50_ns / 1e3,
			      "p99_us", (double)l->p99_ns / 1e3, "p999_us", (double)l->p999_ns / 1e3,
			      "max_us", (double)l->max_ns / 1e3);
	if (o && l->nhist)
		json_object_set_new(o, "hist", json_pack("{s:o*, s:o*}", "le_us", le, "count", n));
	else {
		json_decref(le);
		json_decref(n);
	}
	return o;
}

int cli_report_check(const char *opt, const char *path)
{
	struct stat st;
	bool existed = !stat(path, &st);
	if (existed && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "xdperf: %s %s: is a directory; give a file name (e.g. report.html)\n", opt, path);
		return 1;
	}
	/* opened for writing without truncating: an existing report stays until the new one */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "xdperf: %s %s: cannot write it: %s\n", opt, path, strerror(errno));
		return 1;
	}
	close(fd);
	if (!existed)
		unlink(path);
	return 0;
}

int cli_report_write(const char *opt, const char *path, const json_t *doc, bool quiet)
{
	char err[512];
	if (xdperf_report_write_html(path, doc, err, sizeof err)) {
		fprintf(stderr, "xdperf: %s: %s\n", opt, err);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "xdperf: report written to %s\n", path);
	return 0;
}
