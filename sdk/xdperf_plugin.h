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
 *
 * Building: `make -f PREFIX/share/xdperf/sdk/xdperf-plugin.mk PLUGIN=foo` builds foo.wasm from
 * foo.c (stripped), `xdperf plugin new foo` writes a project around it; pkg-config
 * xdperf-plugin gives the same flags. This header is the one include: the SDK's sources
 * (xdp_*.c, one job each: JSON reader, writer, frames, checksums, the ABI glue, ...) and
 * their internal header xdp_internal.h are no API.
 *
 * Conventions: functions returning int give 0 (or a count / length) on success and a negative
 * XDP_ERR_* (the address parsers and frame builders: -1) on failure, and then leave their
 * outputs unchanged unless said otherwise. Pointer arguments must not be NULL unless said
 * otherwise. Nothing keeps a pointer it was given after it returns, except the JSON document
 * (its source text) and a response (the templates it owns). The SDK is single-threaded, as a
 * WebAssembly plugin is.
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

/* Raw host imports (pointers are i32 offsets in the guest's memory); plugins call the wrappers
 * below instead (xdp_log, xdp_metric, xdp_neighbor_resolve). A module that uses none of them
 * does not import it.
 *   xdp_host_log               level (XDP_LOG_*), msg[0..len): one log line, not NUL-terminated
 *   xdp_host_report_metric     a named value with a timestamp (ns since the epoch)
 *   xdp_host_neighbor_resolve  the MAC of neighbour ip[0..ip_len) on interface ifname (empty:
 *                              the run's device) as "aa:bb:cc:dd:ee:ff" into result; returns
 *                              the text's length, or < 0 when unresolved */
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

/* Sends one log line to the host, which prints it as "[plugin NAME] LEVEL: text" (escaped)
 * unless level (XDP_LOG_*) is below the run's log level (default info). fmt and its arguments
 * as printf(); the text is truncated to 511 bytes. */
void xdp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports the metric `name` (a NUL-terminated string, e.g. "plugin.templates") with value,
 * timestamped with xdp_now_ns(). */
void xdp_metric(const char *name, double value);
/* The realtime clock (CLOCK_REALTIME, WASI clock_time_get) in nanoseconds since the epoch; 0
 * when the host gives no clock. */
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

/* Parses src[0..len) (one JSON value, surrounding whitespace allowed; src need not be
 * NUL-terminated) into *doc, whose previous contents are overwritten, not freed. The tokens
 * are malloc'd and owned by *doc; the strings are not copied: src must stay unchanged and
 * alive as long as doc is used. The root value is token 0.
 * Returns 0, XDP_ERR_INVALID_INPUT (a syntax error, nesting deeper than XDP_JSON_MAX_DEPTH,
 * len >= 2^32 - 1) or XDP_ERR_NOMEM; on an error *doc is empty (no tokens) and need not be
 * freed, though xdp_json_free() on it is harmless. */
int xdp_json_parse(xdp_json *doc, const char *src, size_t len);
/* Frees doc's tokens and empties it (NULL and an empty document are fine; src is the
 * caller's). */
void xdp_json_free(xdp_json *doc);

/* In the accessors below, doc is a parsed document and tok / obj / arr a token index; an index
 * outside the document (-1 included) is taken as "no value", never read. */

/* The type of value tok (enum xdp_json_type), or -1 for an invalid index. */
int xdp_json_type(const xdp_json *doc, int tok);
/* The value token of member `key` (NUL-terminated, compared with the member names decoded) of
 * object obj, or -1 (absent, obj not an object, key NULL). If a key appears several times the
 * last one wins (like Go's encoding/json). A null value is found (see the getters below). */
int xdp_json_find(const xdp_json *doc, int obj, const char *key);
/* The number of elements of an array or members of an object; 0 for other values. */
size_t xdp_json_len(const xdp_json *doc, int tok);
/* The token of element i of array arr, or -1 (i out of range, arr not an array). */
int xdp_json_at(const xdp_json *doc, int arr, size_t i);

/* Typed access to one value: the value of tok into *out / buf. Return 0, or
 * XDP_ERR_INVALID_CONFIG on a type mismatch or an out-of-range number (*out unchanged).
 * xdp_json_string decodes the escapes (\uXXXX to UTF-8) into buf and NUL-terminates it: an
 * error also when the result plus the NUL does not fit cap (buf's contents are then
 * unspecified). */
