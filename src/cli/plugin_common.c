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
#include "cli/plugin_common.h"

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

int find_plugin(const char *plugin, const char *plugin_path, char *path, size_t len)
{
	size_t n = strlen(plugin);
	if (strchr(plugin, '/') || (n > 5 && !strcmp(plugin + n - 5, ".wasm"))) {
		snprintf(path, len, "%s", plugin);
		return 0;
	}
	char exe[PATH_MAX] = "", dirs[4][PATH_MAX];
	int nd = 0;
	if (plugin_path)
		snprintf(dirs[nd++], PATH_MAX, "%s", plugin_path);
	snprintf(dirs[nd++], PATH_MAX, "%s", DEFAULT_PLUGIN_PATH);
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k > 0) {
		exe[k] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(dirs[nd++], PATH_MAX, "%.*s/plugins", PATH_MAX - 16, exe);
			snprintf(dirs[nd++], PATH_MAX, "%.*s/../plugins", PATH_MAX - 16, exe);
		}
	}
	struct stat st;
	for (int i = 0; i < nd; i++) {
		snprintf(path, len, "%.*s/%s.wasm", PATH_MAX - 16, dirs[i], plugin);
		if (!stat(path, &st))
			return 0;
	}
	fprintf(stderr, "xdperf: plugin '%s' not found: no %s.wasm in %s%s%s\n", plugin, plugin,
		plugin_path ? plugin_path : DEFAULT_PLUGIN_PATH,
		plugin_path ? " or " DEFAULT_PLUGIN_PATH : "", " or the build tree's plugins");
	return -ENOENT;
}

char *build_request(json_t *cfg, unsigned long long count, const uint8_t mac[6])
{
	char b64[16];
	sodium_bin2base64(b64, sizeof b64, mac, 6, sodium_base64_VARIANT_ORIGINAL);
	json_t *req = json_deep_copy(cfg);
	if (!req || json_object_set_new(req, "count", json_integer((json_int_t)count)) ||
	    json_object_set_new(req, "device_mac_addr", json_string(b64))) {
		json_decref(req);
		return NULL;
	}
	char *s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return s;
}
