/* The frame source of capture replays (src/packet/replay_src.h): passes over the capture with a
 * one-frame look-ahead (to mark the last frame of a pass), rewriting, length checks, due
 * times. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/replay_src.h"
#include "util/err.h"

uint32_t replay_max_frame(unsigned mtu, bool vlan)
{
	return mtu + 14u + (vlan ? 4u : 0u);
}

static bool is_vlan(const uint8_t *f, uint32_t len)
{
	return len >= 18 && ((f[12] == 0x81 && f[13] == 0x00) || (f[12] == 0x88 && f[13] == 0xa8));
}

int replay_src_open(struct replay_src *s, const char *path, const struct replay_src_cfg *c,
		    char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->c = *c;
	s->path = path;
	if (s->c.loops == 0)
		s->c.loops = 1;
	if (!(s->c.multiplier > 0))
		s->c.multiplier = 1;
	return xdperf_pcap_reader_open(path, &s->rd, err, errlen);
}

void replay_src_close(struct replay_src *s)
{
	xdperf_pcap_reader_close(s->rd);
	s->rd = NULL;
	free(s->buf[0]);
	free(s->buf[1]);
	s->buf[0] = s->buf[1] = NULL;
}

static int keep(struct replay_src *s, int i, const uint8_t *d, uint32_t len)
{
	if (s->cap[i] < len) {
		size_t c = len < 2048 ? 2048 : len;
		uint8_t *b = realloc(s->buf[i], c);
		if (!b)
			return -ENOMEM;
		s->buf[i] = b;
		s->cap[i] = c;
	}
	memcpy(s->buf[i], d, len);
	return 0;
}

/* The limit frame d of len bytes must fit, or 0 (none); *what: which one. */
static uint32_t device_limit(const struct replay_src *s, const uint8_t *d, uint32_t len)
{
	if (!s->c.mtu)
		return 0;
	bool v = is_vlan(d, len);
	uint32_t m = replay_max_frame(s->c.mtu, v);
	if (s->c.peer_mtu && replay_max_frame(s->c.peer_mtu, v) < m)
		m = replay_max_frame(s->c.peer_mtu, v);
	return m;
}

/* Reads the next frame to emit into buf[1 - cur] as s->next (skipping what is skipped,
 * starting new passes). 1, 0 (no more), -errno. */
static int load(struct replay_src *s, char *err, size_t errlen)
{
	for (;;) {
		const uint8_t *d;
		uint32_t cap, orig;
		uint64_t ts;
		if (s->c.count && s->emitted + s->have_next >= s->c.count) {
			/* done; but a pass that ends right here counts as completed */
			char ignored[8];
			if (xdperf_pcap_reader_next(s->rd, &d, &cap, &orig, &ts, ignored, sizeof ignored) == 0)
				s->passes_done++;
			return 0;
		}
		int e = xdperf_pcap_reader_next(s->rd, &d, &cap, &orig, &ts, err, errlen);
		if (e < 0)
			return e;
		if (e == 0) {
			/* the end of a pass */
			if (s->pass == 0)
				s->frames_per_pass = s->number;
			s->passes_done++;
			bool empty = s->emitted_pass == 0;
			if (empty || (!s->c.forever && s->pass + 1 >= s->c.loops))
				return 0;
			if ((e = xdperf_pcap_reader_rewind(s->rd, err, errlen)))
				return e;
			s->pass++;
			s->number = 0;
			s->emitted_pass = 0;
			s->pass_base = s->last_due;
			continue;
		}
		s->number++;
		if (s->number == 1)
			s->ts0 = ts;
		int64_t due;
		if (s->c.timing == REPLAY_ORIGINAL) {
			int64_t dt = (int64_t)(ts - s->ts0);
			due = s->pass_base + (s->c.multiplier == 1 ? dt
								   : (int64_t)llround((double)dt / s->c.multiplier));
		} else if (s->c.timing == REPLAY_RATE) {
			due = (int64_t)llround((double)(s->emitted + s->have_next) * 1e9 / s->c.rate);
		} else {
			due = 0;
		}
		s->last_due = due;
		char m[300];
		if (cap < orig) {
			snprintf(m, sizeof m, "%s: frame %llu: captured %u of its %u bytes (the capture "
				 "was cut at a snap length); only whole frames replay", s->path,
				 (unsigned long long)s->number, cap, orig);
			xdperf_errf(err, errlen, "%s", m);
			return -EINVAL;
		}
		if (cap < 14) {
			s->skipped_runt++;
			if (!s->first_runt_no) {
				s->first_runt_no = s->number;
				s->first_runt_len = cap;
			}
			continue;
		}
		uint32_t lim = device_limit(s, d, cap);
		if (lim && cap > lim) {
			if (!s->c.skip_oversize) {
				xdperf_errf(err, errlen, "%s: frame %llu: %u bytes do not fit the MTU of %s "
					    "(%u: at most %u bytes with the Ethernet header%s%s); "
					    "--skip-oversize leaves such frames out", s->path,
					    (unsigned long long)s->number, cap, s->c.ifname ? s->c.ifname : "the device",
					    s->c.mtu, lim, is_vlan(d, cap) ? " and VLAN tag" : "",
					    s->c.peer_mtu ? ", here or on its veth peer" : "");
				return -EMSGSIZE;
			}
			s->skipped_oversize++;
			if (!s->first_over_no) {
				s->first_over_no = s->number;
				s->first_over_len = cap;
			}
			continue;
		}
		if (s->c.slot_max && cap > s->c.slot_max) {
			if (!s->c.skip_oversize) {
				xdperf_errf(err, errlen, "%s: frame %llu: %u bytes, more than the %u a frame "
					    "may have here; --skip-oversize leaves such frames out", s->path,
					    (unsigned long long)s->number, cap, s->c.slot_max);
				return -EMSGSIZE;
			}
			s->skipped_slot++;
			if (!s->first_slot_no) {
				s->first_slot_no = s->number;
				s->first_slot_len = cap;
			}
			continue;
		}
		int slot = 1 - s->cur;
		if (keep(s, slot, d, cap)) {
			xdperf_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		if (s->c.rw && xdperf_rewrite_frame(s->c.rw, s->buf[slot], cap))
			s->rewritten++;
		s->next = (struct replay_frame){ .data = s->buf[slot], .len = cap, .due_ns = due,
						 .ts_ns = ts, .number = s->number };
		s->emitted_pass++;
		return 1;
	}
}

int replay_src_next(struct replay_src *s, struct replay_frame *f, char *err, size_t errlen)
{
	if (s->ended)
		return 0;
	int e;
	if (!s->have_next) {
		e = load(s, err, errlen);
		if (e <= 0) {
			s->ended = e == 0;
			return e;
		}
		s->have_next = true;
	}
	*f = s->next;
	s->cur = 1 - s->cur; /* the look-ahead becomes the returned frame */
	uint64_t pass = s->pass;
	e = load(s, err, errlen);
	if (e < 0)
		return e;
	s->have_next = e == 1;
	f->last_of_pass = !s->have_next ? s->passes_done > pass : s->pass != pass;
	s->emitted++;
	if (f->len > s->max_len)
		s->max_len = f->len;
	return 1;
}
