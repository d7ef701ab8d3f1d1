/* Directory watch (include/xdperf/serve.h): ID@VERSION.wasm files that appear or change in a
 * directory (inotify, and a scan at start) are loaded into the registry as testing versions at 0%,
 * once per content (SHA-256); a .sig that appears or changes retries its module. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/err.h"
#include "util/file.h"
#include "util/log.h"
#include "util/opts.h"
#include "xdperf/plugin.h"
#include "xdperf/serve.h"

#define WATCH_MAX_MODULE (64u << 20)

struct wt_file {
	struct wt_file *next;
	char name[256];
	char sha256[65]; /* of the bytes last tried */
	bool loaded;     /* and they loaded */
};

struct xdperf_watch {
	struct xdperf_registry *r;
	struct xdperf_watch_opts opts;
	char *dir;
	int ifd, stopfd;
	pthread_t thread;
	struct wt_file *files;
	atomic_uint_fast64_t loads;
};

#define wlog(w, level, ...) xdperf_logf((w)->opts.log, (w)->opts.log_ctx, "watch", level, __VA_ARGS__)

static struct wt_file *file_get(struct xdperf_watch *w, const char *name)
{
	for (struct wt_file *f = w->files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	struct wt_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	snprintf(f->name, sizeof f->name, "%s", name);
	f->next = w->files;
	w->files = f;
	return f;
}

static void free_files(struct xdperf_watch *w)
{
	while (w->files) {
		struct wt_file *f = w->files;
		w->files = f->next;
		free(f);
	}
}

/* "ID@VERSION.wasm" -> id, version; false for other names. */
static bool parse_name(const char *name, char id[XDPERF_PROTO_ID_MAX], char ver[XDPERF_PROTO_VERSION_MAX])
{
	size_t n = strlen(name);
	if (n < 6 || strcmp(name + n - 5, ".wasm") || name[0] == '.')
		return false;
	const char *at = strrchr(name, '@');
	if (!at || at == name || (size_t)(at - name) >= XDPERF_PROTO_ID_MAX)
		return false;
	size_t vl = (size_t)(name + n - 5 - (at + 1));
	if (!vl || vl >= XDPERF_PROTO_VERSION_MAX)
		return false;
	memcpy(id, name, (size_t)(at - name));
	id[at - name] = 0;
	memcpy(ver, at + 1, vl);
	ver[vl] = 0;
	return true;
}

/* The registry's view of id@ver against the bytes with SHA-256 sha. */
enum loaded_as { NOT_LOADED, SAME_BYTES, OTHER_BYTES, OTHER_BYTES_ACTIVE };

static enum loaded_as loaded_as(struct xdperf_watch *w, const char *id, const char *ver, const char *sha)
{
	struct xdperf_version_info *v = NULL;
	size_t n = 0;
	enum loaded_as res = NOT_LOADED;
	if (xdperf_registry_list(w->r, id, &v, &n))
		return NOT_LOADED;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].version, ver))
			res = !strcmp(v[i].sha256, sha) ? SAME_BYTES :
			      v[i].state == XDPERF_VERSION_ACTIVE ? OTHER_BYTES_ACTIVE : OTHER_BYTES;
	free(v);
	return res;
}

