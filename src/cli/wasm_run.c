/* xdperf wasm run FILE.wasm [--fuel N] [--max-pages N] [--env K=V] [--dir HOST[:GUEST][:ro|:rw]]
 *                [--invoke NAME [ARGS...]] [-- GUEST_ARGS...]
 *
 * Without --invoke the module is run as a WASI command (_start); the exit status is the guest's
 * proc_exit code (0 when _start returns). With --invoke NAME, the export NAME is called with
 * ARGS parsed per its parameter types and its results are printed one per line. A reactor's
 * _initialize export is called before NAME. Errors and traps exit 1, command-line misuse 2.
 * --dir grants the guest a host directory (WASI preopen, fds 3, 4, ... in order given).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_util.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "xdperf/wasm.h"
#include "xdperf/wasi.h"
#include "cli/wasm_features.h"

#define PFX "xdperf wasm run: "
#define MAX_FILE_SIZE (1024u * 1024u * 1024u)

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: xdperf wasm run FILE.wasm [--fuel N] [--max-pages N] [--env NAME=VALUE]...\n"
		"                                 [--dir HOST[:GUEST][:ro|:rw]]... [--features LIST]\n"
		"                                 [--invoke NAME [ARGS...]] [-- GUEST_ARGS...]\n"
		"  Runs a WASI command module (_start; exit status = proc_exit code), or with --invoke\n"
		"  calls the exported function NAME with ARGS (i32/i64: decimal or 0x hex; f32/f64:\n"
		"  decimal, inf, nan) and prints its results one per line.\n"
		"  --fuel N        instruction budget per call (trap \"fuel exhausted\" beyond)\n"
		"  --max-pages N   cap on linear memory size in 64 KiB pages\n"
		"  --env NAME=VALUE  an environment variable for the guest (repeat for more; none by\n"
		"                  default). The guest reads this process's standard input on fd 0.\n"
		"  --dir HOST[:GUEST][:ro|:rw]  lets the guest use the host directory HOST, which it sees\n"
		"                  as GUEST (default: HOST as given; \"/\" makes it the guest's root),\n"
		"                  and nothing outside it (no absolute path, \"..\" or symbolic link\n"
		"                  leads out); :ro refuses every change beneath it (EROFS), :rw (the\n"
		"                  default) allows them; another mode is an error. Repeat\n"
		"                  for more (fds 3, 4, ...); without --dir the guest has no files.\n"
		"  --features LIST  post-2.0 features the module may use, applied to the default set\n"
		"                  (extended-const, tail-call, memory64, exceptions, threads): NAME\n"
		"                  adds one (multi-memory), -NAME removes one; or all, none, default.\n");
}

/* Reads a whole file; returns NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_FILE_SIZE) {
				free(buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				int e = errno ? errno : EIO;
				free(buf);
				fclose(f);
				errno = e;
				return NULL;
			}
			break;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static bool looks_numeric(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return (*s >= '0' && *s <= '9') || *s == '.' || !strncasecmp(s, "inf", 3) ||
	       !strncasecmp(s, "nan", 3);
}

/* Parses an integer: optional sign, decimal or 0x hex. Accepts [min, umax] where negative
 * values must be >= min and non-negative ones <= umax (so 0xffffffff is a valid i32). */
static bool parse_int(const char *s, int64_t min, uint64_t umax, uint64_t *out)
{
	bool neg = false;
	const char *p = s;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p || !((*p >= '0' && *p <= '9') || (base == 16 && strchr("abcdefABCDEF", *p))))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, base);
	if (errno || *end)
		return false;
	if (neg) {
		if (v > (uint64_t)(-(min + 1)) + 1)
			return false;
		*out = (uint64_t)0 - v;
	} else {
		if (v > umax)
			return false;
		*out = v;
	}
	return true;
}

static bool parse_val(const char *s, uint8_t type, xwasm_val *v)
{
	uint64_t u;
	char *end;
	memset(v, 0, sizeof(*v));
	v->type = type;
	switch (type) {
	case XWASM_I32:
		if (!parse_int(s, INT32_MIN, UINT32_MAX, &u))
			return false;
		v->of.i32 = (int32_t)(uint32_t)u;
		return true;
	case XWASM_I64:
		if (!parse_int(s, INT64_MIN, UINT64_MAX, &u))
			return false;
		v->of.i64 = (int64_t)u;
		return true;
	case XWASM_F32:
		if (!*s)
			return false;
		v->of.f32 = strtof(s, &end);
		return !*end;
	case XWASM_F64:
		if (!*s)
			return false;
		v->of.f64 = strtod(s, &end);
		return !*end;
	case XWASM_FUNCREF:
	case XWASM_EXTERNREF:
	case XWASM_EXNREF:
		v->of.ref = NULL;
		return !strcmp(s, "null");
	default:
		return false;
	}
}

