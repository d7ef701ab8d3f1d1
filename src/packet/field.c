/* The field engine's compiler and user-space runner: see field.h. The per-packet step runs
 * here and in src/bpf/xdperf_tx.bpf.c on the same arithmetic (src/bpf/xdperf_fe_step.h); only
 * the stores differ (tests compare a pcap written here with what the XDP program puts on the
 * wire). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "packet/decode.h"
#include "packet/field.h"
#include "bpf/xdperf_fe_step.h" /* after field.h: needs the __u* types and xdperf_bpf.h */
#include "packet/layers.h"
#include "util/err.h"
#include "util/arith.h"
#include "util/bytes.h"

/* ---- the per-packet step (its arithmetic shared with the BPF program) ------------------- */

static inline void put_be(uint8_t *p, uint64_t m, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(m >> (8 * (len - 1 - i)));
}

static inline uint64_t get_be(const uint8_t *p, unsigned len)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < len; i++)
		m = m << 8 | p[i];
	return m;
}

void xdperf_fe_apply(const struct xdperf_bpf_fe *fe, struct xdperf_bpf_fe_state *st,
		     uint8_t *frame)
{
	uint32_t acc[XDPERF_BPF_FE_CSUMS] = { 0 };
	uint32_t nm = fe->nmods < XDPERF_BPF_FE_MODS ? fe->nmods : XDPERF_BPF_FE_MODS;
	uint32_t nc = fe->ncsums < XDPERF_BPF_FE_CSUMS ? fe->ncsums : XDPERF_BPF_FE_CSUMS;
	for (uint32_t i = 0; i < nm; i++) {
		const struct xdperf_bpf_fe_mod *m = &fe->mod[i];
		uint64_t x = xdperf_fe_next(m, &st->s[i]);
		uint64_t be = xdperf_fe_be(m, m->base + m->mul * x);
		put_be(frame + m->off, be, m->len);
		uint32_t s = xdperf_fe_sum(be, m->len, m->flags & XDPERF_BPF_FE_ODD);
		for (uint32_t c = 0; c < nc; c++)
			if (m->csums >> c & 1)
				acc[c] += s;
	}
	for (uint32_t c = 0; c < nc; c++) {
		const struct xdperf_bpf_fe_csum *k = &fe->csum[c];
		uint16_t ck = xdperf_fe_csum_value(k, acc[c]);
		frame[k->off] = (uint8_t)(ck >> 8);
		frame[k->off + 1] = (uint8_t)ck;
		xdperf_fe_chain(fe, c, ck, acc);
	}
}

bool xdperf_fe_writes(const struct xdperf_bpf_fe *fe, uint32_t off)
{
	for (uint32_t i = 0; i < fe->nmods && i < XDPERF_BPF_FE_MODS; i++)
		if (off >= fe->mod[i].off && off < (uint32_t)fe->mod[i].off + fe->mod[i].len)
			return true;
	for (uint32_t c = 0; c < fe->ncsums && c < XDPERF_BPF_FE_CSUMS; c++)
		if (off == fe->csum[c].off || off == fe->csum[c].off + 1u)
			return true;
	return false;
}

/* ---- threads ------------------------------------------------------------------------------ */

/* a * b mod n (n = 0: mod 2^64) */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t n)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	return n ? (uint64_t)(p % n) : (uint64_t)p;
}

void xdperf_fe_set_threads(struct xdperf_fe *fe, unsigned threads)
{
	if (threads < 1)
		threads = 1;
	fe->threads = threads;
	for (uint32_t i = 0; i < fe->bpf.nmods; i++) {
		struct xdperf_bpf_fe_mod *m = &fe->bpf.mod[i];
		if (m->flags & XDPERF_BPF_FE_RANDOM)
			continue;
		m->k = mulmod(fe->k1[i], threads, m->n);
		m->thr = m->n - m->k;
	}
}