static void consider(struct xdperf_watch *w, const char *name)
{
	char id[XDPERF_PROTO_ID_MAX], ver[XDPERF_PROTO_VERSION_MAX];
	if (!parse_name(name, id, ver))
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	uint8_t *bytes;
	size_t len;
	int rc = xdperf_read_file(path, WATCH_MAX_MODULE, &bytes, &len);
	if (rc) {
		if (rc != -ENOENT)
			wlog(w, XDPERF_LOG_WARN, "%s: %s", path, xdperf_file_strerror(rc));
		return;
	}
	uint8_t h[crypto_hash_sha256_BYTES];
	char sha[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256(h, bytes, len);
	sodium_bin2hex(sha, sizeof sha, h, sizeof h);
	struct wt_file *f = file_get(w, name);
	enum loaded_as state = loaded_as(w, id, ver, sha);
	/* Content tried already: skip it, unless it loaded then and has been unloaded since (ctl
	 * unload, idle expiry) and is written again. */
	if (!f || state == SAME_BYTES || (!strcmp(f->sha256, sha) && !(f->loaded && state == NOT_LOADED))) {
		free(bytes);
		return;
	}
	snprintf(f->sha256, sizeof f->sha256, "%s", sha);
	f->loaded = false;
	char err[512];
	if (state == OTHER_BYTES_ACTIVE) {
		wlog(w, XDPERF_LOG_WARN, "%s changed, but %s@%s is the active version: not replaced (save the "
		     "change under a new version, e.g. %s@NEXT.wasm)", path, id, ver, id);
		free(bytes);
		return;
	}
	char sigpath[4200];
	snprintf(sigpath, sizeof sigpath, "%s.sig", path);
	uint8_t *sig = NULL;
	size_t siglen = 0;
	if (xdperf_read_file(sigpath, 1u << 16, &sig, &siglen))
		sig = NULL;
	/* A loaded version of that name is replaced only once the new bytes passed every check. */
	struct xdperf_load_opts lo = { .sz = sizeof lo, .sig = (const char *)sig, .siglen = siglen, .replace = true };
	rc = xdperf_registry_load(w->r, id, ver, bytes, len, &lo, err, sizeof err);
	if (!rc)
		rc = xdperf_registry_start_testing(w->r, id, ver, err, sizeof err);
	if (rc)
		wlog(w, XDPERF_LOG_ERROR, "%s: not loaded: %s (tried again when the file or its .sig changes)", path, err);
	else {
		f->loaded = true;
		atomic_fetch_add(&w->loads, 1);
		wlog(w, XDPERF_LOG_INFO, "%s: %s %s@%s (sha256 %.16s...) as a testing version at 0%% traffic", path,
		     state == OTHER_BYTES ? "replaced" : "loaded", id, ver, sha);
	}
	free(sig);
	free(bytes);
}

/* A .sig changed: forget the module's hash so that it is tried again. */
static void sig_changed(struct xdperf_watch *w, const char *name)
{
	size_t n = strlen(name);
	char mod[256];
	if (n < 10 || n - 4 >= sizeof mod || strcmp(name + n - 4, ".sig"))
		return;
	memcpy(mod, name, n - 4);
	mod[n - 4] = 0;
	for (struct wt_file *f = w->files; f; f = f->next)
		if (!strcmp(f->name, mod))
			f->sha256[0] = 0;
	consider(w, mod);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void scan(struct xdperf_watch *w)
{
	struct dirent **ents;
	int n = scandir(w->dir, &ents, NULL, by_name);
	for (int i = 0; i < n; i++) {
		consider(w, ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static void *watch_main(void *arg)
{
	struct xdperf_watch *w = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		struct pollfd p[2] = { { .fd = w->ifd, .events = POLLIN }, { .fd = w->stopfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		ssize_t k = read(w->ifd, buf, sizeof buf);
		if (k <= 0)
			continue;
		for (char *q = buf; q < buf + k;) {
			struct inotify_event *ev = (struct inotify_event *)q;
			q += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				scan(w);
				continue;
			}
			if (!ev->len)
				continue;
			size_t n = strlen(ev->name);
			if (n > 4 && !strcmp(ev->name + n - 4, ".sig"))
				sig_changed(w, ev->name);
			else
				consider(w, ev->name);
		}
	}
	return NULL;
}

int xdperf_watch_new(struct xdperf_registry *r, const char *dir, const struct xdperf_watch_opts *opts,
		     struct xdperf_watch **out, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st)) {
		int e = errno;
		xdperf_errf(err, errlen, "watch directory %s: %s", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		xdperf_errf(err, errlen, "watch directory %s: not a directory", dir);
		return -ENOTDIR;
	}
	struct xdperf_watch *w = calloc(1, sizeof *w);
	if (!w || !(w->dir = strdup(dir))) {
		free(w);
		xdperf_errf(err, errlen, "watch: out of memory");
		return -ENOMEM;
	}
	xdperf_opts_copy(&w->opts, sizeof w->opts, opts);
	w->r = r;
	w->stopfd = eventfd(0, EFD_CLOEXEC);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int rc = 0;
	if (w->stopfd < 0 || w->ifd < 0 ||
	    inotify_add_watch(w->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		rc = -errno;
		xdperf_errf(err, errlen, "watch directory %s: %s", dir, strerror(errno));
	}
	if (!rc) {
		scan(w);
		rc = -pthread_create(&w->thread, NULL, watch_main, w);
		if (rc)
			xdperf_errf(err, errlen, "watch: cannot start its thread: %s", strerror(-rc));
	}
	if (rc) {
		if (w->ifd >= 0)
			close(w->ifd);
		if (w->stopfd >= 0)
			close(w->stopfd);
		free_files(w);
		free(w->dir);
		free(w);
		return rc;
	}
	wlog(w, XDPERF_LOG_INFO, "watching %s for ID@VERSION.wasm modules", dir);
	*out = w;
	return 0;
}

uint64_t xdperf_watch_loads(struct xdperf_watch *w)
{
	return atomic_load(&w->loads);
}

void xdperf_watch_free(struct xdperf_watch *w)
{
	if (!w)
		return;
	uint64_t one = 1;
	if (write(w->stopfd, &one, sizeof one) == sizeof one)
		pthread_join(w->thread, NULL);
	close(w->ifd);
	close(w->stopfd);
	free_files(w);
	free(w->dir);
	free(w);
}
