/* Tests of hot-loadable protocol modules (include/xdperf/hotload.h): the loader
 * (xdperf_proto_module_* / xdperf_proto_instance_*), the registry's version states, routing,
 * faults, native handlers, idle expiry, policy inheritance and signature checks. The WAT
 * modules of tests/protocols are assembled by tests/cases/hotload_registry.sh into argv[1];
 * argv[2] is a scratch directory. Every check prints a PASS or FAIL line; exit 1 on any FAIL. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "xdperf/hotload.h"
#define CHECK_SHOW_PASSES 1
#include "check.h"

static const char *dir, *scratch;


static const char *en(int rc)
{
	static char b[8][32];
	static int k;
	char *s = b[k++ & 7];
	switch (rc) {
	case 0: return "0";
	case -ENOENT: return "-ENOENT";
	case -EINVAL: return "-EINVAL";
	case -EBUSY: return "-EBUSY";
	case -EEXIST: return "-EEXIST";
	case -E2BIG: return "-E2BIG";
	case -ENODATA: return "-ENODATA";
	case -ENOKEY: return "-ENOKEY";
	case -EBADMSG: return "-EBADMSG";
	case -ENOSPC: return "-ENOSPC";
	case -ENOMEM: return "-ENOMEM";
	case -ENOTSUP: return "-ENOTSUP";
	default: snprintf(s, 32, "%d", rc); return s;
	}
}

/* ---- files and modules --------------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("FATAL: cannot open %s\n", path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
		printf("FATAL: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spit(const char *path, const void *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f)) {
		printf("FATAL: cannot write %s\n", path);
		exit(2);
	}
}

struct wasm {
	uint8_t *b;
	size_t len;
};

static struct wasm mod(const char *name)
{
	char path[1024];
	struct wasm w;
	snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
	w.b = slurp(path, &w.len);
	return w;
}

/* tagged.wasm with its "@TAG@@@..." placeholder (31 bytes) replaced by tag, NUL-padded. */
static struct wasm tagged(const char *tag)
{
	struct wasm w = mod("tagged");
	char ph[32];
	memset(ph, '@', 31);
	memcpy(ph, "@TAG@", 5);
	ph[31] = 0;
	uint8_t *p = memmem(w.b, w.len, ph, 31);
	if (!p || strlen(tag) > 31) {
		printf("FATAL: no tag placeholder in tagged.wasm\n");
		exit(2);
	}
	memset(p, 0, 31);
	memcpy(p, tag, strlen(tag));
	return w;
}

/* ---- registry helpers --------------------------------------------------------------------- */

static struct xdperf_proto_buf ob;
static char err[1024];

static bool answer_is(const char *want)
{
	return ob.len == strlen(want) && memcmp(ob.data, want, ob.len) == 0;
}

static const char *answer(void)
{
	static char s[256];
	snprintf(s, sizeof s, "%.*s", (int)(ob.len > 200 ? 200 : ob.len), ob.data ? (char *)ob.data : "");
	return s;
}

static struct xdperf_registry *reg_new(const struct xdperf_registry_opts *o)
{
	struct xdperf_registry *r = NULL;
	struct xdperf_registry_opts d = { .sz = sizeof d };
	int rc = xdperf_registry_new(o ? o : &d, &r, err, sizeof err);
	if (rc || !r) {
		printf("FATAL: xdperf_registry_new: %s %s\n", en(rc), err);
		exit(2);
	}
	return r;
}

static int load_mod(struct xdperf_registry *r, const char *id, const char *ver, struct wasm w,
		    const struct xdperf_proto_policy *pol)
{
	struct xdperf_load_opts lo = { .sz = sizeof lo, .policy = pol };
	err[0] = 0;
	int rc = xdperf_registry_load(r, id, ver, w.b, w.len, &lo, err, sizeof err);
	free(w.b);
	return rc;
}

static int exec(struct xdperf_registry *r, const char *id, const char *ver, const char *msg,
		struct xdperf_call_info *info)
{
	struct xdperf_call_info tmp;
	if (!info)
		info = &tmp;
	memset(info, 0x55, sizeof *info);
	err[0] = 0;
	ob.len = 0;
	return xdperf_registry_execute(r, NULL, id, ver, msg, strlen(msg), &ob, info, err, sizeof err);
}

static int route(struct xdperf_registry *r, struct xdperf_worker *w, const char *id, const void *key,
		 size_t keylen, const char *msg, struct xdperf_call_info *info)
{
	struct xdperf_call_info tmp;
	if (!info)
		info = &tmp;
	memset(info, 0x55, sizeof *info);
	err[0] = 0;
	ob.len = 0;
	return xdperf_registry_route(r, w, id, key, keylen, msg, strlen(msg), &ob, info, err, sizeof err);
}

/* Routes flows 0..n-1 (4-byte keys) of id with msg and counts the answers equal to want[i] in
 * c[i]; returns how many calls failed or answered something else. */
static long count_answers(struct xdperf_registry *r, struct xdperf_worker *w, const char *id, uint32_t n,
			  const char *msg, const char *const want[3], long c[3])
{
	long bad = 0;
	c[0] = c[1] = c[2] = 0;
	for (uint32_t k = 0; k < n; k++) {
		int i = 3;
		if (route(r, w, id, &k, 4, msg, NULL) == 0)
			for (i = 0; i < 3 && !answer_is(want[i]); i++)
				;
		if (i < 3)
			c[i]++;
		else
			bad++;
	}
	return bad;
}

/* The list entry of id@ver; false when it is not listed. */
static bool find(struct xdperf_registry *r, const char *id, const char *ver, struct xdperf_version_info *vi)
{
	struct xdperf_version_info *l = NULL;
	size_t n = 0;
	bool found = false;
	if (xdperf_registry_list(r, id, &l, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(l[i].id, id) && !strcmp(l[i].version, ver)) {
				*vi = l[i];
				found = true;
			}
		}
	}
	free(l);
	return found;
}

static size_t count_all(struct xdperf_registry *r)
{
	struct xdperf_version_info *l = NULL;
	size_t n = 0;
	if (xdperf_registry_list(r, NULL, &l, &n) != 0)
		return (size_t)-1;
	free(l);
	return n;
}

/* Checks state, traffic, calls and errors of id@ver as listed. */
#define EXPECT(r, id, ver, st, traf, ncalls, nerr)                                               \
	do {                                                                                     \
		struct xdperf_version_info vi_;                                                  \
		bool f_ = find(r, id, ver, &vi_);                                               \
		CHECK(f_ && vi_.state == (st) && fabs(vi_.traffic - (traf)) < 1e-6 &&            \
			      vi_.calls == (uint64_t)(ncalls) && vi_.errors == (uint64_t)(nerr), \
		      "%s@%s listed as %s traffic %g calls %d errors %d (got %s: %s traffic %g calls %llu errors %llu)", \
		      id, ver, xdperf_version_state_str(st), (double)(traf), (int)(ncalls), (int)(nerr), \
		      f_ ? "listed" : "NOT listed", f_ ? xdperf_version_state_str(vi_.state) : "-", \
		      f_ ? vi_.traffic : 0.0, f_ ? (unsigned long long)vi_.calls : 0ull,         \
		      f_ ? (unsigned long long)vi_.errors : 0ull);                                \
	} while (0)

static bool names(const char *id, const char *ver)
{
	return strstr(err, id) && (!ver || strstr(err, ver));
}

/* A refused control call: rc, and err naming the protocol (and version when given). */
#define REFUSED(call, want, id, ver, what)                                                      \
	do {                                                                                     \
		err[0] = 0;                                                                      \
		int rc_ = (call);                                                                \
		CHECK(rc_ == (want), "%s: %s (got %s, err '%s')", what, en(want), en(rc_), err); \
		const char *v_ = (ver);                                                          \
		CHECK(names(id, v_), "%s: err names %s%s%s: '%s'", what, id, v_ ? "@" : "", v_ ? v_ : "", err); \
	} while (0)

