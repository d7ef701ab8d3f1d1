/* xdperf wasm spectest: runs WebAssembly spec test scripts (wast2json output) against the
 * engine and counts passed / failed / skipped commands.
 *
 * Usage: xdperf wasm spectest [--verbose] [--features LIST] FILE.json...
 *
 * Every command of a script counts once, except `register` (the same accounting as wabt's
 * spectest-interp). Text-format assert_malformed (.wat) commands are counted as skipped:
 * the engine only reads binaries. Each script gets its own linker with a fresh `spectest`
 * host module; every module and instance of a script is freed when the script ends.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/wasm_features.h"
#include "xdperf/wasm.h"

#define ERRLEN 512

/* How an expected value is matched. */
enum match_kind {
	MATCH_EXACT,      /* bit-exact value */
	MATCH_NAN_CANON,  /* any canonical NaN (sign free) */
	MATCH_NAN_ARITH,  /* any arithmetic NaN (quiet bit set, sign free) */
	MATCH_NONNULL,    /* reference without a value: any non-null reference */
};

struct expect {
	uint8_t type;
	enum match_kind match;
	xwasm_val val;
	/* v128: the lane shape of the expected value and how each lane matches */
	uint8_t lane_bytes;                 /* 1, 2, 4 or 8 */
	bool lane_float;
	enum match_kind lane_match[16];
};

struct binding {
	char *name;           /* "$M" from the script */
	xwasm_instance *inst; /* NULL when that module failed */
};

/* State of one script. */
struct script {
	const char *path;   /* JSON path as given on the command line */
	char *dir;          /* its folder, for the module file names */
	bool verbose;
	uint32_t features;  /* xwasm_load_opts.features (--features) */
	unsigned passed, failed, skipped;

	/* the `spectest` host module */
	xwasm_linker *linker;
	xwasm_memory *mem;
	xwasm_table *table;
	xwasm_global *g_i32, *g_i64, *g_f32, *g_f64;

	/* everything created while running the script, freed at its end */
	xwasm_module **mods;
	size_t nmods, capmods;
	xwasm_instance **insts;
	size_t ninsts, capinsts;
	struct binding *binds;
	size_t nbinds, capbinds;
	xwasm_instance *current; /* instance of the last `module` command (NULL if it failed) */
};

/* Result of running an action. */
enum { ACT_OK = 0, ACT_TRAP = 1, ACT_ERROR = 2 };
struct act_result {
	int status;            /* ACT_* */
	xwasm_val *vals;       /* malloc'd, n entries (ACT_OK) */
	const uint8_t *types;  /* declared result types, n entries */
	uint8_t global_type;   /* storage for `get` */
	uint32_t n;
	struct xwasm_trap trap;
	char msg[ERRLEN];      /* ACT_ERROR: what went wrong */
	char desc[256];        /* "invoke \"f\"(i32:1)" for messages */
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void *xgrow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(arr, ncap * elem);
	if (!p) {
		fprintf(stderr, "xdperf wasm spectest: out of memory\n");
		exit(3);
	}
	*cap = ncap;
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		fprintf(stderr, "xdperf wasm spectest: out of memory\n");
		exit(3);
	}
	return p;
}

static void report_fail(struct script *s, int line, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report_fail(struct script *s, int line, const char *type, const char *fmt, ...)
{
	s->failed++;
	if (!s->verbose)
		return;
	va_list ap;
	printf("  %s:%d: %s: ", s->path, line, type);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int valtype_parse(const char *s, uint8_t *out)
{
	static const struct { const char *n; uint8_t t; } tab[] = {
		{ "i32", XWASM_I32 }, { "i64", XWASM_I64 }, { "f32", XWASM_F32 },
		{ "f64", XWASM_F64 }, { "v128", XWASM_V128 }, { "funcref", XWASM_FUNCREF },
		{ "externref", XWASM_EXTERNREF }, { "exnref", XWASM_EXNREF },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!strcmp(s, tab[i].n)) {
			*out = tab[i].t;
			return 0;
		}
	}
	return -EINVAL;
}

/* Formats a value of type t (the declared type; v.type is not trusted). */
static void fmt_val(char *buf, size_t len, uint8_t t, const xwasm_val *v)
{
	switch (t) {
	case XWASM_I32:
		snprintf(buf, len, "i32:%" PRIu32, (uint32_t)v->of.i32);
		break;
	case XWASM_I64:
		snprintf(buf, len, "i64:%" PRIu64, (uint64_t)v->of.i64);
		break;
	case XWASM_F32: {
		uint32_t b = v->of.f32_bits;
		float f;
		memcpy(&f, &b, sizeof(f));
		snprintf(buf, len, "f32:0x%08" PRIx32 " (%.9g)", b, (double)f);
		break;
	}
	case XWASM_F64: {
		uint64_t b = v->of.f64_bits;
		double d;
		memcpy(&d, &b, sizeof(d));
		snprintf(buf, len, "f64:0x%016" PRIx64 " (%.17g)", b, d);
		break;
	}
	case XWASM_FUNCREF:
		if (!v->of.ref)
			snprintf(buf, len, "funcref:null");
		else
			snprintf(buf, len, "funcref:%p", v->of.ref);
		break;
	case XWASM_EXTERNREF:
		if (!v->of.ref)
			snprintf(buf, len, "externref:null");
		else
			snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)v->of.ref - 1);
		break;
	case XWASM_V128: {
		int n = snprintf(buf, len, "v128:");
		for (int i = 0; i < 16 && n > 0 && (size_t)n < len; i += 4) {
			uint32_t w;
			memcpy(&w, v->of.v128 + i, 4);
			n += snprintf(buf + n, len - (size_t)n, "%s0x%08" PRIx32, i ? " " : "", w);
		}
		break;
	}
	default:
		snprintf(buf, len, "%s:?", xwasm_valtype_str(t));
	}
}

