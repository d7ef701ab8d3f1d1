/* Protocol module policy (struct xdperf_proto_policy): inheritance between levels, built-in
 * defaults, owned copies and the import check. */
#ifndef XDPERF_PLUGIN_PROTO_POLICY_H
#define XDPERF_PLUGIN_PROTO_POLICY_H

#include <stdbool.h>
#include "xdperf/hotload.h"

#define XDPERF_POLICY_PAGES 256u            /* 16 MiB */
#define XDPERF_POLICY_FUEL 100000000ull     /* 10^8 instructions per call */
#define XDPERF_POLICY_MAX_IO (1u << 20)     /* 1 MiB */
#define XDPERF_POLICY_TABLE_ELEMS (1u << 18) /* 262,144 entries = 2 MiB */
#define XDPERF_POLICY_INSTANCE_EXTRA (8ull << 20) /* instance bytes beyond linear memory */
#define XDPERF_POLICY_MODULE_FACTOR 4u      /* module bytes per byte of the memory cap */

/* Copies the caller's policy (sz-aware) into *dst, duplicating allowed_imports; src NULL gives
 * an all-inherit policy. Returns 0 or -ENOMEM. Release with xdperf_policy_release(). */
int xdperf_policy_copy(struct xdperf_proto_policy *dst, const struct xdperf_proto_policy *src);
void xdperf_policy_release(struct xdperf_proto_policy *p);
/* Fills the fields of *p that are unset (0 / NULL) from `parent` (may be NULL); strings are
 * duplicated. Returns 0 or -ENOMEM. */
int xdperf_policy_inherit(struct xdperf_proto_policy *p, const struct xdperf_proto_policy *parent);
/* Fills whatever is still unset with the built-in defaults ("*" imports, never expire). */
int xdperf_policy_finish(struct xdperf_proto_policy *p);
/* True when `module` is in the comma-separated allowed_imports list ("*" = any). */
bool xdperf_policy_allows_import(const struct xdperf_proto_policy *p, const char *module);

#endif