void xdperf_fe_state_init(const struct xdperf_fe *fe, unsigned t, struct xdperf_bpf_fe_state *st)
{
	memset(st, 0, sizeof *st);
	for (uint32_t i = 0; i < fe->bpf.nmods; i++) {
		const struct xdperf_bpf_fe_mod *m = &fe->bpf.mod[i];
		if (m->flags & XDPERF_BPF_FE_RANDOM) {
			st->s[i] = xdperf_fe_mix(fe->seed[i] ^ (0xA0761D6478BD642Full * ((uint64_t)t + 1)));
		} else {
			uint64_t x = fe->x0[i] + mulmod(fe->k1[i], t, m->n);
			/* both terms < n: one subtraction of n, also when the sum passed 2^64 (n above
			 * 2^63), where the wrapped x - n is the right value */
			if (m->n && (x >= m->n || x < fe->x0[i]))
				x -= m->n;
			st->s[i] = x;
		}
	}
}

/* ---- compiling ---------------------------------------------------------------------------- */

struct csum_loc {
	unsigned flag;      /* XDPERF_CSUM_*, or 0 for a spec */
	const char *name;
	char label[24];     /* a spec's name: "checksum at 40" */
	bool present;       /* the frame has this checksum (and it is in use) */
	const char *why;    /* when not present: why */
	uint32_t off;       /* checksum field */
	uint32_t lo, hi;    /* covered bytes [lo, hi) */
	uint32_t src, dst;  /* pseudo-header addresses, alen bytes each (alen 0: none) */
	uint32_t alen;
	uint8_t proto;      /* pseudo-header protocol */
	bool nonzero;
};

/* Locates the checksum `flag` in the frame. */
static void locate(const uint8_t *f, uint16_t len, const struct xdperf_layers *ly, unsigned flag,
		   struct csum_loc *c)
{
	memset(c, 0, sizeof *c);
	c->flag = flag;
	unsigned proto = 0, hdr = 0;
	switch (flag) {
	case XDPERF_CSUM_IPV4:
		c->name = "ipv4";
		if (ly->ipv != 4) {
			c->why = "the frame has no IPv4 header";
			return;
		}
		c->present = true;
		c->off = ly->l3 + 10u;
		c->lo = ly->l3;
		c->hi = ly->l4;
		return;
	case XDPERF_CSUM_UDP: c->name = "udp"; proto = 17; hdr = 8; break;
	case XDPERF_CSUM_TCP: c->name = "tcp"; proto = 6; hdr = 20; break;
	case XDPERF_CSUM_ICMP: c->name = "icmp"; proto = 1; hdr = 4; break;
	case XDPERF_CSUM_ICMPV6: c->name = "icmpv6"; proto = 58; hdr = 4; break;
	default: c->name = "?"; c->why = "unknown checksum"; return;
	}
	if (!ly->ipv || !ly->l4 || ly->proto != proto || (proto == 1 && ly->ipv != 4) ||
	    (proto == 58 && ly->ipv != 6)) {
		c->why = flag == XDPERF_CSUM_UDP ? "the frame has no UDP header" :
			 flag == XDPERF_CSUM_TCP ? "the frame has no TCP header" :
			 flag == XDPERF_CSUM_ICMP ? "the frame has no ICMP (IPv4) header" :
			 "the frame has no ICMPv6 header";
		return;
	}
	if (ly->fragment) {
		c->why = "the packet is an IP fragment";
		return;
	}
	if (ly->l3_end > len || (uint32_t)ly->l4 + hdr > ly->l3_end) {
		c->why = "the segment is not all in the frame";
		return;
	}
	c->off = ly->l4 + (flag == XDPERF_CSUM_UDP ? 6u : flag == XDPERF_CSUM_TCP ? 16u : 2u);
	if (flag == XDPERF_CSUM_UDP && ly->ipv == 4 && get_be16(f + c->off) == 0) {
		c->why = "the UDP checksum is 0 (not used over IPv4)";
		return;
	}
	c->present = true;
	c->lo = ly->l4;
	c->hi = ly->l3_end;
	c->nonzero = flag == XDPERF_CSUM_UDP;
	c->proto = (uint8_t)proto;
	if (proto != 1) {
		c->alen = ly->ipv == 4 ? 4u : 16u;
		c->src = ly->l3 + (ly->ipv == 4 ? 12u : 8u);
		c->dst = c->src + c->alen;
	}
}