static void fmt_expect(char *buf, size_t len, const struct expect *e)
{
	switch (e->match) {
	case MATCH_NAN_CANON:
		snprintf(buf, len, "%s:nan:canonical", xwasm_valtype_str(e->type));
		break;
	case MATCH_NAN_ARITH:
		snprintf(buf, len, "%s:nan:arithmetic", xwasm_valtype_str(e->type));
		break;
	case MATCH_NONNULL:
		snprintf(buf, len, "%s:non-null", xwasm_valtype_str(e->type));
		break;
	default:
		fmt_val(buf, len, e->type, &e->val);
		if (e->type == XWASM_V128 && e->lane_float) {
			/* lanes matched as NaNs: C = canonical, A = arithmetic, . = exact */
			char m[17] = { 0 };
			bool any = false;
			for (int i = 0; i < 16 / e->lane_bytes; i++) {
				m[i] = e->lane_match[i] == MATCH_NAN_CANON ? 'C' : e->lane_match[i] == MATCH_NAN_ARITH ? 'A' : '.';
				any |= m[i] != '.';
			}
			size_t n = strlen(buf);
			if (any && n < len)
				snprintf(buf + n, len - n, " nan lanes %s", m);
		}
	}
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses a v128 value: "lane_type" and a list of lane strings (unsigned decimal bit
 * patterns; float lanes may be nan:canonical / nan:arithmetic). */
static int parse_v128(json_t *j, struct expect *e, char *err, size_t errlen)
{
	static const struct { const char *n; uint8_t bytes; bool fl; } shapes[] = {
		{ "i8", 1, false }, { "i16", 2, false }, { "i32", 4, false }, { "i64", 8, false },
		{ "f32", 4, true }, { "f64", 8, true },
	};
	const char *lt = json_string_value(json_object_get(j, "lane_type"));
	json_t *lanes = json_object_get(j, "value");
	for (size_t k = 0; lt && k < sizeof shapes / sizeof shapes[0]; k++) {
		if (strcmp(lt, shapes[k].n))
			continue;
		e->lane_bytes = shapes[k].bytes;
		e->lane_float = shapes[k].fl;
		size_t n = 16 / e->lane_bytes;
		if (!json_is_array(lanes) || json_array_size(lanes) != n) {
			snprintf(err, errlen, "v128 %s value needs %zu lanes", lt, n);
			return -EINVAL;
		}
		uint64_t max = e->lane_bytes == 8 ? UINT64_MAX : (1ull << (8 * e->lane_bytes)) - 1;
		for (size_t i = 0; i < n; i++) {
			const char *vs = json_string_value(json_array_get(lanes, i));
			uint64_t u = 0;
			if (vs && e->lane_float && !strcmp(vs, "nan:canonical"))
				e->lane_match[i] = MATCH_NAN_CANON;
			else if (vs && e->lane_float && !strcmp(vs, "nan:arithmetic"))
				e->lane_match[i] = MATCH_NAN_ARITH;
			else if (parse_u64(vs, max, &u)) {
				snprintf(err, errlen, "bad v128 %s lane %zu '%s'", lt, i, vs ? vs : "?");
				return -EINVAL;
			}
			for (unsigned b = 0; b < e->lane_bytes; b++)
				e->val.of.v128[i * e->lane_bytes + b] = (uint8_t)(u >> (8 * b));
		}
		return 0;
	}
	snprintf(err, errlen, "v128 value with unknown lane type '%s'", lt ? lt : "?");
	return -EINVAL;
}

/* Parses a {"type", "value"} object. Returns 0 or -EINVAL. */
static int parse_value(json_t *j, struct expect *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	const char *ts = json_string_value(json_object_get(j, "type"));
	if (!json_is_object(j) || !ts) {
		snprintf(err, errlen, "value without a type");
		return -EINVAL;
	}
	if (valtype_parse(ts, &e->type)) {
		snprintf(err, errlen, "unknown value type '%s'", ts);
		return -EINVAL;
	}
	e->val.type = e->type;
	if (e->type == XWASM_V128)
		return parse_v128(j, e, err, errlen);
	json_t *jv = json_object_get(j, "value");
	if (!jv && (e->type == XWASM_FUNCREF || e->type == XWASM_EXTERNREF)) {
		e->match = MATCH_NONNULL;
		return 0;
	}
	const char *vs = json_string_value(jv);
	if (!vs) {
		snprintf(err, errlen, "%s value is missing or not a string", ts);
		return -EINVAL;
	}
	uint64_t u;
	switch (e->type) {
	case XWASM_I32:
	case XWASM_F32:
		if (e->type == XWASM_F32 && !strcmp(vs, "nan:canonical")) {
			e->match = MATCH_NAN_CANON;
			return 0;
		}
		if (e->type == XWASM_F32 && !strcmp(vs, "nan:arithmetic")) {
			e->match = MATCH_NAN_ARITH;
			return 0;
		}
		if (parse_u64(vs, UINT32_MAX, &u))
			goto bad;
		if (e->type == XWASM_I32)
			e->val.of.i32 = (int32_t)(uint32_t)u;
		else
			e->val.of.f32_bits = (uint32_t)u;
		return 0;
	case XWASM_I64:
	case XWASM_F64:
		if (e->type == XWASM_F64 && !strcmp(vs, "nan:canonical")) {
			e->match = MATCH_NAN_CANON;
			return 0;
		}
		if (e->type == XWASM_F64 && !strcmp(vs, "nan:arithmetic")) {
			e->match = MATCH_NAN_ARITH;
			return 0;
		}
		if (parse_u64(vs, UINT64_MAX, &u))
			goto bad;
		if (e->type == XWASM_I64)
			e->val.of.i64 = (int64_t)u;
		else
			e->val.of.f64_bits = u;
		return 0;
	case XWASM_FUNCREF:
		if (!strcmp(vs, "null")) {
			e->val.of.ref = NULL;
			return 0;
		}
		snprintf(err, errlen, "funcref value '%s' cannot be constructed by the host", vs);
		return -EINVAL;
	case XWASM_EXTERNREF:
		if (!strcmp(vs, "null")) {
			e->val.of.ref = NULL;
			return 0;
		}
		/* host reference N; +1 keeps N = 0 distinct from null */
		if (parse_u64(vs, UINTPTR_MAX - 1, &u))
			goto bad;
		e->val.of.ref = (void *)(uintptr_t)(u + 1);
		return 0;
	}
bad:
	snprintf(err, errlen, "bad %s value '%s'", ts, vs);
	return -EINVAL;
}

static bool value_matches(const struct expect *e, uint8_t actual_type, const xwasm_val *v)
{
	if (e->type != actual_type)
		return false;
	switch (e->type) {
	case XWASM_I32:
		return (uint32_t)v->of.i32 == (uint32_t)e->val.of.i32;
	case XWASM_I64:
		return (uint64_t)v->of.i64 == (uint64_t)e->val.of.i64;
	case XWASM_F32:
		switch (e->match) {
		case MATCH_NAN_CANON:
			return (v->of.f32_bits & 0x7fffffffu) == 0x7fc00000u;
		case MATCH_NAN_ARITH:
			return (v->of.f32_bits & 0x7fc00000u) == 0x7fc00000u;
		default:
			return v->of.f32_bits == e->val.of.f32_bits;
		}
	case XWASM_F64:
		switch (e->match) {
		case MATCH_NAN_CANON:
			return (v->of.f64_bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
		case MATCH_NAN_ARITH:
			return (v->of.f64_bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
		default:
			return v->of.f64_bits == e->val.of.f64_bits;
		}
	case XWASM_FUNCREF:
	case XWASM_EXTERNREF:
		if (e->match == MATCH_NONNULL)
			return v->of.ref != NULL;
		return v->of.ref == e->val.of.ref;
	case XWASM_V128:
		for (int i = 0; i < 16 / e->lane_bytes; i++) {
			const uint8_t *got = v->of.v128 + i * e->lane_bytes;
			uint64_t g = 0;
			for (unsigned b = 0; b < e->lane_bytes; b++)
				g |= (uint64_t)got[b] << (8 * b);
			uint64_t sign = 1ull << (8 * e->lane_bytes - 1);
			uint64_t quiet = e->lane_bytes == 4 ? 0x7fc00000ull : 0x7ff8000000000000ull;
			switch (e->lane_match[i]) {
			case MATCH_NAN_CANON:
				if ((g & ~sign) != quiet)
					return false;
				break;
			case MATCH_NAN_ARITH:
				if ((g & quiet) != quiet)
					return false;
				break;
			default:
				if (memcmp(got, e->val.of.v128 + i * e->lane_bytes, e->lane_bytes))
					return false;
			}
		}
		return true;
	default:
		return false;
	}
}

/* ---- the spectest host module ------------------------------------------------------------ */

static int host_print(xwasm_instance *caller, void *user, const xwasm_val *args, xwasm_val *results)
{
	/* Printing is optional and never checked: stay quiet. */
	return 0;
}

static int spectest_setup(struct script *s, char *err, size_t errlen)
{
	static const uint8_t t_i32[] = { XWASM_I32 }, t_i64[] = { XWASM_I64 },
			     t_f32[] = { XWASM_F32 }, t_f64[] = { XWASM_F64 },
			     t_i32_f32[] = { XWASM_I32, XWASM_F32 },
			     t_f64_f64[] = { XWASM_F64, XWASM_F64 };
	static const struct {
		const char *name;
		const uint8_t *params;
		uint32_t n;
	} funcs[] = {
		{ "print", NULL, 0 },
		{ "print_i32", t_i32, 1 },
		{ "print_i64", t_i64, 1 },
		{ "print_f32", t_f32, 1 },
		{ "print_f64", t_f64, 1 },
		{ "print_i32_f32", t_i32_f32, 2 },
		{ "print_f64_f64", t_f64_f64, 2 },
	};
	int rc;

	s->linker = xwasm_linker_new();
	if (!s->linker) {
		snprintf(err, errlen, "cannot create linker");
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		rc = xwasm_linker_define_func(s->linker, "spectest", funcs[i].name, funcs[i].params,
					      funcs[i].n, NULL, 0, host_print, s);
		if (rc) {
			snprintf(err, errlen, "cannot define spectest.%s: %s", funcs[i].name,
				 strerror(-rc));
			return rc;
		}
	}

	xwasm_val v;
	memset(&v, 0, sizeof(v));
	v.type = XWASM_I32;
	v.of.i32 = 666;
	s->g_i32 = xwasm_global_new(v, false);
	memset(&v, 0, sizeof(v));
	v.type = XWASM_I64;
	v.of.i64 = 666;
	s->g_i64 = xwasm_global_new(v, false);
	memset(&v, 0, sizeof(v));
	v.type = XWASM_F32;
	v.of.f32 = 666.6f;
	s->g_f32 = xwasm_global_new(v, false);
	memset(&v, 0, sizeof(v));
	v.type = XWASM_F64;
	v.of.f64 = 666.6;
	s->g_f64 = xwasm_global_new(v, false);
	s->table = xwasm_table_new(XWASM_FUNCREF, 10, 20);
	s->mem = xwasm_memory_new(1, 2);
	if (!s->g_i32 || !s->g_i64 || !s->g_f32 || !s->g_f64 || !s->table || !s->mem) {
		snprintf(err, errlen, "cannot create the spectest globals/table/memory");
		return -ENOMEM;
	}
	if ((rc = xwasm_linker_define_global(s->linker, "spectest", "global_i32", s->g_i32)) ||
	    (rc = xwasm_linker_define_global(s->linker, "spectest", "global_i64", s->g_i64)) ||
	    (rc = xwasm_linker_define_global(s->linker, "spectest", "global_f32", s->g_f32)) ||
	    (rc = xwasm_linker_define_global(s->linker, "spectest", "global_f64", s->g_f64)) ||
	    (rc = xwasm_linker_define_table(s->linker, "spectest", "table", s->table)) ||
	    (rc = xwasm_linker_define_memory(s->linker, "spectest", "memory", s->mem))) {
		snprintf(err, errlen, "cannot define the spectest externs: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* Frees everything a script created: instances (newest first, so importers go before the
 * instances they import from), modules, the linker, then the host externs. */
static void script_cleanup(struct script *s)
{
	while (s->ninsts)
		xwasm_instance_free(s->insts[--s->ninsts]);
	for (size_t i = 0; i < s->nmods; i++)
		xwasm_module_free(s->mods[i]);
	if (s->linker)
		xwasm_linker_free(s->linker);
	if (s->table)
		xwasm_table_free(s->table);
	if (s->mem)
		xwasm_memory_free(s->mem);
	if (s->g_i32)
		xwasm_global_free(s->g_i32);
	if (s->g_i64)
		xwasm_global_free(s->g_i64);
	if (s->g_f32)
		xwasm_global_free(s->g_f32);
	if (s->g_f64)
		xwasm_global_free(s->g_f64);
	for (size_t i = 0; i < s->nbinds; i++)
		free(s->binds[i].name);
	free(s->binds);
	free(s->insts);
	free(s->mods);
	free(s->dir);
	s->binds = NULL;
	s->insts = NULL;
	s->mods = NULL;
	s->dir = NULL;
	s->linker = NULL;
	s->table = NULL;
	s->mem = NULL;
	s->g_i32 = s->g_i64 = s->g_f32 = s->g_f64 = NULL;
	s->nmods = s->nbinds = 0;
	s->current = NULL;
}

/* ---- modules ------------------------------------------------------------------------------ */

static int read_file(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		buf = xgrow(buf, &cap, n + 65536, 1);
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "cannot read %s", path);
		return -EIO;
	}
	*out = buf;
	*len = n;
	return 0;
}

static char *module_path(const struct script *s, const char *filename)
{
	if (filename[0] == '/' || !s->dir[0])
		return xstrdup(filename);
	size_t len = strlen(s->dir) + strlen(filename) + 2;
	char *p = malloc(len);
	if (!p) {
		fprintf(stderr, "xdperf wasm spectest: out of memory\n");
		exit(3);
	}
	snprintf(p, len, "%s/%s", s->dir, filename);
	return p;
}

/* Loads the module file named by the command. Returns 0 with *m, -ENOENT-ish (file problem,
 * err filled, *file_error set) or the engine's error. The module is owned by the script. */
static int load_module(struct script *s, json_t *cmd, xwasm_module **m, bool *file_error,
		       char *err, size_t errlen)
{
	*m = NULL;
	*file_error = true;
	const char *fn = json_string_value(json_object_get(cmd, "filename"));
	if (!fn) {
		snprintf(err, errlen, "command has no filename");
		return -EINVAL;
	}
	char *path = module_path(s, fn);
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = read_file(path, &bytes, &len, err, errlen);
	free(path);
	if (rc)
		return rc;
	*file_error = false;
	struct xwasm_load_opts lo = { .sz = sizeof(lo), .name = fn, .features = s->features };
	char eerr[ERRLEN] = "";
	rc = xwasm_module_load(bytes, len, &lo, m, eerr, sizeof(eerr));
	free(bytes);
	if (rc) {
		*m = NULL;
		snprintf(err, errlen, "%s: %s (%s)", fn, eerr[0] ? eerr : "load failed",
			 rc == -ENOTSUP ? "unsupported feature" : strerror(-rc));
		return rc;
	}
	s->mods = xgrow(s->mods, &s->capmods, s->nmods + 1, sizeof(*s->mods));
	s->mods[s->nmods++] = *m;
	return 0;
}

static int instantiate(struct script *s, xwasm_module *m, xwasm_instance **out,
		       struct xwasm_trap *trap, char *err, size_t errlen)
{
	/* Defaults: bounded call depth (assert_exhaustion), 64 Ki page cap. */
	struct xwasm_instance_opts io = { .sz = sizeof(io) };
	xwasm_instance *inst = NULL;
	memset(trap, 0, sizeof(*trap));
	err[0] = 0;
	int rc = xwasm_instance_new(m, s->linker, &io, &inst, trap, err, errlen);
	if (rc) {
		*out = NULL;
		return rc;
	}
	s->insts = xgrow(s->insts, &s->capinsts, s->ninsts + 1, sizeof(*s->insts));
	s->insts[s->ninsts++] = inst;
	*out = inst;
	return 0;
}

static void bind_name(struct script *s, const char *name, xwasm_instance *inst)
{
	s->binds = xgrow(s->binds, &s->capbinds, s->nbinds + 1, sizeof(*s->binds));
	s->binds[s->nbinds].name = xstrdup(name);
	s->binds[s->nbinds].inst = inst;
	s->nbinds++;
}

/* The instance a command refers to: named (latest binding of that name) or current. */
static xwasm_instance *lookup_instance(struct script *s, const char *name, char *err, size_t errlen)
{
	if (!name) {
		if (!s->current)
			snprintf(err, errlen, "no current module (the last module failed or none yet)");
		return s->current;
	}
	for (size_t i = s->nbinds; i-- > 0;) {
		if (!strcmp(s->binds[i].name, name)) {
			if (!s->binds[i].inst)
				snprintf(err, errlen, "module %s failed to instantiate", name);
			return s->binds[i].inst;
		}
	}
	snprintf(err, errlen, "no module named %s", name);
	return NULL;
}

static const char *engine_err_name(int rc)
{
	switch (rc) {
	case 0: return "success";
	case XWASM_ETRAP: return "trap";
	case -ENOENT: return "ENOENT";
	case -EINVAL: return "EINVAL";
	case -ENOTSUP: return "ENOTSUP";
	case -ENOMEM: return "ENOMEM";
	default: return strerror(rc < 0 ? -rc : rc);
	}
}

/* Copies src to dst with control bytes escaped, so that a message stays on one line. */
static void escape_str(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)src;
	for (const unsigned char *end = p + srclen; p < end && o + 5 < len; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '"')
			o += (size_t)snprintf(dst + o, len - o, "\\x%02x", *p);
		else
			dst[o++] = (char)*p;
	}
	dst[o] = 0;
}

/* ---- actions ------------------------------------------------------------------------------ */

static void act_free(struct act_result *r)
{
	free(r->vals);
	r->vals = NULL;
}

static void run_action(struct script *s, json_t *action, struct act_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = ACT_ERROR;
	const char *type = json_string_value(json_object_get(action, "type"));
	const char *field = json_string_value(json_object_get(action, "field"));
	const char *modname = json_string_value(json_object_get(action, "module"));
	if (!json_is_object(action) || !type || !field) {
		snprintf(r->msg, sizeof(r->msg), "malformed action");
		snprintf(r->desc, sizeof(r->desc), "action");
		return;
	}
	char ename[128];
	escape_str(ename, sizeof(ename), field, json_string_length(json_object_get(action, "field")));
	snprintf(r->desc, sizeof(r->desc), "%s%s%s \"%s\"", type, modname ? " " : "",
		 modname ? modname : "", ename);

	json_t *jargs = json_object_get(action, "args");
	if (jargs && !json_is_array(jargs)) {
		snprintf(r->msg, sizeof(r->msg), "args is not an array");
		return;
	}
	size_t nargs = json_array_size(jargs);
	xwasm_val *args = calloc(nargs ? nargs : 1, sizeof(*args));
	if (!args) {
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return;
	}
	/* describe the call: invoke "f"(i32:1, f32:...) */
	if (!strcmp(type, "invoke")) {
		size_t dl = strlen(r->desc);
		snprintf(r->desc + dl, sizeof(r->desc) - dl, "(");
	}
	for (size_t i = 0; i < nargs; i++) {
		struct expect e;
		char perr[128];
		int rc = parse_value(json_array_get(jargs, i), &e, perr, sizeof(perr));
		if (rc || e.match != MATCH_EXACT) {
			snprintf(r->msg, sizeof(r->msg), "argument %zu: %s", i,
				 rc ? perr : "not a concrete value");
			size_t dl = strlen(r->desc);
			snprintf(r->desc + dl, sizeof(r->desc) - dl, "%s?)", i ? ", " : "");
			free(args);
			return;
		}
		args[i] = e.val;
		char vb[80];
		fmt_val(vb, sizeof(vb), e.type, &e.val);
		size_t dl = strlen(r->desc);
		snprintf(r->desc + dl, sizeof(r->desc) - dl, "%s%s", i ? ", " : "", vb);
	}
	if (!strcmp(type, "invoke")) {
		size_t dl = strlen(r->desc);
		snprintf(r->desc + dl, sizeof(r->desc) - dl, ")");
	}

	/* export names may contain NUL bytes (names.wast): look up by length */
	size_t flen = json_string_length(json_object_get(action, "field"));
	xwasm_instance *inst = lookup_instance(s, modname, r->msg, sizeof(r->msg));
	if (!inst) {
		free(args);
		return;
	}

	if (!strcmp(type, "get")) {
		free(args);
		xwasm_global *g = xwasm_instance_global_n(inst, field, flen);
		if (!g) {
			snprintf(r->msg, sizeof(r->msg), "no exported global \"%s\"", ename);
			return;
		}
		r->vals = calloc(1, sizeof(*r->vals));
		if (!r->vals) {
			snprintf(r->msg, sizeof(r->msg), "out of memory");
			return;
		}
		r->vals[0] = xwasm_global_get(g);
		r->global_type = xwasm_global_type(g);
		r->types = &r->global_type;
		r->n = 1;
		r->status = ACT_OK;
		return;
	}
	if (strcmp(type, "invoke")) {
		snprintf(r->msg, sizeof(r->msg), "unknown action type '%s'", type);
		free(args);
		return;
	}

	xwasm_func *f = xwasm_instance_func_n(inst, field, flen);
	if (!f) {
		snprintf(r->msg, sizeof(r->msg), "no exported function \"%s\"", ename);
		free(args);
		return;
	}
	const uint8_t *params, *results;
	uint32_t nparams, nresults;
	xwasm_func_type(f, &params, &nparams, &results, &nresults);
	r->vals = calloc(nresults ? nresults : 1, sizeof(*r->vals));
	if (!r->vals) {
		free(args);
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return;
	}

	if (nargs != nparams) {
		snprintf(r->msg, sizeof(r->msg), "function takes %" PRIu32 " arguments, script gives %zu",
			 nparams, nargs);
		free(args);
		return;
	}
	for (uint32_t i = 0; i < nparams; i++) {
		if (args[i].type != params[i]) {
			snprintf(r->msg, sizeof(r->msg), "argument %" PRIu32 " is %s, function expects %s",
				 i, xwasm_valtype_str(args[i].type), xwasm_valtype_str(params[i]));
			free(args);
			return;
		}
	}

	int rc = xwasm_call(inst, f, args, (uint32_t)nargs, r->vals, nresults, &r->trap);
	free(args);
	if (rc == 0) {
		r->status = ACT_OK;
		r->types = results;
		r->n = nresults;
	} else if (rc == XWASM_ETRAP) {
		r->status = ACT_TRAP;
	} else {
		snprintf(r->msg, sizeof(r->msg), "xwasm_call failed: %s%s%s", engine_err_name(rc),
			 r->trap.message[0] ? ": " : "", r->trap.message);
	}
}

static void describe_outcome(const struct act_result *r, char *buf, size_t len)
{
	if (r->status == ACT_TRAP) {
		snprintf(buf, len, "trap \"%s\" (%s)", xwasm_trap_kind_str(r->trap.kind),
			 r->trap.message);
	} else if (r->status == ACT_ERROR) {
		snprintf(buf, len, "error: %s", r->msg);
	} else {
		size_t off = 0;
		off += (size_t)snprintf(buf, len, "returned [");
		for (uint32_t i = 0; i < r->n && off < len; i++) {
			char vb[80];
			fmt_val(vb, sizeof(vb), r->types[i], &r->vals[i]);
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", vb);
		}
		if (off < len)
			snprintf(buf + off, len - off, "]");
	}
}

/* Does a trap of `kind` satisfy the script's expected message? The scripts' texts are the
 * spec wording, sometimes followed by detail ("uninitialized element 2"). */
static bool trap_matches(enum xwasm_trap_kind kind, const char *text)
{
	const char *k = xwasm_trap_kind_str(kind);
	if (!k || !*k || !text)
		return false;
	size_t kl = strlen(k), tl = strlen(text);
	if (tl >= kl)
		return !strncmp(text, k, kl);
	return !strncmp(k, text, tl);
}

/* ---- commands ------------------------------------------------------------------------------ */

static void cmd_module(struct script *s, json_t *cmd, int line)
{
	const char *name = json_string_value(json_object_get(cmd, "name"));
	xwasm_module *m;
	bool ferr;
	char err[ERRLEN];
	s->current = NULL;
	int rc = load_module(s, cmd, &m, &ferr, err, sizeof(err));
	if (rc) {
		report_fail(s, line, "module", "expected the module to load, got %s", err);
		if (name)
			bind_name(s, name, NULL);
		return;
	}
	xwasm_instance *inst;
	struct xwasm_trap trap;
	rc = instantiate(s, m, &inst, &trap, err, sizeof(err));
	if (rc) {
		if (rc == XWASM_ETRAP)
			report_fail(s, line, "module", "expected instantiation to succeed, got trap \"%s\" (%s)",
				    xwasm_trap_kind_str(trap.kind), trap.message);
		else
			report_fail(s, line, "module", "expected instantiation to succeed, got %s: %s",
				    engine_err_name(rc), err);
		if (name)
			bind_name(s, name, NULL);
		return;
	}
	s->current = inst;
	if (name)
		bind_name(s, name, inst);
	s->passed++;
}

static void cmd_register(struct script *s, json_t *cmd, int line)
{
	const char *name = json_string_value(json_object_get(cmd, "name"));
	const char *as = json_string_value(json_object_get(cmd, "as"));
	char err[ERRLEN];
	if (!as) {
		if (s->verbose)
			printf("  %s:%d: register: no \"as\" name (not counted)\n", s->path, line);
		return;
	}
	xwasm_instance *inst = lookup_instance(s, name, err, sizeof(err));
	if (!inst) {
		if (s->verbose)
			printf("  %s:%d: register \"%s\": %s (not counted)\n", s->path, line, as, err);
		return;
	}
	int rc = xwasm_linker_define_instance(s->linker, as, inst);
	if (rc && s->verbose)
		printf("  %s:%d: register \"%s\": xwasm_linker_define_instance failed: %s (not counted)\n",
		       s->path, line, as, engine_err_name(rc));
}

static void cmd_assert_return(struct script *s, json_t *cmd, int line, const char *type)
{
	json_t *jexp = json_object_get(cmd, "expected");
	size_t nexp = json_is_array(jexp) ? json_array_size(jexp) : 0;
	struct expect *exp = calloc(nexp ? nexp : 1, sizeof(*exp));
	char err[ERRLEN];
	if (!exp) {
		report_fail(s, line, type, "out of memory");
		return;
	}
	if (jexp && !json_is_array(jexp)) {
		report_fail(s, line, type, "\"expected\" is not an array");
		free(exp);
		return;
	}
	for (size_t i = 0; i < nexp; i++) {
		int rc = parse_value(json_array_get(jexp, i), &exp[i], err, sizeof(err));
		if (rc) {
			report_fail(s, line, type, "expected value %zu: %s", i, err);
			free(exp);
			return;
		}
	}
	struct act_result r;
	run_action(s, json_object_get(cmd, "action"), &r);
	char got[1024];
	if (r.status != ACT_OK) {
		describe_outcome(&r, got, sizeof(got));
		report_fail(s, line, type, "%s: expected a return, got %s", r.desc, got);
		goto out;
	}
	bool ok = r.n == nexp;
	for (size_t i = 0; ok && i < nexp; i++)
		ok = value_matches(&exp[i], r.types[i], &r.vals[i]);
	if (ok) {
		s->passed++;
	} else {
		char want[1024];
		size_t off = (size_t)snprintf(want, sizeof(want), "[");
		for (size_t i = 0; i < nexp && off < sizeof(want); i++) {
			char vb[80];
			fmt_expect(vb, sizeof(vb), &exp[i]);
			off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s", i ? ", " : "", vb);
		}
		if (off < sizeof(want))
			snprintf(want + off, sizeof(want) - off, "]");
		describe_outcome(&r, got, sizeof(got));
		report_fail(s, line, type, "%s: expected %s, got %s", r.desc, want, got);
	}
out:
	act_free(&r);
	free(exp);
}

static void cmd_action(struct script *s, json_t *cmd, int line)
{
	struct act_result r;
	run_action(s, json_object_get(cmd, "action"), &r);
	if (r.status == ACT_OK) {
		s->passed++;
	} else {
		char got[1024];
		describe_outcome(&r, got, sizeof(got));
		report_fail(s, line, "action", "%s: expected to run without trapping, got %s", r.desc, got);
	}
	act_free(&r);
}

/* assert_uninstantiable (and assert_trap on a module): links, then traps while instantiating. */
static void cmd_uninstantiable(struct script *s, json_t *cmd, int line, const char *type)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	xwasm_module *m;
	bool ferr;
	char err[ERRLEN];
	int rc = load_module(s, cmd, &m, &ferr, err, sizeof(err));
	if (rc) {
		report_fail(s, line, type, "expected a valid module, got %s", err);
		return;
	}
	xwasm_instance *inst;
	struct xwasm_trap trap;
	rc = instantiate(s, m, &inst, &trap, err, sizeof(err));
	if (rc == XWASM_ETRAP && trap_matches(trap.kind, text)) {
		s->passed++;
	} else if (rc == XWASM_ETRAP) {
		report_fail(s, line, type, "expected trap \"%s\", got trap \"%s\" (%s)", text ? text : "?",
			    xwasm_trap_kind_str(trap.kind), trap.message);
	} else if (rc == 0) {
		report_fail(s, line, type, "expected trap \"%s\", instantiation succeeded", text ? text : "?");
	} else {
		report_fail(s, line, type, "expected trap \"%s\", got %s: %s", text ? text : "?",
			    engine_err_name(rc), err);
	}
}