#define OK(call, what)                                                                           \
	do {                                                                                     \
		err[0] = 0;                                                                      \
		int rc_ = (call);                                                                \
		CHECK(rc_ == 0, "%s (got %s, err '%s')", what, en(rc_), err);                    \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- strings -------------------------------------------------------------------------------- */

static void test_strings(void)
{
	static const char *const st[] = { "inactive", "testing", "active", "deprecating", "deprecated" };
	for (int i = 0; i < 5; i++) {
		const char *s = xdperf_version_state_str((enum xdperf_version_state)i);
		CHECK(s && !strcmp(s, st[i]), "xdperf_version_state_str(%d) = \"%s\" (got \"%s\")", i, st[i], s ? s : "(null)");
	}
	CHECK(!strcmp(xdperf_proto_fault_str(XDPERF_FAULT_TRAP), "trap"), "fault_str(TRAP) = \"trap\"");
	CHECK(!strcmp(xdperf_proto_fault_str(XDPERF_FAULT_FUEL), "fuel"), "fault_str(FUEL) = \"fuel\"");
	bool distinct = true;
	for (int a = 0; a <= XDPERF_FAULT_INTERRUPTED; a++)
		for (int b = a + 1; b <= XDPERF_FAULT_INTERRUPTED; b++) {
			const char *x = xdperf_proto_fault_str((enum xdperf_proto_fault)a);
			const char *y = xdperf_proto_fault_str((enum xdperf_proto_fault)b);
			if (!x || !y || !*x || !strcmp(x, y))
				distinct = false;
		}
	CHECK(distinct, "fault_str gives a distinct, non-empty name for each of the 10 faults");
}

/* ---- loader ----------------------------------------------------------------------------------- */

static struct xdperf_proto_module *pm_load(const char *name, const struct xdperf_proto_policy *pol, int *rc)
{
	struct wasm w = mod(name);
	struct xdperf_proto_module_opts o = { .sz = sizeof o, .name = "lt@1", .policy = pol };
	struct xdperf_proto_module *m = NULL;
	err[0] = 0;
	*rc = xdperf_proto_module_load(w.b, w.len, &o, &m, err, sizeof err);
	free(w.b);
	return m;
}

static int pm_call(struct xdperf_proto_instance *in, const void *msg, size_t len, enum xdperf_proto_fault *f)
{
	err[0] = 0;
	*f = (enum xdperf_proto_fault)77;
	ob.len = 0;
	return xdperf_proto_instance_call(in, msg, len, &ob, f, err, sizeof err);
}

/* Loads name with pol, sends `bad` (expect rc want and fault wantf), then "hello" (expect echo). */
static void pm_fault(const char *name, const struct xdperf_proto_policy *pol, const void *bad, size_t badlen,
		     int want, enum xdperf_proto_fault wantf)
{
	int rc;
	enum xdperf_proto_fault f;
	struct xdperf_proto_module *m = pm_load(name, pol, &rc);
	CHECK(rc == 0 && m, "loader: %s loads (got %s '%s')", name, en(rc), err);
	if (!m)
		return;
	struct xdperf_proto_instance *in = NULL;
	rc = xdperf_proto_instance_new(m, &in, err, sizeof err);
	CHECK(rc == 0 && in, "loader: %s instantiates (got %s '%s')", name, en(rc), err);
	if (in) {
		rc = pm_call(in, bad, badlen, &f);
		CHECK(rc == want && f == wantf, "loader: %s bad message -> %s fault %s (got %s fault %s, err '%s')", name,
		      en(want), xdperf_proto_fault_str(wantf), en(rc), xdperf_proto_fault_str(f), err);
		CHECK(rc == 0 || strstr(err, "lt@1"), "loader: %s fault message names the module: '%s'", name, err);
		rc = pm_call(in, "hello", 5, &f);
		CHECK(rc == 0 && f == XDPERF_FAULT_NONE && answer_is("hello"),
		      "loader: %s next message after the fault echoes (got %s fault %s '%s' err '%s')", name, en(rc),
		      xdperf_proto_fault_str(f), answer(), err);
		xdperf_proto_instance_free(in);
	}
	xdperf_proto_module_free(m);
}

static void pm_refused(const char *name, const struct xdperf_proto_policy *pol, const char *want_text)
{
	int rc;
	struct xdperf_proto_module *m = pm_load(name, pol, &rc);
	CHECK(rc == -EINVAL && !m, "loader: %s refused with -EINVAL (got %s)", name, en(rc));
	CHECK(strstr(err, want_text) && strstr(err, "lt@1"), "loader: %s refusal mentions '%s' and names lt@1: '%s'",
	      name, want_text, err);
	if (m)
		xdperf_proto_module_free(m);
}

static char abi_text[2048];
static int abi_count;
static void abi_report(void *ctx, const char *problem)
{
	(void)ctx;
	size_t o = strlen(abi_text);
	snprintf(abi_text + o, sizeof abi_text - o, "%s; ", problem);
	abi_count++;
}

static void test_loader(void)
{
	int rc, rc2;
	enum xdperf_proto_fault f, f2;
	struct xdperf_proto_module *mv = pm_load("echo", NULL, &rc);
	struct xdperf_proto_module *pk = pm_load("echo_packed", NULL, &rc2);
	CHECK(rc == 0 && mv, "loader: echo (multi-value) loads (got %s '%s')", en(rc), err);
	CHECK(rc2 == 0 && pk, "loader: echo_packed loads (got %s '%s')", en(rc2), err);
	if (!mv || !pk)
		return;
	CHECK(!xdperf_proto_module_packed(mv), "loader: echo is not packed");
	CHECK(xdperf_proto_module_packed(pk), "loader: echo_packed is packed");
	struct xdperf_proto_instance *a = NULL, *b = NULL;
	CHECK(xdperf_proto_instance_new(mv, &a, err, sizeof err) == 0 && a, "loader: echo instance (err '%s')", err);
	CHECK(xdperf_proto_instance_new(pk, &b, err, sizeof err) == 0 && b, "loader: echo_packed instance (err '%s')", err);
	if (a && b) {
		static const size_t sizes[] = { 1, 5, 64, 3000, 70000, 200000, 7 };
		uint8_t *msg = malloc(200000);
		struct xdperf_proto_buf ob2 = { 0 };
		bool same = true, right = true;
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			for (size_t j = 0; j < sizes[i]; j++)
				msg[j] = (uint8_t)(j * 31 + i);
			rc = pm_call(a, msg, sizes[i], &f);
			err[0] = 0;
			f2 = (enum xdperf_proto_fault)77;
			rc2 = xdperf_proto_instance_call(b, msg, sizes[i], &ob2, &f2, err, sizeof err);
			if (rc || rc2 || f || f2 || ob.len != sizes[i] || memcmp(ob.data, msg, sizes[i]))
				right = false;
			if (rc != rc2 || ob.len != ob2.len || (ob.len && memcmp(ob.data, ob2.data, ob.len)))
				same = false;
		}
		CHECK(right, "loader: echo answers 7 messages of 1..200000 bytes with their bytes (last rc %s '%s')", en(rc), err);
		CHECK(same, "loader: multi-value and packed echo give the same answers");
		rc = pm_call(a, "", 0, &f);
		CHECK(rc == 0 && ob.len == 0, "loader: an empty message gets an empty answer (got %s len %zu '%s')", en(rc), ob.len, err);
		CHECK(xdperf_proto_instance_memory(a) >= 65536, "loader: instance_memory %llu >= one page",
		      (unsigned long long)xdperf_proto_instance_memory(a));
		free(msg);
		free(ob2.data);
	}
	xdperf_proto_instance_free(a);
	xdperf_proto_instance_free(b);
	xdperf_proto_module_free(mv);
	xdperf_proto_module_free(pk);

	/* The tagged template, patched. */
	struct wasm w = tagged("t-1.2");
	struct xdperf_proto_module_opts o = { .sz = sizeof o, .name = "tag@t-1.2" };
	struct xdperf_proto_module *tm = NULL;
	rc = xdperf_proto_module_load(w.b, w.len, &o, &tm, err, sizeof err);
	free(w.b);
	CHECK(rc == 0 && tm, "loader: tagged loads (got %s '%s')", en(rc), err);
	if (tm) {
		struct xdperf_proto_instance *t = NULL;
		CHECK(xdperf_proto_instance_new(tm, &t, err, sizeof err) == 0, "loader: tagged instance");
		bool ok = true;
		uint64_t first = 0;
		for (int i = 0; t && i < 5000; i++) {
			char in[32], want[64];
			snprintf(in, sizeof in, "msg-%d", i);
			snprintf(want, sizeof want, "t-1.2:%s", in);
			if (pm_call(t, in, strlen(in), &f) || !answer_is(want))
				ok = false;
			if (i == 0)
				first = xdperf_proto_instance_memory(t);
		}
		CHECK(ok, "loader: tagged answers \"t-1.2:\" + input for 5000 messages (last '%s' %s)", answer(), err);
		CHECK(t && first && xdperf_proto_instance_memory(t) == first,
		      "loader: tagged holds what it held after its first answer after 5000 (%llu, then %llu bytes)",
		      (unsigned long long)first, t ? (unsigned long long)xdperf_proto_instance_memory(t) : 0ull);
		xdperf_proto_instance_free(t);
		xdperf_proto_module_free(tm);
	}

	/* Refused at load. */
	pm_refused("no_handle", NULL, "handle");
	pm_refused("no_alloc", NULL, "alloc");
	pm_refused("wrong_sig", NULL, "handle");
	pm_refused("command", NULL, "reactor");
	struct xdperf_proto_policy env_only = { .sz = sizeof env_only, .allowed_imports = "env" };
	struct xdperf_proto_policy none = { .sz = sizeof none, .allowed_imports = "" };
	pm_refused("wasi_import", &env_only, "wasi_snapshot_preview1");
	pm_refused("env_import", &none, "env");
	struct xdperf_proto_module *ok = pm_load("env_import", &env_only, &rc);
	CHECK(rc == 0, "loader: env_import loads with allowed_imports \"env\" (got %s '%s')", en(rc), err);
	xdperf_proto_module_free(ok);
	ok = pm_load("wasi_import", NULL, &rc);
	CHECK(rc == 0, "loader: wasi_import loads with the default policy (\"*\") (got %s '%s')", en(rc), err);
	xdperf_proto_module_free(ok);
	{
		struct xdperf_proto_module_opts o2 = { .sz = sizeof o2, .name = "lt@1" };
		struct xdperf_proto_module *m = NULL;
		rc = xdperf_proto_module_load((const uint8_t *)"not wasm at all", 15, &o2, &m, err, sizeof err);
		CHECK(rc == -EINVAL && !m, "loader: bytes that are not wasm -> -EINVAL (got %s '%s')", en(rc), err);
		xdperf_proto_module_free(m);
	}

	/* One faulty message each; the instance stays usable. */
	struct xdperf_proto_policy fuel = { .sz = sizeof fuel, .fuel = 100000 };
	struct xdperf_proto_policy pages = { .sz = sizeof pages, .max_memory_pages = 4 };
	struct xdperf_proto_policy io = { .sz = sizeof io, .max_input = 64, .max_output = 32 };
	char big[100];
	memset(big, 'x', sizeof big);
	pm_fault("trap_on", NULL, "trap!", 5, -EINVAL, XDPERF_FAULT_TRAP);
	pm_fault("loop_on", &fuel, "loop", 4, -EINVAL, XDPERF_FAULT_FUEL);
	pm_fault("grow_on", &pages, "grow", 4, -EINVAL, XDPERF_FAULT_MEMORY);
	pm_fault("bad_output", NULL, "bout", 4, -EINVAL, XDPERF_FAULT_OUTPUT);
	pm_fault("bad_output", NULL, "bend", 4, -EINVAL, XDPERF_FAULT_OUTPUT);
	pm_fault("echo", &io, big, 65, -E2BIG, XDPERF_FAULT_INPUT);
	pm_fault("echo", &io, big, 33, -E2BIG, XDPERF_FAULT_OUTPUT);
	pm_fault("echo_packed", &io, big, 33, -E2BIG, XDPERF_FAULT_OUTPUT);
	pm_fault("echo", &io, big, 32, 0, XDPERF_FAULT_NONE);

	/* alloc returning 0: an ABI fault, every time */
	{
		struct xdperf_proto_module *m = pm_load("alloc_zero", NULL, &rc);
		struct xdperf_proto_instance *in = NULL;
		CHECK(rc == 0 && m && xdperf_proto_instance_new(m, &in, err, sizeof err) == 0, "loader: alloc_zero loads (%s '%s')", en(rc), err);
		if (in) {
			rc = pm_call(in, "hello", 5, &f);
			CHECK(rc == -EINVAL && f == XDPERF_FAULT_ABI, "loader: alloc returning 0 -> -EINVAL fault abi (got %s %s '%s')", en(rc),
			      xdperf_proto_fault_str(f), err);
		}
		xdperf_proto_instance_free(in);
		xdperf_proto_module_free(m);
	}

	/* xdperf_proto_check_abi on decoded modules */
	static const struct {
		const char *name;
		int problems; /* -1: at least one */
		const char *text;
	} abi[] = { { "echo", 0, NULL },	      { "echo_packed", 0, NULL },     { "tagged", 0, NULL },
		    { "no_handle", -1, "handle" }, { "no_alloc", -1, "alloc" },    { "wrong_sig", -1, "handle" },
		    { "command", -1, "reactor" } };
	for (size_t i = 0; i < sizeof abi / sizeof abi[0]; i++) {
		struct wasm w = mod(abi[i].name);
		xwasm_module *xm = NULL;
		struct xwasm_load_opts xo = { .sz = sizeof xo, .name = abi[i].name };
		rc = xwasm_module_load(w.b, w.len, &xo, &xm, err, sizeof err);
		free(w.b);
		if (rc) {
			CHECK(0, "xwasm_module_load %s: %s '%s'", abi[i].name, en(rc), err);
			continue;
		}
		abi_text[0] = 0;
		int np = xdperf_proto_check_abi(xm, abi_report, NULL);
		bool ok = abi[i].problems < 0 ? np >= 1 && np == abi_count && strstr(abi_text, abi[i].text) : np == 0;
		CHECK(ok, "check_abi %s: %s problems%s%s (got %d, reported %d: '%s')", abi[i].name, abi[i].problems < 0 ? ">= 1" : "0",
		      abi[i].text ? " mentioning " : "", abi[i].text ? abi[i].text : "", np, abi_count, abi_text);
		abi_count = 0;
		xwasm_module_free(xm);
	}
}

/* ---- registry: states and transitions ------------------------------------------------------- */

static int blk_release;
static pthread_mutex_t blk_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t blk_cv = PTHREAD_COND_INITIALIZER;
static int blk_inside;

/* Native handler answering "<ctx>:" + input; "fail..." -> -EPROTO; "block..." waits for
 * blk_release. */
static int native_tag(void *ctx, const uint8_t *in, size_t len, struct xdperf_proto_buf *out, char *e, size_t el)
{
	const char *tag = ctx;
	size_t tl = strlen(tag), need = tl + 1 + len;
	if (len >= 4 && !memcmp(in, "fail", 4)) {
		snprintf(e, el, "native %s refuses '%.*s'", tag, (int)len, (const char *)in);
		return -EPROTO;
	}
	if (len >= 5 && !memcmp(in, "block", 5)) {
		pthread_mutex_lock(&blk_mu);
		blk_inside = 1;
		pthread_cond_broadcast(&blk_cv);
		while (!blk_release)
			pthread_cond_wait(&blk_cv, &blk_mu);
		pthread_mutex_unlock(&blk_mu);
	}
	if (out->cap < need) {
		uint8_t *d = realloc(out->data, need);
		if (!d)
			return -ENOMEM;
		out->data = d;
		out->cap = need;
	}
	memcpy(out->data, tag, tl);
	out->data[tl] = ':';
	memcpy(out->data + tl + 1, in, len);
	out->len = need;
	return 0;
}

