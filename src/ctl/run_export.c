/* Metrics of a generator or server run: Prometheus text and OTLP/HTTP JSON (run_export.h). */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ctl/run_export.h"
#include "responder/responder.h"
#include "util/err.h"

struct run_export {
	char role[16];
	pthread_mutex_t lock;
	pthread_mutex_t src_lock; /* held while the source is read: removing it waits */
	size_t (*src)(void *ctx, struct run_point *p);
	void *src_ctx;
	struct run_point p[RUN_POINTS_MAX];
	char dev[RUN_POINTS_MAX][32];
	size_t n;
	uint64_t start_ns;      /* the run's start (realtime): OTLP startTimeUnixNano */
	struct MHD_Daemon *d;
	char *otlp_url;
	pthread_t th;
	bool pushing;
	atomic_bool stop;       /* set under lock (cv); a push under way reads it and gives up */
	pthread_cond_t cv;
	unsigned push_failed;
	char push_err[200];
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- Prometheus ----------------------------------------------------------------------------- */

/* With a source: the counters now. */
static void refresh(struct run_export *x)
{
	pthread_mutex_lock(&x->src_lock);
	if (x->src) {
		struct run_point p[RUN_POINTS_MAX];
		size_t n = x->src(x->src_ctx, p);
		run_export_update(x, p, n);
	}
	pthread_mutex_unlock(&x->src_lock);
}

static char *render_prom(struct run_export *x)
{
	refresh(x);
	static const struct { const char *name, *help; int field; } m[] = {
		{ "xdperf_packets_total", "Frames sent (transmit) or counted (receive) by this run", 0 },
		{ "xdperf_bytes_total", "Their frame bytes (Ethernet header to payload, no FCS)", 1 },
		{ "xdperf_errors_total", "Frames that could not be sent (transmit) or were lost by xdperf (receive)", 2 },
	};
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	pthread_mutex_lock(&x->lock);
	for (size_t k = 0; k < 3; k++) {
		len += (size_t)snprintf(s + len, cap - len, "# HELP %s %s\n# TYPE %s counter\n", m[k].name,
					m[k].help, m[k].name);
		for (size_t i = 0; i < x->n && len < cap; i++) {
			uint64_t v = m[k].field == 0 ? x->p[i].packets : m[k].field == 1 ? x->p[i].bytes :
				     x->p[i].errors;
			len += (size_t)snprintf(s + len, cap - len, "%s{role=\"%s\",device=\"%s\",direction=\"%s\"} %" PRIu64 "\n",
						m[k].name, x->role, x->dev[i], x->p[i].direction, v);
		}
	}
	pthread_mutex_unlock(&x->lock);
	if (len >= cap)
		len = cap - 1;
	s[len] = 0;
	return s;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **ctx)
{
	(void)version;
	(void)data;
	(void)size;
	(void)ctx;
	struct run_export *x = cls;
	struct MHD_Response *r;
	unsigned status = MHD_HTTP_OK;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "only GET\n";
		r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		static const char msg[] = "not found: the metrics are at /metrics\n";
		r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else {
		char *s = render_prom(x);
		if (!s)
			return MHD_NO;
		r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	}
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- OTLP/HTTP JSON -------------------------------------------------------------------------- */

static json_t *attr(const char *k, const char *v)
{
	return json_pack("{s:s, s:{s:s}}", "key", k, "value", "stringValue", v);
}

static char *render_otlp(struct run_export *x)
{
	refresh(x);
	static const struct { const char *name, *unit, *desc; } m[] = {
		{ "xdperf.packets", "{packet}", "Frames sent (transmit) or counted (receive)" },
		{ "xdperf.bytes", "By", "Their frame bytes" },
		{ "xdperf.errors", "{error}", "Frames not sent (transmit) or lost by xdperf (receive)" },
	};
	char host[128] = "";
	gethostname(host, sizeof host - 1);
	char start[24], now[24];
	snprintf(start, sizeof start, "%" PRIu64, x->start_ns);
	snprintf(now, sizeof now, "%" PRIu64, now_ns());
	json_t *metrics = json_array();
	pthread_mutex_lock(&x->lock);
	for (size_t k = 0; k < 3; k++) {
		json_t *dps = json_array();
		for (size_t i = 0; i < x->n; i++) {
			uint64_t v = k == 0 ? x->p[i].packets : k == 1 ? x->p[i].bytes : x->p[i].errors;
			char val[24];
			snprintf(val, sizeof val, "%" PRIu64, v);
			json_array_append_new(dps, json_pack("{s:[o,o], s:s, s:s, s:s}", "attributes",
							     attr("network.io.direction", x->p[i].direction),
							     attr("network.interface.name", x->dev[i]),
							     "startTimeUnixNano", start, "timeUnixNano", now,
							     "asInt", val));
		}
		json_array_append_new(metrics, json_pack("{s:s, s:s, s:s, s:{s:o, s:i, s:b}}", "name", m[k].name,
							 "unit", m[k].unit, "description", m[k].desc, "sum",
							 "dataPoints", dps, "aggregationTemporality", 2,
							 "isMonotonic", 1));
	}
	pthread_mutex_unlock(&x->lock);
	json_t *doc = json_pack("{s:[{s:{s:[o,o,o]}, s:[{s:{s:s}, s:o}]}]}", "resourceMetrics", "resource",
				"attributes", attr("service.name", "xdperf"), attr("host.name", host),
				attr("xdperf.role", x->role), "scopeMetrics", "scope", "name", "xdperf",
				"metrics", metrics);
	char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return s;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p;
	(void)u;
	return sz * n;
}

/* curl's progress callback of a periodic push: gives up once the run stops (the last push,
 * with the final totals, follows at once) */
static int push_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(&((struct run_export *)clientp)->stop) ? 1 : 0;
}

/* One push, at most timeout_ms; a periodic one (!last) is given up when the run stops, and
 * then not counted as failed. 0, or -1 when it failed (counted, the first reason kept). */
static int push_once(struct run_export *x, long timeout_ms, bool last)
{
	char *body = render_otlp(x);
	CURL *c = curl_easy_init();
	if (!body || !c) {
		free(body);
		if (c)
			curl_easy_cleanup(c);
		return -1;
	}
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, x->otlp_url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (!last) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, push_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	}
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	int ret = 0;
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		ret = 0; /* the run stopped: the last push follows */
	} else if (rc != CURLE_OK || code < 200 || code > 299) {
		ret = -1;
		pthread_mutex_lock(&x->lock);
		if (!x->push_failed++)
			snprintf(x->push_err, sizeof x->push_err, "OTLP push to %s: %s", x->otlp_url,
				 rc != CURLE_OK ? curl_easy_strerror(rc) : "the collector answered an error");
		if (rc == CURLE_OK && code && x->push_failed == 1)
			snprintf(x->push_err + strlen(x->push_err), sizeof x->push_err - strlen(x->push_err),
				 " (HTTP %ld)", code);
		pthread_mutex_unlock(&x->lock);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(body);
	return ret;
}

