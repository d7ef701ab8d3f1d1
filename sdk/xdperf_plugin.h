/* xdperf C plugin SDK (clang --target=wasm32-wasi -mexec-model=reactor).
 *
 * A generator plugin is one C file compiled together with the SDK's sources (every .c file in
 * sdk/; xdperf-plugin.mk does it in one command). The simplest plugin only defines
 *
 *     int xdp_generate(const xdp_request *req, xdp_response *resp);
 *
 * and the SDK provides the exported ABI (plugin_init, plugin_process, plugin_cleanup; malloc and
 * free come from wasi-libc): it keeps a copy of the init config, parses each request, calls
 * xdp_generate(), serialises the response as the JSON array of templates the host expects and
 * returns XDP_ERR_BUFFER_TOO_SMALL (-4) when it does not fit the host's output buffer.
 * Optional hooks: xdp_init(cfg) after the config was stored, xdp_cleanup() at plugin_cleanup.
 *
 * A plugin with an ABI of its own (a verifier, plugins/verify_*.c: one frame in, a verdict out)
 * defines plugin_init / plugin_process / plugin_cleanup itself and compiles the SDK's sources
 * with -DXDP_SDK_NO_GENERATOR_ABI: that leaves out the SDK's exported entry points (and
 * xdp_generate / xdp_init / xdp_cleanup are then never called) but keeps every helper below
 * (logging, JSON reader and writer, base64, checksums, packet building).
 *
 * Host ABI recap:
 *   plugin_init(cfgPtr, cfgLen) -> 0 | < 0
 *   plugin_process(inPtr, inLen, outPtr, outCap) -> bytes written | < 0 (-4: out too small)
 *   imports env.host_log(i32 level, i32 ptr, i32 len),
 *           env.host_report_metric(i32 namePtr, i32 nameLen, f64 value, i64 timestamp_ns),
 *           env.host_neighbor_resolve(i32 ipPtr, i32 ipLen, i32 ifPtr, i32 ifLen, i32 resPtr,
 *                                     i32 resCap) -> i32 (only if xdp_neighbor_resolve is used)
 * The request is the user's config object merged with "count" (u64), "device_mac_addr"
 * (6 bytes, standard base64) and, when the run sends on a device, "device_name". The response is
 *   [{"template":{"base_packet":{"data":B64,"length":N},"modifiers":[...],"checksums":[...]},
 *     "metadata":{"packet_count":C,"rate_pps":R,"tags":[...]}} , ...]
 * with one modifier per xdp_tmpl_modify*() call,
 *   {"target":{"layer":"ipv4","field":"src_ip"} | {"offset":O,"length":L},
 *    "operation":{"type":"increment"|"decrement"|"random"|"range"},
 *    "params":{"min":A,"max":B,"step":S[,"start":X][,"seed":R][,"endian":"little"]}}
 * (seed for random/range only; values above 2^53 as decimal strings), and one
 * {"layer":"ipv4"|"udp"|"tcp"|"icmp"|"icmpv6","auto_update":true} per xdp_tmpl_checksums() flag.
 *
 * Everything here is bounds-checked: malformed JSON gives an error code, never an
 * out-of-bounds read; the writer never writes past its buffer and reports the size it needed.
 */
#ifndef XDPERF_PLUGIN_H
#define XDPERF_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- export / import ---------------------------------------------------------------------- */

#define XDP_EXPORT(name) __attribute__((export_name(#name)))
#define XDP_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* Raw host imports (pointers are i32 offsets in the guest's memory). */
XDP_IMPORT(host_log) void xdp_host_log(int32_t level, const char *msg, int32_t len);
XDP_IMPORT(host_report_metric) void xdp_host_report_metric(const char *name, int32_t name_len,
							   double value, int64_t timestamp_ns);
XDP_IMPORT(host_neighbor_resolve) int32_t xdp_host_neighbor_resolve(const char *ip, int32_t ip_len,
								    const char *ifname, int32_t if_len,
								    char *result, int32_t result_cap);

/* ---- status codes ------------------------------------------------------------------------- */