static void test_transitions(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_version_info vi = { .calls = 0 };
	struct xdperf_call_info ci;
	struct xdperf_version_info *l = NULL;
	size_t n = 99;
	int rc;
	uint32_t key = 7;

	rc = xdperf_registry_list(r, "tp", &l, &n);
	CHECK(rc == -ENOENT, "list of an unknown protocol -> -ENOENT (got %s)", en(rc));
	free(l);
	l = NULL;
	rc = xdperf_registry_list(r, NULL, &l, &n);
	CHECK(rc == 0 && n == 0, "list of an empty registry: 0 entries (got %s, %zu)", en(rc), n);
	free(l);

	/* load -> inactive */
	struct wasm w10 = tagged("1.0");
	uint8_t sha[32];
	char shahex[65];
	crypto_hash_sha256(sha, w10.b, w10.len);
	for (int i = 0; i < 32; i++)
		sprintf(shahex + 2 * i, "%02x", sha[i]);
	OK(load_mod(r, "tp", "1.0", w10, NULL), "load tp@1.0");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_INACTIVE, 0, 0, 0);
	CHECK(find(r, "tp", "1.0", &vi) && !strcmp(vi.sha256, shahex) && !vi.native && !vi.packed_abi &&
		      vi.key_id[0] == 0 && !strcmp(vi.id, "tp"),
	      "tp@1.0 info: sha256 of the bytes, not native, not packed, unsigned (sha %s key '%s')", vi.sha256, vi.key_id);
	REFUSED(load_mod(r, "tp", "1.0", tagged("1.0"), NULL), -EEXIST, "tp", "1.0", "load of an existing version");
	CHECK(count_all(r) == 1, "duplicate load leaves 1 version (got %zu)", count_all(r));
	{
		char longid[80], longver[40];
		memset(longid, 'i', 70);
		longid[70] = 0;
		memset(longver, '9', 35);
		longver[35] = 0;
		rc = load_mod(r, "", "1", mod("echo"), NULL);
		CHECK(rc == -EINVAL, "load with an empty id -> -EINVAL (got %s)", en(rc));
		rc = load_mod(r, "tp", "", mod("echo"), NULL);
		CHECK(rc == -EINVAL, "load with an empty version -> -EINVAL (got %s)", en(rc));
		rc = load_mod(r, longid, "1", mod("echo"), NULL);
		CHECK(rc == -EINVAL, "load with a 70-byte id -> -EINVAL (got %s)", en(rc));
		rc = load_mod(r, "tp", longver, mod("echo"), NULL);
		CHECK(rc == -EINVAL, "load with a 35-byte version -> -EINVAL (got %s)", en(rc));
		CHECK(count_all(r) == 1, "bad id/version loads leave 1 version (got %zu)", count_all(r));
	}

	/* inactive: execute works, route finds nothing */
	rc = exec(r, "tp", "1.0", "a", &ci);
	CHECK(rc == 0 && answer_is("1.0:a") && !strcmp(ci.version, "1.0") && ci.fault == XDPERF_FAULT_NONE,
	      "execute on inactive 1.0 -> '1.0:a' (got %s '%s' ver '%.31s' err '%s')", en(rc), answer(), ci.version, err);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_INACTIVE, 0, 1, 0);
	rc = route(r, NULL, "tp", &key, 4, "a", &ci);
	CHECK(rc == -ENOENT && ci.fault == XDPERF_FAULT_ROUTE, "route with only an inactive version -> -ENOENT fault route (got %s %s)",
	      en(rc), xdperf_proto_fault_str(ci.fault));
	rc = route(r, NULL, "nope", &key, 4, "a", &ci);
	CHECK(rc == -ENOENT && ci.fault == XDPERF_FAULT_ROUTE, "route to an unknown protocol -> -ENOENT fault route (got %s %s)",
	      en(rc), xdperf_proto_fault_str(ci.fault));
	rc = exec(r, "tp", "9.9", "a", &ci);
	CHECK(rc == -ENOENT && ci.fault == XDPERF_FAULT_ROUTE, "execute of an unknown version -> -ENOENT fault route (got %s %s)",
	      en(rc), xdperf_proto_fault_str(ci.fault));
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", 10, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic on inactive");
	REFUSED(xdperf_registry_start_testing(r, "tp", "9.9", err, sizeof err), -ENOENT, "tp", "9.9", "start_testing unknown version");
	REFUSED(xdperf_registry_start_testing(r, "zz", "1.0", err, sizeof err), -ENOENT, "zz", NULL, "start_testing unknown protocol");
	REFUSED(xdperf_registry_promote(r, "tp", "9.9", err, sizeof err), -ENOENT, "tp", "9.9", "promote unknown version");
	REFUSED(xdperf_registry_set_traffic(r, "zz", "1.0", 5, err, sizeof err), -ENOENT, "zz", NULL, "set_traffic unknown protocol");
	REFUSED(xdperf_registry_deprecate(r, "tp", "9.9", err, sizeof err), -ENOENT, "tp", "9.9", "deprecate unknown version");
	REFUSED(xdperf_registry_unload(r, "tp", "9.9", err, sizeof err), -ENOENT, "tp", "9.9", "unload unknown version");
	REFUSED(xdperf_registry_unload(r, "zz", NULL, err, sizeof err), -ENOENT, "zz", NULL, "unload unknown protocol");
	REFUSED(xdperf_registry_rollback(r, "zz", err, sizeof err), -ENOENT, "zz", NULL, "rollback unknown protocol");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_INACTIVE, 0, 1, 0);

	/* inactive -> testing (0%) */
	OK(xdperf_registry_start_testing(r, "tp", "1.0", err, sizeof err), "start_testing tp@1.0");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_TESTING, 0, 1, 0);
	REFUSED(xdperf_registry_start_testing(r, "tp", "1.0", err, sizeof err), -EINVAL, "tp", "1.0", "start_testing on testing");
	rc = route(r, NULL, "tp", &key, 4, "a", &ci);
	CHECK(rc == -ENOENT && ci.fault == XDPERF_FAULT_ROUTE, "route with a 0%% testing and no active -> -ENOENT fault route (got %s %s)",
	      en(rc), xdperf_proto_fault_str(ci.fault));
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", -1, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic -1");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", 101, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic 101");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", NAN, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic NaN");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", INFINITY, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic inf");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_TESTING, 0, 1, 0);
	OK(xdperf_registry_set_traffic(r, "tp", "1.0", 40, err, sizeof err), "set_traffic tp@1.0 40 with no active");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_TESTING, 40, 1, 0);

	/* testing -> active via set_traffic 100 */
	OK(xdperf_registry_set_traffic(r, "tp", "1.0", 100, err, sizeof err), "set_traffic tp@1.0 100 (promotes)");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 1, 0);
	rc = route(r, NULL, "tp", &key, 4, "r", &ci);
	CHECK(rc == 0 && answer_is("1.0:r") && !strcmp(ci.version, "1.0"), "route to active 1.0 (got %s '%s' err '%s')", en(rc), answer(), err);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 2, 0);
	REFUSED(xdperf_registry_start_testing(r, "tp", "1.0", err, sizeof err), -EINVAL, "tp", "1.0", "start_testing on active");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", 50, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic 50 on active");
	/* promote of the active version: not a transition; either refused or a no-op */
	rc = xdperf_registry_promote(r, "tp", "1.0", err, sizeof err);
	CHECK(rc == 0 || rc == -EINVAL, "promote of the active version: -EINVAL or a no-op (got %s '%s')", en(rc), err);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 2, 0);
	REFUSED(xdperf_registry_deprecate(r, "tp", "1.0", err, sizeof err), -EBUSY, "tp", "1.0", "deprecate of the active version");
	REFUSED(xdperf_registry_unload(r, "tp", "1.0", err, sizeof err), -EBUSY, "tp", "1.0", "unload of the active version");
	err[0] = 0;
	rc = xdperf_registry_rollback(r, "tp", err, sizeof err);
	CHECK(rc < 0 && strstr(err, "tp"), "rollback with nothing to roll back to fails naming tp (got %s '%s')", en(rc), err);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 2, 0);

	/* canaries */
	OK(load_mod(r, "tp", "2.0", tagged("2.0"), NULL), "load tp@2.0");
	OK(load_mod(r, "tp", "3.0", tagged("3.0"), NULL), "load tp@3.0");
	OK(xdperf_registry_start_testing(r, "tp", "2.0", err, sizeof err), "start_testing tp@2.0");
	OK(xdperf_registry_set_traffic(r, "tp", "2.0", 10, err, sizeof err), "set_traffic tp@2.0 10");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 90, 2, 0);
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_TESTING, 10, 0, 0);
	EXPECT(r, "tp", "3.0", XDPERF_VERSION_INACTIVE, 0, 0, 0);
	OK(xdperf_registry_start_testing(r, "tp", "3.0", err, sizeof err), "start_testing tp@3.0");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "3.0", 95, err, sizeof err), -EINVAL, "tp", "3.0", "testing shares 10 + 95 > 100");
	EXPECT(r, "tp", "3.0", XDPERF_VERSION_TESTING, 0, 0, 0);
	OK(xdperf_registry_set_traffic(r, "tp", "3.0", 90, err, sizeof err), "testing shares 10 + 90 = 100");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 0, 2, 0);
	{
		int c1 = 0, c2 = 0, c3 = 0, bad = 0;
		for (uint32_t k = 0; k < 2000; k++) {
			if (route(r, NULL, "tp", &k, 4, "q", &ci)) {
				bad++;
				continue;
			}
			if (answer_is("1.0:q"))
				c1++;
			else if (answer_is("2.0:q"))
				c2++;
			else if (answer_is("3.0:q"))
				c3++;
			else
				bad++;
		}
		CHECK(bad == 0 && c1 == 0 && c2 > 100 && c3 > 1500,
		      "2000 flows with testing 10%%/90%%: none on active (1.0 %d, 2.0 %d, 3.0 %d, failed %d)", c1, c2, c3, bad);
		EXPECT(r, "tp", "2.0", XDPERF_VERSION_TESTING, 10, c2, 0);
		EXPECT(r, "tp", "3.0", XDPERF_VERSION_TESTING, 90, c3, 0);
	}
	OK(xdperf_registry_set_traffic(r, "tp", "3.0", 0, err, sizeof err), "set_traffic tp@3.0 0");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 90, 2, 0);
	OK(xdperf_registry_set_traffic(r, "tp", "3.0", 30, err, sizeof err), "set_traffic tp@3.0 30");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 60, 2, 0);

	/* promote 2.0: 1.0 deprecating (drained at once), 3.0 back to 0% */
	uint64_t c20, c30;
	find(r, "tp", "2.0", &vi);
	c20 = vi.calls;
	find(r, "tp", "3.0", &vi);
	c30 = vi.calls;
	OK(xdperf_registry_promote(r, "tp", "2.0", err, sizeof err), "promote tp@2.0");
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_ACTIVE, 100, c20, 0);
	EXPECT(r, "tp", "3.0", XDPERF_VERSION_TESTING, 0, c30, 0);
	CHECK(find(r, "tp", "1.0", &vi) && (vi.state == XDPERF_VERSION_DEPRECATING || vi.state == XDPERF_VERSION_DEPRECATED),
	      "after promote 2.0, 1.0 is deprecating or deprecated (got %s)", xdperf_version_state_str(vi.state));
	xdperf_registry_maintain(r);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_DEPRECATED, 0, 2, 0);
	CHECK(find(r, "tp", "1.0", &vi) && vi.instances == 0, "deprecated 1.0 has no instances left (got %u)", vi.instances);
	rc = exec(r, "tp", "1.0", "x", &ci);
	CHECK(rc < 0 && ci.fault == XDPERF_FAULT_ROUTE, "execute on deprecated 1.0 refused with fault route (got %s %s '%s')", en(rc),
	      xdperf_proto_fault_str(ci.fault), answer());
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_DEPRECATED, 0, 2, 0);
	REFUSED(xdperf_registry_promote(r, "tp", "1.0", err, sizeof err), -EINVAL, "tp", "1.0", "promote of deprecated");
	REFUSED(xdperf_registry_set_traffic(r, "tp", "1.0", 5, err, sizeof err), -EINVAL, "tp", "1.0", "set_traffic on deprecated");
	REFUSED(xdperf_registry_deprecate(r, "tp", "1.0", err, sizeof err), -EINVAL, "tp", "1.0", "deprecate of deprecated");
	rc = route(r, NULL, "tp", &key, 4, "z", &ci);
	CHECK(rc == 0 && answer_is("2.0:z"), "route after promote -> 2.0 (got %s '%s')", en(rc), answer());
	c20++;

	/* rollback: 1.0 active at 100% again, 2.0 deprecating, 3.0 at 0% */
	OK(xdperf_registry_set_traffic(r, "tp", "3.0", 25, err, sizeof err), "set_traffic tp@3.0 25");
	OK(xdperf_registry_rollback(r, "tp", err, sizeof err), "rollback tp");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 2, 0);
	EXPECT(r, "tp", "3.0", XDPERF_VERSION_TESTING, 0, c30, 0);
	CHECK(find(r, "tp", "2.0", &vi) && (vi.state == XDPERF_VERSION_DEPRECATING || vi.state == XDPERF_VERSION_DEPRECATED) &&
		      vi.traffic == 0,
	      "after rollback, 2.0 is deprecating or deprecated at 0%% (got %s %g)", xdperf_version_state_str(vi.state), vi.traffic);
	xdperf_registry_maintain(r);
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_DEPRECATED, 0, c20, 0);
	bool all1 = true;
	for (uint32_t k = 0; k < 200; k++)
		if (route(r, NULL, "tp", &k, 4, "b", &ci) || !answer_is("1.0:b"))
			all1 = false;
	CHECK(all1, "after rollback all 200 flows go to 1.0 (last '%s')", answer());
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_ACTIVE, 100, 202, 0);

	/* deprecated -> testing (re-use), then promote via promote() */
	OK(xdperf_registry_start_testing(r, "tp", "2.0", err, sizeof err), "start_testing on deprecated 2.0");
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_TESTING, 0, c20, 0);
	rc = exec(r, "tp", "2.0", "again", &ci);
	CHECK(rc == 0 && answer_is("2.0:again"), "re-used 2.0 answers again (got %s '%s' '%s')", en(rc), answer(), err);
	c20++;
	OK(xdperf_registry_set_traffic(r, "tp", "2.0", 50, err, sizeof err), "set_traffic tp@2.0 50");
	OK(xdperf_registry_promote(r, "tp", "2.0", err, sizeof err), "promote tp@2.0 again");
	xdperf_registry_maintain(r);
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_ACTIVE, 100, c20, 0);
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_DEPRECATED, 0, 202, 0);

	/* deprecate: testing and inactive versions */
	OK(xdperf_registry_deprecate(r, "tp", "3.0", err, sizeof err), "deprecate testing 3.0");
	xdperf_registry_maintain(r);
	EXPECT(r, "tp", "3.0", XDPERF_VERSION_DEPRECATED, 0, c30, 0);
	OK(load_mod(r, "tp", "4.0", tagged("4.0"), NULL), "load tp@4.0");
	OK(xdperf_registry_deprecate(r, "tp", "4.0", err, sizeof err), "deprecate inactive 4.0");
	xdperf_registry_maintain(r);
	EXPECT(r, "tp", "4.0", XDPERF_VERSION_DEPRECATED, 0, 0, 0);
	REFUSED(xdperf_registry_start_testing(r, "tp", "9.9", err, sizeof err), -ENOENT, "tp", "9.9", "start_testing unknown");

	/* list order: load order */
	l = NULL;
	rc = xdperf_registry_list(r, "tp", &l, &n);
	CHECK(rc == 0 && n == 4 && !strcmp(l[0].version, "1.0") && !strcmp(l[1].version, "2.0") &&
		      !strcmp(l[2].version, "3.0") && !strcmp(l[3].version, "4.0"),
	      "list tp: 4 versions in load order (got %s n=%zu)", en(rc), n);
	free(l);

	/* unload of non-active versions */
	OK(xdperf_registry_unload(r, "tp", "3.0", err, sizeof err), "unload deprecated 3.0");
	xdperf_registry_maintain(r);
	CHECK(!find(r, "tp", "3.0", &vi), "3.0 no longer listed after unload");
	REFUSED(xdperf_registry_unload(r, "tp", "3.0", err, sizeof err), -ENOENT, "tp", "3.0", "unload of an unloaded version");
	OK(load_mod(r, "tp", "3.0", tagged("3.0b"), NULL), "load tp@3.0 again after unload");
	rc = exec(r, "tp", "3.0", "n", &ci);
	CHECK(rc == 0 && answer_is("3.0b:n"), "the new 3.0 answers with its own bytes (got %s '%s')", en(rc), answer());
	OK(xdperf_registry_start_testing(r, "tp", "3.0", err, sizeof err), "start_testing new 3.0");
	OK(xdperf_registry_set_traffic(r, "tp", "3.0", 20, err, sizeof err), "set_traffic new 3.0 20");
	OK(xdperf_registry_unload(r, "tp", "3.0", err, sizeof err), "unload testing 3.0 at 20%");
	xdperf_registry_maintain(r);
	CHECK(!find(r, "tp", "3.0", &vi), "testing 3.0 no longer listed after unload");
	EXPECT(r, "tp", "2.0", XDPERF_VERSION_ACTIVE, 100, c20 + 0, 0);
	all1 = true;
	for (uint32_t k = 0; k < 300; k++)
		if (route(r, NULL, "tp", &k, 4, "u", &ci) || !answer_is("2.0:u"))
			all1 = false;
	CHECK(all1, "after unloading the 20%% canary all 300 flows go to 2.0 (last '%s')", answer());
	c20 += 300;

	/* unload(NULL): the whole protocol */
	OK(load_mod(r, "other", "1", tagged("o1"), NULL), "load other@1");
	OK(xdperf_registry_unload(r, "tp", NULL, err, sizeof err), "unload tp (all versions)");
	xdperf_registry_maintain(r);
	l = NULL;
	rc = xdperf_registry_list(r, "tp", &l, &n);
	CHECK(rc == -ENOENT, "list tp after unload(NULL) -> -ENOENT (got %s)", en(rc));
	free(l);
	rc = route(r, NULL, "tp", &key, 4, "a", &ci);
	CHECK(rc == -ENOENT, "route tp after unload(NULL) -> -ENOENT (got %s)", en(rc));
	CHECK(count_all(r) == 1 && find(r, "other", "1", &vi), "only other@1 left (got %zu)", count_all(r));
	OK(load_mod(r, "tp", "1.0", tagged("new"), NULL), "tp can be loaded again after unload(NULL)");
	EXPECT(r, "tp", "1.0", XDPERF_VERSION_INACTIVE, 0, 0, 0);
	xdperf_registry_free(r);
}

