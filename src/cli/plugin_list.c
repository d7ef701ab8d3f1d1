/* `xdperf plugin list`: the generator plugins in the plugin path (name, ABI, description and
 * configuration keys, read from each module without running it), and the configuration table
 * `xdperf plugin inspect` prints. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/plugin_common.h"
#include "util/file.h"
#include "xdperf/plugin.h"
#include "xdperf/wasm.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf plugin list [-P DIR] [--json]\n"
		"  lists the generator plugins xdperf -p NAME finds: NAME.wasm in DIR, then\n"
		"  " DEFAULT_PLUGIN_PATH ", then next to the binary (../share/xdperf/plugins, the build\n"
		"  tree's plugins); a name found twice is listed once, where -p finds it. For each: its ABI\n"
		"  (guide: plugin_init(cfg, len); 0.11: the Go xdperf's JSON form), the description and\n"
		"  configuration keys it declares (xdperf plugin inspect NAME shows the keys in full).\n"
		"  Nothing is run.\n"
		"  -P, --plugin-path DIR   look here first\n"
		"      --json              one JSON array: [{\"name\",\"path\",\"abi\",\"description\",\"config\"}]\n");
}

/* One key's line of the configuration table: type, range or choices, default, description. */
static void print_key(const char *k, const json_t *spec)
{
	char type[160];
	const char *t = json_string_value(json_object_get(spec, "type"));
	const json_t *mn = json_object_get(spec, "min"), *mx = json_object_get(spec, "max");
	const json_t *en = json_object_get(spec, "enum"), *def = json_object_get(spec, "default");
	int n = snprintf(type, sizeof type, "%s", t ? t : "?");
	if (mn || mx) {
		char *a = mn ? json_dumps(mn, JSON_ENCODE_ANY) : NULL, *b = mx ? json_dumps(mx, JSON_ENCODE_ANY) : NULL;
		n += snprintf(type + n, sizeof type - (size_t)(n < (int)sizeof type ? n : (int)sizeof type - 1),
			      " %s..%s", a ? a : "", b ? b : "");
		free(a);
		free(b);
	}
	if (en) {
		char *e = json_dumps(en, JSON_COMPACT);
		snprintf(type + n, sizeof type - (size_t)(n < (int)sizeof type ? n : (int)sizeof type - 1), " %s",
			 e ? e : "");
		free(e);
	}
	char *d = def ? json_dumps(def, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	const char *desc = json_string_value(json_object_get(spec, "description"));
	printf("  %-16s %-22s %-14s %s\n", k, type, d ? d : "-", desc ? desc : "");
	free(d);
}

void plugin_print_config(const char *schema)
{
	if (!schema) {
		printf("configuration: not declared (any JSON object is passed on unchecked)\n");
		return;
	}
	json_t *s = json_loads(schema, 0, NULL);
	const json_t *keys = json_object_get(s, "keys");
	const char *desc = json_string_value(json_object_get(s, "description"));
	if (desc)
		printf("description: %s\n", desc);
	printf("configuration (declared; other keys %s):\n",
	       json_is_true(json_object_get(keys, "*")) ? "are passed on unchecked" : "are refused");
	printf("  %-16s %-22s %-14s %s\n", "KEY", "TYPE", "DEFAULT", "DESCRIPTION");
	const char *k;
	json_t *spec;
	json_object_foreach((json_t *)keys, k, spec)
		if (strcmp(k, "*"))
			print_key(k, spec);
	json_decref(s);
}

struct entry {
	char name[NAME_MAX + 1];
	char path[PATH_MAX + NAME_MAX + 2];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void ignore_problem(void *ctx, const char *text)
{
	(void)ctx;
	(void)text;
}

/* Reads one module: *abi "guide", "0.11" or "not a plugin: REASON", and its schema. */
static void describe(const char *path, char *abi, size_t abilen, char **schema)
{
	*schema = NULL;
	uint8_t *bytes;
	size_t len;
	int rc = xdperf_read_file(path, 256u << 20, &bytes, &len);
	if (rc) {
		snprintf(abi, abilen, "unreadable: %s", rc == -EFBIG ? "larger than 256 MiB" : xdperf_file_strerror(rc));
		return;
	}
	char err[300];
	xwasm_module *m = NULL;
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = path, .max_bytes = 256u << 20 };
	if (xwasm_module_load(bytes, len, &lo, &m, err, sizeof err)) {
		snprintf(abi, abilen, "not a plugin: %s", err);
	} else {
		if (xdperf_plugin_check_abi(m, ignore_problem, NULL))
			snprintf(abi, abilen, "not a plugin (xdperf plugin inspect says why)");
		else
			snprintf(abi, abilen, "%s", xdperf_plugin_module_abi(m) == XDPERF_PLUGIN_ABI_JSON ? "0.11" : "guide");
		if (xdperf_plugin_read_schema(bytes, len, schema, err, sizeof err))
			snprintf(abi, abilen, "bad config declaration: %s", err);
	}
	xwasm_module_free(m);
	free(bytes);
}

int cmd_plugin_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plugin-path", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *plugin_path = NULL;
	bool json = false;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":P:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'P':
			if (plugin_path_check("plugin list", optarg))
				return 2;
			plugin_path = optarg;
			break;
		case 'J': json = true; break;
		case 'h': usage(stdout); return 0;
		case ':': fprintf(stderr, "xdperf plugin list: option %s needs a value\n", argv[optind - 1]); return 2;
		default:
			cli_unknown_option("plugin list", argv[optind - 1], opts, NULL);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdperf plugin list: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char dirs[PLUGIN_DIRS_MAX][PATH_MAX];
	int nd = plugin_dirs(plugin_path, "plugins", dirs);
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		char real[PATH_MAX];
		const char *dir = realpath(dirs[i], real) ? real : dirs[i];
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l <= 5 || strcmp(de->d_name + l - 5, ".wasm"))
				continue;
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = strlen(e[j].name) == l - 5 && !strncmp(e[j].name, de->d_name, l - 5);
			if (seen)
				continue;
			if (n == cap) {
				struct entry *ne = realloc(e, (cap = cap ? cap * 2 : 32) * sizeof *e);
				if (!ne) {
					closedir(d);
					free(e);
					fprintf(stderr, "xdperf plugin list: out of memory\n");
					return 1;
				}
				e = ne;
			}
			snprintf(e[n].name, sizeof e[n].name, "%.*s", (int)(l - 5), de->d_name);
			snprintf(e[n].path, sizeof e[n].path, "%.*s/%.*s", PATH_MAX - 1, dir, NAME_MAX, de->d_name);
			n++;
		}
		closedir(d);
	}
	qsort(e, n, sizeof *e, by_name);
	json_t *arr = json ? json_array() : NULL;
	if (!json && !n)
		printf("no generator plugins found (looked in %s%s%s, and next to the binary)\n",
		       plugin_path ? plugin_path : "", plugin_path ? ", " : "", DEFAULT_PLUGIN_PATH);
	if (!json && n)
		printf("%-12s %-6s %s\n", "NAME", "ABI", "DESCRIPTION (config keys; path)");
	for (size_t i = 0; i < n; i++) {
		char abi[400];
		char *schema;
		describe(e[i].path, abi, sizeof abi, &schema);
		json_t *s = schema ? json_loads(schema, 0, NULL) : NULL;
		const json_t *keys = json_object_get(s, "keys");
		const char *desc = json_string_value(json_object_get(s, "description"));
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:s}", "name", e[i].name, "path", e[i].path, "abi", abi);
			json_object_set_new(o, "description", desc ? json_string(desc) : json_null());
			json_object_set(o, "config", keys ? (json_t *)keys : json_null());
			json_array_append_new(arr, o);
		} else {
			printf("%-12s %-6s %s\n", e[i].name, strchr(abi, ' ') ? "-" : abi,
			       strchr(abi, ' ') ? abi : desc ? desc : "(declares no configuration)");
			if (keys) {
				printf("%-20skeys:", "");
				const char *k;
				json_t *spec;
				size_t col = 25;
				json_object_foreach((json_t *)keys, k, spec) {
					if (!strcmp(k, "*"))
						continue;
					if (col + strlen(k) + 1 > 100) {
						printf("\n%-25s", "");
						col = 25;
					}
					col += (size_t)printf(" %s", k);
				}
				printf("\n");
			}
			printf("%-12s %-6s %s\n", "", "", e[i].path);
		}
		json_decref(s);
		free(schema);
	}
	if (json) {
		char *t = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(arr);
	}
	free(e);
	return 0;
}
