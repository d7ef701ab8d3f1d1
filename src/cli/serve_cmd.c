/* `xdperf serve`: a protocol responder over hot-loaded modules (include/xdperf/serve.h) with the
 * admin API (include/xdperf/admin.h) and a module directory watch; prints per-interval request
 * rates while traffic flows and a summary when stopped (SIGINT/SIGTERM or --duration). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "responder/responder.h"
#include "util/clock.h"
#include "xdperf/admin.h"
#include "xdperf/serve.h"

#define MAX_ITEMS 32

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf serve --listen udp://ADDR:PORT[/ID] [--listen tcp://ADDR:PORT[/ID]]...\n"
		"                    --protocol ID=FILE.wasm@VERSION... [--workers N] [--admin ADDR:PORT]\n"
		"                    [--admin-token-file FILE] [--admin-tls-cert FILE --admin-tls-key FILE]\n"
		"                    [--admin-insecure]\n"
		"                    [--trust-dir DIR] [--policy FILE] [--watch DIR]\n"
		"                    [--shared ID] [--max-message BYTES] [--max-connections N]\n"
		"                    [--idle-timeout SEC] [--interval SEC] [--duration SEC]\n"
		"                    [--max-protocols N] [--max-versions N] [--json|--json-stream]\n"
		"Answers every UDP datagram, or every length-prefixed (u32 big endian) TCP message, with the\n"
		"protocol module its flow (5-tuple) is routed to; modules are changed live over the admin API\n"
		"(xdperf ctl) or by dropping ID@VERSION.wasm files into the watched directory.\n"
		"  --listen URL             udp:// or tcp:// address to serve (IPv6 as [ADDR]:PORT); /ID names the\n"
		"                           protocol (needed when more than one is loaded)\n"
		"  --protocol ID=FILE@VER   load FILE as version VER of protocol ID and make it active (repeat to\n"
		"                           load more; the last one given for an ID is active). FILE builtin:echo\n"
		"                           is a native echo handler (for comparisons)\n"
		"  --workers N              threads, each with its own sockets and module instances (default 1)\n"
		"  --admin ADDR:PORT        start the admin HTTP API there (e.g. 127.0.0.1:7090)\n"
		"  --admin-token-file FILE  require 'Authorization: Bearer TOKEN' (TOKEN = the file's first line;\n"
		"                           or set XDPERF_ADMIN_TOKEN)\n"
		"  --admin-tls-cert FILE    serve the admin API over HTTPS with this PEM certificate (chain)\n"
		"  --admin-tls-key FILE     ... and this PEM private key\n"
		"  --admin-insecure         allow an admin address other hosts reach without a token (refused\n"
		"                           otherwise: anyone who reaches it could load code)\n"
		"  --trust-dir DIR          require every module to be signed by a key in DIR (xdperf sign)\n"
		"  --policy FILE            module limits (YAML/JSON: fuel, max_memory_pages, max_input, ...)\n"
		"  --watch DIR              load changed DIR/ID@VERSION.wasm files as testing versions\n"
		"  --shared ID              one module instance for all workers for ID (global module state)\n"
		"  --max-message BYTES      largest TCP message (default 1048576)\n"
		"  --max-connections N      TCP connections open at once (default 1024)\n"
		"  --max-protocols N        protocols loaded at once (default 256); a load past it is refused\n"
		"  --max-versions N         versions per protocol (default 32); a load past it is refused\n"
		"  --idle-timeout SEC       close a TCP connection after SEC seconds without a byte received or\n"
		"                           sent (default 300, 0 = never)\n"
		"  --interval SEC           print request rates (stderr) every SEC seconds while traffic flows,\n"
		"                           and the --json-stream interval objects (default 1, 0 = only the\n"
		"                           summary)\n"
		"  --duration SEC           stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
		"  --json                   print the summary as one JSON object on stdout (instead of text)\n"
		"  --json-stream            one JSON object per line on stdout: an interval object every\n"
		"                           --interval, then the end object (the --json summary);\n"
		"                           docs/json-stream.md\n"
		"Request rates go to stderr; the summary (the result) to stdout.\n");
}

/* A native echo handler for `builtin:echo`. */
static int native_echo(void *ctx, const uint8_t *in, size_t len, struct xdperf_proto_buf *out, char *err,
		       size_t errlen)
{
	if (out->cap < len) {
		uint8_t *p = realloc(out->data, len ? len : 1);
		if (!p)
			return -ENOMEM;
		out->data = p;
		out->cap = len ? len : 1;
	}
	if (len)
		memcpy(out->data, in, len);
	out->len = len;
	return 0;
}

