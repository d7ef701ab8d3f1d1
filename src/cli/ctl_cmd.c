/* `xdperf ctl`: the admin API client (include/xdperf/admin.h): one subcommand per endpoint,
 * tables for people and --json for scripts; an API error is printed as one line with its HTTP
 * status and exits 1. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "util/file.h"
#include "xdperf/admin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf ctl [-a|--admin [https://]HOST:PORT] [--cacert FILE] [--token-file FILE] [--json]\n"
		"                  [--timeout MS] COMMAND ...      (xdperf ctl COMMAND --help: this text)\n"
		"  list                                   protocols, versions, states, traffic and call counts\n"
		"  get ID [VERSION]                       one protocol, or one version with its stats\n"
		"  upload ID VERSION FILE.wasm [--sig FILE.sig] [--test [PERCENT]]\n"
		"                                         load a version (FILE.wasm.sig is sent when it exists);\n"
		"                                         --test also starts testing it at PERCENT%% (default 0)\n"
		"  test ID VERSION [PERCENT]              start testing a version (at PERCENT%% of flows)\n"
		"  traffic ID VERSION PERCENT             set a testing version's share (100 promotes it)\n"
		"  promote ID VERSION                     make a version active\n"
		"  deprecate ID VERSION                   retire a version that is not active\n"
		"  rollback ID                            make the previous active version active again\n"
		"  unload ID [VERSION]                    unload a version (or the whole protocol)\n"
		"  listeners                              the responder's listeners and counters\n"
		"  metrics                                the Prometheus metrics text\n"
		"  health                                 check that the server answers\n"
		"The address defaults to $XDPERF_ADMIN or 127.0.0.1:7090, the token to $XDPERF_ADMIN_TOKEN.\n"
		"https://HOST:PORT talks to a server started with --admin-tls-cert; --cacert FILE (or\n"
		"$XDPERF_ADMIN_CACERT) is the PEM certificate or CA to trust for it (default: the system's CAs).\n");
}

struct ctl {
	const char *addr;
	const char *token;
	const char *ca_file;
	bool json;
	bool quiet;       /* print nothing on success */
	uint32_t timeout_ms;
};

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (!ns)
		snprintf(buf, len, "-");
	else if (ns < 10000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	return buf;
}

static void print_version_row(json_t *v)
{
	json_t *st = json_object_get(v, "stats");
	char p50[32], p99[32];
	const char *signer = json_string_value(json_object_get(v, "signer"));
	printf("%-16s %-12s %-12s %7.2f%% %12lld %8lld %9s %9s %10lld  %s\n",
	       json_string_value(json_object_get(v, "protocol")), json_string_value(json_object_get(v, "version")),
	       json_string_value(json_object_get(v, "state")), json_number_value(json_object_get(v, "traffic")),
	       (long long)json_integer_value(json_object_get(st, "calls")),
	       (long long)json_integer_value(json_object_get(st, "errors")),
	       fmt_ns((uint64_t)json_integer_value(json_object_get(st, "p50_ns")), p50, sizeof p50),
	       fmt_ns((uint64_t)json_integer_value(json_object_get(st, "p99_ns")), p99, sizeof p99),
	       (long long)json_integer_value(json_object_get(st, "memory_bytes")),
	       json_is_true(json_object_get(v, "native")) ? "native" : signer ? signer : "unsigned");
}

static void print_header(void)
{
	printf("%-16s %-12s %-12s %8s %12s %8s %9s %9s %10s  %s\n", "PROTOCOL", "VERSION", "STATE", "TRAFFIC", "CALLS",
	       "ERRORS", "P50", "P99", "MEMORY", "SIGNER");
}

static void print_protocol(json_t *p)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p, "versions"), i, v)
		print_version_row(v);
}

