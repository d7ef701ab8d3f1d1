/* `xdperf plugin inspect FILE.wasm|NAME` and `xdperf plugin run NAME|FILE`: look inside a
 * generator plugin (imports, exports, memory, ABI conformance) and show the packets it
 * describes, decoded layer by layer. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/plugin_common.h"
#include "packet/decode.h"
#include "packet/field.h"
#include "packet/field_json.h"
#include "packet/template.h"
#include "util/file.h"
#include "xdperf/plugin.h"
#include "xdperf/wasm.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf plugin list [-P DIR] [--json]\n"
		"       xdperf plugin inspect NAME|FILE.wasm [-P DIR]\n"
		"       xdperf plugin run NAME|FILE.wasm [--cfg FILE] [--count N] [--src-mac MAC] [--json]\n"
		"                         [--packets N] [--log-level LEVEL] [--plugin-memory-pages N]\n"
		"                         [--plugin-dir HOST[:GUEST]] [-P DIR]\n"
		"       xdperf plugin new NAME [-o DIR]\n"
		"  list      the plugins in the plugin path: name, ABI, description, config keys\n"
		"  inspect   list the module's imports, exports and memory, check the generator plugin ABI\n"
		"            and show the configuration it declares (exit 0: a usable plugin, 1: not)\n"
		"  run       call the plugin once (plugin_init + plugin_process, the request xdperf --plugin\n"
		"            sends) and decode each template: Ethernet, VLAN, IPv4/IPv6, UDP/TCP/ICMP,\n"
		"            checksums, payload, metadata, modifiers and the first packets they make;\n"
		"            --json prints the raw response instead\n"
		"  new       write a plugin project to build out of the tree (NAME.c, Makefile, README.md)\n"
		"            into DIR (default ./NAME); xdperf plugin new --help\n"
		"  -P, --plugin-path DIR      where NAME.wasm is looked up first\n"
		"      --cfg, --plugin-config FILE   plugin configuration (JSON object)\n"
		"      --plugin-memory-pages N    the plugin's memory cap in 64 KiB pages, 1-65536\n"
		"                             (default 1024 = 64 MiB)\n"
		"      --plugin-dir HOST[:GUEST]  a host directory the plugin may read (read-only),\n"
		"                             seen as GUEST (default /); without it, no files at all\n"
		"  -c, --count N              count in the request, at most 2^63-1 (default 1)\n"
		"      --packets N            packets shown per template with modifiers (default 4)\n"
		"      --src-mac MAC          device MAC in the request (default 00:00:00:00:00:00)\n"
		"      --log-level LEVEL      debug, info, warn or error (default info)\n");
}

/* ---- inspect --------------------------------------------------------------------------------- */

struct abi_func {
	const char *name;
	uint8_t params[7], nparams;
	uint8_t results[1], nresults;
	bool required;
};

/* Host functions in module "env". */
static const struct abi_func host_funcs[] = {
	{ "host_log", { XWASM_I32, XWASM_I32, XWASM_I32 }, 3, { 0 }, 0, true },
	{ "host_report_metric", { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_I64 }, 4, { 0 }, 0, true },
	{ "host_neighbor_resolve", { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 }, 6,
	  { XWASM_I32 }, 1, true },
	/* AssemblyScript's runtime imports (src/plugin/host.c) */
	{ "abort", { XWASM_I32, XWASM_I32, XWASM_I32, XWASM_I32 }, 4, { 0 }, 0, true },
	{ "trace", { XWASM_I32, XWASM_I32, XWASM_F64, XWASM_F64, XWASM_F64, XWASM_F64, XWASM_F64 }, 7, { 0 }, 0, true },
	{ "seed", { 0 }, 0, { XWASM_F64 }, 1, true },
};

/* The Go xdperf's goshim imports (the 0.11 ABI's request/response channel). */
#define GOSHIM "github.com/takehaya/xdperf/pkg/plugin/goshim"
#define REQ { XWASM_I32, XWASM_I32 }, 2, { XWASM_I32 }, 1, true
#define RESP { XWASM_I32, XWASM_I32 }, 2, { 0 }, 0, true
static const struct abi_func goshim_funcs[] = {
	{ "pluginGeneratorInitRequest", REQ }, { "pluginGeneratorInitResponse", RESP },
	{ "pluginGeneratorProcessRequest", REQ }, { "pluginGeneratorProcessResponse", RESP },
	{ "pluginGeneratorCleanupRequest", REQ }, { "pluginGeneratorCleanupResponse", RESP },
	{ "getShutdownRequested", { 0 }, 0, { XWASM_I32 }, 1, true },
};