int xdp_json_string(const xdp_json *doc, int tok, char *buf, size_t cap);
/* The same, and *len (if not NULL) receives the decoded length: a "\u0000" escape decodes to
 * a NUL byte, which strlen() would stop at. */
int xdp_json_string_len(const xdp_json *doc, int tok, char *buf, size_t cap, size_t *len);
/* Integers 0..2^64-1; "12.0" and "1.2e1" count as integers, "1.5" does not. */
int xdp_json_u64(const xdp_json *doc, int tok, uint64_t *out);
/* Integers -2^63..2^63-1, as xdp_json_u64 with an optional '-'. */
int xdp_json_i64(const xdp_json *doc, int tok, int64_t *out);
/* Any number (strtod; at most 63 characters of number text). */
int xdp_json_double(const xdp_json *doc, int tok, double *out);
/* true or false. */
int xdp_json_bool(const xdp_json *doc, int tok, bool *out);

/* By key: member `key` of object obj, converted as above. Return 1 when found and converted,
 * 0 when the key is absent or null (*out / buf left unchanged, so preset the default),
 * XDP_ERR_INVALID_CONFIG on a wrong type or range. */
int xdp_json_get_string(const xdp_json *doc, int obj, const char *key, char *buf, size_t cap);
int xdp_json_get_u64(const xdp_json *doc, int obj, const char *key, uint64_t *out);
int xdp_json_get_i64(const xdp_json *doc, int obj, const char *key, int64_t *out);
int xdp_json_get_bool(const xdp_json *doc, int obj, const char *key, bool *out);
/* A nested object: its token (>= 0), -1 when absent or null, XDP_ERR_INVALID_CONFIG when the
 * value is not an object. */
int xdp_json_get_object(const xdp_json *doc, int obj, const char *key);
/* Arrays by key: the elements into out[0..*n) (strings: element i NUL-terminated at bufs + i *
 * elem_cap, each at most elem_cap bytes with the NUL; bufs holds max * elem_cap bytes), at most
 * max of them. Return as the scalar getters: 1 (*n set), 0 absent or null (*n unchanged),
 * XDP_ERR_INVALID_CONFIG for a non-array, more than max elements or an element of the wrong
 * type (the elements before it are stored). */
int xdp_json_get_string_array(const xdp_json *doc, int obj, const char *key, char *bufs,
			      size_t elem_cap, size_t max, size_t *n);
int xdp_json_get_u64_array(const xdp_json *doc, int obj, const char *key, uint64_t *out,
			   size_t max, size_t *n);
int xdp_json_get_double_array(const xdp_json *doc, int obj, const char *key, double *out,
			      size_t max, size_t *n);

/* ---- JSON writer -------------------------------------------------------------------------- */

/* Writes compact JSON into a caller buffer, never past cap (the buffer stays the caller's; no
 * NUL is written). After an overflow it keeps counting, so xdp_jw_finish() can report the size
 * that would have been needed. Commas and the key/value colon are inserted automatically: in
 * an object call xdp_jw_key() before each value (not checked). The functions return nothing:
 * nesting misuse (an end without its begin, nesting deeper than XDP_JSON_MAX_DEPTH - 1, a key
 * left without a value) is recorded in `error` and reported by xdp_jw_finish(). The struct is
 * the caller's (e.g. on the stack) and needs no freeing. */
typedef struct xdp_jw {
	char *buf;
	size_t cap;
	size_t len;         /* bytes produced so far (may exceed cap) */
	int depth;
	bool error;         /* nesting misuse (too deep, unbalanced) */
	bool after_key;
	uint32_t count[XDP_JSON_MAX_DEPTH]; /* values written at each level */
} xdp_jw;