static void print_answer(json_t *j)
{
	json_t *protos = json_object_get(j, "protocols");
	json_t *listeners = json_object_get(j, "listeners");
	size_t i;
	json_t *v;
	if (protos) {
		if (!json_array_size(protos)) {
			printf("no protocols loaded\n");
			return;
		}
		print_header();
		json_array_foreach(protos, i, v)
			print_protocol(v);
	} else if (json_object_get(j, "versions")) {
		print_header();
		print_protocol(j);
	} else if (json_object_get(j, "state")) {
		print_header();
		print_version_row(j);
	} else if (listeners) {
		printf("%-30s %-16s %12s %12s %8s %8s %8s %8s\n", "LISTENER", "PROTOCOL", "REQUESTS", "REPLIES", "FAILED",
		       "OPEN", "FRAMING", "IDLE");
		json_array_foreach(listeners, i, v)
			printf("%-30s %-16s %12lld %12lld %8lld %8lld %8lld %8lld\n", json_string_value(json_object_get(v, "url")),
			       json_string_value(json_object_get(v, "protocol")),
			       (long long)json_integer_value(json_object_get(v, "requests")),
			       (long long)json_integer_value(json_object_get(v, "replies")),
			       (long long)json_integer_value(json_object_get(v, "failed")),
			       (long long)json_integer_value(json_object_get(v, "open_connections")),
			       (long long)json_integer_value(json_object_get(v, "framing_errors")),
			       (long long)json_integer_value(json_object_get(v, "idle_closed")));
	} else if (json_object_get(j, "unloaded")) {
		const char *ver = json_string_value(json_object_get(j, "version"));
		printf("unloaded %s%s%s\n", json_string_value(json_object_get(j, "unloaded")), ver ? "@" : "",
		       ver ? ver : "");
	} else if (json_object_get(j, "ok")) {
		printf("ok\n");
	}
}

/* One request; prints the answer (table, JSON or text) and returns the exit status. */
static int call(const struct ctl *c, const char *method, const char *path, const void *body, size_t len,
		const char *ctype, const char *header)
{
	struct xdperf_admin_reply rep;
	char err[600];
	struct xdperf_admin_client_opts o = { .sz = sizeof o, .token = c->token, .timeout_ms = c->timeout_ms,
					      .ca_file = c->ca_file };
	if (xdperf_admin_call(c->addr, method, path, body, len, ctype, header, &o, &rep, err, sizeof err)) {
		fprintf(stderr, "xdperf ctl: %s\n", err);
		return 1;
	}
	int rc = 0;
	bool is_json = rep.content_type && !strncmp(rep.content_type, "application/json", 16);
	json_t *j = is_json ? json_loadb(rep.body, rep.len, 0, NULL) : NULL;
	if (rep.status >= 400) {
		const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
		if (msg) {
			fprintf(stderr, "xdperf ctl: %s %s: %s (HTTP %ld)\n", method, path, msg, rep.status);
		} else { /* not the admin API's error object: its first line, not a page of HTML */
			size_t n = 0;
			while (n < rep.len && n < 120 && rep.body[n] != '\n' && rep.body[n] != '\r')
				n++;
			fprintf(stderr, "xdperf ctl: %s %s: HTTP %ld from %s, not an answer of xdperf's admin API: "
					"%.*s%s\n", method, path, rep.status, c->addr, (int)n, rep.body,
				n < rep.len ? " ..." : "");
		}
		if (c->json && j)
			fputs(rep.body, stdout);
		rc = 1;
	} else if (is_json && !json_is_object(j)) {
		fprintf(stderr, "xdperf ctl: %s %s: the answer from %s is not %s (is it xdperf serve's admin API?)\n",
			method, path, c->addr, j ? "a JSON object" : "valid JSON");
		rc = 1;
	} else if (c->quiet) {
	} else if (c->json || !j) {
		fputs(rep.body, stdout);
	} else {
		print_answer(j);
	}
	json_decref(j);
	xdperf_admin_reply_free(&rep);
	return rc;
}

/* Protocol ids and versions are [A-Za-z0-9._+-] (as the registry requires): checked here, so
 * that nothing needs escaping in a path; prints one line and returns -1 otherwise. */
static int check_name(const char *what, const char *s)
{
	size_t n = strlen(s);
	bool ok = n > 0 && n < 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)s[i]) || strchr("._+-", s[i]);
	if (!ok)
		fprintf(stderr, "xdperf ctl: '%s' is not a valid %s (1-63 of A-Z a-z 0-9 . _ + -)\n", s, what);
	return ok ? 0 : -1;
}

