/* Capture replay into a pcap file (xdperf_replay_write, include/xdperf/replay.h): the frames a
 * device replay would send (src/packet/replay_src.h: passes, rewriting), stamped with the time
 * each is due from the capture's first frame's own time — tcprewrite-like, no device. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "packet/pcap.h"
#include "packet/replay_src.h"
#include "util/err.h"
#include "util/opts.h"
#include "xdperf/replay.h"

int xdperf_replay_write(const char *pcap, const char *out, const struct xdperf_replay_opts *opts,
			const volatile int *stop, struct xdperf_replay_result *res, char *err,
			size_t errlen)
{
	memset(res, 0, sizeof *res);
	res->mode = "pcap";
	struct xdperf_replay_opts o = { 0 };
	xdperf_opts_copy(&o, sizeof o, opts);
	if ((o.multiplier != 0) + (o.rate != 0) + o.topspeed > 1) {
		xdperf_errf(err, errlen, "the multiplier, a rate and top speed exclude each other");
		return -EINVAL;
	}
	if (o.multiplier < 0 || !isfinite(o.multiplier) || (o.multiplier && o.multiplier < 1e-6) ||
	    o.multiplier > 1e9 || o.rate < 0 || !isfinite(o.rate) || o.rate > 1e12) {
		xdperf_errf(err, errlen, "the multiplier must be between 0.000001 and 10^9, a rate positive");
		return -EINVAL;
	}
	if (o.forever && !o.count) {
		xdperf_errf(err, errlen, "looping forever into a file would fill the disk: give a count");
		return -EINVAL;
	}
	struct xdperf_rewrite rw = { 0 };
	char why[300];
	int e = 0;
	if (o.enet_dmac && (e = xdperf_rewrite_mac(&rw, true, o.enet_dmac, why, sizeof why)))
		xdperf_errf(err, errlen, "--enet-dmac: %s", why);
	if (!e && o.enet_smac && (e = xdperf_rewrite_mac(&rw, false, o.enet_smac, why, sizeof why)))
		xdperf_errf(err, errlen, "--enet-smac: %s", why);
	if (!e && o.srcipmap && (e = xdperf_rewrite_ipmap(&rw, false, o.srcipmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--srcipmap %s: %s", o.srcipmap, why);
	if (!e && o.dstipmap && (e = xdperf_rewrite_ipmap(&rw, true, o.dstipmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--dstipmap %s: %s", o.dstipmap, why);
	if (!e && o.portmap && (e = xdperf_rewrite_portmap(&rw, o.portmap, why, sizeof why)))
		xdperf_errf(err, errlen, "--portmap %s: %s", o.portmap, why);
	if (e)
		return e;
	struct replay_src_cfg c = {
		.timing = o.rate > 0 ? REPLAY_RATE : REPLAY_ORIGINAL, /* topspeed: the own times */
		.multiplier = o.multiplier > 0 ? o.multiplier : 1,
		.rate = o.rate,
		.loops = o.loops ? o.loops : 1,
		.forever = o.forever,
		.count = o.count,
		.rw = xdperf_rewrite_any(&rw) ? &rw : NULL,
	};
	struct replay_src s;
	if ((e = replay_src_open(&s, pcap, &c, err, errlen)))
		return e;
	res->format = xdperf_pcap_reader_format(s.rd);
	struct xdperf_pcap *w;
	if ((e = xdperf_pcap_open(out, &w, err, errlen))) {
		replay_src_close(&s);
		return e;
	}
	xdperf_pcap_set_stop(w, stop); /* a reader that takes nothing does not hold a stop */
	struct replay_frame f;
	bool have_t0 = false, write_failed = false;
	uint64_t t0 = 0;
	while ((e = replay_src_next(&s, &f, err, errlen)) == 1) {
		if (!have_t0) {
			t0 = f.ts_ns - (uint64_t)f.due_ns; /* the first frame keeps its time */
			have_t0 = true;
		}
		int64_t ts = (int64_t)t0 + f.due_ns;
		if (ts < 0 || (uint64_t)ts > XDPERF_PCAP_TIME_MAX) {
			xdperf_errf(err, errlen, "%s: frame %llu would be stamped outside what a pcap file "
				    "holds (1970 to 2106)", pcap, (unsigned long long)f.number);
			e = -ERANGE;
			break;
		}
		if ((e = xdperf_pcap_write(w, f.data, f.len, (uint64_t)ts))) {
			write_failed = true;
			break;
		}
		res->packets++;
		res->bytes += f.len;
		res->loops += f.last_of_pass;
		if (stop && *stop) {
			res->stopped = true;
			e = 0;
			break;
		}
	}
	res->capture_frames = s.frames_per_pass;
	res->skipped_runt = s.skipped_runt;
	res->rewritten = s.rewritten;
	replay_src_close(&s);
	if (write_failed) {
		/* the writer's error is sticky: closing reports it, naming the file */
		int ce = xdperf_pcap_close(w, err, errlen);
		return ce ? ce : e;
	}
	if (!e && !res->packets && !res->stopped) {
		/* as a replay to a device says: nothing to send is an error, not an empty file */
		xdperf_errf(err, errlen, "%s: no frame to write (%llu frame%s, all left out)", pcap,
			    (unsigned long long)res->capture_frames, res->capture_frames == 1 ? "" : "s");
		e = -EINVAL;
	}
	if (e < 0) {
		xdperf_pcap_abort(w);
		return e;
	}
	return xdperf_pcap_close(w, err, errlen);
}