/* A version with a call in flight stays deprecating until the call returns. */
struct blk_arg {
	struct xdperf_registry *r;
	int rc;
	char ans[64];
};

static void *blk_thread(void *p)
{
	struct blk_arg *a = p;
	struct xdperf_worker *w = NULL;
	struct xdperf_proto_buf b = { 0 };
	struct xdperf_call_info ci;
	char e[256] = "";
	a->rc = xdperf_worker_new(a->r, &w, e, sizeof e);
	if (!a->rc)
		a->rc = xdperf_registry_execute(a->r, w, "blk", "b", "block-me", 8, &b, &ci, e, sizeof e);
	snprintf(a->ans, sizeof a->ans, "%.*s", (int)b.len, b.data ? (char *)b.data : "");
	if (a->rc) {
		pthread_mutex_lock(&blk_mu);
		blk_inside = -1;
		pthread_cond_broadcast(&blk_cv);
		pthread_mutex_unlock(&blk_mu);
	}
	free(b.data);
	xdperf_worker_free(w);
	return NULL;
}

static void test_draining(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_version_info vi = { .calls = 0 };
	struct xdperf_call_info ci;
	OK(xdperf_registry_load_native(r, "blk", "a", native_tag, "a", err, sizeof err), "native blk@a");
	OK(xdperf_registry_load_native(r, "blk", "b", native_tag, "b", err, sizeof err), "native blk@b");
	OK(xdperf_registry_start_testing(r, "blk", "a", err, sizeof err), "start_testing blk@a");
	OK(xdperf_registry_promote(r, "blk", "a", err, sizeof err), "promote blk@a");
	OK(xdperf_registry_start_testing(r, "blk", "b", err, sizeof err), "start_testing blk@b");
	OK(xdperf_registry_set_traffic(r, "blk", "b", 50, err, sizeof err), "set_traffic blk@b 50");
	struct blk_arg a = { .r = r };
	pthread_t t;
	blk_release = 0;
	blk_inside = 0;
	pthread_create(&t, NULL, blk_thread, &a);
	pthread_mutex_lock(&blk_mu);
	while (!blk_inside)
		pthread_cond_wait(&blk_cv, &blk_mu);
	pthread_mutex_unlock(&blk_mu);
	CHECK(blk_inside == 1, "a call on blk@b is in flight");
	OK(xdperf_registry_deprecate(r, "blk", "b", err, sizeof err), "deprecate blk@b with a call in flight");
	xdperf_registry_maintain(r);
	xdperf_registry_maintain(r);
	CHECK(find(r, "blk", "b", &vi) && vi.state == XDPERF_VERSION_DEPRECATING,
	      "blk@b stays deprecating while its call is in flight (got %s)", xdperf_version_state_str(vi.state));
	int rc = exec(r, "blk", "b", "hi", &ci);
	CHECK(rc < 0 && ci.fault == XDPERF_FAULT_ROUTE, "execute on deprecating blk@b refused with fault route (got %s %s)", en(rc),
	      xdperf_proto_fault_str(ci.fault));
	bool alla = true;
	for (uint32_t k = 0; k < 500; k++)
		if (route(r, NULL, "blk", &k, 4, "m", &ci) || !answer_is("a:m"))
			alla = false;
	CHECK(alla, "while blk@b is deprecating all 500 flows go to a (last '%s')", answer());
	err[0] = 0;
	/* the header allows taking a deprecating version back into testing (as rollback may) */
	rc = xdperf_registry_start_testing(r, "blk", "b", err, sizeof err);
	CHECK(rc == 0 && find(r, "blk", "b", &vi) && vi.state == XDPERF_VERSION_TESTING,
	      "start_testing on deprecating blk@b: back to testing (got %s '%s')", en(rc), err);
	OK(xdperf_registry_deprecate(r, "blk", "b", err, sizeof err), "deprecate blk@b again, call still in flight");
	pthread_mutex_lock(&blk_mu);
	blk_release = 1;
	pthread_cond_broadcast(&blk_cv);
	pthread_mutex_unlock(&blk_mu);
	pthread_join(t, NULL);
	CHECK(a.rc == 0 && !strcmp(a.ans, "b:block-me"), "the in-flight call finished on b (got %s '%s')", en(a.rc), a.ans);
	int changed = xdperf_registry_maintain(r);
	CHECK(changed == 1, "maintain after the drain: 1 version changed state (got %d)", changed);
	EXPECT(r, "blk", "b", XDPERF_VERSION_DEPRECATED, 0, 1, 0);
	changed = xdperf_registry_maintain(r);
	CHECK(changed == 0, "maintain again: nothing changed (got %d)", changed);

	/* unload while a call is in flight: unlisted at once, freed when the call returns */
	OK(xdperf_registry_start_testing(r, "blk", "b", err, sizeof err), "start_testing deprecated blk@b");
	blk_release = 0;
	blk_inside = 0;
	pthread_create(&t, NULL, blk_thread, &a);
	pthread_mutex_lock(&blk_mu);
	while (!blk_inside)
		pthread_cond_wait(&blk_cv, &blk_mu);
	pthread_mutex_unlock(&blk_mu);
	OK(xdperf_registry_unload(r, "blk", "b", err, sizeof err), "unload blk@b with a call in flight");
	xdperf_registry_maintain(r);
	CHECK(!find(r, "blk", "b", &vi), "unloaded blk@b is no longer listed");
	rc = exec(r, "blk", "b", "hi", &ci);
	CHECK(rc == -ENOENT, "execute on the unloaded blk@b -> -ENOENT (got %s)", en(rc));
	pthread_mutex_lock(&blk_mu);
	blk_release = 1;
	pthread_cond_broadcast(&blk_cv);
	pthread_mutex_unlock(&blk_mu);
	pthread_join(t, NULL);
	CHECK(a.rc == 0 && !strcmp(a.ans, "b:block-me"), "the in-flight call on the unloaded version finished on b (got %s '%s')",
	      en(a.rc), a.ans);
	xdperf_registry_maintain(r);
	EXPECT(r, "blk", "a", XDPERF_VERSION_ACTIVE, 100, 500, 0);
	xdperf_registry_free(r);
}

/* ---- routing ----------------------------------------------------------------------------------- */

#define NFLOWS 100000

