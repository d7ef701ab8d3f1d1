/* Admin HTTP server (include/xdperf/admin.h) on libmicrohttpd: binds the address, serves HTTP
 * or HTTPS (certificate and key checked with GnuTLS first, so a bad file is named), checks the
 * bearer token, collects request bodies within max_upload, hands each request to the endpoints
 * (admin_api.c) and sends their JSON or text answer; logs changes and errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctl/admin_int.h"
#include "responder/responder.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/opts.h"
#include "xdperf/plugin.h"

struct body {
	uint8_t *buf;
	size_t len, cap;
	bool too_big;
};

void admin_error(struct admin_resp *rs, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	admin_printable(msg);
	rs->status = status;
	json_decref(rs->json);
	rs->json = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);
	snprintf(rs->note, sizeof rs->note, "%s", msg);
}

void admin_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?'; /* request text in messages and log lines: no control bytes, valid UTF-8 */
}

unsigned admin_status_of(int rc)
{
	switch (-rc) {
	case ENOENT:
		return 404;
	case EEXIST:
	case EBUSY:
	case ENOSPC: /* max_protocols / max_versions reached: unload something first */
		return 409;
	case ENODATA:
	case ENOKEY:
	case EBADMSG:
		return 403; /* signature refused by the trust directory */
	case E2BIG:
	case EFBIG:
		return 413;
	case ENOMEM:
	case EINTR: /* the server is stopping */
		return 503;
	default:
		return 400;
	}
}

static bool token_ok(struct xdperf_admin *a, struct MHD_Connection *c)
{
	if (!a->token)
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	size_t n = strlen(a->token);
	return strlen(h) == n && !sodium_memcmp(h, a->token, n);
}

