/* Inside the generator plugin host: the plugin object and the call helpers shared by the
 * plugin guide's ABI (generator.c) and the Go xdperf 0.11 ABI (generator_json.c). */
#ifndef XDPERF_PLUGIN_GENERATOR_INT_H
#define XDPERF_PLUGIN_GENERATOR_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plugin/host.h"
#include "xdperf/plugin.h"
#include "xdperf/wasm.h"

#define DEFAULT_PAGES 1024u                  /* 64 MiB */
#define MODULE_FACTOR 4u             /* the loaded module may hold 4 x the memory cap */
#define INSTANCE_EXTRA (32ull << 20)  /* what the instance may hold beyond its memory: stacks, tables */
#define TABLE_ELEMS (1u << 20)        /* table entries, all tables together */
#define DEFAULT_FUEL 10000000000ull          /* 10^10 instructions per call */
#define DEFAULT_MAX_OUTPUT (16u << 20)
#define FIRST_OUTPUT_CAP (64u << 10)
#define JSON_ABI_OUTPUT (32u << 20)  /* the 0.11 ABI's output buffer, every call */

/* The call under way in the 0.11 ABI, for the goshim imports (generator_json.c). */
enum gen_call_kind { GEN_CALL_NONE, GEN_CALL_INIT, GEN_CALL_PROCESS, GEN_CALL_CLEANUP };

struct xdperf_plugin {
	char name[64];
	struct xdperf_host_sink sink;
	struct xdperf_plugin_opts opts;
	xwasm_module *mod;
	xwasm_linker *linker;
	struct xwasm_wasi *wasi;
	xwasm_instance *inst;
	xwasm_memory *mem;
	xwasm_func *f_init, *f_process, *f_cleanup, *f_malloc, *f_free;
	bool cleaned_up;                   /* plugin_cleanup was called (xdperf_plugin_cleanup) */
	char device[IF_NAMESIZE];          /* opts.device ("" = none) */
	int abi;                           /* XDPERF_PLUGIN_ABI_GUIDE or _JSON */
	char *schema;                      /* the declared configuration (malloc'd JSON), or NULL */
	/* goshim: the request of the call under way and the response it handed over */
	enum gen_call_kind kind;
	const char *req;
	size_t reqlen;
	char *resp;                        /* malloc'd; NULL = none handed over */
	size_t resplen;
};

__attribute__((format(printf, 3, 4)))
int gen_perr(char *err, size_t len, const char *fmt, ...);
/* Calls f; a trap becomes one line in err. 0, -EINTR (interrupted) or -EINVAL. */
int gen_call(struct xdperf_plugin *p, xwasm_func *f, const char *what, const xwasm_val *args,
	     uint32_t nargs, xwasm_val *res, uint32_t nres, char *err, size_t errlen);
xwasm_val gen_i32(int32_t v);
/* len bytes from the plugin's malloc (data copied there when non-NULL) at *ptr. */
int gen_alloc(struct xdperf_plugin *p, uint32_t len, const void *data, uint32_t *ptr, char *err,
	      size_t errlen);
void gen_free(struct xdperf_plugin *p, uint32_t ptr);
/* The n bytes a call wrote at optr (of a cap-byte buffer) as a malloc'd, NUL-terminated copy
 * in *out: 0, or -EINVAL (n > cap, a range outside the plugin's memory) / -ENOMEM. */
int gen_read_output(struct xdperf_plugin *p, const char *what, uint32_t optr, uint32_t n,
		    uint32_t cap, char **out, size_t *outlen, char *err, size_t errlen);

/* The 0.11 ABI (generator_json.c). */
int gen_json_define(struct xdperf_plugin *p);   /* the goshim imports */
int gen_json_init(struct xdperf_plugin *p, const char *cfg, size_t len, char *err, size_t errlen);
int gen_json_process(struct xdperf_plugin *p, const char *req, size_t len, char **out,
		     size_t *outlen, char *err, size_t errlen);
int gen_json_cleanup(struct xdperf_plugin *p, char *err, size_t errlen);

#endif
