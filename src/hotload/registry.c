/* The protocol registry's control side (include/xdperf/hotload.h): creating and freeing it,
 * loading versions (trust check, policy, compile), the state transitions, idle expiry and the
 * version listing. Every control call holds the registry lock, changes state, republishes the
 * routing snapshot (routing.c) and frees what no call can see any more (reclaim.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>
#include "hotload/registry.h"
#include "plugin/host.h"
#include "plugin/proto_policy.h"
#include "util/err.h"
#include "util/log.h"
#include "util/file.h"
#include "xdperf/hotload.h"
#include "util/opts.h"

#define DEFAULT_WORKERS 64u
#define DEFAULT_PROTOCOLS 256u /* max_protocols when not set */
#define DEFAULT_VERSIONS 32u   /* max_versions when not set */
#define MAX_WORKERS 4096u
#define MAX_WASM (256u << 20)
#define MAX_SIG 4096u

const char *xdperf_version_state_str(enum xdperf_version_state s)
{
	static const char *const n[] = { "inactive", "testing", "active", "deprecating", "deprecated" };
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

void hl_log(struct xdperf_registry *r, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	xdperf_vlogf(r->opts.log, r->opts.log_ctx, "hotload", level, fmt, ap);
	va_end(ap);
}

/* ---- lookups ------------------------------------------------------------------------------- */

static struct hl_proto *proto_find(struct xdperf_registry *r, const char *id)
{
	for (struct hl_proto *p = r->protos; p; p = p->next)
		if (!strcmp(p->id, id))
			return p;
	return NULL;
}

static struct hl_version *version_find(struct hl_proto *p, const char *version)
{
	for (struct hl_version *v = p ? p->versions : NULL; v; v = v->next)
		if (!strcmp(v->version, version))
			return v;
	return NULL;
}

/* Finds id@version for a control call; fills err and returns NULL when either is unknown. */
static struct hl_version *lookup(struct xdperf_registry *r, const char *id, const char *version,
				 char *err, size_t errlen)
{
	struct hl_proto *p = id ? proto_find(r, id) : NULL;
	if (!p) {
		xdperf_errf(err, errlen, "protocol %s is not loaded", id ? id : "(null)");
		return NULL;
	}
	struct hl_version *v = version ? version_find(p, version) : NULL;
	if (!v)
		xdperf_errf(err, errlen, "protocol %s has no version %s", id, version ? version : "(null)");
	return v;
}

static struct hl_version *active_of(struct hl_proto *p)
{
	for (struct hl_version *v = p->versions; v; v = v->next)
		if (v->state == XDPERF_VERSION_ACTIVE)
			return v;
	return NULL;
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == '_' || c == '+'))
			return false;
	}
	return true;
}