#define func_sig xdperf_wasm_sig

static void limits_str(const struct xwasm_import_info *e, char *buf, size_t len)
{
	if (e->max == UINT64_MAX)
		snprintf(buf, len, "initial %llu, max none", (unsigned long long)e->min);
	else
		snprintf(buf, len, "initial %llu, max %llu", (unsigned long long)e->min, (unsigned long long)e->max);
}

/* Type description of an import or export. */
static void extern_str(const struct xwasm_import_info *e, char *buf, size_t len)
{
	char t[400];
	switch (e->kind) {
	case XWASM_EXTERN_FUNC:
		func_sig(e->params, e->nparams, e->results, e->nresults, t, sizeof t);
		snprintf(buf, len, "func %s", t);
		break;
	case XWASM_EXTERN_TABLE:
		limits_str(e, t, sizeof t);
		snprintf(buf, len, "table %s, %s", xwasm_valtype_str(e->valtype), t);
		break;
	case XWASM_EXTERN_MEMORY:
		if (e->max == UINT64_MAX)
			snprintf(buf, len, "memory initial %llu pages, max none", (unsigned long long)e->min);
		else
			snprintf(buf, len, "memory initial %llu pages, max %llu pages", (unsigned long long)e->min,
				 (unsigned long long)e->max);
		break;
	case XWASM_EXTERN_TAG:
		func_sig(e->params, e->nparams, e->results, e->nresults, t, sizeof t);
		snprintf(buf, len, "tag %s", t);
		break;
	default:
		snprintf(buf, len, "global %s%s", e->mutable_ ? "mut " : "", xwasm_valtype_str(e->valtype));
	}
}

static bool sig_is(const struct xwasm_import_info *e, const struct abi_func *f)
{
	return e->nparams == f->nparams && e->nresults == f->nresults &&
	       !memcmp(e->params, f->params, f->nparams) && !memcmp(e->results, f->results, f->nresults);
}

static void abi_sig(const struct abi_func *f, char *buf, size_t len)
{
	char s[400];
	func_sig(f->params, f->nparams, f->results, f->nresults, s, sizeof s);
	snprintf(buf, len, "%s%s", f->name, s);
}

/* Collects problems as lines in a growing list. */
struct problems {
	char lines[64][512];
	int n;
};

__attribute__((format(printf, 2, 3)))
static void problem(struct problems *p, const char *fmt, ...)
{
	if (p->n >= 64)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->lines[p->n++], sizeof p->lines[0], fmt, ap);
	va_end(ap);
}

static void add_problem(void *ctx, const char *text)
{
	problem(ctx, "%s", text);
}

