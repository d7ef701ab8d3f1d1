/* Loads each .wasm file given and prints one line per file: the loader's return code name
 * (OK, EINVAL, ENOTSUP, ...) and its message (tests/cases/engine_unsupported.sh). With -E
 * first, the files are loaded with the default features but exception handling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdperf/wasm.h"

int main(int argc, char **argv)
{
	struct xwasm_load_opts opts = { .sz = sizeof opts };
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "-E")) {
		opts.features = XWASM_FEATURES_DEFAULT & ~XWASM_FEATURE_EXCEPTIONS;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
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
		int rc = xwasm_module_load(buf, n, &opts, &m, err, sizeof err);
		const char *name = rc == 0 ? "OK" : rc == -EINVAL ? "EINVAL" : rc == -ENOTSUP ? "ENOTSUP" :
				   "OTHER";
		printf("%s %s %s\n", argv[i], name, err);
		xwasm_module_free(m);
	}
	return 0;
}