/* Starts writing into buf[0..cap) (buf NULL: only count, cap taken as 0). */
void xdp_jw_init(xdp_jw *w, char *buf, size_t cap);
/* { and }, [ and ]: open and close an object / array. */
void xdp_jw_obj_begin(xdp_jw *w);
void xdp_jw_obj_end(xdp_jw *w);
void xdp_jw_arr_begin(xdp_jw *w);
void xdp_jw_arr_end(xdp_jw *w);
/* The name of the next object member (NUL-terminated, escaped as a string). */
void xdp_jw_key(xdp_jw *w, const char *key);
/* Values. Strings: s NUL-terminated, or s[0..n) (may hold NULs), escaped ('"', '\\', control
 * characters as \uXXXX); bytes >= 0x80 are copied (the caller gives UTF-8). */
void xdp_jw_str(xdp_jw *w, const char *s);
void xdp_jw_strn(xdp_jw *w, const char *s, size_t n);
void xdp_jw_u64(xdp_jw *w, uint64_t v);
void xdp_jw_i64(xdp_jw *w, int64_t v);
void xdp_jw_double(xdp_jw *w, double v); /* %.17g; non-finite values are written as null */
void xdp_jw_bool(xdp_jw *w, bool v);
void xdp_jw_null(xdp_jw *w);
/* data[0..len) as a base64 string (standard alphabet, padded). */
void xdp_jw_base64(xdp_jw *w, const void *data, size_t len);
/* key + value shorthands */
void xdp_jw_kv_str(xdp_jw *w, const char *key, const char *v);
void xdp_jw_kv_u64(xdp_jw *w, const char *key, uint64_t v);
void xdp_jw_kv_i64(xdp_jw *w, const char *key, int64_t v);
void xdp_jw_kv_bool(xdp_jw *w, const char *key, bool v);
/* Bytes written (<= cap), XDP_ERR_BUFFER_TOO_SMALL if it overflowed (w->len = size needed),
 * XDP_ERR_GENERATE on nesting misuse (unbalanced or too deep). */
int xdp_jw_finish(const xdp_jw *w);

/* ---- base64 ------------------------------------------------------------------------------- */

/* The length of n bytes encoded (padded to a multiple of 4). */
size_t xdp_base64_len(size_t n);
/* Encodes in[0..n) into out, which needs xdp_base64_len(n) bytes (no NUL is written). */
void xdp_base64_encode(const void *in, size_t n, char *out);
/* Decodes in[0..n) (standard alphabet, padding optional, no whitespace) into out[0..cap).
 * Returns the decoded length, or -1 (a character outside the alphabet, a bad length, more than
 * cap bytes; out may then hold part of the result). */
int xdp_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* ---- addresses ---------------------------------------------------------------------------- */

/* Parses "aa:bb:cc:dd:ee:ff" (also '-' separators, hex digits in either case; exactly 17
 * characters) into mac. 0, or -1 (s NULL or malformed; mac unchanged). */
int xdp_parse_mac(const char *s, uint8_t mac[6]);
/* The MAC of neighbour `ip` (IPv4 or IPv6 text, e.g. the gateway) on the run's device, from the
 * host's neighbour table (it asks the kernel to resolve a miss and waits up to 300 ms): 0 with
 * mac, or -1 when unresolved or the run has no device (pcap output, plugin run). */
int xdp_neighbor_resolve(const char *ip, uint8_t mac[6]);
/* Parses a dotted quad (four decimal parts 0..255 of at most 3 digits, nothing else) into ip
 * (network order). 0, or -1 (s NULL or malformed; ip unchanged). */
int xdp_parse_ipv4(const char *s, uint8_t ip[4]);
/* Parses the RFC 4291 text form, "::" and a trailing dotted quad included (no zone, no
 * brackets), into ip (network order). 0, or -1 (s NULL or malformed; ip unchanged). */
int xdp_parse_ipv6(const char *s, uint8_t ip[16]);
/* Text forms, NUL-terminated: "aa:bb:cc:dd:ee:ff" into buf of at least 18 bytes, a dotted
 * quad into buf of at least 16 bytes. */
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

/* Internet checksum (RFC 1071). xdp_csum_add adds data[0..len) as 16-bit big-endian words (an
 * odd last byte padded with zero) to the running sum (start with 0) and returns the new sum;
 * xdp_csum_fold folds a sum to 16 bits and complements it: the value for the checksum field
 * (host order: store it with xdp_put_be16). xdp_csum is both over one buffer. */