static int check_names(const char *id, const char *version, char *err, size_t errlen)
{
	if (!name_ok(id, XDPERF_PROTO_ID_MAX)) {
		xdperf_errf(err, errlen, "bad protocol id \"%s\": use 1-%d characters from A-Z a-z 0-9 . - _ +",
			    id ? id : "", XDPERF_PROTO_ID_MAX - 1);
		return -EINVAL;
	}
	if (!name_ok(version, XDPERF_PROTO_VERSION_MAX)) {
		xdperf_errf(err, errlen, "protocol %s: bad version \"%s\": use 1-%d characters from A-Z a-z 0-9 . - _ +",
			    id, version ? version : "", XDPERF_PROTO_VERSION_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

/* ---- registry ------------------------------------------------------------------------------ */

static void *maintain_thread(void *arg)
{
	struct xdperf_registry *r = arg;
	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)r->opts.maintain_interval_ms * 1000000u;
		ts.tv_sec += (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->lock);
		xdperf_registry_maintain(r);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int xdperf_registry_new(const struct xdperf_registry_opts *opts, struct xdperf_registry **out,
			char *err, size_t errlen)
{
	*out = NULL;
	if (sodium_init() < 0) {
		xdperf_errf(err, errlen, "hotload: libsodium failed to initialise");
		return -ENOMEM;
	}
	struct xdperf_registry *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	xdperf_opts_copy(&r->opts, sizeof r->opts, opts);
	r->opts.sz = sizeof r->opts;
	if (!r->opts.max_workers)
		r->opts.max_workers = DEFAULT_WORKERS;
	if (!r->opts.max_protocols)
		r->opts.max_protocols = DEFAULT_PROTOCOLS;
	if (!r->opts.max_versions)
		r->opts.max_versions = DEFAULT_VERSIONS;
	if (r->opts.max_workers > MAX_WORKERS) {
		xdperf_errf(err, errlen, "hotload: max_workers %u is more than %u", r->opts.max_workers, MAX_WORKERS);
		free(r);
		return -EINVAL;
	}
	if (!(r->load_irq = xwasm_interrupt_new())) {
		free(r);
		return -ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutexattr_t ma;               /* recursive: a native handler may call back in */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&r->shared_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_cond_init(&r->cond, NULL);
	atomic_init(&r->epoch, 1);
	atomic_init(&r->snap, NULL);
	int rc = xdperf_policy_copy(&r->policy, &r->opts.policy);
	r->opts.policy.allowed_imports = NULL; /* the owned copy lives in r->policy */
	const char *trust_dir = r->opts.trust_dir;
	r->opts.trust_dir = NULL;
	r->nslots = r->opts.max_workers + 1;
	r->workers = calloc(r->nslots, sizeof *r->workers);
	if (rc || !r->workers) {
		rc = -ENOMEM;
		goto fail;
	}
	if (trust_dir) {
		if (!(r->trust_dir = strdup(trust_dir))) {
			rc = -ENOMEM;
			goto fail;
		}
		if ((rc = xdperf_trust_open(r->trust_dir, &r->trust, err, errlen)))
			goto fail;
		if (xdperf_trust_warning(r->trust))
			hl_log(r, XDPERF_LOG_WARN, "%s", xdperf_trust_warning(r->trust));
	}
	if ((rc = hl_worker_alloc(r, r->nslots - 1, &r->shared)) || (rc = hl_publish(r)))
		goto fail;
	if (r->opts.maintain_interval_ms) {
		if ((rc = -pthread_create(&r->thread, NULL, maintain_thread, r))) {
			xdperf_errf(err, errlen, "hotload: cannot start the maintenance thread: %s", strerror(-rc));
			goto fail;
		}
		r->thread_running = true;
	}
	*out = r;
	return 0;
fail:
	if (rc == -ENOMEM)
		xdperf_errf(err, errlen, "hotload: out of memory");
	xdperf_registry_free(r);
	return rc;
}

static void proto_free(struct xdperf_registry *r, struct hl_proto *p)
{
	while (p->versions) {
		struct hl_version *v = p->versions;
		p->versions = v->next;
		hl_version_free(r, v);
	}
	xdperf_policy_release(&p->policy);
	free(p);
}

void xdperf_registry_free(struct xdperf_registry *r)
{
	if (!r)
		return;
	if (r->thread_running) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	if (r->shared)
		xdperf_worker_free(r->shared);
	while (r->protos) {
		struct hl_proto *p = r->protos;
		r->protos = p->next;
		proto_free(r, p);
	}
	while (r->retired_versions) {
		struct hl_version *v = r->retired_versions;
		r->retired_versions = v->next;
		hl_version_free(r, v);
	}
	while (r->retired_snaps) {
		struct hl_snap *s = r->retired_snaps;
		r->retired_snaps = s->retired_next;
		hl_snap_free(s);
	}
	hl_snap_free(atomic_load(&r->snap));
	xdperf_trust_free(r->trust);
	free(r->trust_dir);
	xdperf_policy_release(&r->policy);
	free(r->workers);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->shared_lock);
	pthread_mutex_destroy(&r->lock);
	xwasm_interrupt_free(r->load_irq);
	free(r);
}

void xdperf_registry_cancel_loads(struct xdperf_registry *r)
{
	xwasm_interrupt_raise(r->load_irq);
}

/* Whether one more version of id (a new one, or one replacing `replacing`) stays within
 * max_protocols and max_versions; -ENOSPC with the message otherwise. Locked. */
static int room_for(struct xdperf_registry *r, const char *id, const char *replacing, char *err,
		    size_t errlen)
{
	struct hl_proto *p = proto_find(r, id);
	if (!p) {
		uint32_t n = 0;
		for (struct hl_proto *q = r->protos; q; q = q->next)
			n++;
		if (n >= r->opts.max_protocols) {
			xdperf_errf(err, errlen, "protocol %s refused: the registry holds %u protocols, its limit "
				    "(max_protocols); unload one first", id, n);
			return -ENOSPC;
		}
		return 0;
	}
	uint32_t n = 0;
	for (struct hl_version *v = p->versions; v; v = v->next)
		n += !replacing || strcmp(v->version, replacing);
	if (n >= r->opts.max_versions) {
		xdperf_errf(err, errlen, "protocol %s refused a new version: it holds %u versions, its limit "
			    "(max_versions); unload one first", id, n);
		return -ENOSPC;
	}
	return 0;
}

/* Gets (or creates) protocol id; locked. */
static struct hl_proto *proto_get(struct xdperf_registry *r, const char *id)
{
	struct hl_proto *p = proto_find(r, id);
	if (p)
		return p;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	snprintf(p->id, sizeof p->id, "%s", id);
	p->policy.sz = sizeof p->policy;
	struct hl_proto **tail = &r->protos;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	return p;
}

int xdperf_registry_set_policy(struct xdperf_registry *r, const char *id,
			       const struct xdperf_proto_policy *policy, char *err, size_t errlen)
{
	if (!name_ok(id, XDPERF_PROTO_ID_MAX)) {
		xdperf_errf(err, errlen, "bad protocol id \"%s\"", id ? id : "");
		return -EINVAL;
	}
	struct xdperf_proto_policy copy;
	if (xdperf_policy_copy(&copy, policy))
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	struct hl_proto *p = proto_get(r, id);
	int rc = p ? 0 : -ENOMEM;
	if (!rc) {
		xdperf_policy_release(&p->policy);
		p->policy = copy;
	} else {
		xdperf_policy_release(&copy);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* ---- load ---------------------------------------------------------------------------------- */

static struct hl_version *version_new(struct xdperf_registry *r, const char *id, const char *version)
{
	struct hl_version *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->slots = calloc(r->nslots, sizeof *v->slots);
	if (!v->slots) {
		free(v);
		return NULL;
	}
	snprintf(v->version, sizeof v->version, "%s", version);
	snprintf(v->name, sizeof v->name, "%s@%s", id, version);
	v->state = XDPERF_VERSION_INACTIVE;
	v->touched_ns = hl_coarse_ns();
	return v;
}

/* ---- state transitions ------------------------------------------------------------------------ */

static void set_state(struct xdperf_registry *r, struct hl_version *v, enum xdperf_version_state s)
{
	if (v->state == s)
		return;
	hl_log(r, XDPERF_LOG_INFO, "%s: %s -> %s", v->name, xdperf_version_state_str(v->state),
	       xdperf_version_state_str(s));
	v->state = s;
	v->touched_ns = hl_coarse_ns();
	if (s == XDPERF_VERSION_DEPRECATING)
		v->drain_epoch = 0; /* set by the next publish */
	if (s != XDPERF_VERSION_TESTING)
		v->traffic = 0;
}

static void history_remove(struct hl_proto *p, struct hl_version *v)
{
	int k = 0;
	for (int i = 0; i < p->nhistory; i++)
		if (p->history[i] != v)
			p->history[k++] = p->history[i];
	p->nhistory = k;
}

/* Takes v out of its protocol and queues it for freeing once drained (locked). */
static void retire_version(struct xdperf_registry *r, struct hl_version *v)
{
	struct hl_proto *p = v->proto;
	struct hl_version **vp = &p->versions;
	while (*vp != v)
		vp = &(*vp)->next;
	*vp = v->next;
	history_remove(p, v);
	hl_log(r, XDPERF_LOG_INFO, "%s: unloaded (was %s)", v->name, xdperf_version_state_str(v->state));
	v->proto = NULL;
	v->drain_epoch = 0;
	v->next = r->retired_versions;
	r->retired_versions = v;
}

/* Adds v to protocol id (locked) and publishes; with `replace`, a version of the same name that is
 * not active is retired in the same step. */
static int add_version(struct xdperf_registry *r, const char *id, struct hl_version *v, bool replace, char *err,
		       size_t errlen)
{
	int rc = room_for(r, id, replace ? v->version : NULL, err, errlen);
	if (rc)
		return rc;
	struct hl_proto *p = proto_get(r, id);
	if (!p) {
		xdperf_errf(err, errlen, "hotload: out of memory");
		return -ENOMEM;
	}
	struct hl_version *old = version_find(p, v->version);
	if (old && !replace) {
		xdperf_errf(err, errlen, "protocol %s already has version %s (unload it first, or use a new "
			    "version string)", id, v->version);
		return -EEXIST;
	}
	if (old && old->state == XDPERF_VERSION_ACTIVE) {
		xdperf_errf(err, errlen, "%s is the active version and cannot be replaced (load the change under "
			    "a new version string)", old->name);
		return -EBUSY;
	}
	if (old)
		retire_version(r, old);
	v->proto = p;
	struct hl_version **tail = &p->versions;
	while (*tail)
		tail = &(*tail)->next;
	*tail = v;
	rc = hl_publish(r);
	if (rc) {
		*tail = NULL;
		xdperf_errf(err, errlen, "hotload: out of memory");
	}
	hl_reclaim(r);
	return rc;
}

static int check_trust(struct xdperf_registry *r, const char *name, const uint8_t *wasm, size_t len,
		       const struct xdperf_load_opts *o, char key_id[17], char *err, size_t errlen)
{
	key_id[0] = 0;
	if (!r->trust) {
		pthread_mutex_lock(&r->lock);
		bool warn = !r->warned_unsigned && !r->opts.quiet_unsigned;
		r->warned_unsigned = true;
		pthread_mutex_unlock(&r->lock);
		if (warn)
			hl_log(r, XDPERF_LOG_WARN, "no trust directory configured: loading modules without checking "
			       "signatures (first: %s); configure a trust directory to require them", name);
		return 0;
	}
	char msg[400];
	int rc = xdperf_trust_verify(r->trust, wasm, len, o->sig, o->siglen, key_id, msg, sizeof msg);
	if (rc == -ENODATA)
		xdperf_errf(err, errlen, "protocol %s refused: the module is not signed and trust directory %s "
			    "requires signatures (sign it with `xdperf sign`)", name, r->trust_dir);
	else if (rc)
		xdperf_errf(err, errlen, "protocol %s refused: %s", name, msg);
	return rc;
}

int xdperf_registry_load(struct xdperf_registry *r, const char *id, const char *version,
			 const uint8_t *wasm, size_t len, const struct xdperf_load_opts *opts,
			 char *err, size_t errlen)
{
	struct xdperf_load_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	int rc = check_names(id, version, err, errlen);
	if (rc)
		return rc;
	char name[XDPERF_PROTO_ID_MAX + XDPERF_PROTO_VERSION_MAX];
	snprintf(name, sizeof name, "%s@%s", id, version);
	if (!wasm && len) {
		xdperf_errf(err, errlen, "protocol %s: no module bytes", name);
		return -EINVAL;
	}
	char key_id[17];
	if ((rc = check_trust(r, name, wasm, len, &o, key_id, err, errlen)))
		return rc;
	/* the policy: version <- protocol <- registry <- built-in */
	struct xdperf_proto_policy pol;
	if (xdperf_policy_copy(&pol, o.policy))
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	/* no compilation for a load the limits refuse anyway (add_version checks again) */
	rc = room_for(r, id, o.replace ? version : NULL, err, errlen);
	if (rc) {
		pthread_mutex_unlock(&r->lock);
		xdperf_policy_release(&pol);
		return rc;
	}
	struct hl_proto *p = proto_find(r, id);
	rc = xdperf_policy_inherit(&pol, p ? &p->policy : NULL);
	if (!rc)
		rc = xdperf_policy_inherit(&pol, &r->policy);
	pthread_mutex_unlock(&r->lock);
	struct hl_version *v = rc ? NULL : version_new(r, id, version);
	if (!v) {
		xdperf_policy_release(&pol);
		return -ENOMEM;
	}
	/* compile outside the lock: calls and other control operations go on meanwhile */
	struct xdperf_proto_module_opts mo = { .sz = sizeof mo, .name = name, .policy = &pol,
					       .log = r->opts.log, .log_ctx = r->opts.log_ctx,
					       .metric = r->opts.metric, .metric_ctx = r->opts.metric_ctx,
					       .interrupt = r->opts.interrupt, .load_interrupt = r->load_irq };
	uint64_t t0 = hl_now_ns();
	rc = xdperf_proto_module_load(wasm, len, &mo, &v->mod, err, errlen);
	xdperf_policy_release(&pol);
	if (rc) {
		hl_version_free(r, v);
		return rc;
	}
	v->load_us = (hl_now_ns() - t0) / 1000u;
	v->wasm_bytes = len;
	v->module_bytes = xdperf_proto_module_bytes(v->mod);
	memcpy(v->key_id, key_id, sizeof v->key_id);
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, wasm, len);
	sodium_bin2hex(v->sha256, sizeof v->sha256, h, sizeof h);
	pthread_mutex_lock(&r->lock);
	rc = add_version(r, id, v, o.replace, err, errlen);
	if (!rc)
		hl_log(r, XDPERF_LOG_INFO, "loaded %s (%zu bytes, %s, sha256 %.16s...)", name, len,
		       key_id[0] ? "signed" : "unsigned", v->sha256);
	pthread_mutex_unlock(&r->lock);
	if (rc)
		hl_version_free(r, v);
	return rc;
}

int xdperf_registry_load_file(struct xdperf_registry *r, const char *id, const char *version,
			      const char *path, const struct xdperf_load_opts *opts, char *err, size_t errlen)
{
	struct xdperf_load_opts o = { .sz = sizeof o };
	xdperf_opts_copy(&o, sizeof o, opts);
	uint8_t *wasm = NULL, *sig = NULL;
	size_t len = 0, siglen = 0;
	int rc = xdperf_read_file(path, MAX_WASM, &wasm, &len);
	if (rc) {
		xdperf_errf(err, errlen, "cannot read protocol module %s: %s", path,
			    rc == -EFBIG ? "larger than 256 MiB" : xdperf_file_strerror(rc));
		return rc;
	}
	if (!o.sig) {
		char sp[4096];
		snprintf(sp, sizeof sp, "%s.sig", path);
		int src = xdperf_read_file(sp, MAX_SIG, &sig, &siglen);
		if (src == 0) {
			o.sig = (const char *)sig;
			o.siglen = siglen;
		} else if (src != -ENOENT) {
			xdperf_errf(err, errlen, "cannot read signature %s: %s", sp, xdperf_file_strerror(src));
			free(wasm);
			return src;
		}
	}
	rc = xdperf_registry_load(r, id, version, wasm, len, &o, err, errlen);
	free(sig);
	free(wasm);
	return rc;
}

int xdperf_registry_load_native(struct xdperf_registry *r, const char *id, const char *version,
				xdperf_native_handler fn, void *ctx, char *err, size_t errlen)
{
	int rc = check_names(id, version, err, errlen);
	if (rc)
		return rc;
	if (!fn) {
		xdperf_errf(err, errlen, "protocol %s@%s: no handler", id, version);
		return -EINVAL;
	}
	struct hl_version *v = version_new(r, id, version);
	if (!v)
		return -ENOMEM;
	v->native = fn;
	v->native_ctx = ctx;
	pthread_mutex_lock(&r->lock);
	rc = add_version(r, id, v, false, err, errlen);
	pthread_mutex_unlock(&r->lock);
	if (rc)
		hl_version_free(r, v);
	return rc;
}


static void history_push(struct hl_proto *p, struct hl_version *v)
{
	history_remove(p, v);
	if (p->nhistory == HL_HISTORY) {
		memmove(p->history, p->history + 1, (HL_HISTORY - 1) * sizeof *p->history);
		p->nhistory--;
	}
	p->history[p->nhistory++] = v;
}

/* Makes v the active version at 100%: the previous active one deprecating (remembered for
 * rollback when `remember`), testing versions back to 0%. */
static void make_active(struct xdperf_registry *r, struct hl_proto *p, struct hl_version *v, bool remember)
{
	struct hl_version *old = active_of(p);
	if (old && old != v) {
		set_state(r, old, XDPERF_VERSION_DEPRECATING);
		if (remember)
			history_push(p, old);
	}
	for (struct hl_version *t = p->versions; t; t = t->next)
		if (t->state == XDPERF_VERSION_TESTING)
			t->traffic = 0;
	history_remove(p, v);
	set_state(r, v, XDPERF_VERSION_ACTIVE);
}

/* Publishes after a transition and reclaims; the caller holds the lock. */
static int commit(struct xdperf_registry *r, char *err, size_t errlen)
{
	int rc = hl_publish(r);
	if (rc)
		xdperf_errf(err, errlen, "hotload: out of memory publishing the routing table");
	hl_reclaim(r);
	return rc;
}

static int bad_state(struct hl_version *v, const char *what, const char *allowed, char *err, size_t errlen)
{
	xdperf_errf(err, errlen, "%s is %s: cannot %s (only %s)", v->name, xdperf_version_state_str(v->state),
		    what, allowed);
	return -EINVAL;
}

int xdperf_registry_start_testing(struct xdperf_registry *r, const char *id, const char *version,
				  char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	struct hl_version *v = lookup(r, id, version, err, errlen);
	int rc = v ? 0 : -ENOENT;
	if (v && v->state != XDPERF_VERSION_INACTIVE && v->state != XDPERF_VERSION_DEPRECATED &&
	    v->state != XDPERF_VERSION_DEPRECATING)
		rc = bad_state(v, "start testing", "inactive, deprecating or deprecated versions", err, errlen);
	if (!rc) {
		set_state(r, v, XDPERF_VERSION_TESTING);
		history_remove(v->proto, v);
		rc = commit(r, err, errlen);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int xdperf_traffic_round(const char *name, double percent, double *applied, char *err,
			 size_t errlen)
{
	if (!(percent >= 0 && percent <= 100)) {
		xdperf_errf(err, errlen, "%s: traffic %g%% is outside 0..100", name, percent);
		return -EINVAL;
	}
	double q = round(percent * 100) / 100;
	if ((q >= 100) != (percent >= 100) || (q <= 0) != (percent <= 0)) {
		xdperf_errf(err, errlen, "%s: traffic %.6g%% would round to %g%% (%s); the resolution "
			    "is 0.01%%: send %s", name, percent, q, q >= 100 ? "a promotion" : "no traffic",
			    q >= 100 ? "100 to promote, or at most 99.99" : "0 for none, or at least 0.01");
		return -EINVAL;
	}
	*applied = q;
	return 0;
}

int xdperf_registry_set_traffic(struct xdperf_registry *r, const char *id, const char *version,
				double percent, char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	struct hl_version *v = lookup(r, id, version, err, errlen);
	int rc = v ? 0 : -ENOENT;
	double asked = percent;
	if (!rc)
		rc = xdperf_traffic_round(v->name, asked, &percent, err, errlen);
	if (!rc && v->state == XDPERF_VERSION_ACTIVE && percent < 100) {
		xdperf_errf(err, errlen, "%s is active and takes what testing versions leave: set a testing "
			    "version's traffic, or roll back", v->name);
		rc = -EINVAL;
	} else if (!rc && v->state != XDPERF_VERSION_TESTING && v->state != XDPERF_VERSION_ACTIVE) {
		rc = bad_state(v, "take traffic", "testing versions; start testing first", err, errlen);
	}
	if (!rc && percent >= 100) {
		make_active(r, v->proto, v, true);
	} else if (!rc) {
		double others = 0;
		for (struct hl_version *t = v->proto->versions; t; t = t->next)
			if (t != v && t->state == XDPERF_VERSION_TESTING)
				others += t->traffic;
		if (others + percent > 100 + 1e-9) {
			xdperf_errf(err, errlen, "%s: testing versions would take %g%% of the traffic in total "
				    "(others already take %g%%)", v->name, others + percent, others);
			rc = -EINVAL;
		} else {
			v->traffic = percent;
			v->touched_ns = hl_coarse_ns();
			if (asked != percent)
				hl_log(r, XDPERF_LOG_INFO, "%s: traffic %g%% (asked %.6g%%, rounded to the "
				       "0.01%% resolution)", v->name, v->traffic, asked);
			else
				hl_log(r, XDPERF_LOG_INFO, "%s: traffic %g%%", v->name, v->traffic);
		}
	}
	if (!rc)
		rc = commit(r, err, errlen);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int xdperf_registry_promote(struct xdperf_registry *r, const char *id, const char *version,
			    char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	struct hl_version *v = lookup(r, id, version, err, errlen);
	int rc = v ? 0 : -ENOENT;
	if (v && v->state != XDPERF_VERSION_TESTING && v->state != XDPERF_VERSION_ACTIVE)
		rc = bad_state(v, "be promoted", "testing versions; start testing first", err, errlen);
	if (!rc) {
		make_active(r, v->proto, v, true);
		rc = commit(r, err, errlen);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int xdperf_registry_deprecate(struct xdperf_registry *r, const char *id, const char *version,
			      char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	struct hl_version *v = lookup(r, id, version, err, errlen);
	int rc = v ? 0 : -ENOENT;
	if (v && v->state == XDPERF_VERSION_ACTIVE) {
		xdperf_errf(err, errlen, "%s is active: promote another version or roll back first", v->name);
		rc = -EBUSY;
	} else if (v && v->state != XDPERF_VERSION_INACTIVE && v->state != XDPERF_VERSION_TESTING) {
		rc = bad_state(v, "be deprecated", "inactive or testing versions", err, errlen);
	}
	if (!rc) {
		set_state(r, v, XDPERF_VERSION_DEPRECATING);
		rc = commit(r, err, errlen);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int xdperf_registry_rollback(struct xdperf_registry *r, const char *id, char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	struct hl_proto *p = id ? proto_find(r, id) : NULL;
	int rc = 0;
	if (!p) {
		xdperf_errf(err, errlen, "protocol %s is not loaded", id ? id : "(null)");
		rc = -ENOENT;
	} else if (!p->nhistory) {
		xdperf_errf(err, errlen, "protocol %s has no previous active version to roll back to", id);
		rc = -ENOENT;
	} else {
		struct hl_version *prev = p->history[p->nhistory - 1];
		struct hl_version *cur = active_of(p);
		hl_log(r, XDPERF_LOG_INFO, "%s: rollback from %s to %s", id, cur ? cur->version : "(none)",
		       prev->version);
		make_active(r, p, prev, false);
		rc = commit(r, err, errlen);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int xdperf_registry_unload(struct xdperf_registry *r, const char *id, const char *version,
			   char *err, size_t errlen)
{
	pthread_mutex_lock(&r->lock);
	int rc = 0;
	if (!version) {
		struct hl_proto *p = id ? proto_find(r, id) : NULL;
		if (!p) {
			xdperf_errf(err, errlen, "protocol %s is not loaded", id ? id : "(null)");
			rc = -ENOENT;
		} else {
			while (p->versions)
				retire_version(r, p->versions);
			struct hl_proto **pp = &r->protos;
			while (*pp != p)
				pp = &(*pp)->next;
			*pp = p->next;
			xdperf_policy_release(&p->policy);
			free(p);
			rc = commit(r, err, errlen);
		}
	} else {
		struct hl_version *v = lookup(r, id, version, err, errlen);
		rc = v ? 0 : -ENOENT;
		if (v && v->state == XDPERF_VERSION_ACTIVE) {
			xdperf_errf(err, errlen, "%s is active: promote another version or roll back before "
				    "unloading it (or unload the whole protocol)", v->name);
			rc = -EBUSY;
		}
		if (!rc) {
			retire_version(r, v);
			rc = commit(r, err, errlen);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* ---- maintenance and listing --------------------------------------------------------------- */

/* Idle expiry limit (ms; XDPERF_PROTO_NEVER = never) of a native version: the protocol's, else
 * the registry's policy (a module's was resolved when it was loaded). */
static uint32_t expiry_of(struct xdperf_registry *r, struct hl_proto *p)
{
	if (p->policy.idle_expiry_ms)
		return p->policy.idle_expiry_ms;
	if (r->policy.idle_expiry_ms)
		return r->policy.idle_expiry_ms;
	return XDPERF_PROTO_NEVER;
}

int xdperf_registry_maintain(struct xdperf_registry *r)
{
	pthread_mutex_lock(&r->lock);
	int changed = 0;
	bool republish = false;
	for (struct hl_proto *p = r->protos; p; p = p->next) {
		struct hl_version *v = p->versions, *next;
		for (; v; v = next) {
			next = v->next;
			if (v->state == XDPERF_VERSION_ACTIVE)
				continue;
			uint32_t lim = v->mod ? xdperf_proto_module_policy(v->mod)->idle_expiry_ms : expiry_of(r, p);
			if (lim == XDPERF_PROTO_NEVER || hl_version_idle_ms(r, v) < lim)
				continue;
			hl_log(r, XDPERF_LOG_INFO, "%s: idle for %u ms or more, unloading", v->name, lim);
			retire_version(r, v);
			republish = true;
			changed++;
		}
	}
	if (republish && hl_publish(r))
		hl_log(r, XDPERF_LOG_ERROR, "out of memory publishing the routing table");
	changed += hl_reclaim(r);
	pthread_mutex_unlock(&r->lock);
	return changed;
}

static void fill_info(struct xdperf_registry *r, struct hl_proto *p, struct hl_version *v,
		      struct xdperf_version_info *info)
{
	memset(info, 0, sizeof *info);
	snprintf(info->id, sizeof info->id, "%s", p->id);
	memcpy(info->version, v->version, sizeof info->version);
	info->state = v->state;
	if (v->state == XDPERF_VERSION_TESTING) {
		info->traffic = v->traffic;
	} else if (v->state == XDPERF_VERSION_ACTIVE) {
		double t = 100;
		for (struct hl_version *o = p->versions; o; o = o->next)
			if (o->state == XDPERF_VERSION_TESTING)
				t -= o->traffic;
		info->traffic = t < 0 ? 0 : t;
	}
	info->native = v->native != NULL;
	info->packed_abi = v->mod && xdperf_proto_module_packed(v->mod);
	memcpy(info->key_id, v->key_id, sizeof info->key_id);
	memcpy(info->sha256, v->sha256, sizeof info->sha256);
	hl_version_stats(r, v, info);
}

int xdperf_registry_list(struct xdperf_registry *r, const char *id, struct xdperf_version_info **out,
			 size_t *n)
{
	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&r->lock);
	size_t count = 0;
	struct hl_proto *only = NULL;
	if (id && !(only = proto_find(r, id))) {
		pthread_mutex_unlock(&r->lock);
		return -ENOENT;
	}
	for (struct hl_proto *p = r->protos; p; p = p->next)
		if (!only || p == only)
			for (struct hl_version *v = p->versions; v; v = v->next)
				count++;
	struct xdperf_version_info *a = calloc(count + 1, sizeof *a);
	if (!a) {
		pthread_mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	size_t k = 0;
	for (struct hl_proto *p = r->protos; p; p = p->next)
		if (!only || p == only)
			for (struct hl_version *v = p->versions; v; v = v->next)
				fill_info(r, p, v, &a[k++]);
	pthread_mutex_unlock(&r->lock);
	*out = a;
	*n = count;
	return 0;
}