/* A checksum given by position (struct xdperf_csum_spec), checked against the frame. */
static int locate_spec(uint16_t len, const struct xdperf_csum_spec *sp, size_t i, struct csum_loc *c,
		       char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	snprintf(c->label, sizeof c->label, "checksum at %u", sp->off);
	c->name = c->label;
	if ((uint32_t)sp->off + 2 > len || (uint32_t)sp->start + sp->len > len) {
		xdperf_errf(err, errlen, "checksum spec %zu: bytes %u..%u (field at %u) are past the end "
			    "of the %u-byte frame", i, sp->start, sp->start + sp->len, sp->off, len);
		return -EINVAL;
	}
	if (sp->alen != 0 && sp->alen != 4 && sp->alen != 16) {
		xdperf_errf(err, errlen, "checksum spec %zu: addresses of %u bytes (4 or 16)", i, sp->alen);
		return -EINVAL;
	}
	if (sp->alen && ((uint32_t)sp->src + sp->alen > len || (uint32_t)sp->dst + sp->alen > len)) {
		xdperf_errf(err, errlen, "checksum spec %zu: its pseudo-header addresses are past the "
			    "end of the %u-byte frame", i, len);
		return -EINVAL;
	}
	c->present = true;
	c->off = sp->off;
	c->lo = sp->start;
	c->hi = (uint32_t)sp->start + sp->len;
	c->alen = sp->alen;
	c->src = sp->src;
	c->dst = sp->dst;
	c->proto = sp->proto;
	c->nonzero = sp->nonzero;
	return 0;
}

/* The checksum c recomputed over base (its field zeroed first). */
static uint16_t full_csum(uint8_t *base, const struct csum_loc *c)
{
	base[c->off] = base[c->off + 1] = 0;
	uint32_t pseudo = 0;
	if (c->alen)
		pseudo = xdperf_csum_fold(base + c->src, c->alen, 0) +
			 xdperf_csum_fold(base + c->dst, c->alen, 0) + (c->hi - c->lo) + c->proto;
	uint16_t ck = (uint16_t)~xdperf_csum_fold(base + c->lo, c->hi - c->lo, pseudo);
	if (ck == 0 && c->nonzero)
		ck = 0xffff;
	base[c->off] = (uint8_t)(ck >> 8);
	base[c->off + 1] = (uint8_t)ck;
	return ck;
}

/* Whether the XDP program may take its shorter path for fe (struct xdperf_bpf_fe: walks). */
static uint32_t fe_walks(const struct xdperf_bpf_fe *fe)
{
	if (!fe->nmods || fe->nmods > XDPERF_BPF_FE_MODS || fe->ncsums > 2)
		return 0;
	for (uint32_t i = 0; i < fe->nmods; i++) {
		const struct xdperf_bpf_fe_mod *m = &fe->mod[i];
		if ((m->flags & (XDPERF_BPF_FE_RANDOM | XDPERF_BPF_FE_LE | XDPERF_BPF_FE_ODD)) ||
		    (m->len != 2 && m->len != 4) || (m->csums & ~3u))
			return 0;
	}
	for (uint32_t c = 0; c < fe->ncsums; c++)
		if (fe->csum[c].flags & ~XDPERF_BPF_FE_NONZERO)
			return 0;
	return 1;
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t lo, uint32_t hi)
{
	return a < hi && a + alen > lo;
}

static bool inside(uint32_t a, uint32_t alen, uint32_t lo, uint32_t hi)
{
	return a >= lo && a + alen <= hi;
}

/* The parity of `off` within the words checksum c sums (the bytes it covers, or the address
 * of its pseudo-header the field lies in). */
static unsigned word_parity(const struct csum_loc *c, uint32_t off)
{
	if (off >= c->lo && off < c->hi)
		return (off - c->lo) & 1;
	if (c->alen && off >= c->src && off < c->src + c->alen)
		return (off - c->src) & 1;
	return (off - c->dst) & 1;
}

static bool in_pseudo(const struct csum_loc *c, uint32_t off, uint32_t len)
{
	return c->alen && (overlaps(off, len, c->src, c->src + c->alen) ||
			   overlaps(off, len, c->dst, c->dst + c->alen));
}