static enum MHD_Result send_resp(struct xdperf_admin *a, struct MHD_Connection *c, const char *method,
				 const char *url, struct admin_resp *rs)
{
	char *text = rs->text;
	size_t len = rs->textlen;
	const char *ctype = rs->content_type ? rs->content_type : "text/plain; charset=utf-8";
	if (rs->json) {
		text = json_dumps(rs->json, JSON_INDENT(2) | JSON_SORT_KEYS);
		len = text ? strlen(text) : 0;
		ctype = "application/json";
		if (text) {
			/* One trailing newline, as curl users expect. */
			char *t = realloc(text, len + 2);
			if (t) {
				text = t;
				text[len++] = '\n';
				text[len] = 0;
			}
		}
		free(rs->text);
		rs->text = NULL;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text ? text : (char *)"",
								 text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(text);
		json_decref(rs->json);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (rs->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"xdperf\"");
	if (rs->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
	enum MHD_Result ret = MHD_queue_response(c, rs->status, r);
	MHD_destroy_response(r);
	bool change = strcmp(method, "GET") && strcmp(method, "HEAD");
	/* anyone who can reach the port can cause 401s: at most 20 lines a second (one thread serves) */
	if ((rs->status >= 400 || change) &&
	    xdperf_log_limit_pass(&a->log_limit, 20, a->opts.log, a->opts.log_ctx, "admin", "request lines")) {
		char m[16], u[256];
		snprintf(m, sizeof m, "%s", method);
		snprintf(u, sizeof u, "%s", url);
		admin_printable(m);
		admin_printable(u);
		xdperf_logf(a->opts.log, a->opts.log_ctx, "admin", rs->status >= 500 ? XDPERF_LOG_ERROR :
			    rs->status >= 400 ? XDPERF_LOG_WARN : XDPERF_LOG_INFO, "%s %s -> %u%s%s", m, u,
			    rs->status, rs->note[0] ? ": " : "", rs->note);
	}
	json_decref(rs->json);
	return ret;
}

/* The marker a path gets, once unescaped, where it held what no name may: a %-escape of a control
 * character (%00..%1F, %7F) or of '/', or a malformed escape. libmicrohttpd's own unescaping
 * would cut the path at a %00 ("x%00/versions/2" becoming "x") and make %2F a separator. */
#define BAD_ESCAPE '\x01'

static size_t unescape_path(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = xdperf_hexval((unsigned char)r[1]), lo = hi < 0 ? -1 : xdperf_hexval((unsigned char)r[2]);
		if (lo < 0) {
			*w++ = BAD_ESCAPE;
			continue;
		}
		unsigned char b = (unsigned char)(hi * 16 + lo);
		*w++ = b < 0x20 || b == 0x7f || b == '/' ? BAD_ESCAPE : (char)b;
		r += 2;
	}
	*w = 0;
	return (size_t)(w - s);
}

static bool path_has_control(const char *url)
{
	for (; *url; url++)
		if ((unsigned char)*url < 0x20 || (unsigned char)*url == 0x7f)
			return true;
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct xdperf_admin *a = cls;
	struct body *b = *state;
	if (!b) {
		/* First call: headers only. Refuse early what needs no body to refuse. */
		admin_guard_headers_done(a, c);
		struct admin_resp rs = { 0 };
		if (!token_ok(a, c)) {
			admin_error(&rs, 401, "missing or wrong bearer token (send Authorization: Bearer TOKEN)");
			return send_resp(a, c, method, url, &rs);
		}
		if (path_has_control(url)) {
			admin_error(&rs, 400, "the path holds a control character, an encoded '/' or a "
				    "malformed %%-escape (%s): names are plain text", url);
			return send_resp(a, c, method, url, &rs);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > a->opts.max_upload) {
			admin_error(&rs, 413, "request body of %s bytes is over the %zu-byte limit", cl, a->opts.max_upload);
			return send_resp(a, c, method, url, &rs);
		}
		b = calloc(1, sizeof *b);
		if (!b)
			return MHD_NO;
		*state = b;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (b->too_big || b->len + n > a->opts.max_upload) {
			b->too_big = true;
			return MHD_YES;
		}
		if (b->len + n > b->cap) {
			size_t nc = b->cap ? b->cap : 65536;
			while (nc < b->len + n)
				nc *= 2;
			uint8_t *nb = realloc(b->buf, nc);
			if (!nb) {
				b->too_big = true;
				return MHD_YES;
			}
			b->buf = nb;
			b->cap = nc;
		}
		memcpy(b->buf + b->len, upload, n);
		b->len += n;
		return MHD_YES;
	}
	struct admin_resp rs = { 0 };
	if (b->too_big) {
		admin_error(&rs, 413, "request body over the %zu-byte limit", a->opts.max_upload);
	} else {
		struct admin_req rq = { .method = method, .path = url, .body = b->buf, .len = b->len,
					.signature = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
										 "X-Xdperf-Signature") };
		admin_handle(a, &rq, &rs);
	}
	(void)version;
	return send_resp(a, c, method, url, &rs);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode code)
{
	struct body *b = *state;
	if (b) {
		free(b->buf);
		free(b);
	}
	*state = NULL;
}

static int parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *len, char *err, size_t errlen)
{
	char url[100];
	snprintf(url, sizeof url, "tcp://%s", s);
	bool tcp;
	int rc = rs_parse_url(url, &tcp, sa, len, err, errlen);
	if (rc)
		xdperf_errf(err, errlen, "admin address '%s': want ADDR:PORT (e.g. 127.0.0.1:7090, [::1]:7090)", s);
	return rc;
}

static bool is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* Frees what xdperf_admin_new allocated besides the daemon (the key zeroed first). */
static void admin_release(struct xdperf_admin *a)
{
	if (a->token)
		sodium_memzero(a->token, strlen(a->token));
	if (a->tls_key)
		sodium_memzero(a->tls_key, a->tls_key_len + 1);
	free(a->token);
	free(a->tls_key);
	free(a->tls_cert);
	admin_guard_stop(&a->guard);
	free(a);
}

