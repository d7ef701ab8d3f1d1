/* Plugin configuration files (config_file.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "util/config_file.h"
#include "util/err.h"
#include "util/file.h"
#include "util/yaml_json.h"

int xdperf_config_file_load(const char *file, json_t **out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int rc = xdperf_read_file_any(file, 16u << 20, &buf, &len);
	if (rc) {
		xdperf_errf(err, errlen, "cannot read plugin configuration %s: %s", file,
			    rc == -EFBIG ? "larger than 16 MiB" : xdperf_file_strerror(rc));
		return rc;
	}
	const char *dot = strrchr(file, '.');
	bool yaml_name = dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"));
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	json_error_t e;
	json_t *cfg = NULL;
	bool json = !yaml_name && i < len && buf[i] == '{';
	if (json)
		cfg = json_loadb((const char *)buf, len, 0, &e);
	if (!cfg) {
		char yerr[512];
		if (xdperf_yaml_to_json((const char *)buf, len, &cfg, yerr, sizeof yerr)) {
			if (json)
				xdperf_errf(err, errlen, "plugin configuration %s: invalid JSON at line %d "
					    "column %d: %s", file, e.line, e.column, e.text);
			else
				xdperf_errf(err, errlen, "plugin configuration %s: %s", file, yerr);
			free(buf);
			return -EINVAL;
		}
		json = false;
	}
	free(buf);
	if (!json_is_object(cfg)) {
		static const char *const kind[] = { "an object", "an array", "a string", "an integer",
						    "a number", "true", "false", "empty (null)" };
		xdperf_errf(err, errlen, "plugin configuration %s: must be %s, not %s", file,
			    json ? "a JSON object" : "a mapping (YAML) or object (JSON)",
			    kind[json_typeof(cfg)]);
		json_decref(cfg);
		return -EINVAL;
	}
	*out = cfg;
	return 0;
}
