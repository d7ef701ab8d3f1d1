/* Admin API endpoints (the table atop include/xdperf/admin.h): a request's method and path to
 * registry calls, versions and protocols as JSON, request bodies checked with one clear error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl/admin_int.h"

static json_t *version_json(const struct xdperf_version_info *v)
{
	json_t *stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "calls",
				  (json_int_t)v->calls, "errors", (json_int_t)v->errors, "traps", (json_int_t)v->traps,
				  "fuel", (json_int_t)v->fuel, "memory_cap", (json_int_t)v->memory_cap, "bad_output",
				  (json_int_t)v->bad_output, "p50_ns", (json_int_t)v->p50_ns, "p99_ns",
				  (json_int_t)v->p99_ns, "memory_bytes", (json_int_t)v->memory_bytes, "instances",
				  (json_int_t)v->instances, "idle_ms", (json_int_t)v->idle_ms, "module_bytes",
				  (json_int_t)v->module_bytes, "load_us", (json_int_t)v->load_us);
	return json_pack("{s:s, s:s, s:s, s:f, s:b, s:b, s:s?, s:s?, s:o}", "protocol", v->id, "version",
			 v->version, "state", xdperf_version_state_str(v->state), "traffic", v->traffic, "native",
			 v->native, "packed_abi", v->packed_abi, "signer", v->key_id[0] ? v->key_id : NULL, "sha256",
			 v->sha256[0] ? v->sha256 : NULL, "stats", stats);
}

/* Protocol objects of the versions v[0..n) (grouped by id, in order). */
static json_t *protocols_json(const struct xdperf_version_info *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n;) {
		json_t *vers = json_array();
		const char *active = NULL;
		size_t j = i;
		for (; j < n && !strcmp(v[j].id, v[i].id); j++) {
			json_array_append_new(vers, version_json(&v[j]));
			if (v[j].state == XDPERF_VERSION_ACTIVE)
				active = v[j].version;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s?, s:o}", "id", v[i].id, "active", active, "versions", vers));
		i = j;
	}
	return arr;
}

/* The version (or protocol, version NULL) as it is now. */
static void answer_version(struct xdperf_admin *a, struct admin_resp *rs, unsigned status, const char *id,
			   const char *version)
{
	struct xdperf_version_info *v = NULL;
	size_t n = 0;
	int rc = xdperf_registry_list(a->r, id, &v, &n);
	if (rc) {
		if (rc == -ENOENT)
			admin_error(rs, 404, "protocol %s is not loaded", id);
		else
			admin_error(rs, 503, "out of memory");
		return;
	}
	rs->status = status;
	if (!version) {
		json_t *arr = protocols_json(v, n);
		rs->json = n ? json_incref(json_array_get(arr, 0)) :
			       json_pack("{s:s, s:n, s:[]}", "id", id, "active", "versions"); /* policy only */
		json_decref(arr);
	} else {
		size_t i = 0;
		while (i < n && strcmp(v[i].version, version))
			i++;
		if (i == n)
			admin_error(rs, 404, "protocol %s has no version %s", id, version);
		else
			rs->json = version_json(&v[i]);
	}
	free(v);
}

/* {"traffic": PERCENT} from the body; false (and the error set) when missing or bad. `need`:
 * required; otherwise an empty body gives *has = false. */
static bool traffic_of(const struct admin_req *rq, struct admin_resp *rs, bool need, bool *has, double *pct)
{
	*has = false;
	if (!rq->len) {
		if (need)
			admin_error(rs, 400, "the body must be JSON {\"traffic\": PERCENT} (0..100)");
		return !need;
	}
	json_error_t je;
	json_t *j = json_loadb((const char *)rq->body, rq->len, 0, &je);
	if (!j) {
		admin_error(rs, 400, "malformed JSON body: line %d column %d: %s", je.line, je.column, je.text);
		return false;
	}
	bool ok = false;
	json_t *t = json_is_object(j) ? json_object_get(j, "traffic") : NULL;
	if (!json_is_object(j)) {
		admin_error(rs, 400, "the body must be a JSON object {\"traffic\": PERCENT}");
	} else if (!t) {
		if (need || json_object_size(j))
			admin_error(rs, 400, "the body has no \"traffic\" field (want {\"traffic\": PERCENT}, 0..100)");
		else
			ok = true;
	} else if (!json_is_number(t)) {
		admin_error(rs, 400, "\"traffic\" must be a number of percent (0..100)");
	} else {
		double p = json_number_value(t);
		if (!isfinite(p) || p < 0 || p > 100) {
			admin_error(rs, 400, "traffic %g%% is outside 0..100", p);
		} else {
			*pct = p;
			*has = true;
			ok = true;
		}
	}
	json_decref(j);
	return ok;
}