static bool inside_pseudo(const struct csum_loc *c, uint32_t off, uint32_t len)
{
	return inside(off, len, c->src, c->src + c->alen) || inside(off, len, c->dst, c->dst + c->alen);
}

int xdperf_fe_compile(const uint8_t *frame, uint16_t len, const struct xdperf_field_mod *mods,
		      size_t nmods, unsigned csums, const struct xdperf_csum_spec *specs, size_t nspecs,
		      struct xdperf_fe *fe, uint8_t *base, char *warn, size_t warnlen, char *err,
		      size_t errlen)
{
	static const unsigned all[] = { XDPERF_CSUM_IPV4, XDPERF_CSUM_UDP, XDPERF_CSUM_TCP,
					XDPERF_CSUM_ICMP, XDPERF_CSUM_ICMPV6 };
	memset(fe, 0, sizeof *fe);
	fe->threads = 1;
	if (warn && warnlen)
		warn[0] = '\0';
	memcpy(base, frame, len);
	if (nmods > XDPERF_FIELD_MODS_MAX) {
		xdperf_errf(err, errlen, "%zu modifiers (at most %d per template)", nmods,
			    XDPERF_FIELD_MODS_MAX);
		return -EINVAL;
	}
	if (csums & ~(XDPERF_CSUM_IPV4 | XDPERF_CSUM_UDP | XDPERF_CSUM_TCP | XDPERF_CSUM_ICMP |
		      XDPERF_CSUM_ICMPV6)) {
		xdperf_errf(err, errlen, "checksums: unknown checksum flags 0x%x", csums);
		return -EINVAL;
	}
	if (nspecs > XDPERF_CSUM_SPECS_MAX || (nspecs && !specs)) {
		xdperf_errf(err, errlen, "%zu checksum specs (at most %d per template)", nspecs,
			    XDPERF_CSUM_SPECS_MAX);
		return -EINVAL;
	}
	struct xdperf_layers ly;
	xdperf_frame_layers(frame, len, &ly);
	/* the decoded checksums (5), then the specs */
	struct csum_loc loc[5 + XDPERF_CSUM_SPECS_MAX];
	unsigned nloc = 5;
	bool upd_of[5 + XDPERF_CSUM_SPECS_MAX] = { false };
	struct csum_loc *upd[XDPERF_BPF_FE_CSUMS];
	unsigned nupd = 0;
	for (unsigned i = 0; i < 5; i++) {
		locate(frame, len, &ly, all[i], &loc[i]);
		if (!(csums & all[i]))
			continue;
		if (!loc[i].present) {
			/* a UDP checksum of 0 over IPv4 stays 0: nothing to keep up to date */
			if (all[i] == XDPERF_CSUM_UDP && loc[i].off)
				continue;
			xdperf_errf(err, errlen, "checksums: %s: %s", loc[i].name, loc[i].why);
			return -EINVAL;
		}
		if (nupd == XDPERF_BPF_FE_CSUMS) {
			xdperf_errf(err, errlen, "checksums: at most %d per template", XDPERF_BPF_FE_CSUMS);
			return -EINVAL;
		}
		upd_of[i] = true;
		upd[nupd++] = &loc[i];
	}
	for (size_t i = 0; i < nspecs; i++) {
		struct csum_loc *c = &loc[nloc];
		int rc = locate_spec(len, &specs[i], i, c, err, errlen);
		if (rc)
			return rc;
		for (unsigned u = 0; u < nupd; u++)
			if (upd[u]->off == c->off) {
				xdperf_errf(err, errlen, "checksum spec %zu: the checksum at %u is already "
					    "kept up to date", i, c->off);
				return -EINVAL;
			}
		if (nupd == XDPERF_BPF_FE_CSUMS) {
			xdperf_errf(err, errlen, "checksums: at most %d per template", XDPERF_BPF_FE_CSUMS);
			return -EINVAL;
		}
		upd_of[nloc] = true;
		upd[nupd++] = c;
		nloc++;
		for (unsigned d = 0; d < 5; d++) /* the decoded checksum this spec is */
			if (loc[d].present && loc[d].off == c->off)
				loc[d].present = false;
	}
	/* Order: a checksum whose field another one covers comes first (an inner header's before
	 * the outer UDP's), so the outer one sums its final value; then the base gets them all
	 * right in that order. */
	for (unsigned done = 0; done < nupd; done++) {
		unsigned pick = nupd;
		for (unsigned a = done; a < nupd && pick == nupd; a++) {
			bool inner_of_rest = true;
			for (unsigned b = done; b < nupd; b++)
				if (b != a && inside(upd[b]->off, 2, upd[a]->lo, upd[a]->hi))
					inner_of_rest = false; /* a covers b's field: b goes first */
			if (inner_of_rest)
				pick = a;
		}
		if (pick == nupd) {
			xdperf_errf(err, errlen, "checksums: the %s and %s checksums cover each other's "
				    "fields", upd[done]->name, upd[done + 1 < nupd ? done + 1 : done]->name);
			return -EINVAL;
		}
		struct csum_loc *t = upd[done];
		upd[done] = upd[pick];
		upd[pick] = t;
	}
	uint16_t ck0[XDPERF_BPF_FE_CSUMS];
	for (unsigned c = 0; c < nupd; c++)
		ck0[c] = full_csum(base, upd[c]);

	char uncovered[160] = "";
	for (size_t i = 0; i < nmods; i++) {
		const struct xdperf_field_mod *md = &mods[i];
		char nm[64];
		if (md->name)
			snprintf(nm, sizeof nm, "modifier %zu (%s)", i, md->name);
		else
			snprintf(nm, sizeof nm, "modifier %zu (offset %u)", i, md->offset);
		unsigned L = md->len;
		if (L != 1 && L != 2 && L != 4 && L != 8) {
			xdperf_errf(err, errlen, "%s: length %u (a field has 1, 2, 4 or 8 bytes)", nm, L);
			return -EINVAL;
		}
		if ((uint32_t)md->offset + L > len) {
			xdperf_errf(err, errlen, "%s: bytes %u..%u are past the end of the %u-byte frame",
				    nm, md->offset, md->offset + L - 1, len);
			return -EINVAL;
		}
		if ((unsigned)md->op > XDPERF_FIELD_RANGE) {
			xdperf_errf(err, errlen, "%s: unknown operation %d", nm, (int)md->op);
			return -EINVAL;
		}
		if (md->truncate && md->op != XDPERF_FIELD_INCREMENT && md->op != XDPERF_FIELD_RANDOM) {
			xdperf_errf(err, errlen, "%s: truncated values need increment or random", nm);
			return -EINVAL;
		}
		uint64_t wmax = L == 8 ? UINT64_MAX : (1ull << (8 * L)) - 1;
		uint64_t lo = md->min, hi = md->max, step = md->step ? md->step : 1;
		if (lo == 0 && hi == 0 && !md->truncate)
			hi = wmax;
		if (!md->truncate && (hi > wmax || lo > wmax)) {
			xdperf_errf(err, errlen, "%s: %s %llu does not fit %u byte%s", nm,
				    hi > wmax ? "max" : "min",
				    (unsigned long long)(hi > wmax ? hi : lo), L, L == 1 ? "" : "s");
			return -EINVAL;
		}
		if (lo > hi && !md->truncate) {
			xdperf_errf(err, errlen, "%s: min %llu is above max %llu", nm,
				    (unsigned long long)lo, (unsigned long long)hi);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (overlaps(md->offset, L, mods[j].offset, (uint32_t)mods[j].offset + mods[j].len)) {
				xdperf_errf(err, errlen, "%s overlaps modifier %zu", nm, j);
				return -EINVAL;
			}
		/* number of values: (hi - lo) / step + 1, 0 meaning 2^64 (hi - lo wraps when
		 * truncated values pass 2^64) */
		uint64_t n = (hi - lo) / step + 1;
		uint64_t last = lo + (n ? n - 1 : UINT64_MAX / step) * step; /* the highest value reached */
		struct xdperf_bpf_fe_mod *m = &fe->bpf.mod[i];
		m->off = md->offset;
		m->len = (uint8_t)L;
		m->n = n;
		if (md->little_endian)
			m->flags |= XDPERF_BPF_FE_LE;
		uint64_t start = md->has_start ? md->start : 0;
		if (md->has_start && md->truncate) {
			xdperf_errf(err, errlen, "%s: truncated values take skip, not start", nm);
			return -EINVAL;
		}
		if (md->has_start && (start < lo || start > hi)) {
			xdperf_errf(err, errlen, "%s: start %llu is outside min..max (%llu..%llu)", nm,
				    (unsigned long long)start, (unsigned long long)lo,
				    (unsigned long long)hi);
			return -EINVAL;
		}
		switch (md->op) {
		case XDPERF_FIELD_INCREMENT:
		case XDPERF_FIELD_RANGE:
			m->base = lo;
			m->mul = step;
			if (md->has_start && (start - lo) % step) {
				xdperf_errf(err, errlen, "%s: start %llu is not min + a multiple of step %llu",
					    nm, (unsigned long long)start, (unsigned long long)step);
				return -EINVAL;
			}
			fe->x0[i] = md->has_start ? (start - lo) / step : 0;
			fe->k1[i] = 1;
			if (md->op == XDPERF_FIELD_RANGE && n != 1) {
				/* a stride coprime to n near n / golden ratio, moved by the seed */
				uint64_t nn = n ? n : UINT64_MAX;
				uint64_t a = (uint64_t)((long double)nn * 0.6180339887498949L);
				a = n ? (a + md->seed % n) % n : a + md->seed;
				if (a == 0)
					a = 1;
				while (xdperf_gcd(a, n ? n : (1ull << 63)) != 1)
					a = n ? (a + 1) % n : a + 1;
				if (a == 0)
					a = 1;
				fe->k1[i] = a;
			}
			break;
		case XDPERF_FIELD_DECREMENT:
			m->base = last;
			m->mul = (uint64_t)0 - step;
			/* the values are min + multiples of step, as for INCREMENT, walked down from
			 * `last`; (last - start) would wrap for a start between last and max */
			if (md->has_start && (start - lo) % step) {
				xdperf_errf(err, errlen, "%s: start %llu is not min + a multiple of step %llu "
					    "(the values are %llu..%llu)", nm, (unsigned long long)start,
					    (unsigned long long)step, (unsigned long long)lo,
					    (unsigned long long)last);
				return -EINVAL;
			}
			fe->x0[i] = md->has_start ? (last - start) / step : 0;
			fe->k1[i] = 1;
			break;
		case XDPERF_FIELD_RANDOM:
			m->flags |= XDPERF_BPF_FE_RANDOM;
			m->base = lo;
			m->mul = step;
			fe->seed[i] = md->seed ? md->seed : 0x5EEDull;
			break;
		}
		if (md->op != XDPERF_FIELD_RANDOM) {
			/* skip and stride: x0 + skip, k1 * stride (mod n) */
			uint64_t stride = md->stride ? md->stride : 1;
			if (n) {
				fe->x0[i] = (uint64_t)(((unsigned __int128)fe->x0[i] + md->skip % n) % n);
				fe->k1[i] = mulmod(fe->k1[i], stride % n, n);
			} else {
				fe->x0[i] += md->skip;
				fe->k1[i] *= stride;
			}
		}
		if (n == 1)
			fe->k1[i] = 0;

		/* checksums covering the field: each must see it at the same word parity */
		int parity = -1;
		for (unsigned c = 0; c < nloc; c++) {
			struct csum_loc *cl = &loc[c];
			if (!cl->present)
				continue;
			if (overlaps(md->offset, L, cl->off, cl->off + 2)) {
				if (upd_of[c]) {
					xdperf_errf(err, errlen, "%s overlaps the %s checksum, which is kept "
						    "up to date", nm, cl->name);
					return -EINVAL;
				}
				continue;
			}
			bool in_seg = overlaps(md->offset, L, cl->lo, cl->hi);
			bool in_ps = in_pseudo(cl, md->offset, L);
			if (!in_seg && !in_ps)
				continue;
			if (!upd_of[c]) {
				size_t k = strlen(uncovered);
				if (!strstr(uncovered, cl->name) && k + 16 < sizeof uncovered)
					snprintf(uncovered + k, sizeof uncovered - k, "%s%s", k ? ", " : "",
						 cl->name);
				continue;
			}
			if ((in_seg && !inside(md->offset, L, cl->lo, cl->hi)) ||
			    (in_ps && !inside_pseudo(cl, md->offset, L))) {
				xdperf_errf(err, errlen, "%s straddles the edge of what the %s checksum "
					    "covers", nm, cl->name);
				return -EINVAL;
			}
			if (in_seg && in_ps) {
				xdperf_errf(err, errlen, "%s is both in what the %s checksum covers and in its "
					    "pseudo-header", nm, cl->name);
				return -EINVAL;
			}
			int p = (int)word_parity(cl, md->offset);
			if (parity >= 0 && p != parity) {
				xdperf_errf(err, errlen, "%s lies at an odd offset for one checksum covering "
					    "it and an even one for another", nm);
				return -EINVAL;
			}
			parity = p;
			for (unsigned u = 0; u < nupd; u++)
				if (upd[u] == cl)
					m->csums |= (uint8_t)(1u << u);
		}
		if (parity == 1)
			m->flags |= XDPERF_BPF_FE_ODD;
		/* the pseudo-header's length and protocol come from IP fields the engine does not
		 * follow: an L4 checksum kept up to date forbids changing them (a spec's length and
		 * protocol are its own) */
		bool l4upd = false;
		for (unsigned u = 0; u < nupd; u++)
			l4upd = l4upd || (upd[u]->flag && upd[u]->alen);
		if (l4upd && ly.ipv == 4 &&
		    (overlaps(md->offset, L, ly.l3, ly.l3 + 4u) || overlaps(md->offset, L, ly.l3 + 9u, ly.l3 + 10u))) {
			xdperf_errf(err, errlen, "%s changes the IPv4 version, header or total length or "
				    "protocol, which the L4 checksum's pseudo-header depends on", nm);
			return -EINVAL;
		}
		if (l4upd && ly.ipv == 6 && overlaps(md->offset, L, ly.l3 + 4u, ly.l3 + 7u)) {
			xdperf_errf(err, errlen, "%s changes the IPv6 payload length or next header, which "
				    "the L4 checksum's pseudo-header depends on", nm);
			return -EINVAL;
		}
	}
	fe->bpf.nmods = (uint32_t)nmods;
	fe->bpf.ncsums = nmods ? nupd : 0;
	for (unsigned c = 0; c < fe->bpf.ncsums; c++) {
		struct xdperf_bpf_fe_csum *k = &fe->bpf.csum[c];
		k->off = (uint16_t)upd[c]->off;
		k->flags = upd[c]->nonzero ? XDPERF_BPF_FE_NONZERO : 0;
		uint32_t acc = (uint16_t)~ck0[c];
		/* earlier checksums whose fields this one covers: their changes count here too */
		for (unsigned e = 0; e < c; e++) {
			if (!inside(upd[e]->off, 2, upd[c]->lo, upd[c]->hi))
				continue;
			unsigned odd = (upd[e]->off - upd[c]->lo) & 1;
			k->flags |= (uint16_t)(XDPERF_BPF_FE_CHAIN << e);
			if (odd)
				k->flags |= (uint16_t)(XDPERF_BPF_FE_CHAIN_ODD << e);
			acc += (uint16_t)~xdperf_fe_fold16(xdperf_fe_sum(ck0[e], 2, (int)odd));
		}
		for (uint32_t i = 0; i < nmods; i++) {
			const struct xdperf_bpf_fe_mod *m = &fe->bpf.mod[i];
			if (!(m->csums >> c & 1))
				continue;
			uint32_t s = xdperf_fe_fold16(xdperf_fe_sum(get_be(base + m->off, m->len), m->len,
						   m->flags & XDPERF_BPF_FE_ODD));
			acc += (uint16_t)~s;
		}
		k->acc = xdperf_fe_fold16(acc);
	}
	fe->bpf.walks = fe_walks(&fe->bpf);
	if (uncovered[0] && warn && warnlen)
		snprintf(warn, warnlen, "modifiers change bytes covered by the %s checksum%s, which no "
			 "checksums entry keeps up to date: those checksums will be wrong", uncovered,
			 strchr(uncovered, ',') ? "s" : "");
	xdperf_fe_set_threads(fe, 1);
	return 0;
}