/* Shortest "%.Ng" representation that reads back to the same value. */
static void print_float(double d, bool single)
{
	char buf[64];
	if (isnan(d)) {
		printf("%snan\n", signbit(d) ? "-" : "");
		return;
	}
	int maxp = single ? 9 : 17;
	for (int p = 1; p <= maxp; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (single ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
			break;
	}
	printf("%s\n", buf);
}

static void print_val(const xwasm_val *v, uint8_t type)
{
	switch (type) {
	case XWASM_I32: printf("%" PRId32 "\n", v->of.i32); break;
	case XWASM_I64: printf("%" PRId64 "\n", v->of.i64); break;
	case XWASM_F32: print_float(v->of.f32, true); break;
	case XWASM_F64: print_float(v->of.f64, false); break;
	case XWASM_FUNCREF:
	case XWASM_EXTERNREF:
	case XWASM_EXNREF:
		printf("%s\n", v->of.ref ? xwasm_valtype_str(type) : "null");
		break;
	default: printf("<%s>\n", xwasm_valtype_str(type)); break;
	}
}

struct run_args {
	const char *file;
	const char *invoke;
	char **iargs;      /* --invoke arguments */
	int niargs;
	char **gargs;      /* guest arguments (after the file name) */
	int ngargs;
	uint64_t fuel;
	uint32_t max_pages;
	uint32_t features; /* --features: xwasm_load_opts.features (0 = the default set) */
	char *env[256];    /* --env NAME=VALUE, in order */
	int nenv;
	struct xwasm_wasi_preopen dirs[XWASI_MAX_PREOPENS]; /* --dir, in order */
	char *dirbuf[XWASI_MAX_PREOPENS];                   /* their malloc'd HOST\0GUEST */
	size_t ndirs;
};

/* --dir HOST[:GUEST][:ro|:rw] into a->dirs: 0, or 2 after one line naming the problem. The
 * first colon ends HOST; a second one starts the mode, ro (read-only) or rw (the default), so
 * a GUEST has no colon; HOST:ro and HOST:rw give the mode with GUEST = HOST. */
static int parse_dir(struct run_args *a, const char *spec)
{
	if (a->ndirs == XWASI_MAX_PREOPENS) {
		fprintf(stderr, PFX "more than %d --dir\n", XWASI_MAX_PREOPENS);
		return 2;
	}
	char *buf = strdup(spec);
	if (!buf) {
		fprintf(stderr, PFX "out of memory\n");
		return 2;
	}
	const char *guest = buf, *mode = NULL;
	char *colon = strchr(buf, ':');
	if (colon) {
		*colon = 0;
		guest = colon + 1;
		char *m = strchr(colon + 1, ':');
		if (m) {
			*m = 0;
			mode = m + 1;
		} else if (!strcmp(guest, "ro") || !strcmp(guest, "rw")) {
			mode = guest;
			guest = buf;
		}
	}
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw")) {
		fprintf(stderr, PFX "--dir '%s': unknown mode '%s' (ro or rw; a GUEST path has no ':')\n", spec, mode);
		free(buf);
		return 2;
	}
	bool ro = mode && !strcmp(mode, "ro");
	if (!buf[0] || !guest[0]) {
		fprintf(stderr, PFX "--dir '%s': expected HOST[:GUEST][:ro|:rw] with a non-empty HOST and GUEST\n", spec);
		free(buf);
		return 2;
	}
	a->dirbuf[a->ndirs] = buf;
	a->dirs[a->ndirs++] = (struct xwasm_wasi_preopen){ .host = buf, .guest = guest, .read_only = ro };
	return 0;
}

