/* The device run of `xdperf --plugin NAME -d IF`: hands the plugin's templates to the
 * transmit runner (include/xdperf/tx.h), prints one statistics line per second on stderr,
 * stops cleanly on SIGINT/SIGTERM and prints the summary (text on stderr, or --json on
 * stdout). */
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/generate.h"
#include "packet/schedule.h"
#include "packet/template.h"
#include "xdperf/tx.h"

static struct xdperf_tx *running_tx;

static void on_signal(int sig)
{
	(void)sig;
	xdperf_tx_stop(running_tx);
}

int device_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	if (strlen(ifname) >= sizeof ifr.ifr_name) {
		fprintf(stderr, "xdperf: -d: '%s' is not an interface name\n", ifname);
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENODEV)
			fprintf(stderr, "xdperf: -d %s: no network interface '%s' in this namespace\n", ifname, ifname);
		else
			fprintf(stderr, "xdperf: -d %s: reading its MAC address: %s\n", ifname, strerror(e));
		return 1;
	}
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

struct progress_ctx {
	uint64_t count;
};

static void progress(void *ctx, const struct xdperf_tx_stats *total,
		     const struct xdperf_tx_stats *iv)
{
	const struct progress_ctx *p = ctx;
	double pps = iv->seconds > 0 ? (double)iv->packets / iv->seconds : 0;
	double mbps = iv->seconds > 0 ? (double)iv->bytes * 8 / iv->seconds / 1e6 : 0;
	char extra[96] = "";
	int k = 0;
	if (p->count)
		k += snprintf(extra + k, sizeof extra - (size_t)k, "  (%.0f%%)",
			      100.0 * (double)total->packets / (double)p->count);
	if (total->errors)
		k += snprintf(extra + k, sizeof extra - (size_t)k, "  errors %llu",
			      (unsigned long long)total->errors);
	if (total->refused)
		snprintf(extra + k, sizeof extra - (size_t)k, "  re-sent %llu",
			 (unsigned long long)total->refused);
	fprintf(stderr, "%.0fs  %.0f xmit/s  %.1f Mbps  total %llu%s\n", total->seconds, pps, mbps,
		(unsigned long long)total->packets, extra);
}

static void notice(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "xdperf: %s\n", msg);
}

static void print_summary(const struct gen_args *a, const struct xdperf_tx_result *r,
			  size_t ntemplates, const char *plugin, const char *error)
{
	double secs = r->total.seconds;
	double pps = secs > 0 ? (double)r->total.packets / secs : 0;
	double bps = secs > 0 ? (double)r->total.bytes * 8 / secs : 0;
	char refused[96] = "";
	if (r->total.refused)
		snprintf(refused, sizeof refused, " (%llu refused by the device and sent again)",
			 (unsigned long long)r->total.refused);
	if (a->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:i, s:I, s:b, s:i}",
				      a->templates ? "templates_file" : "plugin", plugin, "device", a->device, "mode", r->mode ? r->mode : "",
				      "packets", (json_int_t)r->total.packets,
				      "bytes", (json_int_t)r->total.bytes,
				      "errors", (json_int_t)r->total.errors,
				      "duration_s", secs, "pps", pps, "bps", bps,
				      "threads", (int)r->threads, "count", (json_int_t)a->count,
				      "stopped", r->stopped, "templates", (int)ntemplates);
		if (o)
			json_object_set_new(o, "refused", json_integer((json_int_t)r->total.refused));
		if (o && r->rate_pps > 0)
			json_object_set_new(o, "rate_target_pps", json_real(r->rate_pps));
		if (o && error)
			json_object_set_new(o, "error", json_string(error));
		char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (txt)
			printf("%s\n", txt);
		free(txt);
		json_decref(o);
		return;
	}
	fprintf(stderr, "xdperf: sent %llu packets (%llu bytes) in %.3f s on %s (%s, %u thread%s): "
			"%.0f pps, %.1f Mbps, %llu errors%s%s\n",
		(unsigned long long)r->total.packets, (unsigned long long)r->total.bytes, secs,
		a->device, r->mode ? r->mode : "-", r->threads, r->threads == 1 ? "" : "s", pps,
		bps / 1e6, (unsigned long long)r->total.errors, refused, r->stopped ? " (stopped)" : "");
}

int generate_on_device(const struct gen_args *a, const struct xdperf_template_set *set,
		       const char *plugin_name)
{
	struct xdperf_tx_frame *fr = calloc(set->n, sizeof *fr);
	if (!fr) {
		fprintf(stderr, "xdperf: out of memory\n");
		return 1;
	}
	size_t with_rate = 0;
	uint64_t *w = calloc(set->n, sizeof *w);
	int kind = w ? xdperf_schedule_weights(set, w) : 0;
	for (size_t i = 0; i < set->n; i++) {
		fr[i] = (struct xdperf_tx_frame){ set->t[i].frame, set->t[i].len, set->t[i].rate_pps,
						  kind == 2 ? w[i] : 0 };
		with_rate += set->t[i].rate_pps > 0;
	}
	free(w);
	if (with_rate && with_rate < set->n)
		fprintf(stderr, "xdperf: warning: %zu of %zu templates set metadata.rate_pps; rates apply "
				"only when every template has one, so the templates are sent in turn\n",
			with_rate, set->n);
	struct progress_ctx pctx = { a->count };
	LIBXDPERF_OPTS(xdperf_tx_opts, o, .mode = (enum xdperf_tx_mode)a->mode,
		       .parallelism = a->parallelism, .count = a->count, .duration = a->duration,
		       .rate_pps = a->rate, .bitrate = a->bitrate, .batch = a->batch,
		       .progress = a->quiet ? NULL : progress, .progress_ctx = &pctx,
		       .notice = notice);
	char err[512];
	struct xdperf_tx *tx;
	int e = xdperf_tx_new(a->device, fr, set->n, &o, &tx, err, sizeof err);
	if (e) {
		fprintf(stderr, "xdperf: -d %s: %s\n", a->device, err);
		free(fr);
		return 1;
	}
	running_tx = tx;
	struct sigaction sa = { 0 }, old_int, old_term;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct xdperf_tx_result r;
	e = xdperf_tx_run(tx, &r, err, sizeof err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running_tx = NULL;
	if (e)
		fprintf(stderr, "xdperf: %s\n", err);
	if (!e || r.total.packets || r.total.errors)
		print_summary(a, &r, set->n, plugin_name, e ? err : NULL);
	xdperf_tx_free(tx);
	free(fr);
	if (e)
		return 1;
	if (r.total.errors) {
		fprintf(stderr, "xdperf: %llu packets could not be sent on %s\n",
			(unsigned long long)r.total.errors, a->device);
		return 1;
	}
	return 0;
}