static int inspect(const char *path)
{
	uint8_t *bytes;
	size_t len;
	int rc = xdperf_read_file(path, 256u << 20, &bytes, &len);
	if (rc) {
		fprintf(stderr, "xdperf plugin inspect: cannot read %s: %s\n", path,
			rc == -EFBIG ? "larger than 256 MiB" : xdperf_file_strerror(rc));
		return 1;
	}
	xwasm_module *m = NULL;
	char err[512];
	/* what loading may hold, as for a plugin run with the default memory cap (docs/limits.md) */
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = path, .max_bytes = 256u << 20 };
	rc = xwasm_module_load(bytes, len, &lo, &m, err, sizeof err);
	if (rc) {
		free(bytes);
		fprintf(stderr, "xdperf plugin inspect: %s: %s\n", path, err);
		return 1;
	}
	static struct problems pr;
	pr.n = 0;
	char t[600];
	printf("module %s (%zu bytes)\n", path, len);

	uint32_t ni = xwasm_module_num_imports(m), ne = xwasm_module_num_exports(m);
	bool mem_seen = false;
	struct xwasm_import_info mem = { 0 };
	printf("imports (%u):\n", ni);
	for (uint32_t i = 0; i < ni; i++) {
		struct xwasm_import_info e;
		xwasm_module_import(m, i, &e);
		extern_str(&e, t, sizeof t);
		printf("  %s.%s  %s\n", e.module, e.name, t);
		if (e.kind == XWASM_EXTERN_MEMORY && !mem_seen) {
			mem_seen = true;
			mem = e;
		}
		bool provided = false;
		if (e.kind == XWASM_EXTERN_FUNC && !strcmp(e.module, "wasi_snapshot_preview1"))
			provided = true;
		else if (e.kind == XWASM_EXTERN_FUNC && (!strcmp(e.module, "env") || !strcmp(e.module, GOSHIM))) {
			bool env = !strcmp(e.module, "env");
			const struct abi_func *fs = env ? host_funcs : goshim_funcs;
			size_t nf = env ? sizeof host_funcs / sizeof host_funcs[0] :
					  sizeof goshim_funcs / sizeof goshim_funcs[0];
			for (size_t k = 0; k < nf; k++) {
				if (strcmp(e.name, fs[k].name))
					continue;
				provided = true;
				if (!sig_is(&e, &fs[k])) {
					char want[400];
					abi_sig(&fs[k], want, sizeof want);
					problem(&pr, "import %s.%s has type %s, the host provides %s.%s", e.module,
						e.name, t, e.module, want);
				}
			}
		}
		if (!provided)
			problem(&pr, "import %s.%s (%s) is not provided by the host (it provides env.host_log, "
				"env.host_report_metric, env.host_neighbor_resolve, AssemblyScript's env.abort, "
				"env.trace and env.seed, the Go xdperf's goshim functions and "
				"wasi_snapshot_preview1 functions)", e.module, e.name, t);
	}

	printf("exports (%u):\n", ne);
	for (uint32_t i = 0; i < ne; i++) {
		struct xwasm_import_info e;
		xwasm_module_export(m, i, &e);
		extern_str(&e, t, sizeof t);
		printf("  %s  %s\n", e.name, t);
		if (e.kind == XWASM_EXTERN_MEMORY && !strcmp(e.name, "memory")) {
			mem_seen = true;
			mem = e;
		}
	}
	if (mem_seen) {
		if (mem.max == UINT64_MAX)
			printf("memory: initial %llu pages (%llu KiB), max none\n", (unsigned long long)mem.min,
			       (unsigned long long)mem.min * 64);
		else
			printf("memory: initial %llu pages (%llu KiB), max %llu pages\n", (unsigned long long)mem.min,
			       (unsigned long long)mem.min * 64, (unsigned long long)mem.max);
	} else {
		printf("memory: none exported\n");
	}

	xdperf_plugin_check_abi(m, add_problem, &pr);
	char *schema = NULL;
	if (xdperf_plugin_read_schema(bytes, len, &schema, err, sizeof err))
		problem(&pr, "%s", err);
	else
		plugin_print_config(schema);
	free(schema);
	free(bytes);

	if (!pr.n)
		printf("generator plugin ABI: OK (%s)\n", xdperf_plugin_module_abi(m) == XDPERF_PLUGIN_ABI_JSON ?
		       "the Go xdperf 0.11 form: JSON in and out of every call" :
		       "the plugin guide's form: plugin_init(cfg, len)");
	else {
		printf("generator plugin ABI: NOT satisfied (%d problem%s)\n", pr.n, pr.n == 1 ? "" : "s");
		for (int i = 0; i < pr.n; i++)
			printf("  - %s\n", pr.lines[i]);
	}
	xwasm_module_free(m);
	return pr.n ? 1 : 0;
}

/* ---- run ------------------------------------------------------------------------------------- */

/* A field's value as the frame holds it: dotted for IPv4 addresses, else decimal. */
static void field_value(const struct xdperf_field_mod *m, const uint8_t *frame, char *buf,
			size_t len)
{
	uint64_t v = 0;
	for (unsigned k = 0; k < m->len; k++) {
		unsigned at = m->little_endian ? m->len - 1 - k : k;
		v = v << 8 | frame[m->offset + at];
	}
	if (m->len == 4 && m->name && strstr(m->name, "ipv4.") && strstr(m->name, "_ip"))
		snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(v >> 24), (unsigned)(v >> 16 & 255),
			 (unsigned)(v >> 8 & 255), (unsigned)(v & 255));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* The modifiers and checksums of a template, then the first `packets` packets they make. */