enum {
	XDP_OK = 0,
	XDP_ERR_INVALID_INPUT = -1,    /* request/config is not valid JSON (or not an object) */
	XDP_ERR_INVALID_CONFIG = -2,   /* a field has the wrong type or an invalid value */
	XDP_ERR_NOMEM = -3,            /* guest allocation failed */
	XDP_ERR_BUFFER_TOO_SMALL = -4, /* the response does not fit the host's output buffer */
	XDP_ERR_NOT_INITIALIZED = -5,  /* plugin_process before plugin_init */
	XDP_ERR_GENERATE = -6,         /* the plugin could not build its packets */
};

/* ---- logging and metrics ------------------------------------------------------------------ */

enum { XDP_LOG_DEBUG = 0, XDP_LOG_INFO = 1, XDP_LOG_WARN = 2, XDP_LOG_ERROR = 3 };

/* printf-style message to the host (truncated to 511 bytes). */
void xdp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a metric with the current realtime clock (ns since the epoch) as timestamp. */
void xdp_metric(const char *name, double value);
/* Realtime clock in nanoseconds. */
int64_t xdp_now_ns(void);

/* ---- JSON reader -------------------------------------------------------------------------- */

/* A parsed document is a flat array of tokens (jsmn-like, but strictly validated). Values are
 * addressed by token index (int); -1 means "none". Object members are stored as a key token
 * (XDP_JSON_STRING) directly followed by its value. Strings refer to the source text (escaped):
 * use xdp_json_string() to decode. The source text must outlive the document. */
enum xdp_json_type {
	XDP_JSON_NULL, XDP_JSON_FALSE, XDP_JSON_TRUE, XDP_JSON_NUMBER, XDP_JSON_STRING,
	XDP_JSON_ARRAY, XDP_JSON_OBJECT,
};

typedef struct xdp_json_tok {
	uint8_t type;    /* enum xdp_json_type */
	uint32_t start;  /* source offset of the text (strings: after the opening quote) */
	uint32_t end;    /* one past the text (strings: the closing quote) */
	uint32_t size;   /* containers: number of elements / members */
	uint32_t next;   /* index of the token after this value's subtree */
} xdp_json_tok;

typedef struct xdp_json {
	const char *src;
	size_t len;
	xdp_json_tok *toks; /* malloc'd */
	uint32_t ntoks;
} xdp_json;

#define XDP_JSON_MAX_DEPTH 64

/* Parses src[0..len) (one value, surrounding whitespace allowed). Returns 0 or
 * XDP_ERR_INVALID_INPUT (syntax, depth > XDP_JSON_MAX_DEPTH) / XDP_ERR_NOMEM; on error the
 * document is empty. Free with xdp_json_free(). The root value is token 0. */
int xdp_json_parse(xdp_json *doc, const char *src, size_t len);
void xdp_json_free(xdp_json *doc);

int xdp_json_type(const xdp_json *doc, int tok);          /* -1 for an invalid index */
/* Member `key` of object `obj` (its value token) or -1 (absent, obj not an object). If a key
 * appears several times, the last one wins (like Go's encoding/json). */
int xdp_json_find(const xdp_json *doc, int obj, const char *key);
/* Number of elements of an array (or members of an object); 0 for other values. */
size_t xdp_json_len(const xdp_json *doc, int tok);
/* Element i of array `arr`, or -1. */
int xdp_json_at(const xdp_json *doc, int arr, size_t i);

/* Typed access to one value. Return 0, or XDP_ERR_INVALID_CONFIG on a type mismatch, an
 * out-of-range number or (strings) when the decoded string plus NUL does not fit `cap`. */
int xdp_json_string(const xdp_json *doc, int tok, char *buf, size_t cap);
/* The same, and *len (if not NULL) receives the decoded length: a "\u0000" escape decodes to
 * a NUL byte, which strlen() would stop at. */
int xdp_json_string_len(const xdp_json *doc, int tok, char *buf, size_t cap, size_t *len);
int xdp_json_u64(const xdp_json *doc, int tok, uint64_t *out); /* integer 0..2^64-1 */
int xdp_json_i64(const xdp_json *doc, int tok, int64_t *out);  /* integer, optional '-' */
int xdp_json_double(const xdp_json *doc, int tok, double *out);
int xdp_json_bool(const xdp_json *doc, int tok, bool *out);

/* By key: return 1 when found and converted, 0 when the key is absent or null (*out is left
 * unchanged, so preset the default), XDP_ERR_INVALID_CONFIG on a wrong type/range. */