static void test_routing(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_worker *w = NULL;
	struct xdperf_call_info ci;
	int rc = xdperf_worker_new(r, &w, err, sizeof err);
	CHECK(rc == 0 && w, "worker_new (got %s '%s')", en(rc), err);
	OK(load_mod(r, "rt", "A", tagged("A"), NULL), "load rt@A");
	OK(load_mod(r, "rt", "B", tagged("B"), NULL), "load rt@B");
	OK(load_mod(r, "rt", "C", tagged("C"), NULL), "load rt@C");
	OK(xdperf_registry_start_testing(r, "rt", "A", err, sizeof err), "start_testing rt@A");
	OK(xdperf_registry_promote(r, "rt", "A", err, sizeof err), "promote rt@A");
	OK(xdperf_registry_start_testing(r, "rt", "B", err, sizeof err), "start_testing rt@B");
	static const double pcts[] = { 1, 10, 33.3, 50 };
	uint8_t *on_b = calloc(NFLOWS, 1);
	for (size_t pi = 0; pi < 4; pi++) {
		double p = pcts[pi];
		OK(xdperf_registry_set_traffic(r, "rt", "B", p, err, sizeof err), "set_traffic rt@B");
		long nb = 0, na = 0, bad = 0, moved = 0;
		for (uint32_t k = 0; k < NFLOWS; k++) {
			rc = route(r, w, "rt", &k, 4, "x", &ci);
			bool b = rc == 0 && answer_is("B:x") && !strcmp(ci.version, "B");
			bool a = rc == 0 && answer_is("A:x") && !strcmp(ci.version, "A");
			if (!a && !b)
				bad++;
			nb += b;
			na += a;
			if (pi > 0 && on_b[k] && !b)
				moved++;
			on_b[k] = b;
		}
		double share = 100.0 * (double)nb / NFLOWS;
		CHECK(bad == 0 && fabs(share - p) <= 1.0, "B at %g%%: %ld of %d flows on B = %.3f%% (within 1 point), A %ld, failed %ld", p,
		      nb, NFLOWS, share, na, bad);
		if (pi > 0)
			CHECK(moved == 0, "raising B from %g%% to %g%%: no flow left B (got %ld)", pcts[pi - 1], p, moved);
		long unstable = 0;
		for (uint32_t k = 0; k < NFLOWS; k += 7) {
			rc = route(r, w, "rt", &k, 4, "x", &ci);
			if (rc || (answer_is("B:x") != (bool)on_b[k]))
				unstable++;
		}
		CHECK(unstable == 0, "B at %g%%: every flow routed again gets the same version (changed %ld)", p, unstable);
	}
	free(on_b);

	/* 13-byte 5-tuple keys at 33.3% */
	OK(xdperf_registry_set_traffic(r, "rt", "B", 33.3, err, sizeof err), "set_traffic rt@B 33.3 (after 50: lowering)");
	{
		long nb = 0;
		for (uint32_t k = 0; k < NFLOWS; k++) {
			uint8_t t[13] = { 10, 0, (uint8_t)(k >> 16), (uint8_t)(k >> 8), 10, 0, 0, 1, 0, 0, 0, 0, 17 };
			t[8] = (uint8_t)(k >> 8);
			t[9] = (uint8_t)k;
			t[10] = 0x1f;
			t[11] = 0x90;
			if (route(r, w, "rt", t, 13, "x", &ci) == 0 && answer_is("B:x"))
				nb++;
		}
		double share = 100.0 * (double)nb / NFLOWS;
		CHECK(fabs(share - 33.3) <= 1.0, "13-byte 5-tuple keys, B at 33.3%%: %.3f%% on B", share);
	}

	/* two canaries */
	OK(xdperf_registry_set_traffic(r, "rt", "B", 10, err, sizeof err), "set_traffic rt@B 10");
	OK(xdperf_registry_start_testing(r, "rt", "C", err, sizeof err), "start_testing rt@C");
	OK(xdperf_registry_set_traffic(r, "rt", "C", 20, err, sizeof err), "set_traffic rt@C 20");
	{
		long c[3];
		long bad = count_answers(r, w, "rt", NFLOWS, "y", (const char *const[]){ "A:y", "B:y", "C:y" }, c);
		CHECK(bad == 0 && fabs(c[0] / 1000.0 - 70) <= 1 && fabs(c[1] / 1000.0 - 10) <= 1 && fabs(c[2] / 1000.0 - 20) <= 1,
		      "A 70%% / B 10%% / C 20%%: got %.2f / %.2f / %.2f, failed %ld", c[0] / 1000.0, c[1] / 1000.0, c[2] / 1000.0, bad);
	}
	/* keylen 0: spread evenly */
	{
		long nb = 0, nc = 0;
		for (int i = 0; i < 20000; i++) {
			if (route(r, w, "rt", NULL, 0, "s", &ci) == 0) {
				nb += answer_is("B:s");
				nc += answer_is("C:s");
			}
		}
		CHECK(fabs(nb / 200.0 - 10) <= 1.5 && fabs(nc / 200.0 - 20) <= 1.5,
		      "keylen 0 over 20000 calls: B %.2f%% (10), C %.2f%% (20)", nb / 200.0, nc / 200.0);
	}
	/* list after routing */
	{
		struct xdperf_version_info *l = NULL;
		size_t n = 0;
		uint64_t sum = 0;
		rc = xdperf_registry_list(r, "rt", &l, &n);
		for (size_t i = 0; i < n; i++)
			sum += l[i].calls;
		uint64_t want = 4 * (uint64_t)NFLOWS + 4 * ((NFLOWS + 6) / 7) + 2 * (uint64_t)NFLOWS + 20000;
		CHECK(rc == 0 && n == 3 && sum == want, "list rt: 3 versions whose calls sum to %llu (got %llu)",
		      (unsigned long long)want, (unsigned long long)sum);
		CHECK(n == 3 && l[0].instances == 1 && l[1].instances == 1 && l[2].instances == 1,
		      "each version has 1 instance (one worker called them)");
		CHECK(n == 3 && l[0].p50_ns > 0 && l[0].p99_ns >= l[0].p50_ns, "latency p50 %llu ns <= p99 %llu ns",
		      n ? (unsigned long long)l[0].p50_ns : 0ull, n ? (unsigned long long)l[0].p99_ns : 0ull);
		CHECK(n == 3 && l[0].memory_bytes >= 65536, "A memory_bytes %llu >= one page", n ? (unsigned long long)l[0].memory_bytes : 0ull);
		free(l);
	}
	xdperf_worker_free(w);

	/* max_workers */
	struct xdperf_registry_opts o = { .sz = sizeof o, .max_workers = 2 };
	struct xdperf_registry *r2 = reg_new(&o);
	struct xdperf_worker *w1 = NULL, *w2 = NULL, *w3 = NULL;
	int rc1 = xdperf_worker_new(r2, &w1, err, sizeof err);
	int rc2 = xdperf_worker_new(r2, &w2, err, sizeof err);
	int rc3 = xdperf_worker_new(r2, &w3, err, sizeof err);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == -ENOSPC, "max_workers 2: third worker_new -> -ENOSPC (got %s %s %s)", en(rc1), en(rc2), en(rc3));
	xdperf_worker_free(w2);
	w2 = NULL;
	rc3 = xdperf_worker_new(r2, &w3, err, sizeof err);
	CHECK(rc3 == 0, "after freeing one, worker_new works again (got %s)", en(rc3));
	xdperf_worker_free(w1);
	xdperf_worker_free(w3);
	xdperf_registry_free(r2);
	xdperf_registry_free(r);
}

/* ---- bad modules through the registry ---------------------------------------------------------- */

static void refused_load(struct xdperf_registry *r, const char *id, const char *name, const struct xdperf_proto_policy *pol,
			 const char *want_text)
{
	size_t before = count_all(r);
	int rc = load_mod(r, id, "1.0", mod(name), pol);
	CHECK(rc == -EINVAL, "registry: load %s refused with -EINVAL (got %s)", name, en(rc));
	CHECK(strstr(err, want_text) && strstr(err, id) && strstr(err, "1.0"), "registry: refusal of %s mentions '%s' and %s@1.0: '%s'",
	      name, want_text, id, err);
	CHECK(count_all(r) == before, "registry: refused %s leaves %zu versions (got %zu)", name, before, count_all(r));
	struct xdperf_version_info *l = NULL;
	size_t n;
	rc = xdperf_registry_list(r, id, &l, &n);
	CHECK(rc == -ENOENT, "registry: refused %s creates no protocol %s (list -> %s)", name, id, en(rc));
	free(l);
}

struct stats {
	uint64_t calls, errors, traps, fuel, mem, out;
};

static void expect_stats(struct xdperf_registry *r, const char *id, const char *ver, struct stats s)
{
	struct xdperf_version_info vi = { .calls = 0 };
	bool f = find(r, id, ver, &vi);
	CHECK(f && vi.calls == s.calls && vi.errors == s.errors && vi.traps == s.traps && vi.fuel == s.fuel &&
		      vi.memory_cap == s.mem && vi.bad_output == s.out,
	      "%s@%s stats calls/errors/traps/fuel/memory_cap/bad_output = %llu/%llu/%llu/%llu/%llu/%llu (got %llu/%llu/%llu/%llu/%llu/%llu)",
	      id, ver, (unsigned long long)s.calls, (unsigned long long)s.errors, (unsigned long long)s.traps,
	      (unsigned long long)s.fuel, (unsigned long long)s.mem, (unsigned long long)s.out,
	      (unsigned long long)vi.calls, (unsigned long long)vi.errors, (unsigned long long)vi.traps,
	      (unsigned long long)vi.fuel, (unsigned long long)vi.memory_cap, (unsigned long long)vi.bad_output);
}

/* Sends `bad` (by route when via_route, else execute), expects want/fault, then "ok" works. */
static void call_fault(struct xdperf_registry *r, struct xdperf_worker *w, const char *id, const char *bad, int want,
		       enum xdperf_proto_fault fault, bool via_route)
{
	struct xdperf_call_info ci;
	uint32_t key = 3;
	int rc = via_route ? route(r, w, id, &key, 4, bad, &ci) : exec(r, id, "1.0", bad, &ci);
	CHECK(rc == want && ci.fault == fault && !strcmp(ci.version, "1.0"),
	      "%s '%.8s' via %s -> %s fault %s version 1.0 (got %s fault %s version '%.31s')", id, bad, via_route ? "route" : "execute",
	      en(want), xdperf_proto_fault_str(fault), en(rc), xdperf_proto_fault_str(ci.fault), ci.version);
	CHECK(strstr(err, id) && strstr(err, "1.0"), "%s fault message names %s@1.0: '%s'", id, id, err);
	rc = via_route ? route(r, w, id, &key, 4, "ok", &ci) : exec(r, id, "1.0", "ok", &ci);
	CHECK(rc == 0 && ci.fault == XDPERF_FAULT_NONE && answer_is("ok"), "%s: the next message echoes (got %s %s '%s' '%s')", id,
	      en(rc), xdperf_proto_fault_str(ci.fault), answer(), err);
}

static void test_bad_modules(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_worker *w = NULL;
	xdperf_worker_new(r, &w, err, sizeof err);
	OK(load_mod(r, "keep", "1", mod("echo"), NULL), "load keep@1");
	struct xdperf_proto_policy env_only = { .sz = sizeof env_only, .allowed_imports = "env" };
	refused_load(r, "nh", "no_handle", NULL, "handle");
	refused_load(r, "na", "no_alloc", NULL, "alloc");
	refused_load(r, "ws", "wrong_sig", NULL, "handle");
	refused_load(r, "cmd", "command", NULL, "reactor");
	refused_load(r, "wi", "wasi_import", &env_only, "wasi_snapshot_preview1");
	{
		size_t before = count_all(r);
		int rc = xdperf_registry_load(r, "nw", "1.0", (const uint8_t *)"\0asm\2\0\0\0", 8, NULL, err, sizeof err);
		CHECK(rc == -EINVAL && count_all(r) == before, "registry: bytes that are not wasm -> -EINVAL, registry unchanged (got %s '%s')",
		      en(rc), err);
		rc = load_mod(r, "keep", "2", mod("no_handle"), NULL);
		CHECK(rc == -EINVAL && count_all(r) == before, "registry: bad second version of keep refused, keep unchanged (got %s)", en(rc));
	}

	struct xdperf_proto_policy fuel = { .sz = sizeof fuel, .fuel = 100000 };
	struct xdperf_proto_policy pages = { .sz = sizeof pages, .max_memory_pages = 4 };
	struct xdperf_proto_policy io = { .sz = sizeof io, .max_input = 64, .max_output = 32 };
	OK(load_mod(r, "ftrap", "1.0", mod("trap_on"), NULL), "load ftrap");
	OK(load_mod(r, "ffuel", "1.0", mod("loop_on"), &fuel), "load ffuel (fuel 100000)");
	OK(load_mod(r, "fmem", "1.0", mod("grow_on"), &pages), "load fmem (4 pages)");
	OK(load_mod(r, "fout", "1.0", mod("bad_output"), NULL), "load fout");
	OK(load_mod(r, "fio", "1.0", mod("echo"), &io), "load fio (max_input 64, max_output 32)");
	static const char *const ids[] = { "ftrap", "ffuel", "fmem", "fout", "fio" };
	for (int i = 0; i < 5; i++) {
		OK(xdperf_registry_start_testing(r, ids[i], "1.0", err, sizeof err), "start_testing");
		OK(xdperf_registry_promote(r, ids[i], "1.0", err, sizeof err), "promote");
	}
	char big65[66], big33[34];
	memset(big65, 'i', 65);
	big65[65] = 0;
	memset(big33, 'o', 33);
	big33[33] = 0;
	for (int pass = 0; pass < 2; pass++) {
		bool vr = pass == 1;
		call_fault(r, w, "ftrap", "trap now", -EINVAL, XDPERF_FAULT_TRAP, vr);
		call_fault(r, w, "ffuel", "loop", -EINVAL, XDPERF_FAULT_FUEL, vr);
		call_fault(r, w, "fmem", "grow", -EINVAL, XDPERF_FAULT_MEMORY, vr);
		call_fault(r, w, "fout", "bout", -EINVAL, XDPERF_FAULT_OUTPUT, vr);
		call_fault(r, w, "fout", "bend", -EINVAL, XDPERF_FAULT_OUTPUT, vr);
		call_fault(r, w, "fio", big65, -E2BIG, XDPERF_FAULT_INPUT, vr);
		call_fault(r, w, "fio", big33, -E2BIG, XDPERF_FAULT_OUTPUT, vr);
	}
	expect_stats(r, "ftrap", "1.0", (struct stats){ .calls = 4, .errors = 2, .traps = 2 });
	expect_stats(r, "ffuel", "1.0", (struct stats){ .calls = 4, .errors = 2, .fuel = 2 });
	expect_stats(r, "fmem", "1.0", (struct stats){ .calls = 4, .errors = 2, .mem = 2 });
	expect_stats(r, "fout", "1.0", (struct stats){ .calls = 8, .errors = 4, .out = 4 });
	/* fio: 4 bad messages (2 too big in, 2 too big out) + 4 good */
	expect_stats(r, "fio", "1.0", (struct stats){ .calls = 8, .errors = 4, .out = 2 });
	{
		struct xdperf_version_info vi = { .calls = 0 };
		bool f = find(r, "fmem", "1.0", &vi);
		/* each instance grew to its 4-page cap; what it holds besides is stacks and structures */
		uint64_t inst = f ? (vi.memory_bytes - vi.module_bytes) / 2 : 0;
		CHECK(f && vi.instances == 2 && vi.module_bytes > 0 && (vi.memory_bytes - vi.module_bytes) % 2 == 0 &&
		      inst >= 4 * 65536 && inst <= 4 * 65536 + (8u << 20),
		      "fmem: 2 instances (shared worker, w) of %llu bytes each: 4 pages + at most the 8 MiB "
		      "max_instance_bytes allows besides (%u instances, %llu bytes, module %llu)", (unsigned long long)inst,
		      vi.instances, (unsigned long long)vi.memory_bytes, (unsigned long long)vi.module_bytes);
	}
	EXPECT(r, "keep", "1", XDPERF_VERSION_INACTIVE, 0, 0, 0);
	xdperf_worker_free(w);
	xdperf_registry_free(r);
}