struct proto_arg {
	char id[XDPERF_PROTO_ID_MAX];
	char version[XDPERF_PROTO_VERSION_MAX];
	char file[4096];
};

static int parse_protocol(const char *s, struct proto_arg *p)
{
	const char *eq = strchr(s, '=');
	const char *at = strrchr(s, '@');
	if (!eq || eq == s || (size_t)(eq - s) >= sizeof p->id) {
		fprintf(stderr, "xdperf serve: --protocol '%s': want ID=FILE.wasm@VERSION\n", s);
		return -1;
	}
	if (!at || at < eq || !at[1] || strlen(at + 1) >= sizeof p->version) {
		fprintf(stderr, "xdperf serve: --protocol '%s': add @VERSION (e.g. %.*s=FILE.wasm@1.0.0)\n", s,
			(int)(eq - s), s);
		return -1;
	}
	memcpy(p->id, s, (size_t)(eq - s));
	p->id[eq - s] = 0;
	snprintf(p->version, sizeof p->version, "%s", at + 1);
	size_t fl = (size_t)(at - eq - 1);
	if (!fl || fl >= sizeof p->file) {
		fprintf(stderr, "xdperf serve: --protocol '%s': the file name is empty or too long\n", s);
		return -1;
	}
	memcpy(p->file, eq + 1, fl);
	p->file[fl] = 0;
	return 0;
}

/* --listen SCHEME://ADDR:PORT[/ID] into url (without /ID); the ID, or NULL when none is given */
static const char *split_listen(const char *spec, char url[256])
{
	snprintf(url, 256, "%s", spec);
	bool scheme = !strncmp(url, "udp://", 6) || !strncmp(url, "tcp://", 6);
	char *slash = scheme ? strchr(url + 6, '/') : NULL;
	if (!slash)
		return NULL;
	*slash = 0;
	return slash + 1;
}

static void print_rates(struct xdperf_responder *s, uint64_t *last, double secs, double elapsed, bool force)
{
	struct xdperf_listener_stats *st;
	size_t n;
	if (xdperf_responder_stats(s, &st, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = st[i].requests - last[i];
		last[i] = st[i].requests;
		if (!d && !force)
			continue;
		fprintf(stderr, "%6.1fs  %-28s %-10s %10.0f req/s  replies %llu  failed %llu  total %llu\n",
			elapsed, st[i].url, st[i].protocol, secs > 0 ? (double)d / secs : 0.0,
			(unsigned long long)st[i].replies, (unsigned long long)st[i].failed,
			(unsigned long long)st[i].requests);
	}
	free(st);
}

/* --json-stream: the counters at the last interval object, per listener */
struct stream_state {
	double end;
	size_t n;
	struct xdperf_listener_stats *prev;
};

static json_t *counts_json(uint64_t req, uint64_t rep, uint64_t failed)
{
	return json_pack("{s:I, s:I, s:I}", "requests", (json_int_t)req, "replies", (json_int_t)rep,
			 "failed", (json_int_t)failed);
}

static void stream_interval(struct xdperf_responder *s, struct stream_state *ss, double end)
{
	struct xdperf_listener_stats *st;
	size_t n;
	if (xdperf_responder_stats(s, &st, &n))
		return;
	if (n > ss->n) {
		struct xdperf_listener_stats *p = realloc(ss->prev, n * sizeof *p);
		if (!p) {
			free(st);
			return;
		}
		memset(p + ss->n, 0, (n - ss->n) * sizeof *p);
		ss->prev = p;
		ss->n = n;
	}
	double dt = end - ss->end;
	uint64_t sum[3] = { 0 }, tot[3] = { 0 };
	json_t *ls = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct xdperf_listener_stats *c = &st[i], *p = &ss->prev[i];
		uint64_t d[3] = { c->requests - p->requests, c->replies - p->replies, c->failed - p->failed };
		json_t *o = json_pack("{s:s, s:s}", "url", c->url, "protocol", c->protocol);
		json_t *iv = counts_json(d[0], d[1], d[2]);
		if (o && iv)
			json_object_update(o, iv);
		json_decref(iv);
		if (o) {
			json_object_set_new(o, "rps", dt > 0 ? json_real((double)d[0] / dt) : json_null());
			json_object_set_new(o, "total", counts_json(c->requests, c->replies, c->failed));
			json_array_append_new(ls, o);
		}
		for (int k = 0; k < 3; k++)
			sum[k] += d[k];
		tot[0] += c->requests;
		tot[1] += c->replies;
		tot[2] += c->failed;
		ss->prev[i] = *c;
	}
	json_t *data = json_pack("{s:f, s:f, s:f}", "start", ss->end, "end", end, "seconds", dt);
	json_t *iv = counts_json(sum[0], sum[1], sum[2]);
	if (data && iv)
		json_object_update(data, iv);
	json_decref(iv);
	if (data) {
		json_object_set_new(data, "rps", dt > 0 ? json_real((double)sum[0] / dt) : json_null());
		json_object_set_new(data, "total", counts_json(tot[0], tot[1], tot[2]));
		json_object_set_new(data, "listeners", ls);
	} else {
		json_decref(ls);
	}
	cli_json_event("interval", data);
	ss->end = end;
	free(st);
}