uint32_t xdp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t xdp_csum_fold(uint32_t sum);
uint16_t xdp_csum(const void *data, size_t len);
/* The checksum of an L4 segment l4[0..len) (its checksum field zeroed first) with the IPv4 /
 * IPv6 pseudo header of src, dst, the protocol / next header and len; as xdp_csum_fold. (UDP
 * sends a result of 0 as 0xffff; the frame builders do.) */
uint16_t xdp_l4_csum_v4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			const void *l4, size_t len);
uint16_t xdp_l4_csum_v6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
			const void *l4, size_t len);

/* Big-endian (network order) stores of v at p[0..2) / p[0..4). */
void xdp_put_be16(uint8_t *p, uint16_t v);
void xdp_put_be32(uint8_t *p, uint32_t v);

/* Layer writers: write one header at p (the caller makes room: the returned length), return
 * its length. Multi-byte fields big-endian; addresses copied as given (network order). */
size_t xdp_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype);
/* Ethernet + 802.1Q tag (TPID 0x8100, TCI = pcp << 13 | vid) + inner ethertype: 18 bytes. */
size_t xdp_put_eth_vlan(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t vid,
			uint8_t pcp, uint16_t ethertype);
/* IPv4 without options (20 bytes), DF set, header checksum filled; payload_len = the bytes
 * after the header (total length = 20 + payload_len). */
size_t xdp_put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		    uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id);
/* The same with the flags / fragment offset word given: xdp_put_ipv4 writes XDP_IPV4_DF; 0 (no
 * flags) is the header gopacket, and so the Go xdperf's plugins, write. */
#define XDP_IPV4_DF 0x4000
size_t xdp_put_ipv4_flags(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			  uint16_t payload_len, uint8_t ttl, uint8_t tos, uint16_t id,
			  uint16_t flags_frag);
/* IPv6 (40 bytes): payload_len = the bytes after the header, flow_label its low 20 bits. */
size_t xdp_put_ipv6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		    uint16_t payload_len, uint8_t hop_limit, uint8_t tclass, uint32_t flow_label);
/* UDP header (8 bytes) with checksum 0 (fill it later with xdp_l4_csum_v4/v6, or use the frame
 * builders); udp_len = header + payload. */
size_t xdp_put_udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t udp_len);

/* Frame builders: L2 + L3 + L4 + payload in one buffer with every checksum filled. The
 * parameter structs are the caller's, read only during the call. */
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

/* Header lengths, for sizing buffers: Ethernet (+ VLAN tag), IPv4 / IPv6. A frame is
 * xdp_l2_len + xdp_l3_len + the L4 header + the payload. */
size_t xdp_l2_len(const xdp_l2 *l2);
size_t xdp_l3_len(const xdp_l3 *l3);

/* Each writes the frame into buf[0..cap) and returns its length, or -1 when it does not fit
 * cap, exceeds 65535 bytes of IP payload, or a parameter is invalid (l3->version not 4 or 6,
 * vlan_id above 4095, a NULL struct); buf is then unspecified. payload[0..plen) is copied;
 * NULL gives plen zero bytes. TTL / hop limit 0 means 64. */
int xdp_build_udp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
		  uint16_t dport, const uint8_t *payload, size_t plen);
int xdp_build_tcp(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
		  const xdp_tcp *tcp, const uint8_t *payload, size_t plen);
/* ICMP echo request (IPv4) or ICMPv6 echo request (IPv6), by l3->version. */
int xdp_build_icmp_echo(uint8_t *buf, size_t cap, const xdp_l2 *l2, const xdp_l3 *l3,
			uint16_t ident, uint16_t seq, const uint8_t *payload, size_t plen);

/* ---- request / response (the boilerplate) ------------------------------------------------- */

/* What xdp_generate() gets: the parsed request and the init config. The documents are the
 * SDK's, valid during the call only (copy what is needed later). xdp_init() gets one with doc
 * = the config, config NULL. */
typedef struct xdp_request {
	const xdp_json *doc;      /* the parsed request */
	int root;                 /* its root object */
	const xdp_json *config;   /* the config given to plugin_init (may have no tokens) */
	int config_root;          /* its root object, or -1 */
	uint64_t count;           /* "count" (0 if absent) */
	uint8_t device_mac[6];    /* "device_mac_addr" (zeros if absent) */
	bool has_device_mac;
} xdp_request;

