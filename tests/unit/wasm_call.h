/* For the engine's unit tests: loading a module from bytes or from a file of the test's
 * module directory, and calling a function with up to two integer arguments, each passed as
 * the i32 or i64 its type says. */
#ifndef XDPERF_TESTS_WASM_CALL_H
#define XDPERF_TESTS_WASM_CALL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"

/* Loads len bytes as module `name` with `features` (0: the default set): the module, or NULL
 * with *rc (xwasm_module_load's result) and err set. */
static inline xwasm_module *wasm_load_bytes(const uint8_t *buf, size_t len, const char *name,
					    uint32_t features, int *rc, char *err, size_t errlen)
{
	struct xwasm_load_opts lo = { .sz = sizeof lo, .name = name, .features = features };
	xwasm_module *m = NULL;
	err[0] = 0;
	*rc = xwasm_module_load(buf, len, &lo, &m, err, errlen);
	return m;
}

/* The same for the file DIR/NAME (at most 64 KiB); a file that cannot be opened ends the
 * test (exit 1, saying so). */
static inline xwasm_module *wasm_load_file(const char *dir, const char *name, uint32_t features,
					   int *rc, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("FAIL: cannot open %s\n", path);
		exit(1);
	}
	static uint8_t buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return wasm_load_bytes(buf, len, name, features, rc, err, errlen);
}

/* xwasm_call's result; *out (may be NULL) receives result 0, if any, *t the trap. */
static inline int wasm_call_ints(xwasm_instance *inst, xwasm_func *f, int nargs, int64_t a0,
				 int64_t a1, xwasm_val *out, struct xwasm_trap *t)
{
	const uint8_t *p, *r;
	uint32_t np, nr;
	xwasm_func_type(f, &p, &np, &r, &nr);
	xwasm_val args[2], res[4];
	int64_t av[2] = { a0, a1 };
	memset(args, 0, sizeof args);
	memset(res, 0, sizeof res);
	for (int i = 0; i < nargs && i < 2 && (uint32_t)i < np; i++) {
		args[i].type = p[i];
		if (p[i] == XWASM_I64)
			args[i].of.i64 = av[i];
		else
			args[i].of.i32 = (int32_t)av[i];
	}
	memset(t, 0, sizeof *t);
	int rc = xwasm_call(inst, f, args, (uint32_t)nargs, res, nr < 4 ? nr : 4, t);
	if (out)
		*out = res[0];
	return rc;
}

#endif
