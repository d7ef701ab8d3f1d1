/* Admin API client (include/xdperf/admin.h: xdperf_admin_request) on libcurl: one HTTP request
 * to http://HOST:PORT/PATH with an optional body, signature header and bearer token. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/err.h"
#include "xdperf/admin.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	char *buf;
	size_t len, cap;
	bool oom;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t k = size * n;
	if (s->len + k + 1 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4096;
		while (nc < s->len + k + 1)
			nc *= 2;
		char *nb = realloc(s->buf, nc);
		if (!nb) {
			s->oom = true;
			return 0;
		}
		s->buf = nb;
		s->cap = nc;
	}
	memcpy(s->buf + s->len, p, k);
	s->len += k;
	s->buf[s->len] = 0;
	return k;
}

int xdperf_admin_request(const char *addr, const char *method, const char *path, const void *body, size_t len,
			 const char *content_type, const char *header, const char *token, uint32_t timeout_ms,
			 struct xdperf_admin_reply *reply, char *err, size_t errlen)
{
	memset(reply, 0, sizeof *reply);
	if (!addr || !*addr || strchr(addr, '/') || !strchr(addr, ':') || !path || path[0] != '/') {
		xdperf_errf(err, errlen, "admin address '%s': want HOST:PORT (e.g. 127.0.0.1:7090)", addr ? addr : "");
		return -EINVAL;
	}
	pthread_once(&curl_once, curl_init);
	CURL *c = curl_easy_init();
	if (!c) {
		xdperf_errf(err, errlen, "admin client: out of memory");
		return -ENOMEM;
	}
	char url[512];
	snprintf(url, sizeof url, "http://%s%s", addr, path);
	struct sink s = { 0 };
	struct curl_slist *hs = NULL;
	char line[600];
	if (token && *token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		hs = curl_slist_append(hs, line);
	}
	if (header)
		hs = curl_slist_append(hs, header);
	if (body) {
		snprintf(line, sizeof line, "Content-Type: %s", content_type ? content_type : "application/json");
		hs = curl_slist_append(hs, line);
	}
	hs = curl_slist_append(hs, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms ? timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	CURLcode rc = curl_easy_perform(c);
	int ret = 0;
	if (rc != CURLE_OK) {
		switch (rc) {
		case CURLE_COULDNT_CONNECT:
			ret = -ECONNREFUSED;
			xdperf_errf(err, errlen, "admin API at %s: connection refused (is xdperf serve --admin %s running?)",
				    addr, addr);
			break;
		case CURLE_OPERATION_TIMEDOUT:
			ret = -ETIMEDOUT;
			xdperf_errf(err, errlen, "admin API at %s: no answer within %u ms", addr,
				    timeout_ms ? timeout_ms : 10000);
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
			ret = -EHOSTUNREACH;
			xdperf_errf(err, errlen, "admin API at %s: cannot resolve the host", addr);
			break;
		case CURLE_URL_MALFORMAT:
			ret = -EINVAL;
			xdperf_errf(err, errlen, "admin address '%s': want HOST:PORT", addr);
			break;
		default:
			ret = s.oom ? -ENOMEM : -EIO;
			xdperf_errf(err, errlen, "admin API at %s: %s", addr, curl_easy_strerror(rc));
		}
		free(s.buf);
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
		char *ct = NULL;
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		reply->content_type = ct ? strdup(ct) : NULL;
		reply->body = s.buf ? s.buf : strdup("");
		reply->len = s.len;
	}
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	return ret;
}

void xdperf_admin_reply_free(struct xdperf_admin_reply *reply)
{
	if (!reply)
		return;
	free(reply->body);
	free(reply->content_type);
	reply->body = reply->content_type = NULL;
}