static void cmd_assert_trap(struct script *s, json_t *cmd, int line, const char *type,
			    bool exhaustion)
{
	if (!json_object_get(cmd, "action") && json_object_get(cmd, "filename")) {
		cmd_uninstantiable(s, cmd, line, type);
		return;
	}
	const char *text = json_string_value(json_object_get(cmd, "text"));
	if (!text)
		text = exhaustion ? "call stack exhausted" : "?";
	struct act_result r;
	run_action(s, json_object_get(cmd, "action"), &r);
	bool ok = r.status == ACT_TRAP && trap_matches(r.trap.kind, text);
	if (exhaustion)
		ok = ok && r.trap.kind == XWASM_TRAP_STACK_EXHAUSTED;
	if (ok) {
		s->passed++;
	} else {
		char got[1024];
		describe_outcome(&r, got, sizeof(got));
		report_fail(s, line, type, "%s: expected trap \"%s\", got %s", r.desc, text, got);
	}
	act_free(&r);
}

/* assert_exception (exception handling): the action must end with an uncaught WebAssembly
 * exception, which the engine reports as XWASM_TRAP_EXCEPTION. */
static void cmd_assert_exception(struct script *s, json_t *cmd, int line, const char *type)
{
	struct act_result r;
	run_action(s, json_object_get(cmd, "action"), &r);
	if (r.status == ACT_TRAP && r.trap.kind == XWASM_TRAP_EXCEPTION) {
		s->passed++;
	} else {
		char got[1024];
		describe_outcome(&r, got, sizeof(got));
		report_fail(s, line, type, "%s: expected an uncaught exception, got %s", r.desc, got);
	}
	act_free(&r);
}