int xdp_json_get_string(const xdp_json *doc, int obj, const char *key, char *buf, size_t cap);
int xdp_json_get_u64(const xdp_json *doc, int obj, const char *key, uint64_t *out);
int xdp_json_get_i64(const xdp_json *doc, int obj, const char *key, int64_t *out);
int xdp_json_get_bool(const xdp_json *doc, int obj, const char *key, bool *out);
/* Nested object: its token (>= 0), -1 absent/null, XDP_ERR_INVALID_CONFIG if not an object. */
int xdp_json_get_object(const xdp_json *doc, int obj, const char *key);
/* Arrays by key: up to `max` elements; *n receives the element count. Strings are stored at
 * bufs + i * elem_cap. Return as the scalar getters (too many elements = INVALID_CONFIG). */
int xdp_json_get_string_array(const xdp_json *doc, int obj, const char *key, char *bufs,
			      size_t elem_cap, size_t max, size_t *n);
int xdp_json_get_u64_array(const xdp_json *doc, int obj, const char *key, uint64_t *out,
			   size_t max, size_t *n);
int xdp_json_get_double_array(const xdp_json *doc, int obj, const char *key, double *out,
			      size_t max, size_t *n);

/* ---- JSON writer -------------------------------------------------------------------------- */

/* Writes into a caller buffer; never past cap. After an overflow it keeps counting, so
 * xdp_jw_finish() can report the size that would have been needed. Commas and the key/value
 * colon are inserted automatically. */
typedef struct xdp_jw {
	char *buf;
	size_t cap;
	size_t len;         /* bytes produced so far (may exceed cap) */
	int depth;
	bool error;         /* nesting misuse (too deep, unbalanced) */
	bool after_key;
	uint32_t count[XDP_JSON_MAX_DEPTH]; /* values written at each level */
} xdp_jw;

void xdp_jw_init(xdp_jw *w, char *buf, size_t cap);
void xdp_jw_obj_begin(xdp_jw *w);
void xdp_jw_obj_end(xdp_jw *w);
void xdp_jw_arr_begin(xdp_jw *w);
void xdp_jw_arr_end(xdp_jw *w);
void xdp_jw_key(xdp_jw *w, const char *key);
void xdp_jw_str(xdp_jw *w, const char *s);
void xdp_jw_strn(xdp_jw *w, const char *s, size_t n);
void xdp_jw_u64(xdp_jw *w, uint64_t v);
void xdp_jw_i64(xdp_jw *w, int64_t v);
void xdp_jw_double(xdp_jw *w, double v); /* non-finite values are written as null */
void xdp_jw_bool(xdp_jw *w, bool v);
void xdp_jw_null(xdp_jw *w);
void xdp_jw_base64(xdp_jw *w, const void *data, size_t len); /* standard alphabet, padded */
/* key + value shorthands */
void xdp_jw_kv_str(xdp_jw *w, const char *key, const char *v);
void xdp_jw_kv_u64(xdp_jw *w, const char *key, uint64_t v);
void xdp_jw_kv_i64(xdp_jw *w, const char *key, int64_t v);
void xdp_jw_kv_bool(xdp_jw *w, const char *key, bool v);
/* Bytes written (<= cap), XDP_ERR_BUFFER_TOO_SMALL if it overflowed (w->len = size needed),
 * XDP_ERR_GENERATE on nesting misuse (unbalanced or too deep). */
int xdp_jw_finish(const xdp_jw *w);

/* ---- base64 ------------------------------------------------------------------------------- */

size_t xdp_base64_len(size_t n); /* encoded length (padded) */
/* Encodes into out (needs xdp_base64_len(n) bytes, no NUL). */
void xdp_base64_encode(const void *in, size_t n, char *out);
/* Decodes standard base64 (padding optional); returns decoded length or -1 (bad input or more
 * than cap bytes). */
int xdp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* ---- addresses ---------------------------------------------------------------------------- */

/* "aa:bb:cc:dd:ee:ff" (also '-' separators, case-insensitive). 0 or -1. */
int xdp_parse_mac(const char *s, uint8_t mac[6]);
/* The MAC of neighbour `ip` (IPv4 or IPv6 text, e.g. the gateway) on the run's device, from the
 * host's neighbour table (it asks the kernel to resolve a miss and waits up to 300 ms): 0 with
 * mac, or -1 when unresolved or the run has no device (pcap output, plugin run). */