/* "/v1/protocols/ID" or "/v1/protocols/ID/versions/VER" into path. */
static const char *proto_path(char *path, size_t len, const char *id, const char *ver)
{
	if (ver)
		snprintf(path, len, "/v1/protocols/%s/versions/%s", id, ver);
	else
		snprintf(path, len, "/v1/protocols/%s", id);
	return path;
}

static int need(int argc, int min, int max, const char *what)
{
	if (argc - 1 < min || argc - 1 > max) {
		fprintf(stderr, "xdperf ctl: usage: xdperf ctl %s\n", what);
		return -1;
	}
	return 0;
}

static int percent_body(const char *s, char *body, size_t len)
{
	char *end;
	double p = strtod(s, &end);
	if (end == s || (*end == '%' ? end[1] : *end) || !isfinite(p) || p < 0 || p > 100) {
		fprintf(stderr, "xdperf ctl: '%s' is not a percentage (0..100)\n", s);
		return -1;
	}
	snprintf(body, len, "{\"traffic\": %.17g}", p);
	return 0;
}

static int upload(const struct ctl *c, int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "xdperf ctl: usage: xdperf ctl upload ID VERSION FILE.wasm [--sig FILE.sig] [--test [PERCENT]]\n");
		return 2;
	}
	const char *id = argv[1], *ver = argv[2], *file = argv[3], *sigfile = NULL, *test = NULL;
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--sig") && i + 1 < argc) {
			sigfile = argv[++i];
		} else if (!strcmp(argv[i], "--test")) {
			test = i + 1 < argc && argv[i + 1][0] != '-' ? argv[++i] : "0";
		} else {
			fprintf(stderr, "xdperf ctl upload: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	char tbody[64];
	if (test && percent_body(test, tbody, sizeof tbody))
		return 2;
	uint8_t *wasm;
	size_t len;
	int rc = xdperf_read_file(file, 1u << 30, &wasm, &len);
	if (rc) {
		fprintf(stderr, "xdperf ctl: %s: %s\n", file, xdperf_file_strerror(rc));
		return 1;
	}
	char defsig[4200];
	uint8_t *sig = NULL;
	size_t siglen = 0;
	if (!sigfile) {
		snprintf(defsig, sizeof defsig, "%s.sig", file);
		if (xdperf_read_file(defsig, 1u << 16, &sig, &siglen))
			sig = NULL;
	} else if ((rc = xdperf_read_file(sigfile, 1u << 16, &sig, &siglen))) {
		fprintf(stderr, "xdperf ctl: %s: %s\n", sigfile, xdperf_file_strerror(rc));
		free(wasm);
		return 1;
	}
	char header[1200] = "";
	if (sig) {
		size_t k = strcspn((char *)sig, "\r\n");
		if (k + 32 > sizeof header) {
			fprintf(stderr, "xdperf ctl: %s: not a signature file (too long)\n", sigfile ? sigfile : defsig);
			free(sig);
			free(wasm);
			return 1;
		}
		snprintf(header, sizeof header, "X-Xdperf-Signature: %.*s", (int)k, (char *)sig);
	}
	char path[512];
	snprintf(path, sizeof path, "/v1/protocols/%s/versions/%s", id, ver);
	struct ctl quiet = *c;
	quiet.quiet = true;
	rc = call(test ? &quiet : c, "PUT", path, wasm, len, "application/wasm", sig ? header : NULL);
	free(sig);
	free(wasm);
	if (rc || !test)
		return rc;
	snprintf(path, sizeof path, "/v1/protocols/%s/versions/%s/test", id, ver);
	return call(c, "POST", path, tbody, strlen(tbody), "application/json", NULL);
}

int cmd_ctl(int argc, char **argv)
{
	struct ctl c = { .addr = getenv("XDPERF_ADMIN"), .ca_file = getenv("XDPERF_ADMIN_CACERT") };
	const char *token_file = NULL;
	if (!c.addr || !*c.addr)
		c.addr = "127.0.0.1:7090";
	if (c.ca_file && !*c.ca_file)
		c.ca_file = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--admin") || !strcmp(a, "-a")) && i + 1 < argc) {
			c.addr = argv[++i];
		} else if (!strcmp(a, "--token-file") && i + 1 < argc) {
			token_file = argv[++i];
		} else if (!strcmp(a, "--cacert") && i + 1 < argc) {
			c.ca_file = argv[++i];
		} else if (!strcmp(a, "--json")) {
			c.json = true;
		} else if (!strcmp(a, "--timeout") && i + 1 < argc) {
			uint64_t ms;
			if (cli_parse_u64("ctl", "--timeout", argv[++i], 1, 3600000, &ms))
				return 2;
			c.timeout_ms = (uint32_t)ms;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			static const char *const names[] = { "--admin", "--token-file", "--cacert", "--json", "--timeout",
							     "--help", NULL };
			cli_unknown_option("ctl", a, NULL, names);
			return 2;
		}
	}
	for (int j = i; j < argc; j++) /* xdperf ctl COMMAND --help: every command is described here */
		if (!strcmp(argv[j], "-h") || !strcmp(argv[j], "--help")) {
			usage(stdout);
			return 0;
		}
	char token[512];
	if (cli_admin_token("ctl", token_file, token, sizeof token))
		return 1;
	c.token = token;
	argc -= i;
	argv += i;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[0];
	char path[512], body[64];
	bool has_names = strcmp(cmd, "list") && strcmp(cmd, "listeners") && strcmp(cmd, "metrics") &&
			 strcmp(cmd, "health");
	if (has_names && ((argc > 1 && check_name("protocol id", argv[1])) ||
			  (argc > 2 && argv[2][0] != '-' && check_name("version", argv[2]))))
		return 2;
	if (!strcmp(cmd, "list")) {
		if (need(argc, 0, 0, "list"))
			return 2;
		return call(&c, "GET", "/v1/protocols", NULL, 0, NULL, NULL);
	}
	if (!strcmp(cmd, "get")) {
		if (need(argc, 1, 2, "get ID [VERSION]"))
			return 2;
		return call(&c, "GET", proto_path(path, sizeof path, argv[1], argc == 3 ? argv[2] : NULL), NULL, 0,
			    NULL, NULL);
	}
	if (!strcmp(cmd, "upload"))
		return upload(&c, argc, argv);
	if (!strcmp(cmd, "test") || !strcmp(cmd, "traffic") || !strcmp(cmd, "promote") || !strcmp(cmd, "deprecate")) {
		bool t = !strcmp(cmd, "test"), tr = !strcmp(cmd, "traffic");
		if (need(argc, tr ? 3 : 2, t || tr ? 3 : 2,
			 t ? "test ID VERSION [PERCENT]" : tr ? "traffic ID VERSION PERCENT" :
			 !strcmp(cmd, "promote") ? "promote ID VERSION" : "deprecate ID VERSION"))
			return 2;
		if (argc == 4 && percent_body(argv[3], body, sizeof body))
			return 2;
		snprintf(path, sizeof path, "/v1/protocols/%s/versions/%s/%s", argv[1], argv[2], cmd);
		return call(&c, "POST", path, argc == 4 ? body : NULL, argc == 4 ? strlen(body) : 0, "application/json",
			    NULL);
	}
	if (!strcmp(cmd, "rollback")) {
		if (need(argc, 1, 1, "rollback ID"))
			return 2;
		snprintf(path, sizeof path, "/v1/protocols/%s/rollback", argv[1]);
		return call(&c, "POST", path, NULL, 0, NULL, NULL);
	}
	if (!strcmp(cmd, "unload")) {
		if (need(argc, 1, 2, "unload ID [VERSION]"))
			return 2;
		return call(&c, "DELETE", proto_path(path, sizeof path, argv[1], argc == 3 ? argv[2] : NULL), NULL, 0,
			    NULL, NULL);
	}
	if (!strcmp(cmd, "listeners") || !strcmp(cmd, "metrics") || !strcmp(cmd, "health")) {
		if (need(argc, 0, 0, cmd))
			return 2;
		return call(&c, "GET", !strcmp(cmd, "listeners") ? "/v1/listeners" : !strcmp(cmd, "metrics") ? "/metrics" :
			    "/healthz", NULL, 0, NULL, NULL);
	}
	fprintf(stderr, "xdperf ctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