static bool is_text_module(json_t *cmd)
{
	const char *mt = json_string_value(json_object_get(cmd, "module_type"));
	const char *fn = json_string_value(json_object_get(cmd, "filename"));
	if (mt)
		return !strcmp(mt, "text");
	size_t l = fn ? strlen(fn) : 0;
	return l > 4 && !strcmp(fn + l - 4, ".wat");
}

/* assert_invalid / assert_malformed (binary): the module must be rejected by the loader. */
static void cmd_reject(struct script *s, json_t *cmd, int line, const char *type)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	if (is_text_module(cmd)) {
		s->skipped++;
		return;
	}
	xwasm_module *m;
	bool ferr;
	char err[ERRLEN];
	int rc = load_module(s, cmd, &m, &ferr, err, sizeof(err));
	if (rc == 0) {
		report_fail(s, line, type, "expected rejection \"%s\", the module loaded", text ? text : "?");
	} else if (ferr) {
		report_fail(s, line, type, "%s", err);
	} else if (rc == -EINVAL) {
		s->passed++;
	} else {
		report_fail(s, line, type, "expected rejection \"%s\" (EINVAL), got %s", text ? text : "?",
			    err);
	}
}

static void cmd_unlinkable(struct script *s, json_t *cmd, int line, const char *type)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	xwasm_module *m;
	bool ferr;
	char err[ERRLEN];
	int rc = load_module(s, cmd, &m, &ferr, err, sizeof(err));
	if (rc) {
		report_fail(s, line, type, "expected a valid module, got %s", err);
		return;
	}
	xwasm_instance *inst;
	struct xwasm_trap trap;
	rc = instantiate(s, m, &inst, &trap, err, sizeof(err));
	/* "unknown import" = -ENOENT, "incompatible import type" = -EINVAL */
	int want = 0;
	if (text && !strncmp(text, "unknown import", 14))
		want = -ENOENT;
	else if (text && !strncmp(text, "incompatible import type", 24))
		want = -EINVAL;
	if (rc != 0 && rc != XWASM_ETRAP && (want == 0 ? (rc == -ENOENT || rc == -EINVAL) : rc == want)) {
		s->passed++;
	} else if (rc == 0) {
		report_fail(s, line, type, "expected link error \"%s\", instantiation succeeded",
			    text ? text : "?");
	} else if (rc == XWASM_ETRAP) {
		report_fail(s, line, type, "expected link error \"%s\", got trap \"%s\" (%s)",
			    text ? text : "?", xwasm_trap_kind_str(trap.kind), trap.message);
	} else {
		report_fail(s, line, type, "expected link error \"%s\", got %s: %s", text ? text : "?",
			    engine_err_name(rc), err);
	}
}