static void print_fields(const struct xdperf_template *t, unsigned packets)
{
	const struct xdperf_fields *f = &t->fields;
	if (!f->nmods && !f->csums)
		return;
	char line[256];
	for (size_t k = 0; k < f->nmods; k++) {
		xdperf_field_describe(&f->mod[k], line, sizeof line);
		printf("  modifier %zu  %s\n", k, line);
	}
	static const struct { unsigned flag; const char *name; } cs[] = {
		{ XDPERF_CSUM_IPV4, "ipv4" }, { XDPERF_CSUM_UDP, "udp" }, { XDPERF_CSUM_TCP, "tcp" },
		{ XDPERF_CSUM_ICMP, "icmp" }, { XDPERF_CSUM_ICMPV6, "icmpv6" } };
	if (f->warn[0])
		printf("  warning: %s\n", f->warn);
	if (f->csums) {
		printf("  checksums kept up to date:");
		for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++)
			if (f->csums & cs[k].flag)
				printf(" %s", cs[k].name);
		printf("\n");
	}
	if (!f->nmods || !packets)
		return;
	struct xdperf_fe fe;
	struct xdperf_bpf_fe_state st;
	uint8_t base[XDPERF_TEMPLATE_SLOT], frame[XDPERF_TEMPLATE_SLOT];
	char err[256];
	if (xdperf_fe_compile(t->frame, t->len, f->mod, f->nmods, f->csums, f->spec, f->nspecs, &fe, base, NULL, 0, err,
			      sizeof err)) {
		printf("  (field engine: %s)\n", err);
		return;
	}
	xdperf_fe_state_init(&fe, 0, &st);
	printf("  first %u packet%s (one sender thread):\n", packets, packets == 1 ? "" : "s");
	for (unsigned p = 0; p < packets; p++) {
		memcpy(frame, base, t->len);
		xdperf_fe_apply(&fe.bpf, &st, frame);
		printf("    %u:", p);
		for (size_t k = 0; k < f->nmods; k++) {
			char v[64];
			field_value(&f->mod[k], frame, v, sizeof v);
			printf("  %s %s", f->mod[k].name ? f->mod[k].name : "?", v);
		}
		struct xdperf_decode_info info = { 0 };
		xdperf_frame_describe(frame, t->len, "", NULL, 0, &info);
		if (info.checksums_ok || info.checksums_bad)
			printf("  checksums %s", info.checksums_bad ? "INVALID" : "valid");
		printf("\n");
	}
}

static void print_template(const struct xdperf_template *t, size_t i, unsigned packets)
{
	printf("template %zu: %u bytes\n", i, t->len);
	printf("  metadata  packet_count %llu  rate_pps %llu  tags [", (unsigned long long)t->packet_count,
	       (unsigned long long)t->rate_pps);
	for (size_t k = 0; k < t->ntags; k++)
		printf("%s%s", k ? ", " : "", t->tags[k]);
	printf("]  modifiers %zu  checksums %zu%s\n", t->modifiers ? json_array_size(t->modifiers) : t->fields.nmods,
	       t->checksums ? json_array_size(t->checksums) : t->fields.nspecs, t->imix ? "  imix" : "");
	for (size_t k = 0; k < t->fields.nspecs; k++) {
		const struct xdperf_csum_spec *c = &t->fields.spec[k];
		printf("  checksum spec %zu  field at %u over bytes %u..%u%s", k, c->off, c->start,
		       c->start + c->len, c->alen ? "" : "\n");
		if (c->alen)
			printf(" + pseudo-header (addresses at %u and %u, protocol %u)\n", c->src, c->dst, c->proto);
	}
	size_t need = xdperf_frame_describe(t->frame, t->len, "  ", NULL, 0, NULL);
	char *buf = malloc(need + 1);
	if (!buf) {
		printf("  (out of memory)\n");
		return;
	}
	xdperf_frame_describe(t->frame, t->len, "  ", buf, need + 1, NULL);
	fputs(buf, stdout);
	free(buf);
	print_fields(t, packets);
}

struct run_args {
	const char *plugin, *plugin_path, *config, *src_mac;
	unsigned long long count;
	bool json;
	int log_level;
	unsigned packets;        /* packets shown per template with modifiers */
};

