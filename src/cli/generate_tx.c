/* The device run of `xdperf --plugin NAME -d IF`: hands the plugin's templates (with their
 * field modifiers) to the transmit runner (include/xdperf/tx.h), prints one statistics line
 * per second on stderr, reloads the plugin and swaps its templates in on SIGHUP or (--watch)
 * when its files change, stops cleanly on SIGINT/SIGTERM and prints the summary (text on
 * stderr, or --json on stdout). */
#include <errno.h>
#include <stdatomic.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/cli_util.h"
#include "cli/gen_stop.h"
#include "cli/gen_report.h"
#include "cli/generate.h"
#include "cli/plugin_common.h"
#include "cli/tx_summary.h"
#include "datapath/cpus.h"
#include "datapath/device.h"
#include "datapath/nicstats.h"
#include "datapath/rxcount.h"
#include "ctl/run_export.h"
#include "util/clock.h"
#include "packet/schedule.h"
#include "packet/template.h"
#include "xdperf/server.h"
#include "xdperf/tx.h"

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
	struct dp_rxcount *rx;  /* --rx-device */
	uint64_t rx_prev;
	bool print;             /* the per-second lines (not --quiet) */
	struct run_export *ex;  /* --metrics / --otlp-endpoint */
	const char *device, *rx_device;
	bool stream;            /* --json-stream: interval objects on stdout */
	double last_end;        /* the last interval's end (seconds of the run) ... */
	double mono_last;       /* ... and xdperf_mono() then */
	struct xdperf_tx_stats last; /* the totals then */
	struct gen_report *rep; /* --report: the per-second series */
};

/* One --json-stream interval object: from the last one to `end` (seconds of the run), totals
 * `total`; rx: the --rx-device count (have_rx). */
static void stream_interval(struct progress_ctx *pc, double end, const struct xdperf_tx_stats *total,
			    bool have_rx, uint64_t rx_got)
{
	struct xdperf_tx_stats l = pc->last;
	if (total->packets < l.packets || total->refused < l.refused)
		memset(&l, 0, sizeof l); /* a new attempt (XDP fell back to AF_PACKET) counts from 0 */
	json_t *d = cli_interval_json(pc->last_end, end, total->packets - l.packets,
				      total->bytes - l.bytes, total->packets, total->bytes);
	if (d) {
		json_object_set_new(d, "errors", json_integer((json_int_t)(total->errors - l.errors)));
		json_object_set_new(d, "refused", json_integer((json_int_t)(total->refused - l.refused)));
		json_t *t = json_object_get(d, "total");
		json_object_set_new(t, "errors", json_integer((json_int_t)total->errors));
		json_object_set_new(t, "refused", json_integer((json_int_t)total->refused));
		if (have_rx)
			json_object_set_new(d, "rx", json_pack("{s:I, s:I}", "packets",
							       (json_int_t)(rx_got - pc->rx_prev),
							       "total", (json_int_t)rx_got));
		cli_json_event("interval", d);
	}
	pc->last = *total;
	pc->last_end = end;
	pc->mono_last = xdperf_mono();
}

/* The counters for --metrics / --otlp-endpoint: what was sent and, with --rx-device, what
 * came back. */
static void export_now(struct progress_ctx *p, const struct xdperf_tx_stats *total, bool have_rx,
		       uint64_t rx_packets, uint64_t rx_bytes)
{
	struct run_point pt[2] = {
		{ "transmit", p->device, total->packets, total->bytes, total->errors },
		{ "receive", p->rx_device, rx_packets, rx_bytes, 0 },
	};
	run_export_update(p->ex, pt, have_rx ? 2 : 1);
}