/* ---- scripts ------------------------------------------------------------------------------- */

static void run_command(struct script *s, json_t *cmd, size_t idx)
{
	const char *type = json_string_value(json_object_get(cmd, "type"));
	json_t *jl = json_object_get(cmd, "line");
	int line = json_is_integer(jl) ? (int)json_integer_value(jl) : 0;
	if (!json_is_object(cmd) || !type) {
		report_fail(s, line, "?", "command %zu is not an object with a \"type\"", idx);
		return;
	}
	if (!strcmp(type, "module"))
		cmd_module(s, cmd, line);
	else if (!strcmp(type, "register"))
		cmd_register(s, cmd, line);
	else if (!strcmp(type, "action"))
		cmd_action(s, cmd, line);
	else if (!strcmp(type, "assert_return"))
		cmd_assert_return(s, cmd, line, type);
	else if (!strcmp(type, "assert_trap"))
		cmd_assert_trap(s, cmd, line, type, false);
	else if (!strcmp(type, "assert_exhaustion"))
		cmd_assert_trap(s, cmd, line, type, true);
	else if (!strcmp(type, "assert_exception"))
		cmd_assert_exception(s, cmd, line, type);
	else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed"))
		cmd_reject(s, cmd, line, type);
	else if (!strcmp(type, "assert_unlinkable"))
		cmd_unlinkable(s, cmd, line, type);
	else if (!strcmp(type, "assert_uninstantiable"))
		cmd_uninstantiable(s, cmd, line, type);
	else
		report_fail(s, line, type, "unknown command type");
}