int xdp_neighbor_resolve(const char *ip, uint8_t mac[6]);
/* Dotted quad, each 0..255, no leading '+'/spaces. 0 or -1. */
int xdp_parse_ipv4(const char *s, uint8_t ip[4]);
/* RFC 4291 text form incl. "::" and a trailing dotted quad. 0 or -1. */
int xdp_parse_ipv6(const char *s, uint8_t ip[16]);
/* Formatting helpers (buf >= 18 / 16 / 46 bytes). */
void xdp_format_mac(const uint8_t mac[6], char *buf);
void xdp_format_ipv4(const uint8_t ip[4], char *buf);

/* ---- packet building ---------------------------------------------------------------------- */

#define XDP_ETH_HLEN 14
#define XDP_VLAN_HLEN 4
#define XDP_IPV4_HLEN 20
#define XDP_IPV6_HLEN 40
#define XDP_UDP_HLEN 8
#define XDP_TCP_HLEN 20
#define XDP_ICMP_HLEN 8
#define XDP_ETHERTYPE_IPV4 0x0800
#define XDP_ETHERTYPE_IPV6 0x86dd
#define XDP_ETHERTYPE_VLAN 0x8100
#define XDP_PROTO_ICMP 1
#define XDP_PROTO_TCP 6
#define XDP_PROTO_UDP 17
#define XDP_PROTO_ICMPV6 58

#define XDP_TCP_FIN 0x01
#define XDP_TCP_SYN 0x02
#define XDP_TCP_RST 0x04
#define XDP_TCP_PSH 0x08
#define XDP_TCP_ACK 0x10
#define XDP_TCP_URG 0x20

/* Internet checksum helpers (RFC 1071): sum 16-bit big-endian words, fold, complement. */
uint32_t xdp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t xdp_csum_fold(uint32_t sum); /* folded and complemented */
uint16_t xdp_csum(const void *data, size_t len);
/* Checksum of an L4 segment (its checksum field must be zero) with the IPv4 / IPv6 pseudo
 * header. */
uint16_t xdp_l4_csum_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			const void *l4, size_t len);
uint16_t xdp_l4_csum_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
			const void *l4, size_t len);

/* Big-endian (network order) stores of v at p[0..2) / p[0..4). */
void xdp_put_be16(uint8_t *p, uint16_t v);
void xdp_put_be32(uint8_t *p, uint32_t v);

/* Layer writers: write one header at p, return its length. Multi-byte fields big-endian. */
size_t xdp_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype);
/* Ethernet + 802.1Q tag (TPID 0x8100, TCI = pcp << 13 | vid) + inner ethertype: 18 bytes. */
size_t xdp_put_eth_vlan(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t vid,
			uint8_t pcp, uint16_t ethertype);
/* IPv4 without options, DF set, header checksum filled. payload_len = bytes after the header. */
size_t xdp_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		    uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id);
/* The same with the flags / fragment offset word given: xdp_put_ipv4 writes XDP_IPV4_DF; 0 (no
 * flags) is the header gopacket, and so the Go xdperf's plugins, write. */
#define XDP_IPV4_DF 0x4000
size_t xdp_put_ipv4_flags(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			  uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id,
			  uint16_t flags_frag);
size_t xdp_put_ipv6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		    uint16_t payload_len, uint8_t hop_limit, uint8_t tclass, uint32_t flow_label);
/* UDP header with checksum 0 (fill later with xdp_l4_csum_v4/v6, or use the frame builders). */
size_t xdp_put_udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t udp_len);

/* Frame builders: L2 + L3 + L4 + payload with every checksum filled. */
typedef struct xdp_l2 {
	uint8_t dst[6], src[6];
	int vlan_id;      /* -1 = untagged, else 0..4095 */
	uint8_t vlan_pcp; /* 0..7 */
} xdp_l2;

typedef struct xdp_l3 {
	int version;              /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
	uint8_t ttl;              /* TTL / hop limit; 0 = 64 */
	uint8_t tos;              /* TOS / traffic class */
	uint16_t id;              /* IPv4 identification */
	uint32_t flow_label;      /* IPv6 */
} xdp_l3;