/* Splits "/v1/protocols/ID[/versions/VER][/ACTION]" into parts; returns the number of parts after
 * "protocols" (0..4) or -1 when the path is not under /v1/protocols. */
static int split(const char *path, char parts[4][96])
{
	const char *pre = "/v1/protocols";
	size_t pl = strlen(pre);
	if (strncmp(path, pre, pl) || (path[pl] && path[pl] != '/'))
		return -1;
	const char *p = path + pl;
	int n = 0;
	while (*p == '/' && p[1]) {
		p++;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == 4 || len >= 96 || !len)
			return -1;
		memcpy(parts[n], p, len);
		parts[n][len] = 0;
		n++;
		p += len;
	}
	return *p && strcmp(p, "/") ? -1 : n;
}

/* 405 with the Allow header `allow`; the message says `use` (e.g. "GET or DELETE"). */
static void not_allowed(const struct admin_req *rq, struct admin_resp *rs, const char *allow, const char *use)
{
	rs->allow = allow;
	admin_error(rs, 405, "%s %s: use %s", rq->method, rq->path, use);
}

static bool is_get(const struct admin_req *rq)
{
	return !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
}

static bool method_is(const struct admin_req *rq, struct admin_resp *rs, const char *want)
{
	if (!strcmp(rq->method, want) || (!strcmp(want, "GET") && is_get(rq)))
		return true;
	not_allowed(rq, rs, want, want);
	return false;
}

static void upload(struct xdperf_admin *a, const struct admin_req *rq, struct admin_resp *rs, const char *id,
		   const char *ver)
{
	if (!rq->len) {
		admin_error(rs, 400, "upload %s@%s: the body must be the module's .wasm bytes", id, ver);
		return;
	}
	char err[400];
	struct xdperf_load_opts lo = { .sz = sizeof lo, .sig = rq->signature,
				       .siglen = rq->signature ? strlen(rq->signature) : 0 };
	int rc = xdperf_registry_load(a->r, id, ver, rq->body, rq->len, &lo, err, sizeof err);
	if (rc) {
		admin_error(rs, admin_status_of(rc), "%s", err);
		return;
	}
	answer_version(a, rs, 201, id, ver);
	snprintf(rs->note, sizeof rs->note, "loaded %s@%s (%zu bytes)", id, ver, rq->len);
}

/* POST .../versions/VER/ACTION */
static void version_action(struct xdperf_admin *a, const struct admin_req *rq, struct admin_resp *rs,
			   const char *id, const char *ver, const char *action)
{
	char err[400];
	int rc;
	if (!method_is(rq, rs, "POST"))
		return;
	bool has = false;
	double pct = 0;
	if (!strcmp(action, "test")) {
		if (!traffic_of(rq, rs, false, &has, &pct))
			return;
		/* a share that cannot be applied refuses the whole request: nothing half done */
		char name[200];
		double q;
		snprintf(name, sizeof name, "%s@%s", id, ver);
		if (has && xdperf_traffic_round(name, pct, &q, err, sizeof err)) {
			admin_error(rs, 400, "%s", err);
			return;
		}
		rc = xdperf_registry_start_testing(a->r, id, ver, err, sizeof err);
		if (!rc && has && pct > 0)
			rc = xdperf_registry_set_traffic(a->r, id, ver, pct, err, sizeof err);
	} else if (!strcmp(action, "traffic")) {
		if (!traffic_of(rq, rs, true, &has, &pct))
			return;
		rc = xdperf_registry_set_traffic(a->r, id, ver, pct, err, sizeof err);
	} else if (!strcmp(action, "promote")) {
		rc = xdperf_registry_promote(a->r, id, ver, err, sizeof err);
	} else if (!strcmp(action, "deprecate")) {
		rc = xdperf_registry_deprecate(a->r, id, ver, err, sizeof err);
	} else {
		admin_error(rs, 404, "no action '%s' (want test, traffic, promote or deprecate)", action);
		return;
	}
	if (rc) {
		admin_error(rs, admin_status_of(rc), "%s", err);
		return;
	}
	answer_version(a, rs, 200, id, ver);
	/* the note says what was applied (the registry rounds to 0.01 %) */
	json_t *t = has ? json_object_get(rs->json, "traffic") : NULL;
	if (t && json_is_number(t))
		snprintf(rs->note, sizeof rs->note, "%s %s@%s: traffic %g%%", action, id, ver, json_number_value(t));
	else
		snprintf(rs->note, sizeof rs->note, "%s %s@%s", action, id, ver);
}

