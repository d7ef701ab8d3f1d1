/* `xdperf protocol check FILE.wasm...` and `xdperf protocol call FILE.wasm [options]`: check a
 * protocol module against the module ABI and a policy, and run messages through it with the
 * same registry, trust and policy code a running service uses (include/xdperf/hotload.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "plugin/host.h"
#include "util/file.h"
#include "xdperf/hotload.h"
#include "xdperf/plugin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf protocol check [LIMITS] [--allow-imports LIST] FILE.wasm...\n"
		"       xdperf protocol call FILE.wasm [--input TEXT | --input-file FILE] [--count N]\n"
		"                            [--trust-dir DIR] [LIMITS] [--allow-imports LIST] [--stats]\n"
		"  LIMITS: [--fuel N] [--memory-pages N] [--max-table-elems N] [--max-instance-bytes N]\n"
		"          [--max-module-bytes N] [--max-output BYTES] [--dir DIR]\n"
		"  check   compile the module and check the protocol ABI (handle/alloc/free/memory) and\n"
		"          the allowed imports; exit 0 when every module is usable, 1 otherwise\n"
		"  call    load the module as a version and send it a message (default: standard input)\n"
		"          N times; the answer goes to standard output as it is\n"
		"  -i, --input TEXT       the message (call; default: standard input)\n"
		"  -f, --input-file FILE  the message from FILE (call)\n"
		"  -c, --count N          send it N times (call; default 1)\n"
		"  --allow-imports LIST   comma-separated import modules it may use (\"env\": no WASI)\n"
		"  -t, --trust-dir DIR    require a FILE.wasm.sig by a key in DIR (see xdperf sign)\n"
		"  --fuel N               instructions per call (default 100000000)\n"
		"  --memory-pages N       memory cap in 64 KiB pages (default 256)\n"
		"  --max-table-elems N    table entries per instance, all tables (default 262144)\n"
		"  --max-instance-bytes N all an instance holds: memory, tables, stacks (default:\n"
		"                         the memory cap + 8 MiB)\n"
		"  --max-module-bytes N   what loading the module holds (default: 4 x the memory cap)\n"
		"  --max-output BYTES     largest answer accepted (default 1048576)\n"
		"  --dir DIR              a host directory the module may read (read-only) as its\n"
		"                         root \"/\"; without it, the default, it has no files\n"
		"  --stats                print the version's counters and latency on standard error\n");
}

static int check(int argc, char **argv, const struct xdperf_proto_policy *pol)
{
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		uint8_t *wasm;
		size_t len;
		int rc = xdperf_read_file(argv[i], 256u << 20, &wasm, &len);
		if (rc) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i], xdperf_file_strerror(rc));
			bad++;
			continue;
		}
		char err[512];
		struct xdperf_proto_module *m;
		struct xdperf_proto_module_opts mo = { .sz = sizeof mo, .name = argv[i], .policy = pol };
		rc = xdperf_proto_module_load(wasm, len, &mo, &m, err, sizeof err);
		free(wasm);
		if (rc) {
			fprintf(stderr, "%s\n", err);
			bad++;
			continue;
		}
		struct xdperf_proto_instance *pi;
		rc = xdperf_proto_instance_new(m, &pi, err, sizeof err);
		if (rc) {
			fprintf(stderr, "%s\n", err);
			bad++;
		} else {
			printf("%s: OK, protocol module, handle returns %s; the module holds %llu KiB, an instance "
			       "%llu KiB after _initialize (memory, tables, stacks)\n",
			       argv[i], xdperf_proto_module_packed(m) ? "i64 (packed)" : "(i32, i32)",
			       (unsigned long long)xdperf_proto_module_bytes(m) / 1024,
			       (unsigned long long)xdperf_proto_instance_memory(pi) / 1024);
			xdperf_proto_instance_free(pi);
		}
		xdperf_proto_module_free(m);
	}
	return bad ? 1 : 0;
}

/* Registry and module log lines: warnings and errors only (the answer owns standard output). */
static void quiet_log(void *ctx, const char *name, int level, const char *msg, size_t len)
{
	(void)ctx;
	if (level >= XDPERF_LOG_WARN)
		fprintf(stderr, "[%s] %s: %.*s\n", name, xdperf_log_level_name(level), (int)len, msg);
}