/* Returns 0, or 2 after printing a usage error; -1 for --help. */
static int parse_args(int argc, char **argv, struct run_args *a, char **scratch)
{
	int nscratch = 0; /* positionals after FILE (invoke args, or guest args) */
	int i;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--")) {
			i++;
			break;
		}
		if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return -1;
		if (!strcmp(s, "--fuel") || !strcmp(s, "--max-pages")) {
			uint64_t v;
			bool fuel = s[2] == 'f';
			if (i + 1 >= argc) {
				fprintf(stderr, PFX "%s needs a value\n", s);
				return 2;
			}
			if (!parse_int(argv[i + 1], 0, fuel ? UINT64_MAX : 65536, &v) || argv[i + 1][0] == '-') {
				fprintf(stderr, PFX "invalid %s value '%s' (expected %s)\n", s, argv[i + 1],
					fuel ? "a non-negative integer" : "a page count 0..65536");
				return 2;
			}
			if (fuel)
				a->fuel = v;
			else
				a->max_pages = (uint32_t)v;
			i++;
			continue;
		}
		if (!strcmp(s, "--env")) {
			if (i + 1 >= argc || !strchr(argv[i + 1], '=') || argv[i + 1][0] == '=') {
				fprintf(stderr, PFX "--env needs NAME=VALUE\n");
				return 2;
			}
			if (a->nenv == (int)(sizeof a->env / sizeof a->env[0])) {
				fprintf(stderr, PFX "more than %zu --env\n", sizeof a->env / sizeof a->env[0]);
				return 2;
			}
			a->env[a->nenv++] = argv[++i];
			continue;
		}
		if (!strcmp(s, "--dir")) {
			if (i + 1 >= argc) {
				fprintf(stderr, PFX "--dir needs HOST[:GUEST][:ro|:rw]\n");
				return 2;
			}
			int r = parse_dir(a, argv[++i]);
			if (r)
				return r;
			continue;
		}
		if (!strcmp(s, "--features")) {
			char ferr[200];
			if (i + 1 >= argc) {
				fprintf(stderr, PFX "--features needs a LIST\n");
				return 2;
			}
			if (wasm_features_parse(argv[++i], &a->features, ferr, sizeof ferr)) {
				fprintf(stderr, PFX "%s\n", ferr);
				return 2;
			}
			continue;
		}
		if (!strcmp(s, "--invoke")) {
			if (a->invoke) {
				fprintf(stderr, PFX "--invoke given twice\n");
				return 2;
			}
			if (i + 1 >= argc) {
				fprintf(stderr, PFX "--invoke needs a function name\n");
				return 2;
			}
			a->invoke = argv[++i];
			continue;
		}
		if (s[0] == '-' && s[1] && !looks_numeric(s)) {
			static const char *const names[] = { "--fuel", "--max-pages", "--invoke", "--env", "--dir",
							     "--features", "--help", NULL };
			cli_unknown_option("wasm run", s, NULL, names);
			return 2;
		}
		if (!a->file)
			a->file = s;
		else
			scratch[nscratch++] = argv[i];
	}
	if (!a->file) {
		fprintf(stderr, PFX "missing FILE.wasm\n");
		run_usage(stderr);
		return 2;
	}
	if (a->invoke) {
		a->iargs = scratch;
		a->niargs = nscratch;
		a->gargs = argv + i;
		a->ngargs = argc - i;
	} else {
		/* Positionals after FILE and everything after "--" are guest arguments. */
		for (; i < argc; i++)
			scratch[nscratch++] = argv[i];
		a->gargs = scratch;
		a->ngargs = nscratch;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* Calls f with no arguments and no results expected beyond its type; shared by _start and
 * _initialize. Returns the trap/err status of xwasm_call. */
static int call_func(xwasm_instance *inst, xwasm_func *f, const xwasm_val *args, uint32_t nargs,
		     xwasm_val *res, uint32_t nres, struct xwasm_trap *trap)
{
	fflush(stdout);
	fflush(stderr);
	memset(trap, 0, sizeof(*trap));
	return xwasm_call(inst, f, args, nargs, res, nres, trap);
}

/* Maps a failed call to the exit status, printing the trap. *exited is set for proc_exit. */
static int call_failed(const char *file, const char *what, int rc, const struct xwasm_trap *trap)
{
	if (rc == XWASM_ETRAP && trap->kind == XWASM_TRAP_EXIT)
		return trap->exit_code & 0xff;
	if (rc == XWASM_ETRAP) {
		fprintf(stderr, PFX "trap in %s: %s\n", file,
			trap->message[0] ? trap->message : xwasm_trap_kind_str(trap->kind));
		return 1;
	}
	fprintf(stderr, PFX "cannot call %s in %s: %s\n", what, file,
		trap->message[0] ? trap->message : strerror(rc < 0 ? -rc : rc));
	return 1;
}

static int invoke(const struct run_args *a, xwasm_instance *inst)
{
	const char *file = a->file;
	xwasm_func *f = xwasm_instance_func(inst, a->invoke);
	if (!f) {
		fprintf(stderr, PFX "%s has no exported function '%s'\n", file, a->invoke);
		return 1;
	}
	const uint8_t *params, *results;
	uint32_t np, nr;
	xwasm_func_type(f, &params, &np, &results, &nr);
	if ((uint32_t)a->niargs != np) {
		char sig[256] = "";
		size_t off = 0;
		for (uint32_t k = 0; k < np && off < sizeof(sig) - 16; k++)
			off += (size_t)snprintf(sig + off, sizeof(sig) - off, "%s%s", k ? " " : "",
						xwasm_valtype_str(params[k]));
		fprintf(stderr, PFX "'%s' expects %u argument%s (%s), got %d\n", a->invoke, np,
			np == 1 ? "" : "s", sig, a->niargs);
		return 1;
	}
	xwasm_val *args = calloc(np ? np : 1, sizeof(*args));
	xwasm_val *res = calloc(nr ? nr : 1, sizeof(*res));
	int status = 0;
	if (!args || !res) {
		fprintf(stderr, PFX "out of memory\n");
		status = 1;
		goto out;
	}
	for (uint32_t k = 0; k < np; k++) {
		if (!parse_val(a->iargs[k], params[k], &args[k])) {
			fprintf(stderr, PFX "argument %u of '%s': '%s' is not a valid %s\n", k + 1,
				a->invoke, a->iargs[k], xwasm_valtype_str(params[k]));
			status = 1;
			goto out;
		}
	}
	struct xwasm_trap trap;
	xwasm_func *init = strcmp(a->invoke, "_initialize") ? xwasm_instance_func(inst, "_initialize") : NULL;
	if (init) {
		int rc = call_func(inst, init, NULL, 0, NULL, 0, &trap);
		if (rc) {
			status = call_failed(file, "_initialize", rc, &trap);
			goto out;
		}
	}
	int rc = call_func(inst, f, args, np, res, nr, &trap);
	if (rc) {
		status = call_failed(file, a->invoke, rc, &trap);
		goto out;
	}
	for (uint32_t k = 0; k < nr; k++)
		print_val(&res[k], results[k]);
	fflush(stdout);
out:
	free(args);
	free(res);
	return status;
}

static int run_command(const struct run_args *a, xwasm_instance *inst)
{
	xwasm_func *f = xwasm_instance_func(inst, "_start");
	if (!f) {
		fprintf(stderr, PFX "%s has no '_start' export (not a WASI command); use --invoke NAME "
			"to call an export\n", a->file);
		return 1;
	}
	const uint8_t *params, *results;
	uint32_t np, nr;
	xwasm_func_type(f, &params, &np, &results, &nr);
	if (np || nr) {
		fprintf(stderr, PFX "%s: '_start' must take no parameters and return nothing\n", a->file);
		return 1;
	}
	struct xwasm_trap trap;
	int rc = call_func(inst, f, NULL, 0, NULL, 0, &trap);
	return rc ? call_failed(a->file, "_start", rc, &trap) : 0;
}

/* A module that imports its memory as env.memory (wasm32-wasip1-threads programs import a
 * shared one, clang's --import-memory a plain one) gets one made here with the import's
 * limits and sharedness. 0, or 1 after a message. */
static int provide_env_memory(const char *file, xwasm_module *mod, xwasm_linker *l, xwasm_memory **out)
{
	uint32_t n = xwasm_module_num_imports(mod);
	for (uint32_t i = 0; i < n; i++) {
		struct xwasm_import_info ii;
		if (xwasm_module_import(mod, i, &ii) || ii.kind != XWASM_EXTERN_MEMORY ||
		    strcmp(ii.module, "env") || strcmp(ii.name, "memory") || ii.valtype != XWASM_I32 ||
		    *out)
			continue;
		struct xwasm_memory_opts mo = { .sz = sizeof(mo), .shared = ii.shared };
		uint32_t max = ii.max > 65536 ? UINT32_MAX : (uint32_t)ii.max;
		if (ii.shared && max == UINT32_MAX)
			max = 65536;
		int rc = ii.min > 65536 ? -EINVAL : xwasm_memory_create((uint32_t)ii.min, max, &mo, out);
		if (!rc)
			rc = xwasm_linker_define_memory(l, "env", "memory", *out);
		if (rc) {
			fprintf(stderr, PFX "%s: cannot provide the imported env.memory (%llu pages%s): %s\n",
				file, (unsigned long long)ii.min, ii.shared ? ", shared" : "", strerror(-rc));
			return 1;
		}
	}
	return 0;
}

int cmd_wasm_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	char **scratch = calloc((size_t)argc + 1, sizeof(char *));
	char **gargv = NULL;
	uint8_t *bytes = NULL;
	xwasm_module *mod = NULL;
	struct xwasm_wasi *wasi = NULL;
	xwasm_linker *l = NULL;
	xwasm_instance *inst = NULL;
	xwasm_memory *env_memory = NULL;
	int status = 1;
	char err[512] = "";

	if (!scratch) {
		fprintf(stderr, PFX "out of memory\n");
		return 1;
	}
	int pr = parse_args(argc, argv, &a, scratch);
	if (pr) {
		if (pr < 0)
			run_usage(stdout);
		status = pr < 0 ? 0 : pr;
		goto out;
	}
	for (size_t k = 0; k < a.ndirs; k++) {
		const char *why = cli_dir_problem(a.dirs[k].host);
		if (why) {
			fprintf(stderr, PFX "--dir %s: %s\n", a.dirs[k].host, why);
			goto out;
		}
	}

	size_t len = 0;
	bytes = read_file(a.file, &len);
	if (!bytes) {
		fprintf(stderr, PFX "cannot read %s: %s\n", a.file, strerror(errno));
		goto out;
	}
	struct xwasm_load_opts lo = { .sz = sizeof(lo), .name = base_name(a.file), .features = a.features };
	int rc = xwasm_module_load(bytes, len, &lo, &mod, err, sizeof(err));
	free(bytes);
	bytes = NULL;
	if (rc) {
		fprintf(stderr, PFX "cannot load %s: %s\n", a.file, err[0] ? err : strerror(-rc));
		goto out;
	}

	/* Guest argv: the file name as given, then the guest arguments. */
	gargv = calloc((size_t)a.ngargs + 2, sizeof(char *));
	l = xwasm_linker_new();
	if (!gargv || !l) {
		fprintf(stderr, PFX "out of memory\n");
		goto out;
	}
	gargv[0] = (char *)a.file;
	for (int k = 0; k < a.ngargs; k++)
		gargv[k + 1] = a.gargs[k];
	/* The WASI context copies the arguments; it must outlive the instance (freed after it). */
	struct xwasm_wasi_opts wo = { .sz = sizeof(wo), .argc = a.ngargs + 1, .argv = gargv,
				      .envc = a.nenv, .envp = a.env, .stdin_read = true,
				      .npreopens = a.ndirs, .preopens = a.dirs };
	rc = xwasm_wasi_new(&wo, &wasi);
	if (rc == -ENOSYS && a.ndirs) {
		fprintf(stderr, PFX "--dir needs openat2() (Linux 5.6 or later), which this system refuses\n");
		goto out;
	}
	if (rc && a.ndirs && rc != -ENOMEM) {
		fprintf(stderr, PFX "--dir: cannot open a directory: %s\n", strerror(-rc));
		goto out;
	}
	if (!rc)
		rc = xwasm_wasi_define(l, wasi);
	if (rc) {
		fprintf(stderr, PFX "cannot set up WASI: %s\n", strerror(-rc));
		goto out;
	}

	if (provide_env_memory(a.file, mod, l, &env_memory))
		goto out;
	struct xwasm_instance_opts io = { .sz = sizeof(io), .fuel = a.fuel, .max_memory_pages = a.max_pages };
	struct xwasm_trap trap;
	memset(&trap, 0, sizeof(trap));
	err[0] = 0;
	fflush(stdout);
	fflush(stderr);
	rc = xwasm_instance_new(mod, l, &io, &inst, &trap, err, sizeof(err));
	if (rc == XWASM_ETRAP) {
		status = call_failed(a.file, "start function", rc, &trap);
		inst = NULL;
		goto out;
	}
	if (rc) {
		fprintf(stderr, PFX "cannot instantiate %s: %s\n", a.file, err[0] ? err : strerror(-rc));
		inst = NULL;
		goto out;
	}
	status = a.invoke ? invoke(&a, inst) : run_command(&a, inst);
out:
	fflush(stdout);
	if (inst)
		xwasm_instance_free(inst);
	if (mod)
		xwasm_module_free(mod);
	if (l)
		xwasm_linker_free(l);
	xwasm_wasi_free(wasi); /* after the instance that uses it */
	xwasm_memory_free(env_memory); /* likewise */
	for (size_t k = 0; k < a.ndirs; k++)
		free(a.dirbuf[k]);
	free(gargv);
	free(bytes);
	free(scratch);
	return status;
}
