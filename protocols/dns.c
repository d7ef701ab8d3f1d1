/* dns: a minimal authoritative DNS responder for A records (RFC 1035 wire format, one UDP
 * payload per message, one answer per message) with a built-in zone example.test:
 *   example.test -> 192.0.2.10    a.example.test -> 192.0.2.1    b.example.test -> 192.0.2.2
 *   hN.example.test (N = 0..255, plain decimal) -> 198.51.100.N
 * Names compare case-insensitively; the question is echoed as received.
 *
 * Answer: the query's ID, QR=1, RD copied, RA=0, Z=0, ARCOUNT 0 (additional records such as an
 * EDNS OPT are ignored), the question echoed (QDCOUNT 1) when it parsed.
 *   QTYPE A (1) or ANY (255), QCLASS IN (1) or ANY (255), known name -> AA, NOERROR and one A
 *     record: name = pointer 0xC00C, TYPE A, CLASS IN, TTL 60, RDLENGTH 4, the address
 *   known name, other QTYPE          -> AA, NOERROR, no answer (NODATA)
 *   unknown name under example.test  -> AA, NXDOMAIN (3)
 *   name outside the zone, or a QCLASS other than IN/ANY -> REFUSED (5)
 *   opcode != 0                      -> NOTIMP (4), opcode copied, the question echoed only
 *                                       when it parses
 *   QDCOUNT != 1, truncated or malformed question, compression pointer in the question,
 *   label longer than 63, name longer than 255 -> FORMERR (1), header only
 * AA is set only on answers about the zone (NOERROR, NXDOMAIN).
 * No reply (empty answer): a message shorter than the 12-byte header, or a response (QR=1).
 * Metric: dns_queries_total (a counter: the name ends in _total), the number of queries this
 * instance answered so far, after each one.
 */
#include "xdperf_protocol.h"

#define DNS_HDR 12
#define DNS_QR 0x8000
#define DNS_AA 0x0400
#define DNS_RD 0x0100
#define DNS_NOERROR 0
#define DNS_FORMERR 1
#define DNS_NXDOMAIN 3
#define DNS_NOTIMP 4
#define DNS_REFUSED 5
#define DNS_TYPE_A 1
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255
#define DNS_TTL 60
#define DNS_MAX_LABELS 128 /* a 255-byte name holds at most 127 labels */

struct dns_question {
	uint32_t end;      /* offset just past QCLASS */
	uint16_t qtype, qclass;
	uint32_t nlabels;
	uint32_t label[DNS_MAX_LABELS]; /* offset of each label's length byte */
};

static uint64_t dns_queries;

XDP_PROTOCOL(dns)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Parses the question at offset 12. Returns 0, or -1 when it is truncated or malformed. */
static int dns_parse_question(const uint8_t *in, uint32_t len, struct dns_question *q)
{
	uint32_t off = DNS_HDR, namelen = 0;

	q->nlabels = 0;
	for (;;) {
		if (off >= len)
			return -1;
		uint8_t l = in[off];
		if (l > 63) /* compression pointer (0xC0) or a reserved label type */
			return -1;
		namelen += 1u + l;
		if (namelen > 255)
			return -1;
		if (!l)
			break;
		if (len - off - 1 < l)
			return -1;
		q->label[q->nlabels++] = off;
		off += 1u + l;
	}
	off++;
	if (len - off < 4)
		return -1;
	q->qtype = get16(in + off);
	q->qclass = get16(in + off + 2);
	q->end = off + 4;
	return 0;
}

/* Label k of q equals s, ignoring ASCII case. */
static int dns_label_is(const uint8_t *in, const struct dns_question *q, uint32_t k, const char *s)
{
	const uint8_t *l = in + q->label[k];
	uint32_t n = (uint32_t)strlen(s);

	if (l[0] != n)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = l[1 + i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)s[i])
			return 0;
	}
	return 1;
}

