/* Feature names on the command line (wasm_features.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli/wasm_features.h"
#include "xdperf/wasm.h"

static const struct {
	const char *name;
	uint32_t bits;
} names[] = {
	{ "extended-const", XWASM_FEATURE_EXTENDED_CONST },
	{ "tail-call", XWASM_FEATURE_TAIL_CALL },
	{ "multi-memory", XWASM_FEATURE_MULTI_MEMORY },
	{ "threads", XWASM_FEATURE_THREADS },
	{ "memory64", XWASM_FEATURE_MEMORY64 },
	{ "exceptions", XWASM_FEATURE_EXCEPTIONS },
};

int wasm_features_parse(const char *list, uint32_t *out, char *err, size_t errlen)
{
	uint32_t set = XWASM_FEATURES_DEFAULT;
	const char *p = list;
	if (!*p) {
		snprintf(err, errlen, "--features: empty list (names: extended-const, tail-call, "
			 "multi-memory, memory64, exceptions, threads, all, none, default)");
		return -1;
	}
	for (;;) {
		size_t whole = strcspn(p, ","), len = whole;
		const char *item = p;
		bool remove = len > 0 && *item == '-';
		if (remove) {
			item++;
			len--;
		}
		uint32_t bits = 0;
		bool known = false;
		if (len == 3 && !strncmp(item, "all", 3) && !remove) {
			set = XWASM_FEATURES_ALL;
			known = true;
		} else if (len == 4 && !strncmp(item, "none", 4) && !remove) {
			set = 0;
			known = true;
		} else if (len == 7 && !strncmp(item, "default", 7) && !remove) {
			set = XWASM_FEATURES_DEFAULT;
			known = true;
		} else {
			for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
				if (strlen(names[i].name) == len && !strncmp(item, names[i].name, len)) {
					bits = names[i].bits;
					known = true;
				}
			if (remove)
				set &= ~bits;
			else
				set |= bits;
		}
		if (!known) {
			snprintf(err, errlen, "--features: unknown feature '%.*s%.*s' (names: extended-const, "
				 "tail-call, multi-memory, memory64, exceptions, threads, all, none, default; -NAME removes one)",
				 remove ? 1 : 0, "-", (int)len, item);
			return -1;
		}
		if (!p[whole])
			break;
		p += whole + 1;
	}
	*out = set | XWASM_FEATURES_EXPLICIT;
	return 0;
}