typedef struct xdp_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;   /* XDP_TCP_* */
	uint16_t window;
	uint16_t mss;    /* 0 = no options; else one MSS option (header 24 bytes) */
} xdp_tcp;

/* Frame lengths, for sizing buffers. */
size_t xdp_l2_len(const xdp_l2 *l2);
size_t xdp_l3_len(const xdp_l3 *l3);

/* Each returns the frame length, or -1 when it does not fit cap / exceeds 65535 bytes of IP
 * payload / a parameter is invalid. `payload` may be NULL (zero bytes). */
int xdp_build_udp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
		  uint16_t dport, const uint8_t *payload, size_t plen);
int xdp_build_tcp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
		  const xdp_tcp *tcp, const uint8_t *payload, size_t plen);
/* ICMP echo request (IPv4) or ICMPv6 echo request (IPv6), by l3->version. */
int xdp_build_icmp_echo(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
			uint16_t ident, uint16_t seq, const uint8_t *payload, size_t plen);

/* ---- request / response (the boilerplate) ------------------------------------------------- */

typedef struct xdp_request {
	const xdp_json *doc;      /* the parsed request */
	int root;                 /* its root object */
	const xdp_json *config;   /* the config given to plugin_init (may have no tokens) */
	int config_root;          /* its root object, or -1 */
	uint64_t count;           /* "count" (0 if absent) */
	uint8_t device_mac[6];    /* "device_mac_addr" (zeros if absent) */
	bool has_device_mac;
} xdp_request;

/* Request lookups: the request's key first, then the init config's, then the default.
 * Return 0 (value or default stored), or XDP_ERR_INVALID_CONFIG after logging which key is
 * wrong (type, range, unparsable address). */
int xdp_req_string(const xdp_request *r, const char *key, const char *def, char *buf, size_t cap);
int xdp_req_u64(const xdp_request *r, const char *key, uint64_t def, uint64_t *out);
/* u64 limited to [min, max]. */
int xdp_req_range(const xdp_request *r, const char *key, uint64_t def, uint64_t min,
		  uint64_t max, uint64_t *out);
int xdp_req_i64(const xdp_request *r, const char *key, int64_t def, int64_t *out);
int xdp_req_bool(const xdp_request *r, const char *key, bool def, bool *out);
/* MAC as "aa:bb:cc:dd:ee:ff" or base64 of 6 bytes (like device_mac_addr). */
int xdp_req_mac(const xdp_request *r, const char *key, const uint8_t def[6], uint8_t out[6]);
int xdp_req_ipv4(const xdp_request *r, const char *key, const char *def, uint8_t out[4]);
int xdp_req_ipv6(const xdp_request *r, const char *key, const char *def, uint8_t out[16]);
/* An IPv4 address or a range "A-B" (A <= B) as host-order numbers (a single address: lo = hi). */
int xdp_req_ipv4_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi);
/* A port (number or string) or a range "A-B" of ports, 0..65535 (a single port: lo = hi). */
int xdp_req_port_range(const xdp_request *r, const char *key, const char *def, uint32_t *lo,
		       uint32_t *hi);
/* The raw value for `key` (request first, then config): its token, with *doc set; -1 absent. */
int xdp_req_find(const xdp_request *r, const char *key, const xdp_json **doc);
/* An array of integers: its elements into out[0..*n), at most `max` (absent or null: the
 * default def[0..ndef), ndef <= max). Errors: not an array, more than max elements, an element
 * that is not an integer (logged as "key[i]"). */
int xdp_req_i64_array(const xdp_request *r, const char *key, const int64_t *def, size_t ndef,
		      int64_t *out, size_t max, size_t *n);

/* The Go xdperf's is_arp_resolve for a destination MAC: on a device run (the request carries
 * "device_name") mac becomes the MAC of neighbour ip (IPv4 or IPv6 text, xdp_neighbor_resolve);
 * unresolved keeps mac, with the WARN line "WHO: is_arp_resolve: no MAC for IP on the run's
 * device; keeping dst_mac". Without a device (pcap output, plugin run) mac is kept, with a DEBUG
 * line. Returns whether mac was replaced. */
bool xdp_resolve_dst_mac(const xdp_request *r, const char *ip, const char *who, uint8_t mac[6]);