/* Looks the name up. Returns DNS_NOERROR with *addr set, DNS_NXDOMAIN or DNS_REFUSED. */
static int dns_lookup(const uint8_t *in, const struct dns_question *q, uint8_t addr[4])
{
	uint32_t n = q->nlabels;

	if (n < 2 || !dns_label_is(in, q, n - 2, "example") || !dns_label_is(in, q, n - 1, "test"))
		return DNS_REFUSED;
	if (n == 2) {
		memcpy(addr, (const uint8_t[]){ 192, 0, 2, 10 }, 4);
		return DNS_NOERROR;
	}
	if (n != 3)
		return DNS_NXDOMAIN;
	if (dns_label_is(in, q, 0, "a") || dns_label_is(in, q, 0, "b")) {
		memcpy(addr, (const uint8_t[]){ 192, 0, 2, 0 }, 4);
		addr[3] = (in[q->label[0] + 1] | 0x20) == 'a' ? 1 : 2;
		return DNS_NOERROR;
	}

	/* hN: N plain decimal 0..255, no sign, no leading zero */
	const uint8_t *l = in + q->label[0];
	uint32_t v = 0;
	if (l[0] < 2 || l[0] > 4 || (l[1] | 0x20) != 'h' || (l[2] == '0' && l[0] > 2))
		return DNS_NXDOMAIN;
	for (uint32_t i = 2; i <= l[0]; i++) {
		if (l[i] < '0' || l[i] > '9')
			return DNS_NXDOMAIN;
		v = v * 10 + (uint32_t)(l[i] - '0');
	}
	if (v > 255)
		return DNS_NXDOMAIN;
	memcpy(addr, (const uint8_t[]){ 198, 51, 100, 0 }, 4);
	addr[3] = (uint8_t)v;
	return DNS_NOERROR;
}

/* Header (+ the question in[12..qend) when qend) + an A record for addr when addr. */
static int dns_reply(xdp_out *out, const uint8_t *in, uint16_t flags, uint32_t qend, const uint8_t *addr)
{
	uint32_t qlen = qend ? qend - DNS_HDR : 0;
	uint8_t *p = xdp_out_reserve(out, DNS_HDR + qlen + (addr ? 16 : 0));

	if (!p)
		return -1;
	memcpy(p, in, 2); /* ID */
	put16(p + 2, flags);
	put16(p + 4, qend ? 1 : 0);
	put16(p + 6, addr ? 1 : 0);
	put16(p + 8, 0);
	put16(p + 10, 0);
	memcpy(p + DNS_HDR, in + DNS_HDR, qlen);
	if (addr) {
		p += DNS_HDR + qlen;
		put16(p, 0xC00C);
		put16(p + 2, DNS_TYPE_A);
		put16(p + 4, DNS_CLASS_IN);
		put16(p + 6, 0);
		put16(p + 8, DNS_TTL);
		put16(p + 10, 4);
		memcpy(p + 12, addr, 4);
	}
	dns_queries++;
	xdp_proto_metric("dns_queries_total", (double)dns_queries);
	return 0;
}

static int dns(const uint8_t *in, uint32_t len, xdp_out *out)
{
	struct dns_question q;
	uint8_t addr[4];
	uint16_t qflags, flags;
	uint32_t opcode;
	int rcode, parsed;

	if (len < DNS_HDR)
		return 0; /* not even a header: no reply */
	qflags = get16(in + 2);
	if (qflags & DNS_QR)
		return 0; /* a response: never answer it */
	opcode = (qflags >> 11) & 0xF;
	flags = DNS_QR | (qflags & DNS_RD);
	parsed = get16(in + 4) == 1 && !dns_parse_question(in, len, &q);

	if (opcode)
		return dns_reply(out, in, (uint16_t)(flags | opcode << 11 | DNS_NOTIMP),
				 parsed ? q.end : 0, NULL);
	if (!parsed)
		return dns_reply(out, in, flags | DNS_FORMERR, 0, NULL);
	if (q.qclass != DNS_CLASS_IN && q.qclass != DNS_CLASS_ANY)
		return dns_reply(out, in, flags | DNS_REFUSED, q.end, NULL);
	rcode = dns_lookup(in, &q, addr);
	if (rcode == DNS_REFUSED)
		return dns_reply(out, in, flags | DNS_REFUSED, q.end, NULL);
	flags |= DNS_AA | rcode;
	if (rcode != DNS_NOERROR || (q.qtype != DNS_TYPE_A && q.qtype != DNS_TYPE_ANY))
		return dns_reply(out, in, flags, q.end, NULL);
	return dns_reply(out, in, flags, q.end, addr);
}