static int call(const char *path, const uint8_t *in, size_t len, uint64_t count, const char *trust_dir,
		const struct xdperf_proto_policy *pol, bool stats)
{
	char err[512];
	struct xdperf_registry *r;
	struct xdperf_registry_opts ro = { .sz = sizeof ro, .trust_dir = trust_dir, .policy = *pol,
				       .log = quiet_log, .quiet_unsigned = true };
	if (xdperf_registry_new(&ro, &r, err, sizeof err)) {
		fprintf(stderr, "xdperf protocol call: %s\n", err);
		return 1;
	}
	int status = 1;
	struct xdperf_proto_buf out = { 0 };
	/* id: the file name without .wasm when it is a valid id */
	char id[XDPERF_PROTO_ID_MAX] = "module";
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t bl = strcspn(base, ".");
	if (bl && bl < sizeof id && strspn(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") >= bl)
		snprintf(id, sizeof id, "%.*s", (int)bl, base);
	if (xdperf_registry_load_file(r, id, "local", path, NULL, err, sizeof err)) {
		fprintf(stderr, "xdperf protocol call: %s\n", err);
		goto done;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct xdperf_call_info info;
		if (xdperf_registry_execute(r, NULL, id, "local", in, len, &out, &info, err, sizeof err)) {
			fprintf(stderr, "xdperf protocol call: message %llu: %s (fault: %s)\n",
				(unsigned long long)i + 1, err, xdperf_proto_fault_str(info.fault));
			goto done;
		}
	}
	if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
		fprintf(stderr, "xdperf protocol call: cannot write the answer: %s\n", strerror(errno));
		goto done;
	}
	status = 0;
done:
	if (stats) {
		struct xdperf_version_info *v = NULL;
		size_t n;
		if (!xdperf_registry_list(r, id, &v, &n) && n == 1)
			fprintf(stderr, "calls %llu, errors %llu, memory faults %llu, p50 %llu ns, p99 %llu ns, "
				"memory %llu bytes (module %llu)\n", (unsigned long long)v->calls,
				(unsigned long long)v->errors, (unsigned long long)v->memory_cap,
				(unsigned long long)v->p50_ns, (unsigned long long)v->p99_ns,
				(unsigned long long)v->memory_bytes, (unsigned long long)v->module_bytes);
		free(v);
	}
	free(out.data);
	xdperf_registry_free(r);
	return status;
}

int cmd_protocol(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "check") && strcmp(sub, "call")) {
		fprintf(stderr, "xdperf protocol: unknown subcommand '%s' (expected check or call)\n", sub);
		return 2;
	}
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },    { "input-file", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },    { "trust-dir", required_argument, NULL, 't' },
		{ "fuel", required_argument, NULL, 'F' },     { "memory-pages", required_argument, NULL, 'm' },
		{ "allow-imports", required_argument, NULL, 'a' }, { "max-output", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 's' },          { "help", no_argument, NULL, 'h' },
		{ "max-table-elems", required_argument, NULL, 'T' },
		{ "max-instance-bytes", required_argument, NULL, 'I' },
		{ "max-module-bytes", required_argument, NULL, 'M' },
		{ "dir", required_argument, NULL, 'D' },
		{ 0 },
	};
	struct xdperf_proto_policy pol = { .sz = sizeof pol };
	const char *input = NULL, *input_file = NULL, *trust_dir = NULL;
	uint64_t count = 1, v;
	bool stats = false;
	int c;
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:f:c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'f': input_file = optarg; break;
		case 't': trust_dir = optarg; break;
		case 'a': pol.allowed_imports = optarg; break;
		case 'D': pol.dir = optarg; break;
		case 's': stats = true; break;
		case 'c':
			if (cli_parse_u64("protocol", "--count", optarg, 1, 1000000000ull, &count))
				return 2;
			break;
		case 'F':
			if (cli_parse_u64("protocol", "--fuel", optarg, 1, UINT64_MAX, &v))
				return 2;
			pol.fuel = v;
			break;
		case 'm':
			if (cli_parse_u64("protocol", "--memory-pages", optarg, 1, 65536, &v))
				return 2;
			pol.max_memory_pages = (uint32_t)v;
			break;
		case 'o':
			if (cli_parse_u64("protocol", "--max-output", optarg, 1, 1u << 30, &v))
				return 2;
			pol.max_output = (uint32_t)v;
			break;
		case 'T':
			if (cli_parse_u64("protocol", "--max-table-elems", optarg, 1, 10000000, &v))
				return 2;
			pol.max_table_elems = (uint32_t)v;
			break;
		case 'I':
			if (cli_parse_u64("protocol", "--max-instance-bytes", optarg, 1, 1ull << 40, &v))
				return 2;
			pol.max_instance_bytes = v;
			break;
		case 'M':
			if (cli_parse_u64("protocol", "--max-module-bytes", optarg, 1, 1ull << 40, &v))
				return 2;
			pol.max_module_bytes = v;
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf protocol %s: option %s needs a value\n", sub, argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option(!strcmp(sub, "call") ? "protocol call" : "protocol check", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xdperf protocol %s: no module given\n", sub);
		return 2;
	}
	if (!strcmp(sub, "check"))
		return check(argc - optind, argv + optind, &pol);
	if (argc - optind > 1) {
		fprintf(stderr, "xdperf protocol call: one module at a time (got %d)\n", argc - optind);
		return 2;
	}
	if (input && input_file) {
		fprintf(stderr, "xdperf protocol call: --input and --input-file exclude each other\n");
		return 2;
	}
	uint8_t *buf = NULL;
	size_t len = 0;
	if (input) {
		len = strlen(input);
	} else {
		const char *from = input_file ? input_file : "/dev/stdin";
		int rc = xdperf_read_file_any(from, 1u << 30, &buf, &len);
		if (rc) {
			fprintf(stderr, "xdperf protocol call: cannot read %s: %s\n", from, xdperf_file_strerror(rc));
			return 1;
		}
	}
	int rc = call(argv[optind], input ? (const uint8_t *)input : buf, len, count, trust_dir, &pol, stats);
	free(buf);
	return rc;
}