/* ---- native handlers --------------------------------------------------------------------------- */

static void test_native(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_worker *w = NULL;
	struct xdperf_call_info ci;
	struct xdperf_version_info vi = { .calls = 0 };
	int rc;
	xdperf_worker_new(r, &w, err, sizeof err);
	OK(xdperf_registry_load_native(r, "nat", "1", native_tag, "n1", err, sizeof err), "load_native nat@1");
	REFUSED(xdperf_registry_load_native(r, "nat", "1", native_tag, "n1", err, sizeof err), -EEXIST, "nat", "1", "duplicate native");
	OK(xdperf_registry_load_native(r, "nat", "2", native_tag, "n2", err, sizeof err), "load_native nat@2");
	OK(load_mod(r, "nat", "3", tagged("m3"), NULL), "module nat@3 next to natives");
	CHECK(find(r, "nat", "1", &vi) && vi.native && vi.sha256[0] == 0 && vi.state == XDPERF_VERSION_INACTIVE,
	      "nat@1 listed native, inactive, sha256 \"\"");
	rc = exec(r, "nat", "1", "hey", &ci);
	CHECK(rc == 0 && answer_is("n1:hey") && !strcmp(ci.version, "1"), "execute native nat@1 -> 'n1:hey' (got %s '%s')", en(rc), answer());
	OK(xdperf_registry_start_testing(r, "nat", "1", err, sizeof err), "start_testing nat@1");
	OK(xdperf_registry_promote(r, "nat", "1", err, sizeof err), "promote nat@1");
	OK(xdperf_registry_start_testing(r, "nat", "2", err, sizeof err), "start_testing nat@2");
	OK(xdperf_registry_set_traffic(r, "nat", "2", 25, err, sizeof err), "set_traffic nat@2 25");
	OK(xdperf_registry_start_testing(r, "nat", "3", err, sizeof err), "start_testing nat@3");
	OK(xdperf_registry_set_traffic(r, "nat", "3", 25, err, sizeof err), "set_traffic nat@3 25");
	long c[3];
	long bad = count_answers(r, w, "nat", 20000, "p", (const char *const[]){ "n1:p", "n2:p", "m3:p" }, c);
	CHECK(bad == 0 && labs(c[0] - 10000) < 400 && labs(c[1] - 5000) < 300 && labs(c[2] - 5000) < 300,
	      "native 50%% / native 25%% / module 25%% over 20000 flows: %ld / %ld / %ld (failed %ld)", c[0], c[1], c[2], bad);
	rc = route(r, w, "nat", "k", 1, "fail please", &ci);
	CHECK(rc < 0 && ci.fault == XDPERF_FAULT_NATIVE, "native error -> fault native (got %s %s)", en(rc), xdperf_proto_fault_str(ci.fault));
	CHECK(strstr(err, "nat") != NULL, "native error message names nat: '%s'", err);
	uint64_t on1 = 1 + (uint64_t)c[0] + (strcmp(ci.version, "1") == 0), err1 = strcmp(ci.version, "1") == 0;
	rc = exec(r, "nat", "1", "fail", &ci);
	CHECK(rc < 0 && ci.fault == XDPERF_FAULT_NATIVE && !strcmp(ci.version, "1"), "execute native failure -> fault native on 1 (got %s %s)",
	      en(rc), xdperf_proto_fault_str(ci.fault));
	rc = exec(r, "nat", "1", "after", &ci);
	CHECK(rc == 0 && answer_is("n1:after"), "native works after its failure");
	on1 += 2;
	err1 += 1;
	OK(xdperf_registry_promote(r, "nat", "2", err, sizeof err), "promote nat@2");
	rc = route(r, w, "nat", "k", 1, "z", &ci);
	CHECK(rc == 0 && answer_is("n2:z"), "after promote native nat@2 answers (got '%s')", answer());
	OK(xdperf_registry_rollback(r, "nat", err, sizeof err), "rollback nat");
	rc = route(r, w, "nat", "k", 1, "z", &ci);
	CHECK(rc == 0 && answer_is("n1:z"), "after rollback native nat@1 answers (got '%s')", answer());
	on1++;
	EXPECT(r, "nat", "1", XDPERF_VERSION_ACTIVE, 100, on1, err1);
	xdperf_worker_free(w);
	xdperf_registry_free(r);
}

/* A native handler that routes its input to protocol "nat" through the same worker (nested
 * call), then promotes px@2 and runs maintain while its own call on px@1 is still in flight. */
struct proxy_ctx {
	struct xdperf_registry *r;
	struct xdperf_worker *w;
	struct xdperf_proto_buf inner;
	int state_after; /* px@1's state seen from inside, after maintain */
};

static int native_proxy(void *ctx, const uint8_t *in, size_t len, struct xdperf_proto_buf *out, char *e, size_t el)
{
	struct proxy_ctx *p = ctx;
	int rc = xdperf_registry_route(p->r, p->w, "nat", "k", 1, in, len, &p->inner, NULL, e, el);
	if (rc)
		return rc;
	char pe[256];
	if (xdperf_registry_promote(p->r, "px", "2", pe, sizeof pe))
		return -EIO;
	xdperf_registry_maintain(p->r);
	struct xdperf_version_info *vi;
	size_t n;
	p->state_after = -1;
	if (!xdperf_registry_list(p->r, "px", &vi, &n)) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(vi[i].version, "1"))
				p->state_after = (int)vi[i].state;
		free(vi);
	}
	if (out->cap < p->inner.len + 2) {
		uint8_t *d = realloc(out->data, p->inner.len + 2);
		if (!d)
			return -ENOMEM;
		out->data = d;
		out->cap = p->inner.len + 2;
	}
	out->data[0] = '(';
	memcpy(out->data + 1, p->inner.data, p->inner.len);
	out->data[p->inner.len + 1] = ')';
	out->len = p->inner.len + 2;
	return 0;
}

static void test_nested(void)
{
	for (int shared = 0; shared <= 1; shared++) {
		struct xdperf_registry *r = reg_new(NULL);
		struct xdperf_worker *w = NULL;
		struct xdperf_call_info ci;
		if (!shared)
			xdperf_worker_new(r, &w, err, sizeof err);
		struct proxy_ctx pc = { .r = r, .w = w };
		OK(xdperf_registry_load_native(r, "nat", "1", native_tag, "n1", err, sizeof err), "nested: nat@1");
		OK(xdperf_registry_start_testing(r, "nat", "1", err, sizeof err), "nested: test nat@1");
		OK(xdperf_registry_promote(r, "nat", "1", err, sizeof err), "nested: promote nat@1");
		OK(xdperf_registry_load_native(r, "px", "1", native_proxy, &pc, err, sizeof err), "nested: px@1");
		OK(xdperf_registry_load_native(r, "px", "2", native_tag, "p2", err, sizeof err), "nested: px@2");
		OK(xdperf_registry_start_testing(r, "px", "1", err, sizeof err), "nested: test px@1");
		OK(xdperf_registry_promote(r, "px", "1", err, sizeof err), "nested: promote px@1");
		OK(xdperf_registry_start_testing(r, "px", "2", err, sizeof err), "nested: test px@2");
		int rc = route(r, w, "px", "f", 1, "in", &ci);
		CHECK(rc == 0 && answer_is("(n1:in)") && !strcmp(ci.version, "1"),
		      "%s worker: px@1 answered through a nested call to nat (got %s '%s')", shared ? "shared" : "own",
		      en(rc), answer());
		CHECK(pc.state_after == XDPERF_VERSION_DEPRECATING,
		      "%s worker: px@1 stayed deprecating while its call was in flight after the nested call returned (got %d)",
		      shared ? "shared" : "own", pc.state_after);
		xdperf_registry_maintain(r);
		struct xdperf_version_info vi;
		CHECK(find(r, "px", "1", &vi) && vi.state == XDPERF_VERSION_DEPRECATED,
		      "%s worker: px@1 deprecated once the call returned", shared ? "shared" : "own");
		free(pc.inner.data);
		xdperf_worker_free(w);
		xdperf_registry_free(r);
	}
}

/* Percentages are kept to the routing resolution (0.01 %): a value that rounding would carry to
 * 100 (a promotion) or to 0 (no traffic) is refused and changes nothing; others are rounded. */
static void test_rounding(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_version_info vi;
	OK(xdperf_registry_load_native(r, "rd", "1", native_tag, "r1", err, sizeof err), "rounding: rd@1");
	OK(xdperf_registry_load_native(r, "rd", "2", native_tag, "r2", err, sizeof err), "rounding: rd@2");
	OK(xdperf_registry_start_testing(r, "rd", "1", err, sizeof err), "rounding: test rd@1");
	OK(xdperf_registry_promote(r, "rd", "1", err, sizeof err), "rounding: promote rd@1");
	OK(xdperf_registry_start_testing(r, "rd", "2", err, sizeof err), "rounding: test rd@2");
	static const struct { double pct; const char *says; } refused[] = {
		{ 0.004, "0.004% would round to 0% (no traffic)" },
		{ 0.0049, "0.0049% would round to 0% (no traffic)" },
		{ 99.995, "99.995% would round to 100% (a promotion)" },
		{ 99.996, "99.996% would round to 100% (a promotion)" },
		{ 99.999, "99.999% would round to 100% (a promotion)" },
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "rounding: rd@2 at %g%%", refused[i].pct);
		REFUSED(xdperf_registry_set_traffic(r, "rd", "2", refused[i].pct, err, sizeof err), -EINVAL, "rd", "2", what);
		CHECK(strstr(err, refused[i].says), "%s: says '%s': '%s'", what, refused[i].says, err);
		CHECK(find(r, "rd", "2", &vi) && vi.state == XDPERF_VERSION_TESTING && vi.traffic == 0,
		      "%s: nothing changed (got %s %g)", what, xdperf_version_state_str(vi.state), vi.traffic);
		CHECK(find(r, "rd", "1", &vi) && vi.state == XDPERF_VERSION_ACTIVE, "%s: rd@1 still active", what);
	}
	static const struct { double pct, applied; } rounded[] = {
		{ 0.005, 0.01 }, { 12.344, 12.34 }, { 12.346, 12.35 }, { 99.994, 99.99 }, { 0, 0 },
	};
	for (size_t i = 0; i < sizeof rounded / sizeof rounded[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "rounding: rd@2 at %g%%", rounded[i].pct);
		OK(xdperf_registry_set_traffic(r, "rd", "2", rounded[i].pct, err, sizeof err), what);
		CHECK(find(r, "rd", "2", &vi) && vi.state == XDPERF_VERSION_TESTING &&
			      fabs(vi.traffic - rounded[i].applied) < 1e-9,
		      "%s: testing at %g%% (got %s %g)", what, rounded[i].applied,
		      xdperf_version_state_str(vi.state), vi.traffic);
	}
	double q = -1;
	CHECK(xdperf_traffic_round("x@1", 33.335, &q, err, sizeof err) == 0 && fabs(q - 33.34) < 1e-9,
	      "xdperf_traffic_round 33.335 -> 33.34 (got %g)", q);
	CHECK(xdperf_traffic_round("x@1", 100.5, &q, err, sizeof err) == -EINVAL && strstr(err, "x@1"),
	      "xdperf_traffic_round 100.5 -> -EINVAL naming x@1 ('%s')", err);
	OK(xdperf_registry_set_traffic(r, "rd", "2", 100, err, sizeof err), "rounding: rd@2 at 100%");
	CHECK(find(r, "rd", "2", &vi) && vi.state == XDPERF_VERSION_ACTIVE && vi.traffic == 100,
	      "100%% promotes (got %s %g)", xdperf_version_state_str(vi.state), vi.traffic);
	CHECK(find(r, "rd", "1", &vi) && (vi.state == XDPERF_VERSION_DEPRECATING || vi.state == XDPERF_VERSION_DEPRECATED),
	      "rd@1 deprecating (or, with no call in flight, already deprecated) after that (got %s)",
	      xdperf_version_state_str(vi.state));
	xdperf_registry_free(r);
}

/* max_protocols / max_versions: loads past them refused with -ENOSPC (before compiling), a
 * replacement not counted twice, room again after an unload. */