static void protocols(struct xdperf_admin *a, const struct admin_req *rq, struct admin_resp *rs)
{
	char parts[4][96];
	int n = split(rq->path, parts);
	char err[400];
	int rc;
	if (n < 0) {
		admin_error(rs, 404, "no such endpoint: %s (see GET /v1/protocols)", rq->path);
		return;
	}
	if (n == 0) {
		if (!method_is(rq, rs, "GET"))
			return;
		struct xdperf_version_info *v = NULL;
		size_t nv = 0;
		if (xdperf_registry_list(a->r, NULL, &v, &nv)) {
			admin_error(rs, 503, "out of memory");
			return;
		}
		rs->status = 200;
		rs->json = json_pack("{s:o}", "protocols", protocols_json(v, nv));
		free(v);
		return;
	}
	const char *id = parts[0];
	if (n == 1) {
		if (!strcmp(rq->method, "DELETE")) {
			rc = xdperf_registry_unload(a->r, id, NULL, err, sizeof err);
			if (rc) {
				admin_error(rs, admin_status_of(rc), "%s", err);
				return;
			}
			rs->status = 200;
			rs->json = json_pack("{s:s}", "unloaded", id);
			snprintf(rs->note, sizeof rs->note, "unloaded protocol %s", id);
			return;
		}
		if (is_get(rq))
			answer_version(a, rs, 200, id, NULL);
		else
			not_allowed(rq, rs, "GET, DELETE", "GET or DELETE");
		return;
	}
	if (n == 2 && !strcmp(parts[1], "rollback")) {
		if (!method_is(rq, rs, "POST"))
			return;
		rc = xdperf_registry_rollback(a->r, id, err, sizeof err);
		if (rc) {
			admin_error(rs, admin_status_of(rc), "%s", err);
			return;
		}
		answer_version(a, rs, 200, id, NULL);
		snprintf(rs->note, sizeof rs->note, "rolled back %s", id);
		return;
	}
	if (n < 3 || strcmp(parts[1], "versions")) {
		admin_error(rs, 404, "no such endpoint: %s (want /v1/protocols/ID/versions/VERSION or "
			    "/v1/protocols/ID/rollback)", rq->path);
		return;
	}
	const char *ver = parts[2];
	if (n == 4) {
		version_action(a, rq, rs, id, ver, parts[3]);
		return;
	}
	if (!strcmp(rq->method, "PUT")) {
		upload(a, rq, rs, id, ver);
	} else if (!strcmp(rq->method, "DELETE")) {
		rc = xdperf_registry_unload(a->r, id, ver, err, sizeof err);
		if (rc) {
			admin_error(rs, admin_status_of(rc), "%s", err);
			return;
		}
		rs->status = 200;
		rs->json = json_pack("{s:s, s:s}", "unloaded", id, "version", ver);
		snprintf(rs->note, sizeof rs->note, "unloaded %s@%s", id, ver);
	} else if (is_get(rq)) {
		answer_version(a, rs, 200, id, ver);
	} else {
		not_allowed(rq, rs, "GET, PUT, DELETE", "GET, PUT (upload) or DELETE (unload)");
	}
}

static json_t *listeners_json(struct xdperf_responder *s)
{
	json_t *arr = json_array();
	struct xdperf_listener_stats *l;
	size_t n;
	if (!s || xdperf_responder_stats(s, &l, &n))
		return arr;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s}", "url", l[i].url, "protocol", l[i].protocol);
		for (size_t j = 0; j < admin_listener_nfields; j++)
			json_object_set_new(o, admin_listener_fields[j].key,
					    json_integer((json_int_t)admin_listener_value(&l[i], &admin_listener_fields[j])));
		json_array_append_new(arr, o);
	}
	free(l);
	return arr;
}

void admin_handle(struct xdperf_admin *a, const struct admin_req *rq, struct admin_resp *rs)
{
	if (!strcmp(rq->path, "/metrics")) {
		if (!method_is(rq, rs, "GET"))
			return;
		if (xdperf_metrics_render(a->r, a->opts.responder, a->opts.metrics, &rs->text, &rs->textlen)) {
			admin_error(rs, 503, "out of memory");
			return;
		}
		rs->status = 200;
		rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	} else if (!strcmp(rq->path, "/healthz")) {
		if (method_is(rq, rs, "GET")) {
			rs->status = 200;
			rs->json = json_pack("{s:b}", "ok", 1);
		}
	} else if (!strcmp(rq->path, "/v1/listeners")) {
		if (method_is(rq, rs, "GET")) {
			rs->status = 200;
			rs->json = json_pack("{s:o}", "listeners", listeners_json(a->opts.responder));
		}
	} else {
		protocols(a, rq, rs);
	}
	if (!rs->status)
		admin_error(rs, 500, "internal error: no answer for %s %s", rq->method, rq->path);
}