static void run_script(struct script *s)
{
	json_error_t jerr;
	char err[ERRLEN];
	json_t *root = json_load_file(s->path, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		if (jerr.line > 0)
			fprintf(stderr, "%s: error: malformed JSON (line %d): %s\n", s->path,
				jerr.line, jerr.text);
		else
			fprintf(stderr, "%s: error: cannot load JSON: %s\n", s->path, jerr.text);
		s->failed++;
		return;
	}
	json_t *cmds = json_object_get(root, "commands");
	if (!json_is_array(cmds)) {
		fprintf(stderr, "%s: error: no \"commands\" array (not a wast2json script?)\n", s->path);
		s->failed++;
		json_decref(root);
		return;
	}
	const char *slash = strrchr(s->path, '/');
	s->dir = slash ? strndup(s->path, (size_t)(slash - s->path)) : xstrdup("");
	if (slash && slash == s->path) {
		free(s->dir);
		s->dir = xstrdup("/");
	}
	if (!s->dir) {
		fprintf(stderr, "xdperf wasm spectest: out of memory\n");
		exit(3);
	}
	if (spectest_setup(s, err, sizeof(err))) {
		fprintf(stderr, "%s: error: spectest host module: %s\n", s->path, err);
		s->failed++;
	} else {
		size_t n = json_array_size(cmds);
		for (size_t i = 0; i < n; i++)
			run_command(s, json_array_get(cmds, i), i);
	}
	script_cleanup(s);
	json_decref(root);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xdperf wasm spectest [--verbose] [--features LIST] FILE.json...\n"
		   "  Runs wast2json output (WebAssembly spec test scripts) against the engine.\n"
		   "  Prints 'FILE: P passed, F failed, S skipped' per file and the totals;\n"
		   "  exits 0 only when nothing failed. -v/--verbose lists every failure.\n"
		   "  --features LIST: post-2.0 features to load with, from the default set\n"
		   "  (extended-const,tail-call,memory64,exceptions,threads): NAME adds, -NAME removes;\n"
		   "  all, none, default.\n");
}

