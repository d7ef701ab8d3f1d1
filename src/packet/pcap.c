/* pcap writer (see pcap.h). */
#include "packet/pcap.h"
#include "packet/field.h"
#include "util/clock.h"
#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_BUFSZ (256 * 1024)

struct xdperf_pcap {
	int fd;
	char *path;     /* final path */
	char *tmp;      /* temp path, NULL when writing directly to a device/FIFO */
	int error;      /* sticky errno of the first failed write, 0 if none */
	bool nosync;    /* stopped by the user: commit without waiting for the disk */
	const volatile sig_atomic_t *stop; /* xdperf_pcap_set_stop: NULL or the stop request */
	size_t used;
	uint8_t buf[PCAP_BUFSZ];
};


/* Once *stop is raised, a reader that takes nothing more (a pipe nobody empties) must not
 * hold the stop: the rest goes out a page at a time while the descriptor takes it, and is given
 * up (EINTR) when it takes nothing for STOP_IDLE_MS or the rest is not out STOP_GRACE_MS after
 * the stop was seen. A regular file takes it all at once. */
#define STOP_IDLE_MS 250
#define STOP_GRACE_MS 900

static int write_all(int fd, const uint8_t *b, size_t n, const volatile sig_atomic_t *stop)
{
	double deadline = 0;
	while (n) {
		size_t k = n;
		if (stop && *stop) {
			double now = xdperf_mono();
			if (deadline == 0)
				deadline = now + STOP_GRACE_MS / 1e3;
			int left = (int)((deadline - now) * 1e3);
			if (left > STOP_IDLE_MS)
				left = STOP_IDLE_MS;
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			int r = left > 0 ? poll(&pf, 1, left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r == 0 ? EINTR : errno;
			if (k > 4096)
				k = 4096; /* what a writable pipe takes without blocking */
		}
		ssize_t w = write(fd, b, k);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno ? errno : EIO;
		}
		if (w == 0)
			return ENOSPC;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush(struct xdperf_pcap *p)
{
	int e;

	if (p->error)
		return -p->error;
	e = write_all(p->fd, p->buf, p->used, p->stop);
	p->used = 0;
	if (e) {
		p->error = e;
		return -e;
	}
	return 0;
}

static int put(struct xdperf_pcap *p, const void *data, size_t n)
{
	const uint8_t *d = data;

	if (p->error)
		return -p->error;
	while (n) {
		size_t room = PCAP_BUFSZ - p->used, k = n < room ? n : room;

		memcpy(p->buf + p->used, d, k);
		p->used += k;
		d += k;
		n -= k;
		if (p->used == PCAP_BUFSZ) {
			int rc = flush(p);

			if (rc)
				return rc;
		}
	}
	return 0;
}

static void destroy(struct xdperf_pcap *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->tmp)
		unlink(p->tmp);
	free(p->tmp);
	free(p->path);
	free(p);
}

int xdperf_pcap_open(const char *path, struct xdperf_pcap **out, char *err, size_t errlen)
{
	struct xdperf_pcap *p;
	struct stat st;
	int e;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path || !out) {
		xdperf_errf(err, errlen, "pcap: no output file name");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path))) {
		free(p);
		xdperf_errf(err, errlen, "cannot create %s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	p->fd = -1;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* device or FIFO: write in place (there is nothing to rename) */
		p->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (p->fd < 0) {
			e = errno;
			goto fail;
		}
	} else {
		if (asprintf(&p->tmp, "%s.tmp-XXXXXX", path) < 0) {
			p->tmp = NULL;
			e = ENOMEM;
			goto fail;
		}
		p->fd = mkostemp(p->tmp, O_CLOEXEC);
		if (p->fd < 0) {
			e = errno;
			free(p->tmp);
			p->tmp = NULL;
			goto fail;
		}
		/* mkstemp creates 0600; give the result ordinary file permissions */
		if (fchmod(p->fd, 0644) != 0) {
			e = errno;
			goto fail;
		}
	}

	/* file header, host byte order: magic, version 2.4, thiszone, sigfigs, snaplen,
	 * linktype (cannot fail: it only fills the empty buffer) */
	uint32_t magic = PCAP_MAGIC;
	uint32_t rest[4] = { 0, 0, XDPERF_PCAP_SNAPLEN, PCAP_LINKTYPE_ETHERNET };
	uint16_t v[2] = { 2, 4 };

	put(p, &magic, 4);
	put(p, v, 4);
	put(p, rest, sizeof(rest));
	*out = p;
	return 0;
fail:
	xdperf_errf(err, errlen, "cannot create %s: %s", path, strerror(e));
	destroy(p);
	return -e;
}