static int read_tls_file(const char *what, const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	int rc = xdperf_read_file_secret(path, 1u << 20, buf, len);
	if (rc)
		xdperf_errf(err, errlen, "admin TLS %s %s: %s", what, path, rc == -EFBIG ? "larger than 1 MiB" : xdperf_file_strerror(rc));
	return rc;
}

/* Reads opts.tls_cert and opts.tls_key and checks them the way the HTTPS server will use them
 * (PEM, a key matching the certificate); nothing to do for plain HTTP. */
static int load_tls(struct xdperf_admin *a, char *err, size_t errlen)
{
	const char *cf = a->opts.tls_cert, *kf = a->opts.tls_key;
	a->opts.tls_cert = a->opts.tls_key = NULL; /* the caller's strings are not kept */
	if (!cf && !kf)
		return 0;
	if (!cf || !kf) {
		xdperf_errf(err, errlen, "admin TLS: a certificate and a key are both needed (only the %s was given)",
			    cf ? "certificate" : "key");
		return -EINVAL;
	}
	size_t clen;
	int rc = read_tls_file("certificate", cf, &a->tls_cert, &clen, err, errlen);
	if (!rc)
		rc = read_tls_file("key", kf, &a->tls_key, &a->tls_key_len, err, errlen);
	if (rc)
		return rc;
	struct stat st;
	if (!stat(kf, &st) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		xdperf_logf(a->opts.log, a->opts.log_ctx, "admin", XDPERF_LOG_WARN,
			    "admin TLS key %s is open to other users (mode %04o): chmod 600 it", kf,
			    (unsigned)(st.st_mode & 07777));
	gnutls_datum_t cd = { a->tls_cert, (unsigned)clen }, kd = { a->tls_key, (unsigned)a->tls_key_len };
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	int g = gnutls_x509_crt_init(&crt);
	if (g >= 0 && (g = gnutls_x509_crt_import(crt, &cd, GNUTLS_X509_FMT_PEM)) < 0) {
		xdperf_errf(err, errlen, "admin TLS certificate %s: %s (want a PEM certificate)", cf, gnutls_strerror(g));
		rc = -EBADMSG;
	}
	if (!rc && g >= 0 && (g = gnutls_x509_privkey_init(&key)) >= 0 &&
	    (g = gnutls_x509_privkey_import(key, &kd, GNUTLS_X509_FMT_PEM)) < 0) {
		xdperf_errf(err, errlen, "admin TLS key %s: %s (want an unencrypted PEM private key)", kf, gnutls_strerror(g));
		rc = -EBADMSG;
	}
	if (!rc && g >= 0 && (g = gnutls_certificate_allocate_credentials(&cred)) >= 0 &&
	    (g = gnutls_certificate_set_x509_key_mem(cred, &cd, &kd, GNUTLS_X509_FMT_PEM)) < 0) {
		if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
			xdperf_errf(err, errlen, "admin TLS key %s does not belong to the certificate %s", kf, cf);
		else
			xdperf_errf(err, errlen, "admin TLS certificate %s with key %s: %s", cf, kf, gnutls_strerror(g));
		rc = -EBADMSG;
	}
	if (!rc && g < 0) {
		xdperf_errf(err, errlen, "admin TLS: %s", gnutls_strerror(g));
		rc = g == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
	}
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int xdperf_admin_new(struct xdperf_registry *r, const struct xdperf_admin_opts *opts, struct xdperf_admin **out,
		     char *err, size_t errlen)
{
	struct xdperf_admin *a = calloc(1, sizeof *a);
	if (!a) {
		xdperf_errf(err, errlen, "admin: out of memory");
		return -ENOMEM;
	}
	xdperf_opts_copy(&a->opts, sizeof a->opts, opts);
	a->opts.sz = sizeof a->opts;
	a->r = r;
	snprintf(a->listen, sizeof a->listen, "%s", a->opts.listen ? a->opts.listen : "127.0.0.1:7090");
	a->opts.listen = a->listen;
	if (!a->opts.max_upload)
		a->opts.max_upload = 64u << 20;
	if (a->opts.token && *a->opts.token) {
		a->token = strdup(a->opts.token);
		if (!a->token) {
			free(a);
			xdperf_errf(err, errlen, "admin: out of memory");
			return -ENOMEM;
		}
	}
	a->opts.token = NULL;
	struct sockaddr_storage sa;
	socklen_t salen;
	int rc = parse_listen(a->listen, &sa, &salen, err, errlen);
	if (!rc)
		rc = load_tls(a, err, errlen);
	if (rc) {
		admin_release(a);
		return rc;
	}
	if (!is_loopback(&sa) && !a->token && !a->opts.insecure) {
		xdperf_errf(err, errlen, "the admin API on %s would be reachable from other hosts without a "
			    "token, and anyone who reaches it could load code: set a token (--admin-token-file), "
			    "listen on loopback, or accept the risk with --admin-insecure", a->listen);
		admin_release(a);
		return -EPERM;
	}
	if (!is_loopback(&sa) && !a->token)
		xdperf_logf(a->opts.log, a->opts.log_ctx, "admin", XDPERF_LOG_WARN,
			    "the admin API on %s is reachable from other hosts and has no token; anyone who can "
			    "reach it can load code (--admin-insecure)", a->listen);
	/* ITC: a stop wakes the daemon even when it is at its connection limit (without it, stopping
	 * waited out the connection timeout: the listen socket is not polled then) */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
			 (a->tls_cert ? MHD_USE_TLS : 0);
	/* Bind ourselves, so that a taken port is reported with its errno. */
	char name[100];
	snprintf(name, sizeof name, "admin address %s", a->listen);
	int fd = rs_open_socket(&sa, salen, true, false, name, err, errlen);
	if (fd < 0) {
		admin_release(a);
		return fd;
	}
	rc = admin_guard_start(&a->guard);
	if (rc) {
		xdperf_errf(err, errlen, "%s: cannot start the connection guard", name);
		close(fd);
		admin_release(a);
		return rc;
	}
	if (a->tls_cert)
		a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, on_done, a, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					MHD_OPTION_CONNECTION_LIMIT, ADMIN_MAX_CONNECTIONS,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, ADMIN_PER_ADDRESS,
					MHD_OPTION_NOTIFY_CONNECTION, admin_guard_notify, a,
					MHD_OPTION_UNESCAPE_CALLBACK, unescape_path, NULL,
					MHD_OPTION_HTTPS_MEM_CERT, (const char *)a->tls_cert,
					MHD_OPTION_HTTPS_MEM_KEY, (const char *)a->tls_key, MHD_OPTION_END);
	else
		a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, on_done, a, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					MHD_OPTION_CONNECTION_LIMIT, ADMIN_MAX_CONNECTIONS,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, ADMIN_PER_ADDRESS,
					MHD_OPTION_NOTIFY_CONNECTION, admin_guard_notify, a,
					MHD_OPTION_UNESCAPE_CALLBACK, unescape_path, NULL, MHD_OPTION_END);
	if (!a->d) {
		xdperf_errf(err, errlen, "%s: the %s server did not start", name, a->tls_cert ? "HTTPS" : "HTTP");
		close(fd);
		admin_release(a);
		return -EIO;
	}
	socklen_t sl = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	a->port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port :
						  ((struct sockaddr_in6 *)&sa)->sin6_port);
	char where[80];
	rs_format_addr((struct sockaddr *)&sa, where, sizeof where);
	xdperf_logf(a->opts.log, a->opts.log_ctx, "admin", XDPERF_LOG_INFO, "admin API on %s://%s%s",
		    a->tls_cert ? "https" : "http", where, a->token ? " (bearer token required)" : "");
	*out = a;
	return 0;
}

uint16_t xdperf_admin_port(const struct xdperf_admin *a)
{
	return a->port;
}

void xdperf_admin_free(struct xdperf_admin *a)
{
	if (!a)
		return;
	MHD_stop_daemon(a->d);
	admin_release(a);
}