static void test_limits(void)
{
	struct xdperf_registry_opts o = { .sz = sizeof o, .max_protocols = 2, .max_versions = 2 };
	struct xdperf_registry *r = reg_new(&o);
	OK(load_mod(r, "a", "1", tagged("a1"), NULL), "limits: a@1");
	OK(load_mod(r, "a", "2", tagged("a2"), NULL), "limits: a@2");
	REFUSED(load_mod(r, "a", "3", tagged("a3"), NULL), -ENOSPC, "a", NULL, "limits: a@3 (max_versions 2)");
	CHECK(strstr(err, "max_versions"), "limits: a@3 names max_versions: '%s'", err);
	struct xdperf_load_opts lo = { .sz = sizeof lo, .replace = true };
	struct wasm w = tagged("a2b");
	err[0] = 0;
	int rc = xdperf_registry_load(r, "a", "2", w.b, w.len, &lo, err, sizeof err);
	free(w.b);
	CHECK(rc == 0, "limits: replacing a@2 is not a third version (got %s '%s')", en(rc), err);
	OK(load_mod(r, "b", "1", tagged("b1"), NULL), "limits: b@1");
	REFUSED(load_mod(r, "c", "1", tagged("c1"), NULL), -ENOSPC, "c", NULL, "limits: c@1 (max_protocols 2)");
	CHECK(strstr(err, "max_protocols"), "limits: c@1 names max_protocols: '%s'", err);
	OK(xdperf_registry_unload(r, "a", "1", err, sizeof err), "limits: unload a@1");
	OK(load_mod(r, "a", "3", tagged("a3"), NULL), "limits: a@3 after the unload");
	OK(xdperf_registry_unload(r, "b", NULL, err, sizeof err), "limits: unload b");
	OK(load_mod(r, "c", "1", tagged("c1"), NULL), "limits: c@1 after the unload");
	/* the policy's byte caps: a module over max_module_bytes, an instance over max_instance_bytes */
	struct xdperf_proto_policy small = { .sz = sizeof small, .max_module_bytes = 1000 };
	REFUSED(load_mod(r, "c", "2", tagged("c2"), &small), -EFBIG, "c", NULL, "limits: c@2 (max_module_bytes 1000)");
	CHECK(strstr(err, "module too large") && strstr(err, "limit of 1000 bytes") && strstr(err, "max_module_bytes"),
	      "limits: c@2 names max_module_bytes: '%s'", err);
	small = (struct xdperf_proto_policy){ .sz = sizeof small, .max_instance_bytes = 100000 };
	REFUSED(load_mod(r, "c", "2", tagged("c2"), &small), -EFBIG, "c", NULL, "limits: c@2 (max_instance_bytes 100000)");
	CHECK(strstr(err, "an instance would not fit its policy") && strstr(err, "over its limit of 100000 bytes"),
	      "limits: c@2 names the instance limit: '%s'", err);
	/* cancelled loads: every later load fails with -EINTR */
	xdperf_registry_cancel_loads(r);
	REFUSED(load_mod(r, "c", "2", tagged("c2"), NULL), -EINTR, "c", NULL, "limits: c@2 after cancel_loads");
	CHECK(strstr(err, "loading interrupted"), "limits: c@2 says loading interrupted: '%s'", err);
	xdperf_registry_free(r);
}

/* ---- load with replace ----------------------------------------------------------------------- */

static int load_replace(struct xdperf_registry *r, const char *id, const char *ver, struct wasm w)
{
	struct xdperf_load_opts lo = { .sz = sizeof lo, .replace = true };
	err[0] = 0;
	int rc = xdperf_registry_load(r, id, ver, w.b, w.len, &lo, err, sizeof err);
	free(w.b);
	return rc;
}

static void test_replace(void)
{
	struct xdperf_registry *r = reg_new(NULL);
	struct xdperf_version_info vi;
	OK(load_mod(r, "rp", "1", tagged("one"), NULL), "replace: rp@1");
	OK(xdperf_registry_start_testing(r, "rp", "1", err, sizeof err), "replace: test rp@1");
	OK(xdperf_registry_promote(r, "rp", "1", err, sizeof err), "replace: promote rp@1");
	OK(load_mod(r, "rp", "2", tagged("two"), NULL), "replace: rp@2");
	OK(xdperf_registry_start_testing(r, "rp", "2", err, sizeof err), "replace: test rp@2");
	OK(xdperf_registry_set_traffic(r, "rp", "2", 30, err, sizeof err), "replace: rp@2 at 30%");
	REFUSED(load_mod(r, "rp", "2", tagged("zwei"), NULL), -EEXIST, "rp", "2", "replace: without the option");
	/* a new module that fails a check leaves the old one as it was */
	struct wasm junk = { .b = (uint8_t *)strdup("not a module"), .len = 12 };
	CHECK(load_replace(r, "rp", "2", junk) == -EINVAL, "replace: junk bytes refused (err '%s')", err);
	CHECK(find(r, "rp", "2", &vi) && vi.state == XDPERF_VERSION_TESTING && vi.traffic == 30,
	      "replace: after a refused replacement rp@2 is still testing at 30%% (got %s %g)",
	      xdperf_version_state_str(vi.state), vi.traffic);
	OK(exec(r, "rp", "2", "x", NULL), "replace: rp@2 still answers");
	CHECK(answer_is("two:x"), "replace: ... with the old module (got '%s')", answer());
	/* a good one replaces it in one step: inactive, the new bytes */
	OK(load_replace(r, "rp", "2", tagged("zwei")), "replace: rp@2 replaced");
	CHECK(find(r, "rp", "2", &vi) && vi.state == XDPERF_VERSION_INACTIVE && vi.traffic == 0,
	      "replace: the new rp@2 starts inactive (got %s %g)", xdperf_version_state_str(vi.state), vi.traffic);
	OK(exec(r, "rp", "2", "x", NULL), "replace: new rp@2 answers");
	CHECK(answer_is("zwei:x"), "replace: ... with the new module (got '%s')", answer());
	CHECK(find(r, "rp", "1", &vi) && vi.state == XDPERF_VERSION_ACTIVE && vi.traffic == 100,
	      "replace: rp@1 still active at 100%% (got %s %g)", xdperf_version_state_str(vi.state), vi.traffic);
	REFUSED(load_replace(r, "rp", "1", tagged("uno")), -EBUSY, "rp", "1", "replace: the active version");
	OK(exec(r, "rp", "1", "x", NULL), "replace: rp@1 answers");
	CHECK(answer_is("one:x"), "replace: rp@1 kept its module (got '%s')", answer());
	struct xdperf_version_info *all;
	size_t n;
	OK(xdperf_registry_list(r, "rp", &all, &n), "replace: list");
	CHECK(n == 2, "replace: two versions listed (got %zu)", n);
	free(all);
	xdperf_registry_free(r);
}

/* ---- idle expiry -------------------------------------------------------------------------------- */

static void test_idle(void)
{
	struct xdperf_registry_opts o = { .sz = sizeof o };
	o.policy.sz = sizeof o.policy;
	o.policy.idle_expiry_ms = 200;
	struct xdperf_registry *r = reg_new(&o);
	struct xdperf_version_info vi = { .calls = 0 };
	struct xdperf_proto_policy never = { .sz = sizeof never, .idle_expiry_ms = XDPERF_PROTO_NEVER };
	OK(load_mod(r, "id", "act", tagged("act"), NULL), "load id@act");
	OK(xdperf_registry_start_testing(r, "id", "act", err, sizeof err), "start_testing id@act");
	OK(xdperf_registry_promote(r, "id", "act", err, sizeof err), "promote id@act");
	OK(load_mod(r, "id", "tst", tagged("tst"), NULL), "load id@tst");
	OK(xdperf_registry_start_testing(r, "id", "tst", err, sizeof err), "start_testing id@tst");
	OK(xdperf_registry_set_traffic(r, "id", "tst", 10, err, sizeof err), "set_traffic id@tst 10");
	OK(load_mod(r, "id", "ina", tagged("ina"), NULL), "load id@ina");
	OK(load_mod(r, "id", "busy", tagged("busy"), NULL), "load id@busy");
	OK(xdperf_registry_start_testing(r, "id", "busy", err, sizeof err), "start_testing id@busy");
	OK(load_mod(r, "id", "keep", tagged("keep"), &never), "load id@keep (version policy: never expire)");
	OK(xdperf_registry_set_policy(r, "id2", &never, err, sizeof err), "set_policy id2: never expire");
	OK(load_mod(r, "id2", "x", tagged("x"), NULL), "load id2@x");
	int m0 = xdperf_registry_maintain(r);
	CHECK(m0 == 0 && count_all(r) == 6, "maintain right after loading changes nothing (got %d, %zu versions)", m0, count_all(r));
	double t0 = now_ms();
	int calls = 0;
	while (now_ms() - t0 < 420) {
		int rc = exec(r, "id", "busy", "b", NULL);
		if (rc == 0)
			calls++;
		sleep_ms(40);
	}
	/* and once more right before maintain: a sleep may overrun by far on a loaded machine,
	 * which would leave id@busy idle past the limit when maintain looks */
	if (exec(r, "id", "busy", "b", NULL) == 0)
		calls++;
	CHECK(find(r, "id", "act", &vi) && vi.idle_ms >= 350, "id@act idle_ms %llu >= 350", (unsigned long long)vi.idle_ms);
	CHECK(find(r, "id", "busy", &vi) && vi.idle_ms < 150, "id@busy idle_ms %llu < 150", (unsigned long long)vi.idle_ms);
	int m = xdperf_registry_maintain(r);
	CHECK(m == 2, "maintain after 420 ms unloads 2 versions (returned %d)", m);
	xdperf_registry_maintain(r);
	CHECK(find(r, "id", "act", &vi) && vi.state == XDPERF_VERSION_ACTIVE, "idle active version id@act is kept");
	CHECK(!find(r, "id", "tst", &vi), "idle testing version id@tst unloaded");
	CHECK(!find(r, "id", "ina", &vi), "idle inactive version id@ina unloaded");
	CHECK(find(r, "id", "busy", &vi) && vi.calls == (uint64_t)calls, "busy testing version id@busy kept (%d calls)", calls);
	CHECK(find(r, "id", "keep", &vi), "id@keep (version idle NEVER) kept");
	CHECK(find(r, "id2", "x", &vi), "id2@x (protocol idle NEVER) kept");
	struct xdperf_call_info ci;
	bool all = true;
	for (uint32_t k = 0; k < 300; k++)
		if (route(r, NULL, "id", &k, 4, "r", &ci) || !answer_is("act:r"))
			all = false;
	CHECK(all, "after the 10%% canary expired all flows go to the active version");
	xdperf_registry_free(r);

	/* background maintenance */
	o.maintain_interval_ms = 50;
	r = reg_new(&o);
	OK(load_mod(r, "bg", "1", tagged("1"), NULL), "load bg@1 (maintain thread every 50 ms)");
	double tb = now_ms(); /* idle for 200 ms, then unloaded within a pass: waited for up to 5 s */
	while (find(r, "bg", "1", &vi) && now_ms() - tb < 5000)
		sleep_ms(10);
	double tu = now_ms() - tb;
	CHECK(!find(r, "bg", "1", &vi), "the maintain thread unloaded idle bg@1 by itself (after %.0f ms)", tu);
	CHECK(tu >= 180, "not before its 200 ms idle limit (%.0f ms, less up to 20 for clock ticks)", tu);
	xdperf_registry_free(r);
}

/* ---- policy inheritance --------------------------------------------------------------------------- */

static int spin(struct xdperf_registry *r, const char *id, const char *ver, enum xdperf_proto_fault *f)
{
	struct xdperf_call_info ci;
	int rc = exec(r, id, ver, "spin", &ci);
	*f = ci.fault;
	return rc;
}