/* The summary as JSON (--json, and --json-stream's end object). */
static json_t *summary_json(struct xdperf_responder *s, double elapsed)
{
	struct xdperf_listener_stats *st;
	size_t n;
	if (xdperf_responder_stats(s, &st, &n))
		return NULL;
	uint64_t sum[8] = { 0 };
	json_t *ls = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct xdperf_listener_stats *c = &st[i];
		uint64_t v[8] = { c->requests, c->replies, c->empty, c->failed, c->send_errors,
				  c->rx_bytes, c->tx_bytes, 0 };
		for (int k = 0; k < 7; k++)
			sum[k] += v[k];
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "url", c->url,
				      "protocol", c->protocol, "transport", c->tcp ? "tcp" : "udp",
				      "requests", (json_int_t)c->requests, "replies", (json_int_t)c->replies,
				      "empty", (json_int_t)c->empty, "failed", (json_int_t)c->failed,
				      "send_errors", (json_int_t)c->send_errors,
				      "rx_bytes", (json_int_t)c->rx_bytes, "tx_bytes", (json_int_t)c->tx_bytes);
		if (o && c->tcp) {
			json_object_set_new(o, "connections", json_integer((json_int_t)c->connections));
			json_object_set_new(o, "framing_errors", json_integer((json_int_t)c->framing_errors));
			json_object_set_new(o, "idle_closed", json_integer((json_int_t)c->idle_closed));
			json_object_set_new(o, "refused", json_integer((json_int_t)c->refused));
		}
		if (o)
			json_array_append_new(ls, o);
	}
	free(st);
	return json_pack("{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "duration_s", elapsed,
			 "requests", (json_int_t)sum[0], "replies", (json_int_t)sum[1],
			 "empty", (json_int_t)sum[2], "failed", (json_int_t)sum[3],
			 "send_errors", (json_int_t)sum[4], "rx_bytes", (json_int_t)sum[5],
			 "tx_bytes", (json_int_t)sum[6], "listeners", ls ? ls : json_array());
}