int xdperf_pcap_write(struct xdperf_pcap *p, const uint8_t *frame, uint32_t len,
		      uint64_t ts_ns)
{
	uint32_t caplen = len < XDPERF_PCAP_SNAPLEN ? len : XDPERF_PCAP_SNAPLEN;
	uint32_t rec[4] = {
		(uint32_t)(ts_ns / 1000000000u),
		(uint32_t)(ts_ns % 1000000000u / 1000u),
		caplen,
		len,
	};
	int rc;

	if (!p)
		return -EINVAL;
	rc = put(p, rec, sizeof(rec));
	if (!rc)
		rc = put(p, frame, caplen);
	return rc;
}

void xdperf_pcap_set_stop(struct xdperf_pcap *p, const volatile sig_atomic_t *stop)
{
	p->stop = stop;
}

int xdperf_pcap_close(struct xdperf_pcap *p, char *err, size_t errlen)
{
	int e = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!p) {
		xdperf_errf(err, errlen, "pcap: no writer");
		return -EINVAL;
	}
	if (flush(p) != 0)
		e = p->error;
	/* fsync reports delayed allocation failures (ENOSPC, EIO) of regular files; a stopped
	 * run commits at once (writing back gigabytes could take longer than a stop may) */
	if (!e && p->tmp && !p->nosync && !(p->stop && *p->stop) && fsync(p->fd) != 0)
		e = errno;
	if (close(p->fd) != 0 && !e)
		e = errno;
	p->fd = -1;
	if (e == EINTR && p->stop && *p->stop) {
		xdperf_errf(err, errlen, "stopped while writing to %s, whose reader took nothing more: "
			    "the output ends early", p->path);
		destroy(p);
		return -EINTR;
	}
	if (e) {
		xdperf_errf(err, errlen, "cannot write %s: %s", p->path, strerror(e));
		destroy(p);
		return -e;
	}
	if (p->tmp) {
		if (rename(p->tmp, p->path) != 0) {
			e = errno;
			xdperf_errf(err, errlen, "cannot create %s: rename from %s: %s", p->path,
				p->tmp, strerror(e));
			destroy(p);
			return -e;
		}
		free(p->tmp);
		p->tmp = NULL;
	}
	destroy(p);
	return 0;
}

void xdperf_pcap_abort(struct xdperf_pcap *p)
{
	if (p)
		destroy(p);
}

uint64_t xdperf_pcap_gap_for_rate(uint64_t rate_pps)
{
	if (rate_pps == 0)
		return XDPERF_PCAP_DEFAULT_GAP_NS;
	uint64_t gap = 1000000000u / rate_pps;

	return gap ? gap : 1;
}

/* start_ns + i * num / den without overflow or a rounded gap; false past XDPERF_PCAP_TIME_MAX. */
static bool stamp_at(uint64_t start_ns, uint64_t i, uint64_t num, uint64_t den, uint64_t *ts_ns)
{
	unsigned __int128 t = (unsigned __int128)i * num / den + start_ns;

	if (t > XDPERF_PCAP_TIME_MAX)
		return false;
	*ts_ns = (uint64_t)t;
	return true;
}

struct fe_tmpl {
	struct xdperf_fe fe;
	struct xdperf_bpf_fe_state st;
	uint8_t base[XDPERF_TEMPLATE_SLOT];
};

