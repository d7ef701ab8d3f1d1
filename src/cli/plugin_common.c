/* Shared by `xdperf --plugin ...` and `xdperf plugin ...`: see plugin_common.h. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdlib.h>
#include "cli/cli_util.h"
#include "cli/plugin_common.h"
#include "util/config_file.h"
#include "util/file.h"
#include "util/yaml_json.h"
#include "packet/template.h"
#include "xdperf/plugin.h"

int parse_level(const char *s)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return -1;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

bool exe_dir(char dir[PATH_MAX])
{
	ssize_t k = readlink("/proc/self/exe", dir, PATH_MAX - 1);
	char *slash = k > 0 ? (dir[k] = 0, strrchr(dir, '/')) : NULL;
	if (slash)
		*slash = 0;
	return slash != NULL;
}

int plugin_dirs(const char *plugin_path, const char *kind, char dirs[][PATH_MAX])
{
	char exe[PATH_MAX];
	int nd = 0;
	if (plugin_path)
		snprintf(dirs[nd++], PATH_MAX, "%s", plugin_path);
	snprintf(dirs[nd++], PATH_MAX, "%s/%s", XDPERF_DATADIR, kind);
	if (exe_dir(exe)) {
		snprintf(dirs[nd++], PATH_MAX, "%.*s/../share/xdperf/%s", PATH_MAX - 64, exe, kind);
		snprintf(dirs[nd++], PATH_MAX, "%.*s/%s", PATH_MAX - 64, exe, kind);
		snprintf(dirs[nd++], PATH_MAX, "%.*s/../%s", PATH_MAX - 64, exe, kind);
	}
	return nd;
}

/* The first dirs[i]/NAME.wasm that exists, into path; 0 or -ENOENT. */
static int find_in(char dirs[][PATH_MAX], int nd, const char *name, char *path, size_t len)
{
	struct stat st;
	for (int i = 0; i < nd; i++) {
		snprintf(path, len, "%.*s/%s.wasm", PATH_MAX - 16, dirs[i], name);
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

int find_plugin(const char *plugin, const char *plugin_path, char *path, size_t len)
{
	size_t n = strlen(plugin);
	if (strchr(plugin, '/') || (n > 5 && !strcmp(plugin + n - 5, ".wasm"))) {
		snprintf(path, len, "%s", plugin);
		return 0;
	}
	char dirs[PLUGIN_DIRS_MAX][PATH_MAX];
	if (!find_in(dirs, plugin_dirs(plugin_path, "plugins", dirs), plugin, path, len))
		return 0;
	char other[PATH_MAX + 32];
	if (!find_in(dirs, plugin_dirs(NULL, "protocols", dirs), plugin, other, sizeof other)) {
		fprintf(stderr, "xdperf: '%s' is a protocol module (%s), not a generator plugin: it runs under "
				"xdperf serve --protocol ID=FILE.wasm@VERSION\n", plugin, other);
		return -ENOENT;
	}
	fprintf(stderr, "xdperf: plugin '%s' not found: no %s.wasm in %s%s%s (xdperf plugin list shows "
			"the plugins there)\n", plugin, plugin,
		plugin_path ? plugin_path : DEFAULT_PLUGIN_PATH,
		plugin_path ? " or " DEFAULT_PLUGIN_PATH : "", ", next to the binary or in the build tree's plugins");
	return -ENOENT;
}

char *build_request(json_t *cfg, unsigned long long count, const uint8_t mac[6], const char *device)
{
	char b64[16];
	sodium_bin2base64(b64, sizeof b64, mac, 6, sodium_base64_VARIANT_ORIGINAL);
	json_t *req = json_deep_copy(cfg);
	if (!req || json_object_set_new(req, "count", json_integer((json_int_t)count)) ||
	    json_object_set_new(req, "device_mac_addr", json_string(b64)) ||
	    (device && json_object_set_new(req, "device_name", json_string(device)))) {
		json_decref(req);
		return NULL;
	}
	char *s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return s;
}

int parse_count(const char *s, unsigned long long *out)
{
	uint64_t v;
	if (cli_parse_count("xdperf", "--count", s, COUNT_MAX, &v))
		return -1;
	*out = v;
	return 0;
}

/* The configuration object (from --plugin-config) or an empty object. */
json_t *load_config(const char *file)
{
	if (!file)
		return json_object();
	json_t *cfg;
	char err[PATH_MAX + 600];
	if (xdperf_config_file_load(file, &cfg, err, sizeof err)) {
		fprintf(stderr, "xdperf: %s\n", err);
		return NULL;
	}
	return cfg;
}


/* ---- one plugin call -------------------------------------------------------------------- */

/* --plugin-memory-pages: the cap for every plugin this process runs (0: the library's default) */
static uint32_t memory_pages;

int plugin_path_check(const char *cmd, const char *dir)
{
	const char *why = cli_dir_problem(dir);
	if (!why)
		return 0;
	fprintf(stderr, "xdperf%s%s: --plugin-path '%s': %s\n", cmd[0] ? " " : "", cmd, dir, why);
	return -1;
}

int plugin_set_memory_pages(const char *cmd, const char *arg)
{
	uint64_t v;
	if (!cli_decimal_u64(arg, 65536, &v) || v < 1) {
		fprintf(stderr, "xdperf%s%s: --plugin-memory-pages: expected a number of 64 KiB pages from 1 to "
			"65536, got '%s'\n", cmd[0] ? " " : "", cmd, arg);
		return -1;
	}
	memory_pages = (uint32_t)v;
	return 0;
}

/* --plugin-dir HOST[:GUEST]: the read-only directory every plugin this process runs may read
 * (none by default), as HOST\0GUEST */
static char grant[PATH_MAX + 256];
static const char *grant_guest;

int plugin_set_dir(const char *cmd, const char *arg)
{
	const char *sp = cmd[0] ? " " : "";
	if (strlen(arg) >= sizeof grant) {
		fprintf(stderr, "xdperf%s%s: --plugin-dir: the path is too long\n", sp, cmd);
		return -1;
	}
	snprintf(grant, sizeof grant, "%s", arg);
	char *colon = strchr(grant, ':');
	grant_guest = NULL;
	if (colon) {
		*colon = 0;
		grant_guest = colon + 1;
	}
	const char *why = !grant[0] || (grant_guest && !grant_guest[0]) ? "expected HOST[:GUEST]"
			  : cli_dir_problem(grant);
	if (why) {
		fprintf(stderr, "xdperf%s%s: --plugin-dir %s: %s\n", sp, cmd, arg, why);
		grant[0] = 0;
		grant_guest = NULL;
		return -1;
	}
	return 0;
}

/* One line for a failed plugin call (none when interrupted: the caller says it stopped); a
 * failure the memory cap caused says how to raise it. */
static void call_failed(int rc, const char *err)
{
	if (rc == -EDQUOT)
		fprintf(stderr, "xdperf: %s; raise it with --plugin-memory-pages N\n", err);
	else if (rc != -EINTR)
		fprintf(stderr, "xdperf: %s\n", err);
}

int plugin_call_once(const char *path, json_t *cfg, int log_level, unsigned long long count,
		     const uint8_t mac[6], const char *device, xwasm_interrupt *irq, struct plugin_call *pc)
{
	char err[512], *cfgtext = json_dumps(cfg, JSON_COMPACT);
	struct xdperf_plugin_opts po = { .sz = sizeof po, .log_level = log_level, .interrupt = irq,
					 .device = device, .max_memory_pages = memory_pages,
					 .dir = grant[0] ? grant : NULL, .dir_guest = grant_guest };
	memset(pc, 0, sizeof *pc);
	if (!cfgtext) {
		fprintf(stderr, "xdperf: out of memory\n");
		return 1;
	}
	int rc = xdperf_plugin_load(path, &po, &pc->p, err, sizeof err);
	if (!rc)
		rc = xdperf_plugin_init(pc->p, cfgtext, strlen(cfgtext), err, sizeof err);
	free(cfgtext);
	if (rc) {
		call_failed(rc, err);
		return 1;
	}
	pc->count = count;
	pc->req = build_request(cfg, count, mac, device);
	if (!pc->req) {
		fprintf(stderr, "xdperf: out of memory\n");
		return 1;
	}
	rc = xdperf_plugin_process(pc->p, pc->req, strlen(pc->req), &pc->resp, &pc->resplen, err,
				   sizeof err);
	if (rc) {
		call_failed(rc, err);
		return 1;
	}
	return 0;
}

int plugin_call_templates(struct plugin_call *pc, struct xdperf_template_set **set)
{
	char err[512], warn[512];
	if (xdperf_templates_parse_count(pc->resp, pc->resplen, pc->count, set, warn, sizeof warn, err,
					 sizeof err)) {
		fprintf(stderr, "xdperf: plugin %s returned an unusable response: %s\n",
			xdperf_plugin_name(pc->p), err);
		return 1;
	}
	if (warn[0])
		fprintf(stderr, "xdperf: warning: plugin %s: %s\n", xdperf_plugin_name(pc->p), warn);
	return 0;
}

int plugin_call_finish(struct plugin_call *pc)
{
	char err[512];
	int rc = pc->p ? xdperf_plugin_cleanup(pc->p, err, sizeof err) : 0;
	if (!rc)
		return 0;
	call_failed(rc, err);
	return 1;
}

void plugin_call_release(struct plugin_call *pc)
{
	free(pc->resp);
	free(pc->req);
	xdperf_plugin_free(pc->p);
	memset(pc, 0, sizeof *pc);
}