int cmd_wasm_spectest(int argc, char **argv)
{
	bool verbose = false, after_dd = false;
	uint32_t features = 0;
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (after_dd || argv[i][0] != '-' || !argv[i][1])
			continue;
		if (!strcmp(argv[i], "--")) {
			after_dd = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--features") || !strncmp(argv[i], "--features=", 11)) {
			const char *list = argv[i][10] == '=' ? argv[i] + 11 : i + 1 < argc ? argv[++i] : NULL;
			char ferr[256];
			if (!list) {
				fprintf(stderr, "xdperf wasm spectest: --features needs a LIST\n");
				return 2;
			}
			if (wasm_features_parse(list, &features, ferr, sizeof ferr)) {
				fprintf(stderr, "xdperf wasm spectest: %s\n", ferr);
				return 2;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			static const char *const names[] = { "--verbose", "--features", "--help", NULL };
			cli_unknown_option("wasm spectest", argv[i], NULL, names);
			return 2;
		}
	}
	/* Files: every non-option argument (options may be anywhere before "--"). */
	unsigned long tp = 0, tf = 0, ts = 0;
	after_dd = false;
	for (int i = 1; i < argc; i++) {
		if (!after_dd && !strcmp(argv[i], "--")) {
			after_dd = true;
			continue;
		}
		if (!after_dd && !strcmp(argv[i], "--features")) {
			i++; /* and its LIST */
			continue;
		}
		if (!after_dd && argv[i][0] == '-' && argv[i][1])
			continue;
		struct script s;
		memset(&s, 0, sizeof(s));
		s.path = argv[i];
		s.verbose = verbose;
		s.features = features;
		run_script(&s);
		printf("%s: %u passed, %u failed, %u skipped\n", s.path, s.passed, s.failed, s.skipped);
		fflush(stdout);
		tp += s.passed;
		tf += s.failed;
		ts += s.skipped;
		nfiles++;
	}
	if (!nfiles) {
		usage(stderr);
		return 2;
	}
	printf("%lu passed, %lu failed, %lu skipped\n", tp, tf, ts);
	return tf ? 1 : 0;
}