/* Packet i is stamped start_ns + i * num / den (see xdperf_pcap_write_gap). */
static int write_frames(const char *path, const struct xdperf_template_set *s,
			const uint32_t *order, uint32_t order_len, uint64_t count, uint64_t start_ns,
			uint64_t num, uint64_t den, bool unlimited, const volatile sig_atomic_t *stop,
			void (*progress)(void *ctx, uint64_t packets, uint64_t bytes), void *ctx,
			uint64_t *written, uint64_t *bytes_out, char *err, size_t errlen)
{
	struct xdperf_pcap *p;
	uint64_t ts = start_ns, bytes = 0;
	int rc;

	if (written)
		*written = 0;
	if (bytes_out)
		*bytes_out = 0;
	if (!den) {
		xdperf_errf(err, errlen, "cannot write %s: no time between packets", path ? path : "(null)");
		return -EINVAL;
	}
	if (!s || s->n == 0 || (order && order_len == 0)) {
		xdperf_errf(err, errlen, "cannot write %s: no templates", path ? path : "(null)");
		return -EINVAL;
	}
	for (uint32_t i = 0; order && i < order_len; i++)
		if (order[i] >= s->n) {
			xdperf_errf(err, errlen, "cannot write %s: send order names template %u of %zu",
				    path ? path : "(null)", order[i], s->n);
			return -EINVAL;
		}
	if (count && !stamp_at(start_ns, count - 1, num, den, &ts)) {
		xdperf_errf(err, errlen, "cannot write %s: packet %llu would be stamped after "
			    "2106-02-07 06:28:15 UTC, the last time a pcap file holds",
			    path ? path : "(null)", (unsigned long long)count);
		return -ERANGE;
	}
	/* Templates with modifiers or checksums: each packet is the template's base with the
	 * field engine applied, as one sender thread puts it on the wire. */
	struct fe_tmpl *fe = NULL;
	for (size_t i = 0; i < s->n && !fe; i++)
		if (s->t[i].fields.nmods || s->t[i].fields.csums)
			fe = calloc(s->n, sizeof *fe);
	for (size_t i = 0; fe && i < s->n; i++) {
		const struct xdperf_fields *f = &s->t[i].fields;
		char why[300];

		rc = xdperf_fe_compile(s->t[i].frame, s->t[i].len, f->mod, f->nmods, f->csums, f->spec, f->nspecs,
				       &fe[i].fe, fe[i].base, NULL, 0, why, sizeof why);
		if (rc) {
			xdperf_errf(err, errlen, "cannot write %s: template %zu: %s", path, i, why);
			free(fe);
			return rc;
		}
		xdperf_fe_state_init(&fe[i].fe, 0, &fe[i].st);
	}
	if (!fe && s->n && (s->t[0].fields.nmods || s->t[0].fields.csums)) {
		xdperf_errf(err, errlen, "cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	rc = xdperf_pcap_open(path, &p, err, errlen);
	if (rc) {
		free(fe);
		return rc;
	}
	xdperf_pcap_set_stop(p, stop);
	uint8_t frame[XDPERF_TEMPLATE_SLOT];
	uint64_t i;
	double t0 = xdperf_mono(), next_tick = 1; /* seconds after t0 of the next progress call */
	bool past_end = false;
	for (i = 0; unlimited || i < count; i++) {
		if (stop && *stop)
			break;
		if (progress && !(i & 1023)) {
			double el = xdperf_mono() - t0;
			if (el >= next_tick) {
				progress(ctx, i, bytes);
				next_tick = floor(el) + 1;
			}
		}
		uint32_t k = order ? order[i % order_len] : (uint32_t)(i % s->n);
		const struct xdperf_template *t = &s->t[k];
		const uint8_t *out = t->frame;

		if (fe) {
			memcpy(frame, fe[k].base, t->len);
			xdperf_fe_apply(&fe[k].fe.bpf, &fe[k].st, frame);
			out = frame;
		}
		/* fits when count is given: the last one does */
		if (!stamp_at(start_ns, i, num, den, &ts)) {
			past_end = true;
			break;
		}
		if (xdperf_pcap_write(p, out, t->len, ts) != 0)
			break; /* sticky: close reports it and removes the temp file */
		bytes += t->len;
	}
	if (written)
		*written = i;
	if (bytes_out)
		*bytes_out = bytes;
	p->nosync = unlimited || i < count;
	free(fe);
	rc = xdperf_pcap_close(p, err, errlen);
	if (!rc && past_end) {
		xdperf_errf(err, errlen, "%s: packet %llu would be stamped after 2106-02-07 06:28:15 UTC, "
			    "the last time a pcap file holds; the file ends before it", path,
			    (unsigned long long)i + 1);
		return -ERANGE;
	}
	return rc;
}

int xdperf_pcap_write_gap(const char *path, const struct xdperf_template_set *s,
			  const uint32_t *order, uint32_t order_len, uint64_t count, uint64_t start_ns,
			  uint64_t gap_num, uint64_t gap_den, const volatile sig_atomic_t *stop,
			  void (*progress)(void *ctx, uint64_t packets, uint64_t bytes), void *ctx,
			  uint64_t *written, uint64_t *bytes, char *err, size_t errlen)
{
	/* count 0: no limit, but only when something can stop it */
	return write_frames(path, s, order, order_len, count, start_ns, gap_num, gap_den,
			    !count && stop, stop, progress, ctx, written, bytes, err, errlen);
}

bool xdperf_pcap_time_gap(uint64_t start_ns, uint64_t i, uint64_t gap_num, uint64_t gap_den,
			  uint64_t *ts_ns)
{
	return gap_den && stamp_at(start_ns, i, gap_num, gap_den, ts_ns);
}

int xdperf_pcap_write_templates(const char *path, const struct xdperf_template_set *s,
				uint64_t count, uint64_t start_ns, uint64_t gap_ns, char *err,
				size_t errlen)
{
	return write_frames(path, s, NULL, 0, count, start_ns,
			    gap_ns ? gap_ns : XDPERF_PCAP_DEFAULT_GAP_NS, 1, false, NULL, NULL, NULL, NULL,
			    NULL, err, errlen);
}