static void progress(void *ctx, const struct xdperf_tx_stats *total,
		     const struct xdperf_tx_stats *iv)
{
	struct progress_ctx *pc = ctx;
	uint64_t got = 0, bytes = 0;
	bool have_rx = pc->rx && !dp_rxcount_read(pc->rx, &got, &bytes);
	gen_report_tick(pc->rep, total->seconds, total, have_rx, got);
	export_now(pc, total, have_rx, got, bytes);
	if (pc->stream)
		stream_interval(pc, total->seconds, total, have_rx, got);
	if (!pc->print) {
		pc->rx_prev = got;
		return;
	}
	double pps = iv->seconds > 0 ? (double)iv->packets / iv->seconds : 0;
	double mbps = iv->seconds > 0 ? (double)iv->bytes * 8 / iv->seconds / 1e6 : 0;
	char extra[96] = "";
	int k = 0;
	if (pc->count)
		k += snprintf(extra + k, sizeof extra - (size_t)k, "  (%.0f%%)",
			      100.0 * (double)total->packets / (double)pc->count);
	if (total->errors)
		k += snprintf(extra + k, sizeof extra - (size_t)k, "  errors %llu",
			      (unsigned long long)total->errors);
	if (total->refused)
		snprintf(extra + k, sizeof extra - (size_t)k, "  re-sent %llu",
			 (unsigned long long)total->refused);
	char rx[64] = "";
	if (have_rx) {
		snprintf(rx, sizeof rx, "  %.0f recv/s  back %llu", iv->seconds > 0 ?
			 (double)(got - pc->rx_prev) / iv->seconds : 0, (unsigned long long)got);
		pc->rx_prev = got;
	}
	fprintf(stderr, "%.0fs  %.0f xmit/s  %.1f Mbps  total %llu%s%s\n", total->seconds, pps, mbps,
		(unsigned long long)total->packets, rx, extra);
}

/* After the run: the last frames may still be on their way back. Reads the --rx-device count
 * until it has every frame sent, nothing new came for half a second, 5 s passed, or a stop
 * was asked for; *waited gets the time spent. */
static void rx_settle(struct dp_rxcount *rx, uint64_t sent, uint64_t *packets, uint64_t *bytes,
		      double *waited)
{
	double t0 = xdperf_mono(), last_change = t0;
	uint64_t prev = UINT64_MAX;
	*packets = *bytes = 0;
	for (;;) {
		if (dp_rxcount_read(rx, packets, bytes))
			break;
		double now = xdperf_mono();
		if (*packets != prev) {
			prev = *packets;
			last_change = now;
		}
		if (*packets >= sent || now - last_change >= 0.5 || now - t0 >= 5 || gen_stops)
			break;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	*waited = xdperf_mono() - t0;
}

static void notice(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "xdperf: %s\n", msg);
}

int gen_server_open(const char *addr, bool stamp, struct xdperf_server_ctl **out)
{
	char err[512];
	struct xdperf_server_ctl *ctl = NULL;
	LIBXDPERF_OPTS(xdperf_server_ctl_opts, co, .timeout_ms = 5000, .stop = &gen_stops);
	int e = xdperf_server_ctl_open(addr, &co, &ctl, err, sizeof err);
	if (!e)
		e = xdperf_server_ctl_reset(ctl, err, sizeof err);
	if (e || gen_stops) {
		if (gen_stops)
			fprintf(stderr, "xdperf: stopped by %s while reaching the server at %s; "
					"nothing sent\n", gen_stop_name(), addr);
		else
			fprintf(stderr, "xdperf: --server-addr: %s; nothing sent\n", err);
		xdperf_server_ctl_close(ctl);
		*out = NULL;
		return gen_stops ? gen_stop_status() : 1;
	}
	bool srv_stamp = false;
	xdperf_server_ctl_info(ctl, NULL, 0, NULL, &srv_stamp);
	if (stamp && !srv_stamp)
		fprintf(stderr, "xdperf: warning: the server at %s does not check stamps (start it "
				"with --stamp for loss and latency)\n", addr);
	*out = ctl;
	return 0;
}

/* The frames of a template set for the runner (pointing into the set). NULL when out of
 * memory. */