/* An IMIX: frame lengths (Ethernet header included, FCS excluded) sent in proportion to their
 * weights, one template each: pattern i is template i. Up to XDP_IMIX_MAX patterns (a plugin
 * may list one per template: imixudp has 123); xdp_req_imix reads up to XDP_IMIX_SIZES_MAX. */
#define XDP_IMIX_MAX 128
#define XDP_IMIX_SIZES_MAX 64
#define XDP_IMIX_FRAME_MAX 2048 /* the host's frame slot */
typedef struct xdp_imix {
	size_t n;
	uint16_t size[XDP_IMIX_MAX];
	uint64_t weight[XDP_IMIX_MAX];
} xdp_imix;

/* The sizes and weights of an IMIX from two integer arrays (xdp_req_i64_array, at most
 * XDP_IMIX_SIZES_MAX entries each; absent: def_sizes / def_weights, ndef entries each), by the
 * rules of the Go xdperf's protocol plugins (gtpv1u, srv6, vxlan): weight i goes with size i;
 * a missing weight is 1 and 0 counts as 1; a weight below 0 or above 2^32 - 1 is an error (also
 * an unused one); no sizes is an error, and so is a size above XDP_IMIX_FRAME_MAX (every size
 * is checked before any is skipped); then a size below min_len is skipped with the WARN line
 * "WHO: SIZES_KEY: skipping S, below the smallest FRAME (MIN bytes)", and none left is an error.
 * `who` is the plugin's name and `frame` names what min_len is the length of (e.g. "VXLAN
 * frame"): the errors are logged as "WHO: KEY: ..." ("WHO: SIZES_KEY: 4000 is above 2048
 * bytes (the host's frame limit)", "WHO: WEIGHTS_KEY: -1 is outside 0..4294967295").
 * Returns 0 with *out the sizes kept, in the order given, or XDP_ERR_INVALID_CONFIG. */
int xdp_req_imix(const xdp_request *r, const char *sizes_key, const char *weights_key,
		 const int64_t *def_sizes, const int64_t *def_weights, size_t ndef, size_t min_len,
		 const char *who, const char *frame, xdp_imix *out);

#define XDP_MAX_TAGS 8
#define XDP_TAG_LEN 32

/* Per-packet field modifiers the host applies to a template (include/xdperf/field.h):
 *   INCREMENT  start, start+step, ... up to max, then min again (start defaults to min)
 *   DECREMENT  start, start-step, ... down to min, then max again (start defaults to max)
 *   RANDOM     uniform over min, min+step, ... <= max (seeded)
 *   RANGE      every value of min, min+step, ... <= max once per cycle, in a scattered order
 * min = max = 0 means the field's whole range; step 0 means 1. */
#define XDP_MAX_MODS 8
#define XDP_MOD_FIELD_LEN 16

typedef enum { XDP_MOD_INCREMENT, XDP_MOD_DECREMENT, XDP_MOD_RANDOM, XDP_MOD_RANGE } xdp_mod_op;

typedef struct xdp_modifier {
	char field[XDP_MOD_FIELD_LEN]; /* "layer.field", or "" for offset/len */
	uint16_t offset;               /* absolute target (field == "") */
	uint8_t len;                   /* 1, 2, 4 or 8 */
	xdp_mod_op op;
	uint64_t min, max, step, seed;
	uint64_t start;                /* first value when has_start */
	bool has_start;
	bool little_endian;            /* offset/len targets only */
	/* Walks (not RANDOM): packet j of the template gets value number (skip + j * stride) mod n
	 * of min, min+step, ... (n values): one walk laid over m templates that take turns
	 * (template t: skip t, stride m). 0 = as usual. */
	uint64_t skip, stride;
} xdp_modifier;

/* Checksums the host keeps correct while modifiers change the packet. */
#define XDP_CSUM_IPV4 1u
#define XDP_CSUM_UDP 2u
#define XDP_CSUM_TCP 4u
#define XDP_CSUM_ICMP 8u
#define XDP_CSUM_ICMPV6 16u
#define XDP_CSUM_ALL 31u

/* A checksum by position (tunnels: the inner headers the host does not decode). */
#define XDP_MAX_CSUM_AT 4
typedef struct xdp_csum_at {
	uint16_t off, start, len, ip;
} xdp_csum_at;