static void *pusher(void *arg)
{
	struct run_export *x = arg;
	pthread_mutex_lock(&x->lock);
	while (!x->stop) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 1;
		pthread_cond_timedwait(&x->cv, &x->lock, &t);
		if (x->stop)
			break;
		pthread_mutex_unlock(&x->lock);
		push_once(x, 900, false);
		pthread_mutex_lock(&x->lock);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

int run_export_open(const char *prom_addr, const char *otlp_url, const char *role,
		    struct run_export **out, char *err, size_t errlen)
{
	*out = NULL;
	struct run_export *x = calloc(1, sizeof *x);
	if (!x)
		return -ENOMEM;
	snprintf(x->role, sizeof x->role, "%s", role);
	pthread_mutex_init(&x->lock, NULL);
	pthread_mutex_init(&x->src_lock, NULL);
	pthread_cond_init(&x->cv, NULL);
	x->start_ns = now_ns();
	if (prom_addr) {
		char url[160];
		snprintf(url, sizeof url, "tcp://%s", prom_addr);
		struct sockaddr_storage sa;
		socklen_t salen;
		bool tcp;
		char name[120];
		snprintf(name, sizeof name, "--metrics %s", prom_addr);
		int fd;
		if (rs_parse_url(url, &tcp, &sa, &salen, err, errlen)) {
			xdperf_errf(err, errlen, "--metrics '%s': want ADDR:PORT (e.g. 127.0.0.1:9100, [::1]:9100)",
				    prom_addr);
			free(x);
			return -EINVAL;
		}
		if ((fd = rs_open_socket(&sa, salen, true, false, name, err, errlen)) < 0) {
			free(x);
			return fd;
		}
		/* ITC: a stop wakes the daemon even at its connection limit (without it, stopping
		 * waited out the connection timeout: the listen socket is not polled then) */
		x->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC |
						(sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
					0, NULL, NULL, on_request, x, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 16u,
					MHD_OPTION_END);
		if (!x->d) {
			close(fd);
			xdperf_errf(err, errlen, "--metrics %s: the HTTP server did not start", prom_addr);
			free(x);
			return -EIO;
		}
	}
	if (otlp_url) {
		if (strncmp(otlp_url, "http://", 7) && strncmp(otlp_url, "https://", 8)) {
			xdperf_errf(err, errlen, "--otlp-endpoint '%s': want an http:// or https:// URL", otlp_url);
			run_export_close(x, NULL, 0);
			return -EINVAL;
		}
		size_t l = strlen(otlp_url);
		bool has_path = l > 11 && !strcmp(otlp_url + l - 11, "/v1/metrics");
		x->otlp_url = malloc(l + 16);
		if (!x->otlp_url) {
			run_export_close(x, NULL, 0);
			return -ENOMEM;
		}
		snprintf(x->otlp_url, l + 16, "%s%s", otlp_url,
			 has_path ? "" : otlp_url[l - 1] == '/' ? "v1/metrics" : "/v1/metrics");
		if (pthread_create(&x->th, NULL, pusher, x)) {
			xdperf_errf(err, errlen, "--otlp-endpoint: cannot start the push thread");
			free(x->otlp_url);
			x->otlp_url = NULL;
			run_export_close(x, NULL, 0);
			return -EAGAIN;
		}
		x->pushing = true;
	}
	*out = x;
	return 0;
}

void run_export_update(struct run_export *x, const struct run_point *p, size_t n)
{
	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	x->n = n < RUN_POINTS_MAX ? n : RUN_POINTS_MAX;
	for (size_t i = 0; i < x->n; i++) {
		x->p[i] = p[i];
		snprintf(x->dev[i], sizeof x->dev[i], "%s", p[i].device ? p[i].device : "");
		x->p[i].device = x->dev[i];
	}
	pthread_mutex_unlock(&x->lock);
}

void run_export_source(struct run_export *x, size_t (*fn)(void *ctx, struct run_point *p), void *ctx)
{
	pthread_mutex_lock(&x->src_lock);
	x->src = fn;
	x->src_ctx = ctx;
	pthread_mutex_unlock(&x->src_lock);
}

unsigned run_export_close(struct run_export *x, char *err, size_t errlen)
{
	if (!x)
		return 0;
	if (x->pushing) {
		pthread_mutex_lock(&x->lock);
		atomic_store(&x->stop, true);
		pthread_cond_signal(&x->cv);
		pthread_mutex_unlock(&x->lock);
		pthread_join(x->th, NULL);
		push_once(x, 600, true); /* the final counters, within the second a stop may take */
	}
	if (x->d)
		MHD_stop_daemon(x->d);
	unsigned failed = x->push_failed;
	if (failed && err && errlen)
		snprintf(err, errlen, "%s", x->push_err);
	free(x->otlp_url);
	pthread_cond_destroy(&x->cv);
	pthread_mutex_destroy(&x->lock);
	pthread_mutex_destroy(&x->src_lock);
	free(x);
	return failed;
}