struct xdperf_tx_frame *gen_set_frames(const struct xdperf_template_set *set, bool verbose)
{
	size_t with_rate = 0;
	struct xdperf_tx_frame *fr = xdperf_template_set_tx_frames(set, &with_rate);
	if (fr && verbose && with_rate && with_rate < set->n)
		fprintf(stderr, "xdperf: warning: %zu of %zu templates set metadata.rate_pps; rates apply "
				"only when every template has one, so the templates are sent in turn\n",
			with_rate, set->n);
	return fr;
}

/* ---- hot swap: SIGHUP, or --watch ---------------------------------------------------------- */

struct reloader {
	const struct gen_args *a;
	struct xdperf_tx *tx;
	int sfd, ifd, stopfd;
	int ctlfd;                   /* the server's control connection, -1 = none */
	_Atomic bool server_lost;    /* it closed during the run (the run was stopped) */
	pthread_t th;
	bool started;
	char files[3][PATH_MAX];     /* watched: plugin, config, templates */
	unsigned nfiles;
	uint64_t hash;               /* of the watched files' contents at the last load */
};

static uint64_t files_hash(struct reloader *r)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the files' bytes */
	for (unsigned i = 0; i < r->nfiles; i++) {
		FILE *f = fopen(r->files[i], "rb");
		int c;
		if (!f) {
			h ^= 0xdeadull;
			continue;
		}
		while ((c = getc(f)) != EOF)
			h = (h ^ (uint64_t)c) * 1099511628211ull;
		fclose(f);
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

static void reload(struct reloader *r, const char *why)
{
	struct xdperf_template_set *set = NULL;
	char source[PATH_MAX + 32], err[512];
	if (gen_load_set(r->a, &set, source, sizeof source)) {
		if (!gen_stops) /* else the run is ending: the plugin call was interrupted */
			fprintf(stderr, "xdperf: reload (%s) failed; still sending the previous "
					"templates\n", why);
		return;
	}
	struct xdperf_tx_frame *fr = gen_set_frames(set, true);
	int e = fr ? xdperf_tx_swap(r->tx, fr, set->n, err, sizeof err) : -ENOMEM;
	if (e == -ENOMEM && !fr)
		snprintf(err, sizeof err, "out of memory");
	if (e)
		fprintf(stderr, "xdperf: reload (%s) of %s: %s; still sending the previous templates\n",
			why, source, err);
	else if (!r->a->quiet)
		fprintf(stderr, "xdperf: reloaded %s (%s): %zu template%s now sent (swap %u)\n", source,
			why, set->n, set->n == 1 ? "" : "s", xdperf_tx_swaps(r->tx));
	free(fr);
	xdperf_template_set_free(set);
}

/* Watches a file through its directory (editors and compilers replace files by renaming). */
static int watch_file(struct reloader *r, const char *file)
{
	if (!file || r->nfiles >= 3)
		return 0;
	char *abs = realpath(file, NULL);
	if (!abs) {
		fprintf(stderr, "xdperf: --watch: %s: %s\n", file, strerror(errno));
		return -1;
	}
	snprintf(r->files[r->nfiles], sizeof r->files[0], "%s", abs);
	char *slash = strrchr(abs, '/');
	*slash = '\0';
	int wd = inotify_add_watch(r->ifd, abs[0] ? abs : "/",
				   IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB);
	free(abs);
	if (wd < 0) {
		fprintf(stderr, "xdperf: --watch: %s: %s\n", file, strerror(errno));
		return -1;
	}
	r->nfiles++;
	return 0;
}

static void *reloader_main(void *arg)
{
	struct reloader *r = arg;
	for (;;) {
		struct pollfd p[4] = { { r->stopfd, POLLIN, 0 }, { r->sfd, POLLIN, 0 },
				       { r->ctlfd, POLLIN | POLLRDHUP, 0 }, { r->ifd, POLLIN, 0 } };
		if (poll(p, r->ifd >= 0 ? 4 : 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (r->ctlfd >= 0 && p[2].revents) {
			/* the server never speaks unasked: it closed the connection */
			fprintf(stderr, "xdperf: the server at %s closed the control connection; "
					"stopping the run\n", r->a->server_addr);
			atomic_store(&r->server_lost, true);
			xdperf_tx_stop(r->tx);
			r->ctlfd = -1;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(r->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				r->hash = files_hash(r);
				reload(r, "SIGHUP");
			}
		}
		if (r->ifd >= 0 && (p[3].revents & POLLIN)) {
			char buf[4096];
			/* let the writer finish: gather events for 100 ms */
			do {
				if (read(r->ifd, buf, sizeof buf) < 0 && errno != EAGAIN)
					break;
			} while (poll(&p[3], 1, 100) > 0);
			uint64_t h = files_hash(r);
			if (h != r->hash) {
				r->hash = h;
				reload(r, "file changed");
			}
		}
	}
	return NULL;
}

static int reloader_start(struct reloader *r, const struct gen_args *a, struct xdperf_tx *tx,
			  int ctlfd)
{
	memset(r, 0, sizeof *r);
	r->a = a;
	r->tx = tx;
	r->ifd = -1;
	r->ctlfd = ctlfd;
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	/* blocked since cmd_generate() started (block_sighup()), before any thread: only the
	 * signalfd sees SIGHUP, and one sent while the plugin was loading is a reload now */
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	r->sfd = signalfd(-1, &hup, SFD_CLOEXEC);
	r->stopfd = eventfd(0, EFD_CLOEXEC);
	if (r->sfd < 0 || r->stopfd < 0) {
		fprintf(stderr, "xdperf: cannot set up reloading: %s\n", strerror(errno));
		return -1;
	}
	if (a->watch) {
		char path[PATH_MAX + 32];
		r->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (r->ifd < 0) {
			fprintf(stderr, "xdperf: --watch: %s\n", strerror(errno));
			return -1;
		}
		if (a->plugin && find_plugin(a->plugin, a->plugin_path, path, sizeof path))
			return -1;
		if ((a->plugin && watch_file(r, path)) || watch_file(r, a->config) ||
		    watch_file(r, a->templates))
			return -1;
		r->hash = files_hash(r);
	}
	if (pthread_create(&r->th, NULL, reloader_main, r)) {
		fprintf(stderr, "xdperf: cannot start the reload thread\n");
		return -1;
	}
	r->started = true;
	return 0;
}

static void reloader_stop(struct reloader *r)
{
	if (r->started) {
		uint64_t one = 1;
		if (write(r->stopfd, &one, sizeof one) < 0)
			pthread_cancel(r->th);
		pthread_join(r->th, NULL);
	}
	if (r->sfd >= 0)
		close(r->sfd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	if (r->ifd >= 0)
		close(r->ifd);
	/* SIGHUP stays blocked: one arriving now must not kill the run before its summary */
}

void block_sighup(void)
{
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
}

static int run_on_device(const struct gen_args *a, const struct xdperf_template_set *set,
			 const char *plugin_name, struct dp_rxcount *rx);

int generate_on_device(const struct gen_args *a, const struct xdperf_template_set *set,
		       const char *plugin_name)
{
	struct dp_rxcount *rx = NULL;
	if (a->rx_device) {
		/* attached before anything is sent: every frame that comes back is counted */
		char rerr[256];
		int rxi;
		if (dp_device_check(a->rx_device, &rxi, rerr, sizeof rerr) ||
		    dp_rxcount_open(rxi, a->rx_device, true, &rx, rerr, sizeof rerr)) {
			fprintf(stderr, "xdperf: --rx-device %s: %s\n", a->rx_device, rerr);
			return 1;
		}
	}
	int status = run_on_device(a, set, plugin_name, rx);
	dp_rxcount_close(rx);
	return status;
}

static int run_on_device(const struct gen_args *a, const struct xdperf_template_set *set,
			 const char *plugin_name, struct dp_rxcount *rx)
{
	struct xdperf_tx_frame *fr = gen_set_frames(set, true);
	if (!fr) {
		fprintf(stderr, "xdperf: out of memory\n");
		return 1;
	}
	struct progress_ctx pctx = { a->count, rx, 0, !a->quiet, NULL, a->device, a->rx_device,
				     a->json_stream, 0, 0, { 0 }, NULL };
	if (a->metrics || a->otlp) {
		char xerr[256];
		if (run_export_open(a->metrics, a->otlp, "generator", &pctx.ex, xerr, sizeof xerr)) {
			fprintf(stderr, "xdperf: %s\n", xerr);
			free(fr);
			return 1;
		}
	}
	int cpus[DP_CPUS_MAX];
	unsigned ncpus = 0, threads = a->parallelism;
	if (a->cpus) {
		char cerr[256];
		if (dp_cpus_resolve(a->cpus, a->device, cpus, DP_CPUS_MAX, &ncpus, cerr, sizeof cerr)) {
			fprintf(stderr, "xdperf: --cpus %s: %s\n", a->cpus, cerr);
			free(fr);
			return 2;
		}
		/* an explicit list: one thread per CPU listed, unless --parallelism says */
		if (!a->parallelism_set && a->cpus[0] >= '0' && a->cpus[0] <= '9')
			threads = ncpus;
		if (threads > ncpus) {
			fprintf(stderr, "xdperf: --parallelism %u: --cpus %s gives %u CPU%s (one sender "
					"thread per CPU)\n", threads, a->cpus, ncpus, ncpus == 1 ? "" : "s");
			free(fr);
			return 2;
		}
	}
	LIBXDPERF_OPTS(xdperf_tx_opts, o, .mode = (enum xdperf_tx_mode)a->mode,
		       .parallelism = threads, .cpus = a->cpus ? cpus : NULL, .count = a->count,
		       .duration = a->duration,
		       .rate = a->rate, .bitrate = a->bitrate, .batch = a->batch,
		       .progress = progress, .progress_ctx = &pctx,
		       .notice = notice, .stamp = a->stamp, .stall_timeout = a->stall_timeout);
	char err[512];
	struct xdperf_tx *tx;
	int e = xdperf_tx_new(a->device, fr, set->n, &o, &tx, err, sizeof err);
	free(fr);
	if (e) {
		fprintf(stderr, "xdperf: -d %s: %s\n", a->device, err);
		return 1;
	}
	/* the server first: reset before anything is sent, or nothing is sent */
	struct xdperf_server_ctl *ctl = NULL;
	if (a->server_addr) {
		int st = gen_server_open(a->server_addr, a->stamp, &ctl);
		if (st) {
			xdperf_tx_free(tx);
			return st;
		}
	}
	struct reloader rl;
	if (reloader_start(&rl, a, tx, xdperf_server_ctl_fd(ctl))) {
		reloader_stop(&rl);
		xdperf_server_ctl_close(ctl);
		xdperf_tx_free(tx);
		return 1;
	}
	struct dp_nicstats nic0 = { 0 }, nic1 = { 0 }, nicd = { 0 };
	bool nic = false;
	if (a->nic_stats) {
		char nerr[256];
		if (dp_nicstats_read(a->device, &nic0, nerr, sizeof nerr))
			fprintf(stderr, "xdperf: --nic-stats: %s\n", nerr);
		else
			nic = true;
	}
	gen_stop_attach(tx);
	struct xdperf_tx_result r;
	if (a->report && !(pctx.rep = gen_report_new()))
		fprintf(stderr, "xdperf: --report: out of memory\n");
	pctx.mono_last = xdperf_mono();
	e = xdperf_tx_run(tx, &r, err, sizeof err);
	double run_end = pctx.last_end + (xdperf_mono() - pctx.mono_last);
	gen_stop_attach(NULL);
	reloader_stop(&rl);
	if (!e && r.stopped && gen_stops && !r.total.packets && !r.total.refused) {
		/* stopped before the first frame (e.g. while waiting for the carrier) */
		fprintf(stderr, "xdperf: stopped by %s before the first frame; nothing sent\n",
			gen_stop_name());
		dp_nicstats_free(&nic0);
		gen_report_free(pctx.rep);
		xdperf_server_ctl_close(ctl);
		xdperf_tx_free(tx);
		return gen_stop_status();
	}
	if (e)
		fprintf(stderr, "xdperf: %s\n", err);
	struct xdperf_server_report *srv = NULL;
	char srv_err[512] = "";
	bool asked = ctl != NULL, report_failed = false;
	if (ctl && atomic_load(&rl.server_lost)) {
		snprintf(srv_err, sizeof srv_err, "it closed the control connection during the run");
		xdperf_server_ctl_close(ctl);
		ctl = NULL;
	}
	if (ctl) {
		/* the last frames may still be on the way (queues, delays): wait until the server
		 * has them all, or nothing new arrived for half a second */
		if (xdperf_server_ctl_report(ctl, r.total.packets, 500, 10000, &srv, srv_err,
					     sizeof srv_err))
			srv = NULL;
		xdperf_server_ctl_close(ctl);
	}
	struct xdperf_tx_stream *streams = NULL;
	size_t nstreams = 0;
	if (xdperf_tx_streams(tx, &streams, &nstreams))
		fprintf(stderr, "xdperf: out of memory for the per-stream figures\n");
	struct tx_summary sum = { .r = &r, .streams = streams, .nstreams = nstreams,
				  .ntemplates = set->n, .swaps = xdperf_tx_swaps(tx),
				  .plugin = plugin_name, .error = e ? err : NULL, .srv = srv,
				  .srv_error = asked && !srv ? srv_err : NULL,
				  .cpus = a->cpus ? cpus : NULL };
	if (rx) {
		sum.rx = true;
		rx_settle(rx, r.total.packets, &sum.rx_packets, &sum.rx_bytes, &sum.rx_wait_s);
	}
	if (pctx.ex) {
		export_now(&pctx, &r.total, sum.rx, sum.rx_packets, sum.rx_bytes);
		cli_export_close(pctx.ex);
		pctx.ex = NULL;
	}
	if (nic) {
		char nerr[256];
		if (dp_nicstats_read(a->device, &nic1, nerr, sizeof nerr) || dp_nicstats_diff(&nic0, &nic1, &nicd))
			fprintf(stderr, "xdperf: --nic-stats: %s\n", nerr);
		else
			sum.nic = &nicd;
	}
	/* a run that failed before its first frame (XDP refused from the start included) has
	 * no summary, only its error line */
	if (!e || r.total.packets || r.total.errors || (r.total.refused && e != -EOPNOTSUPP)) {
		if (pctx.stream) /* the rest since the last interval, then the end object */
			stream_interval(&pctx, run_end, &r.total, sum.rx, sum.rx_packets);
		tx_summary_print(a, &sum);
		if (a->report) { /* the last interval, then the file */
			gen_report_tick(pctx.rep, run_end, &r.total, sum.rx, sum.rx_packets);
			report_failed = gen_report_write(pctx.rep, a, &sum, set) != 0;
		}
	}
	gen_report_free(pctx.rep);
	free(streams);
	dp_nicstats_free(&nic0);
	dp_nicstats_free(&nic1);
	dp_nicstats_free(&nicd);
	xdperf_server_report_free(srv);
	xdperf_tx_free(tx);
	if (e || (asked && !srv))
		return 1;
	if (r.total.errors) {
		fprintf(stderr, "xdperf: %llu packets could not be sent on %s\n",
			(unsigned long long)r.total.errors, a->device);
		return 1;
	}
	return report_failed ? 1 : 0;
}