typedef struct xdp_template {
	uint8_t *data;            /* base packet (owned by the response) */
	size_t len;
	uint64_t packet_count;    /* default: the request's count */
	uint64_t rate_pps;        /* default: 0 (unlimited) */
	char tags[XDP_MAX_TAGS][XDP_TAG_LEN];
	int ntags;
	xdp_modifier mods[XDP_MAX_MODS];
	int nmods;
	unsigned csums;           /* XDP_CSUM_* */
	xdp_csum_at csum_at[XDP_MAX_CSUM_AT];
	int ncsum_at;
} xdp_template;

typedef struct xdp_response xdp_response;
/* Called inside each template's "metadata" object after the standard fields: add members with
 * xdp_jw_key()/values. */
typedef void (*xdp_meta_fn)(xdp_jw *w, size_t template_index, void *ctx);

struct xdp_response {
	xdp_template *templates;
	size_t count, cap;
	uint64_t default_count;
	xdp_meta_fn meta;         /* optional extra metadata writer */
	void *meta_ctx;
};

#define XDP_MAX_TEMPLATES 4096

/* Appends a template holding a copy of data[0..len) (data NULL = len zero bytes). Returns it,
 * or NULL (out of memory, more than XDP_MAX_TEMPLATES). */
xdp_template *xdp_resp_add(xdp_response *r, const uint8_t *data, size_t len);
/* Builds a UDP frame (xdp_build_udp) whose payload byte i is i % 256, the default payload of
 * the example plugins, and appends it as a template. Returns it, or NULL with *err set to
 * XDP_ERR_GENERATE (invalid parameters, frame too large) or XDP_ERR_NOMEM. */
xdp_template *xdp_resp_add_udp(xdp_response *r, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
			       uint16_t dport, size_t plen, int *err);
/* Adds a tag (truncated to XDP_TAG_LEN - 1; at most XDP_MAX_TAGS). */
void xdp_tmpl_tag(xdp_template *t, const char *tag);
/* Adds a modifier on a named field: eth.src, eth.dst (the low 4 bytes of the MAC), ipv4.tos,
 * ipv4.id, ipv4.ttl, ipv4.src_ip, ipv4.dst_ip, ipv6.src_ip, ipv6.dst_ip (their low 64 bits),
 * ipv6.hop_limit, udp.src_port, udp.dst_port, tcp.src_port, tcp.dst_port, tcp.seq, tcp.ack, tcp.window,
 * icmp.id, icmp.seq. IPv4 addresses as host-order numbers (10.0.0.1 = 0x0a000001).
 * Returns 0, or XDP_ERR_INVALID_CONFIG (already XDP_MAX_MODS modifiers, unknown field or
 * operation, min > max, max wider than the field); the template is then unchanged. */
int xdp_tmpl_modify(xdp_template *t, const char *field, xdp_mod_op op, uint64_t min,
		    uint64_t max, uint64_t step, uint64_t seed);
/* The same on bytes [offset, offset + len) of the frame (len 1, 2, 4 or 8, big endian);
 * the field must lie inside the base packet. */
int xdp_tmpl_modify_at(xdp_template *t, uint16_t offset, uint8_t len, xdp_mod_op op,
		       uint64_t min, uint64_t max, uint64_t step, uint64_t seed);
/* General form (start value, little endian): *m is validated and copied as above. */
int xdp_tmpl_add_mod(xdp_template *t, const xdp_modifier *m);
/* Sets the checksums (XDP_CSUM_* flags; unknown bits ignored) the host keeps up to date. */
void xdp_tmpl_checksums(xdp_template *t, unsigned flags);

/* A checksum the host recomputes in the template and keeps up to date by position, the Go
 * xdperf's checksum spec: the 16-bit field at csum_off; an IPv4 header checksum when
 * csum_off = ip_off + 10, else a transport checksum over [header_start, header_start +
 * header_len) (0: to the end of the IP packet at ip_off) with that IP header's pseudo-header
 * (none for ICMP; over IPv6 the protocol after the extension headers and an SRH's final
 * segment as destination). A checksum covering another's field (an outer UDP over a tunnel's
 * inner headers) is kept right too. At most XDP_MAX_CSUM_AT; 0 or XDP_ERR_INVALID_CONFIG
 * (outside the frame, too many). Written as a "checksums" entry
 * {"checksum_offset","header_start","header_len","ip_header_offset"}. */
