/* Helpers shared by the subcommands (cli/cli_util.h). */
#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "ctl/run_export.h"
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

/* ---- numbers with an SI suffix ------------------------------------------------------------- */

/* s = DIGITS[.DIGITS][k|K|M|G] as mant * 10^exp10, trailing zeros moved into exp10 (0 as 0 * 10^0).
 * 0, -1 (not such a number) or -2 (more than 19 significant digits). */
static int scaled_decimal(const char *s, uint64_t *mant, int *exp10)
{
	uint64_t m = 0;
	int e = 0, digits = 0, sig = 0;
	bool dot = false;
	const char *p = s;
	for (;; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		digits++;
		unsigned d = (unsigned)(*p - '0');
		if (dot)
			e--;
		if (!m && !d)
			continue; /* leading zeros */
		if (++sig > 19)
			return -2;
		m = m * 10 + d;
	}
	if (!digits || (p > s && p[-1] == '.' && p - 1 == s))
		return -1;
	switch (*p) {
	case 'k': case 'K': e += 3; p++; break;
	case 'M': e += 6; p++; break;
	case 'G': e += 9; p++; break;
	default: break;
	}
	if (*p)
		return -1;
	if (!m)
		e = 0;
	while (m && m % 10 == 0) {
		m /= 10;
		e++;
	}
	*mant = m;
	*exp10 = e;
	return 0;
}

/* m * 10^e (e >= 0) into *out when it is at most max. */
static bool scale_up(uint64_t m, int e, uint64_t max, uint64_t *out)
{
	for (; e > 0; e--)
		if (__builtin_mul_overflow(m, 10, &m))
			return false;
	if (m > max)
		return false;
	*out = m;
	return true;
}

int cli_parse_count(const char *prefix, const char *flag, const char *s, uint64_t max, uint64_t *out)
{
	uint64_t m;
	int e, rc = scaled_decimal(s, &m, &e);
	if (rc == -1) {
		fprintf(stderr, "%s: %s: \"%s\": expected a whole number with optional k/M/G suffix\n",
			prefix, flag, s);
		return -1;
	}
	if (!rc && e < 0) {
		fprintf(stderr, "%s: %s: \"%s\": not a whole number (1.5k = 1500 is one)\n", prefix, flag, s);
		return -1;
	}
	if (rc || !scale_up(m, e, max, out)) {
		fprintf(stderr, "%s: %s: \"%s\": more than %llu\n", prefix, flag, s, (unsigned long long)max);
		return -1;
	}
	return 0;
}

int cli_parse_rate(const char *prefix, const char *flag, const char *s, uint64_t *num, uint64_t *den,
		   double *rate)
{
	uint64_t m;
	int e, rc = scaled_decimal(s, &m, &e);
	if (rc == -1) {
		fprintf(stderr, "%s: %s: \"%s\": expected a number with optional k/M/G suffix\n", prefix,
			flag, s);
		return -1;
	}
	if (!rc && !m) {
		fprintf(stderr, "%s: %s: \"%s\": must be more than 0\n", prefix, flag, s);
		return -1;
	}
	if (!rc && e < -6) {
		fprintf(stderr, "%s: %s: \"%s\": finer than 0.000001 per second\n", prefix, flag, s);
		return -1;
	}
	uint64_t n = m, d = 1;
	if (!rc && e < 0)
		for (int i = e; i < 0; i++)
			d *= 10;
	if (rc || (e > 0 && !scale_up(m, e, UINT64_MAX, &n))) {
		fprintf(stderr, "%s: %s: \"%s\": too large\n", prefix, flag, s);
		return -1;
	}
	*num = n;
	*den = d;
	*rate = (double)n / (double)d;
	return 0;
}

void cli_format_rate(uint64_t num, uint64_t den, char *buf, size_t len)
{
	if (den <= 1) {
		snprintf(buf, len, "%llu", (unsigned long long)num);
		return;
	}
	int places = 0;
	for (uint64_t d = den; d > 1 && places < 19; d /= 10)
		places++;
	char frac[24];
	uint64_t r = num % den;
	for (int i = places - 1; i >= 0; i--, r /= 10)
		frac[i] = (char)('0' + r % 10);
	frac[places] = 0;
	size_t k = (size_t)places;
	while (k > 1 && frac[k - 1] == '0')
		frac[--k] = 0;
	if (num % den)
		snprintf(buf, len, "%llu.%s", (unsigned long long)(num / den), frac);
	else
		snprintf(buf, len, "%llu", (unsigned long long)(num / den));
}

/* ---- JSON output --------------------------------------------------------------------------- */

