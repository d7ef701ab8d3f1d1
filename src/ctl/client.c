/* Admin API client (include/xdperf/admin.h: xdperf_admin_call) on libcurl: one HTTP or HTTPS
 * request to HOST:PORT/PATH with an optional body, signature header and bearer token, and one
 * error line saying what went wrong (refused, timed out, TLS trust or handshake). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/err.h"
#include "util/opts.h"
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

/* Splits addr into its scheme (*https) and the HOST:PORT part (*hostport, *hostlen bytes,
 * without a trailing slash); false when it is neither HOST:PORT nor http(s)://HOST:PORT. */
static bool parse_addr(const char *addr, bool *https, const char **hostport, size_t *hostlen)
{
	*https = false;
	*hostport = addr;
	if (!strncmp(addr, "http://", 7)) {
		*hostport = addr + 7;
	} else if (!strncmp(addr, "https://", 8)) {
		*https = true;
		*hostport = addr + 8;
	}
	const char *h = *hostport;
	size_t n = strlen(h);
	if (n && h[n - 1] == '/')
		n--; /* a trailing slash is fine */
	*hostlen = n;
	if (!n || memchr(h, '/', n))
		return false;
	/* HOST:PORT or [IPv6]:PORT: a host, then ':' and 1..5 digits at the end */
	size_t colon = n;
	while (colon > 0 && h[colon - 1] != ':')
		colon--;
	if (colon < 2 || n - colon < 1 || n - colon > 5)
		return false;
	for (size_t i = colon; i < n; i++)
		if (h[i] < '0' || h[i] > '9')
			return false;
	const char *close = memchr(h, ']', n);
	if (h[0] == '[')
		return close && close == h + colon - 2;
	return !close && !memchr(h, ':', colon - 1); /* a bare IPv6 address needs brackets */
}

int xdperf_admin_call(const char *addr, const char *method, const char *path, const void *body, size_t len,
		      const char *content_type, const char *header, const struct xdperf_admin_client_opts *opts,
		      struct xdperf_admin_reply *reply, char *err, size_t errlen)
{
	struct xdperf_admin_client_opts o = { .sz = sizeof o };
	xdperf_opts_copy(&o, sizeof o, opts);
	uint32_t timeout_ms = o.timeout_ms ? o.timeout_ms : 10000;
	const char *hp;
	size_t hl;
	bool https;
	memset(reply, 0, sizeof *reply);
	if (!addr || !parse_addr(addr, &https, &hp, &hl) || !path || path[0] != '/') {
		xdperf_errf(err, errlen, "admin address '%s': want HOST:PORT, http://HOST:PORT or https://HOST:PORT "
			    "(e.g. 127.0.0.1:7090)", addr ? addr : "");
		return -EINVAL;
	}
	if (https && o.ca_file && access(o.ca_file, R_OK)) {
		int e = errno;
		xdperf_errf(err, errlen, "CA file %s: %s", o.ca_file, strerror(e));
		return -e;
	}
	pthread_once(&curl_once, curl_init);
	CURL *c = curl_easy_init();
	if (!c) {
		xdperf_errf(err, errlen, "admin client: out of memory");
		return -ENOMEM;
	}
	char url[512];
	snprintf(url, sizeof url, "%s://%.*s%s", https ? "https" : "http", (int)hl, hp, path);
	struct sink s = { 0 };
	struct curl_slist *hs = NULL;
	char line[600], cerr[CURL_ERROR_SIZE] = "";
	if (o.token && *o.token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", o.token);
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	if (https && o.ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL); /* only these, not the system's as well */
	}
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
	const char *why = cerr[0] ? cerr : curl_easy_strerror(rc);
	int ret = 0;
	if (rc != CURLE_OK) {
		switch (rc) {
		case CURLE_COULDNT_CONNECT:
			ret = -ECONNREFUSED;
			xdperf_errf(err, errlen, "admin API at %s: connection refused (is xdperf serve --admin %.*s running?)",
				    addr, (int)hl, hp);
			break;
		case CURLE_OPERATION_TIMEDOUT:
			ret = -ETIMEDOUT;
			xdperf_errf(err, errlen, "admin API at %s: no answer within %u ms", addr, timeout_ms);
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
			ret = -EHOSTUNREACH;
			xdperf_errf(err, errlen, "admin API at %s: cannot resolve the host", addr);
			break;
		case CURLE_URL_MALFORMAT:
			ret = -EINVAL;
			xdperf_errf(err, errlen, "admin address '%s': want HOST:PORT, http://HOST:PORT or https://HOST:PORT",
				    addr);
			break;
		case CURLE_PEER_FAILED_VERIFICATION:
			ret = -EBADMSG;
			if (strstr(why, "name"))
				xdperf_errf(err, errlen, "admin API at %s: its TLS certificate is not issued for that host: %s "
					    "(connect by a name or address in its subjectAltName)", addr, why);
			else
				xdperf_errf(err, errlen, "admin API at %s: its TLS certificate is not trusted: %s (give the "
					    "certificate or its CA with --cacert FILE)", addr, why);
			break;
		case CURLE_SSL_CACERT_BADFILE:
			ret = -EBADMSG;
			xdperf_errf(err, errlen, "CA file %s: not a PEM certificate (%s)", o.ca_file ? o.ca_file : "(system)",
				    why);
			break;
		case CURLE_SSL_CONNECT_ERROR:
			ret = -EPROTO;
			xdperf_errf(err, errlen, "admin API at %s: TLS handshake failed: %s (does the server speak HTTPS? "
				    "for plain HTTP use http://%.*s)", addr, why, (int)hl, hp);
			break;
		case CURLE_GOT_NOTHING:
		case CURLE_RECV_ERROR:
			ret = https ? -EIO : -EPROTO;
			xdperf_errf(err, errlen, "admin API at %s: the connection closed without an answer (%s)%s", addr, why,
				    https ? "" : "; if the server uses TLS (--admin-tls-cert), use https://HOST:PORT");
			break;
		default:
			ret = s.oom ? -ENOMEM : -EIO;
			xdperf_errf(err, errlen, "admin API at %s: %s", addr, why);
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

int xdperf_admin_request(const char *addr, const char *method, const char *path, const void *body, size_t len,
			 const char *content_type, const char *header, const char *token, uint32_t timeout_ms,
			 struct xdperf_admin_reply *reply, char *err, size_t errlen)
{
	struct xdperf_admin_client_opts o = { .sz = sizeof o, .token = token, .timeout_ms = timeout_ms };
	return xdperf_admin_call(addr, method, path, body, len, content_type, header, &o, reply, err, errlen);
}

void xdperf_admin_reply_free(struct xdperf_admin_reply *reply)
{
	if (!reply)
		return;
	free(reply->body);
	free(reply->content_type);
	reply->body = reply->content_type = NULL;
}