static void summary(struct xdperf_responder *s, double elapsed)
{
	struct xdperf_listener_stats *st;
	size_t n;
	if (xdperf_responder_stats(s, &st, &n))
		return;
	printf("summary after %.1fs:\n", elapsed);
	for (size_t i = 0; i < n; i++) {
		printf("  %s %s: %llu requests, %llu replies, %llu empty, %llu failed, %llu send errors, %llu/%llu "
		       "bytes in/out", st[i].url, st[i].protocol, (unsigned long long)st[i].requests,
		       (unsigned long long)st[i].replies, (unsigned long long)st[i].empty,
		       (unsigned long long)st[i].failed, (unsigned long long)st[i].send_errors,
		       (unsigned long long)st[i].rx_bytes, (unsigned long long)st[i].tx_bytes);
		if (st[i].tcp)
			printf(", %llu connections (%llu closed for framing, %llu idle, %llu refused)",
			       (unsigned long long)st[i].connections, (unsigned long long)st[i].framing_errors,
			       (unsigned long long)st[i].idle_closed, (unsigned long long)st[i].refused);
		printf("\n");
	}
	free(st);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, 0, 'l' },      { "protocol", required_argument, 0, 'p' },
		{ "workers", required_argument, 0, 'w' },     { "admin", required_argument, 0, 'a' },
		{ "admin-token-file", required_argument, 0, 'T' }, { "trust-dir", required_argument, 0, 't' },
		{ "admin-tls-cert", required_argument, 0, 'C' }, { "admin-tls-key", required_argument, 0, 'K' },
		{ "policy", required_argument, 0, 'P' },      { "watch", required_argument, 0, 'W' },
		{ "shared", required_argument, 0, 's' },      { "max-message", required_argument, 0, 'm' },
		{ "max-connections", required_argument, 0, 'c' }, { "interval", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 'd' },    { "idle-timeout", required_argument, 0, 'I' },
		{ "admin-insecure", no_argument, 0, 'N' },   { "max-protocols", required_argument, 0, 'X' },
		{ "max-versions", required_argument, 0, 'V' }, { "help", no_argument, 0, 'h' },
		{ "json", no_argument, 0, 'J' },              { "json-stream", no_argument, 0, 'S' },
		{ 0, 0, 0, 0 },
	};
	const char *listens[MAX_ITEMS], *shared[MAX_ITEMS];
	struct proto_arg protos[MAX_ITEMS];
	int nl = 0, np = 0, ns = 0;
	const char *admin = NULL, *token_file = NULL, *trust_dir = NULL, *policy = NULL, *watch = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	bool insecure = false, json = false, stream = false;
	uint64_t max_protocols = 0, max_versions = 0; /* 0 = the registry's defaults */
	uint64_t workers = 1, max_message = 1u << 20, max_conns = 1024, interval = 1, duration = 0, idle = 300;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (nl == MAX_ITEMS)
				goto too_many;
			listens[nl++] = optarg;
			break;
		case 'p':
			if (np == MAX_ITEMS)
				goto too_many;
			if (parse_protocol(optarg, &protos[np++]))
				return 2;
			break;
		case 's':
			if (ns == MAX_ITEMS)
				goto too_many;
			shared[ns++] = optarg;
			break;
		case 'w':
			if (cli_parse_u64("serve", "--workers", optarg, 1, 256, &workers))
				return 2;
			break;
		case 'm':
			if (cli_parse_u64("serve", "--max-message", optarg, 1, 1u << 30, &max_message))
				return 2;
			break;
		case 'c':
			if (cli_parse_u64("serve", "--max-connections", optarg, 1, 1000000, &max_conns))
				return 2;
			break;
		case 'i':
			if (cli_parse_u64("serve", "--interval", optarg, 0, 3600, &interval))
				return 2;
			break;
		case 'd':
			if (cli_parse_u64("serve", "--duration", optarg, 1, 100000000, &duration))
				return 2;
			break;
		case 'I':
			if (cli_parse_u64("serve", "--idle-timeout", optarg, 0, 4000000, &idle))
				return 2;
			break;
		case 'X':
			if (cli_parse_u64("serve", "--max-protocols", optarg, 1, 1000000, &max_protocols))
				return 2;
			break;
		case 'V':
			if (cli_parse_u64("serve", "--max-versions", optarg, 1, 1000000, &max_versions))
				return 2;
			break;
		case 'a':
			admin = optarg;
			break;
		case 'T':
			token_file = optarg;
			break;
		case 'C':
			tls_cert = optarg;
			break;
		case 'K':
			tls_key = optarg;
			break;
		case 'N':
			insecure = true;
			break;
		case 'J':
			json = true;
			break;
		case 'S':
			stream = true;
			break;
		case 't':
			trust_dir = optarg;
			break;
		case 'P':
			policy = optarg;
			break;
		case 'W':
			watch = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "xdperf serve: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option("serve", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (json && stream) {
		fprintf(stderr, "xdperf serve: --json and --json-stream exclude each other (the stream ends "
				"with the --json summary)\n");
		return 2;
	}
	if (!nl) {
		fprintf(stderr, "xdperf serve: --listen udp://ADDR:PORT or tcp://ADDR:PORT is needed\n");
		return 2;
	}
	if (!np && !watch && !admin) {
		fprintf(stderr, "xdperf serve: no protocol: give --protocol ID=FILE.wasm@VERSION (or --watch DIR / "
				"--admin ADDR:PORT to load modules later)\n");
		return 2;
	}
	/* the listen addresses, and the protocols they name, before any module is loaded: a typo
	 * is one line, not the end of a page of load messages */
	for (int i = 0; i < nl; i++) {
		char url[256], perr[300];
		const char *id = split_listen(listens[i], url);
		struct sockaddr_storage sa;
		socklen_t salen;
		bool tcp;
		if (rs_parse_url(url, &tcp, &sa, &salen, perr, sizeof perr)) {
			fprintf(stderr, "xdperf serve: %s\n", perr);
			return 2;
		}
		bool known = !id || watch || admin;
		for (int j = 0; !known && j < np; j++)
			known = !strcmp(id, protos[j].id);
		if (!known) {
			fprintf(stderr, "xdperf serve: --listen %s: no --protocol %s=... is given (and no --watch or "
					"--admin that could load it)\n", listens[i], id);
			return 2;
		}
	}
	char token[512];
	if (cli_admin_token("serve", token_file, token, sizeof token))
		return 1;
	if (token_file && !admin) {
		fprintf(stderr, "xdperf serve: --admin-token-file needs --admin ADDR:PORT\n");
		return 2;
	}
	if ((tls_cert || tls_key) && !admin) {
		fprintf(stderr, "xdperf serve: --admin-tls-%s needs --admin ADDR:PORT\n", tls_cert ? "cert" : "key");
		return 2;
	}
	if (insecure && !admin) {
		fprintf(stderr, "xdperf serve: --admin-insecure needs --admin ADDR:PORT\n");
		return 2;
	}
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "xdperf serve: --admin-tls-%s needs --admin-tls-%s too\n", tls_cert ? "cert" : "key",
			tls_cert ? "key" : "cert");
		return 2;
	}

	/* Signals are taken by the main thread only (cli_wait_signal below). */
	sigset_t sigs;
	cli_block_stop_signals(&sigs);

	int rc = 1;
	char err[600];
	struct xdperf_policy_file *pf = NULL;
	struct xdperf_metric_store *ms = NULL;
	struct xdperf_registry *r = NULL;
	struct xdperf_responder *s = NULL;
	struct xdperf_admin *a = NULL;
	struct xdperf_watch *w = NULL;
	/* raised at the stop: module calls still running end at once (fault "interrupted")
	 * instead of holding the stop until their fuel runs out (NULL, no memory: they are not) */
	xwasm_interrupt *irq = xwasm_interrupt_new();
	if (policy && xdperf_policy_file_read(policy, &pf, err, sizeof err)) {
		fprintf(stderr, "xdperf serve: %s\n", err);
		goto out;
	}
	if (xdperf_metric_store_new(0, &ms)) {
		fprintf(stderr, "xdperf serve: out of memory\n");
		goto out;
	}
	struct xdperf_registry_opts ro = { .sz = sizeof ro, .trust_dir = trust_dir, .max_workers = (uint32_t)workers + 8,
					   .maintain_interval_ms = 1000, .metric = xdperf_metric_store_record,
					   .metric_ctx = ms, .max_protocols = (uint32_t)max_protocols,
					   .max_versions = (uint32_t)max_versions, .interrupt = irq };
	if (pf)
		ro.policy = *xdperf_policy_file_defaults(pf);
	if (xdperf_registry_new(&ro, &r, err, sizeof err) || (pf && xdperf_policy_file_apply(pf, r, err, sizeof err))) {
		fprintf(stderr, "xdperf serve: %s\n", err);
		goto out;
	}
	for (int i = 0; i < np; i++) {
		struct proto_arg *p = &protos[i];
		int e;
		if (!strcmp(p->file, "builtin:echo"))
			e = xdperf_registry_load_native(r, p->id, p->version, native_echo, NULL, err, sizeof err);
		else
			e = xdperf_registry_load_file(r, p->id, p->version, p->file, NULL, err, sizeof err);
		if (!e)
			e = xdperf_registry_start_testing(r, p->id, p->version, err, sizeof err);
		if (!e)
			e = xdperf_registry_promote(r, p->id, p->version, err, sizeof err);
		if (e) {
			fprintf(stderr, "xdperf serve: %s\n", err);
			goto out;
		}
	}
	struct xdperf_responder_opts so = { .sz = sizeof so, .workers = (uint32_t)workers,
					    .max_message = (uint32_t)max_message,
					    .max_connections = (uint32_t)max_conns,
					    .idle_timeout_ms = idle ? (uint32_t)idle * 1000u : XDPERF_IDLE_NEVER };
	if (xdperf_responder_new(r, &so, &s, err, sizeof err)) {
		fprintf(stderr, "xdperf serve: %s\n", err);
		goto out;
	}
	for (int i = 0; i < nl; i++) {
		char url[256];
		const char *id = split_listen(listens[i], url);
		if (!id) {
			for (int j = 0; j < np; j++) {
				if (id && strcmp(id, protos[j].id)) {
					fprintf(stderr, "xdperf serve: --listen %s: several protocols are loaded; say which "
							"one this address serves: %s/ID\n", listens[i], listens[i]);
					goto out;
				}
				id = protos[j].id;
			}
			if (!id) {
				fprintf(stderr, "xdperf serve: --listen %s: say which protocol this address serves: %s/ID\n",
					listens[i], listens[i]);
				goto out;
			}
		}
		struct xdperf_listen_opts lo = { .sz = sizeof lo };
		for (int j = 0; j < ns; j++)
			if (!strcmp(shared[j], id))
				lo.shared = true;
		if (xdperf_responder_listen(s, url, id, &lo, err, sizeof err)) {
			fprintf(stderr, "xdperf serve: %s\n", err);
			goto out;
		}
	}
	if (watch) {
		struct xdperf_watch_opts wo = { .sz = sizeof wo };
		if (xdperf_watch_new(r, watch, &wo, &w, err, sizeof err)) {
			fprintf(stderr, "xdperf serve: %s\n", err);
			goto out;
		}
	}
	if (xdperf_responder_start(s, err, sizeof err)) {
		fprintf(stderr, "xdperf serve: %s\n", err);
		goto out;
	}
	if (admin) {
		struct xdperf_admin_opts ao = { .sz = sizeof ao, .listen = admin, .token = token[0] ? token : NULL,
						.responder = s, .metrics = ms, .tls_cert = tls_cert, .tls_key = tls_key,
						.insecure = insecure };
		if (xdperf_admin_new(r, &ao, &a, err, sizeof err)) {
			fprintf(stderr, "xdperf serve: %s\n", err);
			goto out;
		}
	}
	double t0 = xdperf_mono(), tlast = t0;
	struct xdperf_listener_stats *st0;
	size_t nst;
	uint64_t *last = NULL;
	struct stream_state ss = { 0 };
	if (!xdperf_responder_stats(s, &st0, &nst)) {
		last = calloc(nst ? nst : 1, sizeof *last);
		free(st0);
	}
	for (;;) {
		double next = interval ? tlast + (double)interval : INFINITY;
		if (duration && t0 + (double)duration < next)
			next = t0 + (double)duration;
		if (cli_wait_signal(&sigs, next))
			break;
		double now = xdperf_mono();
		if (interval && now - tlast >= (double)interval - 1e-3) {
			if (last) /* NULL only when out of memory at start: no rates then, but no spinning */
				print_rates(s, last, now - tlast, now - t0, false);
			if (stream)
				stream_interval(s, &ss, now - t0);
			tlast = now;
		}
		if (duration && now - t0 >= (double)duration - 1e-3)
			break;
	}
	free(last);
	xdperf_registry_cancel_loads(r); /* an upload or watched file being translated ends now */
	xdperf_admin_free(a);
	a = NULL;
	if (irq)
		xwasm_interrupt_raise(irq);
	xdperf_responder_stop(s);
	double elapsed = xdperf_mono() - t0;
	if (stream) /* the rest since the last interval, then the end object */
		stream_interval(s, &ss, elapsed);
	free(ss.prev);
	if (json || stream) {
		json_t *o = summary_json(s, elapsed);
		if (!o) {
			fprintf(stderr, "xdperf serve: out of memory\n");
			goto out;
		}
		rc = cli_json_result(o, stream) ? 1 : 0;
		goto out;
	}
	summary(s, elapsed);
	rc = fflush(stdout) ? 1 : 0;
out:
	xdperf_admin_free(a);
	xdperf_watch_free(w);
	xdperf_responder_free(s);
	xdperf_registry_free(r);
	xwasm_interrupt_free(irq); /* after the registry, whose modules held it */
	xdperf_metric_store_free(ms);
	xdperf_policy_file_free(pf);
	return rc;
too_many:
	fprintf(stderr, "xdperf serve: at most %d --listen, --protocol and --shared flags each\n", MAX_ITEMS);
	return 2;
}