double cli_round_sig6(double v)
{
	if (!(v != 0) || !isfinite(v))
		return v;
	int e = (int)floor(log10(fabs(v)));
	int p = 5 - e;
	if (p >= 0) {
		double s = pow(10, p);
		return round(v * s) / s;
	}
	double s = pow(10, -p);
	return round(v / s) * s;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && !strcmp(s + a - b, tail);
}

static double round_for(const char *key, double v)
{
	if (!key)
		return v;
	if (ends_with(key, "_s") || !strcmp(key, "seconds") || !strcmp(key, "start") ||
	    !strcmp(key, "end"))
		return round(v * 1e6) / 1e6;
	if (!strncmp(key, "rate_target", 11))
		return v;
	if (ends_with(key, "pps") || ends_with(key, "bps") || ends_with(key, "rps") || !strcmp(key, "cv"))
		return cli_round_sig6(v);
	if (ends_with(key, "_us"))
		return round(v * 1e3) / 1e3;
	if (ends_with(key, "_ns"))
		return round(v * 10) / 10;
	return v;
}

static void put_real(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	char b[400];
	snprintf(b, sizeof b, "%.15g", v);
	if (strchr(b, 'e')) {
		if (fabs(v) < 1) {
			int prec = 15 - (int)floor(log10(fabs(v))) - 1;
			snprintf(b, sizeof b, "%.*f", prec > 340 ? 340 : prec, v);
			size_t k = strlen(b);
			while (k > 2 && b[k - 1] == '0' && b[k - 2] != '.')
				b[--k] = 0;
		} else {
			snprintf(b, sizeof b, "%.0f", v);
		}
	}
	if (!strpbrk(b, ".e"))
		strcat(b, ".0");
	fputs(b, f);
}

static void put_string(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void put_value(FILE *f, const json_t *v, const char *key)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		bool first = true;
		fputc('{', f);
		json_object_foreach((json_t *)v, k, x) {
			if (!first)
				fputc(',', f);
			first = false;
			put_string(f, k, strlen(k));
			fputc(':', f);
			put_value(f, x, k);
		}
		fputc('}', f);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		fputc('[', f);
		json_array_foreach(v, i, x) {
			if (i)
				fputc(',', f);
			put_value(f, x, key);
		}
		fputc(']', f);
		break;
	}
	case JSON_STRING: put_string(f, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: put_real(f, round_for(key, json_real_value(v))); break;
	case JSON_TRUE: fputs("true", f); break;
	case JSON_FALSE: fputs("false", f); break;
	default: fputs("null", f); break;
	}
}

int cli_json_print(FILE *f, const json_t *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -1;
	put_value(m, o, NULL);
	fputc('\n', m);
	if (fclose(m)) {
		free(buf);
		return -1;
	}
	size_t w = fwrite(buf, 1, len, f);
	free(buf);
	return w == len && !fflush(f) ? 0 : -1;
}

int cli_json_event(const char *event, json_t *data)
{
	json_t *o = json_pack("{s:s, s:o}", "event", event, "data", data ? data : json_object());
	if (!o)
		return -1;
	int rc = cli_json_print(stdout, o);
	json_decref(o);
	return rc;
}

json_t *cli_interval_json(double start, double end, uint64_t packets, uint64_t bytes,
			  uint64_t total_packets, uint64_t total_bytes)
{
	double secs = end - start;
	return json_pack("{s:f, s:f, s:f, s:I, s:I, s:o, s:o, s:{s:I, s:I}}", "start", start, "end", end,
			 "seconds", secs, "packets", (json_int_t)packets, "bytes", (json_int_t)bytes,
			 "pps", secs > 0 ? json_real((double)packets / secs) : json_null(),
			 "bps", secs > 0 ? json_real((double)bytes * 8 / secs) : json_null(), "total",
			 "packets", (json_int_t)total_packets, "bytes", (json_int_t)total_bytes);
}

void cli_export_close(struct run_export *ex)
{
	char err[256];
	unsigned failed = run_export_close(ex, err, sizeof err);
	if (failed)
		fprintf(stderr, "xdperf: warning: %u OTLP push%s failed; the first: %s\n", failed,
			failed == 1 ? "" : "es", err);
}

int cli_json_result(json_t *o, bool stream)
{
	if (stream)
		return cli_json_event("end", o);
	int rc = cli_json_print(stdout, o);
	json_decref(o);
	return rc;
}

const char *cli_dir_problem(const char *dir)
{
	struct stat st;
	if (!dir[0])
		return "empty";
	if (stat(dir, &st))
		return strerror(errno);
	return S_ISDIR(st.st_mode) ? NULL : "not a directory";
}
