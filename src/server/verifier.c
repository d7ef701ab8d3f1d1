/* The server's verifier plugin: a generator-ABI plugin (include/xdperf/plugin.h) given sampled
 * frames one at a time in its own thread, as {"packet":{"data":BASE64,"length":N,
 * "timestamp":NS,"sequence":N}}, answering {"result":{"valid":BOOL,"errors":[...]}}. Samples
 * wait in a bounded queue; when the plugin falls behind, new samples are dropped and counted.
 * A plugin that traps, runs out of fuel or answers something else is counted as failed for
 * that sample and goes on being called: it never stops the server. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server/server_int.h"
#include "util/err.h"
#include "xdperf/plugin.h"

#define QUEUE 64
#define VERIFIER_FUEL 200000000ull /* per sample: a looping plugin costs well under a second */

struct srv_verifier {
	struct xdperf_plugin *p;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	struct xdperf_bpf_srv_sample *q; /* QUEUE entries */
	unsigned head, n;
	uint64_t valid, invalid, failed;
	char first_error[256];
	char name[64];
};

/* Keeps the first problem seen: "PREFIX: TEXT", cut to fit. */
static void note_error(struct srv_verifier *v, const char *prefix, const char *text)
{
	if (v->first_error[0])
		return;
	size_t k = strlen(prefix);
	if (k >= sizeof v->first_error)
		k = sizeof v->first_error - 1;
	memcpy(v->first_error, prefix, k);
	size_t m = strlen(text);
	if (m > sizeof v->first_error - 1 - k)
		m = sizeof v->first_error - 1 - k;
	memcpy(v->first_error + k, text, m);
	v->first_error[k + m] = '\0';
}

/* Asks the plugin about one sample and counts the verdict. */
static void verify(struct srv_verifier *v, const struct xdperf_bpf_srv_sample *s)
{
	uint32_t n = s->len < XDPERF_BPF_SAMPLE_MAX ? s->len : XDPERF_BPF_SAMPLE_MAX;
	size_t b64len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64)
		return;
	sodium_bin2base64(b64, b64len, s->data, n, sodium_base64_VARIANT_ORIGINAL);
	json_t *req = json_pack("{s:{s:s, s:I, s:I, s:I}}", "packet", "data", b64, "length",
				(json_int_t)s->len, "timestamp", (json_int_t)s->rx_ns, "sequence",
				(json_int_t)s->seq);
	free(b64);
	char *txt = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!txt)
		return;
	char *out = NULL, err[512];
	size_t outlen = 0;
	int e = xdperf_plugin_process(v->p, txt, strlen(txt), &out, &outlen, err, sizeof err);
	free(txt);
	bool ok = false, valid = false;
	char why[200] = "";
	if (!e) {
		json_error_t je;
		json_t *o = json_loadb(out, outlen, 0, &je);
		json_t *res = json_object_get(o, "result");
		json_t *val = json_object_get(res, "valid");
		json_t *errs = json_object_get(res, "errors");
		if (json_is_boolean(val) && (!errs || json_is_array(errs))) {
			ok = true;
			valid = json_is_true(val);
			if (!valid) {
				size_t k = 0;
				for (size_t i = 0; errs && i < json_array_size(errs); i++) {
					const char *m = json_string_value(json_array_get(errs, i));
					if (m && k + 3 < sizeof why)
						k += (size_t)snprintf(why + k, sizeof why - k, "%s%s",
								      k ? "; " : "", m);
				}
			}
		} else {
			snprintf(why, sizeof why, "answer is not {\"result\":{\"valid\":BOOL,\"errors\":[...]}}");
		}
		json_decref(o);
	}
	free(out);
	pthread_mutex_lock(&v->lock);
	if (e) {
		v->failed++;
		note_error(v, "verifier failed: ", err);
	} else if (!ok) {
		v->failed++;
		note_error(v, "verifier failed: ", why);
	} else if (valid) {
		v->valid++;
	} else {
		v->invalid++;
		note_error(v, "invalid: ", why[0] ? why : "(no reason given)");
	}
	pthread_mutex_unlock(&v->lock);
}

static void *verifier_main(void *arg)
{
	struct srv_verifier *v = arg;
	struct xdperf_bpf_srv_sample *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	pthread_mutex_lock(&v->lock);
	for (;;) {
		while (!v->n && !v->quit)
			pthread_cond_wait(&v->cond, &v->lock);
		if (v->quit)
			break;
		*s = v->q[v->head];
		v->head = (v->head + 1) % QUEUE;
		v->n--;
		pthread_mutex_unlock(&v->lock);
		verify(v, s);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	free(s);
	return NULL;
}

bool srv_verifier_push(struct srv_verifier *v, const struct xdperf_bpf_srv_sample *s)
{
	pthread_mutex_lock(&v->lock);
	bool ok = v->n < QUEUE;
	if (ok) {
		v->q[(v->head + v->n) % QUEUE] = *s;
		v->n++;
		pthread_cond_signal(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
	return ok;
}

void srv_verifier_report(struct srv_verifier *v, struct xdperf_server_report *r)
{
	pthread_mutex_lock(&v->lock);
	r->verifier = true;
	r->valid = v->valid;
	r->invalid = v->invalid;
	r->verifier_failed = v->failed;
	snprintf(r->first_error, sizeof r->first_error, "%s", v->first_error);
	pthread_mutex_unlock(&v->lock);
}

void srv_verifier_reset(struct srv_verifier *v)
{
	pthread_mutex_lock(&v->lock);
	v->valid = v->invalid = v->failed = 0;
	v->first_error[0] = '\0';
	v->n = 0;
	pthread_mutex_unlock(&v->lock);
}

void srv_verifier_stop(struct srv_verifier *v)
{
	if (!v)
		return;
	if (v->th) {
		pthread_mutex_lock(&v->lock);
		v->quit = true;
		pthread_cond_signal(&v->cond);
		pthread_mutex_unlock(&v->lock);
		pthread_join(v->th, NULL);
	}
	xdperf_plugin_free(v->p);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
	free(v->q);
	free(v);
}

int srv_verifier_start(const struct xdperf_server_opts *o, struct srv_verifier **out, char *err,
		       size_t errlen)
{
	if (sodium_init() < 0) {
		xdperf_errf(err, errlen, "--verifier: libsodium did not start");
		return -EINVAL;
	}
	struct srv_verifier *v = calloc(1, sizeof *v);
	if (!v || !(v->q = calloc(QUEUE, sizeof *v->q))) {
		free(v);
		return -ENOMEM;
	}
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	char perr[512];
	LIBXDPERF_OPTS(xdperf_plugin_opts, po, .fuel = VERIFIER_FUEL, .log_level = o->log_level);
	int e = xdperf_plugin_load(o->verifier, &po, &v->p, perr, sizeof perr);
	const char *cfg = o->verifier_config ? o->verifier_config : "{}";
	if (!e)
		e = xdperf_plugin_init(v->p, cfg, strlen(cfg), perr, sizeof perr);
	if (e) {
		xdperf_errf(err, errlen, "--verifier %s: %s", o->verifier, perr);
		srv_verifier_stop(v);
		return e;
	}
	if (pthread_create(&v->th, NULL, verifier_main, v)) {
		v->th = 0;
		srv_verifier_stop(v);
		xdperf_errf(err, errlen, "--verifier: cannot start its thread");
		return -EAGAIN;
	}
	*out = v;
	return 0;
}