static void test_policy(void)
{
	enum xdperf_proto_fault f;
	int rc;
	struct xdperf_proto_policy small = { .sz = sizeof small, .fuel = 10000 };
	struct xdperf_proto_policy large = { .sz = sizeof large, .fuel = 10000000 };

	/* registry default: built-in fuel */
	struct xdperf_registry *r = reg_new(NULL);
	OK(load_mod(r, "pd", "1", mod("loop_on"), NULL), "load pd@1 (built-in fuel)");
	rc = spin(r, "pd", "1", &f);
	CHECK(rc == 0, "spin under built-in fuel succeeds (got %s %s '%s')", en(rc), xdperf_proto_fault_str(f), err);
	OK(xdperf_registry_set_policy(r, "pc", &small, err, sizeof err), "set_policy pc fuel 10000");
	OK(load_mod(r, "pc", "1", mod("loop_on"), NULL), "load pc@1 (protocol fuel 10000)");
	OK(load_mod(r, "pc", "2", mod("loop_on"), &large), "load pc@2 (version fuel 10^7)");
	rc = spin(r, "pc", "1", &f);
	CHECK(rc == -EINVAL && f == XDPERF_FAULT_FUEL, "spin under protocol fuel 10000 -> fuel fault (got %s %s)", en(rc),
	      xdperf_proto_fault_str(f));
	rc = spin(r, "pc", "2", &f);
	CHECK(rc == 0, "version fuel 10^7 overrides the protocol's: spin succeeds (got %s %s '%s')", en(rc), xdperf_proto_fault_str(f), err);
	rc = exec(r, "pc", "2", "loop", NULL);
	CHECK(rc == -EINVAL, "loop still runs out of 10^7 fuel (got %s)", en(rc));
	OK(load_mod(r, "pe", "1", mod("loop_on"), NULL), "load pe@1 before its protocol policy");
	OK(xdperf_registry_set_policy(r, "pe", &small, err, sizeof err), "set_policy pe fuel 10000 after pe@1");
	OK(load_mod(r, "pe", "2", mod("loop_on"), NULL), "load pe@2 after the protocol policy");
	rc = spin(r, "pe", "1", &f);
	CHECK(rc == 0, "pe@1 loaded before set_policy keeps the built-in fuel (got %s %s)", en(rc), xdperf_proto_fault_str(f));
	rc = spin(r, "pe", "2", &f);
	CHECK(rc == -EINVAL && f == XDPERF_FAULT_FUEL, "pe@2 loaded after set_policy gets fuel 10000 (got %s %s)", en(rc),
	      xdperf_proto_fault_str(f));
	xdperf_registry_free(r);

	/* registry-level fuel and imports */
	struct xdperf_registry_opts o = { .sz = sizeof o };
	o.policy.sz = sizeof o.policy;
	o.policy.fuel = 10000;
	o.policy.allowed_imports = "env";
	r = reg_new(&o);
	OK(load_mod(r, "pa", "1", mod("loop_on"), NULL), "load pa@1 (registry fuel 10000)");
	rc = spin(r, "pa", "1", &f);
	CHECK(rc == -EINVAL && f == XDPERF_FAULT_FUEL, "registry fuel 10000 -> spin runs out of fuel (got %s %s)", en(rc),
	      xdperf_proto_fault_str(f));
	OK(xdperf_registry_set_policy(r, "pb", &large, err, sizeof err), "set_policy pb fuel 10^7");
	OK(load_mod(r, "pb", "1", mod("loop_on"), NULL), "load pb@1");
	rc = spin(r, "pb", "1", &f);
	CHECK(rc == 0, "protocol fuel 10^7 overrides the registry's (got %s %s)", en(rc), xdperf_proto_fault_str(f));
	rc = load_mod(r, "pa", "w", mod("wasi_import"), NULL);
	CHECK(rc == -EINVAL && strstr(err, "wasi_snapshot_preview1"), "registry allowed_imports env refuses WASI naming it (got %s '%s')",
	      en(rc), err);
	OK(load_mod(r, "pa", "e", mod("env_import"), NULL), "registry allowed_imports env accepts env_import");
	struct xdperf_proto_policy any = { .sz = sizeof any, .allowed_imports = "*" };
	struct xdperf_proto_policy nothing = { .sz = sizeof nothing, .allowed_imports = "" };
	OK(xdperf_registry_set_policy(r, "px", &any, err, sizeof err), "set_policy px imports *");
	OK(load_mod(r, "px", "w", mod("wasi_import"), NULL), "protocol imports * accepts WASI");
	rc = load_mod(r, "px", "e", mod("env_import"), &nothing);
	CHECK(rc == -EINVAL && strstr(err, "env"), "version imports \"\" refuses env_import (got %s '%s')", en(rc), err);
	rc = exec(r, "px", "w", "wasi ok", NULL);
	CHECK(rc == 0 && answer_is("wasi ok"), "px@w (WASI imports) runs (got %s '%s')", en(rc), err);
	xdperf_registry_free(r);
}

/* ---- logs ----------------------------------------------------------------------------------------- */

static char logs[8192];
static void on_log(void *ctx, const char *name, int level, const char *msg, size_t len)
{
	(void)ctx;
	size_t o = strlen(logs);
	if (o < sizeof logs - 1)
		snprintf(logs + o, sizeof logs - o, "%s|%d|%.*s\n", name, level, (int)len, msg);
}

static void test_logs(void)
{
	struct xdperf_registry_opts o = { .sz = sizeof o, .log = on_log };
	struct xdperf_registry *r = reg_new(&o);
	OK(load_mod(r, "lg", "1.5", mod("env_import"), NULL), "load lg@1.5 (host_log)");
	int rc = exec(r, "lg", "1.5", "hello log", NULL);
	CHECK(rc == 0 && answer_is("hello log"), "lg@1.5 echoes");
	CHECK(strstr(logs, "lg@1.5|2|hello log") != NULL, "module log line reaches opts.log as 'lg@1.5', WARN: got\n%s", logs);
	xdperf_registry_free(r);
}

/* ---- trust ---------------------------------------------------------------------------------------- */

static void test_trust(void)
{
	char keys[1024], trust[1024], empty[1024], path[1200], pub[1200], kid[17] = "", kid2[17] = "";
	snprintf(keys, sizeof keys, "%s/keys", scratch);
	snprintf(trust, sizeof trust, "%s/trust", scratch);
	snprintf(empty, sizeof empty, "%s/empty", scratch);
	mkdir(keys, 0700);
	mkdir(trust, 0700);
	mkdir(empty, 0700);
	snprintf(path, sizeof path, "%s/ops", keys);
	int rc = xdperf_keygen(path, kid, err, sizeof err);
	CHECK(rc == 0 && strlen(kid) == 16, "keygen ops (got %s '%s', id '%s')", en(rc), err, kid);
	snprintf(path, sizeof path, "%s/other", keys);
	rc = xdperf_keygen(path, kid2, err, sizeof err);
	CHECK(rc == 0, "keygen other (got %s '%s')", en(rc), err);
	/* trust dir gets ops.pub only */
	size_t pl;
	snprintf(path, sizeof path, "%s/ops.pub", keys);
	uint8_t *pb = slurp(path, &pl);
	snprintf(pub, sizeof pub, "%s/ops.pub", trust);
	spit(pub, pb, pl);
	free(pb);

	struct xdperf_registry *r = NULL;
	struct xdperf_registry_opts o = { .sz = sizeof o, .trust_dir = empty };
	rc = xdperf_registry_new(&o, &r, err, sizeof err);
	CHECK(rc == -ENOKEY && !r, "registry with an empty trust dir -> -ENOKEY (got %s '%s')", en(rc), err);
	if (r)
		xdperf_registry_free(r);
	r = NULL;
	snprintf(path, sizeof path, "%s/does-not-exist", scratch);
	o.trust_dir = path;
	rc = xdperf_registry_new(&o, &r, err, sizeof err);
	CHECK(rc == -ENOENT && !r, "registry with a missing trust dir -> -ENOENT (got %s '%s')", en(rc), err);
	if (r)
		xdperf_registry_free(r);
	char tdir[1024];
	snprintf(tdir, sizeof tdir, "%s", trust);
	o.trust_dir = tdir;
	r = reg_new(&o);

	/* the module file, signed by ops and by other */
	char wasmp[1200], sigp[1300], osig[1300], keyp[1200];
	snprintf(wasmp, sizeof wasmp, "%s/mod.wasm", scratch);
	struct wasm w = tagged("signed");
	spit(wasmp, w.b, w.len);
	snprintf(keyp, sizeof keyp, "%s/ops.key", keys);
	rc = xdperf_sign_file(keyp, wasmp, NULL, err, sizeof err);
	CHECK(rc == 0, "sign_file with ops.key (got %s '%s')", en(rc), err);
	snprintf(sigp, sizeof sigp, "%s.sig", wasmp);
	snprintf(osig, sizeof osig, "%s/mod.other.sig", scratch);
	snprintf(keyp, sizeof keyp, "%s/other.key", keys);
	rc = xdperf_sign_file(keyp, wasmp, osig, err, sizeof err);
	CHECK(rc == 0, "sign_file with other.key (got %s '%s')", en(rc), err);
	size_t sl, osl;
	char *sig = (char *)slurp(sigp, &sl), *other = (char *)slurp(osig, &osl);

	struct xdperf_load_opts lo = { .sz = sizeof lo };
	rc = xdperf_registry_load(r, "sg", "1", w.b, w.len, &lo, err, sizeof err);
	CHECK(rc == -ENODATA && strstr(err, "sg"), "unsigned load with a trust dir -> -ENODATA naming sg (got %s '%s')", en(rc), err);
	rc = xdperf_registry_load(r, "sg", "1", w.b, w.len, NULL, err, sizeof err);
	CHECK(rc == -ENODATA, "unsigned load with NULL opts -> -ENODATA (got %s)", en(rc));
	lo.sig = other;
	lo.siglen = osl;
	rc = xdperf_registry_load(r, "sg", "1", w.b, w.len, &lo, err, sizeof err);
	CHECK(rc == -ENOKEY, "signed by a key not in the trust dir -> -ENOKEY (got %s '%s')", en(rc), err);
	lo.sig = sig;
	lo.siglen = sl;
	w.b[w.len - 3] ^= 1;
	rc = xdperf_registry_load(r, "sg", "1", w.b, w.len, &lo, err, sizeof err);
	CHECK(rc == -EBADMSG, "tampered bytes -> -EBADMSG (got %s '%s')", en(rc), err);
	w.b[w.len - 3] ^= 1;
	CHECK(count_all(r) == 0, "refused signatures leave the registry empty (got %zu)", count_all(r));
	rc = xdperf_registry_load(r, "sg", "1", w.b, w.len, &lo, err, sizeof err);
	CHECK(rc == 0, "correctly signed -> 0 (got %s '%s')", en(rc), err);
	struct xdperf_version_info vi = { .calls = 0 };
	CHECK(find(r, "sg", "1", &vi) && !strcmp(vi.key_id, kid), "sg@1 key_id is the signer's '%s' (got '%s')", kid, vi.key_id);
	rc = exec(r, "sg", "1", "s", NULL);
	CHECK(rc == 0 && answer_is("signed:s"), "signed module runs (got %s '%s')", en(rc), answer());

	/* load_file picks up PATH.sig */
	rc = xdperf_registry_load_file(r, "sg", "2", wasmp, NULL, err, sizeof err);
	CHECK(rc == 0, "load_file picks up mod.wasm.sig (got %s '%s')", en(rc), err);
	CHECK(find(r, "sg", "2", &vi) && !strcmp(vi.key_id, kid), "sg@2 key_id '%s' (got '%s')", kid, vi.key_id);
	unlink(sigp);
	rc = xdperf_registry_load_file(r, "sg", "3", wasmp, NULL, err, sizeof err);
	CHECK(rc == -ENODATA && strstr(err, "sg"), "load_file without a .sig -> -ENODATA (got %s '%s')", en(rc), err);
	lo.sig = other;
	lo.siglen = osl;
	rc = xdperf_registry_load_file(r, "sg", "3", wasmp, &lo, err, sizeof err);
	CHECK(rc == -ENOKEY, "load_file with opts->sig by another key -> -ENOKEY (got %s '%s')", en(rc), err);
	snprintf(path, sizeof path, "%s/missing.wasm", scratch);
	rc = xdperf_registry_load_file(r, "sg", "3", path, NULL, err, sizeof err);
	CHECK(rc == -ENOENT && strstr(err, "missing.wasm"), "load_file of a missing file -> -ENOENT naming it (got %s '%s')", en(rc), err);
	CHECK(count_all(r) == 2, "2 signed versions loaded (got %zu)", count_all(r));
	xdperf_registry_free(r);

	/* without a trust dir, unsigned modules load (key_id "") */
	r = reg_new(NULL);
	rc = xdperf_registry_load_file(r, "us", "1", wasmp, NULL, err, sizeof err);
	CHECK(rc == 0 && find(r, "us", "1", &vi) && vi.key_id[0] == 0, "no trust dir: unsigned load_file works (got %s '%s')", en(rc), err);
	xdperf_registry_free(r);
	free(sig);
	free(other);
	free(w.b);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s WASM_DIR SCRATCH_DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	scratch = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "strings", test_strings },	     { "loader", test_loader },	  { "transitions", test_transitions },
		{ "draining", test_draining },	     { "routing", test_routing }, { "bad_modules", test_bad_modules },
		{ "native", test_native },	     { "nested", test_nested }, { "rounding", test_rounding },	     { "limits", test_limits },	     { "replace", test_replace },	     { "idle", test_idle },	  { "policy", test_policy },
		{ "logs", test_logs },		     { "trust", test_trust },
	};
	const char *only = getenv("HOTLOAD_TEST_ONLY");
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (only && !strstr(only, tests[i].name))
			continue;
		int f0 = fails, c0 = checks;
		double t0 = now_ms();
		printf("== %s\n", tests[i].name);
		tests[i].fn();
		printf("== %s: %d checks, %d failed (%.0f ms)\n", tests[i].name, checks - c0, fails - f0, now_ms() - t0);
	}
	free(ob.data);
	printf("%d checks, %d passed, %d failed\n", checks, checks - fails, fails);
	return fails ? 1 : 0;
}
