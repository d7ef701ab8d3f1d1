/* Pieces shared by the commands that run generator plugins (`xdperf --plugin ...` and
 * `xdperf plugin ...`): plugin lookup, configuration loading, request building, option values. */
#ifndef XDPERF_CLI_PLUGIN_COMMON_H
#define XDPERF_CLI_PLUGIN_COMMON_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdperf/wasm.h"

#if __has_include("paths_gen.h")
#include "paths_gen.h" /* PREFIX's, written by the build */
#else
#define XDPERF_DATADIR "/usr/local/share/xdperf"
#endif
#define DEFAULT_PLUGIN_PATH XDPERF_DATADIR "/plugins"
/* The largest packet count: the request's "count" (and the --json summary's) is a JSON integer,
 * which jansson holds as a signed 64-bit number; a larger one would reach the plugin negative. */
#define COUNT_MAX INT64_MAX
/* --count's value: a whole number 0..COUNT_MAX, k/M/G suffix allowed (cli_parse_count), into
 * *out; 0, or -1 after one line naming it. */
int parse_count(const char *s, unsigned long long *out);

/* Finds the plugin file: a path (contains '/' or ends in .wasm) or NAME.wasm in plugin_path
 * (may be NULL), then DEFAULT_PLUGIN_PATH (PREFIX/share/xdperf/plugins), then next to this
 * binary: ../share/xdperf/plugins (an installed tree), plugins and ../plugins (the build tree). Fills
 * path; on failure prints one message and returns -ENOENT. */
int find_plugin(const char *plugin, const char *plugin_path, char *path, size_t len);
/* The folders searched for kind "plugins" (generator plugins) or "protocols" (protocol
 * modules), in order: plugin_path (may be NULL), PREFIX/share/xdperf/KIND, and next to this
 * binary ../share/xdperf/KIND, KIND, ../KIND. Fills dirs; returns how many. */
#define PLUGIN_DIRS_MAX 5
/* The folder this binary is in (/proc/self/exe without its name) into dir; false if unknown. */
bool exe_dir(char dir[PATH_MAX]);
int plugin_dirs(const char *plugin_path, const char *kind, char dirs[][PATH_MAX]);
/* -P/--plugin-path DIR of command cmd ("" for the generator): 0 when DIR is a directory, else
 * -1 after one line naming it and why. */
int plugin_path_check(const char *cmd, const char *dir);

/* The configuration object read from `file` (JSON object or YAML mapping; NULL: an empty
 * object), or NULL after printing one message. */
json_t *load_config(const char *file);

/* The request: the configuration plus count, device_mac_addr (6 bytes, base64 like Go's
 * []byte) and, with a device, device_name. malloc'd JSON text, NULL when out of memory. */
char *build_request(json_t *cfg, unsigned long long count, const uint8_t mac[6], const char *device);

/* "debug", "info", "warn", "error" (any case) -> enum xdperf_log_level, or -1. */
int parse_level(const char *s);
/* "aa:bb:cc:dd:ee:ff" -> mac; 0 or -1. */
int parse_mac(const char *s, uint8_t mac[6]);

struct xdperf_plugin;
struct xdperf_template_set;

/* One run of a plugin: loaded, initialised with the configuration, asked once. */
struct plugin_call {
	struct xdperf_plugin *p;
	char *req;      /* the request sent */
	char *resp;     /* the response, NUL-terminated */
	size_t resplen;
	unsigned long long count; /* the request's count (the newer response splits it) */
};

/* --plugin-memory-pages N (1..65536, 64 KiB pages): the memory cap of the plugins
 * plugin_call_once() loads from now on (default: the library's, 1024 = 64 MiB). 0, or -1 after
 * "xdperf CMD: --plugin-memory-pages: ..." (CMD "" for the generator: "xdperf: ...") */
int plugin_set_memory_pages(const char *cmd, const char *arg);

/* --plugin-dir HOST[:GUEST]: a host directory the plugins plugin_call_once() loads from now on
 * may read (a WASI preopen, always read-only), seen as GUEST (default "/"); none by default.
 * 0, or -1 after "xdperf CMD: --plugin-dir ...: REASON" (CMD "" for the generator). */
int plugin_set_dir(const char *cmd, const char *arg);

/* Loads the plugin at path, calls plugin_init with cfg and plugin_process with the request for
 * count, mac and device (NULL: none; the device host_neighbor_resolve works on), with the
 * --plugin-memory-pages cap. 0, or 1 after printing one message (a failure the cap caused ends
 * "; raise it with --plugin-memory-pages N") (none when irq, which interrupts the calls (NULL: none), was
 * raised: the caller says it stopped); release pc with plugin_call_release() either way. */
int plugin_call_once(const char *path, json_t *cfg, int log_level, unsigned long long count,
		     const uint8_t mac[6], const char *device, xwasm_interrupt *irq, struct plugin_call *pc);
/* Parses and validates the response into *set (the caller frees it); 0, or 1 after a message. */
int plugin_call_templates(struct plugin_call *pc, struct xdperf_template_set **set);
/* Calls the plugin's plugin_cleanup (if it has one) once its templates are in hand: 0, or 1
 * after one line when it trapped, ran out of fuel or exited (a stop request: no line), so
 * that a plugin failing there fails the command before anything is sent or written. */
int plugin_call_finish(struct plugin_call *pc);
/* Frees everything (plugin_cleanup runs here, its failure unreported, if plugin_call_finish
 * was not called: the paths of another error). */
void plugin_call_release(struct plugin_call *pc);

/* Prints a declared configuration (xdperf_plugin_read_schema's text; NULL: none) as a table
 * of keys: type, range or choices, default, description (src/cli/plugin_list.c). */
void plugin_print_config(const char *schema);

#endif