int xdp_tmpl_checksum_at(xdp_template *t, uint16_t csum_off, uint16_t header_start,
			 uint16_t header_len, uint16_t ip_off);

/* Makes every template's metadata carry mix as
 *   "imix": {"patterns": [{"size":S,"weight":W,"template":0}, {...,"template":1}, ...]}
 * (pattern i names template i), so the host interleaves the templates by weight and splits a
 * count the same way, also in runs without a count (src/packet/imix.c). The response keeps a
 * copy (freed by xdp_resp_free) as r->meta_ctx, with r->meta its writer (replacing one set
 * before). Returns 0, XDP_ERR_NOMEM, or XDP_ERR_GENERATE (mix->n is 0 or above XDP_IMIX_MAX). */
int xdp_resp_imix(xdp_response *r, const xdp_imix *mix);
/* Splits count over the patterns of mix by weight as the host splits an IMIX: floor(count * w /
 * W) each (W the sum of the weights; a weight 0 counts as 1), then one more each to the
 * largest remainders, the earliest first on a tie. out[0..mix->n) (its sum is count). */
void xdp_imix_split(const xdp_imix *mix, uint64_t count, uint64_t *out);

/* Serialises a response (used by plugin_process; exposed for tests). Return as xdp_jw_finish. */
int xdp_resp_write(const xdp_response *r, char *buf, size_t cap, size_t *needed);
void xdp_resp_free(xdp_response *r);

/* ---- what a plugin defines ---------------------------------------------------------------- */

/* Required (unless built with -DXDP_SDK_NO_GENERATOR_ABI): fill resp (xdp_resp_add ...).
 * Return 0 or a negative XDP_ERR_*. */
int xdp_generate(const xdp_request *req, xdp_response *resp);
/* Optional (weak defaults in the SDK return 0 / do nothing): validate/cache the init config.
 * cfg->doc is the config (no request fields). */
int xdp_init(const xdp_request *cfg);
void xdp_cleanup(void);

/* ---- declared configuration ----------------------------------------------------------------- */

/* A plugin declares its configuration once, at file scope, as plain JSON (docs/plugin-config.md):
 *
 *     XDP_PLUGIN_CONFIG({
 *         "description": "IPv4/UDP frames to one address",
 *         "keys": {
 *             "dst_ip": {"type": "ipv4", "default": "10.0.0.2", "description": "destination"},
 *             "vlan": {"type": "integer", "default": 0, "min": 0, "max": 4094,
 *                      "description": "802.1Q VLAN ID, 0 = untagged"},
 *             "*": false
 *         }
 *     });
 *
 * Types: integer, number, string, boolean, object, array, ipv4, ipv6, ip, mac (strings in that
 * format), any, or several joined by '|' ("integer|string"). Optional per key: default,
 * description, min and max (numbers), enum (the allowed values). "*": true lets other keys
 * through unchecked; absent or false refuses them.
 *
 * The macro puts the text in the module's custom section "xdperf.config", which xdperf reads
 * without running the plugin (xdperf plugin list / inspect show it; xdperf refuses a
 * configuration that does not match before plugin_init), and in xdp_config_schema, which
 * plugin_init checks the configuration against too (xdp_config_check), for hosts that do not
 * read the section. Only one file of a plugin may use it. Write the JSON as C tokens: no
 * backslash escapes or '#' in it. */
#define XDP_SDK_STR_(x) #x
#define XDP_PLUGIN_CONFIG(...)                                                                  \
	__asm__(".section .custom_section.xdperf.config,\"\",@\n.ascii " XDP_SDK_STR_(#__VA_ARGS__) \
		"\n.text\n");                                                                   \
	const char *const xdp_config_schema = #__VA_ARGS__

/* The declared configuration's JSON text; NULL (the SDK's weak default) when the plugin has no
 * XDP_PLUGIN_CONFIG. */
extern const char *const xdp_config_schema;

/* Checks object `root` of cfg against schema (NULL or root not an object: 0). Returns 0, or
 * XDP_ERR_INVALID_CONFIG after logging one line naming the key: unknown (with the closest
 * declared key, "did you mean"), of the wrong type or format, out of range, not one of its
 * choices. plugin_init calls it with the init config and xdp_config_schema. */
int xdp_config_check(const xdp_json *cfg, int root, const char *schema);

#ifdef __cplusplus
}
#endif
#endif