static int run(const struct run_args *a, const char *path)
{
	uint8_t mac[6] = { 0 };
	if (a->src_mac && parse_mac(a->src_mac, mac)) {
		fprintf(stderr, "xdperf: --src-mac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", a->src_mac);
		return 2;
	}
	json_t *cfg = load_config(a->config);
	if (!cfg)
		return 1;
	int status = 1;
	struct xdperf_template_set *set = NULL;
	struct plugin_call pc;
	if (plugin_call_once(path, cfg, a->log_level, a->count, mac, NULL, NULL, &pc))
		goto out;
	if (a->json) {
		fwrite(pc.resp, 1, pc.resplen, stdout);
		if (!pc.resplen || pc.resp[pc.resplen - 1] != '\n')
			putchar('\n');
		status = 0;
		goto out;
	}
	if (plugin_call_templates(&pc, &set) || plugin_call_finish(&pc))
		goto out;
	printf("plugin %s: %zu template%s (request: %s)\n", xdperf_plugin_name(pc.p), set->n,
	       set->n == 1 ? "" : "s", pc.req);
	for (size_t i = 0; i < set->n; i++)
		print_template(&set->t[i], i, a->packets);
	status = 0;
out:
	xdperf_template_set_free(set);
	plugin_call_release(&pc);
	json_decref(cfg);
	return status;
}

/* ---- command --------------------------------------------------------------------------------- */

int cmd_plugin(int argc, char **argv)
{
	/* argv[0] = "plugin", argv[1] = subcommand */
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "new"))
		return cmd_plugin_new(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return cmd_plugin_list(argc - 1, argv + 1);
	bool is_run = !strcmp(sub, "run");
	if (!is_run && strcmp(sub, "inspect")) {
		fprintf(stderr, "xdperf plugin: unknown subcommand '%s' (expected list, inspect, run or new)\n", sub);
		return 2;
	}
	static const struct option opts[] = {
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "plugin-config", required_argument, NULL, 'C' },
		{ "cfg", required_argument, NULL, 'C' },
		{ "plugin-memory-pages", required_argument, NULL, 'm' },
		{ "plugin-dir", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'c' },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'J' },
		{ "packets", required_argument, NULL, 'N' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_args a = { .count = 1, .log_level = XDPERF_LOG_INFO, .packets = 4 };
	argc -= 1;
	argv += 1;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":P:c:h", opts, NULL);
		if (c == -1)
			break;
		char *end;
		if (!is_run && c != 'P' && c != 'h' && c != ':' && c != '?') {
			fprintf(stderr, "xdperf plugin inspect: option '%s' only applies to plugin run\n", argv[optind - 1]);
			return 2;
		}
		switch (c) {
		case 'P':
			if (plugin_path_check(is_run ? "plugin run" : "plugin inspect", optarg))
				return 2;
			a.plugin_path = optarg;
			break;
		case 'C': a.config = optarg; break;
		case 'M': a.src_mac = optarg; break;
		case 'm':
			if (plugin_set_memory_pages("plugin run", optarg))
				return 2;
			break;
		case 'D':
			if (plugin_set_dir("plugin run", optarg))
				return 2;
			break;
		case 'J': a.json = true; break;
		case 'N': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !optarg[0] || optarg[0] == '-' || v > 100000) {
				fprintf(stderr, "xdperf: --packets: '%s' is not a number of packets (0-100000)\n", optarg);
				return 2;
			}
			a.packets = (unsigned)v;
			break;
		}
		case 'c':
			if (parse_count(optarg, &a.count))
				return 2;
			break;
		case 'L':
			a.log_level = parse_level(optarg);
			if (a.log_level < 0) {
				fprintf(stderr, "xdperf: --log-level: '%s' is not one of debug, info, warn, error\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case ':':
			fprintf(stderr, "xdperf: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			cli_unknown_option(is_run ? "plugin run" : "plugin inspect", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xdperf plugin %s: no plugin given (NAME or FILE.wasm)\n", sub);
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "xdperf plugin %s: unexpected argument '%s'\n", sub, argv[optind + 1]);
		return 2;
	}
	a.plugin = argv[optind];
	char path[PATH_MAX + 32];
	if (find_plugin(a.plugin, a.plugin_path, path, sizeof path))
		return 1;
	return is_run ? run(&a, path) : inspect(path);
}