/* Request lookups: the request's key first, then the init config's, then the default (a key
 * whose value is null counts as absent). Return 0 (the value or the default stored), or
 * XDP_ERR_INVALID_CONFIG after logging (ERROR) which key is wrong (type, range, unparsable
 * address); return that code from xdp_generate() to end the run with the log line shown.
 * Strings go into buf[0..cap) NUL-terminated; a default NULL (or longer than cap) makes an
 * absent key an error ("missing"). */
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
/* The raw value for `key` (request first, then config; null counts as absent): its token,
 * with *doc set to the document it is in; -1 when absent (*doc unchanged). */
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
#define XDP_IMIX_FRAME_MAX 9216 /* the host's frame limit (a jumbo frame, no FCS) */
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
 * frame"): the errors are logged as "WHO: KEY: ..." ("WHO: SIZES_KEY: 9300 is above 9216
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

/* Appends a template holding a copy of data[0..len) (data NULL: len zero bytes), with
 * packet_count = the request's count, rate_pps 0, no tags, modifiers or checksums. Returns it
 * (owned by r, valid until the next xdp_resp_add: the array may move), or NULL (out of memory,
 * already XDP_MAX_TEMPLATES). */
xdp_template *xdp_resp_add(xdp_response *r, const uint8_t *data, size_t len);
/* Builds a UDP frame (xdp_build_udp) whose payload byte i is i % 256, the default payload of
 * the example plugins, and appends it as a template. Returns it, or NULL with *err set to
 * XDP_ERR_GENERATE (invalid parameters, frame too large) or XDP_ERR_NOMEM. */
xdp_template *xdp_resp_add_udp(xdp_response *r, const xdp_l2 *l2, const xdp_l3 *l3, uint16_t sport,
			       uint16_t dport, size_t plen, int *err);
/* Adds a tag (copied, truncated to XDP_TAG_LEN - 1 bytes) to the template's metadata; ignored
 * beyond XDP_MAX_TAGS or with t or tag NULL. */
void xdp_tmpl_tag(xdp_template *t, const char *tag);
/* Adds a modifier on a named field: eth.src, eth.dst (the low 4 bytes of the MAC), ipv4.tos,
 * ipv4.id, ipv4.ttl, ipv4.src_ip, ipv4.dst_ip, ipv6.src_ip, ipv6.dst_ip (their low 64 bits),
 * ipv6.hop_limit, udp.src_port, udp.dst_port, tcp.src_port, tcp.dst_port, tcp.seq, tcp.ack,
 * tcp.window, icmp.id, icmp.seq. IPv4 addresses as host-order numbers (10.0.0.1 = 0x0a000001).
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

/* Serialises a response as the host's JSON array of templates into buf[0..cap) (used by
 * plugin_process; exposed for tests). Returns as xdp_jw_finish: the bytes written,
 * XDP_ERR_BUFFER_TOO_SMALL, XDP_ERR_GENERATE; *needed (if not NULL) gets the size it takes. */
int xdp_resp_write(const xdp_response *r, char *buf, size_t cap, size_t *needed);
/* Frees the templates (their data), the IMIX copy of xdp_resp_imix, and empties r (reusable).
 * The SDK's plugin_process does it after xdp_generate(); a plugin calls it only on a response
 * of its own. */
void xdp_resp_free(xdp_response *r);

/* ---- what a plugin defines ---------------------------------------------------------------- */

/* Required (unless built with -DXDP_SDK_NO_GENERATOR_ABI): called for each request (each
 * plugin_process); fill resp (xdp_resp_add ...; resp is empty, its default_count the request's
 * count; the SDK serialises and frees it). req and its documents are valid during the call.
 * Return 0, or a negative XDP_ERR_* (logged by the SDK as "generate failed (rc)"; the run
 * ends). */
int xdp_generate(const xdp_request *req, xdp_response *resp);
/* Optional (weak defaults in the SDK return 0 / do nothing). xdp_init: once, at plugin_init,
 * to validate or cache the config (cfg->doc is the config object, no request fields; it lives
 * until plugin_cleanup, and each request's lookups also see it); a negative XDP_ERR_* refuses
 * the config. xdp_cleanup: at plugin_cleanup, when xdp_init succeeded: free what it kept. */
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
