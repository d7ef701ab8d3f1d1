/* Capture file reader (src/packet/pcap_read.h): pcap and pcapng, Ethernet only, every length
 * checked against the file and XDPERF_PCAP_READ_MAX before it is used. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet/pcap_read.h"
#include "util/err.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1u
#define NG_PB 2u  /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define LINKTYPE_ETHERNET 1u
#define IFACES_MAX 65536u

struct ng_iface {
	uint16_t linktype;
	uint32_t snaplen;
	uint8_t tsresol;   /* if_tsresol: bit 7 clear: 10^-n s, set: 2^-n s */
	int64_t tsoffset;  /* if_tsoffset: seconds added */
};

struct xdperf_pcap_reader {
	FILE *f;
	char *path;
	bool ng;             /* pcapng (else pcap) */
	bool swap;           /* the file's (section's) byte order is not ours */
	bool nsec;           /* pcap: nanosecond timestamps */
	uint64_t off;        /* file offset of the next byte read */
	uint64_t frame;      /* frames returned so far */
	uint64_t last_ts;
	struct ng_iface *ifs;
	uint32_t nifs, capifs;
	uint8_t *buf;
	size_t bufcap;
};

static uint32_t rd32(const struct xdperf_pcap_reader *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct xdperf_pcap_reader *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

/* Reads up to n bytes; returns how many (fewer only at the end of the file or on an error). */
static size_t rd(struct xdperf_pcap_reader *r, void *p, size_t n)
{
	size_t k = n ? fread(p, 1, n, r->f) : 0;
	r->off += k;
	return k;
}

static int fail(struct xdperf_pcap_reader *r, uint64_t at, int e, char *err, size_t errlen,
		const char *what)
{
	xdperf_errf(err, errlen, "%s: frame %llu at offset %llu: %s", r->path,
		    (unsigned long long)r->frame + 1, (unsigned long long)at, what);
	return e;
}

/* A short read: a read error, or the file ends inside a record. */
static int short_read(struct xdperf_pcap_reader *r, uint64_t at, const char *what, size_t want,
		      size_t got, char *err, size_t errlen)
{
	char m[200];
	if (ferror(r->f)) {
		snprintf(m, sizeof m, "read error: %s", strerror(errno ? errno : EIO));
		return fail(r, at, -EIO, err, errlen, m);
	}
	snprintf(m, sizeof m, "truncated %s (%zu bytes, the file ends after %zu)", what, want, got);
	return fail(r, at, -EINVAL, err, errlen, m);
}

static int grow(struct xdperf_pcap_reader *r, size_t n)
{
	if (n <= r->bufcap)
		return 0;
	size_t c = r->bufcap ? r->bufcap : 4096;
	while (c < n)
		c *= 2;
	uint8_t *b = realloc(r->buf, c);
	if (!b)
		return -ENOMEM;
	r->buf = b;
	r->bufcap = c;
	return 0;
}

static const char *linktype_name(uint32_t lt)
{
	switch (lt) {
	case 0: return "BSD loopback";
	case 1: return "Ethernet";
	case 101: return "raw IP";
	case 105: return "IEEE 802.11";
	case 113: return "Linux cooked (SLL)";
	case 127: return "802.11 radiotap";
	case 228: return "raw IPv4";
	case 229: return "raw IPv6";
	case 276: return "Linux cooked v2 (SLL2)";
	default: return "unknown";
	}
}

/* units of 10^-n or 2^-n seconds (if_tsresol) to ns, saturating */
static uint64_t units_ns(uint64_t u, uint8_t res)
{
	unsigned __int128 v;
	if (res & 0x80) {
		unsigned n = res & 0x7f;
		v = n >= 64 ? 0 : ((unsigned __int128)u * 1000000000u) >> n;
	} else if (res <= 9) {
		uint64_t m = 1;
		for (unsigned i = res; i < 9; i++)
			m *= 10;
		v = (unsigned __int128)u * m;
	} else {
		v = u;
		for (unsigned i = 9; i < res && v; i++)
			v /= 10;
	}
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* --- pcapng ---------------------------------------------------------------------------- */

/* Reads a section header block whose type word was just read at `at` (len not yet read). */
static int ng_shb(struct xdperf_pcap_reader *r, uint64_t at, char *err, size_t errlen)
{
	uint8_t h[20];
	size_t k = rd(r, h, sizeof h);
	if (k < sizeof h)
		return short_read(r, at, "section header block", sizeof h + 4, k + 4, err, errlen);
	uint32_t bom;
	memcpy(&bom, h + 4, 4);
	if (bom == NG_BOM)
		r->swap = false;
	else if (bom == __builtin_bswap32(NG_BOM))
		r->swap = true;
	else
		return fail(r, at, -EINVAL, err, errlen, "section header block with a bad byte-order "
			    "magic (corrupt pcapng file)");
	uint32_t len = rd32(r, h);
	if (rd16(r, h + 8) != 1)
		return fail(r, at, -EINVAL, err, errlen, "pcapng section of a major version other "
			    "than 1");
	if (len < 28 || len % 4 || len > XDPERF_PCAP_READ_MAX) {
		char m[160];
		snprintf(m, sizeof m, "section header block length %u (corrupt pcapng file)", len);
		return fail(r, at, -EINVAL, err, errlen, m);
	}
	/* the rest (options, trailing length) is skipped */
	size_t rest = len - 24;
	if (grow(r, rest))
		return fail(r, at, -ENOMEM, err, errlen, "out of memory");
	k = rd(r, r->buf, rest);
	if (k < rest)
		return short_read(r, at, "section header block", len, k + 24, err, errlen);
	if (rd32(r, r->buf + rest - 4) != len)
		return fail(r, at, -EINVAL, err, errlen, "section header block whose trailing length "
			    "differs (corrupt pcapng file)");
	r->nifs = 0; /* interfaces are per section */
	return 0;
}

static int ng_idb(struct xdperf_pcap_reader *r, uint64_t at, const uint8_t *b, uint32_t blen,
		  char *err, size_t errlen)
{
	if (blen < 8)
		return fail(r, at, -EINVAL, err, errlen, "interface description block too short "
			    "(corrupt pcapng file)");
	if (r->nifs >= IFACES_MAX)
		return fail(r, at, -EINVAL, err, errlen, "more than 65536 interfaces in a section");
	if (r->nifs == r->capifs) {
		uint32_t c = r->capifs ? r->capifs * 2 : 4;
		struct ng_iface *n = realloc(r->ifs, c * sizeof *n);
		if (!n)
			return fail(r, at, -ENOMEM, err, errlen, "out of memory");
		r->ifs = n;
		r->capifs = c;
	}
	struct ng_iface *i = &r->ifs[r->nifs];
	i->linktype = rd16(r, b);
	i->snaplen = rd32(r, b + 4);
	i->tsresol = 6;
	i->tsoffset = 0;
	for (uint32_t o = 8; o + 4 <= blen;) {
		uint16_t code = rd16(r, b + o), ol = rd16(r, b + o + 2);
		if (code == 0)
			break;
		if ((uint32_t)ol > blen - o - 4)
			return fail(r, at, -EINVAL, err, errlen, "interface option longer than its "
				    "block (corrupt pcapng file)");
		if (code == 9 && ol == 1)
			i->tsresol = b[o + 4];
		else if (code == 14 && ol == 8) {
			uint64_t v;
			memcpy(&v, b + o + 4, 8);
			i->tsoffset = (int64_t)(r->swap ? __builtin_bswap64(v) : v);
		}
		o += 4 + ((ol + 3u) & ~3u);
	}
	r->nifs++;
	return 0;
}

static int ng_iface_check(struct xdperf_pcap_reader *r, uint64_t at, uint32_t id, char *err,
			  size_t errlen)
{
	char m[200];
	if (id >= r->nifs) {
		snprintf(m, sizeof m, "packet of interface %u, but the section describes %u "
			 "(corrupt pcapng file)", id, r->nifs);
		return fail(r, at, -EINVAL, err, errlen, m);
	}
	uint32_t lt = r->ifs[id].linktype;
	if (lt != LINKTYPE_ETHERNET) {
		snprintf(m, sizeof m, "interface %u has link type %u (%s), not Ethernet (1); only "
			 "Ethernet captures replay", id, lt, linktype_name(lt));
		return fail(r, at, -EPROTONOSUPPORT, err, errlen, m);
	}
	return 0;
}

static uint64_t ng_ts(const struct xdperf_pcap_reader *r, uint32_t id, uint32_t hi, uint32_t lo)
{
	const struct ng_iface *i = &r->ifs[id];
	uint64_t ns = units_ns((uint64_t)hi << 32 | lo, i->tsresol);
	int64_t off = i->tsoffset;
	if (off > 0)
		ns = (uint64_t)off > (UINT64_MAX - ns) / 1000000000u ? UINT64_MAX
								     : ns + (uint64_t)off * 1000000000u;
	else if (off < 0)
		ns = (uint64_t)-off > ns / 1000000000u ? 0 : ns - (uint64_t)-off * 1000000000u;
	return ns;
}

static int ng_next(struct xdperf_pcap_reader *r, const uint8_t **data, uint32_t *caplen,
		   uint32_t *origlen, uint64_t *ts_ns, char *err, size_t errlen)
{
	for (;;) {
		uint64_t at = r->off;
		uint8_t h[8];
		size_t k = rd(r, h, 4);
		if (k == 0 && !ferror(r->f))
			return 0;
		if (k < 4)
			return short_read(r, at, "block header", 8, k, err, errlen);
		uint32_t type;
		memcpy(&type, h, 4);
		if (type == NG_SHB) {
			int e = ng_shb(r, at, err, errlen);
			if (e)
				return e;
			continue;
		}
		k = rd(r, h + 4, 4);
		if (k < 4)
			return short_read(r, at, "block header", 8, k + 4, err, errlen);
		type = rd32(r, h);
		uint32_t len = rd32(r, h + 4);
		if (len < 12 || len % 4 || len > XDPERF_PCAP_READ_MAX) {
			char m[160];
			snprintf(m, sizeof m, "block (type %u) length %u%s (corrupt pcapng file)", type,
				 len, len > XDPERF_PCAP_READ_MAX ? ", more than 16 MiB" : "");
			return fail(r, at, -EINVAL, err, errlen, m);
		}
		uint32_t blen = len - 12; /* body, without the trailing length */
		if (grow(r, (size_t)blen + 4))
			return fail(r, at, -ENOMEM, err, errlen, "out of memory");
		k = rd(r, r->buf, (size_t)blen + 4);
		if (k < (size_t)blen + 4)
			return short_read(r, at, "block", len, k + 8, err, errlen);
		if (rd32(r, r->buf + blen) != len)
			return fail(r, at, -EINVAL, err, errlen, "block whose trailing length differs "
				    "from its header's (corrupt pcapng file)");
		const uint8_t *b = r->buf;
		int e;
		uint32_t id, cap, orig;
		switch (type) {
		case NG_IDB:
			if ((e = ng_idb(r, at, b, blen, err, errlen)))
				return e;
			continue;
		case NG_EPB:
		case NG_PB:
			if (blen < 20)
				return fail(r, at, -EINVAL, err, errlen, "packet block too short "
					    "(corrupt pcapng file)");
			id = type == NG_EPB ? rd32(r, b) : rd16(r, b);
			cap = rd32(r, b + 12);
			orig = rd32(r, b + 16);
			if (cap > blen - 20)
				return fail(r, at, -EINVAL, err, errlen, "packet longer than its block "
					    "(corrupt pcapng file)");
			if ((e = ng_iface_check(r, at, id, err, errlen)))
				return e;
			*ts_ns = r->last_ts = ng_ts(r, id, rd32(r, b + 4), rd32(r, b + 8));
			*data = b + 20;
			break;
		case NG_SPB:
			if (blen < 4)
				return fail(r, at, -EINVAL, err, errlen, "simple packet block too short "
					    "(corrupt pcapng file)");
			if ((e = ng_iface_check(r, at, 0, err, errlen)))
				return e;
			orig = rd32(r, b);
			cap = orig < blen - 4 ? orig : blen - 4;
			if (r->ifs[0].snaplen && cap > r->ifs[0].snaplen)
				cap = r->ifs[0].snaplen;
			*ts_ns = r->last_ts;
			*data = b + 4;
			break;
		default:
			continue; /* statistics, name resolution, custom, ...: not frames */
		}
		*caplen = cap;
		*origlen = orig;
		r->frame++;
		return 1;
	}
}

/* --- pcap ------------------------------------------------------------------------------ */

static int pcap_next_rec(struct xdperf_pcap_reader *r, const uint8_t **data, uint32_t *caplen,
			 uint32_t *origlen, uint64_t *ts_ns, char *err, size_t errlen)
{
	uint64_t at = r->off;
	uint8_t h[16];
	size_t k = rd(r, h, sizeof h);
	if (k == 0 && !ferror(r->f))
		return 0;
	if (k < sizeof h)
		return short_read(r, at, "record header", sizeof h, k, err, errlen);
	uint32_t cap = rd32(r, h + 8), orig = rd32(r, h + 12);
	if (cap > XDPERF_PCAP_READ_MAX) {
		char m[160];
		snprintf(m, sizeof m, "record length %u is more than 16 MiB (corrupt pcap file)", cap);
		return fail(r, at, -EINVAL, err, errlen, m);
	}
	if (grow(r, cap ? cap : 1))
		return fail(r, at, -ENOMEM, err, errlen, "out of memory");
	k = rd(r, r->buf, cap);
	if (k < cap)
		return short_read(r, at, "record", (size_t)cap + 16, k + 16, err, errlen);
	uint64_t frac = rd32(r, h + 4);
	*ts_ns = r->last_ts = (uint64_t)rd32(r, h) * 1000000000u + (r->nsec ? frac : frac * 1000u);
	*data = r->buf;
	*caplen = cap;
	*origlen = orig;
	r->frame++;
	return 1;
}

/* --- open, next, rewind, close --------------------------------------------------------- */

/* Reads the file header (pcap) or the first section header (pcapng) from offset 0. */
static int start(struct xdperf_pcap_reader *r, char *err, size_t errlen)
{
	if (fseeko(r->f, 0, SEEK_SET)) {
		int e = -errno;
		xdperf_errf(err, errlen, "%s: %s", r->path, strerror(-e));
		return e;
	}
	clearerr(r->f);
	r->off = 0;
	r->frame = 0;
	r->last_ts = 0;
	r->nifs = 0;
	uint8_t h[24];
	size_t k = rd(r, h, 4);
	uint32_t magic = 0;
	if (k == 4)
		memcpy(&magic, h, 4);
	if (magic == NG_SHB) {
		r->ng = true;
		return ng_shb(r, 0, err, errlen);
	}
	r->ng = false;
	r->swap = magic == __builtin_bswap32(PCAP_MAGIC_US) || magic == __builtin_bswap32(PCAP_MAGIC_NS);
	if (r->swap)
		magic = __builtin_bswap32(magic);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS) {
		if (ferror(r->f))
			xdperf_errf(err, errlen, "%s: read error: %s", r->path, strerror(errno ? errno : EIO));
		else
			xdperf_errf(err, errlen, "%s: not a pcap or pcapng file (%s)", r->path,
				    k < 4 ? "shorter than a file header" : "unknown magic number");
		return ferror(r->f) ? -EIO : -EINVAL;
	}
	r->nsec = magic == PCAP_MAGIC_NS;
	k += rd(r, h + 4, 20);
	if (k < 24) {
		xdperf_errf(err, errlen, "%s: truncated pcap file header (%zu of 24 bytes)", r->path, k);
		return -EINVAL;
	}
	uint32_t lt = rd32(r, h + 20) & 0x0fffffffu; /* the top bits may say FCS length */
	if (lt != LINKTYPE_ETHERNET) {
		xdperf_errf(err, errlen, "%s: link type %u (%s), not Ethernet (1); only Ethernet "
			    "captures replay", r->path, lt, linktype_name(lt));
		return -EPROTONOSUPPORT;
	}
	return 0;
}

int xdperf_pcap_reader_open(const char *path, struct xdperf_pcap_reader **out, char *err,
			    size_t errlen)
{
	*out = NULL;
	struct xdperf_pcap_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path))) {
		free(r);
		xdperf_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r->f = fopen(path, "rb");
	if (!r->f) {
		int e = -errno;
		xdperf_errf(err, errlen, "%s: %s", path, strerror(-e));
		xdperf_pcap_reader_close(r);
		return e;
	}
	setvbuf(r->f, NULL, _IOFBF, 1u << 20);
	int e = start(r, err, errlen);
	if (e) {
		xdperf_pcap_reader_close(r);
		return e;
	}
	*out = r;
	return 0;
}

int xdperf_pcap_reader_next(struct xdperf_pcap_reader *r, const uint8_t **data, uint32_t *caplen,
			    uint32_t *origlen, uint64_t *ts_ns, char *err, size_t errlen)
{
	return r->ng ? ng_next(r, data, caplen, origlen, ts_ns, err, errlen)
		     : pcap_next_rec(r, data, caplen, origlen, ts_ns, err, errlen);
}

int xdperf_pcap_reader_rewind(struct xdperf_pcap_reader *r, char *err, size_t errlen)
{
	return start(r, err, errlen);
}

const char *xdperf_pcap_reader_format(const struct xdperf_pcap_reader *r)
{
	return r->ng ? "pcapng" : "pcap";
}

void xdperf_pcap_reader_close(struct xdperf_pcap_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->path);
	free(r->ifs);
	free(r->buf);
	free(r);
}
