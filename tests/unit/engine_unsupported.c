/* Loads each .wasm file given and prints one line per file: the loader's return code name
 * (OK, EINVAL, ENOTSUP, ...) and its message (tests/cases/engine_unsupported.sh). With
 * XW_TEST_FEATURES set (a number), loads with that features value instead of the default. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			printf("%s NOFILE\n", argv[i]);
			continue;
		}
		static unsigned char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		xwasm_module *m = NULL;
		char err[300] = "";
		const char *fs = getenv("XW_TEST_FEATURES");
		struct xwasm_load_opts lo = { .sz = sizeof(lo),
					      .features = fs ? (uint32_t)strtoul(fs, NULL, 0) : 0 };
		int rc = xwasm_module_load(buf, n, &lo, &m, err, sizeof err);
		const char *name = rc == 0 ? "OK" : rc == -EINVAL ? "EINVAL" : rc == -ENOTSUP ? "ENOTSUP" :
				   "OTHER";
		printf("%s %s %s\n", argv[i], name, err);
		xwasm_module_free(m);
	}
	return 0;
}
